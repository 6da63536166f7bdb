/* SPDX-License-Identifier: MIT */
/*
 * disasm.c - instructions back to text. The default style is what the kernel's verifier log
 * and `bpftool prog dump xlated` print (spacing, signed decimal ALU immediates, hex jump
 * immediates, "goto pc+N", "(s8)" casts, atomics as function calls, "skb[...]"); the other
 * style is the conformance suite's uBPF syntax. Both read back through asm_assemble() to the
 * same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "asm.h"

static const char *const alu_str[16] = {
	[BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=", [BPF_OR >> 4] = "|=",  [BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=", [BPF_MOD >> 4] = "%=",
	[BPF_XOR >> 4] = "^=", [BPF_MOV >> 4] = "=",  [BPF_ARSH >> 4] = "s>>=",
};

static const char *const jmp_str[16] = {
	[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">",   [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&", [BPF_JNE >> 4] = "!=",  [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<", [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};

static const char *const atomic_str[16] = {
	[BPF_ADD >> 4] = "add", [BPF_AND >> 4] = "and", [BPF_OR >> 4] = "or", [BPF_XOR >> 4] = "xor"};

static const char *size_str(uint8_t code, bool sx)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return sx ? "s8" : "u8";
	case BPF_H: return sx ? "s16" : "u16";
	case BPF_W: return sx ? "s32" : "u32";
	default: return "u64";
	}
}

static const char *alu_op_str(const struct bpf_insn *in)
{
	if (in->off == 1 && BPF_OP(in->code) == BPF_DIV)
		return "s/=";
	if (in->off == 1 && BPF_OP(in->code) == BPF_MOD)
		return "s%=";
	return alu_str[BPF_OP(in->code) >> 4];
}

static int lddw_kernel(const struct bpf_insn *insns, size_t pc, const struct disasm_opts *o,
		       struct buf *out)
{
	const struct bpf_insn *in = &insns[pc];
	uint32_t lo = (uint32_t)in->imm, hi = (uint32_t)in[1].imm;
	const char *name = NULL;

	if (o->map_name && (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE))
		name = o->map_name(o->ctx, pc, in);
	switch (in->src_reg) {
	case BPF_PSEUDO_MAP_FD:
		if (name && lo == 0 && hi == 0)
			return buf_printf(out, "r%d = map[%s]", in->dst_reg, name);
		if (hi == 0)
			return buf_printf(out, "r%d = map[id:%u]", in->dst_reg, lo);
		break;
	case BPF_PSEUDO_MAP_VALUE:
		if (name && lo == 0)
			return buf_printf(out, "r%d = map_value[%s]+%u", in->dst_reg, name, hi);
		return buf_printf(out, "r%d = map[id:%u][0]+%u", in->dst_reg, lo, hi);
	case BPF_PSEUDO_MAP_IDX:
		if (hi == 0)
			return buf_printf(out, "r%d = map[idx:%u]", in->dst_reg, lo);
		break;
	case BPF_PSEUDO_MAP_IDX_VALUE:
		return buf_printf(out, "r%d = map[idx:%u]+%u", in->dst_reg, lo, hi);
	case BPF_PSEUDO_FUNC:
		if (hi == 0)
			return buf_printf(out, "r%d = subprog[%+d]", in->dst_reg, (int32_t)lo);
		break;
	case BPF_PSEUDO_BTF_ID:
		if (hi == 0)
			return buf_printf(out, "r%d = btf_id[%u]", in->dst_reg, lo);
		break;
	default:
		return buf_printf(out, "r%d = 0x%" PRIx64 "%s", in->dst_reg, (uint64_t)hi << 32 | lo,
				  o->hide_code ? " ll" : "");
	}
	/* A pseudo source with fields the kernel would reject: no text reads back to it. */
	return buf_printf(out, "r%d = <ld_imm64 src %d 0x%" PRIx64 ">", in->dst_reg, in->src_reg,
			  (uint64_t)hi << 32 | lo);
}

static int atomic_kernel(const struct bpf_insn *in, struct buf *out)
{
	const char *sz = size_str(in->code, false);
	const char *w64 = BPF_SIZE(in->code) == BPF_DW ? "64" : "";

	switch (in->imm) {
	case BPF_ADD:
	case BPF_AND:
	case BPF_OR:
	case BPF_XOR:
		return buf_printf(out, "lock *(%s *)(r%d %+d) %s r%d", sz, in->dst_reg, in->off,
				  alu_str[BPF_OP(in->imm) >> 4], in->src_reg);
	case BPF_XCHG:
		return buf_printf(out, "r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)", in->src_reg, w64,
				  sz, in->dst_reg, in->off, in->src_reg);
	case BPF_CMPXCHG:
		return buf_printf(out, "r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", w64, sz,
				  in->dst_reg, in->off, in->src_reg);
	default:
		return buf_printf(out, "r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)", in->src_reg, w64,
				  atomic_str[BPF_OP(in->imm) >> 4], sz, in->dst_reg, in->off,
				  in->src_reg);
	}
}

