/* SPDX-License-Identifier: MIT */
/*
 * test_vm.c - the public program API and the interpreter: every operation's semantics at its
 * edge values (each program runs in checked and in unchecked mode and both must agree), bpf-to-
 * bpf frames, helpers, LD_ABS/LD_IND, and every run-time error path with its wording.
 * Programs are hand-encoded with the small macros below.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "test.h"
#include "vm/vm.h"

/* ---- encoding ---- */
#define I(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (uint8_t)(c), .dst_reg = (d), .src_reg = (s), .off = (int16_t)(o), \
			   .imm = (int32_t)(i)})
#define MOV_K(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_X(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU_K(op, d, i) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU_X(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32_K(op, d, i) I(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define LDDW(d, v)                                                                              \
	I(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (uint32_t)(uint64_t)(v)),                         \
		I(0, 0, 0, 0, (uint32_t)((uint64_t)(v) >> 32))
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define JMP_K(op, d, i, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMP_X(op, d, s, o) I(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define LDX(sz, d, s, o) I(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define LDXS(sz, d, s, o) I(BPF_LDX | (sz) | BPF_MEMSX, d, s, o, 0)
#define ST(sz, d, o, i) I(BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define STX(sz, d, s, o) I(BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ATOM(sz, d, s, o, op) I(BPF_STX | (sz) | BPF_ATOMIC, d, s, o, op)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(rel) I(BPF_JMP | BPF_CALL, 0, 1, 0, rel)
#define CALLX(r) I(BPF_JMP | BPF_CALL | BPF_X, r, 0, 0, 0)
#define LDABS(sz, i) I(BPF_LD | (sz) | BPF_ABS, 0, 0, 0, i)
#define LDIND(sz, s, i) I(BPF_LD | (sz) | BPF_IND, 0, s, 0, i)

#define N(p) (sizeof(p) / sizeof((p)[0]))

static struct userbpf_env *env;
static struct userbpf_error err;

static uint64_t h_add(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		      struct userbpf_call *call)
{
	(void)call;
	return a + b + c + d + e;
}

static uint64_t h_cookie(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct userbpf_call *call)
{
	return *(uint64_t *)userbpf_call_cookie(call) + a;
}

/* r0 = mem_ok(r1, r2, write=r3) */
static uint64_t h_memok(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			struct userbpf_call *call)
{
	return userbpf_call_mem_ok(call, a, b, c != 0);
}

static uint64_t h_abort_long(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			     struct userbpf_call *call)
{
	char msg[600];

	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = 0;
	userbpf_call_abort(call, 0, msg); /* 0: no code given, -ECANCELED */
	return 0;
}

static uint64_t h_abort(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			struct userbpf_call *call)
{
	userbpf_call_abort(call, -EPERM, "the helper said no");
	return 7;
}

/*
 * Run in one mode: checked (the default for unverified programs) or trusted (unchecked), in
 * the interpreter unless opts names another back end (the default back end is the JIT).
 */
static int run_backend(const struct bpf_insn *p, size_t n, void *mem, size_t len, bool trusted,
		       const struct userbpf_run_opts *opts, uint64_t *r0,
		       enum userbpf_backend backend)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .unsafe_trusted = trusted);
	struct userbpf_run_opts o = opts ? *opts : (struct userbpf_run_opts){.sz = sizeof(o)};
	struct userbpf_prog *prog;
	int ret;

	if (o.backend == USERBPF_BACKEND_DEFAULT)
		o.backend = backend;
	memset(&err, 0, sizeof(err));
	prog = userbpf_prog_load(env, p, n * sizeof(*p), &po, &err);
	if (!prog)
		return err.code;
	ret = userbpf_prog_run(prog, mem, len, &o, r0, &err);
	userbpf_prog_free(prog);
	return ret;
}

static int run_mode(const struct bpf_insn *p, size_t n, void *mem, size_t len, bool trusted,
		    const struct userbpf_run_opts *opts, uint64_t *r0)
{
	return run_backend(p, n, mem, len, trusted, opts, r0, USERBPF_BACKEND_INTERP);
}

static bool jit_available;

/*
 * Run in the interpreter checked and unchecked on copies of mem; both must succeed and agree
 * (result and memory). Where the JIT exists, its checked run must agree too.
 */
static uint64_t run2(const struct bpf_insn *p, size_t n, void *mem, size_t len)
{
	uint8_t *copy = malloc(len + 1), *copy2 = malloc(len + 1);
	uint64_t r_checked = 0xdead, r_unchecked = 0xbeef, r_jit = 0xf00d;
	int a, b, c = 0;

	if (len) {
		memcpy(copy, mem, len);
		memcpy(copy2, mem, len);
	}
	a = run_mode(p, n, mem, len, false, NULL, &r_checked);
	b = run_mode(p, n, len ? copy : NULL, len, true, NULL, &r_unchecked);
	if (a || b)
		fprintf(stderr, "run failed: checked %d, unchecked %d: %s\n", a, b, err.message);
	CHECK(a == 0 && b == 0);
	CHECK_EQ_U64(r_checked, r_unchecked);
	CHECK(len == 0 || memcmp(mem, copy, len) == 0);
	if (jit_available) {
		c = run_backend(p, n, len ? copy2 : NULL, len, false, NULL, &r_jit, USERBPF_BACKEND_JIT);
		if (c || r_jit != r_checked)
			fprintf(stderr, "JIT disagrees: ret %d r0 0x%" PRIx64 " (interpreter 0x%" PRIx64
					")\n", c, r_jit, r_checked);
		CHECK(c == 0 && r_jit == r_checked);
		CHECK(len == 0 || memcmp(mem, copy2, len) == 0);
	}
	free(copy);
	free(copy2);
	return r_checked;
}

#define RUN(...)                                                                                \
	({                                                                                      \
		const struct bpf_insn p_[] = {__VA_ARGS__};                                     \
		run2(p_, N(p_), NULL, 0);                                                       \
	})

/* dst (r0) = a; r2 = b; op r0, r2 (with off, for the signed and movsx forms). */
static uint64_t alu_x(int cls, int op, int off, uint64_t a, uint64_t b)
{
	return RUN(LDDW(0, a), LDDW(2, b), I(cls | op | BPF_X, 0, 2, off, 0), EXIT());
}

static uint64_t alu_k(int cls, int op, int off, uint64_t a, int32_t imm)
{
	return RUN(LDDW(0, a), I(cls | op | BPF_K, 0, 0, off, imm), EXIT());
}

/* Check the X form with b and, when b fits an s32 imm, the K form with the same value. */
static void alu_both(int cls, int op, int off, uint64_t a, uint64_t b, uint64_t want, int line)
{
	uint64_t got = alu_x(cls, op, off, a, b);

	if (got != want)
		fprintf(stderr, "line %d: X form: got 0x%" PRIx64 " want 0x%" PRIx64 "\n", line, got,
			want);
	CHECK_EQ_U64(got, want);
	if ((int64_t)b == (int32_t)b || (cls == BPF_ALU && b <= UINT32_MAX)) {
		got = alu_k(cls, op, off, a, (int32_t)b);
		if (got != want)
			fprintf(stderr, "line %d: K form: got 0x%" PRIx64 " want 0x%" PRIx64 "\n", line,
				got, want);
		CHECK_EQ_U64(got, want);
	}
}
#define A64(op, a, b, want) alu_both(BPF_ALU64, op, 0, a, b, want, __LINE__)
#define A32(op, a, b, want) alu_both(BPF_ALU, op, 0, a, b, want, __LINE__)
#define S64(op, a, b, want) alu_both(BPF_ALU64, op, 1, a, b, want, __LINE__)
#define S32(op, a, b, want) alu_both(BPF_ALU, op, 1, a, b, want, __LINE__)

static void test_alu(void)
{
	const uint64_t M = UINT64_MAX, MIN64 = 1ull << 63;

	A64(BPF_ADD, M, 1, 0);
	A64(BPF_ADD, 5, -3, 2);
	A32(BPF_ADD, 0xffffffffull, 1, 0);
	A32(BPF_ADD, 0x1234567800000001ull, 1, 2); /* upper half dropped */
	A64(BPF_SUB, 0, 1, M);
	A32(BPF_SUB, 0, 1, 0xffffffffull);
	A64(BPF_MUL, 0x100000000ull, 0x100000000ull, 0);
	A64(BPF_MUL, 3, -2, (uint64_t)-6);
	A32(BPF_MUL, 0x10000, 0x10000, 0);
	A32(BPF_MUL, 3, 0xfffffffe, 0xfffffffa);
	A64(BPF_DIV, 7, 2, 3);
	A64(BPF_DIV, 7, 0, 0);
	A64(BPF_DIV, M, 2, M / 2);
	alu_both(BPF_ALU64, BPF_DIV, 0, M, 0xffffffffffffffffull, 1, __LINE__); /* imm -1 is 2^64-1 */
	A32(BPF_DIV, 0xffffffff00000007ull, 2, 3);
	A32(BPF_DIV, 5, 0, 0);
	A32(BPF_DIV, 0xffffffff, 0xffffffff, 1); /* unsigned 32-bit */
	A64(BPF_MOD, 7, 3, 1);
	A64(BPF_MOD, 7, 0, 7);                   /* x % 0 = x */
	A32(BPF_MOD, 0xffffffff00000007ull, 0, 7); /* x % 0 = x, zero-extended */
	A32(BPF_MOD, 0xffffffff, 0x10, 0xf);
	S64(BPF_DIV, (uint64_t)-7, 2, (uint64_t)-3);
	S64(BPF_DIV, 7, (uint64_t)-2, (uint64_t)-3);
	S64(BPF_DIV, MIN64, (uint64_t)-1, MIN64);
	S64(BPF_DIV, 5, 0, 0);
	S32(BPF_DIV, 0xfffffff9, 2, 0xfffffffd);
	S32(BPF_DIV, 0x80000000, 0xffffffff, 0x80000000);
	S32(BPF_DIV, 0x1234567880000000ull, 0xffffffff, 0x80000000);
	S32(BPF_DIV, 5, 0, 0);
	S64(BPF_MOD, (uint64_t)-7, 2, (uint64_t)-1); /* sign of the dividend */
	S64(BPF_MOD, 7, (uint64_t)-2, 1);
	S64(BPF_MOD, MIN64, (uint64_t)-1, 0);
	S64(BPF_MOD, (uint64_t)-5, 0, (uint64_t)-5);
	S32(BPF_MOD, 0xfffffff9, 2, 0xffffffff);
	S32(BPF_MOD, 0x80000000, 0xffffffff, 0);
	S32(BPF_MOD, 0xaaaaaaaafffffffbull, 0, 0xfffffffb); /* unchanged but zero-extended */
	A64(BPF_OR, 0xf0, 0x0f, 0xff);
	A32(BPF_OR, 0xffffffff00000000ull, 1, 1);
	A64(BPF_AND, M, (uint64_t)-2, M - 1);
	A32(BPF_AND, M, 0xff, 0xff);
	A64(BPF_XOR, M, 1, M - 1);
	A32(BPF_XOR, M, 1, 0xfffffffe);
	A64(BPF_LSH, 1, 63, MIN64);
	A64(BPF_LSH, 1, 64, 1);   /* masked to 6 bits */
	A64(BPF_LSH, 1, 65, 2);
	A32(BPF_LSH, 1, 31, 0x80000000);
	A32(BPF_LSH, 1, 32, 1);   /* masked to 5 bits */
	A32(BPF_LSH, 0xffffffff, 4, 0xfffffff0);
	A64(BPF_RSH, MIN64, 63, 1);
	A64(BPF_RSH, MIN64, 64, MIN64);
	A32(BPF_RSH, 0xffffffff80000000ull, 31, 1);
	A32(BPF_RSH, 0x80000000, 33, 0x40000000);
	A64(BPF_ARSH, MIN64, 63, M);
	A64(BPF_ARSH, 0x4000000000000000ull, 62, 1);
	A64(BPF_ARSH, MIN64, 64, MIN64);
	A32(BPF_ARSH, 0x80000000, 31, 0xffffffff);
	A32(BPF_ARSH, 0xffffffff00000010ull, 4, 1);
	A32(BPF_ARSH, 0x80000000, 36, 0xf8000000);
	A64(BPF_MOV, 0, M, M);
	A64(BPF_MOV, 0, (uint64_t)-5, (uint64_t)-5); /* imm sign-extended */
	A32(BPF_MOV, M, 0xfffffffb, 0xfffffffb);      /* zero-extended */
	A32(BPF_MOV, 0, 0xaaaaaaaa12345678ull, 0x12345678);
	/* neg */
	CHECK_EQ_U64(alu_k(BPF_ALU64, BPF_NEG, 0, 5, 0), (uint64_t)-5);
	CHECK_EQ_U64(alu_k(BPF_ALU64, BPF_NEG, 0, MIN64, 0), MIN64);
	CHECK_EQ_U64(alu_k(BPF_ALU, BPF_NEG, 0, 5, 0), 0xfffffffb);
	CHECK_EQ_U64(alu_k(BPF_ALU, BPF_NEG, 0, 0xffffffff80000000ull, 0), 0x80000000);
	/* movsx */
	CHECK_EQ_U64(alu_x(BPF_ALU64, BPF_MOV, 8, 0, 0x180), 0xffffffffffffff80ull);
	CHECK_EQ_U64(alu_x(BPF_ALU64, BPF_MOV, 8, 0, 0x17f), 0x7f);
	CHECK_EQ_U64(alu_x(BPF_ALU64, BPF_MOV, 16, 0, 0x18000), 0xffffffffffff8000ull);
	CHECK_EQ_U64(alu_x(BPF_ALU64, BPF_MOV, 32, 0, 0x180000000ull), 0xffffffff80000000ull);
	CHECK_EQ_U64(alu_x(BPF_ALU64, BPF_MOV, 32, 0, 0x17fffffffull), 0x7fffffff);
	CHECK_EQ_U64(alu_x(BPF_ALU, BPF_MOV, 8, M, 0x80), 0xffffff80);
	CHECK_EQ_U64(alu_x(BPF_ALU, BPF_MOV, 16, M, 0x8000), 0xffff8000);
	CHECK_EQ_U64(alu_x(BPF_ALU, BPF_MOV, 16, M, 0x7fff), 0x7fff);
}

static uint64_t endian(int cls, int src, int width, uint64_t v)
{
	return RUN(LDDW(0, v), I(cls | BPF_END | src, 0, 0, 0, width), EXIT());
}

static void test_endian(void)
{
	const uint64_t v = 0x0123456789abcdefull;

	CHECK_EQ_U64(endian(BPF_ALU, BPF_TO_LE, 16, v), 0xcdef);
	CHECK_EQ_U64(endian(BPF_ALU, BPF_TO_LE, 32, v), 0x89abcdef);
	CHECK_EQ_U64(endian(BPF_ALU, BPF_TO_LE, 64, v), v);
	CHECK_EQ_U64(endian(BPF_ALU, BPF_TO_BE, 16, v), 0xefcd);
	CHECK_EQ_U64(endian(BPF_ALU, BPF_TO_BE, 32, v), 0xefcdab89);
	CHECK_EQ_U64(endian(BPF_ALU, BPF_TO_BE, 64, v), 0xefcdab8967452301ull);
	CHECK_EQ_U64(endian(BPF_ALU64, BPF_TO_LE, 16, v), 0xefcd);
	CHECK_EQ_U64(endian(BPF_ALU64, BPF_TO_LE, 32, v), 0xefcdab89);
	CHECK_EQ_U64(endian(BPF_ALU64, BPF_TO_LE, 64, v), 0xefcdab8967452301ull);
}

/* Is the jump taken? r1 = a, r2 = b (or imm = b). */
static int jmp(int cls, int op, int k, uint64_t a, uint64_t b)
{
	struct bpf_insn j = k ? I(cls | op | BPF_K, 1, 0, 1, (int32_t)b) : I(cls | op | BPF_X, 1, 2, 1, 0);
	return (int)RUN(LDDW(1, a), LDDW(2, b), MOV_K(0, 0), j, EXIT(), MOV_K(0, 1), EXIT());
}

/* Check both forms; b must be a sign-extended s32 for the K form to mean the same. */
static void jcase(int cls, int op, uint64_t a, uint64_t b, int want, int line)
{
	int x = jmp(cls, op, 0, a, b), k = jmp(cls, op, 1, a, b);

	if (x != want || k != want)
		fprintf(stderr, "line %d: jump op %02x: X %d K %d want %d\n", line, cls | op, x, k, want);
	CHECK(x == want);
	CHECK(k == want);
}
#define J64(op, a, b, want) jcase(BPF_JMP, op, a, b, want, __LINE__)
#define J32(op, a, b, want) jcase(BPF_JMP32, op, a, b, want, __LINE__)

static void test_jumps(void)
{
	const uint64_t M1 = (uint64_t)-1;

	J64(BPF_JEQ, 5, 5, 1);
	J64(BPF_JEQ, 5, 6, 0);
	J64(BPF_JEQ, M1, M1, 1); /* imm -1 sign-extends */
	J64(BPF_JNE, 5, 6, 1);
	J64(BPF_JNE, 5, 5, 0);
	J64(BPF_JGT, M1, 1, 1); /* unsigned */
	J64(BPF_JGT, 1, 1, 0);
	J64(BPF_JGE, 1, 1, 1);
	J64(BPF_JGE, 0, 1, 0);
	J64(BPF_JLT, 1, M1, 1);
	J64(BPF_JLT, 1, 1, 0);
	J64(BPF_JLE, 1, 1, 1);
	J64(BPF_JLE, 2, 1, 0);
	J64(BPF_JSGT, 1, M1, 1); /* signed */
	J64(BPF_JSGT, M1, 1, 0);
	J64(BPF_JSGE, M1, M1, 1);
	J64(BPF_JSGE, (uint64_t)-2, M1, 0);
	J64(BPF_JSLT, M1, 0, 1);
	J64(BPF_JSLT, 0, M1, 0);
	J64(BPF_JSLE, M1, M1, 1);
	J64(BPF_JSLE, 0, M1, 0);
	J64(BPF_JSET, 6, 2, 1);
	J64(BPF_JSET, 6, 1, 0);
	J64(BPF_JSET, 1ull << 63, M1, 1);
	/* 32-bit: only the low halves count */
	J32(BPF_JEQ, 0x100000005ull, 5, 1);
	J32(BPF_JEQ, 0xffffffffull, M1, 1);
	J32(BPF_JNE, 0x100000005ull, 5, 0);
	J32(BPF_JGT, 0x1ffffffffull, 1, 1);
	J32(BPF_JGT, 0x100000000ull, 1, 0);
	J32(BPF_JGE, 0x200000001ull, 1, 1);
	J32(BPF_JLT, 0x100000000ull, 1, 1);
	J32(BPF_JLE, 0x100000001ull, 1, 1);
	J32(BPF_JLE, 2, 1, 0);
	J32(BPF_JSGT, 1, M1, 1);
	J32(BPF_JSGT, 0x80000000ull, 1, 0); /* low half negative */
	J32(BPF_JSGT, 0x7fffffffull, 0x80000000ull | 0xffffffff00000000ull, 1);
	J32(BPF_JSGE, 0xffffffffull, M1, 1);
	J32(BPF_JSLT, 0x80000000ull, 0, 1);
	J32(BPF_JSLT, 0x100000000ull, 0, 0);
	J32(BPF_JSLE, 0x1ffffffffull, M1, 1);
	J32(BPF_JSET, 0x100000000ull, M1, 0);
	J32(BPF_JSET, 0x100000002ull, 2, 1);
	/* ja and gotol (ja32) forward and back */
	CHECK_EQ_U64(RUN(MOV_K(0, 1), JA(1), MOV_K(0, 2), EXIT()), 1);
	CHECK_EQ_U64(RUN(MOV_K(0, 1), I(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), MOV_K(0, 2), EXIT()), 1);
	CHECK_EQ_U64(RUN(MOV_K(0, 0), JA(1), EXIT(), ALU_K(BPF_ADD, 0, 1), JMP_K(BPF_JNE, 0, 3, -2),
			 I(BPF_JMP32 | BPF_JA, 0, 0, 0, -4)),
		     3);
}

static void test_lddw_and_loops(void)
{
	/* sum 1..100 with a backward conditional jump */
	CHECK_EQ_U64(RUN(MOV_K(0, 0), MOV_K(1, 100), ALU_X(BPF_ADD, 0, 1), ALU_K(BPF_SUB, 1, 1),
			 JMP_K(BPF_JNE, 1, 0, -3), EXIT()),
		     5050);
	CHECK_EQ_U64(RUN(LDDW(0, 0x8000000000000001ull), EXIT()), 0x8000000000000001ull);
	CHECK_EQ_U64(RUN(LDDW(0, 0xffffffffull), EXIT()), 0xffffffffull);
	/* a jump over an lddw lands after both of its slots */
	CHECK_EQ_U64(RUN(MOV_K(0, 3), JA(2), LDDW(0, 7), EXIT()), 3);
}

static void test_memory(void)
{
	uint8_t m[32];
	uint64_t r;

	for (int i = 0; i < 32; i++)
		m[i] = (uint8_t)(0x80 + i);
	{
		const struct bpf_insn p[] = {LDX(BPF_B, 0, 1, 0), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), m, 32), 0x80);
	}
	{
		const struct bpf_insn p[] = {LDX(BPF_H, 0, 1, 1), EXIT()}; /* misaligned is fine */
		CHECK_EQ_U64(run2(p, N(p), m, 32), 0x8281);
	}
	{
		const struct bpf_insn p[] = {LDX(BPF_W, 0, 1, 3), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), m, 32), 0x86858483);
	}
	{
		const struct bpf_insn p[] = {LDX(BPF_DW, 0, 1, 24), EXIT()}; /* the last 8 bytes */
		CHECK_EQ_U64(run2(p, N(p), m, 32), 0x9f9e9d9c9b9a9998ull);
	}
	{
		const struct bpf_insn p[] = {LDXS(BPF_B, 0, 1, 0), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), m, 32), 0xffffffffffffff80ull);
	}
	{
		const struct bpf_insn p[] = {LDXS(BPF_H, 0, 1, 0), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), m, 32), 0xffffffffffff8180ull);
	}
	{
		const struct bpf_insn p[] = {LDXS(BPF_W, 0, 1, 0), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), m, 32), 0xffffffff83828180ull);
	}
	{
		uint8_t b[4] = {0x7f, 0x7f, 0x7f, 0x7f};
		const struct bpf_insn p[] = {LDXS(BPF_W, 0, 1, 0), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), b, 4), 0x7f7f7f7f);
	}
	/* stores: st (imm truncated / sign-extended for dw) and stx, read back as a dw */
	{
		uint8_t b[16] = {0};
		const struct bpf_insn p[] = {ST(BPF_DW, 1, 0, -2), ST(BPF_B, 1, 8, 0x1ff),
					     ST(BPF_H, 1, 9, 0x12345), ST(BPF_W, 1, 11, -1),
					     LDX(BPF_DW, 0, 1, 8), EXIT()};
		r = run2(p, N(p), b, 16);
		CHECK_EQ_U64(r, 0x000000ffffffff2345ffull);
		CHECK(b[0] == 0xfe && b[7] == 0xff);
	}
	{
		uint8_t b[16] = {0};
		const struct bpf_insn p[] = {LDDW(2, 0x1122334455667788ull), STX(BPF_DW, 1, 2, 0),
					     STX(BPF_W, 1, 2, 8), STX(BPF_H, 1, 2, 12),
					     STX(BPF_B, 1, 2, 14), LDX(BPF_DW, 0, 1, 8), EXIT()};
		r = run2(p, N(p), b, 16);
		CHECK_EQ_U64(r, 0x0088778855667788ull);
		CHECK(b[0] == 0x88 && b[7] == 0x11);
	}
	/* the stack: writes below r10, reads back; frame 0 is zeroed for unverified programs */
	CHECK_EQ_U64(RUN(ST(BPF_DW, 10, -8, 42), LDX(BPF_DW, 0, 10, -8), EXIT()), 42);
	CHECK_EQ_U64(RUN(ST(BPF_B, 10, -512, 9), LDX(BPF_B, 0, 10, -512), EXIT()), 9);
	{
		const struct bpf_insn p[] = {LDX(BPF_DW, 0, 10, -512), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == 0 && r == 0);
	}
	/* r2 is the input length */
	{
		const struct bpf_insn p[] = {MOV_X(0, 2), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), m, 29), 29);
	}
}

