/* SPDX-License-Identifier: MIT */
/*
 * hash.c - hash, percpu_hash, hash_of_maps and (with lru.c) lru_hash and lru_percpu_hash.
 *
 * Buckets are chains of pool elements, each bucket under its own spin lock. An update of a
 * plain value takes a fresh element, fills it, and swaps it for the old one under the bucket
 * lock, so a reader sees the old value or the new one, never a mix (the kernel's behaviour);
 * per-CPU values and BPF_F_LOCK updates are copied in place, as the kernel does. The pool has
 * a few spare elements beyond max_entries for those swaps; LRU maps evict instead.
 * Iteration (get_next_key) walks buckets in order and each chain from its head; batches walk
 * the pool in index order, which concurrent updates do not disturb.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hash.h"

#define HTAB_SPARE 64
#define HTAB_MAX_BYTES (1ull << 32)

static struct htab *to_htab(struct userbpf_map *map)
{
	return (struct htab *)map;
}

static bool htab_percpu(const struct userbpf_map *map)
{
	return map->type == BPF_MAP_TYPE_PERCPU_HASH || map->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool htab_of_maps(const struct userbpf_map *map)
{
	return map->type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static uint8_t *elem_key(struct htab *h, uint32_t i)
{
	return (uint8_t *)HE(h, i) + HTAB_KEY_OFF;
}

static uint8_t *elem_value(struct htab *h, uint32_t i, uint32_t cpu)
{
	return h->map.arena + ((size_t)i * h->map.ncpus + cpu) * h->map.stride;
}

static struct userbpf_map *htab_alloc(const struct userbpf_map *attr, struct userbpf_error *err)
{
	bool lru = attr->type == BPF_MAP_TYPE_LRU_HASH || attr->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	uint32_t allowed = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY |
			   BPF_F_ZERO_SEED | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_INNER_MAP;
	struct htab *h;
	uint64_t nelems, bytes;

	if (lru)
		allowed = (allowed & ~(uint32_t)BPF_F_NO_PREALLOC) | BPF_F_NO_COMMON_LRU;
	if (attr->key_size == 0 || attr->key_size > 512 || attr->value_size == 0 ||
	    attr->max_entries == 0) {
		MAP_ERR(err, -EINVAL, NULL,
			"hash map '%s': key_size 1..512, value_size and max_entries non-zero "
			"(got %u, %u, %u)", attr->name, attr->key_size, attr->value_size,
			attr->max_entries);
		return NULL;
	}
	if (attr->flags & ~allowed) {
		MAP_ERR(err, lru && (attr->flags & BPF_F_NO_PREALLOC) ? -ENOTSUP : -EINVAL, NULL,
			"hash map '%s': flags 0x%x are not supported by type %u", attr->name,
			attr->flags & ~allowed, attr->type);
		return NULL;
	}
	if (htab_of_maps(attr) && attr->value_size != 4) {
		MAP_ERR(err, -EINVAL, NULL, "hash_of_maps '%s': value_size must be 4", attr->name);
		return NULL;
	}
	if (htab_percpu(attr) && (attr->value_size > 32768 || attr->has_lock)) {
		MAP_ERR(err, -EINVAL, NULL,
			"per-CPU hash '%s': value_size %u over 32768 or a bpf_spin_lock", attr->name,
			attr->value_size);
		return NULL;
	}
	nelems = (uint64_t)attr->max_entries + (lru ? 0 : HTAB_SPARE);
	bytes = nelems * attr->stride * attr->ncpus;
	if (bytes > HTAB_MAX_BYTES || nelems * attr->key_size > HTAB_MAX_BYTES) {
		MAP_ERR(err, -E2BIG, NULL, "hash map '%s': %llu elements are too many", attr->name,
			(unsigned long long)attr->max_entries);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		goto oom;
	h->map = *attr;
	h->lru = lru;
	h->nelems = (uint32_t)nelems;
	h->nbuckets = 1;
	while (h->nbuckets < attr->max_entries && h->nbuckets < (1u << 30))
		h->nbuckets <<= 1;
	if (!(attr->flags & BPF_F_ZERO_SEED) &&
	    getrandom(&h->seed, sizeof(h->seed), GRND_NONBLOCK) != sizeof(h->seed))
		h->seed = (uint32_t)(uintptr_t)h; /* no entropy yet: still differs per map */
	h->buckets = calloc(h->nbuckets, sizeof(*h->buckets));
	h->node_stride = (uint32_t)((HTAB_KEY_OFF + attr->key_size + 7u) & ~(size_t)7u);
	h->freelist = malloc((size_t)h->nelems * sizeof(uint32_t));
	/* Nodes in an arena: a for_each callback may read the keys (read-only for programs). */
	h->map.keys_len = (size_t)nelems * h->node_stride;
	h->nodes = map_arena_alloc(h->map.keys_len);
	h->map.keys = h->nodes;
	h->map.arena_len = (size_t)bytes;
	h->map.arena = map_arena_alloc(h->map.arena_len);
	if (!h->buckets || !h->nodes || !h->freelist || !h->map.arena) {
		h->map.ops->free(&h->map);
		goto oom;
	}
	/* Hand out low indexes first: batches and dumps then meet elements in insertion order. */
	for (uint32_t i = 0; i < h->nelems; i++)
		h->freelist[i] = h->nelems - 1 - i;
	h->nfree = h->nelems;
	return &h->map;
