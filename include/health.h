/*
 * health — what the router knows about each server of the shard map, and
 * the monitor thread that finds it out.
 *
 * Every monitor_interval_ms the thread connects (once; it keeps the
 * connection) to every primary and replica of the current map as
 * backend.user and asks:
 *   primaries: SELECT @@gtid_binlog_pos  (kept, with the time, in a short
 *              history per primary)
 *   replicas:  SHOW SLAVE STATUS (both replication threads running) and
 *              SELECT @@gtid_slave_pos
 * A replica's lag is how long its primary has had a transaction the
 * replica has not applied: 0 when its position covers the primary's
 * current one, else the age of the oldest primary sample that is ahead of
 * it (at least Seconds_Behind_Master). A replica is usable for reads when
 * it answered the last check, both threads run, and its lag is at most
 * max_replica_lag_ms; a server that stops answering, or a worker that
 * cannot connect to it, takes it out of rotation at once; the next good
 * check puts it back. Before its first check a replica is not usable.
 *
 * The table is shared: entries are appended (never moved or freed while
 * the router runs, at most HEALTH_MAX) and their fields are atomics, so
 * workers read them without a lock.
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#define HEALTH_MAX 1024

struct router;
struct shardmap_addr;
struct shardmap_shard;

struct health_entry {
    char host[256];
    int port;
    /* atomics, written by the monitor (down also by workers) */
    int checked;     /* answered at least one check */
    int up;          /* answered the last check */
    int replicating; /* replicas: IO and SQL threads running */
    int read_only;   /* @@read_only is on */
    int64_t lag_ms;  /* replicas: see above; -1 unknown */
    uint64_t checks; /* checks done */
    char why[200];   /* last reason it is not usable (monitor thread's) */
};

struct health;

struct health *health_create(struct router *r);
int health_start(struct health *h);
void health_stop(struct health *h);
void health_destroy(struct health *h);

/* The entry for a server (added when new: the monitor checks it from its
 * next pass). -1 when the table is full. Thread-safe. */
int health_index(struct health *h, const struct shardmap_addr *a);

const struct health_entry *health_get(const struct health *h, int idx);

/* Usable for reads now (see above). */
bool health_replica_usable(const struct health *h, int idx, int64_t max_lag_ms);

/* A worker could not reach the server: out of rotation until the monitor
 * sees it answer again; the monitor checks at once. */
void health_mark_down(struct health *h, int idx, const char *why);

/* The server that takes shard's writes: its primary, unless the monitor
 * found the primary read-only while one of the shard's replicas answers and
 * is writable (a failover the shard map does not show yet): then that
 * replica. Lock-free; the primary when no monitor runs. */
const struct shardmap_addr *health_primary(const struct shardmap_shard *shard);

/* Run a check pass now (tests, and after health_mark_down). */
void health_poke(struct health *h);

#endif
