/*
 * plan — where one classified statement goes and how the answers of
 * several shards become one (include/plan.h has the contract, and
 * include/plan_int.h the shape of the files).
 *
 * This file: the entry point, resolving every table reference against the
 * map (keyspace, sharded / reference / unknown / system), choosing the
 * keyspace, the unsharded path (one shard, qualifiers rewritten), the
 * statements the router handles itself, SHOW / DESCRIBE / EXPLAIN, SET and
 * the rest; refusals.
 *
 * Decisions (see also plan_shard.c, plan_select.c, plan_write.c):
 *  - A schema qualifier that names a keyspace means that keyspace; no
 *    qualifier means env->ks (none: 1046); information_schema,
 *    performance_schema, mysql and sys are the servers' own (any shard);
 *    anything else is 1049.
 *  - Tables of two keyspaces: refused (1235), unless all are unsharded
 *    keyspaces whose shards share a primary server: then that server gets
 *    the statement, each keyspace qualifier rewritten to its shard's schema.
 *  - Qualifiers are rewritten to `<shard schema>` (backquoted) only where a
 *    target's schema differs from the keyspace name; without any rewrite
 *    the targets point at the caller's text (plan_target.original): the
 *    fast path copies nothing.
 *  - A statement that names no table goes to the first shard of env->ks
 *    (or env->default_ks, or the map's first unsharded keyspace). A read of
 *    reference and system tables only goes to the first shard.
 *  - Transaction control, USE, KILL: ntargets 0 and PLAN_F_SESSION (USE:
 *    p->ks is the keyspace named; an unknown one is 1049). SET in a sharded
 *    keyspace: every shard, merge SAME (the router decides); in an
 *    unsharded one, its shard.
 *  - In a sharded keyspace: a statement the classifier did not fully
 *    understand (CLS_F_PARTIAL), LOAD DATA, LOCK TABLES, CALL, SQL-level
 *    PREPARE / EXECUTE, table maintenance statements and other server
 *    administration are refused; SHOW, DESCRIBE and EXPLAIN go to one shard.
 *  - information_schema reads: string literals equal to a keyspace name
 *    (table_schema = 'app') are rewritten to the shard's schema and pick
 *    that keyspace.
 *  - Every refusal carries a MySQL error code and SQLSTATE: 1235/42000 for
 *    what is not supported, 1049/42000 for an unknown keyspace, 1046/3D000
 *    when no keyspace is selected, 1105/HY000 for internal limits, 1041 for
 *    out of memory; its message names the construct and the table, and ends
 *    with the map version.
 */
#include "plan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- refusals ----------------------------------------------------------- */

static int pw_vrefuse(struct pw *w, uint16_t code, const char *state, bool version, const char *fmt,
                      va_list ap)
{
    struct plan *p = w->p;
    if (p->kind == PLAN_REFUSE)
        return -1; /* the first reason stands */
    p->kind = PLAN_REFUSE;
    p->ntargets = 0;
    p->err_code = code;
    snprintf(p->err_state, sizeof(p->err_state), "%s", state);
    int n = vsnprintf(p->err_msg, sizeof(p->err_msg), fmt, ap);
    if (version && n >= 0 && (size_t)n < sizeof(p->err_msg))
        snprintf(p->err_msg + n, sizeof(p->err_msg) - (size_t)n, " (shard map version %llu)",
                 (unsigned long long)w->map->version);
    return -1;
}

int pw_refuse(struct pw *w, uint16_t code, const char *state, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pw_vrefuse(w, code, state, true, fmt, ap);
    va_end(ap);
    return -1;
}

int pw_refuse_plain(struct pw *w, uint16_t code, const char *state, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pw_vrefuse(w, code, state, false, fmt, ap);
    va_end(ap);
    return -1;
}

const char *pw_tname(const struct pw *w, unsigned i, char *buf, size_t len)
{
    const struct ptab *t = &w->tab[i];
    if (t->ks != NULL)
        snprintf(buf, len, "%s.%s", t->ks->name, t->name);
    else
        snprintf(buf, len, "%s", t->name);
    return buf;
}

/* ---- resolving tables --------------------------------------------------- */

static bool system_schema(const char *s)
{
    return strcasecmp(s, "information_schema") == 0 || strcasecmp(s, "performance_schema") == 0 ||
           strcasecmp(s, "mysql") == 0 || strcasecmp(s, "sys") == 0;
}

