/*
 * classify — what one SQL statement is, what it touches and which shard
 * keys it pins. See include/classify.h for the contract and
 * include/classify_int.h for the shape of the parser.
 *
 * This file: the entry points, the token stream, names, tables and values,
 * the statement dispatch and the final consistency pass (a partial
 * statement is a write to a primary that pins nothing).
 */
#include "classify_int.h"

#include <string.h>

/* ---- parse state -------------------------------------------------------- */

void cx_partial(struct cx *cx, const char *why)
{
    cx->out->flags |= CLS_F_PARTIAL;
    if (cx->out->why == NULL)
        cx->out->why = why;
}

void cx_fail(struct cx *cx, const char *why)
{
    cx_partial(cx, why);
    if (cx->dead)
        return;
    /* Park the lookahead: from now on the token stream is EOF (cx_lex),
     * until cx_revive() gives it back for salvage(). */
    for (unsigned i = 0; i < cx->n; i++)
        cx->parked[i] = cx->la[(cx->head + i) & (CX_LA - 1)];
    cx->nparked = cx->n;
    cx->head = cx->n = 0;
    cx->dead = true;
}

void cx_revive(struct cx *cx)
{
    if (!cx->dead)
        return;
    for (unsigned i = 0; i < cx->nparked; i++)
        cx->la[i] = cx->parked[i];
    cx->head = 0;
    cx->n = cx->nparked;
    cx->dead = false;
}

bool cx_enter(struct cx *cx)
{
    if (cx->depth >= CX_MAX_DEPTH) {
        cx_fail(cx, "nested too deeply");
        return false;
    }
    cx->depth++;
    return true;
}

void cx_unprov(struct cx *cx, uint32_t bit, struct cls_span at)
{
    struct cls *o = cx->out;
    o->unprovable |= bit;
    if (o->unprovable_at.p == NULL)
        o->unprovable_at = at;
}

bool expect(struct cx *cx, enum kw_id kw)
{
    if (accept(cx, kw))
        return true;
    cx_fail(cx, "unexpected token");
    return false;
}

bool expect_punct(struct cx *cx, char c)
{
    if (accept_punct(cx, c))
        return true;
    cx_fail(cx, "unexpected token");
    return false;
}

/* ---- after a parse failure ---------------------------------------------- */

/* Nothing more is understood: record the names that follow FROM, JOIN,
 * INTO, UPDATE, TABLE, ... (through later statements too) so that a
 * planner sees every table a partial statement may touch. */
static void salvage(struct cx *cx)
{
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (t->type == SQLTOK_EOF)
            return;
        adv(cx);
        switch (t->kw) {
        case KW_FROM:
        case KW_JOIN:
        case KW_INTO:
        case KW_UPDATE:
        case KW_TABLE:
        case KW_TABLES:
        case KW_TRUNCATE:
        case KW_STRAIGHT_JOIN:
        case KW_USING: {
            struct cls_span schema, name;
            while (parse_tname(cx, &schema, &name)) {
                if (cx->out->ntables < CLS_MAX_TABLES)
                    cx_add_table(cx, schema, name, 0);
                parse_alias(cx);
                if (!accept_punct(cx, ','))
                    break;
            }
            break;
        }
        default:
            break;
        }
    }
}

/* ---- entry points ------------------------------------------------------- */

static void cls_reset(struct cls *o)
{
    o->kind = CLS_OTHER;
    o->flags = 0;
    o->session = 0;
    o->why = NULL;
    o->ddl_object.p = NULL;
    o->ddl_object.len = 0;
    o->ntables = 0;
    o->nvalues = 0;
    o->nparams = 0;
    o->nsets = 0;
    o->key_set_literal = false;
    o->ins_cols.p = NULL;
    o->ins_cols.len = 0;
    o->distinct = false;
    o->nitems = 0;
    o->ngroup = 0;
    o->having.p = NULL;
    o->having.len = 0;
    o->norder = 0;
    o->has_limit = false;
    memset(&o->limit, 0, sizeof(o->limit));
    memset(&o->offset, 0, sizeof(o->offset));
    o->limit.type = CLS_V_NULL;
    o->offset.type = CLS_V_NULL;
    o->unprovable = 0;
    o->unprovable_at.p = NULL;
    o->unprovable_at.len = 0;
    o->items_end = NULL;
    o->order_at = NULL;
    o->order_clause.p = NULL;
    o->order_clause.len = 0;
    o->limit_clause.p = NULL;
    o->limit_clause.len = 0;
}

/* Move the pinned tables' values to the front, in table order of their
 * first value, dropping the intermediate sets of AND / OR. */
