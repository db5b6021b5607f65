/*
 * test_rw.c — unit tests for read-your-writes' GTID comparison
 * (rw_covers in include/rw.h): whether a replica that has applied one
 * position has applied a session's last write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rw.h"

static void test_covers_mariadb(void **state)
{
    /* same domain: the sequence number decides */
    assert_true(rw_covers("1-1-7", "1-1-7"));
    assert_true(rw_covers("1-1-8", "1-1-7"));
    assert_false(rw_covers("1-1-6", "1-1-7"));
    /* another server id in the same domain (after a failover) still counts */
    assert_true(rw_covers("1-2-9", "1-1-7"));
    /* several domains: the one of the write */
    assert_true(rw_covers("0-1-100,1-1-7,2-3-1", "1-1-7"));
    assert_false(rw_covers("0-1-100,2-3-50", "1-1-7"));
    assert_false(rw_covers("0-1-100, 1-1-6", "1-1-7"));
    /* nothing applied yet */
    assert_false(rw_covers("", "1-1-7"));
}

static void test_covers_other(void **state)
{
    /* MySQL GTID sets: only the same text counts (the wait decides) */
    assert_true(rw_covers("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5",
                          "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"));
    assert_false(rw_covers("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-4",
                           "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"));
    assert_false(rw_covers("garbage", "1-1-7"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_covers_mariadb),
        cmocka_unit_test(test_covers_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
