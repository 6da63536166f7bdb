/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elf.c - libFuzzer target for the ELF loader: any bytes must open as an object or fail
 * with a negative code and a message; an object that opens must describe itself, and every
 * program's instructions, line info and every map's definition must be readable, names must
 * find what they name, and every bpf-to-bpf call must stay inside its program (the
 * invariant the subprogram appending guarantees).
 */
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	libbpf_set_print(quiet); /* malformed BTF is expected here: keep the log readable */
	return 0;
}

static void check_prog(const struct userbpf_object_prog *p)
{
	const struct userbpf_insn *in = userbpf_object_prog_insns(p);
	size_t n = userbpf_object_prog_insn_count(p);

	if (!userbpf_object_prog_name(p) || !userbpf_object_prog_section(p) || n == 0 || !in)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *file = NULL;
		uint32_t line = 0;
		const char *src = userbpf_object_prog_source_line(p, i, &file, &line);
		int src_reg = in[i].regs >> 4;

		if (src && (!file || strlen(src) > 1u << 20))
			abort();
		if (in[i].code == (BPF_JMP | BPF_CALL) && src_reg == BPF_PSEUDO_CALL) {
			int64_t t = (int64_t)i + in[i].imm + 1;

			if (t < 0 || (size_t)t >= n)
				abort();
		}
		if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			i++; /* skip the second slot */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct userbpf_error err = {0};
	struct userbpf_object *obj = userbpf_object_open_mem(data, size, NULL, &err);
	char text[4096];

	if (!obj) {
		if (err.code >= 0 || !err.message[0])
			abort();
		return 0;
	}
	for (struct userbpf_object_map *m = userbpf_object_next_map(obj, NULL); m;
	     m = userbpf_object_next_map(obj, m)) {
		if (!userbpf_object_map_name(m) || userbpf_object_find_map(obj, userbpf_object_map_name(m)) != m)
			abort();
	}
	for (struct userbpf_object_prog *p = userbpf_object_next_prog(obj, NULL); p;
	     p = userbpf_object_next_prog(obj, p)) {
		if (userbpf_object_find_prog(obj, userbpf_object_prog_name(p)) != p)
			abort();
		check_prog(p);
	}
	userbpf_object_describe(obj, text, sizeof(text));
	userbpf_object_free(obj);
	return 0;
}
