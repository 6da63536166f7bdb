/* SPDX-License-Identifier: MIT */
/*
 * reloc.c - relocations of program sections, and subprograms. Each program starts as a copy
 * of its own instructions; every bpf-to-bpf call (R_BPF_64_32, or an unrelocated pc-relative
 * call) whose target is outside the copy appends the target function (from .text or another
 * program section) once, then the call's imm is made relative to the appended copy. Each
 * ld_imm64 with an R_BPF_64_64 relocation is pointed at what its symbol names, with the map's
 * index in this object as imm, as libbpf does with map fds:
 *   map in .maps / maps        -> src BPF_PSEUDO_MAP_FD,    imm = map index
 *   global data (.data ...)    -> src BPF_PSEUDO_MAP_VALUE, imm = map index, imm2 = offset
 *   function (callback)        -> src BPF_PSEUDO_FUNC,      imm = relative insn offset
 * resolve.c later turns map indices into addresses when the program is loaded.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define C "elf"
#define R_BPF_64_64 1
#define R_BPF_64_32 10
#define MAX_PROG_INSNS (1u << 20)

/* Per executable section: for each instruction, its relocation (symbol, type) or none. */
struct sec_rel {
	int64_t *at; /* -1, or (type << 32) | symbol index */
};

struct range {
	uint32_t sec, start, len, pos; /* section instructions [start, start+len) at final pos */
};

struct build {
	struct userbpf_object *obj;
	struct sec_rel *rel;
	struct userbpf_object_prog *p;
	uint32_t cap;
	struct range *ranges;
	uint32_t nranges;
	struct userbpf_error *err;
};

static bool is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_pseudo_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
}

static const struct bpf_insn *sec_insn(const struct obj_sec *s, uint32_t i, struct bpf_insn *tmp)
{
	memcpy(tmp, s->data + (size_t)i * sizeof(*tmp), sizeof(*tmp));
	return tmp;
}

/* Index every relocation of every executable section; check each one's place and symbol. */
static int index_relocs(struct userbpf_object *obj, struct sec_rel *rel, struct userbpf_error *err)
{
	for (uint32_t r = 1; r < obj->nsecs; r++) {
		const struct obj_sec *rs = &obj->secs[r];
		uint32_t t = (uint32_t)rs->shdr.sh_info;
		const struct obj_sec *ts;
		size_t n, nins;

		if (rs->shdr.sh_type != SHT_REL)
			continue;
		if (rs->shdr.sh_type == SHT_REL && (t == 0 || t >= obj->nsecs))
			return err_set(err, -EINVAL, C, -1,
				       "section %u (%s): sh_info %u is not a section", r, rs->name, t);
		ts = &obj->secs[t];
		if (!elf_sec_is_prog(ts))
			continue; /* .rel.maps is read by maps_def.c; debug info is not needed */
		if (rs->shdr.sh_link != obj->symtab_idx)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (%s): sh_link %u is not the symbol table", r,
				       rs->name, (unsigned)rs->shdr.sh_link);
		if (!rs->data || rs->shdr.sh_entsize != sizeof(Elf64_Rel) ||
		    rs->size % sizeof(Elf64_Rel))
			return err_set(err, -EINVAL, C, -1,
				       "section %u (%s): relocation entries must be %zu bytes", r,
				       rs->name, sizeof(Elf64_Rel));
		nins = ts->size / sizeof(struct bpf_insn);
		if (!rel[t].at) {
			rel[t].at = malloc((nins ? nins : 1) * sizeof(int64_t));
			if (!rel[t].at)
				return err_set(err, -ENOMEM, C, -1, "out of memory");
			for (size_t i = 0; i < nins; i++)
				rel[t].at[i] = -1;
		}
		n = rs->size / sizeof(Elf64_Rel);
		for (size_t i = 0; i < n; i++) {
			Elf64_Rel e;
			uint64_t sym, type, at;
			struct bpf_insn tmp;
			const struct bpf_insn *in;

			memcpy(&e, rs->data + i * sizeof(e), sizeof(e));
			sym = ELF64_R_SYM(e.r_info);
			type = ELF64_R_TYPE(e.r_info);
			at = e.r_offset / sizeof(struct bpf_insn);
			if (e.r_offset % sizeof(struct bpf_insn) || at >= nins)
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: relocation offset 0x%llx "
					       "is not an instruction of %s (%zu instructions)",
					       r, rs->name, i * sizeof(e), (unsigned long long)e.r_offset,
					       ts->name, nins);
			if (sym == 0 || sym >= obj->nsyms)
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: symbol %llu is not in the "
					       "symbol table (%zu symbols)",
					       r, rs->name, i * sizeof(e), (unsigned long long)sym,
					       obj->nsyms);
			in = sec_insn(ts, (uint32_t)at, &tmp);
			if (type == R_BPF_64_64 && (!is_ldimm64(in) || at + 1 >= nins))
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: R_BPF_64_64 at %s+0x%llx "
					       "is not on an ld_imm64 instruction",
					       r, rs->name, i * sizeof(e), ts->name,
					       (unsigned long long)e.r_offset);
			if (type == R_BPF_64_32 && !is_pseudo_call(in))
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: R_BPF_64_32 at %s+0x%llx "
					       "is not on a bpf-to-bpf call",
					       r, rs->name, i * sizeof(e), ts->name,
					       (unsigned long long)e.r_offset);
			if (type != R_BPF_64_64 && type != R_BPF_64_32)
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: relocation type %llu is "
					       "not supported in code (R_BPF_64_64, R_BPF_64_32)",
					       r, rs->name, i * sizeof(e), (unsigned long long)type);
			if (rel[t].at[at] != -1)
				return err_set(err, -EINVAL, C, -1,
					       "section %u (%s) offset 0x%zx: a second relocation for "
					       "%s+0x%llx",
					       r, rs->name, i * sizeof(e), ts->name,
					       (unsigned long long)e.r_offset);
			rel[t].at[at] = (int64_t)((type << 32) | sym);
		}
	}
	return 0;
}

