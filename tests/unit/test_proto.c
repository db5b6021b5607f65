/*
 * test_proto.c — unit tests for the MySQL protocol codec (include/proto.h):
 * length-encoded integers and strings at every boundary, the sticky reader
 * error, OK / EOF / ERR packets (exact bytes, with and without
 * CLIENT_SESSION_TRACK and CLIENT_DEPRECATE_EOF), message framing of split
 * payloads around 16 MiB, the initial handshake, handshake responses (and
 * every truncated prefix of them), session-state and auth-switch packets.
 *
 * Expected bytes are written out by hand from the protocol documentation
 * (dev.mysql.com "Client/Server Protocol"), not produced by this code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto.h"

#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

/* Assert that b holds exactly the n bytes exp (from its read offset). */
static void assert_buf_bytes(const struct buf *b, const void *exp, size_t n)
{
    if (buf_avail(b) != n)
        fail_msg("buffer holds %zu bytes, expected %zu", buf_avail(b), n);
    assert_memory_equal(buf_head(b), exp, n);
}

/* A copy of data in a heap block of exactly len bytes, so that AddressSanitizer
 * catches a read past the end. The caller frees. */
static uint8_t *exact_copy(const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(len > 0 ? len : 1);
    assert_non_null(p);
    if (len > 0)
        memcpy(p, data, len);
    return p;
}

static void put_header(uint8_t *p, uint32_t len, uint8_t seq)
{
    p[0] = (uint8_t)len;
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)(len >> 16);
    p[3] = seq;
}

/* ---- length-encoded integers -------------------------------------------- */

struct lenenc_case {
    uint64_t v;
    size_t size;
    uint8_t bytes[9];
};

static const struct lenenc_case lenenc_cases[] = {
    {0, 1, {0x00}},
    {1, 1, {0x01}},
    {250, 1, {0xfa}},
    {251, 3, {0xfc, 0xfb, 0x00}},
    {252, 3, {0xfc, 0xfc, 0x00}},
    {0xfffe, 3, {0xfc, 0xfe, 0xff}},
    {0xffff, 3, {0xfc, 0xff, 0xff}},
    {0x10000, 4, {0xfd, 0x00, 0x00, 0x01}},
    {0x123456, 4, {0xfd, 0x56, 0x34, 0x12}},
    {0xffffff, 4, {0xfd, 0xff, 0xff, 0xff}},
    {0x1000000, 9, {0xfe, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}},
    {0x0102030405060708ULL, 9, {0xfe, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}},
    {UINT64_MAX, 9, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
};

static void test_lenenc_put(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(lenenc_cases); i++) {
        const struct lenenc_case *c = &lenenc_cases[i];
        uint8_t out[16];
        memset(out, 0xcc, sizeof(out));
        if (proto_lenenc_size(c->v) != c->size)
            fail_msg("proto_lenenc_size(%#llx) = %zu, expected %zu", (unsigned long long)c->v,
                     proto_lenenc_size(c->v), c->size);
        uint8_t *e = proto_put_lenenc(out, c->v);
        assert_ptr_equal(e, out + c->size);
        assert_memory_equal(out, c->bytes, c->size);
        for (size_t j = c->size; j < sizeof(out); j++)
            assert_int_equal(out[j], 0xcc); /* nothing written past the end */

        struct buf b = {0};
        assert_int_equal(proto_add_lenenc(&b, c->v), 0);
        assert_buf_bytes(&b, c->bytes, c->size);
        buf_free(&b);
    }
}

static void test_lenenc_get(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(lenenc_cases); i++) {
        const struct lenenc_case *c = &lenenc_cases[i];
        /* Exactly the encoding, then the encoding followed by a marker. */
        uint8_t *p = exact_copy(c->bytes, c->size);
        struct proto_reader r;
        proto_reader_init(&r, p, c->size);
        uint64_t v = proto_get_lenenc(&r);
        if (r.err || v != c->v)
            fail_msg("proto_get_lenenc of case %zu: err %d, value %#llx, expected %#llx", i, r.err,
                     (unsigned long long)v, (unsigned long long)c->v);
        assert_int_equal(proto_reader_left(&r), 0);
        free(p);

        uint8_t more[10];
        memcpy(more, c->bytes, c->size);
        more[c->size] = 0x5a;
        proto_reader_init(&r, more, c->size + 1);
        assert_true(proto_get_lenenc(&r) == c->v);
        assert_int_equal(proto_get_u8(&r), 0x5a);
        assert_int_equal(r.err, 0);
    }
}

/* Non-minimal encodings are valid on the wire. */
static void test_lenenc_get_non_minimal(void **state)
{
    static const uint8_t fc5[] = {0xfc, 0x05, 0x00};
    static const uint8_t fd5[] = {0xfd, 0x05, 0x00, 0x00};
    static const uint8_t fe5[] = {0xfe, 0x05, 0, 0, 0, 0, 0, 0, 0};
    struct proto_reader r;
    proto_reader_init(&r, fc5, sizeof(fc5));
    assert_int_equal(proto_get_lenenc(&r), 5);
    proto_reader_init(&r, fd5, sizeof(fd5));
    assert_int_equal(proto_get_lenenc(&r), 5);
    proto_reader_init(&r, fe5, sizeof(fe5));
    assert_int_equal(proto_get_lenenc(&r), 5);
    assert_int_equal(r.err, 0);
}

static void test_lenenc_truncated_sticky(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(lenenc_cases); i++) {
        const struct lenenc_case *c = &lenenc_cases[i];
        for (size_t cut = 0; cut < c->size; cut++) {
            uint8_t *p = exact_copy(c->bytes, cut);
            struct proto_reader r;
            proto_reader_init(&r, p, cut);
            assert_int_equal(proto_get_lenenc(&r), 0);
            if (!r.err)
                fail_msg("lenenc %#llx cut to %zu bytes: no error", (unsigned long long)c->v, cut);
            /* Sticky: later getters return zero/empty and keep err. */
            assert_int_equal(proto_get_u8(&r), 0);
            assert_int_equal(proto_get_lenenc(&r), 0);
            size_t n = 99;
            assert_null(proto_get_lenenc_str(&r, &n));
            assert_int_equal(n, 0);
            assert_null(proto_get_nulstr(&r, &n));
            assert_int_equal(n, 0);
            assert_null(proto_get_bytes(&r, 0));
            proto_get_rest(&r, &n);
            assert_int_equal(n, 0);
            assert_int_equal(r.err, 1);
            free(p);
        }
    }
    /* Sticky even when enough bytes follow the failed read. */
    static const uint8_t data[] = {0x01, 0x02, 0x03, 0x04};
    struct proto_reader r;
    proto_reader_init(&r, data, sizeof(data));
    assert_int_equal(proto_get_u64(&r), 0); /* 8 > 4: error */
    assert_int_equal(r.err, 1);
    assert_int_equal(proto_get_u8(&r), 0);
    assert_int_equal(proto_get_u16(&r), 0);
    assert_int_equal(r.err, 1);
}

static void test_lenenc_rejects_fb_ff(void **state)
{
    static const uint8_t fb[] = {0xfb, 0x01, 0x02};
    static const uint8_t ff[] = {0xff, 0x01, 0x02};
    struct proto_reader r;
    proto_reader_init(&r, fb, sizeof(fb));
    assert_int_equal(proto_get_lenenc(&r), 0);
    assert_int_equal(r.err, 1);
    assert_int_equal(proto_get_u8(&r), 0); /* sticky */
    assert_int_equal(r.err, 1);

    proto_reader_init(&r, ff, sizeof(ff));
    assert_int_equal(proto_get_lenenc(&r), 0);
    assert_int_equal(r.err, 1);

    /* As a string length too. */
    size_t n = 7;
    proto_reader_init(&r, fb, sizeof(fb));
    assert_null(proto_get_lenenc_str(&r, &n));
    assert_int_equal(n, 0);
    assert_int_equal(r.err, 1);
}

