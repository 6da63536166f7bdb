/* SPDX-License-Identifier: MIT */
/*
 * test_maps.c - every map type against a reference model: random operation sequences with a
 * fixed seed (flags, errors, contents and iteration checked after each step), the kernel's
 * edge cases (creation limits, flags, freezing, per-CPU layout, batches, map-in-map,
 * LRU eviction order, LPM post-order iteration, ring buffer wrap-around and notification),
 * and concurrent threads for the thread-safe types.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "maps/maps.h"
#include "test.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static struct userbpf_error err;

static struct userbpf_map *mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	USERBPF_OPTS(userbpf_map_opts, o, .map_flags = flags, .name = "t");
	struct userbpf_map *m = userbpf_map_create(type, ks, vs, max, &o, &err);

	if (!m)
		fprintf(stderr, "create type %u failed: %s\n", type, err.message);
	return m;
}

/* ---- creation ---- */

static void test_create(void)
{
	USERBPF_OPTS(userbpf_map_opts, bad_name, .name = "has space");
	USERBPF_OPTS(userbpf_map_opts, long_name, .name = "abcdefghijklmnopq");
	struct userbpf_map *m;

	CHECK(!userbpf_map_create(BPF_MAP_TYPE_ARRAY, 8, 4, 4, NULL, &err) && err.code == -EINVAL);
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 0, 4, NULL, &err) && err.code == -EINVAL);
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 0, NULL, &err) && err.code == -EINVAL);
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_HASH, 0, 4, 4, NULL, &err) && err.code == -EINVAL);
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, NULL, &err) &&
	      err.code == -EINVAL); /* needs BPF_F_NO_PREALLOC */
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, 4097, NULL, &err));
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_QUEUE, 4, 4, 4, NULL, &err));
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_SOCKMAP, 4, 4, 4, NULL, &err) && err.code == -EINVAL);
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, &bad_name, &err));
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, &long_name, &err));
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 1u << 30, 1u << 10, NULL, &err) &&
	      err.code == -E2BIG);
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_LRU_HASH, 4, 4, 4,
				  &(struct userbpf_map_opts){.sz = sizeof(struct userbpf_map_opts),
							     .map_flags = BPF_F_NO_PREALLOC},
				  &err));
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, NULL, &err));
	m = mk(BPF_MAP_TYPE_HASH, 12, 20, 7, 0);
	CHECK(m && userbpf_map_type(m) == BPF_MAP_TYPE_HASH && userbpf_map_key_size(m) == 12 &&
	      userbpf_map_value_size(m) == 20 && userbpf_map_max_entries(m) == 7 &&
	      userbpf_map_ncpus(m) == 1 && userbpf_map_value_size_host(m) == 20);
	CHECK_STR(userbpf_map_name(m), "t");
	CHECK(userbpf_map_update(m, NULL, "x", 0, &err) == -EINVAL);
	userbpf_map_free(m);
	userbpf_map_free(NULL);
	CHECK(userbpf_num_possible_cpus() >= 1);
}

/* ---- hash-like maps against a model ---- */

#define KEYS 48

struct model {
	bool present[KEYS];
	uint64_t value[KEYS];
	uint32_t count;
};

/* Keys are 12 bytes (not a power of two) derived from a small index. */
static void key_of(uint32_t k, uint8_t key[12])
{
	memset(key, 0, 12);
	memcpy(key, &k, 4);
	key[11] = (uint8_t)(k * 7 + 1);
}

static void check_iteration(struct userbpf_map *m, const struct model *md)
{
	uint8_t key[12], next[12];
	bool seen[KEYS] = {0};
	uint32_t n = 0, k;
	int ret = userbpf_map_get_next_key(m, NULL, next, &err);

	while (ret == 0 && n <= KEYS) {
		memcpy(&k, next, 4);
		if (k >= KEYS || seen[k] || !md->present[k]) {
			CHECK(!"iteration returned an unexpected key");
			return;
		}
		seen[k] = true;
		n++;
		memcpy(key, next, 12);
		ret = userbpf_map_get_next_key(m, key, next, &err);
	}
	CHECK(ret == -ENOENT);
	CHECK_EQ_U64(n, md->count);
}

static void hash_model_run(uint32_t type, uint32_t max, int steps)
{
	struct userbpf_map *m = mk(type, 12, 8, max, 0);
	struct model md = {0};
	uint32_t ncpus = userbpf_map_ncpus(m);
	size_t vsz = userbpf_map_value_size_host(m);
	uint8_t *val = calloc(1, vsz), *out = calloc(1, vsz);
	int bad = 0;

	CHECK(vsz == (size_t)8 * ncpus);
	for (int step = 0; step < steps; step++) {
		uint32_t k = rnd(KEYS), op = rnd(10);
		uint8_t key[12];
		uint64_t v = ((uint64_t)step << 8) | k, flags = rnd(3);
		int ret, want;

		key_of(k, key);
		for (uint32_t c = 0; c < ncpus; c++)
			memcpy(val + 8 * c, &(uint64_t){v + c}, 8);
		if (op < 4) {
			ret = userbpf_map_update(m, key, val, flags, &err);
			if (flags == BPF_NOEXIST && md.present[k])
				want = -EEXIST;
			else if (flags == BPF_EXIST && !md.present[k])
				want = -ENOENT;
			else if (!md.present[k] && md.count == max)
				want = -E2BIG;
			else
				want = 0;
			if (ret != want)
				bad++;
			if (want == 0) {
				md.count += !md.present[k];
				md.present[k] = true;
				md.value[k] = v;
			}
		} else if (op < 6) {
			ret = userbpf_map_delete(m, key, &err);
			if (ret != (md.present[k] ? 0 : -ENOENT))
				bad++;
			md.count -= md.present[k];
			md.present[k] = false;
		} else if (op < 7) {
			ret = userbpf_map_lookup_and_delete(m, key, out, 0, &err);
			if (ret != (md.present[k] ? 0 : -ENOENT) ||
			    (!ret && memcmp(out, &md.value[k], 8)))
				bad++;
			md.count -= md.present[k];
			md.present[k] = false;
		} else {
			ret = userbpf_map_lookup(m, key, out, 0, &err);
			if (ret != (md.present[k] ? 0 : -ENOENT))
				bad++;
			for (uint32_t c = 0; !ret && c < ncpus; c++)
				if (memcmp(out + 8 * c, &(uint64_t){md.value[k] + c}, 8))
					bad++;
		}
		if (step % 97 == 0)
			check_iteration(m, &md);
	}
	CHECK_EQ_U64(bad, 0);
	check_iteration(m, &md);
	free(val);
	free(out);
	userbpf_map_free(m);
}

