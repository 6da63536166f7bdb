/* SPDX-License-Identifier: MIT */
/*
 * vdiff.c - verifier-differential test: programs from tests/kernel/vgen.c (stack, ctx,
 * packet, map, ring buffer, loop, bounds, call and pointer-arithmetic families, on both sides
 * of the verifier's line) are loaded into the kernel with BPF_PROG_LOAD for their program
 * type (socket_filter, sched_cls, xdp; root, privileged rules), with the map pool of vgen.c
 * created through bpf(2) and passed as fd_array. The kernel's verdict and error line are
 * recorded; statistics: programs per family and type, accepts, rejects by reason, the
 * kernel's processed-instruction counts and load times.
 *
 * Our verifier: when src/verifier/verifier.h defines VERIFIER_HAS_PROG_TYPES, every program
 * is also checked by verifier_check_insns() and the verdicts compared. The interface this
 * expects (privileged rules, no log):
 *
 *     struct verifier_map { uint32_t type, key_size, value_size, max_entries, flags; };
 *     enum verifier_prog_type { ..., VERIFIER_PROG_SOCKET_FILTER, VERIFIER_PROG_SCHED_CLS,
 *                               VERIFIER_PROG_XDP };
 *     struct verifier_opts { enum verifier_prog_type type; bool privileged; ...
 *                            const struct verifier_map *maps; size_t nmaps; };
 *     int verifier_check_insns(const void *insns, size_t n, const struct verifier_opts *,
 *                              struct verifier_log *log, struct userbpf_error *err);
 *
 * with ld_imm64 src BPF_PSEUDO_MAP_IDX / BPF_PSEUDO_MAP_IDX_VALUE, imm = index in maps[]
 * (the kernel's fd_array convention); 0 = accepted, -EACCES / -EINVAL / -E2BIG = rejected.
 * Programs that fail isa_validate() count as rejected by us without calling the verifier.
 * Result: "N passed, M failed" with N = programs with the same verdict, M = programs we accept
 * and the kernel rejects (each listed), plus 1 when agreement is below 97%.
 * Without the hook: "verifier-diff: our verifier not built yet; kernel verdicts: A accepted,
 * R rejected" and "0 passed, 0 failed".
 *
 * It also probes every ctx offset, size and direction of the three program types and
 * compares the kernel with our ctx tables (src/verifier/ctx.c): a difference is reported (the
 * tables follow Linux 6.18; another kernel may differ) without failing.
 *
 *   vdiff [--count N] [--seed S] [--only I] [--show N] [--list] [-v] [--ctx-matrix]
 *
 * Without bpf(2) it prints "verifier-diff: skipped: <reason>" and "0 passed, 0 failed".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asm/asm.h"
#include "isa/isa.h"
#include "userbpf.h"
#include "verifier/ctx.h"

#include "../kernel/kbpf.c"
#include "../kernel/vgen.c"

#if defined(__has_include)
#if __has_include("verifier/verifier.h")
#include "verifier/verifier.h"
#endif
#endif

#define VDIFF_LOG (1 << 20)
#define VDIFF_REASONS 512

static char vdiff_log[VDIFF_LOG];

static double vdiff_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int vdiff_map_create(const struct vgen_map *m)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = m->type;
	attr.key_size = m->key_size;
	attr.value_size = m->value_size;
	attr.max_entries = m->max_entries;
	attr.map_flags = m->flags;
	fd = kbpf_sys(BPF_MAP_CREATE, &attr);
	return fd < 0 ? -errno : (int)fd;
}

/* BPF_PROG_LOAD with the map pool as fd_array; the log (level 1) in vdiff_log. */
static int vdiff_load(const struct vgen_prog *p, const int *fds, bool log)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = p->prog_type;
	attr.insns = (uint64_t)(uintptr_t)p->insns;
	attr.insn_cnt = (uint32_t)p->n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	attr.fd_array = (uint64_t)(uintptr_t)fds;
	vdiff_log[0] = 0;
	if (log) {
		attr.log_buf = (uint64_t)(uintptr_t)vdiff_log;
		attr.log_size = sizeof(vdiff_log);
		attr.log_level = 1;
	}
	fd = kbpf_sys(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == ENOSPC && log) {
		int e;

		/* the log did not fit: keep its text, take the verdict from a load without it */
		attr.log_buf = 0;
		attr.log_size = 0;
		attr.log_level = 0;
		fd = kbpf_sys(BPF_PROG_LOAD, &attr);
		e = errno;
		vdiff_log[sizeof(vdiff_log) - 1] = 0;
		errno = e;
	}
	return fd < 0 ? -errno : (int)fd;
}