oom:
	MAP_ERR(err, -ENOMEM, NULL, "hash map '%s': out of memory", attr->name);
	return NULL;
}

static void htab_free(struct userbpf_map *map)
{
	struct htab *h = to_htab(map);

	if (htab_of_maps(map) && h->nodes)
		for (uint32_t i = 0; i < h->nelems; i++)
			if (HE(h, i)->used) {
				struct userbpf_map *inner;

				memcpy(&inner, elem_value(h, i, 0), sizeof(inner));
				userbpf_map_free(inner);
			}
	free(h->buckets);
	free(h->freelist);
	map_arena_free(h->nodes, map->keys_len);
	map_arena_free(map->arena, map->arena_len);
	free(h);
}

uint32_t htab_elem_get(struct htab *h)
{
	uint32_t i = HTAB_NONE;

	map_spin_lock(&h->free_lock);
	if (h->nfree)
		i = h->freelist[--h->nfree];
	map_spin_unlock(&h->free_lock);
	return i;
}

void htab_elem_put(struct htab *h, uint32_t i)
{
	map_spin_lock(&h->free_lock);
	h->freelist[h->nfree++] = i;
	map_spin_unlock(&h->free_lock);
}

/* The element holding key in bucket b (locked), or HTAB_NONE; *prev gets its predecessor. */
static uint32_t htab_find(struct htab *h, struct htab_bucket *b, const void *key, uint32_t hash,
			  uint32_t *prev)
{
	uint32_t p = 0;

	for (uint32_t n = b->head; n; n = HE(h, n - 1)->next) {
		uint32_t i = n - 1;

		if (HE(h, i)->hash == hash && !memcmp(elem_key(h, i), key, h->map.key_size)) {
			if (prev)
				*prev = p;
			return i;
		}
		p = n;
	}
	return HTAB_NONE;
}

static void htab_unlink_after(struct htab *h, struct htab_bucket *b, uint32_t prev, uint32_t i)
{
	if (prev)
		HE(h, prev - 1)->next = HE(h, i)->next;
	else
		b->head = HE(h, i)->next;
	HE(h, i)->next = 0;
	__atomic_store_n(&HE(h, i)->used, 0, __ATOMIC_RELEASE);
}

bool htab_unlink_locked(struct htab *h, struct htab_bucket *b, uint32_t i)
{
	uint32_t p = 0;

	for (uint32_t n = b->head; n; p = n, n = HE(h, n - 1)->next)
		if (n - 1 == i) {
			htab_unlink_after(h, b, p, i);
			return true;
		}
	return false;
}

