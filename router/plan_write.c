/*
 * plan_write.c — writes in a sharded keyspace.
 *
 *  - INSERT / REPLACE into a sharded table: the column list must name the
 *    shard key; every row's key is a literal whose shard the router
 *    computes; rows are grouped by shard and each shard gets the statement's
 *    text up to the first row, its own rows joined with ", ", and the text
 *    after the last row (ON DUPLICATE KEY UPDATE, a row alias). One shard:
 *    the statement unchanged, merge NONE; several: merge AFFECTED.
 *    Refused: no column list, no key column (the sequence feature comes
 *    later), a key that is an expression, NULL, DEFAULT or a placeholder,
 *    ON DUPLICATE KEY UPDATE of the key, INSERT ... SELECT (unless the
 *    keyspace has one shard), RETURNING on several shards.
 *  - UPDATE / DELETE: pinned -> the owning shards (IN lists narrowed),
 *    not pinned -> every shard when scatter writes are allowed. Refused:
 *    setting the shard key (it would move the row), LIMIT on several shards
 *    (each would pick its own rows; ORDER BY alone is fine), RETURNING or
 *    functions with side effects on several shards, several sharded tables
 *    not pinned to one shard.
 *  - Writes to reference tables go to every shard (merge SAME, flag
 *    REFERENCE); one that reads a sharded table is refused (each shard
 *    would write different rows).
 *  - DDL on sharded and reference tables (CREATE / ALTER / DROP / TRUNCATE
 *    / RENAME TABLE, CREATE / DROP INDEX) goes to every shard (merge SAME,
 *    flag DDL). Refused: a table the map does not know (add it to the map
 *    first), temporary tables, CREATE TABLE ... SELECT from sharded tables,
 *    databases, views, triggers, routines, events and other objects.
 */
#include "plan_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int first_of(const struct pw *w, enum pt_kind kind, bool target)
{
    for (unsigned i = 0; i < w->c->ntables; i++)
        if (w->tab[i].kind == kind && (!target || (w->c->tables[i].flags & CLS_T_TARGET)))
            return (int)i;
    return -1;
}

static int refuse_unknown(struct pw *w, int i, const char *what)
{
    char tn[2 * PW_NAME_MAX];
    return pw_refuse_plain(
        w, PW_UNSUPPORTED,
        "%s: table %s is not in shard map version %llu (neither sharded nor a "
        "reference table)%s",
        what, pw_tname(w, (unsigned)i, tn, sizeof(tn)), (unsigned long long)w->map->version,
        strcmp(what, "DDL") == 0 ? "; add it to the shard map (sharded or reference) first" : "");
}

/* Every shard, merge SAME. */
static int every_shard(struct pw *w)
{
    struct pset all;
    if (w->ks->nshards > PLAN_MAX_TARGETS)
        return pw_refuse(w, 1105, "HY000",
                         "keyspace '%s' has %d shards, more than a plan addresses (%d)",
                         w->ks->name, w->ks->nshards, PLAN_MAX_TARGETS);
    pset_all(&all, w->ks);
    pw_targets(w, &all);
    w->p->merge.kind = w->p->ntargets > 1 ? PLAN_MERGE_SAME : PLAN_MERGE_NONE;
    return 0;
}

/* A write to reference table ref: every shard, unless it reads sharded rows. */
static int reference_write(struct pw *w, int ref)
{
    int sh = first_of(w, PT_SHARDED, false);
    if (sh >= 0) {
        char ta[2 * PW_NAME_MAX], tb[2 * PW_NAME_MAX];
        return pw_refuse(w, PW_UNSUPPORTED,
                         "a write to reference table %s that reads sharded table %s is not "
                         "supported: each shard would write different rows",
                         pw_tname(w, (unsigned)ref, ta, sizeof(ta)),
                         pw_tname(w, (unsigned)sh, tb, sizeof(tb)));
    }
    w->p->flags |= PLAN_F_REFERENCE | PLAN_F_WRITE | PLAN_F_PRIMARY;
    return every_shard(w);
}

/* ---- INSERT / REPLACE --------------------------------------------------- */

static const char *row_verb(const struct pw *w)
{
    return w->c->kind == CLS_REPLACE ? "REPLACE" : "INSERT";
}