static void test_fixed_ints(void **state)
{
    static const uint8_t d[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                                0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0xff};
    struct proto_reader r;
    proto_reader_init(&r, d, sizeof(d));
    assert_int_equal(proto_get_u8(&r), 0x01);
    assert_int_equal(proto_get_u16(&r), 0x0302);
    assert_int_equal(proto_get_u24(&r), 0x060504);
    assert_int_equal(proto_get_u32(&r), 0x0a090807);
    assert_true(proto_get_u64(&r) == 0x1211100f0e0d0c0bULL);
    assert_int_equal(proto_reader_left(&r), 3);
    assert_int_equal(proto_get_u32(&r), 0); /* only 3 left */
    assert_int_equal(r.err, 1);

    /* Each width fails on one byte less than it needs, without moving. */
    for (int w = 1; w <= 8; w *= 2) {
        uint8_t *p = exact_copy(d, (size_t)w - 1);
        proto_reader_init(&r, p, (size_t)w - 1);
        uint64_t v = w == 1   ? proto_get_u8(&r)
                     : w == 2 ? proto_get_u16(&r)
                     : w == 4 ? proto_get_u32(&r)
                              : proto_get_u64(&r);
        assert_true(v == 0);
        assert_int_equal(r.err, 1);
        free(p);
    }
    uint8_t *p = exact_copy(d, 2);
    proto_reader_init(&r, p, 2);
    assert_int_equal(proto_get_u24(&r), 0);
    assert_int_equal(r.err, 1);
    free(p);

    /* The inline header helpers. */
    uint8_t h[4];
    proto_set_header(h, 0xabcdef, 0x42);
    assert_int_equal(h[0], 0xef);
    assert_int_equal(h[1], 0xcd);
    assert_int_equal(h[2], 0xab);
    assert_int_equal(h[3], 0x42);
    assert_int_equal(proto_u24(h), 0xabcdef);
    assert_int_equal(proto_u16(h), 0xcdef);
    assert_int_equal(proto_u32(h), 0x42abcdef);
}

/* ---- strings ------------------------------------------------------------ */

static void test_lenenc_str(void **state)
{
    static const uint8_t d[] = {0x03, 'a', 'b', 'c', 0x00, 0x02, 'x', 'y'};
    struct proto_reader r;
    size_t n;
    proto_reader_init(&r, d, sizeof(d));
    const uint8_t *s = proto_get_lenenc_str(&r, &n);
    assert_ptr_equal(s, d + 1);
    assert_int_equal(n, 3);
    s = proto_get_lenenc_str(&r, &n); /* empty string */
    assert_non_null(s);
    assert_int_equal(n, 0);
    s = proto_get_lenenc_str(&r, &n);
    assert_ptr_equal(s, d + 6);
    assert_int_equal(n, 2);
    assert_int_equal(r.err, 0);
    assert_int_equal(proto_reader_left(&r), 0);

    /* A 300-byte string with a 0xfc length. */
    uint8_t big[3 + 300];
    big[0] = 0xfc;
    big[1] = 300 & 0xff;
    big[2] = 300 >> 8;
    memset(big + 3, 'z', 300);
    proto_reader_init(&r, big, sizeof(big));
    s = proto_get_lenenc_str(&r, &n);
    assert_ptr_equal(s, big + 3);
    assert_int_equal(n, 300);
    assert_int_equal(r.err, 0);

    /* Announced length longer than the rest: error, nothing returned. */
    for (size_t cut = 0; cut < 4; cut++) {
        uint8_t *p = exact_copy(d, cut);
        proto_reader_init(&r, p, cut);
        n = 5;
        assert_null(proto_get_lenenc_str(&r, &n));
        assert_int_equal(n, 0);
        assert_int_equal(r.err, 1);
        free(p);
    }
    /* A huge 8-byte length does not wrap around. */
    static const uint8_t huge[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a'};
    proto_reader_init(&r, huge, sizeof(huge));
    assert_null(proto_get_lenenc_str(&r, &n));
    assert_int_equal(r.err, 1);

    struct buf b = {0};
    assert_int_equal(proto_add_lenenc_str(&b, "abc", 3), 0);
    assert_int_equal(proto_add_lenenc_str(&b, "", 0), 0);
    assert_buf_bytes(&b,
                     "\x03"
                     "abc\x00",
                     5);
    buf_free(&b);
}

static void test_nulstr(void **state)
{
    static const uint8_t d[] = {'a', 'b', 'c', 0, 0, 'd', 'e', 'f', 0};
    struct proto_reader r;
    size_t n;
    proto_reader_init(&r, d, sizeof(d));
    const uint8_t *s = proto_get_nulstr(&r, &n);
    assert_ptr_equal(s, d);
    assert_int_equal(n, 3);
    s = proto_get_nulstr(&r, &n);
    assert_ptr_equal(s, d + 4);
    assert_int_equal(n, 0);
    s = proto_get_nulstr(&r, &n);
    assert_ptr_equal(s, d + 5);
    assert_int_equal(n, 3);
    assert_int_equal(proto_reader_left(&r), 0);
    assert_int_equal(r.err, 0);
    /* At the end: nothing to terminate. */
    assert_null(proto_get_nulstr(&r, &n));
    assert_int_equal(r.err, 1);

    /* Missing terminator: error, and sticky. */
    uint8_t *p = exact_copy((const uint8_t *)"abc", 3);
    proto_reader_init(&r, p, 3);
    n = 9;
    assert_null(proto_get_nulstr(&r, &n));
    assert_int_equal(n, 0);
    assert_int_equal(r.err, 1);
    assert_int_equal(proto_get_u8(&r), 0);
    assert_int_equal(r.err, 1);
    free(p);

    struct buf b = {0};
    assert_int_equal(proto_add_nulstr(&b, "hi"), 0);
    assert_int_equal(proto_add_nulstr(&b, ""), 0);
    assert_buf_bytes(&b, "hi\0\0", 4);
    buf_free(&b);
}

static void test_bytes_and_rest(void **state)
{
    static const uint8_t d[] = {1, 2, 3, 4, 5};
    struct proto_reader r;
    size_t n;
    proto_reader_init(&r, d, sizeof(d));
    assert_ptr_equal(proto_get_bytes(&r, 2), d);
    assert_ptr_equal(proto_get_bytes(&r, 0), d + 2);
    const uint8_t *s = proto_get_rest(&r, &n);
    assert_ptr_equal(s, d + 2);
    assert_int_equal(n, 3);
    assert_int_equal(proto_reader_left(&r), 0);
    s = proto_get_rest(&r, &n);
    assert_int_equal(n, 0);
    assert_int_equal(r.err, 0);
    assert_null(proto_get_bytes(&r, 1));
    assert_int_equal(r.err, 1);
}

static void test_writer_primitives(void **state)
{
    struct buf b = {0};
    size_t start = proto_begin(&b);
    assert_int_equal(start, 0);
    assert_int_equal(proto_add_u8(&b, 0x11), 0);
    assert_int_equal(proto_add_u16(&b, 0x2233), 0);
    assert_int_equal(proto_add_u32(&b, 0x44556677), 0);
    assert_int_equal(proto_add(&b, "xy", 2), 0);
    proto_end(&b, start, 9);
    static const uint8_t exp[] = {9, 0, 0, 9, 0x11, 0x33, 0x22, 0x77, 0x66, 0x55, 0x44, 'x', 'y'};
    assert_buf_bytes(&b, exp, sizeof(exp));
    /* A second packet begins where the first ended. */
    start = proto_begin(&b);
    assert_int_equal(start, sizeof(exp));
    proto_end(&b, start, 10);
    assert_int_equal(buf_avail(&b), sizeof(exp) + 4);
    assert_memory_equal(buf_head(&b) + sizeof(exp), "\x00\x00\x00\x0a", 4);
    buf_free(&b);
}

/* ---- OK packets --------------------------------------------------------- */

#define TRACK PROTO_CAP_SESSION_TRACK
#define SSC PROTO_STATUS_SESSION_STATE_CHANGED

struct ok_write_case {
    const char *name;
    uint32_t caps;
    struct proto_ok ok;
    size_t len;
    uint8_t payload[48];
};

/* state: one SESSION_TRACK_SCHEMA entry naming "db1" */
static const uint8_t st_db1[] = {0x01, 0x04, 0x03, 'd', 'b', '1'};

static const struct ok_write_case ok_write_cases[] = {
    {"minimal, no track", 0, {.status = 0x0002}, 7, {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}},
    {"minimal, track", TRACK, {.status = 0x0002}, 7, {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}},
    {"counts and info, no track: info length-encoded as servers send it",
     0,
     {.affected_rows = 1,
      .last_insert_id = 300,
      .status = 0x0003,
      .warnings = 2,
      .info = (const uint8_t *)"Rows matched: 1",
      .info_len = 15},
     10 + 15,
     {0x00, 0x01, 0xfc, 0x2c, 0x01, 0x03, 0x00, 0x02, 0x00, 0x0f, 'R', 'o', 'w',
      's',  ' ',  'm',  'a',  't',  'c',  'h',  'e',  'd',  ':',  ' ', '1'}},
    {"counts and info, track: info is a lenenc string",
     TRACK,
     {.affected_rows = 1,
      .last_insert_id = 300,
      .status = 0x0003,
      .warnings = 2,
      .info = (const uint8_t *)"Rows matched: 1",
      .info_len = 15},
     10 + 15,
     {0x00, 0x01, 0xfc, 0x2c, 0x01, 0x03, 0x00, 0x02, 0x00, 0x0f, 'R', 'o', 'w',
      's',  ' ',  'm',  'a',  't',  'c',  'h',  'e',  'd',  ':',  ' ', '1'}},
    {"state with flag, track: empty info then state",
     TRACK,
     {.status = 0x0002 | SSC, .state = st_db1, .state_len = sizeof(st_db1)},
     7 + 1 + 1 + 6,
     {0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x00, 0x06, 0x01, 0x04, 0x03, 'd', 'b', '1'}},
    {"state with flag, no track: state dropped, flag cleared",
     0,
     {.status = 0x0002 | SSC, .state = st_db1, .state_len = sizeof(st_db1)},
     7,
     {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}},
    {"state with flag and info, no track: info kept, length-encoded",
     0,
     {.status = 0x0002 | SSC,
      .info = (const uint8_t *)"hi",
      .info_len = 2,
      .state = st_db1,
      .state_len = sizeof(st_db1)},
     10,
     {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 'h', 'i'}},
    {"flag without state, track: flag cleared",
     TRACK,
     {.status = 0x0002 | SSC},
     7,
     {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}},
    {"state without flag, track: state not sent",
     TRACK,
     {.status = 0x0002, .state = st_db1, .state_len = sizeof(st_db1)},
     7,
     {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}},
    {"header 0xfe (end of rows under DEPRECATE_EOF)",
     PROTO_CAP_DEPRECATE_EOF,
     {.header = 0xfe, .status = 0x0022, .warnings = 1},
     7,
     {0xfe, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00}},
    {"big counts",
     0,
     {.affected_rows = 0x1000000, .last_insert_id = 0x10000},
     1 + 9 + 4 + 4,
     {0x00, 0xfe, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x01, 0x00,
      0x00, 0x00, 0x00}},
};

static void test_ok_write(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(ok_write_cases); i++) {
        const struct ok_write_case *c = &ok_write_cases[i];
        struct buf b = {0};
        assert_int_equal(proto_write_ok(&b, 7, c->caps, &c->ok), 0);
        uint8_t exp[4 + 48];
        put_header(exp, (uint32_t)c->len, 7);
        memcpy(exp + 4, c->payload, c->len);
        if (buf_avail(&b) != 4 + c->len || memcmp(buf_head(&b), exp, 4 + c->len) != 0)
            fail_msg("proto_write_ok: %s: %zu bytes, expected %zu", c->name, buf_avail(&b),
                     4 + c->len);
        buf_free(&b);
    }
}

