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

/* command.c */
void session_on_command(struct session *s, const struct proto_msg *m);
int session_infile_packet(struct session *s, const struct proto_msg *m);
void session_reply_connect_error(struct session *s, struct backend *be);
void session_command_done_local(struct session *s);
/* The session's backend became ready: record it for KILL. */
void session_register_backend(struct session *s);
/* Drop the session's backend connection (not in the middle of a command). */
void session_drop_backend(struct session *s);
/* Does the backend connection lead where the session's map sends its
 * statements (same primary, same schema)? */
bool session_backend_current(const struct session *s);

#endif
