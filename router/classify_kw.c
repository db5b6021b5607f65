/*
 * classify_kw.c — the classifier's token stream: the keyword and
 * function-name table, and cx_lex(), which lexes a token into the parser's
 * lookahead ring. One hash lookup per bare word gives its keyword id
 * (include/classify_int.h KW_LIST), whether it is reserved, and what a call
 * of it means (built-in, aggregate, side effect, or unknown: a stored
 * function). Both live here so that the lookup inlines into the lexing loop.
 *
 * The table is static data; the hash index over it is built once, on first
 * use, under pthread_once.
 */
#include "classify_int.h"

#include <pthread.h>
#include <string.h>

struct kwdef {
    const char *name;
    uint8_t flags;
    uint8_t fn;
};

#define R KWF_RESERVED
#define O KWF_OPERAND
#define U KWF_UNIT
#define I KWF_INTRO

static const struct kwdef kw_defs[KW__COUNT] = {{"", 0, 0},
#define C KWF_CLAUSE
#define N KWF_NOALIAS
#define KW_DEF(n, f, fn) {#n, f, fn},
                                                KW_LIST(KW_DEF)
#undef KW_DEF
#undef C
#undef N
};

/* Words without an id of their own: built-in functions (so that a call of
 * anything else can be taken for a stored function, which may write),
 * type names (CAST(x AS DECIMAL(10,2)) is not a call), other reserved
 * words, interval units and charset introducers. A word already in KW_LIST
 * is not repeated here. */
