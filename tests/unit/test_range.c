/* SPDX-License-Identifier: MIT */
/*
 * test_range.c - the scalar domain (src/verifier/range_impl.h) instantiated at 8 bits (with a
 * 4-bit subregister) and checked against brute force, plus random checks and spot checks of
 * the 64-bit instance the library uses.
 *
 * 8 bits: every abstract value's concretisation is enumerated (256 candidates), so for a pair
 * of abstract values every concrete pair is checked:
 *   - sync never drops a value admitted by all five descriptions, and only reports
 *     "empty" when there is no such value;
 *   - every ALU op (64- and 32-bit forms), movsx, le/be/bswap: op(x, y) is in the result;
 *   - every jump condition (JMP and JMP32): refining for the taken and the fall-through
 *     side keeps every (x, y) that takes that side; "decided" is never wrong.
 * Abstract values come from a deterministic pool: tnums, unsigned and signed intervals, value
 * sets, raw combinations of all five descriptions, and hand-picked edge cases.
 */
#include <stdlib.h>

#include "test.h"

#define TNUM_W 8
#define TNUM_FN(n) t8_##n
#define TNUM_LINKAGE static __attribute__((unused))
#include "verifier/tnum_impl.h"
#undef TNUM_LINKAGE

#define RANGE_W 8
#define RANGE_FN(n) r8_##n
#define RANGE_LINKAGE static __attribute__((unused))
#include "verifier/range_impl.h"
#undef RANGE_W
#undef RANGE_FN
#undef RANGE_LINKAGE
#undef TNUM_W
#undef TNUM_FN

#include "verifier/range.h"

static bool quick; /* ASAN=1: smaller pools */

/* ---- deterministic randomness ---------------------------------------------------------- */

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- concrete 8-bit machine (subregister: low 4 bits) ---------------------------------- */

static int64_t sx(uint64_t x, unsigned bits)
{
	x &= (1u << bits) - 1;
	return (x >> (bits - 1)) & 1 ? (int64_t)x - ((int64_t)1 << bits) : (int64_t)x;
}

static uint64_t conc_alu(enum range_op op, uint64_t x, uint64_t y, bool is32)
{
	unsigned bits = is32 ? 4 : 8;
	uint64_t m = (1u << bits) - 1, r;
	int64_t sxv, syv, smin = -((int64_t)1 << (bits - 1));

	x &= m;
	y &= m;
	sxv = sx(x, bits);
	syv = sx(y, bits);
	switch (op) {
	case RANGE_ADD: r = x + y; break;
	case RANGE_SUB: r = x - y; break;
	case RANGE_MUL: r = x * y; break;
	case RANGE_DIV: r = y ? x / y : 0; break;
	case RANGE_SDIV:
		r = !syv ? 0 : (sxv == smin && syv == -1) ? (uint64_t)smin : (uint64_t)(sxv / syv);
		break;
	case RANGE_MOD: r = y ? x % y : x; break;
	case RANGE_SMOD:
		r = !syv ? x : (sxv == smin && syv == -1) ? 0 : (uint64_t)(sxv % syv);
		break;
	case RANGE_AND: r = x & y; break;
	case RANGE_OR: r = x | y; break;
	case RANGE_XOR: r = x ^ y; break;
	case RANGE_LSH: r = x << (y & (bits - 1)); break; /* amounts masked like the ISA's */
	case RANGE_RSH: r = x >> (y & (bits - 1)); break;
	case RANGE_ARSH: r = (uint64_t)(sxv >> (y & (bits - 1))); break;
	case RANGE_NEG: r = 0 - x; break;
	default: r = y; break;
	}
	return r & m; /* 32-bit forms zero-extend */
}

static bool conc_cond(enum range_cond c, uint64_t x, uint64_t y, bool is32)
{
	unsigned bits = is32 ? 4 : 8;
	uint64_t m = (1u << bits) - 1;
	int64_t sxv, syv;

	x &= m;
	y &= m;
	sxv = sx(x, bits);
	syv = sx(y, bits);
	switch (c) {
	case RANGE_EQ: return x == y;
	case RANGE_NE: return x != y;
	case RANGE_GT: return x > y;
	case RANGE_GE: return x >= y;
	case RANGE_LT: return x < y;
	case RANGE_LE: return x <= y;
	case RANGE_SGT: return sxv > syv;
	case RANGE_SGE: return sxv >= syv;
	case RANGE_SLT: return sxv < syv;
	case RANGE_SLE: return sxv <= syv;
	case RANGE_SET: return (x & y) != 0;
	default: return (x & y) == 0;
	}
}

