/* SPDX-License-Identifier: MIT */
/*
 * test_cbpf.c - classic BPF: one rejection per kernel rule of the checker (with the instruction
 * it names), every opcode and ancillary load in the interpreter (including the out-of-range
 * loads that return 0) and, converted to eBPF, in the eBPF interpreter and JIT with the same result
 * (every interpreter test below is also a converter test), the -d/-dd/-ddd printer against libpcap's and tcpdump's exact text,
 * the reader (round trips and errors with line numbers), and the converter's output passing
 * structural validation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "cbpf/cbpf.h"
#include "hooks/hooks.h"
#include "hooks/pcapio.h"
#include "isa/isa.h"
#include "test.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define AD(x) ((uint32_t)SKF_AD_OFF + (x))

/* ---- checker -------------------------------------------------------------------------- */

/* Expect a rejection with this errno at this instruction, the message containing `what`. */
static void reject(const struct sock_filter *f, size_t n, int code, int insn, const char *what)
{
	struct userbpf_error err;

	err_clear(&err);
	int ret = cbpf_check(f, n, &err);
	CHECK_EQ_U64(ret, code);
	CHECK_EQ_U64(err.code, code);
	CHECK_EQ_U64(err.insn, insn);
	CHECK_STR(err.component, "cbpf");
	if (!strstr(err.message, what)) {
		test_failed++;
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.message, what);
	} else {
		test_passed++;
	}
}

static void accept_ok(const struct sock_filter *f, size_t n)
{
	struct userbpf_error err;
	int ret = cbpf_check(f, n, &err);

	if (ret)
		fprintf(stderr, "unexpected rejection: %s (insn %d)\n", err.message, err.insn);
	CHECK_EQ_U64(ret, 0);
}

