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
#include <unistd.h>

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
	/* fetching atomics write src, and R10 is read only */
	if (i->format == F_ATOMIC && (s.imm & BPF_FETCH) && s.imm != BPF_CMPXCHG && s.src_reg == 10)
		s.src_reg = 9;
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


/* ---- golden lines the kernel printed ----
 * Recorded with tests/tools/kernel_log on Linux 6.18 (verifier log, log_level 2) for a
 * program covering every instruction kind the kernel accepts; the map line is from
 * `bpftool prog dump xlated`. Each must assemble and print back exactly. */
static const char *const goldens[] = {
	"(bf) r6 = r1",
	"(b7) r0 = 0",
	"(b7) r1 = 7",
	"(b7) r2 = 3",
	"(b4) w3 = 5",
	"(b4) w4 = 9",
	"(07) r1 += 5",
	"(1f) r1 -= r2",
	"(27) r1 *= -3",
	"(3f) r1 /= r2",
	"(37) r1 s/= 3",
	"(9f) r1 s%= r2",
	"(97) r1 %= 7",
	"(4f) r1 |= r2",
	"(57) r1 &= 255",
	"(67) r1 <<= 3",
	"(7f) r1 >>= r2",
	"(c7) r1 s>>= 2",
	"(af) r1 ^= r2",
	"(87) r1 = -r1",
	"(0c) w3 += w4",
	"(14) w3 -= 1",
	"(2c) w3 *= w4",
	"(34) w3 /= 2",
	"(3c) w3 s/= w4",
	"(94) w3 s%= -3",
	"(44) w3 |= 16",
	"(5c) w3 &= w4",
	"(64) w3 <<= 1",
	"(7c) w3 >>= w4",
	"(c4) w3 s>>= 3",
	"(a4) w3 ^= -1",
	"(84) w3 = -w3",
	"(bc) w3 = w4",
	"(b4) w3 = -1",
	"(bf) r5 = (s8)r1",
	"(bf) r5 = (s16)r2",
	"(bf) r5 = (s32)r3",
	"(bc) w5 = (s8)w1",
	"(bc) w5 = (s16)w2",
	"(dc) r1 = be16 r1",
	"(dc) r1 = be32 r1",
	"(dc) r1 = be64 r1",
	"(d4) r1 = le16 r1",
	"(d4) r1 = le32 r1",
	"(d4) r1 = le64 r1",
	"(d7) r1 = bswap16 r1",
	"(d7) r1 = bswap32 r1",
	"(d7) r1 = bswap64 r1",
	"(18) r7 = 0x123456789abcdef0",
	"(18) r7 = 0xffffffffffffffff",
	"(7b) *(u64 *)(r10 -8) = r1",
	"(63) *(u32 *)(r10 -16) = r2",
	"(6b) *(u16 *)(r10 -18) = r2",
	"(73) *(u8 *)(r10 -19) = r2",
	"(7a) *(u64 *)(r10 -32) = 7",
	"(62) *(u32 *)(r10 -24) = -5",
	"(6a) *(u16 *)(r10 -20) = 300",
	"(72) *(u8 *)(r10 -20) = 1",
	"(79) r2 = *(u64 *)(r10 -8)",
	"(61) r2 = *(u32 *)(r10 -16)",
	"(69) r2 = *(u16 *)(r10 -18)",
	"(71) r2 = *(u8 *)(r10 -19)",
	"(81) r2 = *(s32 *)(r10 -16)",
	"(89) r2 = *(s16 *)(r10 -18)",
	"(91) r2 = *(s8 *)(r10 -19)",
	"(b7) r2 = 1",
	"(db) lock *(u64 *)(r10 -8) += r2",
	"(db) lock *(u64 *)(r10 -8) |= r2",
	"(db) lock *(u64 *)(r10 -8) &= r2",
	"(db) lock *(u64 *)(r10 -8) ^= r2",
	"(c3) lock *(u32 *)(r10 -16) += r2",
	"(c3) lock *(u32 *)(r10 -16) ^= r2",
	"(db) r2 = atomic64_fetch_add((u64 *)(r10 -8), r2)",
	"(db) r2 = atomic64_fetch_and((u64 *)(r10 -8), r2)",
	"(db) r2 = atomic64_fetch_or((u64 *)(r10 -8), r2)",
	"(db) r2 = atomic64_fetch_xor((u64 *)(r10 -8), r2)",
	"(c3) r2 = atomic_fetch_add((u32 *)(r10 -16), r2)",
	"(c3) r2 = atomic_fetch_xor((u32 *)(r10 -16), r2)",
	"(db) r2 = atomic64_xchg((u64 *)(r10 -8), r2)",
	"(c3) r2 = atomic_xchg((u32 *)(r10 -16), r2)",
	"(db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)",
	"(c3) r0 = atomic_cmpxchg((u32 *)(r10 -16), r0, r2)",
	"(b7) r1 = 5",
	"(b7) r2 = 6",
	"(15) if r1 == 0x5 goto pc+1",
	"(5d) if r1 != r2 goto pc+1",
	"(25) if r1 > 0x10 goto pc+1",
	"(b7) r1 = 0",
	"(3d) if r1 >= r2 goto pc+1",
	"(a5) if r1 < 0xffffffff goto pc+1",
	"(bd) if r1 <= r2 goto pc+1",
	"(65) if r1 s> 0x3 goto pc+1",
	"(7d) if r1 s>= r2 goto pc+1",
	"(c5) if r1 s< 0xfffffff9 goto pc+1",
	"(dd) if r1 s<= r2 goto pc+1",
	"(45) if r1 & 0x10 goto pc+1",
	"(4d) if r1 & r2 goto pc+1",
	"(16) if w1 == 0x5 goto pc+1",
	"(b4) w1 = 0",
	"(5e) if w1 != w2 goto pc+1",
	"(26) if w1 > 0xfffffff0 goto pc+1",
	"(ce) if w1 s< w2 goto pc+1",
	"(46) if w1 & 0x3 goto pc+1",
	"(05) goto pc+0",
	"(06) gotol pc+0",
	"(30) r0 = *(u8 *)skb[12]",
	"(28) r0 = *(u16 *)skb[12]",
	"(20) r0 = *(u32 *)skb[12]",
	"(b7) r3 = 2",
	"(50) r0 = *(u8 *)skb[r3 + 12]",
	"(48) r0 = *(u16 *)skb[r3 + 4]",
	"(40) r0 = *(u32 *)skb[r3 + -2]",
	"(85) call bpf_ktime_get_ns#5",
	"(85) call bpf_get_prandom_u32#7",
	"(85) call bpf_get_smp_processor_id#8",
	"(62) *(u32 *)(r10 -4) = 0",
	"(bf) r2 = r10",
	"(07) r2 += -4",
	"(85) call bpf_map_lookup_elem#1",
	"(85) call pc+2",
	"(b7) r0 = 1",
	"(95) exit",
	"(18) r1 = map[id:30]",
};

