/*
 * rw — read-your-writes for consistency = session (router/rw.c).
 *
 * A session's primary connections report, in the session state of their
 * OK packets, the GTID of each transaction they commit (MariaDB: the
 * system variable last_gtid, tracked with session_track_system_variables;
 * MySQL 8: session_track_gtids = OWN_GTID). The session keeps the last one
 * per primary. A plain read of a shard the session wrote to goes to a
 * replica connection only once that replica has applied that GTID: the
 * router first runs, on the chosen replica connection,
 *     SELECT MASTER_GTID_WAIT('<gtid>', <consistency_wait_ms>)
 *     (MySQL: SELECT WAIT_FOR_EXECUTED_GTID_SET('<gtid>', <seconds>))
 * and then the read there when it answered 0, or on the primary when the
 * wait timed out (or failed). The connection remembers what it has
 * applied, so later reads need no wait until the session writes again.
 */
#ifndef RW_H
#define RW_H

#include <stdbool.h>
#include <stddef.h>

struct session;
struct backend;
struct shardmap_shard;

/* be (a primary connection) committed a transaction with this GTID. */
void rw_note_gtid(struct session *s, const struct backend *be, const char *gtid);

/* The GTID a replica of shard must have applied before it serves the
 * session's reads (NULL: none; always NULL unless consistency = session). */
const char *rw_need(const struct session *s, const struct shardmap_shard *shard);

/* Does GTID position have contain need? (MariaDB "d-s-n" lists: same
 * domain, sequence at least need's; anything else: equal text.) */
bool rw_covers(const char *have, const char *need);

/* The session's reads of shard go to its primary for the command being
 * served (a wait timed out). */
bool rw_primary_now(const struct session *s, const struct shardmap_shard *shard);

/* The command is answered: forget rw_primary_now's shards. */
void rw_command_done(struct session *s);

/* Wait on be (a replica connection of shard, READY) until it has applied
 * need, then run the client's command again (it stays in the input). n
 * such waits at once: call rw_wait_add for each, then rw_wait_start. */
void rw_wait_add(struct session *s, struct backend *be, const struct shardmap_shard *shard,
                 const char *need);
void rw_wait_start(struct session *s);
bool rw_waits_pending(const struct session *s);
void rw_waits_clear(struct session *s);

/* Does a primary connection need the SET that makes the server report
 * GTIDs (once per connection, sessions with consistency = session in a
 * map with replicas)? Its text into dst (cap bytes); its length or 0. */
size_t rw_track_sql(const struct session *s, const struct backend *be, char *dst, size_t cap);

void rw_free(struct session *s);

#endif