/* ---- abstract values and their members ------------------------------------------------- */

struct absval {
	struct range r;
	uint8_t mem[256];
	uint16_t n;
	uint8_t bitmap[32];
};

static void fill_members(struct absval *a)
{
	a->n = 0;
	memset(a->bitmap, 0, sizeof(a->bitmap));
	for (unsigned x = 0; x < 256; x++)
		if (r8_contains(&a->r, x)) {
			a->mem[a->n++] = (uint8_t)x;
			a->bitmap[x >> 3] |= (uint8_t)(1u << (x & 7));
		}
}

static bool has(const uint8_t *bitmap, unsigned x)
{
	return (bitmap[x >> 3] >> (x & 7)) & 1;
}

/* Tightest description of a set of values (what a precise analysis could know). */
static void from_set(struct range *r, const uint8_t *v, unsigned n)
{
	r->var_off = t8_const(v[0]);
	r->umin = r->umax = v[0];
	r->smin = r->smax = sx(v[0], 8);
	r->u32_min = r->u32_max = v[0] & 15;
	r->s32_min = r->s32_max = (int32_t)sx(v[0], 4);
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		r->var_off = t8_union(r->var_off, t8_const(x));
		if (x < r->umin) r->umin = x;
		if (x > r->umax) r->umax = x;
		if (sx(x, 8) < r->smin) r->smin = sx(x, 8);
		if (sx(x, 8) > r->smax) r->smax = sx(x, 8);
		if ((x & 15) < r->u32_min) r->u32_min = x & 15;
		if ((x & 15) > r->u32_max) r->u32_max = x & 15;
		if (sx(x, 4) < r->s32_min) r->s32_min = (int32_t)sx(x, 4);
		if (sx(x, 4) > r->s32_max) r->s32_max = (int32_t)sx(x, 4);
	}
}

static struct tnum rand_tnum(void)
{
	uint64_t v = 0, m = 0;
	unsigned p = (unsigned)(rnd() % 4); /* how many unknown bits, roughly */

	for (unsigned i = 0; i < 8; i++) {
		unsigned k = (unsigned)(rnd() % 8);
		if (k < p + 1)
			m |= 1u << i;
		else if (k & 1)
			v |= 1u << i;
	}
	return (struct tnum){v & ~m, m};
}

