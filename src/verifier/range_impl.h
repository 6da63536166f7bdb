/* SPDX-License-Identifier: MIT */
/*
 * range_impl.h - the scalar domain (range.h) as a width-parameterised template, included once
 * per instance (no include guard). The includer defines
 *   RANGE_W          the width in bits: 64 in the library, 8 in the unit tests
 *   RANGE_FN(name)   the name of each function (range_##name, r8_##name)
 *   RANGE_LINKAGE    storage class of the functions
 *   TNUM_FN(name)    the tnum instance of the same width
 * The "32-bit" subregister is the low RANGE_W / 2 bits, so an 8-bit instance is a faithful
 * scaled model: each algorithm below only ever speaks of `bits` (the width of the operation),
 * the whole width RW_ and the half width RH_.
 *
 * Soundness is the only hard requirement: every function may lose precision, none may drop a
 * value that a concrete execution can produce. Where the kernel's verifier is known to be
 * weaker (div/mod are tracked here, sync finds the nearest tnum member rather than the tnum's
 * extremes) we are more precise; we never rely on anything the tests cannot check.
 */
#include <stdbool.h>
#include <stdint.h>

#include "range.h"

#ifndef RANGE_IV_DEFINED
#define RANGE_IV_DEFINED
/* Bounds of one width (the whole value or the subregister). */
struct range_iv {
	uint64_t umin, umax;
	int64_t smin, smax;
};
#endif

#define RW_ RANGE_W
#define RH_ (RANGE_W / 2)
#define F_(n) RANGE_FN(n##_)
#define T_(n) TNUM_FN(n)
#define MIN_(a, b) ((a) < (b) ? (a) : (b))
#define MAX_(a, b) ((a) > (b) ? (a) : (b))

/* ---- width arithmetic ---------------------------------------------------------------- */

static inline uint64_t F_(um)(unsigned bits)
{
	return bits >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
}

static inline int64_t F_(smaxv)(unsigned bits)
{
	return (int64_t)(F_(um)(bits) >> 1);
}

static inline int64_t F_(sminv)(unsigned bits)
{
	return -F_(smaxv)(bits) - 1;
}

static inline uint64_t F_(signbit)(unsigned bits)
{
	return (uint64_t)1 << (bits - 1);
}

/* The low `bits` of x as a signed number. */
static inline int64_t F_(sx)(uint64_t x, unsigned bits)
{
	x &= F_(um)(bits);
	if (bits < 64 && (x & F_(signbit)(bits)))
		x |= ~F_(um)(bits);
	return (int64_t)x;
}

/* The bit pattern of s at `bits`. */
static inline uint64_t F_(zx)(int64_t s, unsigned bits)
{
	return (uint64_t)s & F_(um)(bits);
}

/* Signed values mapped to unsigned ones in the same order (flip the sign bit). */
static inline uint64_t F_(bias)(int64_t s, unsigned bits)
{
	return F_(zx)(s, bits) ^ F_(signbit)(bits);
}

static inline int64_t F_(unbias)(uint64_t u, unsigned bits)
{
	return F_(sx)(u ^ F_(signbit)(bits), bits);
}

static struct range_iv F_(iv_unknown)(unsigned bits)
{
	return (struct range_iv){0, F_(um)(bits), F_(sminv)(bits), F_(smaxv)(bits)};
}

static struct range_iv F_(iv_const)(uint64_t v, unsigned bits)
{
	v &= F_(um)(bits);
	return (struct range_iv){v, v, F_(sx)(v, bits), F_(sx)(v, bits)};
}

static struct range_iv F_(get)(const struct range *r, unsigned bits)
{
	if (bits == RW_)
		return (struct range_iv){r->umin, r->umax, r->smin, r->smax};
	return (struct range_iv){r->u32_min, r->u32_max, r->s32_min, r->s32_max};
}

static void F_(set)(struct range *r, struct range_iv iv, unsigned bits)
{
	if (bits == RW_) {
		r->umin = iv.umin;
		r->umax = iv.umax;
		r->smin = iv.smin;
		r->smax = iv.smax;
	} else {
		r->u32_min = (uint32_t)iv.umin;
		r->u32_max = (uint32_t)iv.umax;
		r->s32_min = (int32_t)iv.smin;
		r->s32_max = (int32_t)iv.smax;
	}
}

/* The bounds of a zero-extended subregister result, as bounds of the whole value. */
static struct range_iv F_(zext)(struct range_iv r32)
{
	return (struct range_iv){r32.umin, r32.umax, (int64_t)r32.umin, (int64_t)r32.umax};
}

/*
 * Overflow-aware arithmetic at `bits`. The signed helpers return which way the exact result
 * left the representable range (-1, 0, +1) and store the wrapped result; two ends that left
 * it the same way still bound a contiguous set of wrapped results.
 */
static int F_(sadd)(int64_t x, int64_t y, unsigned bits, int64_t *r)
{
	if (bits == 64) {
		if (__builtin_add_overflow(x, y, r))
			return x < 0 ? -1 : 1;
		return 0;
	}
	int64_t s = x + y;
	*r = F_(sx)((uint64_t)s, bits);
	return s > F_(smaxv)(bits) ? 1 : s < F_(sminv)(bits) ? -1 : 0;
}

