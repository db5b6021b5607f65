/*
 * test_relay.c — unit tests for the response relay (include/relay.h).
 *
 * A backend response is described as a list of logical items (OK, ERR,
 * result set, field list). The test renders that list twice with its own
 * packet writers (no proto.c code): as the backend sends it, for the
 * backend's capabilities, and as the client must receive it, for the
 * client's. Every scenario then runs through relay_feed() fed whole, one
 * byte at a time and in 5-byte chunks, each with and without backpressure
 * (out_limit 100), and must produce exactly the expected bytes, with
 * client sequence ids consecutive from 1, consuming all of the input.
 *
 * A few scenarios are also written out byte by byte, so that the renderer
 * is not the only oracle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define MAXP 0xffffffu /* largest payload of one packet */

#define DEPRECATE (1u << 24) /* CLIENT_DEPRECATE_EOF */
#define TRACK (1u << 23)     /* CLIENT_SESSION_TRACK */
#define LOCAL_FILES (1u << 7)
/* PROTOCOL_41, SECURE_CONNECTION, MULTI_RESULTS etc.; not LOCAL_FILES,
 * DEPRECATE_EOF or SESSION_TRACK */
#define CAPS_BASE 0x000ff77fu

#define ST_AUTOCOMMIT 0x0002
#define ST_MORE 0x0008
#define ST_SSC 0x4000

/* ---- byte writers (independent of proto.c) ------------------------------ */

static void b_add(struct buf *b, const void *p, size_t n)
{
    assert_int_equal(buf_append(b, p, n), 0);
}

static void b_u8(struct buf *b, uint8_t v)
{
    b_add(b, &v, 1);
}

static void b_u16(struct buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    b_add(b, x, 2);
}

static void b_lenenc(struct buf *b, uint64_t v)
{
    if (v < 251) {
        b_u8(b, (uint8_t)v);
        return;
    }
    uint8_t x[9];
    int n = v <= 0xffff ? 2 : v <= 0xffffff ? 3 : 8;
    x[0] = n == 2 ? 0xfc : n == 3 ? 0xfd : 0xfe;
    for (int i = 0; i < n; i++)
        x[1 + i] = (uint8_t)(v >> (8 * i));
    b_add(b, x, 1 + (size_t)n);
}

static void b_lstr(struct buf *b, const void *s, size_t n)
{
    b_lenenc(b, n);
    b_add(b, s, n);
}

static void b_cstr(struct buf *b, const char *s)
{
    b_lstr(b, s, strlen(s));
}

/* A packet stream: payloads become packets with consecutive sequence ids,
 * split at 0xffffff bytes as the protocol wants. */
struct stream {
    struct buf b;
    uint8_t seq;
};

static void s_init(struct stream *s, uint8_t seq)
{
    memset(s, 0, sizeof(*s));
    s->seq = seq;
}

static void s_packet(struct stream *s, const uint8_t *p, size_t len)
{
    for (;;) {
        size_t n = len >= MAXP ? MAXP : len;
        uint8_t h[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), s->seq++};
        b_add(&s->b, h, 4);
        b_add(&s->b, p, n);
        p += n;
        len -= n;
        if (n < MAXP)
            return;
    }
}

static void s_payload(struct stream *s, struct buf *payload)
{
    s_packet(s, buf_head(payload), buf_avail(payload));
    buf_free(payload);
}

/* ---- logical responses -------------------------------------------------- */

struct blob {
    const uint8_t *p;
    size_t len;
};

enum item_kind { IT_OK, IT_ERR, IT_RS, IT_FIELDS };

struct item {
    enum item_kind kind;
    /* IT_OK */
    uint64_t affected, insert_id;
    uint16_t status, warnings;
    const char *info;
    const uint8_t *state;
    size_t state_len;
    /* IT_ERR */
    uint16_t code;
    const char *sqlstate, *msg;
    /* IT_RS / IT_FIELDS: ncols definitions; IT_RS: nrows generated rows or
     * the given raw rows; end_status/end_warnings on the end marker. */
    unsigned ncols, nrows;
    const struct blob *raw_rows;
    uint16_t cols_status; /* on the classic EOF after the columns */
    uint16_t end_status, end_warnings;
};

/* OK payload for a peer with caps, as a server writes it. */
static void put_ok(struct buf *p, uint32_t caps, uint8_t header, const struct item *it)
{
    bool track = (caps & TRACK) != 0;
    uint16_t status = it->status;
    if (!track || it->state_len == 0)
        status &= (uint16_t)~ST_SSC;
    size_t info_len = it->info ? strlen(it->info) : 0;
    b_u8(p, header);
    b_lenenc(p, it->affected);
    b_lenenc(p, it->insert_id);
    b_u16(p, status);
    b_u16(p, it->warnings);
    if (track) {
        if (info_len > 0 || (status & ST_SSC))
            b_lstr(p, it->info ? it->info : "", info_len);
        if (status & ST_SSC)
            b_lstr(p, it->state, it->state_len);
    } else if (info_len > 0) {
        b_lstr(p, it->info, info_len); /* servers length-encode it either way */
    }
}

static void s_ok(struct stream *s, uint32_t caps, const struct item *it)
{
    struct buf p = {0};
    put_ok(&p, caps, 0x00, it);
    s_payload(s, &p);
}

static void s_err(struct stream *s, uint16_t code, const char *sqlstate, const char *msg)
{
    struct buf p = {0};
    b_u8(&p, 0xff);
    b_u16(&p, code);
    b_u8(&p, '#');
    b_add(&p, sqlstate, 5);
    b_add(&p, msg, strlen(msg));
    s_payload(s, &p);
}

static void s_eof(struct stream *s, uint16_t warnings, uint16_t status)
{
    uint8_t p[5] = {0xfe, (uint8_t)warnings, (uint8_t)(warnings >> 8), (uint8_t)status,
                    (uint8_t)(status >> 8)};
    s_packet(s, p, 5);
}

/* End of rows/fields: OK with 0xfe header under DEPRECATE_EOF, else EOF. */
static void s_end(struct stream *s, uint32_t caps, uint16_t warnings, uint16_t status)
{
    if (caps & DEPRECATE) {
        struct item it = {.status = status, .warnings = warnings};
        struct buf p = {0};
        put_ok(&p, caps, 0xfe, &it);
        s_payload(s, &p);
    } else {
        s_eof(s, warnings, status);
    }
}

static void s_colcount(struct stream *s, uint64_t n)
{
    struct buf p = {0};
    b_lenenc(&p, n);
    s_payload(s, &p);
}

/* MariaDB extended metadata of column c (format: type 0x00, "json"). */
static const uint8_t ext_meta[] = {0x00, 'j', 's', 'o', 'n'};

/* Column definition 41 of column c; with_ext adds MariaDB's extended
 * metadata string after org_name. */
static void put_coldef(struct buf *p, unsigned c, bool with_ext)
{
    char name[16];
    snprintf(name, sizeof(name), "col%u", c);
    b_cstr(p, "def");
    b_cstr(p, "db");
    b_cstr(p, "t");
    b_cstr(p, "t_org");
    b_cstr(p, name);
    b_cstr(p, name);
    if (with_ext) {
        if (c % 2 == 0)
            b_lstr(p, ext_meta, sizeof(ext_meta));
        else
            b_lstr(p, "", 0); /* empty extended metadata */
    }
    b_u8(p, 0x0c);
    b_u16(p, 0x21);                    /* utf8_general_ci */
    b_add(p, "\x2c\x01\x00\x00", 4);   /* column length 300 */
    b_u8(p, c % 2 ? 0xfd : 0x03);      /* VAR_STRING / LONG */
    b_u16(p, c % 2 ? 0x0000 : 0x1001); /* flags */
    b_u8(p, 0);                        /* decimals */
    b_add(p, "\x00\x00", 2);           /* filler */
}

static void s_coldef(struct stream *s, unsigned c, bool with_ext)
{
    struct buf p = {0};
    put_coldef(&p, c, with_ext);
    s_payload(s, &p);
}

/* Text row r of a generated result: NULL, empty strings and text. */
static void put_row(struct buf *p, unsigned r, unsigned ncols)
{
    for (unsigned c = 0; c < ncols; c++) {
        if ((r + c) % 5 == 4) {
            b_u8(p, 0xfb); /* NULL */
        } else if ((r + c) % 7 == 3) {
            b_lstr(p, "", 0);
        } else {
            char v[32];
            snprintf(v, sizeof(v), "r%uc%u", r, c);
            b_cstr(p, v);
        }
    }
}

static void s_rows(struct stream *s, const struct item *it)
{
    if (it->raw_rows != NULL) {
        for (unsigned r = 0; r < it->nrows; r++)
            s_packet(s, it->raw_rows[r].p, it->raw_rows[r].len);
        return;
    }
    for (unsigned r = 0; r < it->nrows; r++) {
        struct buf p = {0};
        put_row(&p, r, it->ncols);
        s_payload(s, &p);
    }
}

