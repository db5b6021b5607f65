/*
 * plan_select.c — a SELECT that goes to several shards: which merge makes
 * their answers the answer of one server, and how each shard's statement
 * is rewritten for it.
 *
 *  - Every sharded table's rows of a group on one shard (a GROUP BY entry
 *    is the shard key of a sharded table of the outer block, the tables
 *    joined on their keys): aggregates, HAVING, DISTINCT aggregates are
 *    shard-local; the groups are concatenated (CONCAT) or merged on the
 *    ORDER BY (SORTED); DISTINCT over such groups is merged like DISTINCT.
 *  - No aggregate, no GROUP BY: CONCAT, or SORTED on the ORDER BY; DISTINCT
 *    is pushed down, the shards sort on every select item (the ORDER BY
 *    must cover them all when there is one) and the merge drops duplicates.
 *  - Aggregates without GROUP BY: AGGREGATE. COUNT and SUM add up, MIN and
 *    MAX compare (on a WEIGHT_STRING() column added for them), AVG(x) is
 *    sent as SUM(x) AS `<the item as written>` plus a hidden COUNT(x); any
 *    other item is a VALUE.
 *  - GROUP BY without the shard key: GROUPED. The shards group and sort on
 *    the group keys (an ORDER BY is added; an existing one must be the
 *    group keys), the merge combines equal groups as AGGREGATE does.
 *  - ORDER BY keys: by position, alias, the item's text, or the column
 *    name of a plain column item; a key not in the select list (or after a
 *    * item) is appended as a hidden column. Every key gets a hidden
 *    WEIGHT_STRING(<expr>) column except COUNT / SUM / AVG items (numbers);
 *    the merge uses it when the column is a non-binary string.
 *  - LIMIT n / LIMIT o, n / LIMIT n OFFSET o / OFFSET o FETCH n: for CONCAT
 *    and SORTED each shard gets LIMIT o+n (no offset) and the merge skips o
 *    and stops after n; for AGGREGATE and GROUPED the shards get no LIMIT
 *    (a shard's first n groups are not the first n combined groups) and the
 *    merge applies it.
 *  - Refused (1235, naming the construct): what the classifier marks
 *    unprovable (window functions, UNION, subqueries on sharded tables,
 *    LIMIT inside them, aggregates in expressions, GROUP_CONCAT and other
 *    aggregates, COUNT(DISTINCT), joins not on the keys, HAVING on
 *    something not selected, LIMIT expressions, user variables, ROLLUP,
 *    SQL_CALC_FOUND_ROWS, too many items, outer joins that keep the rows of
 *    reference tables) unless the groups are shard-local as above (that
 *    lifts the aggregate and HAVING ones only); HAVING with aggregates or
 *    GROUP BY across shards; DISTINCT with GROUP BY; DISTINCT or aggregates
 *    with a * item; DISTINCT whose ORDER BY does not cover every item;
 *    GROUP BY with a different ORDER BY; SELECT ... INTO; placeholders in
 *    LIMIT; a parenthesized query that needs a rewrite. Subqueries over
 *    reference and system tables only are the same on every shard and are
 *    allowed.
 */
#include "plan_int.h"
#include "sqllex.h"

#include <string.h>
#include <strings.h>

struct sel {
    struct pw *w;
    const struct cls *c;
    struct plan_merge *m;
    uint16_t first_star; /* index of the first * item (nitems: none) */
    uint16_t nhidden;
    bool star;
};

/* ---- columns ------------------------------------------------------------ */

/* Append ", <pre><expr><post>" as a hidden column; its index, or -1. */
static int add_hidden(struct sel *s, const char *pre, struct cls_span expr, const char *post)
{
    struct pw *w = s->w;
    const char *at = s->c->items_end;
    if (at == NULL)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "a parenthesized query or TABLE statement whose merge across shards "
                         "needs extra columns is not supported");
    if ((unsigned)s->c->nitems + s->nhidden + 1 > sizeof(s->m->cols) / sizeof(s->m->cols[0]))
        return pw_refuse(w, 1105, "HY000",
                         "the merge across shards needs more columns than the router tracks");
    pw_edit_text(w, at, 0, pre);
    pw_edit_span(w, at, expr);
    if (post[0] != '\0')
        pw_edit_text(w, at, 0, post);
    uint16_t k = s->nhidden++;
    return s->star ? PLAN_COL_REL + k : s->c->nitems + k;
}

