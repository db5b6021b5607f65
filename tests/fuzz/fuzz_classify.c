/*
 * fuzz_classify.c — libFuzzer harness for the SQL classifier
 * (router/classify*.c, include/classify.h).
 *
 * Input: byte 0 & 3 = lexer flags (0, ANSI_QUOTES, NO_BACKSLASH_ESCAPES,
 * both); the rest is a SQL text. The text is split with
 * cls_next_statement() and every statement is classified three times:
 * in place, on an exactly-sized heap copy (AddressSanitizer catches any
 * read past the statement), and again on the copy into a struct cls full
 * of garbage (the result must not depend on what the struct held). The
 * lookup marks a few tables sharded (sbtest1-4, users, orders, t, ...).
 *
 * Invariants (abort() when broken), all statements of the contract in
 * include/classify.h and issue 3:
 *   - cls_next_statement makes progress and its statements lie inside the
 *     text, in order;
 *   - capacities: ntables <= CLS_MAX_TABLES, nvalues <= CLS_MAX_VALUES,
 *     nitems, ngroup, norder, nsets within theirs; kind < CLS_KIND_COUNT;
 *     value types valid, a ? value's index < nparams; every table's
 *     values[first, first + count) within nvalues;
 *   - every span lies inside the statement text;
 *   - PARTIAL: a reason is given, and the statement is a write for a primary
 *     that pins no key (CLS_F_WRITE and CLS_F_PRIMARY set, no table pinned);
 *   - LOCKING_READ and INTO go to a primary;
 *   - a sharded table (CLS_T_SHARDED) is one the lookup called sharded, with
 *     the key column the lookup returned;
 *   - the same statement gives the same result (in place, copied, over a
 *     dirty struct);
 *   - only comments/whitespace <=> CLS_EMPTY;
 *   - no write is read as a plain read (kind SELECT/SHOW/EXPLAIN/EMPTY that
 *     may go to a replica): not when the first token is INSERT, UPDATE,
 *     DELETE, REPLACE, DROP, CREATE, ALTER or TRUNCATE, and not when a query
 *     (first token SELECT, WITH or "(") has a bare INSERT/UPDATE/DELETE/
 *     REPLACE outside parentheses (as in "WITH c AS (...) DELETE ..." or
 *     "SELECT ... FOR UPDATE"; INSERT( and REPLACE( are functions, t.update
 *     a column);
 *   - nparams <= the ? tokens the lexer sees, and CLS_F_HAS_PARAMS if > 0.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "classify.h"
#include "sqllex.h"

static int lookup_ctx; /* its address is the ctx passed to classify */

static const char *const key_id = "id";
static const char *const key_customer = "customer_id";
static const char *const key_k = "k";

static bool lookup(void *ctx, const char *schema, const char *name, const char **key_column)
{
    FUZZ_CHECK(ctx == &lookup_ctx);
    FUZZ_CHECK(schema != NULL && name != NULL && key_column != NULL);
    size_t sl = strlen(schema), nl = strlen(name); /* ASan: NUL-terminated */
    (void)nl;
    if (sl != 0 && strcmp(schema, "sbtest") != 0 && strcmp(schema, "shop") != 0)
        return false;
    if (strncmp(name, "sbtest", 6) == 0 && name[6] >= '1' && name[6] <= '4' && name[7] == '\0') {
        *key_column = key_id;
        return true;
    }
    if (strcmp(name, "users") == 0 || strcmp(name, "accounts") == 0) {
        *key_column = key_id;
        return true;
    }
    if (strcmp(name, "orders") == 0 || strcmp(name, "order_items") == 0) {
        *key_column = key_customer;
        return true;
    }
    if (strcmp(name, "t") == 0) {
        *key_column = key_k;
        return true;
    }
    return false;
}

/* ---- comparing two results -------------------------------------------- */

/* Two results of the same statement, one at text a, the other at text b
 * (n bytes each). */
struct pair {
    const char *a, *b;
    size_t n;
};

/* Equal spans: at the same offset of their texts, or (the static names of
 * SET NAMES / CHARSET) the same pointer. */
static bool span_eq(const struct pair *x, struct cls_span s, struct cls_span t)
{
    if (s.len != t.len || (s.p == NULL) != (t.p == NULL))
        return false;
    if (s.p == NULL)
        return true;
    bool s_in = fuzz_inside(s.p, s.len, x->a, x->n), t_in = fuzz_inside(t.p, t.len, x->b, x->n);
    if (s_in != t_in)
        return false;
    return s_in ? s.p - x->a == t.p - x->b : s.p == t.p;
}

