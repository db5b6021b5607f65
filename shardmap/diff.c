/*
 * diff.c — what changed between two versions of the shard map: keyspaces,
 * tables, reference tables, and above all which keyspace-id ranges moved
 * between which shards (the copy work of a split, merge or move), computed
 * on the refined partition of both maps' range boundaries.
 *
 * Pure: no allocation, no I/O, no global state. Each difference is handed
 * to the caller's callback as a struct shardmap_change pointing into the
 * two maps; shardmap_change_describe turns one into a sentence.
 */
#include "shardmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct diff_ctx {
    void (*fn)(void *ctx, const struct shardmap_change *ch);
    void *ctx;
    int count;
};

static void diff_emit(struct diff_ctx *d, const struct shardmap_change *ch)
{
    d->count++;
    if (d->fn != NULL)
        d->fn(d->ctx, ch);
}

/* ---- keyspace contents ------------------------------------------------- */

static bool diff_same_table(const struct shardmap_table *x, const struct shardmap_table *y)
{
    bool seq = (x->seq_keyspace == NULL) == (y->seq_keyspace == NULL) &&
               (x->seq_keyspace == NULL || (strcmp(x->seq_keyspace, y->seq_keyspace) == 0 &&
                                            strcmp(x->seq_table, y->seq_table) == 0));
    return strcmp(x->key, y->key) == 0 && x->key_type == y->key_type && x->key_ci == y->key_ci &&
           seq;
}

static void diff_tables(struct diff_ctx *d, const struct shardmap_keyspace *ka,
                        const struct shardmap_keyspace *kb)
{
    struct shardmap_change ch = {.keyspace = kb->name, .ks_a = ka, .ks_b = kb};

    for (int i = 0; i < ka->ntables; i++) {
        if (shardmap_table(kb, ka->tables[i].name) == NULL) {
            ch.kind = SHARDMAP_CHANGE_TABLE_REMOVED;
            ch.table_a = &ka->tables[i];
            ch.table_b = NULL;
            diff_emit(d, &ch);
        }
    }
    for (int i = 0; i < kb->ntables; i++) {
        const struct shardmap_table *ta = shardmap_table(ka, kb->tables[i].name);
        if (ta != NULL && diff_same_table(ta, &kb->tables[i]))
            continue;
        ch.kind = ta == NULL ? SHARDMAP_CHANGE_TABLE_ADDED : SHARDMAP_CHANGE_TABLE_KEY;
        ch.table_a = ta;
        ch.table_b = &kb->tables[i];
        diff_emit(d, &ch);
    }
}

static void diff_references(struct diff_ctx *d, const struct shardmap_keyspace *ka,
                            const struct shardmap_keyspace *kb)
{
    struct shardmap_change ch = {.keyspace = kb->name, .ks_a = ka, .ks_b = kb};

    for (int i = 0; i < ka->nreference_tables; i++) {
        if (!shardmap_is_reference(kb, ka->reference_tables[i])) {
            ch.kind = SHARDMAP_CHANGE_REFERENCE_REMOVED;
            ch.reference = ka->reference_tables[i];
            diff_emit(d, &ch);
        }
    }
    for (int i = 0; i < kb->nreference_tables; i++) {
        if (!shardmap_is_reference(ka, kb->reference_tables[i])) {
            ch.kind = SHARDMAP_CHANGE_REFERENCE_ADDED;
            ch.reference = kb->reference_tables[i];
            diff_emit(d, &ch);
        }
    }
}

/* ---- ranges ------------------------------------------------------------ */

static bool diff_same_addr(const struct shardmap_addr *x, const struct shardmap_addr *y)
{
    return x->port == y->port && strcmp(x->host, y->host) == 0;
}

static bool diff_has_addr(const struct shardmap_addr *list, int n, const struct shardmap_addr *a)
{
    for (int i = 0; i < n; i++) {
        if (diff_same_addr(&list[i], a))
            return true;
    }
    return false;
}

/* Same set of replicas with the same weights, in any order (a map refuses
 * repeated replicas). */
static bool diff_same_replicas(const struct shardmap_shard *x, const struct shardmap_shard *y)
{
    if (x->nreplicas != y->nreplicas)
        return false;
    for (int i = 0; i < x->nreplicas; i++) {
        bool same = false;
        for (int j = 0; j < y->nreplicas && !same; j++)
            same = diff_same_addr(&y->replicas[j], &x->replicas[i]) &&
                   y->replicas[j].weight == x->replicas[i].weight;
        if (!same)
            return false;
    }
    return true;
}

/* Does data owned by x in the old map stay put when y owns it in the new
 * one? Same schema, and y's primary already had the data (x's primary or
 * one of its replicas). */
