/* proto — MySQL protocol codec. See include/proto.h. */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- framing ------------------------------------------------------------ */

int proto_message_scan(const uint8_t *data, size_t avail, uint8_t first_seq, struct proto_msg *m)
{
    size_t pos = 0;
    uint8_t seq = first_seq;

    m->wire = 0;
    m->payload = 0;
    m->nparts = 0;
    for (;;) {
        if (avail - pos < PROTO_HEADER_LEN)
            return 0;
        uint32_t len = proto_u24(data + pos);
        uint8_t s = data[pos + 3];
        if (s != seq) {
            m->bad_seq = s;
            return -1;
        }
        m->payload += len;
        m->nparts++;
        seq++;
        if (avail - pos - PROTO_HEADER_LEN < len)
            return 0;
        pos += PROTO_HEADER_LEN + len;
        if (len < PROTO_MAX_PAYLOAD)
            break;
    }
    m->wire = pos;
    m->next_seq = seq;
    return 1;
}

void proto_message_join(const uint8_t *data, const struct proto_msg *m, uint8_t *dst)
{
    size_t pos = 0;
    for (unsigned i = 0; i < m->nparts; i++) {
        uint32_t len = proto_u24(data + pos);
        memcpy(dst, data + pos + PROTO_HEADER_LEN, len);
        dst += len;
        pos += PROTO_HEADER_LEN + len;
    }
}

int proto_write_payload(struct buf *out, const void *payload, size_t len, uint8_t *seq)
{
    const uint8_t *p = payload;
    for (;;) {
        uint32_t n = len >= PROTO_MAX_PAYLOAD ? PROTO_MAX_PAYLOAD : (uint32_t)len;
        if (buf_reserve(out, PROTO_HEADER_LEN + (size_t)n) == -1)
            return -1;
        proto_set_header(out->data + out->len, n, (*seq)++);
        out->len += PROTO_HEADER_LEN;
        buf_append(out, p, n);
        p += n;
        len -= n;
        /* A payload that is an exact multiple of 0xffffff ends with an
         * empty packet, so that loop runs once more with n == 0. */
        if (n < PROTO_MAX_PAYLOAD)
            return 0;
    }
}

/* ---- reader ------------------------------------------------------------- */

static inline int need(struct proto_reader *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = 1;
        return 0;
    }
    return 1;
}

uint8_t proto_get_u8(struct proto_reader *r)
{
    if (!need(r, 1))
        return 0;
    return *r->p++;
}

uint16_t proto_get_u16(struct proto_reader *r)
{
    if (!need(r, 2))
        return 0;
    uint16_t v = proto_u16(r->p);
    r->p += 2;
    return v;
}

uint32_t proto_get_u24(struct proto_reader *r)
{
    if (!need(r, 3))
        return 0;
    uint32_t v = proto_u24(r->p);
    r->p += 3;
    return v;
}

uint32_t proto_get_u32(struct proto_reader *r)
{
    if (!need(r, 4))
        return 0;
    uint32_t v = proto_u32(r->p);
    r->p += 4;
    return v;
}

uint64_t proto_get_u64(struct proto_reader *r)
{
    if (!need(r, 8))
        return 0;
    uint64_t v = (uint64_t)proto_u32(r->p) | ((uint64_t)proto_u32(r->p + 4) << 32);
    r->p += 8;
    return v;
}

uint64_t proto_get_lenenc(struct proto_reader *r)
{
    uint8_t b = proto_get_u8(r);
    if (r->err)
        return 0;
    if (b < 0xfb)
        return b;
    switch (b) {
    case 0xfc:
        return proto_get_u16(r);
    case 0xfd:
        return proto_get_u24(r);
    case 0xfe:
        return proto_get_u64(r);
    default: /* 0xfb is NULL, 0xff is not an integer */
        r->err = 1;
        return 0;
    }
}

const uint8_t *proto_get_lenenc_str(struct proto_reader *r, size_t *len)
{
    uint64_t n = proto_get_lenenc(r);
    *len = 0;
    if (r->err || !need(r, n))
        return NULL;
    const uint8_t *s = r->p;
    r->p += n;
    *len = (size_t)n;
    return s;
}

