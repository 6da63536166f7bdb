/* SPDX-License-Identifier: MIT */
/*
 * test_cfg.c - the verifier's control-flow pass on hand-encoded programs: subprograms,
 * unreachable code, back-edges with and without loops allowed, jumps out of a subprogram,
 * fall-through between subprograms, call depth and recursion, combined stack size, prune
 * points, and a large program for speed.
 */
#include <errno.h>
#include <stdlib.h>

#include "isa/isa.h"
#include "verifier/cfg.h"
#include "test.h"

static struct bpf_insn I(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}

#define MOV(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define JLT(d, k, off) I(BPF_JMP | BPF_JLT | BPF_K, d, 0, off, k)
#define JEQ(d, k, off) I(BPF_JMP | BPF_JEQ | BPF_K, d, 0, off, k)
#define JA(off) I(BPF_JMP | BPF_JA, 0, 0, off, 0)
#define CALL_LOCAL(imm) I(BPF_JMP | BPF_CALL, 0, 1, 0, imm)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LDDW(d, src, lo) I(BPF_LD | BPF_DW | BPF_IMM, d, src, 0, lo)
#define LDDW2(hi) I(0, 0, 0, 0, hi)

/* Validate structurally first (the pass's precondition), then build. */
static int build(struct cfg *cfg, const struct bpf_insn *p, size_t n, bool loops,
		 struct userbpf_error *err)
{
	struct cfg_opts opts = {.allow_loops = loops};

