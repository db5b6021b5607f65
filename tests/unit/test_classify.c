/*
 * test_classify.c — data-driven tests of the SQL classifier
 * (include/classify.h): the statement table in classify_cases.h, the
 * statement splitter, cls_name(), the name functions, capacities and
 * robustness.
 *
 * Every row of a table is checked and every difference collected; a test
 * fails at the end with a summary (the first 30 differences, all of them
 * with CLS_TEST_ALL=1 in the environment), so one bad row never hides the
 * others. A difference reads
 *   [section#row] "SQL" {lexflags}: field: expected X, got Y
 *
 * Besides what a row states, every row is held to these invariants (from
 * the header's contract):
 *  - kind is a valid enum value and cls_kind_name() names it;
 *  - WRITE or PARTIAL implies PRIMARY; PARTIAL has a reason (why);
 *  - PARTIAL pins no key ("a partial statement must be treated ... on a
 *    sharded table, as pinning no key");
 *  - nparams equals the number of ? tokens (counted with sqllex), and
 *    CLS_F_HAS_PARAMS is set exactly when it is not 0; a placeholder value
 *    has text "?" and an index below nparams;
 *  - counts within capacities, pinned ranges within values[];
 *  - CLS_T_SHARDED exactly when the lookup says so for the unquoted
 *    schema/name (never for a CTE reference), with its key column;
 *  - every span lies inside the statement text.
 * The statement is classified from a heap block of exactly its length (no
 * terminating NUL) into a struct cls that was filled with garbage and then
 * used for another statement, so stale state shows up as differences.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify.h"
#include "sqllex.h"
#include "classify_cases.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SHOWN 30

/* ---- the shard map of these tests ---------------------------------------- */

struct shard_entry {
    const char *schema; /* "" = the session's default database */
    const char *name;
    const char *key;
};

/* Names are compared case-sensitively, as MySQL does for table names on
 * Linux (lower_case_table_names = 0). Everything else is not sharded. */
static const struct shard_entry shard_map[] = {
    {"", "users", "id"},    {"", "orders", "user_id"}, {"", "sbtest1", "id"},
    {"", "sbtest2", "id"},  {"", "sbtest3", "id"},     {"", "sbtest4", "id"},
    {"app", "users", "id"}, {"", "sessions", "token"},
};

struct lookup_ctx {
    unsigned calls;
    unsigned bad_args; /* NULL schema/name/key_column */
};

static const char *map_key(const char *schema, const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(shard_map); i++)
        if (strcmp(shard_map[i].schema, schema) == 0 && strcmp(shard_map[i].name, name) == 0)
            return shard_map[i].key;
    return NULL;
}

static bool test_lookup(void *ctx, const char *schema, const char *name, const char **key_column)
{
    struct lookup_ctx *lc = ctx;
    lc->calls++;
    if (schema == NULL || name == NULL || key_column == NULL) {
        lc->bad_args++;
        return false;
    }
    const char *k = map_key(schema, name);
    if (k == NULL)
        return false;
    *key_column = k;
    return true;
}

/* ---- collecting differences ---------------------------------------------- */

struct report {
    const char *section;
    int rows;
    int rows_failed;
    int ndiffs;
    bool show_all;
    char *lines; /* the shown differences, one per line */
    size_t len, cap;
    /* the row being checked */
    int row;
    const char *sql;
    size_t sqllen;
    unsigned lex;
    int row_diffs;
};

static void report_init(struct report *r, const char *section)
{
    memset(r, 0, sizeof(*r));
    r->section = section;
    const char *all = getenv("CLS_TEST_ALL");
    r->show_all = all != NULL && *all != '\0' && strcmp(all, "0") != 0;
}

static void report_append(struct report *r, const char *s, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *p = realloc(r->lines, cap);
        assert_non_null(p);
        r->lines = p;
        r->cap = cap;
    }
    memcpy(r->lines + r->len, s, n);
    r->len += n;
    r->lines[r->len] = '\0';
}

/* The statement as a C-ish literal, at most ~110 characters. */
static void render_sql(const char *sql, size_t len, char *dst, size_t dstlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < dstlen; i++) {
        unsigned char c = (unsigned char)sql[i];
        if (o > 110) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        if (c == '\n')
            o += (size_t)snprintf(dst + o, dstlen - o, "\\n");
        else if (c == '\t')
            o += (size_t)snprintf(dst + o, dstlen - o, "\\t");
        else if (c == '"' || c == '\\')
            o += (size_t)snprintf(dst + o, dstlen - o, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", c);
        else
            dst[o++] = (char)c;
    }
    dst[o] = '\0';
}

