/* session — client connections: lifecycle, I/O and the pump that moves a
 * command to its backend and the response back. Handshake and command
 * handling live in session_auth.c and command.c. See include/session.h. */
#include "session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "backend.h"
#include "exec.h"
#include "log.h"
#include "proto.h"
#include "router.h"
#include "session_int.h"
#include "health.h"
#include "pool.h"
#include "registry.h"
#include "rw.h"
#include "xa.h"

void session_format_peer(const struct sockaddr_storage *ss, char *dst, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        port = ntohs(a->sin6_port);
    }
    snprintf(dst, len, "%s:%d", host, port);
}

struct session *session_create(struct worker *w, int fd, const struct sockaddr_storage *peer)
{
    struct session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->pl.fd = fd;
    s->pl.kind = POLL_SESSION;
    s->w = w;
    s->id = __atomic_add_fetch(&w->router->next_conn_id, 1, __ATOMIC_RELAXED);
    list_init(&s->node);
    list_init(&s->tnode);
    list_init(&s->pwnode);
    session_format_peer(peer, s->peer, sizeof(s->peer));
    s->map = shardmap_get(worker_map_refresh(w));
    s->map_gen = w->map_gen;
    if (auth_scramble_generate(s->scramble) == -1 || session_send_greeting(s) == -1 ||
        worker_watch(w, &s->pl) == -1) {
        log_warn("client %s: cannot start a session: %s", s->peer, strerror(errno));
        shardmap_put(s->map);
        buf_free(&s->out);
        free(s);
        return NULL;
    }
    list_add_tail(&w->sessions, &s->node);
    list_add_tail(&w->handshaking, &s->tnode);
    w->nsessions++;
    s->st = SESSION_ST_HANDSHAKE;
    s->deadline_ms = w->now_ms + (uint64_t)w->router->cfg->handshake_timeout_ms;
    s->rd_ready = true;
    /* The greeting is small: the socket takes it now. From here on the
     * session owns fd and its place in nclients: a failure closes it. */
    if (session_flush(s) == -1)
        session_close(s);
    return s;
}

void session_close(struct session *s)
{
    if (s->st == SESSION_ST_DEAD)
        return;
    if (s->st == SESSION_ST_IDLE) {
        s->holding = false;
        conns_release(s); /* what holds nothing of the client's serves others */
    }
    s->st = SESSION_ST_DEAD;
    list_del(&s->tnode);
    list_add_tail(&s->w->dead, &s->tnode);
    pool_unwait(s->w, s);
    registry_del(s->w->router->reg, s->id);
    if (s->pl.fd != -1) {
        close(s->pl.fd);
        s->pl.fd = -1;
    }
    conns_drop_all(s);
    __atomic_sub_fetch(&s->w->router->nclients, 1, __ATOMIC_RELAXED);
}

void session_check_killed(struct worker *w)
{
    struct list *n = w->sessions.next;
    while (n != &w->sessions) {
        struct session *s = list_entry(n, struct session, node);
        n = n->next;
        if (s->st == SESSION_ST_DEAD || !__atomic_load_n(&s->killed, __ATOMIC_RELAXED))
            continue;
        log_info("client %s (session %u): closed by KILL CONNECTION", s->peer, s->id);
        session_close(s);
    }
}

void session_reap(struct worker *w)
{
    while (!list_empty(&w->dead)) {
        struct session *s = list_entry(w->dead.next, struct session, tnode);
        list_del(&s->tnode);
        list_del(&s->node);
        w->nsessions--;
        shardmap_put(s->map);
        buf_free(&s->in);
        buf_free(&s->out);
        buf_free(&s->sets);
        exec_free(s);
        xa_free(s);
        rw_free(s);
        free(s->conns);
        free(s);
    }
}

/* Queue a last packet (already in out) and close once it is written. */
void session_fail(struct session *s)
{
    if (s->st == SESSION_ST_DEAD)
        return;
    list_del(&s->tnode);
    conns_drop_all(s);
    s->st = SESSION_ST_CLOSING;
}

int session_flush(struct session *s)
{
    while (buf_avail(&s->out) > 0) {
        ssize_t n = send(s->pl.fd, buf_head(&s->out), buf_avail(&s->out), MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&s->out, (size_t)n);
            continue;
        }
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
    return 0;
}

