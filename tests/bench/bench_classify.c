/*
 * bench_classify.c — microbenchmark of the SQL classifier (include/classify.h),
 * run by `make bench` (tests/bench/bench.sh) and alone by `make
 * bench-classify`.
 *
 * Two statement sets, each classified in a loop for BENCH_CLASSIFY_TIME
 * seconds (default 2) on one thread pinned to one CPU (BENCH_CPU, default
 * the last one this process may use):
 *   - the sysbench oltp_read_write mix as sysbench 1.0 sends it with
 *     --db-ps-mode=disable (values inlined): per transaction (20 statements,
 *     as sysbench counts them: 14 reads, 4 writes, 2 other) BEGIN, 10 point
 *     selects, a simple, sum, order and distinct range, an index and a
 *     non-index update, a delete, an insert with the 119- and 59-character
 *     c and pad strings, COMMIT; ids uniform in 1..10000, tables sbtest1-4;
 *   - long ORM statements: Hibernate-style selects of 30 aliased columns
 *     over 3-4 joined tables with batch-fetch IN lists, 2-4 KB each.
 * The lookup says sbtest1-4 are sharded on id (and the ORM's customer and
 * shop_order tables on their customer id), as the router's would, so key
 * extraction is part of what is measured.
 *
 * Reported per set: statements per second per core (per second of this
 * thread's CPU time), ns per statement, MB of SQL per second.
 *
 * Heap allocations are counted by interposition: this binary defines malloc,
 * calloc, realloc, free, posix_memalign, aligned_alloc, memalign and valloc
 * itself (forwarding to glibc's __libc_* entry points), so every call made
 * by the classifier (statically linked from build/librouter.a) lands here;
 * the calls are counted while the timed loops run. A self-test checks that
 * the counter sees a malloc() before anything is measured. Exits non-zero
 * when the classifier allocated at all (the requirement), or when
 * the counter does not work.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "classify.h"
#include "sqllex.h"

/* ---- statements ----------------------------------------------------------- */

struct stmt {
    const char *p;
    uint32_t len;
    enum cls_kind want; /* expected kind (sanity check) */
};

struct set {
    const char *name;
    struct stmt *v;
    size_t n, cap;
    size_t bytes;
};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t lo, uint32_t hi) /* uniform in [lo, hi] */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return lo + (uint32_t)(rng_state % (hi - lo + 1));
}

/* All statement texts live in one arena, one after the other, as a session
 * buffer would hold them. */
static char *arena;
static size_t arena_len, arena_cap;

static void add(struct set *s, enum cls_kind want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct set *s, enum cls_kind want, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp) || arena_len + (size_t)n > arena_cap || s->n == s->cap) {
        fprintf(stderr, "bench_classify: statement arena too small\n");
        exit(2);
    }
    memcpy(arena + arena_len, tmp, (size_t)n);
    s->v[s->n].p = arena + arena_len;
    s->v[s->n].len = (uint32_t)n;
    s->v[s->n].want = want;
    s->n++;
    s->bytes += (size_t)n;
    arena_len += (size_t)n;
}

/* sysbench's c and pad values: groups of 11 random digits joined by '-'. */
static void sb_string(char *dst, int groups)
{
    char *p = dst;
    for (int g = 0; g < groups; g++) {
        if (g > 0)
            *p++ = '-';
        for (int i = 0; i < 11; i++)
            *p++ = (char)('0' + rnd(0, 9));
    }
    *p = '\0';
}

#define SB_TABLES 4
#define SB_SIZE 10000
#define SB_RANGE 100

/* One oltp_read_write transaction, as sysbench 1.0 sends it without
 * prepared statements (oltp_common.lua with --db-ps-mode=disable). */
