/*
 * test_shardmap.c — unit tests for the shard map: keyspace-id golden
 * vectors, literal parsing, range and address syntax, every validation
 * error (message text and line), lookup at range boundaries, reference
 * counting, the to_string round trip, range and address formatting, and
 * the catalog's DSN syntax. No network; one temporary file.
 *
 * Golden hash values were computed with the xxhsum CLI (xxHash 0.8.1,
 * Debian package "xxhash"), not with this code: -H3 is XXH3_64bits, -H1 is
 * XXH64, both seed 0, printed big-endian (the value as a hex number), e.g.
 *   printf '\x00\x00\x00\x00\x00\x00\x00\x2a' | xxhsum -H3   (42)
 *   printf 'hello' | xxhsum -H1
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "catalog.h"
#include "shardmap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct shardmap map_xxh3 = {.hash = SHARDMAP_HASH_XXH3};
static const struct shardmap map_xxh64 = {.hash = SHARDMAP_HASH_XXH64};

/* ---- golden vectors: integers ------------------------------------------ */

struct int_vec {
    int64_t v;
    uint64_t xxh3, xxh64;
};

/* xxhsum of the 8-byte big-endian two's complement of v. */
static const struct int_vec int_vecs[] = {
    {0, 0xc77b3abb6f87acd9ULL, 0x34c96acdcadb1bbbULL},
    {1, 0xf36b4a1a44f78bf3ULL, 0x9f1ffc793b8a47daULL},
    {42, 0x2e4fe982b68910acULL, 0xa2c396223f8bdbdfULL},
    {-1, 0x5111c7e47d784413ULL, 0x85d136adb773c6c9ULL},
    {-7, 0x3456f879b53a0b97ULL, 0xf49ba3c1ec45131eULL},
    {INT64_MIN, 0xb7aa1c28d234f8d6ULL, 0xa7299a58d03a1d0cULL},
    {INT64_MAX, 0xf832fc1d899fe591ULL, 0x043de1bbaf341994ULL},
};

static void test_ksid_int_golden(void **state)
{
    for (size_t i = 0; i < sizeof(int_vecs) / sizeof(int_vecs[0]); i++) {
        assert_int_equal(shardmap_ksid_int(&map_xxh3, int_vecs[i].v), int_vecs[i].xxh3);
        assert_int_equal(shardmap_ksid_int(&map_xxh64, int_vecs[i].v), int_vecs[i].xxh64);
    }
}

/* ---- golden vectors: strings ------------------------------------------- */

static void test_ksid_str_golden(void **state)
{
    /* printf '' | xxhsum -H3 / -H1 */
    assert_int_equal(shardmap_ksid_str(&map_xxh3, "", 0, false), 0x2d06800538d394c2ULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh64, "", 0, false), 0xef46db3751d8e999ULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh3, "", 0, true), 0x2d06800538d394c2ULL);
    /* printf 'abc' */
    assert_int_equal(shardmap_ksid_str(&map_xxh3, "abc", 3, false), 0x78af5f94892f3950ULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh64, "abc", 3, false), 0x44bc2cf5ad770999ULL);
    /* printf 'Hello' (case kept) */
    assert_int_equal(shardmap_ksid_str(&map_xxh3, "Hello", 5, false), 0x38e23bf5a2a77616ULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh64, "Hello", 5, false), 0x0a75a91375b27d44ULL);
    /* printf 'hello': what "Hello" and "HELLO" hash to with ci */
    assert_int_equal(shardmap_ksid_str(&map_xxh3, "Hello", 5, true), 0x9555e8555c62dcfdULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh3, "HELLO", 5, true), 0x9555e8555c62dcfdULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh64, "Hello", 5, true), 0x26c7827d889f6da3ULL);
    /* only ASCII folds: printf '\xc3\x89cole' ("École") for "ÉCOLE" */
    assert_int_equal(shardmap_ksid_str(&map_xxh3,
                                       "\xc3\x89"
                                       "COLE",
                                       6, true),
                     0xec8c4f6f5cc37737ULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh64,
                                       "\xc3\x89"
                                       "COLE",
                                       6, true),
                     0x1009755e803e8e27ULL);
}

/* A ci key longer than the fold buffer goes through the streaming state. */
static void test_ksid_str_long_ci(void **state)
{
    char upper[300], lower[300];

    memset(upper, 'A', sizeof(upper));
    memset(lower, 'a', sizeof(lower));
    /* python3 -c "print('a'*300, end='')" | xxhsum -H3 / -H1 */
    assert_int_equal(shardmap_ksid_str(&map_xxh3, upper, sizeof(upper), true),
                     0xc1d17581d8eb7e21ULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh64, upper, sizeof(upper), true),
                     0x96f84d96b9cfcfc7ULL);
    assert_int_equal(shardmap_ksid_str(&map_xxh3, lower, sizeof(lower), false),
                     0xc1d17581d8eb7e21ULL);
}

/* ---- literals ---------------------------------------------------------- */

static const struct shardmap_table t_int = {.name = "users", .key = "id"};
static const struct shardmap_table t_str = {
    .name = "sessions", .key = "token", .key_type = SHARDMAP_KEY_STRING};
static const struct shardmap_table t_str_ci = {
    .name = "emails", .key = "email", .key_type = SHARDMAP_KEY_STRING, .key_ci = true};

static int lit(const struct shardmap *map, const struct shardmap_table *t, const char *text,
               uint64_t *out)
{
    *out = 0;
    return shardmap_ksid_literal(map, t, text, strlen(text), out);
}

static void test_ksid_literal_int(void **state)
{
    static const char *const accepted_42[] = {"42", "42.0", "42.", "+42", "042", "42.000"};
    static const char *const rejected[] = {"42.5",
                                           "abc",
                                           "",
                                           "-",
                                           "4e1",
                                           " 42",
                                           "42 ",
                                           "0x2a",
                                           "42.0.0",
                                           ".5",
                                           "9223372036854775808",
                                           "-9223372036854775809",
                                           "99999999999999999999999"};
    uint64_t id;

    for (size_t i = 0; i < sizeof(accepted_42) / sizeof(accepted_42[0]); i++) {
        assert_int_equal(lit(&map_xxh3, &t_int, accepted_42[i], &id), 0);
        assert_int_equal(id, 0x2e4fe982b68910acULL);
    }
    assert_int_equal(lit(&map_xxh3, &t_int, "-7", &id), 0);
    assert_int_equal(id, 0x3456f879b53a0b97ULL);
    assert_int_equal(lit(&map_xxh64, &t_int, "-7", &id), 0);
    assert_int_equal(id, 0xf49ba3c1ec45131eULL);
    assert_int_equal(lit(&map_xxh3, &t_int, "-0", &id), 0);
    assert_int_equal(id, 0xc77b3abb6f87acd9ULL);
    assert_int_equal(lit(&map_xxh3, &t_int, "-9223372036854775808", &id), 0);
    assert_int_equal(id, 0xb7aa1c28d234f8d6ULL);
    assert_int_equal(lit(&map_xxh3, &t_int, "9223372036854775807", &id), 0);
    assert_int_equal(id, 0xf832fc1d899fe591ULL);
    for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
        assert_int_equal(lit(&map_xxh3, &t_int, rejected[i], &id), -1);
}

