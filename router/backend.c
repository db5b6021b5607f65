/* backend — connections to MariaDB/MySQL servers. See include/backend.h. */
#include "backend.h"

#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "session.h"

/* Reads start small (most answers are a few hundred bytes) and double while
 * they fill the buffer, so a large result moves in 64 KiB reads. */
#define READ_CHUNK_MIN 4096
#define READ_CHUNK_MAX 65536

/* Capabilities the router can relay. Anything else the library might
 * negotiate (compression, TLS, MariaDB's progress reports) would change the
 * byte stream under the relay, so it is never asked for. */
#define RELAYABLE_CAPS                                                                             \
    (PROTO_CAP_LONG_PASSWORD | PROTO_CAP_FOUND_ROWS | PROTO_CAP_LONG_FLAG |                        \
     PROTO_CAP_CONNECT_WITH_DB | PROTO_CAP_LOCAL_FILES | PROTO_CAP_PROTOCOL_41 |                   \
     PROTO_CAP_TRANSACTIONS | PROTO_CAP_SECURE_CONNECTION | PROTO_CAP_MULTI_STATEMENTS |           \
     PROTO_CAP_MULTI_RESULTS | PROTO_CAP_PS_MULTI_RESULTS | PROTO_CAP_PLUGIN_AUTH |                \
     PROTO_CAP_CONNECT_ATTRS | PROTO_CAP_PLUGIN_AUTH_LENENC_DATA | PROTO_CAP_SESSION_TRACK |       \
     PROTO_CAP_DEPRECATE_EOF)

static void finish_connect(struct backend *be, MYSQL *ret);

/* Ask the server for the client's collation: libmariadb sends a charset's
 * first collation in the handshake, so a different one is set after. */
static void set_charset(MYSQL *m, uint8_t id)
{
    const MARIADB_CHARSET_INFO *cs = mariadb_get_charset_by_nr(id);
    if (cs == NULL || cs->csname == NULL)
        return;
    mysql_options(m, MYSQL_SET_CHARSET_NAME, cs->csname);
    const MARIADB_CHARSET_INFO *def = mariadb_get_charset_by_name(cs->csname);
    if (def != NULL && def->nr != cs->nr && cs->name != NULL) {
        char cmd[160];
        snprintf(cmd, sizeof(cmd), "SET NAMES %s COLLATE %s", cs->csname, cs->name);
        mysql_options(m, MYSQL_INIT_COMMAND, cmd);
    }
}

static void watch(struct backend *be)
{
    int fd = (int)mysql_get_socket(be->mysql);
    if (fd < 0)
        return;
    be->pl.fd = fd;
    /* Registering again is harmless (EEXIST) and covers a library that
     * replaced its socket while trying another address. */
    if (worker_watch(be->w, &be->pl) == -1 && errno != EEXIST)
        log_warn("backend %s: epoll_ctl: %s", be->addr, strerror(errno));
}

struct backend *backend_connect(struct worker *w, struct session *owner,
                                const struct shardmap_shard *shard, const struct backend_params *p)
{
    struct backend *be = calloc(1, sizeof(*be));
    if (be == NULL)
        return NULL;
    be->pl.kind = POLL_BACKEND;
    be->pl.fd = -1;
    be->w = w;
    be->owner = owner;
    be->st = BACKEND_ST_CONNECTING;
    be->timeout_ms = p->connect_timeout_ms;
    be->multi_statements = p->multi_statements;
    be->multi_at_connect = p->multi_statements;
    be->charset = p->charset;
    be->found_rows = p->found_rows;
    list_init(&be->tnode);
    list_init(&be->pnode);
    const struct shardmap_addr *at = p->replica   ? p->replica
                                     : p->primary ? p->primary
                                                  : &shard->primary;
    be->replica = p->replica != NULL;
    be->health_idx = p->replica ? p->health_idx : -1;
    snprintf(be->shard, sizeof(be->shard), "%s%s", shard->name, be->replica ? " (replica)" : "");
    be->shard_len = (uint8_t)(strlen(shard->name) < 140 ? strlen(shard->name) : 140);
    snprintf(be->addr, sizeof(be->addr), "%s:%d", at->host, at->port);
    snprintf(be->schema, sizeof(be->schema), "%s", p->schema ? p->schema : "");
    be->server_idx = p->server_idx;
    pool_opened(w, be->server_idx);
    be->counted = true;

    be->mysql = mysql_init(NULL);
    if (be->mysql == NULL) {
        free(be);
        return NULL;
    }
    MYSQL *m = be->mysql;
    unsigned int secs = (unsigned)((p->connect_timeout_ms + 999) / 1000);
    unsigned int infile = p->local_infile ? 1 : 0;
    mysql_options(m, MYSQL_OPT_NONBLOCK, 0);
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
    mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &infile);
    /* The library's own buffer serves the login only (it grows if needed). */
    unsigned long netbuf = 4096;
    mysql_options(m, MYSQL_OPT_NET_BUFFER_LENGTH, &netbuf);
    mysql_optionsv(m, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", "shardrouter");
    set_charset(m, p->charset);

    unsigned long flags = CLIENT_MULTI_RESULTS | CLIENT_PS_MULTI_RESULTS;
    if (p->found_rows)
        flags |= CLIENT_FOUND_ROWS;
    if (p->multi_statements)
        flags |= CLIENT_MULTI_STATEMENTS;

    MYSQL *ret = NULL;
    be->deadline_ms = w->now_ms + (uint64_t)p->connect_timeout_ms;
    list_add_tail(&w->connecting, &be->tnode);
    int status = mysql_real_connect_start(&ret, m, at->host, p->user, p->password,
                                          be->schema[0] ? be->schema : NULL, (unsigned)at->port,
                                          NULL, flags);
    if (status == 0) {
        finish_connect(be, ret);
        return be;
    }
    be->notify = true;
    be->wait_status = status;
    watch(be);
    return be;
}

