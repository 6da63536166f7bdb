/* SPDX-License-Identifier: MIT */
/*
 * interp_loop.h - the interpreter's dispatch loop, a template that interp.c instantiates
 * twice: INTERP_CHECKED 1 (every load, store and atomic bounds-checked, the budget charged per
 * taken backward jump and per bpf-to-bpf call) and INTERP_CHECKED 0 (no checks: verified or
 * trusted programs). Two instances rather than a flag tested per instruction keep the
 * unchecked loop free of any checking code.
 *
 * Dispatch is computed goto through a label table expanded from insn.def, so an operation
 * without a handler here is a compile error. Semantics follow RFC 9669 and vm.h.
 * Not a normal header: no include guard, included only by interp.c.
 */

static int INTERP_NAME(const struct vm_slot *code, const struct userbpf_env *env,
		       struct userbpf_call *run, const uint64_t args[5], uint64_t *r0)
{
	static const void *const labels[OP__COUNT] = {
#define INSN(NAME, CODE, SRC, OFF, IMM, FMT, MN, SEM) [OP_##NAME] = &&L_##NAME,
#include "../isa/insn.def"
#undef INSN
	};
	struct {
		const struct vm_slot *ret;
		uint64_t saved[4]; /* R6-R9 of the caller */
	} frames[VM_MAX_FRAMES];
	int depth = 0;
	/* Frames left below the entry frame (fewer when entered from a callback helper). */
	int max_depth = VM_MAX_FRAMES - (int)((run->stack_top - run->stack_low) / VM_STACK_SIZE);
	uint32_t tail_calls = 0;
	uint64_t reg[11] = {0};
	const struct vm_slot *pc = code;
#if INTERP_CHECKED
	/* The fast-path bounds, in locals: the live stack and the input memory (regions[0]). */
	uint64_t budget = run->budget;
	uint64_t slo = run->stack_low, sspan = run->stack_top - run->stack_low;
	uint64_t mlo = run->regions[0].start, mspan = run->regions[0].end - run->regions[0].start;
	uint64_t mwspan = run->regions[0].writable ? mspan : 0;
	uint64_t fault_addr;
	int fault_size;
	bool fault_write;
#endif

	memcpy(&reg[1], args, 5 * sizeof(uint64_t));
	reg[10] = run->stack_low + VM_STACK_SIZE;

#define DST reg[pc->dst]
#define SRC reg[pc->src]
#define IMM ((int64_t)pc->imm)   /* sign-extended to 64 bits */
#define UIMM ((uint32_t)pc->imm) /* the low 32 bits for 32-bit operations */
#define OFF ((int64_t)pc->off)
#define PC ((int)(pc - code))
#define DISPATCH() goto *labels[pc->op]
#define NEXT()                                                                                  \
	do {                                                                                    \
		pc++;                                                                           \
		DISPATCH();                                                                     \
	} while (0)

#if INTERP_CHECKED
/* Bounds-check an access, or leave through the fault exit. */
#define MEM(addr, size, write)                                                                  \
	do {                                                                                    \
		if (UNLIKELY(!interp_fast_ok((addr), (size), slo, sspan, mlo,                   \
					     (write) ? mwspan : mspan)) &&                      \
		    !vm_mem_ok(run, (addr), (size), (write))) {                                 \
			fault_addr = (addr);                                                    \
			fault_size = (size);                                                    \
			fault_write = (write);                                                  \
			goto fault;                                                             \
		}                                                                               \
	} while (0)
/* Charge one budget unit, or leave through the budget exit. */
#define CHARGE()                                                                                \
	do {                                                                                    \
		if (UNLIKELY(budget == 0))                                                      \
			goto budget_out;                                                        \
		budget--;                                                                       \
	} while (0)
#else
#define MEM(addr, size, write) ((void)0)
#define CHARGE() ((void)0)
#endif

/* Take a jump by delta slots (relative to the next slot); backward jumps cost budget. */
#define JUMP(delta)                                                                             \
	do {                                                                                    \
		int32_t d_ = (delta);                                                           \
		if (INTERP_CHECKED && d_ < 0)                                                   \
			CHARGE();                                                               \
		pc += d_;                                                                       \
	} while (0)
#define COND(cond)                                                                              \
	do {                                                                                    \
		if (cond)                                                                       \
			JUMP(pc->off);                                                          \
		NEXT();                                                                         \
	} while (0)

#define ALU64(op, operand)                                                                      \
	do {                                                                                    \
		DST = DST op (uint64_t)(operand);                                               \
		NEXT();                                                                         \
	} while (0)
#define ALU32(op, operand)                                                                      \
	do {                                                                                    \
		DST = (uint32_t)((uint32_t)DST op (uint32_t)(operand));                         \
		NEXT();                                                                         \
	} while (0)

