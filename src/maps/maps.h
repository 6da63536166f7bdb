/* SPDX-License-Identifier: MIT */
/*
 * maps.h - private interface of src/maps: the map object every type embeds, the per-type ops
 * table, the small spin lock the types use, and the calls helpers and the VM make on maps
 * (program-side element access, checked-mode value memory, tail-call slots).
 *
 * Memory model: every map keeps the values a program may point into in one "value arena"
 * allocated at create time and never moved or freed before the map, separate from keys and
 * bookkeeping. A pointer a program got from a lookup therefore always points into live memory,
 * and in checked mode the arena is the region the program may access (read-only with
 * BPF_F_RDONLY_PROG), while the structures that keep the map consistent are out of its reach.
 */
#ifndef USERBPF_MAPS_H
#define USERBPF_MAPS_H

#include <linux/bpf.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "../util/util.h"
#include "userbpf.h"

/* A test-and-test-and-set lock; it yields after a short spin (two cores, many threads). */
typedef struct {
	int v;
} map_spin_t;

static inline void map_spin_lock(map_spin_t *l)
{
	for (unsigned n = 0;; n++) {
		if (!__atomic_load_n(&l->v, __ATOMIC_RELAXED) &&
		    !__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
			return;
		if (n >= 64)
			sched_yield();
	}
}

static inline bool map_spin_trylock(map_spin_t *l)
{
	return !__atomic_load_n(&l->v, __ATOMIC_RELAXED) &&
	       !__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE);
}

