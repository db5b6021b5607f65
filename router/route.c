/* route — a COM_QUERY from classification to execution.
 *
 * The router answers some statements itself (USE, a transaction's BEGIN in
 * a sharded keyspace, COMMIT with nothing to commit), translates KILL,
 * checks LOAD DATA LOCAL, sends a SET to every connection of the session
 * (and keeps it for connections opened later), refuses what a sharded
 * keyspace cannot serve, refuses transactions that would span shards
 * (cross_shard_transactions = refuse), and plans and runs the rest. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "classify.h"
#include "exec.h"
#include "health.h"
#include "log.h"
#include "plan.h"
#include "registry.h"
#include "router.h"
#include "sequence.h"
#include "session_int.h"
#include "sqllex.h"
#include "stmt.h"
#include "xa.h"

/* ---- running a plan ------------------------------------------------------- */

static bool primary_in_trans(const struct session *s)
{
    for (int i = 0; i < s->nconns; i++)
        if (!s->conns[i]->replica && (s->conns[i]->status & PROTO_STATUS_IN_TRANS))
            return true;
    return false;
}

/* Run p. The session's pending BEGIN goes first to targets not yet in the
 * transaction, except for a SET (it runs on every connection and must not
 * open the transaction on all of them) and a read any shard answers alike
 * while no shard has the transaction yet (it must not tie the transaction
 * to that shard). */
static void run(struct session *s, struct plan *p, enum relay_kind kind, uint8_t com,
                struct backend *const *use, bool record_set)
{
    /* In a twopc keyspace with autocommit off every statement is in a
     * transaction, which must begin as an XA branch (the server would open
     * a plain one by itself). */
    bool xa = xa_keyspace(s);
    bool autocommit = (s->status & PROTO_STATUS_AUTOCOMMIT) != 0;
    bool begin = (s->tx_open || (xa && !autocommit)) && !record_set;
    if ((p->flags & PLAN_F_ANY_SHARD) && !(p->flags & PLAN_F_WRITE) && !conns_in_trans(s) &&
        (autocommit || !xa))
        begin = false;
    /* Plain reads outside transactions, and inside START TRANSACTION READ
     * ONLY while no primary connection is in it, may go to a replica. */
    bool replica = (p->flags & PLAN_F_REPLICA_OK) && !(p->flags & PLAN_F_PRIMARY) && autocommit &&
                   !s->pinned && s->consistency != CONSISTENCY_PRIMARY && use == NULL &&
                   !record_set &&
                   (s->tx_open ? s->tx_read_only && !primary_in_trans(s) : !conns_in_trans(s));
    struct exec_opts o = {.kind = kind,
                          .com = com,
                          .begin = begin,
                          .replica = replica,
                          .xa = xa && begin,
                          .record_set = record_set,
                          .use = use,
                          .insert_id = p->insert_id};
    exec_start(s, p, &o);
}

/* ---- the classifier's view of the shard map ------------------------------- */

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

/* Could the statement leave state on its connection that another connection
 * would not have (variables, temporary tables, locks, results that
 * LAST_INSERT_ID() reads later)? Reading such state does not count; an open
 * transaction does not either (the server's status flag says when it
 * ends); anything not fully understood does. */
static bool leaves_state(const struct cls *c)
{
    uint32_t ignore = CLS_S_USER_VAR_READ | CLS_S_DEPENDS;
    if (c->kind == CLS_BEGIN || c->kind == CLS_COMMIT || c->kind == CLS_ROLLBACK)
        ignore |= CLS_S_TX_BEGIN | CLS_S_TX_END;
    if (c->session & ~ignore)
        return true;
    return (c->flags & (CLS_F_WRITE | CLS_F_PARTIAL | CLS_F_INTO | CLS_F_SIDE_EFFECT_FN)) != 0;
}

/* State a read on another server would miss: temporary tables, variables
 * assigned inside statements, locks, SQL-level PREPARE, LOCK TABLES, and
 * anything not fully understood. (What a write leaves, LAST_INSERT_ID()
 * and ROW_COUNT(), is read by statements that go to the primary anyway.) */
static const char *pins_reads(const struct cls *c)
{
    if (c->session & CLS_S_TEMP_TABLE)
        return "a temporary table";
    if (c->session & CLS_S_LOCK)
        return "GET_LOCK() or another named lock";
    if (c->session & CLS_S_PREPARE)
        return "SQL-level PREPARE/EXECUTE";
    if (c->session & CLS_S_LOCK_TABLES)
        return "LOCK TABLES";
    if (c->session & CLS_S_NEXT_TX)
        return "SET TRANSACTION for the next transaction";
    if (c->kind != CLS_SET && (c->session & CLS_S_USER_VAR))
        return "a user variable assigned inside a statement";
    if (c->flags & CLS_F_INTO)
        return "SELECT ... INTO";
    if ((c->session & CLS_S_UNKNOWN) || (c->flags & CLS_F_PARTIAL))
        return "a statement the router does not fully understand";
    return NULL;
}

/* The session keeps its connections from now on (until
 * COM_RESET_CONNECTION, COM_CHANGE_USER or the end): said once. */
static void pin(struct session *s, const char *why)
{
    if (s->pinned || why == NULL)
        return;
    s->pinned = true;
    log_info("client %s (session %u): pinned to its backend connections (no pooling, no replica "
             "reads) until COM_RESET_CONNECTION or COM_CHANGE_USER: %s",
             s->peer, s->id, why);
}

/* A SET every connection can run again with the same effect: session
 * variables, names, autocommit, transaction characteristics, user
 * variables given values that do not depend on data. */