static const char *lex_name(unsigned lex)
{
    switch (lex) {
    case 0:
        return "";
    case SQLLEX_ANSI_QUOTES:
        return " {ANSI_QUOTES}";
    case SQLLEX_NO_BACKSLASH_ESCAPES:
        return " {NO_BACKSLASH_ESCAPES}";
    default:
        return " {ANSI_QUOTES,NO_BACKSLASH_ESCAPES}";
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
diff(struct report *r, const char *fmt, ...)
{
    r->ndiffs++;
    r->row_diffs++;
    if (!r->show_all && r->ndiffs > MAX_SHOWN)
        return;
    char sql[160], what[1024], line[1400];
    render_sql(r->sql, r->sqllen, sql, sizeof(sql));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    int n = snprintf(line, sizeof(line), "[%s#%d] \"%s\"%s: %s\n", r->section, r->row, sql,
                     lex_name(r->lex), what);
    if (n > 0)
        report_append(r, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void report_row_begin(struct report *r, int row, const char *sql, size_t len, unsigned lex)
{
    r->row = row;
    r->sql = sql;
    r->sqllen = len;
    r->lex = lex;
    r->row_diffs = 0;
    r->rows++;
}

static void report_row_end(struct report *r)
{
    if (r->row_diffs > 0)
        r->rows_failed++;
}

static void report_finish(struct report *r)
{
    if (r->ndiffs > 0) {
        /* TAP diagnostics: one "# " line per difference. */
        const char *p = r->lines;
        while (p != NULL && *p != '\0') {
            const char *nl = strchr(p, '\n');
            int n = nl ? (int)(nl - p) : (int)strlen(p);
            print_message("# %.*s\n", n, p);
            p = nl ? nl + 1 : NULL;
        }
        int shown = r->show_all || r->ndiffs <= MAX_SHOWN ? r->ndiffs : MAX_SHOWN;
        free(r->lines);
        r->lines = NULL;
        fail_msg("%s: %d of %d rows differ, %d differences (%d shown%s)", r->section,
                 r->rows_failed, r->rows, r->ndiffs, shown,
                 shown < r->ndiffs ? "; CLS_TEST_ALL=1 shows all" : "");
    }
    free(r->lines);
    r->lines = NULL;
}

/* ---- names for messages (the test's own, independent of cls_*_name) ----- */

static const char *kind_str(unsigned k)
{
    static const char *const names[] = {
        "OTHER",    "SELECT",      "INSERT",        "REPLACE",
        "UPDATE",   "DELETE",      "BEGIN",         "COMMIT",
        "ROLLBACK", "SAVEPOINT",   "ROLLBACK_TO",   "RELEASE_SAVEPOINT",
        "XA",       "SET",         "USE",           "SHOW",
        "DDL",      "LOCK_TABLES", "UNLOCK_TABLES", "CALL",
        "PREPARE",  "EXECUTE",     "DEALLOCATE",    "LOAD_DATA",
        "DO",       "EXPLAIN",     "KILL",          "EMPTY"};
    _Static_assert(ARRAY_LEN(names) == CLS_KIND_COUNT, "kind names");
    return k < ARRAY_LEN(names) ? names[k] : "(invalid)";
}

static void bits_str(uint32_t v, const char *const *names, size_t n, char *dst, size_t dstlen)
{
    size_t o = 0;
    dst[0] = '\0';
    if (v == 0) {
        snprintf(dst, dstlen, "0");
        return;
    }
    for (size_t i = 0; i < 32; i++) {
        if (!(v & (1u << i)))
            continue;
        int w;
        if (i < n && names[i] != NULL)
            w = snprintf(dst + o, dstlen - o, "%s%s", o ? "|" : "", names[i]);
        else
            w = snprintf(dst + o, dstlen - o, "%sbit%zu", o ? "|" : "", i);
        if (w < 0 || (size_t)w >= dstlen - o)
            break;
        o += (size_t)w;
    }
}

static const char *const flag_names[] = {"WRITE",
                                         "PRIMARY",
                                         "PARTIAL",
                                         "LOCKING_READ",
                                         "INTO",
                                         "SIDE_EFFECT_FN",
                                         "LOCAL",
                                         "TX_READ_ONLY",
                                         "TX_READ_WRITE",
                                         "TX_SNAPSHOT",
                                         "INSERT_SELECT",
                                         "NO_COLUMN_LIST",
                                         "ON_DUP_SETS_KEY",
                                         "SETS_KEY",
                                         "SUBQUERY",
                                         "CTE",
                                         "UNION",
                                         "JOIN",
                                         "HAS_PARAMS",
                                         "TEMPORARY",
                                         "ON_DUP_UPDATE",
                                         "IGNORE"};
static const char *const sess_names[] = {
    "SYSVAR",   "GLOBAL",     "NAMES",  "AUTOCOMMIT",    "TX_CHARS",    "NEXT_TX",
    "USER_VAR", "TEMP_TABLE", "LOCK",   "PREPARE",       "LOCK_TABLES", "DEPENDS",
    "USE",      "TX_BEGIN",   "TX_END", "USER_VAR_READ", "UNKNOWN"};
static const char *const tflag_names[] = {"TARGET", "NESTED", "CTE", "SHARDED"};
static const char *const u_names[] = {"WINDOW",       "LIMIT_SUBQUERY", "AGG_EXPR",   "AGG_OTHER",
                                      "AGG_DISTINCT", "SUBQUERY",       "UNION",      "JOIN_KEYS",
                                      "ORDER_EXPR",   "HAVING_EXPR",    "LIMIT_EXPR", "VARIABLES",
                                      "ROLLUP",       "FOUND_ROWS"};
static const char *const vtype_names[] = {"INT",   "DEC",  "STRING", "HEX",
                                          "PARAM", "NULL", "OTHER",  "MISSING"};
static const char *const agg_names[] = {"NONE", "COUNT(*)", "COUNT", "SUM",
                                        "MIN",  "MAX",      "AVG",   "OTHER"};
static const char *const scope_names[] = {"DEFAULT", "SESSION", "LOCAL",
                                          "GLOBAL",  "PERSIST", "USER"};

#define BITS(v, names, buf) (bits_str((v), (names), ARRAY_LEN(names), (buf), sizeof(buf)), (buf))

static const char *vtype_str(unsigned t)
{
    return t < ARRAY_LEN(vtype_names) ? vtype_names[t] : "(invalid)";
}

static const char *agg_str(unsigned a)
{
    return a < ARRAY_LEN(agg_names) ? agg_names[a] : "(invalid)";
}

static const char *scope_str(int s)
{
    if (s == CLS_CASE_SCOPE_DS)
        return "DEFAULT or SESSION";
    return s >= 0 && (size_t)s < ARRAY_LEN(scope_names) ? scope_names[s] : "(invalid)";
}

/* ---- spans and values ---------------------------------------------------- */

static bool span_eq(struct cls_span s, const char *e)
{
    size_t n = strlen(e);
    return s.len == n && (n == 0 || (s.p != NULL && memcmp(s.p, e, n) == 0));
}

static bool span_eqi(struct cls_span s, const char *e)
{
    size_t n = strlen(e);
    return s.len == n && (n == 0 || (s.p != NULL && strncasecmp(s.p, e, n) == 0));
}

/* "text" of a span for messages (quoted, shortened). */
static const char *span_str(struct cls_span s, char *buf, size_t buflen)
{
    if (s.len == 0) {
        snprintf(buf, buflen, "(none)");
        return buf;
    }
    if (s.p == NULL) {
        snprintf(buf, buflen, "(NULL pointer, len %u)", s.len);
        return buf;
    }
    char tmp[96];
    render_sql(s.p, s.len > 80 ? 80 : s.len, tmp, sizeof(tmp));
    snprintf(buf, buflen, "\"%s\"%s", tmp, s.len > 80 ? "..." : "");
    return buf;
}

static const char *value_str(const struct cls_value *v, char *buf, size_t buflen)
{
    char t[128];
    if (v->type == CLS_V_PARAM)
        snprintf(buf, buflen, "PARAM ?%u %s", v->param, span_str(v->text, t, sizeof(t)));
    else
        snprintf(buf, buflen, "%s %s", vtype_str(v->type), span_str(v->text, t, sizeof(t)));
    return buf;
}

/* The type of an expected value, from its text (see classify_cases.h). */
#define SPEC_ANY_OTHER (-1)
static int spec_type(const char *s, size_t n, unsigned *param)
{
    if (n == 1 && s[0] == '%')
        return SPEC_ANY_OTHER;
    if (n == 1 && s[0] == '!')
        return CLS_V_MISSING;
    if (n >= 1 && s[0] == '?') {
        *param = (unsigned)strtoul(s + 1, NULL, 10);
        return CLS_V_PARAM;
    }
    if (n == 4 && strncasecmp(s, "NULL", 4) == 0)
        return CLS_V_NULL;
    if (n >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'b'))
        return CLS_V_HEX;
    if (n >= 2 && strchr("xXbB", s[0]) != NULL && s[1] == '\'')
        return CLS_V_HEX;
    if (s[0] == '\'' || s[0] == '"' || (n >= 2 && (s[0] == 'N' || s[0] == 'n') && s[1] == '\''))
        return CLS_V_STRING;
    size_t i = (s[0] == '-') ? 1 : 0;
    bool digits = i < n, other = false;
    for (size_t j = i; j < n; j++) {
        if (!isdigit((unsigned char)s[j]))
            digits = false;
        if (!isdigit((unsigned char)s[j]) && !strchr(".eE+-", s[j]))
            other = true;
    }
    if (digits)
        return CLS_V_INT;
    if (!other && i < n)
        return CLS_V_DEC;
    return CLS_V_OTHER;
}

static bool value_matches(const struct cls_value *v, const char *s, size_t n)
{
    unsigned param = 0;
    int t = spec_type(s, n, &param);
    if (t == SPEC_ANY_OTHER)
        return v->type == CLS_V_OTHER;
    if ((int)v->type != t)
        return false;
    if (t == CLS_V_PARAM)
        return v->param == param && v->text.len == 1 && v->text.p != NULL && v->text.p[0] == '?';
    if (t == CLS_V_MISSING)
        return v->text.len == 0 && v->row.len > 0;
    return v->text.len == n && v->text.p != NULL && memcmp(v->text.p, s, n) == 0;
}

static bool value_spec_matches(const struct cls_value *v, const char *spec)
{
    return value_matches(v, spec, strlen(spec));
}

/* Compare a table's pinned values with a key spec; on a mismatch describe
 * both in msg and return false. */
static bool keys_match(const struct cls *out, const struct cls_table *t, const char *spec,
                       char *msg, size_t msglen)
{
    char got[512];
    size_t o = 0;
    if (!t->pinned) {
        snprintf(got, sizeof(got), "unpinned");
    } else {
        o += (size_t)snprintf(got, sizeof(got), "pinned {");
        for (unsigned i = 0; i < t->count && o < sizeof(got) - 64; i++) {
            unsigned vi = t->first + i;
            char vb[160];
            if (vi >= out->nvalues || vi >= CLS_MAX_VALUES) {
                o += (size_t)snprintf(got + o, sizeof(got) - o, "%s(index %u out of range)",
                                      i ? ", " : "", vi);
                break;
            }
            o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s", i ? ", " : "",
                                  value_str(&out->values[vi], vb, sizeof(vb)));
        }
        snprintf(got + o, sizeof(got) - o, "}");
    }

    bool alt_unpinned = false;
    const char *s = spec;
    if (*s == '~') {
        alt_unpinned = true;
        s++;
    }
    bool ok;
    if (strcmp(s, "unpinned") == 0) {
        ok = !t->pinned;
    } else if (!t->pinned) {
        ok = alt_unpinned;
    } else {
        /* count the expected values */
        unsigned n = 0;
        if (*s != '\0') {
            n = 1;
            for (const char *q = s; *q; q++)
                n += *q == '|';
        }
        ok = t->count == n && (unsigned)t->first + t->count <= out->nvalues;
        const char *q = s;
        for (unsigned i = 0; ok && i < n; i++) {
            const char *bar = strchr(q, '|');
            size_t len = bar ? (size_t)(bar - q) : strlen(q);
            ok = value_matches(&out->values[t->first + i], q, len);
            q = bar ? bar + 1 : q + len;
        }
    }
    if (!ok) {
        char want[256];
        if (strcmp(s, "unpinned") == 0)
            snprintf(want, sizeof(want), "unpinned");
        else
            snprintf(want, sizeof(want), "pinned {%s}%s", s, alt_unpinned ? " or unpinned" : "");
        snprintf(msg, msglen, "expected %s, got %s", want, got);
    }
    return ok;
}

/* ---- invariants ---------------------------------------------------------- */

static bool span_inside(struct cls_span s, const char *buf, size_t len)
{
    if (s.len == 0)
        return true;
    return s.p != NULL && s.p >= buf && s.p + s.len <= buf + len;
}

static void check_span(struct report *r, const char *what, struct cls_span s, const char *buf,
                       size_t len)
{
    if (!span_inside(s, buf, len))
        diff(r, "invariant: %s span (%p, %u) is outside the statement text", what,
             (const void *)s.p, s.len);
}

static void check_value_span(struct report *r, const char *what, const struct cls_value *v,
                             const char *buf, size_t len)
{
    if (v->type == CLS_V_NULL && v->text.len == 0)
        return;
    check_span(r, what, v->text, buf, len);
}

static unsigned count_params(const char *sql, size_t len, unsigned lex)
{
    struct sqllex lx;
    struct sqltok t;
    unsigned n = 0;
    sqllex_init(&lx, sql, len, lex);
    for (;;) {
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_EOF || t.type == SQLTOK_ERROR)
            break;
        n += t.type == SQLTOK_PARAM;
    }
    return n;
}

static void check_invariants(struct report *r, const struct cls *out, const char *buf, size_t len,
                             unsigned lex, bool with_lookup)
{
    char b1[256];
    if ((unsigned)out->kind >= CLS_KIND_COUNT) {
        diff(r, "invariant: kind %u is not an enum cls_kind value", (unsigned)out->kind);
        return;
    }
    const char *kn = cls_kind_name(out->kind);
    if (kn == NULL || *kn == '\0')
        diff(r, "invariant: cls_kind_name(%s) is empty", kind_str(out->kind));
    if ((out->flags & (CLS_F_WRITE | CLS_F_PARTIAL)) && !(out->flags & CLS_F_PRIMARY))
        diff(r, "invariant: WRITE/PARTIAL without PRIMARY (flags %s)",
             BITS(out->flags, flag_names, b1));
    if ((out->flags & CLS_F_PARTIAL) && (out->why == NULL || out->why[0] == '\0'))
        diff(r, "invariant: PARTIAL without a reason (why)");
    if (((out->flags & CLS_F_HAS_PARAMS) != 0) != (out->nparams != 0))
        diff(r, "invariant: HAS_PARAMS is %s but nparams is %u",
             (out->flags & CLS_F_HAS_PARAMS) ? "set" : "clear", out->nparams);
    unsigned np = count_params(buf, len, lex);
    if (out->nparams != np)
        diff(r, "nparams: expected %u (? tokens), got %u", np, out->nparams);
    if (out->ntables > CLS_MAX_TABLES || out->nvalues > CLS_MAX_VALUES ||
        out->nitems > CLS_MAX_ITEMS || out->ngroup > CLS_MAX_ORDER || out->norder > CLS_MAX_ORDER ||
        out->nsets > CLS_MAX_SETS) {
        diff(r,
             "invariant: a count exceeds its capacity (tables %u values %u items %u group %u "
             "order %u sets %u)",
             out->ntables, out->nvalues, out->nitems, out->ngroup, out->norder, out->nsets);
        return;
    }
    for (unsigned i = 0; i < out->nvalues; i++) {
        const struct cls_value *v = &out->values[i];
        if ((unsigned)v->type > CLS_V_MISSING)
            diff(r, "invariant: values[%u] has type %u", i, (unsigned)v->type);
        if (v->type == CLS_V_PARAM && (v->param >= out->nparams || !span_eq(v->text, "?")))
            diff(r, "invariant: values[%u] is a placeholder with index %u (nparams %u) text %s", i,
                 v->param, out->nparams, span_str(v->text, b1, sizeof(b1)));
        check_value_span(r, "values[]", v, buf, len);
    }
    for (unsigned i = 0; i < out->ntables; i++) {
        const struct cls_table *t = &out->tables[i];
        check_span(r, "tables[].schema", t->schema, buf, len);
        check_span(r, "tables[].name", t->name, buf, len);
        check_span(r, "tables[].alias", t->alias, buf, len);
        if (t->pinned && (unsigned)t->first + t->count > out->nvalues)
            diff(r, "invariant: tables[%u] pins values[%u..%u) beyond nvalues %u", i, t->first,
                 (unsigned)t->first + t->count, out->nvalues);
        if (t->pinned && (out->flags & CLS_F_PARTIAL))
            diff(r, "invariant: PARTIAL but tables[%u] (%s) is pinned", i,
                 span_str(t->name, b1, sizeof(b1)));
        /* sharded exactly when the lookup says so */
        char schema[300], name[300];
        if (!span_inside(t->schema, buf, len) || !span_inside(t->name, buf, len))
            continue;
        if (cls_name(t->schema, schema, sizeof(schema)) != 0 ||
            cls_name(t->name, name, sizeof(name)) != 0)
            continue;
        const char *key = with_lookup && !(t->flags & CLS_T_CTE) && name[0] != '\0'
                              ? map_key(schema, name)
                              : NULL;
        bool sh = (t->flags & CLS_T_SHARDED) != 0;
        if (sh != (key != NULL))
            diff(r, "invariant: tables[%u] %s%s%s: SHARDED is %s but the lookup says %s%s", i,
                 schema, *schema ? "." : "", name, sh ? "set" : "clear",
                 key ? "sharded" : "not sharded",
                 (t->flags & CLS_T_CTE) ? " (a CTE reference)" : "");
        else if (sh && (t->key_column == NULL || strcmp(t->key_column, key) != 0))
            diff(r, "invariant: tables[%u] %s: key_column \"%s\", lookup said \"%s\"", i, name,
                 t->key_column ? t->key_column : "(NULL)", key);
    }
    for (unsigned i = 0; i < out->nitems; i++) {
        check_span(r, "items[].expr", out->items[i].expr, buf, len);
        check_span(r, "items[].alias", out->items[i].alias, buf, len);
        check_span(r, "items[].agg_arg", out->items[i].agg_arg, buf, len);
    }
    for (unsigned i = 0; i < out->ngroup; i++)
        check_span(r, "group[].expr", out->group[i].expr, buf, len);
    for (unsigned i = 0; i < out->norder; i++)
        check_span(r, "order[].expr", out->order[i].expr, buf, len);
    check_span(r, "having", out->having, buf, len);
    check_span(r, "unprovable_at", out->unprovable_at, buf, len);
    check_span(r, "ddl_object", out->ddl_object, buf, len);
    if (out->has_limit) {
        check_value_span(r, "limit", &out->limit, buf, len);
        check_value_span(r, "offset", &out->offset, buf, len);
    }
    for (unsigned i = 0; i < out->nsets; i++) {
        /* NAMES / CHARSET names may be static strings (the header calls them
         * "names" / "charset"). */
        if (!span_eqi(out->sets[i].name, "names") && !span_eqi(out->sets[i].name, "charset"))
            check_span(r, "sets[].name", out->sets[i].name, buf, len);
        check_span(r, "sets[].value", out->sets[i].value, buf, len);
    }
    if (out->unprovable != 0 && out->unprovable_at.len == 0)
        diff(r, "invariant: unprovable %s without unprovable_at",
             BITS(out->unprovable, u_names, b1));
}

/* ---- row checks ---------------------------------------------------------- */

static bool is_dml_kind(enum cls_kind k)
{
    return k == CLS_SELECT || k == CLS_INSERT || k == CLS_REPLACE || k == CLS_UPDATE ||
           k == CLS_DELETE;
}

static const char *table_str(const struct cls *out, const struct cls_table *t, char *buf,
                             size_t buflen)
{
    char s[100], n[100], a[100], f[64];
    size_t o = (size_t)snprintf(buf, buflen, "%s%s%s",
                                t->schema.len ? span_str(t->schema, s, sizeof(s)) : "",
                                t->schema.len ? "." : "", span_str(t->name, n, sizeof(n)));
    if (t->alias.len && o < buflen)
        o += (size_t)snprintf(buf + o, buflen - o, " AS %s", span_str(t->alias, a, sizeof(a)));
    if (o < buflen)
        snprintf(buf + o, buflen - o, " [%s]", BITS(t->flags, tflag_names, f));
    (void)out;
    return buf;
}

static void tables_str(const struct cls *out, char *buf, size_t buflen)
{
    size_t o = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < out->ntables && i < CLS_MAX_TABLES && o + 8 < buflen; i++) {
        char tb[400];
        o += (size_t)snprintf(buf + o, buflen - o, "%s%s", i ? ", " : "",
                              table_str(out, &out->tables[i], tb, sizeof(tb)));
    }
    if (out->ntables == 0)
        snprintf(buf, buflen, "(none)");
}

