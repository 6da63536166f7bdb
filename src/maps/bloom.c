/* SPDX-License-Identifier: MIT */
/*
 * bloom.c - bloom_filter: a keyless set membership filter. push (update) adds a value, peek
 * (lookup) answers 0 "maybe present" or -ENOENT "certainly absent"; nothing can be deleted.
 * As in the kernel: the low 4 bits of map_extra give the number of hash functions (0 means
 * 5), and the bit array holds about max_entries * nr_hash / ln 2 bits, rounded up to a power of
 * two. Bits are set with atomic OR, so concurrent pushes and peeks need no lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "maps.h"

struct bloom {
	struct userbpf_map map;
	uint32_t nr_hash;
	uint32_t seed;
	uint64_t mask; /* bit count - 1 */
	uint64_t *bits;
};

static struct userbpf_map *bloom_alloc(const struct userbpf_map *attr, struct userbpf_error *err)
{
	uint32_t allowed = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG |
			   BPF_F_WRONLY_PROG | BPF_F_ZERO_SEED;
	struct bloom *b;
	uint64_t want, nbits = 64;
	uint32_t nr_hash = (uint32_t)(attr->map_extra & 0xf);

	if (attr->key_size != 0 || attr->value_size == 0 || attr->max_entries == 0 ||
	    (attr->flags & ~allowed) || attr->map_extra > 0xf || attr->has_lock) {
		MAP_ERR(err, -EINVAL, NULL,
			"bloom_filter '%s': key_size must be 0, value_size and max_entries non-zero, "
			"map_extra 0..15 (got %u, %u, %u, %llu)",
			attr->name, attr->key_size, attr->value_size, attr->max_entries,
			(unsigned long long)attr->map_extra);
		return NULL;
	}
	if (!nr_hash)
		nr_hash = 5;
	/* 1 / ln 2 is about 1.4427: 1477 / 1024. */
	want = ((uint64_t)attr->max_entries * nr_hash * 1477 + 1023) / 1024;
	while (nbits < want && nbits < (1ull << 35))
		nbits <<= 1;
	b = calloc(1, sizeof(*b));
	if (!b || !(b->bits = calloc(nbits / 64, sizeof(uint64_t)))) {
		free(b);
		MAP_ERR(err, -ENOMEM, NULL, "bloom_filter '%s': out of memory", attr->name);
		return NULL;
	}
	b->map = *attr;
	b->nr_hash = nr_hash;
	b->mask = nbits - 1;
	if (!(attr->flags & BPF_F_ZERO_SEED) &&
	    getrandom(&b->seed, sizeof(b->seed), GRND_NONBLOCK) != sizeof(b->seed))
		b->seed = (uint32_t)(uintptr_t)b;
	return &b->map;
}

static void bloom_free(struct userbpf_map *map)
{
	free(((struct bloom *)map)->bits);
	free(map);
}

static uint64_t bloom_bit(struct bloom *b, const void *value, uint32_t k)
{
	return map_hash(value, b->map.value_size, b->seed + k) & b->mask;
}

static int bloom_push(struct userbpf_map *map, const void *value, uint64_t flags)
{
	struct bloom *b = (struct bloom *)map;

	if (flags != BPF_ANY)
		return -EINVAL;
	for (uint32_t k = 0; k < b->nr_hash; k++) {
		uint64_t bit = bloom_bit(b, value, k);

		__atomic_fetch_or(&b->bits[bit / 64], 1ull << (bit % 64), __ATOMIC_RELAXED);
	}
	return 0;
}

static int bloom_peek(struct userbpf_map *map, void *value)
{
	struct bloom *b = (struct bloom *)map;

	for (uint32_t k = 0; k < b->nr_hash; k++) {
		uint64_t bit = bloom_bit(b, value, k);

		if (!(__atomic_load_n(&b->bits[bit / 64], __ATOMIC_RELAXED) & (1ull << (bit % 64))))
			return -ENOENT;
	}
	return 0;
}

static int bloom_pop(struct userbpf_map *map, void *value)
{
	return -EOPNOTSUPP;
}

const struct map_ops map_bloom_ops = {
	.alloc = bloom_alloc, .free = bloom_free,
	.push = bloom_push, .pop = bloom_pop, .peek = bloom_peek,
};
