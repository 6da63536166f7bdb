/* SPDX-License-Identifier: MIT */
/* common.c - error printing, keyword matching and the back-end flags every run command takes. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_lib_error(const char *what, const struct userbpf_error *err)
{
	char msg[USERBPF_ERRMSG_MAX + 128];

	userbpf_error_format(err, msg, sizeof(msg));
	if (what && !strstr(err->message, what))
		fprintf(stderr, "Error: %s: %s\n", what, msg);
	else
		fprintf(stderr, "Error: %s\n", msg);
	return EXIT_FAIL;
}

bool cli_is_prefix(const char *arg, const char *keyword)
{
	size_t n = strlen(arg);

	return n > 0 && strncmp(arg, keyword, n) == 0;
}

bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}

int cli_backend_flag(struct cli_backend *b, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--jit")) {
		b->backend = USERBPF_BACKEND_JIT;
		return 1;
	}
	if (!strcmp(a, "--interp")) {
		b->backend = USERBPF_BACKEND_INTERP;
		return 1;
	}
	if (!strcmp(a, "--checked")) {
		b->checked = true;
		return 1;
	}
	if (!strcmp(a, "--budget")) {
		char *end;

		if (*i + 1 >= argc)
			return -cli_usage_error("--budget needs a number");
		errno = 0;
		b->budget = strtoull(argv[*i + 1], &end, 0);
		if (errno || *end || !*argv[*i + 1] || argv[*i + 1][0] == '-' || b->budget == 0)
			return -cli_usage_error("--budget: '%s' is not a positive number", argv[*i + 1]);
		(*i)++;
		return 1;
	}
	return 0;
}