static void test_checker(void)
{
	struct sock_filter ok[] = { BPF_STMT(BPF_RET | BPF_K, 1) };
	static struct sock_filter big[CBPF_MAX_INSNS + 1];

	accept_ok(ok, 1);
	reject(ok, 0, -EINVAL, -1, "empty");
	for (size_t i = 0; i < LEN(big); i++)
		big[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	accept_ok(big, CBPF_MAX_INSNS);
	reject(big, CBPF_MAX_INSNS + 1, -EINVAL, -1, "too large");

	/* unknown opcodes: RET X, LD|H|IMM, an eBPF opcode, 0xffff */
	static const uint16_t bad[] = { BPF_RET | BPF_X, BPF_LD | BPF_H | BPF_IMM, 0xbf, 0xffff,
					BPF_LDX | BPF_H | BPF_MSH, BPF_JMP | BPF_JA | BPF_X };
	for (size_t i = 0; i < LEN(bad); i++) {
		struct sock_filter f[] = { BPF_STMT(BPF_LD | BPF_IMM, 1), { bad[i], 0, 0, 0 },
					   BPF_STMT(BPF_RET | BPF_A, 0) };
		reject(f, 3, -EINVAL, 1, "unknown opcode");
	}

	struct sock_filter div0[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
				      BPF_STMT(BPF_RET | BPF_A, 0) };
	reject(div0, 2, -EINVAL, 0, "division by constant zero");
	struct sock_filter mod0[] = { BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0),
				      BPF_STMT(BPF_RET | BPF_A, 0) };
	reject(mod0, 3, -EINVAL, 1, "modulo by constant zero");
	struct sock_filter divx[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
				      BPF_STMT(BPF_RET | BPF_A, 0) };
	accept_ok(divx, 2); /* X == 0 is a run-time matter */
	struct sock_filter shift[] = { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32),
				       BPF_STMT(BPF_RET | BPF_A, 0) };
	reject(shift, 2, -EINVAL, 0, "shift by 32");
	shift[0] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 31);
	accept_ok(shift, 2);

	/* scratch memory index */
	static const uint16_t memops[] = { BPF_ST, BPF_STX, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM };
	for (size_t i = 0; i < LEN(memops); i++) {
		struct sock_filter f[] = { { memops[i], 0, 0, 16 }, BPF_STMT(BPF_RET | BPF_A, 0) };
		reject(f, 2, -EINVAL, 0, "M[16] out of range");
	}

	/* M[] read before written: directly, and on one path only */
	struct sock_filter rd[] = { BPF_STMT(BPF_ST, 1), BPF_STMT(BPF_LD | BPF_MEM, 2),
				    BPF_STMT(BPF_RET | BPF_A, 0) };
	reject(rd, 3, -EINVAL, 1, "M[2] read before it is written");
	struct sock_filter path[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 1),
		BPF_STMT(BPF_ST, 3),                 /* only when len > 100 */
		BPF_STMT(BPF_LDX | BPF_MEM, 3),      /* reached from both paths */
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	reject(path, LEN(path), -EINVAL, 3, "M[3] read before it is written");
	path[1].jf = 0; /* both paths store now */
	accept_ok(path, LEN(path));
	struct sock_filter both[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 2),
		BPF_STMT(BPF_ST, 5),
		BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
		BPF_STMT(BPF_STX, 5),
		BPF_STMT(BPF_LD | BPF_MEM, 5),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	accept_ok(both, LEN(both));
	/* the kernel's rule for unreachable code: judged after a jump, not after a RET */
	struct sock_filter dead[] = { BPF_STMT(BPF_RET | BPF_K, 0), BPF_STMT(BPF_LD | BPF_MEM, 9),
				      BPF_STMT(BPF_RET | BPF_A, 0) };
	reject(dead, LEN(dead), -EINVAL, 1, "M[9] read before it is written");
	struct sock_filter dead2[] = { BPF_STMT(BPF_ST, 9), BPF_STMT(BPF_RET | BPF_K, 0),
				       BPF_STMT(BPF_LD | BPF_MEM, 9), BPF_STMT(BPF_RET | BPF_A, 0) };
	accept_ok(dead2, LEN(dead2));
	struct sock_filter dead3[] = { BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), BPF_STMT(BPF_LD | BPF_MEM, 9),
				       BPF_STMT(BPF_RET | BPF_A, 0) };
	accept_ok(dead3, LEN(dead3));

	/* jumps: forward and inside the program */
	struct sock_filter ja[] = { BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0) };
	reject(ja, 2, -EINVAL, 0, "jump out of range");
	ja[0].k = 0;
	accept_ok(ja, 2);
	ja[0].k = (uint32_t)-1;
	reject(ja, 2, -EINVAL, 0, "backward jump");
	struct sock_filter jt[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
				    BPF_STMT(BPF_RET | BPF_K, 0) };
	reject(jt, 2, -EINVAL, 0, "jump out of range");
	jt[0].jt = 0;
	jt[0].jf = 1;
	reject(jt, 2, -EINVAL, 0, "jump out of range");
	jt[0].jf = 0;
	accept_ok(jt, 2);

	/* the program ends in RET */
	struct sock_filter end[] = { BPF_STMT(BPF_LD | BPF_IMM, 1) };
	reject(end, 1, -EINVAL, 0, "last instruction must be ret");
	struct sock_filter endj[] = { BPF_STMT(BPF_RET | BPF_K, 1), BPF_STMT(BPF_MISC | BPF_TAX, 0) };
	reject(endj, 2, -EINVAL, 1, "last instruction must be ret");

	/* ancillary loads: known, unknown, and the ones needing kernel objects */
	struct sock_filter anc[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_PROTOCOL)),
				     BPF_STMT(BPF_RET | BPF_A, 0) };
	accept_ok(anc, 2);
	anc[0].k = AD(SKF_AD_MAX);
	reject(anc, 2, -EINVAL, 0, "unknown ancillary load SKF_AD_OFF+64");
	anc[0].k = AD(2);
	reject(anc, 2, -EINVAL, 0, "unknown ancillary");
	anc[0].k = AD(SKF_AD_NLATTR);
	reject(anc, 2, -ENOTSUP, 0, "[nla]");
	anc[0].k = AD(SKF_AD_PAY_OFFSET);
	reject(anc, 2, -ENOTSUP, 0, "[poff]");
	anc[0].k = (uint32_t)SKF_NET_OFF; /* below SKF_AD_OFF: a plain (out-of-range) load */
	accept_ok(anc, 2);
}

/* ---- interpreter ------------------------------------------------------------------------ */

static const uint8_t pkt[16] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				 0x45, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

static struct userbpf_env *env;

