/* SPDX-License-Identifier: MIT */
/*
 * parse.c - reading classic BPF back from the `tcpdump -d`, `-dd` and `-ddd` text formats.
 * The reader accepts what print.c writes (and what tcpdump writes), with any spacing; numbers
 * may be decimal, hex or negative wherever one is expected. Errors name the line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf_text.h"

struct cursor {
	const char *p;
	int line;
	struct userbpf_error *err;
};

#define PARSE_ERR(c, ...) err_set_at((c)->err, -EINVAL, "cbpf", (c)->line, 0, __VA_ARGS__)

static void skip_blank(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')
		c->p++;
}

static bool eat(struct cursor *c, const char *s)
{
	size_t n = strlen(s);

	skip_blank(c);
	if (strncmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* A 32-bit value: decimal, 0x hex, or negative (two's complement). */
static bool number(struct cursor *c, uint32_t *out)
{
	char *end;

	skip_blank(c);
	if (!(isdigit((unsigned char)*c->p) || (*c->p == '-' && isdigit((unsigned char)c->p[1]))))
		return false;
	/* Decimal unless 0x: "(008)" is instruction eight, not bad octal. */
	const char *digits = c->p + (*c->p == '-');
	int base = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') ? 16 : 10;
	errno = 0;
	long long v = strtoll(c->p, &end, base);
	if (errno || end == c->p || v < INT32_MIN || v > (long long)UINT32_MAX)
		return false;
	c->p = end;
	*out = (uint32_t)v;
	return true;
}

static bool at_eol(struct cursor *c)
{
	skip_blank(c);
	return *c->p == '\n' || *c->p == 0;
}

static void next_line(struct cursor *c)
{
	while (*c->p && *c->p != '\n')
		c->p++;
	if (*c->p == '\n') {
		c->p++;
		c->line++;
	}
}

/* Skip empty lines; false at the end of the text. */
static bool next_content(struct cursor *c)
{
	for (;;) {
		skip_blank(c);
		if (*c->p == 0)
			return false;
		if (*c->p != '\n')
			return true;
		next_line(c);
	}
}

static int push(struct sock_filter **v, size_t *n, size_t *cap, struct sock_filter ins)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct sock_filter *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = ins;
	return 0;
}

/* Parse an operand written as [name] for an ancillary load. */
static bool ancillary_by_name(const char *s, size_t len, uint32_t *k)
{
	for (uint32_t off = 0; off < SKF_AD_MAX; off += 4) {
		uint32_t cand = (uint32_t)SKF_AD_OFF + off;
		const char *name = cbpf_ancillary_name(cand);

		if (name && strlen(name) == len && strncmp(name, s, len) == 0) {
			*k = cand;
			return true;
		}
	}
	return false;
}

/* Jump target T written at pc: the relative offset T - pc - 1, which must fit in max. */
static bool rel_target(uint32_t target, size_t pc, uint32_t max, uint32_t *rel)
{
	uint64_t t = target, base = (uint64_t)pc + 1;

	if (t < base || t - base > max)
		return false;
	*rel = (uint32_t)(t - base);
	return true;
}

static int parse_d_line(struct cursor *c, size_t pc, struct sock_filter *ins)
{
	uint32_t num, k = 0, t;
	char word[16];
	size_t wl = 0;
	enum cbpf_opnd kind;

	if (!eat(c, "(") || !number(c, &num) || !eat(c, ")"))
		return PARSE_ERR(c, "expected \"(NNN)\" instruction number");
	if (num != pc)
		return PARSE_ERR(c, "instruction number %u, expected %zu", num, pc);
	skip_blank(c);
	while (isalpha((unsigned char)*c->p) && wl < sizeof(word) - 1)
		word[wl++] = *c->p++;
	word[wl] = 0;
	if (wl == 0)
		return PARSE_ERR(c, "expected a mnemonic");

	/* Classify the operand. */
	skip_blank(c);
	if (at_eol(c)) {
		kind = OPND_NONE;
	} else if (eat(c, "#pktlen")) {
		kind = OPND_PKTLEN;
	} else if (eat(c, "#")) {
		if (!number(c, &k))
			return PARSE_ERR(c, "expected a number after '#'");
		kind = OPND_IMM_DEC;
	} else if (eat(c, "M[")) {
		if (!number(c, &k) || !eat(c, "]"))
			return PARSE_ERR(c, "expected M[number]");
		kind = OPND_MEM;
	} else if (eat(c, "4*([")) {
		if (!number(c, &k) || !eat(c, "]&0xf)"))
			return PARSE_ERR(c, "expected 4*([number]&0xf)");
		kind = OPND_MSH;
	} else if (eat(c, "[")) {
		const char *save = c->p;

		if (eat(c, "x") && eat(c, "+")) {
			if (!number(c, &k) || !eat(c, "]"))
				return PARSE_ERR(c, "expected [x + number]");
			kind = OPND_IND;
		} else if ((c->p = save), number(c, &k)) {
			if (!eat(c, "]"))
				return PARSE_ERR(c, "expected ']'");
			kind = OPND_ABS;
		} else {
			const char *s = c->p;

			while (*c->p && *c->p != ']' && *c->p != '\n')
				c->p++;
			if (*c->p != ']' || !ancillary_by_name(s, (size_t)(c->p - s), &k))
				return PARSE_ERR(c, "unknown packet operand [%.*s]", (int)(c->p - s), s);
			c->p++;
			kind = OPND_ABS;
		}
	} else if (eat(c, "x")) {
		kind = OPND_X;
	} else if (number(c, &k)) {
		kind = OPND_JA;
	} else {
		return PARSE_ERR(c, "cannot read operand \"%.20s\"", c->p);
	}

	bool cond = false;
	uint32_t jt = 0, jf = 0;
	if (eat(c, "jt")) {
		if (!number(c, &t) || !rel_target(t, pc, 255, &jt))
			return PARSE_ERR(c, "jt target must be 1 to 256 instructions ahead");
		if (!eat(c, "jf") || !number(c, &t) || !rel_target(t, pc, 255, &jf))
			return PARSE_ERR(c, "jf target must be 1 to 256 instructions ahead");
		cond = true;
	}
	if (!at_eol(c))
		return PARSE_ERR(c, "unexpected text \"%.20s\"", c->p);

	for (size_t i = 0; i < cbpf_nmnemonics; i++) {
		const struct cbpf_mnemonic *m = &cbpf_mnemonics[i];
		enum cbpf_opnd want = m->opnd;

		if (strcmp(m->name, word) != 0)
			continue;
		if (want == OPND_IMM_HEX)
			want = OPND_IMM_DEC;
		if (cond) {
			if (!((want == OPND_JCOND_K && kind == OPND_IMM_DEC) ||
			      (want == OPND_JCOND_X && kind == OPND_X)))
				continue;
		} else if (want != kind) {
			continue;
		}
		if (kind == OPND_JA) {
			uint32_t rel = (uint32_t)(k - (uint32_t)pc - 1);

			k = rel;
		}
		ins->code = m->code;
		ins->jt = (uint8_t)jt;
		ins->jf = (uint8_t)jf;
		ins->k = kind == OPND_X || kind == OPND_NONE || kind == OPND_PKTLEN ? 0 : k;
		return 0;
	}
	return PARSE_ERR(c, "unknown instruction \"%s\" with this operand", word);
}

