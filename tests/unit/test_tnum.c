/* SPDX-License-Identifier: MIT */
/*
 * test_tnum.c - the tnum template (src/verifier/tnum_impl.h) instantiated at 6 and 8 bits and
 * checked against brute force: soundness (every concrete result is a member of the abstract
 * result) for every operation, optimality where the algorithm promises it (and, or, xor, add,
 * sub, shifts, union, range, intersect), and exactness of the membership queries.
 *   6 bits: every pair of tnums (3^6 = 729, 531441 pairs), every member pair (4^12 per op).
 *   8 bits: every tnum for unary operations and every (tnum, constant) pair; a deterministic
 *           sample of tnum pairs with every member pair for binary operations.
 * Plus spot checks on the 64-bit instance the library uses.
 */
#include <stdlib.h>

#include "test.h"

#define TNUM_W 6
#define TNUM_FN(n) t6_##n
#define TNUM_LINKAGE static __attribute__((unused))
#include "verifier/tnum_impl.h"
#undef TNUM_W
#undef TNUM_FN

#define TNUM_W 8
#define TNUM_FN(n) t8_##n
#include "verifier/tnum_impl.h"
#undef TNUM_W
#undef TNUM_FN
#undef TNUM_LINKAGE

#include "verifier/tnum.h"

typedef struct tnum (*bin_fn)(struct tnum, struct tnum);

/* One instance of the template, seen through function pointers so the checks are shared. */
struct inst {
	unsigned w;
	bin_fn add, sub, mul, and, or, xor, intersect, uni;
	struct tnum (*cnst)(uint64_t);
	struct tnum (*neg)(struct tnum);
	bool (*in)(struct tnum, struct tnum);
	bool (*compatible)(struct tnum, struct tnum);
};

static const struct inst I6 = {6, t6_add, t6_sub, t6_mul, t6_and, t6_or, t6_xor, t6_intersect,
			       t6_union, t6_const, t6_neg, t6_in, t6_compatible};
static const struct inst I8 = {8, t8_add, t8_sub, t8_mul, t8_and, t8_or, t8_xor, t8_intersect,
			       t8_union, t8_const, t8_neg, t8_in, t8_compatible};

/* All tnums of width w, in a fixed order: each bit is 0, 1 or unknown. */
static struct tnum *all_tnums(unsigned w, size_t *n)
{
	size_t count = 1;

	for (unsigned i = 0; i < w; i++)
		count *= 3;
	struct tnum *t = calloc(count, sizeof(*t));
	for (size_t k = 0; k < count; k++) {
		size_t c = k;
		for (unsigned i = 0; i < w; i++, c /= 3) {
			if (c % 3 == 1)
				t[k].value |= (uint64_t)1 << i;
			else if (c % 3 == 2)
				t[k].mask |= (uint64_t)1 << i;
		}
	}
	*n = count;
	return t;
}

/* Members of a, written to out (at most 2^w), returns the count. */
static unsigned members(struct tnum a, uint64_t *out)
{
	unsigned n = 0;
	uint64_t s = a.mask;

	for (;;) {
		out[n++] = a.value | s;
		if (!s)
			break;
		s = (s - 1) & a.mask;
	}
	return n;
}

static uint64_t wmask(unsigned w)
{
	return ((uint64_t)1 << w) - 1;
}

enum bop { B_ADD, B_SUB, B_MUL, B_AND, B_OR, B_XOR, B__N };
static const char *const bop_name[] = {"add", "sub", "mul", "and", "or", "xor"};
/* Is the algorithm optimal (the result is the smallest tnum holding every concrete result)? */
static const bool bop_optimal[] = {true, true, false, true, true, true};

static uint64_t conc(enum bop op, uint64_t x, uint64_t y, unsigned w)
{
	switch (op) {
	case B_ADD: return (x + y) & wmask(w);
	case B_SUB: return (x - y) & wmask(w);
	case B_MUL: return (x * y) & wmask(w);
	case B_AND: return x & y;
	case B_OR: return x | y;
	default: return x ^ y;
	}
}

static struct tnum abst(const struct inst *I, enum bop op, struct tnum a, struct tnum b)
{
	switch (op) {
	case B_ADD: return I->add(a, b);
	case B_SUB: return I->sub(a, b);
	case B_MUL: return I->mul(a, b);
	case B_AND: return I->and(a, b);
	case B_OR: return I->or(a, b);
	default: return I->xor(a, b);
	}
}

/* Counters per operation, reported once (one CHECK per op rather than one per pair). */
struct tally {
	long pairs, unsound, suboptimal, bad_form;
};

