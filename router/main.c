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

#include "config.h"
#include "registry.h"
#include "log.h"
#include "router.h"
#include "shardmap.h"
#include "worker.h"

#define DEFAULT_CONFIG "/etc/shardrouter/shardrouter.conf"
#define FALLBACK_VERSION "8.0.0-shardrouter"

struct shardmap *router_map_get(struct router *r)
{
    pthread_mutex_lock(&r->map_lock);
    struct shardmap *m = shardmap_get(r->map);
    pthread_mutex_unlock(&r->map_lock);
    return m;
}

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

/* Load the shard map named by cfg and check what the config says of it. */
static struct shardmap *load_map(const struct config *cfg, char *err, size_t errlen)
{
    char merr[512];
    struct shardmap *map = shardmap_load_file(cfg->shardmap, merr, sizeof(merr));
    if (map == NULL) {
        snprintf(err, errlen, "%s", merr);
        return NULL;
    }
    if (map->nkeyspaces == 0) {
        snprintf(err, errlen, "%s: the shard map has no keyspace", cfg->shardmap);
        shardmap_put(map);
        return NULL;
    }
    const struct shardmap_keyspace *ks = NULL;
    if (cfg->default_keyspace[0] != '\0')
        ks = shardmap_keyspace(map, cfg->default_keyspace);
    if (cfg->default_keyspace[0] != '\0' && (ks == NULL || ks->sharded)) {
        snprintf(err, errlen,
                 "%s: default_keyspace \"%s\" is %s of the shard map %s (version %llu); name an "
                 "unsharded keyspace or leave it empty",
                 cfg->path, cfg->default_keyspace,
                 ks == NULL ? "not a keyspace" : "a sharded keyspace", cfg->shardmap,
                 (unsigned long long)map->version);
        shardmap_put(map);
        return NULL;
    }
    return map;
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

/* SIGHUP: load the shard map again; keep the old one if the new one is
 * invalid or older. Sessions started later use the new one. */
static void reload_map(struct router *r)
{
    char err[768];
    struct shardmap *map = load_map(r->cfg, err, sizeof(err));
    if (map == NULL) {
        log_error("SIGHUP: shard map not reloaded, keeping version %llu: %s",
                  (unsigned long long)r->map->version, err);
        return;
    }
    if (map->version < r->map->version) {
        log_error("SIGHUP: shard map %s has version %llu, older than the running %llu; not "
                  "loaded",
                  r->cfg->shardmap, (unsigned long long)map->version,
                  (unsigned long long)r->map->version);
        shardmap_put(map);
        return;
    }
    pthread_mutex_lock(&r->map_lock);
    struct shardmap *old = r->map;
    r->map = map;
    pthread_mutex_unlock(&r->map_lock);
    log_info("SIGHUP: shard map version %llu loaded (was %llu)", (unsigned long long)map->version,
             (unsigned long long)old->version);
    shardmap_put(old);
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
    log_info("shardrouter %s listening on %s with %d workers; shard map %s version %llu; "
             "server version \"%s\"",
             SHARDROUTER_VERSION, r->cfg->listen, r->nworkers, r->cfg->shardmap,
             (unsigned long long)r->map->version, r->server_version);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload_map(r);
            continue;
        }
        log_info("signal %d: no new connections; closing sessions as they become idle (at "
                 "most %d ms)",
                 sig, r->cfg->shutdown_timeout_ms);
        __atomic_store_n(&r->stopping, 1, __ATOMIC_RELAXED);
        for (int i = 0; i < r->nworkers; i++)
            worker_wake(&r->workers[i]);
        break;
    }
    for (int i = 0; i < r->nworkers; i++) {
        pthread_join(r->workers[i].thread, NULL);
        worker_deinit(&r->workers[i]);
    }
    log_info("stopped");
    return 0;
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

    char err[768];
    struct router r;
    memset(&r, 0, sizeof(r));
    pthread_mutex_init(&r.map_lock, NULL);
    r.cfg = config_load(path, err, sizeof(err));
    if (r.cfg == NULL) {
        fprintf(stderr, "shardrouter: %s\n", err);
        return 1;
    }
    r.map = load_map(r.cfg, err, sizeof(err));
    if (r.map == NULL) {
        fprintf(stderr, "shardrouter: %s\n", err);
        config_free(r.cfg);
        return 1;
    }
    if (test) {
        printf("shardrouter: %s is valid; shard map %s version %llu with %d keyspace(s)\n", path,
               r.cfg->shardmap, (unsigned long long)r.map->version, r.map->nkeyspaces);
        shardmap_put(r.map);
        config_free(r.cfg);
        return 0;
    }
    log_set_level(r.cfg->log_level);
    if (mysql_library_init(0, NULL, NULL) != 0) {
        fprintf(stderr, "shardrouter: cannot initialise the MariaDB client library\n");
        return 1;
    }
    r.started = time(NULL);
    r.reg = registry_create();
    if (r.reg == NULL) {
        fprintf(stderr, "shardrouter: out of memory\n");
        return 1;
    }
    pick_server_version(&r);
    int rc = run(&r);
    registry_destroy(r.reg);
    shardmap_put(r.map);
    config_free(r.cfg);
    free(r.workers);
    mysql_library_end();
    return rc;
}