	memset(err, 0, sizeof(*err));
	err->insn = -2;
	if (isa_validate(p, n, err))
		return 1000; /* the test program itself is malformed */
	return cfg_build(cfg, p, n, &opts, err);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_basic(void)
{
	struct cfg cfg;
	struct userbpf_error err;
	struct bpf_insn ok[] = {MOV(0, 0), JEQ(0, 1, 1), MOV(0, 2), EXIT()};

	CHECK(build(&cfg, ok, N(ok), false, &err) == 0);
	CHECK(cfg.nsub == 1 && cfg.sub[0].start == 0 && cfg.sub[0].end == 4);
	CHECK(cfg.sub[0].frames == 1 && cfg.ncalls == 0 && !cfg.has_loops);
	for (int i = 0; i < 4; i++)
		CHECK(cfg.flags[i] & CFG_REACHED);
	CHECK((cfg.flags[1] & CFG_PRUNE) && (cfg.flags[3] & CFG_PRUNE) && (cfg.flags[3] & CFG_JUMP_TARGET));
	CHECK(!(cfg.flags[2] & CFG_PRUNE));
	cfg_free(&cfg);

	struct bpf_insn unreach[] = {MOV(0, 0), EXIT(), MOV(0, 1), EXIT()};
	CHECK(build(&cfg, unreach, N(unreach), false, &err) == -EINVAL);
	CHECK_STR(err.message, "unreachable insn 2");
	CHECK(err.insn == 2 && strcmp(err.component, "cfg") == 0);
	cfg_free(&cfg);

	/* a jump over code that nothing else reaches */
	struct bpf_insn skip[] = {MOV(0, 0), JA(1), MOV(0, 1), EXIT()};
	CHECK(build(&cfg, skip, N(skip), false, &err) == -EINVAL);
	CHECK_STR(err.message, "unreachable insn 2");
	cfg_free(&cfg);

	/* lddw: its second slot is not an instruction and not unreachable */
	struct bpf_insn ld[] = {LDDW(0, 0, 1), LDDW2(2), EXIT()};
	CHECK(build(&cfg, ld, N(ld), false, &err) == 0);
	CHECK((cfg.flags[1] & CFG_LDDW_TAIL) && !(cfg.flags[1] & CFG_REACHED));
	CHECK(cfg.flags[2] & CFG_REACHED);
	cfg_free(&cfg);
}

static void test_loops(void)
{
	struct cfg cfg;
	struct userbpf_error err;
	/* 0: r0 = 0; 1: r0 += 1; 2: if r0 < 10 goto 1; 3: exit */
	struct bpf_insn loop[] = {MOV(0, 0), ADD(0, 1), JLT(0, 10, -2), EXIT()};

	CHECK(build(&cfg, loop, N(loop), false, &err) == -EINVAL);
	CHECK_STR(err.message, "back-edge from insn 2 to 1");
	CHECK(err.insn == 2);
	cfg_free(&cfg);
	CHECK(build(&cfg, loop, N(loop), true, &err) == 0);
	CHECK(cfg.has_loops && (cfg.flags[1] & CFG_LOOP_HEAD) && (cfg.flags[1] & CFG_PRUNE));
	cfg_free(&cfg);

	struct bpf_insn self[] = {MOV(0, 0), JA(-1)};
	CHECK(build(&cfg, self, N(self), false, &err) == -EINVAL);
	CHECK_STR(err.message, "back-edge from insn 1 to 1");
	cfg_free(&cfg);
	CHECK(build(&cfg, self, N(self), true, &err) == 0); /* exploration finds it infinite */
	cfg_free(&cfg);

	/* a forward jump into a join point is not a back-edge */
	struct bpf_insn diamond[] = {MOV(0, 0), JEQ(0, 0, 2), MOV(0, 1), JA(1), MOV(0, 2), EXIT()};
	CHECK(build(&cfg, diamond, N(diamond), false, &err) == 0);
	CHECK(!cfg.has_loops);
	cfg_free(&cfg);
}

static void test_subprogs(void)
{
	struct cfg cfg;
	struct userbpf_error err;
	/* main: call 3; r0 = 0; exit.  sub: r0 = 1; exit */
	struct bpf_insn two[] = {CALL_LOCAL(2), MOV(0, 0), EXIT(), MOV(0, 1), EXIT()};

	CHECK(build(&cfg, two, N(two), false, &err) == 0);
	CHECK(cfg.nsub == 2 && cfg.sub[1].start == 3 && cfg.sub[1].end == 5 && cfg.sub[0].end == 3);
	CHECK(cfg.ncalls == 1 && cfg.calls[0].insn == 0 && cfg.calls[0].caller == 0 &&
	      cfg.calls[0].callee == 1);
	CHECK(cfg.sub[0].frames == 2 && cfg.sub[1].frames == 1);
	CHECK(cfg_subprog_of(&cfg, 4) == 1 && cfg_subprog_of(&cfg, 2) == 0);
	CHECK(cfg.flags[1] & CFG_PRUNE); /* after the call */
	cfg_free(&cfg);

	/* a jump from main into the subprogram */
	struct bpf_insn out[] = {CALL_LOCAL(3), JEQ(0, 0, 3), MOV(0, 0), EXIT(), MOV(0, 1), EXIT()};
	CHECK(build(&cfg, out, N(out), false, &err) == -EINVAL);
	CHECK_STR(err.message, "jump out of range from insn 1 to 5");
	cfg_free(&cfg);

	/* main falls through into the subprogram */
	struct bpf_insn fall[] = {CALL_LOCAL(1), MOV(0, 0), MOV(0, 1), EXIT()};
	CHECK(build(&cfg, fall, N(fall), false, &err) == -EINVAL);
	CHECK_STR(err.message, "last insn is not an exit or jmp");
	CHECK(err.insn == 1);
	cfg_free(&cfg);

	/* a subprogram nobody calls is unreachable */
	struct bpf_insn dead[] = {CALL_LOCAL(2), MOV(0, 0), EXIT(), MOV(0, 1), EXIT(), CALL_LOCAL(-3), EXIT()};
	CHECK(build(&cfg, dead, N(dead), false, &err) == -EINVAL);
	cfg_free(&cfg);

	/* a callback: lddw src=BPF_PSEUDO_FUNC takes the address of the subprogram at 5 */
	struct bpf_insn cb[] = {LDDW(2, 4, 4), LDDW2(0), MOV(0, 0), CALL(181), EXIT(), MOV(0, 0), EXIT()};
	CHECK(build(&cfg, cb, N(cb), false, &err) == 0);
	CHECK(cfg.nsub == 2 && cfg.sub[1].start == 5 && cfg.sub[1].is_callback);
	CHECK(cfg.flags[5] & CFG_REACHED);
	cfg_free(&cfg);
	struct bpf_insn badcb[] = {LDDW(2, 4, 40), LDDW2(0), MOV(0, 0), EXIT()};
	CHECK(build(&cfg, badcb, N(badcb), false, &err) == -EINVAL);
	CHECK_STR(err.message, "call to invalid destination");
	cfg_free(&cfg);
}

/* A chain of `frames` frames: subprogram i calls i+1; the last returns 0. */
static struct bpf_insn *chain(int frames, size_t *n)
{
	struct bpf_insn *p = calloc(2 * (size_t)frames, sizeof(*p));

