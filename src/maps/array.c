/* SPDX-License-Identifier: MIT */
/*
 * array.c - index-keyed maps: array, percpu_array, prog_array (tail-call targets) and
 * array_of_maps. Keys are u32 indexes below max_entries; every element always exists, so
 * delete is -EINVAL and BPF_NOEXIST is -EEXIST, as in the kernel. Plain and per-CPU values
 * live in the value arena (slot i, CPU c at (i * ncpus + c) * stride); prog_array and
 * array_of_maps keep object pointers outside it, so a program can never overwrite them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

/* Limit on an array's total value memory; beyond it creation fails with -E2BIG. */
#define ARRAY_MAX_BYTES (1ull << 32)

struct array_map {
	struct userbpf_map map;
	void **objs; /* prog_array / array_of_maps: the object in each slot, or NULL */
	uint32_t *keys; /* array / percpu_array: keys[i] = i (see map.keys) */
};

static struct array_map *to_array(struct userbpf_map *map)
{
	return (struct array_map *)map;
}

static bool array_is_obj(const struct userbpf_map *map)
{
	return map->type == BPF_MAP_TYPE_PROG_ARRAY || map->type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

static struct userbpf_map *array_alloc(const struct userbpf_map *attr, struct userbpf_error *err)
{
	uint32_t allowed = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY |
			   BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_INNER_MAP;
	struct array_map *a;
	uint64_t bytes;

	if (attr->key_size != 4 || attr->value_size == 0 || attr->max_entries == 0) {
		MAP_ERR(err, -EINVAL, NULL,
			"array map '%s': key_size must be 4, value_size and max_entries non-zero "
			"(got %u, %u, %u)", attr->name, attr->key_size, attr->value_size,
			attr->max_entries);
		return NULL;
	}
	if (attr->flags & ~allowed) {
		MAP_ERR(err, -EINVAL, NULL, "array map '%s': flags 0x%x are not supported",
			attr->name, attr->flags & ~allowed);
		return NULL;
	}
	if (array_is_obj(attr) && attr->value_size != 4) {
		MAP_ERR(err, -EINVAL, NULL, "map '%s': value_size must be 4 (a descriptor)",
			attr->name);
		return NULL;
	}
	if (attr->type == BPF_MAP_TYPE_PERCPU_ARRAY && (attr->value_size > 32768 || attr->has_lock)) {
		MAP_ERR(err, -EINVAL, NULL,
			"percpu_array '%s': value_size %u over 32768 or a bpf_spin_lock", attr->name,
			attr->value_size);
		return NULL;
	}
	bytes = (uint64_t)attr->max_entries * attr->stride * attr->ncpus;
	if (bytes > ARRAY_MAX_BYTES) {
		MAP_ERR(err, -E2BIG, NULL, "array map '%s': %llu bytes of values (limit %llu)",
			attr->name, (unsigned long long)bytes, ARRAY_MAX_BYTES);
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		MAP_ERR(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	a->map = *attr;
	if (array_is_obj(attr)) {
		a->objs = calloc(attr->max_entries, sizeof(void *));
		if (!a->objs) {
			free(a);
			MAP_ERR(err, -ENOMEM, NULL, "out of memory");
			return NULL;
		}
	} else {
		a->map.arena_len = (size_t)bytes;
		a->map.arena = map_arena_alloc(a->map.arena_len);
		/* The keys a for_each callback reads: memory a checked program may read. */
		a->map.keys_len = (size_t)attr->max_entries * 4;
		a->keys = map_arena_alloc(a->map.keys_len);
		a->map.keys = (const uint8_t *)a->keys;
		if (!a->map.arena || !a->keys) {
			map_arena_free(a->map.arena, a->map.arena_len);
			map_arena_free(a->keys, a->map.keys_len);
			free(a);
			MAP_ERR(err, -ENOMEM, NULL, "array map '%s': out of memory (%llu bytes)",
				attr->name, (unsigned long long)bytes);
			return NULL;
		}
		for (uint32_t i = 0; i < attr->max_entries; i++)
			a->keys[i] = i;
	}
	return &a->map;
}

static void array_free(struct userbpf_map *map)
{
	struct array_map *a = to_array(map);

	if (map->type == BPF_MAP_TYPE_ARRAY_OF_MAPS)
		for (uint32_t i = 0; i < map->max_entries; i++)
			userbpf_map_free(a->objs[i]);
	free(a->objs);
	map_arena_free(a->keys, map->keys_len);
	map_arena_free(map->arena, map->arena_len);
	free(a);
}

/* The index a key names, or max_entries when out of range. */
static uint32_t array_index(const struct userbpf_map *map, const void *key)
{
	uint32_t i;

	memcpy(&i, key, 4);
	return i < map->max_entries ? i : map->max_entries;
}

static uint8_t *array_slot(struct userbpf_map *map, uint32_t i, uint32_t cpu)
{
	return map->arena + ((size_t)i * map->ncpus + cpu) * map->stride;
}

static void *array_lookup(struct userbpf_map *map, const void *key)
{
	uint32_t i = array_index(map, key);

	if (i == map->max_entries)
		return NULL;
	if (array_is_obj(map))
		return __atomic_load_n(&to_array(map)->objs[i], __ATOMIC_ACQUIRE);
	return array_slot(map, i, map_cpu_slot(map->ncpus));
}

/* The kernel's order of checks: flags, then the index, then BPF_NOEXIST. */
static void *array_lookup_cpu(struct userbpf_map *map, const void *key, uint32_t cpu)
{
	uint32_t i = array_index(map, key);

	return i == map->max_entries ? NULL : array_slot(map, i, cpu);
}

static int array_check_flags(struct userbpf_map *map, uint64_t flags, uint32_t i)
{
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST ||
	    ((flags & BPF_F_LOCK) && !map->has_lock))
		return -EINVAL;
	if (i == map->max_entries)
		return -E2BIG;
	if ((flags & 3) == BPF_NOEXIST)
		return -EEXIST; /* every element of an array exists */
	return 0;
}

static void array_write(struct userbpf_map *map, uint8_t *dst, const void *value, uint64_t flags)
{
	if (flags & BPF_F_LOCK) {
		map_value_lock(map, dst);
		map_copy_value(map, dst, value);
		map_value_unlock(map, dst);
	} else {
		map_copy_value(map, dst, value);
	}
}

static int array_update(struct userbpf_map *map, const void *key, const void *value,
			uint64_t flags)
{
	uint32_t i = array_index(map, key);
	int ret = array_check_flags(map, flags, i);

	if (ret)
		return ret;
	if (array_is_obj(map))
		return -EINVAL; /* programs cannot store programs or maps */
	array_write(map, array_slot(map, i, map_cpu_slot(map->ncpus)), value, flags);
	return 0;
}

static int array_update_host(struct userbpf_map *map, const void *key, const void *value,
			     uint64_t flags)
{
	uint32_t i = array_index(map, key);
	int ret = array_check_flags(map, flags, i);

	if (ret)
		return ret;
	if (array_is_obj(map))
		return -EINVAL; /* userbpf_map_update_prog / _map */
	if (map->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		/* Each host slot includes its padding, kept as given (as the kernel does). */
		memcpy(array_slot(map, i, 0), value, (size_t)map->ncpus * map->stride);
		return 0;
	}
	array_write(map, array_slot(map, i, 0), value, flags);
	return 0;
}

static int array_lookup_host(struct userbpf_map *map, const void *key, void *value,
			     uint64_t flags)
{
	uint32_t i = array_index(map, key);

	if (i == map->max_entries)
		return -ENOENT;
	if (array_is_obj(map))
		return -EOPNOTSUPP; /* userbpf_map_lookup_prog / _map */
	if (map->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		memcpy(value, array_slot(map, i, 0), (size_t)map->ncpus * map->stride);
		return 0;
	}
	{
		uint8_t *src = array_slot(map, i, 0), *dst = value;

		if (flags & BPF_F_LOCK)
			map_value_lock(map, src);
		map_copy_value(map, dst, src);
		if (map->has_lock)
			memset(dst + map->lock_off, 0, 4);
		if (flags & BPF_F_LOCK)
			map_value_unlock(map, src);
	}
	return 0;
}

static int array_remove(struct userbpf_map *map, const void *key)
{
	uint32_t i = array_index(map, key);
	void *old;

	if (!array_is_obj(map))
		return -EINVAL;
	if (i == map->max_entries)
		return -E2BIG;
	old = __atomic_exchange_n(&to_array(map)->objs[i], NULL, __ATOMIC_ACQ_REL);
	if (!old)
		return -ENOENT;
	if (map->type == BPF_MAP_TYPE_ARRAY_OF_MAPS)
		userbpf_map_free(old);
	return 0;
}

static int array_get_next_key(struct userbpf_map *map, const void *key, void *next)
{
	uint32_t i = key ? array_index(map, key) : map->max_entries, n;

	if (i == map->max_entries) {
		n = 0;
	} else if (i + 1 == map->max_entries) {
		return -ENOENT;
	} else {
		n = i + 1;
	}
	memcpy(next, &n, 4);
	return 0;
}

static int array_next_at(struct userbpf_map *map, uint64_t *pos, void *key)
{
	uint32_t i;

	if (*pos >= map->max_entries)
		return -ENOENT;
	i = (uint32_t)*pos;
	memcpy(key, &i, 4);
	*pos = (uint64_t)i + 1;
	return 0;
}

static long array_for_each(struct userbpf_map *map,
			   long (*fn)(struct userbpf_map *, void *, void *, void *), void *ctx)
{
	uint32_t cpu = map_cpu_slot(map->ncpus);
	long n = 0;

	for (uint32_t i = 0; i < map->max_entries; i++) {
		n++;
		if (fn(map, &to_array(map)->keys[i], array_slot(map, i, cpu), ctx))
			break;
	}
	return n;
}

#define ARRAY_OPS                                                                               \
	.alloc = array_alloc, .free = array_free, .lookup = array_lookup, .update = array_update,  \
	.remove = array_remove, .lookup_host = array_lookup_host,                                  \
	.update_host = array_update_host, .get_next_key = array_get_next_key,                      \
	.next_at = array_next_at

const struct map_ops map_array_ops = { ARRAY_OPS, .for_each = array_for_each };
const struct map_ops map_percpu_array_ops = { ARRAY_OPS, .for_each = array_for_each,
					       .lookup_cpu = array_lookup_cpu };
const struct map_ops map_prog_array_ops = { ARRAY_OPS };
const struct map_ops map_array_of_maps_ops = { ARRAY_OPS };

/* ---- objects in slots: the host side of prog_array and array_of_maps ---- */

int userbpf_map_update_prog(struct userbpf_map *map, const void *key, struct userbpf_prog *prog,
			    uint64_t flags, struct userbpf_error *err)
{
	uint32_t i;
	struct userbpf_prog *old;

	if (!map || !key || !prog)
		return MAP_ERR(err, -EINVAL, map, "update_prog: a NULL argument");
	if (map->type != BPF_MAP_TYPE_PROG_ARRAY)
		return MAP_ERR(err, -EINVAL, map, "update_prog: map '%s' is not a prog_array",
			       map->name);
	if (flags > BPF_EXIST)
		return MAP_ERR(err, -EINVAL, map, "update_prog: flags 0x%llx",
			       (unsigned long long)flags);
	if (flags == BPF_NOEXIST)
		return MAP_ERR(err, -EEXIST, map, "update_prog: every prog_array slot exists");
	i = array_index(map, key);
	if (i == map->max_entries)
		return MAP_ERR(err, -E2BIG, map, "update_prog: map '%s': index out of range",
			       map->name);
	old = __atomic_exchange_n((struct userbpf_prog **)&to_array(map)->objs[i], prog,
				  __ATOMIC_ACQ_REL);
	(void)old;
	return 0;
}

struct userbpf_prog *userbpf_map_lookup_prog(struct userbpf_map *map, const void *key)
{
	if (!map || !key || map->type != BPF_MAP_TYPE_PROG_ARRAY)
		return NULL;
	return array_lookup(map, key);
}

struct userbpf_prog *maps_prog_array_get(struct userbpf_map *map, uint32_t index)
{
	if (!map || map->type != BPF_MAP_TYPE_PROG_ARRAY || index >= map->max_entries)
		return NULL;
	return __atomic_load_n((struct userbpf_prog **)&to_array(map)->objs[index],
			       __ATOMIC_ACQUIRE);
}

/* Can `inner` be stored in the outer map `map` (the kernel's map_meta_equal)? */
int maps_inner_ok(struct userbpf_map *map, struct userbpf_map *inner, struct userbpf_error *err)
{
	const struct userbpf_map *t = map->inner;

	if (!t || inner->type != t->type || inner->key_size != t->key_size ||
	    inner->value_size != t->value_size ||
	    ((inner->flags ^ t->flags) & ~(uint32_t)BPF_F_INNER_MAP) ||
	    (!(t->flags & BPF_F_INNER_MAP) && inner->max_entries != t->max_entries))
		return MAP_ERR(err, -EINVAL, map,
			       "update_map: map '%s' does not match the inner map template of '%s'",
			       inner->name, map->name);
	return 0;
}

int userbpf_map_update_map(struct userbpf_map *map, const void *key, struct userbpf_map *inner,
			   uint64_t flags, struct userbpf_error *err)
{
	uint32_t i;
	struct userbpf_map *old;
	int ret;

	if (!map || !key || !inner)
		return MAP_ERR(err, -EINVAL, map, "update_map: a NULL argument");
	if (map->type == BPF_MAP_TYPE_HASH_OF_MAPS)
		return maps_hash_update_map(map, key, inner, flags, err);
	if (map->type != BPF_MAP_TYPE_ARRAY_OF_MAPS)
		return MAP_ERR(err, -EINVAL, map, "update_map: map '%s' is not a map-in-map",
			       map->name);
	if (flags > BPF_EXIST)
		return MAP_ERR(err, -EINVAL, map, "update_map: flags 0x%llx",
			       (unsigned long long)flags);
	if (flags == BPF_NOEXIST)
		return MAP_ERR(err, -EEXIST, map, "update_map: every array slot exists");
	ret = maps_inner_ok(map, inner, err);
	if (ret)
		return ret;
	i = array_index(map, key);
	if (i == map->max_entries)
		return MAP_ERR(err, -E2BIG, map, "update_map: map '%s': index out of range",
			       map->name);
	userbpf_map_ref(inner);
	old = __atomic_exchange_n((struct userbpf_map **)&to_array(map)->objs[i], inner,
				  __ATOMIC_ACQ_REL);
	userbpf_map_free(old);
	return 0;
}

struct userbpf_map *userbpf_map_lookup_map(struct userbpf_map *map, const void *key)
{
	if (!map || !key)
		return NULL;
	if (map->type == BPF_MAP_TYPE_HASH_OF_MAPS)
		return map->ops->lookup(map, key);
	if (map->type != BPF_MAP_TYPE_ARRAY_OF_MAPS)
		return NULL;
	return array_lookup(map, key);
}

/* The inner maps an array_of_maps holds now (for maps_prog_has / maps_mem_ok). */
bool maps_array_holds(struct userbpf_map *map, uint64_t ptr)
{
	struct array_map *a = to_array(map);

	for (uint32_t i = 0; i < map->max_entries; i++)
		if ((uint64_t)(uintptr_t)__atomic_load_n(&a->objs[i], __ATOMIC_ACQUIRE) == ptr)
			return true;
	return false;
}

void *userbpf_map_value_area(struct userbpf_map *map, size_t *size)
{
	if (!map || map->type != BPF_MAP_TYPE_ARRAY) {
		if (size)
			*size = 0;
		return NULL;
	}
	if (size)
		*size = (size_t)map->max_entries * map->stride;
	return map->arena;
}
