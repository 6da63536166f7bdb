/* SPDX-License-Identifier: MIT */
/*
 * cfg.c - the control-flow pass (see cfg.h): subprogram discovery, per-subprogram jump and
 * fall-through checks, a depth-first walk that finds unreachable instructions and back-edges,
 * and the static call graph (depth, combined stack). Values are ignored here; whether a loop
 * terminates is for the exploration to prove.
 */
#include <errno.h>
#include <stdlib.h>

#include "cfg.h"
#include "../isa/isa.h"
#include "../util/util.h"

#ifndef BPF_PSEUDO_FUNC
#define BPF_PSEUDO_FUNC 4
#endif

#define COMPONENT "cfg"

/* Working memory of one build. */
struct cfg_work {
	const struct bpf_insn *insns;
	uint16_t *op;      /* decoded operation per slot (OP_INVALID on lddw tails) */
	uint8_t *color;    /* DFS: 0 unvisited, 1 on the current path, 2 done */
	uint32_t *stack;   /* DFS path: insn and next successor index, packed in two slots */
	uint8_t *sub_color;
};

void cfg_free(struct cfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->flags);
	free(cfg->sub);
	free(cfg->calls);
	*cfg = (struct cfg){0};
}

uint32_t cfg_subprog_of(const struct cfg *cfg, uint32_t insn)
{
	uint32_t lo = 0, hi = cfg->nsub;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cfg->sub[mid].start <= insn)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Target of the function address an lddw takes (src_reg BPF_PSEUDO_FUNC). */
static int64_t func_target(const struct bpf_insn *in, size_t pc)
{
	return (int64_t)pc + 1 + in->imm;
}

static int find_subprogs(struct cfg *cfg, struct cfg_work *w, struct userbpf_error *err)
{
	const struct bpf_insn *insns = w->insns;
	uint32_t n = cfg->n, count = 0;

	cfg->flags[0] |= CFG_SUBPROG_START;
	for (uint32_t pc = 0; pc < n; pc++) {
		enum isa_op op = w->op[pc];
		int64_t t;

		if (op == OP_LDDW) {
			cfg->flags[pc + 1] |= CFG_LDDW_TAIL;
			if (insns[pc].src_reg == BPF_PSEUDO_FUNC) {
				t = func_target(&insns[pc], pc);
				if (t < 0 || t >= n || w->op[t] == OP_INVALID)
					return err_set(err, -EINVAL, COMPONENT, (int)pc,
						       "call to invalid destination");
				cfg->flags[t] |= CFG_SUBPROG_START;
			}
			pc++;
			continue;
		}
		if (op == OP_CALL_LOCAL) {
			t = isa_jump_target(&insns[pc], pc);
			if (t < 0 || t >= n || w->op[t] == OP_INVALID)
				return err_set(err, -EINVAL, COMPONENT, (int)pc,
					       "call to invalid destination");
			cfg->flags[t] |= CFG_SUBPROG_START;
		}
	}
	for (uint32_t pc = 0; pc < n; pc++)
		count += (cfg->flags[pc] & CFG_SUBPROG_START) != 0;
	cfg->sub = calloc(count, sizeof(*cfg->sub));
	if (!cfg->sub)
		return err_set(err, -ENOMEM, COMPONENT, -1, "out of memory");
	for (uint32_t pc = 0; pc < n; pc++)
		if (cfg->flags[pc] & CFG_SUBPROG_START) {
			if (cfg->nsub)
				cfg->sub[cfg->nsub - 1].end = pc;
			cfg->sub[cfg->nsub++].start = pc;
		}
	cfg->sub[cfg->nsub - 1].end = n;
	for (uint32_t pc = 0; pc < n; pc++)
		if (w->op[pc] == OP_LDDW && insns[pc].src_reg == BPF_PSEUDO_FUNC)
			cfg->sub[cfg_subprog_of(cfg, (uint32_t)func_target(&insns[pc], pc))]
				.is_callback = true;
	return 0;
}

