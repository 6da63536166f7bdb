/* SPDX-License-Identifier: MIT */
/*
 * gen.c - random eBPF programs for differential testing against the kernel: ALU and ALU64
 * (every operation, sdiv/smod, movsx, byte swaps), JMP/JMP32 (every condition, ja and gotol),
 * stack loads and stores of every size (sign-extending too), atomics on the stack, local
 * calls, counted loops, calls of the helper bpf_csum_diff, and (per program) loads and stores
 * through a pointer to input memory or legacy LD_ABS/LD_IND. Operands favour the edge values
 * 0, 1, -1, INT32_MIN/MAX, INT64_MIN/MAX and shift amounts 31/32/63/64. Every program is a
 * function of its seed, ends by folding all registers and its stack into r0, and passes the
 * kernel verifier by construction:
 *  - every register is written before it is read (a prologue sets r0-r9; after a local call
 *    or legacy load, which clobber r1-r5, they are written again at once);
 *  - only scalars: r10 is only the base of stack accesses (and copied into helper arguments,
 *    which are reset after the call), the input pointer (r9) only the base of input
 *    accesses, r6 stays the context in LD_ABS programs;
 *  - the stack area a function reads is written in its prologue, and stack accesses are
 *    aligned (the kernel insists on that);
 *  - control flow is structured: if-then and if-then-else with forward jumps, and loops with
 *    a constant trip count, so every instruction is reachable and no jump leaves its function;
 *  - local calls only go to later functions (no recursion), and every function is called;
 *  - constant shift amounts are masked as the ISA says (the verifier rejects larger ones),
 *    register shift amounts are not; constant divisors are never 0 (the verifier rejects
 *    those), register divisors often are;
 *  - the number of branches is bounded, so the verifier's path count stays small.
 * Test-side code: #include it from a tool, after <linux/bpf.h>.
 */
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif

#define KGEN_MAX_INSNS 4096
#define KGEN_MAX_FUNCS 4
#define KGEN_MAX_CALLS 256
#define KGEN_HELPERS 1u /* feature: calls of bpf_csum_diff */
#define KGEN_PKT_LEN 64 /* input bytes the entry function may read and write through r9 */

struct kgen_prog {
	struct bpf_insn insns[KGEN_MAX_INSNS];
	size_t n;
	int nfuncs;
	/*
	 * With `pkt`, the entry function is called with r1 = a pointer to KGEN_PKT_LEN bytes of
	 * input (initially `input`), keeps it in r9, and loads and stores through it; the memory
	 * is part of the result.
	 */
	bool pkt;
	/*
	 * With `ldabs` (one function, no calls: the kernel forbids mixing the two), r6 holds the
	 * context for the kernel's sake and is never touched, and the program also reads the input
	 * with the legacy LD_ABS / LD_IND (in the kernel: an skb's packet, SCHED_CLS).
	 */
	bool ldabs;
	bool helpers; /* calls a kernel helper (bpf_csum_diff) */
	uint8_t input[KGEN_PKT_LEN];
	/* function f's prologue (registers and stack set up) is [start[f], body[f]) */
	size_t start[KGEN_MAX_FUNCS], body[KGEN_MAX_FUNCS];
};

struct kgen {
	uint64_t rng;
	struct kgen_prog *p;
	int func;      /* the function being generated */
	unsigned features; /* KGEN_* */
	unsigned avoid; /* registers that are not operands (bit r): r9 with pkt, r6 with ldabs */
	int area;      /* bytes of initialised stack below r10 in this function (multiple of 8) */
	int ncalls;
	struct { size_t pc; int target; } calls[KGEN_MAX_CALLS];
	int branches;  /* conditional jumps left: each unknown one doubles the verifier's paths */
	int fcalls;    /* local calls left in this function: each re-verifies the callee */
	int loops;     /* counted loops left in this function */
	bool called[KGEN_MAX_FUNCS]; /* an unreachable function is rejected by the kernel */
	size_t start[KGEN_MAX_FUNCS];
};