static void check_pair(const struct inst *I, enum bop op, struct tnum a, struct tnum b,
		       struct tally *t)
{
	static uint64_t ma[256], mb[256];
	unsigned na = members(a, ma), nb = members(b, mb);
	struct tnum r = abst(I, op, a, b), best = I->cnst(conc(op, ma[0], mb[0], I->w));

	for (unsigned i = 0; i < na; i++)
		for (unsigned j = 0; j < nb; j++)
			best = I->uni(best, I->cnst(conc(op, ma[i], mb[j], I->w)));
	t->pairs++;
	if ((r.value & r.mask) || ((r.value | r.mask) & ~wmask(I->w)))
		t->bad_form++;
	if (!I->in(r, best)) {
		if (t->unsound++ < 3)
			fprintf(stderr, "w%u %s (%#llx;%#llx) (%#llx;%#llx) -> (%#llx;%#llx) misses "
				"(%#llx;%#llx)\n", I->w, bop_name[op], (unsigned long long)a.value,
				(unsigned long long)a.mask, (unsigned long long)b.value,
				(unsigned long long)b.mask, (unsigned long long)r.value,
				(unsigned long long)r.mask, (unsigned long long)best.value,
				(unsigned long long)best.mask);
	} else if (r.value != best.value || r.mask != best.mask) {
		t->suboptimal++;
	}
}

static void report(const char *what, unsigned w, enum bop op, const struct tally *t)
{
	printf("  w%u %-4s %-22s %10ld pairs, %ld unsound, %ld not optimal\n", w, bop_name[op], what,
	       t->pairs, t->unsound, t->suboptimal);
	CHECK(t->pairs > 0);
	CHECK(t->unsound == 0);
	CHECK(t->bad_form == 0);
	if (bop_optimal[op])
		CHECK(t->suboptimal == 0);
}

/* 6 bits: every pair of tnums, every pair of members. */
static void test_binary_w6(void)
{
	size_t n;
	struct tnum *all = all_tnums(6, &n);

	for (int op = 0; op < B__N; op++) {
		struct tally t = {0};
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				check_pair(&I6, op, all[i], all[j], &t);
		report("all pairs", 6, op, &t);
	}
	free(all);
}

/* A small deterministic generator (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* 8 bits: (every tnum, every constant) exhaustively, plus a sample of general pairs. */
static void test_binary_w8(long samples)
{
	size_t n;
	struct tnum *all = all_tnums(8, &n);

	for (int op = 0; op < B__N; op++) {
		struct tally t = {0}, s = {0};
		for (size_t i = 0; i < n; i++)
			for (uint64_t c = 0; c < 256; c++) {
				check_pair(&I8, op, all[i], t8_const(c), &t);
				check_pair(&I8, op, t8_const(c), all[i], &t);
			}
		report("(tnum, const) all", 8, op, &t);
		for (long k = 0; k < samples; k++)
			check_pair(&I8, op, all[rnd() % n], all[rnd() % n], &s);
		report("(tnum, tnum) sample", 8, op, &s);
	}
	free(all);
}

/* Union, intersect, in, compatible: exact set semantics, every pair at 6 bits. */
static void test_lattice_w6(void)
{
	size_t n;
	struct tnum *all = all_tnums(6, &n);
	long bad_union = 0, bad_inter = 0, bad_in = 0, bad_compat = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			struct tnum a = all[i], b = all[j], u = t6_union(a, b), x = t6_intersect(a, b);
			bool sub = true, meet = false, inter_ok = true;
			struct tnum best = a;

			for (uint64_t v = 0; v < 64; v++) {
				bool ia = t6_contains(a, v), ib = t6_contains(b, v);
				if (ib && !ia)
					sub = false;
				if (ia && ib)
					meet = true;
				if (ib)
					best = t6_union(best, t6_const(v));
				if (t6_compatible(a, b) && (ia && ib) != t6_contains(x, v))
					inter_ok = false;
			}
			/* union: smallest tnum holding a and b, built member by member */
			if (u.value != best.value || u.mask != best.mask)
				bad_union++;
			if (!inter_ok)
				bad_inter++;
			if (t6_in(a, b) != sub)
				bad_in++;
			if (t6_compatible(a, b) != meet)
				bad_compat++;
		}
	printf("  w6 lattice: %zu^2 pairs: union %ld, intersect %ld, in %ld, compatible %ld wrong\n",
	       n, bad_union, bad_inter, bad_in, bad_compat);
	CHECK(bad_union == 0);
	CHECK(bad_inter == 0);
	CHECK(bad_in == 0);
	CHECK(bad_compat == 0);
	free(all);
}

/* Best tnum of {f(x) : x in a} for a unary f given as a table. */
static struct tnum best_unary(struct tnum a, const uint64_t *f)
{
	uint64_t m[256];
	unsigned n = members(a, m);
	struct tnum best = t8_const(f[m[0]]);

