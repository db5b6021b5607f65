/* config — load and validate shardrouter.conf. See include/config.h. */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "shardmap.h"

enum cfg_type { CFG_STR, CFG_INT, CFG_INT64, CFG_BOOL };

/* One configuration key. The table below is the single source of truth:
 * defaults, bounds and documentation checks all come from it. */
struct cfg_key {
    const char *name; /* dotted for groups: "backend.user" */
    enum cfg_type type;
    size_t offset;
    const char *def; /* default, as text; NULL = required */
    int64_t min, max;
    bool reload; /* takes effect on SIGHUP */
};

#define OFF(field) offsetof(struct config, field)

static const struct cfg_key cfg_keys[] = {
    {"listen", CFG_STR, OFF(listen), "127.0.0.1:6033", 0, 0, false},
    {"workers", CFG_INT, OFF(workers), "0", 0, 256, false},
    {"max_client_connections", CFG_INT, OFF(max_client_connections), "10000", 1, 10000000, false},
    {"handshake_timeout_ms", CFG_INT, OFF(handshake_timeout_ms), "10000", 100, 3600000, false},
    {"shutdown_timeout_ms", CFG_INT, OFF(shutdown_timeout_ms), "10000", 0, 3600000, false},
    {"max_allowed_packet", CFG_INT64, OFF(max_allowed_packet), "67108864", 4096, 1073741824, false},
    {"allow_local_infile", CFG_BOOL, OFF(allow_local_infile), "false", 0, 0, false},
    {"max_scatter_shards", CFG_INT, OFF(max_scatter_shards), "0", 0, 65536, false},
    {"scatter_writes", CFG_BOOL, OFF(scatter_writes), "true", 0, 0, false},
    {"sequence_block", CFG_INT, OFF(sequence_block), "1000", 1, 1000000, false},
    {"twopc_log", CFG_STR, OFF(twopc_log), "", 0, 0, false},
    {"twopc_recovery_ms", CFG_INT, OFF(twopc_recovery_ms), "5000", 100, 3600000, false},
    {"consistency", CFG_STR, OFF(consistency_name), "session", 0, 0, false},
    {"consistency_wait_ms", CFG_INT, OFF(consistency_wait_ms), "1000", 0, 60000, false},
    {"max_replica_lag_ms", CFG_INT, OFF(max_replica_lag_ms), "2000", 0, 86400000, false},
    {"replica_fallback", CFG_STR, OFF(replica_fallback_name), "primary", 0, 0, false},
    {"monitor_interval_ms", CFG_INT, OFF(monitor_interval_ms), "1000", 100, 3600000, false},
    {"pool_max", CFG_INT, OFF(pool_max), "0", 0, 1000000, false},
    {"pool_wait_timeout_ms", CFG_INT, OFF(pool_wait_timeout_ms), "5000", 0, 3600000, false},
    {"pool_idle_timeout_ms", CFG_INT, OFF(pool_idle_timeout_ms), "60000", 0, 86400000, false},
    {"server_version", CFG_STR, OFF(server_version), "", 0, 0, false},
    {"default_keyspace", CFG_STR, OFF(default_keyspace), "", 0, 0, false},
    {"log_level", CFG_STR, OFF(log_level), "info", 0, 0, false},
    /* Required unless catalog is set (checked in validate()). */
    {"shardmap", CFG_STR, OFF(shardmap), NULL, 0, 0, false},
    {"catalog", CFG_STR, OFF(catalog), "", 0, 0, false},
    {"catalog_poll_ms", CFG_INT, OFF(catalog_poll_ms), "1000", 100, 3600000, false},
    {"router_id", CFG_STR, OFF(router_id), "", 0, 0, false},
    {"backend.user", CFG_STR, OFF(backend_user), NULL, 0, 0, false},
    {"backend.password", CFG_STR, OFF(backend_password), "", 0, 0, false},
    {"backend.connect_timeout_ms", CFG_INT, OFF(backend_connect_timeout_ms), "2000", 1, 600000,
     false},
};

