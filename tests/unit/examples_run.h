/* SPDX-License-Identifier: MIT */
/*
 * examples_run.h - running the clang-built XDP examples with their maps and the standard
 * helpers, and checking verdicts and final map contents. Until program-type contexts exist
 * (src/hooks), the test builds struct xdp_md itself: the packet lives in memory below 4 GiB
 * (MAP_32BIT), so the 32-bit data/data_end fields zero-extend to the packet's real address,
 * exactly what `(void *)(long)ctx->data` computes; the packet is a region of the checked run.
 */
#ifndef USERBPF_EXAMPLES_RUN_H
#define USERBPF_EXAMPLES_RUN_H

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <sys/mman.h>

#define PKT_AREA 4096
/* The back end the examples run on: the JIT does not resolve map references yet. */
#define BE USERBPF_BACKEND_INTERP

struct pkt_env {
	uint8_t *area; /* below 4 GiB */
	struct xdp_md ctx;
};

static int pkt_env_init(struct pkt_env *pe)
{
	void *a = mmap(NULL, PKT_AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);

	if (a == MAP_FAILED || (uintptr_t)a > UINT32_MAX - PKT_AREA)
		return -1;
	pe->area = a;
	return 0;
}

static void pkt_env_fini(struct pkt_env *pe)
{
	if (pe->area)
		munmap(pe->area, PKT_AREA);
}

/* Ethernet + IPv4 header (+ zero payload) of total length len, protocol proto. */
static size_t pkt_ipv4(struct pkt_env *pe, uint8_t proto, uint32_t saddr, uint32_t daddr,
		       size_t len)
{
	uint8_t *p = pe->area + 256; /* leave headroom as drivers do */
	uint16_t type = htons(ETH_P_IP);

	memset(p, 0, len);
	memset(p, 0xaa, 12);
	memcpy(p + 12, &type, 2);
	p[14] = 0x45;
	p[14 + 9] = proto;
	memcpy(p + 14 + 12, &saddr, 4);
	memcpy(p + 14 + 16, &daddr, 4);
	return len;
}

static size_t pkt_ipv6(struct pkt_env *pe, uint8_t nexthdr, size_t len)
{
	uint8_t *p = pe->area + 256;
	uint16_t type = htons(ETH_P_IPV6);

	memset(p, 0, len);
	memcpy(p + 12, &type, 2);
	p[14] = 0x60;
	p[14 + 6] = nexthdr;
	return len;
}

static size_t pkt_raw(struct pkt_env *pe, uint16_t ethtype, size_t len)
{
	uint8_t *p = pe->area + 256;
	uint16_t type = htons(ethtype);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i + 1);
	if (len >= 14)
		memcpy(p + 12, &type, 2);
	return len;
}

/* Run an XDP program on the packet at area+256 of length len; returns the verdict or -1. */
static int64_t xdp_run(struct userbpf_object_prog *p, struct pkt_env *pe, size_t len,
		       enum userbpf_backend backend)
{
	struct userbpf_error err = {0};
	struct userbpf_region r = {pe->area, PKT_AREA, true};
	USERBPF_OPTS(userbpf_run_opts, o, .backend = backend, .regions = &r, .nregions = 1);
	uint64_t r0 = 0;

	memset(&pe->ctx, 0, sizeof(pe->ctx));
	pe->ctx.data = (uint32_t)(uintptr_t)(pe->area + 256);
	pe->ctx.data_end = pe->ctx.data + (uint32_t)len;
	pe->ctx.data_meta = pe->ctx.data;
	pe->ctx.ingress_ifindex = 1;
	if (userbpf_object_prog_run(p, &pe->ctx, sizeof(pe->ctx), &o, &r0, &err) < 0) {
		fprintf(stderr, "run %s: %s (insn %d)\n", userbpf_object_prog_name(p), err.message,
			err.insn);
		return -1;
	}
	return (int64_t)r0;
}

