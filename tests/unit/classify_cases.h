/*
 * classify_cases.h — the statement table of tests/unit/test_classify.c.
 *
 * Kept apart from the test so the fuzz harness can seed its corpus from it:
 * every cls_case_sets[i].cases[j].sql (with .lex as the lexer flags) and
 * every cls_split_cases[i].sql is a statement text worth starting from.
 *
 * The expectations are derived from MySQL 8.0 / MariaDB 10.x semantics and
 * from the contract in include/classify.h, never from running the
 * classifier. Where the contract leaves a choice open, the row accepts the
 * alternatives (see "~" in key specs below) and a comment says why.
 *
 * How a row is checked (tests/unit/test_classify.c):
 *  - kind: exact (CLS_CASE_ANY_KIND: not checked, e.g. multi-statement texts);
 *  - mu: flags that must be set; mn: flags that must not be set;
 *  - s / sn: session bits. By default session must EQUAL s; with the
 *    CLS_O_SESS_HAS option only "s all set, sn none set" is checked;
 *  - t[]: expected tables, in order of appearance; the list is compared
 *    exactly (count and order) for SELECT/INSERT/REPLACE/UPDATE/DELETE rows
 *    and for any row that lists tables, unless CLS_O_TAB_SUBSET (each
 *    expected table is found by schema+name+alias anywhere in the result) or
 *    CLS_O_TAB_ANY (not checked). Names are compared as written (quotes
 *    included, as the header says spans are). Table flags are compared
 *    exactly except the bits in .ign.
 *  - keys of a table ("key spec"):
 *      NULL      not checked (only allowed for tables not expected sharded)
 *      "*"       not checked on purpose
 *      "unpinned" pinned must be false
 *      ""        pinned with zero values (a contradiction like id=1 AND id=2)
 *      "a|b|c"   pinned, exactly these values in this order; a value's type
 *                is inferred from its text: ?N = placeholder number N (text
 *                "?"), NULL, 0x../0b../X'..'/b'..' = HEX, '..'/".." = STRING,
 *                -?digits = INT, other numbers = DEC, % = any CLS_V_OTHER
 *      "~spec"   spec, or unpinned (both are safe; the contract leaves it open)
 *  - u / un: unprovable bits that must / must not be set;
 *  - m: merge info of the outermost SELECT, compared exactly (items, distinct,
 *    group, having, order, limit/offset, unprovable) except parts in .skip;
 *  - st[0..ns): SET assignments (scope, name case-insensitively, value text);
 *  - ddl: ddl_object, case-insensitively.
 * Invariants checked on every row whatever it says: see test_classify.c.
 */
#ifndef CLASSIFY_CASES_H
#define CLASSIFY_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"

#define CLS_CASE_ANY_KIND CLS_KIND_COUNT
#define CLS_CASE_SCOPE_DS 100  /* CLS_SCOPE_DEFAULT or CLS_SCOPE_SESSION */
#define CLS_CASE_SCOPE_ANY 101 /* scope not checked */

/* cls_case.o */
#define CLS_O_SESS_HAS 0x01   /* session: s must be set, sn must not; others free */
#define CLS_O_TAB_SUBSET 0x02 /* tables: each expected one present, any order */
#define CLS_O_TAB_ANY 0x04    /* tables: not checked */
#define CLS_O_TAB_CHECK 0x08  /* tables: compared even if none listed */
#define CLS_O_NO_LOOKUP 0x10  /* classify with lookup == NULL */

/* cls_mexp.skip */
#define CLS_M_ITEMS 0x01
#define CLS_M_GROUP 0x02
#define CLS_M_HAVING 0x04
#define CLS_M_ORDER 0x08
#define CLS_M_LIMIT 0x10
#define CLS_M_U 0x20
#define CLS_M_DISTINCT 0x40

#define CLS_CASE_MAX_T 6
#define CLS_CASE_MAX_I 20
#define CLS_CASE_MAX_O 4
#define CLS_CASE_MAX_SETS 5

struct cls_texp {
    const char *schema; /* "" for none */
    const char *name;   /* NULL ends the list */
    const char *alias;  /* "" for none */
    uint16_t flags;     /* CLS_T_* */
    uint16_t ign;       /* CLS_T_* bits not compared */
    const char *keys;   /* key spec, see above */
};

struct cls_iexp {
    const char *expr; /* NULL ends the list */
    const char *alias;
    enum cls_agg agg;
    bool distinct;
    const char *arg; /* NULL: not checked */
    bool star;
};

struct cls_oexp {
    const char *expr; /* NULL ends the list */
    uint16_t position;
    bool desc;
};

struct cls_mexp {
    unsigned skip;
    bool distinct;
    struct cls_iexp items[CLS_CASE_MAX_I];
    struct cls_oexp group[CLS_CASE_MAX_O];
    const char *having; /* NULL: must be absent */
    struct cls_oexp order[CLS_CASE_MAX_O];
    const char *limit;  /* value spec; NULL: has_limit false */
    const char *offset; /* value spec; NULL: type CLS_V_NULL */
    uint32_t u;         /* exact unprovable bits */
};

struct cls_sexp {
    int scope;         /* enum cls_scope or CLS_CASE_SCOPE_* */
    const char *name;  /* NULL: not checked */
    const char *value; /* NULL: not checked */
};

struct cls_case {
    const char *sql;
    unsigned lex;
    enum cls_kind kind;
    uint32_t mu, mn; /* flags must / must not */
    uint32_t s, sn;  /* session */
    unsigned o;      /* CLS_O_* */
    struct cls_texp t[CLS_CASE_MAX_T];
    uint32_t u, un; /* unprovable must / must not */
    const struct cls_mexp *m;
    int ns; /* number of SET assignments expected (0: not checked) */
    struct cls_sexp st[CLS_CASE_MAX_SETS];
    const char *ddl;
};

struct cls_case_set {
    const char *name;
    const struct cls_case *cases;
    size_t n;
};

struct cls_split_case {
    const char *sql;
    unsigned lex;
    const char *stmts[8]; /* statements with tokens, whitespace-trimmed */
    int end;              /* what the last call returns: 0, or -1 */
};

/* ---- short names, #undef'd at the end of this file ---------------------- */

#define ANSI SQLLEX_ANSI_QUOTES
#define NOBS SQLLEX_NO_BACKSLASH_ESCAPES

#define OTH CLS_OTHER
#define SEL CLS_SELECT
#define INS CLS_INSERT
#define REP CLS_REPLACE
#define UPD CLS_UPDATE
#define DEL CLS_DELETE
#define BEG CLS_BEGIN
#define COM CLS_COMMIT
#define RBK CLS_ROLLBACK
#define SVP CLS_SAVEPOINT
#define RBT CLS_ROLLBACK_TO
#define RSP CLS_RELEASE_SAVEPOINT
#define XA_ CLS_XA
#define SET_ CLS_SET
#define USE_ CLS_USE
#define SHW CLS_SHOW
#define DDL_ CLS_DDL
#define LCK CLS_LOCK_TABLES
#define ULK CLS_UNLOCK_TABLES
#define CAL CLS_CALL
#define PRE CLS_PREPARE
#define EXE CLS_EXECUTE
#define DEA CLS_DEALLOCATE
#define LDD CLS_LOAD_DATA
#define DO_ CLS_DO
#define EXP CLS_EXPLAIN
#define KIL CLS_KILL
#define EMP CLS_EMPTY
#define ANYK CLS_CASE_ANY_KIND

#define W CLS_F_WRITE
#define P CLS_F_PRIMARY
#define PART CLS_F_PARTIAL
#define LR CLS_F_LOCKING_READ
#define INTO CLS_F_INTO
#define SFN CLS_F_SIDE_EFFECT_FN
#define LOC CLS_F_LOCAL
#define TRO CLS_F_TX_READ_ONLY
#define TRW CLS_F_TX_READ_WRITE
#define TSN CLS_F_TX_SNAPSHOT
#define ISEL CLS_F_INSERT_SELECT
#define NCL CLS_F_NO_COLUMN_LIST
#define ODK CLS_F_ON_DUP_SETS_KEY
#define SK CLS_F_SETS_KEY
#define SUBQ CLS_F_SUBQUERY
#define FCTE CLS_F_CTE
#define UNI CLS_F_UNION
#define JN CLS_F_JOIN
#define TMP CLS_F_TEMPORARY
#define ODU CLS_F_ON_DUP_UPDATE
#define IGN CLS_F_IGNORE
#define WP (W | P)
#define RO (W | P | PART)    /* must NOT be set on a plain read */
#define MULTI (W | P | PART) /* must be set on a text holding a hidden 2nd statement */

#define S_SYS CLS_S_SYSVAR
#define S_GLO CLS_S_GLOBAL
#define S_NAM CLS_S_NAMES
#define S_AC CLS_S_AUTOCOMMIT
#define S_TXC CLS_S_TX_CHARS
#define S_NTX CLS_S_NEXT_TX
#define S_UV CLS_S_USER_VAR
#define S_TT CLS_S_TEMP_TABLE
#define S_LK CLS_S_LOCK
#define S_PR CLS_S_PREPARE
#define S_LT CLS_S_LOCK_TABLES
#define S_DEP CLS_S_DEPENDS
#define S_USE CLS_S_USE
#define S_TB CLS_S_TX_BEGIN
#define S_TE CLS_S_TX_END
#define S_UVR CLS_S_USER_VAR_READ

#define SHAS CLS_O_SESS_HAS
#define TSUB CLS_O_TAB_SUBSET
#define TANY CLS_O_TAB_ANY
#define TCHK CLS_O_TAB_CHECK
#define NOLK CLS_O_NO_LOOKUP

#define TG CLS_T_TARGET
#define NS CLS_T_NESTED
#define CT CLS_T_CTE
#define SH CLS_T_SHARDED
#define TGS (CLS_T_TARGET | CLS_T_SHARDED)

#define U_WIN CLS_U_WINDOW
#define U_LSQ CLS_U_LIMIT_SUBQUERY
#define U_AEX CLS_U_AGG_EXPR
#define U_AOT CLS_U_AGG_OTHER
#define U_ADI CLS_U_AGG_DISTINCT
#define U_SUB CLS_U_SUBQUERY
#define U_UNI CLS_U_UNION
#define U_JK CLS_U_JOIN_KEYS
#define U_OEX CLS_U_ORDER_EXPR
#define U_HEX CLS_U_HAVING_EXPR
#define U_VAR CLS_U_VARIABLES
#define U_RUP CLS_U_ROLLUP
#define U_FR CLS_U_FOUND_ROWS

#define SC_DEF CLS_SCOPE_DEFAULT
#define SC_SES CLS_SCOPE_SESSION
#define SC_LOC CLS_SCOPE_LOCAL
#define SC_GLO CLS_SCOPE_GLOBAL
#define SC_PER CLS_SCOPE_PERSIST
#define SC_USR CLS_SCOPE_USER
#define SC_DS CLS_CASE_SCOPE_DS
#define SC_ANY CLS_CASE_SCOPE_ANY

#define T(n, f, k)                                                                                 \
    {                                                                                              \
        "", n, "", f, 0, k                                                                         \
    }
#define TA(n, a, f, k)                                                                             \
    {                                                                                              \
        "", n, a, f, 0, k                                                                          \
    }
#define TS(s, n, a, f, k)                                                                          \
    {                                                                                              \
        s, n, a, f, 0, k                                                                           \
    }
#define TX(s, n, a, f, ig, k)                                                                      \
    {                                                                                              \
        s, n, a, f, ig, k                                                                          \
    }
#define M(...) (&(const struct cls_mexp){__VA_ARGS__})
#define I(e)                                                                                       \
    {                                                                                              \
        e, "", CLS_AGG_NONE, false, NULL, false                                                    \
    }
#define IA(e, a)                                                                                   \
    {                                                                                              \
        e, a, CLS_AGG_NONE, false, NULL, false                                                     \
    }
#define IG(e, a, g, arg)                                                                           \
    {                                                                                              \
        e, a, g, false, arg, false                                                                 \
    }
#define IGD(e, a, g)                                                                               \
    {                                                                                              \
        e, a, g, true, NULL, false                                                                 \
    }
#define ISTAR(e)                                                                                   \
    {                                                                                              \
        e, "", CLS_AGG_NONE, false, NULL, true                                                     \
    }
#define OB(e, pos, d)                                                                              \
    {                                                                                              \
        e, pos, d                                                                                  \
    }

#define A_CNT CLS_AGG_COUNT
#define A_CST CLS_AGG_COUNT_STAR
#define A_SUM CLS_AGG_SUM
#define A_MIN CLS_AGG_MIN
#define A_MAX CLS_AGG_MAX
#define A_AVG CLS_AGG_AVG
#define A_OTH CLS_AGG_OTHER

/* ======================================================================== */
/* sysbench oltp_read_write (prepared-statement and literal forms) and its
 * prepare/cleanup steps. */
static const struct cls_case cls_cases_sysbench[] = {
    {"SELECT c FROM sbtest1 WHERE id=?", 0, SEL, .mn = RO, .t = {T("sbtest1", SH, "?0")},
     .m = M(.items = {I("c")})},
    {"SELECT c FROM sbtest1 WHERE id=4242", 0, SEL, .mn = RO, .t = {T("sbtest1", SH, "4242")}},
    {"SELECT c FROM sbtest3 WHERE id=?;", 0, SEL, .mn = RO, .t = {T("sbtest3", SH, "?0")}},
    {"SELECT c FROM sbtest2 WHERE id BETWEEN ? AND ?", 0, SEL, .mn = RO,
     .t = {T("sbtest2", SH, "unpinned")}, .m = M(.items = {I("c")})},
    {"SELECT c FROM sbtest3 WHERE id BETWEEN 100 AND 199", 0, SEL, .mn = RO,
     .t = {T("sbtest3", SH, "unpinned")}},
    {"SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?", 0, SEL, .mn = RO,
     .t = {T("sbtest1", SH, "unpinned")}, .m = M(.items = {IG("SUM(k)", "", A_SUM, "k")})},
    {"SELECT SUM(k) FROM sbtest4 WHERE id BETWEEN 5 AND 104", 0, SEL, .mn = RO,
     .t = {T("sbtest4", SH, "unpinned")}, .m = M(.items = {IG("SUM(k)", "", A_SUM, "k")})},
    {"SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", 0, SEL, .mn = RO,
     .t = {T("sbtest1", SH, "unpinned")}, .m = M(.items = {I("c")}, .order = {OB("c", 0, false)})},
    {"SELECT c FROM sbtest2 WHERE id BETWEEN 1 AND 100 ORDER BY c", 0, SEL, .mn = RO,
     .t = {T("sbtest2", SH, "unpinned")}, .m = M(.items = {I("c")}, .order = {OB("c", 0, false)})},
    {"SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", 0, SEL, .mn = RO,
     .t = {T("sbtest1", SH, "unpinned")},
     .m = M(.distinct = true, .items = {I("c")}, .order = {OB("c", 0, false)})},
    {"SELECT DISTINCT c FROM sbtest4 WHERE id BETWEEN 7 AND 106 ORDER BY c", 0, SEL, .mn = RO,
     .t = {T("sbtest4", SH, "unpinned")},
     .m = M(.distinct = true, .items = {I("c")}, .order = {OB("c", 0, false)})},
    {"UPDATE sbtest1 SET k=k+1 WHERE id=?", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("sbtest1", TGS, "?0")}},
    {"UPDATE sbtest1 SET k=k+1 WHERE id=5012", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("sbtest1", TGS, "5012")}},
    /* Non-index update: the key is the second placeholder. */
    {"UPDATE sbtest4 SET c=? WHERE id=?", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("sbtest4", TGS, "?1")}},
    {"UPDATE sbtest2 SET c='83868641912-28773972837-60736120486-75162659906-27563526494' "
     "WHERE id=17",
     0, UPD, .mu = WP, .mn = PART | SK, .t = {T("sbtest2", TGS, "17")}},
    {"DELETE FROM sbtest1 WHERE id=?", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("sbtest1", TGS, "?0")}},
    {"DELETE FROM sbtest3 WHERE id=5003", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("sbtest3", TGS, "5003")}},
    {"INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)", 0, INS, .mu = WP,
     .mn = PART | NCL | ISEL, .t = {T("sbtest1", TGS, "?0")}},
    {"INSERT INTO sbtest3 (id, k, c, pad) VALUES (5003, 4998, "
     "'68487932199-96439406143-93774651418-41631865787-96406072701', "
     "'22195207048-70116052123-74140395089-76317954521-98694025897')",
     0, INS, .mu = WP, .mn = PART | NCL, .t = {T("sbtest3", TGS, "5003")}},
    /* oltp_insert with --auto-inc sends id 0 and relies on AUTO_INCREMENT;
     * the classifier cannot know the column is auto-increment: it reports
     * the literal (the planner/shard map must deal with generated keys). */
    {"INSERT INTO sbtest2 (id, k, c, pad) VALUES (0, 5014, 'c', 'pad')", 0, INS, .mu = WP,
     .mn = PART, .t = {T("sbtest2", TGS, "0")}},
    /* sysbench prepare with auto_inc: the key column is absent: each row
     * a MISSING value (a sequence may fill it in). */
    {"INSERT INTO sbtest1(k, c, pad) VALUES(4998, 'a', 'b'),(5001, 'c', 'd')", 0, INS, .mu = WP,
     .mn = PART | NCL, .t = {T("sbtest1", TGS, "!|!")}},
    {"SELECT id, k FROM sbtest2 WHERE id IN (?, ?, ?, ?, ?)", 0, SEL, .mn = RO,
     .t = {T("sbtest2", SH, "?0|?1|?2|?3|?4")}},
    {"SELECT COUNT(*) FROM sbtest1", 0, SEL, .mn = RO, .t = {T("sbtest1", SH, "unpinned")},
     .m = M(.items = {IG("COUNT(*)", "", A_CST, NULL)})},
    {"BEGIN", 0, BEG, .mn = W | PART, .s = S_TB, .o = SHAS},
    {"COMMIT", 0, COM, .mn = W | PART, .s = S_TE, .sn = S_TB, .o = SHAS},
    {"CREATE TABLE sbtest1(id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL, "
     "c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id)) "
     "/*! ENGINE = innodb */",
     0, DDL_, .mu = WP, .mn = TMP, .s = S_TE, .sn = S_TT, .o = SHAS, .t = {T("sbtest1", TGS, "*")},
     .ddl = "TABLE"},
    {"CREATE INDEX k_1 ON sbtest1(k)", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TSUB,
     .t = {T("sbtest1", TGS, "*")}, .ddl = "INDEX"},
    {"DROP TABLE IF EXISTS sbtest1", 0, DDL_, .mu = WP, .mn = TMP, .s = S_TE, .o = SHAS,
     .t = {T("sbtest1", TGS, "*")}, .ddl = "TABLE"},
    {"ANALYZE TABLE sbtest1", 0, OTH, .mu = WP, .o = SHAS | TANY},
};

