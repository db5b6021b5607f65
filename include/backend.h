/*
 * backend — one connection from the router to a MariaDB/MySQL server.
 *
 * Connecting and authenticating go through MariaDB Connector/C's
 * non-blocking API (mysql_real_connect_start/_cont) driven by the worker's
 * epoll loop, so every authentication method the library knows (including
 * MySQL 8's caching_sha2_password) works. Once connected, the router speaks
 * the protocol on the socket itself: commands are written as they came from
 * the client and response packets are relayed as they arrive (see relay.h),
 * which avoids decoding and re-encoding every row.
 */
#ifndef BACKEND_H
#define BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "list.h"
#include "shardmap.h"
#include "worker.h"

struct session;
typedef struct st_mysql MYSQL;

enum backend_state {
    BACKEND_ST_CONNECTING, /* non-blocking connect in progress; on worker->connecting */
    BACKEND_ST_READY,      /* connected; owned by one session */
    BACKEND_ST_DEAD,       /* failed or lost; its owner frees it */
};

struct backend_params {
    const char *user;
    const char *password;
    int connect_timeout_ms;
    const char *schema; /* NULL or "": no default database */
    uint8_t charset;    /* collation id the client asked for */
    bool found_rows;    /* CLIENT_FOUND_ROWS, per client */
    bool multi_statements;
    bool local_infile;
    /* a replica of the shard (reads only), with its health table index;
     * NULL: the primary */
    const struct shardmap_addr *replica;
    int health_idx;
    /* the primary's address (health_primary: a writable replica after a
     * failover); NULL: shard->primary */
    const struct shardmap_addr *primary;
    int server_idx; /* its server's health table index (pool.h) */
};

struct backend {
    struct pollable pl; /* first: epoll data points here */
    struct worker *w;
    struct session *owner;
    enum backend_state st;
    MYSQL *mysql;
    int wait_status; /* what libmariadb waits for while connecting */
    uint64_t deadline_ms;
    int timeout_ms;
    struct list tnode; /* on w->connecting while connecting */
    char shard[160];   /* shard name, for messages (" (replica)" appended for replicas) */
    uint8_t shard_len; /* the length of the name alone */
    char addr[300];    /* "host:port" of the server */
    uint32_t caps;     /* capabilities in effect with the server */
    uint32_t ext_caps; /* MariaDB extended capabilities in effect (RELAY_EXT_*) */
    bool multi_statements;
    unsigned long thread_id; /* the server's id for this connection */
    char schema[65];         /* database selected on the connection, "" if none */
    uint16_t status;         /* server status flags after its last answer */
    uint32_t replayed;       /* the owner's replayable SET statements applied so far */
    unsigned xa_branch;      /* its branch in the owner's XA transaction (xa.c), 0: none */
    bool replica;            /* to a replica of the shard: plain reads only */
    int health_idx;          /* its server in the health table (replicas), -1 */
    int server_idx;          /* its server in the health table (any; -1: none), the pool's key */
    bool busy;               /* counted in w->outstanding[health_idx] until idle */
    bool mariadb;            /* the server is MariaDB (else MySQL) */
    /* pooling (pool.h) */
    struct list pnode; /* on its pool's idle list while pooled */
    bool pooled;       /* idle in the worker's pool (owner NULL) */
    bool counted;      /* in its pool's count of open connections */
    uint64_t idle_since_ms;
    uint8_t charset;       /* as connected: the pool matches sessions on it */
    bool found_rows;       /* CLIENT_FOUND_ROWS as connected */
    bool multi_at_connect; /* CLIENT_MULTI_STATEMENTS as connected (after a reset) */
    bool reset_pending;    /* run COM_RESET_CONNECTION before the owner's setup */
    struct buf applied;    /* the SET statements it ran (u32 length + text each) */
    uint32_t napplied;
    bool gtid_tracking; /* primaries: the server reports GTIDs in OK packets (rw.h) */
    char synced[128];   /* replicas: a GTID the server is known to have applied */
    struct buf in;      /* bytes received, not yet relayed */
    struct buf out;     /* bytes to send that did not fit in the socket */
    bool rd_ready;
    size_t read_chunk; /* bytes asked of the next read; see backend_read */
    bool notify;       /* tell the owner about connect completion */
    unsigned err_code; /* why it failed (server or client error number) */
    char sqlstate[6];
    char error[400];
};

/*
 * Start connecting to shard's primary (or to p->replica) for owner. Returns the backend in
 * BACKEND_ST_CONNECTING, and the owner hears later through
 * session_backend_connected() or session_backend_failed(). When the
 * connection finished at once, the backend comes back READY or DEAD and
 * the owner is not called: the caller checks be->st. NULL: out of memory.
 */
struct backend *backend_connect(struct worker *w, struct session *owner,
                                const struct shardmap_shard *shard, const struct backend_params *p);

/* epoll told us something about be->pl.fd. */
void backend_event(struct backend *be, uint32_t events);

/* Fail connects that ran past their deadline. */
void backend_check_timeouts(struct worker *w);

/* Read what the socket has into be->in (at least want bytes of room).
 * Returns bytes read (> 0), 0 at end of stream, -2 would block, -1 error. */
ssize_t backend_read(struct backend *be, size_t want);

/* Between commands: give back a read buffer a large result made grow. */
void backend_idle(struct backend *be);

/* Send n bytes: what the socket takes now, the rest queued in be->out.
 * Returns 0, or -1 when the connection is broken. */
int backend_send(struct backend *be, const void *p, size_t n);

/* Write queued bytes. Returns 0 (done or waiting for EPOLLOUT) or -1. */
int backend_flush(struct backend *be);

/*
 * The owner is done with be: it is marked DEAD, detached, and freed (its
 * connection closed) by backend_reap() at the end of the loop tick, so
 * events already fetched for it in this tick stay harmless.
 */
void backend_release(struct backend *be);

/* Free the backends released during this tick. */
void backend_reap(struct worker *w);

#endif