static bool replayable_set(const struct cls *c)
{
    uint32_t ok = CLS_S_SYSVAR | CLS_S_NAMES | CLS_S_AUTOCOMMIT | CLS_S_TX_CHARS | CLS_S_USER_VAR |
                  CLS_S_USER_VAR_READ;
    return c->kind == CLS_SET &&
           !(c->flags & (CLS_F_PARTIAL | CLS_F_SUBQUERY | CLS_F_SIDE_EFFECT_FN | CLS_F_WRITE)) &&
           (c->session & ~ok) == 0;
}

/* What a sharded keyspace cannot keep across its connections. */
static const char *pinning_effect(const struct cls *c)
{
    if (c->session & CLS_S_TEMP_TABLE)
        return "temporary tables";
    if (c->session & CLS_S_LOCK)
        return "GET_LOCK() and other named locks";
    if (c->session & CLS_S_PREPARE)
        return "SQL-level PREPARE/EXECUTE";
    if (c->session & CLS_S_LOCK_TABLES)
        return "LOCK TABLES";
    if (c->kind != CLS_SET && (c->session & CLS_S_USER_VAR))
        return "assigning user variables inside a statement (use SET @var = ...)";
    if (c->session & CLS_S_NEXT_TX)
        return "SET TRANSACTION without SESSION (it changes one connection's next transaction; "
               "use SET SESSION TRANSACTION or START TRANSACTION options)";
    return NULL;
}

/* ---- what a COM_QUERY text holds ----------------------------------------- */

struct query_look {
    int nstmts;
    bool use; /* the text is exactly one USE: db */
    char db[STMT_NAME_MAX + 1];
    bool load_local;  /* some statement is LOAD DATA LOCAL */
    bool kill;        /* some statement is a KILL */
    bool stateful;    /* some statement may leave session state behind */
    const char *pins; /* ... that only its connection has (see session.pinned): what */
    bool depends;     /* some statement reads what the previous one left (LAST_INSERT_ID()) */
    bool holds;       /* some statement leaves that (a write, SQL_CALC_FOUND_ROWS) */
    bool qualified;   /* every table named has a database qualifier */
};

/* Does a SELECT's text ask for SQL_CALC_FOUND_ROWS (FOUND_ROWS() reads it
 * on the same connection)? */
static bool calc_found_rows(const char *sql, size_t len)
{
    static const char calc[] = "sql_calc_found_rows";
    for (size_t i = 0; i + sizeof(calc) - 1 <= len; i++)
        if ((sql[i] | 0x20) == 's' && strncasecmp(sql + i, calc, sizeof(calc) - 1) == 0)
            return true;
    return false;
}

/* Classify every statement; w->cls keeps the last one. */
static void look(struct session *s, const char *sql, size_t len, struct query_look *q)
{
    struct cls *c = s->w->cls;
    size_t pos = 0, start, n;
    int rc;
    bool first_use = false;
    memset(q, 0, sizeof(*q));
    q->qualified = true;
    while ((rc = cls_next_statement(sql, len, 0, &pos, &start, &n)) == 1) {
        classify(c, sql + start, n, 0, lookup_sharded, s);
        if (c->kind == CLS_EMPTY)
            continue;
        if (++q->nstmts == 1 && c->kind == CLS_USE)
            first_use = cls_name(c->tables[0].schema, q->db, sizeof(q->db)) == 0;
        q->load_local |= c->kind == CLS_LOAD_DATA && (c->flags & CLS_F_LOCAL);
        q->kill |= c->kind == CLS_KILL;
        q->stateful |= leaves_state(c);
        if (q->pins == NULL)
            q->pins = pins_reads(c);
        q->depends |= (c->session & CLS_S_DEPENDS) != 0;
        q->holds |= c->kind == CLS_INSERT || c->kind == CLS_REPLACE || c->kind == CLS_UPDATE ||
                    c->kind == CLS_DELETE ||
                    (c->kind == CLS_SELECT && calc_found_rows(sql + start, n));
        for (int i = 0; i < c->ntables; i++)
            if (!(c->tables[i].flags & CLS_T_CTE) && c->tables[i].schema.len == 0)
                q->qualified = false;
    }
    if (rc == -1) {
        q->stateful = true; /* does not tokenize: the server will say why */
        q->pins = "a statement the router cannot read";
    }
    q->use = first_use && q->nstmts == 1;
}

/* ---- KILL ----------------------------------------------------------------- */

/* KILL on a replica (the statement being killed reads there): from a
 * connection of this session to that replica; when it has to be opened
 * first, the command runs again once it is up. */
static void kill_on_replica(struct session *s, const struct shardmap_shard *sh,
                            const struct shardmap_addr *replica, bool query_only, unsigned long tid)
{
    struct router *r = s->w->router;
    int hidx = health_index(r->health, replica);
    struct backend *be = conns_get_at(s, sh, replica, hidx, "", NULL, 0);
    if (be == NULL || be == CONNS_WAIT) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000",
                          "Out of resources: cannot open a connection to replica %s:%d for KILL",
                          replica->host, replica->port);
        return;
    }
    if (be->st == BACKEND_ST_DEAD) {
        session_reply_connect_error(s, be);
        backend_release(be);
        session_command_done_local(s);
        return;
    }
    if (be->st == BACKEND_ST_CONNECTING) {
        s->st = SESSION_ST_CONNECTING;
        return;
    }
    char sql[64];
    int n = snprintf(sql, sizeof(sql), "KILL %s%lu", query_only ? "QUERY " : "", tid);
    struct plan *p = s->w->plan;
    if (plan_same(p, NULL, NULL, 1, sql, (size_t)n) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    run(s, p, RELAY_KIND_QUERY, PROTO_COM_QUERY, &be, false);
}

