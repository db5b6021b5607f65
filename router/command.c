/* command — what the router does with each client command: answer it
 * itself (COM_PING, COM_STATISTICS, COM_SET_OPTION without a backend, a USE
 * of a keyspace) or send it to the keyspace's backend and relay the
 * response. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "classify.h"
#include "log.h"
#include "registry.h"
#include "router.h"
#include "session_int.h"
#include "stmt.h"

#define PROTO_ER_NO_SUCH_THREAD 1094
#define PROTO_ER_WRONG_DB_NAME 1102
#define PROTO_ER_NOT_SUPPORTED_YET 1235

void session_register_backend(struct session *s)
{
    if (registry_set(s->w->router->reg, s->id, s->be->addr, s->be->thread_id) == 0)
        s->registered = true;
}

void session_drop_backend(struct session *s)
{
    if (s->registered) {
        registry_del(s->w->router->reg, s->id);
        s->registered = false;
    }
    if (s->be != NULL) {
        backend_release(s->be);
        s->be = NULL;
    }
    s->be_stale = false;
}

void session_command_done_local(struct session *s)
{
    buf_consume(&s->in, s->cmd_wire);
    s->cmd_wire = 0;
    s->st = SESSION_ST_IDLE;
    s->w->questions++;
}

static void reply_err(struct session *s, uint16_t code, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reply_err(struct session *s, uint16_t code, const char *state, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    proto_write_err(&s->out, s->cmd_seq, code, state, "%s", msg);
    session_command_done_local(s);
}

static void reply_ok(struct session *s, const char *track_schema)
{
    struct proto_ok ok = {.status = s->status};
    uint8_t state[300];
    if (track_schema != NULL) {
        ok.state_len = proto_state_schema(state, sizeof(state), track_schema);
        ok.state = state;
        if (ok.state_len > 0)
            ok.status |= PROTO_STATUS_SESSION_STATE_CHANGED;
    }
    proto_write_ok(&s->out, s->cmd_seq, s->caps, &ok);
    session_command_done_local(s);
}

void session_reply_connect_error(struct session *s, struct backend *be)
{
    if (be->err_code > 0 && be->err_code < 2000)
        proto_write_err(&s->out, s->cmd_seq, (uint16_t)be->err_code, be->sqlstate,
                        "shard %s (%s): %s", be->shard, be->addr, be->error);
    else
        proto_write_err(&s->out, s->cmd_seq, PROTO_ER_CONNECT_TO_SOURCE, be->sqlstate,
                        "shardrouter cannot connect to shard %s at %s: %s", be->shard, be->addr,
                        be->error);
}

/* The keyspace statements go to when the session has no database:
 * default_keyspace, else the map's first unsharded keyspace. Never a sharded
 * one: a statement sent to one of its shards could answer with part of the
 * rows. NULL when there is none (the statement gets 1046). */
static const struct shardmap_keyspace *default_keyspace(const struct session *s)
{
    const char *name = s->w->router->cfg->default_keyspace;
    if (name[0] != '\0') {
        const struct shardmap_keyspace *ks = shardmap_keyspace(s->map, name);
        return ks != NULL && !ks->sharded ? ks : NULL;
    }
    for (int i = 0; i < s->map->nkeyspaces; i++)
        if (!s->map->keyspaces[i].sharded)
            return &s->map->keyspaces[i];
    return NULL;
}

static bool same_server(const struct backend *be, const struct shardmap_shard *shard)
{
    char addr[300];
    snprintf(addr, sizeof(addr), "%s:%d", shard->primary.host, shard->primary.port);
    return strcmp(be->addr, addr) == 0;
}

