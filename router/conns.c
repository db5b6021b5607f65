/* conns — the backend connections of a session and the SET statements
 * every one of them must run. See include/exec.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "exec.h"
#include "health.h"
#include "pool.h"
#include "registry.h"
#include "router.h"
#include "session_int.h"
#include "xa.h"

struct backend conns_wait_marker;

static bool is_taken(const struct backend *be, struct backend *const *taken, int ntaken)
{
    for (int i = 0; i < ntaken; i++)
        if (taken[i] == be)
            return true;
    return false;
}

static bool addr_is(const char *addr, const struct shardmap_addr *a);

bool conns_addr_is(const char *addr, const struct shardmap_shard *shard)
{
    return addr_is(addr, health_primary(shard));
}

static bool addr_is(const char *addr, const struct shardmap_addr *a)
{
    size_t n = strlen(a->host);
    if (strncmp(addr, a->host, n) != 0 || addr[n] != ':')
        return false;
    char *end;
    long port = strtol(addr + n + 1, &end, 10);
    return *end == '\0' && port == a->port;
}

bool conns_replica_of(const char *addr, const struct shardmap_shard *shard)
{
    for (int i = 0; i < shard->nreplicas; i++)
        if (addr_is(addr, &shard->replicas[i]))
            return true;
    return false;
}

bool conns_on_shard(const struct backend *be, const struct shardmap_shard *shard)
{
    bool at = be->replica ? conns_replica_of(be->addr, shard) : conns_addr_is(be->addr, shard);
    return at && (be->schema[0] == '\0' || strcmp(be->schema, shard->schema) == 0);
}

const struct shardmap_addr *conns_pick_replica(struct session *s,
                                               const struct shardmap_shard *shard, int *hidx)
{
    struct router *r = s->w->router;
    struct worker *w = s->w;
    int cand[64], ncand = 0;
    /* the usable replicas with the fewest statements in flight per unit of
     * weight (a.load / a.weight < b.load / b.weight, cross-multiplied) */
    for (int i = 0; i < shard->nreplicas && r->health != NULL && ncand < 64; i++) {
        int idx = health_index(r->health, &shard->replicas[i]);
        if (idx < 0 || !health_replica_usable(r->health, idx, r->cfg->max_replica_lag_ms))
            continue;
        long load = w->outstanding[idx],
             wt = shard->replicas[i].weight > 0 ? shard->replicas[i].weight : 1;
        if (ncand > 0) {
            const struct shardmap_addr *b = &shard->replicas[cand[0]];
            long bload = w->outstanding[health_index(r->health, b)],
                 bwt = b->weight > 0 ? b->weight : 1;
            if (load * bwt > bload * wt)
                continue;
            if (load * bwt < bload * wt)
                ncand = 0;
        }
        cand[ncand++] = i;
    }
    if (ncand == 0) {
        *hidx = -1;
        return NULL;
    }
    /* among those, smooth weighted round robin: each gains its weight, the
     * one with the most credit is picked and pays the total */
    int pick = cand[0], total = 0;
    for (int k = 0; k < ncand; k++) {
        const struct shardmap_addr *a = &shard->replicas[cand[k]];
        int idx = health_index(r->health, a), wt = a->weight > 0 ? a->weight : 1;
        w->credit[idx] += wt;
        total += wt;
        if (k == 0 || w->credit[idx] > w->credit[health_index(r->health, &shard->replicas[pick])])
            pick = cand[k];
    }
    *hidx = health_index(r->health, &shard->replicas[pick]);
    w->credit[*hidx] -= total;
    return &shard->replicas[pick];
}

/* A pooled connection becomes the session's: its name for messages, and
 * the session's SET statements it lacks (all of them after a reset when
 * what it ran is not where the session's list starts). */
static void adopt(struct session *s, struct backend *be, const struct shardmap_shard *shard,
                  const struct shardmap_addr *replica, int hidx)
{
    be->owner = s;
    be->replica = replica != NULL;
    be->health_idx = replica ? hidx : -1;
    snprintf(be->shard, sizeof(be->shard), "%s%s", shard->name, replica ? " (replica)" : "");
    be->shard_len = (uint8_t)(strlen(shard->name) < 140 ? strlen(shard->name) : 140);
    size_t n = buf_avail(&be->applied);
    bool prefix = be->napplied <= s->nsets && n <= buf_avail(&s->sets) &&
                  (n == 0 || memcmp(buf_head(&be->applied), buf_head(&s->sets), n) == 0);
    if (prefix) {
        be->replayed = be->napplied;
    } else {
        be->reset_pending = true;
        be->replayed = 0;
    }
}

void conns_detach(struct session *s, struct backend *be)
{
    for (int i = 0; i < s->nconns; i++)
        if (s->conns[i] == be) {
            s->conns[i] = s->conns[--s->nconns];
            break;
        }
    if (s->be == be)
        s->be = NULL;
    if (s->reg_be == be) {
        registry_set(s->w->router->reg, s->id, "", 0);
        s->reg_be = NULL;
    }
}

/* Give a connection back to the worker's pool, remembering the SET
 * statements it ran. */