static bool texp_names_match(const struct cls_texp *e, const struct cls_table *t)
{
    return span_eq(t->schema, e->schema) && span_eq(t->name, e->name) &&
           span_eq(t->alias, e->alias);
}

static void check_one_table(struct report *r, const struct cls *out, const struct cls_texp *e,
                            const struct cls_table *t, unsigned idx)
{
    char b1[64], b2[64], msg[900];
    uint16_t mask = (uint16_t)~e->ign;
    if ((t->flags & mask) != (e->flags & mask))
        diff(r, "tables[%u] %s: flags expected %s, got %s", idx, e->name,
             BITS(e->flags & mask, tflag_names, b1), BITS(t->flags & mask, tflag_names, b2));
    if (e->keys != NULL && strcmp(e->keys, "*") != 0 &&
        !keys_match(out, t, e->keys, msg, sizeof(msg)))
        diff(r, "tables[%u] %s keys: %s", idx, e->name, msg);
}

static void check_tables(struct report *r, const struct cls_case *c, const struct cls *out)
{
    size_t n = 0;
    while (n < CLS_CASE_MAX_T && c->t[n].name != NULL)
        n++;
    /* self-check of the table: every expected sharded table says what keys */
    for (size_t i = 0; i < n; i++)
        if ((c->t[i].flags & CLS_T_SHARDED) && c->t[i].keys == NULL)
            diff(r, "TEST TABLE ERROR: sharded table %s without a key spec", c->t[i].name);
    if (c->o & CLS_O_TAB_ANY)
        return;
    if (n == 0 && !is_dml_kind(c->kind) && !(c->o & CLS_O_TAB_CHECK))
        return;
    if (out->ntables > CLS_MAX_TABLES)
        return; /* reported as an invariant */
    char list[2000];
    if (c->o & CLS_O_TAB_SUBSET) {
        bool used[CLS_MAX_TABLES] = {false};
        for (size_t i = 0; i < n; i++) {
            const struct cls_texp *e = &c->t[i];
            /* prefer an entry whose flags match too (a statement may name
             * the same table twice, e.g. in a CTE body and as the target) */
            unsigned j, mask = (uint16_t)~e->ign;
            for (j = 0; j < out->ntables; j++)
                if (!used[j] && texp_names_match(e, &out->tables[j]) &&
                    (out->tables[j].flags & mask) == (e->flags & mask))
                    break;
            if (j == out->ntables)
                for (j = 0; j < out->ntables; j++)
                    if (!used[j] && texp_names_match(e, &out->tables[j]))
                        break;
            if (j == out->ntables) {
                tables_str(out, list, sizeof(list));
                diff(r, "tables: expected %s%s%s%s%s to be listed, got: %s", e->schema,
                     *e->schema ? "." : "", e->name, *e->alias ? " AS " : "", e->alias, list);
                continue;
            }
            used[j] = true;
            check_one_table(r, out, e, &out->tables[j], j);
        }
        return;
    }
    if (out->ntables != n) {
        char want[1000];
        size_t o = 0;
        want[0] = '\0';
        for (size_t i = 0; i < n && o + 8 < sizeof(want); i++)
            o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%s%s%s%s%s", i ? ", " : "",
                                  c->t[i].schema, *c->t[i].schema ? "." : "", c->t[i].name,
                                  *c->t[i].alias ? " AS " : "", c->t[i].alias);
        tables_str(out, list, sizeof(list));
        diff(r, "tables: expected %zu (%s), got %u: %s", n, n ? want : "none", out->ntables, list);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct cls_texp *e = &c->t[i];
        const struct cls_table *t = &out->tables[i];
        if (!texp_names_match(e, t)) {
            char tb[400];
            diff(r, "tables[%zu]: expected %s%s%s%s%s, got %s", i, e->schema, *e->schema ? "." : "",
                 e->name, *e->alias ? " AS " : "", e->alias, table_str(out, t, tb, sizeof(tb)));
            continue;
        }
        check_one_table(r, out, e, t, (unsigned)i);
    }
}

