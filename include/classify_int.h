/*
 * classify_int.h — internals of the SQL classifier (router/classify*.c),
 * shared between its files and nothing else.
 *
 * Shape: one forward pass over the tokens of router/sqllex.c through a
 * lookahead ring, with a small recursive-descent structure for queries and
 * DML, an iterative expression scanner that notices what matters inside
 * expressions (function calls, subqueries, placeholders, user variables,
 * window functions), and a boolean parser for WHERE / ON that collects
 * shard-key pins and join equalities. Nothing is allocated; the parse state
 * lives on the stack inside classify().
 *
 *   classify.c         entry points, the two readings of version-dependent
 *                      executable comments and their merge, salvage after a
 *                      parse failure, the final consistency pass
 *   classify_kw.c      keyword / function-name table, cx_lex()
 *   classify_names.c   names, table references, literal values
 *   classify_stmt.c    dispatch on the first word; transactions, USE, SHOW,
 *                      EXPLAIN, LOCK, PREPARE, HANDLER, administration
 *   classify_select.c  queries: WITH, SELECT, set operations, FROM, merge info
 *   classify_expr.c    expressions; WHERE / ON pins and join equalities
 *   classify_dml.c     INSERT / REPLACE, UPDATE, DELETE, LOAD, CALL, DO
 *   classify_set.c     SET
 *   classify_ddl.c     CREATE / ALTER / DROP / TRUNCATE / RENAME, maintenance
 *   classify_split.c   cls_next_statement() and the compound-body tracker
 */
#ifndef CLASSIFY_INT_H
#define CLASSIFY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "sqllex.h"

/* ---- keywords and function names ---------------------------------------- */

/* Keyword flags (struct ctok.kwf). */
#define KWF_RESERVED 0x01 /* not a bare alias / column; ends an expression */
#define KWF_OPERAND 0x02  /* reserved but an operand: NULL, TRUE, CURRENT_DATE... */
#define KWF_CLAUSE 0x04   /* ends a shard-key predicate: GROUP, ORDER, LIMIT, JOIN... */
#define KWF_UNIT 0x08     /* interval unit: DAY, HOUR_MINUTE... */
#define KWF_NOALIAS 0x10  /* not taken for a bare alias although not reserved */
#define KWF_INTRO 0x20    /* charset introducer: _utf8mb4, _binary... */

/* Function classes (struct ctok.fn): what a call of the name means. */
enum kw_fn {
    FN_NONE = 0, /* not a built-in: a call is a stored function or UDF */
    FN_PLAIN,    /* built-in without side effects (also type names) */
    FN_COUNT,    /* aggregates the merge step understands */
    FN_SUM,
    FN_MIN,
    FN_MAX,
    FN_AVG,
    FN_AGG_OTHER, /* GROUP_CONCAT, STDDEV, BIT_AND, JSON_ARRAYAGG, ... */
    FN_LOCK,      /* GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS */
    FN_LOCK_INFO, /* IS_FREE_LOCK, IS_USED_LOCK: read the primary's lock state */
    FN_SEQ,       /* NEXTVAL, SETVAL: write a sequence */
    FN_DEPENDS,   /* LAST_INSERT_ID, FOUND_ROWS, ROW_COUNT, LASTVAL */
    FN_SLEEP,     /* SLEEP: a side effect, but any server will do */
    FN_NOTFN,     /* a keyword followed by '(' that is not a call: AGAINST, ANY... */
};

#define R KWF_RESERVED
#define O KWF_OPERAND
#define C KWF_CLAUSE
#define N KWF_NOALIAS
/* Words the parser checks by identity: X(name, flags, function class). The
 * rest (built-in functions, other reserved words, interval units, charset
 * introducers) is in classify_kw.c without an id of its own. */
