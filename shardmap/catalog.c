/*
 * catalog.c — shard-map versions kept in a MySQL/MariaDB database shared by
 * the routers and shardctl (see catalog.h for the tables).
 *
 * Plain blocking libmariadb: the caller (shardctl, or the router's own
 * catalog thread) waits at most the timeout given to catalog_open for each
 * connect, read and write. User-supplied text (map bodies, comments, router
 * ids, host names) only ever travels as prepared-statement parameters;
 * numbers are formatted with %llu. The session runs in UTC, so every
 * timestamp read or written is UTC. One struct catalog is one connection,
 * for one thread at a time; a multi-threaded caller initialises libmariadb
 * (mysql_library_init) before its threads call catalog_open, as the
 * router's main does.
 *
 * Publishing is atomic against concurrent publishers: one transaction reads
 * the highest version with a locking read (SELECT ... FOR UPDATE), refuses
 * a version not above it, and inserts; InnoDB serialises the contenders
 * (the loser of a deadlock is retried and then sees the winner's row), and
 * the primary key on version is the last line of defence.
 */
#include "catalog.h"

#include <ctype.h>
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CATALOG_DSN_EXAMPLE "mysql://user:password@host:3306/schema"
#define CATALOG_MAX_BODY (16u * 1024 * 1024 - 1) /* MEDIUMTEXT */
#define CATALOG_MAX_COMMENT 1024                 /* characters, VARCHAR(1024) */
#define CATALOG_PUBLISH_TRIES 5

struct catalog {
    MYSQL *my;
    char name[sizeof(((struct catalog_dsn *)0)->user) + sizeof(((struct catalog_dsn *)0)->host) +
              sizeof(((struct catalog_dsn *)0)->schema) + 16];
};

static void cat_printf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cat_printf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- DSN ----------------------------------------------------------------- */

static int dsn_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Copy src[0..len) into dst (size dstlen) decoding %XX escapes. what names
 * the part for messages; its text is never echoed (it may be a password).
 * Returns 0 or -1 with err filled.
 */
static int dsn_decode(const char *src, size_t len, char *dst, size_t dstlen, const char *what,
                      char *err, size_t errlen)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            int hi = i + 1 < len ? dsn_hex((unsigned char)src[i + 1]) : -1;
            int lo = i + 2 < len ? dsn_hex((unsigned char)src[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                cat_printf(err, errlen,
                           "catalog DSN: the %s has a %% not followed by two hex digits; write "
                           "%%25 for a literal %%, %%40 for @, %%3A for :, %%2F for /",
                           what);
                return -1;
            }
            c = hi * 16 + lo;
            i += 2;
            if (c == 0) {
                cat_printf(err, errlen, "catalog DSN: the %s contains %%00 (a NUL byte)", what);
                return -1;
            }
        }
        if (n + 1 >= dstlen) {
            cat_printf(err, errlen, "catalog DSN: the %s is longer than %zu bytes", what,
                       dstlen - 1);
            return -1;
        }
        dst[n++] = (char)c;
    }
    dst[n] = '\0';
    return 0;
}

static bool dsn_host_char(int c, bool v6)
{
    if (isalnum(c) || c == '.')
        return true;
    return v6 ? c == ':' || c == '%' : c == '-' || c == '_';
}

