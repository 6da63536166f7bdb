/* SPDX-License-Identifier: MIT */
/*
 * kmaps.c - kernel-differential test of the maps: the same random operation sequence on a
 * kernel map (bpf(2) BPF_MAP_*_ELEM) and on a userbpf map of the same type and sizes; every
 * return code and every value read must agree, and so must the final contents (in the same
 * order where the kernel's order is defined by the type: array, lpm_trie post-order, queue,
 * stack). Types: hash, percpu_hash, array, percpu_array, lpm_trie (IPv4 and IPv6), queue,
 * stack. LRU types are left out: their eviction depends on the kernel's per-CPU free lists.
 * Skips (0 passed, 0 failed) where bpf(2) is unavailable.
 * Usage: kmaps [--steps N] [--seed S]
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "userbpf.h"

static int passed, failed;
static uint64_t rng = 1;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int k_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

/* One element command: 0 or -errno, as userbpf returns. */
static int k_elem(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a) ? -errno : 0;
}

static int k_next(int fd, const void *key, void *next)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.next_key = (uint64_t)(uintptr_t)next;
	return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) ? -errno : 0;
}

#define EXPECT(cond, ...)                                                                       \
	do {                                                                                    \
		if (cond) {                                                                     \
			passed++;                                                               \
		} else {                                                                        \
			failed++;                                                               \
			if (failed < 20) {                                                      \
				fprintf(stderr, "kmaps: %s: ", name);                           \
				fprintf(stderr, __VA_ARGS__);                                   \
				fputc('\n', stderr);                                            \
			}                                                                       \
		}                                                                               \
	} while (0)

struct spec {
	const char *name;
	uint32_t type, ks, vs, max, flags;
	uint32_t nkeys; /* key space of the random operations */
	bool ordered;   /* iteration order is defined by the type */
};

