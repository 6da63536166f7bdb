/* SPDX-License-Identifier: MIT */
/*
 * switch.c - switch dispatch: a tiny accumulator machine whose opcodes are the input bytes
 * (low 3 bits select one of 8 operations, the high bits are the operand).
 */
#include "bench_prog.h"

static NOINLINE u64 bench_body(u8 *p, u8 *end)
{
	u64 acc = 1, x = 7;

	if (p + BENCH_LEN > end)
		return 0;
	for (int i = 0; i < BENCH_LEN; i++) {
		u32 op = p[i], arg = op >> 3;

		switch (op & 7) {
		case 0: acc += arg; break;
		case 1: acc -= x; break;
		case 2: acc ^= x << (arg & 15); break;
		case 3: x = x * 31 + arg; break;
		case 4: acc = (acc << 3) | (acc >> 61); break;
		case 5: x ^= acc; break;
		case 6: acc *= arg | 1; break;
		default: x += acc >> 7; break;
		}
	}
	return acc ^ x;
}
