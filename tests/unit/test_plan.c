/*
 * test_plan.c — unit tests for the route planner (include/plan.h): the
 * statement goes through classify() with plan_cls_lookup, then plan_build(),
 * against a shard map loaded from text (shardmap_load_string), and the test
 * asserts on the targets, their statement texts (plan_sql), the merge spec
 * and the refusals.
 *
 * Expected shards are not computed with the planner's own arithmetic. The
 * anchors are golden keyspace ids computed with the xxhsum CLI (xxHash
 * 0.8.1, -H3 = XXH3_64bits, seed 0), e.g.
 *   printf '\x00\x00\x00\x00\x00\x00\x00\x2a' | xxhsum -H3 -   (42)
 *   printf 'abc' | xxhsum -H3 -
 * and the map's four equal ranges make the owner of id h simply h >> 62.
 * Beyond the anchors, tests assert consistency: `WHERE id = K`, the INSERT
 * of a row with id K and the IN-list element K all land on the same shard,
 * and the targets of a list are the union of its elements' targets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../bench/bench_util.h"

#include "classify.h"
#include "plan.h"
#include "shardmap.h"
#include "sqllex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation counting: tests/bench/bench_util.c interposes malloc. */

/* ---- the map --------------------------------------------------------------- */

/*
 * main:  unsharded, its shard's schema is main_db (renamed);
 * logs:  unsharded, same primary as main, schema logs (not renamed);
 * other: unsharded on another server;
 * app:   sharded over four equal ranges, schemas app_s0 .. app_s3;
 * flat:  sharded over two ranges, both shards use schema "flat".
 */
static const char map_text[] =
    "version = 7;\n"
    "hash = \"xxh3\";\n"
    "keyspaces = (\n"
    "  { name = \"main\"; sharded = false;\n"
    "    shards = ( { primary = \"10.0.0.1:3306\"; schema = \"main_db\"; } ); },\n"
    "  { name = \"logs\"; sharded = false;\n"
    "    shards = ( { primary = \"10.0.0.1:3306\"; schema = \"logs\"; } ); },\n"
    "  { name = \"other\"; sharded = false;\n"
    "    shards = ( { primary = \"10.0.0.9:3306\"; schema = \"other\"; } ); },\n"
    "  { name = \"app\"; sharded = true;\n"
    "    tables = ( { name = \"users\"; key = \"id\"; },\n"
    "               { name = \"orders\"; key = \"user_id\"; },\n"
    "               { name = \"sessions\"; key = \"token\"; key_type = \"string\"; },\n"
    "               { name = \"emails\"; key = \"email\"; key_type = \"string\"; key_ci = true; "
    "} );\n"
    "    reference_tables = ( \"countries\" );\n"
    "    shards = (\n"
    "      { range = \"-40\";   primary = \"10.0.1.1:3306\"; schema = \"app_s0\"; },\n"
    "      { range = \"40-80\"; primary = \"10.0.1.2:3306\"; schema = \"app_s1\"; },\n"
    "      { range = \"80-c0\"; primary = \"10.0.1.3:3306\"; schema = \"app_s2\"; },\n"
    "      { range = \"c0-\";   primary = \"10.0.1.4:3306\"; schema = \"app_s3\"; } ); },\n"
    "  { name = \"flat\"; sharded = true;\n"
    "    tables = ( { name = \"items\"; key = \"id\"; } );\n"
    "    shards = (\n"
    "      { range = \"-80\"; primary = \"10.0.2.1:3306\"; schema = \"flat\"; },\n"
    "      { range = \"80-\"; primary = \"10.0.2.2:3306\"; schema = \"flat\"; } ); }\n"
    ");\n";

/* Golden XXH3 keyspace ids (xxhsum, see the top). */
struct gold_int {
    int64_t v;
    uint64_t id;
};
static const struct gold_int gold_ints[] = {
    {42, 0x2e4fe982b68910acULL},        {-7, 0x3456f879b53a0b97ULL},
    {2, 0x3e6948797985511cULL},         {100, 0x1889e8cbfce93f99ULL},
    {-1, 0x5111c7e47d784413ULL},        {6, 0x4c145322e96361c2ULL},
    {INT64_MIN, 0xb7aa1c28d234f8d6ULL}, {4, 0x9347f29aa416001eULL},
    {1, 0xf36b4a1a44f78bf3ULL},         {0, 0xc77b3abb6f87acd9ULL},
    {3, 0xd036c6a9c6b31c1dULL},         {INT64_MAX, 0xf832fc1d899fe591ULL},
};

/* The app shard owning keyspace id h: four equal ranges. */
static int owner(uint64_t h)
{
    return (int)(h >> 62);
}

static int gold_shard(int64_t v)
{
    for (size_t i = 0; i < ARRAY_LEN(gold_ints); i++)
        if (gold_ints[i].v == v)
            return owner(gold_ints[i].id);
    fail_msg("no golden id for %lld", (long long)v);
    return -1;
}

/* Shards of app by golden ids: 42 -> 0, -1 -> 1, INT64_MIN -> 2, 1 -> 3. */
#define S_42 0
#define S_M1 1
#define S_MIN 2
#define S_1 3

/* ---- harness --------------------------------------------------------------- */

static struct shardmap *map;
static struct plan_env env;
static struct cls cls;
static struct plan plan;

static int setup(void **state)
{
    char err[512];
    map = shardmap_load_string(map_text, "test_plan.conf", err, sizeof(err));
    if (map == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    plan_free(&plan);
    shardmap_put(map);
    return 0;
}

static const struct shardmap_keyspace *ks(const char *name)
{
    const struct shardmap_keyspace *k = shardmap_keyspace(map, name);
    assert_non_null(k);
    return k;
}

/* Session in keyspace name (NULL: none), default options. */
static void use(const char *name)
{
    memset(&env, 0, sizeof(env));
    env.map = map;
    env.ks = name != NULL ? ks(name) : NULL;
    env.scatter_writes = true;
}

static const struct plan *run(const char *sql)
{
    size_t n = strlen(sql);
    classify(&cls, sql, n, env.lexflags, plan_cls_lookup, &env);
    plan_build(&plan, &cls, sql, n, &env);
    return &plan;
}

/* Target i's statement, NUL-terminated (one of four rotating buffers). */
/* The padded weight column the planner writes for expression e (see
 * plan_merge.weights_padded), into dst. */
static void padded_weight(char *dst, size_t cap, const char *e, size_t n)
{
    int k = (int)n;
    snprintf(dst, cap,
             "CONCAT(CHAR(LENGTH(IF(CONCAT(LEFT(%.*s, 0), 'a') = CONCAT(LEFT(%.*s, 0), 'a '), "
             "WEIGHT_STRING(CONCAT(LEFT(%.*s, 0), ' ')), ''))), IF(CONCAT(LEFT(%.*s, 0), 'a') = "
             "CONCAT(LEFT(%.*s, 0), 'a '), WEIGHT_STRING(CONCAT(LEFT(%.*s, 0), ' ')), ''), "
             "WEIGHT_STRING(%.*s))",
             k, e, k, e, k, e, k, e, k, e, k, e, k, e);
}

/* Target i's statement, each padded weight column written back as the
 * plain WEIGHT_STRING(e) it stands for (test_padded_weights checks the
 * full form), so that the expected texts stay readable. */
static const char *tsql(const struct plan *p, unsigned i)
{
    static char bufs[4][8192];
    static unsigned next;
    static const char head[] = "CONCAT(CHAR(LENGTH(IF(CONCAT(LEFT(";
    char *b = bufs[next++ % 4];
    size_t len, o = 0;
    const char *s = plan_sql(p, (int)i, &len);
    assert_true(len < sizeof(bufs[0]));
    for (size_t k = 0; k < len;) {
        const char *end;
        if (len - k > sizeof(head) && memcmp(s + k, head, sizeof(head) - 1) == 0 &&
            (end = strstr(s + k + sizeof(head) - 1, ", 0), 'a')")) != NULL) {
            const char *e = s + k + sizeof(head) - 1;
            size_t n = (size_t)(end - e);
            char full[4096];
            padded_weight(full, sizeof(full), e, n);
            size_t fl = strlen(full);
            if (fl <= len - k && memcmp(s + k, full, fl) == 0) {
                o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o, "WEIGHT_STRING(%.*s)", (int)n, e);
                k += fl;
                continue;
            }
        }
        b[o++] = s[k++];
    }
    b[o] = '\0';
    return b;
}

/* Index of target i's shard in the plan's keyspace. */
static int tshard(const struct plan *p, unsigned i)
{
    assert_true(i < p->ntargets);
    return (int)(p->targets[i].shard - p->ks->shards);
}

/* Bit s for every target on shard s. */
static unsigned tmask(const struct plan *p)
{
    unsigned m = 0;
    for (unsigned i = 0; i < p->ntargets; i++)
        m |= 1u << tshard(p, i);
    return m;
}

/* The target on shard s, or -1. */
static int target_on(const struct plan *p, int s)
{
    for (unsigned i = 0; i < p->ntargets; i++)
        if (tshard(p, i) == s)
            return (int)i;
    return -1;
}

#define assert_route(p, nt, mk)                                                                    \
    do {                                                                                           \
        if ((p)->kind != PLAN_ROUTE)                                                               \
            fail_msg("refused: %u %s %s", (p)->err_code, (p)->err_state, (p)->err_msg);            \
        assert_int_equal((p)->ntargets, (nt));                                                     \
        assert_int_equal((p)->merge.kind, (mk));                                                   \
    } while (0)

