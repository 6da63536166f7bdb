/* SPDX-License-Identifier: MIT */
/*
 * test_jit_enc.c - the JIT's byte encoders (src/jit/x86_64_enc.h) against an oracle: every
 * encoder is called over all 16 registers (and register pairs, bases and displacement sizes),
 * the Intel-syntax text of the same instruction is assembled by llvm-mc -show-encoding in one
 * batch, and the bytes must agree. Branches (whose text needs labels) are checked by hand.
 */
#include <stdlib.h>
#include <unistd.h>

#include "jit/x86_64_enc.h"
#include "util/util.h"
#include "test.h"

struct ecase {
	char text[64];
	uint8_t bytes[X86_MAX_INSN];
	size_t len;
};

static struct ecase *cases;
static size_t ncases, capcases;

static const char *r64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
			      "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *r32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
			      "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *r16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
			      "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *r8[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
			     "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};

static const char **rn(int size)
{
	return size == 8 ? r64 : size == 4 ? r32 : size == 2 ? r16 : r8;
}

static const char *ptr(int size)
{
	return size == 8 ? "qword" : size == 4 ? "dword" : size == 2 ? "word" : "byte";
}

static struct ecase *add(void)
{
	if (ncases == capcases) {
		capcases = capcases ? capcases * 2 : 1024;
		cases = realloc(cases, capcases * sizeof(*cases));
		if (!cases)
			exit(2);
	}
	memset(&cases[ncases], 0, sizeof(cases[0]));
	return &cases[ncases++];
}

#define CASE(FMT_CALL, ENC)                                     \
	do {                                                    \
		struct ecase *c_ = add();                       \
		snprintf FMT_CALL;                              \
		c_->len = (ENC);                                \
	} while (0)
#define T c_->text, sizeof(c_->text)
#define B c_->bytes