static void test_hash_model(void)
{
	hash_model_run(BPF_MAP_TYPE_HASH, KEYS, 4000);
	hash_model_run(BPF_MAP_TYPE_HASH, 20, 4000); /* fills up: -E2BIG */
	hash_model_run(BPF_MAP_TYPE_PERCPU_HASH, 20, 3000);
	/* LRU types with room for every key behave as plain hashes (nothing is evicted) */
	hash_model_run(BPF_MAP_TYPE_LRU_HASH, KEYS, 3000);
	hash_model_run(BPF_MAP_TYPE_LRU_PERCPU_HASH, KEYS, 3000);
}

/* ---- arrays ---- */

static void test_array(void)
{
	struct userbpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 12, 10, 0);
	uint64_t model[10][2] = {{0}};
	uint8_t v[12], out[12];
	uint32_t key, next;
	int bad = 0;

	for (int step = 0; step < 3000; step++) {
		uint32_t k = rnd(12), flags = rnd(3);
		int ret;

		memset(v, (int)rnd(256), sizeof(v));
		if (rnd(2)) {
			ret = userbpf_map_update(m, &k, v, flags, &err);
			if (k >= 10)
				bad += ret != -E2BIG; /* the index is checked before BPF_NOEXIST */
			else if (flags == BPF_NOEXIST)
				bad += ret != -EEXIST;
			else {
				bad += ret != 0;
				memcpy(model[k], v, 12);
			}
		} else {
			ret = userbpf_map_lookup(m, &k, out, 0, &err);
			if (k >= 10)
				bad += ret != -ENOENT;
			else
				bad += ret != 0 || memcmp(out, model[k], 12);
		}
	}
	CHECK_EQ_U64(bad, 0);
	key = 3;
	CHECK(userbpf_map_delete(m, &key, &err) == -EINVAL);
	CHECK(userbpf_map_get_next_key(m, NULL, &next, &err) == 0 && next == 0);
	CHECK(userbpf_map_get_next_key(m, &key, &next, &err) == 0 && next == 4);
	key = 9;
	CHECK(userbpf_map_get_next_key(m, &key, &next, &err) == -ENOENT);
	key = 77;
	CHECK(userbpf_map_get_next_key(m, &key, &next, &err) == 0 && next == 0);
	/* lookup_and_delete is not an array operation */
	key = 1;
	CHECK(userbpf_map_lookup_and_delete(m, &key, out, 0, &err) == -EOPNOTSUPP);
	/* freezing: the host can no longer write, reads still work */
	CHECK(userbpf_map_freeze(m, &err) == 0 && userbpf_map_frozen(m));
	CHECK(userbpf_map_update(m, &key, v, 0, &err) == -EPERM);
	CHECK(userbpf_map_lookup(m, &key, out, 0, &err) == 0);
	CHECK(userbpf_map_freeze(m, &err) == -EBUSY);
	/* the value area holds the values, for global data */
	{
		size_t sz;
		uint8_t *area = userbpf_map_value_area(m, &sz);

		CHECK(area && sz == 10 * 16 && memcmp(area + 16, model[1], 12) == 0);
	}
	userbpf_map_free(m);

	/* BPF_F_RDONLY / BPF_F_WRONLY from the host side */
	m = mk(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BPF_F_RDONLY);
	key = 0;
	CHECK(userbpf_map_update(m, &key, &key, 0, &err) == -EPERM);
	CHECK(userbpf_map_lookup(m, &key, out, 0, &err) == 0);
	userbpf_map_free(m);
	m = mk(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BPF_F_WRONLY);
	CHECK(userbpf_map_update(m, &key, &key, 0, &err) == 0);
	CHECK(userbpf_map_lookup(m, &key, out, 0, &err) == -EPERM);
	userbpf_map_free(m);
}