static bool diff_data_stays(const struct shardmap_shard *x, const struct shardmap_shard *y)
{
    if (strcmp(x->schema, y->schema) != 0)
        return false;
    return diff_same_addr(&x->primary, &y->primary) ||
           diff_has_addr(x->replicas, x->nreplicas, &y->primary);
}

static bool diff_same_range(const struct shardmap_shard *x, const struct shardmap_shard *y)
{
    return x->start == y->start && x->end_max == y->end_max && (x->end_max || x->end == y->end);
}

/* Exclusive end of sh as (end, max). Is x's end before y's? */
static bool diff_end_before(const struct shardmap_shard *x, const struct shardmap_shard *y)
{
    if (x->end_max)
        return false;
    return y->end_max || x->end < y->end;
}

/*
 * Report the piece [start, end of ends_first) owned by sa in the old map and
 * sb in the new one, if anything changed for it. A piece is the
 * intersection of one old and one new shard, so two pieces never share
 * both shards: there is nothing left to merge.
 */
static void diff_piece(struct diff_ctx *d, const char *ks, const struct shardmap_shard *sa,
                       const struct shardmap_shard *sb, uint64_t start,
                       const struct shardmap_shard *ends_first)
{
    struct shardmap_change ch = {.keyspace = ks, .shard_a = sa, .shard_b = sb, .start = start};

    ch.end = ends_first->end;
    ch.end_max = ends_first->end_max;
    if (!diff_data_stays(sa, sb)) {
        ch.kind = SHARDMAP_CHANGE_RANGE_MOVED;
    } else {
        ch.kind = SHARDMAP_CHANGE_SHARD_CHANGED;
        if (!diff_same_range(sa, sb))
            ch.what |= SHARDMAP_DIFF_RANGE;
        if (!diff_same_addr(&sa->primary, &sb->primary))
            ch.what |= SHARDMAP_DIFF_PRIMARY;
        if (!diff_same_replicas(sa, sb))
            ch.what |= SHARDMAP_DIFF_REPLICAS;
        if (ch.what == 0) /* nothing changed for these ids */
            return;
    }
    diff_emit(d, &ch);
}

/*
 * Walk the shards of both keyspaces together (both sorted by start and
 * covering the whole id space, as a loaded map guarantees): each step is
 * one piece of the refined partition, owned by shards[i] of a and
 * shards[j] of b, ending where the first of the two ends.
 */
static void diff_ranges(struct diff_ctx *d, const struct shardmap_keyspace *ka,
                        const struct shardmap_keyspace *kb)
{
    uint64_t pos = 0;
    int i = 0, j = 0;

    while (i < ka->nshards && j < kb->nshards) {
        const struct shardmap_shard *sa = &ka->shards[i], *sb = &kb->shards[j];
        const struct shardmap_shard *first = diff_end_before(sb, sa) ? sb : sa;
        bool a_ends = !diff_end_before(sb, sa), b_ends = !diff_end_before(sa, sb);

        diff_piece(d, kb->name, sa, sb, pos, first);
        if (first->end_max)
            break;
        pos = first->end;
        i += a_ends;
        j += b_ends;
    }
}

static void diff_keyspace(struct diff_ctx *d, const struct shardmap_keyspace *ka,
                          const struct shardmap_keyspace *kb)
{
    if (ka->sharded != kb->sharded) {
        struct shardmap_change ch = {
            .kind = SHARDMAP_CHANGE_KEYSPACE_SHARDED, .keyspace = kb->name, .ks_a = ka, .ks_b = kb};
        diff_emit(d, &ch);
    }
    if (ka->cross_shard != kb->cross_shard) {
        struct shardmap_change ch = {
            .kind = SHARDMAP_CHANGE_KEYSPACE_XSHARD, .keyspace = kb->name, .ks_a = ka, .ks_b = kb};
        diff_emit(d, &ch);
    }
    diff_tables(d, ka, kb);
    diff_references(d, ka, kb);
    diff_ranges(d, ka, kb);
}

/* See shardmap.h. */
int shardmap_diff(const struct shardmap *a, const struct shardmap *b,
                  void (*fn)(void *ctx, const struct shardmap_change *ch), void *ctx)
{
    struct diff_ctx d = {fn, ctx, 0};

    if (a == NULL || b == NULL)
        return 0;
    if (a->hash != b->hash) {
        struct shardmap_change ch = {
            .kind = SHARDMAP_CHANGE_HASH, .hash_a = a->hash, .hash_b = b->hash};
        diff_emit(&d, &ch);
    }
    for (int k = 0; k < a->nkeyspaces; k++) {
        const struct shardmap_keyspace *ka = &a->keyspaces[k];
        if (shardmap_keyspace(b, ka->name) == NULL) {
            struct shardmap_change ch = {
                .kind = SHARDMAP_CHANGE_KEYSPACE_REMOVED, .keyspace = ka->name, .ks_a = ka};
            diff_emit(&d, &ch);
        }
    }
    for (int k = 0; k < b->nkeyspaces; k++) {
        const struct shardmap_keyspace *kb = &b->keyspaces[k];
        const struct shardmap_keyspace *ka = shardmap_keyspace(a, kb->name);
        if (ka == NULL) {
            struct shardmap_change ch = {
                .kind = SHARDMAP_CHANGE_KEYSPACE_ADDED, .keyspace = kb->name, .ks_b = kb};
            diff_emit(&d, &ch);
        } else {
            diff_keyspace(&d, ka, kb);
        }
    }
    return d.count;
}

