/* relay — backend response -> client response. See include/relay.h. */
#include "relay.h"

#include <string.h>

#include "proto.h"

void relay_start(struct relay *r, enum relay_kind kind, uint32_t client_caps, uint32_t backend_caps,
                 bool allow_infile)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->st = kind == RELAY_KIND_FIELD_LIST ? RELAY_ST_FIELDS : RELAY_ST_FIRST;
    r->client_caps = client_caps;
    r->backend_caps = backend_caps;
    r->allow_infile = allow_infile;
    r->client_seq = 1;
    r->backend_seq = 1;
}

static enum relay_result fail(struct relay *r, const char *why)
{
    r->why = why;
    return RELAY_ERROR;
}

static int emit_header(struct relay *r, struct buf *out, uint32_t len)
{
    if (buf_reserve(out, PROTO_HEADER_LEN) == -1)
        return -1;
    proto_set_header(out->data + out->len, len, r->client_seq++);
    out->len += PROTO_HEADER_LEN;
    return 0;
}

/* A whole packet, unchanged but for its sequence id. */
static int emit_packet(struct relay *r, struct buf *out, const uint8_t *p, size_t len)
{
    if (emit_header(r, out, (uint32_t)len) == -1)
        return -1;
    return buf_append(out, p, len);
}

/* A column definition, without MariaDB's extended metadata field (a
 * lenenc string after org_name) when the backend sends one. */
static int emit_coldef(struct relay *r, struct buf *out, const uint8_t *p, size_t len)
{
    if (!(r->backend_ext & RELAY_EXT_METADATA))
        return emit_packet(r, out, p, len);
    size_t off, cut;
    if (proto_coldef_ext(p, len, &off, &cut) == -1)
        return -2;
    if (emit_header(r, out, (uint32_t)(len - cut)) == -1 || buf_append(out, p, off) == -1 ||
        buf_append(out, p + off + cut, len - off - cut) == -1)
        return -1;
    return 0;
}

/* MariaDB progress report: an ERR packet with code 0xffff. */
static bool is_progress(const struct relay *r, const uint8_t *p, size_t len)
{
    return (r->backend_ext & RELAY_EXT_PROGRESS) && len >= 3 && p[0] == 0xff &&
           proto_u16(p + 1) == 0xffff;
}

/* An end-of-rows / end-of-fields marker in the client's flavour. */
static int emit_end(struct relay *r, struct buf *out, struct proto_ok *ok)
{
    if (r->client_caps & PROTO_CAP_DEPRECATE_EOF) {
        ok->header = 0xfe;
        return proto_write_ok(out, r->client_seq++, r->client_caps, ok);
    }
    return proto_write_eof(out, r->client_seq++, ok->warnings, ok->status);
}

/* Parse the backend's end marker (EOF, or OK-as-EOF) into ok. */
static int parse_end(struct relay *r, const uint8_t *p, size_t len, struct proto_ok *ok)
{
    if (r->backend_caps & PROTO_CAP_DEPRECATE_EOF)
        return proto_parse_ok(p, len, r->backend_caps, ok);
    memset(ok, 0, sizeof(*ok));
    return proto_parse_eof(p, len, &ok->warnings, &ok->status);
}

static enum relay_result first_packet(struct relay *r, const uint8_t *p, size_t len,
                                      struct buf *out)
{
    struct proto_ok ok;
    struct proto_reader rd;

