/* SPDX-License-Identifier: MIT */
/*
 * jitbench.c - speed of the back ends on small real-world kernels: each program runs in the
 * interpreter, the JIT in checked mode and the JIT in verified (trusted) mode, next to the same
 * algorithm in C compiled into this tool (-O2). Prints ns per run, the ratios to native, the
 * geometric means, the bytes of x86 per BPF instruction, and the cost of calling an empty
 * program. Results feed BENCHMARKS.md.
 *   usage: jitbench [SECONDS_PER_MEASUREMENT]   (default 0.2)
 * The machine is shared: times are this thread's CPU time, best of 5 measurements.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jit/jit.h"
#include "userbpf.h"

#define BUF 1500

/*
 * This thread's CPU time: on a shared machine wall-clock time counts the time other processes
 * hold the CPU (the kernel's BPF_PROG_TEST_RUN excludes it too, as it reschedules in between).
 */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the kernels, in C ---- */

static uint64_t c_fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t c_csum(const uint8_t *p, size_t n)
{
	uint64_t s = 0;
	uint16_t w;

	for (size_t i = 0; i + 1 < n; i += 2) {
		memcpy(&w, p + i, 2);
		s += w;
	}
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

static uint64_t c_sort(const uint8_t *p, size_t n)
{
	uint64_t a[16];

	(void)n;
	memcpy(a, p, sizeof(a));
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 15 - i; j++)
			if (a[j] > a[j + 1]) {
				uint64_t t = a[j];

				a[j] = a[j + 1];
				a[j + 1] = t;
			}
	return a[0] ^ a[15] ^ a[7];
}

static uint64_t c_modsum(const uint8_t *p, size_t n)
{
	uint64_t s = 0;

	(void)p;
	for (uint64_t i = n; i != 0; i--)
		s += (i * 1103515245u) % 1000003u;
	return s;
}

/* ---- the same kernels in BPF (kernel-log syntax) ---- */

static const char fnv_s[] = "r0 = 0xcbf29ce484222325 ll\n"
			    "r3 = 0x100000001b3 ll\n"
			    "if r2 == 0 goto +6\n"
			    "r4 = *(u8 *)(r1 +0)\n"
			    "r0 ^= r4\n"
			    "r0 *= r3\n"
			    "r1 += 1\n"
			    "r2 += -1\n"
			    "goto -7\n"
			    "exit\n";

static const char csum_s[] = "r0 = 0\n"
			     "if r2 < 2 goto +5\n"
			     "r4 = *(u16 *)(r1 +0)\n"
			     "r0 += r4\n"
			     "r1 += 2\n"
			     "r2 += -2\n"
			     "goto -6\n"
			     "r3 = r0\n"
			     "r3 >>= 16\n"
			     "r0 &= 65535\n"
			     "r0 += r3\n"
			     "r3 = r0\n"
			     "r3 >>= 16\n"
			     "r0 &= 65535\n"
			     "r0 += r3\n"
			     "exit\n";

/* bubble sort of 16 u64 copied to the stack */
static const char sort_s[] = "r6 = 0\n"                  /* copy: i = 0 */
			     "r3 = r1\n"
			     "r3 += r6\n"
			     "r4 = *(u64 *)(r3 +0)\n"
			     "r5 = r10\n"
			     "r5 += -128\n"
			     "r5 += r6\n"
			     "*(u64 *)(r5 +0) = r4\n"
			     "r6 += 8\n"
			     "if r6 < 128 goto -9\n"
			     "r6 = 15\n"                 /* outer: n = 15 .. 1 */
			     "r7 = r10\n"                /* inner: p = base */
			     "r7 += -128\n"
			     "r8 = r6\n"
			     "r4 = *(u64 *)(r7 +0)\n"
			     "r5 = *(u64 *)(r7 +8)\n"
			     "if r4 <= r5 goto +2\n"
			     "*(u64 *)(r7 +0) = r5\n"
			     "*(u64 *)(r7 +8) = r4\n"
			     "r7 += 8\n"
			     "r8 += -1\n"
			     "if r8 != 0 goto -8\n"
			     "r6 += -1\n"
			     "if r6 != 0 goto -13\n"
			     "r0 = *(u64 *)(r10 -128)\n"
			     "r1 = *(u64 *)(r10 -8)\n"
			     "r0 ^= r1\n"
			     "r1 = *(u64 *)(r10 -72)\n"
			     "r0 ^= r1\n"
			     "exit\n";

static const char modsum_s[] = "r0 = 0\n"
			       "if r2 == 0 goto +6\n"
			       "r3 = r2\n"
			       "r3 *= 1103515245\n"
			       "r3 %= 1000003\n"
			       "r0 += r3\n"
			       "r2 += -1\n"
			       "goto -7\n"
			       "exit\n";

