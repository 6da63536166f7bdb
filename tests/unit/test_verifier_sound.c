/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_sound.c - the verifier's promise, checked on many generated programs
 * (fuzz/verifier_gen.h): every program it accepts runs in the interpreter's checked mode on
 * random 64-byte inputs without a memory fault and within the budget. Both privilege levels;
 * loops only privileged. Half of the programs also look up maps (an array, a hash holding
 * some of the keys, a frozen read-only single-value array) with random contents, and use the
 * results. Also reports how many programs were accepted, so a generator that
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

enum { NMAPS = 3 };

/* Random contents: array values, which of the hash keys are present. */
static void shuffle_maps(struct userbpf_map **maps)
{
	for (uint32_t k = 0; k < 5; k++) {
		uint8_t v[16];

		for (int i = 0; i < 16; i++)
			v[i] = (uint8_t)next_rand(NULL);
		userbpf_map_update(maps[0], &k, v, BPF_ANY, NULL);
		if (next_rand(NULL) & 1)
			userbpf_map_update(maps[1], &k, v, BPF_ANY, NULL);
		else
			userbpf_map_delete(maps[1], &k, NULL);
	}
}

int main(void)
{
	long programs = getenv("ASAN") ? 20000 : 150000, accepted = 0, runs = 0, faults = 0;
	long per_priv[2] = {0, 0};
	struct userbpf_env *env = userbpf_env_new(NULL, NULL);
	struct vgen_src src = {next_rand, NULL};
	struct bpf_insn p[VGEN_MAX];
	USERBPF_OPTS(userbpf_map_opts, ro_opts, .map_flags = BPF_F_RDONLY_PROG);
	struct userbpf_map *maps[NMAPS] = {
		userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 16, 4, NULL, NULL),
		userbpf_map_create(BPF_MAP_TYPE_HASH, 4, 8, 8, NULL, NULL),
		userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 16, 1, &ro_opts, NULL),
	};
	long with_maps = 0;

	for (int i = 0; i < NMAPS; i++)
		CHECK(maps[i] != NULL);
	{ /* map 2: frozen read-only, so the verifier folds loads from it into constants */
		uint8_t v[16];
		uint32_t k = 0;

		for (int i = 0; i < 16; i++)
			v[i] = (uint8_t)next_rand(NULL);
		CHECK(userbpf_map_update(maps[2], &k, v, BPF_ANY, NULL) == 0);
		CHECK(userbpf_map_freeze(maps[2], NULL) == 0);
	}
	CHECK(userbpf_env_register_std_helpers(env, NULL) == 0);

	for (long k = 0; k < programs; k++) {
		bool priv = k & 1;
		uint32_t nmaps = k & 2 ? NMAPS : 0;
		size_t n = vgen_program_maps(&src, p, priv, nmaps);
		struct verifier_opts opts = {.mem_size = 64, .privileged = priv, .insn_limit = 100000,
					     .maps = maps, .nmaps = nmaps};
		USERBPF_OPTS(userbpf_prog_opts, po, .maps = maps, .nmaps = nmaps);
		struct userbpf_error err;
		struct userbpf_prog *prog;

		if (verifier_check_insns(p, n, &opts, NULL, &err))
			continue;
		prog = userbpf_prog_load(env, p, n * sizeof(p[0]), &po, &err);
		if (!prog)
			continue; /* structurally invalid: the verifier must have said so too */
		accepted++;
		per_priv[priv]++;
		for (size_t i = 0; nmaps && i < n; i++)
			if (p[i].code == (BPF_JMP | BPF_CALL) && p[i].src_reg == 0) {
				with_maps++;
				shuffle_maps(maps);
				break;
			}
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
	printf("  %ld generated programs, %ld accepted (%ld unprivileged, %ld privileged, %ld with "
	       "map lookups), %ld checked runs, %ld faults\n", programs, accepted, per_priv[0],
	       per_priv[1], with_maps, runs, faults);
	CHECK(faults == 0);
	CHECK(per_priv[0] > programs / 100);
	CHECK(per_priv[1] > programs / 100);
	CHECK(with_maps > programs / 200);
	for (int i = 0; i < NMAPS; i++)
		userbpf_map_free(maps[i]);
	userbpf_env_free(env);
	return test_summary();
}