/* The weight column of e: one byte L, the L-byte weight of one space in
 * e's collation when it pads (L = 0 for NO PAD), then WEIGHT_STRING(e);
 * see plan_merge.weights_padded. Returns its column, or -1. */
static int add_weight(struct sel *s, struct cls_span e)
{
    /* CONCAT(CHAR(LENGTH(P)), P, WEIGHT_STRING(e)) with
     * P = IF(CONCAT(LEFT(e, 0), 'a') = CONCAT(LEFT(e, 0), 'a '),
     *        WEIGHT_STRING(CONCAT(LEFT(e, 0), ' ')), '')
     * written as text pieces with e between them, all at the end of the
     * select list (edits at one place keep their order). */
    static const char *const piece[] = {", 0), 'a') = CONCAT(LEFT(",
                                        ", 0), 'a '), WEIGHT_STRING(CONCAT(LEFT(",
                                        ", 0), ' ')), ''))), IF(CONCAT(LEFT(",
                                        ", 0), 'a') = CONCAT(LEFT(",
                                        ", 0), 'a '), WEIGHT_STRING(CONCAT(LEFT(",
                                        ", 0), ' ')), ''), WEIGHT_STRING(",
                                        "))"};
    int k = add_hidden(s, ", CONCAT(CHAR(LENGTH(IF(CONCAT(LEFT(", e, piece[0]);
    if (k < 0)
        return -1;
    const char *at = s->c->items_end;
    for (size_t i = 1; i < sizeof(piece) / sizeof(piece[0]); i++) {
        pw_edit_span(s->w, at, e);
        pw_edit_text(s->w, at, 0, piece[i]);
    }
    s->m->weights_padded = true;
    return k;
}

static bool numeric_agg(enum cls_agg a)
{
    return a == CLS_AGG_COUNT || a == CLS_AGG_COUNT_STAR || a == CLS_AGG_SUM || a == CLS_AGG_AVG;
}

/* ---- names -------------------------------------------------------------- */

/* The unquoted last part of a plain column reference (c, t.c, db.t.c) and
 * its number of parts, or 0. */
static unsigned colref(const struct pw *w, struct cls_span e, char *last, size_t len)
{
    struct sqllex lx;
    struct sqltok t;
    unsigned parts = 0;
    sqllex_init(&lx, e.p, e.len, w->env->lexflags);
    sqllex_next(&lx, &t);
    for (;;) {
        if (t.type != SQLTOK_IDENT && t.type != SQLTOK_QIDENT)
            return 0;
        struct cls_span s = {t.p, (uint32_t)t.len};
        if (cls_name(s, last, len) != 0)
            return 0;
        parts++;
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_EOF)
            return parts <= 3 ? parts : 0;
        if (t.type != SQLTOK_PUNCT || t.len != 1 || t.p[0] != '.')
            return 0;
        sqllex_next(&lx, &t);
    }
}

/* The qualifier before the last part of a column reference (t of t.c and
 * db.t.c), unquoted, or "". */
static void qualifier(const struct pw *w, struct cls_span e, char *q, size_t len)
{
    struct sqllex lx;
    struct sqltok toks[6], t;
    unsigned n = 0;
    q[0] = '\0';
    sqllex_init(&lx, e.p, e.len, w->env->lexflags);
    for (;;) {
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_EOF || n == 6)
            break;
        toks[n++] = t;
    }
    if (n >= 3) {
        struct cls_span s = {toks[n - 3].p, (uint32_t)toks[n - 3].len};
        if (cls_name(s, q, len) != 0)
            q[0] = '\0';
    }
}

static bool name_is(struct cls_span s, const char *name)
{
    char buf[PW_NAME_MAX];
    return s.len > 0 && cls_name(s, buf, sizeof(buf)) == 0 && strcasecmp(buf, name) == 0;
}

