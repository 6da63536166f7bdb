/* SPDX-License-Identifier: MIT */
/*
 * test_vm_ref.c - the interpreter against a reference model of every ALU, byte-order and
 * conditional-jump operation, on edge and random operands, in checked and unchecked mode
 * (and the JIT, checked, where it exists).
 * The model is written from RFC 9669 independently of interp_loop.h (bit loops instead of
 * casts where it can), so a slip in one handler shows up as a disagreement. It is also the
 * oracle a second back end can be held to.
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "vm/vm.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t edges[] = {
	0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x1ffffffff, 0x7fffffffffffffff,
	0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe, 0xffffffff80000000,
	0x80000000ffffffff, 0x0123456789abcdef,
};

static uint64_t operand(void)
{
	switch (rnd() % 4) {
	case 0: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
	case 1: return rnd() % 100;
	case 2: return (uint64_t)-(int64_t)(rnd() % 100);
	default: return rnd();
	}
}

/* Sign-extend the low `bits` bits of v, by the xor-subtract identity (not a cast). */
static uint64_t sext(uint64_t v, int bits)
{
	uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1, sign = 1ull << (bits - 1);

	return ((v & m) ^ sign) - sign;
}

static bool negative(uint64_t v, int bits)
{
	return (v >> (bits - 1)) & 1;
}

/* Unsigned magnitude of a two's-complement value of `bits` bits. */
static uint64_t mag(uint64_t v, int bits)
{
	uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;

	return negative(v, bits) ? (0 - v) & m : v & m;
}

/* Signed less-than on `bits`-bit values, by comparing with the sign bit flipped. */
static bool slt(uint64_t a, uint64_t b, int bits)
{
	uint64_t flip = 1ull << (bits - 1), m = bits == 64 ? ~0ull : (1ull << bits) - 1;

	return ((a ^ flip) & m) < ((b ^ flip) & m);
}

static uint64_t byte_reverse(uint64_t v, int bytes)
{
	uint64_t r = 0;

	for (int i = 0; i < bytes; i++)
		r |= ((v >> (8 * i)) & 0xff) << (8 * (bytes - 1 - i));
	return r;
}

/* The model: dst after `op` with dst = a and src (or the sign-extended imm) = b. */
static uint64_t ref_alu(const struct isa_op_info *o, uint64_t a, uint64_t b)
{
	int bits = BPF_CLASS(o->code) == BPF_ALU ? 32 : 64;
	uint64_t m = bits == 64 ? ~0ull : 0xffffffffull, x = a & m, y = b & m, r, q;
	bool sgn = o->off == 1;

	switch (BPF_OP(o->code)) {
	case BPF_ADD: r = x + y; break;
	case BPF_SUB: r = x - y; break;
	case BPF_MUL: r = x * y; break;
	case BPF_OR: r = x | y; break;
	case BPF_AND: r = x & y; break;
	case BPF_XOR: r = x ^ y; break;
	case BPF_LSH: r = x << (y % bits); break;
	case BPF_RSH: r = x >> (y % bits); break;
	case BPF_ARSH:
		r = x;
		for (uint64_t i = 0; i < y % (uint64_t)bits; i++)
			r = (r >> 1) | (negative(x, bits) ? 1ull << (bits - 1) : 0);
		break;
	case BPF_NEG: r = 0 - x; break;
	case BPF_MOV: r = o->off ? sext(b, o->off) : y; break;
	case BPF_DIV:
		if (y == 0)
			r = 0;
		else if (!sgn)
			r = x / y;
		else {
			q = mag(x, bits) / mag(y, bits);
			r = negative(x, bits) != negative(y, bits) ? 0 - q : q;
		}
		break;
	case BPF_MOD:
		if (y == 0)
			r = x;
		else if (!sgn)
			r = x % y;
		else {
			q = mag(x, bits) % mag(y, bits); /* the remainder takes the dividend's sign */
			r = negative(x, bits) ? 0 - q : q;
		}
		break;
	case BPF_END: {
		int w = o->imm;

		if (BPF_CLASS(o->code) == BPF_ALU64 || BPF_SRC(o->code) == BPF_TO_BE)
			r = byte_reverse(a, w / 8);
		else
			r = w == 64 ? a : a & ((1ull << w) - 1);
		return r;
	}
	default: r = 0xbad; break;
	}
	return r & m;
}

static bool ref_jmp(const struct isa_op_info *o, uint64_t a, uint64_t b)
{
	int bits = BPF_CLASS(o->code) == BPF_JMP32 ? 32 : 64;
	uint64_t m = bits == 64 ? ~0ull : 0xffffffffull, x = a & m, y = b & m;

	switch (BPF_OP(o->code)) {
	case BPF_JEQ: return x == y;
	case BPF_JNE: return x != y;
	case BPF_JGT: return x > y;
	case BPF_JGE: return x >= y;
	case BPF_JLT: return x < y;
	case BPF_JLE: return x <= y;
	case BPF_JSET: return (x & y) != 0;
	case BPF_JSGT: return slt(y, x, bits);
	case BPF_JSGE: return !slt(x, y, bits);
	case BPF_JSLT: return slt(x, y, bits);
	case BPF_JSLE: return !slt(y, x, bits);
	default: return false;
	}
}