static void test_percpu_array(void)
{
	USERBPF_OPTS(userbpf_map_opts, o, .ncpus = 3);
	struct userbpf_map *m = userbpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 5, 4, &o, &err);
	uint8_t in[24], out[24];
	uint32_t key = 2;
	void *p;

	CHECK(m && userbpf_map_ncpus(m) == 3 && userbpf_map_value_size_host(m) == 24);
	for (int i = 0; i < 24; i++)
		in[i] = (uint8_t)(i + 1);
	CHECK(userbpf_map_update(m, &key, in, 0, &err) == 0);
	memset(out, 0xee, sizeof(out));
	CHECK(userbpf_map_lookup(m, &key, out, 0, &err) == 0);
	/* each slot: 5 value bytes then 3 zero padding bytes */
	CHECK(memcmp(out, in, 8) == 0); /* padding kept as given, as the kernel */
	CHECK(memcmp(out + 8, in + 8, 5) == 0 && memcmp(out + 16, in + 16, 5) == 0);
	/* the program side sees the slot of its CPU */
	p = maps_lookup_elem(m, &key);
	CHECK(p && (memcmp(p, in, 5) == 0 || memcmp(p, in + 8, 5) == 0 ||
		    memcmp(p, in + 16, 5) == 0));
	/* map_lookup_percpu_elem: any slot by number, NULL past the last */
	p = maps_lookup_percpu_elem(m, &key, 2);
	CHECK(p && memcmp(p, in + 16, 5) == 0);
	CHECK(maps_lookup_percpu_elem(m, &key, 3) == NULL);
	key = 4;
	CHECK(maps_lookup_percpu_elem(m, &key, 0) == NULL);
	userbpf_map_free(m);
	m = userbpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, &o, &err);
	key = 9;
	CHECK(userbpf_map_update(m, &key, in, 0, &err) == 0);
	p = maps_lookup_percpu_elem(m, &key, 1);
	CHECK(p && memcmp(p, in + 8, 8) == 0);
	key = 10;
	CHECK(maps_lookup_percpu_elem(m, &key, 1) == NULL);
	userbpf_map_free(m);
	m = mk(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
	CHECK(m && userbpf_map_ncpus(m) == (uint32_t)userbpf_num_possible_cpus());
	userbpf_map_free(m);
}

/* ---- BPF_F_LOCK ---- */

static void test_spin_lock_values(void)
{
	USERBPF_OPTS(userbpf_map_opts, o, .has_spin_lock = true, .spin_lock_off = 4);
	struct userbpf_map *m = userbpf_map_create(BPF_MAP_TYPE_HASH, 4, 12, 4, &o, &err);
	uint32_t key = 1, in[3] = {7, 0x55, 9}, out[3];

	CHECK(m != NULL);
	CHECK(userbpf_map_update(m, &key, in, BPF_F_LOCK, &err) == 0);
	CHECK(userbpf_map_update(m, &key, in, BPF_F_LOCK | BPF_NOEXIST, &err) == -EEXIST);
	in[0] = 8;
	CHECK(userbpf_map_update(m, &key, in, BPF_F_LOCK | BPF_EXIST, &err) == 0);
	CHECK(userbpf_map_lookup(m, &key, out, BPF_F_LOCK, &err) == 0);
	CHECK(out[0] == 8 && out[1] == 0 && out[2] == 9); /* the lock word reads as 0 */
	userbpf_map_free(m);
	m = mk(BPF_MAP_TYPE_HASH, 4, 12, 4, 0);
	CHECK(userbpf_map_update(m, &key, in, BPF_F_LOCK, &err) == -EINVAL);
	userbpf_map_free(m);
}

/* ---- batches ---- */

static void test_batch(void)
{
	struct userbpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 100, 0);
	uint32_t keys[100], count, total = 0;
	uint64_t vals[100], token = 0, sum = 0;
	bool seen[100] = {0};
	int ret;

	for (uint32_t i = 0; i < 60; i++) {
		keys[i] = i * 3;
		vals[i] = i * 1000;
	}
	count = 60;
	CHECK(userbpf_map_update_batch(m, keys, vals, &count, 0, &err) == 0 && count == 60);
	/* read back 7 at a time */
	do {
		uint32_t k[7];
		uint64_t v[7];

		count = 7;
		ret = userbpf_map_lookup_batch(m, total ? &token : NULL, &token, k, v, &count, 0,
					       &err);
		for (uint32_t i = 0; i < count; i++) {
			if (k[i] % 3 == 0 && k[i] < 180 && !seen[k[i] / 3] && v[i] == k[i] / 3 * 1000)
				seen[k[i] / 3] = true;
			else
				sum++;
		}
		total += count;
	} while (ret == 0);
	CHECK(ret == -ENOENT);
	CHECK_EQ_U64(total, 60);
	CHECK_EQ_U64(sum, 0);
	count = 10;
	CHECK(userbpf_map_delete_batch(m, keys, &count, 0, &err) == 0 && count == 10);
	count = 2;
	keys[1] = 9999;
	CHECK(userbpf_map_delete_batch(m, keys + 10, &count, 0, &err) == 0);
	keys[11] = 1; /* absent: stops there */
	count = 3;
	CHECK(userbpf_map_delete_batch(m, keys + 11, &count, 0, &err) == -ENOENT && count == 0);
	/* lookup_and_delete_batch empties the map */
	{
		uint32_t k[100];
		uint64_t v[100];

		count = 100;
		ret = userbpf_map_lookup_and_delete_batch(m, NULL, &token, k, v, &count, 0, &err);
		CHECK(ret == -ENOENT && count == 48);
		CHECK(userbpf_map_get_next_key(m, NULL, k, &err) == -ENOENT);
	}
	userbpf_map_free(m);
}

/* ---- LRU ---- */

