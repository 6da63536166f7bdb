/* SPDX-License-Identifier: MIT */
/*
 * tnum.h - tristate numbers: the bit-level half of the verifier's scalar domain. A tnum
 * (value, mask) stands for every integer whose bits outside `mask` equal `value`; bits in
 * `mask` are unknown. Invariant: value & mask == 0. The algorithms live in tnum_impl.h, a
 * width-parameterised template: tnum.c instantiates it at 64 bits (the functions declared
 * below), the unit tests instantiate the very same code at 6 and 8 bits and check it against
 * brute force.
 */
#ifndef USERBPF_VERIFIER_TNUM_H
#define USERBPF_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct tnum {
	uint64_t value;
	uint64_t mask;
};

#define TNUM_DECLARE(FN)                                                                       \
	struct tnum FN(const)(uint64_t v);                                                     \
	struct tnum FN(unknown)(void);                                                         \
	struct tnum FN(range)(uint64_t min, uint64_t max);                                     \
	struct tnum FN(add)(struct tnum a, struct tnum b);                                     \
	struct tnum FN(sub)(struct tnum a, struct tnum b);                                     \
	struct tnum FN(neg)(struct tnum a);                                                    \
	struct tnum FN(mul)(struct tnum a, struct tnum b);                                     \
	struct tnum FN(and)(struct tnum a, struct tnum b);                                     \
	struct tnum FN(or)(struct tnum a, struct tnum b);                                      \
	struct tnum FN(xor)(struct tnum a, struct tnum b);                                     \
	struct tnum FN(lsh)(struct tnum a, unsigned k);                                        \
	struct tnum FN(rsh)(struct tnum a, unsigned k);                                        \
	struct tnum FN(arsh)(struct tnum a, unsigned k, unsigned bits);                        \
	struct tnum FN(intersect)(struct tnum a, struct tnum b);                               \
	struct tnum FN(union)(struct tnum a, struct tnum b);                                   \
	struct tnum FN(cast)(struct tnum a, unsigned bits);                                    \
	struct tnum FN(sext)(struct tnum a, unsigned bits);                                    \
	struct tnum FN(subreg)(struct tnum a);                                                 \
	struct tnum FN(with_subreg)(struct tnum a, struct tnum low);                           \
	struct tnum FN(bswap)(struct tnum a, unsigned bits);                                   \
	bool FN(is_const)(struct tnum a);                                                      \
	bool FN(contains)(struct tnum a, uint64_t x);                                          \
	bool FN(in)(struct tnum a, struct tnum b);                                             \
	bool FN(compatible)(struct tnum a, struct tnum b);                                     \
	bool FN(is_aligned)(struct tnum a, uint64_t size);                                     \
	bool FN(next)(struct tnum a, uint64_t x, uint64_t *out);                               \
	bool FN(prev)(struct tnum a, uint64_t x, uint64_t *out);

#define TNUM_FN64(n) tnum_##n
/*
 * The 64-bit instance:
 *   const, unknown      exactly v; every value
 *   range(min, max)     smallest tnum holding [min, max] (bits above the highest differing bit
 *                       of min and max are known)
 *   add sub neg mul     modular arithmetic (mul: sound, not always optimal)
 *   and or xor          bitwise; optimal
 *   lsh rsh             shift by a known k < 64; arsh(a, k, bits) shifts the low `bits` as a
 *                       signed bits-wide number (bits = 64 or 32) and zero-extends the result
 *   intersect           values in both (callers check compatible() first for emptiness)
 *   union               smallest tnum holding both
 *   cast(a, bits)       truncate to the low `bits` bits; sext(a, bits): sign-extend them
 *   subreg/with_subreg  the low 32 bits; replace the low 32 bits
 *   bswap(a, bits)      reverse the bytes of the low `bits` bits (16, 32, 64), upper bits zero
 *   in(a, b)            every value of b is one of a
 *   compatible(a, b)    a and b share at least one value
 *   next(a, x, &y)      smallest member >= x (false if none); prev: largest member <= x
 */
TNUM_DECLARE(TNUM_FN64)

#endif