/* ======================================================================== */
/* What ORMs, frameworks and applications send. */
static const struct cls_case cls_cases_apps[] = {
    /* Hibernate */
    {"select user0_.id as id1_0_, user0_.name as name2_0_, user0_.email as email3_0_ from "
     "users user0_ where user0_.id=?",
     0, SEL, .mn = RO, .t = {TA("users", "user0_", SH, "?0")},
     .m = M(.items = {IA("user0_.id", "id1_0_"), IA("user0_.name", "name2_0_"),
                      IA("user0_.email", "email3_0_")})},
    {"insert into orders (user_id, total, id) values (?, ?, ?)", 0, INS, .mu = WP, .mn = PART | NCL,
     .t = {T("orders", TGS, "?0")}},
    /* user_id is the shard key of orders: moving a row between shards. */
    {"update orders set total=?, user_id=? where id=?", 0, UPD, .mu = WP | SK, .mn = PART,
     .t = {T("orders", TGS, "unpinned")}},
    {"delete from orders where id=?", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("orders", TGS, "unpinned")}},
    {"select orders0_.user_id as user_id3_1_0_, orders0_.id as id1_1_0_, orders0_.total as "
     "total2_1_1_ from orders orders0_ where orders0_.user_id=?",
     0, SEL, .mn = RO, .t = {TA("orders", "orders0_", SH, "?0")}},
    {"/* load com.example.User */ select user0_.id as id1_0_ from users user0_ where "
     "user0_.id=?",
     0, SEL, .mn = RO, .t = {TA("users", "user0_", SH, "?0")}},
    {"select user0_.id as id1_0_ from users user0_ inner join orders orders1_ on "
     "user0_.id=orders1_.user_id where orders1_.total>?",
     0, SEL, .mu = JN, .mn = RO, .un = U_JK,
     .t = {TA("users", "user0_", SH, "unpinned"), TA("orders", "orders1_", SH, "unpinned")}},
    {"select next_val as id_val from hibernate_sequence for update", 0, SEL, .mu = P | LR,
     .t = {T("hibernate_sequence", 0, NULL)}},
    {"update hibernate_sequence set next_val= ? where next_val=?", 0, UPD, .mu = WP, .mn = PART,
     .t = {T("hibernate_sequence", TG, NULL)}},
    {"set autocommit=0", 0, SET_, .mn = W | PART, .s = S_AC, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_DEF, "autocommit", "0"}}},
    {"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", 0, SET_, .mn = W | PART, .s = S_TXC,
     .sn = S_NTX | S_GLO, .o = SHAS},
    {"commit", 0, COM, .mn = W | PART, .s = S_TE, .o = SHAS},
    {"rollback", 0, RBK, .mn = W | PART, .s = S_TE, .o = SHAS},
    /* Connector/J */
    {"SELECT @@session.transaction_read_only", 0, SEL, .mn = RO,
     .m = M(.items = {I("@@session.transaction_read_only")})},
    {"/* mysql-connector-java-8.0.33 (Revision: 7d6b0800528b6b25c68b52dc10d6c1c8429c100c) "
     "*/SELECT  @@session.auto_increment_increment AS auto_increment_increment, "
     "@@character_set_client AS character_set_client, @@character_set_connection AS "
     "character_set_connection, @@character_set_results AS character_set_results, "
     "@@character_set_server AS character_set_server, @@collation_server AS collation_server, "
     "@@collation_connection AS collation_connection, @@init_connect AS init_connect, "
     "@@interactive_timeout AS interactive_timeout, @@license AS license, "
     "@@lower_case_table_names AS lower_case_table_names, @@max_allowed_packet AS "
     "max_allowed_packet, @@net_write_timeout AS net_write_timeout, @@performance_schema AS "
     "performance_schema, @@sql_mode AS sql_mode, @@system_time_zone AS system_time_zone, "
     "@@time_zone AS time_zone, @@transaction_isolation AS transaction_isolation, "
     "@@wait_timeout AS wait_timeout",
     0, SEL, .mn = RO, .m = M(.skip = CLS_M_ITEMS, .u = 0)},
    {"SELECT @@max_allowed_packet", 0, SEL, .mn = RO, .m = M(.items = {I("@@max_allowed_packet")})},
    {"SET NAMES utf8mb4", 0, SET_, .mn = W | PART, .s = S_NAM, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_DS, "NAMES", "utf8mb4"}}},
    /* character_set_results is an ordinary system variable (whether the
     * classifier also raises NAMES is left open). */
    {"SET character_set_results = NULL", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO,
     .o = SHAS, .ns = 1, .st = {{SC_DEF, "character_set_results", "NULL"}}},
    /* SHOW WARNINGS reports on the previous statement of this connection:
     * a per-connection result like FOUND_ROWS(). */
    {"SHOW WARNINGS", 0, SHW, .mn = W | PART, .s = S_DEP, .o = SHAS},
    {"SET sql_mode='STRICT_TRANS_TABLES'", 0, SET_, .mn = W | PART, .s = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_DEF, "sql_mode", "'STRICT_TRANS_TABLES'"}}},
    /* Django */
    {"SELECT `auth_user`.`id`, `auth_user`.`password`, `auth_user`.`last_login`, "
     "`auth_user`.`username` FROM `auth_user` WHERE `auth_user`.`username` = 'x' LIMIT 21",
     0, SEL, .mn = RO, .t = {T("`auth_user`", 0, NULL)},
     .m = M(.items = {I("`auth_user`.`id`"), I("`auth_user`.`password`"),
                      I("`auth_user`.`last_login`"), I("`auth_user`.`username`")},
            .limit = "21")},
    {"SET SQL_AUTO_IS_NULL = 0", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS,
     .ns = 1, .st = {{SC_DEF, "SQL_AUTO_IS_NULL", "0"}}},
    {"SELECT `users`.`id`, `users`.`name` FROM `users` WHERE `users`.`id` = 3 LIMIT 21", 0, SEL,
     .mn = RO, .t = {T("`users`", SH, "3")},
     .m = M(.items = {I("`users`.`id`"), I("`users`.`name`")}, .limit = "21")},
    {"INSERT INTO `users` (`name`, `id`) VALUES ('x', 11)", 0, INS, .mu = WP, .mn = PART | NCL,
     .t = {T("`users`", TGS, "11")}},
    {"UPDATE `users` SET `name` = 'y' WHERE `users`.`id` = 11", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("`users`", TGS, "11")}},
    {"DELETE FROM `users` WHERE `users`.`id` IN (11, 12)", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("`users`", TGS, "11|12")}},
    {"SELECT (1) AS `a` FROM `users` WHERE `users`.`id` = 4 LIMIT 1", 0, SEL, .mn = RO,
     .t = {T("`users`", SH, "4")}, .m = M(.items = {IA("(1)", "`a`")}, .limit = "1")},
    {"SELECT COUNT(*) AS `__count` FROM `users`", 0, SEL, .mn = RO,
     .t = {T("`users`", SH, "unpinned")},
     .m = M(.items = {IG("COUNT(*)", "`__count`", A_CST, NULL)})},
    {"SAVEPOINT `s140_x1`", 0, SVP, .mn = W | PART, .o = SHAS},
    {"RELEASE SAVEPOINT `s140_x1`", 0, RSP, .mn = W | PART, .sn = S_TE, .o = SHAS},
    {"ROLLBACK TO SAVEPOINT `s140_x1`", 0, RBT, .mn = W | PART, .sn = S_TE, .o = SHAS},
    {"SELECT `django_migrations`.`app`, `django_migrations`.`name` FROM `django_migrations`", 0,
     SEL, .mn = RO, .t = {T("`django_migrations`", 0, NULL)}},
    /* Rails */
    {"SELECT `users`.* FROM `users` WHERE `users`.`id` = 1 LIMIT 1", 0, SEL, .mn = RO,
     .t = {T("`users`", SH, "1")}, .m = M(.items = {ISTAR("`users`.*")}, .limit = "1")},
    {"SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci,  @@SESSION.sql_mode = "
     "CONCAT(CONCAT(@@sql_mode, ',STRICT_ALL_TABLES'), ',NO_AUTO_VALUE_ON_ZERO'),  "
     "@@SESSION.sql_auto_is_null = 0, @@SESSION.wait_timeout = 2147483",
     0, SET_, .mn = W | PART, .s = S_NAM | S_SYS, .sn = S_GLO | S_UV, .o = SHAS, .ns = 4,
     .st = {{SC_DS, "NAMES", "utf8mb4 COLLATE utf8mb4_unicode_ci"},
            {SC_SES, "sql_mode",
             "CONCAT(CONCAT(@@sql_mode, ',STRICT_ALL_TABLES'), ',NO_AUTO_VALUE_ON_ZERO')"},
            {SC_SES, "sql_auto_is_null", "0"},
            {SC_SES, "wait_timeout", "2147483"}}},
    {"INSERT INTO `orders` (`user_id`, `total`, `created_at`, `updated_at`) VALUES (5, 9.99, "
     "'2024-01-01 00:00:00', '2024-01-01 00:00:00')",
     0, INS, .mu = WP, .mn = PART | NCL, .t = {T("`orders`", TGS, "5")}},
    {"SELECT `orders`.* FROM `orders` WHERE `orders`.`user_id` = 5 ORDER BY `orders`.`id` DESC "
     "LIMIT 10",
     0, SEL, .mn = RO, .t = {T("`orders`", SH, "5")},
     .m = M(.skip = CLS_M_U, .items = {ISTAR("`orders`.*")},
            .order = {OB("`orders`.`id`", 0, true)}, .limit = "10")},
    {"SELECT 1 AS one FROM `users` WHERE `users`.`email` = BINARY 'a@b.c' LIMIT 1", 0, SEL,
     .mn = RO, .t = {T("`users`", SH, "unpinned")}},
    {"SAVEPOINT active_record_1", 0, SVP, .mn = W | PART, .o = SHAS},
    {"ROLLBACK TO SAVEPOINT active_record_1", 0, RBT, .mn = W | PART, .sn = S_TE, .o = SHAS},
    {"SELECT `schema_migrations`.`version` FROM `schema_migrations` ORDER BY "
     "`schema_migrations`.`version` ASC",
     0, SEL, .mn = RO, .t = {T("`schema_migrations`", 0, NULL)},
     .m = M(.items = {I("`schema_migrations`.`version`")},
            .order = {OB("`schema_migrations`.`version`", 0, false)})},
    /* Rails migrations take an advisory lock. */
    {"SELECT GET_LOCK('4125346547', 0)", 0, SEL, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"SELECT RELEASE_LOCK('4125346547')", 0, SEL, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"UPDATE `users` SET `users`.`updated_at` = '2024-01-01' WHERE `users`.`id` = 7", 0, UPD,
     .mu = WP, .mn = PART | SK, .t = {T("`users`", TGS, "7")}},
    /* WordPress */
    {"SELECT option_name, option_value FROM wp_options WHERE autoload = 'yes'", 0, SEL, .mn = RO,
     .t = {T("wp_options", 0, NULL)}, .m = M(.items = {I("option_name"), I("option_value")})},
    {"SHOW FULL COLUMNS FROM `wp_posts`", 0, SHW, .mn = W | PART},
    /* FOUND_ROWS() answers about the previous statement of this connection
     * (issue 3 lists it with the functions that go to a primary). */
    {"SELECT FOUND_ROWS()", 0, SEL, .mu = P, .s = S_DEP, .o = SHAS},
    {"SELECT SQL_CALC_FOUND_ROWS  wp_posts.ID FROM wp_posts  WHERE 1=1  AND "
     "wp_posts.post_type = 'post' AND ((wp_posts.post_status = 'publish'))  ORDER BY "
     "wp_posts.post_date DESC LIMIT 0, 10",
     0, SEL, .mn = W | PART, .s = S_DEP, .o = SHAS, .t = {T("wp_posts", 0, NULL)},
     .m = M(.items = {I("wp_posts.ID")}, .order = {OB("wp_posts.post_date", 0, true)},
            .limit = "10", .offset = "0", .u = U_FR | U_OEX)},
    {"INSERT INTO `wp_options` (`option_name`, `option_value`, `autoload`) VALUES "
     "('_transient_doing_cron', '1700000000', 'yes') ON DUPLICATE KEY UPDATE `option_name` = "
     "VALUES(`option_name`), `option_value` = VALUES(`option_value`), `autoload` = "
     "VALUES(`autoload`)",
     0, INS, .mu = WP | ODU, .mn = PART | ODK, .t = {T("`wp_options`", TG, NULL)}},
    {"SELECT t.*, tt.* FROM wp_terms AS t  INNER JOIN wp_term_taxonomy AS tt ON t.term_id = "
     "tt.term_id WHERE tt.taxonomy IN ('category') ORDER BY t.name ASC",
     0, SEL, .mu = JN, .mn = RO,
     .t = {TA("wp_terms", "t", 0, NULL), TA("wp_term_taxonomy", "tt", 0, NULL)},
     .m = M(.skip = CLS_M_U, .items = {ISTAR("t.*"), ISTAR("tt.*")},
            .order = {OB("t.name", 0, false)})},
    {"SELECT wp_posts.* FROM wp_posts WHERE ID IN (1,2,3)", 0, SEL, .mn = RO,
     .t = {T("wp_posts", 0, NULL)}},
    {"UPDATE `wp_options` SET `option_value` = '1' WHERE `option_name` = 'cron'", 0, UPD, .mu = WP,
     .mn = PART, .t = {T("`wp_options`", TG, NULL)}},
    {"DELETE FROM `wp_options` WHERE `option_name` = '_transient_x'", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("`wp_options`", TG, NULL)}},
    {"SELECT @@SESSION.sql_mode", 0, SEL, .mn = RO},
    {"SET SESSION sql_mode='NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO'", 0, SET_, .mn = W | PART,
     .s = S_SYS, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_SES, "sql_mode", "'NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO'"}}},
    /* GUI clients: DBeaver, Workbench, phpMyAdmin, HeidiSQL */
    {"SELECT @@version_comment LIMIT 1", 0, SEL, .mn = RO,
     .m = M(.items = {I("@@version_comment")}, .limit = "1")},
    {"SHOW VARIABLES LIKE 'lower_case_%'", 0, SHW, .mn = W | PART},
    {"SELECT DATABASE()", 0, SEL, .mn = RO, .m = M(.items = {I("DATABASE()")})},
    {"SHOW DATABASES", 0, SHW, .mn = W | PART},
    {"SHOW FULL TABLES FROM `shop` WHERE Table_type = 'BASE TABLE'", 0, SHW, .mn = W | PART},
    {"SELECT * FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = "
     "'users' ORDER BY ORDINAL_POSITION",
     0, SEL, .mn = RO, .t = {TS("information_schema", "COLUMNS", "", 0, NULL)}},
    {"SHOW CREATE TABLE `users`", 0, SHW, .mn = W | PART},
    {"SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'", 0, SET_, .mn = W | PART, .s = S_SYS,
     .sn = S_GLO, .o = SHAS, .ns = 1, .st = {{SC_SES, "sql_mode", "'NO_ENGINE_SUBSTITUTION'"}}},
    {"SET net_write_timeout=600", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS,
     .ns = 1, .st = {{SC_DEF, "net_write_timeout", "600"}}},
    {"SHOW ENGINES", 0, SHW, .mn = W | PART},
    {"SELECT CURRENT_USER()", 0, SEL, .mn = RO},
    {"SELECT CURRENT_USER();", 0, SEL, .mn = RO},
    {"SHOW TABLE STATUS FROM `shop` LIKE 'users'", 0, SHW, .mn = W | PART},
    {"SHOW INDEX FROM `users` FROM `shop`", 0, SHW, .mn = W | PART},
    {"SELECT @@GLOBAL.character_set_server, @@GLOBAL.collation_server", 0, SEL, .mn = RO},
    {"SHOW SESSION VARIABLES LIKE 'sql_mode'", 0, SHW, .mn = W | PART},
    {"SHOW GRANTS FOR CURRENT_USER()", 0, SHW, .mn = W | PART},
    {"SET collation_connection = 'utf8mb4_unicode_ci'", 0, SET_, .mn = W | PART, .s = S_SYS,
     .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_DEF, "collation_connection", "'utf8mb4_unicode_ci'"}}},
    {"SHOW STATUS LIKE 'Uptime'", 0, SHW, .mn = W | PART},
    {"SHOW FULL PROCESSLIST", 0, SHW, .mn = W | PART},
    {"SELECT * FROM `users` LIMIT 0, 25", 0, SEL, .mn = RO, .t = {T("`users`", SH, "unpinned")},
     .m = M(.items = {ISTAR("*")}, .limit = "25", .offset = "0")},
    {"SELECT COUNT(*) FROM `shop`.`users`", 0, SEL, .mn = RO,
     .t = {TS("`shop`", "`users`", "", 0, NULL)}},
    {"SELECT * FROM information_schema.SCHEMATA", 0, SEL, .mn = RO,
     .t = {TS("information_schema", "SCHEMATA", "", 0, NULL)}},
    {"SHOW ENGINE INNODB STATUS", 0, SHW, .mn = W | PART},
    /* mariadb / mysql command-line client */
    {"select @@version_comment limit 1", 0, SEL, .mn = RO,
     .m = M(.items = {I("@@version_comment")}, .limit = "1")},
    {"select USER()", 0, SEL, .mn = RO, .m = M(.items = {I("USER()")})},
    {"show databases", 0, SHW, .mn = W | PART},
    {"show tables", 0, SHW, .mn = W | PART},
};

