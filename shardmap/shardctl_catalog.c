/* shardctl_catalog — map publish, map history, routers. */

#include "shardctl_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- map publish, map history -------------------------------------------- */

int cmd_map_publish(struct ctl *ctl, char **argv)
{
    const char *file = argv[0];
    struct shardmap *map = NULL;
    char err[2048];
    char *text;
    int rc;

    if ((text = shardmap_read_file(file, err, sizeof(err))) == NULL)
        return ctl_fail(ctl, "%s", err);
    map = shardmap_load_string(text, file, err, sizeof(err));
    if (map == NULL) {
        rc = ctl_fail(ctl, "refused: %s", err);
    } else if ((rc = ctl_catalog(ctl, "map publish")) != CTL_EXIT_OK) {
        /* reported */
    } else if (catalog_publish(ctl->cat, map, text, ctl->comment, err, sizeof(err)) == -1) {
        rc = ctl_fail(ctl, "%s", err);
    } else if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_bool(&j, "published", true);
        json_uint(&j, "version", map->version);
        json_str(&j, "file", file);
        json_str(&j, "catalog", catalog_name(ctl->cat));
        json_str(&j, "comment", ctl->comment ? ctl->comment : "");
        json_close(&j, '}');
    } else {
        printf("published %s as version %llu to catalog %s\n", file,
               (unsigned long long)map->version, catalog_name(ctl->cat));
    }
    shardmap_put(map);
    free(text);
    return rc;
}

void ctl_rows_add(struct ctl_rows *r, const void *row)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        void *p = r->oom ? NULL : realloc(r->rows, cap * r->size);
        if (p == NULL) {
            r->oom = true;
            return;
        }
        r->rows = p;
        r->cap = cap;
    }
    memcpy((char *)r->rows + r->n * r->size, row, r->size);
    r->n++;
}

void history_row(void *ctx, const struct catalog_version_row *row)
{
    ctl_rows_add(ctx, row);
}

void history_print(struct ctl *ctl, const struct catalog_version_row *rows, size_t n)
{
    struct ctl_table t = {.ncols = 3};
    struct json j = {.f = stdout};
    char v[32];

    if (ctl->json) {
        json_open(&j, NULL, '{');
        json_str(&j, "catalog", catalog_name(ctl->cat));
        json_open(&j, "versions", '[');
        for (size_t i = 0; i < n; i++) {
            json_open(&j, NULL, '{');
            json_uint(&j, "version", rows[i].version);
            json_str(&j, "created_at", rows[i].created_at);
            json_str(&j, "comment", rows[i].comment);
            json_close(&j, '}');
        }
        json_close(&j, ']');
        json_close(&j, '}');
        return;
    }
    if (n == 0) {
        printf("catalog %s has no published version yet; publish one with shardctl map "
               "publish FILE\n",
               catalog_name(ctl->cat));
        return;
    }
    ctl_table_row(&t, "VERSION", "CREATED (UTC)", "COMMENT");
    for (size_t i = 0; i < n; i++) {
        snprintf(v, sizeof(v), "%llu", (unsigned long long)rows[i].version);
        ctl_table_row(&t, v, rows[i].created_at, rows[i].comment);
    }
    ctl_table_print(&t);
}

int cmd_map_history(struct ctl *ctl, char **argv)
{
    struct ctl_rows r = {.size = sizeof(struct catalog_version_row)};
    char err[1024];
    int rc;

    if ((rc = ctl_catalog(ctl, "map history")) != CTL_EXIT_OK)
        return rc;
    if (catalog_history(ctl->cat, ctl->limit, history_row, &r, err, sizeof(err)) == -1)
        rc = ctl_fail(ctl, "%s", err);
    else if (r.oom)
        rc = ctl_fail(ctl, "out of memory reading the history");
    else
        history_print(ctl, r.rows, r.n);
    free(r.rows);
    return rc;
}

/* ---- routers ------------------------------------------------------------- */

void routers_row(void *ctx, const struct catalog_router_row *row)
{
    ctl_rows_add(ctx, row);
}

