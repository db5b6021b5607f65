/*
 * shardmap.c — the loaded map's life cycle (reference counting), queries
 * (keyspace, table, reference table, shard owning a keyspace id) and the
 * canonical text form. Loading and validation live in load.c, keyspace ids
 * in ksid.c, address and range syntax in parse.c.
 */
#include "shardmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void shardmap_free_keyspace(struct shardmap_keyspace *ks)
{
    for (int i = 0; i < ks->ntables; i++) {
        free(ks->tables[i].name);
        free(ks->tables[i].key);
        free(ks->tables[i].seq_keyspace);
        free(ks->tables[i].seq_table);
    }
    free(ks->tables);
    for (int i = 0; i < ks->nreference_tables; i++)
        free(ks->reference_tables[i]);
    free(ks->reference_tables);
    for (int i = 0; i < ks->nshards; i++) {
        free(ks->shards[i].name);
        free(ks->shards[i].range);
        free(ks->shards[i].replicas);
        free(ks->shards[i].schema);
    }
    free(ks->shards);
    free(ks->starts);
    free(ks->name);
}

/* Free a map and everything it owns. Tolerates a partly built map (any
 * pointer NULL, counts matching what was allocated), as load.c relies on. */
static void shardmap_free(struct shardmap *map)
{
    for (int i = 0; i < map->nkeyspaces; i++)
        shardmap_free_keyspace(&map->keyspaces[i]);
    free(map->keyspaces);
    free(map->source);
    free(map);
}

/* Take a reference. Returns map (NULL stays NULL). Thread-safe. */
struct shardmap *shardmap_get(struct shardmap *map)
{
    if (map != NULL)
        __atomic_add_fetch(&map->refcount, 1, __ATOMIC_RELAXED);
    return map;
}

/* Drop a reference; the last one frees the map. Thread-safe; NULL is a
 * no-op. The acquire-release ordering makes every other holder's reads
 * happen before the free. */
