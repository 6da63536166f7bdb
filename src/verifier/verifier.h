/* SPDX-License-Identifier: MIT */
/*
 * verifier.h - private interface of src/verifier: prove a program safe before it runs
 * unchecked. verifier_check() runs the passes over one env: the CFG pass (cfg.c), then a
 * depth-first abstract interpretation of every path (explore.c with check_alu.c,
 * check_mem.c, check_jmp.c) over the scalar domain (tnum.c, range.c), pruning paths whose
 * state a finished checkpoint covers, then the combined stack check. Rejections use the
 * kernel verifier's wording, in the log and in the structured error.
 *
 * Program types so far: raw memory (the run model of vm.h: R1 = input memory of at least
 * `mem_size` bytes, R2 = its length), with helper calls and maps. Packet and ctx types next.
 */
#ifndef USERBPF_VERIFIER_H
#define USERBPF_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

struct userbpf_prog;

enum verifier_prog_type {
	VERIFIER_PROG_RAW_MEM = 0,
};

struct verifier_opts {
	enum verifier_prog_type type;
	/* Raw memory: R1 points to at least this many bytes; R2 holds the real length. */
	uint32_t mem_size;
	bool mem_readonly;
	/*
	 * The kernel's CAP_BPF + CAP_PERFMON: bounded loops, pointer comparisons and
	 * subtraction, reads of uninitialised stack. Unprivileged programs may not leak
	 * pointers (into memory, as return values) either.
	 */
	bool privileged;
	/* 0: none, 1: the failing path (kernel level 1), 2: every instruction's state. */
	uint32_t log_level;
	/* Stack depth granularity for the combined-stack check (kernel: 32, 16 with JIT). */
	uint32_t stack_round;
	/* Processed-instruction limit (0: the kernel's 1,000,000). */
	uint32_t insn_limit;
	/*
	 * The maps the program refers to, as userbpf_prog_opts has them: lddw with src_reg
	 * BPF_PSEUDO_MAP_FD/IDX and imm = i is maps[i] (CONST_PTR_TO_MAP), with
	 * BPF_PSEUDO_MAP_VALUE/IDX_VALUE a pointer into its single value.
	 */
	struct userbpf_map *const *maps;
	size_t nmaps;
};

/* The caller's log buffer; text is always NUL-terminated, `truncated` if it did not fit. */
struct verifier_log {
	char *buf;
	size_t size;
	size_t len;
	bool truncated;
};

/*
 * Verify the program's instructions (already structurally validated). 0: safe; -EACCES:
 * rejected (err names the instruction and holds the kernel's message, which the log ends
 * with); -EINVAL: malformed control flow (cfg); -E2BIG: too complex; -ENOMEM.
 * log may be NULL. Statistics end the log: "processed N insns (limit 1000000) ...".
 */
int verifier_check(const struct userbpf_prog *prog, const struct verifier_opts *opts,
		   struct verifier_log *log, struct userbpf_error *err);
/* The same on raw instructions. */
int verifier_check_insns(const void *insns, size_t n, const struct verifier_opts *opts,
			 struct verifier_log *log, struct userbpf_error *err);

#endif
