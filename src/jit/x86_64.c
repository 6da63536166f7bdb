/* SPDX-License-Identifier: MIT */
/*
 * x86_64.c - lowering of eBPF to x86-64: register allocation (the kernel's fixed mapping), the
 * per-instruction code, checked-mode guards, and the passes that repeat until the code size
 * converges (short jumps where they fit) before one final emission into executable memory.
 *
 * Layout of the generated code:
 *   prologue | body (one block per BPF instruction) | exits and shared slow paths | stubs
 * A stub is the out-of-line tail of one guard (memory check, budget, call depth, helper abort):
 * it loads the instruction index and jumps to the shared slow path, so the inline guard is just
 * a compare and a rarely-taken branch.
 *
 * Native stack: the prologue pushes the callee-saved registers the program uses (r12 always:
 * it holds the run state) and keeps rsp 16-byte aligned in the body. A bpf-to-bpf call pushes
 * the BPF callee-saved registers in use (R6-R9 and R10 = rbp) and does a native call, so each
 * BPF frame adds exactly `frame` bytes; error exits unwind by (depth * frame) where depth comes
 * from rbp, since R10 of frame k is stack_top - k * 512.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "jit.h"
#include "x86_64_enc.h"

/* eBPF register -> x86 register (the Linux kernel's mapping: helper args need no shuffling). */
static const uint8_t bpf2x[11] = {RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP};

/* Shared exits and slow paths, addressed as labels after the per-instruction labels. */
enum {
	L_RET,     /* normal return: status 0, R0 in rax */
	L_POPS,    /* restore callee-saved registers and return */
	L_OOB,     /* LD_ABS/LD_IND outside the packet: end with R0 = 0, status 0 */
	L_ERR,     /* eax = negative status: unwind every BPF frame and return */
	L_BUDGET,  /* r10d = pc */
	L_DEPTH,   /* r10d = pc */
	L_ABORT,   /* r10d = pc */
	L_UNKNOWN, /* esi = pc, rdx = helper id */
	L_MEMCHK,  /* called: r11 = address, r10d = JIT_MEMINFO */
	L_COUNT,
};

enum stub_kind { STUB_MEM, STUB_BUDGET, STUB_DEPTH, STUB_ABORT };

struct stub {
	uint8_t kind;
	bool stack_first; /* STUB_MEM: the inline guard checked the stack (else regions[0]) */
	uint32_t arg;  /* pc, or JIT_MEMINFO for STUB_MEM */
	uint32_t back; /* where STUB_MEM returns to */
};

#define NO_POS UINT32_MAX
#define MAX_PASSES 16

struct jc {
	const struct userbpf_prog *prog;
	const struct bpf_insn *in;
	uint8_t *ops; /* enum isa_op of each slot (lddw tails unset) */
	uint32_t n;
	const struct userbpf_env *env;
	bool checked;
	bool blind;
	bool force_long; /* fallback when the passes do not converge */
	unsigned no;     /* JIT_NO_*: optimisations turned off, for measuring them */
	uint64_t key;

	uint8_t *buf;
	size_t len, cap;
	bool oom;
	uint8_t scratch[X86_MAX_INSN * 2];

	uint32_t *pos, *prev; /* label positions: this pass and the previous one */
	uint32_t nlabels;
	struct stub *stubs;
	uint32_t nstubs, maxstubs;

	/* Program facts. */
	uint16_t used;    /* BPF registers mentioned */
	uint16_t zero;    /* registers the prologue clears */
	bool calls;       /* has bpf-to-bpf calls */
	bool helpers;     /* has helper calls (call, callx) */
	int unsup_pc;     /* first instruction the JIT does not implement, or -1 */
	const char *unsup; /* what it is */
	bool pkt;         /* has LD_ABS / LD_IND */
	bool traps;       /* has instructions that always fail (kfunc, unresolved lddw) */
	bool run_reg;     /* r12 = run state is set up */
	bool frame_ptr;   /* rbp must hold R10 */
	int saved[6];     /* callee-saved x86 registers pushed by the prologue */
	int nsaved;
	bool pad;         /* prologue needs 8 bytes of padding for alignment */
	int csaved[5];    /* registers a local call saves (saved minus r12) */
	int ncsaved;
	bool cpad;
	uint32_t frame;   /* native bytes per BPF frame */
};

#define OFF(field) ((int32_t)offsetof(struct userbpf_call, field))

/* Room for one instruction; on allocation failure write into scratch and record it. */
static uint8_t *room(struct jc *j)
{
	if (j->len + X86_MAX_INSN * 2 > j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 4096;
		uint8_t *b = realloc(j->buf, cap);

		if (!b) {
			j->oom = true;
			return j->scratch;
		}
		j->buf = b;
		j->cap = cap;
	}
	return j->buf + j->len;
}

/* Emit one encoder call: E(x86_mov_rr(P, ...)). */
#define P p_
#define E(call)                                         \
	do {                                            \
		uint8_t *p_ = room(j);                  \
		size_t n_ = (call);                     \
		if (p_ != j->scratch)                   \
			j->len += n_;                   \
	} while (0)

static uint32_t lab_insn(uint32_t pc)
{
	return pc;
}

static uint32_t lab_common(const struct jc *j, int c)
{
	return j->n + 1 + (uint32_t)c;
}

static uint32_t lab_stub(const struct jc *j, uint32_t k)
{
	return j->n + 1 + L_COUNT + k;
}

static void here(struct jc *j, uint32_t label)
{
	j->pos[label] = (uint32_t)j->len;
}

/* A jump to a byte position (known, or NO_POS: unknown yet, use the long form). */
static void jump_to(struct jc *j, int cc, uint32_t target, bool fwd)
{
	bool known = target != NO_POS;
	int64_t rel8 = (int64_t)target - (int64_t)(j->len + 2);

	/*
	 * A forward jmp to the very next byte is dropped (the last exit falls into L_RET). In the
	 * fallback layout (force_long) nothing depends on positions, so two passes settle it.
	 */
	if (known && fwd && cc < 0 && !j->force_long && (target == j->len || rel8 == 0))
		return;
	if (known && !j->force_long && x86_fits8(rel8)) {
		if (cc < 0)
			E(x86_jmp8(P, (int8_t)rel8));
		else
			E(x86_jcc8(P, (enum x86_cc)cc, (int8_t)rel8));
		return;
	}
	if (cc < 0) {
		int64_t rel = known ? (int64_t)target - (int64_t)(j->len + 5) : 0;

		E(x86_jmp32(P, (int32_t)rel));
	} else {
		int64_t rel = known ? (int64_t)target - (int64_t)(j->len + 6) : 0;

		E(x86_jcc32(P, (enum x86_cc)cc, (int32_t)rel));
	}
}

