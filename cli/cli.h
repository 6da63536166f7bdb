/* SPDX-License-Identifier: MIT */
/*
 * cli.h - shared pieces of the userbpf command-line tool: the command table, bpftool-style
 * keyword matching, error reporting ("Error: ..." and exit status 2 for bad usage), output
 * mode (-j/-p JSON), and loading a program from a file of any supported kind.
 */
#ifndef USERBPF_CLI_H
#define USERBPF_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "userbpf.h"

/* Exit statuses: 0 success, 1 the operation failed (program error, test failure), 2 usage. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli {
	bool json;   /* -j */
	bool pretty; /* -p (implies -j) */
	const char *prog_name;
};

struct cli_cmd {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv); /* argv[0] is the command name */
	const char *usage;   /* one line: arguments */
	const char *summary; /* one line: what it does */
};

/* Print "Error: <msg>" to stderr (bpftool's wording) and return EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "Error: <formatted userbpf_error>" and return EXIT_FAIL. */
int cli_lib_error(const char *what, const struct userbpf_error *err);
/* Is `arg` an unambiguous prefix of keyword (bpftool's matching)? */
bool cli_is_prefix(const char *arg, const char *keyword);
/* Is it -h / --help / help? */
bool cli_is_help(const char *arg);

/* Back-end flags shared by every command that runs a program. */
struct cli_backend {
	enum userbpf_backend backend;
	bool checked;
	unsigned long long budget;
};
/* Consume argv[*i] if it is --jit, --interp, --checked or --budget N; returns 1 if consumed,
 * 0 if not a backend flag, or a negative value after printing an error. */
int cli_backend_flag(struct cli_backend *b, int argc, char **argv, int *i);

#endif
