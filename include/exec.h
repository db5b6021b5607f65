/*
 * exec — runs one planned statement on the session's backend connections.
 *
 * A session keeps one backend connection per shard it used (a server and
 * a schema: several shards may share a server), for its whole life. Before
 * a statement, a connection may need setup commands, sent one at a time
 * and answered with OK: COM_SET_OPTION when the client's multi-statement
 * option differs, the session's replayable SET statements it has not run
 * yet (a connection opened late gets them all), and the BEGIN of a
 * transaction that the session opened before touching this shard.
 *
 * Then: a statement for one target with nothing to combine goes through
 * the relay (see relay.h) packet for packet; statements for several
 * targets are sent to all at once and their answers combined by the merge
 * engine (see merge.h), or their OKs added up.
 */
#ifndef EXEC_H
#define EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "relay.h"

struct session;
struct backend;

/* ---- the session's connections (conns.c) ------------------------------ */

/*
 * A connection of the session to shard's server for a statement (schema:
 * the database the statement needs, "" for none; a setup step switches a
 * connection's schema when it differs). taken[0..ntaken) are connections
 * this statement already uses: a second target on the same server gets
 * another connection. Prefers one whose schema matches. Starts a new one
 * when needed; NULL when out of memory. The result may be READY,
 * CONNECTING or DEAD (then not kept: the caller reports be->error and
 * releases it).
 */
struct backend *conns_get(struct session *s, const struct shardmap_shard *shard, const char *schema,
                          struct backend *const *taken, int ntaken);

/* conns_get / conns_get_at's answer when the pool allows no new connection
 * to the server now (pool_max): the session waits in line (pool.h). */
extern struct backend conns_wait_marker;
#define CONNS_WAIT (&conns_wait_marker)

/* At the end of a command: give back to the worker's pool every connection
 * that holds nothing of the client's (see pool.h). */
void conns_release(struct session *s);

/* As conns_get, on replica (an entry of shard->replicas, health table
 * index hidx) when not NULL. */
struct backend *conns_get_at(struct session *s, const struct shardmap_shard *shard,
                             const struct shardmap_addr *replica, int hidx, const char *schema,
                             struct backend *const *taken, int ntaken);

/* The replica of shard a plain read of the session should use now: the
 * usable one (see health.h) with the fewest statements of this worker in
 * flight, taking turns among equals; its health index in *hidx. NULL:
 * none is usable (the read goes to the primary, or is refused with
 * replica_fallback = fail). */
const struct shardmap_addr *conns_pick_replica(struct session *s,
                                               const struct shardmap_shard *shard, int *hidx);

/* Is addr one of shard's replicas? */
bool conns_replica_of(const char *addr, const struct shardmap_shard *shard);

/* Is addr ("host:port", as backend.addr) the primary of shard? Compares
 * without formatting (it runs per statement). */
bool conns_addr_is(const char *addr, const struct shardmap_shard *shard);

/* Is connection be on shard's primary (or, for a replica connection, one
 * of its replicas) and, unless it has no database, in the shard's schema? */
bool conns_on_shard(const struct backend *be, const struct shardmap_shard *shard);

/* Take a connection out of the session's (not closed). */
void conns_detach(struct session *s, struct backend *be);

/* Forget and release one connection / all of them. */
void conns_drop(struct session *s, struct backend *be);
void conns_drop_all(struct session *s);

/* Is any connection of the session inside a transaction? */
bool conns_in_trans(const struct session *s);

/* Remember a SET statement every connection of the session must run (now
 * or when it opens). Returns 0 or -1 (out of memory). */
int conns_record_set(struct session *s, const char *sql, size_t len);

/* Forget the recorded SET statements (COM_RESET_CONNECTION). */
void conns_forget_sets(struct session *s);

/* ---- running a statement (exec.c) --------------------------------------- */

/*
 * Run plan p (built for the command at the head of the session's input)
 * on its targets (see struct exec_opts). Sends the
 * answer or an error to the client eventually; the session's state says
 * where it is (CONNECTING: waits for connections and then runs the command
 * again; EXEC: setup or gathering; FORWARD: relaying one target).
 */
struct exec_opts {
    enum relay_kind kind; /* how a single target's answer is relayed */
    uint8_t com;          /* the command to send with each target's text */
    bool begin;           /* open the session's pending transaction on targets first */
    bool record_set;      /* a SET every later connection must replay, on success */
    /* When set: run on these connections of the session (READY, one per
     * target) as they are, instead of finding connections to the targets'
     * shards (then targets[i].shard may be NULL). */
    struct backend *const *use;
    /* The router's own follow-up (the ROLLBACK after a deadlock): nothing
     * goes to the client, whose command was answered already. */
    bool silent;
    /* With silent: the client's command stays in the session's input and
     * runs again when this is done (the router prepares something for it
     * first). */
    bool keep_command;
    /* Reserving ids from a sequence for the client's command (with silent
     * and keep_command): seq_k ids of seq's sequence; cached when done, or
     * the client's command is answered with the error. */
    const struct shardmap_table *seq;
    uint64_t seq_k;
    /* Never a connection inside the session's transaction. */
    bool outside_tx;
    /* The insert id the client's OK carries (generated keys), 0: the
     * servers' own. */
    uint64_t insert_id;
    /* A plain read outside a transaction: each target may go to a usable
     * replica of its shard (see conns_pick_replica). */
    bool replica;
    /* The session's transaction begins as an XA branch (twopc keyspaces):
     * XA START instead of the BEGIN text. */
    bool xa;
    /* With silent: called when every target answered (instead of ending
     * the session when one was lost); it reads the answers with
     * exec_results and may start the next exec. */
    void (*then)(struct session *s);
};

/* How each target of the exec that just finished answered. */
enum exec_result { EXEC_R_OK, EXEC_R_ERR, EXEC_R_LOST };

/* The targets' connections and results (at most max); their number. */
int exec_results(const struct session *s, struct backend **be, enum exec_result *res, int max);

/* Silent execs: the first column of target i's first row (text), false
 * when it sent none. */
bool exec_target_value(const struct session *s, int i, char *dst, size_t len);

/* The first error a target answered: "shard <name>: <message>" into msg,
 * its code and SQLSTATE (6 bytes). */
void exec_first_error(const struct session *s, char *msg, size_t len, uint16_t *code, char *state);
void exec_start(struct session *s, const struct plan *p, const struct exec_opts *o);

/* Progress on a session in SESSION_ST_EXEC. Returns 1 when something
 * happened, 0 when it waits for I/O. */
int exec_step(struct session *s);

/* Free what the session's executor holds. */
void exec_free(struct session *s);

#endif
