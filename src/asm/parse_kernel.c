/* SPDX-License-Identifier: MIT */
/*
 * parse_kernel.c - one line of the kernel verifier-log / bpftool / llvm pseudo-C syntax:
 * "r1 += 5", "if w1 s< w2 goto -3", "r0 = *(u32 *)(r1 +16)", "lock *(u64 *)(r1 +0) += r2",
 * "r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)", "call bpf_map_lookup_elem#1",
 * "r1 = map[NAME]" ... Slots are built from <linux/bpf.h> constants and checked against the
 * ISA table, which fills the selector fields.
 */
#include <errno.h>
#include <string.h>

#include "asm.h"

struct kop {
	const char *text;
	uint8_t op;
	int16_t off; /* 1: signed division / modulo */
};

/* Longest first, so "s>>=" is tried before ">>=" and "<<=" before "<". */
static const struct kop alu_ops[] = {
	{"s>>=", BPF_ARSH, 0}, {"<<=", BPF_LSH, 0}, {">>=", BPF_RSH, 0}, {"s/=", BPF_DIV, 1},
	{"s%=", BPF_MOD, 1},   {"+=", BPF_ADD, 0},  {"-=", BPF_SUB, 0},  {"*=", BPF_MUL, 0},
	{"/=", BPF_DIV, 0},    {"|=", BPF_OR, 0},   {"&=", BPF_AND, 0},  {"%=", BPF_MOD, 0},
	{"^=", BPF_XOR, 0},    {"=", BPF_MOV, 0},
};

static const struct kop jmp_ops[] = {
	{"s>=", BPF_JSGE, 0}, {"s<=", BPF_JSLE, 0}, {"s>", BPF_JSGT, 0}, {"s<", BPF_JSLT, 0},
	{"==", BPF_JEQ, 0},   {"!=", BPF_JNE, 0},   {">=", BPF_JGE, 0},  {"<=", BPF_JLE, 0},
	{">", BPF_JGT, 0},    {"<", BPF_JLT, 0},    {"&", BPF_JSET, 0},
};

static const struct kop *match_op(struct asm_cur *c, const struct kop *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lex_eat(c, ops[i].text))
			return &ops[i];
	return NULL;
}

static struct bpf_insn mk(uint8_t code, int dst, int src, int off, int32_t imm)
{
	struct bpf_insn in = {0};

	in.code = code;
	in.dst_reg = (uint8_t)dst;
	in.src_reg = (uint8_t)src;
	in.off = (int16_t)off;
	in.imm = imm;
	return in;
}

static int expect(struct asm_ctx *x, struct asm_cur *c, const char *s)
{
	if (lex_eat(c, s))
		return 0;
	return asm_error(x, c, "expected '%s'", s);
}

static int reg_of(struct asm_ctx *x, struct asm_cur *c, char want, int *reg)
{
	struct asm_cur at;
	char kind;
	int ret;

	lex_ws(c);
	at = *c;
	ret = lex_reg(x, c, reg, &kind);
	if (ret)
		return ret;
	if (want && kind != want)
		return asm_error(x, &at, "expected a %s register (%c%d), found %c%d",
				 want == 'w' ? "32-bit" : "64-bit", want, *reg, kind, *reg);
	return 0;
}

/* "pc+N", "+N", "-N", "N" or a label; *slots is set, or a fixup of `kind` is queued. */
static int parse_target(struct asm_ctx *x, struct asm_cur *c, enum asm_fix_kind kind,
			int64_t *slots)
{
	struct asm_cur at;
	const char *name;
	size_t len;
	bool hex;

	lex_ws(c);
	at = *c;
	*slots = 0;
	if (c->end - c->p >= 3 && c->p[0] == 'p' && c->p[1] == 'c' &&
	    (c->p[2] == '+' || c->p[2] == '-'))
		c->p += 2;
	if (c->p < c->end && (*c->p == '+' || *c->p == '-' || (*c->p >= '0' && *c->p <= '9')))
		return lex_int(x, c, slots, &hex);
	if (!lex_ident(c, &name, &len))
		return asm_error(x, &at, "expected a jump target (pc+N, +N or a label)");
	return asm_fixup(x, &at, name, len, kind);
}