/* ======================================================================== */
/* Lexical traps: comments, executable comments, hints, quotes and escapes,
 * quote modes, backticks, numbers, introducers, placeholders, keywords used
 * as names, spacing. */
static const struct cls_case cls_cases_lexical[] = {
    {"SELECT/*a*/c/*b*/FROM/*c*/sbtest1/*d*/WHERE/*e*/id/*f*/=/*g*/7", 0, SEL, .mn = RO,
     .t = {T("sbtest1", SH, "7")}},
    {"SELECT -- a\n c -- b\n FROM -- c\n users -- d\n WHERE -- e\n id -- f\n = -- g\n 7", 0, SEL,
     .mn = RO, .t = {T("users", SH, "7")}},
    {"SELECT # a\nc # b\nFROM # c\nusers # d\nWHERE # e\nid # f\n= # g\n7", 0, SEL, .mn = RO,
     .t = {T("users", SH, "7")}},
    {"UPDATE/**/users/**/SET/**/k=1/**/WHERE/**/id=2", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("users", TGS, "2")}},
    {"DELETE -- x\nFROM users WHERE id = 3", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "3")}},
    {"SELECT * FROM users WHERE id = 5 -- AND id = 6", 0, SEL, .mn = RO,
     .t = {T("users", SH, "5")}},
    /* "--1" is not a comment: 5 --1 is 5 - (-1) = 6. Pinning 5 would be the
     * wrong shard. */
    {"SELECT * FROM users WHERE id = 5 --1", 0, SEL, .mn = RO, .t = {T("users", SH, "~%")}},
    /* "--" followed by a newline or a tab is a comment. */
    {"SELECT * FROM users WHERE id = 5--\n", 0, SEL, .mn = RO, .t = {T("users", SH, "5")}},
    {"SELECT * FROM users WHERE id = 5 --\tx", 0, SEL, .mn = RO, .t = {T("users", SH, "5")}},
    {"SELECT * FROM users WHERE id = 5 # OR 1=1", 0, SEL, .mn = RO, .t = {T("users", SH, "5")}},
    {"SELECT * FROM users WHERE id = 5 #\nOR id = 6", 0, SEL, .mn = RO,
     .t = {T("users", SH, "5|6")}},
    /* The comment ends at the newline: OR 1=1 is live. */
    {"SELECT * FROM users WHERE id = 5 -- \n OR 1=1", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"/*!40101 SET NAMES utf8 */", 0, SET_, .mn = W | PART, .s = S_NAM, .o = SHAS, .ns = 1,
     .st = {{SC_DS, "NAMES", "utf8"}}},
    {"/*!40101 SET NAMES utf8 */;", 0, SET_, .mn = W | PART, .s = S_NAM, .o = SHAS},
    {"/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */", 0, SET_, .mn = W | PART,
     .s = S_UV, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_USR, "OLD_CHARACTER_SET_CLIENT", "@@CHARACTER_SET_CLIENT"}}},
    {"/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */", 0, SET_, .mn = W | PART,
     .s = S_UV | S_SYS, .sn = S_GLO, .o = SHAS, .ns = 2,
     .st = {{SC_USR, "OLD_UNIQUE_CHECKS", "@@UNIQUE_CHECKS"}, {SC_DEF, "UNIQUE_CHECKS", "0"}}},
    {"SELECT /*!40001 SQL_NO_CACHE */ * FROM users WHERE id = 1", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1")}},
    {"SELECT /*!STRAIGHT_JOIN*/ u.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id "
     "= 2",
     0, SEL, .mu = JN, .mn = RO, .un = U_JK,
     .t = {TA("users", "u", SH, "2"), TA("orders", "o", SH, "~2")}},
    {"SELECT * FROM users WHERE id = /*!50000 5 */", 0, SEL, .mn = RO, .t = {T("users", SH, "5")}},
    /* An executable comment is live SQL: the OR makes the key unbounded. */
    {"SELECT * FROM users WHERE id = 1 /*! OR 1=1 */", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id = 1 /*M!100000 OR id = 2 */", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1|2")}},
    {"SELECT /*!*/ 1", 0, SEL, .mn = RO},
    {"SELECT /*+ BKA(t) */ * FROM users t WHERE t.id = 4", 0, SEL, .mn = RO,
     .t = {TA("users", "t", SH, "4")}},
    {"SELECT /*+ MAX_EXECUTION_TIME(1000) */ id FROM users WHERE id IN (1, 2)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1|2")}},
    {"INSERT /*+ SET_VAR(foreign_key_checks=OFF) */ INTO users (id) VALUES (3)", 0, INS, .mu = WP,
     .mn = PART | NCL, .t = {T("users", TGS, "3")}},
    {"DELETE /*+ NO_INDEX_MERGE(users) */ FROM users WHERE id = 4", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "4")}},
    /* Strings: escaped quotes, doubled quotes, backslashes. */
    {"SELECT * FROM users WHERE name = 'O\\'Brien; DELETE FROM users' AND id = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "3")}},
    {"SELECT * FROM users WHERE name = 'O''Brien' AND id = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "3")}},
    {"SELECT * FROM users WHERE name = \"say \\\"hi\\\"\" AND id = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "3")}},
    {"SELECT * FROM users WHERE name = \"a\"\"b\" AND id = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "3")}},
    /* 'a\' ...: with backslash escapes the string runs to the last quote
     * (no key); with NO_BACKSLASH_ESCAPES it ends after the backslash and
     * id = 3 is live. */
    {"SELECT * FROM users WHERE name = 'a\\' AND id = 3 -- '", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE name = 'a\\' AND id = 3 -- '", NOBS, SEL, .mn = RO,
     .t = {T("users", SH, "3")}},
    {"SELECT 'it''s; DELETE FROM users'", 0, SEL, .mn = RO},
    {"SELECT 'a' 'b' FROM users WHERE id = 1", 0, SEL, .mn = RO, .t = {T("users", SH, "1")}},
    /* ANSI_QUOTES: "id" is the column; without it, a string compared to 5. */
    {"SELECT \"id\" FROM users WHERE \"id\" = 5", ANSI, SEL, .mn = RO, .t = {T("users", SH, "5")},
     .m = M(.items = {I("\"id\"")})},
    {"SELECT \"id\" FROM users WHERE \"id\" = 5", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}, .m = M(.items = {I("\"id\"")})},
    {"SELECT * FROM \"users\" WHERE \"users\".\"id\" = 6", ANSI, SEL, .mn = RO,
     .t = {T("\"users\"", SH, "6")}},
    {"SELECT * FROM users WHERE id = \"6\"", 0, SEL, .mn = RO, .t = {T("users", SH, "\"6\"")}},
    /* Under ANSI_QUOTES "6" is a column named 6, not a value. */
    {"SELECT * FROM users WHERE id = \"6\"", ANSI, SEL, .mn = RO, .t = {T("users", SH, "~%")}},
    {"SELECT * FROM users WHERE id = '6'", ANSI, SEL, .mn = RO, .t = {T("users", SH, "'6'")}},
    {"INSERT INTO \"users\" (\"id\", \"name\") VALUES (8, 'x')", ANSI, INS, .mu = WP,
     .mn = PART | NCL, .t = {T("\"users\"", TGS, "8")}},
    {"SELECT \"a;\" FROM users WHERE id = 1", 0, SEL, .mn = RO, .t = {T("users", SH, "1")}},
    {"SELECT \"a;\" FROM users WHERE id = 1", ANSI, SEL, .mn = RO, .t = {T("users", SH, "1")}},
    /* Backtick names. */
    {"SELECT * FROM `my table` WHERE `my col` = 1", 0, SEL, .mn = RO,
     .t = {T("`my table`", 0, NULL)}},
    {"SELECT * FROM `we``ird` WHERE x = 1", 0, SEL, .mn = RO, .t = {T("`we``ird`", 0, NULL)}},
    {"SELECT * FROM `users` WHERE `id` = 9", 0, SEL, .mn = RO, .t = {T("`users`", SH, "9")}},
    {"SELECT * FROM `app`.`users` WHERE `app`.`users`.`id` = 9", 0, SEL, .mn = RO,
     .t = {TS("`app`", "`users`", "", SH, "9")}},
    {"SELECT `select`, `from` FROM `where` WHERE `order` = 1", 0, SEL, .mn = RO,
     .t = {T("`where`", 0, NULL)}},
    {"SELECT * FROM users WHERE `users`.`id` = 10", 0, SEL, .mn = RO, .t = {T("users", SH, "10")}},
    /* Column names are case-insensitive. */
    {"SELECT * FROM `users` WHERE ID = 11", 0, SEL, .mn = RO, .t = {T("`users`", SH, "11")}},
    {"SELECT * FROM app.users WHERE app.users.id = 3", 0, SEL, .mn = RO,
     .t = {TS("app", "users", "", SH, "3")}},
    /* Numbers. */
    {"SELECT * FROM users WHERE id = 0x1F", 0, SEL, .mn = RO, .t = {T("users", SH, "0x1F")}},
    {"SELECT * FROM users WHERE id = X'1F'", 0, SEL, .mn = RO, .t = {T("users", SH, "X'1F'")}},
    {"SELECT * FROM users WHERE id = b'101'", 0, SEL, .mn = RO, .t = {T("users", SH, "b'101'")}},
    {"SELECT * FROM users WHERE id = 0b101", 0, SEL, .mn = RO, .t = {T("users", SH, "0b101")}},
    {"SELECT * FROM users WHERE id = 1e3", 0, SEL, .mn = RO, .t = {T("users", SH, "1e3")}},
    {"SELECT * FROM users WHERE id = .5", 0, SEL, .mn = RO, .t = {T("users", SH, ".5")}},
    {"SELECT * FROM users WHERE id = -5", 0, SEL, .mn = RO, .t = {T("users", SH, "-5")}},
    {"SELECT * FROM users WHERE id = 5.0", 0, SEL, .mn = RO, .t = {T("users", SH, "5.0")}},
    {"SELECT * FROM users WHERE id = 18446744073709551615", 0, SEL, .mn = RO,
     .t = {T("users", SH, "18446744073709551615")}},
    /* Charset introducers: the introducer is dropped from the value text. */
    {"SELECT * FROM sessions WHERE token = _utf8mb4'abc'", 0, SEL, .mn = RO,
     .t = {T("sessions", SH, "'abc'")}},
    {"SELECT * FROM sessions WHERE token = _binary'abc'", 0, SEL, .mn = RO,
     .t = {T("sessions", SH, "'abc'")}},
    {"SELECT * FROM sessions WHERE note = N'x' AND token = 'abc'", 0, SEL, .mn = RO,
     .t = {T("sessions", SH, "'abc'")}},
    {"SELECT _utf8mb4'abc' COLLATE utf8mb4_bin, N'x', X'', b'1'", 0, SEL, .mn = RO},
    /* Placeholders: numbered in text order, strings and comments excluded. */
    {"SELECT * FROM users WHERE name = ? AND id = ? AND k IN (?, ?)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "?1")}},
    {"SELECT '?', ? FROM users WHERE id = ?", 0, SEL, .mn = RO, .t = {T("users", SH, "?1")}},
    {"SELECT * FROM users WHERE id = ? /* ? */ -- ?", 0, SEL, .mn = RO,
     .t = {T("users", SH, "?0")}},
    {"INSERT INTO users (name, id) VALUES (?, ?), (?, ?)", 0, INS, .mu = WP, .mn = PART | NCL,
     .t = {T("users", TGS, "?1|?3")}},
    /* Keywords as names. BEGIN is not reserved: a fine alias. */
    {"SELECT * FROM users begin WHERE begin.id = 1", 0, SEL, .mn = RO,
     .t = {TA("users", "begin", SH, "1")}},
    {"SELECT status, `type`, `key` FROM users WHERE id = 2", 0, SEL, .mn = RO,
     .t = {T("users", SH, "2")}},
    {"SELECT `delete` FROM users WHERE id = 2", 0, SEL, .mn = RO, .t = {T("users", SH, "2")}},
    {"SELECT * FROM `update` WHERE `set` = 1", 0, SEL, .mn = RO, .t = {T("`update`", 0, NULL)}},
    {"SELECT * FROM users WHERE name = 'DELETE FROM users' AND id = 4", 0, SEL, .mn = RO,
     .t = {T("users", SH, "4")}},
    {"SELECT 'x' AS `; DELETE FROM users` FROM users WHERE id = 4", 0, SEL, .mn = RO,
     .t = {T("users", SH, "4")}},
    /* Spacing and case. */
    {"SELECT\n*\nFROM\nusers\nWHERE\nid\n=\n12", 0, SEL, .mn = RO, .t = {T("users", SH, "12")}},
    {"\t\t  SELECT * FROM users WHERE id = 12  \n", 0, SEL, .mn = RO, .t = {T("users", SH, "12")}},
    {"SeLeCt * FrOm users WhErE iD = 13", 0, SEL, .mn = RO, .t = {T("users", SH, "13")}},
    {"(SELECT * FROM users WHERE id = 1)", 0, SEL, .mn = RO, .t = {T("users", SH, "1")}},
    {"((SELECT 1))", 0, SEL, .mn = RO},
    {"SELECT 1", 0, SEL, .mn = RO, .m = M(.items = {I("1")})},
    {"SELECT 1;", 0, SEL, .mn = RO},
    {"SELECT 1 ;  ", 0, SEL, .mn = RO},
    {"SELECT 1; -- done", 0, SEL, .mn = RO},
    {"SELECT 1 FROM DUAL", 0, SEL, .mn = RO, .o = TANY},
    {"SELECT NOW(), RAND(), UUID()", 0, SEL, .mn = RO},
};

/* ======================================================================== */
/* Adversarial: a write (or a primary-only read) hiding behind comments,
 * executable comments, a second statement, a CTE, a quote mode or odd
 * spacing. None of these may come out as a plain read. */
static const struct cls_case cls_cases_adversarial[] = {
    {"/* SELECT */ DELETE FROM users WHERE id=1", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"-- SELECT\nDELETE FROM users WHERE id = 1", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"# SELECT\nDELETE FROM users", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "unpinned")}},
    {"/* comment ; */ DELETE FROM users WHERE id = 4", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "4")}},
    {"/*!DELETE FROM users*/", 0, DEL, .mu = WP, .t = {T("users", TGS, "unpinned")}},
    {"/*!50000 DELETE FROM users WHERE id = 2 */", 0, DEL, .mu = WP, .t = {T("users", TGS, "2")}},
    /* A version the server does not reach makes it a comment for that
     * server; the router must not bet on the server version. */
    {"/*!99999 DELETE FROM users */", 0, DEL, .mu = WP, .t = {T("users", TGS, "unpinned")}},
    {"/*M!100000 INSERT INTO t VALUES (1)*/", 0, INS, .mu = WP | NCL, .t = {T("t", TG, NULL)}},
    {"/*!40101 DELETE FROM users */ /* SELECT */", 0, DEL, .mu = WP,
     .t = {T("users", TGS, "unpinned")}},
    {"DELETE FROM/*!*/users", 0, DEL, .mu = WP, .t = {T("users", TGS, "unpinned")}},
    /* Two statements given whole to classify(): never a plain read. */
    {"SELECT 1 /*!; DROP TABLE t */", 0, ANYK, .mu = MULTI, .o = SHAS},
    {"SELECT 1; DROP TABLE t", 0, ANYK, .mu = MULTI, .o = SHAS},
    {"SELECT 1;DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS},
    {"SELECT * FROM users WHERE id = 1; UPDATE users SET k = 1", 0, ANYK, .mu = MULTI,
     .o = SHAS | TANY},
    {"INSERT INTO users (id) VALUES (1); INSERT INTO users (id) VALUES (2)", 0, ANYK, .mu = MULTI,
     .o = SHAS | TANY},
    {"INSERT INTO users (id) VALUES (1) /*!; DROP TABLE users */", 0, ANYK, .mu = MULTI,
     .o = SHAS | TANY},
    {"SET @x = 1; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SHOW TABLES; DROP TABLE users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"/*!40101 SELECT 1; */ DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT SLEEP(0); DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"VALUES (1); DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"(SELECT 1); DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"PREPARE s FROM 'DELETE FROM users'; EXECUTE s", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    /* "--x" is not a comment, so the ';' is live. */
    {"SELECT 1 --x\n; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT 1 #\n; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT '/*' ; DELETE FROM users -- */'", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT `a`; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    /* ... and the same characters where they are harmless. */
    {"SELECT 1 /*+ ; DELETE FROM users */", 0, SEL, .mn = RO},
    {"SELECT `a``; DELETE FROM users`", 0, SEL, .mn = RO},
    {"SELECT 1 FROM DUAL; -- DELETE FROM users", 0, SEL, .mn = RO, .o = TANY},
    /* CTEs in front of writes. */
    {"WITH x AS (SELECT 1) DELETE FROM users WHERE id IN (SELECT * FROM x)", 0, DEL,
     .mu = WP | FCTE, .o = TSUB, .t = {T("users", TGS, "unpinned")}},
    {"WITH t AS (SELECT * FROM users) UPDATE users SET k = 1 WHERE id IN (SELECT id FROM t)", 0,
     UPD, .mu = WP | FCTE, .o = TANY},
    {"INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x", 0, INS, .mu = WP | ISEL | FCTE,
     .o = TANY},
    /* Quote modes. */
    {"SELECT \"a\" ; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT \"a\" ; DELETE FROM users", ANSI, ANYK, .mu = MULTI, .o = SHAS | TANY},
    /* "a\" ... " is one string with backslash escapes; under ANSI_QUOTES it
     * is the identifier a\ (identifiers have no escapes); under
     * NO_BACKSLASH_ESCAPES it is the string 'a\'. */
    {"SELECT \"a\\\" ; DELETE FROM users -- \"", 0, SEL, .mn = RO},
    {"SELECT \"a\\\" ; DELETE FROM users -- \"", ANSI, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT \"a\\\" ; DELETE FROM users -- \"", NOBS, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT * FROM users WHERE name = 'a\\'; DELETE FROM users; -- '", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE name = 'a\\'; DELETE FROM users; -- '", NOBS, ANYK, .mu = MULTI,
     .o = SHAS | TANY},
    {"SELECT * FROM users WHERE name = 'a\\\\'; DELETE FROM users; -- '", 0, ANYK, .mu = MULTI,
     .o = SHAS | TANY},
    {"SELECT * FROM users WHERE name = 'a\\\\'; DELETE FROM users; -- '", NOBS, ANYK, .mu = MULTI,
     .o = SHAS | TANY},
    {"SELECT * FROM users WHERE name = \"x\\\"; DELETE FROM users; -- \"", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE name = \"x\\\"; DELETE FROM users; -- \"", ANSI, ANYK, .mu = MULTI,
     .o = SHAS | TANY},
    /* Odd spacing. */
    {"DELETE\n\tFROM\nusers", 0, DEL, .mu = WP, .mn = PART, .t = {T("users", TGS, "unpinned")}},
    {"UPDATE`users`SET`k`=1", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("`users`", TGS, "unpinned")}},
    {"DELETE/**/FROM/**/users/**/WHERE/**/id=1", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"  \n\t delete from users where id = 3", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "3")}},
    {"DELETE FROM users WHERE id = 1;", 0, DEL, .mu = WP, .mn = PART, .t = {T("users", TGS, "1")}},
    /* Executable comments and "--1" changing the key. */
    {"DELETE FROM users WHERE id = 1 /*!50000 OR 1=1 */", 0, DEL, .mu = WP,
     .t = {T("users", TGS, "unpinned")}},
    {"UPDATE users SET k = 1 WHERE id = 1 --1", 0, UPD, .mu = WP, .t = {T("users", TGS, "~%")}},
    {"DELETE FROM users WHERE id = 1 /*M! + 1 */", 0, DEL, .mu = WP, .t = {T("users", TGS, "~%")}},
    {"DELETE FROM users WHERE id = 5 # \n OR id = 6", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "5|6")}},
    {"DELETE FROM users WHERE id = 5 /* */ OR k = 1", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "unpinned")}},
    /* Locking reads. */
    {"SELECT * FROM users WHERE id = 1 FOR UPDATE", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT * FROM users WHERE id = 1 LOCK IN SHARE MODE", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT * FROM users WHERE id = 1 FOR SHARE", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT * FROM users WHERE id = 1 FOR UPDATE SKIP LOCKED", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT * FROM users WHERE id = 1 FOR UPDATE /* c */ NOWAIT", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT id FROM users WHERE id = 1 FOR UPDATE OF users", 0, SEL, .mu = P | LR, .o = TSUB,
     .t = {T("users", SH, "1")}},
    {"select * from users where id = 1 for update;", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT * FROM (SELECT * FROM users WHERE id = 1 FOR UPDATE) d", 0, SEL, .mu = P | LR,
     .o = TANY},
    {"SELECT id FROM users UNION SELECT user_id FROM orders FOR UPDATE", 0, SEL, .mu = P | LR,
     .o = TANY},
    /* SELECT ... INTO */
    {"SELECT id INTO @x FROM users WHERE id = 1", 0, SEL, .mu = P | INTO, .s = S_UV, .o = SHAS,
     .t = {T("users", SH, "1")}},
    {"SELECT id FROM users WHERE id = 1 INTO @x", 0, SEL, .mu = P | INTO, .s = S_UV, .o = SHAS,
     .t = {T("users", SH, "1")}},
    {"SELECT * FROM users INTO OUTFILE '/tmp/x'", 0, SEL, .mu = P | INTO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users INTO DUMPFILE '/tmp/x'", 0, SEL, .mu = P | INTO,
     .t = {T("users", SH, "unpinned")}},
    /* Functions with side effects or session scope. */
    {"SELECT GET_LOCK('a', 1)", 0, SEL, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"SELECT RELEASE_LOCK('a')", 0, SEL, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"SELECT RELEASE_ALL_LOCKS()", 0, SEL, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"SELECT * FROM users WHERE id = (SELECT GET_LOCK('x', 1))", 0, SEL, .mu = P | SFN, .s = S_LK,
     .o = SHAS | TANY},
    /* The server skips a 99999 executable comment on any current version; the router reads
     * executable comments whatever the version (conservative). */
    {"SELECT 1 /*!99999 , (SELECT GET_LOCK('a', 1)) */", 0, SEL, .mu = P | SFN, .s = S_LK,
     .o = SHAS},
    {"SELECT NEXTVAL(seq)", 0, SEL, .mu = P | SFN, .o = SHAS | TANY},
    {"SELECT NEXT VALUE FOR seq", 0, SEL, .mu = P | SFN, .o = SHAS | TANY},
    {"SELECT SETVAL(seq, 100)", 0, SEL, .mu = P | SFN, .o = SHAS | TANY},
    {"SELECT LAST_INSERT_ID()", 0, SEL, .mu = P, .s = S_DEP, .o = SHAS},
    {"SELECT LAST_INSERT_ID(5)", 0, SEL, .mu = P, .s = S_DEP, .o = SHAS},
    {"SELECT @@identity", 0, SEL, .mu = P, .s = S_DEP, .o = SHAS},
    {"SELECT ROW_COUNT()", 0, SEL, .mu = P, .s = S_DEP, .o = SHAS},
    {"SELECT @a := 1", 0, SEL, .mu = P, .s = S_UV, .o = SHAS},
    {"SELECT id, @rank := @rank + 1 FROM users", 0, SEL, .mu = P, .s = S_UV, .o = SHAS,
     .t = {T("users", SH, "unpinned")}},
    {"DO RELEASE_LOCK('x')", 0, DO_, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"DO GET_LOCK('a', 10)", 0, DO_, .mu = P | SFN, .s = S_LK, .o = SHAS},
    /* A compound statement, not a transaction BEGIN. */
    {"BEGIN NOT ATOMIC INSERT INTO t VALUES (1); END", 0, OTH, .mu = WP, .sn = S_TB,
     .o = SHAS | TANY},
    {"begin not atomic delete from users; end", 0, OTH, .mu = WP, .sn = S_TB, .o = SHAS | TANY},
    {"CALL proc()", 0, CAL, .mu = WP, .o = SHAS | TANY},
    {"HANDLER t OPEN", 0, OTH, .mu = P, .o = SHAS | TANY},
    {"SET GLOBAL read_only = 0", 0, SET_, .mu = WP, .s = S_GLO, .sn = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_GLO, "read_only", "0"}}},
    {"set @@global.read_only=0", 0, SET_, .mu = WP, .s = S_GLO, .sn = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_GLO, "read_only", "0"}}},
    {"SET PERSIST read_only = OFF", 0, SET_, .mu = WP, .s = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_PER, "read_only", "OFF"}}},
    /* XA transactions carry writes to a two-phase commit: primary. */
    {"XA START 'x'", 0, XA_, .mu = P, .s = S_TB, .o = SHAS},
    {"LOAD DATA LOCAL INFILE '/tmp/x' INTO TABLE users", 0, LDD, .mu = WP | LOC,
     .t = {T("users", TGS, "unpinned")}},
    {"CREATE TEMPORARY TABLE tmp (id INT)", 0, DDL_, .mu = WP | TMP, .s = S_TT, .sn = S_TE,
     .o = SHAS, .t = {T("tmp", TG, NULL)}, .ddl = "TABLE"},
    {"REPLACE INTO users (id) VALUES (1)", 0, REP, .mu = WP, .mn = PART | NCL,
     .t = {T("users", TGS, "1")}},
    {"INSERT IGNORE INTO users (id) VALUES (1)", 0, INS, .mu = WP | IGN, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"INSERT INTO users (id, name) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = 5", 0, INS,
     .mu = WP | ODU | ODK, .mn = PART, .t = {T("users", TGS, "1")}},
    {"UPDATE users SET id = 7 WHERE id = 1", 0, UPD, .mu = WP | SK, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"TRUNCATE users", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS, .t = {T("users", TGS, "*")}},
    {"RENAME TABLE a TO b", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TSUB,
     .t = {TX("", "a", "", TG, TG, NULL), TX("", "b", "", TG, TG, NULL)}, .ddl = "TABLE"},
    {"ANALYZE TABLE t", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"OPTIMIZE TABLE t", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"GRANT SELECT ON shop.* TO 'u'@'%'", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"FLUSH TABLES", 0, OTH, .mu = WP, .o = SHAS | TANY},
    /* EXPLAIN (without ANALYZE) shows a plan and executes nothing, so it is
     * never a write; it may run anywhere the table exists, so PRIMARY is
     * left free. */
    {"EXPLAIN DELETE FROM users", 0, EXP, .mn = W, .o = SHAS | TANY},
    /* ... but MariaDB's ANALYZE <stmt> and MySQL's EXPLAIN ANALYZE run the
     * statement. */
    {"ANALYZE DELETE FROM users WHERE id = 1", 0, ANYK, .mu = WP, .o = SHAS | TANY},
    {"ANALYZE FORMAT=JSON UPDATE users SET k = 1 WHERE id = 1", 0, ANYK, .mu = WP,
     .o = SHAS | TANY},
    {"EXPLAIN ANALYZE DELETE u FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 1", 0,
     ANYK, .mu = WP, .o = SHAS | TANY},
    {"DESCRIBE users", 0, EXP, .mn = W | PART, .o = SHAS | TANY},
    {"SET STATEMENT max_statement_time=1 FOR DELETE FROM users WHERE id = 1", 0, ANYK, .mu = WP,
     .o = SHAS | TANY},
    /* EXECUTE runs a statement the classifier cannot see. */
    {"EXECUTE s", 0, EXE, .mu = WP, .s = S_PR, .o = SHAS},
    {"CREATE TABLE t SELECT * FROM users", 0, DDL_, .mu = WP, .o = SHAS | TANY, .ddl = "TABLE"},
    {"BINLOG 'AAAA'", 0, ANYK, .mu = WP, .o = SHAS | TANY},
    {"LOCK TABLES users WRITE", 0, LCK, .mu = P, .s = S_LT, .o = SHAS | TANY},
    /* FTWRL is routinely run on replicas (backups): only the session pin. */
    {"FLUSH TABLES WITH READ LOCK", 0, OTH, .s = S_LT, .o = SHAS | TANY},

    /* Quote modes on quoted names: identifiers ("..." under ANSI_QUOTES,
     * backticks) have no backslash escapes; @'..' and @".." user-variable
     * names are lexed as strings (ANSI_QUOTES: "..." as an identifier), so
     * NO_BACKSLASH_ESCAPES applies to them (MariaDB sql_lex.cc,
     * MY_LEX_USER_END). */
    {"SELECT 1 AS \"a\\\"; DELETE FROM users -- \"", ANSI, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT 1 AS \"a\\\"; DELETE FROM users -- \"", 0, SEL, .mn = RO},
    {"SELECT @'a\\' ; DELETE FROM users -- '", NOBS, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT @'a\\' ; DELETE FROM users -- '", 0, SEL, .mn = RO, .s = S_UVR, .o = SHAS},
    {"SELECT @\"a\\\" ; DELETE FROM users -- \"", ANSI, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT @\"a\\\" ; DELETE FROM users -- \"", NOBS, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT @\"a\\\" ; DELETE FROM users -- \"", 0, SEL, .mn = RO, .s = S_UVR, .o = SHAS},
    {"SET @'a\\' = 1; DELETE FROM users -- '", NOBS, ANYK, .mu = MULTI, .o = SHAS | TANY},
    /* A plain comment inside an executable comment ends at the first
     * star-slash; the ';' after it is live. */
    {"/*! SELECT 1 /* c */ ; DELETE FROM users */", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"SELECT 1 /*!*/ ; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    /* Only a newline ends a "-- " comment (a carriage return does not). */
    {"SELECT 1 -- x\r; DELETE FROM users", 0, SEL, .mn = RO},
    /* A lower-case "m!" marker is an ordinary comment (MariaDB checks for 'M'). */
    {"/*m! DELETE FROM users */ SELECT 1", 0, SEL, .mn = RO},
    {"/*!50000DELETE FROM users*/", 0, DEL, .mu = WP, .t = {T("users", TGS, "unpinned")}},
    {"/*!123456 DELETE FROM users */", 0, DEL, .mu = WP, .t = {T("users", TGS, "unpinned")}},
    /* Transaction statements followed by a second statement. */
    {"BEGIN ; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"START TRANSACTION; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"COMMIT; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"XA START 'x'; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    {"BEGIN NOT ATOMIC SELECT 1; END; DELETE FROM users", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    /* Texts that do not tokenize. */
    {"SELECT 'abc", 0, ANYK, .mu = PART | P, .o = SHAS | TANY},
    {"DELETE FROM users WHERE id = 'x", 0, ANYK, .mu = MULTI, .o = SHAS | TANY},
    /* Locking, INTO, assignments and lock functions in other positions. */
    {"SELECT * FROM users WHERE id = 1 /*!50000 FOR UPDATE */", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT * FROM users WHERE id = 1 /*M! LOCK IN SHARE MODE */", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"(SELECT * FROM users WHERE id = 1 FOR UPDATE)", 0, SEL, .mu = P | LR,
     .t = {T("users", SH, "1")}},
    {"SELECT * INTO @a FROM users LIMIT 1", 0, SEL, .mu = P | INTO, .s = S_UV, .o = SHAS,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT id FROM users UNION SELECT user_id FROM orders INTO @a", 0, SEL, .mu = P | INTO,
     .s = S_UV, .o = SHAS | TANY},
    {"SELECT @a:=id FROM users", 0, SEL, .mu = P, .s = S_UV, .o = SHAS,
     .t = {T("users", SH, "unpinned")}},
    {"DO @a := 1", 0, DO_, .mu = P, .s = S_UV, .o = SHAS},
    {"SELECT GET_LOCK ('a', 1)", 0, SEL, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"SELECT get_lock('a', 1)", 0, SEL, .mu = P | SFN, .s = S_LK, .o = SHAS},
    {"SELECT * FROM users WHERE id = 1 AND GET_LOCK('x', 0)", 0, SEL, .mu = P | SFN, .s = S_LK,
     .o = SHAS, .t = {T("users", SH, "1")}},
    /* Versioned executable comments are skipped by servers older than the
     * version, and MariaDB skips MySQL versions 50700..99999 (sql_lex.cc).
     * Every current server runs "TRUNCATE users" here; reading the comment
     * as SQL gives "SELECT 1 FROM TRUNCATE users", a read of a table named
     * TRUNCATE. The conservative reading must cover both. */
    {"/*!99999 SELECT 1 FROM */ TRUNCATE users", 0, ANYK, .mu = WP, .o = SHAS | TANY},
    {"/*!50700 SELECT 1 FROM */ TRUNCATE users", 0, ANYK, .mu = WP, .o = SHAS | TANY},
    {"/*!99999 SELECT 1 FROM */ FLUSH TABLES", 0, ANYK, .mu = WP, .o = SHAS | TANY},
    {"/*!99999 SELECT 1 FROM */ SHUTDOWN", 0, ANYK, .mu = WP, .o = SHAS | TANY},
    {"/*!99999 SELECT 1 FROM */ COMMIT", 0, ANYK, .s = S_TE, .o = SHAS | TANY},
    /* MySQL only knows the '!' marker: for a MySQL server an "M!" comment is
     * an ordinary comment, whatever its content. */
    {"/*M! SELECT 1 FROM */ TRUNCATE users", 0, ANYK, .mu = WP, .o = SHAS | TANY},
    /* ... and a skipped AND must not narrow the key set: the server deletes
     * id 1. */
    {"DELETE FROM users WHERE id = 1 /*!99999 AND id = 2 */", 0, DEL, .mu = WP,
     .t = {T("users", TGS, "~1")}},
};

/* ======================================================================== */
/* Shard keys. */
static const struct cls_case cls_cases_keys[] = {
    {"SELECT * FROM users WHERE id = 5", 0, SEL, .mn = RO, .t = {T("users", SH, "5")},
     .m = M(.items = {ISTAR("*")})},
    {"SELECT * FROM users WHERE 5 = id", 0, SEL, .mn = RO, .t = {T("users", SH, "5")}},
    {"SELECT * FROM users WHERE id = '5'", 0, SEL, .mn = RO, .t = {T("users", SH, "'5'")}},
    {"SELECT * FROM users WHERE id=-15", 0, SEL, .mn = RO, .t = {T("users", SH, "-15")}},
    {"SELECT * FROM users WHERE id IN (1,2,3)", 0, SEL, .mn = RO, .t = {T("users", SH, "1|2|3")}},
    {"SELECT * FROM users WHERE (id = 1 OR id = 2)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1|2")}},
    {"SELECT * FROM users WHERE id = 1 OR k = 2", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id = 1 AND k > 3", 0, SEL, .mn = RO, .t = {T("users", SH, "1")}},
    {"SELECT * FROM users WHERE id > 5", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id BETWEEN 1 AND 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id >= 5 AND id <= 5", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE users.id = ?", 0, SEL, .mn = RO, .t = {T("users", SH, "?0")}},
    {"SELECT * FROM users u WHERE u.id = ?", 0, SEL, .mn = RO, .t = {TA("users", "u", SH, "?0")}},
    {"SELECT * FROM users AS u WHERE u.id = 8", 0, SEL, .mn = RO, .t = {TA("users", "u", SH, "8")}},
    {"SELECT * FROM app.users WHERE app.users.id = 3", 0, SEL, .mn = RO,
     .t = {TS("app", "users", "", SH, "3")}},
    {"SELECT * FROM app.users u WHERE u.id = 3", 0, SEL, .mn = RO,
     .t = {TS("app", "users", "u", SH, "3")}},
    {"SELECT * FROM other.users WHERE id = 1", 0, SEL, .mn = RO,
     .t = {TS("other", "users", "", 0, NULL)}},
    {"SELECT * FROM app.orders WHERE user_id = 1", 0, SEL, .mn = RO,
     .t = {TS("app", "orders", "", 0, NULL)}},
    {"SELECT * FROM countries WHERE code = 'FR'", 0, SEL, .mn = RO, .t = {T("countries", 0, NULL)}},
    /* Joins. The contract takes values from "col = literal" predicates of
     * the top-level WHERE; orders.user_id = u.id = 5 pins orders only by
     * transitivity through ON, which the header neither promises nor
     * forbids: pinned {5} and unpinned are both accepted for orders. The
     * tables are equated on their keys: no CLS_U_JOIN_KEYS. */
    {"SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 5", 0, SEL, .mu = JN,
     .mn = RO, .un = U_JK, .t = {TA("users", "u", SH, "5"), TA("orders", "o", SH, "~5")}},
    {"SELECT * FROM users u JOIN orders o ON u.id = o.user_id AND o.total > 5 WHERE u.id = ?", 0,
     SEL, .mu = JN, .mn = RO, .un = U_JK,
     .t = {TA("users", "u", SH, "?0"), TA("orders", "o", SH, "~?0")}},
    {"SELECT * FROM users u, orders o WHERE u.id = o.user_id AND u.id = 3", 0, SEL, .mu = JN,
     .mn = RO, .un = U_JK, .t = {TA("users", "u", SH, "3"), TA("orders", "o", SH, "~3")}},
    {"SELECT * FROM users u LEFT JOIN orders o ON o.user_id = u.id", 0, SEL, .mu = JN, .mn = RO,
     .un = U_JK, .t = {TA("users", "u", SH, "unpinned"), TA("orders", "o", SH, "unpinned")}},
    /* orders joined on its id, not on its key user_id. */
    {"SELECT * FROM users u JOIN orders o ON o.id = u.id WHERE u.id = 5", 0, SEL, .mu = JN,
     .mn = RO, .u = U_JK, .t = {TA("users", "u", SH, "5"), TA("orders", "o", SH, "unpinned")}},
    {"SELECT * FROM users u JOIN orders o USING (id)", 0, SEL, .mu = JN, .mn = RO, .u = U_JK,
     .t = {TA("users", "u", SH, "unpinned"), TA("orders", "o", SH, "unpinned")}},
    {"SELECT * FROM users a JOIN users b ON a.manager_id = b.id", 0, SEL, .mu = JN, .mn = RO,
     .u = U_JK, .t = {TA("users", "a", SH, "unpinned"), TA("users", "b", SH, "unpinned")}},
    {"SELECT * FROM users a JOIN users b ON a.id = b.id WHERE a.id = 1", 0, SEL, .mu = JN, .mn = RO,
     .un = U_JK, .t = {TA("users", "a", SH, "1"), TA("users", "b", SH, "~1")}},
    /* Both pinned to 5 but not equated with each other: the contract says
     * "not equated on their keys". */
    {"SELECT * FROM users u, orders o WHERE u.id = 5 AND o.user_id = 5", 0, SEL, .mu = JN, .mn = RO,
     .u = U_JK, .t = {TA("users", "u", SH, "5"), TA("orders", "o", SH, "5")}},
    {"SELECT * FROM users u JOIN countries c ON c.code = u.country WHERE u.id = 5", 0, SEL,
     .mu = JN, .mn = RO, .un = U_JK,
     .t = {TA("users", "u", SH, "5"), TA("countries", "c", 0, NULL)}},
    /* A contradiction pins no value at all. */
    {"SELECT * FROM users WHERE id = 1 AND id = 2", 0, SEL, .mn = RO, .t = {T("users", SH, "")}},
    {"SELECT * FROM users WHERE id NOT IN (1, 2)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id <> 1", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id != 1", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id LIKE '1%'", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 10)", 0, SEL,
     .mu = SUBQ, .mn = RO, .u = U_SUB,
     .t = {T("users", SH, "unpinned"), TX("", "orders", "", NS | SH, 0, "*")}},
    {"SELECT * FROM countries WHERE code IN (SELECT country FROM users WHERE id = 5)", 0, SEL,
     .mu = SUBQ, .mn = RO, .t = {T("countries", 0, NULL), T("users", NS | SH, "~5")}},
    {"SELECT * FROM users WHERE ((id = 7))", 0, SEL, .mn = RO, .t = {T("users", SH, "7")}},
    {"SELECT * FROM users WHERE id = 5 AND (k = 1 OR k = 2)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "5")}},
    {"SELECT * FROM users WHERE (id = 1 OR id = 2) AND k = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1|2")}},
    {"SELECT * FROM users WHERE id = 1 OR id IN (2, 3)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1|2|3")}},
    {"SELECT * FROM users WHERE id = 1 OR id = 2 OR id = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1|2|3")}},
    /* NOT binds looser than =: NOT (id = 1). */
    {"SELECT * FROM users WHERE NOT id = 1", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE NOT (id = 1 OR id = 2)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id = 1 XOR k = 2", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id = 1 OR name = 'x'", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    /* (id = 1) IS NULL: IS binds at the level of =, left to right. */
    {"SELECT * FROM users WHERE id = 1 IS NULL", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    /* id = 2, not 1: never pin the first operand of an expression. */
    {"SELECT * FROM users WHERE id = 1 + 1", 0, SEL, .mn = RO, .t = {T("users", SH, "~%")}},
    {"SELECT * FROM users WHERE id = k", 0, SEL, .mn = RO, .t = {T("users", SH, "~%")}},
    {"SELECT * FROM users WHERE id = (SELECT MAX(user_id) FROM orders)", 0, SEL, .mu = SUBQ,
     .mn = RO, .t = {T("users", SH, "~%"), TX("", "orders", "", NS | SH, 0, "*")}},
    {"SELECT * FROM users WHERE id IN (1)", 0, SEL, .mn = RO, .t = {T("users", SH, "1")}},
    {"SELECT * FROM users WHERE id IN (?, ?, ?)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "?0|?1|?2")}},
    {"SELECT * FROM users WHERE k = ? AND id = ?", 0, SEL, .mn = RO, .t = {T("users", SH, "?1")}},
    {"SELECT * FROM users WHERE id = 1 && k = 2", 0, SEL, .mn = RO, .t = {T("users", SH, "~1")}},
    {"SELECT * FROM users WHERE ID = 14", 0, SEL, .mn = RO, .t = {T("users", SH, "14")}},
    {"SELECT * FROM users WHERE `id` = 15", 0, SEL, .mn = RO, .t = {T("users", SH, "15")}},
    {"SELECT * FROM users WHERE id = 1.5", 0, SEL, .mn = RO, .t = {T("users", SH, "1.5")}},
    {"SELECT * FROM users WHERE id = NULL", 0, SEL, .mn = RO, .t = {T("users", SH, "~NULL")}},
    {"SELECT * FROM users WHERE id <=> 5", 0, SEL, .mn = RO, .t = {T("users", SH, "~5")}},
    {"SELECT * FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE k = 1", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id = 5 ORDER BY k LIMIT 1", 0, SEL, .mn = RO,
     .t = {T("users", SH, "5")}},
    {"SELECT * FROM orders WHERE user_id = 3 AND id = 4", 0, SEL, .mn = RO,
     .t = {T("orders", SH, "3")}},
    {"SELECT * FROM orders WHERE id = 3", 0, SEL, .mn = RO, .t = {T("orders", SH, "unpinned")}},
    {"SELECT * FROM sessions WHERE token = 'abc'", 0, SEL, .mn = RO,
     .t = {T("sessions", SH, "'abc'")}},
    {"SELECT * FROM sessions WHERE token IN ('a', 'b')", 0, SEL, .mn = RO,
     .t = {T("sessions", SH, "'a'|'b'")}},
    {"SELECT * FROM users WHERE id = 5 AND EXISTS (SELECT 1 FROM orders o WHERE o.user_id = "
     "users.id)",
     0, SEL, .mu = SUBQ, .mn = RO,
     .t = {T("users", SH, "5"), TX("", "orders", "o", NS | SH, 0, "*")}},
    {"SELECT * FROM users WHERE id = 1 UNION SELECT * FROM users WHERE id = 2", 0, SEL, .mu = UNI,
     .mn = RO, .u = U_UNI, .t = {T("users", SH, "~1"), T("users", SH, "~2")}},
    {"SELECT * FROM users", 0, SEL, .mn = RO, .o = NOLK, .t = {T("users", 0, NULL)}},
    {"SELECT * FROM users WHERE id = 5", 0, SEL, .mn = RO, .o = NOLK, .t = {T("users", 0, NULL)}},
    /* The CTE named users shadows the table: not sharded. */
    {"WITH users AS (SELECT 1 AS id) SELECT * FROM users WHERE id = 5", 0, SEL, .mu = FCTE,
     .mn = RO, .o = TSUB, .t = {TX("", "users", "", CT, NS, NULL)}},
    /* INSERT / REPLACE */
    {"INSERT INTO users (name, id) VALUES ('a', 1), ('b', 2)", 0, INS, .mu = WP, .mn = PART | NCL,
     .t = {T("users", TGS, "1|2")}},
    {"INSERT INTO users VALUES (1, 'a')", 0, INS, .mu = WP | NCL,
     .t = {T("users", TGS, "unpinned")}},
    {"INSERT INTO users SET id = 9, name = 'x'", 0, INS, .mu = WP, .mn = PART | NCL,
     .t = {T("users", TGS, "9")}},
    {"INSERT INTO users (id, name) SELECT id, name FROM countries", 0, INS, .mu = WP | ISEL,
     .mn = NCL, .t = {T("users", TGS, "unpinned"), TX("", "countries", "", 0, NS, NULL)}},
    {"INSERT INTO users SELECT * FROM countries", 0, INS, .mu = WP | ISEL | NCL,
     .t = {T("users", TGS, "unpinned"), TX("", "countries", "", 0, NS, NULL)}},
    {"INSERT INTO countries (code) SELECT country FROM users WHERE id = 5", 0, INS, .mu = WP | ISEL,
     .t = {T("countries", TG, NULL), TX("", "users", "", SH, NS, "~5")}},
    {"INSERT INTO users (id) VALUES (?), (?)", 0, INS, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "?0|?1")}},
    {"INSERT INTO orders (user_id, total, id) VALUES (?, ?, ?), (?, ?, ?)", 0, INS, .mu = WP,
     .mn = PART, .t = {T("orders", TGS, "?0|?3")}},
    /* The key is absent: a MISSING value per row (the router's sequence,
     * if the table has one, fills it in; else the planner refuses). */
    {"INSERT INTO users (name) VALUES ('x')", 0, INS, .mu = WP, .mn = NCL,
     .t = {T("users", TGS, "!")}},
    {"INSERT INTO users (id) VALUES (1+1)", 0, INS, .mu = WP, .t = {T("users", TGS, "~%")}},
    {"INSERT INTO users (id) VALUES (DEFAULT)", 0, INS, .mu = WP, .t = {T("users", TGS, "~%")}},
    /* NULL into an AUTO_INCREMENT key generates one: NULL or unpinned. */
    {"INSERT INTO users (id) VALUES (NULL)", 0, INS, .mu = WP, .t = {T("users", TGS, "~NULL")}},
    {"INSERT INTO users (id, name) VALUES (-1, 'x'), ('2', 'y'), (0x3, 'z')", 0, INS, .mu = WP,
     .mn = PART, .t = {T("users", TGS, "-1|'2'|0x3")}},
    {"INSERT users (id) VALUE (4)", 0, INS, .mu = WP, .mn = PART, .t = {T("users", TGS, "4")}},
    {"INSERT INTO users (`id`, `name`) VALUES (5, 'a')", 0, INS, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "5")}},
    {"INSERT INTO users (ID) VALUES (6)", 0, INS, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "6")}},
    {"INSERT INTO app.users (id) VALUES (7)", 0, INS, .mu = WP, .mn = PART,
     .t = {TS("app", "users", "", TGS, "7")}},
    {"INSERT INTO other.users (id) VALUES (7)", 0, INS, .mu = WP, .mn = PART,
     .t = {TS("other", "users", "", TG, NULL)}},
    {"INSERT INTO sessions (token, user_id) VALUES ('t1', 1)", 0, INS, .mu = WP, .mn = PART,
     .t = {T("sessions", TGS, "'t1'")}},
    {"INSERT INTO sessions (user_id, token) VALUES (1, X'ABCD')", 0, INS, .mu = WP, .mn = PART,
     .t = {T("sessions", TGS, "X'ABCD'")}},
    {"INSERT INTO users (id, name) VALUES (1, 'a') AS new ON DUPLICATE KEY UPDATE name = "
     "new.name",
     0, INS, .mu = WP | ODU, .mn = PART | ODK, .t = {T("users", TGS, "1")}},
    {"INSERT INTO users (id) VALUES (1) ON DUPLICATE KEY UPDATE id = id + 1", 0, INS,
     .mu = WP | ODU | ODK, .t = {T("users", TGS, "1")}},
    {"INSERT INTO users (id, name) VALUES (1, 'a') ON DUPLICATE KEY UPDATE name = 'b', `ID` = 2", 0,
     INS, .mu = WP | ODU | ODK, .t = {T("users", TGS, "1")}},
    {"INSERT INTO users (name, id) VALUES ('a;b', 1)", 0, INS, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"INSERT INTO users (id) VALUES (1) RETURNING id", 0, INS, .mu = WP,
     .t = {T("users", TGS, "1")}},
    {"INSERT LOW_PRIORITY INTO users (id, name) VALUES (3, 'x')", 0, INS, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "3")}},
    {"REPLACE INTO users (id, name) VALUES (1, 'a')", 0, REP, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"REPLACE users SET id = 3, name = 'x'", 0, REP, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "3")}},
    {"REPLACE INTO users (name, id) VALUES ('a', 1), ('b', 2)", 0, REP, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1|2")}},
    {"REPLACE INTO orders (user_id, id) SELECT id, 1 FROM users WHERE id = 2", 0, REP,
     .mu = WP | ISEL, .t = {T("orders", TGS, "unpinned"), TX("", "users", "", SH, NS, "~2")}},
    /* UPDATE */
    {"UPDATE users SET name = 'x' WHERE id = 1", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("users", TGS, "1")}},
    {"UPDATE users u SET u.id = 7 WHERE u.id = 1", 0, UPD, .mu = WP | SK, .mn = PART,
     .t = {TA("users", "u", TGS, "1")}},
    {"UPDATE users SET name = 'x', users.id = 2 WHERE id = 1", 0, UPD, .mu = WP | SK,
     .t = {T("users", TGS, "1")}},
    {"UPDATE users SET `ID` = 3 WHERE id = 1", 0, UPD, .mu = WP | SK, .t = {T("users", TGS, "1")}},
    {"UPDATE orders SET user_id = 2 WHERE user_id = 1", 0, UPD, .mu = WP | SK,
     .t = {T("orders", TGS, "1")}},
    {"UPDATE users SET id = id + 1", 0, UPD, .mu = WP | SK, .t = {T("users", TGS, "unpinned")}},
    {"UPDATE users SET name = 'id' WHERE id = 1", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("users", TGS, "1")}},
    {"UPDATE users SET name = 'x'", 0, UPD, .mu = WP, .mn = PART | SK,
     .t = {T("users", TGS, "unpinned")}},
    {"UPDATE users SET k = 1 WHERE id = 1 OR id = 2", 0, UPD, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1|2")}},
    {"UPDATE app.users SET name = 'x' WHERE id = 2", 0, UPD, .mu = WP, .mn = PART,
     .t = {TS("app", "users", "", TGS, "2")}},
    {"UPDATE users SET k = k + 1 WHERE id IN (?, ?)", 0, UPD, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "?0|?1")}},
    {"UPDATE users SET name = ? WHERE id = ? AND k = ?", 0, UPD, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "?1")}},
    {"UPDATE LOW_PRIORITY IGNORE users SET k = 2 WHERE id = 3", 0, UPD, .mu = WP | IGN, .mn = PART,
     .t = {T("users", TGS, "3")}},
    {"UPDATE users SET k = 1 WHERE id = 1 LIMIT 1", 0, UPD, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"UPDATE users, orders SET users.name = 'x' WHERE users.id = orders.user_id AND users.id = 1",
     0, UPD, .mu = WP | JN, .o = TSUB,
     .t = {TX("", "users", "", TGS, TG, "1"), TX("", "orders", "", SH, TG, "~1")}},
    {"UPDATE /*+ NO_RANGE_OPTIMIZATION(t) */ users SET k = 2 WHERE id = 9", 0, UPD, .mu = WP,
     .mn = PART, .t = {T("users", TGS, "9")}},
    /* DELETE */
    {"DELETE FROM users WHERE id = 1 ORDER BY id LIMIT 1", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("users", TGS, "1")}},
    {"DELETE FROM users", 0, DEL, .mu = WP, .mn = PART, .t = {T("users", TGS, "unpinned")}},
    {"DELETE FROM users AS u WHERE u.id = 3", 0, DEL, .mu = WP, .mn = PART,
     .t = {TA("users", "u", TGS, "3")}},
    {"DELETE FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 100)", 0, DEL,
     .mu = WP | SUBQ, .t = {T("users", TGS, "unpinned"), TX("", "orders", "", NS | SH, 0, "*")}},
    {"DELETE FROM users WHERE id = 1 OR 1 = 1", 0, DEL, .mu = WP,
     .t = {T("users", TGS, "unpinned")}},
    {"DELETE FROM users WHERE id IN (1, 2) OR id IS NULL", 0, DEL, .mu = WP,
     .t = {T("users", TGS, "unpinned")}},
    {"DELETE LOW_PRIORITY QUICK IGNORE FROM users WHERE id = 4", 0, DEL, .mu = WP | IGN, .mn = PART,
     .t = {T("users", TGS, "4")}},
    {"DELETE FROM users WHERE id = 1 RETURNING *", 0, DEL, .mu = WP, .t = {T("users", TGS, "1")}},
    {"DELETE FROM app.users WHERE id = ?", 0, DEL, .mu = WP, .mn = PART,
     .t = {TS("app", "users", "", TGS, "?0")}},
    {"DELETE FROM sessions WHERE token = ?", 0, DEL, .mu = WP, .mn = PART,
     .t = {T("sessions", TGS, "?0")}},

    /* An expression on the key column pins nothing: id - 1 = 5 is id 6. */
    {"SELECT * FROM users WHERE id + 0 = 5", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id - 1 = 5", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE -id = 5", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    /* Adjacent strings concatenate: the value is '12', not '1'. */
    {"SELECT * FROM users WHERE id = '1' '2'", 0, SEL, .mn = RO, .t = {T("users", SH, "~%")}},
    /* BETWEEN binds looser than =: (id = 5) BETWEEN 0 AND 1 is always true. */
    {"DELETE FROM users WHERE id = 5 BETWEEN 0 AND 1", 0, DEL, .mu = WP,
     .t = {T("users", TGS, "unpinned")}},
    {"SELECT * FROM users WHERE (id = 5) = 0", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id = 5 IS NOT TRUE", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}},
    {"SELECT * FROM users WHERE id = 5 = 1", 0, SEL, .mn = RO, .t = {T("users", SH, "~5")}},
    /* AND binds tighter than OR: id = 1 OR (id = 2 AND k = 3). */
    {"SELECT * FROM users WHERE id = 1 OR id = 2 AND k = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "~1|2")}},
    {"SELECT * FROM users WHERE id IN (1, 2) AND id = 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "")}},
    {"SELECT * FROM users WHERE (id, k) = (1, 2)", 0, SEL, .mn = RO, .t = {T("users", SH, "~1")}},
    /* Qualifiers resolve through aliases, not table names. */
    {"SELECT * FROM orders users WHERE users.id = 5", 0, SEL, .mn = RO,
     .t = {TA("orders", "users", SH, "unpinned")}},
    {"SELECT * FROM users x JOIN orders u ON u.user_id = x.id WHERE u.id = 5", 0, SEL, .mu = JN,
     .mn = RO, .un = U_JK,
     .t = {TA("users", "x", SH, "unpinned"), TA("orders", "u", SH, "unpinned")}},
    /* An unqualified column in a subquery belongs to the subquery's table. */
    {"SELECT * FROM users WHERE id IN (SELECT user_id FROM orders WHERE id = 5)", 0, SEL,
     .mu = SUBQ, .mn = RO, .t = {T("users", SH, "unpinned"), T("orders", NS | SH, "unpinned")}},
    {"SELECT * FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE id = 5)", 0, SEL, .mu = SUBQ,
     .mn = RO, .t = {T("users", SH, "unpinned"), T("orders", NS | SH, "unpinned")}},
    {"SELECT * FROM users u JOIN (SELECT * FROM orders) o ON o.user_id = u.id WHERE u.id = 3", 0,
     SEL, .mu = SUBQ, .mn = RO, .o = TSUB,
     .t = {TA("users", "u", SH, "3"), TX("", "orders", "", NS | SH, 0, "*")}},
    /* A dot inside backticks is part of the name. */
    {"SELECT * FROM `app.users` WHERE id = 5", 0, SEL, .mn = RO, .t = {T("`app.users`", 0, NULL)}},
    {"SELECT * FROM app . users WHERE users . id = 5", 0, SEL, .mn = RO,
     .t = {TS("app", "users", "", SH, "5")}},
    /* A versioned comment most servers skip must not narrow the key set. */
    {"SELECT * FROM users WHERE id = 1 /*!99999 AND id = 2 */", 0, SEL, .mn = RO,
     .t = {T("users", SH, "~1")}},
    {"SELECT * FROM users WHERE id IN (1, 2) /*!99999 AND id = 3 */", 0, SEL, .mn = RO,
     .t = {T("users", SH, "~1|2")}},
    {"WITH a AS (SELECT 1), b AS (SELECT * FROM users WHERE id = 1) DELETE FROM users WHERE id = "
     "2",
     0, DEL, .mu = WP | FCTE, .o = TSUB,
     .t = {TX("", "users", "", NS | SH, 0, "~1"), TX("", "users", "", TGS, 0, "2")}},
    /* Multi-table writes: the target is the table whose columns are set or
     * that is named before FROM. */
    {"UPDATE users u JOIN orders o ON o.user_id = u.id SET o.user_id = 5 WHERE u.id = 1", 0, UPD,
     .mu = WP | SK | JN, .t = {TX("", "users", "u", SH, TG, "1"), TA("orders", "o", TGS, "~1")}},
    {"UPDATE users SET k = 1, id = DEFAULT WHERE id = 1", 0, UPD, .mu = WP | SK,
     .t = {T("users", TGS, "1")}},
    {"DELETE u FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 1", 0, DEL,
     .mu = WP | JN, .t = {TA("users", "u", TGS, "1"), TX("", "orders", "o", SH, TG, "~1")}},
    {"DELETE FROM u USING users u JOIN orders o ON o.user_id = u.id WHERE u.id = 1", 0, DEL,
     .mu = WP | JN, .t = {TA("users", "u", TGS, "1"), TX("", "orders", "o", SH, TG, "~1")}},
    {"INSERT INTO users (id) VALUES (1), (2) AS new(a) ON DUPLICATE KEY UPDATE id = new.a", 0, INS,
     .mu = WP | ODU | ODK, .t = {T("users", TGS, "1|2")}},
    {"INSERT INTO users (id) VALUES (1) ON DUPLICATE KEY UPDATE users.id = 3", 0, INS,
     .mu = WP | ODU | ODK, .t = {T("users", TGS, "1")}},
    {"INSERT INTO users PARTITION (p0) (id) VALUES (1)", 0, INS, .mu = WP, .mn = PART | NCL,
     .t = {T("users", TGS, "1")}},
    {"INSERT INTO users(id)VALUES(5)", 0, INS, .mu = WP, .mn = PART | NCL,
     .t = {T("users", TGS, "5")}},
    {"INSERT INTO users (id) SELECT 5", 0, INS, .mu = WP | ISEL, .mn = NCL,
     .t = {T("users", TGS, "unpinned")}},
    {"REPLACE INTO users VALUES (1)", 0, REP, .mu = WP | NCL, .t = {T("users", TGS, "unpinned")}},
};

/* ======================================================================== */
/* What the merge step needs (outermost SELECT). */
static const struct cls_case cls_cases_merge[] = {
    {"SELECT COUNT(*) FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IG("COUNT(*)", "", A_CST, NULL)})},
    {"SELECT COUNT(id), SUM(x), MIN(a), MAX(b), AVG(c) FROM users", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IG("COUNT(id)", "", A_CNT, "id"), IG("SUM(x)", "", A_SUM, "x"),
                      IG("MIN(a)", "", A_MIN, "a"), IG("MAX(b)", "", A_MAX, "b"),
                      IG("AVG(c)", "", A_AVG, "c")})},
    {"SELECT MAX(id) AS m FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IG("MAX(id)", "m", A_MAX, "id")})},
    {"SELECT country, COUNT(*) AS n FROM users GROUP BY country", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("country"), IG("COUNT(*)", "n", A_CST, NULL)},
            .group = {OB("country", 0, false)})},
    {"SELECT country, COUNT(*) FROM users GROUP BY 1 ORDER BY 2 DESC", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("country"), IG("COUNT(*)", "", A_CST, NULL)}, .group = {OB("1", 1, false)},
            .order = {OB("2", 2, true)})},
    {"SELECT country, COUNT(*) c FROM users GROUP BY country HAVING c > 5", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("country"), IG("COUNT(*)", "c", A_CST, NULL)},
            .group = {OB("country", 0, false)}, .having = "c > 5")},
    {"SELECT country FROM users GROUP BY country HAVING SUM(k) > 5", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("country")}, .group = {OB("country", 0, false)}, .having = "SUM(k) > 5",
            .u = U_HEX)},
    {"SELECT COUNT(*) AS n, name FROM users GROUP BY name HAVING n > 1 ORDER BY n DESC", 0, SEL,
     .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IG("COUNT(*)", "n", A_CST, NULL), I("name")}, .group = {OB("name", 0, false)},
            .having = "n > 1", .order = {OB("n", 0, true)})},
    {"SELECT id, name FROM users ORDER BY name DESC, id ASC", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id"), I("name")}, .order = {OB("name", 0, true), OB("id", 0, false)})},
    {"SELECT id, name FROM users ORDER BY 2, 1 DESC", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id"), I("name")}, .order = {OB("2", 2, false), OB("1", 1, true)})},
    {"SELECT id FROM users LIMIT 10", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id")}, .limit = "10")},
    {"SELECT id FROM users LIMIT 5, 10", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id")}, .limit = "10", .offset = "5")},
    {"SELECT id FROM users LIMIT 10 OFFSET 5", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id")}, .limit = "10", .offset = "5")},
    {"SELECT id FROM users LIMIT ?", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id")}, .limit = "?0")},
    {"SELECT id FROM users WHERE k = ? LIMIT ?, ?", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}, .m = M(.items = {I("id")}, .limit = "?2", .offset = "?1")},
    {"SELECT DISTINCT name FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.distinct = true, .items = {I("name")})},
    {"SELECT DISTINCT name, k FROM users ORDER BY k DESC LIMIT 3", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.distinct = true, .items = {I("name"), I("k")}, .order = {OB("k", 0, true)},
            .limit = "3")},
    {"SELECT COUNT(DISTINCT name) FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IGD("COUNT(DISTINCT name)", "", A_CNT)}, .u = U_ADI)},
    {"SELECT SUM(DISTINCT k) FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IGD("SUM(DISTINCT k)", "", A_SUM)}, .u = U_ADI)},
    {"SELECT SUM(a)/COUNT(*) FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("SUM(a)/COUNT(*)")}, .u = U_AEX)},
    {"SELECT COUNT(*) + 1 FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("COUNT(*) + 1")}, .u = U_AEX)},
    {"SELECT GROUP_CONCAT(name) FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IG("GROUP_CONCAT(name)", "", A_OTH, "name")}, .u = U_AOT)},
    {"SELECT STDDEV(k), BIT_AND(k) FROM users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {IG("STDDEV(k)", "", A_OTH, "k"), IG("BIT_AND(k)", "", A_OTH, "k")},
            .u = U_AOT)},
    {"SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM users", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}, .u = U_WIN},
    {"SELECT id, SUM(k) OVER (PARTITION BY name) FROM users", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")}, .u = U_WIN},
    {"SELECT * FROM (SELECT * FROM users ORDER BY id LIMIT 10) AS d", 0, SEL, .mu = SUBQ, .mn = RO,
     .o = TSUB, .t = {TX("", "users", "", SH | NS, 0, "*")}, .u = U_LSQ},
    {"SELECT id FROM users WHERE id IN (SELECT user_id FROM orders ORDER BY total LIMIT 3)", 0, SEL,
     .mu = SUBQ, .mn = RO, .o = TANY, .u = U_LSQ | U_SUB},
    {"SELECT id FROM users UNION SELECT user_id FROM orders", 0, SEL, .mu = UNI, .mn = RO,
     .t = {T("users", SH, "unpinned"), T("orders", SH, "unpinned")}, .u = U_UNI},
    {"SELECT id FROM users UNION ALL SELECT user_id FROM orders ORDER BY 1 LIMIT 5", 0, SEL,
     .mu = UNI, .mn = RO, .t = {T("users", SH, "unpinned"), T("orders", SH, "unpinned")},
     .u = U_UNI},
    {"(SELECT id FROM users WHERE id = 1) UNION (SELECT id FROM users WHERE id = 2)", 0, SEL,
     .mu = UNI, .mn = RO, .t = {T("users", SH, "~1"), T("users", SH, "~2")}, .u = U_UNI},
    {"SELECT id FROM users INTERSECT SELECT user_id FROM orders", 0, SEL, .mu = UNI, .mn = RO,
     .t = {T("users", SH, "unpinned"), T("orders", SH, "unpinned")}, .u = U_UNI},
    {"SELECT id FROM users EXCEPT SELECT user_id FROM orders", 0, SEL, .mu = UNI, .mn = RO,
     .t = {T("users", SH, "unpinned"), T("orders", SH, "unpinned")}, .u = U_UNI},
    {"SELECT name, COUNT(*) FROM users GROUP BY name WITH ROLLUP", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("name"), IG("COUNT(*)", "", A_CST, NULL)}, .group = {OB("name", 0, false)},
            .u = U_RUP)},
    {"SELECT SQL_CALC_FOUND_ROWS id FROM users LIMIT 10", 0, SEL, .mn = W | PART, .s = S_DEP,
     .o = SHAS, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id")}, .limit = "10", .u = U_FR)},
    {"SELECT id FROM users ORDER BY created_at", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id")}, .order = {OB("created_at", 0, false)}, .u = U_OEX)},
    {"SELECT id, name FROM users ORDER BY LOWER(name)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("id"), I("name")}, .order = {OB("LOWER(name)", 0, false)}, .u = U_OEX)},
    {"SELECT name, COUNT(*) FROM users GROUP BY LEFT(name, 1)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("name"), IG("COUNT(*)", "", A_CST, NULL)},
            .group = {OB("LEFT(name, 1)", 0, false)}, .u = U_OEX)},
    {"SELECT id, (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id) AS n FROM users u", 0, SEL,
     .mu = SUBQ, .mn = RO, .o = TSUB,
     .t = {TX("", "users", "u", SH, 0, "unpinned"), TX("", "orders", "o", NS | SH, 0, "*")},
     .u = U_SUB},
    {"SELECT name, MIN(k), MAX(k) FROM users GROUP BY name ORDER BY name LIMIT 20", 0, SEL,
     .mn = RO, .t = {T("users", SH, "unpinned")},
     .m = M(.items = {I("name"), IG("MIN(k)", "", A_MIN, "k"), IG("MAX(k)", "", A_MAX, "k")},
            .group = {OB("name", 0, false)}, .order = {OB("name", 0, false)}, .limit = "20")},
    {"SELECT AVG(k) FROM users WHERE id = 3", 0, SEL, .mn = RO, .t = {T("users", SH, "3")},
     .m = M(.items = {IG("AVG(k)", "", A_AVG, "k")})},
    {"SELECT COUNT(*) FROM users WHERE id IN (1, 2, 3)", 0, SEL, .mn = RO,
     .t = {T("users", SH, "1|2|3")}, .m = M(.items = {IG("COUNT(*)", "", A_CST, NULL)})},
    {"SELECT * FROM users WHERE name = @n", 0, SEL, .mn = RO, .s = S_UVR,
     .t = {T("users", SH, "unpinned")}, .u = U_VAR},
    {"SELECT u.*, o.total FROM users u JOIN orders o ON o.user_id = u.id", 0, SEL, .mu = JN,
     .mn = RO, .t = {TA("users", "u", SH, "unpinned"), TA("orders", "o", SH, "unpinned")},
     .m = M(.items = {ISTAR("u.*"), I("o.total")})},
    {"WITH c AS (SELECT id FROM users) SELECT COUNT(*) FROM c", 0, SEL, .mu = FCTE, .mn = RO,
     .o = TSUB, .t = {TX("", "users", "", SH | NS, 0, "*"), TX("", "c", "", CT, NS, NULL)},
     .m = M(.items = {IG("COUNT(*)", "", A_CST, NULL)}, .skip = CLS_M_U)},
    {"TABLE users", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"TABLE users ORDER BY id LIMIT 2", 0, SEL, .mn = RO, .t = {T("users", SH, "unpinned")}},
    {"VALUES ROW(1, 2), ROW(3, 4)", 0, SEL, .mn = RO},
    {"VALUES (1, 2)", 0, SEL, .mn = RO},
    {"WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM "
     "r",
     0, SEL, .mu = FCTE, .mn = RO, .o = TSUB, .t = {TX("", "r", "", CT, NS, NULL)}},
    {"WITH c AS (SELECT * FROM users WHERE id = 1) SELECT * FROM c", 0, SEL, .mu = FCTE, .mn = RO,
     .o = TSUB, .t = {TX("", "users", "", SH | NS, 0, "*"), TX("", "c", "", CT, NS, NULL)}},
    {"SELECT SLEEP(1)", 0, SEL, .mn = W | PART, .o = SHAS},
    {"SELECT CONNECTION_ID()", 0, SEL, .mn = W | PART, .o = SHAS},
    {"SELECT @a", 0, SEL, .mn = W | PART, .s = S_UVR},

    /* = here compares; it does not assign. */
    {"SELECT @a = 1", 0, SEL, .mn = RO, .s = S_UVR},
};

/* ======================================================================== */
/* SET */
static const struct cls_case cls_cases_set[] = {
    {"SET x=1", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO | S_UV, .o = SHAS, .ns = 1,
     .st = {{SC_DEF, "x", "1"}}},
    {"SET SESSION x=1", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_SES, "x", "1"}}},
    {"SET @@session.x=1", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_SES, "x", "1"}}},
    /* @@x without a scope word is the session value. */
    {"SET @@x=1", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO | S_UV, .o = SHAS, .ns = 1,
     .st = {{SC_DS, "x", "1"}}},
    {"SET LOCAL x=1", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_LOC, "x", "1"}}},
    {"SET @@local.x=1", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_LOC, "x", "1"}}},
    {"SET GLOBAL x=1", 0, SET_, .mu = WP, .s = S_GLO, .sn = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_GLO, "x", "1"}}},
    {"SET @@global.x=1", 0, SET_, .mu = WP, .s = S_GLO, .sn = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_GLO, "x", "1"}}},
    {"SET PERSIST x=1", 0, SET_, .mu = WP, .s = S_GLO, .sn = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_PER, "x", "1"}}},
    {"SET PERSIST_ONLY x=1", 0, SET_, .mu = WP, .s = S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_ANY, "x", "1"}}},
    {"SET a=1, @@global.b=2, @c=3", 0, SET_, .mu = WP, .s = S_SYS | S_GLO | S_UV, .o = SHAS,
     .ns = 3, .st = {{SC_DEF, "a", "1"}, {SC_GLO, "b", "2"}, {SC_USR, "c", "3"}}},
    /* "the most recent GLOBAL or SESSION modifier in the statement is used
     * for following assignments that have no modifier" (MySQL SET docs). */
    {"SET GLOBAL max_connections = 1000, sort_buffer_size = 1000000", 0, SET_, .mu = WP, .s = S_GLO,
     .sn = S_SYS, .o = SHAS, .ns = 2,
     .st = {{SC_GLO, "max_connections", "1000"}, {SC_GLO, "sort_buffer_size", "1000000"}}},
    {"SET SESSION a = 1, GLOBAL b = 2, c = 3", 0, SET_, .mu = WP, .s = S_SYS | S_GLO, .o = SHAS,
     .ns = 3, .st = {{SC_SES, "a", "1"}, {SC_GLO, "b", "2"}, {SC_GLO, "c", "3"}}},
    {"SET NAMES utf8mb4 COLLATE utf8mb4_bin", 0, SET_, .mn = W | PART, .s = S_NAM, .sn = S_GLO,
     .o = SHAS, .ns = 1, .st = {{SC_DS, "NAMES", "utf8mb4 COLLATE utf8mb4_bin"}}},
    {"SET NAMES 'utf8'", 0, SET_, .mn = W | PART, .s = S_NAM, .o = SHAS, .ns = 1,
     .st = {{SC_DS, "NAMES", "'utf8'"}}},
    {"SET CHARACTER SET latin1", 0, SET_, .mn = W | PART, .s = S_NAM, .sn = S_GLO, .o = SHAS,
     .ns = 1, .st = {{SC_DS, NULL, "latin1"}}},
    {"SET CHARSET utf8mb4", 0, SET_, .mn = W | PART, .s = S_NAM, .o = SHAS, .ns = 1,
     .st = {{SC_DS, "CHARSET", "utf8mb4"}}},
    {"SET autocommit = 0", 0, SET_, .mn = W | PART, .s = S_AC, .sn = S_GLO | S_TB, .o = SHAS,
     .ns = 1, .st = {{SC_DEF, "autocommit", "0"}}},
    {"SET autocommit = ON", 0, SET_, .mn = W | PART, .s = S_AC, .o = SHAS, .ns = 1,
     .st = {{SC_DEF, "autocommit", "ON"}}},
    {"SET @@autocommit = 1", 0, SET_, .mn = W | PART, .s = S_AC, .o = SHAS, .ns = 1,
     .st = {{SC_DS, "autocommit", "1"}}},
    {"SET SESSION autocommit = OFF", 0, SET_, .mn = W | PART, .s = S_AC, .o = SHAS, .ns = 1,
     .st = {{SC_SES, "autocommit", "OFF"}}},
    {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", 0, SET_, .mn = W | PART, .s = S_NTX,
     .sn = S_TXC | S_GLO, .o = SHAS},
    {"SET TRANSACTION READ WRITE", 0, SET_, .mn = W | PART, .s = S_NTX, .sn = S_TXC, .o = SHAS},
    {"SET SESSION TRANSACTION READ ONLY", 0, SET_, .mn = W | PART, .s = S_TXC, .sn = S_NTX,
     .o = SHAS},
    {"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE", 0, SET_, .mn = W | PART,
     .s = S_TXC, .sn = S_NTX, .o = SHAS},
    {"SET GLOBAL TRANSACTION ISOLATION LEVEL READ COMMITTED", 0, SET_, .mu = WP, .s = S_GLO,
     .sn = S_TXC | S_NTX, .o = SHAS},
    {"SET @@SESSION.transaction_isolation = 'READ-COMMITTED'", 0, SET_, .mn = W | PART, .s = S_SYS,
     .sn = S_GLO | S_NTX, .o = SHAS, .ns = 1,
     .st = {{SC_SES, "transaction_isolation", "'READ-COMMITTED'"}}},
    {"SET @u = 1", 0, SET_, .mn = W | PART, .s = S_UV, .sn = S_SYS | S_GLO, .o = SHAS, .ns = 1,
     .st = {{SC_USR, "u", "1"}}},
    {"SET @u := (SELECT COUNT(*) FROM users)", 0, SET_, .mn = W, .s = S_UV, .sn = S_GLO,
     .o = SHAS | TANY, .ns = 1, .st = {{SC_USR, "u", "(SELECT COUNT(*) FROM users)"}}},
    {"SET @a = 1, @b = 'x'", 0, SET_, .mn = W | PART, .s = S_UV, .o = SHAS, .ns = 2,
     .st = {{SC_USR, "a", "1"}, {SC_USR, "b", "'x'"}}},
    {"SET sql_mode = 'ANSI_QUOTES'", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS,
     .ns = 1, .st = {{SC_DEF, "sql_mode", "'ANSI_QUOTES'"}}},
    {"SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')", 0, SET_, .mn = W | PART,
     .s = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_SES, "sql_mode", "CONCAT(@@sql_mode, ',ANSI_QUOTES')"}}},
    /* SET STATEMENT ... FOR changes nothing in the session. */
    {"SET STATEMENT max_statement_time=1 FOR SELECT 1", 0, ANYK, .sn = S_SYS | S_GLO, .o = SHAS},
    {"SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO'", 0, SET_, .mn = W | PART,
     .s = S_UV | S_SYS, .sn = S_GLO, .o = SHAS, .ns = 2,
     .st = {{SC_USR, "OLD_SQL_MODE", "@@SQL_MODE"},
            {SC_DEF, "SQL_MODE", "'NO_AUTO_VALUE_ON_ZERO'"}}},
    {"set session wait_timeout=28800", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO, .o = SHAS,
     .ns = 1, .st = {{SC_SES, "wait_timeout", "28800"}}},
    {"SET time_zone = '+00:00'", 0, SET_, .mn = W | PART, .s = S_SYS, .o = SHAS, .ns = 1,
     .st = {{SC_DEF, "time_zone", "'+00:00'"}}},
    {"SET @@SESSION.max_execution_time = 1000", 0, SET_, .mn = W | PART, .s = S_SYS, .o = SHAS,
     .ns = 1, .st = {{SC_SES, "max_execution_time", "1000"}}},
    {"SET unique_checks=0, foreign_key_checks=0", 0, SET_, .mn = W | PART, .s = S_SYS, .sn = S_GLO,
     .o = SHAS, .ns = 2,
     .st = {{SC_DEF, "unique_checks", "0"}, {SC_DEF, "foreign_key_checks", "0"}}},
    {"SET PASSWORD = 'x'", 0, ANYK, .mu = WP, .o = SHAS},

    {"SET NAMES utf8mb4, autocommit = 0", 0, SET_, .mn = W | PART, .s = S_NAM | S_AC, .o = SHAS,
     .ns = 2, .st = {{SC_DS, "NAMES", "utf8mb4"}, {SC_DEF, "autocommit", "0"}}},
    {"SET autocommit := 0", 0, SET_, .mn = W | PART, .s = S_AC, .o = SHAS, .ns = 1,
     .st = {{SC_DEF, "autocommit", "0"}}},
};

