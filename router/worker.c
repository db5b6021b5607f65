/* worker — per-thread epoll loop. See include/worker.h. */
#include "worker.h"

#include "health.h"
#include "pool.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "classify.h"
#include "plan.h"
#include "log.h"
#include "proto.h"
#include "router.h"
#include "session.h"
#include "shardmap.h"

#define MAX_EVENTS 256
#define TICK_MS 100
#define ACCEPT_BATCH 64

uint64_t worker_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Resolve the listen address (numeric or a name) for bind(). */
static struct addrinfo *listen_addr(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, gai_strerror(rc));
        return NULL;
    }
    return ai;
}

/* Workers share the port through SO_REUSEPORT, which would also let a
 * second router (same user) bind it silently and take half the clients.
 * A plain bind first tells whether anyone holds the address. */
int worker_check_port(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo *ai = listen_addr(host, port, err, errlen);
    if (ai == NULL)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    int rc = 0;
    if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s%s", host, port, strerror(errno),
                 errno == EADDRINUSE ? " (another process, perhaps another shardrouter, "
                                       "listens there)"
                                     : "");
        rc = -1;
    }
    if (fd != -1)
        close(fd);
    freeaddrinfo(ai);
    return rc;
}

static int open_listener(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo *ai = listen_addr(host, port, err, errlen);
    if (ai == NULL)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        snprintf(err, errlen, "cannot listen on %s:%d: socket: %s", host, port, strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* One listening socket per worker; the kernel spreads connections. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 || listen(fd, 1024) == -1) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

int worker_watch(struct worker *w, struct pollable *pl)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = pl};
    return epoll_ctl(w->epfd, EPOLL_CTL_ADD, pl->fd, &ev);
}

int worker_init(struct worker *w, struct router *r, int id, char *err, size_t errlen)
{
    memset(w, 0, sizeof(*w));
    w->id = id;
    w->router = r;
    w->listener.fd = w->wake.fd = w->epfd = -1;
    list_init(&w->sessions);
    list_init(&w->handshaking);
    list_init(&w->connecting);
    list_init(&w->dead);
    list_init(&w->dead_backends);
    list_init(&w->pool_ready);
    w->cls = calloc(1, sizeof(*w->cls));
    w->plan = calloc(1, sizeof(*w->plan));
    w->outstanding = calloc(HEALTH_MAX, sizeof(*w->outstanding));
    w->credit = calloc(HEALTH_MAX, sizeof(*w->credit));
    if (w->cls == NULL || w->plan == NULL || w->outstanding == NULL || w->credit == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd == -1) {
        snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
        return -1;
    }
    w->listener.kind = POLL_LISTENER;
    w->listener.fd = open_listener(r->cfg->listen_host, r->cfg->listen_port, err, errlen);
    if (w->listener.fd == -1)
        return -1;
    w->wake.kind = POLL_WAKE;
    w->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->wake.fd == -1) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        return -1;
    }
    /* The listener is level-triggered: accept a batch, the rest next tick. */
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w->listener};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->listener.fd, &ev) == -1) {
        snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
        return -1;
    }
    ev.data.ptr = &w->wake;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake.fd, &ev) == -1) {
        snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
        return -1;
    }
    return 0;
}

struct shardmap *worker_map_refresh(struct worker *w)
{
    struct router *r = w->router;
    if (w->map != NULL && __atomic_load_n(&r->map_gen, __ATOMIC_ACQUIRE) == w->map_gen)
        return w->map;
    uint64_t gen;
    struct shardmap *map = router_map_get(r, &gen);
    struct shardmap *old = w->map;
    w->map = map;
    w->map_gen = gen;
    if (old != NULL && old != map)
        log_info("shard map version %llu in use from now on (was %llu); sessions move to it at "
                 "their next statement outside a transaction",
                 (unsigned long long)map->version, (unsigned long long)old->version);
    shardmap_put(old);
    return map;
}

void worker_deinit(struct worker *w)
{
    shardmap_put(w->map);
    w->map = NULL;
    free(w->cls);
    w->cls = NULL;
    if (w->plan != NULL)
        plan_free(w->plan);
    free(w->plan);
    w->plan = NULL;
    seq_free(&w->seqs);
    free(w->outstanding);
    free(w->credit);
    w->outstanding = w->credit = NULL;
    pool_destroy(w);
    buf_free(&w->wire);
    if (w->listener.fd != -1)
        close(w->listener.fd);
    if (w->wake.fd != -1)
        close(w->wake.fd);
    if (w->epfd != -1)
        close(w->epfd);
    w->listener.fd = w->wake.fd = w->epfd = -1;
}