static void give_back(struct session *s, struct backend *be)
{
    conns_detach(s, be);
    /* the first be->replayed entries of the session's list */
    size_t off = s->sets.off, end = off;
    for (uint32_t i = 0; i < be->replayed && end < s->sets.len; i++) {
        uint32_t n;
        memcpy(&n, s->sets.data + end, sizeof(n));
        end += sizeof(n) + n;
    }
    be->applied.off = be->applied.len = 0;
    if (end > off && buf_append(&be->applied, s->sets.data + off, end - off) == -1) {
        backend_release(be); /* cannot remember its state: not reusable */
        return;
    }
    be->napplied = be->replayed;
    be->busy = false;
    pool_put(s->w, be);
}

void conns_release(struct session *s)
{
    if (s->st != SESSION_ST_IDLE || s->pinned || s->holding)
        return;
    for (int i = s->nconns - 1; i >= 0; i--) {
        struct backend *be = s->conns[i];
        if (be->st != BACKEND_ST_READY || (be->status & PROTO_STATUS_IN_TRANS) ||
            be->xa_branch != 0)
            continue;
        if (be->busy) {
            s->w->outstanding[be->health_idx]--;
            be->busy = false;
        }
        give_back(s, be);
    }
}

/* A connection to shard's server (its primary, or replica) not taken by
 * this statement, preferring one whose schema is already the one wanted. */
static struct backend *find(const struct session *s, const struct shardmap_shard *shard,
                            const struct shardmap_addr *replica, const char *schema,
                            struct backend *const *taken, int ntaken)
{
    struct backend *any = NULL;
    for (int i = 0; i < s->nconns; i++) {
        struct backend *be = s->conns[i];
        bool at = replica ? be->replica && addr_is(be->addr, replica)
                          : !be->replica && conns_addr_is(be->addr, shard);
        if (!at || is_taken(be, taken, ntaken))
            continue;
        if (strcmp(be->schema, schema) == 0)
            return be;
        if (any == NULL)
            any = be;
    }
    return any;
}

struct backend *conns_get(struct session *s, const struct shardmap_shard *shard, const char *schema,
                          struct backend *const *taken, int ntaken)
{
    return conns_get_at(s, shard, NULL, -1, schema, taken, ntaken);
}

struct backend *conns_get_at(struct session *s, const struct shardmap_shard *shard,
                             const struct shardmap_addr *replica, int hidx, const char *schema,
                             struct backend *const *taken, int ntaken)
{
    struct router *r = s->w->router;
    struct backend *be = find(s, shard, replica, schema, taken, ntaken);
    if (be != NULL)
        return be;
    if (s->nconns == s->conns_cap) {
        uint16_t cap = s->conns_cap ? (uint16_t)(s->conns_cap * 2) : 4;
        struct backend **c = realloc(s->conns, cap * sizeof(*c));
        if (c == NULL)
            return NULL;
        s->conns = c;
        s->conns_cap = cap;
    }
    const struct shardmap_addr *at = replica ? replica : health_primary(shard);
    int sidx = health_index(r->health, at);
    be = pool_take(s->w, sidx, s, schema);
    if (be == NULL && !pool_may_open(s->w, sidx, NULL) && pool_steal(s->w, sidx))
        be = pool_take(s->w, sidx, s, schema);
    if (be == NULL && !pool_may_open(s->w, sidx, NULL))
        pool_evict(s->w, sidx); /* idle, but for another character set */
    if (be != NULL) {
        adopt(s, be, shard, replica, hidx);
        s->conns[s->nconns++] = be;
        return be;
    }
    if (!pool_may_open(s->w, sidx, s))
        return CONNS_WAIT;
    struct backend_params bp = {
        .user = r->cfg->backend_user,
        .password = r->cfg->backend_password,
        .connect_timeout_ms = r->cfg->backend_connect_timeout_ms,
        .schema = schema,
        .charset = s->charset,
        .found_rows = (s->caps & PROTO_CAP_FOUND_ROWS) != 0,
        .multi_statements = s->multi_statements,
        .local_infile = r->cfg->allow_local_infile,
        .replica = replica,
        .health_idx = hidx,
        .primary = at,
        .server_idx = sidx,
    };
    be = backend_connect(s->w, s, shard, &bp);
    if (be == NULL || be->st == BACKEND_ST_DEAD)
        return be;
    s->conns[s->nconns++] = be;
    return be;
}

void conns_drop(struct session *s, struct backend *be)
{
    conns_detach(s, be);
    backend_release(be);
}

void conns_drop_all(struct session *s)
{
    xa_session_gone(s);
    while (s->nconns > 0)
        conns_drop(s, s->conns[s->nconns - 1]);
    s->be = NULL;
    s->dirty = false;
    s->pinned = false;
}

bool conns_in_trans(const struct session *s)
{
    for (int i = 0; i < s->nconns; i++)
        if (s->conns[i]->st == BACKEND_ST_READY && (s->conns[i]->status & PROTO_STATUS_IN_TRANS))
            return true;
    return false;
}

int conns_record_set(struct session *s, const char *sql, size_t len)
{
    uint32_t n = (uint32_t)len;
    if (buf_append(&s->sets, &n, sizeof(n)) == -1 || buf_append(&s->sets, sql, len) == -1)
        return -1;
    s->nsets++;
    return 0;
}

void conns_forget_sets(struct session *s)
{
    buf_free(&s->sets);
    s->nsets = 0;
    for (int i = 0; i < s->nconns; i++)
        s->conns[i]->replayed = 0;
}