/* The backend's bytes for items. */
static void render_backend(const struct item *items, size_t n, uint32_t bcaps, uint32_t ext,
                           struct buf *out)
{
    struct stream s;
    s_init(&s, 1);
    bool meta = (ext & RELAY_EXT_METADATA) != 0;
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &items[i];
        switch (it->kind) {
        case IT_OK:
            s_ok(&s, bcaps, it);
            break;
        case IT_ERR:
            s_err(&s, it->code, it->sqlstate, it->msg);
            break;
        case IT_RS:
            s_colcount(&s, it->ncols);
            for (unsigned c = 0; c < it->ncols; c++)
                s_coldef(&s, c, meta);
            if (!(bcaps & DEPRECATE))
                s_eof(&s, 0, it->cols_status);
            s_rows(&s, it);
            s_end(&s, bcaps, it->end_warnings, it->end_status);
            break;
        case IT_FIELDS:
            for (unsigned c = 0; c < it->ncols; c++)
                s_coldef(&s, c, meta);
            s_end(&s, bcaps, it->end_warnings, it->end_status);
            break;
        }
    }
    *out = s.b;
}

/* What the relay must send the client, and its counters afterwards. */
struct expect {
    struct buf bytes;
    uint64_t rows;
    uint16_t status;   /* r->status at the end */
    uint16_t err_code; /* r->err_code */
    uint64_t affected; /* r->affected */
};

static void render_client(const struct item *items, size_t n, uint32_t ccaps, uint32_t bcaps,
                          struct expect *e)
{
    struct stream s;
    s_init(&s, 1);
    memset(e, 0, sizeof(*e));
    /* The relay's idea of the server status: the last one it saw. */
    uint16_t last = 0;
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &items[i];
        switch (it->kind) {
        case IT_OK: {
            /* What reached the relay: a backend without SESSION_TRACK sends
             * neither state nor the flag. */
            struct item seen = *it;
            if (!(bcaps & TRACK) || seen.state_len == 0) {
                seen.status &= (uint16_t)~ST_SSC;
                seen.state = NULL;
                seen.state_len = 0;
            }
            s_ok(&s, ccaps, &seen);
            last = seen.status;
            e->affected = it->affected;
            break;
        }
        case IT_ERR:
            s_err(&s, it->code, it->sqlstate, it->msg);
            e->err_code = it->code;
            break;
        case IT_RS:
            s_colcount(&s, it->ncols);
            for (unsigned c = 0; c < it->ncols; c++)
                s_coldef(&s, c, false);
            if (!(bcaps & DEPRECATE)) {
                last = it->cols_status;
                if (!(ccaps & DEPRECATE))
                    s_eof(&s, 0, it->cols_status);
            } else if (!(ccaps & DEPRECATE)) {
                /* Inserted by the relay: no warnings, the last status seen
                 * (the backend sent none for this point). */
                s_eof(&s, 0, last);
            }
            s_rows(&s, it);
            e->rows += it->nrows;
            s_end(&s, ccaps, it->end_warnings, it->end_status);
            last = it->end_status;
            break;
        case IT_FIELDS:
            for (unsigned c = 0; c < it->ncols; c++)
                s_coldef(&s, c, false);
            s_end(&s, ccaps, it->end_warnings, it->end_status);
            last = it->end_status;
            break;
        }
    }
    e->bytes = s.b;
    e->status = last;
}

/* ---- driving the relay -------------------------------------------------- */

struct run_cfg {
    enum relay_kind kind;
    uint32_t ccaps, bcaps, ext;
    bool allow_infile;
    const char *track_schema;
    size_t chunk;      /* bytes appended to `in` per step; 0: all at once */
    size_t out_limit;  /* SIZE_MAX: no backpressure */
    size_t max_packet; /* largest packet in the stream, for the overshoot check */
};

/* Feed data to a fresh relay; the client bytes accumulate in got. Returns
 * the last relay_feed result; *rest = bytes of data never consumed. */
static enum relay_result run_relay(const struct run_cfg *cfg, struct relay *r, const uint8_t *data,
                                   size_t len, struct buf *got, size_t *rest)
{
    struct buf in = {0}, out = {0};
    relay_start(r, cfg->kind, cfg->ccaps, cfg->bcaps, cfg->allow_infile);
    r->backend_ext = cfg->ext;
    r->track_schema = cfg->track_schema;
    size_t pos = 0;
    enum relay_result res = RELAY_MORE;
    for (;;) {
        size_t step = cfg->chunk == 0 ? len - pos : cfg->chunk;
        if (step > len - pos)
            step = len - pos;
        if (step > 0)
            assert_int_equal(buf_append(&in, data + pos, step), 0);
        pos += step;
        for (;;) {
            res = relay_feed(r, &in, &out, cfg->out_limit);
            if (res != RELAY_MORE || buf_avail(&out) < cfg->out_limit)
                break;
            /* Backpressure: it stopped once out reached the limit, having
             * gone past it by at most one packet (plus an inserted EOF). */
            if (buf_avail(&out) >= cfg->out_limit + cfg->max_packet + 4 + 9)
                fail_msg("out holds %zu bytes with out_limit %zu", buf_avail(&out), cfg->out_limit);
            b_add(got, buf_head(&out), buf_avail(&out));
            buf_consume(&out, buf_avail(&out));
        }
        if (res != RELAY_MORE || pos == len)
            break;
    }
    b_add(got, buf_head(&out), buf_avail(&out));
    *rest = buf_avail(&in) + (len - pos);
    buf_free(&in);
    buf_free(&out);
    return res;
}

/* Client packets must carry sequence ids 1, 2, 3, ... (mod 256). */
static void check_client_seqs(const struct buf *b)
{
    const uint8_t *p = buf_head(b);
    size_t n = buf_avail(b), pos = 0;
    uint8_t want = 1;
    while (pos < n) {
        assert_true(n - pos >= 4);
        size_t len = (size_t)p[pos] | (size_t)p[pos + 1] << 8 | (size_t)p[pos + 2] << 16;
        if (p[pos + 3] != want)
            fail_msg("client packet at offset %zu has seq %u, expected %u", pos, p[pos + 3], want);
        want++;
        pos += 4 + len;
        assert_true(pos <= n);
    }
}

static size_t largest_packet(const struct buf *b)
{
    const uint8_t *p = buf_head(b);
    size_t n = buf_avail(b), pos = 0, max = 0;
    while (pos + 4 <= n) {
        size_t len = (size_t)p[pos] | (size_t)p[pos + 1] << 8 | (size_t)p[pos + 2] << 16;
        if (len > max)
            max = len;
        pos += 4 + len;
    }
    return max;
}

/* Report where two byte strings first differ. */
static void assert_same_bytes(const char *what, const struct buf *got, const struct buf *want)
{
    size_t a = buf_avail(got), b = buf_avail(want);
    size_t n = a < b ? a : b;
    const uint8_t *x = buf_head(got), *y = buf_head(want);
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            fail_msg("%s: byte %zu is %#04x, expected %#04x (%zu bytes, expected %zu)", what, i,
                     x[i], y[i], a, b);
    if (a != b)
        fail_msg("%s: %zu bytes, expected %zu", what, a, b);
}

static const size_t chunks[] = {0, 1, 5};
static const size_t limits[] = {SIZE_MAX, 100, 1};

struct mode {
    size_t chunk, limit;
};

/* Streams with packets of 16 MiB: one byte at a time once (it takes
 * seconds), the other modes with bigger chunks. */
static const struct mode big_modes[] = {
    {0, SIZE_MAX}, {1, SIZE_MAX}, {0, 100}, {4099, 100}, {65536, SIZE_MAX}};

/* Run every feeding mode over input; all must give exactly want. */
static void check_all_modes(const char *name, struct run_cfg cfg, const struct buf *input,
                            const struct buf *want, enum relay_result want_res,
                            const struct expect *e)
{
    cfg.max_packet = largest_packet(want);
    struct mode modes[ARRAY_LEN(chunks) * ARRAY_LEN(limits)];
    size_t nmodes = 0;
    _Static_assert(ARRAY_LEN(big_modes) <= ARRAY_LEN(modes), "modes too small");
    if (cfg.max_packet >= 0x100000) {
        memcpy(modes, big_modes, sizeof(big_modes));
        nmodes = ARRAY_LEN(big_modes);
    } else {
        for (size_t ci = 0; ci < ARRAY_LEN(chunks); ci++)
            for (size_t li = 0; li < ARRAY_LEN(limits); li++)
                modes[nmodes++] = (struct mode){chunks[ci], limits[li]};
    }
    {
        for (size_t mi = 0; mi < nmodes; mi++) {
            cfg.chunk = modes[mi].chunk;
            cfg.out_limit = modes[mi].limit;
            struct relay r;
            struct buf got = {0};
            size_t rest;
            enum relay_result res =
                run_relay(&cfg, &r, buf_head(input), buf_avail(input), &got, &rest);
            char what[256];
            snprintf(what, sizeof(what), "%s (client %#x, backend %#x, chunk %zu, limit %zu)", name,
                     cfg.ccaps, cfg.bcaps, cfg.chunk,
                     cfg.out_limit == SIZE_MAX ? (size_t)0 : cfg.out_limit);
            if (res != want_res)
                fail_msg("%s: relay_feed returned %d, expected %d (why: %s)", what, res, want_res,
                         r.why ? r.why : "-");
            if (rest != 0)
                fail_msg("%s: %zu input bytes left over", what, rest);
            assert_same_bytes(what, &got, want);
            check_client_seqs(&got);
            if (e != NULL) {
                if (r.rows != e->rows)
                    fail_msg("%s: rows %llu, expected %llu", what, (unsigned long long)r.rows,
                             (unsigned long long)e->rows);
                if (r.status != e->status)
                    fail_msg("%s: status %#x, expected %#x", what, r.status, e->status);
                assert_int_equal(r.err_code, e->err_code);
                assert_true(r.affected == e->affected);
            }
            buf_free(&got);
        }
    }
}

