/*
 * test_auth.c — unit tests for mysql_native_password (include/auth.h):
 * stage2 and token against vectors computed outside this code, the token
 * check (right, wrong, wrong length, empty-password accounts), parsing of
 * "*HEX" hashes, and scramble generation.
 *
 * The expected values were computed with Python's hashlib, not with this
 * code:
 *   s1 = sha1(pw).digest(); s2 = sha1(s1).digest()
 *   token = bytes(a ^ b for a, b in zip(s1, sha1(scramble + s2).digest()))
 * and stage2 of "password" and "secret" agree with MariaDB's
 *   SELECT PASSWORD('password')  -> *2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19
 *   SELECT PASSWORD('secret')    -> *14E65567ABDB5135D0CFD9A70B3032C179A49EE7
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth.h"

#include <string.h>

/* SHA1(SHA1("password")) */
static const uint8_t stage2_password[AUTH_SHA1_LEN] = {
    0x24, 0x70, 0xc0, 0xc0, 0x6d, 0xee, 0x42, 0xfd, 0x16, 0x18,
    0xbb, 0x99, 0x00, 0x5a, 0xdc, 0xa2, 0xec, 0x9d, 0x1e, 0x19,
};

/* SHA1(SHA1("secret")) */
static const uint8_t stage2_secret[AUTH_SHA1_LEN] = {
    0x14, 0xe6, 0x55, 0x67, 0xab, 0xdb, 0x51, 0x35, 0xd0, 0xcf,
    0xd9, 0xa7, 0x0b, 0x30, 0x32, 0xc1, 0x79, 0xa4, 0x9e, 0xe7,
};

/* Scramble 0x01 0x02 ... 0x14 (python: bytes(range(1, 21))). */
static const uint8_t scramble_seq[AUTH_SCRAMBLE_LEN] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
};

/* token("password", bytes(range(1, 21))) */
static const uint8_t token_password_seq[AUTH_SHA1_LEN] = {
    0xc1, 0x7d, 0x60, 0x09, 0xa5, 0xcb, 0x47, 0xe5, 0x9f, 0x74,
    0x83, 0xfc, 0xf0, 0x55, 0x53, 0xbb, 0xbf, 0x7d, 0xd0, 0xd6,
};

/* token("secret", b"ABCDEFGHIJKLMNOPQRST") */
static const uint8_t token_secret_alpha[AUTH_SHA1_LEN] = {
    0x28, 0x44, 0x15, 0x90, 0x67, 0x42, 0x85, 0xe7, 0xd0, 0x3c,
    0xae, 0x7a, 0xf2, 0x37, 0x50, 0x47, 0x97, 0xf7, 0x0e, 0x91,
};

static const uint8_t *scramble_alpha = (const uint8_t *)"ABCDEFGHIJKLMNOPQRST";

static void test_stage2_known(void **state)
{
    uint8_t out[AUTH_SHA1_LEN];
    auth_native_stage2("password", 8, out);
    assert_memory_equal(out, stage2_password, AUTH_SHA1_LEN);
    auth_native_stage2("secret", 6, out);
    assert_memory_equal(out, stage2_secret, AUTH_SHA1_LEN);
    /* The length is honoured, not strlen. */
    auth_native_stage2("passwordXYZ", 8, out);
    assert_memory_equal(out, stage2_password, AUTH_SHA1_LEN);
}

static void test_token_known(void **state)
{
    uint8_t tok[AUTH_SHA1_LEN];
    auth_native_token("password", 8, scramble_seq, tok);
    assert_memory_equal(tok, token_password_seq, AUTH_SHA1_LEN);
    auth_native_token("secret", 6, scramble_alpha, tok);
    assert_memory_equal(tok, token_secret_alpha, AUTH_SHA1_LEN);
}

static void test_check_right_password(void **state)
{
    assert_true(
        auth_native_check(stage2_password, false, scramble_seq, token_password_seq, AUTH_SHA1_LEN));
    assert_true(
        auth_native_check(stage2_secret, false, scramble_alpha, token_secret_alpha, AUTH_SHA1_LEN));
    /* Round trip through our own token for a few other passwords. */
    static const char *const pws[] = {"a", "p@ss w0rd", "\xc3\xa9t\xc3\xa9",
                                      "0123456789012345678901234567890123456789012345678901234567"
                                      "890123456789"};
    for (size_t i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
        uint8_t s2[AUTH_SHA1_LEN], tok[AUTH_SHA1_LEN];
        auth_native_stage2(pws[i], strlen(pws[i]), s2);
        auth_native_token(pws[i], strlen(pws[i]), scramble_alpha, tok);
        assert_true(auth_native_check(s2, false, scramble_alpha, tok, AUTH_SHA1_LEN));
    }
}