static int F_(ssub)(int64_t x, int64_t y, unsigned bits, int64_t *r)
{
	if (bits == 64) {
		if (__builtin_sub_overflow(x, y, r))
			return x < 0 ? -1 : 1;
		return 0;
	}
	int64_t s = x - y;
	*r = F_(sx)((uint64_t)s, bits);
	return s > F_(smaxv)(bits) ? 1 : s < F_(sminv)(bits) ? -1 : 0;
}

static bool F_(umul_ovf)(uint64_t x, uint64_t y, unsigned bits, uint64_t *r)
{
	if (bits == 64)
		return __builtin_mul_overflow(x, y, r);
	*r = x * y; /* both < 2^32: exact in 64 bits */
	return *r > F_(um)(bits);
}

static bool F_(smul_ovf)(int64_t x, int64_t y, unsigned bits, int64_t *r)
{
	if (bits == 64)
		return __builtin_mul_overflow(x, y, r);
	*r = x * y; /* both within +-2^31: exact in 64 bits */
	return *r > F_(smaxv)(bits) || *r < F_(sminv)(bits);
}

/* ---- transfer functions on the bounds of one width ------------------------------------ */

static struct range_iv F_(iv_add)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);
	uint64_t m = F_(um)(bits), lo = a.umin + b.umin, hi = a.umax + b.umax;
	bool clo = bits == 64 ? lo < a.umin : lo > m;
	bool chi = bits == 64 ? hi < a.umax : hi > m;
	int64_t slo, shi;

	if (clo == chi) {
		r.umin = lo & m;
		r.umax = hi & m;
	}
	if (F_(sadd)(a.smin, b.smin, bits, &slo) == F_(sadd)(a.smax, b.smax, bits, &shi)) {
		r.smin = slo;
		r.smax = shi;
	}
	return r;
}

static struct range_iv F_(iv_sub)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);
	uint64_t m = F_(um)(bits);
	int64_t slo, shi;

	if ((a.umin < b.umax) == (a.umax < b.umin)) {
		r.umin = (a.umin - b.umax) & m;
		r.umax = (a.umax - b.umin) & m;
	}
	if (F_(ssub)(a.smin, b.smax, bits, &slo) == F_(ssub)(a.smax, b.smin, bits, &shi)) {
		r.smin = slo;
		r.smax = shi;
	}
	return r;
}

static struct range_iv F_(iv_mul)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);
	uint64_t hi;
	int64_t c[4];

	if (!F_(umul_ovf)(a.umax, b.umax, bits, &hi)) {
		r.umin = a.umin * b.umin;
		r.umax = hi;
	}
	if (!F_(smul_ovf)(a.smin, b.smin, bits, &c[0]) && !F_(smul_ovf)(a.smin, b.smax, bits, &c[1]) &&
	    !F_(smul_ovf)(a.smax, b.smin, bits, &c[2]) && !F_(smul_ovf)(a.smax, b.smax, bits, &c[3])) {
		r.smin = MIN_(MIN_(c[0], c[1]), MIN_(c[2], c[3]));
		r.smax = MAX_(MAX_(c[0], c[1]), MAX_(c[2], c[3]));
	}
	return r;
}

static struct range_iv F_(iv_udiv)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);

	if (b.umax == 0)
		return F_(iv_const)(0, bits);
	/* y in [max(1, umin), umax] gives [a.umin / umax, a.umax / max(1, umin)]; y = 0 gives 0 */
	r.umin = b.umin == 0 ? 0 : a.umin / b.umax;
	r.umax = a.umax / (b.umin ? b.umin : 1);
	return r;
}

static struct range_iv F_(iv_umod)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);

	if (b.umax == 0 || a.umax < b.umin)
		return a; /* x % 0 = x, and x % y = x when x < y */
	r.umin = 0;
	r.umax = b.umin == 0 ? a.umax : MIN_(a.umax, b.umax - 1);
	return r;
}

/*
 * x s/ y over a box of divisors of one sign: truncating division is monotonic in x for a
 * fixed y and in y for a fixed x, so the extremes sit at the corners - except MIN s/ -1,
 * which wraps to MIN; a box containing it gives up.
 */
static bool F_(sdiv_box)(struct range_iv a, int64_t ylo, int64_t yhi, unsigned bits, int64_t *lo,
			 int64_t *hi)
{
	int64_t c[4];

	if (a.smin == F_(sminv)(bits) && ylo <= -1 && yhi >= -1)
		return false;
	c[0] = a.smin / ylo;
	c[1] = a.smin / yhi;
	c[2] = a.smax / ylo;
	c[3] = a.smax / yhi;
	*lo = MIN_(MIN_(c[0], c[1]), MIN_(c[2], c[3]));
	*hi = MAX_(MAX_(c[0], c[1]), MAX_(c[2], c[3]));
	return true;
}

