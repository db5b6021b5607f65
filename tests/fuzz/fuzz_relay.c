/*
 * fuzz_relay.c — libFuzzer harness for the response relay (router/relay.c).
 *
 * Input: a 4-byte header, then the backend's byte stream.
 *   byte 0: bits 0-1 kind (QUERY, FIELD_LIST, SIMPLE; 3 = QUERY),
 *           bit 2 allow_infile, bit 3 track_schema set,
 *           bits 4-5 chunking (whole, 1 byte at a time, random sizes x2),
 *           bits 6-7 out_limit (1 MiB, 1 byte, small from byte 3, 128 KiB)
 *   byte 1: client caps: bit 0 DEPRECATE_EOF, bit 1 SESSION_TRACK,
 *           bit 2 LOCAL_FILES; backend caps: bit 4 DEPRECATE_EOF,
 *           bit 5 SESSION_TRACK
 *   byte 2: backend_ext: bit 0 PROGRESS, bit 1 METADATA, bit 2 CACHE_METADATA;
 *           bits 3-4: LOCAL INFILE data packets the client sends (0-3);
 *           bit 5: the first of them carries a wrong sequence id
 *   byte 3: seed of the chunk sizes; the small out_limit
 *
 * The stream is fed to relay_feed() in chunks, the way session.c does:
 * more input when it returns RELAY_MORE, `out` drained when it holds
 * out_limit bytes, relay_infile_packet()/relay_infile_deny() when it asks.
 * Before every call `in` is an exactly-sized heap copy of the unconsumed
 * bytes, so AddressSanitizer reports any read past what was received.
 *
 * Invariants (abort() when broken):
 *   - the loop ends: bounded by the input size (and relay_feed itself by
 *     libFuzzer's -timeout);
 *   - no stall: RELAY_MORE that consumed nothing and produced nothing while
 *     `out` is below out_limit means the relay needs more bytes than `in`
 *     holds (r.need > what is there);
 *   - the client stream is well formed: sequence ids consecutive from 1
 *     (counting the LOCAL INFILE packets the client sent), and it ends on
 *     a packet boundary whenever the relay returns DONE or INFILE;
 *   - RELAY_ERROR comes with a reason; LOCAL INFILE goes to the client only
 *     when allowed and the client has CLIENT_LOCAL_FILES; the empty packet
 *     ends the file and returns to reading the backend's answer.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "buf.h"
#include "proto.h"
#include "relay.h"

/* The client's side: walks the bytes the relay produced, packet by packet. */
struct client {
    uint8_t seq;       /* sequence id expected next */
    uint8_t hdr[4];    /* a header split over two drains */
    unsigned hdr_have; /* bytes of hdr held */
    size_t left;       /* payload bytes of the current packet still to come */
    uint64_t packets;
};

static void client_take(struct client *c, struct buf *out)
{
    size_t n = buf_avail(out);
    if (n == 0)
        return;
    const uint8_t *p = buf_head(out);
    while (n > 0) {
        if (c->left > 0) {
            size_t k = n < c->left ? n : c->left;
            c->left -= k;
            p += k;
            n -= k;
            continue;
        }
        c->hdr[c->hdr_have++] = *p++;
        n--;
        if (c->hdr_have < 4)
            continue;
        c->hdr_have = 0;
        FUZZ_CHECK(c->hdr[3] == c->seq);
        c->seq++;
        c->packets++;
        c->left = proto_u24(c->hdr);
    }
    buf_consume(out, buf_avail(out));
}

