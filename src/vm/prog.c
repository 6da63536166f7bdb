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
	if (vm_interp_prepare(prog, err) < 0) {
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