static int parse_if(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at)
{
	const struct kop *op;
	struct asm_cur pos;
	int dst, src = 0, ret;
	int32_t imm = 0;
	int64_t v, t;
	uint8_t cls, srcbit = BPF_K;
	char kind;
	bool hex;

	lex_ws(c);
	ret = lex_reg(x, c, &dst, &kind);
	if (ret)
		return ret;
	cls = kind == 'w' ? BPF_JMP32 : BPF_JMP;
	op = match_op(c, jmp_ops, ARRAY_SIZE(jmp_ops));
	if (!op)
		return asm_error(x, c, "expected a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, "
				       "s<=, &)");
	if (lex_peek_reg(c)) {
		ret = reg_of(x, c, kind, &src);
		srcbit = BPF_X;
	} else {
		lex_ws(c);
		pos = *c;
		ret = lex_int(x, c, &v, &hex);
		if (!ret)
			ret = asm_imm32(x, &pos, v, hex, &imm);
	}
	if (ret)
		return ret;
	if (!lex_eat_word(c, "goto"))
		return asm_error(x, c, "expected 'goto'");
	lex_ws(c);
	pos = *c;
	ret = parse_target(x, c, FIX_OFF, &t);
	if (ret)
		return ret;
	int16_t off;
	ret = asm_off16(x, &pos, t, false, &off);
	if (ret)
		return ret;
	ret = lex_end(x, c);
	return ret ? ret : asm_emit_insn(x, at, mk(cls | op->op | srcbit, dst, src, off, imm));
}

static int parse_goto(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at, bool wide)
{
	struct asm_cur pos;
	int64_t t;
	int ret;

	lex_ws(c);
	pos = *c;
	ret = parse_target(x, c, wide ? FIX_IMM : FIX_OFF, &t);
	if (ret)
		return ret;
	ret = lex_end(x, c);
	if (ret)
		return ret;
	if (wide) {
		int32_t imm;

		ret = asm_imm32(x, &pos, t, false, &imm);
		return ret ? ret : asm_emit(x, at, OP_JA32, 0, 0, 0, imm);
	}
	int16_t off;
	ret = asm_off16(x, &pos, t, false, &off);
	return ret ? ret : asm_emit(x, at, OP_JA, 0, 0, off, 0);
}

static int parse_call(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at)
{
	struct asm_cur pos;
	const char *name;
	size_t len;
	int64_t v;
	int32_t imm;
	bool hex;
	int ret;

	lex_ws(c);
	pos = *c;
	if (c->end - c->p >= 3 && c->p[0] == 'p' && c->p[1] == 'c' &&
	    (c->p[2] == '+' || c->p[2] == '-')) {
		/* "call pc+3": a bpf-to-bpf call; bpftool's xlated "call pc+3#bpf_prog_..._F"
		 * appends the callee's symbol */
		c->p += 2;
		ret = lex_int(x, c, &v, &hex);
		if (!ret)
			ret = asm_imm32(x, &pos, v, false, &imm);
		if (!ret && c->p < c->end && *c->p == '#')
			c->p = c->end;
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit(x, at, OP_CALL_LOCAL, 0, 0, 0, imm);
	}
	if (lex_eat(c, "kernel-function#")) {
		int16_t off = 0;

		ret = lex_int(x, c, &v, &hex);
		if (!ret)
			ret = asm_imm32(x, &pos, v, hex, &imm);
		if (!ret && lex_eat(c, "@")) {
			pos = *c;
			ret = lex_int(x, c, &v, &hex);
			if (!ret)
				ret = asm_off16(x, &pos, v, hex, &off);
		}
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit(x, at, OP_CALL_KFUNC, 0, 0, off, imm);
	}
	if (c->p < c->end && (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))) {
		ret = lex_int(x, c, &v, &hex);
		if (!ret)
			ret = asm_imm32(x, &pos, v, hex, &imm);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit(x, at, OP_CALL, 0, 0, 0, imm);
	}
	if (!lex_ident(c, &name, &len))
		return asm_error(x, &pos, "expected a helper, a label or pc+N after 'call'");
	if (c->p < c->end && *c->p == '#') {
		/* "call bpf_map_lookup_elem#1": the id is authoritative (hosts name their own) */
		c->p++;
		pos = *c;
		ret = lex_int(x, c, &v, &hex);
		if (!ret)
			ret = asm_imm32(x, &pos, v, hex, &imm);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit(x, at, OP_CALL, 0, 0, 0, imm);
	}
	ret = lex_end(x, c);
	if (ret)
		return ret;
	imm = asm_helper_id(name, len);
	if (imm < 0) {
		/* not a kernel helper name: a label, so a bpf-to-bpf call */
		ret = asm_fixup(x, &pos, name, len, FIX_IMM);
		return ret ? ret : asm_emit(x, at, OP_CALL_LOCAL, 0, 0, 0, 0);
	}
	return asm_emit(x, at, OP_CALL, 0, 0, 0, imm);
}