/* Return an unlinked element to the pool, dropping what it owned. */
static void htab_release(struct htab *h, uint32_t i)
{
	if (htab_of_maps(&h->map)) {
		struct userbpf_map *inner;

		memcpy(&inner, elem_value(h, i, 0), sizeof(inner));
		userbpf_map_free(inner);
	}
	htab_elem_put(h, i);
}

static void *htab_lookup(struct userbpf_map *map, const void *key)
{
	struct htab *h = to_htab(map);
	uint32_t hash = map_hash(key, map->key_size, h->seed), i;
	struct htab_bucket *b = htab_bucket_of(h, hash);
	void *v = NULL;

	map_spin_lock(&b->lock);
	i = htab_find(h, b, key, hash, NULL);
	if (i != HTAB_NONE) {
		if (h->lru && !HE(h, i)->ref)
			__atomic_store_n(&HE(h, i)->ref, 1, __ATOMIC_RELAXED);
		if (htab_of_maps(map))
			memcpy(&v, elem_value(h, i, 0), sizeof(v));
		else
			v = elem_value(h, i, map_cpu_slot(map->ncpus));
	}
	map_spin_unlock(&b->lock);
	return v;
}

static void *htab_lookup_cpu(struct userbpf_map *map, const void *key, uint32_t cpu)
{
	struct htab *h = to_htab(map);
	uint32_t hash = map_hash(key, map->key_size, h->seed), i;
	struct htab_bucket *b = htab_bucket_of(h, hash);
	void *v = NULL;

	map_spin_lock(&b->lock);
	i = htab_find(h, b, key, hash, NULL);
	if (i != HTAB_NONE) {
		if (h->lru && !HE(h, i)->ref)
			__atomic_store_n(&HE(h, i)->ref, 1, __ATOMIC_RELAXED);
		v = elem_value(h, i, cpu);
	}
	map_spin_unlock(&b->lock);
	return v;
}

/* Write value into element i: one CPU slot (cpu) or, with cpu == HTAB_NONE, all of them. */
static void htab_fill(struct htab *h, uint32_t i, const void *value, uint32_t cpu, bool zero_rest)
{
	struct userbpf_map *map = &h->map;

	if (htab_of_maps(map)) {
		memcpy(elem_value(h, i, 0), value, sizeof(void *));
		return;
	}
	for (uint32_t c = 0; c < map->ncpus; c++) {
		uint8_t *dst = elem_value(h, i, c);

		if (cpu == HTAB_NONE && htab_percpu(map))
			/* The host's slot includes the padding: kept as given, as the kernel does. */
			memcpy(dst, (const uint8_t *)value + (size_t)c * map->stride, map->stride);
		else if (cpu == HTAB_NONE)
			map_copy_value(map, dst, value);
		else if (c == cpu)
			map_copy_value(map, dst, value);
		else if (zero_rest)
			memset(dst, 0, map->stride);
	}
}

/*
 * The update both sides share. value holds one CPU slot (cpu given) or all (cpu HTAB_NONE);
 * for hash_of_maps it holds the inner map pointer, whose reference the map takes over.
 */