static void rand_interval(uint64_t *lo, uint64_t *hi, unsigned bits)
{
	uint64_t m = (1u << bits) - 1, a = rnd() & m, b = rnd() & m;

	if (rnd() % 3 == 0)
		b = (a + rnd() % 8) & m; /* narrow ones too */
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

/* A raw (unsynchronised) random combination of the five descriptions. */
static void rand_raw(struct range *r)
{
	uint64_t lo, hi;

	r8_unknown(r);
	if (rnd() % 2)
		r->var_off = rand_tnum();
	if (rnd() % 2) {
		rand_interval(&lo, &hi, 8);
		r->umin = lo;
		r->umax = hi;
	}
	if (rnd() % 2) {
		rand_interval(&lo, &hi, 8);
		r->smin = sx(lo, 8) < sx(hi, 8) ? sx(lo, 8) : sx(hi, 8);
		r->smax = sx(lo, 8) < sx(hi, 8) ? sx(hi, 8) : sx(lo, 8);
	}
	if (rnd() % 2) {
		rand_interval(&lo, &hi, 4);
		r->u32_min = (uint32_t)lo;
		r->u32_max = (uint32_t)hi;
	}
	if (rnd() % 2) {
		rand_interval(&lo, &hi, 4);
		r->s32_min = (int32_t)(sx(lo, 4) < sx(hi, 4) ? sx(lo, 4) : sx(hi, 4));
		r->s32_max = (int32_t)(sx(lo, 4) < sx(hi, 4) ? sx(hi, 4) : sx(lo, 4));
	}
}

/* Concretisation of a raw (possibly inconsistent) description, as a bitmap. */
static unsigned raw_members(const struct range *r, uint8_t *bitmap)
{
	unsigned n = 0;

	memset(bitmap, 0, 32);
	if (r->umin > r->umax || r->smin > r->smax || r->u32_min > r->u32_max ||
	    r->s32_min > r->s32_max)
		return 0;
	for (unsigned x = 0; x < 256; x++)
		if (r8_contains(r, x)) {
			bitmap[x >> 3] |= (uint8_t)(1u << (x & 7));
			n++;
		}
	return n;
}

/* One pool entry of the given kind; returns false if it describes no value. */
static bool gen(struct absval *a, unsigned kind)
{
	uint8_t v[16];
	unsigned n;
	uint64_t lo, hi;

	switch (kind % 6) {
	case 0: /* a tnum */
		if (!r8_from_tnum(&a->r, rand_tnum()))
			return false;
		break;
	case 1: /* an unsigned interval */
		rand_interval(&lo, &hi, 8);
		r8_unknown(&a->r);
		a->r.umin = lo;
		a->r.umax = hi;
		if (!r8_sync(&a->r))
			return false;
		break;
	case 2: /* a signed interval */
		rand_interval(&lo, &hi, 8);
		r8_unknown(&a->r);
		a->r.smin = sx(lo ^ 0x80, 8);
		a->r.smax = sx(hi ^ 0x80, 8);
		if (!r8_sync(&a->r))
			return false;
		break;
	case 3: /* a set of scattered or clustered values */
		n = 1 + (unsigned)(rnd() % 6);
		lo = rnd() & 0xff;
		for (unsigned i = 0; i < n; i++)
			v[i] = (uint8_t)(rnd() % 2 ? rnd() : lo + rnd() % 5);
		from_set(&a->r, v, n);
		if (!r8_sync(&a->r))
			return false;
		break;
	case 4: /* a subregister interval only */
		rand_interval(&lo, &hi, 4);
		r8_unknown(&a->r);
		if (rnd() % 2) {
			a->r.u32_min = (uint32_t)lo;
			a->r.u32_max = (uint32_t)hi;
		} else {
			a->r.s32_min = (int32_t)sx(lo ^ 8, 4);
			a->r.s32_max = (int32_t)sx(hi ^ 8, 4);
		}
		if (rnd() % 2) {
			rand_interval(&lo, &hi, 8);
			a->r.umin = lo;
			a->r.umax = hi;
		}
		if (!r8_sync(&a->r))
			return false;
		break;
	default:
		rand_raw(&a->r);
		if (!r8_sync(&a->r))
			return false;
		break;
	}
	fill_members(a);
	return a->n > 0;
}

static struct absval *make_pool(unsigned want, unsigned *count)
{
	struct absval *p = calloc(want + 16, sizeof(*p));
	unsigned n = 0;
	static const uint8_t specials[] = {0, 1, 7, 8, 15, 16, 127, 128, 255, 0xf0};

	r8_unknown(&p[n].r);
	fill_members(&p[n++]);
	for (unsigned i = 0; i < sizeof(specials); i++) {
		r8_const(&p[n].r, specials[i]);
		fill_members(&p[n++]);
	}
	while (n < want)
		if (gen(&p[n], (unsigned)rnd()))
			n++;
	*count = n;
	return p;
}

/* ---- the checks ------------------------------------------------------------------------ */

/* sync keeps every value of a raw description and says "empty" only when it is. */
static void test_sync(long samples)
{
	long lost = 0, false_empty = 0, checked = 0, raw_values = 0;
	uint8_t before[32];

	for (long k = 0; k < samples; k++) {
		struct range r;
		unsigned n;

		rand_raw(&r);
		n = raw_members(&r, before);
		raw_values += n;
		if (!r8_sync(&r)) {
			if (n)
				false_empty++;
			continue;
		}
		checked++;
		for (unsigned x = 0; x < 256; x++)
			if (has(before, x) && !r8_contains(&r, x))
				lost++;
	}
	printf("  sync: %ld raw descriptions (%ld values), %ld consistent: %ld values lost, %ld "
	       "wrongly empty\n", samples, raw_values, checked, lost, false_empty);
	CHECK(checked > samples / 10);
	CHECK(lost == 0);
	CHECK(false_empty == 0);
}

static const char *const op_name[] = {"add", "sub", "mul", "div", "sdiv", "mod", "smod", "and",
				      "or",  "xor", "lsh", "rsh", "arsh", "neg", "mov"};

static void test_alu(const struct absval *pool, unsigned n)
{
	static uint8_t table[256][256];

	for (int op = RANGE_ADD; op <= RANGE_MOV; op++)
		for (int is32 = 0; is32 < 2; is32++) {
			long pairs = 0, members = 0, missed = 0, empty = 0;

			for (unsigned x = 0; x < 256; x++)
				for (unsigned y = 0; y < 256; y++)
					table[x][y] = (uint8_t)conc_alu(op, x, y, is32);
			for (unsigned i = 0; i < n; i++)
				for (unsigned j = 0; j < n; j++) {
					const struct absval *a = &pool[i], *b = &pool[j];
					struct absval r;

					r.r = a->r;
					pairs++;
					if (!r8_alu(&r.r, &b->r, op, is32)) {
						empty++;
						continue;
					}
					fill_members(&r);
					for (unsigned p = 0; p < a->n; p++) {
						const uint8_t *row = table[a->mem[p]];
						for (unsigned q = 0; q < b->n; q++)
							if (!has(r.bitmap, row[b->mem[q]]) && missed++ < 3)
								fprintf(stderr, "%s%s: %u op %u = %u missing\n",
									op_name[op], is32 ? "32" : "",
									a->mem[p], b->mem[q],
									row[b->mem[q]]);
						members += b->n;
					}
				}
			printf("  alu %-4s%-2s %7ld pairs %11ld value pairs: %ld missed, %ld empty\n",
			       op_name[op], is32 ? "32" : "", pairs, members, missed, empty);
			CHECK(missed == 0);
			CHECK(empty == 0);
		}
}

static uint64_t bitrev(uint64_t x, unsigned n)
{
	uint64_t r = 0;

	for (unsigned i = 0; i < n; i++)
		r |= ((x >> i) & 1) << (n - 1 - i);
	return r;
}

/* movsx and byte swaps: unary, every pool entry, every width of the scaled machine. */
static void test_unary(const struct absval *pool, unsigned n)
{
	long missed = 0, checked = 0, empty = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct absval *a = &pool[i];
		for (unsigned bits = 1; bits <= 4; bits++)
			for (int is32 = 0; is32 < 2; is32++) {
				struct absval r;

				if (is32 && bits == 4)
					continue; /* movsx32 exists for 8 and 16 (here 1 and 2) bits */
				if (!r8_movsx(&r.r, &a->r, bits, is32)) {
					empty++;
					continue;
				}
				fill_members(&r);
				for (unsigned p = 0; p < a->n; p++) {
					uint64_t v = (uint64_t)sx(a->mem[p], bits);
					v &= is32 ? 15 : 255;
					checked++;
					if (!has(r.bitmap, (unsigned)v))
						missed++;
				}
			}
		for (unsigned nominal = 16; nominal <= 64; nominal *= 2)
			for (int swap = 0; swap < 2; swap++) {
				struct absval r;
				unsigned field = nominal / 8;

				r.r = a->r;
				if (!r8_end(&r.r, nominal, swap)) {
					empty++;
					continue;
				}
				fill_members(&r);
				for (unsigned p = 0; p < a->n; p++) {
					uint64_t v = a->mem[p] & ((1u << field) - 1);
					if (field == 8)
						v = a->mem[p];
					if (swap)
						v = bitrev(v, field);
					checked++;
					if (!has(r.bitmap, (unsigned)v))
						missed++;
				}
			}
	}
	printf("  movsx/end: %u values x 13 forms, %ld checks: %ld missed, %ld empty\n", n, checked,
	       missed, empty);
	CHECK(missed == 0);
	CHECK(empty == 0);
}

