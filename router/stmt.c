/* stmt — first look at a statement. See include/stmt.h. */
#include "stmt.h"

#include <string.h>

#include "sqllex.h"

int stmt_ident_name(const char *tok, size_t len, char *dst)
{
    size_t n = 0;
    if (len >= 2 && (tok[0] == '`' || tok[0] == '"') && tok[len - 1] == tok[0]) {
        char q = tok[0];
        for (size_t i = 1; i + 1 < len; i++) {
            if (tok[i] == q && i + 2 < len && tok[i + 1] == q)
                i++;
            if (n >= STMT_NAME_MAX)
                return -1;
            dst[n++] = tok[i];
        }
    } else {
        if (len > STMT_NAME_MAX)
            return -1;
        memcpy(dst, tok, len);
        n = len;
    }
    /* A name is never empty and never holds a NUL byte (it becomes a C
     * string). */
    if (n == 0 || memchr(dst, 0, n) != NULL)
        return -1;
    dst[n] = '\0';
    return 0;
}

/* Words that begin a statement leaving no session state behind. */
static bool is_plain_read(const struct sqltok *t)
{
    static const char *const words[] = {"SELECT",  "SHOW", "DESC", "DESCRIBE",
                                        "EXPLAIN", "HELP", "WITH"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (sqltok_is(t, words[i]))
            return true;
    return false;
}

/* Tokens that change session state inside an otherwise plain read. */
static bool sets_state(const struct sqltok *t)
{
    static const char *const words[] = {
        "INTO",    "GET_LOCK", "RELEASE_LOCK",       "RELEASE_ALL_LOCKS",
        "NEXTVAL", "SETVAL",   "SQL_CALC_FOUND_ROWS"};
    if (t->type == SQLTOK_PUNCT && t->len == 2 && memcmp(t->p, ":=", 2) == 0)
        return true;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (sqltok_is(t, words[i]))
            return true;
    return false;
}

/* KILL [HARD | SOFT] [CONNECTION | QUERY] <integer>, and nothing else, is
 * the form whose id the router can translate. */
static void peek_kill(const char *sql, size_t len, unsigned lexflags, struct stmt_peek *out)
{
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, sql, len, lexflags);
    sqllex_next(&lx, &t); /* KILL */
    sqllex_next(&lx, &t);
    if (sqltok_is(&t, "HARD") || sqltok_is(&t, "SOFT"))
        sqllex_next(&lx, &t);
    if (sqltok_is(&t, "CONNECTION")) {
        sqllex_next(&lx, &t);
    } else if (sqltok_is(&t, "QUERY")) {
        out->kill_query = true;
        sqllex_next(&lx, &t);
    }
    if (t.type != SQLTOK_NUMBER || t.len > 19)
        return;
    unsigned long long id = 0;
    for (size_t i = 0; i < t.len; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return;
        id = id * 10 + (unsigned)(t.p[i] - '0');
    }
    sqllex_next(&lx, &t);
    if (t.type == SQLTOK_SEMI)
        sqllex_next(&lx, &t);
    if (t.type != SQLTOK_EOF)
        return;
    out->kill_id = id;
    out->kill_mappable = true;
}

void stmt_peek(const char *sql, size_t len, unsigned lexflags, struct stmt_peek *out)
{
    struct sqllex lx;
    struct sqltok t;
    int pos = 0; /* token index within the current statement */
    bool load = false, data = false, use = false, use_named = false, use_extra = false;

    memset(out, 0, sizeof(*out));
    sqllex_init(&lx, sql, len, lexflags);
    for (;;) {
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_ERROR) {
            out->nstmts = -1;
            out->stateful = true;
            out->is_use = false;
            return;
        }
        if (t.type == SQLTOK_EOF || t.type == SQLTOK_SEMI) {
            if (pos > 0)
                out->nstmts++;
            pos = 0;
            load = data = false;
            if (t.type == SQLTOK_EOF)
                break;
            continue;
        }
        if (pos == 0) {
            load = sqltok_is(&t, "LOAD");
            if (!is_plain_read(&t))
                out->stateful = true;
            if (out->nstmts == 0 && sqltok_is(&t, "USE"))
                use = true;
            if (sqltok_is(&t, "KILL"))
                out->is_kill = true;
        } else {
            if (sets_state(&t))
                out->stateful = true;
            if (load && pos == 1)
                data = sqltok_is(&t, "DATA") || sqltok_is(&t, "XML");
            if (load && data && pos <= 3 && sqltok_is(&t, "LOCAL"))
                out->load_local = true;
            if (use && out->nstmts == 0) {
                if (pos == 1 && (t.type == SQLTOK_IDENT || t.type == SQLTOK_QIDENT) &&
                    stmt_ident_name(t.p, t.len, out->db) == 0)
                    use_named = true;
                else
                    use_extra = true;
            }
        }
        pos++;
    }
    out->is_use = use && use_named && !use_extra && out->nstmts == 1;
    if (!out->is_use)
        out->db[0] = '\0';
    if (out->is_kill && out->nstmts == 1)
        peek_kill(sql, len, lexflags, out);
}