/* Lines of a verifier log that trace rather than say why: "12: (bf) r1 = r2 ; R1=...",
 * "0: R1=ctx() R10=fp0", "cur state: ...", "old state: ...", "from 4 to 6: ...", and the
 * statistics after the verdict. */
static bool vdiff_trace_line(const char *p)
{
	const char *q = p;

	while (*q >= '0' && *q <= '9')
		q++;
	if (q > p && *q == ':')
		return true;
	return strncmp(p, "cur state:", 10) == 0 || strncmp(p, "old state:", 10) == 0 ||
	       strncmp(p, "from ", 5) == 0 || strncmp(p, "verification time", 17) == 0 ||
	       strncmp(p, "stack depth", 11) == 0 || strncmp(p, "frame", 5) == 0 ||
	       strncmp(p, "; ", 2) == 0;
}

/* The kernel's error line: the last line before "processed N insns" that is not a trace,
 * else the last such line. */
static void vdiff_error_line(const char *log, char *out, size_t len)
{
	const char *p = log, *last = NULL, *last_end = NULL;

	while (*p) {
		const char *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		if (e > p && strncmp(p, "processed ", 10) == 0 && last)
			break;
		if (e > p && !vdiff_trace_line(p)) {
			last = p;
			last_end = e;
		}
		p = *e ? e + 1 : e;
	}
	if (!last) {
		snprintf(out, len, "(no log)");
		return;
	}
	snprintf(out, len, "%.*s", (int)(last_end - last), last);
}

/* "processed N insns" from the log, or -1. */
static long vdiff_processed(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtol(p + 10, NULL, 10) : -1;
}

/* A reason for the statistics: digits runs become N, at most 70 characters. */
static void vdiff_reason(const char *line, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = line; *p && n + 1 < len && n < 70; p++) {
		if (*p >= '0' && *p <= '9') {
			while (p[1] >= '0' && p[1] <= '9')
				p++;
			out[n++] = 'N';
		} else {
			out[n++] = *p;
		}
	}
	out[n] = 0;
}

struct vdiff_reason {
	char text[80];
	uint64_t count;
};

static int vdiff_cmp_reason(const void *a, const void *b)
{
	const struct vdiff_reason *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->text, y->text);
}

static int vdiff_cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static int vdiff_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void vdiff_listing(const struct vgen_prog *p)
{
	struct buf b = {0};

	if (disasm_prog(p->insns, p->n, NULL, &b) == 0 && b.data)
		printf("%s", b.data);
	buf_free(&b);
}

/* ---- our verifier, when it exists ---- */

#ifdef VERIFIER_HAS_PROG_TYPES
#define VDIFF_OURS 1
/* 1 accepted, 0 rejected (msg says why), -1 internal error (msg). */
static int vdiff_ours(const struct vgen_prog *p, char *msg, size_t len)
{
	struct verifier_map maps[VM_COUNT];
	struct verifier_opts o;
	struct userbpf_error err;
	int rc;

	for (int i = 0; i < VM_COUNT; i++) {
		memset(&maps[i], 0, sizeof(maps[i]));
		maps[i].type = vgen_maps[i].type;
		maps[i].key_size = vgen_maps[i].key_size;
		maps[i].value_size = vgen_maps[i].value_size;
		maps[i].max_entries = vgen_maps[i].max_entries;
		maps[i].flags = vgen_maps[i].flags;
	}
	memset(&o, 0, sizeof(o));
	o.type = p->prog_type == BPF_PROG_TYPE_XDP	     ? VERIFIER_PROG_XDP
		 : p->prog_type == BPF_PROG_TYPE_SCHED_CLS ? VERIFIER_PROG_SCHED_CLS
							   : VERIFIER_PROG_SOCKET_FILTER;
	o.privileged = true;
	o.maps = maps;
	o.nmaps = VM_COUNT;
	if (isa_validate(p->insns, p->n, &err) < 0) {
		snprintf(msg, len, "isa: %s", err.message);
		return 0;
	}
	rc = verifier_check_insns(p->insns, p->n, &o, NULL, &err);
	if (rc == 0)
		return 1;
	snprintf(msg, len, "%s", err.message);
	return rc == -EACCES || rc == -EINVAL || rc == -E2BIG ? 0 : -1;
}
#else
#define VDIFF_OURS 0
#endif

