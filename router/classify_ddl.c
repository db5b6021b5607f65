/*
 * classify_ddl.c — CREATE, ALTER, DROP, TRUNCATE, RENAME, and the table
 * maintenance statements (ANALYZE / OPTIMIZE / REPAIR / CHECK / CHECKSUM
 * TABLE). The object and every table named (the target, LIKE and AS
 * SELECT sources, REFERENCES) are recorded; stored-program bodies are
 * skipped, BEGIN ... END and all.
 */
#include "classify_int.h"

#include <string.h>

static void ddl_start(struct cx *cx)
{
    cx->out->kind = CLS_DDL;
    cx->out->flags |= CLS_F_WRITE;
}

static void ddl_object(struct cx *cx)
{
    cx->out->ddl_object = tok_span(pk(cx, 0));
}

static void if_exists(struct cx *cx)
{
    if (!is_kw(cx, 0, KW_IF))
        return;
    adv(cx);
    accept(cx, KW_NOT);
    expect(cx, KW_EXISTS);
}

static int ddl_table(struct cx *cx, uint16_t flags)
{
    struct cls_span schema, name;
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return -1;
    }
    return cx_add_table(cx, schema, name, flags);
}

static void ddl_schema(struct cx *cx)
{
    const struct ctok *t = pk(cx, 0);
    if (!tok_name(t)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    cx_add_schema(cx, tok_span(t), CLS_T_TARGET);
    adv(cx);
}

/* A parenthesized definition: balanced, with REFERENCES tables recorded. */
static void ddl_paren(struct cx *cx)
{
    int d = 0;
    do {
        const struct ctok *t = pk(cx, 0);
        if (tok_end(t)) {
            cx_fail(cx, "unbalanced parentheses");
            return;
        }
        if (tok_punct(t, '('))
            d++;
        else if (tok_punct(t, ')'))
            d--;
        if (t->kw == KW_REFERENCES) {
            adv(cx);
            ddl_table(cx, 0);
            continue;
        }
        adv(cx);
    } while (d > 0);
}

/* DEFINER = user | CURRENT_USER[()]; a user is 'name'@'host' (a string or
 * a name followed by an @'host' variable token). */
static void skip_definer(struct cx *cx)
{
    adv(cx);
    if (!expect_punct(cx, '='))
        return;
    adv(cx);
    if (tok_punct(pk(cx, 0), '(') && tok_punct(pk(cx, 1), ')')) {
        adv(cx);
        adv(cx);
    } else if (pk(cx, 0)->type == SQLTOK_VAR) {
        adv(cx);
    }
}

/* CREATE / ALTER modifiers before the object word. Returns TEMPORARY. */
static bool ddl_modifiers(struct cx *cx)
{
    bool temp = false;
    for (;;) {
        switch (pk(cx, 0)->kw) {
        case KW_OR:
            adv(cx);
            expect(cx, KW_REPLACE);
            continue;
        case KW_TEMPORARY:
            temp = true;
            adv(cx);
            continue;
        case KW_UNIQUE:
        case KW_FULLTEXT:
        case KW_SPATIAL:
        case KW_AGGREGATE:
        case KW_ONLINE:
        case KW_OFFLINE:
        case KW_IGNORE:
            adv(cx);
            continue;
        case KW_ALGORITHM:
            adv(cx);
            if (expect_punct(cx, '='))
                adv(cx);
            continue;
        case KW_DEFINER:
            skip_definer(cx);
            continue;
        case KW_SQL:
            if (!is_kw(cx, 1, KW_SECURITY))
                return temp;
            adv(cx);
            adv(cx);
            adv(cx);
            continue;
        default:
            return temp;
        }
    }
}

/* After CREATE TABLE name: definitions, options, LIKE, AS SELECT. */
static void create_table_body(struct cx *cx)
{
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (tok_end(t))
            return;
        if (tok_punct(t, '(')) {
            if (query_start(cx, 0) || (tok_punct(pk(cx, 1), '(') && query_start(cx, 1))) {
                q_query(cx, false);
            } else if (is_kw(cx, 1, KW_LIKE)) {
                adv(cx);
                adv(cx);
                ddl_table(cx, 0);
                expect_punct(cx, ')');
            } else {
                ddl_paren(cx);
            }
            continue;
        }
        switch (t->kw) {
        case KW_LIKE:
            adv(cx);
            ddl_table(cx, 0);
            continue;
        case KW_SELECT:
        case KW_WITH:
        case KW_TABLE:
        case KW_VALUES:
            q_query(cx, false);
            continue;
        default:
            adv(cx);
            continue;
        }
    }
}

