/* SPDX-License-Identifier: MIT */
/*
 * errors.c - the wording of every error a run can end with. The interpreter and the JIT both
 * call these, so a program fails with the same code, instruction index and message in either
 * back end. A memory fault names the access and the region it came closest to, because "which
 * buffer did I overrun, and by how much" is the first question a user asks.
 */
#include <errno.h>
#include <stdio.h>

#include "vm.h"

/* One region the program may access, for describing faults. */
struct span {
	char name[24];
	uint64_t lo, hi;
	bool writable;
};

/* The live stack, the input memory and the host regions, in that order. */
static uint32_t spans_collect(const struct userbpf_call *run, struct span *s)
{
	uint32_t n = 0;

	snprintf(s[n].name, sizeof(s[n].name), "stack");
	s[n].lo = run->stack_low;
	s[n].hi = run->stack_top;
	s[n++].writable = true;
	for (uint32_t i = 0; i < run->nregions && i < VM_MAX_REGIONS; i++, n++) {
		if (i == 0)
			snprintf(s[n].name, sizeof(s[n].name), "input memory");
		else
			snprintf(s[n].name, sizeof(s[n].name), "region %u", i - 1);
		s[n].lo = run->regions[i].start;
		s[n].hi = run->regions[i].end;
		s[n].writable = run->regions[i].writable;
	}
	return n;
}

/* How close an access must come to a region for the message to name it. */
#define VM_FAULT_NEAR (1ull << 20)

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

int vm_fault(struct userbpf_call *run, int pc, uint64_t addr, int size, bool write)
{
	struct span s[VM_MAX_REGIONS + 1];
	uint32_t n = spans_collect(run, s), best = 0;
	uint64_t end = addr + (uint64_t)size, best_gap = UINT64_MAX;
	const char *rw = write ? "write" : "read";
	char what[96], where[48];

	snprintf(what, sizeof(what), "invalid memory access: %s of %d byte%s at 0x%llx", rw, size,
		 plural(size), (unsigned long long)addr);
	if (end < addr)
		return err_set(run->err, -EFAULT, "vm", pc, "%s wraps around the address space",
			       what);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gap;

		if (s[i].hi <= s[i].lo)
			continue; /* empty: nothing to be near */
		if (addr >= s[i].lo && end <= s[i].hi) /* inside: only a write can fail */
			return err_set(run->err, -EFAULT, "vm", pc,
				       "%s into read-only %s [0x%llx, 0x%llx)", what, s[i].name,
				       (unsigned long long)s[i].lo, (unsigned long long)s[i].hi);
		/* 0 when the access overlaps the region, else 1 + the bytes between them */
		gap = end <= s[i].lo ? s[i].lo - end + 1 : addr >= s[i].hi ? addr - s[i].hi + 1 : 0;
		if (gap < best_gap) {
			best_gap = gap;
			best = i;
		}
	}
	/* Far from everything (a scalar used as a pointer, say): no region is worth naming. */
	if (best_gap > VM_FAULT_NEAR)
		return err_set(run->err, -EFAULT, "vm", pc, "%s outside every region", what);
	/* Where the access is relative to the region: r10-relative on the stack, as programs
	 * address it; from the start elsewhere. Either way it tells how far off, and which way. */
	if (best == 0)
		snprintf(where, sizeof(where), "at r10%+lld",
			 (long long)(addr - (run->stack_low + VM_STACK_SIZE)));
	else
		snprintf(where, sizeof(where), "at offset %lld", (long long)(addr - s[best].lo));
	return err_set(run->err, -EFAULT, "vm", pc,
		       "%s outside every region (%s %s [0x%llx, 0x%llx), %s)", what,
		       best_gap ? "nearest:" : "it crosses a bound of", s[best].name,
		       (unsigned long long)s[best].lo, (unsigned long long)s[best].hi, where);
}

int vm_budget_exhausted(struct userbpf_call *run, int pc)
{
	return err_set(run->err, -ETIME, "vm", pc,
		       "budget exhausted: too many backward jumps and calls (raise the run budget "
		       "if the program is meant to run this long)");
}

int vm_call_depth(struct userbpf_call *run, int pc)
{
	return err_set(run->err, -E2BIG, "vm", pc,
		       "the call stack is too deep: more than %d frames", VM_MAX_FRAMES);
}

int vm_unknown_helper(struct userbpf_call *run, int pc, uint64_t id)
{
	return err_set(run->err, -ENOENT, "vm", pc,
		       "unknown func unknown#%llu: no helper with this id is registered",
		       (unsigned long long)id);
}

int vm_unsupported(struct userbpf_call *run, int pc, const char *what)
{
	return err_set(run->err, -ENOTSUP, "vm", pc, "%s: not supported by this back end", what);
}

int vm_helper_aborted(struct userbpf_call *run, int pc)
{
	int code = run->abort_code < 0 ? run->abort_code : -ECANCELED;

	return err_set(run->err, code, "vm", pc, "helper aborted the program: %s",
		       run->abort_msg[0] ? run->abort_msg : "no reason given");
}