/* The converted program on the same input: its r0, or 0xbad0000000 + errno on failure. */
static uint64_t run_ebpf(const struct sock_filter *f, size_t n, const struct __sk_buff *skb,
			 uint32_t caplen, uint64_t *rs)
{
	struct userbpf_error err;
	struct bpf_insn *e;
	size_t ne;
	uint64_t r0 = 0;
	int rc;

	rc = cbpf_to_ebpf(f, n, &e, &ne, &err);
	if (rc)
		return 0xbad0000000ull - rc;
	struct userbpf_prog *prog = userbpf_prog_load(env, e, ne * sizeof(*e), NULL, &err);
	free(e);
	if (!prog)
		return 0xbad0000000ull - err.code;
	/* the interpreter, then the JIT (when built) on the same random state: same result */
	uint64_t rs_jit = rs ? *rs : 0, r0_jit = 0;
	USERBPF_OPTS(userbpf_run_opts, o, .backend = USERBPF_BACKEND_INTERP);
	USERBPF_OPTS(userbpf_run_opts, oj, .backend = USERBPF_BACKEND_JIT);
	rc = hooks_skb_run(prog, skb, pkt, caplen, rs, &o, &r0, &err);
	int rj = hooks_skb_run(prog, skb, pkt, caplen, rs ? &rs_jit : NULL, &oj, &r0_jit, &err);
	userbpf_prog_free(prog);
	if (rc) {
		fprintf(stderr, "eBPF run failed: insn %d: %s\n", err.insn, err.message);
		return 0xbad0000000ull - rc;
	}
	if (rj != -ENOTSUP && (rj || r0_jit != r0)) {
		fprintf(stderr, "JIT: %d, r0 0x%llx; interpreter r0 0x%llx\n", rj,
			(unsigned long long)r0_jit, (unsigned long long)r0);
		return 0xbad1000000ull;
	}
	return r0;
}

static uint32_t run_on(const struct sock_filter *f, size_t n, const struct __sk_buff *skb,
		       uint32_t caplen, uint64_t *rs)
{
	struct userbpf_error err;
	struct cbpf_input in = { pkt, caplen, skb, rs };

	if (cbpf_check(f, n, &err)) {
		fprintf(stderr, "check failed: insn %d: %s\n", err.insn, err.message);
		test_failed++;
		return 0xdeadbeef;
	}
	/* the random state must advance the same way in both: run eBPF on a copy first */
	uint64_t rs_copy = rs ? *rs : 0;
	uint64_t e = run_ebpf(f, n, skb, caplen, rs ? &rs_copy : NULL);
	uint32_t v = cbpf_run(f, n, &in);
	if (e != v) {
		fprintf(stderr, "converted program returned 0x%llx, classic 0x%x (first insn 0x%02x)\n",
			(unsigned long long)e, v, f[0].code);
		test_failed++;
	} else {
		test_passed++;
	}
	return v;
}

static uint32_t run(const struct sock_filter *f, size_t n)
{
	struct __sk_buff skb;

	memset(&skb, 0, sizeof(skb));
	skb.len = 100; /* the wire length: more than was captured */
	return run_on(f, n, &skb, sizeof(pkt), NULL);
}

#define RUN(...)                                                                     \
	({                                                                           \
		struct sock_filter f_[] = { __VA_ARGS__ };                           \
		run(f_, LEN(f_));                                                    \
	})
#define RET_A BPF_STMT(BPF_RET | BPF_A, 0)
#define LDI(v) BPF_STMT(BPF_LD | BPF_IMM, v)
#define LDXI(v) BPF_STMT(BPF_LDX | BPF_IMM, v)

static void test_interp_loads(void)
{
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), RET_A), 0x01020304);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 3), RET_A), 0x0405);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 15), RET_A), 0x10);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12), RET_A), 0x0d0e0f10);
	/* out of range: the filter ends with 0, whatever follows */
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 13), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 16), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0x7fffffffu), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0x80000000u), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_LL_OFF), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	/* indirect: X + k */
	CHECK_EQ_U64(RUN(LDXI(4), BPF_STMT(BPF_LD | BPF_W | BPF_IND, 2), RET_A), 0x0708450a);
	CHECK_EQ_U64(RUN(LDXI(14), BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0), RET_A), 0x0f10);
	CHECK_EQ_U64(RUN(LDXI(14), BPF_STMT(BPF_LD | BPF_H | BPF_IND, 1), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	CHECK_EQ_U64(RUN(LDXI(0xffffffffu), BPF_STMT(BPF_LD | BPF_B | BPF_IND, 2), RET_A), 0x02); /* wraps */
	CHECK_EQ_U64(RUN(LDXI(0x80000000u), BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	/* lengths: the wire length */
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET_A), 100);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A), 100);
	/* immediates, scratch memory */
	CHECK_EQ_U64(RUN(LDI(0xfeedface), RET_A), 0xfeedface);
	CHECK_EQ_U64(RUN(LDXI(5), BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A), 5);
	CHECK_EQ_U64(RUN(LDI(11), BPF_STMT(BPF_ST, 15), LDI(0), BPF_STMT(BPF_LD | BPF_MEM, 15), RET_A), 11);
	CHECK_EQ_U64(RUN(LDXI(12), BPF_STMT(BPF_STX, 0), BPF_STMT(BPF_LDX | BPF_MEM, 0),
			 BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A), 12);
	/* MSH: X = 4 * (P[k] & 0xf), A untouched; out of range ends with 0 */
	CHECK_EQ_U64(RUN(LDI(3), BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 8), BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0), RET_A), 23);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 16), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
}