/* Read from the client into in, with room for at least want bytes.
 * Returns > 0 bytes, 0 at end of stream, -2 would block, -1 error. */
static ssize_t client_read(struct session *s, size_t want)
{
    if (want < SESSION_READ_CHUNK)
        want = SESSION_READ_CHUNK;
    if (buf_reserve(&s->in, want) == -1)
        return -1;
    size_t room = s->in.cap - s->in.len;
    for (;;) {
        ssize_t n = recv(s->pl.fd, s->in.data + s->in.len, room, 0);
        if (n > 0) {
            s->in.len += (size_t)n;
            if ((size_t)n < room)
                s->rd_ready = false;
            return n;
        }
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            s->rd_ready = false;
            return -2;
        }
        return -1;
    }
}

/* Largest message accepted in the current state. */
static size_t message_limit(const struct session *s)
{
    if (s->st == SESSION_ST_HANDSHAKE || s->st == SESSION_ST_AUTH_SWITCH)
        return SESSION_HANDSHAKE_MAX;
    return (size_t)s->w->router->cfg->max_allowed_packet;
}

/* The sequence id the client's next packet must carry. */
static uint8_t expected_seq(const struct session *s)
{
    switch (s->st) {
    case SESSION_ST_HANDSHAKE:
        return 1;
    case SESSION_ST_AUTH_SWITCH:
        return 3;
    case SESSION_ST_INFILE:
        return s->relay.client_seq;
    default:
        return 0;
    }
}

static void protocol_error(struct session *s, uint8_t seq, uint16_t code, const char *state,
                           const char *msg, const char *logmsg)
{
    log_warn("client %s (session %u): %s; closing", s->peer, s->id, logmsg);
    proto_write_err(&s->out, seq, code, state, "%s", msg);
    session_fail(s);
}

/* One step on the client side: handle a complete message if there is one,
 * else read. Returns 1 when something happened, 0 when blocked. */
static int step_client(struct session *s)
{
    struct proto_msg m;
    uint8_t seq = expected_seq(s);
    int rc = proto_message_scan(buf_head(&s->in), buf_avail(&s->in), seq, &m);
    if (rc == -1) {
        char why[96];
        snprintf(why, sizeof(why), "packet with sequence id %u where %u was due", m.bad_seq, seq);
        protocol_error(s, (uint8_t)(m.bad_seq + 1), PROTO_ER_NET_PACKETS_OUT_OF_ORDER, "08S01",
                       "Got packets out of order", why);
        return 1;
    }
    if (m.payload > message_limit(s)) {
        char why[128];
        snprintf(why, sizeof(why), "packet of %zu bytes exceeds the limit of %zu", m.payload,
                 message_limit(s));
        if (s->st == SESSION_ST_HANDSHAKE || s->st == SESSION_ST_AUTH_SWITCH)
            protocol_error(s, (uint8_t)(seq + 1), PROTO_ER_HANDSHAKE, "08S01", "Bad handshake",
                           why);
        else
            protocol_error(s, (uint8_t)(seq + m.nparts), PROTO_ER_NET_PACKET_TOO_LARGE, "08S01",
                           "Got a packet bigger than 'max_allowed_packet' bytes", why);
        return 1;
    }
    if (rc == 1 && s->st == SESSION_ST_INFILE)
        return session_infile_packet(s, &m);
    if (rc == 1) {
        switch (s->st) {
        case SESSION_ST_HANDSHAKE:
            session_on_handshake(s, &m);
            break;
        case SESSION_ST_AUTH_SWITCH:
            session_on_auth_switch(s, &m);
            break;
        default:
            session_on_command(s, &m);
            break;
        }
        return 1;
    }
    if (!s->rd_ready)
        return 0;
    /* Room for the whole message when its size is known. */
    size_t want = m.payload + PROTO_HEADER_LEN * (m.nparts + 1);
    ssize_t n = client_read(s, want > buf_avail(&s->in) ? want - buf_avail(&s->in) : 0);
    if (n > 0)
        return 1;
    if (n == -2)
        return 0;
    if (n == 0)
        log_debug("client %s (session %u) disconnected", s->peer, s->id);
    else
        log_info("client %s (session %u): read error: %s", s->peer, s->id, strerror(errno));
    session_close(s);
    return 1;
}

/* The backend vanished in the middle of a command. What the client had on
 * it (transaction, variables) is gone, so the client is told and closed,
 * as it would be by a server that died. */
