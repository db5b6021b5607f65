/*
 * plan — where one classified statement goes, and how the answers of
 * several shards become one. Pure: no I/O; the rewritten statement texts
 * live in the plan's own buffer, reused from statement to statement (it
 * grows, it is not freed per statement).
 *
 * The plan never guesses: a statement whose cross-shard answer cannot be
 * proven equal to what one server holding all rows would answer is REFUSED
 * with an error naming the construct, the table and the map version.
 *
 * Routing rules (sharded keyspace; an unsharded keyspace has one shard and
 * every statement goes there unchanged):
 *   - sharded table with pinned key values all on one shard -> that shard;
 *     on several shards -> each owning shard (IN lists narrowed to the
 *     shard's own values where the classifier gave the list's span), merged;
 *   - sharded table, key not pinned: reads -> all shards (scatter) unless
 *     more than max_scatter_shards; UPDATE/DELETE -> all shards when
 *     scatter writes are allowed (and within max_scatter_shards), affected
 *     rows added up; max_scatter_shards does not limit pinned keys;
 *   - INSERT/REPLACE: rows grouped by the shard of their key, one statement
 *     per shard with that shard's rows; a row without the key is refused;
 *   - UPDATE that sets the key column: refused (it would move the row);
 *   - reference tables: reads from one shard, writes to every shard;
 *   - joins: sharded tables must be pinned to the same single shard or
 *     equated on their keys; reference tables join anywhere, except as
 *     the kept side of a LEFT / RIGHT JOIN of sharded tables across shards
 *     (every shard would keep their unmatched rows: refused);
 *   - DDL on sharded/reference tables -> every shard;
 *   - SHOW / DESCRIBE / information_schema reads -> one shard;
 *   - a table that is neither sharded nor reference -> refused by name.
 * Keyspace-qualified names (`ks`.`t`) are rewritten to the target shard's
 * schema (or unqualified, the connection's default being the shard schema).
 */
#ifndef PLAN_H
#define PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "shardmap.h"

#define PLAN_MAX_TARGETS 256
#define PLAN_MAX_KSIDS 16

enum plan_kind {
    PLAN_REFUSE, /* answer with err_code / err_state / err_msg */
    PLAN_ROUTE,  /* send targets[i].sql to targets[i].shard, combine as merge says */
};

/* How the targets' answers become the client's answer. */
enum plan_merge_kind {
    PLAN_MERGE_NONE,      /* one target: relay its answer as it is */
    PLAN_MERGE_CONCAT,    /* result sets one after another (any order) */
    PLAN_MERGE_SORTED,    /* k-way merge of sorted result sets on order[] */
    PLAN_MERGE_AGGREGATE, /* one row: aggregates combined over all targets */
    PLAN_MERGE_GROUPED,   /* groups (sorted on the group columns) combined */
    PLAN_MERGE_AFFECTED,  /* OK packets: affected rows and warnings added up */
    PLAN_MERGE_SAME,      /* every target must succeed; report the first OK
                             (writes to reference tables, DDL) */
};

/* plan.flags */
#define PLAN_F_WRITE (1u << 0)   /* changes data or schema */
#define PLAN_F_PRIMARY (1u << 1) /* must run on primaries */
#define PLAN_F_SCATTER (1u << 2) /* went to every shard because no key was pinned */
#define PLAN_F_DDL (1u << 3)
#define PLAN_F_REFERENCE (1u << 4) /* only reference tables: any one shard for reads */
#define PLAN_F_SESSION                                                                             \
    (1u << 5) /* transaction control, USE, KILL, UNLOCK TABLES: the router handles it itself;      \
                 ntargets is 0 (USE: ks is the keyspace named) */
#define PLAN_F_EMPTY                                                                               \
    (1u << 6) /* the pinned keys match no row (key = NULL, IN (NULL), contradictory pins): one     \
                 shard answers the empty result */
#define PLAN_F_NEED_IDS                                                                            \
    (1u << 8) /* INSERT rows lack the key and the table has a sequence: plan again with            \
                 need_ids ids from seq (env->seq_first, seq_count); ntargets is 0 */
#define PLAN_F_ANY_SHARD                                                                           \
    (1u << 7) /* a sharded keyspace's statement any one shard answers alike (no table, reference   \
                 tables only, an empty pin): the target is env->prefer_shard when given */

#define PLAN_F_REPLICA_OK                                                                          \
    (1u << 9) /* a plain read (set by the router, not the planner): outside a transaction a        \
                 replica may serve it */

/* One sort key of a SORTED/GROUPED merge: column index in the targets' rows.
 * When weight >= 0, compare that (extra) column's bytes (a WEIGHT_STRING()
 * the planner added) instead of the value: that is how string collations
 * are compared exactly as the server does. */