/* Refused with code/state and a message holding each needle (NULL ends). */
static void check_refused(const struct plan *p, const char *sql, uint16_t code, const char *state,
                          const char *n1, const char *n2)
{
    if (p->kind != PLAN_REFUSE)
        fail_msg("not refused: %s", sql);
    if (p->err_code != code || strcmp(p->err_state, state) != 0)
        fail_msg("%s: got %u %s (%s), want %u %s", sql, p->err_code, p->err_state, p->err_msg, code,
                 state);
    assert_int_equal(p->ntargets, 0);
    if (n1 != NULL && strstr(p->err_msg, n1) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", sql, p->err_msg, n1);
    if (n2 != NULL && strstr(p->err_msg, n2) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", sql, p->err_msg, n2);
}

static void refused(const char *sql, uint16_t code, const char *state, const char *n1,
                    const char *n2)
{
    check_refused(run(sql), sql, code, state, n1, n2);
}

/* The shard `SELECT * FROM <table> WHERE <key> = <lit>` goes to, or -1. */
static int point_shard(const char *table, const char *key, const char *lit)
{
    char sql[1024];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE %s = %s", table, key, lit);
    const struct plan *p = run(sql);
    if (p->kind != PLAN_ROUTE || p->ntargets != 1 || (p->flags & PLAN_F_EMPTY))
        return -1;
    return tshard(p, 0);
}

/* The shard a one-row INSERT of key value lit goes to, or -1. */
static int insert_shard(const char *table, const char *key, const char *lit)
{
    char sql[1024];
    snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, v) VALUES (%s, 1)", table, key, lit);
    const struct plan *p = run(sql);
    if (p->kind != PLAN_ROUTE || p->ntargets != 1)
        return -1;
    return tshard(p, 0);
}

/* ---- unsharded keyspaces --------------------------------------------------- */

static void test_unsharded_unchanged(void **state)
{
    static const char *const stmts[] = {
        "SELECT * FROM t WHERE id = 1",
        "SELECT a, COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1 ORDER BY 2 LIMIT 3, 4",
        "SELECT a, ROW_NUMBER() OVER (ORDER BY a) FROM t",
        "INSERT INTO t (a) VALUES (1), (2)",
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t SELECT * FROM u",
        "UPDATE t SET id = 2 WHERE id = 1",
        "DELETE FROM t LIMIT 5",
        "CREATE TABLE x (a INT)",
        "CREATE TEMPORARY TABLE tmp (a INT)",
        "LOCK TABLES t READ",
        "CALL proc(1)",
        "SHOW TABLES",
    };
    use("main");
    for (size_t i = 0; i < ARRAY_LEN(stmts); i++) {
        const struct plan *p = run(stmts[i]);
        assert_route(p, 1, PLAN_MERGE_NONE);
        assert_ptr_equal(p->ks, ks("main"));
        assert_ptr_equal(p->targets[0].shard, &ks("main")->shards[0]);
        assert_true(p->targets[0].original);
        assert_string_equal(tsql(p, 0), stmts[i]);
    }
    /* writes are flagged for the primary */
    const struct plan *p = run("UPDATE t SET a = 1");
    assert_true(p->flags & PLAN_F_WRITE);
    assert_true(p->flags & PLAN_F_PRIMARY);
    p = run("SELECT a FROM t");
    assert_false(p->flags & (PLAN_F_WRITE | PLAN_F_PRIMARY));
}

static void test_unsharded_qualifiers(void **state)
{
    use("main");
    const struct plan *p = run("SELECT main.t.id, `main`.t.x FROM main.t JOIN `main`.u "
                               "ON main.t.id = u.id WHERE t.a = 'main'");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_false(p->targets[0].original);
    assert_string_equal(tsql(p, 0), "SELECT `main_db`.t.id, `main_db`.t.x FROM `main_db`.t JOIN "
                                    "`main_db`.u ON `main_db`.t.id = u.id WHERE t.a = 'main'");
    p = run("INSERT INTO main.t (a) VALUES (1)");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "INSERT INTO `main_db`.t (a) VALUES (1)");
    p = run("SHOW TABLES FROM main");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "SHOW TABLES FROM `main_db`");

    /* logs keeps its name: nothing to rewrite */
    p = run("SELECT * FROM logs.l");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->ks, ks("logs"));
    assert_true(p->targets[0].original);

    /* two unsharded keyspaces on one server: that server, each renamed */
    p = run("SELECT * FROM main.t JOIN logs.l ON l.id = t.id");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->targets[0].shard, &ks("main")->shards[0]);
    assert_string_equal(tsql(p, 0), "SELECT * FROM `main_db`.t JOIN logs.l ON l.id = t.id");

    /* on two servers: refused, naming both */
    refused("SELECT * FROM main.t JOIN other.o ON o.id = t.id", 1235, "42000", "main.t", "other.o");
    /* a sharded and an unsharded keyspace */
    refused("SELECT * FROM app.users u JOIN main.t ON t.id = u.id WHERE u.id = 42", 1235, "42000",
            "app.users", "main.t");
}

