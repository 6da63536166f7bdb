/* SPDX-License-Identifier: MIT */
/*
 * maps_def.c - the maps an object declares, read (not created) at open time:
 *  - BTF-defined maps in `.maps`: each variable's struct type is read member by member, as
 *    libbpf's macros encode it (__uint(name, N) is `int (*name)[N]`, __type(name, T) is
 *    `T *name`, __array(values, T) is `T *values[]`), with inner-map templates for
 *    map-in-map and initial prog_array / map-in-map slots from `.rel.maps`;
 *  - legacy maps in `maps`: one struct bpf_map_def per symbol;
 *  - global data: every .data*, .rodata*, .bss* section is a one-entry array map whose value
 *    is the section (.rodata* read-only for programs and frozen once written).
 * BTF is parsed with libbpf's btf API (btf__new and friends).
 */
#include <bpf/btf.h>
#include <bpf/libbpf_legacy.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define C "elf"
#define MAX_DATA_SIZE (1u << 28) /* a global data section larger than this is refused */
#define MOD_DEPTH 32             /* BTF modifier chains longer than this are malformed */

static struct userbpf_object_map *map_new(struct userbpf_object *obj, const char *name,
					  enum obj_map_kind kind)
{
	struct userbpf_object_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->obj = obj;
	m->kind = kind;
	m->values_off = UINT32_MAX;
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

static void map_free(struct userbpf_object_map *m)
{
	if (!m)
		return;
	map_free(m->inner);
	free(m->init_owned);
	free(m->slots);
	free(m);
}

static int map_add(struct userbpf_object *obj, struct userbpf_object_map *m,
		   struct userbpf_error *err)
{
	struct userbpf_object_map **grown;

	for (uint32_t i = 0; i < obj->nmaps; i++)
		if (strcmp(obj->maps[i]->name, m->name) == 0) {
			err_set(err, -EINVAL, C, -1,
				"section %u (%s) offset 0x%llx: a second map named '%s'", m->sec_idx,
				obj->secs[m->sec_idx].name, (unsigned long long)m->sec_off, m->name);
			map_free(m);
			return -EINVAL;
		}
	grown = realloc(obj->maps, (obj->nmaps + 1) * sizeof(*obj->maps));
	if (!grown) {
		map_free(m);
		return err_set(err, -ENOMEM, C, -1, "out of memory");
	}
	obj->maps = grown;
	obj->maps[obj->nmaps++] = m;
	return 0;
}

void maps_free(struct userbpf_object *obj)
{
	for (uint32_t i = 0; i < obj->nmaps; i++)
		map_free(obj->maps[i]);
	free(obj->maps);
	obj->maps = NULL;
	obj->nmaps = 0;
}

int maps_find_at(const struct userbpf_object *obj, uint32_t sec, uint64_t off)
{
	for (uint32_t i = 0; i < obj->nmaps; i++)
		if (obj->maps[i]->kind != OBJ_MAP_DATA && obj->maps[i]->sec_idx == sec &&
		    obj->maps[i]->sec_off == off)
			return (int)i;
	return -1;
}

int maps_find_data(const struct userbpf_object *obj, uint32_t sec)
{
	for (uint32_t i = 0; i < obj->nmaps; i++)
		if (obj->maps[i]->kind == OBJ_MAP_DATA && obj->maps[i]->sec_idx == sec)
			return (int)i;
	return -1;
}

/* ---- BTF-defined maps ------------------------------------------------------------------ */

/* Skip typedefs and const/volatile/restrict/type tags; NULL (with *id 0) when malformed. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t *id)
{
	for (int depth = 0; depth < MOD_DEPTH; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, *id);

		if (!t)
			return NULL;
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			return t;
		*id = t->type;
	}
	return NULL;
}

struct def_ctx {
	struct userbpf_object *obj;
	const char *map; /* for messages */
	uint32_t sec;
	uint64_t off;
	struct userbpf_error *err;
};

static int def_error(const struct def_ctx *c, const char *member, const char *what)
{
	return err_set(c->err, -EINVAL, C, -1,
		       "section %u (.maps) offset 0x%llx: map '%s': member '%s' %s", c->sec,
		       (unsigned long long)c->off, c->map, member, what);
}

