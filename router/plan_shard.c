/*
 * plan_shard.c — from shard-key literals to shards, and from the pins of
 * a statement's sharded tables to its targets.
 *
 * Values (what a pinned literal means for the table's key type):
 *  - integer key: integer literals, decimals with a zero fraction (42.0)
 *    and string literals holding such a number ('42') pin; anything else
 *    (42.5, 4.2e1, ' 42', hex and bit literals) is compared by the server
 *    in ways the router does not reproduce, so the table counts as not
 *    pinned (all shards: correct, only slower);
 *  - string key: string literals pin, unescaped as the session's sql_mode
 *    says (backslash escapes unless NO_BACKSLASH_ESCAPES, doubled quotes),
 *    case-folded for _ci keys by the map; X'..' and 0x.. pin by their bytes;
 *    numbers do not pin (a number is compared numerically with the
 *    column); on INSERT an integer literal is stored as its decimal text
 *    and pins by it;
 *  - NULL never matches: it pins to no shard (`key = NULL` reads answer
 *    empty, from one shard; `key <=> NULL` is IS NULL and pins nothing);
 *    placeholders cannot pin (the text protocol has none; the table counts
 *    as not pinned).
 *
 * Several sharded tables: when every one is pinned and all their values
 * live on one shard, that shard. Otherwise they must meet on each shard:
 * one query block, joined on their keys (the classifier's CLS_U_JOIN_KEYS
 * is clear), keys of the same type, no UNION, no sharded subquery; then the
 * targets are the intersection of their sets (a row of the join has equal
 * keys, so it lives where every pinned set says). Writes of several sharded
 * tables must pin one shard.
 */
#include "plan_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- shard sets --------------------------------------------------------- */

void pset_all(struct pset *s, const struct shardmap_keyspace *ks)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < ks->nshards && i < PLAN_MAX_TARGETS; i++)
        pset_add(s, (unsigned)i);
}

unsigned pset_count(const struct pset *s)
{
    unsigned n = 0;
    for (unsigned k = 0; k < PW_SET_WORDS; k++)
        n += (unsigned)__builtin_popcountll(s->w[k]);
    return n;
}

int pset_first(const struct pset *s)
{
    for (unsigned k = 0; k < PW_SET_WORDS; k++)
        if (s->w[k] != 0)
            return (int)(k * 64 + (unsigned)__builtin_ctzll(s->w[k]));
    return -1;
}

/* ---- literals ----------------------------------------------------------- */

/* The bytes of a quoted string literal (quotes included in p[0, n)) as the
 * server reads them, into dst (at least n bytes). Returns the length. */
