/*
 * fuzz_sqllex.c — libFuzzer harness for the SQL tokenizer (router/sqllex.c)
 * and the statement peek built on it (router/stmt.c).
 *
 * Input: byte 0 & 7 = lexer flags (SQLLEX_ANSI_QUOTES,
 * SQLLEX_NO_BACKSLASH_ESCAPES, SQLLEX_SKIP_VERSIONED); the rest is the SQL
 * text, copied into a heap block of exactly its size so that
 * AddressSanitizer catches any read past the end.
 *
 * Invariants (abort() when broken):
 *   - sqllex_next terminates: at most len + 2 tokens, every token but EOF
 *     and ERROR is at least one byte long, and EOF repeats forever after;
 *   - tokens lie inside the text, in increasing order, without overlap;
 *   - each token's text has the shape of its type (quotes at both ends of
 *     strings and quoted identifiers, identifier bytes only in a bare word,
 *     "?" and ";" alone, 1-3 byte punctuation, ...);
 *   - what lies between two tokens is blank: whitespace, or contains a
 *     comment marker (# -- slash-star star-slash);
 *   - sqltok_is() matches a bare word against its own upper-case spelling
 *     and nothing else;
 *   - sqllex_count_statements() and stmt_peek().nstmts agree with the
 *     statements counted from the token stream (-1 on an ERROR token);
 *   - stmt_peek() fields are consistent (db NUL-terminated, and a name when
 *     is_use; kill_mappable only for a single KILL; statements starting with
 *     SET/USE/PREPARE/LOCK/... are stateful);
 *   - stmt_ident_name() never writes more than STMT_NAME_MAX + 1 bytes.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "sqllex.h"
#include "stmt.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           c == '$' || (unsigned char)c >= 0x80;
}

/* The text skipped between two tokens: blanks, or comments (then it holds a
 * comment marker). */
static void check_gap(const char *p, size_t n)
{
    bool marker = false;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '#' || p[i] == '-' || p[i] == '/' || p[i] == '*')
            marker = true;
    if (marker) {
        size_t i = 0;
        while (i < n && is_space(p[i]))
            i++;
        FUZZ_CHECK(p[i] == '#' || p[i] == '-' || p[i] == '/' || p[i] == '*');
        return;
    }
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(is_space(p[i]));
}

static void check_shape(const struct sqltok *t, unsigned flags)
{
    const char *p = t->p;
    size_t n = t->len;
    switch (t->type) {
    case SQLTOK_IDENT:
        FUZZ_CHECK(n >= 1);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(is_ident(p[i]));
        break;
    case SQLTOK_QIDENT:
        FUZZ_CHECK(n >= 2);
        FUZZ_CHECK(p[0] == '`' || (p[0] == '"' && (flags & SQLLEX_ANSI_QUOTES)));
        FUZZ_CHECK(p[n - 1] == p[0]);
        break;
    case SQLTOK_STRING: {
        FUZZ_CHECK(n >= 2);
        size_t q = 0;
        if (p[0] != '\'' && p[0] != '"') {
            FUZZ_CHECK(memchr("xXbBnN", p[0], 6) != NULL && p[1] == '\'');
            q = 1;
        }
        FUZZ_CHECK(n >= q + 2);
        FUZZ_CHECK(p[q] == '\'' || !(flags & SQLLEX_ANSI_QUOTES));
        FUZZ_CHECK(p[n - 1] == p[q]);
        break;
    }
    case SQLTOK_NUMBER:
        FUZZ_CHECK(n >= 1);
        FUZZ_CHECK(is_digit(p[0]) || (p[0] == '.' && n >= 2 && is_digit(p[1])));
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(is_digit(p[i]) || memchr("abcdefABCDEFxX.+-", p[i], 17) != NULL);
        break;
    case SQLTOK_PARAM:
        FUZZ_CHECK(n == 1 && p[0] == '?');
        break;
    case SQLTOK_SEMI:
        FUZZ_CHECK(n == 1 && p[0] == ';');
        break;
    case SQLTOK_VAR:
        FUZZ_CHECK(n >= 1 && p[0] == '@');
        break;
    case SQLTOK_PUNCT:
        FUZZ_CHECK(n >= 1 && n <= 3);
        FUZZ_CHECK(!is_space(p[0]) && !is_ident(p[0]) && memchr("'\"`@?;", p[0], 6) == NULL);
        break;
    case SQLTOK_ERROR:
    case SQLTOK_EOF:
        break;
    default:
        FUZZ_CHECK(!"unknown token type");
    }
}

