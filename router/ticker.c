/* ticker — see include/ticker.h. */
#include "ticker.h"

#include <errno.h>
#include <mysql.h>
#include <time.h>

#include "log.h"

void ticker_init(struct ticker *t, void (*fn)(void *), void (*done)(void *), void *arg,
                 int interval_ms, int log_id)
{
    t->fn = fn;
    t->done = done;
    t->arg = arg;
    t->interval_ms = interval_ms;
    t->log_id = log_id;
    t->started = t->stop = t->poke = false;
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);
}

static void *ticker_main(void *arg)
{
    struct ticker *t = arg;
    log_set_worker(t->log_id);
    mysql_thread_init();
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        t->poke = false;
        pthread_mutex_unlock(&t->lock);
        t->fn(t->arg);
        pthread_mutex_lock(&t->lock);
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += t->interval_ms / 1000;
        dl.tv_nsec += (long)(t->interval_ms % 1000) * 1000000;
        if (dl.tv_nsec >= 1000000000) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000;
        }
        while (!t->stop && !t->poke)
            if (pthread_cond_timedwait(&t->cond, &t->lock, &dl) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&t->lock);
    if (t->done != NULL)
        t->done(t->arg);
    mysql_thread_end();
    return NULL;
}

int ticker_start(struct ticker *t)
{
    int rc = pthread_create(&t->thread, NULL, ticker_main, t);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    t->started = true;
    return 0;
}

void ticker_poke(struct ticker *t)
{
    pthread_mutex_lock(&t->lock);
    t->poke = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

void ticker_stop(struct ticker *t)
{
    if (!t->started)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    t->started = false;
}

void ticker_destroy(struct ticker *t)
{
    ticker_stop(t);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
}
