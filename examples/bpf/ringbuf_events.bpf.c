// SPDX-License-Identifier: MIT
/* ringbuf_events.bpf.c - for every packet, reserves an event in a ring buffer (its length, the
 * first bytes and a sequence number kept in .data) and submits it; the host reads the events.
 * Packets shorter than the minimum are reported with bpf_ringbuf_output instead. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 seq;
	__u32 len;
	__u8 head[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

__u32 seq = 100;
__u64 lost;

SEC("xdp")
int xdp_events(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct event *e;

	if (data + 16 > end) {
		struct event small = { .seq = seq++, .len = (__u32)(end - data) };

		if (bpf_ringbuf_output(&events, &small, sizeof(small), 0))
			lost++;
		return XDP_PASS;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		lost++;
		return XDP_PASS;
	}
	e->seq = seq++;
	e->len = (__u32)(end - data);
	__builtin_memcpy(e->head, data, 16);
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
