/* SPDX-License-Identifier: MIT */
/*
 * run.c - running a program: the run state (regions, stack, budget) every back end shares, the
 * choice between checked and unchecked mode and between back ends, and the calls a helper may
 * make on the run it was called from.
 */
#include <errno.h>
#include <string.h>

#include "vm.h"
#include "../jit/jit.h"

/* Read an options field only if the caller's struct (of size opts->sz) contains it. */
#define OPT(opts, field, dflt)                                                                  \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field)   \
		 ? (opts)->field                                                                \
		 : (dflt))

static int region_add(struct userbpf_call *run, uint64_t start, uint64_t len, bool writable,
		      struct userbpf_error *err)
{
	if (run->nregions >= VM_MAX_REGIONS)
		return err_set(err, -E2BIG, "vm", -1, "too many memory regions (limit %d)",
			       VM_MAX_REGIONS - 1);
	if (start + len < start)
		return err_set(err, -EINVAL, "vm", -1,
			       "memory region at 0x%llx of %llu bytes wraps around the address space",
			       (unsigned long long)start, (unsigned long long)len);
	if (!start && len)
		return err_set(err, -EINVAL, "vm", -1, "memory region of %llu bytes at NULL",
			       (unsigned long long)len);
	run->regions[run->nregions].start = start;
	run->regions[run->nregions].end = start + len;
	run->regions[run->nregions].writable = writable;
	run->nregions++;
	return 0;
}

int userbpf_prog_run(struct userbpf_prog *prog, void *mem, size_t len,
		     const struct userbpf_run_opts *opts, uint64_t *r0, struct userbpf_error *err)
{
	struct userbpf_call run;
	const struct userbpf_region *regions = OPT(opts, regions, NULL);
	size_t nregions = OPT(opts, nregions, 0);
	enum userbpf_backend backend = OPT(opts, backend, USERBPF_BACKEND_DEFAULT);
	uint64_t budget = OPT(opts, budget, 0), result = 0;
	int ret;

	if (!prog)
		return err_set(err, -EINVAL, "vm", -1, "run: the program is NULL");
	if (opts && opts->sz < sizeof(size_t))
		return err_set(err, -EINVAL, "vm", -1, "run options: sz %zu is too small", opts->sz);
	if (nregions && !regions)
		return err_set(err, -EINVAL, "vm", -1, "run options: %zu regions at NULL", nregions);

	run.prog = prog;
	run.cookie = OPT(opts, cookie, NULL);
	run.checked = !(prog->trusted || prog->verified) || OPT(opts, checked, false);
	run.budget = budget ? budget : USERBPF_DEFAULT_BUDGET;
	run.stack_top = (uint64_t)(uintptr_t)(run.stack + sizeof(run.stack));
	run.stack_low = run.stack_top - VM_STACK_SIZE;
	run.pkt = OPT(opts, pkt, NULL);
	run.pkt_len = run.pkt ? OPT(opts, pkt_len, 0) : 0;
	if (!run.pkt) {
		run.pkt = mem;
		run.pkt_len = mem ? len : 0;
	}
	run.nregions = 0;
	run.abort_code = 0;
	run.abort_msg[0] = 0;
	run.err = err;
	run.call_sub = NULL;
	ret = region_add(&run, (uint64_t)(uintptr_t)mem, len, !OPT(opts, mem_readonly, false), err);
	for (size_t i = 0; !ret && i < nregions; i++)
		ret = region_add(&run, (uint64_t)(uintptr_t)regions[i].start, regions[i].len,
				 regions[i].writable, err);
	if (ret)
		return ret;
	/*
	 * An unverified program may read stack it never wrote: give it zeros rather than stale
	 * host data, so runs are reproducible and back ends agree. A verified program cannot.
	 * All frames up front: both back ends rely on it, neither zeroes a frame on a call.
	 */
	if (run.checked)
		memset(run.stack, 0, sizeof(run.stack));

	/* The default is the JIT, or the interpreter for what the JIT cannot run (jit_can_run). */
	if (backend == USERBPF_BACKEND_DEFAULT)
		backend = jit_can_run(prog, run.checked) ? USERBPF_BACKEND_JIT : USERBPF_BACKEND_INTERP;
	switch (backend) {
	case USERBPF_BACKEND_INTERP:
		ret = vm_interp_run(prog, &run, (uint64_t)(uintptr_t)mem, len, &result);
		break;
	case USERBPF_BACKEND_JIT:
		ret = jit_run(prog, &run, (uint64_t)(uintptr_t)mem, len, &result);
		break;
	default:
		return err_set(err, -EINVAL, "vm", -1, "run options: unknown back end %d",
			       (int)backend);
	}
	if (ret == 0 && r0)
		*r0 = result;
	return ret;
}

void *userbpf_call_cookie(const struct userbpf_call *call)
{
	return call ? call->cookie : NULL;
}

bool userbpf_call_mem_ok(const struct userbpf_call *call, uint64_t ptr, uint64_t len, bool write)
{
	if (!call)
		return false;
	/* Unchecked runs are verified or trusted programs: their pointers were proved or vouched for. */
	if (!call->checked)
		return true;
	return vm_mem_ok(call, ptr, len, write);
}

void userbpf_call_abort(struct userbpf_call *call, int code, const char *message)
{
	size_t len;

	if (!call)
		return;
	call->abort_code = code < 0 ? code : code > 0 ? -code : -ECANCELED;
	len = message ? strlen(message) : 0;
	if (len >= sizeof(call->abort_msg))
		len = sizeof(call->abort_msg) - 1;
	memcpy(call->abort_msg, message ? message : "", len);
	call->abort_msg[len] = 0;
}