#define NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static const char *type_name(enum cfg_type t)
{
    switch (t) {
    case CFG_STR:
        return "string";
    case CFG_INT:
    case CFG_INT64:
        return "integer";
    case CFG_BOOL:
        return "boolean";
    }
    return "?";
}

int config_consistency(const char *name, size_t len, enum consistency *c)
{
    static const char *const names[] = {"eventual", "session", "primary"};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0) {
            *c = (enum consistency)i;
            return 0;
        }
    return -1;
}

const char *config_consistency_name(enum consistency c)
{
    return c == CONSISTENCY_EVENTUAL  ? "eventual"
           : c == CONSISTENCY_SESSION ? "session"
                                      : "primary";
}

void config_print_keys(void)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        printf("%s\t%s\t%s\t%s\n", k->name, type_name(k->type),
               k->def ? (k->def[0] ? k->def : "\"\"") : "(required)",
               k->reload ? "reload" : "restart");
    }
    printf("users\tlist\t(required)\trestart\n");
}

/* Fill err with "file:line: message". */
static void seterr(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void seterr(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
{
    int n = line > 0 ? snprintf(err, errlen, "%s:%d: ", file, line)
                     : snprintf(err, errlen, "%s: ", file);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static const struct cfg_key *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(cfg_keys[i].name, name) == 0)
            return &cfg_keys[i];
    return NULL;
}

/* Store text (a default or a string setting) or a number into the field. */
static void store(struct config *cfg, const struct cfg_key *k, const char *s, int64_t v)
{
    char *base = (char *)cfg + k->offset;
    switch (k->type) {
    case CFG_STR:
        free(*(char **)base);
        *(char **)base = strdup(s);
        break;
    case CFG_INT:
        *(int *)base = (int)v;
        break;
    case CFG_INT64:
        *(int64_t *)base = v;
        break;
    case CFG_BOOL:
        *(bool *)base = v != 0;
        break;
    }
}

static void apply_defaults(struct config *cfg)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        if (k->def == NULL)
            continue;
        if (k->type == CFG_STR)
            store(cfg, k, k->def, 0);
        else if (k->type == CFG_BOOL)
            store(cfg, k, NULL, strcmp(k->def, "true") == 0);
        else
            store(cfg, k, NULL, strtoll(k->def, NULL, 10));
    }
}

/* Read one scalar setting into cfg according to its key. */
static int read_scalar(struct config *cfg, const struct cfg_key *k, config_setting_t *s,
                       const char *file, char *err, size_t errlen)
{
    int line = config_setting_source_line(s);
    int t = config_setting_type(s);
    switch (k->type) {
    case CFG_STR:
        if (t != CONFIG_TYPE_STRING) {
            seterr(err, errlen, file, line, "'%s' expects a string in double quotes", k->name);
            return -1;
        }
        store(cfg, k, config_setting_get_string(s), 0);
        return 0;
    case CFG_BOOL:
        if (t != CONFIG_TYPE_BOOL) {
            seterr(err, errlen, file, line, "'%s' expects true or false", k->name);
            return -1;
        }
        store(cfg, k, NULL, config_setting_get_bool(s));
        return 0;
    case CFG_INT:
    case CFG_INT64: {
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
            seterr(err, errlen, file, line, "'%s' expects an integer from %lld to %lld (no quotes)",
                   k->name, (long long)k->min, (long long)k->max);
            return -1;
        }
        long long v = config_setting_get_int64(s);
        if (v < k->min || v > k->max) {
            seterr(err, errlen, file, line, "'%s' is %lld; it must be from %lld to %lld", k->name,
                   v, (long long)k->min, (long long)k->max);
            return -1;
        }
        store(cfg, k, NULL, v);
        return 0;
    }
    }
    return -1;
}

