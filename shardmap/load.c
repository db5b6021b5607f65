/*
 * load.c — read a shard map from a libconfig file: parse (libconfig), then
 * validate every setting and convert to the runtime structs in one pass,
 * stopping at the first problem with a message that names the file, the
 * line and what to fix. The rules are documented in shardmap(5); keep the
 * two in step.
 */
#include "shardmap.h"

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Larger files are certainly not shard maps; refuse before reading them. */
#define LOAD_MAX_FILE (64u * 1024 * 1024)

struct load_ctx {
    const char *name; /* file name or label for messages */
    char *err;
    size_t errlen;
};

static int load_fail(struct load_ctx *c, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write "FILE:LINE: message" (or "FILE: message" when libconfig does not
 * know the line) into the caller's err. Always returns -1. */
static int load_fail(struct load_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
    const char *file = c->name;
    int line = 0, n;
    va_list ap;

    if (c->err == NULL || c->errlen == 0)
        return -1;
    if (s != NULL) {
        line = config_setting_source_line(s);
        if (config_setting_source_file(s) != NULL)
            file = config_setting_source_file(s);
    }
    if (line > 0)
        n = snprintf(c->err, c->errlen, "%s:%d: ", file, line);
    else
        n = snprintf(c->err, c->errlen, "%s: ", file);
    if (n < 0 || (size_t)n >= c->errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *load_type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP:
        return "a group { ... }";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "an integer";
    case CONFIG_TYPE_FLOAT:
        return "a floating-point number";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_ARRAY:
        return "an array [ ... ]";
    case CONFIG_TYPE_LIST:
        return "a list ( ... )";
    default:
        return "an unknown type";
    }
}

/* Levenshtein distance, capped: enough to suggest a misspelled setting. */
static int load_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int row[32];

    if (la >= 31 || lb >= 31)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/*
 * Refuse any member of group g not in allowed (NULL-terminated): a typo
 * like "replica" must not be silently ignored. where names the group for
 * the message ("keyspace \"app\"").
 */
static int load_known(struct load_ctx *c, const config_setting_t *g, const char *const *allowed,
                      const char *where)
{
    int n = config_setting_length(g);

    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        const char *guess = NULL;
        char list[256] = "";
        bool found = false;
        int best = 3; /* suggest only names within two edits */

        for (int k = 0; allowed[k] != NULL; k++) {
            int d = load_distance(name, allowed[k]);
            if (d == 0)
                found = true;
            if (d < best) {
                best = d;
                guess = allowed[k];
            }
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "",
                     allowed[k]);
        }
        if (found)
            continue;
        if (guess != NULL)
            return load_fail(c, m,
                             "unknown setting \"%s\" in %s; did you mean \"%s\"? (allowed: %s)",
                             name, where, guess, list);
        return load_fail(c, m, "unknown setting \"%s\" in %s; allowed settings are: %s", name,
                         where, list);
    }
    return 0;
}

/*
 * Optional string member key of g. Returns 1 and sets *out when present,
 * 0 when absent (*out = NULL), -1 (err filled) when it is not a string.
 */
static int load_opt_string(struct load_ctx *c, const config_setting_t *g, const char *key,
                           const char *where, const char **out)
{
    const config_setting_t *s = config_setting_get_member(g, key);

    *out = NULL;
    if (s == NULL)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return load_fail(c, s, "%s: \"%s\" must be a string in double quotes, not %s", where, key,
                         load_type_name(s));
    *out = config_setting_get_string(s);
    return 1;
}

/* Optional boolean member; *out keeps its default when absent. */
static int load_opt_bool(struct load_ctx *c, const config_setting_t *g, const char *key,
                         const char *where, bool *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);

    if (s == NULL)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return load_fail(c, s, "%s: \"%s\" must be true or false, not %s", where, key,
                         load_type_name(s));
    *out = config_setting_get_bool(s) != 0;
    return 1;
}

/*
 * A MySQL identifier we are willing to route by: 1..64 characters, no
 * control characters, no '/', '.' or '\\' (they would be ambiguous in
 * shard names and paths), no trailing space (MySQL refuses those). Returns
 * NULL if fine, else what is wrong.
 */
static const char *load_ident_problem(const char *s)
{
    size_t chars = 0;

    if (*s == '\0')
        return "is empty";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return "contains a control character";
        if (*p == '/' || *p == '.' || *p == '\\')
            return "contains '/', '.' or '\\'";
        if ((*p & 0xc0) != 0x80)
            chars++;
    }
    if (chars > 64)
        return "is longer than 64 characters";
    if (s[strlen(s) - 1] == ' ')
        return "ends with a space";
    return NULL;
}

