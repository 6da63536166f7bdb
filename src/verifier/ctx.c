/* SPDX-License-Identifier: MIT */
/*
 * ctx.c - context tables (see ctx.h): the built-in socket_filter, sched_cls and xdp tables,
 * host-declared contexts (userbpf_ctx_new), and the one access check both the verifier and
 * the fixups pass use.
 *
 * The built-in rules follow the kernel's is_valid_access callbacks for each program type:
 * - socket_filter: every __sk_buff scalar up to gso_size may be read, whole or in aligned
 *   parts, except tc_classid, wire_len, the sk_skb-only socket fields (family .. local_port),
 *   the timestamps; only cb[] may be written (any size, also 8 bytes at 8-aligned offsets);
 *   no packet pointers (the packet is read through LD_ABS/LD_IND); sk loads a socket or NULL.
 * - sched_cls adds data/data_meta/data_end (whole u32 loads producing packet pointers),
 *   tc_classid, wire_len, tstamp (u64, writable), tstamp_type (u8), hwtstamp (u64), and
 *   writes of mark, queue_mapping, priority, tc_index, tc_classid (whole u32).
 * - xdp: the u32 fields of xdp_md read whole; egress_ifindex only for devmap programs (not
 *   ours), nothing writable (rx_queue_index only for device-bound programs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "../hooks/ctx.h"
#include "../util/util.h"

#define FSIZE(T, f) ((uint32_t)sizeof(((T *)0)->f))

/* A scalar of __sk_buff, kept at its UAPI offset inside userbpf_skb.skb. */
#define SKB_SCALAR(f, rd, wr)                                                                  \
	{ #f, offsetof(struct __sk_buff, f), FSIZE(struct __sk_buff, f), rd, wr, CTX_SCALAR, 0,     \
	  false, offsetof(struct userbpf_skb, skb) + offsetof(struct __sk_buff, f),                 \
	  FSIZE(struct __sk_buff, f) }
/* A pointer of __sk_buff (u32 or u64 in the UAPI), an 8-byte pointer in userbpf_skb. */
#define SKB_PTR(f, kind, host)                                                                 \
	{ #f, offsetof(struct __sk_buff, f), FSIZE(struct __sk_buff, f),                             \
	  CTX_SZ(FSIZE(struct __sk_buff, f)), 0, kind, 0, false, offsetof(struct userbpf_skb, host), 8 }
#define XDP_SCALAR(f)                                                                          \
	{ #f, offsetof(struct xdp_md, f), 4, CTX_SZ(4), 0, CTX_SCALAR, 0, false,                     \
	  offsetof(struct userbpf_xdp, f), 4 }
#define XDP_PTR(f, kind)                                                                       \
	{ #f, offsetof(struct xdp_md, f), 4, CTX_SZ(4), 0, kind, 0, false,                           \
	  offsetof(struct userbpf_xdp, f), 8 }

#define SKB_RO(f) SKB_SCALAR(f, CTX_SZ_NARROW, 0)          /* read whole or in parts */
#define SKB_W4(f) SKB_SCALAR(f, CTX_SZ_NARROW, CTX_SZ(4)) /* and overwrite whole */

static const struct ctx_field socket_filter_fields[] = {
	SKB_RO(len),
	SKB_RO(pkt_type),
	SKB_RO(mark),
	SKB_RO(queue_mapping),
	SKB_RO(protocol),
	SKB_RO(vlan_present),
	SKB_RO(vlan_tci),
	SKB_RO(vlan_proto),
	SKB_RO(priority),
	SKB_RO(ingress_ifindex),
	SKB_RO(ifindex),
	SKB_RO(tc_index),
	SKB_SCALAR(cb, CTX_SZ_ANY, CTX_SZ_ANY),
	SKB_RO(hash),
	SKB_RO(napi_id),
	SKB_RO(gso_segs),
	SKB_PTR(sk, CTX_SOCK_COMMON_OR_NULL, sk),
	SKB_RO(gso_size),
};

static const struct ctx_field sched_cls_fields[] = {
	SKB_RO(len),
	SKB_RO(pkt_type),
	SKB_W4(mark),
	SKB_W4(queue_mapping),
	SKB_RO(protocol),
	SKB_RO(vlan_present),
	SKB_RO(vlan_tci),
	SKB_RO(vlan_proto),
	SKB_W4(priority),
	SKB_RO(ingress_ifindex),
	SKB_RO(ifindex),
	SKB_W4(tc_index),
	SKB_SCALAR(cb, CTX_SZ_ANY, CTX_SZ_ANY),
	SKB_RO(hash),
	SKB_W4(tc_classid),
	SKB_PTR(data, CTX_PACKET, data),
	SKB_PTR(data_end, CTX_PACKET_END, data_end),
	SKB_RO(napi_id),
	SKB_PTR(data_meta, CTX_PACKET_META, data_meta),
	SKB_SCALAR(tstamp, CTX_SZ(8), CTX_SZ(8)),
	SKB_RO(wire_len),
	SKB_RO(gso_segs),
	SKB_PTR(sk, CTX_SOCK_COMMON_OR_NULL, sk),
	SKB_RO(gso_size),
	SKB_SCALAR(tstamp_type, CTX_SZ(1), 0),
	SKB_SCALAR(hwtstamp, CTX_SZ(8), 0),
};

