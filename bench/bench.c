/* SPDX-License-Identifier: MIT */
/*
 * bench.c - the benchmark driver. For every program in the list compiled in by bench/run.sh
 * (BENCH_NATIVE(name) lines in BENCH_LIST) it loads <dir>/<name>.vm.bin and
 * <dir>/<name>.kern.bin (raw .text of the BPF builds, see bench/progs/bench_prog.h), checks that
 * every back end computes the same 64-bit result as native code, then times each one and
 * prints a Markdown table of median ns per run and ratios to native, with geometric means.
 *
 *   bench <dir> [--batches N] [--batch-ms M] [--only name]
 *
 * Back ends: native clang -O2; our interpreter in checked mode; our JIT in checked mode and
 * unchecked ("verified"; unsafe_trusted until the verifier exists); the kernel's JIT through
 * BPF_PROG_TEST_RUN with `repeat` (its own per-run duration). A missing one prints n/a.
 * Every back end's result must equal the native one: the last line counts them
 * ("N passed, N failed"; a kernel verifier rejection is a failure too).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "userbpf.h"

#include "../tests/kernel/kbpf.c"

#define BENCH_LEN 1024
#define BENCH_BUF (BENCH_LEN + 8) /* the kernel entry stores its result after the input */

typedef uint64_t (*native_fn)(uint8_t *mem, uint64_t len);

#define BENCH_NATIVE(name) uint64_t bench_native_##name(uint8_t *mem, uint64_t len);
#include BENCH_LIST
#undef BENCH_NATIVE

static const struct bench_def {
	const char *name;
	native_fn native;
} benches[] = {
#define BENCH_NATIVE(name) { #name, bench_native_##name },
#include BENCH_LIST
#undef BENCH_NATIVE
};