void worker_wake(struct worker *w)
{
    uint64_t one = 1;
    if (write(w->wake.fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
        log_warn("cannot wake worker %d: %s", w->id, strerror(errno));
}

/* Refuse a connection over max_client_connections: ERR 1040 in place of
 * the greeting, as the server does. The socket is new, so the short write
 * cannot block. */
static void refuse_too_many(int fd, const char *who)
{
    struct buf b = {0};
    if (proto_write_err(&b, 0, PROTO_ER_CON_COUNT, "08004", "Too many connections") == 0) {
        ssize_t n = write(fd, b.data, b.len);
        (void)n;
    }
    buf_free(&b);
    log_warn("refused client %s: max_client_connections reached", who);
}

static void accept_clients(struct worker *w)
{
    struct router *r = w->router;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = accept4(w->listener.fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd == -1) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                log_warn("accept: %s", strerror(errno));
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        int n = __atomic_add_fetch(&r->nclients, 1, __ATOMIC_RELAXED);
        if (n > r->cfg->max_client_connections || __atomic_load_n(&r->stopping, __ATOMIC_RELAXED)) {
            char who[INET6_ADDRSTRLEN + 8];
            session_format_peer(&ss, who, sizeof(who));
            refuse_too_many(fd, who);
            close(fd);
            __atomic_sub_fetch(&r->nclients, 1, __ATOMIC_RELAXED);
            continue;
        }
        w->connections++;
        if (session_create(w, fd, &ss) == NULL) {
            close(fd);
            __atomic_sub_fetch(&r->nclients, 1, __ATOMIC_RELAXED);
        }
    }
}

static void dispatch(struct worker *w, struct epoll_event *ev)
{
    struct pollable *pl = ev->data.ptr;
    switch (pl->kind) {
    case POLL_LISTENER:
        accept_clients(w);
        break;
    case POLL_WAKE: {
        uint64_t v;
        ssize_t n = read(w->wake.fd, &v, sizeof(v));
        (void)n;
        worker_map_refresh(w);   /* a new shard map version, perhaps */
        session_check_killed(w); /* or a KILL of one of our sessions */
        break;
    }
    case POLL_SESSION:
        session_event((struct session *)pl, ev->events);
        break;
    case POLL_BACKEND:
        backend_event((struct backend *)pl, ev->events);
        break;
    }
}

/* SIGTERM: stop accepting, let sessions finish what they are doing. */
static void begin_stop(struct worker *w)
{
    if (w->listener.fd != -1) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->listener.fd, NULL);
        close(w->listener.fd);
        w->listener.fd = -1;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event evs[MAX_EVENTS];
    uint64_t next_tick = 0, stop_deadline = 0;

    log_set_worker(w->id);
    for (;;) {
        bool stopping = __atomic_load_n(&w->router->stopping, __ATOMIC_RELAXED);
        int timeout = -1;
        if (stopping || !list_empty(&w->handshaking) || !list_empty(&w->connecting) || pool_busy(w))
            timeout = TICK_MS;
        int n = epoll_wait(w->epfd, evs, MAX_EVENTS, timeout);
        if (n == -1 && errno != EINTR) {
            log_error("epoll_wait: %s", strerror(errno));
            break;
        }
        w->now_ms = worker_clock_ms();
        for (int i = 0; i < n; i++)
            dispatch(w, &evs[i]);
        pool_run_ready(w);
        if (w->now_ms >= next_tick) {
            next_tick = w->now_ms + TICK_MS;
            session_check_timeouts(w);
            backend_check_timeouts(w);
            pool_tick(w);
            pool_run_ready(w);
        }
        if (stopping) {
            if (stop_deadline == 0) {
                begin_stop(w);
                stop_deadline = w->now_ms + (uint64_t)w->router->cfg->shutdown_timeout_ms;
            }
            session_close_idle(w, w->now_ms >= stop_deadline);
        }
        session_reap(w);
        backend_reap(w);
        if (stopping && list_empty(&w->sessions)) {
            pool_free(w);
            backend_reap(w);
            break;
        }
    }
    return NULL;
}

int worker_start(struct worker *w)
{
    w->now_ms = worker_clock_ms();
    worker_map_refresh(w);
    return pthread_create(&w->thread, NULL, worker_main, w) == 0 ? 0 : -1;
}
