/* SPDX-License-Identifier: MIT */
/*
 * kdiff_examples.c - the XDP examples against the kernel: each object is loaded twice, by
 * userbpf (interpreter) and by libbpf into the kernel (bpf(2)), given the same host setup
 * (routes, .rodata configuration), then fed the same packets: userbpf runs its program on an
 * xdp_md built in memory below 4 GiB, the kernel through BPF_PROG_TEST_RUN. Every verdict and,
 * at the end, every map's contents (per-CPU values summed over CPUs, since the CPU a run lands
 * on differs) and the ring buffer's records must be identical. Prints "N passed, N failed";
 * without bpf(2) (not root, no kernel support) it prints a skip and "0 passed, 0 failed".
 * Usage: kdiff_examples OBJDIR
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "userbpf.h"

static int passed, failed;

#define EXPECT(cond, ...)                                 \
	do {                                              \
		if (cond) {                               \
			passed++;                         \
		} else {                                  \
			failed++;                         \
			fprintf(stderr, __VA_ARGS__);     \
			fputc('\n', stderr);              \
		}                                         \
	} while (0)

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* ---- packets ---------------------------------------------------------------------------- */

struct pkt {
	uint8_t data[1600];
	size_t len;
};

static void ipv4(struct pkt *p, uint8_t proto, const char *src, const char *dst, size_t len)
{
	uint16_t type = htons(ETH_P_IP);
	uint32_t s = inet_addr(src), d = inet_addr(dst);

	memset(p, 0, sizeof(*p));
	memset(p->data, 0xaa, 12);
	memcpy(p->data + 12, &type, 2);
	p->data[14] = 0x45;
	p->data[14 + 9] = proto;
	memcpy(p->data + 26, &s, 4);
	memcpy(p->data + 30, &d, 4);
	for (size_t i = 34; i < len; i++)
		p->data[i] = (uint8_t)(i * 13);
	p->len = len;
}

static size_t make_packets(struct pkt *ps)
{
	static const char *const dsts[] = {"10.2.3.4", "10.1.9.9", "10.1.2.3", "192.168.1.1"};
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 99};
	static const size_t sizes[] = {34, 60, 64, 127, 128, 600, 1500};
	size_t n = 0;

	for (size_t i = 0; i < 4; i++)
		for (size_t k = 0; k < 4; k++)
			ipv4(&ps[n++], protos[k], k % 2 ? "192.0.2.1" : "192.0.2.2", dsts[i],
			     sizes[(i + k) % 7]);
	for (size_t i = 0; i < 7; i++)
		ipv4(&ps[n++], IPPROTO_UDP, "192.0.2.1", "10.1.2.3", sizes[i]);
	/* IPv6 (next header ICMPv6), ARP, a runt IPv4 header. */
	memset(&ps[n], 0, sizeof(ps[n]));
	ps[n].data[12] = 0x86;
	ps[n].data[13] = 0xdd;
	ps[n].data[14] = 0x60;
	ps[n].data[20] = 58;
	ps[n++].len = 80;
	memset(&ps[n], 0, sizeof(ps[n]));
	ps[n].data[12] = 0x08;
	ps[n].data[13] = 0x06;
	ps[n++].len = 42;
	memset(&ps[n], 0, sizeof(ps[n]));
	ps[n].data[12] = 0x08;
	ps[n++].len = 20;
	return n;
}

/* ---- the two sides ---------------------------------------------------------------------- */

struct side {
	struct userbpf_object *u;
	struct bpf_object *k;
	struct userbpf_object_prog *uprog;
	int kprog;
};

struct route_key {
	uint32_t prefixlen, addr;
};
struct route {
	uint32_t action, ifindex;
};

static int setup(const char *name, struct side *s)
{
	if (strcmp(name, "lpm_router") == 0) {
		static const struct {
			const char *addr;
			uint32_t plen, action;
		} routes[] = {{"10.0.0.0", 8, XDP_DROP}, {"10.1.0.0", 16, XDP_PASS},
			      {"10.1.2.3", 32, XDP_TX}};
		struct userbpf_map *um =
			userbpf_object_map_map(userbpf_object_find_map(s->u, "routes"));
		int kfd = bpf_object__find_map_fd_by_name(s->k, "routes");

		for (size_t i = 0; i < 3; i++) {
			struct route_key key = {routes[i].plen, inet_addr(routes[i].addr)};
			struct route v = {routes[i].action, 3};

			if (userbpf_map_update(um, &key, &v, BPF_ANY, NULL) < 0 ||
			    bpf_map_update_elem(kfd, &key, &v, BPF_ANY) < 0)
				return -1;
		}
	}
	return 0;
}

