/*
 * classify — what one SQL statement is, what it touches and which shard
 * keys it pins. Pure: no I/O and no heap allocation. The result lives in a
 * caller's struct cls (one per session or worker, reused); spans point into
 * the statement text, which must outlive the result.
 *
 * The reading is conservative: whenever the classifier does not fully
 * understand a statement it sets CLS_F_PARTIAL (and says why), and a partial
 * statement must be treated as a write that goes to a primary and, on a
 * sharded table, as pinning no key (so the planner refuses it rather than
 * scattering or guessing).
 *
 * Multi-statement texts: cls_next_statement() splits them (on ';' outside
 * strings and comments; a BEGIN ... END compound body is one statement);
 * classify() takes one statement.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sqllex.h" /* SQLLEX_ANSI_QUOTES, SQLLEX_NO_BACKSLASH_ESCAPES */

/* Capacities of a struct cls (one per worker, so size is cheap). A
 * statement that needs more tables, values or SET assignments is PARTIAL
 * (reason "too many ..."), never truncated silently. More select items or
 * ORDER/GROUP BY entries than fit only make the merge information
 * incomplete (CLS_U_TOO_MANY): routing to one shard is unaffected, a
 * cross-shard merge is refused. */
#define CLS_MAX_TABLES 32
#define CLS_MAX_VALUES 8192 /* key values over all tables (IN lists, VALUES rows) */
#define CLS_MAX_ITEMS 128   /* select-list items */
#define CLS_MAX_ORDER 16    /* ORDER BY / GROUP BY entries each */
#define CLS_MAX_SETS 16     /* assignments of one SET statement */

/* Text as written in the statement (quotes included for quoted names and
 * strings). len 0 / p NULL: absent. */
struct cls_span {
    const char *p;
    uint32_t len;
};

enum cls_kind {
    CLS_OTHER = 0, /* understood as "something else": see flags for primary/write */
    CLS_SELECT,    /* also TABLE t, VALUES (...), WITH ... SELECT, (SELECT ...) UNION ... */
    CLS_INSERT,
    CLS_REPLACE,
    CLS_UPDATE,
    CLS_DELETE,
    CLS_BEGIN,             /* BEGIN [WORK], START TRANSACTION [characteristics] */
    CLS_COMMIT,            /* COMMIT [WORK] [AND [NO] CHAIN] [[NO] RELEASE] */
    CLS_ROLLBACK,          /* ROLLBACK [WORK] ... (not TO SAVEPOINT) */
    CLS_SAVEPOINT,         /* SAVEPOINT x */
    CLS_ROLLBACK_TO,       /* ROLLBACK [WORK] TO [SAVEPOINT] x */
    CLS_RELEASE_SAVEPOINT, /* RELEASE SAVEPOINT x */
    CLS_XA,                /* XA START/END/PREPARE/COMMIT/ROLLBACK/RECOVER */
    CLS_SET,               /* SET ... (see sets[] and session) */
    CLS_USE,               /* USE db (db in tables[0].schema) */
    CLS_SHOW,
    CLS_DDL, /* CREATE/ALTER/DROP/TRUNCATE/RENAME (see ddl_object) */
    CLS_LOCK_TABLES,
    CLS_UNLOCK_TABLES,
    CLS_CALL,
    CLS_PREPARE,    /* SQL-level PREPARE name FROM ... */
    CLS_EXECUTE,    /* SQL-level EXECUTE name [USING ...] */
    CLS_DEALLOCATE, /* DEALLOCATE | DROP PREPARE name */
    CLS_LOAD_DATA,  /* LOAD DATA / LOAD XML ([LOCAL] in flags) */
    CLS_DO,
    CLS_EXPLAIN, /* EXPLAIN/DESCRIBE/DESC of a statement or a table */
    CLS_KILL,
    CLS_EMPTY, /* only comments / whitespace */
    CLS_KIND_COUNT
};

/* flags: how to route */
#define CLS_F_WRITE (1u << 0)          /* changes data, schema or server state */
#define CLS_F_PRIMARY (1u << 1)        /* must run on a primary (implied by WRITE/PARTIAL) */
#define CLS_F_PARTIAL (1u << 2)        /* not fully understood: see why */
#define CLS_F_LOCKING_READ (1u << 3)   /* FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE */
#define CLS_F_INTO (1u << 4)           /* SELECT ... INTO @var / OUTFILE / DUMPFILE */
#define CLS_F_SIDE_EFFECT_FN (1u << 5) /* GET_LOCK, RELEASE_LOCK, NEXTVAL, SLEEP?, ... */
#define CLS_F_LOCAL (1u << 6)          /* LOAD DATA LOCAL */
#define CLS_F_TX_READ_ONLY (1u << 7)   /* START TRANSACTION READ ONLY */
#define CLS_F_TX_READ_WRITE (1u << 8)
#define CLS_F_TX_SNAPSHOT (1u << 9)    /* WITH CONSISTENT SNAPSHOT */
#define CLS_F_INSERT_SELECT (1u << 10) /* INSERT/REPLACE ... SELECT */
#define CLS_F_NO_COLUMN_LIST                                                                       \
    (1u << 11) /* INSERT without a column list (key by table order: refuse) */
