/* SPDX-License-Identifier: MIT */
/*
 * test_verifier.c - the verifier on hand-encoded programs of the raw-memory type (R1 = 64
 * bytes of input, R10 = stack): accepted programs, rejections with the kernel's wording and
 * the right instruction index, the log format, privileged versus unprivileged rules, loops,
 * bpf-to-bpf calls and the processed-instruction limit.
 */
#include <errno.h>
#include <stdlib.h>

#include "isa/isa.h"
#include "verifier/verifier.h"
#include "test.h"

static struct bpf_insn I(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}

#define MOV(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV32(d, k) I(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, k)
#define ALU(op, d, k) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, k)
#define ALUR(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32(op, d, k) I(BPF_ALU | (op) | BPF_K, d, 0, 0, k)
#define LDX(sz, d, s, off) I(BPF_LDX | (sz) | BPF_MEM, d, s, off, 0)
#define STX(sz, d, s, off) I(BPF_STX | (sz) | BPF_MEM, d, s, off, 0)
#define ST(sz, d, off, k) I(BPF_ST | (sz) | BPF_MEM, d, 0, off, k)
#define JMP(op, d, k, off) I(BPF_JMP | (op) | BPF_K, d, 0, off, k)
#define JMPR(op, d, s, off) I(BPF_JMP | (op) | BPF_X, d, s, off, 0)
#define JA(off) I(BPF_JMP | BPF_JA, 0, 0, off, 0)
#define CALL_LOCAL(imm) I(BPF_JMP | BPF_CALL, 0, 1, 0, imm)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char logbuf[1 << 16];
static struct userbpf_error err;

static int verify(const struct bpf_insn *p, size_t n, bool priv, uint32_t level)
{
	struct verifier_opts opts = {.mem_size = 64, .privileged = priv, .log_level = level,
				     .insn_limit = 20000};
	struct verifier_log log = {logbuf, sizeof(logbuf), 0, false};

	memset(&err, 0, sizeof(err));
	return verifier_check_insns(p, n, &opts, &log, &err);
}

/* Rejected with exactly this message at this instruction (also the log's last error line). */
static void reject(const char *name, const struct bpf_insn *p, size_t n, bool priv, int insn,
		   const char *msg)
{
	int ret = verify(p, n, priv, 1);

	if (ret == 0 || strcmp(err.message, msg) != 0 || err.insn != insn || !strstr(logbuf, msg))
		fprintf(stderr, "%s: ret %d insn %d message \"%s\" (want %d \"%s\")\nlog:\n%s\n", name,
			ret, err.insn, err.message, insn, msg, logbuf);
	CHECK(ret != 0);
	CHECK_STR(err.message, msg);
	CHECK(err.insn == insn);
	CHECK(strstr(logbuf, msg) != NULL);
}

static void accept(const char *name, const struct bpf_insn *p, size_t n, bool priv)
{
	int ret = verify(p, n, priv, 2);

	if (ret)
		fprintf(stderr, "%s: rejected: %s (insn %d)\nlog:\n%s\n", name, err.message, err.insn,
			logbuf);
	CHECK(ret == 0);
}

static void test_basics(void)
{
	struct bpf_insn ok[] = {MOV(0, 0), EXIT()};
	accept("r0 = 0", ok, N(ok), false);
	CHECK(verify(ok, N(ok), false, 1) == 0);
	CHECK_STR(logbuf, "processed 2 insns (limit 20000) max_states_per_insn 0 total_states 0 "
			  "peak_states 0 mark_read 0\n");

	struct bpf_insn noinit[] = {EXIT()};
	reject("exit", noinit, N(noinit), false, 0, "R0 !read_ok");
	CHECK(strncmp(logbuf, "0: R1=mem(sz=64) R2=scalar(umin=64) R10=fp0\n0: (95) exit\nR0 !read_ok\n",
		      69) == 0);

	struct bpf_insn r3[] = {MOVR(0, 3), EXIT()};
	reject("read r3", r3, N(r3), false, 0, "R3 !read_ok");

	struct bpf_insn scal[] = {MOV(0, 0), LDX(BPF_B, 0, 0, 0), EXIT()};
	reject("deref scalar", scal, N(scal), false, 1, "R0 invalid mem access 'scalar'");

	struct bpf_insn divz[] = {MOV(0, 1), ALU(BPF_DIV, 0, 0), EXIT()};
	reject("div by zero", divz, N(divz), false, 1, "division by zero");
	struct bpf_insn shift[] = {MOV(0, 1), ALU(BPF_LSH, 0, 64), EXIT()};
	reject("shift 64", shift, N(shift), false, 1, "invalid shift 64");

	/* structure errors come through with the cfg's wording */
	struct bpf_insn unreach[] = {MOV(0, 0), EXIT(), EXIT()};
	CHECK(verify(unreach, N(unreach), false, 1) == -EINVAL);
	CHECK_STR(err.message, "unreachable insn 2");
	CHECK(strstr(logbuf, "unreachable insn 2\n") != NULL);
}

