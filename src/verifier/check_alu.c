/* SPDX-License-Identifier: MIT */
/*
 * check_alu.c - ALU and ALU64 instructions and lddw: scalar arithmetic through the scalar
 * domain (range.c), and the pointer rules: only 64-bit add/sub of a scalar, offsets kept
 * within +-2^29 (64-bit math, so nothing wraps), pointer - pointer only when privileged,
 * no partial copies of pointers, no arithmetic that would turn a pointer into a scalar.
 */
#include <errno.h>

#include "env.h"

int check_reg_read(struct venv *env, uint32_t regno)
{
	if (cur_regs(env)[regno].type == NOT_INIT)
		return verr(env, "R%u !read_ok", regno);
	return 0;
}

static enum range_op range_op_of(uint8_t bop, int16_t off)
{
	switch (bop) {
	case BPF_ADD: return RANGE_ADD;
	case BPF_SUB: return RANGE_SUB;
	case BPF_MUL: return RANGE_MUL;
	case BPF_DIV: return off ? RANGE_SDIV : RANGE_DIV;
	case BPF_MOD: return off ? RANGE_SMOD : RANGE_MOD;
	case BPF_AND: return RANGE_AND;
	case BPF_OR: return RANGE_OR;
	case BPF_XOR: return RANGE_XOR;
	case BPF_LSH: return RANGE_LSH;
	case BPF_RSH: return RANGE_RSH;
	case BPF_ARSH: return RANGE_ARSH;
	case BPF_NEG: return RANGE_NEG;
	default: return RANGE_MOV;
	}
}

static const char *op_str(uint8_t bop)
{
	switch (bop) {
	case BPF_ADD: return "+=";
	case BPF_SUB: return "-=";
	case BPF_MUL: return "*=";
	case BPF_DIV: return "/=";
	case BPF_MOD: return "%=";
	case BPF_AND: return "&=";
	case BPF_OR: return "|=";
	case BPF_XOR: return "^=";
	case BPF_LSH: return "<<=";
	case BPF_RSH: return ">>=";
	case BPF_ARSH: return "s>>=";
	case BPF_NEG: return "neg";
	default: return "?";
	}
}

/* A scalar result: if the domain found the inputs inconsistent, know nothing (sound). */
static void scalar_result(struct reg_state *dst, bool ok)
{
	if (!ok)
		range_unknown(&dst->var);
	dst->type = SCALAR_VALUE;
	dst->id = 0; /* a new value: no longer equal to the registers it was copied from */
}

/*
 * ptr +/- scalar, or scalar + ptr (then dst receives the pointer). The scalar's value moves
 * the pointer: a constant folds into the fixed offset, anything else into the variable one.
 */
static int pointer_arith(struct venv *env, const struct bpf_insn *in, struct reg_state *dst,
			 const struct reg_state *ptr, const struct reg_state *scalar, uint8_t bop)
{
	struct reg_state res = *ptr;

	res.id = 0;
	const struct range *v = &scalar->var;
	const char *name = reg_type_str(ptr);

	if (range_is_const(v)) {
		int64_t c = (int64_t)v->var_off.value, off;

		if (c <= -V_MAX_VAR_OFF || c >= V_MAX_VAR_OFF)
			return verr(env, "math between %s pointer and %lld is not allowed", name,
				    (long long)c);
		off = bop == BPF_ADD ? (int64_t)ptr->off + c : (int64_t)ptr->off - c;
		if (off <= -V_MAX_VAR_OFF || off >= V_MAX_VAR_OFF)
			return verr(env, "%s pointer offset %lld is not allowed", name, (long long)off);
		res.off = (int32_t)off;
	} else {
		if (v->smin == INT64_MIN)
			return verr(env, "math between %s pointer and register with unbounded min "
				    "value is not allowed", name);
		if (v->smin <= -V_MAX_VAR_OFF || v->smin >= V_MAX_VAR_OFF)
			return verr(env, "value %lld makes %s pointer be out of bounds",
				    (long long)v->smin, name);
		if (v->smax >= V_MAX_VAR_OFF)
			return verr(env, "value %lld makes %s pointer be out of bounds",
				    (long long)v->smax, name);
		if (!range_alu(&res.var, v, bop == BPF_ADD ? RANGE_ADD : RANGE_SUB, false))
			range_unknown(&res.var);
		/* the sum of two bounded offsets is bounded; checked again so nothing can wrap */
		if (res.var.smin <= -V_MAX_VAR_OFF || res.var.smax >= V_MAX_VAR_OFF)
			return verr(env, "value %lld makes %s pointer be out of bounds",
				    (long long)res.var.smax, name);
		if (!env->privileged && ptr->type == PTR_TO_STACK)
			return verr(env, "R%d variable stack access prohibited for !root", in->dst_reg);
	}
	*dst = res;
	return 0;
}

static int check_ptr_alu(struct venv *env, const struct bpf_insn *in, bool is32, uint8_t bop,
			 struct reg_state *dst, const struct reg_state *src)
{
	bool dptr = reg_is_ptr(dst), sptr = reg_is_ptr(src);