static int read_users(struct config *cfg, config_setting_t *list, const char *file, char *err,
                      size_t errlen)
{
    int line = config_setting_source_line(list);
    if (config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0) {
        seterr(err, errlen, file, line,
               "'users' expects a non-empty list like ( { name = \"app\"; password = \"pw\"; } )");
        return -1;
    }
    int n = config_setting_length(list);
    cfg->users = calloc((size_t)n, sizeof(*cfg->users));
    if (cfg->users == NULL) {
        seterr(err, errlen, file, line, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        config_setting_t *u = config_setting_get_elem(list, (unsigned)i);
        int uline = config_setting_source_line(u);
        if (config_setting_type(u) != CONFIG_TYPE_GROUP) {
            seterr(err, errlen, file, uline,
                   "users[%d] must be a group { name = ...; password = ...; }", i);
            return -1;
        }
        const char *name = NULL, *pw = NULL, *hash = NULL, *cons = NULL;
        for (int j = 0; j < config_setting_length(u); j++) {
            config_setting_t *f = config_setting_get_elem(u, (unsigned)j);
            const char *fn = config_setting_name(f);
            const char **dst = strcmp(fn, "name") == 0            ? &name
                               : strcmp(fn, "password") == 0      ? &pw
                               : strcmp(fn, "password_hash") == 0 ? &hash
                               : strcmp(fn, "consistency") == 0   ? &cons
                                                                  : NULL;
            if (dst == NULL) {
                seterr(err, errlen, file, config_setting_source_line(f),
                       "unknown setting '%s' in users[%d]; expected name, password, "
                       "password_hash or consistency",
                       fn, i);
                return -1;
            }
            if (config_setting_type(f) != CONFIG_TYPE_STRING) {
                seterr(err, errlen, file, config_setting_source_line(f),
                       "users[%d].%s expects a string in double quotes", i, fn);
                return -1;
            }
            *dst = config_setting_get_string(f);
        }
        if (name == NULL || name[0] == '\0' || strlen(name) > 80) {
            seterr(err, errlen, file, uline, "users[%d] needs a name of 1 to 80 characters", i);
            return -1;
        }
        if ((pw == NULL) == (hash == NULL)) {
            seterr(err, errlen, file, uline,
                   "user '%s' needs exactly one of password or password_hash", name);
            return -1;
        }
        if (config_user(cfg, name, strlen(name)) != NULL) {
            seterr(err, errlen, file, uline, "user '%s' is listed twice", name);
            return -1;
        }
        struct config_user *cu = &cfg->users[cfg->nusers];
        cu->consistency = (enum consistency) - 1; /* the default, resolved after the keys */
        if (cons != NULL && config_consistency(cons, strlen(cons), &cu->consistency) == -1) {
            seterr(err, errlen, file, uline,
                   "user '%s': consistency is \"%s\"; expected \"eventual\", \"session\" or "
                   "\"primary\"",
                   name, cons);
            return -1;
        }
        if (hash != NULL) {
            if (auth_parse_native_hash(hash, cu->stage2) == -1) {
                seterr(err, errlen, file, uline,
                       "user '%s': password_hash must be '*' and 40 hex digits, as "
                       "SELECT PASSWORD('...') prints",
                       name);
                return -1;
            }
        } else if (pw[0] == '\0') {
            cu->empty_password = true;
        } else {
            auth_native_stage2(pw, strlen(pw), cu->stage2);
        }
        cu->name = strdup(name);
        cfg->nusers++;
    }
    return 0;
}

/* Walk the file's settings: every one must be a known key. */
static int read_settings(struct config *cfg, config_setting_t *root, const char *file, char *err,
                         size_t errlen)
{
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "users") == 0) {
            if (read_users(cfg, s, file, err, errlen) == -1)
                return -1;
            continue;
        }
        if (strcmp(name, "backend") == 0 && config_setting_type(s) != CONFIG_TYPE_GROUP) {
            seterr(err, errlen, file, config_setting_source_line(s),
                   "'backend' must be a group, like backend = { user = \"app\"; password = "
                   "\"...\"; };");
            return -1;
        }
        if (strcmp(name, "backend") == 0) {
            for (int j = 0; j < config_setting_length(s); j++) {
                config_setting_t *c = config_setting_get_elem(s, (unsigned)j);
                char full[128];
                snprintf(full, sizeof(full), "backend.%s", config_setting_name(c));
                const struct cfg_key *k = find_key(full);
                if (k == NULL) {
                    seterr(err, errlen, file, config_setting_source_line(c),
                           "unknown setting '%s'; see shardrouter.conf(5) for the valid keys",
                           full);
                    return -1;
                }
                if (read_scalar(cfg, k, c, file, err, errlen) == -1)
                    return -1;
            }
            continue;
        }
        const struct cfg_key *k = find_key(name);
        if (k == NULL || strchr(name, '.') != NULL) {
            seterr(err, errlen, file, config_setting_source_line(s),
                   "unknown setting '%s'; see shardrouter.conf(5) for the valid keys", name);
            return -1;
        }
        if (read_scalar(cfg, k, s, file, err, errlen) == -1)
            return -1;
    }
    return 0;
}

