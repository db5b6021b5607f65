/*
 * merge_value — comparing result values by column type, exact decimal
 * arithmetic on their text, and printing doubles the way MariaDB does. See
 * include/merge_int.h.
 *
 * Decimal arithmetic works digit by digit on the text, so any length is
 * exact (DECIMAL(65,38), 20-digit unsigned sums, sums of sums); nothing is
 * converted to binary floating point.
 */
#include "merge_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum merge_family merge_family_of(const struct merge_colinfo *ci)
{
    switch (ci->type) {
    case MERGE_T_DECIMAL:
    case MERGE_T_NEWDECIMAL:
    case MERGE_T_TINY:
    case MERGE_T_SHORT:
    case MERGE_T_LONG:
    case MERGE_T_LONGLONG:
    case MERGE_T_INT24:
    case MERGE_T_YEAR:
        return MERGE_FAM_NUMBER;
    case MERGE_T_FLOAT:
    case MERGE_T_DOUBLE:
        return MERGE_FAM_FLOAT;
    case MERGE_T_TIME:
        return MERGE_FAM_TIME;
    default:
        /* DATE/DATETIME/TIMESTAMP text has one fixed layout per column
         * ("YYYY-MM-DD hh:mm:ss[.ffffff]"), so bytes order it. */
        return MERGE_FAM_BYTES;
    }
}

static int sign_of(int c)
{
    return (c > 0) - (c < 0);
}

static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0)
        return sign_of(c);
    return (alen > blen) - (alen < blen);
}

static bool any_nonzero_digit(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= '1' && p[i] <= '9')
            return true;
    return false;
}

/* ---- decimals ------------------------------------------------------------ */

int merge_dec_parse(const uint8_t *s, size_t n, struct merge_dec *d)
{
    size_t i = 0;
    d->neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        d->neg = s[i++] == '-';
    size_t istart = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t iend = i;
    size_t fstart = i, fend = i;
    if (i < n && s[i] == '.') {
        fstart = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        fend = i;
    }
    if (i != n || (iend == istart && fend == fstart))
        return -1;
    while (istart < iend && s[istart] == '0')
        istart++;
    d->ip = s + istart;
    d->il = iend - istart;
    d->fp = s + fstart;
    d->fl = fend - fstart;
    if (d->il == 0 && !any_nonzero_digit(d->fp, d->fl))
        d->neg = false;
    return 0;
}

/* Compare magnitudes. */
static int dec_cmp_mag(const struct merge_dec *a, const struct merge_dec *b)
{
    if (a->il != b->il)
        return a->il < b->il ? -1 : 1;
    int c = a->il > 0 ? memcmp(a->ip, b->ip, a->il) : 0;
    if (c != 0)
        return sign_of(c);
    size_t n = a->fl < b->fl ? a->fl : b->fl;
    c = n > 0 ? memcmp(a->fp, b->fp, n) : 0;
    if (c != 0)
        return sign_of(c);
    if (a->fl > n)
        return any_nonzero_digit(a->fp + n, a->fl - n) ? 1 : 0;
    if (b->fl > n)
        return any_nonzero_digit(b->fp + n, b->fl - n) ? -1 : 0;
    return 0;
}

static int dec_cmp(const struct merge_dec *a, const struct merge_dec *b)
{
    if (a->neg != b->neg)
        return a->neg ? -1 : 1;
    int c = dec_cmp_mag(a, b);
    return a->neg ? -c : c;
}

/* Digit p places left of the last fraction digit of a number with fl
 * fraction digits (p = 0: the last fraction digit). */
static int dec_digit(const struct merge_dec *d, size_t fl, size_t p)
{
    if (p < fl) {
        size_t k = fl - 1 - p;
        return k < d->fl ? d->fp[k] - '0' : 0;
    }
    size_t j = p - fl;
    return j < d->il ? d->ip[d->il - 1 - j] - '0' : 0;
}

/*
 * Turn nd digit values at dst->data + dst->len + skip (the first il of them
 * the integer part) into text at dst->data + dst->len: '-' when neg and not
 * zero, the integer part without leading zeros (at least "0"), '.', the
 * fraction. Every byte is written at or before the place it is read from,
 * so one forward pass suffices (skip >= 2 leaves room for sign and point).
 */
static void digits_to_text(struct buf *dst, size_t skip, size_t il, size_t nd, bool neg)
{
    uint8_t *base = dst->data + dst->len;
    const uint8_t *dig = base + skip;
    bool zero = true;
    for (size_t i = 0; i < nd; i++)
        if (dig[i] != 0) {
            zero = false;
            break;
        }
    size_t first = 0;
    while (first + 1 < il && dig[first] == 0)
        first++;
    size_t o = 0;
    if (neg && !zero)
        base[o++] = '-';
    if (il == 0)
        base[o++] = '0';
    for (size_t i = first; i < il; i++)
        base[o++] = (uint8_t)('0' + dig[i]);
    if (nd > il) {
        base[o++] = '.';
        for (size_t i = il; i < nd; i++)
            base[o++] = (uint8_t)('0' + dig[i]);
    }
    dst->len += o;
}