static void test_mem(void)
{
	struct bpf_insn in[] = {LDX(BPF_W, 0, 1, 60), EXIT()};
	accept("load at 60", in, N(in), false);

	struct bpf_insn out[] = {LDX(BPF_W, 0, 1, 61), EXIT()};
	reject("load at 61", out, N(out), false, 0, "invalid access to memory, mem_size=64 off=61 size=4");

	struct bpf_insn neg[] = {LDX(BPF_B, 0, 1, -1), EXIT()};
	reject("load at -1", neg, N(neg), false, 0, "invalid access to memory, mem_size=64 off=-1 size=1");

	/* r2 = byte; r1 += r2; load: needs r2 <= 63 */
	struct bpf_insn var[] = {LDX(BPF_B, 2, 1, 0), ALUR(BPF_ADD, 1, 2), LDX(BPF_B, 0, 1, 0), EXIT()};
	reject("unchecked index", var, N(var), false, 2, "R1 max value is outside of the allowed memory range");
	CHECK(strstr(logbuf, "invalid access to memory, mem_size=64 off=255 size=1\n") != NULL);
	CHECK(strstr(logbuf, "R1=mem(sz=64,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))") != NULL);

	struct bpf_insn checked[] = {LDX(BPF_B, 2, 1, 0), JMP(BPF_JGT, 2, 63, 3), ALUR(BPF_ADD, 1, 2),
				     LDX(BPF_B, 0, 1, 0), EXIT(), MOV(0, 0), EXIT()};
	accept("checked index", checked, N(checked), false);
	/* off by one: r2 <= 64 lets the load reach byte 64 */
	struct bpf_insn off1[] = {LDX(BPF_B, 2, 1, 0), JMP(BPF_JGT, 2, 64, 3), ALUR(BPF_ADD, 1, 2),
				  LDX(BPF_B, 0, 1, 0), EXIT(), MOV(0, 0), EXIT()};
	reject("index <= 64", off1, N(off1), false, 3, "R1 max value is outside of the allowed memory range");

	/* a signed check alone leaves negative values */
	struct bpf_insn sgn[] = {LDX(BPF_DW, 2, 1, 0), JMP(BPF_JSGT, 2, 63, 3), ALUR(BPF_ADD, 1, 2),
				 LDX(BPF_B, 0, 1, 0), EXIT(), MOV(0, 0), EXIT()};
	reject("signed check only", sgn, N(sgn), false, 2,
	       "math between mem pointer and register with unbounded min value is not allowed");

	/* the 32-bit check of the CVE-2021-31440 shape: w2 < 64 says nothing about r2 */
	struct bpf_insn w32[] = {LDX(BPF_DW, 2, 1, 0), I(BPF_JMP32 | BPF_JGT | BPF_K, 2, 0, 3, 63),
				 ALUR(BPF_ADD, 1, 2), LDX(BPF_B, 0, 1, 0), EXIT(), MOV(0, 0), EXIT()};
	reject("jmp32 check", w32, N(w32), false, 2,
	       "math between mem pointer and register with unbounded min value is not allowed");

	/* and-masking bounds an index */
	struct bpf_insn mask[] = {LDX(BPF_DW, 2, 1, 0), ALU(BPF_AND, 2, 63), ALUR(BPF_ADD, 1, 2),
				  LDX(BPF_B, 0, 1, 0), EXIT()};
	accept("masked index", mask, N(mask), false);

	/* read-only memory */
	struct verifier_opts ro = {.mem_size = 64, .mem_readonly = true, .log_level = 1};
	struct verifier_log log = {logbuf, sizeof(logbuf), 0, false};
	struct bpf_insn st[] = {ST(BPF_W, 1, 0, 1), MOV(0, 0), EXIT()};
	CHECK(verifier_check_insns(st, N(st), &ro, &log, &err) == -EACCES);
	CHECK_STR(err.message, "R1 cannot write into rdonly_mem");
	accept("store", st, N(st), false);
}

