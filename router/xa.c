/* xa — the transactions of a keyspace with cross_shard_transactions =
 * twopc: each shard connection a transaction touches is an XA branch,
 * opened with XA START at its first statement (exec.c asks xa_start_sql);
 * COMMIT and ROLLBACK run the XA protocol on them, step after step, each
 * step a silent exec whose continuation is the next step. See
 * include/twopc.h for the protocol and the decision log. */
#include "xa.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "exec.h"
#include "log.h"
#include "plan.h"
#include "router.h"
#include "session_int.h"
#include "twopc.h"

enum xa_step {
    XA_ST_NONE,
    XA_ST_END,       /* XA END on every branch */
    XA_ST_ONE_PHASE, /* XA COMMIT ... ONE PHASE (one branch) */
    XA_ST_PREPARE,   /* XA PREPARE on every branch */
    XA_ST_COMMIT,    /* decided: XA COMMIT on every branch */
    XA_ST_ROLLBACK,  /* XA ROLLBACK on every branch */
};

struct xa {
    char gtrid[TWOPC_GTRID_MAX + 1]; /* the open transaction's, "" when none */
    unsigned branches;               /* branch qualifiers given so far */
    enum xa_step step;
    bool reply;         /* the client waits for the outcome (its COMMIT or ROLLBACK) */
    bool prepare_sent;  /* a branch may be prepared: one left behind needs recovery */
    bool decided;       /* the commit point is passed */
    bool commit;        /* ending with COMMIT (else ROLLBACK) */
    bool lost_prepared; /* a branch was lost or failed after XA PREPARE went out */
    uint16_t err_code;  /* the client's answer, when not OK */
    char err_state[6];
    char err_msg[480];
    int gathered; /* branches at COMMIT */
    int n;
    struct backend *be[PLAN_MAX_TARGETS];
};

static struct twopc *tp_of(const struct session *s)
{
    return s->w->router->twopc;
}

bool xa_keyspace(const struct session *s)
{
    return s->ks != NULL && s->ks->sharded && s->ks->cross_shard == SHARDMAP_XSHARD_TWOPC &&
           tp_of(s) != NULL;
}

bool xa_open(const struct session *s)
{
    return s->xa != NULL && s->xa->gtrid[0] != '\0';
}

void xa_free(struct session *s)
{
    free(s->xa);
    s->xa = NULL;
}

size_t xa_start_sql(struct session *s, struct backend *be, char *dst)
{
    if (s->xa == NULL && (s->xa = calloc(1, sizeof(*s->xa))) == NULL)
        return 0;
    struct xa *xa = s->xa;
    if (xa->gtrid[0] == '\0') {
        twopc_new_gtrid(tp_of(s), xa->gtrid);
        xa->branches = 0;
    }
    be->xa_branch = ++xa->branches;
    return twopc_xid_sql(dst, "XA START", xa->gtrid, be->xa_branch, "");
}

/* ---- steps -------------------------------------------------------------- */

typedef void (*xa_then)(struct session *s);

/* The transaction is over: forget it, and answer the client. */
static void finish(struct session *s)
{
    struct xa *xa = s->xa;
    xa->gtrid[0] = '\0';
    xa->step = XA_ST_NONE;
    xa->n = 0;
    for (int i = 0; i < s->nconns; i++)
        s->conns[i]->xa_branch = 0;
    s->tx_open = false;
    s->status &= (uint16_t)~PROTO_STATUS_IN_TRANS;
    if (!xa->reply)
        return;
    xa->reply = false;
    if (xa->err_code != 0)
        session_reply_err(s, xa->err_code, xa->err_state, "%s", xa->err_msg);
    else
        session_reply_ok(s, NULL);
}