	for (unsigned i = 1; i < n; i++)
		best = t8_union(best, t8_const(f[m[i]]));
	return best;
}

static int64_t sx8(uint64_t x, unsigned bits)
{
	x &= wmask(bits);
	return (x >> (bits - 1)) & 1 ? (int64_t)x - ((int64_t)1 << bits) : (int64_t)x;
}

/* Unary operations at 8 bits: exact (they only move known bits around) or sound (neg). */
static void test_unary_w8(void)
{
	size_t n;
	struct tnum *all = all_tnums(8, &n);
	long wrong[16] = {0};
	enum { U_NEG, U_LSH, U_RSH, U_ARSH8, U_ARSH4, U_CAST4, U_SEXT4, U_BSWAP16, U_BSWAP32,
	       U_BSWAP64, U_SEXT2, U__N };
	static const char *const uname[] = {"neg", "lsh", "rsh", "arsh(8)", "arsh(4)", "cast(4)",
					    "sext(4)", "bswap16", "bswap32", "bswap64", "sext(2)"};
	uint64_t f[256];

	for (int op = 0; op < U__N; op++) {
		unsigned kmax = (op == U_LSH || op == U_RSH || op == U_ARSH8) ? 8 : op == U_ARSH4 ? 4 : 1;
		for (unsigned k = 0; k < kmax; k++) {
			for (uint64_t x = 0; x < 256; x++) {
				switch (op) {
				case U_NEG: f[x] = (0 - x) & 0xff; break;
				case U_LSH: f[x] = (x << k) & 0xff; break;
				case U_RSH: f[x] = x >> k; break;
				case U_ARSH8: f[x] = (uint64_t)(sx8(x, 8) >> k) & 0xff; break;
				case U_ARSH4: f[x] = (uint64_t)(sx8(x, 4) >> k) & 0xf; break;
				case U_CAST4: f[x] = x & 0xf; break;
				case U_SEXT4: f[x] = (uint64_t)sx8(x, 4) & 0xff; break;
				case U_SEXT2: f[x] = (uint64_t)sx8(x, 2) & 0xff; break;
				/* the 8-bit model: a "byte" is one bit, bswapN reverses N/8 bits */
				case U_BSWAP16: f[x] = ((x & 1) << 1) | ((x >> 1) & 1); break;
				case U_BSWAP32: {
					uint64_t r = 0;
					for (int b = 0; b < 4; b++)
						r |= ((x >> b) & 1) << (3 - b);
					f[x] = r;
					break;
				}
				default: {
					uint64_t r = 0;
					for (int b = 0; b < 8; b++)
						r |= ((x >> b) & 1) << (7 - b);
					f[x] = r;
					break;
				}
				}
			}
			for (size_t i = 0; i < n; i++) {
				struct tnum a = all[i], r, best = best_unary(a, f);
				switch (op) {
				case U_NEG: r = t8_neg(a); break;
				case U_LSH: r = t8_lsh(a, k); break;
				case U_RSH: r = t8_rsh(a, k); break;
				case U_ARSH8: r = t8_arsh(a, k, 8); break;
				case U_ARSH4: r = t8_arsh(a, k, 4); break;
				case U_CAST4: r = t8_subreg(a); break;
				case U_SEXT4: r = t8_sext(a, 4); break;
				case U_SEXT2: r = t8_sext(a, 2); break;
				case U_BSWAP16: r = t8_bswap(a, 16); break;
				case U_BSWAP32: r = t8_bswap(a, 32); break;
				default: r = t8_bswap(a, 64); break;
				}
				/* neg is sub(0, a): sound, and optimal because sub is */
				if (r.value != best.value || r.mask != best.mask)
					wrong[op]++;
			}
		}
		printf("  w8 %-8s every tnum%s: %ld not exact\n", uname[op], kmax > 1 ? ", every k" : "",
		       wrong[op]);
		CHECK(wrong[op] == 0);
	}
	free(all);
}