static bool value_eq(const struct pair *x, const struct cls_value *v, const struct cls_value *w)
{
    return v->type == w->type && (v->type != CLS_V_PARAM || v->param == w->param) &&
           span_eq(x, v->text, w->text);
}

static bool order_eq(const struct pair *x, const struct cls_order *o, const struct cls_order *q)
{
    return span_eq(x, o->expr, q->expr) && o->position == q->position && o->desc == q->desc;
}

static void check_same(const struct pair *x, const struct cls *c, const struct cls *d)
{
    FUZZ_CHECK(c->kind == d->kind);
    FUZZ_CHECK(c->flags == d->flags);
    FUZZ_CHECK(c->session == d->session);
    FUZZ_CHECK(c->why == d->why);
    FUZZ_CHECK(span_eq(x, c->ddl_object, d->ddl_object));
    FUZZ_CHECK(c->ntables == d->ntables);
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct cls_table *s = &c->tables[i], *t = &d->tables[i];
        FUZZ_CHECK(span_eq(x, s->schema, t->schema) && span_eq(x, s->name, t->name) &&
                   span_eq(x, s->alias, t->alias));
        FUZZ_CHECK(s->flags == t->flags && s->key_column == t->key_column);
        FUZZ_CHECK(s->pinned == t->pinned && s->first == t->first && s->count == t->count);
    }
    FUZZ_CHECK(c->nvalues == d->nvalues);
    for (unsigned i = 0; i < c->nvalues; i++)
        FUZZ_CHECK(value_eq(x, &c->values[i], &d->values[i]));
    FUZZ_CHECK(c->nparams == d->nparams);
    FUZZ_CHECK(c->nsets == d->nsets);
    for (unsigned i = 0; i < c->nsets; i++)
        FUZZ_CHECK(c->sets[i].scope == d->sets[i].scope &&
                   span_eq(x, c->sets[i].name, d->sets[i].name) &&
                   span_eq(x, c->sets[i].value, d->sets[i].value));
    FUZZ_CHECK(c->distinct == d->distinct);
    FUZZ_CHECK(c->nitems == d->nitems);
    for (unsigned i = 0; i < c->nitems; i++) {
        const struct cls_item *s = &c->items[i], *t = &d->items[i];
        FUZZ_CHECK(span_eq(x, s->expr, t->expr) && span_eq(x, s->alias, t->alias));
        FUZZ_CHECK(s->agg == t->agg && s->agg_distinct == t->agg_distinct && s->star == t->star);
        FUZZ_CHECK(span_eq(x, s->agg_arg, t->agg_arg));
    }
    FUZZ_CHECK(c->ngroup == d->ngroup);
    for (unsigned i = 0; i < c->ngroup; i++)
        FUZZ_CHECK(order_eq(x, &c->group[i], &d->group[i]));
    FUZZ_CHECK(span_eq(x, c->having, d->having));
    FUZZ_CHECK(c->norder == d->norder);
    for (unsigned i = 0; i < c->norder; i++)
        FUZZ_CHECK(order_eq(x, &c->order[i], &d->order[i]));
    FUZZ_CHECK(c->has_limit == d->has_limit);
    if (c->has_limit)
        FUZZ_CHECK(value_eq(x, &c->limit, &d->limit) && value_eq(x, &c->offset, &d->offset));
    FUZZ_CHECK(c->unprovable == d->unprovable);
    FUZZ_CHECK(span_eq(x, c->unprovable_at, d->unprovable_at));
}

/* ---- one result on its own ---------------------------------------------- */

static void check_span(struct cls_span s, const char *sql, size_t len)
{
    if (s.p == NULL)
        FUZZ_CHECK(s.len == 0);
    else
        FUZZ_CHECK(fuzz_inside(s.p, s.len, sql, len));
}

static void check_value(const struct cls *c, const struct cls_value *v, const char *sql, size_t len)
{
    FUZZ_CHECK(v->type >= CLS_V_INT && v->type <= CLS_V_MISSING);
    if (v->type == CLS_V_PARAM)
        FUZZ_CHECK(v->param < c->nparams);
    if (v->type == CLS_V_MISSING)
        FUZZ_CHECK(v->text.len == 0 && v->row.len > 0);
    check_span(v->text, sql, len);
    check_span(v->row, sql, len);
}

static void check_name(struct cls_span s)
{
    char *dst = malloc(200);
    if (dst == NULL)
        abort();
    if (cls_name(s, dst, 200) == 0)
        FUZZ_CHECK(memchr(dst, '\0', 200) != NULL);
    free(dst);
}

