/*
 * test_merge.c — unit tests for the scatter/gather merge (include/merge.h)
 * and its value helpers (include/merge_int.h).
 *
 * Most tests are tables. A merge case is written in a small notation:
 *   columns  "i,s:h,n2:S"   one token per column: a type letter (i bigint,
 *            u bigint unsigned, n<d> decimal, d[<d>] double (31 decimals
 *            unless given), f float, s varchar utf8mb4_general_ci, b blob
 *            (binary), w varbinary (a weight), D date, T datetime, t time,
 *            y year, e enum (STRING + ENUM_FLAG)), then ':' and a role (v
 *            value, c count, S sum, m min, M max, a<k> avg with count in
 *            column k, h hidden);
 *   order    "0,1d,2w3"     column, d for DESC, w<k> for a weight column;
 *   rows     "1|a;2|\N"     rows separated by ';', columns by '|', \N NULL.
 * The driver plays the executor: it feeds each target's rows when
 * merge_wants() says so, marks ends, calls merge_output() and "flushes"
 * the output after each call; the packets are then decoded back into the
 * same notation and compared with the expected text.
 *
 * Expected values of AVG, SUM of doubles and double formatting were taken
 * from MariaDB 10.11 (the server the integration tests use).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../bench/bench_util.h"

#include "merge.h"
#include "merge_int.h"
#include "proto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAXC 16

/* Allocation counting: tests/bench/bench_util.c interposes malloc. */

/* ---- notation ------------------------------------------------------------ */

static void parse_cols(const char *spec, struct plan_merge *pm, struct merge_colinfo *ci)
{
    const char *s = spec;
    uint16_t n = 0;
    while (*s) {
        struct merge_colinfo c = {0};
        c.charset = 63;
        char type = *s++;
        int dec = -1;
        if (*s >= '0' && *s <= '9')
            dec = (int)strtol(s, (char **)&s, 10);
        switch (type) {
        case 'i':
            c.type = MERGE_T_LONGLONG;
            break;
        case 'u':
            c.type = MERGE_T_LONGLONG;
            c.flags = MERGE_FLAG_UNSIGNED;
            break;
        case 'n':
            c.type = MERGE_T_NEWDECIMAL;
            c.decimals = (uint8_t)(dec < 0 ? 0 : dec);
            c.length = 20;
            break;
        case 'd':
            c.type = MERGE_T_DOUBLE;
            c.decimals = (uint8_t)(dec < 0 ? MERGE_NOT_FIXED_DEC : dec);
            break;
        case 'f':
            c.type = MERGE_T_FLOAT;
            c.decimals = MERGE_NOT_FIXED_DEC;
            break;
        case 's':
            c.type = MERGE_T_VAR_STRING;
            c.charset = 45;
            break;
        case 'b':
            c.type = MERGE_T_BLOB;
            break;
        case 'w':
            c.type = MERGE_T_VAR_STRING;
            break;
        case 'D':
            c.type = MERGE_T_DATE;
            break;
        case 'T':
            c.type = MERGE_T_DATETIME;
            break;
        case 't':
            c.type = MERGE_T_TIME;
            break;
        case 'y':
            c.type = MERGE_T_YEAR;
            break;
        case 'e':
            c.type = MERGE_T_STRING;
            c.flags = MERGE_FLAG_ENUM;
            c.charset = 45;
            break;
        default:
            fail_msg("bad column type '%c' in \"%s\"", type, spec);
        }
        enum plan_col_role role = PLAN_COL_VALUE;
        uint16_t avg_count = 0;
        int16_t weight = -1;
        if (*s == ':') {
            s++;
            switch (*s++) {
            case 'v':
                role = PLAN_COL_VALUE;
                break;
            case 'c':
                role = PLAN_COL_COUNT;
                break;
            case 'S':
                role = PLAN_COL_SUM;
                break;
            case 'm':
            case 'M':
                /* m / M: MIN / MAX; a number after it: its weight column */
                role = s[-1] == 'm' ? PLAN_COL_MIN : PLAN_COL_MAX;
                if (*s >= '0' && *s <= '9')
                    weight = (int16_t)strtol(s, (char **)&s, 10);
                break;
            case 'h':
                role = PLAN_COL_HIDDEN;
                break;
            case 'a':
                role = PLAN_COL_AVG_SUM;
                avg_count = (uint16_t)strtol(s, (char **)&s, 10);
                break;
            default:
                fail_msg("bad role in \"%s\"", spec);
            }
        }
        assert_true(n < MAXC);
        ci[n] = c;
        pm->cols[n].role = role;
        pm->cols[n].avg_count = avg_count;
        pm->cols[n].weight = weight;
        pm->cols[n].avg_def = -1;
        n++;
        if (*s == ',')
            s++;
    }
    pm->ncols = n;
}

static void parse_order(const char *spec, struct plan_merge *pm)
{
    const char *s = spec;
    pm->norder = 0;
    while (s && *s) {
        struct plan_order o = {0, -1, false};
        o.column = (uint16_t)strtol(s, (char **)&s, 10);
        for (;;) {
            if (*s == 'd') {
                o.desc = true;
                s++;
            } else if (*s == 'w') {
                s++;
                o.weight = (int16_t)strtol(s, (char **)&s, 10);
            } else {
                break;
            }
        }
        pm->order[pm->norder++] = o;
        if (*s == ',')
            s++;
    }
}

/* A row payload from "a|b|\N" (exact-size heap block). */
struct trow {
    uint8_t *p;
    size_t len;
};

static struct trow mkrow(const char *text, size_t tlen)
{
    uint8_t *b = malloc(tlen * 9 + 16);
    size_t o = 0;
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < tlen && text[j] != '|')
            j++;
        if (j - i == 2 && text[i] == '\\' && text[i + 1] == 'N') {
            b[o++] = 0xfb;
        } else {
            o = (size_t)(proto_put_lenenc(b + o, j - i) - b);
            memcpy(b + o, text + i, j - i);
            o += j - i;
        }
        if (j >= tlen)
            break;
        i = j + 1;
    }
    struct trow r = {malloc(o ? o : 1), o};
    memcpy(r.p, b, o);
    free(b);
    return r;
}

struct trows {
    struct trow *r;
    size_t n;
};

static struct trows mkrows(const char *spec)
{
    struct trows t = {NULL, 0};
    if (spec == NULL || *spec == '\0')
        return t;
    size_t cap = 1;
    for (const char *s = spec; *s; s++)
        cap += *s == ';';
    t.r = calloc(cap, sizeof(*t.r));
    const char *s = spec;
    for (;;) {
        const char *e = strchr(s, ';');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        t.r[t.n++] = mkrow(s, l);
        if (!e)
            break;
        s = e + 1;
    }
    return t;
}

static void free_rows(struct trows *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->r[i].p);
    free(t->r);
    t->r = NULL;
    t->n = 0;
}

/* Decode text-row packets back to the notation; checks sequence ids
 * (starting at first_seq) and the column count. The caller frees. */
static char *decode(const uint8_t *p, size_t n, uint16_t ncols, uint8_t first_seq, size_t *nrows)
{
    size_t cap = n * 2 + 16, o = 0;
    char *s = malloc(cap);
    uint8_t seq = first_seq;
    *nrows = 0;
    s[0] = '\0';
    size_t pos = 0;
    while (pos < n) {
        struct proto_msg msg;
        int rc = proto_message_scan(p + pos, n - pos, seq, &msg);
        if (rc != 1)
            fail_msg("output: bad packet framing at byte %zu (rc %d)", pos, rc);
        uint8_t *pl = malloc(msg.payload ? msg.payload : 1);
        proto_message_join(p + pos, &msg, pl);
        seq = msg.next_seq;
        pos += msg.wire;
        struct proto_reader r;
        proto_reader_init(&r, pl, msg.payload);
        if (*nrows > 0)
            s[o++] = ';';
        for (uint16_t c = 0; c < ncols; c++) {
            if (c > 0)
                s[o++] = '|';
            if (proto_reader_left(&r) > 0 && *r.p == 0xfb) {
                r.p++;
                memcpy(s + o, "\\N", 2);
                o += 2;
                continue;
            }
            size_t l;
            const uint8_t *v = proto_get_lenenc_str(&r, &l);
            if (r.err)
                fail_msg("output row %zu: column %u malformed", *nrows, c);
            if (o + l + 8 > cap) {
                cap = (o + l + 8) * 2;
                s = realloc(s, cap);
            }
            memcpy(s + o, v, l);
            o += l;
        }
        if (proto_reader_left(&r) != 0)
            fail_msg("output row %zu: more than %u columns", *nrows, ncols);
        free(pl);
        (*nrows)++;
        if (o + 8 > cap) {
            cap = o * 2 + 16;
            s = realloc(s, cap);
        }
        s[o] = '\0';
    }
    return s;
}

/* ---- the executor's part ------------------------------------------------- */

enum feed { FEED_SEQ, FEED_RR, FEED_RANDOM };

struct drive_opts {
    enum feed feed;
    size_t out_limit;
    unsigned seed;
};

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Run the merge over the targets' rows; all packets emitted are appended
 * to raw (which is consumed by nothing else). */
static void drive(struct merge *m, int nt, struct trows *rows, const struct drive_opts *o,
                  struct buf *raw)
{
    size_t next[PLAN_MAX_TARGETS] = {0};
    struct buf out = {0};
    uint8_t seq = 1;
    unsigned long guard = 0;
    while (!merge_done(m)) {
        if (++guard > 10000000)
            fail_msg("merge does not finish");
        int start = o->feed == FEED_RANDOM ? (int)rndn((unsigned)nt) : 0;
        for (int i = 0; i < nt; i++) {
            int t = (start + i) % nt;
            if (!merge_wants(m, t))
                continue;
            if (next[t] < rows[t].n) {
                struct trow *r = &rows[t].r[next[t]++];
                if (merge_row(m, t, r->p, r->len) != 0)
                    fail_msg("merge_row: %s", merge_error(m));
            } else {
                merge_end(m, t);
            }
            if (o->feed != FEED_RR)
                break;
        }
        int rc = merge_output(m, &out, &seq, o->out_limit);
        if (rc < 0)
            fail_msg("merge_output: %s", merge_error(m));
        assert_int_equal(buf_append(raw, buf_head(&out), buf_avail(&out)), 0);
        buf_consume(&out, buf_avail(&out));
    }
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    assert_int_equal(buf_avail(&out), 0);
    buf_free(&out);
}

struct mcase {
    const char *name;
    enum plan_merge_kind kind;
    const char *cols;
    const char *order;
    bool distinct;
    int64_t limit; /* -1: none */
    uint64_t offset;
    const char *t[4]; /* the targets' rows; as many targets as given */
    const char *expect;
};

/* A case: name, kind, columns, order, distinct, limit, offset, expected
 * output, then each target's rows. */
#define MC(name, kind, cols, order, distinct, limit, offset, expect, ...)                          \
    {                                                                                              \
        name, kind, cols, order, distinct, limit, offset, {__VA_ARGS__}, expect                    \
    }

static int case_targets(const struct mcase *c)
{
    int n = 0;
    while (n < 4 && c->t[n] != NULL)
        n++;
    return n;
}

static void build_spec(const struct mcase *c, struct plan_merge *pm, struct merge_colinfo *ci)
{
    memset(pm, 0, sizeof(*pm));
    pm->kind = c->kind;
    parse_cols(c->cols, pm, ci);
    parse_order(c->order, pm);
    pm->distinct = c->distinct;
    pm->has_limit = c->limit >= 0;
    pm->limit = c->limit >= 0 ? (uint64_t)c->limit : 0;
    pm->offset = c->offset;
}

/* Run case c; returns the raw output (caller frees with buf_free). */
static struct buf run_case_raw(const struct mcase *c, const struct drive_opts *o, uint16_t *nvis)
{
    struct plan_merge pm;
    struct merge_colinfo ci[MAXC];
    build_spec(c, &pm, ci);
    struct merge *m = merge_create();
    assert_non_null(m);
    if (merge_start(m, &pm, case_targets(c), ci) != 0)
        fail_msg("%s: merge_start: %s", c->name, merge_error(m));
    *nvis = merge_visible_cols(m);
    struct trows rows[4];
    for (int t = 0; t < case_targets(c); t++)
        rows[t] = mkrows(c->t[t]);
    struct buf raw = {0};
    drive(m, case_targets(c), rows, o, &raw);
    for (int t = 0; t < case_targets(c); t++)
        free_rows(&rows[t]);
    merge_destroy(m);
    return raw;
}

static void check_case(const struct mcase *c)
{
    /* CONCAT's order is the arrival order, and AGGREGATE keeps the first
     * arriving row's plain values: feed those target after target. */
    bool order_free = c->kind == PLAN_MERGE_SORTED || c->kind == PLAN_MERGE_GROUPED;
    const struct drive_opts opts[] = {
        {FEED_SEQ, SIZE_MAX, 0}, {FEED_SEQ, 1, 0},      {FEED_RR, 7, 0},
        {FEED_RANDOM, 1, 1},     {FEED_RANDOM, 100, 2},
    };
    struct buf first = {0};
    for (size_t i = 0; i < ARRAY_LEN(opts); i++) {
        if (!order_free && opts[i].feed != FEED_SEQ)
            continue;
        uint16_t nvis;
        struct buf raw = run_case_raw(c, &opts[i], &nvis);
        size_t nrows;
        char *got = decode(raw.data, raw.len, nvis, 1, &nrows);
        if (strcmp(got, c->expect) != 0)
            fail_msg("case \"%s\" (feed %d, out_limit %zu):\n  got    \"%s\"\n  expect \"%s\"",
                     c->name, opts[i].feed, opts[i].out_limit, got, c->expect);
        free(got);
        if (i == 0) {
            first = raw;
        } else {
            /* The same bytes whatever the feeding order and out_limit. */
            assert_int_equal(raw.len, first.len);
            if (raw.len)
                assert_memory_equal(raw.data, first.data, raw.len);
            buf_free(&raw);
        }
    }
    buf_free(&first);
}

