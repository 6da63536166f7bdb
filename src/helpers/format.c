/* SPDX-License-Identifier: MIT */
/*
 * format.c - formatted output for bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf,
 * following the kernel's rules for BPF format strings: the string must be NUL-terminated
 * within its size and printable; conversions are %d %i %u %x %X (32-bit, or 64-bit with l or
 * ll), %c, %s, %%, and the pointer forms %p %pK %px %pB, %pi4 %pI4 %pi6 %pI6, %pks %pus;
 * flags [-+ 0] and a width are allowed, precision is not. Strings and addresses behind %s and
 * %pI4 are read without faulting (helper_read_safe): a bad pointer prints as an empty string
 * or "(efault)" rather than ending the run, as in the kernel.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "vm/vm.h"

#define FMT_STR_MAX 512

struct out {
	char *buf;
	uint64_t size, len;
};

static void out_str(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
}

/* Format one conversion with libc from a spec we rebuilt ourselves (never the program's). */
#define OUT_PRINTF(o, ...)                                                                      \
	do {                                                                                    \
		char t_[FMT_STR_MAX + 64];                                                      \
		int n_ = snprintf(t_, sizeof(t_), __VA_ARGS__);                                 \
		if (n_ > 0)                                                                     \
			out_str((o), t_, (size_t)n_ < sizeof(t_) ? (size_t)n_ : sizeof(t_) - 1); \
	} while (0)