/* The select item an ORDER BY / GROUP BY entry names, -1 when none, -2 for
 * a position out of range. */
static int item_of(struct sel *s, const struct cls_order *o)
{
    const struct cls *c = s->c;
    const struct pw *w = s->w;
    if (o->position > 0)
        return o->position <= c->nitems ? o->position - 1 : -2;
    char last[PW_NAME_MAX], ilast[PW_NAME_MAX];
    unsigned parts = colref(w, o->expr, last, sizeof(last));
    if (parts == 1)
        for (unsigned i = 0; i < c->nitems; i++)
            if (name_is(c->items[i].alias, last))
                return (int)i;
    for (unsigned i = 0; i < c->nitems; i++)
        if (!c->items[i].star && cls_span_same(c->items[i].expr, o->expr, w->env->lexflags))
            return (int)i;
    if (parts == 0)
        return -1;
    for (unsigned i = 0; i < c->nitems; i++) {
        const struct cls_item *it = &c->items[i];
        unsigned iparts = it->star ? 0 : colref(w, it->expr, ilast, sizeof(ilast));
        if (iparts == 0 || strcasecmp(last, ilast) != 0)
            continue;
        if (parts == 1 || iparts == 1)
            return (int)i; /* both qualified and different: compared above */
    }
    return -1;
}

/* Fill *out for a sort key: expr as written, item its select item (-1:
 * none). Returns 0 or -1. */
static int order_key(struct sel *s, struct cls_span expr, int item, bool desc,
                     struct plan_order *out)
{
    const struct cls *c = s->c;
    struct cls_span e = expr;
    enum cls_agg agg = CLS_AGG_NONE;
    if (item >= 0) {
        const struct cls_item *it = &c->items[item];
        if (it->star)
            return pw_refuse(s->w, PW_UNSUPPORTED,
                             "ORDER BY / GROUP BY position %d names a * item: across shards the "
                             "router cannot tell which column it is",
                             item + 1);
        e = it->expr;
        agg = it->agg;
    }
    out->desc = desc;
    int col = item >= 0 && item < s->first_star ? item : add_hidden(s, ", ", e, "");
    if (col < 0)
        return -1;
    out->column = (uint16_t)col;
    out->weight = -1;
    if (!numeric_agg(agg)) {
        int wcol = add_weight(s, e);
        if (wcol < 0)
            return -1;
        out->weight = (int16_t)wcol;
    }
    return 0;
}

static int bad_position(struct sel *s, const struct cls_order *o)
{
    return pw_refuse(s->w, PW_UNSUPPORTED,
                     "ORDER BY / GROUP BY position %u is not in the select list (%u items)",
                     o->position, s->c->nitems);
}

/* ---- LIMIT -------------------------------------------------------------- */

static int parse_u64(struct cls_value v, uint64_t *out)
{
    uint64_t n = 0;
    if (v.type != CLS_V_INT || v.text.len == 0)
        return -1;
    for (uint32_t i = 0; i < v.text.len; i++) {
        char ch = v.text.p[i];
        if (ch < '0' || ch > '9')
            return -1;
        unsigned d = (unsigned)(ch - '0');
        n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
    }
    *out = n;
    return 0;
}

/* LIMIT / OFFSET of the statement into the merge. *rewrite: the shards'
 * clause must change (an offset, or no count). Returns 0 or -1. */
static int limit_spec(struct sel *s, bool *present, bool *offset_given)
{
    const struct cls *c = s->c;
    struct plan_merge *m = s->m;
    *present = c->has_limit || c->offset.type != CLS_V_NULL;
    *offset_given = c->offset.type != CLS_V_NULL;
    if (!*present)
        return 0;
    if (c->limit_clause.len == 0)
        return pw_refuse(s->w, PW_UNSUPPORTED,
                         "LIMIT of a parenthesized query across shards is not supported");
    uint64_t n = UINT64_MAX, o = 0;
    if ((c->has_limit && parse_u64(c->limit, &n) != 0) ||
        (*offset_given && parse_u64(c->offset, &o) != 0))
        return pw_refuse(s->w, PW_UNSUPPORTED,
                         "LIMIT with a placeholder or an expression across shards is not "
                         "supported");
    m->has_limit = true;
    m->limit = n;
    m->offset = o;
    return 0;
}