/* host[:port] or [v6][:port] of length len into dsn. 0 or -1. */
static int dsn_hostport(const char *s, size_t len, struct catalog_dsn *dsn, char *err,
                        size_t errlen)
{
    const char *host = s, *end = s + len, *hend, *port = NULL;
    bool v6 = len > 0 && s[0] == '[';

    if (v6) {
        host = s + 1;
        hend = memchr(host, ']', (size_t)(end - host));
        if (hend == NULL) {
            cat_printf(err, errlen,
                       "catalog DSN: the IPv6 host has no closing ']'; write it as "
                       "mysql://user:password@[::1]:3306/schema");
            return -1;
        }
        if (hend + 1 < end && hend[1] != ':') {
            cat_printf(err, errlen, "catalog DSN: expected ':PORT' after the ']' of the host");
            return -1;
        }
        port = hend + 1 < end ? hend + 2 : NULL;
    } else {
        hend = memchr(s, ':', len);
        if (hend == NULL)
            hend = end;
        else
            port = hend + 1;
    }
    if (hend == host) {
        cat_printf(err, errlen, "catalog DSN: missing host after '@'; write it as %s",
                   CATALOG_DSN_EXAMPLE);
        return -1;
    }
    if ((size_t)(hend - host) >= sizeof(dsn->host)) {
        cat_printf(err, errlen, "catalog DSN: the host is longer than %zu characters",
                   sizeof(dsn->host) - 1);
        return -1;
    }
    for (const char *p = host; p < hend; p++) {
        if (!dsn_host_char((unsigned char)*p, v6)) {
            cat_printf(err, errlen,
                       "catalog DSN: the host \"%.*s\" has an invalid character; use a host "
                       "name, an IPv4 address or [IPv6]",
                       (int)(hend - host), host);
            return -1;
        }
    }
    memcpy(dsn->host, host, (size_t)(hend - host));
    dsn->host[hend - host] = '\0';
    if (port != NULL) {
        long v = 0;
        size_t plen = (size_t)(end - port);
        bool ok = plen > 0 && plen <= 5;
        for (const char *p = port; ok && p < end; p++) {
            ok = isdigit((unsigned char)*p);
            v = v * 10 + (*p - '0');
        }
        if (!ok || v < 1 || v > 65535) {
            cat_printf(err, errlen,
                       "catalog DSN: invalid port \"%.*s\"; use a number from 1 to 65535, or "
                       "leave out ':PORT' for 3306",
                       plen > 16 ? 16 : (int)plen, port);
            return -1;
        }
        dsn->port = (int)v;
    }
    return 0;
}

/* The schema: an identifier as in shardmap(5), no control characters. */
static int dsn_schema(const char *s, struct catalog_dsn *dsn, char *err, size_t errlen)
{
    size_t len = strlen(s);

    if (strpbrk(s, "?#") != NULL) {
        cat_printf(err, errlen,
                   "catalog DSN: '?' or '#' after the schema; options are not supported, write "
                   "%s",
                   CATALOG_DSN_EXAMPLE);
        return -1;
    }
    if (dsn_decode(s, len, dsn->schema, sizeof(dsn->schema), "schema", err, errlen) == -1)
        return -1;
    len = strlen(dsn->schema);
    if (len == 0) {
        cat_printf(err, errlen, "catalog DSN: missing schema after the host; write it as %s",
                   CATALOG_DSN_EXAMPLE);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)dsn->schema[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '.') {
            cat_printf(err, errlen,
                       "catalog DSN: the schema \"%s\" contains '/', '\\', '.' or a control "
                       "character; give a database name such as shardcat",
                       c >= 0x20 && c != 0x7f ? dsn->schema : "?");
            return -1;
        }
    }
    if (dsn->schema[len - 1] == ' ') {
        cat_printf(err, errlen, "catalog DSN: the schema ends with a space");
        return -1;
    }
    return 0;
}

