/*
 * registry — which server thread serves each client connection, so that
 * `KILL [QUERY] <id>` (and COM_PROCESS_KILL) with the connection id a client
 * saw in its greeting reaches the right thread on the right server. The
 * router's ids and the servers' thread ids are different numbers, and every
 * backend connection logs in as the same account, so passing KILL through
 * unchanged could stop another client's statement.
 *
 * Shared by all workers: a hash table under one mutex, touched when a
 * session gets or drops its backend connection and by KILL, never per
 * statement.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct registry;

/* NULL when out of memory. */
struct registry *registry_create(void);
void registry_destroy(struct registry *reg);

/* Record (or replace) what serves conn_id. Returns 0 or -1 (no memory). */
int registry_set(struct registry *reg, uint32_t conn_id, const char *addr, unsigned long thread_id);

/* Register a session at login: conn_id with no connection yet, and the
 * flag KILL CONNECTION sets (then w is woken to close it). 0 or -1. */
struct worker;
int registry_session(struct registry *reg, uint32_t conn_id, int *killed, struct worker *w);

/* KILL [QUERY] conn_id: 0 with the server address and thread id serving it
 * now (the caller kills that thread), 1 when it holds no connection, -1
 * unknown. Without query_only the session's flag is set and its worker
 * woken, so the client connection closes in any case. */
int registry_kill(struct registry *reg, uint32_t conn_id, bool query_only, char *addr,
                  size_t addrlen, unsigned long *thread_id);

/* Forget conn_id (no-op if absent). */
void registry_del(struct registry *reg, uint32_t conn_id);

/* Look conn_id up: 0 and the server address / thread id, or -1. */
int registry_get(struct registry *reg, uint32_t conn_id, char *addr, size_t addrlen,
                 unsigned long *thread_id);

#endif
