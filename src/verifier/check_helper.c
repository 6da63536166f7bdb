/* SPDX-License-Identifier: MIT */
/*
 * check_helper.c - calls of helper functions, checked against their prototypes in the
 * helpers registry (src/helpers/helpers.h): each of R1-R5 in turn must hold what its
 * argument kind asks for (the context, a map the program refers to and that the helper
 * accepts, key_size / value_size bytes of initialised memory, a memory + size pair, a string
 * in a frozen read-only map, anything initialised), then R1-R5 become unreadable and R0 gets
 * the return kind's type: a scalar, nothing, or a map value pointer that may be NULL with a
 * fresh id, so that one null check converts every copy of it (check_jmp.c).
 *
 * Not yet supported (refused with a message saying so rather than accepted unsoundly):
 * callbacks, spin locks and ringbuf reservations (reference tracking comes with them), and
 * lookups in maps of maps.
 */
#include <errno.h>
#include <string.h>

#include "env.h"
#include "../helpers/helpers.h"

/* Maps used only through their own helpers, and helpers that need one map type (kernel:
 * check_map_func_compatibility). Returns whether `map_type` may be passed to helper `id`. */
static bool map_func_ok(uint32_t map_type, uint32_t id)
{
	switch (map_type) {
	case BPF_MAP_TYPE_PROG_ARRAY:
		if (id != BPF_FUNC_tail_call)
			return false;
		break;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		if (id != BPF_FUNC_perf_event_output)
			return false;
		break;
	case BPF_MAP_TYPE_RINGBUF:
		if (id != BPF_FUNC_ringbuf_output && id != BPF_FUNC_ringbuf_reserve &&
		    id != BPF_FUNC_ringbuf_query)
			return false;
		break;
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		if (id != BPF_FUNC_map_push_elem && id != BPF_FUNC_map_pop_elem &&
		    id != BPF_FUNC_map_peek_elem)
			return false;
		break;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		if (id != BPF_FUNC_map_push_elem && id != BPF_FUNC_map_peek_elem)
			return false;
		break;
	default:
		break;
	}
	switch (id) {
	case BPF_FUNC_tail_call:
		return map_type == BPF_MAP_TYPE_PROG_ARRAY;
	case BPF_FUNC_perf_event_output:
		return map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	case BPF_FUNC_ringbuf_output:
	case BPF_FUNC_ringbuf_reserve:
	case BPF_FUNC_ringbuf_query:
		return map_type == BPF_MAP_TYPE_RINGBUF;
	case BPF_FUNC_map_pop_elem:
		return map_type == BPF_MAP_TYPE_QUEUE || map_type == BPF_MAP_TYPE_STACK;
	case BPF_FUNC_map_push_elem:
	case BPF_FUNC_map_peek_elem:
		return map_type == BPF_MAP_TYPE_QUEUE || map_type == BPF_MAP_TYPE_STACK ||
		       map_type == BPF_MAP_TYPE_BLOOM_FILTER;
	default:
		return true;
	}
}

static bool is_null(const struct reg_state *r)
{
	return r->type == SCALAR_VALUE && range_is_const(&r->var) && r->var.var_off.value == 0;
}

/* The memory-type arguments the kernel lists in its "expected=" for a memory argument. */
#define MEM_TYPES "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_"

static int mem_type_ok(struct venv *env, uint32_t regno)
{
	const struct reg_state *r = &cur_regs(env)[regno];

	if (r->type == PTR_TO_STACK || r->type == PTR_TO_MEM || r->type == PTR_TO_MAP_VALUE)
		return 0;
	return verr(env, "R%u type=%s expected=" MEM_TYPES, regno, reg_type_str(r));
}