#define KW_LIST(X)                                                                                 \
    X(SELECT, R, 0)                                                                                \
    X(INSERT, R, FN_PLAIN)                                                                         \
    X(REPLACE, R, FN_PLAIN)                                                                        \
    X(UPDATE, R, 0)                                                                                \
    X(DELETE, R, 0)                                                                                \
    X(WITH, R, 0)                                                                                  \
    X(VALUES, R, FN_PLAIN)                                                                         \
    X(VALUE, 0, 0)                                                                                 \
    X(TABLE, R, 0)                                                                                 \
    X(SET, R | C, 0)                                                                               \
    X(USE, R, 0)                                                                                   \
    X(SHOW, R, 0)                                                                                  \
    X(BEGIN, 0, 0)                                                                                 \
    X(START, 0, 0)                                                                                 \
    X(COMMIT, 0, 0)                                                                                \
    X(ROLLBACK, 0, 0)                                                                              \
    X(SAVEPOINT, 0, 0)                                                                             \
    X(RELEASE, R, 0)                                                                               \
    X(XA, 0, 0)                                                                                    \
    X(CREATE, R, 0)                                                                                \
    X(ALTER, R, 0)                                                                                 \
    X(DROP, R, 0)                                                                                  \
    X(TRUNCATE, 0, FN_PLAIN)                                                                       \
    X(RENAME, R, 0)                                                                                \
    X(LOCK, R | C, 0)                                                                              \
    X(UNLOCK, R, 0)                                                                                \
    X(CALL, R, 0)                                                                                  \
    X(PREPARE, 0, 0)                                                                               \
    X(EXECUTE, 0, 0)                                                                               \
    X(DEALLOCATE, 0, 0)                                                                            \
    X(LOAD, R, 0)                                                                                  \
    X(DO, 0, 0)                                                                                    \
    X(DESCRIBE, R, 0)                                                                              \
    X(DESC, R, 0)                                                                                  \
    X(EXPLAIN, R, 0)                                                                               \
    X(KILL, R, 0)                                                                                  \
    X(GRANT, R, 0)                                                                                 \
    X(REVOKE, R, 0)                                                                                \
    X(ANALYZE, R, 0)                                                                               \
    X(OPTIMIZE, R, 0)                                                                              \
    X(REPAIR, 0, 0)                                                                                \
    X(CHECK, R, 0)                                                                                 \
    X(CHECKSUM, 0, 0)                                                                              \
    X(HANDLER, 0, 0)                                                                               \
    X(FLUSH, 0, 0)                                                                                 \
    X(HELP, 0, 0)                                                                                  \
    X(BINLOG, 0, 0)                                                                                \
    X(CACHE, 0, 0)                                                                                 \
    X(CHANGE, R, 0)                                                                                \
    X(PURGE, R, 0)                                                                                 \
    X(RESET, 0, 0)                                                                                 \
    X(INSTALL, 0, 0)                                                                               \
    X(UNINSTALL, 0, 0)                                                                             \
    X(SHUTDOWN, 0, 0)                                                                              \
    X(RESTART, 0, 0)                                                                               \
    X(STOP, 0, 0)                                                                                  \
    X(SIGNAL, R, 0)                                                                                \
    X(RESIGNAL, R, 0)                                                                              \
    X(GET, R, 0)                                                                                   \
    X(BACKUP, 0, 0)                                                                                \
    X(CLONE, 0, 0)                                                                                 \
    X(IMPORT, 0, 0)                                                                                \
    X(IF, R, FN_PLAIN)                                                                             \
    X(WHILE, R, 0)                                                                                 \
    X(LOOP, R, 0)                                                                                  \
    X(REPEAT, R, FN_PLAIN)                                                                         \
    X(CASE, R | O, 0)                                                                              \
    X(FOR, R | C, 0)                                                                               \
    X(FROM, R | C, 0)                                                                              \
    X(WHERE, R | C, 0)                                                                             \
    X(GROUP, R | C, 0)                                                                             \
    X(HAVING, R | C, 0)                                                                            \
    X(ORDER, R | C, 0)                                                                             \
    X(LIMIT, R | C, 0)                                                                             \
    X(OFFSET, C | N, 0)                                                                            \
    X(FETCH, R | C, 0)                                                                             \
    X(UNION, R | C, 0)                                                                             \
    X(EXCEPT, R | C, 0)                                                                            \
    X(INTERSECT, R | C, 0)                                                                         \
    X(INTO, R | C, 0)                                                                              \
    X(WINDOW, R | C, 0)                                                                            \
    X(PROCEDURE, R | C, 0)                                                                         \
    X(RETURNING, C | N, 0)                                                                         \
    X(BY, R, 0)                                                                                    \
    X(AS, R, 0)                                                                                    \
    X(ON, R | C, 0)                                                                                \
    X(USING, R | C, 0)                                                                             \
    X(JOIN, R | C, 0)                                                                              \
    X(INNER, R | C, 0)                                                                             \
    X(LEFT, R | C, FN_PLAIN)                                                                       \
    X(RIGHT, R | C, FN_PLAIN)                                                                      \
    X(CROSS, R | C, 0)                                                                             \
    X(NATURAL, R | C, 0)                                                                           \
    X(STRAIGHT_JOIN, R | C, 0)                                                                     \
    X(OUTER, R, 0)                                                                                 \
    X(DUAL, R, 0)                                                                                  \
    X(ALL, R, FN_NOTFN)                                                                            \
    X(DISTINCT, R, 0)                                                                              \
    X(DISTINCTROW, R, 0)                                                                           \
    X(HIGH_PRIORITY, R, 0)                                                                         \
    X(LOW_PRIORITY, R, 0)                                                                          \
    X(DELAYED, R, 0)                                                                               \
    X(QUICK, 0, 0)                                                                                 \
    X(IGNORE, R, 0)                                                                                \
    X(SQL_CALC_FOUND_ROWS, R, 0)                                                                   \
    X(SQL_SMALL_RESULT, R, 0)                                                                      \
    X(SQL_BIG_RESULT, R, 0)                                                                        \
    X(SQL_BUFFER_RESULT, 0, 0)                                                                     \
    X(SQL_NO_CACHE, 0, 0)                                                                          \
    X(SQL_CACHE, 0, 0)                                                                             \
    X(ASC, R, 0)                                                                                   \
    X(ROLLUP, 0, FN_PLAIN)                                                                         \
    X(RECURSIVE, R, 0)                                                                             \
    X(OVER, R, 0)                                                                                  \
    X(PARTITION, R, 0)                                                                             \
    X(INDEX, R, 0)                                                                                 \
    X(KEY, R, 0)                                                                                   \
    X(FORCE, R, 0)                                                                                 \
    X(SHARE, 0, 0)                                                                                 \
    X(MODE, 0, 0)                                                                                  \
    X(IN, R, 0)                                                                                    \
    X(NOWAIT, 0, 0)                                                                                \
    X(SKIP, 0, 0)                                                                                  \
    X(LOCKED, 0, 0)                                                                                \
    X(WAIT, 0, 0)                                                                                  \
    X(OF, 0, 0)                                                                                    \
    X(DUPLICATE, 0, 0)                                                                             \
    X(LATERAL, 0, 0)                                                                               \
    X(JSON_TABLE, 0, FN_PLAIN)                                                                     \
    X(OJ, 0, 0)                                                                                    \
    X(SYSTEM_TIME, 0, 0)                                                                           \
    X(ROWS, 0, 0)                                                                                  \
    X(ROW, 0, FN_PLAIN)                                                                            \
    X(FIRST, 0, 0)                                                                                 \
    X(NEXT, 0, 0)                                                                                  \
    X(PREVIOUS, 0, 0)                                                                              \
    X(ONLY, 0, 0)                                                                                  \
    X(EXAMINED, 0, 0)                                                                              \
    X(TIES, 0, 0)                                                                                  \
    X(RESTRICT, R, 0)                                                                              \
    X(CASCADE, R, 0)                                                                               \
    X(AND, R, 0)                                                                                   \
    X(OR, R, 0)                                                                                    \
    X(XOR, R, 0)                                                                                   \
    X(NOT, R | O, 0)                                                                               \
    X(IS, R, 0)                                                                                    \
    X(LIKE, R, 0)                                                                                  \
    X(REGEXP, R, 0)                                                                                \
    X(RLIKE, R, 0)                                                                                 \
    X(BETWEEN, R, 0)                                                                               \
    X(DIV, R, 0)                                                                                   \
    X(MOD, R, FN_PLAIN)                                                                            \
    X(COLLATE, R, 0)                                                                               \
    X(ESCAPE, 0, 0)                                                                                \
    X(SOUNDS, 0, 0)                                                                                \
    X(MEMBER, 0, 0)                                                                                \
    X(AGAINST, 0, FN_NOTFN)                                                                        \
    X(EXISTS, R | O, FN_NOTFN)                                                                     \
    X(BINARY, R | O, FN_PLAIN)                                                                     \
    X(INTERVAL, R | O, FN_PLAIN)                                                                   \
    X(NULL, R | O, 0)                                                                              \
    X(TRUE, R | O, 0)                                                                              \
    X(FALSE, R | O, 0)                                                                             \
    X(DEFAULT, R | O, FN_PLAIN)                                                                    \
    X(UNKNOWN, 0, 0)                                                                               \
    X(ANY, 0, FN_NOTFN)                                                                            \
    X(SOME, 0, FN_NOTFN)                                                                           \
    X(WHEN, R, 0)                                                                                  \
    X(THEN, R, 0)                                                                                  \
    X(ELSE, R, 0)                                                                                  \
    X(ELSEIF, R, 0)                                                                                \
    X(END, 0, 0)                                                                                   \
    X(MATCH, R, FN_PLAIN)                                                                          \
    X(WORK, 0, 0)                                                                                  \
    X(CHAIN, 0, 0)                                                                                 \
    X(NO, 0, 0)                                                                                    \
    X(TRANSACTION, 0, 0)                                                                           \
    X(READ, R, 0)                                                                                  \
    X(WRITE, R, 0)                                                                                 \
    X(CONSISTENT, 0, 0)                                                                            \
    X(SNAPSHOT, 0, 0)                                                                              \
    X(ISOLATION, 0, 0)                                                                             \
    X(LEVEL, 0, 0)                                                                                 \
    X(COMMITTED, 0, 0)                                                                             \
    X(UNCOMMITTED, 0, 0)                                                                           \
    X(REPEATABLE, 0, 0)                                                                            \
    X(SERIALIZABLE, 0, 0)                                                                          \
    X(GLOBAL, 0, 0)                                                                                \
    X(SESSION, 0, 0)                                                                               \
    X(LOCAL, 0, 0)                                                                                 \
    X(PERSIST, 0, 0)                                                                               \
    X(PERSIST_ONLY, 0, 0)                                                                          \
    X(NAMES, 0, 0)                                                                                 \
    X(CHARACTER, R, 0)                                                                             \
    X(CHARSET, 0, FN_PLAIN)                                                                        \
    X(PASSWORD, 0, FN_PLAIN)                                                                       \
    X(ROLE, 0, 0)                                                                                  \
    X(STATEMENT, 0, 0)                                                                             \
    X(TO, R, 0)                                                                                    \
    X(TABLES, 0, 0)                                                                                \
    X(TEMPORARY, 0, 0)                                                                             \
    X(VIEW, 0, 0)                                                                                  \
    X(TRIGGER, R, 0)                                                                               \
    X(EVENT, 0, 0)                                                                                 \
    X(FUNCTION, 0, 0)                                                                              \
    X(PACKAGE, 0, 0)                                                                               \
    X(SEQUENCE, 0, 0)                                                                              \
    X(USER, 0, FN_PLAIN)                                                                           \
    X(DATABASE, R, FN_PLAIN)                                                                       \
    X(SCHEMA, R, FN_PLAIN)                                                                         \
    X(UNIQUE, R, 0)                                                                                \
    X(FULLTEXT, R, 0)                                                                              \
    X(SPATIAL, R, 0)                                                                               \
    X(ALGORITHM, 0, 0)                                                                             \
    X(DEFINER, 0, 0)                                                                               \
    X(SQL, R, 0)                                                                                   \
    X(SECURITY, 0, 0)                                                                              \
    X(AGGREGATE, 0, 0)                                                                             \
    X(ONLINE, 0, 0)                                                                                \
    X(OFFLINE, 0, 0)                                                                               \
    X(REFERENCES, R, 0)                                                                            \
    X(EACH, R, 0)                                                                                  \
    X(ATOMIC, 0, 0)                                                                                \
    X(DATA, 0, 0)                                                                                  \
    X(XML, 0, 0)                                                                                   \
    X(INFILE, R, 0)                                                                                \
    X(CONCURRENT, 0, 0)                                                                            \
    X(OUTFILE, R, 0)                                                                               \
    X(DUMPFILE, 0, 0)                                                                              \
    X(FIELDS, 0, 0)                                                                                \
    X(COLUMNS, 0, FN_NOTFN)                                                                        \
    X(LINES, R, 0)                                                                                 \
    X(TERMINATED, R, 0)                                                                            \
    X(ENCLOSED, R, 0)                                                                              \
    X(ESCAPED, R, 0)                                                                               \
    X(OPTIONALLY, R, 0)                                                                            \
    X(STARTING, R, 0)                                                                              \
    X(WARNINGS, 0, 0)                                                                              \
    X(ERRORS, 0, 0)                                                                                \
    X(COUNT, 0, FN_COUNT)                                                                          \
    X(FULL, 0, 0)                                                                                  \
    X(EXTENDED, 0, 0)                                                                              \
    X(INDEXES, 0, 0)                                                                               \
    X(KEYS, R, 0)                                                                                  \
    X(PROFILE, 0, 0)                                                                               \
    X(PROFILES, 0, 0)                                                                              \
    X(IMMEDIATE, 0, 0)                                                                             \
    X(CONNECTION, 0, 0)                                                                            \
    X(FORMAT, 0, FN_PLAIN)                                                                         \
    X(PARTITIONS, 0, 0)                                                                            \
    X(DATE, 0, FN_PLAIN)                                                                           \
    X(TIME, 0, FN_PLAIN)                                                                           \
    X(TIMESTAMP, 0, FN_PLAIN)                                                                      \
    X(OPTION, R, 0)                                                                                \
    X(EXCHANGE, 0, 0)                                                                              \
    X(COLUMN, R, 0)                                                                                \
    X(DIAGNOSTICS, 0, 0)                                                                           \
    X(INSTANCE, 0, 0)                                                                              \
    X(DETERMINISTIC, R, 0)                                                                         \
    X(CASCADED, 0, 0)                                                                              \
    X(NO_WRITE_TO_BINLOG, R, 0)                                                                    \
    X(STATUS, 0, 0)                                                                                \
    X(TRANSACTIONAL, 0, 0)