#define CLS_F_ON_DUP_SETS_KEY (1u << 12) /* ON DUPLICATE KEY UPDATE assigns a shard-key column */
#define CLS_F_SETS_KEY (1u << 13)        /* UPDATE ... SET assigns a shard-key column */
#define CLS_F_SUBQUERY (1u << 14)        /* has a subquery or derived table */
#define CLS_F_CTE (1u << 15)             /* has WITH */
#define CLS_F_UNION (1u << 16)           /* UNION / INTERSECT / EXCEPT */
#define CLS_F_JOIN (1u << 17)            /* more than one table in FROM */
#define CLS_F_HAS_PARAMS (1u << 18)      /* contains ? placeholders */
#define CLS_F_TEMPORARY (1u << 19)       /* CREATE/DROP TEMPORARY TABLE */
#define CLS_F_ON_DUP_UPDATE (1u << 20)   /* INSERT ... ON DUPLICATE KEY UPDATE */
#define CLS_F_IGNORE (1u << 21)          /* INSERT/UPDATE/DELETE IGNORE */
#define CLS_F_DML_LIMIT (1u << 22)       /* UPDATE / DELETE ... LIMIT n */
#define CLS_F_RETURNING (1u << 23) /* INSERT / REPLACE / DELETE ... RETURNING (a result set) */

/* session: what the statement does to the connection's session state (the
 * pooling layer replays some and pins the session for others) */
#define CLS_S_SYSVAR                                                                               \
    (1u << 0) /* SET [SESSION|LOCAL|@@session.] var = ...: replayable, see sets[] */
#define CLS_S_GLOBAL (1u << 1)       /* SET GLOBAL / PERSIST: server-wide */
#define CLS_S_NAMES (1u << 2)        /* SET NAMES / CHARACTER SET / CHARSET */
#define CLS_S_AUTOCOMMIT (1u << 3)   /* SET autocommit = ... */
#define CLS_S_TX_CHARS (1u << 4)     /* SET [SESSION] TRANSACTION ISOLATION / READ ONLY|WRITE */
#define CLS_S_NEXT_TX (1u << 5)      /* SET TRANSACTION ... without scope: next transaction only */
#define CLS_S_USER_VAR (1u << 6)     /* writes a user variable (SET @x, := , INTO @x): pins */
#define CLS_S_TEMP_TABLE (1u << 7)   /* creates/drops a temporary table: pins */
#define CLS_S_LOCK (1u << 8)         /* GET_LOCK / RELEASE_LOCK and friends: pins */
#define CLS_S_PREPARE (1u << 9)      /* SQL-level PREPARE/EXECUTE/DEALLOCATE: pins */
#define CLS_S_LOCK_TABLES (1u << 10) /* LOCK/UNLOCK TABLES, FLUSH TABLES WITH READ LOCK: pins */
#define CLS_S_DEPENDS                                                                              \
    (1u << 11) /* reads per-connection results: LAST_INSERT_ID(), FOUND_ROWS(), ROW_COUNT(),       \
                  @@identity, SQL_CALC_FOUND_ROWS */
#define CLS_S_USE (1u << 12) /* changes the default database */
#define CLS_S_TX_BEGIN                                                                             \
    (1u << 13) /* opens a transaction (BEGIN, START TRANSACTION, XA START, SET autocommit=0 does   \
                  not) */
#define CLS_S_TX_END                                                                               \
    (1u << 14) /* ends one (COMMIT, ROLLBACK, implicit commit of DDL/LOCK TABLES...) */
#define CLS_S_USER_VAR_READ (1u << 15) /* reads a user variable */
#define CLS_S_UNKNOWN                                                                              \
    (1u << 16) /* may change session state in a way not listed (partial SET, ...) */

enum cls_scope {
    CLS_SCOPE_DEFAULT = 0,
    CLS_SCOPE_SESSION,
    CLS_SCOPE_LOCAL,
    CLS_SCOPE_GLOBAL,
    CLS_SCOPE_PERSIST,
    CLS_SCOPE_USER /* @var */
};

/* One assignment of a SET statement. name: the variable as written without
 * @@ and scope words (e.g. "sql_mode"); for NAMES/CHARSET the name is
 * "names"/"charset" and value the charset (and COLLATE part). */
struct cls_set {
    enum cls_scope scope;
    struct cls_span name;
    struct cls_span value; /* the expression text */
};