/* A router is live when its last heartbeat is at most --stale-after old. */
bool router_live(const struct ctl *ctl, const struct catalog_router_row *r)
{
    return r->age_s <= ctl->stale_after;
}

bool router_behind(const struct ctl *ctl, const struct catalog_router_row *r)
{
    return router_live(ctl, r) && r->version < ctl->wait_version;
}

/* Read every router into r (emptied first). Returns an exit code. */
int routers_fetch(struct ctl *ctl, struct ctl_rows *r)
{
    char err[1024];

    r->n = 0;
    if (catalog_routers(ctl->cat, routers_row, r, err, sizeof(err)) == -1)
        return ctl_fail(ctl, "%s", err);
    if (r->oom)
        return ctl_fail(ctl, "out of memory reading the routers");
    return CTL_EXIT_OK;
}

void json_router(struct json *j, const struct ctl *ctl, const struct catalog_router_row *r)
{
    json_open(j, NULL, '{');
    json_str(j, "router_id", r->router_id);
    json_str(j, "host", r->host);
    json_uint(j, "pid", (unsigned long long)(r->pid > 0 ? r->pid : 0));
    json_uint(j, "version", r->version);
    json_str(j, "started_at", r->started_at);
    json_str(j, "heartbeat_at", r->heartbeat_at);
    json_double(j, "heartbeat_age_s", r->age_s);
    json_bool(j, "stale", !router_live(ctl, r));
    json_close(j, '}');
}

/* The routers as JSON members "routers" (and "laggards" when waiting). */
void json_routers(struct json *j, const struct ctl *ctl, const struct ctl_rows *r)
{
    const struct catalog_router_row *rows = r->rows;

    json_str(j, "catalog", catalog_name(ctl->cat));
    json_double(j, "stale_after_s", ctl->stale_after);
    if (ctl->wait_version > 0) {
        json_open(j, "laggards", '[');
        for (size_t i = 0; i < r->n; i++) {
            if (router_behind(ctl, &rows[i]))
                json_router(j, ctl, &rows[i]);
        }
        json_close(j, ']');
    }
    json_open(j, "routers", '[');
    for (size_t i = 0; i < r->n; i++)
        json_router(j, ctl, &rows[i]);
    json_close(j, ']');
}

void routers_table(const struct ctl *ctl, const struct ctl_rows *r)
{
    const struct catalog_router_row *rows = r->rows;
    struct ctl_table t = {.ncols = 8};

    ctl_table_row(&t, "ROUTER", "HOST", "PID", "VERSION", "STARTED (UTC)", "LAST HEARTBEAT (UTC)",
                  "AGE", "STATE");
    for (size_t i = 0; i < r->n; i++) {
        char pid[16], ver[32], age[32];
        snprintf(pid, sizeof(pid), "%d", rows[i].pid);
        snprintf(ver, sizeof(ver), "%llu", (unsigned long long)rows[i].version);
        snprintf(age, sizeof(age), "%.1fs", rows[i].age_s);
        ctl_table_row(&t, rows[i].router_id, rows[i].host, pid, ver, rows[i].started_at,
                      rows[i].heartbeat_at, age, router_live(ctl, &rows[i]) ? "live" : "stale");
    }
    ctl_table_print(&t);
}

size_t routers_live(const struct ctl *ctl, const struct ctl_rows *r)
{
    const struct catalog_router_row *rows = r->rows;
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++)
        n += router_live(ctl, &rows[i]);
    return n;
}

int routers_list(struct ctl *ctl, struct ctl_rows *r)
{
    char err[1024];
    uint64_t latest;
    size_t live;
    int rc;

    if ((rc = routers_fetch(ctl, r)) != CTL_EXIT_OK)
        return rc;
    if (catalog_latest(ctl->cat, &latest, NULL, err, sizeof(err)) == -1)
        return ctl_fail(ctl, "%s", err);
    live = routers_live(ctl, r);
    if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_uint(&j, "latest_version", latest);
        json_routers(&j, ctl, r);
        json_close(&j, '}');
    } else if (r->n == 0) {
        printf("no router has reported to catalog %s yet (a router reports once its "
               "configuration names the catalog)\n",
               catalog_name(ctl->cat));
    } else {
        routers_table(ctl, r);
        printf("\n%zu %s: %zu live, %zu stale (no heartbeat for more than %g s); the catalog's "
               "latest version is %llu\n",
               r->n, ctl_plural((long)r->n, "router", "routers"), live, r->n - live,
               ctl->stale_after, (unsigned long long)latest);
    }
    return CTL_EXIT_OK;
}

