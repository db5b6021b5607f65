/*
 * plan_text.c — the statement texts of a plan: a list of edits over the
 * caller's text (replace sql[at, at + del) by a piece), rendered once per
 * target into p->text, or not at all when nothing changes (the targets
 * then point at the caller's text).
 *
 * Pieces that vary per target: keyspace qualifiers (each shard has its own
 * schema name), IN lists narrowed to the target's values, INSERT rows of
 * the target's shard. Pieces that copy part of the statement (an
 * expression appended as a hidden column, a row) get the qualifier edits
 * inside them applied too; an alias made from an item's text is copied
 * verbatim (it is the column name the client sees).
 *
 * Qualifiers rewritten: the schema of every table reference the
 * classifier recorded, three-part column references (ks.t.col, ks.t.*),
 * and SHOW ... FROM|IN ks. A two-part name outside a table position
 * (ks.f() for a stored function) is not rewritten.
 */
#include "plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- edits -------------------------------------------------------------- */

struct pedit *pw_edit(struct pw *w, const char *at, uint32_t del, enum pe_kind kind)
{
    struct pedit *e = &w->ed[w->ned < PW_MAX_EDITS ? w->ned : PW_MAX_EDITS];
    if (w->ned < PW_MAX_EDITS)
        w->ned++;
    else
        w->ed_overflow = true;
    e->at = (uint32_t)(at - w->sql);
    e->del = del;
    e->seq = w->ned;
    e->kind = (uint8_t)kind;
    e->tab = 0;
    e->s = NULL;
    e->len = 0;
    e->ks = NULL;
    e->num = 0;
    return e;
}

void pw_edit_text(struct pw *w, const char *at, uint32_t del, const char *s)
{
    struct pedit *e = pw_edit(w, at, del, PE_TEXT);
    e->s = s;
    e->len = (uint32_t)strlen(s);
}

void pw_edit_span(struct pw *w, const char *at, struct cls_span s)
{
    struct pedit *e = pw_edit(w, at, 0, PE_SPAN);
    e->s = s.p;
    e->len = s.len;
}

static bool has_edit_at(const struct pw *w, const char *at, enum pe_kind kind)
{
    uint32_t off = (uint32_t)(at - w->sql);
    for (unsigned i = 0; i < w->ned; i++)
        if (w->ed[i].at == off && w->ed[i].kind == kind)
            return true;
    return false;
}

/* ---- qualifiers --------------------------------------------------------- */

/* Do some of ks's targets use a schema other than the keyspace name? The
 * plan's keyspace: any of its shards; another (same-server unsharded) one:
 * its shard. */
static bool ks_renamed(const struct pw *w, const struct shardmap_keyspace *ks)
{
    int n = ks == w->ks ? ks->nshards : 1;
    for (int i = 0; i < n; i++)
        if (strcmp(ks->shards[i].schema, ks->name) != 0)
            return true;
    return false;
}

static void qual_edit(struct pw *w, struct cls_span s, const struct shardmap_keyspace *ks,
                      uint8_t quote)
{
    if (has_edit_at(w, s.p, PE_QUAL))
        return;
    struct pedit *e = pw_edit(w, s.p, s.len, PE_QUAL);
    e->ks = ks;
    e->tab = quote; /* 0: `name`, 1: 'name' */
}

static bool is_name(const struct sqltok *t)
{
    return t->type == SQLTOK_IDENT || t->type == SQLTOK_QIDENT;
}

static bool is_punct(const struct sqltok *t, char c)
{
    return t->type == SQLTOK_PUNCT && t->len == 1 && t->p[0] == c;
}

/* The renamed keyspace a name token names, or NULL. */
static const struct shardmap_keyspace *ks_of_token(const struct pw *w, const struct sqltok *t,
                                                   const bool *renamed)
{
    char name[PW_NAME_MAX];
    struct cls_span s = {t->p, (uint32_t)t->len};
    if (cls_name(s, name, sizeof(name)) != 0)
        return NULL;
    for (unsigned k = 0; k < w->nks && k < PW_MAX_KS; k++)
        if (renamed[k] && strcmp(w->kss[k]->name, name) == 0)
            return w->kss[k];
    return NULL;
}

