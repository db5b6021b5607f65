/* sequence — keys for INSERT rows that lack them, from a sequence table
 * of an unsharded keyspace, reserved in blocks so that most inserts need
 * no extra round trip. See include/sequence.h. */
#include "sequence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seq_block {
    char name[2 * 200 + 2]; /* "keyspace.table" */
    uint64_t next, end;     /* ids [next, end) are this worker's to give */
};

static struct seq_block *find(struct seq_cache *c, const char *ks, const char *table, bool add)
{
    char name[sizeof(((struct seq_block *)0)->name)];
    snprintf(name, sizeof(name), "%s.%s", ks, table);
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->blocks[i].name, name) == 0)
            return &c->blocks[i];
    if (!add)
        return NULL;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 4;
        struct seq_block *b = realloc(c->blocks, (size_t)cap * sizeof(*b));
        if (b == NULL)
            return NULL;
        c->blocks = b;
        c->cap = cap;
    }
    struct seq_block *b = &c->blocks[c->n++];
    snprintf(b->name, sizeof(b->name), "%s", name);
    b->next = b->end = 0;
    return b;
}

bool seq_take(struct seq_cache *c, const char *ks, const char *table, uint32_t n, uint64_t *first)
{
    struct seq_block *b = find(c, ks, table, false);
    if (b == NULL || b->end - b->next < n)
        return false;
    *first = b->next;
    b->next += n;
    return true;
}

int seq_put(struct seq_cache *c, const char *ks, const char *table, uint64_t first, uint64_t end)
{
    struct seq_block *b = find(c, ks, table, true);
    if (b == NULL)
        return -1;
    b->next = first;
    b->end = end;
    return 0;
}

void seq_free(struct seq_cache *c)
{
    free(c->blocks);
    c->blocks = NULL;
    c->n = c->cap = 0;
}