/* See catalog.h. Messages never repeat the user or password text. */
int catalog_parse_dsn(const char *text, struct catalog_dsn *dsn, char *err, size_t errlen)
{
    const char *rest, *slash, *at, *colon;

    memset(dsn, 0, sizeof(*dsn));
    dsn->port = 3306;
    if (text == NULL || *text == '\0') {
        cat_printf(err, errlen, "empty catalog DSN; write it as %s", CATALOG_DSN_EXAMPLE);
        return -1;
    }
    if (strncmp(text, "mysql://", 8) == 0)
        rest = text + 8;
    else if (strncmp(text, "mariadb://", 10) == 0)
        rest = text + 10;
    else {
        cat_printf(err, errlen, "catalog DSN does not start with mysql://; write it as %s",
                   CATALOG_DSN_EXAMPLE);
        return -1;
    }
    slash = strchr(rest, '/');
    if (slash == NULL) {
        cat_printf(err, errlen,
                   "catalog DSN has no /schema after the host (or has a '/' in the password: "
                   "write it as %%2F); write it as %s",
                   CATALOG_DSN_EXAMPLE);
        return -1;
    }
    at = memrchr(rest, '@', (size_t)(slash - rest));
    if (at == NULL || at == rest) {
        cat_printf(err, errlen, "catalog DSN has no user before '@'%s; write it as %s",
                   at == NULL && strchr(slash, '@') != NULL
                       ? " (a '/' in the user or password must be written %2F)"
                       : "",
                   CATALOG_DSN_EXAMPLE);
        return -1;
    }
    colon = memchr(rest, ':', (size_t)(at - rest));
    if (dsn_decode(rest, (size_t)((colon ? colon : at) - rest), dsn->user, sizeof(dsn->user),
                   "user", err, errlen) == -1)
        return -1;
    if (dsn->user[0] == '\0') {
        cat_printf(err, errlen, "catalog DSN has an empty user; write it as %s",
                   CATALOG_DSN_EXAMPLE);
        return -1;
    }
    if (colon != NULL && dsn_decode(colon + 1, (size_t)(at - colon - 1), dsn->password,
                                    sizeof(dsn->password), "password", err, errlen) == -1)
        return -1;
    if (dsn_hostport(at + 1, (size_t)(slash - at - 1), dsn, err, errlen) == -1)
        return -1;
    return dsn_schema(slash + 1, dsn, err, errlen);
}

/* See catalog.h. */
void catalog_describe(const struct catalog_dsn *dsn, char *dst, size_t len)
{
    if (dst == NULL || len == 0)
        return;
    if (strchr(dsn->host, ':') != NULL)
        snprintf(dst, len, "%s@[%s]:%d/%s", dsn->user, dsn->host, dsn->port, dsn->schema);
    else
        snprintf(dst, len, "%s@%s:%d/%s", dsn->user, dsn->host, dsn->port, dsn->schema);
}

/* ---- errors ---------------------------------------------------------------- */

/* What a DBA can do about a MySQL error number. */
static const char *cat_hint(unsigned code)
{
    switch (code) {
    case ER_ACCESS_DENIED_ERROR:
        return "; check the user and password of the catalog DSN";
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
        return "; grant the user SELECT, INSERT, UPDATE on the catalog schema (and CREATE for "
               "the first use, which creates the tables)";
    case ER_BAD_DB_ERROR:
        return "; create the schema with CREATE DATABASE (the tables are created on first use) "
               "or fix the schema in the DSN";
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
        return "; is the catalog server running and reachable from here?";
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
        return "; the catalog server went away or did not answer within the timeout";
    case ER_LOCK_WAIT_TIMEOUT:
        return "; another publisher holds the catalog's lock, try again";
    default:
        return "";
    }
}

/* "catalog NAME: WHAT: mysql message (MySQL error N); hint" */
static int cat_fail(const char *name, unsigned code, const char *msg, const char *what, char *err,
                    size_t errlen)
{
    cat_printf(err, errlen, "catalog %s: %s: %s (MySQL error %u)%s", name, what, msg, code,
               cat_hint(code));
    return -1;
}

static int cat_fail_my(struct catalog *cat, const char *what, char *err, size_t errlen)
{
    return cat_fail(cat->name, mysql_errno(cat->my), mysql_error(cat->my), what, err, errlen);
}

/* ---- connection ----------------------------------------------------------- */

static const char *const cat_tables_sql[] = {
    "CREATE TABLE IF NOT EXISTS shardmap_versions ("
    " version BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
    " body MEDIUMTEXT NOT NULL,"
    " created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
    " comment VARCHAR(1024) NOT NULL DEFAULT ''"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "CREATE TABLE IF NOT EXISTS shardmap_routers ("
    " router_id VARCHAR(128) NOT NULL PRIMARY KEY,"
    " host VARCHAR(255) NOT NULL,"
    " pid INT NOT NULL,"
    " version BIGINT UNSIGNED NOT NULL,"
    " started_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
    " heartbeat_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
};