/* Required identifier member key of g, copied into *out (caller frees).
 * When it is missing the message says: add KEY = "PLACEHOLDER"; WHY. */
static int load_ident(struct load_ctx *c, const config_setting_t *g, const char *key,
                      const char *where, const char *placeholder, const char *why, char **out)
{
    const char *v, *problem;
    int rc = load_opt_string(c, g, key, where, &v);

    if (rc == -1)
        return -1;
    if (rc == 0)
        return load_fail(c, g, "%s: no \"%s\"; add %s = \"%s\"; %s", where, key, key, placeholder,
                         why);
    problem = load_ident_problem(v);
    if (problem != NULL)
        return load_fail(c, config_setting_get_member(g, key),
                         "%s: %s \"%s\" %s; use a plain MySQL identifier of 1 to 64 characters",
                         where, key, v, problem);
    *out = strdup(v);
    if (*out == NULL)
        return load_fail(c, g, "out of memory");
    return 0;
}

/* A list ( ... ) or array [ ... ] member, or NULL when absent. -1 on type. */
static int load_opt_list(struct load_ctx *c, const config_setting_t *g, const char *key,
                         const char *where, const char *example, const config_setting_t **out)
{
    const config_setting_t *s = config_setting_get_member(g, key);

    *out = NULL;
    if (s == NULL)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_LIST && config_setting_type(s) != CONFIG_TYPE_ARRAY)
        return load_fail(c, s, "%s: \"%s\" must be a list like %s, not %s", where, key, example,
                         load_type_name(s));
    *out = s;
    return 1;
}

/* The "first at line N" part of duplicate messages. */
static int load_line(const config_setting_t *s)
{
    return s ? config_setting_source_line(s) : 0;
}

static int load_table(struct load_ctx *c, const config_setting_t *g, const char *ksname,
                      struct shardmap_table *t)
{
    static const char *const allowed[] = {"name", "key", "key_type", "key_ci", "sequence", NULL};
    char where[256];
    const char *type;
    int rc;

    snprintf(where, sizeof(where), "keyspace \"%s\", table", ksname);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return load_fail(c, g,
                         "keyspace \"%s\": each entry of \"tables\" must be a group like "
                         "{ name = \"users\"; key = \"id\"; }, not %s",
                         ksname, load_type_name(g));
    if (config_setting_get_member(g, "name") == NULL && load_known(c, g, allowed, where) == -1)
        return -1;
    if (load_ident(c, g, "name", where, "TABLE", "naming the table", &t->name) == -1)
        return -1;
    snprintf(where, sizeof(where), "keyspace \"%s\", table \"%s\"", ksname, t->name);
    if (load_known(c, g, allowed, where) == -1)
        return -1;
    if (load_ident(c, g, "key", where, "COLUMN", "naming the shard-key column, e.g. key = \"id\";",
                   &t->key) == -1)
        return -1;
    rc = load_opt_string(c, g, "key_type", where, &type);
    if (rc == -1)
        return -1;
    if (rc == 0 || strcmp(type, "int") == 0)
        t->key_type = SHARDMAP_KEY_INT;
    else if (strcmp(type, "string") == 0)
        t->key_type = SHARDMAP_KEY_STRING;
    else
        return load_fail(c, config_setting_get_member(g, "key_type"),
                         "%s: unknown key_type \"%s\"; use \"int\" (the default, for integer "
                         "columns) or \"string\" (for character columns)",
                         where, type);
    if (load_opt_bool(c, g, "key_ci", where, &t->key_ci) == -1)
        return -1;
    if (t->key_ci && t->key_type != SHARDMAP_KEY_STRING)
        return load_fail(c, config_setting_get_member(g, "key_ci"),
                         "%s: key_ci applies only to string keys; add key_type = \"string\"; or "
                         "remove key_ci",
                         where);
    const char *seq;
    rc = load_opt_string(c, g, "sequence", where, &seq);
    if (rc == -1)
        return -1;
    if (rc == 1) {
        const config_setting_t *s = config_setting_get_member(g, "sequence");
        const char *dot = strchr(seq, '.');
        if (dot == NULL || dot == seq || dot[1] == '\0' || strchr(dot + 1, '.') != NULL)
            return load_fail(c, s,
                             "%s: sequence = \"%s\" must name a table of an unsharded keyspace "
                             "as \"KEYSPACE.TABLE\"",
                             where, seq);
        if (t->key_type != SHARDMAP_KEY_INT)
            return load_fail(c, s, "%s: a sequence gives integer keys; the key is a string key",
                             where);
        t->seq_keyspace = strndup(seq, (size_t)(dot - seq));
        t->seq_table = strdup(dot + 1);
        if (t->seq_keyspace == NULL || t->seq_table == NULL)
            return load_fail(c, s, "out of memory");
    }
    return 0;
}