/* Before load: the same .rodata configuration on both sides. */
static int configure(const char *name, struct side *s)
{
	if (strcmp(name, "rate_limit") == 0) {
		uint64_t cfg[2] = {0, 5}; /* no refill (time differs between the two), burst 5 */
		struct bpf_map *km = bpf_object__find_map_by_name(s->k, ".rodata");

		if (!km || bpf_map__set_initial_value(km, cfg, sizeof(cfg)) < 0 ||
		    userbpf_object_map_set_initial_value(userbpf_object_find_map(s->u, ".rodata"),
							 cfg, sizeof(cfg)) < 0)
			return -1;
	}
	return 0;
}

static int64_t run_user(struct side *s, uint8_t *area, const struct pkt *p)
{
	struct userbpf_region r = {area, 4096, true};
	USERBPF_OPTS(userbpf_run_opts, o, .backend = USERBPF_BACKEND_INTERP, .regions = &r,
		     .nregions = 1);
	struct xdp_md ctx = {0};
	struct userbpf_error err = {0};
	uint64_t r0 = 0;

	memcpy(area + 256, p->data, p->len);
	ctx.data = (uint32_t)(uintptr_t)(area + 256);
	ctx.data_end = ctx.data + (uint32_t)p->len;
	ctx.data_meta = ctx.data;
	ctx.ingress_ifindex = 1;
	if (userbpf_object_prog_run(s->uprog, &ctx, sizeof(ctx), &o, &r0, &err) < 0) {
		fprintf(stderr, "userbpf run: %s\n", err.message);
		return -1;
	}
	return (int64_t)r0;
}

static int64_t run_kernel(struct side *s, const struct pkt *p)
{
	uint8_t out[1700];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data, .data_size_in = (uint32_t)p->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(s->kprog, &o) < 0)
		return -1;
	return o.retval;
}

/* Sum of the u64 words of each CPU's value (or the value itself for one CPU). */
static void fold(const uint8_t *v, size_t vs, uint32_t ncpus, uint8_t *out)
{
	size_t step = (vs + 7) / 8 * 8;

	memset(out, 0, vs);
	if (ncpus <= 1) {
		memcpy(out, v, vs);
		return;
	}
	for (uint32_t c = 0; c < ncpus; c++)
		for (size_t off = 0; off + 8 <= vs; off += 8) {
			uint64_t a, b;

			memcpy(&a, out + off, 8);
			memcpy(&b, v + c * step + off, 8);
			a += b;
			memcpy(out + off, &a, 8);
		}
}

static void compare_map(const char *ex, struct side *s, struct userbpf_object_map *om)
{
	struct userbpf_map *um = userbpf_object_map_map(om);
	const char *name = userbpf_object_map_name(om);
	struct bpf_map *km = bpf_object__find_map_by_name(s->k, name);
	uint32_t type = userbpf_object_map_type(om), ks, vs, ncpus;
	uint8_t key[64], next[64], *uv, *kv, *uf, *kf;
	size_t hsize;
	int kfd, nu = 0, nk = 0;
	bool first = true;

	if (type == BPF_MAP_TYPE_RINGBUF || type == BPF_MAP_TYPE_PROG_ARRAY)
		return;
	EXPECT(km != NULL, "%s: kernel has no map '%s'", ex, name);
	if (!km)
		return;
	kfd = bpf_map__fd(km);
	ks = userbpf_map_key_size(um);
	vs = userbpf_map_value_size(um);
	ncpus = userbpf_map_ncpus(um);
	hsize = userbpf_map_value_size_host(um);
	if (ks > sizeof(key) || (ncpus > 1 && (size_t)libbpf_num_possible_cpus() != ncpus)) {
		EXPECT(0, "%s: map '%s': key size %u / %u CPUs cannot be compared", ex, name, ks,
		       ncpus);
		return;
	}
	uv = calloc(1, hsize);
	kv = calloc(1, hsize);
	uf = calloc(1, vs + 8);
	kf = calloc(1, vs + 8);
	while (userbpf_map_get_next_key(um, first ? NULL : key, next, NULL) == 0) {
		first = false;
		memcpy(key, next, ks);
		nu++;
		if (userbpf_map_lookup(um, key, uv, 0, NULL) < 0 ||
		    bpf_map_lookup_elem(kfd, key, kv) < 0) {
			EXPECT(0, "%s: map '%s': key %d missing in the kernel", ex, name, nu);
			continue;
		}
		fold(uv, vs, ncpus, uf);
		fold(kv, vs, ncpus, kf);
		/* rate_limit's bucket starts with a bpf_ktime_get_ns() stamp: times differ. */
		if (strcmp(name, "buckets") == 0 && vs >= 8) {
			memset(uf, 0, 8);
			memset(kf, 0, 8);
		}
		EXPECT(memcmp(uf, kf, vs) == 0, "%s: map '%s': values differ at key #%d", ex, name,
		       nu);
	}
	first = true;
	while (bpf_map_get_next_key(kfd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, ks);
		nk++;
	}
	EXPECT(nu == nk, "%s: map '%s': %d keys in userbpf, %d in the kernel", ex, name, nu, nk);
	free(uv);
	free(kv);
	free(uf);
	free(kf);
}

