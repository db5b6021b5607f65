/*
 * classify_stmt.c — which statement it is: the dispatch on the first word,
 * and the statements that need no parser of their own: transaction control
 * (BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, XA), USE, SHOW,
 * EXPLAIN / DESCRIBE, LOCK / UNLOCK TABLES, PREPARE / EXECUTE /
 * DEALLOCATE, HANDLER, FLUSH, KILL, the server-administration statements,
 * and compound statements (partial).
 */
#include "classify_int.h"

#include <string.h>
#include <strings.h>

/* A bare word without a keyword id of its own. */
static bool word_is(const struct ctok *t, const char *w)
{
    size_t n = strlen(w);
    return t->type == SQLTOK_IDENT && t->len == n && strncasecmp(t->p, w, n) == 0;
}

static void set_kind(struct cx *cx, enum cls_kind k, uint32_t flags, uint32_t session)
{
    cx->out->kind = k;
    cx->out->flags |= flags;
    cx->out->session |= session;
}

/* BEGIN NOT ATOMIC, labels, IF/WHILE/... outside a stored program: not
 * parsed; partial, and the tables the body names are salvaged. */
static void s_compound(struct cx *cx)
{
    set_kind(cx, CLS_OTHER, CLS_F_WRITE, 0);
    cx_partial(cx, "compound statement");
}

static void s_begin(struct cx *cx)
{
    adv(cx);
    accept(cx, KW_WORK);
    if (tok_end(pk(cx, 0))) {
        set_kind(cx, CLS_BEGIN, CLS_F_PRIMARY, CLS_S_TX_BEGIN);
        return;
    }
    s_compound(cx);
}

static void s_start(struct cx *cx)
{
    adv(cx);
    if (!accept(cx, KW_TRANSACTION)) {
        /* START SLAVE / REPLICA / GROUP_REPLICATION ... */
        set_kind(cx, CLS_OTHER, CLS_F_WRITE, CLS_S_TX_END);
        skip_rest(cx);
        return;
    }
    set_kind(cx, CLS_BEGIN, CLS_F_PRIMARY, CLS_S_TX_BEGIN);
    if (tok_end(pk(cx, 0)))
        return;
    do {
        if (accept(cx, KW_READ)) {
            if (accept(cx, KW_ONLY))
                cx->out->flags |= CLS_F_TX_READ_ONLY;
            else if (expect(cx, KW_WRITE))
                cx->out->flags |= CLS_F_TX_READ_WRITE;
        } else if (accept(cx, KW_WITH)) {
            if (expect(cx, KW_CONSISTENT) && expect(cx, KW_SNAPSHOT))
                cx->out->flags |= CLS_F_TX_SNAPSHOT;
        } else {
            cx_fail(cx, "unexpected token");
        }
    } while (accept_punct(cx, ','));
}

/* COMMIT / ROLLBACK [WORK] [AND [NO] CHAIN] [[NO] RELEASE] */
static void s_end_tx(struct cx *cx, enum cls_kind kind)
{
    adv(cx);
    accept(cx, KW_WORK);
    if (kind == CLS_ROLLBACK && accept(cx, KW_TO)) {
        accept(cx, KW_SAVEPOINT);
        set_kind(cx, CLS_ROLLBACK_TO, CLS_F_PRIMARY, 0);
        if (tok_name(pk(cx, 0)))
            adv(cx);
        else
            cx_fail(cx, "unexpected token");
        return;
    }
    set_kind(cx, kind, CLS_F_PRIMARY, CLS_S_TX_END);
    if (accept(cx, KW_AND)) {
        bool no = accept(cx, KW_NO);
        if (expect(cx, KW_CHAIN) && !no)
            cx->out->session |= CLS_S_TX_BEGIN;
    }
    bool no = accept(cx, KW_NO);
    if (accept(cx, KW_RELEASE)) {
        if (!no)
            cx->out->session |= CLS_S_UNKNOWN; /* the server closes the connection */
    } else if (no) {
        cx_fail(cx, "unexpected token");
    }
}

static void s_savepoint(struct cx *cx, enum cls_kind kind)
{
    adv(cx); /* SAVEPOINT, or RELEASE */
    if (kind == CLS_RELEASE_SAVEPOINT && !expect(cx, KW_SAVEPOINT))
        return;
    set_kind(cx, kind, CLS_F_PRIMARY, 0);
    if (tok_name(pk(cx, 0)))
        adv(cx);
    else
        cx_fail(cx, "unexpected token");
}

