/*
 * classify_select.c — queries: WITH, SELECT blocks, set operations, FROM
 * with joins and derived tables, and the merge information of the
 * statement's outermost SELECT (select list, DISTINCT, GROUP BY, HAVING,
 * ORDER BY, LIMIT) with the constructs that make a cross-shard answer
 * unprovable.
 */
#include "classify_int.h"

#include <string.h>
#include <strings.h>

/* ---- comparing expressions as written ----------------------------------- */

static bool is_name_tok(const struct sqltok *t)
{
    return t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT;
}

/* Same tokens, ignoring blanks, comments, case and quoting of names? */
bool cls_span_same(struct cls_span a, struct cls_span b, unsigned lexflags)
{
    if (a.len == b.len && (a.len == 0 || strncasecmp(a.p, b.p, a.len) == 0))
        return true;
    struct sqllex la, lb;
    struct sqltok ta, tb;
    sqllex_init(&la, a.p, a.len, lexflags);
    sqllex_init(&lb, b.p, b.len, lexflags);
    for (;;) {
        sqllex_next(&la, &ta);
        sqllex_next(&lb, &tb);
        if (ta.type == SQLTOK_ERROR || tb.type == SQLTOK_ERROR)
            return false;
        if (is_name_tok(&ta) && is_name_tok(&tb)) {
            struct cls_span x = {ta.p, (uint32_t)ta.len}, y = {tb.p, (uint32_t)tb.len};
            if (!name_eq(x, y))
                return false;
            continue;
        }
        if (ta.type != tb.type)
            return false;
        if (ta.type == SQLTOK_EOF)
            return true;
        if (ta.len != tb.len || memcmp(ta.p, tb.p, ta.len) != 0)
            return false;
    }
}

static bool span_same(struct cx *cx, struct cls_span a, struct cls_span b)
{
    return cls_span_same(a, b, cx->lexflags);
}

/* Is the span a plain column reference (c, t.c, db.t.c)? Its last part. */
static bool span_colref(struct cx *cx, struct cls_span s, struct cls_span *last)
{
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, s.p, s.len, cx->lexflags);
    sqllex_next(&lx, &t);
    for (;;) {
        if (!is_name_tok(&t))
            return false;
        last->p = t.p;
        last->len = (uint32_t)t.len;
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_EOF)
            return true;
        if (t.type != SQLTOK_PUNCT || t.len != 1 || t.p[0] != '.')
            return false;
        sqllex_next(&lx, &t);
    }
}

/* Is an ORDER BY / GROUP BY expression in the select list (by text, by
 * alias, or as a column of a t.* / * item)? */
static bool in_select_list(struct cx *cx, struct cls_span e)
{
    const struct cls *o = cx->out;
    struct cls_span ecol, icol;
    bool colref = span_colref(cx, e, &ecol);
    for (unsigned i = 0; i < o->nitems; i++) {
        const struct cls_item *it = &o->items[i];
        if (span_same(cx, it->expr, e))
            return true;
        if (!colref)
            continue;
        if (it->star)
            return true;
        if (it->alias.len > 0 && ecol.p == e.p && name_eq(it->alias, ecol))
            return true;
        if (span_colref(cx, it->expr, &icol) && name_eq(icol, ecol))
            return true;
    }
    return false;
}

/* ---- select list -------------------------------------------------------- */