static void check_cases(const struct mcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_case(&cases[i]);
}

/* ---- value comparisons --------------------------------------------------- */

struct cmp_case {
    enum merge_family fam;
    const char *a, *b;
    int expect;
};

static const struct cmp_case cmp_cases[] = {
    {MERGE_FAM_NUMBER, "1", "2", -1},
    {MERGE_FAM_NUMBER, "-1", "1", -1},
    {MERGE_FAM_NUMBER, "-2", "-1", -1},
    {MERGE_FAM_NUMBER, "10", "9", 1},
    {MERGE_FAM_NUMBER, "-10", "-9", -1},
    {MERGE_FAM_NUMBER, "0", "-0", 0},
    {MERGE_FAM_NUMBER, "007", "7", 0},
    {MERGE_FAM_NUMBER, "18446744073709551615", "18446744073709551614", 1},
    {MERGE_FAM_NUMBER, "18446744073709551615", "9223372036854775807", 1},
    {MERGE_FAM_NUMBER, "18446744073709551615", "-9223372036854775808", 1},
    {MERGE_FAM_NUMBER, "-9223372036854775808", "-9223372036854775807", -1},
    {MERGE_FAM_NUMBER, "1.5", "1.50", 0},
    {MERGE_FAM_NUMBER, "1.50", "1.5", 0},
    {MERGE_FAM_NUMBER, "-0.1", "0", -1},
    {MERGE_FAM_NUMBER, "-0.0", "0", 0},
    {MERGE_FAM_NUMBER, "-0.00", "0.0", 0},
    {MERGE_FAM_NUMBER, "0.001", "0", 1},
    {MERGE_FAM_NUMBER, "-1.05", "-1.5", 1},
    {MERGE_FAM_NUMBER, "123.45", "123.456", -1},
    {MERGE_FAM_NUMBER, "123.4561", "123.456", 1},
    {MERGE_FAM_NUMBER, "-123.4561", "-123.456", -1},
    {MERGE_FAM_NUMBER, "99999999999999999999999999999.9", "100000000000000000000000000000", -1},
    {MERGE_FAM_NUMBER, "0000", "1999", -1}, /* YEAR */
    {MERGE_FAM_NUMBER, "2155", "1901", 1},
    {MERGE_FAM_NUMBER, "x", "1", -1}, /* not a number: before numbers */
    {MERGE_FAM_FLOAT, "1e3", "999.5", 1},
    {MERGE_FAM_FLOAT, "-1.5", "-1.25", -1},
    {MERGE_FAM_FLOAT, "3.5", "3.50", 0},
    {MERGE_FAM_FLOAT, "1e-5", "0.00001", 0},
    {MERGE_FAM_FLOAT, "2", "10", -1},
    {MERGE_FAM_FLOAT, "-2.7755575615628914e-17", "0", -1},
    {MERGE_FAM_FLOAT, "1.7976931348623157e308", "1e308", 1},
    {MERGE_FAM_TIME, "-01:00:00", "00:00:00", -1},
    {MERGE_FAM_TIME, "-100:00:00", "-01:00:00", -1},
    {MERGE_FAM_TIME, "-10:00:00", "-09:59:59", -1},
    {MERGE_FAM_TIME, "100:00:00", "99:59:59", 1},
    {MERGE_FAM_TIME, "838:59:59", "-838:59:59", 1},
    {MERGE_FAM_TIME, "10:00:00.5", "10:00:00.50", 0},
    {MERGE_FAM_TIME, "10:00:00.1", "10:00:00", 1},
    {MERGE_FAM_TIME, "-10:00:00.5", "-10:00:00", -1},
    {MERGE_FAM_TIME, "-00:00:01", "00:00:00", -1},
    {MERGE_FAM_TIME, "-00:00:00", "00:00:00", 0},
    {MERGE_FAM_TIME, "01:02:03", "01:02:03", 0},
    {MERGE_FAM_BYTES, "2024-01-02", "2024-01-10", -1},
    {MERGE_FAM_BYTES, "2024-01-02 10:00:00", "2024-01-02 09:59:59", 1},
    {MERGE_FAM_BYTES, "2024-01-02 10:00:00.000001", "2024-01-02 10:00:00.000000", 1},
    {MERGE_FAM_BYTES, "0000-00-00", "1000-01-01", -1},
    {MERGE_FAM_BYTES, "a", "ab", -1},
    {MERGE_FAM_BYTES, "B", "a", -1},
    {MERGE_FAM_BYTES, "", "a", -1},
    {MERGE_FAM_BYTES, "", "", 0},
    {MERGE_FAM_BYTES, "\xff", "\x01", 1},
};

static void test_value_cmp(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(cmp_cases); i++) {
        const struct cmp_case *c = &cmp_cases[i];
        const uint8_t *a = (const uint8_t *)c->a, *b = (const uint8_t *)c->b;
        int r = merge_value_cmp(c->fam, a, strlen(c->a), b, strlen(c->b));
        int r2 = merge_value_cmp(c->fam, b, strlen(c->b), a, strlen(c->a));
        int s = (r > 0) - (r < 0), s2 = (r2 > 0) - (r2 < 0);
        if (s != c->expect || s2 != -c->expect)
            fail_msg("cmp %d \"%s\" \"%s\": got %d / %d, expected %d", c->fam, c->a, c->b, s, s2,
                     c->expect);
    }
}

struct fam_case {
    uint8_t type;
    uint16_t flags;
    enum merge_family fam;
};

static void test_family_of(void **state)
{
    static const struct fam_case cases[] = {
        {MERGE_T_DECIMAL, 0, MERGE_FAM_NUMBER},   {MERGE_T_NEWDECIMAL, 0, MERGE_FAM_NUMBER},
        {MERGE_T_TINY, 0, MERGE_FAM_NUMBER},      {MERGE_T_SHORT, 0, MERGE_FAM_NUMBER},
        {MERGE_T_LONG, 0x20, MERGE_FAM_NUMBER},   {MERGE_T_LONGLONG, 0x20, MERGE_FAM_NUMBER},
        {MERGE_T_INT24, 0, MERGE_FAM_NUMBER},     {MERGE_T_YEAR, 0, MERGE_FAM_NUMBER},
        {MERGE_T_FLOAT, 0, MERGE_FAM_FLOAT},      {MERGE_T_DOUBLE, 0, MERGE_FAM_FLOAT},
        {MERGE_T_TIME, 0, MERGE_FAM_TIME},        {MERGE_T_DATE, 0, MERGE_FAM_BYTES},
        {MERGE_T_DATETIME, 0, MERGE_FAM_BYTES},   {MERGE_T_TIMESTAMP, 0, MERGE_FAM_BYTES},
        {MERGE_T_NEWDATE, 0, MERGE_FAM_BYTES},    {MERGE_T_VARCHAR, 0, MERGE_FAM_BYTES},
        {MERGE_T_VAR_STRING, 0, MERGE_FAM_BYTES}, {MERGE_T_STRING, 0, MERGE_FAM_BYTES},
        {MERGE_T_BLOB, 0, MERGE_FAM_BYTES},       {MERGE_T_BIT, 0, MERGE_FAM_BYTES},
        {MERGE_T_GEOMETRY, 0, MERGE_FAM_BYTES},   {MERGE_T_ENUM, 0, MERGE_FAM_BYTES},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct merge_colinfo ci = {.type = cases[i].type, .flags = cases[i].flags};
        if (merge_family_of(&ci) != cases[i].fam)
            fail_msg("type %u: family %d, expected %d", cases[i].type, merge_family_of(&ci),
                     cases[i].fam);
    }
}

/* ---- decimal arithmetic -------------------------------------------------- */

struct add_case {
    const char *a, *b, *sum;
};

static const struct add_case add_cases[] = {
    {"999.99", "0.01", "1000.00"},
    {"0.01", "999.99", "1000.00"},
    {"-1", "0.5", "-0.5"},
    {"1.5", "-1.5", "0.0"},
    {"-0.5", "0.25", "-0.25"},
    {"-3", "1.25", "-1.75"},
    {"5", "-5.00", "0.00"},
    {"0.1", "0.9", "1.0"},
    {"1.5", "2.25", "3.75"},
    {"0.001", "0.1", "0.101"},
    {"007", "3", "10"},
    {"-0.01", "0.00", "-0.01"},
    {"+5", "1", "6"},
    {"0", "0", "0"},
    {"-0", "0", "0"},
    {"-5.25", "3.10", "-2.15"},
    {"-5.25", "-3.10", "-8.35"},
    {"3.10", "-5.25", "-2.15"},
    {"100", "-0.01", "99.99"},
    {"-100", "0.01", "-99.99"},
    {"18446744073709551615", "18446744073709551615", "36893488147419103230"},
    {"123456789012345678901234567890", "876543210987654321098765432110",
     "1000000000000000000000000000000"},
    {"-999999999999999999999999999999", "-1", "-1000000000000000000000000000000"},
    {"999999999999999999999999999999.999999999999999999999999999999",
     "0.000000000000000000000000000001",
     "1000000000000000000000000000000.000000000000000000000000000000"},
    {"-1000000000000000000000000000000", "1", "-999999999999999999999999999999"},
};

static void test_dec_add(void **state)
{
    struct buf b = {0};
    for (size_t i = 0; i < ARRAY_LEN(add_cases); i++) {
        const struct add_case *c = &add_cases[i];
        struct merge_dec da, db;
        assert_int_equal(merge_dec_parse((const uint8_t *)c->a, strlen(c->a), &da), 0);
        assert_int_equal(merge_dec_parse((const uint8_t *)c->b, strlen(c->b), &db), 0);
        b.len = 0;
        assert_int_equal(merge_dec_add(&b, &da, &db), 0);
        if (b.len != strlen(c->sum) || memcmp(b.data, c->sum, b.len) != 0)
            fail_msg("%s + %s = %.*s, expected %s", c->a, c->b, (int)b.len, (char *)b.data, c->sum);
    }
    buf_free(&b);
}

static void test_dec_parse(void **state)
{
    static const char *bad[] = {"",   "-",   "+",  ".",   "1.2.3", "1e5", " 1",
                                "1 ", "abc", "1-", "--1", "0x10",  "1,5"};
    static const char *good[] = {"0", "-0", "1", "-1", "1.", ".5", "-.5", "+7", "0001.1000"};
    struct merge_dec d;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        if (merge_dec_parse((const uint8_t *)bad[i], strlen(bad[i]), &d) != -1)
            fail_msg("\"%s\" parsed as a decimal", bad[i]);
    for (size_t i = 0; i < ARRAY_LEN(good); i++)
        if (merge_dec_parse((const uint8_t *)good[i], strlen(good[i]), &d) != 0)
            fail_msg("\"%s\" not parsed as a decimal", good[i]);
    assert_int_equal(merge_dec_parse((const uint8_t *)"-0.000", 6, &d), 0);
    assert_false(d.neg);
    assert_int_equal(d.il, 0);
    assert_int_equal(d.fl, 3);
    assert_int_equal(merge_dec_parse((const uint8_t *)"-0012.50", 8, &d), 0);
    assert_true(d.neg);
    assert_int_equal(d.il, 2);
    assert_memory_equal(d.ip, "12", 2);
    assert_int_equal(d.fl, 2);
}

struct div_case {
    const char *sum;
    uint64_t count;
    unsigned scale;
    const char *avg;
};

static const struct div_case div_cases[] = {
    {"3", 2, 4, "1.5000"}, /* AVG of 1, 2 */
    {"1", 3, 4, "0.3333"},
    {"2", 3, 4, "0.6667"},
    {"5", 3, 4, "1.6667"},
    {"-2", 3, 4, "-0.6667"},
    {"-5", 3, 4, "-1.6667"},
    {"-1", 3, 4, "-0.3333"},
    {"-0.01", 3, 6, "-0.003333"},
    {"-0.01", 1, 6, "-0.010000"},
    {"-0.00005", 2, 9, "-0.000025000"},
    {"3.50", 2, 6, "1.750000"},
    {"36893488147419103230", 2, 4, "18446744073709551615.0000"},
    {"0.00005", 1, 4, "0.0001"},   /* half: up */
    {"-0.00005", 1, 4, "-0.0001"}, /* half: away from zero */
    {"0.00004", 1, 4, "0.0000"},
    {"-0.00004", 1, 4, "0.0000"}, /* no negative zero */
    {"9.99995", 1, 4, "10.0000"}, /* carry into a new digit */
    {"-9.99995", 1, 4, "-10.0000"},
    {"0", 5, 4, "0.0000"},
    {"1", 18446744073709551615ULL, 4, "0.0000"},
    {"18446744073709551615", 18446744073709551615ULL, 4, "1.0000"},
    /* scale 0 (div_precision_increment 0 on an integer sum): the server
     * truncates (its quotient has no digit beyond the scale to round on) */
    {"36893488147419103229", 18446744073709551615ULL, 0, "1"},
    {"3.5", 2, 38, "1.75000000000000000000000000000000000000"},
    {"7", 2, 0, "3"},
    {"-7", 2, 0, "-3"},
    /* a scale of whole 9-digit words: truncated too; below one: rounded */
    {"2", 3, 9, "0.666666666"},
    {"2", 3, 8, "0.66666667"},
    {"-2", 3, 18, "-0.666666666666666666"},
    {"1.23456", 1, 2, "1.23"}, /* scale below the sum's: rounded */
    {"1.23556", 1, 2, "1.24"},
};

