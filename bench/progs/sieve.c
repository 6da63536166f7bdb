/* SPDX-License-Identifier: MIT */
/*
 * sieve.c - sieve of Eratosthenes over 2048 numbers in a 256-byte bit array on the stack, then
 * the prime count plus how many of the input's 16-bit words (mod 2048) are prime.
 */
#include "bench_prog.h"

#define SIEVE_N 2048

static NOINLINE u64 bench_body(u8 *p, u8 *end)
{
	u64 bits[SIEVE_N / 64]; /* bit set: composite */
	u64 count = 0;

	if (p + BENCH_LEN > end)
		return 0;
	for (int i = 0; i < SIEVE_N / 64; i++)
		bits[i] = 0;
	bits[0] = 3; /* 0 and 1 are not prime */
	for (u32 i = 2; i * i < SIEVE_N; i++) {
		if ((bits[i >> 6] >> (i & 63)) & 1)
			continue;
		for (u32 j = i * i; j < SIEVE_N; j += i)
			bits[(j >> 6) & 31] |= 1ull << (j & 63);
	}
	for (u32 i = 0; i < SIEVE_N; i++)
		count += ((bits[i >> 6] >> (i & 63)) & 1) ^ 1;
	for (u32 i = 0; i < BENCH_LEN; i += 2) {
		u32 v = (p[i] | (u32)p[i + 1] << 8) & (SIEVE_N - 1);

		count += (((bits[v >> 6] >> (v & 63)) & 1) ^ 1) << 16;
	}
	return count;
}
