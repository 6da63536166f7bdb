/* SPDX-License-Identifier: MIT */
/*
 * cbpf_text.h - the `tcpdump -d` mnemonic table shared by the printer (print.c) and the reader
 * (parse.c), so both directions use one description of the syntax.
 */
#ifndef USERBPF_CBPF_TEXT_H
#define USERBPF_CBPF_TEXT_H

#include "cbpf.h"

/* How the operand of an opcode is written. */
enum cbpf_opnd {
	OPND_ABS,     /* [k] or [name] for ancillary loads */
	OPND_IND,     /* [x + k] */
	OPND_PKTLEN,  /* #pktlen */
	OPND_IMM_HEX, /* #0x%x */
	OPND_IMM_DEC, /* #%d */
	OPND_MEM,     /* M[k] */
	OPND_MSH,     /* 4*([k]&0xf) */
	OPND_JA,      /* absolute target */
	OPND_JCOND_K, /* #0x%x, then jt T jf F (absolute) */
	OPND_JCOND_X, /* x, then jt T jf F */
	OPND_X,       /* x */
	OPND_NONE,
};

struct cbpf_mnemonic {
	uint16_t code;
	const char *name;
	enum cbpf_opnd opnd;
};

extern const struct cbpf_mnemonic cbpf_mnemonics[];
extern const size_t cbpf_nmnemonics;
const struct cbpf_mnemonic *cbpf_mnemonic_of(uint16_t code);

#endif
