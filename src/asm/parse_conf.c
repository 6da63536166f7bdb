/* SPDX-License-Identifier: MIT */
/*
 * parse_conf.c - one line of the conformance suite's uBPF syntax: "mov %r1, 42",
 * "jne32 %r1, %r2, label", "ldxw %r0, [%r1+16]", "lock fetch xor32 [%r10-8], %r1",
 * "lddw %r0, 0x1122334455667788", "call local func1", "call %r2". The mnemonic and the shape
 * of the operands select the operation from the ISA table (isa_ops[].mnemonic, .format).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "asm.h"

enum opnd_kind { O_REG, O_IMM, O_MEM, O_LABEL };

struct opnd {
	enum opnd_kind kind;
	int reg;
	int64_t v;
	bool hex;
	int16_t off;
	const char *name;
	size_t len;
	struct asm_cur at;
};

#define MAX_OPNDS 3

/* Operand shapes per format: R register, I immediate, M memory [rN+off], T jump target. */
static const char *signature(uint8_t format)
{
	switch (format) {
	case F_ALU_K: return "RI";
	case F_ALU_X: return "RR";
	case F_ALU_UN:
	case F_END:
	case F_CALLX: return "R";
	case F_JA:
	case F_JA32: return "T";
	case F_JMP_K: return "RIT";
	case F_JMP_X: return "RRT";
	case F_LDDW: return "RI";
	case F_LD_ABS: return "I";
	case F_LD_IND: return "RI";
	case F_LDX: return "RM";
	case F_ST: return "MI";
	case F_STX:
	case F_ATOMIC: return "MR";
	default: return ""; /* exit; calls are parsed by hand */
	}
}

static bool fits(char want, enum opnd_kind k)
{
	switch (want) {
	case 'R': return k == O_REG;
	case 'I': return k == O_IMM;
	case 'M': return k == O_MEM;
	case 'T': return k == O_IMM || k == O_LABEL;
	default: return false;
	}
}

static const char *describe(char want)
{
	switch (want) {
	case 'R': return "a register";
	case 'I': return "an immediate";
	case 'M': return "a memory operand [%rN+off]";
	default: return "a jump target (+N, -N or a label)";
	}
}

static int parse_mem(struct asm_ctx *x, struct asm_cur *c, struct opnd *o)
{
	struct asm_cur pos;
	char kind;
	int64_t v = 0;
	bool hex = false, neg = false;
	int ret;

	c->p++; /* '[' */
	ret = lex_reg(x, c, &o->reg, &kind);
	if (ret)
		return ret;
	lex_ws(c);
	pos = *c;
	if (lex_eat(c, "+") || (neg = lex_eat(c, "-"))) {
		lex_ws(c);
		if (c->p < c->end && (*c->p == '-' || *c->p == '+'))
			return asm_error(x, c, "expected a number");
		ret = lex_int(x, c, &v, &hex);
		if (ret)
			return ret;
	}
	ret = asm_off16(x, &pos, neg && v > 0 ? -v : v, hex && !neg, &o->off);
	if (ret)
		return ret;
	if (!lex_eat(c, "]"))
		return asm_error(x, c, "expected ']'");
	o->kind = O_MEM;
	return 0;
}

static int parse_operand(struct asm_ctx *x, struct asm_cur *c, struct opnd *o)
{
	char kind;

	lex_ws(c);
	o->at = *c;
	if (c->p < c->end && *c->p == '[')
		return parse_mem(x, c, o);
	if (lex_peek_reg(c)) {
		int ret = lex_reg(x, c, &o->reg, &kind);

		if (!ret && kind != 'r')
			return asm_error(x, &o->at, "expected a register %%r0-%%r10");
		o->kind = O_REG;
		return ret;
	}
	if (c->p < c->end && (*c->p == '-' || *c->p == '+' || (*c->p >= '0' && *c->p <= '9'))) {
		o->kind = O_IMM;
		return lex_int(x, c, &o->v, &o->hex);
	}
	if (lex_ident(c, &o->name, &o->len)) {
		o->kind = O_LABEL;
		return 0;
	}
	if (c->p >= c->end || *c->p == '#')
		return asm_error(x, c, "missing operand");
	return asm_error(x, c, "expected an operand, found '%c'", *c->p);
}

