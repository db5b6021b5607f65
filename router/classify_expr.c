/*
 * classify_expr.c — expressions and search conditions for the classifier.
 *
 * x_expr() scans one expression without building anything: at the top
 * level it alternates operand and operator to find where the expression
 * ends (so that a bare alias, a clause keyword or a ',' stops it); inside
 * parentheses and CASE it only counts nesting. Either way every token is
 * looked at once for what routing needs: function calls (aggregates, side
 * effects, stored functions), subqueries, placeholders, user variables,
 * window functions.
 *
 * w_cond() parses a WHERE / ON condition as OR / XOR / AND / NOT over
 * predicates and returns what its top-level conjunction pins: for each
 * table of the block, a set of shard-key values (AND intersects, OR
 * unites when both sides pin the same table, NOT and XOR forget), and the
 * equalities between shard keys of two tables (join colocation).
 */
#include "classify_int.h"

#include <string.h>
#include <strings.h>

#define XS_MAXD 64

struct xs {
    int d;        /* parenthesis depth */
    int cased;    /* CASE depth */
    int between;  /* BETWEEN waiting for its AND */
    int interval; /* INTERVAL waiting for its unit */
    bool operand; /* top level: an operand is expected */
    bool strlit;  /* top level: the last operand was a string literal */
    bool dot;     /* inside: the last token was '.' */
    bool star;
    uint16_t nops;
    int8_t lvl[XS_MAXD]; /* per open parenthesis: aggregate entry, or -1 */
};

static bool x_push(struct cx *cx, struct xs *s, int agg)
{
    if (s->d >= XS_MAXD) {
        cx_fail(cx, "nested too deeply");
        return false;
    }
    s->lvl[s->d++] = (int8_t)agg;
    return true;
}

static void x_close(struct cx *cx, struct xs *s, struct xinfo *xi)
{
    const char *arg_end = cx->prev_end;
    adv(cx);
    s->d--;
    int a = s->lvl[s->d];
    if (a >= 0 && xi != NULL) {
        struct xagg *g = &xi->agg[a];
        g->arg.len = arg_end > g->arg.p ? (uint32_t)(arg_end - g->arg.p) : 0;
        g->call.len = (uint32_t)(cx->prev_end - g->call.p);
        g->windowed = pk(cx, 0)->kw == KW_OVER;
    }
    if (s->d == 0 && s->cased == 0) {
        s->operand = false;
        s->strlit = false;
    }
}

/* @@identity and @@last_insert_id read what this connection inserted. */
static bool sysvar_depends(const struct ctok *t)
{
    const char *p = t->p + 2;
    size_t n = t->len - 2;
    static const char *const scopes[] = {"session.", "global.", "local."};
    for (unsigned i = 0; i < 3; i++) {
        size_t k = strlen(scopes[i]);
        if (n > k && strncasecmp(p, scopes[i], k) == 0) {
            p += k;
            n -= k;
            break;
        }
    }
    return (n == 8 && strncasecmp(p, "identity", 8) == 0) ||
           (n == 14 && strncasecmp(p, "last_insert_id", 14) == 0);
}

static void x_var(struct cx *cx)
{
    const struct ctok *t = pk(cx, 0);
    struct cls *o = cx->out;
    if (t->len >= 2 && t->p[1] == '@') {
        if (sysvar_depends(t)) {
            o->session |= CLS_S_DEPENDS;
            o->flags |= CLS_F_PRIMARY;
        }
    } else {
        if (tok_punct2(pk(cx, 1), ":=")) {
            o->session |= CLS_S_USER_VAR;
            o->flags |= CLS_F_PRIMARY;
        } else {
            o->session |= CLS_S_USER_VAR_READ;
        }
        cx_unprov(cx, CLS_U_VARIABLES, tok_span(t));
    }
    adv(cx);
}

/* What calling a function of class fn does to the statement. */
static void fn_effects(struct cx *cx, unsigned fn)
{
    struct cls *o = cx->out;
    switch (fn) {
    case FN_NONE: /* stored function or UDF: may write */
    case FN_LOCK_INFO:
        o->flags |= CLS_F_SIDE_EFFECT_FN | CLS_F_PRIMARY;
        break;
    case FN_LOCK:
        o->flags |= CLS_F_SIDE_EFFECT_FN | CLS_F_PRIMARY;
        o->session |= CLS_S_LOCK;
        break;
    case FN_SEQ:
        o->flags |= CLS_F_SIDE_EFFECT_FN | CLS_F_PRIMARY | CLS_F_WRITE;
        break;
    case FN_DEPENDS:
        o->flags |= CLS_F_SIDE_EFFECT_FN | CLS_F_PRIMARY;
        o->session |= CLS_S_DEPENDS;
        break;
    case FN_SLEEP:
        o->flags |= CLS_F_SIDE_EFFECT_FN;
        break;
    default:
        break;
    }
}

