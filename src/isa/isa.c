/* SPDX-License-Identifier: MIT */
/*
 * isa.c - the operation table expanded from insn.def, decoding of slots to operations and the
 * structural validation every front end runs before a program is accepted for loading.
 */
#include <errno.h>
#include <stdlib.h>

#include "isa.h"
#include "../util/util.h"

const struct isa_op_info isa_ops[OP__COUNT] = {
#define INSN(NAME, CODE, SRC, OFF, IMM, FMT, MN, SEM) \
	[OP_##NAME] = {#NAME, MN, SEM, (SRC), (OFF), (IMM), (CODE), (FMT)},
#include "insn.def"
#undef INSN
};

static bool sel_ok(int32_t sel, int32_t v)
{
	return sel == ANY || sel == v;
}

enum isa_op isa_decode(const struct bpf_insn *insn)
{
	for (int op = 0; op < OP__COUNT; op++) {
		const struct isa_op_info *i = &isa_ops[op];

		if (i->code == insn->code && sel_ok(i->src, insn->src_reg) && sel_ok(i->off, insn->off) &&
		    sel_ok(i->imm, insn->imm))
			return (enum isa_op)op;
	}
	return OP_INVALID;
}

bool isa_writes_dst(enum isa_op op)
{
	switch (isa_ops[op].format) {
	case F_ALU_K:
	case F_ALU_X:
	case F_ALU_UN:
	case F_END:
	case F_LDDW:
	case F_LDX:
		return true;
	default:
		return false;
	}
}

bool isa_is_jump(enum isa_op op)
{
	uint8_t f = isa_ops[op].format;

	return f == F_JA || f == F_JA32 || f == F_JMP_K || f == F_JMP_X;
}

int64_t isa_jump_target(const struct bpf_insn *insn, size_t pc)
{
	enum isa_op op = isa_decode(insn);

	if (op == OP_JA32 || op == OP_CALL_LOCAL)
		return (int64_t)pc + 1 + insn->imm;
	return (int64_t)pc + 1 + insn->off;
}

/* Does the format use the dst register field? (Unused register fields must be zero.) */
static bool uses_dst(uint8_t f)
{
	switch (f) {
	case F_JA:
	case F_JA32:
	case F_CALL:
	case F_CALL_LOCAL:
	case F_CALL_KFUNC:
	case F_EXIT:
	case F_LD_ABS:
	case F_LD_IND:
		return false;
	default:
		return true;
	}
}

/* Why no operation matched: name the first field that differs from the closest candidate. */
static int explain_invalid(const struct bpf_insn *in, size_t pc, struct userbpf_error *err)
{
	for (int op = 0; op < OP__COUNT; op++) {
		const struct isa_op_info *i = &isa_ops[op];

		if (i->code != in->code)
			continue;
		if (BPF_CLASS(in->code) == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC &&
		    sel_ok(i->src, in->src_reg) && sel_ok(i->off, in->off))
			return err_set(err, -EINVAL, "isa", (int)pc,
				       "invalid atomic operation imm 0x%x", (unsigned)in->imm);
		if (isa_ops[op].format == F_END)
			return err_set(err, -EINVAL, "isa", (int)pc,
				       "invalid byte swap width %d (expected 16, 32 or 64)", in->imm);
		if (!sel_ok(i->src, in->src_reg))
			return err_set(err, -EINVAL, "isa", (int)pc,
				       "opcode %02x uses reserved fields: src_reg %d must be %d", in->code,
				       in->src_reg, i->src);
		if (!sel_ok(i->off, in->off))
			continue; /* another candidate may accept this off (div/sdiv, mov/movsx) */
		return err_set(err, -EINVAL, "isa", (int)pc,
			       "opcode %02x uses reserved fields: imm %d must be %d", in->code, in->imm,
			       i->imm);
	}
	for (int op = 0; op < OP__COUNT; op++)
		if (isa_ops[op].code == in->code)
			return err_set(err, -EINVAL, "isa", (int)pc,
				       "opcode %02x uses reserved fields: invalid off %d", in->code,
				       in->off);
	return err_set(err, -EINVAL, "isa", (int)pc, "unknown opcode %02x", in->code);
}

bool isa_is_lddw_tail(const struct bpf_insn *insns, size_t n, size_t i)
{
	/* Walk from the start: a slot is a tail only if an lddw head precedes it. */
	for (size_t pc = 0; pc < n && pc < i; pc++)
		if (insns[pc].code == (BPF_LD | BPF_DW | BPF_IMM)) {
			if (pc + 1 == i)
				return true;
			pc++;
		}
	return false;
}

static int validate(const struct bpf_insn *insns, size_t n, uint8_t *tail,
		    struct userbpf_error *err);

int isa_validate(const struct bpf_insn *insns, size_t n, struct userbpf_error *err)
{
	uint8_t *tail;
	int ret;

	if (n == 0)
		return err_set(err, -EINVAL, "isa", -1, "program has no instructions");
	if (n > ISA_MAX_INSNS)
		return err_set(err, -E2BIG, "isa", -1, "program has %zu instructions (limit %d)", n,
			       ISA_MAX_INSNS);
	tail = calloc(n, 1);
	if (!tail)
		return err_set(err, -ENOMEM, "isa", -1, "out of memory");
	ret = validate(insns, n, tail, err);
	free(tail);
	return ret;
}

static int validate(const struct bpf_insn *insns, size_t n, uint8_t *tail,
		    struct userbpf_error *err)
{
	/* Pass 1: decode every slot and check its fields; mark lddw tails. */
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *in = &insns[pc];
		enum isa_op op = isa_decode(in);
		uint8_t f;

		if (op == OP_INVALID)
			return explain_invalid(in, pc, err);
		f = isa_ops[op].format;
		if (in->dst_reg > BPF_REG_10)
			return err_set(err, -EINVAL, "isa", (int)pc, "R%d is invalid", in->dst_reg);
		if (in->src_reg > BPF_REG_10 && isa_ops[op].src == ANY && f != F_LDDW)
			return err_set(err, -EINVAL, "isa", (int)pc, "R%d is invalid", in->src_reg);
		if (!uses_dst(f) && in->dst_reg != 0)
			return err_set(err, -EINVAL, "isa", (int)pc,
				       "opcode %02x uses reserved fields: dst_reg %d must be 0", in->code,
				       in->dst_reg);
		if (isa_writes_dst(op) && in->dst_reg == BPF_REG_10)
			return err_set(err, -EINVAL, "isa", (int)pc, "frame pointer is read only");
		/* fetching atomics and xchg write their src register */
		if (f == F_ATOMIC && (in->imm & BPF_FETCH) && in->imm != BPF_CMPXCHG &&
		    in->src_reg == BPF_REG_10)
			return err_set(err, -EINVAL, "isa", (int)pc, "frame pointer is read only");
		if (f == F_LDDW) {
			if (in->src_reg > BPF_PSEUDO_MAP_IDX_VALUE)
				return err_set(err, -EINVAL, "isa", (int)pc,
					       "invalid bpf_ld_imm64 insn: unknown src_reg %d",
					       in->src_reg);
			if (pc + 1 >= n)
				return err_set(err, -EINVAL, "isa", (int)pc,
					       "invalid bpf_ld_imm64 insn: missing second slot");
			if (in[1].code || in[1].dst_reg || in[1].src_reg || in[1].off)
				return err_set(err, -EINVAL, "isa", (int)pc + 1,
					       "invalid bpf_ld_imm64 insn: second slot has reserved "
					       "fields set");
			tail[++pc] = 1;
		}
	}

	/* Pass 2: control flow stays inside the program and off lddw tails. */
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *in = &insns[pc];
		enum isa_op op = isa_decode(in);
		uint8_t f = isa_ops[op].format;

		if (f == F_LDDW) {
			pc++;
			continue;
		}
		if (isa_is_jump(op) || f == F_CALL_LOCAL) {
			int64_t t = isa_jump_target(in, pc);

			if (t < 0 || (size_t)t >= n)
				return err_set(err, -EINVAL, "isa", (int)pc,
					       "jump out of range from insn %zu to %lld", pc,
					       (long long)t);
			if (tail[t])
				return err_set(err, -EINVAL, "isa", (int)pc,
					       "jump from insn %zu to the middle of ldimm64 insn %lld",
					       pc, (long long)t - 1);
		}
	}

	/* The last slot must not fall through: exit or an unconditional jump. */
	{
		size_t last = n - 1;
		enum isa_op op;

		if (tail[last])
			return err_set(err, -EINVAL, "isa", (int)last,
				       "last insn is not an exit or jmp");
		op = isa_decode(&insns[last]);
		if (op != OP_EXIT && op != OP_JA && op != OP_JA32)
			return err_set(err, -EINVAL, "isa", (int)last,
				       "last insn is not an exit or jmp");
	}
	return 0;
}
