/*
 * bench_lookup.c — microbenchmark of the shard-map lookup (include/shardmap.h),
 * run by `make bench` (tests/bench/bench.sh) and alone by `make bench-lookup`.
 *
 * The map: one sharded keyspace of NRANGES (1,024) shards whose range
 * boundaries are distinct random 16-hex-digit prefixes (as a map looks after
 * many splits, not a regular grid), generated as map text and loaded with
 * shardmap_load_string() like any other version. Plus a check that every
 * lookup agrees with a linear scan for a sample of ids, and the exact range
 * edges.
 *
 * Measured on one thread pinned to one CPU (BENCH_CPU, default the last one
 * this process may use), each for BENCH_LOOKUP_TIME seconds (default 2):
 *   - shardmap_lookup() of random keyspace ids (xorshift64*, inline);
 *   - shardmap_ksid_int() + shardmap_lookup() of random 64-bit int keys
 *     (what routing `WHERE id = 42` costs once the literal is parsed);
 *   - the random-number generator alone, for scale (its cost is inside the
 *     two figures above, not subtracted).
 * Figures are per second of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID),
 * i.e. per core.
 *
 * Heap allocations are counted while the timed loops run, by the same
 * malloc/calloc/realloc/free interposition as bench_classify.c. Exits 1 when
 * a lookup allocated, a lookup disagreed with the linear scan, or the
 * allocation counter does not work; the 50 million lookups/s target is
 * reported (met / NOT met) but does not fail the run, since it depends on
 * the machine.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "shardmap.h"

/* ---- the map ---------------------------------------------------------------- */

#define NRANGES 1024
#define TARGET 50e6

static uint64_t seed = 0x9e3779b97f4a7c15ull;

/* xorshift64*: a few cycles, good enough to defeat the branch predictor. */
static inline uint64_t rnd64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t starts[NRANGES]; /* starts[0] = 0, sorted, distinct */

/* Map text: version 1, one sharded keyspace "bench" with NRANGES shards on
 * four servers. Returns malloc'd text. */
static char *map_text(void)
{
    uint64_t s = seed;
    starts[0] = 0;
    for (int i = 1; i < NRANGES; i++) {
        bool dup;
        do {
            starts[i] = rnd64(&s);
            dup = starts[i] == 0;
            for (int j = 1; j < i && !dup; j++)
                dup = starts[j] == starts[i];
        } while (dup);
    }
    qsort(starts, NRANGES, sizeof(starts[0]), cmp_u64);

    size_t cap = (size_t)NRANGES * 160 + 1024, len = 0;
    char *t = malloc(cap);
    if (t == NULL)
        return NULL;
#define PUT(...) len += (size_t)snprintf(t + len, cap - len, __VA_ARGS__)
    PUT("version = 1;\nhash = \"xxh3\";\nkeyspaces = (\n  { name = \"bench\"; sharded = true;\n"
        "    tables = ( { name = \"users\"; key = \"id\"; } );\n    shards = (\n");
    for (int i = 0; i < NRANGES; i++) {
        char lo[17] = "", hi[17] = "";
        if (i > 0)
            snprintf(lo, sizeof(lo), "%016llx", (unsigned long long)starts[i]);
        if (i + 1 < NRANGES)
            snprintf(hi, sizeof(hi), "%016llx", (unsigned long long)starts[i + 1]);
        PUT("      { range = \"%s-%s\"; primary = \"127.0.0.1:%d\"; schema = \"bench_%04d\"; }%s\n",
            lo, hi, 3500 + i % 4, i, i + 1 < NRANGES ? "," : "");
    }
    PUT("    );\n  }\n);\n");
#undef PUT
    if (len >= cap) {
        free(t);
        return NULL;
    }
    return t;
}

/* Linear reference: the shard whose [start, end) holds id. */
static int linear(const struct shardmap_keyspace *ks, uint64_t id)
{
    for (int i = 0; i < ks->nshards; i++) {
        const struct shardmap_shard *sh = &ks->shards[i];
        if (id >= sh->start && (sh->end_max || id < sh->end))
            return i;
    }
    return -1;
}

