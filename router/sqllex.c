/* sqllex — SQL tokenizer. See include/sqllex.h. */
#include "sqllex.h"

#include <string.h>

void sqllex_init(struct sqllex *lx, const char *sql, size_t len, unsigned flags)
{
    lx->p = sql;
    lx->end = sql + len;
    lx->flags = flags;
    lx->in_exec_comment = false;
}

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Identifier characters: ASCII letters, digits, '_', '$' and any byte of a
 * multi-byte UTF-8 sequence (MySQL allows U+0080 .. U+FFFF unquoted). */
static inline bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           c == '$' || (unsigned char)c >= 0x80;
}

static inline bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Skip whitespace and comments. Returns false on an unterminated comment. */
static bool skip_blank(struct sqllex *lx)
{
    const char *p = lx->p, *e = lx->end;
    for (;;) {
        while (p < e && is_space(*p))
            p++;
        if (p >= e)
            break;
        if (*p == '#' || (*p == '-' && e - p >= 2 && p[1] == '-' &&
                          (e - p == 2 || is_space(p[2]) || (unsigned char)p[2] < 0x20))) {
            while (p < e && *p != '\n')
                p++;
            continue;
        }
        if (*p == '*' && e - p >= 2 && p[1] == '/' && lx->in_exec_comment) {
            lx->in_exec_comment = false;
            p += 2;
            continue;
        }
        if (*p == '/' && e - p >= 2 && p[1] == '*') {
            const char *q = p + 2;
            bool exec = false;
            if (q < e && *q == '!') {
                exec = true;
                q++;
            } else if (e - q >= 2 && q[0] == 'M' && q[1] == '!') {
                /* MariaDB-only executable comment; only an upper-case M. */
                exec = true;
                q += 2;
            }
            if (exec && !lx->in_exec_comment) {
                /* Optional version number: 5 or 6 digits. */
                int nd = 0;
                while (q + nd < e && is_digit(q[nd]) && nd < 6)
                    nd++;
                if (nd == 5 || nd == 6)
                    q += nd;
                lx->in_exec_comment = true;
                p = q;
                continue;
            }
            /* Ordinary comment or optimizer hint. Not nested. */
            q = p + 2;
            while (e - q >= 2 && !(q[0] == '*' && q[1] == '/'))
                q++;
            if (e - q < 2) {
                lx->p = e;
                return false;
            }
            p = q + 2;
            continue;
        }
        break;
    }
    lx->p = p;
    return true;
}

/* Skip a quoted run starting at p (p[0] is the quote). Returns the byte
 * after the closing quote, or NULL if unterminated. A doubled quote is an
 * escaped quote; backslash escapes apply to strings unless disabled. */
static const char *skip_quoted(const char *p, const char *e, bool backslash)
{
    char q = *p++;
    while (p < e) {
        if (*p == '\\' && backslash) {
            p += 2;
            continue;
        }
        if (*p == q) {
            if (p + 1 < e && p[1] == q) {
                p += 2;
                continue;
            }
            return p + 1;
        }
        p++;
    }
    return NULL;
}

static void lex_number(struct sqllex *lx, struct sqltok *t)
{
    const char *p = lx->p, *e = lx->end;
    t->type = SQLTOK_NUMBER;
    if (e - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'b')) {
        const char *q = p + 2;
        while (q < e && (p[1] == 'x' ? is_hex(*q) : (*q == '0' || *q == '1')))
            q++;
        if (q > p + 2 && (q >= e || !is_ident(*q))) {
            lx->p = q;
            return;
        }
    }
    while (p < e && is_digit(*p))
        p++;
    /* Digits followed by letters ("1abc") are an identifier in MySQL; a
     * decimal or an exponent ends the number ("1.5a" is 1.5 then a). */
    bool exponent = p < e && (*p == 'e' || *p == 'E') &&
                    ((p + 1 < e && is_digit(p[1])) ||
                     (p + 2 < e && (p[1] == '+' || p[1] == '-') && is_digit(p[2])));
    if (p < e && is_ident(*p) && !exponent && t->p[0] != '.') {
        while (p < e && is_ident(*p))
            p++;
        t->type = SQLTOK_IDENT;
        lx->p = p;
        return;
    }
    if (p < e && *p == '.') {
        p++;
        while (p < e && is_digit(*p))
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        if (q < e && is_digit(*q)) {
            while (q < e && is_digit(*q))
                q++;
            p = q;
        }
    }
    lx->p = p;
}