static enum cls_agg fn_agg(unsigned fn)
{
    switch (fn) {
    case FN_COUNT:
        return CLS_AGG_COUNT;
    case FN_SUM:
        return CLS_AGG_SUM;
    case FN_MIN:
        return CLS_AGG_MIN;
    case FN_MAX:
        return CLS_AGG_MAX;
    case FN_AVG:
        return CLS_AGG_AVG;
    case FN_AGG_OTHER:
        return CLS_AGG_OTHER;
    default:
        return CLS_AGG_NONE;
    }
}

/* A call: name '(' at pk(0). stored: the name was qualified (db.f). */
static void x_call(struct cx *cx, struct xs *s, struct xinfo *xi, bool stored)
{
    const struct ctok *t = pk(cx, 0);
    const char *start = t->p;
    unsigned fn = (stored || t->type == SQLTOK_QIDENT) ? FN_NONE : t->fn;
    fn_effects(cx, fn);
    enum cls_agg kind = fn_agg(fn);
    adv(cx); /* name */
    adv(cx); /* ( */
    int idx = -1;
    if (kind != CLS_AGG_NONE && xi != NULL) {
        if (xi->naggs < XI_AGGS) {
            idx = xi->naggs;
            struct xagg *g = &xi->agg[idx];
            g->call.p = start;
            g->call.len = 0;
            g->kind = kind;
            g->distinct = false;
            g->windowed = false;
            if (accept(cx, KW_DISTINCT))
                g->distinct = true;
            else
                accept(cx, KW_ALL);
            g->arg.p = pk(cx, 0)->p;
            g->arg.len = 0;
            if (kind == CLS_AGG_COUNT && tok_punct(pk(cx, 0), '*') && tok_punct(pk(cx, 1), ')'))
                g->kind = CLS_AGG_COUNT_STAR;
        }
        if (xi->naggs < UINT8_MAX)
            xi->naggs++;
    }
    x_push(cx, s, idx);
}

/* Can a bare word followed by '(' be a call? Built-ins are; reserved words
 * that are not functions (IN, EXISTS, ...) are not; anything else is a
 * stored function or UDF. */
static bool callable(const struct ctok *t)
{
    if (t->fn == FN_NOTFN)
        return false;
    return t->fn != FN_NONE || !(t->kwf & KWF_RESERVED);
}

/* NEXT VALUE FOR seq / PREVIOUS VALUE FOR seq (MariaDB sequences). */
static bool x_seqref(struct cx *cx)
{
    const struct ctok *t = pk(cx, 0);
    if ((t->kw != KW_NEXT && t->kw != KW_PREVIOUS) || !is_kw(cx, 1, KW_VALUE) ||
        !is_kw(cx, 2, KW_FOR))
        return false;
    fn_effects(cx, t->kw == KW_NEXT ? FN_SEQ : FN_DEPENDS);
    adv(cx);
    adv(cx);
    adv(cx);
    struct cls_span schema, name;
    if (!parse_tname(cx, &schema, &name))
        cx_fail(cx, "unexpected token");
    return true;
}

static void x_over(struct cx *cx, struct xs *s)
{
    cx_unprov(cx, CLS_U_WINDOW, tok_span(pk(cx, 0)));
    adv(cx);
    const struct ctok *t = pk(cx, 0);
    if (t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT) {
        adv(cx);
    } else if (tok_punct(t, '(')) {
        adv(cx);
        x_push(cx, s, -1);
    }
}

/* UNION / EXCEPT / INTERSECT inside parentheses: ((SELECT 1) UNION SELECT
 * ...). The query that follows is parsed as such (its tables, its FOR
 * UPDATE). */
static void x_setop(struct cx *cx)
{
    cx->out->flags |= CLS_F_UNION;
    cx_unprov(cx, CLS_U_UNION, tok_span(pk(cx, 0)));
    adv(cx);
    if (!accept(cx, KW_ALL))
        accept(cx, KW_DISTINCT);
    if (!is_kw(cx, 0, KW_SELECT) || !cx_enter(cx))
        return;
    cx->nest++;
    q_query(cx, false);
    cx->nest--;
    cx_leave(cx);
}

/* A statement word that no expression can hold (the function INSERT(),
 * REPLACE(), TRUNCATE() aside): the text is not understood. */
bool x_stmt_word(struct cx *cx, const struct ctok *t)
{
    switch (t->kw) {
    case KW_SELECT:
    case KW_DELETE:
    case KW_UPDATE:
    case KW_CREATE:
    case KW_DROP:
    case KW_ALTER:
    case KW_RENAME:
    case KW_GRANT:
    case KW_REVOKE:
    case KW_CALL:
    case KW_LOAD:
    case KW_UNLOCK:
        return true;
    case KW_INSERT:
    case KW_REPLACE:
    case KW_TRUNCATE:
        return !tok_punct(pk(cx, 1), '(');
    default:
        return false;
    }
}