static void check_order_list(struct report *r, const char *what, const struct cls_oexp *e,
                             const struct cls_order *a, unsigned na)
{
    char b1[160];
    unsigned n = 0;
    while (n < CLS_CASE_MAX_O && e[n].expr != NULL)
        n++;
    if (na != n) {
        diff(r, "%s: expected %u entries, got %u%s%s", what, n, na, na ? ", first " : "",
             na ? span_str(a[0].expr, b1, sizeof(b1)) : "");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!span_eq(a[i].expr, e[i].expr))
            diff(r, "%s[%u].expr: expected \"%s\", got %s", what, i, e[i].expr,
                 span_str(a[i].expr, b1, sizeof(b1)));
        if (a[i].position != e[i].position)
            diff(r, "%s[%u] (%s).position: expected %u, got %u", what, i, e[i].expr, e[i].position,
                 a[i].position);
        if (a[i].desc != e[i].desc)
            diff(r, "%s[%u] (%s): expected %s, got %s", what, i, e[i].expr,
                 e[i].desc ? "DESC" : "ASC", a[i].desc ? "DESC" : "ASC");
    }
}

static void check_merge(struct report *r, const struct cls_mexp *m, const struct cls *out)
{
    char b1[256], b2[256];
    if (!(m->skip & CLS_M_DISTINCT) && out->distinct != m->distinct)
        diff(r, "distinct: expected %s, got %s", m->distinct ? "true" : "false",
             out->distinct ? "true" : "false");
    if (!(m->skip & CLS_M_ITEMS)) {
        unsigned n = 0;
        while (n < CLS_CASE_MAX_I && m->items[n].expr != NULL)
            n++;
        if (out->nitems != n) {
            diff(r, "items: expected %u, got %u%s%s", n, out->nitems, out->nitems ? ", first " : "",
                 out->nitems ? span_str(out->items[0].expr, b1, sizeof(b1)) : "");
        } else {
            for (unsigned i = 0; i < n; i++) {
                const struct cls_iexp *e = &m->items[i];
                const struct cls_item *a = &out->items[i];
                if (!span_eq(a->expr, e->expr))
                    diff(r, "items[%u].expr: expected \"%s\", got %s", i, e->expr,
                         span_str(a->expr, b1, sizeof(b1)));
                if (!span_eq(a->alias, e->alias))
                    diff(r, "items[%u] (%s).alias: expected \"%s\", got %s", i, e->expr, e->alias,
                         span_str(a->alias, b1, sizeof(b1)));
                if (a->agg != e->agg)
                    diff(r, "items[%u] (%s).agg: expected %s, got %s", i, e->expr, agg_str(e->agg),
                         agg_str(a->agg));
                if (a->agg_distinct != e->distinct)
                    diff(r, "items[%u] (%s).agg_distinct: expected %d, got %d", i, e->expr,
                         e->distinct, a->agg_distinct);
                if (e->arg != NULL && !span_eq(a->agg_arg, e->arg))
                    diff(r, "items[%u] (%s).agg_arg: expected \"%s\", got %s", i, e->expr, e->arg,
                         span_str(a->agg_arg, b1, sizeof(b1)));
                if (a->star != e->star)
                    diff(r, "items[%u] (%s).star: expected %d, got %d", i, e->expr, e->star,
                         a->star);
            }
        }
    }
    if (!(m->skip & CLS_M_GROUP))
        check_order_list(r, "group", m->group, out->group, out->ngroup);
    if (!(m->skip & CLS_M_ORDER))
        check_order_list(r, "order", m->order, out->order, out->norder);
    if (!(m->skip & CLS_M_HAVING)) {
        if (m->having == NULL && out->having.len != 0)
            diff(r, "having: expected none, got %s", span_str(out->having, b1, sizeof(b1)));
        else if (m->having != NULL && !span_eq(out->having, m->having))
            diff(r, "having: expected \"%s\", got %s", m->having,
                 span_str(out->having, b1, sizeof(b1)));
    }
    if (!(m->skip & CLS_M_LIMIT)) {
        if (m->limit == NULL && out->has_limit)
            diff(r, "limit: expected none, got %s", value_str(&out->limit, b1, sizeof(b1)));
        else if (m->limit != NULL && !out->has_limit)
            diff(r, "limit: expected %s, got none", m->limit);
        else if (m->limit != NULL && !value_spec_matches(&out->limit, m->limit))
            diff(r, "limit: expected %s, got %s", m->limit, value_str(&out->limit, b1, sizeof(b1)));
        if (m->offset == NULL && out->offset.type != CLS_V_NULL)
            diff(r, "offset: expected none (CLS_V_NULL), got %s",
                 value_str(&out->offset, b1, sizeof(b1)));
        else if (m->offset != NULL && !value_spec_matches(&out->offset, m->offset))
            diff(r, "offset: expected %s, got %s", m->offset,
                 value_str(&out->offset, b1, sizeof(b1)));
    }
    if (!(m->skip & CLS_M_U) && out->unprovable != m->u)
        diff(r, "unprovable: expected %s, got %s", BITS(m->u, u_names, b1),
             BITS(out->unprovable, u_names, b2));
}

