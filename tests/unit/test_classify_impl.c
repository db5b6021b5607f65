/*
 * test_classify_impl.c — the classifier implementer's own table
 * (router/classify*.c): one or more statements for each feature, checked
 * through compact renderings so that a difference reads at a glance:
 *
 *   tables  "TS:users{1,2} S:orders@o"  one entry per table reference:
 *           flag letters (T target, N nested, C CTE, S sharded), ':', the
 *           name as written (schema.name), @alias, and {values} when pinned
 *           (values as written, ? for a placeholder, "{}" pinned to nothing);
 *   sets    "D:autocommit=0 U:a=5"  scope letter (D default, S session,
 *           L local, G global, P persist, U user), name=value;
 *   merge   "items=c,SUM(k):sum distinct order=c,2:desc group=a limit=10/20"
 *
 * The independent 300+ statement table is tests/unit/test_classify.c; this
 * one pins down the implementation's decisions (documented in
 * include/classify_int.h and the router/classify*.c comments), the lexer
 * changes made for it, the splitter and the capacities.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify.h"
#include "sqllex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shard map ----------------------------------------------------------- */

static bool lookup(void *ctx, const char *schema, const char *name, const char **key)
{
    static const struct {
        const char *schema, *name, *key;
    } map[] = {
        {"", "users", "id"},   {"", "orders", "user_id"}, {"", "t", "id"},
        {"", "u", "uid"},      {"", "a", "id"},           {"", "b", "id"},
        {"", "sbtest1", "id"}, {"app", "users", "id"},
    };
    (void)ctx;
    for (size_t i = 0; i < ARRAY_LEN(map); i++)
        if (strcmp(map[i].schema, schema) == 0 && strcmp(map[i].name, name) == 0) {
            *key = map[i].key;
            return true;
        }
    return false;
}

/* ---- renderings ---------------------------------------------------------- */

struct buf {
    char s[2048];
    size_t n;
};

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n += (size_t)k < sizeof(b->s) - b->n ? (size_t)k : sizeof(b->s) - b->n - 1;
}

static void put_span(struct buf *b, struct cls_span s)
{
    put(b, "%.*s", (int)s.len, s.p ? s.p : "");
}

static void render_tables(const struct cls *c, struct buf *b)
{
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct cls_table *t = &c->tables[i];
        put(b, "%s", i ? " " : "");
        if (t->flags & CLS_T_TARGET)
            put(b, "T");
        if (t->flags & CLS_T_NESTED)
            put(b, "N");
        if (t->flags & CLS_T_CTE)
            put(b, "C");
        if (t->flags & CLS_T_SHARDED)
            put(b, "S");
        put(b, ":");
        if (t->schema.len) {
            put_span(b, t->schema);
            put(b, ".");
        }
        put_span(b, t->name);
        if (t->alias.len) {
            put(b, "@");
            put_span(b, t->alias);
        }
        if (!t->pinned)
            continue;
        put(b, "{");
        for (unsigned k = 0; k < t->count; k++) {
            put(b, "%s", k ? "," : "");
            put_span(b, c->values[t->first + k].text);
        }
        put(b, "}");
    }
}

static void render_sets(const struct cls *c, struct buf *b)
{
    static const char scope[] = "DSLGPU";
    for (unsigned i = 0; i < c->nsets; i++) {
        put(b, "%s%c:", i ? " " : "", scope[c->sets[i].scope]);
        put_span(b, c->sets[i].name);
        put(b, "=");
        put_span(b, c->sets[i].value);
    }
}

static void render_orders(struct buf *b, const char *what, const struct cls_order *o, unsigned n)
{
    if (n == 0)
        return;
    put(b, " %s=", what);
    for (unsigned i = 0; i < n; i++) {
        put(b, "%s", i ? "," : "");
        put_span(b, o[i].expr);
        if (o[i].desc)
            put(b, ":desc");
    }
}

static void render_merge(const struct cls *c, struct buf *b)
{
    static const char *const agg[] = {"", "count*", "count", "sum", "min", "max", "avg", "other"};
    put(b, "items=");
    for (unsigned i = 0; i < c->nitems; i++) {
        put(b, "%s", i ? "," : "");
        put_span(b, c->items[i].expr);
        if (c->items[i].agg)
            put(b, ":%s%s", agg[c->items[i].agg], c->items[i].agg_distinct ? "-distinct" : "");
        if (c->items[i].alias.len) {
            put(b, " as ");
            put_span(b, c->items[i].alias);
        }
    }
    if (c->distinct)
        put(b, " distinct");
    render_orders(b, "group", c->group, c->ngroup);
    if (c->having.len) {
        put(b, " having=");
        put_span(b, c->having);
    }
    render_orders(b, "order", c->order, c->norder);
    if (c->has_limit) {
        put(b, " limit=");
        put_span(b, c->limit.text);
        if (c->offset.type != CLS_V_NULL) {
            put(b, "/");
            put_span(b, c->offset.text);
        }
    }
}

/* ---- the table ----------------------------------------------------------- */

#define W CLS_F_WRITE
#define P CLS_F_PRIMARY
#define PART CLS_F_PARTIAL
#define WP (W | P)
#define RO (W | P | PART) /* none of these on a plain read */
#define ANSI SQLLEX_ANSI_QUOTES
#define NOBS SQLLEX_NO_BACKSLASH_ESCAPES

struct impl_case {
    const char *sql;
    unsigned lex;
    enum cls_kind kind;
    uint32_t fset, fclear; /* flags that must be set / clear */
    uint32_t sset, sclear; /* session bits that must be set / clear */
    const char *tables;    /* NULL: not checked */
    const char *sets;      /* NULL: not checked */
    const char *merge;     /* NULL: not checked */
    uint32_t uset;         /* unprovable bits that must be set */
};