	DISPATCH();

	/* ---- ALU, 32-bit: results zero-extended ---- */
L_ADD32_K: ALU32(+, UIMM);
L_ADD32_X: ALU32(+, SRC);
L_SUB32_K: ALU32(-, UIMM);
L_SUB32_X: ALU32(-, SRC);
L_MUL32_K: ALU32(*, UIMM);
L_MUL32_X: ALU32(*, SRC);
L_OR32_K: ALU32(|, UIMM);
L_OR32_X: ALU32(|, SRC);
L_AND32_K: ALU32(&, UIMM);
L_AND32_X: ALU32(&, SRC);
L_XOR32_K: ALU32(^, UIMM);
L_XOR32_X: ALU32(^, SRC);
L_LSH32_K: ALU32(<<, UIMM & 31);
L_LSH32_X: ALU32(<<, SRC & 31);
L_RSH32_K: ALU32(>>, UIMM & 31);
L_RSH32_X: ALU32(>>, SRC & 31);
L_ARSH32_K:
	DST = (uint32_t)((int32_t)(uint32_t)DST >> (UIMM & 31));
	NEXT();
L_ARSH32_X:
	DST = (uint32_t)((int32_t)(uint32_t)DST >> (SRC & 31));
	NEXT();
L_NEG32:
	DST = (uint32_t)(0u - (uint32_t)DST);
	NEXT();
L_MOV32_K:
	DST = UIMM;
	NEXT();
L_MOV32_X:
	DST = (uint32_t)SRC;
	NEXT();
L_MOVSX8_32:
	DST = (uint32_t)(int32_t)(int8_t)(uint8_t)SRC;
	NEXT();
L_MOVSX16_32:
	DST = (uint32_t)(int32_t)(int16_t)(uint16_t)SRC;
	NEXT();
L_DIV32_K:
	DST = UIMM ? (uint32_t)DST / UIMM : 0;
	NEXT();
L_DIV32_X: {
	uint32_t s = (uint32_t)SRC;
	DST = s ? (uint32_t)DST / s : 0;
	NEXT();
}
L_MOD32_K:
	DST = UIMM ? (uint32_t)DST % UIMM : (uint32_t)DST;
	NEXT();
L_MOD32_X: {
	uint32_t s = (uint32_t)SRC;
	DST = s ? (uint32_t)DST % s : (uint32_t)DST;
	NEXT();
}
L_SDIV32_K:
	DST = interp_sdiv32((uint32_t)DST, UIMM);
	NEXT();
L_SDIV32_X:
	DST = interp_sdiv32((uint32_t)DST, (uint32_t)SRC);
	NEXT();
L_SMOD32_K:
	DST = interp_smod32((uint32_t)DST, UIMM);
	NEXT();
L_SMOD32_X:
	DST = interp_smod32((uint32_t)DST, (uint32_t)SRC);
	NEXT();

