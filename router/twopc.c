/* twopc — transaction ids, the decision log and recovery for
 * cross_shard_transactions = twopc. See include/twopc.h. */
#include "twopc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "config.h"
#include "log.h"
#include "router.h"
#include "shardmap.h"
#include "ticker.h"

#define TWOPC_COMPACT_BYTES (1 << 20) /* rewrite the log past this size */
#define TWOPC_ABORT_GRACE_MS 30000    /* keep an A record at least this long */
#define XA_FORMAT_ID 1                /* MariaDB's and MySQL's default formatID */
#define ER_XAER_NOTA 1397

/* ---- pure parts ------------------------------------------------------------ */

void twopc_gtrid(char *dst, uint64_t router_hash, uint64_t boot, uint64_t seq)
{
    snprintf(dst, TWOPC_GTRID_MAX + 1, "sr.%016" PRIx64 ".%012" PRIx64 ".%" PRIx64, router_hash,
             (uint64_t)(boot & 0xffffffffffffULL), seq);
}

static int hex_field(const char *p, size_t len, uint64_t *v)
{
    if (len == 0 || len > 16)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        x = x << 4 | (uint64_t)d;
    }
    *v = x;
    return 0;
}

int twopc_gtrid_parse(const char *g, size_t len, uint64_t *router_hash, uint64_t *boot)
{
    uint64_t seq;
    if (len > TWOPC_GTRID_MAX || len < 3 + 16 + 1 + 12 + 2 || memcmp(g, "sr.", 3) != 0 ||
        g[19] != '.' || g[32] != '.')
        return -1;
    if (hex_field(g + 3, 16, router_hash) == -1 || hex_field(g + 20, 12, boot) == -1 ||
        hex_field(g + 33, len - 33, &seq) == -1)
        return -1;
    return 0;
}

size_t twopc_xid_sql(char *dst, const char *verb, const char *gtrid, unsigned branch,
                     const char *suffix)
{
    int n = snprintf(dst, TWOPC_XID_SQL_MAX, "%s '%s','b%u'%s", verb, gtrid, branch, suffix);
    return n < 0 ? 0 : (size_t)n >= TWOPC_XID_SQL_MAX ? TWOPC_XID_SQL_MAX - 1 : (size_t)n;
}

struct twopc_entry *twopc_table_find(struct twopc_table *t, const char *gtrid, size_t len)
{
    for (int i = 0; i < t->n; i++)
        if (strlen(t->e[i].gtrid) == len && memcmp(t->e[i].gtrid, gtrid, len) == 0)
            return &t->e[i];
    return NULL;
}

int twopc_table_apply(struct twopc_table *t, char kind, const char *gtrid, size_t len,
                      int64_t now_ms)
{
    uint64_t h, b;
    if (twopc_gtrid_parse(gtrid, len, &h, &b) == -1)
        return -1;
    struct twopc_entry *e = twopc_table_find(t, gtrid, len);
    if (kind == 'D') {
        if (e != NULL)
            *e = t->e[--t->n];
        return 0;
    }
    if (kind != TWOPC_COMMIT && kind != TWOPC_ABORT)
        return -1;
    if (e == NULL) {
        if (t->n == t->cap) {
            int cap = t->cap ? t->cap * 2 : 16;
            struct twopc_entry *ne = realloc(t->e, (size_t)cap * sizeof(*ne));
            if (ne == NULL)
                return -1;
            t->e = ne;
            t->cap = cap;
        }
        e = &t->e[t->n++];
        memcpy(e->gtrid, gtrid, len);
        e->gtrid[len] = '\0';
        e->kind = kind;
    }
    /* A commit decision is final: a later A for the same id (never written
     * by the router) cannot undo it. */
    if (e->kind != TWOPC_COMMIT)
        e->kind = kind;
    e->since_ms = now_ms;
    e->seen = false;
    return 0;
}