/* Run a statement that returns no rows. 0 or -1 with err filled. */
static int cat_exec(struct catalog *cat, const char *sql, const char *what, char *err,
                    size_t errlen)
{
    if (mysql_real_query(cat->my, sql, strlen(sql)) != 0)
        return cat_fail_my(cat, what, err, errlen);
    return 0;
}

/* Run a query and store its result (NULL with err filled). */
static MYSQL_RES *cat_select(struct catalog *cat, const char *sql, const char *what, char *err,
                             size_t errlen)
{
    MYSQL_RES *res;

    if (mysql_real_query(cat->my, sql, strlen(sql)) != 0) {
        cat_fail_my(cat, what, err, errlen);
        return NULL;
    }
    res = mysql_store_result(cat->my);
    if (res == NULL)
        cat_fail_my(cat, what, err, errlen);
    return res;
}

/* Create the tables unless both are there: checked first so that a user
 * without the CREATE privilege can use an existing catalog. */
static int cat_ensure_tables(struct catalog *cat, char *err, size_t errlen)
{
    MYSQL_RES *res = cat_select(cat,
                                "SELECT COUNT(*) FROM information_schema.tables "
                                "WHERE table_schema = DATABASE() AND table_name IN "
                                "('shardmap_versions', 'shardmap_routers')",
                                "cannot list the catalog tables", err, errlen);
    MYSQL_ROW row;
    bool present;

    if (res == NULL)
        return -1;
    row = mysql_fetch_row(res);
    present = row != NULL && row[0] != NULL && strcmp(row[0], "2") == 0;
    mysql_free_result(res);
    if (present)
        return 0;
    for (size_t i = 0; i < sizeof(cat_tables_sql) / sizeof(cat_tables_sql[0]); i++) {
        if (cat_exec(cat, cat_tables_sql[i], "cannot create the catalog tables", err, errlen))
            return -1;
    }
    return 0;
}

