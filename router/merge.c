/*
 * merge — scatter/gather result merging. See include/merge.h.
 *
 * State per statement: one held row per target (a copy of its payload and
 * the offsets of its columns), for GROUPED/AGGREGATE the group being
 * combined (its first row plus one accumulator per aggregate column), for
 * DISTINCT the last row that passed. Rows move between these holders by
 * swapping buffers, not by copying; every buffer keeps its capacity from
 * row to row and statement to statement, so the steady state allocates
 * nothing.
 *
 * The executor's loop: feed rows to targets that merge_wants(), mark ends
 * with merge_end(), call merge_output() after each, until merge_done().
 * SORTED and GROUPED can only emit once every running target holds a row:
 * the smallest row of all is then known.
 */
#include "merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge_int.h"
#include "proto.h"

#define MERGE_MAX_COLS (sizeof(((struct plan_merge *)0)->cols) / sizeof(struct plan_col))
#define MERGE_MAX_ORDER (sizeof(((struct plan_merge *)0)->order) / sizeof(struct plan_order))
/* Buffers that grew beyond this for one huge row are released at the next
 * statement. */
#define MERGE_KEEP_BYTES (1u << 20)

#define MF_NULL UINT32_MAX

/* One column of a row: bytes [off, off + len) of the payload. */
struct mfield {
    uint32_t off;
    uint32_t len; /* MF_NULL: NULL */
};

struct mrow {
    struct buf data;     /* owned copy of the payload */
    const uint8_t *base; /* the payload: data.data, or the caller's bytes */
    size_t len;
    struct mfield *f; /* ncols fields (a slice of merge.fields) */
};

struct mtarget {
    struct mrow row;
    bool held; /* row is a row not merged yet */
    bool ended;
};

/* A value: bytes, or NULL. */
struct mval {
    const uint8_t *p;
    size_t len;
    bool null;
};

struct mcol {
    struct merge_colinfo ci;
    uint8_t fam;  /* enum merge_family */
    uint8_t role; /* enum plan_col_role; AVG's hidden count becomes COUNT */
    bool visible;
    bool dbl;           /* SUM / AVG_SUM of a DOUBLE: added as doubles */
    uint16_t avg_count; /* AVG_SUM: its COUNT column */
    int16_t weight;     /* weight column standing in for this one, or -1 */
    int16_t mweight;    /* MIN/MAX of a string: its WEIGHT_STRING() column, or -1 */
    int16_t avg_def;    /* AVG_SUM: the shards' own AVG() column, or -1 */
    /* accumulator (AGGREGATE, GROUPED) */
    bool acc_null; /* nothing added yet (COUNT: 0) */
    double acc_d;
    struct buf acc;  /* exact text: COUNT, SUM, MIN, MAX */
    struct buf wacc; /* MIN/MAX with mweight: the weight of acc */
    /* where emit_group put this column's computed text */
    size_t t_off, t_len;
    bool t_null;
};

struct merge {
    enum plan_merge_kind kind;
    uint16_t ncols, nvisible;
    uint16_t norder;
    struct plan_order order[MERGE_MAX_ORDER];
    bool distinct;
    bool has_limit;
    uint64_t limit, offset;
    bool passthrough; /* every column visible: rows go out as they came */
    bool padded;      /* plan_merge.weights_padded: weights carry a space's weight first */
    uint16_t nhaving; /* GROUPED: HAVING conditions on merged groups */
    struct plan_having having[PLAN_MAX_HAVING];

    int ntargets;
    struct mtarget *tg;
    int tg_cap;
    struct mcol *cols;
    size_t cols_cap;
    struct mfield *fields;
    size_t fields_cap;
    int *tq; /* SORTED/GROUPED: heap of targets holding a row; CONCAT: FIFO */
    int tq_cap;
    int hn;    /* entries in tq */
    int fhead; /* CONCAT: first FIFO entry */
    struct mval *views;
    size_t views_cap;

    int nwaiting; /* running targets without a held row */
    int nheld;
    int nended;
    struct mrow group; /* GROUPED/AGGREGATE: the group's first row */
    bool group_open;
    struct mrow prev; /* DISTINCT: last row that passed */
    bool have_prev;
    bool agg_emitted;
    bool limit_reached;
    uint64_t nout, nskipped;

    struct buf scratch; /* decimal arithmetic */
    struct buf text;    /* computed values of the group being emitted */
    struct buf big;     /* payload of a row of 16 MiB or more */
    char err[256];
};

static int set_err(struct merge *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int set_err(struct merge *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err, sizeof(m->err), fmt, ap);
    va_end(ap);
    return -1;
}

static const char *kind_name(enum plan_merge_kind k)
{
    switch (k) {
    case PLAN_MERGE_NONE:
        return "NONE";
    case PLAN_MERGE_CONCAT:
        return "CONCAT";
    case PLAN_MERGE_SORTED:
        return "SORTED";
    case PLAN_MERGE_AGGREGATE:
        return "AGGREGATE";
    case PLAN_MERGE_GROUPED:
        return "GROUPED";
    case PLAN_MERGE_AFFECTED:
        return "AFFECTED";
    case PLAN_MERGE_SAME:
        return "SAME";
    }
    return "?";
}

/* ---- lifecycle ----------------------------------------------------------- */

struct merge *merge_create(void)
{
    return calloc(1, sizeof(struct merge));
}

void merge_destroy(struct merge *m)
{
    if (m == NULL)
        return;
    for (int t = 0; t < m->tg_cap; t++)
        buf_free(&m->tg[t].row.data);
    for (size_t c = 0; c < m->cols_cap; c++) {
        buf_free(&m->cols[c].acc);
        buf_free(&m->cols[c].wacc);
    }
    buf_free(&m->group.data);
    buf_free(&m->prev.data);
    buf_free(&m->scratch);
    buf_free(&m->text);
    buf_free(&m->big);
    free(m->tg);
    free(m->cols);
    free(m->fields);
    free(m->tq);
    free(m->views);
    free(m);
}