/* The atomic op on a 16-byte buffer holding a (at 0) and b (at 8); r2 = operand, r0 = r0in. */
struct atom_res {
	uint64_t r0, r2, mem;
};

static struct atom_res atomic(int size, int op, uint64_t memv, uint64_t operand, uint64_t r0in,
			      int misalign)
{
	uint8_t b[24] = {0};
	struct atom_res res;
	const struct bpf_insn p[] = {LDDW(2, operand), LDDW(0, r0in),
				     ATOM(size, 1, 2, misalign, op), STX(BPF_DW, 1, 0, 16), MOV_X(0, 2),
				     EXIT()};

	memcpy(b + misalign, &memv, size == BPF_W ? 4 : 8);
	res.r2 = run2(p, N(p), b, 24);
	memcpy(&res.r0, b + 16, 8);
	res.mem = 0;
	memcpy(&res.mem, b + misalign, size == BPF_W ? 4 : 8);
	return res;
}

static void test_atomics(void)
{
	for (int mis = 0; mis < 2; mis++) {
		struct atom_res a;

		a = atomic(BPF_DW, BPF_ADD, 10, 5, 0, mis);
		CHECK(a.mem == 15 && a.r2 == 5);
		a = atomic(BPF_DW, BPF_ADD | BPF_FETCH, 10, 5, 0, mis);
		CHECK(a.mem == 15 && a.r2 == 10);
		a = atomic(BPF_W, BPF_ADD | BPF_FETCH, 0xffffffff, 2, 0, mis);
		CHECK(a.mem == 1 && a.r2 == 0xffffffff);
		a = atomic(BPF_W, BPF_ADD, 1, 0xffffffff00000001ull, 0, mis); /* only low 32 bits */
		CHECK(a.mem == 2 && a.r2 == 0xffffffff00000001ull);
		a = atomic(BPF_DW, BPF_OR | BPF_FETCH, 0xf0, 0x0f, 0, mis);
		CHECK(a.mem == 0xff && a.r2 == 0xf0);
		a = atomic(BPF_W, BPF_OR, 0xf0, 0x0f, 0, mis);
		CHECK(a.mem == 0xff && a.r2 == 0x0f);
		a = atomic(BPF_W, BPF_OR | BPF_FETCH, 0xf0000000, 0x0f, 0, mis);
		CHECK(a.mem == 0xf000000f && a.r2 == 0xf0000000);
		a = atomic(BPF_DW, BPF_OR, 0xf0, 0x0f00000000ull, 0, mis);
		CHECK(a.mem == 0x0f000000f0ull && a.r2 == 0x0f00000000ull);
		a = atomic(BPF_W, BPF_AND | BPF_FETCH, 0xff00ff00, 0xfff0, 0, mis);
		CHECK(a.mem == 0xff00 && a.r2 == 0xff00ff00);
		a = atomic(BPF_DW, BPF_AND, 0xff000000ffull, 0xf0000000f0ull, 0, mis);
		CHECK(a.mem == 0xf0000000f0ull && a.r2 == 0xf0000000f0ull);
		a = atomic(BPF_W, BPF_XOR, 0xffff, 0xff, 0, mis);
		CHECK(a.mem == 0xff00 && a.r2 == 0xff);
		a = atomic(BPF_DW, BPF_XOR, 0x100000000ull, 0x100000001ull, 0, mis);
		CHECK(a.mem == 1 && a.r2 == 0x100000001ull);
		a = atomic(BPF_DW, BPF_AND | BPF_FETCH, 0xff, 0x0f, 0, mis);
		CHECK(a.mem == 0x0f && a.r2 == 0xff);
		a = atomic(BPF_W, BPF_AND, 0xff, 0x3c, 0, mis);
		CHECK(a.mem == 0x3c);
		a = atomic(BPF_DW, BPF_XOR | BPF_FETCH, 0xff, 0x0f, 0, mis);
		CHECK(a.mem == 0xf0 && a.r2 == 0xff);
		a = atomic(BPF_W, BPF_XOR | BPF_FETCH, 0x80000000, 1, 0, mis);
		CHECK(a.mem == 0x80000001 && a.r2 == 0x80000000); /* zero-extended */
		a = atomic(BPF_DW, BPF_XCHG, 7, 9, 0, mis);
		CHECK(a.mem == 9 && a.r2 == 7);
		a = atomic(BPF_W, BPF_XCHG, 0xfffffff7, 0x1000000009ull, 0, mis);
		CHECK(a.mem == 9 && a.r2 == 0xfffffff7);
		/* cmpxchg: equal -> store; r0 = old either way */
		a = atomic(BPF_DW, BPF_CMPXCHG, 7, 9, 7, mis);
		CHECK(a.mem == 9 && a.r0 == 7 && a.r2 == 9);
		a = atomic(BPF_DW, BPF_CMPXCHG, 7, 9, 8, mis);
		CHECK(a.mem == 7 && a.r0 == 7);
		/* 32-bit compares only the low half of r0 and zero-extends the old value into r0 */
		a = atomic(BPF_W, BPF_CMPXCHG, 0x80000007, 9, 0xffffffff80000007ull, mis);
		CHECK(a.mem == 9 && a.r0 == 0x80000007);
		a = atomic(BPF_W, BPF_CMPXCHG, 0x80000007, 9, 0x80000008, mis);
		CHECK(a.mem == 0x80000007 && a.r0 == 0x80000007);
	}
}

