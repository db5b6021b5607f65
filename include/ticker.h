/*
 * ticker — a background thread that calls a function every interval_ms,
 * and at once when poked, until stopped (the twopc recovery thread and the
 * health monitor). The function runs without the ticker's lock; it may use
 * the MariaDB client library (the thread is initialised for it).
 */
#ifndef TICKER_H
#define TICKER_H

#include <pthread.h>
#include <stdbool.h>

struct ticker {
    void (*fn)(void *arg);   /* each pass */
    void (*done)(void *arg); /* once, in the thread, after the last pass (or NULL) */
    void *arg;
    int interval_ms;
    int log_id; /* LOG_THREAD_*: how the thread's log lines are tagged */
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop, poke */
    pthread_cond_t cond;  /* CLOCK_MONOTONIC */
    bool started, stop, poke;
};

void ticker_init(struct ticker *t, void (*fn)(void *), void (*done)(void *), void *arg,
                 int interval_ms, int log_id);
/* 0, or -1 (errno) when the thread cannot start. */
int ticker_start(struct ticker *t);
/* Run a pass now (thread-safe; a pass running already is followed by another). */
void ticker_poke(struct ticker *t);
/* Stop and join the thread (it finishes its pass first). */
void ticker_stop(struct ticker *t);
void ticker_destroy(struct ticker *t);

#endif