int merge_dec_add(struct buf *dst, const struct merge_dec *a, const struct merge_dec *b)
{
    size_t fl = a->fl > b->fl ? a->fl : b->fl;
    size_t il = (a->il > b->il ? a->il : b->il) + 1;
    size_t nd = il + fl;
    if (buf_reserve(dst, nd + 2) == -1)
        return -1;
    uint8_t *dig = dst->data + dst->len + 2;
    bool neg;
    if (a->neg == b->neg) {
        int carry = 0;
        for (size_t p = 0; p < nd; p++) {
            int s = dec_digit(a, fl, p) + dec_digit(b, fl, p) + carry;
            carry = s >= 10;
            dig[nd - 1 - p] = (uint8_t)(carry ? s - 10 : s);
        }
        neg = a->neg;
    } else {
        int c = dec_cmp_mag(a, b);
        const struct merge_dec *big = c >= 0 ? a : b, *small = c >= 0 ? b : a;
        int borrow = 0;
        for (size_t p = 0; p < nd; p++) {
            int s = dec_digit(big, fl, p) - dec_digit(small, fl, p) - borrow;
            borrow = s < 0;
            dig[nd - 1 - p] = (uint8_t)(borrow ? s + 10 : s);
        }
        neg = big->neg;
    }
    digits_to_text(dst, 2, il, nd, neg);
    return 0;
}

int merge_dec_div(struct buf *dst, const struct merge_dec *sum, uint64_t count, unsigned scale)
{
    /* As the server divides: the quotient truncated to d decimals, d the
     * scale rounded up to whole 9-digit words, then rounded half up to
     * scale decimals on the first dropped digit (none when d == scale:
     * then the result is truncated, e.g. with div_precision_increment 0).
     * Divide at q >= scale + 1 decimals, truncating. */
    size_t d = ((size_t)scale + 8) / 9 * 9;
    size_t q = (size_t)scale + 1 > sum->fl ? (size_t)scale + 1 : sum->fl;
    size_t il = sum->il;
    size_t nd = il + q;
    if (buf_reserve(dst, nd + 4) == -1)
        return -1;
    /* r[0] is a carry slot for rounding up, r[1..nd] the digits. */
    uint8_t *r = dst->data + dst->len + 2;
    r[0] = 0;
    for (size_t i = 0; i < il; i++)
        r[1 + i] = (uint8_t)(sum->ip[i] - '0');
    for (size_t k = 0; k < q; k++)
        r[1 + il + k] = (uint8_t)(k < sum->fl ? sum->fp[k] - '0' : 0);
    unsigned __int128 rem = 0;
    for (size_t i = 1; i <= nd; i++) {
        unsigned __int128 cur = rem * 10 + r[i];
        r[i] = (uint8_t)(cur / count);
        rem = cur % count;
    }
    size_t keep = 1 + il + scale; /* carry slot, integer digits, scale decimals */
    if (scale < d && r[keep] >= 5) {
        size_t i = keep;
        do {
            i--;
            if (++r[i] < 10)
                break;
            r[i] = 0;
        } while (i > 0);
    }
    digits_to_text(dst, 2, il + 1, keep, sum->neg);
    return 0;
}

int merge_parse_count(const uint8_t *s, size_t n, uint64_t *v)
{
    struct merge_dec d;
    if (merge_dec_parse(s, n, &d) == -1 || d.neg || any_nonzero_digit(d.fp, d.fl))
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < d.il; i++) {
        unsigned dg = (unsigned)(d.ip[i] - '0');
        if (x > (UINT64_MAX - dg) / 10)
            return -1;
        x = x * 10 + dg;
    }
    *v = x;
    return 0;
}

/* ---- comparisons --------------------------------------------------------- */

double merge_strtod(const uint8_t *s, size_t n)
{
    char tmp[MERGE_DOUBLE_TEXT_MAX];
    if (n >= sizeof(tmp))
        n = sizeof(tmp) - 1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return strtod(tmp, NULL);
}

static int number_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    struct merge_dec da, db;
    int ea = merge_dec_parse(a, alen, &da), eb = merge_dec_parse(b, blen, &db);
    if (ea == 0 && eb == 0)
        return dec_cmp(&da, &db);
    /* Not numbers: order them before numbers, bytewise among themselves. */
    if (ea != 0 && eb != 0)
        return bytes_cmp(a, alen, b, blen);
    return ea != 0 ? -1 : 1;
}

static int float_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    double x = merge_strtod(a, alen), y = merge_strtod(b, blen);
    return (x > y) - (x < y);
}