/* ks.t.col and ks.t.* anywhere in the statement. */
static void three_part(struct pw *w, const bool *renamed)
{
    struct sqllex lx;
    struct sqltok r[6]; /* the last six tokens, r[5] the newest */
    memset(r, 0, sizeof(r));
    sqllex_init(&lx, w->sql, w->len, w->env->lexflags);
    for (;;) {
        memmove(&r[0], &r[1], 5 * sizeof(r[0]));
        sqllex_next(&lx, &r[5]);
        if (r[5].type == SQLTOK_EOF || r[5].type == SQLTOK_ERROR)
            return;
        if (is_name(&r[1]) && is_punct(&r[2], '.') && is_name(&r[3]) && is_punct(&r[4], '.') &&
            (is_name(&r[5]) || is_punct(&r[5], '*')) && !is_punct(&r[0], '.')) {
            const struct shardmap_keyspace *ks = ks_of_token(w, &r[1], renamed);
            if (ks != NULL) {
                struct cls_span s = {r[1].p, (uint32_t)r[1].len};
                qual_edit(w, s, ks, 0);
            }
        }
    }
}

/* Is the text a column reference (names and dots only)? The server names
 * such an item by the column alone. */
static bool column_ref(const struct pw *w, struct cls_span e)
{
    struct sqllex lx;
    struct sqltok t;
    sqllex_init(&lx, e.p, e.len, w->env->lexflags);
    for (sqllex_next(&lx, &t); t.type != SQLTOK_EOF; sqllex_next(&lx, &t))
        if (!is_name(&t) && !is_punct(&t, '.'))
            return false;
    return true;
}

/* A select item without an alias whose text a qualifier rewrite changes
 * would be named after the shard's schema: name it as the client wrote it
 * (AS `text`). Column references keep their names (the column's). */
static void alias_renamed_items(struct pw *w)
{
    const struct cls *c = w->c;
    if (c->kind != CLS_SELECT)
        return;
    for (unsigned i = 0; i < c->nitems; i++) {
        const struct cls_item *it = &c->items[i];
        if (it->alias.len > 0 || it->star || it->expr.len == 0 || it->expr.len > 250)
            continue;
        uint32_t a = (uint32_t)(it->expr.p - w->sql), b = a + it->expr.len;
        bool renamed = false, aliased = false;
        for (unsigned k = 0; k < w->ned; k++) {
            const struct pedit *e = &w->ed[k];
            renamed |= e->kind == PE_QUAL && e->at >= a && e->at < b;
            aliased |= e->kind == PE_ALIAS && e->at == b;
        }
        if (!renamed || aliased || column_ref(w, it->expr))
            continue;
        pw_edit_text(w, it->expr.p + it->expr.len, 0, " AS ");
        struct pedit *e = pw_edit(w, it->expr.p + it->expr.len, 0, PE_ALIAS);
        e->s = it->expr.p;
        e->len = it->expr.len;
    }
}

void pw_qualifiers(struct pw *w)
{
    const struct cls *c = w->c;
    bool renamed[PW_MAX_KS], any = false;
    if (w->p->kind == PLAN_REFUSE || w->p->ntargets == 0)
        return;
    for (unsigned k = 0; k < w->nks && k < PW_MAX_KS; k++)
        any |= renamed[k] = ks_renamed(w, w->kss[k]);
    if (!any)
        return;
    for (unsigned i = 0; i < c->ntables; i++) {
        const struct ptab *t = &w->tab[i];
        if (c->tables[i].schema.len == 0 || t->ks == NULL)
            continue;
        for (unsigned k = 0; k < w->nks && k < PW_MAX_KS; k++)
            if (w->kss[k] == t->ks && renamed[k])
                qual_edit(w, c->tables[i].schema, t->ks, 0);
    }
    if (memchr(w->sql, '.', w->len) != NULL)
        three_part(w, renamed);
    alias_renamed_items(w);
}

