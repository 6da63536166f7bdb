/* SPDX-License-Identifier: MIT */
/*
 * log2.c - floor(log2(v)) by bit tricks (smear the top bit down, then a De Bruijn multiply and a
 * 32-entry table on the stack) for every 32-bit word of the input and three shifts of it.
 */
#include "bench_prog.h"

INLINE u32 bench_log2(u32 v, const u8 *tab)
{
	v |= 1;
	v |= v >> 1;
	v |= v >> 2;
	v |= v >> 4;
	v |= v >> 8;
	v |= v >> 16;
	return tab[(u32)(v * 0x07C4ACDDu) >> 27];
}

static NOINLINE u64 bench_body(u8 *p, u8 *end)
{
	/*
	 * The De Bruijn position table {0, 9, 1, 10, 13, 21, 2, 29, 11, 14, 16, 18, 22, 25, 3, 30,
	 * 8, 12, 20, 28, 15, 17, 24, 7, 19, 27, 23, 6, 26, 5, 4, 31}, stored as four little-endian
	 * words: an initialised array would become a .rodata copy, which needs a relocation.
	 */
	u64 tab[4];
	u64 acc = 0;

	tab[0] = 0x1d02150d0a010900ull;
	tab[1] = 0x1e03191612100e0bull;
	tab[2] = 0x0718110f1c140c08ull;
	tab[3] = 0x1f04051a06171b13ull;

	if (p + BENCH_LEN > end)
		return 0;
	for (int i = 0; i < BENCH_LEN; i += 4) {
		u32 w = p[i] | (u32)p[i + 1] << 8 | (u32)p[i + 2] << 16 | (u32)p[i + 3] << 24;

		acc += bench_log2(w, (const u8 *)tab);
		acc += bench_log2(w >> 9, (const u8 *)tab) << 8;
		acc += bench_log2(w >> 19, (const u8 *)tab) << 16;
		acc += bench_log2(w >> 27, (const u8 *)tab) << 24;
	}
	return acc;
}