/* A sharded table is one the lookup calls sharded, with its key column. */
static void check_sharded(const struct cls_table *t)
{
    char schema[200], name[200];
    const char *key = NULL;
    FUZZ_CHECK(!(t->flags & CLS_T_CTE));
    if (t->schema.len == 0)
        schema[0] = '\0';
    else if (cls_name(t->schema, schema, sizeof(schema)) == -1)
        return;
    if (cls_name(t->name, name, sizeof(name)) == -1)
        return;
    FUZZ_CHECK(lookup(&lookup_ctx, schema, name, &key));
    FUZZ_CHECK(t->key_column == key);
}

static void check_result(const struct cls *c, const char *sql, size_t len)
{
    FUZZ_CHECK((unsigned)c->kind < CLS_KIND_COUNT);
    FUZZ_CHECK(cls_kind_name(c->kind) != NULL);
    FUZZ_CHECK(c->ntables <= CLS_MAX_TABLES);
    FUZZ_CHECK(c->nvalues <= CLS_MAX_VALUES);
    FUZZ_CHECK(c->nitems <= CLS_MAX_ITEMS);
    FUZZ_CHECK(c->ngroup <= CLS_MAX_ORDER && c->norder <= CLS_MAX_ORDER);
    FUZZ_CHECK(c->nsets <= CLS_MAX_SETS);
    /* TRUNCATE t (no TABLE word): ddl_object is a static "TABLE" */
    if (!(c->ddl_object.len == 5 && memcmp(c->ddl_object.p, "TABLE", 5) == 0))
        check_span(c->ddl_object, sql, len);
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct cls_table *t = &c->tables[i];
        check_span(t->schema, sql, len);
        check_span(t->name, sql, len);
        check_span(t->alias, sql, len);
        check_name(t->schema);
        check_name(t->name);
        FUZZ_CHECK((size_t)t->first + t->count <= c->nvalues);
        if (t->flags & CLS_T_SHARDED)
            check_sharded(t);
        if (c->flags & CLS_F_PARTIAL)
            FUZZ_CHECK(!t->pinned);
    }
    for (unsigned i = 0; i < c->nvalues; i++)
        check_value(c, &c->values[i], sql, len);
    for (unsigned i = 0; i < c->nsets; i++) {
        FUZZ_CHECK(c->sets[i].scope <= CLS_SCOPE_USER);
        /* SET NAMES / CHARACTER SET: the name is "names" / "charset" */
        struct cls_span nm = c->sets[i].name;
        if (!(nm.len == 5 && memcmp(nm.p, "names", 5) == 0) &&
            !(nm.len == 7 && memcmp(nm.p, "charset", 7) == 0))
            check_span(nm, sql, len);
        check_span(c->sets[i].value, sql, len);
    }
    for (unsigned i = 0; i < c->nitems; i++) {
        check_span(c->items[i].expr, sql, len);
        check_span(c->items[i].alias, sql, len);
        check_span(c->items[i].agg_arg, sql, len);
        FUZZ_CHECK(c->items[i].agg <= CLS_AGG_OTHER);
    }
    for (unsigned i = 0; i < c->ngroup; i++)
        check_span(c->group[i].expr, sql, len);
    for (unsigned i = 0; i < c->norder; i++)
        check_span(c->order[i].expr, sql, len);
    check_span(c->having, sql, len);
    if (c->has_limit) {
        check_value(c, &c->limit, sql, len);
        check_value(c, &c->offset, sql, len);
    }
    for (unsigned b = 0; b < 32; b++)
        if (c->unprovable & (1u << b))
            FUZZ_CHECK(cls_unprovable_name(1u << b) != NULL);
    check_span(c->unprovable_at, sql, len);

    if (c->flags & CLS_F_PARTIAL) {
        FUZZ_CHECK(c->why != NULL && c->why[0] != '\0');
        FUZZ_CHECK((c->flags & CLS_F_WRITE) && (c->flags & CLS_F_PRIMARY));
    }
    if (c->flags & (CLS_F_LOCKING_READ | CLS_F_INTO))
        FUZZ_CHECK(c->flags & (CLS_F_PRIMARY | CLS_F_WRITE | CLS_F_PARTIAL));
    if (c->nparams > 0)
        FUZZ_CHECK(c->flags & CLS_F_HAS_PARAMS);
}

/* ---- what the lexer says about the statement ---------------------------- */

static bool is_any(const struct sqltok *t, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sqltok_is(t, words[i]))
            return true;
    return false;
}

static bool is_punct(const struct sqltok *t, char c)
{
    return t->type == SQLTOK_PUNCT && t->len == 1 && t->p[0] == c;
}

/* Could the result send the statement to a replica as a plain read? */
static bool plain_read(const struct cls *c)
{
    bool read_kind = c->kind == CLS_SELECT || c->kind == CLS_SHOW || c->kind == CLS_EXPLAIN ||
                     c->kind == CLS_EMPTY;
    return read_kind && !(c->flags & (CLS_F_WRITE | CLS_F_PRIMARY | CLS_F_PARTIAL));
}

