/* SPDX-License-Identifier: MIT */
/*
 * lpm.c - lpm_trie: longest-prefix match over keys laid out as struct bpf_lpm_trie_key
 * (u32 prefixlen, then data_size bytes, most significant bit first: an IPv4 key has 4 data
 * bytes, an IPv6 key 16). The rules are the kernel's: key_size = 4 + 1..256, BPF_F_NO_PREALLOC
 * required, prefixes longer than data_size * 8 are -EINVAL, a full trie is -ENOSPC, lookup
 * returns the value of the longest stored prefix covering the key's first prefixlen bits,
 * get_next_key walks in post-order (more specific prefixes before the prefixes that cover them;
 * an absent key restarts at the first).
 *
 * A path-compressed binary trie: each node holds a prefix; its children extend it by at least
 * one bit, chosen by the bit just after the node's prefix. "Intermediate" nodes exist only to
 * branch and carry no value. Nodes come from a pool (leaves plus the intermediates they can
 * need); a node's prefix lives in the pool's key area, its value in the arena at the same
 * index. Readers share a rwlock; writers hold it exclusively.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

#define LPM_NONE UINT32_MAX
#define LPM_DATA_MAX 256

struct lpm_node {
	uint32_t prefixlen;
	uint32_t child[2]; /* node index + 1; 0: none */
	bool intermediate;
};

struct lpm {
	struct userbpf_map map;
	pthread_rwlock_t lock;
	uint32_t data_size;
	uint32_t nnodes;
	uint32_t root; /* index + 1 */
	uint32_t count; /* value-carrying nodes */
	struct lpm_node *nodes;
	uint8_t *keys; /* per node: struct bpf_lpm_trie_key (prefixlen + data) */
	uint32_t *freelist;
	uint32_t nfree;
};

static struct lpm *to_lpm(struct userbpf_map *map)
{
	return (struct lpm *)map;
}

static const uint8_t *node_data(const struct lpm *t, uint32_t i)
{
	return t->keys + (size_t)i * t->map.key_size + 4;
}

static uint8_t *node_value(struct lpm *t, uint32_t i)
{
	return t->map.arena + (size_t)i * t->map.stride;
}

static int bit_at(const uint8_t *data, uint32_t bit)
{
	return (data[bit / 8] >> (7 - bit % 8)) & 1;
}

/* Number of leading bits a and b share, at most limit. */
static uint32_t common_bits(const uint8_t *a, const uint8_t *b, uint32_t limit)
{
	uint32_t n = 0;

	while (n + 8 <= limit && a[n / 8] == b[n / 8])
		n += 8;
	while (n < limit && bit_at(a, n) == bit_at(b, n))
		n++;
	return n;
}

static struct userbpf_map *lpm_alloc(const struct userbpf_map *attr, struct userbpf_error *err)
{
	uint32_t allowed = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY |
			   BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
	struct lpm *t;
	uint64_t nnodes;

