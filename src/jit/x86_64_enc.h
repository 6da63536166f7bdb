/* SPDX-License-Identifier: MIT */
/*
 * x86_64_enc.h - pure x86-64 byte encoders used by the JIT. Each function writes one machine
 * instruction at p (callers guarantee X86_MAX_INSN bytes of room) and returns its length. They
 * touch no state, so tests/unit/test_jit_enc.c checks them byte for byte against llvm-mc.
 *
 * Every register-and-r/m instruction goes through x86_rr() or x86_rm(), which handle the REX
 * prefix (W, R, X, B and the bare REX needed for spl/bpl/sil/dil as byte registers) and the
 * ModRM/SIB/displacement rules (rsp/r12 bases need a SIB byte, rbp/r13 bases need a disp).
 */
#ifndef USERBPF_X86_64_ENC_H
#define USERBPF_X86_64_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define X86_MAX_INSN 16

enum x86_reg {
	RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Prefix and operand-size flags for x86_rr()/x86_rm(). */
enum {
	X_W = 1,    /* REX.W: 64-bit operand */
	X_66 = 2,   /* operand-size prefix: 16-bit operand */
	X_BYTE = 4, /* the reg operand is a byte register (needs REX for spl..dil) */
	X_LOCK = 8, /* lock prefix */
	X_BYTE_RM = 16, /* the r/m register operand is a byte register */
};

/* Condition codes (the low nibble of Jcc / SETcc). */
enum x86_cc {
	CC_O = 0x0, CC_NO = 0x1, CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6,
	CC_A = 0x7, CC_S = 0x8, CC_NS = 0x9, CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* Group-1 ALU operations: the /digit of 81/83 and (<< 3 | 1) the r/m,reg opcode. */
enum x86_alu { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };
/* Group-2 shifts: the /digit of C1/D1/D3. */
enum x86_shift { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };
/* Group-3 unary: the /digit of F7. */
enum x86_unary { UN_NOT = 2, UN_NEG = 3, UN_MUL = 4, UN_DIV = 6, UN_IDIV = 7 };

static inline bool x86_fits8(int64_t v)
{
	return v >= -128 && v <= 127;
}

static inline bool x86_fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static inline size_t x86_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return 4;
}

/* Legacy prefixes, REX and the opcode (one byte, or 0x0Fxx for two). */
static inline size_t x86_head(uint8_t *p, unsigned fl, uint32_t opc, int reg, int x, int rm,
			      bool rm_is_reg)
{
	size_t n = 0;
	uint8_t rex = 0x40;

	if (fl & X_LOCK)
		p[n++] = 0xf0;
	if (fl & X_66)
		p[n++] = 0x66;
	if (fl & X_W)
		rex |= 8;
	if (reg & 8)
		rex |= 4;
	if (x & 8)
		rex |= 2;
	if (rm & 8)
		rex |= 1;
	if (rex != 0x40 || ((fl & X_BYTE) && reg >= 4 && reg < 8) ||
	    (rm_is_reg && (fl & X_BYTE_RM) && rm >= 4 && rm < 8))
		p[n++] = rex;
	if (opc > 0xff)
		p[n++] = (uint8_t)(opc >> 8);
	p[n++] = (uint8_t)opc;
	return n;
}

/* op reg, rm (register direct, ModRM mod=11). reg may be a /digit. */
static inline size_t x86_rr(uint8_t *p, unsigned fl, uint32_t opc, int reg, int rm)
{
	size_t n = x86_head(p, fl, opc, reg, 0, rm, true);

	p[n++] = (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7));
	return n;
}

/* op reg, [base + disp]. */
static inline size_t x86_rm(uint8_t *p, unsigned fl, uint32_t opc, int reg, int base, int32_t disp)
{
	size_t n = x86_head(p, fl, opc, reg, 0, base, false);
	uint8_t mod;

	if (disp == 0 && (base & 7) != RBP)
		mod = 0x00;
	else if (x86_fits8(disp))
		mod = 0x40;
	else
		mod = 0x80;
	p[n++] = (uint8_t)(mod | (reg & 7) << 3 | (base & 7));
	if ((base & 7) == RSP)
		p[n++] = 0x24; /* SIB: no index, base = rsp/r12 */
	if (mod == 0x40)
		p[n++] = (uint8_t)(int8_t)disp;
	else if (mod == 0x80)
		n += x86_put32(p + n, (uint32_t)disp);
	return n;
}

/* ---- register/register and register/immediate ------------------------------------------ */