static struct range_iv F_(iv_sdiv)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);
	int64_t lo = F_(smaxv)(bits), hi = F_(sminv)(bits), l, h;

	if (b.smin <= 0 && b.smax >= 0) { /* y = 0 gives 0 */
		lo = 0;
		hi = 0;
	}
	if (b.smin <= -1) {
		if (!F_(sdiv_box)(a, b.smin, MIN_(b.smax, -1), bits, &l, &h))
			return r;
		lo = MIN_(lo, l);
		hi = MAX_(hi, h);
	}
	if (b.smax >= 1) {
		if (!F_(sdiv_box)(a, MAX_(b.smin, 1), b.smax, bits, &l, &h))
			return r;
		lo = MIN_(lo, l);
		hi = MAX_(hi, h);
	}
	r.smin = lo;
	r.smax = hi;
	return r;
}

static uint64_t F_(mag)(int64_t s)
{
	return s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
}

static struct range_iv F_(iv_smod)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);
	uint64_t m = MAX_(F_(mag)(b.smin), F_(mag)(b.smax));

	if (b.smin == 0 && b.smax == 0)
		return a;
	/* The remainder has the dividend's sign and |r| <= |x|; for y != 0 also |r| < |y|. */
	r.smin = MIN_(0, a.smin);
	r.smax = MAX_(0, a.smax);
	if (b.smin > 0 || b.smax < 0) {
		int64_t lim = (int64_t)(m - 1);

		r.smin = MAX_(r.smin, -lim);
		r.smax = MIN_(r.smax, lim);
	}
	return r;
}

static struct range_iv F_(iv_and)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);

	/* x & y <= min(x, y) unsigned; the signed bounds by the operands' signs */
	r.umax = MIN_(a.umax, b.umax);
	if (a.smin >= 0 && b.smin >= 0) {
		r.smin = 0;
		r.smax = MIN_(a.smax, b.smax);
	} else if (a.smin >= 0) {
		r.smin = 0;
		r.smax = a.smax;
	} else if (b.smin >= 0) {
		r.smin = 0;
		r.smax = b.smax;
	} else if (a.smax < 0 && b.smax < 0) {
		r.smax = MIN_(a.smax, b.smax);
	} else {
		r.smax = MAX_(a.smax, b.smax);
	}
	return r;
}

static struct range_iv F_(iv_or)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);

	/* x | y >= max(x, y) unsigned; a negative operand makes the result negative */
	r.umin = MAX_(a.umin, b.umin);
	if (a.smin >= 0 && b.smin >= 0) {
		r.smin = MAX_(a.smin, b.smin);
	} else if (a.smax < 0 && b.smax < 0) {
		r.smin = MAX_(a.smin, b.smin);
		r.smax = -1;
	} else if (a.smax < 0) {
		r.smin = a.smin;
		r.smax = -1;
	} else if (b.smax < 0) {
		r.smin = b.smin;
		r.smax = -1;
	} else {
		r.smin = MIN_(a.smin, b.smin);
	}
	return r;
}

static struct range_iv F_(iv_xor)(struct range_iv a, struct range_iv b, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);

	/* only the sign is known: equal signs give a non-negative result, different a negative */
	if ((a.smin >= 0 && b.smin >= 0) || (a.smax < 0 && b.smax < 0)) {
		r.smin = 0;
	} else if ((a.smin >= 0 && b.smax < 0) || (a.smax < 0 && b.smin >= 0)) {
		r.smax = -1;
	}
	return r;
}

/* Shifts by an amount in [k1, k2], k2 < bits. */
static struct range_iv F_(iv_lsh)(struct range_iv a, uint64_t k1, uint64_t k2, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);
	int64_t c[4], lim_hi = F_(smaxv)(bits) >> k2, lim_lo = F_(sminv)(bits) >> k2;

	if (a.umax <= (F_(um)(bits) >> k2)) { /* no set bit is shifted out */
		r.umin = a.umin << k1;
		r.umax = a.umax << k2;
	}
	/* x << k = x * 2^k: monotonic in x and, for a fixed sign of x, in k */
	if (a.smin >= lim_lo && a.smax <= lim_hi) {
		c[0] = F_(sx)(F_(zx)(a.smin, bits) << k1, bits);
		c[1] = F_(sx)(F_(zx)(a.smin, bits) << k2, bits);
		c[2] = F_(sx)(F_(zx)(a.smax, bits) << k1, bits);
		c[3] = F_(sx)(F_(zx)(a.smax, bits) << k2, bits);
		r.smin = MIN_(MIN_(c[0], c[1]), MIN_(c[2], c[3]));
		r.smax = MAX_(MAX_(c[0], c[1]), MAX_(c[2], c[3]));
	}
	return r;
}

static struct range_iv F_(iv_rsh)(struct range_iv a, uint64_t k1, uint64_t k2, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);

	/* the signed bounds come from these through sync, never from the old signed ones */
	r.umin = a.umin >> k2;
	r.umax = a.umax >> k1;
	return r;
}

static struct range_iv F_(iv_arsh)(struct range_iv a, uint64_t k1, uint64_t k2, unsigned bits)
{
	struct range_iv r = F_(iv_unknown)(bits);