static void test_interp_alu(void)
{
	struct { uint16_t op; uint32_t a, x, want; } t[] = {
		{ BPF_ADD, 0xffffffff, 2, 1 },     { BPF_SUB, 1, 2, 0xffffffff },
		{ BPF_MUL, 0x10000, 0x10000, 0 },  { BPF_MUL, 7, 6, 42 },
		{ BPF_DIV, 100, 7, 14 },           { BPF_DIV, 0xffffffff, 2, 0x7fffffff },
		{ BPF_MOD, 100, 7, 2 },            { BPF_AND, 0xf0f0, 0xff00, 0xf000 },
		{ BPF_OR, 0xf0, 0x0f, 0xff },      { BPF_XOR, 0xff, 0x0f, 0xf0 },
		{ BPF_LSH, 1, 31, 0x80000000 },    { BPF_RSH, 0x80000000, 31, 1 },
	};
	for (size_t i = 0; i < LEN(t); i++) {
		CHECK_EQ_U64(RUN(LDI(t[i].a), BPF_STMT(BPF_ALU | t[i].op | BPF_K, t[i].x), RET_A), t[i].want);
		CHECK_EQ_U64(RUN(LDI(t[i].a), LDXI(t[i].x), BPF_STMT(BPF_ALU | t[i].op | BPF_X, 0), RET_A),
			     t[i].want);
	}
	/* division and modulo by X == 0 end the filter with 0 */
	CHECK_EQ_U64(RUN(LDI(9), LDXI(0), BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	CHECK_EQ_U64(RUN(LDI(9), LDXI(0), BPF_STMT(BPF_ALU | BPF_MOD | BPF_X, 0), BPF_STMT(BPF_RET | BPF_K, 7)), 0);
	/* shifts by X use X & 31 (the eBPF shift the kernel converts them to) */
	CHECK_EQ_U64(RUN(LDI(1), LDXI(33), BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0), RET_A), 2);
	CHECK_EQ_U64(RUN(LDI(8), LDXI(35), BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0), RET_A), 1);
	CHECK_EQ_U64(RUN(LDI(5), BPF_STMT(BPF_ALU | BPF_NEG, 0), RET_A), 0xfffffffb);
	CHECK_EQ_U64(RUN(LDI(5), BPF_STMT(BPF_MISC | BPF_TAX, 0), LDI(0), BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A), 5);
	CHECK_EQ_U64(RUN(BPF_STMT(BPF_RET | BPF_K, 0x12345678)), 0x12345678);
	CHECK_EQ_U64(RUN(RET_A), 0); /* A starts at 0 */
}

static void test_interp_jumps(void)
{
	struct { uint16_t op; uint32_t a, k; bool taken; } t[] = {
		{ BPF_JEQ, 5, 5, true },   { BPF_JEQ, 5, 6, false },
		{ BPF_JGT, 6, 5, true },   { BPF_JGT, 5, 5, false },
		{ BPF_JGT, 0x80000000, 1, true }, /* unsigned */
		{ BPF_JGE, 5, 5, true },   { BPF_JGE, 4, 5, false },
		{ BPF_JSET, 6, 2, true },  { BPF_JSET, 6, 9, false },
	};
	for (size_t i = 0; i < LEN(t); i++) {
		uint32_t want = t[i].taken ? 1 : 2;

		CHECK_EQ_U64(RUN(LDI(t[i].a), BPF_JUMP(BPF_JMP | t[i].op | BPF_K, t[i].k, 1, 0),
				 BPF_STMT(BPF_RET | BPF_K, 2), BPF_STMT(BPF_RET | BPF_K, 1)), want);
		CHECK_EQ_U64(RUN(LDI(t[i].a), LDXI(t[i].k), BPF_JUMP(BPF_JMP | t[i].op | BPF_X, 0, 1, 0),
				 BPF_STMT(BPF_RET | BPF_K, 2), BPF_STMT(BPF_RET | BPF_K, 1)), want);
	}
	CHECK_EQ_U64(RUN(BPF_JUMP(BPF_JMP | BPF_JA, 2, 0, 0), BPF_STMT(BPF_RET | BPF_K, 1),
			 BPF_STMT(BPF_RET | BPF_K, 2), BPF_STMT(BPF_RET | BPF_K, 3)), 3);
}

