/* SPDX-License-Identifier: MIT */
/*
 * load_text.c - userbpf_prog_load_text(): assemble, create the maps the text declares with
 * `.map` (initial value of key 0, freeze), point its map[NAME] / map_value[NAME]+OFF
 * references at them the way the kernel's fd_array does (BPF_PSEUDO_MAP_IDX / _IDX_VALUE,
 * imm = position of the declaration), then load like any other bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"

/* The value buffer userbpf_map_update() takes: the init bytes, once per CPU slot for per-CPU
 * maps (whose host value is one 8-byte-rounded slot per CPU). */
static int init_map(struct userbpf_map *map, const struct asm_mapdecl *d,
		    struct userbpf_error *err)
{
	size_t host = userbpf_map_value_size_host(map);
	size_t stride = ((size_t)d->value_size + 7) & ~(size_t)7;
	uint8_t *key = calloc(d->key_size ? d->key_size : 1, 1);
	uint8_t *val = calloc(host ? host : 1, 1);
	int ret;

	if (!key || !val) {
		free(key);
		free(val);
		return err_set(err, -ENOMEM, "asm", -1, "out of memory");
	}
	if (host == d->value_size)
		memcpy(val, d->init, d->value_size);
	else
		for (size_t off = 0; off + d->value_size <= host && stride; off += stride)
			memcpy(val + off, d->init, d->value_size);
	ret = userbpf_map_update(map, d->key_size ? key : NULL, val, 0, err);
	free(key);
	free(val);
	return ret;
}

int asm_prog_make_maps(struct asm_prog *ap, struct userbpf_map **maps,
		       struct userbpf_error *err)
{
	for (size_t i = 0; i < ap->ndecls; i++) {
		const struct asm_mapdecl *d = &ap->decls[i];
		USERBPF_OPTS(userbpf_map_opts, mo, .map_flags = d->flags, .name = d->name);
		int ret = 0;

		maps[i] = userbpf_map_create(d->type, d->key_size, d->value_size, d->max_entries, &mo,
					     err);
		if (!maps[i])
			ret = err && err->code ? err->code : -EINVAL;
		if (!ret && d->init)
			ret = init_map(maps[i], d, err);
		if (!ret && d->freeze)
			ret = userbpf_map_freeze(maps[i], err);
		if (ret) {
			if (err) {
				char msg[USERBPF_ERRMSG_MAX];

				snprintf(msg, sizeof(msg), "%s", err->message);
				err_set_at(err, ret, "asm", d->line, 1, ".map %s: %s", d->name, msg);
			}
			return ret;
		}
	}
	/* references by name -> by position */
	for (size_t i = 0; i < ap->nmaps; i++) {
		const struct asm_mapref *m = &ap->maps[i];
		struct bpf_insn *in = &ap->insns[m->slot];
		size_t idx = 0;

		while (idx < ap->ndecls && strcmp(ap->decls[idx].name, m->name) != 0)
			idx++;
		if (idx == ap->ndecls) /* asm_assemble() has checked this */
			return err_set(err, -EINVAL, "asm", (int)m->slot, "map '%s' is not declared",
				       m->name);
		in->src_reg = m->kind == BPF_PSEUDO_MAP_FD ? BPF_PSEUDO_MAP_IDX
							   : BPF_PSEUDO_MAP_IDX_VALUE;
		in->imm = (int32_t)idx;
		in[1].imm = (int32_t)m->off;
	}
	return 0;
}

struct userbpf_prog *userbpf_prog_load_text(struct userbpf_env *env, const char *text,
					    const struct userbpf_prog_opts *opts,
					    struct userbpf_error *err)
{
	struct userbpf_prog *prog = NULL;
	struct userbpf_map **maps = NULL;
	struct asm_prog ap;

	if (asm_assemble(text, &ap, err) != 0)
		goto out;
	if (ap.ndecls == 0) {
		if (ap.nmaps)
			err_set(err, -ENOTSUP, "asm", (int)ap.maps[0].slot,
				"map reference '%s': no .map declares it and this environment has "
				"no maps to resolve it against", ap.maps[0].name);
		else
			prog = userbpf_prog_load(env, ap.insns, ap.n * sizeof(*ap.insns), opts, err);
		goto out;
	}
	{
		USERBPF_OPTS(userbpf_prog_opts, o);

		if (opts) {
			memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
			o.sz = sizeof(o);
		}
		if (o.nmaps) {
			err_set(err, -EINVAL, "asm", -1,
				"the text declares its maps (.map): pass no maps in the options");
			goto out;
		}
		maps = calloc(ap.ndecls, sizeof(*maps));
		if (!maps) {
			err_set(err, -ENOMEM, "asm", -1, "out of memory");
			goto out;
		}
		if (asm_prog_make_maps(&ap, maps, err) == 0) {
			o.maps = maps;
			o.nmaps = ap.ndecls;
			prog = userbpf_prog_load(env, ap.insns, ap.n * sizeof(*ap.insns), &o, err);
		}
	}
out:
	/* the program holds its own references */
	for (size_t i = 0; maps && i < ap.ndecls; i++)
		userbpf_map_free(maps[i]);
	free(maps);
	asm_prog_free(&ap);
	return prog;
}