long helper_format(struct userbpf_call *call, const char *fmt, uint64_t fmt_size,
		   const uint64_t *args, uint32_t nargs, char *out, uint64_t outsz)
{
	struct out o = {out, outsz, 0};
	uint32_t used = 0;
	uint64_t i;

	if (!fmt_size || !memchr(fmt, 0, fmt_size))
		return -EINVAL;
	for (i = 0; fmt[i]; i++) {
		char spec[32], conv;
		size_t sl = 0;
		int lng = 0;
		uint64_t arg;

		if ((unsigned char)fmt[i] < 0x20 && fmt[i] != '\n' && fmt[i] != '\t' &&
		    fmt[i] != '\r')
			return -EINVAL;
		if ((unsigned char)fmt[i] >= 0x7f)
			return -EINVAL;
		if (fmt[i] != '%') {
			out_str(&o, &fmt[i], 1);
			continue;
		}
		if (fmt[i + 1] == '%') {
			out_str(&o, "%", 1);
			i++;
			continue;
		}
		if (used >= nargs)
			return -EINVAL;
		arg = args[used++];
		spec[sl++] = '%';
		i++;
		while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') {
			if (sl < 8)
				spec[sl++] = fmt[i];
			i++;
		}
		if (fmt[i] >= '1' && fmt[i] <= '9') {
			int digits = 0;

			while (fmt[i] >= '0' && fmt[i] <= '9') {
				if (++digits > 3)
					return -EINVAL; /* a width over 999 is surely a mistake */
				spec[sl++] = fmt[i++];
			}
		}
		conv = fmt[i];
		if (conv == 'p') {
			char k = fmt[i + 1];

			if ((k == 'i' || k == 'I') && (fmt[i + 2] == '4' || fmt[i + 2] == '6')) {
				uint8_t ip[16];
				bool v6 = fmt[i + 2] == '6';

				i += 2;
				if (helper_read_safe(call, ip, arg, v6 ? 16 : 4) < 0) {
					out_str(&o, "(efault)", 8);
					continue;
				}
				if (!v6 && k == 'I')
					OUT_PRINTF(&o, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
				else if (!v6)
					OUT_PRINTF(&o, "%03u.%03u.%03u.%03u", ip[0], ip[1], ip[2], ip[3]);
				else
					for (int w = 0; w < 8; w++) {
						if (k == 'I')
							OUT_PRINTF(&o, w ? ":%02x%02x" : "%02x%02x",
								   ip[2 * w], ip[2 * w + 1]);
						else
							OUT_PRINTF(&o, "%02x%02x", ip[2 * w], ip[2 * w + 1]);
					}
				continue;
			}
			if ((k == 'k' || k == 'u') && fmt[i + 2] == 's') {
				i += 2;
				conv = 's';
				goto string;
			}
			if (k == 'K' || k == 'x' || k == 'B')
				i++;
			OUT_PRINTF(&o, "%016" PRIx64, arg);
			continue;
		}
		if (conv == 's') {
			char str[FMT_STR_MAX];
			long n;
string:
			n = helper_read_str_safe(call, str, arg, sizeof(str));
			if (n < 0)
				n = 0;
			str[n] = 0;
			spec[sl++] = 's';
			spec[sl] = 0;
			OUT_PRINTF(&o, spec, str);
			continue;
		}
		if (conv == 'c') {
			spec[sl++] = 'c';
			spec[sl] = 0;
			OUT_PRINTF(&o, spec, (int)(unsigned char)arg);
			continue;
		}
		if (conv == 'l') {
			lng = 1;
			conv = fmt[++i];
			if (conv == 'l') {
				lng = 2;
				conv = fmt[++i];
			}
		}
		if (conv != 'd' && conv != 'i' && conv != 'u' && conv != 'x' && conv != 'X')
			return -EINVAL;
		memcpy(spec + sl, "ll", 2);
		sl += 2;
		spec[sl++] = conv;
		spec[sl] = 0;
		if (conv == 'd' || conv == 'i') {
			long long v = lng ? (long long)(int64_t)arg : (long long)(int32_t)(uint32_t)arg;

			OUT_PRINTF(&o, spec, v);
		} else {
			unsigned long long v = lng ? (unsigned long long)arg
						   : (unsigned long long)(uint32_t)arg;

			OUT_PRINTF(&o, spec, v);
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = 0;
	return (long)o.len;
}

/* Deliver one line to the environment's log (stderr by default). */
static void log_line(struct userbpf_call *call, const char *line, size_t len)
{
	const struct userbpf_env *env = call->prog->env;

	if (env->log_fn)
		env->log_fn(env->log_ctx, line, len);
	else
		fprintf(stderr, "%.*s%s", (int)len, line,
			len && line[len - 1] == '\n' ? "" : "\n");
}

static uint64_t printk(struct userbpf_call *call, uint64_t fmt, uint64_t fmt_size,
		       const uint64_t *args, uint32_t nargs, const char *name)
{
	char line[FMT_STR_MAX];
	long n;

	if (!helper_mem(call, fmt, fmt_size, false, name, "format"))
		return 0;
	n = helper_format(call, (const char *)(uintptr_t)fmt, fmt_size, args, nargs, line,
			  sizeof(line));
	if (n < 0)
		return (uint64_t)n;
	log_line(call, line, strlen(line));
	return (uint64_t)n;
}

uint64_t helper_trace_printk(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct userbpf_call *call)
{
	uint64_t args[3] = {r3, r4, r5};

	return printk(call, r1, r2, args, 3, "bpf_trace_printk");
}

/* The data array of trace_vprintk / snprintf: at most 12 u64 values. */
static int data_args(struct userbpf_call *call, uint64_t data, uint64_t len, uint64_t *args,
		     const char *name)
{
	if (len % 8 || len > 12 * 8 || (len && !data))
		return -EINVAL;
	if (!helper_mem(call, data, len, false, name, "data"))
		return -EFAULT;
	if (len)
		memcpy(args, (const void *)(uintptr_t)data, len);
	return (int)(len / 8);
}

uint64_t helper_trace_vprintk(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct userbpf_call *call)
{
	uint64_t args[12];
	int n = data_args(call, r3, r4, args, "bpf_trace_vprintk");

	if (n < 0)
		return n == -EFAULT ? 0 : (uint64_t)(int64_t)n;
	return printk(call, r1, r2, args, (uint32_t)n, "bpf_trace_vprintk");
}

uint64_t helper_snprintf(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct userbpf_call *call)
{
	uint64_t args[12];
	long fl, n;
	int na = data_args(call, r4, r5, args, "bpf_snprintf");

	if (na < 0)
		return na == -EFAULT ? 0 : (uint64_t)(int64_t)na;
	if ((r2 && !r1) || !helper_mem(call, r1, r2, true, "bpf_snprintf", "str"))
		return r2 && !r1 ? (uint64_t)-EINVAL : 0;
	fl = helper_str(call, r3, 4096, "bpf_snprintf");
	if (fl < 0)
		return call->abort_code ? 0 : (uint64_t)-EINVAL;
	n = helper_format(call, (const char *)(uintptr_t)r3, (uint64_t)fl + 1, args, (uint32_t)na,
			  (char *)(uintptr_t)r1, r2);
	/* The kernel returns the length including the NUL. */
	return n < 0 ? (uint64_t)n : (uint64_t)n + 1;
}
