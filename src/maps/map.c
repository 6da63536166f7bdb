/* SPDX-License-Identifier: MIT */
/*
 * map.c - the map object: creation by type through the ops tables, reference counting, info
 * getters, and the host API with the checks every type shares (NULL arguments, BPF_F_RDONLY /
 * BPF_F_WRONLY / freezing, flag ranges); batch operations built on each type's cursor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

static const struct map_ops *map_ops_of(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY: return &map_array_ops;
	case BPF_MAP_TYPE_PERCPU_ARRAY: return &map_percpu_array_ops;
	case BPF_MAP_TYPE_PROG_ARRAY: return &map_prog_array_ops;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS: return &map_array_of_maps_ops;
	case BPF_MAP_TYPE_HASH: return &map_hash_ops;
	case BPF_MAP_TYPE_PERCPU_HASH: return &map_percpu_hash_ops;
	case BPF_MAP_TYPE_HASH_OF_MAPS: return &map_hash_of_maps_ops;
	case BPF_MAP_TYPE_LRU_HASH: return &map_lru_hash_ops;
	case BPF_MAP_TYPE_LRU_PERCPU_HASH: return &map_lru_percpu_hash_ops;
	case BPF_MAP_TYPE_LPM_TRIE: return &map_lpm_ops;
	case BPF_MAP_TYPE_QUEUE: return &map_queue_ops;
	case BPF_MAP_TYPE_STACK: return &map_stack_ops;
	case BPF_MAP_TYPE_BLOOM_FILTER: return &map_bloom_ops;
	case BPF_MAP_TYPE_RINGBUF: return &map_ringbuf_ops;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: return &map_perf_ops;
	default: return NULL;
	}
}

static bool map_is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

#define OPTF(opts, field, dflt)                                                                 \
	((opts) && (opts)->sz >= offsetof(struct userbpf_map_opts, field) + sizeof((opts)->field) \
		 ? (opts)->field                                                                \
		 : (dflt))

/* Flags any map type may carry; each type refuses those it does not support. */
#define MAP_KNOWN_FLAGS                                                                         \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | \
	 BPF_F_ZERO_SEED | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_INNER_MAP | BPF_F_MMAPABLE)

struct userbpf_map *userbpf_map_create(uint32_t type, uint32_t key_size, uint32_t value_size,
				       uint32_t max_entries, const struct userbpf_map_opts *opts,
				       struct userbpf_error *err)
{
	const struct map_ops *ops = map_ops_of(type);
	struct userbpf_map attr, *map;
	const char *name = OPTF(opts, name, NULL);
	struct userbpf_map *inner = OPTF(opts, inner_map, NULL);
	uint32_t ncpus = OPTF(opts, ncpus, 0);

	if (opts && opts->sz < sizeof(size_t)) {
		MAP_ERR(err, -EINVAL, NULL, "map options: sz %zu is too small", opts->sz);
		return NULL;
	}
	if (!ops) {
		MAP_ERR(err, -EINVAL, NULL, "map type %u is not supported", type);
		return NULL;
	}
	memset(&attr, 0, sizeof(attr));
	attr.ops = ops;
	attr.type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.flags = OPTF(opts, map_flags, 0);
	attr.map_extra = OPTF(opts, map_extra, 0);
	attr.has_lock = OPTF(opts, has_spin_lock, false);
	attr.lock_off = OPTF(opts, spin_lock_off, 0);
	attr.refcnt = 1;
	if (attr.flags & ~(uint32_t)MAP_KNOWN_FLAGS) {
		MAP_ERR(err, -EINVAL, NULL, "map flags 0x%x: unknown bits 0x%x", attr.flags,
			attr.flags & ~(uint32_t)MAP_KNOWN_FLAGS);
		return NULL;
	}
	if ((attr.flags & BPF_F_RDONLY) && (attr.flags & BPF_F_WRONLY)) {
		MAP_ERR(err, -EINVAL, NULL, "map flags: BPF_F_RDONLY and BPF_F_WRONLY together");
		return NULL;
	}
	if ((attr.flags & BPF_F_RDONLY_PROG) && (attr.flags & BPF_F_WRONLY_PROG)) {
		MAP_ERR(err, -EINVAL, NULL,
			"map flags: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together");
		return NULL;
	}
	if (name) {
		size_t len = strlen(name);

		if (len >= USERBPF_MAP_NAME_MAX) {
			MAP_ERR(err, -EINVAL, NULL, "map name '%s' is longer than %d characters",
				name, USERBPF_MAP_NAME_MAX - 1);
			return NULL;
		}
		for (size_t i = 0; i < len; i++) {
			char c = name[i];

			/* The kernel's rule: alphanumerics, '_' and '.'. */
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '.')) {
				MAP_ERR(err, -EINVAL, NULL, "map name '%s': invalid character '%c'",
					name, c);
				return NULL;
			}
		}
		memcpy(attr.name, name, len + 1);
	}
	if (attr.has_lock && ((uint64_t)attr.lock_off + 4 > value_size || attr.lock_off % 4)) {
		MAP_ERR(err, -EINVAL, NULL,
			"map '%s': bpf_spin_lock at offset %u does not fit a %u-byte value", attr.name,
			attr.lock_off, value_size);
		return NULL;
	}
	if (map_is_percpu(type)) {
		if (!ncpus)
			ncpus = (uint32_t)userbpf_num_possible_cpus();
		if (ncpus > 4096) {
			MAP_ERR(err, -EINVAL, NULL, "map '%s': %u CPU slots (limit 4096)", attr.name,
				ncpus);
			return NULL;
		}
		attr.ncpus = ncpus;
	} else {
		attr.ncpus = 1;
	}
	attr.stride = (uint32_t)MAP_ROUND8((size_t)value_size);
	if (type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		if (!inner) {
			MAP_ERR(err, -EINVAL, NULL, "map '%s': a map-in-map needs an inner map template",
				attr.name);
			return NULL;
		}
		if (inner->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		    inner->type == BPF_MAP_TYPE_HASH_OF_MAPS || inner->type == BPF_MAP_TYPE_PROG_ARRAY) {
			MAP_ERR(err, -EINVAL, NULL, "map '%s': inner map type %u cannot be nested",
				attr.name, inner->type);
			return NULL;
		}
		attr.inner = inner;
	}
	map = ops->alloc(&attr, err);
	if (!map)
		return NULL;
	if (map->inner)
		userbpf_map_ref(map->inner);
	return map;
}

