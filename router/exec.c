/* exec — run a planned statement on the session's connections: setup
 * commands first where a connection needs them, then the statement, then
 * the answer relayed (one target) or combined (several). See include/exec.h. */
#include "exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "log.h"
#include "merge.h"
#include "registry.h"
#include "router.h"
#include "session_int.h"
#include "health.h"
#include "pool.h"
#include "rw.h"
#include "twopc.h"
#include "xa.h"

/* Where one target's answer is. */
enum xt_state {
    XT_SETUP,    /* a setup command went out; its OK is awaited */
    XT_HEAD,     /* the statement went out; first packet awaited */
    XT_COLS,     /* column definitions */
    XT_COLS_EOF, /* the classic EOF after them */
    XT_ROWS,     /* rows until the end marker */
    XT_DONE,
};

struct exec_target {
    struct backend *be;
    const char *schema; /* the database the statement needs on it ("" none) */
    bool begin;         /* open the session's transaction here first */
    bool xa;            /* as an XA branch (XA START) */
    bool lost;          /* its connection broke */
    enum xt_state st;
    uint16_t setup_left; /* setup commands still to answer */
    uint8_t seq;         /* next sequence id expected from the backend */
    uint64_t cols_left;
    uint64_t ncols;
    uint16_t status, warnings;
    uint64_t affected, insert_id;
    bool ok, err, rows;
    bool track;     /* a setup command makes the server report GTIDs (rw.h) */
    bool init_db;   /* the setup command in flight is COM_INIT_DB */
    bool setup_err; /* a setup command failed (the error names the shard) */
    char value[32]; /* silent: the first column of the first row */
    bool has_value;
};

struct exec {
    struct plan plan; /* a copy: texts in plan.text (owned) */
    struct exec_opts o;
    int n;
    struct exec_target *t;
    int tcap;
    struct merge *merge;
    struct merge_colinfo *cols;
    size_t cols_cap;
    struct buf coldefs; /* target 0's column definitions: u32 length + payload each */
    struct buf err;     /* the first ERR payload received */
    struct buf ok0;     /* target 0's OK payload (its session-state changes) */
    int err_target;
    bool lost;        /* a target's connection broke: the client goes too */
    bool deadlock;    /* a target answered 1213: its transaction was rolled back */
    bool header_sent; /* column definitions went to the client */
    bool final_sent;  /* the client has its whole answer */
    uint8_t client_seq;
};

/* ---- small helpers ------------------------------------------------------ */

static struct exec *exec_get(struct session *s)
{
    if (s->ex == NULL)
        s->ex = calloc(1, sizeof(*s->ex));
    return s->ex;
}

void exec_free(struct session *s)
{
    struct exec *x = s->ex;
    if (x == NULL)
        return;
    plan_free(&x->plan);
    merge_destroy(x->merge);
    free(x->t);
    free(x->cols);
    buf_free(&x->coldefs);
    buf_free(&x->err);
    buf_free(&x->ok0);
    free(x);
    s->ex = NULL;
}

static bool single_relay(const struct exec *x);
static void sequence_reserved(struct session *s, struct exec *x);
static int send_statement(struct session *s, struct exec *x, int i);

/* The database target i's statement runs in: the shard's schema, or none
 * for a session without a keyspace (its statements name their tables'
 * databases, rewritten to the shards' schemas by the planner); a
 * connection given as it is keeps its own. */
static const char *target_schema(const struct session *s, const struct plan *p,
                                 const struct exec_opts *o, int i)
{
    if (o->use != NULL)
        return o->use[i]->schema;
    return s->ks != NULL ? p->targets[i].shard->schema : "";
}

/* Copy the plan (its texts too, and the statement text targets use as it
 * is: the client's input buffer does not keep it) into the executor,
 * which outlives the worker's scratch plan. */
static int copy_plan(struct exec *x, const struct plan *p)
{
    char *text = x->plan.text;
    size_t cap = x->plan.text_cap;
    bool orig = false;
    for (int i = 0; i < p->ntargets; i++)
        orig |= p->targets[i].original;
    size_t need = p->text_len + (orig ? p->sql_len : 0);
    memcpy(&x->plan, p, sizeof(*p));
    x->plan.text = text;
    x->plan.text_cap = cap;
    if (need > cap) {
        char *nt = realloc(text, need);
        if (nt == NULL)
            return -1;
        x->plan.text = nt;
        x->plan.text_cap = need;
    }
    if (p->text_len > 0)
        memcpy(x->plan.text, p->text, p->text_len);
    if (orig && p->sql_len > 0)
        memcpy(x->plan.text + p->text_len, p->sql, p->sql_len);
    for (int i = 0; orig && i < p->ntargets; i++) {
        if (!x->plan.targets[i].original)
            continue;
        x->plan.targets[i].original = false;
        x->plan.targets[i].sql_off += (uint32_t)p->text_len;
    }
    x->plan.text_len = need;
    x->plan.sql = NULL;
    x->plan.sql_len = 0;
    return 0;
}

/* Write one command: com and its payload (split over 16 MiB), composed in
 * the worker's buffer (no allocation per statement). Returns the sequence
 * id the answer starts with (1, more after a split command), or -1. */
static int send_cmd(struct backend *be, uint8_t com, const char *payload, size_t len)
{
    struct buf *wire = &be->w->wire;
    uint8_t next = 1;
    wire->off = wire->len = 0;
    if (len + 1 < PROTO_MAX_PAYLOAD) {
        if (buf_reserve(wire, PROTO_HEADER_LEN + 1 + len) == -1)
            return -1;
        proto_set_header(wire->data, (uint32_t)(len + 1), 0);
        wire->data[PROTO_HEADER_LEN] = com;
        memcpy(wire->data + PROTO_HEADER_LEN + 1, payload, len);
        wire->len = PROTO_HEADER_LEN + 1 + len;
    } else {
        /* Rare: the payload, command byte first, split in 0xffffff pieces. */
        struct buf pkt = {0};
        uint8_t seq = 0;
        int rc = buf_append(&pkt, &com, 1) | buf_append(&pkt, payload, len);
        rc |= rc == 0 ? proto_write_payload(wire, pkt.data, pkt.len, &seq) : 0;
        buf_free(&pkt);
        if (rc != 0)
            return -1;
        next = seq;
    }
    int rc = backend_send(be, wire->data, wire->len);
    wire->off = wire->len = 0;
    buf_shrink(wire, 1 << 20); /* keep the buffer unless one huge command grew it */
    return rc == -1 ? -1 : next;
}

