/* SPDX-License-Identifier: MIT */
/*
 * print.c - classic BPF as text, byte-exact with `tcpdump -d`, `-dd` and `-ddd` (the layout
 * libpcap prints: "(NNN) op       operand" with jump targets as absolute instruction numbers).
 * The -d mnemonics are described once in cbpf_mnemonics[] and shared with parse.c.
 */
#include <stdio.h>
#include <string.h>

#include "cbpf_text.h"

/*
 * One row per opcode: its -d mnemonic and operand form. LDX|W|LEN, which libpcap's printer
 * does not know ("unimp"), prints as "ldx #pktlen" so that it can be read back.
 */
const struct cbpf_mnemonic cbpf_mnemonics[] = {
	{ BPF_LD | BPF_W | BPF_ABS, "ld", OPND_ABS },
	{ BPF_LD | BPF_H | BPF_ABS, "ldh", OPND_ABS },
	{ BPF_LD | BPF_B | BPF_ABS, "ldb", OPND_ABS },
	{ BPF_LD | BPF_W | BPF_IND, "ld", OPND_IND },
	{ BPF_LD | BPF_H | BPF_IND, "ldh", OPND_IND },
	{ BPF_LD | BPF_B | BPF_IND, "ldb", OPND_IND },
	{ BPF_LD | BPF_W | BPF_LEN, "ld", OPND_PKTLEN },
	{ BPF_LD | BPF_IMM, "ld", OPND_IMM_HEX },
	{ BPF_LD | BPF_MEM, "ld", OPND_MEM },
	{ BPF_LDX | BPF_W | BPF_LEN, "ldx", OPND_PKTLEN },
	{ BPF_LDX | BPF_IMM, "ldx", OPND_IMM_HEX },
	{ BPF_LDX | BPF_MEM, "ldx", OPND_MEM },
	{ BPF_LDX | BPF_B | BPF_MSH, "ldxb", OPND_MSH },
	{ BPF_ST, "st", OPND_MEM },
	{ BPF_STX, "stx", OPND_MEM },
	{ BPF_RET | BPF_K, "ret", OPND_IMM_DEC },
	{ BPF_RET | BPF_A, "ret", OPND_NONE },
	{ BPF_JMP | BPF_JA, "ja", OPND_JA },
	{ BPF_JMP | BPF_JEQ | BPF_K, "jeq", OPND_JCOND_K },
	{ BPF_JMP | BPF_JGT | BPF_K, "jgt", OPND_JCOND_K },
	{ BPF_JMP | BPF_JGE | BPF_K, "jge", OPND_JCOND_K },
	{ BPF_JMP | BPF_JSET | BPF_K, "jset", OPND_JCOND_K },
	{ BPF_JMP | BPF_JEQ | BPF_X, "jeq", OPND_JCOND_X },
	{ BPF_JMP | BPF_JGT | BPF_X, "jgt", OPND_JCOND_X },
	{ BPF_JMP | BPF_JGE | BPF_X, "jge", OPND_JCOND_X },
	{ BPF_JMP | BPF_JSET | BPF_X, "jset", OPND_JCOND_X },
	{ BPF_ALU | BPF_ADD | BPF_K, "add", OPND_IMM_DEC },
	{ BPF_ALU | BPF_SUB | BPF_K, "sub", OPND_IMM_DEC },
	{ BPF_ALU | BPF_MUL | BPF_K, "mul", OPND_IMM_DEC },
	{ BPF_ALU | BPF_DIV | BPF_K, "div", OPND_IMM_DEC },
	{ BPF_ALU | BPF_MOD | BPF_K, "mod", OPND_IMM_DEC },
	{ BPF_ALU | BPF_AND | BPF_K, "and", OPND_IMM_HEX },
	{ BPF_ALU | BPF_OR | BPF_K, "or", OPND_IMM_HEX },
	{ BPF_ALU | BPF_XOR | BPF_K, "xor", OPND_IMM_HEX },
	{ BPF_ALU | BPF_LSH | BPF_K, "lsh", OPND_IMM_DEC },
	{ BPF_ALU | BPF_RSH | BPF_K, "rsh", OPND_IMM_DEC },
	{ BPF_ALU | BPF_ADD | BPF_X, "add", OPND_X },
	{ BPF_ALU | BPF_SUB | BPF_X, "sub", OPND_X },
	{ BPF_ALU | BPF_MUL | BPF_X, "mul", OPND_X },
	{ BPF_ALU | BPF_DIV | BPF_X, "div", OPND_X },
	{ BPF_ALU | BPF_MOD | BPF_X, "mod", OPND_X },
	{ BPF_ALU | BPF_AND | BPF_X, "and", OPND_X },
	{ BPF_ALU | BPF_OR | BPF_X, "or", OPND_X },
	{ BPF_ALU | BPF_XOR | BPF_X, "xor", OPND_X },
	{ BPF_ALU | BPF_LSH | BPF_X, "lsh", OPND_X },
	{ BPF_ALU | BPF_RSH | BPF_X, "rsh", OPND_X },
	{ BPF_ALU | BPF_NEG, "neg", OPND_NONE },
	{ BPF_MISC | BPF_TAX, "tax", OPND_NONE },
	{ BPF_MISC | BPF_TXA, "txa", OPND_NONE },
};
const size_t cbpf_nmnemonics = ARRAY_SIZE(cbpf_mnemonics);