/* Jumps stay inside their subprogram, which ends with exit or goto; collect local calls. */
static int check_subprogs(struct cfg *cfg, struct cfg_work *w, struct userbpf_error *err)
{
	uint32_t ncalls = 0;

	for (uint32_t pc = 0; pc < cfg->n; pc++)
		ncalls += w->op[pc] == OP_CALL_LOCAL;
	if (ncalls) {
		cfg->calls = calloc(ncalls, sizeof(*cfg->calls));
		if (!cfg->calls)
			return err_set(err, -ENOMEM, COMPONENT, -1, "out of memory");
	}
	for (uint32_t s = 0; s < cfg->nsub; s++) {
		const struct cfg_subprog *sp = &cfg->sub[s];
		uint32_t last = sp->end - 1;

		for (uint32_t pc = sp->start; pc < sp->end; pc++) {
			enum isa_op op = w->op[pc];

			if (op == OP_INVALID)
				continue;
			if (isa_is_jump(op)) {
				int64_t t = isa_jump_target(&w->insns[pc], pc);

				if (t < sp->start || t >= sp->end)
					return err_set(err, -EINVAL, COMPONENT, (int)pc,
						       "jump out of range from insn %u to %lld", pc,
						       (long long)t);
				cfg->flags[t] |= CFG_JUMP_TARGET | CFG_PRUNE;
			}
			if (op == OP_CALL_LOCAL) {
				uint32_t t = (uint32_t)isa_jump_target(&w->insns[pc], pc);

				cfg->calls[cfg->ncalls++] =
					(struct cfg_call){pc, s, cfg_subprog_of(cfg, t)};
			}
		}
		if (cfg->flags[last] & CFG_LDDW_TAIL)
			last--;
		if (w->op[last] != OP_EXIT && w->op[last] != OP_JA && w->op[last] != OP_JA32)
			return err_set(err, -EINVAL, COMPONENT, (int)last,
				       "last insn is not an exit or jmp");
	}
	return 0;
}

/* The k-th successor of pc, -1 for none at this k, -2 when there are no more. */
static int64_t successor(const struct cfg_work *w, uint32_t pc, uint32_t k)
{
	enum isa_op op = w->op[pc];
	const struct bpf_insn *in = &w->insns[pc];
	int64_t next = (int64_t)pc + 1;

	switch (op) {
	case OP_EXIT:
		return -2;
	case OP_JA:
	case OP_JA32:
		return k == 0 ? isa_jump_target(in, pc) : -2;
	case OP_LDDW:
		if (k == 0)
			return next + 1;
		if (k == 1)
			return in->src_reg == BPF_PSEUDO_FUNC ? func_target(in, pc) : -1;
		return -2;
	case OP_CALL_LOCAL:
		return k == 0 ? next : k == 1 ? isa_jump_target(in, pc) : -2;
	default:
		if (isa_is_jump(op))
			return k == 0 ? next : k == 1 ? isa_jump_target(in, pc) : -2;
		return k == 0 ? next : -2;
	}
}

/* Depth-first walk from insn 0: reachability, back-edges, prune points. */
static int walk(struct cfg *cfg, struct cfg_work *w, const struct cfg_opts *opts,
		struct userbpf_error *err)
{
	uint32_t sp = 0;