static bool set_name_matches(struct cls_span s, const char *e, int scope)
{
    if (span_eqi(s, e))
        return true;
    /* a user variable may be reported with or without its @ */
    if (scope == CLS_SCOPE_USER && s.len == strlen(e) + 1 && s.p != NULL && s.p[0] == '@')
        return strncasecmp(s.p + 1, e, strlen(e)) == 0;
    /* CHARSET may be reported as "charset" */
    return false;
}

static void check_sets(struct report *r, const struct cls_case *c, const struct cls *out)
{
    char b1[256];
    if (c->ns == 0)
        return;
    if (out->nsets != c->ns) {
        diff(r, "nsets: expected %d, got %u", c->ns, out->nsets);
        return;
    }
    for (int i = 0; i < c->ns; i++) {
        const struct cls_sexp *e = &c->st[i];
        const struct cls_set *a = &out->sets[i];
        bool scope_ok = e->scope == CLS_CASE_SCOPE_ANY || (int)a->scope == e->scope ||
                        (e->scope == CLS_CASE_SCOPE_DS &&
                         (a->scope == CLS_SCOPE_DEFAULT || a->scope == CLS_SCOPE_SESSION));
        if (!scope_ok)
            diff(r, "sets[%d] (%s).scope: expected %s, got %s", i, e->name ? e->name : "?",
                 scope_str(e->scope), scope_str((int)a->scope));
        if (e->name != NULL && !set_name_matches(a->name, e->name, e->scope))
            diff(r, "sets[%d].name: expected \"%s\", got %s", i, e->name,
                 span_str(a->name, b1, sizeof(b1)));
        if (e->value != NULL && !span_eq(a->value, e->value))
            diff(r, "sets[%d] (%s).value: expected \"%s\", got %s", i, e->name ? e->name : "?",
                 e->value, span_str(a->value, b1, sizeof(b1)));
    }
}

