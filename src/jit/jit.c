/* SPDX-License-Identifier: MIT */
/*
 * jit.c - the JIT's place in the run model: which mode a program may be compiled in, lazy
 * compilation, entering native code with the run state, the public API around compiled code,
 * and the runtime functions generated code calls on its slow paths.
 */
#include <errno.h>
#include <stdlib.h>

#include "jit.h"

/* Verified mode drops every runtime check: only for proven or explicitly trusted programs. */
static int mode_allowed(const struct userbpf_prog *prog, enum jit_mode mode,
			struct userbpf_error *err)
{
	if (mode == JIT_VERIFIED && !prog->verified && !prog->trusted)
		return err_set(err, -EACCES, "jit", -1,
			       "unchecked code needs a verified program or the unsafe_trusted flag");
	return 0;
}

/* prog->jit[mode] for a program the JIT cannot run (tail calls, R10 written by an atomic):
 * never freed, never run. */
static const struct jit_code unsupported;
#define JIT_UNSUPPORTED ((struct jit_code *)(uintptr_t)&unsupported)

static int compile_into(struct userbpf_prog *prog, enum jit_mode mode, bool blind,
			struct userbpf_error *err)
{
	struct jit_opts o = {.mode = mode, .blind = blind};
	struct jit_code *code;
	int ret = mode_allowed(prog, mode, err);

	if (ret < 0)
		return ret;
	ret = jit_compile(prog, &o, &code, err);
	if (ret < 0)
		return ret;
	/* An explicit (re)compilation replaces the code; no run may be using it meanwhile. */
	code = __atomic_exchange_n(&prog->jit[mode], code, __ATOMIC_ACQ_REL);
	if (code != JIT_UNSUPPORTED)
		jit_code_free(code);
	return 0;
}

int jit_prepare(struct userbpf_prog *prog, enum jit_mode mode, struct userbpf_error *err)
{
	struct jit_opts o = {.mode = mode};
	struct jit_code *code, *none = NULL, *cur = __atomic_load_n(&prog->jit[mode], __ATOMIC_ACQUIRE);
	int ret;

	if (cur == JIT_UNSUPPORTED)
		return err_set(err, -ENOTSUP, "jit", -1,
			       "the JIT cannot run this program (bpf_tail_call, or an atomic "
			       "writing R10): use the interpreter");
	if (cur)
		return 0;
	ret = mode_allowed(prog, mode, err);
	if (ret < 0)
		return ret;
	ret = jit_compile(prog, &o, &code, err);
	if (ret == -ENOTSUP) { /* remembered, so the run dispatch can use the interpreter */
		__atomic_compare_exchange_n(&prog->jit[mode], &none, JIT_UNSUPPORTED, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		return ret;
	}
	if (ret < 0)
		return ret;
	/* Threads running the same program for the first time race here: the first code wins. */
	if (!__atomic_compare_exchange_n(&prog->jit[mode], &none, code, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		jit_code_free(code);
	return 0;
}

int jit_run(struct userbpf_prog *prog, struct userbpf_call *run, uint64_t r1, uint64_t r2,
	    uint64_t *r0)
{
	enum jit_mode mode = run->checked ? JIT_CHECKED : JIT_VERIFIED;
	jit_entry_fn fn;
	struct jit_ret r;
	int ret = jit_prepare(prog, mode, run->err);

	if (ret < 0)
		return ret;
	fn = (jit_entry_fn)__atomic_load_n(&prog->jit[mode], __ATOMIC_ACQUIRE)->mem;
	run->call_sub = vm_interp_call_sub; /* callbacks (bpf_loop...) run interpreted */
	r = fn(r1, r2, run);
	*r0 = r.r0;
	if (run->tail_done) {
		/* bpf_tail_call finished the run in the interpreter (helper_tail_call) */
		*r0 = run->tail_r0;
		err_clear(run->err);
		return 0;
	}
	return (int)r.status;
}

bool jit_can_run(struct userbpf_prog *prog, bool checked)
{
	return jit_prepare(prog, checked ? JIT_CHECKED : JIT_VERIFIED, NULL) != -ENOTSUP;
}

void jit_free(struct userbpf_prog *prog)
{
	for (int m = 0; m < 2; m++) {
		if (prog->jit[m] != JIT_UNSUPPORTED)
			jit_code_free(prog->jit[m]);
		prog->jit[m] = NULL;
	}
}

/* ---- runtime entry points ---------------------------------------------------------------- */

int jit_rt_mem_check(struct userbpf_call *run, uint64_t addr, uint32_t info)
{
	int size = (int)(info & 15);
	bool write = (info >> 4) & 1;

	if (vm_mem_ok(run, addr, (uint64_t)size, write))
		return 0;
	return vm_fault(run, (int)(info >> 5), addr, size, write);
}

userbpf_helper_fn jit_rt_helper(struct userbpf_call *run, uint64_t id)
{
	const struct userbpf_env *env = run->prog->env;

	if (!env || id >= env->nhelpers)
		return NULL;
	return env->helpers[id].fn;
}

/* ---- public API ------------------------------------------------------------------------------ */

USERBPF_API int userbpf_prog_jit_compile(struct userbpf_prog *prog,
					 const struct userbpf_jit_opts *opts,
					 struct userbpf_error *err)
{
	enum userbpf_jit_mode mode = USERBPF_JIT_CHECKED;
	bool blind = false;

	if (!prog)
		return err_set(err, -EINVAL, "jit", -1, "no program");
	if (opts) {
		if (opts->sz < sizeof(size_t))
			return err_set(err, -EINVAL, "jit", -1, "bad options size");
		if (opts->sz >= offsetof(struct userbpf_jit_opts, mode) + sizeof(opts->mode))
			mode = opts->mode;
		if (opts->sz >= offsetof(struct userbpf_jit_opts, blind_constants) +
					sizeof(opts->blind_constants))
			blind = opts->blind_constants;
	}
	if (mode != USERBPF_JIT_VERIFIED && mode != USERBPF_JIT_CHECKED)
		return err_set(err, -EINVAL, "jit", -1, "unknown JIT mode %d", (int)mode);
	return compile_into(prog, (enum jit_mode)mode, blind, err);
}

USERBPF_API const void *userbpf_prog_jit_code(const struct userbpf_prog *prog,
					      enum userbpf_jit_mode mode, size_t *len)
{
	const struct jit_code *code;

	if (!prog || (mode != USERBPF_JIT_VERIFIED && mode != USERBPF_JIT_CHECKED))
		return NULL;
	code = prog->jit[mode];
	if (!code || code == JIT_UNSUPPORTED)
		return NULL;
	if (len)
		*len = code->size;
	return code->mem;
}
