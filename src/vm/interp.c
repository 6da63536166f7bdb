/* SPDX-License-Identifier: MIT */
/*
 * interp.c - the interpreter: pre-decoding a validated program once at load into compact
 * slots (the opcode byte replaced by its enum isa_op id, so dispatch is one table lookup), and
 * choosing between the two instances of the dispatch loop in interp_loop.h: checked (every
 * memory access bounds-checked, budget charged) and unchecked (verified or trusted programs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"


/*
 * One instruction slot: the opcode replaced by its enum isa_op id and the registers in whole
 * bytes (12 bytes rather than 8: unpacking the register nibbles cost more than the larger
 * footprint). An lddw keeps two slots, so jump offsets stay valid: the head holds dst and the
 * low half, the tail (never dispatched) the high half in imm.
 */
struct vm_slot {
	uint8_t op;
	uint8_t dst;
	uint8_t src;
	int16_t off;
	int32_t imm;
};

/* dst of an lddw's second slot: marks it as no instruction start (callback targets). */
#define VM_SLOT_LDDW_TAIL 0xff

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/*
 * The checked fast path: is [addr, addr+size) inside the live stack or inside [lo, lo+span)?
 * sspan (the live stack's length) is at least VM_STACK_SIZE, so sspan - size cannot wrap; the
 * input's span may be smaller than size, hence the two compares there. Offsets are unsigned,
 * so an address below a start wraps to a huge offset and fails the compare.
 */
static inline bool interp_fast_ok(uint64_t addr, uint64_t size, uint64_t slo, uint64_t sspan,
				  uint64_t lo, uint64_t span)
{
	uint64_t o = addr - slo;

	if (LIKELY(o <= sspan - size))
		return true;
	o = addr - lo;
	return o <= span && span - o >= size;
}

/* Read n (1, 2 or 4) bytes big-endian. */
static inline uint32_t interp_load_be(const uint8_t *p, int n)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Signed division and modulo (RFC 9669): x s/ 0 = 0, x s% 0 = x, MIN s/ -1 = MIN (computed
 * as a wrapping negation, which C's / would make undefined), x s% -1 = 0; the remainder has
 * the sign of the dividend, as C's %. 32-bit results are zero-extended by the callers' types.
 */
static inline uint32_t interp_sdiv32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return 0;
	if (b == UINT32_MAX)
		return 0u - a;
	return (uint32_t)((int32_t)a / (int32_t)b);
}

static inline uint32_t interp_smod32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return a;
	if (b == UINT32_MAX)
		return 0;
	return (uint32_t)((int32_t)a % (int32_t)b);
}

static inline uint64_t interp_sdiv64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return 0;
	if (b == UINT64_MAX)
		return 0 - a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t interp_smod64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if (b == UINT64_MAX)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

/* Byte order conversions to little (le) or big (be) endian, truncating to the width. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint64_t interp_le16(uint16_t v) { return v; }
static inline uint64_t interp_le32(uint32_t v) { return v; }
static inline uint64_t interp_le64(uint64_t v) { return v; }
static inline uint64_t interp_be16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint64_t interp_be32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t interp_be64(uint64_t v) { return __builtin_bswap64(v); }
#else
static inline uint64_t interp_le16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint64_t interp_le32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t interp_le64(uint64_t v) { return __builtin_bswap64(v); }
static inline uint64_t interp_be16(uint16_t v) { return v; }
static inline uint64_t interp_be32(uint32_t v) { return v; }
static inline uint64_t interp_be64(uint64_t v) { return v; }
#endif

/*
 * Atomic read-modify-write at addr; returns the old value. Aligned accesses are real atomics
 * (programs may share memory across threads); a misaligned one (which only unverified code can
 * issue) is done with plain copies, since no portable atomic exists for it.
 */
#define INTERP_ATOMICS(T)                                                                       \
	static inline T interp_atomic_##T(uint64_t addr, T v, int kind)                         \
	{                                                                                       \
		T old, new;                                                                     \
		if (LIKELY(addr % sizeof(T) == 0)) {                                            \
			T *p = (T *)(uintptr_t)addr;                                            \
			switch (kind) {                                                         \
			case BPF_ADD: return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);        \
			case BPF_OR: return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);          \
			case BPF_AND: return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);        \
			case BPF_XOR: return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);        \
			default: return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);            \
			}                                                                       \
		}                                                                               \
		memcpy(&old, (void *)(uintptr_t)addr, sizeof(T));                               \
		switch (kind) {                                                                 \
		case BPF_ADD: new = old + v; break;                                             \
		case BPF_OR: new = old | v; break;                                              \
		case BPF_AND: new = old & v; break;                                             \
		case BPF_XOR: new = old ^ v; break;                                             \
		default: new = v; break;                                                        \
		}                                                                               \
		memcpy((void *)(uintptr_t)addr, &new, sizeof(T));                               \
		return old;                                                                     \
	}                                                                                       \
	/* Compare with expect; store v if equal; return the old value in every case. */        \
	static inline T interp_cmpxchg_##T(uint64_t addr, T expect, T v)                        \
	{                                                                                       \
		T old;                                                                          \
		if (LIKELY(addr % sizeof(T) == 0)) {                                            \
			__atomic_compare_exchange_n((T *)(uintptr_t)addr, &expect, v, false,    \
						    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);        \
			return expect;                                                          \
		}                                                                               \
		memcpy(&old, (void *)(uintptr_t)addr, sizeof(T));                               \
		if (old == expect)                                                              \
			memcpy((void *)(uintptr_t)addr, &v, sizeof(T));                         \
		return old;                                                                     \
	}