static void add_item(struct cx *cx, struct cls_span expr, struct cls_span alias,
                     const struct xinfo *xi)
{
    struct cls *o = cx->out;
    if (o->nitems >= CLS_MAX_ITEMS) {
        /* Routing does not need the list; a merge would. */
        cx_unprov(cx, CLS_U_TOO_MANY, expr);
        return;
    }
    struct cls_item *it = &o->items[o->nitems++];
    it->expr = expr;
    it->alias = alias;
    it->agg = CLS_AGG_NONE;
    it->agg_distinct = false;
    it->agg_arg.p = NULL;
    it->agg_arg.len = 0;
    it->star = xi->star;

    unsigned real = xi->naggs > XI_AGGS ? (unsigned)(xi->naggs - XI_AGGS) : 0;
    const struct xagg *a = NULL;
    bool other = false, distinct = false;
    for (unsigned i = 0; i < xi->naggs && i < XI_AGGS; i++) {
        const struct xagg *g = &xi->agg[i];
        if (g->windowed)
            continue;
        real++;
        if (a == NULL)
            a = g;
        other |= g->kind == CLS_AGG_OTHER;
        distinct |= g->distinct && g->kind != CLS_AGG_MIN && g->kind != CLS_AGG_MAX;
    }
    if (real == 0)
        return;
    struct cls_span at = a != NULL ? a->call : expr;
    if (real == 1 && a != NULL && a->call.p == expr.p && a->call.len == expr.len) {
        it->agg = a->kind;
        it->agg_distinct = a->distinct;
        it->agg_arg = a->arg;
    } else {
        cx_unprov(cx, CLS_U_AGG_EXPR, at);
    }
    if (other)
        cx_unprov(cx, CLS_U_AGG_OTHER, at);
    if (distinct)
        cx_unprov(cx, CLS_U_AGG_DISTINCT, at);
}

static struct cls_span item_alias(struct cx *cx)
{
    struct cls_span a = {NULL, 0};
    const struct ctok *t = pk(cx, 0);
    if (t->kw == KW_AS) {
        adv(cx);
        t = pk(cx, 0);
        if (t->type != SQLTOK_IDENT && t->type != SQLTOK_QIDENT && t->type != SQLTOK_STRING) {
            cx_fail(cx, "unexpected token");
            return a;
        }
    } else if (!(tok_name(t) && !(t->kwf & KWF_NOALIAS)) && t->type != SQLTOK_STRING) {
        return a;
    }
    a = tok_span(t);
    adv(cx);
    return a;
}

/* May the outermost query record rewrite positions (cls.items_end, ...)? */
static bool rewritable(struct cx *cx, bool outer)
{
    return outer && !cx->paren && cx->nest == 0;
}

void q_items(struct cx *cx, bool outer)
{
    for (;;) {
        struct xinfo xi;
        const char *start = pk(cx, 0)->p;
        x_expr(cx, 0, outer ? &xi : NULL);
        if (pk(cx, 0)->p == start) {
            cx_fail(cx, "unexpected token");
            return;
        }
        struct cls_span expr = {start, (uint32_t)(cx->prev_end - start)};
        struct cls_span alias = item_alias(cx);
        if (outer)
            add_item(cx, expr, alias, &xi);
        if (!accept_punct(cx, ',')) {
            if (rewritable(cx, outer))
                cx->out->items_end = cx->prev_end;
            return;
        }
    }
}

/* ---- ORDER BY, GROUP BY, HAVING, LIMIT ---------------------------------- */

static uint16_t position_of(struct cls_span e)
{
    uint32_t n = 0;
    if (e.len == 0 || e.len > 5)
        return 0;
    for (uint32_t i = 0; i < e.len; i++) {
        if (e.p[i] < '0' || e.p[i] > '9')
            return 0;
        n = n * 10 + (uint32_t)(e.p[i] - '0');
    }
    return n > UINT16_MAX ? 0 : (uint16_t)n;
}

void q_order(struct cx *cx, bool outer, bool group)
{
    struct cls *o = cx->out;
    const char *start = pk(cx, 0)->p;
    adv(cx); /* ORDER / GROUP */
    if (!expect(cx, KW_BY))
        return;
    uint16_t *n = group ? &o->ngroup : &o->norder;
    struct cls_order *list = group ? o->group : o->order;
    if (outer)
        *n = 0;
    for (;;) {
        const char *from = pk(cx, 0)->p;
        x_expr(cx, 0, NULL);
        if (pk(cx, 0)->p == from) {
            cx_fail(cx, "unexpected token");
            return;
        }
        struct cls_span e = {from, (uint32_t)(cx->prev_end - from)};
        bool desc = false;
        if (!accept(cx, KW_ASC))
            desc = accept(cx, KW_DESC);
        if (outer) {
            uint16_t pos = position_of(e);
            if (*n >= CLS_MAX_ORDER) {
                cx_unprov(cx, CLS_U_TOO_MANY, e);
            } else {
                list[*n].expr = e;
                list[*n].position = pos;
                list[*n].desc = desc;
                (*n)++;
            }
            if (pos == 0 && !in_select_list(cx, e))
                cx_unprov(cx, CLS_U_ORDER_EXPR, e);
        }
        if (!accept_punct(cx, ','))
            break;
    }
    if (!group && rewritable(cx, outer)) {
        o->order_clause.p = start;
        o->order_clause.len = (uint32_t)(cx->prev_end - start);
    }
    if (group && is_kw(cx, 0, KW_WITH) && is_kw(cx, 1, KW_ROLLUP)) {
        struct cls_span at = tok_span(pk(cx, 0));
        adv(cx);
        at.len = (uint32_t)(pk(cx, 0)->p + pk(cx, 0)->len - at.p);
        adv(cx);
        cx_unprov(cx, CLS_U_ROLLUP, at);
    }
}