	for (int i = 0; i < frames - 1; i++) {
		p[2 * i] = CALL_LOCAL(1);
		p[2 * i + 1] = EXIT();
	}
	p[2 * (frames - 1)] = MOV(0, 0);
	p[2 * (frames - 1) + 1] = EXIT();
	*n = 2 * (size_t)frames;
	return p;
}

static void test_depth(void)
{
	struct cfg cfg;
	struct userbpf_error err;
	size_t n;
	struct bpf_insn *p = chain(8, &n);

	CHECK(build(&cfg, p, n, false, &err) == 0);
	CHECK(cfg.nsub == 8 && cfg.sub[0].frames == 8);
	cfg_free(&cfg);
	free(p);
	p = chain(9, &n);
	CHECK(build(&cfg, p, n, false, &err) == -E2BIG);
	CHECK_STR(err.message, "the call stack of 8 frames is too deep !");
	cfg_free(&cfg);
	free(p);

	/* recursion: a back-edge without loops, a chain that never ends with them */
	struct bpf_insn rec[] = {CALL_LOCAL(2), MOV(0, 0), EXIT(), CALL_LOCAL(-1), EXIT()};
	CHECK(build(&cfg, rec, N(rec), false, &err) == -EINVAL);
	CHECK_STR(err.message, "back-edge from insn 3 to 3");
	cfg_free(&cfg);
	CHECK(build(&cfg, rec, N(rec), true, &err) == -E2BIG);
	CHECK_STR(err.message, "the call stack of 8 frames is too deep !");
	cfg_free(&cfg);

	/* a subprogram reached at two depths: the deeper use counts */
	struct bpf_insn two[] = {CALL_LOCAL(5), CALL_LOCAL(2), MOV(0, 0), EXIT(), /* main: B, A */
				 CALL_LOCAL(1), EXIT(),                          /* 4: A calls B */
				 MOV(0, 0), EXIT()};                             /* 6: B */
	CHECK(build(&cfg, two, N(two), false, &err) == 0);
	CHECK(cfg.sub[0].frames == 3 && cfg.ncalls == 3);
	cfg_free(&cfg);

	/* main calls B (7 frames deep) directly, then through A: 9 frames on the second path */
	struct bpf_insn deep[20];
	deep[0] = CALL_LOCAL(5);
	deep[1] = CALL_LOCAL(2);
	deep[2] = MOV(0, 0);
	deep[3] = EXIT();
	deep[4] = CALL_LOCAL(1);
	deep[5] = EXIT();
	for (int i = 0; i < 6; i++) {
		deep[6 + 2 * i] = CALL_LOCAL(1);
		deep[7 + 2 * i] = EXIT();
	}
	deep[18] = MOV(0, 0);
	deep[19] = EXIT();
	CHECK(build(&cfg, deep, N(deep), false, &err) == -E2BIG);
	CHECK_STR(err.message, "the call stack of 8 frames is too deep !");
	cfg_free(&cfg);

}

static void test_stack(void)
{
	struct cfg cfg;
	struct userbpf_error err;
	/* main (0) calls A (4) then B (8); A calls C (10) */
	struct bpf_insn p[] = {CALL_LOCAL(3), CALL_LOCAL(6), MOV(0, 0), EXIT(),
			       CALL_LOCAL(5), MOV(0, 0), MOV(0, 0), EXIT(),
			       MOV(0, 0), EXIT(),
			       MOV(0, 0), EXIT()};
	uint32_t ok[] = {256, 128, 64, 96};    /* main, A, B, C: 256+128+96 = 480 */
	uint32_t big[] = {256, 128, 64, 200};  /* 256+128+224 = 608 */
	uint32_t tiny[] = {0, 0, 0, 0};

	CHECK(build(&cfg, p, N(p), false, &err) == 0);
	CHECK(cfg.nsub == 4);
	CHECK(cfg_check_stack(&cfg, ok, 32, &err) == 0);
	CHECK(cfg_check_stack(&cfg, tiny, 32, &err) == 0);
	CHECK(cfg_check_stack(&cfg, big, 32, &err) == -EACCES);
	CHECK_STR(err.message, "combined stack size of 3 calls is 608. Too large");
	uint32_t main_big[] = {520, 0, 0, 0};
	CHECK(cfg_check_stack(&cfg, main_big, 32, &err) == -EACCES);
	CHECK_STR(err.message, "combined stack size of 1 calls is 544. Too large");
	uint32_t b_big[] = {256, 8, 300, 8}; /* main + B = 256 + 320 */
	CHECK(cfg_check_stack(&cfg, b_big, 32, &err) == -EACCES);
	CHECK_STR(err.message, "combined stack size of 2 calls is 576. Too large");
	cfg_free(&cfg);
}

/* 200,000 instructions of nested diamonds and a long straight line: linear time, no recursion. */
static void test_large(void)
{
	size_t n = 200000;
	struct bpf_insn *p = calloc(n, sizeof(*p));
	struct cfg cfg;
	struct userbpf_error err;

	for (size_t i = 0; i + 1 < n; i += 2) {
		p[i] = JEQ(0, 1, 1);
		p[i + 1] = MOV(0, 1);
	}
	p[n - 2] = MOV(0, 0);
	p[n - 1] = EXIT();
	CHECK(build(&cfg, p, n, false, &err) == 0);
	CHECK((cfg.flags[n - 1] & CFG_REACHED) && (cfg.flags[2] & CFG_PRUNE));
	cfg_free(&cfg);
	free(p);
}

int main(void)
{
	test_basic();
	test_loops();
	test_subprogs();
	test_depth();
	test_stack();
	test_large();
	return test_summary();
}