static void test_ksid_literal_string(void **state)
{
    uint64_t id;

    assert_int_equal(lit(&map_xxh3, &t_str, "abc", &id), 0);
    assert_int_equal(id, 0x78af5f94892f3950ULL);
    assert_int_equal(lit(&map_xxh3, &t_str, "Hello", &id), 0);
    assert_int_equal(id, 0x38e23bf5a2a77616ULL);
    assert_int_equal(lit(&map_xxh3, &t_str_ci, "Hello", &id), 0);
    assert_int_equal(id, 0x9555e8555c62dcfdULL);
    /* a string key hashes "42" as two bytes, not as an integer */
    assert_int_equal(lit(&map_xxh3, &t_str, "42", &id), 0);
    assert_true(id != 0x2e4fe982b68910acULL);
}

/* ---- ranges ------------------------------------------------------------ */

struct range_vec {
    const char *text;
    uint64_t start, end;
    bool end_max;
};

static void test_parse_range_good(void **state)
{
    static const struct range_vec v[] = {
        {"-", 0, 0, true},
        {"", 0, 0, true},
        {"0-", 0, 0, true},
        {"-80", 0, 0x8000000000000000ULL, false},
        {"80-", 0x8000000000000000ULL, 0, true},
        {"8-", 0x8000000000000000ULL, 0, true},
        {"80-c0", 0x8000000000000000ULL, 0xc000000000000000ULL, false},
        {"80-C0", 0x8000000000000000ULL, 0xc000000000000000ULL, false},
        {"ff-", 0xff00000000000000ULL, 0, true},
        {"0123456789abcdef-", 0x0123456789abcdefULL, 0, true},
        {"0123456789ABCDEF-", 0x0123456789abcdefULL, 0, true},
        {"-ffffffffffffffff", 0, 0xffffffffffffffffULL, false},
        {"fffffffffffffffe-ffffffffffffffff", 0xfffffffffffffffeULL, 0xffffffffffffffffULL, false},
        {"-0000000000000001", 0, 1, false},
        {"55-aa", 0x5500000000000000ULL, 0xaa00000000000000ULL, false},
    };
    char err[256];

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint64_t start = 99, end = 99;
        bool end_max = false;
        int rc = shardmap_parse_range(v[i].text, &start, &end, &end_max, err, sizeof(err));
        if (rc != 0)
            fail_msg("range \"%s\" refused: %s", v[i].text, err);
        assert_int_equal(start, v[i].start);
        assert_int_equal(end_max, v[i].end_max);
        if (!v[i].end_max)
            assert_int_equal(end, v[i].end);
    }
}

static void expect_range_error(const char *text, const char *part)
{
    char err[256] = "";
    uint64_t start, end;
    bool end_max;

    if (shardmap_parse_range(text, &start, &end, &end_max, err, sizeof(err)) != -1)
        fail_msg("range \"%s\" accepted", text);
    if (strstr(err, part) == NULL)
        fail_msg("range \"%s\": error \"%s\" lacks \"%s\"", text, err, part);
}

static void test_parse_range_bad(void **state)
{
    expect_range_error("g0-", "invalid character 'g'");
    expect_range_error("-8g", "invalid character 'g'");
    expect_range_error("80-40", "start 0x8000000000000000 is not below its end 0x4000000000000000");
    expect_range_error("80-80", "is empty");
    expect_range_error("8-80", "is empty");
    expect_range_error("-0", "is empty");
    expect_range_error("01234567890abcdef-", "17 hex digits");
    expect_range_error("-01234567890abcdef", "17 hex digits");
    expect_range_error("80", "no '-'");
    expect_range_error("-80-", "more than one '-'");
    expect_range_error(" -80", "invalid character ' '");
    expect_range_error("0x80-", "invalid character 'x'");
}

/* ---- addresses --------------------------------------------------------- */

static void test_parse_addr(void **state)
{
    struct shardmap_addr a;
    char err[256];

    assert_int_equal(shardmap_parse_addr("127.0.0.1:3306", &a, err, sizeof(err)), 0);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 3306);
    assert_int_equal(shardmap_parse_addr("[::1]:3307", &a, err, sizeof(err)), 0);
    assert_string_equal(a.host, "::1");
    assert_int_equal(a.port, 3307);
    assert_int_equal(shardmap_parse_addr("[fe80::1%eth0]:1", &a, err, sizeof(err)), 0);
    assert_string_equal(a.host, "fe80::1%eth0");
    assert_int_equal(shardmap_parse_addr("db-1.example.com:65535", &a, err, sizeof(err)), 0);
    assert_int_equal(a.port, 65535);

    static const struct {
        const char *text, *part;
    } bad[] = {
        {"127.0.0.1", "has no port"},
        {"127.0.0.1:", "invalid port"},
        {"127.0.0.1:0", "invalid port \"0\""},
        {"127.0.0.1:65536", "invalid port \"65536\""},
        {"127.0.0.1:33a", "invalid port"},
        {"127.0.0.1:-1", "invalid port"},
        {":3306", "empty host"},
        {"::1:3306", "without brackets"},
        {"[::1]3306", "no port after ']'"},
        {"[::1:3306", "no closing ']'"},
        {"db host:3306", "invalid character ' '"},
        {"", "empty address"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (shardmap_parse_addr(bad[i].text, &a, err, sizeof(err)) != -1)
            fail_msg("address \"%s\" accepted", bad[i].text);
        if (strstr(err, bad[i].part) == NULL)
            fail_msg("address \"%s\": error \"%s\" lacks \"%s\"", bad[i].text, err, bad[i].part);
    }
}

/* ---- loading: the good map --------------------------------------------- */

/* Line numbers matter: validation tests below refer to them. */
static const char good_map[] =
    "version = 7;\n"                                              /* 1 */
    "hash = \"xxh3\";\n"                                          /* 2 */
    "keyspaces = (\n"                                             /* 3 */
    "  { name = \"app\"; sharded = true;\n"                       /* 4 */
    "    tables = ( { name = \"users\"; key = \"id\"; },\n"       /* 5 */
    "               { name = \"orders\"; key = \"user_id\"; },\n" /* 6 */
    "               { name = \"sessions\"; key = \"token\"; key_type = \"string\"; key_ci = "
    "true; } );\n"                                /* 7 */
    "    reference_tables = ( \"countries\" );\n" /* 8 */
    "    shards = (\n"                            /* 9 */
    "      { range = \"80-\"; primary = \"127.0.0.1:3502\"; replicas = ( \"127.0.0.1:3503\" ); "
    "schema = \"app\"; },\n" /* 10 */
    "      { range = \"-80\"; primary = \"127.0.0.1:3500\"; replicas = ( \"127.0.0.1:3501\" ); "
    "schema = \"app\"; } ); },\n"             /* 11 */
    "  { name = \"main\"; sharded = false;\n" /* 12 */
    "    shards = ( { primary = \"[::1]:3500\"; replicas = [ \"127.0.0.1:3501\" ]; schema = "
    "\"main\"; } ); }\n" /* 13 */
    ");\n";              /* 14 */

static struct shardmap *load_ok(const char *text)
{
    char err[1024] = "";
    struct shardmap *map = shardmap_load_string(text, "t.conf", err, sizeof(err));

    if (map == NULL)
        fail_msg("map refused: %s", err);
    return map;
}

