/*
 * pool — each worker's idle backend connections, for sessions to share.
 *
 * A session holds backend connections only while it needs them: at the
 * end of each command (exec.c, session.c) conns_release() gives back every
 * connection that holds nothing of the client's — not inside a
 * transaction, no XA branch, the session not pinned (temporary tables,
 * variables set inside statements, locks, PREPARE, LOCK TABLES, anything
 * not understood), and not the connection of a write or of
 * SQL_CALC_FOUND_ROWS whose LAST_INSERT_ID(), ROW_COUNT() or FOUND_ROWS()
 * the next command may read (that one is given back when the next command
 * turns out not to read them).
 *
 * Idle connections wait in the worker's pool for the next session of the
 * same server, character set and CLIENT_FOUND_ROWS setting. A connection
 * keeps the SET statements it ran: a session whose own SET statements
 * begin with those replays only the rest; any other session has the
 * connection reset (COM_RESET_CONNECTION) and replays all of its own. An
 * idle connection the server closes, or that stays idle pool_idle_timeout_ms,
 * is closed. pool_max (0: no limit) bounds the connections each worker opens
 * to one server (the configured number divided among the workers): a
 * session that needs one more waits in line until another session gives
 * one back, for at most pool_wait_timeout_ms, and then gets error 1040.
 */
#ifndef POOL_H
#define POOL_H

#include <stdbool.h>
#include <stdint.h>

struct worker;
struct backend;
struct session;

/* Servers are named by their health table index (health.h): -1 means
 * one the table has no room for, which is not pooled.
 *
 * An idle connection to server idx for the session (its
 * character set and found-rows setting) and schema ("" wants one without a
 * database), detached from the pool; NULL when there is none. */
struct backend *pool_take(struct worker *w, int idx, const struct session *s, const char *schema);

/* Give back an idle connection (or close it when it cannot be reused). */
void pool_put(struct worker *w, struct backend *be);

/* May the worker open one more connection to addr (pool_max)? When not,
 * the session (unless NULL) is queued and its command runs again when one
 * comes back. */
bool pool_may_open(struct worker *w, int idx, struct session *s);

/* A connection of the worker to addr was opened / closed (for pool_max). */
void pool_opened(struct worker *w, int idx);
void pool_closed(struct worker *w, int idx);

/* Sessions whose wait ended: run their commands again (the worker loop). */
void pool_run_ready(struct worker *w);

/* Take back the connections to addr an idle session holds after an INSERT
 * (see session.holding) for others to use. True when one came back. */
bool pool_steal(struct worker *w, int idx);

/* Close the least recently used idle connection to addr (one the session
 * could not use: another character set), making room under pool_max. */
bool pool_evict(struct worker *w, int idx);

/* The session no longer waits (it was served, timed out or closed). */
void pool_unwait(struct worker *w, struct session *s);

/* Close idle connections past pool_idle_timeout_ms; answer waiters past
 * pool_wait_timeout_ms. */
void pool_tick(struct worker *w);

/* Something happened on an idle connection (the server closed it, or
 * sent what nobody asked for): close it. */
void pool_idle_event(struct backend *be);

/* Does the worker hold idle connections or waiters (it needs ticks)? */
bool pool_busy(const struct worker *w);

/* Close every idle connection (worker shutdown); then, once the worker's
 * backends are freed, pool_destroy. */
void pool_free(struct worker *w);
void pool_destroy(struct worker *w);

#endif