/* Grow *arr (elements of size sz, *cap of them) to hold n, zeroing the new
 * part. Returns 0 or -1. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return 0;
    void *p = realloc(*arr, n * sz);
    if (p == NULL)
        return -1;
    memset((char *)p + *cap * sz, 0, (n - *cap) * sz);
    *arr = p;
    *cap = n;
    return 0;
}

static int reserve_arrays(struct merge *m, int ntargets, uint16_t ncols)
{
    size_t tg_cap = (size_t)m->tg_cap, tq_cap = (size_t)m->tq_cap;
    size_t nfields = ((size_t)ntargets + 2) * ncols;
    int rc = grow((void **)&m->tg, &tg_cap, (size_t)ntargets, sizeof(*m->tg));
    m->tg_cap = (int)tg_cap;
    rc |= grow((void **)&m->tq, &tq_cap, (size_t)ntargets, sizeof(*m->tq));
    m->tq_cap = (int)tq_cap;
    rc |= grow((void **)&m->cols, &m->cols_cap, ncols, sizeof(*m->cols));
    rc |= grow((void **)&m->fields, &m->fields_cap, nfields, sizeof(*m->fields));
    rc |= grow((void **)&m->views, &m->views_cap, ncols, sizeof(*m->views));
    return rc;
}

/* ---- column definitions -------------------------------------------------- */

/* Offset of the fixed-length fields (charset...) of a ColumnDefinition41,
 * or -1 when malformed. */
static long coldef_fixed_off(const uint8_t *p, size_t len)
{
    struct proto_reader r;
    size_t n;
    proto_reader_init(&r, p, len);
    for (int i = 0; i < 6; i++) /* catalog schema table org_table name org_name */
        proto_get_lenenc_str(&r, &n);
    uint64_t flen = proto_get_lenenc(&r);
    if (r.err || flen < 10 || proto_reader_left(&r) < 10)
        return -1;
    return (long)(r.p - p);
}

int merge_parse_coldef(const uint8_t *p, size_t len, struct merge_colinfo *ci)
{
    long off = coldef_fixed_off(p, len);
    if (off < 0)
        return -1;
    const uint8_t *f = p + off;
    ci->charset = proto_u16(f);
    ci->length = proto_u32(f + 2);
    ci->type = f[6];
    ci->flags = proto_u16(f + 7);
    ci->decimals = f[9];
    return 0;
}

/* AVG's result decimals for a sum column: the shards' own AVG's when the
 * planner asked for it (the session's div_precision_increment applied). */
static unsigned avg_decimals(const struct merge *m, const struct mcol *c)
{
    if (c->avg_def >= 0)
        return m->cols[c->avg_def].ci.decimals;
    unsigned d = c->ci.decimals;
    if (c->dbl)
        return d >= MERGE_NOT_FIXED_DEC
                   ? d
                   : (d + MERGE_DIV_INCREMENT < MERGE_NOT_FIXED_DEC ? d + MERGE_DIV_INCREMENT
                                                                    : MERGE_NOT_FIXED_DEC);
    d += MERGE_DIV_INCREMENT;
    return d < MERGE_DECIMAL_MAX_SCALE ? d : MERGE_DECIMAL_MAX_SCALE;
}

int merge_write_coldef(const struct merge *m, uint16_t col, const uint8_t *p, size_t len,
                       struct buf *out, uint8_t *seq)
{
    if (col >= m->ncols || len >= PROTO_MAX_PAYLOAD)
        return -1;
    const struct mcol *c = &m->cols[col];
    if (!c->visible)
        return 0;
    long off = coldef_fixed_off(p, len);
    if (off < 0)
        return -1;
    size_t start = out->len;
    if (proto_write_payload(out, p, len, seq) == -1)
        return -1;
    if (c->role != PLAN_COL_AVG_SUM)
        return 0;
    uint8_t *f = out->data + start + PROTO_HEADER_LEN + off;
    if (c->avg_def >= 0) {
        /* the shards' own AVG(): its type, length, flags and decimals */
        const struct merge_colinfo *a = &m->cols[c->avg_def].ci;
        f[2] = (uint8_t)a->length;
        f[3] = (uint8_t)(a->length >> 8);
        f[4] = (uint8_t)(a->length >> 16);
        f[5] = (uint8_t)(a->length >> 24);
        f[6] = a->type;
        f[7] = (uint8_t)a->flags;
        f[8] = (uint8_t)(a->flags >> 8);
        f[9] = a->decimals;
        return 0;
    }
    unsigned dec = c->ci.decimals, ndec = avg_decimals(m, c);
    uint64_t length = c->ci.length;
    if (c->dbl) {
        f[6] = MERGE_T_DOUBLE;
    } else {
        /* The digits added, and the decimal point when there was none. */
        length += (ndec - dec) + (dec == 0 && ndec > 0 ? 1 : 0);
        if (length > UINT32_MAX)
            length = UINT32_MAX;
        f[6] = MERGE_T_NEWDECIMAL;
    }
    f[2] = (uint8_t)length;
    f[3] = (uint8_t)(length >> 8);
    f[4] = (uint8_t)(length >> 16);
    f[5] = (uint8_t)(length >> 24);
    f[9] = (uint8_t)ndec;
    return 0;
}

uint16_t merge_visible_cols(const struct merge *m)
{
    return m->nvisible;
}

bool merge_col_visible(const struct merge *m, uint16_t col)
{
    return col < m->ncols && m->cols[col].visible;
}

/* ---- start --------------------------------------------------------------- */

static bool is_aggregate_role(int role)
{
    return role == PLAN_COL_COUNT || role == PLAN_COL_SUM || role == PLAN_COL_MIN ||
           role == PLAN_COL_MAX || role == PLAN_COL_AVG_SUM;
}