/* Two threads run one program on shared memory: aligned atomics must really be atomic. */
struct atomic_job {
	struct userbpf_prog *prog;
	uint64_t *shared;
	pthread_barrier_t *start;
	int ret;
};

static void *atomic_worker(void *arg)
{
	struct atomic_job *job = arg;
	struct userbpf_error e;
	uint64_t r;
	USERBPF_OPTS(userbpf_run_opts, ro, .budget = 100000000);

	pthread_barrier_wait(job->start);
	job->ret = userbpf_prog_run(job->prog, job->shared, 16, &ro, &r, &e);
	return NULL;
}

static void test_atomics_threads(void)
{
	enum { ITER = 2000000 };
	/* ITER times: lock add [r1], 1 (64-bit) and lock add [r1 + 8], 1 (32-bit) */
	const struct bpf_insn p[] = {MOV_K(2, 1), MOV_K(3, ITER), ATOM(BPF_DW, 1, 2, 0, BPF_ADD),
				     ATOM(BPF_W, 1, 2, 8, BPF_ADD), ALU_K(BPF_SUB, 3, 1),
				     JMP_K(BPF_JNE, 3, 0, -4), MOV_K(0, 0), EXIT()};
	uint64_t shared[2] = {0, 0};
	struct atomic_job jobs[2];
	pthread_t th[2];
	struct userbpf_prog *prog = userbpf_prog_load(env, p, sizeof(p), NULL, &err);
	pthread_barrier_t start;
	uint32_t w;

	CHECK(prog != NULL);
	if (!prog)
		return;
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++) {
		jobs[i] = (struct atomic_job){prog, shared, &start, -1};
		pthread_create(&th[i], NULL, atomic_worker, &jobs[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	CHECK(jobs[0].ret == 0 && jobs[1].ret == 0);
	CHECK_EQ_U64(shared[0], 2 * ITER);
	memcpy(&w, &shared[1], 4);
	CHECK_EQ_U64(w, 2 * ITER);
	userbpf_prog_free(prog);
}

/* ---- calls ---- */

static void test_local_calls(void)
{
	/* R6-R9 restored, R0 returned, R1-R5 passed, R10 per frame (callee writes its own stack) */
	CHECK_EQ_U64(RUN(MOV_K(6, 1), MOV_K(7, 2), MOV_K(8, 3), MOV_K(9, 4), MOV_K(1, 100),
			 ST(BPF_DW, 10, -8, 5), CALL_LOCAL(8),
			 /* r0 = callee + r6..r9 + caller's stack slot (untouched by the callee) */
			 ALU_X(BPF_ADD, 0, 6), ALU_X(BPF_ADD, 0, 7), ALU_X(BPF_ADD, 0, 8),
			 ALU_X(BPF_ADD, 0, 9), LDX(BPF_DW, 2, 10, -8), ALU_X(BPF_ADD, 0, 2), EXIT(),
			 /* callee: */
			 MOV_K(6, 1000), MOV_K(7, 1000), MOV_K(8, 1000), MOV_K(9, 1000),
			 ST(BPF_DW, 10, -8, 77), MOV_X(0, 1), ALU_K(BPF_ADD, 0, 1), EXIT()),
		     101 + 10 + 5);
	/* a checked run starts with every frame zeroed; a second call finds what the first left */
	{
		uint64_t r;
		const struct bpf_insn p[] = {CALL_LOCAL(2), CALL_LOCAL(1), EXIT(),
					     /* f: r0 = its slot; slot = 77 */
					     LDX(BPF_DW, 0, 10, -8), ST(BPF_DW, 10, -8, 77), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == 0);
		CHECK_EQ_U64(r, 77);
		{
			const struct bpf_insn q[] = {CALL_LOCAL(1), EXIT(), LDX(BPF_DW, 0, 10, -512),
						     EXIT()};
			CHECK(run_mode(q, N(q), NULL, 0, false, NULL, &r) == 0);
			CHECK_EQ_U64(r, 0);
		}
	}
	/* the callee's R10 is the caller's minus 512 */
	CHECK_EQ_U64(RUN(MOV_X(6, 10), CALL_LOCAL(3), ALU_X(BPF_SUB, 6, 0), MOV_X(0, 6), EXIT(),
			 MOV_X(0, 10), EXIT()),
		     512);
	/* a callee may use a pointer into its caller's frame (the live stack spans both) */
	CHECK_EQ_U64(RUN(ST(BPF_DW, 10, -8, 33), MOV_X(1, 10), ALU_K(BPF_ADD, 1, -8), CALL_LOCAL(1),
			 EXIT(), LDX(BPF_DW, 0, 1, 0), ST(BPF_DW, 1, 0, 1), EXIT()),
		     33);
	/*
	 * A fetching atomic whose src is R10 would write the frame pointer: isa_validate refuses
	 * it like every other write to R10 (the kernel's "frame pointer is read only").
	 */
	{
		const struct bpf_insn p[] = {ST(BPF_DW, 10, -8, 0x1000), MOV_X(1, 10),
					     ATOM(BPF_DW, 1, 10, -8, BPF_XCHG), EXIT()};
		const struct bpf_insn q[] = {ST(BPF_DW, 10, -8, 0), MOV_X(1, 10),
					     ATOM(BPF_DW, 1, 10, -8, BPF_ADD | BPF_FETCH), EXIT()};

		CHECK(!userbpf_prog_load(env, p, sizeof(p), NULL, &err) && err.code == -EINVAL &&
		      err.insn == 2 && strstr(err.message, "frame pointer is read only"));
		CHECK(!userbpf_prog_load(env, q, sizeof(q), NULL, &err) && err.code == -EINVAL &&
		      err.insn == 2 && strstr(err.message, "frame pointer is read only"));
	}
	/*
	 * A callback (bpf_loop) runs in a frame below its caller's; a local call inside it goes one
	 * further down, not back to frame 1: the callback's own slot survives the call.
	 */
	{
		struct userbpf_env *std = userbpf_env_new(NULL, &err);
		const struct bpf_insn p[] = {
			MOV_X(3, 10), ALU_K(BPF_ADD, 3, -16),
			I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 6), I(0, 0, 0, 0, 0),
			MOV_K(1, 1), MOV_K(4, 0), CALL(BPF_FUNC_loop), LDX(BPF_DW, 0, 10, -16), EXIT(),
			/* 9: callback(i, ctx) */
			ST(BPF_DW, 10, -8, 333), MOV_X(6, 2), CALL_LOCAL(4), LDX(BPF_DW, 1, 10, -8),
			STX(BPF_DW, 6, 1, 0), MOV_K(0, 1), EXIT(),
			/* 16: sub */
			ST(BPF_DW, 10, -8, 222), MOV_K(0, 0), EXIT()};

		CHECK(std && userbpf_env_register_std_helpers(std, &err) == 0);
		for (int trusted = 0; std && trusted < 2; trusted++) {
			USERBPF_OPTS(userbpf_prog_opts, po, .unsafe_trusted = trusted);
			USERBPF_OPTS(userbpf_run_opts, ro, .backend = USERBPF_BACKEND_INTERP);
			struct userbpf_prog *prog = userbpf_prog_load(std, p, sizeof(p), &po, &err);
			uint64_t r = 0;

			CHECK(prog && userbpf_prog_run(prog, NULL, 0, &ro, &r, &err) == 0);
			CHECK_EQ_U64(r, 333);
			userbpf_prog_free(prog);
		}
		userbpf_env_free(std);
	}
	/* recursion to exactly VM_MAX_FRAMES frames: r1 = depth to go */
	{
		const struct bpf_insn p[] = {CALL_LOCAL(1), EXIT(),
					     /* f(r1): if r1 == 0 return 1; return f(r1-1) + 1 */
					     MOV_K(0, 1), JMP_K(BPF_JEQ, 1, 0, 3), ALU_K(BPF_SUB, 1, 1),
					     CALL_LOCAL(-4), ALU_K(BPF_ADD, 0, 1), EXIT()};
		uint8_t dummy[8];
		uint64_t r;
		struct bpf_insn q[N(p) + 1];

		/* frame 0 calls f(r1 = 6): frames 1..7, the deepest one returning */
		q[0] = MOV_K(1, 6);
		memcpy(q + 1, p, sizeof(p));
		CHECK_EQ_U64(run2(q, N(q), dummy, 8), 7);
		q[0] = MOV_K(1, 7); /* a ninth frame */
		CHECK(run_mode(q, N(q), dummy, 8, false, NULL, &r) == -E2BIG);
		CHECK(err.code == -E2BIG && err.insn == 6);
		CHECK(strstr(err.message, "more than 8 frames") != NULL);
		CHECK(run_mode(q, N(q), dummy, 8, true, NULL, &r) == -E2BIG); /* unchecked too */
	}
}

static void test_helpers(void)
{
	uint64_t r, cookie = 1000;
	USERBPF_OPTS(userbpf_run_opts, ro, .cookie = &cookie);

	CHECK_EQ_U64(RUN(MOV_K(1, 1), MOV_K(2, 2), MOV_K(3, 3), MOV_K(4, 4), MOV_K(5, 5), CALL(1),
			 EXIT()),
		     15);
	/* R1-R5 keep their values across a helper call */
	CHECK_EQ_U64(RUN(MOV_K(1, 1), MOV_K(2, 2), MOV_K(3, 3), MOV_K(4, 4), MOV_K(5, 5), CALL(1),
			 ALU_X(BPF_ADD, 0, 1), ALU_X(BPF_ADD, 0, 5), EXIT()),
		     21);
	{
		const struct bpf_insn p[] = {MOV_K(1, 5), CALL(2), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, &ro, &r) == 0 && r == 1005);
	}
	/* callx: the helper id in a register */
	CHECK_EQ_U64(RUN(MOV_K(1, 20), MOV_K(2, 22), MOV_K(3, 0), MOV_K(4, 0), MOV_K(5, 0),
			 MOV_K(8, 1), CALLX(8), EXIT()),
		     42);
	{
		const struct bpf_insn p[] = {MOV_K(8, 999), CALLX(8), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == -ENOENT);
		CHECK(err.insn == 1 && strstr(err.message, "unknown func unknown#999") != NULL);
		CHECK(run_mode(p, N(p), NULL, 0, true, NULL, &r) == -ENOENT);
	}
	{
		const struct bpf_insn p[] = {LDDW(8, 0x100000001ull), CALLX(8), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == -ENOENT);
		CHECK(err.insn == 2);
	}
	/* call imm to an unregistered id fails at load, with the index */
	{
		const struct bpf_insn p[] = {MOV_K(0, 0), CALL(77), EXIT()};
		struct userbpf_prog *prog;

		memset(&err, 0, sizeof(err));
		prog = userbpf_prog_load(env, p, sizeof(p), NULL, &err);
		CHECK(!prog && err.code == -ENOENT && err.insn == 1);
		CHECK(strstr(err.message, "unknown func unknown#77") != NULL);
	}
	/* kfunc calls load and fail at run time */
	{
		const struct bpf_insn p[] = {I(BPF_JMP | BPF_CALL, 0, 2, 0, 1234), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == -ENOTSUP);
		CHECK(err.insn == 0 && strstr(err.message, "kfunc") != NULL);
	}
	/* an aborting helper ends the run after it returns */
	{
		uint8_t b[8] = {0};
		const struct bpf_insn p[] = {CALL(4), ST(BPF_B, 1, 0, 1), MOV_K(0, 1), EXIT()};
		r = 55;
		CHECK(run_mode(p, N(p), b, 8, false, NULL, &r) == -EPERM);
		CHECK(err.code == -EPERM && err.insn == 0 && b[0] == 0 && r == 55);
		CHECK(strstr(err.message, "the helper said no") != NULL);
		CHECK(run_mode(p, N(p), b, 8, true, NULL, &r) == -EPERM && b[0] == 0);
	}
	/* mem_ok from a helper: input yes, past it no, read-only input not writable, stack yes */
	{
		uint8_t b[16];
		USERBPF_OPTS(userbpf_run_opts, ro2, .mem_readonly = true);
		const struct bpf_insn p[] = {MOV_K(2, 16), MOV_K(3, 0), CALL(3), EXIT()};
		const struct bpf_insn p2[] = {MOV_K(2, 17), MOV_K(3, 0), CALL(3), EXIT()};
		const struct bpf_insn p3[] = {MOV_K(2, 16), MOV_K(3, 1), CALL(3), EXIT()};
		const struct bpf_insn p4[] = {MOV_X(1, 10), ALU_K(BPF_ADD, 1, -512), MOV_K(2, 512),
					      MOV_K(3, 1), CALL(3), EXIT()};
		const struct bpf_insn p5[] = {MOV_X(1, 10), ALU_K(BPF_ADD, 1, -513), MOV_K(2, 8),
					      MOV_K(3, 0), CALL(3), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == 0 && r == 1);
		CHECK(run_mode(p2, N(p2), b, 16, false, NULL, &r) == 0 && r == 0);
		CHECK(run_mode(p3, N(p3), b, 16, false, &ro2, &r) == 0 && r == 0);
		CHECK(run_mode(p3, N(p3), b, 16, false, NULL, &r) == 0 && r == 1);
		CHECK(run_mode(p4, N(p4), b, 16, false, NULL, &r) == 0 && r == 1);
		CHECK(run_mode(p5, N(p5), b, 16, false, NULL, &r) == 0 && r == 0);
		/* unchecked runs vouch for their pointers */
		CHECK(run_mode(p5, N(p5), b, 16, true, NULL, &r) == 0 && r == 1);
	}
	/* a long abort message is truncated, not overflowed */
	{
		const struct bpf_insn p[] = {CALL(6), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == -ECANCELED);
		CHECK(strlen(err.message) < sizeof(err.message) && strstr(err.message, "xxxx") != NULL);
	}
}