static const char *const cond_name[] = {"eq", "ne",  "gt",  "ge",  "lt",  "le",
					"sgt", "sge", "slt", "sle", "set", "nset"};

static void test_branches(const struct absval *pool, unsigned n)
{
	for (int c = 0; c < RANGE_COND__COUNT; c++)
		for (int is32 = 0; is32 < 2; is32++) {
			long pairs = 0, values = 0, lost = 0, wrong_decide = 0, decided = 0;
			long wrong_empty = 0;

			for (unsigned i = 0; i < n; i++)
				for (unsigned j = 0; j < n; j++) {
					const struct absval *a = &pool[i], *b = &pool[j];
					struct absval ta, tb;
					int d = r8_decide(&a->r, &b->r, c, is32);
					bool any = false, all = true, ok;

					ta.r = a->r;
					tb.r = b->r;
					ok = r8_refine(&ta.r, &tb.r, c, is32);
					if (ok) {
						fill_members(&ta);
						fill_members(&tb);
					}
					pairs++;
					for (unsigned p = 0; p < a->n; p++)
						for (unsigned q = 0; q < b->n; q++) {
							unsigned x = a->mem[p], y = b->mem[q];
							bool t = conc_cond(c, x, y, is32);

							values++;
							any |= t;
							all &= t;
							if (!t)
								continue;
							if (!ok) {
								wrong_empty++;
							} else if (!has(ta.bitmap, x) || !has(tb.bitmap, y)) {
								if (lost++ < 3)
									fprintf(stderr,
										"%s%s: %u, %u lost\n",
										cond_name[c],
										is32 ? "32" : "", x, y);
							}
						}
					if (d >= 0)
						decided++;
					if ((d == 1 && !all) || (d == 0 && any))
						wrong_decide++;
				}
			printf("  jmp %-4s%-2s %7ld pairs %11ld value pairs: %ld lost, %ld wrongly "
			       "infeasible, %ld decided, %ld wrongly\n", cond_name[c],
			       is32 ? "32" : "", pairs, values, lost, wrong_empty, decided,
			       wrong_decide);
			CHECK(lost == 0);
			CHECK(wrong_empty == 0);
			CHECK(wrong_decide == 0);
			CHECK(decided > 0);
		}
}

