/*
 * test_shardmap_diff.c — unit tests for shardmap_diff: splits, merges and
 * moves of keyspace-id ranges (on the refined partition of both maps'
 * boundaries), failovers and replica changes that move no data, table,
 * reference-table, keyspace and hash changes, and the sentences
 * shardmap_change_describe writes. No network, no files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "shardmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One change, flattened to strings for easy comparison:
 * "kind keyspace range from->to what" */
struct seen {
    char lines[32][512];
    char desc[32][1024];
    int n;
};

static void collect(void *ctx, const struct shardmap_change *ch)
{
    struct seen *s = ctx;
    char range[SHARDMAP_RANGE_MAX] = "";
    char *line;

    assert_true(s->n < 32);
    line = s->lines[s->n];
    if (ch->kind == SHARDMAP_CHANGE_RANGE_MOVED || ch->kind == SHARDMAP_CHANGE_SHARD_CHANGED)
        shardmap_format_range(ch->start, ch->end, ch->end_max, range, sizeof(range));
    snprintf(line, 512, "%s %s", shardmap_change_kind_name(ch->kind),
             ch->keyspace ? ch->keyspace : "-");
    if (range[0] != '\0')
        snprintf(line + strlen(line), 512 - strlen(line), " %s %s->%s%s%s%s", range,
                 ch->shard_a->name, ch->shard_b->name,
                 ch->what & SHARDMAP_DIFF_RANGE ? " range" : "",
                 ch->what & SHARDMAP_DIFF_PRIMARY ? " primary" : "",
                 ch->what & SHARDMAP_DIFF_REPLICAS ? " replicas" : "");
    else if (ch->table_a != NULL || ch->table_b != NULL)
        snprintf(line + strlen(line), 512 - strlen(line), " %s",
                 (ch->table_b ? ch->table_b : ch->table_a)->name);
    else if (ch->reference != NULL)
        snprintf(line + strlen(line), 512 - strlen(line), " %s", ch->reference);
    shardmap_change_describe(ch, s->desc[s->n], sizeof(s->desc[0]));
    s->n++;
}

static struct shardmap *load(const char *text)
{
    char err[1024] = "";
    struct shardmap *map = shardmap_load_string(text, "t.conf", err, sizeof(err));

    if (map == NULL)
        fail_msg("map refused: %s\n%s", err, text);
    return map;
}

/* A map with one sharded keyspace "app" (tables users(id), orders(user_id),
 * reference table countries) and the given shards. */
static struct shardmap *app_map(int version, const char *shards)
{
    char text[4096];

    snprintf(text, sizeof(text),
             "version = %d;\n"
             "keyspaces = ( { name = \"app\"; sharded = true;\n"
             "  tables = ( { name = \"users\"; key = \"id\"; },\n"
             "             { name = \"orders\"; key = \"user_id\"; } );\n"
             "  reference_tables = ( \"countries\" );\n"
             "  shards = ( %s ); } );\n",
             version, shards);
    return load(text);
}

#define SH(range, primary, schema)                                                                 \
    "{ range = \"" range "\"; primary = \"" primary "\"; schema = \"" schema "\"; }"
#define SHR(range, primary, replica, schema)                                                       \
    "{ range = \"" range "\"; primary = \"" primary "\"; replicas = ( \"" replica                  \
    "\" ); schema = \"" schema "\"; }"

/* Diff a and b, require exactly the expected lines (NULL-terminated), in
 * order, and return what was seen for further checks. */
static void expect_diff(const struct shardmap *a, const struct shardmap *b, struct seen *s, ...)
{
    va_list ap;
    const char *want;
    int i = 0, count;

    memset(s, 0, sizeof(*s));
    count = shardmap_diff(a, b, collect, s);
    assert_int_equal(count, s->n);
    assert_int_equal(shardmap_diff(a, b, NULL, NULL), count);
    va_start(ap, s);
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (i >= s->n) {
            va_end(ap);
            fail_msg("missing change %d: %s", i, want);
        }
        if (strcmp(s->lines[i], want) != 0) {
            va_end(ap);
            fail_msg("change %d: got \"%s\", want \"%s\"", i, s->lines[i], want);
        }
        i++;
    }
    va_end(ap);
    if (i != s->n)
        fail_msg("unexpected change %d: %s", i, s->lines[i]);
}

/* ---- no change ----------------------------------------------------------- */

static void test_diff_none(void **state)
{
    struct shardmap *a = app_map(1, SH("-80", "h1:1", "app") "," SH("80-", "h2:1", "app"));
    /* another version, shards in another order, range written differently */
    struct shardmap *b =
        app_map(2, SH("80-", "h2:1", "app") "," SH("-8000000000000000", "h1:1", "app"));
    struct seen s;

    expect_diff(a, b, &s, NULL);
    expect_diff(a, a, &s, NULL);
    assert_int_equal(shardmap_diff(NULL, a, NULL, NULL), 0);
    shardmap_put(a);
    shardmap_put(b);
}

