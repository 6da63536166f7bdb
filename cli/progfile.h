/* SPDX-License-Identifier: MIT */
/*
 * progfile.h - turning a file named on the command line into instructions: assembly text
 * (.s/.asm), raw instruction bytes (.bin or anything else), or a conformance .data file (whose
 * `-- mem`, `-- result` and `-- error` sections come along).
 */
#ifndef USERBPF_CLI_PROGFILE_H
#define USERBPF_CLI_PROGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

struct progfile {
	uint8_t *code; /* instruction bytes, 8 per slot */
	size_t code_len;
	uint8_t *mem; /* from a .data file's `-- mem`, else NULL */
	size_t mem_len;
	bool has_mem;
	bool has_result;
	uint64_t result;
	char *expect_error; /* `-- error` text, NULL if none */
	/* Maps an assembly text declares with `.map` (created, references rewritten to them). */
	struct userbpf_map **maps;
	size_t nmaps;
	bool conformance; /* a .data file: its programs call the conformance suite's helpers */
};

enum progfile_kind { PROGFILE_AUTO, PROGFILE_ASM, PROGFILE_RAW, PROGFILE_DATA };

/* Read and assemble/parse path. On failure err says where (file line or instruction). */
int progfile_read(const char *path, enum progfile_kind kind, struct progfile *pf,
		  struct userbpf_error *err);
void progfile_free(struct progfile *pf);

/* An environment with the helpers the conformance suite's programs call. */
struct userbpf_env *progfile_conformance_env(struct userbpf_error *err);
/* The environment pf's program expects: the conformance helpers for a .data file, the
 * kernel's standard helpers (userbpf_env_register_std_helpers) otherwise. */
struct userbpf_env *progfile_env(const struct progfile *pf, struct userbpf_error *err);

#endif