static void assert_ok_equal(const struct proto_ok *a, const struct proto_ok *b)
{
    assert_int_equal(a->header, b->header);
    assert_true(a->affected_rows == b->affected_rows);
    assert_true(a->last_insert_id == b->last_insert_id);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->warnings, b->warnings);
    assert_int_equal(a->info_len, b->info_len);
    if (a->info_len > 0)
        assert_memory_equal(a->info, b->info, a->info_len);
    assert_int_equal(a->state_len, b->state_len);
    if (a->state_len > 0)
        assert_memory_equal(a->state, b->state, a->state_len);
}

/* Write, parse back with the same caps: same fields (after the writer's
 * documented normalisation). */
static void test_ok_round_trip(void **state)
{
    static const uint32_t capsets[] = {0, TRACK, PROTO_CAP_DEPRECATE_EOF,
                                       TRACK | PROTO_CAP_DEPRECATE_EOF};
    static const uint64_t counts[] = {0,       250,      251,       0xffff,
                                      0x10000, 0xffffff, 0x1000000, UINT64_MAX};
    for (size_t ci = 0; ci < ARRAY_LEN(capsets); ci++) {
        for (size_t k = 0; k < ARRAY_LEN(counts); k++) {
            for (int variant = 0; variant < 4; variant++) {
                uint32_t caps = capsets[ci];
                struct proto_ok in = {
                    .header = (variant & 1) ? 0xfe : 0x00,
                    .affected_rows = counts[k],
                    .last_insert_id = counts[ARRAY_LEN(counts) - 1 - k],
                    .status = 0x0002,
                    .warnings = (uint16_t)k,
                };
                if (variant & 2) {
                    in.info = (const uint8_t *)"Records: 3  Duplicates: 0  Warnings: 0";
                    in.info_len = strlen((const char *)in.info);
                    in.status |= SSC;
                    in.state = st_db1;
                    in.state_len = sizeof(st_db1);
                }
                struct buf b = {0};
                assert_int_equal(proto_write_ok(&b, 1, caps, &in), 0);
                assert_int_equal(proto_u24(buf_head(&b)), buf_avail(&b) - 4);
                struct proto_ok out;
                assert_int_equal(proto_parse_ok(buf_head(&b) + 4, buf_avail(&b) - 4, caps, &out),
                                 0);
                struct proto_ok exp = in;
                if (!(caps & TRACK)) {
                    exp.status &= (uint16_t)~SSC;
                    exp.state = NULL;
                    exp.state_len = 0;
                }
                assert_ok_equal(&out, &exp);
                buf_free(&b);
            }
        }
    }
}

static void test_ok_parse(void **state)
{
    struct proto_ok ok;
    /* Untracked: the info is length-encoded, as servers write it. */
    static const uint8_t classic[] = {0x00, 0x02, 0x05, 0x02, 0x40, 0x00,
                                      0x00, 0x03, 'a',  'b',  'c'};
    assert_int_equal(proto_parse_ok(classic, sizeof(classic), 0, &ok), 0);
    assert_int_equal(ok.header, 0);
    assert_int_equal(ok.affected_rows, 2);
    assert_int_equal(ok.last_insert_id, 5);
    assert_int_equal(ok.status, 0x4002);
    assert_int_equal(ok.info_len, 3);
    assert_ptr_equal(ok.info, classic + 8);
    assert_null(ok.state);
    assert_int_equal(ok.state_len, 0);

    /* Tracked, with the flag: info lenenc then state lenenc. */
    static const uint8_t tracked[] = {0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x02, 'h',
                                      'i',  0x06, 0x01, 0x04, 0x03, 'd',  'b',  '1'};
    assert_int_equal(proto_parse_ok(tracked, sizeof(tracked), TRACK, &ok), 0);
    assert_int_equal(ok.info_len, 2);
    assert_memory_equal(ok.info, "hi", 2);
    assert_int_equal(ok.state_len, 6);
    assert_memory_equal(ok.state, st_db1, 6);
    /* Without CLIENT_SESSION_TRACK the info is still read length-encoded
     * (as servers write it) and nothing after it is state. */
    assert_int_equal(proto_parse_ok(tracked, sizeof(tracked), 0, &ok), 0);
    assert_int_equal(ok.info_len, 2);
    assert_memory_equal(ok.info, "hi", 2);
    assert_null(ok.state);
    /* ... unless the length does not fit: then the rest of the packet. */
    static const uint8_t raw_info[] = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 'h', 'i'};
    assert_int_equal(proto_parse_ok(raw_info, sizeof(raw_info), 0, &ok), 0);
    assert_int_equal(ok.info_len, 2);
    assert_memory_equal(ok.info, "hi", 2);

    /* Tracked, state bytes present but no flag: state ignored. */
    static const uint8_t noflag[] = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
                                     0x06, 0x01, 0x04, 0x03, 'd',  'b',  '1'};
    assert_int_equal(proto_parse_ok(noflag, sizeof(noflag), TRACK, &ok), 0);
    assert_int_equal(ok.info_len, 0);
    assert_null(ok.state);
    assert_int_equal(ok.state_len, 0);

    /* Tracked, flag but the packet ends after info: no state. */
    static const uint8_t flagonly[] = {0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x00};
    assert_int_equal(proto_parse_ok(flagonly, sizeof(flagonly), TRACK, &ok), 0);
    assert_int_equal(ok.state_len, 0);

    /* Header 0xfe is an OK too (OK-as-EOF). */
    static const uint8_t fe[] = {0xfe, 0x00, 0x00, 0x0a, 0x00, 0x03, 0x00};
    assert_int_equal(proto_parse_ok(fe, sizeof(fe), PROTO_CAP_DEPRECATE_EOF, &ok), 0);
    assert_int_equal(ok.header, 0xfe);
    assert_int_equal(ok.status, 0x000a);
    assert_int_equal(ok.warnings, 3);
}