/* ---- describing a change ----------------------------------------------- */

const char *shardmap_change_kind_name(enum shardmap_change_kind kind)
{
    static const char *const names[] = {
        [SHARDMAP_CHANGE_HASH] = "hash_changed",
        [SHARDMAP_CHANGE_KEYSPACE_ADDED] = "keyspace_added",
        [SHARDMAP_CHANGE_KEYSPACE_REMOVED] = "keyspace_removed",
        [SHARDMAP_CHANGE_KEYSPACE_SHARDED] = "keyspace_sharded_changed",
        [SHARDMAP_CHANGE_TABLE_ADDED] = "table_added",
        [SHARDMAP_CHANGE_TABLE_REMOVED] = "table_removed",
        [SHARDMAP_CHANGE_TABLE_KEY] = "table_key_changed",
        [SHARDMAP_CHANGE_REFERENCE_ADDED] = "reference_table_added",
        [SHARDMAP_CHANGE_REFERENCE_REMOVED] = "reference_table_removed",
        [SHARDMAP_CHANGE_RANGE_MOVED] = "range_moved",
        [SHARDMAP_CHANGE_SHARD_CHANGED] = "shard_changed",
        [SHARDMAP_CHANGE_KEYSPACE_XSHARD] = "cross_shard_transactions_changed",
    };

    if ((unsigned)kind >= sizeof(names) / sizeof(names[0]) || names[kind] == NULL)
        return "unknown";
    return names[kind];
}

/* An appending snprintf that never overruns and always NUL-terminates. */
struct desc {
    char *buf;
    size_t len, used;
};

