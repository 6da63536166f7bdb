/* SPDX-License-Identifier: MIT */
/*
 * memcpy.c - a byte-by-byte copy loop: 16 passes copying the first half of the input to the
 * second half, each from a different rotation, with a checksum of a few copied bytes.
 */
#include "bench_prog.h"

static NOINLINE __attribute__((no_builtin("memcpy"))) u64 bench_body(u8 *p, u8 *end)
{
	u64 acc = 0;

	if (p + BENCH_LEN > end)
		return 0;
	for (u32 r = 0; r < 16; r++) {
		for (u32 i = 0; i < BENCH_LEN / 2; i++)
			p[BENCH_LEN / 2 + i] = p[(i + r * 37) & (BENCH_LEN / 2 - 1)];
		acc = acc * 131 + p[BENCH_LEN / 2 + r * 31] + p[BENCH_LEN - 1 - r];
	}
	return acc;
}