/* See catalog.h. */
struct catalog *catalog_open(const struct catalog_dsn *dsn, int timeout_ms, char *err,
                             size_t errlen)
{
    unsigned int t = timeout_ms <= 0 ? 10 : (unsigned)(timeout_ms + 999) / 1000;
    struct catalog *cat = calloc(1, sizeof(*cat));
    char sql[256];

    if (cat == NULL || (cat->my = mysql_init(NULL)) == NULL) {
        free(cat);
        cat_printf(err, errlen, "catalog: out of memory");
        return NULL;
    }
    catalog_describe(dsn, cat->name, sizeof(cat->name));
    mysql_options(cat->my, MYSQL_OPT_CONNECT_TIMEOUT, &t);
    mysql_options(cat->my, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(cat->my, MYSQL_OPT_WRITE_TIMEOUT, &t);
    mysql_options(cat->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (mysql_real_connect(cat->my, dsn->host, dsn->user, dsn->password, dsn->schema,
                           (unsigned)dsn->port, NULL, 0) == NULL) {
        cat_fail_my(cat, "cannot connect", err, errlen);
        catalog_close(cat);
        return NULL;
    }
    /* UTC timestamps; strict mode so nothing is silently truncated; a lock
     * wait shorter than the read timeout so a blocked publisher gets a
     * clear error instead of a lost connection. */
    snprintf(sql, sizeof(sql),
             "SET SESSION time_zone = '+00:00', "
             "sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', "
             "innodb_lock_wait_timeout = %u",
             t > 2 ? t / 2 : 1);
    if (cat_exec(cat, sql, "cannot set up the session", err, errlen) == -1 ||
        cat_ensure_tables(cat, err, errlen) == -1) {
        catalog_close(cat);
        return NULL;
    }
    return cat;
}

/* See catalog.h. NULL is a no-op. */
void catalog_close(struct catalog *cat)
{
    if (cat == NULL)
        return;
    if (cat->my != NULL)
        mysql_close(cat->my);
    free(cat);
}

/* See catalog.h. */
const char *catalog_name(const struct catalog *cat)
{
    return cat ? cat->name : "(none)";
}

/* ---- reading versions ----------------------------------------------------- */

/* Copy a column of lengths[i] bytes into a malloc'd NUL-terminated string. */
static char *cat_dup(const char *s, unsigned long len)
{
    char *p = malloc(len + 1);

    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* One row (version, body) of sql: *version, *body (malloc'd); *version = 0
 * and *body = NULL when there is no row. 0 or -1. */
static int cat_fetch_body(struct catalog *cat, const char *sql, uint64_t *version, char **body,
                          char *err, size_t errlen)
{
    MYSQL_RES *res = cat_select(cat, sql, "cannot read the shard-map versions", err, errlen);
    MYSQL_ROW row;
    unsigned long *lens;

    *version = 0;
    if (body != NULL)
        *body = NULL;
    if (res == NULL)
        return -1;
    row = mysql_fetch_row(res);
    if (row != NULL && row[0] != NULL) {
        lens = mysql_fetch_lengths(res);
        *version = strtoull(row[0], NULL, 10);
        if (body != NULL && mysql_num_fields(res) > 1 && row[1] != NULL &&
            (*body = cat_dup(row[1], lens[1])) == NULL) {
            mysql_free_result(res);
            cat_printf(err, errlen, "catalog %s: out of memory", cat->name);
            return -1;
        }
    }
    mysql_free_result(res);
    return 0;
}

/* See catalog.h. */
int catalog_latest(struct catalog *cat, uint64_t *version, char **body, char *err, size_t errlen)
{
    if (body == NULL)
        return cat_fetch_body(cat, "SELECT MAX(version) FROM shardmap_versions", version, NULL, err,
                              errlen);
    return cat_fetch_body(cat,
                          "SELECT version, body FROM shardmap_versions "
                          "ORDER BY version DESC LIMIT 1",
                          version, body, err, errlen);
}

/* See catalog.h. */
char *catalog_get(struct catalog *cat, uint64_t version, char *err, size_t errlen)
{
    char sql[128];
    uint64_t found;
    char *body = NULL;

    snprintf(sql, sizeof(sql), "SELECT version, body FROM shardmap_versions WHERE version = %llu",
             (unsigned long long)version);
    if (cat_fetch_body(cat, sql, &found, &body, err, errlen) == -1)
        return NULL;
    if (body == NULL)
        cat_printf(err, errlen,
                   "catalog %s has no shard-map version %llu; run shardctl map history to list "
                   "the published versions",
                   cat->name, (unsigned long long)version);
    return body;
}

/* See catalog.h. */
struct shardmap *catalog_load(struct catalog *cat, uint64_t version, char *err, size_t errlen)
{
    char label[sizeof(cat->name) + 64];
    struct shardmap *map;
    char *body = NULL;

    if (version == 0) {
        if (catalog_latest(cat, &version, &body, err, errlen) == -1)
            return NULL;
        if (body == NULL) {
            cat_printf(err, errlen,
                       "catalog %s has no published shard map yet; publish one with shardctl "
                       "map publish FILE",
                       cat->name);
            return NULL;
        }
    } else if ((body = catalog_get(cat, version, err, errlen)) == NULL) {
        return NULL;
    }
    snprintf(label, sizeof(label), "catalog %s version %llu", cat->name,
             (unsigned long long)version);
    map = shardmap_load_string(body, label, err, errlen);
    free(body);
    if (map != NULL && map->version != version) {
        cat_printf(err, errlen,
                   "%s: the stored text says version = %llu; the row was changed by hand? "
                   "publish a corrected map with a higher version",
                   label, (unsigned long long)map->version);
        shardmap_put(map);
        return NULL;
    }
    return map;
}

/* ---- publishing ----------------------------------------------------------- */

/* Length of the UTF-8 sequence starting with byte c (1..4), 0 if c cannot
 * start one; *cp gets c's payload bits. */
static int cat_utf8_start(unsigned char c, unsigned *cp)
{
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        *cp = c & 0x1fu;
        return 2;
    }
    if ((c & 0xf0) == 0xe0) {
        *cp = c & 0x0fu;
        return 3;
    }
    if ((c & 0xf8) == 0xf0) {
        *cp = c & 0x07u;
        return 4;
    }
    return 0;
}

/* Valid UTF-8 (what a utf8mb4 column stores unchanged); counts characters. */
static bool cat_utf8(const char *s, size_t *nchars)
{
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)s;

    *nchars = 0;
    while (*p != '\0') {
        unsigned cp;
        int n = cat_utf8_start(*p, &cp);
        if (n == 0)
            return false;
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3fu);
        }
        if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += n;
        (*nchars)++;
    }
    return true;
}