/* alu dst, src  (w: 64-bit) */
static inline size_t x86_alu_rr(uint8_t *p, enum x86_alu op, bool w, int dst, int src)
{
	return x86_rr(p, w ? X_W : 0, (uint32_t)(op << 3 | 1), src, dst);
}

/* alu dst, imm (sign-extended imm8 form when it fits) */
static inline size_t x86_alu_ri(uint8_t *p, enum x86_alu op, bool w, int dst, int32_t imm)
{
	size_t n;

	if (x86_fits8(imm)) {
		n = x86_rr(p, w ? X_W : 0, 0x83, op, dst);
		p[n++] = (uint8_t)(int8_t)imm;
		return n;
	}
	if (dst == RAX) { /* the short accumulator form */
		n = 0;
		if (w)
			p[n++] = 0x48;
		p[n++] = (uint8_t)(op << 3 | 5);
		return n + x86_put32(p + n, (uint32_t)imm);
	}
	n = x86_rr(p, w ? X_W : 0, 0x81, op, dst);
	return n + x86_put32(p + n, (uint32_t)imm);
}

/* test dst, src */
static inline size_t x86_test_rr(uint8_t *p, bool w, int dst, int src)
{
	return x86_rr(p, w ? X_W : 0, 0x85, src, dst);
}

/* test dst, imm32 */
static inline size_t x86_test_ri(uint8_t *p, bool w, int dst, int32_t imm)
{
	size_t n = 0;

	if (dst == RAX) {
		if (w)
			p[n++] = 0x48;
		p[n++] = 0xa9;
		return n + x86_put32(p + n, (uint32_t)imm);
	}
	n = x86_rr(p, w ? X_W : 0, 0xf7, 0, dst);

	return n + x86_put32(p + n, (uint32_t)imm);
}

/* mov dst, src (32-bit form zero-extends) */
static inline size_t x86_mov_rr(uint8_t *p, bool w, int dst, int src)
{
	return x86_rr(p, w ? X_W : 0, 0x89, src, dst);
}

/* mov dst32, imm32 (zero-extends to 64 bits) */
static inline size_t x86_mov_ri32(uint8_t *p, int dst, uint32_t imm)
{
	size_t n = 0;

	if (dst & 8)
		p[n++] = 0x41;
	p[n++] = (uint8_t)(0xb8 + (dst & 7));
	return n + x86_put32(p + n, imm);
}

/* mov dst64, simm32 (sign-extends) */
static inline size_t x86_mov_ri64s(uint8_t *p, int dst, int32_t imm)
{
	size_t n = x86_rr(p, X_W, 0xc7, 0, dst);

	return n + x86_put32(p + n, (uint32_t)imm);
}

/* movabs dst, imm64 */
static inline size_t x86_movabs(uint8_t *p, int dst, uint64_t imm)
{
	size_t n = 0;

	p[n++] = (uint8_t)(0x48 | (dst >> 3));
	p[n++] = (uint8_t)(0xb8 + (dst & 7));
	memcpy(p + n, &imm, 8);
	return n + 8;
}

/* The shortest way to load a 64-bit constant. Uses xor for 0 (clobbers flags). */
static inline size_t x86_load_imm(uint8_t *p, int dst, uint64_t imm)
{
	if (imm == 0)
		return x86_alu_rr(p, ALU_XOR, false, dst, dst);
	if (imm <= UINT32_MAX)
		return x86_mov_ri32(p, dst, (uint32_t)imm);
	if (x86_fits32((int64_t)imm))
		return x86_mov_ri64s(p, dst, (int32_t)(int64_t)imm);
	return x86_movabs(p, dst, imm);
}

/* imul dst, src */
static inline size_t x86_imul_rr(uint8_t *p, bool w, int dst, int src)
{
	return x86_rr(p, w ? X_W : 0, 0x0faf, dst, src);
}

/* imul dst, src, imm */
static inline size_t x86_imul_rri(uint8_t *p, bool w, int dst, int src, int32_t imm)
{
	size_t n;

	if (x86_fits8(imm)) {
		n = x86_rr(p, w ? X_W : 0, 0x6b, dst, src);
		p[n++] = (uint8_t)(int8_t)imm;
		return n;
	}
	n = x86_rr(p, w ? X_W : 0, 0x69, dst, src);
	return n + x86_put32(p + n, (uint32_t)imm);
}