static void test_check_wrong_password(void **state)
{
    uint8_t tok[AUTH_SHA1_LEN];
    /* Another password. */
    auth_native_token("Password", 8, scramble_seq, tok);
    assert_false(auth_native_check(stage2_password, false, scramble_seq, tok, AUTH_SHA1_LEN));
    /* The right token for another scramble (a replay). */
    assert_false(auth_native_check(stage2_password, false, scramble_alpha, token_password_seq,
                                   AUTH_SHA1_LEN));
    /* Another account's stage2. */
    assert_false(
        auth_native_check(stage2_secret, false, scramble_seq, token_password_seq, AUTH_SHA1_LEN));
    /* Every single-bit flip of the right token fails. */
    for (int i = 0; i < AUTH_SHA1_LEN * 8; i++) {
        memcpy(tok, token_password_seq, AUTH_SHA1_LEN);
        tok[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_false(auth_native_check(stage2_password, false, scramble_seq, tok, AUTH_SHA1_LEN));
    }
}

static void test_check_wrong_length(void **state)
{
    uint8_t longer[AUTH_SHA1_LEN + 1];
    memcpy(longer, token_password_seq, AUTH_SHA1_LEN);
    longer[AUTH_SHA1_LEN] = 0;
    assert_false(auth_native_check(stage2_password, false, scramble_seq, longer, sizeof(longer)));
    assert_false(auth_native_check(stage2_password, false, scramble_seq, token_password_seq, 19));
    assert_false(auth_native_check(stage2_password, false, scramble_seq, token_password_seq, 1));
    /* An empty token is no password: refused for an account that has one. */
    assert_false(auth_native_check(stage2_password, false, scramble_seq, token_password_seq, 0));
    assert_false(auth_native_check(stage2_password, false, scramble_seq, NULL, 0));
}

static void test_check_empty_password_account(void **state)
{
    static const uint8_t zero2[AUTH_SHA1_LEN];
    uint8_t tok[AUTH_SHA1_LEN];
    /* Only an empty token passes; stage2 is ignored. */
    assert_true(auth_native_check(zero2, true, scramble_seq, NULL, 0));
    assert_true(auth_native_check(stage2_password, true, scramble_seq, token_password_seq, 0));
    /* A client that sends a token (it believes there is a password) fails,
     * even one matching the stage2 passed in. */
    assert_false(
        auth_native_check(stage2_password, true, scramble_seq, token_password_seq, AUTH_SHA1_LEN));
    auth_native_token("", 0, scramble_seq, tok);
    assert_false(auth_native_check(zero2, true, scramble_seq, tok, AUTH_SHA1_LEN));
    assert_false(auth_native_check(zero2, true, scramble_seq, tok, 1));
}

struct hash_case {
    const char *text;
    int rc;
};

static void test_parse_native_hash(void **state)
{
    static const struct hash_case cases[] = {
        {"*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", 0},
        {"*2470c0c06dee42fd1618bb99005adca2ec9d1e19", 0},   /* lower case too */
        {"*2470c0C06DEE42fd1618BB99005adca2EC9D1E19", 0},   /* and mixed */
        {"2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", -1},   /* missing '*' */
        {"2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19A", -1},  /* 41 chars, no '*' */
        {"#2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", -1},  /* other prefix */
        {"*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E1", -1},   /* 39 hex */
        {"*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E190", -1}, /* 41 hex */
        {"*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E1G", -1},  /* non-hex last */
        {"*G470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", -1},  /* non-hex first */
        {"*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E 9", -1},  /* space */
        {"*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E-9", -1},
        {"*", -1},
        {"", -1},
        {"**2470C0C06DEE42FD1618BB99005ADCA2EC9D1E1", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[AUTH_SHA1_LEN];
        memset(out, 0xaa, sizeof(out));
        int rc = auth_parse_native_hash(cases[i].text, out);
        if (rc != cases[i].rc)
            fail_msg("auth_parse_native_hash(\"%s\") = %d, expected %d", cases[i].text, rc,
                     cases[i].rc);
        if (rc == 0)
            assert_memory_equal(out, stage2_password, AUTH_SHA1_LEN);
    }
}

static void test_parse_hash_matches_stage2(void **state)
{
    uint8_t parsed[AUTH_SHA1_LEN], computed[AUTH_SHA1_LEN];
    assert_int_equal(auth_parse_native_hash("*14E65567ABDB5135D0CFD9A70B3032C179A49EE7", parsed),
                     0);
    auth_native_stage2("secret", 6, computed);
    assert_memory_equal(parsed, computed, AUTH_SHA1_LEN);
    assert_true(
        auth_native_check(parsed, false, scramble_alpha, token_secret_alpha, AUTH_SHA1_LEN));
}

static void check_scramble(const uint8_t *s)
{
    for (int i = 0; i < AUTH_SCRAMBLE_LEN; i++) {
        assert_int_not_equal(s[i], 0);
        assert_int_not_equal(s[i], '$');
        assert_true(s[i] < 0x80);
    }
}

static void test_scramble_generate(void **state)
{
    /* Guard bytes around the 20 to catch an overrun. */
    uint8_t a[AUTH_SCRAMBLE_LEN + 2], b[AUTH_SCRAMBLE_LEN + 2];
    memset(a, 0xcc, sizeof(a));
    memset(b, 0xcc, sizeof(b));
    assert_int_equal(auth_scramble_generate(a + 1), 0);
    assert_int_equal(auth_scramble_generate(b + 1), 0);
    assert_int_equal(a[0], 0xcc);
    assert_int_equal(a[AUTH_SCRAMBLE_LEN + 1], 0xcc);
    assert_int_equal(b[0], 0xcc);
    assert_int_equal(b[AUTH_SCRAMBLE_LEN + 1], 0xcc);
    check_scramble(a + 1);
    check_scramble(b + 1);
    assert_memory_not_equal(a + 1, b + 1, AUTH_SCRAMBLE_LEN);
    /* Many more draws: never a 0 or '$'. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(auth_scramble_generate(a + 1), 0);
        check_scramble(a + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stage2_known),
        cmocka_unit_test(test_token_known),
        cmocka_unit_test(test_check_right_password),
        cmocka_unit_test(test_check_wrong_password),
        cmocka_unit_test(test_check_wrong_length),
        cmocka_unit_test(test_check_empty_password_account),
        cmocka_unit_test(test_parse_native_hash),
        cmocka_unit_test(test_parse_hash_matches_stage2),
        cmocka_unit_test(test_scramble_generate),
    };
    return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