    if (len == 0)
        return fail(r, "empty response packet");
    switch (p[0]) {
    case 0x00:
        if (proto_parse_ok(p, len, r->backend_caps, &ok) == -1)
            return fail(r, "malformed OK packet");
        if (r->infile_denied && !(ok.status & PROTO_STATUS_MORE_RESULTS)) {
            /* Loading an empty file in place of the one the client could not
             * send is not success. */
            r->status = ok.status;
            r->err_code = PROTO_ER_NOT_ALLOWED_COMMAND;
            if (proto_write_err(out, r->client_seq++, PROTO_ER_NOT_ALLOWED_COMMAND, "42000",
                                "LOAD DATA LOCAL INFILE: the client may not send files "
                                "(local infile not enabled); nothing was loaded") == -1)
                return fail(r, "out of memory");
            r->st = RELAY_ST_DONE;
            return RELAY_MORE;
        }
        r->status = ok.status;
        r->warnings = ok.warnings;
        r->affected = ok.affected_rows;
        r->insert_id = ok.last_insert_id;
        if (ok.state_len > 0)
            proto_state_gtid(ok.state, ok.state_len, r->gtid, sizeof(r->gtid));
        uint8_t state[300]; /* 64 characters of up to 4 bytes, with prefixes */
        if (r->track_schema != NULL) {
            ok.state_len = proto_state_schema(state, sizeof(state), r->track_schema);
            ok.state = state;
            if (ok.state_len > 0)
                ok.status |= PROTO_STATUS_SESSION_STATE_CHANGED;
        }
        if (proto_write_ok(out, r->client_seq++, r->client_caps, &ok) == -1)
            return fail(r, "out of memory");
        r->st = (ok.status & PROTO_STATUS_MORE_RESULTS) ? RELAY_ST_FIRST : RELAY_ST_DONE;
        return RELAY_MORE;
    case 0xff:
        if (is_progress(r, p, len))
            return RELAY_MORE;
        if (emit_packet(r, out, p, len) == -1)
            return fail(r, "out of memory");
        r->err_code = len >= 3 ? proto_u16(p + 1) : 0;
        r->st = RELAY_ST_DONE;
        return RELAY_MORE;
    case 0xfb:
        if (r->kind != RELAY_KIND_QUERY)
            return fail(r, "unexpected LOCAL INFILE request");
        if (r->allow_infile && (r->client_caps & PROTO_CAP_LOCAL_FILES)) {
            if (emit_packet(r, out, p, len) == -1)
                return fail(r, "out of memory");
            r->st = RELAY_ST_INFILE;
            return RELAY_INFILE;
        }
        return RELAY_INFILE_DENIED;
    case 0xfe:
        if (r->kind == RELAY_KIND_SIMPLE && len < 9) {
            if (parse_end(r, p, len, &ok) == -1)
                return fail(r, "malformed EOF packet");
            r->status = ok.status;
            if (emit_end(r, out, &ok) == -1)
                return fail(r, "out of memory");
            r->st = RELAY_ST_DONE;
            return RELAY_MORE;
        }
        return fail(r, "unexpected 0xfe packet at the start of a response");
    default:
        if (r->kind != RELAY_KIND_QUERY)
            return fail(r, "unexpected result set");
        proto_reader_init(&rd, p, len);
        r->ncols = proto_get_lenenc(&rd);
        if (rd.err || r->ncols == 0)
            return fail(r, "malformed column count");
        size_t keep = (size_t)(rd.p - p);
        if (r->backend_ext & RELAY_EXT_CACHE_METADATA) {
            /* MariaDB adds "metadata follows"; the client never asked. */
            if (proto_get_u8(&rd) != 1 || rd.err)
                return fail(r, "column definitions were not sent (cached metadata)");
        } else {
            keep = len;
        }
        if (emit_packet(r, out, p, keep) == -1)
            return fail(r, "out of memory");
        r->st = RELAY_ST_COLUMNS;
        return RELAY_MORE;
    }
}

/* A whole control packet in the current state. */
static enum relay_result control_packet(struct relay *r, const uint8_t *p, size_t len,
                                        struct buf *out)
{
    struct proto_ok ok;
    int rc;