static const uint32_t combos[4][2] = {
    /* client, backend */
    {CAPS_BASE | TRACK, CAPS_BASE | TRACK},
    {CAPS_BASE | TRACK | DEPRECATE, CAPS_BASE | TRACK},
    {CAPS_BASE | TRACK, CAPS_BASE | TRACK | DEPRECATE},
    {CAPS_BASE | TRACK | DEPRECATE, CAPS_BASE | TRACK | DEPRECATE},
};

/* Render items for one client/backend pair and check every feeding mode. */
static void check_items(const char *name, enum relay_kind kind, uint32_t ccaps, uint32_t bcaps,
                        uint32_t ext, const struct item *items, size_t n)
{
    struct buf input;
    struct expect e;
    render_backend(items, n, bcaps, ext, &input);
    render_client(items, n, ccaps, bcaps, &e);
    struct run_cfg cfg = {.kind = kind, .ccaps = ccaps, .bcaps = bcaps, .ext = ext};
    check_all_modes(name, cfg, &input, &e.bytes, RELAY_DONE, &e);
    buf_free(&input);
    buf_free(&e.bytes);
}

/* ... for all four DEPRECATE_EOF combinations, with and without
 * SESSION_TRACK on both sides. */
static void check_items_all(const char *name, enum relay_kind kind, const struct item *items,
                            size_t n)
{
    for (size_t i = 0; i < 4; i++) {
        check_items(name, kind, combos[i][0], combos[i][1], 0, items, n);
        check_items(name, kind, combos[i][0] & ~TRACK, combos[i][1] & ~TRACK, 0, items, n);
    }
}

/* ---- query responses ---------------------------------------------------- */

static void test_ok_only(void **state)
{
    static const struct item items[] = {{.kind = IT_OK,
                                         .affected = 3,
                                         .insert_id = 300,
                                         .status = ST_AUTOCOMMIT,
                                         .warnings = 1,
                                         .info = "Rows matched: 3  Changed: 3  Warnings: 1"}};
    check_items_all("OK", RELAY_KIND_QUERY, items, 1);
    static const struct item bare[] = {{.kind = IT_OK, .status = ST_AUTOCOMMIT}};
    check_items_all("bare OK", RELAY_KIND_QUERY, bare, 1);
}

static void test_err_only(void **state)
{
    static const struct item items[] = {
        {.kind = IT_ERR, .code = 1146, .sqlstate = "42S02", .msg = "Table 'db.t' doesn't exist"}};
    check_items_all("ERR", RELAY_KIND_QUERY, items, 1);
}

static void test_result_set(void **state)
{
    static const struct item items[] = {{.kind = IT_RS,
                                         .ncols = 2,
                                         .nrows = 3,
                                         .cols_status = ST_AUTOCOMMIT,
                                         .end_status = ST_AUTOCOMMIT | 0x0020,
                                         .end_warnings = 2}};
    check_items_all("result set 2x3", RELAY_KIND_QUERY, items, 1);
}

static void test_empty_result_set(void **state)
{
    static const struct item items[] = {{.kind = IT_RS,
                                         .ncols = 1,
                                         .nrows = 0,
                                         .cols_status = ST_AUTOCOMMIT,
                                         .end_status = ST_AUTOCOMMIT}};
    check_items_all("empty result set", RELAY_KIND_QUERY, items, 1);
}

/* More than 256 packets: sequence ids wrap on both sides. */
static void test_result_set_seq_wrap(void **state)
{
    static const struct item items[] = {{.kind = IT_RS,
                                         .ncols = 3,
                                         .nrows = 600,
                                         .cols_status = ST_AUTOCOMMIT,
                                         .end_status = ST_AUTOCOMMIT}};
    check_items_all("600 rows", RELAY_KIND_QUERY, items, 1);
}

static void test_multi_results(void **state)
{
    static const struct item items[] = {
        {.kind = IT_RS,
         .ncols = 2,
         .nrows = 2,
         .cols_status = ST_AUTOCOMMIT | ST_MORE,
         .end_status = ST_AUTOCOMMIT | ST_MORE},
        {.kind = IT_RS,
         .ncols = 1,
         .nrows = 3,
         .cols_status = ST_AUTOCOMMIT | ST_MORE,
         .end_status = ST_AUTOCOMMIT | ST_MORE,
         .end_warnings = 1},
        {.kind = IT_OK, .affected = 0, .status = ST_AUTOCOMMIT},
    };
    check_items_all("two result sets then OK", RELAY_KIND_QUERY, items, ARRAY_LEN(items));

    static const struct item oks[] = {
        {.kind = IT_OK, .affected = 1, .insert_id = 5, .status = ST_AUTOCOMMIT | ST_MORE},
        {.kind = IT_RS,
         .ncols = 1,
         .nrows = 1,
         .cols_status = ST_AUTOCOMMIT | ST_MORE,
         .end_status = ST_AUTOCOMMIT | ST_MORE},
        {.kind = IT_OK, .affected = 2, .status = ST_AUTOCOMMIT, .info = "done"},
    };
    check_items_all("OK, result set, OK", RELAY_KIND_QUERY, oks, ARRAY_LEN(oks));

    static const struct item err_last[] = {
        {.kind = IT_RS,
         .ncols = 1,
         .nrows = 1,
         .cols_status = ST_AUTOCOMMIT | ST_MORE,
         .end_status = ST_AUTOCOMMIT | ST_MORE},
        {.kind = IT_ERR, .code = 1064, .sqlstate = "42000", .msg = "You have an error"},
    };
    check_items_all("result set then ERR", RELAY_KIND_QUERY, err_last, ARRAY_LEN(err_last));
}

/* More than 250 columns: a 3-byte column count. */
static void test_many_columns(void **state)
{
    static const struct item items[] = {{.kind = IT_RS,
                                         .ncols = 300,
                                         .nrows = 2,
                                         .cols_status = ST_AUTOCOMMIT,
                                         .end_status = ST_AUTOCOMMIT}};
    check_items_all("300 columns", RELAY_KIND_QUERY, items, 1);
}

/* The relay stops at the end of the response: bytes after it (the next
 * response, or garbage) stay in `in`. */
static void test_stops_at_end(void **state)
{
    static const struct item items[] = {
        {.kind = IT_RS,
         .ncols = 1,
         .nrows = 2,
         .cols_status = ST_AUTOCOMMIT,
         .end_status = ST_AUTOCOMMIT},
    };
    static const uint8_t extra[] = {0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};
    for (size_t i = 0; i < 4; i++) {
        struct buf input;
        struct expect e;
        render_backend(items, 1, combos[i][1], 0, &input);
        render_client(items, 1, combos[i][0], combos[i][1], &e);
        b_add(&input, extra, sizeof(extra));
        for (size_t ci = 0; ci < ARRAY_LEN(chunks); ci++) {
            struct run_cfg cfg = {.kind = RELAY_KIND_QUERY,
                                  .ccaps = combos[i][0],
                                  .bcaps = combos[i][1],
                                  .chunk = chunks[ci],
                                  .out_limit = SIZE_MAX};
            struct relay r;
            struct buf got = {0};
            size_t rest;
            assert_int_equal(run_relay(&cfg, &r, buf_head(&input), buf_avail(&input), &got, &rest),
                             RELAY_DONE);
            assert_int_equal(rest, sizeof(extra));
            assert_same_bytes("stops at the end", &got, &e.bytes);
            buf_free(&got);
        }
        buf_free(&input);
        buf_free(&e.bytes);
    }
}

/* An ERR in place of a row (query killed, or an error while sending rows)
 * ends the response; the column EOF conversion still applies. */
static void test_err_during_rows(void **state)
{
    for (size_t i = 0; i < 4; i++) {
        uint32_t ccaps = combos[i][0], bcaps = combos[i][1];
        struct stream in, want;
        s_init(&in, 1);
        s_init(&want, 1);
        s_colcount(&in, 2);
        s_colcount(&want, 2);
        for (unsigned c = 0; c < 2; c++) {
            s_coldef(&in, c, false);
            s_coldef(&want, c, false);
        }
        if (!(bcaps & DEPRECATE))
            s_eof(&in, 0, ST_AUTOCOMMIT);
        if (!(ccaps & DEPRECATE))
            s_eof(&want, 0, (bcaps & DEPRECATE) ? 0 : ST_AUTOCOMMIT);
        for (unsigned r = 0; r < 2; r++) {
            struct buf p = {0}, q = {0};
            put_row(&p, r, 2);
            put_row(&q, r, 2);
            s_payload(&in, &p);
            s_payload(&want, &q);
        }
        s_err(&in, 1317, "70100", "Query execution was interrupted");
        s_err(&want, 1317, "70100", "Query execution was interrupted");
        struct expect e = {
            .rows = 2, .status = (bcaps & DEPRECATE) ? 0 : ST_AUTOCOMMIT, .err_code = 1317};
        struct run_cfg cfg = {.kind = RELAY_KIND_QUERY, .ccaps = ccaps, .bcaps = bcaps};
        check_all_modes("ERR during rows", cfg, &in.b, &want.b, RELAY_DONE, &e);
        buf_free(&in.b);
        buf_free(&want.b);
    }
}