static bool is_enum_or_set(const struct merge_colinfo *ci)
{
    return ci->type == MERGE_T_ENUM || ci->type == MERGE_T_SET ||
           (ci->flags & (MERGE_FLAG_ENUM | MERGE_FLAG_SET)) != 0;
}

/* Roles and types of the columns; AVG's count columns become COUNTs. */
static int start_cols(struct merge *m, const struct plan_merge *spec,
                      const struct merge_colinfo *cols)
{
    bool combine = m->kind == PLAN_MERGE_AGGREGATE || m->kind == PLAN_MERGE_GROUPED;
    m->nvisible = 0;
    for (uint16_t i = 0; i < m->ncols; i++) {
        struct mcol *c = &m->cols[i];
        c->ci = cols[i];
        c->fam = (uint8_t)merge_family_of(&cols[i]);
        int role = (int)spec->cols[i].role;
        if (role < PLAN_COL_VALUE || role > PLAN_COL_HIDDEN)
            return set_err(m, "merge: column %u has an unknown role %d", i, role);
        if (is_aggregate_role(role) && !combine)
            return set_err(m,
                           "merge: column %u is an aggregate but a %s merge does not "
                           "combine rows",
                           i, kind_name(m->kind));
        c->role = (uint8_t)role;
        c->visible = role != PLAN_COL_HIDDEN;
        c->avg_count = spec->cols[i].avg_count;
        c->weight = -1;
        /* WEIGHT_STRING() is NULL for numbers: weights stand in for strings
         * only (temporal text orders the same either way). */
        c->mweight = -1;
        if ((role == PLAN_COL_MIN || role == PLAN_COL_MAX) && c->fam == MERGE_FAM_BYTES &&
            spec->cols[i].weight >= 0 && spec->cols[i].weight < (int)spec->ncols)
            c->mweight = spec->cols[i].weight;
        c->wacc.off = c->wacc.len = 0;
        buf_shrink(&c->wacc, MERGE_KEEP_BYTES);
        c->avg_def = -1;
        if (role == PLAN_COL_AVG_SUM && spec->cols[i].avg_def >= 0 &&
            spec->cols[i].avg_def < (int)spec->ncols && spec->cols[i].avg_def != (int)i &&
            spec->cols[spec->cols[i].avg_def].role == PLAN_COL_HIDDEN)
            c->avg_def = spec->cols[i].avg_def;
        c->dbl = c->fam == MERGE_FAM_FLOAT;
        c->acc_null = true;
        c->acc_d = 0;
        c->acc.off = c->acc.len = 0;
        buf_shrink(&c->acc, MERGE_KEEP_BYTES);
        m->nvisible += c->visible;
    }
    for (uint16_t i = 0; i < m->ncols; i++) {
        struct mcol *c = &m->cols[i];
        if (c->role == PLAN_COL_AVG_SUM) {
            uint16_t k = c->avg_count;
            if (k >= m->ncols || k == i ||
                (spec->cols[k].role != PLAN_COL_HIDDEN && spec->cols[k].role != PLAN_COL_COUNT))
                return set_err(m, "merge: AVG column %u names column %u as its count", i, k);
            m->cols[k].role = PLAN_COL_COUNT;
        }
    }
    for (uint16_t i = 0; i < m->ncols; i++) {
        struct mcol *c = &m->cols[i];
        bool exact = c->fam == MERGE_FAM_NUMBER || c->ci.type == MERGE_T_NULL;
        if ((c->role == PLAN_COL_SUM || c->role == PLAN_COL_AVG_SUM) && !exact && !c->dbl)
            return set_err(m,
                           "merge: SUM/AVG column %u has type %u; only numbers can be added "
                           "across shards",
                           i, c->ci.type);
        if (c->role == PLAN_COL_COUNT && !exact)
            return set_err(m, "merge: COUNT column %u has type %u, not an integer", i, c->ci.type);
    }
    return 0;
}

/* HAVING conditions: on aggregate columns of a GROUPED merge. */
static int start_having(struct merge *m, const struct plan_merge *spec)
{
    m->nhaving = 0;
    if (spec->nhaving == 0)
        return 0;
    if (spec->kind != PLAN_MERGE_GROUPED || spec->nhaving > PLAN_MAX_HAVING)
        return set_err(m, "merge: HAVING conditions only apply to a grouped merge");
    for (uint16_t i = 0; i < spec->nhaving; i++) {
        const struct plan_having *h = &spec->having[i];
        if (h->column >= m->ncols || !is_aggregate_role(m->cols[h->column].role) ||
            h->op > PLAN_CMP_GE || memchr(h->value, '\0', sizeof(h->value)) == NULL)
            return set_err(m, "merge: HAVING condition %u is not on an aggregate column", i);
        m->having[i] = *h;
    }
    m->nhaving = spec->nhaving;
    return 0;
}

static int start_order(struct merge *m, const struct plan_merge *spec)
{
    if (spec->norder > MERGE_MAX_ORDER)
        return set_err(m, "merge: %u sort keys, at most %zu", spec->norder, MERGE_MAX_ORDER);
    m->norder = spec->norder;
    for (uint16_t i = 0; i < m->norder; i++) {
        const struct plan_order *o = &spec->order[i];
        m->order[i] = *o;
        if (o->column >= m->ncols || o->weight >= (int)m->ncols || o->weight < -1)
            return set_err(m, "merge: sort key %u names a column out of range", i);
        struct mcol *c = &m->cols[o->column];
        if (o->weight < 0 && is_enum_or_set(&c->ci))
            return set_err(m,
                           "merge: ORDER BY/GROUP BY on ENUM or SET column %u cannot be merged "
                           "across shards (the server sorts them by member number)",
                           o->column);
        if (m->kind == PLAN_MERGE_GROUPED &&
            (is_aggregate_role(c->role) ||
             (o->weight >= 0 && is_aggregate_role(m->cols[o->weight].role))))
            return set_err(m, "merge: group key %u is an aggregate column", i);
        if (c->fam != MERGE_FAM_BYTES)
            m->order[i].weight = -1; /* WEIGHT_STRING() of a number is NULL */
        else if (o->weight >= 0)
            c->weight = o->weight;
    }
    return 0;
}