struct userbpf_map *userbpf_map_ref(struct userbpf_map *map)
{
	if (map)
		__atomic_fetch_add(&map->refcnt, 1, __ATOMIC_RELAXED);
	return map;
}

void userbpf_map_free(struct userbpf_map *map)
{
	struct userbpf_map *inner;

	if (!map || __atomic_sub_fetch(&map->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	inner = map->inner;
	map->ops->free(map);
	userbpf_map_free(inner);
}

uint32_t userbpf_map_type(const struct userbpf_map *map) { return map ? map->type : 0; }
uint32_t userbpf_map_key_size(const struct userbpf_map *map) { return map ? map->key_size : 0; }
uint32_t userbpf_map_value_size(const struct userbpf_map *map) { return map ? map->value_size : 0; }
uint32_t userbpf_map_max_entries(const struct userbpf_map *map) { return map ? map->max_entries : 0; }
uint32_t userbpf_map_flags(const struct userbpf_map *map) { return map ? map->flags : 0; }
const char *userbpf_map_name(const struct userbpf_map *map) { return map ? map->name : NULL; }
uint32_t userbpf_map_ncpus(const struct userbpf_map *map) { return map ? map->ncpus : 0; }

size_t userbpf_map_value_size_host(const struct userbpf_map *map)
{
	if (!map)
		return 0;
	return map_is_percpu(map->type) ? (size_t)map->stride * map->ncpus : map->value_size;
}

bool userbpf_map_frozen(const struct userbpf_map *map)
{
	return map && __atomic_load_n(&map->frozen, __ATOMIC_ACQUIRE);
}

int userbpf_map_freeze(struct userbpf_map *map, struct userbpf_error *err)
{
	if (!map)
		return MAP_ERR(err, -EINVAL, NULL, "freeze: the map is NULL");
	if (map->type == BPF_MAP_TYPE_RINGBUF || map->type == BPF_MAP_TYPE_PROG_ARRAY ||
	    map->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return MAP_ERR(err, -ENOTSUP, map, "map '%s': type %u cannot be frozen", map->name,
			       map->type);
	if (__atomic_exchange_n(&map->frozen, true, __ATOMIC_ACQ_REL))
		return MAP_ERR(err, -EBUSY, map, "map '%s' is already frozen", map->name);
	return 0;
}

/* ---- host element access ---- */

static bool map_keyless(const struct userbpf_map *map)
{
	return map->key_size == 0;
}

static int host_check(struct userbpf_map *map, const void *key, const void *value, bool write,
		      const char *what, struct userbpf_error *err)
{
	if (!map)
		return MAP_ERR(err, -EINVAL, NULL, "%s: the map is NULL", what);
	if (!key && !map_keyless(map))
		return MAP_ERR(err, -EINVAL, map, "%s: map '%s': the key is NULL", what, map->name);
	if (!value && strcmp(what, "delete") != 0 && strcmp(what, "get_next_key") != 0)
		return MAP_ERR(err, -EINVAL, map, "%s: map '%s': the value is NULL", what,
			       map->name);
	if (write && (map->flags & BPF_F_RDONLY))
		return MAP_ERR(err, -EPERM, map, "%s: map '%s' is read-only (BPF_F_RDONLY)", what,
			       map->name);
	if (write && userbpf_map_frozen(map))
		return MAP_ERR(err, -EPERM, map, "%s: map '%s' is frozen", what, map->name);
	if (!write && (map->flags & BPF_F_WRONLY))
		return MAP_ERR(err, -EPERM, map, "%s: map '%s' is write-only (BPF_F_WRONLY)", what,
			       map->name);
	return 0;
}

/* Wording of the kernel's errors, so a failing call says which rule it hit. */
static int map_fail(struct userbpf_map *map, const char *what, int ret, struct userbpf_error *err)
{
	const char *why;

	switch (ret) {
	case -ENOENT: why = "no such element"; break;
	case -EEXIST: why = "the element exists (BPF_NOEXIST)"; break;
	case -E2BIG: why = "the map is full"; break;
	case -EINVAL: why = "invalid argument or flags"; break;
	case -EOPNOTSUPP: why = "not supported by this map type"; break;
	case -ENOMEM: why = "out of memory"; break;
	case -EPERM: why = "not permitted"; break;
	case -EBUSY: why = "busy"; break;
	default: why = "failed"; break;
	}
	return MAP_ERR(err, ret, map, "%s: map '%s' (type %u): %s", what, map->name, map->type,
		       why);
}

int userbpf_map_lookup(struct userbpf_map *map, const void *key, void *value, uint64_t flags,
		       struct userbpf_error *err)
{
	int ret = host_check(map, key, value, false, "lookup", err);

	if (ret)
		return ret;
	if (flags & ~(uint64_t)BPF_F_LOCK || ((flags & BPF_F_LOCK) && !map->has_lock))
		return map_fail(map, "lookup", -EINVAL, err);
	if (map->ops->peek && map_keyless(map))
		ret = map->ops->peek(map, value);
	else if (map->ops->lookup_host)
		ret = map->ops->lookup_host(map, key, value, flags);
	else
		ret = -EOPNOTSUPP;
	return ret ? map_fail(map, "lookup", ret, err) : 0;
}

int userbpf_map_update(struct userbpf_map *map, const void *key, const void *value,
		       uint64_t flags, struct userbpf_error *err)
{
	int ret = host_check(map, key, value, true, "update", err);

	if (ret)
		return ret;
	if ((flags & BPF_F_LOCK) && !map->has_lock)
		return map_fail(map, "update", -EINVAL, err);
	if (map->ops->push && map_keyless(map))
		ret = map->ops->push(map, value, flags);
	else if (map->ops->update_host)
		ret = map->ops->update_host(map, key, value, flags);
	else
		ret = -EOPNOTSUPP;
	return ret ? map_fail(map, "update", ret, err) : 0;
}

int userbpf_map_delete(struct userbpf_map *map, const void *key, struct userbpf_error *err)
{
	int ret = host_check(map, key, NULL, true, "delete", err);

	if (ret)
		return ret;
	ret = map->ops->remove ? map->ops->remove(map, key) : -EOPNOTSUPP;
	return ret ? map_fail(map, "delete", ret, err) : 0;
}

int userbpf_map_get_next_key(struct userbpf_map *map, const void *key, void *next_key,
			     struct userbpf_error *err)
{
	int ret;

	if (!map)
		return MAP_ERR(err, -EINVAL, NULL, "get_next_key: the map is NULL");
	if (!next_key)
		return MAP_ERR(err, -EINVAL, map, "get_next_key: map '%s': next_key is NULL",
			       map->name);
	if (map->flags & BPF_F_WRONLY)
		return MAP_ERR(err, -EPERM, map, "get_next_key: map '%s' is write-only", map->name);
	ret = map->ops->get_next_key ? map->ops->get_next_key(map, key, next_key) : -EOPNOTSUPP;
	if (ret == -ENOENT)
		return MAP_ERR(err, ret, map, "get_next_key: map '%s': no more keys", map->name);
	return ret ? map_fail(map, "get_next_key", ret, err) : 0;
}

int userbpf_map_lookup_and_delete(struct userbpf_map *map, const void *key, void *value,
				  uint64_t flags, struct userbpf_error *err)
{
	int ret = host_check(map, key, value, true, "lookup_and_delete", err);

	if (ret)
		return ret;
	if (map->flags & BPF_F_WRONLY)
		return MAP_ERR(err, -EPERM, map, "lookup_and_delete: map '%s' is write-only",
			       map->name);
	if ((flags & ~(uint64_t)BPF_F_LOCK) || ((flags & BPF_F_LOCK) && !map->has_lock))
		return map_fail(map, "lookup_and_delete", -EINVAL, err);
	if (map->ops->pop && map_keyless(map))
		ret = map->ops->pop(map, value);
	else if (map->ops->lookup_and_delete)
		ret = map->ops->lookup_and_delete(map, key, value, flags);
	else
		ret = -EOPNOTSUPP;
	return ret ? map_fail(map, "lookup_and_delete", ret, err) : 0;
}

/* ---- batches ---- */

static int batch_lookup(struct userbpf_map *map, const uint64_t *in_batch, uint64_t *out_batch,
			void *keys, void *values, uint32_t *count, uint64_t elem_flags,
			bool del, struct userbpf_error *err)
{
	const char *what = del ? "lookup_and_delete_batch" : "lookup_batch";
	size_t vsz;
	uint64_t pos;
	uint32_t want, done = 0;
	int ret = host_check(map, map ? keys : NULL, values, del, what, err);

	if (ret)
		return ret;
	if (!count || !out_batch)
		return MAP_ERR(err, -EINVAL, map, "%s: map '%s': count or out_batch is NULL", what,
			       map->name);
	if (!map->ops->next_at || map_keyless(map))
		return map_fail(map, what, -EOPNOTSUPP, err);
	if ((elem_flags & ~(uint64_t)BPF_F_LOCK) || ((elem_flags & BPF_F_LOCK) && !map->has_lock))
		return map_fail(map, what, -EINVAL, err);
	vsz = userbpf_map_value_size_host(map);
	pos = in_batch ? *in_batch : 0;
	want = *count;
	while (done < want) {
		uint8_t *k = (uint8_t *)keys + (size_t)done * map->key_size;
		uint8_t *v = (uint8_t *)values + (size_t)done * vsz;

		ret = map->ops->next_at(map, &pos, k);
		if (ret)
			break;
		if (del && map->ops->lookup_and_delete)
			ret = map->ops->lookup_and_delete(map, k, v, elem_flags);
		else if (del)
			ret = -EOPNOTSUPP;
		else
			ret = map->ops->lookup_host(map, k, v, elem_flags);
		if (ret == -ENOENT) /* deleted under us: skip it */
			continue;
		if (ret)
			break;
		done++;
	}
	*count = done;
	*out_batch = pos;
	if (ret == -ENOENT)
		return MAP_ERR(err, -ENOENT, map, "%s: map '%s': no more elements", what,
			       map->name);
	return ret ? map_fail(map, what, ret, err) : 0;
}

int userbpf_map_lookup_batch(struct userbpf_map *map, const uint64_t *in_batch,
			     uint64_t *out_batch, void *keys, void *values, uint32_t *count,
			     uint64_t elem_flags, struct userbpf_error *err)
{
	return batch_lookup(map, in_batch, out_batch, keys, values, count, elem_flags, false, err);
}

int userbpf_map_lookup_and_delete_batch(struct userbpf_map *map, const uint64_t *in_batch,
					uint64_t *out_batch, void *keys, void *values,
					uint32_t *count, uint64_t elem_flags,
					struct userbpf_error *err)
{
	return batch_lookup(map, in_batch, out_batch, keys, values, count, elem_flags, true, err);
}

int userbpf_map_update_batch(struct userbpf_map *map, const void *keys, const void *values,
			     uint32_t *count, uint64_t elem_flags, struct userbpf_error *err)
{
	size_t vsz;
	uint32_t i;
	int ret = host_check(map, map ? keys : NULL, values, true, "update_batch", err);

	if (ret)
		return ret;
	if (!count || map_keyless(map))
		return map_fail(map, "update_batch", !count ? -EINVAL : -EOPNOTSUPP, err);
	vsz = userbpf_map_value_size_host(map);
	for (i = 0; i < *count; i++) {
		ret = userbpf_map_update(map, (const uint8_t *)keys + (size_t)i * map->key_size,
					 (const uint8_t *)values + (size_t)i * vsz, elem_flags, err);
		if (ret)
			break;
	}
	*count = i;
	return ret;
}

int userbpf_map_delete_batch(struct userbpf_map *map, const void *keys, uint32_t *count,
			     uint64_t elem_flags, struct userbpf_error *err)
{
	uint32_t i;
	int ret = host_check(map, map ? keys : NULL, NULL, true, "delete", err);

	if (ret)
		return ret;
	if (!count || map_keyless(map))
		return map_fail(map, "delete_batch", !count ? -EINVAL : -EOPNOTSUPP, err);
	if (elem_flags)
		return map_fail(map, "delete_batch", -EINVAL, err);
	for (i = 0; i < *count; i++) {
		ret = userbpf_map_delete(map, (const uint8_t *)keys + (size_t)i * map->key_size,
					 err);
		if (ret)
			break;
	}
	*count = i;
	return ret;
}