static void test_no_keyspace(void **state)
{
    use(NULL);
    refused("SELECT * FROM t", 1046, "3D000", "No database selected", NULL);
    /* no table: the map's first unsharded keyspace */
    const struct plan *p = run("SELECT 1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->ks, ks("main"));
    /* or the configured default */
    env.default_ks = ks("logs");
    p = run("SELECT 1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->ks, ks("logs"));
    refused("SELECT * FROM nosuch.t", 1049, "42000", "nosuch", "version 7");

    p = run("USE app");
    assert_int_equal(p->kind, PLAN_ROUTE);
    assert_true(p->flags & PLAN_F_SESSION);
    assert_int_equal(p->ntargets, 0);
    assert_ptr_equal(p->ks, ks("app"));
    refused("USE nosuch", 1049, "42000", "nosuch", NULL);

    use("app");
    static const char *const session_stmts[] = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT a",
                                                "START TRANSACTION READ ONLY"};
    for (size_t i = 0; i < ARRAY_LEN(session_stmts); i++) {
        p = run(session_stmts[i]);
        assert_int_equal(p->kind, PLAN_ROUTE);
        assert_true(p->flags & PLAN_F_SESSION);
        assert_int_equal(p->ntargets, 0);
    }
    /* SET in a sharded keyspace: every shard */
    p = run("SET NAMES utf8mb4");
    assert_route(p, 4, PLAN_MERGE_SAME);
}

/* ---- sharded: where keys go ------------------------------------------------ */

static void test_point_select_golden(void **state)
{
    use("app");
    for (size_t i = 0; i < ARRAY_LEN(gold_ints); i++) {
        char lit[32], sql[128];
        snprintf(lit, sizeof(lit), "%lld", (long long)gold_ints[i].v);
        int want = owner(gold_ints[i].id);
        snprintf(sql, sizeof(sql), "SELECT name FROM users WHERE id = %s", lit);
        const struct plan *p = run(sql);
        assert_route(p, 1, PLAN_MERGE_NONE);
        assert_int_equal(tshard(p, 0), want);
        assert_false(p->flags & (PLAN_F_SCATTER | PLAN_F_EMPTY));
        assert_true(p->targets[0].original); /* no qualifier: the caller's text */
        assert_string_equal(tsql(p, 0), sql);
        assert_int_equal(insert_shard("users", "id", lit), want);
        assert_int_equal(insert_shard("orders", "user_id", lit), want);
    }
    /* spellings of 42 */
    static const char *const forty_two[] = {"'42'", "42.0", "+42", "042", "'042'", "42.000"};
    for (size_t i = 0; i < ARRAY_LEN(forty_two); i++)
        assert_int_equal(point_shard("users", "id", forty_two[i]), gold_shard(42));
    assert_int_equal(insert_shard("users", "id", "'42'"), gold_shard(42));
    /* values the router cannot compare like the server: every shard */
    static const char *const unknown[] = {"42.5", "4.2e1", "' 42'", "0x2a", "?", "42 + 0"};
    for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT name FROM users WHERE id = %s", unknown[i]);
        const struct plan *p = run(sql);
        assert_route(p, 4, PLAN_MERGE_CONCAT);
        assert_true(p->flags & PLAN_F_SCATTER);
    }
    /* UPDATE, DELETE, EXPLAIN and a join with a reference table agree */
    const struct plan *p = run("UPDATE users SET name = 'x' WHERE id = -1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_M1);
    p = run("DELETE FROM users WHERE id = -9223372036854775808");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_MIN);
    p = run("EXPLAIN SELECT * FROM users WHERE id = 1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_1);
    p = run("SELECT * FROM users u JOIN countries c ON c.code = u.cc WHERE u.id = -1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_M1);
    assert_false(p->flags & PLAN_F_REFERENCE);
}

static void test_point_consistency(void **state)
{
    use("app");
    unsigned seen = 0;
    for (int k = -50; k <= 150; k++) {
        char lit[16];
        snprintf(lit, sizeof(lit), "%d", k);
        int s = point_shard("users", "id", lit);
        assert_true(s >= 0 && s < 4);
        seen |= 1u << s;
        assert_int_equal(insert_shard("users", "id", lit), s);
        assert_int_equal(point_shard("orders", "user_id", lit), s);
        char quoted[20];
        snprintf(quoted, sizeof(quoted), "'%d'", k);
        assert_int_equal(point_shard("users", "id", quoted), s);
        char sql[128];
        snprintf(sql, sizeof(sql), "DELETE FROM users WHERE id = %d", k);
        const struct plan *p = run(sql);
        assert_route(p, 1, PLAN_MERGE_NONE);
        assert_int_equal(tshard(p, 0), s);
    }
    assert_int_equal(seen, 0xf); /* the keys reach every shard */
}

static void test_string_keys(void **state)
{
    use("app");
    /* xxhsum: 'abc' 78af5f94892f3950, "a'b" 64e9825d4ba62359 */
    assert_int_equal(point_shard("sessions", "token", "'abc'"), owner(0x78af5f94892f3950ULL));
    assert_int_equal(point_shard("sessions", "token", "X'616263'"), owner(0x78af5f94892f3950ULL));
    assert_int_equal(point_shard("sessions", "token", "0x616263"), owner(0x78af5f94892f3950ULL));
    assert_int_equal(point_shard("sessions", "token", "_utf8mb4'abc'"),
                     owner(0x78af5f94892f3950ULL));
    assert_int_equal(insert_shard("sessions", "token", "'abc'"), owner(0x78af5f94892f3950ULL));
    assert_int_equal(point_shard("sessions", "token", "'a''b'"), owner(0x64e9825d4ba62359ULL));
    assert_int_equal(point_shard("sessions", "token", "'a\\'b'"), owner(0x64e9825d4ba62359ULL));
    /* 'a\\b' is a\b (ea03d4efe1edcfa5), or a\\b (24c8c4c59e8aa547) without
     * backslash escapes */
    assert_int_equal(point_shard("sessions", "token", "'a\\\\b'"), owner(0xea03d4efe1edcfa5ULL));
    env.lexflags = SQLLEX_NO_BACKSLASH_ESCAPES;
    assert_int_equal(point_shard("sessions", "token", "'a\\\\b'"), owner(0x24c8c4c59e8aa547ULL));
    assert_int_equal(insert_shard("sessions", "token", "'a\\\\b'"), owner(0x24c8c4c59e8aa547ULL));
    env.lexflags = 0;
    /* a number is compared numerically with a string column: every shard;
     * but stored as its decimal text ('42': 1217cb28c0ef2191) */
    const struct plan *p = run("SELECT * FROM sessions WHERE token = 42");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_int_equal(insert_shard("sessions", "token", "42"), owner(0x1217cb28c0ef2191ULL));
    assert_int_equal(insert_shard("sessions", "token", "+042"), owner(0x1217cb28c0ef2191ULL));
    assert_int_equal(point_shard("sessions", "token", "'42'"), owner(0x1217cb28c0ef2191ULL));
    /* case-insensitive key: 'bob@x.org' 2ab7b34ce0ec289b ('Bob@X.org'
     * unfolded would be b58a73a65b739e77, another shard) */
    assert_int_equal(point_shard("emails", "email", "'Bob@X.org'"), owner(0x2ab7b34ce0ec289bULL));
    assert_int_equal(point_shard("emails", "email", "'BOB@X.ORG'"), owner(0x2ab7b34ce0ec289bULL));
    assert_int_equal(insert_shard("emails", "email", "'bob@x.org'"), owner(0x2ab7b34ce0ec289bULL));
    assert_int_not_equal(owner(0x2ab7b34ce0ec289bULL), owner(0xb58a73a65b739e77ULL));
}

/* ---- IN lists, OR, empty pins -------------------------------------------- */

static void test_in_list_narrowed(void **state)
{
    use("app");
    const struct plan *p = run("SELECT name FROM `app`.`users` u WHERE u.id IN (42, 1, -1, -7, "
                               "-9223372036854775808, NULL) ORDER BY name");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    assert_false(p->flags & PLAN_F_SCATTER);
    const char *want[4] = {
        [S_42] = "SELECT name, WEIGHT_STRING(name) FROM `app_s0`.`users` u WHERE u.id IN (42, -7) "
                 "ORDER BY name",
        [S_M1] = "SELECT name, WEIGHT_STRING(name) FROM `app_s1`.`users` u WHERE u.id IN (-1) "
                 "ORDER BY name",
        [S_MIN] = "SELECT name, WEIGHT_STRING(name) FROM `app_s2`.`users` u WHERE u.id IN "
                  "(-9223372036854775808) ORDER BY name",
        [S_1] = "SELECT name, WEIGHT_STRING(name) FROM `app_s3`.`users` u WHERE u.id IN (1) "
                "ORDER BY name",
    };
    for (unsigned i = 0; i < p->ntargets; i++) {
        assert_int_equal(tshard(p, i), (int)i); /* in shard order */
        assert_false(p->targets[i].original);
        assert_string_equal(tsql(p, i), want[i]);
    }

    /* two shards of four */
    p = run("SELECT name FROM users WHERE id IN (42, 1)");
    assert_route(p, 2, PLAN_MERGE_CONCAT);
    assert_int_equal(tmask(p), (1u << S_42) | (1u << S_1));
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_42)),
                        "SELECT name FROM users WHERE id IN (42)");
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_1)),
                        "SELECT name FROM users WHERE id IN (1)");
    /* all on one shard: unchanged */
    p = run("SELECT name FROM users WHERE id IN (42, -7, 2)");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_42);
    assert_true(p->targets[0].original);
    /* string keys too */
    p = run("SELECT * FROM emails WHERE email IN ('bob@x.org', 'BOB@X.ORG', 'c', 'e')");
    assert_route(p, 3, PLAN_MERGE_CONCAT);
    /* xxhsum: bob@x.org 2ab7.., c 8c40.., e e5e7.. */
    assert_int_equal(tmask(p), (1u << owner(0x2ab7b34ce0ec289bULL)) |
                                   (1u << owner(0x8c40219a46b9f81bULL)) |
                                   (1u << owner(0xe5e72e5e3bec4a78ULL)));
    assert_string_equal(tsql(p, (unsigned)target_on(p, owner(0x2ab7b34ce0ec289bULL))),
                        "SELECT * FROM emails WHERE email IN ('bob@x.org', 'BOB@X.ORG')");
}

/* Parse "... IN (a, b, c) ..." of text into vals; their number. */
static unsigned in_values(const char *text, long *vals, unsigned cap)
{
    const char *s = strstr(text, "IN (");
    assert_non_null(s);
    s += 4;
    unsigned n = 0;
    for (;;) {
        char *end;
        long v = strtol(s, &end, 10);
        assert_true(end != s && n < cap);
        vals[n++] = v;
        if (*end == ')')
            return n;
        assert_true(end[0] == ',' && end[1] == ' ');
        s = end + 2;
    }
}

static void test_in_list_union(void **state)
{
    enum { N = 60 };
    int shard_of[N];
    char list[512], sql[2][600];
    size_t o = 0;
    use("app");
    unsigned want_mask = 0;
    for (int k = 0; k < N; k++) {
        char lit[16];
        snprintf(lit, sizeof(lit), "%d", k * 7 - 13);
        shard_of[k] = point_shard("users", "id", lit);
        assert_true(shard_of[k] >= 0);
        want_mask |= 1u << shard_of[k];
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", k ? ", " : "", lit);
    }
    snprintf(sql[0], sizeof(sql[0]), "UPDATE users SET n = n + 1 WHERE id IN (%s)", list);
    snprintf(sql[1], sizeof(sql[1]), "SELECT * FROM users WHERE id IN (%s)", list);
    for (int pass = 0; pass < 2; pass++) {
        const struct plan *p = run(sql[pass]);
        assert_int_equal(p->kind, PLAN_ROUTE);
        assert_int_equal(tmask(p), want_mask); /* the union of the values' shards */
        assert_int_equal(p->merge.kind, pass == 0 ? PLAN_MERGE_AFFECTED : PLAN_MERGE_CONCAT);
        bool got[N] = {false};
        for (unsigned i = 0; i < p->ntargets; i++) {
            long vals[N];
            unsigned n = in_values(tsql(p, i), vals, N);
            long prev = -1000;
            for (unsigned j = 0; j < n; j++) {
                long k = (vals[j] + 13) / 7;
                assert_true(k >= 0 && k < N && (k * 7 - 13) == vals[j]);
                assert_false(got[k]);
                got[k] = true;
                assert_int_equal(shard_of[k], tshard(p, i)); /* its own values only */
                assert_true(vals[j] > prev);                 /* in statement order */
                prev = vals[j];
            }
        }
        for (int k = 0; k < N; k++)
            assert_true(got[k]); /* every value somewhere */
    }
}

static void test_or_of_keys(void **state)
{
    use("app");
    const struct plan *p = run("SELECT name FROM users WHERE id = 42 OR id = 1");
    assert_route(p, 2, PLAN_MERGE_CONCAT);
    assert_int_equal(tmask(p), (1u << S_42) | (1u << S_1));
    assert_true(p->targets[0].original); /* no list to narrow */
    p = run("SELECT name FROM users WHERE (id = 42 OR id = -7) AND name = 'x'");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_42);
    p = run("SELECT name FROM users WHERE id IN (42, 1) OR id = -1");
    assert_route(p, 3, PLAN_MERGE_CONCAT);
    assert_int_equal(tmask(p), (1u << S_42) | (1u << S_1) | (1u << S_M1));
    /* an OR with something else pins nothing */
    p = run("SELECT name FROM users WHERE id = 42 OR name = 'x'");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_true(p->flags & PLAN_F_SCATTER);
    /* AND of lists: the intersection */
    p = run("SELECT name FROM users WHERE id IN (42, 1) AND id IN (1, -1)");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_1);
}

