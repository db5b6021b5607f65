/*
 * fuzz_plan.c — libFuzzer harness for the route planner (router/plan*.c,
 * include/plan.h), fed by the classifier as the router feeds it.
 *
 * Input: byte 0 picks the session's keyspace (a sharded one over 4
 * shards whose schemas differ from the keyspace name, an unsharded one, or
 * none), the lexer flags and, with bit 7, ids from a sequence; the rest
 * is a SQL text, split with cls_next_statement(). Each statement is
 * classified and planned on an exactly-sized heap copy (AddressSanitizer
 * catches reads past it), twice into the same plan (results must agree),
 * and explained.
 *
 * Invariants (abort() when broken):
 *   - REFUSE: an error code, a 5-character SQLSTATE and a message;
 *   - ROUTE: at most PLAN_MAX_TARGETS targets, each a shard of the plan's
 *     keyspace (or of a keyspace of the map), in increasing shard order,
 *     no shard twice; every target text lies inside p->text or the
 *     statement; a rendered text is not empty unless the statement is;
 *   - merge columns within bounds: order columns, weights, AVG counts and
 *     definitions, and hidden columns at the end;
 *   - NEED_IDS: no targets, a sequence table and a count;
 *   - the same statement plans the same way twice;
 *   - plan_explain() runs to the end.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "classify.h"
#include "plan.h"
#include "shardmap.h"

static const char map_text[] =
    "version = 3;\n"
    "keyspaces = (\n"
    "  { name = \"main\"; shards = ( { primary = \"h:1\"; schema = \"main_db\"; } ); },\n"
    "  { name = \"app\"; sharded = true; cross_shard_transactions = \"best_effort\";\n"
    "    tables = ( { name = \"users\"; key = \"id\"; sequence = \"main.users_seq\"; },\n"
    "               { name = \"orders\"; key = \"user_id\"; },\n"
    "               { name = \"emails\"; key = \"email\"; key_type = \"string\"; key_ci = true; } "
    ");\n"
    "    reference_tables = ( \"countries\" );\n"
    "    shards = ( { range = \"-40\"; primary = \"h:1\"; schema = \"app_s0\"; },\n"
    "               { range = \"40-80\"; primary = \"h:2\"; schema = \"app_s1\"; },\n"
    "               { range = \"80-c0\"; primary = \"h:1\"; schema = \"app_s2\"; },\n"
    "               { range = \"c0-\"; primary = \"h:2\"; schema = \"app_s3\"; } ); }\n"
    ");\n";

static struct shardmap *map;

static bool shard_of_map(const struct shardmap_shard *sh, const struct shardmap_keyspace **ks,
                         int *idx)
{
    for (int k = 0; k < map->nkeyspaces; k++) {
        const struct shardmap_keyspace *x = &map->keyspaces[k];
        if (sh >= x->shards && sh < x->shards + x->nshards) {
            *ks = x;
            *idx = (int)(sh - x->shards);
            return true;
        }
    }
    return false;
}

static void check_plan(const struct plan *p, const char *sql, size_t len)
{
    if (p->kind == PLAN_REFUSE) {
        FUZZ_CHECK(p->err_code != 0);
        FUZZ_CHECK(strlen(p->err_state) == 5);
        FUZZ_CHECK(p->err_msg[0] != '\0');
        return;
    }
    FUZZ_CHECK(p->kind == PLAN_ROUTE);
    FUZZ_CHECK(p->ntargets <= PLAN_MAX_TARGETS);
    if (p->flags & PLAN_F_NEED_IDS) {
        FUZZ_CHECK(p->ntargets == 0 && p->seq != NULL && p->need_ids > 0);
        return;
    }
    int prev = -1;
    const struct shardmap_keyspace *ks0 = NULL;
    for (int i = 0; i < p->ntargets; i++) {
        const struct shardmap_keyspace *ks;
        int idx;
        FUZZ_CHECK(p->targets[i].shard != NULL && shard_of_map(p->targets[i].shard, &ks, &idx));
        if (i == 0)
            ks0 = ks;
        FUZZ_CHECK(ks == ks0);  /* one keyspace per plan */
        FUZZ_CHECK(idx > prev); /* shard order, no shard twice */
        prev = idx;
        size_t n;
        const char *s = plan_sql(p, i, &n);
        if (p->targets[i].original)
            FUZZ_CHECK(s >= sql && s + n <= sql + len);
        else
            FUZZ_CHECK(s >= p->text && s + n <= p->text + p->text_len);
        FUZZ_CHECK(n > 0 || len == 0);
    }
    const struct plan_merge *m = &p->merge;
    if (m->ncols_from_result || m->kind == PLAN_MERGE_NONE || m->kind == PLAN_MERGE_AFFECTED ||
        m->kind == PLAN_MERGE_SAME)
        return;
    FUZZ_CHECK(m->nhidden <= m->ncols);
    for (int i = 0; i < m->norder; i++) {
        FUZZ_CHECK(m->order[i].column < m->ncols);
        FUZZ_CHECK(m->order[i].weight >= -1 && m->order[i].weight < (int)m->ncols);
    }
    for (int i = 0; i < m->ncols; i++) {
        const struct plan_col *c = &m->cols[i];
        FUZZ_CHECK((c->role == PLAN_COL_HIDDEN) == (i >= m->ncols - m->nhidden));
        FUZZ_CHECK(c->weight >= -1 && c->weight < (int)m->ncols);
        if (c->role == PLAN_COL_AVG_SUM) {
            FUZZ_CHECK(c->avg_count < m->ncols && m->cols[c->avg_count].role == PLAN_COL_HIDDEN);
            FUZZ_CHECK(c->avg_def >= -1 && c->avg_def < (int)m->ncols);
        }
    }
}