/* ---- hand-written byte streams ------------------------------------------ */

/* Run a literal stream whole and one byte at a time (with and without
 * backpressure) and compare with a literal expectation. */
static void check_literal(const char *name, enum relay_kind kind, uint32_t ccaps, uint32_t bcaps,
                          const uint8_t *in, size_t in_len, const uint8_t *want, size_t want_len)
{
    struct buf input = {0}, expected = {0};
    b_add(&input, in, in_len);
    b_add(&expected, want, want_len);
    struct run_cfg cfg = {.kind = kind, .ccaps = ccaps, .bcaps = bcaps};
    check_all_modes(name, cfg, &input, &expected, RELAY_DONE, NULL);
    buf_free(&input);
    buf_free(&expected);
}

/* The column definition of a column "a" (23 bytes): catalog "def", empty
 * schema/table/org_table, name "a", empty org_name, then the 12 fixed
 * bytes (charset 33, length 1, type LONGLONG, flags 0x0081, 0 decimals). */
#define COLDEF_A                                                                                   \
    0x03, 'd', 'e', 'f', 0x00, 0x00, 0x00, 0x01, 'a', 0x00, 0x0c, 0x21, 0x00, 0x01, 0x00, 0x00,    \
        0x00, 0x08, 0x81, 0x00, 0x00, 0x00, 0x00

static void test_literal_classic_to_deprecate(void **state)
{
    static const uint8_t in[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,                             /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,                         /* column definition */
        0x05, 0x00, 0x00, 0x03, 0xfe,     0x00, 0x00, 0x02, 0x00, /* EOF after columns */
        0x02, 0x00, 0x00, 0x04, 0x01,     '1',                    /* row */
        0x05, 0x00, 0x00, 0x05, 0xfe,     0x01, 0x00, 0x22, 0x00, /* EOF: 1 warning, 0x22 */
    };
    /* Client with DEPRECATE_EOF: the column EOF is dropped, the final EOF
     * becomes an OK with header 0xfe: affected 0, id 0, status, warnings. */
    static const uint8_t want[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,          /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,      /* column definition */
        0x02, 0x00, 0x00, 0x03, 0x01,     '1', /* row */
        0x07, 0x00, 0x00, 0x04, 0xfe,     0x00, 0x00, 0x22, 0x00, 0x01, 0x00, /* OK 0xfe */
    };
    check_literal("classic backend, DEPRECATE_EOF client", RELAY_KIND_QUERY, CAPS_BASE | DEPRECATE,
                  CAPS_BASE, in, sizeof(in), want, sizeof(want));
    /* With SESSION_TRACK on both sides the bytes are the same. */
    check_literal("classic backend, DEPRECATE_EOF client, track", RELAY_KIND_QUERY,
                  CAPS_BASE | DEPRECATE | TRACK, CAPS_BASE | TRACK, in, sizeof(in), want,
                  sizeof(want));
    /* And classic to classic is the identity. */
    check_literal("classic to classic", RELAY_KIND_QUERY, CAPS_BASE, CAPS_BASE, in, sizeof(in), in,
                  sizeof(in));
}

static void test_literal_deprecate_to_classic(void **state)
{
    static const uint8_t in[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,          /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,      /* column definition */
        0x02, 0x00, 0x00, 0x03, 0x01,     '1', /* row */
        0x07, 0x00, 0x00, 0x04, 0xfe,     0x00, 0x00, 0x22, 0x00, 0x01, 0x00, /* OK 0xfe */
    };
    /* Classic client: an EOF is inserted after the columns, and the final
     * OK becomes a 5-byte EOF with the same warnings and status. */
    static const uint8_t want[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,                             /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,                         /* column definition */
        0x05, 0x00, 0x00, 0x03, 0xfe,     0x00, 0x00, 0x00, 0x00, /* inserted EOF */
        0x02, 0x00, 0x00, 0x04, 0x01,     '1',                    /* row */
        0x05, 0x00, 0x00, 0x05, 0xfe,     0x01, 0x00, 0x22, 0x00, /* EOF */
    };
    check_literal("DEPRECATE_EOF backend, classic client", RELAY_KIND_QUERY, CAPS_BASE,
                  CAPS_BASE | DEPRECATE, in, sizeof(in), want, sizeof(want));
    check_literal("DEPRECATE_EOF to DEPRECATE_EOF", RELAY_KIND_QUERY, CAPS_BASE | DEPRECATE,
                  CAPS_BASE | DEPRECATE, in, sizeof(in), in, sizeof(in));

    /* An OK-as-EOF with an info string (tracked): a tracked DEPRECATE_EOF
     * client gets it, a classic client a plain EOF. */
    static const uint8_t in_info[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,                             /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,                         /* column definition */
        0x0a, 0x00, 0x00, 0x03, 0xfe,     0x00, 0x00, 0x02, 0x00, /* OK 0xfe, status */
        0x00, 0x00, 0x02, 'o',  'k',                              /* warnings, info "ok" */
    };
    static const uint8_t want_info_classic[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,                             /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,                         /* column definition */
        0x05, 0x00, 0x00, 0x03, 0xfe,     0x00, 0x00, 0x00, 0x00, /* inserted EOF */
        0x05, 0x00, 0x00, 0x04, 0xfe,     0x00, 0x00, 0x02, 0x00, /* EOF */
    };
    check_literal("OK-as-EOF with info to tracked client", RELAY_KIND_QUERY,
                  CAPS_BASE | DEPRECATE | TRACK, CAPS_BASE | DEPRECATE | TRACK, in_info,
                  sizeof(in_info), in_info, sizeof(in_info));
    check_literal("OK-as-EOF with info to classic client", RELAY_KIND_QUERY, CAPS_BASE | TRACK,
                  CAPS_BASE | DEPRECATE | TRACK, in_info, sizeof(in_info), want_info_classic,
                  sizeof(want_info_classic));
}

/* A DEPRECATE_EOF end marker with session state: kept for a tracked
 * DEPRECATE_EOF client, dropped (flag cleared) for an untracked one. */
static void test_end_marker_with_state(void **state)
{
    static const uint8_t in[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,      /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,  /* column definition */
        0x02, 0x00, 0x00, 0x03, 0x01, '1', /* row */
        /* OK 0xfe, status AUTOCOMMIT|SSC, info "", state: schema "db1" */
        0x0f, 0x00, 0x00, 0x04, 0xfe, 0x00, 0x00, 0x02, 0x40, /* OK 0xfe, status */
        0x00, 0x00, 0x00,                                     /* warnings, info "" */
        0x06, 0x01, 0x04, 0x03, 'd', 'b', '1',                /* state */
    };
    static const uint8_t want_untracked[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,          /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,      /* column definition */
        0x02, 0x00, 0x00, 0x03, 0x01,     '1', /* row */
        0x07, 0x00, 0x00, 0x04, 0xfe,     0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* OK 0xfe */
    };
    check_literal("end marker with state, tracked client", RELAY_KIND_QUERY,
                  CAPS_BASE | DEPRECATE | TRACK, CAPS_BASE | DEPRECATE | TRACK, in, sizeof(in), in,
                  sizeof(in));
    check_literal("end marker with state, untracked client", RELAY_KIND_QUERY,
                  CAPS_BASE | DEPRECATE, CAPS_BASE | DEPRECATE | TRACK, in, sizeof(in),
                  want_untracked, sizeof(want_untracked));
}