/* Every sequence names a table of an unsharded keyspace of the map. */
static int load_check_sequences(struct load_ctx *c, const config_setting_t *list,
                                const struct shardmap *map)
{
    for (int i = 0; i < map->nkeyspaces; i++) {
        const struct shardmap_keyspace *ks = &map->keyspaces[i];
        for (int k = 0; k < ks->ntables; k++) {
            const struct shardmap_table *t = &ks->tables[k];
            if (t->seq_keyspace == NULL)
                continue;
            const struct shardmap_keyspace *sk = shardmap_keyspace(map, t->seq_keyspace);
            if (sk == NULL || sk->sharded)
                return load_fail(c, config_setting_get_elem(list, (unsigned)i),
                                 "keyspace \"%s\", table \"%s\": sequence \"%s.%s\" names %s; "
                                 "a sequence lives in an unsharded keyspace of the map",
                                 ks->name, t->name, t->seq_keyspace, t->seq_table,
                                 sk == NULL ? "no keyspace of the map" : "a sharded keyspace");
        }
    }
    return 0;
}

/* Exact duplicate among the first n names? Returns its index or -1. */
static int load_find_name(char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (names[i] != NULL && strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

/* tables and reference_tables of a sharded keyspace; names unique across
 * both lists. */
static int load_tables(struct load_ctx *c, const config_setting_t *g, struct shardmap_keyspace *ks)
{
    const config_setting_t *tl, *rl;
    char where[128];
    int nt, nr;

    snprintf(where, sizeof(where), "keyspace \"%s\"", ks->name);
    if (load_opt_list(c, g, "tables", where, "( { name = \"users\"; key = \"id\"; } )", &tl) ==
            -1 ||
        load_opt_list(c, g, "reference_tables", where, "( \"countries\" )", &rl) == -1)
        return -1;
    nt = tl ? config_setting_length(tl) : 0;
    nr = rl ? config_setting_length(rl) : 0;
    if (nt == 0)
        return load_fail(c, tl ? tl : g,
                         "keyspace \"%s\" is sharded but has no \"tables\"; add tables = "
                         "( { name = \"TABLE\"; key = \"COLUMN\"; } ); listing each sharded table "
                         "and its shard-key column",
                         ks->name);
    ks->tables = calloc((size_t)nt, sizeof(*ks->tables));
    ks->reference_tables = calloc((size_t)nr + 1, sizeof(*ks->reference_tables));
    if (ks->tables == NULL || ks->reference_tables == NULL)
        return load_fail(c, g, "out of memory");
    ks->ntables = nt;
    ks->nreference_tables = nr;
    for (int i = 0; i < nt; i++) {
        const config_setting_t *e = config_setting_get_elem(tl, (unsigned)i);
        if (load_table(c, e, ks->name, &ks->tables[i]) == -1)
            return -1;
        for (int j = 0; j < i; j++) {
            if (strcmp(ks->tables[j].name, ks->tables[i].name) == 0)
                return load_fail(c, e,
                                 "keyspace \"%s\": table \"%s\" is listed twice in \"tables\" "
                                 "(first at line %d); remove one",
                                 ks->name, ks->tables[i].name,
                                 load_line(config_setting_get_elem(tl, (unsigned)j)));
        }
    }
    for (int i = 0; i < nr; i++) {
        const config_setting_t *e = config_setting_get_elem(rl, (unsigned)i);
        const char *problem;
        int dup;
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return load_fail(c, e,
                             "keyspace \"%s\": reference_tables entries must be table names "
                             "in double quotes, not %s",
                             ks->name, load_type_name(e));
        problem = load_ident_problem(config_setting_get_string(e));
        if (problem != NULL)
            return load_fail(c, e, "keyspace \"%s\": reference table \"%s\" %s", ks->name,
                             config_setting_get_string(e), problem);
        if (shardmap_table(ks, config_setting_get_string(e)) != NULL)
            return load_fail(c, e,
                             "keyspace \"%s\": table \"%s\" is both a sharded table and a "
                             "reference table; a table is one or the other, remove one entry",
                             ks->name, config_setting_get_string(e));
        dup = load_find_name(ks->reference_tables, i, config_setting_get_string(e));
        if (dup >= 0)
            return load_fail(c, e,
                             "keyspace \"%s\": reference table \"%s\" is listed twice (first at "
                             "line %d); remove one",
                             ks->name, ks->reference_tables[dup],
                             load_line(config_setting_get_elem(rl, (unsigned)dup)));
        ks->reference_tables[i] = strdup(config_setting_get_string(e));
        if (ks->reference_tables[i] == NULL)
            return load_fail(c, e, "out of memory");
    }
    return 0;
}

/* One address setting (a string) into out. */
static int load_addr(struct load_ctx *c, const config_setting_t *s, const char *where,
                     const char *what, struct shardmap_addr *out)
{
    char perr[512];

    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return load_fail(c, s, "%s: %s must be a \"host:port\" string, not %s", where, what,
                         load_type_name(s));
    if (shardmap_parse_addr(config_setting_get_string(s), out, perr, sizeof(perr)) == -1)
        return load_fail(c, s, "%s: bad %s: %s", where, what, perr);
    return 0;
}

/* A replica: "host:port" (weight 1), or { address = "host:port"; weight = N; }. */
static int load_replica(struct load_ctx *c, const config_setting_t *s, const char *where,
                        struct shardmap_addr *out)
{
    if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
        if (load_addr(c, s, where, "replica address", out) == -1)
            return -1;
        out->weight = 1;
        return 0;
    }
    const config_setting_t *a = config_setting_get_member(s, "address"),
                           *w = config_setting_get_member(s, "weight");
    for (int i = 0; i < config_setting_length(s); i++) {
        const char *n = config_setting_name(config_setting_get_elem(s, (unsigned)i));
        if (strcmp(n, "address") != 0 && strcmp(n, "weight") != 0)
            return load_fail(c, config_setting_get_elem(s, (unsigned)i),
                             "%s: unknown setting \"%s\" in a replica; a replica is \"HOST:PORT\" "
                             "or { address = \"HOST:PORT\"; weight = N; }",
                             where, n);
    }
    if (a == NULL)
        return load_fail(c, s, "%s: a replica group needs address = \"HOST:PORT\"", where);
    if (load_addr(c, a, where, "replica address", out) == -1)
        return -1;
    out->weight = 1;
    if (w != NULL) {
        if (config_setting_type(w) != CONFIG_TYPE_INT || config_setting_get_int(w) < 1 ||
            config_setting_get_int(w) > 1000)
            return load_fail(c, w, "%s: replica %s:%d: weight must be an integer from 1 to 1000",
                             where, out->host, out->port);
        out->weight = config_setting_get_int(w);
    }
    return 0;
}

static bool load_same_addr(const struct shardmap_addr *a, const struct shardmap_addr *b)
{
    return a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* primary, replicas and schema of one shard (name already set). */
static int load_servers(struct load_ctx *c, const config_setting_t *g, struct shardmap_shard *sh)
{
    const config_setting_t *p = config_setting_get_member(g, "primary"), *rl;
    char where[256];

    snprintf(where, sizeof(where), "shard %s", sh->name);
    if (p == NULL)
        return load_fail(c, g,
                         "%s: no \"primary\"; add primary = \"HOST:PORT\"; naming the "
                         "server that takes this shard's writes",
                         where);
    if (load_addr(c, p, where, "primary address", &sh->primary) == -1)
        return -1;
    if (load_opt_list(c, g, "replicas", where, "( \"127.0.0.1:3307\" )", &rl) == -1)
        return -1;
    if (rl != NULL && config_setting_length(rl) > 0) {
        int n = config_setting_length(rl);
        sh->replicas = calloc((size_t)n, sizeof(*sh->replicas));
        if (sh->replicas == NULL)
            return load_fail(c, rl, "out of memory");
        sh->nreplicas = n;
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(rl, (unsigned)i);
            if (load_replica(c, e, where, &sh->replicas[i]) == -1)
                return -1;
            if (load_same_addr(&sh->replicas[i], &sh->primary))
                return load_fail(c, e,
                                 "%s: replica %s:%d is also the primary; remove it from "
                                 "\"replicas\"",
                                 where, sh->replicas[i].host, sh->replicas[i].port);
            for (int j = 0; j < i; j++) {
                if (load_same_addr(&sh->replicas[i], &sh->replicas[j]))
                    return load_fail(c, e, "%s: replica %s:%d is listed twice; remove one", where,
                                     sh->replicas[i].host, sh->replicas[i].port);
            }
        }
    }
    return load_ident(c, g, "schema", where, "DATABASE",
                      "naming the database on this shard's servers", &sh->schema);
}

/* One shard: range (validated against the keyspace kind), name, servers. */
static int load_shard(struct load_ctx *c, const config_setting_t *g, struct shardmap_keyspace *ks,
                      int idx, struct shardmap_shard *sh)
{
    static const char *const allowed[] = {"range", "primary", "replicas", "schema", NULL};
    const char *range;
    char where[192], perr[512];
    int rc;

    snprintf(where, sizeof(where), "keyspace \"%s\", shard %d", ks->name, idx + 1);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return load_fail(c, g,
                         "%s: each entry of \"shards\" must be a group like { range = "
                         "\"-80\"; primary = \"HOST:PORT\"; schema = \"DB\"; }, not %s",
                         where, load_type_name(g));
    rc = load_opt_string(c, g, "range", where, &range);
    if (rc == -1)
        return -1;
    /* a misspelled "range" is worth more than "no range" */
    if (rc == 0 && ks->sharded && load_known(c, g, allowed, where) == -1)
        return -1;
    if (rc == 0 && ks->sharded)
        return load_fail(c, g,
                         "%s: no \"range\"; add range = \"START-END\"; in hex, e.g. \"-80\" "
                         "or \"80-\" (\"-\" is the whole keyspace-id space)",
                         where);
    if (rc == 1 && !ks->sharded && strcmp(range, "-") != 0 && range[0] != '\0')
        return load_fail(c, config_setting_get_member(g, "range"),
                         "%s: keyspace \"%s\" is unsharded, so its one shard owns everything; "
                         "remove range = \"%s\"; (or set sharded = true to shard the keyspace)",
                         where, ks->name, range);
    if (range == NULL || range[0] == '\0')
        range = "-";
    if (shardmap_parse_range(range, &sh->start, &sh->end, &sh->end_max, perr, sizeof(perr)) == -1)
        return load_fail(c, config_setting_get_member(g, "range"), "%s: %s", where, perr);
    sh->range = strdup(range);
    sh->name = malloc(strlen(ks->name) + strlen(range) + 2);
    if (sh->range == NULL || sh->name == NULL)
        return load_fail(c, g, "out of memory");
    sprintf(sh->name, "%s/%s", ks->name, range);
    snprintf(where, sizeof(where), "shard %s", sh->name);
    if (load_known(c, g, allowed, where) == -1)
        return -1;
    return load_servers(c, g, sh);
}

/* Left-justified hex bound as written in ranges: 0x8000000000000000 ->
 * "80", 0 -> "" (so a range reads "-80"). */
static void load_bound_text(char *buf, size_t len, uint64_t v)
{
    size_t n;

    if (v == 0) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, len, "%016llx", (unsigned long long)v);
    n = strlen(buf);
    while (n > 2 && buf[n - 1] == '0' && buf[n - 2] == '0')
        n -= 2;
    buf[n] = '\0';
}