/* ---- setup commands ----------------------------------------------------- */

static bool needs_track(const struct session *s, const struct backend *be)
{
    char sql[200];
    return rw_track_sql(s, be, sql, sizeof(sql)) > 0;
}

/* How many setup commands target t needs: COM_SET_OPTION when the client's
 * multi-statement option differs, COM_INIT_DB when the connection's
 * database is not the statement's, the session's SET statements it has
 * not run, BEGIN. */
static int setup_count(const struct session *s, const struct exec_target *t)
{
    int n = t->be->reset_pending ? 1 : 0;
    if (t->be->multi_statements != s->multi_statements || t->be->reset_pending)
        n++;
    if (strcmp(t->be->schema, t->schema) != 0)
        n++;
    n += (int)(s->nsets - t->be->replayed);
    n += t->track;
    if (t->begin)
        n++;
    return n;
}

/* Send the next setup command of target t (in the order of setup_count). */
static int setup_send(struct session *s, struct exec_target *t)
{
    struct backend *be = t->be;
    t->seq = 1;
    t->st = XT_SETUP;
    if (be->reset_pending) {
        /* a pooled connection that ran another session's SET statements:
         * back to its state after connecting (the database stays) */
        be->reset_pending = false;
        be->multi_statements = !s->multi_statements; /* unknown: set it next */
        be->gtid_tracking = false;
        be->applied.off = be->applied.len = 0;
        be->napplied = 0;
        return send_cmd(be, PROTO_COM_RESET_CONNECTION, "", 0);
    }
    if (be->multi_statements != s->multi_statements) {
        uint8_t opt[2] = {s->multi_statements ? 0 : 1, 0};
        be->multi_statements = s->multi_statements;
        return send_cmd(be, PROTO_COM_SET_OPTION, (const char *)opt, 2);
    }
    if (strcmp(be->schema, t->schema) != 0) {
        /* A connection without a database cannot get "no database" back;
         * statements without one do not need it, so keep it. */
        snprintf(be->schema, sizeof(be->schema), "%s", t->schema);
        t->init_db = true;
        return send_cmd(be, PROTO_COM_INIT_DB, t->schema, strlen(t->schema));
    }
    if (t->track) {
        char sql[200];
        size_t n = rw_track_sql(s, be, sql, sizeof(sql));
        t->track = false;
        be->gtid_tracking = true;
        if (n > 0)
            return send_cmd(be, PROTO_COM_QUERY, sql, n);
    }
    if (be->replayed < s->nsets) {
        size_t off = s->sets.off;
        for (uint32_t i = 0; i < be->replayed; i++) {
            uint32_t n;
            memcpy(&n, s->sets.data + off, sizeof(n));
            off += sizeof(n) + n;
        }
        uint32_t n;
        memcpy(&n, s->sets.data + off, sizeof(n));
        be->replayed++;
        return send_cmd(be, PROTO_COM_QUERY, (const char *)s->sets.data + off + sizeof(n), n);
    }
    if (t->begin) {
        t->begin = false;
        if (t->xa) {
            char sql[TWOPC_XID_SQL_MAX];
            size_t n = xa_start_sql(s, be, sql);
            return n == 0 ? -1 : send_cmd(be, PROTO_COM_QUERY, sql, n);
        }
        return send_cmd(be, PROTO_COM_QUERY, s->tx_begin, strlen(s->tx_begin));
    }
    return -1;
}

/* ---- answers ------------------------------------------------------------ */

static void record_err(struct exec *x, int i, const uint8_t *p, size_t len)
{
    if (len >= 3 && proto_u16(p + 1) == PROTO_ER_LOCK_DEADLOCK)
        x->deadlock = true;
    x->t[i].err = true;
    x->t[i].st = XT_DONE;
    if (buf_avail(&x->err) == 0) {
        buf_append(&x->err, p, len);
        x->err_target = i;
    }
}

/* A column definition without MariaDB's extended metadata. */
static size_t coldef_plain(const struct backend *be, const uint8_t *p, size_t len, uint8_t *dst,
                           size_t dstcap)
{
    size_t off, cut;
    if (len > dstcap)
        return 0;
    if (!(be->ext_caps & RELAY_EXT_METADATA)) {
        memcpy(dst, p, len);
        return len;
    }
    if (proto_coldef_ext(p, len, &off, &cut) == -1)
        return 0;
    memcpy(dst, p, off);
    memcpy(dst + off, p + off + cut, len - off - cut);
    return len - cut;
}

/* The first packet of the statement's answer. */
static int answer_head(struct session *s, struct exec *x, int i, const uint8_t *p, size_t len)
{
    struct exec_target *t = &x->t[i];
    struct proto_ok ok;
    if (p[0] == 0xff) {
        record_err(x, i, p, len);
        return 0;
    }
    if (p[0] == 0x00) {
        if (proto_parse_ok(p, len, t->be->caps, &ok) == -1)
            return -1;
        if (i == 0 && (buf_append(&x->ok0, p, len) == -1))
            return -1;
        t->ok = true;
        t->affected = ok.affected_rows;
        t->insert_id = ok.last_insert_id;
        t->status = ok.status;
        t->warnings = ok.warnings;
        t->st = XT_DONE;
        if (ok.state_len > 0) {
            char gtid[128];
            if (proto_state_gtid(ok.state, ok.state_len, gtid, sizeof(gtid)) > 0)
                rw_note_gtid(s, t->be, gtid);
        }
        return (ok.status & PROTO_STATUS_MORE_RESULTS) ? -1 : 0;
    }
    if (p[0] == 0xfb || p[0] == 0xfe)
        return -1;
    struct proto_reader rd;
    proto_reader_init(&rd, p, len);
    t->ncols = proto_get_lenenc(&rd);
    if (rd.err || t->ncols == 0 || t->ncols > 4096)
        return -1;
    t->cols_left = t->ncols;
    t->rows = true;
    t->st = XT_COLS;
    return 0;
}