static void sysbench_tx(struct set *s)
{
    char c[160], pad[80];
    unsigned t, id;
    add(s, CLS_BEGIN, "BEGIN");
    for (int i = 0; i < 10; i++)
        add(s, CLS_SELECT, "SELECT c FROM sbtest%u WHERE id=%u", rnd(1, SB_TABLES),
            rnd(1, SB_SIZE));
    id = rnd(1, SB_SIZE - SB_RANGE);
    add(s, CLS_SELECT, "SELECT c FROM sbtest%u WHERE id BETWEEN %u AND %u", rnd(1, SB_TABLES), id,
        id + SB_RANGE - 1);
    id = rnd(1, SB_SIZE - SB_RANGE);
    add(s, CLS_SELECT, "SELECT SUM(k) FROM sbtest%u WHERE id BETWEEN %u AND %u", rnd(1, SB_TABLES),
        id, id + SB_RANGE - 1);
    id = rnd(1, SB_SIZE - SB_RANGE);
    add(s, CLS_SELECT, "SELECT c FROM sbtest%u WHERE id BETWEEN %u AND %u ORDER BY c",
        rnd(1, SB_TABLES), id, id + SB_RANGE - 1);
    id = rnd(1, SB_SIZE - SB_RANGE);
    add(s, CLS_SELECT, "SELECT DISTINCT c FROM sbtest%u WHERE id BETWEEN %u AND %u ORDER BY c",
        rnd(1, SB_TABLES), id, id + SB_RANGE - 1);
    add(s, CLS_UPDATE, "UPDATE sbtest%u SET k=k+1 WHERE id=%u", rnd(1, SB_TABLES), rnd(1, SB_SIZE));
    sb_string(c, 10);
    add(s, CLS_UPDATE, "UPDATE sbtest%u SET c='%s' WHERE id=%u", rnd(1, SB_TABLES), c,
        rnd(1, SB_SIZE));
    t = rnd(1, SB_TABLES);
    id = rnd(1, SB_SIZE);
    add(s, CLS_DELETE, "DELETE FROM sbtest%u WHERE id=%u", t, id);
    sb_string(c, 10);
    sb_string(pad, 5);
    add(s, CLS_INSERT, "INSERT INTO sbtest%u (id, k, c, pad) VALUES (%u, %u, '%s', '%s')", t, id,
        rnd(1, SB_SIZE), c, pad);
    add(s, CLS_COMMIT, "COMMIT");
}

/* ---- Hibernate-style statements ------------------------------------------ */

struct entity {
    const char *table, *alias;
    const char *cols[12];
};

static const struct entity entities[] = {
    {"shop_order",
     "order0_",
     {"id", "customer_id", "order_number", "status", "currency_code", "total_amount_cents",
      "shipping_address_line_1", "shipping_address_line_2", "shipping_postal_code", "created_at",
      "last_modified_at", "version"}},
    {"customer",
     "customer1_",
     {"id", "email_address", "first_name", "last_name", "phone_number", "preferred_locale",
      "marketing_opt_in", "loyalty_tier", "date_of_birth", "created_at", "last_login_at",
      "version"}},
    {"order_line_item",
     "lineitems2_",
     {"id", "order_id", "product_id", "quantity", "unit_price_cents", "discount_cents",
      "tax_rate_basis_points", "gift_wrap_requested", "gift_message", "fulfillment_status",
      "created_at", "version"}},
    {"product",
     "product3_",
     {"id", "stock_keeping_unit", "display_name", "short_description", "category_id",
      "manufacturer_id", "weight_grams", "list_price_cents", "is_discontinued", "search_keywords",
      "created_at", "version"}},
};

static void orm_select(struct set *s, int variant)
{
    char sql[8192];
    size_t n = 0;
#define PUT(...) n += (size_t)snprintf(sql + n, sizeof(sql) - n, __VA_ARGS__)
    int nent = 3 + variant % 2;
    PUT("select ");
    for (int i = 0; i < 30; i++) {
        int e = i % nent, c = (i / nent + variant) % 12;
        const struct entity *en = &entities[e];
        char shortname[9];
        snprintf(shortname, sizeof(shortname), "%s", en->cols[c]);
        PUT("%s%s.%s as %s%d_%d_%d_", i ? ", " : "", en->alias, en->cols[c], shortname, c + 1,
            e + 2, e);
    }
    PUT(" from %s %s", entities[0].table, entities[0].alias);
    PUT(" inner join %s %s on %s.customer_id=%s.id", entities[1].table, entities[1].alias,
        entities[0].alias, entities[1].alias);
    PUT(" left outer join %s %s on %s.id=%s.order_id", entities[2].table, entities[2].alias,
        entities[0].alias, entities[2].alias);
    if (nent == 4)
        PUT(" left outer join %s %s on %s.product_id=%s.id", entities[3].table, entities[3].alias,
            entities[2].alias, entities[3].alias);
    PUT(" where %s.customer_id=%u and %s.status in ('PAID', 'SHIPPED', 'PARTIALLY_REFUNDED')"
        " and %s.created_at>='2024-01-01 00:00:00.000000' and %s.id in (",
        entities[0].alias, rnd(1, 1000000), entities[0].alias, entities[0].alias,
        entities[0].alias);
    int nids = 36 + variant * 8;
    for (int i = 0; i < nids; i++)
        PUT("%s%u", i ? ", " : "", rnd(1, 50000000));
    PUT(") order by %s.created_at desc, %s.id asc limit %u", entities[0].alias, entities[2].alias,
        50u + (unsigned)variant);
#undef PUT
    add(s, CLS_SELECT, "%s", sql);
}