bool session_backend_current(const struct session *s)
{
    const struct shardmap_keyspace *ks = s->ks;
    if (ks == NULL && s->ks_lost[0] == '\0')
        ks = default_keyspace(s);
    if (ks == NULL || ks->nshards == 0 || s->be == NULL)
        return false;
    const struct shardmap_shard *shard = &ks->shards[0];
    /* Without a keyspace the connection has no default database. */
    const char *schema = s->ks != NULL ? shard->schema : "";
    return same_server(s->be, shard) && strcmp(s->be->schema, schema) == 0;
}

/* Can the backend connection go without losing anything the client left on
 * it? */
static bool backend_clean(const struct session *s)
{
    return !s->dirty && !(s->status & PROTO_STATUS_IN_TRANS);
}

/* A newer map sent the session's statements elsewhere: once the connection
 * holds nothing of the client's, close it; the next statement that needs a
 * server connects to the new place. */
static void drop_stale_backend(struct session *s)
{
    if (!backend_clean(s) || s->be->st != BACKEND_ST_READY)
        return;
    log_debug("client %s (session %u): shard map version %llu serves %s elsewhere; closing the "
              "connection to %s (schema '%s')",
              s->peer, s->id, (unsigned long long)s->map->version,
              s->ks ? s->ks->name : "the default keyspace", s->be->addr, s->be->schema);
    session_drop_backend(s);
}

/*
 * At a command boundary: move the session to the newest shard map version,
 * unless a transaction is open (its statements all run on the version it
 * began with; it moves at the first command after COMMIT or ROLLBACK). The
 * cheap part is one relaxed load of the router's generation counter; the
 * rest runs once per session per new version.
 */
static void session_map_refresh(struct session *s)
{
    struct worker *w = s->w;
    if (__atomic_load_n(&w->router->map_gen, __ATOMIC_RELAXED) == s->map_gen ||
        (s->status & PROTO_STATUS_IN_TRANS)) {
        if (s->be_stale)
            drop_stale_backend(s);
        return;
    }
    struct shardmap *map = worker_map_refresh(w);
    struct shardmap *old = s->map;
    s->map_gen = w->map_gen;
    if (map == old)
        return;
    /* Re-resolve the keyspace by name: s->ks points into the old version. */
    char name[sizeof(s->ks_lost)] = "";
    if (s->ks != NULL)
        snprintf(name, sizeof(name), "%s", s->ks->name);
    else
        snprintf(name, sizeof(name), "%s", s->ks_lost);
    s->map = shardmap_get(map);
    s->ks = name[0] != '\0' ? shardmap_keyspace(map, name) : NULL;
    if (name[0] != '\0' && s->ks == NULL) {
        if (s->ks_lost[0] == '\0')
            s->ks_lost_version = map->version;
        snprintf(s->ks_lost, sizeof(s->ks_lost), "%s", name);
    } else {
        s->ks_lost[0] = '\0';
    }
    log_debug("client %s (session %u): shard map version %llu -> %llu%s%s%s", s->peer, s->id,
              (unsigned long long)old->version, (unsigned long long)map->version,
              s->ks_lost[0] ? "; its keyspace '" : "", s->ks_lost,
              s->ks_lost[0] ? "' is gone" : "");
    shardmap_put(old);
    if (s->be != NULL && !s->be_stale)
        s->be_stale = !session_backend_current(s);
    if (s->be_stale)
        drop_stale_backend(s);
}

/* The keyspace of the session was removed by a newer map version: every
 * statement that would need it gets 1049 until the client selects another
 * keyspace. Returns true when it answered. */
static bool refuse_lost_keyspace(struct session *s)
{
    if (s->ks != NULL || s->ks_lost[0] == '\0')
        return false;
    reply_err(s, PROTO_ER_BAD_DB, "42000",
              "Unknown database '%s': keyspace '%s' is not in shard map version %llu (removed "
              "in version %llu); select another keyspace with USE",
              s->ks_lost, s->ks_lost, (unsigned long long)s->map->version,
              (unsigned long long)s->ks_lost_version);
    return true;
}

