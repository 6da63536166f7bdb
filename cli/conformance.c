/* SPDX-License-Identifier: MIT */
/*
 * conformance.c - `userbpf conformance` runs bpf_conformance .data files (and our own, which add
 * `-- error`); `userbpf conformance-plugin` speaks the upstream runner's plugin protocol: the
 * program as hex on stdin, memory as a hex argument, r0 printed in hex, non-zero exit on error.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "progfile.h"
#include "util/util.h"

struct conf_run {
	struct cli_backend be;
	bool verbose;
	int passed, failed;
};

/* Run one file; print a line for a failure (and for a pass when verbose). */
static void conf_file(struct conf_run *cr, const char *path)
{
	struct userbpf_error err;
	struct userbpf_env *env = NULL;
	struct userbpf_prog *prog = NULL;
	struct progfile pf;
	char msg[USERBPF_ERRMSG_MAX + 128] = "";
	uint64_t r0 = 0;
	bool ok;
	int ret;

	ret = progfile_read(path, PROGFILE_DATA, &pf, &err);
	if (ret) {
		userbpf_error_format(&err, msg, sizeof(msg));
		printf("FAIL %s: %s\n", path, msg);
		cr->failed++;
		return;
	}
	env = progfile_conformance_env(&err);
	if (env)
		prog = userbpf_prog_load(env, pf.code, pf.code_len, NULL, &err);
	if (prog) {
		USERBPF_OPTS(userbpf_run_opts, ro, .backend = cr->be.backend,
			     .checked = cr->be.checked, .budget = cr->be.budget);

		ret = userbpf_prog_run(prog, pf.mem, pf.mem_len, &ro, &r0, &err);
	} else {
		ret = err.code ? err.code : -EINVAL;
	}
	if (ret)
		userbpf_error_format(&err, msg, sizeof(msg));

	if (pf.expect_error) {
		ok = ret && strstr(msg, pf.expect_error);
		if (!ok && ret)
			printf("FAIL %s: expected error \"%s\", got \"%s\"\n", path, pf.expect_error, msg);
		else if (!ok)
			printf("FAIL %s: expected error \"%s\", got r0 = 0x%" PRIx64 "\n", path,
			       pf.expect_error, r0);
	} else if (ret) {
		ok = false;
		printf("FAIL %s: %s\n", path, msg);
	} else {
		ok = !pf.has_result || r0 == pf.result;
		if (!ok)
			printf("FAIL %s: expected 0x%" PRIx64 ", got 0x%" PRIx64 "\n", path, pf.result,
			       r0);
	}
	if (ok && cr->verbose)
		printf("PASS %s\n", path);
	if (ok)
		cr->passed++;
	else
		cr->failed++;
	userbpf_prog_free(prog);
	userbpf_env_free(env);
	progfile_free(&pf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.data file of a directory, in name order. */
static int conf_dir(struct conf_run *cr, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		fprintf(stderr, "Error: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".data"))
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!p)
				break;
			names = p;
		}
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		conf_file(cr, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int cmd_conformance(struct cli *cli, int argc, char **argv)
{
	struct conf_run cr = {0};
	int nargs = 0, r;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		r = cli_backend_flag(&cr.be, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			cr.verbose = true;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("conformance: unknown option '%s'", argv[i]);
		nargs++;
		if (stat(argv[i], &st))
			return cli_usage_error("%s: %s", argv[i], strerror(errno));
	}
	if (!nargs)
		return cli_usage_error("conformance: missing directory or file");
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (argv[i][0] == '-') {
			if (!strcmp(argv[i], "--budget"))
				i++;
			continue;
		}
		stat(argv[i], &st);
		if (S_ISDIR(st.st_mode))
			conf_dir(&cr, argv[i]);
		else
			conf_file(&cr, argv[i]);
	}
	if (cli->json)
		printf("{\"passed\":%d,\"failed\":%d}\n", cr.passed, cr.failed);
	else
		printf("%d passed, %d failed\n", cr.passed, cr.failed);
	return cr.failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_conformance_plugin(struct cli *cli, int argc, char **argv)
{
	struct cli_backend be = {0};
	const char *mem_hex = NULL;
	struct userbpf_error err;
	struct userbpf_env *env = NULL;
	struct userbpf_prog *prog = NULL;
	struct buf text = {0};
	uint8_t *code = NULL, *mem = NULL;
	long code_len, mem_len = 0;
	char chunk[4096];
	size_t got;
	uint64_t r0;
	int ret = EXIT_FAIL, r;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			printf("Usage: userbpf conformance-plugin [MEM_HEX] [--jit | --interp]\n"
			       "  Reads the program as hex bytes on stdin, runs it with r1 = MEM, r2 = "
			       "its length,\n  prints r0 in hex. Errors go to stderr, exit status 1.\n");
			return EXIT_OK;
		}
		r = cli_backend_flag(&be, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("conformance-plugin: unknown option '%s'", argv[i]);
		if (mem_hex)
			return cli_usage_error("conformance-plugin: one memory argument expected");
		mem_hex = argv[i];
	}
	if (mem_hex) {
		mem_len = hex_parse(mem_hex, &mem, &err);
		if (mem_len < 0)
			return cli_usage_error("memory: %s", err.message);
	}
	while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_append(&text, chunk, got);
	code_len = hex_parse(text.data ? text.data : "", &code, &err);
	buf_free(&text);
	if (code_len < 0) {
		fprintf(stderr, "Error: program: %s\n", err.message);
		goto out;
	}
	env = progfile_conformance_env(&err);
	if (env)
		prog = userbpf_prog_load(env, code, (size_t)code_len, NULL, &err);
	if (!prog) {
		cli_lib_error(NULL, &err);
		goto out;
	}
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .backend = be.backend, .checked = be.checked,
			     .budget = be.budget);

		if (userbpf_prog_run(prog, mem, (size_t)mem_len, &ro, &r0, &err)) {
			cli_lib_error(NULL, &err);
			goto out;
		}
	}
	printf("%" PRIx64 "\n", r0);
	ret = EXIT_OK;
out:
	userbpf_prog_free(prog);
	userbpf_env_free(env);
	free(code);
	free(mem);
	return ret;
}
