/* SPDX-License-Identifier: MIT */
/*
 * btf_ext.c - line info from .BTF.ext, read with our own small reader (libbpf keeps its
 * btf_ext records private). The section is a header, then per ELF section a list of
 * struct bpf_line_info records {insn_off (bytes), file_name_off, line_off, line_col}; the
 * strings live in .BTF. After relocation every program instruction knows which section and
 * instruction it came from, so each program gets its own (insn -> file:line:col, text) table,
 * which verifier and run-time messages use to show the C source line. CO-RE relocation
 * records are counted per program: nothing here applies them (there is no kernel BTF to
 * relocate against), so object.c refuses to load a program that has any.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define C "elf"
#define BTF_EXT_MAGIC 0xeB9F

struct rec {
	uint32_t sec, off; /* ELF section index, byte offset in it */
	uint32_t file_off, line_off, line_col;
};

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint32_t sec_by_name(const struct userbpf_object *obj, const char *name)
{
	for (uint32_t i = 1; i < obj->nsecs; i++)
		if (strcmp(obj->secs[i].name, name) == 0)
			return i;
	return 0;
}

/*
 * Walk one .BTF.ext info block at [off, off + len) of the section: a record size, then per ELF
 * section {name offset, count, records}; every record's first u32 is the instruction's byte
 * offset. Appends (sec, off, the next three u32) to *recs.
 */
static int read_block(struct userbpf_object *obj, uint32_t off, uint32_t len, uint32_t min_rec,
		      struct rec **recs, size_t *n, size_t *cap, struct userbpf_error *err)
{
	const struct obj_sec *s = &obj->secs[obj->btf_ext_sec];
	const uint8_t *p = s->data + off, *end = p + len;
	uint32_t rec_size;

	if (len == 0)
		return 0;
	if (len < 4)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.BTF.ext) offset 0x%x: info block too short",
			       obj->btf_ext_sec, off);
	rec_size = rd32(p);
	p += 4;
	if (rec_size < min_rec || rec_size > 1024)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.BTF.ext) offset 0x%x: record size %u", obj->btf_ext_sec,
			       off, rec_size);
	while (p < end) {
		const char *secname;
		uint32_t sec, num;

		if (end - p < 8)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.BTF.ext) offset 0x%zx: truncated info block",
				       obj->btf_ext_sec, (size_t)(p - s->data));
		secname = btf__name_by_offset(obj->btf, rd32(p));
		num = rd32(p + 4);
		p += 8;
		if (!secname || (uint64_t)num * rec_size > (uint64_t)(end - p))
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.BTF.ext) offset 0x%zx: bad section name or %u "
				       "records past the end",
				       obj->btf_ext_sec, (size_t)(p - 8 - s->data), num);
		sec = sec_by_name(obj, secname);
		for (uint32_t i = 0; i < num; i++, p += rec_size) {
			if (!sec)
				continue; /* a section this object does not have: ignore */
			if (*n == *cap) {
				size_t ncap = *cap ? *cap * 2 : 64;
				struct rec *grown = realloc(*recs, ncap * sizeof(**recs));

				if (!grown)
					return err_set(err, -ENOMEM, C, -1, "out of memory");
				*recs = grown;
				*cap = ncap;
			}
			(*recs)[(*n)++] = (struct rec){sec, rd32(p), rd32(p + 4), rd32(p + 8),
						       rd32(p + 12)};
		}
	}
	return 0;
}

/* Parse the header, then the line_info and CO-RE relocation records into sorted arrays. */
static int read_records(struct userbpf_object *obj, struct rec **lines, size_t *nlines,
			struct rec **core, size_t *ncore, struct userbpf_error *err)
{
	const struct obj_sec *s = &obj->secs[obj->btf_ext_sec];
	uint32_t hdr_len, li_off, li_len, co_off = 0, co_len = 0;
	size_t cap = 0, ccap = 0;
	uint16_t magic;
	int ret;

