/*
 * classify_dml.c — INSERT / REPLACE (the shard key of every row), UPDATE
 * and DELETE (single and multi-table), LOAD DATA, CALL and DO.
 */
#include "classify_int.h"

#include <string.h>

static void skip_n(struct cx *cx, unsigned n)
{
    while (n-- > 0)
        adv(cx);
}

static bool accept_assign(struct cx *cx)
{
    if (accept_punct(cx, '=') || (tok_punct2(pk(cx, 0), ":=") && (adv(cx), true)))
        return true;
    cx_fail(cx, "unexpected token");
    return false;
}

/* The key value of one row: a literal, placeholder or NULL as such, any
 * other expression as CLS_V_OTHER. */
static bool ins_value(struct cx *cx)
{
    struct cls_value v;
    unsigned n = peek_value(cx, 0, &v);
    const struct ctok *after = pk(cx, n);
    if (n > 0 && (tok_punct(after, ',') || tok_punct(after, ')') || tok_end(after) ||
                  after->kw == KW_ON || after->kw == KW_RETURNING)) {
        skip_n(cx, n);
    } else {
        const char *start = pk(cx, 0)->p;
        x_expr(cx, 0, NULL);
        v.type = CLS_V_OTHER;
        v.param = 0;
        v.row.p = NULL;
        v.row.len = 0;
        v.text.p = start;
        v.text.len = (uint32_t)(cx->prev_end > start ? cx->prev_end - start : 0);
    }
    struct cls_value *nv = cx_add_value(cx);
    if (nv == NULL) {
        cx_fail(cx, "too many values");
        return false;
    }
    *nv = v;
    return true;
}

/* VALUES (...), (...): keyidx is the key column's position or -1;
 * missing: the table is sharded and the column list lacks its key (each
 * row then gets a CLS_V_MISSING value, for a sequence to fill). */
static void ins_rows(struct cx *cx, int ti, int keyidx, bool missing)
{
    struct cls *o = cx->out;
    uint16_t first = o->nvalues;
    bool short_row = false;
    adv(cx); /* VALUES / VALUE */
    do {
        const char *row_start = pk(cx, 0)->p;
        accept(cx, KW_ROW);
        if (!expect_punct(cx, '('))
            return;
        int col = 0;
        bool got = false;
        uint16_t vi = o->nvalues;
        if (!accept_punct(cx, ')')) {
            for (;;) {
                if (col == keyidx) {
                    vi = o->nvalues;
                    if (!ins_value(cx))
                        return;
                    got = true;
                } else {
                    x_expr(cx, 0, NULL);
                }
                col++;
                if (accept_punct(cx, ','))
                    continue;
                if (!expect_punct(cx, ')'))
                    return;
                break;
            }
        }
        if (missing) {
            struct cls_value *nv = cx_add_value(cx);
            if (nv == NULL) {
                cx_fail(cx, "too many values");
                return;
            }
            memset(nv, 0, sizeof(*nv));
            nv->type = CLS_V_MISSING;
            nv->text.p = row_start;
            vi = (uint16_t)(o->nvalues - 1);
            got = true;
        }
        if (got) {
            o->values[vi].row.p = row_start;
            o->values[vi].row.len = (uint32_t)(cx->prev_end - row_start);
        }
        short_row |= keyidx >= 0 && !got;
    } while (accept_punct(cx, ','));
    if (short_row) {
        cx_partial(cx, "row shorter than the column list");
        return;
    }
    if ((keyidx >= 0 || missing) && ti >= 0) {
        o->tables[ti].pinned = true;
        o->tables[ti].first = first;
        o->tables[ti].count = (uint16_t)(o->nvalues - first);
    }
}

/* INSERT ... SET col = value, ... */
static void ins_set(struct cx *cx, int ti, const char *key)
{
    struct cls *o = cx->out;
    uint16_t first = o->nvalues;
    bool got = false;
    adv(cx); /* SET */
    do {
        struct colref cr;
        unsigned n = peek_colref(cx, 0, &cr);
        if (n == 0) {
            cx_fail(cx, "unexpected token");
            return;
        }
        skip_n(cx, n);
        if (!accept_assign(cx))
            return;
        if (key != NULL && !got && name_eq_str(cr.part[cr.nparts - 1], key)) {
            if (!ins_value(cx))
                return;
            got = true;
        } else {
            x_expr(cx, 0, NULL);
        }
    } while (accept_punct(cx, ','));
    if (got && ti >= 0) {
        o->tables[ti].pinned = true;
        o->tables[ti].first = first;
        o->tables[ti].count = 1;
    }
}

