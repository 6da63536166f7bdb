// SPDX-License-Identifier: MIT
/* raw_hash.bpf.c - a host-defined raw-memory program (SEC("userbpf/...")): R1 is the input
 * buffer and R2 its length. It hashes up to 256 bytes with a multiplier read from .rodata,
 * through a bpf-to-bpf call, counts its runs in .bss and remembers the last hash in .data. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u64 multiplier = 31;
const char greeting[] = "userbpf";
__u64 runs;
__u64 last_hash = 0x1234;

static __attribute__((noinline)) __u64 mix(__u64 acc, __u64 byte)
{
	return acc * multiplier + byte;
}

SEC("userbpf/hash")
int raw_hash(void *mem, __u64 len)
{
	const __u8 *p = mem;
	__u64 h = greeting[0];

	for (int i = 0; i < 256; i++) {
		if (i >= len)
			break;
		h = mix(h, p[i]);
	}
	runs++;
	last_hash = h;
	return (int)(h & 0x7fffffff);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