/* ---- 64-bit instance: random sets of values, and precision spot checks ------------------ */

static int64_t s64(uint64_t x)
{
	return (int64_t)x;
}

static uint64_t conc64(enum range_op op, uint64_t x, uint64_t y, bool is32)
{
	if (is32) {
		uint32_t a = (uint32_t)x, b = (uint32_t)y, r;
		int32_t sa = (int32_t)a, sb = (int32_t)b;
		switch (op) {
		case RANGE_ADD: r = a + b; break;
		case RANGE_SUB: r = a - b; break;
		case RANGE_MUL: r = a * b; break;
		case RANGE_DIV: r = b ? a / b : 0; break;
		case RANGE_SDIV: r = !sb ? 0 : (sa == INT32_MIN && sb == -1) ? a : (uint32_t)(sa / sb); break;
		case RANGE_MOD: r = b ? a % b : a; break;
		case RANGE_SMOD: r = !sb ? a : (sa == INT32_MIN && sb == -1) ? 0 : (uint32_t)(sa % sb); break;
		case RANGE_AND: r = a & b; break;
		case RANGE_OR: r = a | b; break;
		case RANGE_XOR: r = a ^ b; break;
		case RANGE_LSH: r = a << (b & 31); break;
		case RANGE_RSH: r = a >> (b & 31); break;
		case RANGE_ARSH: r = (uint32_t)(sa >> (b & 31)); break;
		case RANGE_NEG: r = 0 - a; break;
		default: r = b; break;
		}
		return r;
	}
	switch (op) {
	case RANGE_ADD: return x + y;
	case RANGE_SUB: return x - y;
	case RANGE_MUL: return x * y;
	case RANGE_DIV: return y ? x / y : 0;
	case RANGE_SDIV: return !y ? 0 : (s64(x) == INT64_MIN && s64(y) == -1) ? x : (uint64_t)(s64(x) / s64(y));
	case RANGE_MOD: return y ? x % y : x;
	case RANGE_SMOD: return !y ? x : (s64(x) == INT64_MIN && s64(y) == -1) ? 0 : (uint64_t)(s64(x) % s64(y));
	case RANGE_AND: return x & y;
	case RANGE_OR: return x | y;
	case RANGE_XOR: return x ^ y;
	case RANGE_LSH: return x << (y & 63);
	case RANGE_RSH: return x >> (y & 63);
	case RANGE_ARSH: return (uint64_t)(s64(x) >> (y & 63));
	case RANGE_NEG: return 0 - x;
	default: return y;
	}
}

