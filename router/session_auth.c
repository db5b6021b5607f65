/* session_auth — the connection phase: greeting, HandshakeResponse41,
 * mysql_native_password, AuthSwitchRequest for clients that start with
 * another method (MySQL 8's caching_sha2_password), the login database. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "router.h"
#include "registry.h"
#include "rw.h"
#include "exec.h"
#include "session_int.h"

#define NATIVE_PLUGIN "mysql_native_password"

uint32_t session_server_caps(const struct router *r)
{
    uint32_t caps = PROTO_CAP_LONG_PASSWORD | PROTO_CAP_FOUND_ROWS | PROTO_CAP_LONG_FLAG |
                    PROTO_CAP_CONNECT_WITH_DB | PROTO_CAP_PROTOCOL_41 | PROTO_CAP_INTERACTIVE |
                    PROTO_CAP_TRANSACTIONS | PROTO_CAP_SECURE_CONNECTION |
                    PROTO_CAP_MULTI_STATEMENTS | PROTO_CAP_MULTI_RESULTS |
                    PROTO_CAP_PS_MULTI_RESULTS | PROTO_CAP_PLUGIN_AUTH | PROTO_CAP_CONNECT_ATTRS |
                    PROTO_CAP_PLUGIN_AUTH_LENENC_DATA | PROTO_CAP_SESSION_TRACK |
                    PROTO_CAP_DEPRECATE_EOF;
    if (r->cfg->allow_local_infile)
        caps |= PROTO_CAP_LOCAL_FILES;
    return caps;
}

int session_send_greeting(struct session *s)
{
    struct router *r = s->w->router;
    struct proto_handshake hs = {
        .server_version = r->server_version,
        .conn_id = s->id,
        .scramble = s->scramble,
        .caps = session_server_caps(r),
        .charset = 45, /* utf8mb4_general_ci */
        .status = PROTO_STATUS_AUTOCOMMIT,
        .auth_plugin = NATIVE_PLUGIN,
    };
    return proto_write_handshake(&s->out, &hs);
}

static void login_failed(struct session *s, uint8_t seq, uint16_t code, const char *state,
                         const char *msg)
{
    log_warn("client %s (session %u): login refused: %s", s->peer, s->id, msg);
    proto_write_err(&s->out, seq, code, state, "%s", msg);
    session_fail(s);
}

/* Check the token against the account, then the login database; answer
 * with OK (sequence id seq) or ERR. */
static void finish_login(struct session *s, const uint8_t *token, size_t token_len, uint8_t seq)
{
    struct router *r = s->w->router;
    const struct config_user *u = config_user(r->cfg, s->user, strlen(s->user));
    char msg[256];

    if (u == NULL ||
        !auth_native_check(u->stage2, u->empty_password, s->scramble, token, token_len)) {
        snprintf(msg, sizeof(msg), "Access denied for user '%s'@'%.*s' (using password: %s)",
                 s->user, (int)strcspn(s->peer, ":"), s->peer, token_len > 0 ? "YES" : "NO");
        login_failed(s, seq, PROTO_ER_ACCESS_DENIED, "28000", msg);
        return;
    }
    const struct shardmap_keyspace *ks = NULL;
    if (s->db[0] != '\0') {
        ks = shardmap_keyspace(s->map, s->db);
        if (ks == NULL) {
            snprintf(msg, sizeof(msg), "Unknown database '%s'", s->db);
            login_failed(s, seq, PROTO_ER_BAD_DB, "42000", msg);
            return;
        }
    }
    if (s->changing_user) {
        /* COM_CHANGE_USER: a new session on the same client connection */
        s->changing_user = false;
        conns_drop_all(s);
        conns_forget_sets(s);
        rw_free(s);
        s->tx_open = s->holding = false;
        s->ks_lost[0] = '\0';
    }
    s->ks = ks;
    s->consistency = u->consistency;
    registry_session(r->reg, s->id, &s->killed, s->w);
    struct proto_ok ok = {.status = PROTO_STATUS_AUTOCOMMIT};
    proto_write_ok(&s->out, seq, s->caps, &ok);
    list_del(&s->tnode);
    s->st = SESSION_ST_IDLE;
    s->status = PROTO_STATUS_AUTOCOMMIT;
    log_debug("client %s (session %u) logged in as '%s'%s%s", s->peer, s->id, s->user,
              s->ks ? ", database " : "", s->ks ? s->ks->name : "");
}