const uint8_t *proto_get_nulstr(struct proto_reader *r, size_t *len)
{
    *len = 0;
    if (r->err)
        return NULL;
    const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
    if (nul == NULL) {
        r->err = 1;
        return NULL;
    }
    const uint8_t *s = r->p;
    *len = (size_t)(nul - s);
    r->p = nul + 1;
    return s;
}

const uint8_t *proto_get_bytes(struct proto_reader *r, size_t n)
{
    if (!need(r, n))
        return NULL;
    const uint8_t *s = r->p;
    r->p += n;
    return s;
}

const uint8_t *proto_get_rest(struct proto_reader *r, size_t *len)
{
    *len = r->err ? 0 : (size_t)(r->end - r->p);
    const uint8_t *s = r->p;
    r->p = r->end;
    return s;
}

/* ---- writer ------------------------------------------------------------- */

size_t proto_lenenc_size(uint64_t v)
{
    if (v < 0xfb)
        return 1;
    if (v <= 0xffff)
        return 3;
    if (v <= 0xffffff)
        return 4;
    return 9;
}

uint8_t *proto_put_lenenc(uint8_t *p, uint64_t v)
{
    int n;
    if (v < 0xfb) {
        *p++ = (uint8_t)v;
        return p;
    } else if (v <= 0xffff) {
        *p++ = 0xfc;
        n = 2;
    } else if (v <= 0xffffff) {
        *p++ = 0xfd;
        n = 3;
    } else {
        *p++ = 0xfe;
        n = 8;
    }
    for (int i = 0; i < n; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

size_t proto_begin(struct buf *out)
{
    if (buf_reserve(out, 64) == -1)
        return (size_t)-1;
    size_t start = out->len;
    out->len += PROTO_HEADER_LEN;
    return start;
}

void proto_end(struct buf *out, size_t start, uint8_t seq)
{
    proto_set_header(out->data + start, (uint32_t)(out->len - start - PROTO_HEADER_LEN), seq);
}

int proto_add(struct buf *out, const void *p, size_t n)
{
    return buf_append(out, p, n);
}

int proto_add_u8(struct buf *out, uint8_t v)
{
    return buf_append(out, &v, 1);
}

int proto_add_u16(struct buf *out, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return buf_append(out, b, 2);
}

int proto_add_u32(struct buf *out, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return buf_append(out, b, 4);
}

int proto_add_lenenc(struct buf *out, uint64_t v)
{
    uint8_t b[9];
    uint8_t *e = proto_put_lenenc(b, v);
    return buf_append(out, b, (size_t)(e - b));
}

int proto_add_lenenc_str(struct buf *out, const void *s, size_t n)
{
    if (proto_add_lenenc(out, n) == -1)
        return -1;
    return buf_append(out, s, n);
}

int proto_add_nulstr(struct buf *out, const char *s)
{
    return buf_append(out, s, strlen(s) + 1);
}

/* ---- OK / EOF / ERR ----------------------------------------------------- */

int proto_parse_ok(const uint8_t *p, size_t len, uint32_t caps, struct proto_ok *ok)
{
    struct proto_reader r;
    memset(ok, 0, sizeof(*ok));
    proto_reader_init(&r, p, len);
    ok->header = proto_get_u8(&r);
    if (ok->header != 0x00 && ok->header != 0xfe)
        return -1;
    ok->affected_rows = proto_get_lenenc(&r);
    ok->last_insert_id = proto_get_lenenc(&r);
    ok->status = proto_get_u16(&r);
    ok->warnings = proto_get_u16(&r);
    if (r.err)
        return -1;
    if (proto_reader_left(&r) == 0)
        return 0;
    if (caps & PROTO_CAP_SESSION_TRACK) {
        ok->info = proto_get_lenenc_str(&r, &ok->info_len);
        if (!r.err && (ok->status & PROTO_STATUS_SESSION_STATE_CHANGED) &&
            proto_reader_left(&r) > 0)
            ok->state = proto_get_lenenc_str(&r, &ok->state_len);
        return r.err ? -1 : 0;
    }
    /* The documentation calls the info string<EOF> here, but servers write
     * it length-encoded and client libraries read it so; a packet where
     * that does not fit is read the documented way. */
    struct proto_reader save = r;
    ok->info = proto_get_lenenc_str(&r, &ok->info_len);
    if (r.err) {
        r = save;
        ok->info = proto_get_rest(&r, &ok->info_len);
    }
    return 0;
}

int proto_write_ok(struct buf *out, uint8_t seq, uint32_t caps, const struct proto_ok *ok)
{
    size_t start = proto_begin(out);
    if (start == (size_t)-1)
        return -1;
    uint16_t status = ok->status;
    bool track = (caps & PROTO_CAP_SESSION_TRACK) != 0;
    if (!track || ok->state_len == 0)
        status &= (uint16_t)~PROTO_STATUS_SESSION_STATE_CHANGED;
    int rc = proto_add_u8(out, ok->header);
    rc |= proto_add_lenenc(out, ok->affected_rows);
    rc |= proto_add_lenenc(out, ok->last_insert_id);
    rc |= proto_add_u16(out, status);
    rc |= proto_add_u16(out, ok->warnings);
    if (track) {
        if (ok->info_len > 0 || (status & PROTO_STATUS_SESSION_STATE_CHANGED))
            rc |= proto_add_lenenc_str(out, ok->info, ok->info_len);
        if (status & PROTO_STATUS_SESSION_STATE_CHANGED)
            rc |= proto_add_lenenc_str(out, ok->state, ok->state_len);
    } else if (ok->info_len > 0) {
        /* Length-encoded, as servers send it (see proto_parse_ok). */
        rc |= proto_add_lenenc_str(out, ok->info, ok->info_len);
    }
    if (rc)
        return -1;
    proto_end(out, start, seq);
    return 0;
}

size_t proto_state_schema(uint8_t *dst, size_t cap, const char *name)
{
    size_t n = strlen(name);
    size_t data = proto_lenenc_size(n) + n;
    size_t total = 1 + proto_lenenc_size(data) + data;
    if (total > cap)
        return 0;
    uint8_t *p = dst;
    *p++ = 0x01; /* SESSION_TRACK_SCHEMA */
    p = proto_put_lenenc(p, data);
    p = proto_put_lenenc(p, n);
    memcpy(p, name, n);
    return total;
}

int proto_coldef_ext(const uint8_t *p, size_t len, size_t *off, size_t *n)
{
    struct proto_reader rd;
    size_t k;
    proto_reader_init(&rd, p, len);
    for (int i = 0; i < 6; i++) /* catalog, schema, table, org_table, name, org_name */
        proto_get_lenenc_str(&rd, &k);
    const uint8_t *cut = rd.p;
    proto_get_lenenc_str(&rd, &k);
    if (rd.err)
        return -1;
    *off = (size_t)(cut - p);
    *n = (size_t)(rd.p - cut);
    return 0;
}

size_t proto_state_gtid(const uint8_t *state, size_t len, char *dst, size_t cap)
{
    struct proto_reader r;
    size_t found = 0;
    proto_reader_init(&r, state, len);
    while (proto_reader_left(&r) > 0 && !r.err) {
        uint8_t type = proto_get_u8(&r);
        size_t n, vn = 0, nn;
        const uint8_t *data = proto_get_lenenc_str(&r, &n), *v = NULL;
        if (r.err)
            break;
        struct proto_reader d;
        proto_reader_init(&d, data, n);
        if (type == 0x00) { /* SESSION_TRACK_SYSTEM_VARIABLES: name, value */
            const uint8_t *name = proto_get_lenenc_str(&d, &nn);
            v = proto_get_lenenc_str(&d, &vn);
            if (d.err || nn != 9 || memcmp(name, "last_gtid", 9) != 0)
                v = NULL;
        } else if (type == 0x03) { /* SESSION_TRACK_GTIDS: encoding, gtids */
            proto_get_u8(&d);
            v = proto_get_lenenc_str(&d, &vn);
            if (d.err)
                v = NULL;
        }
        if (v != NULL && vn > 0 && vn < cap) {
            memcpy(dst, v, vn);
            dst[vn] = '\0';
            found = vn;
        }
    }
    return found;
}

int proto_parse_eof(const uint8_t *p, size_t len, uint16_t *warnings, uint16_t *status)
{
    if (len < 1 || p[0] != 0xfe || len >= 9)
        return -1;
    /* A 4.0-era EOF is the bare 0xfe byte; treat missing fields as 0. */
    *warnings = len >= 3 ? proto_u16(p + 1) : 0;
    *status = len >= 5 ? proto_u16(p + 3) : 0;
    return 0;
}

int proto_write_eof(struct buf *out, uint8_t seq, uint16_t warnings, uint16_t status)
{
    uint8_t b[PROTO_HEADER_LEN + 5];
    proto_set_header(b, 5, seq);
    b[4] = 0xfe;
    b[5] = (uint8_t)warnings;
    b[6] = (uint8_t)(warnings >> 8);
    b[7] = (uint8_t)status;
    b[8] = (uint8_t)(status >> 8);
    return buf_append(out, b, sizeof(b));
}

int proto_write_end(struct buf *out, uint8_t seq, uint32_t caps, uint16_t warnings, uint16_t status)
{
    if (!(caps & PROTO_CAP_DEPRECATE_EOF))
        return proto_write_eof(out, seq, warnings, status);
    struct proto_ok ok = {.header = 0xfe, .status = status, .warnings = warnings};
    ok.status &= (uint16_t)~PROTO_STATUS_SESSION_STATE_CHANGED;
    return proto_write_ok(out, seq, caps, &ok);
}

int proto_write_coldef(struct buf *out, uint8_t seq, const char *name, size_t n,
                       bool bigint_unsigned)
{
    size_t start = proto_begin(out);
    if (start == (size_t)-1)
        return -1;
    int rc = proto_add_lenenc_str(out, "def", 3);
    rc |= proto_add_lenenc_str(out, "", 0); /* schema */
    rc |= proto_add_lenenc_str(out, "", 0); /* table */
    rc |= proto_add_lenenc_str(out, "", 0); /* org_table */
    rc |= proto_add_lenenc_str(out, name, n);
    rc |= proto_add_lenenc_str(out, name, n);
    rc |= proto_add_lenenc(out, 0x0c);
    if (bigint_unsigned) {
        rc |= proto_add_u16(out, 63); /* binary */
        rc |= proto_add_u32(out, 20);
        rc |= proto_add_u8(out, 0x08);                      /* MYSQL_TYPE_LONGLONG */
        rc |= proto_add_u16(out, 0x0001 | 0x0020 | 0x0080); /* NOT NULL, UNSIGNED, BINARY */
    } else {
        rc |= proto_add_u16(out, 45);         /* utf8mb4_general_ci */
        rc |= proto_add_u32(out, 4 * 65535u); /* length */
        rc |= proto_add_u8(out, 0xfd);        /* MYSQL_TYPE_VAR_STRING */
        rc |= proto_add_u16(out, 0);          /* flags */
    }
    rc |= proto_add_u8(out, 0);  /* decimals */
    rc |= proto_add_u16(out, 0); /* filler */
    if (rc)
        return -1;
    proto_end(out, start, seq);
    return 0;
}

int proto_write_text_row(struct buf *out, uint8_t seq, const char *const *values, int n)
{
    size_t start = proto_begin(out);
    if (start == (size_t)-1)
        return -1;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (values[i] == NULL)
            rc |= proto_add_u8(out, 0xfb);
        else
            rc |= proto_add_lenenc_str(out, values[i], strlen(values[i]));
    }
    if (rc)
        return -1;
    proto_end(out, start, seq);
    return 0;
}

int proto_parse_err(const uint8_t *p, size_t len, struct proto_err *e)
{
    struct proto_reader r;
    memset(e, 0, sizeof(*e));
    proto_reader_init(&r, p, len);
    if (proto_get_u8(&r) != 0xff)
        return -1;
    e->code = proto_get_u16(&r);
    if (r.err)
        return -1;
    if (proto_reader_left(&r) >= 6 && r.p[0] == '#') {
        memcpy(e->sqlstate, r.p + 1, 5);
        r.p += 6;
    } else {
        memcpy(e->sqlstate, "HY000", 5);
    }
    e->msg = proto_get_rest(&r, &e->msg_len);
    return 0;
}

int proto_write_err(struct buf *out, uint8_t seq, uint16_t code, const char *sqlstate,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(msg))
        n = sizeof(msg) - 1;
    size_t start = proto_begin(out);
    if (start == (size_t)-1)
        return -1;
    int rc = proto_add_u8(out, 0xff);
    rc |= proto_add_u16(out, code);
    rc |= proto_add_u8(out, '#');
    rc |= proto_add(out, sqlstate, 5);
    rc |= proto_add(out, msg, (size_t)n);
    if (rc)
        return -1;
    proto_end(out, start, seq);
    return 0;
}