static const struct kwdef fn_defs[] = {
    /* aggregates */
    {"SUM", 0, FN_SUM},
    {"MIN", 0, FN_MIN},
    {"MAX", 0, FN_MAX},
    {"AVG", 0, FN_AVG},
    {"GROUP_CONCAT", 0, FN_AGG_OTHER},
    {"STD", 0, FN_AGG_OTHER},
    {"STDDEV", 0, FN_AGG_OTHER},
    {"STDDEV_POP", 0, FN_AGG_OTHER},
    {"STDDEV_SAMP", 0, FN_AGG_OTHER},
    {"VARIANCE", 0, FN_AGG_OTHER},
    {"VAR_POP", 0, FN_AGG_OTHER},
    {"VAR_SAMP", 0, FN_AGG_OTHER},
    {"BIT_AND", 0, FN_AGG_OTHER},
    {"BIT_OR", 0, FN_AGG_OTHER},
    {"BIT_XOR", 0, FN_AGG_OTHER},
    {"JSON_ARRAYAGG", 0, FN_AGG_OTHER},
    {"JSON_OBJECTAGG", 0, FN_AGG_OTHER},
    /* side effects and per-connection results */
    {"GET_LOCK", 0, FN_LOCK},
    {"RELEASE_LOCK", 0, FN_LOCK},
    {"RELEASE_ALL_LOCKS", 0, FN_LOCK},
    {"IS_FREE_LOCK", 0, FN_LOCK_INFO},
    {"IS_USED_LOCK", 0, FN_LOCK_INFO},
    {"NEXTVAL", 0, FN_SEQ},
    {"SETVAL", 0, FN_SEQ},
    {"LASTVAL", 0, FN_DEPENDS},
    {"LAST_INSERT_ID", 0, FN_DEPENDS},
    {"FOUND_ROWS", 0, FN_DEPENDS},
    {"ROW_COUNT", 0, FN_DEPENDS},
    {"SLEEP", 0, FN_SLEEP},
    /* window functions (OVER makes them unprovable, not the name) */
    {"ROW_NUMBER", 0, FN_PLAIN},
    {"RANK", 0, FN_PLAIN},
    {"DENSE_RANK", 0, FN_PLAIN},
    {"PERCENT_RANK", 0, FN_PLAIN},
    {"CUME_DIST", 0, FN_PLAIN},
    {"NTILE", 0, FN_PLAIN},
    {"LAG", 0, FN_PLAIN},
    {"LEAD", 0, FN_PLAIN},
    {"FIRST_VALUE", 0, FN_PLAIN},
    {"LAST_VALUE", 0, FN_PLAIN},
    {"NTH_VALUE", 0, FN_PLAIN},
    {"MEDIAN", 0, FN_PLAIN},
    {"PERCENTILE_CONT", 0, FN_PLAIN},
    {"PERCENTILE_DISC", 0, FN_PLAIN},
    /* replication waits: meant for replicas */
    {"MASTER_POS_WAIT", 0, FN_PLAIN},
    {"MASTER_GTID_WAIT", 0, FN_PLAIN},
    {"SOURCE_POS_WAIT", 0, FN_PLAIN},
    {"WAIT_FOR_EXECUTED_GTID_SET", 0, FN_PLAIN},
    {"WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS", 0, FN_PLAIN},
    {"GTID_SUBSET", 0, FN_PLAIN},
    {"GTID_SUBTRACT", 0, FN_PLAIN},
    {"BINLOG_GTID_POS", 0, FN_PLAIN},
    {"WSREP_LAST_SEEN_GTID", 0, FN_PLAIN},
    {"WSREP_LAST_WRITTEN_GTID", 0, FN_PLAIN},
    {"WSREP_SYNC_WAIT_UPTO_GTID", 0, FN_PLAIN},
    /* strings */
    {"ASCII", 0, FN_PLAIN},
    {"BIN", 0, FN_PLAIN},
    {"BIT_LENGTH", 0, FN_PLAIN},
    {"CHAR", R, FN_PLAIN},
    {"CHAR_LENGTH", 0, FN_PLAIN},
    {"CHARACTER_LENGTH", 0, FN_PLAIN},
    {"CHR", 0, FN_PLAIN},
    {"CONCAT", 0, FN_PLAIN},
    {"CONCAT_WS", 0, FN_PLAIN},
    {"ELT", 0, FN_PLAIN},
    {"EXPORT_SET", 0, FN_PLAIN},
    {"FIELD", 0, FN_PLAIN},
    {"FIND_IN_SET", 0, FN_PLAIN},
    {"FROM_BASE64", 0, FN_PLAIN},
    {"HEX", 0, FN_PLAIN},
    {"INSTR", 0, FN_PLAIN},
    {"LCASE", 0, FN_PLAIN},
    {"LENGTH", 0, FN_PLAIN},
    {"LENGTHB", 0, FN_PLAIN},
    {"LOAD_FILE", 0, FN_PLAIN},
    {"LOCATE", 0, FN_PLAIN},
    {"LOWER", 0, FN_PLAIN},
    {"LPAD", 0, FN_PLAIN},
    {"LTRIM", 0, FN_PLAIN},
    {"MAKE_SET", 0, FN_PLAIN},
    {"MID", 0, FN_PLAIN},
    {"NATURAL_SORT_KEY", 0, FN_PLAIN},
    {"OCT", 0, FN_PLAIN},
    {"OCTET_LENGTH", 0, FN_PLAIN},
    {"ORD", 0, FN_PLAIN},
    {"POSITION", 0, FN_PLAIN},
    {"QUOTE", 0, FN_PLAIN},
    {"REGEXP_INSTR", 0, FN_PLAIN},
    {"REGEXP_LIKE", 0, FN_PLAIN},
    {"REGEXP_REPLACE", 0, FN_PLAIN},
    {"REGEXP_SUBSTR", 0, FN_PLAIN},
    {"REVERSE", 0, FN_PLAIN},
    {"RPAD", 0, FN_PLAIN},
    {"RTRIM", 0, FN_PLAIN},
    {"SFORMAT", 0, FN_PLAIN},
    {"SOUNDEX", 0, FN_PLAIN},
    {"SPACE", 0, FN_PLAIN},
    {"STRCMP", 0, FN_PLAIN},
    {"SUBSTR", 0, FN_PLAIN},
    {"SUBSTRING", 0, FN_PLAIN},
    {"SUBSTRING_INDEX", 0, FN_PLAIN},
    {"TO_BASE64", 0, FN_PLAIN},
    {"TO_CHAR", 0, FN_PLAIN},
    {"TRIM", 0, FN_PLAIN},
    {"UCASE", 0, FN_PLAIN},
    {"UNHEX", 0, FN_PLAIN},
    {"UPPER", 0, FN_PLAIN},
    {"WEIGHT_STRING", 0, FN_PLAIN},
    {"COLLATION", 0, FN_PLAIN},
    {"COERCIBILITY", 0, FN_PLAIN},
    {"CONVERT", R, FN_PLAIN},
    {"CAST", 0, FN_PLAIN},
    {"EXTRACTVALUE", 0, FN_PLAIN},
    {"UPDATEXML", 0, FN_PLAIN},
    {"DECODE", 0, FN_PLAIN},
    {"ENCODE", 0, FN_PLAIN},
    {"DES_ENCRYPT", 0, FN_PLAIN},
    {"DES_DECRYPT", 0, FN_PLAIN},
    {"ENCRYPT", 0, FN_PLAIN},
    {"INET_ATON", 0, FN_PLAIN},
    {"INET_NTOA", 0, FN_PLAIN},
    {"INET6_ATON", 0, FN_PLAIN},
    {"INET6_NTOA", 0, FN_PLAIN},
    {"IS_IPV4", 0, FN_PLAIN},
    {"IS_IPV6", 0, FN_PLAIN},
    {"IS_IPV4_COMPAT", 0, FN_PLAIN},
    {"IS_IPV4_MAPPED", 0, FN_PLAIN},
    {"UUID", 0, FN_PLAIN},
    {"UUID_SHORT", 0, FN_PLAIN},
    {"UUID_TO_BIN", 0, FN_PLAIN},
    {"BIN_TO_UUID", 0, FN_PLAIN},
    {"IS_UUID", 0, FN_PLAIN},
    {"SYS_GUID", 0, FN_PLAIN},
    {"COMPRESS", 0, FN_PLAIN},
    {"UNCOMPRESS", 0, FN_PLAIN},
    {"UNCOMPRESSED_LENGTH", 0, FN_PLAIN},
    {"MD5", 0, FN_PLAIN},
    {"SHA", 0, FN_PLAIN},
    {"SHA1", 0, FN_PLAIN},
    {"SHA2", 0, FN_PLAIN},
    {"AES_ENCRYPT", 0, FN_PLAIN},
    {"AES_DECRYPT", 0, FN_PLAIN},
    {"OLD_PASSWORD", 0, FN_PLAIN},
    {"CRC32", 0, FN_PLAIN},
    {"CRC32C", 0, FN_PLAIN},
    {"RANDOM_BYTES", 0, FN_PLAIN},
    {"STATEMENT_DIGEST", 0, FN_PLAIN},
    {"STATEMENT_DIGEST_TEXT", 0, FN_PLAIN},
    {"VALIDATE_PASSWORD_STRENGTH", 0, FN_PLAIN},
    {"KDF", 0, FN_PLAIN},
    /* numbers */
    {"ABS", 0, FN_PLAIN},
    {"ACOS", 0, FN_PLAIN},
    {"ASIN", 0, FN_PLAIN},
    {"ATAN", 0, FN_PLAIN},
    {"ATAN2", 0, FN_PLAIN},
    {"CEIL", 0, FN_PLAIN},
    {"CEILING", 0, FN_PLAIN},
    {"CONV", 0, FN_PLAIN},
    {"COS", 0, FN_PLAIN},
    {"COT", 0, FN_PLAIN},
    {"DEGREES", 0, FN_PLAIN},
    {"EXP", 0, FN_PLAIN},
    {"FLOOR", 0, FN_PLAIN},
    {"GREATEST", 0, FN_PLAIN},
    {"LEAST", 0, FN_PLAIN},
    {"LN", 0, FN_PLAIN},
    {"LOG", 0, FN_PLAIN},
    {"LOG10", 0, FN_PLAIN},
    {"LOG2", 0, FN_PLAIN},
    {"PI", 0, FN_PLAIN},
    {"POW", 0, FN_PLAIN},
    {"POWER", 0, FN_PLAIN},
    {"RADIANS", 0, FN_PLAIN},
    {"RAND", 0, FN_PLAIN},
    {"ROUND", 0, FN_PLAIN},
    {"SIGN", 0, FN_PLAIN},
    {"SIN", 0, FN_PLAIN},
    {"SQRT", 0, FN_PLAIN},
    {"TAN", 0, FN_PLAIN},
    {"BIT_COUNT", 0, FN_PLAIN},
    {"FORMAT_BYTES", 0, FN_PLAIN},
    {"FORMAT_PICO_TIME", 0, FN_PLAIN},
    {"PS_CURRENT_THREAD_ID", 0, FN_PLAIN},
    {"PS_THREAD_ID", 0, FN_PLAIN},
    /* dates and times */
    {"ADDDATE", 0, FN_PLAIN},
    {"ADDTIME", 0, FN_PLAIN},
    {"ADD_MONTHS", 0, FN_PLAIN},
    {"CONVERT_TZ", 0, FN_PLAIN},
    {"CURDATE", 0, FN_PLAIN},
    {"CURRENT_DATE", R | O, FN_PLAIN},
    {"CURRENT_TIME", R | O, FN_PLAIN},
    {"CURRENT_TIMESTAMP", R | O, FN_PLAIN},
    {"CURTIME", 0, FN_PLAIN},
    {"DATE_ADD", 0, FN_PLAIN},
    {"DATE_FORMAT", 0, FN_PLAIN},
    {"DATE_SUB", 0, FN_PLAIN},
    {"DATEDIFF", 0, FN_PLAIN},
    {"DAYNAME", 0, FN_PLAIN},
    {"DAYOFMONTH", 0, FN_PLAIN},
    {"DAYOFWEEK", 0, FN_PLAIN},
    {"DAYOFYEAR", 0, FN_PLAIN},
    {"EXTRACT", 0, FN_PLAIN},
    {"FROM_DAYS", 0, FN_PLAIN},
    {"FROM_UNIXTIME", 0, FN_PLAIN},
    {"GET_FORMAT", 0, FN_PLAIN},
    {"LAST_DAY", 0, FN_PLAIN},
    {"LOCALTIME", R | O, FN_PLAIN},
    {"LOCALTIMESTAMP", R | O, FN_PLAIN},
    {"MAKEDATE", 0, FN_PLAIN},
    {"MAKETIME", 0, FN_PLAIN},
    {"MONTHNAME", 0, FN_PLAIN},
    {"NOW", 0, FN_PLAIN},
    {"PERIOD_ADD", 0, FN_PLAIN},
    {"PERIOD_DIFF", 0, FN_PLAIN},
    {"SEC_TO_TIME", 0, FN_PLAIN},
    {"STR_TO_DATE", 0, FN_PLAIN},
    {"SUBDATE", 0, FN_PLAIN},
    {"SUBTIME", 0, FN_PLAIN},
    {"SYSDATE", 0, FN_PLAIN},
    {"TIME_FORMAT", 0, FN_PLAIN},
    {"TIME_TO_SEC", 0, FN_PLAIN},
    {"TIMEDIFF", 0, FN_PLAIN},
    {"TIMESTAMPADD", 0, FN_PLAIN},
    {"TIMESTAMPDIFF", 0, FN_PLAIN},
    {"TO_DAYS", 0, FN_PLAIN},
    {"TO_SECONDS", 0, FN_PLAIN},
    {"UNIX_TIMESTAMP", 0, FN_PLAIN},
    {"UTC_DATE", R | O, FN_PLAIN},
    {"UTC_TIME", R | O, FN_PLAIN},
    {"UTC_TIMESTAMP", R | O, FN_PLAIN},
    {"WEEKDAY", 0, FN_PLAIN},
    {"WEEKOFYEAR", 0, FN_PLAIN},
    {"YEARWEEK", 0, FN_PLAIN},
    /* interval units (several are functions too) */
    {"MICROSECOND", U, FN_PLAIN},
    {"SECOND", U, FN_PLAIN},
    {"MINUTE", U, FN_PLAIN},
    {"HOUR", U, FN_PLAIN},
    {"DAY", U, FN_PLAIN},
    {"WEEK", U, FN_PLAIN},
    {"MONTH", U, FN_PLAIN},
    {"QUARTER", U, FN_PLAIN},
    {"YEAR", U, FN_PLAIN},
    {"SECOND_MICROSECOND", R | U, 0},
    {"MINUTE_MICROSECOND", R | U, 0},
    {"MINUTE_SECOND", R | U, 0},
    {"HOUR_MICROSECOND", R | U, 0},
    {"HOUR_SECOND", R | U, 0},
    {"HOUR_MINUTE", R | U, 0},
    {"DAY_MICROSECOND", R | U, 0},
    {"DAY_SECOND", R | U, 0},
    {"DAY_MINUTE", R | U, 0},
    {"DAY_HOUR", R | U, 0},
    {"YEAR_MONTH", R | U, 0},
    /* control flow and information */
    {"IFNULL", 0, FN_PLAIN},
    {"NULLIF", 0, FN_PLAIN},
    {"COALESCE", 0, FN_PLAIN},
    {"ISNULL", 0, FN_PLAIN},
    {"NVL", 0, FN_PLAIN},
    {"NVL2", 0, FN_PLAIN},
    {"BENCHMARK", 0, FN_PLAIN},
    {"CONNECTION_ID", 0, FN_PLAIN},
    {"CURRENT_ROLE", 0, FN_PLAIN},
    {"CURRENT_USER", R | O, FN_PLAIN},
    {"SESSION_USER", 0, FN_PLAIN},
    {"SYSTEM_USER", 0, FN_PLAIN},
    {"VERSION", 0, FN_PLAIN},
    {"ICU_VERSION", 0, FN_PLAIN},
    {"ROLES_GRAPHML", 0, FN_PLAIN},
    {"NAME_CONST", 0, FN_PLAIN},
    {"GROUPING", 0, FN_PLAIN},
    {"ANY_VALUE", 0, FN_PLAIN},
    {"CUBE", 0, FN_PLAIN},
    /* JSON */
    {"JSON_ARRAY", 0, FN_PLAIN},
    {"JSON_ARRAY_APPEND", 0, FN_PLAIN},
    {"JSON_ARRAY_INSERT", 0, FN_PLAIN},
    {"JSON_ARRAY_INTERSECT", 0, FN_PLAIN},
    {"JSON_CONTAINS", 0, FN_PLAIN},
    {"JSON_CONTAINS_PATH", 0, FN_PLAIN},
    {"JSON_DEPTH", 0, FN_PLAIN},
    {"JSON_EXTRACT", 0, FN_PLAIN},
    {"JSON_INSERT", 0, FN_PLAIN},
    {"JSON_KEYS", 0, FN_PLAIN},
    {"JSON_LENGTH", 0, FN_PLAIN},
    {"JSON_MERGE", 0, FN_PLAIN},
    {"JSON_MERGE_PATCH", 0, FN_PLAIN},
    {"JSON_MERGE_PRESERVE", 0, FN_PLAIN},
    {"JSON_OBJECT", 0, FN_PLAIN},
    {"JSON_OVERLAPS", 0, FN_PLAIN},
    {"JSON_PRETTY", 0, FN_PLAIN},
    {"JSON_QUOTE", 0, FN_PLAIN},
    {"JSON_REMOVE", 0, FN_PLAIN},
    {"JSON_REPLACE", 0, FN_PLAIN},
    {"JSON_SCHEMA_VALID", 0, FN_PLAIN},
    {"JSON_SCHEMA_VALIDATION_REPORT", 0, FN_PLAIN},
    {"JSON_SEARCH", 0, FN_PLAIN},
    {"JSON_SET", 0, FN_PLAIN},
    {"JSON_STORAGE_FREE", 0, FN_PLAIN},
    {"JSON_STORAGE_SIZE", 0, FN_PLAIN},
    {"JSON_TYPE", 0, FN_PLAIN},
    {"JSON_UNQUOTE", 0, FN_PLAIN},
    {"JSON_VALID", 0, FN_PLAIN},
    {"JSON_VALUE", 0, FN_PLAIN},
    {"JSON_QUERY", 0, FN_PLAIN},
    {"JSON_COMPACT", 0, FN_PLAIN},
    {"JSON_DETAILED", 0, FN_PLAIN},
    {"JSON_LOOSE", 0, FN_PLAIN},
    {"JSON_EXISTS", 0, FN_PLAIN},
    {"JSON_NORMALIZE", 0, FN_PLAIN},
    {"JSON_EQUALS", 0, FN_PLAIN},
    {"JSON_OBJECT_FILTER_KEYS", 0, FN_PLAIN},
    {"JSON_OBJECT_TO_ARRAY", 0, FN_PLAIN},
    {"JSON_KEY_VALUE", 0, FN_PLAIN},
    /* dynamic columns, vectors */
    {"COLUMN_CREATE", 0, FN_PLAIN},
    {"COLUMN_ADD", 0, FN_PLAIN},
    {"COLUMN_DELETE", 0, FN_PLAIN},
    {"COLUMN_EXISTS", 0, FN_PLAIN},
    {"COLUMN_GET", 0, FN_PLAIN},
    {"COLUMN_LIST", 0, FN_PLAIN},
    {"COLUMN_CHECK", 0, FN_PLAIN},
    {"COLUMN_JSON", 0, FN_PLAIN},
    {"VEC_DISTANCE", 0, FN_PLAIN},
    {"VEC_DISTANCE_EUCLIDEAN", 0, FN_PLAIN},
    {"VEC_DISTANCE_COSINE", 0, FN_PLAIN},
    {"VEC_FROMTEXT", 0, FN_PLAIN},
    {"VEC_TOTEXT", 0, FN_PLAIN},
    /* geometry (the common ones; a missing one only costs a trip to the primary) */
    {"POINT", 0, FN_PLAIN},
    {"LINESTRING", 0, FN_PLAIN},
    {"POLYGON", 0, FN_PLAIN},
    {"MULTIPOINT", 0, FN_PLAIN},
    {"MULTILINESTRING", 0, FN_PLAIN},
    {"MULTIPOLYGON", 0, FN_PLAIN},
    {"GEOMETRYCOLLECTION", 0, FN_PLAIN},
    {"ST_ASTEXT", 0, FN_PLAIN},
    {"ST_ASWKT", 0, FN_PLAIN},
    {"ST_ASBINARY", 0, FN_PLAIN},
    {"ST_ASWKB", 0, FN_PLAIN},
    {"ST_ASGEOJSON", 0, FN_PLAIN},
    {"ST_GEOMFROMTEXT", 0, FN_PLAIN},
    {"ST_GEOMETRYFROMTEXT", 0, FN_PLAIN},
    {"ST_GEOMFROMWKB", 0, FN_PLAIN},
    {"ST_GEOMFROMGEOJSON", 0, FN_PLAIN},
    {"ST_POINTFROMTEXT", 0, FN_PLAIN},
    {"ST_LINEFROMTEXT", 0, FN_PLAIN},
    {"ST_POLYFROMTEXT", 0, FN_PLAIN},
    {"ST_DISTANCE", 0, FN_PLAIN},
    {"ST_DISTANCE_SPHERE", 0, FN_PLAIN},
    {"ST_CONTAINS", 0, FN_PLAIN},
    {"ST_WITHIN", 0, FN_PLAIN},
    {"ST_INTERSECTS", 0, FN_PLAIN},
    {"ST_EQUALS", 0, FN_PLAIN},
    {"ST_TOUCHES", 0, FN_PLAIN},
    {"ST_OVERLAPS", 0, FN_PLAIN},
    {"ST_CROSSES", 0, FN_PLAIN},
    {"ST_DISJOINT", 0, FN_PLAIN},
    {"ST_X", 0, FN_PLAIN},
    {"ST_Y", 0, FN_PLAIN},
    {"ST_SRID", 0, FN_PLAIN},
    {"ST_AREA", 0, FN_PLAIN},
    {"ST_LENGTH", 0, FN_PLAIN},
    {"ST_BUFFER", 0, FN_PLAIN},
    {"ST_CENTROID", 0, FN_PLAIN},
    {"ST_ENVELOPE", 0, FN_PLAIN},
    {"ST_MAKEENVELOPE", 0, FN_PLAIN},
    {"ST_ISVALID", 0, FN_PLAIN},
    {"ST_ISEMPTY", 0, FN_PLAIN},
    {"ST_GEOMETRYTYPE", 0, FN_PLAIN},
    {"ST_NUMPOINTS", 0, FN_PLAIN},
    {"ST_POINTN", 0, FN_PLAIN},
    {"ST_UNION", 0, FN_PLAIN},
    {"ST_INTERSECTION", 0, FN_PLAIN},
    {"ST_DIFFERENCE", 0, FN_PLAIN},
    {"ST_LATITUDE", 0, FN_PLAIN},
    {"ST_LONGITUDE", 0, FN_PLAIN},
    {"ST_GEOHASH", 0, FN_PLAIN},
    {"MBRCONTAINS", 0, FN_PLAIN},
    {"MBRWITHIN", 0, FN_PLAIN},
    {"MBRINTERSECTS", 0, FN_PLAIN},
    {"MBROVERLAPS", 0, FN_PLAIN},
    {"MBREQUALS", 0, FN_PLAIN},
    {"MBRCOVERS", 0, FN_PLAIN},
    {"MBRCOVEREDBY", 0, FN_PLAIN},
    {"ASTEXT", 0, FN_PLAIN},
    {"ASWKT", 0, FN_PLAIN},
    {"GEOMFROMTEXT", 0, FN_PLAIN},
    {"POINTFROMTEXT", 0, FN_PLAIN},
    /* type names (CAST, CONVERT, JSON_TABLE columns) */
    {"DECIMAL", R, FN_PLAIN},
    {"DEC", R, FN_PLAIN},
    {"NUMERIC", R, FN_PLAIN},
    {"FIXED", 0, FN_PLAIN},
    {"FLOAT", R, FN_PLAIN},
    {"DOUBLE", R, FN_PLAIN},
    {"REAL", R, FN_PLAIN},
    {"INT", R, FN_PLAIN},
    {"INTEGER", R, FN_PLAIN},
    {"BIGINT", R, FN_PLAIN},
    {"SMALLINT", R, FN_PLAIN},
    {"TINYINT", R, FN_PLAIN},
    {"MEDIUMINT", R, FN_PLAIN},
    {"SIGNED", 0, FN_PLAIN},
    {"UNSIGNED", R, FN_PLAIN},
    {"VARCHAR", R, FN_PLAIN},
    {"NCHAR", 0, FN_PLAIN},
    {"NVARCHAR", 0, FN_PLAIN},
    {"VARBINARY", R, FN_PLAIN},
    {"DATETIME", 0, FN_PLAIN},
    {"BIT", 0, FN_PLAIN},
    {"BOOL", 0, FN_PLAIN},
    {"BOOLEAN", 0, FN_PLAIN},
    {"JSON", 0, FN_PLAIN},
    {"TEXT", 0, FN_PLAIN},
    {"BLOB", R, FN_PLAIN},
    {"ENUM", 0, FN_PLAIN},
    {"INET4", 0, FN_PLAIN},
    {"INET6", 0, FN_PLAIN},
    {"VECTOR", 0, FN_PLAIN},
    {"PATH", 0, FN_PLAIN},
    /* other reserved words */
    {"ACCESSIBLE", R, 0},
    {"ADD", R, 0},
    {"ASENSITIVE", R, 0},
    {"BEFORE", R, 0},
    {"BOTH", R, 0},
    {"CONDITION", R, 0},
    {"CONSTRAINT", R, 0},
    {"CONTINUE", R, 0},
    {"CURSOR", R, 0},
    {"DATABASES", R, 0},
    {"DECLARE", R, 0},
    {"EXIT", R, 0},
    {"FLOAT4", R, 0},
    {"FLOAT8", R, 0},
    {"FOREIGN", R, 0},
    {"GENERATED", R, 0},
    {"INOUT", R, 0},
    {"INSENSITIVE", R, 0},
    {"INT1", R, 0},
    {"INT2", R, 0},
    {"INT3", R, 0},
    {"INT4", R, 0},
    {"INT8", R, 0},
    {"ITERATE", R, 0},
    {"LEADING", R, 0},
    {"LEAVE", R, 0},
    {"LINEAR", R, 0},
    {"LONG", R, 0},
    {"LONGBLOB", R, 0},
    {"LONGTEXT", R, 0},
    {"MASTER_BIND", R, 0},
    {"MASTER_SSL_VERIFY_SERVER_CERT", R, 0},
    {"MAXVALUE", R, 0},
    {"MEDIUMBLOB", R, 0},
    {"MEDIUMTEXT", R, 0},
    {"MIDDLEINT", R, 0},
    {"MODIFIES", R, 0},
    {"OUT", R, 0},
    {"PRECISION", R, 0},
    {"PRIMARY", R, 0},
    {"RANGE", R, 0},
    {"READS", R, 0},
    {"READ_WRITE", R, 0},
    {"REQUIRE", R, 0},
    {"RETURN", R, 0},
    {"SCHEMAS", R, 0},
    {"SENSITIVE", R, 0},
    {"SEPARATOR", R, 0},
    {"SPECIFIC", R, 0},
    {"SQLEXCEPTION", R, 0},
    {"SQLSTATE", R, 0},
    {"SQLWARNING", R, 0},
    {"SSL", R, 0},
    {"STORED", R, 0},
    {"TINYBLOB", R, 0},
    {"TINYTEXT", R, 0},
    {"TRAILING", R, 0},
    {"UNDO", R, 0},
    {"USAGE", R, 0},
    {"VARCHARACTER", R, 0},
    {"VARYING", R, 0},
    {"VIRTUAL", R, 0},
    {"ZEROFILL", R, 0},
    /* charset introducers */
    {"_ARMSCII8", I, 0},
    {"_ASCII", I, 0},
    {"_BIG5", I, 0},
    {"_BINARY", I, 0},
    {"_CP1250", I, 0},
    {"_CP1251", I, 0},
    {"_CP1256", I, 0},
    {"_CP1257", I, 0},
    {"_CP850", I, 0},
    {"_CP852", I, 0},
    {"_CP866", I, 0},
    {"_CP932", I, 0},
    {"_DEC8", I, 0},
    {"_EUCJPMS", I, 0},
    {"_EUCKR", I, 0},
    {"_FILENAME", I, 0},
    {"_GB18030", I, 0},
    {"_GB2312", I, 0},
    {"_GBK", I, 0},
    {"_GEOSTD8", I, 0},
    {"_GREEK", I, 0},
    {"_HEBREW", I, 0},
    {"_HP8", I, 0},
    {"_KEYBCS2", I, 0},
    {"_KOI8R", I, 0},
    {"_KOI8U", I, 0},
    {"_LATIN1", I, 0},
    {"_LATIN2", I, 0},
    {"_LATIN5", I, 0},
    {"_LATIN7", I, 0},
    {"_MACCE", I, 0},
    {"_MACROMAN", I, 0},
    {"_SJIS", I, 0},
    {"_SWE7", I, 0},
    {"_TIS620", I, 0},
    {"_UCS2", I, 0},
    {"_UJIS", I, 0},
    {"_UTF16", I, 0},
    {"_UTF16LE", I, 0},
    {"_UTF32", I, 0},
    {"_UTF8", I, 0},
    {"_UTF8MB3", I, 0},
    {"_UTF8MB4", I, 0},
};