static void test_empty_pins(void **state)
{
    static const char *const empty[] = {
        "SELECT name FROM users WHERE id = NULL",
        "SELECT name FROM users WHERE id IN (NULL)",
        "SELECT name FROM users WHERE id = 42 AND id = 1",
        "SELECT name FROM users WHERE id = 42 AND id = -7", /* one shard, still no row */
        "SELECT COUNT(*) FROM users WHERE id IN (42) AND id IN (1)",
        "SELECT * FROM users u JOIN orders o ON u.id = o.user_id WHERE u.id = 42 AND o.user_id = 1",
        "UPDATE users SET name = 'x' WHERE id = NULL",
        "DELETE FROM users WHERE id IN (NULL, NULL)",
    };
    use("app");
    env.scatter_writes = false;
    for (size_t i = 0; i < ARRAY_LEN(empty); i++) {
        const struct plan *p = run(empty[i]);
        assert_route(p, 1, PLAN_MERGE_NONE);
        if (!(p->flags & PLAN_F_EMPTY))
            fail_msg("not EMPTY: %s", empty[i]);
        assert_false(p->flags & PLAN_F_SCATTER);
    }
    /* key <=> NULL is key IS NULL: it matches rows (NULL-extended ones of
     * an outer join at least), so it is no empty pin */
    use("app");
    const struct plan *p = run("SELECT * FROM users WHERE id <=> NULL");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_false(p->flags & PLAN_F_EMPTY);
    p = run(
        "SELECT * FROM users u LEFT JOIN orders o ON u.id = o.user_id WHERE o.user_id <=> NULL");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_false(p->flags & PLAN_F_EMPTY);
    p = run("SELECT * FROM users WHERE NULL <=> id");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    p = run("SELECT * FROM users WHERE id <=> 42");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_42);
    p = run("SELECT * FROM users WHERE id IS NULL");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
}

/* ---- scatter SELECT ------------------------------------------------------ */

static void test_scatter_concat(void **state)
{
    use("app");
    const struct plan *p = run("SELECT name, id FROM users WHERE name LIKE 'a%'");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_true(p->flags & PLAN_F_SCATTER);
    assert_false(p->flags & (PLAN_F_WRITE | PLAN_F_PRIMARY));
    assert_int_equal(p->merge.ncols, 2);
    assert_int_equal(p->merge.nhidden, 0);
    assert_false(p->merge.has_limit);
    assert_int_equal(tmask(p), 0xf);
    for (unsigned i = 0; i < 4; i++) {
        assert_true(p->targets[i].original);
        assert_string_equal(tsql(p, i), "SELECT name, id FROM users WHERE name LIKE 'a%'");
    }
    /* LIMIT without offset: unchanged, applied again by the merge */
    p = run("SELECT name FROM users LIMIT 10");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_true(p->merge.has_limit);
    assert_int_equal(p->merge.limit, 10);
    assert_int_equal(p->merge.offset, 0);
    assert_string_equal(tsql(p, 3), "SELECT name FROM users LIMIT 10");
    /* a qualifier: one text per shard */
    p = run("SELECT app.users.name FROM app.users");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    for (unsigned i = 0; i < 4; i++) {
        char want[128];
        snprintf(want, sizeof(want), "SELECT `app_s%u`.users.name FROM `app_s%u`.users", i, i);
        assert_string_equal(tsql(p, i), want);
    }
    /* flat: same schema on every shard, nothing renamed */
    use("flat");
    p = run("SELECT * FROM flat.items");
    assert_route(p, 2, PLAN_MERGE_CONCAT);
    assert_true(p->merge.ncols_from_result);
    assert_true(p->targets[0].original && p->targets[1].original);
}

static void test_order_by(void **state)
{
    use("app");
    const struct plan *p = run("SELECT name, id FROM users ORDER BY name DESC, id");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    const struct plan_merge *m = &p->merge;
    assert_string_equal(tsql(p, 0), "SELECT name, id, WEIGHT_STRING(name), WEIGHT_STRING(id) "
                                    "FROM users ORDER BY name DESC, id");
    assert_int_equal(m->ncols, 4);
    assert_int_equal(m->nhidden, 2);
    assert_int_equal(m->norder, 2);
    assert_int_equal(m->order[0].column, 0);
    assert_int_equal(m->order[0].weight, 2);
    assert_true(m->order[0].desc);
    assert_int_equal(m->order[1].column, 1);
    assert_int_equal(m->order[1].weight, 3);
    assert_false(m->order[1].desc);
    assert_int_equal(m->cols[0].role, PLAN_COL_VALUE);
    assert_int_equal(m->cols[1].role, PLAN_COL_VALUE);
    assert_int_equal(m->cols[2].role, PLAN_COL_HIDDEN);
    assert_int_equal(m->cols[3].role, PLAN_COL_HIDDEN);

    /* a key not selected is appended (hidden), alias and position resolve */
    p = run("SELECT name AS n FROM users ORDER BY created, n, 1 DESC");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    assert_string_equal(tsql(p, 1), "SELECT name AS n, created, WEIGHT_STRING(created), "
                                    "WEIGHT_STRING(name), WEIGHT_STRING(name) FROM users ORDER "
                                    "BY created, n, 1 DESC");
    assert_int_equal(m->ncols, 5);
    assert_int_equal(m->order[0].column, 1);
    assert_int_equal(m->order[0].weight, 2);
    assert_int_equal(m->order[1].column, 0);
    assert_int_equal(m->order[1].weight, 3);
    assert_int_equal(m->order[2].column, 0);
    assert_true(m->order[2].desc);

    /* numbers of COUNT / SUM need no weight */
    p = run("SELECT id, COUNT(*) AS c FROM users GROUP BY id ORDER BY c DESC");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    assert_int_equal(m->norder, 1);
    assert_int_equal(m->order[0].column, 1);
    assert_int_equal(m->order[0].weight, -1);
    assert_true(p->targets[0].original);

    refused("SELECT name FROM users ORDER BY 2", 1235, "42000", "position 2", NULL);
}

static void test_limit_offset(void **state)
{
    use("app");
    static const char *const forms[] = {
        "SELECT name FROM users ORDER BY name LIMIT 10 OFFSET 5",
        "SELECT name FROM users ORDER BY name LIMIT 5, 10",
        "SELECT name FROM users ORDER BY name OFFSET 5 ROWS FETCH FIRST 10 ROWS ONLY",
    };
    for (size_t i = 0; i < ARRAY_LEN(forms); i++) {
        const struct plan *p = run(forms[i]);
        assert_route(p, 4, PLAN_MERGE_SORTED);
        assert_true(p->merge.has_limit);
        assert_int_equal(p->merge.limit, 10);
        assert_int_equal(p->merge.offset, 5);
        for (unsigned t = 0; t < 4; t++)
            assert_string_equal(
                tsql(p, t), "SELECT name, WEIGHT_STRING(name) FROM users ORDER BY name LIMIT 15");
    }
    const struct plan *p = run("SELECT name FROM users LIMIT 3 OFFSET 0");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_string_equal(tsql(p, 0), "SELECT name FROM users LIMIT 3");
    p = run("SELECT DISTINCT name FROM users LIMIT 2, 3");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    assert_true(p->merge.distinct);
    assert_int_equal(p->merge.limit, 3);
    assert_int_equal(p->merge.offset, 2);
    assert_string_equal(tsql(p, 0),
                        "SELECT DISTINCT name, WEIGHT_STRING(name) FROM users ORDER BY 1 LIMIT 5");
    /* one shard: the LIMIT is the shard's */
    p = run("SELECT name FROM users WHERE id = 42 LIMIT 5, 10");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_false(p->merge.has_limit);
    assert_true(p->targets[0].original);
    refused("SELECT name FROM users LIMIT ?", 1235, "42000", "LIMIT", NULL);
    refused("SELECT name FROM users ORDER BY name FETCH FIRST 3 ROWS WITH TIES", 1235, "42000",
            "LIMIT", NULL);
}