/* One whole packet of target i's answer. -1: the backend broke the protocol. */
static int answer_packet(struct session *s, struct exec *x, int i, const uint8_t *p, size_t len)
{
    struct exec_target *t = &x->t[i];
    uint16_t warnings, status;
    struct proto_ok ok;
    bool deprecate = (t->be->caps & PROTO_CAP_DEPRECATE_EOF) != 0;

    if (len == 0)
        return -1;
    /* MariaDB progress reports */
    if (p[0] == 0xff && len >= 3 && proto_u16(p + 1) == 0xffff)
        return 0;
    switch (t->st) {
    case XT_HEAD:
        return answer_head(s, x, i, p, len);
    case XT_COLS: {
        if (i == 0) {
            uint8_t tmp[4096];
            size_t n = coldef_plain(t->be, p, len, tmp, sizeof(tmp));
            uint32_t n32 = (uint32_t)n;
            if (n == 0 || buf_append(&x->coldefs, &n32, sizeof(n32)) == -1 ||
                buf_append(&x->coldefs, tmp, n) == -1)
                return -1;
        }
        if (--t->cols_left == 0)
            t->st = deprecate ? XT_ROWS : XT_COLS_EOF;
        return 0;
    }
    case XT_COLS_EOF:
        if (proto_parse_eof(p, len, &warnings, &status) == -1)
            return -1;
        t->st = XT_ROWS;
        return 0;
    case XT_ROWS:
        if (p[0] == 0xff) {
            record_err(x, i, p, len);
            if (x->merge != NULL && x->header_sent)
                merge_end(x->merge, i);
            return 0;
        }
        if (proto_is_end(p, len, deprecate)) {
            if (deprecate) {
                if (proto_parse_ok(p, len, t->be->caps, &ok) == -1)
                    return -1;
                t->status = ok.status;
                t->warnings = ok.warnings;
            } else {
                if (proto_parse_eof(p, len, &t->warnings, &t->status) == -1)
                    return -1;
            }
            t->st = XT_DONE;
            if (x->header_sent && x->err.len == 0)
                merge_end(x->merge, i);
            return (t->status & PROTO_STATUS_MORE_RESULTS) ? -1 : 0;
        }
        if (x->o.silent && !t->has_value) {
            /* the router's own query: keep the first column of the first row */
            struct proto_reader rd;
            size_t n;
            proto_reader_init(&rd, p, len);
            const uint8_t *v = p[0] == 0xfb ? NULL : proto_get_lenenc_str(&rd, &n);
            t->has_value = true;
            snprintf(t->value, sizeof(t->value), "%.*s", v && !rd.err ? (int)n : 4,
                     v && !rd.err ? (const char *)v : "NULL");
            return 0;
        }
        if (x->header_sent && buf_avail(&x->err) == 0 && !merge_done(x->merge) &&
            merge_row(x->merge, i, p, len) == -1) {
            log_warn("client %s (session %u): merging rows of shard %s: %s", s->peer, s->id,
                     t->be->shard, merge_error(x->merge));
            return -1;
        }
        return 0;
    default:
        return -1;
    }
}

/* ---- the client's answer ------------------------------------------------ */

/* Column count, definitions and (classic clients) EOF, once every target
 * has described its columns. */
static int send_header(struct session *s, struct exec *x)
{
    struct exec_target *t0 = &x->t[0];
    size_t ncols = (size_t)t0->ncols;
    if (ncols > x->cols_cap) {
        struct merge_colinfo *c = realloc(x->cols, ncols * sizeof(*c));
        if (c == NULL)
            return -1;
        x->cols = c;
        x->cols_cap = ncols;
    }
    size_t off = x->coldefs.off;
    for (size_t c = 0; c < ncols; c++) {
        uint32_t n;
        memcpy(&n, x->coldefs.data + off, sizeof(n));
        if (merge_parse_coldef(x->coldefs.data + off + sizeof(n), n, &x->cols[c]) == -1)
            return -1;
        off += sizeof(n) + n;
    }
    if (x->merge == NULL && (x->merge = merge_create()) == NULL)
        return -1;
    struct plan_merge *spec = &x->plan.merge;
    if (ncols > UINT16_MAX || plan_merge_resolve(spec, (uint16_t)ncols) == -1) {
        log_warn("client %s (session %u): %zu columns do not fit the plan's merge", s->peer, s->id,
                 ncols);
        return -1;
    }
    if (spec->ncols == 0)
        spec->ncols = (uint16_t)ncols;
    if (spec->ncols != ncols) {
        log_warn("client %s (session %u): the shards sent %zu columns, the plan expects %u",
                 s->peer, s->id, ncols, spec->ncols);
        return -1;
    }
    if (merge_start(x->merge, spec, x->n, x->cols) == -1) {
        log_warn("client %s (session %u): merge: %s", s->peer, s->id, merge_error(x->merge));
        return -1;
    }
    uint8_t seq = x->client_seq;
    size_t start = proto_begin(&s->out);
    proto_add_lenenc(&s->out, merge_visible_cols(x->merge));
    proto_end(&s->out, start, seq++);
    off = x->coldefs.off;
    for (size_t c = 0; c < ncols; c++) {
        uint32_t n;
        memcpy(&n, x->coldefs.data + off, sizeof(n));
        if (spec->cols[c].role != PLAN_COL_HIDDEN &&
            merge_write_coldef(x->merge, (uint16_t)c, x->coldefs.data + off + sizeof(n), n, &s->out,
                               &seq) == -1)
            return -1;
        off += sizeof(n) + n;
    }
    if (!(s->caps & PROTO_CAP_DEPRECATE_EOF))
        proto_write_eof(&s->out, seq++, 0, PROTO_STATUS_AUTOCOMMIT);
    x->client_seq = seq;
    x->header_sent = true;
    return 0;
}

