/*
 * merge — turns the result sets of several shards into the one result set
 * the client gets, as one server holding all the rows would have answered
 * (see plan.h for the kinds). Pure: the executor feeds it rows as they
 * arrive from each target and takes finished client packets from it.
 *
 * Memory is bounded whatever the result size: CONCAT holds no row, SORTED
 * and GROUPED hold at most one row per target (plus the group being
 * combined), AGGREGATE one accumulator row. Nothing is allocated per row in
 * the steady state: per-target row buffers are reused and grow only to the
 * largest row seen.
 *
 * Values are compared as the server would order them: integers and
 * decimals numerically (exactly, on their text), floating point as
 * doubles, temporal types on their canonical text, strings on the
 * WEIGHT_STRING() column the planner added (binary strings bytewise);
 * NULL sorts first ascending and last descending. SUM and COUNT are added
 * exactly (decimal arithmetic on the text, any length); AVG is SUM / COUNT
 * rounded like the server (div_precision_increment 4).
 */
#ifndef MERGE_H
#define MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "plan.h"

/* What a column definition says (protocol 4.1 ColumnDefinition). */
struct merge_colinfo {
    uint8_t type;   /* MYSQL_TYPE_* */
    uint16_t flags; /* UNSIGNED_FLAG 0x20, BINARY_FLAG 0x80, ... */
    uint8_t decimals;
    uint16_t charset; /* collation id; 63 = binary */
    uint32_t length;
};

/* Parse a ColumnDefinition41 payload. Returns 0 or -1 (malformed). */
int merge_parse_coldef(const uint8_t *p, size_t len, struct merge_colinfo *ci);

struct merge;

/* A merge state, reusable for many statements. NULL when out of memory. */
struct merge *merge_create(void);
void merge_destroy(struct merge *m);

/*
 * Start combining ntargets result sets described by spec, whose rows have
 * spec->ncols columns described by cols (from the first target's column
 * definitions). Returns 0, or -1 when the spec cannot be served with these
 * column types (m's error says why).
 */
int merge_start(struct merge *m, const struct plan_merge *spec, int ntargets,
                const struct merge_colinfo *cols);

/*
 * The column definition the client gets for column col (a visible one),
 * written as a packet to out with sequence id *seq (advanced): the
 * target's own definition, adjusted where the merge changes the value
 * (AVG's type and decimals). Returns 0 or -1.
 *
 * col indexes the targets' columns (0 .. spec->ncols - 1). For a hidden
 * column nothing is written and 0 is returned, so the executor may pass
 * every column definition it receives. An AVG column becomes NEWDECIMAL
 * with decimals = min(sum decimals + 4, 38) (MariaDB's DECIMAL_MAX_SCALE)
 * and length grown by the added digits (and the point, if new); over a
 * DOUBLE sum it stays DOUBLE, decimals + 4 up to 31 (31: not fixed).
 */
int merge_write_coldef(const struct merge *m, uint16_t col, const uint8_t *p, size_t len,
                       struct buf *out, uint8_t *seq);

/* Number of columns the client sees (spec->ncols minus hidden ones). */
uint16_t merge_visible_cols(const struct merge *m);

/* Does the client see column col (a targets' column index)? */
bool merge_col_visible(const struct merge *m, uint16_t col);

/* Target t's next row (a text-protocol row payload; copied). 0, or -1 if
 * the row is malformed (m's error says why).
 *
 * Call it only while merge_wants(m, t): CONCAT, SORTED and GROUPED hold at
 * most one row per target, and a second row before merge_output() took the
 * first is an error. AGGREGATE folds every row on arrival. Once LIMIT is
 * reached, rows are accepted and dropped (the executor is draining). */
int merge_row(struct merge *m, int t, const uint8_t *row, size_t len);

/* Target t has sent its last row. */
void merge_end(struct merge *m, int t);

/* Must target t deliver a row (or its end) before merge_output can emit
 * more? (SORTED/GROUPED: a target still running with no row held.)
 * CONCAT: true when t is running and holds no row (it may deliver one;
 * rows held by other targets can be emitted meanwhile). AGGREGATE: true
 * while t is running. Always false once LIMIT is reached or t ended: a
 * target with no row wanted and not ended is being held back (its row
 * waits for room in out). */
bool merge_wants(const struct merge *m, int t);

/*
 * Emit what can be emitted now, as text-protocol row packets appended to
 * out with sequence ids from *seq, stopping once out holds out_limit bytes.
 * Returns the number of rows emitted, or -1 (m's error says why). LIMIT and
 * OFFSET are applied here.
 */
int merge_output(struct merge *m, struct buf *out, uint8_t *seq, size_t out_limit);

/* Every row has been emitted (all targets ended, or LIMIT reached: the
 * executor may then stop reading rows and drain the targets). */
bool merge_done(const struct merge *m);

/*
 * merge_start refuses (returns -1, error set) what it cannot merge right:
 * aggregate roles in a CONCAT/SORTED merge; SUM/AVG over non-numeric types;
 * DISTINCT unless the rows are sorted on every visible column (SORTED) or
 * every group key is visible (GROUPED: groups are then distinct already);
 * DISTINCT with CONCAT; sorting or grouping on ENUM/SET without a weight
 * column (the server orders them by member number, not by text).
 */

/* Why the last call failed. */
const char *merge_error(const struct merge *m);

#endif