static void test_goldens(void)
{
	struct disasm_opts o = {.hide_index = true};
	int ok = 0;

	for (size_t i = 0; i < ARRAY_SIZE(goldens); i++) {
		char text[256];
		struct asm_prog p;
		struct userbpf_error err;
		struct buf b = {0};

		/* exits after it so jumps and calls land inside the program */
		snprintf(text, sizeof(text), "%s\nexit\nexit\nexit\nexit\n", goldens[i]);
		if (asm_assemble(text, &p, &err)) {
			fprintf(stderr, "golden '%s': %d:%d: %s\n", goldens[i], err.line, err.column,
				err.message);
			CHECK(0);
			asm_prog_free(&p);
			continue;
		}
		CHECK(disasm_insn(p.insns, p.n, 0, &o, &b) > 0);
		if (b.data && strcmp(b.data, goldens[i]) == 0)
			ok++;
		else
			fprintf(stderr, "golden '%s' printed as '%s'\n", goldens[i], b.data);
		CHECK_STR(b.data, goldens[i]);
		buf_free(&b);
		asm_prog_free(&p);
	}
	printf("goldens: %d/%zu kernel lines reproduced\n", ok, ARRAY_SIZE(goldens));
}

/* ---- the two syntaxes agree ---- */
static const char *const pairs[][2] = {
	{"r1 = 42", "mov %r1, 42"},
	{"w1 = w2", "mov32 r1, r2"},
	{"r1 = *(u8 *)(r2 -1)", "ldxb r1, [r2-1]"},
	{"w1 += w2", "add32 %r1, %r2"},
	{"r1 = -r1", "neg %r1"},
	{"w1 = -w1", "neg32 %r1"},
	{"r0 = (s8)r1", "movsx864 %r0, %r1"},
	{"w0 = (s16)w1", "movsx1632 %r0, %r1"},
	{"r0 = (s32)r1", "movsx3264 %r0, %r1"},
	{"r1 s/= r2", "sdiv %r1, %r2"},
	{"r1 s%= 3", "smod %r1, 3"},
	{"w1 s%= 3", "smod32 %r1, 3"},
	{"r0 = be16 r0", "be16 %r0"},
	{"r0 = le32 r0", "le32 %r0"},
	{"r0 = bswap64 r0", "bswap64 %r0"},
	{"r0 = bswap16 r0", "swap16 %r0"},
	{"if r1 > 10 goto +0", "jgt %r1, 10, +0"},
	{"if w1 s< w2 goto +0", "jslt32 %r1, %r2, +0"},
	{"if r1 & 0x10 goto pc+0", "jset %r1, 0x10, +0"},
	{"if r1 == 0xffffffff goto +0", "jeq %r1, -1, +0"},
	{"goto pc+0", "ja +0"},
	{"gotol +0", "ja32 +0"},
	{"r0 = *(u32 *)(r1 +16)", "ldxw %r0, [%r1+16]"},
	{"r0 = *(u32 *)(r1 + 0x10)", "ldxw %r0, [%r1+0x10]"},
	{"r0 = *(s16 *)(r1 -2)", "ldxsh %r0, [%r1-2]"},
	{"r0 = *(u64 *)(r1)", "ldxdw %r0, [%r1]"},
	{"*(u64 *)(r10 -8) = r1", "stxdw [%r10-8], %r1"},
	{"*(u32 *)(r10 -8) = 7", "stw [%r10-8], 7"},
	{"*(u8 *)(r10 - 1) = 0xff", "stb [%r10-1], 0xff"},
	{"lock *(u64 *)(r1 +0) += r2", "lock add [%r1], %r2"},
	{"lock *(u32 *)(r1 +4) ^= w2", "lock xor32 [%r1+4], %r2"},
	{"r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)", "lock fetch add [%r1+0], %r2"},
	{"r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)", "lock fetch add [%r1+0], %r2"},
	{"r3 = atomic_fetch_or((u32 *)(r1 -8), r3)", "lock fetch or32 [%r1-8], %r3"},
	{"w3 = atomic_fetch_and((u32 *)(r1 -8), w3)", "lock fetch and32 [%r1-8], %r3"},
	{"r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)", "lock cmpxchg [%r1], %r2"},
	{"r0 = cmpxchg_64(r1 + 0, r0, r2)", "lock cmpxchg [%r1], %r2"},
	{"w0 = cmpxchg32_32(r1 + 8, w0, w2)", "lock cmpxchg32 [%r1+8], %r2"},
	{"r2 = atomic64_xchg((u64 *)(r1 +0), r2)", "lock xchg [%r1], %r2"},
	{"r2 = xchg_64(r1 + 0, r2)", "lock xchg [%r1], %r2"},
	{"w2 = xchg32_32(r1 + 0, w2)", "lock xchg32 [%r1], %r2"},
	{"r2 = atomic_xchg((u32 *)(r1 +0), r2)", "lock xchg32 [%r1], %r2"},
	{"call bpf_map_lookup_elem#1", "call 1"},
	{"call bpf_map_lookup_elem", "call 1"},
	{"call 1", "call helper 1"},
	{"callx r2", "call %r2"},
	{"call pc+0", "call local +0"},
	{" 186: (85) call pc+0#bpf_prog_b11459a0e11ca14c_F", "call local +0"},
	{"call pcx\npcx:", "call local pcx\npcx:"},
	{"r0 = *(u16 *)skb[12]", "ldabsh 12"},
	{"r0 = *(u8 *)skb[r3 + 12]", "ldindb %r3, 12"},
	{"r1 = 0x100000000 ll", "lddw %r1, 0x100000000"},
	{"r1 = 0x100000000", "lddw %r1, 0x100000000"},
	{"r1 = 5 ll", "lddw %r1, 5"},
	{"r1 = -1 ll", "lddw %r1, 0xffffffffffffffff"},
	{"0: (18) r1 = 0x5", "lddw %r1, 5"},
	{"  12: (b7) r1 = 5                     ; R1_w=5", "mov %r1, 5"},
	{"r1 = 0xffffffff", "mov %r1, -1"},
	{"w1 = 0xffffffff", "mov32 %r1, 0xffffffff"},
	{"r1 = map[id:7]", "r1 = map[id:7][0]+0 // needs the [0]+OFF form for a value"},
};

