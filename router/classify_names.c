/*
 * classify_names.c — names, table references and literal values for the
 * classifier: unquoting (cls_name), comparing names, [schema.]table and
 * aliases, recording a table reference (CTE check and the shard-map
 * lookup), and recognising a literal, placeholder or NULL as a key value.
 */
#include "classify_int.h"

#include <string.h>

/* ---- names -------------------------------------------------------------- */

int cls_name(struct cls_span s, char *dst, size_t dstlen)
{
    const char *p = s.p;
    size_t n = s.len, o = 0;
    if (dstlen == 0)
        return -1;
    if (n >= 2 && (p[0] == '`' || p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0]) {
        char q = p[0];
        for (size_t i = 1; i + 1 < n; i++) {
            char c = p[i];
            if (c == q && i + 2 < n && p[i + 1] == q)
                i++;
            else if (c == '\\' && q == '\'' && i + 2 < n)
                c = p[++i];
            if (o + 1 >= dstlen)
                return -1;
            dst[o++] = c;
        }
    } else {
        if (n + 1 > dstlen)
            return -1;
        if (n > 0)
            memcpy(dst, p, n);
        o = n;
    }
    dst[o] = '\0';
    return 0;
}

static inline char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool is_quoted(struct cls_span s)
{
    return s.len >= 2 && (s.p[0] == '`' || s.p[0] == '"' || s.p[0] == '\'');
}

static bool ci_equal(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (upper(a[i]) != upper(b[i]))
            return false;
    return true;
}

bool name_eq_str(struct cls_span a, const char *s)
{
    if (!is_quoted(a)) {
        for (uint32_t i = 0; i < a.len; i++)
            if (s[i] == '\0' || upper(a.p[i]) != upper(s[i]))
                return false;
        return s[a.len] == '\0';
    }
    char buf[CX_NAME_MAX];
    if (cls_name(a, buf, sizeof(buf)) != 0)
        return false;
    return ci_equal(buf, strlen(buf), s, strlen(s));
}

bool name_eq(struct cls_span a, struct cls_span b)
{
    if (!is_quoted(a) && !is_quoted(b))
        return ci_equal(a.p, a.len, b.p, b.len);
    char buf[CX_NAME_MAX];
    if (cls_name(b, buf, sizeof(buf)) != 0)
        return false;
    return name_eq_str(a, buf);
}

bool parse_tname(struct cx *cx, struct cls_span *schema, struct cls_span *name)
{
    const struct ctok *t = pk(cx, 0);
    if (!tok_name(t))
        return false;
    schema->p = NULL;
    schema->len = 0;
    *name = tok_span(t);
    adv(cx);
    if (tok_punct(pk(cx, 0), '.') &&
        (pk(cx, 1)->type == SQLTOK_IDENT || pk(cx, 1)->type == SQLTOK_QIDENT)) {
        adv(cx);
        *schema = *name;
        *name = tok_span(pk(cx, 0));
        adv(cx);
    }
    return true;
}

struct cls_span parse_alias(struct cx *cx)
{
    struct cls_span a = {NULL, 0};
    const struct ctok *t = pk(cx, 0);
    if (t->kw == KW_AS) {
        adv(cx);
        t = pk(cx, 0);
        if (t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT || t->type == SQLTOK_STRING) {
            a = tok_span(t);
            adv(cx);
        } else {
            cx_fail(cx, "unexpected token");
        }
    } else if (tok_name(t) && !(t->kwf & KWF_NOALIAS)) {
        a = tok_span(t);
        adv(cx);
    }
    return a;
}

/* ---- tables and values -------------------------------------------------- */

static bool is_cte(struct cx *cx, struct cls_span name)
{
    for (unsigned i = 0; i < cx->ncte; i++)
        if (name_eq(cx->cte[i], name))
            return true;
    return false;
}