/*
 * Make sure the session has a ready backend for keyspace ks. Returns true
 * when it does; otherwise the session either waits (SESSION_ST_CONNECTING;
 * the command runs again once connected) or the command was answered with
 * an error.
 */
static bool ensure_backend(struct session *s, const struct shardmap_keyspace *ks)
{
    struct router *r = s->w->router;
    if (s->be != NULL) {
        if (s->be->st == BACKEND_ST_READY)
            return true;
        s->st = SESSION_ST_CONNECTING;
        return false;
    }
    if (ks == NULL) {
        reply_err(s, PROTO_ER_NO_DB, "3D000",
                  "No database selected (and the shard map has no unsharded keyspace to send "
                  "statements without one to); select a keyspace with USE");
        return false;
    }
    const struct shardmap_shard *shard = &ks->shards[0];
    struct backend_params bp = {
        .user = r->cfg->backend_user,
        .password = r->cfg->backend_password,
        .connect_timeout_ms = r->cfg->backend_connect_timeout_ms,
        .schema = s->ks ? shard->schema : NULL,
        .charset = s->charset,
        .found_rows = (s->caps & PROTO_CAP_FOUND_ROWS) != 0,
        .multi_statements = s->multi_statements,
        .local_infile = r->cfg->allow_local_infile,
    };
    struct backend *be = backend_connect(s->w, s, shard, &bp);
    if (be == NULL) {
        reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000",
                  "Out of resources: cannot allocate a "
                  "backend connection");
        return false;
    }
    if (be->st == BACKEND_ST_DEAD) {
        session_reply_connect_error(s, be);
        backend_release(be);
        session_command_done_local(s);
        return false;
    }
    s->be = be;
    s->dirty = false;
    s->be_stale = false;
    if (be->st == BACKEND_ST_CONNECTING) {
        s->st = SESSION_ST_CONNECTING;
        return false;
    }
    session_register_backend(s);
    return true;
}

/* Send bytes to the session's ready backend and relay the answer. The
 * backend answers after the packets it got: bseq is its first sequence id
 * (the client's own when the command goes unchanged, 1 for a command the
 * router composed). */
static void start_relay(struct session *s, const void *p, size_t n, uint8_t bseq,
                        enum relay_kind kind, const char *track_schema)
{
    struct backend *be = s->be;
    buf_consume(&s->in, s->cmd_wire);
    s->cmd_wire = 0;
    s->w->questions++;
    relay_start(&s->relay, kind, s->caps, be->caps, s->w->router->cfg->allow_local_infile);
    s->relay.backend_ext = be->ext_caps;
    s->relay.client_seq = s->cmd_seq;
    s->relay.backend_seq = bseq;
    s->relay.track_schema = track_schema;
    s->st = SESSION_ST_FORWARD;
    if (backend_send(be, p, n) == -1)
        session_backend_lost(s, "cannot send to the server");
}

/* Forward the command at the head of in, unchanged. */
static void forward(struct session *s, enum relay_kind kind)
{
    if (refuse_lost_keyspace(s))
        return;
    const struct shardmap_keyspace *ks = s->ks ? s->ks : default_keyspace(s);
    if (!ensure_backend(s, ks))
        return;
    /* The command leaves from the input buffer without a copy; what the
     * socket does not take now is queued by backend_send. */
    start_relay(s, buf_head(&s->in), s->cmd_wire, s->cmd_seq, kind, NULL);
}

/* COM_INIT_DB / USE: the client names a keyspace; the shard's server gets
 * the shard's schema name. */