static void test_dec_div(void **state)
{
    struct buf b = {0};
    for (size_t i = 0; i < ARRAY_LEN(div_cases); i++) {
        const struct div_case *c = &div_cases[i];
        struct merge_dec d;
        assert_int_equal(merge_dec_parse((const uint8_t *)c->sum, strlen(c->sum), &d), 0);
        b.len = 0;
        assert_int_equal(merge_dec_div(&b, &d, c->count, c->scale), 0);
        if (b.len != strlen(c->avg) || memcmp(b.data, c->avg, b.len) != 0)
            fail_msg("%s / %llu (scale %u) = %.*s, expected %s", c->sum,
                     (unsigned long long)c->count, c->scale, (int)b.len, (char *)b.data, c->avg);
    }
    buf_free(&b);
}

static void test_parse_count(void **state)
{
    uint64_t v;
    assert_int_equal(merge_parse_count((const uint8_t *)"0", 1, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(merge_parse_count((const uint8_t *)"18446744073709551615", 20, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(merge_parse_count((const uint8_t *)"18446744073709551616", 20, &v), -1);
    assert_int_equal(merge_parse_count((const uint8_t *)"99999999999999999999", 20, &v), -1);
    assert_int_equal(merge_parse_count((const uint8_t *)"-1", 2, &v), -1);
    assert_int_equal(merge_parse_count((const uint8_t *)"12.0", 4, &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(merge_parse_count((const uint8_t *)"1.5", 3, &v), -1);
    assert_int_equal(merge_parse_count((const uint8_t *)"abc", 3, &v), -1);
}

/* ---- doubles ------------------------------------------------------------- */

struct dbl_case {
    double v;
    unsigned decimals;
    const char *text;
};

/* What MariaDB 10.11 prints for these values (SELECT <double>, SUM, AVG). */
static const struct dbl_case dbl_cases[] = {
    {3.5, 31, "3.5"},
    {3.0, 31, "3"},
    {1.75, 31, "1.75"},
    {0.0, 31, "0"},
    {-0.0, 31, "0"},
    {100.0, 31, "100"},
    {-123.456, 31, "-123.456"},
    {0.1 + 0.2, 31, "0.30000000000000004"},
    {1.0 / 3, 31, "0.3333333333333333"},
    {1e14, 31, "100000000000000"},
    {1.5e14, 31, "150000000000000"},
    {999999999999999.0, 31, "999999999999999"},
    {1e15, 31, "1e15"},
    {-1e15, 31, "-1e15"},
    {1.5e15, 31, "1.5e15"},
    {1e15 + 1, 31, "1.000000000000001e15"},
    {1234567890123456.0, 31, "1.234567890123456e15"},
    {1e16, 31, "1e16"},
    {123456789012345678.0, 31, "1.2345678901234568e17"},
    {12345678901234567890.0, 31, "1.2345678901234567e19"},
    {2.0 / 3 * 1e20, 31, "6.666666666666666e19"},
    {1e20, 31, "1e20"},
    {1e301, 31, "1e301"},
    {1.7976931348623157e308, 31, "1.7976931348623157e308"},
    {123456789012345.67, 31, "123456789012345.67"},
    {123456.789, 31, "123456.789"},
    {1e-4, 31, "0.0001"},
    {1e-5, 31, "0.00001"},
    {1e-6, 31, "0.000001"},
    {1.2345e-5, 31, "0.000012345"},
    {0.000001234, 31, "0.000001234"},
    {1.5e-10, 31, "0.00000000015"},
    {1e-14, 31, "0.00000000000001"},
    {1e-15, 31, "0.000000000000001"},
    {-1.5e-15, 31, "-0.0000000000000015"},
    {1.2345678901234567e-15, 31, "0.0000000000000012345678901234568"},
    {1.2345678901234567e-7, 31, "0.00000012345678901234566"},
    {1e-16, 31, "1e-16"},
    {1.5e-16, 31, "1.5e-16"},
    {-1e-16, 31, "-1e-16"},
    {1e-100, 31, "1e-100"},
    {-2.7755575615628914e-17, 31, "-2.7755575615628914e-17"},
    {-9.25185853854297e-18, 31, "-9.25185853854297e-18"},
    {2.2250738585072014e-308, 31, "2.2250738585072014e-308"},
    {4.9e-324, 31, "5e-324"},
    {(double)1.1f + (double)2.2f, 31, "3.3000000715255737"},
    {3.5, 2, "3.50"},
    {1.75, 6, "1.750000"},
    {0.0, 2, "0.00"},
    {-0.001, 2, "0.00"},
    {-0.0, 2, "0.00"},
    {-0.4, 2, "-0.40"},
    {2.5, 0, "2"}, /* printf rounds half to even here */
    {1e20, 2, "100000000000000000000.00"},
    {33.0, 30, "33.000000000000000000000000000000"},
};

static void test_fmt_double(void **state)
{
    char s[MERGE_DOUBLE_TEXT_MAX];
    for (size_t i = 0; i < ARRAY_LEN(dbl_cases); i++) {
        const struct dbl_case *c = &dbl_cases[i];
        size_t n = merge_fmt_double(s, sizeof(s), c->v, c->decimals);
        if (n != strlen(c->text) || strcmp(s, c->text) != 0)
            fail_msg("%.17g (decimals %u) printed \"%s\", expected \"%s\"", c->v, c->decimals, s,
                     c->text);
        if (c->decimals >= MERGE_NOT_FIXED_DEC && strtod(s, NULL) != c->v)
            fail_msg("\"%s\" does not read back as %.17g", s, c->v);
    }
}

/* Random doubles print in a form that reads back exactly. */
static void test_fmt_double_roundtrip(void **state)
{
    char s[MERGE_DOUBLE_TEXT_MAX];
    for (int i = 0; i < 20000; i++) {
        /* Any bit pattern, or a value near the plain/exponent boundaries. */
        uint64_t bits = rnd();
        double v;
        memcpy(&v, &bits, sizeof(v));
        if (i % 2) {
            v = (double)(int64_t)rnd() / 9.3e18;
            int e = (int)rndn(41) - 20;
            for (; e > 0; e--)
                v *= 10;
            for (; e < 0; e++)
                v /= 10;
        }
        if (isnan(v) || isinf(v))
            continue;
        size_t n = merge_fmt_double(s, sizeof(s), v, MERGE_NOT_FIXED_DEC);
        if (strtod(s, NULL) != v)
            fail_msg("%.17g printed \"%s\"", v, s);
        /* longest: -0.0000000000000012345678901234568 */
        assert_true(n == strlen(s) && n <= 34);
        /* never longer than %.17g's digits would need */
        char g[40];
        snprintf(g, sizeof(g), "%.17g", v);
        assert_true(strtod(g, NULL) == v);
    }
}

/* ---- column definitions -------------------------------------------------- */

/* A ColumnDefinition41 payload. */
static size_t mkcoldef(uint8_t *p, const char *name, uint16_t charset, uint32_t length,
                       uint8_t type, uint16_t flags, uint8_t decimals)
{
    const char *strs[6] = {"def", "db", "t", "t", name, name};
    size_t o = 0;
    for (int i = 0; i < 6; i++) {
        size_t l = strlen(strs[i]);
        p[o++] = (uint8_t)l;
        memcpy(p + o, strs[i], l);
        o += l;
    }
    p[o++] = 0x0c;
    p[o++] = (uint8_t)charset;
    p[o++] = (uint8_t)(charset >> 8);
    for (int i = 0; i < 4; i++)
        p[o++] = (uint8_t)(length >> (8 * i));
    p[o++] = type;
    p[o++] = (uint8_t)flags;
    p[o++] = (uint8_t)(flags >> 8);
    p[o++] = decimals;
    p[o++] = 0;
    p[o++] = 0;
    return o;
}

static void test_parse_coldef(void **state)
{
    uint8_t p[128];
    size_t n = mkcoldef(p, "sum(x)", 63, 33, MERGE_T_NEWDECIMAL, 0x80 | 0x20, 2);
    struct merge_colinfo ci;
    assert_int_equal(merge_parse_coldef(p, n, &ci), 0);
    assert_int_equal(ci.type, MERGE_T_NEWDECIMAL);
    assert_int_equal(ci.flags, 0xa0);
    assert_int_equal(ci.decimals, 2);
    assert_int_equal(ci.charset, 63);
    assert_int_equal(ci.length, 33);
    /* Every prefix that cuts a field is malformed (the filler may be
     * missing). */
    for (size_t l = 0; l + 2 < n; l++) {
        uint8_t *q = malloc(l ? l : 1);
        memcpy(q, p, l);
        if (merge_parse_coldef(q, l, &ci) != -1)
            fail_msg("coldef prefix of %zu bytes parsed", l);
        free(q);
    }
    assert_int_equal(merge_parse_coldef(p, n - 2, &ci), 0);
    /* A NULL marker or a 0xff where a string belongs. */
    uint8_t bad[128];
    memcpy(bad, p, n);
    bad[0] = 0xfb;
    assert_int_equal(merge_parse_coldef(bad, n, &ci), -1);
    bad[0] = 0xff;
    assert_int_equal(merge_parse_coldef(bad, n, &ci), -1);
    /* Fixed-length block announced shorter than its fields. */
    memcpy(bad, p, n);
    bad[n - 13] = 0x05;
    assert_int_equal(merge_parse_coldef(bad, n, &ci), -1);
}

struct coldef_case {
    const char *cols; /* the merge's columns */
    uint16_t col;     /* the definition written */
    uint8_t type, decimals;
    uint32_t length;
    bool written;
    uint8_t exp_type, exp_decimals;
    uint32_t exp_length;
};

static const struct coldef_case coldef_cases[] = {
    /* AVG(int): SUM is DECIMAL(.., 0) -> 4 decimals, 4 digits + point. */
    {"n0:a1,i:h", 0, MERGE_T_NEWDECIMAL, 0, 33, true, MERGE_T_NEWDECIMAL, 4, 38},
    /* AVG(decimal(10,2)) -> 6 decimals */
    {"n2:a1,i:h", 0, MERGE_T_NEWDECIMAL, 2, 34, true, MERGE_T_NEWDECIMAL, 6, 38},
    /* capped at 38 (MariaDB's DECIMAL_MAX_SCALE) */
    {"n36:a1,i:h", 0, MERGE_T_NEWDECIMAL, 36, 67, true, MERGE_T_NEWDECIMAL, 38, 69},
    {"n38:a1,i:h", 0, MERGE_T_NEWDECIMAL, 38, 67, true, MERGE_T_NEWDECIMAL, 38, 67},
    /* AVG(double): stays DOUBLE, not-fixed decimals stay 31 */
    {"d:a1,i:h", 0, MERGE_T_DOUBLE, 31, 23, true, MERGE_T_DOUBLE, 31, 23},
    {"d2:a1,i:h", 0, MERGE_T_DOUBLE, 2, 19, true, MERGE_T_DOUBLE, 6, 19},
    {"d29:a1,i:h", 0, MERGE_T_DOUBLE, 29, 19, true, MERGE_T_DOUBLE, 31, 19},
    /* everything else unchanged */
    {"n2:S,i:c", 0, MERGE_T_NEWDECIMAL, 2, 34, true, MERGE_T_NEWDECIMAL, 2, 34},
    {"n2:S,i:c", 1, MERGE_T_LONGLONG, 0, 21, true, MERGE_T_LONGLONG, 0, 21},
    {"i,s:h", 0, MERGE_T_LONGLONG, 0, 20, true, MERGE_T_LONGLONG, 0, 20},
    /* hidden: nothing written */
    {"i,s:h", 1, MERGE_T_VAR_STRING, 0, 20, false, 0, 0, 0},
    {"n0:a1,i:h", 1, MERGE_T_LONGLONG, 0, 21, false, 0, 0, 0},
};

static void test_write_coldef(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(coldef_cases); i++) {
        const struct coldef_case *c = &coldef_cases[i];
        struct plan_merge pm = {0};
        struct merge_colinfo ci[MAXC];
        pm.kind = PLAN_MERGE_AGGREGATE;
        parse_cols(c->cols, &pm, ci);
        ci[c->col].type = c->type;
        ci[c->col].decimals = c->decimals;
        ci[c->col].length = c->length;
        struct merge *m = merge_create();
        assert_int_equal(merge_start(m, &pm, 2, ci), 0);
        uint8_t p[128];
        size_t n = mkcoldef(p, "avg(x)", 63, c->length, c->type, 0x80, c->decimals);
        struct buf out = {0};
        uint8_t seq = 3;
        assert_int_equal(merge_write_coldef(m, c->col, p, n, &out, &seq), 0);
        assert_int_equal(merge_col_visible(m, c->col), c->written);
        if (!c->written) {
            assert_int_equal(out.len, 0);
            assert_int_equal(seq, 3);
        } else {
            assert_int_equal(seq, 4);
            assert_int_equal(out.len, n + 4);
            assert_int_equal(proto_u24(out.data), n);
            assert_int_equal(out.data[3], 3);
            uint8_t exp[128];
            mkcoldef(exp, "avg(x)", 63, c->exp_length, c->exp_type, 0x80, c->exp_decimals);
            if (memcmp(out.data + 4, exp, n) != 0)
                fail_msg("coldef case %zu (%s col %u): bytes differ", i, c->cols, c->col);
        }
        /* Out of range / malformed. */
        assert_int_equal(merge_write_coldef(m, pm.ncols, p, n, &out, &seq), -1);
        if (c->written)
            assert_int_equal(merge_write_coldef(m, c->col, p, 10, &out, &seq), -1);
        buf_free(&out);
        merge_destroy(m);
    }
}

/* ---- merge cases --------------------------------------------------------- */

#define NOLIM -1

static const struct mcase concat_cases[] = {
    MC("concat 1", PLAN_MERGE_CONCAT, "i,s", "", false, NOLIM, 0, "1|a;2|b", "1|a;2|b"),
    MC("concat 2", PLAN_MERGE_CONCAT, "i,s", "", false, NOLIM, 0, "1|a;2|b;3|c", "1|a;2|b", "3|c"),
    MC("concat 4, one empty", PLAN_MERGE_CONCAT, "i,s", "", false, NOLIM, 0, "1|a;2|b;3|c;\\N|d",
       "1|a", "", "2|b;3|c", "\\N|d"),
    MC("concat all empty", PLAN_MERGE_CONCAT, "i,s", "", false, NOLIM, 0, "", "", "", "", ""),
    MC("concat limit offset", PLAN_MERGE_CONCAT, "i,s", "", false, 2, 1, "2|b;3|c", "1|a", "",
       "2|b;3|c", "\\N|d"),
    MC("concat limit spans targets", PLAN_MERGE_CONCAT, "i", "", false, 3, 0, "1;2;3", "1;2",
       "3;4"),
    MC("concat offset > rows", PLAN_MERGE_CONCAT, "i,s", "", false, NOLIM, 10, "", "1|a", "2|b"),
    MC("concat offset = rows", PLAN_MERGE_CONCAT, "i", "", false, 5, 2, "", "1", "2"),
    MC("concat limit 0", PLAN_MERGE_CONCAT, "i,s", "", false, 0, 0, "", "1|a", "2|b"),
    MC("concat limit > rows", PLAN_MERGE_CONCAT, "i", "", false, 100, 1, "2;3", "1;2", "3"),
    MC("concat hidden column", PLAN_MERGE_CONCAT, "i,s:h,i", "", false, NOLIM, 0, "1|2;3|4",
       "1|x|2", "3|y|4"),
    MC("none = concat", PLAN_MERGE_NONE, "i", "", false, NOLIM, 0, "5;6", "5;6"),
    MC("concat empty strings", PLAN_MERGE_CONCAT, "s,s", "", false, NOLIM, 0, "|", "|"),
};

static void test_concat(void **state)
{
    check_cases(concat_cases, ARRAY_LEN(concat_cases));
}

static const struct mcase sorted_cases[] = {
    MC("sorted 1", PLAN_MERGE_SORTED, "i,s", "0", false, NOLIM, 0, "1|a;2|b", "1|a;2|b"),
    MC("sorted 2", PLAN_MERGE_SORTED, "i,s", "0", false, NOLIM, 0, "1|a;2|b;3|c;4|d;5|e;6|f",
       "1|a;3|c;5|e", "2|b;4|d;6|f"),
    MC("sorted 4", PLAN_MERGE_SORTED, "i,s", "0", false, NOLIM, 0, "-10|c;-5|a;0|d;7|f;10|b;100|e",
       "-5|a;10|b", "", "-10|c;0|d;100|e", "7|f"),
    MC("sorted stable ties", PLAN_MERGE_SORTED, "i,s", "0", false, NOLIM, 0,
       "0|t2;1|t0a;1|t0b;1|t1a", "1|t0a;1|t0b", "1|t1a", "0|t2"),
    MC("sorted desc", PLAN_MERGE_SORTED, "i,s", "0d", false, NOLIM, 0, "5|a;3|c;1|b", "5|a;1|b",
       "3|c"),
    MC("sorted nulls asc", PLAN_MERGE_SORTED, "i,s", "0", false, NOLIM, 0, "\\N|a;\\N|c;0|d;1|b",
       "\\N|a;1|b", "\\N|c;0|d"),
    MC("sorted nulls desc", PLAN_MERGE_SORTED, "i,s", "0d", false, NOLIM, 0, "1|b;0|d;\\N|a;\\N|c",
       "1|b;\\N|a", "0|d;\\N|c"),
    MC("sorted big unsigned", PLAN_MERGE_SORTED, "u,s", "0", false, NOLIM, 0,
       "1|a;18446744073709551614|y;18446744073709551615|z", "1|a;18446744073709551615|z",
       "18446744073709551614|y"),
    MC("sorted negative ints", PLAN_MERGE_SORTED, "i,s", "0", false, NOLIM, 0,
       "-9223372036854775808|a;-10|b;-9|d;9|c;10|e", "-9223372036854775808|a;-10|b;9|c",
       "-9|d;10|e"),
    MC("sorted decimals", PLAN_MERGE_SORTED, "n2,s", "0", false, NOLIM, 0,
       "-1.50|a;-0.1|d;0|e;0.10|b;1.5|f;2.00|c", "-1.50|a;0.10|b;2.00|c", "-0.1|d;0|e;1.5|f"),
    MC("sorted 1.5 = 1.50 (t0 first)", PLAN_MERGE_SORTED, "n2,s", "0", false, NOLIM, 0,
       "1.5|x;1.50|y", "1.5|x", "1.50|y"),
    MC("sorted 1.50 = 1.5 (t0 first)", PLAN_MERGE_SORTED, "n2,s", "0", false, NOLIM, 0,
       "1.50|y;1.5|x", "1.50|y", "1.5|x"),
    MC("sorted decimals desc", PLAN_MERGE_SORTED, "n3", "0d", false, NOLIM, 0,
       "10.5;9.999;0;-0.001;-0.1", "10.5;-0.001", "9.999;-0.1", "0"),
    MC("sorted doubles", PLAN_MERGE_SORTED, "d,s", "0", false, NOLIM, 0,
       "-1.5|a;-1e-5|d;2|b;10|e;1e3|c", "-1.5|a;2|b;1e3|c", "-1e-5|d;10|e"),
    MC("sorted floats desc", PLAN_MERGE_SORTED, "f", "0d", false, NOLIM, 0, "10;3.5;0.25;-2",
       "3.5;-2", "10;0.25"),
    MC("sorted dates", PLAN_MERGE_SORTED, "D,s", "0", false, NOLIM, 0,
       "0000-00-00|a;1999-12-31|c;2024-01-02|b;2024-01-10|d", "0000-00-00|a;2024-01-02|b",
       "1999-12-31|c;2024-01-10|d"),
    MC("sorted datetimes", PLAN_MERGE_SORTED, "T", "0", false, NOLIM, 0,
       "2024-01-02 09:59:59.999999;2024-01-02 10:00:00.000000;2024-01-02 10:00:00.000001",
       "2024-01-02 09:59:59.999999;2024-01-02 10:00:00.000001", "2024-01-02 10:00:00.000000"),
    MC("sorted times", PLAN_MERGE_SORTED, "t,s", "0", false, NOLIM, 0,
       "-100:00:00|a;-10:00:00|d;-01:00:00|b;00:00:00|e;99:59:59|f;100:00:00|c",
       "-100:00:00|a;-01:00:00|b;100:00:00|c", "-10:00:00|d;00:00:00|e;99:59:59|f"),
    MC("sorted times desc", PLAN_MERGE_SORTED, "t", "0d", false, NOLIM, 0,
       "838:59:59;100:00:00;-00:00:01;-838:59:59", "838:59:59;-00:00:01", "100:00:00;-838:59:59"),
    MC("sorted years", PLAN_MERGE_SORTED, "y", "0", false, NOLIM, 0, "0000;1999;2000;2155",
       "0000;2000", "1999;2155"),
    MC("sorted binary strings", PLAN_MERGE_SORTED, "b,i", "0", false, NOLIM, 0, "A|3;B|1;a|2;b|4",
       "B|1;a|2", "A|3;b|4"),
    MC("sorted binary prefix", PLAN_MERGE_SORTED, "b", "0", false, NOLIM, 0, "a;ab;abc;b", "a;abc",
       "ab;b"),
    MC("sorted ci weights", PLAN_MERGE_SORTED, "s,i,w:h", "0w2", false, NOLIM, 0, "a|1;A|3;B|2;b|4",
       "a|1|A;B|2|B", "A|3|A;b|4|B"),
    MC("sorted ci weights desc", PLAN_MERGE_SORTED, "s,i,w:h", "0dw2", false, NOLIM, 0,
       "b|1;B|3;A|2;a|4", "b|1|B;A|2|A", "B|3|B;a|4|A"),
    MC("sorted weight, nulls", PLAN_MERGE_SORTED, "s,w:h", "0w1", false, NOLIM, 0, "\\N;\\N;x;Y",
       "\\N|\\N;x|X", "\\N|\\N;Y|Y"),
    MC("sorted enum with weight", PLAN_MERGE_SORTED, "e,w:h", "0w1", false, NOLIM, 0, "zz;mm;aa",
       "zz|\x01;aa|\x02", "mm|\x01"),
    MC("sorted two keys", PLAN_MERGE_SORTED, "i,s", "0,1d", false, NOLIM, 0,
       "0|q;1|c;1|b;1|a;2|z;2|y;2|x", "1|b;1|a;2|z", "1|c;2|y", "0|q;2|x"),
    MC("sorted key not first", PLAN_MERGE_SORTED, "s,i", "1", false, NOLIM, 0, "a|1;c|2;b|3",
       "a|1;b|3", "c|2"),
    MC("sorted limit offset", PLAN_MERGE_SORTED, "i", "0", false, 3, 2, "3;4;5", "1;5;9", "2;6",
       "3;7", "4;8"),
    MC("sorted offset > rows", PLAN_MERGE_SORTED, "i", "0", false, NOLIM, 20, "", "1;5;9", "2;6",
       "3;7", "4;8"),
    MC("sorted limit 0", PLAN_MERGE_SORTED, "i", "0", false, 0, 0, "", "1", "2"),
    MC("sorted limit > rows", PLAN_MERGE_SORTED, "i", "0", false, 50, 0, "1;2;3", "1;3", "2"),
    MC("sorted limit 1 of 4", PLAN_MERGE_SORTED, "i", "0", false, 1, 0, "1", "4", "3", "2", "1"),
    MC("sorted hidden sort column", PLAN_MERGE_SORTED, "s,i:h", "1", false, NOLIM, 0, "b;a;d",
       "b|1;d|3", "a|2"),
    MC("sorted all empty", PLAN_MERGE_SORTED, "i", "0", false, NOLIM, 0, "", "", "", ""),
    MC("sorted no keys", PLAN_MERGE_SORTED, "i", "", false, NOLIM, 0, "2;1;0", "2;1", "0"),
};

static void test_sorted(void **state)
{
    check_cases(sorted_cases, ARRAY_LEN(sorted_cases));
}

static const struct mcase distinct_cases[] = {
    MC("distinct 1", PLAN_MERGE_SORTED, "i", "0", true, NOLIM, 0, "1;2;3", "1;1;2;2;2;3"),
    MC("distinct 3", PLAN_MERGE_SORTED, "i,s", "0,1", true, NOLIM, 0, "1|a;2|b;2|c", "1|a;1|a;2|b",
       "1|a;2|c", "2|b"),
    MC("distinct 4 nulls", PLAN_MERGE_SORTED, "i,s", "0,1", true, NOLIM, 0,
       "\\N|\\N;\\N|a;1|\\N;1|a", "\\N|a;1|\\N", "\\N|a;1|\\N", "\\N|\\N", "1|\\N;1|a"),
    MC("distinct ci weights", PLAN_MERGE_SORTED, "s,w:h", "0w1", true, NOLIM, 0, "a;b;c", "a|A;b|B",
       "A|A;B|B;c|C"),
    MC("distinct decimal scales", PLAN_MERGE_SORTED, "n2", "0", true, NOLIM, 0, "1.5;2.0",
       "1.5;2.0", "1.50;2"),
    MC("distinct desc", PLAN_MERGE_SORTED, "i", "0d", true, NOLIM, 0, "3;2;1", "3;2;2", "3;1"),
    MC("distinct limit offset", PLAN_MERGE_SORTED, "i", "0", true, 2, 1, "2;3", "1;1;2;3", "1;2;4"),
    MC("distinct offset > rows", PLAN_MERGE_SORTED, "i", "0", true, NOLIM, 4, "", "1;1;2;3", "1;2"),
    MC("distinct hidden extra", PLAN_MERGE_SORTED, "i,i:h", "0,1", true, NOLIM, 0, "1;2", "1|5;1|6",
       "1|7;2|1"),
    MC("distinct aggregate ignored", PLAN_MERGE_AGGREGATE, "i:c", "", true, NOLIM, 0, "3", "1",
       "2"),
    MC("distinct grouped (keys visible)", PLAN_MERGE_GROUPED, "i,i:c", "0", true, NOLIM, 0,
       "1|2;2|1", "1|1;2|1", "1|1"),
};

static void test_distinct(void **state)
{
    check_cases(distinct_cases, ARRAY_LEN(distinct_cases));
}

static const struct mcase aggregate_cases[] = {
    MC("agg 1", PLAN_MERGE_AGGREGATE, "i:c,n2:S,i:m,i:M", "", false, NOLIM, 0, "3|10.50|1|9",
       "3|10.50|1|9"),
    MC("agg 2", PLAN_MERGE_AGGREGATE, "i:c,n2:S,i:m,i:M", "", false, NOLIM, 0, "5|10.00|-4|20",
       "3|10.50|1|9", "2|-0.50|-4|20"),
    MC("agg 4", PLAN_MERGE_AGGREGATE, "i:c,n2:S,i:m,i:M", "", false, NOLIM, 0, "6|10.01|-4|20",
       "3|10.50|1|9", "2|-0.50|-4|20", "0|\\N|\\N|\\N", "1|0.01|5|5"),
    MC("agg some nulls", PLAN_MERGE_AGGREGATE, "i:c,n2:S,i:m,i:M", "", false, NOLIM, 0,
       "2|1.25|3|3", "0|\\N|\\N|\\N", "2|1.25|3|3"),
    MC("agg all nulls", PLAN_MERGE_AGGREGATE, "i:c,n2:S,i:m,i:M", "", false, NOLIM, 0,
       "0|\\N|\\N|\\N", "0|\\N|\\N|\\N", "0|\\N|\\N|\\N"),
    MC("agg zero rows", PLAN_MERGE_AGGREGATE, "i:c,n2:S,i:m,i:M,n0:a0,s", "", false, NOLIM, 0,
       "0|\\N|\\N|\\N|\\N|\\N", "", "", ""),
    MC("agg carry", PLAN_MERGE_AGGREGATE, "n2:S", "", false, NOLIM, 0, "1000.00", "999.99", "0.01"),
    MC("agg negative", PLAN_MERGE_AGGREGATE, "n2:S", "", false, NOLIM, 0, "-2.15", "-5.25", "3.10"),
    MC("agg to zero", PLAN_MERGE_AGGREGATE, "n2:S", "", false, NOLIM, 0, "0.00", "-5.25", "5.25"),
    MC("agg 30 digits", PLAN_MERGE_AGGREGATE, "n0:S", "", false, NOLIM, 0,
       "1000000000000000000000000000000", "999999999999999999999999999999", "1", "0"),
    MC("agg 30 digits negative", PLAN_MERGE_AGGREGATE, "n0:S", "", false, NOLIM, 0,
       "-1000000000000000000000000000000", "-999999999999999999999999999999", "-1"),
    MC("agg scales", PLAN_MERGE_AGGREGATE, "n2:S", "", false, NOLIM, 0, "2.75", "1.5", "1.25"),
    MC("agg big unsigned", PLAN_MERGE_AGGREGATE, "n0:S,n0:a2,i:h", "", false, NOLIM, 0,
       "36893488147419103230|18446744073709551615.0000",
       "18446744073709551615|18446744073709551615|1",
       "18446744073709551615|18446744073709551615|1"),
    MC("agg count big", PLAN_MERGE_AGGREGATE, "i:c", "", false, NOLIM, 0, "36893488147419103230",
       "18446744073709551615", "18446744073709551615"),
    MC("avg 1,2", PLAN_MERGE_AGGREGATE, "n0:a1,i:h", "", false, NOLIM, 0, "1.5000", "1|1", "2|1"),
    MC("avg nulls", PLAN_MERGE_AGGREGATE, "n0:a1,i:h", "", false, NOLIM, 0, "\\N", "\\N|0",
       "\\N|0"),
    MC("avg one null target", PLAN_MERGE_AGGREGATE, "n2:a1,i:h", "", false, NOLIM, 0, "3.500000",
       "3.50|1", "\\N|0"),
    MC("avg negative", PLAN_MERGE_AGGREGATE, "n2:a1,i:h", "", false, NOLIM, 0, "-0.003333",
       "-0.01|1", "0.00|2"),
    MC("avg rounding", PLAN_MERGE_AGGREGATE, "n0:a1,i:h", "", false, NOLIM, 0, "1.6667", "2|1",
       "2|1", "1|1"),
    MC("avg rounding negative", PLAN_MERGE_AGGREGATE, "n0:a1,i:h", "", false, NOLIM, 0, "-1.6667",
       "-2|1", "-2|1", "-1|1"),
    MC("avg scale 38", PLAN_MERGE_AGGREGATE, "n36:a1,i:h", "", false, NOLIM, 0,
       "1.75000000000000000000000000000000000000", "1.500000000000000000000000000000000000|1",
       "2.000000000000000000000000000000000000|1"),
    MC("avg double", PLAN_MERGE_AGGREGATE, "d:a1,i:h", "", false, NOLIM, 0, "1.75", "1.5|1", "2|1"),
    MC("avg double fixed", PLAN_MERGE_AGGREGATE, "d2:a1,i:h", "", false, NOLIM, 0, "1.750000",
       "1.50|1", "2.00|1"),
    MC("avg float sum", PLAN_MERGE_AGGREGATE, "d:a1,i:h", "", false, NOLIM, 0, "1.6500000357627869",
       "1.100000023841858|1", "2.200000047683716|1"),
    MC("avg double nulls", PLAN_MERGE_AGGREGATE, "d:a1,i:h", "", false, NOLIM, 0, "\\N", "\\N|0",
       "\\N|0"),
    MC("avg shares visible count", PLAN_MERGE_AGGREGATE, "i:c,n0:a0", "", false, NOLIM, 0,
       "3|2.3333", "2|3", "1|4"),
    MC("sum double", PLAN_MERGE_AGGREGATE, "d:S", "", false, NOLIM, 0, "3.5", "1.5", "2"),
    MC("sum double 0.1+0.2", PLAN_MERGE_AGGREGATE, "d:S", "", false, NOLIM, 0,
       "0.30000000000000004", "0.1", "0.2"),
    MC("sum double absorbs", PLAN_MERGE_AGGREGATE, "d:S", "", false, NOLIM, 0, "1e16", "1e16", "1"),
    MC("sum double integer", PLAN_MERGE_AGGREGATE, "d:S", "", false, NOLIM, 0, "3", "1", "2",
       "\\N"),
    MC("sum double fixed", PLAN_MERGE_AGGREGATE, "d2:S", "", false, NOLIM, 0, "3.50", "1.50",
       "2.00"),
    MC("sum double null", PLAN_MERGE_AGGREGATE, "d:S", "", false, NOLIM, 0, "\\N", "\\N", "\\N"),
    MC("value keeps first", PLAN_MERGE_AGGREGATE, "s,i:c", "", false, NOLIM, 0, "x|3", "x|1",
       "y|2"),
    MC("min max types", PLAN_MERGE_AGGREGATE, "t:m,t:M,d:m,d:M,D:m,D:M,b:m,b:M", "", false, NOLIM,
       0, "-100:00:00|100:00:00|9.5|1e3|1999-12-31|2024-12-31|B|c",
       "-01:00:00|-01:00:00|10|10|2024-01-01|2024-01-01|b|b",
       "-100:00:00|100:00:00|9.5|1e3|1999-12-31|2024-12-31|B|c"),
    /* Case-insensitive strings: the WEIGHT_STRING() columns decide ('a' < 'B'
     * there, not bytewise). */
    MC("min max by weight", PLAN_MERGE_AGGREGATE, "s:m2,s:M3,b:h,b:h", "", false, NOLIM, 0, "a|B",
       "a|a|A|A", "B|B|B|B"),
    /* Numbers: WEIGHT_STRING() is NULL on the server; values decide. */
    MC("min max number null weight", PLAN_MERGE_AGGREGATE, "i:m2,i:M3,b:h,b:h", "", false, NOLIM, 0,
       "3|5", "5|5|\\N|\\N", "3|3|\\N|\\N"),
    MC("min max decimals", PLAN_MERGE_AGGREGATE, "n2:m,n2:M", "", false, NOLIM, 0, "-1.5|1.5",
       "-0.10|0.10", "-1.5|1.5", "-1.50|1.50"),
    MC("agg limit 0", PLAN_MERGE_AGGREGATE, "i:c", "", false, 0, 0, "", "1", "2"),
    MC("agg offset 1", PLAN_MERGE_AGGREGATE, "i:c", "", false, NOLIM, 1, "", "1", "2"),
    MC("agg limit 1", PLAN_MERGE_AGGREGATE, "i:c", "", false, 1, 0, "3", "1", "2"),
    MC("agg several rows per target", PLAN_MERGE_AGGREGATE, "i:c,n1:S", "", false, NOLIM, 0,
       "6|0.9", "1|0.5;2|0.5", "3|-0.1"),
};

static void test_aggregate(void **state)
{
    check_cases(aggregate_cases, ARRAY_LEN(aggregate_cases));
}

static const struct mcase grouped_cases[] = {
    MC("grouped 1", PLAN_MERGE_GROUPED, "i,i:c,n2:S", "0", false, NOLIM, 0, "1|2|1.00;2|1|5.00",
       "1|2|1.00;2|1|5.00"),
    MC("grouped 2", PLAN_MERGE_GROUPED, "i,i:c,n2:S", "0", false, NOLIM, 0,
       "1|2|1.00;2|4|0.00;3|1|0.01", "1|2|1.00;2|1|5.00", "2|3|-5.00;3|1|0.01"),
    MC("grouped interleaved 3", PLAN_MERGE_GROUPED, "i,i:c,n2:S", "0", false, NOLIM, 0,
       "1|3|1.50;2|2|3.00;3|3|3.00;4|1|\\N;5|2|0.00", "1|1|1.00;3|2|3.00;5|1|5.00",
       "1|2|0.50;2|1|2.00;5|1|-5.00", "2|1|1.00;3|1|\\N;4|1|\\N"),
    MC("grouped 4 one empty", PLAN_MERGE_GROUPED, "i,i:c", "0", false, NOLIM, 0, "1|6;2|2;3|1;4|3",
       "1|1;4|1", "", "2|2;4|2", "1|5;3|1"),
    MC("grouped null key", PLAN_MERGE_GROUPED, "i,i:c", "0", false, NOLIM, 0, "\\N|5;1|1;2|1",
       "\\N|2;1|1", "\\N|3;2|1"),
    MC("grouped desc", PLAN_MERGE_GROUPED, "i,i:c", "0d", false, NOLIM, 0, "3|1;2|1;1|2;\\N|2",
       "3|1;1|1;\\N|1", "2|1;1|1;\\N|1"),
    MC("grouped ci weight", PLAN_MERGE_GROUPED, "s,i:c,w:h", "0w2", false, NOLIM, 0, "a|4;b|2",
       "a|1|A;b|2|B", "A|3|A"),
    MC("grouped two keys", PLAN_MERGE_GROUPED, "i,s,i:c", "0,1", false, NOLIM, 0,
       "1|a|5;1|b|3;2|a|3;2|b|1", "1|a|1;1|b|1;2|a|1", "1|b|2;2|a|2", "1|a|4;2|b|1"),
    MC("grouped decimal key", PLAN_MERGE_GROUPED, "n2,i:c", "0", false, NOLIM, 0, "1.5|3;2.00|2",
       "1.5|1;2.00|1", "1.50|2;2|1"),
    MC("grouped avg", PLAN_MERGE_GROUPED, "i,n0:a2,i:h", "0", false, NOLIM, 0, "1|1.5000;2|2.5000",
       "1|1|1;2|5|2", "1|2|1;2|\\N|0"),
    MC("grouped avg null group", PLAN_MERGE_GROUPED, "i,n0:a2,i:h", "0", false, NOLIM, 0,
       "1|\\N;2|4.0000", "1|\\N|0", "1|\\N|0;2|4|1"),
    MC("grouped min max", PLAN_MERGE_GROUPED, "i,i:m,i:M,s:m", "0", false, NOLIM, 0,
       "1|-10|5|a;2|0|0|\\N", "1|-5|5|b;2|0|0|\\N", "1|-10|1|a;2|\\N|\\N|\\N"),
    MC("grouped hidden key", PLAN_MERGE_GROUPED, "i:h,i:c", "0", false, NOLIM, 0, "3;1;5",
       "1|2;2|1", "1|1;3|5"),
    MC("grouped limit offset", PLAN_MERGE_GROUPED, "i,i:c", "0", false, 2, 1, "2|2;3|2",
       "1|1;2|1;5|1", "2|1;3|1", "3|1;4|1"),
    MC("grouped limit 0", PLAN_MERGE_GROUPED, "i,i:c", "0", false, 0, 0, "", "1|1", "1|1"),
    MC("grouped offset > groups", PLAN_MERGE_GROUPED, "i,i:c", "0", false, NOLIM, 9, "", "1|1",
       "1|1"),
    MC("grouped limit = groups", PLAN_MERGE_GROUPED, "i,i:c", "0", false, 2, 0, "1|1;2|2",
       "1|1;2|1", "2|1"),
    MC("grouped zero rows", PLAN_MERGE_GROUPED, "i,i:c", "0", false, NOLIM, 0, "", "", ""),
    MC("grouped sum double", PLAN_MERGE_GROUPED, "i,d:S", "0", false, NOLIM, 0,
       "1|0.30000000000000004;2|3.5", "1|0.1;2|1.5", "1|0.2;2|2"),
    MC("grouped time key", PLAN_MERGE_GROUPED, "t,i:c", "0", false, NOLIM, 0,
       "-100:00:00|1;-01:00:00|2;100:00:00|1", "-100:00:00|1;-01:00:00|1",
       "-01:00:00|1;100:00:00|1"),
};

static void test_grouped(void **state)
{
    check_cases(grouped_cases, ARRAY_LEN(grouped_cases));
}

/* ---- merge_start refusals ------------------------------------------------ */

struct start_case {
    const char *name;
    enum plan_merge_kind kind;
    const char *cols, *order;
    bool distinct;
    int nt;
    int ok;              /* 0 or -1 */
    const char *errpart; /* in the error message */
};

static const struct start_case start_cases[] = {
    {"distinct unsorted column", PLAN_MERGE_SORTED, "i,s", "0", true, 2, -1, "not a sort key"},
    {"distinct hidden unsorted ok", PLAN_MERGE_SORTED, "i,s:h", "0", true, 2, 0, NULL},
    {"distinct concat", PLAN_MERGE_CONCAT, "i", "", true, 2, -1, "CONCAT"},
    {"distinct grouped hidden key", PLAN_MERGE_GROUPED, "i:h,i:c", "0", true, 2, -1,
     "not selected"},
    {"enum sort", PLAN_MERGE_SORTED, "e", "0", false, 2, -1, "ENUM"},
    {"enum group", PLAN_MERGE_GROUPED, "e,i:c", "0", false, 2, -1, "ENUM"},
    {"enum sort weight", PLAN_MERGE_SORTED, "e,w:h", "0w1", false, 2, 0, NULL},
    {"enum value ok", PLAN_MERGE_SORTED, "i,e", "0", false, 2, 0, NULL},
    {"sum of strings", PLAN_MERGE_AGGREGATE, "s:S", "", false, 2, -1, "only numbers"},
    {"avg of dates", PLAN_MERGE_AGGREGATE, "D:a1,i:h", "", false, 2, -1, "only numbers"},
    {"count of strings", PLAN_MERGE_AGGREGATE, "s:c", "", false, 2, -1, "not an integer"},
    {"aggregate in sorted", PLAN_MERGE_SORTED, "i,i:c", "0", false, 2, -1, "does not combine"},
    {"aggregate in concat", PLAN_MERGE_CONCAT, "n2:S", "", false, 2, -1, "does not combine"},
    {"avg count out of range", PLAN_MERGE_AGGREGATE, "n0:a5,i:h", "", false, 2, -1, "count"},
    {"avg count is itself", PLAN_MERGE_AGGREGATE, "n0:a0,i:h", "", false, 2, -1, "count"},
    {"avg count is a value", PLAN_MERGE_AGGREGATE, "n0:a1,i", "", false, 2, -1, "count"},
    {"order column out of range", PLAN_MERGE_SORTED, "i", "3", false, 2, -1, "out of range"},
    {"weight out of range", PLAN_MERGE_SORTED, "s", "0w4", false, 2, -1, "out of range"},
    {"group key aggregate", PLAN_MERGE_GROUPED, "i,i:c", "1", false, 2, -1, "aggregate"},
    {"affected", PLAN_MERGE_AFFECTED, "i", "", false, 2, -1, "AFFECTED"},
    {"same", PLAN_MERGE_SAME, "i", "", false, 2, -1, "SAME"},
    {"no targets", PLAN_MERGE_CONCAT, "i", "", false, 0, -1, "targets"},
    {"too many targets", PLAN_MERGE_CONCAT, "i", "", false, PLAN_MAX_TARGETS + 1, -1, "targets"},
    {"max targets", PLAN_MERGE_SORTED, "i", "0", false, PLAN_MAX_TARGETS, 0, NULL},
};

static void test_start_refusals(void **state)
{
    struct merge *m = merge_create();
    for (size_t i = 0; i < ARRAY_LEN(start_cases); i++) {
        const struct start_case *c = &start_cases[i];
        struct plan_merge pm = {0};
        struct merge_colinfo ci[MAXC];
        pm.kind = c->kind;
        parse_cols(c->cols, &pm, ci);
        parse_order(c->order, &pm);
        pm.distinct = c->distinct;
        int rc = merge_start(m, &pm, c->nt, ci);
        if (rc != c->ok)
            fail_msg("%s: merge_start returned %d (%s)", c->name, rc, merge_error(m));
        if (c->errpart && strstr(merge_error(m), c->errpart) == NULL)
            fail_msg("%s: error \"%s\" lacks \"%s\"", c->name, merge_error(m), c->errpart);
        if (rc == 0)
            assert_string_equal(merge_error(m), "");
    }
    /* No columns. */
    struct plan_merge pm = {0};
    struct merge_colinfo ci[1] = {{0}};
    pm.kind = PLAN_MERGE_CONCAT;
    assert_int_equal(merge_start(m, &pm, 1, ci), -1);
    merge_destroy(m);
}

/* ---- malformed rows and misuse ------------------------------------------- */

struct bad_row {
    const char *name;
    uint8_t bytes[16];
    size_t len;
    const char *errpart;
};

/* Against two columns. */
static const struct bad_row bad_rows[] = {
    {"empty", {0}, 0, "has 0 columns"},
    {"one column", {1, 'a'}, 2, "has 1 columns"},
    {"three columns", {1, 'a', 1, 'b', 1, 'c'}, 6, "more than 2"},
    {"trailing byte", {1, 'a', 0xfb, 0}, 4, "more than 2"},
    {"0xff length", {0xff, 1, 'a'}, 3, "length-encoded"},
    {"string past end", {1, 'a', 5, 'b', 'c'}, 5, "length-encoded"},
    {"short 0xfc", {1, 'a', 0xfc, 1}, 4, "length-encoded"},
    {"short 0xfd", {0xfd, 1, 0}, 3, "length-encoded"},
    {"short 0xfe", {0xfe, 1, 0, 0, 0, 0, 0, 0}, 8, "length-encoded"},
    {"huge 0xfe", {0xfe, 1, 0, 0, 0, 0, 0, 0, 1, 'x'}, 10, "length-encoded"},
};

static void test_malformed_rows(void **state)
{
    static const enum plan_merge_kind kinds[] = {PLAN_MERGE_CONCAT, PLAN_MERGE_SORTED,
                                                 PLAN_MERGE_AGGREGATE, PLAN_MERGE_GROUPED};
    struct merge *m = merge_create();
    for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
        for (size_t i = 0; i < ARRAY_LEN(bad_rows); i++) {
            const struct bad_row *b = &bad_rows[i];
            struct plan_merge pm = {0};
            struct merge_colinfo ci[MAXC];
            pm.kind = kinds[k];
            parse_cols(kinds[k] == PLAN_MERGE_AGGREGATE || kinds[k] == PLAN_MERGE_GROUPED ? "s,i:c"
                                                                                          : "s,s",
                       &pm, ci);
            parse_order(
                kinds[k] == PLAN_MERGE_CONCAT || kinds[k] == PLAN_MERGE_AGGREGATE ? "" : "0", &pm);
            assert_int_equal(merge_start(m, &pm, 2, ci), 0);
            uint8_t *p = malloc(b->len ? b->len : 1);
            memcpy(p, b->bytes, b->len);
            if (merge_row(m, 1, p, b->len) != -1)
                fail_msg("kind %d, row \"%s\" accepted", kinds[k], b->name);
            if (strstr(merge_error(m), b->errpart) == NULL)
                fail_msg("row \"%s\": error \"%s\" lacks \"%s\"", b->name, merge_error(m),
                         b->errpart);
            if (strstr(merge_error(m), "target 1") == NULL)
                fail_msg("row \"%s\": error \"%s\" does not name the target", b->name,
                         merge_error(m));
            free(p);
        }
    }
    merge_destroy(m);
}

static void test_misuse(void **state)
{
    struct merge *m = merge_create();
    struct plan_merge pm = {0};
    struct merge_colinfo ci[MAXC];
    pm.kind = PLAN_MERGE_SORTED;
    parse_cols("i", &pm, ci);
    parse_order("0", &pm);
    assert_int_equal(merge_start(m, &pm, 2, ci), 0);
    struct trow r = mkrow("1", 1);
    assert_int_equal(merge_row(m, 2, r.p, r.len), -1);
    assert_non_null(strstr(merge_error(m), "target 2"));
    assert_int_equal(merge_row(m, -1, r.p, r.len), -1);
    assert_int_equal(merge_row(m, 0, r.p, r.len), 0);
    /* A second row before the first was merged. */
    assert_int_equal(merge_row(m, 0, r.p, r.len), -1);
    assert_non_null(strstr(merge_error(m), "before its previous"));
    merge_end(m, 1);
    merge_end(m, 1); /* twice: harmless */
    merge_end(m, 7); /* out of range: ignored */
    assert_int_equal(merge_row(m, 1, r.p, r.len), -1);
    assert_non_null(strstr(merge_error(m), "after its end"));
    assert_false(merge_wants(m, 7));
    assert_false(merge_wants(m, -1));

    /* AGGREGATE: a SUM that is not a number. */
    pm.kind = PLAN_MERGE_AGGREGATE;
    parse_cols("n2:S", &pm, ci);
    parse_order("", &pm);
    assert_int_equal(merge_start(m, &pm, 1, ci), 0);
    struct trow bad = mkrow("12x", 3);
    assert_int_equal(merge_row(m, 0, bad.p, bad.len), -1);
    assert_non_null(strstr(merge_error(m), "'12x'"));
    assert_non_null(strstr(merge_error(m), "not a number"));
    free(bad.p);
    /* AVG whose count is not a count. */
    parse_cols("n0:a1,i:h", &pm, ci);
    assert_int_equal(merge_start(m, &pm, 1, ci), 0);
    struct trow neg = mkrow("5|-1", 4);
    assert_int_equal(merge_row(m, 0, neg.p, neg.len), 0);
    merge_end(m, 0);
    struct buf out = {0};
    uint8_t seq = 1;
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), -1);
    assert_non_null(strstr(merge_error(m), "not a count"));
    free(neg.p);
    buf_free(&out);
    free(r.p);
    merge_destroy(m);
    merge_destroy(NULL);
}

/* ---- merge_wants --------------------------------------------------------- */

static void test_wants_sorted(void **state)
{
    struct merge *m = merge_create();
    struct plan_merge pm = {0};
    struct merge_colinfo ci[MAXC];
    pm.kind = PLAN_MERGE_SORTED;
    parse_cols("i", &pm, ci);
    parse_order("0", &pm);
    assert_int_equal(merge_start(m, &pm, 2, ci), 0);
    struct trow r1 = mkrow("1", 1), r2 = mkrow("2", 1), r3 = mkrow("3", 1);
    struct buf out = {0};
    uint8_t seq = 1;
    assert_true(merge_wants(m, 0));
    assert_true(merge_wants(m, 1));
    assert_false(merge_done(m));
    assert_int_equal(merge_row(m, 0, r1.p, r1.len), 0);
    assert_false(merge_wants(m, 0));
    assert_true(merge_wants(m, 1));
    /* Target 1 might still send something smaller: nothing can go out. */
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    assert_int_equal(merge_row(m, 1, r2.p, r2.len), 0);
    assert_false(merge_wants(m, 1));
    /* One row (the smallest); then target 0 must refill. */
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 1);
    assert_true(merge_wants(m, 0));
    assert_false(merge_wants(m, 1));
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    merge_end(m, 0);
    assert_false(merge_wants(m, 0));
    /* Target 0 ended: target 1's row goes, then target 1 is wanted. */
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 1);
    assert_true(merge_wants(m, 1));
    assert_int_equal(merge_row(m, 1, r3.p, r3.len), 0);
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 1);
    assert_false(merge_done(m));
    merge_end(m, 1);
    assert_true(merge_done(m));
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    assert_int_equal(seq, 4);
    size_t n;
    char *s = decode(out.data, out.len, 1, 1, &n);
    assert_string_equal(s, "1;2;3");
    free(s);
    buf_free(&out);
    free(r1.p);
    free(r2.p);
    free(r3.p);
    merge_destroy(m);
}

