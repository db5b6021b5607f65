/* catalog_poll — the catalog thread. See include/catalog_poll.h. */
#include "catalog_poll.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "log.h"
#include "router.h"
#include "shardmap.h"

#define BACKOFF_MAX_MS 10000

struct catalog_poll {
    struct router *r;
    const struct config *cfg;
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop, poke, done */
    pthread_cond_t cond;  /* CLOCK_MONOTONIC */
    bool stop, poke, done;
    /* the thread's own (main's before the thread starts) */
    struct catalog *cat;  /* open connection, or NULL */
    bool down;            /* unreachable, and said so */
    int failures;         /* consecutive failed polls or connects */
    uint64_t bad_version; /* found invalid: never fetched again (0: none) */
    uint64_t lower_seen;  /* a lower latest version already reported */
    int timeout_ms;       /* for every catalog call */
    char name[400];       /* "user@host:port/schema", for messages */
    char host[256];       /* this machine, for the heartbeat */
};

struct catalog_poll *catalog_poll_create(struct router *r)
{
    struct catalog_poll *cp = calloc(1, sizeof(*cp));
    if (cp == NULL)
        return NULL;
    cp->r = r;
    cp->cfg = r->cfg;
    pthread_mutex_init(&cp->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cp->cond, &ca);
    pthread_condattr_destroy(&ca);
    /* Long enough for a loaded catalog server, short enough that a dead
     * one is noticed within a few intervals. */
    int t = 2 * cp->cfg->catalog_poll_ms;
    cp->timeout_ms = t < 2000 ? 2000 : t > 10000 ? 10000 : t;
    catalog_describe(&cp->cfg->catalog_dsn, cp->name, sizeof(cp->name));
    if (gethostname(cp->host, sizeof(cp->host) - 1) == -1)
        snprintf(cp->host, sizeof(cp->host), "localhost");
    return cp;
}

void catalog_poll_destroy(struct catalog_poll *cp)
{
    if (cp == NULL)
        return;
    catalog_close(cp->cat);
    pthread_cond_destroy(&cp->cond);
    pthread_mutex_destroy(&cp->lock);
    free(cp);
}

/* Fetch version v (known to exist) and check it. NULL with err filled;
 * *invalid tells a bad map (true) from a failed fetch (false). */
static struct shardmap *fetch(struct catalog_poll *cp, uint64_t v, bool *invalid, char *err,
                              size_t errlen)
{
    *invalid = false;
    char *body = catalog_get(cp->cat, v, err, errlen);
    if (body == NULL)
        return NULL;
    char label[sizeof(cp->name) + 64];
    snprintf(label, sizeof(label), "catalog %s version %llu", cp->name, (unsigned long long)v);
    struct shardmap *map = router_map_load_text(cp->cfg, body, label, err, errlen);
    free(body);
    *invalid = true;
    if (map != NULL && map->version != v) {
        snprintf(err, errlen,
                 "%s: the stored text says version = %llu; publish a corrected map with a "
                 "higher version",
                 label, (unsigned long long)map->version);
        shardmap_put(map);
        return NULL;
    }
    return map;
}

struct shardmap *catalog_poll_first(struct catalog_poll *cp, char *err, size_t errlen)
{
    char cerr[768];
    uint64_t latest;
    bool invalid;
    cp->cat = catalog_open(&cp->cfg->catalog_dsn, cp->timeout_ms, cerr, sizeof(cerr));
    if (cp->cat == NULL) {
        cp->down = true;
        snprintf(err, errlen, "catalog %s is unreachable: %s", cp->name, cerr);
        return NULL;
    }
    if (catalog_latest(cp->cat, &latest, NULL, cerr, sizeof(cerr)) == -1) {
        cp->down = true;
        catalog_close(cp->cat);
        cp->cat = NULL;
        snprintf(err, errlen, "catalog %s is unreachable: %s", cp->name, cerr);
        return NULL;
    }
    if (latest == 0) {
        snprintf(err, errlen,
                 "catalog %s has no published shard map yet; publish one with shardctl map "
                 "publish FILE",
                 cp->name);
        return NULL;
    }
    struct shardmap *map = fetch(cp, latest, &invalid, cerr, sizeof(cerr));
    if (map == NULL) {
        if (invalid)
            cp->bad_version = latest;
        else
            cp->down = true;
        snprintf(err, errlen, "%s", cerr);
    }
    return map;
}

/* Sleep up to ms, or until stopped or poked. Returns true when stopping. */
static bool nap(struct catalog_poll *cp, int ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&cp->lock);
    while (!cp->stop && !cp->poke)
        if (pthread_cond_timedwait(&cp->cond, &cp->lock, &dl) == ETIMEDOUT)
            break;
    cp->poke = false;
    bool stop = cp->stop;
    pthread_mutex_unlock(&cp->lock);
    return stop;
}

/* A catalog call failed: drop the connection. The first failure in a row
 * is retried at once without a word (a connection the server closed, say);
 * the second makes the catalog unreachable, which is said once. */