/* sqltok_is() against the token's own spelling, upper-cased. */
static void check_is(const struct sqltok *t)
{
    char kw[72];
    if (t->len + 2 > sizeof(kw))
        return;
    for (size_t i = 0; i < t->len; i++) {
        char c = t->p[i];
        kw[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    kw[t->len] = '\0';
    FUZZ_CHECK(sqltok_is(t, kw) == (t->type == SQLTOK_IDENT));
    if (t->len > 0) {
        kw[t->len - 1] = '\0';
        FUZZ_CHECK(!sqltok_is(t, kw));
    }
    kw[t->len] = 'X';
    kw[t->len + 1] = '\0';
    FUZZ_CHECK(!sqltok_is(t, kw));
}

static void check_ident_name(const struct sqltok *t)
{
    char *dst = malloc(STMT_NAME_MAX + 1); /* exactly the documented size */
    if (dst == NULL)
        abort();
    if (stmt_ident_name(t->p, t->len, dst) == 0) {
        size_t n = strnlen(dst, STMT_NAME_MAX + 1);
        FUZZ_CHECK(n >= 1 && n <= STMT_NAME_MAX);
    }
    free(dst);
}

static bool stateful_start(const struct sqltok *t)
{
    static const char *const words[] = {"SET",   "USE",   "PREPARE", "EXECUTE", "LOCK",
                                        "BEGIN", "START", "XA",      "HANDLER"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (sqltok_is(t, words[i]))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 7;
    size_t len = size - 1;
    char *sql = fuzz_dup(data + 1, len);
    const char *end = sql + len;

    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, sql, len, flags);
    const char *prev = sql; /* end of the previous token */
    size_t ntok = 0;
    int nstmts = 0;
    bool in_stmt = false, error = false, first = true, stateful = false;
    for (;;) {
        sqllex_next(&lx, &t);
        FUZZ_CHECK(++ntok <= len + 2);
        check_shape(&t, flags);
        if (t.type == SQLTOK_EOF) {
            FUZZ_CHECK(t.len == 0);
            break;
        }
        FUZZ_CHECK(fuzz_inside(t.p, t.len, sql, len));
        FUZZ_CHECK(t.p >= prev);
        if (!error)
            check_gap(prev, (size_t)(t.p - prev));
        prev = t.p + t.len;
        if (t.type == SQLTOK_ERROR) {
            /* The caller stops here; the lexer must still come to an end. */
            error = true;
            continue;
        }
        FUZZ_CHECK(t.len >= 1);
        check_is(&t);
        if (t.type == SQLTOK_IDENT || t.type == SQLTOK_QIDENT)
            check_ident_name(&t);
        if (t.type == SQLTOK_SEMI) {
            nstmts += in_stmt;
            in_stmt = false;
            first = true;
            continue;
        }
        if (first && stateful_start(&t))
            stateful = true;
        first = false;
        in_stmt = true;
    }
    if (!error)
        check_gap(prev, (size_t)(end - prev));
    nstmts += in_stmt;
    if (error)
        nstmts = -1;
    for (int i = 0; i < 3; i++) { /* EOF forever after */
        sqllex_next(&lx, &t);
        FUZZ_CHECK(t.type == SQLTOK_EOF);
    }

    FUZZ_CHECK(sqllex_count_statements(sql, len, flags) == nstmts);

    struct stmt_peek *pk = malloc(sizeof(*pk));
    if (pk == NULL)
        abort();
    stmt_peek(sql, len, flags, pk);
    FUZZ_CHECK(pk->nstmts == nstmts);
    FUZZ_CHECK(memchr(pk->db, '\0', sizeof(pk->db)) != NULL);
    if (pk->is_use) /* (db is meaningful only then) */
        FUZZ_CHECK(pk->nstmts == 1 && pk->db[0] != '\0');
    if (pk->kill_mappable)
        FUZZ_CHECK(pk->is_kill && pk->nstmts == 1);
    if (nstmts == -1 || stateful)
        FUZZ_CHECK(pk->stateful);
    free(pk);
    free(sql);
    return 0;
}
