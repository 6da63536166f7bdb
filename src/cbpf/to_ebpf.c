/* SPDX-License-Identifier: MIT */
/*
 * to_ebpf.c - the classic BPF -> eBPF converter. The output is an ordinary eBPF program of
 * the socket-filter shape (R1 = struct __sk_buff *, packet bytes through LD_ABS/LD_IND) that
 * computes exactly what cbpf_run() computes; cbpf.h states the run-time model both follow.
 *
 * Registers: A = R0 (LD_ABS/LD_IND and helper calls deliver their result there, so A needs no
 * moves around them), X = R7 and the context = R6 (callee-saved, so helper calls keep them),
 * R8 = scratch, M[k] = the 32-bit word at R10 + CBPF_STACK_OFF + 4k. All arithmetic is 32-bit
 * (ALU32, JMP32), which keeps A and X zero-extended and compares them as the u32 they are.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"

#define R_A BPF_REG_0
#define R_X BPF_REG_7
#define R_CTX BPF_REG_6
#define R_TMP BPF_REG_8

/* A jump whose target is a classic instruction, resolved once every start is known. */
struct fixup {
	uint32_t at;     /* eBPF slot of the jump */
	uint32_t target; /* classic instruction index */
};

struct conv {
	struct bpf_insn *out;
	uint32_t n, cap;
	struct fixup *fix;
	uint32_t nfix;
	uint32_t *start; /* eBPF slot where each classic instruction begins */
};

static void emit(struct conv *c, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn *i = &c->out[c->n++];

	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst & 0xf;
	i->src_reg = src & 0xf;
	i->off = off;
	i->imm = imm;
}

static void emit_to(struct conv *c, uint8_t code, uint8_t dst, uint8_t src, int32_t imm,
		    uint32_t target)
{
	c->fix[c->nfix++] = (struct fixup){ c->n, target };
	emit(c, code, dst, src, 0, imm);
}

static int16_t skb_off(size_t off)
{
	return (int16_t)off;
}

#define SKB_FIELD(f) skb_off(offsetof(struct __sk_buff, f))

static void load_ctx(struct conv *c, uint8_t dst, int16_t off)
{
	emit(c, BPF_LDX | BPF_MEM | BPF_W, dst, R_CTX, off, 0);
}

/* A = ancillary value k (checked: supported). */
static void ancillary(struct conv *c, uint32_t k)
{
	switch (k - (uint32_t)SKF_AD_OFF) {
	case SKF_AD_PROTOCOL:
		load_ctx(c, R_A, SKB_FIELD(protocol));
		emit(c, BPF_ALU | BPF_END | BPF_TO_BE, R_A, 0, 0, 16);
		break;
	case SKF_AD_VLAN_TPID:
		load_ctx(c, R_A, SKB_FIELD(vlan_proto));
		emit(c, BPF_ALU | BPF_END | BPF_TO_BE, R_A, 0, 0, 16);
		break;
	case SKF_AD_PKTTYPE: load_ctx(c, R_A, SKB_FIELD(pkt_type)); break;
	case SKF_AD_IFINDEX: load_ctx(c, R_A, SKB_FIELD(ifindex)); break;
	case SKF_AD_MARK: load_ctx(c, R_A, SKB_FIELD(mark)); break;
	case SKF_AD_QUEUE: load_ctx(c, R_A, SKB_FIELD(queue_mapping)); break;
	case SKF_AD_RXHASH: load_ctx(c, R_A, SKB_FIELD(hash)); break;
	case SKF_AD_VLAN_TAG: load_ctx(c, R_A, SKB_FIELD(vlan_tci)); break;
	case SKF_AD_VLAN_TAG_PRESENT: load_ctx(c, R_A, SKB_FIELD(vlan_present)); break;
	case SKF_AD_ALU_XOR_X: emit(c, BPF_ALU | BPF_XOR | BPF_X, R_A, R_X, 0, 0); break;
	case SKF_AD_CPU:
	case SKF_AD_RANDOM:
		emit(c, BPF_JMP | BPF_CALL, 0, 0, 0,
		     k - (uint32_t)SKF_AD_OFF == SKF_AD_CPU ? BPF_FUNC_get_smp_processor_id
							    : BPF_FUNC_get_prandom_u32);
		emit(c, BPF_ALU | BPF_MOV | BPF_X, R_A, R_A, 0, 0); /* keep A a u32 */
		break;
	}
}

