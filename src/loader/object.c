/* SPDX-License-Identifier: MIT */
/*
 * object.c - the public object API: open (run the parsing passes of loader.h over a private
 * copy of the file), options before load, load (maps, then programs with the maps as their
 * fd_array, then prog_array / map-in-map slots), lookups, iteration, running and freeing.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define C "loader"

static void base_name(char *out, size_t len, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 2 && strcmp(b + n - 2, ".o") == 0)
		n -= 2;
	if (n >= len)
		n = len - 1;
	memcpy(out, b, n);
	out[n] = 0;
}

static void free_progs(struct userbpf_object *obj)
{
	for (uint32_t i = 0; i < obj->nprogs; i++) {
		struct userbpf_object_prog *p = &obj->progs[i];

		userbpf_prog_free(p->prog);
		free(p->insns);
		free(p->orig_sec);
		free(p->orig_insn);
		free(p->lines);
	}
	free(obj->progs);
	obj->progs = NULL;
	obj->nprogs = 0;
}

void userbpf_object_free(struct userbpf_object *obj)
{
	if (!obj)
		return;
	if (obj->loaded)
		obj_maps_clear_slots(obj);
	free_progs(obj);
	obj_maps_destroy(obj);
	maps_free(obj);
	btf__free(obj->btf);
	elf_close(obj);
	free(obj->image);
	free(obj);
}

struct userbpf_object *userbpf_object_open_mem(const void *data, size_t len,
					       const struct userbpf_object_open_opts *opts,
					       struct userbpf_error *err)
{
	struct userbpf_object *obj;
	const char *name = "mem";

	if (!data && len) {
		err_set(err, -EINVAL, C, -1, "open: the object buffer is NULL");
		return NULL;
	}
	if (opts && opts->sz < sizeof(size_t)) {
		err_set(err, -EINVAL, C, -1, "open options: sz %zu is too small", opts->sz);
		return NULL;
	}
	if (opts && opts->sz >= offsetof(struct userbpf_object_open_opts, name) + sizeof(char *) &&
	    opts->name)
		name = opts->name;
	obj = calloc(1, sizeof(*obj));
	if (!obj || !(obj->image = malloc(len ? len : 1))) {
		free(obj);
		err_set(err, -ENOMEM, C, -1, "out of memory");
		return NULL;
	}
	if (len)
		memcpy(obj->image, data, len);
	obj->image_len = len;
	snprintf(obj->name, sizeof(obj->name), "%s", name);
	if (elf_open(obj, err) < 0 || progs_collect(obj, err) < 0 || maps_collect(obj, err) < 0 ||
	    reloc_apply(obj, err) < 0 || btf_ext_lines(obj, err) < 0) {
		userbpf_object_free(obj);
		return NULL;
	}
	return obj;
}

struct userbpf_object *userbpf_object_open_file(const char *path,
						const struct userbpf_object_open_opts *opts,
						struct userbpf_error *err)
{
	struct userbpf_object_open_opts o = {.sz = sizeof(o)};
	struct userbpf_object *obj;
	char name[LOADER_NAME_MAX];
	char *data;
	size_t len;

	if (!path) {
		err_set(err, -EINVAL, C, -1, "open: the path is NULL");
		return NULL;
	}
	if (file_read(path, &data, &len, err) < 0)
		return NULL;
	if (opts && opts->sz >= sizeof(o))
		o = *opts;
	if (!o.name) {
		base_name(name, sizeof(name), path);
		o.name = name;
	}
	obj = userbpf_object_open_mem(data, len, &o, err);
	free(data);
	return obj;
}

/* Copy s after dst[*used], truncating at cap. */
static void append(char *dst, size_t cap, size_t *used, const char *s)
{
	size_t n = strlen(s);

	if (*used + 1 >= cap)
		return;
	if (n > cap - 1 - *used)
		n = cap - 1 - *used;
	memcpy(dst + *used, s, n);
	*used += n;
	dst[*used] = 0;
}

/* "program 'NAME': <message> (file.c:LINE: source text)", keeping the instruction index. */
static void prefix_error(const struct userbpf_object_prog *p, struct userbpf_error *err)
{
	char msg[USERBPF_ERRMSG_MAX], num[24];
	size_t used = 0;
	const char *file = NULL, *src = NULL;
	uint32_t line = 0;

	if (err->insn >= 0)
		src = userbpf_object_prog_source_line(p, (size_t)err->insn, &file, &line);
	msg[0] = 0;
	append(msg, sizeof(msg), &used, "program '");
	append(msg, sizeof(msg), &used, p->name);
	append(msg, sizeof(msg), &used, "': ");
	append(msg, sizeof(msg), &used, err->message);
	if (src) {
		const char *base = strrchr(file, '/');

		snprintf(num, sizeof(num), ":%u: ", line);
		append(msg, sizeof(msg), &used, " (");
		append(msg, sizeof(msg), &used, base ? base + 1 : file);
		append(msg, sizeof(msg), &used, num);
		while (*src == ' ' || *src == '\t')
			src++;
		append(msg, sizeof(msg), &used, src);
		append(msg, sizeof(msg), &used, ")");
	}
	memcpy(err->message, msg, sizeof(msg));
}