/* splitmix64: small, fast, and every seed gives an independent stream. */
static uint64_t kgen_next(struct kgen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t kgen_below(struct kgen *g, uint32_t n)
{
	return (uint32_t)(kgen_next(g) % n);
}

static bool kgen_chance(struct kgen *g, uint32_t percent)
{
	return kgen_below(g, 100) < percent;
}

/* 32-bit immediates: the edge values, shift amounts around the widths, and noise. */
static int32_t kgen_imm(struct kgen *g)
{
	static const int32_t edges[] = {
		0, 1, -1, INT32_MIN, INT32_MAX, 2, -2, 7, 8, 16, 31, 32, 63, 64,
		0xff, 0x7fff, -0x8000, 0xffff, 0x80, -0x80, 0x12345678,
	};

	switch (kgen_below(g, 4)) {
	case 0:
	case 1: return edges[kgen_below(g, (uint32_t)(sizeof(edges) / sizeof(edges[0])))];
	case 2: return (int32_t)kgen_below(g, 256) - 128;
	default: return (int32_t)(uint32_t)kgen_next(g);
	}
}

/* 64-bit constants for lddw: the 64-bit edges, 32-bit edges seen as 64-bit values, noise. */
static uint64_t kgen_imm64(struct kgen *g)
{
	static const uint64_t edges[] = {
		0, 1, UINT64_MAX, 0x8000000000000000ull, 0x7fffffffffffffffull,
		0xffffffff80000000ull, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
		0xffffffff00000000ull, 31, 32, 63, 64, 0x8000000000000001ull, 0x00000000ffff8000ull,
	};

	switch (kgen_below(g, 3)) {
	case 0: return edges[kgen_below(g, (uint32_t)(sizeof(edges) / sizeof(edges[0])))];
	case 1: return (uint64_t)(int64_t)kgen_imm(g) ^ ((uint64_t)kgen_imm(g) << 32);
	default: return kgen_next(g);
	}
}

static struct bpf_insn *kgen_emit(struct kgen *g, uint8_t code, int dst, int src, int16_t off,
				  int32_t imm)
{
	struct bpf_insn *insn;

	if (g->p->n >= KGEN_MAX_INSNS)
		return NULL;
	insn = &g->p->insns[g->p->n++];
	memset(insn, 0, sizeof(*insn));
	insn->code = code;
	insn->dst_reg = (uint8_t)dst;
	insn->src_reg = (uint8_t)src;
	insn->off = off;
	insn->imm = imm;
	return insn;
}

static void kgen_lddw(struct kgen *g, int dst, uint64_t v)
{
	kgen_emit(g, BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int32_t)(uint32_t)v);
	kgen_emit(g, 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

static int kgen_reg(struct kgen *g)
{
	int r;

	do
		r = (int)kgen_below(g, 10);
	while (g->avoid & (1u << r));
	return r;
}

/* One ALU or ALU64 operation with random operands (every operation of both classes). */
static void kgen_alu_regs(struct kgen *g, int dst, int src)
{
	static const uint8_t ops[] = {
		BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH,
		BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END,
	};
	bool is64 = kgen_chance(g, 55);
	uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
	uint8_t op = ops[kgen_below(g, sizeof(ops))];
	int16_t off = 0;
	int32_t imm;

	if (op == BPF_NEG) {
		kgen_emit(g, cls | BPF_NEG | BPF_K, dst, 0, 0, 0);
		return;
	}
	if (op == BPF_END) {
		static const int32_t widths[] = { 16, 32, 64 };
		/* ALU: to-le / to-be; ALU64: bswap (only the to-le encoding exists). */
		uint8_t dir = !is64 && kgen_chance(g, 50) ? BPF_TO_BE : BPF_TO_LE;

		kgen_emit(g, cls | BPF_END | dir, dst, 0, 0, widths[kgen_below(g, 3)]);
		return;
	}
	if ((op == BPF_DIV || op == BPF_MOD) && kgen_chance(g, 40))
		off = 1; /* sdiv / smod */
	if (op == BPF_MOV && kgen_chance(g, 30)) {
		/* movsx: 8 and 16 in both classes, 32 only in ALU64 */
		static const int16_t widths[] = { 8, 16, 32 };

		off = widths[kgen_below(g, is64 ? 3 : 2)];
		kgen_emit(g, cls | BPF_MOV | BPF_X, dst, src, off, 0);
		return;
	}
	if (kgen_chance(g, 50)) {
		kgen_emit(g, cls | op | BPF_X, dst, src, off, 0);
		return;
	}
	imm = kgen_imm(g);
	if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
		imm &= is64 ? 63 : 31; /* the ISA masks; the verifier rejects unmasked constants */
	if ((op == BPF_DIV || op == BPF_MOD) && imm == 0)
		imm = kgen_chance(g, 50) ? 1 : -1; /* the verifier rejects a constant zero divisor */
	kgen_emit(g, cls | op | BPF_K, dst, 0, off, imm);
}

static void kgen_alu(struct kgen *g)
{
	int dst = kgen_reg(g);

	kgen_alu_regs(g, dst, kgen_reg(g));
}

/* A register set to a constant: edge values reach the registers this way. */
static void kgen_set(struct kgen *g, int dst)
{
	switch (kgen_below(g, 3)) {
	case 0: kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, kgen_imm(g)); break;
	case 1: kgen_emit(g, BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, kgen_imm(g)); break;
	default: kgen_lddw(g, dst, kgen_imm64(g)); break;
	}
}

static const uint8_t kgen_sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };

