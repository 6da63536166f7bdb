/* SPDX-License-Identifier: MIT */
/*
 * check_mem.c - loads, stores and atomics. A memory access goes through a pointer register:
 *  - PTR_TO_STACK: naturally aligned, inside [-512, 0) of the frame it points into; 8-byte
 *    stores at a slot boundary spill the whole register (pointers only that way), other
 *    stores make bytes MISC (ZERO for a known zero); reads of a spill give it back, reads of
 *    bytes never written are refused unless privileged;
 *  - PTR_TO_MEM: every byte of every possible offset inside [0, mem_size), variable offsets
 *    bounded below 2^29, no writes to read-only memory;
 *  - PTR_TO_MAP_VALUE: the same inside [0, value_size), with the kernel's message sequence,
 *    no writes through BPF_F_RDONLY_PROG maps (no reads through BPF_F_WRONLY_PROG ones);
 *  - helper arguments (check_helper_mem): a range of bytes through any of those, stack bytes
 *    initialised (unless privileged) or, for memory the helper writes, made initialised;
 *  - anything else is refused with the kernel's "invalid mem access 'scalar'" family.
 * Loaded values are scalars of the access width (zero- or sign-extended).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "env.h"

/* The value of a `size`-byte load we know nothing about, zero- or sign-extended. */
static void loaded_unknown(struct reg_state *out, int size, bool sign_ext)
{
	struct range v;

	reg_unknown(out);
	if (size == 8)
		return;
	range_unknown(&v);
	v.umax = (1ull << (8 * size)) - 1;
	v.smin = 0;
	v.smax = (int64_t)v.umax;
	range_sync(&v);
	if (sign_ext) {
		if (!range_movsx(&out->var, &v, 8u * (unsigned)size, false))
			range_unknown(&out->var);
	} else {
		out->var = v;
	}
}

/* A loaded constant of `size` bytes. */
static void loaded_const(struct reg_state *out, uint64_t v, int size, bool sign_ext)
{
	if (size < 8) {
		v &= (1ull << (8 * size)) - 1;
		if (sign_ext && (v >> (8 * size - 1)) & 1)
			v |= ~((1ull << (8 * size)) - 1);
	}
	reg_const(out, v);
}

static const char *tnum_text(const struct range *v, char *buf, size_t len)
{
	if (range_is_const(v))
		snprintf(buf, len, "%lld", (long long)v->var_off.value);
	else
		snprintf(buf, len, "(%#llx; %#llx)", (unsigned long long)v->var_off.value,
			 (unsigned long long)v->var_off.mask);
	return buf;
}

static void note_depth(struct venv *env, const struct vframe *f, int64_t min_off)
{
	if (-min_off > (int64_t)env->stack_depth[f->subprog])
		env->stack_depth[f->subprog] = (uint32_t)-min_off;
}

/* byte at offset off (negative) of a frame: its slot and its index in the slot */
#define SLOT_OF(off) ((int)((-(off)-1) / 8))
#define IDX_OF(off) ((int)((-(off)-1) % 8))

/* A spill is about to be partly overwritten: its bytes become plain data. */
static int break_spill(struct venv *env, struct stack_slot *s)
{
	if (s->type[0] != STACK_SPILL)
		return 0;
	if (s->spill.type != SCALAR_VALUE && !env->privileged)
		return verr(env, "attempt to corrupt spilled pointer on stack");
	for (int i = 0; i < 8; i++)
		s->type[i] = STACK_MISC;
	return 0;
}

