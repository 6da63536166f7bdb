/* SPDX-License-Identifier: MIT */
/*
 * crc32.c - CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of the input, with the
 * nibble-at-a-time method: a 16-entry table built on the stack each run, two lookups a byte.
 */
#include "bench_prog.h"

static NOINLINE u64 bench_body(u8 *p, u8 *end)
{
	u32 tab[16];
	u32 crc = 0xffffffffu;

	if (p + BENCH_LEN > end)
		return 0;
	for (u32 n = 0; n < 16; n++) {
		u32 c = n;

		for (int k = 0; k < 4; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
		tab[n] = c;
	}
	for (int i = 0; i < BENCH_LEN; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ tab[crc & 15];
		crc = (crc >> 4) ^ tab[crc & 15];
	}
	return crc ^ 0xffffffffu;
}
