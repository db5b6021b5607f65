/*
 * relay — turns the byte stream of one backend response into the byte
 * stream the client expects. Pure: no I/O; the caller reads the backend
 * into `in` and writes `out` to the client.
 *
 * The backend and the client negotiated their capabilities separately, so
 * the relay
 *   - renumbers sequence ids (it may add or drop packets);
 *   - converts result-set terminators: classic EOF <-> OK-with-0xfe header
 *     (CLIENT_DEPRECATE_EOF), adding or removing the EOF that follows the
 *     column definitions;
 *   - re-encodes OK packets for the client's CLIENT_SESSION_TRACK setting;
 *   - follows multi-results (SERVER_MORE_RESULTS_EXISTS) to the last one;
 *   - streams column definitions and rows through, whatever their size
 *     (payloads over 16 MiB arrive split and leave split the same way),
 *     holding at most one small control packet (OK/EOF/ERR/column count)
 *     whole, so a result of any size passes with bounded memory.
 * Backpressure: relay_feed() stops once `out` holds out_limit bytes.
 */
#ifndef RELAY_H
#define RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum relay_kind {
    RELAY_KIND_QUERY,      /* COM_QUERY: OK | ERR | result sets | LOCAL INFILE */
    RELAY_KIND_FIELD_LIST, /* COM_FIELD_LIST: column definitions, end marker */
    RELAY_KIND_SIMPLE,     /* OK or ERR (or an EOF, for COM_SET_OPTION) */
};

enum relay_state {
    RELAY_ST_FIRST,       /* first packet of a response or of the next result */
    RELAY_ST_COLUMNS,     /* column definitions; ncols left */
    RELAY_ST_COLUMNS_END, /* the classic EOF after the column definitions */
    RELAY_ST_ROWS,        /* rows until the end marker */
    RELAY_ST_FIELDS,      /* COM_FIELD_LIST definitions until the end marker */
    RELAY_ST_INFILE,      /* client sends a LOCAL INFILE's contents */
    RELAY_ST_DONE,
};

enum relay_result {
    RELAY_ERROR = -1,        /* backend broke the protocol; r->why says how */
    RELAY_MORE = 0,          /* need more input (or out reached out_limit) */
    RELAY_DONE = 1,          /* response complete */
    RELAY_INFILE = 2,        /* a LOCAL INFILE request went to the client: relay
                                its packets with relay_infile_packet() */
    RELAY_INFILE_DENIED = 3, /* a LOCAL INFILE request the client may not
                                get: relay_infile_deny() answers it */
};

/* MariaDB extended capabilities the backend connection has (bits of the
 * upper capability word). Progress reports are dropped; extended column
 * metadata is cut out of column definitions, since clients of the router
 * never get those capabilities. */
#define RELAY_EXT_PROGRESS (1u << 0)
#define RELAY_EXT_METADATA (1u << 3)
#define RELAY_EXT_CACHE_METADATA (1u << 4) /* a "metadata follows" byte after the column count */

struct relay {
    enum relay_kind kind;
    enum relay_state st;
    uint32_t client_caps;
    uint32_t backend_caps;
    uint32_t backend_ext; /* RELAY_EXT_*; set after relay_start() */
    bool allow_infile;
    uint8_t client_seq;  /* next sequence id towards the client */
    uint8_t backend_seq; /* next sequence id expected from (or sent to) the backend */
    uint64_t ncols;      /* column definitions still to come */
    uint16_t status;     /* last server status flags seen */
    uint16_t warnings;
    size_t pass_left;   /* payload bytes of the current packet still to copy */
    bool in_split;      /* the current/next packet continues a split payload */
    bool infile_split;  /* the client's last LOCAL INFILE packet was 0xffffff long */
    bool infile_denied; /* a LOCAL INFILE request got an empty file from us */
    size_t need;        /* bytes `in` must hold at its head to go on (hint) */
    uint64_t rows;      /* rows relayed (all result sets) */
    uint64_t affected;  /* affected rows of the last OK */
    uint64_t insert_id; /* last insert id of the last OK */
    uint16_t err_code;  /* code of the ERR packet relayed, 0 if none */
    /* When set, an OK answer tells a CLIENT_SESSION_TRACK client that its
     * database is now this (the keyspace name), in place of whatever the
     * backend reported (the shard's schema name). */
    const char *track_schema;
    const char *why; /* reason of a RELAY_ERROR */
    /* The GTID an OK's session state reported (read-your-writes), "" if none */
    char gtid[128];
};

/*
 * Prepare r for the response to one command. first_client_seq is the
 * sequence id the client expects next (1 after a command packet);
 * the backend starts at 1 too. allow_infile: LOCAL INFILE requests may be
 * passed to a client that announced CLIENT_LOCAL_FILES.
 */
void relay_start(struct relay *r, enum relay_kind kind, uint32_t client_caps, uint32_t backend_caps,
                 bool allow_infile);

/* Consume what it can from in, append to out. See enum relay_result. */
enum relay_result relay_feed(struct relay *r, struct buf *in, struct buf *out, size_t out_limit);

/*
 * During RELAY_ST_INFILE: one packet from the client (payload, len, the
 * sequence id it carried) goes to the backend (appended to to_backend).
 * Returns RELAY_MORE, or RELAY_DONE-like 1 when it was the empty packet
 * that ends the file (the state is then FIRST again: feed the backend's
 * answer), or RELAY_ERROR on a sequence-id mismatch.
 */
enum relay_result relay_infile_packet(struct relay *r, const uint8_t *payload, size_t len,
                                      uint8_t seq, struct buf *to_backend);

/* Answer a denied LOCAL INFILE request with an empty file. Returns 0/-1. */
int relay_infile_deny(struct relay *r, struct buf *to_backend);

#endif