double ctl_elapsed(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Print the outcome of --wait-version. Returns the exit code. */
int routers_wait_report(struct ctl *ctl, const struct ctl_rows *r, double waited, bool ok)
{
    const struct catalog_router_row *rows = r->rows;
    size_t live = routers_live(ctl, r), behind = 0;
    char msg[1024];

    for (size_t i = 0; i < r->n; i++)
        behind += router_behind(ctl, &rows[i]);
    if (ok && live == 0)
        snprintf(msg, sizeof(msg),
                 "no live router reports to catalog %s (none with a heartbeat in the last %g s), "
                 "so there was nothing to wait for",
                 catalog_name(ctl->cat), ctl->stale_after);
    else if (ok)
        snprintf(msg, sizeof(msg), "all %zu live %s run version %llu or later (waited %.1f s)",
                 live, ctl_plural((long)live, "router", "routers"),
                 (unsigned long long)ctl->wait_version, waited);
    else
        snprintf(msg, sizeof(msg),
                 "timed out after %.1f s waiting for version %llu: %zu of %zu live %s still "
                 "%s an older version",
                 waited, (unsigned long long)ctl->wait_version, behind, live,
                 ctl_plural((long)live, "router", "routers"),
                 ctl_plural((long)behind, "runs", "run"));
    if (ctl->json) {
        struct json j = {.f = stdout};
        json_open(&j, NULL, '{');
        json_bool(&j, "ok", ok);
        json_str(&j, ok ? "message" : "error", msg);
        json_uint(&j, "wait_version", ctl->wait_version);
        json_double(&j, "waited_s", waited);
        json_uint(&j, "live", live);
        json_routers(&j, ctl, r);
        json_close(&j, '}');
    } else {
        bool warn = !ok || live == 0;
        fprintf(warn ? stderr : stdout, "%s%s%s\n",
                ok ? (warn ? "shardctl: warning: " : "") : "shardctl: ", msg, ok ? "" : ":");
        for (size_t i = 0; !ok && i < r->n; i++) {
            if (router_behind(ctl, &rows[i]))
                fprintf(stderr,
                        "  %s on %s (pid %d) runs version %llu, last heartbeat %.1f s ago\n",
                        rows[i].router_id, rows[i].host, rows[i].pid,
                        (unsigned long long)rows[i].version, rows[i].age_s);
        }
    }
    return ok ? CTL_EXIT_OK : CTL_EXIT_INVALID;
}

/* --wait-version: poll until no live router runs a version below it. */
int routers_wait(struct ctl *ctl, struct ctl_rows *r)
{
    const struct timespec poll = {0, CTL_WAIT_POLL_NS};
    struct timespec t0;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        const struct catalog_router_row *rows;
        size_t behind = 0;
        double waited;
        if ((rc = routers_fetch(ctl, r)) != CTL_EXIT_OK)
            return rc;
        rows = r->rows;
        for (size_t i = 0; i < r->n; i++)
            behind += router_behind(ctl, &rows[i]);
        waited = ctl_elapsed(&t0);
        if (behind == 0 || waited >= ctl->timeout)
            return routers_wait_report(ctl, r, waited, behind == 0);
        nanosleep(&poll, NULL);
    }
}

int cmd_routers(struct ctl *ctl, char **argv)
{
    struct ctl_rows r = {.size = sizeof(struct catalog_router_row)};
    int rc;

    if ((rc = ctl_catalog(ctl, "routers")) != CTL_EXIT_OK)
        return rc;
    rc = ctl->wait_version > 0 ? routers_wait(ctl, &r) : routers_list(ctl, &r);
    free(r.rows);
    return rc;
}