/* The status flags the client sees after the statement: autocommit as the
 * first target has it; in a transaction if any connection is. */
static uint16_t client_status(const struct session *s, const struct exec *x)
{
    uint16_t st = x->n > 0 ? (uint16_t)(x->t[0].status & PROTO_STATUS_AUTOCOMMIT) : 0;
    bool trans = s->tx_open;
    for (int i = 0; i < x->n; i++)
        trans |= (x->t[i].status & PROTO_STATUS_IN_TRANS) != 0;
    for (int i = 0; i < s->nconns && !trans; i++) {
        bool target = false;
        for (int k = 0; k < x->n; k++)
            target |= x->t[k].be == s->conns[i];
        if (!target && (s->conns[i]->status & PROTO_STATUS_IN_TRANS))
            trans = true;
    }
    return trans ? (uint16_t)(st | PROTO_STATUS_IN_TRANS) : st;
}

/* Every target answered OK (writes): one OK, or a report of a partial
 * failure when some applied it and others did not. */
static void send_oks(struct session *s, struct exec *x)
{
    struct proto_ok ok = {.header = 0x00};
    for (int i = 0; i < x->n; i++) {
        if (x->plan.merge.kind == PLAN_MERGE_SAME) {
            if (i == 0) {
                ok.affected_rows = x->t[i].affected;
                ok.last_insert_id = x->t[i].insert_id;
            }
        } else {
            ok.affected_rows += x->t[i].affected;
            if (ok.last_insert_id == 0)
                ok.last_insert_id = x->t[i].insert_id;
        }
        ok.warnings = (uint16_t)(ok.warnings + x->t[i].warnings);
    }
    if (x->o.insert_id != 0) {
        ok.last_insert_id = x->o.insert_id;
        s->last_insert_id = x->o.insert_id;
    } else if (ok.last_insert_id != 0) {
        s->last_insert_id = ok.last_insert_id;
    }
    ok.status = client_status(s, x);
    s->status = ok.status;
    struct proto_ok ok0;
    if ((x->plan.merge.kind == PLAN_MERGE_SAME || x->n == 1) &&
        proto_parse_ok(x->ok0.data + x->ok0.off, buf_avail(&x->ok0), x->t[0].be->caps, &ok0) == 0) {
        /* Target 0's own info and session-state changes (a SET's tracked
         * variables), with the session's transaction flag. */
        ok.info = ok0.info;
        ok.info_len = ok0.info_len;
        ok.state = ok0.state;
        ok.state_len = ok0.state_len;
        ok.status =
            (uint16_t)((ok0.status & ~PROTO_STATUS_IN_TRANS) | (ok.status & PROTO_STATUS_IN_TRANS));
    }
    proto_write_ok(&s->out, x->client_seq++, s->caps, &ok);
}

/* Some target failed: the client gets its error, and when other targets
 * applied a write, which did and which did not. */
static void send_failure(struct session *s, struct exec *x)
{
    struct proto_err e;
    char applied[256] = "", failed[256] = "";
    size_t na = 0, nf = 0;
    bool write = (x->plan.flags & PLAN_F_WRITE) != 0;
    for (int i = 0; i < x->n; i++) {
        char *dst = x->t[i].ok ? applied : failed;
        size_t *pos = x->t[i].ok ? &na : &nf;
        if (!x->t[i].ok && !x->t[i].err)
            continue;
        int k = snprintf(dst + *pos, 256 - *pos, "%s%s", *pos ? ", " : "", x->t[i].be->shard);
        if (k > 0 && *pos + (size_t)k < 256)
            *pos += (size_t)k;
    }
    proto_parse_err(x->err.data + x->err.off, buf_avail(&x->err), &e);
    if (write && na > 0)
        proto_write_err(&s->out, x->client_seq++, e.code, e.sqlstate,
                        "partially applied: done on shard(s) %s; failed on shard(s) %s: %.*s",
                        applied, failed, (int)e.msg_len, (const char *)e.msg);
    else if (x->n > 1 || x->t[x->err_target].setup_err)
        proto_write_err(&s->out, x->client_seq++, e.code, e.sqlstate, "shard %s: %.*s",
                        x->t[x->err_target].be->shard, (int)e.msg_len, (const char *)e.msg);
    else
        proto_write_payload(&s->out, x->err.data + x->err.off, buf_avail(&x->err), &x->client_seq);
}

/* ---- driving ------------------------------------------------------------ */

/* One target and nothing to combine nor record: the relay serves the
 * answer. */
static bool single_relay(const struct exec *x)
{
    return x->n == 1 && x->plan.merge.kind == PLAN_MERGE_NONE && !x->o.record_set && !x->o.silent &&
           x->o.insert_id == 0;
}

static bool all_done(const struct exec *x)
{
    for (int i = 0; i < x->n; i++)
        if (x->t[i].st != XT_DONE)
            return false;
    return true;
}

static bool headers_known(const struct exec *x)
{
    for (int i = 0; i < x->n; i++)
        if (x->t[i].st == XT_HEAD || x->t[i].st == XT_COLS || x->t[i].st == XT_COLS_EOF ||
            x->t[i].st == XT_SETUP)
            return false;
    return true;
}