/* ---- connection phase --------------------------------------------------- */

int proto_write_handshake(struct buf *out, const struct proto_handshake *hs)
{
    static const uint8_t zeros[10];
    size_t start = proto_begin(out);
    if (start == (size_t)-1)
        return -1;
    int rc = proto_add_u8(out, 10);
    rc |= proto_add_nulstr(out, hs->server_version);
    rc |= proto_add_u32(out, hs->conn_id);
    rc |= proto_add(out, hs->scramble, 8);
    rc |= proto_add_u8(out, 0);
    rc |= proto_add_u16(out, (uint16_t)hs->caps);
    rc |= proto_add_u8(out, hs->charset);
    rc |= proto_add_u16(out, hs->status);
    rc |= proto_add_u16(out, (uint16_t)(hs->caps >> 16));
    rc |= proto_add_u8(out, PROTO_SCRAMBLE_LEN + 1);
    rc |= proto_add(out, zeros, 10);
    /* The second part is 12 bytes plus a NUL (13 = max(13, len - 8)). */
    rc |= proto_add(out, hs->scramble + 8, PROTO_SCRAMBLE_LEN - 8);
    rc |= proto_add_u8(out, 0);
    rc |= proto_add_nulstr(out, hs->auth_plugin);
    if (rc)
        return -1;
    proto_end(out, start, 0);
    return 0;
}

