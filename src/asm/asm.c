/* SPDX-License-Identifier: MIT */
/*
 * asm.c - the assembler's driver: splits text into lines, strips comments and pasted
 * verifier-log decorations (slot index, opcode column, "; R0_w=0" state), defines labels,
 * hands each line to the kernel-syntax or uBPF-syntax parser, emits slots through the ISA
 * table, patches label references and validates the result structurally.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"

int asm_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int oom(struct asm_ctx *x)
{
	return err_set(x->err, -ENOMEM, "asm", -1, "out of memory");
}

size_t asm_next_slot(const struct asm_ctx *x)
{
	return x->prog->n;
}

static int append(struct asm_ctx *x, const struct asm_cur *at, struct bpf_insn in)
{
	struct asm_prog *p = x->prog;

	if (p->n >= ISA_MAX_INSNS)
		return asm_error(x, at, "program too large (limit %d slots)", ISA_MAX_INSNS);
	if (p->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct bpf_insn *insns = realloc(p->insns, cap * sizeof(*insns));
		int *lines;

		if (!insns)
			return oom(x);
		p->insns = insns;
		lines = realloc(p->lines, cap * sizeof(*lines));
		if (!lines)
			return oom(x);
		p->lines = lines;
		x->cap = cap;
	}
	p->insns[p->n] = in;
	p->lines[p->n] = at->line;
	p->n++;
	return 0;
}

int asm_emit(struct asm_ctx *x, const struct asm_cur *at, enum isa_op op, int dst, int src,
	     int32_t off, int32_t imm)
{
	const struct isa_op_info *i = &isa_ops[op];
	struct bpf_insn in = {0};

	in.code = i->code;
	in.dst_reg = (uint8_t)dst;
	in.src_reg = (uint8_t)(i->src == ANY ? src : i->src);
	in.off = (int16_t)(i->off == ANY ? off : i->off);
	in.imm = i->imm == ANY ? imm : i->imm;
	if (op == OP_EXIT && x->first_exit < 0)
		x->first_exit = (long)x->prog->n;
	return append(x, at, in);
}

int asm_emit_insn(struct asm_ctx *x, const struct asm_cur *at, struct bpf_insn in)
{
	enum isa_op op = isa_decode(&in);

	if (op == OP_INVALID)
		return asm_error(x, at, "no such instruction (opcode %02x)", in.code);
	return asm_emit(x, at, op, in.dst_reg, in.src_reg, in.off, in.imm);
}

int asm_emit_lddw(struct asm_ctx *x, const struct asm_cur *at, int dst, int src, uint64_t imm)
{
	struct bpf_insn in[2] = {{0}};
	int ret;

	in[0].code = isa_ops[OP_LDDW].code;
	in[0].dst_reg = (uint8_t)dst;
	in[0].src_reg = (uint8_t)src;
	in[0].imm = (int32_t)(uint32_t)imm;
	in[1].imm = (int32_t)(uint32_t)(imm >> 32);
	ret = append(x, at, in[0]);
	return ret ? ret : append(x, at, in[1]);
}

int asm_fixup(struct asm_ctx *x, const struct asm_cur *at, const char *name, size_t len,
	      enum asm_fix_kind kind)
{
	struct asm_fixup *f;

	if (asm_grow((void **)&x->fixups, &x->fixcap, x->nfix + 1, sizeof(*x->fixups)))
		return oom(x);
	f = &x->fixups[x->nfix++];
	f->name = name;
	f->len = len;
	f->slot = x->prog->n;
	f->kind = kind;
	f->line = at->line;
	f->column = (int)(at->p - at->line_start) + 1;
	return 0;
}

int asm_add_mapref(struct asm_ctx *x, const char *name, size_t len, int kind, uint32_t off)
{
	struct asm_prog *p = x->prog;
	struct asm_mapref *m;
	char *s;

	if (asm_grow((void **)&p->maps, &x->mapcap, p->nmaps + 1, sizeof(*p->maps)))
		return oom(x);
	s = malloc(len + 1);
	if (!s)
		return oom(x);
	memcpy(s, name, len);
	s[len] = '\0';
	m = &p->maps[p->nmaps++];
	m->name = s;
	m->slot = p->n;
	m->kind = kind;
	m->off = off;
	return 0;
}

static struct asm_label *find_label(struct asm_ctx *x, const char *name, size_t len)
{
	for (size_t i = 0; i < x->nlabels; i++)
		if (x->labels[i].len == len && memcmp(x->labels[i].name, name, len) == 0)
			return &x->labels[i];
	return NULL;
}

static int define_label(struct asm_ctx *x, const struct asm_cur *at, const char *name,
			size_t len)
{
	struct asm_label *l = find_label(x, name, len);

	if (l)
		return asm_error(x, at, "duplicate label '%.*s' (first defined on line %d)", (int)len,
				 name, l->line);
	if (asm_grow((void **)&x->labels, &x->labcap, x->nlabels + 1, sizeof(*x->labels)))
		return oom(x);
	l = &x->labels[x->nlabels++];
	l->name = name;
	l->len = len;
	l->slot = x->prog->n;
	l->line = at->line;
	return 0;
}

bool asm_is_kernel_line(const struct asm_cur *c0)
{
	struct asm_cur c = *c0;
	const char *w;
	size_t len;

	lex_ws(&c);
	if (c.p < c.end && *c.p == '*')
		return true;
	if (lex_peek_reg(&c)) {
		/* "r1 = ...", "w2 += ...": a register followed by an operator. uBPF lines start
		 * with a mnemonic, never a register. */
		return true;
	}
	if (!lex_ident(&c, &w, &len))
		return true; /* let the kernel parser report what it expected */
