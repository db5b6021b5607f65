/*
 * bench_util — what the microbenchmarks share: counting heap allocations
 * (the binary interposes malloc and friends; counting only while
 * bench_counting is set), thread CPU clocks and pinning to one CPU.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <time.h>

extern bool bench_counting;
extern unsigned long long bench_n_alloc, bench_n_free;

/* True when the interposed allocator really counts (not under ASan). */
bool bench_counter_works(void);

/* Seconds on clock clk (e.g. CLOCK_THREAD_CPUTIME_ID). */
double bench_now(clockid_t clk);

/* Pin the calling thread to $BENCH_CPU, or to the last CPU it may use.
 * Returns the CPU, or -1 (then it runs unpinned). */
int bench_pin_cpu(void);

#endif
