// SPDX-License-Identifier: MIT
/* lpm_router.bpf.c - an IPv4 router/firewall: the destination address is looked up in an
 * LPM trie of routes; a route's action drops the packet or passes it, and a miss uses the
 * default action kept in a global (.rodata, so the verifier can fold it). Drops are counted in
 * a .bss global. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct route_key {
	__u32 prefixlen;
	__u32 addr; /* network byte order */
};

struct route {
	__u32 action; /* XDP_DROP or XDP_PASS */
	__u32 ifindex;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct route_key);
	__type(value, struct route);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

const volatile __u32 default_action = XDP_PASS;
__u64 dropped;
__u64 routed;

SEC("xdp")
int xdp_route(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct route_key key;
	struct route *r;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	key.prefixlen = 32;
	key.addr = ip->daddr;
	r = bpf_map_lookup_elem(&routes, &key);
	if (!r) {
		if (default_action == XDP_DROP)
			__sync_fetch_and_add(&dropped, 1);
		return default_action;
	}
	if (r->action == XDP_DROP) {
		__sync_fetch_and_add(&dropped, 1);
		return XDP_DROP;
	}
	__sync_fetch_and_add(&routed, 1);
	return r->action;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