static void test_aggregates(void **state)
{
    use("app");
    const struct plan *p =
        run("SELECT COUNT(*), SUM(x), MIN(name), MAX(x), AVG(x) FROM users LIMIT 1");
    assert_route(p, 4, PLAN_MERGE_AGGREGATE);
    const struct plan_merge *m = &p->merge;
    assert_string_equal(
        tsql(p, 2),
        "SELECT COUNT(*), SUM(x), MIN(name), MAX(x), SUM(x) AS `AVG(x)`, "
        "WEIGHT_STRING(MIN(name)), WEIGHT_STRING(MAX(x)), COUNT(x), AVG(x) FROM users ");
    assert_int_equal(m->ncols, 9);
    assert_int_equal(m->nhidden, 4);
    assert_int_equal(m->cols[0].role, PLAN_COL_COUNT);
    assert_int_equal(m->cols[1].role, PLAN_COL_SUM);
    assert_int_equal(m->cols[2].role, PLAN_COL_MIN);
    assert_int_equal(m->cols[2].weight, 5);
    assert_int_equal(m->cols[3].role, PLAN_COL_MAX);
    assert_int_equal(m->cols[3].weight, 6);
    assert_int_equal(m->cols[4].role, PLAN_COL_AVG_SUM);
    assert_int_equal(m->cols[4].avg_count, 7);
    assert_int_equal(m->cols[4].avg_def, 8);
    assert_int_equal(m->cols[0].weight, -1);
    assert_int_equal(m->cols[0].avg_def, -1);
    for (unsigned i = 5; i < 9; i++)
        assert_int_equal(m->cols[i].role, PLAN_COL_HIDDEN);
    assert_true(m->has_limit); /* applied by the merge, not the shards */
    assert_int_equal(m->limit, 1);

    /* AVG with an alias keeps it; without, the alias is the text as written */
    p = run("SELECT AVG(`x`) FROM users");
    assert_route(p, 4, PLAN_MERGE_AGGREGATE);
    assert_string_equal(tsql(p, 0),
                        "SELECT SUM(`x`) AS `AVG(``x``)`, COUNT(`x`), AVG(`x`) FROM users");
    assert_int_equal(m->cols[0].avg_count, 1);
    p = run("SELECT avg(x) AS a, COUNT(*) FROM users");
    assert_string_equal(tsql(p, 0), "SELECT SUM(x) AS a, COUNT(*), COUNT(x), AVG(x) FROM users");
    assert_int_equal(m->cols[0].role, PLAN_COL_AVG_SUM);
    assert_int_equal(m->cols[0].avg_count, 2);
    assert_int_equal(m->cols[1].role, PLAN_COL_COUNT);

    /* over two pinned shards too */
    p = run("SELECT COUNT(*) FROM users WHERE id IN (42, 1)");
    assert_route(p, 2, PLAN_MERGE_AGGREGATE);
    assert_false(p->flags & PLAN_F_SCATTER);

    refused("SELECT COUNT(*) FROM users HAVING COUNT(*) > 1", 1235, "42000", "HAVING", NULL);
    refused("SELECT COUNT(DISTINCT name) FROM users", 1235, "42000", "DISTINCT aggregate",
            "app.users");
    refused("SELECT GROUP_CONCAT(name) FROM users", 1235, "42000", "GROUP_CONCAT", "version 7");
    refused("SELECT SUM(x) / COUNT(*) FROM users", 1235, "42000", "aggregate inside an expression",
            NULL);
    refused("SELECT COUNT(*), users.* FROM users", 1235, "42000", "* item", NULL);
}

static void test_group_by(void **state)
{
    use("app");
    const struct plan *p = run("SELECT a, COUNT(*), AVG(x) FROM users GROUP BY a LIMIT 3");
    assert_route(p, 4, PLAN_MERGE_GROUPED);
    const struct plan_merge *m = &p->merge;
    assert_string_equal(tsql(p, 0), "SELECT a, COUNT(*), SUM(x) AS `AVG(x)`, COUNT(x), AVG(x), "
                                    "WEIGHT_STRING(a) FROM users GROUP BY a ORDER BY a ");
    assert_int_equal(m->ncols, 6);
    assert_int_equal(m->norder, 1);
    assert_int_equal(m->order[0].column, 0);
    assert_int_equal(m->order[0].weight, 5);
    assert_false(m->order[0].desc);
    assert_int_equal(m->cols[0].role, PLAN_COL_VALUE);
    assert_int_equal(m->cols[1].role, PLAN_COL_COUNT);
    assert_int_equal(m->cols[2].role, PLAN_COL_AVG_SUM);
    assert_int_equal(m->cols[2].avg_count, 3);
    assert_true(m->has_limit);
    assert_int_equal(m->limit, 3);

    /* the ORDER BY may name the group keys; a group key not selected is hidden */
    p = run("SELECT COUNT(*) FROM users GROUP BY a, b ORDER BY a DESC, b");
    assert_route(p, 4, PLAN_MERGE_GROUPED);
    assert_string_equal(tsql(p, 0), "SELECT COUNT(*), a, WEIGHT_STRING(a), b, WEIGHT_STRING(b) "
                                    "FROM users GROUP BY a, b ORDER BY a DESC, b");
    assert_int_equal(m->norder, 2);
    assert_int_equal(m->order[0].column, 1);
    assert_int_equal(m->order[0].weight, 2);
    assert_true(m->order[0].desc);
    assert_int_equal(m->order[1].column, 3);
    assert_int_equal(m->order[1].weight, 4);

    /* grouped on the shard key: every group lives on one shard */
    p = run("SELECT id, COUNT(*), GROUP_CONCAT(name) FROM users GROUP BY id HAVING COUNT(*) > 1");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_true(p->targets[0].original);
    p = run("SELECT u.id, COUNT(*) FROM users u JOIN orders o ON u.id = o.user_id GROUP BY u.id");
    assert_route(p, 4, PLAN_MERGE_CONCAT);

    /* HAVING on merged groups: the router applies it, the shards get 1 = 1 */
    p = run("SELECT a, COUNT(*) AS n, SUM(x) FROM users GROUP BY a "
            "HAVING COUNT(*) > 1 AND `n` <= 10 AND SUM(x) <> -2.5");
    assert_route(p, 4, PLAN_MERGE_GROUPED);
    const struct plan_merge *hm = &p->merge;
    assert_int_equal(hm->nhaving, 3);
    assert_int_equal(hm->having[0].column, 1);
    assert_int_equal(hm->having[0].op, PLAN_CMP_GT);
    assert_string_equal(hm->having[0].value, "1");
    assert_int_equal(hm->having[1].column, 1);
    assert_int_equal(hm->having[1].op, PLAN_CMP_LE);
    assert_string_equal(hm->having[1].value, "10");
    assert_int_equal(hm->having[2].column, 2);
    assert_int_equal(hm->having[2].op, PLAN_CMP_NE);
    assert_string_equal(hm->having[2].value, "-2.5");
    assert_non_null(strstr(tsql(p, 0), " HAVING 1 = 1 ORDER BY a"));
    refused("SELECT a, COUNT(*) FROM users GROUP BY a HAVING COUNT(*) > 1 OR COUNT(*) < 0", 1235,
            "42000", "HAVING", NULL);
    refused("SELECT a, COUNT(*) FROM users GROUP BY a HAVING 1 < COUNT(*)", 1235, "42000", "HAVING",
            NULL);
    refused("SELECT a, COUNT(*) FROM users GROUP BY a HAVING a > 1", 1235, "42000", "HAVING", NULL);
    refused("SELECT a, COUNT(*) FROM users GROUP BY a ORDER BY COUNT(*)", 1235, "42000", "ORDER BY",
            NULL);
    refused("SELECT DISTINCT a, COUNT(*) FROM users GROUP BY a", 1235, "42000", "DISTINCT", NULL);
    refused("SELECT a, COUNT(*) FROM users GROUP BY a WITH ROLLUP", 1235, "42000", "ROLLUP", NULL);
}

static void test_distinct(void **state)
{
    use("app");
    const struct plan *p = run("SELECT DISTINCT a, b FROM users");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    const struct plan_merge *m = &p->merge;
    assert_true(m->distinct);
    assert_string_equal(tsql(p, 0), "SELECT DISTINCT a, b, WEIGHT_STRING(a), WEIGHT_STRING(b) FROM "
                                    "users ORDER BY 1, 2");
    assert_int_equal(m->norder, 2);
    assert_int_equal(m->order[0].column, 0);
    assert_int_equal(m->order[0].weight, 2);
    assert_int_equal(m->order[1].column, 1);
    assert_int_equal(m->order[1].weight, 3);
    p = run("SELECT DISTINCT a, b FROM users ORDER BY b DESC, a");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    assert_int_equal(m->order[0].column, 1);
    assert_true(m->order[0].desc);
    refused("SELECT DISTINCT a, b FROM users ORDER BY a", 1235, "42000", "'b' is missing", NULL);
    refused("SELECT DISTINCT a FROM users ORDER BY c", 1235, "42000", "'c'", NULL);
    refused("SELECT DISTINCT * FROM users", 1235, "42000", "* item", NULL);
}

static void test_star_resolve(void **state)
{
    use("app");
    const struct plan *p = run("SELECT * FROM users ORDER BY name DESC");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    struct plan_merge m = p->merge;
    assert_string_equal(tsql(p, 0),
                        "SELECT *, name, WEIGHT_STRING(name) FROM users ORDER BY name DESC");
    assert_true(m.ncols_from_result);
    assert_int_equal(m.ncols, 0);
    assert_int_equal(m.nhidden, 2);
    assert_int_equal(m.order[0].column, PLAN_COL_REL + 0);
    assert_int_equal(m.order[0].weight, PLAN_COL_REL + 1);
    /* the shards answer five columns: three of users, two hidden */
    struct plan_merge r = m;
    assert_int_equal(plan_merge_resolve(&r, 5), 0);
    assert_false(r.ncols_from_result);
    assert_int_equal(r.ncols, 5);
    assert_int_equal(r.order[0].column, 3);
    assert_int_equal(r.order[0].weight, 4);
    assert_true(r.order[0].desc);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(r.cols[i].role, PLAN_COL_VALUE);
    assert_int_equal(r.cols[3].role, PLAN_COL_HIDDEN);
    assert_int_equal(r.cols[4].role, PLAN_COL_HIDDEN);
    assert_int_equal(plan_merge_resolve(&r, 5), 0); /* resolved: a no-op */
    r = m;
    assert_int_equal(plan_merge_resolve(&r, 1), -1); /* fewer columns than hidden ones */
    r = m;
    assert_int_equal(plan_merge_resolve(&r, 2), 0);
    assert_int_equal(r.order[0].column, 0);
    /* items before the * keep their index */
    p = run("SELECT name, * FROM users ORDER BY name");
    assert_int_equal(p->merge.order[0].column, 0);
    assert_int_equal(p->merge.order[0].weight, PLAN_COL_REL + 0);
    refused("SELECT * FROM users ORDER BY 1", 1235, "42000", "* item", NULL);
}

/* ---- refusals ------------------------------------------------------------- */

struct refusal {
    const char *sql;
    const char *n1, *n2;
};