static void q_having(struct cx *cx, bool outer)
{
    struct cls *o = cx->out;
    struct xinfo xi;
    adv(cx);
    const char *start = pk(cx, 0)->p;
    x_expr(cx, 0, outer ? &xi : NULL);
    if (pk(cx, 0)->p == start) {
        cx_fail(cx, "unexpected token");
        return;
    }
    if (!outer)
        return;
    o->having.p = start;
    o->having.len = (uint32_t)(cx->prev_end - start);
    if (xi.naggs > XI_AGGS) {
        cx_unprov(cx, CLS_U_HAVING_EXPR, o->having);
        return;
    }
    for (unsigned i = 0; i < xi.naggs; i++) {
        const struct xagg *g = &xi.agg[i];
        bool found = false;
        for (unsigned j = 0; j < o->nitems && !found; j++)
            found = o->items[j].agg != CLS_AGG_NONE && span_same(cx, o->items[j].expr, g->call);
        if (!found) {
            cx_unprov(cx, CLS_U_HAVING_EXPR, g->call);
            return;
        }
    }
}

/* A LIMIT / OFFSET / FETCH count: a literal or a placeholder. */
static void limit_value(struct cx *cx, struct cls_value *v)
{
    unsigned n = peek_value(cx, 0, v);
    if (n == 1 && (v->type == CLS_V_INT || v->type == CLS_V_PARAM)) {
        adv(cx);
        return;
    }
    const char *start = pk(cx, 0)->p;
    x_expr(cx, 0, NULL);
    v->type = CLS_V_OTHER;
    v->param = 0;
    v->row.p = NULL;
    v->row.len = 0;
    v->text.p = start;
    v->text.len = (uint32_t)(cx->prev_end > start ? cx->prev_end - start : 0);
    if (pk(cx, 0)->p == start)
        cx_fail(cx, "unexpected token");
    else
        cx_unprov(cx, CLS_U_LIMIT_EXPR, v->text);
}

/* Extend cls.limit_clause to cover [p, the last consumed token). */
static void limit_clause(struct cx *cx, bool outer, const char *p)
{
    struct cls *o = cx->out;
    if (!rewritable(cx, outer))
        return;
    if (o->limit_clause.p == NULL)
        o->limit_clause.p = p;
    o->limit_clause.len = (uint32_t)(cx->prev_end - o->limit_clause.p);
}

static void set_limit(struct cx *cx, bool outer, struct cls_span at, const struct cls_value *count,
                      const struct cls_value *offset)
{
    struct cls *o = cx->out;
    at.len = (uint32_t)(cx->prev_end - at.p);
    if (cx->nest > 0)
        cx_unprov(cx, CLS_U_LIMIT_SUBQUERY, at);
    if (!outer)
        return;
    limit_clause(cx, outer, at.p);
    if (count != NULL) {
        o->has_limit = true;
        o->limit = *count;
    }
    if (offset != NULL)
        o->offset = *offset;
}

void q_limit(struct cx *cx, bool outer)
{
    struct cls_value a, b;
    struct cls_span at = tok_span(pk(cx, 0));
    adv(cx);
    limit_value(cx, &a);
    if (accept_punct(cx, ',')) {
        limit_value(cx, &b);
        set_limit(cx, outer, at, &b, &a);
    } else if (accept(cx, KW_OFFSET)) {
        limit_value(cx, &b);
        set_limit(cx, outer, at, &a, &b);
    } else {
        set_limit(cx, outer, at, &a, NULL);
    }
    if (is_kw(cx, 0, KW_ROWS) && is_kw(cx, 1, KW_EXAMINED)) {
        struct cls_span ex = tok_span(pk(cx, 0));
        adv(cx);
        adv(cx);
        limit_value(cx, &a);
        cx_unprov(cx, CLS_U_LIMIT_EXPR, ex);
    }
}