static bool is_order_column(const struct merge *m, uint16_t col)
{
    for (uint16_t i = 0; i < m->norder; i++)
        if (m->order[i].column == col)
            return true;
    return false;
}

/* DISTINCT removes adjacent duplicates, so it is right only when equal rows
 * are adjacent: the rows sorted on every visible column. Groups whose keys
 * are all visible are distinct already. */
static int start_distinct(struct merge *m, bool distinct)
{
    m->distinct = false;
    if (!distinct || m->kind == PLAN_MERGE_AGGREGATE)
        return 0; /* one row is distinct */
    if (m->kind == PLAN_MERGE_CONCAT)
        return set_err(m, "merge: DISTINCT needs rows sorted on every selected column, not a "
                          "CONCAT merge");
    if (m->kind == PLAN_MERGE_GROUPED) {
        for (uint16_t i = 0; i < m->norder; i++)
            if (!m->cols[m->order[i].column].visible)
                return set_err(m,
                               "merge: DISTINCT over groups whose key column %u is not "
                               "selected cannot be merged across shards",
                               m->order[i].column);
        return 0;
    }
    for (uint16_t i = 0; i < m->ncols; i++)
        if (m->cols[i].visible && !is_order_column(m, i))
            return set_err(m,
                           "merge: DISTINCT needs rows sorted on every selected column; "
                           "column %u is not a sort key",
                           i);
    m->distinct = true;
    return 0;
}

int merge_start(struct merge *m, const struct plan_merge *spec, int ntargets,
                const struct merge_colinfo *cols)
{
    m->err[0] = '\0';
    switch (spec->kind) {
    case PLAN_MERGE_NONE:
    case PLAN_MERGE_CONCAT:
        m->kind = PLAN_MERGE_CONCAT;
        break;
    case PLAN_MERGE_SORTED:
    case PLAN_MERGE_AGGREGATE:
    case PLAN_MERGE_GROUPED:
        m->kind = spec->kind;
        m->padded = spec->weights_padded;
        break;
    default:
        return set_err(m, "merge: a %s plan has no result set to merge", kind_name(spec->kind));
    }
    if (ntargets < 1 || ntargets > PLAN_MAX_TARGETS)
        return set_err(m, "merge: %d targets (1 to %d)", ntargets, PLAN_MAX_TARGETS);
    if (spec->ncols < 1 || spec->ncols > MERGE_MAX_COLS)
        return set_err(m, "merge: %u columns (1 to %zu)", spec->ncols, MERGE_MAX_COLS);
    if (reserve_arrays(m, ntargets, spec->ncols) == -1)
        return set_err(m, "merge: out of memory");
    m->ncols = spec->ncols;
    m->ntargets = ntargets;
    if (start_cols(m, spec, cols) == -1 || start_order(m, spec) == -1 ||
        start_distinct(m, spec->distinct) == -1 || start_having(m, spec) == -1)
        return -1;
    m->passthrough = m->nvisible == m->ncols;
    m->has_limit = spec->has_limit;
    m->limit = spec->limit;
    m->offset = spec->offset;

    for (int t = 0; t < ntargets; t++) {
        struct mtarget *tg = &m->tg[t];
        tg->held = tg->ended = false;
        tg->row.f = m->fields + (size_t)t * m->ncols;
        buf_shrink(&tg->row.data, MERGE_KEEP_BYTES);
    }
    m->group.f = m->fields + (size_t)ntargets * m->ncols;
    m->prev.f = m->fields + (size_t)(ntargets + 1) * m->ncols;
    buf_shrink(&m->group.data, MERGE_KEEP_BYTES);
    buf_shrink(&m->prev.data, MERGE_KEEP_BYTES);
    m->scratch.off = m->scratch.len = 0;
    m->text.off = m->text.len = 0;
    m->big.off = m->big.len = 0;
    buf_shrink(&m->scratch, MERGE_KEEP_BYTES);
    buf_shrink(&m->text, MERGE_KEEP_BYTES);
    buf_shrink(&m->big, MERGE_KEEP_BYTES);

    m->hn = m->fhead = 0;
    m->nwaiting = ntargets;
    m->nheld = m->nended = 0;
    m->group_open = m->have_prev = m->agg_emitted = false;
    m->nout = m->nskipped = 0;
    m->limit_reached = m->has_limit && m->limit == 0;
    return 0;
}

/* ---- rows ---------------------------------------------------------------- */

static inline struct mval row_val(const struct mrow *r, uint16_t c)
{
    struct mfield f = r->f[c];
    struct mval v = {NULL, 0, f.len == MF_NULL};
    if (!v.null) {
        v.p = r->base + f.off;
        v.len = f.len;
    }
    return v;
}

static void swap_rows(struct mrow *a, struct mrow *b)
{
    struct mrow t = *a;
    *a = *b;
    *b = t;
}

/* Parse a text-protocol row into f (offsets into row). */
static int parse_row(struct merge *m, int t, struct mfield *f, const uint8_t *row, size_t len)
{
    struct proto_reader r;
    proto_reader_init(&r, row, len);
    if (len >= MF_NULL)
        return set_err(m, "merge: row of %zu bytes from target %d is too large", len, t);
    for (uint16_t c = 0; c < m->ncols; c++) {
        if (proto_reader_left(&r) == 0)
            return set_err(m, "merge: row from target %d has %u columns, expected %u", t, c,
                           m->ncols);
        if (*r.p == 0xfb) {
            r.p++;
            f[c].off = 0;
            f[c].len = MF_NULL;
            continue;
        }
        size_t n;
        const uint8_t *s = proto_get_lenenc_str(&r, &n);
        if (r.err)
            return set_err(m,
                           "merge: row from target %d: column %u is not a valid "
                           "length-encoded string",
                           t, c);
        f[c].off = (uint32_t)(s - row);
        f[c].len = (uint32_t)n;
    }
    if (proto_reader_left(&r) != 0)
        return set_err(m, "merge: row from target %d has more than %u columns", t, m->ncols);
    return 0;
}