/* A jump to a label: backward labels are exact, forward ones come from the previous pass. */
static void jump(struct jc *j, int cc, uint32_t label)
{
	if (j->pos[label] != NO_POS)
		jump_to(j, cc, j->pos[label], false);
	else
		jump_to(j, cc, j->prev[label], true);
}

static void call_label(struct jc *j, uint32_t label)
{
	uint32_t t = j->pos[label] != NO_POS ? j->pos[label] : j->prev[label];
	int64_t rel = t != NO_POS ? (int64_t)t - (int64_t)(j->len + 5) : 0;

	E(x86_call32(P, (int32_t)rel));
}

/* Short forward branch inside one instruction's code; patched by fwd_land(). */
static size_t fwd8(struct jc *j, int cc)
{
	if (cc < 0)
		E(x86_jmp8(P, 0));
	else
		E(x86_jcc8(P, (enum x86_cc)cc, 0));
	return j->len;
}

static void fwd_land(struct jc *j, size_t from)
{
	if (!j->oom && from)
		j->buf[from - 1] = (uint8_t)(int8_t)(j->len - from);
}

static uint32_t new_stub(struct jc *j, enum stub_kind kind, uint32_t arg)
{
	uint32_t k = j->nstubs;

	if (k >= j->maxstubs) { /* cannot happen: at most two guards per instruction */
		j->oom = true;
		return 0;
	}
	j->stubs[k] = (struct stub){.kind = (uint8_t)kind, .arg = arg};
	j->nstubs++;
	return k;
}

static void call_abs(struct jc *j, const void *fn)
{
	E(x86_movabs(P, RAX, (uint64_t)(uintptr_t)fn));
	E(x86_call_r(P, RAX));
}

/* ---- immediates (with optional constant blinding) ------------------------------------------ */

/* Immediates go through a register (blinding, or the "no immediate forms" measurement). */
static bool reg_imm(const struct jc *j)
{
	return j->blind || (j->no & JIT_NO_IMM);
}

/* reg = (s64)imm, 64-bit, blinded when asked. */
static void load_simm(struct jc *j, int reg, int32_t imm)
{
	if (j->blind) {
		int32_t k = (int32_t)(uint32_t)j->key;

		E(x86_mov_ri64s(P, reg, imm ^ k));
		E(x86_alu_ri(P, ALU_XOR, true, reg, k));
		return;
	}
	E(x86_load_imm(P, reg, (uint64_t)(int64_t)imm));
}

static void load_imm64(struct jc *j, int reg, uint64_t v)
{
	if (j->blind) {
		E(x86_movabs(P, reg, v ^ j->key));
		E(x86_movabs(P, R10, j->key));
		E(x86_alu_rr(P, ALU_XOR, true, reg, R10));
		return;
	}
	E(x86_load_imm(P, reg, v));
}

/* ---- checked-mode guards --------------------------------------------------------------------- */

static void budget_charge(struct jc *j, uint32_t pc)
{
	uint32_t k;

	E(x86_alu_mi8(P, ALU_SUB, true, R12, OFF(budget), 1));
	k = new_stub(j, STUB_BUDGET, pc);
	jump(j, CC_B, lab_stub(j, k));
}

/* Offsets in the run state of the two bounds checked inline. */
#define R0_OFF(field) ((int32_t)(offsetof(struct userbpf_call, regions) + offsetof(struct vm_region, field)))

/*
 * Is r11 (the address) in [lo, hi - size] (and writable, for regions[0] and a store)? Each
 * failing compare jumps to the stub's label, or (stub_label NO_POS) falls to a short forward
 * branch whose patch positions are stored in fails[] (count returned).
 */
static int range_check(struct jc *j, bool stack, int size, bool write, uint32_t label,
		       size_t fails[4])
{
	int nf = 0;

	E(x86_cmp_rm(P, true, R11, R12, stack ? OFF(stack_low) : R0_OFF(start)));
	if (label != NO_POS)
		jump(j, CC_B, label);
	else
		fails[nf++] = fwd8(j, CC_B);
	E(x86_load(P, 8, false, R10, R12, stack ? OFF(stack_top) : R0_OFF(end)));
	E(x86_alu_ri(P, ALU_SUB, true, R10, size));
	if (!stack) { /* a region shorter than the access */
		if (label != NO_POS)
			jump(j, CC_B, label);
		else
			fails[nf++] = fwd8(j, CC_B);
	}
	E(x86_alu_rr(P, ALU_CMP, true, R11, R10));
	if (label != NO_POS)
		jump(j, CC_A, label);
	else
		fails[nf++] = fwd8(j, CC_A);
	if (!stack && write) {
		E(x86_cmpb_mi(P, R12, R0_OFF(writable), 0));
		if (label != NO_POS)
			jump(j, CC_E, label);
		else
			fails[nf++] = fwd8(j, CC_E);
	}
	return nf;
}

/*
 * Compute the address of a memory access into r11 and check it inline against the region it
 * most likely falls in: the live stack for R10-based accesses, else the input memory
 * (regions[0]). The stub checks the other one, then calls jit_rt_mem_check() (every host
 * region, and the fault). Returns the base register and displacement for the access itself.
 */
static void mem_guard(struct jc *j, uint32_t pc, int base, int16_t off, int size, bool write,
		      int *mbase, int32_t *mdisp)
{
	uint32_t k;
	bool stack = base == RBP;

	/*
	 * R10 is read only and always the current frame's top, so [R10 + off, + size) with
	 * -512 <= off <= -size lies in the live stack: no check is needed.
	 */
	if (!j->checked || (stack && off >= -VM_STACK_SIZE && off + size <= 0)) {
		*mbase = base;
		*mdisp = off;
		return;
	}
	E(x86_lea(P, R11, base, off));
	k = new_stub(j, STUB_MEM, JIT_MEMINFO(pc, size, write));
	j->stubs[k].stack_first = stack;
	range_check(j, stack, size, write, lab_stub(j, k), NULL);
	j->stubs[k].back = (uint32_t)j->len;
	*mbase = R11;
	*mdisp = 0;
}

