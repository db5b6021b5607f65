/* shardrouter — the daemon: options, configuration, workers, signals. */
#include <errno.h>
#include <getopt.h>
#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog_poll.h"
#include "health.h"
#include "twopc.h"
#include "config.h"
#include "registry.h"
#include "log.h"
#include "router.h"
#include "shardmap.h"
#include "worker.h"

#define DEFAULT_CONFIG "/etc/shardrouter/shardrouter.conf"
#define FALLBACK_VERSION "8.0.0-shardrouter"

static void usage(FILE *f)
{
    fprintf(f, "usage: shardrouter [-c FILE] [-t] [-V] [-h] [--config-keys]\n"
               "  -c, --config FILE   configuration file (default " DEFAULT_CONFIG ")\n"
               "  -t, --test          check the configuration and the shard map, then exit\n"
               "  -V, --version       print the version and exit\n"
               "  -h, --help          print this help and exit\n"
               "      --config-keys   print every configuration key with its default\n"
               "See shardrouter(8) and shardrouter.conf(5).\n");
}

/* The version string clients see in the greeting: the configured one, or
 * the one of the default keyspace's primary, so that drivers enable the
 * features of the server they really talk to. */
static void pick_server_version(struct router *r)
{
    const struct config *cfg = r->cfg;
    if (cfg->server_version[0] != '\0') {
        snprintf(r->server_version, sizeof(r->server_version), "%s", cfg->server_version);
        return;
    }
    snprintf(r->server_version, sizeof(r->server_version), "%s", FALLBACK_VERSION);
    const struct shardmap_keyspace *ks = cfg->default_keyspace[0]
                                             ? shardmap_keyspace(r->map, cfg->default_keyspace)
                                             : &r->map->keyspaces[0];
    const struct shardmap_shard *sh = &ks->shards[0];
    MYSQL *m = mysql_init(NULL);
    if (m == NULL)
        return;
    unsigned int secs = (unsigned)((cfg->backend_connect_timeout_ms + 999) / 1000);
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
    if (mysql_real_connect(m, sh->primary.host, cfg->backend_user, cfg->backend_password, NULL,
                           (unsigned)sh->primary.port, NULL, 0) != NULL) {
        const char *v = mysql_get_server_info(m);
        /* MariaDB 10+ announces itself as "5.5.5-10.x-MariaDB" so that old
         * MySQL clients do not misread the major version; libmariadb strips
         * the prefix, so put it back. */
        bool mariadb =
            strstr(v, "MariaDB") != NULL && strncmp(v, "5.5.5-", 6) != 0 && atoi(v) >= 10;
        snprintf(r->server_version, sizeof(r->server_version), "%s%s", mariadb ? "5.5.5-" : "", v);
    } else {
        log_warn("cannot reach shard %s at %s:%d to learn the server version (%s); clients will "
                 "see \"%s\"",
                 sh->name, sh->primary.host, sh->primary.port, mysql_error(m), FALLBACK_VERSION);
    }
    mysql_close(m);
}

static bool map_from_catalog; /* the first map came from the catalog */

/*
 * The map to start with. Without a catalog: the file. With one: the
 * catalog's latest version; when the catalog cannot give one (unreachable,
 * nothing published, invalid), the file if one is configured, and the log
 * says so. 0, or -1 with err saying why there is no map at all.
 */