/* Copy the payload into r's own buffer (offsets stay valid). */
static int own_row(struct mrow *r, const uint8_t *row, size_t len)
{
    r->data.off = r->data.len = 0;
    if (buf_append(&r->data, row, len) == -1)
        return -1;
    r->base = r->data.data;
    r->len = len;
    return 0;
}

/* ---- comparing rows ------------------------------------------------------ */

static int val_cmp(const struct merge *m, uint16_t col, struct mval a, struct mval b)
{
    return merge_value_cmp((enum merge_family)m->cols[col].fam, a.p, a.len, b.p, b.len);
}

/* Weights a and b compared as the collation compares the strings: when
 * the collation pads (sp: the weight of one space, from the column after
 * the weight column; empty for NO PAD), the shorter weight counts as
 * followed by space weights ('a' = 'a ', 'a\t' < 'a'). */
static int weight_cmp(struct mval a, struct mval b, struct mval sp)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n > 0 ? memcmp(a.p, b.p, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    if (a.len == b.len)
        return 0;
    if (sp.null || sp.len == 0)
        return a.len < b.len ? -1 : 1;
    const uint8_t *r = a.len > b.len ? a.p + n : b.p + n;
    size_t lr = (a.len > b.len ? a.len : b.len) - n;
    int sign = a.len > b.len ? 1 : -1;
    for (size_t j = 0; j < lr; j++) {
        uint8_t p = sp.p[j % sp.len];
        if (r[j] != p)
            return r[j] < p ? -sign : sign;
    }
    return 0;
}

/* A padded weight (plan_merge.weights_padded): L, a space's L-byte weight,
 * the weight itself. Malformed: the whole as the weight, no padding. */
static struct mval weight_split(struct mval v, struct mval *sp)
{
    sp->p = NULL;
    sp->len = 0;
    sp->null = true;
    if (v.null || v.len < 1 || (size_t)v.p[0] + 1 > v.len)
        return v;
    sp->p = v.p + 1;
    sp->len = v.p[0];
    sp->null = false;
    struct mval w = {v.p + 1 + v.p[0], v.len - 1 - v.p[0], false};
    return w;
}

/* Two weights as the collation compares the strings. */
static int weights_cmp_vals(const struct merge *m, struct mval wa, struct mval wb)
{
    if (wa.null || wb.null)
        return wa.null && wb.null ? 0 : (wa.null ? -1 : 1);
    struct mval sp = {NULL, 0, true}, sp2;
    if (m->padded) {
        wa = weight_split(wa, &sp);
        wb = weight_split(wb, &sp2);
    }
    return weight_cmp(wa, wb, sp);
}

/* Weight column w of rows a and b (NULL first). */
static int weights_cmp(const struct merge *m, const struct mrow *a, const struct mrow *b,
                       uint16_t w)
{
    return weights_cmp_vals(m, row_val(a, w), row_val(b, w));
}

/* The order of two rows on the sort keys: NULL first, DESC inverted. */
static int key_cmp(const struct merge *m, const struct mrow *a, const struct mrow *b)
{
    for (uint16_t i = 0; i < m->norder; i++) {
        const struct plan_order *o = &m->order[i];
        struct mval va = row_val(a, o->column), vb = row_val(b, o->column);
        int c;
        if (va.null || vb.null) {
            c = va.null && vb.null ? 0 : (va.null ? -1 : 1);
        } else if (o->weight >= 0) {
            c = weights_cmp(m, a, b, (uint16_t)o->weight);
        } else {
            c = val_cmp(m, o->column, va, vb);
        }
        if (c != 0)
            return o->desc ? -c : c;
    }
    return 0;
}

/* DISTINCT: equal on every visible column (by weight where there is one). */
static bool rows_equal(const struct merge *m, const struct mrow *a, const struct mrow *b)
{
    for (uint16_t i = 0; i < m->ncols; i++) {
        const struct mcol *c = &m->cols[i];
        if (!c->visible)
            continue;
        struct mval va = row_val(a, i), vb = row_val(b, i);
        if (va.null || vb.null) {
            if (va.null != vb.null)
                return false;
            continue;
        }
        int r;
        if (c->weight >= 0) {
            r = weights_cmp(m, a, b, (uint16_t)c->weight);
        } else {
            r = val_cmp(m, i, va, vb);
        }
        if (r != 0)
            return false;
    }
    return true;
}

/* ---- the heap of targets holding a row (SORTED, GROUPED) ----------------- */

/* Ties go to the lower target index: the merge is stable. */
static bool heap_less(const struct merge *m, int a, int b)
{
    int c = key_cmp(m, &m->tg[a].row, &m->tg[b].row);
    return c < 0 || (c == 0 && a < b);
}

static void heap_push(struct merge *m, int t)
{
    int i = m->hn++;
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (!heap_less(m, t, m->tq[parent]))
            break;
        m->tq[i] = m->tq[parent];
        i = parent;
    }
    m->tq[i] = t;
}

static int heap_pop(struct merge *m)
{
    int top = m->tq[0];
    int last = m->tq[--m->hn];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, s = l;
        if (l >= m->hn)
            break;
        if (l + 1 < m->hn && heap_less(m, m->tq[l + 1], m->tq[l]))
            s = l + 1;
        if (!heap_less(m, m->tq[s], last))
            break;
        m->tq[i] = m->tq[s];
        i = s;
    }
    if (m->hn > 0)
        m->tq[i] = last;
    return top;
}

/* ---- accumulators (AGGREGATE, GROUPED) ------------------------------------ */

static void acc_reset(struct merge *m)
{
    for (uint16_t i = 0; i < m->ncols; i++) {
        struct mcol *c = &m->cols[i];
        c->acc_null = true;
        c->acc_d = 0;
        c->acc.off = c->acc.len = 0;
    }
}

