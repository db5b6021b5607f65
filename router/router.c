/* router — the current shard map and its replacement. See include/router.h. */
#include "router.h"

#include <stdio.h>

#include "log.h"
#include "worker.h"

struct shardmap *router_map_get(struct router *r, uint64_t *gen)
{
    pthread_mutex_lock(&r->map_lock);
    struct shardmap *m = shardmap_get(r->map);
    if (gen != NULL)
        *gen = r->map_gen;
    pthread_mutex_unlock(&r->map_lock);
    return m;
}

uint64_t router_map_version(struct router *r)
{
    return __atomic_load_n(&r->map_version, __ATOMIC_RELAXED);
}

int router_map_check(const struct config *cfg, const struct shardmap *map, const char *source,
                     char *err, size_t errlen)
{
    if (map->nkeyspaces == 0) {
        snprintf(err, errlen, "%s: the shard map has no keyspace", source);
        return -1;
    }
    for (int k = 0; k < map->nkeyspaces && cfg->twopc_log[0] == '\0'; k++)
        if (map->keyspaces[k].cross_shard == SHARDMAP_XSHARD_TWOPC) {
            snprintf(err, errlen,
                     "%s: keyspace \"%s\" has cross_shard_transactions = \"twopc\", which needs "
                     "a decision log: set twopc_log in %s (version %llu)",
                     source, map->keyspaces[k].name, cfg->path, (unsigned long long)map->version);
            return -1;
        }
    if (cfg->default_keyspace[0] == '\0')
        return 0;
    const struct shardmap_keyspace *ks = shardmap_keyspace(map, cfg->default_keyspace);
    if (ks == NULL || ks->sharded) {
        snprintf(err, errlen,
                 "%s: default_keyspace \"%s\" is %s of the shard map %s (version %llu); name an "
                 "unsharded keyspace or leave it empty",
                 cfg->path, cfg->default_keyspace,
                 ks == NULL ? "not a keyspace" : "a sharded keyspace", source,
                 (unsigned long long)map->version);
        return -1;
    }
    return 0;
}

struct shardmap *router_map_load_file(const struct config *cfg, char *err, size_t errlen)
{
    struct shardmap *map = shardmap_load_file(cfg->shardmap, err, errlen);
    if (map != NULL && router_map_check(cfg, map, cfg->shardmap, err, errlen) == -1) {
        shardmap_put(map);
        map = NULL;
    }
    return map;
}

struct shardmap *router_map_load_text(const struct config *cfg, const char *text, const char *name,
                                      char *err, size_t errlen)
{
    struct shardmap *map = shardmap_load_string(text, name, err, errlen);
    if (map != NULL && router_map_check(cfg, map, name, err, errlen) == -1) {
        shardmap_put(map);
        map = NULL;
    }
    return map;
}

int router_map_install(struct router *r, struct shardmap *map, uint64_t *prev)
{
    pthread_mutex_lock(&r->map_lock);
    struct shardmap *old = r->map;
    if (old != NULL && map->version < old->version) {
        *prev = old->version;
        pthread_mutex_unlock(&r->map_lock);
        shardmap_put(map);
        return -1;
    }
    *prev = old != NULL ? old->version : 0;
    r->map = map;
    __atomic_store_n(&r->map_version, map->version, __ATOMIC_RELAXED);
    /* Release: a thread that sees the new generation without the lock and
     * then takes the lock finds the new map (the lock orders that anyway;
     * this keeps the fast-path comparison honest on its own). */
    __atomic_store_n(&r->map_gen, r->map_gen + 1, __ATOMIC_RELEASE);
    int nworkers = r->nworkers;
    pthread_mutex_unlock(&r->map_lock);
    /* Workers hold their own reference to the map they cache; the old one
     * is freed when the last worker and session let go of it. */
    shardmap_put(old);
    for (int i = 0; i < nworkers; i++)
        worker_wake(&r->workers[i]);
    return 0;
}
