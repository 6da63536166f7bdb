// SPDX-License-Identifier: MIT
/* features.bpf.c - one object exercising what the loader must understand beyond the examples:
 * map-in-map (array_of_maps with an inner template and initial values, hash_of_maps), pinning,
 * map_flags/numa_node, a bpf_loop callback (ld_imm64 of a function), a string in
 * .rodata.str1.1 (bpf_printk), a custom .data.stats section, a global function in .text, a
 * static function, a legacy `maps` section map (struct bpf_map_def, which libbpf 1.x no
 * longer accepts but older objects use), several program types. The userbpf/ programs run
 * in the test. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [1] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 16);
		__type(key, __u64);
		__type(value, __u32);
	});
} outer_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(key_size, 4);
	__uint(value_size, 12);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned SEC(".maps");

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

__u64 stats[4] SEC(".data.stats") = {1, 2, 3, 4};

struct loop_ctx {
	__u64 sum;
	__u32 limit;
};

static long add_one(__u64 index, void *data)
{
	struct loop_ctx *c = data;

	c->sum += index;
	return index + 1 >= c->limit;
}

__attribute__((noinline)) int global_twice(int x)
{
	return x * 2;
}

static __attribute__((noinline)) int static_inc(int x)
{
	return x + 1;
}

SEC("userbpf/loop")
int run_loop(void *mem, __u64 len)
{
	struct loop_ctx c = { .sum = 0, .limit = 10 };

	__u32 k = 1;
	__u64 *n = bpf_map_lookup_elem(&legacy_counts, &k);

	bpf_loop(100, add_one, &c, 0);
	stats[0] += c.sum;
	if (n)
		*n += 1;
	return (int)c.sum;
}

SEC("userbpf/inner")
int use_inner(void *mem, __u64 len)
{
	__u32 k = 1, slot = 2;
	__u64 *v;
	void *m = bpf_map_lookup_elem(&outer, &k);

	if (!m)
		return -1;
	v = bpf_map_lookup_elem(m, &slot);
	if (!v)
		return -2;
	*v += 7;
	return global_twice(static_inc((int)*v));
}

SEC("socket")
int sock(struct __sk_buff *skb)
{
	bpf_printk("len %u", skb->len);
	return 0;
}

SEC("kprobe/do_nanosleep")
int kp(void *ctx)
{
	return 0;
}

SEC("tc")
int tc_prog(struct __sk_buff *skb)
{
	return stats[1] > 0;
}

char LICENSE[] SEC("license") = "GPL";
