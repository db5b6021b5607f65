/*
 * parse.c — the small value syntaxes of the shard map: server addresses
 * ("host:port", "[v6]:port") and keyspace-id ranges ("-80", "80-c0", "c0-").
 * Pure functions: no allocation, no I/O.
 */
#include "shardmap.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void parse_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void parse_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Port: 1..65535, decimal digits only. Returns the port or -1. */
static int parse_port(const char *s)
{
    long port = 0;

    if (*s == '\0' || strlen(s) > 5)
        return -1;
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        port = port * 10 + (*s - '0');
    }
    return port >= 1 && port <= 65535 ? (int)port : -1;
}

/* Characters of a host name or IPv4 address (RFC 1123 plus '_'). */
static bool host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Characters of an IPv6 literal inside brackets, with an optional zone. */
static bool v6_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == ':' || c == '.' || c == '%';
}

/*
 * Parse "host:port" or "[v6]:port" into out (host stored without brackets).
 * Returns 0, or -1 with a sentence in err saying what is wrong and what a
 * valid address looks like; out is then unspecified.
 */
int shardmap_parse_addr(const char *text, struct shardmap_addr *out, char *err, size_t errlen)
{
    const char *host, *host_end, *colon;
    size_t hostlen;

    memset(out, 0, sizeof(*out));
    if (text == NULL || *text == '\0') {
        parse_err(err, errlen, "empty address; write it as host:port, e.g. 127.0.0.1:3306");
        return -1;
    }
    if (text[0] == '[') {
        host = text + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL) {
            parse_err(err, errlen,
                      "address \"%s\" has no closing ']'; write IPv6 addresses as [::1]:3306",
                      text);
            return -1;
        }
        if (host_end[1] != ':') {
            parse_err(err, errlen, "address \"%s\" has no port after ']'; write it as [::1]:3306",
                      text);
            return -1;
        }
        colon = host_end + 1;
    } else {
        host = text;
        colon = strrchr(text, ':');
        if (colon == NULL) {
            parse_err(err, errlen,
                      "address \"%s\" has no port; write it as host:port, e.g. %s:3306", text,
                      text);
            return -1;
        }
        if (memchr(text, ':', (size_t)(colon - text)) != NULL) {
            parse_err(err, errlen,
                      "address \"%s\" looks like an IPv6 address without brackets; "
                      "write it as [::1]:3306",
                      text);
            return -1;
        }
        host_end = colon;
    }
    hostlen = (size_t)(host_end - host);
    if (hostlen == 0) {
        parse_err(err, errlen, "address \"%s\" has an empty host; write it as host:port", text);
        return -1;
    }
    if (hostlen >= sizeof(out->host)) {
        parse_err(err, errlen, "address \"%.40s...\" has a host longer than %zu characters", text,
                  sizeof(out->host) - 1);
        return -1;
    }
    for (const char *p = host; p < host_end; p++) {
        if (text[0] == '[' ? !v6_char_ok(*p) : !host_char_ok(*p)) {
            parse_err(err, errlen, "address \"%s\" has an invalid character '%c' in its host", text,
                      isprint((unsigned char)*p) ? *p : '?');
            return -1;
        }
    }
    out->port = parse_port(colon + 1);
    if (out->port < 0) {
        parse_err(err, errlen,
                  "address \"%s\" has an invalid port \"%s\"; use a number from 1 to 65535", text,
                  colon + 1);
        return -1;
    }
    memcpy(out->host, host, hostlen);
    out->host[hostlen] = '\0';
    return 0;
}

/*
 * One bound of a range: up to 16 hex digits, left-justified (so "8" and "80"
 * both mean 0x8000000000000000). Returns 0, or -1 with err filled; *empty
 * tells the caller the bound was not written (open end).
 */