static int count_lines(void *ctx, const char *name, const char *value)
{
    FUZZ_CHECK(name != NULL && value != NULL);
    ++*(int *)ctx;
    return 0;
}

static struct plan p1, p2;
static struct cls c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (map == NULL) {
        char err[512];
        map = shardmap_load_string(map_text, "fuzz_plan", err, sizeof(err));
        if (map == NULL) {
            fprintf(stderr, "fuzz_plan: %s\n", err);
            abort();
        }
    }
    if (size < 1)
        return 0;
    unsigned sel = data[0] % 3, lexflags = (data[0] >> 2) & 3;
    const struct shardmap_keyspace *ks = sel == 0   ? shardmap_keyspace(map, "app")
                                         : sel == 1 ? shardmap_keyspace(map, "main")
                                                    : NULL;
    struct plan_env env = {.map = map,
                           .ks = ks,
                           .lexflags = lexflags,
                           .max_scatter_shards = (data[0] & 0x10) ? 2 : 0,
                           .scatter_writes = !(data[0] & 0x20),
                           .prefer_ks = (data[0] & 0x40) ? ks : NULL,
                           .prefer_shard = 1,
                           .seq_first = (data[0] & 0x80) ? 1000 : 0,
                           .seq_count = (data[0] & 0x80) ? 10000 : 0};
    char *text = fuzz_dup(data + 1, size - 1);
    size_t len = size - 1, pos = 0, start, n;
    while (cls_next_statement(text, len, lexflags, &pos, &start, &n) == 1) {
        char *stmt = fuzz_dup(text + start, n);
        classify(&c, stmt, n, lexflags, plan_cls_lookup, &env);
        plan_build(&p1, &c, stmt, n, &env);
        check_plan(&p1, stmt, n);
        plan_build(&p2, &c, stmt, n, &env);
        check_plan(&p2, stmt, n);
        FUZZ_CHECK(p1.kind == p2.kind && p1.ntargets == p2.ntargets && p1.flags == p2.flags);
        for (int i = 0; p1.kind == PLAN_ROUTE && i < p1.ntargets; i++) {
            size_t l1, l2;
            const char *s1 = plan_sql(&p1, i, &l1), *s2 = plan_sql(&p2, i, &l2);
            FUZZ_CHECK(l1 == l2 && memcmp(s1, s2, l1) == 0);
        }
        int lines = 0;
        FUZZ_CHECK(plan_explain(&p1, &c, map, count_lines, &lines) == 0);
        FUZZ_CHECK(lines >= 3);
        free(stmt);
    }
    free(text);
    return 0;
}
