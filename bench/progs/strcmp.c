/* SPDX-License-Identifier: MIT */
/*
 * strcmp.c - the input holds 16 NUL-terminated strings of up to 63 characters in 64-byte slots
 * (bench.c makes them share long prefixes); compare every ordered pair with strcmp semantics.
 */
#include "bench_prog.h"

INLINE int bench_strcmp(const u8 *a, const u8 *b)
{
	for (int k = 0; k < 64; k++) {
		u8 ca = a[k], cb = b[k];

		if (ca != cb)
			return (int)ca - (int)cb;
		if (!ca)
			return 0;
	}
	return 0;
}

static NOINLINE u64 bench_body(u8 *p, u8 *end)
{
	u64 acc = 0;

	if (p + BENCH_LEN > end)
		return 0;
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			acc = acc * 3 + (u64)(long)bench_strcmp(p + i * 64, p + j * 64);
	return acc;
}
