/* command — what the router does with each client command: answers it
 * itself (COM_PING, COM_STATISTICS, COM_INIT_DB, COM_SET_OPTION,
 * COM_RESET_CONNECTION), or routes it (COM_QUERY: route.c; COM_FIELD_LIST,
 * COM_PROCESS_KILL) to the session's backend connections. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "exec.h"
#include "log.h"
#include "plan.h"
#include "registry.h"
#include "router.h"
#include "rw.h"
#include "session_int.h"
#include "stmt.h"

void session_command_done_local(struct session *s)
{
    rw_command_done(s);
    buf_consume(&s->in, s->cmd_wire);
    s->cmd_wire = 0;
    s->st = SESSION_ST_IDLE;
    s->w->questions++;
    conns_release(s);
}

void session_reply_err(struct session *s, uint16_t code, const char *state, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    proto_write_err(&s->out, s->cmd_seq, code, state, "%s", msg);
    session_command_done_local(s);
}

void session_reply_ok(struct session *s, const char *track_schema)
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
const struct shardmap_keyspace *session_default_keyspace(const struct session *s)
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

/* ---- shard map versions ----------------------------------------------------- */

/* Is there a shard on the connection's server and database in the session's
 * map (or any shard on its server, for a connection without a database)? */
static bool conn_current(const struct session *s, const struct backend *be)
{
    for (int k = 0; k < s->map->nkeyspaces; k++)
        for (int i = 0; i < s->map->keyspaces[k].nshards; i++) {
            if (conns_on_shard(be, &s->map->keyspaces[k].shards[i]))
                return true;
        }
    return false;
}

/* Close the connections a newer map no longer uses, once nothing of the
 * client's is on them (no transaction, no session state that cannot be
 * replayed); until then they stay and the check runs again. */
static void drop_stale_conns(struct session *s)
{
    s->be_stale = false;
    for (int i = s->nconns - 1; i >= 0; i--) {
        struct backend *be = s->conns[i];
        if (be->st != BACKEND_ST_READY || conn_current(s, be))
            continue;
        if (s->dirty || (be->status & PROTO_STATUS_IN_TRANS)) {
            s->be_stale = true;
            continue;
        }
        log_debug("client %s (session %u): shard map version %llu no longer uses %s (schema "
                  "'%s'); closing that connection",
                  s->peer, s->id, (unsigned long long)s->map->version, be->addr, be->schema);
        conns_drop(s, be);
    }
}

/*
 * At a command boundary: move the session to the newest shard map version,
 * unless a transaction is open (its statements all run on the version it
 * began with; it moves at the first command after COMMIT or ROLLBACK) or
 * the session holds state that cannot be replayed elsewhere. The
 * cheap part is one relaxed load of the router's generation counter; the
 * rest runs once per session per new version.
 */
static void session_map_refresh(struct session *s)
{
    struct worker *w = s->w;
    /* A session holding state its connections cannot replay (s->dirty)
     * stays on its version, and so on its connections, until it resets. */
    if (__atomic_load_n(&w->router->map_gen, __ATOMIC_RELAXED) == s->map_gen || s->tx_open ||
        conns_in_trans(s) || (s->dirty && s->nconns > 0)) {
        if (s->be_stale && !s->tx_open && !conns_in_trans(s))
            drop_stale_conns(s);
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
    drop_stale_conns(s);
}

/* The keyspace of the session was removed by a newer map version: every
 * statement that would need it gets 1049 until the client selects another
 * keyspace. Returns true when it answered. */
bool session_refuse_lost_keyspace(struct session *s)
{
    if (s->ks != NULL || s->ks_lost[0] == '\0')
        return false;
    session_reply_err(s, PROTO_ER_BAD_DB, "42000",
                      "Unknown database '%s': keyspace '%s' is not in shard map version %llu "
                      "(removed in version %llu); select another keyspace with USE",
                      s->ks_lost, s->ks_lost, (unsigned long long)s->map->version,
                      (unsigned long long)s->ks_lost_version);
    return true;
}

/* ---- commands the router answers ------------------------------------------ */

/* COM_INIT_DB / USE: the client names a keyspace. Nothing is sent: each
 * statement runs on a connection in the schema of the shard it goes to. */
void session_init_db(struct session *s, const char *name, size_t len)
{
    char db[STMT_NAME_MAX + 1];
    if (len == 0) {
        session_reply_err(s, PROTO_ER_NO_DB, "3D000", "No database selected");
        return;
    }
    if (len > STMT_NAME_MAX || memchr(name, 0, len) != NULL) {
        session_reply_err(s, PROTO_ER_WRONG_DB_NAME, "42000", "Incorrect database name '%.*s'",
                          (int)(len > 64 ? 64 : len), name);
        return;
    }
    memcpy(db, name, len);
    db[len] = '\0';
    const struct shardmap_keyspace *ks = shardmap_keyspace(s->map, db);
    if (ks == NULL) {
        session_reply_err(s, PROTO_ER_BAD_DB, "42000", "Unknown database '%s'", db);
        return;
    }
    /* State only one connection holds (user variables set inside
     * statements, temporary tables, locks) would not follow the session to
     * another server. */
    const struct shardmap_shard *shard = &ks->shards[0];
    for (int i = 0; i < s->nconns; i++) {
        const struct backend *be = s->conns[i];
        bool holds = s->dirty || (be->status & PROTO_STATUS_IN_TRANS);
        if (be->st != BACKEND_ST_READY || !holds ||
            (!ks->sharded && conns_addr_is(be->addr, shard)))
            continue;
        char addr[300];
        snprintf(addr, sizeof(addr), "%s:%d", shard->primary.host, shard->primary.port);
        session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                          "keyspace '%s' is served by %s%s, not by %s where this session's "
                          "connection may hold session state (variables, temporary tables, a "
                          "transaction); reconnect with database '%s', or end the transaction "
                          "or reset the connection first",
                          ks->name, addr, ks->sharded ? " and other servers" : "", be->addr,
                          ks->name);
        return;
    }
    s->ks = ks;
    s->ks_lost[0] = '\0';
    session_reply_ok(s, ks->name);
}