static void test_interp_ancillary(void)
{
	struct __sk_buff skb;
	uint64_t rs = 42, rs2 = 42;

	memset(&skb, 0, sizeof(skb));
	skb.len = 1500;
	skb.protocol = htons(0x86dd);
	skb.pkt_type = 3;
	skb.ifindex = 7;
	skb.mark = 0xabc;
	skb.queue_mapping = 2;
	skb.hash = 0x1234567;
	skb.vlan_present = 1;
	skb.vlan_tci = 0x2064;
	skb.vlan_proto = htons(0x88a8);
	struct { uint32_t off; uint32_t want; } t[] = {
		{ SKF_AD_PROTOCOL, 0x86dd }, { SKF_AD_PKTTYPE, 3 },        { SKF_AD_IFINDEX, 7 },
		{ SKF_AD_MARK, 0xabc },      { SKF_AD_QUEUE, 2 },          { SKF_AD_RXHASH, 0x1234567 },
		{ SKF_AD_CPU, 0 },           { SKF_AD_VLAN_TAG, 0x2064 },  { SKF_AD_VLAN_TAG_PRESENT, 1 },
		{ SKF_AD_VLAN_TPID, 0x88a8 },
	};
	for (size_t i = 0; i < LEN(t); i++) {
		/* the size bits of an ancillary load do not matter */
		static const uint16_t sizes[] = { BPF_W, BPF_H, BPF_B };
		for (size_t s = 0; s < 3; s++) {
			struct sock_filter f[] = { BPF_STMT(BPF_LD | sizes[s] | BPF_ABS, AD(t[i].off)), RET_A };
			CHECK_EQ_U64(run_on(f, 2, &skb, sizeof(pkt), NULL), t[i].want);
		}
	}
	struct sock_filter x[] = { LDI(0xf0), LDXI(0x3c), BPF_STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_ALU_XOR_X)), RET_A };
	CHECK_EQ_U64(run_on(x, LEN(x), &skb, sizeof(pkt), NULL), 0xcc);
	struct sock_filter r[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_RANDOM)), RET_A };
	uint32_t v1 = run_on(r, 2, &skb, sizeof(pkt), &rs);
	uint32_t v2 = run_on(r, 2, &skb, sizeof(pkt), &rs);
	CHECK(v1 != v2);
	CHECK_EQ_U64(v1, cbpf_random(&rs2));
	CHECK_EQ_U64(v2, cbpf_random(&rs2));
	CHECK_EQ_U64(run_on(r, 2, &skb, sizeof(pkt), NULL), 0);
}

/* ---- text formats ------------------------------------------------------------------------ */