/* ON DUPLICATE KEY UPDATE col = expr, ... */
static void ins_on_dup(struct cx *cx, int ti, const char *key)
{
    struct cls *o = cx->out;
    adv(cx);
    adv(cx); /* ON DUPLICATE */
    if (!expect(cx, KW_KEY) || !expect(cx, KW_UPDATE))
        return;
    o->flags |= CLS_F_ON_DUP_UPDATE;
    do {
        struct colref cr;
        unsigned n = peek_colref(cx, 0, &cr);
        if (n == 0) {
            cx_fail(cx, "unexpected token");
            return;
        }
        skip_n(cx, n);
        if (!accept_assign(cx))
            return;
        bool own =
            cr.nparts == 1 || (ti >= 0 && name_eq(cr.part[cr.nparts - 2], o->tables[ti].name));
        if (key != NULL && own && name_eq_str(cr.part[cr.nparts - 1], key))
            o->flags |= CLS_F_ON_DUP_SETS_KEY;
        x_expr(cx, 0, NULL);
    } while (accept_punct(cx, ','));
}

/* (col, col, ...): the key column's position, or -1. */
static int ins_columns(struct cx *cx, const char *key)
{
    int keyidx = -1, i = 0;
    const char *open = pk(cx, 0)->p;
    adv(cx); /* ( */
    if (accept_punct(cx, ')'))
        return -1;
    do {
        struct colref cr;
        unsigned n = peek_colref(cx, 0, &cr);
        if (n == 0) {
            cx_fail(cx, "unexpected token");
            return -1;
        }
        if (key != NULL && keyidx < 0 && name_eq_str(cr.part[cr.nparts - 1], key))
            keyidx = i;
        skip_n(cx, n);
        i++;
    } while (accept_punct(cx, ','));
    if (expect_punct(cx, ')')) {
        cx->out->ins_cols.p = open;
        cx->out->ins_cols.len = (uint32_t)(cx->prev_end - open);
    }
    return keyidx;
}

void s_insert(struct cx *cx)
{
    struct cls *o = cx->out;
    o->kind = is_kw(cx, 0, KW_REPLACE) ? CLS_REPLACE : CLS_INSERT;
    o->flags |= CLS_F_WRITE;
    adv(cx);
    for (;;) {
        enum kw_id w = pk(cx, 0)->kw;
        if (w == KW_IGNORE)
            o->flags |= CLS_F_IGNORE;
        else if (w != KW_LOW_PRIORITY && w != KW_DELAYED && w != KW_HIGH_PRIORITY)
            break;
        adv(cx);
    }
    accept(cx, KW_INTO);
    struct cls_span schema, name;
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    int ti = cx_add_table(cx, schema, name, CLS_T_TARGET);
    const char *key =
        ti >= 0 && (o->tables[ti].flags & CLS_T_SHARDED) ? o->tables[ti].key_column : NULL;
    if (is_kw(cx, 0, KW_PARTITION)) {
        adv(cx);
        x_expr(cx, 0, NULL);
    }
    bool cols = false;
    int keyidx = -1;
    if (tok_punct(pk(cx, 0), '(') && !query_start(cx, 0) && !tok_punct(pk(cx, 1), '(')) {
        cols = true;
        keyidx = ins_columns(cx, key);
    }
    const struct ctok *t = pk(cx, 0);
    if ((t->kw == KW_VALUES || t->kw == KW_VALUE) && !query_start(cx, 0)) {
        ins_rows(cx, ti, key != NULL && cols ? keyidx : -1, key != NULL && cols && keyidx < 0);
        if (!cols)
            o->flags |= CLS_F_NO_COLUMN_LIST;
        if (accept(cx, KW_AS)) { /* row alias: AS new [(a, b)] */
            if (tok_name(pk(cx, 0)))
                adv(cx);
            if (tok_punct(pk(cx, 0), '('))
                x_expr(cx, 0, NULL);
        }
    } else if (t->kw == KW_SET && !cols) {
        ins_set(cx, ti, key);
    } else if (t->kw == KW_SELECT || t->kw == KW_WITH || t->kw == KW_TABLE || t->kw == KW_VALUES ||
               tok_punct(t, '(')) {
        o->flags |= CLS_F_INSERT_SELECT;
        if (!cols)
            o->flags |= CLS_F_NO_COLUMN_LIST;
        q_query(cx, false);
    } else {
        cx_fail(cx, "unexpected token");
        return;
    }
    if (is_kw(cx, 0, KW_ON) && is_kw(cx, 1, KW_DUPLICATE))
        ins_on_dup(cx, ti, key);
    if (accept(cx, KW_RETURNING)) {
        o->flags |= CLS_F_RETURNING;
        q_items(cx, false);
    }
}

