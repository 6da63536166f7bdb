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

#include "../asm/asm.h"
#include "jit.h"

/* One BPF instruction as bpftool prints it ("   4: (07) r0 += 1"), helpers named from env. */
static const char *helper_name(void *ctx, int32_t id)
{
	return userbpf_env_helper_name(ctx, (uint32_t)id);
}

static void fmt_bpf(struct buf *out, const struct userbpf_prog *prog, uint32_t pc)
{
	struct disasm_opts o = {.helper_name = helper_name, .ctx = prog->env};

	disasm_insn(prog->insns, prog->n, pc, &o, out);
	buf_printf(out, "\n");
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
		fmt_bpf(out, prog, pc);
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