/* KILL with the id the client saw in a greeting: KILL the server thread
 * serving that connection, from this session's connection to that server. */
void session_kill(struct session *s, unsigned long long id, bool query_only)
{
    char addr[300], sql[64];
    unsigned long tid;
    int rc = id > UINT32_MAX ? -1
                             : registry_kill(s->w->router->reg, (uint32_t)id, query_only, addr,
                                             sizeof(addr), &tid);
    if (rc == -1) {
        session_reply_err(s, PROTO_ER_NO_SUCH_THREAD, "HY000", "Unknown thread id: %llu", id);
        return;
    }
    if (rc == 1) {
        /* it holds no server connection: no statement runs; KILL
         * CONNECTION closes it (its worker was told) */
        session_reply_ok(s, NULL);
        return;
    }
    /* Any shard on that server will do: KILL needs no database. */
    const struct shardmap_shard *sh = NULL;
    const struct shardmap_addr *replica = NULL;
    for (int k = 0; k < s->map->nkeyspaces && sh == NULL; k++)
        for (int i = 0; i < s->map->keyspaces[k].nshards && sh == NULL; i++) {
            const struct shardmap_shard *c = &s->map->keyspaces[k].shards[i];
            if (conns_addr_is(addr, c))
                sh = c;
            for (int j = 0; j < c->nreplicas && sh == NULL; j++) {
                char a[300];
                snprintf(a, sizeof(a), "%s:%d", c->replicas[j].host, c->replicas[j].port);
                if (strcmp(a, addr) == 0) {
                    sh = c;
                    replica = &c->replicas[j];
                }
            }
        }
    if (sh != NULL && replica != NULL) {
        kill_on_replica(s, sh, replica, query_only, tid);
        return;
    }
    if (sh == NULL) {
        session_reply_err(s, PROTO_ER_NO_SUCH_THREAD, "HY000",
                          "Unknown thread id: %llu (its server %s is not in shard map version "
                          "%llu)",
                          id, addr, (unsigned long long)s->map->version);
        return;
    }
    int n = snprintf(sql, sizeof(sql), "KILL %s%lu", query_only ? "QUERY " : "", tid);
    struct plan *p = s->w->plan;
    if (plan_same(p, NULL, &sh, 1, sql, (size_t)n) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    run(s, p, RELAY_KIND_QUERY, PROTO_COM_QUERY, NULL, false);
}

/* ---- transactions ------------------------------------------------------- */

/* A place a transaction runs in: a connection, or a target's shard. */
struct place {
    const struct backend *be;
    const struct shardmap_shard *sh;
};

static bool same_place(struct place a, struct place b)
{
    /* a shard's replica is the same place as its primary (a READ ONLY
     * transaction may read on one and then fail to write on the other) */
    if (a.be != NULL && b.be != NULL)
        return (strcmp(a.be->addr, b.be->addr) == 0 ||
                (a.be->replica != b.be->replica && a.be->shard_len == b.be->shard_len &&
                 memcmp(a.be->shard, b.be->shard, a.be->shard_len) == 0)) &&
               strcmp(a.be->schema, b.be->schema) == 0;
    if (a.be != NULL || b.be != NULL) {
        const struct backend *be = a.be ? a.be : b.be;
        const struct shardmap_shard *sh = a.be ? b.sh : a.sh;
        return (conns_addr_is(be->addr, sh) || (be->replica && conns_replica_of(be->addr, sh))) &&
               strcmp(be->schema, sh->schema) == 0;
    }
    return a.sh->primary.port == b.sh->primary.port &&
           strcmp(a.sh->primary.host, b.sh->primary.host) == 0 &&
           strcmp(a.sh->schema, b.sh->schema) == 0;
}

/* "host:port/schema" of a place, for messages. */
static int place_name(struct place x, char *dst, size_t len)
{
    if (x.be != NULL)
        return snprintf(dst, len, "%s/%s", x.be->addr, x.be->schema);
    return snprintf(dst, len, "%s:%d/%s", x.sh->primary.host, x.sh->primary.port, x.sh->schema);
}

/* Inside a transaction, would p make it span more than one shard? Fills
 * where with the two places when it would. With autocommit off every
 * statement is inside one (the server opens it implicitly). */
static bool spans_shards(const struct session *s, const struct plan *p, char *where, size_t len)
{
    struct place first = {NULL, NULL}, other;
    if (!s->tx_open && !conns_in_trans(s) && (s->status & PROTO_STATUS_AUTOCOMMIT))
        return false;
    for (int i = 0; i < s->nconns + p->ntargets; i++) {
        if (i < s->nconns && !(s->conns[i]->status & PROTO_STATUS_IN_TRANS))
            continue;
        other.be = i < s->nconns ? s->conns[i] : NULL;
        other.sh = i < s->nconns ? NULL : p->targets[i - s->nconns].shard;
        if (first.be == NULL && first.sh == NULL) {
            first = other;
        } else if (!same_place(first, other)) {
            int k = place_name(first, where, len);
            if (k > 0 && (size_t)k < len)
                k += snprintf(where + k, len - (size_t)k, " and ");
            if (k > 0 && (size_t)k < len)
                place_name(other, where + k, len - (size_t)k);
            return true;
        }
    }
    return false;
}

/* The session's READY connections (in_trans: only those inside a
 * transaction) into use[], at most PLAN_MAX_TARGETS; their number. */
static int ready_conns(const struct session *s, struct backend **use, bool in_trans)
{
    int n = 0;
    for (int i = 0; i < s->nconns && n < PLAN_MAX_TARGETS; i++)
        if (s->conns[i]->st == BACKEND_ST_READY &&
            (!in_trans || (s->conns[i]->status & PROTO_STATUS_IN_TRANS)))
            use[n++] = s->conns[i];
    return n;
}

/* Send the text to every connection inside a transaction (each must
 * succeed; a failure on some after success on others is reported as a
 * partial one, naming both: COMMIT under cross_shard_transactions =
 * best_effort). Returns false, sending nothing, when there is none. */
static bool to_open_conns(struct session *s, const char *sql, size_t len)
{
    struct backend *use[PLAN_MAX_TARGETS];
    int n = ready_conns(s, use, true);
    if (n == 0)
        return false;
    struct plan *p = s->w->plan;
    if (plan_same(p, NULL, NULL, n, sql, len) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return true;
    }
    p->flags |= PLAN_F_WRITE;
    run(s, p, RELAY_KIND_QUERY, PROTO_COM_QUERY, use, false);
    return true;
}

void session_after_deadlock(struct session *s)
{
    if (xa_open(s)) {
        log_info("client %s (session %u): deadlock on a shard: rolling the XA transaction back "
                 "on every branch",
                 s->peer, s->id);
        xa_end(s, false, false);
        return;
    }
    struct backend *use[PLAN_MAX_TARGETS];
    int n = ready_conns(s, use, true);
    s->tx_open = false;
    s->status &= (uint16_t)~PROTO_STATUS_IN_TRANS;
    if (n == 0)
        return;
    log_info("client %s (session %u): deadlock on a shard: rolling the transaction back on %d "
             "connection%s",
             s->peer, s->id, n, n == 1 ? "" : "s");
    session_run_silent(s, use, n, "ROLLBACK", false);
}

void session_run_silent(struct session *s, struct backend *const *use, int n, const char *sql,
                        bool keep_command)
{
    struct plan *p = s->w->plan;
    if (plan_same(p, NULL, NULL, n, sql, strlen(sql)) == -1) {
        session_fail(s); /* cannot end what the router started: end the session */
        return;
    }
    struct exec_opts o = {.kind = RELAY_KIND_QUERY,
                          .com = PROTO_COM_QUERY,
                          .use = use,
                          .silent = true,
                          .keep_command = keep_command};
    exec_start(s, p, &o);
}

static bool plain_statement(const char *sql, size_t len, const char *word);

/* COMMIT / ROLLBACK in a sharded keyspace: to the connections in a
 * transaction, or answered here when the transaction never touched a
 * shard. */
static void end_transaction(struct session *s, const char *sql, size_t len, bool commit)
{
    if (xa_open(s)) {
        if (!plain_statement(sql, len, commit ? "commit" : "rollback")) {
            session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                              "in keyspace '%s' (cross_shard_transactions = twopc) a transaction "
                              "ends with a plain COMMIT or ROLLBACK: AND CHAIN and RELEASE are "
                              "not supported",
                              s->ks ? s->ks->name : "?");
            return;
        }
        xa_end(s, commit, true);
        return;
    }
    s->tx_open = false;
    if (!to_open_conns(s, sql, len)) {
        s->status &= (uint16_t)~PROTO_STATUS_IN_TRANS;
        session_reply_ok(s, NULL);
    }
}