static void gen(void)
{
	static const int32_t imms[] = {0, 1, -1, 127, -128, 128, 1000, -100000, INT32_MIN};
	static const int32_t disps[] = {0, 8, -8, -512, 127, 128, 100000};
	static const char *alun[8] = {"add", "or", "", "", "and", "sub", "xor", "cmp"};
	static const enum x86_alu alus[6] = {ALU_ADD, ALU_OR, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP};
	static const char *shn[8] = {"rol", "ror", "", "", "shl", "shr", "", "sar"};
	static const enum x86_shift shs[5] = {SH_ROL, SH_ROR, SH_SHL, SH_SHR, SH_SAR};
	static const char *unn[8] = {"", "", "not", "neg", "mul", "", "div", "idiv"};
	static const enum x86_unary uns[5] = {UN_NOT, UN_NEG, UN_MUL, UN_DIV, UN_IDIV};

	for (int a = 0; a < 16; a++) {
		for (int b = 0; b < 16; b++) {
			for (int w = 0; w < 2; w++) {
				const char **n = w ? r64 : r32;

				for (int k = 0; k < 6; k++)
					CASE((T, "%s %s, %s", alun[alus[k]], n[a], n[b]),
					     x86_alu_rr(B, alus[k], w, a, b));
				CASE((T, "mov %s, %s", n[a], n[b]), x86_mov_rr(B, w, a, b));
				CASE((T, "test %s, %s", n[a], n[b]), x86_test_rr(B, w, a, b));
				CASE((T, "imul %s, %s", n[a], n[b]), x86_imul_rr(B, w, a, b));
				CASE((T, "imul %s, %s, 100", n[a], n[b]), x86_imul_rri(B, w, a, b, 100));
				CASE((T, "imul %s, %s, -70000", n[a], n[b]),
				     x86_imul_rri(B, w, a, b, -70000));
				CASE((T, "movsx %s, %s", n[a], r8[b]), x86_movsx_rr(B, 1, w, a, b));
				CASE((T, "movsx %s, %s", n[a], r16[b]), x86_movsx_rr(B, 2, w, a, b));
			}
			CASE((T, "movsxd %s, %s", r64[a], r32[b]), x86_movsx_rr(B, 4, true, a, b));
			CASE((T, "movzx %s, %s", r32[a], r8[b]), x86_movzx_rr(B, 1, a, b));
			CASE((T, "movzx %s, %s", r32[a], r16[b]), x86_movzx_rr(B, 2, a, b));
			/* memory forms: a = register operand, b = base */
			for (size_t di = 0; di < ARRAY_SIZE(disps); di++) {
				int32_t d = disps[di];

				for (int size = 1; size <= 8; size *= 2) {
					CASE((T, "%s %s, %s ptr [%s%+d]", size < 4 ? "movzx" : "mov",
					      rn(size < 4 ? 4 : size)[a], ptr(size), r64[b], d),
					     x86_load(B, size, false, a, b, d));
					CASE((T, "%s %s, %s ptr [%s%+d]",
					      size == 8 ? "mov" : size == 4 ? "movsxd" : "movsx",
					      r64[a], ptr(size), r64[b], d),
					     size == 8 ? x86_load(B, 8, false, a, b, d)
						       : x86_load(B, size, true, a, b, d));
					CASE((T, "mov %s ptr [%s%+d], %s", ptr(size), r64[b], d, rn(size)[a]),
					     x86_store(B, size, b, d, a));
				}
				CASE((T, "lea %s, [%s%+d]", r64[a], r64[b], d), x86_lea(B, a, b, d));
				CASE((T, "cmp %s, qword ptr [%s%+d]", r64[a], r64[b], d),
				     x86_cmp_rm(B, true, a, b, d));
				CASE((T, "add %s, qword ptr [%s%+d]", r64[a], r64[b], d),
				     x86_alu_rm(B, ALU_ADD, true, a, b, d));
				for (int w = 0; w < 2; w++) {
					const char **n = w ? r64 : r32;
					const char *pw = w ? "qword" : "dword";

					CASE((T, "lock xadd %s ptr [%s%+d], %s", pw, r64[b], d, n[a]),
					     x86_lock_xadd(B, w, b, d, a));
					CASE((T, "xchg %s ptr [%s%+d], %s", pw, r64[b], d, n[a]),
					     x86_xchg_mr(B, w, b, d, a));
					CASE((T, "lock cmpxchg %s ptr [%s%+d], %s", pw, r64[b], d, n[a]),
					     x86_lock_cmpxchg(B, w, b, d, a));
					for (int k = 0; k < 5; k++)
						CASE((T, "lock %s %s ptr [%s%+d], %s", alun[alus[k]], pw,
						      r64[b], d, n[a]),
						     x86_alu_mr(B, alus[k], X_LOCK | (w ? X_W : 0), b, d, a));
				}
			}
		}
		/* one-register forms */
		for (int w = 0; w < 2; w++) {
			const char **n = w ? r64 : r32;

			for (size_t i = 0; i < ARRAY_SIZE(imms); i++)
				for (int k = 0; k < 6; k++)
					CASE((T, "%s %s, %d", alun[alus[k]], n[a], imms[i]),
					     x86_alu_ri(B, alus[k], w, a, imms[i]));
			CASE((T, "test %s, 1000", n[a]), x86_test_ri(B, w, a, 1000));
			for (int k = 0; k < 5; k++) {
				CASE((T, "%s %s, 1", shn[shs[k]], n[a]),
				     x86_shift_ri(B, shs[k], w ? X_W : 0, a, 1));
				CASE((T, "%s %s, 13", shn[shs[k]], n[a]),
				     x86_shift_ri(B, shs[k], w ? X_W : 0, a, 13));
				CASE((T, "%s %s, cl", shn[shs[k]], n[a]), x86_shift_cl(B, shs[k], w, a));
				CASE((T, "%s %s", unn[uns[k]], n[a]), x86_unary(B, uns[k], w, a));
			}
			CASE((T, "bswap %s", n[a]), x86_bswap(B, w, a));
		}
		CASE((T, "ror %s, 8", r16[a]), x86_shift_ri(B, SH_ROR, X_66, a, 8));
		CASE((T, "setb %s", r8[a]), x86_setcc(B, CC_B, a));
		CASE((T, "setg %s", r8[a]), x86_setcc(B, CC_G, a));
		CASE((T, "mov %s, 305419896", r32[a]), x86_mov_ri32(B, a, 0x12345678));
		CASE((T, "mov %s, -5", r64[a]), x86_mov_ri64s(B, a, -5));
		CASE((T, "movabs %s, 0x123456789abcdef0", r64[a]), x86_movabs(B, a, 0x123456789abcdef0ull));
		CASE((T, "push %s", r64[a]), x86_push(B, a));
		CASE((T, "pop %s", r64[a]), x86_pop(B, a));
		CASE((T, "call %s", r64[a]), x86_call_r(B, a));
		for (size_t di = 0; di < ARRAY_SIZE(disps); di++) {
			int32_t d = disps[di];

			CASE((T, "mov byte ptr [%s%+d], -3", r64[a], d), x86_store_imm(B, 1, a, d, -3));
			CASE((T, "mov word ptr [%s%+d], 4660", r64[a], d), x86_store_imm(B, 2, a, d, 0x1234));
			CASE((T, "mov dword ptr [%s%+d], -100000", r64[a], d),
			     x86_store_imm(B, 4, a, d, -100000));
			CASE((T, "mov qword ptr [%s%+d], -100000", r64[a], d),
			     x86_store_imm(B, 8, a, d, -100000));
			CASE((T, "sub qword ptr [%s%+d], 1", r64[a], d), x86_alu_mi8(B, ALU_SUB, true, a, d, 1));
			CASE((T, "cmp dword ptr [%s%+d], 0", r64[a], d), x86_alu_mi8(B, ALU_CMP, false, a, d, 0));
			CASE((T, "cmp byte ptr [%s%+d], 5", r64[a], d), x86_cmpb_mi(B, a, d, 5));
		}
	}
	CASE((T, "cqo"), x86_cqo(B, true));
	CASE((T, "cdq"), x86_cqo(B, false));
	CASE((T, "ret"), x86_ret(B));
}