#define IS(s) (len == sizeof(s) - 1 && memcmp(w, s, len) == 0)
	if (IS("if") || IS("goto") || IS("gotol") || IS("callx") || IS("exit"))
		return true;
	if (IS("lock"))
		return lex_peek(&c, "*");
	if (IS("call"))
		return !(lex_peek(&c, "%") || lex_eat_word(&c, "local") || lex_eat_word(&c, "helper") ||
			 lex_eat_word(&c, "runtime"));
#undef IS
	return false;
}

/* Cut the line at comments: "//", a verifier log's "; state", and "#" starting a word in uBPF
 * text (a kernel "call name#1" keeps its '#'). */
static const char *cut_comments(const char *p, const char *end)
{
	for (const char *q = p; q < end; q++) {
		if (*q == ';' || (*q == '/' && q + 1 < end && q[1] == '/'))
			return q;
		if (*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t'))
			return q;
	}
	return end;
}

static bool is_state_line(struct asm_cur *c)
{
	/* "0: R1=ctx() R10=fp0" or "frame1: ..." lines of a verifier log carry no instruction. */
	lex_ws(c);
	if (c->end - c->p >= 2 && c->p[0] == 'R' && isdigit((unsigned char)c->p[1]))
		return true;
	return lex_peek(c, "frame");
}

/* Lines of `bpftool prog dump xlated` that carry no instruction: the raw bytes printed with
 * "opcodes" ("b7 00 00 00 00 00 00 00") and function headers ("int f(struct xdp_md * ctx):"). */
static bool is_bpftool_decoration(const struct asm_cur *c)
{
	const char *p = c->p, *e = c->end;
	int pairs = 0;

	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - p > 3 && e[-1] == ':' && e[-2] == ')' && memchr(p, '(', (size_t)(e - p)))
		return true;
	while (p < e) {
		if (e - p < 2 || !isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (e - p > 2 && p[2] != ' '))
			return false;
		pairs++;
		p += 2;
		while (p < e && *p == ' ')
			p++;
	}
	return pairs == 8 || pairs == 16;
}

