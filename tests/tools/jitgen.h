/* SPDX-License-Identifier: MIT */
/*
 * jitgen.h - random eBPF programs for differential testing of the JIT against the interpreter
 * (tests/tools/jitdiff.c with a fixed-seed PRNG, fuzz/fuzz_jit_diff.c with libFuzzer's bytes).
 * Programs cover every instruction class with edge operands: all ALU/ALU64 operations incl.
 * sdiv/smod/movsx/bswap with 0, -1, INT_MIN-like values, 32- and 64-bit jumps forward and
 * backward (loops end by the budget), lddw, loads/stores/atomics through the stack, the input
 * memory, a host region (read-only) and wild pointers, LD_ABS/LD_IND, helper calls (incl. an
 * aborting helper and unknown ids), callx and bpf-to-bpf calls. Each program then runs in the
 * interpreter and the JIT (checked mode) and r0, the error and the memory must agree.
 * Header-only so both the tool and the fuzz target include it; test code, statics allowed.
 */
#ifndef USERBPF_JITGEN_H
#define USERBPF_JITGEN_H

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf.h"

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif

/* Bytes come from a fuzzer buffer, or from a PRNG when data is NULL. */
struct jg_src {
	const uint8_t *data;
	size_t len, at;
	uint64_t state;
};

