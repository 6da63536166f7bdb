/* SPDX-License-Identifier: MIT */
/*
 * datafile.c - the conformance suite's `.data` test format: "-- asm", "-- raw" (64-bit words),
 * "-- mem" (hex bytes), "-- result", "-- error", the ignored "-- c" and
 * "-- no register offset", and our "-- verifier accept|reject" and "-- msg" extensions.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"

enum section { S_NONE, S_ASM, S_RAW, S_MEM, S_RESULT, S_ERROR, S_MSG, S_IGNORE };

struct line {
	const char *p, *end;
	int no;
};

static void trim(const char **p, const char **end)
{
	while (*p < *end && isspace((unsigned char)**p))
		(*p)++;
	while (*end > *p && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

static bool is_word(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) == n && memcmp(p, w, n) == 0;
}

static int oom(struct userbpf_error *err)
{
	return err_set(err, -ENOMEM, "datafile", -1, "out of memory");
}

/* Append [p, end) and a newline to *s. */
static int append(char **s, size_t *len, const char *p, const char *end)
{
	size_t n = (size_t)(end - p);
	char *q = realloc(*s, *len + n + 2);

	if (!q)
		return -ENOMEM;
	memcpy(q + *len, p, n);
	*len += n;
	q[(*len)++] = '\n';
	q[*len] = '\0';
	*s = q;
	return 0;
}

/* "0x5566778800000018" -> one little-endian slot. */
static int raw_word(struct datafile *df, const char *p, const char *end, int line,
		    struct userbpf_error *err)
{
	uint64_t w = 0;
	int digits = 0;
	struct bpf_insn in = {0}, *r;

	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; p < end; p++, digits++) {
		if (!isxdigit((unsigned char)*p) || digits == 16)
			return err_set_at(err, -EINVAL, "datafile", line, 1,
					  "expected a 64-bit hex word in -- raw");
		w = w << 4 | (uint64_t)(isdigit((unsigned char)*p) ? *p - '0'
								: tolower((unsigned char)*p) - 'a' + 10);
	}
	if (!digits)
		return err_set_at(err, -EINVAL, "datafile", line, 1, "expected a hex word in -- raw");
	in.code = (uint8_t)w;
	in.dst_reg = (uint8_t)(w >> 8) & 0xf;
	in.src_reg = (uint8_t)(w >> 12) & 0xf;
	in.off = (int16_t)(uint16_t)(w >> 16);
	in.imm = (int32_t)(uint32_t)(w >> 32);
	r = realloc(df->raw, (df->nraw + 1) * sizeof(*r));
	if (!r)
		return oom(err);
	df->raw = r;
	df->raw[df->nraw++] = in;
	return 0;
}

static int result(struct datafile *df, const char *p, const char *end, int line,
		  struct userbpf_error *err)
{
	char buf[40], *e;
	size_t n = (size_t)(end - p);
	bool neg;

	if (df->has_result)
		return err_set_at(err, -EINVAL, "datafile", line, 1, "more than one -- result value");
	if (n == 0 || n >= sizeof(buf))
		return err_set_at(err, -EINVAL, "datafile", line, 1, "bad -- result value");
	memcpy(buf, p, n);
	buf[n] = '\0';
	neg = buf[0] == '-';
	errno = 0;
	df->result = neg ? (uint64_t)strtoll(buf, &e, 0) : strtoull(buf, &e, 0);
	if (errno || *e)
		return err_set_at(err, -EINVAL, "datafile", line, 1, "bad -- result value '%s'", buf);
	df->has_result = true;
	return 0;
}

static int section_header(struct datafile *df, const char *p, const char *end, int line,
			  enum section *s, struct userbpf_error *err)
{
	const char *w = p, *we;