enum kw_id {
    KW_NONE = 0,
#define KW_ENUM(n, f, fn) KW_##n,
    KW_LIST(KW_ENUM)
#undef KW_ENUM
        KW__COUNT
};
#undef R
#undef O
#undef C
#undef N

/* Initialise the keyword hash table (once; thread-safe). */
void kw_init(void);
/* Keyword id of a bare word p[0, len) of the text [start, end) (0: none);
 * case-insensitive. */
uint16_t kw_lookup(const char *p, size_t len, const char *start, const char *end, uint8_t *flags,
                   uint8_t *fn);

/* ---- tokens ------------------------------------------------------------- */

struct ctok {
    const char *p;
    uint32_t len;
    uint16_t kw;    /* enum kw_id or a function-name id; 0 for other tokens */
    uint16_t param; /* index of a ? placeholder */
    uint8_t type;   /* enum sqltok_type; an error is reported as EOF */
    uint8_t kwf;    /* KWF_* */
    uint8_t fn;     /* enum kw_fn */
};

static inline bool tok_punct(const struct ctok *t, char c)
{
    return t->type == SQLTOK_PUNCT && t->len == 1 && t->p[0] == c;
}

static inline bool tok_punct2(const struct ctok *t, const char *s)
{
    return t->type == SQLTOK_PUNCT && t->len == 2 && t->p[0] == s[0] && t->p[1] == s[1];
}

