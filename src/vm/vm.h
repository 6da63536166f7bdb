/* SPDX-License-Identifier: MIT */
/*
 * vm.h - private interface of src/vm: the environment and program objects behind the public
 * API, the per-run state shared by every back end (interpreter and JIT), and the one place
 * where run-time errors are worded, so both back ends fail with identical errors.
 *
 * Run-time model (identical in every back end):
 *  - R1 = input memory, R2 = its length, R10 = top of frame 0 of the BPF stack.
 *  - The BPF stack is VM_MAX_FRAMES contiguous frames of VM_STACK_SIZE bytes in memory the run
 *    owns (not the native stack); frame k has R10 = stack_top - k * VM_STACK_SIZE.
 *  - bpf-to-bpf calls push a frame: R1-R5 are passed, R6-R9 are restored on return, R0 is the
 *    result. More than VM_MAX_FRAMES frames is an error (-E2BIG).
 *  - Checked mode: every load, store and atomic must fall entirely inside one region: the live
 *    stack [R10_current - VM_STACK_SIZE, stack_top), the input memory, or a host region;
 *    stores need a writable region. The budget is charged one unit per taken backward jump and
 *    per bpf-to-bpf call; running out is -ETIME at that instruction.
 *  - LD_ABS/LD_IND read big-endian from the packet (by default the input memory); an access
 *    outside it ends the program with R0 = 0, as in the kernel. They leave R1-R5 unchanged.
 *  - Division by zero gives 0, modulo by zero leaves dst unchanged; INT_MIN s/ -1 = INT_MIN,
 *    INT_MIN s% -1 = 0 (RFC 9669).
 * Details both back ends follow (the interpreter, src/vm/interp_loop.h, is the reference):
 *  - Budget B: the (B+1)-th charge fails. A jump is backward when its offset is negative
 *    (target <= pc, a jump to itself included). A local call checks the depth first (the call
 *    that would make frame 9 fails, in unchecked mode too), then charges. No budget unchecked.
 *  - run->stack_low follows R10 on every local call and exit (helpers and vm_fault read it).
 *  - Faults are detected before any effect; atomics (cmpxchg included) check as writes.
 *    Misaligned atomics are allowed (done non-atomically). A checked run starts with all
 *    VM_MAX_FRAMES frames zeroed (userbpf_prog_run); calls do not zero a frame again.
 *  - Helper calls (call imm, callx with the id in dst's full 64 bits) leave R1-R5 unchanged;
 *    an unregistered id is vm_unknown_helper(). After the helper returns, a non-zero
 *    run->abort_code ends the run with vm_helper_aborted(); *r0 is not written.
 *  - After a local call R1-R5 hold whatever the callee left in them.
 *  - LD_ABS offset = imm, LD_IND offset = (s32)((u32)src + (u32)imm); negative or past the
 *    packet ends the program successfully with R0 = 0; the value is zero-extended.
 *  - kfunc calls: vm_unsupported(run, pc, "kfunc call"); lddw with src != 0 (an unresolved
 *    map/object reference): vm_unsupported(run, pc, "lddw of a map or object reference (not
 *    resolved by a loader)"), both when executed, not at load.
 */
#ifndef USERBPF_VM_H
#define USERBPF_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "../isa/isa.h"
#include "../util/util.h"
#include "userbpf.h"

#define VM_STACK_SIZE 512
#define VM_MAX_FRAMES 8
#define VM_MAX_REGIONS 16
#define VM_HELPER_NAME_MAX 64

struct vm_helper {
	userbpf_helper_fn fn;
	char name[VM_HELPER_NAME_MAX];
};

struct userbpf_env {
	struct vm_helper *helpers; /* indexed by helper id; fn == NULL where none */
	uint32_t nhelpers;         /* allocated length of helpers */
	userbpf_log_fn log_fn;     /* trace_printk output (src/helpers); NULL: stderr */
	void *log_ctx;
};

struct jit_code; /* owned by src/jit */

struct userbpf_prog {
	struct userbpf_env *env;
	struct bpf_insn *insns;
	uint32_t n;
	bool trusted;  /* opts->unsafe_trusted: may run unchecked without a verifier proof */
	bool verified; /* the verifier accepted it */
	void *interp;  /* the interpreter's pre-decoded form, owned by src/vm */
	struct jit_code *jit[2]; /* compiled code per mode: [0] unchecked, [1] checked; lazy */
	struct userbpf_map **maps; /* opts->maps, one reference each (src/maps) */
	uint32_t nmaps;
};