/* Every lookup of a sample, and of each range's first and last id, must
 * agree with the linear scan. Returns the number of disagreements. */
static int verify(const struct shardmap_keyspace *ks)
{
    int bad = 0;
    uint64_t s = 12345;
    for (int i = 0; i < 100000; i++) {
        uint64_t id = rnd64(&s);
        if (shardmap_lookup(ks, id) - ks->shards != linear(ks, id))
            bad++;
    }
    for (int i = 0; i < ks->nshards; i++) {
        const struct shardmap_shard *sh = &ks->shards[i];
        uint64_t last = sh->end_max ? UINT64_MAX : sh->end - 1;
        if (shardmap_lookup(ks, sh->start) != sh || shardmap_lookup(ks, last) != sh)
            bad++;
    }
    return bad;
}

/* ---- measuring ---------------------------------------------------------------- */

static volatile uint64_t sink;

#define BATCH 4096

static void run_lookup(const struct shardmap *map, const struct shardmap_keyspace *ks, uint64_t *s)
{
    uintptr_t x = 0;
    (void)map;
    for (int i = 0; i < BATCH; i++)
        x += (uintptr_t)shardmap_lookup(ks, rnd64(s));
    sink += x;
}

static void run_int(const struct shardmap *map, const struct shardmap_keyspace *ks, uint64_t *s)
{
    uintptr_t x = 0;
    for (int i = 0; i < BATCH; i++)
        x += (uintptr_t)shardmap_lookup(ks, shardmap_ksid_int(map, (int64_t)rnd64(s)));
    sink += x;
}

/* For comparison only, not the library: a branchless binary search over a
 * separate, contiguous array of the range starts (8 KiB for 1,024 ranges,
 * so it stays in L1), instead of over the shard structs themselves (one
 * cache line each, and a branch the predictor gets wrong half the time). */
static inline int ref_search(const uint64_t *v, int n, uint64_t key)
{
    const uint64_t *base = v;
    while (n > 1) {
        int half = n / 2;
        base = base[half] <= key ? base + half : base;
        n -= half;
    }
    return (int)(base - v);
}

static void run_ref(const struct shardmap *map, const struct shardmap_keyspace *ks, uint64_t *s)
{
    uintptr_t x = 0;
    (void)map;
    for (int i = 0; i < BATCH; i++)
        x += (uintptr_t)&ks->shards[ref_search(starts, NRANGES, rnd64(s))];
    sink += x;
}

static void run_rng(const struct shardmap *map, const struct shardmap_keyspace *ks, uint64_t *s)
{
    uint64_t x = 0;
    (void)map;
    (void)ks;
    for (int i = 0; i < BATCH; i++)
        x += rnd64(s);
    sink += x;
}

struct figures {
    double per_s, ns, cpu, wall;
    unsigned long long count;
};

static struct figures
measure(const struct shardmap *map, const struct shardmap_keyspace *ks, double seconds,
        void (*run)(const struct shardmap *, const struct shardmap_keyspace *, uint64_t *))
{
    struct figures f = {0};
    uint64_t s = 0x1234567887654321ull;
    double w0 = bench_now(CLOCK_MONOTONIC);
    do
        run(map, ks, &s);
    while (bench_now(CLOCK_MONOTONIC) - w0 < 0.2);

    unsigned long long batches = 0;
    bench_counting = true;
    double t0 = bench_now(CLOCK_MONOTONIC), c0 = bench_now(CLOCK_THREAD_CPUTIME_ID), t1;
    do {
        for (int k = 0; k < 64; k++)
            run(map, ks, &s);
        batches += 64;
        t1 = bench_now(CLOCK_MONOTONIC);
    } while (t1 - t0 < seconds);
    double c1 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    bench_counting = false;
    f.count = batches * BATCH;
    f.wall = t1 - t0;
    f.cpu = c1 - c0;
    f.per_s = (double)f.count / f.cpu;
    f.ns = f.cpu * 1e9 / (double)f.count;
    return f;
}

