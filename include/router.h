/*
 * router — process-wide state shared by the workers: the configuration,
 * the current shard map and the client-connection count. Everything else
 * belongs to one worker.
 *
 * The shard map: r->map is the version new statements should use. It is
 * replaced (router_map_install) by SIGHUP in the main thread or by the
 * catalog thread; each replacement bumps r->map_gen under map_lock. Workers
 * and sessions remember the generation of the map they hold and compare it
 * with r->map_gen (one relaxed atomic load) at every command boundary; only
 * when it changed do they take the lock and a new reference
 * (worker_map_refresh in worker.c). So the statement path takes no lock.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "shardmap.h"

struct worker;
struct registry;
struct catalog_poll;
struct twopc;
struct health;

struct router {
    struct config *cfg;
    struct shardmap *map; /* current version; guarded by map_lock */
    uint64_t map_gen;     /* atomic; written under map_lock: +1 per installed map */
    uint64_t map_version; /* atomic copy of map->version, for readers without the lock */
    pthread_mutex_t map_lock;
    struct worker *workers;
    int nworkers;
    int nclients;                 /* atomic: client connections open, all workers */
    uint32_t next_conn_id;        /* atomic */
    int stopping;                 /* atomic: SIGTERM/SIGINT received */
    struct registry *reg;         /* client connection id -> server thread, for KILL */
    struct catalog_poll *catalog; /* the catalog thread; NULL without `catalog` */
    struct twopc *twopc;          /* decision log and recovery; NULL without twopc_log */
    struct health *health;        /* server health and lag (the monitor thread) */
    char server_version[128];
    time_t started;
};

/* A reference to the current shard map; release with shardmap_put(). If gen
 * is not NULL it receives the map's generation (r->map_gen). */
struct shardmap *router_map_get(struct router *r, uint64_t *gen);

/*
 * What the configuration requires of any map the router runs: at least one
 * keyspace, and default_keyspace (when set) an unsharded keyspace of it.
 * source names the map in the message ("<file>", "catalog ... version N").
 * Returns 0, or -1 with err filled.
 */
int router_map_check(const struct config *cfg, const struct shardmap *map, const char *source,
                     char *err, size_t errlen);

/* Load cfg->shardmap and check it. A map with refcount 1 (the caller's), or
 * NULL with err filled. */
struct shardmap *router_map_load_file(const struct config *cfg, char *err, size_t errlen);

/* Load map text (e.g. a catalog row's body) named name, and check it. As
 * router_map_load_file. */
struct shardmap *router_map_load_text(const struct config *cfg, const char *text, const char *name,
                                      char *err, size_t errlen);

/*
 * Make map the current version, unless its version is lower than the
 * running one (the never-lower rule; an equal version replaces it, as a
 * SIGHUP of an edited file without a new number always did). Takes over the
 * caller's reference in both cases. Returns 0 when installed (*prev gets the
 * version it replaced), -1 when refused as older (*prev gets the running
 * version). Wakes every worker so that each notices the new version at once.
 * Thread-safe.
 */
int router_map_install(struct router *r, struct shardmap *map, uint64_t *prev);

/* The version the router runs now (lock-free). */
uint64_t router_map_version(struct router *r);

#endif