/* Make key number k for the spec (LPM: a prefix of a random length under a few roots). */
static void make_key(const struct spec *s, uint32_t k, uint8_t *key, bool lookup)
{
	memset(key, 0, s->ks);
	if (s->type == BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t dsize = s->ks - 4, plen, x = k * 2654435761u;

		plen = lookup ? dsize * 8 : (x >> 7) % (dsize * 8 + 1);
		memcpy(key, &plen, 4);
		key[4] = (uint8_t)(k % 4) << 6;
		for (uint32_t i = 1; i < dsize; i++)
			key[4 + i] = (uint8_t)(x >> (i % 4 * 8));
		for (uint32_t b = plen; !lookup && b < dsize * 8; b++)
			key[4 + b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	} else if (s->ks) {
		memcpy(key, &k, 4);
		if (s->ks > 4)
			key[s->ks - 1] = (uint8_t)(k ^ 0x5a);
	}
}

static void run_spec(const struct spec *s, int steps)
{
	const char *name = s->name;
	USERBPF_OPTS(userbpf_map_opts, o, .map_flags = s->flags);
	struct userbpf_error err;
	struct userbpf_map *m = userbpf_map_create(s->type, s->ks, s->vs, s->max, &o, &err);
	int fd = k_create(s->type, s->ks, s->vs, s->max, s->flags);
	size_t vsz = m ? userbpf_map_value_size_host(m) : 0;
	uint8_t key[64], *v1, *v2, *val;

	EXPECT(m && fd >= 0, "create: userbpf %s, kernel %d", m ? "ok" : err.message, fd);
	if (!m || fd < 0) {
		userbpf_map_free(m);
		if (fd >= 0)
			close(fd);
		return;
	}
	v1 = calloc(1, vsz);
	v2 = calloc(1, vsz);
	val = calloc(1, vsz);
	for (int step = 0; step < steps; step++) {
		uint32_t k = rnd(s->nkeys), op = rnd(10);
		uint64_t flags = rnd(16) == 0 ? 5 : rnd(3);
		int a, b;

		for (size_t i = 0; i < vsz; i++)
			val[i] = (uint8_t)(step + i);
		make_key(s, k, key, s->type == BPF_MAP_TYPE_LPM_TRIE && op >= 7);
		memset(v1, 0, vsz);
		memset(v2, 0, vsz);
		if (op < 4) {
			a = userbpf_map_update(m, s->ks ? key : NULL, val, flags, &err);
			b = k_elem(BPF_MAP_UPDATE_ELEM, fd, s->ks ? key : NULL, val, flags);
			EXPECT(a == b, "step %d: update flags %llu: userbpf %d, kernel %d", step,
			       (unsigned long long)flags, a, b);
		} else if (op < 6) {
			if (s->ks) {
				a = userbpf_map_delete(m, key, &err);
				b = k_elem(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
			} else {
				a = userbpf_map_lookup_and_delete(m, NULL, v1, 0, &err);
				b = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, NULL, v2, 0);
			}
			EXPECT(a == b && memcmp(v1, v2, vsz) == 0,
			       "step %d: delete/pop: userbpf %d, kernel %d", step, a, b);
		} else if (op < 7 && s->type != BPF_MAP_TYPE_LPM_TRIE &&
			   s->type != BPF_MAP_TYPE_ARRAY && s->type != BPF_MAP_TYPE_PERCPU_ARRAY) {
			a = userbpf_map_lookup_and_delete(m, s->ks ? key : NULL, v1, 0, &err);
			b = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, s->ks ? key : NULL, v2, 0);
			EXPECT(a == b && (a || memcmp(v1, v2, vsz) == 0),
			       "step %d: lookup_and_delete: userbpf %d, kernel %d", step, a, b);
		} else {
			a = userbpf_map_lookup(m, s->ks ? key : NULL, v1, 0, &err);
			b = k_elem(BPF_MAP_LOOKUP_ELEM, fd, s->ks ? key : NULL, v2, 0);
			EXPECT(a == b && (a || memcmp(v1, v2, vsz) == 0),
			       "step %d: lookup: userbpf %d, kernel %d%s", step, a, b,
			       a == b ? " (values differ)" : "");
		}
	}
	/* Final contents: walk both; same keys (in the same order where defined), same values. */
	if (s->ks) {
		uint8_t ka[64], kb[64], nk[64];
		int na = 0, nb = 0, ra, rb, mismatch = 0;
		uint8_t (*keys_a)[64] = calloc(s->max + 1, 64);
		uint8_t (*keys_b)[64] = calloc(s->max + 1, 64);

		ra = userbpf_map_get_next_key(m, NULL, nk, &err);
		while (ra == 0 && na <= (int)s->max) {
			memcpy(keys_a[na++], nk, s->ks);
			memcpy(ka, nk, s->ks);
			ra = userbpf_map_get_next_key(m, ka, nk, &err);
		}
		rb = k_next(fd, NULL, nk);
		while (rb == 0 && nb <= (int)s->max) {
			memcpy(keys_b[nb++], nk, s->ks);
			memcpy(kb, nk, s->ks);
			rb = k_next(fd, kb, nk);
		}
		EXPECT(ra == -ENOENT && rb == -ENOENT && na == nb,
		       "dump: userbpf %d keys (end %d), kernel %d keys (end %d)", na, ra, nb, rb);
		for (int i = 0; i < na && na == nb; i++) {
			int j = i;

			if (!s->ordered)
				for (j = 0; j < nb && memcmp(keys_a[i], keys_b[j], s->ks); j++)
					;
			if (j >= nb || memcmp(keys_a[i], keys_b[j], s->ks)) {
				mismatch++;
				continue;
			}
			if (s->type == BPF_MAP_TYPE_LPM_TRIE)
				continue; /* a kernel lookup would be a longest-prefix match too */
			userbpf_map_lookup(m, keys_a[i], v1, 0, &err);
			k_elem(BPF_MAP_LOOKUP_ELEM, fd, keys_a[i], v2, 0);
			mismatch += memcmp(v1, v2, vsz) != 0;
		}
		EXPECT(mismatch == 0, "dump: %d keys or values differ%s", mismatch,
		       s->ordered ? " (or their order)" : "");
		free(keys_a);
		free(keys_b);
	}
	free(v1);
	free(v2);
	free(val);
	close(fd);
	userbpf_map_free(m);
}

int main(int argc, char **argv)
{
	static const struct spec specs[] = {
		{"hash", BPF_MAP_TYPE_HASH, 12, 8, 40, 0, 64, false},
		{"hash-nopre", BPF_MAP_TYPE_HASH, 4, 16, 20, BPF_F_NO_PREALLOC, 32, false},
		{"percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 30, 0, 48, false},
		{"array", BPF_MAP_TYPE_ARRAY, 4, 12, 30, 0, 40, true},
		{"percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 16, 0, 20, true},
		{"lpm_ipv4", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 60, BPF_F_NO_PREALLOC, 120, true},
		{"lpm_ipv6", BPF_MAP_TYPE_LPM_TRIE, 20, 4, 60, BPF_F_NO_PREALLOC, 120, true},
		{"queue", BPF_MAP_TYPE_QUEUE, 0, 8, 10, 0, 1, true},
		{"stack", BPF_MAP_TYPE_STACK, 0, 8, 10, 0, 1, true},
	};
	int steps = 3000, probe;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--steps"))
			steps = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			rng = strtoull(argv[i + 1], NULL, 0) | 1;
	}
	probe = k_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	if (probe < 0) {
		printf("kmaps: bpf(2) unavailable (%s): skipped\n", strerror(errno));
		printf("0 passed, 0 failed\n");
		return 0;
	}
	close(probe);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		run_spec(&specs[i], steps);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