static void test_lru(void)
{
	enum { MAX = 64 };
	struct userbpf_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 8, MAX, 0);
	uint64_t v, model[4 * MAX];
	bool ever[4 * MAX] = {0};
	int bad = 0, present = 0;

	/* fill, touch the first half, insert a quarter more: only untouched keys go */
	for (uint32_t k = 0; k < MAX; k++) {
		v = k + 100;
		CHECK(userbpf_map_update(m, &k, &v, BPF_NOEXIST, &err) == 0);
	}
	for (uint32_t k = 0; k < MAX / 2; k++)
		CHECK(maps_lookup_elem(m, &k) != NULL);
	for (uint32_t k = MAX; k < MAX + MAX / 4; k++) {
		v = k + 100;
		CHECK(userbpf_map_update(m, &k, &v, 0, &err) == 0); /* never -E2BIG */
	}
	for (uint32_t k = 0; k < MAX / 2; k++)
		bad += userbpf_map_lookup(m, &k, &v, 0, &err) != 0 || v != k + 100;
	for (uint32_t k = MAX; k < MAX + MAX / 4; k++)
		bad += userbpf_map_lookup(m, &k, &v, 0, &err) != 0 || v != k + 100;
	for (uint32_t k = MAX / 2; k < MAX; k++)
		present += userbpf_map_lookup(m, &k, &v, 0, &err) == 0;
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(present, MAX / 2 - MAX / 4); /* exactly the room needed was evicted */

	/* random operations: contents always a subset of the model with the model's values */
	for (int step = 0; step < 5000; step++) {
		uint32_t k = rnd(4 * MAX);

		if (rnd(3)) {
			v = ((uint64_t)step << 16) | k;
			if (userbpf_map_update(m, &k, &v, 0, &err) != 0)
				bad++;
			model[k] = v;
			ever[k] = true;
		} else if (userbpf_map_lookup(m, &k, &v, 0, &err) == 0) {
			if (k >= MAX + MAX / 4 && (!ever[k] || v != model[k]))
				bad++;
		}
	}
	{
		uint32_t key, next, n = 0;
		int ret = userbpf_map_get_next_key(m, NULL, &next, &err);

		while (ret == 0) {
			n++;
			key = next;
			ret = userbpf_map_get_next_key(m, &key, &next, &err);
		}
		CHECK(n <= MAX && n >= MAX - 1);
	}
	CHECK_EQ_U64(bad, 0);
	userbpf_map_free(m);
}

/* ---- LPM trie ---- */

struct lpm_entry {
	uint32_t plen;
	uint8_t data[16];
	uint32_t value;
	bool live;
};

static bool covers(const uint8_t *prefix, uint32_t plen, const uint8_t *addr)
{
	for (uint32_t b = 0; b < plen; b++)
		if (((prefix[b / 8] ^ addr[b / 8]) >> (7 - b % 8)) & 1)
			return false;
	return true;
}

static void lpm_model_run(uint32_t dsize, int steps)
{
	enum { MAXE = 40 };
	struct userbpf_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 4 + dsize, 4, MAXE, BPF_F_NO_PREALLOC);
	struct lpm_entry e[MAXE * 4];
	uint32_t ne = 0, live = 0;
	int bad = 0;

	memset(e, 0, sizeof(e));
	for (int step = 0; step < steps; step++) {
		uint8_t key[20] = {0}, addr[16] = {0};
		uint32_t plen = rnd(dsize * 8 + 1), op = rnd(4), v = (uint32_t)step, got;
		int ret, best = -1;

		/* Few distinct leading bytes, so prefixes overlap a lot. */
		addr[0] = (uint8_t)(rnd(4) << 6 | rnd(2) << 5);
		for (uint32_t i = 1; i < dsize; i++)
			addr[i] = (uint8_t)rnd(256);
		for (uint32_t b = plen; b < dsize * 8; b++)
			addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
		memcpy(key, &plen, 4);
		memcpy(key + 4, addr, dsize);
		if (op < 2) {
			int found = -1;

			for (uint32_t i = 0; i < ne; i++)
				if (e[i].live && e[i].plen == plen && !memcmp(e[i].data, addr, dsize))
					found = (int)i;
			ret = userbpf_map_update(m, key, &v, 0, &err);
			if (found < 0 && live == MAXE) {
				bad += ret != -ENOSPC;
			} else {
				bad += ret != 0;
				if (found < 0) {
					/* reuse a dead slot, so the model never runs out */
					for (uint32_t i = 0; i < ne && found < 0; i++)
						if (!e[i].live)
							found = (int)i;
					if (found < 0)
						found = (int)ne++;
					e[found].plen = plen;
					memcpy(e[found].data, addr, dsize);
					e[found].live = true;
					live++;
				}
				if (found >= 0)
					e[found].value = v;
			}
		} else if (op == 2 && live) {
			uint32_t i = rnd(ne);

			if (e[i].live) {
				memcpy(key, &e[i].plen, 4);
				memcpy(key + 4, e[i].data, dsize);
				bad += userbpf_map_delete(m, key, &err) != 0;
				bad += userbpf_map_delete(m, key, &err) != -ENOENT;
				e[i].live = false;
				live--;
			}
		} else {
			/* longest-prefix lookup of a full-length address */
			uint32_t full = dsize * 8;

			for (uint32_t i = 1; i < dsize; i++)
				addr[i] = (uint8_t)rnd(256);
			memcpy(key, &full, 4);
			memcpy(key + 4, addr, dsize);
			for (uint32_t i = 0; i < ne; i++)
				if (e[i].live && covers(e[i].data, e[i].plen, addr) &&
				    (best < 0 || e[i].plen > e[best].plen))
					best = (int)i;
			ret = userbpf_map_lookup(m, key, &got, 0, &err);
			if (best < 0)
				bad += ret != -ENOENT;
			else
				bad += ret != 0 || got != e[best].value;
		}
	}
	CHECK_EQ_U64(bad, 0);
	/* iteration: every live entry once, more specific prefixes before those covering them */
	{
		uint8_t key[20], next[20];
		int order[MAXE * 4], n = 0, ret;

		for (uint32_t i = 0; i < ne; i++)
			order[i] = -1;
		ret = userbpf_map_get_next_key(m, NULL, next, &err);
		while (ret == 0 && n <= (int)ne) {
			uint32_t plen;

			memcpy(&plen, next, 4);
			for (uint32_t i = 0; i < ne; i++)
				if (e[i].live && e[i].plen == plen && !memcmp(e[i].data, next + 4, dsize)) {
					bad += order[i] != -1;
					order[i] = n;
				}
			n++;
			memcpy(key, next, 4 + dsize);
			ret = userbpf_map_get_next_key(m, key, next, &err);
		}
		CHECK(ret == -ENOENT);
		CHECK_EQ_U64(n, live);
		for (uint32_t i = 0; i < ne; i++)
			for (uint32_t j = 0; j < ne; j++)
				if (e[i].live && e[j].live && e[i].plen < e[j].plen &&
				    covers(e[i].data, e[i].plen, e[j].data))
					bad += order[j] > order[i];
		CHECK_EQ_U64(bad, 0);
	}
	userbpf_map_free(m);
}

