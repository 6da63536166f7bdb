/* SPDX-License-Identifier: MIT */
/*
 * skb.c - the socket-filter context (struct __sk_buff) for a captured packet, the helpers
 * converted classic filters call, and running a program on a packet with that context.
 */
#include <arpa/inet.h>
#include <string.h>

#include "hooks.h"
#include "../cbpf/cbpf.h"

/* Link types by their DLT_* numbers (pcap/dlt.h), without pulling libpcap in here. */
#define HOOKS_DLT_EN10MB 1
#define HOOKS_DLT_RAW 12
#define HOOKS_DLT_RAW_LINUX 14
#define HOOKS_LINKTYPE_RAW 101
#define HOOKS_LINKTYPE_IPV4 228
#define HOOKS_LINKTYPE_IPV6 229
#define HOOKS_DLT_LINUX_SLL 113
#define HOOKS_DLT_LINUX_SLL2 276

void hooks_skb_init(struct __sk_buff *skb, const uint8_t *data, uint32_t caplen,
		    uint32_t wirelen, int linktype)
{
	uint16_t proto = 0;

	memset(skb, 0, sizeof(*skb));
	skb->len = wirelen;
	skb->pkt_type = 0; /* PACKET_HOST */
	switch (linktype) {
	case HOOKS_DLT_EN10MB:
		if (caplen >= 14)
			proto = (uint16_t)(data[12] << 8 | data[13]);
		break;
	case HOOKS_DLT_RAW:
	case HOOKS_DLT_RAW_LINUX:
	case HOOKS_LINKTYPE_RAW:
	case HOOKS_LINKTYPE_IPV4:
	case HOOKS_LINKTYPE_IPV6:
		if (caplen >= 1)
			proto = (data[0] >> 4) == 6 ? 0x86dd : (data[0] >> 4) == 4 ? 0x0800 : 0;
		break;
	case HOOKS_DLT_LINUX_SLL: /* cooked capture: packet type, ..., protocol at 14 */
		if (caplen >= 16) {
			skb->pkt_type = (uint32_t)(data[0] << 8 | data[1]);
			proto = (uint16_t)(data[14] << 8 | data[15]);
		}
		break;
	case HOOKS_DLT_LINUX_SLL2: /* protocol, reserved, ifindex, hatype, packet type, ... */
		if (caplen >= 20) {
			proto = (uint16_t)(data[0] << 8 | data[1]);
			skb->ifindex = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
				       (uint32_t)data[6] << 8 | data[7];
			skb->pkt_type = data[10];
		}
		break;
	default:
		break;
	}
	skb->protocol = htons(proto);
}

static uint64_t skb_prandom(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct userbpf_call *call)
{
	uint64_t *state = userbpf_call_cookie(call);

	return state ? cbpf_random(state) : 0;
}

static uint64_t skb_cpu_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct userbpf_call *call)
{
	return 0;
}

int hooks_skb_register_helpers(struct userbpf_env *env, struct userbpf_error *err)
{
	int ret = userbpf_env_register_helper(env, BPF_FUNC_get_prandom_u32, "get_prandom_u32",
					      skb_prandom, err);

	if (ret)
		return ret;
	return userbpf_env_register_helper(env, BPF_FUNC_get_smp_processor_id,
					   "get_smp_processor_id", skb_cpu_id, err);
}

int hooks_skb_run(struct userbpf_prog *prog, const struct __sk_buff *skb, const uint8_t *data,
		  uint32_t caplen, uint64_t *rand_state, const struct userbpf_run_opts *opts,
		  uint64_t *r0, struct userbpf_error *err)
{
	USERBPF_OPTS(userbpf_run_opts, o);

	if (opts) {
		size_t n = opts->sz < sizeof(o) ? opts->sz : sizeof(o);

		memcpy(&o, opts, n);
		o.sz = sizeof(o);
	}
	o.mem_readonly = true;
	o.pkt = data;
	o.pkt_len = caplen;
	o.cookie = rand_state;
	/* A packet of no bytes still needs a non-NULL pointer to be "the packet". */
	static const uint8_t none[1];
	if (!o.pkt)
		o.pkt = none, o.pkt_len = 0;
	return userbpf_prog_run(prog, (void *)(uintptr_t)skb, sizeof(*skb), &o, r0, err);
}
