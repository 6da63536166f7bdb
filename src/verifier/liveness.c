/* SPDX-License-Identifier: MIT */
/*
 * liveness.c - which registers may be read before being written, from each instruction on,
 * within its subprogram (a backward data-flow pass over the CFG, iterated to a fixed point for
 * loops). Pruning ignores registers that are dead at a checkpoint: nothing after it can
 * observe them. Conservative where it matters: calls read R1-R5, exit reads R0, and the
 * registers of caller frames are always compared in full by state.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "env.h"

#define R(n) ((uint16_t)(1u << (n)))
#define ARGS (R(1) | R(2) | R(3) | R(4) | R(5))

/* Registers the instruction reads (use) and writes (def). */
static void use_def(const struct bpf_insn *in, enum isa_op op, uint16_t *use, uint16_t *def)
{
	bool mov = BPF_OP(in->code) == BPF_MOV;

	*use = 0;
	*def = 0;
	switch (isa_ops[op].format) {
	case F_ALU_K:
		*use = mov ? 0 : R(in->dst_reg);
		*def = R(in->dst_reg);
		break;
	case F_ALU_X:
		*use = R(in->src_reg) | (mov ? 0 : R(in->dst_reg));
		*def = R(in->dst_reg);
		break;
	case F_ALU_UN:
	case F_END:
		*use = *def = R(in->dst_reg);
		break;
	case F_LDDW:
		*def = R(in->dst_reg);
		break;
	case F_LDX:
		*use = R(in->src_reg);
		*def = R(in->dst_reg);
		break;
	case F_ST:
		*use = R(in->dst_reg);
		break;
	case F_STX:
		*use = R(in->dst_reg) | R(in->src_reg);
		break;
	case F_ATOMIC:
		*use = R(in->dst_reg) | R(in->src_reg);
		if (op == OP_ACMPXCHG_W || op == OP_ACMPXCHG_DW) {
			*use |= R(0);
			*def = R(0);
		} else if (in->imm & BPF_FETCH || in->imm == BPF_XCHG) {
			*def = R(in->src_reg);
		}
		break;
	case F_JMP_K:
		*use = R(in->dst_reg);
		break;
	case F_JMP_X:
		*use = R(in->dst_reg) | R(in->src_reg);
		break;
	case F_CALL:
	case F_CALL_LOCAL:
	case F_CALL_KFUNC:
	case F_CALLX:
		*use = ARGS | (isa_ops[op].format == F_CALLX ? R(in->dst_reg) : 0);
		*def = R(0) | ARGS;
		break;
	case F_EXIT:
		*use = R(0);
		break;
	case F_LD_ABS:
	case F_LD_IND:
		*use = R(6) | (isa_ops[op].format == F_LD_IND ? R(in->src_reg) : 0);
		*def = R(0) | ARGS;
		break;
	default:
		*use = 0x7ff; /* unknown: everything */
		break;
	}
}

int liveness_compute(struct venv *env)
{
	uint32_t n = env->n;
	uint16_t *use = calloc(n, sizeof(*use)), *def = calloc(n, sizeof(*def));
	bool changed = true;

	env->live_in = calloc(n, sizeof(*env->live_in));
	if (!use || !def || !env->live_in) {
		free(use);
		free(def);
		return verr_code(env, -ENOMEM, "out of memory");
	}
	for (uint32_t pc = 0; pc < n; pc++) {
		if (env->cfg.flags[pc] & CFG_LDDW_TAIL)
			continue;
		use_def(&env->insns[pc], isa_decode(&env->insns[pc]), &use[pc], &def[pc]);
	}
	/* Backward order converges fast; loops need more rounds. Sets only grow: it ends. */
	while (changed) {
		changed = false;
		for (uint32_t i = n; i-- > 0;) {
			const struct bpf_insn *in = &env->insns[i];
			enum isa_op op;
			uint16_t out = 0, live;

			if (env->cfg.flags[i] & CFG_LDDW_TAIL)
				continue;
			op = isa_decode(in);
			if (op == OP_LDDW) {
				out = i + 2 < n ? env->live_in[i + 2] : 0;
			} else if (op == OP_EXIT) {
				out = 0;
			} else if (op == OP_JA || op == OP_JA32) {
				out = env->live_in[isa_jump_target(in, i)];
			} else {
				if (i + 1 < n)
					out = env->live_in[i + 1];
				if (isa_is_jump(op))
					out |= env->live_in[isa_jump_target(in, i)];
			}
			live = (uint16_t)(use[i] | (out & ~def[i]) | R(10));
			if (live != env->live_in[i]) {
				env->live_in[i] = live;
				changed = true;
			}
		}
	}
	free(use);
	free(def);
	return 0;
}
