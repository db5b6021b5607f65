/* buf — growable byte buffer. See include/buf.h. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->off = b->len = b->cap = 0;
}

int buf_reserve(struct buf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return 0;
    /* Reclaim consumed space before growing. */
    if (b->off > 0) {
        buf_compact(b);
        if (b->cap - b->len >= n)
            return 0;
    }
    size_t want = b->len + n;
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap < want) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    uint8_t *p = realloc(b->data, ncap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = ncap;
    return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) == -1)
        return -1;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void buf_consume(struct buf *b, size_t n)
{
    b->off += n;
    if (b->off >= b->len)
        b->off = b->len = 0;
}

void buf_compact(struct buf *b)
{
    if (b->off == 0)
        return;
    size_t n = b->len - b->off;
    if (n > 0)
        memmove(b->data, b->data + b->off, n);
    b->off = 0;
    b->len = n;
}

void buf_shrink(struct buf *b, size_t keep)
{
    if (b->cap > keep && buf_avail(b) == 0)
        buf_free(b);
}