static bool assemble_same(const char *a, const char *b)
{
	char ta[256], tb[256];
	struct asm_prog pa, pb;
	struct userbpf_error ea, eb;
	bool ok;

	snprintf(ta, sizeof(ta), "%s\nexit\n", a);
	snprintf(tb, sizeof(tb), "%s\nexit\n", b);
	ok = asm_assemble(ta, &pa, &ea) == 0 && asm_assemble(tb, &pb, &eb) == 0 &&
	     same_insns(pa.insns, pa.n, pb.insns, pb.n);
	if (!ok && strcmp(a, "r1 = map[id:7]") != 0)
		fprintf(stderr, "'%s' vs '%s': %s / %s\n", a, b, ea.message, eb.message);
	asm_prog_free(&pa);
	asm_prog_free(&pb);
	return ok;
}

static void test_syntaxes(void)
{
	/* the last pair differs on purpose: src 1 (map) vs src 2 (map value) */
	for (size_t i = 0; i + 1 < ARRAY_SIZE(pairs); i++)
		CHECK(assemble_same(pairs[i][0], pairs[i][1]));
	CHECK(!assemble_same("r1 = map[id:7]", "r1 = map[id:7][0]+0"));
}

static void test_programs(void)
{
	struct asm_prog p;
	struct userbpf_error err;
	struct buf b = {0};
	const char *mixed = "# a pasted log, uBPF and llvm lines, labels\n"
			    "0: R1=ctx() R10=fp0\n"
			    "0: (b7) r0 = 0                        ; R0_w=0\n"
			    "mov %r1, 3    # three rounds\n"
			    "loop: r0 += r1 // accumulate\n"
			    "  sub %r1, 1\n"
			    "jne %r1, 0, loop\n"
			    "if r0 == 6 goto done\n"
			    "ja exit\n"
			    "done:\n"
			    "call sub\n"
			    "exit\n"
			    "sub:\n"
			    "    r0 = 1\n"
			    "    exit\n";
	static const struct bpf_insn want[] = {
		{.code = 0xb7, .dst_reg = 0},
		{.code = 0xb7, .dst_reg = 1, .imm = 3},
		{.code = 0x0f, .dst_reg = 0, .src_reg = 1},
		{.code = 0x17, .dst_reg = 1, .imm = 1},
		{.code = 0x55, .dst_reg = 1, .off = -3},
		{.code = 0x15, .dst_reg = 0, .off = 1, .imm = 6},
		{.code = 0x05, .off = 1},  /* "exit": the first exit (the suite's implicit label) */
		{.code = 0x85, .src_reg = 1, .imm = 1},
		{.code = 0x95},
		{.code = 0xb7, .dst_reg = 0, .imm = 1},
		{.code = 0x95},
	};

	CHECK(asm_assemble(mixed, &p, &err) == 0);
	CHECK(same_insns(p.insns, p.n, want, ARRAY_SIZE(want)));
	if (!same_insns(p.insns, p.n, want, ARRAY_SIZE(want))) {
		fprintf(stderr, "mixed: %s\n", err.message);
		disasm_prog(p.insns, p.n, NULL, &b);
		fprintf(stderr, "%s", b.data ? b.data : "");
		buf_free(&b);
	}
	asm_prog_free(&p);

	/* `bpftool prog dump xlated id N opcodes` pasted as is (recorded on 6.18) */
	CHECK(asm_assemble("int prog(struct __sk_buff * skb):\n"
			   "; return 0;\n"
			   "   0: (b7) r0 = 0\n"
			   "       b7 00 00 00 00 00 00 00\n"
			   "   1: (18) r1 = 0x1122334455667788\n"
			   "       18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\n"
			   "   3: (95) exit\n"
			   "       95 00 00 00 00 00 00 00\n",
			   &p, &err) == 0);
	CHECK(p.n == 4 && p.insns[1].code == 0x18 && p.insns[2].imm == 0x11223344 &&
	      p.insns[3].code == 0x95);
	asm_prog_free(&p);

	/* map references */
	CHECK(asm_assemble("r1 = map[counts]\nr2 = map_value[counts]+8\nr3 = map_value[other]\n"
			   "exit\n",
			   &p, &err) == 0);
	CHECK(p.nmaps == 3 && p.n == 7);
	if (p.nmaps == 3) {
		CHECK_STR(p.maps[0].name, "counts");
		CHECK(p.maps[0].slot == 0 && p.maps[0].kind == BPF_PSEUDO_MAP_FD && p.maps[0].off == 0);
		CHECK(p.maps[1].slot == 2 && p.maps[1].kind == BPF_PSEUDO_MAP_VALUE &&
		      p.maps[1].off == 8);
		CHECK_STR(p.maps[2].name, "other");
		CHECK(p.insns[2].src_reg == BPF_PSEUDO_MAP_VALUE && p.insns[3].imm == 8);
		/* named round trip keeps the references */
		CHECK(round_trip(p.insns, p.n, &styles[0], &p));
		CHECK(round_trip(p.insns, p.n, &styles[3], &p));
		struct disasm_opts o = {.hide_index = true, .hide_code = true,
					.map_name = asm_prog_map_name, .ctx = &p};
		CHECK(disasm_prog(p.insns, p.n, &o, &b) == 0);
		CHECK_STR(b.data, "r1 = map[counts]\nr2 = map_value[counts]+8\nr3 = "
				  "map_value[other]+0\nexit\n");
		buf_free(&b);
	}
	asm_prog_free(&p);

	/* .map declarations */
	CHECK(asm_assemble("  .map counts array key=4 value=8 entries=1 flags=rdonly_prog "
			   "init=0x0102 freeze // constant\n"
			   ".map events ringbuf key=0 value=0 entries=4096\n"
			   ".map flows lru_hash key=0x10 value=8 entries=1024 flags=no_prealloc|wronly_prog\n"
			   "r1 = map[counts]\nr2 = map_value[counts]+7\nr3 = map[flows]\nexit\n",
			   &p, &err) == 0);
	CHECK(p.ndecls == 3 && p.nmaps == 3);
	if (p.ndecls == 3) {
		const struct asm_mapdecl *d = p.decls;

		CHECK_STR(d[0].name, "counts");
		CHECK(d[0].type == BPF_MAP_TYPE_ARRAY && d[0].key_size == 4 && d[0].value_size == 8 &&
		      d[0].max_entries == 1 && d[0].flags == BPF_F_RDONLY_PROG && d[0].freeze &&
		      d[0].line == 1);
		CHECK(d[0].init && d[0].init_len == 2 && d[0].init[0] == 1 && d[0].init[1] == 2 &&
		      d[0].init[2] == 0 && d[0].init[7] == 0);
		CHECK_STR(d[1].name, "events");
		CHECK(d[1].type == BPF_MAP_TYPE_RINGBUF && d[1].key_size == 0 && d[1].value_size == 0 &&
		      d[1].max_entries == 4096 && !d[1].init && !d[1].freeze && d[1].flags == 0);
		CHECK(d[2].type == BPF_MAP_TYPE_LRU_HASH && d[2].key_size == 16 &&
		      d[2].flags == (BPF_F_NO_PREALLOC | BPF_F_WRONLY_PROG) && d[2].line == 3);
	}
	asm_prog_free(&p);
	/* without any .map line, references stay free for the host to resolve */
	CHECK(asm_assemble("r1 = map[anything]\nexit\n", &p, &err) == 0 && p.ndecls == 0);
	asm_prog_free(&p);
	/* every bpftool type name maps to its UAPI number and back */
	CHECK(asm_map_type("percpu_array", 12) == BPF_MAP_TYPE_PERCPU_ARRAY);
	CHECK(asm_map_type("lpm_trie", 8) == BPF_MAP_TYPE_LPM_TRIE);
	CHECK(asm_map_type("prog_array", 10) == BPF_MAP_TYPE_PROG_ARRAY);
	CHECK(asm_map_type("arra", 4) == -1);
	for (uint32_t t = BPF_MAP_TYPE_HASH; t <= BPF_MAP_TYPE_USER_RINGBUF; t++) {
		const char *n = asm_map_type_name(t);

		CHECK(n && asm_map_type(n, strlen(n)) == (int)t);
	}
	CHECK(asm_map_type_name(BPF_MAP_TYPE_UNSPEC) == NULL);

	/* helper names: from the UAPI table, and a host callback */
	CHECK_STR(asm_helper_name(1), "bpf_map_lookup_elem");
	CHECK(asm_helper_id("bpf_ktime_get_ns", 16) == 5);
	CHECK(asm_helper_name(-1) == NULL && asm_helper_name(1 << 20) == NULL);
	CHECK(asm_assemble("call 999999\ncall my_helper#100000\nexit\n", &p, &err) == 0);
	CHECK(disasm_prog(p.insns, p.n, &(struct disasm_opts){.hide_index = true}, &b) == 0);
	CHECK_STR(b.data, "(85) call unknown#999999\n(85) call unknown#100000\n(95) exit\n");
	buf_free(&b);
	asm_prog_free(&p);

	/* lddw truncated, pc out of range */
	{
		struct bpf_insn l = {.code = BPF_LD | BPF_DW | BPF_IMM};

		CHECK(disasm_insn(&l, 1, 0, NULL, &b) < 0);
		CHECK(disasm_insn(&l, 1, 1, NULL, &b) < 0);
		buf_free(&b);
	}
}