/* acc += v, exactly. */
static int acc_add(struct merge *m, uint16_t col, struct mval v, int t)
{
    static const uint8_t zero[] = "0";
    struct mcol *c = &m->cols[col];
    struct merge_dec dv, da;
    if (merge_dec_parse(v.p, v.len, &dv) == -1)
        return set_err(m, "merge: target %d sent '%.*s' in column %u, not a number", t,
                       (int)(v.len > 64 ? 64 : v.len), (const char *)v.p, col);
    if (c->acc_null)
        merge_dec_parse(zero, 1, &da);
    else
        merge_dec_parse(c->acc.data, c->acc.len, &da);
    m->scratch.off = m->scratch.len = 0;
    if (merge_dec_add(&m->scratch, &da, &dv) == -1)
        return set_err(m, "merge: out of memory");
    struct buf tmp = c->acc;
    c->acc = m->scratch;
    m->scratch = tmp;
    c->acc_null = false;
    return 0;
}

static int acc_set(struct merge *m, struct mcol *c, struct mval v)
{
    c->acc.off = c->acc.len = 0;
    if (buf_append(&c->acc, v.p, v.len) == -1)
        return set_err(m, "merge: out of memory");
    c->acc_null = false;
    return 0;
}

/* Add row r (from target t) to the group's accumulators. */
static int fold_row(struct merge *m, const struct mrow *r, int t)
{
    for (uint16_t i = 0; i < m->ncols; i++) {
        struct mcol *c = &m->cols[i];
        if (!is_aggregate_role(c->role))
            continue;
        struct mval v = row_val(r, i);
        if (v.null)
            continue; /* COUNT is never NULL; SUM, MIN, MAX skip NULLs */
        int rc = 0;
        switch (c->role) {
        case PLAN_COL_COUNT:
            rc = acc_add(m, i, v, t);
            break;
        case PLAN_COL_SUM:
        case PLAN_COL_AVG_SUM:
            if (c->dbl) {
                c->acc_d += merge_strtod(v.p, v.len);
                c->acc_null = false;
            } else {
                rc = acc_add(m, i, v, t);
            }
            break;
        case PLAN_COL_MIN:
        case PLAN_COL_MAX: {
            struct mval w = {NULL, 0, true};
            if (c->mweight >= 0)
                w = row_val(r, (uint16_t)c->mweight);
            if (!c->acc_null) {
                int cmp;
                if (c->mweight >= 0 && !w.null) {
                    struct mval acc = {c->wacc.data + c->wacc.off, buf_avail(&c->wacc), false};
                    cmp = weights_cmp_vals(m, w, acc);
                } else
                    cmp = val_cmp(m, i, v, (struct mval){c->acc.data, c->acc.len, false});
                if (c->role == PLAN_COL_MIN ? cmp >= 0 : cmp <= 0)
                    break;
            }
            rc = acc_set(m, c, v);
            if (rc == 0 && c->mweight >= 0) {
                c->wacc.off = c->wacc.len = 0;
                if (!w.null && buf_append(&c->wacc, w.p, w.len) == -1)
                    rc = set_err(m, "merge: out of memory");
            }
            break;
        }
        default:
            break;
        }
        if (rc == -1)
            return -1;
    }
    return 0;
}

/* ---- encoding rows ------------------------------------------------------- */

static uint8_t *put_views(uint8_t *p, const struct mval *v, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        if (v[i].null) {
            *p++ = 0xfb;
            continue;
        }
        p = proto_put_lenenc(p, v[i].len);
        if (v[i].len > 0)
            memcpy(p, v[i].p, v[i].len);
        p += v[i].len;
    }
    return p;
}

/* One text row of the nvisible values in m->views. */
static int emit_views(struct merge *m, struct buf *out, uint8_t *seq)
{
    size_t payload = 0;
    for (uint16_t i = 0; i < m->nvisible; i++)
        payload += m->views[i].null ? 1 : proto_lenenc_size(m->views[i].len) + m->views[i].len;
    if (payload < PROTO_MAX_PAYLOAD) {
        if (buf_reserve(out, PROTO_HEADER_LEN + payload) == -1)
            return set_err(m, "merge: out of memory");
        uint8_t *p = out->data + out->len;
        proto_set_header(p, (uint32_t)payload, (*seq)++);
        put_views(p + PROTO_HEADER_LEN, m->views, m->nvisible);
        out->len += PROTO_HEADER_LEN + payload;
        return 0;
    }
    /* 16 MiB or more: composed whole, then split into packets. */
    m->big.off = m->big.len = 0;
    if (buf_reserve(&m->big, payload) == -1)
        return set_err(m, "merge: out of memory");
    put_views(m->big.data, m->views, m->nvisible);
    m->big.len = payload;
    if (proto_write_payload(out, m->big.data, payload, seq) == -1)
        return set_err(m, "merge: out of memory");
    return 0;
}

/* A row of a target, visible columns only. */
static int emit_row(struct merge *m, const struct mrow *r, struct buf *out, uint8_t *seq)
{
    if (m->passthrough) {
        if (proto_write_payload(out, r->base, r->len, seq) == -1)
            return set_err(m, "merge: out of memory");
        return 0;
    }
    uint16_t n = 0;
    for (uint16_t i = 0; i < m->ncols; i++)
        if (m->cols[i].visible)
            m->views[n++] = row_val(r, i);
    return emit_views(m, out, seq);
}

/* Put text computed for column c into m->text. */
static int put_text(struct merge *m, struct mcol *c, const char *s, size_t n)
{
    c->t_off = m->text.len;
    c->t_len = n;
    c->t_null = false;
    if (buf_append(&m->text, s, n) == -1)
        return set_err(m, "merge: out of memory");
    return 0;
}