static void test_ok_parse_malformed(void **state)
{
    struct proto_ok ok;
    static const uint8_t good[] = {0x00, 0xfc, 0x2c, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00};
    /* Every prefix shorter than the fixed part is an error. */
    for (size_t cut = 0; cut < sizeof(good); cut++) {
        uint8_t *p = exact_copy(good, cut);
        if (proto_parse_ok(p, cut, TRACK, &ok) != -1)
            fail_msg("OK cut to %zu bytes parsed", cut);
        free(p);
    }
    assert_int_equal(proto_parse_ok(good, sizeof(good), TRACK, &ok), 0);
    assert_int_equal(ok.affected_rows, 300);

    /* Not an OK header. */
    static const uint8_t bad_hdr[] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    assert_int_equal(proto_parse_ok(bad_hdr, sizeof(bad_hdr), 0, &ok), -1);
    static const uint8_t err_hdr[] = {0xff, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    assert_int_equal(proto_parse_ok(err_hdr, sizeof(err_hdr), 0, &ok), -1);
    /* 0xfb / 0xff where a lenenc count belongs. */
    static const uint8_t bad_count[] = {0x00, 0xfb, 0x00, 0x02, 0x00, 0x00, 0x00};
    assert_int_equal(proto_parse_ok(bad_count, sizeof(bad_count), 0, &ok), -1);
    /* Tracked info longer than the packet. */
    static const uint8_t long_info[] = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 'a'};
    uint8_t *p = exact_copy(long_info, sizeof(long_info));
    assert_int_equal(proto_parse_ok(p, sizeof(long_info), TRACK, &ok), -1);
    /* ... which without tracking is just info text. */
    assert_int_equal(proto_parse_ok(p, sizeof(long_info), 0, &ok), 0);
    assert_int_equal(ok.info_len, 2);
    free(p);
    /* State longer than the packet. */
    static const uint8_t long_state[] = {0x00, 0x00, 0x00, 0x02, 0x40, 0x00,
                                         0x00, 0x00, 0x09, 0x01, 0x00};
    p = exact_copy(long_state, sizeof(long_state));
    assert_int_equal(proto_parse_ok(p, sizeof(long_state), TRACK, &ok), -1);
    free(p);
}

/* ---- EOF and end markers ------------------------------------------------ */

static void test_eof_write_parse(void **state)
{
    struct buf b = {0};
    assert_int_equal(proto_write_eof(&b, 5, 0x0102, 0x0304), 0);
    static const uint8_t exp[] = {0x05, 0x00, 0x00, 0x05, 0xfe, 0x02, 0x01, 0x04, 0x03};
    assert_buf_bytes(&b, exp, sizeof(exp));

    uint16_t w = 1, s = 1;
    assert_int_equal(proto_parse_eof(buf_head(&b) + 4, 5, &w, &s), 0);
    assert_int_equal(w, 0x0102);
    assert_int_equal(s, 0x0304);
    buf_free(&b);

    /* 4.0-era bare 0xfe: zeros. */
    static const uint8_t bare[] = {0xfe};
    w = s = 9;
    assert_int_equal(proto_parse_eof(bare, 1, &w, &s), 0);
    assert_int_equal(w, 0);
    assert_int_equal(s, 0);
    /* Up to 8 bytes is an EOF, 9 is not (a row). */
    static const uint8_t nine[] = {0xfe, 1, 0, 2, 0, 0, 0, 0, 0};
    assert_int_equal(proto_parse_eof(nine, 8, &w, &s), 0);
    assert_int_equal(w, 1);
    assert_int_equal(s, 2);
    assert_int_equal(proto_parse_eof(nine, 9, &w, &s), -1);
    static const uint8_t notfe[] = {0x00, 0x00, 0x00, 0x02, 0x00};
    assert_int_equal(proto_parse_eof(notfe, sizeof(notfe), &w, &s), -1);
    assert_int_equal(proto_parse_eof(bare, 0, &w, &s), -1);
}

static void test_write_end(void **state)
{
    struct buf b = {0};
    /* Classic: a 5-byte EOF. */
    assert_int_equal(proto_write_end(&b, 3, 0, 0x0001, 0x0022), 0);
    static const uint8_t eof[] = {0x05, 0x00, 0x00, 0x03, 0xfe, 0x01, 0x00, 0x22, 0x00};
    assert_buf_bytes(&b, eof, sizeof(eof));
    buf_free(&b);
    /* CLIENT_SESSION_TRACK alone does not change that. */
    assert_int_equal(proto_write_end(&b, 3, TRACK, 0x0001, 0x0022), 0);
    assert_buf_bytes(&b, eof, sizeof(eof));
    buf_free(&b);

    /* DEPRECATE_EOF: OK with 0xfe header, no counts, status then warnings. */
    static const uint8_t okfe[] = {0x07, 0x00, 0x00, 0x03, 0xfe, 0x00,
                                   0x00, 0x22, 0x00, 0x01, 0x00};
    assert_int_equal(proto_write_end(&b, 3, PROTO_CAP_DEPRECATE_EOF, 0x0001, 0x0022), 0);
    assert_buf_bytes(&b, okfe, sizeof(okfe));
    buf_free(&b);
    assert_int_equal(proto_write_end(&b, 3, PROTO_CAP_DEPRECATE_EOF | TRACK, 0x0001, 0x0022), 0);
    assert_buf_bytes(&b, okfe, sizeof(okfe));
    buf_free(&b);
    /* A session-state flag cannot be honoured without state: cleared. */
    assert_int_equal(proto_write_end(&b, 3, PROTO_CAP_DEPRECATE_EOF | TRACK, 0x0001, 0x0022 | SSC),
                     0);
    assert_buf_bytes(&b, okfe, sizeof(okfe));
    buf_free(&b);
}

struct is_end_case {
    uint8_t first;
    size_t len;
    bool deprecate;
    bool end;
};

static void test_is_end(void **state)
{
    static const struct is_end_case cases[] = {
        {0xfe, 0, false, false},       {0xfe, 1, false, true},         {0xfe, 5, false, true},
        {0xfe, 7, false, true},        {0xfe, 8, false, true},         {0xfe, 9, false, false},
        {0xfe, 10, false, false},      {0xfe, 0xfffffe, false, false}, {0xfe, 0, true, false},
        {0xfe, 1, true, true},         {0xfe, 7, true, true},          {0xfe, 8, true, true},
        {0xfe, 9, true, true},         {0xfe, 1000, true, true},       {0xfe, 0xfffffe, true, true},
        {0xfe, 0xffffff, true, false}, {0xfe, 0x1000000, true, false}, {0x00, 7, false, false},
        {0x00, 7, true, false},        {0xff, 5, false, false},        {0xfb, 5, true, false},
        {0xfd, 5, false, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        /* proto_is_end looks at the first byte only. */
        uint8_t b = cases[i].first;
        bool got = proto_is_end(&b, cases[i].len, cases[i].deprecate);
        if (got != cases[i].end)
            fail_msg("proto_is_end(0x%02x, len %zu, deprecate %d) = %d, expected %d",
                     cases[i].first, cases[i].len, cases[i].deprecate, got, cases[i].end);
    }
}

/* ---- ERR packets -------------------------------------------------------- */

static void test_err_write(void **state)
{
    struct buf b = {0};
    assert_int_equal(proto_write_err(&b, 2, 1045, "28000", "Access denied for user '%s'", "bob"),
                     0);
    const char *msg = "Access denied for user 'bob'";
    size_t ml = strlen(msg);
    uint8_t exp[64];
    put_header(exp, (uint32_t)(9 + ml), 2);
    memcpy(exp + 4, "\xff\x15\x04#28000", 9);
    memcpy(exp + 13, msg, ml);
    assert_buf_bytes(&b, exp, 13 + ml);
    buf_free(&b);

    /* Empty message. */
    assert_int_equal(proto_write_err(&b, 1, 1040, "08004", "%s", ""), 0);
    assert_buf_bytes(&b, "\x09\x00\x00\x01\xff\x10\x04#08004", 13);
    buf_free(&b);

    /* Messages are cut at 511 characters. */
    static const size_t lens[] = {510, 511, 512, 600, 2000};
    for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
        char *long_msg = malloc(lens[i] + 1);
        assert_non_null(long_msg);
        for (size_t j = 0; j < lens[i]; j++)
            long_msg[j] = (char)('a' + j % 26);
        long_msg[lens[i]] = '\0';
        assert_int_equal(proto_write_err(&b, 1, 1064, "42000", "%s", long_msg), 0);
        size_t want = lens[i] < 511 ? lens[i] : 511;
        assert_int_equal(buf_avail(&b), 4 + 9 + want);
        assert_int_equal(proto_u24(buf_head(&b)), 9 + want);
        assert_memory_equal(buf_head(&b) + 13, long_msg, want);
        buf_free(&b);
        free(long_msg);
    }
}

