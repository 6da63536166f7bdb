/* SPDX-License-Identifier: MIT */
/*
 * filtercmp.c - differential test of the filter path: for each pcap-filter(7) expression of a
 * corpus file, compile it with libpcap, then compare, packet by packet over a capture file,
 * which packets libpcap's own interpreter (pcap_offline_filter), our classic BPF interpreter
 * and the converted eBPF program (in the interpreter, and in the JIT once it is built) accept:
 * the return values must be identical, not only their truthiness. Each expression also round-trips through the
 * -d/-dd/-ddd printer and reader. One line per expression, then "N passed, N failed".
 *
 *   filtercmp FILE.pcap FILTERS.txt [--counts] [--skip-uncompilable]
 *     --counts  print "COUNT<TAB>EXPR" per expression (for the tcpdump comparison)
 *     --skip-uncompilable  an expression libpcap cannot compile for the file's link type
 *               (ether, vlan, arp on raw IP) is skipped rather than failed
 *   filtercmp --dump d|dd|ddd EXPR
 *     print the Ethernet program of EXPR with our printer (compared with tcpdump -d/-dd/-ddd)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cbpf/cbpf.h"
#include "hooks/hooks.h"
#include "hooks/pcapio.h"

enum { E_PCAP, E_CBPF, E_EBPF, E_JIT, E_N };
static const char *const engine_names[E_N] = { "libpcap", "cBPF interpreter", "eBPF interpreter",
					       "eBPF JIT" };
static double engine_ns[E_N];
static uint64_t engine_pkts[E_N];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct capture {
	struct pcapio_pkt *pkts;
	struct __sk_buff *skbs;
	uint8_t *bytes;
	size_t n;
	int linktype;
};

static int load(const char *path, struct capture *c)
{
	struct userbpf_error err;
	struct pcapio_reader *r;
	struct pcapio_pkt p;
	size_t cap = 0, bcap = 0, blen = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	if (pcapio_open(path, &r, &err)) {
		fprintf(stderr, "filtercmp: %s\n", err.message);
		return -1;
	}
	c->linktype = pcapio_reader_linktype(r);
	size_t *offs = NULL;
	while ((rc = pcapio_next(r, &p, &err)) == 1) {
		if (c->n == cap) {
			cap = cap ? cap * 2 : 4096;
			c->pkts = realloc(c->pkts, cap * sizeof(*c->pkts));
			offs = realloc(offs, cap * sizeof(*offs));
		}
		if (blen + p.caplen > bcap) {
			bcap = (bcap + p.caplen) * 2;
			c->bytes = realloc(c->bytes, bcap);
		}
		if (!c->pkts || !offs || !c->bytes) {
			fprintf(stderr, "filtercmp: out of memory\n");
			return -1;
		}
		memcpy(c->bytes + blen, p.data, p.caplen);
		offs[c->n] = blen;
		blen += p.caplen;
		c->pkts[c->n++] = p;
	}
	if (rc < 0) {
		fprintf(stderr, "filtercmp: %s\n", err.message);
		return -1;
	}
	pcapio_close(r);
	c->skbs = calloc(c->n ? c->n : 1, sizeof(*c->skbs));
	for (size_t i = 0; i < c->n; i++) {
		c->pkts[i].data = c->bytes + offs[i];
		hooks_skb_init(&c->skbs[i], c->pkts[i].data, c->pkts[i].caplen, c->pkts[i].len,
			       c->linktype);
	}
	free(offs);
	return 0;
}

/* print -> parse in every format gives the same program back. */
static bool roundtrip(const struct sock_filter *f0, size_t n)
{
	static const enum cbpf_format fmts[] = { CBPF_FMT_D, CBPF_FMT_DD, CBPF_FMT_DDD };
	struct sock_filter canon[CBPF_MAX_INSNS];

	/* -d cannot show fields an instruction ignores (libpcap leaves junk in some). */
	memcpy(canon, f0, n * sizeof(*f0));
	cbpf_canonical(canon, n);
	for (size_t i = 0; i < 3; i++) {
		const struct sock_filter *f = fmts[i] == CBPF_FMT_D ? canon : f0;
		struct buf b = { 0 };
		struct sock_filter *g = NULL;
		size_t m = 0;
		struct userbpf_error err;
		bool ok = cbpf_print(&b, f, n, fmts[i]) == 0 && buf_append(&b, "", 1) == 0 &&
			  cbpf_parse(b.data, CBPF_FMT_AUTO, &g, &m, &err) == 0 && m == n &&
			  memcmp(f, g, n * sizeof(*f)) == 0;
		if (!ok)
			fprintf(stderr, "round trip failed in format %zu\n", i);
		free(g);
		buf_free(&b);
		if (!ok)
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct capture cap;
	bool counts = false, skip_uncompilable = false;
	size_t skipped = 0;
	int passed = 0, failed = 0;

	if (argc == 4 && strcmp(argv[1], "--dump") == 0) {
		struct userbpf_error err;
		struct sock_filter *f;
		struct buf b = { 0 };
		size_t n;
		enum cbpf_format fmt = strcmp(argv[2], "ddd") == 0 ? CBPF_FMT_DDD
				       : strcmp(argv[2], "dd") == 0 ? CBPF_FMT_DD
								    : CBPF_FMT_D;

		if (pcapio_compile(argv[3], 1 /* DLT_EN10MB */, 262144, true, &f, &n, &err)) {
			fprintf(stderr, "filtercmp: %s\n", err.message);
			return 1;
		}
		if (cbpf_print(&b, f, n, fmt) || fwrite(b.data, 1, b.len, stdout) != b.len)
			return 1;
		buf_free(&b);
		free(f);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: filtercmp FILE.pcap FILTERS.txt [--counts]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], "--counts") == 0)
			counts = true;
		else if (strcmp(argv[i], "--skip-uncompilable") == 0)
			skip_uncompilable = true;
	if (load(argv[1], &cap))
		return 1;
	struct userbpf_error eerr;
	struct userbpf_env *env = userbpf_env_new(NULL, &eerr);
	if (!env || hooks_skb_register_helpers(env, &eerr)) {
		fprintf(stderr, "filtercmp: %s\n", eerr.message);
		return 1;
	}
	USERBPF_OPTS(userbpf_run_opts, interp_opts, .backend = USERBPF_BACKEND_INTERP);
	USERBPF_OPTS(userbpf_run_opts, jit_opts, .backend = USERBPF_BACKEND_JIT);
	bool jit_missing = false;
	uint64_t *verdict[E_N];
	for (int eng = 0; eng < E_N; eng++) {
		verdict[eng] = calloc(cap.n ? cap.n : 1, sizeof(uint64_t));
		if (!verdict[eng])
			return 1;
	}
	FILE *fx = fopen(argv[2], "r");
	if (!fx) {
		fprintf(stderr, "filtercmp: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	char line[1024];
	size_t nexpr = 0, total_matches = 0;
	while (fgets(line, sizeof(line), fx)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == 0 || line[0] == '#')
			continue;
		nexpr++;
		/* "reject: EXPR": libpcap compiles it but the kernel's rules refuse the program. */
		bool expect_reject = strncmp(line, "reject: ", 8) == 0;
		char *expr = expect_reject ? line + 8 : line;
		struct userbpf_error err;
		struct sock_filter *f;
		size_t n;
		if (pcapio_compile(expr, cap.linktype, 262144, true, &f, &n, &err)) {
			if (skip_uncompilable) {
				skipped++;
				continue;
			}
			printf("FAIL compile: %s: %s\n", line, err.message);
			failed++;
			continue;
		}
		int rc = cbpf_check(f, n, &err);
		if (expect_reject || rc) {
			char msg[512];

			userbpf_error_format(&err, msg, sizeof(msg));
			if (expect_reject && rc) {
				printf("ok   rejected as expected: %s: %s\n", line, msg);
				passed++;
			} else if (expect_reject) {
				printf("FAIL accepted, expected a rejection: %s\n", line);
				failed++;
			} else {
				printf("FAIL check: %s: %s\n", line, msg);
				failed++;
			}
			free(f);
			continue;
		}
		bool rt = roundtrip(f, n);
		size_t matched = 0, diff_interp = 0, diff_ebpf = 0, diff_jit = 0;
		size_t run_errors = 0;
		struct userbpf_prog *prog = NULL;
		struct bpf_insn *e = NULL;
		size_t ne = 0;
		if (cbpf_to_ebpf(f, n, &e, &ne, &err) == 0)
			prog = userbpf_prog_load(env, e, ne * sizeof(*e), NULL, &err);
		if (!prog) {
			printf("FAIL convert/load: %s: %s\n", line, err.message);
			diff_ebpf++;
		}
		bool jit = prog != NULL;
		/* One pass per engine (timed), then a packet-by-packet comparison. */
		for (int eng = 0; eng < E_N; eng++) {
			uint64_t rand_state = 1;
			double t0 = now_ns();

			if ((eng == E_EBPF || eng == E_JIT) && !prog)
				continue;
			if (eng == E_JIT && !jit)
				continue;
			for (size_t i = 0; i < cap.n; i++) {
				const struct pcapio_pkt *p = &cap.pkts[i];
				struct cbpf_input in = { p->data, p->caplen, &cap.skbs[i], &rand_state };
				uint64_t r0 = 0;
				int rr = 0;

				switch (eng) {
				case E_PCAP: r0 = pcapio_libpcap_filter(f, n, p); break;
				case E_CBPF: r0 = cbpf_run(f, n, &in); break;
				default:
					rr = hooks_skb_run(prog, &cap.skbs[i], p->data, p->caplen, &rand_state,
							   eng == E_EBPF ? &interp_opts : &jit_opts, &r0, &err);
					break;
				}
				if (rr == -ENOTSUP && eng == E_JIT) {
					jit = false; /* no JIT in this build */
					jit_missing = true;
					break;
				}
				if (rr) {
					if (run_errors++ < 3)
						fprintf(stderr, "%s: packet %zu: %s run error: %s\n", line, i,
							engine_names[eng], err.message);
					r0 = UINT64_MAX;
				}
				verdict[eng][i] = r0;
			}
			if (eng == E_JIT && !jit)
				continue;
			engine_ns[eng] += now_ns() - t0;
			engine_pkts[eng] += cap.n;
		}
		for (size_t i = 0; i < cap.n; i++) {
			uint64_t ref = verdict[E_PCAP][i];

			matched += ref != 0;
			for (int eng = E_CBPF; eng < E_N; eng++) {
				size_t *d = eng == E_CBPF ? &diff_interp : eng == E_EBPF ? &diff_ebpf : &diff_jit;

				if ((eng == E_EBPF || eng == E_JIT) && !prog)
					break;
				if (eng == E_JIT && !jit)
					break;
				if (verdict[eng][i] != ref && (*d)++ < 3)
					fprintf(stderr, "%s: packet %zu: libpcap %llu, %s %llu\n", line, i,
						(unsigned long long)ref, engine_names[eng],
						(unsigned long long)verdict[eng][i]);
			}
		}
		if (run_errors)
			diff_ebpf += run_errors;
		userbpf_prog_free(prog);
		free(e);
		total_matches += matched;
		bool ok = rt && diff_interp == 0 && diff_ebpf == 0 && diff_jit == 0;
		if (counts)
			printf("%zu\t%s\n", matched, line);
		else
			printf("%s %6zu matched, %zu insns -> %zu eBPF, diffs: cbpf %zu, ebpf %zu, jit %zu%s: %s\n",
			       ok ? "ok  " : "FAIL", matched, n, ne, diff_interp, diff_ebpf, diff_jit,
			       rt ? "" : ", ROUND TRIP FAILED", line);
		if (ok)
			passed++;
		else
			failed++;
		free(f);
	}
	fclose(fx);
	if (!counts)
		printf("%zu expressions (%zu not compilable for link type %s, skipped) over %zu packets, "
		       "%zu matches in all; compared: libpcap, cbpf interpreter, eBPF interpreter%s\n",
		       nexpr, skipped, pcapio_linktype_name(cap.linktype), cap.n, total_matches,
		       jit_missing ? " (no JIT in this build)" : ", eBPF JIT");
	if (!counts)
		for (int eng = 0; eng < E_N; eng++)
			if (engine_pkts[eng])
				printf("time: %-17s %7.1f ns per packet and filter (%llu runs)\n",
				       engine_names[eng], engine_ns[eng] / (double)engine_pkts[eng],
				       (unsigned long long)engine_pkts[eng]);
	userbpf_env_free(env);
	for (int eng = 0; eng < E_N; eng++)
		free(verdict[eng]);
	printf("%d passed, %d failed\n", passed, failed);
	free(cap.pkts);
	free(cap.skbs);
	free(cap.bytes);
	return failed ? 1 : 0;
}