	/* ---- ALU, 64-bit ---- */
L_ADD64_K: ALU64(+, IMM);
L_ADD64_X: ALU64(+, SRC);
L_SUB64_K: ALU64(-, IMM);
L_SUB64_X: ALU64(-, SRC);
L_MUL64_K: ALU64(*, IMM);
L_MUL64_X: ALU64(*, SRC);
L_OR64_K: ALU64(|, IMM);
L_OR64_X: ALU64(|, SRC);
L_AND64_K: ALU64(&, IMM);
L_AND64_X: ALU64(&, SRC);
L_XOR64_K: ALU64(^, IMM);
L_XOR64_X: ALU64(^, SRC);
L_LSH64_K: ALU64(<<, IMM & 63);
L_LSH64_X: ALU64(<<, SRC & 63);
L_RSH64_K: ALU64(>>, IMM & 63);
L_RSH64_X: ALU64(>>, SRC & 63);
L_ARSH64_K:
	DST = (uint64_t)((int64_t)DST >> (IMM & 63));
	NEXT();
L_ARSH64_X:
	DST = (uint64_t)((int64_t)DST >> (SRC & 63));
	NEXT();
L_NEG64:
	DST = 0 - DST;
	NEXT();
L_MOV64_K:
	DST = (uint64_t)IMM;
	NEXT();
L_MOV64_X:
	DST = SRC;
	NEXT();
L_MOVSX8_64:
	DST = (uint64_t)(int64_t)(int8_t)(uint8_t)SRC;
	NEXT();
L_MOVSX16_64:
	DST = (uint64_t)(int64_t)(int16_t)(uint16_t)SRC;
	NEXT();
L_MOVSX32_64:
	DST = (uint64_t)(int64_t)(int32_t)(uint32_t)SRC;
	NEXT();
L_DIV64_K: {
	uint64_t s = (uint64_t)IMM;
	DST = s ? DST / s : 0;
	NEXT();
}
L_DIV64_X: {
	uint64_t s = SRC;
	DST = s ? DST / s : 0;
	NEXT();
}
L_MOD64_K: {
	uint64_t s = (uint64_t)IMM;
	DST = s ? DST % s : DST;
	NEXT();
}
L_MOD64_X: {
	uint64_t s = SRC;
	DST = s ? DST % s : DST;
	NEXT();
}
L_SDIV64_K:
	DST = interp_sdiv64(DST, (uint64_t)IMM);
	NEXT();
L_SDIV64_X:
	DST = interp_sdiv64(DST, SRC);
	NEXT();
L_SMOD64_K:
	DST = interp_smod64(DST, (uint64_t)IMM);
	NEXT();
L_SMOD64_X:
	DST = interp_smod64(DST, SRC);
	NEXT();

	/* ---- byte order ---- */
L_LE16:
	DST = interp_le16((uint16_t)DST);
	NEXT();
L_LE32:
	DST = interp_le32((uint32_t)DST);
	NEXT();
L_LE64:
	DST = interp_le64(DST);
	NEXT();
L_BE16:
	DST = interp_be16((uint16_t)DST);
	NEXT();
L_BE32:
	DST = interp_be32((uint32_t)DST);
	NEXT();
L_BE64:
	DST = interp_be64(DST);
	NEXT();
L_BSWAP16:
	DST = __builtin_bswap16((uint16_t)DST);
	NEXT();
L_BSWAP32:
	DST = __builtin_bswap32((uint32_t)DST);
	NEXT();
L_BSWAP64:
	DST = __builtin_bswap64(DST);
	NEXT();