    switch (r->st) {
    case RELAY_ST_FIRST:
        return first_packet(r, p, len, out);
    case RELAY_ST_COLUMNS:
        r->ncols--;
        rc = emit_coldef(r, out, p, len);
        if (rc == -2)
            return fail(r, "malformed column definition");
        return rc == 0 ? RELAY_MORE : fail(r, "out of memory");
    case RELAY_ST_COLUMNS_END:
        if (!proto_is_end(p, len, false) || parse_end(r, p, len, &ok) == -1)
            return fail(r, "expected EOF after column definitions");
        r->status = ok.status;
        if (!(r->client_caps & PROTO_CAP_DEPRECATE_EOF) &&
            proto_write_eof(out, r->client_seq++, ok.warnings, ok.status) == -1)
            return fail(r, "out of memory");
        r->st = RELAY_ST_ROWS;
        return RELAY_MORE;
    case RELAY_ST_ROWS:
    case RELAY_ST_FIELDS:
        if (len == 0)
            return fail(r, "empty packet in a result set");
        if (is_progress(r, p, len))
            return RELAY_MORE;
        if (r->st == RELAY_ST_FIELDS && len > 0 && p[0] != 0xff &&
            !proto_is_end(p, len, (r->backend_caps & PROTO_CAP_DEPRECATE_EOF) != 0)) {
            rc = emit_coldef(r, out, p, len);
            if (rc == -2)
                return fail(r, "malformed column definition");
            return rc == 0 ? RELAY_MORE : fail(r, "out of memory");
        }
        if (p[0] == 0xff) {
            if (emit_packet(r, out, p, len) == -1)
                return fail(r, "out of memory");
            r->err_code = len >= 3 ? proto_u16(p + 1) : 0;
            r->st = RELAY_ST_DONE;
            return RELAY_MORE;
        }
        if (parse_end(r, p, len, &ok) == -1)
            return fail(r, "malformed end of result set");
        r->status = ok.status;
        r->warnings = ok.warnings;
        if (emit_end(r, out, &ok) == -1)
            return fail(r, "out of memory");
        if (r->st == RELAY_ST_ROWS && (ok.status & PROTO_STATUS_MORE_RESULTS))
            r->st = RELAY_ST_FIRST;
        else
            r->st = RELAY_ST_DONE;
        return RELAY_MORE;
    default:
        return fail(r, "packet in an unexpected state");
    }
}

/* After the last column definition: the backend's own EOF follows (classic),
 * or rows follow directly and a classic client gets an EOF from us. */
static int columns_done(struct relay *r, struct buf *out)
{
    if (!(r->backend_caps & PROTO_CAP_DEPRECATE_EOF)) {
        r->st = RELAY_ST_COLUMNS_END;
        return 0;
    }
    r->st = RELAY_ST_ROWS;
    if (!(r->client_caps & PROTO_CAP_DEPRECATE_EOF))
        return proto_write_eof(out, r->client_seq++, 0, r->status);
    return 0;
}

/* Does the packet at hdr (with at least its first payload byte available
 * when len > 0) have to be seen whole? */
static bool needs_whole(const struct relay *r, const uint8_t *hdr, uint32_t len)
{
    switch (r->st) {
    case RELAY_ST_COLUMNS:
        return (r->backend_ext & RELAY_EXT_METADATA) != 0;
    case RELAY_ST_ROWS:
    case RELAY_ST_FIELDS:
        if (r->st == RELAY_ST_FIELDS && (r->backend_ext & RELAY_EXT_METADATA))
            return true;
        if (len == 0)
            return false;
        if (hdr[PROTO_HEADER_LEN] == 0xff)
            return true;
        return proto_is_end(hdr + PROTO_HEADER_LEN, len,
                            (r->backend_caps & PROTO_CAP_DEPRECATE_EOF) != 0);
    default:
        return true;
    }
}