static void add_ks(struct pw *w, const struct shardmap_keyspace *ks)
{
    for (unsigned i = 0; i < w->nks; i++)
        if (w->kss[i] == ks)
            return;
    if (w->nks < PW_MAX_KS)
        w->kss[w->nks] = ks;
    w->nks++; /* counted even past the array: more than PW_MAX_KS is refused */
}

/* Resolve every table reference of the statement. Returns 0 or -1. */
static int resolve(struct pw *w)
{
    const struct cls *c = w->c;
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct cls_table *ct = &c->tables[i];
        struct ptab *t = &w->tab[i];
        char schema[PW_NAME_MAX];
        t->kind = PT_NONE;
        t->ks = NULL;
        t->st = NULL;
        t->name[0] = '\0';
        w->tpinned[i] = false;
        w->narrow[i] = false;
        if (ct->flags & CLS_T_CTE)
            continue;
        if (cls_name(ct->schema, schema, sizeof(schema)) != 0 ||
            cls_name(ct->name, t->name, sizeof(t->name)) != 0) {
            struct cls_span bad = ct->name.len ? ct->name : ct->schema;
            return pw_refuse_plain(w, 1059, "42000", "Identifier name '%.*s' is too long",
                                   (int)(bad.len > 64 ? 64 : bad.len), bad.p);
        }
        if (ct->name.len == 0) { /* CREATE / DROP / ALTER DATABASE x */
            t->kind = PT_SCHEMA;
            t->ks = shardmap_keyspace(w->map, schema);
            if (t->ks != NULL)
                add_ks(w, t->ks);
            continue;
        }
        const struct shardmap_keyspace *ks;
        if (schema[0] == '\0') {
            ks = w->env->ks;
            if (ks == NULL)
                return pw_refuse_plain(w, 1046, "3D000", "No database selected");
        } else if (system_schema(schema)) {
            t->kind = PT_SYSTEM;
            continue;
        } else if ((ks = shardmap_keyspace(w->map, schema)) == NULL) {
            return pw_refuse(w, 1049, "42000", "Unknown database '%s': not a keyspace", schema);
        }
        t->ks = ks;
        add_ks(w, ks);
        if (!ks->sharded)
            t->kind = PT_UNSHARDED;
        else if ((t->st = shardmap_table(ks, t->name)) != NULL)
            t->kind = PT_SHARDED;
        else if (shardmap_is_reference(ks, t->name))
            t->kind = PT_REFERENCE;
        else
            t->kind = PT_UNKNOWN;
    }
    return 0;
}

static const struct shardmap_keyspace *default_ks(const struct pw *w)
{
    if (w->env->ks != NULL)
        return w->env->ks;
    if (w->env->default_ks != NULL)
        return w->env->default_ks;
    /* Never a sharded keyspace picked for a session that chose none. */
    for (int i = 0; i < w->map->nkeyspaces; i++)
        if (!w->map->keyspaces[i].sharded)
            return &w->map->keyspaces[i];
    return NULL;
}

static bool same_server(const struct shardmap_shard *a, const struct shardmap_shard *b)
{
    return a->primary.port == b->primary.port && strcmp(a->primary.host, b->primary.host) == 0;
}

/* A table reference of keyspace ks, for messages. */
static int table_of(const struct pw *w, const struct shardmap_keyspace *ks)
{
    for (unsigned i = 0; i < w->c->ntables; i++)
        if (w->tab[i].ks == ks && w->tab[i].kind != PT_SCHEMA)
            return (int)i;
    return -1;
}