/* The connection cannot be used: state is the SQLSTATE that goes with code
 * (NULL: HY000). */
static void fail(struct backend *be, unsigned code, const char *state, const char *msg)
{
    list_del(&be->tnode);
    be->st = BACKEND_ST_DEAD;
    be->err_code = code;
    snprintf(be->error, sizeof(be->error), "%s", msg);
    if (state == NULL || strlen(state) != 5 || strcmp(state, "00000") == 0)
        state = "HY000";
    snprintf(be->sqlstate, sizeof(be->sqlstate), "%s", state);
    log_warn("cannot connect to shard %s at %s: %s", be->shard, be->addr, msg);
    if (be->notify)
        session_backend_failed(be->owner, be);
}

static void finish_connect(struct backend *be, MYSQL *ret)
{
    if (ret == NULL) {
        fail(be, mysql_errno(be->mysql), mysql_sqlstate(be->mysql), mysql_error(be->mysql));
        return;
    }
    list_del(&be->tnode);
    MYSQL *m = be->mysql;
    /* CLIENT_REMEMBER_OPTIONS (bit 31) is a library-side flag, never sent. */
    uint32_t caps = (uint32_t)(m->client_flag & m->server_capabilities) & 0x7fffffffu;
    /* A MariaDB server (CLIENT_MYSQL bit clear) also gets MariaDB's
     * extended capabilities from libmariadb: progress reports and extended
     * column metadata change the stream, and the relay undoes them. */
    unsigned long ext = 0;
    if (!(m->server_capabilities & 1))
        mariadb_get_infov(m, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext);
    be->ext_caps = (uint32_t)(ext & (MARIADB_CLIENT_SUPPORTED_FLAGS >> 32));
    if ((caps & ~RELAYABLE_CAPS) != 0 || !(caps & PROTO_CAP_PROTOCOL_41)) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "the connection negotiated capabilities 0x%08x the router "
                 "cannot relay",
                 caps);
        fail(be, PROTO_ER_CONNECT_TO_SOURCE, NULL, msg);
        return;
    }
    be->caps = caps;
    be->mariadb = !(m->server_capabilities & 1);
    be->thread_id = mysql_thread_id(m);
    be->pl.fd = (int)mysql_get_socket(m);
    /* libmariadb puts the socket back into blocking mode when the connect
     * completes; the worker must never block on it. */
    int fl = fcntl(be->pl.fd, F_GETFL);
    if (fl == -1 || fcntl(be->pl.fd, F_SETFL, fl | O_NONBLOCK) == -1) {
        char msg[160];
        snprintf(msg, sizeof(msg), "cannot make the socket non-blocking: %s", strerror(errno));
        fail(be, PROTO_ER_CONNECT_TO_SOURCE, NULL, msg);
        return;
    }
    int one = 1;
    setsockopt(be->pl.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    be->st = BACKEND_ST_READY;
    be->rd_ready = true; /* cheap to find out; edges may have been consumed */
    watch(be);
    log_debug("connected to shard %s at %s (caps 0x%08x)", be->shard, be->addr, caps);
    if (be->notify)
        session_backend_connected(be->owner, be);
}