static const struct ctx_field xdp_fields[] = {
	XDP_PTR(data, CTX_PACKET),
	XDP_PTR(data_end, CTX_PACKET_END),
	XDP_PTR(data_meta, CTX_PACKET_META),
	XDP_SCALAR(ingress_ifindex),
	XDP_SCALAR(rx_queue_index),
};

static const struct ctx_desc builtin[CTX_TYPE_COUNT] = {
	[CTX_TYPE_SOCKET_FILTER] = {"socket_filter", sizeof(struct __sk_buff),
				    sizeof(struct userbpf_skb), socket_filter_fields,
				    ARRAY_SIZE(socket_filter_fields)},
	[CTX_TYPE_SCHED_CLS] = {"sched_cls", sizeof(struct __sk_buff), sizeof(struct userbpf_skb),
				sched_cls_fields, ARRAY_SIZE(sched_cls_fields)},
	[CTX_TYPE_XDP] = {"xdp", sizeof(struct xdp_md), sizeof(struct userbpf_xdp), xdp_fields,
			  ARRAY_SIZE(xdp_fields)},
};

const struct ctx_desc *ctx_builtin(enum ctx_type type)
{
	return (unsigned)type < CTX_TYPE_COUNT ? &builtin[type] : NULL;
}

const struct ctx_desc *ctx_builtin_by_name(const char *name)
{
	if (!name)
		return NULL;
	if (strcmp(name, "tc") == 0)
		return &builtin[CTX_TYPE_SCHED_CLS];
	for (size_t i = 0; i < CTX_TYPE_COUNT; i++)
		if (strcmp(builtin[i].name, name) == 0)
			return &builtin[i];
	return NULL;
}

const char *ctx_kind_name(enum ctx_kind kind)
{
	switch (kind) {
	case CTX_SCALAR:
		return "scalar";
	case CTX_PACKET:
		return "pkt";
	case CTX_PACKET_END:
		return "pkt_end";
	case CTX_PACKET_META:
		return "pkt_meta";
	case CTX_MEM:
		return "mem";
	case CTX_SOCK_COMMON_OR_NULL:
		return "sock_common_or_null";
	}
	return "?";
}

int ctx_check_access(const struct ctx_desc *d, int64_t off, uint32_t size, bool write, int insn,
		     struct ctx_access *out, struct userbpf_error *err)
{
	const struct ctx_field *f = NULL;
	size_t lo = 0, hi = d->nfields;
	uint8_t bit = CTX_SZ(size);

	if (off < 0 || off >= d->size || !bit || off % size)
		goto bad;
	/* fields are sorted by offset: find the last one starting at or before off */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->fields[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		goto bad;
	f = &d->fields[lo - 1];
	if ((uint64_t)off + size > (uint64_t)f->off + f->size)
		goto bad;
	if (!((write ? f->write_sizes : f->read_sizes) & bit))
		goto bad;
	if (out) {
		out->field = f;
		out->kind = f->kind;
		if (f->kind == CTX_SCALAR) {
			out->host_off = f->host_off + (uint32_t)(off - f->off);
			out->host_size = size;
		} else {
			out->host_off = f->host_off;
			out->host_size = f->host_size;
		}
	}
	return 0;
bad:
	return err_set(err, -EACCES, "verifier", insn, "invalid bpf_context access off=%lld size=%u",
		       (long long)off, size);
}

/* ---- host-declared contexts ---- */

struct userbpf_ctx {
	struct ctx_desc desc;
	struct ctx_field *fields;
	char *name;
};

const struct ctx_desc *ctx_of_host(const struct userbpf_ctx *ctx)
{
	return ctx ? &ctx->desc : NULL;
}

void userbpf_ctx_free(struct userbpf_ctx *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->desc.nfields; i++)
		free((char *)ctx->fields[i].name);
	free(ctx->fields);
	free(ctx->name);
	free(ctx);
}