static bool is_table_name(const struct pw *w, const char *p)
{
    for (unsigned i = 0; i < w->c->ntables; i++)
        if (w->c->tables[i].name.p == p)
            return true;
    return false;
}

void pw_show_from(struct pw *w)
{
    struct sqllex lx;
    struct sqltok prev, t, next;
    memset(&prev, 0, sizeof(prev));
    sqllex_init(&lx, w->sql, w->len, w->env->lexflags);
    sqllex_next(&lx, &t);
    while (t.type != SQLTOK_EOF && t.type != SQLTOK_ERROR) {
        sqllex_next(&lx, &next);
        if (is_name(&t) && (sqltok_is(&prev, "FROM") || sqltok_is(&prev, "IN")) &&
            !is_punct(&next, '.') && !is_table_name(w, t.p)) {
            char name[PW_NAME_MAX];
            struct cls_span s = {t.p, (uint32_t)t.len};
            const struct shardmap_keyspace *ks = NULL;
            if (cls_name(s, name, sizeof(name)) == 0)
                ks = shardmap_keyspace(w->map, name);
            if (ks != NULL) {
                unsigned before = w->nks;
                for (unsigned k = 0; k < w->nks && k < PW_MAX_KS; k++)
                    if (w->kss[k] == ks)
                        before = k;
                if (before == w->nks && w->nks < PW_MAX_KS)
                    w->kss[w->nks++] = ks;
                if (strcmp(ks->shards[0].schema, ks->name) != 0)
                    qual_edit(w, s, ks, 0);
            }
        }
        prev = t;
        t = next;
    }
}

void pw_system_literals(struct pw *w)
{
    struct sqllex lx;
    struct sqltok t;
    const struct shardmap_keyspace *chosen = NULL;
    for (unsigned i = 0; i < w->c->ntables; i++)
        if (w->tab[i].kind != PT_SYSTEM && w->tab[i].kind != PT_NONE)
            return;
    sqllex_init(&lx, w->sql, w->len, w->env->lexflags);
    for (;;) {
        sqllex_next(&lx, &t);
        if (t.type == SQLTOK_EOF || t.type == SQLTOK_ERROR)
            break;
        if (t.type != SQLTOK_STRING || (t.p[0] != '\'' && t.p[0] != '"') || t.len < 2 ||
            t.len > PW_NAME_MAX)
            continue;
        char name[PW_NAME_MAX];
        struct cls_span s = {t.p, (uint32_t)t.len};
        if (cls_name(s, name, sizeof(name)) != 0)
            continue;
        const struct shardmap_keyspace *ks = shardmap_keyspace(w->map, name);
        if (ks == NULL || (chosen != NULL && ks != chosen))
            continue;
        chosen = ks;
        if (strcmp(ks->shards[0].schema, ks->name) != 0)
            qual_edit(w, s, ks, 1);
    }
    if (chosen != NULL) {
        w->kss[0] = chosen;
        w->nks = 1;
    }
}

/* ---- IN lists ----------------------------------------------------------- */

bool pw_split_list(struct pw *w, unsigned i)
{
    const struct cls_table *t = &w->c->tables[i];
    struct sqllex lx;
    struct sqltok tok;
    unsigned k = t->first, end = (unsigned)t->first + t->count;
    const char *start = NULL, *last = NULL;
    sqllex_init(&lx, t->pin_span.p, t->pin_span.len, w->env->lexflags);
    for (;;) {
        sqllex_next(&lx, &tok);
        if (tok.type == SQLTOK_ERROR)
            return false;
        if (tok.type == SQLTOK_EOF || is_punct(&tok, ',')) {
            if (start == NULL || k >= end)
                return false;
            w->vel_off[k] = (uint32_t)(start - w->sql);
            w->vel_len[k] = (uint32_t)(last - start);
            k++;
            start = NULL;
            if (tok.type == SQLTOK_EOF)
                break;
            continue;
        }
        if (start == NULL)
            start = tok.p;
        last = tok.p + tok.len;
    }
    if (k != end)
        return false;
    w->narrow[i] = true;
    return true;
}