int twopc_table_replay(struct twopc_table *t, const char *text, size_t len, int64_t now_ms)
{
    int bad = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (nl == NULL)
            break; /* torn last record: never made durable */
        size_t n = (size_t)(nl - (text + pos));
        const char *line = text + pos;
        pos += n + 1;
        if (n == 0)
            continue;
        if (n < 3 || line[1] != ' ' || twopc_table_apply(t, line[0], line + 2, n - 2, now_ms) == -1)
            bad++;
    }
    return bad;
}

void twopc_table_free(struct twopc_table *t)
{
    free(t->e);
    t->e = NULL;
    t->n = t->cap = 0;
}

/* ---- the log ------------------------------------------------------------- */

struct twopc {
    struct router *r;
    const struct config *cfg;
    uint64_t hash; /* xxh64 of router_id */
    uint64_t boot;
    uint64_t seq; /* atomic */
    char faults[256];
    pthread_mutex_t lock; /* guards everything below */
    int fd;
    size_t log_bytes;
    struct twopc_table table;
    struct ticker ticker; /* the recovery thread */
    bool failing;         /* the last pass could not reach every server (the thread's) */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* fsync the directory holding path (a rename in it must survive a crash). */
static int sync_dir(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    int dfd = open(dirname(tmp), O_RDONLY | O_DIRECTORY);
    if (dfd == -1)
        return -1;
    int rc = fsync(dfd);
    close(dfd);
    return rc;
}

/* Rewrite the log with the open records only. Under lock (or before the
 * workers start). 0, or -1 with errno (the old log stays in use). */
static int compact_locked(struct twopc *tp)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", tp->cfg->twopc_log);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1)
        return -1;
    size_t bytes = 0;
    for (int i = 0; i < tp->table.n; i++) {
        char line[TWOPC_GTRID_MAX + 4];
        int n = snprintf(line, sizeof(line), "%c %s\n", tp->table.e[i].kind, tp->table.e[i].gtrid);
        if (write_all(fd, line, (size_t)n) == -1)
            goto fail;
        bytes += (size_t)n;
    }
    if (fdatasync(fd) == -1 || rename(tmp, tp->cfg->twopc_log) == -1)
        goto fail;
    sync_dir(tp->cfg->twopc_log);
    int afd = open(tp->cfg->twopc_log, O_WRONLY | O_APPEND | O_CLOEXEC);
    close(fd);
    if (afd == -1)
        return -1;
    if (tp->fd != -1)
        close(tp->fd);
    tp->fd = afd;
    tp->log_bytes = bytes;
    return 0;
fail : {
    int e = errno;
    close(fd);
    unlink(tmp);
    errno = e;
    return -1;
}
}

/* Append one record; sync: make it durable. Under lock. 0 or -1 (errno). */
static int append_locked(struct twopc *tp, char kind, const char *gtrid, bool sync)
{
    char line[TWOPC_GTRID_MAX + 4];
    int n = snprintf(line, sizeof(line), "%c %s\n", kind, gtrid);
    if (tp->fd == -1) {
        errno = EBADF;
        return -1;
    }
    if (write_all(tp->fd, line, (size_t)n) == -1)
        return -1;
    if (sync && fdatasync(tp->fd) == -1)
        return -1;
    tp->log_bytes += (size_t)n;
    if (tp->log_bytes > TWOPC_COMPACT_BYTES && compact_locked(tp) == -1)
        log_warn("twopc: cannot compact %s: %s (appending to it as it is)", tp->cfg->twopc_log,
                 strerror(errno));
    return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return errno == ENOENT ? 0 : -1;
    size_t cap = 0;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (*len + n > cap) {
            cap = (*len + n) * 2;
            char *t = realloc(*text, cap);
            if (t == NULL) {
                fclose(f);
                errno = ENOMEM;
                return -1;
            }
            *text = t;
        }
        memcpy(*text + *len, chunk, n);
        *len += n;
    }
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

static void recover_pass(void *arg);