/* CONCAT / SORTED: each shard returns its first offset + count rows. */
static int push_limit(struct sel *s)
{
    bool present, offset;
    if (limit_spec(s, &present, &offset) != 0)
        return -1;
    if (!present || !offset)
        return 0;
    struct cls_span lc = s->c->limit_clause;
    struct plan_merge *m = s->m;
    if (m->limit == UINT64_MAX) {
        pw_edit_text(s->w, lc.p, lc.len, ""); /* OFFSET alone: every row */
        return 0;
    }
    uint64_t sum = m->offset > UINT64_MAX - m->limit ? UINT64_MAX : m->offset + m->limit;
    pw_edit_text(s->w, lc.p, lc.len, "LIMIT ");
    struct pedit *e = pw_edit(s->w, lc.p + lc.len, 0, PE_NUM);
    e->num = sum;
    return 0;
}

/* AGGREGATE / GROUPED: the shards return every group. */
static int drop_limit(struct sel *s)
{
    bool present, offset;
    if (limit_spec(s, &present, &offset) != 0)
        return -1;
    if (present)
        pw_edit_text(s->w, s->c->limit_clause.p, s->c->limit_clause.len, "");
    return 0;
}

/* ---- the merge kinds ---------------------------------------------------- */

static int sorted(struct sel *s)
{
    const struct cls *c = s->c;
    struct plan_merge *m = s->m;
    m->kind = c->norder > 0 ? PLAN_MERGE_SORTED : PLAN_MERGE_CONCAT;
    for (unsigned i = 0; i < c->norder; i++) {
        int it = item_of(s, &c->order[i]);
        if (it == -2)
            return bad_position(s, &c->order[i]);
        if (order_key(s, c->order[i].expr, it, c->order[i].desc, &m->order[i]) != 0)
            return -1;
    }
    m->norder = c->norder;
    return push_limit(s);
}

static int distinct(struct sel *s)
{
    const struct cls *c = s->c;
    struct plan_merge *m = s->m;
    struct pw *w = s->w;
    if (s->star)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "SELECT DISTINCT with a * item across shards is not supported: list the "
                         "columns");
    if (c->nitems > sizeof(m->order) / sizeof(m->order[0]))
        return pw_refuse(w, PW_UNSUPPORTED,
                         "SELECT DISTINCT of more than %zu items across shards is not supported",
                         sizeof(m->order) / sizeof(m->order[0]));
    m->kind = PLAN_MERGE_SORTED;
    m->distinct = true;
    if (c->norder == 0) {
        if (c->order_at == NULL)
            return pw_refuse(w, PW_UNSUPPORTED,
                             "SELECT DISTINCT in a parenthesized query across shards is not "
                             "supported");
        pw_edit_text(w, c->order_at, 0, " ORDER BY ");
        for (unsigned i = 0; i < c->nitems; i++) {
            if (i > 0)
                pw_edit_text(w, c->order_at, 0, ", ");
            struct pedit *e = pw_edit(w, c->order_at, 0, PE_NUM);
            e->num = i + 1;
            if (order_key(s, c->items[i].expr, (int)i, false, &m->order[i]) != 0)
                return -1;
        }
        m->norder = c->nitems;
        return push_limit(s);
    }
    bool covered[CLS_MAX_ITEMS] = {false};
    for (unsigned i = 0; i < c->norder; i++) {
        int it = item_of(s, &c->order[i]);
        if (it == -2)
            return bad_position(s, &c->order[i]);
        if (it < 0)
            return pw_refuse(w, PW_UNSUPPORTED,
                             "SELECT DISTINCT ordered by '%.*s', which is not a select item, "
                             "across shards is not supported",
                             (int)(c->order[i].expr.len > 64 ? 64 : c->order[i].expr.len),
                             c->order[i].expr.p);
        covered[it] = true;
        if (order_key(s, c->order[i].expr, it, c->order[i].desc, &m->order[i]) != 0)
            return -1;
    }
    m->norder = c->norder;
    for (unsigned i = 0; i < c->nitems; i++)
        if (!covered[i])
            return pw_refuse(w, PW_UNSUPPORTED,
                             "SELECT DISTINCT whose ORDER BY does not cover every select item "
                             "('%.*s' is missing) across shards is not supported",
                             (int)(c->items[i].expr.len > 64 ? 64 : c->items[i].expr.len),
                             c->items[i].expr.p);
    return push_limit(s);
}