static void test_err_parse(void **state)
{
    struct proto_err e;
    static const uint8_t with[] = {0xff, 0x19, 0x04, '#', '4', '2', '0', '0', '0', 'b', 'a', 'd'};
    assert_int_equal(proto_parse_err(with, sizeof(with), &e), 0);
    assert_int_equal(e.code, 1049);
    assert_string_equal(e.sqlstate, "42000");
    assert_int_equal(e.msg_len, 3);
    assert_memory_equal(e.msg, "bad", 3);

    /* Without '#': SQLSTATE defaults to HY000, message is everything. */
    static const uint8_t without[] = {0xff, 0x19, 0x04, 'H', 'e', 'l', 'l', 'o'};
    assert_int_equal(proto_parse_err(without, sizeof(without), &e), 0);
    assert_int_equal(e.code, 1049);
    assert_string_equal(e.sqlstate, "HY000");
    assert_int_equal(e.msg_len, 5);
    assert_memory_equal(e.msg, "Hello", 5);

    /* '#' with fewer than 5 characters after it: just message text. */
    static const uint8_t shorthash[] = {0xff, 0x19, 0x04, '#', 'a', 'b'};
    assert_int_equal(proto_parse_err(shorthash, sizeof(shorthash), &e), 0);
    assert_string_equal(e.sqlstate, "HY000");
    assert_int_equal(e.msg_len, 3);

    /* Exactly '#' + 5, empty message. */
    static const uint8_t nomsg[] = {0xff, 0x10, 0x04, '#', '0', '8', '0', '0', '4'};
    assert_int_equal(proto_parse_err(nomsg, sizeof(nomsg), &e), 0);
    assert_string_equal(e.sqlstate, "08004");
    assert_int_equal(e.msg_len, 0);

    /* Bare code. */
    static const uint8_t bare[] = {0xff, 0x10, 0x04};
    assert_int_equal(proto_parse_err(bare, sizeof(bare), &e), 0);
    assert_int_equal(e.code, 1040);
    assert_int_equal(e.msg_len, 0);

    /* Malformed. */
    for (size_t cut = 0; cut < 3; cut++) {
        uint8_t *p = exact_copy(with, cut);
        assert_int_equal(proto_parse_err(p, cut, &e), -1);
        free(p);
    }
    static const uint8_t notff[] = {0x00, 0x10, 0x04};
    assert_int_equal(proto_parse_err(notff, sizeof(notff), &e), -1);

    /* Write then parse. */
    struct buf b = {0};
    assert_int_equal(proto_write_err(&b, 1, 1156, "08S01", "Got packets out of order"), 0);
    assert_int_equal(proto_parse_err(buf_head(&b) + 4, buf_avail(&b) - 4, &e), 0);
    assert_int_equal(e.code, 1156);
    assert_string_equal(e.sqlstate, "08S01");
    assert_int_equal(e.msg_len, strlen("Got packets out of order"));
    buf_free(&b);
}

/* ---- framing: proto_message_scan / join / write_payload ----------------- */