#undef R
#undef O
#undef U
#undef I

#define NFN (sizeof(fn_defs) / sizeof(fn_defs[0]))
#define KW_SLOTS 2048 /* power of two, over twice the number of words */
#define KW_MAXLEN 40

/* The hash index: a 16-bit tag of the hash beside the id, so that a probe
 * rejects other words (and most identifiers that are no keyword) without
 * comparing text; 8 bytes a slot keep the whole index in L1. */
struct kwslot {
    uint16_t tag;
    uint16_t id; /* 0: empty */
    uint8_t len;
    uint8_t flags;
    uint8_t fn;
};

/* The first 16 bytes of a word, upper-cased, as two little-endian words
 * (zero beyond its length). Clearing bit 5 of every byte upper-cases ASCII
 * letters; on the other bytes an identifier may hold (digits, '_', '$',
 * bytes >= 0x80) it is a one-to-one map that never yields an ASCII letter,
 * so equal folded words mean a case-insensitive match with a keyword. */
struct kwkey {
    uint64_t w[2];
};

static struct kwslot kw_slot[KW_SLOTS];
static int kw_ready; /* set (release) once the index is built */
static struct kwkey kw_keys[KW__COUNT + NFN];
static const char *kw_name[KW__COUNT + NFN];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

#define FOLD 0xdfdfdfdfdfdfdfdfull