/* OFFSET n ROWS / FETCH {FIRST|NEXT} n ROWS {ONLY|WITH TIES} */
static void q_fetch(struct cx *cx, bool outer)
{
    struct cls_value v;
    struct cls_span at = tok_span(pk(cx, 0));
    if (accept(cx, KW_OFFSET)) {
        limit_value(cx, &v);
        if (!accept(cx, KW_ROWS))
            accept(cx, KW_ROW);
        set_limit(cx, outer, at, NULL, &v);
        return;
    }
    adv(cx); /* FETCH */
    if (!accept(cx, KW_FIRST) && !expect(cx, KW_NEXT))
        return;
    limit_value(cx, &v);
    if (!accept(cx, KW_ROWS) && !expect(cx, KW_ROW))
        return;
    if (accept(cx, KW_WITH)) {
        cx_unprov(cx, CLS_U_LIMIT_EXPR, tok_span(pk(cx, 0)));
        expect(cx, KW_TIES);
    } else {
        expect(cx, KW_ONLY);
    }
    set_limit(cx, outer, at, &v, NULL);
    limit_clause(cx, outer, at.p); /* through ONLY */
}

/* ---- INTO, locking ------------------------------------------------------ */

static void q_into(struct cx *cx)
{
    struct cls *o = cx->out;
    adv(cx);
    o->flags |= CLS_F_INTO | CLS_F_PRIMARY;
    if (accept(cx, KW_OUTFILE) || accept(cx, KW_DUMPFILE)) {
        o->flags |= CLS_F_WRITE;
        if (pk(cx, 0)->type != SQLTOK_STRING) {
            cx_fail(cx, "unexpected token");
            return;
        }
        adv(cx);
        for (;;) {
            const struct ctok *t = pk(cx, 0);
            switch (t->kw) {
            case KW_CHARACTER:
            case KW_CHARSET:
                adv(cx);
                accept(cx, KW_SET);
                adv(cx); /* the charset */
                continue;
            case KW_FIELDS:
            case KW_COLUMNS:
            case KW_LINES:
            case KW_TERMINATED:
            case KW_OPTIONALLY:
            case KW_ENCLOSED:
            case KW_ESCAPED:
            case KW_STARTING:
            case KW_BY:
                adv(cx);
                continue;
            default:
                if (t->type == SQLTOK_STRING) {
                    adv(cx);
                    continue;
                }
                return;
            }
        }
    }
    do {
        const struct ctok *t = pk(cx, 0);
        if (t->type == SQLTOK_VAR) {
            if (t->len < 2 || t->p[1] != '@')
                o->session |= CLS_S_USER_VAR;
            adv(cx);
        } else if (tok_name(t)) {
            adv(cx); /* a stored-program variable */
        } else {
            cx_fail(cx, "unexpected token");
            return;
        }
    } while (accept_punct(cx, ','));
}

static bool q_locking(struct cx *cx)
{
    struct cls *o = cx->out;
    if (is_kw(cx, 0, KW_FOR) && (is_kw(cx, 1, KW_UPDATE) || is_kw(cx, 1, KW_SHARE))) {
        adv(cx);
        adv(cx);
        if (accept(cx, KW_OF)) {
            struct cls_span schema, name;
            do
                if (!parse_tname(cx, &schema, &name))
                    cx_fail(cx, "unexpected token");
            while (accept_punct(cx, ','));
        }
    } else if (is_kw(cx, 0, KW_LOCK) && is_kw(cx, 1, KW_IN) && is_kw(cx, 2, KW_SHARE) &&
               is_kw(cx, 3, KW_MODE)) {
        for (int i = 0; i < 4; i++)
            adv(cx);
    } else {
        return false;
    }
    o->flags |= CLS_F_LOCKING_READ | CLS_F_PRIMARY;
    if (accept(cx, KW_NOWAIT))
        return true;
    if (is_kw(cx, 0, KW_SKIP) && is_kw(cx, 1, KW_LOCKED)) {
        adv(cx);
        adv(cx);
    } else if (accept(cx, KW_WAIT)) {
        if (pk(cx, 0)->type == SQLTOK_NUMBER)
            adv(cx);
    }
    return true;
}