	/* monotonic in x; in k towards 0 (x >= 0) or towards -1 (x < 0): corners suffice */
	r.smin = MIN_(a.smin >> k1, a.smin >> k2);
	r.smax = MAX_(a.smax >> k1, a.smax >> k2);
	return r;
}

/* Tnum of a shift by any amount in [k1, k2]: the union over the amounts (at most 64). */
static struct tnum F_(tnum_shift)(enum range_op op, struct tnum t, uint64_t k1, uint64_t k2,
				  unsigned bits)
{
	struct tnum r = {0, 0};

	for (uint64_t k = k1; k <= k2; k++) {
		struct tnum s = op == RANGE_LSH ? T_(lsh)(t, (unsigned)k)
				: op == RANGE_RSH ? T_(rsh)(t, (unsigned)k)
						  : T_(arsh)(t, (unsigned)k, bits);
		r = k == k1 ? s : T_(union)(r, s);
	}
	return r;
}

/* ---- synchronisation ------------------------------------------------------------------ */

/*
 * Intersect the ordered interval [*lo, *hi] with the arc p, p+1, ..., q (counting up and
 * wrapping around), keeping the smallest interval that holds the intersection.
 */
static bool F_(meet_arc)(uint64_t *lo, uint64_t *hi, uint64_t p, uint64_t q)
{
	bool first, second;

	if (p <= q) {
		*lo = MAX_(*lo, p);
		*hi = MIN_(*hi, q);
		return *lo <= *hi;
	}
	first = *lo <= q;  /* the part [lo, min(hi, q)] */
	second = *hi >= p; /* the part [max(lo, p), hi] */
	if (first && !second)
		*hi = MIN_(*hi, q);
	else if (second && !first)
		*lo = MAX_(*lo, p);
	return first || second;
}

/* Meet both the unsigned and the signed bounds of iv with an arc of bit patterns. */
static bool F_(iv_meet_arc)(struct range_iv *iv, uint64_t p, uint64_t q, unsigned bits)
{
	uint64_t sb = F_(signbit)(bits), lo, hi;

	if (!F_(meet_arc)(&iv->umin, &iv->umax, p, q))
		return false;
	lo = F_(bias)(iv->smin, bits);
	hi = F_(bias)(iv->smax, bits);
	if (!F_(meet_arc)(&lo, &hi, p ^ sb, q ^ sb))
		return false;
	iv->smin = F_(unbias)(lo, bits);
	iv->smax = F_(unbias)(hi, bits);
	return true;
}

static bool F_(iv_valid)(struct range_iv iv)
{
	return iv.umin <= iv.umax && iv.smin <= iv.smax;
}

/* Unsigned and signed bounds of one width describe one set: intersect them. */
static bool F_(iv_self)(struct range_iv *iv, unsigned bits)
{
	return F_(iv_meet_arc)(iv, iv->umin, iv->umax, bits) &&
	       F_(iv_meet_arc)(iv, F_(zx)(iv->smin, bits), F_(zx)(iv->smax, bits), bits);
}

/* Bounds move to the nearest members of the tnum t (a `bits`-wide tnum). */
static bool F_(iv_from_tnum)(struct range_iv *iv, struct tnum t, unsigned bits)
{
	uint64_t sb = F_(signbit)(bits), lo, hi;
	struct tnum biased = t;

	if (!T_(next)(t, iv->umin, &lo) || !T_(prev)(t, iv->umax, &hi) || lo > hi)
		return false;
	iv->umin = lo;
	iv->umax = hi;
	if (!(t.mask & sb))
		biased.value ^= sb;
	if (!T_(next)(biased, F_(bias)(iv->smin, bits), &lo) ||
	    !T_(prev)(biased, F_(bias)(iv->smax, bits), &hi) || lo > hi)
		return false;
	iv->smin = F_(unbias)(lo, bits);
	iv->smax = F_(unbias)(hi, bits);
	return true;
}

/*
 * Values of the whole width in the ordered interval [*lo, *hi] (unsigned, or signed biased)
 * whose low half lies on the arc p..q: move each end to the nearest such value.
 */
static bool F_(tighten)(uint64_t *lo, uint64_t *hi, uint64_t p, uint64_t q)
{
	uint64_t mh = F_(um)(RH_), step = mh + 1, last = F_(um)(RW_) & ~mh, l, base;

#define IN_ARC_(v) ((((v) - p) & mh) <= ((q - p) & mh))
	l = *lo & mh;
	base = *lo & ~mh;
	if (!IN_ARC_(l)) {
		if (l < p) {
			*lo = base | p;
		} else {
			if (base == last)
				return false;
			*lo = (base + step) | p;
		}
	}
	l = *hi & mh;
	base = *hi & ~mh;
	if (!IN_ARC_(l)) {
		if (l > q) {
			*hi = base | q;
		} else {
			if (base == 0)
				return false;
			*hi = (base - step) | q;
		}
	}
#undef IN_ARC_
	return *lo <= *hi;
}