static void finish(struct session *s, struct exec *x)
{
    if (x->lost && x->o.then == NULL) {
        /* The client has the report (which shards applied the statement);
         * the session's state on the lost connection is gone, so it ends,
         * as it does when a single shard's connection breaks. */
        session_fail(s);
        return;
    }
    bool ok = buf_avail(&x->err) == 0;
    if (ok && x->o.record_set) {
        /* Every connection of the session from now on runs it; the targets
         * (all of the session's connections) just did. */
        size_t len;
        const char *sql = plan_sql(&x->plan, 0, &len);
        if (conns_record_set(s, sql, len) == 0)
            for (int i = 0; i < x->n; i++)
                x->t[i].be->replayed = s->nsets;
    }
    for (int i = 0; i < x->n; i++) {
        x->t[i].be->status = x->t[i].status;
        backend_idle(x->t[i].be);
    }
    if (!x->o.silent)
        s->status = client_status(s, x);
    s->st = SESSION_ST_IDLE;
    if (x->o.then != NULL) {
        x->o.then(s); /* last: it may start another exec on x */
        return;
    }
    if (x->o.seq != NULL) {
        sequence_reserved(s, x); /* last: it may start another exec on x */
        return;
    }
    if (x->o.keep_command)
        return; /* the client's command runs now */
    rw_command_done(s);
    buf_shrink(&s->in, SESSION_BUF_KEEP);
    if (x->deadlock && !x->o.silent)
        session_after_deadlock(s); /* it may start another exec on x */
    conns_release(s);              /* unless that one runs */
}

/* The UPDATE reserving ids of a sequence was answered (the client's
 * command still waits in s->in): cache the block and let the command run
 * again, or answer it with the error. A connection left in a transaction
 * by it (the session set autocommit = 0) commits first. */
static void sequence_reserved(struct session *s, struct exec *x)
{
    const struct shardmap_table *st = x->o.seq;
    struct exec_target *t = &x->t[0];
    if (buf_avail(&x->err) > 0 || t->insert_id < x->o.seq_k) {
        struct proto_err e = {0};
        if (buf_avail(&x->err) > 0)
            proto_parse_err(x->err.data + x->err.off, buf_avail(&x->err), &e);
        if (e.code != 0)
            session_reply_err(s, e.code, e.sqlstate, "cannot reserve ids from sequence %s.%s: %.*s",
                              st->seq_keyspace, st->seq_table, (int)e.msg_len, (const char *)e.msg);
        else
            session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                              "cannot reserve ids from sequence %s.%s: its table has no row "
                              "with id = 0 (see shardmap(5), sequence)",
                              st->seq_keyspace, st->seq_table);
        return;
    }
    if (seq_put(&s->w->seqs, st->seq_keyspace, st->seq_table, t->insert_id - x->o.seq_k,
                t->insert_id) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    if (t->status & PROTO_STATUS_IN_TRANS) {
        struct backend *be = t->be;
        session_run_silent(s, &be, 1, "COMMIT", true);
    }
}

/* Send the statement to target i (after its setup). */
static int send_statement(struct session *s, struct exec *x, int i)
{
    size_t len;
    const char *sql = plan_sql(&x->plan, i, &len);
    x->t[i].st = XT_HEAD;
    int seq = send_cmd(x->t[i].be, x->o.com, sql, len);
    x->t[i].seq = (uint8_t)seq;
    return seq == -1 ? -1 : 0;
}

/* A setup command of target i was answered. */
static int setup_answered(struct session *s, struct exec *x, int i, const uint8_t *p, size_t len)
{
    struct exec_target *t = &x->t[i];
    if (p[0] == 0xff) {
        if (t->init_db)
            t->be->schema[0] = '\x01'; /* unknown now: selected again next time */
        t->setup_err = true;
        record_err(x, i, p, len);
        return 0;
    }
    t->init_db = false;
    if (p[0] != 0x00 && !(p[0] == 0xfe && len < 9))
        return -1;
    uint16_t w, st = 0;
    struct proto_ok ok;
    if (p[0] == 0x00 && proto_parse_ok(p, len, t->be->caps, &ok) == 0)
        st = ok.status;
    else if (p[0] == 0xfe)
        proto_parse_eof(p, len, &w, &st);
    t->be->status = st;
    t->status = st;
    if (--t->setup_left > 0)
        return setup_send(s, t);
    if (single_relay(x))
        return 0; /* exec_step hands it to the relay */
    return send_statement(s, x, i);
}

/* Hand a single target whose setup is done to the relay. */
static void to_relay(struct session *s, struct exec *x)
{
    struct backend *be = x->t[0].be;
    size_t len;
    const char *sql = plan_sql(&x->plan, 0, &len);
    s->be = be;
    relay_start(&s->relay, x->o.kind, s->caps, be->caps, s->w->router->cfg->allow_local_infile);
    s->relay.status = be->status; /* what an ERR answer leaves unchanged */
    s->relay.backend_ext = be->ext_caps;
    s->relay.client_seq = s->cmd_seq;
    s->st = SESSION_ST_FORWARD;
    int seq = send_cmd(be, x->o.com, sql, len);
    s->relay.backend_seq = (uint8_t)seq;
    if (seq == -1)
        session_backend_lost(s, "cannot send to the server");
}

/* Take the whole packets target i has in its buffer (as many as the merge
 * wants). Returns how many, or -1 when the backend broke the protocol. */
static int take_packets(struct session *s, struct exec *x, int i)
{
    struct exec_target *t = &x->t[i];
    struct backend *be = t->be;
    int taken = 0;
    for (;;) {
        if (t->st == XT_DONE)
            return taken;
        if (t->st == XT_ROWS && !x->header_sent && buf_avail(&x->err) == 0 && !x->o.silent)
            return taken; /* wait for every target's header (after an error: drain) */
        if (t->st == XT_ROWS && x->header_sent && buf_avail(&x->err) == 0 &&
            !merge_done(x->merge) && !merge_wants(x->merge, i))
            return taken; /* the merge holds a row of this target already */
        struct proto_msg m;
        int rc = proto_message_scan(buf_head(&be->in), buf_avail(&be->in), t->seq, &m);
        if (rc == -1)
            return -1;
        if (rc == 0)
            return taken;
        const uint8_t *p = buf_head(&be->in) + PROTO_HEADER_LEN;
        uint8_t *joined = NULL;
        if (m.nparts > 1) {
            joined = malloc(m.payload);
            if (joined == NULL)
                return -1;
            proto_message_join(buf_head(&be->in), &m, joined);
            p = joined;
        }
        t->seq = m.next_seq;
        int r = t->st == XT_SETUP ? setup_answered(s, x, i, p, m.payload)
                                  : answer_packet(s, x, i, p, m.payload);
        free(joined);
        buf_consume(&be->in, m.wire);
        if (r == -1)
            return -1;
        taken++;
        if (t->st == XT_SETUP && t->setup_left == 0)
            return taken; /* the relay takes over (single target) */
    }
}