/* An aligned offset below r10 inside the initialised area for an access of `bytes`. */
static int16_t kgen_stack_off(struct kgen *g, int bytes)
{
	return (int16_t)(-g->area + bytes * (int)kgen_below(g, (uint32_t)(g->area / bytes)));
}

static void kgen_store(struct kgen *g)
{
	int si = (int)kgen_below(g, 4);
	int16_t off = kgen_stack_off(g, 1 << si);

	if (kgen_chance(g, 70))
		kgen_emit(g, BPF_STX | BPF_MEM | kgen_sizes[si], BPF_REG_10, kgen_reg(g), off, 0);
	else
		kgen_emit(g, BPF_ST | BPF_MEM | kgen_sizes[si], BPF_REG_10, 0, off, kgen_imm(g));
}

/* A load from or store to the input through r9, any size and alignment inside it. */
static void kgen_pkt_access(struct kgen *g)
{
	int si = (int)kgen_below(g, 4), bytes = 1 << si;
	int16_t off = (int16_t)kgen_below(g, (uint32_t)(KGEN_PKT_LEN - bytes + 1));

	switch (kgen_below(g, 4)) {
	case 0:
		kgen_emit(g, BPF_STX | BPF_MEM | kgen_sizes[si], BPF_REG_9, kgen_reg(g), off, 0);
		break;
	case 1:
		kgen_emit(g, BPF_ST | BPF_MEM | kgen_sizes[si], BPF_REG_9, 0, off, kgen_imm(g));
		break;
	default: {
		uint8_t mode = si < 3 && kgen_chance(g, 40) ? BPF_MEMSX : BPF_MEM;

		kgen_emit(g, BPF_LDX | mode | kgen_sizes[si], kgen_reg(g), BPF_REG_9, off, 0);
	}
	}
}

static void kgen_load(struct kgen *g)
{
	int si = (int)kgen_below(g, 4);
	int16_t off = kgen_stack_off(g, 1 << si);
	uint8_t mode = si < 3 && kgen_chance(g, 40) ? BPF_MEMSX : BPF_MEM;

	kgen_emit(g, BPF_LDX | mode | kgen_sizes[si], kgen_reg(g), BPF_REG_10, off, 0);
}

/* An atomic read-modify-write of an initialised stack word (every operation, both widths). */
static void kgen_atomic(struct kgen *g)
{
	static const int32_t ops[] = {
		BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
		BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
	};
	bool dw = kgen_chance(g, 50);
	int16_t off = kgen_stack_off(g, dw ? 8 : 4);

	int32_t op = ops[kgen_below(g, sizeof(ops) / sizeof(ops[0]))];

	/*
	 * Kernel quirk (6.18): precision tracking does not follow a value an atomic fetch
	 * (fetch ops, xchg, cmpxchg) reads from a stack slot holding a known constant, so a branch
	 * on it can be pruned unsoundly and reachable code removed as dead. A byte store first
	 * makes the slot unknown to the verifier, which avoids it.
	 */
	if (op & BPF_FETCH)
		kgen_emit(g, BPF_ST | BPF_MEM | BPF_B, BPF_REG_10, 0, off, kgen_imm(g));
	kgen_emit(g, BPF_STX | BPF_ATOMIC | (dw ? BPF_DW : BPF_W), BPF_REG_10, kgen_reg(g), off, op);
	/*
	 * Kernel quirk (seen on 6.18, x86-64): the verifier adds the zero-extension of r0 after a
	 * 32-bit cmpxchg only where it sees a 64-bit read of r0 on the paths it walks; a read
	 * reached only through a pruned path is missed, and x86's cmpxchg leaves the upper half
	 * of rax alone when it succeeds. Reading r0 as 64 bits at once makes the kernel add it.
	 */
	if (!dw && op == BPF_CMPXCHG)
		kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_0, 0, 0);
}

