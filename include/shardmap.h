/*
 * shardmap — the versioned shard map: which keyspaces exist, which tables
 * are sharded on which column, and which shard (primary, replicas, schema)
 * owns which range of the 64-bit keyspace-id space.
 *
 * A loaded map is immutable and reference counted: the router takes a
 * reference per session (or per statement) with shardmap_get() and drops it
 * with shardmap_put(); the last put frees it. Nothing in this module does
 * network I/O; loading reads one file.
 */
#ifndef SHARDMAP_H
#define SHARDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum shardmap_hash {
    SHARDMAP_HASH_XXH3 = 0, /* XXH3_64bits, seed 0 (default) */
    SHARDMAP_HASH_XXH64,    /* XXH64, seed 0 */
};

/* A server address as written in the map: "host:port" or "[v6]:port". */
struct shardmap_addr {
    char host[256];
    int port;
    int weight; /* replicas: share of the reads (1 to 1000; 0 in other addresses means 1) */
    int hidx1;  /* the router's: its server's health table index + 1, once known (atomic) */
};

/* One shard: owns keyspace ids in [start, end) where end == 0 with
 * end_max set means "up to and including 2^64-1". */
struct shardmap_shard {
    char *name;  /* "<keyspace>/<range>", e.g. "app/-80", "main/-" */
    char *range; /* as written: "-80", "80-c0", "c0-", "-" */
    uint64_t start;
    uint64_t end; /* exclusive; meaningless when end_max */
    bool end_max; /* range runs to the end of the id space */
    struct shardmap_addr primary;
    struct shardmap_addr *replicas;
    int nreplicas;
    char *schema; /* database name on the shard's servers */
};

enum shardmap_key_type {
    SHARDMAP_KEY_INT = 0, /* integer column (default): 42, '42', 42.0 agree */
    SHARDMAP_KEY_STRING,  /* character column: the value's bytes */
};

struct shardmap_table {
    char *name;
    char *key;                       /* shard-key column */
    enum shardmap_key_type key_type; /* "key_type" in the file, default "int" */
    bool key_ci;                     /* fold case of string keys before hashing */
    /* "sequence" in the file: where keys missing from INSERT rows come
     * from, a table of an unsharded keyspace (NULL: none). Integer keys. */
    char *seq_keyspace, *seq_table;
};

/* What a transaction that would touch several shards does (per keyspace). */
enum shardmap_xshard {
    SHARDMAP_XSHARD_REFUSE = 0,  /* ERR at the statement that would cross (default) */
    SHARDMAP_XSHARD_BEST_EFFORT, /* COMMIT on each shard; a failure names who committed */
    SHARDMAP_XSHARD_TWOPC,       /* XA on every shard: prepare all, record, commit all */
};

struct shardmap_keyspace {
    char *name; /* schema name clients use */
    bool sharded;
    enum shardmap_xshard cross_shard; /* sharded keyspaces: cross_shard_transactions */
    struct shardmap_table *tables;    /* sharded tables (sharded keyspaces only) */
    int ntables;
    char **reference_tables; /* copied on every shard */
    int nreference_tables;
    struct shardmap_shard *shards; /* sorted by start */
    int nshards;
    uint64_t *starts; /* shards[i].start, packed for the lookup's search */
};

struct shardmap {
    uint64_t version;
    enum shardmap_hash hash;
    struct shardmap_keyspace *keyspaces;
    int nkeyspaces;
    char *source;      /* file name it was loaded from (or a label) */
    int refcount;      /* atomic; use shardmap_get/put */
    bool has_replicas; /* some shard lists replicas */
};

/*
 * Load and validate a map from a libconfig file. On success returns a map
 * with refcount 1 (caller owns one reference). On failure returns NULL and
 * writes into err a sentence naming the file, the line where libconfig
 * knows it, and what to fix.
 */
struct shardmap *shardmap_load_file(const char *path, char *err, size_t errlen);

/* The text of a map file as shardmap_load_file reads it (at most 64 MiB,
 * no NUL byte): malloc'd, the caller frees; NULL with err filled. Used to
 * publish a file's exact text. */
