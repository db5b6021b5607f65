/*
 * proto — the MySQL client/server protocol codec. Pure: no I/O, no
 * allocation except appending to a caller's struct buf.
 *
 * Wire format reminders (dev.mysql.com "Client/Server Protocol"):
 *   packet  = 3-byte little-endian payload length + 1-byte sequence id +
 *             payload; a payload of 0xffffff bytes or more is split into
 *             0xffffff-byte packets followed by a shorter one (possibly
 *             empty), sequence ids increasing by one (mod 256).
 *   lenenc  = < 0xfb: 1 byte; 0xfc + 2 bytes; 0xfd + 3 bytes; 0xfe + 8 bytes.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PROTO_HEADER_LEN 4
#define PROTO_MAX_PAYLOAD 0xffffffu /* largest payload of one packet */
#define PROTO_SCRAMBLE_LEN 20

/* Capability flags (32 bits on the wire). */
#define PROTO_CAP_LONG_PASSWORD (1u << 0)
#define PROTO_CAP_FOUND_ROWS (1u << 1)
#define PROTO_CAP_LONG_FLAG (1u << 2)
#define PROTO_CAP_CONNECT_WITH_DB (1u << 3)
#define PROTO_CAP_NO_SCHEMA (1u << 4)
#define PROTO_CAP_COMPRESS (1u << 5)
#define PROTO_CAP_ODBC (1u << 6)
#define PROTO_CAP_LOCAL_FILES (1u << 7)
#define PROTO_CAP_IGNORE_SPACE (1u << 8)
#define PROTO_CAP_PROTOCOL_41 (1u << 9)
#define PROTO_CAP_INTERACTIVE (1u << 10)
#define PROTO_CAP_SSL (1u << 11)
#define PROTO_CAP_IGNORE_SIGPIPE (1u << 12)
#define PROTO_CAP_TRANSACTIONS (1u << 13)
#define PROTO_CAP_RESERVED (1u << 14)
#define PROTO_CAP_SECURE_CONNECTION (1u << 15)
#define PROTO_CAP_MULTI_STATEMENTS (1u << 16)
#define PROTO_CAP_MULTI_RESULTS (1u << 17)
#define PROTO_CAP_PS_MULTI_RESULTS (1u << 18)
#define PROTO_CAP_PLUGIN_AUTH (1u << 19)
#define PROTO_CAP_CONNECT_ATTRS (1u << 20)
#define PROTO_CAP_PLUGIN_AUTH_LENENC_DATA (1u << 21)
#define PROTO_CAP_CAN_HANDLE_EXPIRED_PASSWORDS (1u << 22)
#define PROTO_CAP_SESSION_TRACK (1u << 23)
#define PROTO_CAP_DEPRECATE_EOF (1u << 24)

/* Server status flags. */
#define PROTO_STATUS_IN_TRANS 0x0001
#define PROTO_STATUS_AUTOCOMMIT 0x0002
#define PROTO_STATUS_MORE_RESULTS 0x0008
#define PROTO_STATUS_SESSION_STATE_CHANGED 0x4000

/* Commands (first payload byte of a client command packet). */
enum proto_com {
    PROTO_COM_SLEEP = 0x00,
    PROTO_COM_QUIT = 0x01,
    PROTO_COM_INIT_DB = 0x02,
    PROTO_COM_QUERY = 0x03,
    PROTO_COM_FIELD_LIST = 0x04,
    PROTO_COM_STATISTICS = 0x09,
    PROTO_COM_PROCESS_KILL = 0x0c,
    PROTO_COM_PING = 0x0e,
    PROTO_COM_CHANGE_USER = 0x11,
    PROTO_COM_STMT_PREPARE = 0x16,
    PROTO_COM_SET_OPTION = 0x1b,
    PROTO_COM_RESET_CONNECTION = 0x1f,
};

