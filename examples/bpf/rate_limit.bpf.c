// SPDX-License-Identifier: MIT
/* rate_limit.bpf.c - a per-source token bucket: an LRU hash keyed by the IPv4 source address
 * holds each source's tokens and the time they were last refilled; a packet that finds no
 * token is dropped. The LRU map forgets the least recently seen sources when it is full. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct bucket {
	__u64 last_ns;
	__u64 tokens;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, struct bucket);
	__uint(max_entries, 4096);
} buckets SEC(".maps");

const volatile __u64 rate_per_sec = 10; /* tokens added per second */
const volatile __u64 burst = 5;         /* bucket size */

SEC("xdp")
int xdp_rate_limit(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u64 now = bpf_ktime_get_ns();
	struct bucket *b, fresh;
	__u32 src;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	src = ip->saddr;
	b = bpf_map_lookup_elem(&buckets, &src);
	if (!b) {
		fresh.last_ns = now;
		fresh.tokens = burst - 1;
		bpf_map_update_elem(&buckets, &src, &fresh, BPF_ANY);
		return XDP_PASS;
	}
	if (now > b->last_ns) {
		__u64 add = (now - b->last_ns) * rate_per_sec / 1000000000ull;

		if (add) {
			b->tokens = b->tokens + add > burst ? burst : b->tokens + add;
			b->last_ns = now;
		}
	}
	if (b->tokens == 0)
		return XDP_DROP;
	b->tokens--;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
