/* SPDX-License-Identifier: MIT */
/*
 * jitdiff.c - fixed-seed differential corpus: generate COUNT programs (tests/tools/jitgen.h)
 * from SEED, run each in the interpreter and in the JIT (checked mode), and count mismatches
 * of r0, error (code, instruction index, message) and input memory.
 *   usage: jitdiff [COUNT [SEED [blind]]]   (default 100000 programs, seed 1; "blind": the JIT
 *          code is compiled with constant blinding)
 * Ends with "N passed, N failed" (passed = programs that agree).
 */
#include <inttypes.h>

#include "jitgen.h"

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	bool blind = argc > 3 && !strcmp(argv[3], "blind");
	USERBPF_OPTS(userbpf_jit_opts, jo, .mode = USERBPF_JIT_CHECKED, .blind_constants = true);
	struct userbpf_error err;
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	uint8_t region[JG_REGION];
	unsigned long pass = 0, fail = 0, rejected = 0, faults = 0, budget = 0, ok = 0;

	if (!env || jg_env_setup(env)) {
		fprintf(stderr, "cannot set up the environment\n");
		return 1;
	}
	for (int i = 0; i < JG_REGION; i++)
		region[i] = (uint8_t)(i * 7 + 1);
	/* JITDIFF_FROM=K: start at program K (to rerun one program found by a failure) */
	for (unsigned long k = getenv("JITDIFF_FROM") ? strtoul(getenv("JITDIFF_FROM"), NULL, 0) : 0;
	     k < count; k++) {
		struct jg_src s = {.state = seed * 0x100000001b3ull + k};
		struct bpf_insn p[JG_MAX];
		uint8_t init[JG_MEM];
		struct jg_outcome a, b;
		struct userbpf_prog *prog;
		int n = jg_program(&s, p, (uint64_t)(uintptr_t)region);

		for (int i = 0; i < JG_MEM; i++)
			init[i] = (uint8_t)jg_u64(&s);
		prog = userbpf_prog_load(env, p, (size_t)n * sizeof(p[0]), NULL, &err);
		if (!prog) {
			rejected++;
			continue;
		}
		if (blind && userbpf_prog_jit_compile(prog, &jo, &err) < 0) {
			fprintf(stderr, "blinded compilation failed: %s\n", err.message);
			fail++;
			userbpf_prog_free(prog);
			continue;
		}
		jg_run(prog, USERBPF_BACKEND_INTERP, init, region, &a);
		jg_run(prog, USERBPF_BACKEND_JIT, init, region, &b);
		if (jg_same(&a, &b)) {
			pass++;
			ok += a.ret == 0;
			faults += a.ret == -EFAULT;
			budget += a.ret == -ETIME;
		} else {
			fail++;
			if (fail <= 5) {
				fprintf(stderr, "program %lu (seed %" PRIu64 "):\n", k, seed);
				jg_print_prog(p, n);
			}
			if (getenv("JITDIFF_DUMP")) { /* the checked code, for debugging */
				static char text[1 << 20];

				userbpf_prog_jit_dump(prog, USERBPF_JIT_CHECKED, text, sizeof(text), NULL);
				fputs(text, stderr);
			}
		}
		userbpf_prog_free(prog);
	}
	printf("jitdiff: %lu programs, %lu rejected by the loader; of the rest %lu ran to exit, "
	       "%lu faulted, %lu ran out of budget\n",
	       count, rejected, ok, faults, budget);
	printf("%lu passed, %lu failed\n", pass, fail);
	userbpf_env_free(env);
	return fail ? 1 : 0;
}