/* SESSION_TRACK differs between the two sides. */
static void test_session_track_conversion(void **state)
{
    /* Backend tracked: OK, 1 row, status AUTOCOMMIT|SSC, info "hi", state
     * one SESSION_TRACK_SCHEMA entry "db1". */
    static const uint8_t in[] = {
        0x11, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x40, 0x00, 0x00, /* OK */
        0x02, 'h',  'i',                                                  /* info */
        0x06, 0x01, 0x04, 0x03, 'd',  'b',  '1',                          /* state */
    };
    /* Untracked client: state dropped, flag cleared, info kept. */
    static const uint8_t want_plain[] = {0x0a, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
                                         0x02, 0x00, 0x00, 0x00, 0x02, 'h',  'i'};
    check_literal("tracked backend, untracked client", RELAY_KIND_QUERY, CAPS_BASE,
                  CAPS_BASE | TRACK, in, sizeof(in), want_plain, sizeof(want_plain));
    check_literal("tracked backend, tracked client", RELAY_KIND_QUERY, CAPS_BASE | TRACK,
                  CAPS_BASE | TRACK, in, sizeof(in), in, sizeof(in));

    /* Untracked backend written the documented way (info as the rest of
     * the packet): a tracked client gets it as a lenenc string. */
    static const uint8_t in_plain[] = {0x09, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
                                       0x02, 0x00, 0x00, 0x00, 'h',  'i'};
    static const uint8_t want_tracked[] = {0x0a, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
                                           0x02, 0x00, 0x00, 0x00, 0x02, 'h',  'i'};
    check_literal("untracked backend, tracked client", RELAY_KIND_QUERY, CAPS_BASE | TRACK,
                  CAPS_BASE, in_plain, sizeof(in_plain), want_tracked, sizeof(want_tracked));

    /* The renderer agrees, in all DEPRECATE combinations. */
    static const uint8_t st[] = {0x01, 0x04, 0x03, 'd', 'b', '1'};
    struct item items[] = {{.kind = IT_OK,
                            .affected = 1,
                            .status = ST_AUTOCOMMIT | ST_SSC,
                            .info = "hi",
                            .state = st,
                            .state_len = sizeof(st)}};
    for (size_t i = 0; i < 4; i++) {
        check_items("state, untracked client", RELAY_KIND_QUERY, combos[i][0] & ~TRACK,
                    combos[i][1], 0, items, 1);
        check_items("no state, tracked client", RELAY_KIND_QUERY, combos[i][0],
                    combos[i][1] & ~TRACK, 0, items, 1);
    }
}

/* ---- simple commands and COM_FIELD_LIST --------------------------------- */

static void test_simple(void **state)
{
    static const struct item ok[] = {{.kind = IT_OK, .status = ST_AUTOCOMMIT}};
    check_items_all("simple OK", RELAY_KIND_SIMPLE, ok, 1);
    static const struct item err[] = {
        {.kind = IT_ERR, .code = 1049, .sqlstate = "42000", .msg = "Unknown database 'x'"}};
    check_items_all("simple ERR", RELAY_KIND_SIMPLE, err, 1);

    /* COM_SET_OPTION: a classic EOF from the backend, in the client's
     * flavour. */
    static const uint8_t eof_in[] = {0x05, 0x00, 0x00, 0x01, 0xfe, 0x00, 0x00, 0x02, 0x00};
    static const uint8_t ok_fe[] = {0x07, 0x00, 0x00, 0x01, 0xfe, 0x00,
                                    0x00, 0x02, 0x00, 0x00, 0x00};
    check_literal("SET_OPTION EOF to classic client", RELAY_KIND_SIMPLE, CAPS_BASE, CAPS_BASE,
                  eof_in, sizeof(eof_in), eof_in, sizeof(eof_in));
    check_literal("SET_OPTION EOF to DEPRECATE_EOF client", RELAY_KIND_SIMPLE,
                  CAPS_BASE | DEPRECATE, CAPS_BASE, eof_in, sizeof(eof_in), ok_fe, sizeof(ok_fe));
    /* A DEPRECATE_EOF backend answers with an OK with 0xfe header. */
    check_literal("SET_OPTION OK-0xfe to classic client", RELAY_KIND_SIMPLE, CAPS_BASE,
                  CAPS_BASE | DEPRECATE, ok_fe, sizeof(ok_fe), eof_in, sizeof(eof_in));
    check_literal("SET_OPTION OK-0xfe to DEPRECATE_EOF client", RELAY_KIND_SIMPLE,
                  CAPS_BASE | DEPRECATE, CAPS_BASE | DEPRECATE, ok_fe, sizeof(ok_fe), ok_fe,
                  sizeof(ok_fe));
}

static void test_field_list(void **state)
{
    static const struct item items[] = {
        {.kind = IT_FIELDS, .ncols = 3, .end_status = ST_AUTOCOMMIT}};
    check_items_all("field list", RELAY_KIND_FIELD_LIST, items, 1);
    static const struct item none[] = {{.kind = IT_FIELDS, .ncols = 0, .end_status = 0}};
    check_items_all("empty field list", RELAY_KIND_FIELD_LIST, none, 1);
    static const struct item err[] = {
        {.kind = IT_ERR, .code = 1146, .sqlstate = "42S02", .msg = "Table 'db.x' doesn't exist"}};
    check_items_all("field list ERR", RELAY_KIND_FIELD_LIST, err, 1);
}

/* ---- large rows ---------------------------------------------------------- */

/* A one-column row whose value is n bytes: 0xfe + 8-byte length + data, so
 * the payload starts with 0xfe. */