static void test_load_good(void **state)
{
    struct shardmap *map = load_ok(good_map);
    const struct shardmap_keyspace *app, *mainks;
    const struct shardmap_table *t;

    assert_int_equal(map->version, 7);
    assert_int_equal(map->hash, SHARDMAP_HASH_XXH3);
    assert_int_equal(map->refcount, 1);
    assert_string_equal(map->source, "t.conf");
    assert_int_equal(map->nkeyspaces, 2);
    app = shardmap_keyspace(map, "app");
    mainks = shardmap_keyspace(map, "main");
    assert_non_null(app);
    assert_non_null(mainks);
    assert_null(shardmap_keyspace(map, "App"));
    assert_null(shardmap_keyspace(NULL, "app"));
    assert_true(app->sharded);
    assert_false(mainks->sharded);
    assert_int_equal(app->ntables, 3);
    t = shardmap_table(app, "sessions");
    assert_non_null(t);
    assert_string_equal(t->key, "token");
    assert_int_equal(t->key_type, SHARDMAP_KEY_STRING);
    assert_true(t->key_ci);
    t = shardmap_table(app, "orders");
    assert_non_null(t);
    assert_string_equal(t->key, "user_id");
    assert_int_equal(t->key_type, SHARDMAP_KEY_INT);
    assert_false(t->key_ci);
    assert_null(shardmap_table(app, "countries"));
    assert_null(shardmap_table(app, "Users"));
    assert_true(shardmap_is_reference(app, "countries"));
    assert_false(shardmap_is_reference(app, "users"));
    assert_false(shardmap_is_reference(mainks, "countries"));
    /* shards come back sorted by start, whatever the file order */
    assert_int_equal(app->nshards, 2);
    assert_string_equal(app->shards[0].name, "app/-80");
    assert_string_equal(app->shards[0].range, "-80");
    assert_string_equal(app->shards[0].primary.host, "127.0.0.1");
    assert_int_equal(app->shards[0].primary.port, 3500);
    assert_int_equal(app->shards[0].nreplicas, 1);
    assert_int_equal(app->shards[0].replicas[0].port, 3501);
    assert_string_equal(app->shards[0].schema, "app");
    assert_string_equal(app->shards[1].name, "app/80-");
    assert_true(app->shards[1].end_max);
    assert_int_equal(mainks->nshards, 1);
    assert_string_equal(mainks->shards[0].name, "main/-");
    assert_string_equal(mainks->shards[0].range, "-");
    assert_string_equal(mainks->shards[0].primary.host, "::1");
    assert_true(mainks->shards[0].end_max);
    shardmap_put(map);
}

static void test_load_defaults(void **state)
{
    struct shardmap *map = load_ok("version = 1;\n"
                                   "keyspaces = ( { name = \"m\"; shards = ( { primary = "
                                   "\"h:1\"; schema = \"m\"; } ); } );\n");

    assert_int_equal(map->hash, SHARDMAP_HASH_XXH3);
    assert_false(map->keyspaces[0].sharded);
    assert_int_equal(map->keyspaces[0].shards[0].nreplicas, 0);
    assert_null(map->keyspaces[0].shards[0].replicas);
    shardmap_put(map);
    map = load_ok("version = 5000000000L; hash = \"xxh64\";\n"
                  "keyspaces = ( { name = \"m\"; sharded = false; shards = ( { range = \"-\"; "
                  "primary = \"h:1\"; schema = \"m\"; } ); } );\n");
    assert_int_equal(map->version, 5000000000ULL);
    assert_int_equal(map->hash, SHARDMAP_HASH_XXH64);
    shardmap_put(map);
}

/* Maps shipped in the repository must stay valid (run from the repo root;
 * skipped elsewhere). */
static void test_load_example_conf(void **state)
{
    char err[1024] = "";
    struct shardmap *map;

    if (access("conf/shardmap.conf", R_OK) != 0)
        skip();
    map = shardmap_load_file("conf/shardmap.conf", err, sizeof(err));
    if (map == NULL)
        fail_msg("conf/shardmap.conf: %s", err);
    assert_non_null(shardmap_keyspace(map, "app"));
    assert_non_null(shardmap_keyspace(map, "main"));
    shardmap_put(map);
}

static void test_load_file(void **state)
{
    char path[] = "/tmp/test_shardmap_XXXXXX";
    char err[1024] = "";
    struct shardmap *map;
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, good_map, sizeof(good_map) - 1), (ssize_t)(sizeof(good_map) - 1));
    close(fd);
    map = shardmap_load_file(path, err, sizeof(err));
    if (map == NULL)
        fail_msg("%s", err);
    assert_string_equal(map->source, path);
    shardmap_put(map);
    unlink(path);

    map = shardmap_load_file(path, err, sizeof(err));
    assert_null(map);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "cannot open the shard map: No such file or directory"));
}

/* ---- validation errors ------------------------------------------------- */

/* Load text (as "t.conf") and require failure with every part in err. */
static void expect_error(const char *text, ...)
{
    char err[1024] = "";
    struct shardmap *map = shardmap_load_string(text, "t.conf", err, sizeof(err));
    va_list ap;
    const char *part;

    if (map != NULL) {
        shardmap_put(map);
        fail_msg("map accepted:\n%s", text);
    }
    va_start(ap, text);
    while ((part = va_arg(ap, const char *)) != NULL) {
        if (strstr(err, part) == NULL) {
            va_end(ap);
            fail_msg("error \"%s\" lacks \"%s\"", err, part);
        }
    }
    va_end(ap);
}

/* A one-keyspace sharded map whose shards list is lines 5.. */
#define SHARDED_HEAD                                                                               \
    "version = 1;\n"                                                                               \
    "keyspaces = (\n"                                                                              \
    "  { name = \"app\"; sharded = true; tables = ( { name = \"users\"; key = \"id\"; } );\n"      \
    "    shards = (\n"
#define SHARDED_TAIL "    ); }\n);\n"
#define SHARD(range, port)                                                                         \
    "      { range = \"" range "\"; primary = \"h:" port "\"; schema = \"a\"; }"

static void test_err_syntax(void **state)
{
    expect_error("version = 1;\nhash = ;\n", "t.conf:2: syntax error", NULL);
    expect_error("version = 1;\nversion = 2;\n", "t.conf:2: duplicate setting name", NULL);
}

static void test_err_version(void **state)
{
    expect_error("hash = \"xxh3\";\n", "t.conf: no \"version\" setting", "version = 1", NULL);
    expect_error("\nversion = \"7\";\n", "t.conf:2: version must be an integer", "not a string",
                 NULL);
    expect_error("version = 7.0;\n", "t.conf:1: version must be an integer", NULL);
    expect_error("version = 0;\n", "t.conf:1: version is 0; it must be an integer >= 1", NULL);
    expect_error("version = -3;\n", "t.conf:1: version is -3", NULL);
}

static void test_err_hash(void **state)
{
    expect_error("version = 1;\nhash = \"md5\";\n", "t.conf:2: unknown hash \"md5\"",
                 "\"xxh3\" (the default) or \"xxh64\"", NULL);
    expect_error("version = 1;\nhash = 3;\n", "t.conf:2: shard map: \"hash\" must be a string",
                 NULL);
}