/* Error codes the router itself sends (server error numbers). */
#define PROTO_ER_CON_COUNT 1040                /* 08004 Too many connections */
#define PROTO_ER_HANDSHAKE 1043                /* 08S01 Bad handshake */
#define PROTO_ER_ACCESS_DENIED 1045            /* 28000 */
#define PROTO_ER_NO_DB 1046                    /* 3D000 No database selected */
#define PROTO_ER_UNKNOWN_COM 1047              /* 08S01 Unknown command */
#define PROTO_ER_BAD_DB 1049                   /* 42000 Unknown database */
#define PROTO_ER_PARSE 1064                    /* 42000 syntax error */
#define PROTO_ER_NOT_ALLOWED_COMMAND 1148      /* 42000 */
#define PROTO_ER_NET_PACKET_TOO_LARGE 1153     /* 08S01 */
#define PROTO_ER_NET_PACKETS_OUT_OF_ORDER 1156 /* 08S01 */
#define PROTO_ER_NET_READ_INTERRUPTED 1159     /* 08S01 timeout reading */
#define PROTO_ER_NOT_SUPPORTED_AUTH_MODE 1251  /* 08004 */
#define PROTO_ER_MALFORMED_PACKET 1835         /* HY000 */
#define PROTO_ER_NO_SUCH_THREAD 1094           /* HY000 Unknown thread id */
#define PROTO_ER_WRONG_DB_NAME 1102            /* 42000 */
#define PROTO_ER_NOT_SUPPORTED_YET 1235        /* 42000 */
#define PROTO_ER_LOCK_DEADLOCK 1213            /* 40001 (a server's: the router reacts to it) */
#define PROTO_ER_LOCK_WAIT_TIMEOUT 1205        /* HY000 (a server's) */
#define PROTO_ER_XA_RBDEADLOCK 1614            /* XA102 (a server's, at XA END/PREPARE) */
#define PROTO_ER_ERROR_DURING_COMMIT 1180      /* HY000 a twopc COMMIT rolled back */
#define PROTO_ER_WRONG_VALUE_FOR_VAR 1231      /* 42000 SET shardrouter_consistency = ? */
#define PROTO_ER_OUT_OF_RESOURCES 1041         /* HY000 */
/* For a backend that cannot be reached or is lost mid-query the router uses
 * server error numbers: client libraries rewrite codes of the client range
 * (2000-2999) received in an ERR packet into "malformed packet" (2027). */
#define PROTO_ER_NET_READ_ERROR 1158    /* 08S01 backend lost during a command */
#define PROTO_ER_CONNECT_TO_SOURCE 1429 /* HY000 cannot connect to a backend */

/* ---- packet framing ---------------------------------------------------- */

static inline uint32_t proto_u24(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

static inline uint16_t proto_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t proto_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void proto_set_header(uint8_t *p, uint32_t len, uint8_t seq)
{
    p[0] = (uint8_t)len;
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)(len >> 16);
    p[3] = seq;
}

/*
 * A logical message (one payload, possibly split over several packets) at
 * the head of data[0, avail). proto_message_scan() reports how far it got:
 *   returns 1 when the whole message is present: *wire = bytes it occupies
 *            including headers, *payload = payload bytes, *nparts packets;
 *   returns 0 when more bytes are needed (*payload = payload bytes announced
 *            by the headers seen so far, to enforce a size limit early);
 *   returns -1 when a sequence id is not first_seq, first_seq+1, ... in
 *            order (*bad_seq = the one received).
 */
struct proto_msg {
    size_t wire;
    size_t payload;
    unsigned nparts;
    uint8_t bad_seq;
    uint8_t next_seq; /* sequence id following the message */
};
int proto_message_scan(const uint8_t *data, size_t avail, uint8_t first_seq, struct proto_msg *m);

/* Copy the payload of a complete split message (see proto_message_scan) into
 * dst, which must hold m->payload bytes. */
void proto_message_join(const uint8_t *data, const struct proto_msg *m, uint8_t *dst);

/* Append payload as one or more packets starting at *seq (advanced past
 * the last). Returns 0 or -1 (out of memory). */
int proto_write_payload(struct buf *out, const void *payload, size_t len, uint8_t *seq);

/* ---- reading fields ---------------------------------------------------- */

/* A cursor over a payload. Getters never read past end; the first overrun
 * sets err and every later getter returns zero/empty. */