static void init_db(struct session *s, const char *name, size_t len)
{
    char db[STMT_NAME_MAX + 1];
    if (len == 0) {
        reply_err(s, PROTO_ER_NO_DB, "3D000", "No database selected");
        return;
    }
    if (len > STMT_NAME_MAX || memchr(name, 0, len) != NULL) {
        reply_err(s, PROTO_ER_WRONG_DB_NAME, "42000", "Incorrect database name '%.*s'",
                  (int)(len > 64 ? 64 : len), name);
        return;
    }
    memcpy(db, name, len);
    db[len] = '\0';
    const struct shardmap_keyspace *ks = shardmap_keyspace(s->map, db);
    if (ks == NULL) {
        reply_err(s, PROTO_ER_BAD_DB, "42000", "Unknown database '%s'", db);
        return;
    }
    const struct shardmap_shard *shard = &ks->shards[0];
    if (s->be == NULL) {
        s->ks = ks;
        s->ks_lost[0] = '\0';
        reply_ok(s, ks->name);
        return;
    }
    if (!same_server(s->be, shard)) {
        if (s->dirty || (s->status & PROTO_STATUS_IN_TRANS)) {
            reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                      "keyspace '%s' is served by %s:%d, not by %s where this session's "
                      "connection may hold session state (variables, temporary tables, a "
                      "transaction); reconnect with database '%s', or reset the connection "
                      "first",
                      ks->name, shard->primary.host, shard->primary.port, s->be->addr, ks->name);
            return;
        }
        session_drop_backend(s);
        s->ks = ks;
        s->ks_lost[0] = '\0';
        reply_ok(s, ks->name);
        return;
    }
    if (s->be->st != BACKEND_ST_READY) {
        s->st = SESSION_ST_CONNECTING;
        return;
    }
    uint8_t pkt[PROTO_HEADER_LEN + 1 + 256];
    size_t n = strlen(shard->schema);
    if (n > 255)
        n = 255;
    proto_set_header(pkt, (uint32_t)(1 + n), 0);
    pkt[PROTO_HEADER_LEN] = PROTO_COM_INIT_DB;
    memcpy(pkt + PROTO_HEADER_LEN + 1, shard->schema, n);
    s->new_ks = ks;
    start_relay(s, pkt, PROTO_HEADER_LEN + 1 + n, 1, RELAY_KIND_SIMPLE, ks->name);
}

/* KILL with the id the client saw in a greeting: send KILL with the id of
 * the server thread serving that connection, from this session's own
 * connection to the same server. */
static void kill_connection(struct session *s, unsigned long long id, bool query_only)
{
    char addr[300];
    unsigned long tid;
    if (id > UINT32_MAX ||
        registry_get(s->w->router->reg, (uint32_t)id, addr, sizeof(addr), &tid) == -1) {
        reply_err(s, PROTO_ER_NO_SUCH_THREAD, "HY000", "Unknown thread id: %llu", id);
        return;
    }
    if (refuse_lost_keyspace(s) || !ensure_backend(s, s->ks ? s->ks : default_keyspace(s)))
        return;
    if (strcmp(s->be->addr, addr) != 0) {
        reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                  "connection %llu is served by %s, not by %s where this session's statements "
                  "go; run KILL from a session using that connection's keyspace",
                  id, addr, s->be->addr);
        return;
    }
    uint8_t pkt[PROTO_HEADER_LEN + 64];
    int n = snprintf((char *)pkt + PROTO_HEADER_LEN + 1, sizeof(pkt) - PROTO_HEADER_LEN - 1,
                     "KILL %s%lu", query_only ? "QUERY " : "", tid);
    proto_set_header(pkt, (uint32_t)(1 + n), 0);
    pkt[PROTO_HEADER_LEN] = PROTO_COM_QUERY;
    start_relay(s, pkt, PROTO_HEADER_LEN + 1 + (size_t)n, 1, RELAY_KIND_QUERY, NULL);
}

/* The shard map, as the classifier asks it: is schema.name sharded? */
static bool lookup_sharded(void *ctx, const char *schema, const char *name, const char **key)
{
    const struct session *s = ctx;
    const struct shardmap_keyspace *ks = schema[0] ? shardmap_keyspace(s->map, schema) : s->ks;
    if (ks == NULL || !ks->sharded)
        return false;
    const struct shardmap_table *t = shardmap_table(ks, name);
    if (t == NULL)
        return false;
    *key = t->key;
    return true;
}

