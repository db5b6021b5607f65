/*
 * shardctl_int — what the pieces of shardctl share (shardctl.c: options and
 * dispatch; shardctl_out.c: JSON and text output, catalog and map loading;
 * shardctl_map.c: map show/validate/diff and lookup; shardctl_catalog.c:
 * map publish/history and routers). Not for other programs.
 */
#ifndef SHARDCTL_INT_H
#define SHARDCTL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "catalog.h"
#include "shardmap.h"

#ifndef SHARDROUTER_VERSION
#define SHARDROUTER_VERSION "unknown"
#endif

#define CTL_DEFAULT_MAP "/etc/shardrouter/shardmap.conf"
#define CTL_ENV_CATALOG "SHARDCTL_CATALOG"
#define CTL_CATALOG_TIMEOUT_MS 10000 /* connect, read and write */
#define CTL_STALE_AFTER 10.0         /* seconds without a heartbeat */
#define CTL_WAIT_TIMEOUT 60.0        /* routers --wait-version */
#define CTL_WAIT_POLL_NS 250000000L  /* how often --wait-version looks */

enum ctl_exit {
    CTL_EXIT_OK = 0,
    CTL_EXIT_INVALID = 1, /* bad map, refused publish, catalog error, timeout */
    CTL_EXIT_USAGE = 2,   /* bad command line */
};

/* Options after a command: each command lists the ones it takes. */
enum ctl_opt_bit {
    CTL_OPT_JSON = 1 << 0, /* taken by every command */
    CTL_OPT_MAP = 1 << 1,  /* accepted by every command; listed by those that read it */
    CTL_OPT_CATALOG = 1 << 2,
    CTL_OPT_COMMENT = 1 << 3,
    CTL_OPT_LIMIT = 1 << 4,
    CTL_OPT_STALE = 1 << 5,
    CTL_OPT_WAIT = 1 << 6,
    CTL_OPT_TIMEOUT = 1 << 7,
};

struct ctl {
    bool json;
    const char *mapfile;   /* -m; NULL: not given */
    const char *catalog;   /* --catalog; NULL: not given ($SHARDCTL_CATALOG) */
    struct catalog *cat;   /* opened on first use (ctl_catalog), closed by main */
    const char *comment;   /* --comment */
    unsigned limit;        /* --limit, 0: all */
    double stale_after;    /* --stale-after */
    uint64_t wait_version; /* --wait-version, 0: not waiting */
    double timeout;        /* --timeout */
    unsigned given;        /* CTL_OPT_* bits seen after the command */
};

struct ctl_cmd {
    const char *word;    /* first command word: "map", "lookup" */
    const char *subword; /* second word ("show"), or NULL */
    const char *args;    /* argument synopsis */
    int nargs;           /* exact number of arguments */
    unsigned opts;       /* CTL_OPT_* it uses (--json and -m are accepted by all) */
    const char *optsyn;  /* their synopsis for the usage line, "" for none */
    const char *summary; /* one line for shardctl --help */
    const char *help;    /* paragraph for shardctl COMMAND --help */
    int (*run)(struct ctl *ctl, char **argv);
};

/* A small streaming JSON writer: tracks nesting to place commas and
 * indentation. Strings are escaped per RFC 8259; bytes that are not valid
 * UTF-8 are written as U+FFFD so the output always parses. */
struct json {
    FILE *f;
    int depth;
    bool first[16];
};

/* Rows of cells printed with every column padded to its widest cell. */
struct ctl_table {
    int ncols, nrows, cap;
    char **cells; /* nrows * ncols, owned */
};

/* Rows collected from a catalog callback, printed once the query is done
 * (so that a failure half-way prints one error, not half a table). */
struct ctl_rows {
    void *rows;
    size_t size, n, cap;
    bool oom;
};