/* Append section instructions [start, start+len) to the program; returns its position. */
static int append(struct build *b, uint32_t sec, uint32_t start, uint32_t len, uint32_t *pos)
{
	struct userbpf_object_prog *p = b->p;
	const struct obj_sec *s = &b->obj->secs[sec];
	struct range *gr;

	if (len > MAX_PROG_INSNS || p->n > MAX_PROG_INSNS - len)
		return err_set(b->err, -E2BIG, C, -1,
			       "program '%s': more than %u instructions with its subprograms",
			       p->name, MAX_PROG_INSNS);
	if (p->n + len > b->cap) {
		uint32_t ncap = (p->n + len) * 2;
		struct bpf_insn *ni = realloc(p->insns, ncap * sizeof(*ni));
		uint32_t *os, *oi;

		if (ni)
			p->insns = ni;
		os = ni ? realloc(p->orig_sec, ncap * sizeof(*os)) : NULL;
		if (os)
			p->orig_sec = os;
		oi = os ? realloc(p->orig_insn, ncap * sizeof(*oi)) : NULL;
		if (!oi)
			return err_set(b->err, -ENOMEM, C, -1, "out of memory");
		p->orig_insn = oi;
		b->cap = ncap;
	}
	gr = realloc(b->ranges, (b->nranges + 1) * sizeof(*gr));
	if (!gr)
		return err_set(b->err, -ENOMEM, C, -1, "out of memory");
	b->ranges = gr;
	b->ranges[b->nranges++] = (struct range){sec, start, len, p->n};
	memcpy(p->insns + p->n, s->data + (size_t)start * sizeof(struct bpf_insn),
	       (size_t)len * sizeof(struct bpf_insn));
	for (uint32_t i = 0; i < len; i++) {
		p->orig_sec[p->n + i] = sec;
		p->orig_insn[p->n + i] = start + i;
	}
	*pos = p->n;
	p->n += len;
	return 0;
}

/* Final position of section instruction (sec, insn), appending its function if needed. */
static int locate(struct build *b, uint32_t pc, uint32_t sec, int64_t insn, uint32_t *out)
{
	const struct obj_sec *s = &b->obj->secs[sec];
	uint64_t nins = s->size / sizeof(struct bpf_insn);
	const struct obj_sym *f;
	uint32_t start, len, pos;
	int ret;

	if (!elf_sec_is_prog(s) || insn < 0 || (uint64_t)insn >= nins)
		return err_set(b->err, -EINVAL, C, (int)pc,
			       "program '%s': call or function reference to %s+0x%llx, outside "
			       "any code",
			       b->p->name, s->name, (unsigned long long)insn * 8);
	for (uint32_t i = 0; i < b->nranges; i++) {
		const struct range *r = &b->ranges[i];

		if (r->sec == sec && insn >= r->start && insn < (int64_t)r->start + r->len) {
			*out = r->pos + (uint32_t)(insn - r->start);
			return 0;
		}
	}
	/* The function containing the target, or the whole section when it has no symbols. */
	f = elf_func_at(b->obj, sec, (uint64_t)insn * 8);
	if (f && f->sym.st_value % 8 == 0 && f->sym.st_size % 8 == 0 &&
	    f->sym.st_size / 8 <= nins - f->sym.st_value / 8) {
		start = (uint32_t)(f->sym.st_value / 8);
		len = (uint32_t)(f->sym.st_size / 8);
	} else {
		start = 0;
		len = (uint32_t)nins;
	}
	if ((ret = append(b, sec, start, len, &pos)) < 0)
		return ret;
	*out = pos + (uint32_t)(insn - start);
	return 0;
}