char *shardmap_read_file(const char *path, char *err, size_t errlen);

/* The same from text in memory; name is used in error messages. */
struct shardmap *shardmap_load_string(const char *text, const char *name, char *err, size_t errlen);

/* Take / drop a reference (thread-safe). shardmap_put(NULL) is a no-op. */
struct shardmap *shardmap_get(struct shardmap *map);
void shardmap_put(struct shardmap *map);

/* Keyspace by exact name, or NULL. */
const struct shardmap_keyspace *shardmap_keyspace(const struct shardmap *map, const char *name);

/* Sharded table of a keyspace by name (case-insensitive like MySQL table
 * names on Linux are not; we compare exactly), or NULL. */
const struct shardmap_table *shardmap_table(const struct shardmap_keyspace *ks, const char *name);

/* True if name is a reference table of ks. */
bool shardmap_is_reference(const struct shardmap_keyspace *ks, const char *name);

/* Shard owning keyspace id ksid (binary search over range starts; no
 * allocation). For an unsharded keyspace, its single shard. */
const struct shardmap_shard *shardmap_lookup(const struct shardmap_keyspace *ks, uint64_t ksid);

/* Keyspace ids. Integers hash their 8-byte big-endian two's complement;
 * strings hash their bytes (ASCII-case-folded first when ci). */
uint64_t shardmap_ksid_int(const struct shardmap *map, int64_t v);
uint64_t shardmap_ksid_str(const struct shardmap *map, const char *s, size_t len, bool ci);

/*
 * Keyspace id of a literal as it appears in SQL, for the key of table t.
 * For an integer key, text must be an integer ("42", "-7"), or a decimal with
 * a zero fraction ("42.0"), possibly given as a string literal's contents
 * ("42"): anything else returns -1 (the caller cannot route by it). For a
 * string key, the bytes are hashed (case-folded when t->key_ci). Returns 0
 * and sets *ksid.
 */
int shardmap_ksid_literal(const struct shardmap *map, const struct shardmap_table *t,
                          const char *text, size_t len, uint64_t *ksid);

/* Parse "host:port" / "[v6]:port". Returns 0, or -1 with err filled. */
int shardmap_parse_addr(const char *text, struct shardmap_addr *out, char *err, size_t errlen);

/* Write an address as the file does: "host:port", "[v6]:port". Always
 * NUL-terminates buf; SHARDMAP_ADDR_MAX bytes suffice. */
#define SHARDMAP_ADDR_MAX 272
void shardmap_format_addr(const struct shardmap_addr *a, char *buf, size_t len);

/* Parse a range like "-80", "80-c0", "c0-", "-" or "". Returns 0 or -1. */
int shardmap_parse_range(const char *text, uint64_t *start, uint64_t *end, bool *end_max, char *err,
                         size_t errlen);

/* Write the map back in the file format (the same text shardmap_load_*
 * accepts). Returns a malloc'd string the caller frees, or NULL. */
char *shardmap_to_string(const struct shardmap *map);

/* "xxh3" or "xxh64": the name the file format uses. */
const char *shardmap_hash_name(enum shardmap_hash hash);

/*
 * Write the range [start, end) (end_max: to the end of the id space) in the
 * file's notation, bounds as left-justified hex with trailing zero bytes
 * dropped: "-80", "40-80", "c0-", "0123456789abcdef-", "-" for the whole
 * space. buf of SHARDMAP_RANGE_MAX bytes always suffices.
 */
#define SHARDMAP_RANGE_MAX 34
void shardmap_format_range(uint64_t start, uint64_t end, bool end_max, char *buf, size_t len);

/* ---- diff ---------------------------------------------------------------- */