static void s_xa(struct cx *cx)
{
    adv(cx);
    uint32_t session = 0;
    const struct ctok *t = pk(cx, 0);
    if (t->kw == KW_START || t->kw == KW_BEGIN)
        session = CLS_S_TX_BEGIN;
    else if (t->kw == KW_COMMIT || t->kw == KW_ROLLBACK)
        session = CLS_S_TX_END;
    set_kind(cx, CLS_XA, CLS_F_WRITE, session);
    skip_rest(cx);
}

static void s_use(struct cx *cx)
{
    adv(cx);
    set_kind(cx, CLS_USE, 0, CLS_S_USE);
    const struct ctok *t = pk(cx, 0);
    if (!tok_name(t)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    cx_add_schema(cx, tok_span(t), 0);
    adv(cx);
}

static void s_show(struct cx *cx)
{
    adv(cx);
    set_kind(cx, CLS_SHOW, 0, 0);
    while (is_kw(cx, 0, KW_FULL) || is_kw(cx, 0, KW_EXTENDED) || is_kw(cx, 0, KW_GLOBAL) ||
           is_kw(cx, 0, KW_SESSION))
        adv(cx);
    const struct ctok *t = pk(cx, 0);
    struct cls_span schema, name, db;
    switch (t->kw) {
    case KW_COLUMNS:
    case KW_FIELDS:
    case KW_INDEX:
    case KW_INDEXES:
    case KW_KEYS:
        adv(cx);
        if ((accept(cx, KW_FROM) || accept(cx, KW_IN)) && parse_tname(cx, &schema, &name)) {
            if ((accept(cx, KW_FROM) || accept(cx, KW_IN)) && tok_name(pk(cx, 0))) {
                db = tok_span(pk(cx, 0));
                adv(cx);
                schema = db;
            }
            cx_add_table(cx, schema, name, 0);
        }
        break;
    case KW_CREATE:
        adv(cx);
        if ((accept(cx, KW_TABLE) || accept(cx, KW_VIEW) || accept(cx, KW_SEQUENCE)) &&
            parse_tname(cx, &schema, &name))
            cx_add_table(cx, schema, name, 0);
        break;
    case KW_WARNINGS:
    case KW_ERRORS:
    case KW_PROFILE:
    case KW_PROFILES:
        cx->out->session |= CLS_S_DEPENDS;
        break;
    case KW_COUNT:
        if (tok_punct(pk(cx, 1), '(') && tok_punct(pk(cx, 2), '*') && tok_punct(pk(cx, 3), ')'))
            cx->out->session |= CLS_S_DEPENDS;
        break;
    default:
        break;
    }
    x_rest(cx);
}

static bool stmt_word(const struct ctok *t)
{
    switch (t->kw) {
    case KW_SELECT:
    case KW_WITH:
    case KW_TABLE:
    case KW_VALUES:
    case KW_INSERT:
    case KW_REPLACE:
    case KW_UPDATE:
    case KW_DELETE:
        return true;
    default:
        return tok_punct(t, '(');
    }
}

/* EXPLAIN / DESCRIBE / DESC: of a table or of a statement. A plain
 * EXPLAIN executes nothing: the statement's tables and keys are reported
 * (the plan comes from the shard that owns them) but not its effects.
 * MariaDB's ANALYZE <statement> and MySQL's EXPLAIN ANALYZE run it: its
 * flags and session effects stay. */
static void s_explain(struct cx *cx, bool analyze)
{
    struct cls *o = cx->out;
    uint32_t flags = o->flags, session = o->session;
    adv(cx);
    for (;;) {
        const struct ctok *t = pk(cx, 0);
        if (t->kw == KW_ANALYZE) {
            analyze = true;
            adv(cx);
        } else if (t->kw == KW_EXTENDED || t->kw == KW_PARTITIONS) {
            adv(cx);
        } else if (t->kw == KW_FORMAT && tok_punct(pk(cx, 1), '=')) {
            adv(cx);
            adv(cx);
            adv(cx);
        } else {
            break;
        }
    }
    if (is_kw(cx, 0, KW_FOR) && is_kw(cx, 1, KW_CONNECTION)) {
        set_kind(cx, CLS_EXPLAIN, 0, 0);
        skip_rest(cx);
        return;
    }
    if (stmt_word(pk(cx, 0))) {
        cx->merge = false;
        st_statement(cx);
        o->kind = CLS_EXPLAIN;
        if (!analyze) {
            o->flags = flags | (o->flags & ~(CLS_F_WRITE | CLS_F_PRIMARY | CLS_F_LOCKING_READ |
                                             CLS_F_INTO | CLS_F_SIDE_EFFECT_FN));
            o->session = session;
        }
        return;
    }
    set_kind(cx, CLS_EXPLAIN, 0, 0);
    struct cls_span schema, name;
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    cx_add_table(cx, schema, name, 0);
    const struct ctok *t = pk(cx, 0);
    if (t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT || t->type == SQLTOK_STRING)
        adv(cx); /* a column name or pattern */
}

static void s_lock(struct cx *cx)
{
    adv(cx);
    if (!accept(cx, KW_TABLES) && !accept(cx, KW_TABLE)) {
        /* LOCK INSTANCE FOR BACKUP */
        set_kind(cx, CLS_OTHER, CLS_F_WRITE, 0);
        skip_rest(cx);
        return;
    }
    set_kind(cx, CLS_LOCK_TABLES, CLS_F_WRITE, CLS_S_LOCK_TABLES | CLS_S_TX_END);
    do {
        struct cls_span schema, name;
        if (!parse_tname(cx, &schema, &name)) {
            cx_fail(cx, "unexpected token");
            return;
        }
        int ti = cx_add_table(cx, schema, name, 0);
        struct cls_span alias = parse_alias(cx);
        if (ti >= 0)
            cx->out->tables[ti].alias = alias;
        if (accept(cx, KW_READ)) {
            accept(cx, KW_LOCAL);
        } else {
            accept(cx, KW_LOW_PRIORITY);
            if (!expect(cx, KW_WRITE))
                return;
            accept(cx, KW_CONCURRENT);
            if (ti >= 0)
                cx->out->tables[ti].flags |= CLS_T_TARGET;
        }
    } while (accept_punct(cx, ','));
    if (accept(cx, KW_WAIT)) {
        if (pk(cx, 0)->type == SQLTOK_NUMBER)
            adv(cx);
    } else {
        accept(cx, KW_NOWAIT);
    }
}

static void s_unlock(struct cx *cx)
{
    adv(cx);
    if (accept(cx, KW_TABLES) || accept(cx, KW_TABLE)) {
        set_kind(cx, CLS_UNLOCK_TABLES, CLS_F_PRIMARY, CLS_S_LOCK_TABLES | CLS_S_TX_END);
        return;
    }
    set_kind(cx, CLS_OTHER, CLS_F_WRITE, 0);
    skip_rest(cx);
}

static void s_prepare(struct cx *cx)
{
    adv(cx);
    set_kind(cx, CLS_PREPARE, CLS_F_PRIMARY, CLS_S_PREPARE);
    if (!tok_name(pk(cx, 0))) {
        cx_fail(cx, "unexpected token");
        return;
    }
    adv(cx);
    if (!expect(cx, KW_FROM))
        return;
    x_expr(cx, 0, NULL); /* a string or a user variable */
}

static void s_execute(struct cx *cx)
{
    adv(cx);
    if (accept(cx, KW_IMMEDIATE)) {
        set_kind(cx, CLS_EXECUTE, CLS_F_WRITE, CLS_S_UNKNOWN);
        x_expr(cx, 0, NULL);
    } else {
        set_kind(cx, CLS_EXECUTE, CLS_F_WRITE, CLS_S_PREPARE);
        if (!tok_name(pk(cx, 0))) {
            cx_fail(cx, "unexpected token");
            return;
        }
        adv(cx);
    }
    if (accept(cx, KW_USING)) {
        do
            x_expr(cx, 0, NULL);
        while (accept_punct(cx, ','));
    }
}

static void s_deallocate(struct cx *cx)
{
    adv(cx); /* DEALLOCATE or DROP */
    set_kind(cx, CLS_DEALLOCATE, CLS_F_PRIMARY, CLS_S_PREPARE);
    if (expect(cx, KW_PREPARE)) {
        if (tok_name(pk(cx, 0)))
            adv(cx);
        else
            cx_fail(cx, "unexpected token");
    }
}

static void s_handler(struct cx *cx)
{
    adv(cx);
    set_kind(cx, CLS_OTHER, CLS_F_WRITE, CLS_S_UNKNOWN);
    struct cls_span schema, name;
    if (!parse_tname(cx, &schema, &name)) {
        cx_fail(cx, "unexpected token");
        return;
    }
    if (word_is(pk(cx, 0), "OPEN")) {
        int ti = cx_add_table(cx, schema, name, 0);
        adv(cx);
        struct cls_span alias = parse_alias(cx);
        if (ti >= 0)
            cx->out->tables[ti].alias = alias;
    }
    x_rest(cx);
}

/* Statements that change server state and are not parsed further. */
static void s_other_write(struct cx *cx, uint32_t session)
{
    set_kind(cx, CLS_OTHER, CLS_F_WRITE, session);
    adv(cx);
    skip_rest(cx);
}

static void s_flush(struct cx *cx)
{
    set_kind(cx, CLS_OTHER, CLS_F_WRITE, CLS_S_TX_END);
    adv(cx);
    while (!tok_end(pk(cx, 0))) {
        const struct ctok *t = pk(cx, 0);
        if ((t->kw == KW_WITH && is_kw(cx, 1, KW_READ) && is_kw(cx, 2, KW_LOCK)) ||
            (t->kw == KW_FOR && word_is(pk(cx, 1), "EXPORT")))
            cx->out->session |= CLS_S_LOCK_TABLES;
        adv(cx);
    }
}

static void s_other_plain(struct cx *cx, uint32_t session)
{
    set_kind(cx, CLS_OTHER, 0, session);
    adv(cx);
    skip_rest(cx);
}

/* GET [CURRENT | STACKED] DIAGNOSTICS @x = NUMBER, ...: reads the last
 * statement's diagnostics on this connection, may set user variables. */
static void s_get_diagnostics(struct cx *cx)
{
    set_kind(cx, CLS_OTHER, 0, CLS_S_DEPENDS);
    while (!tok_end(pk(cx, 0))) {
        const struct ctok *t = pk(cx, 0);
        if (t->type == SQLTOK_VAR && t->len >= 2 && t->p[1] != '@') {
            cx->out->session |= CLS_S_USER_VAR;
            cx->out->flags |= CLS_F_PRIMARY;
        }
        adv(cx);
    }
}

static void s_kill(struct cx *cx)
{
    set_kind(cx, CLS_KILL, CLS_F_WRITE, 0);
    adv(cx);
    skip_rest(cx);
}

static void s_select(struct cx *cx)
{
    set_kind(cx, CLS_SELECT, 0, 0);
    q_query(cx, cx->merge);
}

/* WITH ...: a query, or (MySQL 8) WITH ... UPDATE / DELETE, and for safety
 * WITH ... INSERT / REPLACE too. */
static void s_with(struct cx *cx)
{
    q_with(cx);
    switch (pk(cx, 0)->kw) {
    case KW_UPDATE:
        s_update(cx);
        break;
    case KW_DELETE:
        s_delete(cx);
        break;
    case KW_INSERT:
    case KW_REPLACE:
        s_insert(cx);
        break;
    default:
        s_select(cx);
        break;
    }
}

static void dispatch_misc(struct cx *cx, const struct ctok *t)
{
    switch (t->kw) {
    case KW_GRANT:
    case KW_REVOKE:
    case KW_CACHE:
    case KW_RESET:
    case KW_INSTALL:
    case KW_UNINSTALL:
    case KW_CHANGE:
    case KW_STOP:
    case KW_PURGE:
        s_other_write(cx, CLS_S_TX_END);
        return;
    case KW_BINLOG:
    case KW_SHUTDOWN:
    case KW_RESTART:
    case KW_BACKUP:
    case KW_CLONE:
    case KW_IMPORT:
        s_other_write(cx, 0);
        return;
    case KW_HELP:
    case KW_SIGNAL:
    case KW_RESIGNAL:
        s_other_plain(cx, 0);
        return;
    case KW_GET:
        if (pk(cx, 1)->kw == KW_DIAGNOSTICS ||
            (pk(cx, 2)->kw == KW_DIAGNOSTICS &&
             (is_kw(cx, 1, KW_SESSION) || pk(cx, 1)->type == SQLTOK_IDENT))) {
            s_get_diagnostics(cx);
            return;
        }
        break;
    case KW_IF:
    case KW_WHILE:
    case KW_LOOP:
    case KW_REPEAT:
    case KW_CASE:
    case KW_FOR:
        s_compound(cx);
        return;
    default:
        break;
    }
    if ((t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT) && tok_punct(pk(cx, 1), ':')) {
        s_compound(cx); /* label: BEGIN ... END */
        return;
    }
    set_kind(cx, CLS_OTHER, CLS_F_WRITE, 0);
    cx_fail(cx, "unknown statement");
}

/* Statement words with a handler; anything else goes to dispatch_misc(). */
static void s_commit(struct cx *cx)
{
    s_end_tx(cx, CLS_COMMIT);
}

static void s_rollback(struct cx *cx)
{
    s_end_tx(cx, CLS_ROLLBACK);
}

static void s_savepoint_stmt(struct cx *cx)
{
    s_savepoint(cx, CLS_SAVEPOINT);
}

static void s_release(struct cx *cx)
{
    s_savepoint(cx, CLS_RELEASE_SAVEPOINT);
}

static void s_explain_stmt(struct cx *cx)
{
    s_explain(cx, false);
}

/* ANALYZE <statement> (MariaDB: runs it) or ANALYZE TABLE. */
static void s_analyze(struct cx *cx)
{
    if ((stmt_word(pk(cx, 1)) && !is_kw(cx, 1, KW_TABLE)) ||
        (is_kw(cx, 1, KW_FORMAT) && tok_punct(pk(cx, 2), '=')))
        s_explain(cx, true);
    else
        s_table_maint(cx);
}

static void s_drop_any(struct cx *cx)
{
    if (is_kw(cx, 1, KW_PREPARE))
        s_deallocate(cx);
    else
        s_drop(cx);
}

typedef void (*stmt_fn)(struct cx *cx);

static const stmt_fn stmt_handlers[KW__COUNT] = {
    [KW_SELECT] = s_select,
    [KW_VALUES] = s_select,
    [KW_TABLE] = s_select,
    [KW_WITH] = s_with,
    [KW_INSERT] = s_insert,
    [KW_REPLACE] = s_insert,
    [KW_UPDATE] = s_update,
    [KW_DELETE] = s_delete,
    [KW_SET] = s_set,
    [KW_BEGIN] = s_begin,
    [KW_START] = s_start,
    [KW_COMMIT] = s_commit,
    [KW_ROLLBACK] = s_rollback,
    [KW_SAVEPOINT] = s_savepoint_stmt,
    [KW_RELEASE] = s_release,
    [KW_XA] = s_xa,
    [KW_USE] = s_use,
    [KW_SHOW] = s_show,
    [KW_EXPLAIN] = s_explain_stmt,
    [KW_DESCRIBE] = s_explain_stmt,
    [KW_DESC] = s_explain_stmt,
    [KW_ANALYZE] = s_analyze,
    [KW_OPTIMIZE] = s_table_maint,
    [KW_REPAIR] = s_table_maint,
    [KW_CHECK] = s_table_maint,
    [KW_CHECKSUM] = s_table_maint,
    [KW_CREATE] = s_create,
    [KW_ALTER] = s_alter,
    [KW_DROP] = s_drop_any,
    [KW_TRUNCATE] = s_truncate,
    [KW_RENAME] = s_rename,
    [KW_LOCK] = s_lock,
    [KW_UNLOCK] = s_unlock,
    [KW_CALL] = s_call,
    [KW_PREPARE] = s_prepare,
    [KW_EXECUTE] = s_execute,
    [KW_DEALLOCATE] = s_deallocate,
    [KW_LOAD] = s_load,
    [KW_DO] = s_do,
    [KW_KILL] = s_kill,
    [KW_HANDLER] = s_handler,
    [KW_FLUSH] = s_flush,
};

void st_statement(struct cx *cx)
{
    if (!cx_enter(cx))
        return;
    const struct ctok *t = pk(cx, 0);
    stmt_fn fn = t->kw < KW__COUNT ? stmt_handlers[t->kw] : NULL;
    if (fn != NULL)
        fn(cx);
    else if (tok_punct(t, '('))
        s_select(cx);
    else if (tok_end(t))
        cx_fail(cx, "empty statement");
    else
        dispatch_misc(cx, t);
    cx_leave(cx);
}
