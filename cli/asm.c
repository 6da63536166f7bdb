/* SPDX-License-Identifier: MIT */
/* asm.c - `userbpf asm` (text -> instruction bytes) and `userbpf disasm` (bytes -> text). */
#include <stdlib.h>
#include <string.h>

#include "asm/asm.h"
#include "commands.h"
#include "progfile.h"

int cmd_asm(struct cli *cli, int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	struct userbpf_error err;
	struct progfile pf;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o")) {
			if (++i >= argc)
				return cli_usage_error("-o needs a file name");
			out = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("asm: unknown option '%s'", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else {
			return cli_usage_error("asm: one input file expected, got '%s' too", argv[i]);
		}
	}
	if (!in)
		return cli_usage_error("asm: missing input file (usage: userbpf asm IN.s [-o OUT.bin])");
	ret = progfile_read(in, PROGFILE_ASM, &pf, &err);
	if (ret)
		return cli_lib_error(in, &err);
	if (out) {
		FILE *f = fopen(out, "wb");

		if (!f || fwrite(pf.code, 1, pf.code_len, f) != pf.code_len || fclose(f)) {
			fprintf(stderr, "Error: %s: cannot write\n", out);
			progfile_free(&pf);
			return EXIT_FAIL;
		}
		if (!cli->json)
			printf("%s: %zu instructions (%zu bytes)\n", out, pf.code_len / 8, pf.code_len);
	} else {
		/* One slot per line as hex bytes: the `-- raw`-friendly form. */
		for (size_t i = 0; i < pf.code_len; i += 8) {
			for (size_t j = 0; j < 8; j++)
				printf("%02x%s", pf.code[i + j], j == 7 ? "\n" : " ");
		}
	}
	if (cli->json && out)
		printf("{\"file\":\"%s\",\"insns\":%zu,\"bytes\":%zu}\n", out, pf.code_len / 8,
		       pf.code_len);
	progfile_free(&pf);
	return EXIT_OK;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int cmd_disasm(struct cli *cli, int argc, char **argv)
{
	struct disasm_opts opts = {0};
	const char *in = NULL;
	struct userbpf_error err;
	struct progfile pf;
	const struct bpf_insn *insns;
	size_t n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--conf"))
			opts.style = DISASM_CONF;
		else if (!strcmp(argv[i], "--no-index"))
			opts.hide_index = true;
		else if (!strcmp(argv[i], "--no-opcodes"))
			opts.hide_code = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("disasm: unknown option '%s'", argv[i]);
		else if (!in)
			in = argv[i];
		else
			return cli_usage_error("disasm: one input file expected, got '%s' too", argv[i]);
	}
	if (!in)
		return cli_usage_error("disasm: missing input file (usage: userbpf disasm FILE)");
	if (progfile_read(in, PROGFILE_AUTO, &pf, &err))
		return cli_lib_error(in, &err);
	insns = (const struct bpf_insn *)pf.code;
	n = pf.code_len / sizeof(*insns);
	if (cli->json) {
		struct disasm_opts text = opts;

		text.hide_index = text.hide_code = true;
		printf("[");
		for (size_t pc = 0; pc < n;) {
			struct buf line = {0};
			int used = disasm_insn(insns, n, pc, &text, &line);

			printf("%s{\"pc\":%zu,\"code\":\"%02x\",\"disasm\":", pc ? "," : "", pc,
			       insns[pc].code);
			json_string(line.data ? line.data : "");
			printf("}%s", cli->pretty ? "\n" : "");
			buf_free(&line);
			pc += used > 0 ? (size_t)used : 1;
		}
		printf("]\n");
	} else {
		struct buf out = {0};

		disasm_prog(insns, n, &opts, &out);
		if (out.data)
			fputs(out.data, stdout);
		buf_free(&out);
	}
	progfile_free(&pf);
	return EXIT_OK;
}
