/* SPDX-License-Identifier: MIT */
/*
 * directive.c - assembler directives. One so far:
 *
 *   .map NAME TYPE key=K value=V entries=N [flags=rdonly_prog|wronly_prog|no_prealloc]
 *        [init=HEX] [freeze]
 *
 * declares a map the program refers to as map[NAME] / map_value[NAME]+OFF. TYPE is the kernel
 * map type without its BPF_MAP_TYPE_ prefix, lower case, as `bpftool map create` spells it.
 * init gives the value of the all-zero key (zero-padded to the value size); freeze asks the
 * loader to BPF_MAP_FREEZE the map after that, so a frozen rdonly_prog map is constant data.
 * Per-type size rules (ringbuf sizes, lpm key layout...) belong to the maps module, which
 * creates the map; here only the syntax and what is self-contradictory in the text itself.
 */
#include <ctype.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"

static const struct {
	const char *name;
	uint32_t type;
} map_types[] = {
	{"hash", BPF_MAP_TYPE_HASH},
	{"array", BPF_MAP_TYPE_ARRAY},
	{"prog_array", BPF_MAP_TYPE_PROG_ARRAY},
	{"perf_event_array", BPF_MAP_TYPE_PERF_EVENT_ARRAY},
	{"percpu_hash", BPF_MAP_TYPE_PERCPU_HASH},
	{"percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY},
	{"stack_trace", BPF_MAP_TYPE_STACK_TRACE},
	{"cgroup_array", BPF_MAP_TYPE_CGROUP_ARRAY},
	{"lru_hash", BPF_MAP_TYPE_LRU_HASH},
	{"lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH},
	{"lpm_trie", BPF_MAP_TYPE_LPM_TRIE},
	{"array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS},
	{"hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS},
	{"devmap", BPF_MAP_TYPE_DEVMAP},
	{"sockmap", BPF_MAP_TYPE_SOCKMAP},
	{"cpumap", BPF_MAP_TYPE_CPUMAP},
	{"xskmap", BPF_MAP_TYPE_XSKMAP},
	{"sockhash", BPF_MAP_TYPE_SOCKHASH},
	{"cgroup_storage", BPF_MAP_TYPE_CGROUP_STORAGE},
	{"reuseport_sockarray", BPF_MAP_TYPE_REUSEPORT_SOCKARRAY},
	{"percpu_cgroup_storage", BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE},
	{"queue", BPF_MAP_TYPE_QUEUE},
	{"stack", BPF_MAP_TYPE_STACK},
	{"sk_storage", BPF_MAP_TYPE_SK_STORAGE},
	{"devmap_hash", BPF_MAP_TYPE_DEVMAP_HASH},
	{"struct_ops", BPF_MAP_TYPE_STRUCT_OPS},
	{"ringbuf", BPF_MAP_TYPE_RINGBUF},
	{"inode_storage", BPF_MAP_TYPE_INODE_STORAGE},
	{"task_storage", BPF_MAP_TYPE_TASK_STORAGE},
	{"bloom_filter", BPF_MAP_TYPE_BLOOM_FILTER},
	{"user_ringbuf", BPF_MAP_TYPE_USER_RINGBUF},
};

static const struct {
	const char *name;
	uint32_t flag;
} map_flags[] = {
	{"rdonly_prog", BPF_F_RDONLY_PROG},
	{"wronly_prog", BPF_F_WRONLY_PROG},
	{"no_prealloc", BPF_F_NO_PREALLOC},
};

int asm_map_type(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(map_types); i++)
		if (strlen(map_types[i].name) == len && memcmp(map_types[i].name, name, len) == 0)
			return (int)map_types[i].type;
	return -1;
}

const char *asm_map_type_name(uint32_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(map_types); i++)
		if (map_types[i].type == type)
			return map_types[i].name;
	return NULL;
}

static bool word_is(const char *w, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(w, s, len) == 0;
}

static struct asm_mapdecl *find_decl(struct asm_prog *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->ndecls; i++)
		if (word_is(name, len, p->decls[i].name))
			return &p->decls[i];
	return NULL;
}

/* A size or count: decimal or hex, 0 .. 2^32-1. */
static int parse_u32(struct asm_ctx *x, struct asm_cur *c, uint32_t *out)
{
	struct asm_cur at;
	int64_t v;
	bool hex;
	int ret;

	lex_ws(c);
	at = *c;
	ret = lex_int(x, c, &v, &hex);
	if (ret)
		return ret;
	if (v < 0 || v > (int64_t)UINT32_MAX)
		return asm_error(x, &at, "value out of range (0 to 4294967295)");
	*out = (uint32_t)v;
	return 0;
}

static int parse_flags(struct asm_ctx *x, struct asm_cur *c, uint32_t *out)
{
	*out = 0;
	do {
		struct asm_cur at = *c;
		const char *w;
		size_t len, i;

		lex_ws(&at);
		if (!lex_ident(c, &w, &len))
			return asm_error(x, &at, "expected a map flag (rdonly_prog, wronly_prog, "
						 "no_prealloc)");
		for (i = 0; i < ARRAY_SIZE(map_flags); i++)
			if (word_is(w, len, map_flags[i].name))
				break;
		if (i == ARRAY_SIZE(map_flags))
			return asm_error(x, &at, "unknown map flag '%.*s' (rdonly_prog, wronly_prog, "
						 "no_prealloc)", (int)len, w);
		*out |= map_flags[i].flag;
	} while (lex_eat(c, "|"));
	return 0;
}

/* init=HEX: pairs of hex digits with optional "0x" prefix, no blanks (one token). */
static int parse_init(struct asm_ctx *x, struct asm_cur *c, struct asm_mapdecl *d)
{
	struct asm_cur at;
	const char *s, *e;
	size_t digits, i;

	lex_ws(c);
	at = *c;
	s = c->p;
	if (c->end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	e = s;
	while (e < c->end && isxdigit((unsigned char)*e))
		e++;
	digits = (size_t)(e - s);
	if (digits == 0 || digits % 2 || (e < c->end && *e != ' ' && *e != '\t'))
		return asm_error(x, &at, "expected init=HEX (an even number of hex digits)");
	free(d->init);
	d->init_len = digits / 2;
	d->init = calloc(d->init_len, 1);
	if (!d->init)
		return err_set(x->err, -ENOMEM, "asm", -1, "out of memory");
	for (i = 0; i < d->init_len; i++) {
		char pair[3] = {s[2 * i], s[2 * i + 1], 0};

		d->init[i] = (uint8_t)strtoul(pair, NULL, 16);
	}
	c->p = e;
	return 0;
}

static int map_decl(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *start)
{
	struct asm_prog *p = x->prog;
	struct asm_mapdecl d = {0}, *prev;
	struct asm_cur at;
	const char *name, *w;
	size_t nlen, len;
	bool seen_key = false, seen_value = false, seen_entries = false;
	int type, ret = 0;

	lex_ws(c);
	at = *c;
	if (!lex_ident(c, &name, &nlen))
		return asm_error(x, &at, "expected a map name after .map");
	prev = find_decl(p, name, nlen);
	if (prev)
		return asm_error(x, &at, "duplicate map '%.*s' (first declared on line %d)",
				 (int)nlen, name, prev->line);
	lex_ws(c);
	at = *c;
	if (!lex_ident(c, &w, &len))
		return asm_error(x, &at, "expected a map type (array, hash, ringbuf, ...)");
	type = asm_map_type(w, len);
	if (type < 0)
		return asm_error(x, &at, "unknown map type '%.*s'", (int)len, w);
	d.type = (uint32_t)type;
	d.line = c->line;

	while (!ret && !lex_at_end(c)) {
		at = *c;
		if (!lex_ident(c, &w, &len)) {
			ret = asm_error(x, &at, "expected key=, value=, entries=, flags=, init= or freeze");
			break;
		}
		if (word_is(w, len, "freeze")) {
			if (d.freeze)
				ret = asm_error(x, &at, "freeze given twice");
			d.freeze = true;
			continue;
		}
		if (!lex_eat(c, "=")) {
			ret = asm_error(x, c, "expected '=' after '%.*s'", (int)len, w);
			break;
		}
		if (word_is(w, len, "key") && !seen_key) {
			ret = parse_u32(x, c, &d.key_size);
			seen_key = true;
		} else if (word_is(w, len, "value") && !seen_value) {
			ret = parse_u32(x, c, &d.value_size);
			seen_value = true;
		} else if (word_is(w, len, "entries") && !seen_entries) {
			ret = parse_u32(x, c, &d.max_entries);
			seen_entries = true;
		} else if (word_is(w, len, "flags")) {
			ret = parse_flags(x, c, &d.flags);
		} else if (word_is(w, len, "init")) {
			ret = parse_init(x, c, &d);
		} else if (word_is(w, len, "key") || word_is(w, len, "value") ||
			   word_is(w, len, "entries")) {
			ret = asm_error(x, &at, "'%.*s' given twice", (int)len, w);
		} else {
			ret = asm_error(x, &at, "unknown .map attribute '%.*s'", (int)len, w);
		}
	}
	if (!ret && (!seen_key || !seen_value || !seen_entries))
		ret = asm_error(x, start, ".map %.*s needs key=, value= and entries=", (int)nlen,
				name);
	if (!ret && d.init && d.init_len > d.value_size)
		ret = asm_error(x, start, "init has %zu bytes but the value size is %u", d.init_len,
				d.value_size);
	if (!ret && (d.flags & BPF_F_RDONLY_PROG) && (d.flags & BPF_F_WRONLY_PROG))
		ret = asm_error(x, start, "rdonly_prog and wronly_prog exclude each other");
	if (!ret && d.init) {
		/* zero-pad to the value size so the loader can hand it over as is */
		uint8_t *v = calloc(d.value_size ? d.value_size : 1, 1);

		if (!v) {
			ret = err_set(x->err, -ENOMEM, "asm", -1, "out of memory");
		} else {
			memcpy(v, d.init, d.init_len);
			free(d.init);
			d.init = v;
		}
	}
	if (!ret && asm_grow((void **)&p->decls, &x->declcap, p->ndecls + 1, sizeof(*p->decls)))
		ret = err_set(x->err, -ENOMEM, "asm", -1, "out of memory");
	if (!ret) {
		d.name = malloc(nlen + 1);
		if (!d.name) {
			ret = err_set(x->err, -ENOMEM, "asm", -1, "out of memory");
		} else {
			memcpy(d.name, name, nlen);
			d.name[nlen] = '\0';
			p->decls[p->ndecls++] = d;
			return 0;
		}
	}
	free(d.init);
	return ret;
}

int asm_directive(struct asm_ctx *x, struct asm_cur *c)
{
	struct asm_cur at = *c;
	const char *name;
	size_t len;

	c->p++; /* the '.' */
	if (!lex_ident(c, &name, &len))
		return asm_error(x, &at, "expected a directive name after '.'");
	if (word_is(name, len, "map"))
		return map_decl(x, c, &at);
	return asm_error(x, &at, "unknown directive '.%.*s'", (int)len, name);
}

int asm_check_maprefs(struct asm_ctx *x)
{
	struct asm_prog *p = x->prog;

	if (p->ndecls == 0)
		return 0; /* references resolved by the host (or by --map lists) */
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct asm_mapref *m = &p->maps[i];
		const struct asm_mapdecl *d = find_decl(p, m->name, strlen(m->name));

		if (!d)
			return err_set_at(x->err, -EINVAL, "asm", p->lines[m->slot], 1,
					  "map '%s' is not declared (no .map %s line)", m->name,
					  m->name);
		if (m->kind == BPF_PSEUDO_MAP_VALUE && m->off >= d->value_size)
			return err_set_at(x->err, -EINVAL, "asm", p->lines[m->slot], 1,
					  "map_value[%s]+%u is past the value size %u", m->name,
					  m->off, d->value_size);
	}
	return 0;
}