static void drive_connect(struct backend *be, uint32_t events)
{
    int ready = 0;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        ready |= MYSQL_WAIT_READ;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
        ready |= MYSQL_WAIT_WRITE;
    if ((ready & be->wait_status) == 0)
        return;
    MYSQL *ret = NULL;
    int status = mysql_real_connect_cont(&ret, be->mysql, ready);
    if (status == 0) {
        finish_connect(be, ret);
        return;
    }
    be->wait_status = status;
    watch(be);
}

void backend_event(struct backend *be, uint32_t events)
{
    switch (be->st) {
    case BACKEND_ST_CONNECTING:
        drive_connect(be, events);
        return;
    case BACKEND_ST_READY:
        if (events & EPOLLOUT) {
            if (backend_flush(be) == -1)
                be->rd_ready = true; /* the read reports the breakage */
        }
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            be->rd_ready = true;
        if (be->pooled) {
            pool_idle_event(be);
            return;
        }
        session_backend_io(be->owner);
        return;
    case BACKEND_ST_DEAD:
        return;
    }
}

void backend_check_timeouts(struct worker *w)
{
    struct list *n = w->connecting.next;
    while (n != &w->connecting) {
        struct backend *be = list_entry(n, struct backend, tnode);
        n = n->next;
        if (w->now_ms >= be->deadline_ms) {
            char msg[128];
            snprintf(msg, sizeof(msg), "connect timed out after %d ms", be->timeout_ms);
            fail(be, PROTO_ER_CONNECT_TO_SOURCE, NULL, msg);
        }
    }
}

ssize_t backend_read(struct backend *be, size_t want)
{
    if (be->read_chunk < READ_CHUNK_MIN)
        be->read_chunk = READ_CHUNK_MIN;
    if (want < be->read_chunk)
        want = be->read_chunk;
    if (buf_reserve(&be->in, want) == -1)
        return -1;
    size_t room = be->in.cap - be->in.len;
    for (;;) {
        ssize_t n = recv(be->pl.fd, be->in.data + be->in.len, room, 0);
        if (n > 0) {
            be->in.len += (size_t)n;
            /* A short read drained the socket: the next byte brings a
             * new edge, so there is no need to read until EAGAIN. */
            if ((size_t)n < room)
                be->rd_ready = false;
            else if (be->read_chunk < READ_CHUNK_MAX)
                be->read_chunk *= 2;
            return n;
        }
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            be->rd_ready = false;
            return -2;
        }
        return -1;
    }
}

void backend_idle(struct backend *be)
{
    if (be->busy) {
        be->w->outstanding[be->health_idx]--;
        be->busy = false;
    }
    buf_shrink(&be->in, 4 * READ_CHUNK_MIN);
    be->read_chunk = READ_CHUNK_MIN;
}

int backend_flush(struct backend *be)
{
    while (buf_avail(&be->out) > 0) {
        ssize_t n = send(be->pl.fd, buf_head(&be->out), buf_avail(&be->out), MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&be->out, (size_t)n);
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

int backend_send(struct backend *be, const void *p, size_t n)
{
    const uint8_t *b = p;
    if (buf_avail(&be->out) == 0) {
        while (n > 0) {
            ssize_t k = send(be->pl.fd, b, n, MSG_NOSIGNAL);
            if (k > 0) {
                b += k;
                n -= (size_t)k;
                continue;
            }
            if (k == -1 && errno == EINTR)
                continue;
            if (k == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            return -1;
        }
    }
    if (n > 0 && buf_append(&be->out, b, n) == -1)
        return -1;
    return 0;
}

void backend_release(struct backend *be)
{
    if (be == NULL)
        return;
    list_del(&be->tnode);
    if (be->busy) {
        be->w->outstanding[be->health_idx]--;
        be->busy = false;
    }
    be->st = BACKEND_ST_DEAD;
    be->owner = NULL;
    list_add_tail(&be->w->dead_backends, &be->tnode);
}

static void backend_destroy(struct backend *be)
{
    list_del(&be->tnode);
    if (be->counted)
        pool_closed(be->w, be->server_idx);
    buf_free(&be->applied);
    if (be->mysql != NULL) {
        /* mysql_close() sends COM_QUIT on a connected handle and closes
         * the socket, which also removes it from epoll. */
        mysql_close(be->mysql);
    }
    buf_free(&be->in);
    buf_free(&be->out);
    free(be);
}

void backend_reap(struct worker *w)
{
    while (!list_empty(&w->dead_backends))
        backend_destroy(list_entry(w->dead_backends.next, struct backend, tnode));
}
