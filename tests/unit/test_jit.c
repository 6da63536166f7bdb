/* SPDX-License-Identifier: MIT */
/*
 * test_jit.c - the x86-64 JIT through the public API: every ALU/ALU64 operation over all
 * register pairs (rax/rdx/rcx are both BPF registers and div/shift operands) at edge values,
 * compared with the interpreter in checked and in verified (trusted) mode; each run-time error
 * (fault, budget, call depth, unknown helper, helper abort, kfunc, unresolved lddw) with the
 * interpreter's code, instruction and message, also from inside bpf-to-bpf frames; the mode
 * rules, W^X code memory, constant blinding, long/short jump layout, the dump, and the cost of
 * calling an empty program.
 */
#include <inttypes.h>
#include <time.h>

#include "../tools/jitgen.h"
#include "jit/jit.h"
#include "test.h"

#define I(c, d, s, o, i) jg_i((c), (d), (s), (o), (int32_t)(i))
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define LDDW(d, v)                                                                              \
	I(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (uint32_t)(uint64_t)(v)),                         \
		I(0, 0, 0, 0, (uint32_t)((uint64_t)(v) >> 32))
#define N(p) (sizeof(p) / sizeof((p)[0]))

static struct userbpf_env *env;
static uint8_t region[JG_REGION];

static struct userbpf_prog *load(const struct bpf_insn *p, size_t n, bool trusted)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .unsafe_trusted = trusted);
	struct userbpf_error err;
	struct userbpf_prog *prog = userbpf_prog_load(env, p, n * sizeof(*p), &po, &err);

	if (!prog)
		fprintf(stderr, "load failed: %s\n", err.message);
	return prog;
}

/* Run checked in both back ends, and unchecked (trusted) in both when `trusted`; all agree. */
static bool agree(const struct bpf_insn *p, size_t n, bool trusted, struct jg_outcome *out)
{
	static const uint8_t init[JG_MEM] = {1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0xff, 0x7f};
	struct userbpf_prog *prog = load(p, n, false);
	struct jg_outcome a, b;
	bool same;

	if (!prog)
		return false;
	jg_run(prog, USERBPF_BACKEND_INTERP, init, region, &a);
	jg_run(prog, USERBPF_BACKEND_JIT, init, region, &b);
	same = jg_same(&a, &b);
	userbpf_prog_free(prog);
	if (out)
		*out = a;
	if (!trusted || !same)
		return same;
	prog = load(p, n, true);
	if (!prog)
		return false;
	jg_run(prog, USERBPF_BACKEND_INTERP, init, region, &a);
	jg_run(prog, USERBPF_BACKEND_JIT, init, region, &b);
	same = jg_same(&a, &b);
	userbpf_prog_free(prog);
	return same;
}

/* Every ALU operation, every (dst, src) pair among R0-R9, at edge values. */
static void alu_matrix(void)
{
	static const int ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH,
				  BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
	static const uint64_t a[] = {0x8000000000000000ull, 0xffffffff80000000ull, 7, (uint64_t)-7};
	static const uint64_t b[] = {0, (uint64_t)-1, 3, 0xffffffffull, 65};
	int bad = 0, total = 0;

	for (size_t o = 0; o < N(ops); o++)
		for (int cls = 0; cls < 2; cls++)
			for (int sgn = 0; sgn < 2; sgn++) {
				int op = ops[o], off = sgn;

				if (sgn && op != BPF_DIV && op != BPF_MOD)
					continue;
				for (int d = 0; d < 10; d++)
					for (int s = 0; s < 10; s++)
						for (size_t vi = 0; vi < N(a); vi++) {
							uint64_t vb = b[(vi + (size_t)d + (size_t)s) % N(b)];
							struct bpf_insn p[] = {
								LDDW(d, a[vi]), LDDW(s, vb),
								I((cls ? BPF_ALU64 : BPF_ALU) | op | BPF_X, d, s, off, 0),
								I(BPF_ALU64 | BPF_MOV | BPF_X, 0, d, 0, 0),
								I(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 1),
								I(BPF_ALU64 | BPF_XOR | BPF_X, 0, (s + 1) % 10, 0, 0),
								I(BPF_ALU64 | BPF_XOR | BPF_X, 0, (d + 3) % 10, 0, 0),
								EXIT(),
							};

							total++;
							if (!agree(p, N(p), true, NULL))
								bad++;
						}
				/* K forms, dst over all registers, edge immediates */
				for (int d = 0; d < 10; d++)
					for (size_t k = 0; k < N(jg_imms); k++) {
						struct bpf_insn p[] = {
							LDDW(d, a[k % N(a)]),
							I((cls ? BPF_ALU64 : BPF_ALU) | op | BPF_K, d, 0, off,
							  jg_imms[k]),
							I(BPF_ALU64 | BPF_MOV | BPF_X, 0, d, 0, 0), EXIT(),
						};

						total++;
						if (!agree(p, N(p), true, NULL))
							bad++;
					}
			}
	printf("alu matrix: %d programs\n", total);
	CHECK(bad == 0);
}