static int do_line(struct asm_ctx *x, const char *p, const char *end, int line)
{
	struct asm_cur c = {.p = p, .end = end, .line_start = p, .line = line};
	size_t first = x->prog->n;
	const char *q;
	int ret;

	if (end > p && end[-1] == '\r')
		c.end = --end;
	c.end = cut_comments(p, end);
	x->hint = -1;
	if (lex_at_end(&c) || is_bpftool_decoration(&c))
		return 0;

	/* A verifier log's / bpftool's slot index "12:" */
	q = c.p;
	while (q < c.end && isdigit((unsigned char)*q))
		q++;
	if (q > c.p && q < c.end && *q == ':') {
		c.p = q + 1;
		if (lex_at_end(&c) || is_state_line(&c))
			return 0;
	}
	/* and opcode column "(b7)" */
	lex_ws(&c);
	if (c.end - c.p >= 4 && c.p[0] == '(' && isxdigit((unsigned char)c.p[1]) &&
	    isxdigit((unsigned char)c.p[2]) && c.p[3] == ')') {
		x->hint = (int)strtol((char[]){c.p[1], c.p[2], 0}, NULL, 16);
		c.p += 4;
	}
	lex_ws(&c);
	if (c.p < c.end && *c.p == '.')
		return asm_directive(x, &c);

	/* Labels: "name:" alone or before an instruction. */
	for (;;) {
		struct asm_cur t = c;
		const char *name;
		size_t len;

		if (!lex_ident(&t, &name, &len) || !lex_eat(&t, ":"))
			break;
		ret = define_label(x, &c, name, len);
		if (ret)
			return ret;
		c = t;
	}
	if (lex_at_end(&c))
		return 0;

	ret = asm_is_kernel_line(&c) ? asm_parse_kernel(x, &c) : asm_parse_conf(x, &c);
	if (ret)
		return ret;
	if (x->hint >= 0 && x->prog->n > first && x->prog->insns[first].code != x->hint) {
		struct asm_cur at = {.p = p, .end = end, .line_start = p, .line = line};

		return asm_error(x, &at, "opcode column (%02x) does not match the instruction (%02x)",
				 x->hint, x->prog->insns[first].code);
	}
	return 0;
}

static int resolve(struct asm_ctx *x)
{
	for (size_t i = 0; i < x->nfix; i++) {
		struct asm_fixup *f = &x->fixups[i];
		struct asm_label *l = find_label(x, f->name, f->len);
		struct bpf_insn *in = &x->prog->insns[f->slot];
		int64_t target, delta;

		if (l)
			target = (int64_t)l->slot;
		else if (f->len == 4 && memcmp(f->name, "exit", 4) == 0 && x->first_exit >= 0)
			target = x->first_exit; /* the suite's implicit label */
		else
			return err_set_at(x->err, -EINVAL, "asm", f->line, f->column,
					  "undefined label '%.*s'", (int)f->len, f->name);
		delta = target - (int64_t)f->slot - 1;
		if (target >= (int64_t)x->prog->n)
			return err_set_at(x->err, -EINVAL, "asm", f->line, f->column,
					  "label '%.*s' is past the last instruction", (int)f->len,
					  f->name);
		if (f->kind == FIX_OFF) {
			if (delta < INT16_MIN || delta > INT16_MAX)
				return err_set_at(x->err, -EINVAL, "asm", f->line, f->column,
						  "jump to '%.*s' out of range (%lld slots; use gotol)",
						  (int)f->len, f->name, (long long)delta);
			in->off = (int16_t)delta;
		} else {
			in->imm = (int32_t)delta;
		}
	}
	return 0;
}

int asm_assemble(const char *text, struct asm_prog *out, struct userbpf_error *err)
{
	struct asm_ctx x = {0};
	const char *p = text;
	int line = 0, ret = 0;

	memset(out, 0, sizeof(*out));
	err_clear(err);
	x.prog = out;
	x.first_exit = -1;
	x.err = err;
	while (*p) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		ret = do_line(&x, p, eol, ++line);
		if (ret)
			goto done;
		p = *eol ? eol + 1 : eol;
	}
	ret = resolve(&x);
	if (!ret)
		ret = asm_check_maprefs(&x);
	if (ret)
		goto done;
	ret = isa_validate(out->insns, out->n, err);
	if (ret && err && err->insn >= 0 && (size_t)err->insn < out->n) {
		err->line = out->lines[err->insn];
		err->column = 1;
	}
done:
	free(x.labels);
	free(x.fixups);
	return ret;
}

void asm_prog_free(struct asm_prog *prog)
{
	if (!prog)
		return;
	for (size_t i = 0; i < prog->nmaps; i++)
		free(prog->maps[i].name);
	free(prog->maps);
	for (size_t i = 0; i < prog->ndecls; i++) {
		free(prog->decls[i].name);
		free(prog->decls[i].init);
	}
	free(prog->decls);
	free(prog->insns);
	free(prog->lines);
	memset(prog, 0, sizeof(*prog));
}
