/* SPDX-License-Identifier: MIT */
/*
 * kdiff.c - kernel-differential test: random programs (tests/kernel/gen.c) run in our
 * back ends (interpreter, and the JIT in checked and trusted modes where it exists) and in the
 * kernel (BPF_PROG_LOAD as XDP + BPF_PROG_TEST_RUN, tests/kernel/kbpf.c); all 64 bits of r0
 * and the input memory the programs may read and write (tests/kernel/gen.c: `pkt`) must agree.
 * The kernel sees the generated function behind a small wrapper that calls it as a bpf-to-bpf
 * subprogram with r1 = the packet (input bytes, then room for r0) and stores r0 after the input
 * (an XDP program); programs with legacy LD_ABS / LD_IND run inline in a SCHED_CLS program.
 * Hand-made reproducers of kernel quirks (tests/kernel/quirks.c) run first.
 *
 *   kdiff [--count N] [--seed S] [--only I] [--show N] [--minimize] [--helpers] [-v]
 *
 * --only I runs program I of the seed's sequence; --show N prints the first N mismatches and
 * rejections in full; --minimize shrinks each printed mismatch first; -v lists every program;
 * --helpers adds calls of the kernel helper bpf_csum_diff (off by default: the kernel (6.18)
 * returns the sum folded to 16 bits, src/helpers the 32-bit sum, so every such program differs).
 *
 * Prints "kernel-diff: N programs, M compared, K mismatches, R rejected by the kernel" and
 * "N passed, N failed". Without bpf(2) (not root, EPERM, ENOSYS) it prints
 * "kernel-diff: skipped: <reason>" and "0 passed, 0 failed" and exits 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asm/asm.h"
#include "isa/isa.h"
#include "util/util.h"
#include "verifier/verifier.h"
#include "userbpf.h"

#include "../kernel/gen.c"
#include "../kernel/kbpf.c"
#include "../kernel/quirks.c"

#define KDIFF_WRAP 18 /* wrapper slots in front of the generated function */
#define KDIFF_PKT (KGEN_PKT_LEN + 8) /* the input, then r0 */
#define KDIFF_LOG (1 << 20)

enum { B_INTERP, B_JIT_CHECKED, B_JIT_TRUSTED, B_COUNT };
static const char *const backend_names[B_COUNT] = { "interp", "jit-checked", "jit-trusted" };

#define LDX_W(D, S, OFF) \
	{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = D, .src_reg = S, .off = OFF }
#define MOV_X(D, S) { .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = D, .src_reg = S }

/*
 * The wrapper: check that the packet has KDIFF_PKT bytes, call the generated function with
 * r1 = the packet (its first KGEN_PKT_LEN bytes are the input), store r0 after the input and
 * return XDP_PASS (XDP_DROP if the packet was too short).
 */
static void kdiff_wrap(const struct kgen_prog *p, struct bpf_insn *out)
{
	const struct bpf_insn wrap[KDIFF_WRAP] = {
		MOV_X(6, 1),
		LDX_W(2, 6, offsetof(struct xdp_md, data)),
		LDX_W(3, 6, offsetof(struct xdp_md, data_end)),
		MOV_X(4, 2),
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 4, .imm = KDIFF_PKT },
		{ .code = BPF_JMP | BPF_JGT | BPF_X, .dst_reg = 4, .src_reg = 3, .off = 10 },
		MOV_X(1, 2),
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, .imm = KDIFF_WRAP - 8 },
		LDX_W(2, 6, offsetof(struct xdp_md, data)),
		LDX_W(3, 6, offsetof(struct xdp_md, data_end)),
		MOV_X(4, 2),
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 4, .imm = KDIFF_PKT },
		{ .code = BPF_JMP | BPF_JGT | BPF_X, .dst_reg = 4, .src_reg = 3, .off = 3 },
		{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = 2, .src_reg = 0, .off = KGEN_PKT_LEN },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	memcpy(out, wrap, sizeof(wrap));
	memcpy(out + KDIFF_WRAP, p->insns, p->n * sizeof(p->insns[0]));
}

/*
 * The kernel form of an `ldabs` program (tests/kernel/gen.c), a SCHED_CLS program since LD_ABS
 * needs an skb: r6 = ctx; the generated function inline (LD_ABS may not be mixed with local
 * calls), its one exit replaced by: if (data + KDIFF_PKT <= data_end) store r0 after the input;
 * return KDIFF_LDABS_OK. A legacy load outside the packet returns 0 instead, with r0 = 0.
 */