static void create_view(struct cx *cx)
{
    adv(cx);
    if_exists(cx);
    ddl_table(cx, CLS_T_TARGET);
    if (tok_punct(pk(cx, 0), '('))
        x_expr(cx, 0, NULL);
    if (!expect(cx, KW_AS))
        return;
    q_query(cx, false);
    skip_rest(cx); /* WITH [CASCADED | LOCAL] CHECK OPTION */
}

void s_create(struct cx *cx)
{
    struct cls *o = cx->out;
    ddl_start(cx);
    adv(cx);
    bool temp = ddl_modifiers(cx);
    ddl_object(cx);
    switch (pk(cx, 0)->kw) {
    case KW_TABLE:
        adv(cx);
        if_exists(cx);
        ddl_table(cx, CLS_T_TARGET);
        create_table_body(cx);
        break;
    case KW_INDEX:
        adv(cx);
        if_exists(cx);
        if (tok_name(pk(cx, 0)))
            adv(cx);
        if (accept(cx, KW_USING))
            adv(cx);
        if (expect(cx, KW_ON))
            ddl_table(cx, CLS_T_TARGET);
        skip_rest(cx);
        break;
    case KW_VIEW:
        create_view(cx);
        break;
    case KW_SEQUENCE:
        adv(cx);
        if_exists(cx);
        ddl_table(cx, CLS_T_TARGET);
        skip_rest(cx);
        break;
    case KW_DATABASE:
    case KW_SCHEMA:
        adv(cx);
        if_exists(cx);
        ddl_schema(cx);
        skip_rest(cx);
        break;
    case KW_TRIGGER:
        adv(cx);
        while (!tok_end(pk(cx, 0)) && !is_kw(cx, 0, KW_ON))
            adv(cx);
        if (accept(cx, KW_ON))
            ddl_table(cx, CLS_T_TARGET);
        skip_body(cx);
        break;
    case KW_PROCEDURE:
    case KW_FUNCTION:
    case KW_EVENT:
    case KW_PACKAGE:
        adv(cx);
        skip_body(cx);
        break;
    default: /* USER, ROLE, SERVER, TABLESPACE, ... */
        skip_rest(cx);
        break;
    }
    if (temp) {
        o->flags |= CLS_F_TEMPORARY;
        o->session |= CLS_S_TEMP_TABLE;
    } else {
        o->session |= CLS_S_TX_END;
    }
}

static void alter_table_rest(struct cx *cx)
{
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (tok_end(t))
            return;
        if (tok_punct(t, '(')) {
            ddl_paren(cx);
            continue;
        }
        switch (t->kw) {
        case KW_REFERENCES:
            adv(cx);
            ddl_table(cx, 0);
            break;
        case KW_RENAME:
            adv(cx);
            if (is_kw(cx, 0, KW_COLUMN) || is_kw(cx, 0, KW_INDEX) || is_kw(cx, 0, KW_KEY))
                break;
            if (!accept(cx, KW_TO))
                accept(cx, KW_AS);
            ddl_table(cx, CLS_T_TARGET);
            break;
        case KW_EXCHANGE:
            while (!tok_end(pk(cx, 0)) && !is_kw(cx, 0, KW_TABLE))
                adv(cx);
            if (accept(cx, KW_TABLE))
                ddl_table(cx, CLS_T_TARGET);
            break;
        default:
            adv(cx);
            break;
        }
    }
}

