/* SPDX-License-Identifier: MIT */
/*
 * live.h - live capture on a network interface through an AF_PACKET socket (Linux; needs
 * CAP_NET_RAW). Each packet comes with its socket-filter context: the wire length, protocol,
 * packet type (PACKET_HOST, PACKET_OUTGOING, ...) and interface index the kernel reports.
 * A VLAN tag the kernel stripped (hardware offload) is put back into the packet bytes, as
 * libpcap does, so filters see the same bytes as in a pcap file of the same traffic.
 */
#ifndef USERBPF_HOOKS_LIVE_H
#define USERBPF_HOOKS_LIVE_H

#include <linux/bpf.h>
#include <stdint.h>

#include "pcapio.h"
#include "userbpf.h"

struct hooks_live;

/* Open a capture on ifname ("lo", "eth0"); snaplen 0 means 262144. */
int hooks_live_open(const char *ifname, uint32_t snaplen, struct hooks_live **out,
		    struct userbpf_error *err);
/* DLT_* of the capture (Ethernet framing for Ethernet and loopback devices). */
int hooks_live_linktype(const struct hooks_live *l);
/*
 * Wait up to timeout_ms (-1: forever) for a packet: 1 with pkt (valid until the next call) and
 * skb filled, 0 on timeout, or a negative errno.
 */
int hooks_live_next(struct hooks_live *l, int timeout_ms, struct pcapio_pkt *pkt,
		    struct __sk_buff *skb, struct userbpf_error *err);
void hooks_live_close(struct hooks_live *l);

#endif
