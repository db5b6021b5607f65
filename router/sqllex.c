/* sqllex — SQL tokenizer. See include/sqllex.h. */
#include "sqllex.h"

#include <string.h>

void sqllex_init(struct sqllex *lx, const char *sql, size_t len, unsigned flags)
{
    lx->p = sql;
    lx->end = sql + len;
    lx->flags = flags;
    lx->in_exec_comment = false;
    lx->versioned = false;
}

/* Character classes, one table lookup per byte on the hot loops. */
#define CC_SPACE 1
#define CC_DIGIT 2
#define CC_IDENT 4   /* letters, digits, '_', '$' and bytes >= 0x80 */
#define CC_QPREFIX 8 /* x X b B n N: X'..', B'..', N'..' */
#define CC_BLANK 16  /* may open (or close) a comment: # - / * */
#define CC_PUNCT1 32 /* always a one-character token */

#define ID CC_IDENT
#define DI (CC_DIGIT | CC_IDENT)
#define QP (CC_IDENT | CC_QPREFIX)
static const unsigned char cc[256] = {
    ['\t'] = CC_SPACE, ['\n'] = CC_SPACE, ['\v'] = CC_SPACE,    ['\f'] = CC_SPACE,
    ['\r'] = CC_SPACE, [' '] = CC_SPACE,  ['#'] = CC_BLANK,     ['-'] = CC_BLANK,
    ['/'] = CC_BLANK,  ['*'] = CC_BLANK,  ['('] = CC_PUNCT1,    [')'] = CC_PUNCT1,
    [','] = CC_PUNCT1, ['='] = CC_PUNCT1, ['+'] = CC_PUNCT1,    ['%'] = CC_PUNCT1,
    ['^'] = CC_PUNCT1, ['~'] = CC_PUNCT1, ['{'] = CC_PUNCT1,    ['}'] = CC_PUNCT1,
    ['['] = CC_PUNCT1, [']'] = CC_PUNCT1, ['$'] = ID,           ['_'] = ID,
    ['0'] = DI,        ['1'] = DI,        ['2'] = DI,           ['3'] = DI,
    ['4'] = DI,        ['5'] = DI,        ['6'] = DI,           ['7'] = DI,
    ['8'] = DI,        ['9'] = DI,        ['A'] = ID,           ['B'] = QP,
    ['C'] = ID,        ['D'] = ID,        ['E'] = ID,           ['F'] = ID,
    ['G'] = ID,        ['H'] = ID,        ['I'] = ID,           ['J'] = ID,
    ['K'] = ID,        ['L'] = ID,        ['M'] = ID,           ['N'] = QP,
    ['O'] = ID,        ['P'] = ID,        ['Q'] = ID,           ['R'] = ID,
    ['S'] = ID,        ['T'] = ID,        ['U'] = ID,           ['V'] = ID,
    ['W'] = ID,        ['X'] = QP,        ['Y'] = ID,           ['Z'] = ID,
    ['a'] = ID,        ['b'] = QP,        ['c'] = ID,           ['d'] = ID,
    ['e'] = ID,        ['f'] = ID,        ['g'] = ID,           ['h'] = ID,
    ['i'] = ID,        ['j'] = ID,        ['k'] = ID,           ['l'] = ID,
    ['m'] = ID,        ['n'] = QP,        ['o'] = ID,           ['p'] = ID,
    ['q'] = ID,        ['r'] = ID,        ['s'] = ID,           ['t'] = ID,
    ['u'] = ID,        ['v'] = ID,        ['w'] = ID,           ['x'] = QP,
    ['y'] = ID,        ['z'] = ID,        [0x80 ... 0xff] = ID, /* GNU C range designator (the build
                                                                   is gnu11) */
};
#undef ID
#undef DI
#undef QP

static inline bool is_space(char c)
{
    return cc[(unsigned char)c] & CC_SPACE;
}

static inline bool is_digit(char c)
{
    return cc[(unsigned char)c] & CC_DIGIT;
}

/* Identifier characters: ASCII letters, digits, '_', '$' and any byte of a
 * multi-byte UTF-8 sequence (MySQL allows U+0080 .. U+FFFF unquoted). */