static int start_map(struct router *r, char *err, size_t errlen)
{
    const struct config *cfg = r->cfg;
    if (cfg->catalog[0] == '\0') {
        r->map = router_map_load_file(cfg, err, errlen);
        return r->map != NULL ? 0 : -1;
    }
    r->catalog = catalog_poll_create(r);
    if (r->catalog == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char cerr[1024], ferr[768];
    r->map = catalog_poll_first(r->catalog, cerr, sizeof(cerr));
    if (r->map != NULL) {
        map_from_catalog = true;
        return 0;
    }
    if (cfg->shardmap[0] == '\0') {
        snprintf(err, errlen,
                 "no shard map to start with: %s; and no 'shardmap' file is configured to fall "
                 "back to",
                 cerr);
        return -1;
    }
    r->map = router_map_load_file(cfg, ferr, sizeof(ferr));
    if (r->map == NULL) {
        snprintf(err, errlen, "no shard map to start with: %s; and the fallback file failed: %s",
                 cerr, ferr);
        return -1;
    }
    log_warn("%s; starting from the shard map file %s (version %llu) instead, and polling the "
             "catalog for a higher version",
             cerr, cfg->shardmap, (unsigned long long)r->map->version);
    return 0;
}

/* SIGHUP: load the shard map file again; keep the old map if the new one is
 * invalid or older. Sessions move to the new one at their next statement
 * outside a transaction. */
static void reload_map(struct router *r)
{
    char err[768];
    uint64_t prev;
    struct shardmap *map = router_map_load_file(r->cfg, err, sizeof(err));
    if (map == NULL) {
        log_error("SIGHUP: shard map not reloaded, keeping version %llu: %s",
                  (unsigned long long)router_map_version(r), err);
        return;
    }
    uint64_t version = map->version;
    if (router_map_install(r, map, &prev) == -1) {
        log_error("SIGHUP: shard map %s has version %llu, older than the running %llu; not "
                  "loaded",
                  r->cfg->shardmap, (unsigned long long)version, (unsigned long long)prev);
        return;
    }
    log_info("SIGHUP: shard map version %llu loaded (was %llu)", (unsigned long long)version,
             (unsigned long long)prev);
}

static int run(struct router *r)
{
    char err[512];
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* Workers inherit the mask: only this thread takes these signals. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (worker_check_port(r->cfg->listen_host, r->cfg->listen_port, err, sizeof(err)) == -1) {
        log_error("%s", err);
        return 1;
    }
    r->workers = calloc((size_t)r->cfg->workers, sizeof(struct worker));
    if (r->workers == NULL)
        return 1;
    for (int i = 0; i < r->cfg->workers; i++) {
        if (worker_init(&r->workers[i], r, i, err, sizeof(err)) == -1) {
            log_error("%s", err);
            return 1;
        }
        r->nworkers++;
    }
    for (int i = 0; i < r->nworkers; i++) {
        if (worker_start(&r->workers[i]) == -1) {
            log_error("cannot start worker thread %d: %s", i, strerror(errno));
            return 1;
        }
    }
    char cat[700] = "";
    if (r->catalog != NULL) {
        char where[400]; /* never the DSN itself: it holds the password */
        catalog_describe(&r->cfg->catalog_dsn, where, sizeof(where));
        snprintf(cat, sizeof(cat), "; catalog %s polled every %d ms as router '%s'", where,
                 r->cfg->catalog_poll_ms, r->cfg->router_id);
    }
    char from[600];
    if (map_from_catalog)
        snprintf(from, sizeof(from), "version %llu from the catalog",
                 (unsigned long long)r->map->version);
    else
        snprintf(from, sizeof(from), "%s version %llu", r->cfg->shardmap,
                 (unsigned long long)r->map->version);
    log_info("shardrouter %s listening on %s with %d workers; shard map %s%s; server version "
             "\"%s\"",
             SHARDROUTER_VERSION, r->cfg->listen, r->nworkers, from, cat, r->server_version);
    /* After the workers (an installed map wakes them) and after the last
     * look at r->map without the lock (the thread may replace it). It
     * inherits the signal mask. */
    if (r->catalog != NULL && catalog_poll_start(r->catalog) == -1) {
        log_error("cannot start the catalog thread: %s", strerror(errno));
        catalog_poll_destroy(r->catalog);
        r->catalog = NULL;
        __atomic_store_n(&r->stopping, 1, __ATOMIC_RELAXED);
        for (int i = 0; i < r->nworkers; i++)
            worker_wake(&r->workers[i]);
        for (int i = 0; i < r->nworkers; i++)
            pthread_join(r->workers[i].thread, NULL);
        return 1;
    }
    /* Recovery of cross-shard transactions an earlier run left prepared
     * starts with the workers serving (the servers may take a while). */
    if (health_start(r->health) == -1)
        log_error("cannot start the monitor thread: %s; replicas get no reads", strerror(errno));
    if (r->twopc != NULL && twopc_start(r->twopc) == -1)
        log_error("cannot start the twopc recovery thread: %s; prepared transactions are not "
                  "finished until the router restarts",
                  strerror(errno));
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP && r->catalog != NULL) {
            log_info("SIGHUP: polling the catalog now (with a catalog, the shard map file is "
                     "not read again)");
            catalog_poll_now(r->catalog);
            continue;
        }
        if (sig == SIGHUP) {
            reload_map(r);
            continue;
        }
        log_info("signal %d: no new connections; closing sessions as they become idle (at "
                 "most %d ms)",
                 sig, r->cfg->shutdown_timeout_ms);
        __atomic_store_n(&r->stopping, 1, __ATOMIC_RELAXED);
        if (r->catalog != NULL)
            catalog_poll_stop(r->catalog);
        for (int i = 0; i < r->nworkers; i++)
            worker_wake(&r->workers[i]);
        break;
    }
    for (int i = 0; i < r->nworkers; i++) {
        pthread_join(r->workers[i].thread, NULL);
        worker_deinit(&r->workers[i]);
    }
    twopc_stop(r->twopc);
    health_stop(r->health);
    int rc = 0;
    /* The catalog thread is napping, or inside a catalog call bounded by
     * its timeout; shutdown waits for it a second at most. */
    if (r->catalog != NULL && catalog_poll_join(r->catalog, 1000) == -1) {
        log_warn("the catalog thread is still waiting for the catalog server; exiting without "
                 "it");
        rc = -1;
    }
    r->catalog = NULL;
    log_info("stopped");
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"test", no_argument, NULL, 't'},
        {"version", no_argument, NULL, 'V'},      {"help", no_argument, NULL, 'h'},
        {"config-keys", no_argument, NULL, 'K'},  {NULL, 0, NULL, 0},
    };
    const char *path = DEFAULT_CONFIG;
    bool test = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 't':
            test = true;
            break;
        case 'V':
            printf("shardrouter %s\n", SHARDROUTER_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        case 'K':
            config_print_keys();
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "shardrouter: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    char err[2048];
    struct router r;
    memset(&r, 0, sizeof(r));
    pthread_mutex_init(&r.map_lock, NULL);
    r.cfg = config_load(path, err, sizeof(err));
    if (r.cfg == NULL) {
        fprintf(stderr, "shardrouter: %s\n", err);
        return 1;
    }
    if (test) {
        /* No server is contacted: the catalog is not checked, the file is. */
        char where[400] = "";
        if (r.cfg->catalog[0] != '\0')
            catalog_describe(&r.cfg->catalog_dsn, where, sizeof(where));
        if (r.cfg->shardmap[0] == '\0') {
            printf("shardrouter: %s is valid; shard maps come from catalog %s (not contacted "
                   "with -t)\n",
                   path, where);
            config_free(r.cfg);
            return 0;
        }
        r.map = router_map_load_file(r.cfg, err, sizeof(err));
        if (r.map == NULL) {
            fprintf(stderr, "shardrouter: %s\n", err);
            config_free(r.cfg);
            return 1;
        }
        printf("shardrouter: %s is valid; shard map %s version %llu with %d keyspace(s)%s%s%s\n",
               path, r.cfg->shardmap, (unsigned long long)r.map->version, r.map->nkeyspaces,
               where[0] ? " (fallback; catalog " : "", where,
               where[0] ? " not contacted with -t)" : "");
        shardmap_put(r.map);
        config_free(r.cfg);
        return 0;
    }
    log_set_level(r.cfg->log_level);
    if (mysql_library_init(0, NULL, NULL) != 0) {
        fprintf(stderr, "shardrouter: cannot initialise the MariaDB client library\n");
        return 1;
    }
    if (start_map(&r, err, sizeof(err)) == -1) {
        fprintf(stderr, "shardrouter: %s\n", err);
        catalog_poll_destroy(r.catalog);
        config_free(r.cfg);
        mysql_library_end();
        return 1;
    }
    r.map_version = r.map->version;
    r.started = time(NULL);
    r.reg = registry_create();
    if (r.reg == NULL) {
        fprintf(stderr, "shardrouter: out of memory\n");
        return 1;
    }
    pick_server_version(&r);
    r.health = health_create(&r);
    if (r.health == NULL) {
        fprintf(stderr, "shardrouter: out of memory\n");
        return 1;
    }
    if (r.cfg->twopc_log[0] != '\0' && (r.twopc = twopc_open(&r, err, sizeof(err))) == NULL) {
        fprintf(stderr, "shardrouter: %s\n", err);
        return 1;
    }
    int rc = run(&r);
    if (rc == -1) {
        /* The catalog thread is stuck in a server wait and may still use the
         * client library, the configuration and the map: freeing them under
         * it would be wrong, so end the process without running exit
         * handlers (the workers have stopped and the logs are flushed). */
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    catalog_poll_destroy(r.catalog); /* when run() failed before starting it */
    twopc_close(r.twopc);
    health_destroy(r.health);
    registry_destroy(r.reg);
    shardmap_put(r.map);
    config_free(r.cfg);
    free(r.workers);
    mysql_library_end();
    return rc;
}