#define KDIFF_LDABS_OK 7
#define KDIFF_LDABS_EXTRA 11

static void kdiff_wrap_ldabs(const struct kgen_prog *p, struct bpf_insn *out)
{
	const struct bpf_insn tail[KDIFF_LDABS_EXTRA - 1] = {
		LDX_W(2, 6, offsetof(struct __sk_buff, data)),
		LDX_W(3, 6, offsetof(struct __sk_buff, data_end)),
		MOV_X(4, 2),
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 4, .imm = KDIFF_PKT },
		{ .code = BPF_JMP | BPF_JGT | BPF_X, .dst_reg = 4, .src_reg = 3, .off = 3 },
		{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = 2, .src_reg = 0, .off = KGEN_PKT_LEN },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = KDIFF_LDABS_OK },
		{ .code = BPF_JMP | BPF_EXIT },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const struct bpf_insn head = MOV_X(6, 1);

	out[0] = head;
	memcpy(out + 1, p->insns, (p->n - 1) * sizeof(p->insns[0])); /* all but the exit */
	memcpy(out + p->n, tail, sizeof(tail));
}

/* The program the kernel loads for p: fills out, returns its length and type. */
static size_t kdiff_kernel_form(const struct kgen_prog *p, struct bpf_insn *out, uint32_t *type)
{
	if (p->ldabs) {
		kdiff_wrap_ldabs(p, out);
		*type = BPF_PROG_TYPE_SCHED_CLS;
		return p->n + KDIFF_LDABS_EXTRA - 1;
	}
	kdiff_wrap(p, out);
	*type = BPF_PROG_TYPE_XDP;
	return KDIFF_WRAP + p->n;
}

static void kdiff_hex(const char *what, const uint8_t *b, size_t n)
{
	printf("    %-11s", what);
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i && i % 16 == 0 ? "\n               " : " ", b[i]);
	printf("\n");
}

/* Listing of a program in the kernel's syntax (src/asm); skip_nops leaves out `goto pc+0`. */
static void kdiff_dump(const struct bpf_insn *insns, size_t n, bool skip_nops)
{
	struct buf line = { 0 };

	for (size_t i = 0; i < n;) {
		int w;

		line.len = 0;
		w = disasm_insn(insns, n, i, NULL, &line);
		if (w <= 0)
			break;
		if (!skip_nops || insns[i].code != (BPF_JMP | BPF_JA) || insns[i].off != 0)
			printf("    %.*s\n", (int)line.len, line.data);
		i += (size_t)w;
	}
	buf_free(&line);
}

/* The tail of a verifier log: the lines that say why. */
static void kdiff_log_tail(const char *log, int lines)
{
	const char *p = log + strlen(log);
	int seen = 0;

	while (p > log && seen <= lines) {
		p--;
		if (*p == '\n')
			seen++;
	}
	printf("    verifier: %s\n", p == log ? p : p + 1);
}

/* Run p in the kernel: 0 and out (input after the run, then r0), or -errno (rejected: fd). */
static int kdiff_kernel(const struct kgen_prog *p, uint8_t out[KDIFF_PKT], uint32_t *retval)
{
	static struct bpf_insn kinsns[KDIFF_WRAP + KGEN_MAX_INSNS];
	uint8_t pkt[KDIFF_PKT] = { 0 };
	uint32_t type;
	size_t n = kdiff_kernel_form(p, kinsns, &type);
	int fd, rc;

	memcpy(pkt, p->input, KGEN_PKT_LEN);
	fd = kbpf_prog_load(type, kinsns, n, NULL, 0);
	if (fd < 0)
		return fd;
	*retval = 0;
	memset(out, 0, KDIFF_PKT);
	rc = kbpf_prog_test_run(fd, pkt, sizeof(pkt), out, KDIFF_PKT, 1, retval, NULL);
	close(fd);
	if (rc < 0)
		return 1; /* loaded, but the test run failed */
	if (p->ldabs && *retval == 0) /* a legacy load left the packet: r0 = 0, nothing stored */
		return memcmp(out, pkt, KDIFF_PKT) ? 1 : 0;
	if (*retval != (p->ldabs ? KDIFF_LDABS_OK : XDP_PASS))
		return 1;
	return 0;
}