	if (is32)
		return verr(env, "R%d 32-bit pointer arithmetic prohibited", in->dst_reg);
	if (bop == BPF_AND || bop == BPF_OR || bop == BPF_XOR)
		return verr(env, "R%d bitwise operator %s on pointer prohibited", in->dst_reg,
			    op_str(bop));
	if (bop != BPF_ADD && bop != BPF_SUB)
		return verr(env, "R%d pointer arithmetic with %s operator prohibited", in->dst_reg,
			    op_str(bop));
	if (dptr && sptr) {
		if (bop == BPF_ADD)
			return verr(env, "R%d pointer += pointer prohibited", in->dst_reg);
		if (!env->privileged || dst->type != src->type)
			return verr(env, "R%d pointer -= pointer prohibited", in->dst_reg);
		/* the distance between two pointers into one object: a scalar the host may see */
		reg_unknown(dst);
		return 0;
	}
	if (!dptr) { /* scalar (op) pointer */
		if (bop == BPF_SUB)
			return verr(env, "R%d tried to subtract pointer from scalar", in->dst_reg);
		return pointer_arith(env, in, dst, src, dst, bop);
	}
	return pointer_arith(env, in, dst, dst, src, bop);
}

int check_alu(struct venv *env, const struct bpf_insn *in, enum isa_op op)
{
	struct reg_state *regs = cur_regs(env), *dst = &regs[in->dst_reg], srcv;
	bool is32 = BPF_CLASS(in->code) == BPF_ALU, is_x = BPF_SRC(in->code) == BPF_X;
	uint8_t bop = BPF_OP(in->code);
	int ret;

	if (isa_ops[op].format == F_END) {
		if ((ret = check_reg_read(env, in->dst_reg)))
			return ret;
		if (dst->type != SCALAR_VALUE)
			return verr(env, "R%d pointer arithmetic prohibited", in->dst_reg);
		/* on this little-endian host le is a truncation, be and bswap swap bytes */
		scalar_result(dst, range_end(&dst->var, (unsigned)in->imm,
					     BPF_CLASS(in->code) == BPF_ALU64 ||
						     BPF_SRC(in->code) == BPF_TO_BE));
		return 0;
	}
	if (bop == BPF_MOV && !is_x) {
		reg_const(dst, is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
		return 0;
	}
	if (is_x) {
		if ((ret = check_reg_read(env, in->src_reg)))
			return ret;
		srcv = regs[in->src_reg];
	} else {
		reg_const(&srcv, is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
	}
	if (bop == BPF_MOV) {
		if (in->off) { /* movsx */
			if (srcv.type != SCALAR_VALUE)
				return verr(env, "R%d sign-extension part of pointer", in->src_reg);
			reg_unknown(dst);
			scalar_result(dst, range_movsx(&dst->var, &srcv.var, (unsigned)in->off, is32));
			return 0;
		}
		if (!is32) {
			/* a copy of an unknown scalar stays linked to its source */
			if (srcv.type == SCALAR_VALUE && !range_is_const(&srcv.var) && !srcv.id)
				srcv.id = regs[in->src_reg].id = ++env->id_gen;
			*dst = srcv;
			return 0;
		}
		if (srcv.type != SCALAR_VALUE) {
			if (!env->privileged)
				return verr(env, "R%d partial copy of pointer", in->src_reg);
			reg_unknown(dst); /* the low half of an address: a value, but not which */
			dst->var.umax = UINT32_MAX;
			dst->var.smin = 0;
			dst->var.smax = UINT32_MAX;
			scalar_result(dst, range_sync(&dst->var));
			return 0;
		}
		reg_unknown(dst);
		scalar_result(dst, range_alu(&dst->var, &srcv.var, RANGE_MOV, true));
		return 0;
	}
	if ((ret = check_reg_read(env, in->dst_reg)))
		return ret;
	if (!is_x && (bop == BPF_DIV || bop == BPF_MOD) && in->imm == 0)
		return verr(env, "division by zero");
	if (!is_x && (bop == BPF_LSH || bop == BPF_RSH || bop == BPF_ARSH) &&
	    (uint32_t)in->imm >= (is32 ? 32u : 64u))
		return verr(env, "invalid shift %d", in->imm);
	if (bop == BPF_NEG) {
		if (dst->type != SCALAR_VALUE)
			return verr(env, "R%d pointer arithmetic prohibited", in->dst_reg);
		scalar_result(dst, range_alu(&dst->var, &dst->var, RANGE_NEG, is32));
		return 0;
	}
	if (reg_is_ptr(dst) || reg_is_ptr(&srcv))
		return check_ptr_alu(env, in, is32, bop, dst, &srcv);
	scalar_result(dst, range_alu(&dst->var, &srcv.var, range_op_of(bop, in->off), is32));
	return 0;
}

int check_ld_imm64(struct venv *env, const struct bpf_insn *in)
{
	if (in->src_reg != 0)
		return verr(env, "unsupported ld_imm64 src_reg %d (maps are not supported yet)",
			    in->src_reg);
	reg_const(&cur_regs(env)[in->dst_reg], (uint64_t)isa_imm64(in));
	return 0;
}