/* Is the text (one statement) exactly `word` or `word WORK` (any case,
 * spaces, an ending ';')? With word "begin", START TRANSACTION also is. */
static bool plain_statement(const char *sql, size_t len, const char *word)
{
    char norm[64];
    size_t k = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        char c = sql[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';') {
            space = k > 0;
            continue;
        }
        if (k + 2 >= sizeof(norm))
            return false;
        if (space)
            norm[k++] = ' ';
        space = false;
        norm[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    norm[k] = '\0';
    char work[32];
    snprintf(work, sizeof(work), "%s work", word);
    return strcmp(norm, word) == 0 || strcmp(norm, work) == 0 ||
           (strcmp(word, "begin") == 0 && strcmp(norm, "start transaction") == 0);
}

/* SAVEPOINT, ROLLBACK TO, RELEASE SAVEPOINT in a sharded keyspace: to every
 * connection of the transaction. */
static void savepoint(struct session *s, const char *sql, size_t len)
{
    if (to_open_conns(s, sql, len))
        return;
    session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                      "savepoints in sharded keyspace '%s' must follow a statement of the "
                      "transaction that touched a shard (the router opens the transaction on a "
                      "shard at its first statement)",
                      s->ks ? s->ks->name : "");
}

/* BEGIN in a sharded keyspace: nothing to send until a statement picks its
 * shard; the BEGIN goes there first. */
static void begin_lazily(struct session *s, const char *sql, size_t len)
{
    if (xa_keyspace(s) && !plain_statement(sql, len, "begin")) {
        session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                          "in keyspace '%s' (cross_shard_transactions = twopc) transactions are "
                          "XA transactions, which take no characteristics: use BEGIN or START "
                          "TRANSACTION without READ ONLY, READ WRITE or WITH CONSISTENT SNAPSHOT",
                          s->ks->name);
        return;
    }
    if (len >= sizeof(s->tx_begin)) {
        session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                          "this BEGIN / START TRANSACTION statement is too long for the router "
                          "(over %zu bytes)",
                          sizeof(s->tx_begin) - 1);
        return;
    }
    memcpy(s->tx_begin, sql, len);
    s->tx_begin[len] = '\0';
    s->tx_open = true;
    s->tx_read_only = (s->w->cls->flags & CLS_F_TX_READ_ONLY) != 0;
    s->status |= PROTO_STATUS_IN_TRANS;
    session_reply_ok(s, NULL);
}