static void test_err_keyspaces(void **state)
{
    expect_error("version = 1;\n", "t.conf: no \"keyspaces\" list", NULL);
    expect_error("version = 1;\nkeyspaces = ( );\n", "t.conf:2: keyspaces is empty", NULL);
    expect_error("version = 1;\nkeyspaces = { a = 1; };\n", "t.conf:2: keyspaces must be a list",
                 "not a group", NULL);
    expect_error("version = 1;\nkeyspaces = ( 5 );\n", "t.conf:2: each entry of \"keyspaces\"",
                 NULL);
    expect_error("version = 1;\nkeyspaces = ( { sharded = false; } );\n",
                 "t.conf:2: keyspace: no \"name\"", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"a.b\"; } );\n",
                 "t.conf:2: keyspace: name \"a.b\" contains '/', '.'", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"m\"; } );\n",
                 "t.conf:2: keyspace \"m\" has no shards", NULL);
}

static void test_err_duplicate_keyspace(void **state)
{
    expect_error("version = 1;\nkeyspaces = (\n"
                 "  { name = \"m\"; shards = ( { primary = \"h:1\"; schema = \"m\"; } ); },\n"
                 "  { name = \"m\"; shards = ( { primary = \"h:1\"; schema = \"m\"; } ); } );\n",
                 "t.conf:4: keyspace \"m\" is defined twice (first at line 3)", NULL);
}

static void test_err_duplicate_table(void **state)
{
    expect_error("version = 1;\nkeyspaces = (\n"
                 "  { name = \"app\"; sharded = true;\n"
                 "    tables = ( { name = \"users\"; key = \"id\"; },\n"
                 "               { name = \"users\"; key = \"uid\"; } );\n"
                 "    shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:5: keyspace \"app\": table \"users\" is listed twice", "(first at line 4)",
                 NULL);
    expect_error("version = 1;\nkeyspaces = (\n"
                 "  { name = \"app\"; sharded = true;\n"
                 "    tables = ( { name = \"users\"; key = \"id\"; } );\n"
                 "    reference_tables = ( \"countries\",\n"
                 "                         \"users\" );\n"
                 "    shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:6: keyspace \"app\": table \"users\" is both a sharded table and a "
                 "reference table",
                 NULL);
    expect_error("version = 1;\nkeyspaces = (\n"
                 "  { name = \"app\"; sharded = true;\n"
                 "    tables = ( { name = \"users\"; key = \"id\"; } );\n"
                 "    reference_tables = ( \"countries\",\n"
                 "                         \"countries\" );\n"
                 "    shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:6: keyspace \"app\": reference table \"countries\" is listed twice "
                 "(first at line 5)",
                 NULL);
}

static void test_err_table(void **state)
{
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = true;\n"
                 "  tables = ( { name = \"users\"; } );\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:3: keyspace \"app\", table \"users\": no \"key\"", "add key = \"COLUMN\"",
                 NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = true;\n"
                 "  tables = ( { name = \"users\"; key = \"id\";\n"
                 "               key_type = \"integer\"; } );\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:4: keyspace \"app\", table \"users\": unknown key_type \"integer\"",
                 "use \"int\"", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = true;\n"
                 "  tables = ( { name = \"users\"; key = \"id\"; key_ci = true; } );\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:3: keyspace \"app\", table \"users\": key_ci applies only to string keys",
                 NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = true;\n"
                 "  tables = ( { name = \"users\"; key = 5; } );\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:3: keyspace \"app\", table \"users\": \"key\" must be a string", NULL);
}

static void test_err_range(void **state)
{
    expect_error(SHARDED_HEAD SHARD("g0-", "1") SHARDED_TAIL,
                 "t.conf:5: keyspace \"app\", shard 1: range \"g0-\" has an invalid character 'g'",
                 NULL);
    expect_error(SHARDED_HEAD SHARD("-80", "1") ",\n" SHARD("c0-80", "2") SHARDED_TAIL,
                 "t.conf:6: keyspace \"app\", shard 2: range \"c0-80\" is empty", NULL);
    expect_error(SHARDED_HEAD "      { primary = \"h:1\"; schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:5: keyspace \"app\", shard 1: no \"range\"", NULL);
}

static void test_err_gap(void **state)
{
    expect_error(SHARDED_HEAD SHARD("-80", "1") ",\n" SHARD("c0-", "2") SHARDED_TAIL,
                 "t.conf:6: keyspace \"app\": shards leave a gap from 0x8000000000000000 to "
                 "0xc000000000000000 between app/-80 (line 5) and app/c0- (line 6); add a shard "
                 "for range 80-c0",
                 NULL);
    expect_error(SHARDED_HEAD SHARD("40-", "1") SHARDED_TAIL,
                 "t.conf:5: keyspace \"app\": shards leave a gap from 0x0000000000000000 to "
                 "0x4000000000000000 before app/40- (line 5); add a shard for range -40",
                 NULL);
    expect_error(SHARDED_HEAD SHARD("-40", "1") ",\n" SHARD("40-c0", "2") SHARDED_TAIL,
                 "t.conf:6: keyspace \"app\": shards leave a gap from 0xc000000000000000 to the "
                 "end of the id space after app/40-c0 (line 6); add a shard for range c0-",
                 NULL);
    expect_error(SHARDED_HEAD SHARD("-ffffffffffffffff", "1") SHARDED_TAIL,
                 "gap from 0xffffffffffffffff to the end of the id space",
                 "add a shard for range ffffffffffffffff-", NULL);
}

static void test_err_overlap(void **state)
{
    expect_error(SHARDED_HEAD SHARD("40-", "1") ",\n" SHARD("-80", "2") SHARDED_TAIL,
                 "t.conf:5: keyspace \"app\": shards app/-80 (line 6) and app/40- (line 5) "
                 "overlap from 0x4000000000000000 to 0x8000000000000000",
                 "make each range start where the previous one ends", NULL);
    expect_error(SHARDED_HEAD SHARD("-", "1") ",\n" SHARD("80-", "2") SHARDED_TAIL,
                 "t.conf:6: keyspace \"app\": shards app/- (line 5) and app/80- (line 6) overlap "
                 "from 0x8000000000000000 to the end of the id space",
                 NULL);
    expect_error(SHARDED_HEAD SHARD("-80", "1") ",\n" SHARD("-80", "2") SHARDED_TAIL,
                 "t.conf:6: keyspace \"app\": shards app/-80 (line 5) and app/-80 (line 6) "
                 "overlap from 0x0000000000000000 to 0x8000000000000000",
                 NULL);
}

static void test_err_address(void **state)
{
    expect_error(SHARDED_HEAD
                 "      { range = \"-\"; primary = \"127.0.0.1\"; schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:5: shard app/-: bad primary address: address \"127.0.0.1\" has no port",
                 NULL);
    expect_error(SHARDED_HEAD
                 "      { range = \"-\"; primary = \"h:1\";\n"
                 "        replicas = ( \"h:2\", \"h:99999\" ); schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:6: shard app/-: bad replica address: address \"h:99999\" has an invalid "
                 "port",
                 NULL);
    expect_error(SHARDED_HEAD "      { range = \"-\"; schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:5: shard app/-: no \"primary\"", NULL);
    expect_error(SHARDED_HEAD "      { range = \"-\"; primary = \"h:1\"; replicas = \"h:2\"; "
                              "schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:5: shard app/-: \"replicas\" must be a list", NULL);
    expect_error(SHARDED_HEAD "      { range = \"-\"; primary = \"h:1\"; replicas = ( \"h:1\" ); "
                              "schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:5: shard app/-: replica h:1 is also the primary", NULL);
}

