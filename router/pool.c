/* pool — each worker's idle backend connections. See include/pool.h. */
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "exec.h"
#include "health.h"
#include "log.h"
#include "router.h"
#include "session_int.h"

/* One server's connections on this worker. */
struct pool_server {
    char addr[300];
    int open;         /* connections of this worker to it (idle or in use) */
    struct list idle; /* idle backends (pnode), most recently used first */
    int nidle;
    struct list waiters; /* sessions waiting for a connection (pwnode) */
};

/* The pool of server idx (its health table index; -1: none), made on
 * first use when create. */
static struct pool_server *server(struct worker *w, int idx, bool create)
{
    if (idx < 0 || idx >= HEALTH_MAX)
        return NULL;
    if (w->pool_of == NULL &&
        (!create || (w->pool_of = calloc(HEALTH_MAX, sizeof(*w->pool_of))) == NULL))
        return NULL;
    if (w->pool_of[idx] != NULL || !create)
        return w->pool_of[idx];
    struct pool_server **np = realloc(w->pools, (size_t)(w->npools + 1) * sizeof(*np));
    if (np == NULL)
        return NULL;
    w->pools = np;
    struct pool_server *ps = calloc(1, sizeof(*ps));
    if (ps == NULL)
        return NULL;
    const struct health_entry *e = health_get(w->router->health, idx);
    snprintf(ps->addr, sizeof(ps->addr), "%s:%d", e->host, e->port);
    list_init(&ps->idle);
    list_init(&ps->waiters);
    w->pools[w->npools++] = ps;
    w->pool_of[idx] = ps;
    return ps;
}

/* The most connections this worker opens to one server (0: no limit). */
static int limit(const struct worker *w)
{
    const struct router *r = w->router;
    int max = r->cfg->pool_max;
    if (max <= 0)
        return 0;
    int per = max / (r->nworkers > 0 ? r->nworkers : 1);
    return per > 0 ? per : 1;
}

/* Wake the first session waiting for addr: its command runs again, from
 * the worker loop (pool_run_ready), never inside another session's. */
static void wake_one(struct worker *w, struct pool_server *ps)
{
    if (list_empty(&ps->waiters))
        return;
    struct session *s = list_entry(ps->waiters.next, struct session, pwnode);
    list_del(&s->pwnode);
    s->pool_waiting = false;
    list_add_tail(&w->pool_ready, &s->pwnode);
}

void pool_run_ready(struct worker *w)
{
    while (!list_empty(&w->pool_ready)) {
        struct session *s = list_entry(w->pool_ready.next, struct session, pwnode);
        list_del(&s->pwnode);
        if (s->st == SESSION_ST_CONNECTING) {
            s->st = SESSION_ST_IDLE;
            session_run(s);
        }
    }
}

bool pool_evict(struct worker *w, int idx)
{
    struct pool_server *ps = server(w, idx, false);
    if (ps == NULL || list_empty(&ps->idle))
        return false;
    struct backend *be = list_entry(ps->idle.prev, struct backend, pnode);
    list_del(&be->pnode);
    be->pooled = false;
    ps->nidle--;
    ps->open--; /* now: it is freed at the end of the tick */
    be->counted = false;
    backend_release(be);
    return true;
}

bool pool_steal(struct worker *w, int idx)
{
    struct list *n = w->sessions.next;
    while (n != &w->sessions) {
        struct session *s = list_entry(n, struct session, node);
        n = n->next;
        if (!s->holding || s->st != SESSION_ST_IDLE || s->pinned)
            continue;
        for (int i = 0; i < s->nconns; i++)
            if (s->conns[i]->server_idx == idx) {
                /* its next statement cannot read LAST_INSERT_ID() there any
                 * more: the router answers it (session.last_insert_id) */
                s->holding = false;
                s->hold_lost = true;
                conns_release(s);
                return true;
            }
    }
    return false;
}

struct backend *pool_take(struct worker *w, int idx, const struct session *s, const char *schema)
{
    struct pool_server *ps = server(w, idx, false);
    if (ps == NULL)
        return NULL;
    bool found_rows = (s->caps & PROTO_CAP_FOUND_ROWS) != 0;
    struct list *n = ps->idle.next;
    while (n != &ps->idle) {
        struct backend *be = list_entry(n, struct backend, pnode);
        n = n->next;
        /* no database wanted: only a connection without one (a database
         * cannot be unselected) */
        if (be->charset != s->charset || be->found_rows != found_rows ||
            (schema[0] == '\0' && be->schema[0] != '\0'))
            continue;
        list_del(&be->pnode);
        list_init(&be->pnode);
        ps->nidle--;
        be->pooled = false;
        if (be->rd_ready && backend_read(be, 0) != -2) {
            /* closed (or spoke) while idle: not usable */
            backend_release(be);
            continue;
        }
        return be;
    }
    return NULL;
}