static struct userbpf_env *env;
static bool jit_available;

/* mode 0: interpreter checked, 1: interpreter unchecked, 2: JIT checked. */
static int run(const struct bpf_insn *p, size_t n, int mode, uint64_t *r0)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .unsafe_trusted = mode == 1);
	USERBPF_OPTS(userbpf_run_opts, ro,
		     .backend = mode == 2 ? USERBPF_BACKEND_JIT : USERBPF_BACKEND_INTERP);
	struct userbpf_error err;
	struct userbpf_prog *prog = userbpf_prog_load(env, p, n * sizeof(*p), &po, &err);
	int ret;

	if (!prog) {
		fprintf(stderr, "load: %s\n", err.message);
		return err.code;
	}
	ret = userbpf_prog_run(prog, NULL, 0, &ro, r0, &err);
	userbpf_prog_free(prog);
	return ret;
}

#define LDDW(d, v)                                                                              \
	{.code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = d, .imm = (int32_t)(uint32_t)(v)},        \
		{.imm = (int32_t)(uint32_t)((uint64_t)(v) >> 32)}

/* One case: the operation on (a, b); returns false on a disagreement (reported). */
static bool one(int op, uint64_t a, uint64_t b)
{
	const struct isa_op_info *o = &isa_ops[op];
	struct bpf_insn in = {.code = o->code, .dst_reg = 1, .src_reg = 0};
	uint64_t want, got[3];
	bool k = o->src != ANY;

	in.off = o->off == ANY ? 1 : (int16_t)o->off;
	in.imm = o->imm == ANY ? (int32_t)(uint32_t)b : o->imm;
	if (!k)
		in.src_reg = 2;
	if (k && o->imm == ANY)
		b = (uint64_t)(int64_t)in.imm; /* the imm operand is sign-extended */
	{
		bool jump = o->format == F_JMP_K || o->format == F_JMP_X;
		/* ALU: r1 op= b; return r1. Jump: return 1 if taken (over the exit), else 0. */
		const struct bpf_insn alu[] = {LDDW(1, a), LDDW(2, b), in,
					       {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 1},
					       {.code = BPF_JMP | BPF_EXIT}};
		const struct bpf_insn jmp[] = {LDDW(1, a), LDDW(2, b), {.code = BPF_ALU64 | BPF_MOV | BPF_K},
					       in, {.code = BPF_JMP | BPF_EXIT},
					       {.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 1},
					       {.code = BPF_JMP | BPF_EXIT}};

		want = jump ? ref_jmp(o, a, b) : ref_alu(o, a, b);
		for (int t = 0; t < 3; t++)
			if (t == 2 && !jit_available)
				got[t] = want;
			else if ((jump ? run(jmp, sizeof(jmp) / sizeof(jmp[0]), t, &got[t])
				       : run(alu, sizeof(alu) / sizeof(alu[0]), t, &got[t])) != 0)
				got[t] = 0xdeadbeef;
	}
	if (got[0] != want || got[1] != want || got[2] != want) {
		fprintf(stderr, "%s a=0x%" PRIx64 " b=0x%" PRIx64 ": model 0x%" PRIx64
				", checked 0x%" PRIx64 ", unchecked 0x%" PRIx64 ", JIT 0x%" PRIx64 "\n",
			o->name, a, b, want, got[0], got[1], got[2]);
		return false;
	}
	return true;
}

int main(void)
{
	struct userbpf_error err;
	int cases = 0, bad = 0;

	env = userbpf_env_new(NULL, &err);
	{
		const struct bpf_insn p[] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 1},
					     {.code = BPF_JMP | BPF_EXIT}};
		uint64_t r = 0;

		jit_available = run(p, 2, 2, &r) == 0 && r == 1;
		printf("JIT %s\n", jit_available ? "available: held to the model too" : "not available");
	}
	for (int op = 0; op < OP__COUNT; op++) {
		uint8_t f = isa_ops[op].format;

		if (f != F_ALU_K && f != F_ALU_X && f != F_ALU_UN && f != F_END && f != F_JMP_K &&
		    f != F_JMP_X)
			continue;
		int op_bad = 0;

		for (int i = 0; i < 400 && op_bad < 5; i++) {
			bool ok = one(op, operand(), operand());

			cases++;
			op_bad += !ok;
		}
		CHECK(op_bad == 0); /* one check per operation */
		bad += op_bad;
	}
	printf("reference model: %d cases, %d disagreements\n", cases, bad);
	CHECK(cases > 40000);
	userbpf_env_free(env);
	return test_summary();
}
