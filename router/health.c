/* health — the server table and the monitor thread. See include/health.h. */
#include "health.h"

#include <errno.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "router.h"
#include "shardmap.h"
#include "ticker.h"

#define HIST 256       /* primary position samples kept */
#define MAX_DOMAINS 16 /* GTID domains followed per position */

struct gtid_pos {
    int n;
    uint32_t domain[MAX_DOMAINS];
    uint64_t seq[MAX_DOMAINS];
};

struct sample {
    int64_t t_ms;
    struct gtid_pos pos;
};

/* The monitor's own data about one server (not shared). */
struct mon {
    MYSQL *my;
    bool mariadb;
    bool was_usable; /* for log lines when it changes */
    bool logged_down;
    uint64_t pass;     /* the pass that checked it last */
    bool writes_moved; /* primaries: health_primary() names a replica (logged) */
    /* primaries: their recent positions, oldest first (ring) */
    struct sample *hist;
    int hist_n, hist_head;
};

struct health {
    struct router *r;
    const struct config *cfg;
    pthread_mutex_t lock; /* guards appends to e[] */
    int n;                /* atomic for readers */
    struct health_entry e[HEALTH_MAX];
    struct mon mon[HEALTH_MAX]; /* the thread's */
    struct ticker ticker;
    uint64_t pass; /* the thread's pass counter */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pass(void *arg);
static void monitor_done(void *arg);

static struct health *g_health; /* the router's (health_primary needs no argument) */

struct health *health_create(struct router *r)
{
    struct health *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    h->r = r;
    h->cfg = r->cfg;
    pthread_mutex_init(&h->lock, NULL);
    ticker_init(&h->ticker, pass, monitor_done, h, r->cfg->monitor_interval_ms, LOG_THREAD_MONITOR);
    g_health = h;
    return h;
}

int health_index(struct health *h, const struct shardmap_addr *a)
{
    /* the map's address remembers it: no search per statement */
    int known = __atomic_load_n(&a->hidx1, __ATOMIC_RELAXED);
    if (known > 0)
        return known - 1;
    pthread_mutex_lock(&h->lock);
    int idx = -1;
    bool added = false;
    for (int i = 0; i < h->n && idx == -1; i++)
        if (h->e[i].port == a->port && strcmp(h->e[i].host, a->host) == 0)
            idx = i;
    if (idx == -1 && h->n < HEALTH_MAX) {
        idx = h->n;
        struct health_entry *e = &h->e[idx];
        snprintf(e->host, sizeof(e->host), "%s", a->host);
        e->port = a->port;
        e->lag_ms = -1;
        __atomic_store_n(&h->n, idx + 1, __ATOMIC_RELEASE);
        added = true;
    }
    pthread_mutex_unlock(&h->lock);
    if (idx >= 0) /* the map is immutable but for this cache; entries never move */
        __atomic_store_n(&((struct shardmap_addr *)a)->hidx1, idx + 1, __ATOMIC_RELAXED);
    if (added)
        ticker_poke(&h->ticker); /* a new server: check it soon */
    return idx;
}

const struct shardmap_addr *health_primary(const struct shardmap_shard *shard)
{
    struct health *h = g_health;
    if (h == NULL || shard->nreplicas == 0)
        return &shard->primary;
    int p = health_index(h, &shard->primary);
    if (p < 0 || !__atomic_load_n(&h->e[p].read_only, __ATOMIC_RELAXED))
        return &shard->primary;
    for (int j = 0; j < shard->nreplicas; j++) {
        int r = health_index(h, &shard->replicas[j]);
        if (r >= 0 && __atomic_load_n(&h->e[r].up, __ATOMIC_RELAXED) &&
            __atomic_load_n(&h->e[r].checked, __ATOMIC_RELAXED) &&
            !__atomic_load_n(&h->e[r].read_only, __ATOMIC_RELAXED))
            return &shard->replicas[j];
    }
    return &shard->primary;
}

const struct health_entry *health_get(const struct health *h, int idx)
{
    return &h->e[idx];
}

bool health_replica_usable(const struct health *h, int idx, int64_t max_lag_ms)
{
    const struct health_entry *e = &h->e[idx];
    if (!__atomic_load_n(&e->checked, __ATOMIC_RELAXED) ||
        !__atomic_load_n(&e->up, __ATOMIC_RELAXED) ||
        !__atomic_load_n(&e->replicating, __ATOMIC_RELAXED))
        return false;
    int64_t lag = __atomic_load_n(&e->lag_ms, __ATOMIC_RELAXED);
    return lag >= 0 && lag <= max_lag_ms;
}

void health_poke(struct health *h)
{
    ticker_poke(&h->ticker);
}

void health_mark_down(struct health *h, int idx, const char *why)
{
    struct health_entry *e = &h->e[idx];
    if (__atomic_exchange_n(&e->up, 0, __ATOMIC_RELAXED))
        log_warn("%s:%d is out of rotation: %s (the monitor puts it back when it answers)", e->host,
                 e->port, why);
    health_poke(h);
}

/* ---- GTID positions ----------------------------------------------------- */

/* "d-s-n,d-s-n..." (MariaDB). -1 when malformed. */
static int pos_parse(const char *s, struct gtid_pos *p)
{
    p->n = 0;
    while (s != NULL && *s != '\0') {
        while (*s == ' ' || *s == ',' || *s == '\n')
            s++;
        if (*s == '\0')
            break;
        char *end;
        unsigned long d = strtoul(s, &end, 10);
        if (*end != '-')
            return -1;
        strtoul(end + 1, &end, 10);
        if (*end != '-')
            return -1;
        unsigned long long q = strtoull(end + 1, &end, 10);
        if (p->n < MAX_DOMAINS) {
            p->domain[p->n] = (uint32_t)d;
            p->seq[p->n] = q;
            p->n++;
        }
        s = end;
    }
    return 0;
}

static uint64_t pos_seq(const struct gtid_pos *p, uint32_t domain, bool *found)
{
    for (int i = 0; i < p->n; i++)
        if (p->domain[i] == domain) {
            *found = true;
            return p->seq[i];
        }
    *found = false;
    return 0;
}

/* How long the primary has been ahead of position rp (ms), from its
 * samples; 0 when rp covers its latest one. */
static int64_t gtid_lag(const struct mon *pm, const struct gtid_pos *rp, int64_t now)
{
    if (pm->hist_n == 0)
        return -1;
    const struct sample *latest = &pm->hist[(pm->hist_head + pm->hist_n - 1) % HIST];
    int64_t lag = 0;
    for (int d = 0; d < latest->pos.n; d++) {
        uint32_t dom = latest->pos.domain[d];
        bool f;
        uint64_t r = pos_seq(rp, dom, &f);
        if (r >= latest->pos.seq[d])
            continue;
        /* the oldest sample already ahead of the replica */
        for (int k = 0; k < pm->hist_n; k++) {
            const struct sample *s = &pm->hist[(pm->hist_head + k) % HIST];
            if (pos_seq(&s->pos, dom, &f) > r) {
                if (now - s->t_ms > lag)
                    lag = now - s->t_ms;
                break;
            }
        }
    }
    return lag;
}

/* ---- checks ------------------------------------------------------------- */

static MYSQL *mon_connect(struct health *h, const struct health_entry *e, char *why, size_t len)
{
    MYSQL *my = mysql_init(NULL);
    if (my == NULL) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    unsigned t = (unsigned)((h->cfg->monitor_interval_ms + 999) / 1000);
    unsigned ct = (unsigned)((h->cfg->backend_connect_timeout_ms + 999) / 1000);
    if (ct > t)
        ct = t;
    mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &t);
    mysql_optionsv(my, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", "shardrouter-monitor");
    if (mysql_real_connect(my, e->host, h->cfg->backend_user, h->cfg->backend_password, NULL,
                           (unsigned)e->port, NULL, 0) == NULL) {
        snprintf(why, len, "%s", mysql_error(my));
        mysql_close(my);
        return NULL;
    }
    return my;
}

/* One-value query into dst. 0, or -1 (why filled). */
static int query_value(MYSQL *my, const char *sql, char *dst, size_t len, char *why, size_t wlen)
{
    MYSQL_RES *res;
    if (mysql_query(my, sql) != 0 || (res = mysql_store_result(my)) == NULL) {
        snprintf(why, wlen, "%s: %s", sql, mysql_error(my));
        return -1;
    }
    MYSQL_ROW row = mysql_fetch_row(res);
    snprintf(dst, len, "%s", row && row[0] ? row[0] : "");
    mysql_free_result(res);
    return 0;
}

/* SHOW REPLICA STATUS: both threads running, seconds behind (-1 NULL).
 * 0, or -1 (why filled: not a replica, or the threads stopped). */
static int replica_status(MYSQL *my, bool *running, int64_t *sbm, char *why, size_t wlen)
{
    MYSQL_RES *res;
    *running = false;
    *sbm = -1;
    if (mysql_query(my, "SHOW REPLICA STATUS") != 0 || (res = mysql_store_result(my)) == NULL) {
        snprintf(why, wlen, "SHOW REPLICA STATUS: %s", mysql_error(my));
        return -1;
    }
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row == NULL) {
        mysql_free_result(res);
        snprintf(why, wlen, "not a replica (SHOW REPLICA STATUS is empty)");
        return 0;
    }
    unsigned nf = mysql_num_fields(res);
    MYSQL_FIELD *f = mysql_fetch_fields(res);
    const char *io = NULL, *sql = NULL, *behind = NULL, *err = NULL;
    for (unsigned i = 0; i < nf; i++) {
        const char *n = f[i].name;
        if (strcmp(n, "Slave_IO_Running") == 0 || strcmp(n, "Replica_IO_Running") == 0)
            io = row[i];
        else if (strcmp(n, "Slave_SQL_Running") == 0 || strcmp(n, "Replica_SQL_Running") == 0)
            sql = row[i];
        else if (strcmp(n, "Seconds_Behind_Master") == 0 || strcmp(n, "Seconds_Behind_Source") == 0)
            behind = row[i];
        else if (strcmp(n, "Last_Error") == 0 || strcmp(n, "Last_SQL_Error") == 0)
            err = err && *err ? err : row[i];
    }
    *running = io && sql && strcmp(io, "Yes") == 0 && strcmp(sql, "Yes") == 0;
    if (!*running)
        snprintf(why, wlen, "replication is not running (IO thread %s, SQL thread %s%s%s)",
                 io ? io : "?", sql ? sql : "?", err && *err ? "; " : "", err && *err ? err : "");
    if (behind != NULL)
        *sbm = strtoll(behind, NULL, 10);
    mysql_free_result(res);
    return 0;
}

