/* SPDX-License-Identifier: MIT */
/*
 * map_dump.c - a created map's contents in `bpftool map dump`'s plain layout (what
 * `userbpf prog run --dump-maps` prints): "key: .. value: .." on one line when key and value
 * together fit in 24 bytes and neither exceeds 16, else on separate lines; per-CPU values one
 * line per CPU ("value (CPU 00): .."); hex bytes grouped by 8 with a line break every 16;
 * "Found N element(s)" last. Maps without keys (queue, stack, ringbuf, bloom filter) are not
 * dumpable, as with bpftool.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define C "loader"

static void hex(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i % 16 == 0 ? "\n" : i % 8 == 0 ? "  " : " ";

		buf_printf(b, "%s%02x", sep, p[i]);
	}
}

static bool per_cpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static void entry(struct buf *b, struct userbpf_map *m, const uint8_t *key, const uint8_t *val)
{
	uint32_t ks = userbpf_map_key_size(m), vs = userbpf_map_value_size(m);
	uint32_t type = userbpf_map_type(m);

	if (per_cpu(type)) {
		uint32_t step = (vs + 7) / 8 * 8;

		buf_printf(b, "key:\n");
		hex(b, key, ks);
		buf_printf(b, "\n");
		for (uint32_t cpu = 0; cpu < userbpf_map_ncpus(m); cpu++) {
			buf_printf(b, "value (CPU %02u):%c", cpu, vs > 16 ? '\n' : ' ');
			hex(b, val + (size_t)cpu * step, vs);
			buf_printf(b, "\n");
		}
		return;
	}
	bool break_names = ks > 16 || vs > 16;
	bool single = ks + vs <= 24 && !break_names;

	if (ks) {
		buf_printf(b, "key:%c", break_names ? '\n' : ' ');
		hex(b, key, ks);
		buf_printf(b, single ? "  " : "\n");
	}
	if (type == BPF_MAP_TYPE_PROG_ARRAY)
		buf_printf(b, "value: %s", userbpf_map_lookup_prog(m, key) ? "(program)" : "(none)");
	else if (type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS)
		buf_printf(b, "value: %s",
			   userbpf_map_lookup_map(m, key) ? userbpf_map_name(userbpf_map_lookup_map(m, key))
							  : "(none)");
	else if (vs) {
		buf_printf(b, "value:%c", break_names ? '\n' : ' ');
		hex(b, val, vs);
	}
	buf_printf(b, "\n");
}

static int dump(struct userbpf_map *m, struct buf *b, struct userbpf_error *err)
{
	uint32_t ks = userbpf_map_key_size(m), type = userbpf_map_type(m);
	size_t vsz = userbpf_map_value_size_host(m);
	uint8_t *key, *next, *val;
	uint32_t found = 0;
	bool first = true;
	int ret = 0;

	if (ks == 0 || type == BPF_MAP_TYPE_BLOOM_FILTER)
		return err_set(err, -EOPNOTSUPP, C, -1, "map '%s' (type %u) has no keys to dump",
			       userbpf_map_name(m), type);
	key = calloc(1, ks);
	next = calloc(1, ks);
	val = calloc(1, vsz ? vsz : 1);
	if (!key || !next || !val) {
		ret = err_set(err, -ENOMEM, C, -1, "out of memory");
		goto out;
	}
	for (;;) {
		ret = userbpf_map_get_next_key(m, first ? NULL : key, next, NULL);
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret < 0) {
			ret = err_set(err, ret, C, -1, "map '%s': get_next_key failed",
				      userbpf_map_name(m));
			break;
		}
		first = false;
		memcpy(key, next, ks);
		if (type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		    type == BPF_MAP_TYPE_HASH_OF_MAPS) {
			if (type == BPF_MAP_TYPE_PROG_ARRAY && !userbpf_map_lookup_prog(m, key))
				continue; /* bpftool lists only occupied slots */
		} else if (userbpf_map_lookup(m, key, val, 0, NULL) < 0) {
			continue; /* deleted meanwhile */
		}
		entry(b, m, key, val);
		found++;
	}
	if (ret == 0)
		buf_printf(b, "Found %u element%s\n", found, found == 1 ? "" : "s");
out:
	free(key);
	free(next);
	free(val);
	return ret;
}

int userbpf_object_map_dump(const struct userbpf_object_map *map, char *out, size_t len,
			    struct userbpf_error *err)
{
	struct buf b = {0};
	int ret;

	if (!map || !map->map)
		return err_set(err, -EINVAL, C, -1, "dump: map '%s' is not created (load first)",
			       map ? map->name : "(null)");
	ret = dump(map->map, &b, err);
	if (ret == 0) {
		if (out && len) {
			size_t n = b.len < len - 1 ? b.len : len - 1;

			if (n)
				memcpy(out, b.data, n);
			out[n] = 0;
		}
		ret = b.len > INT32_MAX ? INT32_MAX : (int)b.len;
	}
	buf_free(&b);
	return ret;
}