/* ---- errors carry line and column ---- */
static const struct {
	const char *text;
	int line, column;
	const char *msg;
} errors[] = {
	{"mov %r1, 42\nfoo %r1\nexit", 2, 1, "unknown mnemonic 'foo'"},
	{"r11 = 1\nexit", 1, 1, "bad register r11"},
	{"exit\nmov %r12, 1", 2, 5, "bad register r12"},
	{"mov %r1\nexit", 1, 8, "missing operand"},
	{"mov %r1,\nexit", 1, 9, "missing operand"},
	{"r1 = 99999999999\nexit", 1, 6, "out of range"},
	{"r1 = 4294967295\nexit", 1, 6, "out of range"},
	{"mov32 %r1, 0x100000000\nexit", 1, 12, "out of range"},
	{"mov32 %r1, 2147483648\nexit", 1, 12, "out of range"},
	{"r1 = *(u32 *)(r1 +40000)\nexit", 1, 18, "out of range"},
	{"goto nowhere\nexit", 1, 6, "undefined label 'nowhere'"},
	{"jne %r1, 0, nowhere\nexit", 1, 13, "undefined label 'nowhere'"},
	{"a:\nr0 = 0\n  a: exit", 3, 3, "duplicate label 'a'"},
	{"goto +5\nexit", 1, 1, "jump out of range"},
	{"r0 = 0\ngoto end\nend:", 2, 6, "past the last instruction"},
	{".mapx counts array key=4 value=8 entries=1\nexit", 1, 1, "unknown directive '.mapx'"},
	{".map\nexit", 1, 5, "expected a map name"},
	{".map m\nexit", 1, 7, "expected a map type"},
	{".map m arrayy key=4 value=8 entries=1\nexit", 1, 8, "unknown map type 'arrayy'"},
	{".map m array key=4 value=8\nexit", 1, 1, "needs key=, value= and entries="},
	{".map m array key=4 key=4 value=8 entries=1\nexit", 1, 20, "'key' given twice"},
	{".map m array key=-1 value=8 entries=1\nexit", 1, 18, "out of range"},
	{".map m array key=4 value=8 entries=0x100000000\nexit", 1, 36, "out of range"},
	{".map m array key=4 value=8 entries=1 size=3\nexit", 1, 38, "unknown .map attribute"},
	{".map m array key=4 value=8 entries=1 flags=rdonly\nexit", 1, 44, "unknown map flag"},
	{".map m array key=4 value=8 entries=1 flags=rdonly_prog|wronly_prog\nexit", 1, 1,
	 "exclude each other"},
	{".map m array key=4 value=2 entries=1 init=010203\nexit", 1, 1, "init has 3 bytes"},
	{".map m array key=4 value=2 entries=1 init=012\nexit", 1, 43, "even number of hex"},
	{".map m array key=4 value=2 entries=1 init=01 02\nexit", 1, 46, "expected key="},
	{".map m array key=4 value=2 entries=1 freeze freeze\nexit", 1, 45, "freeze given twice"},
	{".map m array key 4 value=2 entries=1\nexit", 1, 18, "expected '='"},
	{".map m array key=4 value=8 entries=1\n.map m hash key=4 value=8 entries=1\nexit", 2, 6,
	 "duplicate map 'm' (first declared on line 1)"},
	{".map m array key=4 value=8 entries=1\nr0 = 0\nr1 = map[n]\nexit", 3, 1,
	 "map 'n' is not declared"},
	{".map m array key=4 value=8 entries=1\nr1 = map_value[m]+8\nexit", 2, 1,
	 "past the value size 8"},
	{"r1 = *(u32 *)(r1 +16\nexit", 1, 21, "expected ')'"},
	{"if r1 > 10 goto\nexit", 1, 16, "expected a jump target"},
	{"if r1 >> 10 goto +0\nexit", 1, 8, "expected a number, found '>'"},
	{"if r1 = 10 goto +0\nexit", 1, 7, "expected a comparison"},
	{"ldxw %r0, %r1\nexit", 1, 11, "expected a memory operand"},
	{"add %r0, [%r1]\nexit", 1, 10, "expected an immediate or a register"},
	{"w1 += r2\nexit", 1, 7, "expected a 32-bit register"},
	{"r1 = (s8)w2\nexit", 1, 10, "expected a 64-bit register"},
	{"r1 += \nexit", 1, 7, "expected a number"},
	{"exit 1", 1, 6, "expected end of line"},
	{"mov %r1, 1, 2\nexit", 1, 13, "too many operands"},
	{"0: (b7) r0 = 0x100000000 ll\nexit", 1, 1, "opcode column (b7)"},
	{"r2 = atomic64_fetch_add((u64 *)(r1 +0), r3)\nexit", 1, 41, "expected r2"},
	{"r2 = atomic64_fetch_add((u32 *)(r1 +0), r2)\nexit", 1, 25, "take u64"},
	{"r0 = *(u8 *)skb[12]\nr1 = *(u16 *)skb[3]\nexit", 2, 1, "packet loads write r0"},
	{"r1 = 0\n", 1, 1, "last insn is not an exit or jmp"},
	{"", 0, 0, "no instructions"},
	{"r10 = 1\nexit", 1, 1, "frame pointer is read only"},
	{"lock *(u16 *)(r1 +0) += r2\nexit", 1, 6, "atomic operations take u32 or u64"},
	{"r1 = foo\nexit", 1, 6, "unknown operand 'foo'"},
	{"r1 = *(u8 *)(r2 - 9223372036854775808)\nexit", 1, 17, "out of range"},
	{"ldxb %r1, [%r2-9223372036854775808]\nexit", 1, 15, "out of range"},
	{"mov %w1, 1\nexit", 1, 5, "expected a register %r0-%r10"},
};