/* What the whole-width bounds say about the low half: an arc, when they span < 2^RH_. */
static bool F_(low_arc)(struct range_iv *b, uint64_t lo, uint64_t hi)
{
	uint64_t mh = F_(um)(RH_);

	if (hi - lo > mh)
		return true;
	return F_(iv_meet_arc)(b, lo & mh, hi & mh, RH_);
}

static bool F_(tnum_meet)(struct tnum *t, struct tnum x)
{
	if (!T_(compatible)(*t, x))
		return false;
	*t = T_(intersect)(*t, x);
	return true;
}

/* One round of sync; false when the descriptions admit no common value. */
static bool F_(sync_round)(struct range *r)
{
	struct range_iv a = F_(get)(r, RW_), b = F_(get)(r, RH_);
	struct tnum t = r->var_off;
	uint64_t slo, shi;

	if (!F_(iv_valid)(a) || !F_(iv_valid)(b) || (t.value & t.mask))
		return false;
	/* 1. tnum -> bounds, both widths */
	if (!F_(iv_from_tnum)(&a, t, RW_) || !F_(iv_from_tnum)(&b, T_(subreg)(t), RH_))
		return false;
	/* 2. unsigned <-> signed within each width */
	if (!F_(iv_self)(&a, RW_) || !F_(iv_self)(&b, RH_))
		return false;
	/* 3. whole -> low half */
	if (!F_(low_arc)(&b, a.umin, a.umax) ||
	    !F_(low_arc)(&b, F_(bias)(a.smin, RW_), F_(bias)(a.smax, RW_)))
		return false;
	/* 4. low half -> whole: both ends move to values whose low half is admitted */
	slo = F_(bias)(a.smin, RW_);
	shi = F_(bias)(a.smax, RW_);
	if (!F_(tighten)(&a.umin, &a.umax, b.umin, b.umax) ||
	    !F_(tighten)(&a.umin, &a.umax, F_(zx)(b.smin, RH_), F_(zx)(b.smax, RH_)) ||
	    !F_(tighten)(&slo, &shi, b.umin, b.umax) ||
	    !F_(tighten)(&slo, &shi, F_(zx)(b.smin, RH_), F_(zx)(b.smax, RH_)))
		return false;
	a.smin = F_(unbias)(slo, RW_);
	a.smax = F_(unbias)(shi, RW_);
	if (!F_(iv_self)(&a, RW_))
		return false;
	/* 5. bounds -> tnum */
	if (!F_(tnum_meet)(&t, T_(range)(a.umin, a.umax)))
		return false;
	if ((a.smin < 0) == (a.smax < 0) &&
	    !F_(tnum_meet)(&t, T_(range)(F_(zx)(a.smin, RW_), F_(zx)(a.smax, RW_))))
		return false;
	if (!F_(tnum_meet)(&t, T_(with_subreg)(T_(unknown)(), T_(range)(b.umin, b.umax))))
		return false;
	if ((b.smin < 0) == (b.smax < 0) &&
	    !F_(tnum_meet)(&t, T_(with_subreg)(T_(unknown)(),
					       T_(range)(F_(zx)(b.smin, RH_), F_(zx)(b.smax, RH_)))))
		return false;
	F_(set)(r, a, RW_);
	F_(set)(r, b, RH_);
	r->var_off = t;
	return true;
}

RANGE_LINKAGE bool RANGE_FN(equal)(const struct range *a, const struct range *b)
{
	return a->var_off.value == b->var_off.value && a->var_off.mask == b->var_off.mask &&
	       a->umin == b->umin && a->umax == b->umax && a->smin == b->smin &&
	       a->smax == b->smax && a->u32_min == b->u32_min && a->u32_max == b->u32_max &&
	       a->s32_min == b->s32_min && a->s32_max == b->s32_max;
}

RANGE_LINKAGE bool RANGE_FN(sync)(struct range *r)
{
	/* Each round only tightens; a few rounds reach the fixed point in practice. */
	for (int round = 0; round < 6; round++) {
		struct range before = *r;

		if (!F_(sync_round)(r))
			return false;
		if (RANGE_FN(equal)(&before, r))
			break;
	}
	return true;
}

/* ---- constructors and queries --------------------------------------------------------- */

RANGE_LINKAGE void RANGE_FN(unknown)(struct range *r)
{
	r->var_off = T_(unknown)();
	F_(set)(r, F_(iv_unknown)(RW_), RW_);
	F_(set)(r, F_(iv_unknown)(RH_), RH_);
}

RANGE_LINKAGE void RANGE_FN(const)(struct range *r, uint64_t v)
{
	r->var_off = T_(const)(v);
	F_(set)(r, F_(iv_const)(v, RW_), RW_);
	F_(set)(r, F_(iv_const)(v, RH_), RH_);
}

RANGE_LINKAGE bool RANGE_FN(from_tnum)(struct range *r, struct tnum t)
{
	RANGE_FN(unknown)(r);
	r->var_off = t;
	return RANGE_FN(sync)(r);
}