static void check_case(struct report *r, const struct cls_case *c, const struct cls *out,
                       const char *buf, size_t len)
{
    char b1[512], b2[512];
    bool lookup = !(c->o & CLS_O_NO_LOOKUP);
    check_invariants(r, out, buf, len, c->lex, lookup);
    if ((unsigned)out->kind >= CLS_KIND_COUNT)
        return;

    if (c->kind != CLS_CASE_ANY_KIND && out->kind != c->kind)
        diff(r, "kind: expected %s, got %s (flags %s%s%s)", kind_str(c->kind), kind_str(out->kind),
             BITS(out->flags, flag_names, b1), out->why ? ", why: " : "", out->why ? out->why : "");
    if ((out->flags & c->mu) != c->mu)
        diff(r, "flags: missing %s (got %s%s%s)", BITS(c->mu & ~out->flags, flag_names, b1),
             BITS(out->flags, flag_names, b2), out->why ? ", why: " : "", out->why ? out->why : "");
    if (out->flags & c->mn)
        diff(r, "flags: %s must not be set (got %s%s%s)", BITS(out->flags & c->mn, flag_names, b1),
             BITS(out->flags, flag_names, b2), out->why ? ", why: " : "", out->why ? out->why : "");

    if (c->o & CLS_O_SESS_HAS) {
        if ((out->session & c->s) != c->s)
            diff(r, "session: missing %s (got %s)", BITS(c->s & ~out->session, sess_names, b1),
                 BITS(out->session, sess_names, b2));
        if (out->session & c->sn)
            diff(r, "session: %s must not be set (got %s)",
                 BITS(out->session & c->sn, sess_names, b1), BITS(out->session, sess_names, b2));
    } else if (out->session != c->s) {
        diff(r, "session: expected %s, got %s", BITS(c->s, sess_names, b1),
             BITS(out->session, sess_names, b2));
    }

    check_tables(r, c, out);

    if ((out->unprovable & c->u) != c->u)
        diff(r, "unprovable: missing %s (got %s)", BITS(c->u & ~out->unprovable, u_names, b1),
             BITS(out->unprovable, u_names, b2));
    if (out->unprovable & c->un)
        diff(r, "unprovable: %s must not be set (got %s)",
             BITS(out->unprovable & c->un, u_names, b1), BITS(out->unprovable, u_names, b2));
    if (c->m != NULL)
        check_merge(r, c->m, out);
    check_sets(r, c, out);
    if (c->ddl != NULL && !span_eqi(out->ddl_object, c->ddl))
        diff(r, "ddl_object: expected \"%s\", got %s", c->ddl,
             span_str(out->ddl_object, b1, sizeof(b1)));
}

/* A statement that fills most of a struct cls, classified before each row
 * so that whatever classify() forgets to reset shows up. */
static const char poison_sql[] =
    "SELECT DISTINCT u.id AS a, COUNT(*) AS n, SUM(k) FROM app.users u JOIN orders o ON "
    "o.user_id = u.id WHERE u.id IN (1, 2, ?, 4) GROUP BY 1, u.name HAVING n > 1 ORDER BY 2 "
    "DESC, a LIMIT 5, 10 FOR UPDATE";

static struct cls *classify_fresh(const char *buf, size_t len, unsigned lex, bool with_lookup,
                                  struct lookup_ctx *lc)
{
    static struct cls out; /* large: keep it off the stack */
    memset(&out, 0xA5, sizeof(out));
    classify(&out, poison_sql, sizeof(poison_sql) - 1, 0, test_lookup, lc);
    memset(lc, 0, sizeof(*lc));
    classify(&out, buf, len, lex, with_lookup ? test_lookup : NULL, lc);
    return &out;
}

static void run_case_set(const struct cls_case_set *set)
{
    struct report r;
    report_init(&r, set->name);
    for (size_t i = 0; i < set->n; i++) {
        const struct cls_case *c = &set->cases[i];
        size_t len = strlen(c->sql);
        char *buf = malloc(len ? len : 1); /* exactly the text: no NUL after it */
        assert_non_null(buf);
        memcpy(buf, c->sql, len);
        report_row_begin(&r, (int)i, buf, len, c->lex);
        struct lookup_ctx lc;
        const struct cls *out = classify_fresh(buf, len, c->lex, !(c->o & CLS_O_NO_LOOKUP), &lc);
        if (lc.bad_args)
            diff(&r, "invariant: the lookup was called with a NULL argument %u times", lc.bad_args);
        check_case(&r, c, out, buf, len);
        report_row_end(&r);
        free(buf);
    }
    report_finish(&r);
}

static void test_sysbench(void **state)
{
    run_case_set(&cls_case_sets[0]);
}

static void test_apps(void **state)
{
    run_case_set(&cls_case_sets[1]);
}

static void test_lexical(void **state)
{
    run_case_set(&cls_case_sets[2]);
}

static void test_adversarial(void **state)
{
    run_case_set(&cls_case_sets[3]);
}

static void test_keys(void **state)
{
    run_case_set(&cls_case_sets[4]);
}

static void test_merge(void **state)
{
    run_case_set(&cls_case_sets[5]);
}

static void test_set(void **state)
{
    run_case_set(&cls_case_sets[6]);
}

static void test_kinds(void **state)
{
    run_case_set(&cls_case_sets[7]);
}

/* Every kind appears in the table at least twice, and the table is as big
 * as issue 3 asks (a check of the test data itself). */
static void test_table_coverage(void **state)
{
    unsigned per_kind[CLS_KIND_COUNT] = {0};
    size_t total = 0;
    for (size_t s = 0; s < ARRAY_LEN(cls_case_sets); s++)
        for (size_t i = 0; i < cls_case_sets[s].n; i++) {
            total++;
            if (cls_case_sets[s].cases[i].kind < CLS_KIND_COUNT)
                per_kind[cls_case_sets[s].cases[i].kind]++;
        }
    int missing = 0;
    for (unsigned k = 0; k < CLS_KIND_COUNT; k++)
        if (per_kind[k] < 2) {
            print_message("# kind %s has %u rows\n", kind_str(k), per_kind[k]);
            missing++;
        }
    print_message("# %zu statement rows, %zu split cases\n", total, ARRAY_LEN(cls_split_cases));
    assert_int_equal(missing, 0);
    assert_true(total >= 300);
    assert_true(ARRAY_LEN(cls_split_cases) >= 15);
}

/* ---- cls_next_statement -------------------------------------------------- */

static bool has_tokens(const char *p, size_t n, unsigned lex)
{
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, p, n, lex);
    sqllex_next(&lx, &t);
    return t.type != SQLTOK_EOF;
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