static void test_scan_single(void **state)
{
    static const uint8_t d[] = {0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c', 0x01, 0x00, 0x00, 0x01};
    struct proto_msg m;
    assert_int_equal(proto_message_scan(d, sizeof(d), 0, &m), 1);
    assert_int_equal(m.wire, 7);
    assert_int_equal(m.payload, 3);
    assert_int_equal(m.nparts, 1);
    assert_int_equal(m.next_seq, 1);
    /* Exactly the packet. */
    assert_int_equal(proto_message_scan(d, 7, 0, &m), 1);
    assert_int_equal(m.wire, 7);
    /* An empty packet is a complete message. */
    static const uint8_t empty[] = {0x00, 0x00, 0x00, 0x04};
    assert_int_equal(proto_message_scan(empty, 4, 4, &m), 1);
    assert_int_equal(m.wire, 4);
    assert_int_equal(m.payload, 0);
    assert_int_equal(m.nparts, 1);
    assert_int_equal(m.next_seq, 5);
}

static void test_scan_partial(void **state)
{
    static const uint8_t d[] = {0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c'};
    struct proto_msg m;
    for (size_t avail = 0; avail < sizeof(d); avail++) {
        uint8_t *p = exact_copy(d, avail);
        memset(&m, 0x55, sizeof(m));
        assert_int_equal(proto_message_scan(p, avail, 0, &m), 0);
        /* Partial header: nothing announced yet; partial payload: 3. */
        assert_int_equal(m.payload, avail < 4 ? 0 : 3);
        free(p);
    }
}

static void test_scan_bad_seq(void **state)
{
    static const uint8_t d[] = {0x01, 0x00, 0x00, 0x03, 'x'};
    struct proto_msg m;
    assert_int_equal(proto_message_scan(d, sizeof(d), 0, &m), -1);
    assert_int_equal(m.bad_seq, 3);
    /* Detected with only the header present. */
    assert_int_equal(proto_message_scan(d, 4, 2, &m), -1);
    assert_int_equal(m.bad_seq, 3);
    assert_int_equal(proto_message_scan(d, sizeof(d), 3, &m), 1);
    assert_int_equal(m.next_seq, 4);
}

/* Build a message of payload bytes (value i % 251) split as the protocol
 * wants, starting at seq. Returns the malloc'ed wire bytes and their size. */
static uint8_t *make_split(size_t payload, uint8_t seq, size_t *wire)
{
    size_t nparts = payload / PROTO_MAX_PAYLOAD + 1;
    *wire = payload + 4 * nparts;
    uint8_t *w = malloc(*wire);
    assert_non_null(w);
    size_t pos = 0, done = 0;
    for (size_t i = 0; i < nparts; i++) {
        size_t n = payload - done >= PROTO_MAX_PAYLOAD ? PROTO_MAX_PAYLOAD : payload - done;
        put_header(w + pos, (uint32_t)n, seq++);
        pos += 4;
        for (size_t j = 0; j < n; j++)
            w[pos + j] = (uint8_t)((done + j) % 251);
        pos += n;
        done += n;
    }
    assert_int_equal(pos, *wire);
    return w;
}

static void check_payload_pattern(const uint8_t *p, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (p[j] != (uint8_t)(j % 251))
            fail_msg("payload byte %zu is %#x, expected %#x", j, p[j], (unsigned)(j % 251));
}

static void test_scan_split(void **state)
{
    size_t wire;
    const size_t payload = PROTO_MAX_PAYLOAD + 5;
    uint8_t *w = make_split(payload, 7, &wire);
    struct proto_msg m;
    assert_int_equal(wire, 4 + PROTO_MAX_PAYLOAD + 4 + 5);
    assert_int_equal(proto_message_scan(w, wire, 7, &m), 1);
    assert_int_equal(m.wire, wire);
    assert_int_equal(m.payload, payload);
    assert_int_equal(m.nparts, 2);
    assert_int_equal(m.next_seq, 9);

    uint8_t *joined = malloc(payload);
    assert_non_null(joined);
    proto_message_join(w, &m, joined);
    check_payload_pattern(joined, payload);
    free(joined);

    /* Partial: inside the first part, before the second header, inside it,
     * inside the second payload. */
    assert_int_equal(proto_message_scan(w, 4 + 100, 7, &m), 0);
    assert_int_equal(m.payload, PROTO_MAX_PAYLOAD);
    assert_int_equal(proto_message_scan(w, 4 + PROTO_MAX_PAYLOAD, 7, &m), 0);
    assert_int_equal(m.payload, PROTO_MAX_PAYLOAD);
    assert_int_equal(proto_message_scan(w, 4 + PROTO_MAX_PAYLOAD + 3, 7, &m), 0);
    assert_int_equal(m.payload, PROTO_MAX_PAYLOAD);
    assert_int_equal(proto_message_scan(w, wire - 1, 7, &m), 0);
    assert_int_equal(m.payload, payload);

    /* Wrong sequence id on the second part. */
    w[4 + PROTO_MAX_PAYLOAD + 3] = 42;
    assert_int_equal(proto_message_scan(w, wire, 7, &m), -1);
    assert_int_equal(m.bad_seq, 42);
    free(w);
}

static void test_scan_split_exact(void **state)
{
    size_t wire;
    uint8_t *w = make_split(PROTO_MAX_PAYLOAD, 0, &wire);
    struct proto_msg m;
    assert_int_equal(wire, 4 + PROTO_MAX_PAYLOAD + 4);
    /* Without the trailing empty packet the message is not complete. */
    assert_int_equal(proto_message_scan(w, wire - 4, 0, &m), 0);
    assert_int_equal(m.payload, PROTO_MAX_PAYLOAD);
    assert_int_equal(proto_message_scan(w, wire, 0, &m), 1);
    assert_int_equal(m.wire, wire);
    assert_int_equal(m.payload, PROTO_MAX_PAYLOAD);
    assert_int_equal(m.nparts, 2);
    assert_int_equal(m.next_seq, 2);
    uint8_t *joined = malloc(PROTO_MAX_PAYLOAD);
    assert_non_null(joined);
    proto_message_join(w, &m, joined);
    check_payload_pattern(joined, PROTO_MAX_PAYLOAD);
    free(joined);
    free(w);
}

static void test_scan_seq_wraps(void **state)
{
    size_t wire;
    uint8_t *w = make_split(PROTO_MAX_PAYLOAD + 1, 255, &wire);
    struct proto_msg m;
    assert_int_equal(w[3], 255);
    assert_int_equal(w[4 + PROTO_MAX_PAYLOAD + 3], 0);
    assert_int_equal(proto_message_scan(w, wire, 255, &m), 1);
    assert_int_equal(m.nparts, 2);
    assert_int_equal(m.next_seq, 1);
    free(w);
    static const uint8_t one[] = {0x00, 0x00, 0x00, 0xff};
    assert_int_equal(proto_message_scan(one, 4, 255, &m), 1);
    assert_int_equal(m.next_seq, 0);
}

static void test_message_join_single(void **state)
{
    static const uint8_t d[] = {0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c'};
    struct proto_msg m;
    uint8_t out[3];
    assert_int_equal(proto_message_scan(d, sizeof(d), 0, &m), 1);
    proto_message_join(d, &m, out);
    assert_memory_equal(out, "abc", 3);
}

struct payload_case {
    size_t len;
    uint8_t seq;
    unsigned nparts;
    size_t last_len;
};

static void test_write_payload(void **state)
{
    static const struct payload_case cases[] = {
        {0, 0, 1, 0},        {10, 3, 1, 10},         {0xfffffe, 1, 1, 0xfffffe},
        {0xffffff, 1, 2, 0}, {0x1000005, 254, 2, 6}, {2 * 0xffffff, 255, 3, 0},
    };
    size_t maxlen = 2 * 0xffffff;
    uint8_t *payload = malloc(maxlen);
    assert_non_null(payload);
    for (size_t j = 0; j < maxlen; j++)
        payload[j] = (uint8_t)(j % 251);

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const struct payload_case *c = &cases[i];
        struct buf b = {0};
        /* Something already in the buffer stays. */
        assert_int_equal(buf_append(&b, "XY", 2), 0);
        uint8_t seq = c->seq;
        assert_int_equal(proto_write_payload(&b, payload, c->len, &seq), 0);
        assert_int_equal(seq, (uint8_t)(c->seq + c->nparts));
        assert_int_equal(buf_avail(&b), 2 + c->len + 4 * c->nparts);
        assert_memory_equal(buf_head(&b), "XY", 2);
        const uint8_t *w = buf_head(&b) + 2;
        size_t pos = 0, done = 0;
        for (unsigned k = 0; k < c->nparts; k++) {
            size_t want = k + 1 < c->nparts ? PROTO_MAX_PAYLOAD : c->last_len;
            if (proto_u24(w + pos) != want || w[pos + 3] != (uint8_t)(c->seq + k))
                fail_msg("payload %zu part %u: header len %u seq %u, expected %zu seq %u", c->len,
                         k, proto_u24(w + pos), w[pos + 3], want, (uint8_t)(c->seq + k));
            assert_memory_equal(w + pos + 4, payload + done, want);
            pos += 4 + want;
            done += want;
        }
        assert_int_equal(done, c->len);
        /* And it scans back as one message. */
        struct proto_msg m;
        assert_int_equal(proto_message_scan(w, buf_avail(&b) - 2, c->seq, &m), 1);
        assert_int_equal(m.payload, c->len);
        assert_int_equal(m.nparts, c->nparts);
        assert_int_equal(m.next_seq, seq);
        buf_free(&b);
    }
    free(payload);
}

/* ---- handshake ---------------------------------------------------------- */

static const uint8_t scramble20[PROTO_SCRAMBLE_LEN] = {
    0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x41, 0x42,
    0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c,
};

static void test_handshake_write(void **state)
{
    const struct proto_handshake hs = {
        .server_version = "10.11.6-shardrouter",
        .conn_id = 0x01020304,
        .scramble = scramble20,
        .caps = 0x81bff7ffu,
        .charset = 45,
        .status = 0x0002,
        .auth_plugin = "mysql_native_password",
    };
    struct buf b = {0};
    assert_int_equal(proto_write_handshake(&b, &hs), 0);
    const uint8_t *w = buf_head(&b);
    size_t n = buf_avail(&b);
    assert_int_equal(w[3], 0); /* sequence id 0 */
    assert_int_equal(proto_u24(w), n - 4);

    struct proto_reader r;
    size_t len;
    proto_reader_init(&r, w + 4, n - 4);
    assert_int_equal(proto_get_u8(&r), 10); /* protocol version */
    const uint8_t *ver = proto_get_nulstr(&r, &len);
    assert_int_equal(len, strlen(hs.server_version));
    assert_memory_equal(ver, hs.server_version, len);
    assert_int_equal(proto_get_u32(&r), 0x01020304);
    const uint8_t *part1 = proto_get_bytes(&r, 8);
    assert_memory_equal(part1, scramble20, 8);
    assert_int_equal(proto_get_u8(&r), 0); /* filler */
    uint32_t caps = proto_get_u16(&r);
    assert_int_equal(caps, 0xf7ff);
    assert_int_equal(proto_get_u8(&r), 45);
    assert_int_equal(proto_get_u16(&r), 0x0002);
    caps |= (uint32_t)proto_get_u16(&r) << 16;
    assert_int_equal(caps, 0x81bff7ffu);
    assert_int_equal(proto_get_u8(&r), PROTO_SCRAMBLE_LEN + 1); /* auth data length */
    const uint8_t *reserved = proto_get_bytes(&r, 10);
    static const uint8_t zeros[10];
    assert_memory_equal(reserved, zeros, 10);
    const uint8_t *part2 = proto_get_bytes(&r, 12);
    assert_memory_equal(part2, scramble20 + 8, 12);
    assert_int_equal(proto_get_u8(&r), 0); /* NUL after the scramble */
    const uint8_t *plugin = proto_get_nulstr(&r, &len);
    assert_int_equal(len, strlen("mysql_native_password"));
    assert_memory_equal(plugin, "mysql_native_password", len);
    assert_int_equal(r.err, 0);
    assert_int_equal(proto_reader_left(&r), 0);
    /* Total: 1 + ver\0 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 13 + plugin\0 */
    assert_int_equal(n - 4, 1 + 20 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 13 + 22);
    buf_free(&b);
}

/* Handshake response builder. */
struct hsr_spec {
    uint32_t caps;
    const char *user;
    const uint8_t *auth;
    size_t auth_len;
    const char *db;       /* written when CONNECT_WITH_DB */
    const char *plugin;   /* written when PLUGIN_AUTH */
    const uint8_t *attrs; /* raw bytes after the plugin, when CONNECT_ATTRS */
    size_t attrs_len;
};

static size_t build_hsr(const struct hsr_spec *s, uint8_t *out)
{
    uint8_t *p = out;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(s->caps >> (8 * i));
    *p++ = 0x00; /* max packet 16 MiB: 00 00 00 01 */
    *p++ = 0x00;
    *p++ = 0x00;
    *p++ = 0x01;
    *p++ = 33; /* charset */
    memset(p, 0, 23);
    p += 23;
    size_t n = strlen(s->user);
    memcpy(p, s->user, n + 1);
    p += n + 1;
    if (s->caps & PROTO_CAP_PLUGIN_AUTH_LENENC_DATA) {
        p = proto_put_lenenc(p, s->auth_len);
        memcpy(p, s->auth, s->auth_len);
        p += s->auth_len;
    } else if (s->caps & PROTO_CAP_SECURE_CONNECTION) {
        *p++ = (uint8_t)s->auth_len;
        memcpy(p, s->auth, s->auth_len);
        p += s->auth_len;
    } else {
        memcpy(p, s->auth, s->auth_len);
        p += s->auth_len;
        *p++ = 0;
    }
    if ((s->caps & PROTO_CAP_CONNECT_WITH_DB) && s->db) {
        n = strlen(s->db);
        memcpy(p, s->db, n + 1);
        p += n + 1;
    }
    if ((s->caps & PROTO_CAP_PLUGIN_AUTH) && s->plugin) {
        n = strlen(s->plugin);
        memcpy(p, s->plugin, n + 1);
        p += n + 1;
    }
    if ((s->caps & PROTO_CAP_CONNECT_ATTRS) && s->attrs) {
        memcpy(p, s->attrs, s->attrs_len);
        p += s->attrs_len;
    }
    return (size_t)(p - out);
}

#define CAPS41                                                                                     \
    (PROTO_CAP_LONG_PASSWORD | PROTO_CAP_PROTOCOL_41 | PROTO_CAP_TRANSACTIONS |                    \
     PROTO_CAP_MULTI_RESULTS)

/* attrs: lenenc total, then pairs of lenenc strings: _client_name=libmariadb */
static const uint8_t attrs_bytes[] = {0x17, 0x0c, '_', 'c', 'l', 'i',  'e', 'n', 't',
                                      '_',  'n',  'a', 'm', 'e', 0x0a, 'l', 'i', 'b',
                                      'm',  'a',  'r', 'i', 'a', 'd',  'b'};

static void assert_field(const uint8_t *got, size_t got_len, const char *exp)
{
    if (exp == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_int_equal(got_len, strlen(exp));
    assert_memory_equal(got, exp, got_len);
}

static void test_hs_response_lenenc(void **state)
{
    struct hsr_spec s = {
        .caps = CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_PLUGIN_AUTH |
                PROTO_CAP_PLUGIN_AUTH_LENENC_DATA | PROTO_CAP_CONNECT_WITH_DB |
                PROTO_CAP_CONNECT_ATTRS,
        .user = "app",
        .auth = scramble20,
        .auth_len = 20,
        .db = "main",
        .plugin = "mysql_native_password",
        .attrs = attrs_bytes,
        .attrs_len = sizeof(attrs_bytes),
    };
    uint8_t buf[256];
    size_t n = build_hsr(&s, buf);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_int_equal(r.caps, s.caps);
    assert_int_equal(r.max_packet, 0x01000000);
    assert_int_equal(r.charset, 33);
    assert_field(r.user, r.user_len, "app");
    assert_int_equal(r.auth_len, 20);
    assert_memory_equal(r.auth, scramble20, 20);
    assert_field(r.db, r.db_len, "main");
    assert_field(r.plugin, r.plugin_len, "mysql_native_password");
    assert_false(r.ssl_request);

    /* An auth response of 300 bytes needs a 0xfc length. */
    uint8_t big_auth[300];
    memset(big_auth, 0x7a, sizeof(big_auth));
    s.auth = big_auth;
    s.auth_len = sizeof(big_auth);
    uint8_t buf2[512];
    n = build_hsr(&s, buf2);
    assert_int_equal(proto_parse_hs_response(buf2, n, &r, &why), 0);
    assert_int_equal(r.auth_len, 300);
    assert_field(r.db, r.db_len, "main");
}

static void test_hs_response_secure(void **state)
{
    struct hsr_spec s = {
        .caps = CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_PLUGIN_AUTH,
        .user = "root",
        .auth = scramble20,
        .auth_len = 20,
        .plugin = "mysql_native_password",
    };
    uint8_t buf[256];
    size_t n = build_hsr(&s, buf);
    /* The auth length byte sits right after "root\0". */
    assert_int_equal(buf[32 + 5], 20);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_field(r.user, r.user_len, "root");
    assert_int_equal(r.auth_len, 20);
    assert_memory_equal(r.auth, scramble20, 20);
    assert_null(r.db);
    assert_field(r.plugin, r.plugin_len, "mysql_native_password");

    /* Empty password: length 0. */
    s.auth_len = 0;
    n = build_hsr(&s, buf);
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_int_equal(r.auth_len, 0);
    assert_field(r.plugin, r.plugin_len, "mysql_native_password");
}

static void test_hs_response_nul_auth(void **state)
{
    /* Neither SECURE_CONNECTION nor LENENC: the auth data is NUL-ended. */
    struct hsr_spec s = {
        .caps = CAPS41,
        .user = "u",
        .auth = (const uint8_t *)"abcdefgh",
        .auth_len = 8,
    };
    uint8_t buf[128];
    size_t n = build_hsr(&s, buf);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_field(r.user, r.user_len, "u");
    assert_field(r.auth, r.auth_len, "abcdefgh");
    assert_null(r.plugin);
    assert_null(r.db);
}

static void test_hs_response_db(void **state)
{
    struct hsr_spec s = {
        .caps = CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_CONNECT_WITH_DB,
        .user = "app",
        .auth = scramble20,
        .auth_len = 20,
        .db = "app",
    };
    uint8_t buf[256];
    size_t n = build_hsr(&s, buf);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_field(r.db, r.db_len, "app");
    assert_null(r.plugin);

    /* An empty database name means none. */
    s.db = "";
    n = build_hsr(&s, buf);
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_null(r.db);
    assert_int_equal(r.db_len, 0);

    /* CONNECT_WITH_DB announced, but nothing sent: no database. */
    s.db = NULL;
    n = build_hsr(&s, buf);
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_null(r.db);

    /* Database name without its NUL. */
    s.db = "app";
    n = build_hsr(&s, buf) - 1;
    uint8_t *p = exact_copy(buf, n);
    assert_int_equal(proto_parse_hs_response(p, n, &r, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "database"));
    free(p);

    /* The db field is only read when the flag says so. */
    s.caps &= ~PROTO_CAP_CONNECT_WITH_DB;
    s.caps |= PROTO_CAP_PLUGIN_AUTH;
    s.plugin = "mysql_native_password";
    n = build_hsr(&s, buf);
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), 0);
    assert_null(r.db);
    assert_field(r.plugin, r.plugin_len, "mysql_native_password");
}

static void test_hs_response_plugin_no_nul(void **state)
{
    /* Some old clients omit the plugin name's NUL: the rest is taken. */
    struct hsr_spec s = {
        .caps = CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_PLUGIN_AUTH,
        .user = "app",
        .auth = scramble20,
        .auth_len = 20,
        .plugin = "mysql_native_password",
    };
    uint8_t buf[256];
    size_t n = build_hsr(&s, buf) - 1;
    uint8_t *p = exact_copy(buf, n);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(p, n, &r, &why), 0);
    assert_field(r.plugin, r.plugin_len, "mysql_native_password");
    free(p);
}