	/* ---- jumps ---- */
L_JA:
	JUMP(pc->off);
	NEXT();
L_JA32:
	JUMP(pc->imm);
	NEXT();
L_JEQ_K: COND(DST == (uint64_t)IMM);
L_JEQ_X: COND(DST == SRC);
L_JGT_K: COND(DST > (uint64_t)IMM);
L_JGT_X: COND(DST > SRC);
L_JGE_K: COND(DST >= (uint64_t)IMM);
L_JGE_X: COND(DST >= SRC);
L_JSET_K: COND(DST & (uint64_t)IMM);
L_JSET_X: COND(DST & SRC);
L_JNE_K: COND(DST != (uint64_t)IMM);
L_JNE_X: COND(DST != SRC);
L_JSGT_K: COND((int64_t)DST > IMM);
L_JSGT_X: COND((int64_t)DST > (int64_t)SRC);
L_JSGE_K: COND((int64_t)DST >= IMM);
L_JSGE_X: COND((int64_t)DST >= (int64_t)SRC);
L_JLT_K: COND(DST < (uint64_t)IMM);
L_JLT_X: COND(DST < SRC);
L_JLE_K: COND(DST <= (uint64_t)IMM);
L_JLE_X: COND(DST <= SRC);
L_JSLT_K: COND((int64_t)DST < IMM);
L_JSLT_X: COND((int64_t)DST < (int64_t)SRC);
L_JSLE_K: COND((int64_t)DST <= IMM);
L_JSLE_X: COND((int64_t)DST <= (int64_t)SRC);
L_JEQ32_K: COND((uint32_t)DST == UIMM);
L_JEQ32_X: COND((uint32_t)DST == (uint32_t)SRC);
L_JGT32_K: COND((uint32_t)DST > UIMM);
L_JGT32_X: COND((uint32_t)DST > (uint32_t)SRC);
L_JGE32_K: COND((uint32_t)DST >= UIMM);
L_JGE32_X: COND((uint32_t)DST >= (uint32_t)SRC);
L_JSET32_K: COND((uint32_t)DST & UIMM);
L_JSET32_X: COND((uint32_t)DST & (uint32_t)SRC);
L_JNE32_K: COND((uint32_t)DST != UIMM);
L_JNE32_X: COND((uint32_t)DST != (uint32_t)SRC);
L_JSGT32_K: COND((int32_t)(uint32_t)DST > pc->imm);
L_JSGT32_X: COND((int32_t)(uint32_t)DST > (int32_t)(uint32_t)SRC);
L_JSGE32_K: COND((int32_t)(uint32_t)DST >= pc->imm);
L_JSGE32_X: COND((int32_t)(uint32_t)DST >= (int32_t)(uint32_t)SRC);
L_JLT32_K: COND((uint32_t)DST < UIMM);
L_JLT32_X: COND((uint32_t)DST < (uint32_t)SRC);
L_JLE32_K: COND((uint32_t)DST <= UIMM);
L_JLE32_X: COND((uint32_t)DST <= (uint32_t)SRC);
L_JSLT32_K: COND((int32_t)(uint32_t)DST < pc->imm);
L_JSLT32_X: COND((int32_t)(uint32_t)DST < (int32_t)(uint32_t)SRC);
L_JSLE32_K: COND((int32_t)(uint32_t)DST <= pc->imm);
L_JSLE32_X: COND((int32_t)(uint32_t)DST <= (int32_t)(uint32_t)SRC);