/* "0x8000000000000000" or, for the open end, a phrase. */
static const char *load_hex(char *buf, size_t len, uint64_t v, bool end_max)
{
    if (end_max)
        return "the end of the id space";
    snprintf(buf, len, "0x%016llx", (unsigned long long)v);
    return buf;
}

/* Insertion sort of shards (with their settings, for line numbers) by
 * start; maps are small and this keeps the pairs together. */
static void load_sort_shards(struct shardmap_shard *sh, const config_setting_t **src, int n)
{
    for (int i = 1; i < n; i++) {
        struct shardmap_shard t = sh[i];
        const config_setting_t *ts = src[i];
        int j = i;
        while (j > 0 && sh[j - 1].start > t.start) {
            sh[j] = sh[j - 1];
            src[j] = src[j - 1];
            j--;
        }
        sh[j] = t;
        src[j] = ts;
    }
}

static int load_gap(struct load_ctx *c, const config_setting_t *at, const char *ks, uint64_t from,
                    uint64_t to, bool to_max, const char *where)
{
    char a[24], b[24], ra[20], rb[20];

    load_bound_text(ra, sizeof(ra), from);
    load_bound_text(rb, sizeof(rb), to_max ? 0 : to);
    return load_fail(c, at,
                     "keyspace \"%s\": shards leave a gap from %s to %s %s; add a shard for "
                     "range %s-%s",
                     ks, load_hex(a, sizeof(a), from, false), load_hex(b, sizeof(b), to, to_max),
                     where, ra, rb);
}

