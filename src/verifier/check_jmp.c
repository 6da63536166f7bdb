/* SPDX-License-Identifier: MIT */
/*
 * check_jmp.c - conditional jumps, calls and exit. A conditional jump whose outcome the
 * scalar domain decides follows that side only; otherwise the taken side is pushed with both
 * operands refined by the condition and the fall-through continues refined by its negation
 * (an immediate operand is refined in a temporary, so nothing leaks between the sides). A
 * local call pushes a frame (R1-R5 passed, fresh stack), exit pops it (R0 returned, R1-R5
 * clobbered) or ends the path in the main program.
 */
#include <errno.h>
#include <stdlib.h>

#include "env.h"

static enum range_cond cond_of(uint8_t bop)
{
	switch (bop) {
	case BPF_JEQ: return RANGE_EQ;
	case BPF_JGT: return RANGE_GT;
	case BPF_JGE: return RANGE_GE;
	case BPF_JSET: return RANGE_SET;
	case BPF_JNE: return RANGE_NE;
	case BPF_JSGT: return RANGE_SGT;
	case BPF_JSGE: return RANGE_SGE;
	case BPF_JLT: return RANGE_LT;
	case BPF_JLE: return RANGE_LE;
	case BPF_JSLT: return RANGE_SLT;
	case BPF_JSLE: return RANGE_SLE;
	default: return RANGE_EQ;
	}
}

/* Every register and spill linked to a refined one (same id) holds the same value. */
static void sync_linked(struct vstate *st, uint32_t id, const struct range *v)
{
	if (!id)
		return;
	for (uint32_t f = 0; f <= st->curframe; f++) {
		struct vframe *fr = st->frame[f];

		for (int r = 0; r < V_REGS; r++)
			if (fr->regs[r].type == SCALAR_VALUE && fr->regs[r].id == id)
				fr->regs[r].var = *v;
		for (int s = 0; s < V_SLOTS; s++)
			if (fr->stack[s].type[0] == STACK_SPILL &&
			    fr->stack[s].spill.type == SCALAR_VALUE && fr->stack[s].spill.id == id)
				fr->stack[s].spill.var = *v;
	}
}

/*
 * Assume "dst c src" in state st: refine both operands (a copy for an immediate). Returns
 * false when the assumption is infeasible.
 */
static bool assume(struct vstate *st, const struct bpf_insn *in, const struct reg_state *imm,
		   enum range_cond c, bool is32)
{
	struct reg_state *regs = st->frame[st->curframe]->regs;
	struct range a = regs[in->dst_reg].var;
	struct range b = imm ? imm->var : regs[in->src_reg].var;

	if (!range_refine(&a, &b, c, is32))
		return false;
	if (!imm && in->src_reg != in->dst_reg) {
		regs[in->src_reg].var = b;
		sync_linked(st, regs[in->src_reg].id, &b);
	}
	regs[in->dst_reg].var = a;
	sync_linked(st, regs[in->dst_reg].id, &a);
	return true;
}