RANGE_LINKAGE bool RANGE_FN(is_const)(const struct range *r)
{
	return T_(is_const)(r->var_off);
}

RANGE_LINKAGE bool RANGE_FN(contains)(const struct range *r, uint64_t x)
{
	uint64_t lo;

	x &= F_(um)(RW_);
	lo = x & F_(um)(RH_);
	return T_(contains)(r->var_off, x) && x >= r->umin && x <= r->umax &&
	       F_(sx)(x, RW_) >= r->smin && F_(sx)(x, RW_) <= r->smax && lo >= r->u32_min &&
	       lo <= r->u32_max && F_(sx)(lo, RH_) >= r->s32_min && F_(sx)(lo, RH_) <= r->s32_max;
}

RANGE_LINKAGE bool RANGE_FN(within)(const struct range *old, const struct range *cur)
{
	return cur->umin >= old->umin && cur->umax <= old->umax && cur->smin >= old->smin &&
	       cur->smax <= old->smax && cur->u32_min >= old->u32_min &&
	       cur->u32_max <= old->u32_max && cur->s32_min >= old->s32_min &&
	       cur->s32_max <= old->s32_max && T_(in)(old->var_off, cur->var_off);
}

/* ---- ALU ------------------------------------------------------------------------------ */

/* dst op src at one width; the tnum operands are already truncated to it. */
static struct range_iv F_(iv_op)(enum range_op op, struct range_iv a, struct range_iv b,
				 unsigned bits)
{
	switch (op) {
	case RANGE_ADD: return F_(iv_add)(a, b, bits);
	case RANGE_SUB: return F_(iv_sub)(a, b, bits);
	case RANGE_MUL: return F_(iv_mul)(a, b, bits);
	case RANGE_DIV: return F_(iv_udiv)(a, b, bits);
	case RANGE_SDIV: return F_(iv_sdiv)(a, b, bits);
	case RANGE_MOD: return F_(iv_umod)(a, b, bits);
	case RANGE_SMOD: return F_(iv_smod)(a, b, bits);
	case RANGE_AND: return F_(iv_and)(a, b, bits);
	case RANGE_OR: return F_(iv_or)(a, b, bits);
	case RANGE_XOR: return F_(iv_xor)(a, b, bits);
	case RANGE_NEG: return F_(iv_sub)(F_(iv_const)(0, bits), a, bits);
	case RANGE_MOV: return b;
	case RANGE_LSH:
	case RANGE_RSH:
	case RANGE_ARSH:
		/* the amount is b's value at this width; reaching the width: unknown */
		if (b.umax >= bits)
			return F_(iv_unknown)(bits);
		return op == RANGE_LSH ? F_(iv_lsh)(a, b.umin, b.umax, bits)
		       : op == RANGE_RSH ? F_(iv_rsh)(a, b.umin, b.umax, bits)
					 : F_(iv_arsh)(a, b.umin, b.umax, bits);
	}
	return F_(iv_unknown)(bits);
}

static struct tnum F_(tnum_op)(enum range_op op, struct tnum a, struct tnum b,
			       struct range_iv bb, unsigned bits)
{
	switch (op) {
	case RANGE_ADD: return T_(add)(a, b);
	case RANGE_SUB: return T_(sub)(a, b);
	case RANGE_MUL: return T_(mul)(a, b);
	case RANGE_AND: return T_(and)(a, b);
	case RANGE_OR: return T_(or)(a, b);
	case RANGE_XOR: return T_(xor)(a, b);
	case RANGE_NEG: return T_(neg)(a);
	case RANGE_MOV: return b;
	case RANGE_LSH:
	case RANGE_RSH:
	case RANGE_ARSH:
		if (bb.umax >= bits)
			return T_(unknown)();
		return F_(tnum_shift)(op, a, bb.umin, bb.umax, bits);
	default: /* div and mod: the bounds say more than bits could */
		return T_(unknown)();
	}
}

/* Does the low half of the 64-bit result depend only on the low halves of the operands? */
static bool F_(low_closed)(enum range_op op)
{
	switch (op) {
	case RANGE_ADD:
	case RANGE_SUB:
	case RANGE_MUL:
	case RANGE_AND:
	case RANGE_OR:
	case RANGE_XOR:
	case RANGE_NEG:
	case RANGE_MOV:
		return true;
	default:
		return false;
	}
}

