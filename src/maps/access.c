/* SPDX-License-Identifier: MIT */
/*
 * access.c - maps as programs see them: element access through the helpers (with
 * BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG honoured at run time), whether a pointer a program
 * passes really is one of its maps, and which map memory a checked program may touch.
 */
#include <errno.h>
#include <string.h>

#include "maps.h"
#include "vm/vm.h"

/* Is ptr the current inner map of outer? */
static bool map_holds(struct userbpf_map *outer, uint64_t ptr)
{
	if (outer->type == BPF_MAP_TYPE_ARRAY_OF_MAPS)
		return maps_array_holds(outer, ptr);
	if (outer->type == BPF_MAP_TYPE_HASH_OF_MAPS)
		return maps_hash_holds(outer, ptr);
	return false;
}

bool maps_prog_has(const struct userbpf_prog *prog, uint64_t map_ptr)
{
	if (!prog || !map_ptr)
		return false;
	for (uint32_t i = 0; i < prog->nmaps; i++)
		if ((uint64_t)(uintptr_t)prog->maps[i] == map_ptr)
			return true;
	/* Inner maps reach a program only through a lookup on one of its outer maps. */
	for (uint32_t i = 0; i < prog->nmaps; i++)
		if (map_holds(prog->maps[i], map_ptr))
			return true;
	return false;
}

static bool arena_ok(const struct userbpf_map *map, uint64_t addr, uint64_t size, bool write)
{
	uint64_t start, end = addr + size;

	if (end < addr)
		return false;
	start = (uint64_t)(uintptr_t)map->arena;
	if (map->arena && addr >= start && end <= start + map->arena_len)
		return write ? !(map->flags & BPF_F_RDONLY_PROG) : !(map->flags & BPF_F_WRONLY_PROG);
	start = (uint64_t)(uintptr_t)map->keys;
	if (!write && map->keys && addr >= start && end <= start + map->keys_len)
		return true;
	return false;
}

bool maps_mem_ok(const struct userbpf_prog *prog, uint64_t addr, uint64_t size, bool write)
{
	if (!prog)
		return false;
	for (uint32_t i = 0; i < prog->nmaps; i++) {
		struct userbpf_map *m = prog->maps[i];

		if (arena_ok(m, addr, size, write))
			return true;
		if (m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == BPF_MAP_TYPE_HASH_OF_MAPS) {
			uint64_t pos = 0;
			uint8_t key[512];

			/*
			 * Walk the outer map's keys; each inner map's arena may hold the address
			 * (checked mode only, after the fast paths failed: slow is acceptable).
			 */
			while (m->ops->next_at(m, &pos, key) == 0) {
				struct userbpf_map *inner = userbpf_map_lookup_map(m, key);

				if (inner && arena_ok(inner, addr, size, write))
					return true;
			}
		}
	}
	return false;
}

void *maps_lookup_elem(struct userbpf_map *map, const void *key)
{
	if (!map->ops->lookup)
		return NULL;
	return map->ops->lookup(map, key);
}

void *maps_lookup_percpu_elem(struct userbpf_map *map, const void *key, uint32_t cpu)
{
	if (!map->ops->lookup_cpu || cpu >= map->ncpus)
		return NULL;
	return map->ops->lookup_cpu(map, key, cpu);
}

long maps_update_elem(struct userbpf_map *map, const void *key, const void *value,
		      uint64_t flags)
{
	if (map->flags & BPF_F_RDONLY_PROG)
		return -EPERM;
	if (map->key_size == 0 && map->ops->push)
		return map->ops->push(map, value, flags);
	if (!map->ops->update)
		return -EOPNOTSUPP;
	return map->ops->update(map, key, value, flags);
}

long maps_delete_elem(struct userbpf_map *map, const void *key)
{
	if (map->flags & BPF_F_RDONLY_PROG)
		return -EPERM;
	if (!map->ops->remove)
		return -EOPNOTSUPP;
	return map->ops->remove(map, key);
}

long maps_push_elem(struct userbpf_map *map, const void *value, uint64_t flags)
{
	if (map->flags & BPF_F_RDONLY_PROG)
		return -EPERM;
	return map->ops->push ? map->ops->push(map, value, flags) : -EOPNOTSUPP;
}

long maps_pop_elem(struct userbpf_map *map, void *value)
{
	if (map->flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return -EPERM;
	return map->ops->pop ? map->ops->pop(map, value) : -EOPNOTSUPP;
}

long maps_peek_elem(struct userbpf_map *map, void *value)
{
	if (map->flags & BPF_F_WRONLY_PROG)
		return -EPERM;
	return map->ops->peek ? map->ops->peek(map, value) : -EOPNOTSUPP;
}