static void compact_values(struct cls *o)
{
    uint8_t idx[CLS_MAX_TABLES];
    unsigned n = 0;
    for (unsigned i = 0; i < o->ntables; i++) {
        if (!o->tables[i].pinned || o->tables[i].count == 0)
            continue;
        unsigned j = n++;
        while (j > 0 && o->tables[idx[j - 1]].first > o->tables[i].first) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = (uint8_t)i;
    }
    uint16_t w = 0;
    for (unsigned k = 0; k < n; k++) {
        struct cls_table *t = &o->tables[idx[k]];
        if (t->first != w)
            memmove(&o->values[w], &o->values[t->first], t->count * sizeof(o->values[0]));
        t->first = w;
        w = (uint16_t)(w + t->count);
    }
    for (unsigned i = 0; i < o->ntables; i++) {
        struct cls_table *t = &o->tables[i];
        if (!t->pinned)
            t->first = t->count = 0;
        else if (t->count == 0)
            t->first = w;
    }
    o->nvalues = w;
}

/* Partial: a write to a primary that pins nothing and may change the
 * session in any way. */
static void normalize(struct cls *o)
{
    if (o->flags & CLS_F_PARTIAL) {
        o->flags |= CLS_F_WRITE | CLS_F_PRIMARY;
        o->session |= CLS_S_UNKNOWN;
        for (unsigned i = 0; i < o->ntables; i++) {
            o->tables[i].pinned = false;
            o->tables[i].first = 0;
            o->tables[i].count = 0;
            o->tables[i].pin_span.p = NULL;
            o->tables[i].pin_span.len = 0;
        }
        o->nvalues = 0;
    }
    if (o->flags & CLS_F_WRITE)
        o->flags |= CLS_F_PRIMARY;
    compact_values(o);
}

static void normalize(struct cls *o);

static void finish(struct cx *cx)
{
    struct cls *o = cx->out;
    o->nparams = cx->nparams;
    if (o->nparams > 0)
        o->flags |= CLS_F_HAS_PARAMS;
    if (o->kind != CLS_SELECT) {
        o->distinct = false;
        o->nitems = 0;
        o->ngroup = 0;
        o->norder = 0;
        o->having.p = NULL;
        o->having.len = 0;
        o->has_limit = false;
        o->items_end = NULL;
        o->order_at = NULL;
        o->order_clause.p = NULL;
        o->order_clause.len = 0;
        o->limit_clause.p = NULL;
        o->limit_clause.len = 0;
    }
    normalize(o);
}

/* One reading of the statement (lexflags decide the versioned comments). */
static bool classify_reading(struct cls *out, const char *sql, size_t len, unsigned lexflags,
                             cls_lookup_fn lookup, void *ctx)
{
    struct cx cx;
    cls_reset(out);
    cx.out = out;
    sqllex_init(&cx.lx, sql, len, lexflags);
    cx.lexflags = lexflags;
    cx.lookup = lookup;
    cx.ctx = ctx;
    cx.head = cx.n = 0;
    cx.dead = false;
    cx.merge = true;
    cx.paren = false;
    cx.nest = cx.depth = cx.ncte = 0;
    cx.nparams = 0;
    cx.prev_end = sql;
    cx.sql = sql;
    cx.nparked = 0;

    const struct ctok *t = pk(&cx, 0);
    if (t->type == SQLTOK_EOF || (t->type == SQLTOK_SEMI && pk(&cx, 1)->type == SQLTOK_EOF)) {
        out->kind = CLS_EMPTY;
    } else {
        st_statement(&cx);
        cx_revive(&cx);
        cx.depth = 0;
        cx.nest = 0;
        t = pk(&cx, 0);
        bool semi = t->type == SQLTOK_SEMI;
        if (semi) {
            adv(&cx);
            t = pk(&cx, 0);
        }
        if (t->type != SQLTOK_EOF) {
            cx_partial(&cx, semi ? "multiple statements" : "unexpected token");
            salvage(&cx);
        } else if ((out->flags & CLS_F_PARTIAL) && out->kind == CLS_OTHER) {
            salvage(&cx);
        }
    }
    finish(&cx);
    while (pk(&cx, 0)->type != SQLTOK_EOF)
        adv(&cx); /* the lexer notes versioned comments up to the end */
    return cx.lx.versioned;
}

static int find_table(const struct cls *o, const struct cls_table *t)
{
    for (unsigned i = 0; i < o->ntables; i++)
        if (o->tables[i].name.p == t->name.p && o->tables[i].name.len == t->name.len &&
            o->tables[i].schema.p == t->schema.p)
            return (int)i;
    return -1;
}

/* Both readings pin table a->tables[i]: the union of their sets. */
static bool unite_pins(struct cls *a, unsigned i, const struct cls *b, const struct cls_table *bt)
{
    struct cls_table *at = &a->tables[i];
    if ((unsigned)a->nvalues + at->count + bt->count > CLS_MAX_VALUES)
        return false;
    uint16_t first = a->nvalues;
    for (unsigned k = 0; k < at->count; k++)
        a->values[a->nvalues++] = a->values[at->first + k];
    for (unsigned k = 0; k < bt->count; k++) {
        const struct cls_value *v = &b->values[bt->first + k];
        bool dup = false;
        for (unsigned q = first; q < a->nvalues && !dup; q++)
            dup = cls_value_same(&a->values[q], v);
        if (!dup)
            a->values[a->nvalues++] = *v;
    }
    at->first = first;
    at->count = (uint16_t)(a->nvalues - first);
    at->pin_span.p = NULL; /* a union of two readings: no longer one list */
    at->pin_span.len = 0;
    return true;
}