/* ---- UPDATE ------------------------------------------------------------- */

static void mark_all_targets(struct cx *cx, const struct blk *b)
{
    for (unsigned i = 0; i < b->ntabs; i++)
        if (!(cx->out->tables[b->tabs[i]].flags & CLS_T_CTE))
            cx->out->tables[b->tabs[i]].flags |= CLS_T_TARGET;
}

/* Could an unqualified column be the key of one of the block's tables? */
static bool any_key(struct cx *cx, const struct blk *b, const struct colref *cr)
{
    for (unsigned i = 0; i < b->ntabs; i++)
        if (col_is_key(cx, b->tabs[i], cr))
            return true;
    return false;
}

void s_update(struct cx *cx)
{
    struct cls *o = cx->out;
    struct blk b;
    b.ntabs = b.nfactors = b.nedges = 0;
    b.outer = false;
    o->kind = CLS_UPDATE;
    o->flags |= CLS_F_WRITE;
    adv(cx);
    for (;;) {
        if (accept(cx, KW_IGNORE))
            o->flags |= CLS_F_IGNORE;
        else if (!accept(cx, KW_LOW_PRIORITY))
            break;
    }
    q_table_refs(cx, &b);
    if (!expect(cx, KW_SET))
        return;
    do {
        struct colref cr;
        unsigned n = peek_colref(cx, 0, &cr);
        if (n == 0) {
            cx_fail(cx, "unexpected token");
            return;
        }
        skip_n(cx, n);
        if (!accept_assign(cx))
            return;
        int ti = blk_resolve(cx, &b, &cr);
        bool key = false;
        if (ti >= 0) {
            o->tables[ti].flags |= CLS_T_TARGET;
            key = col_is_key(cx, ti, &cr);
        } else {
            mark_all_targets(cx, &b); /* which table: not known here */
            key = any_key(cx, &b, &cr);
        }
        if (key) {
            /* The new key as a literal alone (the planner checks that it
             * stays on the row's shard); set twice: unknown. */
            struct cls_value v;
            unsigned k = peek_value(cx, 0, &v);
            bool alone = k > 0 && (tok_punct(pk(cx, k), ',') || tok_end(pk(cx, k)) ||
                                   is_kw(cx, k, KW_WHERE) || is_kw(cx, k, KW_ORDER) ||
                                   is_kw(cx, k, KW_LIMIT));
            o->key_set_literal = alone && !(o->flags & CLS_F_SETS_KEY) && ti >= 0;
            if (o->key_set_literal)
                o->key_set = v;
            o->flags |= CLS_F_SETS_KEY;
        }
        x_expr(cx, 0, NULL);
    } while (accept_punct(cx, ','));
    if (is_kw(cx, 0, KW_WHERE))
        w_where(cx, &b);
    if (is_kw(cx, 0, KW_ORDER))
        q_order(cx, false, false);
    if (is_kw(cx, 0, KW_LIMIT)) {
        o->flags |= CLS_F_DML_LIMIT;
        q_limit(cx, false);
    }
    blk_check_joins(cx, &b);
}

/* ---- DELETE ------------------------------------------------------------- */

struct deltarget {
    struct cls_span schema, name;
};

/* tbl[.*] of a multi-table DELETE's target list. */
static bool del_target(struct cx *cx, struct deltarget *d)
{
    if (!parse_tname(cx, &d->schema, &d->name)) {
        cx_fail(cx, "unexpected token");
        return false;
    }
    if (tok_punct(pk(cx, 0), '.') && tok_punct(pk(cx, 1), '*')) {
        adv(cx);
        adv(cx);
    }
    return true;
}

static void del_mark(struct cx *cx, const struct blk *b, const struct deltarget *d, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        bool found = false;
        for (unsigned i = 0; i < b->ntabs && !found; i++) {
            struct cls_table *t = &cx->out->tables[b->tabs[i]];
            if (d[k].schema.len > 0)
                found = t->alias.len == 0 && name_eq(t->name, d[k].name) &&
                        (t->schema.len == 0 || name_eq(t->schema, d[k].schema));
            else
                found =
                    t->alias.len > 0 ? name_eq(t->alias, d[k].name) : name_eq(t->name, d[k].name);
            if (found)
                t->flags |= CLS_T_TARGET;
        }
        if (!found)
            cx_partial(cx, "unknown table in the DELETE list");
    }
}

