/* SPDX-License-Identifier: MIT */
/*
 * hash.h - the hash table shared by hash.c (hash, percpu_hash, hash_of_maps) and lru.c (the
 * LRU types' lists and eviction). Elements come from a pool allocated at create time: element
 * i is a node at nodes + i * node_stride (bookkeeping, then the key at HTAB_KEY_OFF, so a
 * lookup touches one line for both) and its values sit in the arena at i * ncpus * stride.
 * Links are element indexes plus one (0 ends a list), so a stale index never leaves the pool.
 */
#ifndef USERBPF_MAPS_HASH_H
#define USERBPF_MAPS_HASH_H

#include "maps.h"

#define HTAB_NONE UINT32_MAX

struct htab_elem {
	uint32_t next;     /* bucket chain */
	uint32_t hash;
	uint32_t lru_prev; /* LRU list (lru.c) */
	uint32_t lru_next;
	uint8_t used;      /* linked in a bucket */
	uint8_t in_lru;    /* on the LRU list */
	uint8_t ref;       /* LRU reference bit: set by lookups, cleared by the shrinker */
};

struct htab_bucket {
	map_spin_t lock;
	uint32_t head;
};

struct htab {
	struct userbpf_map map;
	bool lru;
	uint32_t seed;
	uint32_t nbuckets; /* a power of two */
	uint32_t nelems;   /* pool size */
	struct htab_bucket *buckets;
	uint8_t *nodes;       /* nelems nodes: struct htab_elem, then the key */
	uint32_t node_stride; /* HTAB_KEY_OFF + key_size, rounded up to 8 */
	int count; /* linked elements */
	map_spin_t free_lock;
	uint32_t *freelist;
	uint32_t nfree;
	/* LRU (lru.c): one list, most recent at head; second chance on the reference bit. */
	map_spin_t lru_lock;
	uint32_t lru_head, lru_tail;
};

#define HTAB_KEY_OFF ((sizeof(struct htab_elem) + 7u) & ~(size_t)7u)

/* Element i's bookkeeping. */
static inline struct htab_elem *HE(struct htab *h, uint32_t i)
{
	return (struct htab_elem *)(void *)(h->nodes + (size_t)i * h->node_stride);
}

/* An element from the free pool, or HTAB_NONE. */
uint32_t htab_elem_get(struct htab *h);
void htab_elem_put(struct htab *h, uint32_t i);
/* Unlink element i from its bucket if it is there; the bucket lock must be held. */
bool htab_unlink_locked(struct htab *h, struct htab_bucket *b, uint32_t i);
static inline struct htab_bucket *htab_bucket_of(struct htab *h, uint32_t hash)
{
	return &h->buckets[hash & (h->nbuckets - 1)];
}

/* lru.c */
void lru_add(struct htab *h, uint32_t i);
void lru_remove(struct htab *h, uint32_t i);
/* Evict the least recently used element not referenced since the last pass: its index. */
uint32_t lru_evict(struct htab *h);

#endif
