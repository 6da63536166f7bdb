/* SPDX-License-Identifier: MIT */
/*
 * verifier_gen.h - a generator of small programs for the raw-memory program type that the
 * verifier has a fair chance to accept: loads and stores through R1 (64 bytes of input) and
 * the stack at offsets near the edges, bounds checks, arithmetic on indices and pointers,
 * 32-bit operations, sign extension, byte swaps, atomics, forward jumps, bounded loops and
 * bpf-to-bpf calls. Shared by the soundness unit test (a seeded PRNG drives it) and the
 * libFuzzer target (the input bytes drive it): whatever the verifier accepts must run in
 * checked mode without a memory fault and within the budget.
 */
#ifndef USERBPF_VERIFIER_GEN_H
#define USERBPF_VERIFIER_GEN_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VGEN_MAX 64

struct vgen_src {
	uint64_t (*next)(void *ctx);
	void *ctx;
};

static inline uint32_t vgen_pick(struct vgen_src *s, uint32_t n)
{
	return n ? (uint32_t)(s->next(s->ctx) % n) : 0;
}

static inline struct bpf_insn vgen_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off,
					int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}

static inline int32_t vgen_imm(struct vgen_src *s)
{
	static const int32_t vals[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 56, 60, 63, 64, 65,
				       255, 256, -1, -2, -8, -16, -64, 0x7fffffff, INT32_MIN,
				       0xffff, 1 << 29};
	if (vgen_pick(s, 4) == 0)
		return (int32_t)(uint32_t)s->next(s->ctx);
	return vals[vgen_pick(s, sizeof(vals) / sizeof(vals[0]))];
}

static inline int16_t vgen_off(struct vgen_src *s)
{
	static const int16_t offs[] = {0, 1, 4, 7, 8, 56, 60, 62, 63, 64, -1, -4, -8, -16, -24,
				       -64, -504, -512, -520};
	return offs[vgen_pick(s, sizeof(offs) / sizeof(offs[0]))];
}