static void test_refusals(void **state)
{
    static const struct refusal cases[] = {
        {"SELECT a, ROW_NUMBER() OVER (ORDER BY a) FROM users", "window function", "app.users"},
        {"SELECT * FROM (SELECT * FROM users LIMIT 5) t", "LIMIT in a subquery", "app.users"},
        {"SELECT * FROM users u JOIN orders o ON u.name = o.note", "not on their shard keys",
         "app.orders"},
        {"SELECT * FROM users u JOIN sessions s ON u.id = s.token", "not on their shard keys",
         "app.sessions"},
        {"SELECT * FROM users u, orders o WHERE u.id = 42", "not on their shard keys", "app.users"},
        {"SELECT name FROM users UNION SELECT name FROM orders", "UNION", "app.orders"},
        {"SELECT name FROM users UNION ALL SELECT name FROM countries", "UNION", NULL},
        {"SELECT name FROM users WHERE id IN (SELECT user_id FROM orders)", "subquery",
         "app.orders"},
        {"SELECT name INTO @x FROM users", "INTO", "app.users"},
        {"SELECT name, @v := 1 FROM users", "user variables", NULL},
        {"SELECT SQL_CALC_FOUND_ROWS name FROM users LIMIT 1", "SQL_CALC_FOUND_ROWS", NULL},
        {"INSERT INTO users (name) VALUES ('a')", "shard key id", "app.users"},
        {"INSERT INTO users VALUES (42, 'a')", "column list", "app.users"},
        {"INSERT INTO users (id, name) VALUES (42, 'a'), (NULL, 'b')", "NULL", "row 2"},
        {"INSERT INTO users (id, name) VALUES (?, 'a')", "placeholder", "app.users"},
        {"INSERT INTO users (id, name) VALUES (40 + 2, 'a')", "40 + 2", "app.users"},
        {"INSERT INTO users (id, name) SELECT id, name FROM orders", "SELECT", "app.users"},
        {"INSERT INTO users (id, n) VALUES (42, 1) ON DUPLICATE KEY UPDATE id = 1", "shard key",
         "app.users"},
        {"INSERT INTO users (id, name) VALUES (42, 'a'), (1, 'b') RETURNING id", "RETURNING",
         "app.users"},
        {"INSERT INTO users (id, name) VALUES (42, (SELECT note FROM orders WHERE user_id = 1))",
         "app.orders", NULL},
        {"UPDATE users SET id = 1 WHERE id = 42", "shard key column id", "app.users"},
        {"UPDATE users SET id = id + 1 WHERE id = 42", "shard key column id", "app.users"},
        {"UPDATE users SET id = 42 WHERE name = 'x'", "shard key column id", "app.users"},
        {"UPDATE users SET id = 42, id = 1 WHERE id = 42", "shard key column id", "app.users"},
        {"DELETE FROM users WHERE id IN (42, 1) LIMIT 1", "LIMIT", "app.users"},
        {"UPDATE users u JOIN countries c ON c.code = u.cc SET c.name = u.name WHERE u.id = 42",
         "reference table app.countries", "app.users"},
        {"INSERT INTO countries (code) SELECT cc FROM users", "app.countries", "app.users"},
        {"LOCK TABLES users READ", "LOCK TABLES", "'app'"},
        {"LOAD DATA INFILE '/tmp/x' INTO TABLE users", "LOAD DATA", "'app'"},
        {"CALL p()", "CALL", "'app'"},
        {"OPTIMIZE TABLE users", "OPTIMIZE", "'app'"},
        {"CREATE TEMPORARY TABLE tmp (a INT)", "TEMPORARY", "'app'"},
        {"CREATE VIEW v AS SELECT 1", "VIEW", "'app'"},
        {"CREATE TABLE t2 AS SELECT * FROM users", "app.t2", NULL},
    };
    use("app");
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        refused(cases[i].sql, 1235, "42000", cases[i].n1, cases[i].n2);
    /* every 1235 names the map version */
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        refused(cases[i].sql, 1235, "42000", "version 7", NULL);
}

static void test_unknown_table(void **state)
{
    use("app");
    /* neither sharded nor reference: refused by name, with the version */
    static const char *const stmts[] = {
        "SELECT * FROM widgets",
        "SELECT * FROM app.widgets WHERE id = 1",
        "SELECT * FROM users u JOIN widgets w ON w.id = u.id WHERE u.id = 42",
        "INSERT INTO widgets (id) VALUES (1)",
        "UPDATE widgets SET a = 1",
        "DELETE FROM widgets",
        "ALTER TABLE widgets ADD COLUMN b INT",
        "DROP TABLE users, widgets",
    };
    for (size_t i = 0; i < ARRAY_LEN(stmts); i++)
        refused(stmts[i], 1235, "42000", "app.widgets", "shard map version 7");
    /* from another keyspace too */
    use("main");
    refused("SELECT * FROM app.widgets", 1235, "42000", "app.widgets", "version 7");
}

static void test_scatter_limit(void **state)
{
    use("app");
    env.max_scatter_shards = 2;
    refused("SELECT name FROM users", 1235, "42000", "max_scatter_shards = 2", "app.users");
    refused("UPDATE users SET a = 1", 1235, "42000", "max_scatter_shards = 2", "app.users");
    refused("SELECT COUNT(*) FROM users u JOIN orders o ON u.id = o.user_id", 1235, "42000",
            "max_scatter_shards", NULL);
    /* pinned keys are no scatter, however many shards they reach */
    const struct plan *p = run("SELECT name FROM users WHERE id IN (42, 1, -1)");
    assert_route(p, 3, PLAN_MERGE_CONCAT);
    p = run("INSERT INTO users (id, n) VALUES (42, 1), (1, 2), (-1, 3), (-9223372036854775808, 4)");
    assert_route(p, 4, PLAN_MERGE_AFFECTED);
    p = run("DELETE FROM users WHERE id IN (42, 1, -1)");
    assert_route(p, 3, PLAN_MERGE_AFFECTED);
    p = run("SELECT name FROM users WHERE id = 42");
    assert_route(p, 1, PLAN_MERGE_NONE);
    p = run("SELECT * FROM countries");
    assert_route(p, 1, PLAN_MERGE_NONE);
    env.max_scatter_shards = 4;
    p = run("SELECT name FROM users");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
}

/* ---- writes ---------------------------------------------------------------- */

static void test_scatter_writes(void **state)
{
    use("app");
    const struct plan *p = run("UPDATE users SET name = 'x' WHERE name = 'y'");
    assert_route(p, 4, PLAN_MERGE_AFFECTED);
    assert_int_equal(p->flags & (PLAN_F_WRITE | PLAN_F_PRIMARY | PLAN_F_SCATTER),
                     PLAN_F_WRITE | PLAN_F_PRIMARY | PLAN_F_SCATTER);
    assert_true(p->targets[0].original);
    p = run("DELETE FROM users");
    assert_route(p, 4, PLAN_MERGE_AFFECTED);
    assert_true(p->flags & PLAN_F_SCATTER);
    p = run("DELETE FROM app.users WHERE created < '2020-01-01'");
    assert_route(p, 4, PLAN_MERGE_AFFECTED);
    assert_string_equal(tsql(p, 2), "DELETE FROM `app_s2`.users WHERE created < '2020-01-01'");
    /* ORDER BY alone is fine; LIMIT is not */
    p = run("UPDATE users SET a = 1 ORDER BY id");
    assert_route(p, 4, PLAN_MERGE_AFFECTED);
    refused("UPDATE users SET a = 1 LIMIT 1", 1235, "42000", "LIMIT", NULL);

    env.scatter_writes = false;
    refused("UPDATE users SET name = 'x' WHERE name = 'y'", 1235, "42000",
            "scatter writes are disabled", "app.users");
    refused("DELETE FROM users", 1235, "42000", "scatter writes are disabled", "app.users");
    /* pinned writes on several shards stay allowed, lists narrowed */
    p = run("UPDATE users SET name = 'x' WHERE id IN (42, 1, -7)");
    assert_route(p, 2, PLAN_MERGE_AFFECTED);
    assert_false(p->flags & PLAN_F_SCATTER);
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_42)),
                        "UPDATE users SET name = 'x' WHERE id IN (42, -7)");
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_1)),
                        "UPDATE users SET name = 'x' WHERE id IN (1)");
    p = run("DELETE FROM users WHERE id = 42");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_42);
    /* reference tables are no scatter */
    p = run("UPDATE countries SET name = 'x'");
    assert_route(p, 4, PLAN_MERGE_SAME);
}

/* An item whose text names the keyspace keeps the name the client wrote
 * (an expression is named by its text); a column reference keeps its
 * column's name without an alias. */
static void test_item_names_after_rewrite(void **state)
{
    use("app");
    const struct plan *p = run(
        "SELECT app.users.name, (SELECT COUNT(*) FROM app.countries) FROM app.users WHERE id = 42");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "SELECT `app_s0`.users.name, (SELECT COUNT(*) FROM "
                                    "`app_s0`.countries) AS `(SELECT COUNT(*) FROM app.countries)` "
                                    "FROM `app_s0`.users WHERE id = 42");
}

/* The weight column of a string sort key, in full: a space's weight when
 * the collation pads, then WEIGHT_STRING(). */