static void test_err_schema(void **state)
{
    expect_error(SHARDED_HEAD "      { range = \"-\"; primary = \"h:1\"; }" SHARDED_TAIL,
                 "t.conf:5: shard app/-: no \"schema\"", "add schema = \"DATABASE\"", NULL);
    expect_error(SHARDED_HEAD
                 "      { range = \"-\"; primary = \"h:1\"; schema = \"a/b\"; }" SHARDED_TAIL,
                 "t.conf:5: shard app/-: schema \"a/b\" contains '/'", NULL);
    expect_error(SHARDED_HEAD
                 "      { range = \"-\"; primary = \"h:1\"; schema = \"\"; }" SHARDED_TAIL,
                 "t.conf:5: shard app/-: schema \"\" is empty", NULL);
    expect_error(SHARDED_HEAD "      { range = \"-\"; primary = \"h:1\"; schema = "
                              "\"0123456789012345678901234567890123456789012345678901234567890123"
                              "4\"; }" SHARDED_TAIL,
                 "t.conf:5:", "is longer than 64 characters", NULL);
}

static void test_err_unsharded(void **state)
{
    expect_error("version = 1;\nkeyspaces = ( { name = \"m\"; sharded = false;\n"
                 "  shards = ( { primary = \"h:1\"; schema = \"m\"; },\n"
                 "             { primary = \"h:2\"; schema = \"m\"; } ); } );\n",
                 "t.conf:4: keyspace \"m\" is unsharded but has 2 shards", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"m\";\n"
                 "  tables = ( { name = \"users\"; key = \"id\"; } );\n"
                 "  shards = ( { primary = \"h:1\"; schema = \"m\"; } ); } );\n",
                 "t.conf:3: keyspace \"m\" is unsharded, so \"tables\" is not allowed",
                 "set sharded = true", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"m\";\n"
                 "  reference_tables = ( \"c\" );\n"
                 "  shards = ( { primary = \"h:1\"; schema = \"m\"; } ); } );\n",
                 "t.conf:3: keyspace \"m\" is unsharded, so \"reference_tables\" is not allowed",
                 NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"m\";\n"
                 "  shards = ( { range = \"-80\"; primary = \"h:1\"; schema = \"m\"; } ); } );\n",
                 "t.conf:3: keyspace \"m\", shard 1: keyspace \"m\" is unsharded",
                 "remove range = \"-80\"", NULL);
}

static void round_trip(const char *text);

/* cross_shard_transactions: sharded keyspaces only, two values, default refuse. */
static void test_cross_shard_transactions(void **state)
{
    static const char *const head = "version = 1;\nkeyspaces = ( { name = \"a\"; sharded = true;\n"
                                    "  tables = ( { name = \"t\"; key = \"id\"; } );\n";
    static const char *const tail = "  shards = ( { range = \"-80\"; primary = \"h:1\"; schema = "
                                    "\"s\"; },\n { range = \"80-\"; primary = \"h:2\"; schema = "
                                    "\"s\"; } ); } );\n";
    char text[1024];
    snprintf(text, sizeof(text), "%s%s", head, tail);
    struct shardmap *map = load_ok(text);
    assert_int_equal(map->keyspaces[0].cross_shard, SHARDMAP_XSHARD_REFUSE);
    shardmap_put(map);
    snprintf(text, sizeof(text), "%s  cross_shard_transactions = \"best_effort\";\n%s", head, tail);
    map = load_ok(text);
    assert_int_equal(map->keyspaces[0].cross_shard, SHARDMAP_XSHARD_BEST_EFFORT);
    shardmap_put(map);
    round_trip(text);
    snprintf(text, sizeof(text), "%s  cross_shard_transactions = \"twopc\";\n%s", head, tail);
    map = load_ok(text);
    assert_int_equal(map->keyspaces[0].cross_shard, SHARDMAP_XSHARD_TWOPC);
    shardmap_put(map);
    round_trip(text);
    snprintf(text, sizeof(text), "%s  cross_shard_transactions = \"xa\";\n%s", head, tail);
    expect_error(text,
                 "t.conf:4: keyspace \"a\": cross_shard_transactions = \"xa\" is not "
                 "supported",
                 "\"best_effort\" or \"twopc\"", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"m\";\n"
                 "  cross_shard_transactions = \"best_effort\";\n"
                 "  shards = ( { primary = \"h:1\"; schema = \"m\"; } ); } );\n",
                 "t.conf:3: keyspace \"m\" is unsharded, so \"cross_shard_transactions\" is not "
                 "allowed",
                 NULL);
}

/* Replicas: strings (weight 1) or { address; weight } groups. */
static void test_replica_weights(void **state)
{
    static const char *const fmt =
        "version = 1;\nkeyspaces = ( { name = \"m\"; shards = ( { primary = \"h:1\";\n"
        "  replicas = ( %s ); schema = \"m\"; } ); } );\n";
    char text[1024];
    snprintf(text, sizeof(text), fmt, "{ address = \"h:2\"; weight = 3; }, \"h:3\"");
    struct shardmap *map = load_ok(text);
    const struct shardmap_shard *sh = &map->keyspaces[0].shards[0];
    assert_int_equal(sh->nreplicas, 2);
    assert_int_equal(sh->replicas[0].weight, 3);
    assert_int_equal(sh->replicas[0].port, 2);
    assert_int_equal(sh->replicas[1].weight, 1);
    assert_true(map->has_replicas);
    shardmap_put(map);
    round_trip(text);
    snprintf(text, sizeof(text), fmt, "{ address = \"h:2\"; weight = 0; }");
    expect_error(text, "t.conf:3: shard m/-: replica h:2: weight must be an integer from 1 to 1000",
                 NULL);
    snprintf(text, sizeof(text), fmt, "{ weight = 2; }");
    expect_error(text, "t.conf:3: shard m/-: a replica group needs address", NULL);
    snprintf(text, sizeof(text), fmt, "{ address = \"h:2\"; wieght = 2; }");
    expect_error(text, "unknown setting \"wieght\" in a replica", NULL);
    /* a weight change is a change of the shard's replicas */
    char a[1024], b[1024];
    snprintf(a, sizeof(a), fmt, "{ address = \"h:2\"; weight = 3; }");
    snprintf(b, sizeof(b), fmt, "\"h:2\"");
    struct shardmap *ma = load_ok(a), *mb = load_ok(b);
    assert_int_equal(shardmap_diff(ma, mb, NULL, NULL), 1);
    shardmap_put(ma);
    shardmap_put(mb);
}

/* sequence: "keyspace.table" of an unsharded keyspace, integer keys only. */
static void test_sequence(void **state)
{
    static const char *const fmt =
        "version = 1;\nkeyspaces = ( { name = \"m\"; shards = ( { primary = \"h:1\"; schema = "
        "\"m\"; } ); },\n  { name = \"a\"; sharded = true;\n"
        "  tables = ( { name = \"t\"; key = \"id\";%s sequence = \"%s\"; } );\n"
        "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"s\"; } ); } );\n";
    char text[1024];
    snprintf(text, sizeof(text), fmt, "", "m.t_seq");
    struct shardmap *map = load_ok(text);
    const struct shardmap_table *t = &map->keyspaces[1].tables[0];
    assert_string_equal(t->seq_keyspace, "m");
    assert_string_equal(t->seq_table, "t_seq");
    shardmap_put(map);
    round_trip(text);
    snprintf(text, sizeof(text), fmt, "", "t_seq");
    expect_error(text, "t.conf:4: keyspace \"a\", table \"t\": sequence = \"t_seq\" must name",
                 "KEYSPACE.TABLE", NULL);
    snprintf(text, sizeof(text), fmt, " key_type = \"string\";", "m.t_seq");
    expect_error(text, "a sequence gives integer keys", NULL);
    snprintf(text, sizeof(text), fmt, "", "nosuch.t_seq");
    expect_error(text, "sequence \"nosuch.t_seq\" names no keyspace of the map", NULL);
    snprintf(text, sizeof(text), fmt, "", "a.t_seq");
    expect_error(text, "sequence \"a.t_seq\" names a sharded keyspace", NULL);
}