/* ---- FROM --------------------------------------------------------------- */

static void derived(struct cx *cx, struct blk *b)
{
    x_subquery(cx);
    parse_alias(cx);
    if (tok_punct(pk(cx, 0), '('))
        x_expr(cx, 0, NULL); /* column names */
    b->nfactors++;
}

/* '(' '(' ... then a query? */
static bool paren_query(struct cx *cx)
{
    unsigned k = 0;
    while (k < CX_LA - 3 && tok_punct(pk(cx, k), '(') && tok_punct(pk(cx, k + 1), '('))
        k++;
    return query_start(cx, k);
}

static void index_hints(struct cx *cx)
{
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        unsigned k = tok_punct(t, ',') ? 1 : 0;
        enum kw_id w = pk(cx, k)->kw;
        if ((w != KW_USE && w != KW_IGNORE && w != KW_FORCE) ||
            (!is_kw(cx, k + 1, KW_INDEX) && !is_kw(cx, k + 1, KW_KEY)))
            return;
        while (k-- > 0)
            adv(cx);
        adv(cx);
        adv(cx);
        if (accept(cx, KW_FOR)) {
            if (!accept(cx, KW_JOIN) && (accept(cx, KW_ORDER) || accept(cx, KW_GROUP)))
                expect(cx, KW_BY);
        }
        if (!tok_punct(pk(cx, 0), '(')) {
            cx_fail(cx, "unexpected token");
            return;
        }
        x_expr(cx, 0, NULL);
    }
}

/* MariaDB system versioning: t FOR SYSTEM_TIME {ALL | AS OF x | BETWEEN x
 * AND y | FROM x TO y} */
static void system_time(struct cx *cx)
{
    adv(cx);
    adv(cx);
    if (accept(cx, KW_ALL))
        return;
    if (accept(cx, KW_AS)) {
        if (expect(cx, KW_OF))
            x_expr(cx, 0, NULL);
    } else if (accept(cx, KW_BETWEEN)) {
        x_expr(cx, XS_BETWEEN, NULL);
    } else if (accept(cx, KW_FROM)) {
        x_expr(cx, 0, NULL);
        if (expect(cx, KW_TO))
            x_expr(cx, 0, NULL);
    } else {
        cx_fail(cx, "unexpected token");
    }
}

static void blk_add(struct blk *b, int ti)
{
    if (ti >= 0 && b->ntabs < CLS_MAX_TABLES)
        b->tabs[b->ntabs++] = (uint8_t)ti;
}

static void q_table_ref(struct cx *cx, struct blk *b);

/* One FROM item; the table index when it is a table, else -1. */
static int q_factor(struct cx *cx, struct blk *b)
{
    const struct ctok *t = pk(cx, 0);
    if (tok_punct(t, '(')) {
        if (query_start(cx, 0) || paren_query(cx)) {
            derived(cx, b);
            return -1;
        }
        if (!cx_enter(cx))
            return -1;
        adv(cx);
        do
            q_table_ref(cx, b);
        while (accept_punct(cx, ','));
        cx_leave(cx);
        expect_punct(cx, ')');
        return -1;
    }
    if (t->kw == KW_LATERAL && query_start(cx, 1)) {
        adv(cx);
        derived(cx, b);
        return -1;
    }
    if (t->kw == KW_JSON_TABLE && tok_punct(pk(cx, 1), '(')) {
        x_expr(cx, 0, NULL);
        parse_alias(cx);
        b->nfactors++;
        return -1;
    }
    if (tok_punct(t, '{')) {
        adv(cx);
        accept(cx, KW_OJ);
        q_table_ref(cx, b);
        expect_punct(cx, '}');
        return -1;
    }
    struct cls_span schema, name;
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return -1;
    }
    if (is_kw(cx, 0, KW_PARTITION)) {
        adv(cx);
        x_expr(cx, 0, NULL);
    }
    if (is_kw(cx, 0, KW_FOR) && is_kw(cx, 1, KW_SYSTEM_TIME))
        system_time(cx);
    int ti = cx_add_table(cx, schema, name, 0);
    struct cls_span alias = parse_alias(cx);
    if (ti >= 0)
        cx->out->tables[ti].alias = alias;
    index_hints(cx);
    blk_add(b, ti);
    b->nfactors++;
    return ti;
}