static void test_ld_abs(void)
{
	uint8_t pkt[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
	uint64_t r;

	{
		const struct bpf_insn p[] = {LDABS(BPF_B, 1), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0x34);
	}
	{
		const struct bpf_insn p[] = {LDABS(BPF_H, 1), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0x3456);
	}
	{
		const struct bpf_insn p[] = {LDABS(BPF_W, 4), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0x9abcdef0);
	}
	{
		/* LD_IND: src + imm; R1-R5 survive */
		const struct bpf_insn p[] = {MOV_K(3, 2), LDIND(BPF_W, 3, 1), ALU_X(BPF_ADD, 0, 3),
					     EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0x789abcde + 2);
	}
	{
		const struct bpf_insn p[] = {MOV_K(3, -1), LDIND(BPF_B, 3, 2), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0x34);
	}
	/* out of the packet: the program ends with R0 = 0 */
	{
		const struct bpf_insn p[] = {MOV_K(0, 9), LDABS(BPF_W, 5), MOV_K(0, 1), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0);
	}
	{
		const struct bpf_insn p[] = {MOV_K(0, 9), LDABS(BPF_B, -1), MOV_K(0, 1), EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0);
	}
	{
		const struct bpf_insn p[] = {MOV_K(0, 9), MOV_K(3, -8), LDIND(BPF_H, 3, 2), MOV_K(0, 1),
					     EXIT()};
		CHECK_EQ_U64(run2(p, N(p), pkt, 8), 0);
	}
	{
		/* ...also from inside a called function */
		const struct bpf_insn p[] = {CALL_LOCAL(2), MOV_K(0, 1), EXIT(), LDABS(BPF_B, 8), EXIT()};
		CHECK(run_mode(p, N(p), pkt, 8, false, NULL, &r) == 0 && r == 0);
	}
}

/* ---- errors ---- */

static void test_faults(void)
{
	uint8_t b[16] = {0};
	uint64_t r;
	char line[512];

	{
		const struct bpf_insn p[] = {MOV_K(0, 0), LDX(BPF_DW, 0, 1, 9), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EFAULT);
		CHECK(err.code == -EFAULT && err.insn == 1 && strcmp(err.component, "vm") == 0);
		CHECK(strstr(err.message, "invalid memory access: read of 8 bytes at 0x") != NULL);
		CHECK(strstr(err.message, "crosses a bound of input memory") != NULL);
		userbpf_error_format(&err, line, sizeof(line));
		CHECK(strncmp(line, "vm: insn 1: invalid memory access", 33) == 0);
	}
	{
		const struct bpf_insn p[] = {ST(BPF_W, 1, 20, 1), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EFAULT);
		CHECK(strstr(err.message, "write of 4 bytes") != NULL);
		CHECK(strstr(err.message, "nearest: input memory") != NULL);
		CHECK(strstr(err.message, "at offset 20)") != NULL);
	}
	{
		const struct bpf_insn p[] = {MOV_K(1, 0), LDX(BPF_B, 0, 1, 0), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EFAULT);
		CHECK(strstr(err.message, "read of 1 byte at 0x0 outside every region") != NULL);
	}
	{
		/* an access wrapping around the address space; no input memory at all */
		const struct bpf_insn p[] = {LDDW(1, 0xfffffffffffffffcull), LDX(BPF_DW, 0, 1, 0), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == -EFAULT && err.insn == 2);
		CHECK(strstr(err.message, "wraps around the address space") != NULL);
	}
	{
		/* far from every region: none is named */
		const struct bpf_insn p[] = {LDDW(1, 0x1000), LDX(BPF_DW, 0, 1, 0), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == -EFAULT && err.insn == 2);
		CHECK(strstr(err.message, "at 0x1000 outside every region") != NULL);
		CHECK(strstr(err.message, "nearest") == NULL);
	}
	{
		/* below the stack and above it */
		const struct bpf_insn p[] = {ST(BPF_B, 10, -513, 1), EXIT()};
		const struct bpf_insn p2[] = {LDX(BPF_W, 0, 10, -2), EXIT()};
		const struct bpf_insn p3[] = {LDX(BPF_B, 0, 10, 0), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EFAULT);
		CHECK(strstr(err.message, "nearest: stack") != NULL && strstr(err.message, "at r10-513)"));
		CHECK(run_mode(p2, N(p2), b, 16, false, NULL, &r) == -EFAULT);
		CHECK(run_mode(p3, N(p3), b, 16, false, NULL, &r) == -EFAULT);
	}
	{
		/* a callee cannot reach below its own frame */
		const struct bpf_insn p[] = {CALL_LOCAL(1), EXIT(), ST(BPF_B, 10, -513, 1), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EFAULT && err.insn == 2);
	}
	{
		/* read-only input: reads fine, writes and atomics fault */
		USERBPF_OPTS(userbpf_run_opts, ro, .mem_readonly = true);
		const struct bpf_insn rd[] = {LDX(BPF_DW, 0, 1, 8), EXIT()};
		const struct bpf_insn wr[] = {STX(BPF_B, 1, 2, 3), EXIT()};
		const struct bpf_insn at[] = {MOV_K(2, 1), ATOM(BPF_DW, 1, 2, 0, BPF_ADD), EXIT()};
		CHECK(run_mode(rd, N(rd), b, 16, false, &ro, &r) == 0);
		CHECK(run_mode(wr, N(wr), b, 16, false, &ro, &r) == -EFAULT);
		CHECK(strstr(err.message, "write of 1 byte") && strstr(err.message, "into read-only input memory"));
		CHECK(run_mode(at, N(at), b, 16, false, &ro, &r) == -EFAULT && err.insn == 1);
	}
	{
		/* atomics are bounds-checked */
		const struct bpf_insn p[] = {MOV_K(2, 1), ATOM(BPF_W, 1, 2, 13, BPF_ADD | BPF_FETCH), EXIT()};
		const struct bpf_insn q[] = {MOV_K(0, 1), ATOM(BPF_DW, 1, 2, -1, BPF_CMPXCHG), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EFAULT && err.insn == 1);
		CHECK(strstr(err.message, "write of 4 bytes") != NULL);
		CHECK(run_mode(q, N(q), b, 16, false, NULL, &r) == -EFAULT && err.insn == 1);
	}
	{
		/* host regions: a writable one and a read-only one */
		/* gaps keep the two regions apart whatever the compiler's stack layout */
		struct {
			uint8_t h1[8], gap1[32], h2[4], gap2[32];
		} hm = {{1, 2, 3, 4, 5, 6, 7, 8}, {0}, {9, 9, 9, 9}, {0}};
		uint8_t *h1 = hm.h1, *h2 = hm.h2;
		struct userbpf_region regs[2] = {{h1, 8, true}, {h2, 4, false}};
		USERBPF_OPTS(userbpf_run_opts, ro, .regions = regs, .nregions = 2);
		const struct bpf_insn p[] = {LDDW(1, (uintptr_t)h1), LDDW(2, (uintptr_t)h2),
					     LDX(BPF_W, 0, 2, 0), STX(BPF_W, 1, 0, 4), LDX(BPF_DW, 0, 1, 0),
					     EXIT()};
		const struct bpf_insn q[] = {LDDW(2, (uintptr_t)h2), ST(BPF_B, 2, 0, 1), EXIT()};
		const struct bpf_insn s[] = {LDDW(2, (uintptr_t)h2), LDX(BPF_W, 0, 2, 1), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, &ro, &r) == 0 && r == 0x0909090904030201ull);
		CHECK(run_mode(q, N(q), b, 16, false, &ro, &r) == -EFAULT && err.insn == 2);
		CHECK(strstr(err.message, "into read-only region 1") != NULL);
		CHECK(run_mode(s, N(s), b, 16, false, &ro, &r) == -EFAULT);
		CHECK(strstr(err.message, "region 1") != NULL);
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EFAULT); /* not registered */
	}
	{
		/* trusted programs run unchecked: a read of host memory outside every region works */
		uint64_t secret = 0x5ec2e7;
		const struct bpf_insn p[] = {LDDW(1, (uintptr_t)&secret), LDX(BPF_DW, 0, 1, 0), EXIT()};
		USERBPF_OPTS(userbpf_run_opts, force, .checked = true);
		CHECK(run_mode(p, N(p), b, 16, true, NULL, &r) == 0 && r == secret);
		CHECK(run_mode(p, N(p), b, 16, true, &force, &r) == -EFAULT);
	}
	{
		/* lddw of a map reference the program was not given: refused at load */
		const struct bpf_insn p[] = {I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, 3),
					     I(0, 0, 0, 0, 0), MOV_K(0, 0), EXIT()};
		CHECK(run_mode(p, N(p), b, 16, false, NULL, &r) == -EINVAL && err.insn == 0);
	}
}