static void test_err_sharded_without_tables(void **state)
{
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = true;\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:2: keyspace \"app\" is sharded but has no \"tables\"", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = true;\n"
                 "  tables = ( );\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:3: keyspace \"app\" is sharded but has no \"tables\"", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = \"yes\";\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:2: keyspace \"app\": \"sharded\" must be true or false", NULL);
}

static void test_err_unknown_setting(void **state)
{
    expect_error(SHARDED_HEAD "      { range = \"-\"; primary = \"h:1\";\n"
                              "        replica = ( \"h:2\" ); schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:6: unknown setting \"replica\" in shard app/-; did you mean "
                 "\"replicas\"?",
                 NULL);
    expect_error("version = 1;\nkeyspace = ( );\n",
                 "t.conf:2: unknown setting \"keyspace\" in the shard map; did you mean "
                 "\"keyspaces\"?",
                 NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"m\";\n  shard = ( ); } );\n",
                 "t.conf:3: unknown setting \"shard\" in keyspace \"m\"", NULL);
    expect_error("version = 1;\nkeyspaces = ( { name = \"app\"; sharded = true;\n"
                 "  tables = ( { name = \"users\"; key = \"id\"; colour = \"blue\"; } );\n"
                 "  shards = ( { range = \"-\"; primary = \"h:1\"; schema = \"a\"; } ); } );\n",
                 "t.conf:3: unknown setting \"colour\" in keyspace \"app\", table \"users\"; "
                 "allowed settings are: name, key, key_type, key_ci",
                 NULL);
    /* a misspelled required setting is reported as such, not as missing */
    expect_error(SHARDED_HEAD
                 "      { rnage = \"-\"; primary = \"h:1\"; schema = \"a\"; }" SHARDED_TAIL,
                 "t.conf:5: unknown setting \"rnage\" in keyspace \"app\", shard 1; did you "
                 "mean \"range\"?",
                 NULL);
    expect_error("version = 1;\nkeyspaces = ( { nmae = \"m\"; } );\n",
                 "t.conf:2: unknown setting \"nmae\" in keyspace; did you mean \"name\"?", NULL);
}

/* ---- lookup ------------------------------------------------------------ */

static struct shardmap *load_shards(const char *shards)
{
    char text[2048];

    snprintf(text, sizeof(text), SHARDED_HEAD "%s" SHARDED_TAIL, shards);
    return load_ok(text);
}

static const char *owner(const struct shardmap *map, uint64_t ksid)
{
    const struct shardmap_shard *sh = shardmap_lookup(&map->keyspaces[0], ksid);
    return sh ? sh->range : "(none)";
}

static void test_lookup_2_shards(void **state)
{
    struct shardmap *map = load_shards(SHARD("80-", "2") ",\n" SHARD("-80", "1"));

    assert_string_equal(owner(map, 0), "-80");
    assert_string_equal(owner(map, 0x7fffffffffffffffULL), "-80");
    assert_string_equal(owner(map, 0x8000000000000000ULL), "80-");
    assert_string_equal(owner(map, UINT64_MAX), "80-");
    /* 42 hashes (XXH3) to 0x2e4f..., -1 to 0x5111..., INT64_MAX to 0xf832... */
    assert_string_equal(owner(map, shardmap_ksid_int(map, 42)), "-80");
    assert_string_equal(owner(map, shardmap_ksid_int(map, INT64_MAX)), "80-");
    shardmap_put(map);
}

static void test_lookup_3_shards(void **state)
{
    struct shardmap *map =
        load_shards(SHARD("-55", "1") ",\n" SHARD("aa-", "3") ",\n" SHARD("55-aa", "2"));

    assert_string_equal(owner(map, 0), "-55");
    assert_string_equal(owner(map, 0x54ffffffffffffffULL), "-55");
    assert_string_equal(owner(map, 0x5500000000000000ULL), "55-aa");
    assert_string_equal(owner(map, 0x7fffffffffffffffULL), "55-aa");
    assert_string_equal(owner(map, 0x8000000000000000ULL), "55-aa");
    assert_string_equal(owner(map, 0xa9ffffffffffffffULL), "55-aa");
    assert_string_equal(owner(map, 0xaa00000000000000ULL), "aa-");
    assert_string_equal(owner(map, UINT64_MAX), "aa-");
    shardmap_put(map);
}

static void test_lookup_4_shards(void **state)
{
    struct shardmap *map = load_shards(SHARD("c0-", "4") ",\n" SHARD("40-80", "2") ",\n" SHARD(
        "-40", "1") ",\n" SHARD("80-c0", "3"));

    assert_string_equal(owner(map, 0), "-40");
    assert_string_equal(owner(map, 0x3fffffffffffffffULL), "-40");
    assert_string_equal(owner(map, 0x4000000000000000ULL), "40-80");
    assert_string_equal(owner(map, 0x7fffffffffffffffULL), "40-80");
    assert_string_equal(owner(map, 0x8000000000000000ULL), "80-c0");
    assert_string_equal(owner(map, 0xbfffffffffffffffULL), "80-c0");
    assert_string_equal(owner(map, 0xc000000000000000ULL), "c0-");
    assert_string_equal(owner(map, UINT64_MAX), "c0-");
    assert_string_equal(map->keyspaces[0].shards[3].name, "app/c0-");
    shardmap_put(map);
}

static void test_lookup_fine_ranges(void **state)
{
    struct shardmap *map = load_shards(SHARD("-0000000000000001", "1") ",\n" SHARD(
        "0000000000000001-ffffffffffffffff", "2") ",\n" SHARD("ffffffffffffffff-", "3"));

    assert_string_equal(owner(map, 0), "-0000000000000001");
    assert_string_equal(owner(map, 1), "0000000000000001-ffffffffffffffff");
    assert_string_equal(owner(map, UINT64_MAX - 1), "0000000000000001-ffffffffffffffff");
    assert_string_equal(owner(map, UINT64_MAX), "ffffffffffffffff-");
    shardmap_put(map);
}

static void test_lookup_unsharded(void **state)
{
    struct shardmap *map = load_ok(good_map);
    const struct shardmap_keyspace *ks = shardmap_keyspace(map, "main");

    assert_string_equal(shardmap_lookup(ks, 0)->name, "main/-");
    assert_string_equal(shardmap_lookup(ks, UINT64_MAX)->name, "main/-");
    assert_null(shardmap_lookup(NULL, 0));
    shardmap_put(map);
}

/* ---- reference counting ------------------------------------------------ */

static void test_refcount(void **state)
{
    struct shardmap *map = load_ok(good_map);

    assert_int_equal(map->refcount, 1);
    assert_ptr_equal(shardmap_get(map), map);
    assert_int_equal(map->refcount, 2);
    shardmap_put(map);
    assert_int_equal(map->refcount, 1);
    assert_null(shardmap_get(NULL));
    shardmap_put(NULL);
    shardmap_put(map); /* freed here: ASan/LSan would report a leak otherwise */
}