/* ---- lookup ------------------------------------------------------------- */

static bool lookup(void *ctx, const char *schema, const char *name, const char **key)
{
    (void)ctx;
    (void)schema;
    if (strncmp(name, "sbtest", 6) == 0) {
        *key = "id";
        return true;
    }
    if (strcmp(name, "shop_order") == 0) {
        *key = "customer_id";
        return true;
    }
    if (strcmp(name, "customer") == 0) {
        *key = "id";
        return true;
    }
    return false;
}

/* ---- measuring ------------------------------------------------------------ */

static struct cls res; /* one per worker, reused, as the router keeps it */
static volatile uint32_t sink;

static void classify_all(const struct set *s)
{
    uint32_t x = 0;
    for (size_t i = 0; i < s->n; i++) {
        classify(&res, s->v[i].p, s->v[i].len, 0, lookup, NULL);
        x += res.kind + res.flags + res.ntables;
    }
    sink += x;
}

/* The baseline: only the tokenizer classify() builds on, over the same text. */
static void lex_all(const struct set *s)
{
    uint32_t x = 0;
    struct sqllex lx;
    struct sqltok t;
    for (size_t i = 0; i < s->n; i++) {
        sqllex_init(&lx, s->v[i].p, s->v[i].len, 0);
        do {
            sqllex_next(&lx, &t);
            x += (uint32_t)t.type;
        } while (t.type != SQLTOK_EOF && t.type != SQLTOK_ERROR);
    }
    sink += x;
}

/* Each statement once: the kinds must be the expected ones. */
static void sanity(const struct set *s)
{
    size_t wrong = 0, partial = 0, unpinned = 0;
    for (size_t i = 0; i < s->n; i++) {
        classify(&res, s->v[i].p, s->v[i].len, 0, lookup, NULL);
        if (res.kind != s->v[i].want) {
            if (wrong++ == 0)
                fprintf(stderr, "bench_classify: warning: %s: \"%.60s...\" classified as %s\n",
                        s->name, s->v[i].p, cls_kind_name(res.kind));
        }
        if (res.flags & CLS_F_PARTIAL) {
            if (partial++ == 0)
                fprintf(stderr, "bench_classify: warning: %s: \"%.60s...\" is partial: %s\n",
                        s->name, s->v[i].p, res.why ? res.why : "?");
        }
        if (res.ntables > 0 && (res.tables[0].flags & CLS_T_SHARDED) && !res.tables[0].pinned &&
            strstr(s->v[i].p, " BETWEEN ") == NULL)
            unpinned++;
    }
    if (wrong || partial || unpinned)
        fprintf(stderr,
                "bench_classify: warning: %s: %zu of %zu statements of an unexpected kind, "
                "%zu partial, %zu with a sharded table and no pinned key\n",
                s->name, wrong, s->n, partial, unpinned);
}

struct figures {
    double stmts_per_cpu_s, ns, mb_s, wall, cpu;
    unsigned long long count;
};

static struct figures measure(const struct set *s, double seconds, void (*run)(const struct set *))
{
    struct figures f = {0};
    /* Warm up caches and branch predictors. */
    double w0 = bench_now(CLOCK_MONOTONIC);
    do
        run(s);
    while (bench_now(CLOCK_MONOTONIC) - w0 < 0.2);

    unsigned long long passes = 0;
    bench_counting = true;
    double t0 = bench_now(CLOCK_MONOTONIC), c0 = bench_now(CLOCK_THREAD_CPUTIME_ID), t1;
    do {
        run(s);
        passes++;
        t1 = bench_now(CLOCK_MONOTONIC);
    } while (t1 - t0 < seconds);
    double c1 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    bench_counting = false;

    f.count = passes * s->n;
    f.wall = t1 - t0;
    f.cpu = c1 - c0;
    f.stmts_per_cpu_s = (double)f.count / f.cpu;
    f.ns = f.cpu * 1e9 / (double)f.count;
    f.mb_s = (double)(passes * s->bytes) / f.cpu / 1e6;
    return f;
}