/* __uint(name, N): a pointer to an array of N elements. */
static int member_uint(const struct def_ctx *c, const struct btf_member *m, const char *name,
		       uint32_t *out)
{
	const struct btf *btf = c->obj->btf;
	uint32_t id = m->type;
	const struct btf_type *t = skip_mods(btf, &id);

	if (!t || !btf_is_ptr(t))
		return def_error(c, name, "is not __uint(): not a pointer type");
	id = t->type;
	t = skip_mods(btf, &id);
	if (!t || !btf_is_array(t))
		return def_error(c, name, "is not __uint(): not a pointer to an array");
	*out = btf_array(t)->nelems;
	return 0;
}

/* __type(name, T): a pointer to T; the type id and its size. */
static int member_type(const struct def_ctx *c, const struct btf_member *m, const char *name,
		       uint32_t *type_id, uint32_t *size)
{
	const struct btf *btf = c->obj->btf;
	uint32_t id = m->type;
	const struct btf_type *t = skip_mods(btf, &id);
	int64_t sz;

	if (!t || !btf_is_ptr(t))
		return def_error(c, name, "is not __type(): not a pointer type");
	sz = btf__resolve_size(btf, t->type);
	if (sz < 0 || sz > UINT32_MAX)
		return def_error(c, name, "has a type without a size");
	*type_id = t->type;
	*size = (uint32_t)sz;
	return 0;
}

static int parse_def(const struct def_ctx *c, uint32_t type_id, struct userbpf_object_map *m,
		     uint32_t *values_off, bool inner);

/* __array(values, T): T *values[]; for map-in-map T is the inner map's definition. */
static int member_values(const struct def_ctx *c, const struct btf_member *mb,
			 struct userbpf_object_map *m, bool inner)
{
	const struct btf *btf = c->obj->btf;
	uint32_t id = mb->type;
	const struct btf_type *t = skip_mods(btf, &id);
	uint32_t dummy;

	if (inner)
		return def_error(c, "values", "is not allowed in an inner map");
	if (!t || !btf_is_array(t))
		return def_error(c, "values", "is not __array(): not an array");
	id = btf_array(t)->type;
	t = skip_mods(btf, &id);
	if (!t || !btf_is_ptr(t))
		return def_error(c, "values", "is not __array(): elements are not pointers");
	id = t->type;
	t = skip_mods(btf, &id);
	if (!t)
		return def_error(c, "values", "has a bad element type");
	if (btf_is_func_proto(t))
		return 0; /* prog_array: values are programs */
	if (!btf_is_struct(t))
		return def_error(c, "values", "must point to programs or to an inner map definition");
	m->inner = map_new(c->obj, m->name, OBJ_MAP_BTF);
	if (!m->inner)
		return err_set(c->err, -ENOMEM, C, -1, "out of memory");
	m->inner->is_inner_template = true;
	return parse_def(c, id, m->inner, &dummy, true);
}

static int parse_def(const struct def_ctx *c, uint32_t type_id, struct userbpf_object_map *m,
		     uint32_t *values_off, bool inner)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *t = skip_mods(btf, &type_id);
	const struct btf_member *mb;
	int ret = 0;

	*values_off = UINT32_MAX;
	if (!t || !btf_is_struct(t))
		return err_set(c->err, -EINVAL, C, -1,
			       "section %u (.maps) offset 0x%llx: map '%s': its type is not a struct",
			       c->sec, (unsigned long long)c->off, c->map);
	mb = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t) && ret == 0; i++, mb++) {
		const char *name = btf__name_by_offset(btf, mb->name_off);
		uint32_t ks = 0, vs = 0, v32 = 0;

		if (!name)
			return def_error(c, "?", "has a bad name offset");
		if (strcmp(name, "type") == 0) {
			ret = member_uint(c, mb, name, &m->type);
		} else if (strcmp(name, "max_entries") == 0) {
			ret = member_uint(c, mb, name, &m->max_entries);
		} else if (strcmp(name, "map_flags") == 0) {
			ret = member_uint(c, mb, name, &m->map_flags);
		} else if (strcmp(name, "numa_node") == 0) {
			ret = member_uint(c, mb, name, &m->numa_node);
		} else if (strcmp(name, "pinning") == 0) {
			ret = member_uint(c, mb, name, &m->pinning);
			if (ret == 0 && m->pinning > 1) /* LIBBPF_PIN_NONE, LIBBPF_PIN_BY_NAME */
				return def_error(c, name, "has an unknown pinning value");
		} else if (strcmp(name, "map_extra") == 0) {
			ret = member_uint(c, mb, name, &v32);
			m->map_extra = v32;
		} else if (strcmp(name, "key_size") == 0) {
			ret = member_uint(c, mb, name, &ks);
			if (ret == 0 && m->key_size && m->key_size != ks)
				return def_error(c, name, "conflicts with the key type's size");
			m->key_size = ks;
		} else if (strcmp(name, "value_size") == 0) {
			ret = member_uint(c, mb, name, &vs);
			if (ret == 0 && m->value_size && m->value_size != vs)
				return def_error(c, name, "conflicts with the value type's size");
			m->value_size = vs;
		} else if (strcmp(name, "key") == 0) {
			ret = member_type(c, mb, name, &m->btf_key_type, &ks);
			if (ret == 0 && m->key_size && m->key_size != ks)
				return def_error(c, name, "conflicts with key_size");
			m->key_size = ks;
		} else if (strcmp(name, "value") == 0) {
			ret = member_type(c, mb, name, &m->btf_value_type, &vs);
			if (ret == 0 && m->value_size && m->value_size != vs)
				return def_error(c, name, "conflicts with value_size");
			m->value_size = vs;
		} else if (strcmp(name, "values") == 0) {
			*values_off = btf_member_bit_offset(t, i) / 8;
			ret = member_values(c, mb, m, inner);
		} else {
			return def_error(c, name, "is unknown (libbpf's map definitions know type, "
						  "key, value, key_size, value_size, max_entries, "
						  "map_flags, numa_node, pinning, map_extra, values)");
		}
	}
	if (ret == 0 && m->type == BPF_MAP_TYPE_UNSPEC)
		return def_error(c, "type", "is missing");
	/* Map-in-map values are map ids to the kernel: 4 bytes when not given. */
	if (ret == 0 && m->inner && !m->value_size)
		m->value_size = 4;
	if (ret == 0 && m->type == BPF_MAP_TYPE_PROG_ARRAY && !m->value_size)
		m->value_size = 4;
	return ret;
}