/* shl/shr/sar/rol/ror dst, imm (imm 1 uses the short D1 form) */
static inline size_t x86_shift_ri(uint8_t *p, enum x86_shift op, unsigned fl, int dst, uint8_t imm)
{
	size_t n;

	if (imm == 1)
		return x86_rr(p, fl, 0xd1, op, dst);
	n = x86_rr(p, fl, 0xc1, op, dst);
	p[n++] = imm;
	return n;
}

/* shl/shr/sar dst, cl */
static inline size_t x86_shift_cl(uint8_t *p, enum x86_shift op, bool w, int dst)
{
	return x86_rr(p, w ? X_W : 0, 0xd3, op, dst);
}

/* not/neg/mul/div/idiv dst */
static inline size_t x86_unary(uint8_t *p, enum x86_unary op, bool w, int dst)
{
	return x86_rr(p, w ? X_W : 0, 0xf7, op, dst);
}

/* cqo (w) or cdq */
static inline size_t x86_cqo(uint8_t *p, bool w)
{
	size_t n = 0;

	if (w)
		p[n++] = 0x48;
	p[n++] = 0x99;
	return n;
}

/* movzx dst32, src8/src16 */
static inline size_t x86_movzx_rr(uint8_t *p, int size, int dst, int src)
{
	return x86_rr(p, size == 1 ? X_BYTE_RM : 0, size == 1 ? 0x0fb6 : 0x0fb7, dst, src);
}

/* movsx dst, src8/src16/src32 (w: 64-bit destination) */
static inline size_t x86_movsx_rr(uint8_t *p, int size, bool w, int dst, int src)
{
	if (size == 4)
		return x86_rr(p, X_W, 0x63, dst, src);
	return x86_rr(p, (w ? X_W : 0) | (size == 1 ? X_BYTE_RM : 0), size == 1 ? 0x0fbe : 0x0fbf,
		      dst, src);
}

/* setcc reg8 */
static inline size_t x86_setcc(uint8_t *p, enum x86_cc cc, int reg)
{
	return x86_rr(p, X_BYTE_RM, 0x0f90u | cc, 0, reg);
}

/* bswap reg (32 or 64 bits) */
static inline size_t x86_bswap(uint8_t *p, bool w, int reg)
{
	size_t n = 0;

	if (w || (reg & 8))
		p[n++] = (uint8_t)(0x40 | (w ? 8 : 0) | (reg >> 3));
	p[n++] = 0x0f;
	p[n++] = (uint8_t)(0xc8 + (reg & 7));
	return n;
}

/* ---- memory operands --------------------------------------------------------------------- */

/* load: dst = zero- or sign-extended *(size *)(base + disp) */
static inline size_t x86_load(uint8_t *p, int size, bool sx, int dst, int base, int32_t disp)
{
	switch (size) {
	case 1: return x86_rm(p, sx ? X_W : 0, sx ? 0x0fbe : 0x0fb6, dst, base, disp);
	case 2: return x86_rm(p, sx ? X_W : 0, sx ? 0x0fbf : 0x0fb7, dst, base, disp);
	case 4: return sx ? x86_rm(p, X_W, 0x63, dst, base, disp) : x86_rm(p, 0, 0x8b, dst, base, disp);
	default: return x86_rm(p, X_W, 0x8b, dst, base, disp);
	}
}

/* store: *(size *)(base + disp) = src */
static inline size_t x86_store(uint8_t *p, int size, int base, int32_t disp, int src)
{
	switch (size) {
	case 1: return x86_rm(p, X_BYTE, 0x88, src, base, disp);
	case 2: return x86_rm(p, X_66, 0x89, src, base, disp);
	case 4: return x86_rm(p, 0, 0x89, src, base, disp);
	default: return x86_rm(p, X_W, 0x89, src, base, disp);
	}
}

/* store immediate: *(size *)(base + disp) = imm (8 bytes: sign-extended imm32) */
static inline size_t x86_store_imm(uint8_t *p, int size, int base, int32_t disp, int32_t imm)
{
	size_t n;

	switch (size) {
	case 1:
		n = x86_rm(p, 0, 0xc6, 0, base, disp);
		p[n++] = (uint8_t)imm;
		return n;
	case 2:
		n = x86_rm(p, X_66, 0xc7, 0, base, disp);
		p[n++] = (uint8_t)imm;
		p[n++] = (uint8_t)((uint32_t)imm >> 8);
		return n;
	default:
		n = x86_rm(p, size == 8 ? X_W : 0, 0xc7, 0, base, disp);
		return n + x86_put32(p + n, (uint32_t)imm);
	}
}