static int print_kernel(const struct bpf_insn *insns, size_t pc, enum isa_op op,
			const struct disasm_opts *o, struct buf *out)
{
	const struct bpf_insn *in = &insns[pc];
	bool w = BPF_CLASS(in->code) == BPF_ALU || BPF_CLASS(in->code) == BPF_JMP32;
	char r = w ? 'w' : 'r';
	const char *name;

	switch (isa_ops[op].format) {
	case F_ALU_K:
		return buf_printf(out, "%c%d %s %d", r, in->dst_reg, alu_op_str(in), in->imm);
	case F_ALU_X:
		return buf_printf(out, "%c%d %s %s%c%d", r, in->dst_reg, alu_op_str(in),
				  BPF_OP(in->code) != BPF_MOV ? ""
				  : in->off == 8		 ? "(s8)"
				  : in->off == 16		 ? "(s16)"
				  : in->off == 32		 ? "(s32)"
							 : "",
				  r, in->src_reg);
	case F_ALU_UN: return buf_printf(out, "%c%d = -%c%d", r, in->dst_reg, r, in->dst_reg);
	case F_END:
		if (BPF_CLASS(in->code) == BPF_ALU64)
			return buf_printf(out, "r%d = bswap%d r%d", in->dst_reg, in->imm, in->dst_reg);
		return buf_printf(out, "r%d = %s%d r%d", in->dst_reg,
				  BPF_SRC(in->code) == BPF_TO_BE ? "be" : "le", in->imm, in->dst_reg);
	case F_JA: return buf_printf(out, "goto pc%+d", in->off);
	case F_JA32: return buf_printf(out, "gotol pc%+d", in->imm);
	case F_JMP_K:
		return buf_printf(out, "if %c%d %s 0x%x goto pc%+d", r, in->dst_reg,
				  jmp_str[BPF_OP(in->code) >> 4], (uint32_t)in->imm, in->off);
	case F_JMP_X:
		return buf_printf(out, "if %c%d %s %c%d goto pc%+d", r, in->dst_reg,
				  jmp_str[BPF_OP(in->code) >> 4], r, in->src_reg, in->off);
	case F_CALL:
		name = o->helper_name ? o->helper_name(o->ctx, in->imm) : NULL;
		if (!name)
			name = asm_helper_name(in->imm);
		return buf_printf(out, "call %s#%d", name ? name : "unknown", in->imm);
	case F_CALL_LOCAL: return buf_printf(out, "call pc%+d", in->imm);
	case F_CALL_KFUNC:
		if (in->off)
			return buf_printf(out, "call kernel-function#%d@%d", in->imm, in->off);
		return buf_printf(out, "call kernel-function#%d", in->imm);
	case F_CALLX: return buf_printf(out, "callx r%d", in->dst_reg);
	case F_EXIT: return buf_printf(out, "exit");
	case F_LDDW: return lddw_kernel(insns, pc, o, out);
	case F_LD_ABS:
		return buf_printf(out, "r0 = *(%s *)skb[%d]", size_str(in->code, false), in->imm);
	case F_LD_IND:
		return buf_printf(out, "r0 = *(%s *)skb[r%d + %d]", size_str(in->code, false),
				  in->src_reg, in->imm);
	case F_LDX:
		return buf_printf(out, "r%d = *(%s *)(r%d %+d)", in->dst_reg,
				  size_str(in->code, BPF_MODE(in->code) == BPF_MEMSX), in->src_reg,
				  in->off);
	case F_ST:
		return buf_printf(out, "*(%s *)(r%d %+d) = %d", size_str(in->code, false), in->dst_reg,
				  in->off, in->imm);
	case F_STX:
		return buf_printf(out, "*(%s *)(r%d %+d) = r%d", size_str(in->code, false),
				  in->dst_reg, in->off, in->src_reg);
	case F_ATOMIC: return atomic_kernel(in, out);
	}
	return -EINVAL;
}

/* "[%r1+16]", "[%r10-8]", "[%r1]" */
static int mem_conf(struct buf *out, int reg, int16_t off)
{
	if (!off)
		return buf_printf(out, "[%%r%d]", reg);
	return buf_printf(out, "[%%r%d%+d]", reg, off);
}

