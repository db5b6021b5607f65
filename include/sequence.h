/*
 * sequence — keys for INSERT rows of a sharded table that lack them.
 *
 * A table of a sharded keyspace may name a sequence in the shard map: a
 * table of an unsharded keyspace with one row,
 *
 *     CREATE TABLE users_seq (id INT PRIMARY KEY, next_id BIGINT NOT NULL);
 *     INSERT INTO users_seq VALUES (0, 1);
 *
 * whose next_id is the first id nobody has taken. A worker reserves a
 * block of sequence_block ids (or more, for a large INSERT) with one
 * statement on the sequence's primary,
 *
 *     UPDATE `schema`.`users_seq` SET next_id = LAST_INSERT_ID(next_id + K)
 *     WHERE id = 0
 *
 * whose OK packet gives the new next_id N: the block is [N - K, N). Routers
 * and workers reserve disjoint blocks (the UPDATE is atomic); ids of a
 * block a worker does not use up are never given (gaps, as with
 * AUTO_INCREMENT after a rollback). The cache below is one worker's, used
 * by its thread only.
 */
#ifndef SEQUENCE_H
#define SEQUENCE_H

#include <stdbool.h>
#include <stdint.h>

struct seq_block;

struct seq_cache {
    struct seq_block *blocks;
    int n, cap;
};

/* Take n ids of sequence ks.table: *first .. *first + n - 1. False when the
 * cached block holds fewer (reserve another first). */
bool seq_take(struct seq_cache *c, const char *ks, const char *table, uint32_t n, uint64_t *first);

/* The block [first, end) was reserved for ks.table (replaces the cached
 * one). Returns 0 or -1 (out of memory). */
int seq_put(struct seq_cache *c, const char *ks, const char *table, uint64_t first, uint64_t end);

void seq_free(struct seq_cache *c);

#endif