void shardmap_put(struct shardmap *map)
{
    if (map == NULL)
        return;
    if (__atomic_sub_fetch(&map->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        shardmap_free(map);
}

/* Keyspace named exactly name, or NULL. The result lives as long as map. */
const struct shardmap_keyspace *shardmap_keyspace(const struct shardmap *map, const char *name)
{
    if (map == NULL || name == NULL)
        return NULL;
    for (int i = 0; i < map->nkeyspaces; i++) {
        if (strcmp(map->keyspaces[i].name, name) == 0)
            return &map->keyspaces[i];
    }
    return NULL;
}

/* Sharded table of ks named exactly name, or NULL. */
const struct shardmap_table *shardmap_table(const struct shardmap_keyspace *ks, const char *name)
{
    if (ks == NULL || name == NULL)
        return NULL;
    for (int i = 0; i < ks->ntables; i++) {
        if (strcmp(ks->tables[i].name, name) == 0)
            return &ks->tables[i];
    }
    return NULL;
}

/* True if name is one of ks's reference tables (exact comparison). */
bool shardmap_is_reference(const struct shardmap_keyspace *ks, const char *name)
{
    if (ks == NULL || name == NULL)
        return false;
    for (int i = 0; i < ks->nreference_tables; i++) {
        if (strcmp(ks->reference_tables[i], name) == 0)
            return true;
    }
    return false;
}

/*
 * Shard owning ksid: the last shard whose start is <= ksid. Shards are
 * sorted by start and cover the whole id space from 0 (load.c checks it),
 * so the first shard always qualifies. NULL only for a keyspace without
 * shards, which a loaded map never has.
 */
const struct shardmap_shard *shardmap_lookup(const struct shardmap_keyspace *ks, uint64_t ksid)
{
    if (ks == NULL || ks->nshards == 0)
        return NULL;
    const uint64_t *a = ks->starts;
    size_t base = 0, n = (size_t)ks->nshards;
    if (a == NULL) {
        /* A keyspace not built by the loader: search the shards themselves. */
        while (n > 1) {
            size_t half = n / 2;
            base = ks->shards[base + half].start <= ksid ? base + half : base;
            n -= half;
        }
        return &ks->shards[base];
    }
    /* The last start <= ksid (starts[0] is 0: the shards tile the space).
     * Halving without an early exit compiles to conditional moves, so the
     * search costs the same for every id and no branch is mispredicted. */
    while (n > 1) {
        size_t half = n / 2;
        base = a[base + half] <= ksid ? base + half : base;
        n -= half;
    }
    return &ks->shards[base];
}

/* A growing string for shardmap_to_string; on allocation failure it goes
 * into a failed state and every later append is a no-op. */
struct strbuf {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void strbuf_grow(struct strbuf *sb, size_t need)
{
    size_t cap = sb->cap ? sb->cap : 1024;
    char *p;

    while (cap - sb->len <= need)
        cap *= 2;
    p = realloc(sb->buf, cap);
    if (p == NULL) {
        sb->failed = true;
        return;
    }
    sb->buf = p;
    sb->cap = cap;
}

static void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (sb->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if (sb->cap - sb->len <= (size_t)n) {
        strbuf_grow(sb, (size_t)n);
        if (sb->failed)
            return;
    }
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

/* Append s as a libconfig string literal (quotes and escapes included). */
static void strbuf_quote(struct strbuf *sb, const char *s)
{
    strbuf_printf(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_printf(sb, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            strbuf_printf(sb, "\\x%02x", *p);
        else
            strbuf_printf(sb, "%c", *p);
    }
    strbuf_printf(sb, "\"");
}

static void strbuf_addr(struct strbuf *sb, const struct shardmap_addr *a)
{
    char text[SHARDMAP_ADDR_MAX];

    shardmap_format_addr(a, text, sizeof(text));
    strbuf_quote(sb, text);
}

static void strbuf_shard(struct strbuf *sb, const struct shardmap_keyspace *ks,
                         const struct shardmap_shard *sh, bool last)
{
    strbuf_printf(sb, "      { ");
    if (ks->sharded) {
        strbuf_printf(sb, "range = ");
        strbuf_quote(sb, sh->range);
        strbuf_printf(sb, "; ");
    }
    strbuf_printf(sb, "primary = ");
    strbuf_addr(sb, &sh->primary);
    strbuf_printf(sb, ";");
    if (sh->nreplicas > 0) {
        strbuf_printf(sb, " replicas = (");
        for (int r = 0; r < sh->nreplicas; r++) {
            strbuf_printf(sb, r ? ", " : " ");
            if (sh->replicas[r].weight > 1) {
                strbuf_printf(sb, "{ address = ");
                strbuf_addr(sb, &sh->replicas[r]);
                strbuf_printf(sb, "; weight = %d; }", sh->replicas[r].weight);
            } else {
                strbuf_addr(sb, &sh->replicas[r]);
            }
        }
        strbuf_printf(sb, " );");
    }
    strbuf_printf(sb, " schema = ");
    strbuf_quote(sb, sh->schema);
    strbuf_printf(sb, "; }%s\n", last ? "" : ",");
}

static void strbuf_keyspace(struct strbuf *sb, const struct shardmap_keyspace *ks, bool last)
{
    strbuf_printf(sb, "  {\n    name = ");
    strbuf_quote(sb, ks->name);
    strbuf_printf(sb, ";\n    sharded = %s;\n", ks->sharded ? "true" : "false");
    if (ks->cross_shard != SHARDMAP_XSHARD_REFUSE)
        strbuf_printf(sb, "    cross_shard_transactions = \"%s\";\n",
                      shardmap_xshard_name(ks->cross_shard));
    if (ks->ntables > 0) {
        strbuf_printf(sb, "    tables = (\n");
        for (int t = 0; t < ks->ntables; t++) {
            const struct shardmap_table *tb = &ks->tables[t];
            strbuf_printf(sb, "      { name = ");
            strbuf_quote(sb, tb->name);
            strbuf_printf(sb, "; key = ");
            strbuf_quote(sb, tb->key);
            strbuf_printf(sb, "; key_type = \"%s\";",
                          tb->key_type == SHARDMAP_KEY_STRING ? "string" : "int");
            if (tb->key_ci)
                strbuf_printf(sb, " key_ci = true;");
            if (tb->seq_keyspace != NULL) {
                strbuf_printf(sb, " sequence = ");
                char seq[520];
                snprintf(seq, sizeof(seq), "%s.%s", tb->seq_keyspace, tb->seq_table);
                strbuf_quote(sb, seq);
                strbuf_printf(sb, ";");
            }
            strbuf_printf(sb, " }%s\n", t + 1 < ks->ntables ? "," : "");
        }
        strbuf_printf(sb, "    );\n");
    }
    if (ks->nreference_tables > 0) {
        strbuf_printf(sb, "    reference_tables = (");
        for (int r = 0; r < ks->nreference_tables; r++) {
            strbuf_printf(sb, r ? ", " : " ");
            strbuf_quote(sb, ks->reference_tables[r]);
        }
        strbuf_printf(sb, " );\n");
    }
    strbuf_printf(sb, "    shards = (\n");
    for (int s = 0; s < ks->nshards; s++)
        strbuf_shard(sb, ks, &ks->shards[s], s + 1 == ks->nshards);
    strbuf_printf(sb, "    );\n  }%s\n", last ? "" : ",");
}

/*
 * The map in the file format, canonical: every setting written explicitly
 * (key_type included), shards in id order. Loading the result gives an
 * equal map. Returns a malloc'd string the caller frees, or NULL when out
 * of memory.
 */
char *shardmap_to_string(const struct shardmap *map)
{
    struct strbuf sb = {0};

    if (map == NULL)
        return NULL;
    /* libconfig reads integers above 2^31-1 only with the L suffix. */
    strbuf_printf(&sb, "version = %llu%s;\n", (unsigned long long)map->version,
                  map->version > 2147483647ULL ? "L" : "");
    strbuf_printf(&sb, "hash = \"%s\";\n", map->hash == SHARDMAP_HASH_XXH64 ? "xxh64" : "xxh3");
    strbuf_printf(&sb, "keyspaces = (\n");
    for (int k = 0; k < map->nkeyspaces; k++)
        strbuf_keyspace(&sb, &map->keyspaces[k], k + 1 == map->nkeyspaces);
    strbuf_printf(&sb, ");\n");
    if (sb.failed) {
        free(sb.buf);
        return NULL;
    }
    return sb.buf;
}