struct proto_reader {
    const uint8_t *p;
    const uint8_t *end;
    int err;
};

static inline void proto_reader_init(struct proto_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->end = p + len;
    r->err = 0;
}

static inline size_t proto_reader_left(const struct proto_reader *r)
{
    return (size_t)(r->end - r->p);
}

uint8_t proto_get_u8(struct proto_reader *r);
uint16_t proto_get_u16(struct proto_reader *r);
uint32_t proto_get_u24(struct proto_reader *r);
uint32_t proto_get_u32(struct proto_reader *r);
uint64_t proto_get_u64(struct proto_reader *r);
/* Length-encoded integer. 0xfb (NULL) and 0xff are errors here. */
uint64_t proto_get_lenenc(struct proto_reader *r);
/* Length-encoded string: returns a pointer into the payload, *len set. */
const uint8_t *proto_get_lenenc_str(struct proto_reader *r, size_t *len);
/* NUL-terminated string: pointer into the payload (not including NUL). A
 * missing terminator is an error. */
const uint8_t *proto_get_nulstr(struct proto_reader *r, size_t *len);
/* n bytes, pointer into the payload. */
const uint8_t *proto_get_bytes(struct proto_reader *r, size_t n);
/* The rest of the payload. */
const uint8_t *proto_get_rest(struct proto_reader *r, size_t *len);

/* ---- writing fields (into a buf, after proto_begin) -------------------- */

/* Number of bytes lenenc(v) takes. */
size_t proto_lenenc_size(uint64_t v);
/* Write lenenc(v) at p; returns p advanced. p must have 9 bytes room. */
uint8_t *proto_put_lenenc(uint8_t *p, uint64_t v);

/* Start a packet: reserves the 4-byte header; returns its offset in out
 * (pass to proto_end), or (size_t)-1 when out of memory. */
size_t proto_begin(struct buf *out);
/* Finish the packet begun at start with sequence id seq. The payload must
 * be below 16 MiB (packets the router composes always are). */
void proto_end(struct buf *out, size_t start, uint8_t seq);
int proto_add(struct buf *out, const void *p, size_t n);
int proto_add_u8(struct buf *out, uint8_t v);
int proto_add_u16(struct buf *out, uint16_t v);
int proto_add_u32(struct buf *out, uint32_t v);
int proto_add_lenenc(struct buf *out, uint64_t v);
int proto_add_lenenc_str(struct buf *out, const void *s, size_t n);
int proto_add_nulstr(struct buf *out, const char *s);

/* ---- generic response packets ------------------------------------------ */

/*
 * OK packet contents. info and state point into the parsed payload (or the
 * caller's memory when writing). header is 0x00 for OK, 0xfe when an OK
 * packet ends a result set under CLIENT_DEPRECATE_EOF.
 */
struct proto_ok {
    uint8_t header;
    uint64_t affected_rows;
    uint64_t last_insert_id;
    uint16_t status;
    uint16_t warnings;
    const uint8_t *info;
    size_t info_len;
    const uint8_t *state; /* session state changes, when status has the flag */
    size_t state_len;
};

/* Parse an OK payload (header 0x00 or 0xfe) as sent to a peer with caps.
 * Returns 0 or -1 (malformed). */
int proto_parse_ok(const uint8_t *p, size_t len, uint32_t caps, struct proto_ok *ok);
/* Write ok for a peer with caps. Without CLIENT_SESSION_TRACK the session
 * state is dropped and the status flag cleared; the info text is written
 * length-encoded either way, as MySQL and MariaDB servers do (the protocol
 * documentation's string<EOF> is not what clients parse). Returns 0 or -1. */
int proto_write_ok(struct buf *out, uint8_t seq, uint32_t caps, const struct proto_ok *ok);

/* Session state info announcing the current database is now name
 * (SESSION_TRACK_SCHEMA), for proto_ok.state. Returns its length, or 0 if
 * it does not fit in cap. */
size_t proto_state_schema(uint8_t *dst, size_t cap, const char *name);