RANGE_LINKAGE bool RANGE_FN(alu)(struct range *dst, const struct range *src, enum range_op op,
				 bool is32)
{
	unsigned bits = is32 ? RH_ : RW_;
	struct range_iv a = F_(get)(dst, bits), b = F_(get)(src, bits), r, r32;
	struct tnum ta = dst->var_off, tb = src->var_off, t;

	if (op == RANGE_MOV && !is32) {
		*dst = *src;
		return RANGE_FN(sync)(dst);
	}
	if (is32) {
		ta = T_(subreg)(ta);
		tb = T_(subreg)(tb);
	}
	r = F_(iv_op)(op, a, b, bits);
	t = F_(tnum_op)(op, ta, tb, b, bits);
	if (is32) {
		/* operate on the truncated inputs, zero-extend the result */
		dst->var_off = T_(subreg)(t);
		F_(set)(dst, r, RH_);
		F_(set)(dst, F_(zext)(F_(get)(dst, RH_)), RW_);
		return RANGE_FN(sync)(dst);
	}
	r32 = F_(iv_unknown)(RH_);
	if (F_(low_closed)(op))
		r32 = F_(iv_op)(op, F_(get)(dst, RH_), F_(get)(src, RH_), RH_);
	else if (op == RANGE_LSH && b.umax < RH_)
		r32 = F_(iv_lsh)(F_(get)(dst, RH_), b.umin, b.umax, RH_);
	dst->var_off = t;
	F_(set)(dst, r, RW_);
	F_(set)(dst, r32, RH_);
	return RANGE_FN(sync)(dst);
}

RANGE_LINKAGE bool RANGE_FN(movsx)(struct range *dst, const struct range *src, unsigned bits,
				   bool is32)
{
	/* bits <= RH_: the low `bits` of the source are described by its subregister bounds */
	struct range_iv s32 = F_(get)(src, RH_), r = F_(iv_unknown)(RH_);
	int64_t hi = F_(smaxv)(bits), lo = F_(sminv)(bits);
	struct tnum t = T_(sext)(T_(cast)(src->var_off, bits), bits);

	if (bits == RH_) {
		r = s32;
	} else if (s32.umax <= (uint64_t)hi) { /* already a non-negative `bits`-wide value */
		r = s32;
	} else if (s32.smin >= lo && s32.smax <= hi) {
		r.smin = s32.smin;
		r.smax = s32.smax;
	} else {
		r.smin = lo;
		r.smax = hi;
	}
	/* The result is a value in [lo, hi] at either width; as 64-bit, its signed value. */
	RANGE_FN(unknown)(dst);
	F_(set)(dst, r, RH_);
	if (is32) {
		dst->var_off = T_(subreg)(t);
		dst->umax = F_(um)(RH_);
		dst->smin = 0;
		dst->smax = (int64_t)F_(um)(RH_);
	} else {
		dst->var_off = t;
		dst->smin = r.smin;
		dst->smax = r.smax;
	}
	return RANGE_FN(sync)(dst);
}

RANGE_LINKAGE bool RANGE_FN(end)(struct range *dst, unsigned bits, bool swap)
{
	unsigned field = bits * RW_ / 64;
	uint64_t fm = F_(um)(field);

	if (swap) {
		struct tnum t = T_(bswap)(dst->var_off, bits);

		return RANGE_FN(from_tnum)(dst, t);
	}
	if (field >= RW_)
		return true;
	if (field == RH_) {
		/* the low half is unchanged: keep its bounds, zero-extend */
		struct range_iv low = F_(get)(dst, RH_);

		dst->var_off = T_(subreg)(dst->var_off);
		F_(set)(dst, F_(iv_unknown)(RW_), RW_);
		dst->umax = F_(um)(RH_);
		dst->smin = 0;
		dst->smax = (int64_t)F_(um)(RH_);
		F_(set)(dst, low, RH_);
		return RANGE_FN(sync)(dst);
	}
	{
		uint64_t lo = 0, hi = fm;

		if (dst->umax <= fm) { /* nothing to cut */
			lo = dst->umin;
			hi = dst->umax;
		}
		dst->var_off = T_(cast)(dst->var_off, field);
		dst->umin = lo;
		dst->umax = hi;
		dst->smin = (int64_t)lo;
		dst->smax = (int64_t)hi;
		F_(set)(dst, F_(iv_unknown)(RH_), RH_);
		return RANGE_FN(sync)(dst);
	}
}

/* ---- conditional jumps ---------------------------------------------------------------- */

RANGE_LINKAGE int RANGE_FN(decide)(const struct range *ra, const struct range *rb,
				   enum range_cond c, bool is32)
{
	unsigned bits = is32 ? RH_ : RW_;
	struct range_iv a = F_(get)(ra, bits), b = F_(get)(rb, bits);
	struct tnum ta = ra->var_off, tb = rb->var_off;
	int d;

	if (is32) {
		ta = T_(subreg)(ta);
		tb = T_(subreg)(tb);
	}
	switch (c) {
	case RANGE_EQ:
	case RANGE_NE:
		if (a.umin == a.umax && b.umin == b.umax)
			d = a.umin == b.umin;
		else if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax || a.smax < b.smin ||
			 !T_(compatible)(ta, tb))
			d = 0;
		else
			return -1;
		return c == RANGE_EQ ? d : !d;
	case RANGE_GT:
		return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
	case RANGE_GE:
		return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
	case RANGE_LT:
		return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
	case RANGE_LE:
		return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
	case RANGE_SGT:
		return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
	case RANGE_SGE:
		return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
	case RANGE_SLT:
		return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
	case RANGE_SLE:
		return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
	case RANGE_SET:
	case RANGE_NSET:
		if (ta.value & tb.value)
			d = 1;
		else if (((ta.value | ta.mask) & (tb.value | tb.mask)) == 0)
			d = 0;
		else
			return -1;
		return c == RANGE_SET ? d : !d;
	default:
		return -1;
	}
}

