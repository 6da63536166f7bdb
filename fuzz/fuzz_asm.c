/* SPDX-License-Identifier: MIT */
/*
 * fuzz_asm.c - libFuzzer target for the assembler: any text must assemble or fail cleanly,
 * and whatever assembles must disassemble (kernel and uBPF styles, with and without the
 * opcode column) and reassemble to the same bytes and the same map references. Inputs
 * that look like a conformance .data file also go through datafile_parse().
 */
#include <stdlib.h>
#include <string.h>

#include "asm/asm.h"

static void check_round_trip(const struct asm_prog *p, const struct disasm_opts *style)
{
	struct disasm_opts o = *style;
	struct buf text = {0};
	struct asm_prog q;
	struct userbpf_error err;

	o.map_name = asm_prog_map_name;
	o.ctx = (void *)p;
	if (disasm_prog(p->insns, p->n, &o, &text))
		abort();
	if (asm_assemble(text.data, &q, &err) || q.n != p->n ||
	    memcmp(q.insns, p->insns, p->n * sizeof(*p->insns)) != 0 || q.nmaps != p->nmaps)
		abort();
	for (size_t i = 0; i < q.nmaps; i++)
		if (strcmp(q.maps[i].name, p->maps[i].name) || q.maps[i].slot != p->maps[i].slot ||
		    q.maps[i].kind != p->maps[i].kind || q.maps[i].off != p->maps[i].off)
			abort();
	asm_prog_free(&q);
	buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct disasm_opts styles[] = {
		{.style = DISASM_KERNEL},
		{.style = DISASM_KERNEL, .hide_code = true, .hide_index = true},
		{.style = DISASM_CONF, .hide_code = true},
	};
	struct userbpf_error err;
	struct asm_prog p;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (asm_assemble(text, &p, &err) == 0)
		for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
			check_round_trip(&p, &styles[i]);
	asm_prog_free(&p);
	if (size > 2 && strstr(text, "--")) {
		struct datafile df;

		if (datafile_parse(text, &df, &err) == 0 && df.asm_text &&
		    asm_assemble(df.asm_text, &p, &err) == 0)
			check_round_trip(&p, &styles[0]);
		asm_prog_free(&p);
		datafile_free(&df);
	}
	free(text);
	return 0;
}