static void test_lpm(void)
{
	struct userbpf_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 8, BPF_F_NO_PREALLOC);
	uint8_t key[8];
	uint32_t v, plen;

	/* 10.0.0.0/8 -> 1, 10.1.0.0/16 -> 2, lookups of 10.1.2.3 and 10.2.0.1 and 11.0.0.1 */
	plen = 8;
	memcpy(key, &plen, 4);
	memcpy(key + 4, (uint8_t[]){10, 0, 0, 0}, 4);
	v = 1;
	CHECK(userbpf_map_update(m, key, &v, 0, &err) == 0);
	plen = 16;
	memcpy(key, &plen, 4);
	memcpy(key + 4, (uint8_t[]){10, 1, 0, 0}, 4);
	v = 2;
	CHECK(userbpf_map_update(m, key, &v, BPF_NOEXIST, &err) == 0);
	CHECK(userbpf_map_update(m, key, &v, BPF_NOEXIST, &err) == -EEXIST);
	plen = 32;
	memcpy(key, &plen, 4);
	memcpy(key + 4, (uint8_t[]){10, 1, 2, 3}, 4);
	CHECK(userbpf_map_lookup(m, key, &v, 0, &err) == 0 && v == 2);
	memcpy(key + 4, (uint8_t[]){10, 2, 0, 1}, 4);
	CHECK(userbpf_map_lookup(m, key, &v, 0, &err) == 0 && v == 1);
	memcpy(key + 4, (uint8_t[]){11, 0, 0, 1}, 4);
	CHECK(userbpf_map_lookup(m, key, &v, 0, &err) == -ENOENT);
	plen = 33;
	memcpy(key, &plen, 4);
	CHECK(userbpf_map_update(m, key, &v, 0, &err) == -EINVAL);
	userbpf_map_free(m);

	lpm_model_run(4, 3000);  /* IPv4 */
	lpm_model_run(16, 2000); /* IPv6 */
	lpm_model_run(1, 2000);  /* tiny keys: many exact collisions */
}

/* ---- queue, stack, bloom ---- */

static void test_queue_stack(void)
{
	for (int fifo = 0; fifo < 2; fifo++) {
		struct userbpf_map *m = mk(fifo ? BPF_MAP_TYPE_QUEUE : BPF_MAP_TYPE_STACK, 0, 4, 5, 0);
		uint32_t model[5], n = 0, v, out;
		int bad = 0;

		for (int step = 0; step < 3000; step++) {
			uint32_t op = rnd(4);
			int ret;

			v = (uint32_t)step;
			if (op == 0 || op == 1) {
				uint64_t flags = op == 1 ? BPF_EXIST : BPF_ANY;

				ret = userbpf_map_update(m, NULL, &v, flags, &err);
				if (n == 5 && flags == BPF_ANY) {
					bad += ret != -E2BIG;
					continue;
				}
				bad += ret != 0;
				if (n == 5) { /* BPF_EXIST: the oldest makes room */
					memmove(model, model + 1, 4 * sizeof(uint32_t));
					n--;
				}
				model[n++] = v;
			} else {
				bool pop = op == 2;
				uint32_t want;

				ret = pop ? userbpf_map_lookup_and_delete(m, NULL, &out, 0, &err)
					  : userbpf_map_lookup(m, NULL, &out, 0, &err);
				if (!n) {
					bad += ret != -ENOENT;
					continue;
				}
				want = fifo ? model[0] : model[n - 1];
				bad += ret != 0 || out != want;
				if (pop) {
					if (fifo)
						memmove(model, model + 1, (n - 1) * sizeof(uint32_t));
					n--;
				}
			}
		}
		CHECK_EQ_U64(bad, 0);
		CHECK(userbpf_map_update(m, NULL, &v, BPF_NOEXIST, &err) == -EINVAL);
		CHECK(userbpf_map_delete(m, NULL, &err) == -EOPNOTSUPP);
		userbpf_map_free(m);
	}
}