/* "(u32 *)": size bits and whether it is a sign-extending (sN) type. */
static int parse_type(struct asm_ctx *x, struct asm_cur *c, uint8_t *size, bool *sx)
{
	static const struct {
		const char *name;
		uint8_t size;
		bool sx;
	} types[] = {{"u8", BPF_B, false},  {"u16", BPF_H, false}, {"u32", BPF_W, false},
		     {"u64", BPF_DW, false}, {"s8", BPF_B, true},   {"s16", BPF_H, true},
		     {"s32", BPF_W, true}};
	int ret = expect(x, c, "(");

	if (ret)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (lex_eat_word(c, types[i].name)) {
			*size = types[i].size;
			*sx = types[i].sx;
			ret = expect(x, c, "*");
			return ret ? ret : expect(x, c, ")");
		}
	return asm_error(x, c, "expected a type (u8, u16, u32, u64, s8, s16, s32)");
}

/* "REG", "REG +N", "REG -N", "REG + N": a base register and a 16-bit offset. */
static int parse_base_off(struct asm_ctx *x, struct asm_cur *c, int *reg, int16_t *off)
{
	struct asm_cur pos;
	int64_t v;
	bool hex, neg;
	int ret = reg_of(x, c, 'r', reg);

	*off = 0;
	if (ret)
		return ret;
	lex_ws(c);
	pos = *c;
	if (lex_eat(c, "+"))
		neg = false;
	else if (lex_eat(c, "-"))
		neg = true;
	else
		return 0;
	lex_ws(c);
	if (c->p < c->end && (*c->p == '-' || *c->p == '+'))
		return asm_error(x, c, "expected a number");
	ret = lex_int(x, c, &v, &hex);
	if (ret)
		return ret;
	return asm_off16(x, &pos, neg && v > 0 ? -v : v, hex && !neg, off);
}

/* "(REG OFF)" */
static int parse_addr(struct asm_ctx *x, struct asm_cur *c, int *reg, int16_t *off)
{
	int ret = expect(x, c, "(");

	if (!ret)
		ret = parse_base_off(x, c, reg, off);
	return ret ? ret : expect(x, c, ")");
}

static int atomic_size(struct asm_ctx *x, const struct asm_cur *at, uint8_t size, bool sx)
{
	if (sx || (size != BPF_W && size != BPF_DW))
		return asm_error(x, at, "atomic operations take u32 or u64");
	return 0;
}