void session_backend_lost(struct session *s, const char *why)
{
    struct backend *be = s->be;
    log_warn("client %s (session %u): lost shard %s at %s: %s", s->peer, s->id, be->shard, be->addr,
             why);
    proto_write_err(&s->out, s->relay.client_seq, PROTO_ER_NET_READ_ERROR, "08S01",
                    "Lost connection to shard %s (%s) during query: %s", be->shard, be->addr, why);
    if (be->replica && s->relay.client_seq == s->cmd_seq && !(be->status & PROTO_STATUS_IN_TRANS)) {
        /* A replica serving a plain read outside a transaction, nothing of
         * the answer sent yet: the statement failed, the session goes on
         * (nothing of the client's was on that connection). */
        health_mark_down(s->w->router->health, be->health_idx, why);
        conns_drop(s, be);
        s->st = SESSION_ST_IDLE;
        rw_command_done(s);
        return;
    }
    session_fail(s);
}

static void command_done(struct session *s)
{
    struct backend *be = s->be;
    if (be != NULL)
        be->status = s->relay.status;
    if (be != NULL && s->relay.gtid[0] != '\0')
        rw_note_gtid(s, be, s->relay.gtid);
    if (s->relay.insert_id != 0)
        s->last_insert_id = s->relay.insert_id;
    rw_command_done(s);
    s->status = s->relay.status;
    if (s->tx_open || conns_in_trans(s))
        s->status |= PROTO_STATUS_IN_TRANS;
    s->st = SESSION_ST_IDLE;
    /* Between commands, give back what one large command made grow (never
     * while streaming: that would allocate per flush). */
    buf_shrink(&s->in, SESSION_BUF_KEEP);
    if (be != NULL)
        backend_idle(be);
    if (s->relay.err_code == PROTO_ER_LOCK_DEADLOCK)
        session_after_deadlock(s);
    conns_release(s);
}

/* One step of relaying the backend's response. Returns 1/0 as step_client. */
static int step_backend(struct session *s)
{
    struct backend *be = s->be;
    for (;;) {
        enum relay_result rr = relay_feed(&s->relay, &be->in, &s->out, SESSION_OUT_LIMIT);
        switch (rr) {
        case RELAY_DONE:
            command_done(s);
            return 1;
        case RELAY_ERROR:
            session_backend_lost(s, s->relay.why);
            return 1;
        case RELAY_INFILE:
            s->st = SESSION_ST_INFILE;
            return 1;
        case RELAY_INFILE_DENIED:
            log_warn("client %s (session %u): shard %s asked for a LOCAL INFILE the client may "
                     "not send; answered with an empty file",
                     s->peer, s->id, be->shard);
            if (relay_infile_deny(&s->relay, &be->out) == -1 || backend_flush(be) == -1) {
                session_backend_lost(s, "write failed");
                return 1;
            }
            continue;
        case RELAY_MORE:
            break;
        }
        if (buf_avail(&s->out) >= SESSION_OUT_LIMIT) {
            if (session_flush(s) == -1) {
                session_close(s);
                return 1;
            }
            if (buf_avail(&s->out) >= SESSION_OUT_LIMIT)
                return 0; /* the client reads slowly: wait for EPOLLOUT */
            continue;
        }
        if (!be->rd_ready)
            return 0;
        size_t need = s->relay.need > buf_avail(&be->in) ? s->relay.need - buf_avail(&be->in) : 0;
        ssize_t n = backend_read(be, need);
        if (n > 0)
            continue;
        if (n == -2)
            return 0;
        session_backend_lost(s, n == 0 ? "the server closed the connection" : strerror(errno));
        return 1;
    }
}

void session_run(struct session *s)
{
    for (;;) {
        int progress = 0;
        switch (s->st) {
        case SESSION_ST_HANDSHAKE:
        case SESSION_ST_AUTH_SWITCH:
        case SESSION_ST_IDLE:
        case SESSION_ST_INFILE:
            progress = step_client(s);
            break;
        case SESSION_ST_FORWARD:
            progress = step_backend(s);
            break;
        case SESSION_ST_EXEC:
            progress = exec_step(s);
            break;
        default:
            break;
        }
        if (s->st == SESSION_ST_DEAD)
            return;
        if (!progress)
            break;
    }
    if (session_flush(s) == -1) {
        session_close(s);
        return;
    }
    if (s->st == SESSION_ST_IDLE) {
        /* between commands: an idle client costs its struct and little
         * more (the buffers come back with its next command) */
        buf_shrink(&s->out, 0);
        buf_shrink(&s->in, 0);
    }
    if (s->st == SESSION_ST_CLOSING && buf_avail(&s->out) == 0)
        session_close(s);
}