/* Unsigned division and modulo by constants (reciprocal multiplication) against C. */
static void div_by_constants(void)
{
	uint64_t seed = 12345;
	int bad = 0, runs = 0;

	for (int k = 0; k < 600; k++) {
		int32_t imm;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		if (k < 300)
			imm = k + 2;
		else if (k < 320)
			imm = INT32_MAX - (k - 300);
		else if (k < 340)
			imm = (int32_t)(0x80000000u + (uint32_t)(k - 320) * 7919u);
		else
			imm = (int32_t)(uint32_t)(seed >> 33) | (k & 1 ? 0 : INT32_MIN);
		for (int op = 0; op < 4; op++) {
			int cls = op & 1 ? BPF_ALU64 : BPF_ALU, bop = op & 2 ? BPF_MOD : BPF_DIV;
			struct bpf_insn p[] = {I(BPF_LDX | BPF_DW | BPF_MEM, 0, 1, 0, 0),
					       I(cls | bop | BPF_K, 0, 0, 0, imm), EXIT()};
			struct userbpf_prog *prog = load(p, N(p), true);
			USERBPF_OPTS(userbpf_run_opts, ro, .backend = USERBPF_BACKEND_JIT);

			if (!prog) {
				bad++;
				continue;
			}
			for (int t = 0; t < 40; t++) {
				uint64_t n, r0 = 0, want;
				uint64_t dv = cls == BPF_ALU64 ? (uint64_t)(int64_t)imm : (uint32_t)imm;

				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				n = t < 8 ? jg_vals[t] : seed ^ (seed >> 29);
				if (t == 8)
					n = dv * 3 - 1;
				if (t == 9)
					n = dv * 3;
				if (cls == BPF_ALU)
					want = bop == BPF_DIV ? (uint32_t)n / (uint32_t)dv
							      : (uint32_t)n % (uint32_t)dv;
				else
					want = bop == BPF_DIV ? n / dv : n % dv;
				runs++;
				if (userbpf_prog_run(prog, &n, 8, &ro, &r0, NULL) != 0 || r0 != want) {
					if (bad++ < 5)
						fprintf(stderr, "%s%s %" PRIu64 " by %u: got %" PRIu64
								" want %" PRIu64 "\n",
							bop == BPF_DIV ? "div" : "mod",
							cls == BPF_ALU ? "32" : "64", n, (unsigned)imm, r0,
							want);
				}
			}
			userbpf_prog_free(prog);
		}
	}
	printf("division by constants: %d runs\n", runs);
	CHECK(bad == 0);
}