enum { K_NATIVE, K_INTERP, K_JIT_CHECKED, K_JIT_VERIFIED, K_KERNEL, K_COUNT };
static const char *const kind_names[K_COUNT] = {
	"native -O2", "interp (checked)", "JIT (checked)", "JIT (verified)", "kernel JIT",
};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* strcmp: 16 strings in 64-byte slots with long shared prefixes, so comparisons run long. */
static void input_strings(uint8_t *buf)
{
	static const char prefix[] = "the quick brown fox jumps over the lazy dog, again and again";

	for (int s = 0; s < 16; s++) {
		uint8_t *slot = buf + s * 64;
		int len = 40 + (int)(rng() % 23); /* 40..62 */
		int shared = 20 + (s % 4) * 10;   /* 20, 30, 40 or 50 characters of the prefix */

		for (int k = 0; k < len; k++)
			slot[k] = k < shared ? (uint8_t)prefix[k] : (uint8_t)('a' + rng() % 26);
		slot[len] = 0;
	}
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* parse: 16 frames: TCP (plain, with IP options, VLAN-tagged), UDP, ARP, non-v4 garbage. */
static void input_frames(uint8_t *buf)
{
	for (int f = 0; f < 16; f++) {
		uint8_t *e = buf + f * 64, *ip = e + 14;
		int kind = f % 8;
		int ihl = kind == 2 ? 6 : 5;

		if (kind == 3) { /* 802.1Q */
			put16(e + 12, 0x8100);
			put16(e + 14, (unsigned)(rng() & 0xfff));
			put16(e + 16, 0x0800);
			ip = e + 18;
		} else {
			put16(e + 12, kind == 6 ? 0x0806 : 0x0800);
		}
		if (kind == 6)
			continue;
		ip[0] = (uint8_t)(kind == 7 ? 0x60 : 0x40 | ihl);
		put16(ip + 2, 40 + (unsigned)(ihl - 5) * 4);
		ip[9] = kind == 5 ? 17 : 6;
		if (kind == 4)
			ip[0] = 0x43; /* bad IHL */
		for (int k = 12; k < 20; k++)
			ip[k] = (uint8_t)rng();
		uint8_t *l4 = ip + ihl * 4;
		if (l4 + 20 <= e + 64) {
			put16(l4, (unsigned)(rng() & 0xffff));
			put16(l4 + 2, kind == 1 ? 443 : 80);
			l4[12] = 0x50;
			l4[13] = (uint8_t)(rng() & 0x3f);
		}
	}
}

static void input_make(const char *name, uint8_t *buf)
{
	rng_state = 0x2545f4914f6cdd1dull;
	for (int i = 0; i < BENCH_BUF; i++)
		buf[i] = (uint8_t)rng();
	if (!strcmp(name, "strcmp"))
		input_strings(buf);
	else if (!strcmp(name, "parse"))
		input_frames(buf);
	memset(buf + BENCH_LEN, 0, 8);
}

/*
 * This thread's CPU time: the machine is shared, and time spent descheduled must not count
 * (the kernel's test-run timer likewise stops while the task reschedules).
 */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct runner {
	int kind;
	native_fn native;
	struct userbpf_prog *prog;
	int kfd;
	uint8_t *buf;
};

/* One run; the result in *r. Returns 0 or a negative errno. */
static int run_once(struct runner *rn, uint64_t *r, struct userbpf_error *err)
{
	switch (rn->kind) {
	case K_NATIVE:
		*r = rn->native(rn->buf, BENCH_BUF);
		return 0;
	case K_INTERP:
	case K_JIT_CHECKED:
	case K_JIT_VERIFIED: {
		USERBPF_OPTS(userbpf_run_opts, opts,
			     .backend = rn->kind == K_INTERP ? USERBPF_BACKEND_INTERP : USERBPF_BACKEND_JIT,
			     .checked = rn->kind != K_JIT_VERIFIED, .budget = UINT64_MAX / 2);
		return userbpf_prog_run(rn->prog, rn->buf, BENCH_BUF, &opts, r, err);
	}
	default:
		return -EINVAL;
	}
}

/* Median ns per run over `batches` batches of about batch_ms each. */
static double time_runner(struct runner *rn, int batches, double batch_ms)
{
	double samples[64], t0, once;
	uint64_t r, iters;
	struct userbpf_error err;

	if (batches > 64)
		batches = 64;
	if (rn->kind == K_KERNEL) {
		uint8_t out[BENCH_BUF];
		uint32_t ret, dur;

		if (kbpf_prog_test_run(rn->kfd, rn->buf, BENCH_BUF, out, sizeof(out), 100, &ret,
				       &dur) < 0)
			return -1;
		iters = (uint64_t)(batch_ms * 1e6 / (dur ? dur : 1)) + 1;
		for (int b = 0; b < batches; b++) {
			if (kbpf_prog_test_run(rn->kfd, rn->buf, BENCH_BUF, out, sizeof(out),
					       (uint32_t)iters, &ret, &dur) < 0)
				return -1;
			samples[b] = dur;
		}
	} else {
		t0 = now_ns();
		for (int i = 0; i < 10; i++)
			run_once(rn, &r, &err);
		once = (now_ns() - t0) / 10;
		iters = (uint64_t)(batch_ms * 1e6 / (once > 1 ? once : 1)) + 1;
		for (int b = 0; b < batches; b++) {
			t0 = now_ns();
			for (uint64_t i = 0; i < iters; i++)
				run_once(rn, &r, &err);
			samples[b] = (now_ns() - t0) / (double)iters;
		}
	}
	qsort(samples, (size_t)batches, sizeof(samples[0]), cmp_double);
	return samples[batches / 2];
}

static void *read_bin(const char *dir, const char *name, const char *suffix, size_t *len)
{
	char path[512];
	FILE *f;
	void *data = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/%s.%s.bin", dir, name, suffix);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n);
		if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return data;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *only = NULL;
	int batches = 11, failures = 0, passed = 0;
	double batch_ms = 5;
	double logsum[K_COUNT] = { 0 };
	int nratio[K_COUNT] = { 0 };
	char kwhy[128] = "";
	bool have_kernel;
	struct userbpf_env *env;
	struct userbpf_error err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batches") && i + 1 < argc)
			batches = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--batch-ms") && i + 1 < argc)
			batch_ms = atof(argv[++i]);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else
			dir = argv[i];
	}
	if (!dir || batches < 1) {
		fprintf(stderr, "usage: bench <dir> [--batches N] [--batch-ms M] [--only name]\n");
		return 2;
	}
	env = userbpf_env_new(NULL, &err);
	if (!env) {
		fprintf(stderr, "bench: userbpf_env_new: %s\n", err.message);
		return 1;
	}
	have_kernel = kbpf_probe(kwhy, sizeof(kwhy)) == 0;
	if (!have_kernel)
		printf("kernel JIT: n/a (%s)\n\n", kwhy);

	printf("| program |");
	for (int k = 0; k < K_COUNT; k++)
		printf(" %s ns |%s", kind_names[k], k ? " ratio |" : "");
	printf(" result |\n|---|");
	for (int k = 0; k < K_COUNT; k++)
		printf("---:|%s", k ? "---:|" : "");
	printf("---|\n");

	for (size_t bi = 0; bi < sizeof(benches) / sizeof(benches[0]); bi++) {
		const struct bench_def *bd = &benches[bi];
		uint8_t buf[BENCH_BUF], out[BENCH_BUF];
		uint64_t res[K_COUNT] = { 0 }, want;
		double ns[K_COUNT];
		char note[K_COUNT][USERBPF_ERRMSG_MAX + 16];
		struct userbpf_prog *progs[2] = { NULL, NULL };
		size_t vlen = 0, klen = 0;
		void *vm = read_bin(dir, bd->name, "vm", &vlen);
		void *kern = read_bin(dir, bd->name, "kern", &klen);
		static char klog[1 << 20];
		int kfd = -1;

		if (only && strcmp(only, bd->name))
			goto next;
		for (int k = 0; k < K_COUNT; k++) {
			ns[k] = -1;
			note[k][0] = 0;
		}
		input_make(bd->name, buf);
		want = bd->native(buf, BENCH_BUF);
		res[K_NATIVE] = want;
		if (!vm || !kern) {
			printf("| %s | missing %s/%s.{vm,kern}.bin |\n", bd->name, dir, bd->name);
			failures++;
			goto next;
		}
		for (int t = 0; t < 2; t++) {
			USERBPF_OPTS(userbpf_prog_opts, popts, .unsafe_trusted = t == 1);

			progs[t] = userbpf_prog_load(env, vm, vlen, &popts, &err);
			if (!progs[t]) {
				snprintf(note[K_INTERP], sizeof(note[0]), "load: %s", err.message);
				break;
			}
		}
		if (have_kernel) {
			kfd = kbpf_prog_load(BPF_PROG_TYPE_XDP, kern, klen / 8, klog, sizeof(klog));
			if (kfd < 0) {
				const char *last = klog + strlen(klog);
				int nl = 0;

				while (last > klog && nl < 3)
					if (*--last == '\n')
						nl++;
				snprintf(note[K_KERNEL], sizeof(note[0]), "rejected by the verifier (%s)",
					 strerror(-kfd));
				fprintf(stderr, "bench: %s: kernel verifier: ...%s\n", bd->name, last);
				failures++;
			}
		}
		for (int k = 0; k < K_COUNT; k++) {
			struct runner rn = { .kind = k, .native = bd->native, .kfd = kfd, .buf = buf };
			int rc;

			if (k == K_KERNEL) {
				uint32_t ret = 0;

				if (kfd < 0) {
					if (!note[k][0])
						snprintf(note[k], sizeof(note[0]), "n/a");
					continue;
				}
				input_make(bd->name, buf);
				rc = kbpf_prog_test_run(kfd, buf, BENCH_BUF, out, sizeof(out), 1, &ret, NULL);
				if (rc < 0 || ret != 2) {
					snprintf(note[k], sizeof(note[0]), "test run failed");
					failures++;
					continue;
				}
				memcpy(&res[k], out + BENCH_LEN, 8);
			} else if (k != K_NATIVE) {
				rn.prog = progs[k == K_JIT_VERIFIED];
				if (!rn.prog) {
					if (!note[k][0])
						snprintf(note[k], sizeof(note[0]), "n/a");
					continue;
				}
				input_make(bd->name, buf);
				rc = run_once(&rn, &res[k], &err);
				if (rc < 0) {
					snprintf(note[k], sizeof(note[0]), "%s",
						 rc == -ENOTSUP ? "n/a" : err.message);
					failures += rc != -ENOTSUP;
					continue;
				}
			}
			if (res[k] != want) {
				snprintf(note[k], sizeof(note[0]), "WRONG RESULT 0x%" PRIx64, res[k]);
				failures++;
				continue;
			}
			passed += k != K_NATIVE;
			input_make(bd->name, buf);
			ns[k] = time_runner(&rn, batches, batch_ms);
		}
		printf("| %s |", bd->name);
		for (int k = 0; k < K_COUNT; k++) {
			if (ns[k] < 0) {
				printf(" %s |%s", note[k][0] ? note[k] : "n/a", k ? " |" : "");
				continue;
			}
			printf(" %.0f |", ns[k]);
			if (k) {
				double ratio = ns[k] / ns[K_NATIVE];

				printf(" %.1fx |", ratio);
				logsum[k] += log(ratio);
				nratio[k]++;
			}
		}
		printf(" 0x%016" PRIx64 " |\n", want);
next:
		for (int t = 0; t < 2; t++)
			if (progs[t])
				userbpf_prog_free(progs[t]);
		if (kfd >= 0)
			close(kfd);
		free(vm);
		free(kern);
	}
	printf("| **geomean** | |");
	for (int k = 1; k < K_COUNT; k++) {
		if (nratio[k])
			printf(" | **%.1fx** (%d) |", exp(logsum[k] / nratio[k]), nratio[k]);
		else
			printf(" | n/a |");
	}
	printf(" |\n\nbench: every result equal to native: %s\nbench: %d passed, %d failed\n",
	       failures ? "no" : "yes", passed, failures);
	userbpf_env_free(env);
	return failures ? 1 : 0;
}
