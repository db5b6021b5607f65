/*
 * router — process-wide state shared by the workers: the configuration,
 * the current shard map and the client-connection count. Everything else
 * belongs to one worker.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "shardmap.h"

struct worker;
struct registry;

struct router {
    struct config *cfg;
    struct shardmap *map; /* current version; guarded by map_lock */
    pthread_mutex_t map_lock;
    struct worker *workers;
    int nworkers;
    int nclients;          /* atomic: client connections open, all workers */
    uint32_t next_conn_id; /* atomic */
    int stopping;          /* atomic: SIGTERM/SIGINT received */
    struct registry *reg;  /* client connection id -> server thread, for KILL */
    char server_version[128];
    time_t started;
};

/* A reference to the current shard map; release with shardmap_put(). */
struct shardmap *router_map_get(struct router *r);

#endif
