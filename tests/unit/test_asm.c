/* SPDX-License-Identifier: MIT */
/*
 * test_asm.c - the assembler, disassembler and .data reader: every conformance file assembles
 * (and matches its -- raw words), disassembly reads back to the same bytes for the suite and
 * for random instruction streams, kernel-syntax encodings agree with llvm-mc, disassembly
 * matches lines the kernel printed, and each error names the right line and column.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asm/asm.h"
#include "test.h"

static int verbose;

static bool same_insns(const struct bpf_insn *a, size_t na, const struct bpf_insn *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* disassemble in one style, reassemble, compare; returns true on identical bytes */
static bool round_trip(const struct bpf_insn *insns, size_t n, const struct disasm_opts *o,
		       const struct asm_prog *names)
{
	struct disasm_opts opts = *o;
	struct buf text = {0};
	struct asm_prog p;
	struct userbpf_error err;
	bool ok;

	if (names) {
		opts.map_name = asm_prog_map_name;
		opts.ctx = (void *)names;
	}
	if (disasm_prog(insns, n, &opts, &text)) {
		buf_free(&text);
		return false;
	}
	ok = asm_assemble(text.data ? text.data : "", &p, &err) == 0 &&
	     same_insns(insns, n, p.insns, p.n);
	if (ok && names) {
		ok = p.nmaps == names->nmaps;
		for (size_t i = 0; ok && i < p.nmaps; i++)
			ok = strcmp(p.maps[i].name, names->maps[i].name) == 0 &&
			     p.maps[i].slot == names->maps[i].slot && p.maps[i].kind == names->maps[i].kind &&
			     p.maps[i].off == names->maps[i].off;
	}
	if (!ok && verbose < 10) {
		verbose++;
		fprintf(stderr, "round trip failed (style %d code %d index %d): %s\n--- text:\n%s\n",
			o->style, !o->hide_code, !o->hide_index, err.message, text.data);
	}
	asm_prog_free(&p);
	buf_free(&text);
	return ok;
}

static const struct disasm_opts styles[] = {
	{.style = DISASM_KERNEL},
	{.style = DISASM_KERNEL, .hide_code = true, .hide_index = true},
	{.style = DISASM_CONF},
	{.style = DISASM_CONF, .hide_code = true, .hide_index = true},
};

static const char *conformance_dir(void)
{
	static const char *const dirs[] = {"../shared/conformance/tests",
					   "/work/shared/conformance/tests"};
	const char *env = getenv("USERBPF_CONFORMANCE");

	if (env)
		return env;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		DIR *d = opendir(dirs[i]);

		if (d) {
			closedir(d);
			return dirs[i];
		}
	}
	return NULL;
}

