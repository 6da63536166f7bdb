/* SPDX-License-Identifier: MIT */
/*
 * verifier.c - the entry point: builds the verifier env, runs the passes in order
 * (structure, CFG, exploration, combined stack) and ends the log with the kernel's
 * statistics line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "../vm/vm.h"

/* The program type's entry state: raw memory in R1, its length in R2, fp0 in R10. */
static int entry_state(struct venv *env)
{
	struct vstate *st = state_new();
	struct reg_state *regs;

	if (!st)
		return verr_code(env, -ENOMEM, "out of memory");
	regs = st->frame[0]->regs;
	for (int r = 0; r < V_REGS; r++)
		reg_not_init(&regs[r]);
	regs[1].type = PTR_TO_MEM;
	regs[1].mem_size = env->opts->mem_size;
	regs[1].rdonly = env->opts->mem_readonly;
	range_const(&regs[1].var, 0);
	/* the host passes at least mem_size bytes: R2 >= mem_size */
	reg_unknown(&regs[2]);
	regs[2].var.umin = env->opts->mem_size;
	range_sync(&regs[2].var);
	regs[10].type = PTR_TO_STACK;
	range_const(&regs[10].var, 0);
	env->cur = st;
	return 0;
}

static void env_free(struct venv *env)
{
	state_free(env->cur);
	for (uint32_t i = 0; i < env->npending; i++)
		state_free(env->pending[i].st);
	free(env->pending);
	if (env->checkpoints)
		for (uint32_t i = 0; i < env->n; i++)
			for (struct vstate *s = env->checkpoints[i], *nx; s; s = nx) {
				nx = s->next;
				state_free(s);
			}
	free(env->checkpoints);
	free(env->states_at);
	free(env->stack_depth);
	free(env->live_in);
	cfg_free(&env->cfg);
}

static int run(struct venv *env)
{
	struct cfg_opts copts = {.allow_loops = env->privileged};
	int ret;

	ret = isa_validate(env->insns, env->n, env->err);
	if (ret) {
		vlog(env, "%s\n", env->err ? env->err->message : "invalid program");
		return ret;
	}
	ret = cfg_build(&env->cfg, env->insns, env->n, &copts, env->err);
	if (ret) {
		vlog(env, "%s\n", env->err ? env->err->message : "invalid control flow");
		return ret;
	}
	if ((ret = liveness_compute(env)))
		return ret;
	env->checkpoints = calloc(env->n, sizeof(*env->checkpoints));
	env->states_at = calloc(env->n, sizeof(*env->states_at));
	env->stack_depth = calloc(env->cfg.nsub, sizeof(*env->stack_depth));
	if (!env->checkpoints || !env->states_at || !env->stack_depth)
		return verr_code(env, -ENOMEM, "out of memory");
	if ((ret = entry_state(env)))
		return ret;
	if (vlog_on(env, 1)) {
		vlog(env, "0:");
		vlog_state(env, env->cur);
		vlog(env, "\n");
	}
	ret = explore_run(env);
	if (ret)
		return ret;
	if (env->opts->log_level == 1)
		vlog_rewind(env, 0); /* level 1 shows only a failing path */
	ret = cfg_check_stack(&env->cfg, env->stack_depth,
			      env->opts->stack_round ? env->opts->stack_round : 32, env->err);
	if (ret)
		vlog(env, "%s\n", env->err ? env->err->message : "stack too large");
	return ret;
}

int verifier_check_insns(const void *insns, size_t n, const struct verifier_opts *opts,
			 struct verifier_log *log, struct userbpf_error *err)
{
	static const struct verifier_opts defaults = {0};
	struct venv env = {0};
	struct bpf_insn *copy;
	int ret;

	if (!opts)
		opts = &defaults;
	if (log && log->buf && log->size) {
		log->len = 0;
		log->truncated = false;
		log->buf[0] = 0;
	}
	if (!insns || n == 0 || n > ISA_MAX_INSNS)
		return err_set(err, -EINVAL, "verifier", -1, "program has %zu instructions", n);
	/* an aligned private copy: the caller's bytes may sit anywhere */
	copy = malloc(n * sizeof(*copy));
	if (!copy)
		return err_set(err, -ENOMEM, "verifier", -1, "out of memory");
	memcpy(copy, insns, n * sizeof(*copy));
	env.insns = copy;
	env.n = (uint32_t)n;
	env.opts = opts;
	env.log = log;
	env.err = err;
	env.privileged = opts->privileged;
	env.insn_limit = opts->insn_limit ? opts->insn_limit : V_INSN_LIMIT;
	ret = run(&env);
	vlog(&env, "processed %llu insns (limit %llu) max_states_per_insn %u total_states %u "
		   "peak_states %u mark_read 0\n",
	     (unsigned long long)env.insn_processed, (unsigned long long)env.insn_limit,
	     env.max_states_per_insn,
	     env.total_states, env.peak_states);
	env_free(&env);
	free(copy);
	if (!ret)
		err_clear(err);
	return ret;
}

int verifier_check(const struct userbpf_prog *prog, const struct verifier_opts *opts,
		   struct verifier_log *log, struct userbpf_error *err)
{
	return verifier_check_insns(prog->insns, prog->n, opts, log, err);
}