static int parse_lock(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at)
{
	static const struct kop ops[] = {
		{"+=", BPF_ADD, 0}, {"|=", BPF_OR, 0}, {"&=", BPF_AND, 0}, {"^=", BPF_XOR, 0}};
	const struct kop *op;
	struct asm_cur pos;
	uint8_t size;
	bool sx;
	int dst, src, ret;
	int16_t off;

	lex_ws(c);
	pos = *c;
	ret = expect(x, c, "*");
	if (!ret)
		ret = parse_type(x, c, &size, &sx);
	if (!ret)
		ret = atomic_size(x, &pos, size, sx);
	if (!ret)
		ret = parse_addr(x, c, &dst, &off);
	if (ret)
		return ret;
	op = match_op(c, ops, ARRAY_SIZE(ops));
	if (!op)
		return asm_error(x, c, "expected an atomic operator (+=, |=, &=, ^=)");
	ret = reg_of(x, c, 0, &src);
	if (!ret)
		ret = lex_end(x, c);
	return ret ? ret : asm_emit_insn(x, at, mk(BPF_STX | size | BPF_ATOMIC, dst, src, off, op->op));
}

static int parse_store(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at)
{
	struct asm_cur pos;
	uint8_t size;
	bool sx, hex;
	int dst, src, ret;
	int16_t off;
	int64_t v;
	int32_t imm;

	ret = expect(x, c, "*");
	lex_ws(c);
	pos = *c;
	if (!ret)
		ret = parse_type(x, c, &size, &sx);
	if (!ret && sx)
		ret = asm_error(x, &pos, "stores take unsigned types");
	if (!ret)
		ret = parse_addr(x, c, &dst, &off);
	if (!ret)
		ret = expect(x, c, "=");
	if (ret)
		return ret;
	if (lex_peek_reg(c)) {
		ret = reg_of(x, c, 0, &src);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit_insn(x, at, mk(BPF_STX | size | BPF_MEM, dst, src, off, 0));
	}
	lex_ws(c);
	pos = *c;
	ret = lex_int(x, c, &v, &hex);
	if (!ret)
		ret = asm_imm32(x, &pos, v, hex, &imm);
	if (!ret)
		ret = lex_end(x, c);
	return ret ? ret : asm_emit_insn(x, at, mk(BPF_ST | size | BPF_MEM, dst, 0, off, imm));
}

/* "rD = *(T *)..." : memory loads and legacy packet loads. */
static int parse_load(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at, int dst,
		      char kind)
{
	struct asm_cur pos;
	uint8_t size;
	bool sx, hex;
	int src, ret;
	int16_t off;
	int64_t v;
	int32_t imm = 0;

	lex_ws(c);
	pos = *c;
	ret = parse_type(x, c, &size, &sx);
	if (ret)
		return ret;
	if (kind != 'r')
		return asm_error(x, at, "loads write a 64-bit register");
	if (lex_eat_word(c, "skb")) {
		bool ind = false;

		if (sx || size == BPF_DW)
			return asm_error(x, &pos, "packet loads take u8, u16 or u32");
		if (dst != 0)
			return asm_error(x, at, "packet loads write r0");
		ret = expect(x, c, "[");
		if (ret)
			return ret;
		src = 0;
		if (lex_peek_reg(c)) {
			ind = true;
			ret = reg_of(x, c, 'r', &src);
			if (!ret && !lex_peek(c, "]"))
				ret = expect(x, c, "+");
		}
		if (!ret && !lex_peek(c, "]")) {
			lex_ws(c);
			pos = *c;
			ret = lex_int(x, c, &v, &hex);
			if (!ret)
				ret = asm_imm32(x, &pos, v, hex, &imm);
		}
		if (!ret)
			ret = expect(x, c, "]");
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret
			   : asm_emit_insn(x, at, mk(BPF_LD | size | (ind ? BPF_IND : BPF_ABS), 0, src,
						    0, imm));
	}
	if (sx && size == BPF_DW)
		return asm_error(x, &pos, "no sign-extending 64-bit load");
	ret = parse_addr(x, c, &src, &off);
	if (!ret)
		ret = lex_end(x, c);
	return ret ? ret
		   : asm_emit_insn(x, at,
				   mk(BPF_LDX | size | (sx ? BPF_MEMSX : BPF_MEM), dst, src, off, 0));
}