/* Negations, sign extensions and byte swaps on every register. */
static void unary_matrix(void)
{
	static const int codes[][2] = {
		{BPF_ALU | BPF_NEG, 0}, {BPF_ALU64 | BPF_NEG, 0},
		{BPF_ALU | BPF_END | BPF_TO_LE, 16}, {BPF_ALU | BPF_END | BPF_TO_LE, 32},
		{BPF_ALU | BPF_END | BPF_TO_LE, 64}, {BPF_ALU | BPF_END | BPF_TO_BE, 16},
		{BPF_ALU | BPF_END | BPF_TO_BE, 32}, {BPF_ALU | BPF_END | BPF_TO_BE, 64},
		{BPF_ALU64 | BPF_END | BPF_TO_LE, 16}, {BPF_ALU64 | BPF_END | BPF_TO_LE, 32},
		{BPF_ALU64 | BPF_END | BPF_TO_LE, 64},
	};
	int bad = 0;

	for (size_t c = 0; c < N(codes); c++)
		for (int d = 0; d < 10; d++) {
			struct bpf_insn p[] = {LDDW(d, 0x0123456789abcdefull),
					       I(codes[c][0], d, 0, 0, codes[c][1]),
					       I(BPF_ALU64 | BPF_MOV | BPF_X, 0, d, 0, 0), EXIT()};

			bad += !agree(p, N(p), true, NULL);
		}
	for (int sx = 8; sx <= 32; sx *= 2)
		for (int cls = 0; cls < 2; cls++)
			for (int d = 0; d < 10; d++)
				for (int s = 0; s < 10; s++) {
					struct bpf_insn p[] = {
						LDDW(s, 0x00000000ffff8080ull),
						I((cls ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_X, d, s, sx, 0),
						I(BPF_ALU64 | BPF_MOV | BPF_X, 0, d, 0, 0), EXIT()};

					if (sx == 32 && !cls)
						continue;
					bad += !agree(p, N(p), true, NULL);
				}
	CHECK(bad == 0);
}

/* Loads, stores and atomics for every register as base and as value. */
static void mem_matrix(void)
{
	static const int atom[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH,
				   BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
				   BPF_XCHG, BPF_CMPXCHG};
	int bad = 0;

	for (int base = 0; base < 10; base++)
		for (int v = 0; v < 10; v++)
			for (size_t k = 0; k < N(atom); k++)
				for (int w = 0; w < 2; w++) {
					int sz = w ? BPF_DW : BPF_W;
					struct bpf_insn p[] = {
						I(BPF_ALU64 | BPF_MOV | BPF_X, base, 1, 0, 0),
						LDDW(v, 0xf0f0f0f00f0f0f0full), MOV_K(0, 0x0f0f0f0f),
						I(BPF_STX | sz | BPF_ATOMIC, base, v, 8, atom[k]),
						I(BPF_STX | BPF_DW | BPF_MEM, 10, v, -8, 0),
						I(BPF_LDX | sz | BPF_MEM, 3 + (base == 3), base, 8, 0),
						I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 3 + (base == 3), 0, 0),
						I(BPF_ALU64 | BPF_XOR | BPF_X, 0, v, 0, 0),
						I(BPF_LDX | BPF_W | BPF_MEMSX, 5, 10, -4, 0),
						I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 5, 0, 0),
						EXIT()};

					if (base == 0 && k == N(atom) - 1)
						continue; /* base clobbered before use: still fine, skip */
					bad += !agree(p, N(p), true, NULL);
				}
	CHECK(bad == 0);
}

/* Run checked; check the error matches the interpreter's and has the expected code/index. */
static void error_case(const char *what, const struct bpf_insn *p, size_t n, int code, int insn)
{
	struct jg_outcome o;

	if (!agree(p, n, false, &o)) {
		fprintf(stderr, "%s: back ends disagree\n", what);
		test_failed++;
		return;
	}
	if (o.ret != code || o.err.insn != insn)
		fprintf(stderr, "%s: got %d at %d (%s)\n", what, o.ret, o.err.insn, o.err.message);
	CHECK(o.ret == code && o.err.insn == insn);
}