/* ---- rendering ---------------------------------------------------------- */

static void put(struct pw *w, const char *s, size_t n)
{
    struct plan *p = w->p;
    if (w->oom || n == 0)
        return;
    if (p->text_cap - p->text_len < n) {
        size_t cap = p->text_cap ? p->text_cap : 1024;
        while (cap - p->text_len < n)
            cap *= 2;
        char *t = realloc(p->text, cap);
        if (t == NULL) {
            w->oom = true;
            return;
        }
        p->text = t;
        p->text_cap = cap;
    }
    memcpy(p->text + p->text_len, s, n);
    p->text_len += n;
}

static void put_quoted(struct pw *w, const char *s, size_t n, char q)
{
    put(w, &q, 1);
    for (size_t i = 0; i < n; i++) {
        put(w, &s[i], 1);
        if (s[i] == q)
            put(w, &q, 1);
    }
    put(w, &q, 1);
}

static bool ed_before(const struct pedit *a, const struct pedit *b)
{
    if (a->at != b->at)
        return a->at < b->at;
    if ((a->del > 0) != (b->del > 0))
        return a->del == 0; /* insertions before a replacement at the same place */
    return a->seq < b->seq;
}

static void sort_edits(struct pw *w)
{
    for (unsigned i = 1; i < w->ned; i++) {
        struct pedit e = w->ed[i];
        unsigned j = i;
        while (j > 0 && ed_before(&e, &w->ed[j - 1])) {
            w->ed[j] = w->ed[j - 1];
            j--;
        }
        w->ed[j] = e;
    }
}

static int render_range(struct pw *w, uint32_t from, uint32_t to, int sh, bool all);

static int render_piece(struct pw *w, const struct pedit *e, int sh)
{
    const struct cls *c = w->c;
    switch (e->kind) {
    case PE_TEXT:
        put(w, e->s, e->len);
        return 0;
    case PE_SPAN:
        return render_range(w, (uint32_t)(e->s - w->sql), (uint32_t)(e->s - w->sql) + e->len, sh,
                            false);
    case PE_ALIAS:
        put_quoted(w, e->s, e->len, '`');
        return 0;
    case PE_QUAL: {
        const char *schema = e->ks == w->ks ? w->ks->shards[sh].schema : e->ks->shards[0].schema;
        put_quoted(w, schema, strlen(schema), e->tab ? '\'' : '`');
        return 0;
    }
    case PE_INLIST: {
        const struct cls_table *t = &c->tables[e->tab];
        bool first = true;
        for (unsigned k = t->first; k < (unsigned)t->first + t->count; k++) {
            if (w->vshard[k] != sh)
                continue;
            if (!first)
                put(w, ", ", 2);
            first = false;
            put(w, w->sql + w->vel_off[k], w->vel_len[k]);
        }
        return 0;
    }
    case PE_ROWS: {
        const struct cls_table *t = &c->tables[e->tab];
        bool first = true;
        for (unsigned k = t->first; k < (unsigned)t->first + t->count; k++) {
            const struct cls_value *v = &c->values[k];
            if (w->vshard[k] != sh)
                continue;
            if (!first)
                put(w, ", ", 2);
            first = false;
            uint32_t off = (uint32_t)(v->row.p - w->sql);
            if (v->type == CLS_V_MISSING && w->gen) {
                /* the row without its ')', then the generated key */
                char num[32];
                int n = snprintf(num, sizeof(num), ", %llu)",
                                 (unsigned long long)(w->gen_first + (k - t->first)));
                if (render_range(w, off, off + v->row.len - 1, sh, false) != 0)
                    return -1;
                put(w, num, (size_t)n);
                continue;
            }
            if (render_range(w, off, off + v->row.len, sh, false) != 0)
                return -1;
        }
        return 0;
    }
    case PE_NUM: {
        char num[24];
        int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)e->num);
        put(w, num, (size_t)n);
        return 0;
    }
    default:
        return -1;
    }
}