/* Where MariaDB's extended metadata field (a lenenc string after org_name)
 * sits in a column definition: its offset and length. 0, or -1 when the
 * packet is too short for it. */
int proto_coldef_ext(const uint8_t *p, size_t len, size_t *off, size_t *n);

/* The GTID of the transaction an OK packet's session state reports
 * (proto_ok.state): MariaDB's tracked system variable last_gtid, or
 * MySQL's SESSION_TRACK_GTIDS. Copied NUL-terminated into dst; its length,
 * 0 when there is none (or it does not fit). */
size_t proto_state_gtid(const uint8_t *state, size_t len, char *dst, size_t cap);

/* A classic EOF packet: 0xfe, warnings, status (5 bytes payload). */
int proto_parse_eof(const uint8_t *p, size_t len, uint16_t *warnings, uint16_t *status);
int proto_write_eof(struct buf *out, uint8_t seq, uint16_t warnings, uint16_t status);

/* End of rows / end of column list for a peer with caps: an OK packet with
 * header 0xfe under CLIENT_DEPRECATE_EOF, a classic EOF otherwise. */
int proto_write_end(struct buf *out, uint8_t seq, uint32_t caps, uint16_t warnings,
                    uint16_t status);

/* A ColumnDefinition41 of a VARCHAR utf8mb4 column named name (n bytes),
 * without table or schema (a result set the router composes itself); with
 * bigint_unsigned, a BIGINT UNSIGNED NOT NULL column instead. */
int proto_write_coldef(struct buf *out, uint8_t seq, const char *name, size_t n,
                       bool bigint_unsigned);

/* A text-protocol row of n values (NULL: SQL NULL). */
int proto_write_text_row(struct buf *out, uint8_t seq, const char *const *values, int n);

/* True if a payload starting with 0xfe of this length is an end marker
 * (EOF, or OK-as-EOF) rather than a row whose first column is a lenenc
 * string with an 8-byte length. */
static inline bool proto_is_end(const uint8_t *p, size_t len, bool deprecate_eof)
{
    return len > 0 && p[0] == 0xfe && (deprecate_eof ? len < PROTO_MAX_PAYLOAD : len < 9);
}

struct proto_err {
    uint16_t code;
    char sqlstate[6];
    const uint8_t *msg;
    size_t msg_len;
};
int proto_parse_err(const uint8_t *p, size_t len, struct proto_err *e);

/* ERR packet: code, 5-character SQLSTATE, printf-style message (truncated
 * at 512 bytes as the server does). */
int proto_write_err(struct buf *out, uint8_t seq, uint16_t code, const char *sqlstate,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- connection phase -------------------------------------------------- */

struct proto_handshake {
    const char *server_version;
    uint32_t conn_id;
    const uint8_t *scramble; /* PROTO_SCRAMBLE_LEN bytes, no NUL bytes */
    uint32_t caps;
    uint8_t charset;
    uint16_t status;
    const char *auth_plugin;
};

/* Initial Handshake v10, sequence id 0. */
int proto_write_handshake(struct buf *out, const struct proto_handshake *hs);

/* HandshakeResponse41 (or an SSLRequest when ssl_request is set). Pointers
 * refer into the payload; strings are not NUL-terminated. */
struct proto_hs_response {
    uint32_t caps;
    uint32_t max_packet;
    uint8_t charset;
    const uint8_t *user;
    size_t user_len;
    const uint8_t *auth;
    size_t auth_len;
    const uint8_t *db; /* NULL when absent */
    size_t db_len;
    const uint8_t *plugin; /* NULL when absent */
    size_t plugin_len;
    bool ssl_request; /* only the 32-byte SSLRequest prefix was sent */
};

/* Parse a handshake response. Returns 0, or -1 when malformed or when the
 * client does not speak PROTOCOL_41 (*why set to a short reason). */
int proto_parse_hs_response(const uint8_t *p, size_t len, struct proto_hs_response *r,
                            const char **why);

/* AuthSwitchRequest: 0xfe, plugin name, plugin data. */
int proto_write_auth_switch(struct buf *out, uint8_t seq, const char *plugin, const uint8_t *data,
                            size_t data_len);

#endif