static int htab_update_common(struct htab *h, const void *key, const void *value, uint64_t flags,
			      uint32_t cpu)
{
	struct userbpf_map *map = &h->map;
	uint64_t mode = flags & ~(uint64_t)BPF_F_LOCK;
	uint32_t hash = map_hash(key, map->key_size, h->seed), old, prev = 0, fresh = HTAB_NONE;
	struct htab_bucket *b = htab_bucket_of(h, hash);
	bool in_place = htab_percpu(map) || (flags & BPF_F_LOCK);

	if (mode > BPF_EXIST || ((flags & BPF_F_LOCK) && !map->has_lock))
		return -EINVAL;
	if (flags & BPF_F_LOCK) {
		/* Present: copy under the value's lock, in place (as the kernel). */
		map_spin_lock(&b->lock);
		old = htab_find(h, b, key, hash, NULL);
		if (old != HTAB_NONE) {
			uint8_t *dst = elem_value(h, old, 0);

			if (mode == BPF_NOEXIST) {
				map_spin_unlock(&b->lock);
				return -EEXIST;
			}
			map_value_lock(map, dst);
			map_copy_value(map, dst, value);
			map_value_unlock(map, dst);
			map_spin_unlock(&b->lock);
			return 0;
		}
		map_spin_unlock(&b->lock);
		in_place = false;
	}
	{
		fresh = htab_elem_get(h);
		if (fresh == HTAB_NONE && h->lru)
			fresh = lru_evict(h);
		if (fresh != HTAB_NONE) {
			memcpy(elem_key(h, fresh), key, map->key_size);
			HE(h, fresh)->hash = hash;
			HE(h, fresh)->ref = 0;
			htab_fill(h, fresh, value, cpu, true);
		}
	}
	map_spin_lock(&b->lock);
	old = htab_find(h, b, key, hash, &prev);
	if (old != HTAB_NONE && mode == BPF_NOEXIST) {
		map_spin_unlock(&b->lock);
		goto fail_eexist;
	}
	if (old == HTAB_NONE && mode == BPF_EXIST) {
		map_spin_unlock(&b->lock);
		if (fresh != HTAB_NONE)
			htab_elem_put(h, fresh);
		return -ENOENT;
	}
	if (old != HTAB_NONE && (fresh == HTAB_NONE || (in_place && !h->lru))) {
		/* In place: per-CPU values, or no spare element left for a swap. */
		if (htab_of_maps(map)) {
			/* The old map's reference must be dropped after a swap: no spare, no swap. */
			map_spin_unlock(&b->lock);
			return -E2BIG;
		}
		htab_fill(h, old, value, cpu, false);
		map_spin_unlock(&b->lock);
		if (fresh != HTAB_NONE)
			htab_elem_put(h, fresh);
		return 0;
	}
	if (old == HTAB_NONE &&
	    (fresh == HTAB_NONE ||
	     (!h->lru && __atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED) > (int)map->max_entries))) {
		if (fresh != HTAB_NONE && !h->lru)
			__atomic_fetch_sub(&h->count, 1, __ATOMIC_RELAXED);
		map_spin_unlock(&b->lock);
		if (fresh != HTAB_NONE)
			htab_elem_put(h, fresh);
		return -E2BIG;
	}
	if (old != HTAB_NONE && htab_percpu(map)) {
		/* LRU per-CPU replace: keep the other CPUs' values, as the kernel copies them. */
		for (uint32_t c = 0; c < map->ncpus; c++)
			if (cpu != HTAB_NONE && c != cpu)
				memcpy(elem_value(h, fresh, c), elem_value(h, old, c), map->value_size);
	}
	/* Link the new element at the head, then drop the old one. */
	HE(h, fresh)->next = b->head;
	__atomic_store_n(&HE(h, fresh)->used, 1, __ATOMIC_RELEASE);
	b->head = fresh + 1;
	if (old != HTAB_NONE)
		htab_unlink_after(h, b, prev == 0 ? fresh + 1 : prev, old);
	else if (h->lru)
		__atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED); /* counted above otherwise */
	if (h->lru) {
		lru_add(h, fresh);
		if (old != HTAB_NONE)
			lru_remove(h, old);
	}
	map_spin_unlock(&b->lock);
	if (old != HTAB_NONE)
		htab_release(h, old);
	return 0;
fail_eexist:
	if (fresh != HTAB_NONE)
		htab_elem_put(h, fresh);
	return -EEXIST;
}

static int htab_update(struct userbpf_map *map, const void *key, const void *value,
		       uint64_t flags)
{
	if (htab_of_maps(map))
		return -EINVAL; /* programs cannot store maps */
	return htab_update_common(to_htab(map), key, value, flags, map_cpu_slot(map->ncpus));
}

static int htab_update_host(struct userbpf_map *map, const void *key, const void *value,
			    uint64_t flags)
{
	if (htab_of_maps(map))
		return -EINVAL; /* userbpf_map_update_map */
	return htab_update_common(to_htab(map), key, value, flags, HTAB_NONE);
}