	*lines = *core = NULL;
	*nlines = *ncore = 0;
	if (!s->data || s->size < 24)
		return err_set(err, -EINVAL, C, -1, "section %u (.BTF.ext): %zu bytes, header needs 24",
			       obj->btf_ext_sec, s->size);
	memcpy(&magic, s->data, 2);
	if (magic != BTF_EXT_MAGIC)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.BTF.ext) offset 0: magic 0x%04x, expected 0x%04x",
			       obj->btf_ext_sec, magic, BTF_EXT_MAGIC);
	hdr_len = rd32(s->data + 4);
	li_off = rd32(s->data + 16);
	li_len = rd32(s->data + 20);
	if (hdr_len < 24 || hdr_len > s->size || li_off > s->size - hdr_len ||
	    li_len > s->size - hdr_len - li_off)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.BTF.ext) offset 4: header length %u / line info at "
			       "%u+%u outside the section (%zu bytes)",
			       obj->btf_ext_sec, hdr_len, li_off, li_len, s->size);
	if (hdr_len >= 32 && s->size >= 32) {
		co_off = rd32(s->data + 24);
		co_len = rd32(s->data + 28);
		if (co_off > s->size - hdr_len || co_len > s->size - hdr_len - co_off)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.BTF.ext) offset 24: CO-RE relocations at %u+%u "
				       "outside the section (%zu bytes)",
				       obj->btf_ext_sec, co_off, co_len, s->size);
	}
	ret = read_block(obj, hdr_len + li_off, li_len, sizeof(struct bpf_line_info), lines, nlines,
			 &cap, err);
	if (ret == 0)
		ret = read_block(obj, hdr_len + co_off, co_len, 16, core, ncore, &ccap, err);
	if (ret < 0) {
		free(*lines);
		free(*core);
		*lines = *core = NULL;
		return ret;
	}
	if (*nlines)
		qsort(*lines, *nlines, sizeof(**lines), rec_cmp);
	if (*ncore)
		qsort(*core, *ncore, sizeof(**core), rec_cmp);
	return 0;
}

static const struct rec *find_rec(const struct rec *recs, size_t n, uint32_t sec, uint32_t off)
{
	size_t lo = 0, hi = n;
	struct rec key = {.sec = sec, .off = off};

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = rec_cmp(&recs[mid], &key);

		if (c == 0)
			return &recs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int btf_ext_lines(struct userbpf_object *obj, struct userbpf_error *err)
{
	struct rec *recs, *core;
	size_t n, ncore;
	int ret;

	if (!obj->btf_ext_sec || !obj->btf)
		return 0;
	if ((ret = read_records(obj, &recs, &n, &core, &ncore, err)) < 0)
		return ret;
	for (uint32_t pi = 0; pi < obj->nprogs; pi++) {
		struct userbpf_object_prog *p = &obj->progs[pi];

		for (uint32_t i = 0; i < p->n && ncore; i++)
			if ((uint64_t)p->orig_insn[i] * 8 <= UINT32_MAX &&
			    find_rec(core, ncore, p->orig_sec[i], p->orig_insn[i] * 8))
				p->core_relos++;
		if (!n)
			continue;
		p->lines = calloc(p->n ? p->n : 1, sizeof(*p->lines));
		if (!p->lines) {
			free(recs);
			free(core);
			return err_set(err, -ENOMEM, C, -1, "out of memory");
		}
		for (uint32_t i = 0; i < p->n; i++) {
			const struct rec *r;
			const char *file, *text;

			if ((uint64_t)p->orig_insn[i] * 8 > UINT32_MAX)
				continue;
			r = find_rec(recs, n, p->orig_sec[i], p->orig_insn[i] * 8);
			if (!r)
				continue;
			file = btf__name_by_offset(obj->btf, r->file_off);
			text = btf__name_by_offset(obj->btf, r->line_off);
			p->lines[p->nlines++] = (struct obj_line){
				i, r->line_col >> 10, r->line_col & 0x3ff, file ? file : "",
				text ? text : ""};
		}
	}
	free(recs);
	free(core);
	return 0;
}