static void test_wants_concat_aggregate(void **state)
{
    struct merge *m = merge_create();
    struct plan_merge pm = {0};
    struct merge_colinfo ci[MAXC];
    struct buf out = {0};
    uint8_t seq = 1;
    struct trow r = mkrow("4", 1);

    pm.kind = PLAN_MERGE_CONCAT;
    parse_cols("i", &pm, ci);
    assert_int_equal(merge_start(m, &pm, 2, ci), 0);
    assert_true(merge_wants(m, 0));
    assert_int_equal(merge_row(m, 0, r.p, r.len), 0);
    assert_false(merge_wants(m, 0)); /* holds a row */
    assert_true(merge_wants(m, 1));
    /* out full: the row waits, target 0 is held back. */
    assert_int_equal(merge_output(m, &out, &seq, 0), 0);
    assert_false(merge_wants(m, 0));
    /* CONCAT emits without waiting for target 1. */
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 1);
    assert_true(merge_wants(m, 0));
    merge_end(m, 0);
    merge_end(m, 1);
    assert_true(merge_done(m));

    pm.kind = PLAN_MERGE_AGGREGATE;
    parse_cols("i:c", &pm, ci);
    assert_int_equal(merge_start(m, &pm, 2, ci), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(merge_row(m, 0, r.p, r.len), 0);
        assert_true(merge_wants(m, 0)); /* folded: always wanted */
        assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    }
    merge_end(m, 0);
    assert_false(merge_wants(m, 0));
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    assert_false(merge_done(m));
    merge_end(m, 1);
    /* Output blocked by a full buffer, then sent. */
    assert_int_equal(merge_output(m, &out, &seq, 0), 0);
    assert_false(merge_done(m));
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 1);
    assert_true(merge_done(m));
    size_t n;
    char *s = decode(out.data, out.len, 1, 1, &n);
    assert_string_equal(s, "4;12");
    free(s);
    buf_free(&out);
    free(r.p);
    merge_destroy(m);
}