/* One token inside parentheses or CASE. */
static void x_inside(struct cx *cx, struct xs *s, struct xinfo *xi)
{
    const struct ctok *t = pk(cx, 0);
    bool dot = s->dot;
    s->dot = false;
    switch (t->type) {
    case SQLTOK_PUNCT:
        if (t->len != 1)
            break;
        switch (t->p[0]) {
        case '(':
            if (query_start(cx, 0)) {
                x_subquery(cx);
            } else {
                adv(cx);
                x_push(cx, s, -1);
            }
            return;
        case '{':
            adv(cx);
            x_push(cx, s, -1);
            return;
        case ')':
        case '}':
            if (s->d == 0) {
                cx_fail(cx, "unbalanced parentheses");
                return;
            }
            x_close(cx, s, xi);
            return;
        case '.':
            s->dot = true;
            break;
        default:
            break;
        }
        break;
    case SQLTOK_IDENT:
        if (tok_punct(pk(cx, 1), '(') && (dot || callable(t))) {
            x_call(cx, s, xi, dot);
            return;
        }
        if (x_stmt_word(cx, t)) {
            cx_fail(cx, "unexpected token");
            return;
        }
        switch (t->kw) {
        case KW_CASE:
            s->cased++;
            break;
        case KW_END:
            if (s->cased > 0) {
                s->cased--;
                adv(cx);
                if (s->d == 0 && s->cased == 0)
                    s->operand = false;
                return;
            }
            break;
        case KW_UNION:
        case KW_EXCEPT:
        case KW_INTERSECT:
            x_setop(cx);
            return;
        case KW_OVER:
            cx_unprov(cx, CLS_U_WINDOW, tok_span(t));
            break;
        case KW_NEXT:
        case KW_PREVIOUS:
            if (x_seqref(cx))
                return;
            break;
        default:
            break;
        }
        break;
    case SQLTOK_QIDENT:
        if (tok_punct(pk(cx, 1), '(')) {
            x_call(cx, s, xi, true);
            return;
        }
        break;
    case SQLTOK_VAR:
        x_var(cx);
        return;
    default:
        break;
    }
    adv(cx);
}

/* A name at the top level: column, t.col, db.t.col, t.*, or db.f(...). */
static bool x_name(struct cx *cx, struct xs *s)
{
    bool qualified = false;
    adv(cx);
    while (tok_punct(pk(cx, 0), '.')) {
        const struct ctok *n = pk(cx, 1);
        if (n->type == SQLTOK_IDENT || n->type == SQLTOK_QIDENT) {
            adv(cx);
            adv(cx);
            qualified = true;
        } else if (tok_punct(n, '*')) {
            adv(cx);
            adv(cx);
            s->star = true;
            break;
        } else {
            break;
        }
    }
    if (tok_punct(pk(cx, 0), '(')) {
        /* db.f(...) or `f`(...): a stored function */
        (void)qualified;
        fn_effects(cx, FN_NONE);
        adv(cx);
        return x_push(cx, s, -1);
    }
    s->operand = false;
    return true;
}

/* A bare word where an operand is expected. */
static bool x_word(struct cx *cx, struct xs *s, struct xinfo *xi)
{
    const struct ctok *t = pk(cx, 0);
    const struct ctok *n = pk(cx, 1);
    if ((t->kwf & KWF_INTRO) && (n->type == SQLTOK_STRING || n->type == SQLTOK_NUMBER)) {
        adv(cx);
        adv(cx);
        s->operand = false;
        s->strlit = n->type == SQLTOK_STRING;
        return true;
    }
    switch (t->kw) {
    case KW_DATE:
    case KW_TIME:
    case KW_TIMESTAMP:
        if (n->type == SQLTOK_STRING) {
            adv(cx);
            adv(cx);
            s->operand = false;
            return true;
        }
        break;
    case KW_CASE:
        adv(cx);
        s->cased++;
        return true;
    case KW_NOT:
    case KW_EXISTS:
        adv(cx);
        return true;
    case KW_BINARY:
        if (!tok_punct(n, '(')) {
            adv(cx);
            return true;
        }
        break;
    case KW_INTERVAL:
        adv(cx);
        s->interval++;
        return true;
    case KW_ALL:
    case KW_ANY:
    case KW_SOME:
        if (tok_punct(n, '(')) {
            adv(cx);
            return true;
        }
        break;
    case KW_NEXT:
    case KW_PREVIOUS:
        if (x_seqref(cx)) {
            s->operand = false;
            return true;
        }
        break;
    default:
        break;
    }
    if (tok_punct(n, '(') && callable(t)) {
        x_call(cx, s, xi, false);
        return true;
    }
    if ((t->kwf & KWF_RESERVED) && !(t->kwf & KWF_OPERAND))
        return false;
    return x_name(cx, s);
}