	w->stack[0] = 0;
	w->stack[1] = 0;
	w->color[0] = 1;
	sp = 1;
	while (sp) {
		uint32_t pc = w->stack[2 * (sp - 1)], k = w->stack[2 * (sp - 1) + 1]++;
		int64_t t = successor(w, pc, k);

		if (t == -2) {
			w->color[pc] = 2;
			sp--;
			continue;
		}
		if (t < 0)
			continue;
		if (t >= cfg->n) /* cannot happen after check_subprogs; keep the walk in bounds */
			return err_set(err, -EINVAL, COMPONENT, (int)pc,
				       "jump out of range from insn %u to %lld", pc, (long long)t);
		if (w->color[t] == 0) {
			w->color[t] = 1;
			w->stack[2 * sp] = (uint32_t)t;
			w->stack[2 * sp + 1] = 0;
			sp++;
		} else if (w->color[t] == 1) {
			if (!opts->allow_loops)
				return err_set(err, -EINVAL, COMPONENT, (int)pc,
					       "back-edge from insn %u to %lld", pc, (long long)t);
			cfg->flags[t] |= CFG_LOOP_HEAD | CFG_PRUNE;
			cfg->has_loops = true;
		}
	}
	for (uint32_t pc = 0; pc < cfg->n; pc++) {
		if (cfg->flags[pc] & CFG_LDDW_TAIL)
			continue;
		if (!w->color[pc])
			return err_set(err, -EINVAL, COMPONENT, (int)pc, "unreachable insn %u", pc);
		cfg->flags[pc] |= CFG_REACHED;
		/* States are compared where paths can meet or split: conditional jumps and the
		 * instruction after a call (the callee's state meets the caller's again). */
		if (isa_is_jump(w->op[pc]) && w->op[pc] != OP_JA && w->op[pc] != OP_JA32)
			cfg->flags[pc] |= CFG_PRUNE;
		if ((w->op[pc] == OP_CALL || w->op[pc] == OP_CALL_LOCAL || w->op[pc] == OP_CALLX ||
		     w->op[pc] == OP_CALL_KFUNC) && pc + 1 < cfg->n)
			cfg->flags[pc + 1] |= CFG_PRUNE;
	}
	return 0;
}

