/* SPDX-License-Identifier: MIT */
/*
 * lru.c - eviction for lru_hash and lru_percpu_hash. As in the kernel, an LRU map never fails
 * an update for lack of room: when the pool is empty the least recently used element is
 * evicted. Recency is approximate, as the kernel's is: a lookup only sets the element's
 * reference bit (no list movement on the fast path); the shrinker walks from the cold end,
 * gives a referenced element a second chance (clears the bit, moves it to the hot end) and
 * evicts the first unreferenced one. New elements enter at the hot end.
 *
 * Lock order: bucket, then the LRU lock. The shrinker holds the LRU lock and only *tries* the
 * victim's bucket lock, skipping a busy bucket, so it cannot deadlock with an update.
 * BPF_F_NO_COMMON_LRU (per-CPU lists in the kernel) is accepted and uses the common list.
 */
#include "hash.h"

static void lru_unlink(struct htab *h, uint32_t i)
{
	struct htab_elem *e = HE(h, i);

	if (e->lru_prev)
		HE(h, e->lru_prev - 1)->lru_next = e->lru_next;
	else
		h->lru_head = e->lru_next;
	if (e->lru_next)
		HE(h, e->lru_next - 1)->lru_prev = e->lru_prev;
	else
		h->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = 0;
	e->in_lru = 0;
}

static void lru_push_head(struct htab *h, uint32_t i)
{
	struct htab_elem *e = HE(h, i);

	e->lru_prev = 0;
	e->lru_next = h->lru_head;
	if (h->lru_head)
		HE(h, h->lru_head - 1)->lru_prev = i + 1;
	else
		h->lru_tail = i + 1;
	h->lru_head = i + 1;
	e->in_lru = 1;
}

void lru_add(struct htab *h, uint32_t i)
{
	map_spin_lock(&h->lru_lock);
	__atomic_store_n(&HE(h, i)->ref, 0, __ATOMIC_RELAXED);
	lru_push_head(h, i);
	map_spin_unlock(&h->lru_lock);
}

void lru_remove(struct htab *h, uint32_t i)
{
	map_spin_lock(&h->lru_lock);
	if (HE(h, i)->in_lru)
		lru_unlink(h, i);
	map_spin_unlock(&h->lru_lock);
}

uint32_t lru_evict(struct htab *h)
{
	uint32_t victim = HTAB_NONE;

	map_spin_lock(&h->lru_lock);
	/* Two passes over the list at most: the first may only clear reference bits. */
	for (uint64_t scanned = 0; h->lru_tail && scanned < 2ull * h->nelems + 2; scanned++) {
		uint32_t i = h->lru_tail - 1;
		struct htab_elem *e = HE(h, i);
		struct htab_bucket *b;

		if (__atomic_load_n(&e->ref, __ATOMIC_RELAXED)) {
			__atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
			lru_unlink(h, i);
			lru_push_head(h, i);
			continue;
		}
		b = htab_bucket_of(h, e->hash);
		if (!map_spin_trylock(&b->lock)) {
			/* Busy bucket: look at it again later. */
			lru_unlink(h, i);
			lru_push_head(h, i);
			continue;
		}
		if (htab_unlink_locked(h, b, i)) {
			__atomic_fetch_sub(&h->count, 1, __ATOMIC_RELAXED);
			victim = i;
		}
		map_spin_unlock(&b->lock);
		lru_unlink(h, i);
		if (victim != HTAB_NONE)
			break;
	}
	map_spin_unlock(&h->lru_lock);
	return victim;
}
