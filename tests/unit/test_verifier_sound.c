/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_sound.c - the verifier's promise, checked on many generated programs
 * (fuzz/verifier_gen.h): every program it accepts runs in the interpreter's checked mode on
 * random 64-byte inputs without a memory fault and within the budget. Both privilege levels;
 * loops only privileged. Also reports how many programs were accepted, so a generator that
 * stopped producing acceptable programs shows up as a failure rather than a silent pass.
 */
#include <errno.h>
#include <stdlib.h>

#include "../../fuzz/verifier_gen.h"
#include "verifier/verifier.h"
#include "userbpf.h"
#include "test.h"

static uint64_t rng = 0x6a09e667f3bcc908ull;
static uint64_t next_rand(void *ctx)
{
	(void)ctx;
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

int main(void)
{
	long programs = getenv("ASAN") ? 20000 : 150000, accepted = 0, runs = 0, faults = 0;
	long per_priv[2] = {0, 0};
	struct userbpf_env *env = userbpf_env_new(NULL, NULL);
	struct vgen_src src = {next_rand, NULL};
	struct bpf_insn p[VGEN_MAX];

	for (long k = 0; k < programs; k++) {
		bool priv = k & 1;
		size_t n = vgen_program(&src, p, priv);
		struct verifier_opts opts = {.mem_size = 64, .privileged = priv, .insn_limit = 100000};
		struct userbpf_error err;
		struct userbpf_prog *prog;

		if (verifier_check_insns(p, n, &opts, NULL, &err))
			continue;
		prog = userbpf_prog_load(env, p, n * sizeof(p[0]), NULL, &err);
		if (!prog)
			continue; /* structurally invalid: the verifier must have said so too */
		accepted++;
		per_priv[priv]++;
		for (int r = 0; r < 2; r++) {
			uint8_t mem[64];
			uint64_t r0;
			USERBPF_OPTS(userbpf_run_opts, ro, .checked = true, .budget = 100000);
			int ret;

			for (int i = 0; i < 64; i++)
				mem[i] = (uint8_t)next_rand(NULL);
			ret = userbpf_prog_run(prog, mem, sizeof(mem), &ro, &r0, &err);
			runs++;
			if (ret && faults++ < 5) {
				struct verifier_log log;
				static char buf[1 << 15];

				log = (struct verifier_log){buf, sizeof(buf), 0, false};
				opts.log_level = 2;
				verifier_check_insns(p, n, &opts, &log, &err);
				fprintf(stderr, "accepted program faulted (%d, %s):\n%s\n", ret,
					err.message, buf);
			}
		}
		userbpf_prog_free(prog);
	}
	printf("  %ld generated programs, %ld accepted (%ld unprivileged, %ld privileged), %ld "
	       "checked runs, %ld faults\n", programs, accepted, per_priv[0], per_priv[1], runs,
	       faults);
	CHECK(faults == 0);
	CHECK(per_priv[0] > programs / 100);
	CHECK(per_priv[1] > programs / 100);
	userbpf_env_free(env);
	return test_summary();
}