/* Index of the first local call made by subprogram s (calls are in instruction order). */
static uint32_t first_call(const struct cfg *cfg, uint32_t s)
{
	uint32_t lo = 0, hi = cfg->ncalls;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cfg->calls[mid].caller < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Longest chain of frames from s. Only CFG_MAX_FRAMES + 1 levels are ever entered, so the
 * recursion is shallow; a call back into a subprogram on the current chain (recursion)
 * makes the chain unbounded, which is reported like any chain that is too deep.
 */
static int call_depth(struct cfg *cfg, struct cfg_work *w, uint32_t s, uint32_t level,
		      struct userbpf_error *err)
{
	uint32_t best = 0;

	if (level >= CFG_MAX_FRAMES || w->sub_color[s] == 1)
		return err_set(err, -E2BIG, COMPONENT, -1,
			       "the call stack of %d frames is too deep !", CFG_MAX_FRAMES);
	if (w->sub_color[s] == 2) /* known; it may still be too deep from this level */
		return level + cfg->sub[s].frames > CFG_MAX_FRAMES
			       ? err_set(err, -E2BIG, COMPONENT, -1,
					 "the call stack of %d frames is too deep !", CFG_MAX_FRAMES)
			       : 0;
	w->sub_color[s] = 1;
	for (uint32_t i = first_call(cfg, s); i < cfg->ncalls && cfg->calls[i].caller == s; i++) {
		uint32_t c = cfg->calls[i].callee;
		int ret = call_depth(cfg, w, c, level + 1, err);

		if (ret) {
			if (err && err->insn < 0)
				err->insn = (int)cfg->calls[i].insn;
			return ret;
		}
		if (cfg->sub[c].frames > best)
			best = cfg->sub[c].frames;
	}
	cfg->sub[s].frames = best + 1;
	w->sub_color[s] = 2;
	if (level + cfg->sub[s].frames > CFG_MAX_FRAMES)
		return err_set(err, -E2BIG, COMPONENT, -1,
			       "the call stack of %d frames is too deep !", CFG_MAX_FRAMES);
	return 0;
}

int cfg_build(struct cfg *cfg, const struct bpf_insn *insns, size_t n, const struct cfg_opts *opts,
	      struct userbpf_error *err)
{
	static const struct cfg_opts defaults = {0};
	struct cfg_work w = {.insns = insns};
	int ret;

	*cfg = (struct cfg){0};
	if (!opts)
		opts = &defaults;
	if (n == 0 || n > ISA_MAX_INSNS)
		return err_set(err, -EINVAL, COMPONENT, -1, "program has %zu instructions", n);
	cfg->n = (uint32_t)n;
	cfg->flags = calloc(n, 1);
	w.op = calloc(n, sizeof(*w.op));
	w.color = calloc(n, 1);
	w.stack = calloc(2 * n, sizeof(*w.stack));
	if (!cfg->flags || !w.op || !w.color || !w.stack) {
		ret = err_set(err, -ENOMEM, COMPONENT, -1, "out of memory");
		goto out;
	}
	for (size_t pc = 0; pc < n; pc++) {
		w.op[pc] = (uint16_t)isa_decode(&insns[pc]);
		if (w.op[pc] == OP_LDDW && pc + 1 < n)
			w.op[++pc] = OP_INVALID;
	}
	ret = find_subprogs(cfg, &w, err);
	if (!ret)
		ret = check_subprogs(cfg, &w, err);
	if (!ret)
		ret = walk(cfg, &w, opts, err);
	if (!ret) {
		w.sub_color = calloc(cfg->nsub, 1);
		ret = w.sub_color ? call_depth(cfg, &w, 0, 0, err)
				  : err_set(err, -ENOMEM, COMPONENT, -1, "out of memory");
	}
out:
	free(w.op);
	free(w.color);
	free(w.stack);
	free(w.sub_color);
	return ret;
}

static uint32_t round_depth(uint32_t depth, uint32_t round)
{
	if (depth == 0)
		depth = 1;
	if (round <= 1)
		return depth;
	return (depth + round - 1) / round * round;
}

/* Largest stack use of a chain starting at s (memo in best[], 0 = not computed). */
static uint64_t chain_max(const struct cfg *cfg, const uint32_t *depth, uint32_t round,
			 uint64_t *best, uint32_t s)
{
	uint64_t m = 0;

	if (best[s])
		return best[s];
	for (uint32_t i = first_call(cfg, s); i < cfg->ncalls && cfg->calls[i].caller == s; i++) {
		uint64_t c = chain_max(cfg, depth, round, best, cfg->calls[i].callee);
		if (c > m)
			m = c;
	}
	best[s] = m + round_depth(depth[s], round);
	return best[s];
}

int cfg_check_stack(const struct cfg *cfg, const uint32_t *depth, uint32_t round,
		    struct userbpf_error *err)
{
	uint64_t *best = calloc(cfg->nsub ? cfg->nsub : 1, sizeof(*best));
	uint64_t used;
	uint32_t s = 0, frames = 1;

	if (!best)
		return err_set(err, -ENOMEM, COMPONENT, -1, "out of memory");
	/* call_depth() proved the call graph acyclic and shallow, so this terminates. */
	if (chain_max(cfg, depth, round, best, 0) <= CFG_MAX_STACK) {
		free(best);
		return 0;
	}
	/*
	 * Report the chain a depth-first walk in instruction order meets first: follow the
	 * first call whose deepest chain still overflows, until the sum itself does.
	 */
	used = round_depth(depth[0], round);
	while (used <= CFG_MAX_STACK) {
		uint32_t i = first_call(cfg, s);

		for (; i < cfg->ncalls && cfg->calls[i].caller == s; i++)
			if (used + best[cfg->calls[i].callee] > CFG_MAX_STACK)
				break;
		s = cfg->calls[i].callee;
		used += round_depth(depth[s], round);
		frames++;
	}
	free(best);
	return err_set(err, -EACCES, COMPONENT, -1, "combined stack size of %u calls is %llu. Too large",
		       frames, (unsigned long long)used);
}