/* True if a line of text starts (after blanks) with @include. */
static bool cat_has_include(const char *text)
{
    for (const char *p = text; p != NULL && *p != '\0';) {
        p += strspn(p, " \t");
        if (strncmp(p, "@include", 8) == 0)
            return true;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return false;
}

/* Checks that need no database: the text is what map says it is. */
static int cat_check_body(struct catalog *cat, const struct shardmap *map, const char *body,
                          const char *comment, char *err, size_t errlen)
{
    char perr[1024];
    struct shardmap *parsed;
    size_t nchars;

    if (strlen(body) > CATALOG_MAX_BODY || !cat_utf8(body, &nchars)) {
        cat_printf(err, errlen,
                   "refused: the map text is %s; the catalog stores UTF-8 text of at most 16 MiB",
                   strlen(body) > CATALOG_MAX_BODY ? "larger than 16 MiB" : "not valid UTF-8");
        return -1;
    }
    if (!cat_utf8(comment, &nchars) || nchars > CATALOG_MAX_COMMENT) {
        cat_printf(err, errlen, "refused: the comment must be UTF-8 text of at most %d characters",
                   CATALOG_MAX_COMMENT);
        return -1;
    }
    if (cat_has_include(body)) {
        cat_printf(err, errlen,
                   "refused: the map uses @include; the catalog keeps one self-contained text, "
                   "so paste the included file in");
        return -1;
    }
    parsed = shardmap_load_string(body, map->source ? map->source : "map", perr, sizeof(perr));
    if (parsed == NULL) {
        cat_printf(err, errlen, "refused: %s", perr);
        return -1;
    }
    if (parsed->version != map->version) {
        cat_printf(err, errlen, "refused: the map text says version = %llu but the map is %llu",
                   (unsigned long long)parsed->version, (unsigned long long)map->version);
        shardmap_put(parsed);
        return -1;
    }
    shardmap_put(parsed);
    return 0;
}

static void cat_bind_str(MYSQL_BIND *b, const char *s, unsigned long *len)
{
    *len = (unsigned long)strlen(s);
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = (void *)s;
    b->buffer_length = *len;
    b->length = len;
}

static void cat_bind_u64(MYSQL_BIND *b, unsigned long long *v)
{
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = v;
    b->is_unsigned = 1;
}

/* Prepare sql, bind n parameters and execute. Returns 0, or the MySQL
 * error number with err filled (what names the step). */
static unsigned cat_stmt(struct catalog *cat, const char *sql, MYSQL_BIND *params, const char *what,
                         char *err, size_t errlen)
{
    MYSQL_STMT *st = mysql_stmt_init(cat->my);
    unsigned code = 0;

    if (st == NULL) {
        cat_printf(err, errlen, "catalog %s: out of memory", cat->name);
        return CR_OUT_OF_MEMORY;
    }
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0 || mysql_stmt_bind_param(st, params) != 0 ||
        mysql_stmt_execute(st) != 0) {
        code = mysql_stmt_errno(st);
        cat_fail(cat->name, code, mysql_stmt_error(st), what, err, errlen);
    }
    mysql_stmt_close(st);
    return code;
}