/* x < y (or x <= y when !strict) on one width, unsigned or signed. */
static bool F_(refine_lt)(struct range_iv *x, struct range_iv *y, bool is_signed, bool strict,
			  unsigned bits)
{
	if (!is_signed) {
		if (strict && (y->umax == 0 || x->umin == F_(um)(bits)))
			return false;
		x->umax = MIN_(x->umax, y->umax - strict);
		y->umin = MAX_(y->umin, x->umin + strict);
		return x->umin <= x->umax && y->umin <= y->umax;
	}
	if (strict && (y->smax == F_(sminv)(bits) || x->smin == F_(smaxv)(bits)))
		return false;
	x->smax = MIN_(x->smax, y->smax - strict);
	y->smin = MAX_(y->smin, x->smin + strict);
	return x->smin <= x->smax && y->smin <= y->smax;
}

/* x != y: when y is a single value, shave it off x's ends. */
static bool F_(refine_ne)(struct range_iv *x, const struct range_iv *y)
{
	if (y->umin == y->umax) {
		if (x->umin == x->umax && x->umin == y->umin)
			return false;
		if (x->umin == y->umin)
			x->umin++;
		else if (x->umax == y->umin)
			x->umax--;
	}
	if (y->smin == y->smax) {
		if (x->smin == x->smax && x->smin == y->smin)
			return false;
		if (x->smin == y->smin)
			x->smin++;
		else if (x->smax == y->smin)
			x->smax--;
	}
	return true;
}

/* Does the tnum hold exactly one set bit? */
static bool F_(single_bit)(struct tnum t)
{
	return t.mask == 0 && t.value && !(t.value & (t.value - 1));
}

RANGE_LINKAGE bool RANGE_FN(refine)(struct range *ra, struct range *rb, enum range_cond c,
				    bool is32)
{
	unsigned bits = is32 ? RH_ : RW_;
	struct range_iv x = F_(get)(ra, bits), y = F_(get)(rb, bits);
	struct tnum tx = ra->var_off, ty = rb->var_off;
	bool ok = true;

	if (is32) {
		tx = T_(subreg)(tx);
		ty = T_(subreg)(ty);
	}
	switch (c) {
	case RANGE_EQ:
		x.umin = y.umin = MAX_(x.umin, y.umin);
		x.umax = y.umax = MIN_(x.umax, y.umax);
		x.smin = y.smin = MAX_(x.smin, y.smin);
		x.smax = y.smax = MIN_(x.smax, y.smax);
		ok = F_(tnum_meet)(&tx, ty);
		ty = tx;
		break;
	case RANGE_NE:
		ok = F_(refine_ne)(&x, &y) && F_(refine_ne)(&y, &x);
		break;
	case RANGE_LT:
	case RANGE_LE:
		ok = F_(refine_lt)(&x, &y, false, c == RANGE_LT, bits);
		break;
	case RANGE_GT:
	case RANGE_GE:
		ok = F_(refine_lt)(&y, &x, false, c == RANGE_GT, bits);
		break;
	case RANGE_SLT:
	case RANGE_SLE:
		ok = F_(refine_lt)(&x, &y, true, c == RANGE_SLT, bits);
		break;
	case RANGE_SGT:
	case RANGE_SGE:
		ok = F_(refine_lt)(&y, &x, true, c == RANGE_SGT, bits);
		break;
	case RANGE_SET:
		/* some bit is set in both: neither is zero; a single-bit mask pins that bit */
		if (x.umax == 0 || y.umax == 0 ||
		    ((tx.value | tx.mask) & (ty.value | ty.mask)) == 0)
			return false;
		x.umin = MAX_(x.umin, 1);
		y.umin = MAX_(y.umin, 1);
		if (F_(single_bit)(ty))
			ok = F_(tnum_meet)(&tx, (struct tnum){ty.value, ~ty.value & F_(um)(bits)});
		if (ok && F_(single_bit)(tx))
			ok = F_(tnum_meet)(&ty, (struct tnum){tx.value, ~tx.value & F_(um)(bits)});
		break;
	case RANGE_NSET:
		/* no bit is set in both: a bit known set in one is clear in the other */
		if (tx.value & ty.value)
			return false;
		tx.mask &= ~ty.value;
		ty.mask &= ~tx.value;
		break;
	default:
		break;
	}
	if (!ok || !F_(iv_valid)(x) || !F_(iv_valid)(y))
		return false;
	F_(set)(ra, x, bits);
	F_(set)(rb, y, bits);
	if (is32) {
		ra->var_off = T_(with_subreg)(ra->var_off, tx);
		rb->var_off = T_(with_subreg)(rb->var_off, ty);
	} else {
		ra->var_off = tx;
		rb->var_off = ty;
	}
	return RANGE_FN(sync)(ra) && RANGE_FN(sync)(rb);
}

#undef RW_
#undef RH_
#undef F_
#undef T_
#undef MIN_
#undef MAX_