struct kernel {
	const char *name;
	const char *text;
	uint64_t (*native)(const uint8_t *, size_t);
	size_t len;
};

/* Best of 5 timings, each of enough runs to last secs / 5, with two clock reads per timing. */
static double per_run(double secs, int (*fn)(void *), void *ctx)
{
	double best = 1e30, t0, t;
	long n = 1;

	for (;;) { /* calibrate: clock reads must not weigh on short runs */
		t0 = now();
		for (long i = 0; i < n; i++)
			fn(ctx);
		t = now();
		if (t - t0 > 2e-3 || n > (1L << 40))
			break;
		n *= 2;
	}
	n = (long)((double)n * (secs / 5) / (t - t0)) + 1;
	for (int trial = 0; trial < 5; trial++) {
		t0 = now();
		for (long i = 0; i < n; i++)
			fn(ctx);
		t = now();
		if ((t - t0) / (double)n < best)
			best = (t - t0) / (double)n;
	}
	return best * 1e9;
}

struct bctx {
	struct userbpf_prog *prog;
	const struct kernel *k;
	uint8_t *buf;
	struct userbpf_run_opts *ro;
	uint64_t sink;
};

static int run_bpf(void *p)
{
	struct bctx *c = p;
	uint64_t r0 = 0;
	int ret = userbpf_prog_run(c->prog, c->buf, c->k->len, c->ro, &r0, NULL);

	c->sink += r0;
	return ret;
}

static int run_native(void *p)
{
	struct bctx *c = p;

	c->sink += c->k->native(c->buf, c->k->len);
	__asm__ volatile("" ::: "memory");
	return 0;
}

static int run_empty(void *p)
{
	struct bctx *c = p;
	jit_entry_fn fn = (jit_entry_fn)userbpf_prog_jit_code(c->prog, USERBPF_JIT_VERIFIED, NULL);
	struct userbpf_call *run = (struct userbpf_call *)c->ro;

	for (int i = 0; i < 64; i++)
		c->sink += fn(0, 0, run).r0;
	return 0;
}

