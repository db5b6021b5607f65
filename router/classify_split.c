/*
 * classify_split.c — splitting a multi-statement text, and the tracker of
 * compound-statement nesting it shares with classify() (stored-program
 * bodies contain ';' that do not end the statement).
 */
#include "classify_int.h"

#include <string.h>

void blkt_init(struct blkt *b, bool compound)
{
    memset(b, 0, sizeof(*b));
    b->compound = compound;
    if (compound)
        b->ntok = 2;
}

static void blkt_open(struct blkt *b, bool case_expr)
{
    if (b->depth >= 0 && b->depth < 32) {
        if (case_expr)
            b->casexpr |= 1u << b->depth;
        else
            b->casexpr &= ~(1u << b->depth);
    }
    b->depth++;
}

static bool in_case_expr(const struct blkt *b)
{
    return b->depth > 0 && b->depth <= 32 && (b->casexpr & (1u << (b->depth - 1)));
}

/* The first tokens: is this a compound statement or a stored-program
 * definition (then follow the nesting), or a plain statement? */
static void blkt_head(struct blkt *b, const struct ctok *t, unsigned n)
{
    if (n == 0) {
        switch (t->kw) {
        case KW_BEGIN:
            b->pending_begin = true;
            return;
        case KW_IF:
        case KW_WHILE:
        case KW_LOOP:
        case KW_REPEAT:
        case KW_CASE:
        case KW_FOR:
            b->compound = true;
            b->stmt_start = true;
            return;
        case KW_CREATE:
        case KW_ALTER:
            b->create_scan = 12;
            return;
        default:
            b->pending_label = t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT;
            return;
        }
    }
    if (b->pending_begin) {
        b->pending_begin = false;
        if (t->kw != KW_WORK && t->type != SQLTOK_SEMI) {
            b->compound = true;
            b->depth = 1;
            b->stmt_start = true;
        }
    }
    if (b->pending_label) {
        b->pending_label = false;
        if (tok_punct(t, ':')) {
            b->compound = true;
            b->stmt_start = true;
        }
    }
}

static void blkt_create(struct blkt *b, const struct ctok *t)
{
    b->create_scan--;
    switch (t->kw) {
    case KW_PROCEDURE:
    case KW_FUNCTION:
    case KW_TRIGGER:
    case KW_EVENT:
    case KW_PACKAGE:
        b->compound = true;
        b->create_scan = 0;
        break;
    case KW_TABLE:
    case KW_VIEW:
    case KW_INDEX:
    case KW_DATABASE:
    case KW_SCHEMA:
    case KW_USER:
    case KW_SEQUENCE:
        b->create_scan = 0;
        break;
    default:
        if (tok_punct(t, '('))
            b->create_scan = 0;
        break;
    }
}

bool blkt_feed(struct blkt *b, const struct ctok *t)
{
    bool semi = t->type == SQLTOK_SEMI;
    unsigned n = b->ntok;
    if (b->ntok < UINT8_MAX)
        b->ntok++;
    if (n < 2)
        blkt_head(b, t, n);
    if (b->create_scan > 0 && n > 0)
        blkt_create(b, t);
    if (!b->compound)
        return semi;
    if (semi) {
        if (b->depth <= 0)
            return true;
        b->stmt_start = true;
        b->after_end = false;
        return false;
    }
    bool start = b->stmt_start;
    bool after_end = b->after_end;
    b->stmt_start = false;
    b->after_end = false;
    switch (t->kw) {
    case KW_BEGIN:
        blkt_open(b, false);
        b->stmt_start = true;
        break;
    case KW_CASE:
        if (!after_end)
            blkt_open(b, !start);
        break;
    case KW_IF:
    case KW_WHILE:
    case KW_FOR:
        if (start && !after_end)
            blkt_open(b, false);
        break;
    case KW_LOOP:
    case KW_REPEAT:
        if (start && !after_end)
            blkt_open(b, false);
        b->stmt_start = !after_end;
        break;
    case KW_END:
        if (b->depth > 0)
            b->depth--;
        b->after_end = true;
        break;
    case KW_THEN:
    case KW_ELSE:
        b->stmt_start = !in_case_expr(b);
        break;
    case KW_DO:
    case KW_ATOMIC:
    case KW_ROW:
    case KW_DETERMINISTIC:
    case KW_DATA:
    case KW_SQL:
        b->stmt_start = true;
        break;
    default:
        if (tok_punct(t, ':') || (tok_punct(t, ')') && b->depth == 0))
            b->stmt_start = true;
        break;
    }
    return false;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int cls_next_statement(const char *sql, size_t len, unsigned lexflags, size_t *pos, size_t *start,
                       size_t *stmt_len)
{
    struct sqllex lx;
    struct sqltok t;
    struct ctok c;
    struct blkt b;
    bool any = false;

    kw_init();
    if (*pos >= len)
        return 0;
    const char *seg = sql + *pos;
    sqllex_init(&lx, seg, len - *pos, lexflags);
    blkt_init(&b, false);
    for (;;) {
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_ERROR)
            return -1;
        const char *end = sql + len;
        if (t.type != SQLTOK_EOF) {
            c.p = t.p;
            c.len = (uint32_t)t.len;
            c.type = (uint8_t)t.type;
            c.param = 0;
            c.kw = 0;
            c.kwf = c.fn = 0;
            if (t.type == SQLTOK_IDENT)
                c.kw = kw_lookup(t.p, t.len, sql, lx.end, &c.kwf, &c.fn);
            if (t.type == SQLTOK_SEMI && !any) {
                seg = t.p + 1; /* an empty statement */
                continue;
            }
            any = true;
            if (!blkt_feed(&b, &c))
                continue;
            end = t.p;
        } else if (!any) {
            *pos = len;
            return 0;
        }
        while (seg < end && is_blank(*seg))
            seg++;
        while (end > seg && is_blank(end[-1]))
            end--;
        *start = (size_t)(seg - sql);
        *stmt_len = (size_t)(end - seg);
        *pos = t.type == SQLTOK_EOF ? len : (size_t)(t.p + 1 - sql);
        return 1;
    }
}