static void test_pointers(void)
{
	struct bpf_insn a32[] = {ALU32(BPF_ADD, 1, 1), MOV(0, 0), EXIT()};
	reject("alu32 on ptr", a32, N(a32), false, 0, "R1 32-bit pointer arithmetic prohibited");
	struct bpf_insn band[] = {ALU(BPF_AND, 1, 1), MOV(0, 0), EXIT()};
	reject("and on ptr", band, N(band), false, 0, "R1 bitwise operator &= on pointer prohibited");
	struct bpf_insn mul[] = {ALU(BPF_MUL, 1, 2), MOV(0, 0), EXIT()};
	reject("mul on ptr", mul, N(mul), false, 0, "R1 pointer arithmetic with *= operator prohibited");
	struct bpf_insn big[] = {ALU(BPF_ADD, 1, 1 << 29), MOV(0, 0), EXIT()};
	reject("big offset", big, N(big), false, 0, "math between mem pointer and 536870912 is not allowed");
	struct bpf_insn pp[] = {ALUR(BPF_ADD, 1, 10), MOV(0, 0), EXIT()};
	reject("ptr + ptr", pp, N(pp), false, 0, "R1 pointer += pointer prohibited");
	struct bpf_insn sub[] = {ALUR(BPF_SUB, 1, 10), MOV(0, 0), EXIT()};
	reject("mem - fp", sub, N(sub), true, 0, "R1 pointer -= pointer prohibited");
	struct bpf_insn sub2[] = {MOVR(2, 1), ALU(BPF_ADD, 2, 8), ALUR(BPF_SUB, 2, 1), MOVR(0, 2), EXIT()};
	accept("mem - mem (privileged)", sub2, N(sub2), true);
	reject("mem - mem", sub2, N(sub2), false, 2, "R2 pointer -= pointer prohibited");

	struct bpf_insn leak[] = {MOVR(0, 1), EXIT()};
	reject("return ptr", leak, N(leak), false, 1, "R0 leaks addr as return value");
	accept("return ptr (privileged)", leak, N(leak), true);

	struct bpf_insn store_ptr[] = {STX(BPF_DW, 1, 1, 0), MOV(0, 0), EXIT()};
	reject("ptr into mem", store_ptr, N(store_ptr), false, 0, "R1 leaks addr into mem");

	struct bpf_insn partial[] = {I(BPF_ALU | BPF_MOV | BPF_X, 0, 1, 0, 0), EXIT()};
	reject("w0 = w1", partial, N(partial), false, 0, "R1 partial copy of pointer");
	accept("w0 = w1 (privileged)", partial, N(partial), true);

	struct bpf_insn cmp[] = {JMPR(BPF_JGT, 1, 10, 1), MOV(0, 0), MOV(0, 1), EXIT()};
	reject("ptr compare", cmp, N(cmp), false, 0, "R1 pointer comparison prohibited");
	accept("ptr compare (privileged)", cmp, N(cmp), true);

	/* pointers are never NULL: the == 0 branch is dead, even if it would fault */
	struct bpf_insn nul[] = {JMP(BPF_JEQ, 1, 0, 2), MOV(0, 0), EXIT(), LDX(BPF_B, 0, 0, 0), EXIT()};
	accept("dead null branch", nul, N(nul), false);
	struct bpf_insn nul2[] = {MOV(0, 0), JMP(BPF_JNE, 1, 0, 1), LDX(BPF_B, 0, 0, 0), EXIT()};
	accept("dead null branch (!=)", nul2, N(nul2), false);
}