void s_alter(struct cx *cx)
{
    ddl_start(cx);
    cx->out->session |= CLS_S_TX_END;
    adv(cx);
    ddl_modifiers(cx);
    ddl_object(cx);
    switch (pk(cx, 0)->kw) {
    case KW_TABLE:
        adv(cx);
        if_exists(cx);
        ddl_table(cx, CLS_T_TARGET);
        alter_table_rest(cx);
        break;
    case KW_VIEW:
        create_view(cx);
        break;
    case KW_SEQUENCE:
        adv(cx);
        if_exists(cx);
        ddl_table(cx, CLS_T_TARGET);
        skip_rest(cx);
        break;
    case KW_DATABASE:
    case KW_SCHEMA: {
        adv(cx);
        const struct ctok *t = pk(cx, 0);
        if (t->type == SQLTOK_QIDENT ||
            (tok_name(t) && t->kw != KW_DEFAULT && t->kw != KW_CHARSET && t->kw != KW_COLLATE))
            ddl_schema(cx);
        skip_rest(cx);
        break;
    }
    case KW_EVENT:
        adv(cx);
        skip_body(cx);
        break;
    default:
        skip_rest(cx);
        break;
    }
}

void s_drop(struct cx *cx)
{
    struct cls *o = cx->out;
    ddl_start(cx);
    adv(cx);
    bool temp = accept(cx, KW_TEMPORARY);
    ddl_object(cx);
    switch (pk(cx, 0)->kw) {
    case KW_TABLE:
    case KW_TABLES:
    case KW_VIEW:
    case KW_SEQUENCE:
        adv(cx);
        if_exists(cx);
        do
            ddl_table(cx, CLS_T_TARGET);
        while (accept_punct(cx, ','));
        if (!accept(cx, KW_RESTRICT))
            accept(cx, KW_CASCADE);
        break;
    case KW_INDEX:
        adv(cx);
        if_exists(cx);
        if (tok_name(pk(cx, 0)))
            adv(cx);
        if (accept(cx, KW_ON))
            ddl_table(cx, CLS_T_TARGET);
        skip_rest(cx);
        break;
    case KW_DATABASE:
    case KW_SCHEMA:
        adv(cx);
        if_exists(cx);
        ddl_schema(cx);
        break;
    default:
        skip_rest(cx);
        break;
    }
    if (temp) {
        o->flags |= CLS_F_TEMPORARY;
        o->session |= CLS_S_TEMP_TABLE;
    } else {
        o->session |= CLS_S_TX_END;
    }
}

void s_truncate(struct cx *cx)
{
    ddl_start(cx);
    cx->out->session |= CLS_S_TX_END;
    adv(cx);
    if (is_kw(cx, 0, KW_TABLE)) { /* TRUNCATE t: no object word, empty ddl_object */
        ddl_object(cx);
        adv(cx);
    }
    ddl_table(cx, CLS_T_TARGET);
}

void s_rename(struct cx *cx)
{
    ddl_start(cx);
    cx->out->session |= CLS_S_TX_END;
    adv(cx);
    ddl_object(cx);
    if (!accept(cx, KW_TABLE) && !accept(cx, KW_TABLES)) {
        skip_rest(cx); /* RENAME USER */
        return;
    }
    do {
        ddl_table(cx, CLS_T_TARGET);
        if (!expect(cx, KW_TO))
            return;
        ddl_table(cx, CLS_T_TARGET);
    } while (accept_punct(cx, ','));
}

/* ANALYZE / OPTIMIZE / REPAIR / CHECK / CHECKSUM [NO_WRITE_TO_BINLOG |
 * LOCAL] TABLE t, ... [options] */
void s_table_maint(struct cx *cx)
{
    struct cls *o = cx->out;
    enum kw_id w = pk(cx, 0)->kw;
    bool reads = w == KW_CHECK || w == KW_CHECKSUM;
    o->kind = CLS_OTHER;
    if (w != KW_CHECKSUM) {
        o->flags |= CLS_F_WRITE;
        o->session |= CLS_S_TX_END;
    }
    adv(cx);
    if (!accept(cx, KW_NO_WRITE_TO_BINLOG))
        accept(cx, KW_LOCAL);
    if (!accept(cx, KW_TABLE) && !accept(cx, KW_TABLES)) {
        skip_rest(cx);
        return;
    }
    do
        ddl_table(cx, reads ? 0 : CLS_T_TARGET);
    while (accept_punct(cx, ','));
    skip_rest(cx);
}
