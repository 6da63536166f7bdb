/* SPDX-License-Identifier: MIT */
/*
 * interp.c - the classic BPF interpreter: A, X and M[16] over a packet and its struct
 * __sk_buff metadata, with the kernel's results for out-of-range loads (the filter returns 0).
 * It runs programs cbpf_check() accepted; the checker is what makes every jump and M index safe.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cbpf.h"

uint32_t cbpf_random(uint64_t *state)
{
	uint64_t x = *state;

	if (x == 0)
		x = 0x9e3779b97f4a7c15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* Load size bytes big-endian at off; false when outside the captured bytes. */
static bool pkt_load(const struct cbpf_input *in, uint32_t off, uint32_t size, uint32_t *val)
{
	if (off > INT32_MAX || off > in->caplen || in->caplen - off < size)
		return false;
	const uint8_t *p = in->data + off;
	uint32_t v = 0;
	for (uint32_t i = 0; i < size; i++)
		v = v << 8 | p[i];
	*val = v;
	return true;
}

static uint32_t ancillary(const struct cbpf_input *in, uint32_t k, uint32_t a, uint32_t x)
{
	const struct __sk_buff *skb = in->skb;

	switch (k - (uint32_t)SKF_AD_OFF) {
	case SKF_AD_PROTOCOL: return ntohs((uint16_t)skb->protocol);
	case SKF_AD_PKTTYPE: return skb->pkt_type;
	case SKF_AD_IFINDEX: return skb->ifindex;
	case SKF_AD_MARK: return skb->mark;
	case SKF_AD_QUEUE: return skb->queue_mapping;
	case SKF_AD_RXHASH: return skb->hash;
	case SKF_AD_CPU: return 0;
	case SKF_AD_ALU_XOR_X: return a ^ x;
	case SKF_AD_VLAN_TAG: return skb->vlan_tci;
	case SKF_AD_VLAN_TAG_PRESENT: return skb->vlan_present;
	case SKF_AD_RANDOM: return in->rand_state ? cbpf_random(in->rand_state) : 0;
	case SKF_AD_VLAN_TPID: return ntohs((uint16_t)skb->vlan_proto);
	default: return 0; /* rejected by cbpf_check() */
	}
}

static uint32_t size_of(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W: return 4;
	case BPF_H: return 2;
	default: return 1;
	}
}

uint32_t cbpf_run(const struct sock_filter *f, size_t n, const struct cbpf_input *in)
{
	uint32_t a = 0, x = 0, mem[CBPF_MEMWORDS];
	uint32_t v;

	memset(mem, 0, sizeof(mem));
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *ins = &f[pc];
		uint32_t k = ins->k;

		switch (ins->code) {
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			if (cbpf_is_ancillary(k)) {
				a = ancillary(in, k, a, x);
				break;
			}
			if (!pkt_load(in, k, size_of(ins->code), &a))
				return 0;
			break;
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			if (!pkt_load(in, x + k, size_of(ins->code), &a))
				return 0;
			break;
		case BPF_LD | BPF_W | BPF_LEN: a = in->skb->len; break;
		case BPF_LDX | BPF_W | BPF_LEN: x = in->skb->len; break;
		case BPF_LD | BPF_IMM: a = k; break;
		case BPF_LDX | BPF_IMM: x = k; break;
		case BPF_LD | BPF_MEM: a = mem[k]; break;
		case BPF_LDX | BPF_MEM: x = mem[k]; break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (!pkt_load(in, k, 1, &v))
				return 0;
			x = (v & 0xf) << 2;
			break;
		case BPF_ST: mem[k] = a; break;
		case BPF_STX: mem[k] = x; break;
		case BPF_ALU | BPF_ADD | BPF_K: a += k; break;
		case BPF_ALU | BPF_ADD | BPF_X: a += x; break;
		case BPF_ALU | BPF_SUB | BPF_K: a -= k; break;
		case BPF_ALU | BPF_SUB | BPF_X: a -= x; break;
		case BPF_ALU | BPF_MUL | BPF_K: a *= k; break;
		case BPF_ALU | BPF_MUL | BPF_X: a *= x; break;
		case BPF_ALU | BPF_DIV | BPF_K: a /= k; break; /* k != 0: checked */
		case BPF_ALU | BPF_DIV | BPF_X:
			if (x == 0)
				return 0;
			a /= x;
			break;
		case BPF_ALU | BPF_MOD | BPF_K: a %= k; break;
		case BPF_ALU | BPF_MOD | BPF_X:
			if (x == 0)
				return 0;
			a %= x;
			break;
		case BPF_ALU | BPF_AND | BPF_K: a &= k; break;
		case BPF_ALU | BPF_AND | BPF_X: a &= x; break;
		case BPF_ALU | BPF_OR | BPF_K: a |= k; break;
		case BPF_ALU | BPF_OR | BPF_X: a |= x; break;
		case BPF_ALU | BPF_XOR | BPF_K: a ^= k; break;
		case BPF_ALU | BPF_XOR | BPF_X: a ^= x; break;
		case BPF_ALU | BPF_LSH | BPF_K: a <<= k; break; /* k < 32: checked */
		case BPF_ALU | BPF_LSH | BPF_X: a <<= (x & 31); break;
		case BPF_ALU | BPF_RSH | BPF_K: a >>= k; break;
		case BPF_ALU | BPF_RSH | BPF_X: a >>= (x & 31); break;
		case BPF_ALU | BPF_NEG: a = 0u - a; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_RET | BPF_K: return k;
		case BPF_RET | BPF_A: return a;
		case BPF_JMP | BPF_JA: pc += k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == k ? ins->jt : ins->jf; break;
		case BPF_JMP | BPF_JEQ | BPF_X: pc += a == x ? ins->jt : ins->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > k ? ins->jt : ins->jf; break;
		case BPF_JMP | BPF_JGT | BPF_X: pc += a > x ? ins->jt : ins->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= k ? ins->jt : ins->jf; break;
		case BPF_JMP | BPF_JGE | BPF_X: pc += a >= x ? ins->jt : ins->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & k) ? ins->jt : ins->jf; break;
		case BPF_JMP | BPF_JSET | BPF_X: pc += (a & x) ? ins->jt : ins->jf; break;
		default: return 0; /* rejected by cbpf_check() */
		}
	}
	return 0; /* unreachable for a checked program: it ends in RET */
}