/* The client's answer will be this error (the first one set wins). */
static void set_error(struct xa *xa, uint16_t code, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_error(struct xa *xa, uint16_t code, const char *state, const char *fmt, ...)
{
    if (xa->err_code != 0)
        return;
    xa->err_code = code;
    snprintf(xa->err_state, sizeof(xa->err_state), "%s", state);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(xa->err_msg, sizeof(xa->err_msg), fmt, ap);
    va_end(ap);
}

/* Send "<verb> <xid><suffix>" to every branch in xa->be; then runs when
 * all answered. */
static void step(struct session *s, enum xa_step st, const char *verb, const char *suffix,
                 xa_then then)
{
    struct xa *xa = s->xa;
    char texts[PLAN_MAX_TARGETS][TWOPC_XID_SQL_MAX];
    const char *tv[PLAN_MAX_TARGETS];
    size_t lens[PLAN_MAX_TARGETS];
    xa->step = st;
    for (int i = 0; i < xa->n; i++) {
        unsigned branch = xa->be[i]->xa_branch;
        if (st == XA_ST_PREPARE && i == xa->n - 1 && twopc_fault(tp_of(s), "twopc-fail-prepare"))
            branch = 999999; /* no such branch: XAER_NOTA */
        lens[i] = twopc_xid_sql(texts[i], verb, xa->gtrid, branch, suffix);
        tv[i] = texts[i];
    }
    struct plan *p = s->w->plan;
    if (plan_texts(p, xa->n, tv, lens) == -1) {
        session_fail(s); /* the connections go: the servers roll back what is not prepared */
        return;
    }
    struct exec_opts o = {.kind = RELAY_KIND_QUERY,
                          .com = PROTO_COM_QUERY,
                          .use = xa->be,
                          .silent = true,
                          .then = then};
    exec_start(s, p, &o);
}

static int ok_count(const enum exec_result *res, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += res[i] == EXEC_R_OK;
    return k;
}

/* The first failure of a step. */
struct outcome {
    char why[300]; /* "shard <name>: <message>" */
    uint16_t code;
    char state[6];
};

/* The answers of the last step: keeps in xa->be the branches that
 * answered OK (ok_only) or that are still connected; drops the lost ones.
 * Returns how many answered OK; o gets the first failure. */
static int results(struct session *s, bool ok_only, struct outcome *o)
{
    char *first = o->why;
    size_t flen = sizeof(o->why);
    uint16_t *code = &o->code;
    char *state = o->state;
    o->code = 0;
    o->state[0] = '\0';
    struct xa *xa = s->xa;
    struct backend *be[PLAN_MAX_TARGETS];
    enum exec_result res[PLAN_MAX_TARGETS];
    int n = exec_results(s, be, res, PLAN_MAX_TARGETS), ok = 0, keep = 0;
    first[0] = '\0';
    if (xa->prepare_sent && n > ok_count(res, n))
        xa->lost_prepared = true;
    for (int i = 0; i < n; i++) {
        if (res[i] == EXEC_R_OK)
            ok++;
        else if (first[0] == '\0')
            exec_first_error(s, first, flen, code, state);
        if (res[i] == EXEC_R_LOST) {
            conns_drop(s, be[i]);
            continue;
        }
        if (res[i] == EXEC_R_OK || !ok_only)
            xa->be[keep++] = be[i];
        else
            conns_drop(s, be[i]); /* its branch is in an unknown state: the server ends it */
    }
    xa->n = keep;
    return ok;
}

/* A COMMIT that failed before the decision: rolled back everywhere. A
 * deadlock or lock wait timeout keeps its code (applications retry on
 * them); anything else is error 1180. */
static void set_commit_failed(struct xa *xa, const struct outcome *o, const char *at)
{
    uint16_t code = o->code;
    const char *state = o->state, *why = o->why;
    if (code == PROTO_ER_LOCK_DEADLOCK || code == PROTO_ER_XA_RBDEADLOCK)
        set_error(xa, PROTO_ER_LOCK_DEADLOCK, "40001",
                  "Deadlock found when trying to get lock; try restarting transaction (%s: %s; "
                  "the transaction was rolled back on every shard)",
                  at, why);
    else if (code == PROTO_ER_LOCK_WAIT_TIMEOUT)
        set_error(xa, code, state,
                  "Lock wait timeout exceeded; try restarting transaction (%s: %s; the "
                  "transaction was rolled back on every shard)",
                  at, why);
    else
        set_error(xa, PROTO_ER_ERROR_DURING_COMMIT, "HY000",
                  "Got an error during COMMIT, at %s: %s; the transaction was rolled back on "
                  "every shard",
                  at, why);
}

static void after_rollback(struct session *s);
static void after_end(struct session *s);
static void after_one_phase(struct session *s);
static void after_prepare(struct session *s);
static void after_commit(struct session *s);

/* Roll back every branch still connected, then answer. */
static void abort_all(struct session *s)
{
    if (s->xa->n == 0) {
        after_rollback(s);
        return;
    }
    step(s, XA_ST_ROLLBACK, "XA ROLLBACK", "", after_rollback);
}

static void after_rollback(struct session *s)
{
    struct xa *xa = s->xa;
    struct outcome o;
    bool left = false;
    if (xa->step == XA_ST_ROLLBACK) {
        int n = xa->n;
        int ok = results(s, true, &o);
        if (ok < n) {
            /* Dropped: a branch not prepared is rolled back by its server;
             * a prepared one stays, for recovery. */
            log_warn("client %s (session %u): XA ROLLBACK of %s failed on %d branch%s (%s); "
                     "their connections are closed",
                     s->peer, s->id, xa->gtrid, n - ok, n - ok == 1 ? "" : "es", o.why);
            left = true;
        }
    }
    /* Lost during XA PREPARE, or not rolled back: maybe prepared still. */
    if (xa->prepare_sent && (left || xa->lost_prepared))
        twopc_abort_left(tp_of(s), xa->gtrid);
    finish(s);
}

/* The branches of the transaction: the session's connections with a
 * branch. Connections inside a transaction without one cannot be part of
 * it: they are dropped (their server rolls them back) and the COMMIT fails. */
static void gather(struct session *s)
{
    struct xa *xa = s->xa;
    xa->n = 0;
    xa->err_code = 0;
    xa->prepare_sent = xa->decided = xa->lost_prepared = false;
    for (int i = 0; i < s->nconns;) {
        struct backend *be = s->conns[i];
        if (be->st == BACKEND_ST_READY && be->xa_branch != 0 && xa->n < PLAN_MAX_TARGETS) {
            xa->be[xa->n++] = be;
            i++;
        } else if (be->st == BACKEND_ST_READY && (be->status & PROTO_STATUS_IN_TRANS)) {
            set_error(xa, PROTO_ER_ERROR_DURING_COMMIT, "HY000",
                      "the transaction was rolled back on every shard: shard %s has a "
                      "transaction that was not opened as a branch of it (XA START)",
                      be->shard);
            conns_drop(s, be);
        } else {
            i++;
        }
    }
    xa->gathered = xa->n;
}

void xa_end(struct session *s, bool commit, bool reply)
{
    struct xa *xa = s->xa;
    gather(s);
    xa->reply = reply;
    xa->commit = commit && xa->err_code == 0;
    if (xa->n == 0) {
        finish(s);
        return;
    }
    step(s, XA_ST_END, "XA END", "", after_end);
}

static void after_end(struct session *s)
{
    struct xa *xa = s->xa;
    struct outcome o;
    int n = xa->n;
    if (!xa->commit) {
        /* ROLLBACK: a branch the server rolled back already (a deadlock)
         * answers XA END with an error and still needs XA ROLLBACK. */
        results(s, false, &o);
        abort_all(s);
        return;
    }
    if (results(s, true, &o) < n) {
        set_commit_failed(xa, &o, "XA END");
        abort_all(s);
        return;
    }
    if (xa->n == 1) {
        step(s, XA_ST_ONE_PHASE, "XA COMMIT", " ONE PHASE", after_one_phase);
        return;
    }
    xa->prepare_sent = true;
    step(s, XA_ST_PREPARE, "XA PREPARE", "", after_prepare);
}

static void after_one_phase(struct session *s)
{
    struct xa *xa = s->xa;
    struct outcome o;
    struct backend *be[1];
    enum exec_result res[1];
    exec_results(s, be, res, 1);
    if (res[0] == EXEC_R_LOST) {
        /* As a plain COMMIT whose connection breaks: nobody can tell. */
        set_error(xa, PROTO_ER_NET_READ_ERROR, "08S01",
                  "Lost connection to shard %s (%s) during COMMIT: whether the transaction "
                  "committed there is unknown",
                  be[0]->shard, be[0]->addr);
        results(s, true, &o);
    } else if (results(s, true, &o) == 0) {
        /* The server rolled the branch back (its connection is closed:
         * whatever is left of the branch goes with it). */
        set_error(xa, o.code, o.state, "%s", o.why);
    }
    finish(s);
}

static void after_prepare(struct session *s)
{
    struct xa *xa = s->xa;
    struct twopc *tp = tp_of(s);
    struct outcome o;
    char err[600];
    int n = xa->n;
    if (results(s, true, &o) < n) {
        set_commit_failed(xa, &o, "XA PREPARE");
        abort_all(s);
        return;
    }
    if (twopc_fault(tp, "twopc-after-prepare"))
        raise(SIGKILL);
    if (twopc_decide(tp, xa->gtrid, err, sizeof(err)) == -1) {
        log_error("client %s (session %u): %s; rolling transaction %s back", s->peer, s->id, err,
                  xa->gtrid);
        set_error(xa, PROTO_ER_ERROR_DURING_COMMIT, "HY000",
                  "the transaction was rolled back on every shard: %s", err);
        abort_all(s);
        return;
    }
    xa->decided = true;
    if (twopc_fault(tp, "twopc-after-decide"))
        raise(SIGKILL);
    if (twopc_fault(tp, "twopc-lose-branch") && xa->n > 1) {
        /* a branch whose connection breaks after the decision: recovery
         * commits it */
        conns_drop(s, xa->be[--xa->n]);
    }
    step(s, XA_ST_COMMIT, "XA COMMIT", "", after_commit);
}

static void after_commit(struct session *s)
{
    struct xa *xa = s->xa;
    struct outcome o;
    int n = xa->n;
    int ok = results(s, true, &o);
    if (ok == n && n == xa->gathered) {
        twopc_done(tp_of(s), xa->gtrid);
    } else {
        /* Decided: committed it is. The branches not done are prepared on
         * their servers, where recovery commits them. */
        log_warn("client %s (session %u): transaction %s is committed, but %d of its %d "
                 "branches did not answer XA COMMIT (%s); recovery finishes them",
                 s->peer, s->id, xa->gtrid, xa->gathered - ok, xa->gathered,
                 o.why[0] ? o.why : "connection closed");
        twopc_left(tp_of(s), xa->gtrid);
    }
    finish(s);
}

void xa_session_gone(struct session *s)
{
    struct xa *xa = s->xa;
    if (xa == NULL || xa->gtrid[0] == '\0')
        return;
    /* The connections close now: a branch not prepared is rolled back by
     * its server; prepared ones stay, for recovery. */
    if (xa->step != XA_ST_NONE && xa->decided)
        twopc_left(tp_of(s), xa->gtrid);
    else if (xa->step != XA_ST_NONE && xa->prepare_sent)
        twopc_abort_left(tp_of(s), xa->gtrid);
    xa->gtrid[0] = '\0';
    xa->step = XA_ST_NONE;
    xa->reply = false;
}