static void errors(void)
{
	struct bpf_insn fault[] = {MOV_K(0, 1), I(BPF_LDX | BPF_DW | BPF_MEM, 0, 10, 8, 0), EXIT()};
	struct bpf_insn ro[] = {LDDW(2, (uintptr_t)region), I(BPF_ST | BPF_W | BPF_MEM, 2, 0, 0, 1),
				EXIT()};
	struct bpf_insn loop[] = {MOV_K(0, 0), I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1),
				  I(BPF_JMP | BPF_JA, 0, 0, -2, 0), EXIT()};
	struct bpf_insn deep[] = {I(BPF_JMP | BPF_CALL, 0, 1, 0, -1), EXIT()};
	struct bpf_insn callx[] = {MOV_K(4, 77), I(BPF_JMP | BPF_CALL | BPF_X, 4, 0, 0, 0), EXIT()};
	struct bpf_insn abort_[] = {MOV_K(1, 3), I(BPF_JMP | BPF_CALL, 0, 0, 0, 2), EXIT()};
	struct bpf_insn kfunc[] = {MOV_K(0, 0), I(BPF_JMP | BPF_CALL, 0, 2, 0, 5), EXIT()};
	/* a fault three frames deep: the JIT unwinds native frames by depth */
	struct bpf_insn inner[] = {MOV_K(6, 6), I(BPF_JMP | BPF_CALL, 0, 1, 0, 2), EXIT(), EXIT(),
				   I(BPF_JMP | BPF_CALL, 0, 1, 0, 1), EXIT(),
				   I(BPF_JMP | BPF_CALL, 0, 1, 0, 1), EXIT(),
				   I(BPF_STX | BPF_DW | BPF_MEM, 10, 6, -520, 0), EXIT()};
	/* LD_ABS outside the packet ends the program with r0 = 0, also from a frame */
	struct bpf_insn ldabs[] = {MOV_K(0, 5), I(BPF_JMP | BPF_CALL, 0, 1, 0, 1), EXIT(),
				   I(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0, 62), EXIT()};
	/* frames: R6-R9 restored, R10 per frame, stack of the caller intact */
	struct bpf_insn frames[] = {MOV_K(6, 1), MOV_K(9, 9), I(BPF_ST | BPF_DW | BPF_MEM, 10, 0, -8, 42),
				    I(BPF_JMP | BPF_CALL, 0, 1, 0, 4),
				    I(BPF_LDX | BPF_DW | BPF_MEM, 2, 10, -8, 0),
				    I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0),
				    I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 9, 0, 0), EXIT(),
				    MOV_K(9, 100), I(BPF_ST | BPF_DW | BPF_MEM, 10, 0, -8, 7),
				    I(BPF_LDX | BPF_DW | BPF_MEM, 0, 10, -8, 0), EXIT()};
	struct jg_outcome o;

	error_case("fault above the stack", fault, N(fault), -EFAULT, 1);
	error_case("write to a read-only region", ro, N(ro), -EFAULT, 2);
	error_case("budget", loop, N(loop), -ETIME, 2);
	error_case("call depth", deep, N(deep), -E2BIG, 0);
	error_case("unknown helper by callx", callx, N(callx), -ENOENT, 1);
	error_case("helper abort", abort_, N(abort_), -EPERM, 1);
	error_case("kfunc", kfunc, N(kfunc), -ENOTSUP, 1);
	error_case("fault in a deep frame", inner, N(inner), -EFAULT, 8);
	CHECK(agree(ldabs, N(ldabs), true, &o) && o.ret == 0 && o.r0 == 0);
	CHECK(agree(frames, N(frames), true, &o) && o.ret == 0 && o.r0 == 7 + 42 + 9);
}

/* A forward branch over more than 127 bytes, and one that fits a short jump. */
static void layout(void)
{
	struct bpf_insn p[80];
	size_t n = 0;
	struct jg_outcome o;

	p[n++] = MOV_K(0, 1);
	p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 70, 1); /* long */
	for (int i = 0; i < 70; i++)
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1000000);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 1); /* short */
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 5);
	p[n++] = EXIT();
	CHECK(agree(p, n, true, &o) && o.r0 == 6);
	p[1].imm = 2;
	CHECK(agree(p, n, true, &o) && o.r0 == 70000001);
}

/*
 * What the JIT does not implement (bpf_tail_call) runs in the interpreter under the default
 * back end. Here the tail call fails (r2 is no prog_array) and the program goes on: r0 = 7.
 */
static void fallback(void)
{
	struct bpf_insn p[] = {MOV_K(2, 0), MOV_K(3, 0), I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call),
			       MOV_K(0, 7), EXIT()};
	struct userbpf_env *std = userbpf_env_new(NULL, NULL);
	USERBPF_OPTS(userbpf_run_opts, jit, .backend = USERBPF_BACKEND_JIT);
	struct userbpf_error err;
	struct userbpf_prog *prog = NULL;
	uint64_t r0 = 0;

	if (std && userbpf_env_register_std_helpers(std, NULL) == 0)
		prog = userbpf_prog_load(std, p, sizeof(p), NULL, &err);
	CHECK(prog != NULL);
	if (prog) {
		CHECK(userbpf_prog_run(prog, NULL, 0, &jit, &r0, &err) == -ENOTSUP);
		CHECK(userbpf_prog_run(prog, NULL, 0, &jit, &r0, &err) == -ENOTSUP);
		CHECK(userbpf_prog_run(prog, NULL, 0, NULL, &r0, &err) == 0 && r0 == 7);
		CHECK(userbpf_prog_jit_compile(prog, NULL, &err) == -ENOTSUP && err.insn == 2);
		userbpf_prog_free(prog);
	}
	userbpf_env_free(std);
}

static bool code_is_rx(const void *code)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool rx = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && (uintptr_t)code >= lo &&
		    (uintptr_t)code < hi)
			rx = strcmp(perms, "r-xp") == 0;
	}
	fclose(f);
	return rx;
}