static void test_next_statement(void **state)
{
    struct report r;
    report_init(&r, "split");
    for (size_t i = 0; i < ARRAY_LEN(cls_split_cases); i++) {
        const struct cls_split_case *c = &cls_split_cases[i];
        size_t len = strlen(c->sql);
        char *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        memcpy(buf, c->sql, len);
        report_row_begin(&r, (int)i, buf, len, c->lex);
        size_t pos = 0, nexp = 0, ngot = 0;
        while (nexp < ARRAY_LEN(c->stmts) && c->stmts[nexp] != NULL)
            nexp++;
        int rc = 0;
        for (int guard = 0; guard < 64; guard++) {
            size_t start = (size_t)-1, slen = (size_t)-1, before = pos;
            rc = cls_next_statement(buf, len, c->lex, &pos, &start, &slen);
            if (rc != 1)
                break;
            if (start > len || slen > len - start) {
                diff(&r, "statement %zu: start %zu length %zu outside the text (length %zu)", ngot,
                     start, slen, len);
                rc = -2;
                break;
            }
            if (pos <= before || pos > len) {
                diff(&r, "statement %zu: *pos went from %zu to %zu (no progress or past the end)",
                     ngot, before, pos);
                rc = -2;
                break;
            }
            const char *sp = buf + start;
            size_t sn = slen;
            if (!has_tokens(sp, sn, c->lex))
                continue;
            trim(&sp, &sn);
            char got[200];
            render_sql(sp, sn, got, sizeof(got));
            if (ngot >= nexp) {
                diff(&r, "statement %zu: expected no more, got \"%s\"", ngot, got);
            } else if (sn != strlen(c->stmts[ngot]) || memcmp(sp, c->stmts[ngot], sn) != 0) {
                char want[200];
                render_sql(c->stmts[ngot], strlen(c->stmts[ngot]), want, sizeof(want));
                diff(&r, "statement %zu: expected \"%s\", got \"%s\"", ngot, want, got);
            }
            ngot++;
        }
        if (rc != -2) {
            if (ngot < nexp)
                diff(&r, "expected %zu statements, got %zu (then %d)", nexp, ngot, rc);
            if (rc != c->end)
                diff(&r, "last return: expected %d, got %d", c->end, rc);
        }
        report_row_end(&r);
        free(buf);
    }
    report_finish(&r);
}

/* ---- cls_name ------------------------------------------------------------ */

struct name_case {
    const char *span;
    size_t dstlen;
    int rc;
    const char *out; /* when rc == 0 */
};

static const struct name_case name_cases[] = {
    {"users", 64, 0, "users"},
    {"`users`", 64, 0, "users"},
    {"`we``ird`", 64, 0, "we`ird"},
    {"`my table`", 64, 0, "my table"},
    {"\"ansi\"", 64, 0, "ansi"},
    {"\"a\"\"b\"", 64, 0, "a\"b"},
    {"``", 64, 0, ""},
    {"", 64, 0, ""},
    {"`\xc3\xa9t\xc3\xa9`", 64, 0, "\xc3\xa9t\xc3\xa9"},
    {"`a.b`", 64, 0, "a.b"},
    {"abc", 4, 0, "abc"},
    {"abc", 3, -1, NULL},
    {"`abc`", 4, 0, "abc"},
    {"`abc`", 3, -1, NULL},
    {"`a``b`", 4, 0, "a`b"},
    {"`a``b`", 3, -1, NULL},
    {"x", 1, -1, NULL},
    {"x", 0, -1, NULL},
    {"a234567890123456789012345678901234567890123456789012345678901234", 65, 0,
     "a234567890123456789012345678901234567890123456789012345678901234"},
    {"a2345678901234567890123456789012345678901234567890123456789012345", 65, -1, NULL},
};

static void test_name(void **state)
{
    struct report r;
    report_init(&r, "cls_name");
    for (size_t i = 0; i < ARRAY_LEN(name_cases); i++) {
        const struct name_case *c = &name_cases[i];
        size_t len = strlen(c->span);
        char *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        memcpy(buf, c->span, len);
        report_row_begin(&r, (int)i, buf, len, 0);
        char dst[128];
        memset(dst, 0x5A, sizeof(dst));
        struct cls_span s = {len ? buf : NULL, (uint32_t)len};
        int rc = cls_name(s, dst, c->dstlen);
        if (rc != c->rc)
            diff(&r, "dstlen %zu: expected %d, got %d", c->dstlen, c->rc, rc);
        else if (rc == 0 && strcmp(dst, c->out) != 0)
            diff(&r, "dstlen %zu: expected \"%s\", got \"%.*s\"", c->dstlen, c->out,
                 (int)strnlen(dst, c->dstlen), dst);
        for (size_t j = c->dstlen; j < sizeof(dst); j++)
            if ((unsigned char)dst[j] != 0x5A) {
                diff(&r, "dstlen %zu: wrote dst[%zu] beyond dstlen", c->dstlen, j);
                break;
            }
        report_row_end(&r);
        free(buf);
    }
    report_finish(&r);
}

/* ---- static names -------------------------------------------------------- */

static void test_names(void **state)
{
    for (unsigned k = 0; k < CLS_KIND_COUNT; k++) {
        const char *n = cls_kind_name((enum cls_kind)k);
        assert_non_null(n);
        assert_true(n[0] != '\0');
        for (unsigned j = 0; j < k; j++)
            if (strcmp(n, cls_kind_name((enum cls_kind)j)) == 0)
                fail_msg("cls_kind_name(%u) == cls_kind_name(%u) == \"%s\"", k, j, n);
    }
    for (unsigned b = 0; b < ARRAY_LEN(u_names); b++) {
        const char *n = cls_unprovable_name(1u << b);
        if (n == NULL || n[0] == '\0')
            fail_msg("cls_unprovable_name(CLS_U_%s) is empty", u_names[b]);
    }
}

/* ---- capacities: never truncated silently -------------------------------- */

static char *build(const char *head, const char *item_fmt, int n, const char *sep, const char *tail,
                   size_t *lenp)
{
    size_t cap = strlen(head) + strlen(tail) + (size_t)n * 64 + 1;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t o = (size_t)snprintf(s, cap, "%s", head);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            o += (size_t)snprintf(s + o, cap - o, "%s", sep);
        o += (size_t)snprintf(s + o, cap - o, item_fmt, i, i);
    }
    o += (size_t)snprintf(s + o, cap - o, "%s", tail);
    *lenp = o;
    return s;
}

struct capacity_case {
    const char *name;
    const char *head, *item, *sep, *tail;
    int n;
    bool partial;    /* expected PARTIAL */
    bool users_pins; /* tables[0] is users and must not be pinned when partial */
    bool too_many;   /* merge info incomplete (CLS_U_TOO_MANY), still routable */
};

