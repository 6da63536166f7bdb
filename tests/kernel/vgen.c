/* SPDX-License-Identifier: MIT */
/*
 * vgen.c - programs for the verifier-differential test (tests/tools/vdiff.c): unlike gen.c,
 * whose programs pass the verifier by construction, these sit on both sides of the line.
 * Each program comes from one family (issue 4's test list) with random parameters, and
 * families put their accesses, checks and offsets near the boundary the verifier must find
 * (an access one byte past a proven packet range, a null check on a copy or after moving the
 * pointer, a mask one bit too wide); a quarter of the programs then get one random mutation
 * (an offset, a size, a register, a jump, an immediate changed). Every program is a function
 * of its seed.
 *
 * Maps: programs refer to the maps of vgen_maps[] through ld_imm64 with BPF_PSEUDO_MAP_IDX
 * (imm = index in that pool) or BPF_PSEUDO_MAP_IDX_VALUE, as the kernel's fd_array does.
 * Test-side code: #include it from a tool, after <linux/bpf.h>.
 */
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif

#define VGEN_MAX_INSNS 512

/* The map pool every program may use (created once by the harness, in this order). */
struct vgen_map {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
};

enum { VM_ARRAY, VM_HASH, VM_RDONLY, VM_RINGBUF, VM_LRU, VM_BIG, VM_COUNT };