/* tables[].flags */
#define CLS_T_TARGET (1u << 0)  /* written: INSERT/REPLACE/UPDATE/DELETE target, DDL object */
#define CLS_T_NESTED (1u << 1)  /* inside a subquery, derived table or CTE body */
#define CLS_T_CTE (1u << 2)     /* the name refers to a CTE of this statement, not a table */
#define CLS_T_SHARDED (1u << 3) /* the lookup said it is sharded; key in key_column */

struct cls_table {
    struct cls_span schema; /* empty: the session's default database */
    struct cls_span name;
    struct cls_span alias;
    uint16_t flags;
    const char *key_column; /* from the lookup, when CLS_T_SHARDED */
    /* Shard-key values pinned for this table reference: values[first ..
     * first+count). pinned false: the statement constrains the key to no
     * finite set it could prove (scatter or refuse). For INSERT/REPLACE the
     * values are one per row, in row order. */
    bool pinned;
    uint16_t first;
    uint16_t count;
    /* When exactly one predicate of the WHERE's top-level conjunction
     * pinned the table: for `key IN (list)` the list between the
     * parentheses, whose elements are values[first ..] in order (a planner
     * can narrow it per shard); for `key = v` the literal as written
     * (introducer or sign included). Empty when the pin came from several
     * predicates (AND / OR), from INSERT rows, or was lost. */
    struct cls_span pin_span;
};

enum cls_value_type {
    CLS_V_INT,    /* integer literal, possibly negative */
    CLS_V_DEC,    /* decimal or float literal */
    CLS_V_STRING, /* string literal (quotes included in text; introducer dropped) */
    CLS_V_HEX,    /* 0x.. / X'..' / b'..' */
    CLS_V_PARAM,  /* ? placeholder; param = its 0-based index in the statement */
    CLS_V_NULL,
    CLS_V_OTHER,   /* an expression the classifier does not evaluate */
    CLS_V_MISSING, /* INSERT ... VALUES row of a sharded table whose column list lacks
                      the key: one per row, text empty, row set */
};

struct cls_value {
    enum cls_value_type type;
    uint16_t param;
    struct cls_span text;
    /* INSERT / REPLACE ... VALUES: the row this key value belongs to, from
     * its '(' (or the ROW word before it) to its ')'. Empty elsewhere. */
    struct cls_span row;
};

enum cls_agg {
    CLS_AGG_NONE = 0,
    CLS_AGG_COUNT_STAR,
    CLS_AGG_COUNT,
    CLS_AGG_SUM,
    CLS_AGG_MIN,
    CLS_AGG_MAX,
    CLS_AGG_AVG,
    CLS_AGG_OTHER /* GROUP_CONCAT, STDDEV, BIT_AND, ... */
};

/* One select-list item of the outermost SELECT. */
struct cls_item {
    struct cls_span expr;    /* the whole expression as written */
    struct cls_span alias;   /* AS name, if any */
    enum cls_agg agg;        /* the item is exactly one aggregate call (else NONE; an
                                aggregate nested in an expression sets CLS_U_AGG_EXPR) */
    bool agg_distinct;       /* COUNT(DISTINCT ...) etc. */
    struct cls_span agg_arg; /* argument text of the aggregate */
    bool star;               /* the item is * or t.* */
};

struct cls_order {
    struct cls_span expr;
    uint16_t position; /* ORDER BY 2: 2 (1-based); 0 when an expression */
    bool desc;
};

/* Constructs that make a cross-shard answer unprovable (bits of unprovable);
 * unprovable_at points at the first one met, for the error message. */
#define CLS_U_WINDOW (1u << 0)         /* OVER (...) */
#define CLS_U_LIMIT_SUBQUERY (1u << 1) /* LIMIT inside a subquery/derived table */
#define CLS_U_AGG_EXPR (1u << 2)       /* aggregate inside an expression: SUM(a)/COUNT(*) */
#define CLS_U_AGG_OTHER (1u << 3)      /* aggregate other than COUNT/SUM/MIN/MAX/AVG */
#define CLS_U_AGG_DISTINCT (1u << 4)   /* COUNT(DISTINCT ...), SUM(DISTINCT ...) */
#define CLS_U_SUBQUERY (1u << 5)       /* subquery in the select list / WHERE / FROM */
#define CLS_U_UNION (1u << 6)
#define CLS_U_JOIN_KEYS (1u << 7)   /* join of sharded tables not equated on their keys */
#define CLS_U_ORDER_EXPR (1u << 8)  /* ORDER BY / GROUP BY an expression not in the select list */
#define CLS_U_HAVING_EXPR (1u << 9) /* HAVING on something not in the select list */
#define CLS_U_LIMIT_EXPR (1u << 10) /* LIMIT with something other than literals/placeholders */
#define CLS_U_VARIABLES (1u << 11)  /* user variables in a multi-shard read */
#define CLS_U_ROLLUP (1u << 12)     /* WITH ROLLUP */
#define CLS_U_FOUND_ROWS (1u << 13) /* SQL_CALC_FOUND_ROWS */
#define CLS_U_TOO_MANY (1u << 14)   /* more items / ORDER / GROUP BY entries than CLS_MAX_* */
#define CLS_U_OUTER_JOIN                                                                           \
    (1u << 15) /* LEFT / RIGHT JOIN keeping rows of non-sharded tables only (reference, system)    \
                  with sharded tables on the other side: every shard would keep them */

