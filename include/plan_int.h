/*
 * plan_int.h — internals of the route planner (router/plan*.c), shared
 * between its files and nothing else.
 *
 *   plan.c         plan_build(): table and keyspace resolution, the
 *                  unsharded path, session statements, SHOW / EXPLAIN /
 *                  SET / the rest, refusals; plan_cls_lookup,
 *                  plan_merge_resolve
 *   plan_shard.c   shard-key values -> keyspace ids -> shards; the shard set
 *                  a statement's sharded tables pin; the target list
 *   plan_text.c    the rewrite: an edit list over the statement text
 *                  (qualifiers, IN lists, INSERT rows, LIMIT, appended
 *                  columns, ORDER BY), rendered per target into p->text
 *   plan_select.c  SELECT across shards: the merge spec and its rewrites
 *   plan_write.c   INSERT / REPLACE, UPDATE / DELETE, DDL
 *
 * Everything a plan needs while it is built lives in struct pw, on the
 * stack of plan_build(): nothing is allocated but p->text.
 */
#ifndef PLAN_INT_H
#define PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "plan.h"
#include "shardmap.h"

#define PW_NAME_MAX 260  /* an unquoted name (64 characters of up to 4 bytes) */
#define PW_MAX_EDITS 320 /* rewrite pieces of one statement */
#define PW_MAX_KS 8      /* keyspaces one statement may name */
#define PW_SET_WORDS ((PLAN_MAX_TARGETS + 63) / 64)

/* What a table reference of the statement is, against the map. */
enum pt_kind {
    PT_NONE = 0,  /* a CTE name: not a table */
    PT_SHARDED,   /* sharded table of a sharded keyspace */
    PT_REFERENCE, /* reference table of a sharded keyspace */
    PT_UNKNOWN,   /* in a sharded keyspace, neither sharded nor reference */
    PT_UNSHARDED, /* any table of an unsharded keyspace */
    PT_SYSTEM,    /* information_schema, performance_schema, mysql, sys */
    PT_SCHEMA,    /* a database name alone (CREATE / DROP / ALTER DATABASE) */
};

struct ptab {
    uint8_t kind;                       /* enum pt_kind */
    const struct shardmap_keyspace *ks; /* NULL for PT_NONE, PT_SYSTEM, unknown schemas */
    const struct shardmap_table *st;    /* PT_SHARDED */
    char name[PW_NAME_MAX];             /* unquoted table name ("" for PT_SCHEMA) */
};

/* A set of shards of the plan's keyspace (bit i: ks->shards[i]). */
struct pset {
    uint64_t w[PW_SET_WORDS];
};

enum pe_kind {
    PE_TEXT,   /* s[0, len) */
    PE_SPAN,   /* the statement's text s[0, len), with the qualifier edits inside it */
    PE_ALIAS,  /* the statement's text s[0, len) verbatim, backticks doubled */
    PE_QUAL,   /* `schema` of the target's shard for keyspace ks */
    PE_INLIST, /* table tab's IN list narrowed to the target's values */
    PE_ROWS,   /* the INSERT rows of table tab that go to the target */
    PE_NUM,    /* num in decimal */
};

/* Replace sql[at, at + del) by the piece (del 0: insert before at). */
struct pedit {
    uint32_t at, del;
    uint16_t seq; /* creation order: ties keep it */
    uint8_t kind; /* enum pe_kind */
    uint8_t tab;
    const char *s;
    uint32_t len;
    const struct shardmap_keyspace *ks;
    uint64_t num;
};

struct pw {
    struct plan *p;
    const struct cls *c;
    const char *sql;
    size_t len;
    const struct plan_env *env;
    const struct shardmap *map;
    const struct shardmap_keyspace *ks; /* the keyspace the targets belong to */
    struct ptab tab[CLS_MAX_TABLES];
    /* keyspaces named (not PT_SYSTEM / PT_NONE) */
    const struct shardmap_keyspace *kss[PW_MAX_KS];
    uint8_t nks;
    bool oom;
    /* shard of each value of c->values for the table it pins: >= 0 a shard
     * index of ks, PV_NONE matches no row, PV_UNKNOWN cannot be computed */
    int16_t vshard[CLS_MAX_VALUES];
    /* IN-list elements: vel[k] is the text of values[k] in its pin_span */
    uint32_t vel_off[CLS_MAX_VALUES];
    uint32_t vel_len[CLS_MAX_VALUES];
    bool narrow[CLS_MAX_TABLES]; /* table's pin_span split into vel[] */
    /* INSERT rows without the key: row k (from the table's first value)
     * gets gen_first + k */
    bool gen;
    uint64_t gen_first;
    char gen_col[PW_NAME_MAX * 2 + 8]; /* ", `key`" added to the column list */
    bool tpinned[CLS_MAX_TABLES];      /* every pinned value's shard is known (vshard[]) */
    /* the rewrite (the extra slot takes edits past the limit: refused) */
    struct pedit ed[PW_MAX_EDITS + 1];
    uint16_t ned;
    bool ed_overflow;
};