static const struct vgen_map vgen_maps[VM_COUNT] = {
	[VM_ARRAY] = {"array", BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0},
	[VM_HASH] = {"hash", BPF_MAP_TYPE_HASH, 4, 16, 16, 0},
	[VM_RDONLY] = {"rdonly", BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG},
	[VM_RINGBUF] = {"ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0},
	[VM_LRU] = {"lru", BPF_MAP_TYPE_LRU_HASH, 8, 32, 8, 0},
	[VM_BIG] = {"big", BPF_MAP_TYPE_ARRAY, 4, 64, 2, 0},
};

enum vgen_family {
	VF_STACK,  /* stores, loads, spills and fills, uninitialised and misaligned reads */
	VF_CTX,    /* ctx field loads and stores, valid and invalid */
	VF_PKT,    /* packet pointers with and without data + N > data_end checks */
	VF_MAP,    /* map lookups with and without null checks, values in and out of bounds */
	VF_RINGBUF, /* reserve / submit / discard: references and leaks */
	VF_LOOP,   /* bounded and unbounded loops */
	VF_BOUNDS, /* 32- and 64-bit arithmetic on a scalar, then used as an offset */
	VF_CALLS,  /* bpf-to-bpf calls: frames, stack pointers, clobbered registers, depth */
	VF_PTR,    /* pointer arithmetic edge cases */
	VF_COUNT,
};

static const char *const vgen_family_names[VF_COUNT] = {
	"stack", "ctx", "pkt", "map", "ringbuf", "loop", "bounds", "calls", "ptr",
};

struct vgen_prog {
	struct bpf_insn insns[VGEN_MAX_INSNS];
	size_t n;
	uint32_t prog_type; /* BPF_PROG_TYPE_SOCKET_FILTER, _SCHED_CLS or _XDP */
	enum vgen_family family;
	bool mutated;
	bool overflow; /* ran out of room: the program is cut (and still loaded) */
};

struct vgen {
	uint64_t rng;
	struct vgen_prog *p;
};

static uint64_t vgen_next(struct vgen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t vgen_below(struct vgen *g, uint32_t n)
{
	return (uint32_t)(vgen_next(g) % n);
}

static bool vgen_chance(struct vgen *g, uint32_t percent)
{
	return vgen_below(g, 100) < percent;
}

#define ARRAY_LEN(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static int32_t vgen_pick(struct vgen *g, const int32_t *v, size_t n)
{
	return v[vgen_below(g, (uint32_t)n)];
}
#define VGEN_PICK(g, ...) \
	vgen_pick(g, (const int32_t[]){__VA_ARGS__}, sizeof((const int32_t[]){__VA_ARGS__}) / 4)

/* ---- emission ---- */

static size_t vgen_emit(struct vgen *g, uint8_t code, int dst, int src, int off, int32_t imm)
{
	struct vgen_prog *p = g->p;

	if (p->n >= VGEN_MAX_INSNS - 4) {
		p->overflow = true;
		return p->n - 1;
	}
	p->insns[p->n] = (struct bpf_insn){.code = code, .dst_reg = (uint8_t)dst,
					   .src_reg = (uint8_t)src, .off = (int16_t)off, .imm = imm};
	return p->n++;
}

static const uint8_t vgen_sizes[4] = {BPF_B, BPF_H, BPF_W, BPF_DW};
static int vgen_size_code(int bytes)
{
	return bytes == 1 ? BPF_B : bytes == 2 ? BPF_H : bytes == 4 ? BPF_W : BPF_DW;
}

#define MOVK(d, k) vgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOVX(d, s) vgen_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALUK(op, d, k) vgen_emit(g, BPF_ALU64 | (op) | BPF_K, d, 0, 0, k)
#define ALUX(op, d, s) vgen_emit(g, BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32K(op, d, k) vgen_emit(g, BPF_ALU | (op) | BPF_K, d, 0, 0, k)
#define ALU32X(op, d, s) vgen_emit(g, BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define LDX(bytes, d, s, off) vgen_emit(g, BPF_LDX | BPF_MEM | vgen_size_code(bytes), d, s, off, 0)
#define STX(bytes, d, s, off) vgen_emit(g, BPF_STX | BPF_MEM | vgen_size_code(bytes), d, s, off, 0)
#define ST(bytes, d, off, k) vgen_emit(g, BPF_ST | BPF_MEM | vgen_size_code(bytes), d, 0, off, k)
#define JK(op, d, k) vgen_emit(g, BPF_JMP | (op) | BPF_K, d, 0, 0, k)
#define JX(op, d, s) vgen_emit(g, BPF_JMP | (op) | BPF_X, d, s, 0, 0)
#define J32K(op, d, k) vgen_emit(g, BPF_JMP32 | (op) | BPF_K, d, 0, 0, k)
#define JA() vgen_emit(g, BPF_JMP | BPF_JA, 0, 0, 0, 0)
#define CALL(id) vgen_emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL() vgen_emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0)
#define EXIT() vgen_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static void vgen_lddw(struct vgen *g, int dst, int src, uint32_t lo, uint32_t hi)
{
	vgen_emit(g, BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (int32_t)lo);
	vgen_emit(g, 0, 0, 0, 0, (int32_t)hi);
}
#define LD_MAP(d, idx) vgen_lddw(g, d, BPF_PSEUDO_MAP_IDX, idx, 0)
#define LD_MAP_VALUE(d, idx, off) vgen_lddw(g, d, BPF_PSEUDO_MAP_IDX_VALUE, idx, off)

/* Point the jump (or local call) at slot j to the next slot. */
static void vgen_land(struct vgen *g, size_t j)
{
	struct bpf_insn *in = &g->p->insns[j];
	int32_t d = (int32_t)g->p->n - (int32_t)j - 1;

	if (j >= g->p->n)
		return;
	if (BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) == BPF_CALL)
		in->imm = d;
	else
		in->off = (int16_t)d;
}

/* Point the jump at slot j back to slot target. */
static void vgen_back(struct vgen *g, size_t j, size_t target)
{
	g->p->insns[j].off = (int16_t)((int32_t)target - (int32_t)j - 1);
}

/* "r0 = K; exit" */
static void vgen_ret(struct vgen *g)
{
	MOVK(0, g->p->prog_type == BPF_PROG_TYPE_XDP ? 2 : (int32_t)vgen_below(g, 2));
	EXIT();
}

/* ---- context offsets ---- */

static bool vgen_skb(const struct vgen_prog *p)
{
	return p->prog_type != BPF_PROG_TYPE_XDP;
}

static int vgen_off_data(const struct vgen_prog *p)
{
	return vgen_skb(p) ? (int)offsetof(struct __sk_buff, data) : (int)offsetof(struct xdp_md, data);
}

static int vgen_off_data_end(const struct vgen_prog *p)
{
	return vgen_skb(p) ? (int)offsetof(struct __sk_buff, data_end)
			   : (int)offsetof(struct xdp_md, data_end);
}

static int vgen_off_data_meta(const struct vgen_prog *p)
{
	return vgen_skb(p) ? (int)offsetof(struct __sk_buff, data_meta)
			   : (int)offsetof(struct xdp_md, data_meta);
}

/* A u32 scalar field every type can read: skb->len, xdp_md->rx_queue_index. */
static int vgen_off_scalar(const struct vgen_prog *p)
{
	return vgen_skb(p) ? (int)offsetof(struct __sk_buff, len)
			   : (int)offsetof(struct xdp_md, rx_queue_index);
}

/* Load an unknown u32 into reg (r1 must still be ctx). */
static void vgen_unknown(struct vgen *g, int reg)
{
	LDX(4, reg, 1, vgen_off_scalar(g->p));
}

/* ---- families ---- */

static void vgen_stack(struct vgen *g)
{
	int nw = (int)vgen_below(g, 5), nr = 1 + (int)vgen_below(g, 3);

	for (int i = 0; i < nw; i++) {
		int bytes = 1 << vgen_below(g, 4);
		int off = -bytes * (1 + (int)vgen_below(g, 16 / bytes + 2));

		if (vgen_chance(g, 6))
			off += VGEN_PICK(g, 1, 2, 3, 4, -1, -4);
		if (vgen_chance(g, 3))
			off = VGEN_PICK(g, -520, -516, 0, 8, -513);
		if (vgen_chance(g, 50)) {
			MOVK(2, (int32_t)vgen_below(g, 100));
			STX(bytes, 10, 2, off);
		} else {
			ST(bytes, 10, off, (int32_t)vgen_below(g, 100));
		}
	}
	if (vgen_chance(g, 35)) {
		/* spill the ctx pointer, fill it back (maybe narrower, maybe from elsewhere) and
		 * read a ctx field through it */
		int off = -8 * (1 + (int)vgen_below(g, 4));
		int fill = vgen_chance(g, 80) ? 8 : VGEN_PICK(g, 4, 2, 1);
		int foff = vgen_chance(g, 85) ? off : off + VGEN_PICK(g, -8, 4, 8);

		STX(8, 10, 1, off);
		if (vgen_chance(g, 15))
			ST(VGEN_PICK(g, 1, 4), 10, off + VGEN_PICK(g, 0, 4), 0); /* corrupt it */
		LDX(fill, 6, 10, foff);
		LDX(4, 0, 6, vgen_off_scalar(g->p));
	}
	for (int i = 0; i < nr; i++) {
		int bytes = 1 << vgen_below(g, 4);
		int off = -bytes * (1 + (int)vgen_below(g, 16 / bytes + 2));

		if (vgen_chance(g, 6))
			off += VGEN_PICK(g, 1, 2, 4, -2);
		LDX(bytes, (int)vgen_below(g, 6), 10, off);
	}
	if (vgen_chance(g, 30)) {
		/* variable-offset stack read: fp - 32 + (unknown & mask) */
		int32_t mask = VGEN_PICK(g, 7, 15, 24, 31, 63, -1);

		if (vgen_chance(g, 70))
			for (int off = -32; off < 0; off += 8)
				ST(8, 10, off, 0);
		vgen_unknown(g, 5);
		if (mask != -1)
			ALUK(BPF_AND, 5, mask);
		MOVX(4, 10);
		ALUK(BPF_ADD, 4, -32);
		ALUX(BPF_ADD, 4, 5);
		LDX(VGEN_PICK(g, 1, 1, 8), 0, 4, 0);
	}
	vgen_ret(g);
}

static void vgen_ctx(struct vgen *g)
{
	int n = 1 + (int)vgen_below(g, 3);
	int limit = vgen_skb(g->p) ? (int)sizeof(struct __sk_buff) : (int)sizeof(struct xdp_md);

	if (vgen_chance(g, 8)) {
		int d = VGEN_PICK(g, 4, 8, -4);

		ALUK(BPF_ADD, 1, d); /* a moved ctx pointer may not be dereferenced */
		LDX(4, 0, 1, -d);
		vgen_ret(g);
		return;
	}
	MOVK(2, (int32_t)vgen_below(g, 3));
	for (int i = 0; i < n; i++) {
		int bytes = 1 << vgen_below(g, 4);
		int off = vgen_chance(g, 80) ? (int)vgen_below(g, (uint32_t)limit / 4) * 4
					     : (int)vgen_below(g, (uint32_t)limit + 16) - 8;
		uint32_t how = vgen_below(g, 100);

		if (vgen_chance(g, 55)) {
			/* a field every program of the type may read, whole or in parts */
			static const int16_t skb_ro[] = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44,
							 48, 52, 56, 60, 64, 68, 84, 164, 176};
			static const int16_t xdp_ro[] = {0, 4, 8, 12, 16};

			off = vgen_skb(g->p) ? skb_ro[vgen_below(g, ARRAY_LEN(skb_ro))]
					     : xdp_ro[vgen_below(g, ARRAY_LEN(xdp_ro))];
			bytes = vgen_chance(g, 70) ? 4 : VGEN_PICK(g, 1, 2);
			how = vgen_below(g, 80);
		}
		if (vgen_chance(g, 60))
			off -= off % bytes; /* mostly aligned */
		if (how < 70) {
			LDX(bytes, 3 + (int)vgen_below(g, 3), 1, off);
		} else if (how < 90) {
			STX(bytes, 1, 2, off);
		} else if (how < 95) {
			ST(bytes, 1, off, 1);
		} else {
			vgen_emit(g, BPF_STX | BPF_ATOMIC | (bytes == 8 ? BPF_DW : BPF_W), 1, 2, off & ~3,
				  BPF_ADD);
		}
	}
	if (vgen_chance(g, 20)) {
		/* use what was loaded as a pointer: fine only for packet/socket kinds after checks */
		LDX(1, 0, 3 + (int)vgen_below(g, 3), 0);
	}
	vgen_ret(g);
}