static void add_edge(struct blk *b, int x, int y)
{
    if (x < 0 || y < 0 || x == y || b->nedges >= BLK_EDGES)
        return;
    b->edges[b->nedges][0] = (uint8_t)x;
    b->edges[b->nedges][1] = (uint8_t)y;
    b->nedges++;
}

/* USING (cols) / NATURAL: the right table equals the earlier tables whose
 * shard key has the same name as its own (col: that column only). */
static void same_key_edges(struct cx *cx, struct blk *b, unsigned left, int right,
                           struct cls_span *col)
{
    const struct cls_table *r = right >= 0 ? &cx->out->tables[right] : NULL;
    if (r == NULL || !(r->flags & CLS_T_SHARDED))
        return;
    if (col != NULL && !name_eq_str(*col, r->key_column))
        return;
    for (unsigned i = 0; i < left; i++) {
        const struct cls_table *l = &cx->out->tables[b->tabs[i]];
        if ((l->flags & CLS_T_SHARDED) && strcasecmp(l->key_column, r->key_column) == 0)
            add_edge(b, b->tabs[i], right);
    }
}

/* Does b->tabs[from, to) hold a sharded table? */
static bool blk_sharded(const struct cx *cx, const struct blk *b, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++)
        if (cx->out->tables[b->tabs[i]].flags & CLS_T_SHARDED)
            return true;
    return false;
}

/* An outer join keeps the rows of its preserved side that match nothing.
 * When that side has no sharded table (reference or system tables only)
 * and the other side has one, every shard keeps them: across shards the
 * rows would repeat (CLS_U_OUTER_JOIN). */
static void outer_join(struct cx *cx, const struct blk *b, unsigned start, unsigned left,
                       bool right_join, struct cls_span at)
{
    unsigned end = b->ntabs;
    bool kept = right_join ? blk_sharded(cx, b, left, end) : blk_sharded(cx, b, start, left);
    bool other = right_join ? blk_sharded(cx, b, start, left) : blk_sharded(cx, b, left, end);
    if (!kept && other)
        cx_unprov(cx, CLS_U_OUTER_JOIN, at);
}

static void q_table_ref(struct cx *cx, struct blk *b)
{
    unsigned start = b->ntabs;
    q_factor(cx, b);
    for (;;) {
        bool natural = false, outer = false, right_join = false;
        struct cls_span at = tok_span(pk(cx, 0));
        switch (pk(cx, 0)->kw) {
        case KW_JOIN:
        case KW_STRAIGHT_JOIN:
            adv(cx);
            break;
        case KW_INNER:
        case KW_CROSS:
            adv(cx);
            if (!expect(cx, KW_JOIN))
                return;
            break;
        case KW_LEFT:
        case KW_RIGHT:
            outer = true;
            right_join = pk(cx, 0)->kw == KW_RIGHT;
            adv(cx);
            accept(cx, KW_OUTER);
            if (!expect(cx, KW_JOIN))
                return;
            break;
        case KW_NATURAL:
            adv(cx);
            at = tok_span(pk(cx, 0));
            right_join = is_kw(cx, 0, KW_RIGHT);
            if (!accept(cx, KW_INNER) && (accept(cx, KW_LEFT) || accept(cx, KW_RIGHT))) {
                outer = true;
                accept(cx, KW_OUTER);
            }
            if (!expect(cx, KW_JOIN))
                return;
            natural = true;
            break;
        default:
            return;
        }
        unsigned left = b->ntabs;
        int right = q_factor(cx, b);
        if (outer)
            outer_join(cx, b, start, left, right_join, at);
        if (natural) {
            same_key_edges(cx, b, left, right, NULL);
        } else if (accept(cx, KW_ON)) {
            struct sum s;
            w_cond(cx, b, &s);
            blk_add_edges(b, &s);
        } else if (accept(cx, KW_USING)) {
            if (!expect_punct(cx, '('))
                return;
            do {
                struct cls_span col = tok_span(pk(cx, 0));
                if (!tok_name(pk(cx, 0))) {
                    cx_fail(cx, "unexpected token");
                    return;
                }
                adv(cx);
                same_key_edges(cx, b, left, right, &col);
            } while (accept_punct(cx, ','));
            expect_punct(cx, ')');
        }
    }
}