INTERP_ATOMICS(uint32_t)
INTERP_ATOMICS(uint64_t)
#undef INTERP_ATOMICS

/*
 * Call helper id (from `call imm` or the register of `callx`) with R1-R5; R0 gets its result.
 * R1-R5 keep their values. A helper that called userbpf_call_abort() ends the run here.
 */
static int interp_call_helper(const struct userbpf_env *env, struct userbpf_call *run, int pc,
			      uint64_t id, uint64_t *reg)
{
	userbpf_helper_fn fn;

	if (UNLIKELY(id >= env->nhelpers || !env->helpers[id].fn))
		return vm_unknown_helper(run, pc, id);
	fn = env->helpers[id].fn;
	reg[0] = fn(reg[1], reg[2], reg[3], reg[4], reg[5], run);
	if (UNLIKELY(run->abort_code))
		return vm_helper_aborted(run, pc);
	return 0;
}

/* bpf_tail_call for the interpreter: the code to continue in, or NULL (see vm_tail_call). */
static const struct vm_slot *interp_tail_call(struct userbpf_call *run, const uint64_t *reg,
					      uint32_t *count)
{
	struct userbpf_prog *target = vm_tail_call(run, reg[2], reg[3], count);

	return target && target->interp ? target->interp : NULL;
}

int vm_interp_prepare(struct userbpf_prog *prog, struct userbpf_error *err)
{
	struct vm_slot *code = calloc(prog->n, sizeof(*code));

	if (!code)
		return err_set(err, -ENOMEM, "vm", -1, "out of memory");
	for (uint32_t pc = 0; pc < prog->n; pc++) {
		const struct bpf_insn *in = &prog->insns[pc];
		enum isa_op op = isa_decode(in);

		code[pc].op = (uint8_t)op;
		code[pc].dst = in->dst_reg;
		code[pc].src = in->src_reg;
		code[pc].off = in->off;
		code[pc].imm = in->imm;
		if (op == OP_LDDW) {
			/*
			 * The tail slot keeps only the upper half; it is never dispatched. Map and
			 * function references are resolved here, once (vm_ld_imm64).
			 */
			uint64_t v;
			int ret = vm_ld_imm64(prog, pc, &v, err);

			if (ret < 0) {
				free(code);
				return ret;
			}
			code[pc].src = 0;
			code[pc].imm = (int32_t)(uint32_t)v;
			pc++;
			code[pc].op = (uint8_t)OP_LDDW;
			code[pc].dst = VM_SLOT_LDDW_TAIL;
			code[pc].imm = (int32_t)(uint32_t)(v >> 32);
		}
	}
	prog->interp = code;
	return 0;
}

void vm_interp_free(struct userbpf_prog *prog)
{
	free(prog->interp);
	prog->interp = NULL;
}

/* The two instances of the dispatch loop. */
#define INTERP_CHECKED 1
#define INTERP_NAME interp_checked
#include "interp_loop.h"
#undef INTERP_CHECKED
#undef INTERP_NAME

#define INTERP_CHECKED 0
#define INTERP_NAME interp_unchecked
#include "interp_loop.h"
#undef INTERP_CHECKED
#undef INTERP_NAME

/*
 * The call_sub hook (vm.h): run the subprogram at instruction fn of the current program in a
 * new frame below the current one, as a bpf-to-bpf call would, and come back. Counts as a call
 * against the budget and the frame limit.
 */
int vm_interp_call_sub(struct userbpf_call *run, uint64_t fn, const uint64_t args[5],
		       uint64_t *r0)
{
	struct userbpf_prog *prog = run->prog;
	const struct vm_slot *code = prog->interp;
	uint64_t saved_low = run->stack_low;
	int ret;

	if (fn >= prog->n || code[fn].dst == VM_SLOT_LDDW_TAIL)
		return vm_unsupported(run, -1, "callback that is not a subprogram of this program");
	if (saved_low - VM_STACK_SIZE < (uint64_t)(uintptr_t)run->stack)
		return vm_call_depth(run, -1);
	if (run->checked) {
		if (run->budget == 0)
			return vm_budget_exhausted(run, -1);
		run->budget--;
	}
	run->stack_low = saved_low - VM_STACK_SIZE;
	if (run->checked) /* a fresh frame reads as zeros, as a local call's does */
		memset((void *)(uintptr_t)run->stack_low, 0, VM_STACK_SIZE);
	if (run->checked)
		ret = interp_checked(code + fn, prog->env, run, args, r0);
	else
		ret = interp_unchecked(code + fn, prog->env, run, args, r0);
	run->stack_low = saved_low;
	run->prog = prog;
	return ret;
}

int vm_interp_run(struct userbpf_prog *prog, struct userbpf_call *run, uint64_t r1, uint64_t r2,
		  uint64_t *r0)
{
	uint64_t args[5] = {r1, r2, 0, 0, 0};

	run->call_sub = vm_interp_call_sub;
	if (run->checked)
		return interp_checked(prog->interp, prog->env, run, args, r0);
	return interp_unchecked(prog->interp, prog->env, run, args, r0);
}
