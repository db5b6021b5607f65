/*
 * shardctl — the DBA's command line for shard maps (see shardctl(8)).
 *
 * Subcommands live in one table (ctl_cmds): a command word, an optional
 * second word, its arguments, a one-line summary, the text shown by
 * "shardctl COMMAND --help" and the handler. New subcommands are new rows.
 *
 * Exit status: 0 success, 1 invalid input or map (CTL_EXIT_INVALID), 2 usage
 * error (CTL_EXIT_USAGE). With --json, results and errors other than usage
 * errors are printed as one JSON object on standard output.
 */
#include "shardmap.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SHARDROUTER_VERSION
#define SHARDROUTER_VERSION "unknown"
#endif

#define CTL_DEFAULT_MAP "/etc/shardrouter/shardmap.conf"

enum ctl_exit {
    CTL_EXIT_OK = 0,
    CTL_EXIT_INVALID = 1, /* bad map, unknown keyspace/table, unroutable value */
    CTL_EXIT_USAGE = 2,   /* bad command line */
};

struct ctl {
    bool json;
    const char *mapfile;
};

struct ctl_cmd {
    const char *word;    /* first command word: "map", "lookup" */
    const char *subword; /* second word ("show"), or NULL */
    const char *args;    /* argument synopsis */
    int nargs;           /* exact number of arguments */
    const char *summary; /* one line for shardctl --help */
    const char *help;    /* paragraph for shardctl COMMAND --help */
    int (*run)(struct ctl *ctl, char **argv);
};

/* ---- JSON output ---------------------------------------------------- */

/* A small streaming JSON writer: tracks nesting to place commas and
 * indentation. Strings are escaped per RFC 8259; bytes that are not valid
 * UTF-8 are written as U+FFFD so the output always parses. */
struct json {
    FILE *f;
    int depth;
    bool first[16];
};

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static int json_utf8_len(const unsigned char *s)
{
    int n;
    unsigned min;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        n = 2, min = 0x80, cp = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3, min = 0x800, cp = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, min = 0x10000, cp = s[0] & 0x07;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static void json_quote(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    fputc('"', f);
    while (*s != '\0') {
        int n = json_utf8_len(s);
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\r')
            fputs("\\r", f);
        else if (*s == '\b')
            fputs("\\b", f);
        else if (*s == '\f')
            fputs("\\f", f);
        else if (*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else if (n == 0)
            fputs("\\ufffd", f);
        else
            fwrite(s, 1, (size_t)n, f);
        s += n ? n : 1;
    }
    fputc('"', f);
}

/* Comma, newline and indentation before a value; then "key": if keyed. */
static void json_sep(struct json *j, const char *key)
{
    if (j->depth > 0) {
        fputs(j->first[j->depth] ? "\n" : ",\n", j->f);
        j->first[j->depth] = false;
        fprintf(j->f, "%*s", 2 * j->depth, "");
    }
    if (key != NULL) {
        json_quote(j->f, key);
        fputs(": ", j->f);
    }
}

static void json_open(struct json *j, const char *key, char bracket)
{
    json_sep(j, key);
    fputc(bracket, j->f);
    if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
        j->depth++;
    j->first[j->depth] = true;
}

static void json_close(struct json *j, char bracket)
{
    bool empty = j->first[j->depth];

    j->depth--;
    if (!empty)
        fprintf(j->f, "\n%*s", 2 * j->depth, "");
    fputc(bracket, j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

static void json_str(struct json *j, const char *key, const char *val)
{
    json_sep(j, key);
    if (val == NULL)
        fputs("null", j->f);
    else
        json_quote(j->f, val);
}

static void json_uint(struct json *j, const char *key, unsigned long long val)
{
    json_sep(j, key);
    fprintf(j->f, "%llu", val);
}

static void json_bool(struct json *j, const char *key, bool val)
{
    json_sep(j, key);
    fputs(val ? "true" : "false", j->f);
}

/* ---- text tables ------------------------------------------------------ */

/* Rows of cells printed with every column padded to its widest cell. */
struct ctl_table {
    int ncols, nrows, cap;
    char **cells; /* nrows * ncols, owned */
};

static void ctl_table_row(struct ctl_table *t, ...)
{
    va_list ap;

    if (t->nrows == t->cap) {
        int cap = t->cap ? 2 * t->cap : 16;
        char **p = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof(*p));
        if (p == NULL) {
            fprintf(stderr, "shardctl: out of memory\n");
            exit(CTL_EXIT_INVALID);
        }
        t->cells = p;
        t->cap = cap;
    }
    va_start(ap, t);
    for (int c = 0; c < t->ncols; c++) {
        const char *s = va_arg(ap, const char *);
        t->cells[t->nrows * t->ncols + c] = strdup(s ? s : "");
    }
    va_end(ap);
    t->nrows++;
}

/* Print and free the table. */
static void ctl_table_print(struct ctl_table *t)
{
    int width[16] = {0};

    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols && c < 16; c++) {
            const char *s = t->cells[r * t->ncols + c];
            int w = s ? (int)strlen(s) : 0;
            if (w > width[c])
                width[c] = w;
        }
    }
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (c + 1 < t->ncols)
                printf("%-*s  ", width[c], s ? s : "");
            else
                printf("%s\n", s ? s : "");
            free(t->cells[r * t->ncols + c]);
        }
    }
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