/* Initial slots of one map from `.rel.maps` relocations inside its `values` member. */
static int collect_slots(struct userbpf_object *obj, struct userbpf_object_map *m,
			 uint32_t values_off, struct userbpf_error *err)
{
	for (uint32_t r = 1; r < obj->nsecs; r++) {
		const struct obj_sec *rs = &obj->secs[r];
		size_t n;

		if (rs->shdr.sh_type != SHT_REL || rs->shdr.sh_info != obj->maps_sec || !rs->data)
			continue;
		if (rs->shdr.sh_entsize != sizeof(Elf64_Rel) || rs->size % sizeof(Elf64_Rel))
			return err_set(err, -EINVAL, C, -1,
				       "section %u (%s): relocation entries are %zu bytes", r,
				       rs->name, sizeof(Elf64_Rel));
		n = rs->size / sizeof(Elf64_Rel);
		for (size_t i = 0; i < n; i++) {
			Elf64_Rel rel;
			uint64_t start = m->sec_off + values_off, off;
			size_t symi;
			const struct obj_sym *sym;
			struct obj_slot slot = {.prog = -1, .inner = -1};
			struct obj_slot *grown;

			memcpy(&rel, rs->data + i * sizeof(rel), sizeof(rel));
			off = rel.r_offset;
			if (off < start || off >= m->sec_off + m->sym_size)
				continue;
			symi = ELF64_R_SYM(rel.r_info);
			if ((off - start) % 8 || symi >= obj->nsyms)
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: map '%s' slot "
					       "relocation at 0x%llx is misaligned or has symbol %zu "
					       "of %zu",
					       r, rs->name, i * sizeof(rel), m->name,
					       (unsigned long long)off, symi, obj->nsyms);
			sym = &obj->syms[symi];
			slot.key = (uint32_t)((off - start) / 8);
			if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
				for (uint32_t p = 0; p < obj->nprogs; p++)
					if (obj->progs[p].sec_idx == sym->sym.st_shndx &&
					    (uint64_t)obj->progs[p].sec_insn * 8 == sym->sym.st_value)
						slot.prog = (int)p;
				if (slot.prog < 0)
					return err_set(err, -EINVAL, C, -1,
						       "section %u (%s) offset 0x%zx: map '%s' slot "
						       "%u: '%s' is not a program of this object",
						       r, rs->name, i * sizeof(rel), m->name, slot.key,
						       sym->name);
			} else if (m->inner) {
				slot.inner = maps_find_at(obj, sym->sym.st_shndx, sym->sym.st_value);
				if (slot.inner < 0 || sym->sym.st_shndx != obj->maps_sec)
					return err_set(err, -EINVAL, C, -1,
						       "section %u (%s) offset 0x%zx: map '%s' slot "
						       "%u: '%s' is not a map of this object",
						       r, rs->name, i * sizeof(rel), m->name, slot.key,
						       sym->name);
			} else {
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: map '%s' has initial "
					       "values but is neither a prog_array nor a map of maps",
					       r, rs->name, i * sizeof(rel), m->name);
			}
			if (slot.key >= m->max_entries)
				return err_set(err, -E2BIG, C, -1,
					       "map '%s': initial value for slot %u but max_entries "
					       "is %u",
					       m->name, slot.key, m->max_entries);
			grown = realloc(m->slots, (m->nslots + 1) * sizeof(*m->slots));
			if (!grown)
				return err_set(err, -ENOMEM, C, -1, "out of memory");
			m->slots = grown;
			m->slots[m->nslots++] = slot;
		}
	}
	return 0;
}