static inline bool is_ident(char c)
{
    return cc[(unsigned char)c] & CC_IDENT;
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
                long version = 0;
                while (q + nd < e && is_digit(q[nd]) && nd < 6)
                    version = version * 10 + (q[nd++] - '0');
                if (nd == 5 || nd == 6)
                    q += nd;
                else
                    version = 0;
                /* Some current server skips it: MySQL any M! comment and
                 * versions above its own, MariaDB 50700..99999. */
                bool skippable = p[2] == 'M' || version >= 50700;
                lx->versioned |= skippable;
                if (!skippable || !(lx->flags & SQLLEX_SKIP_VERSIONED)) {
                    lx->in_exec_comment = true;
                    p = q;
                    continue;
                }
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
    for (;;) {
        const char *x = memchr(p, q, (size_t)(e - p));
        if (x == NULL)
            return NULL;
        if (backslash) {
            const char *b = memchr(p, '\\', (size_t)(x - p));
            if (b != NULL) {
                p = b + 2; /* b < x < e: at most e */
                continue;
            }
        }
        if (x + 1 < e && x[1] == q) {
            p = x + 2;
            continue;
        }
        return x + 1;
    }
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
            /* Quoted as a string or as an identifier, escapes as such. */
            bool string = *p == '\'' || (*p == '"' && !(lx->flags & SQLLEX_ANSI_QUOTES));
            const char *q = skip_quoted(p, e, string && !(lx->flags & SQLLEX_NO_BACKSLASH_ESCAPES));
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

/* Operators and punctuation: the longest of <=> <= >= <> != := || && << >>
 * ->> -> or one character. */
static void lex_punct(struct sqllex *lx, struct sqltok *t)
{
    const char *p = lx->p;
    size_t left = (size_t)(lx->end - p), n = 1;
    char c = p[0], d = left >= 2 ? p[1] : '\0';
    switch (c) {
    case '<':
        if (d == '=')
            n = left >= 3 && p[2] == '>' ? 3 : 2;
        else if (d == '>' || d == '<')
            n = 2;
        break;
    case '>':
        n = d == '=' || d == '>' ? 2 : 1;
        break;
    case '!':
    case ':':
        n = d == '=' ? 2 : 1;
        break;
    case '|':
    case '&':
        n = d == c ? 2 : 1;
        break;
    case '-':
        if (d == '>')
            n = left >= 3 && p[2] == '>' ? 3 : 2;
        break;
    default:
        break;
    }
    t->type = SQLTOK_PUNCT;
    lx->p = p + n;
}

static void lex_quoted(struct sqllex *lx, struct sqltok *t, char c)
{
    const char *p = lx->p, *e = lx->end;
    bool backslash = !(lx->flags & SQLLEX_NO_BACKSLASH_ESCAPES);
    /* Identifiers (backticks, "..." under ANSI_QUOTES) only know doubled
     * quotes; backslash escapes are for strings. */
    bool ident = c == '`' || (c == '"' && (lx->flags & SQLLEX_ANSI_QUOTES));
    const char *q = skip_quoted(p, e, !ident && backslash);
    t->type = ident ? SQLTOK_QIDENT : SQLTOK_STRING;
    if (q == NULL) {
        t->type = SQLTOK_ERROR;
        q = e;
    }
    lx->p = q;
}

/* X'2a', B'101', N'text' (c is the prefix letter). */
static void lex_prefixed(struct sqllex *lx, struct sqltok *t, char c)
{
    bool backslash = (c | 0x20) == 'n' && !(lx->flags & SQLLEX_NO_BACKSLASH_ESCAPES);
    const char *q = skip_quoted(lx->p + 1, lx->end, backslash);
    t->type = q ? SQLTOK_STRING : SQLTOK_ERROR;
    lx->p = q ? q : lx->end;
}

/* Everything but a bare word or a one-character token right at lx->p:
 * comments, strings, numbers, variables, operators, the end. */
static __attribute__((noinline)) void lex_slow(struct sqllex *lx, struct sqltok *t)
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
    char c = *p;
    unsigned k = cc[(unsigned char)c];
    if ((k & CC_QPREFIX) && e - p >= 2 && p[1] == '\'') {
        lex_prefixed(lx, t, c);
    } else if ((k & (CC_IDENT | CC_DIGIT)) == CC_IDENT) {
        while (p < e && is_ident(*p))
            p++;
        t->type = SQLTOK_IDENT;
        lx->p = p;
    } else if ((k & CC_DIGIT) || (c == '.' && e - p >= 2 && is_digit(p[1]))) {
        lex_number(lx, t);
    } else {
        switch (c) {
        case '\'':
        case '"':
        case '`':
            lex_quoted(lx, t, c);
            break;
        case '@':
            lex_var(lx, t);
            break;
        case '?':
            t->type = SQLTOK_PARAM;
            lx->p = p + 1;
            break;
        case ';':
            t->type = SQLTOK_SEMI;
            lx->p = p + 1;
            break;
        default:
            lex_punct(lx, t);
            break;
        }
    }
    t->len = (size_t)(lx->p - t->p);
}

/* The common tokens (words, one-character punctuation after plain blanks)
 * take the short path; the rest lex_slow(). */
void sqllex_next(struct sqllex *lx, struct sqltok *t)
{
    const char *p = lx->p, *e = lx->end;
    while (p < e && is_space(*p))
        p++;
    lx->p = p;
    if (p < e) {
        unsigned k = cc[(unsigned char)*p];
        if ((k & (CC_IDENT | CC_DIGIT)) == CC_IDENT &&
            (!(k & CC_QPREFIX) || e - p < 2 || p[1] != '\'')) {
            const char *q = p + 1;
            while (q < e && is_ident(*q))
                q++;
            t->type = SQLTOK_IDENT;
            t->p = p;
            t->len = (size_t)(q - p);
            lx->p = q;
            return;
        }
        if (k & CC_PUNCT1) {
            t->type = SQLTOK_PUNCT;
            t->p = p;
            t->len = 1;
            lx->p = p + 1;
            return;
        }
    }
    lex_slow(lx, t);
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
