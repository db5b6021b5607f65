/*
 * fuzz_proto.c — libFuzzer harness for the protocol codec's parsers
 * (router/proto.c).
 *
 * Input: byte 0 is a selector (first sequence id for the framing scan, and
 * which OK header to try); the rest is one payload (or, for the framing
 * scan, a packet stream), copied into a heap block of exactly its size so
 * that AddressSanitizer catches any read past the end. Every parser sees the
 * same bytes:
 *   - proto_parse_hs_response: on success, every string lies in the payload;
 *   - proto_parse_ok with each of the 16 combinations of PROTOCOL_41,
 *     TRANSACTIONS, SESSION_TRACK and DEPRECATE_EOF (and with the first byte
 *     forced to 0x00 and to 0xfe, so most inputs get past the header): on
 *     success info/state lie in the payload, and writing the result back
 *     with proto_write_ok() and parsing that gives the same fields;
 *   - proto_parse_err (and the same round trip through proto_write_err when
 *     the message can go through printf), proto_parse_eof;
 *   - proto_message_scan on the stream: a complete message lies inside the
 *     input, the same scan on exactly those bytes agrees, one byte less says
 *     "need more", and proto_message_join fills exactly m.payload bytes;
 *   - proto_write_payload then scan + join gives the payload back;
 *   - the proto_get_* readers, driven by the input: never past the end, and
 *     an error is sticky.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "buf.h"
#include "proto.h"

static void check_hs_response(const uint8_t *p, size_t len)
{
    struct proto_hs_response r;
    const char *why = NULL;
    if (proto_parse_hs_response(p, len, &r, &why) == -1) {
        FUZZ_CHECK(why != NULL && why[0] != '\0');
        return;
    }
    FUZZ_CHECK(r.caps & PROTO_CAP_PROTOCOL_41);
    if (r.ssl_request) {
        FUZZ_CHECK(len == 32 && (r.caps & PROTO_CAP_SSL));
        return;
    }
    FUZZ_CHECK(r.user != NULL && fuzz_inside(r.user, r.user_len, p, len));
    FUZZ_CHECK(memchr(r.user, '\0', r.user_len) == NULL);
    FUZZ_CHECK(r.auth_len == 0 || fuzz_inside(r.auth, r.auth_len, p, len));
    if (r.db != NULL)
        FUZZ_CHECK(fuzz_inside(r.db, r.db_len, p, len) && r.db_len > 0);
    if (r.plugin != NULL)
        FUZZ_CHECK(fuzz_inside(r.plugin, r.plugin_len, p, len));
}

static bool same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Parse an OK payload with caps; on success write it back and parse again. */
static void check_ok(const uint8_t *p, size_t len, uint32_t caps)
{
    struct proto_ok ok, again;
    if (proto_parse_ok(p, len, caps, &ok) == -1)
        return;
    FUZZ_CHECK(ok.header == 0x00 || ok.header == 0xfe);
    FUZZ_CHECK(ok.info_len == 0 || fuzz_inside(ok.info, ok.info_len, p, len));
    FUZZ_CHECK(ok.state_len == 0 || fuzz_inside(ok.state, ok.state_len, p, len));
    if (!(caps & PROTO_CAP_SESSION_TRACK))
        FUZZ_CHECK(ok.state_len == 0);

    struct buf out = {0};
    FUZZ_CHECK(proto_write_ok(&out, 7, caps, &ok) == 0);
    FUZZ_CHECK(buf_avail(&out) >= PROTO_HEADER_LEN);
    uint8_t *w = buf_head(&out);
    size_t wlen = proto_u24(w);
    FUZZ_CHECK(w[3] == 7 && wlen == buf_avail(&out) - PROTO_HEADER_LEN);
    uint8_t *copy = fuzz_dup(w + PROTO_HEADER_LEN, wlen);
    FUZZ_CHECK(proto_parse_ok(copy, wlen, caps, &again) == 0);
    bool track = (caps & PROTO_CAP_SESSION_TRACK) != 0;
    uint16_t status = ok.status;
    if (!track || ok.state_len == 0)
        status &= (uint16_t)~PROTO_STATUS_SESSION_STATE_CHANGED;
    FUZZ_CHECK(again.header == ok.header);
    FUZZ_CHECK(again.affected_rows == ok.affected_rows);
    FUZZ_CHECK(again.last_insert_id == ok.last_insert_id);
    FUZZ_CHECK(again.status == status);
    FUZZ_CHECK(again.warnings == ok.warnings);
    FUZZ_CHECK(same_bytes(again.info, again.info_len, ok.info, ok.info_len));
    if (status & PROTO_STATUS_SESSION_STATE_CHANGED)
        FUZZ_CHECK(same_bytes(again.state, again.state_len, ok.state, ok.state_len));
    else
        FUZZ_CHECK(again.state_len == 0);
    free(copy);
    buf_free(&out);
}

static void check_err(const uint8_t *p, size_t len)
{
    struct proto_err e, again;
    if (proto_parse_err(p, len, &e) == -1)
        return;
    FUZZ_CHECK(len >= 3 && p[0] == 0xff);
    FUZZ_CHECK(e.msg_len == 0 || fuzz_inside(e.msg, e.msg_len, p, len));
    if (e.msg_len >= 512 || memchr(e.msg, '\0', e.msg_len) != NULL)
        return; /* printf would cut it: no round trip */
    struct buf out = {0};
    FUZZ_CHECK(proto_write_err(&out, 1, e.code, e.sqlstate, "%.*s", (int)e.msg_len,
                               (const char *)e.msg) == 0);
    size_t wlen = proto_u24(buf_head(&out));
    FUZZ_CHECK(wlen == buf_avail(&out) - PROTO_HEADER_LEN);
    uint8_t *copy = fuzz_dup(buf_head(&out) + PROTO_HEADER_LEN, wlen);
    FUZZ_CHECK(proto_parse_err(copy, wlen, &again) == 0);
    FUZZ_CHECK(again.code == e.code && memcmp(again.sqlstate, e.sqlstate, 5) == 0);
    FUZZ_CHECK(same_bytes(again.msg, again.msg_len, e.msg, e.msg_len));
    free(copy);
    buf_free(&out);
}

