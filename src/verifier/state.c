/* SPDX-License-Identifier: MIT */
/*
 * state.c - abstract states: allocation and copying (frames are separate allocations, so a
 * state is cheap to copy when few frames are live), register constructors, and the two
 * comparisons exploration needs: coverage (may a path be pruned?) and identity (did a loop
 * come back without progress?).
 */
#include <stdlib.h>
#include <string.h>

#include "env.h"

struct vstate *state_new(void)
{
	struct vstate *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->frame[0] = calloc(1, sizeof(*st->frame[0]));
	if (!st->frame[0]) {
		free(st);
		return NULL;
	}
	return st;
}

struct vstate *state_copy(const struct vstate *src)
{
	struct vstate *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->curframe = src->curframe;
	st->insn = src->insn;
	st->parent = src->parent;
	for (uint32_t i = 0; i <= src->curframe; i++) {
		st->frame[i] = malloc(sizeof(*st->frame[i]));
		if (!st->frame[i]) {
			state_free(st);
			return NULL;
		}
		memcpy(st->frame[i], src->frame[i], sizeof(*st->frame[i]));
	}
	return st;
}

void state_free(struct vstate *st)
{
	if (!st)
		return;
	for (uint32_t i = 0; i < CFG_MAX_FRAMES; i++)
		free(st->frame[i]);
	free(st);
}

void reg_not_init(struct reg_state *r)
{
	memset(r, 0, sizeof(*r));
	range_unknown(&r->var);
}

void reg_unknown(struct reg_state *r)
{
	reg_not_init(r);
	r->type = SCALAR_VALUE;
}

void reg_const(struct reg_state *r, uint64_t v)
{
	reg_not_init(r);
	r->type = SCALAR_VALUE;
	range_const(&r->var, v);
}

bool reg_is_ptr(const struct reg_state *r)
{
	return r->type == PTR_TO_STACK || r->type == PTR_TO_MEM;
}

/*
 * Links between scalars (shared ids) that old had must hold in cur too: old's continuation
 * may have relied on them. The map sends each old id to the one cur id it stands for.
 */
struct idmap {
	uint32_t n;
	struct {
		uint32_t old, cur;
	} e[CFG_MAX_FRAMES * (V_REGS + V_SLOTS)];
};

static bool ids_match(struct idmap *m, uint32_t old, uint32_t cur)
{
	if (!old)
		return true;
	if (!cur)
		return false;
	for (uint32_t i = 0; i < m->n; i++)
		if (m->e[i].old == old)
			return m->e[i].cur == cur;
	if (m->n == sizeof(m->e) / sizeof(m->e[0]))
		return false;
	m->e[m->n].old = old;
	m->e[m->n++].cur = cur;
	return true;
}

/* Every value cur may hold, old may hold too (types never stand in for each other). */
static bool reg_covers(const struct reg_state *old, const struct reg_state *cur, struct idmap *m)
{
	if (old->type == NOT_INIT)
		return true; /* nothing after old read it, or old would have been rejected */
	if (old->type != cur->type)
		return false;
	switch (old->type) {
	case SCALAR_VALUE:
		return range_within(&old->var, &cur->var) && ids_match(m, old->id, cur->id);
	case PTR_TO_STACK:
		/* stack pointers must match exactly: the slots they reach are compared as-is */
		return old->frameno == cur->frameno && old->off == cur->off &&
		       range_equal(&old->var, &cur->var);
	case PTR_TO_MEM:
		return old->off == cur->off && old->mem_size == cur->mem_size &&
		       old->rdonly == cur->rdonly && range_within(&old->var, &cur->var);
	default:
		return false;
	}
}

static bool slot_covers(const struct stack_slot *old, const struct stack_slot *cur,
			struct idmap *m)
{
	bool old_spill = old->type[0] == STACK_SPILL, cur_spill = cur->type[0] == STACK_SPILL;

	if (old_spill && cur_spill) {
		for (int i = 0; i < 8; i++)
			if (old->type[i] != cur->type[i])
				return false;
		return reg_covers(&old->spill, &cur->spill, m);
	}
	for (int i = 0; i < 8; i++) {
		uint8_t o = old->type[i], c = cur->type[i];

		/*
		 * Never initialised in old: old's continuation either never reads the byte
		 * or (privileged) reads it as an unknown scalar, which covers any data but not
		 * a spilled pointer.
		 */
		if (o == STACK_INVALID) {
			if (c == STACK_SPILL && cur->spill.type != SCALAR_VALUE)
				return false;
			continue;
		}
		if (o == STACK_ZERO && c == STACK_ZERO)
			continue;
		/* MISC: some initialised byte; a spilled scalar's bytes are that too */
		if (o == STACK_MISC && (c == STACK_MISC || c == STACK_ZERO ||
					(c == STACK_SPILL && cur->spill.type == SCALAR_VALUE)))
			continue;
		return false;
	}
	return true;
}

bool state_covers(const struct vstate *old, const struct vstate *cur, uint16_t live)
{
	struct idmap map, *m = &map;
	bool ok = true;

	m->n = 0;
	if (old->curframe != cur->curframe)
		ok = false;
	for (uint32_t f = 0; ok && f <= old->curframe; f++) {
		const struct vframe *o = old->frame[f], *c = cur->frame[f];

		if (o->callsite != c->callsite)
			ok = false;
		for (int r = 0; ok && r < V_REGS; r++)
			if (f < old->curframe || (live >> r & 1))
				ok = reg_covers(&o->regs[r], &c->regs[r], m);
		for (int s = 0; ok && s < V_SLOTS; s++)
			ok = slot_covers(&o->stack[s], &c->stack[s], m);
	}
	return ok;
}

static bool reg_same(const struct reg_state *a, const struct reg_state *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == NOT_INIT)
		return true;
	return a->frameno == b->frameno && a->rdonly == b->rdonly && a->off == b->off &&
	       a->mem_size == b->mem_size && range_equal(&a->var, &b->var);
}

bool state_same(const struct vstate *a, const struct vstate *b)
{
	if (a->curframe != b->curframe)
		return false;
	for (uint32_t f = 0; f <= a->curframe; f++) {
		const struct vframe *x = a->frame[f], *y = b->frame[f];

		if (x->callsite != y->callsite)
			return false;
		for (int r = 0; r < V_REGS; r++)
			if (!reg_same(&x->regs[r], &y->regs[r]))
				return false;
		for (int s = 0; s < V_SLOTS; s++) {
			if (memcmp(x->stack[s].type, y->stack[s].type, 8))
				return false;
			if (x->stack[s].type[0] == STACK_SPILL &&
			    !reg_same(&x->stack[s].spill, &y->stack[s].spill))
				return false;
		}
	}
	return true;
}
