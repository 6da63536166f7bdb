/* SPDX-License-Identifier: MIT */
/*
 * filter.h - the `userbpf filter` engine: run a classic filter over every packet of a pcap or
 * pcapng file, in the classic interpreter or converted to eBPF (interpreter or JIT), count the
 * matches and optionally write the matching packets to a pcap file. The CLI is a thin layer
 * over hooks_filter_file().
 */
#ifndef USERBPF_HOOKS_FILTER_H
#define USERBPF_HOOKS_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

enum hooks_engine {
	HOOKS_ENGINE_EBPF = 0, /* converted to eBPF, run on opts.backend (the default) */
	HOOKS_ENGINE_CBPF,     /* the classic interpreter */
};

struct hooks_filter_opts {
	size_t sz;
	enum hooks_engine engine;
	enum userbpf_backend backend; /* for HOOKS_ENGINE_EBPF */
	bool checked;                 /* force checked mode for the eBPF run */
	const char *out_path;         /* write matching packets here (pcap), or NULL */
	uint64_t seed;                /* SKF_AD_RANDOM state (0: a fixed default) */
};

struct hooks_filter_result {
	uint64_t packets; /* packets read (before an error, if any) */
	uint64_t matched; /* packets the filter accepted (return value != 0) */
	int linktype;     /* of the input file */
};

/*
 * Filter in_path with the checked program f. On a read error (malformed file) the result
 * still counts the packets before the failing record, the output holds their matches, and
 * the error names the record. An eBPF run error names the packet. Returns 0 or -errno.
 * env may be NULL for HOOKS_ENGINE_CBPF; for eBPF it needs hooks_skb_register_helpers().
 */
int hooks_filter_file(struct userbpf_env *env, const struct sock_filter *f, size_t n,
		      const char *in_path, const struct hooks_filter_opts *opts,
		      struct hooks_filter_result *res, struct userbpf_error *err);

#endif