void q_table_refs(struct cx *cx, struct blk *b)
{
    if (accept(cx, KW_DUAL))
        return;
    do
        q_table_ref(cx, b);
    while (accept_punct(cx, ','));
    if (b->nfactors > 1)
        cx->out->flags |= CLS_F_JOIN;
}

/* ---- SELECT blocks and query expressions -------------------------------- */

static void select_options(struct cx *cx, bool outer)
{
    struct cls *o = cx->out;
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        switch (t->kw) {
        case KW_DISTINCT:
        case KW_DISTINCTROW:
            if (outer)
                o->distinct = true;
            break;
        case KW_SQL_CALC_FOUND_ROWS:
            cx_unprov(cx, CLS_U_FOUND_ROWS, tok_span(t));
            o->session |= CLS_S_DEPENDS;
            o->flags |= CLS_F_PRIMARY;
            break;
        case KW_ALL:
        case KW_HIGH_PRIORITY:
        case KW_STRAIGHT_JOIN:
        case KW_SQL_SMALL_RESULT:
        case KW_SQL_BIG_RESULT:
        case KW_SQL_BUFFER_RESULT:
        case KW_SQL_NO_CACHE:
        case KW_SQL_CACHE:
            break;
        default:
            return;
        }
        adv(cx);
    }
}

/* Clauses after the select list, or after a query expression (tail). */
static bool q_clause(struct cx *cx, struct blk *b, bool outer)
{
    switch (pk(cx, 0)->kw) {
    case KW_ORDER:
    case KW_LIMIT:
    case KW_OFFSET:
    case KW_FETCH:
    case KW_FOR:
    case KW_LOCK:
        /* the clauses an ORDER BY must precede */
        if (b != NULL && rewritable(cx, outer) && cx->out->order_at == NULL)
            cx->out->order_at = cx->prev_end;
        break;
    default:
        break;
    }
    switch (pk(cx, 0)->kw) {
    case KW_INTO:
        q_into(cx);
        return true;
    case KW_ORDER:
        q_order(cx, outer, false);
        return true;
    case KW_LIMIT:
        q_limit(cx, outer);
        return true;
    case KW_OFFSET:
    case KW_FETCH:
        q_fetch(cx, outer);
        return true;
    case KW_FOR:
    case KW_LOCK:
        return q_locking(cx);
    default:
        break;
    }
    if (b == NULL)
        return false;
    switch (pk(cx, 0)->kw) {
    case KW_FROM:
        adv(cx);
        q_table_refs(cx, b);
        return true;
    case KW_WHERE:
        w_where(cx, b);
        return true;
    case KW_GROUP:
        q_order(cx, outer, true);
        return true;
    case KW_HAVING:
        q_having(cx, outer);
        return true;
    case KW_WINDOW:
        adv(cx);
        do {
            adv(cx); /* name */
            if (expect(cx, KW_AS))
                x_expr(cx, 0, NULL);
        } while (accept_punct(cx, ','));
        return true;
    case KW_PROCEDURE:
        adv(cx);
        x_expr(cx, 0, NULL);
        return true;
    default:
        return false;
    }
}

static void q_select(struct cx *cx, bool outer)
{
    struct blk b;
    b.ntabs = b.nfactors = b.nedges = 0;
    b.outer = outer;
    adv(cx); /* SELECT */
    select_options(cx, outer);
    q_items(cx, outer);
    while (q_clause(cx, &b, outer))
        ;
    if (rewritable(cx, outer) && cx->out->order_at == NULL)
        cx->out->order_at = cx->prev_end;
    blk_check_joins(cx, &b);
}