static const struct kwdef *kw_def(unsigned id)
{
    return id < KW__COUNT ? &kw_defs[id] : &fn_defs[id - KW__COUNT];
}

static void key_slow(const char *p, size_t len, struct kwkey *k)
{
    k->w[0] = k->w[1] = 0;
    for (size_t i = 0; i < len && i < 16; i++)
        k->w[i / 8] |= (uint64_t)(uint8_t)p[i] << (8 * (i % 8));
    k->w[0] &= FOLD;
    k->w[1] &= FOLD;
}

/* Unaligned loads of 16 bytes from the word on, or of 8 bytes ending with
 * a short word, whichever stays inside the text [start, end). */
static inline void key_of(const char *p, size_t len, const char *start, const char *end,
                          struct kwkey *k)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len < 8 && p + len - start >= 8) {
        memcpy(&k->w[0], p + len - 8, 8);
        k->w[0] = (k->w[0] >> (8 * (8 - len))) & FOLD;
        k->w[1] = 0;
        return;
    }
    if (len <= 16 && end - p >= 16) {
        memcpy(k->w, p, 16);
        if (len < 8) {
            k->w[0] &= (1ull << (8 * len)) - 1;
            k->w[1] = 0;
        } else if (len < 16) {
            k->w[1] &= (1ull << (8 * (len - 8))) - 1;
        }
        k->w[0] &= FOLD;
        k->w[1] &= FOLD;
        return;
    }
