/* registry — client connection id -> server thread. See include/registry.h. */
#include "registry.h"

#include "worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 4096

struct registry_entry {
    struct registry_entry *next;
    uint32_t conn_id;
    unsigned long thread_id;
    char addr[300]; /* "" while the session holds no connection */
    int *killed;    /* the session's flag (NULL: not registered as a session) */
    struct worker *w;
};

struct registry {
    pthread_mutex_t lock;
    struct registry_entry *buckets[NBUCKETS];
};

struct registry *registry_create(void)
{
    struct registry *reg = calloc(1, sizeof(*reg));
    if (reg != NULL)
        pthread_mutex_init(&reg->lock, NULL);
    return reg;
}

void registry_destroy(struct registry *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < NBUCKETS; i++) {
        struct registry_entry *e = reg->buckets[i];
        while (e != NULL) {
            struct registry_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

static struct registry_entry **slot(struct registry *reg, uint32_t conn_id)
{
    struct registry_entry **pp = &reg->buckets[conn_id % NBUCKETS];
    while (*pp != NULL && (*pp)->conn_id != conn_id)
        pp = &(*pp)->next;
    return pp;
}

int registry_set(struct registry *reg, uint32_t conn_id, const char *addr, unsigned long thread_id)
{
    pthread_mutex_lock(&reg->lock);
    struct registry_entry **pp = slot(reg, conn_id);
    if (*pp == NULL) {
        *pp = calloc(1, sizeof(**pp));
        if (*pp == NULL) {
            pthread_mutex_unlock(&reg->lock);
            return -1;
        }
        (*pp)->conn_id = conn_id;
    }
    (*pp)->thread_id = thread_id;
    snprintf((*pp)->addr, sizeof((*pp)->addr), "%s", addr);
    pthread_mutex_unlock(&reg->lock);
    return 0;
}

int registry_session(struct registry *reg, uint32_t conn_id, int *killed, struct worker *w)
{
    if (registry_set(reg, conn_id, "", 0) == -1)
        return -1;
    pthread_mutex_lock(&reg->lock);
    struct registry_entry *e = *slot(reg, conn_id);
    e->killed = killed;
    e->w = w;
    pthread_mutex_unlock(&reg->lock);
    return 0;
}

int registry_kill(struct registry *reg, uint32_t conn_id, bool query_only, char *addr,
                  size_t addrlen, unsigned long *thread_id)
{
    int rc = -1;
    struct worker *w = NULL;
    pthread_mutex_lock(&reg->lock);
    struct registry_entry *e = *slot(reg, conn_id);
    if (e != NULL) {
        snprintf(addr, addrlen, "%s", e->addr);
        *thread_id = e->thread_id;
        rc = e->addr[0] != '\0' ? 0 : 1;
        if (!query_only && e->killed != NULL) {
            __atomic_store_n(e->killed, 1, __ATOMIC_RELAXED);
            w = e->w;
        }
    }
    if (w != NULL)
        worker_wake(w); /* under the lock: the session cannot be freed meanwhile */
    pthread_mutex_unlock(&reg->lock);
    return rc;
}

void registry_del(struct registry *reg, uint32_t conn_id)
{
    pthread_mutex_lock(&reg->lock);
    struct registry_entry **pp = slot(reg, conn_id);
    struct registry_entry *e = *pp;
    if (e != NULL)
        *pp = e->next;
    pthread_mutex_unlock(&reg->lock);
    free(e);
}

int registry_get(struct registry *reg, uint32_t conn_id, char *addr, size_t addrlen,
                 unsigned long *thread_id)
{
    int rc = -1;
    pthread_mutex_lock(&reg->lock);
    struct registry_entry *e = *slot(reg, conn_id);
    if (e != NULL) {
        snprintf(addr, addrlen, "%s", e->addr);
        *thread_id = e->thread_id;
        rc = 0;
    }
    pthread_mutex_unlock(&reg->lock);
    return rc;
}