	/* ---- calls and exit ---- */
L_CALL: {
	int ret;
	if (UNLIKELY(pc->imm == BPF_FUNC_tail_call) && depth == 0) {
		const struct vm_slot *t = interp_tail_call(run, reg, &tail_calls);
		if (t) {
			CHARGE();
			code = t;
			pc = t;
			env = run->prog->env;
			DISPATCH();
		}
		NEXT(); /* a failed tail call goes on with the next instruction */
	}
#if INTERP_CHECKED
	run->budget = budget; /* helpers that run callbacks spend from the same budget */
#endif
	ret = interp_call_helper(env, run, PC, (uint32_t)pc->imm, reg);
#if INTERP_CHECKED
	budget = run->budget;
#endif
	if (UNLIKELY(ret))
		return ret;
	NEXT();
}
L_CALLX: {
	int ret = interp_call_helper(env, run, PC, DST, reg);
	if (UNLIKELY(ret))
		return ret;
	NEXT();
}
L_CALL_KFUNC:
	return vm_unsupported(run, PC, "kfunc call");
L_CALL_LOCAL:
	if (UNLIKELY(depth >= max_depth))
		return vm_call_depth(run, PC);
	CHARGE();
	frames[depth].ret = pc + 1;
	memcpy(frames[depth].saved, &reg[6], sizeof(frames[depth].saved));
	depth++;
	/* R10 and the stack bounds follow from the depth alone, never from a register value. */
	reg[10] = run->stack_top - (uint64_t)depth * VM_STACK_SIZE;
	run->stack_low = reg[10] - VM_STACK_SIZE;
#if INTERP_CHECKED
	slo = run->stack_low;
	sspan += VM_STACK_SIZE;
#endif
	pc += pc->imm;
	NEXT();
L_EXIT:
	if (LIKELY(depth == 0)) {
		*r0 = reg[0];
#if INTERP_CHECKED
		run->budget = budget;
#endif
		return 0;
	}
	depth--;
	memcpy(&reg[6], frames[depth].saved, sizeof(frames[depth].saved));
	reg[10] = run->stack_top - (uint64_t)depth * VM_STACK_SIZE;
	run->stack_low = reg[10] - VM_STACK_SIZE;
#if INTERP_CHECKED
	slo = run->stack_low;
	sspan -= VM_STACK_SIZE;
#endif
	pc = frames[depth].ret;
	DISPATCH();

	/* ---- 64-bit immediate ---- */
L_LDDW:
	if (UNLIKELY(pc->src != 0))
		return vm_unsupported(run, PC, "lddw of a map or object reference (not resolved by a loader)");
	DST = (uint64_t)(uint32_t)pc[0].imm | (uint64_t)(uint32_t)pc[1].imm << 32;
	pc += 2;
	DISPATCH();

	/* ---- legacy packet loads: big-endian; outside the packet ends the program with 0 ---- */
#define LD_PKT(offset, size)                                                                    \
	do {                                                                                    \
		int64_t o_ = (offset);                                                          \
		if (UNLIKELY(o_ < 0 || (uint64_t)o_ + (size) > run->pkt_len)) {                 \
			*r0 = 0;                                                                \
			return 0;                                                               \
		}                                                                               \
		reg[0] = interp_load_be(run->pkt + o_, (size));                                 \
		NEXT();                                                                         \
	} while (0)
L_LDABS_B: LD_PKT(pc->imm, 1);
L_LDABS_H: LD_PKT(pc->imm, 2);
L_LDABS_W: LD_PKT(pc->imm, 4);
L_LDIND_B: LD_PKT((int32_t)((uint32_t)SRC + UIMM), 1);
L_LDIND_H: LD_PKT((int32_t)((uint32_t)SRC + UIMM), 2);
L_LDIND_W: LD_PKT((int32_t)((uint32_t)SRC + UIMM), 4);
#undef LD_PKT

	/* ---- loads and stores (unaligned accesses are allowed: memcpy) ---- */
#define LOAD(T, ext)                                                                            \
	do {                                                                                    \
		uint64_t a_ = SRC + (uint64_t)OFF;                                              \
		T v_;                                                                           \
		MEM(a_, sizeof(T), false);                                                      \
		memcpy(&v_, (const void *)(uintptr_t)a_, sizeof(T));                            \
		DST = (uint64_t)(ext)v_;                                                        \
		NEXT();                                                                         \
	} while (0)
#define STORE(T, value)                                                                         \
	do {                                                                                    \
		uint64_t a_ = DST + (uint64_t)OFF;                                              \
		T v_ = (T)(value);                                                              \
		MEM(a_, sizeof(T), true);                                                       \
		memcpy((void *)(uintptr_t)a_, &v_, sizeof(T));                                  \
		NEXT();                                                                         \
	} while (0)
L_LDX_B: LOAD(uint8_t, uint64_t);
L_LDX_H: LOAD(uint16_t, uint64_t);
L_LDX_W: LOAD(uint32_t, uint64_t);
L_LDX_DW: LOAD(uint64_t, uint64_t);
L_LDXS_B: LOAD(int8_t, int64_t);
L_LDXS_H: LOAD(int16_t, int64_t);
L_LDXS_W: LOAD(int32_t, int64_t);
L_ST_B: STORE(uint8_t, IMM);
L_ST_H: STORE(uint16_t, IMM);
L_ST_W: STORE(uint32_t, IMM);
L_ST_DW: STORE(uint64_t, IMM);
L_STX_B: STORE(uint8_t, SRC);
L_STX_H: STORE(uint16_t, SRC);
L_STX_W: STORE(uint32_t, SRC);
L_STX_DW: STORE(uint64_t, SRC);
#undef LOAD
#undef STORE