static void test_bloom(void)
{
	USERBPF_OPTS(userbpf_map_opts, o, .map_extra = 3);
	struct userbpf_map *m = userbpf_map_create(BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 1000, &o, &err);
	int fn = 0, fp = 0;

	CHECK(m != NULL);
	for (uint64_t v = 0; v < 1000; v++)
		CHECK(v % 100 || userbpf_map_update(m, NULL, &(uint64_t){v * 7919}, 0, &err) == 0);
	for (uint64_t v = 0; v < 1000; v++)
		if (v % 100 != 0)
			userbpf_map_update(m, NULL, &(uint64_t){v * 7919}, 0, &err);
	for (uint64_t v = 0; v < 1000; v++)
		fn += userbpf_map_lookup(m, NULL, &(uint64_t){v * 7919}, 0, &err) != 0;
	for (uint64_t v = 0; v < 10000; v++)
		fp += userbpf_map_lookup(m, NULL, &(uint64_t){v * 7919 + 1}, 0, &err) == 0;
	CHECK_EQ_U64(fn, 0);    /* never a false negative */
	CHECK(fp < 10000 / 20); /* under 5% false positives with 3 hashes at this load */
	CHECK(userbpf_map_lookup_and_delete(m, NULL, &(uint64_t){0}, 0, &err) == -EOPNOTSUPP);
	CHECK(userbpf_map_update(m, NULL, &(uint64_t){0}, BPF_EXIST, &err) == -EINVAL);
	userbpf_map_free(m);
	o.map_extra = 16;
	CHECK(!userbpf_map_create(BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 10, &o, &err));
}

/* ---- map-in-map and prog_array ---- */

static void test_map_in_map(void)
{
	struct userbpf_map *tmpl = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct userbpf_map *in1 = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct userbpf_map *wrong = mk(BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0);
	USERBPF_OPTS(userbpf_map_opts, o, .inner_map = tmpl);
	struct userbpf_map *aom = userbpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 3, &o, &err);
	struct userbpf_map *hom = userbpf_map_create(BPF_MAP_TYPE_HASH_OF_MAPS, 8, 4, 3, &o, &err);
	uint32_t k = 1;
	uint64_t hk = 42;

	CHECK(aom && hom);
	CHECK(userbpf_map_update_map(aom, &k, wrong, 0, &err) == -EINVAL);
	CHECK(userbpf_map_update_map(aom, &k, in1, 0, &err) == 0);
	CHECK(userbpf_map_lookup_map(aom, &k) == in1);
	CHECK(maps_lookup_elem(aom, &k) == (void *)in1);
	CHECK(userbpf_map_update(aom, &k, &k, 0, &err) == -EINVAL);
	CHECK(userbpf_map_update_map(hom, &hk, in1, BPF_NOEXIST, &err) == 0);
	CHECK(userbpf_map_update_map(hom, &hk, in1, BPF_NOEXIST, &err) == -EEXIST);
	CHECK(userbpf_map_lookup_map(hom, &hk) == in1);
	hk = 43;
	CHECK(userbpf_map_lookup_map(hom, &hk) == NULL);
	/* the outer maps hold references: in1 survives the host's free */
	userbpf_map_free(in1);
	hk = 42;
	CHECK(userbpf_map_lookup_map(hom, &hk) == in1);
	CHECK(userbpf_map_delete(hom, &hk, &err) == 0);
	CHECK(userbpf_map_delete(aom, &k, &err) == 0);
	CHECK(userbpf_map_delete(aom, &k, &err) == -ENOENT);
	userbpf_map_free(aom);
	userbpf_map_free(hom);
	userbpf_map_free(wrong);
	userbpf_map_free(tmpl);
}

/* ---- ring buffer ---- */

struct rb_seen {
	uint32_t n;
	uint32_t next; /* expected sequence number */
	int bad;
};

static int rb_sample(void *ctx, void *data, size_t size)
{
	struct rb_seen *s = ctx;
	uint32_t seq;

	memcpy(&seq, data, 4);
	if (seq != s->next || size != 4 + seq % 29)
		s->bad++;
	for (size_t i = 4; i < size; i++)
		if (((uint8_t *)data)[i] != (uint8_t)seq)
			s->bad++;
	s->next++;
	s->n++;
	return 0;
}

