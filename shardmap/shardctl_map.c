/* shardctl_map — map show, map validate, map diff, lookup. */

#include "shardctl_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- map show ---------------------------------------------------------- */

void show_json(const struct shardmap *map)
{
    struct json j = {.f = stdout};

    json_open(&j, NULL, '{');
    json_str(&j, "source", map->source);
    json_uint(&j, "version", map->version);
    json_str(&j, "hash", shardmap_hash_name(map->hash));
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
            if (ks->tables[t].seq_keyspace != NULL) {
                char seq[520];
                snprintf(seq, sizeof(seq), "%s.%s", ks->tables[t].seq_keyspace,
                         ks->tables[t].seq_table);
                json_str(&j, "sequence", seq);
            } else {
                json_str(&j, "sequence", NULL);
            }
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

void show_text(const struct shardmap *map)
{
    struct ctl_table t = {.ncols = 5};
    int nshards = ctl_shard_count(map);

    printf("shard map %s: version %llu, hash %s, %d %s, %d %s\n\n", map->source,
           (unsigned long long)map->version, shardmap_hash_name(map->hash), map->nkeyspaces,
           ctl_plural(map->nkeyspaces, "keyspace", "keyspaces"), nshards,
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
            char type[600];
            snprintf(type, sizeof(type), "%s%s%s%s",
                     tb->key_type == SHARDMAP_KEY_INT ? "int"
                     : tb->key_ci                     ? "string, case-insensitive"
                                                      : "string",
                     tb->seq_keyspace ? ", sequence " : "",
                     tb->seq_keyspace ? tb->seq_keyspace : "", tb->seq_keyspace ? "." : "");
            if (tb->seq_table != NULL)
                snprintf(type + strlen(type), sizeof(type) - strlen(type), "%s", tb->seq_table);
            ctl_table_row(&t, ks->name, tb->name, "sharded", tb->key, type);
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
            shardmap_format_addr(&sh->primary, primary, sizeof(primary));
            ctl_replicas(replicas, sizeof(replicas), sh);
            ctl_table_row(&t, sh->name, sh->range, first, last, primary, replicas, sh->schema);
        }
    }
    ctl_table_print(&t);
}

int cmd_map_show(struct ctl *ctl, char **argv)
{
    struct shardmap *map;
    int rc = ctl_load(ctl, &map);

    if (rc != CTL_EXIT_OK)
        return rc;
    if (ctl->json)
        show_json(map);
    else
        show_text(map);
    shardmap_put(map);
    return CTL_EXIT_OK;
}

/* ---- map validate ------------------------------------------------------ */

int cmd_map_validate(struct ctl *ctl, char **argv)
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
void lookup_names(char *buf, size_t len, const struct shardmap_keyspace *ks, bool reference)
{
    int n = reference ? ks->nreference_tables : ks->ntables;

    snprintf(buf, len, "%s", n ? "" : "none");
    for (int i = 0; i < n && strlen(buf) + 1 < len; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "",
                 reference ? ks->reference_tables[i] : ks->tables[i].name);
}