/* ======================================================================== */
/* Transaction control and the other kinds. */
static const struct cls_case cls_cases_kinds[] = {
    {"BEGIN WORK", 0, BEG, .mn = W | PART, .s = S_TB, .o = SHAS},
    {"begin;", 0, BEG, .mn = W | PART, .s = S_TB, .o = SHAS},
    {"START TRANSACTION", 0, BEG, .mn = W | PART | TRO | TRW | TSN, .s = S_TB, .o = SHAS},
    {"START TRANSACTION READ ONLY", 0, BEG, .mu = TRO, .mn = W | PART | TRW | TSN, .s = S_TB,
     .o = SHAS},
    {"START TRANSACTION READ WRITE", 0, BEG, .mu = TRW, .mn = W | PART | TRO | TSN, .s = S_TB,
     .o = SHAS},
    {"START TRANSACTION WITH CONSISTENT SNAPSHOT", 0, BEG, .mu = TSN, .mn = W | PART | TRO | TRW,
     .s = S_TB, .o = SHAS},
    {"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", 0, BEG, .mu = TSN | TRO,
     .mn = W | PART | TRW, .s = S_TB, .o = SHAS},
    {"START TRANSACTION READ WRITE, WITH CONSISTENT SNAPSHOT", 0, BEG, .mu = TSN | TRW,
     .mn = W | PART | TRO, .s = S_TB, .o = SHAS},
    {"START /* c */ TRANSACTION /*! READ ONLY */", 0, BEG, .mu = TRO, .mn = W | PART | TRW,
     .s = S_TB, .o = SHAS},
    {"COMMIT WORK", 0, COM, .mn = W | PART, .s = S_TE, .o = SHAS},
    /* AND CHAIN ends the transaction and opens the next one. */
    {"COMMIT AND CHAIN", 0, COM, .mn = W | PART, .s = S_TE | S_TB, .o = SHAS},
    {"COMMIT AND NO CHAIN", 0, COM, .mn = W | PART, .s = S_TE, .sn = S_TB, .o = SHAS},
    {"COMMIT RELEASE", 0, COM, .mn = W | PART, .s = S_TE, .o = SHAS},
    {"ROLLBACK", 0, RBK, .mn = W | PART, .s = S_TE, .sn = S_TB, .o = SHAS},
    {"ROLLBACK WORK", 0, RBK, .mn = W | PART, .s = S_TE, .o = SHAS},
    {"ROLLBACK AND CHAIN", 0, RBK, .mn = W | PART, .s = S_TE | S_TB, .o = SHAS},
    {"ROLLBACK TO SAVEPOINT x", 0, RBT, .mn = W | PART, .sn = S_TE | S_TB, .o = SHAS},
    {"ROLLBACK TO x", 0, RBT, .mn = W | PART, .sn = S_TE, .o = SHAS},
    {"ROLLBACK WORK TO SAVEPOINT `sp 1`", 0, RBT, .mn = W | PART, .sn = S_TE, .o = SHAS},
    {"SAVEPOINT x", 0, SVP, .mn = W | PART, .sn = S_TE | S_TB, .o = SHAS},
    {"RELEASE SAVEPOINT x", 0, RSP, .mn = W | PART, .sn = S_TE | S_TB, .o = SHAS},
    {"release savepoint active_record_1", 0, RSP, .mn = W | PART, .sn = S_TE, .o = SHAS},
    {"XA BEGIN 'x'", 0, XA_, .mu = P, .s = S_TB, .o = SHAS},
    {"XA END 'x'", 0, XA_, .mu = P, .o = SHAS},
    {"XA PREPARE 'x'", 0, XA_, .mu = P, .o = SHAS},
    {"XA COMMIT 'x'", 0, XA_, .mu = P, .o = SHAS},
    {"XA COMMIT 'x' ONE PHASE", 0, XA_, .mu = P, .o = SHAS},
    {"XA ROLLBACK 'x'", 0, XA_, .mu = P, .o = SHAS},
    {"XA RECOVER", 0, XA_, .mu = P, .o = SHAS},
    /* SQL-level prepared statements; the ? inside the string is not a
     * placeholder of this statement. */
    {"PREPARE s FROM 'SELECT * FROM users WHERE id = ?'", 0, PRE, .s = S_PR, .o = SHAS},
    {"PREPARE stmt1 FROM @sql", 0, PRE, .s = S_PR, .o = SHAS},
    {"EXECUTE s USING @a, @b", 0, EXE, .mu = WP, .s = S_PR, .o = SHAS},
    {"DEALLOCATE PREPARE s", 0, DEA, .mn = W, .s = S_PR, .o = SHAS},
    /* DROP PREPARE is DEALLOCATE, not DDL. */
    {"DROP PREPARE s", 0, DEA, .mn = W, .s = S_PR, .sn = S_TE, .o = SHAS},
    {"USE db", 0, USE_, .mn = W | PART, .s = S_USE, .sn = S_TE, .o = SHAS,
     .t = {TS("db", "", "", 0, NULL)}},
    {"USE `my db`", 0, USE_, .mn = W | PART, .s = S_USE, .o = SHAS,
     .t = {TS("`my db`", "", "", 0, NULL)}},
    {"use app;", 0, USE_, .mn = W | PART, .s = S_USE, .o = SHAS, .t = {TS("app", "", "", 0, NULL)}},
    {"SHOW TABLES", 0, SHW, .mn = W | PART},
    {"SHOW CREATE TABLE users", 0, SHW, .mn = W | PART},
    {"show variables like 'version%'", 0, SHW, .mn = W | PART},
    {"SHOW ERRORS", 0, SHW, .mn = W | PART, .s = S_DEP, .o = SHAS},
    {"SHOW COUNT(*) WARNINGS", 0, SHW, .mn = W | PART, .s = S_DEP, .o = SHAS},
    {"SHOW MASTER STATUS", 0, SHW, .mn = W | PART, .o = SHAS},
    /* DDL (implicitly commits: CLS_S_TX_END) */
    {"CREATE TABLE t (id INT PRIMARY KEY)", 0, DDL_, .mu = WP, .mn = TMP, .s = S_TE, .o = SHAS,
     .t = {T("t", TG, NULL)}, .ddl = "TABLE"},
    {"ALTER TABLE users ADD COLUMN c INT", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS,
     .t = {T("users", TGS, "*")}, .ddl = "TABLE"},
    {"ALTER TABLE `app`.`users` ENGINE=InnoDB", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS,
     .t = {TS("`app`", "`users`", "", TGS, "*")}, .ddl = "TABLE"},
    {"DROP TABLE IF EXISTS t1, t2", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS,
     .t = {T("t1", TG, NULL), T("t2", TG, NULL)}, .ddl = "TABLE"},
    /* Temporary tables do not commit (MySQL "implicit commit" docs). */
    {"DROP TEMPORARY TABLE IF EXISTS tmp", 0, DDL_, .mu = WP | TMP, .s = S_TT, .sn = S_TE,
     .o = SHAS, .t = {T("tmp", TG, NULL)}, .ddl = "TABLE"},
    {"CREATE INDEX i ON users (name)", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TSUB,
     .t = {T("users", TGS, "*")}, .ddl = "INDEX"},
    {"CREATE UNIQUE INDEX i ON users (email)", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TANY},
    {"DROP INDEX i ON users", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TSUB,
     .t = {T("users", TGS, "*")}, .ddl = "INDEX"},
    {"CREATE DATABASE shop", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS, .ddl = "DATABASE"},
    {"CREATE SCHEMA IF NOT EXISTS shop", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS},
    {"DROP DATABASE shop", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS, .ddl = "DATABASE"},
    {"CREATE VIEW v AS SELECT * FROM users", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TANY,
     .ddl = "VIEW"},
    {"CREATE OR REPLACE VIEW v AS SELECT id FROM users", 0, DDL_, .mu = WP, .o = SHAS | TANY,
     .ddl = "VIEW"},
    {"DROP VIEW IF EXISTS v", 0, DDL_, .mu = WP, .o = SHAS | TANY, .ddl = "VIEW"},
    {"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", 0, DDL_, .mu = WP, .mn = PART,
     .o = SHAS | TANY, .ddl = "PROCEDURE"},
    {"CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN DELETE FROM users; END", 0, DDL_,
     .mu = WP, .o = SHAS | TANY, .ddl = "PROCEDURE"},
    {"DROP PROCEDURE IF EXISTS p", 0, DDL_, .mu = WP, .o = SHAS | TANY, .ddl = "PROCEDURE"},
    {"CREATE FUNCTION f() RETURNS INT RETURN 1", 0, DDL_, .mu = WP, .o = SHAS | TANY,
     .ddl = "FUNCTION"},
    {"CREATE TRIGGER tr BEFORE INSERT ON users FOR EACH ROW SET NEW.k = 1", 0, DDL_, .mu = WP,
     .o = SHAS | TANY, .ddl = "TRIGGER"},
    {"CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM t", 0, DDL_, .mu = WP,
     .o = SHAS | TANY, .ddl = "EVENT"},
    {"CREATE SEQUENCE s START WITH 1", 0, DDL_, .mu = WP, .o = SHAS | TANY, .ddl = "SEQUENCE"},
    {"CREATE USER 'u'@'%' IDENTIFIED BY 'p'", 0, DDL_, .mu = WP, .o = SHAS | TANY, .ddl = "USER"},
    {"DROP USER 'u'@'%'", 0, DDL_, .mu = WP, .o = SHAS | TANY, .ddl = "USER"},
    {"CREATE TABLE t2 LIKE t1", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TSUB,
     .t = {T("t2", TG, NULL)}, .ddl = "TABLE"},
    {"CREATE TABLE IF NOT EXISTS `shop`.`t` (id INT)", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS,
     .t = {TS("`shop`", "`t`", "", TG, NULL)}, .ddl = "TABLE"},
    {"RENAME TABLE a TO b, c TO d", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS | TANY, .ddl = "TABLE"},
    {"TRUNCATE TABLE users", 0, DDL_, .mu = WP, .s = S_TE, .o = SHAS, .t = {T("users", TGS, "*")},
     .ddl = "TABLE"},
    /* LOCK / UNLOCK TABLES */
    {"LOCK TABLES users READ, orders AS o WRITE", 0, LCK, .s = S_LT, .o = SHAS | TANY},
    {"LOCK TABLE users READ LOCAL", 0, LCK, .s = S_LT, .o = SHAS | TANY},
    {"UNLOCK TABLES", 0, ULK, .s = S_LT, .o = SHAS},
    {"UNLOCK TABLE", 0, ULK, .s = S_LT, .o = SHAS},
    /* CALL */
    {"CALL shop.p(1, 'x')", 0, CAL, .mu = WP, .o = SHAS | TANY},
    {"call p", 0, CAL, .mu = WP, .o = SHAS | TANY},
    /* LOAD DATA / XML */
    {"LOAD DATA LOCAL INFILE '/tmp/u.csv' INTO TABLE users FIELDS TERMINATED BY ','", 0, LDD,
     .mu = WP | LOC, .t = {T("users", TGS, "unpinned")}},
    {"LOAD DATA INFILE '/tmp/u.csv' REPLACE INTO TABLE users", 0, LDD, .mu = WP, .mn = LOC,
     .t = {T("users", TGS, "unpinned")}},
    {"LOAD XML LOCAL INFILE '/tmp/x.xml' INTO TABLE t", 0, LDD, .mu = WP | LOC,
     .t = {T("t", TG, NULL)}},
    {"LOAD DATA LOW_PRIORITY LOCAL INFILE 'x' IGNORE INTO TABLE t", 0, LDD, .mu = WP | LOC,
     .t = {T("t", TG, NULL)}},
    {"LOAD DATA /*!LOCAL*/ INFILE 'x' INTO TABLE t", 0, LDD, .mu = WP | LOC,
     .t = {T("t", TG, NULL)}},
    /* DO */
    {"DO 1", 0, DO_, .mn = W | PART, .o = SHAS},
    {"DO SLEEP(1)", 0, DO_, .mn = W | PART, .o = SHAS},
    /* EXPLAIN / DESCRIBE */
    {"EXPLAIN SELECT * FROM users WHERE id = 1", 0, EXP, .mn = W | PART, .o = SHAS | TANY},
    {"EXPLAIN FORMAT=JSON UPDATE users SET k = 1", 0, EXP, .mn = W, .o = SHAS | TANY},
    {"DESC users", 0, EXP, .mn = W | PART, .o = SHAS | TANY},
    {"DESC SELECT 1", 0, EXP, .mn = W | PART, .o = SHAS | TANY},
    {"EXPLAIN users", 0, EXP, .mn = W | PART, .o = SHAS | TANY},
    {"EXPLAIN EXTENDED SELECT 1", 0, EXP, .mn = W | PART, .o = SHAS | TANY},
    /* EXPLAIN ANALYZE runs a SELECT: still no write. */
    {"EXPLAIN ANALYZE SELECT * FROM users", 0, EXP, .mn = W, .o = SHAS | TANY},
    /* KILL */
    {"KILL 5", 0, KIL, .o = SHAS},
    {"KILL QUERY 7", 0, KIL, .o = SHAS},
    {"KILL CONNECTION 8", 0, KIL, .o = SHAS},
    {"KILL HARD QUERY 9", 0, KIL, .o = SHAS},
    {"kill 10", 0, KIL, .o = SHAS},
    /* Only comments and whitespace. */
    {"", 0, EMP, .mn = W | PART, .o = TCHK},
    {"   \n\t", 0, EMP, .mn = W | PART, .o = TCHK},
    {"-- only a comment", 0, EMP, .mn = W | PART, .o = TCHK},
    {"# only a comment\n", 0, EMP, .mn = W | PART, .o = TCHK},
    {"/* only a comment */", 0, EMP, .mn = W | PART, .o = TCHK},
    {"/*+ hint only */", 0, EMP, .mn = W | PART, .o = TCHK},
    {";", 0, EMP, .mn = W | PART, .o = TCHK},
    {"/*!*/", 0, EMP, .mn = W | PART, .o = TCHK},
    /* Other statements. */
    {"HANDLER users OPEN", 0, OTH, .mu = P, .o = SHAS | TANY},
    {"HANDLER users READ FIRST", 0, OTH, .mu = P, .o = SHAS | TANY},
    {"REVOKE ALL ON *.* FROM 'u'@'%'", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"FLUSH PRIVILEGES", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"OPTIMIZE TABLE users", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"REPAIR TABLE t", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"INSTALL PLUGIN x SONAME 'x.so'", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"RESET MASTER", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"PURGE BINARY LOGS TO 'mysql-bin.010'", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"CHANGE MASTER TO MASTER_HOST='h'", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"SHUTDOWN", 0, OTH, .mu = WP, .o = SHAS | TANY},

    /* ANALYZE TABLE updates index statistics (and is binlogged): not
     * MariaDB's ANALYZE <statement>, nor MySQL 8's TABLE statement. */
    {"ANALYZE TABLE users", 0, OTH, .mu = WP, .o = SHAS | TANY},
    {"ANALYZE NO_WRITE_TO_BINLOG TABLE users", 0, OTH, .mu = WP, .o = SHAS | TANY},
};