static bool client_at_boundary(const struct client *c)
{
    return c->left == 0 && c->hdr_have == 0;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

#define CAPS_BASE 0x000ff77fu /* PROTOCOL_41, SECURE_CONNECTION, MULTI_RESULTS, ... */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint8_t h0 = data[0], h1 = data[1], h2 = data[2], h3 = data[3];
    const uint8_t *stream = data + 4;
    size_t total = size - 4;

    enum relay_kind kind = (h0 & 3) == 1   ? RELAY_KIND_FIELD_LIST
                           : (h0 & 3) == 2 ? RELAY_KIND_SIMPLE
                                           : RELAY_KIND_QUERY;
    bool allow_infile = (h0 & 4) != 0;
    unsigned chunking = (h0 >> 4) & 3;
    size_t out_limit = (h0 >> 6) == 0   ? (size_t)1 << 20
                       : (h0 >> 6) == 1 ? 1
                       : (h0 >> 6) == 2 ? (size_t)h3 + 1
                                        : (size_t)128 * 1024;
    uint32_t client_caps = CAPS_BASE, backend_caps = CAPS_BASE;
    if (h1 & 1)
        client_caps |= PROTO_CAP_DEPRECATE_EOF;
    if (h1 & 2)
        client_caps |= PROTO_CAP_SESSION_TRACK;
    if (h1 & 4)
        client_caps |= PROTO_CAP_LOCAL_FILES;
    if (h1 & 16)
        backend_caps |= PROTO_CAP_DEPRECATE_EOF;
    if (h1 & 32)
        backend_caps |= PROTO_CAP_SESSION_TRACK;
    uint32_t ext = 0;
    if (h2 & 1)
        ext |= RELAY_EXT_PROGRESS;
    if (h2 & 2)
        ext |= RELAY_EXT_METADATA;
    if (h2 & 4)
        ext |= RELAY_EXT_CACHE_METADATA;
    unsigned infile_packets = (h2 >> 3) & 3;
    bool infile_bad_seq = (h2 & 32) != 0;
    uint32_t rng = 0x9e3779b9u ^ ((uint32_t)h3 << 8) ^ (uint32_t)total;

    struct relay r;
    relay_start(&r, kind, client_caps, backend_caps, allow_infile);
    r.backend_ext = ext;
    if (h0 & 8)
        r.track_schema = "keyspace_name";

    struct buf in = {0}, out = {0}, to_backend = {0};
    struct client cl = {.seq = 1};
    size_t head = 0, fed = 0; /* stream[head, fed) is what `in` holds */
    size_t max_iter = 8 * (total + 8) + 64, iter = 0;
    bool infile_seen = false;

    for (;;) {
        FUZZ_CHECK(++iter <= max_iter);
        /* `in`: exactly the received, unconsumed bytes. */
        size_t avail = fed - head;
        in.data = fuzz_dup(stream + head, avail);
        in.off = 0;
        in.len = in.cap = avail;
        size_t out_before = out.len;

        enum relay_result rr = relay_feed(&r, &in, &out, out_limit);

        size_t left = buf_avail(&in);
        FUZZ_CHECK(left <= avail);
        size_t consumed = avail - left;
        head += consumed;
        free(in.data);
        in.data = NULL;
        bool produced = out.len != out_before;

        if (rr == RELAY_ERROR) {
            FUZZ_CHECK(r.why != NULL && r.why[0] != '\0');
            break;
        }
        if (rr == RELAY_DONE) {
            FUZZ_CHECK(r.st == RELAY_ST_DONE);
            client_take(&cl, &out);
            FUZZ_CHECK(client_at_boundary(&cl));
            break;
        }
        if (rr == RELAY_INFILE) {
            FUZZ_CHECK(kind == RELAY_KIND_QUERY && r.st == RELAY_ST_INFILE);
            FUZZ_CHECK(allow_infile && (client_caps & PROTO_CAP_LOCAL_FILES));
            client_take(&cl, &out);
            FUZZ_CHECK(client_at_boundary(&cl));
            infile_seen = true;
            /* Until the file is through, the backend side waits. */
            struct buf none = {0};
            FUZZ_CHECK(relay_feed(&r, &none, &out, out_limit) == RELAY_INFILE);
            /* The client sends its file, then the empty packet. */
            static const uint8_t row[] = "1,one\n2,two\n";
            bool failed = false;
            for (unsigned i = 0; i <= infile_packets; i++) {
                bool last = i == infile_packets;
                uint8_t seq = cl.seq;
                if (i == 0 && infile_bad_seq)
                    seq = (uint8_t)(seq + 3);
                enum relay_result ir =
                    relay_infile_packet(&r, row, last ? 0 : sizeof(row) - 1, seq, &to_backend);
                if (i == 0 && infile_bad_seq) {
                    FUZZ_CHECK(ir == RELAY_ERROR && r.why != NULL);
                    failed = true;
                    break;
                }
                cl.seq++; /* the client's packets use the client's sequence ids */
                FUZZ_CHECK(ir == (last ? RELAY_DONE : RELAY_MORE));
            }
            if (failed)
                break;
            FUZZ_CHECK(r.st == RELAY_ST_FIRST);
            continue;
        }
        if (rr == RELAY_INFILE_DENIED) {
            FUZZ_CHECK(kind == RELAY_KIND_QUERY);
            FUZZ_CHECK(!allow_infile || !(client_caps & PROTO_CAP_LOCAL_FILES));
            FUZZ_CHECK(relay_infile_deny(&r, &to_backend) == 0);
            FUZZ_CHECK(r.st == RELAY_ST_FIRST);
            continue;
        }
        FUZZ_CHECK(rr == RELAY_MORE);
        if (buf_avail(&out) >= out_limit) {
            client_take(&cl, &out); /* the client reads: room again */
            continue;
        }
        if (!produced && consumed == 0)
            FUZZ_CHECK(r.need > left); /* a stall: it could have gone on */
        if (fed == total)
            break; /* the backend sent no more: an incomplete response */
        size_t chunk = total - fed;
        if (chunking == 1)
            chunk = 1;
        else if (chunking >= 2)
            chunk = 1 + xorshift(&rng) % (chunking == 2 ? 7u : 300u);
        fed += chunk < total - fed ? chunk : total - fed;
    }
    client_take(&cl, &out);
#ifdef FUZZ_DEBUG /* how far a seed gets: cc -DFUZZ_DEBUG ... */
    fprintf(stderr, "relay: st %d, why %s, %llu rows, %llu client packets, infile %d, %zu of %zu\n",
            (int)r.st, r.why ? r.why : "-", (unsigned long long)r.rows,
            (unsigned long long)cl.packets, infile_seen, head, total);
#endif
    (void)infile_seen;
    buf_free(&out);
    buf_free(&to_backend);
    return 0;
}