static uint8_t *make_big_row(size_t payload_len)
{
    uint8_t *p = malloc(payload_len);
    assert_non_null(p);
    uint64_t n = payload_len - 9;
    p[0] = 0xfe;
    for (int i = 0; i < 8; i++)
        p[1 + i] = (uint8_t)(n >> (8 * i));
    for (size_t i = 9; i < payload_len; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    return p;
}

static void test_big_rows(void **state)
{
    size_t big1 = MAXP + 10, big2 = MAXP;
    uint8_t *r1 = make_big_row(big1), *r2 = make_big_row(big2);
    /* In classic mode a 0xfe row of 9+ bytes is a row, not an EOF: the
     * value is an empty string with a (non-minimal) 8-byte length. */
    static const uint8_t nine[] = {0xfe, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t small[] = {0x01, 'x'};
    const struct blob rows[] = {
        {small, sizeof(small)}, {r1, big1},
        {small, sizeof(small)}, {r2, big2},
        {nine, sizeof(nine)},   {small, sizeof(small)},
    };
    struct item items[] = {{.kind = IT_RS,
                            .ncols = 1,
                            .nrows = ARRAY_LEN(rows),
                            .raw_rows = rows,
                            .cols_status = ST_AUTOCOMMIT,
                            .end_status = ST_AUTOCOMMIT}};
    /* Classic backends only: under DEPRECATE_EOF a 9-byte 0xfe packet is an
     * end marker by definition. Both client flavours. */
    for (int c = 0; c < 2; c++) {
        uint32_t ccaps = CAPS_BASE | (c ? DEPRECATE : 0);
        struct buf input;
        struct expect e;
        render_backend(items, 1, CAPS_BASE, 0, &input);
        render_client(items, 1, ccaps, CAPS_BASE, &e);
        /* The split rows keep their split: 0xffffff + 10 and 0xffffff + 0. */
        struct run_cfg cfg = {.kind = RELAY_KIND_QUERY, .ccaps = ccaps, .bcaps = CAPS_BASE};
        check_all_modes("rows over 16 MiB", cfg, &input, &e.bytes, RELAY_DONE, &e);
        buf_free(&input);
        buf_free(&e.bytes);
    }
    /* DEPRECATE_EOF backend: the split 0xfe rows are rows too. */
    items[0].nrows = 4;
    for (int c = 0; c < 2; c++) {
        uint32_t ccaps = CAPS_BASE | (c ? DEPRECATE : 0);
        check_items("rows over 16 MiB, DEPRECATE_EOF backend", RELAY_KIND_QUERY, ccaps,
                    CAPS_BASE | DEPRECATE, 0, items, 1);
    }

    /* A wrong sequence id on the continuation of a split row. */
    struct stream bad;
    s_init(&bad, 1);
    s_colcount(&bad, 1);
    s_coldef(&bad, 0, false);
    s_eof(&bad, 0, ST_AUTOCOMMIT);
    s_packet(&bad, r1, big1); /* seqs 4 and 5 */
    buf_head(&bad.b)[buf_avail(&bad.b) - 10 - 1] = 6;
    struct run_cfg cfg = {.kind = RELAY_KIND_QUERY,
                          .ccaps = CAPS_BASE,
                          .bcaps = CAPS_BASE,
                          .chunk = 0,
                          .out_limit = SIZE_MAX};
    struct relay r;
    struct buf got = {0};
    size_t rest;
    assert_int_equal(run_relay(&cfg, &r, buf_head(&bad.b), buf_avail(&bad.b), &got, &rest),
                     RELAY_ERROR);
    assert_non_null(r.why);
    buf_free(&got);
    buf_free(&bad.b);
    free(r1);
    free(r2);
}

/* A column definition over 16 MiB streams through as well. */
static void test_big_column_definition(void **state)
{
    size_t len = MAXP + 3;
    uint8_t *def = malloc(len);
    assert_non_null(def);
    memset(def, 'c', len);
    struct stream in, want;
    s_init(&in, 1);
    s_init(&want, 1);
    static const uint8_t two[] = {0x02};
    struct buf p = {0};
    put_coldef(&p, 0, false);
    for (int k = 0; k < 2; k++) {
        struct stream *s = k ? &want : &in;
        s_packet(s, two, 1);
        s_packet(s, def, len);
        s_packet(s, buf_head(&p), buf_avail(&p));
    }
    s_eof(&in, 0, ST_AUTOCOMMIT);
    s_eof(&want, 0, ST_AUTOCOMMIT);
    s_eof(&in, 0, ST_AUTOCOMMIT);
    s_eof(&want, 0, ST_AUTOCOMMIT);
    struct run_cfg cfg = {.kind = RELAY_KIND_QUERY, .ccaps = CAPS_BASE, .bcaps = CAPS_BASE};
    check_all_modes("column definition over 16 MiB", cfg, &in.b, &want.b, RELAY_DONE, NULL);
    buf_free(&p);
    buf_free(&in.b);
    buf_free(&want.b);
    free(def);
}

/* ---- protocol errors ----------------------------------------------------- */

struct bad_case {
    const char *name;
    enum relay_kind kind;
    uint32_t bcaps;
    size_t len;
    uint8_t bytes[48];
};

static void test_backend_errors(void **state)
{
    static const struct bad_case cases[] = {
        {"first packet with seq 2",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         11,
         {0x07, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}},
        {"first packet with seq 0",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         11,
         {0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}},
        {"row with a skipped seq",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         5 + 5 + 6,
         {0x01, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x04, 0x01,
          'x'}},
        {"malformed OK (truncated)",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         6,
         {0x02, 0x00, 0x00, 0x01, 0x00, 0x00}},
        {"malformed OK (tracked info too long)",
         RELAY_KIND_QUERY,
         CAPS_BASE | TRACK,
         13,
         {0x09, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 'a'}},
        {"OK that is only a header byte",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         5,
         {0x01, 0x00, 0x00, 0x01, 0x00}},
        {"column count 0 (0xfc 00 00)",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         7,
         {0x03, 0x00, 0x00, 0x01, 0xfc, 0x00, 0x00}},
        {"column count truncated",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         6,
         {0x02, 0x00, 0x00, 0x01, 0xfc, 0x01}},
        {"empty first packet", RELAY_KIND_QUERY, CAPS_BASE, 4, {0x00, 0x00, 0x00, 0x01}},
        {"0xfe first in a query",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         9,
         {0x05, 0x00, 0x00, 0x01, 0xfe, 0x00, 0x00, 0x02, 0x00}},
        {"control packet of 16 MiB",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         5,
         {0xff, 0xff, 0xff, 0x01, 0x00}},
        {"row where the column EOF belongs",
         RELAY_KIND_QUERY,
         CAPS_BASE,
         5 + 27 + 6,
         {0x01, 0x00, 0x00, 0x01, 0x01, 0x17, 0x00, 0x00, 0x02, COLDEF_A, 0x02, 0x00, 0x00, 0x03,
          0x01, 'x'}},
        {"malformed OK-as-EOF",
         RELAY_KIND_QUERY,
         CAPS_BASE | DEPRECATE,
         5 + 27 + 5,
         {0x01, 0x00, 0x00, 0x01, 0x01, 0x17, 0x00, 0x00, 0x02, COLDEF_A, 0x01, 0x00, 0x00, 0x03,
          0xfe}},
        {"result set for a simple command",
         RELAY_KIND_SIMPLE,
         CAPS_BASE,
         5,
         {0x01, 0x00, 0x00, 0x01, 0x01}},
        {"LOCAL INFILE for a simple command",
         RELAY_KIND_SIMPLE,
         CAPS_BASE,
         6,
         {0x02, 0x00, 0x00, 0x01, 0xfb, 'x'}},
        {"0xfe row-sized packet for a simple command",
         RELAY_KIND_SIMPLE,
         CAPS_BASE,
         13,
         {0x09, 0x00, 0x00, 0x01, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
        {"malformed EOF for a simple command (DEPRECATE_EOF)",
         RELAY_KIND_SIMPLE,
         CAPS_BASE | DEPRECATE,
         6,
         {0x02, 0x00, 0x00, 0x01, 0xfe, 0x00}},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const struct bad_case *c = &cases[i];
        for (size_t ci = 0; ci < ARRAY_LEN(chunks); ci++) {
            struct run_cfg cfg = {.kind = c->kind,
                                  .ccaps = CAPS_BASE,
                                  .bcaps = c->bcaps,
                                  .chunk = chunks[ci],
                                  .out_limit = SIZE_MAX};
            struct relay r;
            struct buf got = {0};
            size_t rest;
            enum relay_result res = run_relay(&cfg, &r, c->bytes, c->len, &got, &rest);
            if (res != RELAY_ERROR)
                fail_msg("%s (chunk %zu): result %d, expected RELAY_ERROR", c->name, chunks[ci],
                         res);
            if (r.why == NULL || r.why[0] == '\0')
                fail_msg("%s: no reason given", c->name);
            buf_free(&got);
        }
    }
}

/* ---- LOCAL INFILE --------------------------------------------------------- */

static void test_infile_allowed(void **state)
{
    static const uint8_t req[] = {0x0b, 0x00, 0x00, 0x01, 0xfb, '/', 't', 'm',
                                  'p',  '/',  'x',  '.',  'c',  's', 'v'};
    for (size_t ci = 0; ci < ARRAY_LEN(chunks); ci++) {
        struct relay r;
        struct buf in = {0}, out = {0}, to_backend = {0};
        relay_start(&r, RELAY_KIND_QUERY, CAPS_BASE | LOCAL_FILES, CAPS_BASE, true);
        enum relay_result res = RELAY_MORE;
        size_t step = chunks[ci] ? chunks[ci] : sizeof(req);
        for (size_t pos = 0; pos < sizeof(req) && res == RELAY_MORE; pos += step) {
            size_t n = sizeof(req) - pos < step ? sizeof(req) - pos : step;
            b_add(&in, req + pos, n);
            res = relay_feed(&r, &in, &out, SIZE_MAX);
        }
        assert_int_equal(res, RELAY_INFILE);
        assert_int_equal(r.st, RELAY_ST_INFILE);
        assert_int_equal(buf_avail(&in), 0);
        /* The client gets the request unchanged, seq 1. */
        assert_int_equal(buf_avail(&out), sizeof(req));
        assert_memory_equal(buf_head(&out), req, sizeof(req));
        buf_consume(&out, buf_avail(&out));
        /* Feeding again without client data: still waiting for the file. */
        assert_int_equal(relay_feed(&r, &in, &out, SIZE_MAX), RELAY_INFILE);

        /* The file, in two packets (client seqs 2, 3), then the empty packet
         * (seq 4). The backend's seqs go on from its request's: 2, 3, 4. */
        assert_int_equal(relay_infile_packet(&r, (const uint8_t *)"1,a\n", 4, 2, &to_backend),
                         RELAY_MORE);
        assert_int_equal(relay_infile_packet(&r, (const uint8_t *)"2,b\n", 4, 3, &to_backend),
                         RELAY_MORE);
        assert_int_equal(relay_infile_packet(&r, NULL, 0, 4, &to_backend), RELAY_DONE);
        static const uint8_t want_backend[] = {0x04, 0x00, 0x00, 0x02, '1',  ',', 'a',
                                               '\n', 0x04, 0x00, 0x00, 0x03, '2', ',',
                                               'b',  '\n', 0x00, 0x00, 0x00, 0x04};
        assert_int_equal(buf_avail(&to_backend), sizeof(want_backend));
        assert_memory_equal(buf_head(&to_backend), want_backend, sizeof(want_backend));
        assert_int_equal(r.st, RELAY_ST_FIRST);

        /* The backend's OK (seq 5) reaches the client with seq 5. */
        struct stream okst;
        s_init(&okst, 5);
        static const struct item ok_item = {.kind = IT_OK,
                                            .affected = 2,
                                            .status = ST_AUTOCOMMIT,
                                            .info =
                                                "Records: 2  Deleted: 0  Skipped: 0  Warnings: 0"};
        s_ok(&okst, CAPS_BASE, &ok_item);
        const uint8_t *ok = buf_head(&okst.b);
        size_t ok_len = buf_avail(&okst.b);
        res = RELAY_MORE;
        for (size_t pos = 0; pos < ok_len && res == RELAY_MORE; pos += step) {
            size_t n = ok_len - pos < step ? ok_len - pos : step;
            b_add(&in, ok + pos, n);
            res = relay_feed(&r, &in, &out, SIZE_MAX);
        }
        assert_int_equal(res, RELAY_DONE);
        assert_int_equal(buf_avail(&out), ok_len);
        assert_memory_equal(buf_head(&out), ok, ok_len); /* seq 5 kept */
        assert_int_equal(r.affected, 2);
        buf_free(&okst.b);
        buf_free(&in);
        buf_free(&out);
        buf_free(&to_backend);
    }
}

/* A file packet of exactly 0xffffff bytes is followed by a packet that
 * continues it (possibly empty): that empty packet does not end the file. */
static void test_infile_split(void **state)
{
    static const uint8_t req[] = {0x02, 0x00, 0x00, 0x01, 0xfb, 'f'};
    struct relay r;
    struct buf in = {0}, out = {0}, to_backend = {0};
    relay_start(&r, RELAY_KIND_QUERY, CAPS_BASE | LOCAL_FILES, CAPS_BASE, true);
    b_add(&in, req, sizeof(req));
    assert_int_equal(relay_feed(&r, &in, &out, SIZE_MAX), RELAY_INFILE);
    uint8_t *big = malloc(MAXP);
    assert_non_null(big);
    memset(big, 'z', MAXP);
    assert_int_equal(relay_infile_packet(&r, big, MAXP, 2, &to_backend), RELAY_MORE);
    assert_int_equal(relay_infile_packet(&r, NULL, 0, 3, &to_backend), RELAY_MORE);
    assert_int_equal(r.st, RELAY_ST_INFILE);
    assert_int_equal(relay_infile_packet(&r, NULL, 0, 4, &to_backend), RELAY_DONE);
    assert_int_equal(buf_avail(&to_backend), 4 + MAXP + 4 + 4);
    const uint8_t *w = buf_head(&to_backend);
    assert_memory_equal(w, "\xff\xff\xff\x02", 4);
    assert_memory_equal(w + 4 + MAXP, "\x00\x00\x00\x03\x00\x00\x00\x04", 8);
    free(big);
    buf_free(&in);
    buf_free(&out);
    buf_free(&to_backend);
}

static void test_infile_denied(void **state)
{
    static const uint8_t req[] = {0x02, 0x00, 0x00, 0x01, 0xfb, 'f'};
    static const uint8_t err[] = {0x0d, 0x00, 0x00, 0x03, 0xff, 0x2f, 0x05, '#', '4',
                                  '2',  '0',  '0',  '0',  'n',  'o',  'p',  'e'};
    /* Not allowed by the configuration, or not announced by the client. */
    static const struct {
        uint32_t ccaps;
        bool allow;
    } setups[] = {{CAPS_BASE | LOCAL_FILES, false}, {CAPS_BASE, true}, {CAPS_BASE, false}};
    for (size_t i = 0; i < ARRAY_LEN(setups); i++) {
        struct relay r;
        struct buf in = {0}, out = {0}, to_backend = {0};
        relay_start(&r, RELAY_KIND_QUERY, setups[i].ccaps, CAPS_BASE, setups[i].allow);
        b_add(&in, req, sizeof(req));
        assert_int_equal(relay_feed(&r, &in, &out, SIZE_MAX), RELAY_INFILE_DENIED);
        assert_int_equal(buf_avail(&in), 0);
        assert_int_equal(buf_avail(&out), 0); /* the client hears nothing of it */
        assert_int_equal(relay_infile_deny(&r, &to_backend), 0);
        assert_int_equal(buf_avail(&to_backend), 4);
        assert_memory_equal(buf_head(&to_backend), "\x00\x00\x00\x02", 4);
        /* The backend's answer (seq 3) reaches the client as seq 1. */
        b_add(&in, err, sizeof(err));
        assert_int_equal(relay_feed(&r, &in, &out, SIZE_MAX), RELAY_DONE);
        assert_int_equal(buf_avail(&out), sizeof(err));
        assert_int_equal(buf_head(&out)[3], 1);
        assert_memory_equal(buf_head(&out) + 4, err + 4, sizeof(err) - 4);
        assert_int_equal(r.err_code, 1327);
        buf_free(&in);
        buf_free(&out);
        buf_free(&to_backend);
    }
}

static void test_infile_errors(void **state)
{
    static const uint8_t req[] = {0x02, 0x00, 0x00, 0x01, 0xfb, 'f'};
    struct relay r;
    struct buf in = {0}, out = {0}, to_backend = {0};

    /* Client packet with the wrong sequence id. */
    relay_start(&r, RELAY_KIND_QUERY, CAPS_BASE | LOCAL_FILES, CAPS_BASE, true);
    b_add(&in, req, sizeof(req));
    assert_int_equal(relay_feed(&r, &in, &out, SIZE_MAX), RELAY_INFILE);
    assert_int_equal(relay_infile_packet(&r, (const uint8_t *)"x", 1, 3, &to_backend), RELAY_ERROR);
    assert_non_null(r.why);

    /* Data when no LOCAL INFILE is going on. */
    relay_start(&r, RELAY_KIND_QUERY, CAPS_BASE | LOCAL_FILES, CAPS_BASE, true);
    r.why = NULL;
    assert_int_equal(relay_infile_packet(&r, (const uint8_t *)"x", 1, 1, &to_backend), RELAY_ERROR);
    assert_non_null(r.why);
    buf_free(&in);
    buf_free(&out);
    buf_free(&to_backend);
}

/* ---- MariaDB extended capabilities --------------------------------------- */

static void test_ext_metadata(void **state)
{
    /* Renderer: definitions with extended metadata in, without out. */
    static const struct item rs[] = {{.kind = IT_RS,
                                      .ncols = 3,
                                      .nrows = 2,
                                      .cols_status = ST_AUTOCOMMIT,
                                      .end_status = ST_AUTOCOMMIT}};
    static const struct item fields[] = {
        {.kind = IT_FIELDS, .ncols = 4, .end_status = ST_AUTOCOMMIT}};
    for (size_t i = 0; i < 4; i++) {
        check_items("extended metadata result set", RELAY_KIND_QUERY, combos[i][0], combos[i][1],
                    RELAY_EXT_METADATA, rs, 1);
        check_items("extended metadata field list", RELAY_KIND_FIELD_LIST, combos[i][0],
                    combos[i][1], RELAY_EXT_METADATA, fields, 1);
    }

    /* Literal: one definition, extended metadata 00 'j' 's' 'o' 'n' (lenenc
     * 5) after org_name; the client's is 6 bytes shorter. */
    static const uint8_t in[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,                               /* column count 1 */
        0x1d, 0x00, 0x00, 0x02,                                     /* column definition */
        0x03, 'd',  'e',  'f',  0x00, 0x00, 0x00, 0x01, 'a',  0x00, /* catalog .. org_name */
        0x05, 0x00, 'j',  's',  'o',  'n',                          /* extended metadata */
        0x0c, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x81,       /* fixed part */
        0x00, 0x00, 0x00, 0x00,                                     /* ... */
        0x05, 0x00, 0x00, 0x03, 0xfe, 0x00, 0x00, 0x02, 0x00,       /* EOF */
        0x05, 0x00, 0x00, 0x04, 0xfe, 0x00, 0x00, 0x02, 0x00,       /* EOF */
    };
    static const uint8_t want[] = {
        0x01, 0x00, 0x00, 0x01, 0x01,                             /* column count 1 */
        0x17, 0x00, 0x00, 0x02, COLDEF_A,                         /* column definition */
        0x05, 0x00, 0x00, 0x03, 0xfe,     0x00, 0x00, 0x02, 0x00, /* EOF */
        0x05, 0x00, 0x00, 0x04, 0xfe,     0x00, 0x00, 0x02, 0x00, /* EOF */
    };
    struct buf input = {0}, expected = {0};
    b_add(&input, in, sizeof(in));
    b_add(&expected, want, sizeof(want));
    struct run_cfg cfg = {.kind = RELAY_KIND_QUERY,
                          .ccaps = CAPS_BASE,
                          .bcaps = CAPS_BASE,
                          .ext = RELAY_EXT_METADATA};
    check_all_modes("extended metadata, literal", cfg, &input, &expected, RELAY_DONE, NULL);
    buf_free(&input);
    buf_free(&expected);

    /* A definition that ends inside the extended metadata is malformed. */
    static const uint8_t bad[] = {0x01, 0x00, 0x00, 0x01, 0x01, 0x0c, 0x00, 0x00, 0x02, 0x03, 'd',
                                  'e',  'f',  0x00, 0x00, 0x00, 0x01, 'a',  0x00, 0x05, 0x00};
    cfg.chunk = 0;
    cfg.out_limit = SIZE_MAX;
    struct relay r;
    struct buf got = {0};
    size_t rest;
    assert_int_equal(run_relay(&cfg, &r, bad, sizeof(bad), &got, &rest), RELAY_ERROR);
    assert_non_null(r.why);
    buf_free(&got);
}

/* A MariaDB progress report: ERR with code 0xffff, stage 1 of 2, 50.000%. */
static void s_progress(struct stream *s)
{
    static const uint8_t p[] = {0xff, 0xff, 0xff, 0x01, 0x01, 0x02, 0x50, 0xc3,
                                0x00, 0x05, 'c',  'o',  'p',  'y',  '1'};
    s_packet(s, p, sizeof(p));
}

static void test_ext_progress(void **state)
{
    static const struct item items[] = {{.kind = IT_RS,
                                         .ncols = 2,
                                         .nrows = 2,
                                         .cols_status = ST_AUTOCOMMIT,
                                         .end_status = ST_AUTOCOMMIT}};
    for (size_t i = 0; i < 4; i++) {
        uint32_t ccaps = combos[i][0], bcaps = combos[i][1];
        /* Three progress reports before the result. */
        struct stream s;
        s_init(&s, 1);
        s_progress(&s);
        s_progress(&s);
        s_progress(&s);
        struct buf rest_in;
        render_backend(items, 1, bcaps, 0, &rest_in);
        /* Renumber the result after the reports: render it from seq 4. */
        struct stream tail;
        s_init(&tail, 4);
        const uint8_t *p = buf_head(&rest_in);
        size_t pos = 0, n = buf_avail(&rest_in);
        while (pos < n) {
            size_t len = (size_t)p[pos] | (size_t)p[pos + 1] << 8 | (size_t)p[pos + 2] << 16;
            s_packet(&tail, p + pos + 4, len);
            pos += 4 + len;
        }
        b_add(&s.b, buf_head(&tail.b), buf_avail(&tail.b));
        struct expect e;
        render_client(items, 1, ccaps, bcaps, &e);
        struct run_cfg cfg = {
            .kind = RELAY_KIND_QUERY, .ccaps = ccaps, .bcaps = bcaps, .ext = RELAY_EXT_PROGRESS};
        check_all_modes("progress reports dropped", cfg, &s.b, &e.bytes, RELAY_DONE, &e);

        /* Without the capability a 0xffff ERR is an ordinary ERR. */
        struct stream only;
        s_init(&only, 1);
        s_progress(&only);
        cfg.ext = 0;
        check_all_modes("0xffff ERR without PROGRESS", cfg, &only.b, &only.b, RELAY_DONE, NULL);

        buf_free(&s.b);
        buf_free(&tail.b);
        buf_free(&rest_in);
        buf_free(&e.bytes);
        buf_free(&only.b);
    }

    /* A progress report before an OK of a simple command is dropped too. */
    static const uint8_t in[] = {0x0f, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0x01, 0x01, 0x02,
                                 0x50, 0xc3, 0x00, 0x05, 'c',  'o',  'p',  'y',  '1',  0x07,
                                 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    static const uint8_t want[] = {0x07, 0x00, 0x00, 0x01, 0x00, 0x00,
                                   0x00, 0x02, 0x00, 0x00, 0x00};
    struct buf input = {0}, expected = {0};
    b_add(&input, in, sizeof(in));
    b_add(&expected, want, sizeof(want));
    struct run_cfg cfg = {.kind = RELAY_KIND_SIMPLE,
                          .ccaps = CAPS_BASE,
                          .bcaps = CAPS_BASE,
                          .ext = RELAY_EXT_PROGRESS};
    check_all_modes("progress before a simple OK", cfg, &input, &expected, RELAY_DONE, NULL);
    buf_free(&input);
    buf_free(&expected);
}

/* ---- track_schema ---------------------------------------------------------- */

static void test_track_schema(void **state)
{
    /* The backend reports its own schema "app_shard0" and a tracked OK. */
    static const uint8_t in[] = {
        0x16, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, /* OK */
        0x00,                                                             /* info "" */
        0x0d, 0x01, 0x0b, 0x0a, 'a',  'p',  'p',  '_',  's',  'h',  'a',  'r', 'd', '0', /* state */
    };
    /* Tracked client: the state names the keyspace "app" instead. */
    static const uint8_t want_tracked[] = {
        0x0f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, /* OK */
        0x00,                                                             /* info "" */
        0x06, 0x01, 0x04, 0x03, 'a',  'p',  'p',                          /* state */
    };
    /* Untracked client: a plain OK. */
    static const uint8_t want_plain[] = {0x07, 0x00, 0x00, 0x01, 0x00, 0x00,
                                         0x00, 0x02, 0x00, 0x00, 0x00};
    static const enum relay_kind kinds[] = {RELAY_KIND_SIMPLE, RELAY_KIND_QUERY};
    for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
        struct buf input = {0}, exp_t = {0}, exp_p = {0};
        b_add(&input, in, sizeof(in));
        b_add(&exp_t, want_tracked, sizeof(want_tracked));
        b_add(&exp_p, want_plain, sizeof(want_plain));
        struct run_cfg cfg = {.kind = kinds[k],
                              .ccaps = CAPS_BASE | TRACK,
                              .bcaps = CAPS_BASE | TRACK,
                              .track_schema = "app"};
        check_all_modes("track_schema, tracked client", cfg, &input, &exp_t, RELAY_DONE, NULL);
        cfg.ccaps = CAPS_BASE | TRACK | DEPRECATE;
        check_all_modes("track_schema, tracked DEPRECATE client", cfg, &input, &exp_t, RELAY_DONE,
                        NULL);
        cfg.ccaps = CAPS_BASE;
        check_all_modes("track_schema, untracked client", cfg, &input, &exp_p, RELAY_DONE, NULL);

        /* An untracked backend's plain OK gets the state too. */
        struct buf plain_in = {0};
        b_add(&plain_in, want_plain, sizeof(want_plain));
        cfg.ccaps = CAPS_BASE | TRACK;
        cfg.bcaps = CAPS_BASE;
        check_all_modes("track_schema, untracked backend", cfg, &plain_in, &exp_t, RELAY_DONE,
                        NULL);

        /* An ERR is left alone. */
        static const uint8_t err[] = {0x0d, 0x00, 0x00, 0x01, 0xff, 0x19, 0x04, '#', '4',
                                      '2',  '0',  '0',  '0',  'n',  'o',  'p',  'e'};
        struct buf err_in = {0};
        b_add(&err_in, err, sizeof(err));
        check_all_modes("track_schema, ERR", cfg, &err_in, &err_in, RELAY_DONE, NULL);

        buf_free(&input);
        buf_free(&exp_t);
        buf_free(&exp_p);
        buf_free(&plain_in);
        buf_free(&err_in);
    }
}

/* ---- relay_start ------------------------------------------------------------ */

static void test_start(void **state)
{
    struct relay r;
    memset(&r, 0xa5, sizeof(r));
    relay_start(&r, RELAY_KIND_QUERY, 1, 2, true);
    assert_int_equal(r.kind, RELAY_KIND_QUERY);
    assert_int_equal(r.st, RELAY_ST_FIRST);
    assert_int_equal(r.client_caps, 1);
    assert_int_equal(r.backend_caps, 2);
    assert_true(r.allow_infile);
    assert_int_equal(r.client_seq, 1);
    assert_int_equal(r.backend_seq, 1);
    assert_int_equal(r.backend_ext, 0);
    assert_int_equal(r.rows, 0);
    assert_int_equal(r.err_code, 0);
    assert_null(r.track_schema);
    assert_null(r.why);
    relay_start(&r, RELAY_KIND_FIELD_LIST, 0, 0, false);
    assert_int_equal(r.st, RELAY_ST_FIELDS);

    /* Nothing to read: more input needed, nothing written. */
    struct buf in = {0}, out = {0};
    assert_int_equal(relay_feed(&r, &in, &out, SIZE_MAX), RELAY_MORE);
    assert_int_equal(buf_avail(&out), 0);
}

/*
 * BUG (router/relay.c, control_packet, RELAY_ST_FIELDS): with
 * RELAY_EXT_METADATA every COM_FIELD_LIST packet is handled whole, and an
 * empty packet (len 0) reaches `if (p[0] == 0xff)`, which reads the byte
 * after the packet: whatever follows in `in` (here the next header, whose
 * first byte is 0xff), or past the end of the data (AddressSanitizer
 * reports a heap-buffer-overflow when `in` is allocated to its exact
 * size). Expected: RELAY_ERROR for an empty packet. Actual: a 4-byte
 * packet of length 0 is sent to the client as if it were an ERR, and the
 * relay reports RELAY_DONE.
 */
static void test_field_list_empty_packet(void **state)
{
    static const uint8_t in[] = {0x00, 0x00, 0x00, 0x01,  /* empty packet */
                                 0xff, 0x00, 0x00, 0x02}; /* a header starting with 0xff */
    struct relay r;
    struct buf b_in = {0}, out = {0};
    relay_start(&r, RELAY_KIND_FIELD_LIST, CAPS_BASE, CAPS_BASE, false);
    r.backend_ext = RELAY_EXT_METADATA;
    b_add(&b_in, in, sizeof(in));
    enum relay_result res = relay_feed(&r, &b_in, &out, SIZE_MAX);
    buf_free(&b_in);
    buf_free(&out);
    if (res != RELAY_ERROR)
        fail_msg("empty packet in a field list: result %d, expected RELAY_ERROR", res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_ok_only),
        cmocka_unit_test(test_err_only),
        cmocka_unit_test(test_result_set),
        cmocka_unit_test(test_empty_result_set),
        cmocka_unit_test(test_result_set_seq_wrap),
        cmocka_unit_test(test_multi_results),
        cmocka_unit_test(test_many_columns),
        cmocka_unit_test(test_stops_at_end),
        cmocka_unit_test(test_err_during_rows),
        cmocka_unit_test(test_literal_classic_to_deprecate),
        cmocka_unit_test(test_literal_deprecate_to_classic),
        cmocka_unit_test(test_end_marker_with_state),
        cmocka_unit_test(test_session_track_conversion),
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_field_list),
        cmocka_unit_test(test_big_rows),
        cmocka_unit_test(test_big_column_definition),
        cmocka_unit_test(test_backend_errors),
        cmocka_unit_test(test_infile_allowed),
        cmocka_unit_test(test_infile_split),
        cmocka_unit_test(test_infile_denied),
        cmocka_unit_test(test_infile_errors),
        cmocka_unit_test(test_ext_metadata),
        cmocka_unit_test(test_ext_progress),
        cmocka_unit_test(test_track_schema),
        cmocka_unit_test(test_field_list_empty_packet),
    };
    return cmocka_run_group_tests_name("relay", tests, NULL, NULL);
}