/* Shards p and q (q sorted after p) overlap from q's start to the smaller
 * of their ends. */
static int load_overlap(struct load_ctx *c, const char *ks, const struct shardmap_shard *p,
                        const config_setting_t *ps, const struct shardmap_shard *q,
                        const config_setting_t *qs)
{
    char a[24], b[24];
    bool end_max = p->end_max && q->end_max;
    uint64_t end;

    if (p->end_max)
        end = q->end;
    else if (q->end_max)
        end = p->end;
    else
        end = q->end < p->end ? q->end : p->end;
    return load_fail(c, qs,
                     "keyspace \"%s\": shards %s (line %d) and %s (line %d) overlap from %s to %s; "
                     "make each range start where the previous one ends",
                     ks, p->name, load_line(ps), q->name, load_line(qs),
                     load_hex(a, sizeof(a), q->start, false), load_hex(b, sizeof(b), end, end_max));
}

/*
 * Shards of a sharded keyspace must tile [0, 2^64) exactly. Sorts them by
 * start, then walks them: each must start where the previous one ended.
 * Reports the first gap or overlap with both shards' names and lines.
 */
static int load_coverage(struct load_ctx *c, struct shardmap_keyspace *ks,
                         const config_setting_t **src)
{
    struct shardmap_shard *sh = ks->shards;
    int n = ks->nshards;
    char where[256];
    uint64_t next = 0; /* first id not yet covered */
    bool done = false; /* covered up to the end of the id space */

    load_sort_shards(sh, src, n);
    for (int i = 0; i < n; i++) {
        if (done || sh[i].start < next)
            return load_overlap(c, ks->name, &sh[i - 1], src[i - 1], &sh[i], src[i]);
        if (sh[i].start > next) {
            if (i == 0)
                snprintf(where, sizeof(where), "before %s (line %d)", sh[i].name,
                         load_line(src[i]));
            else
                snprintf(where, sizeof(where), "between %s (line %d) and %s (line %d)",
                         sh[i - 1].name, load_line(src[i - 1]), sh[i].name, load_line(src[i]));
            return load_gap(c, src[i], ks->name, next, sh[i].start, false, where);
        }
        done = sh[i].end_max;
        next = sh[i].end;
    }
    if (!done) {
        snprintf(where, sizeof(where), "after %s (line %d)", sh[n - 1].name, load_line(src[n - 1]));
        return load_gap(c, src[n - 1], ks->name, next, 0, true, where);
    }
    return 0;
}

