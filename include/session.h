/*
 * session — one client connection: the server side of the MySQL protocol
 * (handshake, authentication, commands) and the relay of each command's
 * response from its backend.
 *
 * A session holds a reference to one shard map version, its current
 * keyspace (a pointer into that version), and (once a command needed one) a
 * backend connection to the keyspace's primary, which it keeps so that the
 * session state the client builds on the server (SET, temporary tables,
 * transactions) stays where the client left it.
 *
 * Map versions: at each command boundary, outside a transaction, the
 * session moves to the newest version (see session_map_refresh in
 * command.c); a command in flight, and every command of an open
 * transaction, keep the version they started with. Moving re-resolves the
 * keyspace by name in the new version (never keeping a pointer into the old
 * one). When the new version sends the keyspace elsewhere (other primary or
 * schema), the backend connection is dropped at the first boundary where it
 * holds no session state (not dirty, no transaction), so the next statement
 * connects to the new place; until then statements keep going to the old
 * one, where the client's state is.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth.h"
#include "buf.h"
#include "config.h"
#include "list.h"
#include "relay.h"
#include "shardmap.h"
#include "worker.h"

struct backend;
struct exec;
struct xa;
struct rw;

enum session_state {
    SESSION_ST_HANDSHAKE,   /* greeting sent, awaiting the response; on w->handshaking */
    SESSION_ST_AUTH_SWITCH, /* AuthSwitchRequest sent, awaiting the answer; on w->handshaking */
    SESSION_ST_IDLE,        /* authenticated, awaiting a command */
    SESSION_ST_CONNECTING,  /* a command waits for its backend connection */
    SESSION_ST_FORWARD,     /* a command went to the backend; relaying the response */
    SESSION_ST_EXEC,        /* setup commands, or a statement on several shards (exec.c) */
    SESSION_ST_INFILE,      /* relaying a LOCAL INFILE's contents to the backend */
    SESSION_ST_CLOSING,     /* a last packet is queued; close once it is written */
    SESSION_ST_DEAD,        /* closed; on w->dead until the end of the tick */
};

struct session {
    struct pollable pl; /* first: epoll data points here */
    struct worker *w;
    struct list node;  /* on w->sessions */
    struct list tnode; /* on w->handshaking, then on w->dead */
    enum session_state st;
    uint32_t id;
    char peer[64];
    char user[81];
    uint32_t caps; /* capabilities both sides have */
    uint8_t charset;
    uint8_t scramble[AUTH_SCRAMBLE_LEN];
    uint64_t deadline_ms;
    struct buf in;  /* bytes from the client */
    struct buf out; /* bytes for the client */
    bool rd_ready;
    struct shardmap *map;               /* the version the session runs on (a reference) */
    uint64_t map_gen;                   /* its generation (router->map_gen) */
    const struct shardmap_keyspace *ks; /* current keyspace in map, NULL if none */
    char ks_lost[65]; /* keyspace a newer version removed ("" if none): statements get 1049 */
    uint64_t ks_lost_version; /* the version that removed it */
    char db[65];              /* database named at login, until checked */
    bool multi_statements;
    struct backend **conns; /* one connection per shard used (server + schema) */
    uint16_t nconns, conns_cap;
    struct buf sets; /* SET statements every connection runs: u32 length + text each */
    uint32_t nsets;
    bool tx_open;      /* BEGIN in a sharded keyspace (or START TRANSACTION READ ONLY with
                          replicas), sent to a shard at first use */
    bool tx_read_only; /* that BEGIN was START TRANSACTION READ ONLY */
    /* ids taken from a sequence for the command that waits for its
     * connections (it runs again, with the same ids) */
    uint64_t last_insert_id; /* the first key a sequence gave this session's last INSERT */
    const void *seq_held_table;
    uint64_t seq_held_first;
    uint32_t seq_held;
    char tx_begin[128];           /* that BEGIN statement */
    struct xa *xa;                /* twopc keyspaces: the XA transaction (xa.c), once used */
    enum consistency consistency; /* where plain reads go (the user's, or SET by the session) */
    struct rw *rw;                /* read-your-writes state (rw.c), once used */
    int killed;                   /* atomic: KILL CONNECTION from another session */
    struct list pwnode;           /* waiting for a pooled connection (pool.c) */
    bool pool_waiting;
    uint64_t pool_deadline_ms;
    bool changing_user;     /* COM_CHANGE_USER is authenticating */
    bool hold_lost;         /* its held connection went to another session: LAST_INSERT_ID() is
                               answered from last_insert_id */
    bool holding;           /* the last command wrote (or counted found rows): its connections stay
                               until the next command shows whether it reads LAST_INSERT_ID() & co */
    struct exec *ex;        /* the statement on several shards, or with setup (exec.c) */
    struct backend *be;     /* the connection the relay serves the current statement from */
    struct backend *reg_be; /* the connection recorded for KILL */
    bool dirty;             /* the backend connection may hold session state */
    bool pinned;     /* ... that a read elsewhere would miss (temporary tables, variables set in
                        statements, locks, PREPARE, what is not understood): no replica reads */
    bool be_stale;   /* a newer map left connections unused: drop them once clean */
    uint16_t status; /* server status after the last command */
    size_t cmd_wire; /* bytes of the command being served, at the head of in */
    uint8_t cmd_seq; /* sequence id of the first response packet: the number of
                        packets the command took (1 unless it was split) */
    struct relay relay;
};

/* New client on fd (non-blocking): sends the greeting. NULL when the
 * session could not be set up: the caller still owns fd (and its count in
 * nclients). Otherwise the session owns them, even if it closed already. */
struct session *session_create(struct worker *w, int fd, const struct sockaddr_storage *peer);

/* epoll told us something about the client socket. */
void session_event(struct session *s, uint32_t events);

/* Backend callbacks (see backend.h). */
void session_backend_connected(struct session *s, struct backend *be);
void session_backend_failed(struct session *s, struct backend *be);
void session_backend_io(struct session *s);

/* Handshake timeouts. */
void session_check_timeouts(struct worker *w);

/* Shutdown: close sessions with nothing in flight (all when force). */
void session_close_idle(struct worker *w, bool force);

/* Close the sessions a KILL CONNECTION flagged. */
void session_check_killed(struct worker *w);

/* Free the sessions closed during this tick. */
void session_reap(struct worker *w);

/* "ip:port" of a peer address. */
void session_format_peer(const struct sockaddr_storage *ss, char *dst, size_t len);

#endif
