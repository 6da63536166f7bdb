/* SPDX-License-Identifier: MIT */
/* err.c - filling and formatting struct userbpf_error. */
#include <stdio.h>
#include <string.h>

#include "util.h"

int err_vset(struct userbpf_error *err, int code, const char *component, int insn, const char *fmt,
	     va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->component = component;
	err->insn = insn;
	err->line = 0;
	err->column = 0;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	return code;
}

int err_set(struct userbpf_error *err, int code, const char *component, int insn, const char *fmt,
	    ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, code, component, insn, fmt, ap);
	va_end(ap);
	return code;
}

int err_set_at(struct userbpf_error *err, int code, const char *component, int line, int column,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, code, component, -1, fmt, ap);
	va_end(ap);
	if (err) {
		err->line = line;
		err->column = column;
	}
	return code;
}

void err_clear(struct userbpf_error *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	err->insn = -1;
}

int userbpf_error_format(const struct userbpf_error *err, char *buf, size_t len)
{
	const char *comp = err->component ? err->component : "userbpf";

	if (err->line > 0 && err->column > 0)
		return snprintf(buf, len, "%s: line %d, column %d: %s", comp, err->line, err->column,
				err->message);
	if (err->line > 0)
		return snprintf(buf, len, "%s: line %d: %s", comp, err->line, err->message);
	if (err->insn >= 0)
		return snprintf(buf, len, "%s: insn %d: %s", comp, err->insn, err->message);
	return snprintf(buf, len, "%s: %s", comp, err->message);
}