/* Why the table cannot be looked up in sharded keyspace ks. */
int lookup_bad_table(struct ctl *ctl, const struct shardmap *map,
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

void lookup_print(struct ctl *ctl, const struct shardmap *map, char **argv,
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
    shardmap_format_addr(&sh->primary, primary, sizeof(primary));
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

int cmd_lookup(struct ctl *ctl, char **argv)
{
    const struct shardmap_keyspace *ks;
    const struct shardmap_table *t = NULL;
    struct shardmap *map;
    uint64_t ksid;
    int rc = ctl_load(ctl, &map);

    if (rc != CTL_EXIT_OK)
        return rc;
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

/* ---- map diff ------------------------------------------------------------ */

/*
 * A map named on the command line: "catalog:N" or "catalog:latest" (from
 * the catalog), else a file. Returns an exit code; *out on CTL_EXIT_OK.
 */
int ctl_load_spec(struct ctl *ctl, const char *spec, struct shardmap **out)
{
    char err[1024];
    uint64_t version = 0;
    int rc;

    *out = NULL;
    if (strncmp(spec, "catalog:", 8) == 0) {
        if (strcmp(spec + 8, "latest") != 0 &&
            (ctl_parse_u64(spec + 8, &version) == -1 || version == 0))
            return ctl_usage_err("\"%s\": write catalog:N with N a published version, or "
                                 "catalog:latest (a file named so: ./%s)",
                                 spec, spec);
        if ((rc = ctl_catalog(ctl, spec)) != CTL_EXIT_OK)
            return rc;
        *out = catalog_load(ctl->cat, version, err, sizeof(err));
    } else {
        *out = shardmap_load_file(spec, err, sizeof(err));
    }
    return *out != NULL ? CTL_EXIT_OK : ctl_fail(ctl, "%s", err);
}

void json_table(struct json *j, const char *key, const struct shardmap_table *t)
{
    json_open(j, key, '{');
    json_str(j, "name", t->name);
    json_str(j, "key", t->key);
    json_str(j, "key_type", t->key_type == SHARDMAP_KEY_STRING ? "string" : "int");
    json_bool(j, "key_ci", t->key_ci);
    json_close(j, '}');
}

/* The kind-specific members of one change. */
void json_change_detail(struct json *j, const struct shardmap_change *ch)
{
    char buf[SHARDMAP_RANGE_MAX];

    switch (ch->kind) {
    case SHARDMAP_CHANGE_HASH:
        json_str(j, "from", shardmap_hash_name(ch->hash_a));
        json_str(j, "to", shardmap_hash_name(ch->hash_b));
        break;
    case SHARDMAP_CHANGE_KEYSPACE_ADDED:
    case SHARDMAP_CHANGE_KEYSPACE_REMOVED:
    case SHARDMAP_CHANGE_KEYSPACE_SHARDED:
        json_bool(j, "sharded", (ch->ks_b ? ch->ks_b : ch->ks_a)->sharded);
        break;
    case SHARDMAP_CHANGE_KEYSPACE_XSHARD:
        json_str(j, "from", shardmap_xshard_name(ch->ks_a->cross_shard));
        json_str(j, "to", shardmap_xshard_name(ch->ks_b->cross_shard));
        break;
    case SHARDMAP_CHANGE_TABLE_ADDED:
    case SHARDMAP_CHANGE_TABLE_REMOVED:
    case SHARDMAP_CHANGE_TABLE_KEY:
        if (ch->table_a != NULL)
            json_table(j, "from", ch->table_a);
        if (ch->table_b != NULL)
            json_table(j, "to", ch->table_b);
        break;
    case SHARDMAP_CHANGE_REFERENCE_ADDED:
    case SHARDMAP_CHANGE_REFERENCE_REMOVED:
        json_str(j, "table", ch->reference);
        break;
    case SHARDMAP_CHANGE_RANGE_MOVED:
    case SHARDMAP_CHANGE_SHARD_CHANGED:
        shardmap_format_range(ch->start, ch->end, ch->end_max, buf, sizeof(buf));
        json_str(j, "range", buf);
        snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)ch->start);
        json_str(j, "first_id", buf);
        snprintf(buf, sizeof(buf), "%016llx",
                 ch->end_max ? (unsigned long long)UINT64_MAX : (unsigned long long)ch->end - 1);
        json_str(j, "last_id", buf);
        if (ch->kind == SHARDMAP_CHANGE_SHARD_CHANGED) {
            json_open(j, "changed", '[');
            if (ch->what & SHARDMAP_DIFF_RANGE)
                json_str(j, NULL, "range");
            if (ch->what & SHARDMAP_DIFF_PRIMARY)
                json_str(j, NULL, "primary");
            if (ch->what & SHARDMAP_DIFF_REPLICAS)
                json_str(j, NULL, "replicas");
            json_close(j, ']');
        }
        json_shard(j, "from", ch->shard_a);
        json_shard(j, "to", ch->shard_b);
        break;
    }
}

void diff_json_change(void *ctx, const struct shardmap_change *ch)
{
    struct json *j = ctx;
    char desc[2048];

    shardmap_change_describe(ch, desc, sizeof(desc));
    json_open(j, NULL, '{');
    json_str(j, "kind", shardmap_change_kind_name(ch->kind));
    json_str(j, "keyspace", ch->keyspace);
    json_str(j, "description", desc);
    json_change_detail(j, ch);
    json_close(j, '}');
}

void diff_text_change(void *ctx, const struct shardmap_change *ch)
{
    char desc[2048];

    shardmap_change_describe(ch, desc, sizeof(desc));
    printf("  %s\n", desc);
}

void json_map_ref(struct json *j, const char *key, const struct shardmap *map)
{
    json_open(j, key, '{');
    json_str(j, "source", map->source);
    json_uint(j, "version", map->version);
    json_close(j, '}');
}

/* "SOURCE (version N)", or SOURCE alone when it already ends with
 * "version N" (maps read from the catalog). */
void ctl_map_name(char *buf, size_t len, const struct shardmap *map)
{
    char ver[48];
    size_t sl = strlen(map->source), vl;

    snprintf(ver, sizeof(ver), " version %llu", (unsigned long long)map->version);
    vl = strlen(ver);
    if (sl >= vl && strcmp(map->source + sl - vl, ver) == 0)
        snprintf(buf, len, "%s", map->source);
    else
        snprintf(buf, len, "%s (%s)", map->source, ver + 1);
}

int cmd_map_diff(struct ctl *ctl, char **argv)
{
    struct shardmap *a, *b;
    int rc, n;

    if ((rc = ctl_load_spec(ctl, argv[0], &a)) != CTL_EXIT_OK)
        return rc;
    if ((rc = ctl_load_spec(ctl, argv[1], &b)) != CTL_EXIT_OK) {
        shardmap_put(a);
        return rc;
    }
    n = shardmap_diff(a, b, NULL, NULL);
    if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_map_ref(&j, "from", a);
        json_map_ref(&j, "to", b);
        json_bool(&j, "identical", n == 0);
        json_open(&j, "changes", '[');
        shardmap_diff(a, b, diff_json_change, &j);
        json_close(&j, ']');
        json_close(&j, '}');
    } else {
        char na[1200], nb[1200];
        ctl_map_name(na, sizeof(na), a);
        ctl_map_name(nb, sizeof(nb), b);
        if (n == 0)
            printf("%s and %s have the same content\n", na, nb);
        else
            printf("%s -> %s: %d %s\n", na, nb, n, ctl_plural(n, "change", "changes"));
        shardmap_diff(a, b, diff_text_change, NULL);
    }
    shardmap_put(a);
    shardmap_put(b);
    return CTL_EXIT_OK;
}