static bool contains(const uint8_t *code, size_t len, uint32_t v)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(code + i, &v, 4) == 0)
			return true;
	return false;
}

static void api(void)
{
	struct bpf_insn p[] = {MOV_K(0, 0x12345678), I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 0x1111),
			       EXIT()};
	struct userbpf_prog *prog = load(p, N(p), false);
	USERBPF_OPTS(userbpf_jit_opts, verified, .mode = USERBPF_JIT_VERIFIED);
	USERBPF_OPTS(userbpf_jit_opts, blind, .mode = USERBPF_JIT_CHECKED, .blind_constants = true);
	USERBPF_OPTS(userbpf_run_opts, jit, .backend = USERBPF_BACKEND_JIT);
	struct userbpf_error err;
	const void *code;
	size_t len = 0;
	uint64_t r0 = 0;
	static char text[16384];
	int tl;

	CHECK(prog != NULL);
	if (!prog)
		return;
	CHECK(userbpf_prog_jit_compile(prog, &verified, &err) == -EACCES);
	CHECK(userbpf_prog_jit_code(prog, USERBPF_JIT_CHECKED, &len) == NULL);
	CHECK(userbpf_prog_jit_compile(prog, NULL, &err) == 0);
	code = userbpf_prog_jit_code(prog, USERBPF_JIT_CHECKED, &len);
	CHECK(code != NULL && len > 0);
	CHECK(code && code_is_rx(code));
	CHECK(code && contains(code, len, 0x12345678));
	CHECK(userbpf_prog_jit_compile(prog, &blind, &err) == 0);
	code = userbpf_prog_jit_code(prog, USERBPF_JIT_CHECKED, &len);
	CHECK(code && !contains(code, len, 0x12345678) && !contains(code, len, 0x1111));
	CHECK(userbpf_prog_run(prog, NULL, 0, &jit, &r0, &err) == 0 && r0 == 0x12345678 + 0x1111);
	tl = userbpf_prog_jit_dump(prog, USERBPF_JIT_CHECKED, text, sizeof(text), &err);
	CHECK(tl > 0 && strstr(text, "   1: (07) r0 += 4369") && strstr(text, "ret"));
	userbpf_prog_free(prog);

	prog = load(p, N(p), true);
	CHECK(prog && userbpf_prog_jit_compile(prog, &verified, &err) == 0);
	CHECK(prog && userbpf_prog_jit_code(prog, USERBPF_JIT_VERIFIED, &len) != NULL);
	userbpf_prog_free(prog);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* What a host pays to call an empty verified program through the JIT (printed, not asserted). */
static void call_cost(void)
{
	struct bpf_insn p[] = {MOV_K(0, 0), EXIT()};
	struct userbpf_prog *prog = load(p, N(p), true);
	USERBPF_OPTS(userbpf_run_opts, jit, .backend = USERBPF_BACKEND_JIT);
	jit_entry_fn fn;
	struct userbpf_call run = {0};
	uint64_t r0, sum = 0;
	double t0, t1, t2;
	int iters = 2000000;

	if (!prog || userbpf_prog_run(prog, NULL, 0, &jit, &r0, NULL) != 0) {
		CHECK(0);
		return;
	}
	fn = (jit_entry_fn)userbpf_prog_jit_code(prog, USERBPF_JIT_VERIFIED, NULL);
	run.prog = prog;
	t0 = now();
	for (int i = 0; i < iters; i++)
		sum += fn((uint64_t)i, 0, &run).r0;
	t1 = now();
	for (int i = 0; i < iters / 10; i++)
		userbpf_prog_run(prog, NULL, 0, &jit, &r0, NULL);
	t2 = now();
	printf("empty program: %.2f ns per native call, %.1f ns per userbpf_prog_run\n",
	       (t1 - t0) * 1e9 / iters, (t2 - t1) * 1e9 / (iters / 10));
	CHECK(sum == 0);
	userbpf_prog_free(prog);
}

int main(void)
{
	env = userbpf_env_new(NULL, NULL);
	if (!env || jg_env_setup(env))
		return 1;
	for (int i = 0; i < JG_REGION; i++)
		region[i] = (uint8_t)i;
	alu_matrix();
	div_by_constants();
	unary_matrix();
	mem_matrix();
	errors();
	layout();
	fallback();
	api();
	call_cost();
	userbpf_env_free(env);
	return test_summary();
}