/* ---- helpers ----------------------------------------------------------- */

static const char *ctl_plural(long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void ctl_addr(char *buf, size_t len, const struct shardmap_addr *a)
{
    if (strchr(a->host, ':') != NULL)
        snprintf(buf, len, "[%s]:%d", a->host, a->port);
    else
        snprintf(buf, len, "%s:%d", a->host, a->port);
}

/* Replicas joined with ", " into buf ("-" when there are none). */
static void ctl_replicas(char *buf, size_t len, const struct shardmap_shard *sh)
{
    size_t used = 0;

    snprintf(buf, len, "%s", sh->nreplicas ? "" : "-");
    for (int r = 0; r < sh->nreplicas && used < len; r++) {
        char a[300];
        ctl_addr(a, sizeof(a), &sh->replicas[r]);
        snprintf(buf + used, len - used, "%s%s", r ? ", " : "", a);
        used = strlen(buf);
    }
}

static unsigned long long ctl_last_id(const struct shardmap_shard *sh)
{
    return sh->end_max ? UINT64_MAX : sh->end - 1;
}

static int ctl_shard_count(const struct shardmap *map)
{
    int n = 0;

    for (int k = 0; k < map->nkeyspaces; k++)
        n += map->keyspaces[k].nshards;
    return n;
}

/* Report a failure: JSON object on stdout with --json, else on stderr. */
static int ctl_fail(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int ctl_fail(struct ctl *ctl, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_str(&j, "error", msg);
        json_close(&j, '}');
    } else {
        fprintf(stderr, "shardctl: %s\n", msg);
    }
    return CTL_EXIT_INVALID;
}

static struct shardmap *ctl_load(struct ctl *ctl)
{
    char err[1024];
    struct shardmap *map = shardmap_load_file(ctl->mapfile, err, sizeof(err));

    if (map == NULL)
        ctl_fail(ctl, "%s", err);
    return map;
}

static void json_shard(struct json *j, const char *key, const struct shardmap_shard *sh)
{
    char buf[320];

    json_open(j, key, '{');
    json_str(j, "name", sh->name);
    json_str(j, "range", sh->range);
    snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)sh->start);
    json_str(j, "first_id", buf);
    snprintf(buf, sizeof(buf), "%016llx", ctl_last_id(sh));
    json_str(j, "last_id", buf);
    ctl_addr(buf, sizeof(buf), &sh->primary);
    json_str(j, "primary", buf);
    json_open(j, "replicas", '[');
    for (int r = 0; r < sh->nreplicas; r++) {
        ctl_addr(buf, sizeof(buf), &sh->replicas[r]);
        json_str(j, NULL, buf);
    }
    json_close(j, ']');
    json_str(j, "schema", sh->schema);
    json_close(j, '}');
}

