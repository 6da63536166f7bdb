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
 * Ethernet, 0x0800/0x86dd from the version nibble for raw IP), pkt_type = PACKET_HOST, and
 * every other field zero (no VLAN offload: tags stay in the packet bytes, as in a pcap file).
 */
void hooks_skb_init(struct __sk_buff *skb, const uint8_t *data, uint32_t caplen,
		    uint32_t wirelen, int linktype);

#endif