enum relay_result relay_feed(struct relay *r, struct buf *in, struct buf *out, size_t out_limit)
{
    for (;;) {
        if (r->st == RELAY_ST_DONE)
            return RELAY_DONE;
        if (r->st == RELAY_ST_INFILE)
            return RELAY_INFILE;
        size_t avail = buf_avail(in);
        if (r->pass_left > 0) {
            if (avail == 0) {
                r->need = 1;
                return RELAY_MORE;
            }
            if (buf_avail(out) >= out_limit)
                return RELAY_MORE;
            size_t n = avail < r->pass_left ? avail : r->pass_left;
            if (buf_append(out, buf_head(in), n) == -1)
                return fail(r, "out of memory");
            buf_consume(in, n);
            r->pass_left -= n;
            continue;
        }
        if (r->st == RELAY_ST_COLUMNS && r->ncols == 0 && !r->in_split) {
            if (columns_done(r, out) == -1)
                return fail(r, "out of memory");
            continue;
        }
        if (avail < PROTO_HEADER_LEN + 1) {
            /* An empty packet is only 4 bytes; everything else needs one
             * payload byte to be classified. */
            if (avail < PROTO_HEADER_LEN || proto_u24(buf_head(in)) != 0) {
                r->need = PROTO_HEADER_LEN + 1;
                return RELAY_MORE;
            }
        }
        const uint8_t *hdr = buf_head(in);
        uint32_t len = proto_u24(hdr);
        if (hdr[3] != r->backend_seq)
            return fail(r, "packets out of order from the backend");
        if (buf_avail(out) >= out_limit)
            return RELAY_MORE;
        if (r->in_split || !needs_whole(r, hdr, len)) {
            /* Stream this packet through. */
            if (!r->in_split) {
                if (r->st == RELAY_ST_COLUMNS)
                    r->ncols--;
                else if (r->st == RELAY_ST_ROWS)
                    r->rows++;
            }
            if (emit_header(r, out, len) == -1)
                return fail(r, "out of memory");
            buf_consume(in, PROTO_HEADER_LEN);
            r->backend_seq++;
            r->pass_left = len;
            r->in_split = len == PROTO_MAX_PAYLOAD;
            continue;
        }
        if (len >= PROTO_MAX_PAYLOAD)
            return fail(r, "control packet of 16 MiB or more");
        if (avail < PROTO_HEADER_LEN + (size_t)len) {
            r->need = PROTO_HEADER_LEN + (size_t)len;
            return RELAY_MORE;
        }
        r->backend_seq++;
        enum relay_result res = control_packet(r, hdr + PROTO_HEADER_LEN, len, out);
        buf_consume(in, PROTO_HEADER_LEN + (size_t)len);
        if (res != RELAY_MORE)
            return res;
    }
}

enum relay_result relay_infile_packet(struct relay *r, const uint8_t *payload, size_t len,
                                      uint8_t seq, struct buf *to_backend)
{
    if (r->st != RELAY_ST_INFILE)
        return fail(r, "LOCAL INFILE data outside a LOCAL INFILE request");
    if (seq != r->client_seq)
        return fail(r, "packets out of order from the client");
    r->client_seq++;
    uint8_t bseq = r->backend_seq++;
    if (buf_reserve(to_backend, PROTO_HEADER_LEN + len) == -1)
        return fail(r, "out of memory");
    proto_set_header(to_backend->data + to_backend->len, (uint32_t)len, bseq);
    to_backend->len += PROTO_HEADER_LEN;
    buf_append(to_backend, payload, len);
    /* An empty packet ends the file, unless it closes a split payload. */
    bool end = len == 0 && !r->infile_split;
    r->infile_split = len == PROTO_MAX_PAYLOAD;
    if (end) {
        r->st = RELAY_ST_FIRST;
        return RELAY_DONE;
    }
    return RELAY_MORE;
}

int relay_infile_deny(struct relay *r, struct buf *to_backend)
{
    uint8_t b[PROTO_HEADER_LEN];
    proto_set_header(b, 0, r->backend_seq++);
    r->st = RELAY_ST_FIRST;
    r->infile_denied = true;
    return buf_append(to_backend, b, sizeof(b));
}