static const struct capacity_case capacity_cases[] = {
    /* within capacity: understood */
    {"CLS_MAX_VALUES IN values", "SELECT * FROM users WHERE id IN (", "%d", ", ", ")",
     CLS_MAX_VALUES, false, true, false},
    {"1000 VALUES rows", "INSERT INTO users (id) VALUES ", "(%d)", ", ", "", 1000, false, true,
     false},
    {"128 select items", "SELECT ", "c%d", ", ", " FROM users WHERE id = 1", CLS_MAX_ITEMS, false,
     true, false},
    /* beyond capacity: PARTIAL, and the sharded table pins nothing */
    {"too many IN values", "SELECT * FROM users WHERE id IN (", "%d", ", ", ")",
     CLS_MAX_VALUES + 100, true, true, false},
    {"too many VALUES rows", "INSERT INTO users (id) VALUES ", "(%d)", ", ", "",
     CLS_MAX_VALUES + 100, true, true, false},
    {"40 tables", "SELECT * FROM users", ", t%d", "", " WHERE users.id = 1", 40, true, true, false},
    /* beyond the merge-info capacity: still understood and pinned, only the
     * merge information is incomplete (a wide ORM select on one shard) */
    {"200 select items", "SELECT ", "c%d", ", ", " FROM users WHERE id = 1", 200, false, true,
     true},
    {"20 ORDER BY entries", "SELECT id FROM users WHERE id = 1 ORDER BY ", "c%d", ", ", "", 20,
     false, true, true},
    {"20 SET assignments", "SET ", "@v%d = %d", ", ", "", 20, true, false, false},
};

static void test_capacity(void **state)
{
    struct report r;
    report_init(&r, "capacity");
    for (size_t i = 0; i < ARRAY_LEN(capacity_cases); i++) {
        const struct capacity_case *c = &capacity_cases[i];
        size_t len;
        char *sql = build(c->head, c->item, c->n, c->sep, c->tail, &len);
        report_row_begin(&r, (int)i, sql, len, 0);
        struct lookup_ctx lc;
        const struct cls *out = classify_fresh(sql, len, 0, true, &lc);
        check_invariants(&r, out, sql, len, 0, true);
        bool partial = (out->flags & CLS_F_PARTIAL) != 0;
        if (partial != c->partial)
            diff(&r, "%s: PARTIAL expected %s, got %s (why: %s)", c->name,
                 c->partial ? "set" : "clear", partial ? "set" : "clear",
                 out->why ? out->why : "(none)");
        if (c->partial && !(out->flags & CLS_F_PRIMARY))
            diff(&r, "%s: not PRIMARY", c->name);
        if (c->too_many != ((out->unprovable & CLS_U_TOO_MANY) != 0))
            diff(&r, "%s: CLS_U_TOO_MANY expected %s", c->name, c->too_many ? "set" : "clear");
        if (c->users_pins && out->ntables >= 1 && out->ntables <= CLS_MAX_TABLES &&
            span_eq(out->tables[0].name, "users")) {
            const struct cls_table *t = &out->tables[0];
            if (c->partial && t->pinned)
                diff(&r, "%s: partial but users is pinned (%u values)", c->name, t->count);
            if (!c->partial &&
                (!t->pinned ||
                 t->count !=
                     (strstr(c->head, "VALUES") || strstr(c->head, "IN (") ? (unsigned)c->n : 1u)))
                diff(&r, "%s: users should be pinned to all %s values, got %s %u", c->name,
                     strstr(c->head, "VALUES") || strstr(c->head, "IN (") ? "listed" : "1",
                     t->pinned ? "pinned" : "unpinned", t->count);
        } else if (c->users_pins) {
            diff(&r, "%s: tables[0] is not users (ntables %u)", c->name, out->ntables);
        }
        report_row_end(&r);
        free(sql);
    }
    report_finish(&r);
}

/* ---- the length is the statement: nothing after it is read ---------------- */

static void test_length_respected(void **state)
{
    struct lookup_ctx lc;
    static const char text[] = "SELECT * FROM users WHERE id = 1; DELETE FROM users";
    const struct cls *out = classify_fresh(text, 0, 0, true, &lc);
    assert_int_equal(out->kind, CLS_EMPTY);
    out = classify_fresh(text, strlen("SELECT * FROM users WHERE id = 1;"), 0, true, &lc);
    assert_int_equal(out->kind, CLS_SELECT);
    assert_false(out->flags & (CLS_F_WRITE | CLS_F_PARTIAL));
    /* "id = 12345" cut to "id = 12" pins 12 */
    static const char t2[] = "SELECT * FROM users WHERE id = 12345";
    out = classify_fresh(t2, sizeof(t2) - 4, 0, true, &lc);
    assert_int_equal(out->ntables, 1);
    assert_true(out->tables[0].pinned);
    assert_int_equal(out->tables[0].count, 1);
    assert_true(span_eq(out->values[out->tables[0].first].text, "12"));
}

/* ---- NUL bytes: the length is the statement, not the first NUL -------- */

static void test_nul_bytes(void **state)
{
    /* A server reads past a NUL (or rejects the statement); the router must
     * never take the text before it for the whole statement. */
    static const char t1[] = "SELECT 1\0; DELETE FROM users";
    static const char t2[] = "DELETE\0FROM users";
    static const char t3[] = "SELECT * FROM users WHERE id = 1\0 OR 1 = 1";
    struct lookup_ctx lc;
    const struct cls *out = classify_fresh(t1, sizeof(t1) - 1, 0, true, &lc);
    assert_true(out->flags & CLS_F_PRIMARY);
    assert_true(out->flags & (CLS_F_WRITE | CLS_F_PARTIAL));
    out = classify_fresh(t2, sizeof(t2) - 1, 0, true, &lc);
    assert_true(out->flags & CLS_F_PRIMARY);
    assert_true(out->flags & (CLS_F_WRITE | CLS_F_PARTIAL));
    out = classify_fresh(t3, sizeof(t3) - 1, 0, true, &lc);
    for (unsigned i = 0; i < out->ntables && i < CLS_MAX_TABLES; i++)
        if (out->tables[i].pinned && out->tables[i].count == 1)
            assert_false(span_eq(out->values[out->tables[i].first].text, "1") &&
                         !(out->flags & CLS_F_PARTIAL));
}

/* ---- robustness: deep nesting and long texts ----------------------------- */

static void test_deep_nesting(void **state)
{
    /* SELECT ((((...1...)))) and a WHERE with 100000 nested parentheses:
     * classify() must return (PARTIAL is fine) rather than recurse off the
     * stack. */
    const int depth = 100000;
    size_t len = 7 + (size_t)depth * 2 + 1;
    char *sql = malloc(len);
    assert_non_null(sql);
    memcpy(sql, "SELECT ", 7);
    memset(sql + 7, '(', (size_t)depth);
    sql[7 + depth] = '1';
    memset(sql + 8 + depth, ')', (size_t)depth);
    struct lookup_ctx lc;
    const struct cls *out = classify_fresh(sql, len, 0, true, &lc);
    assert_true((unsigned)out->kind < CLS_KIND_COUNT);
    free(sql);

    static const char head[] = "DELETE FROM users WHERE ";
    len = sizeof(head) - 1 + (size_t)depth * 2 + 6;
    sql = malloc(len);
    assert_non_null(sql);
    size_t o = sizeof(head) - 1;
    memcpy(sql, head, o);
    memset(sql + o, '(', (size_t)depth);
    o += (size_t)depth;
    memcpy(sql + o, "id = 1", 6);
    o += 6;
    memset(sql + o, ')', (size_t)depth);
    out = classify_fresh(sql, len, 0, true, &lc);
    assert_true(out->flags & CLS_F_WRITE);
    assert_true(out->flags & CLS_F_PRIMARY);
    free(sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_coverage),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_sysbench),
        cmocka_unit_test(test_apps),
        cmocka_unit_test(test_lexical),
        cmocka_unit_test(test_adversarial),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_next_statement),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_length_respected),
        cmocka_unit_test(test_nul_bytes),
        /* last: a stack overflow here would end the binary */
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