/* The packet check at the heart of VF_PKT: r4 = start + n; branch to `out` unless in bounds.
 * Returns the slot of the jump to patch, or (size_t)-1 when the form has no check. */
static size_t vgen_pkt_check(struct vgen *g, int start, int end, int n, bool *sound)
{
	size_t j;
	uint32_t form = vgen_below(g, 100);

	MOVX(4, start);
	ALUK(BPF_ADD, 4, n);
	*sound = true;
	if (form < 30)
		return JX(BPF_JGT, 4, end); /* if r4 > end goto out */
	if (form < 50)
		return JX(BPF_JLT, end, 4); /* if end < r4 goto out */
	if (form < 62) {
		/* if r4 <= end goto in; goto out; in: */
		j = JX(BPF_JLE, 4, end);
		size_t out = JA();
		vgen_land(g, j);
		return out;
	}
	if (form < 72) {
		j = JX(BPF_JGE, end, 4);
		size_t out = JA();
		vgen_land(g, j);
		return out;
	}
	*sound = false;
	if (form < 80)
		return JX(BPF_JGE, 4, end); /* off by one in the safe direction: still fine */
	if (form < 86)
		return vgen_emit(g, BPF_JMP32 | BPF_JGT | BPF_X, 4, end, 0, 0); /* 32-bit compare */
	if (form < 92)
		return JX(BPF_JGT, 4, start); /* compared with the wrong register */
	if (form < 96)
		return JX(BPF_JSGT, 4, end); /* signed compare of pointers */
	return (size_t)-1;
}