struct rec_list {
	uint8_t data[64][64];
	size_t size[64];
	int n;
};

static int collect_u(void *ctx, void *data, size_t size)
{
	struct rec_list *l = ctx;

	if (l->n < 64 && size <= 64) {
		memcpy(l->data[l->n], data, size);
		l->size[l->n++] = size;
	}
	return 0;
}

static int collect_k(void *ctx, void *data, size_t size)
{
	return collect_u(ctx, data, size);
}

static void compare_ringbuf(const char *ex, struct side *s)
{
	struct userbpf_object_map *om = userbpf_object_find_map(s->u, "events");
	struct rec_list *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct ring_buffer *rb;

	if (!om || !a || !b)
		goto out;
	userbpf_ringbuf_consume(userbpf_object_map_map(om), collect_u, a, NULL);
	rb = ring_buffer__new(bpf_object__find_map_fd_by_name(s->k, "events"), collect_k, b, NULL);
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
	EXPECT(a->n == b->n && a->n > 0, "%s: ring buffer: %d records in userbpf, %d in the kernel",
	       ex, a->n, b->n);
	for (int i = 0; i < a->n && i < b->n; i++)
		EXPECT(a->size[i] == b->size[i] && memcmp(a->data[i], b->data[i], a->size[i]) == 0,
		       "%s: ring buffer record %d differs", ex, i);
out:
	free(a);
	free(b);
}

static void diff_example(const char *dir, const char *name, const char *prog,
			 struct userbpf_env *env, uint8_t *area)
{
	char path[512];
	struct side s = {0};
	struct userbpf_error err = {0};
	struct pkt *ps = calloc(64, sizeof(*ps));
	size_t np = make_packets(ps);
	int same = 0;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir, name);
	s.u = userbpf_object_open_file(path, NULL, &err);
	s.k = bpf_object__open_file(path, NULL);
	if (!s.u || !s.k || configure(name, &s) < 0 || userbpf_object_load(s.u, env, &err) < 0 ||
	    bpf_object__load(s.k) < 0) {
		EXPECT(0, "%s: cannot load on both sides (%s)", name, err.message);
		goto out;
	}
	s.uprog = userbpf_object_find_prog(s.u, prog);
	s.kprog = bpf_program__fd(bpf_object__find_program_by_name(s.k, prog));
	if (setup(name, &s) < 0) {
		EXPECT(0, "%s: host setup failed", name);
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		int64_t u = run_user(&s, area, &ps[i]), k = run_kernel(&s, &ps[i]);

		if (u == k)
			same++;
		else
			fprintf(stderr, "%s: packet %zu (%zu bytes): userbpf %lld, kernel %lld\n", name,
				i, ps[i].len, (long long)u, (long long)k);
	}
	EXPECT(same == (int)np, "%s: %d of %zu verdicts equal", name, same, np);
	for (struct userbpf_object_map *m = userbpf_object_next_map(s.u, NULL); m;
	     m = userbpf_object_next_map(s.u, m))
		compare_map(name, &s, m);
	if (strcmp(name, "ringbuf_events") == 0)
		compare_ringbuf(name, &s);
	printf("%s: %zu packets, verdicts %s\n", name, np, same == (int)np ? "equal" : "DIFFER");
out:
	userbpf_object_free(s.u);
	bpf_object__close(s.k);
	free(ps);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *obj, *prog;
	} examples[] = {
		{"xdp_proto_count", "xdp_count"}, {"lpm_router", "xdp_route"},
		{"rate_limit", "xdp_rate_limit"}, {"size_hist", "xdp_size_hist"},
		{"ringbuf_events", "xdp_events"}, {"tail_dispatch", "dispatch"},
	};
	struct userbpf_error err = {0};
	struct userbpf_env *env;
	uint8_t *area;
	int probe;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJDIR\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	/* Can this process use bpf(2)? An array map is the cheapest probe. */
	probe = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (probe < 0) {
		printf("skip: bpf(2) unavailable (%s)\n", strerror(errno));
		printf("0 passed, 0 failed\n");
		return 0;
	}
	close(probe);
	area = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
		    0);
	env = userbpf_env_new(NULL, &err);
	if (area == MAP_FAILED || !env || userbpf_env_register_std_helpers(env, &err) < 0) {
		printf("setup failed: %s\n0 passed, 1 failed\n", err.message);
		return 1;
	}
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		diff_example(argv[1], examples[i].obj, examples[i].prog, env, area);
	userbpf_env_free(env);
	munmap(area, 4096);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
