/*
 * stmt — a first look at a COM_QUERY text, enough for the foundation's
 * decisions: is it a USE the router must map from keyspace to schema, does
 * it ask for LOAD DATA LOCAL INFILE, could it leave session state on the
 * backend connection. Pure. (The full classifier, with tables and shard
 * keys, builds on the same tokenizer.)
 */
#ifndef STMT_H
#define STMT_H

#include <stdbool.h>
#include <stddef.h>

#define STMT_NAME_MAX 64

struct stmt_peek {
    int nstmts;  /* statements in the text; -1 if it does not tokenize */
    bool is_use; /* exactly one statement: USE db */
    char db[STMT_NAME_MAX + 1];
    bool load_local;    /* some statement is LOAD DATA/XML ... LOCAL */
    bool stateful;      /* some statement may leave session state behind */
    bool is_kill;       /* some statement is a KILL */
    bool kill_mappable; /* the only statement: KILL [HARD|SOFT] [CONNECTION|QUERY] <integer> */
    bool kill_query;    /* ... QUERY: stop the statement, keep the connection */
    unsigned long long kill_id;
};

/* Examine sql (lexflags: SQLLEX_*). Never fails; see nstmts. */
void stmt_peek(const char *sql, size_t len, unsigned lexflags, struct stmt_peek *out);

/* Copy an identifier token's name (unquoting `a``b`) into dst (size
 * STMT_NAME_MAX + 1). Returns 0, or -1 if it is too long or not a name. */
int stmt_ident_name(const char *tok, size_t len, char *dst);

#endif
