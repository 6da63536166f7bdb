/* SPDX-License-Identifier: MIT */
/*
 * ctx.h - the host-side context structs our runtime passes in R1 after the verifier's fixups
 * have rewritten ctx accesses (src/verifier/ctx.c holds the field-by-field mapping).
 *
 * Programs are written against the kernel's UAPI structs, whose packet pointers are __u32
 * fields; in user space a pointer takes 8 bytes, so each host struct puts the pointers first
 * as 64-bit values and keeps every scalar field at a fixed place: for skb programs the whole
 * UAPI `struct __sk_buff` is embedded, so a scalar at UAPI offset o lives at
 * offsetof(struct userbpf_skb, skb) + o, and hooks fill it as the kernel would.
 */
#ifndef USERBPF_HOOKS_CTX_H
#define USERBPF_HOOKS_CTX_H

#include <linux/bpf.h>
#include <stdint.h>

/* socket_filter and sched_cls: R1 points to this. */
struct userbpf_skb {
	uint64_t data;      /* (uintptr_t) first packet byte (__sk_buff.data) */
	uint64_t data_end;  /* one past the last byte (__sk_buff.data_end) */
	uint64_t data_meta; /* metadata start, == data when there is none (__sk_buff.data_meta) */
	uint64_t sk;        /* __sk_buff.sk: always 0, user space has no sockets */
	/* Scalar fields at their UAPI offsets; skb.data, data_end, data_meta, flow_keys and sk
	 * are not read through this copy (the fixups send those loads to the fields above). */
	struct __sk_buff skb;
};

/* xdp: R1 points to this. */
struct userbpf_xdp {
	uint64_t data;      /* xdp_md.data */
	uint64_t data_end;  /* xdp_md.data_end */
	uint64_t data_meta; /* xdp_md.data_meta (== data when there is no metadata) */
	uint32_t ingress_ifindex;
	uint32_t rx_queue_index;
	uint32_t egress_ifindex;
	uint32_t reserved;
};

#endif
