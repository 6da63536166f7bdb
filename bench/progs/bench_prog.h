/* SPDX-License-Identifier: MIT */
/*
 * bench_prog.h - the frame around every benchmark program. Each bench/progs/<name>.c defines
 * one function, bench_body(p, end), over the input buffer [p, end); this header adds the entry
 * point for the build it is compiled in, so the same body runs everywhere:
 *   BENCH_VM      (clang -target bpf): u64 bench_entry(u8 *mem, u64 len), our run model
 *                 (R1 = input, R2 = its length)
 *   BENCH_KERNEL  (clang -target bpf): an XDP program; writes the result after the input
 *                 (at offset BENCH_LEN) so the test run hands back all 64 bits
 *   otherwise     (clang -O2 native): u64 BENCH_NATIVE_NAME(u8 *mem, u64 len)
 * The entry is the only non-static function, so it comes first in .text and the raw section
 * is a loadable program whose bench_body is the same code in both BPF builds.
 * Rules for bodies, so the kernel verifier accepts them: loops have constant trip counts,
 * input reads are after one bounds check (p + BENCH_LEN <= end), stack arrays are indexed
 * with masked indices, no maps, no helpers, no globals.
 */
#ifndef BENCH_PROG_H
#define BENCH_PROG_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define BENCH_LEN 1024
#define NOINLINE __attribute__((noinline))
#define INLINE static inline __attribute__((always_inline))

static NOINLINE u64 bench_body(u8 *p, u8 *end);

#if defined(BENCH_KERNEL)
struct bench_xdp_md { /* the leading fields of struct xdp_md */
	u32 data;
	u32 data_end;
};

int bench_entry(struct bench_xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data, *end = (u8 *)(long)ctx->data_end;
	u64 r = bench_body(data, end);

	if (data + BENCH_LEN + 8 <= end)
		*(u64 *)(data + BENCH_LEN) = r;
	return 2; /* XDP_PASS */
}
#elif defined(BENCH_VM)
u64 bench_entry(u8 *mem, u64 len)
{
	return bench_body(mem, mem + len);
}
#else
u64 BENCH_NATIVE_NAME(u8 *mem, u64 len);
u64 BENCH_NATIVE_NAME(u8 *mem, u64 len)
{
	return bench_body(mem, mem + len);
}
#endif

#endif