static void vgen_pkt(struct vgen *g)
{
	struct vgen_prog *p = g->p;
	bool meta = vgen_chance(g, 12), sound;
	int n = VGEN_PICK(g, 1, 2, 4, 8, 14, 20, 34, 54) + (vgen_chance(g, 20) ? (int)vgen_below(g, 8) : 0);
	size_t jout[4];
	int nout = 0;

	if (meta) {
		LDX(4, 2, 1, vgen_off_data_meta(p));
		LDX(4, 3, 1, vgen_off_data(p));
	} else {
		LDX(4, 2, 1, vgen_off_data(p));
		LDX(4, 3, 1, vgen_off_data_end(p));
	}
	jout[nout] = vgen_pkt_check(g, 2, 3, n, &sound);
	if (jout[nout] != (size_t)-1)
		nout++;
	for (int i = 1 + (int)vgen_below(g, 3); i > 0; i--) {
		int bytes = 1 << vgen_below(g, 4);
		int lim = n - bytes; /* the last in-bounds offset */
		int off = lim > 0 ? (int)vgen_below(g, (uint32_t)lim + 1) : 0;

		if (vgen_chance(g, 15))
			off = lim + 1; /* one byte too far */
		if (vgen_chance(g, 5))
			off = VGEN_PICK(g, -1, -2, n);
		if (vgen_chance(g, 15)) {
			/* through the end pointer r4, backwards */
			LDX(bytes, 0, 4, off - n);
		} else if (vgen_chance(g, 25)) {
			MOVK(5, 7);
			STX(bytes, 2, 5, off);
		} else {
			LDX(bytes, 0, 2, off);
		}
	}
	if (vgen_chance(g, 35) && n >= 1) {
		/* a variable offset: a byte of the packet, maybe masked, added to the start; then
		 * the range must be proven again */
		LDX(1, 5, 2, 0);
		if (vgen_chance(g, 60))
			ALUK(BPF_AND, 5, VGEN_PICK(g, 7, 15, 63, 255));
		if (vgen_chance(g, 10))
			ALUK(BPF_LSH, 5, VGEN_PICK(g, 8, 24, 32));
		ALUX(BPF_ADD, 2, 5);
		if (vgen_chance(g, 80)) {
			int m = VGEN_PICK(g, 1, 2, 4, 8);

			jout[nout] = vgen_pkt_check(g, 2, 3, m, &sound);
			if (jout[nout] != (size_t)-1)
				nout++;
			LDX(m == 8 && vgen_chance(g, 80) ? 8 : 1 << vgen_below(g, 3), 0, 2,
			    vgen_chance(g, 90) ? 0 : 1);
		} else {
			LDX(1, 0, 2, 0);
		}
	}
	(void)sound;
	for (int i = 0; i < nout; i++)
		vgen_land(g, jout[i]);
	vgen_ret(g);
}

/* Key (and value) on the stack, lookup in map m, r0 = value or NULL. Leaves the value size in
 * *vs. Keys: usually written, sometimes not (a helper may not read uninitialised stack). */
static void vgen_lookup(struct vgen *g, int m)
{
	const struct vgen_map *mp = &vgen_maps[m];
	int ks = mp->key_size ? (int)mp->key_size : 4;

	if (vgen_chance(g, 92)) {
		if (ks == 8)
			ST(8, 10, -8, (int32_t)vgen_below(g, 4));
		else
			ST(4, 10, -8, (int32_t)vgen_below(g, 4));
	}
	MOVX(2, 10);
	ALUK(BPF_ADD, 2, vgen_chance(g, 95) ? -8 : VGEN_PICK(g, -4, -2, 0));
	LD_MAP(1, (uint32_t)m);
	CALL(BPF_FUNC_map_lookup_elem);
}

static void vgen_map(struct vgen *g)
{
	int m = VGEN_PICK(g, VM_ARRAY, VM_HASH, VM_RDONLY, VM_LRU, VM_BIG, VM_BIG);
	int vs = (int)vgen_maps[m].value_size;
	size_t jnull = (size_t)-1;
	uint32_t check = vgen_below(g, 100);
	int ptr = 0;

	if (vgen_chance(g, 10)) {
		/* a direct value reference (arrays only) */
		LD_MAP_VALUE(0, (uint32_t)m,
			     vgen_chance(g, 85) ? vgen_below(g, (uint32_t)vs) : (uint32_t)vs);
		LDX(VGEN_PICK(g, 1, 4, 8), 3, 0, VGEN_PICK(g, 0, 0, 4, 8));
		vgen_ret(g);
		return;
	}
	if (vgen_chance(g, 3)) {
		/* a map type the helper does not take */
		ST(4, 10, -8, 0);
		MOVX(2, 10);
		ALUK(BPF_ADD, 2, -8);
		LD_MAP(1, (uint32_t)VM_RINGBUF);
		CALL(BPF_FUNC_map_lookup_elem);
	} else {
		vgen_lookup(g, m);
	}
	if (check < 55) {
		jnull = JK(BPF_JEQ, 0, 0);
	} else if (check < 70) {
		MOVX(6, 0);
		jnull = JK(BPF_JEQ, 6, 0); /* the copy shares the id */
	} else if (check < 78) {
		size_t j = JK(BPF_JNE, 0, 0);

		jnull = JA();
		vgen_land(g, j);
	} else if (check < 84) {
		ALUK(BPF_ADD, 0, 4); /* arithmetic before the null check */
		jnull = JK(BPF_JEQ, 0, 0);
	} else if (check < 90) {
		jnull = J32K(BPF_JEQ, 0, 0); /* a 32-bit null check */
	} else if (check < 95) {
		jnull = JK(BPF_JEQ, 0, VGEN_PICK(g, 1, 8)); /* compared with something else */
	}
	/* else: no null check at all */
	for (int i = 1 + (int)vgen_below(g, 2); i > 0; i--) {
		int bytes = 1 << vgen_below(g, 4);
		int off = (int)vgen_below(g, (uint32_t)(vs + 4)) - 2;

		if (vgen_chance(g, 50))
			off -= ((off % bytes) + bytes) % bytes;
		if (vgen_chance(g, 30)) {
			MOVK(3, 1);
			STX(bytes, ptr, 3, off);
		} else {
			LDX(bytes, 3, ptr, off);
		}
	}
	if (vgen_chance(g, 40)) {
		/* variable offset from the value itself, bounded or not */
		uint32_t how = vgen_below(g, 100);

		LDX(4, 5, 0, 0);
		if (how < 40) {
			ALUK(BPF_AND, 5, VGEN_PICK(g, 3, 7, 15, 31, 63, 127));
		} else if (how < 65) {
			size_t j = JK(VGEN_PICK(g, BPF_JGT, BPF_JGE, BPF_JSGT), 5,
				      VGEN_PICK(g, 7, 15, 56, 60, 63, 64));
			size_t j2 = (size_t)-1;

			if (vgen_chance(g, 50))
				j2 = JK(BPF_JSLT, 5, 0);
			ALUX(BPF_ADD, 0, 5);
			LDX(VGEN_PICK(g, 1, 4, 8), 3, 0, 0);
			vgen_land(g, j);
			if (j2 != (size_t)-1)
				vgen_land(g, j2);
			goto done;
		} else if (how < 80) {
			ALU32K(BPF_AND, 5, VGEN_PICK(g, 7, 15, 63));
		}
		ALUX(BPF_ADD, 0, 5);
		LDX(VGEN_PICK(g, 1, 1, 4, 8), 3, 0, VGEN_PICK(g, 0, 0, 0, 1, 8));
	}
	if (vgen_chance(g, 20)) {
		/* update with a value from the stack (initialised or not) */
		if (vgen_chance(g, 85))
			for (int off = -8 - ((vs + 7) & ~7); off < -8; off += 8)
				ST(8, 10, off, 0);
		LD_MAP(1, (uint32_t)m);
		MOVX(2, 10);
		ALUK(BPF_ADD, 2, -8);
		MOVX(3, 10);
		ALUK(BPF_ADD, 3, -8 - ((vs + 7) & ~7));
		MOVK(4, 0);
		CALL(BPF_FUNC_map_update_elem);
	}
done:
	if (jnull != (size_t)-1)
		vgen_land(g, jnull);
	vgen_ret(g);
}