static const struct impl_case cases[] = {
    /* sysbench */
    {"SELECT c FROM sbtest1 WHERE id=4711", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = ~0u, .tables = "S:sbtest1{4711}", .sets = "", .merge = "items=c"},
    {"UPDATE sbtest1 SET k=k+1 WHERE id=10", 0, CLS_UPDATE, .fset = WP,
     .fclear = PART | CLS_F_SETS_KEY, .sset = 0, .sclear = 0, .tables = "TS:sbtest1{10}"},
    {"DELETE FROM sbtest1 WHERE id=5", 0, CLS_DELETE, .fset = WP, .fclear = 0, .sset = 0,
     .sclear = 0, .tables = "TS:sbtest1{5}"},
    {"INSERT INTO sbtest1 (id, k, c, pad) VALUES (5, 4992, 'x', 'y')", 0, CLS_INSERT, .fset = WP,
     .fclear = CLS_F_NO_COLUMN_LIST, .sset = 0, .sclear = 0, .tables = "TS:sbtest1{5}"},
    {"SELECT c FROM sbtest1 WHERE id BETWEEN 1 AND 100 ORDER BY c", 0, CLS_SELECT, .fset = 0,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:sbtest1", .sets = NULL,
     .merge = "items=c order=c"},
    {"SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN 1 AND 100", 0, CLS_SELECT, .fset = 0,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:sbtest1", .sets = NULL,
     .merge = "items=SUM(k):sum"},
    {"SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 1 AND 100 ORDER BY c", 0, CLS_SELECT,
     .fset = 0, .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:sbtest1", .sets = NULL,
     .merge = "items=c distinct order=c"},
    {"BEGIN", 0, CLS_BEGIN, .fset = P, .fclear = W | PART, .sset = CLS_S_TX_BEGIN, .sclear = 0,
     .tables = ""},
    {"COMMIT", 0, CLS_COMMIT, .fset = P, .fclear = W | PART, .sset = CLS_S_TX_END, .sclear = 0,
     .tables = ""},

    /* keys: WHERE conjunction, OR over one column, IN, intersections */
    {"SELECT * FROM t WHERE (id = 1 OR id = 2) AND k = 3", 0, CLS_SELECT, .fset = 0, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:t{1,2}"},
    {"SELECT * FROM t WHERE id = 1 OR k = 2", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t"},
    {"SELECT * FROM t WHERE id = 1 AND id = 2", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t{}"},
    {"SELECT * FROM t WHERE id = 1 AND id = 01", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t{1}"},
    {"SELECT * FROM t WHERE id IN (1, 2, ?) AND id IN (2, 3)", 0, CLS_SELECT,
     .fset = CLS_F_HAS_PARAMS, .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:t{2,?}"},
    {"SELECT * FROM t WHERE 5 = id AND t.id = 5", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t{5}"},
    {"SELECT * FROM t x WHERE x.id = -7", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t@x{-7}"},
    {"SELECT * FROM t x WHERE t.id = 7", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t@x"},
    {"SELECT * FROM app.users WHERE app.users.id = _utf8mb4'k'", 0, CLS_SELECT, .fset = 0,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:app.users{'k'}"},
    {"SELECT * FROM t WHERE id = N'4' OR id = X'2a' OR id = 1.5 OR id = NULL", 0, CLS_SELECT,
     .fset = 0, .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:t{'4',X'2a',1.5,NULL}"},
    {"SELECT * FROM t WHERE id = 1 + 1 OR id = 2", 0, CLS_SELECT, .fset = 0, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:t"},
    {"SELECT * FROM t WHERE NOT id = 1", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t"},
    {"SELECT * FROM t WHERE id = 1 XOR id = 2", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t"},
    {"SELECT * FROM t WHERE id NOT IN (1, 2)", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t"},
    {"SELECT * FROM t WHERE id = 5 COLLATE utf8mb4_bin", 0, CLS_SELECT, .fset = 0, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:t"},
    {"SELECT * FROM t WHERE (id = 3)", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t{3}"},
    {"SELECT * FROM t WHERE (id, k) = (1, 2)", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t"},
    /* || may be string concatenation (PIPES_AS_CONCAT): never a pin */
    {"SELECT * FROM t WHERE id = 1 || id = 2", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t"},
    {"SELECT * FROM t WHERE id = 1 AND k BETWEEN 1 AND 2 AND id IN (1, 4)", 0, CLS_SELECT,
     .fset = 0, .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:t{1}"},
    /* a subquery block pins its own tables; the outer one is unpinned */
    {"SELECT * FROM t WHERE id IN (SELECT uid FROM u WHERE uid = 3)", 0, CLS_SELECT,
     .fset = CLS_F_SUBQUERY, .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:t NS:u{3}",
     .sets = NULL, .merge = NULL, .uset = CLS_U_SUBQUERY},
    /* an unqualified column with two FROM items belongs to nobody */
    {"SELECT * FROM t, (SELECT 1 AS z) d WHERE id = 1", 0, CLS_SELECT, .fset = CLS_F_JOIN,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:t"},

    /* joins */
    {"SELECT * FROM a JOIN b ON a.id = b.id WHERE a.id = 7", 0, CLS_SELECT, .fset = CLS_F_JOIN,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:a{7} S:b", .sets = NULL, .merge = NULL,
     .uset = 0},
    {"SELECT * FROM a LEFT JOIN b USING (id)", 0, CLS_SELECT, .fset = CLS_F_JOIN, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:a S:b"},
    {"SELECT * FROM a, b WHERE a.id = b.id", 0, CLS_SELECT, .fset = CLS_F_JOIN, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:a S:b"},
    {"SELECT * FROM a JOIN b ON a.x = b.id", 0, CLS_SELECT, .fset = CLS_F_JOIN, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:a S:b", .sets = NULL, .merge = NULL,
     .uset = CLS_U_JOIN_KEYS},
    {"SELECT * FROM a, b WHERE a.id = b.id OR a.id = 1", 0, CLS_SELECT, .fset = CLS_F_JOIN,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = "S:a S:b", .sets = NULL, .merge = NULL,
     .uset = CLS_U_JOIN_KEYS},

    /* INSERT / REPLACE */
    {"INSERT INTO t (id, c) VALUES (1, 'a'), (-2, _latin1'x'), (?, NOW()), (NULL, 'q')", 0,
     CLS_INSERT, .fset = WP | CLS_F_HAS_PARAMS, .fclear = 0, .sset = 0, .sclear = 0,
     .tables = "TS:t{1,-2,?,NULL}"},
    {"INSERT INTO t (c, id) VALUES ('a', 1 + 1), ('b', (SELECT 5))", 0, CLS_INSERT,
     .fset = WP | CLS_F_SUBQUERY, .fclear = 0, .sset = 0, .sclear = 0,
     .tables = "TS:t{1 + 1,(SELECT 5)}"},
    {"INSERT INTO t VALUES (1)", 0, CLS_INSERT, .fset = WP | CLS_F_NO_COLUMN_LIST, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = "TS:t"},
    /* no key column: one MISSING value (empty text) per row */
    {"INSERT INTO t (c) VALUES ('x')", 0, CLS_INSERT, .fset = WP, .fclear = CLS_F_NO_COLUMN_LIST,
     .sset = 0, .sclear = 0, .tables = "TS:t{}"},
    {"INSERT INTO t SET c = 'x', id = 9", 0, CLS_INSERT, .fset = WP, .fclear = 0, .sset = 0,
     .sclear = 0, .tables = "TS:t{9}"},
    {"INSERT INTO t (id) SELECT uid FROM u WHERE uid = 3", 0, CLS_INSERT,
     .fset = WP | CLS_F_INSERT_SELECT, .fclear = 0, .sset = 0, .sclear = 0,
     .tables = "TS:t S:u{3}"},
    {"INSERT INTO t (id, c) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = 5", 0, CLS_INSERT,
     .fset = WP | CLS_F_ON_DUP_UPDATE | CLS_F_ON_DUP_SETS_KEY, .fclear = 0, .sset = 0, .sclear = 0,
     .tables = "TS:t{1}"},
    {"INSERT INTO t (id, c) VALUES (1, 'a') AS n ON DUPLICATE KEY UPDATE c = n.c", 0, CLS_INSERT,
     .fset = WP | CLS_F_ON_DUP_UPDATE, .fclear = CLS_F_ON_DUP_SETS_KEY, .sset = 0, .sclear = 0,
     .tables = "TS:t{1}"},
    {"REPLACE INTO t (id, c) VALUES (7, 'x')", 0, CLS_REPLACE, .fset = WP, .fclear = 0, .sset = 0,
     .sclear = 0, .tables = "TS:t{7}"},
    {"INSERT IGNORE INTO `t` (`id`) VALUES (3) RETURNING id", 0, CLS_INSERT,
     .fset = WP | CLS_F_IGNORE, .fclear = 0, .sset = 0, .sclear = 0, .tables = "TS:`t`{3}"},

    /* UPDATE / DELETE */
    {"UPDATE t SET id = 2 WHERE id = 1", 0, CLS_UPDATE, .fset = WP | CLS_F_SETS_KEY, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = "TS:t{1}"},
    {"UPDATE t JOIN u ON t.id = u.uid SET t.k = u.k WHERE u.uid = 5", 0, CLS_UPDATE,
     .fset = WP | CLS_F_JOIN, .fclear = CLS_F_SETS_KEY, .sset = 0, .sclear = 0,
     .tables = "TS:t S:u{5}"},
    {"DELETE t1 FROM t AS t1 JOIN u ON t1.id = u.uid WHERE t1.id = 4", 0, CLS_DELETE, .fset = WP,
     .fclear = 0, .sset = 0, .sclear = 0, .tables = "TS:t@t1{4} S:u"},
    {"DELETE FROM a USING a, b WHERE a.id = b.id AND b.id = 2", 0, CLS_DELETE, .fset = WP,
     .fclear = 0, .sset = 0, .sclear = 0, .tables = "TS:a S:b{2}"},
    {"DELETE FROM t WHERE id = 1 ORDER BY id LIMIT 1", 0, CLS_DELETE, .fset = WP, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = "TS:t{1}"},

    /* writes where a reader might not look */
    {"/*!INSERT*/ INTO t VALUES (1)", 0, CLS_INSERT, .fset = WP, .fclear = 0, .sset = 0,
     .sclear = 0, .tables = "TS:t"},
    {"SELECT 1 /*!, (SELECT id FROM t FOR UPDATE)*/", 0, CLS_SELECT,
     .fset = P | CLS_F_LOCKING_READ | CLS_F_SUBQUERY, .fclear = 0, .sset = 0, .sclear = 0,
     .tables = "NS:t"},
    {"SELECT 1; DELETE FROM t", 0, CLS_SELECT, .fset = WP | PART, .fclear = 0,
     .sset = CLS_S_UNKNOWN, .sclear = 0, .tables = "S:t"},
    {"SELECT '; DELETE FROM t'", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0, .sclear = 0,
     .tables = ""},
    {"SELECT \"a\\\" ; DELETE FROM t -- \"", ANSI, CLS_SELECT, .fset = WP | PART, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = NULL},
    {"SELECT 'a\\' ; DELETE FROM t -- '", NOBS, CLS_SELECT, .fset = WP | PART, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = NULL},
    {"SELECT @'a\\' ; DELETE FROM t -- '", NOBS, CLS_SELECT, .fset = WP | PART, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = NULL},
    {"BEGIN NOT ATOMIC UPDATE t SET k = 1; END", 0, CLS_OTHER, .fset = WP | PART, .fclear = 0,
     .sset = 0, .sclear = CLS_S_TX_BEGIN, .tables = "S:t"},
    {"WITH x AS (SELECT * FROM t) DELETE FROM t WHERE id IN (SELECT id FROM x)", 0, CLS_DELETE,
     .fset = WP | CLS_F_CTE, .fclear = 0, .sset = 0, .sclear = 0, .tables = NULL},
    {"SELECT CASE DELETE END", 0, CLS_SELECT, .fset = WP | PART},
    {"SHOW TABLES DELETE FROM t", 0, CLS_SHOW, .fset = WP | PART},
    {"SELECT * FROM t WHERE id IN ((SELECT 1) UNION SELECT uid FROM u FOR UPDATE)", 0, CLS_SELECT,
     .fset = P | CLS_F_LOCKING_READ | CLS_F_UNION, .fclear = W, .tables = "S:t NS:u"},
    {"SELECT `select` FROM `from` WHERE `where` = 1", 0, CLS_SELECT, .fset = 0, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = ":`from`"},
    {"select/**/c\tfrom\nt/*x*/where id=1", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t{1}"},
    {"INSERT/*x*/INTO t(id)VALUES(4)", 0, CLS_INSERT, .fset = WP, .fclear = 0, .sset = 0,
     .sclear = 0, .tables = "TS:t{4}"},
    {"SELECT my_func(1), db.fn(2)", 0, CLS_SELECT, .fset = P | CLS_F_SIDE_EFFECT_FN, .fclear = W,
     .sset = 0, .sclear = 0, .tables = ""},
    {"SELECT CONCAT(a, b), CAST(c AS DECIMAL(10,2)), NOW() - INTERVAL 1 DAY FROM t", 0, CLS_SELECT,
     .fset = 0, .fclear = RO | CLS_F_SIDE_EFFECT_FN, .sset = 0, .sclear = 0, .tables = "S:t"},
    {"SELECT NEXT VALUE FOR s", 0, CLS_SELECT, .fset = WP | CLS_F_SIDE_EFFECT_FN, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = ""},
    /* a versioned comment some servers skip: both readings hold */
    {"/*!99999 SELECT 1 FROM */ TRUNCATE t", 0, CLS_SELECT, .fset = WP | PART, .fclear = 0,
     .sset = 0, .sclear = 0, .tables = NULL},
    {"SELECT * FROM t WHERE id = 1 /*!99999 AND id = 2 */", 0, CLS_SELECT, .fset = 0, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:t{1}"},
    {"SELECT * FROM t WHERE id = 1 /*M! OR id = 2 */", 0, CLS_SELECT, .fset = 0, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = "S:t{1,2}"},
    {"SELECT * FROM t WHERE id = /*!40101 3 */", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "S:t{3}"},

    /* primary without write, session effects */
    {"SELECT * FROM t WHERE id = 1 FOR UPDATE", 0, CLS_SELECT, .fset = P | CLS_F_LOCKING_READ,
     .fclear = W, .sset = 0, .sclear = 0, .tables = "S:t{1}"},
    {"SELECT * FROM t LOCK IN SHARE MODE", 0, CLS_SELECT, .fset = P | CLS_F_LOCKING_READ,
     .fclear = W, .sset = 0, .sclear = 0, .tables = NULL},
    {"SELECT id FROM t WHERE id = 5 INTO @v", 0, CLS_SELECT, .fset = P | CLS_F_INTO, .fclear = W,
     .sset = CLS_S_USER_VAR, .sclear = 0, .tables = "S:t{5}"},
    {"SELECT id INTO OUTFILE '/tmp/x' FIELDS TERMINATED BY ',' FROM t", 0, CLS_SELECT,
     .fset = WP | CLS_F_INTO, .fclear = 0, .sset = 0, .sclear = 0, .tables = "S:t"},
    {"SELECT @a := 1", 0, CLS_SELECT, .fset = P, .fclear = W, .sset = CLS_S_USER_VAR, .sclear = 0,
     .tables = "", .sets = NULL, .merge = NULL, .uset = CLS_U_VARIABLES},
    {"SELECT @a", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = CLS_S_USER_VAR_READ,
     .sclear = CLS_S_USER_VAR},
    {"SELECT GET_LOCK('x', 1), LAST_INSERT_ID(), @@identity", 0, CLS_SELECT,
     .fset = P | CLS_F_SIDE_EFFECT_FN, .fclear = W, .sset = CLS_S_LOCK | CLS_S_DEPENDS, .sclear = 0,
     .tables = ""},
    {"SELECT SLEEP(1)", 0, CLS_SELECT, .fset = CLS_F_SIDE_EFFECT_FN, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = ""},
    {"SELECT MASTER_GTID_WAIT('0-1-1', 1)", 0, CLS_SELECT, .fset = 0,
     .fclear = RO | CLS_F_SIDE_EFFECT_FN, .sset = 0, .sclear = 0, .tables = ""},
    {"DO GET_LOCK('a', 1)", 0, CLS_DO, .fset = WP, .fclear = 0, .sset = CLS_S_LOCK, .sclear = 0},
    {"DO SLEEP(1)", 0, CLS_DO, .fset = 0, .fclear = RO, .sset = 0, .sclear = 0},

    /* SET */
    {"SET @a := 5, SESSION sql_mode = 'ANSI', autocommit = ON", 0, CLS_SET, .fset = P, .fclear = W,
     .sset = CLS_S_USER_VAR | CLS_S_SYSVAR | CLS_S_AUTOCOMMIT, .sclear = CLS_S_GLOBAL,
     .tables = NULL, .sets = "U:a=5 S:sql_mode='ANSI' S:autocommit=ON"},
    {"SET GLOBAL max_connections = 10, @@session.wait_timeout = 5", 0, CLS_SET, .fset = WP,
     .fclear = 0, .sset = CLS_S_GLOBAL | CLS_S_SYSVAR, .sclear = 0, .tables = NULL,
     .sets = "G:max_connections=10 S:wait_timeout=5"},
    {"SET NAMES utf8mb4 COLLATE utf8mb4_bin", 0, CLS_SET, .fset = 0, .fclear = RO,
     .sset = CLS_S_NAMES, .sclear = 0, .tables = NULL,
     .sets = "D:names=utf8mb4 COLLATE utf8mb4_bin"},
    {"SET CHARACTER SET latin1", 0, CLS_SET, .fset = 0, .fclear = RO, .sset = CLS_S_NAMES,
     .sclear = 0, .tables = NULL, .sets = "D:charset=latin1"},
    {"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", 0, CLS_SET, .fset = 0, .fclear = RO,
     .sset = CLS_S_NEXT_TX, .sclear = CLS_S_TX_CHARS, .tables = NULL,
     .sets = "D:TRANSACTION=ISOLATION LEVEL READ COMMITTED"},
    {"SET SESSION TRANSACTION READ ONLY", 0, CLS_SET, .fset = 0, .fclear = RO,
     .sset = CLS_S_TX_CHARS, .sclear = CLS_S_NEXT_TX},
    {"SET tx_isolation = 'READ-COMMITTED'", 0, CLS_SET, .fset = 0, .fclear = RO,
     .sset = CLS_S_TX_CHARS | CLS_S_SYSVAR, .sclear = 0},
    {"SET PASSWORD = 'x'", 0, CLS_SET, .fset = WP, .fclear = 0, .sset = CLS_S_UNKNOWN, .sclear = 0},
    {"SET STATEMENT max_statement_time = 1 FOR DELETE FROM t WHERE id = 1", 0, CLS_DELETE,
     .fset = WP, .fclear = 0, .sset = 0, .sclear = 0, .tables = "TS:t{1}",
     .sets = "S:max_statement_time=1"},

    /* transactions */
    {"START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT", 0, CLS_BEGIN,
     .fset = P | CLS_F_TX_READ_ONLY | CLS_F_TX_SNAPSHOT, .fclear = W, .sset = CLS_S_TX_BEGIN,
     .sclear = 0},
    {"COMMIT AND CHAIN", 0, CLS_COMMIT, .fset = P, .fclear = W,
     .sset = CLS_S_TX_END | CLS_S_TX_BEGIN, .sclear = 0},
    {"ROLLBACK WORK TO SAVEPOINT s1", 0, CLS_ROLLBACK_TO, .fset = P, .fclear = W, .sset = 0,
     .sclear = CLS_S_TX_END},
    {"RELEASE SAVEPOINT s1", 0, CLS_RELEASE_SAVEPOINT, .fset = P, .fclear = W, .sset = 0,
     .sclear = 0},
    {"XA START 'x'", 0, CLS_XA, .fset = WP, .fclear = 0, .sset = CLS_S_TX_BEGIN, .sclear = 0},

    /* other statements */
    {"USE `my``db`", 0, CLS_USE, .fset = 0, .fclear = RO, .sset = CLS_S_USE, .sclear = 0,
     .tables = ":`my``db`."},
    {"SHOW FULL COLUMNS FROM t FROM db", 0, CLS_SHOW, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = ":db.t"},
    {"SHOW WARNINGS", 0, CLS_SHOW, .fset = 0, .fclear = RO, .sset = CLS_S_DEPENDS, .sclear = 0,
     .tables = ""},
    {"DESCRIBE users", 0, CLS_EXPLAIN, .fset = 0, .fclear = RO, .sset = 0, .sclear = 0,
     .tables = "S:users"},
    {"EXPLAIN DELETE FROM t WHERE id = 2", 0, CLS_EXPLAIN, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = "TS:t{2}"},
    {"ANALYZE DELETE FROM t WHERE id = 2", 0, CLS_EXPLAIN, .fset = WP, .fclear = 0, .sset = 0,
     .sclear = 0, .tables = "TS:t{2}"},
    {"CREATE TABLE x (id INT, u INT REFERENCES users (id)) AS SELECT * FROM t", 0, CLS_DDL,
     .fset = WP, .fclear = 0, .sset = CLS_S_TX_END, .sclear = 0, .tables = "T:x S:users S:t"},
    {"CREATE TEMPORARY TABLE tmp (a INT)", 0, CLS_DDL, .fset = WP | CLS_F_TEMPORARY, .fclear = 0,
     .sset = CLS_S_TEMP_TABLE, .sclear = CLS_S_TX_END, .tables = "T:tmp"},
    {"ALTER TABLE t ADD COLUMN x INT, RENAME TO t2", 0, CLS_DDL, .fset = WP, .fclear = 0,
     .sset = CLS_S_TX_END, .sclear = 0, .tables = "TS:t T:t2"},
    {"DROP TABLE IF EXISTS a, b", 0, CLS_DDL, .fset = WP, .fclear = 0, .sset = CLS_S_TX_END,
     .sclear = 0, .tables = "TS:a TS:b"},
    {"RENAME TABLE a TO c", 0, CLS_DDL, .fset = WP, .fclear = 0, .sset = 0, .sclear = 0,
     .tables = "TS:a T:c"},
    {"TRUNCATE t", 0, CLS_DDL, .fset = WP, .fclear = 0, .sset = CLS_S_TX_END, .sclear = 0,
     .tables = "TS:t"},
    {"CREATE PROCEDURE p() BEGIN SELECT 1; UPDATE t SET k = 1; END", 0, CLS_DDL, .fset = WP,
     .fclear = PART, .sset = 0, .sclear = 0, .tables = ""},
    {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.k = 1", 0, CLS_DDL, .fset = WP,
     .fclear = PART, .sset = 0, .sclear = 0, .tables = "TS:t"},
    {"LOCK TABLES t READ, u AS x WRITE", 0, CLS_LOCK_TABLES, .fset = WP, .fclear = 0,
     .sset = CLS_S_LOCK_TABLES | CLS_S_TX_END, .sclear = 0, .tables = "S:t TS:u@x"},
    {"UNLOCK TABLES", 0, CLS_UNLOCK_TABLES, .fset = P, .fclear = 0, .sset = CLS_S_LOCK_TABLES,
     .sclear = 0},
    {"CALL p(1, @x)", 0, CLS_CALL, .fset = WP, .fclear = 0,
     .sset = CLS_S_UNKNOWN | CLS_S_USER_VAR_READ, .sclear = 0},
    {"PREPARE s FROM 'SELECT 1'", 0, CLS_PREPARE, .fset = P, .fclear = 0, .sset = CLS_S_PREPARE,
     .sclear = 0},
    {"EXECUTE s USING @a", 0, CLS_EXECUTE, .fset = WP, .fclear = 0, .sset = CLS_S_PREPARE,
     .sclear = 0},
    {"DROP PREPARE s", 0, CLS_DEALLOCATE, .fset = P, .fclear = W, .sset = CLS_S_PREPARE,
     .sclear = 0},
    {"LOAD DATA LOCAL INFILE 'x' INTO TABLE t", 0, CLS_LOAD_DATA, .fset = WP | CLS_F_LOCAL,
     .fclear = 0, .sset = 0, .sclear = 0, .tables = "TS:t"},
    {"KILL QUERY 5", 0, CLS_KILL, .fset = WP, .fclear = 0, .sset = 0, .sclear = 0},
    {"GRANT SELECT ON db.* TO 'u'@'%'", 0, CLS_OTHER, .fset = WP, .fclear = PART,
     .sset = CLS_S_TX_END, .sclear = 0},
    {"ANALYZE TABLE t", 0, CLS_OTHER, .fset = WP, .fclear = PART, .sset = 0, .sclear = 0,
     .tables = "TS:t"},
    {"FLUSH TABLES WITH READ LOCK", 0, CLS_OTHER, .fset = WP, .fclear = 0,
     .sset = CLS_S_LOCK_TABLES, .sclear = 0},
    {"FROBNICATE t", 0, CLS_OTHER, .fset = WP | PART, .fclear = 0, .sset = CLS_S_UNKNOWN,
     .sclear = 0},
    {"  -- nothing\n", 0, CLS_EMPTY, .fset = 0, .fclear = RO, .sset = 0, .sclear = ~0u,
     .tables = ""},

    /* merge information and what makes a merge unprovable */
    {"SELECT a.*, COUNT(*) AS n, SUM(b.k) FROM a, b WHERE a.id = b.id GROUP BY a.g "
     "HAVING COUNT(*) > 1 ORDER BY 2 DESC LIMIT 10 OFFSET 20",
     0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0, .sclear = 0, .tables = NULL, .sets = NULL,
     .merge =
         "items=a.*,COUNT(*):count* as n,SUM(b.k):sum group=a.g having=COUNT(*) > 1 order=2:desc "
         "limit=10/20"},
    {"SELECT * FROM t LIMIT 5, ?", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0, .sclear = 0,
     .tables = NULL, .sets = NULL, .merge = "items=* limit=?/5"},
    {"SELECT COUNT(DISTINCT k), AVG(k) + 1, GROUP_CONCAT(c) FROM t", 0, CLS_SELECT, .fset = 0,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = NULL, .sets = NULL,
     .merge = "items=COUNT(DISTINCT k):count-distinct,AVG(k) + 1,GROUP_CONCAT(c):other",
     .uset = CLS_U_AGG_DISTINCT | CLS_U_AGG_EXPR | CLS_U_AGG_OTHER},
    {"SELECT ROW_NUMBER() OVER (ORDER BY id), SUM(k) OVER w FROM t", 0, CLS_SELECT, .fset = 0,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = NULL, .sets = NULL, .merge = NULL,
     .uset = CLS_U_WINDOW},
    {"SELECT * FROM (SELECT * FROM t WHERE id = 5 LIMIT 1) d", 0, CLS_SELECT,
     .fset = CLS_F_SUBQUERY, .fclear = RO, .sset = 0, .sclear = 0, .tables = "NS:t{5}",
     .sets = NULL, .merge = NULL, .uset = CLS_U_LIMIT_SUBQUERY | CLS_U_SUBQUERY},
    {"SELECT c FROM t ORDER BY k", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0, .sclear = 0,
     .tables = NULL, .sets = NULL, .merge = NULL, .uset = CLS_U_ORDER_EXPR},
    {"SELECT `c` AS x FROM t ORDER BY x, t.c, C", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = NULL, .sets = NULL, .merge = "items=`c` as x order=x,t.c,C"},
    {"SELECT a, SUM(c) FROM t GROUP BY a HAVING MAX(c) > 5", 0, CLS_SELECT, .fset = 0, .fclear = RO,
     .sset = 0, .sclear = 0, .tables = NULL, .sets = NULL, .merge = NULL,
     .uset = CLS_U_HAVING_EXPR},
    {"SELECT a FROM t GROUP BY a WITH ROLLUP", 0, CLS_SELECT, .fset = 0, .fclear = RO, .sset = 0,
     .sclear = 0, .tables = NULL, .sets = NULL, .merge = NULL, .uset = CLS_U_ROLLUP},
    {"SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 5", 0, CLS_SELECT, .fset = P, .fclear = W,
     .sset = CLS_S_DEPENDS, .sclear = 0, .tables = NULL, .sets = NULL, .merge = NULL,
     .uset = CLS_U_FOUND_ROWS},
    {"(SELECT a FROM t WHERE id = 1) UNION (SELECT a FROM t WHERE id = 2) ORDER BY a LIMIT 5", 0,
     CLS_SELECT, .fset = CLS_F_UNION, .fclear = RO, .sset = 0, .sclear = 0,
     .tables = "S:t{1} S:t{2}", .sets = NULL, .merge = "items=a order=a limit=5",
     .uset = CLS_U_UNION},
    {"WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r", 0,
     CLS_SELECT, .fset = CLS_F_CTE, .fclear = RO, .sset = 0, .sclear = 0, .tables = "NC:r C:r"},
    {"WITH t AS (SELECT * FROM t WHERE id = 2) SELECT * FROM t", 0, CLS_SELECT, .fset = CLS_F_CTE,
     .fclear = RO, .sset = 0, .sclear = 0, .tables = "NS:t{2} C:t"},
};

static const char *kind_s(enum cls_kind k)
{
    return cls_kind_name(k);
}

/* Classify c->sql from a heap block of exactly its size (ASan), into a
 * struct that held garbage and another statement before. */
static void check_case(const struct impl_case *c, char *err, size_t errlen)
{
    static struct cls out;
    size_t len = strlen(c->sql);
    char *sql = malloc(len ? len : 1);
    assert_non_null(sql);
    memcpy(sql, c->sql, len);
    memset(&out, 0x5a, sizeof(out));
    classify(&out, "SELECT * FROM t WHERE id = 9", 28, 0, lookup, NULL);
    classify(&out, sql, len, c->lex, lookup, NULL);
    err[0] = '\0';
    struct buf b = {.n = 0};
    b.s[0] = '\0';
    if (out.kind != c->kind)
        snprintf(err, errlen, "kind %s, expected %s", kind_s(out.kind), kind_s(c->kind));
    else if ((out.flags & c->fset) != c->fset || (out.flags & c->fclear) != 0)
        snprintf(err, errlen, "flags 0x%x (why %s): want set 0x%x clear 0x%x", out.flags,
                 out.why ? out.why : "-", c->fset, c->fclear);
    else if ((out.session & c->sset) != c->sset || (out.session & c->sclear) != 0)
        snprintf(err, errlen, "session 0x%x: want set 0x%x clear 0x%x", out.session, c->sset,
                 c->sclear);
    else if ((out.unprovable & c->uset) != c->uset)
        snprintf(err, errlen, "unprovable 0x%x, want 0x%x", out.unprovable, c->uset);
    if (err[0] == '\0' && c->tables != NULL) {
        render_tables(&out, &b);
        if (strcmp(b.s, c->tables) != 0)
            snprintf(err, errlen, "tables \"%s\", expected \"%s\"", b.s, c->tables);
    }
    if (err[0] == '\0' && c->sets != NULL) {
        b.n = 0;
        b.s[0] = '\0';
        render_sets(&out, &b);
        if (strcmp(b.s, c->sets) != 0)
            snprintf(err, errlen, "sets \"%s\", expected \"%s\"", b.s, c->sets);
    }
    if (err[0] == '\0' && c->merge != NULL) {
        b.n = 0;
        b.s[0] = '\0';
        render_merge(&out, &b);
        if (strcmp(b.s, c->merge) != 0)
            snprintf(err, errlen, "merge \"%s\", expected \"%s\"", b.s, c->merge);
    }
    /* the contract's invariants */
    if (err[0] == '\0' && (out.flags & (W | PART)) && !(out.flags & P))
        snprintf(err, errlen, "WRITE/PARTIAL without PRIMARY");
    for (unsigned i = 0; err[0] == '\0' && i < out.ntables; i++)
        if ((out.flags & PART) && out.tables[i].pinned)
            snprintf(err, errlen, "partial but table %u pinned", i);
    free(sql);
}

static void test_table(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char err[4096];
        check_case(&cases[i], err, sizeof(err));
        if (err[0] != '\0') {
            print_error("[%zu] \"%s\": %s\n", i, cases[i].sql, err);
            failed++;
        }
    }
    if (failed)
        fail_msg("%d of %zu statements differ", failed, ARRAY_LEN(cases));
}

/* ---- splitting ----------------------------------------------------------- */

struct split_case {
    const char *sql;
    const char *parts[4]; /* then NULL */
    int last;             /* the final return: 0, or -1 */
};

static void test_split(void **state)
{
    static const struct split_case sc[] = {
        {"SELECT 1; SELECT 2;; ;", {"SELECT 1", "SELECT 2"}, 0},
        {"SELECT ';'; SELECT `;`", {"SELECT ';'", "SELECT `;`"}, 0},
        {"CREATE PROCEDURE p() BEGIN SELECT 1; IF x THEN SELECT 2; END IF; END; SELECT 3",
         {"CREATE PROCEDURE p() BEGIN SELECT 1; IF x THEN SELECT 2; END IF; END", "SELECT 3"},
         0},
        {"BEGIN NOT ATOMIC SELECT CASE WHEN 1 THEN 2 END; END; COMMIT",
         {"BEGIN NOT ATOMIC SELECT CASE WHEN 1 THEN 2 END; END", "COMMIT"},
         0},
        {"BEGIN; UPDATE t SET a = 1; COMMIT", {"BEGIN", "UPDATE t SET a = 1", "COMMIT"}, 0},
        {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 0; SELECT 1",
         {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 0", "SELECT 1"},
         0},
        {"SELECT 1 -- ;\n; SELECT 2", {"SELECT 1 -- ;", "SELECT 2"}, 0},
        {"SELECT 1; SELECT 'x", {"SELECT 1"}, -1},
        {"  ", {NULL}, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(sc); i++) {
        const char *sql = sc[i].sql;
        size_t len = strlen(sql), pos = 0, start, n;
        int k = 0, rc;
        while ((rc = cls_next_statement(sql, len, 0, &pos, &start, &n)) == 1) {
            if (k >= 4 || sc[i].parts[k] == NULL || strlen(sc[i].parts[k]) != n ||
                memcmp(sql + start, sc[i].parts[k], n) != 0)
                fail_msg("split \"%s\": part %d is \"%.*s\"", sql, k, (int)n, sql + start);
            k++;
        }
        if (rc != sc[i].last || (k < 4 && sc[i].parts[k] != NULL))
            fail_msg("split \"%s\": %d parts, last %d", sql, k, rc);
    }
}

/* ---- names --------------------------------------------------------------- */

static void test_name(void **state)
{
    static const struct {
        const char *in, *out;
        int rc;
    } nc[] = {
        {"t", "t", 0}, {"`a``b`", "a`b", 0},   {"\"x\"\"y\"", "x\"y", 0},
        {"``", "", 0}, {"'it''s'", "it's", 0}, {"abcdefgh", NULL, -1},
    };
    for (size_t i = 0; i < ARRAY_LEN(nc); i++) {
        char dst[8];
        struct cls_span s = {nc[i].in, (uint32_t)strlen(nc[i].in)};
        int rc = cls_name(s, dst, sizeof(dst));
        assert_int_equal(rc, nc[i].rc);
        if (rc == 0)
            assert_string_equal(dst, nc[i].out);
    }
    assert_string_equal(cls_kind_name(CLS_ROLLBACK_TO), "ROLLBACK TO");
    assert_string_equal(cls_unprovable_name(CLS_U_WINDOW), "window function");
}

/* ---- the lexer changes made for the classifier --------------------------- */

static void test_lexer(void **state)
{
    struct sqllex lx;
    struct sqltok t;
    /* ANSI_QUOTES: "..." is an identifier, and identifiers take no
     * backslash escapes */
    const char *a = "\"a\\\" ; x";
    sqllex_init(&lx, a, strlen(a), SQLLEX_ANSI_QUOTES);
    sqllex_next(&lx, &t);
    assert_int_equal(t.type, SQLTOK_QIDENT);
    assert_int_equal(t.len, 4);
    sqllex_next(&lx, &t);
    assert_int_equal(t.type, SQLTOK_SEMI);
    /* a quoted user variable follows the escape rules of its quotes */
    const char *v = "@'a\\' x";
    sqllex_init(&lx, v, strlen(v), SQLLEX_NO_BACKSLASH_ESCAPES);
    sqllex_next(&lx, &t);
    assert_int_equal(t.type, SQLTOK_VAR);
    assert_int_equal(t.len, 5);
    /* versioned executable comments: noted, and skippable on request */
    const char *c = "SELECT /*!99999 1, */ 2";
    for (int skip = 0; skip < 2; skip++) {
        sqllex_init(&lx, c, strlen(c), skip ? SQLLEX_SKIP_VERSIONED : 0);
        int n = 0;
        do {
            sqllex_next(&lx, &t);
            n++;
        } while (t.type != SQLTOK_EOF);
        assert_true(lx.versioned);
        assert_int_equal(n, skip ? 3 : 5);
    }
    const char *old = "SELECT /*!40101 1 */";
    sqllex_init(&lx, old, strlen(old), SQLLEX_SKIP_VERSIONED);
    do
        sqllex_next(&lx, &t);
    while (t.type != SQLTOK_EOF);
    assert_false(lx.versioned);
}

/* ---- capacities, robustness ---------------------------------------------- */

static void classify_text(struct cls *out, const char *text)
{
    classify(out, text, strlen(text), 0, lookup, NULL);
}

static void test_capacity(void **state)
{
    static struct cls out;
    static char sql[65536];
    size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT * FROM t WHERE id IN (0");
    for (int i = 1; i < CLS_MAX_VALUES + 100; i++)
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, ",%d", i);
    snprintf(sql + n, sizeof(sql) - n, ")");
    classify_text(&out, sql);
    assert_true(out.flags & PART);
    assert_false(out.tables[0].pinned);

    /* A select list longer than the merge information holds: still a
     * routable read, only marked as not mergeable. */
    n = (size_t)snprintf(sql, sizeof(sql), "SELECT c0");
    for (int i = 1; i < 200; i++)
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", c%d", i);
    snprintf(sql + n, sizeof(sql) - n, " FROM t WHERE id = 1");
    classify_text(&out, sql);
    assert_false(out.flags & PART);
    assert_false(out.flags & W);
    assert_true(out.unprovable & CLS_U_TOO_MANY);
    assert_int_equal(out.nitems, CLS_MAX_ITEMS);

    n = (size_t)snprintf(sql, sizeof(sql), "SELECT * FROM t0");
    for (int i = 1; i < 40; i++)
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, " JOIN t%d", i);
    classify_text(&out, sql);
    assert_true(out.flags & PART);
    assert_int_equal(out.ntables, CLS_MAX_TABLES);

    /* nesting: refused, not a stack overflow */
    n = 0;
    for (int i = 0; i < 5000; i++)
        sql[n++] = '(';
    memcpy(sql + n, "SELECT 1", 9);
    classify_text(&out, sql);
    assert_true(out.flags & PART);

    /* no lookup: nothing is sharded */
    classify(&out, "SELECT * FROM t WHERE id = 1", 28, 0, NULL, NULL);
    assert_false(out.tables[0].flags & CLS_T_SHARDED);
    assert_false(out.tables[0].pinned);
}

/* ---- positions and spans for the planner --------------------------------- */

/* What the planner rewrites, rendered: positions as the rest of the text
 * from there ("-" when NULL), spans as text ("" when empty), pin spans per
 * table separated by '|', INSERT row spans of the values separated by '|'. */
struct span_case {
    const char *sql;
    const char *items_rest;
    const char *order_rest;
    const char *order_clause;
    const char *limit_clause;
    const char *pins;
    const char *rows;
    uint32_t fset;
};

static void put_pos(struct buf *b, const char *sql, const char *p)
{
    if (p == NULL)
        put(b, "-");
    else
        put(b, "%s", sql + (p - sql));
}

static void check_spans(const struct span_case *sc, char *err, size_t errlen)
{
    static struct cls out;
    size_t len = strlen(sc->sql);
    char *sql = malloc(len + 1);
    assert_non_null(sql);
    memcpy(sql, sc->sql, len + 1);
    memset(&out, 0x5a, sizeof(out));
    classify(&out, "SELECT a FROM t WHERE id IN (1, 2) ORDER BY a LIMIT 1", 53, 0, lookup, NULL);
    classify(&out, sql, len, 0, lookup, NULL);
    struct buf b = {.n = 0};
    b.s[0] = '\0';
    put_pos(&b, sql, out.items_end);
    put(&b, "#");
    put_pos(&b, sql, out.order_at);
    put(&b, "#");
    put_span(&b, out.order_clause);
    put(&b, "#");
    put_span(&b, out.limit_clause);
    put(&b, "#");
    for (unsigned i = 0; i < out.ntables; i++) {
        put(&b, "%s", i ? "|" : "");
        put_span(&b, out.tables[i].pin_span);
    }
    put(&b, "#");
    for (unsigned i = 0; i < out.nvalues; i++) {
        put(&b, "%s", i ? "|" : "");
        put_span(&b, out.values[i].row);
    }
    char want[2048];
    snprintf(want, sizeof(want), "%s#%s#%s#%s#%s#%s", sc->items_rest, sc->order_rest,
             sc->order_clause, sc->limit_clause, sc->pins, sc->rows);
    err[0] = '\0';
    if (strcmp(b.s, want) != 0)
        snprintf(err, errlen, "got  \"%s\"\n  want \"%s\"", b.s, want);
    else if ((out.flags & sc->fset) != sc->fset)
        snprintf(err, errlen, "flags 0x%x, want 0x%x set", out.flags, sc->fset);
    free(sql);
}

static void test_spans(void **state)
{
    static const struct span_case sc[] = {
        /* the plain block: every position */
        {"SELECT a, b AS x FROM t WHERE id IN (1, 2,3) ORDER BY a DESC, 2 LIMIT 5, 10",
         " FROM t WHERE id IN (1, 2,3) ORDER BY a DESC, 2 LIMIT 5, 10",
         " ORDER BY a DESC, 2 LIMIT 5, 10", "ORDER BY a DESC, 2", "LIMIT 5, 10", "1, 2,3", "||", 0},
        {"SELECT a FROM t WHERE id = -5 GROUP BY a HAVING COUNT(*) > 1 LIMIT 3 OFFSET 2 FOR UPDATE",
         " FROM t WHERE id = -5 GROUP BY a HAVING COUNT(*) > 1 LIMIT 3 OFFSET 2 FOR UPDATE",
         " LIMIT 3 OFFSET 2 FOR UPDATE", "", "LIMIT 3 OFFSET 2", "-5", "", 0},
        {"SELECT * FROM t", " FROM t", "", "", "", "", "", 0},
        {"SELECT c FROM t WHERE id = _utf8mb4'7' ORDER BY c",
         " FROM t WHERE id = _utf8mb4'7' ORDER BY c", " ORDER BY c", "ORDER BY c", "",
         "_utf8mb4'7'", "", 0},
        {"SELECT c FROM t WHERE 7 = id", " FROM t WHERE 7 = id", "", "", "", "7", "", 0},
        {"SELECT c FROM t OFFSET 4 ROWS FETCH FIRST 3 ROWS ONLY",
         " FROM t OFFSET 4 ROWS FETCH FIRST 3 ROWS ONLY", " OFFSET 4 ROWS FETCH FIRST 3 ROWS ONLY",
         "", "OFFSET 4 ROWS FETCH FIRST 3 ROWS ONLY", "", "", 0},
        {"WITH w AS (SELECT 1 AS n) SELECT n FROM w ORDER BY n", " FROM w ORDER BY n",
         " ORDER BY n", "ORDER BY n", "", "", "", 0},
        /* a subquery's clauses are not the statement's */
        {"SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 2) d WHERE a > 1",
         " FROM (SELECT a FROM t ORDER BY a LIMIT 2) d WHERE a > 1", "", "", "", "", "", 0},
        /* several predicates: no one list */
        {"SELECT a FROM t WHERE id IN (1, 2) AND id IN (2, 3)",
         " FROM t WHERE id IN (1, 2) AND id IN (2, 3)", "", "", "", "", "", 0},
        {"SELECT a FROM t WHERE id = 1 OR id = 2", " FROM t WHERE id = 1 OR id = 2", "", "", "", "",
         "|", 0},
        {"SELECT a FROM t WHERE (id IN (4, 5)) AND a = 1", " FROM t WHERE (id IN (4, 5)) AND a = 1",
         "", "", "", "4, 5", "|", 0},
        {"SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id IN (1, 2) AND "
         "o.user_id = 3",
         " FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id IN (1, 2) AND o.user_id = 3",
         "", "", "", "1, 2|3", "||", 0},
        /* parenthesized and set operations: no positions */
        {"(SELECT a FROM t ORDER BY a) LIMIT 5", "-", "-", "", "", "", "", 0},
        {"SELECT a FROM t UNION SELECT b FROM u ORDER BY 1", "-", "-", "", "", "|", "", 0},
        /* INSERT rows */
        {"INSERT INTO t (a, id) VALUES (1, 10), ROW(2, 20),(3,'x') ON DUPLICATE KEY UPDATE a = 1",
         "-", "-", "", "", "", "(1, 10)|ROW(2, 20)|(3,'x')", 0},
        {"REPLACE INTO users (id) VALUES (5)", "-", "-", "", "", "", "(5)", 0},
        /* no key column: the rows still, for a sequence to complete */
        {"INSERT INTO t (a) VALUES (1), (2)", "-", "-", "", "", "", "(1)|(2)", 0},
        {"INSERT INTO t SET id = 4, a = 1", "-", "-", "", "", "", "", 0},
        {"INSERT INTO t (id) VALUES (1) RETURNING id", "-", "-", "", "", "", "(1)",
         CLS_F_RETURNING},
        /* UPDATE / DELETE */
        {"UPDATE t SET a = 1 WHERE id IN (1,2) ORDER BY a LIMIT 1", "-", "-", "", "", "1,2", "|",
         CLS_F_DML_LIMIT},
        {"DELETE FROM t WHERE id = 3 LIMIT 1 RETURNING a", "-", "-", "", "", "3", "",
         CLS_F_DML_LIMIT | CLS_F_RETURNING},
    };
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(sc); i++) {
        char err[8192];
        check_spans(&sc[i], err, sizeof(err));
        if (err[0] != '\0') {
            print_error("[%zu] \"%s\":\n  %s\n", i, sc[i].sql, err);
            failed++;
        }
    }
    if (failed)
        fail_msg("%d of %zu statements differ", failed, ARRAY_LEN(sc));
    struct cls_span x = {"a . `B`", 7}, y = {"A.b", 3}, z = {"a.c", 3};
    assert_true(cls_span_same(x, y, 0));
    assert_false(cls_span_same(x, z, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table), cmocka_unit_test(test_split),    cmocka_unit_test(test_name),
        cmocka_unit_test(test_lexer), cmocka_unit_test(test_capacity), cmocka_unit_test(test_spans),
    };
    return cmocka_run_group_tests_name("classify_impl", tests, NULL, NULL);
}