struct twopc *twopc_open(struct router *r, char *err, size_t errlen)
{
    const struct config *cfg = r->cfg;
    struct twopc *tp = calloc(1, sizeof(*tp));
    if (tp == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    tp->r = r;
    tp->cfg = cfg;
    tp->fd = -1;
    tp->hash = XXH64(cfg->router_id, strlen(cfg->router_id), 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tp->boot = ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000) & 0xffffffffffffULL;
    const char *f = getenv("SHARDROUTER_FAULT");
    snprintf(tp->faults, sizeof(tp->faults), ",%s,", f ? f : "");
    pthread_mutex_init(&tp->lock, NULL);
    ticker_init(&tp->ticker, recover_pass, NULL, tp, cfg->twopc_recovery_ms, LOG_THREAD_TWOPC);

    char *text;
    size_t len;
    if (read_file(cfg->twopc_log, &text, &len) == -1) {
        snprintf(err, errlen, "twopc_log %s: cannot read it: %s", cfg->twopc_log, strerror(errno));
        twopc_close(tp);
        return NULL;
    }
    int bad = twopc_table_replay(&tp->table, text ? text : "", len, mono_ms());
    free(text);
    if (bad == -1) {
        snprintf(err, errlen, "twopc_log %s: out of memory", cfg->twopc_log);
        twopc_close(tp);
        return NULL;
    }
    if (bad > 0)
        log_warn("twopc_log %s: %d malformed line%s ignored", cfg->twopc_log, bad,
                 bad == 1 ? "" : "s");
    if (compact_locked(tp) == -1) {
        snprintf(err, errlen,
                 "twopc_log %s: cannot write it: %s (the router records there the commit "
                 "decisions of cross-shard transactions; give a writable path on durable "
                 "storage)",
                 cfg->twopc_log, strerror(errno));
        twopc_close(tp);
        return NULL;
    }
    int commits = 0;
    for (int i = 0; i < tp->table.n; i++)
        commits += tp->table.e[i].kind == TWOPC_COMMIT;
    log_info("twopc: decision log %s: %d decided transaction%s and %d aborted one%s to finish; "
             "transaction ids sr.%016" PRIx64 ".%012" PRIx64 ".*",
             cfg->twopc_log, commits, commits == 1 ? "" : "s", tp->table.n - commits,
             tp->table.n - commits == 1 ? "" : "s", tp->hash, tp->boot);
    return tp;
}

void twopc_new_gtrid(struct twopc *tp, char *dst)
{
    uint64_t seq = __atomic_add_fetch(&tp->seq, 1, __ATOMIC_RELAXED);
    twopc_gtrid(dst, tp->hash, tp->boot, seq);
}

bool twopc_fault(const struct twopc *tp, const char *name)
{
    char want[80];
    snprintf(want, sizeof(want), ",%s,", name);
    return tp->faults[1] != ',' && strstr(tp->faults, want) != NULL;
}

static void poke(struct twopc *tp)
{
    ticker_poke(&tp->ticker);
}

int twopc_decide(struct twopc *tp, const char *gtrid, char *err, size_t errlen)
{
    pthread_mutex_lock(&tp->lock);
    int rc = append_locked(tp, TWOPC_COMMIT, gtrid, true);
    if (rc == -1)
        snprintf(err, errlen, "cannot record the commit decision in twopc_log %s: %s",
                 tp->cfg->twopc_log, strerror(errno));
    else if (twopc_table_apply(&tp->table, TWOPC_COMMIT, gtrid, strlen(gtrid), mono_ms()) == -1)
        poke(tp); /* out of memory: the log has it; recovery must not lose it */
    pthread_mutex_unlock(&tp->lock);
    return rc;
}

void twopc_done(struct twopc *tp, const char *gtrid)
{
    pthread_mutex_lock(&tp->lock);
    twopc_table_apply(&tp->table, 'D', gtrid, strlen(gtrid), 0);
    if (append_locked(tp, 'D', gtrid, false) == -1)
        log_warn("twopc: cannot append to %s: %s", tp->cfg->twopc_log, strerror(errno));
    pthread_mutex_unlock(&tp->lock);
}

void twopc_left(struct twopc *tp, const char *gtrid)
{
    (void)gtrid;
    pthread_mutex_lock(&tp->lock);
    poke(tp);
    pthread_mutex_unlock(&tp->lock);
}

void twopc_abort_left(struct twopc *tp, const char *gtrid)
{
    pthread_mutex_lock(&tp->lock);
    if (append_locked(tp, TWOPC_ABORT, gtrid, false) == -1)
        log_warn("twopc: cannot append to %s: %s", tp->cfg->twopc_log, strerror(errno));
    twopc_table_apply(&tp->table, TWOPC_ABORT, gtrid, strlen(gtrid), mono_ms());
    poke(tp);
    pthread_mutex_unlock(&tp->lock);
}

/* ---- recovery ----------------------------------------------------------- */

struct server {
    char host[256];
    int port;
};

/* The distinct primaries of the current map. */
static int servers_of_map(struct twopc *tp, struct server **out)
{
    struct shardmap *map = router_map_get(tp->r, NULL);
    struct server *sv = NULL;
    int n = 0, cap = 0;
    for (int k = 0; k < map->nkeyspaces; k++) {
        for (int i = 0; i < map->keyspaces[k].nshards; i++) {
            const struct shardmap_shard *sh = &map->keyspaces[k].shards[i];
            bool dup = false;
            for (int j = 0; j < n && !dup; j++)
                dup = sv[j].port == sh->primary.port && strcmp(sv[j].host, sh->primary.host) == 0;
            if (dup)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct server *ns = realloc(sv, (size_t)cap * sizeof(*ns));
                if (ns == NULL)
                    break;
                sv = ns;
            }
            snprintf(sv[n].host, sizeof(sv[n].host), "%s", sh->primary.host);
            sv[n].port = sh->primary.port;
            n++;
        }
    }
    shardmap_put(map);
    *out = sv;
    return n;
}