static int print_conf(const struct bpf_insn *insns, size_t pc, enum isa_op op,
		      const struct disasm_opts *o, struct buf *out)
{
	const struct bpf_insn *in = &insns[pc];
	const char *mn = isa_ops[op].mnemonic;
	int ret;

	switch (isa_ops[op].format) {
	case F_ALU_K: return buf_printf(out, "%s %%r%d, %d", mn, in->dst_reg, in->imm);
	case F_ALU_X: return buf_printf(out, "%s %%r%d, %%r%d", mn, in->dst_reg, in->src_reg);
	case F_ALU_UN:
	case F_END: return buf_printf(out, "%s %%r%d", mn, in->dst_reg);
	case F_CALLX: return buf_printf(out, "call %%r%d", in->dst_reg);
	case F_JA: return buf_printf(out, "ja %+d", in->off);
	case F_JA32: return buf_printf(out, "ja32 %+d", in->imm);
	case F_JMP_K:
		return buf_printf(out, "%s %%r%d, %d, %+d", mn, in->dst_reg, in->imm, in->off);
	case F_JMP_X:
		return buf_printf(out, "%s %%r%d, %%r%d, %+d", mn, in->dst_reg, in->src_reg, in->off);
	case F_CALL: return buf_printf(out, "call %d", in->imm);
	case F_CALL_LOCAL: return buf_printf(out, "call local %+d", in->imm);
	case F_CALL_KFUNC:
		if (in->off)
			break;
		return buf_printf(out, "call runtime %d", in->imm);
	case F_EXIT: return buf_printf(out, "exit");
	case F_LDDW:
		if (in->src_reg)
			break;
		return buf_printf(out, "lddw %%r%d, 0x%" PRIx64, in->dst_reg, (uint64_t)isa_imm64(in));
	case F_LD_ABS: return buf_printf(out, "%s %d", mn, in->imm);
	case F_LD_IND: return buf_printf(out, "%s %%r%d, %d", mn, in->src_reg, in->imm);
	case F_LDX:
		ret = buf_printf(out, "%s %%r%d, ", mn, in->dst_reg);
		return ret ? ret : mem_conf(out, in->src_reg, in->off);
	case F_ST:
		ret = buf_printf(out, "%s ", mn);
		if (!ret)
			ret = mem_conf(out, in->dst_reg, in->off);
		return ret ? ret : buf_printf(out, ", %d", in->imm);
	case F_STX:
	case F_ATOMIC:
		ret = buf_printf(out, isa_ops[op].format == F_ATOMIC ? "lock %s " : "%s ", mn);
		if (!ret)
			ret = mem_conf(out, in->dst_reg, in->off);
		return ret ? ret : buf_printf(out, ", %%r%d", in->src_reg);
	}
	/* No uBPF spelling (pseudo lddw, kfunc with a BTF fd index): lines may mix syntaxes. */
	return print_kernel(insns, pc, op, o, out);
}

int disasm_insn(const struct bpf_insn *insns, size_t n, size_t pc, const struct disasm_opts *opts,
		struct buf *out)
{
	static const struct disasm_opts defaults;
	const struct disasm_opts *o = opts ? opts : &defaults;
	const struct bpf_insn *in;
	enum isa_op op;
	int ret = 0;

	if (pc >= n)
		return -EINVAL;
	in = &insns[pc];
	op = isa_decode(in);
	if (op == OP_LDDW && pc + 1 >= n)
		return -EINVAL;
	if (!o->hide_index)
		ret = buf_printf(out, "%4zu: ", pc);
	if (!ret && !o->hide_code)
		ret = buf_printf(out, "(%02x) ", in->code);
	if (ret)
		return ret;
	if (op == OP_INVALID)
		ret = buf_printf(out, "invalid insn: code %02x dst r%d src r%d off %d imm %d", in->code,
				 in->dst_reg, in->src_reg, in->off, in->imm);
	else if (o->style == DISASM_CONF)
		ret = print_conf(insns, pc, op, o, out);
	else
		ret = print_kernel(insns, pc, op, o, out);
	if (ret)
		return ret;
	return op == OP_LDDW ? 2 : 1;
}

int disasm_prog(const struct bpf_insn *insns, size_t n, const struct disasm_opts *opts,
		struct buf *out)
{
	for (size_t pc = 0; pc < n;) {
		int k = disasm_insn(insns, n, pc, opts, out);

		if (k < 0)
			return k;
		if (buf_append(out, "\n", 1))
			return -ENOMEM;
		pc += (size_t)k;
	}
	return 0;
}

const char *asm_prog_map_name(void *ctx, size_t pc, const struct bpf_insn *insn)
{
	const struct asm_prog *p = ctx;

	(void)insn;
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].slot == pc)
			return p->maps[i].name;
	return NULL;
}