static void *refcount_worker(void *arg)
{
    struct shardmap *map = arg;

    for (int i = 0; i < 100000; i++) {
        struct shardmap *m = shardmap_get(map);
        if (shardmap_lookup(&m->keyspaces[0], (uint64_t)i) == NULL)
            abort();
        shardmap_put(m);
    }
    return NULL;
}

static void test_refcount_threads(void **state)
{
    struct shardmap *map = load_ok(good_map);
    pthread_t th[4];

    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, refcount_worker, map), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(map->refcount, 1);
    shardmap_put(map);
}

/* ---- round trip -------------------------------------------------------- */

static void assert_addr_equal(const struct shardmap_addr *a, const struct shardmap_addr *b)
{
    assert_string_equal(a->host, b->host);
    assert_int_equal(a->port, b->port);
}

static void assert_shard_equal(const struct shardmap_shard *a, const struct shardmap_shard *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->range, b->range);
    assert_int_equal(a->start, b->start);
    assert_int_equal(a->end_max, b->end_max);
    if (!a->end_max)
        assert_int_equal(a->end, b->end);
    assert_addr_equal(&a->primary, &b->primary);
    assert_int_equal(a->nreplicas, b->nreplicas);
    for (int r = 0; r < a->nreplicas; r++)
        assert_addr_equal(&a->replicas[r], &b->replicas[r]);
    assert_string_equal(a->schema, b->schema);
}

static void assert_map_equal(const struct shardmap *a, const struct shardmap *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->hash, b->hash);
    assert_int_equal(a->nkeyspaces, b->nkeyspaces);
    for (int k = 0; k < a->nkeyspaces; k++) {
        const struct shardmap_keyspace *x = &a->keyspaces[k], *y = &b->keyspaces[k];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->sharded, y->sharded);
        assert_int_equal(x->ntables, y->ntables);
        for (int t = 0; t < x->ntables; t++) {
            assert_string_equal(x->tables[t].name, y->tables[t].name);
            assert_string_equal(x->tables[t].key, y->tables[t].key);
            assert_int_equal(x->tables[t].key_type, y->tables[t].key_type);
            assert_int_equal(x->tables[t].key_ci, y->tables[t].key_ci);
        }
        assert_int_equal(x->nreference_tables, y->nreference_tables);
        for (int r = 0; r < x->nreference_tables; r++)
            assert_string_equal(x->reference_tables[r], y->reference_tables[r]);
        assert_int_equal(x->nshards, y->nshards);
        for (int s = 0; s < x->nshards; s++)
            assert_shard_equal(&x->shards[s], &y->shards[s]);
    }
}

static void round_trip(const char *text)
{
    struct shardmap *a = load_ok(text), *b;
    char *s1 = shardmap_to_string(a), *s2;
    char err[1024] = "";

    assert_non_null(s1);
    b = shardmap_load_string(s1, "round-trip", err, sizeof(err));
    if (b == NULL)
        fail_msg("to_string output refused: %s\n%s", err, s1);
    assert_map_equal(a, b);
    s2 = shardmap_to_string(b);
    assert_non_null(s2);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
    shardmap_put(a);
    shardmap_put(b);
}

static void test_round_trip(void **state)
{
    round_trip(good_map);
    /* xxh64, a version above 2^31, a name needing escapes, no replicas,
     * IPv6 addresses, uppercase range digits */
    round_trip("version = 5000000000L;\nhash = \"xxh64\";\n"
               "keyspaces = ( { name = \"k\\\"q\"; sharded = true;\n"
               "  tables = ( { name = \"t x\xc3\xa4\"; key = \"c\"; key_type = \"string\"; } );\n"
               "  shards = ( { range = \"-8A\"; primary = \"[::1]:1\"; schema = \"s\"; },\n"
               "             { range = \"8A-\"; primary = \"[fe80::2%eth0]:65535\"; "
               "replicas = ( \"[::1]:2\", \"db.example.com:3\" ); schema = \"s\"; } ); } );\n");
}

/* ---- formatting ranges and addresses ----------------------------------- */

static void test_format_range(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"-80", "-80"},
        {"80-", "80-"},
        {"40-80", "40-80"},
        {"8-c", "80-c0"},
        {"-", "-"},
        {"", "-"},
        {"0123456789abcdef-", "0123456789abcdef-"},
        {"0800-4800", "08-48"},
        {"-0000000000000001", "-0000000000000001"},
        {"ffffffffffffffff-", "ffffffffffffffff-"},
        {"1234-", "1234-"},
    };
    char buf[SHARDMAP_RANGE_MAX], err[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t start, end, start2, end2;
        bool max, max2;
        assert_int_equal(shardmap_parse_range(cases[i].in, &start, &end, &max, err, sizeof(err)),
                         0);
        shardmap_format_range(start, end, max, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].out);
        /* and it reads back to the same bounds */
        assert_int_equal(shardmap_parse_range(buf, &start2, &end2, &max2, err, sizeof(err)), 0);
        assert_int_equal(start2, start);
        assert_int_equal(max2, max);
        if (!max)
            assert_int_equal(end2, end);
    }
    shardmap_format_range(0, 0, true, buf, 3);
    assert_string_equal(buf, "-");
    assert_string_equal(shardmap_hash_name(SHARDMAP_HASH_XXH3), "xxh3");
    assert_string_equal(shardmap_hash_name(SHARDMAP_HASH_XXH64), "xxh64");
}

static void test_format_addr(void **state)
{
    struct shardmap_addr a;
    char buf[SHARDMAP_ADDR_MAX], err[256];

    assert_int_equal(shardmap_parse_addr("127.0.0.1:3306", &a, err, sizeof(err)), 0);
    shardmap_format_addr(&a, buf, sizeof(buf));
    assert_string_equal(buf, "127.0.0.1:3306");
    assert_int_equal(shardmap_parse_addr("[fe80::1%eth0]:1", &a, err, sizeof(err)), 0);
    shardmap_format_addr(&a, buf, sizeof(buf));
    assert_string_equal(buf, "[fe80::1%eth0]:1");
    memset(a.host, 'h', sizeof(a.host) - 1);
    a.host[sizeof(a.host) - 1] = '\0';
    a.port = 65535;
    shardmap_format_addr(&a, buf, sizeof(buf));
    assert_int_equal(strlen(buf), sizeof(a.host) - 1 + 6);
}

/* ---- catalog DSN ------------------------------------------------------- */

static void dsn_ok(const char *text, const char *user, const char *password, const char *host,
                   int port, const char *schema)
{
    struct catalog_dsn dsn;
    char err[512] = "";

    if (catalog_parse_dsn(text, &dsn, err, sizeof(err)) != 0)
        fail_msg("DSN \"%s\" refused: %s", text, err);
    assert_string_equal(dsn.user, user);
    assert_string_equal(dsn.password, password);
    assert_string_equal(dsn.host, host);
    assert_int_equal(dsn.port, port);
    assert_string_equal(dsn.schema, schema);
}

