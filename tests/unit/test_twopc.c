/*
 * test_twopc.c — unit tests for the pure parts of twopc (include/twopc.h):
 * transaction ids, XA statement texts, and the decision log's replay
 * (which decides, after a crash, what recovery commits and rolls back).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "twopc.h"

static void test_gtrid_round_trip(void **state)
{
    char g[TWOPC_GTRID_MAX + 1];
    uint64_t h, b;
    twopc_gtrid(g, 0x0123456789abcdefULL, 0xfedcba987654ULL, 1);
    assert_string_equal(g, "sr.0123456789abcdef.fedcba987654.1");
    assert_int_equal(twopc_gtrid_parse(g, strlen(g), &h, &b), 0);
    assert_true(h == 0x0123456789abcdefULL);
    assert_true(b == 0xfedcba987654ULL);
    /* the boot keeps 48 bits; the longest id fits an XA gtrid */
    twopc_gtrid(g, UINT64_MAX, UINT64_MAX, UINT64_MAX);
    assert_true(strlen(g) <= TWOPC_GTRID_MAX);
    assert_int_equal(twopc_gtrid_parse(g, strlen(g), &h, &b), 0);
    assert_true(h == UINT64_MAX && b == 0xffffffffffffULL);
}

static void test_gtrid_foreign(void **state)
{
    static const char *const bad[] = {
        "",
        "app-xa-1",
        "sr.0123456789abcdef.fedcba987654.",                  /* no sequence */
        "sr.0123456789abcdeF.fedcba987654.1",                 /* upper case */
        "sr.0123456789abcde.fedcba9876543.1",                 /* fields shifted */
        "sr.0123456789abcdef.fedcba987654.1x",                /* not hex */
        "xx.0123456789abcdef.fedcba987654.1",                 /* prefix */
        "sr.0123456789abcdef.fedcba987654.12345678901234567", /* 17 hex digits */
    };
    uint64_t h, b;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(twopc_gtrid_parse(bad[i], strlen(bad[i]), &h, &b), -1);
}

static void test_xid_sql(void **state)
{
    char sql[TWOPC_XID_SQL_MAX];
    size_t n =
        twopc_xid_sql(sql, "XA COMMIT", "sr.0123456789abcdef.fedcba987654.a", 3, " ONE PHASE");
    assert_string_equal(sql, "XA COMMIT 'sr.0123456789abcdef.fedcba987654.a','b3' ONE PHASE");
    assert_int_equal(n, strlen(sql));
}

static const char *G1 = "sr.0000000000000001.000000000001.1";
static const char *G2 = "sr.0000000000000001.000000000001.2";
static const char *G3 = "sr.0000000000000001.000000000002.3";

static void test_replay(void **state)
{
    struct twopc_table t = {0};
    char log[512];
    /* G1 decided and done; G2 decided, its XA COMMITs not all answered;
     * G3 aborted with a branch maybe left prepared; a torn last record
     * (no newline: never made durable) is no decision. */
    snprintf(log, sizeof(log), "C %s\nC %s\nD %s\nA %s\n\nC %s", G1, G2, G1, G3,
             "sr.0000000000000001.000000000002.4");
    assert_int_equal(twopc_table_replay(&t, log, strlen(log), 5), 0);
    assert_int_equal(t.n, 2);
    struct twopc_entry *e = twopc_table_find(&t, G2, strlen(G2));
    assert_non_null(e);
    assert_int_equal(e->kind, TWOPC_COMMIT);
    assert_int_equal(e->since_ms, 5);
    e = twopc_table_find(&t, G3, strlen(G3));
    assert_non_null(e);
    assert_int_equal(e->kind, TWOPC_ABORT);
    assert_null(twopc_table_find(&t, G1, strlen(G1)));
    assert_null(twopc_table_find(&t, "sr.0000000000000001.000000000002.4", 34));
    twopc_table_free(&t);
}

static void test_replay_malformed(void **state)
{
    struct twopc_table t = {0};
    char log[512];
    snprintf(log, sizeof(log), "X %s\nC\nCsr.x\nC app-xa-1\nC %s\nD nothing\n", G1, G2);
    assert_int_equal(twopc_table_replay(&t, log, strlen(log), 0), 5);
    assert_int_equal(t.n, 1);
    assert_non_null(twopc_table_find(&t, G2, strlen(G2)));
    twopc_table_free(&t);
}

static void test_commit_is_final(void **state)
{
    struct twopc_table t = {0};
    assert_int_equal(twopc_table_apply(&t, 'C', G1, strlen(G1), 1), 0);
    assert_int_equal(twopc_table_apply(&t, 'A', G1, strlen(G1), 2), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.e[0].kind, TWOPC_COMMIT);
    /* many records: the table grows */
    for (int i = 0; i < 100; i++) {
        char g[TWOPC_GTRID_MAX + 1];
        twopc_gtrid(g, 1, 1, (uint64_t)i + 10);
        assert_int_equal(twopc_table_apply(&t, 'A', g, strlen(g), 0), 0);
    }
    assert_int_equal(t.n, 101);
    assert_int_equal(twopc_table_apply(&t, 'D', G1, strlen(G1), 0), 0);
    assert_int_equal(t.n, 100);
    assert_null(twopc_table_find(&t, G1, strlen(G1)));
    twopc_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gtrid_round_trip), cmocka_unit_test(test_gtrid_foreign),
        cmocka_unit_test(test_xid_sql),          cmocka_unit_test(test_replay),
        cmocka_unit_test(test_replay_malformed), cmocka_unit_test(test_commit_is_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
