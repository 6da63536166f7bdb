/* SPDX-License-Identifier: MIT */
/*
 * main.c - the userbpf command line: global options, then `userbpf COMMAND ...` dispatched
 * through one table with bpftool's unambiguous-prefix matching.
 */
#include <string.h>

#include "cli.h"
#include "commands.h"

static const struct cli_cmd commands[] = {
	CLI_COMMANDS
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: userbpf [OPTIONS] COMMAND [ARGS...]\n"
		   "       userbpf COMMAND --help\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-20s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nOptions:\n"
		   "  -j, --json      JSON output where the command supports it\n"
		   "  -p, --pretty    pretty-printed JSON (implies -j)\n"
		   "  -h, --help      this help\n"
		   "  -V, --version   print the version\n");
}

int main(int argc, char **argv)
{
	struct cli cli = {.prog_name = "userbpf"};
	const struct cli_cmd *hit = NULL;
	int i = 1, nhits = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			cli.json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			cli.json = cli.pretty = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("userbpf " USERBPF_VERSION "\n");
			return EXIT_OK;
		} else {
			return cli_usage_error("unknown option '%s' (see userbpf --help)", a);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	/* An exact name wins; otherwise the prefix must select exactly one command. */
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (!strcmp(argv[i], commands[c].name)) {
			hit = &commands[c];
			nhits = 1;
			break;
		}
		if (cli_is_prefix(argv[i], commands[c].name)) {
			hit = &commands[c];
			nhits++;
		}
	}
	if (nhits == 0)
		return cli_usage_error("unknown command '%s' (see userbpf --help)", argv[i]);
	if (nhits > 1)
		return cli_usage_error("ambiguous command '%s' (see userbpf --help)", argv[i]);
	if (argc > i + 1 && cli_is_help(argv[i + 1]) && strcmp(hit->name, "conformance-plugin")) {
		printf("Usage: userbpf %s %s\n  %s\n", hit->name, hit->usage, hit->summary);
		return EXIT_OK;
	}
	return hit->run(&cli, argc - i, argv + i);
}