#define TARGET 3000000.0
#define SB_TX 100 /* distinct sysbench transactions */
#define ORM_N 16  /* distinct ORM statements */

int main(int argc, char **argv)
{
    double seconds = 2.0;
    const char *env = getenv("BENCH_CLASSIFY_TIME");
    if (argc > 1)
        env = argv[1];
    if (env != NULL && (seconds = atof(env)) <= 0) {
        fprintf(stderr, "usage: bench_classify [seconds per set] (or BENCH_CLASSIFY_TIME)\n");
        return 2;
    }

    if (!bench_counter_works()) {
        fprintf(stderr, "bench_classify: the allocation counter does not see malloc() calls "
                        "(sanitizer build?); cannot count heap allocations\n");
        return 1;
    }

    arena_cap = 4u << 20;
    arena = malloc(arena_cap);
    struct set sb = {.name = "sysbench oltp_read_write"}, orm = {.name = "ORM selects"};
    sb.cap = SB_TX * 20; /* 14 reads, 4 writes, BEGIN and COMMIT */
    orm.cap = ORM_N;
    sb.v = calloc(sb.cap, sizeof(*sb.v));
    orm.v = calloc(orm.cap, sizeof(*orm.v));
    if (arena == NULL || sb.v == NULL || orm.v == NULL)
        return 2;
    for (int i = 0; i < SB_TX; i++)
        sysbench_tx(&sb);
    for (int i = 0; i < ORM_N; i++)
        orm_select(&orm, i);
    uint32_t omin = UINT32_MAX, omax = 0;
    for (size_t i = 0; i < orm.n; i++) {
        omin = orm.v[i].len < omin ? orm.v[i].len : omin;
        omax = orm.v[i].len > omax ? orm.v[i].len : omax;
    }

    int cpu = bench_pin_cpu();
    printf("bench_classify: one thread pinned to CPU %d, %.1f s per set, struct cls %zu bytes\n",
           cpu, seconds, sizeof(struct cls));
    sanity(&sb);
    sanity(&orm);

    struct figures fs = measure(&sb, seconds, classify_all);
    printf("  %-26s %9.0f statements/s per core  %7.1f ns/statement  %7.1f MB/s"
           "  (%zu distinct, avg %zu bytes; %llu classified in %.2f s CPU, %.2f s wall)\n",
           "sysbench oltp_read_write:", fs.stmts_per_cpu_s, fs.ns, fs.mb_s, sb.n, sb.bytes / sb.n,
           fs.count, fs.cpu, fs.wall);
    struct figures fo = measure(&orm, seconds, classify_all);
    printf("  %-26s %9.0f statements/s per core  %7.1f ns/statement  %7.1f MB/s"
           "  (%zu distinct, %u-%u bytes; %llu classified in %.2f s CPU, %.2f s wall)\n",
           "ORM selects (30 columns):", fo.stmts_per_cpu_s, fo.ns, fo.mb_s, orm.n, omin, omax,
           fo.count, fo.cpu, fo.wall);

    unsigned long long total = fs.count + fo.count;
    unsigned long long allocs = bench_n_alloc, frees = bench_n_free;
    /* For scale: the tokenizer alone over the sysbench mix. */
    struct figures fl = measure(&sb, seconds / 2, lex_all);
    printf("  %-26s %9.0f statements/s per core  %7.1f ns/statement  %7.1f MB/s"
           "  (sqllex_next over every token, nothing else)\n",
           "baseline: tokenizer only:", fl.stmts_per_cpu_s, fl.ns, fl.mb_s);
    printf("  heap allocations per statement: %.3f (%llu allocation and %llu free calls "
           "during %llu timed classify() calls; counted by malloc/calloc/realloc/free/"
           "posix_memalign/aligned_alloc/memalign/valloc interposed in this binary)\n",
           (double)allocs / (double)total, allocs, frees, total);
    printf("  target >= %.0f sysbench statements/s per core: %s\n", TARGET,
           fs.stmts_per_cpu_s >= TARGET ? "met" : "NOT met");
    free(orm.v);
    free(sb.v);
    free(arena);
    if (allocs != 0 || frees != 0) {
        fprintf(stderr, "bench_classify: classify() allocated on the heap\n");
        return 1;
    }
    return 0;
}