int proto_parse_hs_response(const uint8_t *p, size_t len, struct proto_hs_response *r,
                            const char **why)
{
    struct proto_reader rd;
    memset(r, 0, sizeof(*r));
    *why = "truncated handshake response";
    proto_reader_init(&rd, p, len);
    if (len < 4) {
        return -1;
    }
    r->caps = proto_get_u32(&rd);
    if (!(r->caps & PROTO_CAP_PROTOCOL_41)) {
        *why = "client does not support protocol 4.1";
        return -1;
    }
    r->max_packet = proto_get_u32(&rd);
    r->charset = proto_get_u8(&rd);
    proto_get_bytes(&rd, 23);
    if (rd.err)
        return -1;
    if (proto_reader_left(&rd) == 0 && (r->caps & PROTO_CAP_SSL)) {
        r->ssl_request = true;
        return 0;
    }
    r->user = proto_get_nulstr(&rd, &r->user_len);
    if (r->caps & PROTO_CAP_PLUGIN_AUTH_LENENC_DATA) {
        r->auth = proto_get_lenenc_str(&rd, &r->auth_len);
    } else if (r->caps & PROTO_CAP_SECURE_CONNECTION) {
        uint8_t n = proto_get_u8(&rd);
        r->auth = proto_get_bytes(&rd, n);
        r->auth_len = n;
    } else {
        r->auth = proto_get_nulstr(&rd, &r->auth_len);
    }
    if (rd.err)
        return -1;
    if ((r->caps & PROTO_CAP_CONNECT_WITH_DB) && proto_reader_left(&rd) > 0) {
        r->db = proto_get_nulstr(&rd, &r->db_len);
        if (rd.err) {
            *why = "database name not terminated";
            return -1;
        }
        if (r->db_len == 0)
            r->db = NULL;
    }
    if ((r->caps & PROTO_CAP_PLUGIN_AUTH) && proto_reader_left(&rd) > 0) {
        r->plugin = proto_get_nulstr(&rd, &r->plugin_len);
        if (rd.err) {
            /* Some old clients omit the final NUL; accept the rest. */
            rd.err = 0;
            r->plugin = proto_get_rest(&rd, &r->plugin_len);
        }
    }
    if ((r->caps & PROTO_CAP_CONNECT_ATTRS) && proto_reader_left(&rd) > 0) {
        size_t alen;
        proto_get_lenenc_str(&rd, &alen);
        if (rd.err) {
            *why = "malformed connection attributes";
            return -1;
        }
    }
    return 0;
}

int proto_write_auth_switch(struct buf *out, uint8_t seq, const char *plugin, const uint8_t *data,
                            size_t data_len)
{
    size_t start = proto_begin(out);
    if (start == (size_t)-1)
        return -1;
    int rc = proto_add_u8(out, 0xfe);
    rc |= proto_add_nulstr(out, plugin);
    rc |= proto_add(out, data, data_len);
    if (rc)
        return -1;
    proto_end(out, start, seq);
    return 0;
}