static int load_prog(struct userbpf_object *obj, struct userbpf_object_prog *p,
		     struct userbpf_map **maps, struct userbpf_error *err)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .maps = maps, .nmaps = obj->nmaps);

	if (p->type == BPF_PROG_TYPE_UNSPEC)
		return err_set(err, -EINVAL, C, -1,
			       "program '%s': section '%s' is not a program type libbpf knows "
			       "(socket, xdp, tc, kprobe/..., userbpf/..., ...)",
			       p->name, p->section);
	if (p->core_relos)
		return err_set(err, -ENOTSUP, C, -1,
			       "program '%s': %u CO-RE relocations (BPF_CORE_READ, ...) cannot be "
			       "applied: userbpf has no kernel BTF to relocate against",
			       p->name, p->core_relos);
	p->prog = userbpf_prog_load(obj->env, p->insns, (size_t)p->n * sizeof(struct bpf_insn), &po,
				    err);
	if (!p->prog) {
		/* Say which program failed, keeping the instruction index. */
		if (err)
			prefix_error(p, err);
		return err ? err->code : -EINVAL;
	}
	return 0;
}

int userbpf_object_load(struct userbpf_object *obj, struct userbpf_env *env,
			struct userbpf_error *err)
{
	struct userbpf_map **maps;
	int ret;

	if (!obj || !env)
		return err_set(err, -EINVAL, C, -1, "load: %s is NULL",
			       obj ? "the environment" : "the object");
	if (obj->loaded)
		return err_set(err, -EBUSY, C, -1, "object '%s' is already loaded", obj->name);
	obj->env = env;
	if ((ret = obj_maps_create(obj, err)) < 0)
		goto fail;
	maps = obj_maps_array(obj, err);
	if (!maps) {
		ret = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < obj->nprogs; i++) {
		struct userbpf_object_prog *p = &obj->progs[i];

		if (p->autoload && (ret = load_prog(obj, p, maps, err)) < 0)
			break;
	}
	free(maps);
	obj->loaded = true;
	if (ret < 0 || (ret = obj_maps_fill_slots(obj, err)) < 0)
		goto fail;
	return 0;
fail:
	/* Leave the object as it was before load, so options can change and load retried. */
	if (obj->loaded)
		obj_maps_clear_slots(obj);
	for (uint32_t i = 0; i < obj->nprogs; i++) {
		userbpf_prog_free(obj->progs[i].prog);
		obj->progs[i].prog = NULL;
	}
	obj_maps_destroy(obj);
	obj->loaded = false;
	return ret;
}

const char *userbpf_object_name(const struct userbpf_object *obj)
{
	return obj ? obj->name : NULL;
}

const char *userbpf_object_license(const struct userbpf_object *obj)
{
	return obj ? obj->license : NULL;
}

struct userbpf_object_prog *userbpf_object_next_prog(const struct userbpf_object *obj,
						     const struct userbpf_object_prog *prev)
{
	size_t i;

	if (!obj || obj->nprogs == 0)
		return NULL;
	if (!prev)
		return &obj->progs[0];
	i = (size_t)(prev - obj->progs) + 1;
	return i < obj->nprogs ? &obj->progs[i] : NULL;
}

struct userbpf_object_map *userbpf_object_next_map(const struct userbpf_object *obj,
						   const struct userbpf_object_map *prev)
{
	if (!obj || obj->nmaps == 0)
		return NULL;
	if (!prev)
		return obj->maps[0];
	for (uint32_t i = 0; i + 1 < obj->nmaps; i++)
		if (obj->maps[i] == prev)
			return obj->maps[i + 1];
	return NULL;
}

struct userbpf_object_prog *userbpf_object_find_prog(const struct userbpf_object *obj,
						     const char *name)
{
	for (uint32_t i = 0; obj && name && i < obj->nprogs; i++)
		if (strcmp(obj->progs[i].name, name) == 0)
			return &obj->progs[i];
	return NULL;
}

struct userbpf_object_map *userbpf_object_find_map(const struct userbpf_object *obj,
						   const char *name)
{
	for (uint32_t i = 0; obj && name && i < obj->nmaps; i++)
		if (strcmp(obj->maps[i]->name, name) == 0)
			return obj->maps[i];
	return NULL;
}

const char *userbpf_object_prog_name(const struct userbpf_object_prog *prog)
{
	return prog ? prog->name : NULL;
}

const char *userbpf_object_prog_section(const struct userbpf_object_prog *prog)
{
	return prog ? prog->section : NULL;
}

uint32_t userbpf_object_prog_type(const struct userbpf_object_prog *prog)
{
	return prog ? prog->type : 0;
}

const char *userbpf_prog_type_name(uint32_t type)
{
	return progs_type_name(type);
}