static void test_errors(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		struct asm_prog p;
		struct userbpf_error err;
		int ret = asm_assemble(errors[i].text, &p, &err);
		bool ok = ret == -EINVAL && err.line == errors[i].line &&
			  err.column == errors[i].column && strstr(err.message, errors[i].msg);

		if (!ok)
			fprintf(stderr, "error case %zu: got %d at %d:%d '%s', want %d:%d '%s'\n", i, ret,
				err.line, err.column, err.message, errors[i].line, errors[i].column,
				errors[i].msg);
		CHECK(ok);
		asm_prog_free(&p);
	}

	/* a label out of reach of a 16-bit jump offset (gotol reaches it) */
	{
		struct buf t = {0};
		struct asm_prog p;
		struct userbpf_error err;

		buf_printf(&t, "goto far\ngotol far\n");
		for (int i = 0; i < 33000; i++)
			buf_printf(&t, "r0 = 0\n");
		buf_printf(&t, "far: exit\n");
		CHECK(asm_assemble(t.data, &p, &err) == -EINVAL && err.line == 1 && err.column == 6 &&
		      strstr(err.message, "out of range"));
		asm_prog_free(&p);
		t.data[0] = '#'; /* drop the short goto: the gotol alone assembles */
		CHECK(asm_assemble(t.data, &p, &err) == 0 && p.insns[0].imm == 33000);
		asm_prog_free(&p);
		buf_free(&t);
	}
}