#define PV_NONE (-1)
#define PV_UNKNOWN (-2)

/* ---- plan.c ------------------------------------------------------------- */

/* Refuse with a MySQL error; the message gets " (shard map version N)"
 * appended. Returns -1 so that callers can `return pw_refuse(...)`. */
int pw_refuse(struct pw *w, uint16_t code, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Same, without the version suffix (1046, 1041). */
int pw_refuse_plain(struct pw *w, uint16_t code, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define PW_UNSUPPORTED 1235, "42000"

/* "ks.table" of table reference i (for messages; static per-call buffer of
 * the caller's choosing). */
const char *pw_tname(const struct pw *w, unsigned i, char *buf, size_t len);

/* ---- plan_shard.c ------------------------------------------------------- */

static inline void pset_add(struct pset *s, unsigned i)
{
    s->w[i / 64] |= 1ull << (i % 64);
}
static inline bool pset_has(const struct pset *s, unsigned i)
{
    return (s->w[i / 64] >> (i % 64)) & 1;
}
void pset_all(struct pset *s, const struct shardmap_keyspace *ks);
unsigned pset_count(const struct pset *s);
int pset_first(const struct pset *s);

/* Shard index (in w->ks) of value v for sharded table st, or PV_NONE /
 * PV_UNKNOWN. insert: the value is stored into the key column (an integer
 * literal into a string key is its decimal text) rather than compared. */
int pw_value_shard(struct pw *w, const struct shardmap_table *st, const struct cls_value *v,
                   bool insert);

/* Fill w->vshard for the values pinned by table i (PT_SHARDED); *set gets
 * their shards. Returns false when some value cannot be computed (the
 * table then counts as not pinned). */
bool pw_table_shards(struct pw *w, unsigned i, struct pset *set);

/* How the statement's sharded tables pin shards. */
struct pins {
    struct pset set;   /* shards that may hold rows */
    unsigned nsharded; /* sharded table references */
    int first;         /* a sharded table reference (for messages), or -1 */
    bool scatter;      /* some sharded table is not pinned: all shards */
    bool empty;        /* pinned to no shard: one shard answers the empty result */
};

/*
 * The shard set of the statement's sharded tables: one pinned set (or all
 * shards), several tables pinned to one shard, or tables joined on their
 * keys (the intersection). Refuses (returns -1) when several sharded tables
 * cannot be proven to meet on each shard (join not on the keys, UNION,
 * sharded subqueries) and they would need more than one shard. write: the
 * statement writes (several sharded tables must then pin one shard).
 */
int pw_pins(struct pw *w, bool write, struct pins *out);

/* Set p->targets to the shards of set, in shard order. Returns -1 (refused)
 * when there are more than PLAN_MAX_TARGETS. */
int pw_targets(struct pw *w, const struct pset *set);
/* One target: shard i of ks. */
void pw_target1(struct pw *w, const struct shardmap_keyspace *ks, int i);
/* One target, any shard of ks answering alike: env's preferred shard, or
 * the first; sets PLAN_F_ANY_SHARD in a sharded keyspace. */
void pw_target_any(struct pw *w, const struct shardmap_keyspace *ks);
/* Refuse when a scatter (PLAN_F_SCATTER: no key pinned) exceeds
 * env->max_scatter_shards; pinned statements on several shards pass. */
int pw_check_scatter_limit(struct pw *w, int table);

/* ---- plan_text.c -------------------------------------------------------- */

struct pedit *pw_edit(struct pw *w, const char *at, uint32_t del, enum pe_kind kind);
void pw_edit_text(struct pw *w, const char *at, uint32_t del, const char *s);
void pw_edit_span(struct pw *w, const char *at, struct cls_span s);
/* Qualifier edits for the tables' schema names (and three-part column
 * references, and SHOW ... FROM db) that name keyspaces whose shards use
 * another schema name. */
void pw_qualifiers(struct pw *w);
/* SHOW ... FROM|IN db: qualifier edits and the keyspace named (added to
 * w->kss). */
void pw_show_from(struct pw *w);
/* A read of system tables only: string literals naming a keyspace
 * (table_schema = 'app') pick that keyspace and are rewritten to its
 * shard's schema. */
void pw_system_literals(struct pw *w);
/* Split table i's pin_span into vel[] (when it matches its values). */
bool pw_split_list(struct pw *w, unsigned i);
/* Render the statement for every target into p->text (or point targets at
 * the original). Returns 0 or -1 (refused: out of memory, rewrite error). */
int pw_render(struct pw *w);

/* ---- plan_select.c ------------------------------------------------------ */

/* SELECT over p->ntargets > 1 shards: the merge spec and its rewrites. */
int pw_select_merge(struct pw *w, const struct pins *pins);

/* ---- plan_write.c ------------------------------------------------------- */

int pw_insert(struct pw *w);
int pw_update_delete(struct pw *w);
int pw_ddl(struct pw *w);

#endif
