/* SPDX-License-Identifier: MIT */
/*
 * perf.c - perf_event_array: bpf_perf_event_output() delivers a sample to a host callback.
 * The kernel writes into a perf ring per CPU that user space reads; userbpf hands the bytes to
 * the callback on the program's thread instead, with the CPU slot the kernel would have used
 * (BPF_F_CURRENT_CPU, or the index in the low 32 bits of flags). max_entries 0 means one slot
 * per possible CPU, as libbpf sets it.
 */
#include <errno.h>
#include <stdlib.h>

#include "maps.h"

struct perf_map {
	struct userbpf_map map;
	map_spin_t lock; /* guards fn/ctx against a concurrent userbpf_perf_set_output */
	userbpf_perf_output_fn fn;
	void *ctx;
	uint32_t possible; /* CPUs, for BPF_F_CURRENT_CPU */
};

static struct userbpf_map *perf_alloc(const struct userbpf_map *attr, struct userbpf_error *err)
{
	struct perf_map *p;

	if ((attr->key_size != 4 && attr->key_size != 0) || (attr->value_size != 4 && attr->value_size != 0) ||
	    (attr->flags & ~(uint32_t)(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY))) {
		MAP_ERR(err, -EINVAL, NULL,
			"perf_event_array '%s': key_size and value_size must be 4 (got %u, %u)",
			attr->name, attr->key_size, attr->value_size);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		MAP_ERR(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	p->map = *attr;
	p->map.key_size = 4;
	p->map.value_size = 4;
	p->possible = (uint32_t)userbpf_num_possible_cpus();
	if (!p->map.max_entries)
		p->map.max_entries = p->possible;
	return &p->map;
}

static void perf_free(struct userbpf_map *map)
{
	free(map);
}

const struct map_ops map_perf_ops = { .alloc = perf_alloc, .free = perf_free };

int userbpf_perf_set_output(struct userbpf_map *map, userbpf_perf_output_fn fn, void *ctx,
			    struct userbpf_error *err)
{
	struct perf_map *p = (struct perf_map *)map;

	if (!map || map->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return MAP_ERR(err, -EINVAL, map, "perf_set_output: not a perf_event_array");
	map_spin_lock(&p->lock);
	p->fn = fn;
	p->ctx = ctx;
	map_spin_unlock(&p->lock);
	return 0;
}

long maps_perf_output(struct userbpf_map *map, uint64_t flags, const void *data, uint64_t size)
{
	struct perf_map *p = (struct perf_map *)map;
	uint64_t index = flags & BPF_F_INDEX_MASK;
	userbpf_perf_output_fn fn;
	void *ctx;

	if (flags & ~(BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK))
		return -EINVAL;
	if (index == BPF_F_CURRENT_CPU)
		index = map_cpu_slot(p->possible);
	if (index >= map->max_entries)
		return -E2BIG;
	map_spin_lock(&p->lock);
	fn = p->fn;
	ctx = p->ctx;
	map_spin_unlock(&p->lock);
	if (!fn)
		return -ENOENT;
	fn(ctx, (uint32_t)index, data, (size_t)size);
	return 0;
}