/* ---- ALU ------------------------------------------------------------------------------------ */

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int log2u(uint64_t v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/*
 * dst = dst / or % divisor, where the divisor is already in r11 (and nonzero, and not -1 for
 * signed ops). rax and rdx are BPF registers, so they are parked in r9/r10 around div.
 */
static void divmod_core(struct jc *j, bool w, bool sign, bool mod, int d)
{
	E(x86_mov_rr(P, true, R9, RAX));
	E(x86_mov_rr(P, true, R10, RDX));
	if (d != RAX)
		E(x86_mov_rr(P, true, RAX, d));
	if (sign)
		E(x86_cqo(P, w));
	else
		E(x86_alu_rr(P, ALU_XOR, false, RDX, RDX));
	E(x86_unary(P, sign ? UN_IDIV : UN_DIV, w, R11));
	E(x86_mov_rr(P, true, R11, mod ? RDX : RAX));
	E(x86_mov_rr(P, true, RAX, R9));
	E(x86_mov_rr(P, true, RDX, R10));
	E(x86_mov_rr(P, true, d, R11));
}

/* The RFC 9669 results for a zero divisor: x / 0 = 0, x % 0 = x (truncated for 32 bits). */
static void div_by_zero(struct jc *j, bool w, bool mod, int d)
{
	if (!mod)
		E(x86_alu_rr(P, ALU_XOR, false, d, d));
	else if (!w)
		E(x86_mov_rr(P, false, d, d));
}

/* Signed division by -1: x s/ -1 = -x (MIN stays MIN), x s% -1 = 0. */
static void div_by_minus1(struct jc *j, bool w, bool mod, int d)
{
	if (!mod)
		E(x86_unary(P, UN_NEG, w, d));
	else
		E(x86_alu_rr(P, ALU_XOR, false, d, d));
}

/*
 * Unsigned division by a constant v (not a power of two, 2 < v < 2^(N-1) or any for N = 32) as
 * a multiplication by its rounded-up reciprocal (Granlund and Montgomery): with
 * l = ceil(log2 v) and m = floor(2^N * (2^l - v) / v) + 1, t = mulhi(m, n),
 * q = (t + ((n - t) >> 1)) >> (l - 1). The 32-bit form needs no rax/rdx at all.
 */
static void divmod_magic(struct jc *j, bool w, bool mod, int d, uint64_t v)
{
	int l = log2u(v) + 1; /* v is not a power of two */

	if (!w) {
		uint32_t m = (uint32_t)((((uint64_t)1 << 32) * (((uint64_t)1 << l) - v)) / v + 1);

		E(x86_mov_rr(P, false, R11, d));
		E(x86_mov_ri32(P, R10, m));
		E(x86_imul_rr(P, true, R10, R11));
		E(x86_shift_ri(P, SH_SHR, X_W, R10, 32));
		E(x86_alu_rr(P, ALU_SUB, false, R11, R10));
		E(x86_shift_ri(P, SH_SHR, 0, R11, 1));
		E(x86_alu_rr(P, ALU_ADD, false, R11, R10));
		E(x86_shift_ri(P, SH_SHR, 0, R11, (uint8_t)(l - 1)));
		if (mod) {
			E(x86_imul_rri(P, false, R11, R11, (int32_t)(uint32_t)v));
			E(x86_alu_rr(P, ALU_SUB, false, d, R11));
		} else {
			E(x86_mov_rr(P, false, d, R11));
		}
		return;
	}
	{
		unsigned __int128 num = (unsigned __int128)(((uint64_t)1 << l) - v) << 64;
		uint64_t m = (uint64_t)(num / v) + 1;

		E(x86_mov_rr(P, true, R11, d));
		E(x86_mov_rr(P, true, R9, RAX));
		E(x86_mov_rr(P, true, R10, RDX));
		E(x86_movabs(P, RAX, m));
		E(x86_unary(P, UN_MUL, true, R11));
		E(x86_mov_rr(P, true, RAX, R11));
		E(x86_alu_rr(P, ALU_SUB, true, RAX, RDX));
		E(x86_shift_ri(P, SH_SHR, X_W, RAX, 1));
		E(x86_alu_rr(P, ALU_ADD, true, RAX, RDX));
		E(x86_shift_ri(P, SH_SHR, X_W, RAX, (uint8_t)(l - 1)));
		if (mod) {
			/* v < 2^31 here: a 64-bit divisor below 2^63 comes from a positive imm */
			E(x86_imul_rri(P, true, RAX, RAX, (int32_t)v));
			E(x86_alu_rr(P, ALU_SUB, true, R11, RAX));
		} else {
			E(x86_mov_rr(P, true, R11, RAX));
		}
		E(x86_mov_rr(P, true, RAX, R9));
		E(x86_mov_rr(P, true, RDX, R10));
		E(x86_mov_rr(P, true, d, R11));
	}
}

static void lower_divmod_k(struct jc *j, bool w, bool sign, bool mod, int d, int32_t imm)
{
	uint64_t v = w ? (uint64_t)(int64_t)imm : (uint32_t)imm;

	if (imm == 0) {
		div_by_zero(j, w, mod, d);
		return;
	}
	if (sign && imm == -1) {
		div_by_minus1(j, w, mod, d);
		return;
	}
	if (!sign && !j->blind && is_pow2(v)) {
		/* v - 1 < 2^31 here: a 64-bit power of two comes from a positive imm. */
		if (!mod && v == 1) {
			if (!w)
				E(x86_mov_rr(P, false, d, d));
		} else if (!mod)
			E(x86_shift_ri(P, SH_SHR, w ? X_W : 0, d, (uint8_t)log2u(v)));
		else
			E(x86_alu_ri(P, ALU_AND, w, d, (int32_t)(v - 1)));
		return;
	}
	if (!sign && !j->blind && (!w || v < (1ull << 63))) {
		divmod_magic(j, w, mod, d, v);
		return;
	}
	load_simm(j, R11, imm);
	divmod_core(j, w, sign, mod, d);
}

static void lower_divmod_x(struct jc *j, bool w, bool sign, bool mod, int d, int s)
{
	size_t zero, done1, done2 = 0;

	E(x86_mov_rr(P, w, R11, s));
	E(x86_test_rr(P, w, R11, R11));
	zero = fwd8(j, CC_E);
	if (sign) {
		size_t normal;

		E(x86_alu_ri(P, ALU_CMP, w, R11, -1));
		normal = fwd8(j, CC_NE);
		div_by_minus1(j, w, mod, d);
		done2 = fwd8(j, -1);
		fwd_land(j, normal);
	}
	divmod_core(j, w, sign, mod, d);
	done1 = fwd8(j, -1);
	fwd_land(j, zero);
	div_by_zero(j, w, mod, d);
	fwd_land(j, done1);
	if (sign)
		fwd_land(j, done2);
}

static void lower_shift_x(struct jc *j, enum x86_shift op, bool w, int d, int s)
{
	if (s == RCX) {
		E(x86_shift_cl(P, op, w, d));
		return;
	}
	E(x86_mov_rr(P, true, R10, RCX));
	E(x86_mov_rr(P, false, RCX, s));
	if (d == RCX) {
		E(x86_shift_cl(P, op, w, R10));
		E(x86_mov_rr(P, true, RCX, R10));
	} else {
		E(x86_shift_cl(P, op, w, d));
		E(x86_mov_rr(P, true, RCX, R10));
	}
}

static bool lower_alu_op(struct jc *j, enum isa_op op, const struct bpf_insn *in);

/* An ALU operation; x86's 32-bit forms already zero-extend, so no extra mov is needed. */
static bool lower_alu(struct jc *j, enum isa_op op, const struct bpf_insn *in)
{
	if (!lower_alu_op(j, op, in))
		return false;
	if ((j->no & JIT_NO_ZEXT) && BPF_CLASS(in->code) == BPF_ALU)
		E(x86_mov_rr(P, false, bpf2x[in->dst_reg], bpf2x[in->dst_reg]));
	return true;
}

static bool lower_alu_op(struct jc *j, enum isa_op op, const struct bpf_insn *in)
{
	int d = bpf2x[in->dst_reg], s = bpf2x[in->src_reg & 15];
	bool w = BPF_CLASS(in->code) == BPF_ALU64;
	bool x = BPF_SRC(in->code) == BPF_X;
	int32_t imm = in->imm;
	enum x86_alu a;

	if (isa_ops[op].format == F_END) {
		switch (op) {
		case OP_LE16:
			E(x86_movzx_rr(P, 2, d, d));
			break;
		case OP_LE32:
			E(x86_mov_rr(P, false, d, d));
			break;
		case OP_LE64:
			break;
		case OP_BE16:
		case OP_BSWAP16:
			E(x86_shift_ri(P, SH_ROR, X_66, d, 8));
			E(x86_movzx_rr(P, 2, d, d));
			break;
		case OP_BE32:
		case OP_BSWAP32:
			E(x86_bswap(P, false, d));
			break;
		default:
			E(x86_bswap(P, true, d));
			break;
		}
		return true;
	}

	switch (BPF_OP(in->code)) {
	case BPF_ADD: a = ALU_ADD; goto binop;
	case BPF_SUB: a = ALU_SUB; goto binop;
	case BPF_OR: a = ALU_OR; goto binop;
	case BPF_AND: a = ALU_AND; goto binop;
	case BPF_XOR: a = ALU_XOR; goto binop;
	case BPF_MOV:
		if (x) {
			if (in->off == 0) {
				if (w && d == s)
					break;
				E(x86_mov_rr(P, w, d, s));
			} else if (in->off == 32) {
				E(x86_movsx_rr(P, 4, true, d, s));
			} else {
				E(x86_movsx_rr(P, in->off / 8, w, d, s));
			}
		} else if (w) {
			load_simm(j, d, imm);
		} else if (j->blind) {
			int32_t k = (int32_t)(uint32_t)j->key;

			E(x86_mov_ri32(P, d, (uint32_t)(imm ^ k)));
			E(x86_alu_ri(P, ALU_XOR, false, d, k));
		} else {
			E(x86_load_imm(P, d, (uint32_t)imm));
		}
		break;
	case BPF_MUL:
		if (x)
			E(x86_imul_rr(P, w, d, s));
		else if (reg_imm(j)) {
			load_simm(j, R10, imm);
			E(x86_imul_rr(P, w, d, R10));
		} else
			E(x86_imul_rri(P, w, d, d, imm));
		break;
	case BPF_DIV:
	case BPF_MOD: {
		bool mod = BPF_OP(in->code) == BPF_MOD, sign = in->off == 1;

		if (x)
			lower_divmod_x(j, w, sign, mod, d, s);
		else
			lower_divmod_k(j, w, sign, mod, d, imm);
		break;
	}
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH: {
		enum x86_shift sh = BPF_OP(in->code) == BPF_LSH   ? SH_SHL
				    : BPF_OP(in->code) == BPF_RSH ? SH_SHR
								  : SH_SAR;

		if (x)
			lower_shift_x(j, sh, w, d, s);
		else if ((imm & (w ? 63 : 31)) != 0)
			E(x86_shift_ri(P, sh, w ? X_W : 0, d, (uint8_t)(imm & (w ? 63 : 31))));
		else if (!w)
			E(x86_mov_rr(P, false, d, d)); /* shift by 0: only the 32-bit truncation */
		break;
	}
	case BPF_NEG:
		E(x86_unary(P, UN_NEG, w, d));
		break;
	default:
		return false;
	}
	return true;

binop:
	if (x) {
		E(x86_alu_rr(P, a, w, d, s));
	} else if (reg_imm(j)) {
		load_simm(j, R10, imm);
		E(x86_alu_rr(P, a, w, d, R10));
	} else if (!w && a == ALU_AND && imm == 0) {
		E(x86_alu_rr(P, ALU_XOR, false, d, d));
	} else {
		E(x86_alu_ri(P, a, w, d, imm));
	}
	return true;
}

/* ---- jumps ---------------------------------------------------------------------------------- */

static enum x86_cc jmp_cc(uint8_t bop)
{
	switch (bop) {
	case BPF_JEQ: return CC_E;
	case BPF_JGT: return CC_A;
	case BPF_JGE: return CC_AE;
	case BPF_JLT: return CC_B;
	case BPF_JLE: return CC_BE;
	case BPF_JSGT: return CC_G;
	case BPF_JSGE: return CC_GE;
	case BPF_JSLT: return CC_L;
	case BPF_JSLE: return CC_LE;
	default: return CC_NE; /* JNE, JSET */
	}
}

static void lower_jmp(struct jc *j, enum isa_op op, const struct bpf_insn *in, uint32_t pc)
{
	int64_t t = isa_jump_target(in, pc);
	bool back = t <= (int64_t)pc && j->checked;
	uint8_t f = isa_ops[op].format;
	int d = bpf2x[in->dst_reg], s = bpf2x[in->src_reg & 15];
	bool w = BPF_CLASS(in->code) == BPF_JMP;
	enum x86_cc cc;
	size_t skip;

	if (f == F_JA || f == F_JA32) {
		if (back)
			budget_charge(j, pc);
		jump(j, -1, lab_insn((uint32_t)t));
		return;
	}
	if (BPF_OP(in->code) == BPF_JSET) {
		if (f == F_JMP_X)
			E(x86_test_rr(P, w, d, s));
		else if (reg_imm(j)) {
			load_simm(j, R10, in->imm);
			E(x86_test_rr(P, w, d, R10));
		} else
			E(x86_test_ri(P, w, d, in->imm));
	} else if (f == F_JMP_X) {
		E(x86_alu_rr(P, ALU_CMP, w, d, s));
	} else if (in->imm == 0 && !(j->no & JIT_NO_IMM)) {
		E(x86_test_rr(P, w, d, d));
	} else if (reg_imm(j)) {
		load_simm(j, R10, in->imm);
		E(x86_alu_rr(P, ALU_CMP, w, d, R10));
	} else {
		E(x86_alu_ri(P, ALU_CMP, w, d, in->imm));
	}
	cc = jmp_cc(BPF_OP(in->code));
	if (j->no & JIT_NO_FUSION) { /* materialise the condition, then branch on it */
		E(x86_setcc(P, cc, R10));
		E(x86_movzx_rr(P, 1, R10, R10));
		E(x86_test_rr(P, false, R10, R10));
		cc = CC_NE;
	}
	if (!back) {
		jump(j, cc, lab_insn((uint32_t)t));
		return;
	}
	/* A taken backward jump costs one unit of budget. */
	skip = fwd8(j, cc ^ 1);
	budget_charge(j, pc);
	jump(j, -1, lab_insn((uint32_t)t));
	fwd_land(j, skip);
}

/* ---- memory ------------------------------------------------------------------------------- */

static void lower_ldx(struct jc *j, const struct bpf_insn *in, uint32_t pc)
{
	int size = isa_access_size(in->code), base;
	int32_t disp;

	mem_guard(j, pc, bpf2x[in->src_reg], in->off, size, false, &base, &disp);
	E(x86_load(P, size, BPF_MODE(in->code) == BPF_MEMSX, bpf2x[in->dst_reg], base, disp));
}

static void lower_st(struct jc *j, const struct bpf_insn *in, uint32_t pc)
{
	int size = isa_access_size(in->code), base;
	int32_t disp;

	mem_guard(j, pc, bpf2x[in->dst_reg], in->off, size, true, &base, &disp);
	if (BPF_CLASS(in->code) == BPF_STX) {
		E(x86_store(P, size, base, disp, bpf2x[in->src_reg]));
	} else if (reg_imm(j)) {
		load_simm(j, R10, in->imm);
		E(x86_store(P, size, base, disp, R10));
	} else {
		E(x86_store_imm(P, size, base, disp, in->imm));
	}
}

static void lower_atomic(struct jc *j, enum isa_op op, const struct bpf_insn *in, uint32_t pc)
{
	bool w = BPF_SIZE(in->code) == BPF_DW;
	int s = bpf2x[in->src_reg], base;
	int32_t disp;
	int32_t aop = in->imm & ~BPF_FETCH;
	bool fetch = (in->imm & BPF_FETCH) != 0;

	mem_guard(j, pc, bpf2x[in->dst_reg], in->off, w ? 8 : 4, true, &base, &disp);
	if (in->imm == BPF_XCHG) {
		E(x86_xchg_mr(P, w, base, disp, s));
		return;
	}
	if (in->imm == BPF_CMPXCHG) {
		E(x86_lock_cmpxchg(P, w, base, disp, s));
		if (!w)
			E(x86_mov_rr(P, false, RAX, RAX));
		return;
	}
	if (aop == BPF_ADD) {
		if (fetch)
			E(x86_lock_xadd(P, w, base, disp, s));
		else
			E(x86_alu_mr(P, ALU_ADD, X_LOCK | (w ? X_W : 0), base, disp, s));
		return;
	}
	{
		enum x86_alu a = aop == BPF_OR ? ALU_OR : aop == BPF_AND ? ALU_AND : ALU_XOR;
		int operand = s == RAX ? R9 : s;
		size_t loop;

		if (!fetch) {
			E(x86_alu_mr(P, a, X_LOCK | (w ? X_W : 0), base, disp, s));
			return;
		}
		/* fetch-or/and/xor: a cmpxchg loop through rax (which is R0: parked in r9). */
		if (base != R11)
			E(x86_lea(P, R11, base, disp));
		E(x86_mov_rr(P, true, R9, RAX));
		E(x86_load(P, w ? 8 : 4, false, RAX, R11, 0));
		loop = j->len;
		E(x86_mov_rr(P, true, R10, RAX));
		E(x86_alu_rr(P, a, w, R10, operand));
		E(x86_lock_cmpxchg(P, w, R11, 0, R10));
		E(x86_jcc8(P, CC_NE, (int8_t)((int64_t)loop - (int64_t)(j->len + 2))));
		if (s != RAX) {
			E(x86_mov_rr(P, true, s, RAX));
			E(x86_mov_rr(P, true, RAX, R9));
		}
		(void)op;
	}
}

/* LD_ABS / LD_IND: r0 = big-endian load from the packet; outside it the program ends, R0 = 0. */
static void lower_ldpkt(struct jc *j, enum isa_op op, const struct bpf_insn *in)
{
	int size = isa_access_size(in->code);

	if (isa_ops[op].format == F_LD_IND) {
		/* offset = (s32)((u32)src + (u32)imm): wraps at 32 bits, negative is outside */
		E(x86_mov_rr(P, false, R11, bpf2x[in->src_reg]));
		if (in->imm)
			E(x86_alu_ri(P, ALU_ADD, false, R11, in->imm));
		E(x86_movsx_rr(P, 4, true, R11, R11));
	} else {
		E(x86_load_imm(P, R11, (uint64_t)(int64_t)in->imm));
	}
	E(x86_load(P, 8, false, R10, R12, OFF(pkt_len)));
	E(x86_alu_ri(P, ALU_SUB, true, R10, size));
	jump(j, CC_B, lab_common(j, L_OOB));
	E(x86_alu_rr(P, ALU_CMP, true, R11, R10));
	jump(j, CC_A, lab_common(j, L_OOB));
	E(x86_alu_rm(P, ALU_ADD, true, R11, R12, OFF(pkt)));
	E(x86_load(P, size, false, RAX, R11, 0));
	if (size == 2)
		E(x86_shift_ri(P, SH_ROR, X_66, RAX, 8));
	else if (size == 4)
		E(x86_bswap(P, false, RAX));
}

/* ---- calls and exit --------------------------------------------------------------------------- */

static void push_args(struct jc *j)
{
	static const int args[5] = {RDI, RSI, RDX, RCX, R8};

	for (int i = 0; i < 5; i++)
		E(x86_push(P, args[i]));
	E(x86_alu_ri(P, ALU_SUB, true, RSP, 8));
}

static void pop_args(struct jc *j)
{
	static const int args[5] = {RDI, RSI, RDX, RCX, R8};

	E(x86_alu_ri(P, ALU_ADD, true, RSP, 8));
	for (int i = 4; i >= 0; i--)
		E(x86_pop(P, args[i]));
}

/* Call the helper whose address is in r10, then stop if it called userbpf_call_abort(). */
static void helper_call_r10(struct jc *j, uint32_t pc)
{
	uint32_t k;

	/* In checked mode R1-R5 keep their values across the call, as in the interpreter. */
	if (j->checked)
		push_args(j);
	E(x86_mov_rr(P, true, R9, R12));
	E(x86_call_r(P, R10));
	if (j->checked)
		pop_args(j);
	E(x86_alu_mi8(P, ALU_CMP, false, R12, OFF(abort_code), 0));
	k = new_stub(j, STUB_ABORT, pc);
	jump(j, CC_NE, lab_stub(j, k));
}

static void lower_call(struct jc *j, const struct bpf_insn *in, uint32_t pc)
{
	const struct userbpf_env *env = j->env;
	uint32_t id = (uint32_t)in->imm;

	if (!env || id >= env->nhelpers || !env->helpers[id].fn) {
		E(x86_mov_ri32(P, RSI, pc));
		E(x86_load_imm(P, RDX, id));
		jump(j, -1, lab_common(j, L_UNKNOWN));
		return;
	}
	E(x86_movabs(P, R10, (uint64_t)(uintptr_t)env->helpers[id].fn));
	helper_call_r10(j, pc);
}

static void lower_callx(struct jc *j, const struct bpf_insn *in, uint32_t pc)
{
	static const int keep[6] = {RDI, RSI, RDX, RCX, R8, R11};
	size_t ok;

	E(x86_mov_rr(P, true, R11, bpf2x[in->dst_reg]));
	for (int i = 0; i < 6; i++)
		E(x86_push(P, keep[i]));
	E(x86_mov_rr(P, true, RDI, R12));
	E(x86_mov_rr(P, true, RSI, R11));
	call_abs(j, (const void *)jit_rt_helper);
	E(x86_mov_rr(P, true, R10, RAX));
	for (int i = 5; i >= 0; i--)
		E(x86_pop(P, keep[i]));
	E(x86_test_rr(P, true, R10, R10));
	ok = fwd8(j, CC_NE);
	E(x86_mov_ri32(P, RSI, pc));
	E(x86_mov_rr(P, true, RDX, R11));
	jump(j, -1, lab_common(j, L_UNKNOWN));
	fwd_land(j, ok);
	helper_call_r10(j, pc);
}

/*
 * run->stack_low follows the frame: checked runs read it (guards, faults, mem_ok), and a
 * helper running a callback (call_sub) puts the callback's frame below it.
 */
static void set_stack_low(struct jc *j)
{
	if (!j->checked && !j->helpers) /* helpers: callbacks get the frame below stack_low */
		return;
	E(x86_lea(P, R11, RBP, -VM_STACK_SIZE));
	E(x86_store(P, 8, R12, OFF(stack_low), R11));
}

static void lower_call_local(struct jc *j, const struct bpf_insn *in, uint32_t pc)
{
	uint32_t k;

	E(x86_lea(P, R11, R12, OFF(stack) + VM_STACK_SIZE));
	E(x86_alu_rr(P, ALU_CMP, true, RBP, R11));
	k = new_stub(j, STUB_DEPTH, pc);
	jump(j, CC_BE, lab_stub(j, k));
	if (j->checked)
		budget_charge(j, pc);
	for (int i = 0; i < j->ncsaved; i++)
		E(x86_push(P, j->csaved[i]));
	if (j->cpad)
		E(x86_alu_ri(P, ALU_SUB, true, RSP, 8));
	E(x86_alu_ri(P, ALU_SUB, true, RBP, VM_STACK_SIZE));
	set_stack_low(j);
	call_label(j, lab_insn((uint32_t)isa_jump_target(in, pc)));
	if (j->cpad)
		E(x86_alu_ri(P, ALU_ADD, true, RSP, 8));
	for (int i = j->ncsaved - 1; i >= 0; i--)
		E(x86_pop(P, j->csaved[i]));
	set_stack_low(j);
}

static void lower_exit(struct jc *j)
{
	if (j->calls) {
		/* In a called frame (R10 below the top) exit returns to the caller frame. */
		E(x86_cmp_rm(P, true, RBP, R12, OFF(stack_top)));
		jump(j, CC_E, lab_common(j, L_RET));
		E(x86_ret(P));
		return;
	}
	jump(j, -1, lab_common(j, L_RET));
}

/* ---- one instruction ------------------------------------------------------------------------- */

static int lower_insn(struct jc *j, uint32_t pc)
{
	const struct bpf_insn *in = &j->in[pc];
	enum isa_op op = (enum isa_op)j->ops[pc];

	if (op == OP_INVALID)
		return -EINVAL;
	switch (isa_ops[op].format) {
	case F_ALU_K:
	case F_ALU_X:
	case F_ALU_UN:
	case F_END:
		if (!lower_alu(j, op, in))
			return -EINVAL;
		return 1;
	case F_JA:
	case F_JA32:
	case F_JMP_K:
	case F_JMP_X:
		lower_jmp(j, op, in, pc);
		return 1;
	case F_CALL:
		lower_call(j, in, pc);
		return 1;
	case F_CALL_LOCAL:
		lower_call_local(j, in, pc);
		return 1;
	case F_CALL_KFUNC:
		E(x86_mov_rr(P, true, RDI, R12));
		E(x86_mov_ri32(P, RSI, pc));
		E(x86_movabs(P, RDX, (uint64_t)(uintptr_t)"kfunc call"));
		call_abs(j, (const void *)vm_unsupported);
		jump(j, -1, lab_common(j, L_ERR));
		return 1;
	case F_CALLX:
		lower_callx(j, in, pc);
		return 1;
	case F_EXIT:
		lower_exit(j);
		return 1;
	case F_LDDW: {
		/* map and function references resolve as in every back end (vm_ld_imm64) */
		uint64_t v;

		if (vm_ld_imm64(j->prog, pc, &v, NULL) < 0)
			return -EINVAL;
		load_imm64(j, bpf2x[in->dst_reg], v);
		return 2;
	}
	case F_LD_ABS:
	case F_LD_IND:
		lower_ldpkt(j, op, in);
		return 1;
	case F_LDX:
		lower_ldx(j, in, pc);
		return 1;
	case F_ST:
	case F_STX:
		lower_st(j, in, pc);
		return 1;
	case F_ATOMIC:
		lower_atomic(j, op, in, pc);
		return 1;
	}
	return -EINVAL;
}

/* ---- prologue, exits, stubs ------------------------------------------------------------------- */

static void prologue(struct jc *j)
{
	for (int i = 0; i < j->nsaved; i++)
		E(x86_push(P, j->saved[i]));
	if (j->pad)
		E(x86_alu_ri(P, ALU_SUB, true, RSP, 8));
	if (j->run_reg)
		E(x86_mov_rr(P, true, R12, RDX));
	if (j->frame_ptr)
		E(x86_load(P, 8, false, RBP, RDX, OFF(stack_top)));
	/* Registers start at zero, as in the interpreter (R1, R2 are the arguments). */
	for (int r = 0; r < 10; r++)
		if (r != 1 && r != 2 && (j->zero & (1u << r)))
			E(x86_alu_rr(P, ALU_XOR, false, bpf2x[r], bpf2x[r]));
}

static void slow_call(struct jc *j, int label, const void *fn)
{
	if (label >= 0)
		here(j, lab_common(j, label));
	E(x86_mov_rr(P, true, RDI, R12));
	E(x86_mov_rr(P, false, RSI, R10));
	call_abs(j, fn);
	jump(j, -1, lab_common(j, L_ERR));
}

static void exits(struct jc *j)
{
	static const int keep[7] = {RAX, RDI, RSI, RDX, RCX, R8, R11};
	size_t fail;

	here(j, lab_common(j, L_RET));
	E(x86_alu_rr(P, ALU_XOR, false, RDX, RDX));
	here(j, lab_common(j, L_POPS));
	if (j->pad)
		E(x86_alu_ri(P, ALU_ADD, true, RSP, 8));
	for (int i = j->nsaved - 1; i >= 0; i--)
		E(x86_pop(P, j->saved[i]));
	E(x86_ret(P));

	/* Only what the program can reach is emitted. */
	if (!j->run_reg)
		return;
	here(j, lab_common(j, L_OOB));
	E(x86_alu_rr(P, ALU_XOR, false, RAX, RAX));
	here(j, lab_common(j, L_ERR));
	E(x86_movsx_rr(P, 4, true, RDX, RAX));
	E(x86_alu_rr(P, ALU_XOR, false, RAX, RAX));
	if (j->calls) {
		/* Drop the native frames of every active BPF call: depth = (top - rbp) / 512. */
		E(x86_load(P, 8, false, R11, R12, OFF(stack_top)));
		E(x86_alu_rr(P, ALU_SUB, true, R11, RBP));
		E(x86_shift_ri(P, SH_SHR, X_W, R11, 9));
		E(x86_imul_rri(P, true, R11, R11, (int32_t)j->frame));
		E(x86_alu_rr(P, ALU_ADD, true, RSP, R11));
	}
	jump(j, -1, lab_common(j, L_POPS));

	if (j->checked) {
		here(j, lab_common(j, L_BUDGET));
		E(x86_store_imm(P, 8, R12, OFF(budget), 0)); /* the charge wrapped it: none left */
		slow_call(j, -1, (const void *)vm_budget_exhausted);
	}
	if (j->calls)
		slow_call(j, L_DEPTH, (const void *)vm_call_depth);
	if (j->helpers) {
		slow_call(j, L_ABORT, (const void *)vm_helper_aborted);
		here(j, lab_common(j, L_UNKNOWN));
		E(x86_mov_rr(P, true, RDI, R12));
		call_abs(j, (const void *)vm_unknown_helper);
		jump(j, -1, lab_common(j, L_ERR));
	}

	if (!j->checked)
		return;
	/* Out-of-line memory check; preserves every BPF register and r11 (the address). */
	here(j, lab_common(j, L_MEMCHK));
	for (int i = 0; i < 7; i++)
		E(x86_push(P, keep[i]));
	E(x86_mov_rr(P, true, RDI, R12));
	E(x86_mov_rr(P, true, RSI, R11));
	E(x86_mov_rr(P, false, RDX, R10));
	call_abs(j, (const void *)jit_rt_mem_check);
	E(x86_test_rr(P, false, RAX, RAX));
	fail = fwd8(j, CC_NE);
	for (int i = 6; i >= 0; i--)
		E(x86_pop(P, keep[i]));
	E(x86_ret(P));
	fwd_land(j, fail);
	E(x86_alu_ri(P, ALU_ADD, true, RSP, 64)); /* 7 saved registers + return address */
	jump(j, -1, lab_common(j, L_ERR));
}

/* The tail of a memory guard: the region not checked inline, then the full check. */
static void mem_stub(struct jc *j, const struct stub *s)
{
	int size = (int)(s->arg & 15);
	bool write = (s->arg >> 4) & 1;
	size_t fails[4];
	int nf = range_check(j, !s->stack_first, size, write, NO_POS, fails);

	jump_to(j, -1, s->back, false);
	for (int i = 0; i < nf; i++)
		fwd_land(j, fails[i]);
	E(x86_mov_ri32(P, R10, s->arg));
	call_label(j, lab_common(j, L_MEMCHK));
	jump_to(j, -1, s->back, false);
}

static void stubs(struct jc *j)
{
	for (uint32_t k = 0; k < j->nstubs; k++) {
		const struct stub *s = &j->stubs[k];

		here(j, lab_stub(j, k));
		if (s->kind == STUB_MEM) {
			mem_stub(j, s);
			continue;
		}
		E(x86_mov_ri32(P, R10, s->arg));
		switch (s->kind) {
		case STUB_BUDGET:
			jump(j, -1, lab_common(j, L_BUDGET));
			break;
		case STUB_DEPTH:
			jump(j, -1, lab_common(j, L_DEPTH));
			break;
		default:
			jump(j, -1, lab_common(j, L_ABORT));
			break;
		}
	}
}

/* ---- driver ------------------------------------------------------------------------------------ */

/* Which registers are mentioned, whether R10 is, whether there are local calls. */
static void scan(struct jc *j)
{
	static const int callee[5] = {RBX, R13, R14, R15, RBP};
	bool r10 = false;

	for (uint32_t pc = 0; pc < j->n; pc++) {
		const struct bpf_insn *in = &j->in[pc];
		enum isa_op op = isa_decode(in);
		uint8_t f;

		j->ops[pc] = (uint8_t)op; /* decoded once: the passes reuse it */
		if (op == OP_INVALID)
			continue;
		f = isa_ops[op].format;
		j->used |= (uint16_t)(1u << in->dst_reg);
		if (isa_ops[op].src == ANY && f != F_LDDW)
			j->used |= (uint16_t)(1u << (in->src_reg & 15));
		if (f == F_CALL_LOCAL)
			j->calls = true;
		if (f == F_CALL || f == F_CALLX)
			j->helpers = true;
		if (j->unsup_pc < 0 && op == OP_CALL && in->imm == BPF_FUNC_tail_call) {
			j->unsup_pc = (int)pc;
			j->unsup = "bpf_tail_call";
		}
		/* rbp is R10 and the frame pointer: an atomic that writes R10 has no JIT form */
		if (j->unsup_pc < 0 && f == F_ATOMIC && (in->imm & BPF_FETCH) &&
		    in->imm != BPF_CMPXCHG && in->src_reg == BPF_REG_10) {
			j->unsup_pc = (int)pc;
			j->unsup = "an atomic that writes R10";
		}
		if (f == F_LD_ABS || f == F_LD_IND)
			j->pkt = true;
		if (f == F_CALL_KFUNC)
			j->traps = true;
		if (f == F_CALL || f == F_CALLX)
			j->used |= 0x3e; /* a helper reads R1-R5 */
		if (f == F_LDDW)
			pc++;
	}
	j->used |= 1u; /* exit reads R0, cmpxchg and helpers use it */
	if (j->no & JIT_NO_MINSAVE)
		j->used = 0x7ff; /* save, set up and clear every register */
	j->used &= 0x7ff;
	r10 = (j->used & (1u << 10)) != 0;
	j->frame_ptr = r10 || j->calls;
	j->nsaved = 0;
	j->ncsaved = 0;
	for (int i = 0; i < 5; i++) {
		int bpf = i < 4 ? 6 + i : 10;
		bool need = i < 4 ? (j->used & (1u << bpf)) != 0 : j->frame_ptr;

		if (!need)
			continue;
		j->saved[j->nsaved++] = callee[i];
		j->csaved[j->ncsaved++] = callee[i];
	}
	/* r12 holds the run state, needed by every guard, call, packet load and error path. */
	j->run_reg = j->checked || j->helpers || j->pkt || j->calls || j->traps ||
		     (j->no & JIT_NO_MINSAVE);
	if (j->run_reg)
		j->saved[j->nsaved++] = R12;
	/* Entry rsp is 8 mod 16; the body runs 16-byte aligned when it calls anything. */
	j->pad = j->run_reg && (8 + 8 * j->nsaved) % 16 != 0;
	/* Registers the first instructions set from constants need no clearing. */
	j->zero = j->used;
	for (uint32_t pc = 0; pc < j->n; pc++) {
		enum isa_op op = (enum isa_op)j->ops[pc];

		if (op != OP_MOV64_K && op != OP_MOV32_K && !(op == OP_LDDW && !j->in[pc].src_reg))
			break;
		j->zero &= (uint16_t)~(1u << j->in[pc].dst_reg);
		if (op == OP_LDDW)
			pc++;
	}
	j->cpad = (8 * j->ncsaved + 8) % 16 != 0;
	j->frame = (uint32_t)(8 * j->ncsaved + 8 + (j->cpad ? 8 : 0));
}

static int one_pass(struct jc *j)
{
	uint32_t pc = 0;

	j->len = 0;
	j->nstubs = 0;
	for (uint32_t l = 0; l < j->nlabels; l++)
		j->pos[l] = NO_POS;
	prologue(j);
	while (pc < j->n) {
		int step;

		here(j, lab_insn(pc));
		step = lower_insn(j, pc);
		if (step < 0)
			return step;
		if (step == 2)
			j->pos[pc + 1] = (uint32_t)j->len;
		pc += (uint32_t)step;
	}
	here(j, lab_insn(j->n));
	exits(j);
	stubs(j);
	return j->oom ? -ENOMEM : 0;
}

int jit_compile(const struct userbpf_prog *prog, const struct jit_opts *opts,
		struct jit_code **out, struct userbpf_error *err)
{
	struct jc j = {0};
	struct jit_code *code = NULL;
	int ret = 0, pass;
	bool converged = false;

	*out = NULL;
	j.prog = prog;
	j.in = prog->insns;
	j.n = prog->n;
	j.env = prog->env;
	j.checked = opts->mode == JIT_CHECKED;
	j.blind = opts->blind;
	j.no = opts->disable;
	j.key = opts->blind_key;
	if (j.blind && !j.key) {
		if (getrandom(&j.key, sizeof(j.key), 0) != (ssize_t)sizeof(j.key))
			return err_set(err, -EIO, "jit", -1, "no random key for constant blinding");
		j.key |= 1;
	}
	j.maxstubs = 2 * j.n + 2;
	j.nlabels = j.n + 1 + L_COUNT + j.maxstubs;
	j.pos = malloc(sizeof(*j.pos) * j.nlabels);
	j.prev = malloc(sizeof(*j.prev) * j.nlabels);
	j.stubs = malloc(sizeof(*j.stubs) * j.maxstubs);
	j.ops = calloc(j.n, 1);
	if (!j.pos || !j.prev || !j.stubs || !j.ops) {
		ret = err_set(err, -ENOMEM, "jit", -1, "out of memory");
		goto out;
	}
	for (uint32_t l = 0; l < j.nlabels; l++)
		j.prev[l] = NO_POS;
	j.unsup_pc = -1;
	scan(&j);
	if (j.unsup_pc >= 0) {
		ret = err_set(err, -ENOTSUP, "jit", j.unsup_pc,
			      "%s is not supported by the JIT (the interpreter runs it)", j.unsup);
		goto out;
	}

	/* Repeat until every label sits where the previous pass put it. */
	for (pass = 0; pass < MAX_PASSES + 2 && !converged; pass++) {
		uint32_t *t;

		if (pass == MAX_PASSES)
			j.force_long = true; /* long jumps only: sizes settle in two passes */
		ret = one_pass(&j);
		if (ret < 0) {
			ret = ret == -ENOMEM ? err_set(err, ret, "jit", -1, "out of memory")
					     : err_set(err, ret, "jit", -1, "cannot compile");
			goto out;
		}
		converged = memcmp(j.pos, j.prev, sizeof(*j.pos) * j.nlabels) == 0;
		t = j.prev;
		j.prev = j.pos;
		j.pos = t;
	}
	if (!converged) {
		ret = err_set(err, -EINVAL, "jit", -1, "code size did not converge");
		goto out;
	}

	/* Final emission: the converged layout, copied into its exact-size mapping. */
	code = calloc(1, sizeof(*code));
	if (!code)
		goto oom;
	code->insn_off = malloc(sizeof(uint32_t) * (j.n + 1));
	if (!code->insn_off)
		goto oom;
	memcpy(code->insn_off, j.prev, sizeof(uint32_t) * (j.n + 1));
	code->body_end = j.prev[lab_common(&j, L_RET)];
	code->size = j.len;
	code->mode = opts->mode;
	code->blinded = j.blind;
	code->mem = jit_codemem_alloc(j.len, &code->map_len);
	if (!code->mem)
		goto oom;
	memcpy(code->mem, j.buf, j.len);
	if (jit_codemem_seal(code->mem, code->map_len) < 0) {
		ret = err_set(err, -errno, "jit", -1, "mprotect: cannot make code executable");
		goto out;
	}
	*out = code;
	code = NULL;
	goto out;
oom:
	ret = err_set(err, -ENOMEM, "jit", -1, "out of memory");
out:
	jit_code_free(code);
	free(j.buf);
	free(j.pos);
	free(j.prev);
	free(j.stubs);
	free(j.ops);
	return ret;
}

void jit_code_free(struct jit_code *code)
{
	if (!code)
		return;
	if (code->mem)
		jit_codemem_free(code->mem, code->map_len);
	free(code->insn_off);
	free(code);
}