/* ---- map show ---------------------------------------------------------- */

static void show_json(const struct shardmap *map)
{
    struct json j = {.f = stdout};

    json_open(&j, NULL, '{');
    json_str(&j, "source", map->source);
    json_uint(&j, "version", map->version);
    json_str(&j, "hash", map->hash == SHARDMAP_HASH_XXH64 ? "xxh64" : "xxh3");
    json_open(&j, "keyspaces", '[');
    for (int k = 0; k < map->nkeyspaces; k++) {
        const struct shardmap_keyspace *ks = &map->keyspaces[k];
        json_open(&j, NULL, '{');
        json_str(&j, "name", ks->name);
        json_bool(&j, "sharded", ks->sharded);
        json_open(&j, "tables", '[');
        for (int t = 0; t < ks->ntables; t++) {
            json_open(&j, NULL, '{');
            json_str(&j, "name", ks->tables[t].name);
            json_str(&j, "key", ks->tables[t].key);
            json_str(&j, "key_type",
                     ks->tables[t].key_type == SHARDMAP_KEY_STRING ? "string" : "int");
            json_bool(&j, "key_ci", ks->tables[t].key_ci);
            json_close(&j, '}');
        }
        json_close(&j, ']');
        json_open(&j, "reference_tables", '[');
        for (int r = 0; r < ks->nreference_tables; r++)
            json_str(&j, NULL, ks->reference_tables[r]);
        json_close(&j, ']');
        json_open(&j, "shards", '[');
        for (int s = 0; s < ks->nshards; s++)
            json_shard(&j, NULL, &ks->shards[s]);
        json_close(&j, ']');
        json_close(&j, '}');
    }
    json_close(&j, ']');
    json_close(&j, '}');
}

static void show_text(const struct shardmap *map)
{
    struct ctl_table t = {.ncols = 5};
    int nshards = ctl_shard_count(map);

    printf("shard map %s: version %llu, hash %s, %d %s, %d %s\n\n", map->source,
           (unsigned long long)map->version, map->hash == SHARDMAP_HASH_XXH64 ? "xxh64" : "xxh3",
           map->nkeyspaces, ctl_plural(map->nkeyspaces, "keyspace", "keyspaces"), nshards,
           ctl_plural(nshards, "shard", "shards"));
    ctl_table_row(&t, "KEYSPACE", "SHARDED", "TABLES", "REFERENCE TABLES", "SHARDS");
    for (int k = 0; k < map->nkeyspaces; k++) {
        const struct shardmap_keyspace *ks = &map->keyspaces[k];
        char nt[16], nr[16], ns[16];
        snprintf(nt, sizeof(nt), "%d", ks->ntables);
        snprintf(nr, sizeof(nr), "%d", ks->nreference_tables);
        snprintf(ns, sizeof(ns), "%d", ks->nshards);
        ctl_table_row(&t, ks->name, ks->sharded ? "yes" : "no", nt, nr, ns);
    }
    ctl_table_print(&t);
    putchar('\n');
    ctl_table_row(&t, "KEYSPACE", "TABLE", "KIND", "KEY", "KEY TYPE");
    for (int k = 0; k < map->nkeyspaces; k++) {
        const struct shardmap_keyspace *ks = &map->keyspaces[k];
        if (!ks->sharded)
            ctl_table_row(&t, ks->name, "(every table)", "unsharded", "-", "-");
        for (int i = 0; i < ks->ntables; i++) {
            const struct shardmap_table *tb = &ks->tables[i];
            ctl_table_row(&t, ks->name, tb->name, "sharded", tb->key,
                          tb->key_type == SHARDMAP_KEY_INT ? "int"
                          : tb->key_ci                     ? "string, case-insensitive"
                                                           : "string");
        }
        for (int i = 0; i < ks->nreference_tables; i++)
            ctl_table_row(&t, ks->name, ks->reference_tables[i], "reference", "-", "-");
    }
    ctl_table_print(&t);
    putchar('\n');
    t.ncols = 7;
    ctl_table_row(&t, "SHARD", "RANGE", "FIRST ID", "LAST ID", "PRIMARY", "REPLICAS", "SCHEMA");
    for (int k = 0; k < map->nkeyspaces; k++) {
        const struct shardmap_keyspace *ks = &map->keyspaces[k];
        for (int s = 0; s < ks->nshards; s++) {
            const struct shardmap_shard *sh = &ks->shards[s];
            char first[20], last[20], primary[300], replicas[4096];
            snprintf(first, sizeof(first), "%016llx", (unsigned long long)sh->start);
            snprintf(last, sizeof(last), "%016llx", ctl_last_id(sh));
            ctl_addr(primary, sizeof(primary), &sh->primary);
            ctl_replicas(replicas, sizeof(replicas), sh);
            ctl_table_row(&t, sh->name, sh->range, first, last, primary, replicas, sh->schema);
        }
    }
    ctl_table_print(&t);
}