static bool x_operand(struct cx *cx, struct xs *s, struct xinfo *xi)
{
    const struct ctok *t = pk(cx, 0);
    switch (t->type) {
    case SQLTOK_NUMBER:
    case SQLTOK_PARAM:
        adv(cx);
        s->operand = false;
        return true;
    case SQLTOK_STRING:
        adv(cx);
        s->operand = false;
        s->strlit = true;
        return true;
    case SQLTOK_VAR:
        x_var(cx);
        s->operand = false;
        return true;
    case SQLTOK_QIDENT:
        return x_name(cx, s);
    case SQLTOK_IDENT:
        return x_word(cx, s, xi);
    case SQLTOK_PUNCT:
        if (t->len != 1)
            return false;
        switch (t->p[0]) {
        case '(':
            if (query_start(cx, 0)) {
                x_subquery(cx);
                s->operand = false;
                return true;
            }
            adv(cx);
            return x_push(cx, s, -1);
        case '{':
            adv(cx);
            return x_push(cx, s, -1);
        case '-':
        case '+':
        case '~':
        case '!':
            adv(cx);
            return true;
        case '*':
            adv(cx);
            s->star = true;
            s->operand = false;
            return true;
        default:
            return false;
        }
    default:
        return false;
    }
}

static bool x_binop(struct cx *cx, struct xs *s)
{
    adv(cx);
    s->operand = true;
    s->strlit = false;
    s->nops++;
    return true;
}

/* Where an operator may continue the expression. */
static bool x_operator(struct cx *cx, struct xs *s, unsigned mode)
{
    const struct ctok *t = pk(cx, 0);
    bool stop = mode & XS_STOP_BOOL;
    if (t->type == SQLTOK_PUNCT) {
        if (t->len == 1)
            return strchr("=<>+-*/%&|^", t->p[0]) != NULL ? x_binop(cx, s) : false;
        if (stop && (tok_punct2(t, "&&") || tok_punct2(t, "||")))
            return false;
        return x_binop(cx, s);
    }
    if (t->type == SQLTOK_STRING && s->strlit) {
        adv(cx); /* 'a' 'b': adjacent strings concatenate */
        return true;
    }
    if (t->type != SQLTOK_IDENT)
        return false;
    switch (t->kw) {
    case KW_AND:
        if (s->between > 0) {
            s->between--;
            adv(cx);
            s->operand = true;
            return true;
        }
        return stop ? false : x_binop(cx, s);
    case KW_OR:
    case KW_XOR:
        return stop ? false : x_binop(cx, s);
    case KW_DIV:
    case KW_MOD:
    case KW_LIKE:
    case KW_REGEXP:
    case KW_RLIKE:
    case KW_ESCAPE:
    case KW_AGAINST:
    case KW_IN:
        return x_binop(cx, s);
    case KW_SOUNDS: /* SOUNDS LIKE */
    case KW_MEMBER: /* MEMBER OF */
        adv(cx);
        if (!accept(cx, t->kw == KW_SOUNDS ? KW_LIKE : KW_OF))
            cx_fail(cx, "unexpected token");
        s->operand = true;
        s->nops++;
        return true;
    case KW_BETWEEN:
        s->between++;
        return x_binop(cx, s);
    case KW_IS:
        adv(cx);
        s->nops++;
        accept(cx, KW_NOT);
        if (is_kw(cx, 0, KW_NULL) || is_kw(cx, 0, KW_TRUE) || is_kw(cx, 0, KW_FALSE) ||
            is_kw(cx, 0, KW_UNKNOWN))
            adv(cx);
        return true;
    case KW_NOT:
        switch (pk(cx, 1)->kw) {
        case KW_IN:
        case KW_LIKE:
        case KW_BETWEEN:
        case KW_REGEXP:
        case KW_RLIKE:
            adv(cx);
            return true;
        default:
            return false;
        }
    case KW_COLLATE: {
        adv(cx);
        s->nops++;
        const struct ctok *n = pk(cx, 0);
        if (n->type == SQLTOK_IDENT || n->type == SQLTOK_QIDENT || n->type == SQLTOK_STRING)
            adv(cx);
        return true;
    }
    case KW_OVER:
        x_over(cx, s);
        return true;
    default:
        if ((t->kwf & KWF_UNIT) && s->interval > 0) {
            s->interval--;
            adv(cx);
            return true;
        }
        return false;
    }
}

void x_expr(struct cx *cx, unsigned mode, struct xinfo *xi)
{
    struct xs s;
    s.d = 0;
    s.cased = 0;
    s.between = (mode & XS_BETWEEN) ? 1 : 0;
    s.interval = 0;
    s.operand = !(mode & XS_AFTER);
    s.strlit = false;
    s.dot = false;
    s.star = false;
    s.nops = 0;
    if (mode & XS_INSIDE) {
        s.lvl[0] = -1;
        s.d = 1;
    }
    if (xi != NULL)
        xi->naggs = 0;
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (tok_end(t)) {
            if (s.d > 0 || s.cased > 0)
                cx_fail(cx, "unbalanced parentheses");
            break;
        }
        if (s.d > 0 || s.cased > 0)
            x_inside(cx, &s, xi);
        else if (s.operand ? !x_operand(cx, &s, xi) : !x_operator(cx, &s, mode))
            break;
    }
    if (xi != NULL) {
        xi->nops = s.nops;
        xi->star = s.star && s.nops == 0;
    }
}