static void test_padded_weights(void **state)
{
    use("app");
    const struct plan *p = run("SELECT name FROM users ORDER BY name");
    assert_route(p, 4, PLAN_MERGE_SORTED);
    assert_true(p->merge.weights_padded);
    char want[8192], w[4096];
    padded_weight(w, sizeof(w), "name", 4);
    snprintf(want, sizeof(want), "SELECT name, %s FROM users ORDER BY name", w);
    size_t len;
    const char *s = plan_sql(p, 0, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(s, want, len);
    assert_string_equal(tsql(p, 0), "SELECT name, WEIGHT_STRING(name) FROM users ORDER BY name");
}

/* UPDATE setting the key: allowed when the row stays on its shard. */
static void test_update_key_same_shard(void **state)
{
    use("app");
    /* 42 and -7 hash to the same shard (test_insert_split), 42 and 1 do not */
    const struct plan *p = run("UPDATE users SET id = -7 WHERE id = 42");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tmask(p), 1u << S_42);
    p = run("UPDATE users SET name = 'n', id = 42 WHERE id = 42");
    assert_route(p, 1, PLAN_MERGE_NONE);
    p = run("UPDATE users SET id = 1 WHERE id = 42");
    assert_int_equal(p->kind, PLAN_REFUSE);
    assert_non_null(strstr(p->err_msg, "another shard"));
}

static void test_insert_split(void **state)
{
    use("app");
    const struct plan *p =
        run("INSERT INTO users (id, name) VALUES (42, 'a'), (1, 'b'), (-7, 'c'), (-1, 'd')");
    assert_route(p, 3, PLAN_MERGE_AFFECTED);
    assert_int_equal(p->flags & (PLAN_F_WRITE | PLAN_F_PRIMARY), PLAN_F_WRITE | PLAN_F_PRIMARY);
    assert_false(p->flags & PLAN_F_SCATTER);
    assert_int_equal(tmask(p), (1u << S_42) | (1u << S_1) | (1u << S_M1));
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_42)),
                        "INSERT INTO users (id, name) VALUES (42, 'a'), (-7, 'c')");
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_1)),
                        "INSERT INTO users (id, name) VALUES (1, 'b')");
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_M1)),
                        "INSERT INTO users (id, name) VALUES (-1, 'd')");

    /* REPLACE, the key not first, qualifiers, ON DUPLICATE KEY UPDATE kept */
    p = run("REPLACE INTO app.users (`name`, `ID`) VALUES ('a', 42), ('b', 1)");
    assert_route(p, 2, PLAN_MERGE_AFFECTED);
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_42)),
                        "REPLACE INTO `app_s0`.users (`name`, `ID`) VALUES ('a', 42)");
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_1)),
                        "REPLACE INTO `app_s3`.users (`name`, `ID`) VALUES ('b', 1)");
    p = run("INSERT INTO users (id, n) VALUES (42, 1), (1, 2) ON DUPLICATE KEY UPDATE n = n + 1");
    assert_route(p, 2, PLAN_MERGE_AFFECTED);
    assert_string_equal(
        tsql(p, (unsigned)target_on(p, S_1)),
        "INSERT INTO users (id, n) VALUES (1, 2) ON DUPLICATE KEY UPDATE n = n + 1");
    p = run("INSERT IGNORE INTO users (id, name) VALUES (1, 'x'), (2, 'y'), (3, 'z')");
    assert_route(p, 2, PLAN_MERGE_AFFECTED);
    assert_string_equal(tsql(p, (unsigned)target_on(p, gold_shard(2))),
                        "INSERT IGNORE INTO users (id, name) VALUES (2, 'y')");
    assert_string_equal(tsql(p, (unsigned)target_on(p, gold_shard(1))),
                        "INSERT IGNORE INTO users (id, name) VALUES (1, 'x'), (3, 'z')");

    /* rows of one shard: the statement unchanged */
    p = run("INSERT INTO users (id, name) VALUES (42, 'a'), (-7, 'b'), (100, 'c')");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_42);
    assert_true(p->targets[0].original);
    p = run("INSERT INTO users SET id = 1, name = 'x'");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_1);
    /* a string-keyed table */
    p = run("INSERT INTO sessions (token, v) VALUES ('abc', 1), ('42', 2), (42, 3)");
    assert_route(p, 2, PLAN_MERGE_AFFECTED);
    assert_string_equal(tsql(p, (unsigned)target_on(p, owner(0x1217cb28c0ef2191ULL))),
                        "INSERT INTO sessions (token, v) VALUES ('42', 2), (42, 3)");
}

static void test_insert_rows_consistent(void **state)
{
    enum { N = 40 };
    int shard_of[N];
    char sql[2048], want[4][2048];
    use("app");
    for (int k = 0; k < N; k++) {
        char lit[16];
        snprintf(lit, sizeof(lit), "%d", 1000 + k * 3);
        shard_of[k] = point_shard("users", "id", lit);
        assert_true(shard_of[k] >= 0);
    }
    const char *head = "INSERT INTO users (id, note) VALUES ";
    size_t o = (size_t)snprintf(sql, sizeof(sql), "%s", head);
    for (int s = 0; s < 4; s++)
        snprintf(want[s], sizeof(want[s]), "%s", head);
    for (int k = 0; k < N; k++) {
        char row[64];
        snprintf(row, sizeof(row), "(%d, 'n%d')", 1000 + k * 3, k);
        o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s", k ? ", " : "", row);
        char *w = want[shard_of[k]];
        size_t wl = strlen(w);
        snprintf(w + wl, sizeof(want[0]) - wl, "%s%s", wl > strlen(head) ? ", " : "", row);
    }
    const struct plan *p = run(sql);
    assert_int_equal(p->kind, PLAN_ROUTE);
    assert_int_equal(p->merge.kind, PLAN_MERGE_AFFECTED);
    unsigned mask = 0;
    for (int k = 0; k < N; k++)
        mask |= 1u << shard_of[k];
    assert_int_equal(tmask(p), mask);
    for (unsigned i = 0; i < p->ntargets; i++)
        assert_string_equal(tsql(p, i), want[tshard(p, i)]);
}

static void test_reference_tables(void **state)
{
    use("app");
    const struct plan *p = run("SELECT * FROM countries WHERE code = 'FR'");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_true(p->flags & PLAN_F_REFERENCE);
    assert_false(p->flags & PLAN_F_WRITE);
    p = run("SELECT c.name FROM app.countries c JOIN information_schema.tables t ON 1 = 1");
    assert_route(p, 1, PLAN_MERGE_NONE);

    static const char *const writes[] = {
        "INSERT INTO countries (code, name) VALUES ('FR', 'France'), ('DE', 'Germany')",
        "UPDATE countries SET name = 'x' WHERE code = 'FR'",
        "DELETE FROM countries",
        "REPLACE INTO countries (code) VALUES ('FR')",
    };
    for (size_t i = 0; i < ARRAY_LEN(writes); i++) {
        p = run(writes[i]);
        assert_route(p, 4, PLAN_MERGE_SAME);
        assert_int_equal(tmask(p), 0xf);
        assert_int_equal(p->flags & (PLAN_F_REFERENCE | PLAN_F_WRITE | PLAN_F_PRIMARY),
                         PLAN_F_REFERENCE | PLAN_F_WRITE | PLAN_F_PRIMARY);
        assert_false(p->flags & PLAN_F_SCATTER);
        for (unsigned t = 0; t < 4; t++)
            assert_string_equal(tsql(p, t), writes[i]);
    }
    p = run("UPDATE app.countries SET name = 'x'");
    assert_route(p, 4, PLAN_MERGE_SAME);
    assert_string_equal(tsql(p, 3), "UPDATE `app_s3`.countries SET name = 'x'");

    /* joins: pinned -> that shard; not pinned -> every shard, inner join */
    p = run("SELECT u.name, c.name FROM users u JOIN countries c ON c.code = u.cc WHERE u.id = 1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_1);
    p = run("SELECT u.name, c.name FROM users u LEFT JOIN countries c ON c.code = u.cc");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    p = run("SELECT name FROM users WHERE cc IN (SELECT code FROM countries)");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
}

/* An outer join that keeps the unmatched rows of a reference table would
 * return them once per shard. */
static void test_outer_join_reference(void **state)
{
    static const char *const bad[] = {
        "SELECT * FROM countries c LEFT JOIN users u ON c.code = u.cc",
        "SELECT c.code, COUNT(u.id) FROM countries c LEFT OUTER JOIN users u ON c.code = u.cc "
        "GROUP BY c.code",
        "SELECT * FROM users u RIGHT JOIN countries c ON c.code = u.cc",
        "SELECT * FROM countries c NATURAL LEFT JOIN users u",
        "SELECT * FROM countries c LEFT JOIN users u USING (cc)",
        "SELECT * FROM countries c LEFT JOIN (users u JOIN orders o ON o.user_id = u.id) ON "
        "c.code = u.cc",
        "SELECT * FROM countries c LEFT JOIN users u ON c.code = u.cc AND u.id = 42",
        "SELECT u.id, COUNT(*) FROM countries c LEFT JOIN users u ON c.code = u.cc GROUP BY u.id",
    };
    use("app");
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        refused(bad[i], 1235, "42000", "outer join", "app.users");
    /* the sharded side kept, or sharded tables joined on their keys: fine */
    static const char *const good[] = {
        "SELECT * FROM users u LEFT JOIN countries c ON c.code = u.cc",
        "SELECT * FROM countries c RIGHT JOIN users u ON c.code = u.cc",
        "SELECT * FROM users u LEFT JOIN orders o ON u.id = o.user_id",
        "SELECT * FROM countries c JOIN users u ON c.code = u.cc",
        "SELECT * FROM users u JOIN countries c ON c.code = u.cc LEFT JOIN countries d ON d.code = "
        "c.parent",
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        const struct plan *p = run(good[i]);
        assert_route(p, 4, PLAN_MERGE_CONCAT);
    }
    /* on one shard the server answers it all */
    const struct plan *p = run("SELECT * FROM countries c LEFT JOIN users u ON c.code = u.cc "
                               "WHERE u.id = 42");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_42);
    /* writes of the sharded side are per shard anyway */
    p = run("UPDATE countries c LEFT JOIN users u ON c.code = u.cc SET u.name = c.name");
    assert_route(p, 4, PLAN_MERGE_AFFECTED);
}