static void desc_add(struct desc *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void desc_add(struct desc *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->used + 1 >= o->len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used += (size_t)n < o->len - o->used ? (size_t)n : o->len - o->used - 1;
}

static void desc_addr(struct desc *o, const struct shardmap_addr *a)
{
    char buf[SHARDMAP_ADDR_MAX];

    shardmap_format_addr(a, buf, sizeof(buf));
    desc_add(o, "%s", buf);
}

static void desc_replicas(struct desc *o, const struct shardmap_shard *sh)
{
    if (sh->nreplicas == 0)
        desc_add(o, "none");
    for (int r = 0; r < sh->nreplicas; r++) {
        desc_add(o, "%s", r ? ", " : "");
        desc_addr(o, &sh->replicas[r]);
    }
}

static void desc_shard(struct desc *o, const struct shardmap_shard *sh)
{
    desc_add(o, "%s (primary ", sh->name);
    desc_addr(o, &sh->primary);
    desc_add(o, ", schema %s)", sh->schema);
}

static void desc_table(struct desc *o, const struct shardmap_table *t)
{
    desc_add(o, "%s (%s%s", t->key, t->key_type == SHARDMAP_KEY_STRING ? "string" : "int",
             t->key_ci ? ", case-insensitive" : "");
    if (t->seq_keyspace != NULL)
        desc_add(o, ", sequence %s.%s", t->seq_keyspace, t->seq_table);
    desc_add(o, ")");
}

/* "range 40-80 (ids 4000000000000000..7fffffffffffffff)" */
static void desc_range(struct desc *o, const struct shardmap_change *ch)
{
    char range[SHARDMAP_RANGE_MAX];

    shardmap_format_range(ch->start, ch->end, ch->end_max, range, sizeof(range));
    desc_add(o, "range %s (ids %016llx..%016llx)", range, (unsigned long long)ch->start,
             ch->end_max ? (unsigned long long)UINT64_MAX : (unsigned long long)ch->end - 1);
}

static void desc_shard_changed(struct desc *o, const struct shardmap_change *ch)
{
    const struct shardmap_shard *sa = ch->shard_a, *sb = ch->shard_b;

    desc_range(o, ch);
    desc_add(o, " stays in schema %s on ", sb->schema);
    desc_addr(o, &sb->primary);
    if (ch->what & SHARDMAP_DIFF_RANGE)
        desc_add(o, "; shard %s becomes %s", sa->name, sb->name);
    else
        desc_add(o, "; shard %s", sb->name);
    if (ch->what & SHARDMAP_DIFF_PRIMARY) {
        desc_add(o, ": primary ");
        desc_addr(o, &sa->primary);
        desc_add(o, " -> ");
        desc_addr(o, &sb->primary);
    }
    if (ch->what & SHARDMAP_DIFF_REPLICAS) {
        desc_add(o, "%s replicas ", ch->what & SHARDMAP_DIFF_PRIMARY ? ";" : ":");
        desc_replicas(o, sa);
        desc_add(o, " -> ");
        desc_replicas(o, sb);
    }
}

static void desc_keyspace_change(struct desc *o, const struct shardmap_change *ch)
{
    const struct shardmap_keyspace *ks = ch->ks_a ? ch->ks_a : ch->ks_b;

    if (ch->kind == SHARDMAP_CHANGE_KEYSPACE_XSHARD) {
        desc_add(o, "keyspace \"%s\": cross_shard_transactions is now %s (was %s)", ch->keyspace,
                 shardmap_xshard_name(ch->ks_b->cross_shard),
                 shardmap_xshard_name(ch->ks_a->cross_shard));
        return;
    }
    if (ch->kind == SHARDMAP_CHANGE_KEYSPACE_SHARDED) {
        desc_add(o, "keyspace \"%s\" is now %s (was %s)", ch->keyspace,
                 ch->ks_b->sharded ? "sharded" : "unsharded",
                 ch->ks_a->sharded ? "sharded" : "unsharded");
        return;
    }
    desc_add(o, "keyspace \"%s\" %s (%s, %d shard%s, %d sharded table%s, %d reference table%s)",
             ch->keyspace, ch->kind == SHARDMAP_CHANGE_KEYSPACE_ADDED ? "added" : "removed",
             ks->sharded ? "sharded" : "unsharded", ks->nshards, ks->nshards == 1 ? "" : "s",
             ks->ntables, ks->ntables == 1 ? "" : "s", ks->nreference_tables,
             ks->nreference_tables == 1 ? "" : "s");
}

/* See shardmap.h. */
void shardmap_change_describe(const struct shardmap_change *ch, char *buf, size_t len)
{
    struct desc o = {buf, len, 0};

    if (buf == NULL || len == 0)
        return;
    buf[0] = '\0';
    switch (ch->kind) {
    case SHARDMAP_CHANGE_HASH:
        desc_add(&o,
                 "hash changed from %s to %s: every value gets a new keyspace id, so almost "
                 "every row belongs on another shard",
                 shardmap_hash_name(ch->hash_a), shardmap_hash_name(ch->hash_b));
        return;
    case SHARDMAP_CHANGE_KEYSPACE_ADDED:
    case SHARDMAP_CHANGE_KEYSPACE_REMOVED:
    case SHARDMAP_CHANGE_KEYSPACE_SHARDED:
    case SHARDMAP_CHANGE_KEYSPACE_XSHARD:
        desc_keyspace_change(&o, ch);
        return;
    default:
        break;
    }
    desc_add(&o, "keyspace \"%s\": ", ch->keyspace);
    switch (ch->kind) {
    case SHARDMAP_CHANGE_TABLE_ADDED:
        desc_add(&o, "sharded table \"%s\" added, key ", ch->table_b->name);
        desc_table(&o, ch->table_b);
        break;
    case SHARDMAP_CHANGE_TABLE_REMOVED:
        desc_add(&o, "sharded table \"%s\" removed, key was ", ch->table_a->name);
        desc_table(&o, ch->table_a);
        break;
    case SHARDMAP_CHANGE_TABLE_KEY:
        desc_add(&o, "table \"%s\" shard key changed from ", ch->table_b->name);
        desc_table(&o, ch->table_a);
        desc_add(&o, " to ");
        desc_table(&o, ch->table_b);
        desc_add(&o, ": its rows get new keyspace ids");
        break;
    case SHARDMAP_CHANGE_REFERENCE_ADDED:
    case SHARDMAP_CHANGE_REFERENCE_REMOVED:
        desc_add(&o, "reference table \"%s\" %s", ch->reference,
                 ch->kind == SHARDMAP_CHANGE_REFERENCE_ADDED ? "added" : "removed");
        break;
    case SHARDMAP_CHANGE_RANGE_MOVED:
        desc_range(&o, ch);
        desc_add(&o, " moved from ");
        desc_shard(&o, ch->shard_a);
        desc_add(&o, " to ");
        desc_shard(&o, ch->shard_b);
        break;
    case SHARDMAP_CHANGE_SHARD_CHANGED:
        desc_shard_changed(&o, ch);
        break;
    default:
        desc_add(&o, "unknown change");
        break;
    }
}