static inline uint64_t jg_u64(struct jg_src *s)
{
	if (!s->data) { /* splitmix64 */
		uint64_t z = (s->state += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (s->at < s->len ? s->data[s->at++] : 0);
	return v;
}

static inline uint32_t jg_below(struct jg_src *s, uint32_t n)
{
	if (!s->data)
		return (uint32_t)(jg_u64(s) % n);
	/* one byte (two for large n) so fuzzer mutations stay local */
	uint32_t v = s->at < s->len ? s->data[s->at++] : 0;

	if (n > 256)
		v = v << 8 | (s->at < s->len ? s->data[s->at++] : 0);
	return v % n;
}

static inline bool jg_done(const struct jg_src *s)
{
	return s->data && s->at >= s->len;
}

static const int32_t jg_imms[] = {0, 1, -1, 2, 7, 8, 16, 31, 32, 33, 63, 64, 255, -256, 0x7fff,
				  -0x8000, 0x7fffffff, INT32_MIN, 1000, -1000, 0x12345678};
static const uint64_t jg_vals[] = {0, 1, (uint64_t)-1, 0x7fffffffffffffffull, 0x8000000000000000ull,
				   0x80000000ull, 0x7fffffffull, 0xffffffffull, 0x100000000ull, 3,
				   0x0123456789abcdefull, 0xfedcba9876543210ull};

static inline int32_t jg_imm(struct jg_src *s)
{
	if (jg_below(s, 4) == 0)
		return (int32_t)(uint32_t)jg_u64(s);
	return jg_imms[jg_below(s, sizeof(jg_imms) / sizeof(jg_imms[0]))];
}

#define JG_MAX 96 /* slots */

struct jg_unit {
	struct bpf_insn in[2];
	int nslots;
	int target; /* unit index for jumps and local calls, -1 otherwise */
};

static inline struct bpf_insn jg_i(int code, int dst, int src, int off, int32_t imm)
{
	struct bpf_insn in = {.code = (uint8_t)code, .dst_reg = (uint8_t)dst, .src_reg = (uint8_t)src,
			      .off = (int16_t)off, .imm = imm};
	return in;
}

/* A memory operand: base register and offset, mostly inside a region, sometimes not. */
static inline void jg_mem(struct jg_src *s, int size, int *base, int *off)
{
	switch (jg_below(s, 8)) {
	case 0:
	case 1:
	case 2: /* stack: r10 - k */
		*base = 10;
		*off = -(int)(jg_below(s, 64) * size) - size;
		if (jg_below(s, 8) == 0)
			*off = -(int)jg_below(s, 1100) + 8; /* around and beyond the frame */
		break;
	case 3:
	case 4: /* input memory (r6 holds a copy of r1) */
		*base = 6;
		*off = (int)jg_below(s, 72) - 4;
		break;
	case 5: /* the read-only host region (r7) */
		*base = 7;
		*off = (int)jg_below(s, 40) - 4;
		break;
	default: /* any register: mostly wild */
		*base = (int)jg_below(s, 11);
		*off = (int16_t)jg_imm(s);
		break;
	}
}

/* Fill units with one random operation. */
static inline void jg_one(struct jg_src *s, struct jg_unit *u, int idx, int nunits)
{
	static const int alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH,
				      BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
	static const int jmp_ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
				      BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
	static const int sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
	static const int atomics[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH,
				      BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
				      BPF_XCHG, BPF_CMPXCHG};
	int dst = (int)jg_below(s, 10), src = (int)jg_below(s, 11);
	int kind = (int)jg_below(s, 100);

	u->nslots = 1;
	u->target = -1;
	if (kind < 40) { /* ALU */
		int cls = jg_below(s, 2) ? BPF_ALU64 : BPF_ALU;
		int op = alu_ops[jg_below(s, sizeof(alu_ops) / sizeof(alu_ops[0]))];
		int x = (int)jg_below(s, 2), off = 0;

		if (op == BPF_NEG)
			x = 0;
		if ((op == BPF_DIV || op == BPF_MOD) && jg_below(s, 2))
			off = 1;
		if (op == BPF_MOV && x && jg_below(s, 3) == 0) {
			static const int sx[] = {8, 16, 32};

			off = sx[jg_below(s, cls == BPF_ALU64 ? 3 : 2)];
		}
		u->in[0] = jg_i(cls | op | (x ? BPF_X : BPF_K), dst, x ? src : 0, off,
				op == BPF_NEG || x ? 0 : jg_imm(s));
		if (jg_below(s, 12) == 0) { /* byte swaps */
			static const int w[] = {16, 32, 64};

			int c = jg_below(s, 3) == 0 ? BPF_ALU64 | BPF_END | BPF_TO_LE
						    : BPF_ALU | BPF_END | (jg_below(s, 2) ? BPF_TO_BE : BPF_TO_LE);

			u->in[0] = jg_i(c, dst, 0, 0, w[jg_below(s, 3)]);
		}
	} else if (kind < 58) { /* conditional jump */
		int cls = jg_below(s, 2) ? BPF_JMP : BPF_JMP32;
		int op = jmp_ops[jg_below(s, sizeof(jmp_ops) / sizeof(jmp_ops[0]))];
		int x = (int)jg_below(s, 2);

		u->in[0] = jg_i(cls | op | (x ? BPF_X : BPF_K), (int)jg_below(s, 11), x ? src : 0, 0,
				x ? 0 : jg_imm(s));
		/* mostly forward; backward jumps make loops that the budget ends */
		u->target = jg_below(s, 4) == 0 ? (int)jg_below(s, (uint32_t)idx + 1)
						 : idx + 1 + (int)jg_below(s, (uint32_t)(nunits - idx));
	} else if (kind < 60) {
		u->in[0] = jg_i(jg_below(s, 4) ? (BPF_JMP | BPF_JA) : (BPF_JMP32 | BPF_JA), 0, 0, 0, 0);
		u->target = idx + 1 + (int)jg_below(s, (uint32_t)(nunits - idx));
		if (jg_below(s, 6) == 0)
			u->target = (int)jg_below(s, (uint32_t)idx + 1);
	} else if (kind < 72) { /* load */
		int sz = sizes[jg_below(s, 4)], base, off;
		int sx = sz != BPF_DW && jg_below(s, 3) == 0;

		jg_mem(s, 1 << (sz == BPF_B ? 0 : sz == BPF_H ? 1 : sz == BPF_W ? 2 : 3), &base, &off);
		u->in[0] = jg_i(BPF_LDX | sz | (sx ? BPF_MEMSX : BPF_MEM), dst, base, off, 0);
	} else if (kind < 82) { /* store */
		int sz = sizes[jg_below(s, 4)], base, off;

		jg_mem(s, 1 << (sz == BPF_B ? 0 : sz == BPF_H ? 1 : sz == BPF_W ? 2 : 3), &base, &off);
		if (jg_below(s, 2))
			u->in[0] = jg_i(BPF_ST | sz | BPF_MEM, base, 0, off, jg_imm(s));
		else
			u->in[0] = jg_i(BPF_STX | sz | BPF_MEM, base, src, off, 0);
	} else if (kind < 87) { /* atomic */
		int w = (int)jg_below(s, 2), base, off;

		jg_mem(s, w ? 8 : 4, &base, &off);
		if (base != 10 && jg_below(s, 2))
			off &= ~(w ? 7 : 3);
		int aop = atomics[jg_below(s, 10)];

		/* the JIT leaves an atomic writing R10 to the interpreter (jit_can_run) */
		if ((aop & BPF_FETCH) && aop != BPF_CMPXCHG && src == 10)
			src = 9;
		u->in[0] = jg_i(BPF_STX | (w ? BPF_DW : BPF_W) | BPF_ATOMIC, base, src, off, aop);
	} else if (kind < 90) { /* lddw */
		uint64_t v = jg_below(s, 2) ? jg_vals[jg_below(s, 12)] : jg_u64(s);

		u->in[0] = jg_i(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int32_t)(uint32_t)v);
		u->in[1] = jg_i(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
		u->nslots = 2;
	} else if (kind < 93) { /* legacy packet loads */
		int sz = sizes[jg_below(s, 3)];

		if (jg_below(s, 2))
			u->in[0] = jg_i(BPF_LD | sz | BPF_ABS, 0, 0, 0, (int32_t)jg_below(s, 70) - 2);
		else
			u->in[0] = jg_i(BPF_LD | sz | BPF_IND, 0, src, 0, (int32_t)jg_below(s, 40));
	} else if (kind < 96) { /* helper call: 1 sum, 2 abort if r1 & 3 == 3, 3 mem_ok */
		static const int ids[] = {1, 1, 2, 3};

		/* (unknown ids are refused at load; callx reaches them at run time) */
		u->in[0] = jg_i(BPF_JMP | BPF_CALL, 0, 0, 0, ids[jg_below(s, 4)]);
		if (jg_below(s, 4) == 0)
			u->in[0] = jg_i(BPF_JMP | BPF_CALL | BPF_X, dst, 0, 0, 0);
	} else if (kind < 98 && idx + 1 < nunits) { /* bpf-to-bpf call */
		u->in[0] = jg_i(BPF_JMP | BPF_CALL, 0, 1, 0, 0);
		u->target = idx + 1 + (int)jg_below(s, (uint32_t)(nunits - idx - 1));
	} else {
		u->in[0] = jg_i(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
}

/*
 * Generate a program into out (JG_MAX slots); returns the slot count. The prelude copies the
 * input pointer to r6 and the host region pointer (passed in r3 by the helper-free ABI: we
 * load it with lddw) to r7.
 */
static inline int jg_program(struct jg_src *s, struct bpf_insn *out, uint64_t region_addr)
{
	struct jg_unit u[JG_MAX];
	int starts[JG_MAX + 1];
	int nunits = 4 + (int)jg_below(s, 40), n = 0;

	/* prelude: r6 = r1; r7 = region; r3 = small value */
	u[0].in[0] = jg_i(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	u[0].nslots = 1;
	u[0].target = -1;
	u[1].in[0] = jg_i(BPF_LD | BPF_DW | BPF_IMM, 7, 0, 0, (int32_t)(uint32_t)region_addr);
	u[1].in[1] = jg_i(0, 0, 0, 0, (int32_t)(uint32_t)(region_addr >> 32));
	u[1].nslots = 2;
	u[1].target = -1;
	for (int i = 2; i < nunits - 1; i++)
		jg_one(s, &u[i], i, nunits);
	u[nunits - 1].in[0] = jg_i(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	u[nunits - 1].nslots = 1;
	u[nunits - 1].target = -1;
	for (int i = 0; i < nunits; i++) {
		starts[i] = n;
		n += u[i].nslots;
	}
	starts[nunits] = n;
	for (int i = 0; i < nunits; i++) {
		struct bpf_insn *in = &u[i].in[0];

		if (u[i].target >= 0) {
			int t = u[i].target >= nunits ? nunits - 1 : u[i].target;
			int rel = starts[t] - starts[i] - 1;

			if (BPF_CLASS(in->code) == BPF_JMP32 && BPF_OP(in->code) == BPF_JA)
				in->imm = rel;
			else if (in->code == (BPF_JMP | BPF_CALL))
				in->imm = rel;
			else
				in->off = (int16_t)rel;
		}
		memcpy(&out[starts[i]], u[i].in, sizeof(struct bpf_insn) * (size_t)u[i].nslots);
	}
	return n;
}

/* ---- helpers the programs call ---- */

static uint64_t jg_h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct userbpf_call *call)
{
	(void)call;
	return a * 3 + b + (c ^ d) - e;
}

static uint64_t jg_h_abort(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct userbpf_call *call)
{
	(void)b, (void)c, (void)d, (void)e;
	if ((a & 3) == 3)
		userbpf_call_abort(call, -EPERM, "helper refused");
	return a + 1;
}

static uint64_t jg_h_memok(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct userbpf_call *call)
{
	(void)d, (void)e;
	return userbpf_call_mem_ok(call, a, b & 63, c & 1);
}

static inline int jg_env_setup(struct userbpf_env *env)
{
	int ret = userbpf_env_register_helper(env, 1, "sum", jg_h_sum, NULL);

	ret |= userbpf_env_register_helper(env, 2, "abort", jg_h_abort, NULL);
	ret |= userbpf_env_register_helper(env, 3, "mem_ok", jg_h_memok, NULL);
	return ret;
}

/* ---- one differential run ---- */

#define JG_MEM 64
#define JG_REGION 32

struct jg_outcome {
	int ret;
	uint64_t r0;
	struct userbpf_error err;
	uint8_t mem[JG_MEM];
};

static inline void jg_run(struct userbpf_prog *prog, enum userbpf_backend be, const uint8_t *init,
			  uint8_t *region, struct jg_outcome *o)
{
	struct userbpf_region reg = {.start = region, .len = JG_REGION, .writable = false};
	USERBPF_OPTS(userbpf_run_opts, ro, .backend = be, .checked = true, .budget = 300,
		     .regions = &reg, .nregions = 1);

	/* One buffer for both runs, so addresses (and fault messages) are the same. */
	static uint8_t work[JG_MEM];

	memset(o, 0, sizeof(*o));
	memcpy(work, init, JG_MEM);
	o->r0 = 0x5a5a;
	o->ret = userbpf_prog_run(prog, work, JG_MEM, &ro, &o->r0, &o->err);
	memcpy(o->mem, work, JG_MEM);
}

/* Compare; print the difference to stderr. Returns true when both agree. */
static inline bool jg_same(const struct jg_outcome *a, const struct jg_outcome *b)
{
	bool same = a->ret == b->ret && memcmp(a->mem, b->mem, JG_MEM) == 0;

	if (a->ret == 0)
		same = same && a->r0 == b->r0;
	else
		same = same && a->err.code == b->err.code && a->err.insn == b->err.insn &&
		       strcmp(a->err.message, b->err.message) == 0;
	if (!same)
		fprintf(stderr,
			"mismatch: interp ret %d r0 0x%llx insn %d '%s' | jit ret %d r0 0x%llx insn %d "
			"'%s'%s\n",
			a->ret, (unsigned long long)a->r0, a->err.insn, a->err.message, b->ret,
			(unsigned long long)b->r0, b->err.insn, b->err.message,
			memcmp(a->mem, b->mem, JG_MEM) ? " (memory differs)" : "");
	return same;
}

static inline void jg_print_prog(const struct bpf_insn *p, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(stderr, "  %3d: %02x %d %d %6d %d\n", i, p[i].code, p[i].dst_reg, p[i].src_reg,
			p[i].off, p[i].imm);
}

#endif
