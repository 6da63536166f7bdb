/* SPDX-License-Identifier: MIT */
/*
 * test_ctx.c - context tables: every built-in field sits at its UAPI offset and size and at
 * the right place of the host struct; the access check agrees, for every offset, size and
 * direction, with what Linux 6.18 accepted (ctx_kernel.h, measured); host-declared contexts
 * are validated and checked the same way.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>

#include "hooks/ctx.h"
#include "test.h"
#include "util/util.h"
#include "verifier/ctx.h"

#include "ctx_kernel.h"

#define SKB(f) {#f, offsetof(struct __sk_buff, f), sizeof(((struct __sk_buff *)0)->f)}
#define XDP(f) {#f, offsetof(struct xdp_md, f), sizeof(((struct xdp_md *)0)->f)}

struct uapi_field {
	const char *name;
	size_t off, size;
};

/* Every field of the UAPI structs, by name. */
static const struct uapi_field skb_uapi[] = {
	SKB(len), SKB(pkt_type), SKB(mark), SKB(queue_mapping), SKB(protocol),
	SKB(vlan_present), SKB(vlan_tci), SKB(vlan_proto), SKB(priority), SKB(ingress_ifindex),
	SKB(ifindex), SKB(tc_index), SKB(cb), SKB(hash), SKB(tc_classid), SKB(data),
	SKB(data_end), SKB(napi_id), SKB(family), SKB(remote_ip4), SKB(local_ip4),
	SKB(remote_ip6), SKB(local_ip6), SKB(remote_port), SKB(local_port), SKB(data_meta),
	SKB(flow_keys), SKB(tstamp), SKB(wire_len), SKB(gso_segs), SKB(sk), SKB(gso_size),
	SKB(tstamp_type), SKB(hwtstamp),
};
static const struct uapi_field xdp_uapi[] = {
	XDP(data), XDP(data_end), XDP(data_meta), XDP(ingress_ifindex), XDP(rx_queue_index),
	XDP(egress_ifindex),
};