/* ---- SET ------------------------------------------------------------------ */

/* A replayable SET: run on every connection of the session (or, with none
 * yet, on the one its statements would use), and kept for connections
 * opened later. */
static void set_everywhere(struct session *s, const char *sql, size_t len,
                           const struct shardmap_keyspace *ks)
{
    struct backend *use[PLAN_MAX_TARGETS];
    int n = ready_conns(s, use, false);
    struct plan *p = s->w->plan;
    int rc;
    if (n > 0) {
        rc = plan_same(p, NULL, NULL, n, sql, len);
    } else {
        if (ks == NULL) {
            session_reply_err(s, PROTO_ER_NO_DB, "3D000",
                              "No database selected (and the shard map has no unsharded "
                              "keyspace to run this SET on); select a keyspace with USE");
            return;
        }
        const struct shardmap_shard *sh = &ks->shards[0];
        rc = plan_same(p, s->ks, &sh, 1, sql, len);
    }
    if (rc == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    run(s, p, RELAY_KIND_QUERY, PROTO_COM_QUERY, n > 0 ? use : NULL, true);
}

/* ---- the way in ----------------------------------------------------------- */

/* Multi-statement text, or a session without a keyspace: the whole text to
 * one shard, unchanged (an unsharded keyspace, or the default one without a
 * database selected). */
static void whole_text(struct session *s, const struct query_look *q, const char *sql, size_t len)
{
    const struct shardmap_keyspace *ks = s->ks ? s->ks : session_default_keyspace(s);
    if (ks == NULL) {
        session_reply_err(s, PROTO_ER_NO_DB, "3D000",
                          "No database selected (and the shard map has no unsharded keyspace to "
                          "send statements without one to); select a keyspace with USE");
        return;
    }
    if (ks->sharded) {
        session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                          "keyspace '%s' is sharded: send its statements one at a time, not "
                          "several in one query (shard map version %llu)",
                          ks->name, (unsigned long long)s->map->version);
        return;
    }
    const struct shardmap_shard *sh = &ks->shards[0];
    struct plan *p = s->w->plan;
    if (plan_same(p, s->ks, &sh, 1, sql, len) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    if (q->stateful)
        s->dirty = true;
    pin(s, q->pins);
    run(s, p, RELAY_KIND_QUERY, PROTO_COM_QUERY, NULL, false);
}

static bool refuse_special(struct session *s, const struct query_look *q, const char *sql,
                           size_t len)
{
    const struct config *cfg = s->w->router->cfg;
    if (q->load_local && !cfg->allow_local_infile) {
        session_reply_err(s, PROTO_ER_NOT_ALLOWED_COMMAND, "42000",
                          "LOAD DATA LOCAL INFILE is disabled in shardrouter; set "
                          "allow_local_infile = true in its configuration to allow it");
        return true;
    }
    if (q->load_local && !(s->caps & PROTO_CAP_LOCAL_FILES)) {
        /* The server would ask this client for a file it cannot send. */
        session_reply_err(s, PROTO_ER_NOT_ALLOWED_COMMAND, "42000",
                          "LOAD DATA LOCAL INFILE: the client did not enable local infile "
                          "(CLIENT_LOCAL_FILES); enable it in the client's connection options");
        return true;
    }
    if (q->use) {
        session_init_db(s, q->db, strlen(q->db));
        return true;
    }
    if (q->kill) {
        struct stmt_peek pk;
        stmt_peek(sql, len, 0, &pk);
        if (pk.kill_mappable && q->nstmts == 1)
            session_kill(s, pk.kill_id, pk.kill_query);
        else
            session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                              "shardrouter translates only KILL [CONNECTION | QUERY] <connection "
                              "id>, alone in its query (all client connections share server "
                              "accounts, so KILL USER, KILL QUERY ID and server thread ids cannot "
                              "be passed on)");
        return true;
    }
    return false;
}

/* Plan one classified statement for the session into the worker's plan
 * (seq_count ids from seq_first for INSERT rows without their key). */
static struct plan *plan_for(struct session *s, const struct cls *c, const char *sql, size_t len,
                             uint64_t seq_first, uint32_t seq_count)
{
    const struct config *cfg = s->w->router->cfg;
    struct plan *p = s->w->plan;
    struct plan_env env = {.map = s->map,
                           .ks = s->ks,
                           .lexflags = 0,
                           .max_scatter_shards = cfg->max_scatter_shards,
                           .scatter_writes = cfg->scatter_writes,
                           .prefer_ks = NULL,
                           .prefer_shard = -1,
                           .seq_first = seq_first,
                           .seq_count = seq_count};
    /* Inside a transaction, what any shard answers goes to one it uses. */
    for (int i = 0; i < s->nconns && s->ks != NULL && s->ks->sharded && env.prefer_ks == NULL;
         i++) {
        const struct backend *be = s->conns[i];
        if (be->st != BACKEND_ST_READY || !(be->status & PROTO_STATUS_IN_TRANS))
            continue;
        for (int k = 0; k < s->ks->nshards; k++) {
            const struct shardmap_shard *sh = &s->ks->shards[k];
            if (conns_addr_is(be->addr, sh) && strcmp(sh->schema, be->schema) == 0) {
                env.prefer_ks = s->ks;
                env.prefer_shard = k;
                break;
            }
        }
    }
    plan_build(p, c, sql, len, &env);
    return p;
}

