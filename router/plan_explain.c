/* plan_explain — a plan as (name, value) lines: EXPLAIN ROUTE in the router
 * and `shardctl explain`. See include/plan.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

/* A line's value, composed with printf-like appends. */
struct line {
    char v[2048];
    size_t n;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
    if (l->n >= sizeof(l->v) - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->v + l->n, sizeof(l->v) - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n += (size_t)k < sizeof(l->v) - l->n ? (size_t)k : sizeof(l->v) - 1 - l->n;
}

static const char *merge_name(enum plan_merge_kind k)
{
    switch (k) {
    case PLAN_MERGE_NONE:
        return "none (one shard's answer relayed as it is)";
    case PLAN_MERGE_CONCAT:
        return "concatenate the shards' rows";
    case PLAN_MERGE_SORTED:
        return "k-way merge of the shards' sorted rows";
    case PLAN_MERGE_AGGREGATE:
        return "combine the shards' aggregates into one row";
    case PLAN_MERGE_GROUPED:
        return "combine the shards' groups (sorted on the group keys)";
    case PLAN_MERGE_AFFECTED:
        return "add up affected rows";
    case PLAN_MERGE_SAME:
        return "every shard must succeed (a partial failure names the shards)";
    }
    return "?";
}

static const char *role_name(enum plan_col_role r)
{
    switch (r) {
    case PLAN_COL_COUNT:
        return "COUNT (added)";
    case PLAN_COL_SUM:
        return "SUM (added exactly)";
    case PLAN_COL_MIN:
        return "MIN";
    case PLAN_COL_MAX:
        return "MAX";
    case PLAN_COL_AVG_SUM:
        return "AVG (SUM / COUNT)";
    case PLAN_COL_HIDDEN:
        return "hidden";
    default:
        return "value";
    }
}

static void describe_merge(const struct plan_merge *m, struct line *l)
{
    add(l, "%s", merge_name(m->kind));
    if (m->norder > 0) {
        add(l, m->kind == PLAN_MERGE_GROUPED ? "; group keys:" : "; order:");
        for (int i = 0; i < m->norder; i++) {
            const struct plan_order *o = &m->order[i];
            if (o->column >= PLAN_COL_REL)
                add(l, "%s hidden column %u from the end%s", i ? "," : "",
                    m->nhidden - (o->column - PLAN_COL_REL), o->desc ? " DESC" : "");
            else
                add(l, "%s column %u%s", i ? "," : "", o->column + 1, o->desc ? " DESC" : "");
            if (o->weight >= 0)
                add(l, " (strings by WEIGHT_STRING)");
        }
    }
    if (m->kind == PLAN_MERGE_AGGREGATE || m->kind == PLAN_MERGE_GROUPED) {
        add(l, "; columns:");
        for (int i = 0; i < m->ncols; i++)
            add(l, "%s %d %s", i ? "," : "", i + 1, role_name(m->cols[i].role));
    }
    if (m->distinct)
        add(l, "; DISTINCT");
    if (m->nhidden > 0)
        add(l, "; %u hidden column%s added", m->nhidden, m->nhidden == 1 ? "" : "s");
    if (m->has_limit) {
        if (m->limit == UINT64_MAX)
            add(l, "; OFFSET %" PRIu64 " applied after merging", m->offset);
        else
            add(l, "; LIMIT %" PRIu64 " OFFSET %" PRIu64 " applied after merging", m->limit,
                m->offset);
    }
}

static const char *route_name(const struct plan *p)
{
    if (p->flags & PLAN_F_NEED_IDS)
        return "rows without the shard key get keys from the table's sequence when it runs; "
               "each row then goes to the shard of its key";
    if (p->flags & PLAN_F_SESSION)
        return "handled by the router itself";
    if ((p->flags & PLAN_F_ANY_SHARD) && !(p->flags & PLAN_F_WRITE))
        return "one shard (any shard answers alike; inside a transaction, one it uses)";
    if (p->flags & PLAN_F_EMPTY)
        return "one shard (the pinned key values match no row)";
    if (p->flags & PLAN_F_SCATTER)
        return "scatter: every shard (no shard key pinned)";
    if (p->ks != NULL && !p->ks->sharded)
        return "the keyspace's only shard";
    if (p->flags & PLAN_F_DDL)
        return "every shard (DDL)";
    if ((p->flags & PLAN_F_REFERENCE) && p->ntargets > 1)
        return "every shard (write to reference tables)";
    if (p->flags & PLAN_F_REFERENCE)
        return "one shard (reference tables only)";
    if (p->ntargets == 1)
        return "one shard (shard key pinned)";
    return "the shards owning the pinned key values";
}

int plan_explain(const struct plan *p, const struct cls *c, const struct shardmap *map,
                 plan_line_fn fn, void *ctx)
{
    struct line l;
    char name[32];
#define EMIT(nm)                                                                                   \
    do {                                                                                           \
        if (fn(ctx, (nm), l.v) != 0)                                                               \
            return -1;                                                                             \
    } while (0)
#define START() (l.n = 0, l.v[0] = '\0')

    START();
    add(&l, "%s", cls_kind_name(c->kind));
    EMIT("statement");
    START();
    add(&l, "%" PRIu64, map->version);
    EMIT("map_version");
    START();
    if (p->ks != NULL)
        add(&l, "%s (%s, %d shard%s)", p->ks->name, p->ks->sharded ? "sharded" : "unsharded",
            p->ks->nshards, p->ks->nshards == 1 ? "" : "s");
    else
        add(&l, "-");
    EMIT("keyspace");
    if (p->kind == PLAN_REFUSE) {
        START();
        add(&l, "ERROR %u (%s): %s", p->err_code, p->err_state, p->err_msg);
        EMIT("refused");
        return 0;
    }
    START();
    add(&l, "%s", route_name(p));
    EMIT("route");
    if (p->flags & PLAN_F_NEED_IDS) {
        START();
        add(&l, "%s.%s (%u id%s)", p->seq->seq_keyspace, p->seq->seq_table, p->need_ids,
            p->need_ids == 1 ? "" : "s");
        EMIT("sequence");
        return 0;
    }
    START();
    if (p->nksids == 0)
        add(&l, "-");
    for (unsigned i = 0; i < p->nksids && i < PLAN_MAX_KSIDS; i++)
        add(&l, "%s%016" PRIx64, i ? ", " : "", p->ksids[i]);
    if (p->nksids > PLAN_MAX_KSIDS)
        add(&l, ", ... (%u in all)", p->nksids);
    EMIT("keyspace_ids");
    START();
    add(&l, "%s",
        (p->flags & PLAN_F_PRIMARY)
            ? "primary"
            : "a replica outside transactions (by the session's consistency "
              "and the replicas' health), else primary");
    EMIT("servers");
    START();
    describe_merge(&p->merge, &l);
    EMIT("merge");
    for (int i = 0; i < p->ntargets; i++) {
        const struct shardmap_shard *sh = p->targets[i].shard;
        size_t len;
        const char *sql = plan_sql(p, i, &len);
        START();
        add(&l, "shard %s at %s:%d, schema %s: %.*s", sh->name, sh->primary.host, sh->primary.port,
            sh->schema, (int)(len > 1500 ? 1500 : len), sql);
        if (len > 1500)
            add(&l, " ... (%zu bytes)", len);
        snprintf(name, sizeof(name), "target %d", i + 1);
        EMIT(name);
    }
    return 0;
#undef EMIT
#undef START
}