static void test_budget(void)
{
	uint64_t r;
	/* 10 taken backward jumps: the body runs for r1 = 10..0 */
	const struct bpf_insn loop[] = {MOV_K(1, 10), MOV_K(0, 0), ALU_K(BPF_ADD, 0, 1),
					ALU_K(BPF_SUB, 1, 1), JMP_K(BPF_JSGE, 1, 0, -3), EXIT()};
	USERBPF_OPTS(userbpf_run_opts, b9, .budget = 9);
	USERBPF_OPTS(userbpf_run_opts, b10, .budget = 10);
	USERBPF_OPTS(userbpf_run_opts, forced, .budget = 9, .checked = true);

	CHECK(run_mode(loop, N(loop), NULL, 0, false, &b10, &r) == 0 && r == 11);
	CHECK(run_mode(loop, N(loop), NULL, 0, false, &b9, &r) == -ETIME);
	CHECK(err.code == -ETIME && err.insn == 4 && strstr(err.message, "budget exhausted"));
	/* unchecked runs have no budget unless checked mode is forced */
	CHECK(run_mode(loop, N(loop), NULL, 0, true, &b9, &r) == 0 && r == 11);
	CHECK(run_mode(loop, N(loop), NULL, 0, true, &forced, &r) == -ETIME);
	/* an endless loop ends at the default budget */
	{
		const struct bpf_insn p[] = {MOV_K(0, 0), ALU_K(BPF_ADD, 0, 1), JA(-2), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, NULL, &r) == -ETIME && err.insn == 2);
	}
	{
		const struct bpf_insn p[] = {JA(-1), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, &b10, &r) == -ETIME && err.insn == 0);
	}
	{
		const struct bpf_insn p[] = {I(BPF_JMP32 | BPF_JA, 0, 0, 0, -1), EXIT()};
		CHECK(run_mode(p, N(p), NULL, 0, false, &b10, &r) == -ETIME && err.insn == 0);
	}
	/* local calls cost one unit each: 3 calls */
	{
		const struct bpf_insn p[] = {CALL_LOCAL(3), CALL_LOCAL(2), CALL_LOCAL(1), EXIT(),
					     MOV_K(0, 4), EXIT()};
		USERBPF_OPTS(userbpf_run_opts, b2, .budget = 2);
		USERBPF_OPTS(userbpf_run_opts, b3, .budget = 3);
		CHECK(run_mode(p, N(p), NULL, 0, false, &b3, &r) == 0 && r == 4);
		CHECK(run_mode(p, N(p), NULL, 0, false, &b2, &r) == -ETIME && err.insn == 2);
	}
}

