/* SPDX-License-Identifier: MIT */
/*
 * fuzz_verifier.c - libFuzzer target for the verifier's soundness: the input bytes drive the
 * program generator of verifier_gen.h (first byte: privileged or not, and the input memory
 * seed). A program the verifier accepts must then run in checked mode on two inputs without
 * a memory fault and within its budget; anything else aborts. Bit 2 of the first byte adds
 * map lookups (an array, a hash and a read-only array whose contents the input also sets). Rejected programs only need
 * the verifier itself not to crash, leak or trip a sanitizer.
 */
#include <stdlib.h>
#include <string.h>

#include "verifier_gen.h"
#include "userbpf.h"
#include "verifier/verifier.h"

struct bytes {
	const uint8_t *p;
	size_t n, i;
};

static uint64_t next_byte(void *ctx)
{
	struct bytes *b = ctx;
	uint64_t v = 0;

	for (int k = 0; k < 4; k++)
		v = v << 8 | (b->i < b->n ? b->p[b->i++] : 0);
	return v;
}

/* The maps live across inputs (a fuzz target may keep state; the library may not). */
enum { NMAPS = 3 };
static struct userbpf_map *maps[NMAPS];

static void maps_init(const uint8_t *data, size_t size)
{
	if (!maps[0]) {
		USERBPF_OPTS(userbpf_map_opts, ro, .map_flags = BPF_F_RDONLY_PROG);

		maps[0] = userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 16, 4, NULL, NULL);
		maps[1] = userbpf_map_create(BPF_MAP_TYPE_HASH, 4, 8, 8, NULL, NULL);
		maps[2] = userbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 16, 4, &ro, NULL);
		if (!maps[0] || !maps[1] || !maps[2])
			abort();
	}
	for (uint32_t k = 0; k < 5; k++) {
		uint8_t v[16];

		for (int i = 0; i < 16; i++)
			v[i] = data[(k * 16 + i) % size];
		userbpf_map_update(maps[0], &k, v, BPF_ANY, NULL);
		if (v[0] & 1)
			userbpf_map_update(maps[1], &k, v, BPF_ANY, NULL);
		else
			userbpf_map_delete(maps[1], &k, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes b = {data, size, 1};
	struct vgen_src src = {next_byte, &b};
	struct bpf_insn p[VGEN_MAX];
	bool priv = size && (data[0] & 1);
	struct verifier_opts opts = {.mem_size = 64, .privileged = priv, .insn_limit = 100000,
				     .log_level = size && (data[0] & 2) ? 2 : 0};
	static char logbuf[1 << 14];
	struct verifier_log log = {logbuf, sizeof(logbuf), 0, false};
	struct userbpf_error err;
	struct userbpf_env *env;
	struct userbpf_prog *prog;
	size_t n;

	if (size < 2)
		return 0;
	uint32_t nmaps = data[0] & 4 ? NMAPS : 0;
	USERBPF_OPTS(userbpf_prog_opts, po, .maps = maps, .nmaps = nmaps);

	if (nmaps)
		maps_init(data, size);
	opts.maps = maps;
	opts.nmaps = nmaps;
	n = vgen_program_maps(&src, p, priv, nmaps);
	if (verifier_check_insns(p, n, &opts, &log, &err))
		return 0;
	env = userbpf_env_new(NULL, NULL);
	if (env && userbpf_env_register_std_helpers(env, NULL))
		abort();
	prog = env ? userbpf_prog_load(env, p, n * sizeof(p[0]), &po, &err) : NULL;
	for (int r = 0; prog && r < 2; r++) {
		uint8_t mem[64];
		uint64_t r0;
		USERBPF_OPTS(userbpf_run_opts, ro, .checked = true, .budget = 100000);

		for (int i = 0; i < 64; i++)
			mem[i] = (uint8_t)(data[(i + r * 64) % size] ^ (i * 37));
		if (userbpf_prog_run(prog, mem, sizeof(mem), &ro, &r0, &err))
			abort(); /* the verifier accepted a program that faults or does not end */
	}
	userbpf_prog_free(prog);
	userbpf_env_free(env);
	return 0;
}