static int cmd_map_show(struct ctl *ctl, char **argv)
{
    struct shardmap *map = ctl_load(ctl);

    if (map == NULL)
        return CTL_EXIT_INVALID;
    if (ctl->json)
        show_json(map);
    else
        show_text(map);
    shardmap_put(map);
    return CTL_EXIT_OK;
}

/* ---- map validate ------------------------------------------------------ */

static int cmd_map_validate(struct ctl *ctl, char **argv)
{
    const char *file = argv[0];
    char err[1024];
    struct shardmap *map = shardmap_load_file(file, err, sizeof(err));
    int nshards = map ? ctl_shard_count(map) : 0;

    if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_str(&j, "file", file);
        json_bool(&j, "valid", map != NULL);
        if (map != NULL) {
            json_uint(&j, "version", map->version);
            json_uint(&j, "keyspaces", (unsigned long long)map->nkeyspaces);
            json_uint(&j, "shards", (unsigned long long)nshards);
        } else {
            json_str(&j, "error", err);
        }
        json_close(&j, '}');
    } else if (map != NULL) {
        printf("%s: valid, version %llu, %d %s, %d %s\n", file, (unsigned long long)map->version,
               map->nkeyspaces, ctl_plural(map->nkeyspaces, "keyspace", "keyspaces"), nshards,
               ctl_plural(nshards, "shard", "shards"));
    } else {
        fprintf(stderr, "%s\n", err);
    }
    if (map == NULL)
        return CTL_EXIT_INVALID;
    shardmap_put(map);
    return CTL_EXIT_OK;
}

/* ---- lookup ------------------------------------------------------------ */

/* Comma-separated table names of ks (sharded or reference) into buf. */
static void lookup_names(char *buf, size_t len, const struct shardmap_keyspace *ks, bool reference)
{
    int n = reference ? ks->nreference_tables : ks->ntables;

    snprintf(buf, len, "%s", n ? "" : "none");
    for (int i = 0; i < n && strlen(buf) + 1 < len; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "",
                 reference ? ks->reference_tables[i] : ks->tables[i].name);
}

/* Why the table cannot be looked up in sharded keyspace ks. */
static int lookup_bad_table(struct ctl *ctl, const struct shardmap *map,
                            const struct shardmap_keyspace *ks, const char *table)
{
    char sharded[1024], reference[1024];

    if (shardmap_is_reference(ks, table))
        return ctl_fail(ctl,
                        "table \"%s\" is a reference table of keyspace \"%s\": every shard has a "
                        "full copy, so no one shard owns a value",
                        table, ks->name);
    lookup_names(sharded, sizeof(sharded), ks, false);
    lookup_names(reference, sizeof(reference), ks, true);
    return ctl_fail(ctl,
                    "table \"%s\" is not in keyspace \"%s\" of shard map %s (version %llu); "
                    "sharded tables: %s; reference tables: %s",
                    table, ks->name, map->source, (unsigned long long)map->version, sharded,
                    reference);
}