/* A size argument (regno) for the memory argument before it (kernel: check_mem_size_reg). */
static int check_size_arg(struct venv *env, uint32_t regno, enum helper_arg mem_kind,
			  bool zero_ok)
{
	const struct reg_state *mem = &cur_regs(env)[regno - 1], *sz = &cur_regs(env)[regno];
	bool write = mem_kind == HELPER_ARG_PTR_TO_UNINIT_MEM ||
		     mem_kind == HELPER_ARG_PTR_TO_UNINIT_MEM_OR_NULL;

	if (sz->type != SCALAR_VALUE)
		return verr(env, "R%u type=%s expected=scalar", regno, reg_type_str(sz));
	if (sz->var.smin < 0)
		return verr(env, "R%u min value is negative, either use unsigned index or do a if "
			    "(index >=0) check.", regno);
	if (sz->var.umin == 0 && !zero_ok)
		return verr(env, "R%u invalid zero-sized read: u64=[%llu,%llu]", regno,
			    (unsigned long long)sz->var.umin, (unsigned long long)sz->var.umax);
	if (sz->var.umax >= (uint64_t)V_MAX_VAR_OFF)
		return verr(env, "R%u unbounded memory access, use 'var &= const' or 'if (var < "
			    "const)'", regno);
	if (is_null(mem)) /* a NULL _OR_NULL argument: only with size 0 */
		return sz->var.umax == 0 ? 0
					 : verr(env, "R%u type=scalar expected=" MEM_TYPES,
						regno - 1);
	return check_helper_mem(env, regno - 1, sz->var.umax, write, zero_ok);
}

/* A string argument: a constant address in a frozen read-only map, NUL-terminated there. */
static int check_const_str(struct venv *env, uint32_t regno)
{
	const struct reg_state *r = &cur_regs(env)[regno];
	const struct vmap *m;
	const uint8_t *area;
	size_t size;
	int64_t off;

	if (r->type != PTR_TO_MAP_VALUE)
		return verr(env, "R%u type=%s expected=map_value", regno, reg_type_str(r));
	m = &env->maps[r->map];
	if (!(m->flags & BPF_F_RDONLY_PROG) || !m->frozen)
		return verr(env, "R%u does not point to a readonly map'", regno);
	if (!range_is_const(&r->var))
		return verr(env, "R%u is not a constant address'", regno);
	off = r->off + (int64_t)r->var.var_off.value;
	if (check_map_value_access(env, regno, r->off, 1, false))
		return -EACCES;
	/* the contents are read now: only a single-value array has one place the pointer
	 * can point to (a lookup in a bigger one may return any element) */
	area = userbpf_map_value_area(env->opts->maps[r->map], &size);
	if (!area || m->max_entries != 1 || off < 0 || (uint64_t)off >= m->value_size || (size_t)off >= size)
		return verr(env, "direct value access on string failed");
	if (!memchr(area + off, 0, m->value_size - (size_t)off))
		return verr(env, "string is not zero-terminated");
	return 0;
}

