/* SPDX-License-Identifier: MIT */
/*
 * cfg.h - the verifier's control-flow pass over a structurally valid program (isa_validate()
 * accepted it): subprograms (each local call target, and each function address taken by an
 * lddw), jumps that leave their subprogram, subprograms that fall off their end, reachability,
 * back-edges (refused unless loops are allowed, in which case their targets become loop
 * heads that the exploration checkpoints), the static call graph with its depth, and the
 * combined stack size of every call chain once exploration knows each subprogram's depth.
 * Errors use the kernel's wording ("unreachable insn 3", "back-edge from insn 4 to 2").
 */
#ifndef USERBPF_VERIFIER_CFG_H
#define USERBPF_VERIFIER_CFG_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

#define CFG_MAX_FRAMES 8   /* main program plus 7 nested bpf-to-bpf calls */
#define CFG_MAX_STACK 512  /* bytes, summed over a call chain */

/* Per-instruction facts. */
enum {
	CFG_REACHED = 1 << 0,       /* on some path from insn 0 */
	CFG_LDDW_TAIL = 1 << 1,     /* second slot of an lddw: not an instruction */
	CFG_JUMP_TARGET = 1 << 2,   /* some jump lands here */
	CFG_PRUNE = 1 << 3,         /* exploration compares states here */
	CFG_LOOP_HEAD = 1 << 4,     /* target of a back-edge: always checkpointed */
	CFG_SUBPROG_START = 1 << 5, /* first insn of a subprogram */
};

struct cfg_subprog {
	uint32_t start, end;  /* insns [start, end) */
	uint32_t frames;      /* longest chain of frames from here (1 for a leaf) */
	bool is_callback;     /* its address is taken (lddw src_reg=BPF_PSEUDO_FUNC) */
};

struct cfg_call {
	uint32_t insn;           /* the call instruction */
	uint32_t caller, callee; /* subprogram indices */
};

struct cfg {
	uint32_t n;                /* instruction slots */
	uint8_t *flags;            /* n entries of CFG_* */
	struct cfg_subprog *sub;   /* nsub entries, by start; sub[0] is the main program */
	uint32_t nsub;
	struct cfg_call *calls;    /* ncalls local calls, in instruction order */
	uint32_t ncalls;
	bool has_loops;            /* some back-edge was allowed */
};

struct cfg_opts {
	bool allow_loops; /* privileged: back-edges are allowed, exploration must bound them */
};

/*
 * Build the CFG of a validated program. Returns 0, or -EINVAL (structure: jump out of
 * range, fall-through, unreachable, back-edge), -E2BIG (call chain too deep) or -ENOMEM,
 * with err filled ("cfg" component, the kernel's message). cfg must be released with
 * cfg_free() whatever the result.
 */
int cfg_build(struct cfg *cfg, const struct bpf_insn *insns, size_t n, const struct cfg_opts *opts,
	      struct userbpf_error *err);
void cfg_free(struct cfg *cfg);

/* Index of the subprogram holding insn (binary search). */
uint32_t cfg_subprog_of(const struct cfg *cfg, uint32_t insn);

/*
 * After exploration: depth[i] = bytes of stack subprogram i uses. Every call chain's sum of
 * depths, each rounded up to `round` bytes (at least one unit), must stay within
 * CFG_MAX_STACK: "combined stack size of 2 calls is 768. Too large" (-EACCES) otherwise.
 */
int cfg_check_stack(const struct cfg *cfg, const uint32_t *depth, uint32_t round,
		    struct userbpf_error *err);

#endif