/* ---- the API around programs ---- */

static void test_api(void)
{
	const struct bpf_insn p[] = {MOV_K(0, 3), EXIT()};
	struct userbpf_prog *prog;
	struct userbpf_env *e2;
	uint64_t r = 0;

	memset(&err, 0, sizeof(err));
	CHECK(!userbpf_prog_load(env, p, 12, NULL, &err) && err.code == -EINVAL);
	CHECK(strstr(err.message, "not a multiple of 8") != NULL);
	CHECK(!userbpf_prog_load(env, p, 0, NULL, &err) && err.code == -EINVAL);
	CHECK(!userbpf_prog_load(NULL, p, sizeof(p), NULL, &err) && err.code == -EINVAL);
	{
		const struct bpf_insn bad[] = {MOV_K(0, 3), I(0xff, 0, 0, 0, 0), EXIT()};
		CHECK(!userbpf_prog_load(env, bad, sizeof(bad), NULL, &err) && err.code == -EINVAL);
		CHECK(err.insn == 1 && strcmp(err.component, "isa") == 0);
	}
	{
		/* the caller's buffer need not be aligned */
		char *raw = malloc(sizeof(p) + 1);
		memcpy(raw + 1, p, sizeof(p));
		prog = userbpf_prog_load(env, raw + 1, sizeof(p), NULL, &err);
		CHECK(prog && userbpf_prog_run(prog, NULL, 0, NULL, &r, &err) == 0 && r == 3);
		userbpf_prog_free(prog);
		free(raw);
	}
	prog = userbpf_prog_load(env, p, sizeof(p), NULL, &err);
	CHECK(prog != NULL);
	CHECK(userbpf_prog_insn_count(prog) == 2);
	CHECK(memcmp(userbpf_prog_insns(prog), p, sizeof(p)) == 0);
	CHECK(userbpf_prog_run(prog, NULL, 0, NULL, NULL, &err) == 0);
	{
		USERBPF_OPTS(userbpf_run_opts, jit, .backend = USERBPF_BACKEND_JIT);
		USERBPF_OPTS(userbpf_run_opts, in, .backend = USERBPF_BACKEND_INTERP);
		USERBPF_OPTS(userbpf_run_opts, badb, .backend = (enum userbpf_backend)9);
		CHECK(userbpf_prog_run(prog, NULL, 0, &jit, &r, &err) == 0 && r == 3);
		CHECK(userbpf_prog_run(prog, NULL, 0, &in, &r, &err) == 0 && r == 3);
		CHECK(userbpf_prog_run(prog, NULL, 0, &badb, &r, &err) == -EINVAL);
	}
	{
		/* an older, shorter options struct: fields past sz are not read */
		struct userbpf_run_opts o = {.sz = offsetof(struct userbpf_run_opts, checked),
					     .backend = USERBPF_BACKEND_INTERP,
					     .nregions = 5};
		struct userbpf_run_opts z = {.sz = 0};
		CHECK(userbpf_prog_run(prog, NULL, 0, &o, &r, &err) == 0 && r == 3);
		CHECK(userbpf_prog_run(prog, NULL, 0, &z, &r, &err) == -EINVAL);
	}
	{
		struct userbpf_region regs[VM_MAX_REGIONS] = {{0}};
		uint8_t x;
		USERBPF_OPTS(userbpf_run_opts, many, .regions = regs, .nregions = VM_MAX_REGIONS);
		USERBPF_OPTS(userbpf_run_opts, wrap, .regions = regs, .nregions = 1);
		USERBPF_OPTS(userbpf_run_opts, null, .regions = NULL, .nregions = 1);
		CHECK(userbpf_prog_run(prog, NULL, 0, &many, &r, &err) == -E2BIG);
		regs[0].start = &x;
		regs[0].len = SIZE_MAX;
		CHECK(userbpf_prog_run(prog, NULL, 0, &wrap, &r, &err) == -EINVAL);
		CHECK(userbpf_prog_run(prog, NULL, 0, &null, &r, &err) == -EINVAL);
		CHECK(userbpf_prog_run(prog, NULL, 4, NULL, &r, &err) == -EINVAL);
	}
	CHECK(userbpf_prog_run(NULL, NULL, 0, NULL, &r, &err) == -EINVAL);
	{
		/* the error struct is optional everywhere */
		const struct bpf_insn f[] = {LDX(BPF_DW, 0, 1, 0), EXIT()};
		struct userbpf_prog *pf = userbpf_prog_load(env, f, sizeof(f), NULL, NULL);

		CHECK(pf && userbpf_prog_run(pf, NULL, 0, NULL, &r, NULL) == -EFAULT);
		CHECK(!userbpf_prog_load(env, f, 3, NULL, NULL));
		userbpf_prog_free(pf);
	}
	userbpf_prog_free(prog);
	userbpf_prog_free(NULL);

	{
		struct userbpf_env_opts eo = {.sz = 1};
		struct userbpf_prog_opts po = {.sz = 1};
		struct userbpf_prog_opts old = {.sz = offsetof(struct userbpf_prog_opts, unsafe_trusted),
						.unsafe_trusted = true};
		uint64_t secret = 1;
		const struct bpf_insn q[] = {LDDW(1, (uintptr_t)&secret), LDX(BPF_DW, 0, 1, 0), EXIT()};

		CHECK(!userbpf_env_new(&eo, &err) && err.code == -EINVAL);
		CHECK(!userbpf_prog_load(env, p, sizeof(p), &po, &err) && err.code == -EINVAL);
		/* a struct too short to hold unsafe_trusted: the program stays checked */
		prog = userbpf_prog_load(env, q, sizeof(q), &old, &err);
		CHECK(prog && userbpf_prog_run(prog, NULL, 0, NULL, &r, &err) == -EFAULT);
		userbpf_prog_free(prog);
	}

	/* the helper table */
	e2 = userbpf_env_new(NULL, &err);
	CHECK(e2 != NULL);
	{
		char name[16] = "first";
		CHECK(userbpf_env_register_helper(e2, 70000, name, h_add, &err) == 0);
		strcpy(name, "changed"); /* the name was copied */
		CHECK_STR(userbpf_env_helper_name(e2, 70000), "first");
	}
	CHECK(userbpf_env_register_helper(e2, 3, "three", h_add, &err) == 0);
	CHECK_STR(userbpf_env_helper_name(e2, 3), "three");
	CHECK(userbpf_env_helper_name(e2, 4) == NULL);
	CHECK(userbpf_env_helper_name(e2, 1u << 30) == NULL);
	CHECK(userbpf_env_register_helper(e2, 3, "again", h_cookie, &err) == 0);
	CHECK_STR(userbpf_env_helper_name(e2, 3), "again");
	CHECK(userbpf_env_register_helper(e2, (1u << 20) + 1, "big", h_add, &err) == -EINVAL);
	CHECK(userbpf_env_register_helper(e2, 5, "nofn", NULL, &err) == -EINVAL);
	CHECK(userbpf_env_register_helper(e2, 5, "", h_add, &err) == -EINVAL);
	CHECK(userbpf_env_register_helper(e2, 5, NULL, h_add, &err) == -EINVAL);
	CHECK(userbpf_env_register_helper(NULL, 5, "x", h_add, &err) == -EINVAL);
	{
		char longname[100];
		memset(longname, 'a', 99);
		longname[99] = 0;
		CHECK(userbpf_env_register_helper(e2, 5, longname, h_add, &err) == -EINVAL);
	}
	{
		/* a helper registered after load is found at run time through callx */
		const struct bpf_insn q[] = {LDDW(6, 123456), CALLX(6), EXIT()};
		struct userbpf_prog *pq = userbpf_prog_load(e2, q, sizeof(q), NULL, &err);
		CHECK(pq && userbpf_prog_run(pq, NULL, 0, NULL, &r, &err) == -ENOENT);
		CHECK(userbpf_env_register_helper(e2, 123456, "late", h_add, &err) == 0);
		CHECK(pq && userbpf_prog_run(pq, NULL, 0, NULL, &r, &err) == 0);
		userbpf_prog_free(pq);
	}
	userbpf_env_free(e2);
	userbpf_env_free(NULL);
	CHECK(userbpf_call_cookie(NULL) == NULL);
	CHECK(!userbpf_call_mem_ok(NULL, 0, 0, false));
	userbpf_call_abort(NULL, -EPERM, "x");
}