/* The payload of a complete (single-packet) message. */
static const uint8_t *payload_of(struct session *s, const struct proto_msg *m)
{
    return buf_head(&s->in) + PROTO_HEADER_LEN;
}

void session_on_handshake(struct session *s, const struct proto_msg *m)
{
    struct proto_hs_response hr;
    const char *why = NULL;
    const uint8_t *p = payload_of(s, m);
    char msg[200];

    if (m->nparts != 1 || proto_parse_hs_response(p, m->payload, &hr, &why) == -1) {
        snprintf(msg, sizeof(msg), "Bad handshake (%s)", why ? why : "split packet");
        if (why != NULL && strstr(why, "4.1") != NULL)
            login_failed(s, 2, PROTO_ER_NOT_SUPPORTED_AUTH_MODE, "08004",
                         "Client does not support authentication protocol requested by server; "
                         "consider upgrading MySQL client");
        else
            login_failed(s, 2, PROTO_ER_HANDSHAKE, "08S01", msg);
        buf_consume(&s->in, m->wire);
        return;
    }
    if (hr.ssl_request) {
        login_failed(s, 2, PROTO_ER_HANDSHAKE, "08S01",
                     "Bad handshake (the client asked for TLS, which this shardrouter does not "
                     "offer)");
        buf_consume(&s->in, m->wire);
        return;
    }
    s->caps = hr.caps & session_server_caps(s->w->router);
    s->charset = hr.charset;
    s->multi_statements = (s->caps & PROTO_CAP_MULTI_STATEMENTS) != 0;
    if (hr.user_len >= sizeof(s->user) || memchr(hr.user, 0, hr.user_len) != NULL) {
        login_failed(s, 2, PROTO_ER_ACCESS_DENIED, "28000", "Access denied (user name too long)");
        buf_consume(&s->in, m->wire);
        return;
    }
    memcpy(s->user, hr.user, hr.user_len);
    s->user[hr.user_len] = '\0';
    if (hr.db != NULL) {
        if (hr.db_len >= sizeof(s->db)) {
            login_failed(s, 2, PROTO_ER_BAD_DB, "42000", "Unknown database (name too long)");
            buf_consume(&s->in, m->wire);
            return;
        }
        memcpy(s->db, hr.db, hr.db_len);
        s->db[hr.db_len] = '\0';
    }
    bool native = hr.plugin == NULL || hr.plugin_len == 0 ||
                  (hr.plugin_len == strlen(NATIVE_PLUGIN) &&
                   memcmp(hr.plugin, NATIVE_PLUGIN, hr.plugin_len) == 0);
    if (!native && (s->caps & PROTO_CAP_PLUGIN_AUTH)) {
        /* e.g. caching_sha2_password: ask for mysql_native_password with
         * the same scramble (data is the scramble and a NUL, as servers
         * send it). */
        uint8_t data[AUTH_SCRAMBLE_LEN + 1];
        memcpy(data, s->scramble, AUTH_SCRAMBLE_LEN);
        data[AUTH_SCRAMBLE_LEN] = 0;
        log_debug("client %s (session %u) started with %.*s; switching to " NATIVE_PLUGIN, s->peer,
                  s->id, (int)hr.plugin_len, (const char *)hr.plugin);
        proto_write_auth_switch(&s->out, 2, NATIVE_PLUGIN, data, sizeof(data));
        s->st = SESSION_ST_AUTH_SWITCH;
        buf_consume(&s->in, m->wire);
        return;
    }
    uint8_t token[64];
    size_t tlen = hr.auth_len < sizeof(token) ? hr.auth_len : sizeof(token);
    memcpy(token, hr.auth, tlen);
    buf_consume(&s->in, m->wire);
    finish_login(s, token, tlen, 2);
}