/* The keyspace the targets belong to. Returns 0 or -1. */
static int choose_ks(struct pw *w)
{
    if (w->nks == 0) {
        w->ks = default_ks(w);
        if (w->ks == NULL)
            return pw_refuse_plain(w, 1046, "3D000", "No database selected");
        return 0;
    }
    if (w->nks == 1) {
        w->ks = w->kss[0];
        return 0;
    }
    bool ok = w->nks <= PW_MAX_KS;
    for (unsigned i = 0; ok && i < w->nks; i++)
        ok = !w->kss[i]->sharded && same_server(&w->kss[i]->shards[0], &w->kss[0]->shards[0]);
    if (!ok) {
        const struct shardmap_keyspace *a = w->kss[0], *b = w->kss[1];
        for (unsigned i = 1; i < w->nks && i < PW_MAX_KS; i++)
            if (w->kss[i]->sharded || !same_server(&w->kss[i]->shards[0], &a->shards[0])) {
                b = w->kss[i];
                break;
            }
        char ta[2 * PW_NAME_MAX], tb[2 * PW_NAME_MAX];
        int ia = table_of(w, a), ib = table_of(w, b);
        return pw_refuse(w, PW_UNSUPPORTED,
                         "statements spanning keyspaces are not supported: %s (%s keyspace '%s') "
                         "and %s (%s keyspace '%s') are not on one shard",
                         ia >= 0 ? pw_tname(w, (unsigned)ia, ta, sizeof(ta)) : a->name,
                         a->sharded ? "sharded" : "unsharded", a->name,
                         ib >= 0 ? pw_tname(w, (unsigned)ib, tb, sizeof(tb)) : b->name,
                         b->sharded ? "sharded" : "unsharded", b->name);
    }
    w->ks = w->kss[0];
    for (unsigned i = 0; i < w->nks; i++)
        if (w->kss[i] == w->env->ks)
            w->ks = w->env->ks;
    return 0;
}

/* ---- common shapes ------------------------------------------------------ */

static int first_kind(const struct pw *w, enum pt_kind kind)
{
    for (unsigned i = 0; i < w->c->ntables; i++)
        if (w->tab[i].kind == kind)
            return (int)i;
    return -1;
}

/* Refuse tables of a sharded keyspace that the map does not know. */
static int check_known(struct pw *w)
{
    int i = first_kind(w, PT_UNKNOWN);
    if (i < 0)
        return 0;
    char tn[2 * PW_NAME_MAX];
    return pw_refuse_plain(w, PW_UNSUPPORTED,
                           "table %s is not in shard map version %llu (neither sharded nor a "
                           "reference table)",
                           pw_tname(w, (unsigned)i, tn, sizeof(tn)),
                           (unsigned long long)w->map->version);
}

/* Every shard of the keyspace, merge SAME. */
static int all_shards(struct pw *w)
{
    struct pset all;
    pset_all(&all, w->ks);
    if (w->ks->nshards > PLAN_MAX_TARGETS)
        return pw_refuse(w, 1105, "HY000",
                         "keyspace '%s' has %d shards, more than a plan addresses (%d)",
                         w->ks->name, w->ks->nshards, PLAN_MAX_TARGETS);
    if (pw_targets(w, &all) != 0)
        return -1;
    w->p->merge.kind = w->p->ntargets > 1 ? PLAN_MERGE_SAME : PLAN_MERGE_NONE;
    return 0;
}

/* The first word of the statement, upper-cased (for messages). */
static const char *first_word(const struct pw *w, char *buf, size_t len)
{
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, w->sql, w->len, w->env->lexflags);
    sqllex_next(&lx, &t);
    size_t n = t.type == SQLTOK_IDENT ? t.len : 0;
    if (n >= len)
        n = len - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(t.p[i] >= 'a' && t.p[i] <= 'z' ? t.p[i] - 'a' + 'A' : t.p[i]);
    buf[n] = '\0';
    return n ? buf : "this statement";
}

/* ---- SELECT, EXPLAIN, DO ------------------------------------------------ */

/* Targets from the statement's pins (reads); p->targets set. */
static int read_targets(struct pw *w, struct pins *pins)
{
    struct plan *p = w->p;
    if (pw_pins(w, false, pins) != 0)
        return -1;
    if (pins->nsharded == 0) {
        /* reference, system tables or none: any shard */
        if (first_kind(w, PT_REFERENCE) >= 0)
            p->flags |= PLAN_F_REFERENCE;
        pw_target_any(w, w->ks);
        return 0;
    }
    if (pins->empty) {
        p->flags |= PLAN_F_EMPTY;
        pw_target_any(w, w->ks);
        return 0;
    }
    if (pins->scatter)
        p->flags |= PLAN_F_SCATTER;
    return pw_targets(w, &pins->set);
}

/* IN lists narrowed per target (several targets). */
static void narrow_lists(struct pw *w)
{
    const struct cls *c = w->c;
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct cls_table *t = &c->tables[i];
        if (w->tab[i].kind != PT_SHARDED || !w->tpinned[i] || t->count < 2 ||
            t->pin_span.len == 0 || !pw_split_list(w, i))
            continue;
        struct pedit *e = pw_edit(w, t->pin_span.p, t->pin_span.len, PE_INLIST);
        e->tab = (uint8_t)i;
    }
}

