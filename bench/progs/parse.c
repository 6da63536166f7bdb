/* SPDX-License-Identifier: MIT */
/*
 * parse.c - an Ethernet (optionally 802.1Q-tagged) / IPv4 / TCP header parser over the 16
 * 64-byte frames of the input (bench.c builds them: TCP, UDP, ARP, tagged, with IP options),
 * 32 passes with different hash seeds; hashes addresses, ports and flags of TCP frames.
 */
#include "bench_prog.h"

INLINE u64 bench_parse(u8 *f, u8 *end, u64 h)
{
	u8 *ip;
	u32 proto, ihl, tot;
	u16 eth;

	if (f + 14 > end)
		return h;
	eth = (u16)(f[12] << 8 | f[13]);
	ip = f + 14;
	if (eth == 0x8100) { /* 802.1Q tag */
		if (f + 18 > end)
			return h;
		eth = (u16)(f[16] << 8 | f[17]);
		ip = f + 18;
	}
	if (eth != 0x0800)
		return h ^ eth;
	if (ip + 20 > end)
		return h;
	if ((ip[0] >> 4) != 4)
		return h + 1;
	ihl = (ip[0] & 15) * 4;
	tot = (u32)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot < ihl)
		return h + 2;
	proto = ip[9];
	if (proto != 6)
		return h * 5 + proto;
	h = (h ^ ((u64)ip[12] << 24 | (u64)ip[13] << 16 | (u64)ip[14] << 8 | ip[15])) * 0x100000001b3ull;
	h = (h ^ ((u64)ip[16] << 24 | (u64)ip[17] << 16 | (u64)ip[18] << 8 | ip[19])) * 0x100000001b3ull;
	{
		u8 *tcp = ip + ihl;

		if (tcp + 20 > end)
			return h;
		h = (h ^ ((u32)tcp[0] << 8 | tcp[1])) * 0x100000001b3ull;
		h = (h ^ ((u32)tcp[2] << 8 | tcp[3])) * 0x100000001b3ull;
		h = (h ^ (tcp[13] & 0x3f) ^ (u64)(tcp[12] >> 4) << 8) * 0x100000001b3ull;
	}
	return h;
}

static NOINLINE u64 bench_body(u8 *p, u8 *end)
{
	u64 acc = 0;

	if (p + BENCH_LEN > end)
		return 0;
	for (u32 pass = 0; pass < 32; pass++) {
		u64 h = 0xcbf29ce484222325ull + pass;

		for (u32 k = 0; k < 16; k++)
			h = bench_parse(p + k * 64, end, h);
		acc += h;
	}
	return acc;
}