static int16_t mem_off(uint32_t k)
{
	return (int16_t)(CBPF_STACK_OFF + 4 * (int)k);
}

/* The inverse of a conditional jump, or 0 when eBPF has none (JSET). */
static uint8_t inverse(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JGT: return BPF_JLE;
	case BPF_JGE: return BPF_JLT;
	default: return 0;
	}
}

static void cond_jump(struct conv *c, const struct sock_filter *in, uint32_t pc)
{
	uint8_t op = BPF_OP(in->code), src = BPF_SRC(in->code);
	uint32_t t = pc + 1 + in->jt, f = pc + 1 + in->jf;
	uint8_t reg = src == BPF_X ? R_X : 0;
	int32_t imm = src == BPF_X ? 0 : (int32_t)in->k;

	if (t == f) {
		if (t != pc + 1)
			emit_to(c, BPF_JMP | BPF_JA, 0, 0, 0, t);
		return;
	}
	if (f == pc + 1) {
		emit_to(c, BPF_JMP32 | op | src, R_A, reg, imm, t);
		return;
	}
	if (t == pc + 1 && inverse(op)) {
		emit_to(c, BPF_JMP32 | inverse(op) | src, R_A, reg, imm, f);
		return;
	}
	emit_to(c, BPF_JMP32 | op | src, R_A, reg, imm, t);
	emit_to(c, BPF_JMP | BPF_JA, 0, 0, 0, f);
}