struct plan_order {
    uint16_t column;
    int16_t weight; /* column index of WEIGHT_STRING(expr), or -1 */
    bool desc;
};

/* When merge.ncols_from_result is set (the select list has a * item, so
 * the number of columns is known only from the result), hidden columns
 * are numbered from PLAN_COL_REL: PLAN_COL_REL + k is the k-th of the last
 * nhidden columns. plan_merge_resolve() turns them into plain indexes. */
#define PLAN_COL_REL 0x4000

/* A HAVING condition the router applies to merged groups: the value of
 * aggregate column `column` compared with a number. */
#define PLAN_MAX_HAVING 8
enum plan_cmp { PLAN_CMP_EQ, PLAN_CMP_NE, PLAN_CMP_LT, PLAN_CMP_LE, PLAN_CMP_GT, PLAN_CMP_GE };
struct plan_having {
    uint16_t column;
    uint8_t op;     /* enum plan_cmp */
    char value[48]; /* the number as written (sign included) */
};

/* What each result column of the targets is, for AGGREGATE/GROUPED. */
enum plan_col_role {
    PLAN_COL_VALUE, /* a plain value (group key, or any row's value) */
    PLAN_COL_COUNT, /* add up */
    PLAN_COL_SUM,   /* add up exactly (decimal); NULL if all NULL */
    PLAN_COL_MIN,   /* smallest by the column's type */
    PLAN_COL_MAX,
    PLAN_COL_AVG_SUM, /* AVG(x) was sent as SUM(x), COUNT(x): this is the SUM,
                         the COUNT is in column avg_count; the client sees
                         SUM/COUNT in this column's place */
    PLAN_COL_HIDDEN,  /* added by the planner (weights, AVG's COUNT): not sent */
};

struct plan_col {
    enum plan_col_role role;
    uint16_t avg_count; /* for PLAN_COL_AVG_SUM */
    /* PLAN_COL_MIN / PLAN_COL_MAX: the column of WEIGHT_STRING(<the item>)
     * the planner added (compare it instead of the value when the column is
     * a non-binary string), or -1. Always -1 for the other roles. */
    int16_t weight;
    /* PLAN_COL_AVG_SUM: the column of the shards' own AVG(x) the planner
     * added, whose definition (type, length, decimals: the session's
     * div_precision_increment applied) the client's column gets, and whose
     * decimals the merged average is rounded to; or -1 (then 4 decimals
     * are added, the server's default). -1 for the other roles. */
    int16_t avg_def;
};

struct plan_merge {
    enum plan_merge_kind kind;
    uint16_t ncols; /* columns in the targets' rows (0: not a result set) */
    struct plan_col cols[CLS_MAX_ITEMS * 2];
    uint16_t norder;
    struct plan_order order[CLS_MAX_ORDER * 2]; /* SORTED: ORDER BY; GROUPED: group keys */
    bool distinct; /* drop rows equal on every visible column (after sorting on them) */
    bool has_limit;
    uint64_t limit;   /* rows the client gets at most, after offset (UINT64_MAX: no
                         count, only an OFFSET) */
    uint64_t offset;  /* rows skipped first */
    uint16_t nhidden; /* the last nhidden columns are hidden (PLAN_COL_HIDDEN) */
    /* Weight columns (plan_order.weight, plan_col.weight) hold one byte L,
     * then the L-byte weight of one space in the value's collation when it
     * pads (PAD SPACE: 'a' = 'a '; L is 0 for NO PAD), then the value's
     * WEIGHT_STRING(): weights are compared as if the shorter were padded
     * with spaces. */
    bool weights_padded;
    /* GROUPED: HAVING conditions (all must hold) applied to each merged
     * group before OFFSET/LIMIT; the shards got HAVING 1 = 1 instead */
    uint16_t nhaving;
    struct plan_having having[PLAN_MAX_HAVING];
    bool ncols_from_result; /* ncols is 0 until plan_merge_resolve(): see PLAN_COL_REL */
};

struct plan_target {
    const struct shardmap_shard *shard;
    uint32_t sql_off; /* the statement for this target: plan->text + sql_off */
    uint32_t sql_len;
    /* The statement is the caller's text unchanged: sql_off / sql_len
     * index plan->sql (the text given to plan_build, not copied). */
    bool original;
};