static int stack_access(struct venv *env, uint32_t regno, int16_t insn_off, int size, bool write,
			const struct reg_state *value, struct reg_state *out, bool sign_ext)
{
	const struct reg_state *reg = &cur_regs(env)[regno];
	struct vframe *f = env->cur->frame[reg->frameno];
	int64_t fixed = (int64_t)reg->off + insn_off, lo, hi;
	const char *what = write ? " write to" : " read from";
	char tn[64];

	if (!tnum_is_aligned(reg->var.var_off, (uint64_t)size) || (fixed & (size - 1)))
		return verr(env, "misaligned stack access off %s+%d+%d size %d",
			    tnum_text(&reg->var, tn, sizeof(tn)), reg->off, insn_off, size);
	lo = fixed + reg->var.smin;
	hi = fixed + reg->var.smax + size;
	if (lo < -V_STACK || hi > 0) {
		if (range_is_const(&reg->var))
			return verr(env, "invalid%s stack R%u off=%lld size=%d", what, regno,
				    (long long)(fixed + reg->var.smin), size);
		return verr(env, "invalid variable-offset%s stack R%u var_off=%s off=%d size=%d",
			    what, regno, tnum_text(&reg->var, tn, sizeof(tn)), (int)fixed, size);
	}
	note_depth(env, f, lo);

	if (!range_is_const(&reg->var)) {
		/* privileged only (pointer_arith refuses it otherwise): any slot in range */
		if (write) {
			bool zero = value && value->type == SCALAR_VALUE && range_is_const(&value->var) &&
				    value->var.var_off.value == 0;

			if (value && value->type != SCALAR_VALUE)
				return verr(env, "R%u variable-offset stack write of a pointer", regno);
			for (int64_t b = lo; b < hi; b++) {
				struct stack_slot *s = &f->stack[SLOT_OF(b)];
				int ret = break_spill(env, s);

				if (ret)
					return ret;
				/* each byte may or may not be written: it stays what it was or
				 * becomes the stored data */
				if (s->type[IDX_OF(b)] == STACK_ZERO && !zero)
					s->type[IDX_OF(b)] = STACK_MISC;
			}
			return 0;
		}
		loaded_unknown(out, size, sign_ext);
		return 0;
	}

	{
		int64_t off = lo;
		struct stack_slot *s = &f->stack[SLOT_OF(off)];

		if (write) {
			if (value->type == PTR_TO_STACK && value->frameno > reg->frameno)
				return verr(env, "cannot spill pointers to stack into stack frame of "
					    "the caller");
			if (size == 8) {
				for (int i = 0; i < 8; i++)
					s->type[i] = STACK_SPILL;
				s->spill = *value;
				return 0;
			}
			if (value->type != SCALAR_VALUE)
				return verr(env, "invalid size of register spill");
			int ret = break_spill(env, s);
			if (ret)
				return ret;
			bool zero = range_is_const(&value->var) && value->var.var_off.value == 0;
			for (int k = 0; k < size; k++)
				s->type[IDX_OF(off + k)] = zero ? STACK_ZERO : STACK_MISC;
			return 0;
		}
		if (s->type[0] == STACK_SPILL) {
			if (size == 8) {
				*out = s->spill;
				return 0;
			}
			if (s->spill.type != SCALAR_VALUE)
				return verr(env, "invalid size of register fill");
			if (range_is_const(&s->spill.var)) {
				int within = (int)(off + (SLOT_OF(off) + 1) * 8);

				loaded_const(out, s->spill.var.var_off.value >> (8 * within), size,
					     sign_ext);
			} else {
				loaded_unknown(out, size, sign_ext);
			}
			return 0;
		}
		bool all_zero = true;
		for (int k = 0; k < size; k++) {
			uint8_t t = s->type[IDX_OF(off + k)];

			if (t == STACK_INVALID && !env->privileged)
				return verr(env, "invalid read from stack R%u off=%lld size=%d", regno,
					    (long long)fixed, size);
			all_zero &= t == STACK_ZERO;
		}
		if (all_zero)
			reg_const(out, 0);
		else
			loaded_unknown(out, size, sign_ext);
		return 0;
	}
}