static void test_hs_response_bad_attrs(void **state)
{
    static const uint8_t bad_attrs[] = {0x20, 0x01, 0x02}; /* says 32 bytes, has 2 */
    struct hsr_spec s = {
        .caps =
            CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_PLUGIN_AUTH | PROTO_CAP_CONNECT_ATTRS,
        .user = "app",
        .auth = scramble20,
        .auth_len = 20,
        .plugin = "mysql_native_password",
        .attrs = bad_attrs,
        .attrs_len = sizeof(bad_attrs),
    };
    uint8_t buf[256];
    size_t n = build_hsr(&s, buf);
    uint8_t *p = exact_copy(buf, n);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(p, n, &r, &why), -1);
    assert_non_null(strstr(why, "attributes"));
    free(p);
}

static void test_hs_response_not41(void **state)
{
    struct hsr_spec s = {
        .caps = PROTO_CAP_LONG_PASSWORD | PROTO_CAP_SECURE_CONNECTION,
        .user = "app",
        .auth = scramble20,
        .auth_len = 20,
    };
    uint8_t buf[256];
    size_t n = build_hsr(&s, buf);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(buf, n, &r, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "4.1"));
    /* A 4.0-style response is shorter than 32 bytes: still the 4.1 reason
     * once the caps are readable. */
    assert_int_equal(proto_parse_hs_response(buf, 5, &r, &why), -1);
    assert_non_null(strstr(why, "4.1"));
}

static void test_hs_response_ssl_request(void **state)
{
    uint8_t buf[32];
    uint32_t caps = CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_SSL;
    memset(buf, 0, sizeof(buf));
    for (int i = 0; i < 4; i++)
        buf[i] = (uint8_t)(caps >> (8 * i));
    buf[7] = 0x01;
    buf[8] = 45;
    uint8_t *p = exact_copy(buf, 32);
    struct proto_hs_response r;
    const char *why = NULL;
    assert_int_equal(proto_parse_hs_response(p, 32, &r, &why), 0);
    assert_true(r.ssl_request);
    assert_int_equal(r.caps, caps);
    assert_int_equal(r.max_packet, 0x01000000);
    assert_int_equal(r.charset, 45);
    assert_null(r.user);
    /* Without the SSL flag, 32 bytes are a truncated response. */
    caps &= ~PROTO_CAP_SSL;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(caps >> (8 * i));
    assert_int_equal(proto_parse_hs_response(p, 32, &r, &why), -1);
    assert_false(r.ssl_request);
    free(p);
}

/* Every prefix of a valid response: rejected, or parsed with every field
 * inside the prefix. Each prefix sits in a block of exactly its size, so
 * AddressSanitizer reports any read past the end. */
static void check_all_prefixes(const uint8_t *full, size_t n)
{
    for (size_t len = 0; len <= n; len++) {
        uint8_t *p = exact_copy(full, len);
        struct proto_hs_response r;
        const char *why = NULL;
        int rc = proto_parse_hs_response(p, len, &r, &why);
        if (len == n && rc != 0)
            fail_msg("the full response (%zu bytes) was rejected: %s", n, why);
        if (rc == -1) {
            assert_non_null(why);
        } else {
            assert_int_equal(rc, 0);
            const uint8_t *end = p + len;
            if (r.user)
                assert_true(r.user + r.user_len <= end);
            if (r.auth)
                assert_true(r.auth + r.auth_len <= end);
            if (r.db)
                assert_true(r.db + r.db_len <= end);
            if (r.plugin)
                assert_true(r.plugin + r.plugin_len <= end);
            if (!r.ssl_request)
                assert_non_null(r.user);
            /* Below the fixed 32 bytes nothing can parse. */
            assert_true(len >= 32);
        }
        free(p);
    }
}