static const struct uapi_field *uapi_find(const struct uapi_field *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* The host field a pointer field must be loaded from. */
static size_t host_ptr_off(enum ctx_type type, const char *name)
{
#define HOST(T, f)                        \
	if (strcmp(name, #f) == 0)        \
		return offsetof(T, f)
	if (type == CTX_TYPE_XDP) {
		HOST(struct userbpf_xdp, data);
		HOST(struct userbpf_xdp, data_end);
		HOST(struct userbpf_xdp, data_meta);
	} else {
		HOST(struct userbpf_skb, data);
		HOST(struct userbpf_skb, data_end);
		HOST(struct userbpf_skb, data_meta);
		HOST(struct userbpf_skb, sk);
	}
#undef HOST
	return (size_t)-1;
}

static void test_layout(void)
{
	for (int t = 0; t < CTX_TYPE_COUNT; t++) {
		const struct ctx_desc *d = ctx_builtin((enum ctx_type)t);
		bool xdp = t == CTX_TYPE_XDP;
		const struct uapi_field *u = xdp ? xdp_uapi : skb_uapi;
		size_t nu = xdp ? ARRAY_SIZE(xdp_uapi) : ARRAY_SIZE(skb_uapi);

		CHECK(d != NULL);
		if (!d)
			continue;
		CHECK(d->size == (xdp ? sizeof(struct xdp_md) : sizeof(struct __sk_buff)));
		CHECK(d->host_size == (xdp ? sizeof(struct userbpf_xdp) : sizeof(struct userbpf_skb)));
		CHECK(ctx_builtin_by_name(d->name) == d);
		for (size_t i = 0; i < d->nfields; i++) {
			const struct ctx_field *f = &d->fields[i];
			const struct uapi_field *uf = uapi_find(u, nu, f->name);

			CHECK(uf != NULL);
			if (!uf)
				continue;
			if (f->off != uf->off || f->size != uf->size)
				fprintf(stderr, "%s.%s: off %u size %u, UAPI %zu %zu\n", d->name, f->name,
					f->off, f->size, uf->off, uf->size);
			CHECK(f->off == uf->off && f->size == uf->size);
			CHECK(i == 0 || d->fields[i - 1].off + d->fields[i - 1].size <= f->off);
			CHECK(f->host_off + f->host_size <= d->host_size);
			if (f->kind == CTX_SCALAR) {
				/* scalars: the UAPI struct is embedded in the host one (skb) or the
				 * field has the same name there (xdp) */
				size_t want = xdp ? (strcmp(f->name, "ingress_ifindex") == 0
							     ? offsetof(struct userbpf_xdp, ingress_ifindex)
							     : offsetof(struct userbpf_xdp, rx_queue_index))
						  : offsetof(struct userbpf_skb, skb) + uf->off;
				CHECK(f->host_off == want && f->host_size == f->size);
			} else {
				CHECK(f->host_off == host_ptr_off((enum ctx_type)t, f->name));
				CHECK(f->host_size == 8 && f->write_sizes == 0);
				CHECK(f->read_sizes == CTX_SZ(f->size));
			}
		}
	}
	CHECK(ctx_builtin(CTX_TYPE_COUNT) == NULL);
	CHECK(ctx_builtin_by_name("tc") == ctx_builtin(CTX_TYPE_SCHED_CLS));
	CHECK(ctx_builtin_by_name("kprobe") == NULL && ctx_builtin_by_name(NULL) == NULL);
	/* the kinds the loads produce */
	struct ctx_access a;
	const struct ctx_desc *cls = ctx_builtin(CTX_TYPE_SCHED_CLS);
	const struct ctx_desc *xdp = ctx_builtin(CTX_TYPE_XDP);
	const struct ctx_desc *sf = ctx_builtin(CTX_TYPE_SOCKET_FILTER);

	CHECK(ctx_check_access(cls, offsetof(struct __sk_buff, data), 4, false, 0, &a, NULL) == 0 &&
	      a.kind == CTX_PACKET && a.host_off == offsetof(struct userbpf_skb, data) &&
	      a.host_size == 8);
	CHECK(ctx_check_access(cls, offsetof(struct __sk_buff, data_end), 4, false, 0, &a, NULL) ==
		      0 && a.kind == CTX_PACKET_END);
	CHECK(ctx_check_access(cls, offsetof(struct __sk_buff, data_meta), 4, false, 0, &a, NULL) ==
		      0 && a.kind == CTX_PACKET_META &&
	      a.host_off == offsetof(struct userbpf_skb, data_meta));
	CHECK(ctx_check_access(xdp, 4, 4, false, 0, &a, NULL) == 0 && a.kind == CTX_PACKET_END &&
	      a.host_off == offsetof(struct userbpf_xdp, data_end) && a.host_size == 8);
	CHECK(ctx_check_access(xdp, 16, 4, false, 0, &a, NULL) == 0 && a.kind == CTX_SCALAR &&
	      a.host_off == offsetof(struct userbpf_xdp, rx_queue_index) && a.host_size == 4);
	CHECK(ctx_check_access(sf, offsetof(struct __sk_buff, sk), 8, false, 0, &a, NULL) == 0 &&
	      a.kind == CTX_SOCK_COMMON_OR_NULL);
	/* a narrow load of a scalar reads the matching host bytes */
	CHECK(ctx_check_access(sf, offsetof(struct __sk_buff, protocol) + 2, 2, false, 0, &a,
			       NULL) == 0 &&
	      a.host_off == offsetof(struct userbpf_skb, skb.protocol) + 2 && a.host_size == 2 &&
	      strcmp(a.field->name, "protocol") == 0);
	CHECK(ctx_check_access(cls, offsetof(struct __sk_buff, cb[3]), 4, true, 0, &a, NULL) == 0 &&
	      a.host_off == offsetof(struct userbpf_skb, skb.cb[3]));
	CHECK_STR(ctx_kind_name(CTX_PACKET_END), "pkt_end");
	CHECK_STR(ctx_kind_name(CTX_SOCK_COMMON_OR_NULL), "sock_common_or_null");
}

/* Every (offset, size, direction) against the kernel's measured verdict. */
static void test_kernel_matrix(void)
{
	static const int maxoff[CTX_TYPE_COUNT] = {200, 200, 28};
	static const uint32_t sizes[4] = {1, 2, 4, 8};
	int mismatches = 0;

	for (int t = 0; t < CTX_TYPE_COUNT; t++) {
		const struct ctx_desc *d = ctx_builtin((enum ctx_type)t);

		for (int off = -8; off < maxoff[t] + 8; off++) {
			const char *acc = "........";

			for (size_t i = 0; i < ARRAY_SIZE(kernel_ctx); i++)
				if (kernel_ctx[i].type == t && kernel_ctx[i].off == off)
					acc = kernel_ctx[i].acc;
			for (int s = 0; s < 4; s++) {
				for (int w = 0; w < 2; w++) {
					struct userbpf_error err;
					bool want = acc[2 * s + w] != '.';
					int ret = ctx_check_access(d, off, sizes[s], w, 7, NULL, &err);

					if ((ret == 0) != want) {
						mismatches++;
						fprintf(stderr, "%s off %d size %u %s: kernel %s, ours %s\n",
							d->name, off, sizes[s], w ? "store" : "load",
							want ? "accepts" : "rejects", ret ? "rejects" : "accepts");
					}
					CHECK((ret == 0) == want);
					if (ret) {
						char msg[64];

						snprintf(msg, sizeof(msg),
							 "invalid bpf_context access off=%d size=%u", off,
							 sizes[s]);
						CHECK(ret == -EACCES && err.insn == 7 &&
						      strcmp(err.message, msg) == 0);
					}
				}
			}
		}
	}
	printf("kernel ctx matrix: %d mismatches\n", mismatches);
	/* sizes that are no access size at all */
	CHECK(ctx_check_access(ctx_builtin(CTX_TYPE_SOCKET_FILTER), 48, 3, false, 0, NULL, NULL) ==
	      -EACCES);
	CHECK(ctx_check_access(ctx_builtin(CTX_TYPE_SOCKET_FILTER), 48, 0, false, 0, NULL, NULL) ==
	      -EACCES);
	CHECK(ctx_check_access(ctx_builtin(CTX_TYPE_SOCKET_FILTER), INT64_MIN, 4, false, 0, NULL,
			       NULL) == -EACCES);
	CHECK(ctx_check_access(ctx_builtin(CTX_TYPE_SOCKET_FILTER), INT64_MAX, 4, false, 0, NULL,
			       NULL) == -EACCES);
}

struct host {
	uint64_t pkt, pkt_end;
	uint32_t id;
	uint16_t flags;
	uint8_t pad[2];
	uint64_t cookie;
	uint64_t scratch;
};

static void test_host(void)
{
	struct userbpf_error err;
	const struct userbpf_ctx_field ok[] = {
		{"cookie", offsetof(struct host, cookie), 8, USERBPF_CTX_SCALAR_RW, 0, false},
		{"pkt", offsetof(struct host, pkt), 8, USERBPF_CTX_PACKET_START, 0, false},
		{"pkt_end", offsetof(struct host, pkt_end), 8, USERBPF_CTX_PACKET_END, 0, false},
		{"id", offsetof(struct host, id), 4, USERBPF_CTX_SCALAR_RO, 0, false},
		{"flags", offsetof(struct host, flags), 2, USERBPF_CTX_SCALAR_RW, 0, false},
		{"scratch", offsetof(struct host, scratch), 8, USERBPF_CTX_MEM, 64, true},
	};
	struct userbpf_ctx *c = userbpf_ctx_new("myhook", sizeof(struct host), ok, ARRAY_SIZE(ok),
						&err);
	const struct ctx_desc *d = ctx_of_host(c);
	struct ctx_access a;

	CHECK(c != NULL && d != NULL);
	if (!d)
		return;
	CHECK_STR(d->name, "myhook");
	CHECK(d->size == sizeof(struct host) && d->host_size == sizeof(struct host) &&
	      d->nfields == ARRAY_SIZE(ok));
	for (size_t i = 1; i < d->nfields; i++)
		CHECK(d->fields[i - 1].off < d->fields[i].off);
	CHECK(ctx_check_access(d, 0, 8, false, 0, &a, NULL) == 0 && a.kind == CTX_PACKET &&
	      a.host_off == 0 && a.host_size == 8);
	CHECK(ctx_check_access(d, 8, 8, false, 0, &a, NULL) == 0 && a.kind == CTX_PACKET_END);
	CHECK(ctx_check_access(d, 0, 4, false, 0, NULL, NULL) == -EACCES); /* half a pointer */
	CHECK(ctx_check_access(d, 0, 8, true, 0, NULL, NULL) == -EACCES);  /* no pointer stores */
	CHECK(ctx_check_access(d, 16, 4, false, 0, &a, NULL) == 0 && a.kind == CTX_SCALAR);
	CHECK(ctx_check_access(d, 18, 1, false, 0, &a, NULL) == 0 && a.host_off == 18);
	CHECK(ctx_check_access(d, 16, 4, true, 0, NULL, NULL) == -EACCES); /* read-only */
	CHECK(ctx_check_access(d, 20, 2, true, 0, NULL, NULL) == 0);
	CHECK(ctx_check_access(d, 20, 1, true, 0, NULL, NULL) == -EACCES); /* stores are whole */
	CHECK(ctx_check_access(d, 21, 1, false, 0, NULL, NULL) == 0);
	CHECK(ctx_check_access(d, 22, 1, false, 0, NULL, NULL) == -EACCES); /* padding */
	CHECK(ctx_check_access(d, 24, 8, true, 0, NULL, NULL) == 0);
	CHECK(ctx_check_access(d, 32, 8, false, 0, &a, NULL) == 0 && a.kind == CTX_MEM &&
	      a.field->mem_size == 64 && a.field->mem_rdonly);
	CHECK(ctx_check_access(d, 40, 1, false, 0, NULL, NULL) == -EACCES); /* past the end */
	userbpf_ctx_free(c);
	userbpf_ctx_free(NULL);

	/* every way a description can be wrong */
	struct {
		struct userbpf_ctx_field f[2];
		size_t n;
		uint32_t size;
		const char *msg;
	} bad[] = {
		{{{"a", 0, 3, USERBPF_CTX_SCALAR_RO, 0, false}}, 1, 8, "size 3"},
		{{{"a", 2, 4, USERBPF_CTX_SCALAR_RO, 0, false}}, 1, 8, "not a multiple"},
		{{{"a", 8, 8, USERBPF_CTX_SCALAR_RO, 0, false}}, 1, 8, "past the context size"},
		{{{"a", 0, 4, USERBPF_CTX_PACKET_START, 0, false}}, 1, 8, "pointers take 8 bytes"},
		{{{"a", 0, 8, USERBPF_CTX_PACKET_START, 0, false}}, 1, 8, "exactly one packet start"},
		{{{"a", 0, 8, USERBPF_CTX_PACKET_END, 0, false}}, 1, 8, "exactly one packet start"},
		{{{"a", 0, 8, USERBPF_CTX_MEM, 0, false}}, 1, 8, "mem_size 0"},
		{{{"a", 0, 8, USERBPF_CTX_MEM, 1u << 29, false}}, 1, 8, "mem_size"},
		{{{NULL, 0, 8, USERBPF_CTX_SCALAR_RO, 0, false}}, 1, 8, "has no name"},
		{{{"a", 0, 8, (enum userbpf_ctx_field_kind)9, 0, false}}, 1, 8, "unknown kind"},
		{{{"a", 0, 8, USERBPF_CTX_SCALAR_RO, 0, false}, {"b", 4, 4, USERBPF_CTX_SCALAR_RO, 0,
		  false}}, 2, 8, "'a' and 'b' overlap"},
		{{{"a", 0, 8, USERBPF_CTX_SCALAR_RO, 0, false}}, 1, 0, "size of 1 to 65536"},
		{{{"a", 0, 8, USERBPF_CTX_SCALAR_RO, 0, false}}, 1, 65537, "size of 1 to 65536"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		c = userbpf_ctx_new("h", bad[i].size, bad[i].f, bad[i].n, &err);
		if (c || err.code != -EINVAL || !strstr(err.message, bad[i].msg))
			fprintf(stderr, "bad case %zu: %s\n", i, c ? "accepted" : err.message);
		CHECK(c == NULL && err.code == -EINVAL && strstr(err.message, bad[i].msg));
		userbpf_ctx_free(c);
	}
	CHECK(userbpf_ctx_new(NULL, 8, NULL, 0, &err) == NULL && err.code == -EINVAL);
	CHECK(userbpf_ctx_new("h", 8, NULL, 1, &err) == NULL && err.code == -EINVAL);
	/* a context with no fields is valid (and every access fails) */
	c = userbpf_ctx_new("empty", 8, NULL, 0, &err);
	CHECK(c != NULL && ctx_check_access(ctx_of_host(c), 0, 1, false, 0, NULL, NULL) == -EACCES);
	userbpf_ctx_free(c);
}

/* Every allowed scalar load, rewritten to the host struct, reads the bytes the program would
 * read from the UAPI struct; pointer loads read the host's 8-byte pointers. */
static void test_rewrite(void)
{
	struct userbpf_skb hs;
	struct userbpf_xdp hx;
	struct xdp_md ux;
	uint8_t *b = (uint8_t *)&hs.skb;
	int checked = 0;

	for (size_t i = 0; i < sizeof(hs.skb); i++)
		b[i] = (uint8_t)(i * 7 + 1);
	hs.data = 0x1111111111111111ull;
	hs.data_end = 0x2222222222222222ull;
	hs.data_meta = 0x3333333333333333ull;
	hs.sk = 0;
	for (int t = 0; t < CTX_TYPE_COUNT; t++) {
		const struct ctx_desc *d = ctx_builtin((enum ctx_type)t);
		const uint8_t *uapi, *host;

		if (t == CTX_TYPE_XDP) {
			memset(&hx, 0, sizeof(hx));
			memset(&ux, 0, sizeof(ux));
			hx.data = 0x1111111111111111ull;
			hx.data_end = 0x2222222222222222ull;
			hx.data_meta = 0x3333333333333333ull;
			hx.ingress_ifindex = ux.ingress_ifindex = 0x01020304;
			hx.rx_queue_index = ux.rx_queue_index = 0x05060708;
			uapi = (const uint8_t *)&ux;
			host = (const uint8_t *)&hx;
		} else {
			uapi = b;
			host = (const uint8_t *)&hs;
		}
		for (uint32_t off = 0; off < d->size; off++) {
			for (uint32_t sz = 1; sz <= 8; sz *= 2) {
				struct ctx_access a;
				uint64_t want = 0, got = 0;

				if (ctx_check_access(d, off, sz, false, 0, &a, NULL))
					continue;
				CHECK(a.host_off + a.host_size <= d->host_size);
				memcpy(&got, host + a.host_off, a.host_size);
				if (a.kind == CTX_SCALAR) {
					memcpy(&want, uapi + off, sz);
				} else {
					const char *n = a.field->name;

					want = !strcmp(n, "data")       ? 0x1111111111111111ull
					       : !strcmp(n, "data_end") ? 0x2222222222222222ull
					       : !strcmp(n, "data_meta") ? 0x3333333333333333ull
									 : 0;
				}
				if (got != want)
					fprintf(stderr, "%s off %u size %u: host reads %llx, want %llx\n",
						d->name, off, sz, (unsigned long long)got,
						(unsigned long long)want);
				CHECK(got == want);
				checked++;
			}
		}
	}
	printf("rewrite: %d loads read the same bytes through the host struct\n", checked);
	CHECK(checked > 300);
}

int main(void)
{
	test_layout();
	test_kernel_matrix();
	test_rewrite();
	test_host();
	return test_summary();
}
