/* SPDX-License-Identifier: MIT */
/* run.c - `userbpf run PROG`: load a program, run it on memory, print r0. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "progfile.h"
#include "util/util.h"

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct cli_backend be = {0};
	const char *in = NULL, *mem_hex = NULL, *mem_file = NULL;
	struct userbpf_error err;
	struct userbpf_env *env = NULL;
	struct userbpf_prog *prog = NULL;
	struct progfile pf;
	uint8_t *mem = NULL;
	size_t mem_len = 0;
	uint64_t r0;
	int ret = EXIT_FAIL, r;

	for (int i = 1; i < argc; i++) {
		r = cli_backend_flag(&be, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "--mem") || !strcmp(argv[i], "--mem-file")) {
			if (i + 1 >= argc)
				return cli_usage_error("%s needs an argument", argv[i]);
			if (argv[i][5] == '-')
				mem_file = argv[++i];
			else
				mem_hex = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("run: unknown option '%s'", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else {
			return cli_usage_error("run: one program expected, got '%s' too", argv[i]);
		}
	}
	if (!in)
		return cli_usage_error("run: missing program (usage: userbpf run PROG [--mem HEX])");
	if (mem_hex && mem_file)
		return cli_usage_error("run: give --mem or --mem-file, not both");
	if (progfile_read(in, PROGFILE_AUTO, &pf, &err))
		return cli_lib_error(in, &err);
	if (mem_hex) {
		long n = hex_parse(mem_hex, &mem, &err);

		if (n < 0) {
			progfile_free(&pf);
			fprintf(stderr, "Error: --mem: %s\n", err.message);
			return EXIT_USAGE;
		}
		mem_len = (size_t)n;
	} else if (mem_file) {
		char *data;

		if (file_read(mem_file, &data, &mem_len, &err)) {
			progfile_free(&pf);
			return cli_lib_error("--mem-file", &err);
		}
		mem = (uint8_t *)data;
	} else if (pf.has_mem) {
		mem = pf.mem;
		mem_len = pf.mem_len;
		pf.mem = NULL;
	}
	env = progfile_env(&pf, &err);
	if (!env) {
		cli_lib_error(NULL, &err);
		goto out;
	}
	{
		USERBPF_OPTS(userbpf_prog_opts, po, .maps = pf.maps, .nmaps = pf.nmaps);

		prog = userbpf_prog_load(env, pf.code, pf.code_len, &po, &err);
	}
	if (!prog) {
		cli_lib_error(in, &err);
		goto out;
	}
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .backend = be.backend, .checked = be.checked,
			     .budget = be.budget);

		if (userbpf_prog_run(prog, mem, mem_len, &ro, &r0, &err)) {
			cli_lib_error(in, &err);
			goto out;
		}
	}
	if (cli->json)
		printf("{\"r0\":\"0x%" PRIx64 "\"}\n", r0);
	else
		printf("0x%" PRIx64 "\n", r0);
	ret = EXIT_OK;
out:
	userbpf_prog_free(prog);
	userbpf_env_free(env);
	free(mem);
	progfile_free(&pf);
	return ret;
}