/* LIMIT reached: done, nothing wanted, rows still accepted (draining). */
static void test_wants_limit(void **state)
{
    struct merge *m = merge_create();
    struct plan_merge pm = {0};
    struct merge_colinfo ci[MAXC];
    pm.kind = PLAN_MERGE_SORTED;
    parse_cols("i", &pm, ci);
    parse_order("0", &pm);
    pm.has_limit = true;
    pm.limit = 1;
    assert_int_equal(merge_start(m, &pm, 2, ci), 0);
    struct trow r = mkrow("1", 1);
    struct buf out = {0};
    uint8_t seq = 1;
    assert_int_equal(merge_row(m, 0, r.p, r.len), 0);
    assert_int_equal(merge_row(m, 1, r.p, r.len), 0);
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 1);
    assert_true(merge_done(m));
    assert_false(merge_wants(m, 0));
    assert_false(merge_wants(m, 1));
    assert_int_equal(merge_row(m, 0, r.p, r.len), 0);
    assert_int_equal(merge_row(m, 0, r.p, r.len), 0);
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    merge_end(m, 0);
    merge_end(m, 1);
    assert_true(merge_done(m));
    /* LIMIT 0: done before any row. */
    pm.limit = 0;
    assert_int_equal(merge_start(m, &pm, 2, ci), 0);
    assert_true(merge_done(m));
    assert_false(merge_wants(m, 0));
    assert_int_equal(merge_output(m, &out, &seq, SIZE_MAX), 0);
    assert_int_equal(seq, 2);
    buf_free(&out);
    free(r.p);
    merge_destroy(m);
}