/* Read what a target's socket has. 1: got bytes, 0: nothing now, -1: lost. */
static int read_target(struct exec_target *t)
{
    if (!t->be->rd_ready)
        return 0;
    ssize_t n = backend_read(t->be, 0);
    if (n > 0)
        return 1;
    if (n == -2)
        return 0;
    return -1;
}

/* Target i's connection broke while others still answer: its answer is
 * an error (1158), and the others finish, so that the client learns which
 * shards applied the statement. */
static void target_lost(struct session *s, struct exec *x, int i, const char *why)
{
    struct exec_target *t = &x->t[i];
    struct buf *wire = &s->w->wire;
    log_warn("client %s (session %u): lost shard %s at %s: %s", s->peer, s->id, t->be->shard,
             t->be->addr, why);
    wire->off = wire->len = 0;
    uint8_t seq = 0;
    if (proto_write_err(wire, seq, PROTO_ER_NET_READ_ERROR, "08S01",
                        "Lost connection to shard %s (%s) during query: %s", t->be->shard,
                        t->be->addr, why) == 0)
        record_err(x, i, wire->data + PROTO_HEADER_LEN, wire->len - PROTO_HEADER_LEN);
    wire->off = wire->len = 0;
    t->err = true;
    t->lost = true;
    t->st = XT_DONE;
    x->lost = true;
    if (x->merge != NULL && x->header_sent)
        merge_end(x->merge, i);
}

static void lost(struct session *s, struct exec *x, int i, const char *why)
{
    s->be = x->t[i].be;
    s->relay.client_seq = x->client_seq;
    session_backend_lost(s, why);
}

/* Emit what the merge can emit, and the end when everything is in. */
static int output(struct session *s, struct exec *x)
{
    if (x->o.silent) {
        if (x->final_sent || !all_done(x))
            return 0;
        x->final_sent = true;
        for (int i = 0; i < x->n && x->o.then == NULL; i++)
            if (x->t[i].err)
                log_warn("client %s (session %u): rolling back on shard %s after a deadlock "
                         "failed",
                         s->peer, s->id, x->t[i].be->shard);
        return 1;
    }
    if (!x->header_sent && headers_known(x)) {
        if (buf_avail(&x->err) > 0) {
            if (!all_done(x))
                return 0; /* drain the others first */
            send_failure(s, x);
            x->final_sent = true;
            return 1;
        }
        bool rows = false, oks = false;
        for (int i = 0; i < x->n; i++) {
            rows |= x->t[i].rows;
            oks |= x->t[i].ok;
        }
        if (oks && !rows) {
            if (!all_done(x))
                return 0;
            send_oks(s, x);
            x->final_sent = true;
            return 1;
        }
        if (oks && rows)
            return -1;
        for (int i = 1; i < x->n; i++)
            if (x->t[i].ncols != x->t[0].ncols)
                return -1;
        if (send_header(s, x) == -1)
            return -1;
        return 1; /* rows already held are taken on the next step */
    }
    if (!x->header_sent || x->final_sent)
        return 0;
    if (buf_avail(&x->err) > 0) {
        if (!all_done(x))
            return 0;
        send_failure(s, x); /* an ERR in the middle of the rows ends them */
        x->final_sent = true;
        return 1;
    }
    int n = merge_output(x->merge, &s->out, &x->client_seq, SESSION_OUT_LIMIT);
    if (n == -1)
        return -1;
    if (merge_done(x->merge) && all_done(x)) {
        proto_write_end(&s->out, x->client_seq++, s->caps, 0, client_status(s, x));
        x->final_sent = true;
        return 1;
    }
    return n > 0;
}

/* Bytes of a target's answer held before the router stops reading it (the
 * server then waits: TCP flow control bounds the rest). */
#define EXEC_HOLD_MAX (256 * 1024)

int exec_step(struct session *s)
{
    struct exec *x = s->ex;
    int progress = 0;
    for (int i = 0; i < x->n; i++) {
        for (;;) {
            int r = take_packets(s, x, i);
            if (r == -1) {
                lost(s, x, i, "protocol error in the server's answer");
                return 1;
            }
            if (r > 0)
                progress = 1;
            if (s->st != SESSION_ST_EXEC)
                return 1;
            if (x->t[i].st == XT_DONE || (x->t[i].st == XT_SETUP && x->t[i].setup_left == 0) ||
                buf_avail(&x->t[i].be->in) >= EXEC_HOLD_MAX)
                break;
            int rr = read_target(&x->t[i]);
            if (rr == -1 && ((x->n == 1 && x->o.then == NULL) || single_relay(x))) {
                lost(s, x, i, "the server closed the connection");
                return 1;
            }
            if (rr == -1) {
                target_lost(s, x, i, "the server closed the connection");
                progress = 1;
                break;
            }
            if (rr == 0)
                break;
            progress = 1;
        }
    }
    /* A single target done with its setup goes to the relay. */
    if (single_relay(x) && x->t[0].st == XT_SETUP && x->t[0].setup_left == 0 &&
        buf_avail(&x->err) == 0) {
        to_relay(s, x);
        return 1;
    }
    if (buf_avail(&s->out) >= SESSION_OUT_LIMIT) {
        if (session_flush(s) == -1) {
            session_close(s);
            return 1;
        }
        if (buf_avail(&s->out) >= SESSION_OUT_LIMIT)
            return progress;
    }
    int o = output(s, x);
    if (o == -1) {
        lost(s, x, 0, "the shards' answers cannot be combined");
        return 1;
    }
    if (x->final_sent && all_done(x)) {
        finish(s, x);
        return 1;
    }
    return progress || o;
}

