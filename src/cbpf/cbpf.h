/* SPDX-License-Identifier: MIT */
/*
 * cbpf.h - private interface of src/cbpf: classic BPF (`struct sock_filter`, <linux/filter.h>).
 *
 *  - cbpf_check():    the kernel's acceptance rules for a socket filter;
 *  - cbpf_run():      the interpreter (A, X, M[16]; kernel semantics);
 *  - cbpf_print() / cbpf_parse(): the `tcpdump -d`, `-dd` and `-ddd` text formats;
 *  - cbpf_to_ebpf():  the converter to an ordinary eBPF program.
 *
 * Run-time model, shared by the interpreter and the converted program so they agree exactly:
 *  - The packet is `data[0, caplen)`. A load (ABS, IND, MSH) that does not fit inside it, or
 *    whose offset is negative as a 32-bit signed value (SKF_NET_OFF/SKF_LL_OFF relative loads
 *    have no meaning in user space), ends the program with return value 0, as the kernel does.
 *  - Packet metadata comes from a `struct __sk_buff` (the socket-filter context): BPF_LEN is
 *    skb->len (the wire length, which may exceed caplen), and the ancillary loads
 *    (k = SKF_AD_OFF + SKF_AD_*) read its fields: PROTOCOL and VLAN_TPID are stored there in
 *    network byte order (as the kernel exposes them) and returned in host order.
 *  - SKF_AD_RANDOM draws from a caller-owned xorshift state (cbpf_random()), SKF_AD_CPU is 0
 *    (one virtual CPU), SKF_AD_ALU_XOR_X is A ^= X. The size bits of an ancillary load are
 *    ignored, as in the kernel. SKF_AD_NLATTR(_NEST), SKF_AD_HATYPE and SKF_AD_PAY_OFFSET need
 *    kernel objects we do not have: the checker rejects them with -ENOTSUP.
 *  - Division or modulo by X == 0 ends the program with 0; shifts by X use X & 31 (the eBPF
 *    32-bit shift the kernel converts them to).
 *
 * The converted eBPF program expects R1 = pointer to that struct __sk_buff, reads the packet
 * through LD_ABS/LD_IND (the run's packet: see hooks_skb_run() in src/hooks), keeps A in R0,
 * X in R7, the context in R6 and M[k] in the stack at R10 - 64 + 4k. It calls helper
 * BPF_FUNC_get_prandom_u32 for SKF_AD_RANDOM and BPF_FUNC_get_smp_processor_id for SKF_AD_CPU.
 */
#ifndef USERBPF_CBPF_H
#define USERBPF_CBPF_H

#include <linux/bpf.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"
#include "userbpf.h"

#define CBPF_MAX_INSNS BPF_MAXINSNS /* 4096, the kernel's limit */
#define CBPF_MEMWORDS BPF_MEMWORDS  /* 16 scratch words M[0..15] */
/* Where the converted program keeps M[0]: R10 + CBPF_STACK_OFF (M[k] at + 4k). */
#define CBPF_STACK_OFF (-4 * CBPF_MEMWORDS)

/* What a classic filter runs on. */
struct cbpf_input {
	const uint8_t *data; /* captured bytes */
	uint32_t caplen;     /* how many: loads beyond end the program with 0 */
	const struct __sk_buff *skb; /* metadata (len, protocol, ...); required */
	uint64_t *rand_state;        /* SKF_AD_RANDOM state (NULL: the value is 0) */
};

/*
 * The kernel's rules (net/core/filter.c semantics, written from its documentation): 1 to 4096
 * instructions, known opcodes, jumps forward and inside the program, M[k] with k < 16 and
 * written on every path before it is read, no division or modulo by a constant 0, constant
 * shifts below 32, known ancillary offsets, and the last instruction a RET. Returns 0 or
 * -EINVAL (-ENOTSUP for ancillary loads that need kernel objects); err names the instruction.
 */
int cbpf_check(const struct sock_filter *f, size_t n, struct userbpf_error *err);

/* Run a program cbpf_check() accepted; returns the filter's return value. */
uint32_t cbpf_run(const struct sock_filter *f, size_t n, const struct cbpf_input *in);

/* Next value of the SKF_AD_RANDOM generator (xorshift64*); a zero state is reseeded. */
uint32_t cbpf_random(uint64_t *state);

/* Is k (of an LD ABS) an ancillary load, and its name in `tcpdump -d` output ("proto"...). */
bool cbpf_is_ancillary(uint32_t k);
const char *cbpf_ancillary_name(uint32_t k);

enum cbpf_format {
	CBPF_FMT_AUTO = 0, /* cbpf_parse only: detect from the text */
	CBPF_FMT_D,        /* tcpdump -d:   "(000) ldh      [12]" */
	CBPF_FMT_DD,       /* tcpdump -dd:  "{ 0x28, 0, 0, 0x0000000c }," */
	CBPF_FMT_DDD,      /* tcpdump -ddd: count, then "40 0 0 12" per line */
};

/* One instruction as `tcpdump -d` prints it (with the "(NNN) " prefix), NUL-terminated. */
void cbpf_image(const struct sock_filter *insn, int pc, char *out, size_t len);
/* The whole program in one of the formats, appended to out, byte-exact with tcpdump. */
int cbpf_print(struct buf *out, const struct sock_filter *f, size_t n, enum cbpf_format fmt);
/*
 * Zero the fields an instruction does not use (k of tax/ret a/add x..., jt and jf of
 * everything but conditional jumps): the form that survives the -d text format.
 */
void cbpf_canonical(struct sock_filter *f, size_t n);
/*
 * Read a program printed in one of the formats (the -d mnemonics too). *out is malloc'd.
 * Errors give the line. The result is not checked: call cbpf_check().
 */
int cbpf_parse(const char *text, enum cbpf_format fmt, struct sock_filter **out, size_t *n,
	       struct userbpf_error *err);

/*
 * Convert a program cbpf_check() accepts into eBPF (see the run-time model above). *out is
 * malloc'd, *nout its slot count. The result passes isa_validate().
 */
int cbpf_to_ebpf(const struct sock_filter *f, size_t n, struct bpf_insn **out, size_t *nout,
		 struct userbpf_error *err);

#endif