static void vgen_ringbuf(struct vgen *g)
{
	int size = VGEN_PICK(g, 8, 16, 64, 4);
	uint32_t end = vgen_below(g, 100);
	size_t jnull = (size_t)-1;

	LD_MAP(1, vgen_chance(g, 95) ? VM_RINGBUF : VM_ARRAY);
	if (vgen_chance(g, 90)) {
		MOVK(2, size);
	} else {
		vgen_emit(g, BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0); /* r1 is the map: invalid */
	}
	MOVK(3, 0);
	CALL(BPF_FUNC_ringbuf_reserve);
	if (vgen_chance(g, 88))
		jnull = JK(BPF_JEQ, 0, 0);
	MOVX(6, 0);
	if (vgen_chance(g, 80)) {
		int bytes = 1 << vgen_below(g, 4);
		int off = (int)vgen_below(g, (uint32_t)size + 2);

		off -= off % bytes;
		MOVK(3, 5);
		STX(bytes, 6, 3, off);
	}
	if (end < 45) {
		MOVX(1, 6);
		MOVK(2, 0);
		CALL(BPF_FUNC_ringbuf_submit);
	} else if (end < 75) {
		MOVX(1, 6);
		MOVK(2, 0);
		CALL(BPF_FUNC_ringbuf_discard);
	} else if (end < 83) {
		/* leak: nothing released */
	} else if (end < 90) {
		MOVX(1, 6);
		ALUK(BPF_ADD, 1, 8); /* released through a moved pointer */
		MOVK(2, 0);
		CALL(BPF_FUNC_ringbuf_submit);
	} else {
		MOVX(1, 6);
		MOVK(2, 0);
		CALL(BPF_FUNC_ringbuf_submit);
		MOVX(1, 6); /* use after release */
		if (vgen_chance(g, 50)) {
			MOVK(2, 0);
			CALL(BPF_FUNC_ringbuf_discard);
		} else {
			LDX(1, 0, 1, 0);
		}
	}
	if (jnull != (size_t)-1)
		vgen_land(g, jnull);
	vgen_ret(g);
}

static void vgen_loop(struct vgen *g)
{
	uint32_t kind = vgen_below(g, 100);
	int bound = VGEN_PICK(g, 2, 4, 10, 16, 33, 64);
	int step = VGEN_PICK(g, 1, 1, 1, 2, 3);
	size_t top, j;

	if (kind < 4) {
		/* a state that never changes: "infinite loop detected" */
		MOVK(6, 0);
		top = g->p->n;
		ALUK(BPF_ADD, 6, 0);
		j = JK(BPF_JEQ, 6, 0);
		vgen_back(g, j, top);
		vgen_ret(g);
		return;
	}
	if (kind < 6) {
		vgen_unknown(g, 6);
		top = g->p->n;
		j = JK(BPF_JA, 0, 0);
		vgen_back(g, j, top); /* goto self */
		vgen_ret(g);
		return;
	}
	MOVK(7, 0);
	if (kind < 55) {
		MOVK(6, 0); /* constant bound */
	} else if (kind < 80) {
		vgen_unknown(g, 6); /* counter starts unknown but bounded by a mask */
		ALUK(BPF_AND, 6, VGEN_PICK(g, 7, 15, 63));
	} else if (kind < 85) {
		/* an unknown start counting down: bounded only through the mask */
		vgen_unknown(g, 6);
		ALUK(BPF_AND, 6, VGEN_PICK(g, 15, 63));
	} else {
		MOVK(6, 0);
		if (vgen_chance(g, 60))
			for (int off = -64; off < 0; off += 8)
				ST(8, 10, off, 0);
	}
	top = g->p->n;
	ALUX(BPF_ADD, 7, 6);
	if (kind >= 85) {
		/* index the stack with the counter */
		MOVX(4, 6);
		ALUK(BPF_AND, 4, VGEN_PICK(g, 7, 63, 127));
		MOVX(3, 10);
		ALUK(BPF_ADD, 3, -64);
		ALUX(BPF_ADD, 3, 4);
		LDX(1, 0, 3, 0);
	}
	if (kind >= 80 && kind < 85) {
		ALUK(BPF_SUB, 6, step);
		j = JK(BPF_JSGT, 6, 0);
	} else {
		int32_t op = VGEN_PICK(g, BPF_JLT, BPF_JLT, BPF_JLE, BPF_JNE, BPF_JSLT);

		/* "!=" only where it ends: elsewhere the kernel walks a million insns */
		if (op == BPF_JNE && (kind >= 55 || bound % step))
			op = BPF_JLT;
		ALUK(BPF_ADD, 6, step);
		j = JK(op, 6, bound);
	}
	vgen_back(g, j, top);
	MOVX(0, 7);
	EXIT();
}

