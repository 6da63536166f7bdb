/* SPDX-License-Identifier: MIT */
/*
 * prog.c - the program object: loading raw instruction bytes (copy, structural validation,
 * helper ids resolved against the environment, interpreter pre-decoding) and its accessors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"
#include "../jit/jit.h"

/* Every `call imm` must name a helper the environment has, as the kernel checks at load. */
static int check_helpers(const struct userbpf_env *env, const struct bpf_insn *insns, uint32_t n,
			 struct userbpf_error *err)
{
	for (uint32_t pc = 0; pc < n; pc++) {
		enum isa_op op = isa_decode(&insns[pc]);
		uint32_t id = (uint32_t)insns[pc].imm;

		if (op == OP_LDDW)
			pc++;
		else if (op == OP_CALL && !userbpf_env_helper_name(env, id))
			return err_set(err, -ENOENT, "vm", (int)pc,
				       "unknown func unknown#%u: no helper with this id is registered",
				       id);
	}
	return 0;
}

int vm_ld_imm64(const struct userbpf_prog *prog, uint32_t pc, uint64_t *value,
		struct userbpf_error *err)
{
	const struct bpf_insn *in = &prog->insns[pc];
	uint32_t idx = (uint32_t)in[0].imm, off = (uint32_t)in[1].imm;
	uint64_t target;
	size_t size;
	uint8_t *area;

	switch (in->src_reg) {
	case 0:
		*value = (uint64_t)(uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
	case BPF_PSEUDO_MAP_VALUE:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		if (idx >= prog->nmaps)
			return err_set(err, -EINVAL, "vm", (int)pc,
				       "lddw refers to map %u, but the program was given %u maps", idx,
				       prog->nmaps);
		if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_IDX) {
			*value = (uint64_t)(uintptr_t)prog->maps[idx];
			return 0;
		}
		area = userbpf_map_value_area(prog->maps[idx], &size);
		if (!area)
			return err_set(err, -EINVAL, "vm", (int)pc,
				       "map '%s' (map %u) has no direct value access",
				       userbpf_map_name(prog->maps[idx]), idx);
		if (off >= size)
			return err_set(err, -EINVAL, "vm", (int)pc,
				       "invalid access to map value pointer, value_size=%zu off=%u", size,
				       off);
		*value = (uint64_t)(uintptr_t)(area + off);
		return 0;
	case BPF_PSEUDO_FUNC:
		target = (uint64_t)pc + 1 + (uint64_t)(int64_t)in[0].imm;
		if ((int64_t)target < 0 || target >= prog->n)
			return err_set(err, -EINVAL, "vm", (int)pc,
				       "lddw of a function: target %lld is outside the program",
				       (long long)(int64_t)target);
		*value = target;
		return 0;
	default:
		return err_set(err, -ENOTSUP, "vm", (int)pc,
			       "lddw src_reg %d (a BTF object) is not supported", in->src_reg);
	}
}

/* Take the program's maps (one reference each) and check every lddw resolves. */
static int bind_maps(struct userbpf_prog *prog, const struct userbpf_prog_opts *opts,
		     struct userbpf_error *err)
{
	struct userbpf_map *const *maps = NULL;
	size_t nmaps = 0;
	uint64_t v;

	if (opts && opts->sz >= offsetof(struct userbpf_prog_opts, nmaps) + sizeof(size_t)) {
		maps = opts->maps;
		nmaps = opts->nmaps;
	}
	if (nmaps && !maps)
		return err_set(err, -EINVAL, "vm", -1, "program options: %zu maps at NULL", nmaps);
	if (nmaps > 65536)
		return err_set(err, -E2BIG, "vm", -1, "program options: %zu maps (limit 65536)",
			       nmaps);
	if (nmaps) {
		prog->maps = calloc(nmaps, sizeof(*prog->maps));
		if (!prog->maps)
			return err_set(err, -ENOMEM, "vm", -1, "out of memory");
		for (size_t i = 0; i < nmaps; i++) {
			if (!maps[i])
				return err_set(err, -EINVAL, "vm", -1, "program options: map %zu is NULL",
					       i);
			prog->maps[prog->nmaps++] = userbpf_map_ref(maps[i]);
		}
	}
	for (uint32_t pc = 0; pc < prog->n; pc++) {
		if (isa_decode(&prog->insns[pc]) != OP_LDDW)
			continue;
		int ret = vm_ld_imm64(prog, pc, &v, err);

		if (ret < 0)
			return ret;
		pc++;
	}
	return 0;
}

struct userbpf_prog *userbpf_prog_load(struct userbpf_env *env, const void *insns, size_t len,
				       const struct userbpf_prog_opts *opts,
				       struct userbpf_error *err)
{
	struct userbpf_prog *prog;
	size_t n = len / sizeof(struct bpf_insn);

	if (!env || (!insns && len)) {
		err_set(err, -EINVAL, "vm", -1, "load: %s is NULL",
			env ? "the instruction buffer" : "the environment");
		return NULL;
	}
	if (opts && opts->sz < sizeof(size_t)) {
		err_set(err, -EINVAL, "vm", -1, "program options: sz %zu is too small", opts->sz);
		return NULL;
	}
	if (len % sizeof(struct bpf_insn)) {
		err_set(err, -EINVAL, "vm", -1,
			"program length %zu is not a multiple of 8 (the instruction size)", len);
		return NULL;
	}
	/* Copy first: the caller's bytes need not be aligned for struct bpf_insn. */
	prog = calloc(1, sizeof(*prog));
	if (!prog || !(prog->insns = calloc(1, len ? len : 1))) {
		free(prog);
		err_set(err, -ENOMEM, "vm", -1, "out of memory");
		return NULL;
	}
	if (len)
		memcpy(prog->insns, insns, len);
	if (isa_validate(prog->insns, n, err) < 0 ||
	    check_helpers(env, prog->insns, (uint32_t)n, err) < 0) {
		userbpf_prog_free(prog);
		return NULL;
	}
	prog->env = env;
	prog->n = (uint32_t)n;
	/* Fields past sz are absent in an older caller's struct: they keep their defaults. */
	if (opts && opts->sz >= offsetof(struct userbpf_prog_opts, unsafe_trusted) + sizeof(bool))
		prog->trusted = opts->unsafe_trusted;
	if (bind_maps(prog, opts, err) < 0 || vm_interp_prepare(prog, err) < 0) {
		userbpf_prog_free(prog);
		return NULL;
	}
	return prog;
}

void userbpf_prog_free(struct userbpf_prog *prog)
{
	if (!prog)
		return;
	vm_interp_free(prog);
	jit_free(prog);
	for (uint32_t i = 0; i < prog->nmaps; i++)
		userbpf_map_free(prog->maps[i]);
	free(prog->maps);
	free(prog->insns);
	free(prog);
}

size_t userbpf_prog_insn_count(const struct userbpf_prog *prog)
{
	return prog ? prog->n : 0;
}

const struct userbpf_insn *userbpf_prog_insns(const struct userbpf_prog *prog)
{
	return prog ? (const struct userbpf_insn *)prog->insns : NULL;
}
