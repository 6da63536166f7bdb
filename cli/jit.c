/* SPDX-License-Identifier: MIT */
/*
 * jit.c - `userbpf jit PROG`: compile a program and print its x86-64 code disassembled with
 * capstone, each block under the BPF instruction it comes from (bpftool's `dump jited`).
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "progfile.h"

int cmd_jit(struct cli *cli, int argc, char **argv)
{
	enum userbpf_jit_mode mode = USERBPF_JIT_CHECKED;
	USERBPF_OPTS(userbpf_prog_opts, po);
	const char *in = NULL;
	struct userbpf_error err;
	struct userbpf_env *env = NULL;
	struct userbpf_prog *prog = NULL;
	struct progfile pf;
	bool bytes_only = false;
	int ret = EXIT_FAIL, n;
	char *text = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--checked"))
			mode = USERBPF_JIT_CHECKED;
		else if (!strcmp(argv[i], "--verified"))
			mode = USERBPF_JIT_VERIFIED;
		else if (!strcmp(argv[i], "--unsafe-trusted"))
			po.unsafe_trusted = true;
		else if (!strcmp(argv[i], "--size"))
			bytes_only = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("jit: unknown option '%s'", argv[i]);
		else if (!in)
			in = argv[i];
		else
			return cli_usage_error("jit: one program expected, got '%s' too", argv[i]);
	}
	if (!in)
		return cli_usage_error("jit: missing program (usage: userbpf jit PROG)");
	if (progfile_read(in, PROGFILE_AUTO, &pf, &err))
		return cli_lib_error(in, &err);
	env = progfile_conformance_env(&err);
	if (env)
		prog = userbpf_prog_load(env, pf.code, pf.code_len, &po, &err);
	if (!prog) {
		cli_lib_error(in, &err);
		goto out;
	}
	{
		USERBPF_OPTS(userbpf_jit_opts, jo, .mode = mode);

		if (userbpf_prog_jit_compile(prog, &jo, &err)) {
			cli_lib_error(in, &err);
			goto out;
		}
	}
	if (bytes_only || cli->json) {
		size_t len = 0;

		userbpf_prog_jit_code(prog, mode, &len);
		if (cli->json)
			printf("{\"mode\":\"%s\",\"insns\":%zu,\"bytes\":%zu}\n",
			       mode == USERBPF_JIT_CHECKED ? "checked" : "verified", pf.code_len / 8,
			       len);
		else
			printf("%zu bytes of x86-64 for %zu BPF instructions (%s mode)\n", len,
			       pf.code_len / 8, mode == USERBPF_JIT_CHECKED ? "checked" : "verified");
		ret = EXIT_OK;
		goto out;
	}
	n = userbpf_prog_jit_dump(prog, mode, NULL, 0, &err);
	if (n < 0 || !(text = malloc((size_t)n + 1)) ||
	    userbpf_prog_jit_dump(prog, mode, text, (size_t)n + 1, &err) < 0) {
		cli_lib_error(in, &err);
		goto out;
	}
	fputs(text, stdout);
	ret = EXIT_OK;
out:
	free(text);
	userbpf_prog_free(prog);
	userbpf_env_free(env);
	progfile_free(&pf);
	return ret;
}