void pool_put(struct worker *w, struct backend *be)
{
    struct pool_server *ps = server(w, be->server_idx, true);
    be->owner = NULL;
    if (ps == NULL || be->st != BACKEND_ST_READY || buf_avail(&be->in) > 0 ||
        buf_avail(&be->out) > 0 || (be->status & PROTO_STATUS_IN_TRANS) ||
        __atomic_load_n(&w->router->stopping, __ATOMIC_RELAXED)) {
        backend_release(be);
        if (ps != NULL)
            wake_one(w, ps);
        return;
    }
    be->pooled = true;
    be->idle_since_ms = w->now_ms;
    list_add_head(&ps->idle, &be->pnode);
    ps->nidle++;
    wake_one(w, ps);
}

bool pool_may_open(struct worker *w, int idx, struct session *s)
{
    int max = limit(w);
    struct pool_server *ps = server(w, idx, max > 0);
    if (max == 0 || ps == NULL || ps->open < max)
        return true;
    if (s != NULL && !s->pool_waiting) {
        s->pool_waiting = true;
        s->pool_deadline_ms = w->now_ms + (uint64_t)w->router->cfg->pool_wait_timeout_ms;
        list_add_tail(&ps->waiters, &s->pwnode);
    }
    return false;
}

void pool_opened(struct worker *w, int idx)
{
    struct pool_server *ps = server(w, idx, true);
    if (ps != NULL)
        ps->open++;
}

void pool_closed(struct worker *w, int idx)
{
    struct pool_server *ps = server(w, idx, false);
    if (ps == NULL)
        return;
    ps->open--;
    wake_one(w, ps);
}

void pool_unwait(struct worker *w, struct session *s)
{
    (void)w;
    list_del(&s->pwnode); /* from the waiters or the ready list */
    s->pool_waiting = false;
}

void pool_idle_event(struct backend *be)
{
    struct pool_server *ps = server(be->w, be->server_idx, false);
    ssize_t n = backend_read(be, 0);
    if (n == -2)
        return;
    log_debug("pooled connection to %s closed by the server (or it sent unasked data)", be->addr);
    list_del(&be->pnode);
    list_init(&be->pnode);
    be->pooled = false;
    if (ps != NULL)
        ps->nidle--;
    backend_release(be);
}

void pool_tick(struct worker *w)
{
    const struct config *cfg = w->router->cfg;
    for (int i = 0; i < w->npools; i++) {
        struct pool_server *ps = w->pools[i];
        /* idle too long: oldest at the tail */
        while (!list_empty(&ps->idle) && cfg->pool_idle_timeout_ms > 0) {
            struct backend *be = list_entry(ps->idle.prev, struct backend, pnode);
            if (w->now_ms < be->idle_since_ms + (uint64_t)cfg->pool_idle_timeout_ms)
                break;
            list_del(&be->pnode);
            list_init(&be->pnode);
            be->pooled = false;
            ps->nidle--;
            backend_release(be);
        }
        /* waited too long */
        struct list *n = ps->waiters.next;
        while (n != &ps->waiters) {
            struct session *s = list_entry(n, struct session, pwnode);
            n = n->next;
            if (w->now_ms < s->pool_deadline_ms)
                continue;
            pool_unwait(w, s);
            if (s->st != SESSION_ST_CONNECTING)
                continue;
            session_reply_err(s, PROTO_ER_CON_COUNT, "08004",
                              "Too many connections: all %d connections this router may open to "
                              "%s (pool_max %d over %d workers) stayed busy for "
                              "pool_wait_timeout_ms (%d ms)",
                              limit(w), ps->addr, cfg->pool_max, w->router->nworkers,
                              cfg->pool_wait_timeout_ms);
            session_run(s);
        }
    }
}

bool pool_busy(const struct worker *w)
{
    for (int i = 0; i < w->npools; i++)
        if (w->pools[i]->nidle > 0 || !list_empty(&w->pools[i]->waiters))
            return true;
    return false;
}

void pool_free(struct worker *w)
{
    for (int i = 0; i < w->npools; i++) {
        struct pool_server *ps = w->pools[i];
        while (!list_empty(&ps->idle)) {
            struct backend *be = list_entry(ps->idle.next, struct backend, pnode);
            list_del(&be->pnode);
            list_init(&be->pnode);
            be->pooled = false;
            ps->nidle--;
            backend_release(be);
        }
    }
}

void pool_destroy(struct worker *w)
{
    for (int i = 0; i < w->npools; i++)
        free(w->pools[i]);
    free(w->pools);
    free(w->pool_of);
    w->pools = NULL;
    w->pool_of = NULL;
    w->npools = 0;
}
