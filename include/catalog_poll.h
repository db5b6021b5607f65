/*
 * catalog_poll — the router's catalog thread (only when `catalog` is set):
 * a thread of its own, never a worker, since every catalog call blocks.
 *
 * Every catalog_poll_ms it asks the catalog for its highest published
 * version. A version above the running one is fetched, checked like a map
 * file and installed through router_map_install (the path SIGHUP takes); an
 * invalid one is logged once and never fetched again; a lower or equal one
 * is left alone. Then it records a heartbeat (router id, host, pid, running
 * version). When the catalog cannot be reached it says so once, keeps the
 * running map, and reconnects after a growing delay (catalog_poll_ms,
 * doubling up to 10 s, or up to catalog_poll_ms if that is longer); it says
 * once when the catalog is back.
 *
 * Life cycle: catalog_poll_create, catalog_poll_first (main thread, at
 * start: the initial map), catalog_poll_start (the thread), then
 * catalog_poll_stop and catalog_poll_join at shutdown; catalog_poll_destroy
 * when the thread was never started.
 */
#ifndef CATALOG_POLL_H
#define CATALOG_POLL_H

#include <stddef.h>

struct router;
struct shardmap;
struct catalog_poll;

/* State for r (r->cfg->catalog set); nothing is contacted yet. NULL: out of
 * memory. */
struct catalog_poll *catalog_poll_create(struct router *r);

/*
 * At start: connect and load the catalog's latest version, checked like a
 * map file. Returns it (refcount 1, the caller's), or NULL with err saying
 * why the catalog cannot provide one (unreachable, nothing published,
 * invalid), for the caller to fall back to the file or give up. Keeps the
 * connection for the thread, and remembers an invalid version (not fetched
 * again) and an unreachable catalog (already reported: the thread reports
 * only its return).
 */
struct shardmap *catalog_poll_first(struct catalog_poll *cp, char *err, size_t errlen);

/* Start the thread (r->map must be set). 0, or -1 with errno set. */
int catalog_poll_start(struct catalog_poll *cp);

/* Poll now instead of at the next interval (SIGHUP). Thread-safe. */
void catalog_poll_now(struct catalog_poll *cp);

/* Ask the thread to stop; returns at once. Thread-safe. */
void catalog_poll_stop(struct catalog_poll *cp);

/*
 * Wait up to timeout_ms for the stopped thread. Returns 0 when it ended: cp
 * and its catalog connection are freed. Returns -1 when it is still inside
 * a catalog call (a server that does not answer): it is detached and left
 * to the process's exit, and cp must not be used again.
 */
int catalog_poll_join(struct catalog_poll *cp, int timeout_ms);

/* Free cp when catalog_poll_start was never called (or failed). */
void catalog_poll_destroy(struct catalog_poll *cp);

#endif