/* The shard of every row of table ti into w->vshard; their set. */
static int insert_rows(struct pw *w, unsigned ti, struct pset *set)
{
    const struct cls *c = w->c;
    const struct cls_table *t = &c->tables[ti];
    const struct shardmap_table *st = w->tab[ti].st;
    char tn[2 * PW_NAME_MAX];
    memset(set, 0, sizeof(*set));
    for (unsigned k = t->first; k < (unsigned)t->first + t->count; k++) {
        const struct cls_value *v = &c->values[k];
        int s = pw_value_shard(w, st, v, true);
        w->vshard[k] = (int16_t)s;
        if (s >= 0) {
            pset_add(set, (unsigned)s);
            continue;
        }
        const char *why = v->type == CLS_V_NULL    ? "a NULL shard key"
                          : v->type == CLS_V_PARAM ? "a placeholder"
                                                   : "not a literal of the key's type";
        return pw_refuse(
            w, PW_UNSUPPORTED, "%s into %s: cannot compute the shard of %.*s (row %u, %s %s)",
            row_verb(w), pw_tname(w, ti, tn, sizeof(tn)),
            (int)(v->text.len > 64 ? 64 : v->text.len), v->text.p, k - t->first + 1, why, st->key);
    }
    return 0;
}

/* Rows without the shard key: keys from the table's sequence. Without ids
 * in env yet: PLAN_F_NEED_IDS (the router reserves them and plans again).
 * With them: each row's shard into w->vshard, their set, and the key
 * column added to the column list (the rows get theirs when rendered). */
static int generated_keys(struct pw *w, unsigned ti, struct pset *set)
{
    const struct cls *c = w->c;
    const struct cls_table *t = &c->tables[ti];
    const struct shardmap_table *st = w->tab[ti].st;
    struct plan *p = w->p;
    char tn[2 * PW_NAME_MAX];
    const char *table = pw_tname(w, ti, tn, sizeof(tn));
    if (st->seq_keyspace == NULL)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s into sharded table %s: rows need the shard key %s (give it a value, "
                         "or declare a sequence for the table in the shard map)",
                         row_verb(w), table, st->key);
    if (c->ins_cols.len < 2)
        return pw_refuse(w, 1105, "HY000", "internal error: no column list for %s", table);
    if (w->env->seq_count < t->count) {
        p->flags |= PLAN_F_NEED_IDS;
        p->need_ids = t->count;
        p->seq = st;
        p->ntargets = 0;
        return 0;
    }
    memset(set, 0, sizeof(*set));
    w->gen = true;
    w->gen_first = w->env->seq_first;
    p->insert_id = w->gen_first;
    for (unsigned k = t->first; k < (unsigned)t->first + t->count; k++) {
        uint64_t id = w->gen_first + (k - t->first);
        const struct shardmap_shard *sh =
            shardmap_lookup(w->ks, shardmap_ksid_int(w->map, (int64_t)id));
        long i = sh != NULL ? sh - w->ks->shards : -1;
        if (i < 0 || i >= PLAN_MAX_TARGETS)
            return pw_refuse(w, 1105, "HY000", "internal error: no shard for key %llu of %s",
                             (unsigned long long)id, table);
        w->vshard[k] = (int16_t)i;
        pset_add(set, (unsigned)i);
    }
    /* ", `key`" before the column list's ')' */
    char *col = w->gen_col;
    size_t k = 0, n = strlen(st->key);
    col[k++] = ',';
    col[k++] = ' ';
    col[k++] = '`';
    for (size_t j = 0; j < n && k < sizeof(w->gen_col) - 3; j++) {
        if (st->key[j] == '`')
            col[k++] = '`';
        col[k++] = st->key[j];
    }
    col[k++] = '`';
    struct pedit *e = pw_edit(w, c->ins_cols.p + c->ins_cols.len - 1, 0, PE_TEXT);
    e->s = col;
    e->len = (uint32_t)k;
    return 0;
}