static void test_ringbuf(void)
{
	struct userbpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	struct rb_seen seen = {0, 0, 0};
	uint32_t seq = 0;
	struct pollfd pfd;
	int fd = userbpf_ringbuf_fd(m);

	CHECK(m && fd >= 0);
	CHECK(maps_ringbuf_query(m, BPF_RB_RING_SIZE) == 4096);
	CHECK(maps_ringbuf_reserve(m, 4096, 0) == NULL);
	CHECK(maps_ringbuf_reserve(m, 8, 1) == NULL);
	/* many rounds of produce/consume wrap around the ring several times */
	for (int round = 0; round < 60; round++) {
		int produced = 0;

		for (;;) {
			uint32_t size = 4 + seq % 29;
			uint8_t buf[40];

			memset(buf, (uint8_t)seq, sizeof(buf));
			memcpy(buf, &seq, 4);
			if (rnd(3) == 0) {
				uint8_t *r = maps_ringbuf_reserve(m, size, 0);

				if (!r)
					break;
				memcpy(r, buf, size);
				/* a discarded record in between is skipped by the consumer */
				{
					uint8_t *d = maps_ringbuf_reserve(m, 16, 0);

					if (d)
						maps_ringbuf_commit(m, d, 0, true);
				}
				maps_ringbuf_commit(m, r, 0, false);
			} else if (maps_ringbuf_output(m, buf, size, 0) != 0) {
				break;
			}
			seq++;
			if (++produced > 50 + round)
				break;
		}
		CHECK_EQ_U64(maps_ringbuf_query(m, BPF_RB_AVAIL_DATA),
			     maps_ringbuf_query(m, BPF_RB_PROD_POS) -
				     maps_ringbuf_query(m, BPF_RB_CONS_POS));
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (round == 0)
			CHECK(poll(&pfd, 1, 0) == 1); /* the first commit notified */
		CHECK(userbpf_ringbuf_poll(m, rb_sample, &seen, 0, &err) >= 0);
	}
	CHECK_EQ_U64(seen.n, seq);
	CHECK_EQ_U64(seen.bad, 0);
	CHECK(maps_ringbuf_query(m, BPF_RB_CONS_POS) > 4096 * 3);
	CHECK_EQ_U64(maps_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	/* a busy (reserved, uncommitted) record holds back everything after it */
	{
		uint8_t *a = maps_ringbuf_reserve(m, 8, 0);
		uint32_t s2 = seq;
		uint8_t buf[8] = {0};

		memcpy(buf, &s2, 4);
		memset(buf + 4, (uint8_t)s2, 4);
		CHECK(maps_ringbuf_output(m, buf, 4 + s2 % 29 < 8 ? 4 + s2 % 29 : 8, 0) == 0);
		CHECK(userbpf_ringbuf_consume(m, rb_sample, &seen, &err) == 0);
		maps_ringbuf_commit(m, a, BPF_RB_NO_WAKEUP, true);
		CHECK(userbpf_ringbuf_consume(m, rb_sample, &seen, &err) == 1 || seen.bad);
	}
	userbpf_map_free(m);
}

/* ---- perf_event_array ---- */

static void perf_cb(void *ctx, uint32_t cpu, const void *data, size_t size)
{
	uint64_t *sum = ctx;

	*sum += size * 1000 + cpu + ((const uint8_t *)data)[0];
}

static void test_perf(void)
{
	struct userbpf_map *m = userbpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, NULL, &err);
	uint64_t sum = 0;
	uint8_t d[3] = {5, 6, 7};

	CHECK(m && userbpf_map_max_entries(m) == (uint32_t)userbpf_num_possible_cpus());
	CHECK(maps_perf_output(m, 0, d, 3) == -ENOENT);
	CHECK(userbpf_perf_set_output(m, perf_cb, &sum, &err) == 0);
	CHECK(maps_perf_output(m, 0, d, 3) == 0 && sum == 3005);
	CHECK(maps_perf_output(m, 100000, d, 3) == -E2BIG);
	CHECK(maps_perf_output(m, BPF_F_CURRENT_CPU, d, 1) == 0);
	userbpf_map_free(m);
}

/* ---- concurrency ---- */

struct worker {
	struct userbpf_map *map;
	uint32_t id;
	int bad;
};

/* Each thread owns keys id*1000 + [0, 200): its final view must match its own model. */
static void *hash_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t model[200] = {0}, x = 0x9e3779b97f4a7c15ull * (w->id + 1);
	bool present[200] = {0};
	uint8_t val[64], out[64];

	for (int step = 0; step < 20000; step++) {
		uint32_t i, key;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (uint32_t)(x % 200);
		key = w->id * 1000 + i;
		if (x >> 60 < 9) {
			memset(val, (uint8_t)step, sizeof(val));
			if (userbpf_map_update(w->map, &key, val, 0, &err) == 0) {
				present[i] = true;
				model[i] = (uint8_t)step;
			}
		} else if (x >> 60 < 12) {
			userbpf_map_delete(w->map, &key, NULL);
			present[i] = false;
		} else {
			int ret = userbpf_map_lookup(w->map, &key, out, 0, NULL);

			if (ret != (present[i] ? 0 : -ENOENT))
				w->bad++;
			/* values are written whole: every byte the same */
			for (int b = 1; !ret && b < 64; b++)
				if (out[b] != out[0] || out[0] != (uint8_t)model[i])
					w->bad++;
		}
	}
	return NULL;
}

static void *lru_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t x = 0x1234567ull * (w->id + 1);
	uint8_t val[64], out[64];

	for (int step = 0; step < 20000; step++) {
		uint32_t key;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		key = (uint32_t)(x % 500);
		memset(val, (uint8_t)key, sizeof(val));
		if (x >> 62) {
			if (userbpf_map_update(w->map, &key, val, 0, NULL) != 0)
				w->bad++;
		} else if (userbpf_map_lookup(w->map, &key, out, 0, NULL) == 0) {
			for (int b = 0; b < 64; b++)
				if (out[b] != (uint8_t)key)
					w->bad++;
		}
		if (maps_lookup_elem(w->map, &key) == NULL && step % 1000 == 0)
			continue;
	}
	return NULL;
}

static void *lpm_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t x = 0xabcdefull * (w->id + 1);

	for (int step = 0; step < 20000; step++) {
		uint8_t key[8];
		uint32_t plen, v, got;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* thread-owned /24s under 10.id.0.0/16, all covered by a shared /8 */
		plen = 24;
		memcpy(key, &plen, 4);
		key[4] = 10;
		key[5] = (uint8_t)w->id;
		key[6] = (uint8_t)(x % 50);
		key[7] = 0;
		v = (uint32_t)(w->id << 8 | key[6]);
		if (x >> 62 == 0) {
			userbpf_map_delete(w->map, key, NULL);
		} else if (x >> 62 == 1) {
			if (userbpf_map_update(w->map, key, &v, 0, NULL) != 0)
				w->bad++;
		} else {
			plen = 32;
			memcpy(key, &plen, 4);
			key[7] = 9;
			if (userbpf_map_lookup(w->map, key, &got, 0, NULL) != 0 ||
			    (got != 1 && got != v))
				w->bad++;
		}
	}
	return NULL;
}

