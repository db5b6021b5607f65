/*
 * ksid.c — keyspace ids: the 64-bit xxHash of a shard key's canonical bytes.
 *
 * Integers hash the 8-byte big-endian two's complement of their value, so
 * 42, '42' and 42.0 give the same id. Strings hash their bytes as given
 * (utf8mb4 from the client), with ASCII letters lowered first for _ci keys.
 * Non-ASCII case folding is not done yet: 'É' and 'é' hash differently.
 * Nothing here allocates.
 */
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t / XXH64_state_t on the stack */
#include "shardmap.h"

#include <string.h>
#include <xxhash.h>

static uint64_t ksid_hash(enum shardmap_hash hash, const void *data, size_t len)
{
    if (hash == SHARDMAP_HASH_XXH64)
        return XXH64(data, len, 0);
    return XXH3_64bits(data, len);
}

/* Keyspace id of an integer key value. */
uint64_t shardmap_ksid_int(const struct shardmap *map, int64_t v)
{
    unsigned char buf[8];
    uint64_t u = (uint64_t)v;

    for (int i = 7; i >= 0; i--) {
        buf[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
    return ksid_hash(map->hash, buf, sizeof(buf));
}

/* Lower ASCII letters of src[0..len) into dst; other bytes unchanged. */
static void ksid_fold(unsigned char *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
    }
}

/*
 * Keyspace id of a string key value of len bytes. With ci, ASCII letters
 * are folded to lower case first; the folded bytes are fed to a streaming
 * hash state in chunks, which gives the same value as hashing them at once.
 */
uint64_t shardmap_ksid_str(const struct shardmap *map, const char *s, size_t len, bool ci)
{
    unsigned char chunk[256];

    if (!ci)
        return ksid_hash(map->hash, s, len);
    if (len <= sizeof(chunk)) {
        ksid_fold(chunk, s, len);
        return ksid_hash(map->hash, chunk, len);
    }
    if (map->hash == SHARDMAP_HASH_XXH64) {
        XXH64_state_t st;
        XXH64_reset(&st, 0);
        for (size_t off = 0; off < len; off += sizeof(chunk)) {
            size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
            ksid_fold(chunk, s + off, n);
            XXH64_update(&st, chunk, n);
        }
        return XXH64_digest(&st);
    } else {
        XXH3_state_t st;
        memset(&st, 0, sizeof(st));
        XXH3_64bits_reset(&st);
        for (size_t off = 0; off < len; off += sizeof(chunk)) {
            size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
            ksid_fold(chunk, s + off, n);
            XXH3_64bits_update(&st, chunk, n);
        }
        return XXH3_64bits_digest(&st);
    }
}

/*
 * Parse an SQL integer literal: optional sign, decimal digits, optionally a
 * '.' followed only by zeros ("42.0", "42."). No spaces, no exponent, no
 * hex. Values outside the signed 64-bit range are refused. Returns 0 or -1.
 */
static int ksid_parse_int(const char *text, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t mag = 0;
    size_t ndigits = 0;

    if (i < len && (text[i] == '-' || text[i] == '+'))
        neg = text[i++] == '-';
    for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, ndigits++) {
        unsigned d = (unsigned)(text[i] - '0');
        if (mag > (UINT64_MAX - d) / 10)
            return -1;
        mag = mag * 10 + d;
    }
    if (ndigits == 0)
        return -1;
    if (i < len && text[i] == '.') {
        for (i++; i < len && text[i] == '0'; i++)
            ;
    }
    if (i != len)
        return -1;
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return -1;
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)mag;
    }
    return 0;
}

/*
 * Keyspace id of a literal for table t's shard key. Integer keys accept
 * what ksid_parse_int accepts and return -1 for anything else (the caller
 * cannot route by it); string keys hash the bytes. Returns 0 and sets *ksid.
 */
int shardmap_ksid_literal(const struct shardmap *map, const struct shardmap_table *t,
                          const char *text, size_t len, uint64_t *ksid)
{
    int64_t v;

    if (t->key_type == SHARDMAP_KEY_STRING) {
        *ksid = shardmap_ksid_str(map, text, len, t->key_ci);
        return 0;
    }
    if (ksid_parse_int(text, len, &v) == -1)
        return -1;
    *ksid = shardmap_ksid_int(map, v);
    return 0;
}
