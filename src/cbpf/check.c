/* SPDX-License-Identifier: MIT */
/*
 * check.c - the classic BPF checker: the rules the kernel applies before it attaches a socket
 * filter, each failure worded with the instruction index. Also the ancillary-load table.
 */
#include <errno.h>
#include <string.h>

#include "cbpf.h"

/* Ancillary offsets (k - SKF_AD_OFF) with their `tcpdump -d` names; supported here or not. */
struct cbpf_anc {
	uint32_t off;
	const char *name;
	bool supported;
};

static const struct cbpf_anc cbpf_ancs[] = {
	{ SKF_AD_PROTOCOL, "proto", true },
	{ SKF_AD_PKTTYPE, "type", true },
	{ SKF_AD_IFINDEX, "ifidx", true },
	{ SKF_AD_NLATTR, "nla", false },
	{ SKF_AD_NLATTR_NEST, "nlan", false },
	{ SKF_AD_MARK, "mark", true },
	{ SKF_AD_QUEUE, "queue", true },
	{ SKF_AD_HATYPE, "hatype", false },
	{ SKF_AD_RXHASH, "rxhash", true },
	{ SKF_AD_CPU, "cpu", true },
	{ SKF_AD_ALU_XOR_X, "xor_x", true },
	{ SKF_AD_VLAN_TAG, "vlan_tci", true },
	{ SKF_AD_VLAN_TAG_PRESENT, "vlanp", true },
	{ SKF_AD_PAY_OFFSET, "poff", false },
	{ SKF_AD_RANDOM, "random", true },
	{ SKF_AD_VLAN_TPID, "vlan_tpid", true },
};

static const struct cbpf_anc *anc_find(uint32_t k)
{
	uint32_t base = (uint32_t)SKF_AD_OFF;

	if (k < base)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(cbpf_ancs); i++)
		if (k - base == cbpf_ancs[i].off)
			return &cbpf_ancs[i];
	return NULL;
}

bool cbpf_is_ancillary(uint32_t k)
{
	return k >= (uint32_t)SKF_AD_OFF;
}

const char *cbpf_ancillary_name(uint32_t k)
{
	const struct cbpf_anc *a = anc_find(k);

	return a ? a->name : NULL;
}

/* Every opcode the kernel accepts in a classic filter (its size bits included). */
static bool code_known(uint16_t code)
{
	switch (code) {
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_W | BPF_LEN: case BPF_LD | BPF_IMM: case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN: case BPF_LDX | BPF_B | BPF_MSH: case BPF_LDX | BPF_IMM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST: case BPF_STX:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

#define CHK_ERR(code, pc, ...) err_set(err, code, "cbpf", (int)(pc), __VA_ARGS__)

/* Per-instruction rules that need no flow information. */
static int check_insn(const struct sock_filter *f, size_t n, size_t pc, struct userbpf_error *err)
{
	const struct sock_filter *in = &f[pc];
	uint16_t code = in->code;

	if (!code_known(code))
		return CHK_ERR(-EINVAL, pc, "unknown opcode 0x%02x", code);
	switch (code) {
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
		if (in->k == 0)
			return CHK_ERR(-EINVAL, pc, "%s by constant zero",
				       BPF_OP(code) == BPF_DIV ? "division" : "modulo");
		break;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		if (in->k >= 32)
			return CHK_ERR(-EINVAL, pc, "shift by %u, must be below 32", in->k);
		break;
	case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
		if (in->k >= CBPF_MEMWORDS)
			return CHK_ERR(-EINVAL, pc, "scratch memory M[%u] out of range (M[0..%d])",
				       in->k, CBPF_MEMWORDS - 1);
		break;
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
		if (cbpf_is_ancillary(in->k)) {
			const struct cbpf_anc *a = anc_find(in->k);

			if (!a)
				return CHK_ERR(-EINVAL, pc, "unknown ancillary load SKF_AD_OFF+%u",
					       in->k - (uint32_t)SKF_AD_OFF);
			if (!a->supported)
				return CHK_ERR(-ENOTSUP, pc,
					       "ancillary load [%s] needs kernel objects, not supported",
					       a->name);
		}
		break;
	case BPF_JMP | BPF_JA:
		/* The target pc + 1 + k must be an instruction: k < n - pc - 1. */
		if (in->k >= n - pc - 1) {
			int64_t target = (int64_t)pc + 1 + (int32_t)in->k;

			if ((int32_t)in->k < 0)
				return CHK_ERR(-EINVAL, pc,
					       "backward jump: ja %d to insn %lld (jumps go forward only)",
					       (int32_t)in->k, (long long)target);
			return CHK_ERR(-EINVAL, pc, "jump out of range: ja +%u to insn %lld, program has %zu insns",
				       in->k, (long long)target, n);
		}
		break;
	default:
		if (BPF_CLASS(code) == BPF_JMP) {
			if (pc + 1 + in->jt >= n || pc + 1 + in->jf >= n)
				return CHK_ERR(-EINVAL, pc,
					       "jump out of range: jt to insn %zu, jf to insn %zu, program has %zu insns",
					       pc + 1 + in->jt, pc + 1 + in->jf, n);
		}
		break;
	}
	return 0;
}

/*
 * M[k] must be written on every path before it is read. Jumps only go forward, so one pass in
 * program order sees every predecessor of an instruction before the instruction itself:
 * in_set[pc] is the AND of the sets jumps carry into pc, and `cur` the set falling through.
 * The kernel's exact rule, which the tests check against the running kernel: after a jump
 * (nothing falls through) `cur` restarts as all ones, so code only reached by a jump is judged
 * by what the jumps carry; after a RET it does not restart, so the words written before the
 * RET still count for the (unreachable) code that follows it.
 */
static int check_scratch(const struct sock_filter *f, size_t n, struct userbpf_error *err)
{
	uint16_t in_set[CBPF_MAX_INSNS];
	const uint16_t all = 0xffff;

	for (size_t i = 0; i < n; i++)
		in_set[i] = all;
	uint16_t cur = 0; /* written words on the fall-through path into pc */
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *in = &f[pc];

		cur &= in_set[pc];
		switch (in->code) {
		case BPF_ST:
		case BPF_STX:
			cur |= (uint16_t)(1u << in->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(cur & (1u << in->k)))
				return CHK_ERR(-EINVAL, pc, "scratch memory M[%u] read before it is written",
					       in->k);
			break;
		case BPF_JMP | BPF_JA:
			in_set[pc + 1 + in->k] &= cur;
			cur = all;
			break;
		default:
			if (BPF_CLASS(in->code) == BPF_JMP) {
				in_set[pc + 1 + in->jt] &= cur;
				in_set[pc + 1 + in->jf] &= cur;
				cur = all;
			}
			break;
		}
	}
	return 0;
}

int cbpf_check(const struct sock_filter *f, size_t n, struct userbpf_error *err)
{
	if (n == 0)
		return CHK_ERR(-EINVAL, -1, "empty program");
	if (n > CBPF_MAX_INSNS)
		return CHK_ERR(-EINVAL, -1, "program too large: %zu insns, at most %d", n,
			       CBPF_MAX_INSNS);
	if (!f)
		return CHK_ERR(-EINVAL, -1, "no instructions");
	for (size_t pc = 0; pc < n; pc++) {
		int ret = check_insn(f, n, pc, err);

		if (ret)
			return ret;
	}
	uint16_t last = f[n - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return CHK_ERR(-EINVAL, n - 1, "last instruction must be ret, not opcode 0x%02x",
			       last);
	return check_scratch(f, n, err);
}
