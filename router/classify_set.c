/*
 * classify_set.c — SET: system variables by scope, user variables, NAMES /
 * CHARACTER SET, TRANSACTION characteristics, PASSWORD / ROLE, and
 * MariaDB's SET STATEMENT ... FOR <statement>.
 */
#include "classify_int.h"

#include <string.h>
#include <strings.h>

static struct cls_set *add_set(struct cx *cx, enum cls_scope scope, struct cls_span name)
{
    struct cls *o = cx->out;
    if (o->nsets >= CLS_MAX_SETS) {
        cx_fail(cx, "too many assignments");
        return NULL;
    }
    struct cls_set *s = &o->sets[o->nsets++];
    s->scope = scope;
    s->name = name;
    s->value.p = NULL;
    s->value.len = 0;
    return s;
}

static struct cls_span static_span(const char *s)
{
    struct cls_span sp = {s, (uint32_t)strlen(s)};
    return sp;
}

static bool scope_word(const struct ctok *t, enum cls_scope *scope)
{
    switch (t->kw) {
    case KW_GLOBAL:
        *scope = CLS_SCOPE_GLOBAL;
        return true;
    case KW_SESSION:
        *scope = CLS_SCOPE_SESSION;
        return true;
    case KW_LOCAL:
        *scope = CLS_SCOPE_LOCAL;
        return true;
    case KW_PERSIST:
    case KW_PERSIST_ONLY:
        *scope = CLS_SCOPE_PERSIST;
        return true;
    default:
        return false;
    }
}

static bool is_assign_tok(const struct ctok *t)
{
    return tok_punct(t, '=') || tok_punct2(t, ":=");
}

/* @@[scope.]name: the scope and the name without them. */
static enum cls_scope sysvar_scope(struct cls_span *name)
{
    static const struct {
        const char *prefix;
        enum cls_scope scope;
    } pre[] = {{"global.", CLS_SCOPE_GLOBAL},
               {"session.", CLS_SCOPE_SESSION},
               {"local.", CLS_SCOPE_LOCAL},
               {"persist.", CLS_SCOPE_PERSIST},
               {"persist_only.", CLS_SCOPE_PERSIST}};
    name->p += 2;
    name->len -= 2;
    for (unsigned i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
        size_t k = strlen(pre[i].prefix);
        if (name->len > k && strncasecmp(name->p, pre[i].prefix, k) == 0) {
            name->p += k;
            name->len -= (uint32_t)k;
            return pre[i].scope;
        }
    }
    return CLS_SCOPE_DEFAULT;
}

/* The value of an assignment: a single word (ON, OFF, DEFAULT, a charset)
 * or an expression. */
static struct cls_span set_value(struct cx *cx)
{
    const struct ctok *t = pk(cx, 0);
    struct cls_span v = {t->p, 0};
    const struct ctok *n = pk(cx, 1);
    if ((t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT) &&
        (tok_end(n) || tok_punct(n, ','))) {
        adv(cx);
    } else {
        x_expr(cx, 0, NULL);
        if (pk(cx, 0)->p == t->p) {
            cx_fail(cx, "unexpected token");
            return v;
        }
    }
    v.len = (uint32_t)(cx->prev_end - v.p);
    return v;
}

static void sysvar_flags(struct cx *cx, enum cls_scope scope, struct cls_span name)
{
    struct cls *o = cx->out;
    switch (scope) {
    case CLS_SCOPE_USER:
        o->session |= CLS_S_USER_VAR;
        o->flags |= CLS_F_PRIMARY;
        break;
    case CLS_SCOPE_GLOBAL:
    case CLS_SCOPE_PERSIST:
        o->session |= CLS_S_GLOBAL;
        o->flags |= CLS_F_WRITE;
        break;
    default:
        o->session |= CLS_S_SYSVAR;
        if (name_eq_str(name, "autocommit"))
            o->session |= CLS_S_AUTOCOMMIT;
        else if (name_eq_str(name, "tx_isolation") || name_eq_str(name, "transaction_isolation") ||
                 name_eq_str(name, "tx_read_only") || name_eq_str(name, "transaction_read_only"))
            o->session |= CLS_S_TX_CHARS;
        break;
    }
}

/* NAMES cs [COLLATE c] | CHARACTER SET cs | CHARSET cs (each may be DEFAULT). */
static void set_names(struct cx *cx, enum cls_scope scope, const char *name)
{
    struct cls_set *s = add_set(cx, scope, static_span(name));
    if (s == NULL)
        return;
    const struct ctok *t = pk(cx, 0);
    if (t->type != SQLTOK_IDENT && t->type != SQLTOK_QIDENT && t->type != SQLTOK_STRING) {
        cx_fail(cx, "unexpected token");
        return;
    }
    s->value.p = t->p;
    adv(cx);
    if (accept(cx, KW_COLLATE)) {
        t = pk(cx, 0);
        if (t->type != SQLTOK_IDENT && t->type != SQLTOK_QIDENT && t->type != SQLTOK_STRING) {
            cx_fail(cx, "unexpected token");
            return;
        }
        adv(cx);
    }
    s->value.len = (uint32_t)(cx->prev_end - s->value.p);
    cx->out->session |= CLS_S_NAMES;
}

