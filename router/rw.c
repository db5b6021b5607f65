/* rw — read-your-writes. See include/rw.h. */
#include "rw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "exec.h"
#include "log.h"
#include "plan.h"
#include "router.h"
#include "session_int.h"

struct rw_gtid {
    char addr[300]; /* the primary's "host:port" */
    char gtid[128];
};

struct rw_wait {
    struct backend *be;
    const struct shardmap_shard *shard;
    char need[128];
};

struct rw {
    struct rw_gtid *g;
    int ng, gcap;
    /* shards whose reads go to the primary for this command */
    const struct shardmap_shard *primary[PLAN_MAX_TARGETS];
    int nprimary;
    struct rw_wait wait[PLAN_MAX_TARGETS];
    int nwait;
    bool waiting; /* the waits were sent */
};

static struct rw *rw_get(struct session *s)
{
    if (s->rw == NULL)
        s->rw = calloc(1, sizeof(*s->rw));
    return s->rw;
}

void rw_free(struct session *s)
{
    if (s->rw != NULL)
        free(s->rw->g);
    free(s->rw);
    s->rw = NULL;
}

void rw_note_gtid(struct session *s, const struct backend *be, const char *gtid)
{
    if (be->replica || gtid[0] == '\0')
        return;
    struct rw *rw = rw_get(s);
    if (rw == NULL)
        return;
    for (int i = 0; i < rw->ng; i++)
        if (strcmp(rw->g[i].addr, be->addr) == 0) {
            snprintf(rw->g[i].gtid, sizeof(rw->g[i].gtid), "%s", gtid);
            return;
        }
    if (rw->ng == rw->gcap) {
        int cap = rw->gcap ? rw->gcap * 2 : 4;
        struct rw_gtid *g = realloc(rw->g, (size_t)cap * sizeof(*g));
        if (g == NULL)
            return;
        rw->g = g;
        rw->gcap = cap;
    }
    snprintf(rw->g[rw->ng].addr, sizeof(rw->g[rw->ng].addr), "%s", be->addr);
    snprintf(rw->g[rw->ng].gtid, sizeof(rw->g[rw->ng].gtid), "%s", gtid);
    rw->ng++;
}

const char *rw_need(const struct session *s, const struct shardmap_shard *shard)
{
    if (s->consistency != CONSISTENCY_SESSION || s->rw == NULL)
        return NULL;
    for (int i = 0; i < s->rw->ng; i++)
        if (conns_addr_is(s->rw->g[i].addr, shard))
            return s->rw->g[i].gtid;
    return NULL;
}