static void *queue_producer(void *arg)
{
	struct worker *w = arg;

	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t v = w->id * 1000 + i;

		while (userbpf_map_update(w->map, NULL, &v, 0, NULL) != 0)
			w->bad++;
	}
	return NULL;
}

static void run_threads(struct userbpf_map *m, void *(*fn)(void *), int n)
{
	pthread_t t[4];
	struct worker w[4];
	int bad = 0;

	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){m, (uint32_t)i + 1, 0};
		pthread_create(&t[i], NULL, fn, &w[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
	}
	CHECK_EQ_U64(bad, 0);
}

/* Ring buffer: two producer threads, the consumer on this thread; per-producer order kept. */
#define RB_PER_THREAD 20000

struct rb_prod {
	struct userbpf_map *map;
	uint32_t id;
};

static void *rb_producer(void *arg)
{
	struct rb_prod *p = arg;

	for (uint32_t seq = 0; seq < RB_PER_THREAD;) {
		uint32_t rec[3] = {p->id, seq, p->id ^ seq};

		if (seq % 2 == 0) {
			if (maps_ringbuf_output(p->map, rec, sizeof(rec), 0) == 0)
				seq++;
			else
				sched_yield(); /* full: let the consumer catch up */
		} else {
			uint32_t *r = maps_ringbuf_reserve(p->map, sizeof(rec), 0);

			if (!r) {
				sched_yield();
				continue;
			}
			memcpy(r, rec, sizeof(rec));
			maps_ringbuf_commit(p->map, r, 0, false);
			seq++;
		}
	}
	return NULL;
}

struct rb_check {
	uint32_t next[2];
	uint32_t n;
	int bad;
};

static int rb_check_cb(void *ctx, void *data, size_t size)
{
	struct rb_check *c = ctx;
	uint32_t rec[3];

	if (size != sizeof(rec)) {
		c->bad++;
		return 0;
	}
	memcpy(rec, data, sizeof(rec));
	if (rec[0] > 1 || rec[1] != c->next[rec[0]] || rec[2] != (rec[0] ^ rec[1]))
		c->bad++;
	else
		c->next[rec[0]]++;
	c->n++;
	return 0;
}

static void test_ringbuf_threads(void)
{
	struct userbpf_map *m = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	struct rb_prod p[2] = {{m, 0}, {m, 1}};
	struct rb_check c = {{0, 0}, 0, 0};
	pthread_t t[2];
	int idle = 0; /* consecutive empty polls: a lost record would otherwise hang the test */

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, rb_producer, &p[i]);
	while (c.n < 2 * RB_PER_THREAD && !c.bad && idle < 100) {
		int got = userbpf_ringbuf_poll(m, rb_check_cb, &c, 100, &err);

		if (got < 0)
			break;
		idle = got ? 0 : idle + 1;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	userbpf_ringbuf_consume(m, rb_check_cb, &c, &err);
	CHECK_EQ_U64(c.bad, 0);
	CHECK_EQ_U64(c.n, 2 * RB_PER_THREAD);
	userbpf_map_free(m);
}

static void test_concurrent(void)
{
	struct userbpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 64, 1000, 0);
	uint8_t key[8] = {0};
	uint32_t plen = 8;
	uint32_t one = 1;

	run_threads(m, hash_worker, 3);
	userbpf_map_free(m);
	m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 64, 100, 0);
	run_threads(m, lru_worker, 3);
	{
		uint32_t k, next, n = 0;
		int ret = userbpf_map_get_next_key(m, NULL, &next, &err);

		while (ret == 0 && n < 1000) {
			n++;
			k = next;
			ret = userbpf_map_get_next_key(m, &k, &next, &err);
		}
		CHECK(n <= 100 && n >= 90);
	}
	userbpf_map_free(m);
	m = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 1000, BPF_F_NO_PREALLOC);
	memcpy(key, &plen, 4);
	key[4] = 10;
	CHECK(userbpf_map_update(m, key, &one, 0, &err) == 0);
	run_threads(m, lpm_worker, 3);
	userbpf_map_free(m);
	/* queue: 3 producers of 1000 values each into a big queue, then all come out once */
	m = mk(BPF_MAP_TYPE_QUEUE, 0, 4, 4000, 0);
	{
		pthread_t t[3];
		struct worker w[3];
		uint32_t v;
		int n = 0, sum_ok = 1;
		static uint8_t seen[3000];

		for (int i = 0; i < 3; i++) {
			w[i] = (struct worker){m, (uint32_t)i, 0};
			pthread_create(&t[i], NULL, queue_producer, &w[i]);
		}
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		while (userbpf_map_lookup_and_delete(m, NULL, &v, 0, &err) == 0) {
			if (v >= 3000 || seen[v]++)
				sum_ok = 0;
			n++;
		}
		CHECK(n == 3000 && sum_ok);
	}
	userbpf_map_free(m);
}

int main(void)
{
	test_create();
	test_hash_model();
	test_array();
	test_percpu_array();
	test_spin_lock_values();
	test_batch();
	test_lru();
	test_lpm();
	test_queue_stack();
	test_bloom();
	test_map_in_map();
	test_ringbuf();
	test_perf();
	test_concurrent();
	test_ringbuf_threads();
	return test_summary();
}