static inline bool tok_end(const struct ctok *t)
{
    return t->type == SQLTOK_EOF || t->type == SQLTOK_SEMI;
}

static inline bool tok_name(const struct ctok *t)
{
    return t->type == SQLTOK_QIDENT || (t->type == SQLTOK_IDENT && !(t->kwf & KWF_RESERVED));
}

static inline struct cls_span tok_span(const struct ctok *t)
{
    struct cls_span s = {t->p, t->len};
    return s;
}

/*
 * Compound-statement tracker: follows BEGIN ... END, IF ... END IF, CASE,
 * LOOP, WHILE, REPEAT, FOR nesting of stored-program bodies so that the
 * ';' inside them do not end the statement. Used by cls_next_statement()
 * and to skip bodies inside classify().
 */
struct blkt {
    int16_t depth;
    uint8_t ntok; /* tokens of this statement so far (saturates) */
    uint8_t create_scan;
    bool compound;
    bool pending_begin;
    bool pending_label;
    bool stmt_start;
    bool after_end;
    uint32_t casexpr; /* bit d: the block at depth d+1 is a CASE expression */
};

void blkt_init(struct blkt *b, bool compound);
/* Feed one token other than EOF. Returns true for a ';' that ends the
 * statement. */
bool blkt_feed(struct blkt *b, const struct ctok *t);