static int plan_select(struct pw *w)
{
    struct plan *p = w->p;
    const struct cls *c = w->c;
    struct pins pins;
    if (check_known(w) != 0 || read_targets(w, &pins) != 0)
        return -1;
    if (p->ntargets <= 1)
        return 0;
    char tn[2 * PW_NAME_MAX];
    const char *table = pw_tname(w, (unsigned)pins.first, tn, sizeof(tn));
    if (c->flags & CLS_F_SIDE_EFFECT_FN)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "a function with side effects (stored function, locking, sequence, "
                         "SLEEP) in a read of %s across %u shards is not supported",
                         table, p->ntargets);
    if (c->session & CLS_S_DEPENDS)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "LAST_INSERT_ID(), FOUND_ROWS(), ROW_COUNT() and SQL_CALC_FOUND_ROWS "
                         "read one connection's state: a read of %s across %u shards cannot use "
                         "them",
                         table, p->ntargets);
    if (pw_check_scatter_limit(w, pins.first) != 0)
        return -1;
    narrow_lists(w);
    return pw_select_merge(w, &pins);
}

/* EXPLAIN / DESCRIBE: one shard answers (the first one the statement
 * would reach). ANALYZE of a statement that writes runs it: one shard
 * only. */
static int plan_explain_stmt(struct pw *w)
{
    const struct cls *c = w->c;
    struct pset uni = {{0}};
    bool pinned_one = true;
    for (unsigned i = 0; i < c->ntables; i++) {
        if (w->tab[i].kind != PT_SHARDED)
            continue;
        struct pset s = {{0}};
        if (!c->tables[i].pinned || !(c->tables[i].flags & CLS_T_SHARDED) ||
            !pw_table_shards(w, i, &s))
            pinned_one = false;
        for (unsigned k = 0; k < PW_SET_WORDS; k++)
            uni.w[k] |= s.w[k];
    }
    if (pinned_one && pset_count(&uni) > 1)
        pinned_one = false;
    if (!pinned_one && (c->flags & CLS_F_WRITE) && first_kind(w, PT_SHARDED) >= 0)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "ANALYZE of a statement that writes sharded tables of keyspace '%s' on "
                         "several shards is not supported",
                         w->ks->name);
    int first = pset_first(&uni);
    pw_target1(w, w->ks, pinned_one && first >= 0 ? first : 0);
    return 0;
}

/* ---- the sharded keyspace ----------------------------------------------- */

static int refuse_kind(struct pw *w, const char *what)
{
    return pw_refuse(w, PW_UNSUPPORTED, "%s in sharded keyspace '%s' is not supported", what,
                     w->ks->name);
}

static int plan_sharded(struct pw *w)
{
    struct plan *p = w->p;
    const struct cls *c = w->c;
    char word[32];
    if (c->flags & CLS_F_PARTIAL)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "statement not fully understood by the router (%s); it cannot be routed "
                         "in sharded keyspace '%s'",
                         c->why ? c->why : "unknown reason", w->ks->name);
    switch (c->kind) {
    case CLS_SELECT:
        return plan_select(w);
    case CLS_INSERT:
    case CLS_REPLACE:
        return pw_insert(w);
    case CLS_UPDATE:
    case CLS_DELETE:
        return pw_update_delete(w);
    case CLS_DDL:
        return pw_ddl(w);
    case CLS_SHOW:
        pw_target_any(w, w->ks);
        return 0;
    case CLS_EXPLAIN:
        return plan_explain_stmt(w);
    case CLS_SET:
        for (unsigned i = 0; i < c->ntables; i++)
            if (w->tab[i].kind != PT_NONE && w->tab[i].kind != PT_SYSTEM)
                return pw_refuse(w, PW_UNSUPPORTED,
                                 "SET reading tables of sharded keyspace '%s' is not supported",
                                 w->ks->name);
        return all_shards(w);
    case CLS_UNLOCK_TABLES:
        p->flags |= PLAN_F_SESSION;
        p->ntargets = 0;
        return 0;
    case CLS_EMPTY:
        pw_target_any(w, w->ks);
        return 0;
    case CLS_DO: {
        struct pins pins;
        if (check_known(w) != 0 || read_targets(w, &pins) != 0)
            return -1;
        if (p->ntargets > 1)
            return pw_refuse(w, PW_UNSUPPORTED,
                             "DO reading sharded tables of keyspace '%s' on several shards is "
                             "not supported",
                             w->ks->name);
        return 0;
    }
    case CLS_LOAD_DATA:
        return pw_refuse(w, PW_UNSUPPORTED,
                         "LOAD DATA into sharded keyspace '%s' is not supported: the router does "
                         "not split files by shard; use INSERT with a column list",
                         w->ks->name);
    case CLS_LOCK_TABLES:
        return refuse_kind(w, "LOCK TABLES");
    case CLS_CALL:
        return refuse_kind(w, "CALL");
    case CLS_PREPARE:
    case CLS_EXECUTE:
    case CLS_DEALLOCATE:
        return refuse_kind(w, "SQL-level PREPARE / EXECUTE");
    default:
        break;
    }
    /* CLS_OTHER: HELP, GET DIAGNOSTICS, SIGNAL go anywhere; table
     * maintenance and server administration do not */
    if (c->ntables == 0 && !(c->flags & CLS_F_WRITE)) {
        pw_target_any(w, w->ks);
        return 0;
    }
    return pw_refuse(w, PW_UNSUPPORTED, "%s in sharded keyspace '%s' is not supported",
                     first_word(w, word, sizeof(word)), w->ks->name);
}