/* ---- split --------------------------------------------------------------- */

static void test_diff_split(void **state)
{
    struct shardmap *a = app_map(1, SH("-80", "h1:1", "app") "," SH("80-", "h2:1", "app"));
    struct shardmap *b = app_map(
        2, SH("-40", "h3:1", "app") "," SH("40-80", "h4:1", "app") "," SH("80-", "h2:1", "app"));
    struct seen s;

    expect_diff(a, b, &s, "range_moved app -40 app/-80->app/-40",
                "range_moved app 40-80 app/-80->app/40-80", NULL);
    assert_string_equal(s.desc[1],
                        "keyspace \"app\": range 40-80 (ids 4000000000000000..7fffffffffffffff) "
                        "moved from app/-80 (primary h1:1, schema app) to app/40-80 (primary "
                        "h4:1, schema app)");
    shardmap_put(a);
    shardmap_put(b);
}

/* Half of the split shard stays where it is: only the other half moves. */
static void test_diff_split_in_place(void **state)
{
    struct shardmap *a = app_map(1, SH("-80", "h1:1", "app") "," SH("80-", "h2:1", "app"));
    struct shardmap *b = app_map(
        2, SH("-40", "h1:1", "app") "," SH("40-80", "h4:1", "app") "," SH("80-", "h2:1", "app"));
    struct seen s;

    expect_diff(a, b, &s, "shard_changed app -40 app/-80->app/-40 range",
                "range_moved app 40-80 app/-80->app/40-80", NULL);
    assert_string_equal(s.desc[0], "keyspace \"app\": range -40 (ids "
                                   "0000000000000000..3fffffffffffffff) stays in schema app on "
                                   "h1:1; shard app/-80 becomes app/-40");
    shardmap_put(a);
    shardmap_put(b);
}

/* ---- merge --------------------------------------------------------------- */

static void test_diff_merge(void **state)
{
    struct shardmap *a = app_map(
        1, SH("-40", "h1:1", "app") "," SH("40-80", "h2:1", "app") "," SH("80-", "h3:1", "app"));
    struct shardmap *b = app_map(2, SH("-80", "h5:1", "app") "," SH("80-", "h3:1", "app"));
    struct shardmap *c = app_map(3, SH("-80", "h1:1", "app") "," SH("80-", "h3:1", "app"));
    struct seen s;

    expect_diff(a, b, &s, "range_moved app -40 app/-40->app/-80",
                "range_moved app 40-80 app/40-80->app/-80", NULL);
    /* merged onto the first shard's server: only the second half moves */
    expect_diff(a, c, &s, "shard_changed app -40 app/-40->app/-80 range",
                "range_moved app 40-80 app/40-80->app/-80", NULL);
    shardmap_put(a);
    shardmap_put(b);
    shardmap_put(c);
}

/* ---- move ---------------------------------------------------------------- */

static void test_diff_move(void **state)
{
    struct shardmap *a = app_map(1, SH("-80", "h1:1", "app") "," SH("80-", "h2:1", "app"));
    struct shardmap *b = app_map(2, SH("-80", "h1:1", "app") "," SH("80-", "h9:3306", "app"));
    /* same server, another schema: the rows must be copied too */
    struct shardmap *c = app_map(3, SH("-80", "h1:1", "app") "," SH("80-", "h2:1", "app2"));
    struct seen s;

    expect_diff(a, b, &s, "range_moved app 80- app/80-->app/80-", NULL);
    assert_string_equal(s.desc[0], "keyspace \"app\": range 80- (ids "
                                   "8000000000000000..ffffffffffffffff) moved from app/80- "
                                   "(primary h2:1, schema app) to app/80- (primary h9:3306, "
                                   "schema app)");
    expect_diff(a, c, &s, "range_moved app 80- app/80-->app/80-", NULL);
    shardmap_put(a);
    shardmap_put(b);
    shardmap_put(c);
}

/* Boundaries that do not line up: the refined partition has a piece per
 * (old shard, new shard) pair that overlap. */
