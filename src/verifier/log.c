/* SPDX-License-Identifier: MIT */
/*
 * log.c - the verifier log in the kernel's format: instructions in the kernel's syntax with
 * their opcode ("3: (07) r4 += 14"), register and stack values ("R1=mem(sz=64) R10=fp0
 * fp-8=mmmmmmmm", "scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))"),
 * and rejections, which also fill the structured error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "env.h"
#include "../helpers/helpers.h"

bool vlog_on(const struct venv *env, uint32_t level)
{
	return env->log && env->log->buf && env->log->size && env->opts->log_level >= level;
}

size_t vlog_pos(const struct venv *env)
{
	return env->log ? env->log->len : 0;
}

void vlog_rewind(struct venv *env, size_t pos)
{
	if (!env->log || !env->log->buf || pos > env->log->len)
		return;
	env->log->len = pos;
	env->log->buf[pos] = 0;
}

static void vlog_va(struct venv *env, const char *fmt, va_list ap)
{
	struct verifier_log *log = env->log;
	size_t room;
	int len;

	if (!log || !log->buf || !log->size)
		return;
	if (log->len >= log->size)
		log->len = log->size - 1;
	room = log->size - log->len;
	len = vsnprintf(log->buf + log->len, room, fmt, ap);
	if (len < 0)
		return;
	if ((size_t)len >= room) {
		log->truncated = true;
		log->len = log->size - 1;
	} else {
		log->len += (size_t)len;
	}
}

void vlog(struct venv *env, const char *fmt, ...)
{
	va_list ap;

	if (!env->log || env->opts->log_level == 0)
		return;
	va_start(ap, fmt);
	vlog_va(env, fmt, ap);
	va_end(ap);
}

void vnote(struct venv *env, const char *fmt, ...)
{
	va_list ap;

	if (!env->log || env->opts->log_level == 0)
		return;
	if (env->line_open) {
		vlog(env, "\n");
		env->line_open = false;
	}
	va_start(ap, fmt);
	vlog_va(env, fmt, ap);
	va_end(ap);
	vlog(env, "\n");
}

/* A rejection: the structured error, and the same line ending the log (on its own line). */
static int verr_vcode(struct venv *env, int code, const char *fmt, va_list ap)
{
	va_list ap2;

	va_copy(ap2, ap);
	err_vset(env->err, code, "verifier", (int)env->insn, fmt, ap);
	if (env->line_open) {
		vlog(env, "\n");
		env->line_open = false;
	}
	if (env->log && env->opts->log_level) {
		vlog_va(env, fmt, ap2);
		vlog(env, "\n");
	}
	va_end(ap2);
	return code;
}

int verr_code(struct venv *env, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = verr_vcode(env, code, fmt, ap);
	va_end(ap);
	return code;
}