static void test_hs_response_prefixes(void **state)
{
    static const uint32_t variants[] = {
        CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_PLUGIN_AUTH |
            PROTO_CAP_PLUGIN_AUTH_LENENC_DATA | PROTO_CAP_CONNECT_WITH_DB | PROTO_CAP_CONNECT_ATTRS,
        CAPS41 | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_PLUGIN_AUTH | PROTO_CAP_CONNECT_WITH_DB,
        CAPS41 | PROTO_CAP_SECURE_CONNECTION,
        CAPS41 | PROTO_CAP_CONNECT_WITH_DB,
        CAPS41 | PROTO_CAP_PLUGIN_AUTH_LENENC_DATA | PROTO_CAP_CONNECT_ATTRS,
        CAPS41 | PROTO_CAP_SSL | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_PLUGIN_AUTH,
    };
    uint8_t big_auth[300];
    memset(big_auth, 0x61, sizeof(big_auth));
    for (size_t i = 0; i < ARRAY_LEN(variants); i++) {
        for (int a = 0; a < 2; a++) {
            struct hsr_spec s = {
                .caps = variants[i],
                .user = "app_user",
                .auth = a ? big_auth : scramble20,
                .auth_len = a ? sizeof(big_auth) : 20,
                .db = "main",
                .plugin = "mysql_native_password",
                .attrs = attrs_bytes,
                .attrs_len = sizeof(attrs_bytes),
            };
            /* The 1-byte length of SECURE_CONNECTION caps at 255. */
            if (a && !(s.caps & PROTO_CAP_PLUGIN_AUTH_LENENC_DATA) &&
                (s.caps & PROTO_CAP_SECURE_CONNECTION))
                s.auth_len = 255;
            if (a && !(s.caps & (PROTO_CAP_PLUGIN_AUTH_LENENC_DATA | PROTO_CAP_SECURE_CONNECTION)))
                continue; /* NUL-ended auth cannot hold arbitrary bytes */
            uint8_t buf[512];
            size_t n = build_hsr(&s, buf);
            check_all_prefixes(buf, n);
        }
    }
}

/* ---- session state, auth switch ----------------------------------------- */

/* The GTID in an OK packet's session state: MariaDB's last_gtid variable
 * among other tracked variables and the schema, MySQL's GTIDs entry. */
static void test_state_gtid(void **state)
{
    static const uint8_t mariadb[] = {0x01, 0x04, 0x03, 'a',  'p',  'p', /* schema */
                                      0x00, 0x0e, 0x0a, 'a',  'u',  't',  'o', 'c',
                                      'o',  'm',  'm',  'i',  't', /* autocommit */
                                      0x02, 'O',  'N',  0x00, 0x10, 0x09, 'l', 'a',
                                      's',  't',  '_',  'g',  't',  'i',  'd', /* last_gtid */
                                      0x05, '1',  '-',  '1',  '-',  '7'};
    char g[64];
    assert_int_equal(proto_state_gtid(mariadb, sizeof(mariadb), g, sizeof(g)), 5);
    assert_string_equal(g, "1-1-7");
    /* too small a buffer: none */
    assert_int_equal(proto_state_gtid(mariadb, sizeof(mariadb), g, 5), 0);
    /* cut short: what was read stays, no over-read */
    assert_int_equal(proto_state_gtid(mariadb, sizeof(mariadb) - 2, g, sizeof(g)), 0);
    static const uint8_t mysql[] = {0x03, 0x0a, 0x00, 0x08, 'u', ':', '1', '-', '2', '3', '4', '5'};
    assert_int_equal(proto_state_gtid(mysql, sizeof(mysql), g, sizeof(g)), 8);
    assert_string_equal(g, "u:1-2345");
    static const uint8_t none[] = {0x01, 0x04, 0x03, 'a', 'p', 'p'};
    assert_int_equal(proto_state_gtid(none, sizeof(none), g, sizeof(g)), 0);
}

static void test_state_schema(void **state)
{
    uint8_t out[400];
    memset(out, 0xcc, sizeof(out));
    size_t n = proto_state_schema(out, sizeof(out), "app");
    static const uint8_t exp[] = {0x01, 0x04, 0x03, 'a', 'p', 'p'};
    assert_int_equal(n, sizeof(exp));
    assert_memory_equal(out, exp, sizeof(exp));
    assert_int_equal(out[n], 0xcc);

    /* Exactly enough room, then one byte too little. */
    memset(out, 0xcc, sizeof(out));
    assert_int_equal(proto_state_schema(out, 6, "app"), 6);
    assert_int_equal(proto_state_schema(out, 5, "app"), 0);
    assert_int_equal(proto_state_schema(out, 0, "app"), 0);

    /* Empty name. */
    n = proto_state_schema(out, sizeof(out), "");
    static const uint8_t exp_empty[] = {0x01, 0x01, 0x00};
    assert_int_equal(n, 3);
    assert_memory_equal(out, exp_empty, 3);

    /* 250 characters: data is 251 bytes, which needs a 0xfc length. */
    char name[251];
    memset(name, 'k', 250);
    name[250] = '\0';
    n = proto_state_schema(out, sizeof(out), name);
    assert_int_equal(n, 1 + 3 + 1 + 250);
    static const uint8_t hdr[] = {0x01, 0xfc, 0xfb, 0x00, 0xfa};
    assert_memory_equal(out, hdr, sizeof(hdr));
    assert_memory_equal(out + 5, name, 250);
    /* A name of 300 bytes does not fit the relay's 300-byte state buffer. */
    char longname[301];
    memset(longname, 'q', 300);
    longname[300] = '\0';
    assert_int_equal(proto_state_schema(out, 300, longname), 0);
}

static void test_auth_switch(void **state)
{
    struct buf b = {0};
    uint8_t data[21];
    memcpy(data, scramble20, 20);
    data[20] = 0;
    assert_int_equal(proto_write_auth_switch(&b, 2, "mysql_native_password", data, 21), 0);
    uint8_t exp[4 + 1 + 22 + 21];
    put_header(exp, 1 + 22 + 21, 2);
    exp[4] = 0xfe;
    memcpy(exp + 5, "mysql_native_password", 22);
    memcpy(exp + 27, data, 21);
    assert_buf_bytes(&b, exp, sizeof(exp));
    buf_free(&b);

    assert_int_equal(proto_write_auth_switch(&b, 4, "x", NULL, 0), 0);
    assert_buf_bytes(&b, "\x03\x00\x00\x04\xfex\x00", 7);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lenenc_put),
        cmocka_unit_test(test_lenenc_get),
        cmocka_unit_test(test_lenenc_get_non_minimal),
        cmocka_unit_test(test_lenenc_truncated_sticky),
        cmocka_unit_test(test_lenenc_rejects_fb_ff),
        cmocka_unit_test(test_fixed_ints),
        cmocka_unit_test(test_lenenc_str),
        cmocka_unit_test(test_nulstr),
        cmocka_unit_test(test_bytes_and_rest),
        cmocka_unit_test(test_writer_primitives),
        cmocka_unit_test(test_ok_write),
        cmocka_unit_test(test_ok_round_trip),
        cmocka_unit_test(test_ok_parse),
        cmocka_unit_test(test_ok_parse_malformed),
        cmocka_unit_test(test_eof_write_parse),
        cmocka_unit_test(test_write_end),
        cmocka_unit_test(test_is_end),
        cmocka_unit_test(test_err_write),
        cmocka_unit_test(test_err_parse),
        cmocka_unit_test(test_scan_single),
        cmocka_unit_test(test_scan_partial),
        cmocka_unit_test(test_scan_bad_seq),
        cmocka_unit_test(test_scan_split),
        cmocka_unit_test(test_scan_split_exact),
        cmocka_unit_test(test_scan_seq_wraps),
        cmocka_unit_test(test_message_join_single),
        cmocka_unit_test(test_write_payload),
        cmocka_unit_test(test_handshake_write),
        cmocka_unit_test(test_hs_response_lenenc),
        cmocka_unit_test(test_hs_response_secure),
        cmocka_unit_test(test_hs_response_nul_auth),
        cmocka_unit_test(test_hs_response_db),
        cmocka_unit_test(test_hs_response_plugin_no_nul),
        cmocka_unit_test(test_hs_response_bad_attrs),
        cmocka_unit_test(test_hs_response_not41),
        cmocka_unit_test(test_hs_response_ssl_request),
        cmocka_unit_test(test_hs_response_prefixes),
        cmocka_unit_test(test_state_schema),
        cmocka_unit_test(test_state_gtid),
        cmocka_unit_test(test_auth_switch),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