/* Could the statement leave state on the backend connection that another
 * connection would not have (variables, temporary tables, locks, a
 * transaction, results LAST_INSERT_ID() reads later)? Reading such state
 * does not count; anything not fully understood does. */
static bool leaves_state(const struct cls *c)
{
    uint32_t ignore = CLS_S_USER_VAR_READ | CLS_S_DEPENDS;
    /* An open transaction is state too, but the server's status flag
     * (SERVER_STATUS_IN_TRANS) says when it ends: a plain BEGIN, COMMIT or
     * ROLLBACK leaves nothing behind once it is over. (XA transactions are
     * not covered by the flag after XA END, so they count.) */
    if (c->kind == CLS_BEGIN || c->kind == CLS_COMMIT || c->kind == CLS_ROLLBACK)
        ignore |= CLS_S_TX_BEGIN | CLS_S_TX_END;
    if (c->session & ~ignore)
        return true;
    return (c->flags & (CLS_F_WRITE | CLS_F_PARTIAL | CLS_F_INTO | CLS_F_SIDE_EFFECT_FN)) != 0;
}

/* What this version decides from a COM_QUERY text, statement by statement. */
struct query_look {
    int nstmts;
    bool use; /* the text is exactly one USE: db */
    char db[STMT_NAME_MAX + 1];
    bool load_local; /* some statement is LOAD DATA LOCAL */
    bool kill;       /* some statement is a KILL */
    bool stateful;   /* some statement may leave session state behind */
};

static void look(struct session *s, const char *sql, size_t len, struct query_look *q)
{
    struct cls *c = s->w->cls;
    size_t pos = 0, start, n;
    int rc;
    bool first_use = false;
    memset(q, 0, sizeof(*q));
    while ((rc = cls_next_statement(sql, len, 0, &pos, &start, &n)) == 1) {
        classify(c, sql + start, n, 0, lookup_sharded, s);
        if (c->kind == CLS_EMPTY)
            continue;
        if (++q->nstmts == 1 && c->kind == CLS_USE)
            first_use = cls_name(c->tables[0].schema, q->db, sizeof(q->db)) == 0;
        q->load_local |= c->kind == CLS_LOAD_DATA && (c->flags & CLS_F_LOCAL);
        q->kill |= c->kind == CLS_KILL;
        q->stateful |= leaves_state(c);
    }
    if (rc == -1)
        q->stateful = true; /* does not tokenize: the server will say why */
    q->use = first_use && q->nstmts == 1;
}

static void query(struct session *s, const uint8_t *sql, size_t len)
{
    struct router *r = s->w->router;
    struct query_look q;
    look(s, (const char *)sql, len, &q);
    if (q.load_local && !r->cfg->allow_local_infile) {
        reply_err(s, PROTO_ER_NOT_ALLOWED_COMMAND, "42000",
                  "LOAD DATA LOCAL INFILE is disabled in shardrouter; set allow_local_infile = "
                  "true in its configuration to allow it");
        return;
    }
    if (q.load_local && !(s->caps & PROTO_CAP_LOCAL_FILES)) {
        /* The server would ask this client for a file it cannot send. */
        reply_err(s, PROTO_ER_NOT_ALLOWED_COMMAND, "42000",
                  "LOAD DATA LOCAL INFILE: the client did not enable local infile "
                  "(CLIENT_LOCAL_FILES); enable it in the client's connection options");
        return;
    }
    if (q.use) {
        init_db(s, q.db, strlen(q.db));
        return;
    }
    if (q.kill) {
        struct stmt_peek pk;
        stmt_peek((const char *)sql, len, 0, &pk);
        if (pk.kill_mappable && q.nstmts == 1)
            kill_connection(s, pk.kill_id, pk.kill_query);
        else
            reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                      "shardrouter translates only KILL [CONNECTION | QUERY] <connection id>, "
                      "alone in its query (all client connections share server accounts, so "
                      "KILL USER, KILL QUERY ID and server thread ids cannot be passed on)");
        return;
    }
    if (s->ks != NULL && s->ks->sharded) {
        reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                  "keyspace '%s' is sharded (shard map version %llu); this shardrouter routes "
                  "statements to unsharded keyspaces only",
                  s->ks->name, (unsigned long long)s->map->version);
        return;
    }
    if (q.stateful)
        s->dirty = true;
    forward(s, RELAY_KIND_QUERY);
}

