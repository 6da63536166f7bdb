/* SPDX-License-Identifier: MIT */
/*
 * ctx.h - context descriptions: for each program type, which fields of the context struct R1
 * points to a program may load and store, with which sizes, what type a load produces
 * (scalar, packet start/end/meta, memory of N bytes, socket-or-NULL), and where the field
 * lives in the host-side struct our runtime passes (src/hooks/ctx.h), so that the verifier
 * checks ctx accesses against one table and the fixups pass rewrites them from the same table.
 *
 * Built-in tables: socket_filter and sched_cls (`struct __sk_buff`), xdp (`struct xdp_md`),
 * with exactly the kernel's access rules (net/core/filter.c, checked against Linux 6.18 by
 * tests/unit/test_ctx.c and the verifier-diff suite). Hosts describe their own contexts with
 * userbpf_ctx_new() (include/userbpf.h, "Contexts"); ctx_of_host() gives its table.
 */
#ifndef USERBPF_VERIFIER_CTX_H
#define USERBPF_VERIFIER_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

/* What a load of the field produces. */
enum ctx_kind {
	CTX_SCALAR = 0,          /* an unknown scalar, zero-extended from the access size */
	CTX_PACKET,              /* PTR_TO_PACKET: first byte of the packet */
	CTX_PACKET_END,          /* PTR_TO_PACKET_END: one past its last byte */
	CTX_PACKET_META,         /* PTR_TO_PACKET_META: metadata in front of the packet */
	CTX_MEM,                 /* PTR_TO_MEM of mem_size bytes (never NULL) */
	CTX_SOCK_COMMON_OR_NULL, /* PTR_TO_SOCK_COMMON_OR_NULL (user space has none: NULL) */
};

/* Access sizes as a bit set: bit 0 = 1 byte, 1 = 2, 2 = 4, 3 = 8. */
#define CTX_SZ(n) ((uint8_t)((n) == 1 ? 1 : (n) == 2 ? 2 : (n) == 4 ? 4 : (n) == 8 ? 8 : 0))
#define CTX_SZ_NARROW (CTX_SZ(1) | CTX_SZ(2) | CTX_SZ(4)) /* a u32 field read in parts */
#define CTX_SZ_ANY (CTX_SZ_NARROW | CTX_SZ(8))

struct ctx_field {
	const char *name;
	uint32_t off;  /* in the program-visible struct */
	uint32_t size; /* bytes the field covers there */
	/*
	 * Allowed load / store sizes. An access of size s at offset o is allowed when s is in the
	 * set, o % s == 0 and [o, o+s) lies inside the field; a size equal to the field's size
	 * is the whole field, smaller ones read (or write) part of it. Stores are STX only: the
	 * kernel refuses BPF_ST and atomic operations on ctx whatever the field.
	 */
	uint8_t read_sizes, write_sizes;
	enum ctx_kind kind;
	uint32_t mem_size; /* CTX_MEM: bytes readable from the pointer */
	bool mem_rdonly;   /* CTX_MEM: no stores through it */
	/* Where the field is in the host-side struct: a part of the field at o maps to
	 * host_off + (o - off) with the same size; pointer kinds load host_size (8) bytes. */
	uint32_t host_off, host_size;
};

struct ctx_desc {
	const char *name;    /* "socket_filter", "sched_cls", "xdp", or the host's */
	uint32_t size;       /* sizeof the program-visible struct: accesses past it fail */
	uint32_t host_size;  /* sizeof the host-side struct */
	const struct ctx_field *fields;
	size_t nfields;      /* sorted by off, non-overlapping */
};

enum ctx_type {
	CTX_TYPE_SOCKET_FILTER = 0,
	CTX_TYPE_SCHED_CLS,
	CTX_TYPE_XDP,
	CTX_TYPE_COUNT,
};

/* The built-in table of a program type; NULL when out of range. */
const struct ctx_desc *ctx_builtin(enum ctx_type type);
/* The built-in table called name ("socket_filter", "sched_cls", "tc" too, "xdp"), or NULL. */
const struct ctx_desc *ctx_builtin_by_name(const char *name);
/* The table a host built with userbpf_ctx_new(). */
const struct ctx_desc *ctx_of_host(const struct userbpf_ctx *ctx);

/* A checked access: the field it falls in and the rewritten host access. */
struct ctx_access {
	const struct ctx_field *field;
	enum ctx_kind kind;
	uint32_t host_off;  /* host struct offset to load from / store to */
	uint32_t host_size; /* bytes to load or store there (8 for pointer kinds) */
};

/*
 * Check a load (write == false) or STX store of `size` bytes at ctx offset `off` (the
 * instruction's offset: a moved ctx pointer is the caller's error to report). 0 and *out on
 * success; -EACCES with the kernel's "invalid bpf_context access off=%d size=%d" otherwise,
 * insn given as the error's instruction index.
 */
int ctx_check_access(const struct ctx_desc *d, int64_t off, uint32_t size, bool write, int insn,
		     struct ctx_access *out, struct userbpf_error *err);

/* "scalar", "pkt", "pkt_end", "pkt_meta", "mem", "sock_common_or_null". */
const char *ctx_kind_name(enum ctx_kind kind);

#endif