	/* ---- atomics: the old value (zero-extended) goes to src for FETCH forms ---- */
#define ATOMIC(T, kind, fetch)                                                                  \
	do {                                                                                    \
		uint64_t a_ = DST + (uint64_t)OFF;                                              \
		T old_;                                                                         \
		MEM(a_, sizeof(T), true);                                                       \
		old_ = interp_atomic_##T(a_, (T)SRC, kind);                                     \
		if (fetch)                                                                      \
			SRC = old_;                                                             \
		NEXT();                                                                         \
	} while (0)
#define CMPXCHG(T)                                                                              \
	do {                                                                                    \
		uint64_t a_ = DST + (uint64_t)OFF;                                              \
		MEM(a_, sizeof(T), true);                                                       \
		reg[0] = interp_cmpxchg_##T(a_, (T)reg[0], (T)SRC);                             \
		NEXT();                                                                         \
	} while (0)
L_AADD_W: ATOMIC(uint32_t, BPF_ADD, 0);
L_AFADD_W: ATOMIC(uint32_t, BPF_ADD, 1);
L_AOR_W: ATOMIC(uint32_t, BPF_OR, 0);
L_AFOR_W: ATOMIC(uint32_t, BPF_OR, 1);
L_AAND_W: ATOMIC(uint32_t, BPF_AND, 0);
L_AFAND_W: ATOMIC(uint32_t, BPF_AND, 1);
L_AXOR_W: ATOMIC(uint32_t, BPF_XOR, 0);
L_AFXOR_W: ATOMIC(uint32_t, BPF_XOR, 1);
L_AXCHG_W: ATOMIC(uint32_t, BPF_XCHG, 1);
L_ACMPXCHG_W: CMPXCHG(uint32_t);
L_AADD_DW: ATOMIC(uint64_t, BPF_ADD, 0);
L_AFADD_DW: ATOMIC(uint64_t, BPF_ADD, 1);
L_AOR_DW: ATOMIC(uint64_t, BPF_OR, 0);
L_AFOR_DW: ATOMIC(uint64_t, BPF_OR, 1);
L_AAND_DW: ATOMIC(uint64_t, BPF_AND, 0);
L_AFAND_DW: ATOMIC(uint64_t, BPF_AND, 1);
L_AXOR_DW: ATOMIC(uint64_t, BPF_XOR, 0);
L_AFXOR_DW: ATOMIC(uint64_t, BPF_XOR, 1);
L_AXCHG_DW: ATOMIC(uint64_t, BPF_XCHG, 1);
L_ACMPXCHG_DW: CMPXCHG(uint64_t);
#undef ATOMIC
#undef CMPXCHG

#if INTERP_CHECKED
fault:
	return vm_fault(run, PC, fault_addr, fault_size, fault_write);
budget_out:
	run->budget = 0;
	return vm_budget_exhausted(run, PC);
#endif

#undef DST
#undef SRC
#undef IMM
#undef UIMM
#undef OFF
#undef PC
#undef DISPATCH
#undef NEXT
#undef MEM
#undef CHARGE
#undef JUMP
#undef COND
#undef ALU64
#undef ALU32
}