static int mem_access(struct venv *env, uint32_t regno, int16_t insn_off, int size, bool write,
		      const struct reg_state *value, struct reg_state *out, bool sign_ext)
{
	const struct reg_state *reg = &cur_regs(env)[regno];
	int64_t off = (int64_t)reg->off + insn_off;
	const struct range *v = &reg->var;

	if (write && reg->rdonly)
		return verr(env, "R%u cannot write into %s", regno, reg_type_str(reg));
	if (range_is_const(v)) {
		int64_t at = off + (int64_t)v->var_off.value;

		if (at < 0 || at + size > (int64_t)reg->mem_size)
			return verr(env, "invalid access to memory, mem_size=%u off=%lld size=%d",
				    reg->mem_size, (long long)at, size);
	} else {
		if (v->smin < 0)
			return verr(env, "R%u min value is negative, either use unsigned index or "
				    "do a if (index >=0) check.", regno);
		if (off + v->smin < 0) {
			vnote(env, "invalid access to memory, mem_size=%u off=%lld size=%d",
			     reg->mem_size, (long long)(off + v->smin), size);
			return verr(env, "R%u min value is outside of the allowed memory range", regno);
		}
		if (v->umax >= (uint64_t)V_MAX_VAR_OFF)
			return verr(env, "R%u unbounded memory access, make sure to bounds check any "
				    "such access", regno);
		if (off + (int64_t)v->umax + size > (int64_t)reg->mem_size) {
			vnote(env, "invalid access to memory, mem_size=%u off=%lld size=%d",
			     reg->mem_size, (long long)(off + (int64_t)v->umax), size);
			return verr(env, "R%u max value is outside of the allowed memory range", regno);
		}
	}
	if (!write && out)
		loaded_unknown(out, size, sign_ext);
	return 0;
}

int check_map_value_access(struct venv *env, uint32_t regno, int64_t off, int size, bool write)
{
	const struct reg_state *reg = &cur_regs(env)[regno];
	const struct vmap *m = &env->maps[reg->map];
	const struct range *v = &reg->var;
	int64_t at;

	if (write && (reg->rdonly || (m->flags & BPF_F_RDONLY_PROG)))
		return verr(env, "write into map forbidden, value_size=%u off=%lld size=%d",
			    m->value_size, (long long)off, size);
	if (!write && (m->flags & BPF_F_WRONLY_PROG))
		return verr(env, "read from map forbidden, value_size=%u off=%lld size=%d",
			    m->value_size, (long long)off, size);
	/* as the kernel: the lowest possible offset first, then the highest */
	if (v->smin < 0 && (v->smin == INT64_MIN || off + v->smin != (int32_t)(off + v->smin) ||
			    off + v->smin < 0))
		return verr(env, "R%u min value is negative, either use unsigned index or do a if "
			    "(index >=0) check.", regno);
	at = off + v->smin;
	if (at < 0 || at + size > (int64_t)m->value_size) {
		vnote(env, "invalid access to map value, value_size=%u off=%lld size=%d",
		      m->value_size, (long long)at, size);
		return verr(env, "R%u min value is outside of the allowed memory range", regno);
	}
	if (v->umax >= (uint64_t)V_MAX_VAR_OFF)
		return verr(env, "R%u unbounded memory access, make sure to bounds check any such "
			    "access", regno);
	at = off + (int64_t)v->umax;
	if (at + size > (int64_t)m->value_size) {
		vnote(env, "invalid access to map value, value_size=%u off=%lld size=%d",
		      m->value_size, (long long)at, size);
		return verr(env, "R%u max value is outside of the allowed memory range", regno);
	}
	return 0;
}