static inline void map_spin_unlock(map_spin_t *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

struct map_ops;

/* The common part of every map; each type's struct starts with it. */
struct userbpf_map {
	const struct map_ops *ops;
	uint32_t type, key_size, value_size, max_entries, flags;
	uint32_t ncpus;  /* per-CPU slots (1 unless per-CPU) */
	uint32_t stride; /* bytes between per-CPU slots: round_up(value_size, 8) */
	uint64_t map_extra;
	bool has_lock;
	uint32_t lock_off;
	int refcnt;
	bool frozen;
	char name[USERBPF_MAP_NAME_MAX];
	struct userbpf_map *inner; /* map-in-map template (a reference) */
	uint8_t *arena;            /* the value arena (see above) */
	size_t arena_len;
	const uint8_t *keys; /* keys a for_each callback may read (read-only), or NULL */
	size_t keys_len;
};

/*
 * Per-type operations. Keys and values are checked for presence by map.c; flags by the type.
 * Program-side calls see one CPU slot of per-CPU values; host-side calls all of them.
 */
struct map_ops {
	/* Validate the attributes (already in *attr) and allocate; NULL with err set on failure. */
	struct userbpf_map *(*alloc)(const struct userbpf_map *attr, struct userbpf_error *err);
	void (*free)(struct userbpf_map *map);
	/* Program side: the value for key in the current CPU slot, or NULL. */
	void *(*lookup)(struct userbpf_map *map, const void *key);
	/* Program side: the value for key in CPU slot cpu (map_lookup_percpu_elem), or NULL. */
	void *(*lookup_cpu)(struct userbpf_map *map, const void *key, uint32_t cpu);
	/* Program side update (one CPU slot) and delete. */
	int (*update)(struct userbpf_map *map, const void *key, const void *value, uint64_t flags);
	int (*remove)(struct userbpf_map *map, const void *key);
	/* Host side: copy the whole value (all slots) / write it. */
	int (*lookup_host)(struct userbpf_map *map, const void *key, void *value, uint64_t flags);
	int (*update_host)(struct userbpf_map *map, const void *key, const void *value,
			   uint64_t flags);
	int (*lookup_and_delete)(struct userbpf_map *map, const void *key, void *value,
				 uint64_t flags);
	int (*get_next_key)(struct userbpf_map *map, const void *key, void *next);
	/*
	 * Batch cursor: the key of the first element at position >= *pos (positions are the
	 * type's stable storage order), *pos set past it; -ENOENT at the end.
	 */
	int (*next_at)(struct userbpf_map *map, uint64_t *pos, void *key);
	/* Queue-like types: push (update), pop (lookup_and_delete), peek (lookup). */
	int (*push)(struct userbpf_map *map, const void *value, uint64_t flags);
	int (*pop)(struct userbpf_map *map, void *value);
	int (*peek)(struct userbpf_map *map, void *value);
	/*
	 * for_each_map_elem: call fn(map, key, value) on each element (value in the current CPU
	 * slot) until it returns non-zero; returns the number of elements visited.
	 */
	long (*for_each)(struct userbpf_map *map,
			 long (*fn)(struct userbpf_map *map, void *key, void *value, void *ctx),
			 void *ctx);
};

#define MAP_ROUND8(x) (((x) + 7u) & ~(size_t)7u)

/* Error helper: every map error names the map. */
#define MAP_ERR(err, code, map, ...) err_set((err), (code), "maps", -1, __VA_ARGS__)

/* The CPU slot of the calling thread for a map with ncpus slots. */
uint32_t map_cpu_slot(uint32_t ncpus);
/* Allocate zeroed, page-aligned memory for an arena (never moves); freed with map_arena_free. */
void *map_arena_alloc(size_t len);
void map_arena_free(void *p, size_t len);
/* Copy a value in or out excluding the bpf_spin_lock field (BPF_F_LOCK). */
void map_copy_value(const struct userbpf_map *map, void *dst, const void *src);
/* Lock / unlock the bpf_spin_lock inside a value. */
void map_value_lock(const struct userbpf_map *map, void *value);
void map_value_unlock(const struct userbpf_map *map, void *value);
/* Hash bytes with a seed (not cryptographic). */
uint32_t map_hash(const void *data, uint32_t len, uint32_t seed);

/* Per-type ops tables. */
extern const struct map_ops map_array_ops, map_percpu_array_ops, map_prog_array_ops,
	map_array_of_maps_ops, map_hash_ops, map_percpu_hash_ops, map_hash_of_maps_ops,
	map_lru_hash_ops, map_lru_percpu_hash_ops, map_lpm_ops, map_queue_ops, map_stack_ops,
	map_bloom_ops, map_ringbuf_ops, map_perf_ops;

/* Map-in-map support shared by array.c and hash.c. */
int maps_inner_ok(struct userbpf_map *map, struct userbpf_map *inner, struct userbpf_error *err);
int maps_hash_update_map(struct userbpf_map *map, const void *key, struct userbpf_map *inner,
			 uint64_t flags, struct userbpf_error *err);
bool maps_array_holds(struct userbpf_map *map, uint64_t ptr);
bool maps_hash_holds(struct userbpf_map *map, uint64_t ptr);

/* ---- calls for helpers and the VM ---- */

/* Does prog refer to map (directly or as the current inner map of one of its outer maps)? */
bool maps_prog_has(const struct userbpf_prog *prog, uint64_t map_ptr);
/* Checked mode: is [addr, addr+size) inside the value arena of a map prog uses? */
bool maps_mem_ok(const struct userbpf_prog *prog, uint64_t addr, uint64_t size, bool write);
/* Program-side element access (what the helpers call). */
void *maps_lookup_elem(struct userbpf_map *map, const void *key);
void *maps_lookup_percpu_elem(struct userbpf_map *map, const void *key, uint32_t cpu);
long maps_update_elem(struct userbpf_map *map, const void *key, const void *value,
		      uint64_t flags);
long maps_delete_elem(struct userbpf_map *map, const void *key);
long maps_push_elem(struct userbpf_map *map, const void *value, uint64_t flags);
long maps_pop_elem(struct userbpf_map *map, void *value);
long maps_peek_elem(struct userbpf_map *map, void *value);
/* prog_array slot at index (or NULL), read at run time. */
struct userbpf_prog *maps_prog_array_get(struct userbpf_map *map, uint32_t index);
/* ringbuf program side (ringbuf.c). */
void *maps_ringbuf_reserve(struct userbpf_map *map, uint64_t size, uint64_t flags);
/* map itself if it is a ringbuf whose data area holds a record at `data`, else NULL. */
struct userbpf_map *maps_ringbuf_of_map(struct userbpf_map *map, uint64_t data);
void maps_ringbuf_commit(struct userbpf_map *map, void *data, uint64_t flags, bool discard);
long maps_ringbuf_output(struct userbpf_map *map, const void *data, uint64_t size,
			 uint64_t flags);
uint64_t maps_ringbuf_query(struct userbpf_map *map, uint64_t flags);
/* perf_event_array output (perf.c). */
long maps_perf_output(struct userbpf_map *map, uint64_t flags, const void *data, uint64_t size);

#endif