/* ---- backpressure -------------------------------------------------------- */

static void test_out_limit(void **state)
{
    const struct mcase c =
        MC("backpressure", PLAN_MERGE_SORTED, "i,s,i:h", "0", false, NOLIM, 0, "",
           "1|aaaa|0;4|dddd|0;7|gggg|0", "2|bbbb|0;5|eeee|0", "3|cccc|0;6|ffff|0");
    uint16_t nvis;
    const struct drive_opts big = {FEED_SEQ, SIZE_MAX, 0};
    struct buf ref = run_case_raw(&c, &big, &nvis);
    static const size_t limits[] = {1, 2, 9, 10, 11, 20, 21, 1000};
    for (size_t i = 0; i < ARRAY_LEN(limits); i++) {
        const struct drive_opts o = {FEED_RR, limits[i], 0};
        struct buf raw = run_case_raw(&c, &o, &nvis);
        assert_int_equal(raw.len, ref.len);
        assert_memory_equal(raw.data, ref.data, ref.len);
        buf_free(&raw);
    }
    size_t n;
    char *s = decode(ref.data, ref.len, nvis, 1, &n);
    assert_string_equal(s, "1|aaaa;2|bbbb;3|cccc;4|dddd;5|eeee;6|ffff;7|gggg");
    free(s);
    buf_free(&ref);

    /* Each call stops once out holds out_limit bytes: with rows of 10
     * bytes and a limit of 25, three rows per call (the last one starts
     * below the limit). */
    struct merge *m = merge_create();
    struct plan_merge pm = {0};
    struct merge_colinfo ci[MAXC];
    pm.kind = PLAN_MERGE_CONCAT;
    parse_cols("s", &pm, ci);
    assert_int_equal(merge_start(m, &pm, 4, ci), 0);
    struct trow r = mkrow("abcde", 5); /* 6-byte payload + 4-byte header */
    for (int t = 0; t < 4; t++)
        assert_int_equal(merge_row(m, t, r.p, r.len), 0);
    struct buf out = {0};
    uint8_t seq = 0;
    assert_int_equal(merge_output(m, &out, &seq, 25), 3);
    assert_int_equal(out.len, 30);
    assert_int_equal(merge_output(m, &out, &seq, 25), 0);
    buf_consume(&out, out.len);
    assert_int_equal(merge_output(m, &out, &seq, 25), 1);
    assert_int_equal(seq, 4);
    free(r.p);
    buf_free(&out);
    merge_destroy(m);
}