#endif
    key_slow(p, len, k);
}

static inline uint32_t kw_hash(const struct kwkey *k, size_t len)
{
    uint64_t h = (k->w[0] ^ (k->w[1] * 0x9e3779b97f4a7c15ull) ^ len) * 0xff51afd7ed558ccdull;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static bool kw_equal(const char *p, size_t len, const char *name)
{
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != name[i])
            return false;
    }
    return true;
}

static inline __attribute__((always_inline)) const struct kwslot *
kw_find(const char *p, size_t len, const char *start, const char *end)
{
    struct kwkey k;
    key_of(p, len, start, end, &k);
    uint32_t h = kw_hash(&k, len);
    uint16_t tag = (uint16_t)(h >> 16);
    for (uint32_t i = h & (KW_SLOTS - 1);; i = (i + 1) & (KW_SLOTS - 1)) {
        const struct kwslot *s = &kw_slot[i];
        if (s->id == 0)
            return NULL;
        const struct kwkey *q = &kw_keys[s->id];
        if (s->tag == tag && s->len == len && q->w[0] == k.w[0] && q->w[1] == k.w[1] &&
            (len <= 16 || kw_equal(p + 16, len - 16, kw_name[s->id] + 16)))
            return s;
    }
}

static void kw_build(void)
{
    for (unsigned id = 1; id < KW__COUNT + NFN; id++) {
        const struct kwdef *d = kw_def(id);
        size_t len = strlen(d->name);
        if (len > KW_MAXLEN || kw_find(d->name, len, d->name, d->name + len) != NULL)
            continue; /* listed twice: the first one stays */
        kw_name[id] = d->name;
        key_slow(d->name, len, &kw_keys[id]);
        uint32_t h = kw_hash(&kw_keys[id], len);
        uint32_t i = h & (KW_SLOTS - 1);
        while (kw_slot[i].id != 0)
            i = (i + 1) & (KW_SLOTS - 1);
        kw_slot[i].tag = (uint16_t)(h >> 16);
        kw_slot[i].id = (uint16_t)id;
        kw_slot[i].len = (uint8_t)len;
        kw_slot[i].flags = d->flags;
        kw_slot[i].fn = d->fn;
    }
}