/* Refusal message when version is not above current. */
static void cat_refuse(struct catalog *cat, uint64_t version, uint64_t current, char *err,
                       size_t errlen)
{
    cat_printf(err, errlen,
               "refused: catalog %s already has version %llu; version %llu is not greater. "
               "Raise `version` in the map to %llu or more and publish again",
               cat->name, (unsigned long long)current, (unsigned long long)version,
               (unsigned long long)current + 1);
}

/*
 * One publishing transaction. Returns 0 (published), -1 (refused or failed,
 * err filled, rolled back) or 1 (deadlock: rolled back, try again).
 */
static int cat_publish_once(struct catalog *cat, const struct shardmap *map, const char *body,
                            const char *comment, char *err, size_t errlen)
{
    static const char insert[] = "INSERT INTO shardmap_versions (version, body, created_at, "
                                 "comment) VALUES (?, ?, NOW(6), ?)";
    unsigned long long version = map->version;
    unsigned long blen, clen;
    MYSQL_BIND b[3];
    uint64_t current;
    unsigned code;

    if (cat_exec(cat, "START TRANSACTION", "cannot start a transaction", err, errlen) == -1)
        return -1;
    if (cat_fetch_body(cat,
                       "SELECT version FROM shardmap_versions ORDER BY version DESC LIMIT 1 "
                       "FOR UPDATE",
                       &current, NULL, err, errlen) == -1) {
        code = mysql_errno(cat->my);
        mysql_rollback(cat->my);
        return code == ER_LOCK_DEADLOCK ? 1 : -1;
    }
    if (map->version <= current) {
        mysql_rollback(cat->my);
        cat_refuse(cat, map->version, current, err, errlen);
        return -1;
    }
    memset(b, 0, sizeof(b));
    cat_bind_u64(&b[0], &version);
    cat_bind_str(&b[1], body, &blen);
    cat_bind_str(&b[2], comment, &clen);
    code = cat_stmt(cat, insert, b, "cannot insert the new version", err, errlen);
    if (code == 0 && mysql_commit(cat->my) != 0) {
        code = mysql_errno(cat->my);
        cat_fail_my(cat, "cannot commit the new version", err, errlen);
    }
    if (code == 0)
        return 0;
    mysql_rollback(cat->my);
    if (code == ER_LOCK_DEADLOCK)
        return 1;
    if (code == ER_DUP_ENTRY)
        cat_printf(err, errlen,
                   "refused: version %llu was published to catalog %s at the same time by "
                   "someone else; check shardctl map history",
                   version, cat->name);
    return -1;
}

/* See catalog.h. Also refuses a body that does not load, whose version is
 * not map->version, that uses @include, or that is not UTF-8. */
int catalog_publish(struct catalog *cat, const struct shardmap *map, const char *body,
                    const char *comment, char *err, size_t errlen)
{
    if (map == NULL || body == NULL) {
        cat_printf(err, errlen, "catalog %s: nothing to publish", cat->name);
        return -1;
    }
    if (comment == NULL)
        comment = "";
    if (cat_check_body(cat, map, body, comment, err, errlen) == -1)
        return -1;
    for (int attempt = 1;; attempt++) {
        int rc = cat_publish_once(cat, map, body, comment, err, errlen);
        if (rc <= 0)
            return rc;
        if (attempt == CATALOG_PUBLISH_TRIES) {
            cat_printf(err, errlen,
                       "catalog %s: gave up publishing version %llu after %d deadlocks with "
                       "other publishers; try again",
                       cat->name, (unsigned long long)map->version, attempt);
            return -1;
        }
        usleep(10000u * (unsigned)attempt);
    }
}

/* ---- history and routers ------------------------------------------------ */