/* The shards list of a keyspace: one shard when unsharded, an exact tiling
 * of the id space when sharded. */
static int load_shards(struct load_ctx *c, const config_setting_t *g, struct shardmap_keyspace *ks)
{
    const config_setting_t *list, **src;
    char where[128];
    int n, rc;

    snprintf(where, sizeof(where), "keyspace \"%s\"", ks->name);
    if (load_opt_list(c, g, "shards", where,
                      "( { range = \"-\"; primary = \"HOST:PORT\"; schema = \"DB\"; } )",
                      &list) == -1)
        return -1;
    n = list ? config_setting_length(list) : 0;
    if (n == 0)
        return load_fail(c, list ? list : g,
                         "keyspace \"%s\" has no shards; add shards = ( { %sprimary = "
                         "\"HOST:PORT\"; schema = \"DATABASE\"; } );",
                         ks->name, ks->sharded ? "range = \"-\"; " : "");
    if (!ks->sharded && n > 1)
        return load_fail(c, config_setting_get_elem(list, 1),
                         "keyspace \"%s\" is unsharded but has %d shards; an unsharded keyspace "
                         "has exactly one shard (to split it, set sharded = true; and list its "
                         "tables)",
                         ks->name, n);
    ks->shards = calloc((size_t)n, sizeof(*ks->shards));
    src = calloc((size_t)n, sizeof(*src));
    if (ks->shards == NULL || src == NULL) {
        free(src);
        return load_fail(c, list, "out of memory");
    }
    ks->nshards = n;
    for (int i = 0; i < n; i++) {
        src[i] = config_setting_get_elem(list, (unsigned)i);
        if (load_shard(c, src[i], ks, i, &ks->shards[i]) == -1) {
            free(src);
            return -1;
        }
    }
    rc = ks->sharded ? load_coverage(c, ks, src) : 0;
    free(src);
    if (rc == 0) {
        /* The starts alone, 8 bytes apart: the lookup's binary search then
         * touches a few cache lines instead of one shard struct per step. */
        ks->starts = malloc((size_t)n * sizeof(*ks->starts));
        if (ks->starts == NULL)
            return load_fail(c, list, "out of memory");
        for (int i = 0; i < n; i++)
            ks->starts[i] = ks->shards[i].start;
    }
    return rc;
}

