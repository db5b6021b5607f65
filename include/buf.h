/*
 * buf — a growable byte buffer with a read offset, reused per connection.
 *
 * Bytes live in data[off, len). Readers consume from off; writers append at
 * len. buf_compact() moves the live bytes to the front when that frees room.
 * No allocation happens while the capacity suffices, so steady-state traffic
 * does not call malloc.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t off; /* first unread byte */
    size_t len; /* one past the last written byte */
    size_t cap;
};

/* Release the memory; the buf is empty and reusable afterwards. */
void buf_free(struct buf *b);

/* Bytes available to read. */
static inline size_t buf_avail(const struct buf *b)
{
    return b->len - b->off;
}

static inline uint8_t *buf_head(const struct buf *b)
{
    return b->data + b->off;
}

/* Make room for at least n more bytes at the end. Returns 0, or -1 when
 * out of memory (the buffer is unchanged). */
int buf_reserve(struct buf *b, size_t n);

/* Append n bytes. Returns 0 or -1 (out of memory). */
int buf_append(struct buf *b, const void *p, size_t n);

/* Mark n bytes at the head as consumed; resets to empty when all are. */
void buf_consume(struct buf *b, size_t n);

/* Move unread bytes to the start of the storage. */
void buf_compact(struct buf *b);

/* Drop the storage if it grew beyond keep bytes and is empty now, so one
 * huge statement does not pin memory for the life of a connection. */
void buf_shrink(struct buf *b, size_t keep);

#endif