static void test_stack(void)
{
	struct bpf_insn spill[] = {ST(BPF_DW, 10, -8, 7), LDX(BPF_DW, 0, 10, -8), EXIT()};
	accept("spill const", spill, N(spill), false);
	CHECK(strstr(logbuf, "R0=7") && strstr(logbuf, "fp-8=7"));

	struct bpf_insn ptr[] = {STX(BPF_DW, 10, 1, -16), LDX(BPF_DW, 2, 10, -16), LDX(BPF_B, 0, 2, 63), EXIT()};
	accept("spill ptr", ptr, N(ptr), false);

	struct bpf_insn uninit[] = {LDX(BPF_DW, 0, 10, -8), EXIT()};
	reject("uninit stack", uninit, N(uninit), false, 0, "invalid read from stack R10 off=-8 size=8");
	accept("uninit stack (privileged)", uninit, N(uninit), true);

	struct bpf_insn mis[] = {ST(BPF_DW, 10, -12, 0), MOV(0, 0), EXIT()};
	reject("misaligned", mis, N(mis), false, 0, "misaligned stack access off 0+0+-12 size 8");

	struct bpf_insn oob[] = {ST(BPF_DW, 10, -520, 0), MOV(0, 0), EXIT()};
	reject("below stack", oob, N(oob), false, 0, "invalid write to stack R10 off=-520 size=8");
	struct bpf_insn above[] = {ST(BPF_B, 10, 0, 0), MOV(0, 0), EXIT()};
	reject("above stack", above, N(above), false, 0, "invalid write to stack R10 off=0 size=1");

	/* bytes: a u32 store makes half a slot readable */
	struct bpf_insn half[] = {ST(BPF_W, 10, -8, 5), LDX(BPF_W, 0, 10, -8), EXIT()};
	accept("u32 store/load", half, N(half), false);
	CHECK(strstr(logbuf, "fp-8=????mmmm") != NULL);
	struct bpf_insn half2[] = {ST(BPF_W, 10, -8, 5), LDX(BPF_DW, 0, 10, -8), EXIT()};
	reject("u64 load of half", half2, N(half2), false, 1, "invalid read from stack R10 off=-8 size=8");

	/* narrow reads of a spilled constant give its bytes (little-endian) */
	struct bpf_insn bytes[] = {MOV(2, 0x1234), STX(BPF_DW, 10, 2, -8), LDX(BPF_B, 0, 10, -7),
				   JMP(BPF_JEQ, 0, 0x12, 1), LDX(BPF_B, 0, 0, 0), EXIT()};
	accept("byte of a spill", bytes, N(bytes), false);

	/* narrow reads of a spilled pointer */
	struct bpf_insn pfill[] = {STX(BPF_DW, 10, 1, -8), LDX(BPF_W, 0, 10, -8), EXIT()};
	reject("narrow fill of ptr", pfill, N(pfill), false, 1, "invalid size of register fill");
	struct bpf_insn pspill[] = {STX(BPF_W, 10, 1, -8), MOV(0, 0), EXIT()};
	reject("narrow spill of ptr", pspill, N(pspill), false, 0, "invalid size of register spill");
	struct bpf_insn corrupt[] = {STX(BPF_DW, 10, 1, -8), ST(BPF_B, 10, -8, 0), MOV(0, 0), EXIT()};
	reject("corrupt spilled ptr", corrupt, N(corrupt), false, 1, "attempt to corrupt spilled pointer on stack");

	/* a pointer into the stack moves with constants */
	struct bpf_insn fp[] = {MOVR(2, 10), ALU(BPF_ADD, 2, -16), ST(BPF_DW, 2, 8, 1), LDX(BPF_DW, 0, 10, -8), EXIT()};
	accept("fp arithmetic", fp, N(fp), false);
}