/* What libpcap's bpf_image() prints for each opcode (k = 0x1234 or -4092, jt 2, jf 3, pc 5). */
static void test_image(void)
{
	static const struct { uint16_t code; uint32_t k; const char *want; } t[] = {
		{ 0x00, 0x1234, "(005) ld       #0x1234" },
		{ 0x00, 0xfffff004, "(005) ld       #0xfffff004" },
		{ 0x01, 0x1234, "(005) ldx      #0x1234" },
		{ 0x02, 0xfffff004, "(005) st       M[-4092]" },
		{ 0x03, 0x1234, "(005) stx      M[4660]" },
		{ 0x04, 0xfffff004, "(005) add      #-4092" },
		{ 0x05, 0x1234, "(005) ja       4666" },
		{ 0x05, 0xfffffff0, "(005) ja       -10" },
		{ 0x06, 0x1234, "(005) ret      #4660" },
		{ 0x07, 0x1234, "(005) tax      " },
		{ 0x0c, 0, "(005) add      x" },
		{ 0x14, 0x1234, "(005) sub      #4660" },
		{ 0x15, 0x1234, "(005) jeq      #0x1234          jt 8\tjf 9" },
		{ 0x16, 0, "(005) ret      " },
		{ 0x1c, 0, "(005) sub      x" },
		{ 0x1d, 0, "(005) jeq      x                jt 8\tjf 9" },
		{ 0x20, 0x1234, "(005) ld       [4660]" },
		{ 0x20, 0xfffff004, "(005) ld       [type]" },
		{ 0x20, 0x80000000, "(005) ld       [-2147483648]" },
		{ 0x24, 0x1234, "(005) mul      #4660" },
		{ 0x25, 0xfffff004, "(005) jgt      #0xfffff004      jt 8\tjf 9" },
		{ 0x28, 0xfffff000, "(005) ldh      [proto]" },
		{ 0x2c, 0, "(005) mul      x" },
		{ 0x2d, 0, "(005) jgt      x                jt 8\tjf 9" },
		{ 0x30, 0xfffff03c, "(005) ldb      [vlan_tpid]" },
		{ 0x34, 0x1234, "(005) div      #4660" },
		{ 0x35, 0x1234, "(005) jge      #0x1234          jt 8\tjf 9" },
		{ 0x3c, 0, "(005) div      x" },
		{ 0x3d, 0, "(005) jge      x                jt 8\tjf 9" },
		{ 0x40, 0xfffff004, "(005) ld       [x + -4092]" },
		{ 0x44, 0x1234, "(005) or       #0x1234" },
		{ 0x45, 0x1234, "(005) jset     #0x1234          jt 8\tjf 9" },
		{ 0x48, 0x1234, "(005) ldh      [x + 4660]" },
		{ 0x4c, 0, "(005) or       x" },
		{ 0x4d, 0, "(005) jset     x                jt 8\tjf 9" },
		{ 0x50, 0x1234, "(005) ldb      [x + 4660]" },
		{ 0x54, 0xfffff004, "(005) and      #0xfffff004" },
		{ 0x5c, 0, "(005) and      x" },
		{ 0x60, 0x1234, "(005) ld       M[4660]" },
		{ 0x61, 0x1234, "(005) ldx      M[4660]" },
		{ 0x64, 0x1234, "(005) lsh      #4660" },
		{ 0x6c, 0, "(005) lsh      x" },
		{ 0x74, 0x1234, "(005) rsh      #4660" },
		{ 0x7c, 0, "(005) rsh      x" },
		{ 0x80, 0, "(005) ld       #pktlen" },
		{ 0x84, 0, "(005) neg      " },
		{ 0x87, 0, "(005) txa      " },
		{ 0x94, 0xfffff004, "(005) mod      #-4092" },
		{ 0x9c, 0, "(005) mod      x" },
		{ 0xa4, 0x1234, "(005) xor      #0x1234" },
		{ 0xac, 0, "(005) xor      x" },
		{ 0xb1, 0x1234, "(005) ldxb     4*([4660]&0xf)" },
		{ 0x0e, 0, "(005) unimp    0xe" },
	};
	char line[128];

	for (size_t i = 0; i < LEN(t); i++) {
		struct sock_filter in = { t[i].code, 2, 3, t[i].k };

		cbpf_image(&in, 5, line, sizeof(line));
		CHECK_STR(line, t[i].want);
	}
	struct sock_filter far = { 0x15, 255, 255, 0 };
	cbpf_image(&far, 5000, line, sizeof(line));
	CHECK_STR(line, "(5000) jeq      #0x0             jt 5256\tjf 5256");
}

/* `tcpdump -y EN10MB -d/-dd/-ddd 'icmp[icmptype] = 8'`, byte for byte. */
static const char golden_d[] =
	"(000) ldh      [12]\n"
	"(001) jeq      #0x800           jt 2\tjf 10\n"
	"(002) ldb      [23]\n"
	"(003) jeq      #0x1             jt 4\tjf 10\n"
	"(004) ldh      [20]\n"
	"(005) jset     #0x1fff          jt 10\tjf 6\n"
	"(006) ldxb     4*([14]&0xf)\n"
	"(007) ldb      [x + 14]\n"
	"(008) jeq      #0x8             jt 9\tjf 10\n"
	"(009) ret      #262144\n"
	"(010) ret      #0\n";
