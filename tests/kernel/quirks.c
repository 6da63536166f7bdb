/* SPDX-License-Identifier: MIT */
/*
 * quirks.c - hand-made reproducers of kernel behaviour that differs from the ISA (RFC 9669),
 * found by the differential test. gen.c steers around each (see the comments there); kdiff
 * runs these at start-up and reports whether the running kernel still shows them, next to what
 * our interpreter returns. Each is a function for the kdiff wrapper: r1 = the input (a packet
 * with KGEN_PKT_LEN bytes), the result in r0, the last instruction the first exit. Test-side
 * code, #included after gen.c.
 */

#define Q_MOV64_K(D, IMM) { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = D, .imm = IMM }
#define Q_MOV64_X(D, S) { .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = D, .src_reg = S }

struct kquirk {
	const char *name;
	const char *what;
	uint64_t rfc; /* the RFC 9669 result */
	struct bpf_insn insns[24];
	uint8_t input0; /* input[0] (the rest is zero) */
};

static const struct kquirk kquirks[] = {
	{
		"cmpxchg32-zext",
		"r0 after a successful 32-bit cmpxchg is not zero-extended when the only 64-bit "
		"read of r0 is on a path the verifier pruned",
		0x00000000ffffffffull,
		{
			Q_MOV64_X(9, 1),
			{ .code = BPF_LDX | BPF_MEM | BPF_B, .dst_reg = 7, .src_reg = 9 },
			Q_MOV64_K(0, -1),
			{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = 10, .src_reg = 0, .off = -8 },
			Q_MOV64_K(1, 5),
			/* w0 = cmpxchg32(fp-8, w0, w1): succeeds, r0 = 0x00000000ffffffff */
			{ .code = BPF_STX | BPF_ATOMIC | BPF_W, .dst_reg = 10, .src_reg = 1, .off = -8,
			  .imm = BPF_CMPXCHG },
			/* if r7 > 100 goto exit (taken at run time: input[0] = 200) */
			{ .code = BPF_JMP | BPF_JGT | BPF_K, .dst_reg = 7, .off = 1, .imm = 100 },
			{ .code = BPF_ALU | BPF_ADD | BPF_K, .dst_reg = 0, .imm = 1 },
			{ .code = BPF_JMP | BPF_EXIT },
		},
		200,
	},
	{
		"atomic-fetch-precision",
		"a value an atomic fetch reads from a stack slot is not tracked back for precision, "
		"so a branch on it is pruned unsoundly and reachable code is removed as dead",
		9,
		{
			Q_MOV64_X(9, 1),
			{ .code = BPF_LDX | BPF_MEM | BPF_B, .dst_reg = 6, .src_reg = 9 },
			Q_MOV64_K(0, 64),
			{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = 10, .src_reg = 0, .off = -8 },
			Q_MOV64_K(1, -1),
			Q_MOV64_K(5, 7),
			/* if r6 > 100 goto L (taken at run time: input[0] = 200) */
			{ .code = BPF_JMP | BPF_JGT | BPF_K, .dst_reg = 6, .off = 1, .imm = 100 },
			{ .code = BPF_JMP | BPF_JA, .off = 1 },
			/* L: r0 = cmpxchg64(fp-8, r0, r1): succeeds, the slot becomes -1 */
			{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = 10, .src_reg = 1, .off = -8,
			  .imm = BPF_CMPXCHG },
			/* r8 = fetch_xor64(fp-8, 0): the slot's value (64 on one path, -1 on the other) */
			Q_MOV64_K(8, 0),
			{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = 10, .src_reg = 8, .off = -8,
			  .imm = BPF_XOR | BPF_FETCH },
			{ .code = BPF_ALU64 | BPF_RSH | BPF_K, .dst_reg = 8, .imm = 27 },
			{ .code = BPF_JMP | BPF_JLT | BPF_K, .dst_reg = 8, .off = 1, .imm = 1 },
			Q_MOV64_K(5, 9),
			Q_MOV64_X(0, 5),
			{ .code = BPF_JMP | BPF_EXIT },
		},
		200,
	},
};