/* `name`, with backquotes doubled, into dst (cut at cap). */
static void quote_ident(const char *name, char *dst, size_t cap)
{
    size_t k = 0;
    dst[k++] = '`';
    for (; *name != '\0' && k + 3 < cap; name++) {
        if (*name == '`')
            dst[k++] = '`';
        dst[k++] = *name;
    }
    dst[k++] = '`';
    dst[k] = '\0';
}

/* Reserve a block of ids from table st's sequence (at least need), then
 * run the client's command again (see sequence.h). */
static void reserve_ids(struct session *s, const struct shardmap_table *st, uint32_t need)
{
    const struct shardmap_keyspace *ks = shardmap_keyspace(s->map, st->seq_keyspace);
    if (ks == NULL || ks->sharded) { /* the map loader checks this */
        session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                          "sequence %s.%s is not in an unsharded keyspace of shard map version "
                          "%llu",
                          st->seq_keyspace, st->seq_table, (unsigned long long)s->map->version);
        return;
    }
    const struct shardmap_shard *sh = &ks->shards[0];
    uint64_t k = (uint64_t)s->w->router->cfg->sequence_block;
    if (k < need)
        k = need;
    char sql[1200], schema[520], table[520];
    quote_ident(sh->schema, schema, sizeof(schema));
    quote_ident(st->seq_table, table, sizeof(table));
    int n = snprintf(sql, sizeof(sql),
                     "UPDATE %s.%s SET next_id = LAST_INSERT_ID(next_id + %llu) WHERE id = 0",
                     schema, table, (unsigned long long)k);
    struct plan *p = s->w->plan;
    if (n < 0 || (size_t)n >= sizeof(sql) || plan_same(p, ks, &sh, 1, sql, (size_t)n) == -1) {
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    struct exec_opts o = {.kind = RELAY_KIND_QUERY,
                          .com = PROTO_COM_QUERY,
                          .silent = true,
                          .keep_command = true,
                          .seq = st,
                          .seq_k = k,
                          .outside_tx = true};
    exec_start(s, p, &o);
}

static bool last_insert_id_query(const struct session *s, const struct cls *c);
static void answer_last_insert_id(struct session *s, const struct cls *c);

/* A read a replica may serve: a SELECT that writes nothing, locks
 * nothing, has no side effect, leaves no state behind nor reads state an
 * earlier statement left (FOUND_ROWS(), LAST_INSERT_ID()), is fully
 * understood, and does not carry the hint shardrouter:primary (in a
 * comment, usually). User variables set with SET are on every connection. */
static bool plain_read(const struct cls *c, const char *sql, size_t len)
{
    static const char hint[] = "shardrouter:primary";
    if (c->kind != CLS_SELECT ||
        /* functions with side effects set PRIMARY too, but SLEEP() */
        (c->flags &
         (CLS_F_WRITE | CLS_F_PRIMARY | CLS_F_PARTIAL | CLS_F_LOCKING_READ | CLS_F_INTO)) ||
        (c->session & ~(uint32_t)CLS_S_USER_VAR_READ))
        return false;
    return memmem(sql, len, hint, sizeof(hint) - 1) == NULL;
}

/* One statement through the planner. */
static void planned(struct session *s, const struct cls *c, const char *sql, size_t len)
{
    if (last_insert_id_query(s, c)) {
        answer_last_insert_id(s, c);
        return;
    }
    struct plan *p = plan_for(s, c, sql, len, 0, 0);
    if (p->kind == PLAN_ROUTE && (p->flags & PLAN_F_NEED_IDS)) {
        const struct shardmap_table *st = p->seq;
        uint32_t need = p->need_ids;
        uint64_t first;
        if (s->seq_held == need && s->seq_held_table == st) {
            first = s->seq_held_first; /* the same command, after connecting */
        } else if (!seq_take(&s->w->seqs, st->seq_keyspace, st->seq_table, need, &first)) {
            reserve_ids(s, st, need);
            return;
        }
        s->seq_held_table = st;
        s->seq_held_first = first;
        s->seq_held = need;
        p = plan_for(s, c, sql, len, first, need);
    }
    if (p->kind == PLAN_REFUSE) {
        session_reply_err(s, p->err_code, p->err_state, "%s", p->err_msg);
        return;
    }
    if (plain_read(c, sql, len))
        p->flags |= PLAN_F_REPLICA_OK;
    const struct shardmap_keyspace *ks = p->ks ? p->ks : s->ks;
    if (ks != NULL && ks->sharded) {
        const char *what = pinning_effect(c);
        if (what != NULL) {
            session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                              "%s cannot be used in sharded keyspace '%s': the session's "
                              "statements run on several connections (shard map version %llu)",
                              what, ks->name, (unsigned long long)s->map->version);
            return;
        }
    }
    char where[820];
    bool refuse = ks == NULL || !ks->sharded || ks->cross_shard == SHARDMAP_XSHARD_REFUSE;
    if (refuse && p->ntargets > 0 && spans_shards(s, p, where, sizeof(where))) {
        bool implicit = !(s->status & PROTO_STATUS_AUTOCOMMIT);
        session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                          "this statement would make the open transaction span shards (%s); "
                          "cross_shard_transactions = refuse: COMMIT first, or run it outside "
                          "the transaction%s",
                          where,
                          implicit ? " (autocommit is off, so every statement is in a "
                                     "transaction: SET autocommit = 1 for statements that span "
                                     "shards)"
                                   : "");
        return;
    }
    if (p->ntargets == 0) {
        /* Statements the planner leaves to the router that none of the
         * paths above took: never pretend they ran. */
        session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                          "shardrouter cannot run this statement here (shard map version %llu)",
                          (unsigned long long)s->map->version);
        return;
    }
    run(s, p, RELAY_KIND_QUERY, PROTO_COM_QUERY, NULL, false);
    if (s->st != SESSION_ST_CONNECTING)
        s->seq_held = 0; /* the ids are the statement's now */
}

