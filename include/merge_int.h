/*
 * merge_int — what router/merge.c and router/merge_value.c share, and what
 * the unit tests reach directly: value comparison by column type, exact
 * decimal arithmetic on text, and printing doubles as MariaDB does. Pure:
 * no I/O; the only allocation is growing a caller's struct buf.
 */
#ifndef MERGE_INT_H
#define MERGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "merge.h"

/* MYSQL_TYPE_* values of a column definition. */
enum merge_type {
    MERGE_T_DECIMAL = 0,
    MERGE_T_TINY = 1,
    MERGE_T_SHORT = 2,
    MERGE_T_LONG = 3,
    MERGE_T_FLOAT = 4,
    MERGE_T_DOUBLE = 5,
    MERGE_T_NULL = 6,
    MERGE_T_TIMESTAMP = 7,
    MERGE_T_LONGLONG = 8,
    MERGE_T_INT24 = 9,
    MERGE_T_DATE = 10,
    MERGE_T_TIME = 11,
    MERGE_T_DATETIME = 12,
    MERGE_T_YEAR = 13,
    MERGE_T_NEWDATE = 14,
    MERGE_T_VARCHAR = 15,
    MERGE_T_BIT = 16,
    MERGE_T_NEWDECIMAL = 246,
    MERGE_T_ENUM = 247,
    MERGE_T_SET = 248,
    MERGE_T_TINY_BLOB = 249,
    MERGE_T_MEDIUM_BLOB = 250,
    MERGE_T_LONG_BLOB = 251,
    MERGE_T_BLOB = 252,
    MERGE_T_VAR_STRING = 253,
    MERGE_T_STRING = 254,
    MERGE_T_GEOMETRY = 255,
};

/* Column definition flags the merge looks at. */
#define MERGE_FLAG_UNSIGNED 0x0020
#define MERGE_FLAG_ENUM 0x0100
#define MERGE_FLAG_SET 0x0800

/* The server's limits for result scales: DECIMAL scale (MariaDB: 38; MySQL
 * would be 30) and NOT_FIXED_DEC, the "decimals" of a double printed in
 * its shortest form rather than with a fixed number of decimals. */
#define MERGE_DECIMAL_MAX_SCALE 38
#define MERGE_NOT_FIXED_DEC 31
/* AVG's scale increment (div_precision_increment's default). */
#define MERGE_DIV_INCREMENT 4

/* How values of a column compare (see merge_value_cmp). */
enum merge_family {
    MERGE_FAM_NUMBER, /* integers, YEAR, DECIMAL: exactly, on the text */
    MERGE_FAM_FLOAT,  /* FLOAT, DOUBLE: as doubles */
    MERGE_FAM_TIME,   /* TIME: sign, hours of any length, then the rest */
    MERGE_FAM_BYTES,  /* dates (canonical text), strings, blobs, BIT: memcmp */
};

enum merge_family merge_family_of(const struct merge_colinfo *ci);

/* Compare two non-NULL values of family fam: <0, 0, >0 (ascending). Text
 * that does not look like its family (e.g. a DECIMAL with letters) still
 * compares consistently (a total order), never crashes. */
int merge_value_cmp(enum merge_family fam, const uint8_t *a, size_t alen, const uint8_t *b,
                    size_t blen);

/* A parsed decimal number: [-]ip[0, il).fp[0, fl), leading zeros of the
 * integer part dropped (il may be 0), zero never negative. Points into the
 * text parsed. */
struct merge_dec {
    bool neg;
    const uint8_t *ip;
    size_t il;
    const uint8_t *fp;
    size_t fl;
};

/* Parse text of the form [+-]digits[.digits] (at least one digit). Returns
 * 0, or -1 when it is not a decimal number. */
int merge_dec_parse(const uint8_t *s, size_t n, struct merge_dec *d);

/* Append the exact text of a + b to dst: scale max(a.fl, b.fl), no leading
 * zeros but one before the point, no sign on zero. Returns 0 or -1 (out of
 * memory). */
int merge_dec_add(struct buf *dst, const struct merge_dec *a, const struct merge_dec *b);

/* Append sum / count to dst with exactly scale decimals, rounded half away
 * from zero (the server's HALF_UP on decimals); count > 0. Returns 0 or -1
 * (out of memory). */
int merge_dec_div(struct buf *dst, const struct merge_dec *sum, uint64_t count, unsigned scale);

/* A COUNT value: a non-negative integer that fits 64 bits (a fraction of
 * zeros is allowed). Returns 0 or -1. */
int merge_parse_count(const uint8_t *s, size_t n, uint64_t *v);

/* strtod() of text that is not NUL-terminated; 0 for text that is not a
 * number. */
double merge_strtod(const uint8_t *s, size_t n);

/*
 * Print v as MariaDB prints a DOUBLE in the text protocol; returns the
 * length written to dst (cap >= MERGE_DOUBLE_TEXT_MAX).
 *   decimals < 31 (a column with fixed decimals): "%.*f", and no '-' on a
 *     value that prints as zero ("0.00", not "-0.00");
 *   decimals >= 31: the shortest digit string that reads back as v (so
 *     0.1+0.2 prints 0.30000000000000004, 3.5 prints 3.5, 3 prints 3);
 *     plain notation when the decimal exponent e (v = d.ddd * 10^e) is in
 *     [-15, 14], otherwise d.ddde<e> with no '+' and no leading zeros in e
 *     (1e15, 1.5e-16, 1.2345678901234568e17). Zero prints "0".
 */
#define MERGE_DOUBLE_TEXT_MAX 400
size_t merge_fmt_double(char *dst, size_t cap, double v, unsigned decimals);

#endif