/* cross_shard_transactions of a sharded keyspace (default "refuse"). */
static int load_xshard(struct load_ctx *c, const config_setting_t *g, struct shardmap_keyspace *ks,
                       const char *where)
{
    const char *v;
    int rc = load_opt_string(c, g, "cross_shard_transactions", where, &v);
    if (rc <= 0)
        return rc;
    if (strcmp(v, "refuse") == 0)
        ks->cross_shard = SHARDMAP_XSHARD_REFUSE;
    else if (strcmp(v, "best_effort") == 0)
        ks->cross_shard = SHARDMAP_XSHARD_BEST_EFFORT;
    else if (strcmp(v, "twopc") == 0)
        ks->cross_shard = SHARDMAP_XSHARD_TWOPC;
    else
        return load_fail(c, config_setting_get_member(g, "cross_shard_transactions"),
                         "%s: cross_shard_transactions = \"%s\" is not supported; use "
                         "\"refuse\" (the default), \"best_effort\" or \"twopc\"",
                         where, v);
    return 0;
}

static int load_keyspace(struct load_ctx *c, const config_setting_t *g,
                         struct shardmap_keyspace *ks)
{
    static const char *const allowed[] = {
        "name", "sharded", "tables", "reference_tables", "shards", "cross_shard_transactions",
        NULL};
    static const char *const sharded_only[] = {"tables", "reference_tables",
                                               "cross_shard_transactions"};
    char where[128];

    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return load_fail(c, g,
                         "each entry of \"keyspaces\" must be a group like { name = "
                         "\"app\"; sharded = true; ... }, not %s",
                         load_type_name(g));
    if (config_setting_get_member(g, "name") == NULL && load_known(c, g, allowed, "keyspace") == -1)
        return -1;
    if (load_ident(c, g, "name", "keyspace", "SCHEMA", "(the schema name clients use)",
                   &ks->name) == -1)
        return -1;
    snprintf(where, sizeof(where), "keyspace \"%s\"", ks->name);
    if (load_known(c, g, allowed, where) == -1)
        return -1;
    if (load_opt_bool(c, g, "sharded", where, &ks->sharded) == -1)
        return -1;
    if (ks->sharded) {
        if (load_tables(c, g, ks) == -1 || load_xshard(c, g, ks, where) == -1)
            return -1;
    } else {
        for (size_t i = 0; i < sizeof(sharded_only) / sizeof(sharded_only[0]); i++) {
            const config_setting_t *s = config_setting_get_member(g, sharded_only[i]);
            if (s != NULL)
                return load_fail(c, s,
                                 "keyspace \"%s\" is unsharded, so \"%s\" is not allowed; set "
                                 "sharded = true; to shard it, or remove \"%s\"",
                                 ks->name, sharded_only[i], sharded_only[i]);
        }
    }
    return load_shards(c, g, ks);
}

/* version and hash, the settings of the map as a whole. */
static int load_header(struct load_ctx *c, const config_setting_t *root, struct shardmap *map)
{
    const config_setting_t *v = config_setting_get_member(root, "version");
    const char *hash;
    long long version;
    int rc;

    if (v == NULL)
        return load_fail(c, NULL,
                         "no \"version\" setting; add version = 1; at the top (an "
                         "integer >= 1, raised with every published change)");
    if (config_setting_type(v) != CONFIG_TYPE_INT && config_setting_type(v) != CONFIG_TYPE_INT64)
        return load_fail(c, v, "version must be an integer >= 1 (no quotes), not %s",
                         load_type_name(v));
    version = config_setting_get_int64(v);
    if (version < 1)
        return load_fail(c, v, "version is %lld; it must be an integer >= 1", version);
    map->version = (uint64_t)version;
    rc = load_opt_string(c, root, "hash", "shard map", &hash);
    if (rc == -1)
        return -1;
    if (rc == 0 || strcmp(hash, "xxh3") == 0)
        map->hash = SHARDMAP_HASH_XXH3;
    else if (strcmp(hash, "xxh64") == 0)
        map->hash = SHARDMAP_HASH_XXH64;
    else
        return load_fail(c, config_setting_get_member(root, "hash"),
                         "unknown hash \"%s\"; use \"xxh3\" (the default) or \"xxh64\"", hash);
    return 0;
}