/* range(min, max) is the smallest tnum holding [min, max]; next/prev find members exactly. */
static void test_range_next_w8(void)
{
	size_t n;
	struct tnum *all = all_tnums(8, &n);
	long bad_range = 0, bad_next = 0, bad_prev = 0, bad_aligned = 0;

	for (uint64_t lo = 0; lo < 256; lo++)
		for (uint64_t hi = lo; hi < 256; hi++) {
			struct tnum r = t8_range(lo, hi), best = t8_const(lo);
			for (uint64_t x = lo + 1; x <= hi; x++)
				best = t8_union(best, t8_const(x));
			if (r.value != best.value || r.mask != best.mask)
				bad_range++;
		}
	for (size_t i = 0; i < n; i++) {
		struct tnum a = all[i];
		for (uint64_t x = 0; x < 256; x++) {
			uint64_t y = 0, want;
			bool found = false, got = t8_next(a, x, &y);
			for (want = x; want < 256; want++)
				if (t8_contains(a, want)) {
					found = true;
					break;
				}
			if (got != found || (found && y != want))
				bad_next++;
			found = false;
			got = t8_prev(a, x, &y);
			for (want = x + 1; want-- > 0;)
				if (t8_contains(a, want)) {
					found = true;
					break;
				}
			if (got != found || (found && y != want))
				bad_prev++;
		}
		for (uint64_t size = 1; size <= 8; size <<= 1) {
			bool all_aligned = true;
			uint64_t m[256];
			unsigned nm = members(a, m);
			for (unsigned k = 0; k < nm; k++)
				if (m[k] % size)
					all_aligned = false;
			if (t8_is_aligned(a, size) != all_aligned)
				bad_aligned++;
		}
	}
	printf("  w8 range: 32896 intervals, %ld not optimal; next %ld, prev %ld, is_aligned %ld "
	       "wrong over %zu x 256\n", bad_range, bad_next, bad_prev, bad_aligned, n);
	CHECK(bad_range == 0);
	CHECK(bad_next == 0);
	CHECK(bad_prev == 0);
	CHECK(bad_aligned == 0);
	free(all);
}

/* The 64-bit instance: spot checks of precision on values the verifier meets. */
static void test_spot64(void)
{
	struct tnum r, u8 = tnum_range(0, 255);

	CHECK_EQ_U64(u8.value, 0);
	CHECK_EQ_U64(u8.mask, 0xff);
	r = tnum_add(u8, tnum_const(1));
	CHECK_EQ_U64(r.value, 0);
	CHECK_EQ_U64(r.mask, 0x1ff);
	r = tnum_mul(u8, tnum_const(4));
	CHECK_EQ_U64(r.value, 0);
	CHECK_EQ_U64(r.mask, 0x3fc);
	r = tnum_and(tnum_unknown(), tnum_const(0xf0));
	CHECK_EQ_U64(r.mask, 0xf0);
	r = tnum_sub(tnum_const(0), tnum_const(1));
	CHECK(tnum_is_const(r) && r.value == ~0ull);
	r = tnum_lsh(tnum_const(0xffffffffull), 32);
	CHECK_EQ_U64(r.value, 0xffffffff00000000ull);
	r = tnum_arsh(tnum_const(0x80000000ull), 31, 32);
	CHECK_EQ_U64(r.value, 0xffffffffull); /* 32-bit arsh zero-extends */
	r = tnum_arsh(tnum_const(0x8000000000000000ull), 63, 64);
	CHECK_EQ_U64(r.value, ~0ull);
	r = tnum_bswap(tnum_const(0x1122334455667788ull), 16);
	CHECK_EQ_U64(r.value, 0x8877);
	r = tnum_bswap(tnum_const(0x1122334455667788ull), 64);
	CHECK_EQ_U64(r.value, 0x8877665544332211ull);
	r = tnum_sext(tnum_const(0x80), 8);
	CHECK_EQ_U64(r.value, 0xffffffffffffff80ull);
	r = tnum_with_subreg(tnum_unknown(), tnum_const(5));
	CHECK_EQ_U64(r.value, 5);
	CHECK_EQ_U64(r.mask, 0xffffffff00000000ull);
	CHECK(tnum_in(tnum_unknown(), u8) && !tnum_in(u8, tnum_unknown()));
	uint64_t y;
	CHECK(tnum_next(tnum_range(0, 0xff00), 0x1ff, &y) && y == 0x1ff);
	CHECK(tnum_next((struct tnum){0x10, 0x0f}, 0x20, &y) == false);
	CHECK(tnum_prev((struct tnum){0x10, 0x0f}, 0xffffffffffffffffull, &y) && y == 0x1f);
	CHECK(tnum_next((struct tnum){0x8000000000000000ull, 0x3}, 5, &y) && y == 0x8000000000000000ull);
	CHECK(tnum_is_aligned(tnum_range(0, 0xff0), 1) && !tnum_is_aligned(u8, 2));
	r = tnum_range(0x100000000ull, 0x1ffffffffull);
	CHECK_EQ_U64(r.value, 0x100000000ull);
	CHECK_EQ_U64(r.mask, 0xffffffffull);
	r = tnum_range(0, ~0ull);
	CHECK_EQ_U64(r.mask, ~0ull);
}

int main(void)
{
	long samples = getenv("ASAN") ? 100000 : 400000;

	test_spot64();
	test_lattice_w6();
	test_unary_w8();
	test_range_next_w8();
	test_binary_w6();
	test_binary_w8(samples);
	return test_summary();
}