/* Kernel "atomic64_fetch_add((u64 *)(r1 +0), r2)" and llvm "xchg_64(r1 + 0, r2)" forms. */
static int parse_atomic_call(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at,
			     int dst, const char *name, size_t len)
{
	static const struct {
		const char *name;
		int32_t imm;
	} fns[] = {{"fetch_add", BPF_ADD | BPF_FETCH}, {"fetch_or", BPF_OR | BPF_FETCH},
		   {"fetch_and", BPF_AND | BPF_FETCH}, {"fetch_xor", BPF_XOR | BPF_FETCH},
		   {"xchg", BPF_XCHG},                 {"cmpxchg", BPF_CMPXCHG}};
	struct asm_cur pos = *at;
	const char *fn = name;
	size_t fnlen = len;
	int size_hint = 0; /* 64 or 32 when the name says so */
	bool llvm = false;
	int32_t imm = -1;
	uint8_t size = BPF_DW;
	bool sx;
	int base, src, r0, ret;
	int16_t off;

	if (len > 7 && memcmp(name, "atomic_", 7) == 0) {
		fn = name + 7;
		fnlen = len - 7;
	} else if (len > 9 && memcmp(name, "atomic64_", 9) == 0) {
		fn = name + 9;
		fnlen = len - 9;
		size_hint = 64;
	} else if (len == 10 && memcmp(name, "cmpxchg_64", 10) == 0) {
		fnlen = 7, llvm = true, size_hint = 64;
	} else if (len == 12 && memcmp(name, "cmpxchg32_32", 12) == 0) {
		fnlen = 7, llvm = true, size_hint = 32;
	} else if (len == 7 && memcmp(name, "xchg_64", 7) == 0) {
		fnlen = 4, llvm = true, size_hint = 64;
	} else if (len == 9 && memcmp(name, "xchg32_32", 9) == 0) {
		fnlen = 4, llvm = true, size_hint = 32;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fns); i++)
		if (strlen(fns[i].name) == fnlen && memcmp(fns[i].name, fn, fnlen) == 0)
			imm = fns[i].imm;
	if (imm < 0 || (!llvm && fn == name))
		return asm_error(x, &pos, "unknown operation '%.*s'", (int)len, name);
	ret = expect(x, c, "(");
	if (ret)
		return ret;
	if (llvm) {
		size = size_hint == 64 ? BPF_DW : BPF_W;
		ret = parse_base_off(x, c, &base, &off);
	} else {
		lex_ws(c);
		pos = *c;
		ret = parse_type(x, c, &size, &sx);
		if (!ret)
			ret = atomic_size(x, &pos, size, sx);
		if (!ret && size_hint == 64 && size != BPF_DW)
			ret = asm_error(x, &pos, "atomic64_ operations take u64");
		if (!ret)
			ret = parse_addr(x, c, &base, &off);
	}
	if (!ret)
		ret = expect(x, c, ",");
	if (ret)
		return ret;
	if (imm == BPF_CMPXCHG) {
		lex_ws(c);
		pos = *c;
		ret = reg_of(x, c, 0, &r0);
		if (!ret && (r0 != 0 || dst != 0))
			ret = asm_error(x, r0 ? &pos : at, "cmpxchg compares with and writes r0");
		if (!ret)
			ret = expect(x, c, ",");
		if (ret)
			return ret;
	}
	lex_ws(c);
	pos = *c;
	ret = reg_of(x, c, 0, &src);
	if (!ret && imm != BPF_CMPXCHG && src != dst)
		ret = asm_error(x, &pos, "the fetched value goes to the source register: expected r%d",
				dst);
	if (!ret)
		ret = expect(x, c, ")");
	if (!ret)
		ret = lex_end(x, c);
	return ret ? ret : asm_emit_insn(x, at, mk(BPF_STX | size | BPF_ATOMIC, base, src, off, imm));
}

