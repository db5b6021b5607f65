/* bench_util — see bench_util.h. */
#include "bench_util.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation bench_counting ------------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0 /* the sanitizer owns malloc: no interposition */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#else
#define COUNT_ALLOCS 1
#endif
#else
#define COUNT_ALLOCS 1
#endif

bool bench_counting;
unsigned long long bench_n_alloc, bench_n_free;

#if COUNT_ALLOCS
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

void *malloc(size_t n)
{
    if (bench_counting)
        bench_n_alloc++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (bench_counting)
        bench_n_alloc++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (bench_counting)
        bench_n_alloc++;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    if (bench_counting && p != NULL)
        bench_n_free++;
    __libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (bench_counting)
        bench_n_alloc++;
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    void *p = __libc_memalign(align, n);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    if (bench_counting)
        bench_n_alloc++;
    return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n)
{
    if (bench_counting)
        bench_n_alloc++;
    return __libc_memalign(align, n);
}

void *valloc(size_t n)
{
    if (bench_counting)
        bench_n_alloc++;
    return __libc_memalign(4096, n);
}
#endif

/* Does the counter see an allocation made through the PLT? */
bool bench_counter_works(void)
{
#if COUNT_ALLOCS
    void *(*volatile m)(size_t) = malloc;
    void (*volatile f)(void *) = free;
    unsigned long long a = bench_n_alloc, b = bench_n_free;
    bench_counting = true;
    void *p = m(48);
    f(p);
    bench_counting = false;
    bool ok = bench_n_alloc == a + 1 && bench_n_free == b + 1;
    bench_n_alloc = a;
    bench_n_free = b;
    return ok;
#else
    return false;
#endif
}

double bench_now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_pin_cpu(void)
{
    cpu_set_t set;
    const char *env = getenv("BENCH_CPU");
    int cpu = -1;
    if (sched_getaffinity(0, sizeof(set), &set) == -1)
        return -1;
    if (env != NULL && *env != '\0') {
        cpu = atoi(env);
    } else {
        for (int i = CPU_SETSIZE - 1; i >= 0; i--)
            if (CPU_ISSET(i, &set)) {
                cpu = i;
                break;
            }
    }
    if (cpu < 0)
        return -1;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) == -1) {
        fprintf(stderr, "bench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
        return -1;
    }
    return cpu;
}
