/*
 * catalog — shard-map versions kept in a MySQL/MariaDB database shared by
 * every router and by shardctl, so that they agree on one history (MySQL
 * replication of that database, not a consensus protocol of our own, is
 * what makes several routers see the same thing).
 *
 * Two tables in the catalog schema (created by catalog_init if missing):
 *
 *   shardmap_versions (version BIGINT UNSIGNED PRIMARY KEY,
 *                      body MEDIUMTEXT NOT NULL,        -- the map file's text
 *                      created_at TIMESTAMP(6) NOT NULL,
 *                      comment VARCHAR(1024) NOT NULL)
 *   shardmap_routers  (router_id VARCHAR(128) PRIMARY KEY,
 *                      host VARCHAR(255) NOT NULL, pid INT NOT NULL,
 *                      version BIGINT UNSIGNED NOT NULL, -- the version it runs
 *                      started_at TIMESTAMP(6) NOT NULL,
 *                      heartbeat_at TIMESTAMP(6) NOT NULL)
 *
 * The body's own `version = N;` must equal the row's version (checked on
 * publish and on read). Calls block (plain libmariadb): shardctl uses them
 * directly; the router calls them from its own catalog thread, never from a
 * worker. Every error fills err with a sentence naming the catalog.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "shardmap.h"

/* Where the catalog is: "mysql://user:password@host:port/schema"
 * (password and port optional; %XX escapes allowed in user and password). */
struct catalog_dsn {
    char user[128];
    char password[256];
    char host[256];
    int port; /* default 3306 */
    char schema[65];
};

/* Parse a DSN. Returns 0, or -1 with err filled (what is wrong, an example). */
int catalog_parse_dsn(const char *text, struct catalog_dsn *dsn, char *err, size_t errlen);

/* "user@host:port/schema", never the password, for messages. */
void catalog_describe(const struct catalog_dsn *dsn, char *dst, size_t len);

struct catalog; /* an open connection */

/* Connect (timeout_ms for connect, read and write) and create the tables if
 * they are missing. NULL with err filled on failure. */
struct catalog *catalog_open(const struct catalog_dsn *dsn, int timeout_ms, char *err,
                             size_t errlen);
void catalog_close(struct catalog *cat);

/* The highest published version: *version (0 when none) and, if body is not
 * NULL, its text (malloc'd, the caller frees; NULL when none). 0 or -1. */
int catalog_latest(struct catalog *cat, uint64_t *version, char **body, char *err, size_t errlen);

/* The text of one version (malloc'd) or NULL with err filled. */
char *catalog_get(struct catalog *cat, uint64_t version, char *err, size_t errlen);

/* Publish map (validated by the caller) with its text and a comment:
 * refused (-1, err says which version is current) unless map->version is
 * greater than every published one; atomic against concurrent publishers. */
int catalog_publish(struct catalog *cat, const struct shardmap *map, const char *body,
                    const char *comment, char *err, size_t errlen);

struct catalog_version_row {
    uint64_t version;
    char created_at[32]; /* "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) */
    char comment[1025];
};

/* Versions, newest first, at most limit (0: all). Calls fn for each row;
 * returns 0 or -1. */
int catalog_history(struct catalog *cat, unsigned limit,
                    void (*fn)(void *ctx, const struct catalog_version_row *row), void *ctx,
                    char *err, size_t errlen);

/* A router says it is alive and which version it runs (insert or update). */
int catalog_heartbeat(struct catalog *cat, const char *router_id, const char *host, int pid,
                      uint64_t version, char *err, size_t errlen);

struct catalog_router_row {
    char router_id[129];
    char host[256];
    int pid;
    uint64_t version;
    char started_at[32];
    char heartbeat_at[32];
    double age_s; /* seconds since the last heartbeat, by the catalog's clock */
};

/* Routers that reported, by router_id. 0 or -1. */
int catalog_routers(struct catalog *cat,
                    void (*fn)(void *ctx, const struct catalog_router_row *row), void *ctx,
                    char *err, size_t errlen);

/* ---- additions (shardctl) ------------------------------------------------ */

/* "user@host:port/schema" of an open catalog, for messages; lives as long
 * as cat. */
const char *catalog_name(const struct catalog *cat);

/*
 * Fetch version (0: the latest), load it with shardmap_load_string and
 * check that its `version = N;` is the row's version. Returns a map with
 * refcount 1 (the caller drops it with shardmap_put) whose source is
 * "catalog user@host:port/schema version N", or NULL with err filled (no
 * such version, nothing published yet, invalid text, version mismatch).
 */
struct shardmap *catalog_load(struct catalog *cat, uint64_t version, char *err, size_t errlen);

#endif
