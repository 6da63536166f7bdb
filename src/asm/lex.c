/* SPDX-License-Identifier: MIT */
/*
 * lex.c - the assembler's tokens within one line: blanks, literals, identifiers, integers and
 * registers, with errors that carry the line and column of the cursor.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "asm.h"

static bool is_ident_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_' || ch == '.';
}

static bool is_ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '.';
}

void lex_ws(struct asm_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

bool lex_at_end(struct asm_cur *c)
{
	lex_ws(c);
	return c->p >= c->end;
}

bool lex_peek(struct asm_cur *c, const char *s)
{
	size_t n = strlen(s);

	lex_ws(c);
	return (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0;
}

bool lex_eat(struct asm_cur *c, const char *s)
{
	if (!lex_peek(c, s))
		return false;
	c->p += strlen(s);
	return true;
}

bool lex_eat_word(struct asm_cur *c, const char *s)
{
	size_t n = strlen(s);

	if (!lex_peek(c, s))
		return false;
	if (c->p + n < c->end && is_ident_char(c->p[n]))
		return false;
	c->p += n;
	return true;
}

bool lex_ident(struct asm_cur *c, const char **s, size_t *len)
{
	const char *q;

	lex_ws(c);
	if (c->p >= c->end || !is_ident_start(*c->p))
		return false;
	q = c->p;
	while (q < c->end && is_ident_char(*q))
		q++;
	*s = c->p;
	*len = (size_t)(q - c->p);
	c->p = q;
	return true;
}

int asm_error(struct asm_ctx *x, const struct asm_cur *c, const char *fmt, ...)
{
	char msg[USERBPF_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set_at(x->err, -EINVAL, "asm", c->line, (int)(c->p - c->line_start) + 1, "%s",
			  msg);
}

/* A short quote of what is at the cursor, for "expected X, found Y". */
static void found(const struct asm_cur *c, char *buf, size_t len)
{
	size_t n = 0;
	const char *p = c->p;

	if (p >= c->end) {
		snprintf(buf, len, "end of line");
		return;
	}
	buf[n++] = '\'';
	while (p < c->end && n + 2 < len && n < 17 && *p != ' ' && *p != '\t')
		buf[n++] = *p++;
	buf[n++] = '\'';
	buf[n] = '\0';
}

int lex_end(struct asm_ctx *x, struct asm_cur *c)
{
	char f[32];

	if (lex_at_end(c) || *c->p == '#')
		return 0;
	found(c, f, sizeof(f));
	return asm_error(x, c, "expected end of line, found %s", f);
}

int lex_int(struct asm_ctx *x, struct asm_cur *c, int64_t *v, bool *hex)
{
	bool neg = false;
	uint64_t mag = 0;
	const char *start;
	char f[32];

	lex_ws(c);
	start = c->p;
	if (c->p < c->end && (*c->p == '-' || *c->p == '+')) {
		neg = *c->p == '-';
		c->p++;
	}
	*hex = false;
	if (c->end - c->p >= 3 && c->p[0] == '0' && (c->p[1] == 'x' || c->p[1] == 'X') &&
	    isxdigit((unsigned char)c->p[2])) {
		*hex = true;
		c->p += 2;
		while (c->p < c->end && isxdigit((unsigned char)*c->p)) {
			int d = isdigit((unsigned char)*c->p) ? *c->p - '0'
							      : (tolower((unsigned char)*c->p) - 'a' + 10);

			if (mag >> 60) {
				c->p = start;
				return asm_error(x, c, "number too large");
			}
			mag = mag << 4 | (uint64_t)d;
			c->p++;
		}
	} else if (c->p < c->end && isdigit((unsigned char)*c->p)) {
		while (c->p < c->end && isdigit((unsigned char)*c->p)) {
			unsigned d = (unsigned)(*c->p - '0');

			if (mag > (UINT64_MAX - d) / 10) {
				c->p = start;
				return asm_error(x, c, "number too large");
			}
			mag = mag * 10 + d;
			c->p++;
		}
	} else {
		c->p = start;
		found(c, f, sizeof(f));
		return asm_error(x, c, "expected a number, found %s", f);
	}
	if (c->p < c->end && is_ident_char(*c->p)) {
		found(c, f, sizeof(f));
		return asm_error(x, c, "unexpected %s after number", f);
	}
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1) {
			c->p = start;
			return asm_error(x, c, "number too large");
		}
		*v = (int64_t)(0 - mag);
	} else {
		*v = (int64_t)mag; /* values above INT64_MAX wrap: only lddw takes them */
	}
	return 0;
}

bool lex_peek_reg(struct asm_cur *c)
{
	const char *p;
	int digits = 0;

	lex_ws(c);
	p = c->p;
	if (p < c->end && *p == '%')
		p++;
	if (p >= c->end || (*p != 'r' && *p != 'w'))
		return false;
	p++;
	while (p < c->end && isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	return digits > 0 && (p >= c->end || !is_ident_char(*p));
}

int lex_reg(struct asm_ctx *x, struct asm_cur *c, int *reg, char *kind)
{
	const char *start;
	char f[32];
	int n = 0, digits = 0;

	lex_ws(c);
	start = c->p;
	if (c->p < c->end && *c->p == '%')
		c->p++;
	if (c->p >= c->end || (*c->p != 'r' && *c->p != 'w')) {
		c->p = start;
		found(c, f, sizeof(f));
		return asm_error(x, c, "expected a register, found %s", f);
	}
	*kind = *c->p++;
	while (c->p < c->end && isdigit((unsigned char)*c->p) && digits < 3) {
		n = n * 10 + (*c->p++ - '0');
		digits++;
	}
	if (!digits || (c->p < c->end && is_ident_char(*c->p))) {
		c->p = start;
		found(c, f, sizeof(f));
		return asm_error(x, c, "expected a register, found %s", f);
	}
	if (n > 10) {
		c->p = start;
		return asm_error(x, c, "bad register %c%d (r0-r10)", *kind, n);
	}
	*reg = n;
	return 0;
}

int asm_imm32(struct asm_ctx *x, const struct asm_cur *at, int64_t v, bool hex, int32_t *out)
{
	if (v >= INT32_MIN && v <= INT32_MAX) {
		*out = (int32_t)v;
		return 0;
	}
	if (hex && v > 0 && v <= (int64_t)UINT32_MAX) {
		*out = (int32_t)(uint32_t)v; /* 0xffffffff is -1, as the suite writes it */
		return 0;
	}
	return asm_error(x, at, "immediate %lld out of range for 32 bits", (long long)v);
}

int asm_off16(struct asm_ctx *x, const struct asm_cur *at, int64_t v, bool hex, int16_t *out)
{
	if (v >= INT16_MIN && v <= INT16_MAX) {
		*out = (int16_t)v;
		return 0;
	}
	if (hex && v > 0 && v <= UINT16_MAX) {
		*out = (int16_t)(uint16_t)v;
		return 0;
	}
	return asm_error(x, at, "offset %lld out of range for 16 bits", (long long)v);
}
