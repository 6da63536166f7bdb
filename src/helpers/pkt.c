/* SPDX-License-Identifier: MIT */
/*
 * pkt.c - the packet helpers, on the contexts src/hooks builds (hooks/ctx.h): skb_load_bytes,
 * skb_store_bytes, l3_csum_replace and l4_csum_replace on struct userbpf_skb, and
 * xdp_adjust_head / xdp_adjust_tail on struct userbpf_xdp. Packets are linear buffers
 * [data, data_end). The hooks give a packet no headroom or tailroom, so growing one fails with
 * -EINVAL, which is what the kernel answers when there is no room; shrinking follows the
 * kernel's limits (at least an Ethernet header stays). Checksums are updated incrementally in
 * ones' complement arithmetic on the bytes as stored (RFC 1624), so byte order never matters.
 */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "hooks/ctx.h"
#include "vm/vm.h"

#define ETH_HLEN_ 14

/* The packet of an skb or xdp context (both start with data, data_end), checked. */
static bool pkt_of(struct userbpf_call *call, uint64_t ctx, size_t ctx_size, uint64_t *data,
		   uint64_t *end, const char *name)
{
	uint64_t d, e;

	if (!helper_mem(call, ctx, ctx_size, false, name, "ctx"))
		return false;
	memcpy(&d, (const void *)(uintptr_t)ctx, 8);
	memcpy(&e, (const void *)(uintptr_t)(ctx + 8), 8);
	if (e < d || (call->checked && !helper_mem(call, d, e - d, false, name, "packet"))) {
		if (e < d)
			helper_abort(call, -EFAULT, "%s: the context's packet ends before it starts",
				     name);
		return false;
	}
	*data = d;
	*end = e;
	return true;
}

uint64_t helper_skb_load_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct userbpf_call *call)
{
	uint64_t d, e, off = (uint32_t)r2;

	if (!pkt_of(call, r1, sizeof(struct userbpf_skb), &d, &e, "bpf_skb_load_bytes") ||
	    !helper_mem(call, r3, r4, true, "bpf_skb_load_bytes", "to"))
		return 0;
	if (!r4 || off > e - d || r4 > e - d - off) {
		memset((void *)(uintptr_t)r3, 0, r4);
		return (uint64_t)-EFAULT;
	}
	memcpy((void *)(uintptr_t)r3, (const void *)(uintptr_t)(d + off), r4);
	return 0;
}

uint64_t helper_skb_store_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	uint64_t d, e, off = (uint32_t)r2;

	if (r5 & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return (uint64_t)-EINVAL;
	if (!pkt_of(call, r1, sizeof(struct userbpf_skb), &d, &e, "bpf_skb_store_bytes") ||
	    !helper_mem(call, r3, r4, false, "bpf_skb_store_bytes", "from"))
		return 0;
	if (off > e - d || r4 > e - d - off)
		return (uint64_t)-EFAULT;
	if (!helper_mem(call, d + off, r4, true, "bpf_skb_store_bytes", "packet"))
		return 0;
	memmove((void *)(uintptr_t)(d + off), (const void *)(uintptr_t)r3, r4);
	return 0;
}