static void lookup_print(struct ctl *ctl, const struct shardmap *map, char **argv,
                         const struct shardmap_table *t, const uint64_t *ksid,
                         const struct shardmap_shard *sh)
{
    char id[20] = "-", primary[300], replicas[4096], ver[32];

    if (ksid != NULL)
        snprintf(id, sizeof(id), "%016llx", (unsigned long long)*ksid);
    if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_str(&j, "source", map->source);
        json_uint(&j, "version", map->version);
        json_str(&j, "keyspace", argv[0]);
        json_str(&j, "table", argv[1]);
        json_str(&j, "key", t ? t->key : NULL);
        json_str(&j, "value", argv[2]);
        json_str(&j, "keyspace_id", ksid ? id : NULL);
        json_shard(&j, "shard", sh);
        json_close(&j, '}');
        return;
    }
    struct ctl_table tab = {.ncols = 2};
    snprintf(ver, sizeof(ver), "%llu", (unsigned long long)map->version);
    ctl_addr(primary, sizeof(primary), &sh->primary);
    ctl_replicas(replicas, sizeof(replicas), sh);
    ctl_table_row(&tab, "keyspace id", ksid ? id : "- (unsharded keyspace: one shard)");
    ctl_table_row(&tab, "shard", sh->name);
    ctl_table_row(&tab, "range", sh->range);
    ctl_table_row(&tab, "primary", primary);
    ctl_table_row(&tab, "replicas", replicas);
    ctl_table_row(&tab, "schema", sh->schema);
    ctl_table_row(&tab, "map version", ver);
    ctl_table_print(&tab);
}

static int cmd_lookup(struct ctl *ctl, char **argv)
{
    const struct shardmap_keyspace *ks;
    const struct shardmap_table *t = NULL;
    struct shardmap *map = ctl_load(ctl);
    uint64_t ksid;
    int rc = CTL_EXIT_OK;

    if (map == NULL)
        return CTL_EXIT_INVALID;
    ks = shardmap_keyspace(map, argv[0]);
    if (ks == NULL) {
        rc = ctl_fail(ctl,
                      "keyspace \"%s\" is not in shard map %s (version %llu); run shardctl "
                      "map show to list its keyspaces",
                      argv[0], map->source, (unsigned long long)map->version);
    } else if (!ks->sharded) {
        lookup_print(ctl, map, argv, NULL, NULL, shardmap_lookup(ks, 0));
    } else if ((t = shardmap_table(ks, argv[1])) == NULL) {
        rc = lookup_bad_table(ctl, map, ks, argv[1]);
    } else if (shardmap_ksid_literal(map, t, argv[2], strlen(argv[2]), &ksid) == -1) {
        rc = ctl_fail(ctl,
                      "\"%s\" is not an integer: %s.%s is sharded on the integer column %s; give "
                      "a whole number such as 42 or -7 (42.0 is accepted)",
                      argv[2], ks->name, t->name, t->key);
    } else {
        lookup_print(ctl, map, argv, t, &ksid, shardmap_lookup(ks, ksid));
    }
    shardmap_put(map);
    return rc;
}

/* ---- command table and dispatch ---------------------------------------- */