static void lex_var(struct sqllex *lx, struct sqltok *t)
{
    const char *p = lx->p + 1, *e = lx->end;
    t->type = SQLTOK_VAR;
    if (p < e && *p == '@')
        p++;
    for (;;) {
        if (p < e && (*p == '\'' || *p == '"' || *p == '`')) {
            const char *q = skip_quoted(p, e, *p != '`');
            if (q == NULL) {
                t->type = SQLTOK_ERROR;
                p = e;
                break;
            }
            p = q;
        } else {
            while (p < e && (is_ident(*p)))
                p++;
        }
        /* @@session.sql_mode */
        if (p < e && *p == '.' && p + 1 < e && (is_ident(p[1]) || p[1] == '`'))
            p++;
        else
            break;
    }
    lx->p = p;
}

static void lex_punct(struct sqllex *lx, struct sqltok *t)
{
    static const char *const multi[] = {
        "<=>", "<=", ">=", "<>", "!=", ":=", "||", "&&", "<<", ">>", "->>", "->"};
    const char *p = lx->p;
    size_t left = (size_t)(lx->end - p);
    t->type = SQLTOK_PUNCT;
    for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
        size_t n = strlen(multi[i]);
        if (left >= n && memcmp(p, multi[i], n) == 0) {
            lx->p = p + n;
            return;
        }
    }
    lx->p = p + 1;
}

void sqllex_next(struct sqllex *lx, struct sqltok *t)
{
    if (!skip_blank(lx)) {
        t->type = SQLTOK_ERROR;
        t->p = lx->p;
        t->len = 0;
        return;
    }
    const char *p = lx->p, *e = lx->end;
    t->p = p;
    t->len = 0;
    if (p >= e) {
        /* An executable comment left open is a syntax error (once). */
        t->type = lx->in_exec_comment ? SQLTOK_ERROR : SQLTOK_EOF;
        lx->in_exec_comment = false;
        return;
    }
    bool backslash = !(lx->flags & SQLLEX_NO_BACKSLASH_ESCAPES);
    char c = *p;
    if (c == '\'' || c == '"' || c == '`') {
        const char *q = skip_quoted(p, e, c != '`' && backslash);
        if (c == '`' || (c == '"' && (lx->flags & SQLLEX_ANSI_QUOTES)))
            t->type = SQLTOK_QIDENT;
        else
            t->type = SQLTOK_STRING;
        if (q == NULL) {
            t->type = SQLTOK_ERROR;
            q = e;
        }
        lx->p = q;
    } else if ((c == 'x' || c == 'X' || c == 'b' || c == 'B' || c == 'n' || c == 'N') &&
               e - p >= 2 && p[1] == '\'') {
        /* X'2a', B'101', N'text' */
        const char *q = skip_quoted(p + 1, e, (c == 'n' || c == 'N') && backslash);
        t->type = q ? SQLTOK_STRING : SQLTOK_ERROR;
        lx->p = q ? q : e;
    } else if (is_digit(c) || (c == '.' && e - p >= 2 && is_digit(p[1]))) {
        lex_number(lx, t);
    } else if (is_ident(c)) {
        while (p < e && is_ident(*p))
            p++;
        t->type = SQLTOK_IDENT;
        lx->p = p;
    } else if (c == '@') {
        lex_var(lx, t);
    } else if (c == '?') {
        t->type = SQLTOK_PARAM;
        lx->p = p + 1;
    } else if (c == ';') {
        t->type = SQLTOK_SEMI;
        lx->p = p + 1;
    } else {
        lex_punct(lx, t);
    }
    t->len = (size_t)(lx->p - t->p);
}

bool sqltok_is(const struct sqltok *t, const char *kw)
{
    if (t->type != SQLTOK_IDENT)
        return false;
    size_t i = 0;
    for (; i < t->len; i++) {
        char c = t->p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (kw[i] == '\0' || kw[i] != c)
            return false;
    }
    return kw[i] == '\0';
}

int sqllex_count_statements(const char *sql, size_t len, unsigned flags)
{
    struct sqllex lx;
    struct sqltok t;
    int n = 0;
    bool in_stmt = false;
    sqllex_init(&lx, sql, len, flags);
    for (;;) {
        sqllex_next(&lx, &t);
        switch (t.type) {
        case SQLTOK_EOF:
            return n + (in_stmt ? 1 : 0);
        case SQLTOK_ERROR:
            return -1;
        case SQLTOK_SEMI:
            if (in_stmt)
                n++;
            in_stmt = false;
            break;
        default:
            in_stmt = true;
        }
    }
}