static size_t unescape(const char *p, size_t n, unsigned lexflags, char *dst)
{
    char q = p[0];
    size_t o = 0;
    bool bs = !(lexflags & SQLLEX_NO_BACKSLASH_ESCAPES);
    for (size_t i = 1; i + 1 < n; i++) {
        char ch = p[i];
        if (ch == q && i + 2 < n && p[i + 1] == q) {
            i++;
        } else if (ch == '\\' && bs && i + 2 < n) {
            ch = p[++i];
            switch (ch) {
            case '0':
                ch = '\0';
                break;
            case 'b':
                ch = '\b';
                break;
            case 'n':
                ch = '\n';
                break;
            case 'r':
                ch = '\r';
                break;
            case 't':
                ch = '\t';
                break;
            case 'Z':
                ch = '\032';
                break;
            case '%':
            case '_':
                dst[o++] = '\\'; /* kept: LIKE wildcards stay escaped */
                break;
            default:
                break;
            }
        }
        dst[o++] = ch;
    }
    return o;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* X'4142' or 0x4142 to bytes (dst: at least n / 2 + 1). Returns the
 * length, or -1 (bit literals, malformed). */
static long unhex(const char *p, size_t n, char *dst)
{
    const char *d;
    size_t nd;
    if (n >= 3 && (p[0] == 'x' || p[0] == 'X') && p[1] == '\'' && p[n - 1] == '\'') {
        d = p + 2;
        nd = n - 3;
        if (nd % 2 != 0)
            return -1;
    } else if (n >= 3 && p[0] == '0' && p[1] == 'x') {
        d = p + 2;
        nd = n - 2;
    } else {
        return -1;
    }
    size_t o = 0, i = 0;
    if (nd % 2 != 0) { /* 0xabc is 0x0abc */
        int v = hexval(d[0]);
        if (v < 0)
            return -1;
        dst[o++] = (char)v;
        i = 1;
    }
    for (; i < nd; i += 2) {
        int hi = hexval(d[i]), lo = hexval(d[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        dst[o++] = (char)(hi << 4 | lo);
    }
    return (long)o;
}

/* An integer literal as the decimal text a string column stores: no '+',
 * no leading zeros, "-0" is "0". Returns the length, or 0. */
static size_t int_text(const char *p, size_t n, char *dst, size_t cap)
{
    size_t i = 0, o = 0;
    bool neg = false;
    if (i < n && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    while (i + 1 < n && p[i] == '0')
        i++;
    if (i >= n || n - i + 1 > cap)
        return 0;
    if (neg && !(n - i == 1 && p[i] == '0'))
        dst[o++] = '-';
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        dst[o++] = p[i];
    }
    return o;
}

/* A scratch area of n bytes at the end of p->text (not kept). */
static char *scratch(struct pw *w, size_t n)
{
    struct plan *p = w->p;
    if (p->text_cap - p->text_len < n) {
        size_t cap = p->text_cap ? p->text_cap : 1024;
        while (cap - p->text_len < n)
            cap *= 2;
        char *t = realloc(p->text, cap);
        if (t == NULL) {
            w->oom = true;
            return NULL;
        }
        p->text = t;
        p->text_cap = cap;
    }
    return p->text + p->text_len;
}

static int shard_index(struct pw *w, uint64_t ksid)
{
    const struct shardmap_shard *s = shardmap_lookup(w->ks, ksid);
    if (s == NULL)
        return PV_UNKNOWN;
    long i = s - w->ks->shards;
    return i < PLAN_MAX_TARGETS ? (int)i : PV_UNKNOWN;
}

/* Remember a keyspace id for EXPLAIN ROUTE (the first distinct ones). */
static void note_ksid(struct plan *p, uint64_t id)
{
    unsigned n = p->nksids < PLAN_MAX_KSIDS ? p->nksids : PLAN_MAX_KSIDS;
    for (unsigned i = 0; i < n; i++)
        if (p->ksids[i] == id)
            return;
    if (p->nksids < PLAN_MAX_KSIDS)
        p->ksids[p->nksids] = id;
    if (p->nksids < UINT16_MAX)
        p->nksids++;
}

int pw_value_shard(struct pw *w, const struct shardmap_table *st, const struct cls_value *v,
                   bool insert)
{
    const char *t = v->text.p;
    size_t n = v->text.len;
    bool str = st->key_type == SHARDMAP_KEY_STRING;
    uint64_t id;
    char small[256];
    switch (v->type) {
    case CLS_V_NULL:
        return PV_NONE;
    case CLS_V_INT:
        if (str) {
            size_t k;
            if (!insert || (k = int_text(t, n, small, sizeof(small))) == 0)
                return PV_UNKNOWN;
            id = shardmap_ksid_str(w->map, small, k, st->key_ci);
            break;
        }
        if (shardmap_ksid_literal(w->map, st, t, n, &id) != 0)
            return PV_UNKNOWN;
        break;
    case CLS_V_DEC:
        if (str || shardmap_ksid_literal(w->map, st, t, n, &id) != 0)
            return PV_UNKNOWN;
        break;
    case CLS_V_STRING: {
        if (n < 2)
            return PV_UNKNOWN;
        char *buf = n <= sizeof(small) ? small : scratch(w, n);
        if (buf == NULL)
            return PV_UNKNOWN;
        size_t k = unescape(t, n, w->env->lexflags, buf);
        if (shardmap_ksid_literal(w->map, st, buf, k, &id) != 0)
            return PV_UNKNOWN;
        break;
    }
    case CLS_V_HEX: {
        if (!str)
            return PV_UNKNOWN;
        char *buf = n / 2 + 1 <= sizeof(small) ? small : scratch(w, n / 2 + 1);
        long k = buf != NULL ? unhex(t, n, buf) : -1;
        if (k < 0)
            return PV_UNKNOWN;
        id = shardmap_ksid_str(w->map, buf, (size_t)k, st->key_ci);
        break;
    }
    default: /* placeholders, expressions */
        return PV_UNKNOWN;
    }
    note_ksid(w->p, id);
    return shard_index(w, id);
}

bool pw_table_shards(struct pw *w, unsigned i, struct pset *set)
{
    const struct cls_table *t = &w->c->tables[i];
    const struct shardmap_table *st = w->tab[i].st;
    memset(set, 0, sizeof(*set));
    for (unsigned k = t->first; k < (unsigned)t->first + t->count; k++) {
        int s = pw_value_shard(w, st, &w->c->values[k], false);
        w->vshard[k] = (int16_t)s;
        if (s == PV_UNKNOWN)
            return false;
        if (s >= 0)
            pset_add(set, (unsigned)s);
    }
    w->tpinned[i] = true;
    return true;
}

/* ---- the statement's shard set ------------------------------------------ */

static int refuse_meet(struct pw *w, const char *what, int a, int b)
{
    char ta[2 * PW_NAME_MAX], tb[2 * PW_NAME_MAX];
    return pw_refuse(w, PW_UNSUPPORTED, "%s (%s and %s) across shards is not supported", what,
                     pw_tname(w, (unsigned)a, ta, sizeof(ta)),
                     pw_tname(w, (unsigned)b, tb, sizeof(tb)));
}

int pw_pins(struct pw *w, bool write, struct pins *out)
{
    const struct cls *c = w->c;
    struct pset uni, inter;
    const struct shardmap_table *kt = NULL;
    bool all_pinned = true, any_pinned = false, nested = false, same_type = true;
    int second = -1, nested_at = -1;
    memset(out, 0, sizeof(*out));
    memset(&uni, 0, sizeof(uni));
    pset_all(&inter, w->ks);
    out->first = -1;
    for (unsigned i = 0; i < c->ntables; i++) {
        if (w->tab[i].kind != PT_SHARDED)
            continue;
        const struct cls_table *t = &c->tables[i];
        const struct shardmap_table *st = w->tab[i].st;
        out->nsharded++;
        if (out->first < 0)
            out->first = (int)i;
        else if (second < 0)
            second = (int)i;
        if ((t->flags & CLS_T_NESTED) && nested_at < 0) {
            nested = true;
            nested_at = (int)i;
        }
        if (kt == NULL)
            kt = st;
        else if (kt->key_type != st->key_type || kt->key_ci != st->key_ci)
            same_type = false;
        struct pset s;
        /* without CLS_T_SHARDED the classifier did not look for its key */
        if (t->pinned && (t->flags & CLS_T_SHARDED) && pw_table_shards(w, i, &s)) {
            any_pinned = true;
        } else {
            all_pinned = false;
            pset_all(&s, w->ks);
        }
        for (unsigned k = 0; k < PW_SET_WORDS; k++) {
            uni.w[k] |= s.w[k];
            inter.w[k] &= s.w[k];
        }
    }
    if (out->nsharded == 0)
        return 0;
    if (w->ks->nshards > PLAN_MAX_TARGETS && !all_pinned)
        return pw_refuse(w, 1105, "HY000",
                         "keyspace '%s' has %d shards, more than a plan addresses (%d)",
                         w->ks->name, w->ks->nshards, PLAN_MAX_TARGETS);
    unsigned n = pset_count(&uni);
    if (all_pinned && n <= 1) {
        out->set = uni;
        out->empty = n == 0;
        return 0;
    }
    if (out->nsharded == 1) {
        out->set = uni;
        out->scatter = !all_pinned;
        return 0;
    }
    if (write)
        return refuse_meet(w,
                           "a write naming several sharded tables whose keys do not pin one shard",
                           out->first, second);
    if (c->flags & CLS_F_UNION)
        return refuse_meet(w, "UNION of sharded tables", out->first, second);
    if (nested)
        return refuse_meet(w, "a subquery on a sharded table", nested_at,
                           nested_at == out->first ? second : out->first);
    if ((c->unprovable & CLS_U_JOIN_KEYS) || !same_type)
        return refuse_meet(w, "join of sharded tables not on their shard keys", out->first, second);
    out->set = inter;
    out->scatter = !any_pinned;
    out->empty = pset_count(&inter) == 0;
    return 0;
}

/* ---- targets ------------------------------------------------------------ */

static void target_set(struct plan *p, unsigned n, const struct shardmap_shard *s)
{
    p->targets[n].shard = s;
    p->targets[n].sql_off = 0;
    p->targets[n].sql_len = 0;
    p->targets[n].original = true;
}

int pw_targets(struct pw *w, const struct pset *set)
{
    struct plan *p = w->p;
    unsigned n = 0;
    for (unsigned k = 0; k < PW_SET_WORDS; k++) {
        uint64_t bits = set->w[k];
        while (bits != 0) {
            unsigned i = k * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            if ((int)i >= w->ks->nshards)
                continue;
            target_set(p, n++, &w->ks->shards[i]);
        }
    }
    p->ntargets = (uint16_t)n;
    return 0;
}

void pw_target1(struct pw *w, const struct shardmap_keyspace *ks, int i)
{
    target_set(w->p, 0, &ks->shards[i]);
    w->p->ntargets = 1;
}

void pw_target_any(struct pw *w, const struct shardmap_keyspace *ks)
{
    int i = 0;
    if (ks == w->env->prefer_ks && w->env->prefer_shard >= 0 && w->env->prefer_shard < ks->nshards)
        i = w->env->prefer_shard;
    pw_target1(w, ks, i);
    if (ks->sharded)
        w->p->flags |= PLAN_F_ANY_SHARD;
}

int pw_check_scatter_limit(struct pw *w, int table)
{
    int limit = w->env->max_scatter_shards;
    /* pinned keys on several shards (IN lists, INSERT rows) are no scatter */
    if (limit <= 0 || !(w->p->flags & PLAN_F_SCATTER) || w->p->ntargets <= limit)
        return 0;
    char tn[2 * PW_NAME_MAX];
    return pw_refuse(w, PW_UNSUPPORTED,
                     "the statement on %s would go to %u shards, more than max_scatter_shards = %d",
                     table >= 0 ? pw_tname(w, (unsigned)table, tn, sizeof(tn)) : w->ks->name,
                     w->p->ntargets, limit);
}
