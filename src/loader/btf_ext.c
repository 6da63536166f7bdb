/* SPDX-License-Identifier: MIT */
/*
 * btf_ext.c - line info from .BTF.ext, read with our own small reader (libbpf keeps its
 * btf_ext records private). The section is a header, then per ELF section a list of
 * struct bpf_line_info records {insn_off (bytes), file_name_off, line_off, line_col}; the
 * strings live in .BTF. After relocation every program instruction knows which section and
 * instruction it came from, so each program gets its own (insn -> file:line:col, text) table,
 * which verifier and run-time messages use to show the C source line.
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

/* Parse every line_info record into a sorted array. */
static int read_records(struct userbpf_object *obj, struct rec **out, size_t *nout,
			struct userbpf_error *err)
{
	const struct obj_sec *s = &obj->secs[obj->btf_ext_sec];
	uint32_t hdr_len, li_off, li_len, rec_size;
	const uint8_t *p, *end;
	struct rec *recs = NULL;
	size_t n = 0, cap = 0;
	uint16_t magic;

	*out = NULL;
	*nout = 0;
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
	if (li_len == 0)
		return 0;
	p = s->data + hdr_len + li_off;
	end = p + li_len;
	if (li_len < 4)
		return err_set(err, -EINVAL, C, -1, "section %u (.BTF.ext): line info too short",
			       obj->btf_ext_sec);
	rec_size = rd32(p);
	p += 4;
	if (rec_size < sizeof(struct bpf_line_info) || rec_size > 1024)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (.BTF.ext) offset 0x%zx: line info record size %u",
			       obj->btf_ext_sec, (size_t)(p - 4 - s->data), rec_size);
	while (p < end) {
		const char *secname;
		uint32_t sec, num;

		if (end - p < 8) {
			free(recs);
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.BTF.ext) offset 0x%zx: truncated line info",
				       obj->btf_ext_sec, (size_t)(p - s->data));
		}
		secname = btf__name_by_offset(obj->btf, rd32(p));
		num = rd32(p + 4);
		p += 8;
		if (!secname || (uint64_t)num * rec_size > (uint64_t)(end - p)) {
			free(recs);
			return err_set(err, -EINVAL, C, -1,
				       "section %u (.BTF.ext) offset 0x%zx: bad section name or %u "
				       "records past the end",
				       obj->btf_ext_sec, (size_t)(p - 8 - s->data), num);
		}
		sec = sec_by_name(obj, secname);
		for (uint32_t i = 0; i < num; i++, p += rec_size) {
			if (!sec)
				continue; /* a section this object does not have: ignore */
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct rec *grown = realloc(recs, ncap * sizeof(*recs));

				if (!grown) {
					free(recs);
					return err_set(err, -ENOMEM, C, -1, "out of memory");
				}
				recs = grown;
				cap = ncap;
			}
			recs[n++] = (struct rec){sec, rd32(p), rd32(p + 4), rd32(p + 8), rd32(p + 12)};
		}
	}
	if (n)
		qsort(recs, n, sizeof(*recs), rec_cmp);
	*out = recs;
	*nout = n;
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
	struct rec *recs;
	size_t n;
	int ret;

	if (!obj->btf_ext_sec || !obj->btf)
		return 0;
	if ((ret = read_records(obj, &recs, &n, err)) < 0)
		return ret;
	for (uint32_t pi = 0; pi < obj->nprogs && n; pi++) {
		struct userbpf_object_prog *p = &obj->progs[pi];

		p->lines = calloc(p->n ? p->n : 1, sizeof(*p->lines));
		if (!p->lines) {
			free(recs);
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
	return 0;
}