/* a: the statement read with every executable comment as SQL; b: with the
 * versioned ones some servers skip read as comments. The result must hold
 * for both: effects united, key sets united; where the two disagree on
 * what the statement is, partial. */
static void merge_readings(struct cls *a, const struct cls *b)
{
    /* a ? inside a skipped comment shifts the placeholders' indexes */
    bool differ = a->kind != b->kind || a->nsets != b->nsets || a->nparams != b->nparams;
    if (b->kind == CLS_EMPTY)
        return;
    a->flags |= b->flags;
    if (a->why == NULL)
        a->why = b->why;
    a->session |= b->session;
    a->unprovable |= b->unprovable;
    if (a->unprovable_at.p == NULL)
        a->unprovable_at = b->unprovable_at;
    if (a->kind == CLS_SELECT &&
        (a->nitems != b->nitems || a->norder != b->norder || a->ngroup != b->ngroup ||
         a->has_limit != b->has_limit || a->distinct != b->distinct))
        differ = true;
    differ |= a->ntables != b->ntables;
    for (unsigned j = 0; j < b->ntables; j++) {
        const struct cls_table *bt = &b->tables[j];
        int i = find_table(a, bt);
        if (i < 0) {
            differ = true;
            if (a->ntables < CLS_MAX_TABLES)
                a->tables[a->ntables++] = *bt;
            continue;
        }
        struct cls_table *at = &a->tables[i];
        if ((at->flags ^ bt->flags) & (CLS_T_CTE | CLS_T_SHARDED))
            differ = true;
        at->flags |= bt->flags;
        if (!at->pinned || !bt->pinned) {
            at->pinned = false;
            at->pin_span.p = NULL;
            at->pin_span.len = 0;
        } else if (!unite_pins(a, (unsigned)i, b, bt))
            differ = true;
    }
    if (differ) {
        a->flags |= CLS_F_PARTIAL;
        if (a->why == NULL)
            a->why = "version-dependent executable comment";
    }
    normalize(a);
}

/* The rare second reading, in its own frame: a struct cls is 31 KB. */
static __attribute__((noinline)) void classify_again(struct cls *out, const char *sql, size_t len,
                                                     unsigned lexflags, cls_lookup_fn lookup,
                                                     void *ctx)
{
    struct cls other;
    classify_reading(&other, sql, len, lexflags | SQLLEX_SKIP_VERSIONED, lookup, ctx);
    merge_readings(out, &other);
}

void classify(struct cls *out, const char *sql, size_t len, unsigned lexflags, cls_lookup_fn lookup,
              void *ctx)
{
    kw_init();
    if (classify_reading(out, sql, len, lexflags, lookup, ctx) &&
        !(lexflags & SQLLEX_SKIP_VERSIONED))
        classify_again(out, sql, len, lexflags, lookup, ctx); /* versioned comment */
}

const char *cls_kind_name(enum cls_kind k)
{
    static const char *const names[CLS_KIND_COUNT] = {
        "OTHER",    "SELECT",      "INSERT",        "REPLACE",
        "UPDATE",   "DELETE",      "BEGIN",         "COMMIT",
        "ROLLBACK", "SAVEPOINT",   "ROLLBACK TO",   "RELEASE SAVEPOINT",
        "XA",       "SET",         "USE",           "SHOW",
        "DDL",      "LOCK TABLES", "UNLOCK TABLES", "CALL",
        "PREPARE",  "EXECUTE",     "DEALLOCATE",    "LOAD DATA",
        "DO",       "EXPLAIN",     "KILL",          "EMPTY"};
    return (unsigned)k < CLS_KIND_COUNT ? names[k] : "?";
}

const char *cls_unprovable_name(uint32_t bit)
{
    static const char *const names[] = {
        "window function",
        "LIMIT in a subquery",
        "aggregate inside an expression",
        "aggregate other than COUNT/SUM/MIN/MAX/AVG",
        "DISTINCT aggregate",
        "subquery",
        "UNION/INTERSECT/EXCEPT",
        "join of sharded tables not on their shard keys",
        "ORDER BY/GROUP BY expression not in the select list",
        "HAVING on something not in the select list",
        "LIMIT with an expression",
        "user variables",
        "WITH ROLLUP",
        "SQL_CALC_FOUND_ROWS",
        "more select items or ORDER/GROUP BY entries than the router tracks",
        "outer join keeping rows of tables that are not sharded",
    };
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (bit & (1u << i))
            return names[i];
    return "unknown";
}
