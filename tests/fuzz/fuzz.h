/*
 * fuzz.h — shared by the libFuzzer harnesses in tests/fuzz/ and their
 * replay driver (replay.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput(). Built with clang and
 * -fsanitize=fuzzer it is driven by libFuzzer (`make fuzz`); built with the
 * normal compiler and linked with replay.c it runs every file of the seed
 * corpus once (`make check`). Either way a broken invariant calls abort()
 * after printing what broke, so both libFuzzer and the replay report it as
 * a crash with the input that caused it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message naming the invariant and where it is checked. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A copy of data[0, n) in a heap block of exactly n bytes (1 when n is 0),
 * so that AddressSanitizer reports any read past the end. Caller frees. */
static inline void *fuzz_dup(const void *data, size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        abort();
    if (n > 0)
        memcpy(p, data, n);
    return p;
}

/* Is [p, p + len) inside [base, base + n)? */
static inline int fuzz_inside(const void *p, size_t len, const void *base, size_t n)
{
    uintptr_t q = (uintptr_t)p, b = (uintptr_t)base;
    return q >= b && q - b <= n && len <= n - (q - b);
}

#endif