static int parse_dd_line(struct cursor *c, struct sock_filter *ins)
{
	uint32_t code, jt, jf, k;

	if (!eat(c, "{") || !number(c, &code) || !eat(c, ",") || !number(c, &jt) || !eat(c, ",") ||
	    !number(c, &jf) || !eat(c, ",") || !number(c, &k) || !eat(c, "}"))
		return PARSE_ERR(c, "expected \"{ code, jt, jf, k }\"");
	eat(c, ",");
	if (!at_eol(c))
		return PARSE_ERR(c, "unexpected text \"%.20s\"", c->p);
	if (code > 0xffff || jt > 255 || jf > 255)
		return PARSE_ERR(c, "field out of range");
	*ins = (struct sock_filter){ (uint16_t)code, (uint8_t)jt, (uint8_t)jf, k };
	return 0;
}

static int parse_ddd_line(struct cursor *c, struct sock_filter *ins)
{
	uint32_t code, jt, jf, k;

	if (!number(c, &code) || !number(c, &jt) || !number(c, &jf) || !number(c, &k))
		return PARSE_ERR(c, "expected \"code jt jf k\"");
	if (!at_eol(c))
		return PARSE_ERR(c, "unexpected text \"%.20s\"", c->p);
	if (code > 0xffff || jt > 255 || jf > 255)
		return PARSE_ERR(c, "field out of range");
	*ins = (struct sock_filter){ (uint16_t)code, (uint8_t)jt, (uint8_t)jf, k };
	return 0;
}

int cbpf_parse(const char *text, enum cbpf_format fmt, struct sock_filter **out, size_t *n,
	       struct userbpf_error *err)
{
	struct cursor c = { text, 1, err };
	struct sock_filter *v = NULL, ins = { 0, 0, 0, 0 };
	size_t cnt = 0, cap = 0;
	uint32_t declared = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (!next_content(&c))
		return PARSE_ERR(&c, "no instructions");
	if (fmt == CBPF_FMT_AUTO)
		fmt = *c.p == '(' ? CBPF_FMT_D : *c.p == '{' ? CBPF_FMT_DD : CBPF_FMT_DDD;
	int count_line = c.line;
	if (fmt == CBPF_FMT_DDD) {
		if (!number(&c, &declared) || !at_eol(&c))
			return PARSE_ERR(&c, "expected the instruction count");
		if (declared > CBPF_MAX_INSNS)
			return PARSE_ERR(&c, "instruction count %u above %d", declared, CBPF_MAX_INSNS);
		next_line(&c);
	}
	while (next_content(&c)) {
		if (cnt >= CBPF_MAX_INSNS) {
			ret = PARSE_ERR(&c, "more than %d instructions", CBPF_MAX_INSNS);
			break;
		}
		if (fmt == CBPF_FMT_D)
			ret = parse_d_line(&c, cnt, &ins);
		else if (fmt == CBPF_FMT_DD)
			ret = parse_dd_line(&c, &ins);
		else
			ret = parse_ddd_line(&c, &ins);
		if (ret)
			break;
		if (push(&v, &cnt, &cap, ins)) {
			ret = err_set(err, -ENOMEM, "cbpf", -1, "out of memory");
			break;
		}
		next_line(&c);
	}
	if (!ret && fmt == CBPF_FMT_DDD && cnt != declared) {
		c.line = count_line;
		ret = PARSE_ERR(&c, "%zu instructions, the first line says %u", cnt, declared);
	}
	if (!ret && cnt == 0)
		ret = PARSE_ERR(&c, "no instructions");
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*n = cnt;
	return 0;
}