static void test_branches(void)
{
	/* both sides explored: the taken one faults */
	struct bpf_insn bad[] = {LDX(BPF_B, 2, 1, 0), MOV(0, 0), JMP(BPF_JGT, 2, 5, 1), EXIT(),
				 LDX(BPF_B, 0, 0, 0), EXIT()};
	reject("fault on taken side", bad, N(bad), false, 4, "R0 invalid mem access 'scalar'");
	/* level 1 shows the failing path, the state after the jump on the jump's line */
	CHECK(strstr(logbuf, "2: (25) if r2 > 0x5 goto pc+1 4:") != NULL);
	CHECK(strstr(logbuf, "3: (95) exit") == NULL); /* the successful path was rewound */

	/* decided: r2 <= 255 is never > 300, the faulting side is dead */
	struct bpf_insn dead[] = {LDX(BPF_B, 2, 1, 0), MOV(0, 0), JMP(BPF_JGT, 2, 300, 1), EXIT(),
				  LDX(BPF_B, 0, 0, 0), EXIT()};
	accept("dead side", dead, N(dead), false);

	/* reg-reg refinement: r3 in [0, 10], r2 < r3 bounds r2 */
	struct bpf_insn rr[] = {LDX(BPF_B, 2, 1, 0), MOV(3, 10), JMPR(BPF_JGE, 2, 3, 3), ALUR(BPF_ADD, 1, 2),
				LDX(BPF_DW, 0, 1, 47), EXIT(), MOV(0, 0), EXIT()};
	accept("reg-reg bound", rr, N(rr), false);
	struct bpf_insn rr2[] = {LDX(BPF_B, 2, 1, 0), MOV(3, 10), JMPR(BPF_JGE, 2, 3, 3), ALUR(BPF_ADD, 1, 2),
				 LDX(BPF_DW, 0, 1, 48), EXIT(), MOV(0, 0), EXIT()};
	reject("reg-reg bound + 1", rr2, N(rr2), false, 4, "R1 max value is outside of the allowed memory range");
}

static void test_linked(void)
{
	/* r3 = r2 links them: bounding r3 bounds r2 */
	struct bpf_insn link[] = {LDX(BPF_B, 2, 1, 0), MOVR(3, 2), JMP(BPF_JGT, 3, 10, 3), ALUR(BPF_ADD, 1, 2),
				  LDX(BPF_B, 0, 1, 53), EXIT(), MOV(0, 0), EXIT()};
	accept("linked copy", link, N(link), false);
	CHECK(strstr(logbuf, "R3=scalar(id=1,smin=smin32=0,smax=umax=smax32=umax32=255") != NULL);
	/* overwriting the copy breaks the link */
	struct bpf_insn broken[] = {LDX(BPF_B, 2, 1, 0), MOVR(3, 2), ALU(BPF_ADD, 3, 0), JMP(BPF_JGT, 3, 10, 3),
				    ALUR(BPF_ADD, 1, 2), LDX(BPF_B, 0, 1, 53), EXIT(), MOV(0, 0), EXIT()};
	reject("link broken", broken, N(broken), false, 5, "R1 max value is outside of the allowed memory range");

	/*
	 * Pruning must respect links: the first path reaches insn 8 with r3 linked to r2 and is
	 * safe; the second reaches it with the same ranges but no link, and is not.
	 */
	struct bpf_insn prune[] = {LDX(BPF_B, 2, 1, 0), LDX(BPF_B, 3, 1, 1), LDX(BPF_B, 4, 1, 2), MOV(5, 0),
				   JMP(BPF_JGT, 4, 5, 3), MOVR(3, 2), MOV(4, 0), JA(2), MOV(4, 0), MOV(4, 0),
				   JMP(BPF_JGT, 3, 10, 3), ALUR(BPF_ADD, 1, 2), LDX(BPF_B, 0, 1, 53), EXIT(),
				   MOV(0, 0), EXIT()};
	reject("prune keeps links", prune, N(prune), false, 12,
	       "R1 max value is outside of the allowed memory range");
	/* both paths linked: the second one is pruned at insn 10 */
	struct bpf_insn prune2[] = {LDX(BPF_B, 2, 1, 0), LDX(BPF_B, 3, 1, 1), LDX(BPF_B, 4, 1, 2), MOV(5, 0),
				    JMP(BPF_JGT, 4, 5, 3), MOVR(3, 2), MOV(4, 0), JA(2), MOVR(3, 2), MOV(4, 0),
				    JMP(BPF_JGT, 3, 10, 3), ALUR(BPF_ADD, 1, 2), LDX(BPF_B, 0, 1, 53), EXIT(),
				    MOV(0, 0), EXIT()};
	accept("prune linked", prune2, N(prune2), false);
	CHECK(strstr(logbuf, "10: safe") != NULL);

	/* liveness: r4 differs between the paths but is dead at insn 8, so it is pruned there */
	struct bpf_insn dead[] = {LDX(BPF_B, 2, 1, 0), LDX(BPF_B, 3, 1, 1), LDX(BPF_B, 4, 1, 2), MOV(5, 0),
				  JMP(BPF_JGT, 4, 5, 2), MOVR(3, 2), JA(1), MOVR(3, 2),
				  JMP(BPF_JGT, 3, 10, 3), ALUR(BPF_ADD, 1, 2), LDX(BPF_B, 0, 1, 53), EXIT(),
				  MOV(0, 0), EXIT()};
	accept("dead register ignored", dead, N(dead), false);
	CHECK(strstr(logbuf, "8: safe") != NULL);
	/* ... but a live one is compared: here r4 indexes the access after the join */
	struct bpf_insn live[] = {LDX(BPF_B, 2, 1, 0), LDX(BPF_B, 3, 1, 1), LDX(BPF_B, 4, 1, 2), MOV(5, 0),
				  JMP(BPF_JGT, 4, 5, 2), MOVR(3, 2), JA(1), MOVR(3, 2),
				  JMP(BPF_JGT, 3, 10, 3), ALUR(BPF_ADD, 1, 4), LDX(BPF_B, 0, 1, 58), EXIT(),
				  MOV(0, 0), EXIT()};
	reject("live register compared", live, N(live), false, 10,
	       "R1 max value is outside of the allowed memory range");
	CHECK(strstr(logbuf, "total_states 1") != NULL);
}

