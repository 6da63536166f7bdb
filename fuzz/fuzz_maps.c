/* SPDX-License-Identifier: MIT */
/*
 * fuzz_maps.c - libFuzzer target for the maps: the input picks a map type and sizes, then a
 * sequence of host operations (update with any flags, delete, lookup, lookup_and_delete,
 * get_next_key walks, batches). Every result is checked against a small reference model
 * (hash, array, lpm_trie, queue/stack) or, for LRU maps, against the invariants eviction
 * keeps (never -E2BIG, never more than max_entries keys, present keys hold their last value).
 * Sanitizers catch the rest.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf.h"

#define NK 16 /* key space */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t next(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

struct model {
	bool present[NK];
	uint64_t value[NK];
	uint32_t count;
};

/* lpm_trie model: the stored prefixes by their key bytes. */
struct lpm_model {
	uint8_t key[64][8];
	uint64_t value[64];
	uint32_t n;
};

static int lpm_find(const struct lpm_model *lm, const uint8_t key[8])
{
	for (uint32_t i = 0; i < lm->n; i++)
		if (!memcmp(lm->key[i], key, 8))
			return (int)i;
	return -1;
}

static bool lpm_covers(const uint8_t *prefix_key, const uint8_t addr[4])
{
	uint32_t plen;

	memcpy(&plen, prefix_key, 4);
	for (uint32_t b = 0; b < plen; b++)
		if (((prefix_key[4 + b / 8] ^ addr[b / 8]) >> (7 - b % 8)) & 1)
			return false;
	return true;
}

static void lpm_op(struct userbpf_map *m, struct lpm_model *lm, uint32_t max, uint8_t op,
		   const uint8_t key[8], uint64_t flags, uint64_t v)
{
	int i = lpm_find(lm, key), ret;
	uint8_t out[8];

	switch (op % 4) {
	case 0:
	case 1:
		ret = userbpf_map_update(m, key, &v, flags, NULL);
		if (flags > BPF_EXIST) {
			if (ret != -EINVAL)
				abort();
		} else if (flags == BPF_NOEXIST && i >= 0) {
			if (ret != -EEXIST)
				abort();
		} else if (flags == BPF_EXIST && i < 0) {
			if (ret != -ENOENT)
				abort();
		} else if (i < 0 && lm->n == max) {
			if (ret != -ENOSPC)
				abort();
		} else {
			if (ret)
				abort();
			if (i < 0) {
				i = (int)lm->n++;
				memcpy(lm->key[i], key, 8);
			}
			lm->value[i] = v;
		}
		break;
	case 2:
		ret = userbpf_map_delete(m, key, NULL);
		if (ret != (i >= 0 ? 0 : -ENOENT))
			abort();
		if (i >= 0) {
			lm->n--;
			memmove(lm->key[i], lm->key[i + 1], (lm->n - (uint32_t)i) * 8);
			memmove(&lm->value[i], &lm->value[i + 1], (lm->n - (uint32_t)i) * 8);
		}
		break;
	default: {
		/* longest-prefix match of the key's address as a /32 */
		uint8_t full[8];
		uint32_t p32 = 32, best_len = 0;
		int best = -1;

		memcpy(full, &p32, 4);
		memcpy(full + 4, key + 4, 4);
		for (uint32_t j = 0; j < lm->n; j++) {
			uint32_t pl;

			memcpy(&pl, lm->key[j], 4);
			if (lpm_covers(lm->key[j], key + 4) && (best < 0 || pl > best_len)) {
				best = (int)j;
				best_len = pl;
			}
		}
		ret = userbpf_map_lookup(m, full, out, 0, NULL);
		if (ret != (best >= 0 ? 0 : -ENOENT) || (!ret && memcmp(out, &lm->value[best], 8)))
			abort();
	}
	}
}

static void lpm_key(uint32_t k, uint32_t plen, uint8_t key[8])
{
	uint32_t addr = (k & 3) << 30 | (k >> 2) << 24;
	uint8_t b[4] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
			(uint8_t)addr};

	for (uint32_t i = plen; i < 32; i++)
		b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	memcpy(key, &plen, 4);
	memcpy(key + 4, b, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t types[] = {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY,
					 BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LPM_TRIE,
					 BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK,
					 BPF_MAP_TYPE_PERCPU_HASH};
	struct in in = {data, size};
	uint32_t type = types[next(&in) % 7], max = 1 + next(&in) % NK;
	bool lpm = type == BPF_MAP_TYPE_LPM_TRIE, lru = type == BPF_MAP_TYPE_LRU_HASH;
	bool keyless = type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK;
	USERBPF_OPTS(userbpf_map_opts, o, .map_flags = lpm ? BPF_F_NO_PREALLOC : 0, .ncpus = 2);
	struct userbpf_map *m = userbpf_map_create(type, keyless ? 0 : lpm ? 8 : 4, 8, max, &o, NULL);
	struct model md = {0};
	struct lpm_model lm = {.n = 0};
	uint64_t fifo[NK];
	uint32_t qn = 0;
	size_t vsz;

	if (!m)
		abort();
	vsz = userbpf_map_value_size_host(m);
	while (in.n) {
		uint8_t op = next(&in), kb = next(&in);
		uint32_t k = kb % NK, plen = (uint32_t)(kb >> 4) * 2;
		uint64_t flags = next(&in) % 5, v[2] = {((uint64_t)kb << 32) | in.n, in.n};
		uint8_t key[8] = {0}, out[16];
		int ret;

		if (lpm) {
			lpm_key(k, plen, key);
			lpm_op(m, &lm, max, op, key, flags, v[0]);
			continue;
		}
		memcpy(key, &k, 4);
		if (keyless) {
			if (op % 3 == 0) {
				ret = userbpf_map_update(m, NULL, v, flags, NULL);
				if (flags != BPF_ANY && flags != BPF_EXIST) {
					if (ret != -EINVAL)
						abort();
				} else if (qn == max && flags == BPF_ANY) {
					if (ret != -E2BIG)
						abort();
				} else {
					if (ret)
						abort();
					if (qn == max) {
						memmove(fifo, fifo + 1, (qn - 1) * 8);
						qn--;
					}
					fifo[qn++] = v[0];
				}
			} else {
				bool pop = op % 3 == 1;
				uint64_t want = type == BPF_MAP_TYPE_QUEUE ? fifo[0] : fifo[qn ? qn - 1 : 0];

				ret = pop ? userbpf_map_lookup_and_delete(m, NULL, out, 0, NULL)
					  : userbpf_map_lookup(m, NULL, out, 0, NULL);
				if (ret != (qn ? 0 : -ENOENT) || (!ret && memcmp(out, &want, 8)))
					abort();
				if (pop && qn) {
					if (type == BPF_MAP_TYPE_QUEUE)
						memmove(fifo, fifo + 1, (qn - 1) * 8);
					qn--;
				}
			}
			continue;
		}
		switch (op % 6) {
		case 0:
		case 1:
			ret = userbpf_map_update(m, key, v, flags, NULL);
			if (lru) {
				if (flags > BPF_EXIST)
					break;
				if (ret == 0) {
					md.present[k] = true;
					md.value[k] = v[0];
				}
				break;
			}
			if (type == BPF_MAP_TYPE_ARRAY) {
				int want = flags > BPF_EXIST ? -EINVAL
					   : k >= max	     ? -E2BIG
					   : flags == BPF_NOEXIST ? -EEXIST
								  : 0;

				if (ret != want)
					abort();
				if (!ret)
					md.value[k] = v[0];
				break;
			}
			if (flags > BPF_EXIST) {
				if (ret != -EINVAL)
					abort();
				break;
			}
			{
				bool same = md.present[k];

				if (flags == BPF_NOEXIST && same) {
					if (ret != -EEXIST)
						abort();
				} else if (flags == BPF_EXIST && !same) {
					if (ret != -ENOENT)
						abort();
				} else if (!same && md.count == max) {
					if (ret != -E2BIG)
						abort();
				} else {
					if (ret)
						abort();
					md.count += !same;
					md.present[k] = true;
					md.value[k] = v[0];
				}
			}
			break;
		case 2:
			ret = userbpf_map_delete(m, key, NULL);
			if (type == BPF_MAP_TYPE_ARRAY) {
				if (ret != -EINVAL)
					abort();
			} else if (lru) {
				if (ret == 0 && !md.present[k])
					abort();
				md.present[k] = false;
			} else {
				if (ret != (md.present[k] ? 0 : -ENOENT))
					abort();
				md.count -= md.present[k];
				md.present[k] = false;
			}
			break;
		case 3:
		case 4:
			ret = userbpf_map_lookup(m, key, out, 0, NULL);
			if (type == BPF_MAP_TYPE_ARRAY) {
				if (ret != (k < max ? 0 : -ENOENT) || (!ret && memcmp(out, &md.value[k], 8)))
					abort();
			} else if (ret == 0 && (!md.present[k] || memcmp(out, &md.value[k], 8))) {
				abort();
			} else if (!lru && ret != (md.present[k] ? 0 : -ENOENT)) {
				abort();
			}
			break;
		default: {
			/* walk every key: no more than max, and it ends */
			uint8_t cur[8], nk[8];
			uint32_t n = 0;

			ret = userbpf_map_get_next_key(m, NULL, nk, NULL);
			while (ret == 0 && n <= max) {
				n++;
				memcpy(cur, nk, 8);
				ret = userbpf_map_get_next_key(m, cur, nk, NULL);
			}
			if (ret != -ENOENT || n > max ||
			    (!lru && type != BPF_MAP_TYPE_ARRAY && n != md.count))
				abort();
			break;
		}
		}
		(void)vsz;
	}
	userbpf_map_free(m);
	return 0;
}