static uint32_t fold32(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/*
 * Update the 16-bit checksum at packet offset off: replace `from` by `to` (size 2 or 4, as
 * stored), or with size 0 add the 32-bit difference `to` (from bpf_csum_diff).
 */
static uint64_t csum_replace(struct userbpf_call *call, uint64_t ctx, uint64_t off, uint64_t from,
			     uint64_t to, uint64_t flags, bool l4, const char *name)
{
	uint64_t d, e, size = flags & BPF_F_HDR_FIELD_MASK, sum;
	uint64_t allowed = BPF_F_HDR_FIELD_MASK |
			   (l4 ? BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE |
					 BPF_F_IPV6
			       : 0);
	uint16_t csum;

	if ((flags & ~allowed) || (size != 0 && size != 2 && size != 4))
		return (uint64_t)-EINVAL;
	if (!pkt_of(call, ctx, sizeof(struct userbpf_skb), &d, &e, name))
		return 0;
	off = (uint32_t)off;
	if (off > e - d || e - d - off < 2)
		return (uint64_t)-EFAULT;
	if (!helper_mem(call, d + off, 2, true, name, "checksum"))
		return 0;
	memcpy(&csum, (const void *)(uintptr_t)(d + off), 2);
	if (l4 && (flags & BPF_F_MARK_MANGLED_0) && !csum && !(flags & BPF_F_MARK_ENFORCE))
		return 0; /* a UDP checksum of 0 means "none": left alone */
	sum = (uint16_t)~csum;
	if (size == 2) {
		sum += (uint16_t)~(uint16_t)from;
		sum += (uint16_t)to;
	} else if (size == 4) {
		sum += (uint16_t)~(uint16_t)from + (uint16_t)~(uint16_t)(from >> 16);
		sum += (uint16_t)to + (uint16_t)(to >> 16);
	} else {
		sum += (uint16_t)to + (uint16_t)((uint32_t)to >> 16);
	}
	csum = (uint16_t)~fold32(sum);
	if (l4 && (flags & BPF_F_MARK_MANGLED_0) && !csum)
		csum = 0xffff; /* CSUM_MANGLED_0 */
	memcpy((void *)(uintptr_t)(d + off), &csum, 2);
	return 0;
}

uint64_t helper_l3_csum_replace(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	return csum_replace(call, r1, r2, r3, r4, r5, false, "bpf_l3_csum_replace");
}

uint64_t helper_l4_csum_replace(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	return csum_replace(call, r1, r2, r3, r4, r5, true, "bpf_l4_csum_replace");
}

uint64_t helper_xdp_adjust_head(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	struct userbpf_xdp x;
	int64_t delta = (int32_t)(uint32_t)r2;
	uint64_t meta_len;

	if (!helper_mem(call, r1, sizeof(x), true, "bpf_xdp_adjust_head", "ctx"))
		return 0;
	memcpy(&x, (const void *)(uintptr_t)r1, sizeof(x));
	if (x.data_end < x.data || x.data_meta > x.data)
		return helper_abort(call, -EFAULT, "bpf_xdp_adjust_head: inconsistent context");
	/* No headroom: the packet may only lose bytes at the front, keeping an Ethernet header. */
	if (delta < 0 || (uint64_t)delta > x.data_end - x.data ||
	    x.data_end - x.data - (uint64_t)delta < ETH_HLEN_)
		return (uint64_t)-EINVAL;
	meta_len = x.data - x.data_meta;
	if (meta_len) {
		if (!helper_mem(call, x.data_meta, meta_len + (uint64_t)delta, true,
				"bpf_xdp_adjust_head", "metadata"))
			return 0;
		memmove((void *)(uintptr_t)(x.data_meta + (uint64_t)delta),
			(const void *)(uintptr_t)x.data_meta, meta_len);
	}
	x.data += (uint64_t)delta;
	x.data_meta += (uint64_t)delta;
	memcpy((void *)(uintptr_t)r1, &x, sizeof(x));
	return 0;
}

uint64_t helper_xdp_adjust_tail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	struct userbpf_xdp x;
	int64_t delta = (int32_t)(uint32_t)r2;

	if (!helper_mem(call, r1, sizeof(x), true, "bpf_xdp_adjust_tail", "ctx"))
		return 0;
	memcpy(&x, (const void *)(uintptr_t)r1, sizeof(x));
	if (x.data_end < x.data)
		return helper_abort(call, -EFAULT, "bpf_xdp_adjust_tail: inconsistent context");
	/* No tailroom: only shrinking, to no less than an Ethernet header. */
	if (delta > 0 || (uint64_t)-delta > x.data_end - x.data ||
	    x.data_end - x.data - (uint64_t)-delta < ETH_HLEN_)
		return (uint64_t)-EINVAL;
	x.data_end -= (uint64_t)-delta;
	memcpy((void *)(uintptr_t)r1, &x, sizeof(x));
	return 0;
}