static void cat_copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* See catalog.h. */
int catalog_history(struct catalog *cat, unsigned limit,
                    void (*fn)(void *ctx, const struct catalog_version_row *row), void *ctx,
                    char *err, size_t errlen)
{
    char sql[256];
    MYSQL_RES *res;
    MYSQL_ROW row;
    int n;

    n = snprintf(sql, sizeof(sql),
                 "SELECT version, DATE_FORMAT(created_at, '%%Y-%%m-%%d %%H:%%i:%%s.%%f'), "
                 "comment FROM shardmap_versions ORDER BY version DESC");
    if (limit > 0)
        snprintf(sql + n, sizeof(sql) - (size_t)n, " LIMIT %u", limit);
    res = cat_select(cat, sql, "cannot read the version history", err, errlen);
    if (res == NULL)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL) {
        struct catalog_version_row r = {.version = strtoull(row[0], NULL, 10)};
        cat_copy(r.created_at, sizeof(r.created_at), row[1]);
        cat_copy(r.comment, sizeof(r.comment), row[2]);
        if (fn != NULL)
            fn(ctx, &r);
    }
    mysql_free_result(res);
    return 0;
}

/* See catalog.h. started_at is reset when the router's host or pid
 * changes (a restart under the same id). */
int catalog_heartbeat(struct catalog *cat, const char *router_id, const char *host, int pid,
                      uint64_t version, char *err, size_t errlen)
{
    static const char upsert[] =
        "INSERT INTO shardmap_routers (router_id, host, pid, version, started_at, heartbeat_at) "
        "VALUES (?, ?, ?, ?, NOW(6), NOW(6)) ON DUPLICATE KEY UPDATE "
        "started_at = IF(host = VALUES(host) AND pid = VALUES(pid), started_at, NOW(6)), "
        "host = VALUES(host), pid = VALUES(pid), version = VALUES(version), "
        "heartbeat_at = NOW(6)";
    unsigned long idlen, hostlen;
    unsigned long long v = version;
    int p = pid;
    MYSQL_BIND b[4];

    if (router_id == NULL || host == NULL) {
        cat_printf(err, errlen, "catalog %s: a heartbeat needs a router id and a host", cat->name);
        return -1;
    }
    memset(b, 0, sizeof(b));
    cat_bind_str(&b[0], router_id, &idlen);
    cat_bind_str(&b[1], host, &hostlen);
    b[2].buffer_type = MYSQL_TYPE_LONG;
    b[2].buffer = &p;
    cat_bind_u64(&b[3], &v);
    return cat_stmt(cat, upsert, b, "cannot record the router's heartbeat", err, errlen) == 0 ? 0
                                                                                              : -1;
}

/* See catalog.h. Ages are measured by the catalog server's clock, so
 * clocks of router hosts and of the caller do not matter. */
int catalog_routers(struct catalog *cat,
                    void (*fn)(void *ctx, const struct catalog_router_row *row), void *ctx,
                    char *err, size_t errlen)
{
    static const char sql[] = "SELECT router_id, host, pid, version, "
                              "DATE_FORMAT(started_at, '%Y-%m-%d %H:%i:%s.%f'), "
                              "DATE_FORMAT(heartbeat_at, '%Y-%m-%d %H:%i:%s.%f'), "
                              "TIMESTAMPDIFF(MICROSECOND, heartbeat_at, NOW(6)) "
                              "FROM shardmap_routers ORDER BY router_id";
    MYSQL_RES *res = cat_select(cat, sql, "cannot read the routers", err, errlen);
    MYSQL_ROW row;

    if (res == NULL)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL) {
        struct catalog_router_row r = {0};
        cat_copy(r.router_id, sizeof(r.router_id), row[0]);
        cat_copy(r.host, sizeof(r.host), row[1]);
        r.pid = row[2] ? atoi(row[2]) : 0;
        r.version = row[3] ? strtoull(row[3], NULL, 10) : 0;
        cat_copy(r.started_at, sizeof(r.started_at), row[4]);
        cat_copy(r.heartbeat_at, sizeof(r.heartbeat_at), row[5]);
        r.age_s = row[6] ? strtod(row[6], NULL) / 1e6 : 0;
        if (fn != NULL)
            fn(ctx, &r);
    }
    mysql_free_result(res);
    return 0;
}
