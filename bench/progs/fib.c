/* SPDX-License-Identifier: MIT */
/* fib.c - iterative Fibonacci (mod 2^64): 64 rounds of fib(90) from seeds taken from the input. */
#include "bench_prog.h"

static NOINLINE u64 bench_body(u8 *p, u8 *end)
{
	u64 acc = 0;

	if (p + BENCH_LEN > end)
		return 0;
	for (int k = 0; k < 64; k++) {
		u64 a = p[k], b = p[k + 64] | 1;

		for (int i = 0; i < 90; i++) {
			u64 t = a + b;

			a = b;
			b = t;
		}
		acc = acc * 31 + b;
	}
	return acc;
}