/*
 * Fold every register and every initialised stack word into r0 before exit, so a wrong value
 * anywhere shows in the result: r0 = r0 * odd ^ x is a bijection in r0 for each x.
 */
static void kgen_fold(struct kgen *g)
{
	for (int r = 1; r <= 9; r++) {
		if (g->avoid & (1u << r))
			continue;
		kgen_emit(g, BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 0x2545f491);
		kgen_emit(g, BPF_ALU64 | BPF_XOR | BPF_X, 0, r, 0, 0);
	}
	for (int off = -g->area; off < 0; off += 8) {
		kgen_emit(g, BPF_LDX | BPF_MEM | BPF_DW, 1, BPF_REG_10, (int16_t)off, 0);
		kgen_emit(g, BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 0x2545f491);
		kgen_emit(g, BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0);
	}
}

/* A conditional jump with a placeholder offset; returns its index. */
static size_t kgen_cond(struct kgen *g)
{
	static const uint8_t conds[] = {
		BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
		BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE,
	};
	uint8_t cls = kgen_chance(g, 50) ? BPF_JMP : BPF_JMP32;
	uint8_t op = conds[kgen_below(g, sizeof(conds))];
	size_t at = g->p->n;

	g->branches--;
	if (kgen_chance(g, 50))
		kgen_emit(g, cls | op | BPF_X, kgen_reg(g), kgen_reg(g), 0, 0);
	else
		kgen_emit(g, cls | op | BPF_K, kgen_reg(g), 0, 0, kgen_imm(g));
	return at;
}

static void kgen_patch_off(struct kgen *g, size_t at)
{
	g->p->insns[at].off = (int16_t)(g->p->n - (at + 1));
}

/*
 * After a call or a legacy packet load, which clobber r1-r5 (the kernel's verifier forbids
 * reading them), give them values again before anything reads them.
 */
static void kgen_reset_args(struct kgen *g)
{
	for (int r = 1; r <= 5; r++) {
		int src = kgen_reg(g);

		if (kgen_chance(g, 50) && (src == 0 || src > 5))
			kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, r, src, 0, 0);
		else
			kgen_set(g, r);
	}
}

/*
 * A legacy packet load (r0 = big-endian input bytes). Offsets stay inside the input or go far
 * past its end (both back ends then end the program with r0 = 0); never negative, where the
 * kernel has its own meanings (SKF_NET_OFF, SKF_LL_OFF). LD_IND's register is set just before.
 */
static void kgen_ldabs(struct kgen *g)
{
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W };
	int si = (int)kgen_below(g, 3), bytes = 1 << si;
	int32_t off = kgen_chance(g, 3) ? 100 + (int32_t)kgen_below(g, 1000)
					: (int32_t)kgen_below(g, (uint32_t)(KGEN_PKT_LEN - bytes + 1));

	if (kgen_chance(g, 50)) {
		kgen_emit(g, BPF_LD | BPF_ABS | sizes[si], 0, 0, 0, off);
	} else {
		int src = kgen_reg(g);
		int32_t part = (int32_t)kgen_below(g, (uint32_t)off + 1);

		kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, src, 0, 0, part);
		kgen_emit(g, BPF_LD | BPF_IND | sizes[si], 0, src, 0, off - part);
	}
	kgen_reset_args(g);
}

/*
 * A call of the kernel helper bpf_csum_diff(from, from_size, to, to_size, seed) over two
 * pieces of the initialised stack: a pure function the kernel offers XDP and TC programs, so
 * our implementation (src/helpers) can be compared with the kernel's. Sizes are multiples of 4,
 * now and then not (both sides then return -EINVAL).
 */