/* DELETE t1[, t2] FROM refs / DELETE FROM t1[, t2] USING refs */
static void del_multi(struct cx *cx, struct blk *b, struct deltarget *d, unsigned n, enum kw_id sep)
{
    while (accept_punct(cx, ',')) {
        if (n >= CLS_MAX_TABLES) {
            cx_fail(cx, "too many tables");
            return;
        }
        if (!del_target(cx, &d[n++]))
            return;
    }
    if (!expect(cx, sep))
        return;
    q_table_refs(cx, b);
    del_mark(cx, b, d, n);
}

void s_delete(struct cx *cx)
{
    struct cls *o = cx->out;
    struct blk b;
    struct deltarget d[CLS_MAX_TABLES];
    b.ntabs = b.nfactors = b.nedges = 0;
    b.outer = false;
    o->kind = CLS_DELETE;
    o->flags |= CLS_F_WRITE;
    adv(cx);
    for (;;) {
        enum kw_id w = pk(cx, 0)->kw;
        if (w == KW_IGNORE)
            o->flags |= CLS_F_IGNORE;
        else if (w != KW_LOW_PRIORITY && w != KW_QUICK)
            break;
        adv(cx);
    }
    if (!accept(cx, KW_FROM)) {
        if (del_target(cx, &d[0]))
            del_multi(cx, &b, d, 1, KW_FROM);
    } else {
        const char *p = pk(cx, 0)->p;
        if (!del_target(cx, &d[0]))
            return;
        bool star = cx->prev_end > p && cx->prev_end[-1] == '*';
        if (star || tok_punct(pk(cx, 0), ',') || is_kw(cx, 0, KW_USING)) {
            del_multi(cx, &b, d, 1, KW_USING);
        } else {
            int ti = cx_add_table(cx, d[0].schema, d[0].name, CLS_T_TARGET);
            struct cls_span alias = parse_alias(cx);
            if (ti >= 0) {
                o->tables[ti].alias = alias;
                b.tabs[b.ntabs++] = (uint8_t)ti;
            }
            b.nfactors = 1;
            if (is_kw(cx, 0, KW_PARTITION)) {
                adv(cx);
                x_expr(cx, 0, NULL);
            }
        }
    }
    if (is_kw(cx, 0, KW_WHERE))
        w_where(cx, &b);
    if (is_kw(cx, 0, KW_ORDER))
        q_order(cx, false, false);
    if (is_kw(cx, 0, KW_LIMIT)) {
        o->flags |= CLS_F_DML_LIMIT;
        q_limit(cx, false);
    }
    if (accept(cx, KW_RETURNING)) {
        o->flags |= CLS_F_RETURNING;
        q_items(cx, false);
    }
    blk_check_joins(cx, &b);
}

/* ---- LOAD, CALL, DO ----------------------------------------------------- */

void s_load(struct cx *cx)
{
    struct cls *o = cx->out;
    adv(cx);
    if (!accept(cx, KW_DATA) && !accept(cx, KW_XML)) {
        /* LOAD INDEX INTO CACHE */
        o->kind = CLS_OTHER;
        o->flags |= CLS_F_WRITE;
        o->session |= CLS_S_TX_END;
        skip_rest(cx);
        return;
    }
    o->kind = CLS_LOAD_DATA;
    o->flags |= CLS_F_WRITE;
    while (accept(cx, KW_LOW_PRIORITY) || accept(cx, KW_CONCURRENT))
        ;
    if (accept(cx, KW_LOCAL))
        o->flags |= CLS_F_LOCAL;
    if (!expect(cx, KW_INFILE))
        return;
    if (pk(cx, 0)->type != SQLTOK_STRING) {
        cx_fail(cx, "unexpected token");
        return;
    }
    adv(cx);
    if (!accept(cx, KW_REPLACE))
        accept(cx, KW_IGNORE);
    struct cls_span schema, name;
    if (!expect(cx, KW_INTO) || !expect(cx, KW_TABLE))
        return;
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    cx_add_table(cx, schema, name, CLS_T_TARGET);
    x_rest(cx); /* options, (col, @var), SET col = expr */
}

void s_call(struct cx *cx)
{
    struct cls *o = cx->out;
    struct cls_span schema, name;
    o->kind = CLS_CALL;
    o->flags |= CLS_F_WRITE;
    o->session |= CLS_S_UNKNOWN; /* a procedure may change anything */
    adv(cx);
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    if (tok_punct(pk(cx, 0), '('))
        x_expr(cx, 0, NULL);
}

void s_do(struct cx *cx)
{
    struct cls *o = cx->out;
    o->kind = CLS_DO;
    adv(cx);
    do
        x_expr(cx, 0, NULL);
    while (accept_punct(cx, ','));
    if ((o->flags & CLS_F_SIDE_EFFECT_FN) && (o->flags & CLS_F_PRIMARY))
        o->flags |= CLS_F_WRITE;
}