void x_rest(struct cx *cx)
{
    while (!tok_end(pk(cx, 0))) {
        const char *p = pk(cx, 0)->p;
        x_expr(cx, 0, NULL);
        const struct ctok *t = pk(cx, 0);
        if (tok_end(t) || t->p != p)
            continue;
        if (x_stmt_word(cx, t)) {
            cx_fail(cx, "unexpected token");
            return;
        }
        adv(cx);
    }
}

void skip_rest(struct cx *cx)
{
    while (!tok_end(pk(cx, 0)))
        adv(cx);
}

void skip_body(struct cx *cx)
{
    struct blkt b;
    blkt_init(&b, true);
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (t->type == SQLTOK_EOF || (t->type == SQLTOK_SEMI && b.depth <= 0))
            return;
        blkt_feed(&b, t);
        adv(cx);
    }
}

bool query_start(struct cx *cx, unsigned k)
{
    if (!tok_punct(pk(cx, k), '('))
        return false;
    const struct ctok *t = pk(cx, k + 1);
    switch (t->kw) {
    case KW_SELECT:
    case KW_WITH:
        return true;
    case KW_VALUES:
        return is_kw(cx, k + 2, KW_ROW);
    case KW_TABLE:
        return tok_name(pk(cx, k + 2));
    default:
        return false;
    }
}

void x_subquery(struct cx *cx)
{
    struct cls *o = cx->out;
    const char *start = pk(cx, 0)->p;
    struct cls_span at = {start, 1};
    bool first = o->unprovable_at.p == NULL;
    o->flags |= CLS_F_SUBQUERY;
    cx_unprov(cx, CLS_U_SUBQUERY, at);
    adv(cx);
    if (!cx_enter(cx))
        return;
    cx->nest++;
    q_query(cx, false);
    cx->nest--;
    cx_leave(cx);
    if (expect_punct(cx, ')') && first)
        o->unprovable_at.len = (uint32_t)(cx->prev_end - start);
}

/* ---- column references -------------------------------------------------- */

unsigned peek_colref(struct cx *cx, unsigned k, struct colref *cr)
{
    const struct ctok *t = pk(cx, k);
    if (!tok_name(t))
        return 0;
    cr->nparts = 1;
    cr->part[0] = tok_span(t);
    unsigned n = 1;
    while (tok_punct(pk(cx, k + n), '.')) {
        const struct ctok *u = pk(cx, k + n + 1);
        if (cr->nparts == 3 || (u->type != SQLTOK_IDENT && u->type != SQLTOK_QIDENT))
            return 0;
        cr->part[cr->nparts++] = tok_span(u);
        n += 2;
    }
    if (tok_punct(pk(cx, k + n), '('))
        return 0;
    return n;
}

int blk_resolve(struct cx *cx, const struct blk *b, const struct colref *cr)
{
    if (cr->nparts == 1)
        return (b->nfactors == 1 && b->ntabs == 1) ? b->tabs[0] : -1;
    struct cls_span q = cr->part[cr->nparts - 2];
    for (unsigned i = 0; i < b->ntabs; i++) {
        const struct cls_table *t = &cx->out->tables[b->tabs[i]];
        if (cr->nparts == 3) {
            if (t->alias.len > 0 || !name_eq(t->name, q))
                continue;
            if (t->schema.len > 0 && !name_eq(t->schema, cr->part[0]))
                continue;
            return b->tabs[i];
        }
        if (t->alias.len > 0 ? name_eq(t->alias, q) : name_eq(t->name, q))
            return b->tabs[i];
    }
    return -1;
}

bool col_is_key(struct cx *cx, int ti, const struct colref *cr)
{
    if (ti < 0)
        return false;
    const struct cls_table *t = &cx->out->tables[ti];
    return (t->flags & CLS_T_SHARDED) && !(t->flags & CLS_T_CTE) && t->key_column != NULL &&
           name_eq_str(cr->part[cr->nparts - 1], t->key_column);
}

/* ---- pin sets ----------------------------------------------------------- */

static bool int_eq(struct cls_span a, struct cls_span b)
{
    const char *p = a.p, *pe = a.p + a.len, *q = b.p, *qe = b.p + b.len;
    bool na = false, nb = false;
    if (p < pe && (*p == '-' || *p == '+'))
        na = *p++ == '-';
    if (q < qe && (*q == '-' || *q == '+'))
        nb = *q++ == '-';
    while (p < pe && *p == '0')
        p++;
    while (q < qe && *q == '0')
        q++;
    if (pe - p != qe - q || memcmp(p, q, (size_t)(pe - p)) != 0)
        return false;
    return p == pe || na == nb;
}

/* Could x and y be the same key? Only integers are compared for sure:
 * strings depend on the collation, and 1 = '1' = 1.0. */
static bool maybe_eq(const struct cls_value *x, const struct cls_value *y)
{
    if (x->type == CLS_V_INT && y->type == CLS_V_INT)
        return int_eq(x->text, y->text);
    return true;
}