static void hex(char *dst, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[p[i] >> 4];
        dst[2 * i + 1] = digits[p[i] & 15];
    }
    dst[2 * n] = '\0';
}

enum verdict { LEAVE, COMMIT, ROLLBACK };

/* What to do with a prepared branch of gtrid g (ours). */
static enum verdict judge(struct twopc *tp, const char *g, size_t len, uint64_t boot)
{
    pthread_mutex_lock(&tp->lock);
    struct twopc_entry *e = twopc_table_find(&tp->table, g, len);
    enum verdict v = LEAVE;
    if (e != NULL) {
        e->seen = true;
        v = e->kind == TWOPC_COMMIT ? COMMIT : ROLLBACK;
    } else if (boot != tp->boot) {
        v = ROLLBACK; /* an earlier run's, undecided: presumed abort */
    }
    pthread_mutex_unlock(&tp->lock);
    return v;
}

/* XA RECOVER on one server, and finish what is ours and decided. -1 when
 * the server could not be asked. */
static int recover_server(struct twopc *tp, const struct server *sv, char *why, size_t whylen)
{
    MYSQL *my = mysql_init(NULL);
    if (my == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    unsigned ct = (unsigned)(tp->cfg->backend_connect_timeout_ms + 999) / 1000;
    unsigned rt = 10;
    mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &rt);
    mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &rt);
    int rc = -1;
    MYSQL_RES *res = NULL;
    if (mysql_real_connect(my, sv->host, tp->cfg->backend_user, tp->cfg->backend_password, NULL,
                           (unsigned)sv->port, NULL, 0) == NULL ||
        mysql_query(my, "XA RECOVER") != 0 || (res = mysql_store_result(my)) == NULL) {
        snprintf(why, whylen, "%s", mysql_error(my));
        goto out;
    }
    rc = 0;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        if (mysql_num_fields(res) < 4 || row[0] == NULL || row[1] == NULL || row[2] == NULL ||
            row[3] == NULL)
            continue;
        long fmt = strtol(row[0], NULL, 10), gl = strtol(row[1], NULL, 10),
             bl = strtol(row[2], NULL, 10);
        uint64_t h, boot;
        if (gl < 0 || bl < 0 || gl > 64 || bl > 64 || (unsigned long)(gl + bl) > len[3] ||
            twopc_gtrid_parse(row[3], (size_t)gl, &h, &boot) == -1 || h != tp->hash)
            continue;
        enum verdict v = judge(tp, row[3], (size_t)gl, boot);
        if (v == LEAVE)
            continue;
        char g[2 * 64 + 1], b[2 * 64 + 1], sql[400];
        hex(g, (const unsigned char *)row[3], (size_t)gl);
        hex(b, (const unsigned char *)row[3] + gl, (size_t)bl);
        snprintf(sql, sizeof(sql), "XA %s X'%s',X'%s',%ld", v == COMMIT ? "COMMIT" : "ROLLBACK", g,
                 b, fmt);
        if (mysql_query(my, sql) == 0)
            log_info("twopc recovery: %s branch '%.*s' of transaction %.*s on %s:%d",
                     v == COMMIT ? "committed" : "rolled back", (int)bl, row[3] + gl, (int)gl,
                     row[3], sv->host, sv->port);
        else if (mysql_errno(my) == ER_XAER_NOTA)
            log_debug("twopc recovery: transaction %.*s on %s:%d is still attached to a "
                      "connection; next pass",
                      (int)gl, row[3], sv->host, sv->port);
        else
            log_warn("twopc recovery: %s of transaction %.*s on %s:%d failed: %s",
                     v == COMMIT ? "XA COMMIT" : "XA ROLLBACK", (int)gl, row[3], sv->host, sv->port,
                     mysql_error(my));
    }