/* ---- entry point -------------------------------------------------------- */

static void plan_reset(struct plan *p, const char *sql, size_t len)
{
    p->kind = PLAN_ROUTE;
    p->flags = 0;
    p->ks = NULL;
    p->ntargets = 0;
    p->nksids = 0;
    p->need_ids = 0;
    p->seq = NULL;
    p->insert_id = 0;
    p->merge.kind = PLAN_MERGE_NONE;
    p->merge.ncols = 0;
    p->merge.norder = 0;
    p->merge.distinct = false;
    p->merge.has_limit = false;
    p->merge.limit = 0;
    p->merge.offset = 0;
    p->merge.nhidden = 0;
    p->merge.weights_padded = false;
    p->merge.nhaving = 0;
    p->merge.ncols_from_result = false;
    p->text_len = 0;
    p->sql = sql;
    p->sql_len = len;
    p->err_code = 0;
    p->err_state[0] = '\0';
    p->err_msg[0] = '\0';
}

int plan_same(struct plan *p, const struct shardmap_keyspace *ks,
              const struct shardmap_shard *const *shards, int n, const char *text, size_t len)
{
    plan_reset(p, NULL, 0);
    p->ks = ks;
    p->ntargets = (uint16_t)n;
    p->merge.kind = n == 1 ? PLAN_MERGE_NONE : PLAN_MERGE_SAME;
    if (len > p->text_cap) {
        char *t = realloc(p->text, len);
        if (t == NULL)
            return -1;
        p->text = t;
        p->text_cap = len;
    }
    if (len > 0)
        memcpy(p->text, text, len);
    p->text_len = len;
    for (int i = 0; i < n; i++) {
        p->targets[i].shard = shards ? shards[i] : NULL;
        p->targets[i].sql_off = 0;
        p->targets[i].sql_len = (uint32_t)len;
        p->targets[i].original = false;
    }
    return 0;
}

int plan_texts(struct plan *p, int n, const char *const *texts, const size_t *lens)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += lens[i];
    if (plan_same(p, NULL, NULL, n, "", 0) == -1)
        return -1;
    if (total > p->text_cap) {
        char *t = realloc(p->text, total);
        if (t == NULL)
            return -1;
        p->text = t;
        p->text_cap = total;
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(p->text + off, texts[i], lens[i]);
        p->targets[i].sql_off = (uint32_t)off;
        p->targets[i].sql_len = (uint32_t)lens[i];
        off += lens[i];
    }
    p->text_len = total;
    return 0;
}

/* Statements the router handles itself. Returns true when c is one. */
static bool plan_session(struct pw *w)
{
    struct plan *p = w->p;
    const struct cls *c = w->c;
    switch (c->kind) {
    case CLS_BEGIN:
    case CLS_COMMIT:
    case CLS_ROLLBACK:
    case CLS_SAVEPOINT:
    case CLS_ROLLBACK_TO:
    case CLS_RELEASE_SAVEPOINT:
    case CLS_XA:
    case CLS_KILL:
        p->ks = w->env->ks;
        break;
    case CLS_USE: {
        char name[PW_NAME_MAX];
        if (c->flags & CLS_F_PARTIAL || c->ntables == 0 ||
            cls_name(c->tables[0].schema, name, sizeof(name)) != 0) {
            pw_refuse_plain(w, 1064, "42000", "You have an error in your SQL syntax near USE");
            return true;
        }
        p->ks = shardmap_keyspace(w->map, name);
        if (p->ks == NULL) {
            pw_refuse(w, 1049, "42000", "Unknown database '%s': not a keyspace", name);
            return true;
        }
        break;
    }
    default:
        return false;
    }
    p->flags |= PLAN_F_SESSION;
    return true;
}

