/* SPDX-License-Identifier: MIT */
/*
 * describe.c - a human-readable summary of an object (what `userbpf obj show` prints):
 * programs with their section, type and size; maps with type, key/value sizes and the BTF
 * types of key and value, max_entries, flags and initial slots. Map type names are bpftool's.
 */
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"

static const char *const map_type_names[] = {
	[BPF_MAP_TYPE_UNSPEC] = "unspec",
	[BPF_MAP_TYPE_HASH] = "hash",
	[BPF_MAP_TYPE_ARRAY] = "array",
	[BPF_MAP_TYPE_PROG_ARRAY] = "prog_array",
	[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = "perf_event_array",
	[BPF_MAP_TYPE_PERCPU_HASH] = "percpu_hash",
	[BPF_MAP_TYPE_PERCPU_ARRAY] = "percpu_array",
	[BPF_MAP_TYPE_STACK_TRACE] = "stack_trace",
	[BPF_MAP_TYPE_CGROUP_ARRAY] = "cgroup_array",
	[BPF_MAP_TYPE_LRU_HASH] = "lru_hash",
	[BPF_MAP_TYPE_LRU_PERCPU_HASH] = "lru_percpu_hash",
	[BPF_MAP_TYPE_LPM_TRIE] = "lpm_trie",
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = "array_of_maps",
	[BPF_MAP_TYPE_HASH_OF_MAPS] = "hash_of_maps",
	[BPF_MAP_TYPE_DEVMAP] = "devmap",
	[BPF_MAP_TYPE_SOCKMAP] = "sockmap",
	[BPF_MAP_TYPE_CPUMAP] = "cpumap",
	[BPF_MAP_TYPE_XSKMAP] = "xskmap",
	[BPF_MAP_TYPE_SOCKHASH] = "sockhash",
	[BPF_MAP_TYPE_CGROUP_STORAGE] = "cgroup_storage",
	[BPF_MAP_TYPE_REUSEPORT_SOCKARRAY] = "reuseport_sockarray",
	[BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE] = "percpu_cgroup_storage",
	[BPF_MAP_TYPE_QUEUE] = "queue",
	[BPF_MAP_TYPE_STACK] = "stack",
	[BPF_MAP_TYPE_SK_STORAGE] = "sk_storage",
	[BPF_MAP_TYPE_DEVMAP_HASH] = "devmap_hash",
	[BPF_MAP_TYPE_STRUCT_OPS] = "struct_ops",
	[BPF_MAP_TYPE_RINGBUF] = "ringbuf",
	[BPF_MAP_TYPE_INODE_STORAGE] = "inode_storage",
	[BPF_MAP_TYPE_TASK_STORAGE] = "task_storage",
	[BPF_MAP_TYPE_BLOOM_FILTER] = "bloom_filter",
	[BPF_MAP_TYPE_USER_RINGBUF] = "user_ringbuf",
};

static const char *map_type_name(uint32_t t)
{
	if (t < ARRAY_SIZE(map_type_names) && map_type_names[t])
		return map_type_names[t];
	return "unknown";
}

/* A C-like name for a BTF type: "struct route", "__u32", "__u8[16]", "void *". */
static void type_name(const struct btf *btf, uint32_t id, char *out, size_t len, int depth)
{
	const struct btf_type *t = btf ? btf__type_by_id(btf, id) : NULL;
	const char *name;
	char inner[96];

	if (!t || depth > 8) {
		snprintf(out, len, "?");
		return;
	}
	if (id == 0) {
		snprintf(out, len, "void");
		return;
	}
	name = btf__name_by_offset(btf, t->name_off);
	if (!name)
		name = "";
	if (btf_is_struct(t) || btf_is_union(t) || btf_is_enum(t) || btf_is_fwd(t)) {
		snprintf(out, len, "%s %s", btf_is_struct(t) ? "struct" : btf_is_union(t) ? "union"
						 : btf_is_enum(t)			   ? "enum"
												   : "fwd",
			 name[0] ? name : "(anon)");
	} else if (btf_is_ptr(t)) {
		type_name(btf, t->type, inner, sizeof(inner), depth + 1);
		snprintf(out, len, "%s *", inner);
	} else if (btf_is_array(t)) {
		type_name(btf, btf_array(t)->type, inner, sizeof(inner), depth + 1);
		snprintf(out, len, "%s[%u]", inner, btf_array(t)->nelems);
	} else if (btf_is_const(t) || btf_is_volatile(t)) {
		type_name(btf, t->type, inner, sizeof(inner), depth + 1);
		snprintf(out, len, "%s %s", btf_is_const(t) ? "const" : "volatile", inner);
	} else {
		snprintf(out, len, "%s", name[0] ? name : "(anon)");
	}
}

size_t describe_object(const struct userbpf_object *obj, struct buf *b)
{
	buf_printf(b, "object %s: license \"%s\", %u program%s, %u map%s, BTF %s\n", obj->name,
		   obj->license, obj->nprogs, obj->nprogs == 1 ? "" : "s", obj->nmaps,
		   obj->nmaps == 1 ? "" : "s", obj->btf ? "yes" : "no");
	for (uint32_t i = 0; i < obj->nprogs; i++) {
		const struct userbpf_object_prog *p = &obj->progs[i];

		buf_printf(b, "prog %s: section %s, type %s, %u insns (%u own), %u source lines%s",
			   p->name, p->section, progs_type_name(p->type), p->n, p->own_insns,
			   p->nlines, p->autoload ? "" : ", autoload off");
		if (p->core_relos)
			buf_printf(b, ", %u CO-RE relocations (not supported)", p->core_relos);
		buf_printf(b, "\n");
	}
	for (uint32_t i = 0; i < obj->nmaps; i++) {
		const struct userbpf_object_map *m = obj->maps[i];
		char kt[128] = "", vt[128] = "";

		if (m->btf_key_type)
			type_name(obj->btf, m->btf_key_type, kt, sizeof(kt), 0);
		if (m->btf_value_type)
			type_name(obj->btf, m->btf_value_type, vt, sizeof(vt), 0);
		buf_printf(b, "map %s: type %s, key %u%s%s%s, value %u%s%s%s, max_entries %u, "
			      "flags 0x%x",
			   m->name, map_type_name(m->type), m->key_size, kt[0] ? " (" : "", kt,
			   kt[0] ? ")" : "", m->value_size, vt[0] ? " (" : "", vt, vt[0] ? ")" : "",
			   m->max_entries, m->map_flags);
		if (m->kind == OBJ_MAP_DATA)
			buf_printf(b, ", global data%s", m->readonly ? " (frozen)" : "");
		if (m->kind == OBJ_MAP_LEGACY)
			buf_printf(b, ", legacy definition");
		if (m->pinning)
			buf_printf(b, ", pinned by name");
		if (m->inner)
			buf_printf(b, ", inner %s key %u value %u max_entries %u",
				   map_type_name(m->inner->type), m->inner->key_size,
				   m->inner->value_size, m->inner->max_entries);
		for (uint32_t s = 0; s < m->nslots; s++)
			buf_printf(b, "%s[%u] = %s", s ? ", " : ", initial ", m->slots[s].key,
				   m->slots[s].prog >= 0 ? obj->progs[m->slots[s].prog].name
							 : obj->maps[m->slots[s].inner]->name);
		buf_printf(b, "\n");
	}
	return b->len;
}