static void set_option(struct session *s, const uint8_t *p, size_t len)
{
    if (len != 3) {
        session_reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000", "Malformed communication packet");
        return;
    }
    uint16_t opt = proto_u16(p + 1);
    if (opt > 1) {
        session_reply_err(s, PROTO_ER_UNKNOWN_COM, "08S01", "Unknown command (COM_SET_OPTION %u)",
                          opt);
        return;
    }
    /* Connections get the option before their next statement. */
    s->multi_statements = opt == 0;
    proto_write_end(&s->out, s->cmd_seq, s->caps, 0, s->status);
    session_command_done_local(s);
}

/* COM_RESET_CONNECTION: the session's server state goes with its
 * connections (closed; the next statement opens fresh ones). */
static void reset_connection(struct session *s)
{
    conns_drop_all(s);
    conns_forget_sets(s);
    s->tx_open = false;
    s->dirty = false;
    s->pinned = false;
    s->holding = s->hold_lost = false;
    s->status = PROTO_STATUS_AUTOCOMMIT;
    const struct config_user *u = config_user(s->w->router->cfg, s->user, strlen(s->user));
    if (u != NULL)
        s->consistency = u->consistency; /* SET shardrouter_consistency goes too */
    session_reply_ok(s, NULL);
}

/* COM_FIELD_LIST: to the first shard of the session's keyspace. */
static void field_list(struct session *s, const uint8_t *p, size_t len)
{
    if (len < 2 || memchr(p + 1, 0, len - 1) == NULL) {
        session_reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000", "Malformed communication packet");
        return;
    }
    if (session_refuse_lost_keyspace(s))
        return;
    const struct shardmap_keyspace *ks = s->ks ? s->ks : session_default_keyspace(s);
    if (ks == NULL) {
        session_reply_err(s, PROTO_ER_NO_DB, "3D000", "No database selected");
        return;
    }
    struct plan *pl = s->w->plan;
    const struct shardmap_shard *sh = &ks->shards[0];
    if (plan_same(pl, s->ks, &sh, 1, (const char *)p + 1, len - 1) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    struct exec_opts o = {.kind = RELAY_KIND_FIELD_LIST, .com = PROTO_COM_FIELD_LIST};
    exec_start(s, pl, &o);
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
            session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
            return;
        }
        proto_message_join(buf_head(&s->in), m, joined);
        p = joined;
    }
    if (len == 0) {
        log_warn("client %s (session %u): empty command packet", s->peer, s->id);
        session_reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000", "Malformed communication packet");
        return;
    }
    if (p[0] != PROTO_COM_QUERY && s->holding) {
        /* not a statement reading what the last write left */
        s->holding = false;
        conns_release(s);
    }
    switch (p[0]) {
    case PROTO_COM_QUIT:
        session_close(s);
        break;
    case PROTO_COM_PING:
        session_reply_ok(s, NULL);
        break;
    case PROTO_COM_QUERY:
        session_query(s, p + 1, len - 1);
        break;
    case PROTO_COM_INIT_DB:
        session_init_db(s, (const char *)p + 1, len - 1);
        break;
    case PROTO_COM_FIELD_LIST:
        field_list(s, p, len);
        break;
    case PROTO_COM_SET_OPTION:
        set_option(s, p, len);
        break;
    case PROTO_COM_RESET_CONNECTION:
        reset_connection(s);
        break;
    case PROTO_COM_STATISTICS:
        statistics(s);
        break;
    case PROTO_COM_PROCESS_KILL:
        if (len != 5) {
            session_reply_err(s, PROTO_ER_MALFORMED_PACKET, "HY000",
                              "Malformed communication packet");
            break;
        }
        session_kill(s, proto_u32(p + 1), false);
        break;
    case 0x18: /* COM_STMT_SEND_LONG_DATA and COM_STMT_CLOSE have no */
    case 0x19: /* response; without a prepared statement they are no-ops */
        session_command_done_local(s);
        break;
    case PROTO_COM_CHANGE_USER:
        session_change_user(s, p, len);
        break;
    default:
        log_info("client %s (session %u): unsupported command 0x%02x", s->peer, s->id, p[0]);
        session_reply_err(s, PROTO_ER_UNKNOWN_COM, "08S01",
                          "Unknown command: shardrouter does not support %s (0x%02x)",
                          command_name(p[0]), p[0]);
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