/* ---- ctx tables against the kernel ---- */

/* Load "r2 = 0; <access> (r1 +off); r0 = 0; exit" as type; true if the kernel accepts. */
static bool vdiff_ctx_probe(uint32_t type, int off, int bytes, bool write)
{
	struct bpf_insn p[4] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2},
		{.code = (uint8_t)((write ? BPF_STX : BPF_LDX) | BPF_MEM | vgen_size_code(bytes)),
		 .dst_reg = write ? 1 : 0, .src_reg = write ? 2 : 1, .off = (int16_t)off},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = kbpf_prog_load(type, p, 4, NULL, 0);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Probe every access; print the matrix (ctx_kernel.h format) or compare with ctx.c. */
static void vdiff_ctx(bool print, uint64_t *agree, uint64_t *total)
{
	static const uint32_t types[CTX_TYPE_COUNT] = {
		[CTX_TYPE_SOCKET_FILTER] = BPF_PROG_TYPE_SOCKET_FILTER,
		[CTX_TYPE_SCHED_CLS] = BPF_PROG_TYPE_SCHED_CLS,
		[CTX_TYPE_XDP] = BPF_PROG_TYPE_XDP,
	};
	int shown = 0;

	for (int t = 0; t < CTX_TYPE_COUNT; t++) {
		const struct ctx_desc *d = ctx_builtin((enum ctx_type)t);
		int maxoff = t == CTX_TYPE_XDP ? 28 : 200;

		for (int off = 0; off < maxoff; off++) {
			char acc[9] = "........";

			for (int s = 0; s < 4; s++) {
				for (int w = 0; w < 2; w++) {
					bool k = vdiff_ctx_probe(types[t], off, 1 << s, w);
					bool ours = ctx_check_access(d, off, 1u << s, w, 0, NULL,
								     NULL) == 0;

					if (k)
						acc[2 * s + w] = w ? 'W' : 'R';
					(*total)++;
					if (k == ours) {
						(*agree)++;
					} else if (!print && shown++ < 10) {
						printf("verifier-diff: ctx %s off %d size %d %s: kernel %s, "
						       "ctx table %s\n",
						       d->name, off, 1 << s, w ? "store" : "load",
						       k ? "accepts" : "rejects", ours ? "accepts" : "rejects");
					}
				}
			}
			if (print && strcmp(acc, "........") != 0)
				printf("{%d, %d, \"%s\"},\n", t, off, acc);
		}
	}
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	static struct vgen_prog prog;
	static struct vdiff_reason reasons[VDIFF_REASONS];
	static long processed[1 << 20];
	static double load_us[1 << 20];
	static double ours_us[1 << 20];
	uint64_t nours = 0;
	uint64_t count = 20000, seed = 1, only = UINT64_MAX;
	int show = 10, verbose = 0, list = 0, nreasons = 0;
	uint64_t programs = 0, kacc = 0, krej = 0, agree = 0, we_acc_k_rej = 0, we_rej_k_acc = 0;
	uint64_t ours_err = 0, ctx_agree = 0, ctx_total = 0, nproc = 0, nload = 0, other = 0;
	uint64_t dis[VF_COUNT][2] = {{0}}; /* we accept / the kernel accepts, per family */
	uint64_t fam[VF_COUNT][2] = {{0}}, types[3][2] = {{0}}, mutated[2] = {0};
	int fds[VM_COUNT];
	char why[128], line[512], reason[80];
	double t0 = vdiff_now(), tk = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--show") && i + 1 < argc)
			show = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--list"))
			list = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--ctx-matrix"))
			list = -1;
		else {
			fprintf(stderr, "usage: vdiff [--count N] [--seed S] [--only I] [--show N] "
					"[--list] [-v] [--ctx-matrix]\n");
			return 2;
		}
	}
	if (count > (1 << 20))
		count = 1 << 20;

	if (kbpf_probe(why, sizeof(why)) < 0) {
		printf("verifier-diff: skipped: %s\n", why);
		printf("0 passed, 0 failed\n");
		return 0;
	}
	if (list < 0) {
		vdiff_ctx(true, &ctx_agree, &ctx_total);
		return 0;
	}
	for (int i = 0; i < VM_COUNT; i++) {
		fds[i] = vdiff_map_create(&vgen_maps[i]);
		if (fds[i] < 0) {
			printf("verifier-diff: skipped: BPF_MAP_CREATE %s: %s\n", vgen_maps[i].name,
			       strerror(-fds[i]));
			printf("0 passed, 0 failed\n");
			return 0;
		}
	}

	for (uint64_t i = 0; i < count; i++) {
		uint64_t pseed = seed * 0x100000000ull + i;
		double t1;
		bool kok;
		int fd, ours = -2;
		char omsg[USERBPF_ERRMSG_MAX + 8] = "";

		if (only != UINT64_MAX && i != only)
			continue;
		programs++;
		vgen_program(pseed, &prog);
		t1 = vdiff_now();
		fd = vdiff_load(&prog, fds, true);
		t1 = vdiff_now() - t1;
		tk += t1;
		load_us[nload++] = t1 * 1e6;
		kok = fd >= 0;
		if (kok) {
			long pr = vdiff_processed(vdiff_log);

			close(fd);
			if (pr >= 0)
				processed[nproc++] = pr;
			kacc++;
			line[0] = 0;
		} else {
			krej++;
			if (vdiff_log[0])
				vdiff_error_line(vdiff_log, line, sizeof(line));
			else
				snprintf(line, sizeof(line), "errno %s", strerror(-fd));
			vdiff_reason(line, reason, sizeof(reason));
			int r;

			for (r = 0; r < nreasons; r++)
				if (strcmp(reasons[r].text, reason) == 0)
					break;
			if (r == nreasons && nreasons < VDIFF_REASONS) {
				snprintf(reasons[r].text, sizeof(reasons[r].text), "%s", reason);
				nreasons++;
			}
			if (r < nreasons)
				reasons[r].count++;
			else
				other++;
		}
		fam[prog.family][kok]++;
		types[prog.prog_type == BPF_PROG_TYPE_SOCKET_FILTER ? 0
		      : prog.prog_type == BPF_PROG_TYPE_SCHED_CLS ? 1 : 2][kok]++;
		if (prog.mutated)
			mutated[kok]++;
#if VDIFF_OURS
		t1 = vdiff_now();
		ours = vdiff_ours(&prog, omsg, sizeof(omsg));
		ours_us[nours++] = (vdiff_now() - t1) * 1e6;
		if (ours < 0) {
			ours_err++;
		} else if ((ours == 1) == kok) {
			agree++;
		} else if (ours == 1) {
			we_acc_k_rej++;
			dis[prog.family][0]++;
			printf("verifier-diff: program %" PRIu64 " (%s, %s%s): we accept, the kernel "
			       "rejects: %s\n",
			       i, vgen_family_names[prog.family], vgen_type_name(prog.prog_type),
			       prog.mutated ? ", mutated" : "", line);
			if (verbose || we_acc_k_rej <= (uint64_t)show)
				vdiff_listing(&prog);
		} else {
			we_rej_k_acc++;
			dis[prog.family][1]++;
			if (verbose || we_rej_k_acc <= (uint64_t)show) {
				printf("verifier-diff: program %" PRIu64 " (%s, %s): the kernel accepts, "
				       "we reject: %s\n",
				       i, vgen_family_names[prog.family], vgen_type_name(prog.prog_type),
				       omsg);
				vdiff_listing(&prog);
			}
		}
#endif
		if (list || verbose) {
			printf("%" PRIu64 " %s %s%s: kernel %s%s%s", i, vgen_family_names[prog.family],
			       vgen_type_name(prog.prog_type), prog.mutated ? " mutated" : "",
			       kok ? "accepts" : "rejects: ", line, ours == -2 ? "" : "; ours ");
			if (ours != -2)
				printf("%s%s", ours == 1 ? "accepts" : ours == 0 ? "rejects: " : "error: ",
				       ours == 1 ? "" : omsg);
			printf(" (%.0f us)\n", t1 * 1e6);
			if (verbose)
				vdiff_listing(&prog);
		}
	}
	for (int i = 0; i < VM_COUNT; i++)
		close(fds[i]);

	if (only == UINT64_MAX)
		vdiff_ctx(false, &ctx_agree, &ctx_total);

	/* statistics */
	printf("verifier-diff: %" PRIu64 " programs (seed %" PRIu64 "), kernel: %" PRIu64
	       " accepted, %" PRIu64 " rejected; %.1f s (%.1f s in BPF_PROG_LOAD)\n",
	       programs, seed, kacc, krej, vdiff_now() - t0, tk);
	printf("verifier-diff: by family (accepted/rejected):");
	for (int f = 0; f < VF_COUNT; f++)
		printf(" %s %" PRIu64 "/%" PRIu64, vgen_family_names[f], fam[f][1], fam[f][0]);
	printf("\nverifier-diff: by type: socket_filter %" PRIu64 "/%" PRIu64 " sched_cls %" PRIu64
	       "/%" PRIu64 " xdp %" PRIu64 "/%" PRIu64 "; mutated ones %" PRIu64 "/%" PRIu64 "\n",
	       types[0][1], types[0][0], types[1][1], types[1][0], types[2][1], types[2][0],
	       mutated[1], mutated[0]);
	if (nproc) {
		qsort(processed, nproc, sizeof(processed[0]), vdiff_cmp_long);
		printf("verifier-diff: kernel processed insns of accepted programs: median %ld, "
		       "p99 %ld, max %ld\n",
		       processed[nproc / 2], processed[nproc * 99 / 100], processed[nproc - 1]);
	}
	if (nload) {
		qsort(load_us, nload, sizeof(load_us[0]), vdiff_cmp_double);
		printf("verifier-diff: BPF_PROG_LOAD time: median %.1f us, p99 %.1f us, max %.1f us\n",
		       load_us[nload / 2], load_us[nload * 99 / 100], load_us[nload - 1]);
	}
	qsort(reasons, (size_t)nreasons, sizeof(reasons[0]), vdiff_cmp_reason);
	printf("verifier-diff: kernel rejections by reason (%d distinct):\n", nreasons);
	for (int r = 0; r < nreasons && r < (verbose || list ? nreasons : 40); r++)
		printf("  %6" PRIu64 "  %s\n", reasons[r].count, reasons[r].text);
	if (nreasons > 40 && !(verbose || list))
		printf("  (%d more)\n", nreasons - 40);
	if (other)
		printf("  %6" PRIu64 "  (other reasons)\n", other);
	if (ctx_total)
		printf("verifier-diff: ctx tables: %" PRIu64 "/%" PRIu64
		       " accesses agree with the kernel\n",
		       ctx_agree, ctx_total);

