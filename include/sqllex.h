/*
 * sqllex — a MySQL/MariaDB SQL tokenizer. Pure, no allocation: tokens point
 * into the statement text.
 *
 * Comments (#, "-- ", C-style) are skipped. Executable comments (a C-style
 * comment opened by slash-star-bang, optionally with a 5 or 6 digit version,
 * or by slash-star-M-bang) are NOT comments: their contents are tokenized
 * as SQL, whatever the version number, because a router that skipped them
 * would miss what the server runs. Optimizer hints (slash-star-plus) are
 * comments. A MariaDB-only one, or one with a version from 50700 on, is
 * run by some current servers and skipped by others (MySQL skips every
 * M-bang comment and versions above its own, MariaDB skips 50700..99999):
 * the lexer notes it (versioned), and with SQLLEX_SKIP_VERSIONED reads it
 * as a comment, so that a caller can consider both readings. The session's sql_mode matters: with
 * ANSI_QUOTES "..." is an identifier, with NO_BACKSLASH_ESCAPES a backslash
 * inside a string is an ordinary character.
 */
#ifndef SQLLEX_H
#define SQLLEX_H

#include <stdbool.h>
#include <stddef.h>

enum sqltok_type {
    SQLTOK_EOF = 0,
    SQLTOK_IDENT,  /* bare word: keyword or identifier */
    SQLTOK_QIDENT, /* `quoted` identifier ("quoted" under ANSI_QUOTES) */
    SQLTOK_STRING, /* '...' ("..." without ANSI_QUOTES), N'..', X'..', B'..' */
    SQLTOK_NUMBER, /* 42, 4.2, .5, 1e3, 0x2a, 0b101 */
    SQLTOK_PARAM,  /* ? */
    SQLTOK_VAR,    /* @user_var, @'q', @@system_var, @@session.x */
    SQLTOK_SEMI,   /* ; */
    SQLTOK_PUNCT,  /* operators and punctuation, 1 to 3 characters */
    SQLTOK_ERROR,  /* unterminated string, identifier or comment */
};

#define SQLLEX_ANSI_QUOTES 0x1
#define SQLLEX_NO_BACKSLASH_ESCAPES 0x2
#define SQLLEX_SKIP_VERSIONED 0x4 /* read the comments noted in versioned as comments */

struct sqltok {
    enum sqltok_type type;
    const char *p; /* token text as written (quotes included) */
    size_t len;
};

struct sqllex {
    const char *p;
    const char *end;
    unsigned flags;
    bool in_exec_comment; /* inside an executable comment */
    bool versioned;       /* met an executable comment not every server runs */
};

void sqllex_init(struct sqllex *lx, const char *sql, size_t len, unsigned flags);

/* Next token; SQLTOK_EOF at the end (and forever after). */
void sqllex_next(struct sqllex *lx, struct sqltok *t);

/* Case-insensitive comparison of a bare word with an upper-case keyword. */
bool sqltok_is(const struct sqltok *t, const char *kw);

/*
 * Number of non-empty statements in sql (split on ';' outside strings and
 * comments). Trailing empty statements do not count. -1 when the text
 * does not tokenize (unterminated string or comment).
 */
int sqllex_count_statements(const char *sql, size_t len, unsigned flags);

#endif
