/*
 * worker — one thread, one epoll loop, its own listening socket
 * (SO_REUSEPORT), its own client sessions and backend connections. Nothing
 * on the statement path is shared between workers, so it takes no lock.
 *
 * Every socket is registered once, edge-triggered, for input and output;
 * objects remember readiness (rd_ready/wr_ready) and do I/O until the
 * kernel says EAGAIN or a short read shows the socket is drained, so
 * interest never changes per statement.
 */
#ifndef WORKER_H
#define WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "sequence.h"
#include "list.h"

struct router;
struct cls;
struct plan;
struct shardmap;

enum pollable_kind {
    POLL_LISTENER = 1,
    POLL_WAKE,
    POLL_SESSION,
    POLL_BACKEND,
};

/* First member of everything registered with epoll. */
struct pollable {
    int fd;
    enum pollable_kind kind;
};

struct pool_server;

struct worker {
    int id;
    pthread_t thread;
    struct router *router;
    int epfd;
    struct pollable listener;
    struct pollable wake;      /* eventfd: another thread asks us to look at router state */
    uint64_t now_ms;           /* CLOCK_MONOTONIC, refreshed every loop iteration */
    struct list sessions;      /* every session of this worker */
    struct list handshaking;   /* sessions before authentication (timeout) */
    struct list connecting;    /* backends being connected (timeout) */
    struct list dead;          /* sessions closed this tick, freed at its end */
    struct list dead_backends; /* backends released this tick, freed at its end */
    /* statistics, written by this worker only, read relaxed by others */
    uint64_t questions;
    uint64_t connections;
    int nsessions;
    struct cls *cls;       /* classify() result for the statement being routed */
    struct plan *plan;     /* plan_build() result for it (texts reused) */
    struct buf wire;       /* a command being composed for a backend */
    struct seq_cache seqs; /* id blocks reserved from sequences (sequence.h) */
    /* The newest shard map this worker has seen, and its generation
     * (router->map_gen): sessions move to it at a command boundary, so only
     * the first of them per new version takes the router's lock. */
    struct shardmap *map;
    uint64_t map_gen;
    /* statements in flight on each replica (health table index), for
     * picking the least busy one */
    int *outstanding;
    int *credit; /* smooth weighted round robin among equally busy replicas */
    /* idle backend connections per server (pool.c) */
    struct pool_server **pools; /* those made, for the ticks */
    int npools;
    struct pool_server **pool_of; /* by server (health table index), HEALTH_MAX */
    struct list pool_ready;       /* sessions whose wait for a connection ended */
};

/* Create the epoll instance, the listening socket and the wake eventfd.
 * Returns 0, or -1 with err filled ("cannot listen on ...: reason"). */
int worker_init(struct worker *w, struct router *r, int id, char *err, size_t errlen);

/* Fail (err filled) when the listen address is already taken. */
int worker_check_port(const char *host, int port, char *err, size_t errlen);

/* Start the thread. Returns 0 or -1. */
int worker_start(struct worker *w);

/* Ask the worker to look at router->stopping and router->map_gen
 * (thread-safe). */
void worker_wake(struct worker *w);

/* Release what worker_init created (after the thread has exited). */
void worker_deinit(struct worker *w);

/* Register pl (edge-triggered, in + out + hangup). Returns 0 or -1. */
int worker_watch(struct worker *w, struct pollable *pl);

/*
 * The router's current shard map as this worker holds it (w->map, a
 * reference the worker owns; sessions take their own with shardmap_get).
 * Refreshed from the router, under its lock, only when router->map_gen
 * moved since the last call; the first time a worker sees a version it logs
 * it. Worker thread only.
 */
struct shardmap *worker_map_refresh(struct worker *w);

/* Monotonic milliseconds now. */
uint64_t worker_clock_ms(void);

#endif