/* ---- rows of 16 MiB and more --------------------------------------------- */

static void test_large_rows(void **state)
{
    size_t big = PROTO_MAX_PAYLOAD + 1000;
    char *v = malloc(big);
    memset(v, 'x', big);
    static const char *const shapes[][2] = {
        {"b,i", "1"},    /* passthrough */
        {"b,i:h", "1"},  /* re-encoded without the hidden column */
        {"b:M,i:c", ""}, /* aggregated */
    };
    for (size_t k = 0; k < ARRAY_LEN(shapes); k++) {
        struct merge *m = merge_create();
        struct plan_merge pm = {0};
        struct merge_colinfo ci[MAXC];
        bool agg = shapes[k][1][0] == '\0';
        pm.kind = agg ? PLAN_MERGE_AGGREGATE : PLAN_MERGE_SORTED;
        parse_cols(shapes[k][0], &pm, ci);
        parse_order(shapes[k][1], &pm);
        assert_int_equal(merge_start(m, &pm, 2, ci), 0);
        size_t rl = big + 9 + 2;
        uint8_t *row = malloc(rl);
        uint8_t *p = proto_put_lenenc(row, big);
        memcpy(p, v, big);
        p += big;
        *p++ = 1;
        *p++ = '2';
        rl = (size_t)(p - row);
        uint8_t small[4] = {1, 'a', 1, '1'};
        assert_int_equal(merge_row(m, 0, small, 4), 0);
        assert_int_equal(merge_row(m, 1, row, rl), 0);
        merge_end(m, 0);
        merge_end(m, 1);
        struct buf out = {0};
        uint8_t seq = 1;
        int rc;
        while ((rc = merge_output(m, &out, &seq, SIZE_MAX)) > 0 || !merge_done(m))
            assert_true(rc >= 0);
        /* Walk the messages: the big row spans two packets. */
        size_t pos = 0;
        uint8_t s = 1;
        int nmsg = 0;
        bool saw_big = false;
        while (pos < out.len) {
            struct proto_msg msg;
            assert_int_equal(proto_message_scan(out.data + pos, out.len - pos, s, &msg), 1);
            if (msg.nparts > 1) {
                saw_big = true;
                assert_int_equal(msg.nparts, 2);
                uint8_t *pl = malloc(msg.payload);
                proto_message_join(out.data + pos, &msg, pl);
                struct proto_reader r;
                proto_reader_init(&r, pl, msg.payload);
                size_t l;
                const uint8_t *val = proto_get_lenenc_str(&r, &l);
                assert_int_equal(l, big);
                assert_true(val[0] == 'x' && val[big - 1] == 'x');
                free(pl);
            }
            s = msg.next_seq;
            pos += msg.wire;
            nmsg++;
        }
        assert_true(saw_big);
        assert_int_equal(nmsg, agg ? 1 : 2);
        free(row);
        buf_free(&out);
        merge_destroy(m);
    }
    free(v);
}

/* ---- random tests against a reference ------------------------------------ */

/* A generated row: typed values for the reference, text for the merge. */
struct grow {
    bool inull;
    int64_t i;   /* column 0: bigint */
    int64_t dec; /* column 1: decimal in thousandths */
    int dscale;  /* printed with 1..3 decimals (exact) */
    char str[8]; /* column 2: mixed-case letters, compared case-insensitively */
    bool dnull;
    double dbl; /* column 3 */
    int id;     /* column 5: generation order */
    int target, pos;
};

static int ci_strcmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (*a >= 'a' && *a <= 'z') ? *a - 32 : *a;
        int y = (*b >= 'a' && *b <= 'z') ? *b - 32 : *b;
        if (x != y || x == 0)
            return (x > y) - (x < y);
    }
}

static int ref_desc[4];

static int ref_key_cmp(const struct grow *a, const struct grow *b)
{
    int c;
    /* key 0: bigint, NULL first */
    if (a->inull || b->inull)
        c = a->inull == b->inull ? 0 : (a->inull ? -1 : 1);
    else
        c = (a->i > b->i) - (a->i < b->i);
    if (c)
        return ref_desc[0] ? -c : c;
    c = (a->dec > b->dec) - (a->dec < b->dec);
    if (c)
        return ref_desc[1] ? -c : c;
    c = ci_strcmp(a->str, b->str);
    if (c)
        return ref_desc[2] ? -c : c;
    if (a->dnull || b->dnull)
        c = a->dnull == b->dnull ? 0 : (a->dnull ? -1 : 1);
    else
        c = (a->dbl > b->dbl) - (a->dbl < b->dbl);
    return ref_desc[3] ? -c : c;
}

static int ref_full_cmp(const void *x, const void *y)
{
    const struct grow *a = x, *b = y;
    int c = ref_key_cmp(a, b);
    if (c)
        return c;
    if (a->target != b->target)
        return a->target - b->target;
    return a->pos - b->pos;
}

static int ref_gen_cmp(const void *x, const void *y)
{
    const struct grow *a = x, *b = y;
    int c = ref_key_cmp(a, b);
    return c ? c : a->id - b->id;
}

static void fmt_dec(char *s, size_t n, int64_t thousandths, int scale)
{
    int64_t a = thousandths < 0 ? -thousandths : thousandths;
    static const int64_t div[] = {1000, 100, 10, 1};
    int64_t frac = (a % 1000) / div[scale];
    snprintf(s, n, "%s%lld.%0*lld", thousandths < 0 ? "-" : "", (long long)(a / 1000), scale,
             (long long)frac);
}

static void grow_text(const struct grow *g, char *s, size_t n, bool with_weight)
{
    char i[32], d[48], f[40], w[8];
    if (g->inull)
        strcpy(i, "\\N");
    else
        snprintf(i, sizeof(i), "%lld", (long long)g->i);
    fmt_dec(d, sizeof(d), g->dec, g->dscale);
    if (g->dnull)
        strcpy(f, "\\N");
    else
        snprintf(f, sizeof(f), "%.17g", g->dbl);
    size_t k = 0;
    for (; g->str[k]; k++)
        w[k] = (char)((g->str[k] >= 'a' && g->str[k] <= 'z') ? g->str[k] - 32 : g->str[k]);
    w[k] = '\0';
    if (with_weight)
        snprintf(s, n, "%s|%s|%s|%s|%s|%d", i, d, g->str, f, w, g->id);
    else
        snprintf(s, n, "%s|%s|%s|%s|%d", i, d, g->str, f, g->id);
}

static void grow_random(struct grow *g, int id, int domain)
{
    memset(g, 0, sizeof(*g));
    g->inull = rndn(10) == 0;
    g->i = (int64_t)rndn((unsigned)domain) - domain / 2;
    if (rndn(50) == 0)
        g->i = rndn(2) ? INT64_MAX : INT64_MIN;
    g->dec = ((int64_t)rndn(2001) - 1000) * (rndn(2) ? 10 : 1);
    /* The text carries at least the digits the value needs, sometimes
     * more: "1.5" and "1.50" must compare equal. */
    g->dscale = g->dec % 10 != 0 ? 3 : (g->dec % 100 != 0 ? 2 + (int)rndn(2) : 1 + (int)rndn(3));
    int len = (int)rndn(3);
    for (int k = 0; k < len; k++) {
        char c = (char)('a' + rndn(2));
        g->str[k] = rndn(2) ? (char)(c - 32) : c;
    }
    g->dnull = rndn(8) == 0;
    g->dbl = ((double)rndn(200) - 100) / 8;
    g->id = id;
}

/* Rows of the SORTED test: distribute, sort per target, merge, compare
 * with one sort of everything. */
static void random_sorted_round(int nt, int nrows, bool distinct, int64_t limit, uint64_t offset,
                                size_t out_limit)
{
    struct grow *g = calloc((size_t)nrows + 1, sizeof(*g));
    for (int k = 0; k < 4; k++)
        ref_desc[k] = distinct ? 0 : (int)rndn(2);
    for (int k = 0; k < nrows; k++) {
        grow_random(&g[k], distinct ? 0 : k, distinct ? 4 : 40);
        if (distinct) {
            g[k].dnull = false;
            g[k].dbl = (double)rndn(2);
            strcpy(g[k].str, rndn(2) ? "a" : "b");
        }
        g[k].target = (int)rndn((unsigned)nt);
    }
    /* Per target, in its sort order; the position within the target breaks
     * ties in the reference like the merge's target index does. */
    qsort(g, (size_t)nrows, sizeof(*g), ref_gen_cmp);
    struct trows rows[PLAN_MAX_TARGETS];
    int cnt[PLAN_MAX_TARGETS] = {0};
    for (int t = 0; t < nt; t++) {
        rows[t].r = calloc((size_t)nrows + 1, sizeof(struct trow));
        rows[t].n = 0;
    }
    char text[256];
    for (int k = 0; k < nrows; k++) {
        int t = g[k].target;
        g[k].pos = cnt[t]++;
        grow_text(&g[k], text, sizeof(text), true);
        rows[t].r[rows[t].n++] = mkrow(text, strlen(text));
    }
    qsort(g, (size_t)nrows, sizeof(*g), ref_full_cmp);

    /* Expected text. */
    size_t cap = (size_t)nrows * 80 + 16, o = 0;
    char *exp = malloc(cap);
    exp[0] = '\0';
    int emitted = 0, kept = 0;
    for (int k = 0; k < nrows; k++) {
        if (distinct && k > 0 && ref_key_cmp(&g[k], &g[k - 1]) == 0)
            continue;
        if ((uint64_t)kept++ < offset)
            continue;
        if (limit >= 0 && emitted >= limit)
            break;
        grow_text(&g[k], text, sizeof(text), false);
        if (distinct) {
            /* no id column */
            char *bar = strrchr(text, '|');
            *bar = '\0';
        }
        o += (size_t)snprintf(exp + o, cap - o, "%s%s", emitted ? ";" : "", text);
        emitted++;
    }

    struct plan_merge pm = {0};
    struct merge_colinfo ci[MAXC];
    pm.kind = PLAN_MERGE_SORTED;
    parse_cols(distinct ? "i,n3,s,d,w:h,i:h" : "i,n3,s,d,w:h,i", &pm, ci);
    char order[64];
    snprintf(order, sizeof(order), "0%s,1%s,2%sw4,3%s", ref_desc[0] ? "d" : "",
             ref_desc[1] ? "d" : "", ref_desc[2] ? "d" : "", ref_desc[3] ? "d" : "");
    parse_order(order, &pm);
    pm.distinct = distinct;
    pm.has_limit = limit >= 0;
    pm.limit = limit >= 0 ? (uint64_t)limit : 0;
    pm.offset = offset;
    struct merge *m = merge_create();
    if (merge_start(m, &pm, nt, ci) != 0)
        fail_msg("merge_start: %s", merge_error(m));
    struct buf raw = {0};
    const struct drive_opts dopt = {FEED_RANDOM, out_limit, 0};
    drive(m, nt, rows, &dopt, &raw);
    size_t n;
    char *got = decode(raw.data, raw.len, merge_visible_cols(m), 1, &n);
    if (strcmp(got, exp) != 0) {
        size_t d = 0;
        while (got[d] && got[d] == exp[d])
            d++;
        fail_msg("random sorted (nt %d, rows %d, distinct %d, limit %lld, offset %llu): "
                 "differs at byte %zu:\n got    ...%.120s\n expect ...%.120s",
                 nt, nrows, distinct, (long long)limit, (unsigned long long)offset, d,
                 got + (d > 20 ? d - 20 : 0), exp + (d > 20 ? d - 20 : 0));
    }
    free(got);
    free(exp);
    buf_free(&raw);
    for (int t = 0; t < nt; t++)
        free_rows(&rows[t]);
    free(g);
    merge_destroy(m);
}

