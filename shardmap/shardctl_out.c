/* shardctl_out — JSON writer, text tables and helpers shared by shardctl. */

#include "shardctl_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- JSON output ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
int json_utf8_len(const unsigned char *s)
{
    int n;
    unsigned min;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        n = 2, min = 0x80, cp = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3, min = 0x800, cp = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, min = 0x10000, cp = s[0] & 0x07;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void json_quote(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    fputc('"', f);
    while (*s != '\0') {
        int n = json_utf8_len(s);
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\r')
            fputs("\\r", f);
        else if (*s == '\b')
            fputs("\\b", f);
        else if (*s == '\f')
            fputs("\\f", f);
        else if (*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else if (n == 0)
            fputs("\\ufffd", f);
        else
            fwrite(s, 1, (size_t)n, f);
        s += n ? n : 1;
    }
    fputc('"', f);
}

/* Comma, newline and indentation before a value; then "key": if keyed. */
void json_sep(struct json *j, const char *key)
{
    if (j->depth > 0) {
        fputs(j->first[j->depth] ? "\n" : ",\n", j->f);
        j->first[j->depth] = false;
        fprintf(j->f, "%*s", 2 * j->depth, "");
    }
    if (key != NULL) {
        json_quote(j->f, key);
        fputs(": ", j->f);
    }
}

void json_open(struct json *j, const char *key, char bracket)
{
    json_sep(j, key);
    fputc(bracket, j->f);
    if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
        j->depth++;
    j->first[j->depth] = true;
}

void json_close(struct json *j, char bracket)
{
    bool empty = j->first[j->depth];

    j->depth--;
    if (!empty)
        fprintf(j->f, "\n%*s", 2 * j->depth, "");
    fputc(bracket, j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

void json_str(struct json *j, const char *key, const char *val)
{
    json_sep(j, key);
    if (val == NULL)
        fputs("null", j->f);
    else
        json_quote(j->f, val);
}

void json_uint(struct json *j, const char *key, unsigned long long val)
{
    json_sep(j, key);
    fprintf(j->f, "%llu", val);
}

void json_bool(struct json *j, const char *key, bool val)
{
    json_sep(j, key);
    fputs(val ? "true" : "false", j->f);
}

/* ---- text tables ------------------------------------------------------ */

void ctl_table_row(struct ctl_table *t, ...)
{
    va_list ap;

    if (t->nrows == t->cap) {
        int cap = t->cap ? 2 * t->cap : 16;
        char **p = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof(*p));
        if (p == NULL) {
            fprintf(stderr, "shardctl: out of memory\n");
            exit(CTL_EXIT_INVALID);
        }
        t->cells = p;
        t->cap = cap;
    }
    va_start(ap, t);
    for (int c = 0; c < t->ncols; c++) {
        const char *s = va_arg(ap, const char *);
        t->cells[t->nrows * t->ncols + c] = strdup(s ? s : "");
    }
    va_end(ap);
    t->nrows++;
}

/* Print and free the table. */
void ctl_table_print(struct ctl_table *t)
{
    int width[16] = {0};

    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols && c < 16; c++) {
            const char *s = t->cells[r * t->ncols + c];
            int w = s ? (int)strlen(s) : 0;
            if (w > width[c])
                width[c] = w;
        }
    }
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (c + 1 < t->ncols)
                printf("%-*s  ", width[c], s ? s : "");
            else
                printf("%s\n", s ? s : "");
            free(t->cells[r * t->ncols + c]);
        }
    }
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

/* ---- helpers ----------------------------------------------------------- */

const char *ctl_plural(long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Replicas joined with ", " into buf ("-" when there are none). */
void ctl_replicas(char *buf, size_t len, const struct shardmap_shard *sh)
{
    size_t used = 0;

    snprintf(buf, len, "%s", sh->nreplicas ? "" : "-");
    for (int r = 0; r < sh->nreplicas && used < len; r++) {
        char a[300];
        shardmap_format_addr(&sh->replicas[r], a, sizeof(a));
        if (sh->replicas[r].weight > 1)
            snprintf(buf + used, len - used, "%s%s (weight %d)", r ? ", " : "", a,
                     sh->replicas[r].weight);
        else
            snprintf(buf + used, len - used, "%s%s", r ? ", " : "", a);
        used = strlen(buf);
    }
}

unsigned long long ctl_last_id(const struct shardmap_shard *sh)
{
    return sh->end_max ? UINT64_MAX : sh->end - 1;
}

int ctl_shard_count(const struct shardmap *map)
{
    int n = 0;

    for (int k = 0; k < map->nkeyspaces; k++)
        n += map->keyspaces[k].nshards;
    return n;
}

/* Report a failure: JSON object on stdout with --json, else on stderr. */
int ctl_fail(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int ctl_fail(struct ctl *ctl, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_str(&j, "error", msg);
        json_close(&j, '}');
    } else {
        fprintf(stderr, "shardctl: %s\n", msg);
    }
    return CTL_EXIT_INVALID;
}

/* A command-line problem: text on stderr whatever --json says. */
int ctl_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int ctl_usage_err(const char *fmt, ...)
{
    va_list ap;

    fputs("shardctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CTL_EXIT_USAGE;
}

/* Decimal unsigned integer, digits only. 0 or -1. */
int ctl_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* Seconds: a non-negative decimal number ("10", "0.5"). 0 or -1. */
int ctl_parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    if (!isdigit((unsigned char)s[0]) && s[0] != '.')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 || v > 1e9)
        return -1;
    *out = v;
    return 0;
}