int verr(struct venv *env, const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = verr_vcode(env, -EACCES, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- instructions ---------------------------------------------------------------------- */

static const char *const alu_sym[16] = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
					"neg", "%=", "^=", "=", "s>>=", "endian", "?", "?"};
static const char *const jmp_sym[16] = {"goto", "==", ">", ">=", "&", "!=", "s>", "s>=",
					"call", "exit", "<", "<=", "s<", "s<=", "?", "?"};
static const char *const size_str[4] = {"u32", "u16", "u8", "u64"};

void vlog_insn_text(const struct bpf_insn *in, char *buf, size_t len)
{
	enum isa_op op = isa_decode(in);
	uint8_t cls = BPF_CLASS(in->code), bop = BPF_OP(in->code) >> 4;
	char r = cls == BPF_ALU || cls == BPF_JMP32 ? 'w' : 'r';
	const char *sz = size_str[BPF_SIZE(in->code) >> 3];

	if (op == OP_INVALID) {
		snprintf(buf, len, "(bad)");
		return;
	}
	switch (isa_ops[op].format) {
	case F_ALU_K:
	case F_ALU_X: {
		char src[16];
		const char *sym = alu_sym[bop];

		if (isa_ops[op].format == F_ALU_K)
			snprintf(src, sizeof(src), "%d", in->imm);
		else
			snprintf(src, sizeof(src), "%c%d", r, in->src_reg);
		if (bop == (BPF_DIV >> 4) && in->off == 1)
			sym = "s/=";
		if (bop == (BPF_MOD >> 4) && in->off == 1)
			sym = "s%=";
		if (bop == (BPF_MOV >> 4) && in->off)
			snprintf(buf, len, "%c%d = (s%d)%c%d", r, in->dst_reg, in->off, r, in->src_reg);
		else
			snprintf(buf, len, "%c%d %s %s", r, in->dst_reg, sym, src);
		return;
	}
	case F_ALU_UN:
		snprintf(buf, len, "%c%d = -%c%d", r, in->dst_reg, r, in->dst_reg);
		return;
	case F_END:
		snprintf(buf, len, "r%d = %s%d r%d", in->dst_reg,
			 cls == BPF_ALU64 ? "bswap" : BPF_SRC(in->code) == BPF_TO_BE ? "be" : "le",
			 in->imm, in->dst_reg);
		return;
	case F_JA:
		snprintf(buf, len, "goto pc%+d", in->off);
		return;
	case F_JA32:
		snprintf(buf, len, "gotol pc%+d", in->imm);
		return;
	case F_JMP_K:
		snprintf(buf, len, "if %c%d %s 0x%x goto pc%+d", r, in->dst_reg, jmp_sym[bop],
			 (unsigned)in->imm, in->off);
		return;
	case F_JMP_X:
		snprintf(buf, len, "if %c%d %s %c%d goto pc%+d", r, in->dst_reg, jmp_sym[bop], r,
			 in->src_reg, in->off);
		return;
	case F_CALL:
		if (in->imm >= 0 && helper_proto((uint32_t)in->imm))
			snprintf(buf, len, "call bpf_%s#%d", helper_proto((uint32_t)in->imm)->name,
				 in->imm);
		else
			snprintf(buf, len, "call unknown#%d", in->imm);
		return;
	case F_CALL_LOCAL:
		snprintf(buf, len, "call pc%+d", in->imm);
		return;
	case F_CALL_KFUNC:
		snprintf(buf, len, "call kernel-function#%d", in->imm);
		return;
	case F_CALLX:
		snprintf(buf, len, "callx r%d", in->dst_reg);
		return;
	case F_EXIT:
		snprintf(buf, len, "exit");
		return;
	case F_LDDW:
		/* maps as the kernel prints them, with the map's index for its id */
		if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_IDX)
			snprintf(buf, len, "r%d = map[id:%d]", in->dst_reg, in[0].imm);
		else if (in->src_reg == BPF_PSEUDO_MAP_VALUE ||
			 in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
			snprintf(buf, len, "r%d = map[id:%d][0]+%d", in->dst_reg, in[0].imm, in[1].imm);
		else
			snprintf(buf, len, "r%d = 0x%" PRIx64, in->dst_reg, (uint64_t)isa_imm64(in));
		return;
	case F_LD_ABS:
		snprintf(buf, len, "r0 = *(%s *)skb[%d]", sz, in->imm);
		return;
	case F_LD_IND:
		snprintf(buf, len, "r0 = *(%s *)skb[r%d + %d]", sz, in->src_reg, in->imm);
		return;
	case F_LDX:
		snprintf(buf, len, "r%d = *(%s%s *)(r%d %+d)", in->dst_reg,
			 BPF_MODE(in->code) == BPF_MEMSX ? "s" : "u", sz + 1, in->src_reg, in->off);
		return;
	case F_ST:
		snprintf(buf, len, "*(%s *)(r%d %+d) = %d", sz, in->dst_reg, in->off, in->imm);
		return;
	case F_STX:
		snprintf(buf, len, "*(%s *)(r%d %+d) = r%d", sz, in->dst_reg, in->off, in->src_reg);
		return;
	case F_ATOMIC: {
		bool dw = BPF_SIZE(in->code) == BPF_DW;
		char v = dw ? 'r' : 'w';
		int aop = in->imm & ~BPF_FETCH;
		static const char *const name[16] = {[BPF_ADD >> 4] = "add", [BPF_OR >> 4] = "or",
						     [BPF_AND >> 4] = "and", [BPF_XOR >> 4] = "xor"};

		if (in->imm == BPF_XCHG)
			snprintf(buf, len, "%c%d = atomic%s_xchg((%s *)(r%d %+d), %c%d)", v, in->src_reg,
				 dw ? "64" : "", sz, in->dst_reg, in->off, v, in->src_reg);
		else if (in->imm == BPF_CMPXCHG)
			snprintf(buf, len, "r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, %c%d)",
				 dw ? "64" : "", sz, in->dst_reg, in->off, v, in->src_reg);
		else if (in->imm & BPF_FETCH)
			snprintf(buf, len, "%c%d = atomic%s_fetch_%s((%s *)(r%d %+d), %c%d)", v,
				 in->src_reg, dw ? "64" : "", name[(aop >> 4) & 15], sz, in->dst_reg,
				 in->off, v, in->src_reg);
		else
			snprintf(buf, len, "lock *(%s *)(r%d %+d) %s %c%d", sz, in->dst_reg, in->off,
				 alu_sym[(aop >> 4) & 15], v, in->src_reg);
		return;
	}
	}
	snprintf(buf, len, "(bad)");
}

/* ---- values ---------------------------------------------------------------------------- */

const char *reg_type_str(const struct reg_state *r)
{
	switch (r->type) {
	case SCALAR_VALUE: return "scalar";
	case PTR_TO_STACK: return "fp";
	case PTR_TO_MEM: return r->rdonly ? "rdonly_mem" : "mem";
	case CONST_PTR_TO_MAP: return "map_ptr";
	case PTR_TO_MAP_VALUE: return "map_value";
	case PTR_TO_MAP_VALUE_OR_NULL: return "map_value_or_null";
	default: return "?";
	}
}

struct sbuf {
	char *p;
	size_t len, pos;
};

static void sput(struct sbuf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void sput(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->pos >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->pos, b->len - b->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += (size_t)n < b->len - b->pos ? (size_t)n : b->len - b->pos - 1;
}

/* Small numbers in decimal, others in hex, as the kernel prints them. */
static void put_snum(struct sbuf *b, int64_t v)
{
	if (v >= -512 && v <= 512)
		sput(b, "%" PRId64, v);
	else
		sput(b, "0x%" PRIx64, (uint64_t)v);
}

static void put_unum(struct sbuf *b, uint64_t v)
{
	if (v <= 512)
		sput(b, "%" PRIu64, v);
	else
		sput(b, "0x%" PRIx64, v);
}

/*
 * The bounds that say something, equal ones merged: "smin=smin32=0,smax=umax=255". Values
 * compare as mathematical integers (a signed bound equals an unsigned one only if both are
 * the same number).
 */
static bool put_bounds(struct sbuf *b, const struct range *v, bool first)
{
	struct {
		const char *name;
		bool is_signed, shown;
		int64_t s;
		uint64_t u;
	} f[8] = {
		{"smin", true, v->smin != INT64_MIN, v->smin, 0},
		{"smax", true, v->smax != INT64_MAX, v->smax, 0},
		{"umin", false, v->umin != 0, 0, v->umin},
		{"umax", false, v->umax != UINT64_MAX, 0, v->umax},
		{"smin32", true, v->s32_min != INT32_MIN, v->s32_min, 0},
		{"smax32", true, v->s32_max != INT32_MAX, v->s32_max, 0},
		{"umin32", false, v->u32_min != 0, 0, v->u32_min},
		{"umax32", false, v->u32_max != UINT32_MAX, 0, v->u32_max},
	};

	for (int i = 0; i < 8; i++) {
		if (!f[i].shown)
			continue;
		sput(b, "%s%s", first ? "" : ",", f[i].name);
		first = false;
		for (int j = i + 1; j < 8; j++) {
			bool same;

			if (!f[j].shown)
				continue;
			if (f[i].is_signed == f[j].is_signed)
				same = f[i].is_signed ? f[i].s == f[j].s : f[i].u == f[j].u;
			else if (f[i].is_signed)
				same = f[i].s >= 0 && (uint64_t)f[i].s == f[j].u;
			else
				same = f[j].s >= 0 && (uint64_t)f[j].s == f[i].u;
			if (same) {
				sput(b, "=%s", f[j].name);
				f[j].shown = false;
			}
		}
		sput(b, "=");
		if (f[i].is_signed)
			put_snum(b, f[i].s);
		else
			put_unum(b, f[i].u);
	}
	if (v->var_off.mask != UINT64_MAX) {
		sput(b, "%svar_off=(0x%" PRIx64 "; 0x%" PRIx64 ")", first ? "" : ",", v->var_off.value,
		     v->var_off.mask);
		first = false;
	}
	return first;
}

void vlog_reg_text(const struct venv *env, const struct reg_state *r, char *buf, size_t len)
{
	struct sbuf b = {buf, len, 0};
	bool first = true;

	buf[0] = 0;
	switch (r->type) {
	case SCALAR_VALUE:
		if (range_is_const(&r->var)) {
			put_snum(&b, (int64_t)r->var.var_off.value);
			return;
		}
		sput(&b, "scalar(");
		if (r->id)
			sput(&b, "id=%u", r->id);
		put_bounds(&b, &r->var, !r->id);
		sput(&b, ")");
		return;
	case PTR_TO_STACK:
		if (range_is_const(&r->var)) {
			sput(&b, "fp%" PRId64, (int64_t)(r->off + r->var.var_off.value));
			return;
		}
		sput(&b, "fp(off=%d", r->off);
		put_bounds(&b, &r->var, false);
		sput(&b, ")");
		return;
	case PTR_TO_MEM:
		sput(&b, "%s(", reg_type_str(r));
		if (r->off) {
			sput(&b, "off=%d", r->off);
			first = false;
		}
		sput(&b, "%ssz=%u", first ? "" : ",", r->mem_size);
		if (!range_is_const(&r->var) || r->var.var_off.value)
			put_bounds(&b, &r->var, false);
		sput(&b, ")");
		return;
	case CONST_PTR_TO_MAP:
	case PTR_TO_MAP_VALUE:
	case PTR_TO_MAP_VALUE_OR_NULL:
		/* as the kernel: map_value_or_null(id=1,off=4,map=NAME,ks=4,vs=16) */
		sput(&b, "%s(", reg_type_str(r));
		if (r->id)
			sput(&b, "id=%u,", r->id);
		if (r->off)
			sput(&b, "off=%d,", r->off);
		if (env->maps && env->maps[r->map].name && env->maps[r->map].name[0])
			sput(&b, "map=%s,", env->maps[r->map].name);
		if (env->maps)
			sput(&b, "ks=%u,vs=%u", env->maps[r->map].key_size,
			     env->maps[r->map].value_size);
		if (r->type != CONST_PTR_TO_MAP &&
		    (!range_is_const(&r->var) || r->var.var_off.value))
			put_bounds(&b, &r->var, false);
		sput(&b, ")");
		return;
	default:
		sput(&b, "?");
	}
}

static void log_reg(struct venv *env, int regno, const struct reg_state *r)
{
	char text[256];

	vlog_reg_text(env, r, text, sizeof(text));
	vlog(env, " R%d=%s", regno, text);
}

static void log_slot(struct venv *env, int slot, const struct stack_slot *s)
{
	static const char ch[4] = {'?', 'r', 'm', '0'};
	char text[256];
	bool any = false;

	for (int i = 0; i < 8; i++)
		any |= s->type[i] != STACK_INVALID;
	if (!any)
		return;
	if (s->type[0] == STACK_SPILL) {
		vlog_reg_text(env, &s->spill, text, sizeof(text));
	} else {
		for (int i = 0; i < 8; i++)
			text[i] = ch[s->type[i] & 3];
		text[8] = 0;
	}
	vlog(env, " fp%d=%s", -(slot + 1) * 8, text);
}

void vlog_state(struct venv *env, const struct vstate *st)
{
	const struct vframe *f = st->frame[st->curframe];

	if (st->curframe)
		vlog(env, " frame%u:", st->curframe);
	for (int r = 0; r < V_REGS; r++)
		if (f->regs[r].type != NOT_INIT)
			log_reg(env, r, &f->regs[r]);
	for (int s = 0; s < V_SLOTS; s++)
		log_slot(env, s, &f->stack[s]);
}

/* ---- one line per instruction ---------------------------------------------------------- */

void vlog_insn_begin(struct venv *env, uint32_t pc)
{
	char text[128];

	if (!vlog_on(env, 1))
		return;
	vlog_insn_text(&env->insns[pc], text, sizeof(text));
	vlog(env, "%u: (%02x) %s", pc, env->insns[pc].code, text);
	env->line_open = true;
}

/* Registers (and the stack slot) the instruction read or wrote, after it ran. */
void vlog_insn_end(struct venv *env, uint32_t pc)
{
	const struct bpf_insn *in = &env->insns[pc];
	enum isa_op op = isa_decode(in);
	struct vframe *f;
	bool used[V_REGS] = {0};
	uint8_t fmt;
	size_t line_start, col;

	if (!vlog_on(env, 1) || op == OP_INVALID)
		return;
	env->line_open = false;
	f = cur_frame(env);
	fmt = isa_ops[op].format;
	switch (fmt) {
	case F_ALU_K:
	case F_ALU_UN:
	case F_END:
	case F_JMP_K:
	case F_LDDW:
	case F_ST:
		used[in->dst_reg] = true;
		break;
	case F_ALU_X:
	case F_JMP_X:
	case F_LDX:
	case F_STX:
	case F_ATOMIC:
		used[in->dst_reg] = used[in->src_reg] = true;
		break;
	case F_CALL:
	case F_CALL_LOCAL:
	case F_CALLX:
	case F_CALL_KFUNC:
	case F_LD_ABS:
	case F_LD_IND:
		used[0] = true;
		break;
	default:
		vlog(env, "\n");
		return;
	}
	/* pad like the kernel: the ';' lands on a column multiple of 40 (minus one) */
	line_start = vlog_pos(env);
	while (line_start && env->log->buf[line_start - 1] != '\n')
		line_start--;
	col = vlog_pos(env) - line_start;
	{
		size_t target = ((col < 8 ? 8 : col) + 39) / 40 * 40;
		int pad = (int)(target - col) - 1;

		vlog(env, "%*c;", pad < 1 ? 1 : pad, ' ');
	}
	if (op == OP_ACMPXCHG_W || op == OP_ACMPXCHG_DW)
		used[0] = true;
	for (int r = 0; r < V_REGS; r++)
		if (used[r] && f->regs[r].type != NOT_INIT)
			log_reg(env, r, &f->regs[r]);
	if ((fmt == F_ST || fmt == F_STX || fmt == F_ATOMIC) &&
	    f->regs[in->dst_reg].type == PTR_TO_STACK &&
	    range_is_const(&f->regs[in->dst_reg].var)) {
		const struct reg_state *p = &f->regs[in->dst_reg];
		int64_t off = p->off + (int64_t)p->var.var_off.value + in->off;

		if (off < 0 && off >= -V_STACK && p->frameno == env->cur->curframe)
			log_slot(env, (int)((-off - 1) / 8), &f->stack[(-off - 1) / 8]);
	}
	vlog(env, "\n");
}