/* "map[NAME]", "map[id:N]", "map[id:N][0]+OFF", "map[idx:N]", "map[idx:N]+OFF",
 * "map_value[NAME]+OFF", "subprog[+N]", "btf_id[N]": lddw with a pseudo source. */
/* The OFF of `map_value[...]+OFF`: the second slot's imm (any 32-bit pattern). */
static int parse_value_off(struct asm_ctx *x, struct asm_cur *c, int32_t *off)
{
	struct asm_cur pos;
	int64_t v;
	bool hex;
	int ret;

	lex_ws(c);
	pos = *c;
	ret = lex_int(x, c, &v, &hex);
	return ret ? ret : asm_imm32(x, &pos, v, true, off);
}

static int parse_pseudo(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at, int dst,
			const char *word, size_t wlen)
{
	struct asm_cur pos;
	const char *name;
	size_t len;
	int64_t v = 0;
	int32_t lo = 0, hi = 0;
	bool hex;
	int src, ret;

#define W(s) (wlen == sizeof(s) - 1 && memcmp(word, s, wlen) == 0)
	ret = expect(x, c, "[");
	if (ret)
		return ret;
	lex_ws(c);
	pos = *c;
	if (W("subprog") || W("btf_id")) {
		src = W("subprog") ? BPF_PSEUDO_FUNC : BPF_PSEUDO_BTF_ID;
		ret = lex_int(x, c, &v, &hex);
		/* btf ids print unsigned, subprog offsets signed */
		if (!ret)
			ret = asm_imm32(x, &pos, v, src == BPF_PSEUDO_BTF_ID || hex, &lo);
		if (!ret)
			ret = expect(x, c, "]");
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit_lddw(x, at, dst, src, (uint32_t)lo);
	}
	if (lex_eat(c, "id:") || lex_eat(c, "idx:")) {
		bool idx = c->p[-2] == 'x';

		pos = *c;
		ret = lex_int(x, c, &v, &hex);
		if (!ret)
			ret = asm_imm32(x, &pos, v, true, &lo);
		if (!ret)
			ret = expect(x, c, "]");
		if (ret)
			return ret;
		src = idx ? BPF_PSEUDO_MAP_IDX : BPF_PSEUDO_MAP_FD;
		if (!idx && lex_eat(c, "[")) {
			ret = expect(x, c, "0");
			if (!ret)
				ret = expect(x, c, "]");
			if (ret)
				return ret;
			if (!lex_peek(c, "+"))
				return expect(x, c, "+");
		}
		if (lex_eat(c, "+")) {
			src = idx ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_VALUE;
			ret = parse_value_off(x, c, &hi);
			if (ret)
				return ret;
		}
		ret = lex_end(x, c);
		return ret ? ret
			   : asm_emit_lddw(x, at, dst, src, (uint64_t)(uint32_t)hi << 32 | (uint32_t)lo);
	}
	if (!lex_ident(c, &name, &len))
		return asm_error(x, &pos, "expected a map name, id:N or idx:N");
	ret = expect(x, c, "]");
	if (ret)
		return ret;
	src = W("map") ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
	if (src == BPF_PSEUDO_MAP_VALUE && lex_eat(c, "+")) {
		ret = parse_value_off(x, c, &hi);
		if (ret)
			return ret;
	}
	ret = lex_end(x, c);
	if (!ret)
		ret = asm_add_mapref(x, name, len, src, (uint32_t)hi);
	return ret ? ret : asm_emit_lddw(x, at, dst, src, (uint64_t)(uint32_t)hi << 32);
#undef W
}