size_t userbpf_object_prog_insn_count(const struct userbpf_object_prog *prog)
{
	return prog ? prog->n : 0;
}

const struct userbpf_insn *userbpf_object_prog_insns(const struct userbpf_object_prog *prog)
{
	return prog ? (const struct userbpf_insn *)prog->insns : NULL;
}

const char *userbpf_object_prog_source_line(const struct userbpf_object_prog *prog, size_t insn,
					    const char **file, uint32_t *line)
{
	size_t lo = 0, hi;
	const struct obj_line *l;

	if (!prog || !prog->nlines || insn >= prog->n)
		return NULL;
	/* The last line record at or before insn: a record covers the instructions after it. */
	hi = prog->nlines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prog->lines[mid].insn <= insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	l = &prog->lines[lo - 1];
	if (l->line == 0)
		return NULL; /* compiler-generated code with no source line */
	if (file)
		*file = l->file;
	if (line)
		*line = l->line;
	return l->text;
}

int userbpf_object_prog_set_autoload(struct userbpf_object_prog *prog, bool autoload)
{
	if (!prog)
		return -EINVAL;
	if (prog->obj->loaded)
		return -EBUSY;
	prog->autoload = autoload;
	return 0;
}

bool userbpf_object_prog_autoload(const struct userbpf_object_prog *prog)
{
	return prog && prog->autoload;
}

struct userbpf_prog *userbpf_object_prog_prog(const struct userbpf_object_prog *prog)
{
	return prog ? prog->prog : NULL;
}

int userbpf_object_prog_run(struct userbpf_object_prog *prog, void *mem, size_t len,
			    const struct userbpf_run_opts *opts, uint64_t *r0,
			    struct userbpf_error *err)
{
	int ret;

	if (!prog || !prog->prog)
		return err_set(err, -EINVAL, C, -1, "run: program '%s' is not loaded",
			       prog ? prog->name : "(null)");
	ret = userbpf_prog_run(prog->prog, mem, len, opts, r0, err);
	if (ret < 0 && err)
		prefix_error(prog, err); /* name the program and the C line of a run-time fault */
	return ret;
}

const char *userbpf_object_map_name(const struct userbpf_object_map *map)
{
	return map ? map->name : NULL;
}

uint32_t userbpf_object_map_type(const struct userbpf_object_map *map)
{
	return map ? map->type : 0;
}

uint32_t userbpf_object_map_key_size(const struct userbpf_object_map *map)
{
	return map ? map->key_size : 0;
}

uint32_t userbpf_object_map_value_size(const struct userbpf_object_map *map)
{
	return map ? map->value_size : 0;
}

uint32_t userbpf_object_map_max_entries(const struct userbpf_object_map *map)
{
	return map ? map->max_entries : 0;
}

uint32_t userbpf_object_map_flags(const struct userbpf_object_map *map)
{
	return map ? map->map_flags : 0;
}

int userbpf_object_map_set_max_entries(struct userbpf_object_map *map, uint32_t n)
{
	if (!map || n == 0 || map->kind == OBJ_MAP_DATA)
		return -EINVAL;
	if (map->obj->loaded)
		return -EBUSY;
	for (uint32_t i = 0; i < map->nslots; i++)
		if (map->slots[i].key >= n)
			return -E2BIG; /* an initial value would no longer fit */
	map->max_entries = n;
	return 0;
}

uint32_t userbpf_object_map_btf_key_type(const struct userbpf_object_map *map)
{
	return map ? map->btf_key_type : 0;
}

uint32_t userbpf_object_map_btf_value_type(const struct userbpf_object_map *map)
{
	return map ? map->btf_value_type : 0;
}

struct userbpf_map *userbpf_object_map_map(const struct userbpf_object_map *map)
{
	return map ? map->map : NULL;
}

const void *userbpf_object_map_initial_value(const struct userbpf_object_map *map, size_t *size)
{
	if (!map || map->kind != OBJ_MAP_DATA || !map->init)
		return NULL;
	if (size)
		*size = map->value_size;
	return map->init;
}

int userbpf_object_map_set_initial_value(struct userbpf_object_map *map, const void *data,
					 size_t size)
{
	uint8_t *copy;

	if (!map || !data || map->kind != OBJ_MAP_DATA || size != map->value_size)
		return -EINVAL;
	if (map->obj->loaded)
		return -EBUSY;
	copy = malloc(size ? size : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, size);
	free(map->init_owned);
	map->init_owned = copy;
	map->init = copy;
	return 0;
}

size_t userbpf_object_describe(const struct userbpf_object *obj, char *out, size_t len)
{
	struct buf b = {0};
	size_t need;

	if (!obj)
		return 0;
	need = describe_object(obj, &b);
	if (out && len) {
		size_t n = b.len < len - 1 ? b.len : len - 1;

		if (n)
			memcpy(out, b.data, n);
		out[n] = 0;
	}
	buf_free(&b);
	return need;
}