static void q_values(struct cx *cx)
{
    adv(cx);
    do {
        accept(cx, KW_ROW);
        if (!tok_punct(pk(cx, 0), '(')) {
            cx_fail(cx, "unexpected token");
            return;
        }
        x_expr(cx, 0, NULL);
    } while (accept_punct(cx, ','));
}

static void q_table(struct cx *cx, bool outer)
{
    struct cls_span schema, name;
    const char *start = pk(cx, 0)->p;
    adv(cx);
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    cx_add_table(cx, schema, name, 0);
    if (outer) {
        struct xinfo xi;
        struct cls_span expr = {start, (uint32_t)(cx->prev_end - start)}, none = {NULL, 0};
        xi.naggs = 0;
        xi.star = true;
        add_item(cx, expr, none, &xi);
    }
}

static void q_term(struct cx *cx, bool outer)
{
    const struct ctok *t = pk(cx, 0);
    if (tok_punct(t, '(')) {
        if (outer)
            cx->paren = true;
        adv(cx);
        q_query(cx, outer);
        expect_punct(cx, ')');
        return;
    }
    switch (t->kw) {
    case KW_SELECT:
        q_select(cx, outer);
        break;
    case KW_VALUES:
        q_values(cx);
        break;
    case KW_TABLE:
        q_table(cx, outer);
        break;
    default:
        cx_fail(cx, "unexpected token");
        break;
    }
}

void q_with(struct cx *cx)
{
    struct cls *o = cx->out;
    adv(cx); /* WITH */
    bool recursive = accept(cx, KW_RECURSIVE);
    o->flags |= CLS_F_CTE;
    do {
        const struct ctok *t = pk(cx, 0);
        if (!tok_name(t)) {
            cx_fail(cx, "unexpected token");
            return;
        }
        if (cx->ncte >= CX_MAX_CTE) {
            cx_fail(cx, "too many common table expressions");
            return;
        }
        struct cls_span name = tok_span(t);
        adv(cx);
        if (tok_punct(pk(cx, 0), '('))
            x_expr(cx, 0, NULL); /* column names */
        if (!expect(cx, KW_AS))
            return;
        if (recursive)
            cx->cte[cx->ncte++] = name;
        if (!tok_punct(pk(cx, 0), '(')) {
            cx_fail(cx, "unexpected token");
            return;
        }
        cx_unprov(cx, CLS_U_SUBQUERY, name);
        adv(cx);
        if (!cx_enter(cx))
            return;
        cx->nest++;
        q_query(cx, false);
        cx->nest--;
        cx_leave(cx);
        if (!expect_punct(cx, ')'))
            return;
        if (!recursive)
            cx->cte[cx->ncte++] = name;
        /* MariaDB: CYCLE cols RESTRICT */
        if (pk(cx, 0)->type == SQLTOK_IDENT && pk(cx, 0)->len == 5 &&
            strncasecmp(pk(cx, 0)->p, "CYCLE", 5) == 0) {
            while (!tok_end(pk(cx, 0)) && !accept(cx, KW_RESTRICT))
                adv(cx);
        }
    } while (accept_punct(cx, ','));
}

void q_query(struct cx *cx, bool outer)
{
    if (!cx_enter(cx))
        return;
    uint8_t ncte = cx->ncte;
    if (is_kw(cx, 0, KW_WITH))
        q_with(cx);
    q_term(cx, outer);
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (t->kw != KW_UNION && t->kw != KW_EXCEPT && t->kw != KW_INTERSECT)
            break;
        cx->out->flags |= CLS_F_UNION;
        cx_unprov(cx, CLS_U_UNION, tok_span(t));
        if (outer) {
            /* the first block's positions are not the statement's */
            struct cls *o = cx->out;
            cx->paren = true;
            o->items_end = o->order_at = NULL;
            o->order_clause.p = o->limit_clause.p = NULL;
            o->order_clause.len = o->limit_clause.len = 0;
        }
        adv(cx);
        if (!accept(cx, KW_ALL))
            accept(cx, KW_DISTINCT);
        q_term(cx, false);
    }
    while (q_clause(cx, NULL, outer))
        ;
    cx->ncte = ncte;
    cx_leave(cx);
}