	if (attr->key_size < 4 + 1 || attr->key_size > 4 + LPM_DATA_MAX || attr->value_size == 0 ||
	    attr->value_size > (1u << 20) || attr->max_entries == 0 ||
	    !(attr->flags & BPF_F_NO_PREALLOC) || (attr->flags & ~allowed) ||
	    attr->max_entries > (1u << 26)) {
		MAP_ERR(err, -EINVAL, NULL,
			"lpm_trie '%s': key_size must be 5..260, value_size non-zero, max_entries "
			"non-zero, and map_flags BPF_F_NO_PREALLOC (got %u, %u, %u, 0x%x)",
			attr->name, attr->key_size, attr->value_size, attr->max_entries, attr->flags);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		MAP_ERR(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	t->map = *attr;
	t->data_size = attr->key_size - 4;
	/* Leaves (one more during a replacement) and at most one branch node per leaf. */
	nnodes = 2ull * attr->max_entries + 2;
	t->nnodes = (uint32_t)nnodes;
	t->nodes = calloc(nnodes, sizeof(*t->nodes));
	t->freelist = malloc(nnodes * sizeof(uint32_t));
	t->keys = map_arena_alloc(nnodes * attr->key_size);
	t->map.arena_len = nnodes * attr->stride;
	t->map.arena = map_arena_alloc(t->map.arena_len);
	t->map.keys = t->keys;
	t->map.keys_len = nnodes * attr->key_size;
	if (!t->nodes || !t->freelist || !t->keys || !t->map.arena ||
	    pthread_rwlock_init(&t->lock, NULL)) {
		free(t->nodes);
		free(t->freelist);
		map_arena_free(t->keys, t->map.keys_len);
		map_arena_free(t->map.arena, t->map.arena_len);
		free(t);
		MAP_ERR(err, -ENOMEM, NULL, "lpm_trie '%s': out of memory", attr->name);
		return NULL;
	}
	for (uint32_t i = 0; i < t->nnodes; i++)
		t->freelist[i] = t->nnodes - 1 - i;
	t->nfree = t->nnodes;
	return &t->map;
}

static void lpm_free(struct userbpf_map *map)
{
	struct lpm *t = to_lpm(map);

	pthread_rwlock_destroy(&t->lock);
	free(t->nodes);
	free(t->freelist);
	map_arena_free(t->keys, map->keys_len);
	map_arena_free(map->arena, map->arena_len);
	free(t);
}

static uint32_t node_new(struct lpm *t, uint32_t prefixlen, const uint8_t *data, bool intermediate)
{
	uint32_t i;
	uint8_t *k;

	if (!t->nfree)
		return LPM_NONE;
	i = t->freelist[--t->nfree];
	k = t->keys + (size_t)i * t->map.key_size;
	memcpy(k, &prefixlen, 4);
	memcpy(k + 4, data, t->data_size);
	t->nodes[i].prefixlen = prefixlen;
	t->nodes[i].child[0] = t->nodes[i].child[1] = 0;
	t->nodes[i].intermediate = intermediate;
	return i;
}

static void node_put(struct lpm *t, uint32_t i)
{
	t->freelist[t->nfree++] = i;
}

/* The value-carrying node with the longest prefix covering key; LPM_NONE if none. */
static uint32_t lpm_match(struct lpm *t, uint32_t prefixlen, const uint8_t *data)
{
	uint32_t found = LPM_NONE, max = t->data_size * 8;

	if (prefixlen > max)
		prefixlen = max;
	for (uint32_t n = t->root; n;) {
		uint32_t i = n - 1, plen = t->nodes[i].prefixlen;

		if (plen > prefixlen || common_bits(node_data(t, i), data, plen) < plen)
			break;
		if (!t->nodes[i].intermediate)
			found = i;
		if (plen == prefixlen)
			break;
		n = t->nodes[i].child[bit_at(data, plen)];
	}
	return found;
}

static void *lpm_lookup(struct userbpf_map *map, const void *key)
{
	struct lpm *t = to_lpm(map);
	uint32_t plen, i;

	memcpy(&plen, key, 4);
	pthread_rwlock_rdlock(&t->lock);
	i = lpm_match(t, plen, (const uint8_t *)key + 4);
	pthread_rwlock_unlock(&t->lock);
	return i == LPM_NONE ? NULL : node_value(t, i);
}

static int lpm_lookup_host(struct userbpf_map *map, const void *key, void *value, uint64_t flags)
{
	struct lpm *t = to_lpm(map);
	uint32_t plen, i;

	if (flags)
		return -EINVAL;
	memcpy(&plen, key, 4);
	pthread_rwlock_rdlock(&t->lock);
	i = lpm_match(t, plen, (const uint8_t *)key + 4);
	if (i != LPM_NONE)
		memcpy(value, node_value(t, i), map->value_size);
	pthread_rwlock_unlock(&t->lock);
	return i == LPM_NONE ? -ENOENT : 0;
}

static int lpm_update_locked(struct lpm *t, uint32_t plen, const uint8_t *data, const void *value,
			     uint64_t flags)
{
	uint32_t *slot = &t->root, n, i = LPM_NONE, match = 0, fresh, branch;

	while ((n = *slot) != 0) {
		i = n - 1;
		match = common_bits(node_data(t, i), data,
				    t->nodes[i].prefixlen < plen ? t->nodes[i].prefixlen : plen);
		if (match != t->nodes[i].prefixlen || match == plen)
			break;
		slot = &t->nodes[i].child[bit_at(data, match)];
	}
	if (n && match == plen && t->nodes[i].prefixlen == plen) {
		/* The exact prefix has a node: replace it (a fresh node, so readers see either). */
		if (!t->nodes[i].intermediate && flags == BPF_NOEXIST)
			return -EEXIST;
		if (t->nodes[i].intermediate && flags == BPF_EXIST)
			return -ENOENT;
		if (t->nodes[i].intermediate && t->count >= t->map.max_entries)
			return -ENOSPC;
		fresh = node_new(t, plen, data, false);
		if (fresh == LPM_NONE)
			return -ENOSPC;
		memcpy(node_value(t, fresh), value, t->map.value_size);
		t->nodes[fresh].child[0] = t->nodes[i].child[0];
		t->nodes[fresh].child[1] = t->nodes[i].child[1];
		__atomic_store_n(slot, fresh + 1, __ATOMIC_RELEASE);
		if (t->nodes[i].intermediate)
			t->count++;
		node_put(t, i);
		return 0;
	}
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (t->count >= t->map.max_entries)
		return -ENOSPC;
	fresh = node_new(t, plen, data, false);
	if (fresh == LPM_NONE)
		return -ENOSPC;
	memcpy(node_value(t, fresh), value, t->map.value_size);
	if (!n) {
		*slot = fresh + 1;
	} else if (match == plen) {
		/* The new prefix covers the node there: it becomes the new node's child. */
		t->nodes[fresh].child[bit_at(node_data(t, i), plen)] = n;
		*slot = fresh + 1;
	} else {
		/* They diverge after `match` bits: a branch node holds both. */
		branch = node_new(t, match, data, true);
		if (branch == LPM_NONE) {
			node_put(t, fresh);
			return -ENOSPC;
		}
		t->nodes[branch].child[bit_at(node_data(t, i), match)] = n;
		t->nodes[branch].child[bit_at(data, match)] = fresh + 1;
		*slot = branch + 1;
	}
	t->count++;
	return 0;
}

static int lpm_update(struct userbpf_map *map, const void *key, const void *value, uint64_t flags)
{
	struct lpm *t = to_lpm(map);
	uint32_t plen;
	uint8_t data[LPM_DATA_MAX] = {0};
	int ret;

	if (flags > BPF_EXIST)
		return -EINVAL;
	memcpy(&plen, key, 4);
	if (plen > t->data_size * 8)
		return -EINVAL;
	/* Bits past the prefix are not part of the entry: store them as zeros. */
	memcpy(data, (const uint8_t *)key + 4, t->data_size);
	for (uint32_t b = plen; b < t->data_size * 8; b++)
		data[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	pthread_rwlock_wrlock(&t->lock);
	ret = lpm_update_locked(t, plen, data, value, flags);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

static int lpm_delete_locked(struct lpm *t, uint32_t plen, const uint8_t *data, void *value)
{
	uint32_t *slot = &t->root, *pslot = NULL, n, i, parent = LPM_NONE;

	while ((n = *slot) != 0) {
		uint32_t np;

		i = n - 1;
		np = t->nodes[i].prefixlen;
		if (np > plen || common_bits(node_data(t, i), data, np) < np)
			return -ENOENT;
		if (np == plen)
			break;
		pslot = slot;
		parent = i;
		slot = &t->nodes[i].child[bit_at(data, np)];
	}
	if (!n || t->nodes[i].intermediate)
		return -ENOENT;
	if (value)
		memcpy(value, node_value(t, i), t->map.value_size);
	t->count--;
	if (t->nodes[i].child[0] && t->nodes[i].child[1]) {
		/* Still needed to branch: keep it without a value. */
		t->nodes[i].intermediate = true;
		return 0;
	}
	*slot = t->nodes[i].child[0] ? t->nodes[i].child[0] : t->nodes[i].child[1];
	node_put(t, i);
	/* A branch node left with one child is no longer needed. */
	if (!*slot && parent != LPM_NONE && t->nodes[parent].intermediate) {
		uint32_t other = t->nodes[parent].child[0] ? t->nodes[parent].child[0]
							   : t->nodes[parent].child[1];

		*pslot = other;
		node_put(t, parent);
	}
	return 0;
}

static int lpm_delete_common(struct userbpf_map *map, const void *key, void *value)
{
	struct lpm *t = to_lpm(map);
	uint32_t plen;
	int ret;

	memcpy(&plen, key, 4);
	if (plen > t->data_size * 8)
		return -EINVAL;
	pthread_rwlock_wrlock(&t->lock);
	ret = lpm_delete_locked(t, plen, (const uint8_t *)key + 4, value);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

static int lpm_remove(struct userbpf_map *map, const void *key)
{
	return lpm_delete_common(map, key, NULL);
}

static int lpm_lookup_and_delete(struct userbpf_map *map, const void *key, void *value,
				 uint64_t flags)
{
	if (flags)
		return -EINVAL;
	return lpm_delete_common(map, key, value);
}

/* The first value-carrying node of the subtree at n in post-order. */
static uint32_t postorder_first(struct lpm *t, uint32_t n)
{
	for (;;) {
		uint32_t i = n - 1;

		if (t->nodes[i].child[0])
			n = t->nodes[i].child[0];
		else if (t->nodes[i].child[1])
			n = t->nodes[i].child[1];
		else
			return i; /* a leaf always carries a value */
	}
}

static int lpm_get_next_key(struct userbpf_map *map, const void *key, void *next)
{
	struct lpm *t = to_lpm(map);
	uint32_t path[LPM_DATA_MAX * 8 + 2], depth = 0, plen = 0, n, found = LPM_NONE;
	int ret = -ENOENT;

	pthread_rwlock_rdlock(&t->lock);
	if (!t->root)
		goto out;
	if (key)
		memcpy(&plen, key, 4);
	/* Find the key's node, remembering the path to it. */
	if (key && plen <= t->data_size * 8) {
		const uint8_t *data = (const uint8_t *)key + 4;

		for (n = t->root; n;) {
			uint32_t i = n - 1, np = t->nodes[i].prefixlen;

			if (np > plen || common_bits(node_data(t, i), data, np) < np)
				break;
			path[depth++] = i;
			if (np == plen) {
				if (!t->nodes[i].intermediate)
					found = i;
				break;
			}
			n = t->nodes[i].child[bit_at(data, np)];
		}
	}
	if (found == LPM_NONE) {
		found = postorder_first(t, t->root);
		ret = 0;
		goto copy;
	}
	/* Climb: the next in post-order is a right sibling's subtree, else a parent with a value. */
	while (depth > 1) {
		uint32_t x = path[--depth], p = path[depth - 1];

		if (t->nodes[p].child[0] == x + 1 && t->nodes[p].child[1]) {
			found = postorder_first(t, t->nodes[p].child[1]);
			ret = 0;
			goto copy;
		}
		if (!t->nodes[p].intermediate) {
			found = p;
			ret = 0;
			goto copy;
		}
	}
	goto out;
copy:
	memcpy(next, t->keys + (size_t)found * map->key_size, map->key_size);
out:
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

static int lpm_next_at(struct userbpf_map *map, uint64_t *pos, void *key)
{
	struct lpm *t = to_lpm(map);
	int ret = -ENOENT;
	uint64_t i;

	/* Pool order; a pool slot is live when it is reachable, so rebuild a mark per call. */
	pthread_rwlock_rdlock(&t->lock);
	for (i = *pos; i < t->nnodes; i++) {
		uint32_t plen;
		const uint8_t *k = t->keys + i * map->key_size;

		memcpy(&plen, k, 4);
		if (t->nodes[i].intermediate || lpm_match(t, plen, k + 4) != i)
			continue;
		memcpy(key, k, map->key_size);
		ret = 0;
		break;
	}
	*pos = i + (ret == 0);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

const struct map_ops map_lpm_ops = {
	.alloc = lpm_alloc,
	.free = lpm_free,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.remove = lpm_remove,
	.lookup_host = lpm_lookup_host,
	.update_host = lpm_update,
	.lookup_and_delete = lpm_lookup_and_delete,
	.get_next_key = lpm_get_next_key,
	.next_at = lpm_next_at,
};