static void test_dsn_good(void **state)
{
    struct catalog_dsn dsn;
    char desc[600];

    dsn_ok("mysql://admin:adminpw@127.0.0.1:3500/shardcat", "admin", "adminpw", "127.0.0.1", 3500,
           "shardcat");
    dsn_ok("mysql://admin@db.example.com/shardcat", "admin", "", "db.example.com", 3306,
           "shardcat");
    dsn_ok("mariadb://u:@h/s", "u", "", "h", 3306, "s");
    dsn_ok("mysql://u:p@[::1]:3307/s", "u", "p", "::1", 3307, "s");
    dsn_ok("mysql://u:p@[::1]/s", "u", "p", "::1", 3306, "s");
    /* %XX escapes: '@', ':', '/', '%' and UTF-8 in user and password */
    dsn_ok("mysql://us%40r%3a1:p%40ss%2Fw%3A%25rd%C3%A9@h:1/s", "us@r:1", "p@ss/w:%rd\xc3\xa9", "h",
           1, "s");
    /* the last '@' before the schema ends the password */
    dsn_ok("mysql://u:p@ss@h:2/s", "u", "p@ss", "h", 2, "s");
    dsn_ok("mysql://u:p@h:65535/shard%20cat", "u", "p", "h", 65535, "shard cat");
    dsn_ok("mysql://u:p@my-db_1.local:3306/shardcat", "u", "p", "my-db_1.local", 3306, "shardcat");

    assert_int_equal(catalog_parse_dsn("mysql://admin:secret@[::1]:3307/cat", &dsn, NULL, 0), 0);
    catalog_describe(&dsn, desc, sizeof(desc));
    assert_string_equal(desc, "admin@[::1]:3307/cat");
    assert_int_equal(catalog_parse_dsn("mysql://admin:secret@h/cat", &dsn, NULL, 0), 0);
    catalog_describe(&dsn, desc, sizeof(desc));
    assert_string_equal(desc, "admin@h:3306/cat");
}

/* Refused, with every part in the message and never the password. */
static void dsn_bad(const char *text, ...)
{
    struct catalog_dsn dsn;
    char err[512] = "";
    va_list ap;
    const char *part;

    if (catalog_parse_dsn(text, &dsn, err, sizeof(err)) == 0)
        fail_msg("DSN \"%s\" accepted", text);
    if (strstr(err, "s3cret") != NULL)
        fail_msg("message shows the password: %s", err);
    va_start(ap, text);
    while ((part = va_arg(ap, const char *)) != NULL) {
        if (strstr(err, part) == NULL) {
            va_end(ap);
            fail_msg("error for \"%s\" is \"%s\", lacks \"%s\"", text, err, part);
        }
    }
    va_end(ap);
}

static void test_dsn_bad(void **state)
{
    dsn_bad("", "empty catalog DSN", "mysql://user:password@host:3306/schema", NULL);
    dsn_bad(NULL, "empty catalog DSN", NULL);
    dsn_bad("http://u:s3cret@h/s", "does not start with mysql://", NULL);
    dsn_bad("u:s3cret@h:3306/s", "does not start with mysql://", NULL);
    dsn_bad("mysql://u:s3cret@h:3306", "no /schema", NULL);
    dsn_bad("mysql://u:s3cret@/s", "missing host", NULL);
    dsn_bad("mysql://u:s3cret@:3306/s", "missing host", NULL);
    dsn_bad("mysql://h:3306/s", "no user", NULL);
    dsn_bad("mysql://@h/s", "no user", NULL);
    dsn_bad("mysql://:s3cret@h/s", "empty user", NULL);
    dsn_bad("mysql://u:s3cret@h:/s", "invalid port \"\"", "1 to 65535", NULL);
    dsn_bad("mysql://u:s3cret@h:0/s", "invalid port \"0\"", NULL);
    dsn_bad("mysql://u:s3cret@h:65536/s", "invalid port \"65536\"", NULL);
    dsn_bad("mysql://u:s3cret@h:33o6/s", "invalid port \"33o6\"", NULL);
    dsn_bad("mysql://u:s3cret@h:-1/s", "invalid port", NULL);
    dsn_bad("mysql://u:s3cret@h:1:2/s", "invalid port", NULL);
    dsn_bad("mysql://u:s3cret@[::1/s", "no closing ']'", NULL);
    dsn_bad("mysql://u:s3cret@[::1]x/s", "expected ':PORT'", NULL);
    dsn_bad("mysql://u:s3cret@h!st/s", "invalid character", NULL);
    dsn_bad("mysql://u:s3cret@h/", "missing schema", NULL);
    dsn_bad("mysql://u:s3cret@h/a.b", "the schema \"a.b\"", NULL);
    dsn_bad("mysql://u:s3cret@h/a/b", "the schema", NULL);
    dsn_bad("mysql://u:s3cret@h/s?ssl=1", "options are not supported", NULL);
    dsn_bad("mysql://u:s3cret@h/s%0a", "control character", NULL);
    /* bad %-escapes, in the user, the password (not echoed) and the schema */
    dsn_bad("mysql://u%4:s3cret@h/s", "the user has a % not followed by two hex digits", "%25",
            NULL);
    dsn_bad("mysql://u:s3cret%zz@h/s", "the password has a % not followed by two hex digits", NULL);
    dsn_bad("mysql://u:s3cret%@h/s", "the password has a %", NULL);
    dsn_bad("mysql://u:s3cret%00@h/s", "password contains %00", NULL);
    dsn_bad("mysql://u:s3cret@h/s%", "the schema has a %", NULL);
    /* a '/' in the password must be escaped */
    dsn_bad("mysql://u:s3/cret@h/s", "no user", "must be written %2F", NULL);
    dsn_bad("mysql://u:s3cret@h/"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "schema is longer than 64 bytes", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ksid_int_golden),
        cmocka_unit_test(test_ksid_str_golden),
        cmocka_unit_test(test_ksid_str_long_ci),
        cmocka_unit_test(test_ksid_literal_int),
        cmocka_unit_test(test_ksid_literal_string),
        cmocka_unit_test(test_parse_range_good),
        cmocka_unit_test(test_parse_range_bad),
        cmocka_unit_test(test_parse_addr),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_defaults),
        cmocka_unit_test(test_load_example_conf),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_err_syntax),
        cmocka_unit_test(test_err_version),
        cmocka_unit_test(test_err_hash),
        cmocka_unit_test(test_err_keyspaces),
        cmocka_unit_test(test_err_duplicate_keyspace),
        cmocka_unit_test(test_err_duplicate_table),
        cmocka_unit_test(test_err_table),
        cmocka_unit_test(test_err_range),
        cmocka_unit_test(test_err_gap),
        cmocka_unit_test(test_err_overlap),
        cmocka_unit_test(test_err_address),
        cmocka_unit_test(test_err_schema),
        cmocka_unit_test(test_err_unsharded),
        cmocka_unit_test(test_err_sharded_without_tables),
        cmocka_unit_test(test_cross_shard_transactions),
        cmocka_unit_test(test_replica_weights),
        cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_err_unknown_setting),
        cmocka_unit_test(test_lookup_2_shards),
        cmocka_unit_test(test_lookup_3_shards),
        cmocka_unit_test(test_lookup_4_shards),
        cmocka_unit_test(test_lookup_fine_ranges),
        cmocka_unit_test(test_lookup_unsharded),
        cmocka_unit_test(test_refcount),
        cmocka_unit_test(test_refcount_threads),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format_range),
        cmocka_unit_test(test_format_addr),
        cmocka_unit_test(test_dsn_good),
        cmocka_unit_test(test_dsn_bad),
    };

    return cmocka_run_group_tests_name("shardmap", tests, NULL, NULL);
}