/* Sum of a per-CPU map's u64 slots at key, or a plain map's u64 value. */
static uint64_t map_sum_u64(struct userbpf_object *obj, const char *name, uint32_t key)
{
	struct userbpf_map *m = userbpf_object_map_map(userbpf_object_find_map(obj, name));
	size_t size = m ? userbpf_map_value_size_host(m) : 0;
	uint64_t sum = 0, v;
	uint8_t *buf;

	if (!m || !(buf = calloc(1, size)))
		return UINT64_MAX;
	if (userbpf_map_lookup(m, &key, buf, 0, NULL) < 0) {
		free(buf);
		return UINT64_MAX;
	}
	for (uint32_t cpu = 0; cpu < userbpf_map_ncpus(m); cpu++) {
		size_t step = size / userbpf_map_ncpus(m), vs = userbpf_map_value_size(m);

		v = 0;
		memcpy(&v, buf + cpu * step, vs < 8 ? vs : 8);
		sum += v;
	}
	free(buf);
	return sum;
}

static struct userbpf_object *load_example(const char *name, struct userbpf_env *env)
{
	struct userbpf_error err = {0};
	struct userbpf_object *obj = open_example(name, &err);

	if (obj && userbpf_object_load(obj, env, &err) < 0) {
		fprintf(stderr, "load %s: %s (insn %d)\n", name, err.message, err.insn);
		userbpf_object_free(obj);
		obj = NULL;
	}
	CHECK(obj != NULL);
	return obj;
}

static void run_proto_count(struct userbpf_env *env, struct pkt_env *pe)
{
	struct userbpf_object *obj = load_example("xdp_proto_count", env);
	struct userbpf_object_prog *p = obj ? userbpf_object_find_prog(obj, "xdp_count") : NULL;

	if (!p)
		goto out;
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_TCP, 1, 2, 60), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_TCP, 1, 2, 80), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_UDP, 1, 2, 60), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_ipv6(pe, 58, 80), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_raw(pe, ETH_P_ARP, 42), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_raw(pe, ETH_P_IP, 20), BE) == XDP_PASS); /* truncated IP */
	CHECK_EQ_U64(map_sum_u64(obj, "proto_count", IPPROTO_TCP), 2);
	CHECK_EQ_U64(map_sum_u64(obj, "proto_count", IPPROTO_UDP), 1);
	CHECK_EQ_U64(map_sum_u64(obj, "proto_count", 58), 1);
	CHECK_EQ_U64(map_sum_u64(obj, "proto_count", 0), 0);
	/* bpftool's dump layout: every index of the per-CPU array, one line per CPU. */
	{
		char *text = malloc(1 << 20);
		int n = text ? userbpf_object_map_dump(userbpf_object_find_map(obj, "proto_count"),
						       text, 1 << 20, NULL)
			     : -1;

		CHECK(n > 0 && strstr(text, "key:\n06 00 00 00\nvalue (CPU 00): ") != NULL);
		CHECK(n > 0 && strstr(text, "Found 256 elements\n") != NULL);
		free(text);
	}
out:
	userbpf_object_free(obj);
}

struct route_key {
	uint32_t prefixlen, addr;
};
struct route {
	uint32_t action, ifindex;
};

static void add_route(struct userbpf_object *obj, const char *cidr_addr, uint32_t plen,
		      uint32_t action)
{
	struct userbpf_map *m = userbpf_object_map_map(userbpf_object_find_map(obj, "routes"));
	struct route_key k = {plen, inet_addr(cidr_addr)};
	struct route v = {action, 3};

	CHECK(m && userbpf_map_update(m, &k, &v, BPF_ANY, NULL) == 0);
}