struct cls {
    enum cls_kind kind;
    uint32_t flags;
    uint32_t session;
    const char *why;            /* PARTIAL reason, static string */
    struct cls_span ddl_object; /* CLS_DDL: TABLE, INDEX, DATABASE, VIEW, PROCEDURE, ... */

    uint16_t ntables;
    struct cls_table tables[CLS_MAX_TABLES];
    uint16_t nvalues;
    struct cls_value values[CLS_MAX_VALUES];
    uint16_t nparams; /* number of ? */

    uint16_t nsets;
    struct cls_set sets[CLS_MAX_SETS];

    /* UPDATE ... SET <key> = <literal> (CLS_F_SETS_KEY): the literal, when
     * the key is set once, to a literal alone; key_set_literal false
     * otherwise. */
    bool key_set_literal;
    struct cls_value key_set;
    /* INSERT / REPLACE: the column list from '(' to ')' (empty if none) */
    struct cls_span ins_cols;

    /* merge information (outermost SELECT) */
    bool distinct;
    uint16_t nitems;
    struct cls_item items[CLS_MAX_ITEMS];
    uint16_t ngroup;
    struct cls_order group[CLS_MAX_ORDER];
    struct cls_span having;
    uint16_t norder;
    struct cls_order order[CLS_MAX_ORDER];
    bool has_limit;
    struct cls_value limit;  /* row count */
    struct cls_value offset; /* CLS_V_NULL type when absent */
    uint32_t unprovable;
    struct cls_span unprovable_at;

    /* Where a planner may rewrite the outermost SELECT (set only for a
     * plain SELECT block, optionally after WITH; NULL / empty for a
     * parenthesized query or a set operation's tail):
     *   items_end     right after the last select item (and its alias):
     *                 where extra columns can be appended;
     *   order_at      right after the last token of FROM / WHERE / GROUP BY
     *                 / HAVING / WINDOW: where an ORDER BY would be inserted
     *                 when there is none;
     *   order_clause  ORDER BY ... through the last key's ASC/DESC;
     *   limit_clause  LIMIT ... / OFFSET ... / FETCH ...: from the first
     *                 word to the end of the last value (ROWS ONLY included). */
    const char *items_end;
    const char *order_at;
    struct cls_span order_clause;
    struct cls_span limit_clause;
};

/*
 * The caller's view of the shard map: is table `schema`.`name` (unquoted,
 * NUL-terminated; schema "" means the session's default database) sharded,
 * and on which column? Returns true and sets *key_column (a string that
 * outlives the result) when it is. May be NULL: then no table is sharded.
 */
typedef bool (*cls_lookup_fn)(void *ctx, const char *schema, const char *name,
                              const char **key_column);

/*
 * Classify one statement sql[0, len) (no trailing ';' needed; a single
 * trailing ';' is accepted). lexflags: SQLLEX_* from the session's sql_mode.
 * Always fills out (never fails); see CLS_F_PARTIAL.
 */
void classify(struct cls *out, const char *sql, size_t len, unsigned lexflags, cls_lookup_fn lookup,
              void *ctx);

/*
 * Split a multi-statement text: from *pos, find the next statement, set
 * *start and *stmt_len to it (without the ';'), advance *pos past it.
 * Returns 1 when a statement was found, 0 at the end, -1 when the rest does
 * not tokenize (unterminated string or comment).
 */
int cls_next_statement(const char *sql, size_t len, unsigned lexflags, size_t *pos, size_t *start,
                       size_t *stmt_len);

/* Copy a name span (`quoted` or bare, or "quoted" under ANSI_QUOTES) to dst
 * unquoted and NUL-terminated. Returns 0, or -1 if it does not fit. */
int cls_name(struct cls_span s, char *dst, size_t dstlen);

/* Do spans a and b hold the same tokens (ignoring blanks, comments, the
 * case of words and the quoting of names)? lexflags: SQLLEX_*. */
bool cls_span_same(struct cls_span a, struct cls_span b, unsigned lexflags);

/* Static names for messages and tests. */
const char *cls_kind_name(enum cls_kind k);
const char *cls_unprovable_name(uint32_t bit);

#endif