void plan_build(struct plan *p, const struct cls *c, const char *sql, size_t len,
                const struct plan_env *env)
{
    struct pw w;
    w.p = p;
    w.c = c;
    w.sql = sql;
    w.len = len;
    w.env = env;
    w.map = env->map;
    w.ks = NULL;
    w.nks = 0;
    w.oom = false;
    w.ned = 0;
    w.ed_overflow = false;
    w.gen = false;
    w.gen_first = 0;
    plan_reset(p, sql, len);
    if (c->flags & CLS_F_WRITE)
        p->flags |= PLAN_F_WRITE;
    if (c->flags & (CLS_F_PRIMARY | CLS_F_WRITE | CLS_F_PARTIAL))
        p->flags |= PLAN_F_PRIMARY;
    if (plan_session(&w))
        return;
    if (resolve(&w) != 0)
        return;
    if (w.nks == 0 && c->ntables > 0 && (c->kind == CLS_SELECT || c->kind == CLS_SHOW))
        pw_system_literals(&w); /* information_schema ... WHERE table_schema = 'ks' */
    if (c->kind == CLS_SHOW)
        pw_show_from(&w); /* SHOW TABLES FROM ks */
    if (choose_ks(&w) != 0)
        return;
    p->ks = w.ks;
    int rc;
    if (!w.ks->sharded) {
        pw_target_any(&w, w.ks);
        rc = 0;
    } else {
        rc = plan_sharded(&w);
    }
    if (rc != 0 || p->kind == PLAN_REFUSE)
        return;
    if (p->ntargets > 0 && w.ks->sharded &&
        (p->merge.kind == PLAN_MERGE_AFFECTED || p->merge.kind == PLAN_MERGE_SAME))
        p->flags |= PLAN_F_PRIMARY;
    pw_qualifiers(&w);
    pw_render(&w);
}

void plan_free(struct plan *p)
{
    free(p->text);
    p->text = NULL;
    p->text_len = p->text_cap = 0;
}

/* ---- helpers for the router and the executor ---------------------------- */

bool plan_cls_lookup(void *ctx, const char *schema, const char *name, const char **key_column)
{
    const struct plan_env *env = ctx;
    const struct shardmap_keyspace *ks =
        schema[0] != '\0' ? shardmap_keyspace(env->map, schema) : env->ks;
    if (ks == NULL || !ks->sharded)
        return false;
    const struct shardmap_table *t = shardmap_table(ks, name);
    if (t == NULL)
        return false;
    *key_column = t->key;
    return true;
}

static uint16_t resolve_col(uint16_t idx, uint16_t first_hidden)
{
    return idx >= PLAN_COL_REL ? (uint16_t)(first_hidden + (idx - PLAN_COL_REL)) : idx;
}

int plan_merge_resolve(struct plan_merge *m, uint16_t ncols)
{
    if (!m->ncols_from_result)
        return 0;
    if (ncols < m->nhidden || ncols > sizeof(m->cols) / sizeof(m->cols[0]))
        return -1;
    uint16_t first_hidden = (uint16_t)(ncols - m->nhidden);
    for (uint16_t i = 0; i < ncols; i++) {
        m->cols[i].role = i < first_hidden ? PLAN_COL_VALUE : PLAN_COL_HIDDEN;
        m->cols[i].avg_count = 0;
        m->cols[i].weight = -1;
        m->cols[i].avg_def = -1;
    }
    for (uint16_t i = 0; i < m->norder; i++) {
        struct plan_order *o = &m->order[i];
        o->column = resolve_col(o->column, first_hidden);
        if (o->weight >= 0)
            o->weight = (int16_t)resolve_col((uint16_t)o->weight, first_hidden);
        if (o->column >= ncols || o->weight >= (int)ncols)
            return -1;
    }
    m->ncols = ncols;
    m->ncols_from_result = false;
    return 0;
}