static void run_lpm_router(struct userbpf_env *env, struct pkt_env *pe)
{
	struct userbpf_object *obj = load_example("lpm_router", env);
	struct userbpf_object_prog *p = obj ? userbpf_object_find_prog(obj, "xdp_route") : NULL;
	struct userbpf_error err = {0};
	uint32_t drop = XDP_DROP;

	if (!p)
		goto out;
	add_route(obj, "10.0.0.0", 8, XDP_DROP);
	add_route(obj, "10.1.0.0", 16, XDP_PASS);
	add_route(obj, "10.1.2.3", 32, XDP_TX);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, 6, 0, inet_addr("10.2.3.4"), 64), BE) == XDP_DROP);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, 6, 0, inet_addr("10.1.9.9"), 64), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, 6, 0, inet_addr("10.1.2.3"), 64), BE) == XDP_TX);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, 6, 0, inet_addr("192.168.1.1"), 64), BE) == XDP_PASS);
	CHECK_EQ_U64(map_sum_u64(obj, ".bss", 0), 1);   /* dropped */
	{
		char text[512];

		CHECK(userbpf_object_map_dump(userbpf_object_find_map(obj, ".bss"), text, sizeof(text),
					      NULL) > 0);
		/* dropped = 1, routed = 2 (a PASS route and a TX route) */
		CHECK_STR(text, "key: 00 00 00 00  value: 01 00 00 00 00 00 00 00  02 00 00 00 00 00 "
				"00 00\nFound 1 element\n");
		CHECK(userbpf_object_map_dump(userbpf_object_find_map(obj, "routes"), text,
					      sizeof(text), NULL) > 0);
		CHECK(strstr(text, "key: 20 00 00 00 0a 01 02 03  value: 03 00 00 00 03 00 00 00\n"));
		CHECK(strstr(text, "Found 3 elements\n"));
	}
	userbpf_object_free(obj);

	/* The default action is a const volatile in .rodata: configure it before load. */
	obj = open_example("lpm_router", &err);
	CHECK(obj && userbpf_object_map_set_initial_value(userbpf_object_find_map(obj, ".rodata"),
							  &drop, 4) == 0);
	if (!obj || userbpf_object_load(obj, env, &err) < 0)
		goto out;
	p = userbpf_object_find_prog(obj, "xdp_route");
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, 6, 0, inet_addr("192.168.1.1"), 64), BE) == XDP_DROP);
	CHECK_EQ_U64(map_sum_u64(obj, ".bss", 0), 1);
out:
	userbpf_object_free(obj);
}

static void run_rate_limit(struct userbpf_env *env, struct pkt_env *pe)
{
	struct userbpf_error err = {0};
	struct userbpf_object *obj = open_example("rate_limit", &err);
	struct userbpf_object_prog *p;
	uint64_t cfg[2] = {0, 5}; /* no refill during the test (deterministic), burst 5 */
	uint32_t a = inet_addr("192.0.2.1"), b = inet_addr("192.0.2.2");
	int passed = 0;

	CHECK(obj && userbpf_object_map_set_initial_value(userbpf_object_find_map(obj, ".rodata"),
							  cfg, sizeof(cfg)) == 0);
	if (!obj || userbpf_object_load(obj, env, &err) < 0) {
		fprintf(stderr, "load rate_limit: %s\n", err.message);
		CHECK(0);
		goto out;
	}
	p = userbpf_object_find_prog(obj, "xdp_rate_limit");
	for (int i = 0; i < 8; i++)
		passed += xdp_run(p, pe, pkt_ipv4(pe, 17, a, 1, 60), BE) == XDP_PASS;
	CHECK(passed == 5);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, 17, b, 1, 60), BE) == XDP_PASS);
	{
		struct userbpf_map *m = userbpf_object_map_map(userbpf_object_find_map(obj, "buckets"));
		uint64_t v[2] = {0, 0};

		CHECK(m && userbpf_map_lookup(m, &a, v, 0, NULL) == 0 && v[1] == 0);
		CHECK(m && userbpf_map_lookup(m, &b, v, 0, NULL) == 0 && v[1] == 4);
	}
out:
	userbpf_object_free(obj);
}

static void run_size_hist(struct userbpf_env *env, struct pkt_env *pe)
{
	struct userbpf_object *obj = load_example("size_hist", env);
	struct userbpf_object_prog *p = obj ? userbpf_object_find_prog(obj, "xdp_size_hist") : NULL;
	static const size_t sizes[] = {1, 60, 64, 127, 128, 1500, 1514, 2000};

	if (!p)
		goto out;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		CHECK(xdp_run(p, pe, pkt_raw(pe, 0x0800, sizes[i]), BE) == XDP_PASS);
	CHECK_EQ_U64(map_sum_u64(obj, "hist", 0), 1);
	CHECK_EQ_U64(map_sum_u64(obj, "hist", 5), 1);  /* 60 */
	CHECK_EQ_U64(map_sum_u64(obj, "hist", 6), 2);  /* 64, 127 */
	CHECK_EQ_U64(map_sum_u64(obj, "hist", 7), 1);  /* 128 */
	CHECK_EQ_U64(map_sum_u64(obj, "hist", 10), 3); /* 1500, 1514, 2000 */
	CHECK_EQ_U64(map_sum_u64(obj, "hist", 11), 0);
out:
	userbpf_object_free(obj);
}

