/* SPDX-License-Identifier: MIT */
/*
 * jitconf.c - conformance `.data` files in both JIT modes: each program is loaded as trusted
 * (unsafe_trusted) and run by the JIT in verified mode (no runtime checks) and in checked mode;
 * both must give the expected result (or the expected `-- error`). The CLI's `conformance
 * --jit` loads programs untrusted, so it only ever reaches checked mode.
 *   usage: jitconf FILE_OR_DIR...     ends with "N passed, N failed" (one per file and mode)
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asm/asm.h"
#include "userbpf.h"
#include "util/util.h"

static int passed, failed;

/* uBPF's "unwind" test helper (helper 5), as the CLI registers it for the suite. */
static uint64_t unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct userbpf_call *call)
{
	return r1;
}

static void one(struct userbpf_env *env, const char *path)
{
	struct userbpf_error err = {0};
	struct datafile df;
	struct asm_prog ap = {0};
	char *text = NULL;
	size_t len;
	const void *code;
	size_t code_len;
	struct userbpf_prog *prog = NULL;
	USERBPF_OPTS(userbpf_prog_opts, po, .unsafe_trusted = true);

	if (file_read(path, &text, &len, &err) || datafile_parse(text, &df, &err)) {
		printf("FAIL %s: %s\n", path, err.message);
		failed += 2;
		free(text);
		return;
	}
	if (df.has_raw) {
		code = df.raw;
		code_len = df.nraw * 8;
	} else if (df.asm_text && asm_assemble(df.asm_text, &ap, &err) == 0) {
		code = ap.insns;
		code_len = ap.n * 8;
	} else {
		code = NULL;
		code_len = 0;
	}
	if (code)
		prog = userbpf_prog_load(env, code, code_len, &po, &err);
	for (int checked = 0; checked < 2; checked++) {
		USERBPF_OPTS(userbpf_run_opts, ro, .backend = USERBPF_BACKEND_JIT, .checked = checked);
		uint8_t *mem = NULL;
		uint64_t r0 = 0;
		int ret = prog ? 0 : (err.code ? err.code : -EINVAL);
		char msg[USERBPF_ERRMSG_MAX + 64] = "";
		bool ok;

		if (prog) {
			if (df.mem_len) {
				mem = malloc(df.mem_len);
				memcpy(mem, df.mem, df.mem_len);
			}
			ret = userbpf_prog_run(prog, mem, df.mem_len, &ro, &r0, &err);
			free(mem);
		}
		if (ret)
			userbpf_error_format(&err, msg, sizeof(msg));
		if (df.error)
			ok = ret && strstr(msg, df.error);
		else
			ok = !ret && (!df.has_result || r0 == df.result);
		if (ok) {
			passed++;
		} else {
			failed++;
			printf("FAIL %s (%s): ret %d r0 0x%" PRIx64 " %s\n", path,
			       checked ? "checked" : "verified", ret, r0, msg);
		}
	}
	userbpf_prog_free(prog);
	asm_prog_free(&ap);
	datafile_free(&df);
	free(text);
}

static void walk(struct userbpf_env *env, const char *path)
{
	struct stat st;
	struct dirent **names;
	int n;

	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		one(env, path);
		return;
	}
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);

		if (l > 5 && !strcmp(names[i]->d_name + l - 5, ".data")) {
			char full[4096];

			snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
			one(env, full);
		}
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	struct userbpf_env *env = userbpf_env_new(NULL, NULL);

	if (!env || userbpf_env_register_helper(env, 5, "unwind", unwind, NULL))
		return 1;
	for (int i = 1; i < argc; i++)
		walk(env, argv[i]);
	userbpf_env_free(env);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