/* ---- .data reader ---- */
static void test_datafile(void)
{
	const char *text = "# preamble comment\n"
			   "-- asm\n"
			   "mov %r0, 1\n"
			   "exit\n"
			   "-- raw\n"
			   "0x00000001000000b7\n"
			   "0x0000000000000095\n"
			   "-- mem\n"
			   "00 01 02\n"
			   "ff\n"
			   "-- result\n"
			   "0x1\n"
			   "-- verifier reject\n"
			   "-- msg R0 !read_ok\n"
			   "-- error\n"
			   "  division by zero \n"
			   "-- no register offset\n"
			   "anything\n"
			   "-- c\n"
			   "int main() {}\n";
	struct datafile df;
	struct userbpf_error err;
	struct asm_prog p;

	CHECK(datafile_parse(text, &df, &err) == 0);
	CHECK(df.asm_text && strncmp(df.asm_text, "\n\nmov %r0, 1\nexit\n", 19) == 0);
	CHECK(df.has_raw && df.nraw == 2 && df.raw[0].code == 0xb7 && df.raw[0].imm == 1);
	CHECK(df.has_mem && df.mem_len == 4 && df.mem[3] == 0xff);
	CHECK(df.has_result && df.result == 1);
	CHECK(df.verifier == DATAFILE_VERIFIER_REJECT);
	CHECK_STR(df.msg, "R0 !read_ok");
	CHECK_STR(df.error, "division by zero");
	CHECK(df.no_register_offset);
	CHECK(asm_assemble(df.asm_text, &p, &err) == 0 && same_insns(p.insns, p.n, df.raw, df.nraw));
	asm_prog_free(&p);
	datafile_free(&df);

	/* assembler errors point at file lines */
	CHECK(datafile_parse("# x\n-- asm\nmov %r0, 1\nbogus\nexit\n-- result\n-1\n", &df, &err) == 0);
	CHECK(df.result == UINT64_MAX);
	CHECK(asm_assemble(df.asm_text, &p, &err) == -EINVAL && err.line == 4 && err.column == 1);
	asm_prog_free(&p);
	datafile_free(&df);

	CHECK(datafile_parse("-- asm\nexit\n-- frobnicate\n", &df, &err) == -EINVAL && err.line == 3);
	CHECK(datafile_parse("-- result\nxyz\n", &df, &err) == -EINVAL && err.line == 2);
	CHECK(datafile_parse("-- raw\n0xzz\n", &df, &err) == -EINVAL && err.line == 2);
	CHECK(datafile_parse("-- verifier maybe\n", &df, &err) == -EINVAL && err.line == 1);
	CHECK(datafile_parse("-- mem\n0g\n", &df, &err) < 0);
	CHECK(datafile_parse("-- asm\nexit\n-- asm\nexit\n", &df, &err) == -EINVAL && err.line == 3);
}

/* ---- encodings shared with LLVM: llvm-mc-19 -show-encoding is the oracle ---- */

