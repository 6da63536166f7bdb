/* SPDX-License-Identifier: MIT */
/*
 * util.c - what the map types share: the CPU slot of the calling thread, value arenas, copying
 * values around their bpf_spin_lock, the lock itself, hashing, and the possible-CPU count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "maps.h"

uint32_t map_cpu_slot(uint32_t ncpus)
{
	int cpu;

	if (ncpus <= 1)
		return 0;
	cpu = sched_getcpu();
	return cpu < 0 ? 0 : (uint32_t)cpu % ncpus;
}

void *map_arena_alloc(size_t len)
{
	void *p;

	/* mmap: zeroed, page-aligned, and large arenas do not fragment the heap. */
	p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void map_arena_free(void *p, size_t len)
{
	if (p)
		munmap(p, len ? len : 1);
}

void map_copy_value(const struct userbpf_map *map, void *dst, const void *src)
{
	if (!map->has_lock) {
		memcpy(dst, src, map->value_size);
		return;
	}
	/* Everything but the 4-byte lock word, which keeps its own state in dst. */
	memcpy(dst, src, map->lock_off);
	memcpy((uint8_t *)dst + map->lock_off + 4, (const uint8_t *)src + map->lock_off + 4,
	       map->value_size - map->lock_off - 4);
}

void map_value_lock(const struct userbpf_map *map, void *value)
{
	map_spin_lock((map_spin_t *)((uint8_t *)value + map->lock_off));
}

void map_value_unlock(const struct userbpf_map *map, void *value)
{
	map_spin_unlock((map_spin_t *)((uint8_t *)value + map->lock_off));
}

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint32_t map_hash(const void *data, uint32_t len, uint32_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (len + 1));
	uint32_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ mix64(w)) * 0x9e3779b97f4a7c15ull;
	}
	if (i < len) {
		uint64_t w = 0;

		memcpy(&w, p + i, len - i);
		h = (h ^ mix64(w ^ ((uint64_t)(len - i) << 56))) * 0x9e3779b97f4a7c15ull;
	}
	return (uint32_t)mix64(h);
}

/* Parse "0-3,5,7-8" as the kernel writes /sys/devices/system/cpu/possible; highest + 1. */
int userbpf_num_possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	char buf[256];
	int highest = -1;
	long n;

	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			char *p = buf;

			while (*p) {
				char *end;
				long a = strtol(p, &end, 10), b = a;

				if (end == p)
					break;
				p = end;
				if (*p == '-') {
					b = strtol(p + 1, &end, 10);
					p = end;
				}
				if (b > highest && b < 65536)
					highest = (int)b;
				if (*p == ',')
					p++;
				else
					break;
			}
		}
		fclose(f);
	}
	if (highest >= 0)
		return highest + 1;
	n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? (int)n : 1;
}
