/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jit_diff.c - libFuzzer target: the input bytes drive the program generator of
 * tests/tools/jitgen.h (every instruction class, edge operands, local calls, memory inside and
 * outside the regions); the program runs in the interpreter and in the JIT in checked mode and
 * r0, the error (code, instruction, message) and the input memory must be identical; the JIT
 * code is constant-blinded for half of the inputs.
 */
#include "../tests/tools/jitgen.h"

static struct userbpf_env *env;
static uint8_t region[JG_REGION];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jg_src s = {.data = data, .len = size};
	struct bpf_insn p[JG_MAX];
	uint8_t init[JG_MEM];
	struct jg_outcome a, b;
	struct userbpf_prog *prog;
	int n;

	if (!env) {
		env = userbpf_env_new(NULL, NULL);
		if (!env || jg_env_setup(env))
			abort();
		for (int i = 0; i < JG_REGION; i++)
			region[i] = (uint8_t)(i * 7 + 1);
	}
	n = jg_program(&s, p, (uint64_t)(uintptr_t)region);
	for (int i = 0; i < JG_MEM; i++)
		init[i] = (uint8_t)(i * 13 + 5);
	prog = userbpf_prog_load(env, p, (size_t)n * sizeof(p[0]), NULL, NULL);
	if (!prog)
		return 0;
	if (size && (data[size - 1] & 1)) { /* the last byte also picks constant blinding */
		USERBPF_OPTS(userbpf_jit_opts, jo, .mode = USERBPF_JIT_CHECKED, .blind_constants = true);

		if (userbpf_prog_jit_compile(prog, &jo, NULL) < 0)
			abort();
	}
	jg_run(prog, USERBPF_BACKEND_INTERP, init, region, &a);
	jg_run(prog, USERBPF_BACKEND_JIT, init, region, &b);
	if (!jg_same(&a, &b)) {
		jg_print_prog(p, n);
		abort();
	}
	userbpf_prog_free(prog);
	return 0;
}