/* The value of AVG column c: SUM / COUNT. */
static int avg_text(struct merge *m, struct mcol *c)
{
    const struct mcol *cnt = &m->cols[c->avg_count];
    uint64_t count = 0;
    if (!cnt->acc_null && merge_parse_count(cnt->acc.data, cnt->acc.len, &count) == -1)
        return set_err(m, "merge: AVG count '%.*s' is not a count",
                       (int)(cnt->acc.len > 64 ? 64 : cnt->acc.len), (const char *)cnt->acc.data);
    if (c->acc_null || count == 0) {
        c->t_null = true;
        return 0;
    }
    unsigned dec = avg_decimals(m, c);
    if (c->dbl) {
        char s[MERGE_DOUBLE_TEXT_MAX];
        size_t n = merge_fmt_double(s, sizeof(s), c->acc_d / (double)count, dec);
        return put_text(m, c, s, n);
    }
    struct merge_dec d;
    merge_dec_parse(c->acc.data, c->acc.len, &d); /* valid: merge_dec_add wrote it */
    c->t_off = m->text.len;
    c->t_null = false;
    if (merge_dec_div(&m->text, &d, count, dec) == -1)
        return set_err(m, "merge: out of memory");
    c->t_len = m->text.len - c->t_off;
    return 0;
}

/* The computed text of column c of the group, in m->text. */
static int group_text(struct merge *m, struct mcol *c)
{
    c->t_null = true;
    switch (c->role) {
    case PLAN_COL_COUNT:
        if (c->acc_null)
            return put_text(m, c, "0", 1);
        return put_text(m, c, (const char *)c->acc.data, c->acc.len);
    case PLAN_COL_SUM:
        if (c->acc_null)
            return 0;
        if (c->dbl) {
            char s[MERGE_DOUBLE_TEXT_MAX];
            size_t n = merge_fmt_double(s, sizeof(s), c->acc_d, c->ci.decimals);
            return put_text(m, c, s, n);
        }
        return put_text(m, c, (const char *)c->acc.data, c->acc.len);
    case PLAN_COL_MIN:
    case PLAN_COL_MAX:
        if (c->acc_null)
            return 0;
        return put_text(m, c, (const char *)c->acc.data, c->acc.len);
    case PLAN_COL_AVG_SUM:
        return avg_text(m, c);
    default:
        return 0;
    }
}

/* The group's row: plain columns from its first row, aggregates computed. */
static int emit_group(struct merge *m, struct buf *out, uint8_t *seq)
{
    m->text.off = m->text.len = 0;
    for (uint16_t i = 0; i < m->ncols; i++) {
        struct mcol *c = &m->cols[i];
        if (c->visible && is_aggregate_role(c->role) && group_text(m, c) == -1)
            return -1;
    }
    uint16_t n = 0;
    for (uint16_t i = 0; i < m->ncols; i++) {
        struct mcol *c = &m->cols[i];
        if (!c->visible)
            continue;
        struct mval v = {NULL, 0, true};
        if (is_aggregate_role(c->role)) {
            if (!c->t_null) {
                v.p = m->text.data + c->t_off;
                v.len = c->t_len;
                v.null = false;
            }
        } else if (m->group_open) {
            v = row_val(&m->group, i);
        }
        m->views[n++] = v;
    }
    return emit_views(m, out, seq);
}

/* ---- feeding ------------------------------------------------------------- */

int merge_row(struct merge *m, int t, const uint8_t *row, size_t len)
{
    if (t < 0 || t >= m->ntargets)
        return set_err(m, "merge: row for target %d of %d", t, m->ntargets);
    struct mtarget *tg = &m->tg[t];
    if (tg->ended)
        return set_err(m, "merge: target %d sent a row after its end", t);
    if (m->limit_reached)
        return 0; /* LIMIT reached: the executor is draining */
    if (m->kind == PLAN_MERGE_AGGREGATE) {
        /* Folded on arrival: nothing is held. */
        if (parse_row(m, t, tg->row.f, row, len) == -1)
            return -1;
        tg->row.base = row;
        tg->row.len = len;
        if (!m->group_open) {
            if (own_row(&m->group, row, len) == -1)
                return set_err(m, "merge: out of memory");
            memcpy(m->group.f, tg->row.f, m->ncols * sizeof(*m->group.f));
            m->group_open = true;
        }
        return fold_row(m, &tg->row, t);
    }
    if (tg->held)
        return set_err(m, "merge: target %d sent a row before its previous one was merged", t);
    if (parse_row(m, t, tg->row.f, row, len) == -1)
        return -1;
    if (own_row(&tg->row, row, len) == -1)
        return set_err(m, "merge: out of memory");
    tg->held = true;
    m->nheld++;
    m->nwaiting--;
    if (m->kind == PLAN_MERGE_CONCAT)
        m->tq[(m->fhead + m->hn++) % m->ntargets] = t;
    else
        heap_push(m, t);
    return 0;
}

void merge_end(struct merge *m, int t)
{
    if (t < 0 || t >= m->ntargets || m->tg[t].ended)
        return;
    m->tg[t].ended = true;
    m->nended++;
    if (!m->tg[t].held)
        m->nwaiting--;
}

bool merge_wants(const struct merge *m, int t)
{
    if (t < 0 || t >= m->ntargets || m->limit_reached || m->tg[t].ended)
        return false;
    return m->kind == PLAN_MERGE_AGGREGATE || !m->tg[t].held;
}

bool merge_done(const struct merge *m)
{
    if (m->limit_reached)
        return true;
    bool drained = m->nended == m->ntargets && m->nheld == 0;
    switch (m->kind) {
    case PLAN_MERGE_AGGREGATE:
        return m->agg_emitted;
    case PLAN_MERGE_GROUPED:
        return drained && !m->group_open;
    default:
        return drained;
    }
}

const char *merge_error(const struct merge *m)
{
    return m->err;
}

/* ---- output -------------------------------------------------------------- */

static void release(struct merge *m, int t)
{
    m->tg[t].held = false;
    m->nheld--;
    if (!m->tg[t].ended)
        m->nwaiting++;
}