static void failed(struct catalog_poll *cp, const char *why)
{
    catalog_close(cp->cat);
    cp->cat = NULL;
    cp->failures++;
    if (cp->failures >= 2 && !cp->down) {
        cp->down = true;
        log_warn("catalog %s is unreachable: %s; still serving shard map version %llu, and "
                 "trying to reconnect",
                 cp->name, why, (unsigned long long)router_map_version(cp->r));
    }
}

/* Look at the latest version and act on it. 0, or -1 when the catalog
 * failed (why filled). */
static int look(struct catalog_poll *cp, char *why, size_t len)
{
    uint64_t latest, running = router_map_version(cp->r), prev;
    bool invalid;
    if (catalog_latest(cp->cat, &latest, NULL, why, len) == -1)
        return -1;
    if (latest == 0 || latest == running || latest == cp->bad_version)
        return 0;
    if (latest < running) {
        if (latest != cp->lower_seen)
            log_warn("catalog %s: its latest shard map version %llu is lower than the running "
                     "%llu; ignored (the router never goes back to a lower version)",
                     cp->name, (unsigned long long)latest, (unsigned long long)running);
        cp->lower_seen = latest;
        return 0;
    }
    char err[1024];
    struct shardmap *map = fetch(cp, latest, &invalid, err, sizeof(err));
    if (map == NULL && !invalid) {
        snprintf(why, len, "%s", err);
        return -1;
    }
    if (map == NULL) {
        cp->bad_version = latest;
        log_error("catalog %s: shard map version %llu is not valid and is ignored; still "
                  "serving version %llu until a higher valid version is published: %s",
                  cp->name, (unsigned long long)latest, (unsigned long long)running, err);
        return 0;
    }
    if (router_map_install(cp->r, map, &prev) == -1) /* only if a newer one came meanwhile */
        return 0;
    log_info("catalog %s: shard map version %llu loaded (was %llu)", cp->name,
             (unsigned long long)latest, (unsigned long long)prev);
    return 0;
}

static void *poll_main(void *arg)
{
    struct catalog_poll *cp = arg;
    char why[1024];
    int backoff = cp->cfg->catalog_poll_ms;
    int backoff_max = backoff > BACKOFF_MAX_MS ? backoff : BACKOFF_MAX_MS;
    int pid = (int)getpid();

    log_set_worker(LOG_THREAD_CATALOG);
    for (;;) {
        int rc = 0;
        if (cp->cat == NULL) {
            cp->cat = catalog_open(&cp->cfg->catalog_dsn, cp->timeout_ms, why, sizeof(why));
            rc = cp->cat == NULL ? -1 : 0;
        }
        if (rc == 0)
            rc = look(cp, why, sizeof(why));
        if (rc == 0)
            rc = catalog_heartbeat(cp->cat, cp->cfg->router_id, cp->host, pid,
                                   router_map_version(cp->r), why, sizeof(why));
        if (rc == -1) {
            failed(cp, why);
            if (cp->failures < 2)
                continue; /* once at once: perhaps only the connection was closed */
            if (nap(cp, backoff))
                break;
            backoff = backoff * 2 > backoff_max ? backoff_max : backoff * 2;
            continue;
        }
        if (cp->down)
            log_info("catalog %s is reachable again; serving shard map version %llu", cp->name,
                     (unsigned long long)router_map_version(cp->r));
        cp->down = false;
        cp->failures = 0;
        backoff = cp->cfg->catalog_poll_ms;
        if (nap(cp, cp->cfg->catalog_poll_ms))
            break;
    }
    pthread_mutex_lock(&cp->lock);
    cp->done = true;
    pthread_cond_broadcast(&cp->cond);
    pthread_mutex_unlock(&cp->lock);
    return NULL;
}

int catalog_poll_start(struct catalog_poll *cp)
{
    int rc = pthread_create(&cp->thread, NULL, poll_main, cp);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return 0;
}

void catalog_poll_now(struct catalog_poll *cp)
{
    pthread_mutex_lock(&cp->lock);
    cp->poke = true;
    pthread_cond_broadcast(&cp->cond);
    pthread_mutex_unlock(&cp->lock);
}

void catalog_poll_stop(struct catalog_poll *cp)
{
    pthread_mutex_lock(&cp->lock);
    cp->stop = true;
    pthread_cond_broadcast(&cp->cond);
    pthread_mutex_unlock(&cp->lock);
}

int catalog_poll_join(struct catalog_poll *cp, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&cp->lock);
    while (!cp->done)
        if (pthread_cond_timedwait(&cp->cond, &cp->lock, &dl) == ETIMEDOUT)
            break;
    bool done = cp->done;
    pthread_mutex_unlock(&cp->lock);
    if (!done) {
        pthread_detach(cp->thread);
        return -1;
    }
    pthread_join(cp->thread, NULL);
    catalog_poll_destroy(cp);
    return 0;
}