/* Does the expression divide with '/'? (A server keeps more digits of each
 * quotient inside a SUM than the SUM's result shows, so sums of such
 * quotients from several shards cannot be added back exactly.) */
static bool divides(const struct pw *w, struct cls_span e)
{
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, e.p, e.len, w->env->lexflags);
    for (sqllex_next(&lx, &t); t.type != SQLTOK_EOF; sqllex_next(&lx, &t))
        if (t.type == SQLTOK_PUNCT && t.len == 1 && t.p[0] == '/')
            return true;
    return false;
}

/* Roles of the items of an AGGREGATE / GROUPED merge, AVG rewritten,
 * hidden COUNT and weight columns added. */
static int aggregates(struct sel *s)
{
    const struct cls *c = s->c;
    struct plan_merge *m = s->m;
    struct pw *w = s->w;
    if (s->star)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "aggregates or GROUP BY with a * item across shards are not supported: "
                         "list the columns");
    for (unsigned i = 0; i < c->nitems; i++) {
        const struct cls_item *it = &c->items[i];
        if ((it->agg == CLS_AGG_SUM || it->agg == CLS_AGG_AVG) && divides(w, it->agg_arg))
            return pw_refuse(w, PW_UNSUPPORTED,
                             "SUM or AVG of a division (%.*s) across shards is not supported: "
                             "each shard rounds its quotients' sum, so the total could differ "
                             "from one server's; divide after summing (SUM(x) / n)",
                             (int)(it->expr.len > 80 ? 80 : it->expr.len), it->expr.p);
    }
    /* first the items' own text (AVG -> SUM AS ...), then the columns
     * appended after the last item, so that an alias comes before them */
    for (unsigned i = 0; i < c->nitems; i++) {
        const struct cls_item *it = &c->items[i];
        if (it->agg != CLS_AGG_AVG)
            continue;
        pw_edit_text(w, it->expr.p, 3, "SUM");
        if (it->alias.len == 0) {
            if (it->expr.len > 250)
                return pw_refuse(w, PW_UNSUPPORTED,
                                 "AVG(...) item longer than 250 characters across shards: give "
                                 "it an alias");
            pw_edit_text(w, it->expr.p + it->expr.len, 0, " AS ");
            struct pedit *e = pw_edit(w, it->expr.p + it->expr.len, 0, PE_ALIAS);
            e->s = it->expr.p;
            e->len = it->expr.len;
        }
    }
    for (unsigned i = 0; i < c->nitems; i++) {
        const struct cls_item *it = &c->items[i];
        struct plan_col *col = &m->cols[i];
        col->avg_count = 0;
        col->weight = -1;
        col->avg_def = -1;
        switch (it->agg) {
        case CLS_AGG_COUNT_STAR:
        case CLS_AGG_COUNT:
            col->role = PLAN_COL_COUNT;
            break;
        case CLS_AGG_SUM:
            col->role = PLAN_COL_SUM;
            break;
        case CLS_AGG_MIN:
        case CLS_AGG_MAX: {
            col->role = it->agg == CLS_AGG_MIN ? PLAN_COL_MIN : PLAN_COL_MAX;
            int k = add_weight(s, it->expr);
            if (k < 0)
                return -1;
            col->weight = (int16_t)k;
            break;
        }
        case CLS_AGG_AVG: {
            col->role = PLAN_COL_AVG_SUM;
            int k = add_hidden(s, ", COUNT(", it->agg_arg, ")");
            if (k < 0)
                return -1;
            col->avg_count = (uint16_t)k;
            k = add_hidden(s, ", AVG(", it->agg_arg, ")");
            if (k < 0)
                return -1;
            col->avg_def = (int16_t)k;
            break;
        }
        default:
            col->role = PLAN_COL_VALUE;
            break;
        }
    }
    return 0;
}