/* ---- result sets the router answers itself -------------------------------- */

/* Column count and definitions (VARCHAR, or BIGINT UNSIGNED with num), and
 * the classic EOF after them. Returns 0 or -1. */
static int local_header(struct session *s, uint8_t *seq, const char *const *names,
                        const size_t *lens, bool num, int n)
{
    size_t h = proto_begin(&s->out);
    if (h == (size_t)-1 || proto_add_lenenc(&s->out, (uint64_t)n) != 0)
        return -1;
    proto_end(&s->out, h, (*seq)++);
    for (int i = 0; i < n; i++)
        if (proto_write_coldef(&s->out, (*seq)++, names[i], lens[i], num) == -1)
            return -1;
    if (!(s->caps & PROTO_CAP_DEPRECATE_EOF) && proto_write_eof(&s->out, (*seq)++, 0, s->status))
        return -1;
    return 0;
}

/* SELECT LAST_INSERT_ID() (alone, no table) in a sharded keyspace: the
 * first key a sequence gave the session's last INSERT (the shards never
 * generated it). */
static bool last_insert_id_query(const struct session *s, const struct cls *c)
{
    static const char want[] = "last_insert_id()";
    if (s->ks == NULL || (!s->ks->sharded && !s->hold_lost) || c->kind != CLS_SELECT ||
        c->ntables != 0 || c->nitems != 1 || (c->flags & CLS_F_PARTIAL))
        return false;
    const struct cls_span e = c->items[0].expr;
    size_t k = 0;
    for (size_t i = 0; i < e.len; i++) {
        char ch = e.p[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (k >= sizeof(want) - 1 || ch != want[k])
            return false;
        k++;
    }
    return k == sizeof(want) - 1;
}

static void answer_last_insert_id(struct session *s, const struct cls *c)
{
    const struct cls_item *it = &c->items[0];
    const char *name = it->alias.len ? it->alias.p : it->expr.p;
    size_t len = it->alias.len ? it->alias.len : it->expr.len;
    char nm[256], v[24];
    /* an alias as written may be quoted: the column name is without */
    if (len >= 2 && (name[0] == '`' || name[0] == '"' || name[0] == '\'')) {
        name++;
        len -= 2;
    }
    snprintf(nm, sizeof(nm), "%.*s", (int)(len < 255 ? len : 255), name);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)s->last_insert_id);
    uint8_t seq = s->cmd_seq;
    size_t mark = s->out.len;
    const char *names[1] = {nm};
    size_t lens[1] = {strlen(nm)};
    const char *vals[1] = {v};
    if (local_header(s, &seq, names, lens, true, 1) == -1 ||
        proto_write_text_row(&s->out, seq++, vals, 1) == -1 ||
        proto_write_end(&s->out, seq++, s->caps, 0, s->status) == -1) {
        s->out.len = mark;
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    session_command_done_local(s);
}

/* ---- EXPLAIN ROUTE ------------------------------------------------------- */

/* Where the statement of "EXPLAIN ROUTE <statement>" starts, or 0 when the
 * text is not one. */
static size_t explain_route_at(const char *sql, size_t len)
{
    struct sqllex lx;
    struct sqltok a, b;
    sqllex_init(&lx, sql, len, 0);
    sqllex_next(&lx, &a);
    if (!sqltok_is(&a, "EXPLAIN"))
        return 0;
    sqllex_next(&lx, &b);
    if (!sqltok_is(&b, "ROUTE"))
        return 0;
    return (size_t)(b.p + b.len - sql);
}

struct explain_out {
    struct session *s;
    uint8_t seq;
};

static int explain_row(void *ctx, const char *name, const char *value)
{
    struct explain_out *o = ctx;
    const char *v[2] = {name, value};
    return proto_write_text_row(&o->s->out, o->seq++, v, 2);
}

/* The plan of the statement as a result set (property, value); nothing
 * runs. */
static void explain_route(struct session *s, const char *sql, size_t len)
{
    struct cls *c = s->w->cls;
    size_t pos = 0, start, n;
    if (cls_next_statement(sql, len, 0, &pos, &start, &n) != 1) {
        session_reply_err(s, PROTO_ER_PARSE, "42000",
                          "EXPLAIN ROUTE needs a statement after it: EXPLAIN ROUTE SELECT ...");
        return;
    }
    classify(c, sql + start, n, 0, lookup_sharded, s);
    struct plan *p = plan_for(s, c, sql + start, n, 0, 0);
    struct explain_out o = {.s = s, .seq = s->cmd_seq};
    size_t mark = s->out.len;
    static const char *const names[2] = {"property", "value"};
    static const size_t lens[2] = {8, 5};
    int rc = local_header(s, &o.seq, names, lens, false, 2);
    rc |= rc ? 0 : plan_explain(p, c, s->map, explain_row, &o);
    rc |= rc ? 0 : proto_write_end(&s->out, o.seq++, s->caps, 0, s->status);
    if (rc) {
        s->out.len = mark;
        session_reply_err(s, PROTO_ER_OUT_OF_RESOURCES, "HY000", "Out of memory");
        return;
    }
    session_command_done_local(s);
}

/* SET [SESSION] shardrouter_consistency = 'eventual' | 'session' |
 * 'primary' (also @@, @@session.): the router's own session variable.
 * Returns true when the text names it (answered here). */