/* "rD = NUMBER [ll]": a mov, or an lddw with "ll", a "(18)" column or a 64-bit hex value. */
static int parse_mov_imm(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at, int dst,
			 char kind)
{
	struct asm_cur pos;
	int64_t v;
	int32_t imm;
	bool hex, neg, ll;
	int ret;

	lex_ws(c);
	pos = *c;
	neg = c->p < c->end && *c->p == '-';
	ret = lex_int(x, c, &v, &hex);
	if (ret)
		return ret;
	ll = lex_eat_word(c, "ll");
	ret = lex_end(x, c);
	if (ret)
		return ret;
	if (ll || x->hint == (BPF_LD | BPF_DW | BPF_IMM) ||
	    (x->hint < 0 && hex && !neg && (uint64_t)v > UINT32_MAX)) {
		if (kind != 'r')
			return asm_error(x, at, "a 64-bit load writes a 64-bit register");
		return asm_emit_lddw(x, at, dst, 0, (uint64_t)v);
	}
	if (!hex && (v < INT32_MIN || v > INT32_MAX))
		return asm_error(x, &pos, "immediate %lld out of range for 32 bits (add ll for a "
					  "64-bit load)",
				 (long long)v);
	ret = asm_imm32(x, &pos, v, hex, &imm);
	return ret ? ret
		   : asm_emit_insn(x, at, mk((kind == 'w' ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_K, dst,
					    0, 0, imm));
}

static int parse_assign(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at, int dst,
			char kind)
{
	uint8_t cls = kind == 'w' ? BPF_ALU : BPF_ALU64;
	struct asm_cur pos;
	const char *w;
	size_t len;
	int src, ret;

	lex_ws(c);
	pos = *c;
	if (lex_eat(c, "*"))
		return parse_load(x, c, at, dst, kind);
	if (c->end - c->p >= 2 && c->p[0] == '-' && (c->p[1] == 'r' || c->p[1] == 'w' || c->p[1] == '%')) {
		c->p++;
		ret = reg_of(x, c, kind, &src);
		if (!ret && src != dst)
			ret = asm_error(x, &pos, "negation is in place: expected -%c%d", kind, dst);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit_insn(x, at, mk(cls | BPF_NEG | BPF_K, dst, 0, 0, 0));
	}
	if (lex_eat(c, "(")) {
		static const struct {
			const char *t;
			int off;
		} casts[] = {{"s8", 8}, {"s16", 16}, {"s32", 32}};
		int off = 0;

		for (size_t i = 0; i < ARRAY_SIZE(casts); i++)
			if (lex_eat_word(c, casts[i].t))
				off = casts[i].off;
		if (!off)
			return asm_error(x, c, "expected a cast (s8), (s16) or (s32)");
		ret = expect(x, c, ")");
		if (!ret)
			ret = reg_of(x, c, kind, &src);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit_insn(x, at, mk(cls | BPF_MOV | BPF_X, dst, src, off, 0));
	}
	if (lex_peek_reg(c)) {
		ret = reg_of(x, c, kind, &src);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit_insn(x, at, mk(cls | BPF_MOV | BPF_X, dst, src, 0, 0));
	}
	if (lex_ident(c, &w, &len)) {
		static const struct {
			const char *name;
			uint8_t code;
			int32_t bits;
		} ends[] = {
			{"be16", BPF_ALU | BPF_END | BPF_TO_BE, 16},
			{"be32", BPF_ALU | BPF_END | BPF_TO_BE, 32},
			{"be64", BPF_ALU | BPF_END | BPF_TO_BE, 64},
			{"le16", BPF_ALU | BPF_END | BPF_TO_LE, 16},
			{"le32", BPF_ALU | BPF_END | BPF_TO_LE, 32},
			{"le64", BPF_ALU | BPF_END | BPF_TO_LE, 64},
			{"bswap16", BPF_ALU64 | BPF_END | BPF_TO_LE, 16},
			{"bswap32", BPF_ALU64 | BPF_END | BPF_TO_LE, 32},
			{"bswap64", BPF_ALU64 | BPF_END | BPF_TO_LE, 64},
		};
		for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
			if (strlen(ends[i].name) != len || memcmp(ends[i].name, w, len) != 0)
				continue;
			lex_ws(c);
			pos = *c;
			ret = reg_of(x, c, 0, &src);
			if (!ret && src != dst)
				ret = asm_error(x, &pos, "byte swaps are in place: expected r%d", dst);
			if (!ret)
				ret = lex_end(x, c);
			return ret ? ret : asm_emit_insn(x, at, mk(ends[i].code, dst, 0, 0, ends[i].bits));
		}
		if (len == 3 && memcmp(w, "map", 3) == 0 && lex_peek(c, "["))
			return kind == 'r' ? parse_pseudo(x, c, at, dst, w, len)
					   : asm_error(x, at, "a 64-bit load writes a 64-bit register");
		if (((len == 9 && memcmp(w, "map_value", 9) == 0) ||
		     (len == 7 && memcmp(w, "subprog", 7) == 0) ||
		     (len == 6 && memcmp(w, "btf_id", 6) == 0)) &&
		    lex_peek(c, "["))
			return kind == 'r' ? parse_pseudo(x, c, at, dst, w, len)
					   : asm_error(x, at, "a 64-bit load writes a 64-bit register");
		if (lex_peek(c, "("))
			return parse_atomic_call(x, c, at, dst, w, len);
		return asm_error(x, &pos, "unknown operand '%.*s'", (int)len, w);
	}
	return parse_mov_imm(x, c, at, dst, kind);
}

