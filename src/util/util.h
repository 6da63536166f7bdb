/* SPDX-License-Identifier: MIT */
/*
 * util.h - private interface of src/util: error reporting, allocation through the host
 * allocator, growable byte buffers and hex parsing. Depends on nothing else in userbpf.
 */
#ifndef USERBPF_UTIL_H
#define USERBPF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/*
 * Fill err (if not NULL) and return code, so failure paths read
 *     return err_set(err, -EINVAL, "isa", pc, "unknown opcode %02x", code);
 * insn < 0 means "not about one instruction".
 */
int err_set(struct userbpf_error *err, int code, const char *component, int insn, const char *fmt,
	    ...) PRINTF_LIKE(5, 6);
int err_vset(struct userbpf_error *err, int code, const char *component, int insn, const char *fmt,
	     va_list ap);
/* The same with a text location (line, column; 1-based). */
int err_set_at(struct userbpf_error *err, int code, const char *component, int line, int column,
	       const char *fmt, ...) PRINTF_LIKE(6, 7);
/* Reset err to "no error". */
void err_clear(struct userbpf_error *err);

/* Growable byte buffer. */
struct buf {
	char *data;
	size_t len, cap;
};
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_free(struct buf *b);

/*
 * Parse hex bytes ("aa bb 11", "aabb11", "0xaa 0xbb", with whitespace and newlines) into a
 * newly allocated buffer. Returns the byte count or a negative errno; *out is malloc'd.
 */
long hex_parse(const char *text, uint8_t **out, struct userbpf_error *err);

/* Read a whole file into a NUL-terminated malloc'd buffer. Returns 0 or -errno. */
int file_read(const char *path, char **data, size_t *len, struct userbpf_error *err);

#endif