static void test_diff_refined_partition(void **state)
{
    struct shardmap *a = app_map(
        1, SH("-55", "h1:1", "app") "," SH("55-aa", "h2:1", "app") "," SH("aa-", "h3:1", "app"));
    struct shardmap *b = app_map(2, SH("-40", "h1:1", "app") "," SH("40-80", "h2:1", "app") "," SH(
                                        "80-c0", "h3:1", "app") "," SH("c0-", "h4:1", "app"));
    struct seen s;

    expect_diff(a, b, &s, "shard_changed app -40 app/-55->app/-40 range",
                "range_moved app 40-55 app/-55->app/40-80",
                "shard_changed app 55-80 app/55-aa->app/40-80 range",
                "range_moved app 80-aa app/55-aa->app/80-c0",
                "shard_changed app aa-c0 app/aa-->app/80-c0 range",
                "range_moved app c0- app/aa-->app/c0-", NULL);
    shardmap_put(a);
    shardmap_put(b);
}

/* ---- changes in place ---------------------------------------------------- */

static void test_diff_failover(void **state)
{
    struct shardmap *a =
        app_map(1, SHR("-80", "h1:1", "h1:2", "app") "," SHR("80-", "h2:1", "h2:2", "app"));
    /* h2:2 promoted, h2:1 now its replica: no data moves */
    struct shardmap *b =
        app_map(2, SHR("-80", "h1:1", "h1:2", "app") "," SHR("80-", "h2:2", "h2:1", "app"));
    /* a replica replaced, and one removed */
    struct shardmap *c = app_map(3, SHR("-80", "h1:1", "h1:3", "app") "," SH("80-", "h2:1", "app"));
    struct seen s;

    expect_diff(a, b, &s, "shard_changed app 80- app/80-->app/80- primary replicas", NULL);
    assert_string_equal(s.desc[0], "keyspace \"app\": range 80- (ids "
                                   "8000000000000000..ffffffffffffffff) stays in schema app on "
                                   "h2:2; shard app/80-: primary h2:1 -> h2:2; replicas h2:2 -> "
                                   "h2:1");
    expect_diff(a, c, &s, "shard_changed app -80 app/-80->app/-80 replicas",
                "shard_changed app 80- app/80-->app/80- replicas", NULL);
    assert_non_null(strstr(s.desc[1], "replicas h2:2 -> none"));
    shardmap_put(a);
    shardmap_put(b);
    shardmap_put(c);
}

/* ---- tables, reference tables, keyspaces, hash --------------------------- */

static void test_diff_tables(void **state)
{
    struct shardmap *a =
        load("version = 1;\n"
             "keyspaces = ( { name = \"app\"; sharded = true;\n"
             "  tables = ( { name = \"users\"; key = \"id\"; },\n"
             "             { name = \"orders\"; key = \"user_id\"; },\n"
             "             { name = \"emails\"; key = \"email\"; key_type = \"string\"; },\n"
             "             { name = \"tags\"; key = \"tag\"; key_type = \"string\"; },\n"
             "             { name = \"old\"; key = \"id\"; } );\n"
             "  reference_tables = ( \"countries\", \"zones\" );\n"
             "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n");
    struct shardmap *b =
        load("version = 2;\n"
             "keyspaces = ( { name = \"app\"; sharded = true;\n"
             "  tables = ( { name = \"users\"; key = \"id\"; },\n"
             "             { name = \"orders\"; key = \"order_user\"; },\n"
             "             { name = \"emails\"; key = \"email\"; key_type = \"string\"; key_ci = "
             "true; },\n"
             "             { name = \"tags\"; key = \"tag\"; },\n"
             "             { name = \"new\"; key = \"id\"; key_type = \"string\"; } );\n"
             "  reference_tables = ( \"zones\", \"currencies\" );\n"
             "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n");
    struct seen s;

    expect_diff(a, b, &s, "table_removed app old", "table_key_changed app orders",
                "table_key_changed app emails", "table_key_changed app tags", "table_added app new",
                "reference_table_removed app countries", "reference_table_added app currencies",
                NULL);
    assert_string_equal(s.desc[0],
                        "keyspace \"app\": sharded table \"old\" removed, key was id (int)");
    assert_string_equal(s.desc[2], "keyspace \"app\": table \"emails\" shard key changed from "
                                   "email (string) to email (string, case-insensitive): its rows "
                                   "get new keyspace ids");
    assert_string_equal(s.desc[4],
                        "keyspace \"app\": sharded table \"new\" added, key id (string)");
    assert_string_equal(s.desc[5], "keyspace \"app\": reference table \"countries\" removed");
    shardmap_put(a);
    shardmap_put(b);
}