/* TIME text: [-]h+:mm:ss[.f+] with any number of hour digits. */
struct time_parts {
    bool neg;
    const uint8_t *h; /* hours without leading zeros */
    size_t hl;
    const uint8_t *rest; /* from the first ':' */
    size_t rl;
};

static int time_parse(const uint8_t *s, size_t n, struct time_parts *t)
{
    size_t i = 0;
    t->neg = n > 0 && s[0] == '-';
    if (t->neg)
        i++;
    while (i < n && s[i] == '0')
        i++;
    size_t hs = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i >= n || s[i] != ':')
        return -1;
    t->h = s + hs;
    t->hl = i - hs;
    t->rest = s + i;
    t->rl = n - i;
    if (t->hl == 0 && !any_nonzero_digit(t->rest, t->rl))
        t->neg = false;
    return 0;
}

static int time_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    struct time_parts x, y;
    if (time_parse(a, alen, &x) == -1 || time_parse(b, blen, &y) == -1)
        return bytes_cmp(a, alen, b, blen);
    if (x.neg != y.neg)
        return x.neg ? -1 : 1;
    int c;
    if (x.hl != y.hl) {
        c = x.hl < y.hl ? -1 : 1;
    } else {
        c = x.hl > 0 ? sign_of(memcmp(x.h, y.h, x.hl)) : 0;
        if (c == 0) {
            /* ":mm:ss" and a fraction: bytewise, a longer fraction bigger
             * only by non-zero digits. */
            size_t n = x.rl < y.rl ? x.rl : y.rl;
            c = sign_of(memcmp(x.rest, y.rest, n));
            if (c == 0 && x.rl > n)
                c = any_nonzero_digit(x.rest + n, x.rl - n) ? 1 : 0;
            else if (c == 0 && y.rl > n)
                c = any_nonzero_digit(y.rest + n, y.rl - n) ? -1 : 0;
        }
    }
    return x.neg ? -c : c;
}

int merge_value_cmp(enum merge_family fam, const uint8_t *a, size_t alen, const uint8_t *b,
                    size_t blen)
{
    switch (fam) {
    case MERGE_FAM_NUMBER:
        return number_cmp(a, alen, b, blen);
    case MERGE_FAM_FLOAT:
        return float_cmp(a, alen, b, blen);
    case MERGE_FAM_TIME:
        return time_cmp(a, alen, b, blen);
    case MERGE_FAM_BYTES:
    default:
        return bytes_cmp(a, alen, b, blen);
    }
}

/* ---- doubles ------------------------------------------------------------- */

static size_t put_str(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return n;
}

size_t merge_fmt_double(char *dst, size_t cap, double v, unsigned decimals)
{
    if (isnan(v))
        return put_str(dst, cap, "nan");
    if (isinf(v))
        return put_str(dst, cap, v < 0 ? "-inf" : "inf");
    if (decimals < MERGE_NOT_FIXED_DEC) {
        int n = snprintf(dst, cap, "%.*f", (int)decimals, v);
        if (n < 0)
            return put_str(dst, cap, "0");
        size_t len = (size_t)n < cap ? (size_t)n : cap - 1;
        if (len > 0 && dst[0] == '-' && !any_nonzero_digit((const uint8_t *)dst, len)) {
            memmove(dst, dst + 1, len);
            len--;
        }
        return len;
    }
    if (v == 0)
        return put_str(dst, cap, "0");

    /* The shortest precision that reads back as v (17 always does). */
    char e[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(e, sizeof(e), "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is [-]d[.ddd]e(+|-)xx: collect the digits and the exponent. */
    char dig[24];
    size_t nd = 0;
    const char *s = e;
    bool neg = *s == '-';
    if (neg)
        s++;
    for (; *s != 'e' && *s != '\0'; s++)
        if (*s >= '0' && *s <= '9' && nd < sizeof(dig))
            dig[nd++] = *s;
    int exp10 = *s == 'e' ? atoi(s + 1) : 0;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;

    char out[64];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    int decpt = exp10 + 1; /* digits before the decimal point */
    if (exp10 >= -15 && exp10 <= 14) {
        if (decpt <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = decpt; i < 0; i++)
                out[o++] = '0';
            memcpy(out + o, dig, nd);
            o += nd;
        } else if ((size_t)decpt >= nd) {
            memcpy(out + o, dig, nd);
            o += nd;
            for (size_t i = nd; i < (size_t)decpt; i++)
                out[o++] = '0';
        } else {
            memcpy(out + o, dig, (size_t)decpt);
            o += (size_t)decpt;
            out[o++] = '.';
            memcpy(out + o, dig + decpt, nd - (size_t)decpt);
            o += nd - (size_t)decpt;
        }
    } else {
        out[o++] = dig[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, dig + 1, nd - 1);
            o += nd - 1;
        }
        o += (size_t)snprintf(out + o, sizeof(out) - o, "e%d", exp10);
    }
    out[o] = '\0';
    return put_str(dst, cap, out);
}