/* Our kernel-style text, in the spelling llvm-mc reads where it differs. */
static void llvm_line(const struct bpf_insn *in, enum isa_op op, const char *ours, struct buf *out)
{
	const char *p;
	bool w = BPF_SIZE(in->code) == BPF_W;
	char r = w ? 'w' : 'r';
	const char *sz = w ? "u32" : "u64";

	if (isa_ops[op].format == F_ATOMIC) {
		switch (in->imm & ~BPF_FETCH) {
		case BPF_ADD:
		case BPF_OR:
		case BPF_AND:
		case BPF_XOR: {
			const char *name = (in->imm & ~BPF_FETCH) == BPF_ADD  ? "add"
					   : (in->imm & ~BPF_FETCH) == BPF_OR ? "or"
					   : (in->imm & ~BPF_FETCH) == BPF_AND ? "and"
									       : "xor";
			const char *sym = name[0] == 'a' ? (name[1] == 'd' ? "+=" : "&=")
				      : name[0] == 'o' ? "|=" : "^=";

			if (in->imm & BPF_FETCH)
				buf_printf(out, "%c%d = atomic_fetch_%s((%s *)(r%d %+d), %c%d)", r, in->src_reg,
					   name, sz, in->dst_reg, in->off, r, in->src_reg);
			else
				buf_printf(out, "lock *(%s *)(r%d %+d) %s %c%d", sz, in->dst_reg, in->off, sym, r,
					   in->src_reg);
			return;
		}
		}
		if (in->imm == BPF_XCHG)
			buf_printf(out, "%c%d = %s(r%d %+d, %c%d)", r, in->src_reg, w ? "xchg32_32" : "xchg_64",
				   in->dst_reg, in->off, r, in->src_reg);
		else
			buf_printf(out, "%c0 = %s(r%d %+d, %c0, %c%d)", r, w ? "cmpxchg32_32" : "cmpxchg_64",
				   in->dst_reg, in->off, r, r, in->src_reg);
		return;
	}
	if (isa_ops[op].format == F_CALL) {
		buf_printf(out, "call %d", in->imm);
		return;
	}
	p = strstr(ours, "goto pc");
	if (p) {
		buf_append(out, ours, (size_t)(p - ours) + 5);
		buf_printf(out, "%s", p + 7);
		return;
	}
	p = strstr(ours, "gotol pc");
	if (p) {
		buf_printf(out, "gotol %s", p + 8);
		return;
	}
	buf_printf(out, "%s", ours);
}

static bool llvm_ok(enum isa_op op, const struct bpf_insn *in)
{
	switch (isa_ops[op].format) {
	case F_CALL_LOCAL:
	case F_CALL_KFUNC:
	case F_LD_IND: return false; /* label fixups, BTF calls, no llvm spelling */
	case F_LDDW: return in->src_reg == 0;
	default: return true;
	}
}

static void test_llvm(void)
{
	enum { N = 600 };
	struct bpf_insn insns[N + 2];
	enum isa_op ops[OP__COUNT];
	int nops = 0, lines = 0, match = 0, ours_match = 0, errors_seen = 0;
	size_t n = 0, enc = 0;
	char path[] = "/tmp/userbpf-llvm-XXXXXX";
	struct buf text = {0}, out = {0};
	struct asm_prog p;
	struct userbpf_error err;
	char cmd[256], line[1024];
	FILE *f;
	int fd;

	if (system("command -v llvm-mc-19 >/dev/null 2>&1") != 0) {
		printf("llvm: llvm-mc-19 not found, skipped\n");
		return;
	}
	for (int op = 0; op < OP__COUNT; op++)
		if (op != OP_CALL_LOCAL && op != OP_CALL_KFUNC && op != OP_LDIND_B && op != OP_LDIND_H &&
		    op != OP_LDIND_W)
			ops[nops++] = (enum isa_op)op;
	/* every operation at least three times, random operands, then valid jump targets */
	while (n < N) {
		enum isa_op op = ops[(n + enc++) % (size_t)nops];

		n += (size_t)random_insn(&insns[n], op);
		if (op == OP_LDDW)
			insns[n - 2].src_reg = 0;
	}
	memset(&insns[n], 0, sizeof(insns[n]));
	insns[n++].code = BPF_JMP | BPF_EXIT;
	for (size_t pc = 0; pc < n; pc++) {
		enum isa_op op = isa_decode(&insns[pc]);
		size_t tgt;

		if (op == OP_LDDW) {
			pc++;
			continue;
		}
		if (!isa_is_jump(op))
			continue;
		do
			tgt = rnd() % n;
		while (isa_is_lddw_tail(insns, n, tgt));
		if (op == OP_JA32)
			insns[pc].imm = (int32_t)((int64_t)tgt - (int64_t)pc - 1);
		else
			insns[pc].off = (int16_t)((int64_t)tgt - (int64_t)pc - 1);
	}
	CHECK(isa_validate(insns, n, NULL) == 0);

	struct disasm_opts o = {.hide_code = true, .hide_index = true};
	for (size_t pc = 0; pc < n;) {
		struct buf one = {0};
		enum isa_op op = isa_decode(&insns[pc]);
		int k = disasm_insn(insns, n, pc, &o, &one);

		CHECK(llvm_ok(op, &insns[pc]));
		llvm_line(&insns[pc], op, one.data, &text);
		buf_append(&text, "\n", 1);
		buf_free(&one);
		pc += (size_t)(k > 0 ? k : 1);
		lines++;
	}
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs(text.data, f);
	fclose(f);

	/* our assembler reads llvm's spelling too */
	CHECK(asm_assemble(text.data, &p, &err) == 0);
	ours_match = same_insns(p.insns, p.n, insns, n);
	CHECK(ours_match);
	if (!ours_match)
		fprintf(stderr, "llvm text: %d:%d: %s\n", err.line, err.column, err.message);
	asm_prog_free(&p);

	snprintf(cmd, sizeof(cmd), "llvm-mc-19 -triple bpf -show-encoding %s 2>&1", path);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	size_t pc = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *e = strstr(line, "encoding: [");
		uint8_t bytes[16], want[16];
		size_t nb = 0;

		if (strstr(line, "error:")) {
			if (errors_seen++ < 5)
				fprintf(stderr, "llvm-mc: %s", line);
			continue;
		}
		if (!e)
			continue;
		for (e += 11; *e && *e != ']' && nb < 16; nb++) {
			bytes[nb] = (uint8_t)strtoul(e, (char **)&e, 16);
			if (*e == ',')
				e++;
		}
		if (pc >= n)
			break;
		size_t slots = insns[pc].code == (BPF_LD | BPF_DW | BPF_IMM) ? 2 : 1;
		for (size_t sl = 0; sl < slots; sl++) {
			const struct bpf_insn *in = &insns[pc + sl];

			want[sl * 8 + 0] = in->code;
			want[sl * 8 + 1] = (uint8_t)(in->dst_reg | in->src_reg << 4);
			want[sl * 8 + 2] = (uint8_t)in->off;
			want[sl * 8 + 3] = (uint8_t)((uint16_t)in->off >> 8);
			for (int b = 0; b < 4; b++)
				want[sl * 8 + 4 + b] = (uint8_t)((uint32_t)in->imm >> (8 * b));
		}
		if (nb == slots * 8 && memcmp(bytes, want, nb) == 0)
			match++;
		else if (match + 5 > (int)pc)
			fprintf(stderr, "llvm-mc encodes line %d differently: %s", match + 1, line);
		pc += slots;
	}
	pclose(f);
	unlink(path);
	buf_free(&text);
	buf_free(&out);
	printf("llvm: %d/%d lines encode as llvm-mc-19 does (%d llvm-mc errors)\n", match, lines,
	       errors_seen);
	CHECK(match == lines && errors_seen == 0);
}