static void test_diff_cross_shard(void **state)
{
    static const char *const fmt = "version = %d;\n"
                                   "keyspaces = ( { name = \"app\"; sharded = true;%s\n"
                                   "  tables = ( { name = \"t\"; key = \"id\"; } );\n"
                                   "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = "
                                   "\"a\"; } ); } );\n";
    char ta[512], tb[512];
    snprintf(ta, sizeof(ta), fmt, 1, "");
    snprintf(tb, sizeof(tb), fmt, 2, " cross_shard_transactions = \"best_effort\";");
    struct shardmap *a = load(ta), *b = load(tb);
    struct seen s;
    expect_diff(a, b, &s, "cross_shard_transactions_changed app", NULL);
    assert_string_equal(s.desc[0],
                        "keyspace \"app\": cross_shard_transactions is now best_effort (was "
                        "refuse)");
    shardmap_put(a);
    shardmap_put(b);
}

static void test_diff_keyspaces_and_hash(void **state)
{
    struct shardmap *a = load("version = 1;\n"
                              "keyspaces = (\n"
                              "  { name = \"main\"; shards = ( { primary = \"h:1\"; schema = "
                              "\"main\"; } ); },\n"
                              "  { name = \"gone\"; shards = ( { primary = \"h:1\"; schema = "
                              "\"g\"; } ); },\n"
                              "  { name = \"grow\"; shards = ( { primary = \"h:1\"; schema = "
                              "\"gr\"; } ); } );\n");
    struct shardmap *b =
        load("version = 2; hash = \"xxh64\";\n"
             "keyspaces = (\n"
             "  { name = \"main\"; shards = ( { primary = \"h:2\"; schema = \"main\"; } ); },\n"
             "  { name = \"grow\"; sharded = true; tables = ( { name = \"t\"; key = \"k\"; } );\n"
             "    shards = ( { range = \"-80\"; primary = \"h:1\"; schema = \"gr\"; },\n"
             "               { range = \"80-\"; primary = \"h:3\"; schema = \"gr\"; } ); },\n"
             "  { name = \"fresh\"; shards = ( { primary = \"h:1\"; schema = \"f\"; } ); } );\n");
    struct seen s;

    expect_diff(a, b, &s, "hash_changed -", "keyspace_removed gone",
                "range_moved main - main/-->main/-", "keyspace_sharded_changed grow",
                "table_added grow t", "shard_changed grow -80 grow/-->grow/-80 range",
                "range_moved grow 80- grow/-->grow/80-", "keyspace_added fresh", NULL);
    assert_string_equal(s.desc[0], "hash changed from xxh3 to xxh64: every value gets a new "
                                   "keyspace id, so almost every row belongs on another shard");
    assert_string_equal(s.desc[1], "keyspace \"gone\" removed (unsharded, 1 shard, 0 sharded "
                                   "tables, 0 reference tables)");
    assert_string_equal(s.desc[3], "keyspace \"grow\" is now sharded (was unsharded)");
    assert_string_equal(s.desc[7], "keyspace \"fresh\" added (unsharded, 1 shard, 0 sharded "
                                   "tables, 0 reference tables)");
    shardmap_put(a);
    shardmap_put(b);
}

/* ---- describe: truncation and kind names --------------------------------- */

static void test_diff_describe_truncates(void **state)
{
    struct shardmap *a = app_map(1, SH("-", "h1:1", "app"));
    struct shardmap *b = app_map(2, SH("-", "[::1]:3306", "app"));
    struct seen s;
    char small[16];
    int n;

    expect_diff(a, b, &s, "range_moved app - app/-->app/-", NULL);
    memset(small, 'x', sizeof(small));
    struct shardmap_change ch = {.kind = SHARDMAP_CHANGE_RANGE_MOVED,
                                 .keyspace = "app",
                                 .end_max = true,
                                 .shard_a = &a->keyspaces[0].shards[0],
                                 .shard_b = &b->keyspaces[0].shards[0]};
    shardmap_change_describe(&ch, small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_non_null(strstr(s.desc[0], "to app/- (primary [::1]:3306, schema app)"));
    n = SHARDMAP_CHANGE_KEYSPACE_XSHARD + 1;
    assert_string_equal(shardmap_change_kind_name((enum shardmap_change_kind)n), "unknown");
    assert_string_equal(shardmap_change_kind_name(SHARDMAP_CHANGE_RANGE_MOVED), "range_moved");
    shardmap_put(a);
    shardmap_put(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_none),
        cmocka_unit_test(test_diff_cross_shard),
        cmocka_unit_test(test_diff_split),
        cmocka_unit_test(test_diff_split_in_place),
        cmocka_unit_test(test_diff_merge),
        cmocka_unit_test(test_diff_move),
        cmocka_unit_test(test_diff_refined_partition),
        cmocka_unit_test(test_diff_failover),
        cmocka_unit_test(test_diff_tables),
        cmocka_unit_test(test_diff_keyspaces_and_hash),
        cmocka_unit_test(test_diff_describe_truncates),
    };

    return cmocka_run_group_tests_name("shardmap_diff", tests, NULL, NULL);
}
