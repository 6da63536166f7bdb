/* SPDX-License-Identifier: MIT */
/*
 * map_helpers.c - the helpers that work on maps: element access, queue/stack/bloom
 * push/pop/peek, for_each_map_elem, bpf_spin_lock, ring buffers, perf_event_output and the
 * tail-call stub. Each checks its map argument is one of the program's maps and its memory
 * arguments are the program's memory before touching them; the map code does the rest.
 */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "maps/maps.h"
#include "vm/vm.h"

#define MAP_ARG(var, r, name)                                                                   \
	struct userbpf_map *var = helper_map(call, (r), (name));                                \
	if (!var)                                                                               \
		return 0

uint64_t helper_map_lookup_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	MAP_ARG(map, r1, "bpf_map_lookup_elem");
	if (!helper_mem(call, r2, map->key_size, false, "bpf_map_lookup_elem", "key"))
		return 0;
	return (uint64_t)(uintptr_t)maps_lookup_elem(map, (const void *)(uintptr_t)r2);
}

uint64_t helper_map_lookup_percpu_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
					uint64_t r5, struct userbpf_call *call)
{
	MAP_ARG(map, r1, "bpf_map_lookup_percpu_elem");
	if (!helper_mem(call, r2, map->key_size, false, "bpf_map_lookup_percpu_elem", "key"))
		return 0;
	return (uint64_t)(uintptr_t)maps_lookup_percpu_elem(map, (const void *)(uintptr_t)r2,
							     (uint32_t)r3);
}

uint64_t helper_map_update_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	MAP_ARG(map, r1, "bpf_map_update_elem");
	if (!helper_mem(call, r2, map->key_size, false, "bpf_map_update_elem", "key") ||
	    !helper_mem(call, r3, map->value_size, false, "bpf_map_update_elem", "value"))
		return 0;
	return (uint64_t)maps_update_elem(map, (const void *)(uintptr_t)r2,
					  (const void *)(uintptr_t)r3, r4);
}

uint64_t helper_map_delete_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	MAP_ARG(map, r1, "bpf_map_delete_elem");
	if (!helper_mem(call, r2, map->key_size, false, "bpf_map_delete_elem", "key"))
		return 0;
	return (uint64_t)maps_delete_elem(map, (const void *)(uintptr_t)r2);
}

uint64_t helper_map_push_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct userbpf_call *call)
{
	MAP_ARG(map, r1, "bpf_map_push_elem");
	if (!helper_mem(call, r2, map->value_size, false, "bpf_map_push_elem", "value"))
		return 0;
	return (uint64_t)maps_push_elem(map, (const void *)(uintptr_t)r2, r3);
}

uint64_t helper_map_pop_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct userbpf_call *call)
{
	MAP_ARG(map, r1, "bpf_map_pop_elem");
	if (!helper_mem(call, r2, map->value_size, true, "bpf_map_pop_elem", "value"))
		return 0;
	return (uint64_t)maps_pop_elem(map, (void *)(uintptr_t)r2);
}

uint64_t helper_map_peek_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct userbpf_call *call)
{
	MAP_ARG(map, r1, "bpf_map_peek_elem");
	if (!helper_mem(call, r2, map->value_size, true, "bpf_map_peek_elem", "value"))
		return 0;
	return (uint64_t)maps_peek_elem(map, (void *)(uintptr_t)r2);
}

/*
 * The interpreter performs tail calls itself (a jump). A back end that calls this helper
 * instead (the JIT) gets the same semantics by finishing the run in the interpreter: the
 * target runs from its start in the current frame with R1 = ctx, and its result ends the
 * caller (tail_done, see vm.h). As in the interpreter, only from frame 0; a failed tail call
 * returns and the caller goes on with the next instruction.
 */
uint64_t helper_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct userbpf_call *call)
{
	struct userbpf_prog *target;
	uint64_t r0 = 0;
	int ret;

	if (call->stack_top - call->stack_low != VM_STACK_SIZE)
		return 0; /* not frame 0 */
	target = vm_tail_call(call, r2, r3, &call->tail_calls);
	if (!target)
		return 0;
	ret = vm_interp_run(target, call, r1, 0, &r0);
	if (ret) {
		if (call->err && call->err->code == ret)
			return helper_abort(call, ret, "bpf_tail_call: in the target: insn %d: %s",
					    call->err->insn, call->err->message);
		return helper_abort(call, ret, "bpf_tail_call: the target failed (%d)", ret);
	}
	call->tail_done = true;
	call->tail_r0 = r0;
	return helper_abort(call, -ECANCELED, "bpf_tail_call: done in the interpreter");
}

/* ---- callbacks ---- */

/* End the run with the error a callback ended with, keeping its message. */
static void callback_failed(struct userbpf_call *call, int ret, const char *helper)
{
	if (call->err && call->err->code == ret)
		helper_abort(call, ret, "%s: in the callback: insn %d: %s", helper, call->err->insn,
			     call->err->message);
	else
		helper_abort(call, ret, "%s: the callback failed (%d)", helper, ret);
}

struct each_ctx {
	struct userbpf_call *call;
	uint64_t fn, cb_ctx;
	int ret;
};