static int cmp_field(const void *a, const void *b)
{
	const struct ctx_field *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int check_field(const struct userbpf_ctx_field *u, size_t i, uint32_t size,
		       struct userbpf_error *err)
{
	const char *n = u->name;
	bool ptr = u->kind == USERBPF_CTX_PACKET_START || u->kind == USERBPF_CTX_PACKET_END ||
		   u->kind == USERBPF_CTX_MEM;

	if (!n || !*n)
		return err_set(err, -EINVAL, "ctx", -1, "context field %zu has no name", i);
	if ((unsigned)u->kind > USERBPF_CTX_MEM)
		return err_set(err, -EINVAL, "ctx", -1, "context field '%s': unknown kind %d", n,
			       (int)u->kind);
	if (!CTX_SZ(u->size) || (ptr && u->size != 8))
		return err_set(err, -EINVAL, "ctx", -1, "context field '%s': size %u (%s)", n, u->size,
			       ptr ? "pointers take 8 bytes" : "1, 2, 4 or 8");
	if (u->offset % u->size)
		return err_set(err, -EINVAL, "ctx", -1,
			       "context field '%s': offset %u is not a multiple of its size %u", n,
			       u->offset, u->size);
	if ((uint64_t)u->offset + u->size > size)
		return err_set(err, -EINVAL, "ctx", -1,
			       "context field '%s' ends at %llu, past the context size %u", n,
			       (unsigned long long)u->offset + u->size, size);
	if (u->kind == USERBPF_CTX_MEM && (u->mem_size == 0 || u->mem_size >= (1u << 29)))
		return err_set(err, -EINVAL, "ctx", -1,
			       "context field '%s': mem_size %u (1 to 2^29-1 bytes)", n, u->mem_size);
	return 0;
}

struct userbpf_ctx *userbpf_ctx_new(const char *name, uint32_t size,
				    const struct userbpf_ctx_field *fields, size_t nfields,
				    struct userbpf_error *err)
{
	struct userbpf_ctx *c;
	int npkt = 0, nend = 0;

	err_clear(err);
	if (!name || !*name || size == 0 || size > 65536 || (nfields && !fields) ||
	    nfields > size) {
		err_set(err, -EINVAL, "ctx", -1,
			"context needs a name, a size of 1 to 65536 bytes and its fields");
		return NULL;
	}
	for (size_t i = 0; i < nfields; i++) {
		if (check_field(&fields[i], i, size, err))
			return NULL;
		npkt += fields[i].kind == USERBPF_CTX_PACKET_START;
		nend += fields[i].kind == USERBPF_CTX_PACKET_END;
	}
	if (npkt > 1 || nend > 1 || npkt != nend) {
		err_set(err, -EINVAL, "ctx", -1,
			"a context has either no packet or exactly one packet start and one end "
			"(got %d and %d)", npkt, nend);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->fields = calloc(nfields ? nfields : 1, sizeof(*c->fields))) ||
	    !(c->name = strdup(name)))
		goto oom;
	for (size_t i = 0; i < nfields; i++) {
		const struct userbpf_ctx_field *u = &fields[i];
		struct ctx_field *f = &c->fields[i];

		f->name = strdup(u->name);
		c->desc.nfields = i + 1; /* so userbpf_ctx_free frees the names so far */
		if (!f->name)
			goto oom;
		f->off = f->host_off = u->offset;
		f->size = f->host_size = u->size;
		switch (u->kind) {
		case USERBPF_CTX_SCALAR_RO:
		case USERBPF_CTX_SCALAR_RW:
			f->kind = CTX_SCALAR;
			/* any aligned part of a scalar may be read; stores replace it whole */
			for (uint32_t s = 1; s <= u->size; s *= 2)
				f->read_sizes |= CTX_SZ(s);
			f->write_sizes = u->kind == USERBPF_CTX_SCALAR_RW ? CTX_SZ(u->size) : 0;
			break;
		case USERBPF_CTX_PACKET_START:
		case USERBPF_CTX_PACKET_END:
		case USERBPF_CTX_MEM:
			f->kind = u->kind == USERBPF_CTX_MEM	       ? CTX_MEM
				  : u->kind == USERBPF_CTX_PACKET_END ? CTX_PACKET_END
								       : CTX_PACKET;
			f->read_sizes = CTX_SZ(8);
			f->mem_size = u->kind == USERBPF_CTX_MEM ? u->mem_size : 0;
			f->mem_rdonly = u->kind == USERBPF_CTX_MEM && u->mem_readonly;
			break;
		}
	}
	qsort(c->fields, nfields, sizeof(*c->fields), cmp_field);
	for (size_t i = 1; i < nfields; i++) {
		const struct ctx_field *a = &c->fields[i - 1], *b = &c->fields[i];

		if (a->off + a->size > b->off) {
			err_set(err, -EINVAL, "ctx", -1, "context fields '%s' and '%s' overlap",
				a->name, b->name);
			userbpf_ctx_free(c);
			return NULL;
		}
	}
	c->desc.name = c->name;
	c->desc.size = c->desc.host_size = size;
	c->desc.fields = c->fields;
	return c;
oom:
	err_set(err, -ENOMEM, "ctx", -1, "out of memory");
	userbpf_ctx_free(c);
	return NULL;
}