int main(int argc, char **argv)
{
    double seconds = 2.0;
    const char *env = getenv("BENCH_LOOKUP_TIME");
    if (argc > 1)
        env = argv[1];
    if (env != NULL && (seconds = atof(env)) <= 0) {
        fprintf(stderr, "usage: bench_lookup [seconds per measurement] (or BENCH_LOOKUP_TIME)\n");
        return 2;
    }
    if (!bench_counter_works()) {
        fprintf(stderr, "bench_lookup: the allocation counter does not see malloc() calls "
                        "(sanitizer build?); cannot count heap allocations\n");
        return 1;
    }

    char err[512];
    char *text = map_text();
    if (text == NULL) {
        fprintf(stderr, "bench_lookup: out of memory\n");
        return 2;
    }
    struct shardmap *map = shardmap_load_string(text, "bench_lookup map", err, sizeof(err));
    if (map == NULL) {
        fprintf(stderr, "bench_lookup: the generated map does not load: %s\n", err);
        free(text);
        return 1;
    }
    const struct shardmap_keyspace *ks = shardmap_keyspace(map, "bench");
    if (ks == NULL || ks->nshards != NRANGES) {
        fprintf(stderr, "bench_lookup: the generated map has %d shards, not %d\n",
                ks ? ks->nshards : 0, NRANGES);
        return 1;
    }
    int bad = verify(ks);

    int cpu = bench_pin_cpu();
    printf("bench_lookup: one thread pinned to CPU %d, %.1f s per measurement; map of %d ranges "
           "(random boundaries, %zu bytes of map text, struct shardmap_shard %zu bytes)\n",
           cpu, seconds, ks->nshards, strlen(text), sizeof(struct shardmap_shard));
    struct figures fl = measure(map, ks, seconds, run_lookup);
    printf("  %-34s %6.1f million/s per core  %6.2f ns each  (%llu in %.2f s CPU, %.2f s wall)\n",
           "shardmap_lookup, random ids:", fl.per_s / 1e6, fl.ns, fl.count, fl.cpu, fl.wall);
    struct figures fi = measure(map, ks, seconds, run_int);
    printf("  %-34s %6.1f million/s per core  %6.2f ns each  (%llu in %.2f s CPU, %.2f s wall)\n",
           "ksid_int + lookup, random ints:", fi.per_s / 1e6, fi.ns, fi.count, fi.cpu, fi.wall);
    unsigned long long allocs = bench_n_alloc, frees = bench_n_free, total = fl.count + fi.count;
    for (uint64_t id = 0, s = 99; id < 100000; id++) {
        uint64_t k = rnd64(&s);
        if (&ks->shards[ref_search(starts, NRANGES, k)] != shardmap_lookup(ks, k))
            bad++;
    }
    struct figures ff = measure(map, ks, seconds / 2, run_ref);
    printf("  %-34s %6.1f million/s per core  %6.2f ns each  (for comparison: branchless search "
           "over a separate array of range starts, not the library)\n",
           "reference: flat array of starts:", ff.per_s / 1e6, ff.ns);
    struct figures fr = measure(map, ks, seconds / 4, run_rng);
    printf("  %-34s %6.1f million/s per core  %6.2f ns each  (included in both figures above)\n",
           "baseline: random numbers only:", fr.per_s / 1e6, fr.ns);
    printf("  heap allocations per lookup: %.3f (%llu allocation and %llu free calls during %llu "
           "timed lookups)\n",
           (double)allocs / (double)total, allocs, frees, total);
    printf("  lookups checked against a linear scan: %s\n",
           bad == 0 ? "all agree" : "DISAGREEMENTS (see exit status)");
    printf("  target >= %.0f million lookups/s per core: %s\n", TARGET / 1e6,
           fl.per_s >= TARGET ? "met" : "NOT met");
    shardmap_put(map);
    free(text);
    if (bad != 0) {
        fprintf(stderr, "bench_lookup: %d lookups disagree with the linear scan\n", bad);
        return 1;
    }
    if (allocs != 0 || frees != 0) {
        fprintf(stderr, "bench_lookup: shardmap_lookup/shardmap_ksid_int allocated on the heap\n");
        return 1;
    }
    return 0;
}