int pw_insert(struct pw *w)
{
    const struct cls *c = w->c;
    struct plan *p = w->p;
    char tn[2 * PW_NAME_MAX];
    int ti = -1;
    for (unsigned i = 0; i < c->ntables; i++)
        if ((c->tables[i].flags & CLS_T_TARGET) && w->tab[i].kind != PT_NONE) {
            ti = (int)i;
            break;
        }
    if (ti < 0 || w->tab[ti].kind == PT_SYSTEM) {
        pw_target_any(w, w->ks);
        return 0;
    }
    int unknown = first_of(w, PT_UNKNOWN, false);
    if (unknown >= 0)
        return refuse_unknown(w, unknown, row_verb(w));
    if (w->tab[ti].kind == PT_REFERENCE)
        return reference_write(w, ti);
    const char *table = pw_tname(w, (unsigned)ti, tn, sizeof(tn));
    const char *key = w->tab[ti].st->key;
    if (c->flags & CLS_F_NO_COLUMN_LIST)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s into sharded table %s without a column list: list the columns (the "
                         "router finds the shard key %s by name)",
                         row_verb(w), table, key);
    if (c->flags & CLS_F_INSERT_SELECT) {
        if (w->ks->nshards == 1 && first_of(w, PT_SHARDED, false) >= 0) {
            pw_target_any(w, w->ks);
            return 0;
        }
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s ... SELECT into sharded table %s is not supported: the router "
                         "cannot compute the shard of each selected row",
                         row_verb(w), table);
    }
    if (!(c->tables[ti].flags & CLS_T_SHARDED))
        return pw_refuse(w, 1105, "HY000",
                         "internal error: the statement was classified without the shard map "
                         "(table %s)",
                         table);
    if (!c->tables[ti].pinned)
        return pw_refuse(w, PW_UNSUPPORTED, "%s into sharded table %s: rows need the shard key %s",
                         row_verb(w), table, key);
    if (c->flags & CLS_F_ON_DUP_SETS_KEY)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "ON DUPLICATE KEY UPDATE of the shard key column %s of %s would move "
                         "the row to another shard",
                         key, table);
    struct pset set;
    const struct cls_table *tt = &c->tables[ti];
    bool gen = tt->count > 0 && c->values[tt->first].type == CLS_V_MISSING;
    if (gen) {
        int rc = generated_keys(w, (unsigned)ti, &set);
        if (rc != 0 || (p->flags & PLAN_F_NEED_IDS))
            return rc;
    } else if (insert_rows(w, (unsigned)ti, &set) != 0) {
        return -1;
    }
    /* other sharded tables (subqueries in VALUES) must live on that shard */
    for (unsigned i = 0; i < c->ntables; i++) {
        struct pset s;
        if (i == (unsigned)ti || w->tab[i].kind != PT_SHARDED)
            continue;
        if (!c->tables[i].pinned || !(c->tables[i].flags & CLS_T_SHARDED) ||
            !pw_table_shards(w, i, &s) || pset_count(&set) != 1 || pset_count(&s) != 1 ||
            pset_first(&s) != pset_first(&set)) {
            char t2[2 * PW_NAME_MAX];
            return pw_refuse(w, PW_UNSUPPORTED,
                             "%s into %s reading sharded table %s on another shard is not "
                             "supported",
                             row_verb(w), table, pw_tname(w, i, t2, sizeof(t2)));
        }
    }
    if (pw_targets(w, &set) != 0)
        return -1;
    if (p->ntargets <= 1 && !gen)
        return 0;
    if (c->flags & CLS_F_RETURNING && p->ntargets > 1)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s ... RETURNING into %s with rows for %u shards is not supported",
                         row_verb(w), table, p->ntargets);
    const struct cls_table *t = &c->tables[ti];
    const struct cls_value *v0 = &c->values[t->first], *vn = &c->values[t->first + t->count - 1];
    for (unsigned k = t->first; k < (unsigned)t->first + t->count; k++)
        if (c->values[k].row.len == 0)
            return pw_refuse(w, 1105, "HY000", "internal error: no row text for %s", table);
    struct pedit *e =
        pw_edit(w, v0->row.p, (uint32_t)(vn->row.p + vn->row.len - v0->row.p), PE_ROWS);
    e->tab = (uint8_t)ti;
    p->merge.kind = p->ntargets > 1 ? PLAN_MERGE_AFFECTED : PLAN_MERGE_NONE;
    return 0;
}

/* ---- UPDATE / DELETE ---------------------------------------------------- */