/* A helper reads (or writes) size bytes from the stack through regno. */
static int helper_stack(struct venv *env, uint32_t regno, int size, bool write)
{
	const struct reg_state *reg = &cur_regs(env)[regno];
	struct vframe *f = env->cur->frame[reg->frameno];
	bool is_const = range_is_const(&reg->var);
	int64_t lo = reg->off + reg->var.smin, hi = reg->off + reg->var.smax + size;
	char tn[64];

	if (lo < -V_STACK || hi > 0) {
		if (is_const)
			return verr(env, "invalid indirect access to stack R%u off=%lld size=%d", regno,
				    (long long)lo, size);
		return verr(env, "invalid variable-offset indirect access to stack R%u var_off=%s "
			    "off=%d size=%d", regno, tnum_text(&reg->var, tn, sizeof(tn)), reg->off,
			    size);
	}
	note_depth(env, f, lo);
	for (int64_t b = lo; b < hi; b++) {
		struct stack_slot *s = &f->stack[SLOT_OF(b)];
		uint8_t *t = &s->type[IDX_OF(b)];

		if (write) {
			int ret = break_spill(env, s);

			if (ret)
				return ret;
			/* with a variable offset a byte may stay as it was, but not ZERO */
			if (is_const || *t == STACK_ZERO)
				*t = STACK_MISC;
			continue;
		}
		if (*t == STACK_INVALID ? !env->privileged
					: *t == STACK_SPILL && s->spill.type != SCALAR_VALUE &&
						  !env->privileged) {
			if (is_const)
				return verr(env, "invalid indirect read from stack R%u off %lld+%lld "
					    "size %d", regno, (long long)lo, (long long)(b - lo), size);
			return verr(env, "invalid indirect read from stack R%u var_off %s+%lld size %d",
				    regno, tnum_text(&reg->var, tn, sizeof(tn)), (long long)(b - lo),
				    size);
		}
	}
	return 0;
}

int check_helper_mem(struct venv *env, uint32_t regno, uint64_t size, bool write, bool zero_ok)
{
	const struct reg_state *reg = &cur_regs(env)[regno];

	if (size == 0 && zero_ok)
		return 0;
	if (size >= (uint64_t)V_MAX_VAR_OFF)
		return verr(env, "R%u unbounded memory access", regno);
	switch (reg->type) {
	case PTR_TO_STACK:
		return helper_stack(env, regno, (int)size, write);
	case PTR_TO_MEM:
		return mem_access(env, regno, 0, (int)size, write, NULL, NULL, false);
	case PTR_TO_MAP_VALUE:
		return check_map_value_access(env, regno, reg->off, (int)size, write);
	default:
		return verr(env, "R%u type=%s expected=fp, map_value, mem", regno,
			    reg_type_str(reg));
	}
}

/*
 * A load at a known offset of a frozen BPF_F_RDONLY_PROG single-value array is a constant:
 * neither the host (frozen) nor programs (read-only) can change those bytes any more.
 * (The kernel folds these too; for bigger arrays it refuses the load, we load an unknown.)
 */
static bool frozen_const(struct venv *env, const struct reg_state *reg, int16_t insn_off,
			 int size, bool sign_ext, struct reg_state *out)
{
	const struct vmap *m = &env->maps[reg->map];
	const uint8_t *area;
	uint64_t v = 0;
	size_t area_size;
	int64_t at;

	if (!(m->flags & BPF_F_RDONLY_PROG) || !m->frozen || m->max_entries != 1 ||
	    !range_is_const(&reg->var))
		return false;
	area = userbpf_map_value_area(env->opts->maps[reg->map], &area_size);
	at = (int64_t)reg->off + insn_off + (int64_t)reg->var.var_off.value;
	if (!area || at < 0 || (uint64_t)at + (uint64_t)size > area_size)
		return false;
	memcpy(&v, area + at, (size_t)size); /* little-endian host, as the VM */
	loaded_const(out, v, size, sign_ext);
	return true;
}

