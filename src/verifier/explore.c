/* SPDX-License-Identifier: MIT */
/*
 * explore.c - the path-by-path abstract interpretation (the kernel's do_check): a depth-first
 * walk that follows one path at a time, pushing the other side of every undecided jump.
 * At prune points (cfg.c) the state is compared with the checkpoints stored there: a
 * checkpoint whose every descendant path has been proven safe ("complete", branches == 0)
 * and which covers the current state ends the path; a checkpoint still on the current path
 * that is identical to it means a loop that makes no progress. Otherwise the state becomes a
 * new checkpoint. Limits: 1,000,000 processed instructions, 8192 pending branches.
 */
#include <errno.h>
#include <stdlib.h>

#include "env.h"

int explore_push(struct venv *env, struct vstate *st)
{
	if (env->npending >= V_MAX_PENDING) {
		state_free(st);
		return verr_code(env, -E2BIG, "The sequence of %u jumps is too complex.",
				 env->npending + 1);
	}
	if (env->npending == env->cap_pending) {
		uint32_t cap = env->cap_pending ? 2 * env->cap_pending : 64;
		struct vpending *p = realloc(env->pending, cap * sizeof(*p));

		if (!p) {
			state_free(st);
			return verr_code(env, -ENOMEM, "out of memory");
		}
		env->pending = p;
		env->cap_pending = cap;
	}
	/* one more path below the last checkpoint */
	if (st->parent)
		st->parent->branches++;
	env->pending[env->npending++] = (struct vpending){st, env->insn, vlog_pos(env)};
	if (++env->cur_states > env->peak_states)
		env->peak_states = env->cur_states;
	return 0;
}

/* A path ended (exit, pruned, infeasible): its checkpoints may now be complete. */
static void path_done(struct vstate *st)
{
	for (struct vstate *c = st->parent; c; c = c->parent)
		if (--c->branches > 0)
			break;
}

/* 1: prune the current path; 0: go on (maybe a new checkpoint); < 0: error. */
static int is_state_visited(struct venv *env)
{
	struct vstate *cur = env->cur, *cp;
	uint32_t pc = cur->insn;

	for (struct vstate *old = env->checkpoints[pc]; old; old = old->next) {
		if (old->branches > 0) {
			/* still being explored: an ancestor of this path (depth-first order) */
			if (env->cfg.has_loops && state_same(old, cur)) {
				int ret = verr(env, "infinite loop detected at insn %u", pc);

				vlog(env, "cur state:");
				vlog_state(env, cur);
				vlog(env, "\nold state:");
				vlog_state(env, old);
				vlog(env, "\n");
				return ret;
			}
			continue;
		}
		if (state_covers(old, cur, env->live_in[pc]))
			return 1;
	}
	/*
	 * Like the kernel, do not checkpoint every prune point: only once at least 2 jumps and
	 * 8 instructions were processed since the last checkpoint (fewer states, a little less
	 * pruning), never beyond V_MAX_STATES, and at most V_MAX_STATES_PER_INSN per
	 * instruction: every visit compares against all of them (a loop that never repeats a
	 * state then runs into the instruction limit; one that does is still caught if it
	 * repeats within the stored ones).
	 */
	if (env->jmps_processed - env->prev_jmps_processed < 2 ||
	    env->insn_processed - env->prev_insn_processed < 8 || env->total_states >= V_MAX_STATES ||
	    env->states_at[pc] >= V_MAX_STATES_PER_INSN)
		return 0;
	env->prev_jmps_processed = env->jmps_processed;
	env->prev_insn_processed = env->insn_processed;
	cp = state_copy(cur);
	if (!cp)
		return verr_code(env, -ENOMEM, "out of memory");
	cp->branches = 1;
	cp->parent = cur->parent;
	cur->parent = cp;
	cp->next = env->checkpoints[pc];
	env->checkpoints[pc] = cp;
	env->total_states++;
	if (++env->states_at[pc] > env->max_states_per_insn)
		env->max_states_per_insn = env->states_at[pc];
	return 0;
}

/* Check the instruction at env->insn; *next as in check_call(). */
static int step(struct venv *env, uint32_t *next)
{
	const struct bpf_insn *in = &env->insns[env->insn];
	enum isa_op op = isa_decode(in);

	*next = env->insn + 1;
	switch (isa_ops[op].format) {
	case F_ALU_K:
	case F_ALU_X:
	case F_ALU_UN:
	case F_END:
		return check_alu(env, in, op);
	case F_LDDW:
		*next = env->insn + 2;
		return check_ld_imm64(env, in);
	case F_LDX:
		return check_load(env, in, op);
	case F_ST:
	case F_STX:
		return check_store(env, in, op);
	case F_ATOMIC:
		return check_atomic(env, in, op);
	case F_JA:
	case F_JA32:
		env->jmps_processed++;
		*next = (uint32_t)isa_jump_target(in, env->insn);
		return 0;
	case F_JMP_K:
	case F_JMP_X:
		env->jmps_processed++;
		return check_cond_jmp(env, in, op, next);
	case F_CALL:
	case F_CALL_LOCAL:
	case F_CALL_KFUNC:
	case F_CALLX:
		env->jmps_processed++;
		return check_call(env, in, op, next);
	case F_EXIT:
		env->jmps_processed++;
		return check_exit(env, next);
	case F_LD_ABS:
	case F_LD_IND:
		return verr(env, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
	}
	return verr(env, "unknown opcode %02x", in->code);
}

int explore_run(struct venv *env)
{
	int ret;

	env->path_log_pos = 0;
	for (;;) {
		uint32_t next;

		env->insn = env->cur->insn;
		if (++env->insn_processed > env->insn_limit)
			return verr_code(env, -E2BIG, "BPF program is too large. Processed %llu insn",
					 (unsigned long long)env->insn_processed);
		if (env->cfg.flags[env->insn] & CFG_PRUNE) {
			ret = is_state_visited(env);
			if (ret < 0)
				return ret;
			if (ret == 1) {
				if (vlog_on(env, 2))
					vlog(env, "%u: safe\n", env->insn);
				goto path_end;
			}
		}
		vlog_insn_begin(env, env->insn);
		ret = step(env, &next);
		if (ret)
			return ret;
		vlog_insn_end(env, env->insn);
		if (next != UINT32_MAX) {
			env->cur->insn = next;
			continue;
		}
path_end:
		path_done(env->cur);
		state_free(env->cur);
		env->cur = NULL;
		if (!env->npending)
			return 0;
		{
			struct vpending p = env->pending[--env->npending];

			env->cur = p.st;
			env->cur_states--;
			if (vlog_on(env, 2)) {
				vlog(env, "from %u to %u:", p.from, p.st->insn);
			} else if (vlog_on(env, 1)) {
				/* level 1 keeps only the path being explored */
				vlog_rewind(env, p.log_pos);
				vlog(env, " %u:", p.st->insn);
			}
			vlog_state(env, env->cur);
			vlog(env, "\n");
		}
	}
}