/* Run p in back end b: returns 0 or the error code (message in msg); mem = input after. */
static int kdiff_ours(struct userbpf_env *env, const struct kgen_prog *p, int b,
		      uint8_t mem[KGEN_PKT_LEN], uint64_t *r0, char *msg, size_t msg_len)
{
	USERBPF_OPTS(userbpf_prog_opts, popts, .unsafe_trusted = b == B_JIT_TRUSTED);
	USERBPF_OPTS(userbpf_run_opts, ropts,
		     .backend = b == B_INTERP ? USERBPF_BACKEND_INTERP : USERBPF_BACKEND_JIT,
		     .checked = b != B_JIT_TRUSTED);
	struct userbpf_error err;
	struct userbpf_prog *up;
	int rc;

	msg[0] = 0;
	*r0 = 0;
	memcpy(mem, p->input, KGEN_PKT_LEN);
	up = userbpf_prog_load(env, p->insns, p->n * sizeof(p->insns[0]), &popts, &err);
	if (!up) {
		snprintf(msg, msg_len, "load: %s", err.message);
		return err.code < 0 ? err.code : -EINVAL;
	}
	rc = userbpf_prog_run(up, mem, KGEN_PKT_LEN, &ropts, r0, &err);
	if (rc < 0)
		snprintf(msg, msg_len, "run: insn %d: %s", err.insn, err.message);
	userbpf_prog_free(up);
	return rc;
}

static bool kdiff_in_prologue(const struct kgen_prog *p, size_t i)
{
	for (int f = 0; f < p->nfuncs; f++)
		if (i >= p->start[f] && i < p->body[f])
			return true;
	return false;
}

/*
 * Shrink a mismatching program for the report: replace instructions (but stack stores) by
 * `ja +0` (offsets stay valid) one at a time, keeping each replacement after which the kernel
 * still accepts the program and back end b still disagrees with it in the same way (`fails`:
 * b returns an error; else a different result). Greedy, until nothing more goes.
 */
static void kdiff_minimize(struct userbpf_env *env, struct kgen_prog *p, int b, bool fails)
{
	static const struct bpf_insn nop = { .code = BPF_JMP | BPF_JA };
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < p->n; i++) {
			struct bpf_insn save[2];
			uint8_t out[KDIFF_PKT], mem[KGEN_PKT_LEN];
			uint64_t r0, kr0;
			uint32_t retval;
			char msg[USERBPF_ERRMSG_MAX + 64];
			size_t w = p->insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) ? 2 : 1;
			int rc;

			if (p->insns[i].code == nop.code && p->insns[i].off == 0 && p->insns[i].imm == 0)
				continue;
			if (p->insns[i].code == (BPF_JMP | BPF_EXIT) || i + w > p->n)
				continue;
			/*
			 * Keep stack stores: the kernel lets root read uninitialised stack, and a
			 * program doing that has no defined result to compare.
			 */
			/*
			 * Keep the prologues: without them registers hold the input pointer or
			 * the stack is read uninitialised (root may), and results mean nothing.
			 */
			if (kdiff_in_prologue(p, i))
				continue;
			/* Keep the register set for an LD_IND (negative offsets mean other things). */
			if (i + 1 < p->n && BPF_CLASS(p->insns[i + 1].code) == BPF_LD &&
			    BPF_MODE(p->insns[i + 1].code) == BPF_IND)
				continue;
			/* Keep gen.c's `r0 = r0` after a 32-bit cmpxchg (a kernel quirk). */
			if (p->insns[i].code == (BPF_ALU64 | BPF_MOV | BPF_X) &&
			    p->insns[i].dst_reg == 0 && p->insns[i].src_reg == 0)
				continue;
			if ((BPF_CLASS(p->insns[i].code) == BPF_ST ||
			     BPF_CLASS(p->insns[i].code) == BPF_STX) &&
			    BPF_MODE(p->insns[i].code) == BPF_MEM && p->insns[i].dst_reg == BPF_REG_10)
				continue;
			memcpy(save, &p->insns[i], w * sizeof(save[0]));
			for (size_t k = 0; k < w; k++)
				p->insns[i + k] = nop;
			if (kdiff_kernel(p, out, &retval) == 0) {
				memcpy(&kr0, out + KGEN_PKT_LEN, sizeof(kr0));
				rc = kdiff_ours(env, p, b, mem, &r0, msg, sizeof(msg));
				/* the same kind of difference: an error, or a wrong result */
				if (fails ? rc < 0 : rc >= 0 && (r0 != kr0 || memcmp(mem, out, KGEN_PKT_LEN))) {
					progress = true;
					continue;
				}
			}
			memcpy(&p->insns[i], save, w * sizeof(save[0]));
		}
	}
}

