/*
 * twopc — cross_shard_transactions = twopc: transaction ids, the decision
 * log, and the recovery thread.
 *
 * A transaction of a twopc keyspace runs as one XA transaction (a branch)
 * per shard connection it touches, all with one global id (gtrid):
 *
 *     sr.<router 16 hex>.<boot 12 hex>.<sequence hex>
 *
 * <router> is xxh64 of router_id, so that routers sharing servers each
 * recognise their own transactions; <boot> is this process's start time
 * (microseconds, 48 bits), so that recovery tells the transactions of an
 * earlier run (nobody drives them any more) from this run's. A branch's
 * qualifier is "b<n>", n counting the transaction's branches.
 *
 * COMMIT of a transaction with several branches (router/xa.c): XA END and
 * XA PREPARE on each; then the decision "C <gtrid>" is appended to the
 * log (twopc_log) and made durable with fdatasync: that is the commit
 * point; then XA COMMIT on each, and "D <gtrid>" once every branch
 * answered. A decided transaction whose XA COMMIT failed somewhere keeps
 * its C and is finished by recovery. Aborts are not logged (presumed
 * abort), except "A <gtrid>" when an aborted transaction may have left a
 * prepared branch the router could not roll back.
 *
 * Recovery (a thread): at start, every twopc_recovery_ms, and when a
 * worker asks, XA RECOVER on every primary of the current map. A prepared
 * branch with this router's hash is committed when its gtrid has a C (and
 * no D), rolled back when it has an A, or when it is of an earlier run and
 * has no C (presumed abort); a branch of this run without a record belongs
 * to a transaction a worker still drives and is left alone. (A branch
 * still attached to a live connection cannot be finished from another one:
 * the server answers XAER_NOTA, and the next pass tries again.)
 *
 * The log is rewritten (compacted) at start and when it grows past 1 MiB:
 * only the C and A records still open are kept.
 */
#ifndef TWOPC_H
#define TWOPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TWOPC_GTRID_MAX 64 /* an XA gtrid: at most 64 bytes */
#define TWOPC_XID_SQL_MAX 160

struct router;

/* ---- pure parts (unit tested) --------------------------------------------- */

/* "sr.<router>.<boot>.<seq>" into dst (TWOPC_GTRID_MAX + 1 bytes). */
void twopc_gtrid(char *dst, uint64_t router_hash, uint64_t boot, uint64_t seq);

/* A gtrid of this format: 0 with router hash and boot, -1 otherwise. */
int twopc_gtrid_parse(const char *g, size_t len, uint64_t *router_hash, uint64_t *boot);

/* "<verb> 'gtrid','b<branch>'<suffix>" into dst (TWOPC_XID_SQL_MAX);
 * returns its length. */
size_t twopc_xid_sql(char *dst, const char *verb, const char *gtrid, unsigned branch,
                     const char *suffix);

/* The open records of a log. */
enum twopc_kind { TWOPC_COMMIT = 'C', TWOPC_ABORT = 'A' };

struct twopc_entry {
    char gtrid[TWOPC_GTRID_MAX + 1];
    char kind;        /* TWOPC_COMMIT or TWOPC_ABORT */
    int64_t since_ms; /* when it was recorded (or read at start) */
    bool seen;        /* recovery found a branch of it in its last pass */
};

struct twopc_table {
    struct twopc_entry *e;
    int n, cap;
};

/* Apply one record ("C g", "A g", "D g"): C and A add, D removes. -1 for a
 * malformed one, or out of memory. */
int twopc_table_apply(struct twopc_table *t, char kind, const char *gtrid, size_t len,
                      int64_t now_ms);

/* Replay a log's text: whole lines only (a last line without its newline
 * was never made durable, so it is no decision). Returns the number of
 * malformed lines, or -1 when out of memory. */
int twopc_table_replay(struct twopc_table *t, const char *text, size_t len, int64_t now_ms);

/* The entry for gtrid, or NULL. */
struct twopc_entry *twopc_table_find(struct twopc_table *t, const char *gtrid, size_t len);

void twopc_table_free(struct twopc_table *t);

/* ---- the router's twopc state ------------------------------------------- */

/*
 * Open (creating) cfg->twopc_log, replay and compact it; remember the
 * boot id. Returns NULL with err filled when the log cannot be used. Only
 * called when twopc_log is set.
 */
struct twopc *twopc_open(struct router *r, char *err, size_t errlen);

/* Start / stop the recovery thread. */
int twopc_start(struct twopc *tp);
void twopc_stop(struct twopc *tp);
void twopc_close(struct twopc *tp);

/* A new gtrid for a transaction (thread-safe). */
void twopc_new_gtrid(struct twopc *tp, char *dst);

/* The commit point: "C gtrid" appended and made durable. 0, or -1 with
 * err filled (the transaction must then be rolled back). */
int twopc_decide(struct twopc *tp, const char *gtrid, char *err, size_t errlen);

/* Every branch of a decided transaction committed: "D gtrid". */
void twopc_done(struct twopc *tp, const char *gtrid);

/* A decided transaction has branches left prepared: recovery commits them
 * (its C stays); recovery runs now. */
void twopc_left(struct twopc *tp, const char *gtrid);

/* An aborted transaction may have left a prepared branch: "A gtrid", and
 * recovery runs now. */
void twopc_abort_left(struct twopc *tp, const char *gtrid);

/* Test-only fault points, from the environment variable SHARDROUTER_FAULT
 * (see shardrouter(8), ENVIRONMENT): true when name is set there. */
bool twopc_fault(const struct twopc *tp, const char *name);

#endif