/* ---- parser context ----------------------------------------------------- */

#define CX_LA 16      /* lookahead ring (power of two) */
#define CX_MAX_CTE 16 /* CTE names in scope */
#define CX_MAX_DEPTH 40
#define CX_NAME_MAX 260 /* unquoted name buffer: 64 characters of 4 bytes, and more */

struct cx {
    struct cls *out;
    struct sqllex lx;
    unsigned lexflags;
    cls_lookup_fn lookup;
    void *ctx;
    struct ctok la[CX_LA];
    uint8_t head, n;
    bool dead; /* after a parse failure: the stream is EOF (lookahead parked) */
    uint8_t nparked;
    bool merge;   /* the statement's top-level query records merge information */
    bool paren;   /* the top-level query is parenthesized or a set operation: no
                     rewrite positions (cls.items_end, ...) */
    uint8_t nest; /* > 0 inside a subquery, derived table or CTE body */
    uint8_t depth;
    uint8_t ncte;
    uint16_t nparams;
    const char *prev_end; /* end of the last consumed token */
    const char *sql;      /* the statement text */
    struct cls_span cte[CX_MAX_CTE];
    struct ctok parked[CX_LA];
};

/* Lex one more token into the lookahead ring (EOF once dead). */
void cx_lex(struct cx *cx);