/* Which of our back ends this build has: a JIT-less build answers -ENOTSUP. */
static void kdiff_probe_backends(struct userbpf_env *env, bool have[B_COUNT])
{
	static struct kgen_prog t;
	uint8_t mem[KGEN_PKT_LEN];
	uint64_t r0;
	char msg[USERBPF_ERRMSG_MAX + 64];

	t.n = 2;
	t.insns[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 1 };
	t.insns[1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	for (int b = 0; b < B_COUNT; b++) {
		have[b] = kdiff_ours(env, &t, b, mem, &r0, msg, sizeof(msg)) != -ENOTSUP;
		if (!have[b])
			printf("kernel-diff: %s: n/a (%s)\n", backend_names[b], msg);
	}
}

/*
 * Run the kernel-quirk reproducers: each of our back ends must give the RFC 9669 result
 * (counted); whether the kernel still differs is reported for information.
 */
static void kdiff_quirks(struct userbpf_env *env, const bool have[B_COUNT], uint64_t *passed,
			 uint64_t *failed)
{
	static struct kgen_prog q;

	for (size_t k = 0; k < sizeof(kquirks) / sizeof(kquirks[0]); k++) {
		const struct kquirk *kq = &kquirks[k];
		uint8_t out[KDIFF_PKT], mem[KGEN_PKT_LEN];
		uint64_t kr0 = 0, r0 = 0;
		uint32_t retval;
		char msg[USERBPF_ERRMSG_MAX + 64];
		int krc, rc;

		memset(&q, 0, sizeof(q));
		while (kq->insns[q.n].code != (BPF_JMP | BPF_EXIT))
			q.n++;
		q.n++;
		memcpy(q.insns, kq->insns, q.n * sizeof(q.insns[0]));
		q.nfuncs = 1;
		q.pkt = true;
		q.input[0] = kq->input0;
		krc = kdiff_kernel(&q, out, &retval);
		if (krc == 0)
			memcpy(&kr0, out + KGEN_PKT_LEN, sizeof(kr0));
		printf("kernel-diff: quirk %s: RFC 9669 0x%" PRIx64 ",", kq->name, kq->rfc);
		for (int b = 0; b < B_COUNT; b++) {
			if (!have[b])
				continue;
			rc = kdiff_ours(env, &q, b, mem, &r0, msg, sizeof(msg));
			if (rc == 0 && r0 == kq->rfc)
				(*passed)++;
			else
				(*failed)++;
			printf(" %s 0x%" PRIx64 "%s%s,", backend_names[b], r0, rc ? " " : "", msg);
		}
		printf(" ");
		if (krc)
			printf("kernel: did not run (%d)\n", krc);
		else
			printf("kernel 0x%" PRIx64 " (%s)\n", kr0,
			       kr0 == kq->rfc ? "fixed in this kernel" : "present in this kernel");
		if (kr0 != kq->rfc)
			printf("    %s\n", kq->what);
	}
}

/*
 * Verifier verdicts: every generated program that the kernel accepted should pass our verifier
 * too (privileged, as root is for the kernel; raw memory of KGEN_PKT_LEN bytes as the input).
 * A rejection is a verifier that is stricter than the kernel: reported, not a failure.
 */
struct kdiff_vstats {
	uint64_t accepted, rejected;
	int shown;
};

static void kdiff_verdict(const struct kgen_prog *p, uint64_t i, int show, struct kdiff_vstats *vs)
{
	struct verifier_opts vopts = {
		.type = VERIFIER_PROG_RAW_MEM,
		.mem_size = KGEN_PKT_LEN,
		.privileged = true,
	};
	struct userbpf_error err;
	int rc;

	if (p->ldabs || p->helpers) /* LD_ABS needs an skb type; helper calls are not in yet */
		return;
	rc = verifier_check_insns(p->insns, p->n, &vopts, NULL, &err);
	if (rc == 0) {
		vs->accepted++;
		return;
	}
	vs->rejected++;
	if (vs->shown++ < show)
		printf("kernel-diff: program %" PRIu64 ": the kernel accepts, our verifier rejects "
		       "(%d) at insn %d: %s\n", i, rc, err.insn, err.message);
}

static double kdiff_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	static struct kgen_prog prog;
	static struct bpf_insn kinsns[KDIFF_WRAP + KGEN_MAX_INSNS];
	static char log[KDIFF_LOG];
	uint64_t count = 10000, seed = 1, only = UINT64_MAX;
	unsigned features = 0;
	int show = 5, verbose = 0, minimize = 0, shown_rej = 0, shown_mis = 0;
	uint64_t programs = 0, compared = 0, mismatches = 0, rejected = 0, kerr = 0;
	uint64_t qpass = 0, qfail = 0;
	struct kdiff_vstats vstats = { 0 };
	static bool seen[OP__COUNT];
	int nseen = 0;
	uint64_t per_backend[B_COUNT] = { 0 };
	bool have[B_COUNT];
	struct userbpf_env *env;
	struct userbpf_error err;
	char why[128];
	double t0 = kdiff_now();

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--show") && i + 1 < argc)
			show = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--minimize"))
			minimize = 1;
		else if (!strcmp(argv[i], "--helpers"))
			features |= KGEN_HELPERS;
		else {
			fprintf(stderr, "usage: kdiff [--count N] [--seed S] [--only I] [--show N] "
					"[--minimize] [--helpers] [-v]\n");
			return 2;
		}
	}

	if (kbpf_probe(why, sizeof(why)) < 0) {
		printf("kernel-diff: skipped: %s\n", why);
		printf("0 passed, 0 failed\n");
		return 0;
	}
	env = userbpf_env_new(NULL, &err);
	if (!env || userbpf_env_register_std_helpers(env, &err) < 0) {
		printf("kernel-diff: userbpf_env_new: %s\n", err.message);
		printf("0 passed, 1 failed\n");
		return 1;
	}

	kdiff_probe_backends(env, have);
	kdiff_quirks(env, have, &qpass, &qfail);

	for (uint64_t i = 0; i < count; i++) {
		uint64_t pseed = seed * 0x100000000ull + i;
		uint8_t out[KDIFF_PKT] = { 0 };
		uint8_t mem[B_COUNT][KGEN_PKT_LEN];
		uint64_t kr0, r0[B_COUNT] = { 0 };
		int rc[B_COUNT] = { 0 };
		char msg[B_COUNT][USERBPF_ERRMSG_MAX + 64];
		uint32_t retval = 0;
		bool bad = false;
		int fd, first_bad = 0;

		if (only != UINT64_MAX && i != only)
			continue;
		programs++;
		kgen_program(pseed, features, &prog);
		for (size_t k = 0; k < prog.n; k++) {
			enum isa_op op = isa_decode(&prog.insns[k]);

			if (op != OP_INVALID)
				seen[op] = true;
			if (op == OP_LDDW)
				k++;
		}
		if (verbose) {
			printf("program %" PRIu64 " (seed 0x%" PRIx64 "):\n", i, pseed);
			kdiff_dump(prog.insns, prog.n, false);
		}

		fd = kdiff_kernel(&prog, out, &retval);
		if (fd < 0) {
			rejected++;
			if (shown_rej++ < show) {
				uint32_t type;
				size_t kn = kdiff_kernel_form(&prog, kinsns, &type);

				kbpf_prog_load(type, kinsns, kn, log, sizeof(log));
				printf("kernel-diff: program %" PRIu64 " rejected by the kernel (%s):\n", i,
				       strerror(-fd));
				kdiff_log_tail(log, verbose ? 1000 : 8);
				if (verbose || shown_rej <= 2)
					kdiff_dump(prog.insns, prog.n, false);
			}
			continue;
		}
		if (fd > 0) {
			kerr++;
			printf("kernel-diff: program %" PRIu64 ": BPF_PROG_TEST_RUN failed (retval %u)\n", i,
			       retval);
			continue;
		}
		memcpy(&kr0, out + KGEN_PKT_LEN, sizeof(kr0));

		for (int b = 0; b < B_COUNT; b++) {
			if (!have[b])
				continue;
			rc[b] = kdiff_ours(env, &prog, b, mem[b], &r0[b], msg[b], sizeof(msg[b]));
			if (rc[b] < 0 || r0[b] != kr0 || memcmp(mem[b], out, KGEN_PKT_LEN)) {
				if (!bad)
					first_bad = b;
				bad = true;
				per_backend[b]++;
			}
		}
		compared++;
		kdiff_verdict(&prog, i, show, &vstats);
		if (!bad)
			continue;
		mismatches++;
		if (shown_mis++ < show) {
			printf("kernel-diff: MISMATCH program %" PRIu64 " (seed 0x%" PRIx64
			       "): kernel r0 = 0x%016" PRIx64 "\n",
			       i, pseed, kr0);
			for (int b = 0; b < B_COUNT; b++) {
				if (!have[b])
					continue;
				if (rc[b] < 0)
					printf("    %-11s error %d: %s\n", backend_names[b], rc[b], msg[b]);
				else
					printf("    %-11s r0 = 0x%016" PRIx64 "%s\n", backend_names[b], r0[b],
					       r0[b] == kr0 ? "" : "  <-- differs");
				if (rc[b] >= 0 && memcmp(mem[b], out, KGEN_PKT_LEN)) {
					kdiff_hex("kernel mem", out, KGEN_PKT_LEN);
					kdiff_hex(backend_names[b], mem[b], KGEN_PKT_LEN);
				}
			}
			if (minimize) {
				kdiff_minimize(env, &prog, first_bad, rc[first_bad] < 0);
				kdiff_kernel(&prog, out, &retval);
				memcpy(&kr0, out + KGEN_PKT_LEN, sizeof(kr0));
				kdiff_ours(env, &prog, first_bad, mem[0], &r0[0], msg[0], sizeof(msg[0]));
				printf("    minimized (ja +0 = removed): kernel r0 = 0x%016" PRIx64
				       ", %s r0 = 0x%016" PRIx64 " %s\n",
				       kr0, backend_names[first_bad], r0[0], msg[0]);
				if (memcmp(mem[0], out, KGEN_PKT_LEN)) {
					kdiff_hex("kernel mem", out, KGEN_PKT_LEN);
					kdiff_hex(backend_names[first_bad], mem[0], KGEN_PKT_LEN);
				}
				if (prog.pkt)
					kdiff_hex("input", prog.input, KGEN_PKT_LEN);
			}
			kdiff_dump(prog.insns, prog.n, minimize);
		}
	}
	userbpf_env_free(env);

	printf("kernel-diff: %" PRIu64 " programs, %" PRIu64 " compared, %" PRIu64
	       " mismatches, %" PRIu64 " rejected by the kernel\n",
	       programs, compared, mismatches, rejected);
	printf("kernel-diff: back ends:");
	for (int b = 0; b < B_COUNT; b++) {
		if (have[b])
			printf(" %s (%" PRIu64 " mismatches)", backend_names[b], per_backend[b]);
		else
			printf(" %s n/a", backend_names[b]);
	}
	printf("; %.1f s\n", kdiff_now() - t0);
	printf("kernel-diff: our verifier (privileged, raw memory): %" PRIu64 " accepted, %" PRIu64
	       " rejected of the %" PRIu64 " programs without LD_ABS or helper calls the kernel "
	       "accepted (reported, not failures)\n",
	       vstats.accepted, vstats.rejected, vstats.accepted + vstats.rejected);
	/* Which operations the programs used: the generator's coverage of the ISA. */
	for (int op = 0; op < OP__COUNT; op++)
		nseen += seen[op];
	printf("kernel-diff: %d of %d operations generated; not:", nseen, (int)OP__COUNT);
	for (int op = 0; op < OP__COUNT; op++)
		if (!seen[op])
			printf(" %s", isa_ops[op].name);
	printf("\n");
	if (kerr)
		printf("kernel-diff: %" PRIu64 " kernel test runs failed\n", kerr);
	printf("%" PRIu64 " passed, %" PRIu64 " failed\n", compared - mismatches + qpass,
	       mismatches + kerr + qfail);
	return mismatches || kerr || qfail ? 1 : 0;
}