int exec_results(const struct session *s, struct backend **be, enum exec_result *res, int max)
{
    const struct exec *x = s->ex;
    int n = x->n < max ? x->n : max;
    for (int i = 0; i < n; i++) {
        be[i] = x->t[i].be;
        const struct exec_target *t = &x->t[i];
        res[i] = t->lost ? EXEC_R_LOST : (t->ok || t->rows) && !t->err ? EXEC_R_OK : EXEC_R_ERR;
    }
    return n;
}

bool exec_target_value(const struct session *s, int i, char *dst, size_t len)
{
    const struct exec *x = s->ex;
    if (i >= x->n || !x->t[i].has_value)
        return false;
    snprintf(dst, len, "%s", x->t[i].value);
    return true;
}

void exec_first_error(const struct session *s, char *msg, size_t len, uint16_t *code, char *state)
{
    const struct exec *x = s->ex;
    struct proto_err e = {0};
    if (x->err_target < 0 || buf_avail(&x->err) == 0 ||
        proto_parse_err(x->err.data + x->err.off, buf_avail(&x->err), &e) == -1) {
        snprintf(msg, len, "no answer");
        *code = PROTO_ER_NET_READ_ERROR;
        snprintf(state, 6, "08S01");
        return;
    }
    snprintf(msg, len, "shard %s: %.*s", x->t[x->err_target].be->shard, (int)e.msg_len,
             (const char *)e.msg);
    *code = e.code;
    snprintf(state, 6, "%.5s", e.sqlstate);
}

/* ---- starting ----------------------------------------------------------- */

/* The session's replica connection to shard (usable, not taken) that has
 * applied need, or failing that any of them (it will wait): reads after a
 * write keep to the replica that caught up. */
static struct backend *synced_conn(struct session *s, const struct shardmap_shard *sh,
                                   const char *need, struct backend *const *taken, int ntaken)
{
    struct router *r = s->w->router;
    struct backend *any = NULL;
    for (int k = 0; k < s->nconns; k++) {
        struct backend *be = s->conns[k];
        bool skip = false;
        for (int j = 0; j < ntaken && !skip; j++)
            skip = taken[j] == be;
        if (skip || !be->replica || be->st == BACKEND_ST_DEAD || !conns_on_shard(be, sh) ||
            !health_replica_usable(r->health, be->health_idx, r->cfg->max_replica_lag_ms))
            continue;
        if (rw_covers(be->synced, need))
            return be;
        if (any == NULL)
            any = be;
    }
    return any;
}

/* A replica connection for target i: NULL when the client was answered
 * (out of memory, or none usable with replica_fallback = fail),
 * PRIMARY_PLEASE when the primary serves it. A replica that cannot be
 * reached goes out of rotation and the next one is tried. */
static struct backend primary_please;
#define PRIMARY_PLEASE (&primary_please)

static struct backend *replica_conn(struct session *s, const struct plan *p,
                                    const struct exec_opts *o, int i, struct backend **bes)
{
    const struct shardmap_shard *sh = p->targets[i].shard;
    const struct config *cfg = s->w->router->cfg;
    if (rw_primary_now(s, sh))
        return PRIMARY_PLEASE; /* read-your-writes: the replica did not catch up */
    for (int k = 0; k < s->nconns && s->tx_open; k++) {
        /* a READ ONLY transaction keeps to the replica it began on */
        struct backend *be = s->conns[k];
        if (be->replica && (be->status & PROTO_STATUS_IN_TRANS) && conns_on_shard(be, sh))
            return be;
    }
    const char *need = rw_need(s, sh);
    for (int tries = 0; tries <= sh->nreplicas; tries++) {
        int hidx;
        const struct shardmap_addr *at = NULL;
        struct backend *be = need ? synced_conn(s, sh, need, bes, i) : NULL;
        if (be == NULL && (at = conns_pick_replica(s, sh, &hidx)) == NULL)
            break;
        if (be == NULL)
            be = conns_get_at(s, sh, at, hidx, target_schema(s, p, o, i), bes, i);
        if (be == NULL) {
            session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000",
                              "Out of resources: cannot allocate a backend connection");
            return NULL;
        }
        if (be == CONNS_WAIT)
            return be;
        if (be->st != BACKEND_ST_DEAD) {
            if (!be->busy) {
                be->busy = true;
                s->w->outstanding[be->health_idx]++;
            }
            if (need != NULL && be->st == BACKEND_ST_READY && !rw_covers(be->synced, need))
                rw_wait_add(s, be, sh, need);
            return be;
        }
        health_mark_down(s->w->router->health, hidx, be->error);
        backend_release(be);
    }
    if (!cfg->replica_fallback_fail)
        return PRIMARY_PLEASE;
    const char *why = "not checked by the monitor yet";
    for (int k = 0; k < sh->nreplicas; k++) {
        int idx = health_index(s->w->router->health, &sh->replicas[k]);
        const struct health_entry *e = idx >= 0 ? health_get(s->w->router->health, idx) : NULL;
        if (e != NULL && e->why[0] != '\0') {
            why = e->why;
            break;
        }
    }
    session_reply_err(s, PROTO_ER_CONNECT_TO_SOURCE, "HY000",
                      "no replica of shard %s is usable for reads (replica_fallback = fail): %s",
                      sh->name, why);
    return NULL;
}