/* Token k ahead (0: the next one). k < CX_LA. */
static inline const struct ctok *pk(struct cx *cx, unsigned k)
{
    while (cx->n <= k)
        cx_lex(cx);
    return &cx->la[(cx->head + k) & (CX_LA - 1)];
}

/* Consume the next token. */
static inline void adv(struct cx *cx)
{
    const struct ctok *t = pk(cx, 0);
    cx->prev_end = t->p + t->len;
    cx->head = (uint8_t)((cx->head + 1) & (CX_LA - 1));
    cx->n--;
}

static inline bool is_kw(struct cx *cx, unsigned k, enum kw_id kw)
{
    return pk(cx, k)->kw == kw;
}

/* Consume the next token if it is keyword kw. */
static inline bool accept(struct cx *cx, enum kw_id kw)
{
    if (pk(cx, 0)->kw != kw)
        return false;
    adv(cx);
    return true;
}

static inline bool accept_punct(struct cx *cx, char c)
{
    if (!tok_punct(pk(cx, 0), c))
        return false;
    adv(cx);
    return true;
}

/* Not fully understood: mark partial (the first reason stays). */
void cx_partial(struct cx *cx, const char *why);
/* ... and stop parsing: every later pk() is EOF until cx_revive(). */
void cx_fail(struct cx *cx, const char *why);
void cx_revive(struct cx *cx);
/* Recursion guard: false (and failed) when nested too deeply. */
bool cx_enter(struct cx *cx);
static inline void cx_leave(struct cx *cx)
{
    cx->depth--;
}
/* Record an unprovable construct (the first one's text is kept). */
void cx_unprov(struct cx *cx, uint32_t bit, struct cls_span at);
/* Expect keyword kw (else fail). */
bool expect(struct cx *cx, enum kw_id kw);
bool expect_punct(struct cx *cx, char c);

/* ---- names and tables --------------------------------------------------- */

bool name_eq(struct cls_span a, struct cls_span b);
bool name_eq_str(struct cls_span a, const char *s);
/* A possibly qualified table name [schema.]name. false when absent. */
bool parse_tname(struct cx *cx, struct cls_span *schema, struct cls_span *name);
/* Record a table reference (CTE check, lookup). Returns its index or -1. */
int cx_add_table(struct cx *cx, struct cls_span schema, struct cls_span name, uint16_t flags);
/* Record the default-database-only entry of USE / CREATE DATABASE. */
void cx_add_schema(struct cx *cx, struct cls_span schema, uint16_t flags);
/* A bare or AS alias after a table or derived table; empty span if none. */
struct cls_span parse_alias(struct cx *cx);

/* ---- values ------------------------------------------------------------- */

/* If the tokens from k on are a literal, placeholder or NULL (with an
 * optional adjacent sign or a charset introducer), fill *v and return how
 * many tokens it takes (1 or 2); else 0. */
unsigned peek_value(struct cx *cx, unsigned k, struct cls_value *v);
/* Same value for sure (same type and text; integers compared as numbers)? */
bool cls_value_same(const struct cls_value *x, const struct cls_value *y);
/* Append a value (NULL when out of room: the caller decides). */
struct cls_value *cx_add_value(struct cx *cx);

/* ---- expressions -------------------------------------------------------- */

#define XS_STOP_BOOL 0x1 /* stop at AND / OR / XOR / && / || at the top level */
#define XS_AFTER 0x2     /* start after an operand */
#define XS_INSIDE 0x4    /* start inside one open parenthesis */
#define XS_BETWEEN 0x8   /* start inside BETWEEN: its AND belongs to the expression */