/* OFFSET: should the next output row be skipped? */
static bool skip_row(struct merge *m)
{
    if (m->nskipped < m->offset) {
        m->nskipped++;
        return true;
    }
    return false;
}

static void count_row(struct merge *m)
{
    m->nout++;
    if (m->has_limit && m->nout >= m->limit)
        m->limit_reached = true;
}

static bool out_full(const struct buf *out, size_t out_limit)
{
    return buf_avail(out) >= out_limit;
}

/* A target's row goes out (or is skipped by OFFSET or DISTINCT). Returns
 * 1 if sent, 0 if not, -1 on error. */
static int pass_row(struct merge *m, int t, struct buf *out, uint8_t *seq)
{
    struct mrow *r = &m->tg[t].row;
    int sent = 0;
    if (m->distinct && m->have_prev && rows_equal(m, &m->prev, r)) {
        release(m, t);
        return 0;
    }
    if (!skip_row(m)) {
        if (emit_row(m, r, out, seq) == -1)
            return -1;
        count_row(m);
        sent = 1;
    }
    if (m->distinct) {
        swap_rows(&m->prev, r);
        m->have_prev = true;
    }
    release(m, t);
    return sent;
}

static int output_concat(struct merge *m, struct buf *out, uint8_t *seq, size_t out_limit)
{
    int n = 0;
    while (!m->limit_reached && m->hn > 0 && !out_full(out, out_limit)) {
        int t = m->tq[m->fhead];
        m->fhead = (m->fhead + 1) % m->ntargets;
        m->hn--;
        int rc = pass_row(m, t, out, seq);
        if (rc == -1)
            return -1;
        n += rc;
    }
    return n;
}

static int output_sorted(struct merge *m, struct buf *out, uint8_t *seq, size_t out_limit)
{
    int n = 0;
    while (!m->limit_reached && m->nwaiting == 0 && m->hn > 0 && !out_full(out, out_limit)) {
        int rc = pass_row(m, heap_pop(m), out, seq);
        if (rc == -1)
            return -1;
        n += rc;
    }
    return n;
}

/* The open group is complete: send it (unless OFFSET skips it). */
/* Does the open group meet every HAVING condition? -1: error. A NULL
 * aggregate meets none (as SQL's comparisons with NULL). */
static int group_passes(struct merge *m)
{
    m->text.off = m->text.len = 0;
    for (uint16_t i = 0; i < m->nhaving; i++) {
        const struct plan_having *h = &m->having[i];
        struct mcol *c = &m->cols[h->column];
        if (group_text(m, c) == -1)
            return -1;
        if (c->t_null)
            return 0;
        enum merge_family fam = (enum merge_family)c->fam;
        if (c->role == PLAN_COL_COUNT)
            fam = MERGE_FAM_NUMBER;
        else if (fam != MERGE_FAM_FLOAT)
            fam = MERGE_FAM_NUMBER;
        int r = merge_value_cmp(fam, m->text.data + c->t_off, c->t_len, (const uint8_t *)h->value,
                                strlen(h->value));
        bool ok = h->op == PLAN_CMP_EQ   ? r == 0
                  : h->op == PLAN_CMP_NE ? r != 0
                  : h->op == PLAN_CMP_LT ? r < 0
                  : h->op == PLAN_CMP_LE ? r <= 0
                  : h->op == PLAN_CMP_GT ? r > 0
                                         : r >= 0;
        if (!ok)
            return 0;
    }
    return 1;
}

static int close_group(struct merge *m, struct buf *out, uint8_t *seq)
{
    int sent = 0;
    int pass = m->nhaving > 0 ? group_passes(m) : 1;
    if (pass == -1)
        return -1;
    if (pass == 0) {
        m->group_open = false;
        return 0;
    }
    if (!skip_row(m)) {
        if (emit_group(m, out, seq) == -1)
            return -1;
        count_row(m);
        sent = 1;
    }
    m->group_open = false;
    return sent;
}

static int output_grouped(struct merge *m, struct buf *out, uint8_t *seq, size_t out_limit)
{
    int n = 0;
    while (!m->limit_reached && m->nwaiting == 0) {
        if (m->hn == 0) {
            if (!m->group_open || out_full(out, out_limit))
                break;
            int rc = close_group(m, out, seq);
            if (rc == -1)
                return -1;
            n += rc;
            break;
        }
        int t = m->tq[0];
        struct mrow *r = &m->tg[t].row;
        if (m->group_open && key_cmp(m, &m->group, r) != 0) {
            if (out_full(out, out_limit))
                break;
            int rc = close_group(m, out, seq);
            if (rc == -1)
                return -1;
            n += rc;
            continue;
        }
        heap_pop(m);
        if (!m->group_open) {
            /* The row becomes the group's first row (buffers swapped). */
            swap_rows(&m->group, r);
            acc_reset(m);
            m->group_open = true;
            r = &m->group;
        }
        int rc = fold_row(m, r, t);
        release(m, t);
        if (rc == -1)
            return -1;
    }
    return n;
}

static int output_aggregate(struct merge *m, struct buf *out, uint8_t *seq, size_t out_limit)
{
    if (m->agg_emitted || m->limit_reached || m->nended < m->ntargets || out_full(out, out_limit))
        return 0;
    m->agg_emitted = true;
    if (skip_row(m))
        return 0;
    if (emit_group(m, out, seq) == -1)
        return -1;
    count_row(m);
    return 1;
}

int merge_output(struct merge *m, struct buf *out, uint8_t *seq, size_t out_limit)
{
    switch (m->kind) {
    case PLAN_MERGE_SORTED:
        return output_sorted(m, out, seq, out_limit);
    case PLAN_MERGE_GROUPED:
        return output_grouped(m, out, seq, out_limit);
    case PLAN_MERGE_AGGREGATE:
        return output_aggregate(m, out, seq, out_limit);
    default:
        return output_concat(m, out, seq, out_limit);
    }
}