/* Connections for every target; false when the command waits or failed. */
static bool connect_targets(struct session *s, const struct plan *p, const struct exec_opts *o,
                            struct backend **bes)
{
    bool waiting = false;
    for (int i = 0; i < p->ntargets; i++) {
        if (o->use != NULL) {
            bes[i] = o->use[i];
            continue;
        }
        const struct shardmap_shard *sh = p->targets[i].shard;
        struct backend *be;
        if (o->replica && sh->nreplicas > 0) {
            be = replica_conn(s, p, o, i, bes);
            if (be == NULL)
                return false; /* answered */
            if (be == CONNS_WAIT) {
                waiting = true;
                bes[i] = NULL;
                continue;
            }
            if (be != PRIMARY_PLEASE) {
                waiting |= be->st == BACKEND_ST_CONNECTING;
                bes[i] = be;
                continue;
            }
        }
        if (o->outside_tx) {
            /* taken: this statement's and every connection in a transaction */
            struct backend *busy[PLAN_MAX_TARGETS + 8];
            int nb = 0;
            for (int k = 0; k < i && nb < PLAN_MAX_TARGETS; k++)
                busy[nb++] = bes[k];
            for (int k = 0; k < s->nconns && nb < PLAN_MAX_TARGETS + 8; k++)
                if (s->conns[k]->status & PROTO_STATUS_IN_TRANS)
                    busy[nb++] = s->conns[k];
            be = conns_get(s, sh, target_schema(s, p, o, i), busy, nb);
        } else {
            be = conns_get(s, sh, target_schema(s, p, o, i), bes, i);
        }
        if (be == NULL) {
            session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000",
                              "Out of resources: cannot allocate a backend connection");
            return false;
        }
        if (be == CONNS_WAIT) {
            waiting = true; /* in the pool's line: the command runs again when woken */
            bes[i] = NULL;
            continue;
        }
        if (be->st == BACKEND_ST_DEAD) {
            session_reply_connect_error(s, be);
            backend_release(be);
            session_command_done_local(s);
            return false;
        }
        waiting |= be->st == BACKEND_ST_CONNECTING;
        bes[i] = be;
    }
    if (waiting) {
        rw_waits_clear(s); /* decided again when the connections are up */
        s->st = SESSION_ST_CONNECTING;
        return false;
    }
    pool_unwait(s->w, s);
    if (rw_waits_pending(s)) {
        rw_wait_start(s); /* the command runs again after it */
        return false;
    }
    return true;
}

/* Record the connection the session's greeting id maps to for KILL. */
static void register_conn(struct session *s, struct backend *be)
{
    if (s->reg_be == be)
        return;
    if (registry_set(s->w->router->reg, s->id, be->addr, be->thread_id) == 0)
        s->reg_be = be;
}

/* One target, nothing to set up: send it and relay the answer. */
static void fast_path(struct session *s, const struct plan *p, const struct exec_opts *o,
                      struct backend *be)
{
    size_t len;
    const char *sql = plan_sql(p, 0, &len);
    s->be = be;
    buf_consume(&s->in, s->cmd_wire);
    s->cmd_wire = 0;
    s->w->questions++;
    relay_start(&s->relay, o->kind, s->caps, be->caps, s->w->router->cfg->allow_local_infile);
    s->relay.status = be->status; /* what an ERR answer leaves unchanged */
    s->relay.backend_ext = be->ext_caps;
    s->relay.client_seq = s->cmd_seq;
    s->st = SESSION_ST_FORWARD;
    int seq = send_cmd(be, o->com, sql, len);
    s->relay.backend_seq = (uint8_t)seq;
    if (seq == -1)
        session_backend_lost(s, "cannot send to the server");
}

static int exec_prepare(struct session *s, struct exec *x, const struct plan *p,
                        const struct exec_opts *o)
{
    if (copy_plan(x, p) == -1)
        return -1;
    if (x->tcap < p->ntargets) {
        struct exec_target *t = realloc(x->t, (size_t)p->ntargets * sizeof(*t));
        if (t == NULL)
            return -1;
        x->t = t;
        x->tcap = p->ntargets;
    }
    x->o = *o;
    x->o.use = NULL; /* the connections are in t[] from here on */
    x->n = p->ntargets;
    x->header_sent = x->final_sent = x->lost = x->deadlock = false;
    x->client_seq = s->cmd_seq;
    x->err_target = -1;
    x->err.off = x->err.len = 0;
    x->ok0.off = x->ok0.len = 0;
    x->coldefs.off = x->coldefs.len = 0;
    return 0;
}

void exec_start(struct session *s, const struct plan *p, const struct exec_opts *o)
{
    struct backend *stack[8];
    struct backend **bes = p->ntargets <= 8 ? stack : calloc(p->ntargets, sizeof(*bes));
    if (bes == NULL) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    if (!connect_targets(s, p, o, bes))
        goto out;
    register_conn(s, bes[0]);
    struct exec_target t0 = {.be = bes[0], .schema = target_schema(s, p, o, 0)};
    t0.begin = o->begin && !(bes[0]->status & PROTO_STATUS_IN_TRANS);
    t0.track = needs_track(s, bes[0]);
    if (p->ntargets == 1 && p->merge.kind == PLAN_MERGE_NONE && !o->record_set && !o->silent &&
        o->insert_id == 0 && setup_count(s, &t0) == 0) {
        fast_path(s, p, o, bes[0]);
        goto out;
    }
    struct exec *x = exec_get(s);
    if (x == NULL || exec_prepare(s, x, p, o) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        goto out;
    }
    if (!o->keep_command) {
        buf_consume(&s->in, s->cmd_wire);
        s->cmd_wire = 0;
        s->w->questions++;
    }
    s->st = SESSION_ST_EXEC;
    for (int i = 0; i < x->n; i++) {
        struct exec_target *t = &x->t[i];
        memset(t, 0, sizeof(*t));
        t->be = bes[i];
        t->schema = target_schema(s, p, o, i);
        t->begin = o->begin && !(bes[i]->status & PROTO_STATUS_IN_TRANS);
        t->xa = o->xa;
        t->track = needs_track(s, bes[i]);
        t->status = bes[i]->status;
        t->setup_left = (uint16_t)setup_count(s, t);
        int rc = t->setup_left > 0 ? setup_send(s, t)
                 : single_relay(x) ? 0
                                   : send_statement(s, x, i);
        if (rc == -1) {
            lost(s, x, i, "cannot send to the server");
            goto out;
        }
    }
    if (single_relay(x) && x->t[0].setup_left == 0)
        to_relay(s, x);
out:
    if (bes != stack)
        free(bes);
}