static bool cond64(enum range_cond c, uint64_t x, uint64_t y, bool is32)
{
	if (is32) {
		x = (uint32_t)x;
		y = (uint32_t)y;
	}
	int64_t sa = is32 ? (int32_t)(uint32_t)x : s64(x), sb = is32 ? (int32_t)(uint32_t)y : s64(y);
	switch (c) {
	case RANGE_EQ: return x == y;
	case RANGE_NE: return x != y;
	case RANGE_GT: return x > y;
	case RANGE_GE: return x >= y;
	case RANGE_LT: return x < y;
	case RANGE_LE: return x <= y;
	case RANGE_SGT: return sa > sb;
	case RANGE_SGE: return sa >= sb;
	case RANGE_SLT: return sa < sb;
	case RANGE_SLE: return sa <= sb;
	case RANGE_SET: return (x & y) != 0;
	default: return (x & y) == 0;
	}
}

/* Interesting 64-bit values: near 0, the sign bits of both widths, and the extremes. */
static uint64_t rand64(uint64_t base)
{
	static const uint64_t anchors[] = {0,
					   0x7fffffffull,
					   0x80000000ull,
					   0xffffffffull,
					   0x100000000ull,
					   0x7fffffffffffffffull,
					   0x8000000000000000ull,
					   0xffffffffffffffffull,
					   0xffffffff00000000ull,
					   0x1ffffffffull};

	switch (rnd() % 4) {
	case 0: return anchors[rnd() % 10] + (rnd() % 7) - 3;
	case 1: return base + rnd() % 64;
	case 2: return rnd() >> (rnd() % 64);
	default: return rnd();
	}
}

static void set64(struct range *r, const uint64_t *v, unsigned n)
{
	r->var_off = tnum_const(v[0]);
	r->umin = r->umax = v[0];
	r->smin = r->smax = s64(v[0]);
	r->u32_min = r->u32_max = (uint32_t)v[0];
	r->s32_min = r->s32_max = (int32_t)(uint32_t)v[0];
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		r->var_off = tnum_union(r->var_off, tnum_const(x));
		if (x < r->umin) r->umin = x;
		if (x > r->umax) r->umax = x;
		if (s64(x) < r->smin) r->smin = s64(x);
		if (s64(x) > r->smax) r->smax = s64(x);
		if ((uint32_t)x < r->u32_min) r->u32_min = (uint32_t)x;
		if ((uint32_t)x > r->u32_max) r->u32_max = (uint32_t)x;
		if ((int32_t)(uint32_t)x < r->s32_min) r->s32_min = (int32_t)(uint32_t)x;
		if ((int32_t)(uint32_t)x > r->s32_max) r->s32_max = (int32_t)(uint32_t)x;
	}
}

static void rand_set64(uint64_t *v, unsigned *n, struct range *r)
{
	uint64_t base = rand64(0);

	*n = 1 + (unsigned)(rnd() % 5);
	for (unsigned i = 0; i < *n; i++)
		v[i] = rnd() % 3 ? base + rnd() % 16 : rand64(base);
	set64(r, v, *n);
}