static long each_cb(struct userbpf_map *map, void *key, void *value, void *ctx)
{
	struct each_ctx *c = ctx;
	uint64_t args[5] = {(uint64_t)(uintptr_t)map, (uint64_t)(uintptr_t)key,
			    (uint64_t)(uintptr_t)value, c->cb_ctx, 0};
	uint64_t r0 = 0;

	c->ret = c->call->call_sub(c->call, c->fn, args, &r0);
	return c->ret ? 1 : r0 != 0;
}

uint64_t helper_for_each_map_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct userbpf_call *call)
{
	struct each_ctx c = {call, r2, r3, 0};
	long n;

	MAP_ARG(map, r1, "bpf_for_each_map_elem");
	if (r4)
		return (uint64_t)-EINVAL;
	if (!call->call_sub)
		return helper_abort(call, -ENOTSUP, "bpf_for_each_map_elem: callbacks are not "
			     "supported by this back end");
	if (!map->ops->for_each)
		return (uint64_t)-EINVAL;
	n = map->ops->for_each(map, each_cb, &c);
	if (c.ret) {
		callback_failed(call, c.ret, "bpf_for_each_map_elem");
		return 0;
	}
	return (uint64_t)n;
}

uint64_t helper_spin_lock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct userbpf_call *call)
{
	if (r1 % 4 || !helper_mem(call, r1, 4, true, "bpf_spin_lock", "lock"))
		return r1 % 4 ? helper_abort(call, -EFAULT, "bpf_spin_lock: misaligned lock") : 0;
	map_spin_lock((map_spin_t *)(uintptr_t)r1);
	return 0;
}

uint64_t helper_spin_unlock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct userbpf_call *call)
{
	if (r1 % 4 || !helper_mem(call, r1, 4, true, "bpf_spin_unlock", "lock"))
		return r1 % 4 ? helper_abort(call, -EFAULT, "bpf_spin_unlock: misaligned lock") : 0;
	map_spin_unlock((map_spin_t *)(uintptr_t)r1);
	return 0;
}

/* ---- ring buffers and perf output ---- */

static struct userbpf_map *ringbuf_arg(struct userbpf_call *call, uint64_t r, const char *name)
{
	struct userbpf_map *map = helper_map(call, r, name);

	if (map && map->type != BPF_MAP_TYPE_RINGBUF) {
		helper_abort(call, -EFAULT, "%s: map '%s' is not a ringbuf", name, map->name);
		return NULL;
	}
	return map;
}

uint64_t helper_ringbuf_output(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct userbpf_call *call)
{
	struct userbpf_map *map = ringbuf_arg(call, r1, "bpf_ringbuf_output");

	if (!map || !helper_mem(call, r2, r3, false, "bpf_ringbuf_output", "data"))
		return 0;
	return (uint64_t)maps_ringbuf_output(map, (const void *)(uintptr_t)r2, r3, r4);
}

uint64_t helper_ringbuf_reserve(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	struct userbpf_map *map = ringbuf_arg(call, r1, "bpf_ringbuf_reserve");

	if (!map)
		return 0;
	return (uint64_t)(uintptr_t)maps_ringbuf_reserve(map, r2, r3);
}

/* The ringbuf holding the reserved record at r, checked against the program's maps. */
static struct userbpf_map *record_ringbuf(struct userbpf_call *call, uint64_t r, const char *name)
{
	struct userbpf_prog *prog = call->prog;

	for (uint32_t i = 0; i < prog->nmaps; i++) {
		struct userbpf_map *map = maps_ringbuf_of_map(prog->maps[i], r);
		uint32_t len;

		if (!map)
			continue;
		memcpy(&len, (const void *)(uintptr_t)(r - 8), 4);
		if (len & BPF_RINGBUF_BUSY_BIT)
			return map;
		break;
	}
	helper_abort(call, -EFAULT, "%s: 0x%llx is not a reserved ringbuf record", name,
		     (unsigned long long)r);
	return NULL;
}

uint64_t helper_ringbuf_submit(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct userbpf_call *call)
{
	struct userbpf_map *map = record_ringbuf(call, r1, "bpf_ringbuf_submit");

	if (map)
		maps_ringbuf_commit(map, (void *)(uintptr_t)r1, r2, false);
	return 0;
}

uint64_t helper_ringbuf_discard(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	struct userbpf_map *map = record_ringbuf(call, r1, "bpf_ringbuf_discard");

	if (map)
		maps_ringbuf_commit(map, (void *)(uintptr_t)r1, r2, true);
	return 0;
}

uint64_t helper_ringbuf_query(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct userbpf_call *call)
{
	struct userbpf_map *map = ringbuf_arg(call, r1, "bpf_ringbuf_query");

	return map ? maps_ringbuf_query(map, r2) : 0;
}

uint64_t helper_perf_event_output(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct userbpf_call *call)
{
	MAP_ARG(map, r2, "bpf_perf_event_output");
	if (map->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return helper_abort(call, -EFAULT, "bpf_perf_event_output: map '%s' is not a "
				    "perf_event_array", map->name);
	if (!helper_mem(call, r4, r5, false, "bpf_perf_event_output", "data"))
		return 0;
	return (uint64_t)maps_perf_output(map, r3, (const void *)(uintptr_t)r4, r5);
}