int check_cond_jmp(struct venv *env, const struct bpf_insn *in, enum isa_op op, uint32_t *next)
{
	struct reg_state *regs = cur_regs(env), immv, *a = &regs[in->dst_reg], *b;
	bool is_x = BPF_SRC(in->code) == BPF_X, is32 = BPF_CLASS(in->code) == BPF_JMP32;
	enum range_cond c = cond_of(BPF_OP(in->code));
	uint32_t target = (uint32_t)isa_jump_target(in, env->insn), fall = env->insn + 1;
	struct vstate *branch;
	bool take, stay;
	int ret, d = -1;

	(void)op;
	if ((ret = check_reg_read(env, in->dst_reg)))
		return ret;
	if (is_x) {
		if ((ret = check_reg_read(env, in->src_reg)))
			return ret;
		b = &regs[in->src_reg];
	} else {
		reg_const(&immv, is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
		b = &immv;
	}
	if (reg_is_ptr(a) || reg_is_ptr(b)) {
		const struct reg_state *s = reg_is_ptr(a) ? b : a;
		int pregno = reg_is_ptr(a) ? in->dst_reg : in->src_reg;

		/* our pointers are never NULL: comparing one with 0 is decided */
		if (!is32 && s->type == SCALAR_VALUE && range_is_const(&s->var) &&
		    s->var.var_off.value == 0 && (c == RANGE_EQ || c == RANGE_NE)) {
			*next = c == RANGE_EQ ? fall : target;
			return 0;
		}
		if (!env->privileged)
			return verr(env, "R%d pointer comparison prohibited", pregno);
		d = -1; /* explore both sides, nothing to refine */
		take = stay = true;
	} else {
		d = in->dst_reg == in->src_reg && is_x && c != RANGE_SET && c != RANGE_NSET
			    ? (c == RANGE_EQ || c == RANGE_GE || c == RANGE_LE || c == RANGE_SGE ||
			       c == RANGE_SLE)
			    : range_decide(&a->var, &b->var, c, is32);
		take = stay = true;
	}
	if (d == 1) {
		*next = target;
		return 0;
	}
	if (d == 0) {
		*next = fall;
		return 0;
	}
	branch = state_copy(env->cur);
	if (!branch)
		return verr_code(env, -ENOMEM, "out of memory");
	if (a->type == SCALAR_VALUE && b->type == SCALAR_VALUE) {
		take = assume(branch, in, is_x ? NULL : &immv, c, is32);
		stay = assume(env->cur, in, is_x ? NULL : &immv, range_cond_negate(c), is32);
	}
	if (take) {
		branch->insn = target;
		if ((ret = explore_push(env, branch)))
			return ret;
	} else {
		state_free(branch);
	}
	*next = stay ? fall : UINT32_MAX; /* both infeasible: the state described nothing */
	return 0;
}

static int check_local_call(struct venv *env, const struct bpf_insn *in, uint32_t *next)
{
	struct vstate *st = env->cur;
	uint32_t target = (uint32_t)isa_jump_target(in, env->insn);
	struct vframe *caller = cur_frame(env), *callee;

	if (st->curframe + 1 >= CFG_MAX_FRAMES)
		return verr_code(env, -E2BIG, "the call stack of %u frames is too deep",
				 st->curframe + 2);
	callee = calloc(1, sizeof(*callee));
	if (!callee)
		return verr_code(env, -ENOMEM, "out of memory");
	for (int r = 0; r < V_REGS; r++)
		reg_not_init(&callee->regs[r]);
	for (int r = 1; r <= 5; r++)
		callee->regs[r] = caller->regs[r];
	callee->regs[10].type = PTR_TO_STACK;
	callee->regs[10].frameno = (uint8_t)(st->curframe + 1);
	range_const(&callee->regs[10].var, 0);
	callee->callsite = env->insn;
	callee->subprog = cfg_subprog_of(&env->cfg, target);
	st->frame[++st->curframe] = callee;
	*next = target;
	return 0;
}

int check_call(struct venv *env, const struct bpf_insn *in, enum isa_op op, uint32_t *next)
{
	switch (op) {
	case OP_CALL_LOCAL:
		return check_local_call(env, in, next);
	case OP_CALL:
		/* helper prototypes live in src/helpers; none is known to this program type yet */
		return verr(env, "invalid func unknown#%d", in->imm);
	case OP_CALL_KFUNC:
		return verr(env, "calling kernel functions is not supported");
	default:
		return verr(env, "callx is not supported");
	}
}

int check_exit(struct venv *env, uint32_t *next)
{
	struct vstate *st = env->cur;
	struct vframe *callee = cur_frame(env), *caller;
	const struct reg_state *r0 = &callee->regs[0];
	int ret;

	if ((ret = check_reg_read(env, 0)))
		return ret;
	if (st->curframe == 0) {
		if (reg_is_ptr(r0) && !env->privileged)
			return verr(env, "R0 leaks addr as return value");
		*next = UINT32_MAX;
		return 0;
	}
	if (r0->type == PTR_TO_STACK && r0->frameno == st->curframe)
		return verr(env, "cannot return stack pointer to the caller frame");
	caller = st->frame[st->curframe - 1];
	caller->regs[0] = *r0;
	for (int r = 1; r <= 5; r++)
		reg_not_init(&caller->regs[r]);
	*next = callee->callsite + 1;
	free(callee);
	st->frame[st->curframe--] = NULL;
	return 0;
}
