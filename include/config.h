/*
 * config — shardrouter's libconfig file: parsed, then validated, then
 * converted to this runtime struct. Every key lives in one table
 * (router/config.c) with its type, default, bounds and whether SIGHUP can
 * change it; `shardrouter --config-keys` prints that table, and the test
 * suite checks that each key is documented in shardrouter.conf(5) and in
 * conf/shardrouter.conf.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "catalog.h"

/* consistency: where a session's plain reads go (see shardrouter.conf(5)) */
enum consistency {
    CONSISTENCY_EVENTUAL, /* any usable replica */
    CONSISTENCY_SESSION,  /* a replica that has applied the session's writes */
    CONSISTENCY_PRIMARY,  /* the primary */
};

/* "eventual" | "session" | "primary": 0 with *c set, or -1. */
int config_consistency(const char *name, size_t len, enum consistency *c);
const char *config_consistency_name(enum consistency c);

struct config_user {
    char *name;
    bool empty_password;
    enum consistency consistency;  /* the config default unless the user sets one */
    uint8_t stage2[AUTH_SHA1_LEN]; /* SHA1(SHA1(password)) */
};

struct config {
    char *path; /* the file, as given */
    char *dir;  /* its directory, for relative paths */

    char *listen; /* "host:port" as written */
    char listen_host[256];
    int listen_port;
    int workers; /* resolved: 0 in the file means one per CPU */
    int max_client_connections;
    int handshake_timeout_ms;
    int shutdown_timeout_ms;
    int64_t max_allowed_packet;
    bool allow_local_infile;
    int max_scatter_shards; /* 0: no limit */
    bool scatter_writes;
    int sequence_block;    /* ids a worker reserves from a sequence at a time */
    char *twopc_log;       /* resolved against dir; "" = no twopc keyspaces allowed */
    int twopc_recovery_ms; /* between recovery passes over the servers */
    char *consistency_name;
    enum consistency consistency;
    int consistency_wait_ms;     /* session consistency: longest wait on a replica */
    int max_replica_lag_ms;      /* a replica further behind is out of rotation */
    char *replica_fallback_name; /* "primary" | "fail" */
    bool replica_fallback_fail;  /* no usable replica: refuse the read (else primary) */
    int monitor_interval_ms;
    int pool_max;             /* backend connections per server (all workers), 0: no limit */
    int pool_wait_timeout_ms; /* longest wait for one when pool_max is reached */
    int pool_idle_timeout_ms; /* an idle pooled connection older than this is closed */
    char *server_version;     /* "" = learn from the first backend */
    char *default_keyspace;
    char *log_level;
    char *shardmap; /* resolved against dir; "" when only a catalog is used */

    char *catalog;                  /* DSN as written; "" = no catalog */
    struct catalog_dsn catalog_dsn; /* parsed, when catalog is set */
    int catalog_poll_ms;
    char *router_id; /* resolved: "" in the file means "<hostname>:<listen port>" */

    char *backend_user;
    char *backend_password;
    int backend_connect_timeout_ms;

    struct config_user *users;
    int nusers;
};

/*
 * Load, validate and convert path. On success returns a config the caller
 * frees with config_free(). On failure returns NULL and fills err with
 * "<file>:<line>: <what is wrong and what is expected>".
 */
struct config *config_load(const char *path, char *err, size_t errlen);

void config_free(struct config *cfg);

/* User by name, or NULL. */
const struct config_user *config_user(const struct config *cfg, const char *name, size_t len);

/* Print every key, its type, default and whether SIGHUP reloads it, one per
 * line (used by `shardrouter --config-keys` and the docs check). */
void config_print_keys(void);

#endif
