/* SPDX-License-Identifier: MIT */
/*
 * range.h - the verifier's scalar domain: a tnum plus unsigned and signed bounds of the whole
 * 64-bit value and of its low 32 bits (the subregister wN). A value x is described by the
 * scalar when every one of the five descriptions admits it; they are kept consistent by
 * range_sync(), which must run after every change (every function below ends with it).
 *
 * The algorithms live in range_impl.h, a width-parameterised template like tnum_impl.h:
 * range.c instantiates it at 64 bits, the unit tests at 8 bits (subregister 4 bits) where
 * every concrete value can be enumerated. Everything is a pure function of its arguments.
 */
#ifndef USERBPF_VERIFIER_RANGE_H
#define USERBPF_VERIFIER_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "tnum.h"

struct range {
	struct tnum var_off;
	uint64_t umin, umax;       /* unsigned bounds of the 64-bit value */
	int64_t smin, smax;        /* signed bounds of the 64-bit value */
	uint32_t u32_min, u32_max; /* unsigned bounds of the low 32 bits */
	int32_t s32_min, s32_max;  /* signed bounds of the low 32 bits */
};

/* ALU operations (each also exists as a 32-bit form: truncate inputs, zero-extend result). */
enum range_op {
	RANGE_ADD,
	RANGE_SUB,
	RANGE_MUL,
	RANGE_DIV,  /* unsigned; x / 0 = 0 */
	RANGE_SDIV, /* signed; x / 0 = 0, MIN / -1 = MIN */
	RANGE_MOD,  /* unsigned; x % 0 = x */
	RANGE_SMOD, /* signed, sign of the dividend; x % 0 = x, MIN % -1 = 0 */
	RANGE_AND,
	RANGE_OR,
	RANGE_XOR,
	RANGE_LSH, /* shift amounts that may reach the width give an unknown result */
	RANGE_RSH,
	RANGE_ARSH,
	RANGE_NEG, /* src ignored */
	RANGE_MOV,
};

/* Conditions of conditional jumps, "a COND b". NSET is the fall-through of JSET. */
enum range_cond {
	RANGE_EQ,
	RANGE_NE,
	RANGE_GT,
	RANGE_GE,
	RANGE_LT,
	RANGE_LE,
	RANGE_SGT,
	RANGE_SGE,
	RANGE_SLT,
	RANGE_SLE,
	RANGE_SET,
	RANGE_NSET,
	RANGE_COND__COUNT,
};

/* The condition that holds when c does not (the fall-through side of a jump). */
static inline enum range_cond range_cond_negate(enum range_cond c)
{
	static const enum range_cond neg[RANGE_COND__COUNT] = {
		[RANGE_EQ] = RANGE_NE,   [RANGE_NE] = RANGE_EQ,   [RANGE_GT] = RANGE_LE,
		[RANGE_GE] = RANGE_LT,   [RANGE_LT] = RANGE_GE,   [RANGE_LE] = RANGE_GT,
		[RANGE_SGT] = RANGE_SLE, [RANGE_SGE] = RANGE_SLT, [RANGE_SLT] = RANGE_SGE,
		[RANGE_SLE] = RANGE_SGT, [RANGE_SET] = RANGE_NSET, [RANGE_NSET] = RANGE_SET,
	};
	return neg[c];
}

/* The condition c' with "a c b" == "b c' a". */
static inline enum range_cond range_cond_swap(enum range_cond c)
{
	static const enum range_cond sw[RANGE_COND__COUNT] = {
		[RANGE_EQ] = RANGE_EQ,   [RANGE_NE] = RANGE_NE,   [RANGE_GT] = RANGE_LT,
		[RANGE_GE] = RANGE_LE,   [RANGE_LT] = RANGE_GT,   [RANGE_LE] = RANGE_GE,
		[RANGE_SGT] = RANGE_SLT, [RANGE_SGE] = RANGE_SLE, [RANGE_SLT] = RANGE_SGT,
		[RANGE_SLE] = RANGE_SGE, [RANGE_SET] = RANGE_SET, [RANGE_NSET] = RANGE_NSET,
	};
	return sw[c];
}

#define RANGE_DECLARE(FN)                                                                      \
	void FN(unknown)(struct range *r);                                                     \
	void FN(const)(struct range *r, uint64_t v);                                           \
	bool FN(from_tnum)(struct range *r, struct tnum t);                                    \
	bool FN(sync)(struct range *r);                                                        \
	bool FN(alu)(struct range *dst, const struct range *src, enum range_op op, bool is32);  \
	bool FN(movsx)(struct range *dst, const struct range *src, unsigned bits, bool is32);  \
	bool FN(end)(struct range *dst, unsigned bits, bool swap);                             \
	int FN(decide)(const struct range *a, const struct range *b, enum range_cond c,        \
		       bool is32);                                                             \
	bool FN(refine)(struct range *a, struct range *b, enum range_cond c, bool is32);       \
	bool FN(contains)(const struct range *r, uint64_t x);                                  \
	bool FN(within)(const struct range *old, const struct range *cur);                     \
	bool FN(is_const)(const struct range *r);                                              \
	bool FN(equal)(const struct range *a, const struct range *b);

#define RANGE_FN64(n) range_##n
/*
 * The 64-bit instance. All functions that change a scalar return false when the result
 * describes no value at all (an infeasible path or inconsistent input); the scalar is then
 * meaningless and must not be used.
 *   unknown, const, from_tnum   constructors
 *   sync                        tighten the five descriptions against each other (sound:
 *                               never drops a value every description admits)
 *   alu(dst, src, op, is32)     dst = dst op src; for the immediate forms the caller passes a
 *                               constant src ((s64)imm for 64-bit ops, (u32)imm for 32-bit)
 *   movsx(dst, src, bits, is32) dst = sign-extend the low `bits` (8, 16, 32) of src; is32:
 *                               to 32 bits, then zero-extend
 *   end(dst, bits, swap)        keep the low `bits` (16, 32, 64) of dst, byte-swapped if
 *                               swap, zero-extended (le/be/bswap on a little-endian host)
 *   decide(a, b, c, is32)       1: "a c b" holds for every pair of values, 0: for none,
 *                               -1: it depends (is32 compares the low 32 bits)
 *   refine(a, b, c, is32)       assume "a c b": drop the values of a and b that contradict
 *                               it (a and b must not alias; false: the assumption is
 *                               infeasible)
 *   contains(r, x)              is x one of r's values?
 *   within(old, cur)            is every value of cur one of old's (for pruning)?
 */
RANGE_DECLARE(RANGE_FN64)

#endif