#if VDIFF_OURS
	{
		uint64_t compared = agree + we_acc_k_rej + we_rej_k_acc;
		double pct = compared ? 100.0 * (double)agree / (double)compared : 100.0;
		uint64_t failed = we_acc_k_rej + ours_err + (pct < 97.0 ? 1 : 0);

		printf("verifier-diff: agreement %" PRIu64 "/%" PRIu64 " (%.2f%%); we accept and the "
		       "kernel rejects: %" PRIu64 "; the kernel accepts and we reject: %" PRIu64
		       "; internal errors: %" PRIu64 "\n",
		       agree, compared, pct, we_acc_k_rej, we_rej_k_acc, ours_err);
		printf("verifier-diff: disagreements by family (we accept / the kernel accepts):");
		for (int f = 0; f < VF_COUNT; f++)
			printf(" %s %" PRIu64 "/%" PRIu64, vgen_family_names[f], dis[f][0], dis[f][1]);
		printf("\n");
		if (nours) {
			qsort(ours_us, nours, sizeof(ours_us[0]), vdiff_cmp_double);
			printf("verifier-diff: our verification time: median %.1f us, p99 %.1f us, max "
			       "%.1f us\n",
			       ours_us[nours / 2], ours_us[nours * 99 / 100], ours_us[nours - 1]);
		}
		printf("%" PRIu64 " passed, %" PRIu64 " failed\n", agree, failed);
		return failed ? 1 : 0;
	}
#else
	(void)dis;
	(void)ours_us;
	(void)nours;
	(void)show;
	(void)agree;
	(void)we_acc_k_rej;
	(void)we_rej_k_acc;
	(void)ours_err;
	printf("verifier-diff: our verifier not built yet; kernel verdicts: %" PRIu64
	       " accepted, %" PRIu64 " rejected\n",
	       kacc, krej);
	printf("0 passed, 0 failed\n");
	return 0;
#endif
}