/* One access through register regno; the value stored (write) or the value loaded (read). */
static int mem_op(struct venv *env, uint32_t regno, int16_t insn_off, int size, bool write,
		  const struct reg_state *value, struct reg_state *out, bool sign_ext)
{
	const struct reg_state *reg = &cur_regs(env)[regno];
	int ret = check_reg_read(env, regno);

	if (ret)
		return ret;
	switch (reg->type) {
	case PTR_TO_STACK:
		return stack_access(env, regno, insn_off, size, write, value, out, sign_ext);
	case PTR_TO_MEM:
		return mem_access(env, regno, insn_off, size, write, value, out, sign_ext);
	case PTR_TO_MAP_VALUE:
		ret = check_map_value_access(env, regno, (int64_t)reg->off + insn_off, size, write);
		if (!ret && !write && !frozen_const(env, reg, insn_off, size, sign_ext, out))
			loaded_unknown(out, size, sign_ext);
		return ret;
	default:
		return verr(env, "R%u invalid mem access '%s'", regno, reg_type_str(reg));
	}
}

int check_load(struct venv *env, const struct bpf_insn *in, enum isa_op op)
{
	struct reg_state val;
	int ret = mem_op(env, in->src_reg, in->off, isa_access_size(in->code), false, NULL, &val,
			 BPF_MODE(in->code) == BPF_MEMSX);

	(void)op;
	if (ret)
		return ret;
	cur_regs(env)[in->dst_reg] = val;
	return 0;
}

int check_store(struct venv *env, const struct bpf_insn *in, enum isa_op op)
{
	struct reg_state val;
	int size = isa_access_size(in->code), ret;

	if (isa_ops[op].format == F_STX) {
		if ((ret = check_reg_read(env, in->src_reg)))
			return ret;
		val = cur_regs(env)[in->src_reg];
		if (reg_is_ptr(&val) && !env->privileged &&
		    cur_regs(env)[in->dst_reg].type == PTR_TO_MAP_VALUE)
			return verr(env, "R%d leaks addr into map", in->src_reg);
		if (reg_is_ptr(&val) && !env->privileged && cur_regs(env)[in->dst_reg].type != PTR_TO_STACK)
			return verr(env, "R%d leaks addr into mem", in->src_reg);
	} else {
		/* the stored immediate, as a register of the store's width would hold it */
		loaded_const(&val, (uint64_t)(int64_t)in->imm, size, false);
		if (size == 8)
			reg_const(&val, (uint64_t)(int64_t)in->imm);
	}
	return mem_op(env, in->dst_reg, in->off, size, true, &val, NULL, false);
}

int check_atomic(struct venv *env, const struct bpf_insn *in, enum isa_op op)
{
	struct reg_state *regs = cur_regs(env), old, data;
	int size = isa_access_size(in->code), ret;
	bool fetch = (in->imm & BPF_FETCH) || in->imm == BPF_XCHG;

	if ((ret = check_reg_read(env, in->src_reg)))
		return ret;
	if (reg_is_ptr(&regs[in->src_reg]))
		return verr(env, "R%d leaks addr into mem", in->src_reg);
	if (op == OP_ACMPXCHG_W || op == OP_ACMPXCHG_DW) {
		if ((ret = check_reg_read(env, 0)))
			return ret;
		if (reg_is_ptr(&regs[0]))
			return verr(env, "R0 leaks addr into mem");
	}
	if ((ret = mem_op(env, in->dst_reg, in->off, size, false, NULL, &old, false)))
		return ret;
	if (old.type != SCALAR_VALUE)
		return verr(env, "R%d invalid mem access '%s'", in->dst_reg, reg_type_str(&old));
	reg_unknown(&data); /* what the operation leaves in memory */
	if ((ret = mem_op(env, in->dst_reg, in->off, size, true, &data, NULL, false)))
		return ret;
	/* the old value (width of the access, zero-extended) goes to src or r0 */
	if (op == OP_ACMPXCHG_W || op == OP_ACMPXCHG_DW)
		loaded_unknown(&regs[0], size, false);
	else if (fetch)
		loaded_unknown(&regs[in->src_reg], size, false);
	return 0;
}