out:
    if (res != NULL)
        mysql_free_result(res);
    mysql_close(my);
    return rc;
}

static void recover_pass(void *arg)
{
    struct twopc *tp = arg;
    int64_t start = mono_ms();
    pthread_mutex_lock(&tp->lock);
    for (int i = 0; i < tp->table.n; i++)
        tp->table.e[i].seen = false;
    pthread_mutex_unlock(&tp->lock);
    struct server *sv = NULL;
    int n = servers_of_map(tp, &sv), failed = 0;
    char why[512], first[800] = "";
    for (int i = 0; i < n; i++) {
        if (recover_server(tp, &sv[i], why, sizeof(why)) == 0)
            continue;
        if (failed++ == 0)
            snprintf(first, sizeof(first), "%s:%d: %s", sv[i].host, sv[i].port, why);
    }
    free(sv);
    if (failed > 0) {
        if (!tp->failing)
            log_warn("twopc recovery: %d of %d server%s could not be asked (%s); trying again "
                     "every %d ms",
                     failed, n, n == 1 ? "" : "s", first, tp->cfg->twopc_recovery_ms);
        tp->failing = true;
        return;
    }
    if (tp->failing)
        log_info("twopc recovery: every server answered again");
    tp->failing = false;
    /* Records whose branches are all finished now: closed. */
    pthread_mutex_lock(&tp->lock);
    for (int i = 0; i < tp->table.n;) {
        struct twopc_entry *e = &tp->table.e[i];
        int64_t limit = e->kind == TWOPC_ABORT ? start - TWOPC_ABORT_GRACE_MS : start;
        if (e->seen || e->since_ms >= limit) {
            i++;
            continue;
        }
        log_info("twopc recovery: transaction %s is finished everywhere (%s)", e->gtrid,
                 e->kind == TWOPC_COMMIT ? "committed" : "rolled back");
        if (append_locked(tp, 'D', e->gtrid, false) == -1)
            log_warn("twopc: cannot append to %s: %s", tp->cfg->twopc_log, strerror(errno));
        tp->table.e[i] = tp->table.e[--tp->table.n];
    }
    pthread_mutex_unlock(&tp->lock);
}

int twopc_start(struct twopc *tp)
{
    return ticker_start(&tp->ticker);
}

void twopc_stop(struct twopc *tp)
{
    if (tp != NULL)
        ticker_stop(&tp->ticker);
}

void twopc_close(struct twopc *tp)
{
    if (tp == NULL)
        return;
    ticker_destroy(&tp->ticker);
    if (tp->fd != -1)
        close(tp->fd);
    twopc_table_free(&tp->table);
    pthread_mutex_destroy(&tp->lock);
    free(tp);
}