static void kgen_csum_diff(struct kgen *g)
{
	for (int arg = 0; arg < 2; arg++) {
		int reg = 1 + 2 * arg;
		int start = 4 * (int)kgen_below(g, (uint32_t)(g->area / 4));
		int room = g->area - start;
		int size = kgen_chance(g, 5) ? (int)kgen_below(g, (uint32_t)room + 1)
					     : 4 * (int)kgen_below(g, (uint32_t)room / 4 + 1);

		kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, reg, BPF_REG_10, 0, 0);
		kgen_emit(g, BPF_ALU64 | BPF_ADD | BPF_K, reg, 0, 0, start - g->area);
		kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, reg + 1, 0, 0, size);
	}
	kgen_set(g, BPF_REG_5);
	kgen_emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_csum_diff);
	g->p->helpers = true;
	kgen_reset_args(g);
}

static void kgen_call(struct kgen *g, int target)
{
	if (g->ncalls >= KGEN_MAX_CALLS || g->p->n >= KGEN_MAX_INSNS - 8)
		return;
	g->calls[g->ncalls].pc = g->p->n;
	g->calls[g->ncalls].target = target;
	g->ncalls++;
	g->fcalls--;
	g->called[target] = true;
	kgen_emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -1);
	kgen_reset_args(g);
}

static void kgen_block(struct kgen *g, int nstmts, int depth);

/*
 * A counted loop (the one backward jump the generator makes): rC = n; L: body; rC -= 1;
 * if rC <cond> 0 goto L. The counter is one of r6-r9 (kept across calls and never a clobbered
 * argument register) and is taken out of the operand registers for the body. The body has no
 * branches or calls, so the kernel verifier walks the n iterations without forking.
 */
static void kgen_loop(struct kgen *g)
{
	unsigned saved_avoid = g->avoid;
	int saved_calls = g->fcalls, c;
	uint32_t n = 1 + kgen_below(g, 6);
	size_t top;
	struct bpf_insn *back;

	do
		c = 6 + (int)kgen_below(g, 4);
	while (g->avoid & (1u << c));
	g->loops--;
	g->branches--;
	kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, c, 0, 0, (int32_t)n);
	top = g->p->n;
	g->avoid |= 1u << c;
	g->fcalls = 0;
	kgen_block(g, 1 + (int)kgen_below(g, 8), 3);
	g->avoid = saved_avoid;
	g->fcalls = saved_calls;
	kgen_emit(g, BPF_ALU64 | BPF_ADD | BPF_K, c, 0, 0, -1);
	switch (kgen_below(g, 3)) {
	case 0: back = kgen_emit(g, BPF_JMP | BPF_JNE | BPF_K, c, 0, 0, 0); break;
	case 1: back = kgen_emit(g, BPF_JMP | BPF_JSGT | BPF_K, c, 0, 0, 0); break;
	default: back = kgen_emit(g, BPF_JMP32 | BPF_JGT | BPF_K, c, 0, 0, 0); break;
	}
	if (back)
		back->off = (int16_t)((int64_t)top - (int64_t)g->p->n);
}

static void kgen_block(struct kgen *g, int nstmts, int depth)
{
	for (int i = 0; i < nstmts && g->p->n < KGEN_MAX_INSNS - 64; i++) {
		uint32_t k = kgen_below(g, 100);

		if (k < 45) {
			kgen_alu(g);
		} else if (k < 50) {
			kgen_set(g, kgen_reg(g));
		} else if (k < 57) {
			kgen_store(g);
		} else if (k < 63) {
			kgen_load(g);
		} else if (k < 66) {
			kgen_atomic(g);
		} else if (k < 72) {
			if (g->p->ldabs)
				kgen_ldabs(g);
			else if (g->p->pkt && g->func == 0)
				kgen_pkt_access(g);
			else if (g->features & KGEN_HELPERS && kgen_chance(g, 50))
				kgen_csum_diff(g);
			else
				kgen_load(g);
		} else if (k < 82 && depth < 3 && g->branches > 0) {
			size_t j = kgen_cond(g);

			kgen_block(g, 1 + (int)kgen_below(g, 6), depth + 1);
			kgen_patch_off(g, j);
		} else if (k < 92 && depth < 3 && g->branches > 0) {
			size_t j = kgen_cond(g), ja;

			kgen_block(g, 1 + (int)kgen_below(g, 5), depth + 1);
			ja = g->p->n;
			if (kgen_chance(g, 50))
				kgen_emit(g, BPF_JMP | BPF_JA, 0, 0, 0, 0);
			else
				kgen_emit(g, BPF_JMP32 | BPF_JA, 0, 0, 0, 0); /* gotol: offset in imm */
			kgen_patch_off(g, j);
			kgen_block(g, 1 + (int)kgen_below(g, 5), depth + 1);
			if (g->p->insns[ja].code == (BPF_JMP | BPF_JA))
				kgen_patch_off(g, ja);
			else
				g->p->insns[ja].imm = (int32_t)(g->p->n - (ja + 1));
		} else if (depth == 0 && g->loops > 0 && g->branches > 0 && kgen_chance(g, 40)) {
			kgen_loop(g);
		} else if (g->func + 1 < g->p->nfuncs && g->fcalls > 0 && kgen_chance(g, 50)) {
			kgen_call(g, g->func + 1 +
					      (int)kgen_below(g, (uint32_t)(g->p->nfuncs - g->func - 1)));
		} else {
			kgen_alu(g);
		}
	}
}