void session_on_auth_switch(struct session *s, const struct proto_msg *m)
{
    uint8_t token[64];
    uint8_t seq = s->changing_user ? 3 : 4; /* after COM_CHANGE_USER, switch, response */
    if (m->nparts != 1 || m->payload > sizeof(token)) {
        login_failed(s, seq, PROTO_ER_HANDSHAKE, "08S01", "Bad handshake (auth switch response)");
        buf_consume(&s->in, m->wire);
        return;
    }
    size_t tlen = m->payload;
    memcpy(token, payload_of(s, m), tlen);
    buf_consume(&s->in, m->wire);
    finish_login(s, token, tlen, seq);
}

/* A NUL-terminated string at *p (within end): its length, *p moved past
 * the NUL; -1 when there is no NUL. */
static long cstr(const uint8_t **p, const uint8_t *end, const uint8_t **str)
{
    const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
    if (nul == NULL)
        return -1;
    *str = *p;
    long n = (long)(nul - *p);
    *p = nul + 1;
    return n;
}

void session_change_user(struct session *s, const uint8_t *payload, size_t len)
{
    const uint8_t *p = payload + 1, *end = payload + len, *user, *auth, *db = NULL, *plugin = NULL;
    long ulen = cstr(&p, end, &user), dblen = 0, plen = 0;
    size_t alen = 0;
    const char *bad = NULL;
    if (ulen < 0 || (size_t)ulen >= sizeof(s->user)) {
        bad = "user name";
    } else if (s->caps & PROTO_CAP_SECURE_CONNECTION) {
        if (p >= end || (size_t)(end - p) < 1u + *p)
            bad = "authentication data";
        else {
            alen = *p;
            auth = p + 1;
            p += 1 + alen;
        }
    } else {
        long n = cstr(&p, end, &auth);
        if (n < 0)
            bad = "authentication data";
        else
            alen = (size_t)n;
    }
    if (bad == NULL && p < end &&
        ((dblen = cstr(&p, end, &db)) < 0 || (size_t)dblen >= sizeof(s->db)))
        bad = "database name";
    uint16_t charset = 0;
    if (bad == NULL && end - p >= 2) {
        charset = proto_u16(p);
        p += 2;
    }
    if (bad == NULL && p < end && (s->caps & PROTO_CAP_PLUGIN_AUTH) &&
        (plen = cstr(&p, end, &plugin)) < 0)
        plugin = NULL; /* attributes or junk after: the plugin name is optional */
    if (bad != NULL) {
        buf_consume(&s->in, s->cmd_wire);
        s->cmd_wire = 0;
        char msg[120];
        snprintf(msg, sizeof(msg), "Malformed COM_CHANGE_USER packet (%s)", bad);
        login_failed(s, s->cmd_seq, PROTO_ER_MALFORMED_PACKET, "HY000", msg);
        return;
    }
    memcpy(s->user, user, (size_t)ulen);
    s->user[ulen] = '\0';
    if (db != NULL)
        memcpy(s->db, db, (size_t)dblen);
    s->db[db != NULL ? dblen : 0] = '\0';
    if (charset != 0 && charset < 256)
        s->charset = (uint8_t)charset;
    s->changing_user = true;
    uint8_t token[64];
    size_t tlen = alen < sizeof(token) ? alen : sizeof(token);
    if (tlen > 0)
        memcpy(token, auth, tlen);
    buf_consume(&s->in, s->cmd_wire);
    s->cmd_wire = 0;
    s->w->questions++;
    bool native =
        plugin == NULL || plen == 0 ||
        ((size_t)plen == strlen(NATIVE_PLUGIN) && memcmp(plugin, NATIVE_PLUGIN, (size_t)plen) == 0);
    if (!native) {
        /* e.g. caching_sha2_password: ask for mysql_native_password with
         * the connection's scramble */
        uint8_t data[AUTH_SCRAMBLE_LEN + 1];
        memcpy(data, s->scramble, AUTH_SCRAMBLE_LEN);
        data[AUTH_SCRAMBLE_LEN] = 0;
        proto_write_auth_switch(&s->out, 1, NATIVE_PLUGIN, data, sizeof(data));
        s->st = SESSION_ST_AUTH_SWITCH;
        s->deadline_ms = s->w->now_ms + (uint64_t)s->w->router->cfg->handshake_timeout_ms;
        list_add_tail(&s->w->handshaking, &s->tnode);
        return;
    }
    finish_login(s, token, tlen, 1);
}