struct vm_region {
	uint64_t start, end; /* [start, end) */
	bool writable;
};

/* Per-run state; also what helpers see as struct userbpf_call. */
struct userbpf_call {
	struct userbpf_prog *prog;
	void *cookie;
	bool checked;
	uint64_t budget; /* units left */
	uint64_t stack_top; /* R10 of frame 0 */
	const uint8_t *pkt; /* LD_ABS/LD_IND source */
	uint64_t pkt_len;
	struct vm_region regions[VM_MAX_REGIONS]; /* [0] input memory, then host regions */
	uint32_t nregions;
	uint64_t stack_low; /* lowest valid stack address of the current frame (R10 - 512) */
	int abort_code; /* set by userbpf_call_abort() */
	char abort_msg[USERBPF_ERRMSG_MAX];
	struct userbpf_error *err;
	/*
	 * Run a BPF callback (bpf_loop, for_each_map_elem): the back end running this program
	 * sets it. fn is what an `lddw` with src_reg BPF_PSEUDO_FUNC loaded (vm_ld_imm64: the
	 * target instruction index). The callback gets a new frame below the current one, R1-R5
	 * from args, and may reach the caller's stack; its R0 is stored in *r0. Returns 0 or the
	 * error that ended the run (a fault in the callback ends the whole run).
	 */
	int (*call_sub)(struct userbpf_call *run, uint64_t fn, const uint64_t args[5], uint64_t *r0);
	_Alignas(16) uint8_t stack[VM_MAX_FRAMES * VM_STACK_SIZE];
};

bool maps_mem_ok(const struct userbpf_prog *prog, uint64_t addr, uint64_t size, bool write);

/* Is [addr, addr+size) inside the live stack or one region (writable if write)? */
static inline bool vm_mem_ok(const struct userbpf_call *run, uint64_t addr, uint64_t size,
			     bool write)
{
	uint64_t end = addr + size;

	if (end < addr)
		return false;
	if (addr >= run->stack_low && end <= run->stack_top)
		return true;
	for (uint32_t i = 0; i < run->nregions; i++) {
		const struct vm_region *r = &run->regions[i];

		if (addr >= r->start && end <= r->end && (!write || r->writable))
			return true;
	}
	/* Values of the program's maps (src/maps), after every cheaper check failed. */
	return run->prog->nmaps && maps_mem_ok(run->prog, addr, size, write);
}

/* The errors a run can end with, worded once for every back end. All return the code. */
int vm_fault(struct userbpf_call *run, int pc, uint64_t addr, int size, bool write);
int vm_budget_exhausted(struct userbpf_call *run, int pc);
int vm_call_depth(struct userbpf_call *run, int pc);
int vm_unknown_helper(struct userbpf_call *run, int pc, uint64_t id);
int vm_unsupported(struct userbpf_call *run, int pc, const char *what);
int vm_helper_aborted(struct userbpf_call *run, int pc);

/*
 * The 64-bit value the lddw at pc loads: its immediate, or for the pseudo forms the map
 * (BPF_PSEUDO_MAP_FD / _IDX: imm indexes prog->maps), the address in a map's value
 * (BPF_PSEUDO_MAP_VALUE / _IDX_VALUE, offset in the second slot), or a subprogram's
 * instruction index (BPF_PSEUDO_FUNC). Every back end loads what this returns.
 */
int vm_ld_imm64(const struct userbpf_prog *prog, uint32_t pc, uint64_t *value,
		struct userbpf_error *err);

/* The interpreter's call_sub hook; the JIT uses it too (callbacks run interpreted). */
int vm_interp_call_sub(struct userbpf_call *run, uint64_t fn, const uint64_t args[5],
		       uint64_t *r0);

/* Interpreter entry: run prog with the prepared run state; R0 in *r0. */
int vm_interp_run(struct userbpf_prog *prog, struct userbpf_call *run, uint64_t r1, uint64_t r2,
		  uint64_t *r0);
/* Build the interpreter's pre-decoded form (prog->interp) of a validated program, at load. */
int vm_interp_prepare(struct userbpf_prog *prog, struct userbpf_error *err);
/* Free the interpreter's pre-decoded form. */
void vm_interp_free(struct userbpf_prog *prog);

#endif