static void check_scan(const uint8_t *p, size_t len, uint8_t seq)
{
    struct proto_msg m, m2;
    int rc = proto_message_scan(p, len, seq, &m);
    FUZZ_CHECK(rc >= -1 && rc <= 1);
    if (rc != 1)
        return;
    FUZZ_CHECK(m.nparts >= 1 && m.wire <= len);
    FUZZ_CHECK(m.wire == m.payload + (size_t)PROTO_HEADER_LEN * m.nparts);
    FUZZ_CHECK(m.next_seq == (uint8_t)(seq + m.nparts));
    /* The same message on exactly its bytes (ASan: nothing past them). */
    uint8_t *exact = fuzz_dup(p, m.wire);
    FUZZ_CHECK(proto_message_scan(exact, m.wire, seq, &m2) == 1);
    FUZZ_CHECK(m2.wire == m.wire && m2.payload == m.payload && m2.nparts == m.nparts);
    FUZZ_CHECK(proto_message_scan(exact, m.wire - 1, seq, &m2) == 0);
    uint8_t *dst = malloc(m.payload ? m.payload : 1);
    if (dst == NULL)
        abort();
    proto_message_join(exact, &m, dst);
    if (m.nparts == 1)
        FUZZ_CHECK(m.payload == 0 || memcmp(dst, exact + PROTO_HEADER_LEN, m.payload) == 0);
    free(dst);
    free(exact);
}

/* proto_write_payload -> scan -> join is the identity. */
static void check_write_payload(const uint8_t *p, size_t len, uint8_t seq)
{
    struct buf out = {0};
    uint8_t s = seq;
    struct proto_msg m;
    FUZZ_CHECK(proto_write_payload(&out, p, len, &s) == 0);
    FUZZ_CHECK(proto_message_scan(buf_head(&out), buf_avail(&out), seq, &m) == 1);
    FUZZ_CHECK(m.wire == buf_avail(&out) && m.payload == len && m.next_seq == s);
    uint8_t *dst = malloc(len ? len : 1);
    if (dst == NULL)
        abort();
    proto_message_join(buf_head(&out), &m, dst);
    FUZZ_CHECK(len == 0 || memcmp(dst, p, len) == 0);
    free(dst);
    buf_free(&out);
}

/* Readers driven by the input itself: each byte picks a getter. */
static void check_readers(const uint8_t *p, size_t len)
{
    struct proto_reader r;
    size_t n;
    const uint8_t *s;
    proto_reader_init(&r, p, len);
    for (size_t i = 0; i < len && i < 64; i++) {
        int was_err = r.err;
        switch (p[i] % 10) {
        case 0:
            proto_get_u8(&r);
            break;
        case 1:
            proto_get_u16(&r);
            break;
        case 2:
            proto_get_u24(&r);
            break;
        case 3:
            proto_get_u32(&r);
            break;
        case 4:
            proto_get_u64(&r);
            break;
        case 5:
            proto_get_lenenc(&r);
            break;
        case 6:
            s = proto_get_lenenc_str(&r, &n);
            FUZZ_CHECK(s == NULL ? n == 0 : fuzz_inside(s, n, p, len));
            break;
        case 7:
            s = proto_get_nulstr(&r, &n);
            FUZZ_CHECK(s == NULL ? n == 0 : fuzz_inside(s, n, p, len) && s[n] == '\0');
            break;
        case 8:
            s = proto_get_bytes(&r, p[i] / 10u);
            FUZZ_CHECK(s == NULL || fuzz_inside(s, p[i] / 10u, p, len));
            break;
        default:
            s = proto_get_rest(&r, &n);
            FUZZ_CHECK(n == 0 || fuzz_inside(s, n, p, len));
            break;
        }
        FUZZ_CHECK(r.p >= p && r.p <= p + len && r.end == p + len);
        if (was_err)
            FUZZ_CHECK(r.err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    size_t len = size - 1;
    uint8_t *p = fuzz_dup(data + 1, len);

    check_hs_response(p, len);
    static const uint32_t bits[4] = {PROTO_CAP_PROTOCOL_41, PROTO_CAP_TRANSACTIONS,
                                     PROTO_CAP_SESSION_TRACK, PROTO_CAP_DEPRECATE_EOF};
    for (unsigned combo = 0; combo < 16; combo++) {
        uint32_t caps = 0;
        for (unsigned b = 0; b < 4; b++)
            if (combo & (1u << b))
                caps |= bits[b];
        check_ok(p, len, caps);
        if (len > 0) {
            /* Most random inputs fail on the header byte: try both. */
            uint8_t keep = p[0];
            p[0] = (sel & 1) ? 0xfe : 0x00;
            check_ok(p, len, caps);
            p[0] = keep;
        }
    }
    check_err(p, len);
    uint16_t w, st;
    if (proto_parse_eof(p, len, &w, &st) == 0)
        FUZZ_CHECK(len >= 1 && len < 9 && p[0] == 0xfe);
    check_scan(p, len, sel);
    check_write_payload(p, len, sel);
    check_readers(p, len);
    free(p);
    return 0;
}
