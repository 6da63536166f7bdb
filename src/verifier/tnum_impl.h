/* SPDX-License-Identifier: MIT */
/*
 * tnum_impl.h - the tnum algorithms as a width-parameterised template (no include guard: it is
 * meant to be included once per instance). The includer defines
 *   TNUM_W            the width in bits (64 in the library; 6 or 8 in the unit tests)
 *   TNUM_FN(name)     the name of each function (tnum_##name, t8_##name, ...)
 *   TNUM_LINKAGE      storage class of the functions (empty, or static in a test)
 * Every value is kept truncated to TNUM_W bits, so a narrow instance behaves exactly like a
 * TNUM_W-bit machine and can be checked exhaustively. "32-bit" (subregister) operations work
 * on the low TNUM_W / 2 bits.
 *
 * Why the algorithms are sound, in one line each:
 *  - add: the sum of the known parts plus the sum of the maxima of the unknown parts bounds
 *    every carry chain; any bit that differs between the two sums, or is unknown in an input,
 *    may be either value.
 *  - sub: the same with the smallest and largest possible differences.
 *  - mul: a*b = a.v*b.v + a.v*b_u + a_u*b, and each partial product a_i*2^i*b is either 0 or
 *    b<<i, so it lies in the tnum (0, (b.v|b.m)<<i); summing tnums with add is sound.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tnum.h"

#define TW_ TNUM_W
#define TH_ (TNUM_W / 2)
#define TM_ ((TW_) >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << (TW_)) - 1))
#define TMB_(bits) ((bits) >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << (bits)) - 1))
#define TMK_(v, m) ((struct tnum){(v) & TM_ & ~(m), (m) & TM_})

TNUM_LINKAGE struct tnum TNUM_FN(const)(uint64_t v)
{
	return TMK_(v, 0);
}

TNUM_LINKAGE struct tnum TNUM_FN(unknown)(void)
{
	return TMK_(0, TM_);
}

TNUM_LINKAGE struct tnum TNUM_FN(range)(uint64_t min, uint64_t max)
{
	uint64_t diff, low;

	min &= TM_;
	max &= TM_;
	if (min > max)
		return TNUM_FN(unknown)();
	/* Every bit at or below the highest bit where min and max differ can take both values. */
	diff = min ^ max;
	low = diff;
	for (unsigned s = 1; s < 64; s <<= 1)
		low |= low >> s;
	return TMK_(min & ~low, low);
}

TNUM_LINKAGE struct tnum TNUM_FN(add)(struct tnum a, struct tnum b)
{
	uint64_t sv = (a.value + b.value) & TM_;
	uint64_t sm = (a.mask + b.mask) & TM_;
	uint64_t carries = ((sv + sm) & TM_) ^ sv;
	uint64_t mu = carries | a.mask | b.mask;

	return TMK_(sv & ~mu, mu);
}

TNUM_LINKAGE struct tnum TNUM_FN(sub)(struct tnum a, struct tnum b)
{
	uint64_t dv = (a.value - b.value) & TM_;
	/* largest difference: a at its max, b at its min; smallest: the reverse */
	uint64_t hi = (dv + a.mask) & TM_, lo = (dv - b.mask) & TM_;
	uint64_t mu = (hi ^ lo) | a.mask | b.mask;

	return TMK_(dv & ~mu, mu);
}

TNUM_LINKAGE struct tnum TNUM_FN(neg)(struct tnum a)
{
	return TNUM_FN(sub)(TNUM_FN(const)(0), a);
}

TNUM_LINKAGE struct tnum TNUM_FN(mul)(struct tnum a, struct tnum b)
{
	struct tnum acc = TNUM_FN(const)(a.value * b.value);
	uint64_t bmax = b.value | b.mask;

	for (unsigned i = 0; i < TW_; i++) {
		uint64_t bit = (uint64_t)1 << i;

		if (a.mask & bit) /* a_i unknown: adds 0 or b << i */
			acc = TNUM_FN(add)(acc, TMK_(0, bmax << i));
		if (b.mask & bit) /* b_i unknown: a.v * b_i adds 0 or a.v << i */
			acc = TNUM_FN(add)(acc, TMK_(0, a.value << i));
	}
	return acc;
}

TNUM_LINKAGE struct tnum TNUM_FN(and)(struct tnum a, struct tnum b)
{
	uint64_t v = a.value & b.value;
	uint64_t maybe = (a.value | a.mask) & (b.value | b.mask);

	return TMK_(v, maybe & ~v);
}

TNUM_LINKAGE struct tnum TNUM_FN(or)(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value;

	return TMK_(v, (a.mask | b.mask) & ~v);
}

TNUM_LINKAGE struct tnum TNUM_FN(xor)(struct tnum a, struct tnum b)
{
	uint64_t m = a.mask | b.mask;

	return TMK_((a.value ^ b.value) & ~m, m);
}

TNUM_LINKAGE struct tnum TNUM_FN(lsh)(struct tnum a, unsigned k)
{
	if (k >= TW_)
		return TNUM_FN(const)(0);
	return TMK_(a.value << k, a.mask << k);
}

TNUM_LINKAGE struct tnum TNUM_FN(rsh)(struct tnum a, unsigned k)
{
	if (k >= TW_)
		return TNUM_FN(const)(0);
	return TMK_(a.value >> k, a.mask >> k);
}