static int load_btf(struct userbpf_object *obj, struct userbpf_error *err)
{
	const struct obj_sec *s;
	struct btf *btf;
	long e;

	if (!obj->btf_sec || obj->btf)
		return 0;
	s = &obj->secs[obj->btf_sec];
	if (!s->data || s->size == 0 || s->size > UINT32_MAX)
		return err_set(err, -EINVAL, C, -1, "section %u (.BTF): empty or too large (%zu)",
			       obj->btf_sec, s->size);
	btf = btf__new(s->data, (uint32_t)s->size);
	e = libbpf_get_error(btf);
	if (e)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.BTF) offset 0: malformed BTF (libbpf: %s)",
			       obj->btf_sec, strerror((int)-e));
	obj->btf = btf;
	return 0;
}

static int collect_btf_maps(struct userbpf_object *obj, struct userbpf_error *err)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *ds;
	int ds_id;
	int ret;

	if (!obj->maps_sec)
		return 0;
	if (!obj->btf)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.maps): BTF-defined maps need a .BTF section",
			       obj->maps_sec);
	ds_id = btf__find_by_name_kind(obj->btf, ".maps", BTF_KIND_DATASEC);
	if (ds_id < 0)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.maps): no DATASEC '.maps' in the object's BTF",
			       obj->maps_sec);
	ds = btf__type_by_id(obj->btf, (uint32_t)ds_id);
	vs = btf_var_secinfos(ds);
	for (uint16_t i = 0; i < btf_vlen(ds); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(obj->btf, vs->type);
		const char *name = var ? btf__name_by_offset(obj->btf, var->name_off) : NULL;
		const struct obj_sym *sym = NULL;
		struct userbpf_object_map *m;
		struct def_ctx c;
		uint32_t values_off;

		if (!var || !btf_is_var(var) || !name)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.BTF): DATASEC '.maps' entry %u is not a variable",
				       obj->btf_sec, i);
		for (size_t k = 0; k < obj->nsyms; k++)
			if (obj->syms[k].sym.st_shndx == obj->maps_sec &&
			    strcmp(obj->syms[k].name, name) == 0)
				sym = &obj->syms[k];
		if (!sym)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.maps): map '%s' in BTF has no ELF symbol",
				       obj->maps_sec, name);
		if (sym->sym.st_value > obj->secs[obj->maps_sec].size ||
		    sym->sym.st_size > obj->secs[obj->maps_sec].size - sym->sym.st_value)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.maps) offset 0x%llx: map '%s' of size %llu runs "
				       "past the section",
				       obj->maps_sec, (unsigned long long)sym->sym.st_value, name,
				       (unsigned long long)sym->sym.st_size);
		m = map_new(obj, name, OBJ_MAP_BTF);
		if (!m)
			return err_set(err, -ENOMEM, C, -1, "out of memory");
		m->sec_idx = obj->maps_sec;
		m->sec_off = sym->sym.st_value;
		m->sym_size = sym->sym.st_size;
		c = (struct def_ctx){obj, m->name, obj->maps_sec, m->sec_off, err};
		ret = parse_def(&c, var->type, m, &values_off, false);
		if (ret < 0) {
			map_free(m);
			return ret;
		}
		/* Slots may name maps declared later: they are resolved after this loop. */
		m->values_off = values_off;
		if ((ret = map_add(obj, m, err)) < 0)
			return ret;
	}
	for (uint32_t i = 0; i < obj->nmaps; i++) {
		struct userbpf_object_map *m = obj->maps[i];

		if (m->kind != OBJ_MAP_BTF || m->values_off == UINT32_MAX)
			continue;
		if ((ret = collect_slots(obj, m, m->values_off, err)) < 0)
			return ret;
	}
	return 0;
}