static void test_conformance(void)
{
	const char *dir = conformance_dir();
	struct dirent *e;
	DIR *d;
	int files = 0, assembled = 0, raw = 0, trips = 0, trips_ok = 0;

	if (!dir || !(d = opendir(dir))) {
		printf("conformance: suite not found, skipped\n");
		return;
	}
	while ((e = readdir(d))) {
		char path[1024], *text;
		size_t len;
		struct datafile df;
		struct asm_prog p;
		struct userbpf_error err;
		size_t nl = strlen(e->d_name);

		if (nl < 6 || strcmp(e->d_name + nl - 5, ".data") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		files++;
		if (file_read(path, &text, &len, &err)) {
			CHECK(0);
			continue;
		}
		if (datafile_parse(text, &df, &err) || !df.asm_text) {
			fprintf(stderr, "%s: %s\n", e->d_name, err.message);
			CHECK(0);
			free(text);
			continue;
		}
		if (asm_assemble(df.asm_text, &p, &err)) {
			fprintf(stderr, "%s:%d:%d: %s\n", e->d_name, err.line, err.column, err.message);
			CHECK(0);
		} else {
			assembled++;
			if (df.has_raw) {
				raw++;
				CHECK(same_insns(p.insns, p.n, df.raw, df.nraw));
			}
			for (size_t s = 0; s < ARRAY_SIZE(styles); s++) {
				bool ok = round_trip(p.insns, p.n, &styles[s], NULL);

				trips++;
				trips_ok += ok;
				if (!ok)
					fprintf(stderr, "  in %s\n", e->d_name);
				CHECK(ok);
			}
		}
		asm_prog_free(&p);
		datafile_free(&df);
		free(text);
	}
	closedir(d);
	printf("conformance: %d/%d files assemble, %d -- raw match checked, %d/%d round trips\n",
	       assembled, files, raw, trips_ok, trips);
	CHECK(files >= 313 && assembled == files);
}

/* ---- random instruction streams ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int32_t rnd_imm(void)
{
	switch (rnd() % 4) {
	case 0: return (int32_t)(rnd() % 32);
	case 1: return -(int32_t)(rnd() % 32);
	case 2: return (int32_t)(uint32_t)rnd();
	default: return (rnd() & 1) ? INT32_MIN : INT32_MAX;
	}
}

static int16_t rnd_off(void)
{
	switch (rnd() % 3) {
	case 0: return (int16_t)(rnd() % 64) - 32;
	case 1: return (int16_t)(uint16_t)rnd();
	default: return (rnd() & 1) ? INT16_MIN : INT16_MAX;
	}
}

/* Fill slot(s) at pc with a random instance of op; jumps are patched after. Returns slots. */
static int random_insn(struct bpf_insn *in, enum isa_op op)
{
	const struct isa_op_info *i = &isa_ops[op];
	struct bpf_insn s = {0};

	s.code = i->code;
	s.dst_reg = (uint8_t)(rnd() % 10); /* never r10 as a destination */
	s.src_reg = i->src == ANY ? (uint8_t)(rnd() % 11) : (uint8_t)i->src;
	s.off = i->off == ANY ? rnd_off() : (int16_t)i->off;
	s.imm = i->imm == ANY ? rnd_imm() : i->imm;
	switch (i->format) {
	case F_JA:
	case F_JA32:
	case F_CALL:
	case F_CALL_LOCAL:
	case F_CALL_KFUNC:
	case F_EXIT:
	case F_LD_ABS:
	case F_LD_IND: s.dst_reg = 0; break;
	case F_ST:
	case F_STX:
	case F_ATOMIC: s.dst_reg = (uint8_t)(rnd() % 11); break;
	default: break;
	}
	if (i->format == F_LDDW) {
		uint32_t hi = (uint32_t)rnd();

		s.src_reg = (uint8_t)(rnd() % 7);
		if (s.src_reg != 0 && s.src_reg != BPF_PSEUDO_MAP_VALUE &&
		    s.src_reg != BPF_PSEUDO_MAP_IDX_VALUE)
			hi = 0;
		if (s.src_reg == BPF_PSEUDO_MAP_VALUE || s.src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
			hi %= 4096;
		in[0] = s;
		memset(&in[1], 0, sizeof(in[1]));
		in[1].imm = (int32_t)hi;
		return 2;
	}
	in[0] = s;
	return 1;
}

static void test_random(void)
{
	enum { PROGS = 100000, MAXN = 24 };
	struct bpf_insn insns[MAXN + 2];
	int ok = 0, total = 0;

	for (int t = 0; t < PROGS; t++) {
		size_t n = 0, want = 1 + rnd() % MAXN;

		while (n < want) {
			enum isa_op op = (enum isa_op)(rnd() % OP__COUNT);

			n += (size_t)random_insn(&insns[n], op);
		}
		insns[n].code = BPF_JMP | BPF_EXIT;
		insns[n].dst_reg = insns[n].src_reg = 0;
		insns[n].off = 0;
		insns[n].imm = 0;
		n++;
		/* valid targets: any instruction start */
		for (size_t pc = 0; pc < n; pc++) {
			enum isa_op op = isa_decode(&insns[pc]);

			if (op == OP_LDDW) {
				pc++;
				continue;
			}
			if (isa_is_jump(op) || op == OP_CALL_LOCAL) {
				size_t tgt;
				int64_t d;

				do
					tgt = rnd() % n;
				while (isa_is_lddw_tail(insns, n, tgt));
				d = (int64_t)tgt - (int64_t)pc - 1;
				if (op == OP_JA32 || op == OP_CALL_LOCAL)
					insns[pc].imm = (int32_t)d;
				else
					insns[pc].off = (int16_t)d;
			}
		}
		if (isa_validate(insns, n, NULL)) {
			struct userbpf_error e;

			isa_validate(insns, n, &e);
			fprintf(stderr, "generator made an invalid program: %s\n", e.message);
			CHECK(0);
			continue;
		}
		/* each program in one style, rotating, plus the default style always */
		total += 2;
		ok += round_trip(insns, n, &styles[0], NULL);
		ok += round_trip(insns, n, &styles[1 + t % 3], NULL);
	}
	printf("random: %d/%d round trips of %d programs\n", ok, total, PROGS);
	CHECK(ok == total);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_conformance();
	test_random();
	return test_summary();
}