enum shardmap_change_kind {
    SHARDMAP_CHANGE_HASH = 0,          /* hash function changed: hash_a -> hash_b */
    SHARDMAP_CHANGE_KEYSPACE_ADDED,    /* ks_b */
    SHARDMAP_CHANGE_KEYSPACE_REMOVED,  /* ks_a */
    SHARDMAP_CHANGE_KEYSPACE_SHARDED,  /* sharded flag changed: ks_a, ks_b */
    SHARDMAP_CHANGE_TABLE_ADDED,       /* sharded table table_b */
    SHARDMAP_CHANGE_TABLE_REMOVED,     /* sharded table table_a */
    SHARDMAP_CHANGE_TABLE_KEY,         /* key, key_type or key_ci: table_a -> table_b */
    SHARDMAP_CHANGE_REFERENCE_ADDED,   /* reference table `reference` */
    SHARDMAP_CHANGE_REFERENCE_REMOVED, /* reference table `reference` */
    SHARDMAP_CHANGE_RANGE_MOVED,       /* ids [start, end) now live elsewhere */
    SHARDMAP_CHANGE_SHARD_CHANGED,     /* ids [start, end) stay; shard changed in place */
    SHARDMAP_CHANGE_KEYSPACE_XSHARD,   /* cross_shard_transactions changed: ks_a, ks_b */
};

/* "refuse" / "best_effort" / "twopc" */
const char *shardmap_xshard_name(enum shardmap_xshard x);

/* What changed about a shard in place (SHARDMAP_CHANGE_SHARD_CHANGED). */
#define SHARDMAP_DIFF_RANGE 0x1    /* its range grew or shrank (split/merge in place) */
#define SHARDMAP_DIFF_PRIMARY 0x2  /* another primary, e.g. a failover to a replica */
#define SHARDMAP_DIFF_REPLICAS 0x4 /* replicas added, removed or replaced */

/*
 * One difference between map a (old) and map b (new). Pointers point into
 * a and b and are valid as long as those maps are; members not listed for a
 * kind are NULL / 0.
 *
 * Ranges: the diff refines both maps' range boundaries of a keyspace into
 * pieces, each owned by one shard of a (shard_a) and one of b (shard_b).
 * A piece's data stays where it is when shard_b has the same schema as
 * shard_a and shard_b's primary is shard_a's primary or one of its replicas
 * (so a failover is not a move); otherwise the piece MOVED from shard_a to
 * shard_b. A piece that stays but whose shard differs in range, primary or
 * replicas is SHARD_CHANGED (what says how). Each piece is the whole
 * intersection of one old and one new shard, so no two reported pieces
 * share both shards.
 */
struct shardmap_change {
    enum shardmap_change_kind kind;
    const char *keyspace; /* name; NULL for SHARDMAP_CHANGE_HASH */
    enum shardmap_hash hash_a, hash_b;
    const struct shardmap_keyspace *ks_a, *ks_b;
    const struct shardmap_table *table_a, *table_b;
    const char *reference;
    uint64_t start, end; /* the piece; end exclusive, meaningless when end_max */
    bool end_max;
    const struct shardmap_shard *shard_a, *shard_b;
    unsigned what; /* SHARDMAP_DIFF_* bits, SHARD_CHANGED only */
};

/*
 * Compare a (old) with b (new) and call fn once per difference, in this
 * order: hash, removed keyspaces, then per keyspace of b (in b's order):
 * added, sharded flag, tables removed / added / key changed, reference
 * tables removed / added, ranges in id order. The versions themselves are
 * not a difference. No allocation, no global state; fn may be NULL to just
 * count. Returns the number of differences (0: same content).
 */
int shardmap_diff(const struct shardmap *a, const struct shardmap *b,
                  void (*fn)(void *ctx, const struct shardmap_change *ch), void *ctx);

/* Stable lower-case name of a kind for scripts: "range_moved", ... */
const char *shardmap_change_kind_name(enum shardmap_change_kind kind);

/*
 * One sentence describing ch for a DBA, e.g. 'keyspace "app": range 40-80
 * (ids 4000000000000000..7fffffffffffffff) moved from app/-80 (primary
 * 127.0.0.1:3500, schema app) to app/40-80 (primary 127.0.0.1:3504, schema
 * app)'. Always NUL-terminates buf (truncating); 1024 bytes are plenty for
 * usual addresses.
 */
void shardmap_change_describe(const struct shardmap_change *ch, char *buf, size_t len);

#endif