void session_event(struct session *s, uint32_t events)
{
    if (s->st == SESSION_ST_DEAD)
        return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        s->rd_ready = true;
    if ((events & EPOLLERR) && s->st == SESSION_ST_CLOSING) {
        session_close(s);
        return;
    }
    session_run(s);
}

void session_backend_connected(struct session *s, struct backend *be)
{
    if (s->st != SESSION_ST_CONNECTING)
        return;
    /* Once every connection the command needs is up, it runs again. */
    for (int i = 0; i < s->nconns; i++)
        if (s->conns[i]->st == BACKEND_ST_CONNECTING)
            return;
    s->st = SESSION_ST_IDLE;
    session_run(s);
}

void session_backend_failed(struct session *s, struct backend *be)
{
    bool waiting = s->st == SESSION_ST_CONNECTING;
    conns_detach(s, be);
    if (be->replica) {
        /* Out of rotation; the command runs again, elsewhere. */
        health_mark_down(s->w->router->health, be->health_idx, be->error);
        backend_release(be);
        if (waiting) {
            s->st = SESSION_ST_IDLE;
            session_run(s);
        }
        return;
    }
    if (waiting)
        session_reply_connect_error(s, be);
    backend_release(be);
    if (waiting) {
        session_command_done_local(s);
        session_run(s);
    }
}

void session_backend_io(struct session *s)
{
    if (s->st == SESSION_ST_FORWARD || s->st == SESSION_ST_INFILE || s->st == SESSION_ST_EXEC) {
        session_run(s);
        return;
    }
    if (s->st != SESSION_ST_IDLE)
        return;
    /* Nothing was asked: a server closed a connection (wait_timeout, KILL,
     * shutdown), possibly after an unsolicited ERR. The session's state on
     * it is gone, so the client goes too. */
    for (int i = 0; i < s->nconns; i++) {
        struct backend *be = s->conns[i];
        if (be->st != BACKEND_ST_READY || !be->rd_ready)
            continue;
        ssize_t n = backend_read(be, 0);
        if (n == -2)
            continue;
        if (be->replica) {
            /* It served plain reads only: nothing of the client's is lost. */
            log_info("client %s (session %u): replica %s of shard %s closed an idle connection",
                     s->peer, s->id, be->addr, be->shard);
            health_mark_down(s->w->router->health, be->health_idx, "it closed a connection");
            conns_drop(s, be);
            i--;
            continue;
        }
        log_warn("client %s (session %u): shard %s at %s closed an idle connection; closing the "
                 "client connection too",
                 s->peer, s->id, be->shard, be->addr);
        session_close(s);
        return;
    }
}

void session_check_timeouts(struct worker *w)
{
    struct list *n = w->handshaking.next;
    while (n != &w->handshaking) {
        struct session *s = list_entry(n, struct session, tnode);
        n = n->next;
        if (w->now_ms < s->deadline_ms)
            continue;
        uint8_t seq = s->st == SESSION_ST_AUTH_SWITCH ? 4 : 2;
        char why[96];
        snprintf(why, sizeof(why), "no login within handshake_timeout_ms (%d ms)",
                 w->router->cfg->handshake_timeout_ms);
        protocol_error(s, seq, PROTO_ER_NET_READ_INTERRUPTED, "08S01",
                       "Got timeout reading communication packets", why);
        session_run(s);
    }
}

void session_close_idle(struct worker *w, bool force)
{
    struct list *n = w->sessions.next;
    while (n != &w->sessions) {
        struct session *s = list_entry(n, struct session, node);
        n = n->next;
        if (s->st == SESSION_ST_DEAD)
            continue;
        bool idle = s->st == SESSION_ST_HANDSHAKE || s->st == SESSION_ST_AUTH_SWITCH ||
                    (s->st == SESSION_ST_IDLE && !(s->status & PROTO_STATUS_IN_TRANS));
        if (force || idle)
            session_close(s);
    }
}
