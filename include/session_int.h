/*
 * session_int — what session.c, session_auth.c and command.c share.
 * Not for other modules.
 */
#ifndef SESSION_INT_H
#define SESSION_INT_H

#include "proto.h"
#include "session.h"

#define SESSION_READ_CHUNK 4096        /* client commands are small; it grows for big ones */
#define SESSION_OUT_LIMIT (128 * 1024) /* stop reading the backend above this */
#define SESSION_BUF_KEEP (64 * 1024)   /* buffers larger than this are freed when empty */
#define SESSION_HANDSHAKE_MAX 65536    /* largest login packet accepted */

struct router;
struct backend;

/* session.c */
void session_close(struct session *s); /* now; freed at the end of the tick */
void session_fail(struct session *s);  /* after what is queued in out is written */
int session_flush(struct session *s);  /* 0 (done or waiting) or -1 (broken) */
void session_run(struct session *s);
/* The backend broke mid-command: ERR 1158 naming the shard, then close. */
void session_backend_lost(struct session *s, const char *why);

/* session_auth.c */
uint32_t session_server_caps(const struct router *r);
int session_send_greeting(struct session *s);
void session_on_handshake(struct session *s, const struct proto_msg *m);
void session_on_auth_switch(struct session *s, const struct proto_msg *m);
/* COM_CHANGE_USER (the whole payload): authenticate the new account, then
 * start afresh (connections, SET statements, transaction, pinning). */
void session_change_user(struct session *s, const uint8_t *payload, size_t len);

/* command.c */
void session_on_command(struct session *s, const struct proto_msg *m);
int session_infile_packet(struct session *s, const struct proto_msg *m);
void session_reply_connect_error(struct session *s, struct backend *be);
void session_command_done_local(struct session *s);
/* Answer the command with ERR (its sequence id) / OK and finish it. */
void session_reply_err(struct session *s, uint16_t code, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void session_reply_ok(struct session *s, const char *track_schema);
const struct shardmap_keyspace *session_default_keyspace(const struct session *s);
bool session_refuse_lost_keyspace(struct session *s);
void session_init_db(struct session *s, const char *name, size_t len);

/* route.c */
void session_query(struct session *s, const uint8_t *sql, size_t len);
void session_kill(struct session *s, unsigned long long id, bool query_only);
/* A shard answered 1213 (deadlock: it rolled the transaction back): the
 * transaction is over, so roll it back on the session's other shards too
 * (silently: the client has the deadlock error). */
void session_after_deadlock(struct session *s);
/* A statement of the router's own on n of the session's connections,
 * nothing of it to the client (see exec_opts.silent, keep_command). */
void session_run_silent(struct session *s, struct backend *const *use, int n, const char *sql,
                        bool keep_command);

#endif