bool cls_value_same(const struct cls_value *x, const struct cls_value *y)
{
    if (x->type != y->type)
        return false;
    if (x->type == CLS_V_PARAM)
        return x->param == y->param;
    if (x->type == CLS_V_INT)
        return int_eq(x->text, y->text);
    return x->text.len == y->text.len && memcmp(x->text.p, y->text.p, x->text.len) == 0;
}

static int sum_find(const struct sum *s, uint8_t t)
{
    for (unsigned i = 0; i < s->npins; i++)
        if (s->pin[i].t == t)
            return (int)i;
    return -1;
}

#define SET_OPS_MAX 4096 /* pairwise comparisons per AND / OR: keep it linear */

/* a AND b for one table: keep a's values that may equal one of b's. Too
 * big to compare: keep the smaller set (a superset of the intersection). */
static void pin_and(struct cx *cx, uint16_t *af, uint16_t *ac, uint16_t bf, uint16_t bc)
{
    struct cls_value *v = cx->out->values;
    if ((uint32_t)*ac * bc > SET_OPS_MAX) {
        if (bc < *ac) {
            *af = bf;
            *ac = bc;
        }
        return;
    }
    uint16_t w = *af;
    for (uint16_t i = *af; i < *af + *ac; i++) {
        for (uint16_t j = bf; j < bf + bc; j++) {
            if (maybe_eq(&v[i], &v[j])) {
                v[w++] = v[i];
                break;
            }
        }
    }
    *ac = (uint16_t)(w - *af);
}

static void sum_and(struct cx *cx, struct sum *a, const struct sum *b)
{
    for (unsigned i = 0; i < b->npins; i++) {
        int k = sum_find(a, b->pin[i].t);
        if (k < 0) {
            if (a->npins < SUM_PINS)
                a->pin[a->npins++] = b->pin[i];
            continue;
        }
        pin_and(cx, &a->pin[k].first, &a->pin[k].count, b->pin[i].first, b->pin[i].count);
        a->pin[k].span.p = NULL; /* two predicates: not one list any more */
        a->pin[k].span.len = 0;
    }
    for (unsigned i = 0; i < b->nedges && a->nedges < BLK_EDGES; i++) {
        a->edge[a->nedges][0] = b->edge[i][0];
        a->edge[a->nedges][1] = b->edge[i][1];
        a->nedges++;
    }
}

/* a OR b: a table stays pinned only when both sides pin it; its set is the
 * union (a new range at the end of values[]; no room: not pinned). */
static void sum_or(struct cx *cx, struct sum *a, const struct sum *b)
{
    struct cls *o = cx->out;
    unsigned n = 0;
    for (unsigned i = 0; i < a->npins; i++) {
        int k = sum_find(b, a->pin[i].t);
        if (k < 0)
            continue;
        uint16_t af = a->pin[i].first, ac = a->pin[i].count;
        uint16_t bf = b->pin[k].first, bc = b->pin[k].count;
        if ((unsigned)o->nvalues + ac + bc > CLS_MAX_VALUES) {
            cx_partial(cx, "too many values");
            continue;
        }
        uint16_t first = o->nvalues;
        for (uint16_t j = af; j < af + ac; j++)
            o->values[o->nvalues++] = o->values[j];
        bool dedupe = (uint32_t)ac * bc <= SET_OPS_MAX;
        for (uint16_t j = bf; j < bf + bc; j++) {
            bool dup = false;
            for (uint16_t q = first; dedupe && q < first + ac && !dup; q++)
                dup = cls_value_same(&o->values[q], &o->values[j]);
            if (!dup)
                o->values[o->nvalues++] = o->values[j];
        }
        a->pin[n].t = a->pin[i].t;
        a->pin[n].first = first;
        a->pin[n].count = (uint16_t)(o->nvalues - first);
        a->pin[n].span.p = NULL;
        a->pin[n].span.len = 0;
        n++;
    }
    a->npins = (uint8_t)n;
    a->nedges = 0;
}

/* ---- predicates --------------------------------------------------------- */

/* Does the token end a predicate (so that `col = 5` is all of it)? */
static bool pin_term(const struct ctok *t)
{
    if (tok_end(t) || tok_punct(t, ')') || tok_punct2(t, "&&"))
        return true;
    if (t->type != SQLTOK_IDENT)
        return false;
    return t->kw == KW_AND || t->kw == KW_OR || t->kw == KW_XOR || (t->kwf & KWF_CLAUSE);
}

static bool is_nullsafe_eq(const struct ctok *t)
{
    return t->type == SQLTOK_PUNCT && t->len == 3 && memcmp(t->p, "<=>", 3) == 0;
}

static bool is_eq_op(const struct ctok *t)
{
    return tok_punct(t, '=') || is_nullsafe_eq(t);
}

static void skip_n(struct cx *cx, unsigned n)
{
    while (n-- > 0)
        adv(cx);
}

