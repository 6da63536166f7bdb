/* SPDX-License-Identifier: MIT */
/*
 * test_vm_conformance.c - every file of the ISA conformance suite (../shared/conformance/tests,
 * or $USERBPF_CONFORMANCE_DIR) through the interpreter, in checked mode and in unchecked
 * (trusted) mode: both must return the expected r0 and leave the input memory identical.
 * Helper 5 is the suite's "unwind" helper, which returns r1.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include "asm/asm.h"
#include "test.h"
#include "util/util.h"

static uint64_t unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct userbpf_call *call)
{
	return r1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Run one mode on a private copy of the memory; the copy is returned for comparison. */
static int run_one(struct userbpf_env *env, const struct bpf_insn *insns, size_t n, bool trusted,
		   const struct datafile *df, uint8_t **mem, uint64_t *r0, struct userbpf_error *err)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .unsafe_trusted = trusted);
	USERBPF_OPTS(userbpf_run_opts, ro, .backend = USERBPF_BACKEND_INTERP);
	struct userbpf_prog *prog = userbpf_prog_load(env, insns, n * sizeof(*insns), &po, err);
	int ret;

	if (!prog)
		return err->code;
	*mem = malloc(df->mem_len + 1);
	if (df->mem_len)
		memcpy(*mem, df->mem, df->mem_len);
	ret = userbpf_prog_run(prog, df->mem_len ? *mem : NULL, df->mem_len, &ro, r0, err);
	userbpf_prog_free(prog);
	return ret;
}

static bool one_file(struct userbpf_env *env, const char *path)
{
	struct userbpf_error err = {0};
	struct asm_prog ap = {0};
	struct datafile df = {0};
	uint8_t *mem[2] = {NULL, NULL};
	uint64_t r0[2] = {0, 0};
	char *text = NULL;
	size_t text_len;
	bool ok = false;
	int ret[2];

	if (file_read(path, &text, &text_len, &err) || datafile_parse(text, &df, &err) ||
	    (df.asm_text && asm_assemble(df.asm_text, &ap, &err))) {
		fprintf(stderr, "%s: cannot read: %s\n", path, err.message);
		goto out;
	}
	for (int mode = 0; mode < 2; mode++) {
		ret[mode] = run_one(env, df.asm_text ? ap.insns : df.raw, df.asm_text ? ap.n : df.nraw,
				    mode == 1, &df, &mem[mode], &r0[mode], &err);
		if (ret[mode])
			fprintf(stderr, "%s (%s): %s\n", path, mode ? "unchecked" : "checked",
				err.message);
	}
	ok = !ret[0] && !ret[1] && r0[0] == r0[1] && (!df.has_result || r0[0] == df.result) &&
	     (df.mem_len == 0 || memcmp(mem[0], mem[1], df.mem_len) == 0);
	if (!ok && !ret[0] && !ret[1])
		fprintf(stderr, "%s: r0 checked 0x%" PRIx64 ", unchecked 0x%" PRIx64
				", expected 0x%" PRIx64 "\n",
			path, r0[0], r0[1], df.result);
out:
	free(mem[0]);
	free(mem[1]);
	free(text);
	asm_prog_free(&ap);
	datafile_free(&df);
	return ok;
}

int main(void)
{
	const char *dir = getenv("USERBPF_CONFORMANCE_DIR");
	struct userbpf_error err;
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	struct dirent **ents;
	int n, files = 0, passed = 0;

	if (!dir)
		dir = "../shared/conformance/tests";
	CHECK(env && userbpf_env_register_helper(env, 5, "unwind", unwind, &err) == 0);
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "conformance suite not found at %s (set USERBPF_CONFORMANCE_DIR)\n", dir);
		CHECK(n >= 0);
		return test_summary();
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		char path[4096];

		if (len > 5 && strcmp(name + len - 5, ".data") == 0) {
			bool ok;

			snprintf(path, sizeof(path), "%s/%s", dir, name);
			ok = one_file(env, path);
			CHECK(ok);
			files++;
			passed += ok;
		}
		free(ents[i]);
	}
	free(ents);
	printf("conformance: %d of %d files pass in checked and unchecked mode\n", passed, files);
	CHECK(files >= 313);
	userbpf_env_free(env);
	return test_summary();
}