/* lea dst, [base + disp] */
static inline size_t x86_lea(uint8_t *p, int dst, int base, int32_t disp)
{
	return x86_rm(p, X_W, 0x8d, dst, base, disp);
}

/* cmp reg, [base + disp] */
static inline size_t x86_cmp_rm(uint8_t *p, bool w, int reg, int base, int32_t disp)
{
	return x86_rm(p, w ? X_W : 0, 0x3b, reg, base, disp);
}

/* alu reg, [base + disp] */
static inline size_t x86_alu_rm(uint8_t *p, enum x86_alu op, bool w, int reg, int base, int32_t disp)
{
	return x86_rm(p, w ? X_W : 0, (uint32_t)(op << 3 | 3), reg, base, disp);
}

/* alu [base + disp], imm8 (sign-extended; 64 or 32 bits) */
static inline size_t x86_alu_mi8(uint8_t *p, enum x86_alu op, bool w, int base, int32_t disp,
				 int8_t imm)
{
	size_t n = x86_rm(p, w ? X_W : 0, 0x83, op, base, disp);

	p[n++] = (uint8_t)imm;
	return n;
}

/* cmp byte [base + disp], imm8 */
static inline size_t x86_cmpb_mi(uint8_t *p, int base, int32_t disp, int8_t imm)
{
	size_t n = x86_rm(p, 0, 0x80, ALU_CMP, base, disp);

	p[n++] = (uint8_t)imm;
	return n;
}

/* [lock] alu [base + disp], src (add/or/and/xor) */
static inline size_t x86_alu_mr(uint8_t *p, enum x86_alu op, unsigned fl, int base, int32_t disp,
				int src)
{
	return x86_rm(p, fl, (uint32_t)(op << 3 | 1), src, base, disp);
}

/* lock xadd [base + disp], src */
static inline size_t x86_lock_xadd(uint8_t *p, bool w, int base, int32_t disp, int src)
{
	return x86_rm(p, X_LOCK | (w ? X_W : 0), 0x0fc1, src, base, disp);
}

/* xchg [base + disp], src (implicitly locked) */
static inline size_t x86_xchg_mr(uint8_t *p, bool w, int base, int32_t disp, int src)
{
	return x86_rm(p, w ? X_W : 0, 0x87, src, base, disp);
}

/* lock cmpxchg [base + disp], src (compares with rax/eax) */
static inline size_t x86_lock_cmpxchg(uint8_t *p, bool w, int base, int32_t disp, int src)
{
	return x86_rm(p, X_LOCK | (w ? X_W : 0), 0x0fb1, src, base, disp);
}

/* ---- control flow and stack -------------------------------------------------------------- */

static inline size_t x86_push(uint8_t *p, int reg)
{
	size_t n = 0;

	if (reg & 8)
		p[n++] = 0x41;
	p[n++] = (uint8_t)(0x50 + (reg & 7));
	return n;
}

static inline size_t x86_pop(uint8_t *p, int reg)
{
	size_t n = 0;

	if (reg & 8)
		p[n++] = 0x41;
	p[n++] = (uint8_t)(0x58 + (reg & 7));
	return n;
}

static inline size_t x86_ret(uint8_t *p)
{
	p[0] = 0xc3;
	return 1;
}

/* call reg */
static inline size_t x86_call_r(uint8_t *p, int reg)
{
	return x86_rr(p, 0, 0xff, 2, reg);
}

/* jmp/jcc rel8: rel counts from the end of the instruction */
static inline size_t x86_jmp8(uint8_t *p, int8_t rel)
{
	p[0] = 0xeb;
	p[1] = (uint8_t)rel;
	return 2;
}

static inline size_t x86_jmp32(uint8_t *p, int32_t rel)
{
	p[0] = 0xe9;
	return 1 + x86_put32(p + 1, (uint32_t)rel);
}

static inline size_t x86_jcc8(uint8_t *p, enum x86_cc cc, int8_t rel)
{
	p[0] = (uint8_t)(0x70 | cc);
	p[1] = (uint8_t)rel;
	return 2;
}

static inline size_t x86_jcc32(uint8_t *p, enum x86_cc cc, int32_t rel)
{
	p[0] = 0x0f;
	p[1] = (uint8_t)(0x80 | cc);
	return 2 + x86_put32(p + 2, (uint32_t)rel);
}

static inline size_t x86_call32(uint8_t *p, int32_t rel)
{
	p[0] = 0xe8;
	return 1 + x86_put32(p + 1, (uint32_t)rel);
}

#endif