static void w_pin(struct cx *cx, struct blk *b, struct sum *out, const struct colref *cr,
                  const struct cls_value *v, struct cls_span span)
{
    int ti = blk_resolve(cx, b, cr);
    if (!col_is_key(cx, ti, cr) || out->npins >= SUM_PINS)
        return;
    struct cls_value *nv = cx_add_value(cx);
    if (nv == NULL) {
        cx_partial(cx, "too many values");
        return;
    }
    *nv = *v;
    out->pin[out->npins].t = (uint8_t)ti;
    out->pin[out->npins].first = (uint16_t)(nv - cx->out->values);
    out->pin[out->npins].count = 1;
    out->pin[out->npins].span = span;
    out->npins++;
}

static void w_edge(struct cx *cx, struct blk *b, struct sum *out, const struct colref *x,
                   const struct colref *y)
{
    int ti = blk_resolve(cx, b, x), tj = blk_resolve(cx, b, y);
    if (ti == tj || !col_is_key(cx, ti, x) || !col_is_key(cx, tj, y) || out->nedges >= BLK_EDGES)
        return;
    out->edge[out->nedges][0] = (uint8_t)ti;
    out->edge[out->nedges][1] = (uint8_t)tj;
    out->nedges++;
}

/* col IN (v1, v2, ...): after the '('. */
static void w_in(struct cx *cx, struct blk *b, struct sum *out, const struct colref *cr)
{
    struct cls *o = cx->out;
    int ti = blk_resolve(cx, b, cr);
    bool key = col_is_key(cx, ti, cr) && out->npins < SUM_PINS;
    bool room = true;
    uint16_t first = o->nvalues;
    struct cls_span list = {pk(cx, 0)->p, 0};
    for (;;) {
        struct cls_value v;
        unsigned vn = peek_value(cx, 0, &v);
        const struct ctok *after = pk(cx, vn);
        if (vn == 0 || !(tok_punct(after, ',') || tok_punct(after, ')'))) {
            o->nvalues = first;
            x_expr(cx, XS_INSIDE | XS_STOP_BOOL, NULL);
            return;
        }
        if (key && room) {
            struct cls_value *nv = cx_add_value(cx);
            if (nv != NULL)
                *nv = v;
            else
                room = false;
        }
        skip_n(cx, vn);
        if (!accept_punct(cx, ','))
            break;
    }
    list.len = (uint32_t)(cx->prev_end - list.p);
    adv(cx); /* ) */
    if (!pin_term(pk(cx, 0))) {
        o->nvalues = first;
        x_expr(cx, XS_AFTER | XS_STOP_BOOL, NULL);
        return;
    }
    if (!room)
        cx_partial(cx, "too many values");
    if (!key || !room) {
        o->nvalues = first;
        return;
    }
    out->pin[out->npins].t = (uint8_t)ti;
    out->pin[out->npins].first = first;
    out->pin[out->npins].count = (uint16_t)(o->nvalues - first);
    out->pin[out->npins].span = list;
    out->npins++;
}

/* A predicate: col = value, value = col, col = col, col IN (...), or
 * anything else (scanned, pins nothing). */
static void w_pred(struct cx *cx, struct blk *b, struct sum *out)
{
    struct colref cr, cr2;
    struct cls_value v;
    unsigned n = peek_colref(cx, 0, &cr);
    if (n > 0) {
        const struct ctok *op = pk(cx, n);
        if (is_eq_op(op)) {
            unsigned vn = peek_value(cx, n + 1, &v);
            if (vn > 0 && pin_term(pk(cx, n + 1 + vn))) {
                struct cls_span at = tok_span(pk(cx, n + 1));
                const struct ctok *last = pk(cx, n + vn);
                at.len = (uint32_t)(last->p + last->len - at.p);
                /* key <=> NULL is key IS NULL: it matches rows; no pin */
                bool null_safe_null = v.type == CLS_V_NULL && is_nullsafe_eq(op);
                skip_n(cx, n + 1 + vn);
                if (!null_safe_null)
                    w_pin(cx, b, out, &cr, &v, at);
                return;
            }
            unsigned m = peek_colref(cx, n + 1, &cr2);
            if (m > 0 && pin_term(pk(cx, n + 1 + m))) {
                skip_n(cx, n + 1 + m);
                w_edge(cx, b, out, &cr, &cr2);
                return;
            }
        } else if (op->kw == KW_IN && tok_punct(pk(cx, n + 1), '(') && !query_start(cx, n + 1)) {
            skip_n(cx, n + 2);
            w_in(cx, b, out, &cr);
            return;
        }
    } else {
        unsigned vn = peek_value(cx, 0, &v);
        if (vn > 0 && is_eq_op(pk(cx, vn))) {
            bool null_safe_null = v.type == CLS_V_NULL && is_nullsafe_eq(pk(cx, vn));
            unsigned m = peek_colref(cx, vn + 1, &cr);
            if (m > 0 && pin_term(pk(cx, vn + 1 + m))) {
                struct cls_span at = tok_span(pk(cx, 0));
                const struct ctok *last = pk(cx, vn - 1);
                at.len = (uint32_t)(last->p + last->len - at.p);
                skip_n(cx, vn + 1 + m);
                if (!null_safe_null)
                    w_pin(cx, b, out, &cr, &v, at);
                return;
            }
        }
    }
    x_expr(cx, XS_STOP_BOOL, NULL);
}

