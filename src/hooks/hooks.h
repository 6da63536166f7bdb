/* SPDX-License-Identifier: MIT */
/*
 * hooks.h - private interface of src/hooks: program-type contexts. For now the socket-filter
 * context (`struct __sk_buff` from <linux/bpf.h>) built from a captured packet, which is both
 * what classic filters read their metadata from (src/cbpf) and what a socket_filter eBPF
 * program receives in R1 (the packet itself is read through LD_ABS/LD_IND).
 */
#ifndef USERBPF_HOOKS_H
#define USERBPF_HOOKS_H

#include <linux/bpf.h>
#include <stdint.h>

#include "userbpf.h"

/*
 * Fill skb for one packet of a link type (DLT_*): len = wire length, protocol = the packet's
 * network protocol in network byte order as the kernel stores it (the outer EtherType for
 * Ethernet, 0x0800/0x86dd from the version nibble for raw IP, the header's field for Linux
 * cooked captures), pkt_type = PACKET_HOST (or the cooked header's), ifindex from an SLL2
 * header, and every other field zero (no VLAN offload: tags stay in the packet bytes, as in a
 * pcap file).
 */
void hooks_skb_init(struct __sk_buff *skb, const uint8_t *data, uint32_t caplen,
		    uint32_t wirelen, int linktype);

/*
 * Register the helpers converted classic filters call: bpf_get_prandom_u32 (drawing from the
 * run's cookie, a uint64_t * state advanced by cbpf_random(), so a converted filter draws the
 * same numbers as the classic interpreter; 0 without a cookie) and bpf_get_smp_processor_id
 * (always 0: one virtual CPU). Replaces helpers already registered under those ids.
 */
int hooks_skb_register_helpers(struct userbpf_env *env, struct userbpf_error *err);

/*
 * Run a socket-filter program: R1 = skb (read-only context), LD_ABS/LD_IND read
 * data[0, caplen). rand_state feeds bpf_get_prandom_u32 (may be NULL). opts (may be NULL)
 * chooses the back end and checked mode; its mem, pkt and cookie fields are set here.
 */
int hooks_skb_run(struct userbpf_prog *prog, const struct __sk_buff *skb, const uint8_t *data,
		  uint32_t caplen, uint64_t *rand_state, const struct userbpf_run_opts *opts,
		  uint64_t *r0, struct userbpf_error *err);

#endif