struct rb_seen {
	int n;
	uint32_t seq[4], len[4];
	uint8_t head0;
};

static int rb_sample(void *ctx, void *data, size_t size)
{
	struct rb_seen *s = ctx;
	uint32_t v[2];

	if (size < 8 || s->n >= 4)
		return -1;
	memcpy(v, data, 8);
	s->seq[s->n] = v[0];
	s->len[s->n] = v[1];
	if (s->n == 0 && size >= 9)
		s->head0 = ((uint8_t *)data)[8];
	s->n++;
	return 0;
}

static void run_ringbuf(struct userbpf_env *env, struct pkt_env *pe)
{
	struct userbpf_object *obj = load_example("ringbuf_events", env);
	struct userbpf_object_prog *p = obj ? userbpf_object_find_prog(obj, "xdp_events") : NULL;
	struct rb_seen seen = {0};
	struct userbpf_map *rb;

	if (!p)
		goto out;
	CHECK(xdp_run(p, pe, pkt_raw(pe, 0x0800, 40), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_raw(pe, 0x0800, 10), BE) == XDP_PASS);
	rb = userbpf_object_map_map(userbpf_object_find_map(obj, "events"));
	CHECK(rb && userbpf_ringbuf_consume(rb, rb_sample, &seen, NULL) == 2);
	CHECK(seen.n == 2 && seen.seq[0] == 100 && seen.seq[1] == 101);
	CHECK(seen.len[0] == 40 && seen.len[1] == 10);
	CHECK(seen.head0 == 1);
	CHECK_EQ_U64(map_sum_u64(obj, ".data", 0), 102);
out:
	userbpf_object_free(obj);
}

static void run_tail_dispatch(struct userbpf_env *env, struct pkt_env *pe)
{
	struct userbpf_object *obj = load_example("tail_dispatch", env);
	struct userbpf_object_prog *p = obj ? userbpf_object_find_prog(obj, "dispatch") : NULL;

	if (!p)
		goto out;
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_TCP, 1, 2, 60), BE) == XDP_PASS);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_UDP, 1, 2, 60), BE) == XDP_DROP);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_ICMP, 1, 2, 60), BE) == XDP_TX);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_UDP, 1, 2, 60), BE) == XDP_DROP);
	CHECK(xdp_run(p, pe, pkt_ipv4(pe, 99, 1, 2, 60), BE) == XDP_ABORTED);
	CHECK_EQ_U64(map_sum_u64(obj, "handled", 0), 1);
	CHECK_EQ_U64(map_sum_u64(obj, "handled", 1), 2);
	CHECK_EQ_U64(map_sum_u64(obj, "handled", 2), 1);
	CHECK_EQ_U64(map_sum_u64(obj, "handled", 3), 1);
	/* The map slot is read at run time: emptying it makes TCP fall through. */
	{
		struct userbpf_map *jt =
			userbpf_object_map_map(userbpf_object_find_map(obj, "jump_table"));
		uint32_t key = IPPROTO_TCP;

		CHECK(jt && userbpf_map_delete(jt, &key, NULL) == 0);
		CHECK(xdp_run(p, pe, pkt_ipv4(pe, IPPROTO_TCP, 1, 2, 60), BE) == XDP_ABORTED);
	}
out:
	userbpf_object_free(obj);
}

static void test_examples_run(void)
{
	struct userbpf_error err = {0};
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	struct pkt_env pe = {0};

	CHECK(env && userbpf_env_register_std_helpers(env, &err) == 0);
	if (!env || pkt_env_init(&pe) < 0) {
		CHECK(0);
		userbpf_env_free(env);
		return;
	}
	run_proto_count(env, &pe);
	run_lpm_router(env, &pe);
	run_rate_limit(env, &pe);
	run_size_hist(env, &pe);
	run_ringbuf(env, &pe);
	run_tail_dispatch(env, &pe);
	pkt_env_fini(&pe);
	userbpf_env_free(env);
}

#endif