/* ---- legacy `maps` section ------------------------------------------------------------ */

/* struct bpf_map_def as libbpf's old headers declared it: five u32 fields. */
#define LEGACY_DEF_SIZE 20

static int collect_legacy_maps(struct userbpf_object *obj, struct userbpf_error *err)
{
	const struct obj_sec *s;
	int ret;

	if (!obj->legacy_maps_sec)
		return 0;
	s = &obj->secs[obj->legacy_maps_sec];
	if (!s->data)
		return err_set(err, -EINVAL, C, -1, "section %u (maps): no contents",
			       obj->legacy_maps_sec);
	for (size_t k = 0; k < obj->nsyms; k++) {
		const struct obj_sym *sym = &obj->syms[k];
		struct userbpf_object_map *m;
		uint32_t f[5];
		uint64_t off = sym->sym.st_value, size = sym->sym.st_size;

		if (sym->sym.st_shndx != obj->legacy_maps_sec ||
		    GELF_ST_TYPE(sym->sym.st_info) == STT_SECTION || !sym->name[0])
			continue;
		if (size < LEGACY_DEF_SIZE || off > s->size || size > s->size - off)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (maps) offset 0x%llx: map '%s' definition of %llu "
				       "bytes is outside the section (size %zu) or smaller than "
				       "struct bpf_map_def (%d)",
				       obj->legacy_maps_sec, (unsigned long long)off, sym->name,
				       (unsigned long long)size, s->size, LEGACY_DEF_SIZE);
		/* Fields this loader does not know must be zero, as libbpf required. */
		for (uint64_t b = LEGACY_DEF_SIZE; b < size; b++)
			if (s->data[off + b])
				return err_set(err, -EINVAL, C, -1,
					       "section %u (maps) offset 0x%llx: map '%s' has unknown "
					       "non-zero definition fields",
					       obj->legacy_maps_sec, (unsigned long long)(off + b),
					       sym->name);
		memcpy(f, s->data + off, sizeof(f));
		m = map_new(obj, sym->name, OBJ_MAP_LEGACY);
		if (!m)
			return err_set(err, -ENOMEM, C, -1, "out of memory");
		m->type = f[0];
		m->key_size = f[1];
		m->value_size = f[2];
		m->max_entries = f[3];
		m->map_flags = f[4];
		m->sec_idx = obj->legacy_maps_sec;
		m->sec_off = off;
		m->sym_size = size;
		if ((ret = map_add(obj, m, err)) < 0)
			return ret;
	}
	return 0;
}

/* ---- global data ---------------------------------------------------------------------- */

static int collect_data_maps(struct userbpf_object *obj, struct userbpf_error *err)
{
	int ret;

	for (uint32_t i = 1; i < obj->nsecs; i++) {
		const struct obj_sec *s = &obj->secs[i];
		struct userbpf_object_map *m;
		int ds;

		if (!elf_sec_is_data(s) || s->size == 0)
			continue;
		if (s->size > MAX_DATA_SIZE)
			return err_set(err, -E2BIG, C, -1,
				       "section %u (%s): %zu bytes of global data (at most %u)", i,
				       s->name, s->size, MAX_DATA_SIZE);
		m = map_new(obj, s->name, OBJ_MAP_DATA);
		if (!m)
			return err_set(err, -ENOMEM, C, -1, "out of memory");
		m->type = BPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = (uint32_t)s->size;
		m->max_entries = 1;
		m->sec_idx = i;
		m->init = s->data;
		m->readonly = strncmp(s->name, ".rodata", 7) == 0;
		if (m->readonly)
			m->map_flags = BPF_F_RDONLY_PROG;
		if (obj->btf) {
			ds = btf__find_by_name_kind(obj->btf, s->name, BTF_KIND_DATASEC);
			if (ds > 0) {
				m->btf_key_type = 0;
				m->btf_value_type = (uint32_t)ds;
			}
		}
		if ((ret = map_add(obj, m, err)) < 0)
			return ret;
	}
	return 0;
}

int maps_collect(struct userbpf_object *obj, struct userbpf_error *err)
{
	int ret;

	if ((ret = load_btf(obj, err)) < 0 || (ret = collect_btf_maps(obj, err)) < 0 ||
	    (ret = collect_legacy_maps(obj, err)) < 0 || (ret = collect_data_maps(obj, err)) < 0)
		return ret;
	return 0;
}