static void check_against_lexer(const struct cls *c, const char *sql, size_t len, unsigned flags)
{
    static const char *const write_first[] = {"INSERT", "UPDATE", "DELETE", "REPLACE",
                                              "DROP",   "CREATE", "ALTER",  "TRUNCATE"};
    static const char *const write_word[] = {"INSERT", "UPDATE", "DELETE", "REPLACE"};
    struct sqllex lx;
    struct sqltok t, prev = {.type = SQLTOK_EOF}, pending = {.type = SQLTOK_EOF};
    unsigned ntok = 0, nreal = 0, params = 0;
    int depth = 0;
    bool error = false, write_at_top = false, query = false;

    sqllex_init(&lx, sql, len, flags);
    for (;;) {
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_EOF || t.type == SQLTOK_ERROR) {
            error = t.type == SQLTOK_ERROR;
            break;
        }
        /* A write word waits for the next token: "INSERT(" is a function. */
        if (pending.type != SQLTOK_EOF) {
            if (!is_punct(&t, '(') || sqltok_is(&pending, "UPDATE") ||
                sqltok_is(&pending, "DELETE"))
                write_at_top = true;
            pending.type = SQLTOK_EOF;
        }
        if (ntok == 0 && is_any(&t, write_first, 4 + 4))
            FUZZ_CHECK(!plain_read(c));
        if (ntok == 0)
            query = sqltok_is(&t, "SELECT") || sqltok_is(&t, "WITH") || is_punct(&t, '(');
        if (t.type == SQLTOK_PARAM)
            params++;
        if (t.type != SQLTOK_SEMI) /* ";" alone is an empty statement too */
            nreal++;
        if (is_punct(&t, '('))
            depth++;
        else if (is_punct(&t, ')'))
            depth--;
        else if (depth == 0 && is_any(&t, write_word, 4) && !is_punct(&prev, '.'))
            pending = t;
        prev = t;
        ntok++;
    }
    if (pending.type != SQLTOK_EOF)
        write_at_top = true;
    if (query && write_at_top)
        FUZZ_CHECK(!plain_read(c));
    if (nreal == 0 && !error)
        FUZZ_CHECK(c->kind == CLS_EMPTY);
    if (nreal > 0)
        FUZZ_CHECK(c->kind != CLS_EMPTY);
    FUZZ_CHECK(c->nparams <= params);
}

/* ---- driver ------------------------------------------------------------- */

static struct cls res_inplace, res_copy, res_dirty;

/* Classify text[start, start + n) in place, copied, and copied over a dirty
 * struct. one_statement: it came from cls_next_statement (else only the
 * structural invariants apply: classify() takes one statement). */
static void classify_one(const char *text, size_t start, size_t n, unsigned flags,
                         bool one_statement)
{
    char *copy = fuzz_dup(text + start, n);

    memset(&res_inplace, 0, sizeof(res_inplace));
    classify(&res_inplace, text + start, n, flags, lookup, &lookup_ctx);
    check_result(&res_inplace, text + start, n);

    memset(&res_copy, 0, sizeof(res_copy));
    classify(&res_copy, copy, n, flags, lookup, &lookup_ctx);
    check_result(&res_copy, copy, n);
    if (one_statement)
        check_against_lexer(&res_copy, copy, n, flags);

    memset(&res_dirty, 0xa5, sizeof(res_dirty));
    classify(&res_dirty, copy, n, flags, lookup, &lookup_ctx);

    struct pair same = {copy, copy, n}, moved = {text + start, copy, n};
    check_same(&same, &res_copy, &res_dirty);
    check_same(&moved, &res_inplace, &res_copy);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 3;
    size_t len = size - 1;
    char *text = fuzz_dup(data + 1, len);

    size_t pos = 0, start, n;
    unsigned iter = 0;
    for (;;) {
        FUZZ_CHECK(++iter <= len + 2);
        size_t before = pos;
        int rc = cls_next_statement(text, len, flags, &pos, &start, &n);
        FUZZ_CHECK(rc >= -1 && rc <= 1);
        if (rc != 1)
            break;
        FUZZ_CHECK(pos > before && pos <= len);
        FUZZ_CHECK(start >= before && start + n <= pos);
        classify_one(text, start, n, flags, true);
    }
    /* The whole text at once, as a careless caller would pass it: must not
     * crash or read outside it, whatever it contains. */
    if (len <= 4096)
        classify_one(text, 0, len, flags, false);
    free(text);
    return 0;
}