static void w_or(struct cx *cx, struct blk *b, struct sum *out);

static void w_primary(struct cx *cx, struct blk *b, struct sum *out)
{
    out->npins = out->nedges = 0;
    if (!tok_punct(pk(cx, 0), '(') || query_start(cx, 0)) {
        w_pred(cx, b, out);
        return;
    }
    if (!cx_enter(cx))
        return;
    adv(cx);
    w_or(cx, b, out);
    cx_leave(cx);
    if (!tok_punct(pk(cx, 0), ')')) {
        /* (a, b) = (1, 2), (a + 1) ...: not a condition in parentheses */
        out->npins = out->nedges = 0;
        x_expr(cx, XS_INSIDE | XS_STOP_BOOL, NULL);
        return;
    }
    adv(cx);
    if (!pin_term(pk(cx, 0))) {
        out->npins = out->nedges = 0;
        x_expr(cx, XS_AFTER | XS_STOP_BOOL, NULL);
    }
}

static void w_not(struct cx *cx, struct blk *b, struct sum *out)
{
    const struct ctok *t = pk(cx, 0);
    if (t->kw == KW_NOT || tok_punct(t, '!')) {
        if (!cx_enter(cx))
            return;
        adv(cx);
        w_not(cx, b, out);
        cx_leave(cx);
        out->npins = out->nedges = 0;
        return;
    }
    w_primary(cx, b, out);
}

static void w_and(struct cx *cx, struct blk *b, struct sum *out)
{
    w_not(cx, b, out);
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (t->kw != KW_AND && !tok_punct2(t, "&&"))
            return;
        adv(cx);
        struct sum r;
        w_not(cx, b, &r);
        sum_and(cx, out, &r);
    }
}

static void w_xor(struct cx *cx, struct blk *b, struct sum *out)
{
    w_and(cx, b, out);
    while (is_kw(cx, 0, KW_XOR)) {
        adv(cx);
        struct sum r;
        w_and(cx, b, &r);
        out->npins = out->nedges = 0;
    }
}

static void w_or(struct cx *cx, struct blk *b, struct sum *out)
{
    w_xor(cx, b, out);
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (t->kw != KW_OR && !tok_punct2(t, "||"))
            return;
        adv(cx);
        struct sum r;
        w_xor(cx, b, &r);
        sum_or(cx, out, &r);
    }
}

void w_cond(struct cx *cx, struct blk *b, struct sum *out)
{
    const char *p = pk(cx, 0)->p;
    w_or(cx, b, out);
    if (pk(cx, 0)->p == p)
        cx_fail(cx, "unexpected token");
}

void blk_add_edges(struct blk *b, const struct sum *s)
{
    for (unsigned i = 0; i < s->nedges && b->nedges < BLK_EDGES; i++) {
        b->edges[b->nedges][0] = s->edge[i][0];
        b->edges[b->nedges][1] = s->edge[i][1];
        b->nedges++;
    }
}

void w_where(struct cx *cx, struct blk *b)
{
    struct sum s;
    adv(cx); /* WHERE */
    w_cond(cx, b, &s);
    for (unsigned i = 0; i < s.npins; i++) {
        struct cls_table *t = &cx->out->tables[s.pin[i].t];
        t->pinned = true;
        t->first = s.pin[i].first;
        t->count = s.pin[i].count;
        t->pin_span = s.pin[i].span;
    }
    blk_add_edges(b, &s);
}

static unsigned uf_find(uint8_t *parent, unsigned i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

void blk_check_joins(struct cx *cx, struct blk *b)
{
    struct cls *o = cx->out;
    uint8_t list[CLS_MAX_TABLES], parent[CLS_MAX_TABLES];
    unsigned n = 0;
    for (unsigned i = 0; i < b->ntabs; i++) {
        const struct cls_table *t = &o->tables[b->tabs[i]];
        if ((t->flags & CLS_T_SHARDED) && !(t->flags & CLS_T_CTE)) {
            parent[n] = (uint8_t)n;
            list[n++] = b->tabs[i];
        }
    }
    if (n < 2)
        return;
    for (unsigned e = 0; e < b->nedges; e++) {
        int x = -1, y = -1;
        for (unsigned i = 0; i < n; i++) {
            if (list[i] == b->edges[e][0])
                x = (int)i;
            if (list[i] == b->edges[e][1])
                y = (int)i;
        }
        if (x >= 0 && y >= 0)
            parent[uf_find(parent, (unsigned)x)] = (uint8_t)uf_find(parent, (unsigned)y);
    }
    unsigned root = uf_find(parent, 0);
    for (unsigned i = 1; i < n; i++) {
        if (uf_find(parent, i) != root) {
            cx_unprov(cx, CLS_U_JOIN_KEYS, o->tables[list[i]].name);
            return;
        }
    }
}