static const char golden_dd[] =
	"{ 0x28, 0, 0, 0x0000000c },\n"
	"{ 0x15, 0, 8, 0x00000800 },\n"
	"{ 0x30, 0, 0, 0x00000017 },\n"
	"{ 0x15, 0, 6, 0x00000001 },\n"
	"{ 0x28, 0, 0, 0x00000014 },\n"
	"{ 0x45, 4, 0, 0x00001fff },\n"
	"{ 0xb1, 0, 0, 0x0000000e },\n"
	"{ 0x50, 0, 0, 0x0000000e },\n"
	"{ 0x15, 0, 1, 0x00000008 },\n"
	"{ 0x6, 0, 0, 0x00040000 },\n"
	"{ 0x6, 0, 0, 0x00000000 },\n";
static const char golden_ddd[] = "11\n40 0 0 12\n21 0 8 2048\n48 0 0 23\n21 0 6 1\n40 0 0 20\n"
				 "69 4 0 8191\n177 0 0 14\n80 0 0 14\n21 0 1 8\n6 0 0 262144\n6 0 0 0\n";

static void print_check(const struct sock_filter *f, size_t n, enum cbpf_format fmt, const char *want)
{
	struct buf b = { 0 };

	CHECK_EQ_U64(cbpf_print(&b, f, n, fmt), 0);
	buf_append(&b, "", 1);
	CHECK_STR(b.data, want);
	buf_free(&b);
}

static void test_text(void)
{
	struct userbpf_error err;
	struct sock_filter *f, *g;
	size_t n, m;

	/* libpcap compiles, we print: identical to tcpdump's text */
	CHECK_EQ_U64(pcapio_compile("icmp[icmptype] = 8", 1, 262144, true, &f, &n, &err), 0);
	CHECK_EQ_U64(n, 11);
	print_check(f, n, CBPF_FMT_D, golden_d);
	print_check(f, n, CBPF_FMT_DD, golden_dd);
	print_check(f, n, CBPF_FMT_DDD, golden_ddd);

	/* each format reads back to the same program (autodetected and explicit) */
	const char *texts[] = { golden_d, golden_dd, golden_ddd };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_U64(cbpf_parse(texts[i], CBPF_FMT_AUTO, &g, &m, &err), 0);
		CHECK_EQ_U64(m, n);
		CHECK(m == n && memcmp(f, g, n * sizeof(*f)) == 0);
		free(g);
		CHECK_EQ_U64(cbpf_parse(texts[i], (enum cbpf_format)(CBPF_FMT_D + i), &g, &m, &err), 0);
		free(g);
	}
	free(f);

	/* every opcode the mnemonic table knows, with awkward operands, round-trips through -d */
	struct sock_filter all[] = {
		{ 0x20, 0, 0, AD(SKF_AD_ALU_XOR_X) }, { 0x28, 0, 0, AD(SKF_AD_VLAN_TPID) },
		{ 0x30, 0, 0, 0x80000000 },           { 0x40, 0, 0, 0xfffffff0 },
		{ 0x48, 0, 0, 0 },                    { 0x50, 0, 0, 7 },
		{ 0x80, 0, 0, 0 },                    { 0x81, 0, 0, 0 },
		{ 0x00, 0, 0, 0xffffffff },           { 0x01, 0, 0, 0 },
		{ 0x02, 0, 0, 15 },                   { 0x03, 0, 0, 0 },
		{ 0x60, 0, 0, 15 },                   { 0x61, 0, 0, 3 },
		{ 0xb1, 0, 0, 14 },                   { 0x04, 0, 0, 0xffffffff },
		{ 0x94, 0, 0, 3 },                    { 0xa4, 0, 0, 0x80000000 },
		{ 0x84, 0, 0, 0 },                    { 0x07, 0, 0, 0 },
		{ 0x87, 0, 0, 0 },                    { 0x05, 0, 0, 1 },
		{ 0x15, 0, 255, 0xffffffff },         { 0x1d, 1, 0, 0 },
		{ 0x45, 0, 0, 1 },                    { 0x4d, 3, 2, 0 },
		{ 0x06, 0, 0, 0xffffffff },           { 0x16, 0, 0, 0 },
	};
	for (int i = 0; i < 3; i++) {
		struct buf b = { 0 };

		cbpf_print(&b, all, LEN(all), (enum cbpf_format)(CBPF_FMT_D + i));
		buf_append(&b, "", 1);
		int rc = cbpf_parse(b.data, CBPF_FMT_AUTO, &g, &m, &err);
		if (rc)
			fprintf(stderr, "parse: line %d: %s\n", err.line, err.message);
		CHECK_EQ_U64(rc, 0);
		CHECK(rc == 0 && m == LEN(all) && memcmp(all, g, sizeof(all)) == 0);
		free(g);
		buf_free(&b);
	}

	/* errors name the line */
	static const struct { const char *text; int line; const char *what; } bad[] = {
		{ "(000) ret      #0\n(002) ret      #1\n", 2, "instruction number 2, expected 1" },
		{ "(000) frob     #0\n", 1, "unknown instruction \"frob\"" },
		{ "\n(000) ld       [bogus]\n", 2, "unknown packet operand [bogus]" },
		{ "(000) jeq      #0x1             jt 0\tjf 1\n", 1, "jt target" },
		{ "(000) ret      #0 junk\n", 1, "unexpected text" },
		{ "{ 0x6, 0, 0, 0x0 },\n{ 0x6, 0, 0 },\n", 2, "expected \"{ code, jt, jf, k }\"" },
		{ "{ 0x10000, 0, 0, 0 },\n", 1, "out of range" },
		{ "2\n6 0 0 0\n", 1, "1 instructions, the first line says 2" },
		{ "1\n6 0 0 0 9\n", 2, "unexpected text" },
		{ "1\n6 0 0 4294967296\n", 2, "expected \"code jt jf k\"" },
		{ "", 1, "no instructions" },
	};
	for (size_t i = 0; i < LEN(bad); i++) {
		err_clear(&err);
		CHECK_EQ_U64(cbpf_parse(bad[i].text, CBPF_FMT_AUTO, &g, &m, &err), -EINVAL);
		CHECK_EQ_U64(err.line, bad[i].line);
		if (!strstr(err.message, bad[i].what)) {
			test_failed++;
			fprintf(stderr, "parse error \"%s\" lacks \"%s\"\n", err.message, bad[i].what);
		} else {
			test_passed++;
		}
	}
}