static const struct cls_case_set cls_case_sets[] = {
#define CLS_CASE_SET(name, a)                                                                      \
    {                                                                                              \
        name, a, sizeof(a) / sizeof((a)[0])                                                        \
    }
    CLS_CASE_SET("sysbench", cls_cases_sysbench),
    CLS_CASE_SET("apps", cls_cases_apps),
    CLS_CASE_SET("lexical", cls_cases_lexical),
    CLS_CASE_SET("adversarial", cls_cases_adversarial),
    CLS_CASE_SET("keys", cls_cases_keys),
    CLS_CASE_SET("merge", cls_cases_merge),
    CLS_CASE_SET("set", cls_cases_set),
    CLS_CASE_SET("kinds", cls_cases_kinds),
#undef CLS_CASE_SET
};

/* ======================================================================== */
/* cls_next_statement(): the statements found (those with at least one
 * token, whitespace-trimmed; whether an empty or comment-only piece is
 * returned as a statement is left open) and the final return value. */
static const struct cls_split_case cls_split_cases[] = {
    {"SELECT 1; SELECT 2", 0, {"SELECT 1", "SELECT 2"}, 0},
    {"SELECT 1;", 0, {"SELECT 1"}, 0},
    {"SELECT 1", 0, {"SELECT 1"}, 0},
    {"", 0, {NULL}, 0},
    {";;;", 0, {NULL}, 0},
    {"  SELECT 1  ;  SELECT 2  ;  ", 0, {"SELECT 1", "SELECT 2"}, 0},
    {"SELECT 1;;SELECT 2", 0, {"SELECT 1", "SELECT 2"}, 0},
    {"SELECT ';'; SELECT 2", 0, {"SELECT ';'", "SELECT 2"}, 0},
    {"SELECT 'a''; b'; SELECT 2", 0, {"SELECT 'a''; b'", "SELECT 2"}, 0},
    {"SELECT 'a\\'; b'; SELECT 2", 0, {"SELECT 'a\\'; b'", "SELECT 2"}, 0},
    {"SELECT 1 /* ; */; SELECT 2", 0, {"SELECT 1 /* ; */", "SELECT 2"}, 0},
    {"SELECT 1 -- ;\n; SELECT 2", 0, {"SELECT 1 -- ;", "SELECT 2"}, 0},
    {"SELECT 1 # ;\n; SELECT 2", 0, {"SELECT 1 # ;", "SELECT 2"}, 0},
    {"SELECT `a;b`; SELECT \"c;d\"", 0, {"SELECT `a;b`", "SELECT \"c;d\""}, 0},
    {"SELECT \"a;\" ; SELECT 2", ANSI, {"SELECT \"a;\"", "SELECT 2"}, 0},
    /* With NO_BACKSLASH_ESCAPES 'a\' ends; without, the string never does. */
    {"SELECT 'a\\'; DELETE FROM t", NOBS, {"SELECT 'a\\'", "DELETE FROM t"}, 0},
    {"SELECT 'a\\'; DELETE FROM t", 0, {NULL}, -1},
    {"SELECT 1; SELECT 'x", 0, {"SELECT 1"}, -1},
    {"SELECT 1 /* unterminated", 0, {NULL}, -1},
    {"SELECT 1; SELECT `x", 0, {"SELECT 1"}, -1},
    /* The ';' inside an executable comment is live SQL. */
    {"SELECT 1 /*!; DROP TABLE t */", 0, {"SELECT 1 /*!", "DROP TABLE t */"}, 0},
    /* A transaction BEGIN is a statement of its own ... */
    {"BEGIN; SELECT 1; COMMIT", 0, {"BEGIN", "SELECT 1", "COMMIT"}, 0},
    {"BEGIN WORK; INSERT INTO t VALUES (1); COMMIT;",
     0,
     {"BEGIN WORK", "INSERT INTO t VALUES (1)", "COMMIT"},
     0},
    /* ... a compound BEGIN ... END body is one statement. */
    {"BEGIN NOT ATOMIC INSERT INTO t VALUES (1); UPDATE t SET a = 2; END; SELECT 1",
     0,
     {"BEGIN NOT ATOMIC INSERT INTO t VALUES (1); UPDATE t SET a = 2; END", "SELECT 1"},
     0},
    {"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END; CALL p()",
     0,
     {"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "CALL p()"},
     0},
    {"CREATE PROCEDURE p() BEGIN DECLARE x INT; BEGIN SELECT 1; END; END; SELECT 3",
     0,
     {"CREATE PROCEDURE p() BEGIN DECLARE x INT; BEGIN SELECT 1; END; END", "SELECT 3"},
     0},
    {"BEGIN NOT ATOMIC IF 1 THEN SELECT 1; END IF; END; SELECT 2",
     0,
     {"BEGIN NOT ATOMIC IF 1 THEN SELECT 1; END IF; END", "SELECT 2"},
     0},
    {"BEGIN NOT ATOMIC l: LOOP LEAVE l; END LOOP; END; SELECT 1",
     0,
     {"BEGIN NOT ATOMIC l: LOOP LEAVE l; END LOOP; END", "SELECT 1"},
     0},
    /* CASE ... END inside a statement or a body must not unbalance BEGIN/END. */
    {"SELECT CASE WHEN 1 THEN 2 END; SELECT 3",
     0,
     {"SELECT CASE WHEN 1 THEN 2 END", "SELECT 3"},
     0},
    {"BEGIN NOT ATOMIC SELECT CASE WHEN 1 THEN 2 END; END; SELECT 3",
     0,
     {"BEGIN NOT ATOMIC SELECT CASE WHEN 1 THEN 2 END; END", "SELECT 3"},
     0},
    {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END; SELECT 1",
     0,
     {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END", "SELECT 1"},
     0},
    /* A procedure without BEGIN has a one-statement body. */
    {"CREATE PROCEDURE p() SELECT 1; SELECT 2",
     0,
     {"CREATE PROCEDURE p() SELECT 1", "SELECT 2"},
     0},
    {"XA START 'x'; SELECT 1", 0, {"XA START 'x'", "SELECT 1"}, 0},
    {"SELECT 1;\n", 0, {"SELECT 1"}, 0},
    {"BEGIN ; DELETE FROM t", 0, {"BEGIN", "DELETE FROM t"}, 0},
    /* IF() and REPEAT() are also functions; CASE, WHILE, REPEAT, LOOP and
     * labels close with END CASE / END WHILE / END REPEAT / END lbl. */
    {"BEGIN NOT ATOMIC SELECT IF(1, 2, 3); END; DELETE FROM t",
     0,
     {"BEGIN NOT ATOMIC SELECT IF(1, 2, 3); END", "DELETE FROM t"},
     0},
    {"BEGIN NOT ATOMIC SELECT REPEAT('a', 3); END; DELETE FROM t",
     0,
     {"BEGIN NOT ATOMIC SELECT REPEAT('a', 3); END", "DELETE FROM t"},
     0},
    {"BEGIN NOT ATOMIC CASE WHEN 1 THEN SELECT 1; END CASE; END; DELETE FROM t",
     0,
     {"BEGIN NOT ATOMIC CASE WHEN 1 THEN SELECT 1; END CASE; END", "DELETE FROM t"},
     0},
    {"BEGIN NOT ATOMIC WHILE 0 DO SELECT 1; END WHILE; END; DELETE FROM t",
     0,
     {"BEGIN NOT ATOMIC WHILE 0 DO SELECT 1; END WHILE; END", "DELETE FROM t"},
     0},
    {"BEGIN NOT ATOMIC REPEAT SELECT 1; UNTIL 1 END REPEAT; END; DELETE FROM t",
     0,
     {"BEGIN NOT ATOMIC REPEAT SELECT 1; UNTIL 1 END REPEAT; END", "DELETE FROM t"},
     0},
    {"BEGIN NOT ATOMIC lbl: BEGIN SELECT 1; END lbl; END; DELETE FROM t",
     0,
     {"BEGIN NOT ATOMIC lbl: BEGIN SELECT 1; END lbl; END", "DELETE FROM t"},
     0},
    {"BEGIN NOT ATOMIC DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END; SELECT 1; END; "
     "DELETE FROM t",
     0,
     {"BEGIN NOT ATOMIC DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END; SELECT 1; END",
      "DELETE FROM t"},
     0},
    {"CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; END; DELETE FROM u",
     0,
     {"CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; END", "DELETE FROM u"},
     0},
    {"SELECT 1 AS `end`; SELECT 1 AS begin; DELETE FROM t",
     0,
     {"SELECT 1 AS `end`", "SELECT 1 AS begin", "DELETE FROM t"},
     0},
    {"SELECT 1 AS \"a\\\"; DELETE FROM t", ANSI, {"SELECT 1 AS \"a\\\"", "DELETE FROM t"}, 0},
    {"SELECT @'a\\'; DELETE FROM t", NOBS, {"SELECT @'a\\'", "DELETE FROM t"}, 0},
    {"SELECT @\"a\\\"; DELETE FROM t", ANSI, {"SELECT @\"a\\\"", "DELETE FROM t"}, 0},
};

/* ---- end of short names ------------------------------------------------- */
#undef ANSI
#undef NOBS
#undef OTH
#undef SEL
#undef INS
#undef REP
#undef UPD
#undef DEL
#undef BEG
#undef COM
#undef RBK
#undef SVP
#undef RBT
#undef RSP
#undef XA_
#undef SET_
#undef USE_
#undef SHW
#undef DDL_
#undef LCK
#undef ULK
#undef CAL
#undef PRE
#undef EXE
#undef DEA
#undef LDD
#undef DO_
#undef EXP
#undef KIL
#undef EMP
#undef ANYK
#undef W
#undef P
#undef PART
#undef LR
#undef INTO
#undef SFN
#undef LOC
#undef TRO
#undef TRW
#undef TSN
#undef ISEL
#undef NCL
#undef ODK
#undef SK
#undef SUBQ
#undef FCTE
#undef UNI
#undef JN
#undef TMP
#undef ODU
#undef IGN
#undef WP
#undef RO
#undef MULTI
#undef S_SYS
#undef S_GLO
#undef S_NAM
#undef S_AC
#undef S_TXC
#undef S_NTX
#undef S_UV
#undef S_TT
#undef S_LK
#undef S_PR
#undef S_LT
#undef S_DEP
#undef S_USE
#undef S_TB
#undef S_TE
#undef S_UVR
#undef SHAS
#undef TSUB
#undef TANY
#undef TCHK
#undef NOLK
#undef TG
#undef NS
#undef CT
#undef SH
#undef TGS
#undef U_WIN
#undef U_LSQ
#undef U_AEX
#undef U_AOT
#undef U_ADI
#undef U_SUB
#undef U_UNI
#undef U_JK
#undef U_OEX
#undef U_HEX
#undef U_VAR
#undef U_RUP
#undef U_FR
#undef SC_DEF
#undef SC_SES
#undef SC_LOC
#undef SC_GLO
#undef SC_PER
#undef SC_USR
#undef SC_DS
#undef SC_ANY
#undef T
#undef TA
#undef TS
#undef TX
#undef M
#undef I
#undef IA
#undef IG
#undef IGD
#undef ISTAR
#undef OB
#undef A_CNT
#undef A_CST
#undef A_SUM
#undef A_MIN
#undef A_MAX
#undef A_AVG
#undef A_OTH

#endif