struct plan {
    enum plan_kind kind;
    uint32_t flags;
    const struct shardmap_keyspace *ks;
    uint16_t ntargets;
    struct plan_target targets[PLAN_MAX_TARGETS];
    struct plan_merge merge;
    /* statement texts (owned; grows, kept from plan to plan; plan_free) */
    char *text;
    size_t text_len, text_cap;
    /* the text given to plan_build: targets with original set point into it,
     * so it must stay valid while the plan is used */
    const char *sql;
    size_t sql_len;
    /* PLAN_F_NEED_IDS: how many ids, and the table whose sequence gives
     * them; a plan built with ids: the first one (the insert id) */
    uint32_t need_ids;
    const struct shardmap_table *seq;
    uint64_t insert_id;
    /* keyspace ids of the pinned key values, the first PLAN_MAX_KSIDS
     * distinct ones (for EXPLAIN ROUTE); nksids counts them all */
    uint16_t nksids;
    uint64_t ksids[PLAN_MAX_KSIDS];
    /* PLAN_REFUSE */
    uint16_t err_code;
    char err_state[6];
    char err_msg[512];
};

struct plan_env {
    const struct shardmap *map;
    const struct shardmap_keyspace *ks; /* the session's keyspace (NULL: none) */
    unsigned lexflags;                  /* the session's quoting rules (SQLLEX_*) */
    int max_scatter_shards;             /* 0: no limit */
    bool scatter_writes;                /* UPDATE/DELETE without a pinned key allowed */
    /* Where statements that name no table go when ks is NULL (the router's
     * default keyspace); NULL: the map's first unsharded keyspace. */
    const struct shardmap_keyspace *default_ks;
    /* A statement any shard of prefer_ks answers alike goes to shard
     * prefer_shard of it (the one the session's open transaction uses);
     * prefer_ks NULL: the first shard. */
    const struct shardmap_keyspace *prefer_ks;
    int prefer_shard;
    /* ids reserved from the sequence of the INSERT's table: keys for rows
     * that lack one, seq_first, seq_first + 1, ... (seq_count of them) */
    uint64_t seq_first;
    uint32_t seq_count;
};

/*
 * Plan the statement sql[0, len) that c describes (classify() of the same
 * text, with plan_cls_lookup and the same env, or a lookup that agrees with
 * env->map and env->ks). Fills p (kind REFUSE with an error, or ROUTE). Never
 * allocates except to grow p->text (then only when a rewrite needs more
 * room than any before). On out of memory: REFUSE with 1041. p must be
 * zero-initialized before its first use; sql must outlive the use of p
 * (targets with original set point into it).
 */
void plan_build(struct plan *p, const struct cls *c, const char *sql, size_t len,
                const struct plan_env *env);

/* Release p->text. */
void plan_free(struct plan *p);

/* A plan the router builds itself (no classification): the same text for
 * n targets (shards[i], or NULL when the executor is given connections),
 * one answer relayed (n == 1) or all required to succeed (SAME). The text
 * is copied into p->text. Returns 0, or -1 when out of memory. */
int plan_same(struct plan *p, const struct shardmap_keyspace *ks,
              const struct shardmap_shard *const *shards, int n, const char *text, size_t len);

/* As plan_same, with a text of its own for each of the n targets (given
 * connections: no shards). Returns 0, or -1 when out of memory. */
int plan_texts(struct plan *p, int n, const char *const *texts, const size_t *lens);

/* The statement text of target i. */
static inline const char *plan_sql(const struct plan *p, int i, size_t *len)
{
    *len = p->targets[i].sql_len;
    return (p->targets[i].original ? p->sql : p->text) + p->targets[i].sql_off;
}

/*
 * The classifier's lookup (cls_lookup_fn) over a plan environment: ctx is
 * a const struct plan_env *; schema "" means env->ks. Sharded tables of the
 * map's keyspaces answer true with their key column.
 */
bool plan_cls_lookup(void *ctx, const char *schema, const char *name, const char **key_column);

/*
 * For a merge whose ncols_from_result is set: the targets' rows have ncols
 * columns (from the first target's column count). Sets m->ncols, fills
 * m->cols (visible columns VALUE, the last nhidden HIDDEN) and turns the
 * PLAN_COL_REL indexes of m->order into plain ones; clears
 * ncols_from_result. Returns 0, or -1 when ncols cannot hold the hidden
 * columns or exceeds what cols[] holds (the executor answers with an
 * error). A no-op returning 0 when ncols_from_result is not set.
 */
int plan_merge_resolve(struct plan_merge *m, uint16_t ncols);

/*
 * EXPLAIN ROUTE / `shardctl explain`: the plan p of statement c (as built
 * with map) as lines: statement, map_version, keyspace, then either
 * refused, or route, keyspace_ids, servers, merge and one "target N" line
 * per target (shard, server, schema, the statement it gets). fn returns
 * non-zero to stop (then so does this, with -1). Returns 0.
 */
typedef int (*plan_line_fn)(void *ctx, const char *name, const char *value);
int plan_explain(const struct plan *p, const struct cls *c, const struct shardmap *map,
                 plan_line_fn fn, void *ctx);

#endif
