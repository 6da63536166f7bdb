/* SPDX-License-Identifier: MIT */
/* buf.c - growable byte buffers, hex parsing and whole-file reads. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int buf_reserve(struct buf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->len + extra + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len))
		return -ENOMEM;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long hex_parse(const char *text, uint8_t **out, struct userbpf_error *err)
{
	size_t cap = strlen(text) / 2 + 1, n = 0;
	uint8_t *bytes = malloc(cap);
	const char *p = text;
	int hi = -1;

	if (!bytes)
		return err_set(err, -ENOMEM, "util", -1, "out of memory");
	while (*p) {
		int v;

		if (isspace((unsigned char)*p) || *p == ',') {
			if (hi >= 0)
				goto odd;
			p++;
			continue;
		}
		if (hi < 0 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			p += 2;
			continue;
		}
		v = hexval((unsigned char)*p);
		if (v < 0) {
			free(bytes);
			return err_set(err, -EINVAL, "util", -1,
				       "invalid hex digit '%c' at offset %zu", *p, (size_t)(p - text));
		}
		if (hi < 0) {
			hi = v;
		} else {
			bytes[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
		p++;
	}
	if (hi >= 0)
		goto odd;
	*out = bytes;
	return (long)n;
odd:
	free(bytes);
	return err_set(err, -EINVAL, "util", -1, "odd number of hex digits at offset %zu",
		       (size_t)(p - text));
}

int file_read(const char *path, char **data, size_t *len, struct userbpf_error *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = {0};
	char chunk[65536];
	size_t n;

	if (!f)
		return err_set(err, -errno, "io", -1, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n)) {
			fclose(f);
			buf_free(&b);
			return err_set(err, -ENOMEM, "util", -1, "%s: out of memory", path);
		}
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		buf_free(&b);
		return err_set(err, -e, "io", -1, "%s: read error: %s", path, strerror(e));
	}
	fclose(f);
	if (buf_reserve(&b, 0)) {
		buf_free(&b);
		return err_set(err, -ENOMEM, "util", -1, "%s: out of memory", path);
	}
	b.data[b.len] = '\0';
	*data = b.data;
	*len = b.len;
	return 0;
}