#define XI_AGGS 8
struct xagg {
    struct cls_span call; /* SUM(x) */
    struct cls_span arg;  /* x */
    enum cls_agg kind;
    bool distinct;
    bool windowed; /* followed by OVER: a window function, not an aggregate */
};

/* What an expression contained (only collected when a struct is passed). */
struct xinfo {
    uint8_t naggs; /* aggregate calls met (may exceed XI_AGGS) */
    struct xagg agg[XI_AGGS];
    bool star;     /* the expression is * or t.* */
    uint16_t nops; /* binary operators at the top level */
};

/* Scan one expression; stop at the first token that cannot continue it. */
void x_expr(struct cx *cx, unsigned mode, struct xinfo *xi);
/* A statement word no expression can hold (DELETE, CREATE, INSERT but not
 * INSERT(), ...)? */
bool x_stmt_word(struct cx *cx, const struct ctok *t);
/* Scan the rest of the statement as expressions (SHOW ... WHERE, ...). */
void x_rest(struct cx *cx);
/* Skip the rest of the statement: balanced, no analysis. */
void skip_rest(struct cx *cx);
/* Skip a compound body (BEGIN ... END with inner ';') to the end. */
void skip_body(struct cx *cx);
/* '(' then SELECT / WITH / VALUES ROW / TABLE name. */
bool query_start(struct cx *cx, unsigned k);
/* Parse a parenthesized subquery at '(' (sets the subquery flags). */
void x_subquery(struct cx *cx);

/* ---- WHERE / ON: shard-key pins and join equalities --------------------- */

#define BLK_EDGES 16
/* One query block (SELECT, UPDATE, DELETE): its FROM tables. */
struct blk {
    uint8_t ntabs;
    uint8_t nfactors; /* FROM items, derived tables included */
    uint8_t nedges;
    bool outer; /* the statement's outermost SELECT: merge information */
    uint8_t tabs[CLS_MAX_TABLES];
    uint8_t edges[BLK_EDGES][2];
};

#define SUM_PINS 8
struct sum {
    uint8_t npins, nedges;
    struct {
        uint8_t t;
        uint16_t first, count;
        struct cls_span span; /* the one predicate's list / literal (cls_table.pin_span) */
    } pin[SUM_PINS];
    uint8_t edge[BLK_EDGES][2];
};

/* Parse a search condition; pins and edges of its top-level conjunction. */
void w_cond(struct cx *cx, struct blk *b, struct sum *out);
/* WHERE: pin the block's tables and add its equalities. */
void w_where(struct cx *cx, struct blk *b);
void blk_add_edges(struct blk *b, const struct sum *s);
/* Tables of the block joined on their keys? (else CLS_U_JOIN_KEYS) */
void blk_check_joins(struct cx *cx, struct blk *b);

struct colref {
    uint8_t nparts;
    struct cls_span part[3]; /* [schema.][table.]column */
};
/* Tokens of a column reference from k on (0: none). */
unsigned peek_colref(struct cx *cx, unsigned k, struct colref *cr);
/* The block's table a column reference belongs to, or -1. */
int blk_resolve(struct cx *cx, const struct blk *b, const struct colref *cr);
/* Is the column the shard key of table ti? */
bool col_is_key(struct cx *cx, int ti, const struct colref *cr);

/* ---- queries (classify_select.c) ---------------------------------------- */

void q_query(struct cx *cx, bool outer);
void q_with(struct cx *cx);
void q_table_refs(struct cx *cx, struct blk *b);
void q_items(struct cx *cx, bool outer);
void q_order(struct cx *cx, bool outer, bool group);
void q_limit(struct cx *cx, bool outer);

/* ---- statements (classify_dml.c, classify_stmt.c, classify_ddl.c) ------- */

void st_statement(struct cx *cx);
void s_insert(struct cx *cx);
void s_update(struct cx *cx);
void s_delete(struct cx *cx);
void s_load(struct cx *cx);
void s_call(struct cx *cx);
void s_do(struct cx *cx);
void s_set(struct cx *cx);
void s_create(struct cx *cx);
void s_alter(struct cx *cx);
void s_drop(struct cx *cx);
void s_truncate(struct cx *cx);
void s_rename(struct cx *cx);
void s_table_maint(struct cx *cx);

#endif