static void test_random_sorted(void **state)
{
    static const int nts[] = {1, 2, 3, 4, 8, 9, 17, 64};
    for (int round = 0; round < 48; round++) {
        int nt = nts[round % ARRAY_LEN(nts)];
        int nrows = (int)rndn(1500);
        int64_t limit = rndn(3) == 0 ? (int64_t)rndn((unsigned)nrows + 2) : -1;
        uint64_t offset = rndn(3) == 0 ? rndn((unsigned)nrows + 2) : 0;
        random_sorted_round(nt, nrows, false, limit, offset, rndn(2) ? SIZE_MAX : 1 + rndn(200));
    }
}

static void test_random_distinct(void **state)
{
    static const int nts[] = {1, 2, 4, 5, 8, 16};
    for (int round = 0; round < 36; round++) {
        int nt = nts[round % ARRAY_LEN(nts)];
        int nrows = (int)rndn(2000);
        int64_t limit = rndn(3) == 0 ? (int64_t)rndn(30) : -1;
        uint64_t offset = rndn(3) == 0 ? rndn(30) : 0;
        random_sorted_round(nt, nrows, true, limit, offset, rndn(2) ? SIZE_MAX : 1 + rndn(100));
    }
}

/* GROUPED: each target pre-aggregates its rows by key (what GROUP BY on a
 * shard returns); the merge must produce the totals over all rows. */
struct gagg {
    bool used;
    int64_t count;
    int64_t sum; /* hundredths */
    int64_t nsum;
};

static void fmt_cents(char *s, size_t n, int64_t c)
{
    int64_t a = c < 0 ? -c : c;
    snprintf(s, n, "%s%lld.%02lld", c < 0 ? "-" : "", (long long)(a / 100), (long long)(a % 100));
}

/* Reference AVG: sum (hundredths) / n at 6 decimals, half away from zero. */
static void fmt_avg(char *s, size_t n, int64_t sum, int64_t cnt)
{
    __int128 num = (__int128)(sum < 0 ? -sum : sum) * 10000 * 10; /* 7 decimals */
    __int128 q = num / cnt;
    q = (q + 5) / 10; /* round on the 7th decimal */
    long long ip = (long long)(q / 1000000), fp = (long long)(q % 1000000);
    snprintf(s, n, "%s%lld.%06lld", sum < 0 && q != 0 ? "-" : "", ip, fp);
}

static void random_grouped_round(int nt, int nkeys, int nrows, bool desc, int64_t limit,
                                 uint64_t offset)
{
    /* key -1 stands for NULL */
    int nk = nkeys + 1;
    struct gagg *per = calloc((size_t)nt * (size_t)nk, sizeof(*per));
    struct gagg *tot = calloc((size_t)nk, sizeof(*tot));
    for (int k = 0; k < nrows; k++) {
        int t = (int)rndn((unsigned)nt);
        int key = (int)rndn((unsigned)nk); /* 0: NULL */
        bool vnull = rndn(4) == 0;
        int64_t v = (int64_t)rndn(200001) - 100000;
        struct gagg *a[2] = {&per[t * nk + key], &tot[key]};
        for (int j = 0; j < 2; j++) {
            a[j]->used = true;
            a[j]->count++;
            if (!vnull) {
                a[j]->sum += v;
                a[j]->nsum++;
            }
        }
    }
    /* Targets' rows in key order (NULL first ascending, last descending). */
    char text[256], s1[48], s2[48];
    struct trows rows[PLAN_MAX_TARGETS];
    for (int t = 0; t < nt; t++) {
        rows[t].r = calloc((size_t)nk + 1, sizeof(struct trow));
        rows[t].n = 0;
        for (int j = 0; j < nk; j++) {
            int key = desc ? (j < nkeys ? nkeys - j : 0) : j;
            struct gagg *a = &per[t * nk + key];
            if (!a->used)
                continue;
            char kt[16];
            if (key == 0)
                strcpy(kt, "\\N");
            else
                snprintf(kt, sizeof(kt), "%d", key * 7 - 50);
            if (a->nsum)
                fmt_cents(s1, sizeof(s1), a->sum);
            else
                strcpy(s1, "\\N");
            snprintf(text, sizeof(text), "%s|%lld|%s|%s|%lld", kt, (long long)a->count, s1, s1,
                     (long long)a->nsum);
            rows[t].r[rows[t].n++] = mkrow(text, strlen(text));
        }
    }
    size_t cap = (size_t)nk * 100 + 16, o = 0;
    char *exp = malloc(cap);
    exp[0] = '\0';
    int emitted = 0, kept = 0;
    for (int j = 0; j < nk; j++) {
        int key = desc ? (j < nkeys ? nkeys - j : 0) : j;
        struct gagg *a = &tot[key];
        if (!a->used)
            continue;
        if ((uint64_t)kept++ < offset)
            continue;
        if (limit >= 0 && emitted >= limit)
            break;
        char kt[16];
        if (key == 0)
            strcpy(kt, "\\N");
        else
            snprintf(kt, sizeof(kt), "%d", key * 7 - 50);
        if (a->nsum) {
            fmt_cents(s1, sizeof(s1), a->sum);
            fmt_avg(s2, sizeof(s2), a->sum, a->nsum);
        } else {
            strcpy(s1, "\\N");
            strcpy(s2, "\\N");
        }
        o += (size_t)snprintf(exp + o, cap - o, "%s%s|%lld|%s|%s", emitted ? ";" : "", kt,
                              (long long)a->count, s1, s2);
        emitted++;
    }

    struct plan_merge pm = {0};
    struct merge_colinfo ci[MAXC];
    pm.kind = PLAN_MERGE_GROUPED;
    parse_cols("i,i:c,n2:S,n2:a4,i:h", &pm, ci);
    parse_order(desc ? "0d" : "0", &pm);
    pm.has_limit = limit >= 0;
    pm.limit = limit >= 0 ? (uint64_t)limit : 0;
    pm.offset = offset;
    struct merge *m = merge_create();
    if (merge_start(m, &pm, nt, ci) != 0)
        fail_msg("merge_start: %s", merge_error(m));
    struct buf raw = {0};
    const struct drive_opts dopt = {FEED_RANDOM, rndn(2) ? SIZE_MAX : 1 + rndn(64), 0};
    drive(m, nt, rows, &dopt, &raw);
    size_t n;
    char *got = decode(raw.data, raw.len, merge_visible_cols(m), 1, &n);
    if (strcmp(got, exp) != 0) {
        size_t d = 0;
        while (got[d] && got[d] == exp[d])
            d++;
        fail_msg("random grouped (nt %d, keys %d, rows %d, desc %d): differs at byte %zu:\n"
                 " got    ...%.120s\n expect ...%.120s",
                 nt, nkeys, nrows, desc, d, got + (d > 20 ? d - 20 : 0),
                 exp + (d > 20 ? d - 20 : 0));
    }
    free(got);
    free(exp);
    buf_free(&raw);
    for (int t = 0; t < nt; t++)
        free_rows(&rows[t]);
    free(per);
    free(tot);
    merge_destroy(m);
}

static void test_random_grouped(void **state)
{
    static const int nts[] = {1, 2, 3, 4, 7, 12};
    for (int round = 0; round < 36; round++) {
        int nt = nts[round % ARRAY_LEN(nts)];
        int nkeys = 1 + (int)rndn(200);
        int nrows = (int)rndn(3000);
        int64_t limit = rndn(3) == 0 ? (int64_t)rndn(50) : -1;
        uint64_t offset = rndn(3) == 0 ? rndn(50) : 0;
        random_grouped_round(nt, nkeys, nrows, rndn(2), limit, offset);
    }
}

/* ---- no allocation per row ----------------------------------------------- */

/* Feed rows and drain output without allocating in the test itself. */
static unsigned long alloc_run(struct merge *m, const struct plan_merge *pm,
                               const struct merge_colinfo *ci, int nt, struct trows *rows,
                               struct buf *out)
{
    size_t next[8] = {0};
    uint8_t seq = 1;
    bench_n_alloc = 0;
    bench_counting = true;
    int rc = merge_start(m, pm, nt, ci);
    while (rc == 0 && !merge_done(m)) {
        for (int t = 0; t < nt; t++) {
            if (!merge_wants(m, t))
                continue;
            if (next[t] < rows[t].n) {
                struct trow *r = &rows[t].r[next[t]++];
                if (merge_row(m, t, r->p, r->len) != 0)
                    rc = -1;
            } else {
                merge_end(m, t);
            }
        }
        if (merge_output(m, out, &seq, 4096) < 0)
            rc = -1;
        out->off = out->len = 0;
    }
    bench_counting = false;
    assert_int_equal(rc, 0);
    return bench_n_alloc;
}

static void test_no_alloc_per_row(void **state)
{
    if (!bench_counter_works())
        skip(); /* the sanitizer owns malloc */
    static const struct {
        enum plan_merge_kind kind;
        const char *cols, *order;
        bool distinct;
    } shapes[] = {
        {PLAN_MERGE_SORTED, "i,n3,s,d,w:h,i", "0,1d,2w4,3", false},
        {PLAN_MERGE_SORTED, "i,n3,s,d,w:h,i:h", "0,1,2w4,3", true},
        {PLAN_MERGE_CONCAT, "i,n3,s,d,w:h,i", "", false},
        {PLAN_MERGE_GROUPED, "i,i:c,n2:S,n2:a4,i:h,d:S,s:M", "0", false},
        {PLAN_MERGE_AGGREGATE, "i:m,i:c,n2:S,n2:a4,i:h,d:S,s:M", "", false},
    };
    const int nt = 4;
    struct merge *m = merge_create();
    struct buf out = {0};
    assert_int_equal(buf_reserve(&out, 1 << 16), 0);
    for (size_t s = 0; s < ARRAY_LEN(shapes); s++) {
        struct plan_merge pm = {0};
        struct merge_colinfo ci[MAXC];
        pm.kind = shapes[s].kind;
        parse_cols(shapes[s].cols, &pm, ci);
        parse_order(shapes[s].order, &pm);
        pm.distinct = shapes[s].distinct;
        /* The same rows twice: the first pass warms the buffers up, the
         * second (and a longer third) must not allocate at all. */
        struct trows rows[8];
        char text[256];
        for (int t = 0; t < nt; t++) {
            int n = 2000;
            rows[t].r = calloc((size_t)n, sizeof(struct trow));
            rows[t].n = 0;
            for (int k = 0; k < n; k++) {
                int key = k / 3;
                if (pm.kind == PLAN_MERGE_GROUPED || pm.kind == PLAN_MERGE_AGGREGATE)
                    snprintf(text, sizeof(text), "%d|%d|%d.%02d|%d.%02d|%d|%d.5|ab%d", key, k % 5,
                             k, k % 100, k, k % 100, 1, k, k % 7);
                else
                    snprintf(text, sizeof(text), "%d|%d.%03d|a%c|%d.25|A%c|%d", key, k % 9, k,
                             'a' + k % 3, k % 4, 'A' + k % 3, k);
                rows[t].r[rows[t].n++] = mkrow(text, strlen(text));
            }
        }
        unsigned long first = alloc_run(m, &pm, ci, nt, rows, &out);
        if (s == 0 && first == 0)
            fail_msg("the allocation counter counts nothing");
        unsigned long second = alloc_run(m, &pm, ci, nt, rows, &out);
        if (second != 0)
            fail_msg("shape %zu: %lu allocations in a warm run of %d rows", s, second, nt * 2000);
        pm.has_limit = true;
        pm.limit = 500;
        pm.offset = 10;
        unsigned long third = alloc_run(m, &pm, ci, nt, rows, &out);
        if (third != 0)
            fail_msg("shape %zu: %lu allocations with LIMIT", s, third);
        for (int t = 0; t < nt; t++)
            free_rows(&rows[t]);
    }
    buf_free(&out);
    merge_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_cmp),        cmocka_unit_test(test_family_of),
        cmocka_unit_test(test_dec_parse),        cmocka_unit_test(test_dec_add),
        cmocka_unit_test(test_dec_div),          cmocka_unit_test(test_parse_count),
        cmocka_unit_test(test_fmt_double),       cmocka_unit_test(test_fmt_double_roundtrip),
        cmocka_unit_test(test_parse_coldef),     cmocka_unit_test(test_write_coldef),
        cmocka_unit_test(test_concat),           cmocka_unit_test(test_sorted),
        cmocka_unit_test(test_distinct),         cmocka_unit_test(test_aggregate),
        cmocka_unit_test(test_grouped),          cmocka_unit_test(test_start_refusals),
        cmocka_unit_test(test_malformed_rows),   cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_wants_sorted),     cmocka_unit_test(test_wants_concat_aggregate),
        cmocka_unit_test(test_wants_limit),      cmocka_unit_test(test_out_limit),
        cmocka_unit_test(test_large_rows),       cmocka_unit_test(test_random_sorted),
        cmocka_unit_test(test_random_distinct),  cmocka_unit_test(test_random_grouped),
        cmocka_unit_test(test_no_alloc_per_row),
    };
    return cmocka_run_group_tests_name("merge", tests, NULL, NULL);
}