/* ---- userbpf_prog_load_text with .map declarations ---- */
static void test_load_text_maps(void)
{
	struct userbpf_error err;
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	struct userbpf_prog *prog;
	uint64_t r0 = 0;
	uint8_t mem[8] = {0};
	USERBPF_OPTS(userbpf_run_opts, ro, .backend = USERBPF_BACKEND_INTERP, .checked = true);

	CHECK(env != NULL);
	if (!env)
		return;
	/* init= is the value of key 0; map_value[NAME]+OFF reads it */
	prog = userbpf_prog_load_text(env,
				      ".map consts array key=4 value=16 entries=1 flags=rdonly_prog "
				      "init=2a000000000000000700000000000000 freeze\n"
				      ".map other hash key=4 value=8 entries=4\n"
				      "r1 = map_value[consts]+8\n"
				      "r0 = *(u64 *)(r1 +0)\n"
				      "r2 = map_value[consts]+0\n"
				      "r2 = *(u64 *)(r2 +0)\n"
				      "r0 *= r2\n"
				      "exit\n",
				      NULL, &err);
	if (!prog)
		fprintf(stderr, "load_text: %s\n", err.message);
	CHECK(prog != NULL);
	if (prog) {
		const struct userbpf_insn *in = userbpf_prog_insns(prog);

		CHECK((in[0].regs >> 4) == BPF_PSEUDO_MAP_IDX_VALUE && in[0].imm == 0 &&
		      in[1].imm == 8);
		CHECK(userbpf_prog_run(prog, mem, sizeof(mem), &ro, &r0, &err) == 0 && r0 == 42 * 7);
		userbpf_prog_free(prog);
	}
	/* the second declaration is index 1 */
	prog = userbpf_prog_load_text(env,
				      ".map a array key=4 value=8 entries=1\n"
				      ".map b array key=4 value=8 entries=1\n"
				      "r1 = map[b]\nr1 = map[a]\nr0 = 0\nexit\n",
				      NULL, &err);
	CHECK(prog != NULL);
	if (prog) {
		const struct userbpf_insn *in = userbpf_prog_insns(prog);

		CHECK((in[0].regs >> 4) == BPF_PSEUDO_MAP_IDX && in[0].imm == 1);
		CHECK((in[2].regs >> 4) == BPF_PSEUDO_MAP_IDX && in[2].imm == 0);
		userbpf_prog_free(prog);
	}
	/* a map the maps module refuses: the error names the .map line */
	CHECK(userbpf_prog_load_text(env, "r0 = 0\n.map r ringbuf key=4 value=8 entries=3\nexit\n",
				     NULL, &err) == NULL &&
	      err.line == 2 && strstr(err.message, ".map r:"));
	/* init on a map that cannot take it */
	CHECK(userbpf_prog_load_text(env, ".map p prog_array key=4 value=4 entries=2 init=07\n"
					  "r0 = 0\nexit\n",
				     NULL, &err) == NULL &&
	      err.line == 1 && strstr(err.message, ".map p:"));
	if (err.line != 1)
		fprintf(stderr, "prog_array init: %s\n", err.message);
	/* references without any declaration still need the host */
	CHECK(userbpf_prog_load_text(env, "r1 = map[x]\nr0 = 0\nexit\n", NULL, &err) == NULL &&
	      err.code == -ENOTSUP);
	userbpf_env_free(env);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_goldens();
	test_syntaxes();
	test_programs();
	test_errors();
	test_datafile();
	test_conformance();
	test_random();
	test_llvm();
	test_load_text_maps();
	return test_summary();
}