int check_helper_call(struct venv *env, const struct bpf_insn *in)
{
	const struct helper_proto *p = in->imm >= 0 ? helper_proto((uint32_t)in->imm) : NULL;
	struct reg_state *regs = cur_regs(env);
	int map = -1, ret;

	if (!p)
		return verr(env, "invalid func unknown#%d", in->imm);
	if (!p->fn)
		return verr(env, "program of this type cannot use helper bpf_%s#%d", p->name, in->imm);
	for (uint32_t i = 0; i < 5 && p->args[i] != HELPER_ARG_NONE; i++) {
		uint32_t regno = i + 1;
		enum helper_arg kind = p->args[i];
		struct reg_state *r = &regs[regno];
		const struct vmap *m = map >= 0 ? &env->maps[map] : NULL;

		if ((ret = check_reg_read(env, regno)))
			return ret;
		switch (kind) {
		case HELPER_ARG_ANYTHING:
			if (reg_is_ptr(r) && !env->privileged)
				return verr(env, "R%u leaks addr into helper function", regno);
			break;
		case HELPER_ARG_CONST_MAP_PTR:
			if (r->type != CONST_PTR_TO_MAP)
				return verr(env, "R%u type=%s expected=map_ptr", regno, reg_type_str(r));
			map = (int)r->map;
			if (!map_func_ok(env->maps[map].type, p->id))
				return verr(env, "cannot pass map_type %u into func bpf_%s#%u",
					    env->maps[map].type, p->name, p->id);
			if (p->id == BPF_FUNC_map_lookup_elem &&
			    (env->maps[map].type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
			     env->maps[map].type == BPF_MAP_TYPE_HASH_OF_MAPS))
				return verr(env, "lookups in maps of maps are not supported by the "
					    "verifier yet");
			break;
		case HELPER_ARG_PTR_TO_MAP_KEY:
		case HELPER_ARG_PTR_TO_MAP_VALUE:
		case HELPER_ARG_PTR_TO_UNINIT_MAP_VALUE:
			if (!m)
				return verr(env, "invalid map_ptr to access map->%s",
					    kind == HELPER_ARG_PTR_TO_MAP_KEY ? "key" : "value");
			if ((ret = mem_type_ok(env, regno)))
				return ret;
			if ((ret = check_helper_mem(env, regno,
						    kind == HELPER_ARG_PTR_TO_MAP_KEY ? m->key_size
										: m->value_size,
						    kind == HELPER_ARG_PTR_TO_UNINIT_MAP_VALUE, false)))
				return ret;
			break;
		case HELPER_ARG_PTR_TO_MEM_OR_NULL:
		case HELPER_ARG_PTR_TO_UNINIT_MEM_OR_NULL:
			if (is_null(r))
				break;
			/* fall through */
		case HELPER_ARG_PTR_TO_MEM:
		case HELPER_ARG_PTR_TO_UNINIT_MEM:
			/* the size argument that follows checks the bytes */
			if ((ret = mem_type_ok(env, regno)))
				return ret;
			break;
		case HELPER_ARG_CONST_SIZE:
		case HELPER_ARG_CONST_SIZE_OR_ZERO:
			if (i == 0)
				return verr(env, "arg pair is invalid");
			if ((ret = check_size_arg(env, regno, p->args[i - 1],
						  kind == HELPER_ARG_CONST_SIZE_OR_ZERO)))
				return ret;
			break;
		case HELPER_ARG_PTR_TO_LONG:
			if ((ret = mem_type_ok(env, regno)))
				return ret;
			if (!tnum_is_aligned(r->var.var_off, 8) || (r->off & 7))
				return verr(env, "R%u misaligned long argument", regno);
			if ((ret = check_helper_mem(env, regno, 8, true, false)))
				return ret;
			break;
		case HELPER_ARG_PTR_TO_CTX:
			/* this program type has no context object */
			return verr(env, "R%u type=%s expected=ctx", regno, reg_type_str(r));
		case HELPER_ARG_PTR_TO_CONST_STR:
			if ((ret = check_const_str(env, regno)))
				return ret;
			break;
		default:
			/* callbacks, spin locks, ringbuf memory: not modelled yet */
			return verr(env, "helper bpf_%s#%u is not supported by the verifier yet",
				    p->name, p->id);
		}
	}
	for (int r = 1; r <= 5; r++)
		reg_not_init(&regs[r]);
	switch (p->ret) {
	case HELPER_RET_INTEGER:
		reg_unknown(&regs[0]);
		break;
	case HELPER_RET_VOID:
		reg_not_init(&regs[0]);
		break;
	case HELPER_RET_PTR_TO_MAP_VALUE_OR_NULL:
		if (map < 0)
			return verr(env, "kernel subsystem misconfigured verifier");
		reg_not_init(&regs[0]);
		regs[0].type = PTR_TO_MAP_VALUE_OR_NULL;
		regs[0].map = (uint32_t)map;
		regs[0].id = ++env->id_gen;
		range_const(&regs[0].var, 0);
		break;
	default:
		return verr(env, "helper bpf_%s#%u is not supported by the verifier yet", p->name,
			    p->id);
	}
	return 0;
}