/* One random ALU operation on a scalar register (64- or 32-bit). */
static void vgen_scalar_op(struct vgen *g, int r)
{
	static const uint8_t ops[] = {BPF_AND, BPF_OR, BPF_XOR, BPF_ADD, BPF_SUB, BPF_LSH,
				      BPF_RSH, BPF_ARSH, BPF_MUL, BPF_DIV, BPF_MOD, BPF_NEG, BPF_MOV};
	uint8_t op = ops[vgen_below(g, sizeof(ops))];
	bool w = vgen_chance(g, 35);
	int32_t k;

	switch (op) {
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		k = (int32_t)vgen_below(g, w ? 32 : 64);
		break;
	case BPF_AND:
		k = VGEN_PICK(g, 0xff, 0xf, 0x3f, 0x7fffffff, -1, -8, 0xffff);
		break;
	case BPF_DIV:
	case BPF_MOD:
		k = 1 + (int32_t)vgen_below(g, 16);
		break;
	default:
		k = VGEN_PICK(g, 1, 2, 7, -1, -8, 0x7fffffff, (int32_t)0x80000000, 0x10, 255);
	}
	if (op == BPF_NEG) {
		vgen_emit(g, (w ? BPF_ALU : BPF_ALU64) | BPF_NEG, r, 0, 0, 0);
		return;
	}
	if (op == BPF_MOV) {
		/* w = w: zero-extension only */
		vgen_emit(g, BPF_ALU | BPF_MOV | BPF_X, r, r, 0, 0);
		return;
	}
	vgen_emit(g, (w ? BPF_ALU : BPF_ALU64) | op | BPF_K, r, 0, 0, k);
}

static void vgen_bounds(struct vgen *g)
{
	uint32_t target = vgen_below(g, 100);
	size_t jnull = (size_t)-1, jb = (size_t)-1;

	vgen_unknown(g, 6);
	if (vgen_chance(g, 30))
		ALUK(BPF_AND, 6, VGEN_PICK(g, 0xff, 0xffff, 0x3f));
	for (int i = 1 + (int)vgen_below(g, 4); i > 0; i--)
		vgen_scalar_op(g, 6);
	if (vgen_chance(g, 40)) {
		/* a bounds check, 64- or 32-bit, unsigned or signed */
		uint8_t cls = vgen_chance(g, 30) ? BPF_JMP32 : BPF_JMP;
		uint8_t op = (uint8_t)VGEN_PICK(g, BPF_JGT, BPF_JGE, BPF_JSGT, BPF_JSGE, BPF_JGT);

		jb = vgen_emit(g, cls | op | BPF_K, 6, 0, 0, VGEN_PICK(g, 15, 48, 56, 63, 64));
		if (vgen_chance(g, 40))
			vgen_emit(g, cls | BPF_JSLT | BPF_K, 6, 0, 2, 0), MOVK(6, 0), JA();
	}
	if (target < 50) {
		/* into a 64-byte map value */
		MOVX(9, 6);
		vgen_lookup(g, VM_BIG);
		jnull = JK(BPF_JEQ, 0, 0);
		ALUX(BPF_ADD, 0, 9);
		LDX(VGEN_PICK(g, 1, 1, 2, 8), 0, 0, 0);
	} else if (target < 80) {
		/* into the stack: fp - 64 + r6, all 64 bytes written */
		for (int off = -64; off < 0; off += 8)
			ST(8, 10, off, 0);
		MOVX(3, 10);
		ALUK(BPF_ADD, 3, -64);
		ALUX(BPF_ADD, 3, 6);
		LDX(1, 0, 3, 0);
	} else if (g->p->prog_type != BPF_PROG_TYPE_SOCKET_FILTER) {
		/* into the packet, after a check of 64 bytes */
		size_t jp;

		MOVX(5, 6);
		LDX(4, 2, 1, vgen_off_data(g->p));
		LDX(4, 3, 1, vgen_off_data_end(g->p));
		MOVX(4, 2);
		ALUK(BPF_ADD, 4, 64);
		jp = JX(BPF_JGT, 4, 3);
		ALUX(BPF_ADD, 2, 5);
		LDX(1, 0, 2, 0);
		vgen_land(g, jp);
	} else {
		/* as a helper's size argument */
		for (int off = -64; off < 0; off += 8)
			ST(8, 10, off, 0);
		LD_MAP(1, VM_RINGBUF);
		MOVX(2, 10);
		ALUK(BPF_ADD, 2, -64);
		MOVX(3, 6);
		MOVK(4, 0);
		CALL(BPF_FUNC_ringbuf_output);
	}
	if (jnull != (size_t)-1)
		vgen_land(g, jnull);
	if (jb != (size_t)-1)
		vgen_land(g, jb);
	vgen_ret(g);
}