static int aggregate(struct sel *s)
{
    if (s->c->having.len > 0)
        return pw_refuse(s->w, PW_UNSUPPORTED,
                         "HAVING across shards is not supported (aggregates without GROUP BY)");
    s->m->kind = PLAN_MERGE_AGGREGATE;
    if (aggregates(s) != 0)
        return -1;
    return drop_limit(s);
}

/* Is ORDER BY entry o the same key as GROUP BY entry g? */
static bool same_key(struct sel *s, const struct cls_order *o, const struct cls_order *g)
{
    int a = item_of(s, o), b = item_of(s, g);
    if (a >= 0 || b >= 0)
        return a == b;
    return cls_span_same(o->expr, g->expr, s->w->env->lexflags);
}

/* The select item an aggregate HAVING term names: its alias (bare or
 * quoted) or its expression as written. -1: none. */
static int having_item(struct sel *s, const struct sqltok *t, size_t n)
{
    const struct cls *c = s->c;
    struct cls_span e = {t[0].p, (uint32_t)(t[n - 1].p + t[n - 1].len - t[0].p)};
    for (unsigned i = 0; i < c->nitems; i++) {
        const struct cls_item *it = &c->items[i];
        if (it->agg == CLS_AGG_NONE || it->agg_distinct)
            continue;
        if (cls_span_same(it->expr, e, s->w->env->lexflags))
            return (int)i;
        if (n == 1 && it->alias.len > 0) {
            char a[PW_NAME_MAX], b[PW_NAME_MAX];
            struct cls_span tn = {t[0].p, (uint32_t)t[0].len};
            if (cls_name(it->alias, a, sizeof(a)) == 0 && cls_name(tn, b, sizeof(b)) == 0 &&
                strcasecmp(a, b) == 0)
                return (int)i;
        }
    }
    return -1;
}

/* HAVING of a grouped merge: conditions "aggregate-item op number" joined
 * with AND, applied by the router to the merged groups (the shards get
 * HAVING 1 = 1: their groups are partial). Returns 0, or refuses. */
static int having(struct sel *s)
{
    const struct cls *c = s->c;
    struct plan_merge *m = s->m;
    struct pw *w = s->w;
    static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">=", "!="};
    static const uint8_t opv[] = {PLAN_CMP_EQ, PLAN_CMP_NE, PLAN_CMP_LT, PLAN_CMP_LE,
                                  PLAN_CMP_GT, PLAN_CMP_GE, PLAN_CMP_NE};
    struct sqllex lx;
    struct sqltok t[64];
    size_t n = 0;
    sqllex_init(&lx, c->having.p, c->having.len, w->env->lexflags);
    for (sqllex_next(&lx, &t[n]); t[n].type != SQLTOK_EOF; sqllex_next(&lx, &t[n]))
        if (++n == sizeof(t) / sizeof(t[0]))
            goto unsupported;
    size_t i = 0;
    while (i < n) {
        /* the term: tokens up to the comparison operator */
        size_t j = i, op = 0;
        bool found = false;
        for (; j < n && !found; j++)
            for (op = 0; t[j].type == SQLTOK_PUNCT && op < 7; op++)
                if (t[j].len == strlen(ops[op]) && memcmp(t[j].p, ops[op], t[j].len) == 0) {
                    found = true;
                    break;
                }
        if (!found || j - 1 == i || m->nhaving == PLAN_MAX_HAVING)
            goto unsupported;
        int item = having_item(s, &t[i], j - 1 - i);
        if (item < 0)
            goto unsupported;
        /* the number, with an optional sign */
        size_t k = j;
        char num[48];
        size_t nl = 0;
        if (k < n && t[k].type == SQLTOK_PUNCT && t[k].len == 1 &&
            (t[k].p[0] == '-' || t[k].p[0] == '+'))
            num[nl++] = t[k++].p[0];
        if (k >= n || t[k].type != SQLTOK_NUMBER || t[k].len + nl >= sizeof(num) ||
            (t[k].len > 1 && (t[k].p[1] == 'x' || t[k].p[1] == 'b')))
            goto unsupported;
        memcpy(num + nl, t[k].p, t[k].len);
        nl += t[k].len;
        num[nl] = '\0';
        struct plan_having *h = &m->having[m->nhaving++];
        h->column = (uint16_t)item;
        h->op = opv[op];
        memcpy(h->value, num, nl + 1);
        i = k + 1;
        if (i < n && !sqltok_is(&t[i], "AND"))
            goto unsupported;
        if (i < n && ++i == n)
            goto unsupported;
    }
    if (m->nhaving == 0)
        goto unsupported;
    pw_edit_text(w, c->having.p, c->having.len, "1 = 1");
    return 0;