static void kgen_function(struct kgen *g, int func)
{
	g->func = func;
	g->start[func] = g->p->n;
	g->fcalls = 2;
	g->loops = 2;
	g->branches = 12 - 3 * func; /* callees are verified once per path through their callers */
	g->avoid = (func == 0 && g->p->pkt ? 1u << 9 : 0) | (g->p->ldabs ? 1u << 6 : 0);
	if (func == 0) {
		/* The entry: no register holds anything useful yet (but r1, the input, with pkt). */
		if (g->p->pkt)
			kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_9, BPF_REG_1, 0, 0);
		for (int r = 0; r <= 9; r++)
			if (!(g->avoid & (1u << r)))
				kgen_set(g, r);
	} else {
		/* A callee has r1-r5 from its caller; derive r0 and r6-r9 from them or constants. */
		static const int regs[] = { 0, 6, 7, 8, 9 };

		for (int i = 0; i < 5; i++) {
			if (kgen_chance(g, 60)) {
				kgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, regs[i], 1 + (int)kgen_below(g, 5), 0, 0);
				kgen_alu_regs(g, regs[i], 1 + (int)kgen_below(g, 5));
			} else {
				kgen_set(g, regs[i]);
			}
		}
	}
	g->area = 8 * (1 + (int)kgen_below(g, 8));
	for (int off = -g->area; off < 0; off += 8) {
		if (kgen_chance(g, 75))
			kgen_emit(g, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, kgen_reg(g), (int16_t)off, 0);
		else
			kgen_emit(g, BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, (int16_t)off, kgen_imm(g));
	}
	g->p->start[func] = g->start[func];
	g->p->body[func] = g->p->n;
	kgen_block(g, 4 + (int)kgen_below(g, 40), 0);
	if (func + 1 < g->p->nfuncs && !g->called[func + 1])
		kgen_call(g, func + 1); /* so that every function is reachable */
	if (kgen_chance(g, 80))
		kgen_fold(g);
	kgen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/*
 * Generate the program for `seed` into *p (functions laid out one after another), with the
 * optional features (KGEN_*) given.
 */
static void kgen_program(uint64_t seed, unsigned features, struct kgen_prog *p)
{
	struct kgen g;

	memset(&g, 0, sizeof(g));
	g.rng = seed;
	g.features = features;
	g.p = p;
	p->n = 0;
	p->helpers = false;
	p->nfuncs = 1 + (kgen_chance(&g, 50) ? (int)kgen_below(&g, KGEN_MAX_FUNCS) : 0);
	p->pkt = kgen_chance(&g, 50);
	for (int i = 0; i < KGEN_PKT_LEN; i++)
		p->input[i] = kgen_chance(&g, 30) ? (uint8_t)kgen_imm(&g) : (uint8_t)kgen_next(&g);
	p->ldabs = kgen_chance(&g, 15);
	if (p->ldabs) {
		p->nfuncs = 1;
		p->pkt = false;
	}
	for (int f = 0; f < p->nfuncs; f++)
		kgen_function(&g, f);
	for (int i = 0; i < g.ncalls; i++)
		p->insns[g.calls[i].pc].imm =
			(int32_t)((int64_t)g.start[g.calls[i].target] - (int64_t)(g.calls[i].pc + 1));
}