static int parse_reg_stmt(struct asm_ctx *x, struct asm_cur *c, const struct asm_cur *at)
{
	const struct kop *op;
	struct asm_cur pos;
	int dst, src, ret;
	int64_t v;
	int32_t imm;
	char kind;
	bool hex;

	ret = lex_reg(x, c, &dst, &kind);
	if (ret)
		return ret;
	op = match_op(c, alu_ops, ARRAY_SIZE(alu_ops));
	if (!op)
		return asm_error(x, c, "expected an assignment operator (=, +=, -=, ...)");
	if (op->op == BPF_MOV)
		return parse_assign(x, c, at, dst, kind);
	if (lex_peek_reg(c)) {
		ret = reg_of(x, c, kind, &src);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret
			   : asm_emit_insn(x, at, mk((kind == 'w' ? BPF_ALU : BPF_ALU64) | op->op | BPF_X,
						    dst, src, op->off, 0));
	}
	lex_ws(c);
	pos = *c;
	ret = lex_int(x, c, &v, &hex);
	if (!ret)
		ret = asm_imm32(x, &pos, v, hex, &imm);
	if (!ret)
		ret = lex_end(x, c);
	return ret ? ret
		   : asm_emit_insn(x, at, mk((kind == 'w' ? BPF_ALU : BPF_ALU64) | op->op | BPF_K, dst,
					    0, op->off, imm));
}

int asm_parse_kernel(struct asm_ctx *x, struct asm_cur *c)
{
	struct asm_cur at;
	int reg, ret;
	char kind;

	lex_ws(c);
	at = *c;
	if (lex_eat_word(c, "exit")) {
		ret = lex_end(x, c);
		return ret ? ret : asm_emit(x, &at, OP_EXIT, 0, 0, 0, 0);
	}
	if (lex_eat_word(c, "if"))
		return parse_if(x, c, &at);
	if (lex_eat_word(c, "gotol"))
		return parse_goto(x, c, &at, true);
	if (lex_eat_word(c, "goto"))
		return parse_goto(x, c, &at, false);
	if (lex_eat_word(c, "callx")) {
		ret = lex_reg(x, c, &reg, &kind);
		if (!ret)
			ret = lex_end(x, c);
		return ret ? ret : asm_emit(x, &at, OP_CALLX, reg, 0, 0, 0);
	}
	if (lex_eat_word(c, "call"))
		return parse_call(x, c, &at);
	if (lex_eat_word(c, "lock"))
		return parse_lock(x, c, &at);
	if (lex_peek(c, "*"))
		return parse_store(x, c, &at);
	if (lex_peek_reg(c))
		return parse_reg_stmt(x, c, &at);
	return asm_error(x, c, "expected an instruction");
}