/* The catalog DSN: --catalog, else $SHARDCTL_CATALOG, else NULL. */
const char *ctl_dsn(const struct ctl *ctl)
{
    const char *env = getenv(CTL_ENV_CATALOG);

    if (ctl->catalog != NULL)
        return ctl->catalog;
    return env != NULL && *env != '\0' ? env : NULL;
}

/*
 * Connect to the catalog once (kept in ctl->cat). Returns CTL_EXIT_OK;
 * CTL_EXIT_USAGE when no DSN is given or it does not parse; or
 * CTL_EXIT_INVALID, reported, when the catalog cannot be reached. The DSN's
 * password is never printed: messages use catalog_describe().
 */
int ctl_catalog(struct ctl *ctl, const char *what)
{
    const char *text = ctl_dsn(ctl);
    struct catalog_dsn dsn;
    char err[1024];

    if (ctl->cat != NULL)
        return CTL_EXIT_OK;
    if (text == NULL)
        return ctl_usage_err("%s needs the catalog: give --catalog "
                             "mysql://user:password@host:port/schema or set " CTL_ENV_CATALOG,
                             what);
    if (catalog_parse_dsn(text, &dsn, err, sizeof(err)) == -1)
        return ctl_usage_err("%s%s", err, ctl->catalog ? "" : " (in $" CTL_ENV_CATALOG ")");
    ctl->cat = catalog_open(&dsn, CTL_CATALOG_TIMEOUT_MS, err, sizeof(err));
    memset(dsn.password, 0, sizeof(dsn.password));
    if (ctl->cat == NULL)
        return ctl_fail(ctl, "%s", err);
    return CTL_EXIT_OK;
}

/*
 * The map that map show and lookup read: -m FILE when given, else the
 * catalog's latest version when a catalog is given (--catalog or
 * $SHARDCTL_CATALOG), else CTL_DEFAULT_MAP. Returns an exit code; *out is
 * the map (the caller puts it) on CTL_EXIT_OK.
 */
int ctl_load(struct ctl *ctl, struct shardmap **out)
{
    char err[1024];
    int rc;

    *out = NULL;
    if (ctl->mapfile == NULL && ctl_dsn(ctl) != NULL) {
        if ((rc = ctl_catalog(ctl, "reading the map from the catalog")) != CTL_EXIT_OK)
            return rc;
        *out = catalog_load(ctl->cat, 0, err, sizeof(err));
    } else {
        *out = shardmap_load_file(ctl->mapfile ? ctl->mapfile : CTL_DEFAULT_MAP, err, sizeof(err));
    }
    return *out != NULL ? CTL_EXIT_OK : ctl_fail(ctl, "%s", err);
}

void json_shard(struct json *j, const char *key, const struct shardmap_shard *sh)
{
    char buf[320];

    json_open(j, key, '{');
    json_str(j, "name", sh->name);
    json_str(j, "range", sh->range);
    snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)sh->start);
    json_str(j, "first_id", buf);
    snprintf(buf, sizeof(buf), "%016llx", ctl_last_id(sh));
    json_str(j, "last_id", buf);
    shardmap_format_addr(&sh->primary, buf, sizeof(buf));
    json_str(j, "primary", buf);
    json_open(j, "replicas", '[');
    for (int r = 0; r < sh->nreplicas; r++) {
        shardmap_format_addr(&sh->replicas[r], buf, sizeof(buf));
        json_str(j, NULL, buf);
    }
    json_close(j, ']');
    json_str(j, "schema", sh->schema);
    json_close(j, '}');
}

void json_double(struct json *j, const char *key, double val)
{
    json_sep(j, key);
    fprintf(j->f, "%.3f", val);
}