const struct cbpf_mnemonic *cbpf_mnemonic_of(uint16_t code)
{
	for (size_t i = 0; i < cbpf_nmnemonics; i++)
		if (cbpf_mnemonics[i].code == code)
			return &cbpf_mnemonics[i];
	return NULL;
}

void cbpf_image(const struct sock_filter *insn, int pc, char *out, size_t len)
{
	const struct cbpf_mnemonic *m = cbpf_mnemonic_of(insn->code);
	int32_t sk = (int32_t)insn->k;
	char opnd[64];
	const char *name;

	if (!m) {
		snprintf(out, len, "(%03d) %-8s 0x%x", pc, "unimp", insn->code);
		return;
	}
	switch (m->opnd) {
	case OPND_ABS:
		name = cbpf_ancillary_name(insn->k);
		if (name)
			snprintf(opnd, sizeof(opnd), "[%s]", name);
		else
			snprintf(opnd, sizeof(opnd), "[%d]", sk);
		break;
	case OPND_IND: snprintf(opnd, sizeof(opnd), "[x + %d]", sk); break;
	case OPND_PKTLEN: snprintf(opnd, sizeof(opnd), "#pktlen"); break;
	case OPND_IMM_HEX: snprintf(opnd, sizeof(opnd), "#0x%x", insn->k); break;
	case OPND_IMM_DEC: snprintf(opnd, sizeof(opnd), "#%d", sk); break;
	case OPND_MEM: snprintf(opnd, sizeof(opnd), "M[%d]", sk); break;
	case OPND_MSH: snprintf(opnd, sizeof(opnd), "4*([%d]&0xf)", sk); break;
	case OPND_JA: snprintf(opnd, sizeof(opnd), "%d", (int)((uint32_t)pc + 1 + insn->k)); break;
	case OPND_X: snprintf(opnd, sizeof(opnd), "x"); break;
	case OPND_NONE: opnd[0] = 0; break;
	case OPND_JCOND_K:
	case OPND_JCOND_X:
		if (m->opnd == OPND_JCOND_K)
			snprintf(opnd, sizeof(opnd), "#0x%x", insn->k);
		else
			snprintf(opnd, sizeof(opnd), "x");
		snprintf(out, len, "(%03d) %-8s %-16s jt %d\tjf %d", pc, m->name, opnd,
			 pc + 1 + insn->jt, pc + 1 + insn->jf);
		return;
	}
	snprintf(out, len, "(%03d) %-8s %s", pc, m->name, opnd);
}

int cbpf_print(struct buf *out, const struct sock_filter *f, size_t n, enum cbpf_format fmt)
{
	char line[128];
	int ret = 0;

	if (fmt == CBPF_FMT_DDD)
		ret = buf_printf(out, "%zu\n", n);
	for (size_t i = 0; i < n && ret >= 0; i++) {
		switch (fmt) {
		case CBPF_FMT_DD:
			ret = buf_printf(out, "{ 0x%x, %u, %u, 0x%08x },\n", f[i].code, f[i].jt, f[i].jf,
					 f[i].k);
			break;
		case CBPF_FMT_DDD:
			ret = buf_printf(out, "%u %u %u %u\n", f[i].code, f[i].jt, f[i].jf, f[i].k);
			break;
		default:
			cbpf_image(&f[i], (int)i, line, sizeof(line));
			ret = buf_printf(out, "%s\n", line);
			break;
		}
	}
	return ret < 0 ? ret : 0;
}

void cbpf_canonical(struct sock_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cbpf_mnemonic *m = cbpf_mnemonic_of(f[i].code);

		if (!m)
			continue;
		if (m->opnd != OPND_JCOND_K && m->opnd != OPND_JCOND_X)
			f[i].jt = f[i].jf = 0;
		if (m->opnd == OPND_NONE || m->opnd == OPND_X || m->opnd == OPND_PKTLEN ||
		    m->opnd == OPND_JCOND_X)
			f[i].k = 0;
	}
}
