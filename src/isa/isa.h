/* SPDX-License-Identifier: MIT */
/*
 * isa.h - private interface of src/isa: operation ids expanded from insn.def, their operand
 * formats, decoding of an instruction slot to its operation, and structural validation.
 * Everything here is a pure function over read-only tables.
 */
#ifndef USERBPF_ISA_H
#define USERBPF_ISA_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

/* v4 additions missing from older UAPI headers (Debian 12 ships 6.1). */
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif

/* A field that is an operand rather than a selector (see insn.def). */
#define ANY INT32_MIN

/* Which fields of a slot are operands. */
enum isa_format {
	F_ALU_K,      /* dst op= imm */
	F_ALU_X,      /* dst op= src */
	F_ALU_UN,     /* dst = op dst */
	F_END,        /* dst = swap(dst), width in imm */
	F_JA,         /* pc += off */
	F_JA32,       /* pc += imm */
	F_JMP_K,      /* if (dst op imm) pc += off */
	F_JMP_X,      /* if (dst op src) pc += off */
	F_CALL,       /* helper id in imm */
	F_CALL_LOCAL, /* pc-relative target in imm */
	F_CALL_KFUNC, /* BTF id in imm, BTF fd index in off */
	F_CALLX,      /* helper id in register dst */
	F_EXIT,
	F_LDDW,       /* dst = imm64 (two slots), src: pseudo kind */
	F_LD_ABS,     /* r0 = pkt[imm] */
	F_LD_IND,     /* r0 = pkt[src + imm] */
	F_LDX,        /* dst = *(src + off) */
	F_ST,         /* *(dst + off) = imm */
	F_STX,        /* *(dst + off) = src */
	F_ATOMIC,     /* atomic op on *(dst + off) with src, op in imm */
};

enum isa_op {
#define INSN(NAME, CODE, SRC, OFF, IMM, FMT, MN, SEM) OP_##NAME,
#include "insn.def"
#undef INSN
	OP__COUNT,
	OP_INVALID = OP__COUNT,
};

struct isa_op_info {
	const char *name;     /* "ADD64_K" */
	const char *mnemonic; /* conformance-suite mnemonic: "add", "fetch and32" */
	const char *semantics;
	int32_t src, off, imm; /* selectors or ANY */
	uint8_t code;
	uint8_t format; /* enum isa_format */
};

extern const struct isa_op_info isa_ops[OP__COUNT];

/* Field access on the UAPI slot layout. */
static inline int64_t isa_imm64(const struct bpf_insn *insn)
{
	return (int64_t)(((uint64_t)(uint32_t)insn[1].imm << 32) | (uint32_t)insn[0].imm);
}

/* The operation a slot encodes, or OP_INVALID. The second slot of lddw is not decoded. */
enum isa_op isa_decode(const struct bpf_insn *insn);

/* Size in bytes of a load/store/atomic access (1, 2, 4, 8), from the opcode's size bits. */
static inline int isa_access_size(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	default: return 8;
	}
}

/* Does the operation write its dst register? (R10 may never be written.) */
bool isa_writes_dst(enum isa_op op);
/* Is it a jump with a pc-relative target (conditional, ja, ja32)? */
bool isa_is_jump(enum isa_op op);
/* Branch target of a jump or local call at index pc; only meaningful when it is one. */
int64_t isa_jump_target(const struct bpf_insn *insn, size_t pc);

/*
 * Structural validation of n slots: every slot decodes, reserved fields are zero, registers
 * exist and R10 is never written, jumps and local calls land inside the program and never on
 * the second slot of an lddw, lddw has its second slot, and control cannot fall off the end.
 * On failure returns -EINVAL (or -E2BIG for size) and fills err with the instruction index.
 */
#define ISA_MAX_INSNS 1000000
int isa_validate(const struct bpf_insn *insns, size_t n, struct userbpf_error *err);

/* Is slot i the second half of an lddw (given a validated program)? */
bool isa_is_lddw_tail(const struct bpf_insn *insns, size_t n, size_t i);

#endif