/* One assignment of SET. */
static bool set_one(struct cx *cx, enum cls_scope scope)
{
    const struct ctok *t = pk(cx, 0);
    if (t->kw == KW_NAMES) {
        adv(cx);
        set_names(cx, scope, "names");
        return true;
    }
    if (t->kw == KW_CHARSET || (t->kw == KW_CHARACTER && is_kw(cx, 1, KW_SET))) {
        if (t->kw == KW_CHARACTER)
            adv(cx);
        adv(cx);
        set_names(cx, scope, "charset");
        return true;
    }
    struct cls_span name = tok_span(t);
    if (t->type == SQLTOK_VAR) {
        if (t->len >= 2 && t->p[1] == '@') {
            scope = sysvar_scope(&name);
        } else {
            scope = CLS_SCOPE_USER;
            name.p++;
            name.len--;
        }
        adv(cx);
    } else if (t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT) {
        adv(cx);
        while (tok_punct(pk(cx, 0), '.') &&
               (pk(cx, 1)->type == SQLTOK_IDENT || pk(cx, 1)->type == SQLTOK_QIDENT)) {
            adv(cx);
            adv(cx);
        }
        name.len = (uint32_t)(cx->prev_end - name.p);
    } else {
        cx_fail(cx, "unexpected token");
        return false;
    }
    if (!is_assign_tok(pk(cx, 0))) {
        cx_fail(cx, "unexpected token");
        return false;
    }
    adv(cx);
    struct cls_set *s = add_set(cx, scope, name);
    if (s == NULL)
        return false;
    s->value = set_value(cx);
    sysvar_flags(cx, scope, name);
    return true;
}

/* [scope] TRANSACTION characteristic, ... */
static void set_tx(struct cx *cx, enum cls_scope scope)
{
    struct cls *o = cx->out;
    struct cls_set *s = add_set(cx, scope, tok_span(pk(cx, 0)));
    adv(cx);
    if (s == NULL)
        return;
    s->value.p = pk(cx, 0)->p;
    do {
        if (accept(cx, KW_ISOLATION)) {
            if (!expect(cx, KW_LEVEL))
                return;
            if (accept(cx, KW_READ)) {
                if (!accept(cx, KW_COMMITTED) && !expect(cx, KW_UNCOMMITTED))
                    return;
            } else if (accept(cx, KW_REPEATABLE)) {
                if (!expect(cx, KW_READ))
                    return;
            } else if (!expect(cx, KW_SERIALIZABLE)) {
                return;
            }
        } else if (accept(cx, KW_READ)) {
            if (!accept(cx, KW_ONLY) && !expect(cx, KW_WRITE))
                return;
        } else {
            cx_fail(cx, "unexpected token");
            return;
        }
    } while (accept_punct(cx, ','));
    s->value.len = (uint32_t)(cx->prev_end - s->value.p);
    switch (scope) {
    case CLS_SCOPE_DEFAULT:
        o->session |= CLS_S_NEXT_TX;
        break;
    case CLS_SCOPE_GLOBAL:
    case CLS_SCOPE_PERSIST:
        o->session |= CLS_S_GLOBAL;
        o->flags |= CLS_F_WRITE;
        break;
    default:
        o->session |= CLS_S_TX_CHARS;
        break;
    }
}

/* SET STATEMENT var = value, ... FOR statement: the assignments last for
 * the one statement, whose kind and flags are the result's. */
static void set_statement(struct cx *cx)
{
    adv(cx); /* STATEMENT */
    do {
        const struct ctok *t = pk(cx, 0);
        if (t->type != SQLTOK_IDENT && t->type != SQLTOK_QIDENT) {
            cx_fail(cx, "unexpected token");
            return;
        }
        struct cls_span name = tok_span(t);
        adv(cx);
        if (!is_assign_tok(pk(cx, 0))) {
            cx_fail(cx, "unexpected token");
            return;
        }
        adv(cx);
        struct cls_set *s = add_set(cx, CLS_SCOPE_SESSION, name);
        if (s == NULL)
            return;
        s->value = set_value(cx);
    } while (accept_punct(cx, ','));
    if (expect(cx, KW_FOR))
        st_statement(cx);
}

void s_set(struct cx *cx)
{
    struct cls *o = cx->out;
    o->kind = CLS_SET;
    adv(cx);
    const struct ctok *t = pk(cx, 0);
    if (t->kw == KW_STATEMENT) {
        set_statement(cx);
        return;
    }
    if (t->kw == KW_PASSWORD || t->kw == KW_ROLE ||
        (t->kw == KW_DEFAULT && is_kw(cx, 1, KW_ROLE))) {
        o->flags |= CLS_F_WRITE;
        o->session |= CLS_S_UNKNOWN;
        if (t->kw != KW_ROLE)
            o->session |= CLS_S_TX_END; /* writes the mysql schema */
        skip_rest(cx);
        return;
    }
    enum cls_scope scope = CLS_SCOPE_DEFAULT;
    for (;;) {
        enum cls_scope sc;
        if (scope_word(pk(cx, 0), &sc) && !is_assign_tok(pk(cx, 1))) {
            scope = sc;
            adv(cx);
        }
        if (is_kw(cx, 0, KW_TRANSACTION)) {
            set_tx(cx, scope);
            return;
        }
        if (!set_one(cx, scope) || !accept_punct(cx, ','))
            return;
    }
}