	trim(&w, &end);
	we = w;
	while (we < end && !isspace((unsigned char)*we))
		we++;
	if (is_word(w, we, "asm"))
		*s = df->asm_text ? S_NONE : S_ASM;
	else if (is_word(w, we, "raw"))
		*s = S_RAW, df->has_raw = true;
	else if (is_word(w, we, "mem"))
		*s = S_MEM;
	else if (is_word(w, we, "result"))
		*s = S_RESULT;
	else if (is_word(w, we, "error"))
		*s = S_ERROR;
	else if (is_word(w, we, "c") || is_word(w, end, "no register offset")) {
		df->no_register_offset |= is_word(w, end, "no register offset");
		*s = S_IGNORE;
	} else if (is_word(w, we, "verifier")) {
		const char *a = we;

		trim(&a, &end);
		if (is_word(a, end, "accept"))
			df->verifier = DATAFILE_VERIFIER_ACCEPT;
		else if (is_word(a, end, "reject"))
			df->verifier = DATAFILE_VERIFIER_REJECT;
		else
			return err_set_at(err, -EINVAL, "datafile", line, 1,
					  "expected '-- verifier accept' or '-- verifier reject'");
		*s = S_IGNORE;
	} else if (is_word(w, we, "msg")) {
		const char *a = we;

		*s = S_MSG;
		trim(&a, &end);
		if (a < end) {
			size_t len = df->msg ? strlen(df->msg) : 0;

			if (append(&df->msg, &len, a, end))
				return oom(err);
		}
	} else {
		return err_set_at(err, -EINVAL, "datafile", line, 4, "unknown section '-- %.*s'",
				  (int)(end - w), w);
	}
	if (*s == S_NONE)
		return err_set_at(err, -EINVAL, "datafile", line, 1, "more than one -- asm section");
	if (*s == S_ASM) {
		/* one newline per line before the section, so line numbers stay the file's */
		df->asm_text = malloc((size_t)line + 1);
		if (!df->asm_text)
			return oom(err);
		memset(df->asm_text, '\n', (size_t)line);
		df->asm_text[line] = '\0';
	}
	return 0;
}

int datafile_parse(const char *text, struct datafile *out, struct userbpf_error *err)
{
	enum section s = S_NONE;
	struct buf mem = {0};
	size_t asm_len = 0, err_len = 0, msg_len;
	const char *p = text;
	int line = 0, ret = 0;

	memset(out, 0, sizeof(*out));
	err_clear(err);
	while (*p) {
		const char *eol = strchr(p, '\n'), *a, *e;

		if (!eol)
			eol = p + strlen(p);
		line++;
		a = p;
		e = eol;
		if (e > a && e[-1] == '\r')
			e--;
		if (e - a >= 2 && a[0] == '-' && a[1] == '-' && (e - a == 2 || a[2] == ' ')) {
			ret = section_header(out, a + 2, e, line, &s, err);
			if (ret)
				goto fail;
			if (s == S_ASM)
				asm_len = (size_t)line;
		} else {
			const char *t = a, *te = e;

			trim(&t, &te);
			switch (s) {
			case S_ASM:
				if (append(&out->asm_text, &asm_len, a, e))
					goto nomem;
				break;
			case S_RAW:
				if (t < te && *t != '#') {
					ret = raw_word(out, t, te, line, err);
					if (ret)
						goto fail;
				}
				break;
			case S_MEM:
				if (t < te && *t != '#') {
					if (buf_append(&mem, t, (size_t)(te - t)) || buf_append(&mem, " ", 1))
						goto nomem;
				}
				out->has_mem = true;
				break;
			case S_RESULT:
				if (t < te && *t != '#') {
					ret = result(out, t, te, line, err);
					if (ret)
						goto fail;
				}
				break;
			case S_ERROR:
				if (t < te && append(&out->error, &err_len, t, te))
					goto nomem;
				break;
			case S_MSG:
				msg_len = out->msg ? strlen(out->msg) : 0;
				if (t < te && append(&out->msg, &msg_len, t, te))
					goto nomem;
				break;
			default: break; /* preamble comments, -- c, -- no register offset */
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	if (out->has_mem || mem.len) {
		long n;

		out->has_mem = true;
		n = hex_parse(mem.data ? mem.data : "", &out->mem, err);
		if (n < 0) {
			ret = (int)n;
			goto fail;
		}
		out->mem_len = (size_t)n;
	}
	/* drop the trailing newline of one-line texts */
	if (out->error && err_len && out->error[err_len - 1] == '\n')
		out->error[err_len - 1] = '\0';
	if (out->msg && out->msg[0] && out->msg[strlen(out->msg) - 1] == '\n')
		out->msg[strlen(out->msg) - 1] = '\0';
	buf_free(&mem);
	return 0;
nomem:
	ret = oom(err);
fail:
	buf_free(&mem);
	datafile_free(out);
	return ret;
}

void datafile_free(struct datafile *df)
{
	if (!df)
		return;
	free(df->asm_text);
	free(df->raw);
	free(df->mem);
	free(df->error);
	free(df->msg);
	memset(df, 0, sizeof(*df));
}