unsupported:
    m->nhaving = 0;
    return pw_refuse(w, PW_UNSUPPORTED,
                     "HAVING across shards is supported only as conditions 'aggregate of the "
                     "select list <op> number' joined with AND (GROUP BY without the shard key)");
}

static int grouped(struct sel *s)
{
    const struct cls *c = s->c;
    struct plan_merge *m = s->m;
    struct pw *w = s->w;
    if (c->having.len > 0 && having(s) != 0)
        return -1;
    if (c->distinct)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "SELECT DISTINCT with GROUP BY across shards is not supported");
    m->kind = PLAN_MERGE_GROUPED;
    if (c->norder > 0) {
        bool same = c->norder == c->ngroup;
        for (unsigned i = 0; same && i < c->norder; i++)
            same = same_key(s, &c->order[i], &c->group[i]);
        if (!same)
            return pw_refuse(w, PW_UNSUPPORTED,
                             "ORDER BY other than the GROUP BY columns across shards is not "
                             "supported (GROUP BY without the shard key)");
    } else {
        if (c->order_at == NULL)
            return pw_refuse(w, PW_UNSUPPORTED,
                             "GROUP BY in a parenthesized query across shards is not supported");
        pw_edit_text(w, c->order_at, 0, " ORDER BY ");
        for (unsigned i = 0; i < c->ngroup; i++) {
            if (i > 0)
                pw_edit_text(w, c->order_at, 0, ", ");
            pw_edit_span(w, c->order_at, c->group[i].expr);
            if (c->group[i].desc)
                pw_edit_text(w, c->order_at, 0, " DESC");
        }
    }
    if (aggregates(s) != 0)
        return -1;
    for (unsigned i = 0; i < c->ngroup; i++) {
        const struct cls_order *g = &c->group[i];
        int it = item_of(s, g);
        if (it == -2)
            return bad_position(s, g);
        bool desc = c->norder > 0 ? c->order[i].desc : g->desc;
        if (it >= 0 && c->items[it].agg != CLS_AGG_NONE)
            return pw_refuse(w, PW_UNSUPPORTED, "GROUP BY an aggregate is not supported");
        if (order_key(s, g->expr, it, desc, &m->order[i]) != 0)
            return -1;
    }
    m->norder = c->ngroup;
    return drop_limit(s);
}

/* ---- shard-local groups ------------------------------------------------- */

/* Is expression e the shard key of table i (c, t.c, alias.c, db.t.c)? */
static bool is_key_of(struct sel *s, struct cls_span e, unsigned i)
{
    const struct pw *w = s->w;
    const struct cls_table *t = &s->c->tables[i];
    char last[PW_NAME_MAX], q[PW_NAME_MAX];
    unsigned parts = colref(w, e, last, sizeof(last));
    if (parts == 0 || strcasecmp(last, w->tab[i].st->key) != 0)
        return false;
    if (parts == 1)
        return true;
    qualifier(w, e, q, sizeof(q));
    if (t->alias.len > 0)
        return name_is(t->alias, q);
    return strcmp(q, w->tab[i].name) == 0;
}

/* Does a GROUP BY entry name the shard key of a sharded table of the
 * outer block (whose sharded tables are joined on their keys)? Then each
 * group lives on one shard. */
