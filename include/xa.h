/*
 * xa — the transactions of sharded keyspaces with
 * cross_shard_transactions = twopc (router/xa.c; the protocol and the
 * decision log are described in twopc.h).
 */
#ifndef XA_H
#define XA_H

#include <stdbool.h>
#include <stddef.h>

struct session;
struct backend;

/* The session's keyspace runs its transactions as XA (twopc, and the
 * router has a decision log). */
bool xa_keyspace(const struct session *s);

/* The session has an XA transaction open (some branch was started). */
bool xa_open(const struct session *s);

/* "XA START <xid>" for a new branch of the session's transaction on be
 * (the transaction gets its id at its first branch) into dst
 * (TWOPC_XID_SQL_MAX bytes). Returns its length, 0 when out of memory. */
size_t xa_start_sql(struct session *s, struct backend *be, char *dst);

/* End the open XA transaction: commit (XA END, then XA COMMIT ONE PHASE
 * for one branch, or XA PREPARE everywhere, the decision, XA COMMIT
 * everywhere) or roll back (XA END, XA ROLLBACK). reply: the client's
 * COMMIT/ROLLBACK waits for the outcome; else (after a deadlock) nothing
 * goes to the client. */
void xa_end(struct session *s, bool commit, bool reply);

/* The session's connections are closing: a commit or rollback in flight
 * is handed to recovery. */
void xa_session_gone(struct session *s);

void xa_free(struct session *s);

#endif