/* ---- converter ---------------------------------------------------------------------------- */

static void test_convert_structure(void)
{
	struct userbpf_error err;
	struct bpf_insn *e;
	size_t ne;
	const char *exprs[] = { "tcp port 80", "ip[2:2] / (ip[9] - 6) > 10", "vlan 10 and udp",
				"len % 3 = 0", "ip6 and tcp[13] & 2 != 0 or arp" };

	for (size_t i = 0; i < LEN(exprs); i++) {
		struct sock_filter *f;
		size_t n;

		if (pcapio_compile(exprs[i], 1, 262144, true, &f, &n, &err) != 0) {
			/* tcp[] on ip6 is not compilable: only the compiling ones matter */
			continue;
		}
		CHECK_EQ_U64(cbpf_to_ebpf(f, n, &e, &ne, &err), 0);
		CHECK_EQ_U64(isa_validate(e, ne, &err), 0);
		free(e);
		free(f);
	}
	/* every kind of instruction, converted, is valid eBPF ending in exit */
	struct sock_filter all[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_PROTOCOL)),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_RANDOM)),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, AD(SKF_AD_CPU)),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, AD(SKF_AD_VLAN_TPID)),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, AD(SKF_AD_ALU_XOR_X)),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0xfffffffe),
		BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_LDX | BPF_MEM, 0),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), BPF_STMT(BPF_ALU | BPF_MOD | BPF_X, 0),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 1),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0xffffffff, 0, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK_EQ_U64(cbpf_to_ebpf(all, LEN(all), &e, &ne, &err), 0);
	CHECK_EQ_U64(isa_validate(e, ne, &err), 0);
	CHECK_EQ_U64(e[ne - 1].code, BPF_JMP | BPF_EXIT);
	free(e);
	/* the converter refuses what the checker refuses */
	struct sock_filter bad[] = { BPF_STMT(BPF_LD | BPF_MEM, 1), BPF_STMT(BPF_RET | BPF_A, 0) };
	CHECK_EQ_U64(cbpf_to_ebpf(bad, 2, &e, &ne, &err), -EINVAL);
	CHECK_EQ_U64(err.insn, 0);
}

int main(void)
{
	struct userbpf_error err;

	env = userbpf_env_new(NULL, &err);
	if (!env || hooks_skb_register_helpers(env, &err)) {
		fprintf(stderr, "env: %s\n", err.message);
		return 1;
	}
	test_checker();
	test_interp_loads();
	test_interp_alu();
	test_interp_jumps();
	test_interp_ancillary();
	test_image();
	test_text();
	test_convert_structure();
	userbpf_env_free(env);
	return test_summary();
}