/* First edit at or after offset off (edits sorted). */
static unsigned edit_from(const struct pw *w, uint32_t off)
{
    unsigned lo = 0, hi = w->ned;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (w->ed[mid].at < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* sql[from, to) with the edits inside it (all: every edit, the whole
 * statement; else only qualifiers, inside a copied piece). */
static int render_range(struct pw *w, uint32_t from, uint32_t to, int sh, bool all)
{
    uint32_t pos = from;
    for (unsigned i = edit_from(w, from); i < w->ned; i++) {
        const struct pedit *e = &w->ed[i];
        if (e->at > to || (e->at == to && (!all || e->del > 0)))
            break;
        if (!all && e->kind != PE_QUAL)
            continue;
        if (e->at < pos) {
            if (e->kind == PE_QUAL)
                continue; /* inside a replaced part: its pieces apply it */
            return -1;
        }
        put(w, w->sql + pos, e->at - pos);
        if (render_piece(w, e, sh) != 0)
            return -1;
        pos = e->at + e->del;
    }
    if (pos < to)
        put(w, w->sql + pos, to - pos);
    return 0;
}

int pw_render(struct pw *w)
{
    struct plan *p = w->p;
    if (p->kind == PLAN_REFUSE)
        return -1;
    if (w->ed_overflow)
        return pw_refuse(w, 1105, "HY000",
                         "the statement needs more rewriting than the router does (%d pieces)",
                         PW_MAX_EDITS);
    if (w->oom)
        return pw_refuse_plain(w, 1041, "HY000", "Out of memory");
    for (unsigned t = 0; t < p->ntargets; t++) {
        p->targets[t].original = true;
        p->targets[t].sql_off = 0;
        p->targets[t].sql_len = (uint32_t)w->len;
    }
    if (w->ned == 0 || p->ntargets == 0)
        return 0;
    sort_edits(w);
    /* do the texts differ between targets? */
    bool vary = false;
    for (unsigned i = 0; i < w->ned && !vary; i++) {
        const struct pedit *e = &w->ed[i];
        if (e->kind == PE_INLIST || e->kind == PE_ROWS)
            vary = true;
        else if (e->kind == PE_QUAL && e->ks == w->ks)
            for (unsigned t = 1; t < p->ntargets && !vary; t++)
                vary = strcmp(p->targets[t].shard->schema, p->targets[0].shard->schema) != 0;
    }
    for (unsigned t = 0; t < p->ntargets; t++) {
        struct plan_target *pt = &p->targets[t];
        pt->original = false;
        if (t > 0 && !vary) {
            pt->sql_off = p->targets[0].sql_off;
            pt->sql_len = p->targets[0].sql_len;
            continue;
        }
        size_t off = p->text_len;
        int sh = (int)(pt->shard - w->ks->shards);
        if (render_range(w, 0, (uint32_t)w->len, sh, true) != 0)
            return pw_refuse(w, 1105, "HY000",
                             "internal error: overlapping rewrites of the statement for shard %s",
                             pt->shard->name);
        if (w->oom)
            return pw_refuse_plain(w, 1041, "HY000", "Out of memory");
        if (p->text_len - off > UINT32_MAX)
            return pw_refuse(w, 1105, "HY000", "rewritten statement too long");
        pt->sql_off = (uint32_t)off;
        pt->sql_len = (uint32_t)(p->text_len - off);
    }
    return 0;
}