int json_utf8_len(const unsigned char *s);
void json_quote(FILE *f, const char *str);
void json_sep(struct json *j, const char *key);
void json_open(struct json *j, const char *key, char bracket);
void json_close(struct json *j, char bracket);
void json_str(struct json *j, const char *key, const char *val);
void json_uint(struct json *j, const char *key, unsigned long long val);
void json_bool(struct json *j, const char *key, bool val);
void ctl_table_row(struct ctl_table *t, ...);
void ctl_table_print(struct ctl_table *t);
const char *ctl_plural(long n, const char *one, const char *many);
void ctl_replicas(char *buf, size_t len, const struct shardmap_shard *sh);
unsigned long long ctl_last_id(const struct shardmap_shard *sh);
int ctl_shard_count(const struct shardmap *map);
int ctl_fail(struct ctl *ctl, const char *fmt, ...);
int ctl_usage_err(const char *fmt, ...);
int ctl_parse_u64(const char *s, uint64_t *out);
int ctl_parse_seconds(const char *s, double *out);
const char *ctl_dsn(const struct ctl *ctl);
int ctl_catalog(struct ctl *ctl, const char *what);
int ctl_load(struct ctl *ctl, struct shardmap **out);
void json_shard(struct json *j, const char *key, const struct shardmap_shard *sh);
void json_double(struct json *j, const char *key, double val);
void show_json(const struct shardmap *map);
void show_text(const struct shardmap *map);
int cmd_map_show(struct ctl *ctl, char **argv);
int cmd_map_validate(struct ctl *ctl, char **argv);
void lookup_names(char *buf, size_t len, const struct shardmap_keyspace *ks, bool reference);
int lookup_bad_table(struct ctl *ctl, const struct shardmap *map,
                     const struct shardmap_keyspace *ks, const char *table);
void lookup_print(struct ctl *ctl, const struct shardmap *map, char **argv,
                  const struct shardmap_table *t, const uint64_t *ksid,
                  const struct shardmap_shard *sh);
int cmd_lookup(struct ctl *ctl, char **argv);
int cmd_explain(struct ctl *ctl, char **argv);
int ctl_load_spec(struct ctl *ctl, const char *spec, struct shardmap **out);
void json_table(struct json *j, const char *key, const struct shardmap_table *t);
void json_change_detail(struct json *j, const struct shardmap_change *ch);
void diff_json_change(void *ctx, const struct shardmap_change *ch);
void diff_text_change(void *ctx, const struct shardmap_change *ch);
void json_map_ref(struct json *j, const char *key, const struct shardmap *map);
void ctl_map_name(char *buf, size_t len, const struct shardmap *map);
int cmd_map_diff(struct ctl *ctl, char **argv);
int cmd_map_publish(struct ctl *ctl, char **argv);
void ctl_rows_add(struct ctl_rows *r, const void *row);
void history_row(void *ctx, const struct catalog_version_row *row);
void history_print(struct ctl *ctl, const struct catalog_version_row *rows, size_t n);
int cmd_map_history(struct ctl *ctl, char **argv);
void routers_row(void *ctx, const struct catalog_router_row *row);
bool router_live(const struct ctl *ctl, const struct catalog_router_row *r);
bool router_behind(const struct ctl *ctl, const struct catalog_router_row *r);
int routers_fetch(struct ctl *ctl, struct ctl_rows *r);
void json_router(struct json *j, const struct ctl *ctl, const struct catalog_router_row *r);
void json_routers(struct json *j, const struct ctl *ctl, const struct ctl_rows *r);
void routers_table(const struct ctl *ctl, const struct ctl_rows *r);
size_t routers_live(const struct ctl *ctl, const struct ctl_rows *r);
int routers_list(struct ctl *ctl, struct ctl_rows *r);
double ctl_elapsed(const struct timespec *t0);
int routers_wait_report(struct ctl *ctl, const struct ctl_rows *r, double waited, bool ok);
int routers_wait(struct ctl *ctl, struct ctl_rows *r);
int cmd_routers(struct ctl *ctl, char **argv);

#endif