static void set_option(struct session *s, const uint8_t *p, size_t len)
{
    if (len != 3) {
        reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000", "Malformed communication packet");
        return;
    }
    uint16_t opt = proto_u16(p + 1);
    if (opt > 1) {
        reply_err(s, PROTO_ER_UNKNOWN_COM, "08S01", "Unknown command (COM_SET_OPTION %u)", opt);
        return;
    }
    bool want = opt == 0;
    s->multi_statements = want;
    if (s->be != NULL && s->be->st == BACKEND_ST_READY && s->be->multi_statements != want) {
        s->be->multi_statements = want;
        start_relay(s, buf_head(&s->in), s->cmd_wire, s->cmd_seq, RELAY_KIND_SIMPLE, NULL);
        return;
    }
    proto_write_end(&s->out, s->cmd_seq, s->caps, 0, s->status);
    session_command_done_local(s);
}

static void statistics(struct session *s)
{
    struct router *r = s->w->router;
    uint64_t q = 0;
    for (int i = 0; i < r->nworkers; i++)
        q += __atomic_load_n(&r->workers[i].questions, __ATOMIC_RELAXED);
    long up = (long)(time(NULL) - r->started);
    char text[256];
    int n = snprintf(text, sizeof(text),
                     "Uptime: %ld  Threads: %d  Questions: %llu  Slow queries: 0  Opens: 0  "
                     "Open tables: 0  Queries per second avg: %.3f",
                     up, __atomic_load_n(&r->nclients, __ATOMIC_RELAXED), (unsigned long long)q,
                     up > 0 ? (double)q / (double)up : 0.0);
    uint8_t seq = s->cmd_seq;
    proto_write_payload(&s->out, text, (size_t)n, &seq);
    session_command_done_local(s);
}

static const char *command_name(uint8_t com)
{
    static const char *const names[] = {
        [0x00] = "COM_SLEEP",          [0x05] = "COM_CREATE_DB",
        [0x06] = "COM_DROP_DB",        [0x07] = "COM_REFRESH",
        [0x08] = "COM_SHUTDOWN",       [0x0a] = "COM_PROCESS_INFO",
        [0x0b] = "COM_CONNECT",        [0x0c] = "COM_PROCESS_KILL",
        [0x0d] = "COM_DEBUG",          [0x0f] = "COM_TIME",
        [0x10] = "COM_DELAYED_INSERT", [0x11] = "COM_CHANGE_USER",
        [0x12] = "COM_BINLOG_DUMP",    [0x13] = "COM_TABLE_DUMP",
        [0x14] = "COM_CONNECT_OUT",    [0x15] = "COM_REGISTER_SLAVE",
        [0x16] = "COM_STMT_PREPARE",   [0x17] = "COM_STMT_EXECUTE",
        [0x1a] = "COM_STMT_RESET",     [0x1c] = "COM_STMT_FETCH",
        [0x1d] = "COM_DAEMON",         [0x1e] = "COM_BINLOG_DUMP_GTID",
    };
    if (com < sizeof(names) / sizeof(names[0]) && names[com] != NULL)
        return names[com];
    return "this command";
}