/* Copy element i's value(s) out for the host. */
static void htab_copy_out(struct htab *h, uint32_t i, void *value, uint64_t flags)
{
	struct userbpf_map *map = &h->map;

	for (uint32_t c = 0; c < map->ncpus; c++) {
		uint8_t *src = elem_value(h, i, c);
		uint8_t *dst = (uint8_t *)value + (size_t)c * map->stride;

		if (htab_percpu(map)) {
			memcpy(dst, src, map->stride); /* with the padding, as the kernel */
			continue;
		}
		if (flags & BPF_F_LOCK)
			map_value_lock(map, src);
		map_copy_value(map, dst, src);
		if (flags & BPF_F_LOCK)
			map_value_unlock(map, src);
		if (map->has_lock)
			memset(dst + map->lock_off, 0, 4);
	}
}

static int htab_lookup_common(struct userbpf_map *map, const void *key, void *value,
			      uint64_t flags, bool del)
{
	struct htab *h = to_htab(map);
	uint32_t hash = map_hash(key, map->key_size, h->seed), i, prev = 0;
	struct htab_bucket *b = htab_bucket_of(h, hash);

	if (htab_of_maps(map))
		return -EOPNOTSUPP; /* userbpf_map_lookup_map */
	map_spin_lock(&b->lock);
	i = htab_find(h, b, key, hash, &prev);
	if (i == HTAB_NONE) {
		map_spin_unlock(&b->lock);
		return -ENOENT;
	}
	if (value)
		htab_copy_out(h, i, value, flags);
	if (del) {
		htab_unlink_after(h, b, prev, i);
		__atomic_fetch_sub(&h->count, 1, __ATOMIC_RELAXED);
		if (h->lru)
			lru_remove(h, i);
	}
	map_spin_unlock(&b->lock);
	if (del)
		htab_release(h, i);
	return 0;
}

static int htab_lookup_host(struct userbpf_map *map, const void *key, void *value,
			    uint64_t flags)
{
	return htab_lookup_common(map, key, value, flags, false);
}

static int htab_lookup_and_delete(struct userbpf_map *map, const void *key, void *value,
				  uint64_t flags)
{
	return htab_lookup_common(map, key, value, flags, true);
}

static int htab_remove(struct userbpf_map *map, const void *key)
{
	struct htab *h = to_htab(map);
	uint32_t hash = map_hash(key, map->key_size, h->seed), i, prev = 0;
	struct htab_bucket *b = htab_bucket_of(h, hash);

	map_spin_lock(&b->lock);
	i = htab_find(h, b, key, hash, &prev);
	if (i == HTAB_NONE) {
		map_spin_unlock(&b->lock);
		return -ENOENT;
	}
	htab_unlink_after(h, b, prev, i);
	__atomic_fetch_sub(&h->count, 1, __ATOMIC_RELAXED);
	if (h->lru)
		lru_remove(h, i);
	map_spin_unlock(&b->lock);
	htab_release(h, i);
	return 0;
}

/* The first element of bucket >= from, its key copied to next; -ENOENT past the last. */
static int htab_first_from(struct htab *h, uint32_t from, void *next)
{
	for (uint32_t bi = from; bi < h->nbuckets; bi++) {
		struct htab_bucket *b = &h->buckets[bi];

		if (!__atomic_load_n(&b->head, __ATOMIC_RELAXED))
			continue;
		map_spin_lock(&b->lock);
		if (b->head) {
			memcpy(next, elem_key(h, b->head - 1), h->map.key_size);
			map_spin_unlock(&b->lock);
			return 0;
		}
		map_spin_unlock(&b->lock);
	}
	return -ENOENT;
}

static int htab_get_next_key(struct userbpf_map *map, const void *key, void *next)
{
	struct htab *h = to_htab(map);
	uint32_t hash, i;
	struct htab_bucket *b;

	if (!key)
		return htab_first_from(h, 0, next);
	hash = map_hash(key, map->key_size, h->seed);
	b = htab_bucket_of(h, hash);
	map_spin_lock(&b->lock);
	i = htab_find(h, b, key, hash, NULL);
	if (i == HTAB_NONE) {
		/* An absent key restarts the walk, as in the kernel. */
		map_spin_unlock(&b->lock);
		return htab_first_from(h, 0, next);
	}
	if (HE(h, i)->next) {
		memcpy(next, elem_key(h, HE(h, i)->next - 1), map->key_size);
		map_spin_unlock(&b->lock);
		return 0;
	}
	map_spin_unlock(&b->lock);
	return htab_first_from(h, (uint32_t)(b - h->buckets) + 1, next);
}

