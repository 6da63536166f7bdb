/* SPDX-License-Identifier: MIT */
/*
 * verify.c - `userbpf verify PROG`: run the verifier and print its log in the kernel's format,
 * then `verification OK` or the rejection. Exit 0 accepted, 1 rejected, 2 bad input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "progfile.h"
#include "isa/isa.h"
#include "verifier/verifier.h"

static int parse_u32(const char *opt, const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || s[0] == '-' || v > max)
		return cli_usage_error("%s: '%s' is not a number from 0 to %u", opt, s, max);
	*out = (uint32_t)v;
	return 0;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct verifier_opts vo = {.type = VERIFIER_PROG_RAW_MEM, .privileged = true};
	struct verifier_log log = {0};
	const char *in = NULL;
	struct userbpf_error err;
	struct progfile pf;
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--unpriv")) {
			vo.privileged = false;
		} else if (!strcmp(a, "--type") || !strcmp(a, "--log-level") ||
			   !strcmp(a, "--mem-size")) {
			if (i + 1 >= argc)
				return cli_usage_error("%s needs an argument", a);
			i++;
			if (!strcmp(a, "--type")) {
				if (strcmp(argv[i], "mem"))
					return cli_usage_error("--type: '%s' is not supported yet "
							       "(supported: mem)", argv[i]);
			} else if (!strcmp(a, "--log-level")) {
				if (parse_u32(a, argv[i], 2, &vo.log_level))
					return EXIT_USAGE;
			} else if (parse_u32(a, argv[i], 1u << 30, &vo.mem_size)) {
				return EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("verify: unknown option '%s'", a);
		} else if (!in) {
			in = a;
		} else {
			return cli_usage_error("verify: one program expected, got '%s' too", a);
		}
	}
	if (!in)
		return cli_usage_error("verify: missing program (usage: userbpf verify PROG)");
	if (progfile_read(in, PROGFILE_AUTO, &pf, &err))
		return cli_lib_error(in, &err);
	ret = isa_validate((const struct bpf_insn *)pf.code, pf.code_len / 8, &err);
	if (ret) {
		progfile_free(&pf);
		return cli_lib_error(in, &err);
	}
	log.size = 1 << 24;
	log.buf = malloc(log.size);
	if (!log.buf) {
		progfile_free(&pf);
		fprintf(stderr, "Error: out of memory\n");
		return EXIT_FAIL;
	}
	log.buf[0] = 0;
	ret = verifier_check_insns(pf.code, pf.code_len / 8, &vo, &log, &err);
	fputs(log.buf, stdout);
	if (log.len && log.buf[log.len - 1] != '\n')
		putchar('\n');
	if (ret == 0)
		printf("verification OK\n");
	else if (ret != -EACCES && ret != -E2BIG)
		cli_lib_error(in, &err);
	else if (!vo.log_level)
		cli_lib_error(in, &err);
	free(log.buf);
	progfile_free(&pf);
	return ret == 0 ? EXIT_OK : ret == -EACCES || ret == -E2BIG ? EXIT_FAIL : EXIT_USAGE;
}