static int parse_operands(struct asm_ctx *x, struct asm_cur *c, struct opnd *o, int *n)
{
	int ret;

	*n = 0;
	if (lex_at_end(c) || *c->p == '#')
		return 0;
	for (;;) {
		if (*n == MAX_OPNDS)
			return asm_error(x, c, "too many operands");
		ret = parse_operand(x, c, &o[*n]);
		if (ret)
			return ret;
		(*n)++;
		if (!lex_eat(c, ","))
			break;
	}
	return lex_end(x, c);
}

/* Jump target operand: a number of slots or a label (fixup of `kind`). */
static int target(struct asm_ctx *x, const struct opnd *o, enum asm_fix_kind kind, int64_t *v)
{
	*v = 0;
	if (o->kind == O_LABEL)
		return asm_fixup(x, &o->at, o->name, o->len, kind);
	*v = o->v;
	return 0;
}

static int parse_call(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at)
{
	struct opnd o = {0};
	int32_t imm;
	int ret;
	enum isa_op op = OP_CALL;

	if (lex_eat_word(c, "local"))
		op = OP_CALL_LOCAL;
	else if (lex_eat_word(c, "helper"))
		op = OP_CALL;
	else if (lex_eat_word(c, "runtime"))
		op = OP_CALL_KFUNC;
	ret = parse_operand(x, c, &o);
	if (!ret)
		ret = lex_end(x, c);
	if (ret)
		return ret;
	if (o.kind == O_REG && op == OP_CALL)
		return asm_emit(x, at, OP_CALLX, o.reg, 0, 0, 0);
	if (op == OP_CALL_LOCAL && (o.kind == O_LABEL || o.kind == O_IMM)) {
		int64_t v;

		ret = target(x, &o, FIX_IMM, &v);
		if (!ret)
			ret = asm_imm32(x, &o.at, v, false, &imm);
		return ret ? ret : asm_emit(x, at, op, 0, 0, 0, imm);
	}
	if (o.kind != O_IMM)
		return asm_error(x, &o.at, "expected a helper number");
	ret = asm_imm32(x, &o.at, o.v, o.hex, &imm);
	return ret ? ret : asm_emit(x, at, op, 0, 0, 0, imm);
}

static int encode(struct asm_ctx *x, const struct asm_cur *at, enum isa_op op, struct opnd *o)
{
	int32_t imm = 0;
	int16_t off = 0;
	int64_t t;
	int ret = 0;

	switch (isa_ops[op].format) {
	case F_ALU_K:
		ret = asm_imm32(x, &o[1].at, o[1].v, o[1].hex, &imm);
		return ret ? ret : asm_emit(x, at, op, o[0].reg, 0, 0, imm);
	case F_ALU_X: return asm_emit(x, at, op, o[0].reg, o[1].reg, 0, 0);
	case F_ALU_UN:
	case F_END:
	case F_CALLX: return asm_emit(x, at, op, o[0].reg, 0, 0, 0);
	case F_JA:
		ret = target(x, &o[0], FIX_OFF, &t);
		if (!ret)
			ret = asm_off16(x, &o[0].at, t, false, &off);
		return ret ? ret : asm_emit(x, at, op, 0, 0, off, 0);
	case F_JA32:
		ret = target(x, &o[0], FIX_IMM, &t);
		if (!ret)
			ret = asm_imm32(x, &o[0].at, t, false, &imm);
		return ret ? ret : asm_emit(x, at, op, 0, 0, 0, imm);
	case F_JMP_K:
	case F_JMP_X:
		if (isa_ops[op].format == F_JMP_K)
			ret = asm_imm32(x, &o[1].at, o[1].v, o[1].hex, &imm);
		if (!ret)
			ret = target(x, &o[2], FIX_OFF, &t);
		if (!ret)
			ret = asm_off16(x, &o[2].at, t, false, &off);
		return ret ? ret : asm_emit(x, at, op, o[0].reg, o[1].reg, off, imm);
	case F_LDDW: return asm_emit_lddw(x, at, o[0].reg, 0, (uint64_t)o[1].v);
	case F_LD_ABS:
		ret = asm_imm32(x, &o[0].at, o[0].v, o[0].hex, &imm);
		return ret ? ret : asm_emit(x, at, op, 0, 0, 0, imm);
	case F_LD_IND:
		ret = asm_imm32(x, &o[1].at, o[1].v, o[1].hex, &imm);
		return ret ? ret : asm_emit(x, at, op, 0, o[0].reg, 0, imm);
	case F_LDX: return asm_emit(x, at, op, o[0].reg, o[1].reg, o[1].off, 0);
	case F_ST:
		ret = asm_imm32(x, &o[1].at, o[1].v, o[1].hex, &imm);
		return ret ? ret : asm_emit(x, at, op, o[0].reg, 0, o[0].off, imm);
	case F_STX:
	case F_ATOMIC: return asm_emit(x, at, op, o[0].reg, o[1].reg, o[0].off, 0);
	default: return asm_error(x, at, "cannot encode %s", isa_ops[op].name);
	}
}

