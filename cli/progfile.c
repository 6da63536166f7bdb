/* SPDX-License-Identifier: MIT */
/* progfile.c - read a program file of any kind the CLI accepts (see progfile.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asm/asm.h"
#include "progfile.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int from_asm(const char *text, struct progfile *pf, struct userbpf_error *err)
{
	struct asm_prog ap;
	int ret = asm_assemble(text, &ap, err);

	if (ret == 0 && ap.ndecls) {
		pf->maps = calloc(ap.ndecls, sizeof(*pf->maps));
		if (!pf->maps) {
			ret = err_set(err, -ENOMEM, "cli", -1, "out of memory");
		} else {
			pf->nmaps = ap.ndecls;
			ret = asm_prog_make_maps(&ap, pf->maps, err);
		}
	}
	if (ret == 0) {
		pf->code_len = ap.n * sizeof(struct bpf_insn);
		pf->code = malloc(pf->code_len ? pf->code_len : 1);
		if (!pf->code)
			ret = err_set(err, -ENOMEM, "cli", -1, "out of memory");
		else
			memcpy(pf->code, ap.insns, pf->code_len);
	}
	asm_prog_free(&ap);
	return ret;
}

static int from_data(const char *text, struct progfile *pf, struct userbpf_error *err)
{
	struct datafile df;
	int ret = datafile_parse(text, &df, err);

	if (ret)
		goto out;
	if (df.asm_text) {
		ret = from_asm(df.asm_text, pf, err);
	} else if (df.has_raw) {
		pf->code_len = df.nraw * sizeof(struct bpf_insn);
		pf->code = malloc(pf->code_len ? pf->code_len : 1);
		if (!pf->code)
			ret = err_set(err, -ENOMEM, "cli", -1, "out of memory");
		else
			memcpy(pf->code, df.raw, pf->code_len);
	} else {
		ret = err_set(err, -EINVAL, "cli", -1, "no `-- asm` or `-- raw` section");
	}
	if (ret)
		goto out;
	if (df.has_mem) {
		pf->mem = df.mem;
		pf->mem_len = df.mem_len;
		pf->has_mem = true;
		df.mem = NULL;
	}
	pf->has_result = df.has_result;
	pf->result = df.result;
	if (df.error) {
		pf->expect_error = df.error;
		df.error = NULL;
	}
out:
	datafile_free(&df);
	return ret;
}

int progfile_read(const char *path, enum progfile_kind kind, struct progfile *pf,
		  struct userbpf_error *err)
{
	char *data;
	size_t len;
	int ret;

	memset(pf, 0, sizeof(*pf));
	ret = file_read(path, &data, &len, err);
	if (ret)
		return ret;
	if (kind == PROGFILE_AUTO) {
		if (ends_with(path, ".s") || ends_with(path, ".asm"))
			kind = PROGFILE_ASM;
		else if (ends_with(path, ".data"))
			kind = PROGFILE_DATA;
		else
			kind = PROGFILE_RAW;
	}
	switch (kind) {
	case PROGFILE_ASM:
		if (strlen(data) != len)
			ret = err_set(err, -EINVAL, "cli", -1, "assembly text contains a NUL byte");
		else
			ret = from_asm(data, pf, err);
		break;
	case PROGFILE_DATA:
		pf->conformance = true;
		ret = from_data(data, pf, err);
		break;
	default:
		if (len == 0 || len % 8) {
			ret = err_set(err, -EINVAL, "cli", -1,
				      "raw program is %zu bytes, not a non-zero multiple of 8", len);
			break;
		}
		pf->code = (uint8_t *)data;
		pf->code_len = len;
		data = NULL;
		break;
	}
	free(data);
	if (ret)
		progfile_free(pf);
	return ret;
}

void progfile_free(struct progfile *pf)
{
	free(pf->code);
	free(pf->mem);
	free(pf->expect_error);
	for (size_t i = 0; i < pf->nmaps; i++)
		userbpf_map_free(pf->maps[i]);
	free(pf->maps);
	memset(pf, 0, sizeof(*pf));
}

/*
 * The conformance suite calls helper 5 (uBPF's test "unwind" helper) in call_unwind_fail and
 * callx; with a non-zero argument it returns its argument and the program goes on.
 */
static uint64_t conf_unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct userbpf_call *call)
{
	return r1;
}

struct userbpf_env *progfile_conformance_env(struct userbpf_error *err)
{
	struct userbpf_env *env = userbpf_env_new(NULL, err);

	if (env && userbpf_env_register_helper(env, 5, "unwind", conf_unwind, err)) {
		userbpf_env_free(env);
		return NULL;
	}
	return env;
}

struct userbpf_env *progfile_env(const struct progfile *pf, struct userbpf_error *err)
{
	struct userbpf_env *env;

	if (pf->conformance)
		return progfile_conformance_env(err);
	env = userbpf_env_new(NULL, err);
	if (env && userbpf_env_register_std_helpers(env, err)) {
		userbpf_env_free(env);
		return NULL;
	}
	return env;
}