int main(void)
{
	env = userbpf_env_new(NULL, &err);
	CHECK(env != NULL);
	CHECK(userbpf_env_register_helper(env, 1, "add5", h_add, &err) == 0);
	CHECK(userbpf_env_register_helper(env, 2, "cookie", h_cookie, &err) == 0);
	CHECK(userbpf_env_register_helper(env, 3, "mem_ok", h_memok, &err) == 0);
	CHECK(userbpf_env_register_helper(env, 4, "abort", h_abort, &err) == 0);
	CHECK(userbpf_env_register_helper(env, 6, "abort_long", h_abort_long, &err) == 0);

	{
		const struct bpf_insn p[] = {MOV_K(0, 1), EXIT()};
		uint64_t r = 0;

		jit_available = run_backend(p, N(p), NULL, 0, false, NULL, &r, USERBPF_BACKEND_JIT) == 0 &&
				r == 1;
		printf("JIT %s: interpreter results are compared with it\n",
		       jit_available ? "available" : "not available");
	}
	test_alu();
	test_endian();
	test_jumps();
	test_lddw_and_loops();
	test_memory();
	test_atomics();
	test_atomics_threads();
	test_local_calls();
	test_helpers();
	test_ld_abs();
	test_faults();
	test_budget();
	test_api();
	userbpf_env_free(env);
	return test_summary();
}