/* The whole parsed file into map. */
static int load_root(struct load_ctx *c, const config_setting_t *root, struct shardmap *map)
{
    static const char *const allowed[] = {"version", "hash", "keyspaces", NULL};
    const config_setting_t *list;
    int n;

    if (load_known(c, root, allowed, "the shard map") == -1 || load_header(c, root, map) == -1)
        return -1;
    list = config_setting_get_member(root, "keyspaces");
    if (list == NULL)
        return load_fail(c, NULL,
                         "no \"keyspaces\" list; add keyspaces = ( { name = \"SCHEMA\"; "
                         "shards = ( ... ); } ); describing at least one keyspace");
    if (config_setting_type(list) != CONFIG_TYPE_LIST)
        return load_fail(c, list, "keyspaces must be a list ( { ... }, { ... } ), not %s",
                         load_type_name(list));
    n = config_setting_length(list);
    if (n == 0)
        return load_fail(c, list, "keyspaces is empty; describe at least one keyspace");
    map->keyspaces = calloc((size_t)n, sizeof(*map->keyspaces));
    if (map->keyspaces == NULL)
        return load_fail(c, list, "out of memory");
    map->nkeyspaces = n;
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        if (load_keyspace(c, g, &map->keyspaces[i]) == -1)
            return -1;
        for (int j = 0; j < i; j++) {
            if (strcmp(map->keyspaces[j].name, map->keyspaces[i].name) == 0)
                return load_fail(c, g,
                                 "keyspace \"%s\" is defined twice (first at line %d); rename "
                                 "or remove one",
                                 map->keyspaces[i].name,
                                 load_line(config_setting_get_elem(list, (unsigned)j)));
        }
    }
    return load_check_sequences(c, list, map);
}

/* Parse text with libconfig and build the map. include_dir (may be NULL)
 * resolves @include directives. */
static struct shardmap *load_text(const char *text, const char *name, const char *include_dir,
                                  char *err, size_t errlen)
{
    struct load_ctx c = {name, err, errlen};
    struct shardmap *map;
    config_t cfg;

    config_init(&cfg);
    if (include_dir != NULL)
        config_set_include_dir(&cfg, include_dir);
    if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s:%d: %s; fix the syntax there (see shardmap(5))",
                     config_error_file(&cfg) ? config_error_file(&cfg) : name,
                     config_error_line(&cfg), config_error_text(&cfg));
        config_destroy(&cfg);
        return NULL;
    }
    map = calloc(1, sizeof(*map));
    if (map == NULL || (map->source = strdup(name)) == NULL) {
        free(map);
        config_destroy(&cfg);
        load_fail(&c, NULL, "out of memory");
        return NULL;
    }
    map->refcount = 1;
    if (load_root(&c, config_root_setting(&cfg), map) == -1) {
        shardmap_put(map);
        map = NULL;
    }
    for (int k = 0; map != NULL && k < map->nkeyspaces; k++)
        for (int i = 0; i < map->keyspaces[k].nshards; i++)
            map->has_replicas |= map->keyspaces[k].shards[i].nreplicas > 0;
    config_destroy(&cfg);
    return map;
}

/*
 * Load from text in memory; name labels error messages and becomes
 * map->source. Returns a map with refcount 1 (the caller owns it and drops
 * it with shardmap_put), or NULL with err filled.
 */
struct shardmap *shardmap_load_string(const char *text, const char *name, char *err, size_t errlen)
{
    if (name == NULL)
        name = "(string)";
    if (text == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: no text to load", name);
        return NULL;
    }
    return load_text(text, name, NULL, err, errlen);
}

/* Read a whole file (at most LOAD_MAX_FILE bytes, no NUL byte) into a
 * malloc'd, NUL-terminated buffer the caller frees. Returns NULL with err
 * filled. */
char *shardmap_read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (path == NULL) {
        snprintf(err, errlen, "no shard map file given");
        return NULL;
    }
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open the shard map: %s; check the path and permissions",
                 path, strerror(errno));
        return NULL;
    }
    do {
        if (cap - len < 4096) {
            char *p = cap + 65536 > LOAD_MAX_FILE ? NULL : realloc(buf, cap + 65536 + 1);
            if (p == NULL) {
                snprintf(err, errlen, "%s: %s", path,
                         cap + 65536 > LOAD_MAX_FILE ? "file is larger than 64 MiB; is this "
                                                       "really a shard map?"
                                                     : "out of memory");
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
            cap += 65536;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read the shard map: %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    if (memchr(buf, '\0', len) != NULL) {
        snprintf(err, errlen, "%s: contains a NUL byte; a shard map is a text file", path);
        free(buf);
        return NULL;
    }
    return buf;
}

/*
 * Load and validate the map in file path (@include resolved relative to
 * its directory). Returns a map with refcount 1, or NULL with err filled.
 */
struct shardmap *shardmap_load_file(const char *path, char *err, size_t errlen)
{
    char dummy[1], dir[4096];
    const char *slash;
    struct shardmap *map;
    char *text;

    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    text = shardmap_read_file(path, err, errlen);
    if (text == NULL)
        return NULL;
    slash = strrchr(path, '/');
    if (slash != NULL && (size_t)(slash - path) < sizeof(dir)) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    } else {
        snprintf(dir, sizeof(dir), ".");
    }
    map = load_text(text, path, dir[0] ? dir : "/", err, errlen);
    free(text);
    return map;
}