static const struct ctl_cmd ctl_cmds[] = {
    {"map", "show", "", 0, "print the map: version, hash, keyspaces, tables and shards",
     "Load the shard map given with -m (default " CTL_DEFAULT_MAP ") and print its\n"
     "version and hash, every keyspace with its sharded and reference tables, and\n"
     "every shard with its range, first and last keyspace id, primary, replicas\n"
     "and schema. With --json, print the same as one JSON object.\n",
     cmd_map_show},
    {"map", "validate", "FILE", 1, "check a map file; print a summary or the first error",
     "Load and validate FILE. Print \"FILE: valid, version N, K keyspaces, S shards\"\n"
     "and exit 0, or print the first problem as FILE:LINE: what to fix, and exit 1.\n",
     cmd_map_validate},
    {"lookup", NULL, "KEYSPACE TABLE VALUE", 3, "print the keyspace id of VALUE and its shard",
     "Compute the keyspace id of VALUE for the shard key of KEYSPACE.TABLE and print\n"
     "it (16 hex digits) with the shard that owns it: name, range, primary,\n"
     "replicas and schema. Integer keys take 42, -7 or 42.0; string keys hash\n"
     "VALUE's bytes. In an unsharded keyspace every table is on its one shard.\n"
     "Write -- before a VALUE that starts with '-' and is not a number.\n",
     cmd_lookup},
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void ctl_cmd_name(char *buf, size_t len, const struct ctl_cmd *cmd)
{
    snprintf(buf, len, "%s%s%s%s%s", cmd->word, cmd->subword ? " " : "",
             cmd->subword ? cmd->subword : "", cmd->args[0] ? " " : "", cmd->args);
}

static void ctl_usage(FILE *f)
{
    char name[128];

    fprintf(f, "Usage: shardctl [--json] [-m MAPFILE] COMMAND [ARGS]\n"
               "       shardctl -h | --help | -V | --version\n\n"
               "Inspect and check shardrouter shard maps.\n\n"
               "Options:\n"
               "  -m, --map MAPFILE  shard map to read (default " CTL_DEFAULT_MAP ")\n"
               "      --json         print results as JSON on standard output\n"
               "  -h, --help         print this help and exit\n"
               "  -V, --version      print the version and exit\n\n"
               "Commands:\n");
    for (size_t i = 0; i < CTL_NCMDS; i++) {
        ctl_cmd_name(name, sizeof(name), &ctl_cmds[i]);
        fprintf(f, "  %-28s  %s\n", name, ctl_cmds[i].summary);
    }
    fprintf(f, "\nRun 'shardctl COMMAND --help' for details; see shardctl(8).\n"
               "Exit status: 0 success, 1 invalid map or input, 2 usage error.\n");
}

static void ctl_cmd_help(FILE *f, const struct ctl_cmd *cmd)
{
    char name[128];

    ctl_cmd_name(name, sizeof(name), cmd);
    fprintf(f, "Usage: shardctl [--json] [-m MAPFILE] %s\n\n%s", name, cmd->help);
}

/* Commands under one word ("map"): printed for "shardctl map --help". */
static void ctl_group_help(FILE *f, const char *word)
{
    char name[128];

    fprintf(f, "Usage: shardctl [--json] [-m MAPFILE] %s SUBCOMMAND [ARGS]\n\nSubcommands:\n",
            word);
    for (size_t i = 0; i < CTL_NCMDS; i++) {
        if (strcmp(ctl_cmds[i].word, word) != 0)
            continue;
        ctl_cmd_name(name, sizeof(name), &ctl_cmds[i]);
        fprintf(f, "  %-28s  %s\n", name, ctl_cmds[i].summary);
    }
}

static bool ctl_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/*
 * Find the command named by argv[0] (and argv[1] for two-word commands).
 * Returns it with *used set to the number of words, or NULL after printing
 * a usage message (or the group's help, with *exit_code 0, for
 * "shardctl map --help").
 */
static const struct ctl_cmd *ctl_find(int argc, char **argv, int *used, int *exit_code)
{
    bool group = false;

    *exit_code = CTL_EXIT_USAGE;
    for (size_t i = 0; i < CTL_NCMDS; i++) {
        const struct ctl_cmd *cmd = &ctl_cmds[i];
        if (strcmp(cmd->word, argv[0]) != 0)
            continue;
        if (cmd->subword == NULL) {
            *used = 1;
            return cmd;
        }
        group = true;
        if (argc > 1 && strcmp(cmd->subword, argv[1]) == 0) {
            *used = 2;
            return cmd;
        }
    }
    if (!group) {
        fprintf(stderr, "shardctl: unknown command \"%s\"; run 'shardctl --help' for the list\n",
                argv[0]);
    } else if (argc > 1 && ctl_is_help(argv[1])) {
        ctl_group_help(stdout, argv[0]);
        *exit_code = CTL_EXIT_OK;
    } else {
        if (argc > 1)
            fprintf(stderr, "shardctl: unknown subcommand \"%s %s\"\n", argv[0], argv[1]);
        else
            fprintf(stderr, "shardctl: \"%s\" needs a subcommand\n", argv[0]);
        ctl_group_help(stderr, argv[0]);
    }
    return NULL;
}

/*
 * Run cmd on its arguments: "--help" / "-h" anywhere before "--" prints
 * the command's help; the global options --json and -m/--map may also
 * follow the command; other words starting with '-' are refused unless
 * they are negative numbers or follow "--". Returns the exit code.
 */
static int ctl_run(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv)
{
    char *args[8];
    int nargs = 0;
    bool dashdash = false;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = true;
            continue;
        }
        if (!dashdash && ctl_is_help(a)) {
            ctl_cmd_help(stdout, cmd);
            return CTL_EXIT_OK;
        }
        if (!dashdash && strcmp(a, "--json") == 0) {
            ctl->json = true;
            continue;
        }
        if (!dashdash && (strcmp(a, "-m") == 0 || strcmp(a, "--map") == 0)) {
            if (i + 1 == argc) {
                fprintf(stderr, "shardctl: %s needs a MAPFILE argument\n", a);
                return CTL_EXIT_USAGE;
            }
            ctl->mapfile = argv[++i];
            continue;
        }
        if (!dashdash && strncmp(a, "--map=", 6) == 0) {
            ctl->mapfile = a + 6;
            continue;
        }
        if (!dashdash && a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9')) {
            fprintf(stderr, "shardctl: unknown option \"%s\" for this command\n", a);
            ctl_cmd_help(stderr, cmd);
            return CTL_EXIT_USAGE;
        }
        if (nargs == (int)(sizeof(args) / sizeof(args[0])) || nargs == cmd->nargs) {
            nargs = cmd->nargs + 1;
            break;
        }
        args[nargs++] = argv[i];
    }
    if (nargs != cmd->nargs) {
        fprintf(stderr, "shardctl: expected %d %s, got %s\n", cmd->nargs,
                ctl_plural(cmd->nargs, "argument", "arguments"),
                nargs > cmd->nargs ? "more" : "fewer");
        ctl_cmd_help(stderr, cmd);
        return CTL_EXIT_USAGE;
    }
    return cmd->run(ctl, args);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"json", no_argument, NULL, 'j'},
        {"map", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    struct ctl ctl = {.mapfile = CTL_DEFAULT_MAP};
    const struct ctl_cmd *cmd;
    int opt, used, code;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+hVm:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            ctl_usage(stdout);
            return CTL_EXIT_OK;
        case 'V':
            printf("shardctl %s\n", SHARDROUTER_VERSION);
            return CTL_EXIT_OK;
        case 'j':
            ctl.json = true;
            break;
        case 'm':
            ctl.mapfile = optarg;
            break;
        default:
            if (optopt == 'm')
                fprintf(stderr, "shardctl: -m needs a MAPFILE argument\n");
            else
                fprintf(stderr, "shardctl: unknown option \"%s\"\n", argv[optind - 1]);
            fprintf(stderr, "Run 'shardctl --help' for usage.\n");
            return CTL_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        ctl_usage(stderr);
        return CTL_EXIT_USAGE;
    }
    cmd = ctl_find(argc - optind, argv + optind, &used, &code);
    if (cmd == NULL)
        return code;
    return ctl_run(&ctl, cmd, argc - optind - used, argv + optind + used);
}
