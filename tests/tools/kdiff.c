/* SPDX-License-Identifier: MIT */
/*
 * kdiff.c - kernel-differential test: random programs (tests/kernel/gen.c) run in our
 * back ends (interpreter, and the JIT in checked and trusted modes where it exists) and in the
 * kernel (BPF_PROG_LOAD as XDP + BPF_PROG_TEST_RUN, tests/kernel/kbpf.c); all 64 bits of r0
 * and the input memory the programs may read and write (tests/kernel/gen.c: `pkt`) must agree.
 * The kernel sees the generated function behind a small wrapper that calls it as a bpf-to-bpf
 * subprogram with r1 = the packet (input bytes, then room for r0) and stores r0 after the input.
 *
 *   kdiff [--count N] [--seed S] [--only I] [--show N] [-v]
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

#include "isa/isa.h"
#include "userbpf.h"

#include "../kernel/gen.c"
#include "../kernel/kbpf.c"

#define KDIFF_WRAP 18 /* wrapper slots in front of the generated function */
#define KDIFF_PKT (KGEN_PKT_LEN + 8) /* the input, then r0 */
#define KDIFF_LOG (1 << 20)

enum { B_INTERP, B_JIT_CHECKED, B_JIT_TRUSTED, B_COUNT };
static const char *const backend_names[B_COUNT] = { "interp", "jit-checked", "jit-trusted" };

#define LDX_W(D, S, OFF) { .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = D, .src_reg = S, .off = OFF }
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

static void kdiff_hex(const char *what, const uint8_t *b, size_t n)
{
	printf("    %-11s", what);
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i && i % 16 == 0 ? "\n               " : " ", b[i]);
	printf("\n");
}

/* Listing of a program: slot, raw fields, operation name from the ISA table. */
static void kdiff_dump(const struct bpf_insn *insns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bpf_insn *in = &insns[i];
		enum isa_op op = isa_decode(in);

		printf("    %4zu: code=%02x dst=r%d src=r%d off=%-6d imm=%-11d %s", i, in->code,
		       in->dst_reg, in->src_reg, in->off, in->imm,
		       op == OP_INVALID ? "?" : isa_ops[op].name);
		if (op == OP_LDDW && i + 1 < n) {
			printf(" 0x%016" PRIx64, (uint64_t)isa_imm64(in));
			i++;
		}
		printf("\n");
	}
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
	int show = 5, verbose = 0, shown_rej = 0, shown_mis = 0;
	uint64_t programs = 0, compared = 0, mismatches = 0, rejected = 0, kerr = 0;
	uint64_t per_backend[B_COUNT] = { 0 };
	bool have[B_COUNT] = { true, true, true };
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
		else {
			fprintf(stderr, "usage: kdiff [--count N] [--seed S] [--only I] [--show N] [-v]\n");
			return 2;
		}
	}

	if (kbpf_probe(why, sizeof(why)) < 0) {
		printf("kernel-diff: skipped: %s\n", why);
		printf("0 passed, 0 failed\n");
		return 0;
	}
	env = userbpf_env_new(NULL, &err);
	if (!env) {
		printf("kernel-diff: userbpf_env_new: %s\n", err.message);
		printf("0 passed, 1 failed\n");
		return 1;
	}

	for (uint64_t i = 0; i < count; i++) {
		uint64_t pseed = seed * 0x100000000ull + i;
		uint8_t pkt[KDIFF_PKT] = { 0 }, out[KDIFF_PKT] = { 0 };
		uint8_t mem[B_COUNT][KGEN_PKT_LEN];
		uint64_t kr0, r0[B_COUNT] = { 0 };
		int rc[B_COUNT] = { 0 };
		char msg[B_COUNT][USERBPF_ERRMSG_MAX + 64];
		uint32_t retval = 0;
		bool bad = false;
		int fd;

		if (only != UINT64_MAX && i != only)
			continue;
		programs++;
		kgen_program(pseed, &prog);
		kdiff_wrap(&prog, kinsns);
		memcpy(pkt, prog.input, KGEN_PKT_LEN);
		if (verbose) {
			printf("program %" PRIu64 " (seed 0x%" PRIx64 "):\n", i, pseed);
			kdiff_dump(prog.insns, prog.n);
		}

		fd = kbpf_prog_load(BPF_PROG_TYPE_XDP, kinsns, KDIFF_WRAP + prog.n, NULL, 0);
		if (fd < 0) {
			rejected++;
			if (shown_rej++ < show) {
				kbpf_prog_load(BPF_PROG_TYPE_XDP, kinsns, KDIFF_WRAP + prog.n, log,
					       sizeof(log));
				printf("kernel-diff: program %" PRIu64 " rejected by the kernel (%s):\n", i,
				       strerror(-fd));
				kdiff_log_tail(log, verbose ? 1000 : 8);
				if (verbose || shown_rej <= 2)
					kdiff_dump(prog.insns, prog.n);
			}
			continue;
		}
		if (kbpf_prog_test_run(fd, pkt, sizeof(pkt), out, sizeof(out), 1, &retval, NULL) < 0 ||
		    retval != XDP_PASS) {
			close(fd);
			kerr++;
			printf("kernel-diff: program %" PRIu64 ": BPF_PROG_TEST_RUN failed (retval %u)\n", i,
			       retval);
			continue;
		}
		close(fd);
		memcpy(&kr0, out + KGEN_PKT_LEN, sizeof(kr0));

		for (int b = 0; b < B_COUNT; b++) {
			USERBPF_OPTS(userbpf_prog_opts, popts, .unsafe_trusted = b == B_JIT_TRUSTED);
			USERBPF_OPTS(userbpf_run_opts, ropts,
				     .backend = b == B_INTERP ? USERBPF_BACKEND_INTERP : USERBPF_BACKEND_JIT,
				     .checked = b != B_JIT_TRUSTED);
			struct userbpf_prog *up;

			msg[b][0] = 0;
			memcpy(mem[b], prog.input, KGEN_PKT_LEN);
			if (!have[b])
				continue;
			up = userbpf_prog_load(env, prog.insns, prog.n * sizeof(prog.insns[0]), &popts,
					       &err);
			if (!up) {
				rc[b] = err.code;
				snprintf(msg[b], sizeof(msg[b]), "load: %s", err.message);
			} else {
				rc[b] = userbpf_prog_run(up, mem[b], KGEN_PKT_LEN, &ropts, &r0[b], &err);
				if (rc[b] < 0)
					snprintf(msg[b], sizeof(msg[b]), "run: insn %d: %s", err.insn,
						 err.message);
				userbpf_prog_free(up);
			}
			if (rc[b] == -ENOTSUP && b != B_INTERP && compared == 0) {
				/* No JIT in this build: say so once, then run the interpreter only. */
				printf("kernel-diff: %s: n/a (%s)\n", backend_names[b], msg[b]);
				have[b] = false;
				continue;
			}
			if (rc[b] < 0 || r0[b] != kr0 || memcmp(mem[b], out, KGEN_PKT_LEN)) {
				bad = true;
				per_backend[b]++;
			}
		}
		compared++;
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
			kdiff_dump(prog.insns, prog.n);
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
	if (kerr)
		printf("kernel-diff: %" PRIu64 " kernel test runs failed\n", kerr);
	printf("%" PRIu64 " passed, %" PRIu64 " failed\n", compared - mismatches, mismatches + kerr);
	return mismatches || kerr ? 1 : 0;
}