int asm_parse_conf(struct asm_ctx *x, struct asm_cur *c)
{
	struct opnd o[MAX_OPNDS] = {{0}};
	struct asm_cur at, mpos;
	char mn[40];
	const char *w;
	size_t len;
	bool lock = false;
	int n, ret, best = -1, best_pos = -1, other = -1;

	lex_ws(c);
	at = *c;
	if (!lex_ident(c, &w, &len))
		return asm_error(x, c, "expected an instruction");
	mpos = at;
	if (len == 4 && memcmp(w, "lock", 4) == 0) {
		lock = true;
		lex_ws(c);
		mpos = *c;
		if (lex_eat_word(c, "fetch")) {
			const char *w2;
			size_t len2;

			if (!lex_ident(c, &w2, &len2))
				return asm_error(x, c, "expected an atomic operation after 'lock fetch'");
			snprintf(mn, sizeof(mn), "fetch %.*s", (int)(len2 < 30 ? len2 : 30), w2);
		} else if (lex_ident(c, &w, &len)) {
			snprintf(mn, sizeof(mn), "%.*s", (int)(len < 30 ? len : 30), w);
		} else {
			return asm_error(x, c, "expected an atomic operation after 'lock'");
		}
	} else {
		if (len == 4 && memcmp(w, "call", 4) == 0)
			return parse_call(x, c, &at);
		if (len == 4 && memcmp(w, "exit", 4) == 0) {
			ret = lex_end(x, c);
			return ret ? ret : asm_emit(x, &at, OP_EXIT, 0, 0, 0, 0);
		}
		/* "swap16" is the suite's older name for bswap16 */
		if (len == 6 && memcmp(w, "swap", 4) == 0)
			snprintf(mn, sizeof(mn), "b%.*s", (int)len, w);
		else
			snprintf(mn, sizeof(mn), "%.*s", (int)(len < 30 ? len : 30), w);
	}
	ret = parse_operands(x, c, o, &n);
	if (ret)
		return ret;

	/* Among the operations with this mnemonic, the one whose operand shapes match. */
	for (int op = 0; op < OP__COUNT; op++) {
		const struct isa_op_info *i = &isa_ops[op];
		const char *sig;
		int k;

		if (strcmp(i->mnemonic, mn) != 0 || (i->format == F_ATOMIC) != lock ||
		    i->format == F_CALL || i->format == F_CALL_LOCAL || i->format == F_CALL_KFUNC ||
		    i->format == F_EXIT)
			continue;
		sig = signature(i->format);
		for (k = 0; k < n && sig[k] && fits(sig[k], o[k].kind); k++)
			;
		if (k == n && sig[k] == '\0')
			return encode(x, &at, (enum isa_op)op, o);
		if (k > best_pos) {
			best_pos = k;
			best = op;
			other = -1;
		} else if (k == best_pos && sig[k] && signature(isa_ops[best].format)[k] != sig[k]) {
			other = op; /* e.g. add K and add X both fail at operand 2 */
		}
	}
	if (best < 0)
		return asm_error(x, &mpos, "unknown mnemonic '%s'", mn);
	{
		const char *sig = signature(isa_ops[best].format);

		if (best_pos < n && sig[best_pos] && other >= 0)
			return asm_error(x, &o[best_pos].at, "expected %s or %s",
					 describe(sig[best_pos]),
					 describe(signature(isa_ops[other].format)[best_pos]));
		if (best_pos < n && sig[best_pos])
			return asm_error(x, &o[best_pos].at, "expected %s", describe(sig[best_pos]));
		if (best_pos == n)
			return asm_error(x, c, "missing operand: expected %s",
					 describe(sig[best_pos]));
		return asm_error(x, &o[best_pos].at, "too many operands for '%s'", mn);
	}
}