static int parse_bound(const char *range, const char *s, size_t len, uint64_t *out, bool *empty,
                       char *err, size_t errlen)
{
    uint64_t v = 0;

    *empty = len == 0;
    *out = 0;
    if (len > 16) {
        parse_err(err, errlen,
                  "range \"%s\" has a bound with %zu hex digits; a bound has at most 16 "
                  "(the keyspace id is 64 bits)",
                  range, len);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (!isxdigit(c)) {
            parse_err(err, errlen,
                      "range \"%s\" has an invalid character '%c'; bounds are hex digits "
                      "0-9 a-f, written like -80, 80-c0 or c0-",
                      range, isprint(c) ? c : '?');
            return -1;
        }
        v = (v << 4) | (uint64_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
    }
    if (len > 0 && len < 16)
        v <<= 4 * (16 - len);
    *out = v;
    return 0;
}

/*
 * Parse a range "START-END" of left-justified hex prefixes: "-80" is
 * [0, 0x80..), "80-" runs to the end of the id space, "-" and "" are the
 * whole space. Returns 0 with *start, *end (exclusive, 0 when *end_max) and
 * *end_max set, or -1 with err filled.
 */
int shardmap_parse_range(const char *text, uint64_t *start, uint64_t *end, bool *end_max, char *err,
                         size_t errlen)
{
    const char *dash;
    bool start_empty, end_empty;

    *start = 0;
    *end = 0;
    *end_max = true;
    if (text == NULL || *text == '\0')
        return 0;
    dash = strchr(text, '-');
    if (dash == NULL) {
        parse_err(err, errlen,
                  "range \"%s\" has no '-'; write START-END in hex, e.g. -80, 80-c0, c0- or - "
                  "for the whole keyspace-id space",
                  text);
        return -1;
    }
    if (strchr(dash + 1, '-') != NULL) {
        parse_err(err, errlen, "range \"%s\" has more than one '-'; write START-END, e.g. 80-c0",
                  text);
        return -1;
    }
    if (parse_bound(text, text, (size_t)(dash - text), start, &start_empty, err, errlen) == -1)
        return -1;
    if (parse_bound(text, dash + 1, strlen(dash + 1), end, &end_empty, err, errlen) == -1)
        return -1;
    *end_max = end_empty;
    if (!end_empty && *start >= *end) {
        parse_err(err, errlen,
                  "range \"%s\" is empty: its start 0x%016llx is not below its end 0x%016llx; "
                  "the start must be smaller than the end",
                  text, (unsigned long long)*start, (unsigned long long)*end);
        return -1;
    }
    return 0;
}

/* Name of a hash function as the file writes it. */
const char *shardmap_hash_name(enum shardmap_hash hash)
{
    return hash == SHARDMAP_HASH_XXH64 ? "xxh64" : "xxh3";
}

const char *shardmap_xshard_name(enum shardmap_xshard x)
{
    return x == SHARDMAP_XSHARD_BEST_EFFORT ? "best_effort"
           : x == SHARDMAP_XSHARD_TWOPC     ? "twopc"
                                            : "refuse";
}

/* A bound as left-justified hex without trailing zero bytes ("" for 0). */
static void format_bound(uint64_t v, char out[17])
{
    int n = 16;

    snprintf(out, 17, "%016llx", (unsigned long long)v);
    while (n > 0 && out[n - 1] == '0' && out[n - 2] == '0')
        n -= 2;
    out[n] = '\0';
}

/*
 * The range [start, end) in the notation shardmap_parse_range reads back to
 * the same bounds: "-80", "40-80", "c0-", "-". Always NUL-terminates buf.
 */
void shardmap_format_range(uint64_t start, uint64_t end, bool end_max, char *buf, size_t len)
{
    char s[17], e[17];

    if (buf == NULL || len == 0)
        return;
    format_bound(start, s);
    if (end_max)
        e[0] = '\0';
    else
        format_bound(end, e);
    snprintf(buf, len, "%s-%s", s, e);
}

/* See shardmap.h. */
void shardmap_format_addr(const struct shardmap_addr *a, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return;
    if (strchr(a->host, ':') != NULL)
        snprintf(buf, len, "[%s]:%d", a->host, a->port);
    else
        snprintf(buf, len, "%s:%d", a->host, a->port);
}