/* Check one server; role: its primary's index (a replica) or -1. */
static void check(struct health *h, int idx, int primary, int64_t now)
{
    struct health_entry *e = &h->e[idx];
    struct mon *m = &h->mon[idx];
    char why[200] = "", val[2048];
    if (m->my == NULL) {
        m->my = mon_connect(h, e, why, sizeof(why));
        if (m->my != NULL)
            m->mariadb = strstr(mysql_get_server_info(m->my), "MariaDB") != NULL;
    }
    bool up = m->my != NULL;
    bool replicating = true;
    int64_t lag = 0;
    if (up && primary < 0) {
        struct sample s = {.t_ms = now};
        if (!m->mariadb) {
            up = mysql_ping(m->my) == 0;
            if (!up)
                snprintf(why, sizeof(why), "%s", mysql_error(m->my));
        } else if (query_value(m->my, "SELECT @@gtid_binlog_pos", val, sizeof(val), why,
                               sizeof(why)) == -1) {
            up = false;
        } else if (pos_parse(val, &s.pos) == 0) {
            if (m->hist == NULL)
                m->hist = calloc(HIST, sizeof(*m->hist));
            if (m->hist != NULL) {
                if (m->hist_n == HIST) {
                    m->hist_head = (m->hist_head + 1) % HIST;
                    m->hist_n--;
                }
                m->hist[(m->hist_head + m->hist_n) % HIST] = s;
                m->hist_n++;
            }
        }
    } else if (up) {
        int64_t sbm;
        if (replica_status(m->my, &replicating, &sbm, why, sizeof(why)) == -1) {
            up = false;
        } else if (replicating) {
            lag = sbm > 0 ? sbm * 1000 : 0;
            struct gtid_pos rp;
            const struct mon *pm = &h->mon[primary];
            if (m->mariadb && pm->hist_n > 0 &&
                query_value(m->my, "SELECT @@gtid_slave_pos", val, sizeof(val), why, sizeof(why)) ==
                    0 &&
                pos_parse(val, &rp) == 0) {
                int64_t g = gtid_lag(pm, &rp, now);
                if (g > lag)
                    lag = g;
            } else if (m->mariadb && pm->hist_n == 0) {
                lag = -1; /* its primary has not answered yet: unknown */
                snprintf(why, sizeof(why), "its primary has not been checked yet");
            }
        }
    }
    char ro[32] = "";
    if (up && query_value(m->my, "SELECT @@read_only", ro, sizeof(ro), why, sizeof(why)) == -1)
        up = false;
    if (!up && m->my != NULL) {
        mysql_close(m->my);
        m->my = NULL;
    }
    if (up)
        __atomic_store_n(&e->read_only, strcmp(ro, "1") == 0 || strcasecmp(ro, "ON") == 0,
                         __ATOMIC_RELAXED);
    __atomic_store_n(&e->replicating, replicating ? 1 : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&e->lag_ms, lag, __ATOMIC_RELAXED);
    __atomic_store_n(&e->up, up ? 1 : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&e->checked, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&e->checks, 1, __ATOMIC_RELAXED);
    if (primary < 0) {
        if (!up && !m->logged_down)
            log_warn("monitor: primary %s:%d does not answer: %s", e->host, e->port, why);
        else if (up && m->logged_down)
            log_info("monitor: primary %s:%d answers again", e->host, e->port);
        m->logged_down = !up;
        return;
    }
    bool usable = health_replica_usable(h, idx, h->cfg->max_replica_lag_ms);
    if (!usable && why[0] == '\0')
        snprintf(why, sizeof(why), "lagging %lld ms behind its primary (max_replica_lag_ms %d)",
                 (long long)lag, h->cfg->max_replica_lag_ms);
    if (usable != m->was_usable || (!usable && strcmp(why, e->why) != 0)) {
        if (usable)
            log_info("monitor: replica %s:%d is in rotation (lag %lld ms)", e->host, e->port,
                     (long long)lag);
        else
            log_warn("monitor: replica %s:%d is out of rotation: %s", e->host, e->port, why);
    }
    snprintf(e->why, sizeof(e->why), "%s", usable ? "" : why);
    m->was_usable = usable;
}