static void vgen_calls(struct vgen *g)
{
	uint32_t kind = vgen_below(g, 100);
	size_t c1, c2 = (size_t)-1, s1;
	int frame = VGEN_PICK(g, 8, 64, 256, 320);

	/* main: write a slot, pass a pointer to it, use the result */
	ST(8, 10, -8, 3);
	MOVX(1, 10);
	ALUK(BPF_ADD, 1, -8);
	if (vgen_chance(g, 20))
		ST(8, 10, -frame, 0); /* main's own stack use */
	MOVK(6, 1);
	c1 = CALL_LOCAL();
	if (kind < 10)
		MOVX(0, 1); /* r1 is clobbered by the call */
	else if (kind < 15)
		MOVX(0, 6); /* r6 survives */
	else
		ALUK(BPF_ADD, 0, 1);
	EXIT();
	/* sub 1: r1 points into main's stack */
	vgen_land(g, c1);
	s1 = g->p->n;
	if (kind < 25)
		ST(8, 10, -frame, 7); /* its own frame */
	if (kind >= 25 && kind < 32)
		MOVX(0, 6); /* r6 is not passed to the callee */
	else
		LDX(8, 0, 1, vgen_chance(g, 85) ? 0 : VGEN_PICK(g, 8, -8, 4));
	if (vgen_chance(g, 30))
		STX(8, 1, 0, 0);
	if (kind >= 32 && kind < 60) {
		MOVK(1, 2);
		c2 = CALL_LOCAL();
		if (vgen_chance(g, 50))
			ALUX(BPF_ADD, 0, 1);
	}
	if (kind >= 60 && kind < 64) {
		/* calls itself: recursion */
		size_t c = CALL_LOCAL();

		g->p->insns[c].imm = (int32_t)s1 - (int32_t)c - 1;
	}
	if (kind >= 64 && kind < 68)
		MOVX(0, 7); /* never written: !read_ok */
	EXIT();
	if (c2 != (size_t)-1) {
		/* sub 2: a scalar argument; maybe a big frame */
		vgen_land(g, c2);
		if (vgen_chance(g, 40))
			ST(8, 10, -VGEN_PICK(g, 8, 256, 512), 1);
		MOVX(0, 1);
		if (vgen_chance(g, 15))
			LDX(8, 0, 1, 0); /* a scalar dereferenced */
		EXIT();
	}
}

static void vgen_ptr(struct vgen *g)
{
	uint32_t base = vgen_below(g, 100);
	uint32_t op = vgen_below(g, 100);
	size_t jnull = (size_t)-1, jp = (size_t)-1;
	int r = 2;

	if (base < 30) {
		MOVX(2, 10);
		ALUK(BPF_ADD, 2, -16);
		ST(8, 10, -16, 0);
		ST(8, 10, -8, 0);
	} else if (base < 55) {
		vgen_lookup(g, VM_ARRAY);
		if (vgen_chance(g, 85))
			jnull = JK(BPF_JEQ, 0, 0);
		MOVX(2, 0);
	} else if (base < 75 && g->p->prog_type != BPF_PROG_TYPE_SOCKET_FILTER) {
		LDX(4, 2, 1, vgen_off_data(g->p));
		LDX(4, 3, 1, vgen_off_data_end(g->p));
		MOVX(4, 2);
		ALUK(BPF_ADD, 4, 16);
		jp = JX(BPF_JGT, 4, 3);
	} else {
		MOVX(2, 1); /* ctx */
	}
	MOVK(5, 4);
	if (op < 12)
		ALUK(BPF_ADD, r, VGEN_PICK(g, 8, -8, 1 << 29, -(1 << 29), (1 << 29) - 1, 0x7fffffff));
	else if (op < 20)
		ALUX(BPF_ADD, r, 10); /* pointer + pointer */
	else if (op < 28)
		ALUX(BPF_SUB, r, VGEN_PICK(g, 10, 1)); /* pointer - pointer */
	else if (op < 36)
		ALUK(VGEN_PICK(g, BPF_MUL, BPF_AND, BPF_OR, BPF_LSH, BPF_XOR), r, 2);
	else if (op < 44)
		ALU32K(BPF_ADD, r, 4); /* 32-bit pointer arithmetic */
	else if (op < 50)
		vgen_emit(g, BPF_ALU64 | BPF_NEG, r, 0, 0, 0);
	else if (op < 60)
		ALUX(BPF_ADD, r, 5); /* pointer + known scalar */
	else if (op < 68)
		ALUX(BPF_SUB, r, 5);
	else if (op < 76) {
		MOVX(6, r);
		ALUX(BPF_ADD, 5, r); /* scalar + pointer */
		MOVX(r, 5);
	} else if (op < 84) {
		size_t j = JX(VGEN_PICK(g, BPF_JGT, BPF_JEQ, BPF_JSGT), r, 10); /* pointer compare */

		vgen_land(g, j);
	} else if (op < 92) {
		MOVX(0, r); /* return a pointer */
		EXIT();
		goto land;
	}
	/* dereference what we have */
	if (vgen_chance(g, 80))
		LDX(VGEN_PICK(g, 1, 4, 8), 0, r, VGEN_PICK(g, 0, 0, 4, -8));
	else
		STX(8, r, 1, 0); /* store the ctx pointer there: a leak when unprivileged */
land:
	if (jnull != (size_t)-1)
		vgen_land(g, jnull);
	if (jp != (size_t)-1)
		vgen_land(g, jp);
	vgen_ret(g);
}

/* ---- mutation ---- */