static void test_random64(long samples)
{
	long lost_sync = 0, missed = 0, lost_branch = 0, wrong_decide = 0, empty = 0;

	for (long k = 0; k < samples; k++) {
		uint64_t va[8], vb[8];
		unsigned na, nb;
		struct range a, b, r;

		rand_set64(va, &na, &a);
		rand_set64(vb, &nb, &b);
		if (!range_sync(&a) || !range_sync(&b)) {
			empty++;
			continue;
		}
		for (unsigned i = 0; i < na; i++)
			lost_sync += !range_contains(&a, va[i]);
		if (rnd() % 4 == 0) { /* small shift amounts are the interesting ones */
			for (unsigned j = 0; j < nb; j++)
				vb[j] = rnd() % 70;
			set64(&b, vb, nb);
			range_sync(&b);
		}
		for (int op = RANGE_ADD; op <= RANGE_MOV; op++)
			for (int is32 = 0; is32 < 2; is32++) {
				r = a;
				if (!range_alu(&r, &b, op, is32)) {
					empty++;
					continue;
				}
				for (unsigned i = 0; i < na; i++)
					for (unsigned j = 0; j < nb; j++)
						if (!range_contains(&r, conc64(op, va[i], vb[j], is32)) &&
						    missed++ < 3)
							fprintf(stderr, "64-bit %s%s %#llx %#llx\n",
								op_name[op], is32 ? "32" : "",
								(unsigned long long)va[i],
								(unsigned long long)vb[j]);
			}
		for (int c = 0; c < RANGE_COND__COUNT; c++)
			for (int is32 = 0; is32 < 2; is32++) {
				struct range x = a, y = b;
				bool ok = range_refine(&x, &y, c, is32), any = false, all = true;
				int d = range_decide(&a, &b, c, is32);

				for (unsigned i = 0; i < na; i++)
					for (unsigned j = 0; j < nb; j++) {
						bool t = cond64(c, va[i], vb[j], is32);
						any |= t;
						all &= t;
						if (t && (!ok || !range_contains(&x, va[i]) ||
							  !range_contains(&y, vb[j])))
							lost_branch++;
					}
				if ((d == 1 && !all) || (d == 0 && any))
					wrong_decide++;
			}
	}
	printf("  random 64-bit: %ld pairs of value sets: sync lost %ld, alu missed %ld, branch "
	       "lost %ld, decide wrong %ld, empty %ld\n", samples, lost_sync, missed, lost_branch,
	       wrong_decide, empty);
	CHECK(lost_sync == 0);
	CHECK(missed == 0);
	CHECK(lost_branch == 0);
	CHECK(wrong_decide == 0);
	CHECK(empty == 0);
}

static struct range k64(uint64_t v)
{
	struct range r;

	range_const(&r, v);
	return r;
}

static struct range u64r(uint64_t lo, uint64_t hi)
{
	struct range r;

	range_unknown(&r);
	r.umin = lo;
	r.umax = hi;
	range_sync(&r);
	return r;
}