static inline uint8_t vgen_size(struct vgen_src *s)
{
	static const uint8_t sz[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
	return sz[vgen_pick(s, 4)];
}

/*
 * Fill p with a program of at most VGEN_MAX slots; returns its length. Registers R1-R5 keep
 * their entry roles often enough (R1 is the input) for accesses to be meaningful.
 */
static inline size_t vgen_program(struct vgen_src *s, struct bpf_insn *p, bool loops)
{
	static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND,
					  BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_ARSH, BPF_MOV};
	static const uint8_t jmp_ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
					  BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
	size_t body = 2 + vgen_pick(s, 14), n = 0, sub_at = 0;
	bool with_call = vgen_pick(s, 6) == 0;

	if (with_call) /* main calls a subprogram placed after its exit */
		p[n++] = vgen_insn(BPF_JMP | BPF_CALL, 0, 1, 0, 0); /* target patched below */
	uint32_t live = 1u << 1 | 1u << 2 | 1u << 10; /* registers some path has written */

	/* a prologue giving a few registers values, most of them small */
	for (uint8_t reg = 3; reg <= 9; reg++)
		if (vgen_pick(s, 3)) {
			p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_K, reg, 0, 0,
					   vgen_pick(s, 2) ? (int32_t)vgen_pick(s, 70) : vgen_imm(s));
			live |= 1u << reg;
		}
	for (size_t k = 0; k < body && n + 4 < VGEN_MAX - 8; k++) {
		uint8_t d = (uint8_t)vgen_pick(s, 10), r = (uint8_t)vgen_pick(s, 11);
		uint32_t kind = vgen_pick(s, 18);

		if (kind >= 16)
			kind = 14;

		for (int tries = 0; tries < 8 && !(live >> r & 1); tries++)
			r = (uint8_t)vgen_pick(s, 11);
		for (int tries = 0; tries < 8 && !(live >> d & 1) && vgen_pick(s, 4); tries++)
			d = (uint8_t)vgen_pick(s, 10);
		if (vgen_pick(s, 3) == 0)
			r = 1; /* the input pointer */
		switch (kind) {
		case 0:
			p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, vgen_imm(s));
			break;
		case 1:
			p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_X, d, r, 0, 0);
			break;
		case 2:
		case 3: {
			uint8_t op = alu_ops[vgen_pick(s, sizeof(alu_ops))];
			uint8_t cls = vgen_pick(s, 3) ? BPF_ALU64 : BPF_ALU;
			int32_t imm = vgen_imm(s);

			if ((op == BPF_DIV || op == BPF_MOD) && imm == 0)
				imm = 3;
			if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
				imm &= cls == BPF_ALU64 ? 63 : 31;
			if (vgen_pick(s, 2))
				p[n++] = vgen_insn(cls | op | BPF_K, d, 0, 0, imm);
			else
				p[n++] = vgen_insn(cls | op | BPF_X, d, r, 0, 0);
			break;
		}
		case 4:
		case 5: { /* load, mostly at a plausible offset */
			uint8_t sz = vgen_size(s), base = vgen_pick(s, 2) ? 1 : 10;
			int16_t off = vgen_off(s);

			if (vgen_pick(s, 3))
				off = base == 1 ? (int16_t)vgen_pick(s, 60)
						: (int16_t)(-8 * (int16_t)(1 + vgen_pick(s, 8)));
			p[n++] = vgen_insn(BPF_LDX | sz | (vgen_pick(s, 5) ? BPF_MEM : 0x80), d, base,
					   off, 0);
		}
			if (BPF_SIZE(p[n - 1].code) == BPF_DW && BPF_MODE(p[n - 1].code) == 0x80)
				p[n - 1].code = BPF_LDX | BPF_DW | BPF_MEM;
			break;
		case 6: /* load through any register */
			p[n++] = vgen_insn(BPF_LDX | vgen_size(s) | BPF_MEM, d, r, vgen_off(s), 0);
			break;
		case 7:
		case 8: /* store */
			if (vgen_pick(s, 2))
				p[n++] = vgen_insn(BPF_STX | vgen_size(s) | BPF_MEM,
						   vgen_pick(s, 2) ? 1 : 10, r, vgen_off(s), 0);
			else
				p[n++] = vgen_insn(BPF_ST | vgen_size(s) | BPF_MEM,
						   vgen_pick(s, 3) ? 10 : d, 0, vgen_off(s), vgen_imm(s));
			if (vgen_pick(s, 3)) /* mostly a plausible offset */
				p[n - 1].off = p[n - 1].dst_reg == 10
						       ? (int16_t)(-8 * (int16_t)(1 + vgen_pick(s, 8)))
						       : (int16_t)vgen_pick(s, 60);
			break;
		case 9:
		case 10: { /* forward conditional jump */
			uint8_t op = jmp_ops[vgen_pick(s, sizeof(jmp_ops))];
			uint8_t cls = vgen_pick(s, 3) ? BPF_JMP : BPF_JMP32;
			int16_t off = (int16_t)(1 + vgen_pick(s, 3));

			if (vgen_pick(s, 2))
				p[n++] = vgen_insn(cls | op | BPF_K, d, 0, off, vgen_imm(s));
			else
				p[n++] = vgen_insn(cls | op | BPF_X, d, r, off, 0);
			break;
		}
		case 11: /* pointer moves: r = r1 or r10, plus a constant or a register */
			p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_X, d, vgen_pick(s, 2) ? 1 : 10, 0, 0);
			if (vgen_pick(s, 2))
				p[n++] = vgen_insn(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, vgen_imm(s));
			else if (r != d)
				p[n++] = vgen_insn(BPF_ALU64 | BPF_ADD | BPF_X, d, r, 0, 0);
			break;
		case 12: { /* movsx, neg, byte swap */
			uint32_t w = vgen_pick(s, 3);
			static const int16_t sx[] = {8, 16, 32};

			if (vgen_pick(s, 2))
				p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_X, d, r, sx[w], 0);
			else if (vgen_pick(s, 2))
				p[n++] = vgen_insn(BPF_ALU64 | BPF_NEG, d, 0, 0, 0);
			else
				p[n++] = vgen_insn(vgen_pick(s, 2) ? (BPF_ALU64 | BPF_END | BPF_TO_LE)
						   : (BPF_ALU | BPF_END | (vgen_pick(s, 2) ? BPF_TO_BE : BPF_TO_LE)),
						   d, 0, 0, 16 << w);
			break;
		}
		case 13: /* atomic add on the stack or the input */
			p[n++] = vgen_insn(BPF_STX | (vgen_pick(s, 2) ? BPF_W : BPF_DW) | BPF_ATOMIC,
					   vgen_pick(s, 2) ? 1 : 10, r, (int16_t)(vgen_pick(s, 8) * -8),
					   vgen_pick(s, 2) ? BPF_ADD : (BPF_ADD | BPF_FETCH));
			break;
		case 14: { /* an index from the input, a bounds check, an access near the edge */
			static const uint8_t skip_ops[] = {BPF_JGT, BPF_JGE, BPF_JSGT, BPF_JSGE,
							  BPF_JGT, BPF_JGE, BPF_JLT,  BPF_JSLT};
			uint8_t x = (uint8_t)(6 + vgen_pick(s, 4)), idx = (uint8_t)(2 + vgen_pick(s, 3));

			uint8_t chk = idx;

			p[n++] = vgen_insn(BPF_LDX | (vgen_pick(s, 2) ? BPF_B : BPF_DW) | BPF_MEM, idx, 1,
					   (int16_t)(8 * vgen_pick(s, 7)), 0);
			if (vgen_pick(s, 2)) { /* check a copy instead (linked), maybe changed since */
				chk = idx == 5 ? 4 : 5;
				p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_X, chk, idx, 0, 0);
				if (vgen_pick(s, 4) == 0)
					p[n++] = vgen_insn(BPF_ALU64 | BPF_ADD | BPF_K, chk, 0, 0,
							   (int32_t)vgen_pick(s, 3) - 1);
				live |= 1u << chk;
			}
			p[n++] = vgen_insn((vgen_pick(s, 4) ? BPF_JMP : BPF_JMP32) |
						   skip_ops[vgen_pick(s, 8)] | BPF_K,
					   chk, 0, 3, (int32_t)vgen_pick(s, 66));
			p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_X, x, 1, 0, 0);
			p[n++] = vgen_insn(BPF_ALU64 | BPF_ADD | BPF_X, x, idx, 0, 0);
			p[n++] = vgen_insn(BPF_LDX | vgen_size(s) | BPF_MEM, 0, x,
					   (int16_t)vgen_pick(s, 66), 0);
			live |= 1u << idx | 1u << x | 1u;
			break;
		}
		default:
			if (loops && n >= 2) { /* a counted loop around nothing much */
				p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0);
				p[n++] = vgen_insn(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1);
				p[n++] = vgen_insn(BPF_JMP | BPF_JLT | BPF_K, 6, 0, -2,
						   (int32_t)vgen_pick(s, 12));
			} else {
				p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, vgen_imm(s));
			}
			break;
		}
		if (BPF_CLASS(p[n - 1].code) == BPF_ALU || BPF_CLASS(p[n - 1].code) == BPF_ALU64 ||
		    BPF_CLASS(p[n - 1].code) == BPF_LDX)
			live |= 1u << p[n - 1].dst_reg;
		/* registers are 0..10 but R10 cannot be written: redirect */
		if (p[n - 1].dst_reg == 10 && BPF_CLASS(p[n - 1].code) != BPF_STX &&
		    BPF_CLASS(p[n - 1].code) != BPF_ST && BPF_CLASS(p[n - 1].code) != BPF_JMP &&
		    BPF_CLASS(p[n - 1].code) != BPF_JMP32)
			p[n - 1].dst_reg = 9;
	}
	if (vgen_pick(s, 4))
		p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = vgen_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* forward jumps that overshoot land on the exit */
	for (size_t i = 0; i < n; i++) {
		uint8_t cls = BPF_CLASS(p[i].code);
		if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(p[i].code) != BPF_CALL &&
		    BPF_OP(p[i].code) != BPF_EXIT && (int64_t)i + 1 + p[i].off >= (int64_t)n)
			p[i].off = (int16_t)(n - 1 - i - 1);
	}
	if (with_call) {
		sub_at = n;
		p[0].imm = (int32_t)(sub_at - 1);
		/* the subprogram writes through R1 if it can and returns a small value */
		p[n++] = vgen_insn(BPF_ST | BPF_W | BPF_MEM, 1, 0, (int16_t)(vgen_pick(s, 2) ? 0 : 62), 7);
		p[n++] = vgen_insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
		p[n++] = vgen_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	return n;
}

#endif