/* Parse "encoding: [0x48,0x89,0xc8]" lines of llvm-mc output, in order. */
static int run_oracle(void)
{
	char in_path[] = "/tmp/test_jit_enc_XXXXXX";
	int fd = mkstemp(in_path);
	FILE *f, *p;
	char cmd[256], line[1024];
	size_t k = 0;
	int mismatches = 0;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fprintf(f, ".intel_syntax noprefix\n");
	for (size_t i = 0; i < ncases; i++)
		fprintf(f, "%s\n", cases[i].text);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "(llvm-mc -triple x86_64 -show-encoding %s || llvm-mc-19 -triple x86_64 "
		 "-show-encoding %s) 2>&1",
		 in_path, in_path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *e = strstr(line, "encoding: [");
		uint8_t got[32];
		size_t n = 0;

		if (strstr(line, "error:")) {
			fprintf(stderr, "llvm-mc: %s", line);
			mismatches++;
			continue;
		}
		if (!e)
			continue;
		for (e += strlen("encoding: ["); *e && *e != ']' && n < sizeof(got);) {
			got[n++] = (uint8_t)strtoul(e, &e, 0);
			if (*e == ',')
				e++;
		}
		if (k >= ncases)
			break;
		if (n != cases[k].len || memcmp(got, cases[k].bytes, n) != 0) {
			fprintf(stderr, "mismatch: %s: llvm-mc", cases[k].text);
			for (size_t b = 0; b < n; b++)
				fprintf(stderr, " %02x", got[b]);
			fprintf(stderr, ", encoder");
			for (size_t b = 0; b < cases[k].len; b++)
				fprintf(stderr, " %02x", cases[k].bytes[b]);
			fprintf(stderr, "\n");
			test_failed++;
		} else {
			test_passed++;
		}
		k++;
	}
	pclose(p);
	if (!getenv("KEEP")) unlink(in_path); else fprintf(stderr, "kept %s\n", in_path);
	if (k != ncases) {
		fprintf(stderr, "llvm-mc encoded %zu of %zu instructions\n", k, ncases);
		test_failed++;
	}
	return mismatches;
}

static void branches(void)
{
	uint8_t b[16];

	CHECK(x86_jmp8(b, -2) == 2 && b[0] == 0xeb && b[1] == 0xfe);
	CHECK(x86_jcc8(b, CC_NE, 5) == 2 && b[0] == 0x75 && b[1] == 5);
	CHECK(x86_jmp32(b, 0x1000) == 5 && b[0] == 0xe9 && b[1] == 0 && b[2] == 0x10);
	CHECK(x86_jcc32(b, CC_B, -6) == 6 && b[0] == 0x0f && b[1] == 0x82 && b[2] == 0xfa &&
	      b[5] == 0xff);
	CHECK(x86_call32(b, 7) == 5 && b[0] == 0xe8 && b[1] == 7);
	CHECK(x86_load_imm(b, R9, 0) == 3);           /* xor r9d, r9d */
	CHECK(x86_load_imm(b, RAX, 0xffffffffu) == 5); /* mov eax, imm32 */
	CHECK(x86_load_imm(b, RAX, (uint64_t)-1) == 7); /* mov rax, simm32 */
	CHECK(x86_load_imm(b, RAX, 1ull << 40) == 10); /* movabs */
}

int main(void)
{
	gen();
	branches();
	CHECK(run_oracle() == 0);
	printf("%zu encodings compared with llvm-mc\n", ncases);
	return test_summary();
}