/* Verified code with one optimisation turned off at a time: ns per run and code bytes. */
static void ablation(struct userbpf_env *env, const struct kernel *ks, size_t nk, uint8_t *buf,
		     double secs)
{
	static const struct {
		const char *name;
		unsigned no;
	} v[] = {
		{"all on", 0},
		{"-minsave", JIT_NO_MINSAVE},
		{"-imm", JIT_NO_IMM},
		{"-fusion", JIT_NO_FUSION},
		{"-zext", JIT_NO_ZEXT},
		{"all off", JIT_NO_MINSAVE | JIT_NO_IMM | JIT_NO_FUSION | JIT_NO_ZEXT},
	};
	static const struct kernel empty = {"empty", "r0 = 0\nexit\n", NULL, 0};
	USERBPF_OPTS(userbpf_prog_opts, trusted, .unsafe_trusted = true);
	USERBPF_OPTS(userbpf_run_opts, rv, .backend = USERBPF_BACKEND_JIT);

	printf("\nverified code, one optimisation off at a time: ns per run (bytes of code)\n%-16s",
	       "kernel");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		printf(" %16s", v[i].name);
	printf("\n");
	for (size_t k = 0; k <= nk; k++) {
		const struct kernel *kk = k < nk ? &ks[k] : &empty;
		struct userbpf_prog *prog = userbpf_prog_load_text(env, kk->text, &trusted, NULL);
		struct bctx c = {.prog = prog, .k = kk, .buf = buf, .ro = &rv};

		if (!prog)
			return;
		printf("%-16s", kk->name);
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			struct jit_opts o = {.mode = JIT_VERIFIED, .disable = v[i].no};
			struct jit_code *code;

			if (jit_compile(prog, &o, &code, NULL) < 0)
				return;
			jit_code_free(prog->jit[JIT_VERIFIED]);
			prog->jit[JIT_VERIFIED] = code;
			if (kk == &empty) {
				struct userbpf_call run = {0};
				struct bctx e = {.prog = prog, .ro = (struct userbpf_run_opts *)&run};

				run.prog = prog;
				printf(" %9.2f (%4zu)", per_run(secs, run_empty, &e) / 64, code->size);
			} else {
				printf(" %9.0f (%4zu)", per_run(secs, run_bpf, &c), code->size);
			}
		}
		printf("\n");
		userbpf_prog_free(prog);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	static const struct kernel ks[] = {
		{"fnv1a-1500B", fnv_s, c_fnv, BUF},
		{"csum16-1500B", csum_s, c_csum, BUF},
		{"bubble16-stack", sort_s, c_sort, 128},
		{"modsum-1000", modsum_s, c_modsum, 1000},
	};
	double secs = argc > 1 ? atof(argv[1]) : 0.2;
	struct userbpf_error err;
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	uint8_t *buf = malloc(BUF);
	double g_chk = 0, g_ver = 0, g_int = 0;
	USERBPF_OPTS(userbpf_prog_opts, trusted, .unsafe_trusted = true);

	for (int i = 0; i < BUF; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	printf("%-16s %10s %10s %10s %10s %8s %8s %8s %12s\n", "kernel", "native", "interp",
	       "checked", "verified", "int/nat", "chk/nat", "ver/nat", "bytes/insn");
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		struct userbpf_prog *prog = userbpf_prog_load_text(env, ks[i].text, &trusted, &err);
		USERBPF_OPTS(userbpf_run_opts, ri, .backend = USERBPF_BACKEND_INTERP,
			     .budget = 1000000000);
		USERBPF_OPTS(userbpf_run_opts, rc, .backend = USERBPF_BACKEND_JIT, .checked = true,
			     .budget = 1000000000);
		USERBPF_OPTS(userbpf_run_opts, rv, .backend = USERBPF_BACKEND_JIT);
		struct bctx c = {.prog = prog, .k = &ks[i], .buf = buf};
		uint64_t a = 0, b = 0, d = 0;
		double tn, ti, tc, tv;
		size_t lc = 0, lv = 0;
		size_t n;

		if (!prog) {
			fprintf(stderr, "%s: %s (insn %d)\n", ks[i].name, err.message, err.insn);
			return 1;
		}
		n = userbpf_prog_insn_count(prog);
		userbpf_prog_run(prog, buf, ks[i].len, &ri, &a, NULL);
		userbpf_prog_run(prog, buf, ks[i].len, &rc, &b, NULL);
		userbpf_prog_run(prog, buf, ks[i].len, &rv, &d, NULL);
		if (a != b || a != d || a != ks[i].native(buf, ks[i].len)) {
			fprintf(stderr, "%s: results differ: %llx %llx %llx native %llx\n", ks[i].name,
				(unsigned long long)a, (unsigned long long)b, (unsigned long long)d,
				(unsigned long long)ks[i].native(buf, ks[i].len));
			return 1;
		}
		userbpf_prog_jit_code(prog, USERBPF_JIT_CHECKED, &lc);
		userbpf_prog_jit_code(prog, USERBPF_JIT_VERIFIED, &lv);
		tn = per_run(secs, run_native, &c);
		c.ro = &ri;
		ti = per_run(secs, run_bpf, &c);
		c.ro = &rc;
		tc = per_run(secs, run_bpf, &c);
		c.ro = &rv;
		tv = per_run(secs, run_bpf, &c);
		printf("%-16s %10.0f %10.0f %10.0f %10.0f %8.2f %8.2f %8.2f %5.1f / %4.1f\n",
		       ks[i].name, tn, ti, tc, tv, ti / tn, tc / tn, tv / tn, (double)lc / (double)n,
		       (double)lv / (double)n);
		g_int += log(ti / tn);
		g_chk += log(tc / tn);
		g_ver += log(tv / tn);
		userbpf_prog_free(prog);
	}
	ablation(env, ks, sizeof(ks) / sizeof(ks[0]), buf, secs);
	printf("geometric mean vs native: interp %.2fx, JIT checked %.2fx, JIT verified %.2fx\n",
	       exp(g_int / 4), exp(g_chk / 4), exp(g_ver / 4));
	printf("bytes/insn: checked / verified code (whole program incl. prologue and stubs)\n");
	{
		struct userbpf_prog *prog = userbpf_prog_load_text(env, "r0 = 0\nexit\n", &trusted, &err);
		USERBPF_OPTS(userbpf_run_opts, rv, .backend = USERBPF_BACKEND_JIT);
		struct userbpf_call run = {0};
		struct bctx c = {.prog = prog, .ro = (struct userbpf_run_opts *)&run};
		uint64_t r0;

		run.prog = prog;
		userbpf_prog_run(prog, NULL, 0, &rv, &r0, NULL);
		printf("empty program: %.2f ns per call of the native entry, ",
		       per_run(secs, run_empty, &c) / 64);
		c.ro = &rv;
		c.k = &ks[0];
		c.buf = NULL;
		{
			static const struct kernel none = {"", "", NULL, 0};

			c.k = &none;
		}
		printf("%.1f ns per userbpf_prog_run (verified)\n", per_run(secs, run_bpf, &c));
		userbpf_prog_free(prog);
	}
	userbpf_env_free(env);
	free(buf);
	return 0;
}