static void convert_one(struct conv *c, const struct sock_filter *in, uint32_t pc)
{
	uint16_t code = in->code;
	int32_t k = (int32_t)in->k;

	switch (BPF_CLASS(code)) {
	case BPF_ALU:
		if (BPF_OP(code) == BPF_NEG) {
			emit(c, BPF_ALU | BPF_NEG, R_A, 0, 0, 0);
		} else if (BPF_SRC(code) == BPF_K) {
			emit(c, BPF_ALU | BPF_OP(code) | BPF_K, R_A, 0, 0, k);
		} else {
			if (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD) {
				/* Division by X == 0 ends the filter with 0, as in the kernel. */
				emit(c, BPF_JMP | BPF_JNE | BPF_K, R_X, 0, 2, 0);
				emit(c, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
				emit(c, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
			}
			emit(c, BPF_ALU | BPF_OP(code) | BPF_X, R_A, R_X, 0, 0);
		}
		break;
	case BPF_LD:
		switch (BPF_MODE(code)) {
		case BPF_ABS:
			if (cbpf_is_ancillary(in->k))
				ancillary(c, in->k);
			else
				emit(c, BPF_LD | BPF_ABS | BPF_SIZE(code), 0, 0, 0, k);
			break;
		case BPF_IND:
			/* The offset is X + k in 32 bits, as classic BPF computes it. */
			if (k == 0) {
				emit(c, BPF_LD | BPF_IND | BPF_SIZE(code), 0, R_X, 0, 0);
			} else {
				emit(c, BPF_ALU | BPF_MOV | BPF_X, R_TMP, R_X, 0, 0);
				emit(c, BPF_ALU | BPF_ADD | BPF_K, R_TMP, 0, 0, k);
				emit(c, BPF_LD | BPF_IND | BPF_SIZE(code), 0, R_TMP, 0, 0);
			}
			break;
		case BPF_LEN: load_ctx(c, R_A, SKB_FIELD(len)); break;
		case BPF_IMM: emit(c, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, k); break;
		case BPF_MEM: emit(c, BPF_LDX | BPF_MEM | BPF_W, R_A, BPF_REG_10, mem_off(in->k), 0); break;
		}
		break;
	case BPF_LDX:
		switch (BPF_MODE(code)) {
		case BPF_LEN: load_ctx(c, R_X, SKB_FIELD(len)); break;
		case BPF_IMM: emit(c, BPF_ALU | BPF_MOV | BPF_K, R_X, 0, 0, k); break;
		case BPF_MEM: emit(c, BPF_LDX | BPF_MEM | BPF_W, R_X, BPF_REG_10, mem_off(in->k), 0); break;
		case BPF_MSH:
			/* X = 4 * (P[k] & 0xf); the byte load goes through A, so save A. */
			emit(c, BPF_ALU64 | BPF_MOV | BPF_X, R_TMP, R_A, 0, 0);
			emit(c, BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, k);
			emit(c, BPF_ALU | BPF_AND | BPF_K, R_A, 0, 0, 0xf);
			emit(c, BPF_ALU | BPF_LSH | BPF_K, R_A, 0, 0, 2);
			emit(c, BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
			emit(c, BPF_ALU64 | BPF_MOV | BPF_X, R_A, R_TMP, 0, 0);
			break;
		}
		break;
	case BPF_ST: emit(c, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, R_A, mem_off(in->k), 0); break;
	case BPF_STX: emit(c, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, R_X, mem_off(in->k), 0); break;
	case BPF_MISC:
		if (BPF_MISCOP(code) == BPF_TAX)
			emit(c, BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
		else
			emit(c, BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
		break;
	case BPF_RET:
		if (BPF_RVAL(code) == BPF_K)
			emit(c, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, k);
		emit(c, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		break;
	case BPF_JMP:
		if (BPF_OP(code) == BPF_JA) {
			if (in->k != 0)
				emit_to(c, BPF_JMP | BPF_JA, 0, 0, 0, pc + 1 + in->k);
		} else {
			cond_jump(c, in, pc);
		}
		break;
	}
}

/* The most eBPF slots one classic instruction becomes (LDX MSH). */
#define CONV_MAX_PER_INSN 6

int cbpf_to_ebpf(const struct sock_filter *f, size_t n, struct bpf_insn **out, size_t *nout,
		 struct userbpf_error *err)
{
	struct conv c;
	int ret;

	*out = NULL;
	*nout = 0;
	ret = cbpf_check(f, n, err);
	if (ret)
		return ret;
	memset(&c, 0, sizeof(c));
	c.cap = (uint32_t)n * CONV_MAX_PER_INSN + 4;
	c.out = calloc(c.cap, sizeof(*c.out));
	c.fix = calloc(n * 2, sizeof(*c.fix));
	c.start = calloc(n, sizeof(*c.start));
	if (!c.out || !c.fix || !c.start) {
		ret = err_set(err, -ENOMEM, "cbpf", -1, "out of memory");
		goto out;
	}
	/* Prologue: the context where LD_ABS expects it (R6, as in the kernel), A = X = 0. */
	emit(&c, BPF_ALU64 | BPF_MOV | BPF_X, R_CTX, BPF_REG_1, 0, 0);
	emit(&c, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
	emit(&c, BPF_ALU | BPF_MOV | BPF_K, R_X, 0, 0, 0);
	for (uint32_t pc = 0; pc < n; pc++) {
		c.start[pc] = c.n;
		convert_one(&c, &f[pc], pc);
	}
	for (uint32_t i = 0; i < c.nfix; i++) {
		int64_t rel = (int64_t)c.start[c.fix[i].target] - (int64_t)c.fix[i].at - 1;

		if (rel > INT16_MAX) {
			ret = err_set(err, -E2BIG, "cbpf", (int)c.fix[i].target,
				      "converted jump spans %lld instructions, more than eBPF's %d",
				      (long long)rel, INT16_MAX);
			goto out;
		}
		c.out[c.fix[i].at].off = (int16_t)rel;
	}
	*out = c.out;
	*nout = c.n;
	c.out = NULL;
out:
	free(c.out);
	free(c.fix);
	free(c.start);
	return ret;
}