/* Precision the verifier relies on, on the values of the design notes' examples. */
static void test_spot64(void)
{
	struct range r, s, k;

	/* [0,7] negated is [-7,0] */
	r = u64r(0, 7);
	range_alu(&r, &r, RANGE_NEG, false);
	CHECK(r.smin == -7 && r.smax == 0);
	/* w2 = -1 is 0x00000000ffffffff */
	range_unknown(&r);
	k = k64((uint32_t)-1);
	range_alu(&r, &k, RANGE_MOV, true);
	CHECK(range_is_const(&r) && r.var_off.value == 0xffffffffull);
	/* w1 += 1 on 0xffffffff wraps to 0; >> 32 is 0; -1; << 20 */
	r = k64(0xffffffff);
	k = k64(1);
	range_alu(&r, &k, RANGE_ADD, true);
	CHECK(range_is_const(&r) && r.var_off.value == 0);
	/* w1 >>= 1 on 0x100000000 is 0 */
	r = k64(0x100000000ull);
	range_alu(&r, &k, RANGE_RSH, true);
	CHECK(range_is_const(&r) && r.var_off.value == 0);
	/* r >= 1 says nothing about w: 0x100000000 has low word 0 */
	r = u64r(1, ~0ull);
	CHECK(r.u32_min == 0);
	/* s64 [-1, 1] gives s32 [-1, 1] */
	range_unknown(&r);
	r.smin = -1;
	r.smax = 1;
	range_sync(&r);
	CHECK(r.s32_min == -1 && r.s32_max == 1);
	/* r &= 0xff */
	range_unknown(&r);
	k = k64(0xff);
	range_alu(&r, &k, RANGE_AND, false);
	CHECK(r.umin == 0 && r.umax == 255 && r.smin == 0 && r.smax == 255 && r.var_off.mask == 0xff);
	/* if r6 > 8 (not taken): r6 <= 8, var_off (0; 0xf) */
	range_unknown(&r);
	k = k64(8);
	CHECK(range_refine(&r, &k, range_cond_negate(RANGE_GT), false));
	CHECK(r.umin == 0 && r.umax == 8 && r.smin == 0 && r.smax == 8 && r.var_off.mask == 0xf);
	CHECK(k.umin == 8 && k.umax == 8); /* the immediate's copy stays the constant */
	/* taken: r6 >= 9 */
	range_unknown(&r);
	k = k64(8);
	CHECK(range_refine(&r, &k, RANGE_GT, false));
	CHECK(r.umin == 9 && r.umax == ~0ull);
	/* JMP32: w > 8 taken gives u32_min 9 but no 64-bit lower bound above 0... */
	range_unknown(&r);
	k = k64(8);
	CHECK(range_refine(&r, &k, RANGE_GT, true));
	CHECK(r.u32_min == 9 && r.umin == 9); /* ...except the smallest such value, 9 */
	/* decided branches */
	r = u64r(0, 7);
	k = k64(8);
	CHECK(range_decide(&r, &k, RANGE_LT, false) == 1);
	CHECK(range_decide(&r, &k, RANGE_EQ, false) == 0);
	CHECK(range_decide(&r, &k, RANGE_SET, false) == 0);
	/* (s8) sign extension: smin = -128, smax = 127 */
	range_unknown(&s);
	range_movsx(&r, &s, 8, false);
	CHECK(r.smin == -128 && r.smax == 127);
	/* be16 gives [0, 0xffff] */
	range_unknown(&r);
	range_end(&r, 16, true);
	CHECK(r.umin == 0 && r.umax == 0xffff);
	/* 64-bit shift by an unknown amount < 64 of [0, 1]: at most 1 << 63 */
	r = u64r(0, 1);
	s = u64r(0, 63);
	range_alu(&r, &s, RANGE_LSH, false);
	CHECK(r.umax == 0x8000000000000000ull);
	/* div / mod are tracked: [0, 100] / [2, 4] = [0, 50]; % 10 = [0, 9] */
	r = u64r(0, 100);
	s = u64r(2, 4);
	range_alu(&r, &s, RANGE_DIV, false);
	CHECK(r.umin == 0 && r.umax == 50);
	r = u64r(0, 100);
	k = k64(10);
	range_alu(&r, &k, RANGE_MOD, false);
	CHECK(r.umax == 9);
	/* add wraps both ends the same way: [U-1, U] + 2 = [0, 1] */
	r = u64r(~0ull - 1, ~0ull);
	k = k64(2);
	range_alu(&r, &k, RANGE_ADD, false);
	CHECK(r.umin == 0 && r.umax == 1);
	/* mul of small ranges */
	r = u64r(2, 3);
	s = u64r(4, 5);
	range_alu(&r, &s, RANGE_MUL, false);
	CHECK(r.umin == 8 && r.umax == 15);
	/* within: [2, 3] within [0, 7], not the reverse */
	r = u64r(0, 7);
	s = u64r(2, 3);
	CHECK(range_within(&r, &s) && !range_within(&s, &r));
	/* refine NE against a bound shaves it */
	r = u64r(0, 7);
	k = k64(0);
	CHECK(range_refine(&r, &k, RANGE_NE, false) && r.umin == 1);
	/* JSET with a single bit pins it; not-set clears it */
	range_unknown(&r);
	k = k64(4);
	CHECK(range_refine(&r, &k, RANGE_SET, false) && (r.var_off.value & 4));
	range_unknown(&r);
	k = k64(4);
	CHECK(range_refine(&r, &k, RANGE_NSET, false) && !(r.var_off.mask & 4));
	/* infeasible: [0, 7] > 8 */
	r = u64r(0, 7);
	k = k64(8);
	CHECK(!range_refine(&r, &k, RANGE_GT, false));
}

int main(void)
{
	unsigned n;
	struct absval *pool;

	quick = getenv("ASAN") != NULL;
	test_spot64();
	test_sync(quick ? 20000 : 200000);
	test_random64(quick ? 5000 : 50000);
	pool = make_pool(quick ? 2000 : 20000, &n);
	test_unary(pool, n);
	free(pool);
	pool = make_pool(quick ? 80 : 180, &n);
	test_alu(pool, n);
	test_branches(pool, n);
	free(pool);
	return test_summary();
}