static void vgen_mutate(struct vgen *g)
{
	struct vgen_prog *p = g->p;
	size_t i = vgen_below(g, (uint32_t)p->n);
	struct bpf_insn *in = &p->insns[i];
	uint8_t cls = BPF_CLASS(in->code);

	/* never the second slot of an lddw, never exit, never a loop's back-edge or a jump made
	 * one: a loop the kernel cannot bound costs it a million instructions (seconds) */
	if (i > 0 && p->insns[i - 1].code == (BPF_LD | BPF_DW | BPF_IMM))
		in = &p->insns[--i];
	cls = BPF_CLASS(in->code);
	if (in->code == (BPF_JMP | BPF_EXIT) || p->family == VF_LOOP)
		return;
	if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(in->code) != BPF_CALL) {
		uint32_t how = vgen_below(g, 3);

		if (how == 0) /* a forward jump stays forward */
			in->off = (int16_t)(in->off < 0 ? in->off : in->off + VGEN_PICK(g, 1, 2, -1) < 0
									 ? 0
									 : in->off + VGEN_PICK(g, 1, 2, -1));
		else if (how == 1 && in->code != (BPF_JMP | BPF_JA))
			in->code = (uint8_t)((in->code & 0x0f) |
					     VGEN_PICK(g, BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT,
						       BPF_JSGT, BPF_JSET));
		else
			*in = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K};
		p->mutated = true;
		return;
	}
	p->mutated = true;
	/* whether the immediate is an operand (else it is a reserved field, and changing it
	 * only makes a structurally invalid program) */
	bool imm_ok = cls == BPF_ST || in->code == (BPF_LD | BPF_DW | BPF_IMM) ||
		      in->code == (BPF_JMP | BPF_CALL) ||
		      ((cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_JMP || cls == BPF_JMP32) &&
		       BPF_SRC(in->code) == BPF_K);

	switch (vgen_below(g, 6)) {
	case 0: /* offset of a memory access (elsewhere a reserved field: the immediate) */
		if (cls == BPF_LDX || cls == BPF_STX || cls == BPF_ST)
			in->off = (int16_t)(in->off + VGEN_PICK(g, 1, -1, 2, 4, -4, 8, -8));
		else if (imm_ok)
			in->imm += VGEN_PICK(g, 1, -1, 4, -8);
		else
			in->src_reg = (uint8_t)vgen_below(g, 11);
		break;
	case 1: /* size of a memory access */
		if (cls == BPF_LDX || cls == BPF_STX || cls == BPF_ST)
			in->code = (uint8_t)((in->code & ~0x18) | vgen_sizes[vgen_below(g, 4)]);
		else if (imm_ok)
			in->imm += VGEN_PICK(g, 1, -1, 8);
		break;
	case 2: /* a register */
		if (vgen_chance(g, 50) && in->code != (BPF_LD | BPF_DW | BPF_IMM) &&
		    in->code != (BPF_JMP | BPF_CALL) && cls != BPF_ST &&
		    ((cls != BPF_ALU && cls != BPF_ALU64) || BPF_SRC(in->code) == BPF_X))
			in->src_reg = (uint8_t)vgen_below(g, 11);
		else if (in->dst_reg != 10)
			in->dst_reg = (uint8_t)vgen_below(g, 10);
		break;
	case 3: /* immediate */
		if (!imm_ok)
			break;
		in->imm = VGEN_PICK(g, 0, 1, -1, 64, 255, 0x10000, (int32_t)0x80000000);
		if (in->code == (BPF_LD | BPF_DW | BPF_IMM) && in->src_reg)
			in->imm = (int32_t)vgen_below(g, VM_COUNT + 1);
		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0)
			in->imm = VGEN_PICK(g, BPF_FUNC_map_lookup_elem, BPF_FUNC_ringbuf_submit,
					    BPF_FUNC_ktime_get_ns, BPF_FUNC_probe_read_kernel, 9999);
		break;
	case 4: /* 64 <-> 32 bits (ALU only) */
		if (cls == BPF_ALU || cls == BPF_ALU64)
			in->code ^= BPF_ALU64 ^ BPF_ALU;
		else if (cls == BPF_LDX || cls == BPF_STX || cls == BPF_ST)
			in->off = (int16_t)(in->off + 8);
		break;
	default: /* an instruction removed (replaced by r0 = 0) */
		if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
			*in = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K};
		break;
	}
}

/* ---- driver ---- */

static void vgen_program(uint64_t seed, struct vgen_prog *p)
{
	struct vgen g = {.rng = seed, .p = p};
	static const uint32_t types[3] = {BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_SCHED_CLS,
					  BPF_PROG_TYPE_XDP};

	memset(p, 0, sizeof(*p));
	vgen_next(&g);
	p->family = (enum vgen_family)vgen_below(&g, VF_COUNT);
	p->prog_type = types[vgen_below(&g, 3)];
	if (p->family == VF_PKT && p->prog_type == BPF_PROG_TYPE_SOCKET_FILTER && vgen_chance(&g, 85))
		p->prog_type = vgen_chance(&g, 50) ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SCHED_CLS;
	switch (p->family) {
	case VF_STACK: vgen_stack(&g); break;
	case VF_CTX: vgen_ctx(&g); break;
	case VF_PKT: vgen_pkt(&g); break;
	case VF_MAP: vgen_map(&g); break;
	case VF_RINGBUF: vgen_ringbuf(&g); break;
	case VF_LOOP: vgen_loop(&g); break;
	case VF_BOUNDS: vgen_bounds(&g); break;
	case VF_CALLS: vgen_calls(&g); break;
	default: vgen_ptr(&g); break;
	}
	if (vgen_chance(&g, 25))
		vgen_mutate(&g);
}

static const char *vgen_type_name(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
		return "socket_filter";
	case BPF_PROG_TYPE_SCHED_CLS:
		return "sched_cls";
	case BPF_PROG_TYPE_XDP:
		return "xdp";
	}
	return "?";
}