/* Sign-extend the low `bits` bits of x to 64 bits (as an unsigned bit pattern). */
static inline uint64_t TNUM_FN(sx_bits_)(uint64_t x, unsigned bits)
{
	uint64_t m = TMB_(bits);

	x &= m;
	if (bits < 64 && (x >> (bits - 1)) & 1)
		x |= ~m;
	return x;
}

TNUM_LINKAGE struct tnum TNUM_FN(arsh)(struct tnum a, unsigned k, unsigned bits)
{
	/*
	 * Shifting the value and the mask arithmetically is exact: a known sign bit extends into
	 * known bits, an unknown one into unknown bits.
	 */
	uint64_t v = TNUM_FN(sx_bits_)(a.value, bits), m = TNUM_FN(sx_bits_)(a.mask, bits);

	if (k >= bits)
		k = bits - 1;
	v = (uint64_t)((int64_t)v >> k);
	m = (uint64_t)((int64_t)m >> k);
	return TMK_(v & TMB_(bits), m & TMB_(bits));
}

TNUM_LINKAGE struct tnum TNUM_FN(intersect)(struct tnum a, struct tnum b)
{
	return TMK_(a.value | b.value, a.mask & b.mask);
}

TNUM_LINKAGE struct tnum TNUM_FN(union)(struct tnum a, struct tnum b)
{
	uint64_t m = a.mask | b.mask | (a.value ^ b.value);

	return TMK_(a.value & ~m, m);
}

TNUM_LINKAGE struct tnum TNUM_FN(cast)(struct tnum a, unsigned bits)
{
	return TMK_(a.value & TMB_(bits), a.mask & TMB_(bits));
}

TNUM_LINKAGE struct tnum TNUM_FN(sext)(struct tnum a, unsigned bits)
{
	return TMK_(TNUM_FN(sx_bits_)(a.value, bits), TNUM_FN(sx_bits_)(a.mask, bits));
}

TNUM_LINKAGE struct tnum TNUM_FN(subreg)(struct tnum a)
{
	return TNUM_FN(cast)(a, TH_);
}

TNUM_LINKAGE struct tnum TNUM_FN(with_subreg)(struct tnum a, struct tnum low)
{
	uint64_t lm = TMB_(TH_);

	return TMK_((a.value & ~lm) | (low.value & lm), (a.mask & ~lm) | (low.mask & lm));
}

/*
 * Byte swap of the low `bits` bits (16, 32 or 64 on a real machine). A narrow instance scales
 * the machine down: a "byte" is TNUM_W / 8 bits and the swapped field bits * TNUM_W / 64 bits.
 * Known bits move with their byte, so the result is exact.
 */
TNUM_LINKAGE struct tnum TNUM_FN(bswap)(struct tnum a, unsigned bits)
{
	unsigned unit = TW_ / 8 ? TW_ / 8 : 1, field = bits * TW_ / 64, n = field / unit;
	uint64_t um = TMB_(unit), v = 0, m = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned from = i * unit, to = (n - 1 - i) * unit;

		v |= ((a.value >> from) & um) << to;
		m |= ((a.mask >> from) & um) << to;
	}
	return TMK_(v, m);
}

TNUM_LINKAGE bool TNUM_FN(is_const)(struct tnum a)
{
	return a.mask == 0;
}

TNUM_LINKAGE bool TNUM_FN(contains)(struct tnum a, uint64_t x)
{
	return ((x & TM_) & ~a.mask) == a.value;
}

TNUM_LINKAGE bool TNUM_FN(in)(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	return (b.value & ~a.mask) == a.value;
}

TNUM_LINKAGE bool TNUM_FN(compatible)(struct tnum a, struct tnum b)
{
	return ((a.value ^ b.value) & ~a.mask & ~b.mask) == 0;
}

TNUM_LINKAGE bool TNUM_FN(is_aligned)(struct tnum a, uint64_t size)
{
	if (!size)
		return true;
	return ((a.value | a.mask) & (size - 1)) == 0;
}

/*
 * Smallest member y >= x. If x is not a member, y agrees with x above some bit j, has a 1 at
 * j where x has 0, and is minimal (a's known bits) below j. The lowest valid j gives the
 * smallest y; j may not lie below the highest known bit where x disagrees with a.
 */
TNUM_LINKAGE bool TNUM_FN(next)(struct tnum a, uint64_t x, uint64_t *out)
{
	uint64_t bad, cand, below;
	unsigned h = 0, j = 0;

	x &= TM_;
	bad = (x ^ a.value) & ~a.mask & TM_;
	if (!bad) {
		*out = x;
		return true;
	}
	for (uint64_t t = bad; t >>= 1;)
		h++;
	cand = ~x & (a.mask | a.value) & TM_ & ~(((uint64_t)1 << h) - 1);
	if (!cand)
		return false;
	while (!((cand >> j) & 1))
		j++;
	below = ((uint64_t)1 << j) - 1;
	*out = (x & ~below & ~((uint64_t)1 << j)) | ((uint64_t)1 << j) | (a.value & below);
	return true;
}

/* Largest member y <= x: the mirror image of next() under bitwise complement. */
TNUM_LINKAGE bool TNUM_FN(prev)(struct tnum a, uint64_t x, uint64_t *out)
{
	struct tnum c = TMK_(~a.value & ~a.mask, a.mask);
	uint64_t y;

	if (!TNUM_FN(next)(c, ~x & TM_, &y))
		return false;
	*out = ~y & TM_;
	return true;
}

#undef TW_
#undef TH_
#undef TM_
#undef TMB_
#undef TMK_