/* Cross-key checks and derived values. */
static int validate(struct config *cfg, config_t *lc, const char *file, char *err, size_t errlen)
{
    char aerr[512];
    struct shardmap_addr addr;
    config_setting_t *s;

    bool catalog = cfg->catalog[0] != '\0';
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        if (k->def == NULL && *(char **)((char *)cfg + k->offset) == NULL) {
            if (catalog && k->offset == OFF(shardmap)) {
                cfg->shardmap = strdup(""); /* the catalog alone */
                continue;
            }
            seterr(err, errlen, file, 0, "missing required setting '%s'%s", k->name,
                   k->offset == OFF(shardmap)
                       ? " (the shard map file; or name a catalog with 'catalog')"
                       : "");
            return -1;
        }
    }
    if (cfg->users == NULL) {
        seterr(err, errlen, file, 0,
               "missing required setting 'users' (the accounts clients log in with)");
        return -1;
    }
    if (shardmap_parse_addr(cfg->listen, &addr, aerr, sizeof(aerr)) == -1) {
        s = config_lookup(lc, "listen");
        seterr(err, errlen, file, s ? config_setting_source_line(s) : 0,
               "'listen' expects \"host:port\" (e.g. \"127.0.0.1:6033\"): %s", aerr);
        return -1;
    }
    snprintf(cfg->listen_host, sizeof(cfg->listen_host), "%s", addr.host);
    cfg->listen_port = addr.port;
    static const char *const levels[] = {"error", "warning", "info", "debug"};
    bool ok = false;
    for (size_t i = 0; i < 4; i++)
        ok |= strcasecmp(cfg->log_level, levels[i]) == 0;
    if (!ok) {
        s = config_lookup(lc, "log_level");
        seterr(err, errlen, file, s ? config_setting_source_line(s) : 0,
               "'log_level' is \"%s\"; expected \"error\", \"warning\", \"info\" or \"debug\"",
               cfg->log_level);
        return -1;
    }
    if (cfg->shardmap[0] == '\0' && !catalog) {
        s = config_lookup(lc, "shardmap");
        seterr(err, errlen, file, s ? config_setting_source_line(s) : 0,
               "'shardmap' is empty; give the path of the shard map file (or name a catalog "
               "with 'catalog')");
        return -1;
    }
    if (catalog && catalog_parse_dsn(cfg->catalog, &cfg->catalog_dsn, aerr, sizeof(aerr)) == -1) {
        s = config_lookup(lc, "catalog");
        seterr(err, errlen, file, s ? config_setting_source_line(s) : 0, "'catalog': %s", aerr);
        return -1;
    }
    if (strlen(cfg->router_id) > 128) {
        s = config_lookup(lc, "router_id");
        seterr(err, errlen, file, s ? config_setting_source_line(s) : 0,
               "'router_id' is %zu characters long; at most 128 fit in the catalog",
               strlen(cfg->router_id));
        return -1;
    }
    if (cfg->router_id[0] == '\0') {
        char host[256] = "localhost";
        if (gethostname(host, sizeof(host) - 1) == -1)
            snprintf(host, sizeof(host), "localhost");
        host[sizeof(host) - 1] = '\0';
        free(cfg->router_id);
        cfg->router_id = NULL;
        if (asprintf(&cfg->router_id, "%.100s:%d", host, cfg->listen_port) < 0) {
            cfg->router_id = NULL;
            seterr(err, errlen, file, 0, "out of memory");
            return -1;
        }
    }
    char **paths[] = {&cfg->shardmap, &cfg->twopc_log};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        char *full = NULL;
        if ((*paths[i])[0] == '\0' || (*paths[i])[0] == '/')
            continue;
        if (asprintf(&full, "%s/%s", cfg->dir, *paths[i]) < 0) {
            seterr(err, errlen, file, 0, "out of memory");
            return -1;
        }
        free(*paths[i]);
        *paths[i] = full;
    }
    if (config_consistency(cfg->consistency_name, strlen(cfg->consistency_name),
                           &cfg->consistency) == -1) {
        s = config_lookup(lc, "consistency");
        seterr(err, errlen, file, s ? config_setting_source_line(s) : 0,
               "'consistency' is \"%s\"; expected \"eventual\", \"session\" or \"primary\"",
               cfg->consistency_name);
        return -1;
    }
    for (int i = 0; i < cfg->nusers; i++)
        if ((int)cfg->users[i].consistency == -1)
            cfg->users[i].consistency = cfg->consistency;
    if (strcasecmp(cfg->replica_fallback_name, "primary") != 0 &&
        strcasecmp(cfg->replica_fallback_name, "fail") != 0) {
        s = config_lookup(lc, "replica_fallback");
        seterr(err, errlen, file, s ? config_setting_source_line(s) : 0,
               "'replica_fallback' is \"%s\"; expected \"primary\" or \"fail\"",
               cfg->replica_fallback_name);
        return -1;
    }
    cfg->replica_fallback_fail = strcasecmp(cfg->replica_fallback_name, "fail") == 0;
    if (cfg->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
    }
    return 0;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
    config_t lc;
    struct config *cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        seterr(err, errlen, path, 0, "out of memory");
        return NULL;
    }
    cfg->path = strdup(path);
    char *tmp = strdup(path);
    cfg->dir = strdup(dirname(tmp));
    free(tmp);
    apply_defaults(cfg);

    config_init(&lc);
    if (!config_read_file(&lc, path)) {
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
            seterr(err, errlen, path, 0, "cannot read the file: %s", strerror(errno));
        else
            seterr(err, errlen, config_error_file(&lc) ? config_error_file(&lc) : path,
                   config_error_line(&lc), "syntax error: %s", config_error_text(&lc));
        goto fail;
    }
    if (read_settings(cfg, config_root_setting(&lc), path, err, errlen) == -1)
        goto fail;
    if (validate(cfg, &lc, path, err, errlen) == -1)
        goto fail;
    config_destroy(&lc);
    return cfg;
fail:
    config_destroy(&lc);
    config_free(cfg);
    return NULL;
}

void config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < NKEYS; i++)
        if (cfg_keys[i].type == CFG_STR)
            free(*(char **)((char *)cfg + cfg_keys[i].offset));
    for (int i = 0; i < cfg->nusers; i++)
        free(cfg->users[i].name);
    free(cfg->users);
    free(cfg->path);
    free(cfg->dir);
    free(cfg);
}

const struct config_user *config_user(const struct config *cfg, const char *name, size_t len)
{
    for (int i = 0; i < cfg->nusers; i++)
        if (strlen(cfg->users[i].name) == len && memcmp(cfg->users[i].name, name, len) == 0)
            return &cfg->users[i];
    return NULL;
}