static void kw_build_once(void)
{
    kw_build();
    __atomic_store_n(&kw_ready, 1, __ATOMIC_RELEASE);
}

void kw_init(void)
{
    if (!__atomic_load_n(&kw_ready, __ATOMIC_ACQUIRE))
        pthread_once(&kw_once, kw_build_once);
}

uint16_t kw_lookup(const char *p, size_t len, const char *start, const char *end, uint8_t *flags,
                   uint8_t *fn)
{
    const struct kwslot *s = len <= KW_MAXLEN ? kw_find(p, len, start, end) : NULL;
    if (s == NULL) {
        *flags = 0;
        *fn = 0;
        return 0;
    }
    *flags = s->flags;
    *fn = s->fn;
    return s->id;
}

void cx_lex(struct cx *cx)
{
    struct sqltok t;
    struct ctok *c = &cx->la[(cx->head + cx->n) & (CX_LA - 1)];
    cx->n++;
    if (cx->dead) {
        c->p = cx->lx.end;
        c->len = 0;
        c->type = SQLTOK_EOF;
        c->kw = c->param = 0;
        c->kwf = c->fn = 0;
        return;
    }
    sqllex_next(&cx->lx, &t);
    c->p = t.p;
    c->len = (uint32_t)t.len;
    c->type = (uint8_t)t.type;
    c->kw = 0;
    c->kwf = 0;
    c->fn = 0;
    switch (t.type) {
    case SQLTOK_IDENT: {
        const struct kwslot *s =
            t.len <= KW_MAXLEN ? kw_find(t.p, t.len, cx->sql, cx->lx.end) : NULL;
        if (s != NULL) {
            c->kw = s->id;
            c->kwf = s->flags;
            c->fn = s->fn;
        }
        break;
    }
    case SQLTOK_PARAM:
        c->param = cx->nparams;
        if (cx->nparams < UINT16_MAX)
            cx->nparams++;
        else
            cx_partial(cx, "too many placeholders");
        break;
    case SQLTOK_ERROR:
        c->type = SQLTOK_EOF;
        c->len = 0;
        cx_partial(cx, "unterminated string, identifier or comment");
        break;
    default:
        break;
    }
}
