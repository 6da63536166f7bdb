/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cbpf.c - libFuzzer target for classic BPF. The input is read twice:
 *  1. raw, as struct sock_filter slots: the checker and the reader must never crash;
 *  2. "repaired" into a program that is likely to pass the checker (opcodes drawn from the
 *     known set, jumps folded into range, M indexes below 16, a RET at the end).
 * Every accepted program must then run in the interpreter on a packet without faulting,
 * print and read back (-d, -dd, -ddd) to the same canonical program, and convert to eBPF
 * that passes structural validation and, run in checked mode in the eBPF interpreter (and the
 * JIT when it is built), returns exactly what the classic interpreter returns, without fault.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/cbpf.h"
#include "cbpf/cbpf_text.h"
#include "hooks/hooks.h"
#include "isa/isa.h"

#define FUZZ_MAX_INSNS 64

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_cbpf: %s\n", what);
		abort();
	}
}

static void roundtrip(const struct sock_filter *f, size_t n)
{
	struct sock_filter canon[FUZZ_MAX_INSNS];

	memcpy(canon, f, n * sizeof(*f));
	cbpf_canonical(canon, n);
	for (int fmt = CBPF_FMT_D; fmt <= CBPF_FMT_DDD; fmt++) {
		struct buf b = { 0 };
		struct sock_filter *g = NULL;
		size_t m = 0;
		struct userbpf_error err;
		const struct sock_filter *want = fmt == CBPF_FMT_D ? canon : f;

		must(cbpf_print(&b, f, n, (enum cbpf_format)fmt) == 0, "print failed");
		must(buf_append(&b, "", 1) == 0, "out of memory");
		must(cbpf_parse(b.data, CBPF_FMT_AUTO, &g, &m, &err) == 0, "printed text does not parse");
		must(m == n && memcmp(g, want, n * sizeof(*f)) == 0, "round trip changed the program");
		free(g);
		buf_free(&b);
	}
}

static struct userbpf_env *env; /* one for the whole fuzzing process */

static void run_converted(const struct bpf_insn *e, size_t ne, const struct __sk_buff *skb,
			  const uint8_t *packet, uint32_t caplen, uint64_t rs, uint32_t want)
{
	static const enum userbpf_backend backends[] = { USERBPF_BACKEND_INTERP, USERBPF_BACKEND_JIT };
	struct userbpf_error err;

	if (!env) {
		env = userbpf_env_new(NULL, &err);
		must(env && hooks_skb_register_helpers(env, &err) == 0, "no environment");
	}
	struct userbpf_prog *prog = userbpf_prog_load(env, e, ne * sizeof(*e), NULL, &err);
	must(prog != NULL, "converted program does not load");
	for (size_t b = 0; b < 2; b++) {
		USERBPF_OPTS(userbpf_run_opts, o, .backend = backends[b], .checked = true);
		uint64_t state = rs, r0 = 0;
		int rc = hooks_skb_run(prog, skb, packet, caplen, &state, &o, &r0, &err);

		if (rc == -ENOTSUP && backends[b] == USERBPF_BACKEND_JIT)
			continue; /* no JIT in this build */
		if (rc)
			fprintf(stderr, "fuzz_cbpf: run error: %s\n", err.message);
		must(rc == 0, "converted program faulted");
		must(r0 == want, "converted program returned another value");
	}
	userbpf_prog_free(prog);
}

static void accepted(const struct sock_filter *f, size_t n, const uint8_t *data, size_t size)
{
	uint8_t packet[96];
	struct __sk_buff skb;
	uint64_t rs = 1;
	struct userbpf_error err;
	struct bpf_insn *e = NULL;
	size_t ne = 0;

	for (size_t i = 0; i < sizeof(packet); i++)
		packet[i] = size ? data[i % size] : (uint8_t)i;
	memset(&skb, 0, sizeof(skb));
	skb.len = size ? 40u + data[0] : 40;
	skb.protocol = 0x0008;
	struct cbpf_input in = { packet, size ? (uint32_t)(data[size - 1] % (sizeof(packet) + 1)) : 0,
				 &skb, &rs };
	uint32_t want = cbpf_run(f, n, &in);
	roundtrip(f, n);
	must(cbpf_to_ebpf(f, n, &e, &ne, &err) == 0, "converter refused an accepted program");
	must(isa_validate(e, ne, &err) == 0, "converted program is not valid eBPF");
	run_converted(e, ne, &skb, packet, in.caplen, 1, want);
	free(e);
}

/* Build a plausible program from the bytes: mostly valid, sometimes subtly not. */
static size_t repair(const uint8_t *data, size_t size, struct sock_filter *f)
{
	size_t n = size / 6;

	if (n > FUZZ_MAX_INSNS)
		n = FUZZ_MAX_INSNS;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = data + i * 6;
		const struct cbpf_mnemonic *m = &cbpf_mnemonics[d[0] % cbpf_nmnemonics];
		uint32_t k = (uint32_t)d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 |
			     (uint32_t)d[5] << 24;
		size_t room = n - i - 1;

		f[i].code = m->code;
		f[i].jt = room ? (uint8_t)(d[1] % room) : 0;
		f[i].jf = room ? (uint8_t)((d[1] >> 4) % room) : 0;
		switch (d[5] >> 6) { /* shape k: small, packet offsets, ancillary, raw */
		case 0: k &= 0x3f; break;
		case 1: k &= 0xff; break;
		case 2: k = (uint32_t)SKF_AD_OFF + ((k & 0xf) << 2); break;
		default: break;
		}
		if (m->opnd == OPND_MEM)
			k &= 0xf;
		if (m->opnd == OPND_JA)
			k = room ? k % room : 0;
		if ((m->code == (BPF_ALU | BPF_LSH | BPF_K) || m->code == (BPF_ALU | BPF_RSH | BPF_K)))
			k &= 31;
		f[i].k = k;
	}
	if (BPF_CLASS(f[n - 1].code) != BPF_RET)
		f[n - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_filter f[FUZZ_MAX_INSNS];
	struct userbpf_error err;
	size_t n;

	/* 1. raw slots */
	n = size / sizeof(struct sock_filter);
	if (n > FUZZ_MAX_INSNS)
		n = FUZZ_MAX_INSNS;
	memcpy(f, data, n * sizeof(*f));
	if (cbpf_check(f, n, &err) == 0)
		accepted(f, n, data, size);
	/* the reader on raw text */
	char text[512];
	size_t tl = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, tl);
	text[tl] = 0;
	struct sock_filter *g = NULL;
	size_t m;
	if (cbpf_parse(text, CBPF_FMT_AUTO, &g, &m, &err) == 0)
		free(g);

	/* 2. repaired */
	n = repair(data, size, f);
	if (n && cbpf_check(f, n, &err) == 0)
		accepted(f, n, data, size);
	return 0;
}