static int htab_next_at(struct userbpf_map *map, uint64_t *pos, void *key)
{
	struct htab *h = to_htab(map);

	for (uint64_t i = *pos; i < h->nelems; i++) {
		if (!__atomic_load_n(&HE(h, i)->used, __ATOMIC_ACQUIRE))
			continue;
		memcpy(key, elem_key(h, (uint32_t)i), map->key_size);
		*pos = i + 1;
		return 0;
	}
	*pos = h->nelems;
	return -ENOENT;
}

static long htab_for_each(struct userbpf_map *map,
			  long (*fn)(struct userbpf_map *, void *, void *, void *), void *ctx)
{
	struct htab *h = to_htab(map);
	uint32_t cpu = map_cpu_slot(map->ncpus);
	long n = 0;

	/* No lock is held while the callback runs: it may use the map itself. */
	for (uint32_t i = 0; i < h->nelems; i++) {
		if (!__atomic_load_n(&HE(h, i)->used, __ATOMIC_ACQUIRE))
			continue;
		n++;
		if (fn(map, elem_key(h, i), elem_value(h, i, cpu), ctx))
			break;
	}
	return n;
}

#define HTAB_OPS                                                                                \
	.alloc = htab_alloc, .free = htab_free, .lookup = htab_lookup, .update = htab_update,      \
	.remove = htab_remove, .lookup_host = htab_lookup_host, .update_host = htab_update_host,   \
	.lookup_and_delete = htab_lookup_and_delete, .get_next_key = htab_get_next_key,            \
	.next_at = htab_next_at

const struct map_ops map_hash_ops = { HTAB_OPS, .for_each = htab_for_each };
const struct map_ops map_percpu_hash_ops = { HTAB_OPS, .for_each = htab_for_each,
					      .lookup_cpu = htab_lookup_cpu };
const struct map_ops map_lru_hash_ops = { HTAB_OPS, .for_each = htab_for_each };
const struct map_ops map_lru_percpu_hash_ops = { HTAB_OPS, .for_each = htab_for_each,
						  .lookup_cpu = htab_lookup_cpu };
const struct map_ops map_hash_of_maps_ops = { HTAB_OPS };

int maps_hash_update_map(struct userbpf_map *map, const void *key, struct userbpf_map *inner,
			 uint64_t flags, struct userbpf_error *err)
{
	int ret = maps_inner_ok(map, inner, err);

	if (ret)
		return ret;
	if (userbpf_map_frozen(map) || (map->flags & BPF_F_RDONLY))
		return MAP_ERR(err, -EPERM, map, "update_map: map '%s' is read-only", map->name);
	userbpf_map_ref(inner);
	ret = htab_update_common(to_htab(map), key, &inner, flags, HTAB_NONE);
	if (ret) {
		userbpf_map_free(inner);
		return MAP_ERR(err, ret, map, "update_map: map '%s': %s", map->name,
			       ret == -EEXIST   ? "the key exists (BPF_NOEXIST)"
			       : ret == -ENOENT ? "no such key (BPF_EXIST)"
			       : ret == -E2BIG  ? "the map is full"
						: "invalid flags");
	}
	return 0;
}

bool maps_hash_holds(struct userbpf_map *map, uint64_t ptr)
{
	struct htab *h = to_htab(map);

	for (uint32_t i = 0; i < h->nelems; i++) {
		uint64_t v;

		if (!__atomic_load_n(&HE(h, i)->used, __ATOMIC_ACQUIRE))
			continue;
		memcpy(&v, elem_value(h, i, 0), sizeof(v));
		if (v == ptr)
			return true;
	}
	return false;
}