int cx_add_table(struct cx *cx, struct cls_span schema, struct cls_span name, uint16_t flags)
{
    struct cls *o = cx->out;
    if (o->ntables >= CLS_MAX_TABLES) {
        cx_fail(cx, "too many tables");
        return -1;
    }
    struct cls_table *t = &o->tables[o->ntables];
    t->schema = schema;
    t->name = name;
    t->alias.p = NULL;
    t->alias.len = 0;
    t->key_column = NULL;
    t->pinned = false;
    t->first = 0;
    t->count = 0;
    t->pin_span.p = NULL;
    t->pin_span.len = 0;
    if (cx->nest > 0)
        flags |= CLS_T_NESTED;
    if (schema.len == 0 && is_cte(cx, name)) {
        flags |= CLS_T_CTE;
    } else if (cx->lookup != NULL) {
        char sbuf[CX_NAME_MAX], nbuf[CX_NAME_MAX];
        const char *key = NULL;
        if (cls_name(schema, sbuf, sizeof(sbuf)) != 0 || cls_name(name, nbuf, sizeof(nbuf)) != 0)
            cx_partial(cx, "name too long");
        else if (cx->lookup(cx->ctx, sbuf, nbuf, &key) && key != NULL) {
            flags |= CLS_T_SHARDED;
            t->key_column = key;
        }
    }
    t->flags = flags;
    return o->ntables++;
}

void cx_add_schema(struct cx *cx, struct cls_span schema, uint16_t flags)
{
    struct cls *o = cx->out;
    if (o->ntables >= CLS_MAX_TABLES) {
        cx_fail(cx, "too many tables");
        return;
    }
    struct cls_table *t = &o->tables[o->ntables++];
    memset(t, 0, sizeof(*t));
    t->schema = schema;
    t->flags = flags;
}

struct cls_value *cx_add_value(struct cx *cx)
{
    struct cls *o = cx->out;
    if (o->nvalues >= CLS_MAX_VALUES)
        return NULL;
    return &o->values[o->nvalues++];
}

static void value_from_number(const struct ctok *t, struct cls_value *v)
{
    v->type = CLS_V_INT;
    if (t->len >= 2 && t->p[0] == '0' && (t->p[1] == 'x' || t->p[1] == 'b')) {
        v->type = CLS_V_HEX;
        return;
    }
    for (uint32_t i = 0; i < t->len; i++)
        if (t->p[i] < '0' || t->p[i] > '9')
            v->type = CLS_V_DEC;
}

/* A string token: '..', "..", N'..' (text without N), X'..' and B'..' (hex). */
static void value_from_string(const struct ctok *t, struct cls_value *v)
{
    char c = t->p[0];
    v->type = CLS_V_STRING;
    v->text.p = t->p;
    v->text.len = t->len;
    if (c == 'n' || c == 'N') {
        v->text.p++;
        v->text.len--;
    } else if (c == 'x' || c == 'X' || c == 'b' || c == 'B') {
        v->type = CLS_V_HEX;
    }
}

unsigned peek_value(struct cx *cx, unsigned k, struct cls_value *v)
{
    const struct ctok *t = pk(cx, k);
    v->param = 0;
    v->text = tok_span(t);
    v->row.p = NULL;
    v->row.len = 0;
    switch (t->type) {
    case SQLTOK_NUMBER:
        value_from_number(t, v);
        return 1;
    case SQLTOK_STRING:
        value_from_string(t, v);
        return 1;
    case SQLTOK_PARAM:
        v->type = CLS_V_PARAM;
        v->param = t->param;
        return 1;
    case SQLTOK_PUNCT: {
        const struct ctok *n = pk(cx, k + 1);
        if ((tok_punct(t, '-') || tok_punct(t, '+')) && n->type == SQLTOK_NUMBER &&
            n->p == t->p + 1) {
            value_from_number(n, v);
            if (v->type == CLS_V_HEX)
                return 0;
            v->text.len = n->len + 1;
            return 2;
        }
        return 0;
    }
    case SQLTOK_IDENT: {
        if (t->kw == KW_NULL) {
            v->type = CLS_V_NULL;
            return 1;
        }
        const struct ctok *n = pk(cx, k + 1);
        if (!(t->kwf & KWF_INTRO))
            return 0;
        if (n->type == SQLTOK_STRING && n->p[0] != 'n' && n->p[0] != 'N') {
            value_from_string(n, v);
            return 2;
        }
        if (n->type == SQLTOK_NUMBER) {
            value_from_number(n, v);
            v->text = tok_span(n);
            return v->type == CLS_V_HEX ? 2 : 0;
        }
        return 0;
    }
    default:
        return 0;
    }
}