/* The sequence number of domain d in a MariaDB position, or -1. */
static long long seq_of(const char *pos, unsigned long d)
{
    const char *p = pos;
    while (*p != '\0') {
        char *end;
        unsigned long dom = strtoul(p, &end, 10);
        if (*end != '-')
            return -1;
        strtoul(end + 1, &end, 10);
        if (*end != '-')
            return -1;
        long long seq = strtoll(end + 1, &end, 10);
        if (dom == d)
            return seq;
        p = end;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return -1;
}

bool rw_covers(const char *have, const char *need)
{
    if (have[0] == '\0')
        return false;
    char *end;
    unsigned long d = strtoul(need, &end, 10);
    if (*end == '-' && strchr(end + 1, '-') != NULL && strchr(need, ':') == NULL) {
        const char *last = strrchr(need, '-');
        long long want = strtoll(last + 1, NULL, 10);
        long long got = seq_of(have, d);
        return got >= 0 && got >= want;
    }
    return strcmp(have, need) == 0;
}

bool rw_primary_now(const struct session *s, const struct shardmap_shard *shard)
{
    if (s->rw == NULL)
        return false;
    for (int i = 0; i < s->rw->nprimary; i++)
        if (s->rw->primary[i] == shard)
            return true;
    return false;
}

void rw_command_done(struct session *s)
{
    if (s->rw != NULL)
        s->rw->nprimary = 0;
}

void rw_wait_add(struct session *s, struct backend *be, const struct shardmap_shard *shard,
                 const char *need)
{
    struct rw *rw = rw_get(s);
    if (rw == NULL || rw->nwait >= PLAN_MAX_TARGETS)
        return;
    struct rw_wait *w = &rw->wait[rw->nwait++];
    w->be = be;
    w->shard = shard;
    snprintf(w->need, sizeof(w->need), "%s", need);
}

void rw_waits_clear(struct session *s)
{
    if (s->rw != NULL) {
        s->rw->nwait = 0;
        s->rw->waiting = false;
    }
}

bool rw_waits_pending(const struct session *s)
{
    return s->rw != NULL && s->rw->nwait > 0 && !s->rw->waiting;
}

/* The waits answered: a replica that answered 0 has applied its GTID; the
 * others' shards are read on their primary for this command. */
static void after_wait(struct session *s)
{
    struct rw *rw = s->rw;
    struct backend *be[PLAN_MAX_TARGETS];
    enum exec_result res[PLAN_MAX_TARGETS];
    int n = exec_results(s, be, res, PLAN_MAX_TARGETS);
    for (int i = 0; i < n && i < rw->nwait; i++) {
        char v[32];
        struct rw_wait *w = &rw->wait[i];
        bool ok =
            res[i] == EXEC_R_OK && exec_target_value(s, i, v, sizeof(v)) && strcmp(v, "0") == 0;
        if (ok) {
            snprintf(w->be->synced, sizeof(w->be->synced), "%s", w->need);
            continue;
        }
        log_info("client %s (session %u): replica %s of shard %s has not applied %s within "
                 "consistency_wait_ms (%d ms: %s); reading from the primary",
                 s->peer, s->id, w->be->addr, w->shard->name, w->need,
                 s->w->router->cfg->consistency_wait_ms,
                 res[i] == EXEC_R_OK ? "timed out" : "the wait failed");
        if (rw->nprimary < PLAN_MAX_TARGETS)
            rw->primary[rw->nprimary++] = w->shard;
        if (res[i] == EXEC_R_LOST)
            conns_drop(s, be[i]);
    }
    rw->nwait = 0;
    rw->waiting = false;
    /* the client's command is still in the input: it runs again */
}

void rw_wait_start(struct session *s)
{
    struct rw *rw = s->rw;
    const struct config *cfg = s->w->router->cfg;
    char texts[PLAN_MAX_TARGETS][200];
    const char *tv[PLAN_MAX_TARGETS];
    size_t lens[PLAN_MAX_TARGETS];
    struct backend *use[PLAN_MAX_TARGETS];
    for (int i = 0; i < rw->nwait; i++) {
        const struct rw_wait *w = &rw->wait[i];
        int n = snprintf(texts[i], sizeof(texts[i]),
                         w->be->mariadb ? "SELECT MASTER_GTID_WAIT('%s', %.3f)"
                                        : "SELECT WAIT_FOR_EXECUTED_GTID_SET('%s', %.3f)",
                         w->need, cfg->consistency_wait_ms / 1000.0);
        lens[i] = n > 0 && (size_t)n < sizeof(texts[i]) ? (size_t)n : 0;
        tv[i] = texts[i];
        use[i] = w->be;
    }
    struct plan *p = s->w->plan;
    rw->waiting = true;
    if (plan_texts(p, rw->nwait, tv, lens) == -1) {
        rw->nwait = 0;
        rw->waiting = false;
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    struct exec_opts o = {.kind = RELAY_KIND_QUERY,
                          .com = PROTO_COM_QUERY,
                          .use = use,
                          .silent = true,
                          .keep_command = true,
                          .then = after_wait};
    exec_start(s, p, &o);
}

size_t rw_track_sql(const struct session *s, const struct backend *be, char *dst, size_t cap)
{
    if (be->replica || be->gtid_tracking || s->consistency != CONSISTENCY_SESSION)
        return 0;
    if (!s->map->has_replicas)
        return 0;
    int n = snprintf(dst, cap, "%s",
                     be->mariadb ? "SET SESSION session_track_system_variables = "
                                   "CONCAT(@@session.session_track_system_variables, ',last_gtid')"
                                 : "SET SESSION session_track_gtids = OWN_GTID");
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