/* One pass: the servers of the current map, primaries first (a replica's
 * lag needs its primary's latest position). */
static void pass(void *arg)
{
    struct health *h = arg;
    struct shardmap *map = router_map_get(h->r, NULL);
    int64_t now = mono_ms();
    h->pass++;
    for (int round = 0; round < 2; round++)
        for (int k = 0; k < map->nkeyspaces; k++)
            for (int i = 0; i < map->keyspaces[k].nshards; i++) {
                const struct shardmap_shard *sh = &map->keyspaces[k].shards[i];
                int p = health_index(h, &sh->primary);
                if (p < 0)
                    continue;
                if (round == 0) {
                    if (h->mon[p].pass != h->pass)
                        check(h, p, -1, now);
                    h->mon[p].pass = h->pass;
                    continue;
                }
                for (int j = 0; j < sh->nreplicas; j++) {
                    int r = health_index(h, &sh->replicas[j]);
                    if (r >= 0 && h->mon[r].pass != h->pass)
                        check(h, r, p, now);
                    if (r >= 0)
                        h->mon[r].pass = h->pass;
                }
                const struct shardmap_addr *w = health_primary(sh);
                bool moved = w != &sh->primary;
                if (moved != h->mon[p].writes_moved) {
                    if (moved)
                        log_warn("monitor: shard %s: primary %s:%d is read-only and replica %s:%d "
                                 "is writable: writes go to %s:%d until the shard map names it",
                                 sh->name, sh->primary.host, sh->primary.port, w->host, w->port,
                                 w->host, w->port);
                    else
                        log_info("monitor: shard %s: writes go to its primary %s:%d again",
                                 sh->name, sh->primary.host, sh->primary.port);
                    h->mon[p].writes_moved = moved;
                }
            }
    shardmap_put(map);
}

static void monitor_done(void *arg)
{
    struct health *h = arg;
    for (int i = 0; i < HEALTH_MAX; i++)
        if (h->mon[i].my != NULL) {
            mysql_close(h->mon[i].my);
            h->mon[i].my = NULL;
        }
}

int health_start(struct health *h)
{
    return ticker_start(&h->ticker);
}

void health_stop(struct health *h)
{
    if (h != NULL)
        ticker_stop(&h->ticker);
}

void health_destroy(struct health *h)
{
    if (h == NULL)
        return;
    ticker_destroy(&h->ticker);
    if (g_health == h)
        g_health = NULL;
    for (int i = 0; i < HEALTH_MAX; i++)
        free(h->mon[i].hist);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