static void test_loops(void)
{
	/* for (r0 = 0; r0 < 10; r0++) */
	struct bpf_insn loop[] = {MOV(0, 0), ALU(BPF_ADD, 0, 1), JMP(BPF_JLT, 0, 10, -2), EXIT()};
	CHECK(verify(loop, N(loop), false, 1) == -EINVAL);
	CHECK_STR(err.message, "back-edge from insn 2 to 1");
	accept("bounded loop", loop, N(loop), true);
	CHECK(strstr(logbuf, "processed 22 insns") != NULL);

	struct bpf_insn self[] = {MOV(0, 0), JA(-1)};
	reject("goto pc-1", self, N(self), true, 1, "infinite loop detected at insn 1");

	struct bpf_insn forever[] = {MOV(0, 0), ALU(BPF_ADD, 0, 1), JA(-2)};
	CHECK(verify(forever, N(forever), true, 1) == -E2BIG);
	CHECK_STR(err.message, "BPF program is too large. Processed 20001 insn");
}

static void test_calls(void)
{
	/* main: r1 = fp-8 slot; call f; f writes *(r1) = 3; main reads it back */
	struct bpf_insn call[] = {MOVR(1, 10), ALU(BPF_ADD, 1, -8), CALL_LOCAL(2), LDX(BPF_DW, 0, 10, -8), EXIT(),
				  ST(BPF_DW, 1, 0, 3), MOV(0, 0), EXIT()};
	accept("call writes caller stack", call, N(call), false);

	/* after the call, R1-R5 are gone */
	struct bpf_insn clob[] = {MOV(2, 1), CALL_LOCAL(2), MOVR(0, 2), EXIT(), MOV(0, 0), EXIT()};
	reject("r2 after call", clob, N(clob), false, 2, "R2 !read_ok");

	/* returning a pointer to the callee's stack */
	struct bpf_insn ret_fp[] = {CALL_LOCAL(2), MOV(0, 0), EXIT(), MOVR(0, 10), EXIT()};
	reject("return fp", ret_fp, N(ret_fp), false, 4, "cannot return stack pointer to the caller frame");

	/* helpers are not known yet */
	struct bpf_insn helper[] = {CALL(1), EXIT()};
	reject("helper", helper, N(helper), false, 0, "invalid func unknown#1");

	/* stack depth: 2 x 384 bytes over a call chain */
	struct bpf_insn deep[] = {ST(BPF_DW, 10, -384, 0), CALL_LOCAL(2), MOV(0, 0), EXIT(),
				  ST(BPF_DW, 10, -384, 0), MOV(0, 0), EXIT()};
	CHECK(verify(deep, N(deep), false, 1) == -EACCES);
	CHECK_STR(err.message, "combined stack size of 2 calls is 768. Too large");
}

int main(void)
{
	test_basics();
	test_mem();
	test_pointers();
	test_stack();
	test_branches();
	test_linked();
	test_loops();
	test_calls();
	return test_summary();
}
