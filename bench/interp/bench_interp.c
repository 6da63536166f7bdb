/* SPDX-License-Identifier: MIT */
/*
 * bench_interp.c - times the interpreter against native code on the kernels of kernels.c:
 * loads <dir>/<name>.bin (the BPF text section), runs it on a 1 MiB buffer in checked mode
 * (or unchecked with "-u"), checks it returns what the native function returns, and prints
 * the best-of-N times, the ratio and the geometric mean of the ratios.
 *   usage: bench_interp DIR [-u]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "userbpf.h"

#define KERNELS X(fib) X(sieve) X(memcpy) X(strcmp) X(crc32) X(switch)
#define X(k) uint64_t k_##k(uint8_t *m, uint64_t n);
KERNELS
#undef X

static const struct {
	const char *name;
	uint64_t (*fn)(uint8_t *, uint64_t);
} kernels[] = {
#define X(k) {#k, k_##k},
	KERNELS
#undef X
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const size_t n = 1 << 20;
	static char text[1 << 16];
	bool unchecked = argc > 2 && strcmp(argv[2], "-u") == 0;
	uint8_t *m = malloc(n);
	struct userbpf_error err;
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	double sumlog = 0;
	int count = 0, bad = 0;

	if (argc < 2 || !m || !env)
		return 2;
	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		USERBPF_OPTS(userbpf_prog_opts, po, .unsafe_trusted = unchecked);
		USERBPF_OPTS(userbpf_run_opts, ro, .budget = 1ull << 40, .backend = USERBPF_BACKEND_INTERP);
		double tn = 1e9, ti = 1e9;
		uint64_t rn = 0, ri = 0;
		char path[4096];
		struct userbpf_prog *prog;
		size_t len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.bin", argv[1], kernels[i].name);
		f = fopen(path, "rb");
		if (!f) {
			perror(path);
			return 2;
		}
		len = fread(text, 1, sizeof(text), f);
		fclose(f);
		prog = userbpf_prog_load(env, text, len, &po, &err);
		if (!prog) {
			printf("%s: load: %s\n", kernels[i].name, err.message);
			bad++;
			continue;
		}
		for (int rep = 0; rep < 7; rep++) {
			double t0, t1, t2, t3;
			int ret;

			memset(m, 0, n);
			t0 = now();
			rn = kernels[i].fn(m, n);
			t1 = now();
			memset(m, 0, n);
			t2 = now();
			ret = userbpf_prog_run(prog, m, n, &ro, &ri, &err);
			t3 = now();
			if (ret) {
				printf("%s: run: %s\n", kernels[i].name, err.message);
				bad++;
				break;
			}
			tn = fmin(tn, t1 - t0);
			ti = fmin(ti, t3 - t2);
		}
		printf("%-8s native %9.3f ms  interp %9.3f ms  %6.1fx  %s\n", kernels[i].name,
		       tn * 1e3, ti * 1e3, ti / tn, rn == ri ? "same result" : "RESULT DIFFERS");
		bad += rn != ri;
		sumlog += log(ti / tn);
		count++;
		userbpf_prog_free(prog);
	}
	printf("geometric mean: %.1fx native (%s mode)\n", exp(sumlog / count),
	       unchecked ? "unchecked" : "checked");
	userbpf_env_free(env);
	free(m);
	return bad ? 1 : 0;
}
