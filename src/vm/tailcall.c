/* SPDX-License-Identifier: MIT */
/*
 * tailcall.c - the part of bpf_tail_call every back end shares: finding the target in the
 * prog_array at run time and deciding whether the jump may happen (see vm.h). The jump itself
 * is the back end's (interp_loop.h L_CALL).
 */
#include "maps/maps.h"
#include "vm.h"

struct userbpf_prog *vm_tail_call(struct userbpf_call *run, uint64_t map, uint64_t index,
				  uint32_t *count)
{
	struct userbpf_prog *target;

	if (*count >= VM_MAX_TAIL_CALLS || !maps_prog_has(run->prog, map))
		return NULL;
	target = maps_prog_array_get((struct userbpf_map *)(uintptr_t)map, (uint32_t)index);
	if (!target || (!run->checked && !target->verified && !target->trusted))
		return NULL;
	(*count)++;
	run->prog = target;
	return target;
}