static void test_join_on_keys(void **state)
{
    use("app");
    const struct plan *p = run("SELECT * FROM users u JOIN orders o ON u.id = o.user_id");
    assert_route(p, 4, PLAN_MERGE_CONCAT);
    assert_true(p->flags & PLAN_F_SCATTER);
    p = run("SELECT * FROM users u JOIN orders o ON u.id = o.user_id WHERE u.id = -1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_M1);
    p = run("SELECT * FROM users u JOIN orders o ON u.id = o.user_id WHERE o.user_id IN (42, 1)");
    assert_route(p, 2, PLAN_MERGE_CONCAT);
    assert_string_equal(tsql(p, (unsigned)target_on(p, S_1)),
                        "SELECT * FROM users u JOIN orders o ON u.id = o.user_id WHERE o.user_id "
                        "IN (1)");
    p = run("SELECT * FROM users u JOIN orders o USING (id)");
    assert_int_equal(p->kind, PLAN_REFUSE); /* orders is keyed on user_id */
    p = run("SELECT * FROM users u, orders o WHERE u.id = 42 AND o.user_id = -7");
    assert_route(p, 1, PLAN_MERGE_NONE); /* both pinned to one shard */
    assert_int_equal(tshard(p, 0), S_42);
    p = run("DELETE o FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 1 AND "
            "o.user_id = 1");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_int_equal(tshard(p, 0), S_1);
}

static void test_ddl(void **state)
{
    use("app");
    static const char *const stmts[] = {
        "CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(10))",
        "ALTER TABLE users ADD COLUMN x INT",
        "DROP TABLE IF EXISTS users, orders",
        "CREATE INDEX ix ON orders (user_id)",
        "TRUNCATE TABLE users",
    };
    for (size_t i = 0; i < ARRAY_LEN(stmts); i++) {
        const struct plan *p = run(stmts[i]);
        assert_route(p, 4, PLAN_MERGE_SAME);
        assert_int_equal(tmask(p), 0xf);
        assert_int_equal(p->flags & (PLAN_F_DDL | PLAN_F_WRITE | PLAN_F_PRIMARY),
                         PLAN_F_DDL | PLAN_F_WRITE | PLAN_F_PRIMARY);
        assert_false(p->flags & PLAN_F_REFERENCE);
        for (unsigned t = 0; t < 4; t++)
            assert_string_equal(tsql(p, t), stmts[i]);
    }
    const struct plan *p = run("ALTER TABLE app.users ADD COLUMN x INT");
    assert_route(p, 4, PLAN_MERGE_SAME);
    for (unsigned t = 0; t < 4; t++) {
        char want[64];
        snprintf(want, sizeof(want), "ALTER TABLE `app_s%u`.users ADD COLUMN x INT", t);
        assert_string_equal(tsql(p, t), want);
    }
    p = run("CREATE TABLE countries (code CHAR(2) PRIMARY KEY)");
    assert_route(p, 4, PLAN_MERGE_SAME);
    assert_true(p->flags & PLAN_F_REFERENCE);
    /* from another keyspace's session */
    use("main");
    p = run("ALTER TABLE app.orders ADD INDEX (created)");
    assert_route(p, 4, PLAN_MERGE_SAME);
    assert_ptr_equal(p->ks, ks("app"));
    assert_string_equal(tsql(p, 1), "ALTER TABLE `app_s1`.orders ADD INDEX (created)");
    use("app");
    refused("CREATE TABLE widgets (id INT)", 1235, "42000", "app.widgets",
            "add it to the shard map");
    refused("RENAME TABLE users TO users_old", 1235, "42000", "app.users_old", NULL);
    refused("DROP DATABASE app", 1235, "42000", "DATABASE", NULL);
}

static void test_show_and_information_schema(void **state)
{
    use("app");
    const struct plan *p = run("SHOW TABLES");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_true(p->targets[0].original);
    p = run("SHOW TABLES FROM app");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "SHOW TABLES FROM `app_s0`");
    p = run("SHOW CREATE TABLE users");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "SHOW CREATE TABLE users");
    p = run("SHOW CREATE TABLE app.users");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "SHOW CREATE TABLE `app_s0`.users");
    p = run("SHOW COLUMNS FROM users FROM app");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "SHOW COLUMNS FROM users FROM `app_s0`");
    p = run("DESCRIBE app.users");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), "DESCRIBE `app_s0`.users");

    static const char *const is_sql =
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'app'";
    static const char *const is_want =
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'app_s0'";
    p = run(is_sql);
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->ks, ks("app"));
    assert_string_equal(tsql(p, 0), is_want);
    /* the literal picks the keyspace, whatever the session's */
    use("main");
    p = run(is_sql);
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->ks, ks("app"));
    assert_string_equal(tsql(p, 0), is_want);
    p = run("SELECT column_name FROM information_schema.columns WHERE table_schema = \"main\" AND "
            "table_name = 't'");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->ks, ks("main"));
    assert_string_equal(tsql(p, 0), "SELECT column_name FROM information_schema.columns WHERE "
                                    "table_schema = 'main_db' AND table_name = 't'");
    use(NULL);
    p = run(is_sql);
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_string_equal(tsql(p, 0), is_want);
    /* not renamed: unchanged */
    p = run("SELECT table_name FROM information_schema.tables WHERE table_schema = 'flat'");
    assert_route(p, 1, PLAN_MERGE_NONE);
    assert_ptr_equal(p->ks, ks("flat"));
    assert_true(p->targets[0].original);
}

/* ---- buffers ---------------------------------------------------------------- */

static void test_no_alloc_after_warmup(void **state)
{
    static const char *const stmts[] = {
        "SELECT name FROM app.users WHERE id IN (42, 1, -1, -7)",
        "SELECT COUNT(*), AVG(x), MIN(name) FROM app.users",
        "SELECT a, COUNT(*) FROM users GROUP BY a ORDER BY a LIMIT 5, 5",
        "INSERT INTO app.users (id, name) VALUES (42, 'a'), (1, 'b'), (-1, 'c')",
        "ALTER TABLE app.users ADD COLUMN y INT",
        "SELECT * FROM users WHERE id = 42",
        "SELECT * FROM sessions WHERE token = 'abc'",
    };
    if (!bench_counter_works())
        skip();
    use("app");
    for (size_t i = 0; i < ARRAY_LEN(stmts); i++)
        assert_int_equal(run(stmts[i])->kind, PLAN_ROUTE);
    char *text = plan.text;
    bench_n_alloc = 0;
    bench_counting = true;
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < ARRAY_LEN(stmts); i++)
            run(stmts[i]);
    bench_counting = false;
    assert_int_equal(bench_n_alloc, 0);
    assert_ptr_equal(plan.text, text);
    assert_int_equal(plan.kind, PLAN_ROUTE);
}

/* A string key longer than the planner's stack buffer, and plan_free. */
static void test_long_key(void **state)
{
    char key[700], sql[800];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    use("app");
    snprintf(sql, sizeof(sql), "'%s'", key);
    int s = point_shard("sessions", "token", sql);
    assert_true(s >= 0);
    assert_int_equal(insert_shard("sessions", "token", sql), s);
    struct plan q = {0};
    size_t n = strlen("SELECT 1");
    classify(&cls, "SELECT 1", n, 0, plan_cls_lookup, &env);
    plan_build(&q, &cls, "SELECT 1", n, &env);
    assert_route(&q, 1, PLAN_MERGE_NONE);
    plan_free(&q);
    assert_null(q.text);
    plan_free(&q); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsharded_unchanged),
        cmocka_unit_test(test_unsharded_qualifiers),
        cmocka_unit_test(test_no_keyspace),
        cmocka_unit_test(test_point_select_golden),
        cmocka_unit_test(test_point_consistency),
        cmocka_unit_test(test_string_keys),
        cmocka_unit_test(test_in_list_narrowed),
        cmocka_unit_test(test_in_list_union),
        cmocka_unit_test(test_or_of_keys),
        cmocka_unit_test(test_empty_pins),
        cmocka_unit_test(test_scatter_concat),
        cmocka_unit_test(test_order_by),
        cmocka_unit_test(test_limit_offset),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_group_by),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_star_resolve),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_unknown_table),
        cmocka_unit_test(test_scatter_limit),
        cmocka_unit_test(test_scatter_writes),
        cmocka_unit_test(test_insert_split),
        cmocka_unit_test(test_update_key_same_shard),
        cmocka_unit_test(test_padded_weights),
        cmocka_unit_test(test_item_names_after_rewrite),
        cmocka_unit_test(test_insert_rows_consistent),
        cmocka_unit_test(test_reference_tables),
        cmocka_unit_test(test_outer_join_reference),
        cmocka_unit_test(test_join_on_keys),
        cmocka_unit_test(test_ddl),
        cmocka_unit_test(test_show_and_information_schema),
        cmocka_unit_test(test_no_alloc_after_warmup),
        cmocka_unit_test(test_long_key),
    };
    return cmocka_run_group_tests_name("plan", tests, setup, teardown);
}