int pw_update_delete(struct pw *w)
{
    const struct cls *c = w->c;
    struct plan *p = w->p;
    char tn[2 * PW_NAME_MAX];
    const char *verb = c->kind == CLS_UPDATE ? "UPDATE" : "DELETE";
    int unknown = first_of(w, PT_UNKNOWN, false);
    if (unknown >= 0)
        return refuse_unknown(w, unknown, verb);
    int ref = first_of(w, PT_REFERENCE, true);
    if (ref >= 0)
        return reference_write(w, ref);
    int ti = first_of(w, PT_SHARDED, true);
    if (ti < 0) { /* system tables */
        pw_target_any(w, w->ks);
        return 0;
    }
    const char *table = pw_tname(w, (unsigned)ti, tn, sizeof(tn));
    struct pins pins;
    if (c->flags & CLS_F_SETS_KEY) {
        /* Allowed only when the new key is a literal of the one shard
         * every row the statement can touch lives on. */
        int to =
            c->key_set_literal ? pw_value_shard(w, w->tab[ti].st, &c->key_set, true) : PV_UNKNOWN;
        if (to < 0 || w->c->ntables != 1 || pw_pins(w, true, &pins) != 0 || pins.scatter ||
            pins.empty || pset_count(&pins.set) != 1 || pset_first(&pins.set) != to) {
            if (p->kind == PLAN_REFUSE)
                p->kind = PLAN_ROUTE; /* pw_pins' reason is not the one to give */
            return pw_refuse(w, PW_UNSUPPORTED,
                             "UPDATE of the shard key column %s of %s would move the row to "
                             "another shard (allowed only when the WHERE clause pins the key to "
                             "one shard and the new key is a literal of that shard)",
                             w->tab[ti].st->key, table);
        }
    } else if (pw_pins(w, true, &pins) != 0) {
        return -1;
    }
    if (pins.empty) {
        p->flags |= PLAN_F_EMPTY;
        pw_target_any(w, w->ks);
        return 0;
    }
    if (pins.scatter && !w->env->scatter_writes)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "UPDATE/DELETE without the shard key of %s would touch every shard; "
                         "scatter writes are disabled",
                         table);
    if (pins.scatter)
        p->flags |= PLAN_F_SCATTER;
    if (pw_targets(w, &pins.set) != 0)
        return -1;
    if (p->ntargets <= 1)
        return 0;
    if (c->flags & CLS_F_DML_LIMIT)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s ... LIMIT on %s across %u shards is not supported: the shards "
                         "cannot agree on which rows",
                         verb, table, p->ntargets);
    if (c->flags & CLS_F_RETURNING)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s ... RETURNING on %s across %u shards is not supported", verb, table,
                         p->ntargets);
    if (c->flags & CLS_F_SIDE_EFFECT_FN)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s of %s across %u shards calling a function with side effects (stored "
                         "function, lock, sequence) is not supported",
                         verb, table, p->ntargets);
    if (pw_check_scatter_limit(w, ti) != 0)
        return -1;
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct cls_table *t = &c->tables[i];
        if (w->tab[i].kind != PT_SHARDED || !w->tpinned[i] || t->count < 2 ||
            t->pin_span.len == 0 || !pw_split_list(w, i))
            continue;
        struct pedit *e = pw_edit(w, t->pin_span.p, t->pin_span.len, PE_INLIST);
        e->tab = (uint8_t)i;
    }
    p->merge.kind = PLAN_MERGE_AFFECTED;
    return 0;
}

/* ---- DDL ---------------------------------------------------------------- */

static bool word_is(struct cls_span s, const char *w)
{
    size_t n = strlen(w);
    return s.len == n && strncasecmp(s.p, w, n) == 0;
}

/* Does the statement hold a query (CREATE TABLE ... SELECT)? */
static bool has_query(const struct pw *w)
{
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, w->sql, w->len, w->env->lexflags);
    for (;;) {
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_EOF || t.type == SQLTOK_ERROR)
            return false;
        if (sqltok_is(&t, "SELECT") || sqltok_is(&t, "VALUES"))
            return true;
    }
}

int pw_ddl(struct pw *w)
{
    const struct cls *c = w->c;
    struct plan *p = w->p;
    struct cls_span obj = c->ddl_object;
    char verb[16];
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, w->sql, w->len, w->env->lexflags);
    sqllex_next(&lx, &t);
    snprintf(verb, sizeof(verb), "%.*s",
             t.type == SQLTOK_IDENT && t.len < sizeof(verb) ? (int)t.len : 0, t.p);
    for (char *q = verb; *q; q++)
        if (*q >= 'a' && *q <= 'z')
            *q = (char)(*q - 'a' + 'A');
    bool table_ddl =
        obj.len == 0 || word_is(obj, "TABLE") || word_is(obj, "TABLES") || word_is(obj, "INDEX");
    if (!table_ddl)
        return pw_refuse(w, PW_UNSUPPORTED, "%s %.*s in sharded keyspace '%s' is not supported",
                         verb, (int)(obj.len > 32 ? 32 : obj.len), obj.p, w->ks->name);
    if (c->flags & CLS_F_TEMPORARY)
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s TEMPORARY TABLE in sharded keyspace '%s' is not supported", verb,
                         w->ks->name);
    bool all_reference = true, any_target = false;
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct ptab *pt = &w->tab[i];
        if (pt->kind == PT_UNKNOWN)
            return refuse_unknown(w, (int)i, "DDL");
        if (!(c->tables[i].flags & CLS_T_TARGET) || pt->kind == PT_NONE)
            continue;
        any_target = true;
        if (pt->kind != PT_REFERENCE)
            all_reference = false;
    }
    int sharded_read = -1;
    for (unsigned i = 0; i < c->ntables && sharded_read < 0; i++)
        if (w->tab[i].kind == PT_SHARDED && !(c->tables[i].flags & CLS_T_TARGET))
            sharded_read = (int)i;
    if (sharded_read >= 0 && has_query(w)) {
        char tn[2 * PW_NAME_MAX];
        return pw_refuse(w, PW_UNSUPPORTED,
                         "%s TABLE ... SELECT from sharded table %s is not supported", verb,
                         pw_tname(w, (unsigned)sharded_read, tn, sizeof(tn)));
    }
    p->flags |= PLAN_F_DDL | PLAN_F_WRITE | PLAN_F_PRIMARY;
    if (any_target && all_reference)
        p->flags |= PLAN_F_REFERENCE;
    return every_shard(w);
}