static int fix_ldimm64(struct build *b, uint32_t pc, const struct obj_sym *sym)
{
	struct userbpf_object *obj = b->obj;
	struct bpf_insn *in = &b->p->insns[pc];
	uint32_t shndx = sym->sym.st_shndx;
	int idx;

	if (shndx == SHN_UNDEF)
		return err_set(b->err, -ENOTSUP, C, (int)pc,
			       "program '%s': extern '%s' (kconfig/ksym) is not supported",
			       b->p->name, sym->name);
	if (shndx >= obj->nsecs)
		return err_set(b->err, -EINVAL, C, (int)pc,
			       "program '%s': ld_imm64 refers to '%s' in special section 0x%x",
			       b->p->name, sym->name, shndx);
	if (shndx == obj->maps_sec || shndx == obj->legacy_maps_sec) {
		idx = maps_find_at(obj, shndx, sym->sym.st_value + (uint64_t)(int64_t)in->imm);
		if (idx < 0)
			return err_set(b->err, -EINVAL, C, (int)pc,
				       "program '%s': '%s' (%s+0x%llx) is not a map definition",
				       b->p->name, sym->name, obj->secs[shndx].name,
				       (unsigned long long)sym->sym.st_value);
		in[0].src_reg = BPF_PSEUDO_MAP_FD;
		in[0].imm = idx;
		in[1].imm = 0;
		return 0;
	}
	if (elf_sec_is_data(&obj->secs[shndx])) {
		uint64_t off = sym->sym.st_value + (uint64_t)(int64_t)in->imm;

		idx = maps_find_data(obj, shndx);
		if (idx < 0 || off >= obj->maps[idx]->value_size)
			return err_set(b->err, -EINVAL, C, (int)pc,
				       "program '%s': '%s'+%lld is outside global data section %s",
				       b->p->name, sym->name, (long long)in->imm,
				       obj->secs[shndx].name);
		in[0].src_reg = BPF_PSEUDO_MAP_VALUE;
		in[0].imm = idx;
		in[1].imm = (int32_t)off;
		return 0;
	}
	if (elf_sec_is_prog(&obj->secs[shndx])) {
		uint64_t byte = sym->sym.st_value + (uint64_t)(int64_t)in->imm;
		uint32_t target;
		int ret;

		if (byte % 8)
			return err_set(b->err, -EINVAL, C, (int)pc,
				       "program '%s': function address '%s'+%lld is not an instruction",
				       b->p->name, sym->name, (long long)in->imm);
		if ((ret = locate(b, pc, shndx, (int64_t)(byte / 8), &target)) < 0)
			return ret;
		in = &b->p->insns[pc]; /* locate may have moved the array */
		in[0].src_reg = BPF_PSEUDO_FUNC;
		in[0].imm = (int32_t)((int64_t)target - pc - 1);
		in[1].imm = 0;
		return 0;
	}
	return err_set(b->err, -EINVAL, C, (int)pc,
		       "program '%s': ld_imm64 refers to '%s' in section %u (%s), which holds no "
		       "map, data or code",
		       b->p->name, sym->name, shndx, obj->secs[shndx].name);
}

static int build_prog(struct build *b)
{
	struct userbpf_object_prog *p = b->p;
	uint32_t pos;
	int ret;

	if ((ret = append(b, p->sec_idx, p->sec_insn, p->own_insns, &pos)) < 0)
		return ret;
	for (uint32_t pc = 0; pc < p->n; pc++) {
		struct bpf_insn *in = &p->insns[pc];
		uint32_t sec = p->orig_sec[pc], oi = p->orig_insn[pc];
		int64_t rel = b->rel[sec].at ? b->rel[sec].at[oi] : -1;
		const struct obj_sym *sym = rel >= 0 ? &b->obj->syms[rel & 0xffffffff] : NULL;

		if (is_pseudo_call(in)) {
			uint32_t tsec = sec, target;
			int64_t tinsn = (int64_t)oi + in->imm + 1;

			if (sym) {
				tsec = sym->sym.st_shndx;
				if (tsec == 0 || tsec >= b->obj->nsecs || sym->sym.st_value % 8)
					return err_set(b->err, -EINVAL, C, (int)pc,
						       "program '%s': call to '%s', which is not a "
						       "function of this object",
						       p->name, sym->name);
				tinsn = (int64_t)(sym->sym.st_value / 8) + in->imm + 1;
			}
			if ((ret = locate(b, pc, tsec, tinsn, &target)) < 0)
				return ret;
			in = &p->insns[pc];
			in->imm = (int32_t)((int64_t)target - pc - 1);
		} else if (is_ldimm64(in)) {
			if (pc + 1 >= p->n)
				return err_set(b->err, -EINVAL, C, (int)pc,
					       "program '%s': ld_imm64 is its last instruction", p->name);
			if (sym && (ret = fix_ldimm64(b, pc, sym)) < 0)
				return ret;
			pc++;
		}
	}
	return 0;
}

int reloc_apply(struct userbpf_object *obj, struct userbpf_error *err)
{
	struct sec_rel *rel = calloc(obj->nsecs, sizeof(*rel));
	int ret = 0;

	if (!rel)
		return err_set(err, -ENOMEM, C, -1, "out of memory");
	ret = index_relocs(obj, rel, err);
	for (uint32_t i = 0; ret == 0 && i < obj->nprogs; i++) {
		struct build b = {.obj = obj, .rel = rel, .p = &obj->progs[i], .err = err};

		ret = build_prog(&b);
		free(b.ranges);
	}
	for (size_t i = 0; i < obj->nsecs; i++)
		free(rel[i].at);
	free(rel);
	return ret;
}
