/* SPDX-License-Identifier: MIT */
/*
 * dump.c - text form of JIT output: the native code disassembled with capstone, each block
 * headed by the BPF instruction it was generated from (like `bpftool prog dump jited`), then
 * the shared exits and out-of-line slow paths.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "jit.h"

/* One BPF instruction in the conformance suite's syntax. */
static int fmt_bpf(struct buf *out, const struct bpf_insn *in, uint32_t pc)
{
	enum isa_op op = isa_decode(in);
	const struct isa_op_info *i;
	int d = in->dst_reg, s = in->src_reg;

	if (op == OP_INVALID)
		return buf_printf(out, "%5u: (%02x) invalid\n", pc, in->code);
	i = &isa_ops[op];
	buf_printf(out, "%5u: (%02x) %s", pc, in->code, i->mnemonic);
	switch (i->format) {
	case F_ALU_K: return buf_printf(out, " %%r%d, %d\n", d, in->imm);
	case F_ALU_X: return buf_printf(out, " %%r%d, %%r%d\n", d, s);
	case F_ALU_UN:
	case F_END:
	case F_CALLX: return buf_printf(out, " %%r%d\n", d);
	case F_JA: return buf_printf(out, " %+d\n", in->off);
	case F_JA32: return buf_printf(out, " %+d\n", in->imm);
	case F_JMP_K: return buf_printf(out, " %%r%d, %d, %+d\n", d, in->imm, in->off);
	case F_JMP_X: return buf_printf(out, " %%r%d, %%r%d, %+d\n", d, s, in->off);
	case F_CALL:
	case F_CALL_KFUNC: return buf_printf(out, " %d\n", in->imm);
	case F_CALL_LOCAL: return buf_printf(out, " local %+d\n", in->imm);
	case F_EXIT: return buf_printf(out, "\n");
	case F_LDDW: return buf_printf(out, " %%r%d, 0x%" PRIx64 "\n", d, (uint64_t)isa_imm64(in));
	case F_LD_ABS: return buf_printf(out, " %d\n", in->imm);
	case F_LD_IND: return buf_printf(out, " %%r%d, %d\n", s, in->imm);
	case F_LDX: return buf_printf(out, " %%r%d, [%%r%d%+d]\n", d, s, in->off);
	case F_ST: return buf_printf(out, " [%%r%d%+d], %d\n", d, in->off, in->imm);
	default: return buf_printf(out, " [%%r%d%+d], %%r%d\n", d, in->off, s);
	}
}

static void dis_range(struct buf *out, csh cs, const uint8_t *code, uint32_t from, uint32_t to)
{
	cs_insn *ins;
	size_t count;

	if (to <= from)
		return;
	count = cs_disasm(cs, code + from, to - from, from, 0, &ins);
	for (size_t k = 0; k < count; k++) {
		char hex[3 * 16 + 1] = "";

		for (size_t b = 0; b < ins[k].size && b < 15; b++)
			snprintf(hex + 3 * b, sizeof(hex) - 3 * b, "%02x ", ins[k].bytes[b]);
		buf_printf(out, "  %5" PRIx64 ":  %-33s %s %s\n", ins[k].address, hex,
			   ins[k].mnemonic, ins[k].op_str);
	}
	if (count)
		cs_free(ins, count);
}

int jit_dump(struct userbpf_prog *prog, enum jit_mode mode, struct buf *out,
	     struct userbpf_error *err)
{
	const struct jit_code *code;
	csh cs;
	int ret = jit_prepare(prog, mode, err);

	if (ret < 0)
		return ret;
	code = prog->jit[mode];
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return err_set(err, -ENOTSUP, "jit", -1, "capstone cannot disassemble x86-64");
	buf_printf(out, "; %s code, %zu bytes for %u BPF instructions\n",
		   mode == JIT_CHECKED ? "checked" : "verified", code->size, prog->n);
	buf_printf(out, "; prologue\n");
	dis_range(out, cs, code->mem, 0, code->insn_off[0]);
	for (uint32_t pc = 0; pc < prog->n; pc++) {
		uint32_t next = pc + 1;

		if (prog->insns[pc].code == (BPF_LD | BPF_DW | BPF_IMM))
			next++;
		if (next > prog->n)
			next = prog->n;
		fmt_bpf(out, &prog->insns[pc], pc);
		dis_range(out, cs, code->mem, code->insn_off[pc], code->insn_off[next]);
		pc = next - 1;
	}
	buf_printf(out, "; exits and slow paths\n");
	dis_range(out, cs, code->mem, code->insn_off[prog->n], (uint32_t)code->size);
	cs_close(&cs);
	return out->data ? 0 : err_set(err, -ENOMEM, "jit", -1, "out of memory");
}

USERBPF_API int userbpf_prog_jit_dump(struct userbpf_prog *prog, enum userbpf_jit_mode mode,
				      char *buf, size_t len, struct userbpf_error *err)
{
	struct buf b = {0};
	int ret;

	if (!prog || (mode != USERBPF_JIT_VERIFIED && mode != USERBPF_JIT_CHECKED))
		return err_set(err, -EINVAL, "jit", -1, "bad arguments");
	ret = jit_dump(prog, (enum jit_mode)mode, &b, err);
	if (ret == 0) {
		if (len) {
			size_t n = b.len < len - 1 ? b.len : len - 1;

			memcpy(buf, b.data, n);
			buf[n] = 0;
		}
		ret = b.len > INT32_MAX ? INT32_MAX : (int)b.len;
	}
	buf_free(&b);
	return ret;
}