static bool consistency_set(struct session *s, const char *sql, size_t len)
{
    static const char var[] = "shardrouter_consistency";
    if (len < sizeof(var) || memmem(sql, len, var, sizeof(var) - 1) == NULL)
        return false;
    char t[160];
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < sizeof(t); i++) {
        char c = sql[i];
        if (c == '\t' || c == '\n' || c == '\r')
            c = ' ';
        if (c == ' ' && (k == 0 || t[k - 1] == ' '))
            continue;
        t[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    while (k > 0 && (t[k - 1] == ' ' || t[k - 1] == ';'))
        k--;
    t[k] = '\0';
    const char *p = t;
    if (strncmp(p, "set ", 4) != 0)
        return false; /* named elsewhere (a SELECT, a comment): the server answers */
    p += 4;
    static const char *const scopes[] = {"session ", "local ", "@@session.", "@@local.", "@@"};
    for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
        if (strncmp(p, scopes[i], strlen(scopes[i])) == 0) {
            p += strlen(scopes[i]);
            break;
        }
    enum consistency c;
    const char *v = NULL;
    size_t vn = 0;
    if (strncmp(p, var, sizeof(var) - 1) == 0) {
        p += sizeof(var) - 1;
        while (*p == ' ')
            p++;
        if (*p == ':')
            p++;
        if (*p == '=') {
            p++;
            while (*p == ' ')
                p++;
            v = p;
            vn = strlen(p);
            if (vn >= 2 && (v[0] == '\'' || v[0] == '"') && v[vn - 1] == v[0]) {
                v++;
                vn -= 2;
            }
        }
    }
    if (v == NULL || config_consistency(v, vn, &c) == -1) {
        session_reply_err(s, PROTO_ER_WRONG_VALUE_FOR_VAR, "42000",
                          "shardrouter_consistency is set with SET [SESSION] "
                          "shardrouter_consistency = 'eventual' | 'session' | 'primary', alone "
                          "in its statement");
        return true;
    }
    s->consistency = c;
    session_reply_ok(s, NULL);
    return true;
}

void session_query(struct session *s, const uint8_t *text, size_t len)
{
    const char *sql = (const char *)text;
    struct query_look q;
    size_t at = explain_route_at(sql, len);
    if (at > 0) {
        explain_route(s, sql + at, len - at);
        return;
    }
    if (consistency_set(s, sql, len))
        return;
    look(s, sql, len, &q);
    if (s->holding && !q.depends) {
        /* the last write's connections: nothing here reads what it left */
        s->holding = false;
        conns_release(s);
    }
    s->holding = q.holds;
    if (q.holds)
        s->hold_lost = false;
    if (refuse_special(s, &q, sql, len) || session_refuse_lost_keyspace(s))
        return;
    const struct cls *c = s->w->cls;
    const struct shardmap_keyspace *ks = s->ks ? s->ks : session_default_keyspace(s);
    bool sharded = s->ks != NULL && s->ks->sharded;
    if (q.nstmts != 1 || (s->ks == NULL && !q.qualified)) {
        whole_text(s, &q, sql, len);
        return;
    }
    switch (c->kind) {
    case CLS_SET:
        if (replayable_set(c)) {
            set_everywhere(s, sql, len, ks);
            return;
        }
        break;
    case CLS_BEGIN:
        if (!sharded &&
            !(s->tx_open ||
              ((c->flags & CLS_F_TX_READ_ONLY) && ks != NULL && ks->shards[0].nreplicas > 0 &&
               s->consistency != CONSISTENCY_PRIMARY && !s->pinned && !conns_in_trans(s) &&
               (s->status & PROTO_STATUS_AUTOCOMMIT))))
            break; /* one server holds the transaction (a read-only one may be a replica) */
        if (xa_open(s)) {
            session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                              "BEGIN inside an open transaction of keyspace '%s' "
                              "(cross_shard_transactions = twopc): COMMIT or ROLLBACK it first",
                              s->ks->name);
            return;
        }
        /* BEGIN inside a transaction commits it first, on each shard. */
        if (to_open_conns(s, sql, len)) {
            s->tx_open = false;
            return;
        }
        begin_lazily(s, sql, len);
        return;
    case CLS_COMMIT:
    case CLS_ROLLBACK:
        if (sharded || s->tx_open) {
            end_transaction(s, sql, len, c->kind == CLS_COMMIT);
            return;
        }
        break;
    case CLS_SAVEPOINT:
    case CLS_ROLLBACK_TO:
    case CLS_RELEASE_SAVEPOINT:
        if (sharded || s->tx_open) {
            savepoint(s, sql, len);
            return;
        }
        break;
    case CLS_XA:
        if (sharded) {
            session_reply_err(s, PROTO_ER_NOT_SUPPORTED_YET, "42000",
                              "XA statements cannot be used in sharded keyspace '%s': a "
                              "transaction there may span several shards, each its own XA "
                              "branch (shard map version %llu)",
                              s->ks->name, (unsigned long long)s->map->version);
            return;
        }
        break;
    default:
        break;
    }
    if (!sharded && (c->kind == CLS_BEGIN || c->kind == CLS_COMMIT || c->kind == CLS_ROLLBACK ||
                     c->kind == CLS_SAVEPOINT || c->kind == CLS_ROLLBACK_TO ||
                     c->kind == CLS_RELEASE_SAVEPOINT || c->kind == CLS_XA)) {
        /* One server holds the transaction: it handles them itself. */
        whole_text(s, &q, sql, len);
        return;
    }
    if (!sharded && q.stateful)
        s->dirty = true;
    if (!sharded)
        pin(s, q.pins);
    planned(s, c, sql, len);
}