static bool groups_local(struct sel *s)
{
    const struct cls *c = s->c;
    const struct pw *w = s->w;
    if (c->ngroup == 0 || (c->unprovable & CLS_U_JOIN_KEYS))
        return false;
    for (unsigned g = 0; g < c->ngroup; g++) {
        struct cls_span e = c->group[g].expr;
        int it = item_of(s, &c->group[g]);
        if (it >= 0 && !c->items[it].star)
            e = c->items[it].expr;
        for (unsigned i = 0; i < c->ntables; i++) {
            if (w->tab[i].kind != PT_SHARDED || (c->tables[i].flags & CLS_T_NESTED))
                continue;
            if (is_key_of(s, e, i))
                return true;
        }
    }
    return false;
}

/* ---- entry -------------------------------------------------------------- */

static uint32_t lowest_bit(uint32_t u)
{
    return u & (~u + 1);
}

int pw_select_merge(struct pw *w, const struct pins *pins)
{
    const struct cls *c = w->c;
    struct plan *p = w->p;
    struct sel s = {.w = w, .c = c, .m = &p->merge, .first_star = c->nitems};
    char tn[2 * PW_NAME_MAX];
    const char *table = pw_tname(w, (unsigned)pins->first, tn, sizeof(tn));
    if (c->flags & CLS_F_INTO)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "SELECT ... INTO reading %s across %u shards is not supported", table,
                         p->ntargets);
    for (unsigned i = 0; i < c->nitems; i++)
        if (c->items[i].star && !s.star) {
            s.star = true;
            s.first_star = (uint16_t)i;
        }
    uint32_t u = c->unprovable & ~CLS_U_ORDER_EXPR; /* keys not selected are appended */
    bool nested = false;
    for (unsigned i = 0; i < c->ntables; i++)
        nested |= w->tab[i].kind == PT_SHARDED && (c->tables[i].flags & CLS_T_NESTED);
    if (!nested) /* subqueries over reference / system tables: same on every shard */
        u &= ~(CLS_U_SUBQUERY | CLS_U_LIMIT_SUBQUERY);
    bool local = groups_local(&s);
    if (local)
        u &= ~(CLS_U_AGG_EXPR | CLS_U_AGG_OTHER | CLS_U_AGG_DISTINCT | CLS_U_HAVING_EXPR);
    if (u != 0) {
        uint32_t bit = lowest_bit(u);
        bool only = u == bit && c->unprovable_at.len > 0;
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s%s%.*s%s across shards is not supported: the statement reads %s on %u "
                         "shards",
                         cls_unprovable_name(bit), only ? " ('" : "",
                         only ? (int)(c->unprovable_at.len > 48 ? 48 : c->unprovable_at.len) : 0,
                         only ? c->unprovable_at.p : "", only ? "')" : "", table, p->ntargets);
    }
    bool has_agg = false;
    for (unsigned i = 0; i < c->nitems; i++)
        has_agg |= c->items[i].agg != CLS_AGG_NONE;
    for (unsigned i = 0; i < c->nitems; i++) {
        p->merge.cols[i].role = PLAN_COL_VALUE;
        p->merge.cols[i].avg_count = 0;
        p->merge.cols[i].weight = -1;
        p->merge.cols[i].avg_def = -1;
    }
    int rc;
    if (local || (c->ngroup == 0 && !has_agg))
        rc = c->distinct ? distinct(&s) : sorted(&s);
    else if (c->ngroup == 0)
        rc = aggregate(&s);
    else
        rc = grouped(&s);
    if (rc != 0)
        return -1;
    struct plan_merge *m = &p->merge;
    m->nhidden = s.nhidden;
    if (s.star) {
        m->ncols = 0;
        m->ncols_from_result = true;
        return 0;
    }
    m->ncols = (uint16_t)(c->nitems + s.nhidden);
    for (unsigned k = c->nitems; k < m->ncols; k++) {
        m->cols[k].role = PLAN_COL_HIDDEN;
        m->cols[k].avg_count = 0;
        m->cols[k].weight = -1;
        m->cols[k].avg_def = -1;
    }
    return 0;
}