void session_on_command(struct session *s, const struct proto_msg *m)
{
    uint8_t *joined = NULL;
    const uint8_t *p = buf_head(&s->in) + PROTO_HEADER_LEN;
    size_t len = m->payload;

    s->cmd_wire = m->wire;
    s->cmd_seq = m->next_seq;
    session_map_refresh(s);
    if (m->nparts > 1) {
        /* Over 16 MiB: the parser needs the payload in one piece. */
        joined = malloc(len);
        if (joined == NULL) {
            reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
            return;
        }
        proto_message_join(buf_head(&s->in), m, joined);
        p = joined;
    }
    if (len == 0) {
        log_warn("client %s (session %u): empty command packet", s->peer, s->id);
        reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000", "Malformed communication packet");
        return;
    }
    switch (p[0]) {
    case PROTO_COM_QUIT:
        session_close(s);
        break;
    case PROTO_COM_PING:
        reply_ok(s, NULL);
        break;
    case PROTO_COM_QUERY:
        query(s, p + 1, len - 1);
        break;
    case PROTO_COM_INIT_DB:
        init_db(s, (const char *)p + 1, len - 1);
        break;
    case PROTO_COM_FIELD_LIST:
        if (len < 2 || memchr(p + 1, 0, len - 1) == NULL) {
            reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000", "Malformed communication packet");
            break;
        }
        forward(s, RELAY_KIND_FIELD_LIST);
        break;
    case PROTO_COM_SET_OPTION:
        set_option(s, p, len);
        break;
    case PROTO_COM_RESET_CONNECTION:
        if (s->be != NULL && s->be->st == BACKEND_ST_READY) {
            s->dirty = false;
            start_relay(s, buf_head(&s->in), s->cmd_wire, s->cmd_seq, RELAY_KIND_SIMPLE, NULL);
        } else {
            reply_ok(s, NULL);
        }
        break;
    case PROTO_COM_STATISTICS:
        statistics(s);
        break;
    case PROTO_COM_PROCESS_KILL:
        if (len != 5) {
            reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000", "Malformed communication packet");
            break;
        }
        kill_connection(s, proto_u32(p + 1), false);
        break;
    case 0x18: /* COM_STMT_SEND_LONG_DATA and COM_STMT_CLOSE have no */
    case 0x19: /* response; without a prepared statement they are no-ops */
        session_command_done_local(s);
        break;
    default:
        log_info("client %s (session %u): unsupported command 0x%02x", s->peer, s->id, p[0]);
        reply_err(s, PROTO_ER_UNKNOWN_COM, "08S01",
                  "Unknown command: shardrouter does not support %s (0x%02x)", command_name(p[0]),
                  p[0]);
        break;
    }
    free(joined);
}

int session_infile_packet(struct session *s, const struct proto_msg *m)
{
    struct backend *be = s->be;
    if (buf_avail(&be->out) >= SESSION_OUT_LIMIT) {
        if (backend_flush(be) == -1) {
            session_backend_lost(s, "cannot send to the server");
            return 1;
        }
        if (buf_avail(&be->out) >= SESSION_OUT_LIMIT)
            return 0; /* the server reads slowly: wait for EPOLLOUT */
    }
    const uint8_t *w = buf_head(&s->in);
    size_t pos = 0;
    for (unsigned i = 0; i < m->nparts; i++) {
        uint32_t len = proto_u24(w + pos);
        enum relay_result rr =
            relay_infile_packet(&s->relay, w + pos + PROTO_HEADER_LEN, len, w[pos + 3], &be->out);
        pos += PROTO_HEADER_LEN + len;
        if (rr == RELAY_ERROR) {
            session_backend_lost(s, s->relay.why);
            return 1;
        }
        if (rr == RELAY_DONE)
            s->st = SESSION_ST_FORWARD;
    }
    buf_consume(&s->in, m->wire);
    if (backend_flush(be) == -1)
        session_backend_lost(s, "cannot send to the server");
    return 1;
}
