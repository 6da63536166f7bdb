/* SPDX-License-Identifier: MIT */
/*
 * cbpf_kdiff.c - the running Linux kernel as the oracle for classic BPF:
 *  1. checker verdicts: COUNT generated programs (mostly plausible, often subtly wrong: a jump
 *     one past the end, M[] read on one path only, a missing RET, division by a constant 0...)
 *     are attached with SO_ATTACH_FILTER; the kernel's accept/reject must equal cbpf_check()'s.
 *     Ancillary loads that need kernel objects (we refuse them with -ENOTSUP) are expected to
 *     differ and counted apart.
 *  2. results: accepted programs are attached to an AF_PACKET socket on the loopback device;
 *     frames we send with a private EtherType are delivered (or dropped) by the kernel's run of
 *     the filter; the delivered length must be min(frame length, our cbpf_run() result), and
 *     the program converted to eBPF must return the same value in our eBPF interpreter and JIT.
 *     Programs reading values that differ between runs (SKF_AD_RANDOM, CPU, RXHASH, QUEUE)
 *     are not run.
 * Without the right to open packet sockets part 2 is skipped and said so.
 *
 *   cbpf_kdiff [COUNT (default 20000)] [SEED]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cbpf/cbpf.h"
#include "cbpf/cbpf_text.h"
#include "hooks/hooks.h"

static uint64_t rng;

static uint32_t rnd(void)
{
	return cbpf_random(&rng);
}

/* A program of n instructions that is likely valid; then maybe one deliberate flaw. */
static void generate(struct sock_filter *f, size_t n, bool runnable)
{
	for (size_t i = 0; i < n; i++) {
		const struct cbpf_mnemonic *m = &cbpf_mnemonics[rnd() % cbpf_nmnemonics];
		size_t room = n - i - 1;
		uint32_t k = rnd();

		switch (rnd() % 4) {
		case 0: k &= 0x3f; break;
		case 1: k &= 0xff; break;
		case 2: k = (uint32_t)SKF_AD_OFF + (rnd() % 17) * 4; break;
		default: break;
		}
		if (m->opnd == OPND_MEM)
			k &= 0xf;
		if (m->opnd == OPND_JA)
			k = room ? k % room : 0;
		if (m->code == (BPF_ALU | BPF_LSH | BPF_K) || m->code == (BPF_ALU | BPF_RSH | BPF_K))
			k &= 31;
		if (m->code == (BPF_ALU | BPF_DIV | BPF_K) || m->code == (BPF_ALU | BPF_MOD | BPF_K))
			k |= 1;
		f[i] = (struct sock_filter){ m->code, room ? (uint8_t)(rnd() % (room < 8 ? room : 8)) : 0,
					     room ? (uint8_t)(rnd() % (room < 8 ? room : 8)) : 0, k };
		if (runnable && m->opnd == OPND_ABS && cbpf_is_ancillary(k) && rnd() % 2)
			f[i].k &= 0x3f;
	}
	f[n - 1] = (struct sock_filter)BPF_STMT(rnd() % 2 ? BPF_RET | BPF_A : BPF_RET | BPF_K,
						 rnd() % 3 ? 0xffff : rnd() % 80);
	/* Stores first, so that M[] reads are often valid. */
	if (n > 2 && rnd() % 2)
		f[0] = (struct sock_filter)BPF_STMT(BPF_ST, rnd() % 16);
	if (runnable) {
		/* End in "A & 0x7f" so the kept length shows A's low bits, not a saturated value. */
		if (n >= 2) {
			f[n - 2] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x7f);
			f[n - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
		}
		return;
	}
	switch (rnd() % 10) { /* a flaw a checker must notice */
	case 0: f[n - 1] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 1); break;
	case 1: f[rnd() % n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)n, 0); break;
	case 2: f[rnd() % n] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0); break;
	case 3: f[rnd() % n] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, rnd() % 16); break;
	case 4: f[rnd() % n].code = (uint16_t)(rnd() & 0xff); break;
	case 5: f[rnd() % n] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32 + rnd() % 4); break;
	case 6: f[rnd() % n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t)-1 - rnd() % 3, 0, 0); break;
	case 7: f[rnd() % n] = (struct sock_filter)BPF_STMT(BPF_ST, 16 + rnd() % 4); break;
	case 8: f[rnd() % n] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + (rnd() % 20) * 2); break;
	default: break;
	}
}

static bool kernel_accepts(int sock, const struct sock_filter *f, size_t n, int *err)
{
	struct sock_fprog prog = { (unsigned short)n, (struct sock_filter *)(uintptr_t)f };

	if (setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0) {
		*err = 0;
		return true;
	}
	*err = errno;
	return false;
}

static bool uses_unsupported(const struct sock_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t off = f[i].k - (uint32_t)SKF_AD_OFF;

		if (BPF_CLASS(f[i].code) == BPF_LD && BPF_MODE(f[i].code) == BPF_ABS &&
		    cbpf_is_ancillary(f[i].k) &&
		    (off == SKF_AD_NLATTR || off == SKF_AD_NLATTR_NEST || off == SKF_AD_HATYPE ||
		     off == SKF_AD_PAY_OFFSET))
			return true;
	}
	return false;
}

static bool uses_unstable(const struct sock_filter *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t off = f[i].k - (uint32_t)SKF_AD_OFF;

		if (BPF_CLASS(f[i].code) == BPF_LD && BPF_MODE(f[i].code) == BPF_ABS &&
		    cbpf_is_ancillary(f[i].k) &&
		    (off == SKF_AD_RANDOM || off == SKF_AD_CPU || off == SKF_AD_RXHASH ||
		     off == SKF_AD_QUEUE || off == SKF_AD_MARK))
			return true;
	}
	return false;
}

/* Part 1: verdicts. */
static void verdicts(unsigned long count, int *passed, int *failed)
{
	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned long agree = 0, disagree = 0, expected = 0, accepted = 0;
	struct sock_filter f[64];

	for (unsigned long i = 0; i < count; i++) {
		size_t n = 1 + rnd() % 40;
		struct userbpf_error err;
		int kerr;

		generate(f, n, false);
		bool ours = cbpf_check(f, n, &err) == 0;
		bool kern = kernel_accepts(sock, f, n, &kerr);
		accepted += ours;
		if (ours == kern) {
			agree++;
		} else if (!ours && err.code == -ENOTSUP && kern && uses_unsupported(f, n)) {
			expected++;
		} else {
			disagree++;
			if (disagree <= 5) {
				struct buf b = { 0 };

				cbpf_print(&b, f, n, CBPF_FMT_D);
				buf_append(&b, "", 1);
				fprintf(stderr, "verdict differs: kernel %s (%s), userbpf %s (insn %d: %s)\n%s",
					kern ? "accepts" : "rejects", kern ? "ok" : strerror(kerr),
					ours ? "accepts" : "rejects", ours ? -1 : err.insn,
					ours ? "" : err.message, b.data);
				buf_free(&b);
			}
		}
	}
	close(sock);
	printf("checker verdicts: %lu programs, %lu accepted by userbpf, %lu agree with the kernel, "
	       "%lu differ as expected (-ENOTSUP ancillary), %lu differ\n",
	       count, accepted, agree, expected, disagree);
	*passed += (int)(agree + expected);
	*failed += (int)disagree;
}

/* Part 2: results, through an AF_PACKET socket on lo. */
static void results(unsigned long count, int *passed, int *failed)
{
	uint16_t etype = (uint16_t)(0x9000 + (getpid() & 0xfff));
	int lo = (int)if_nametoindex("lo");
	int rx = socket(AF_PACKET, SOCK_RAW, htons(etype));
	int tx = socket(AF_PACKET, SOCK_RAW, 0);
	int sync = socket(AF_PACKET, SOCK_RAW, htons(etype));

	if (rx < 0 || tx < 0 || sync < 0 || !lo) {
		printf("results: skipped (no packet sockets: %s)\n", strerror(errno));
		return;
	}
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(etype), .sll_ifindex = lo };
	if (bind(rx, (struct sockaddr *)&a, sizeof(a)) || bind(sync, (struct sockaddr *)&a, sizeof(a))) {
		printf("results: skipped (bind: %s)\n", strerror(errno));
		return;
	}
	unsigned long same = 0, differ = 0, runs = 0, delivered = 0;
	struct userbpf_error eerr;
	struct userbpf_env *env = userbpf_env_new(NULL, &eerr);
	uint8_t frame[128], buf[256];
	struct sock_filter f[48];

	for (unsigned long i = 0; runs < count && i < count * 50; i++) {
		size_t n = 2 + rnd() % 30;
		struct userbpf_error err;

		generate(f, n, true);
		if (cbpf_check(f, n, &err) || uses_unstable(f, n))
			continue;
		struct sock_fprog prog = { (unsigned short)n, f };
		if (setsockopt(rx, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
			continue;
		/* Drain what the previous filter let through. */
		while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			;
		uint32_t len = 100 + rnd() % (sizeof(frame) - 100);
		for (uint32_t j = 0; j < len; j++)
			frame[j] = (uint8_t)rnd();
		memset(frame, 0, 6); /* to lo's address */
		frame[12] = (uint8_t)(etype >> 8);
		frame[13] = (uint8_t)etype;
		if (sendto(tx, frame, len, 0, (struct sockaddr *)&a, sizeof(a)) != (ssize_t)len)
			continue;
		/* A socket bound to one EtherType sees only the looped-back (PACKET_HOST) copy; once
		 * the unfiltered socket has it, the filtered one has had its turn too. */
		int copies = 0;
		struct pollfd pfd = { sync, POLLIN, 0 };
		while (copies < 1 && poll(&pfd, 1, 500) > 0) {
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(sync, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

			if (r == (ssize_t)len && memcmp(buf, frame, len) == 0)
				copies++;
		}
		if (copies < 1)
			continue; /* the loopback copy never came: do not judge */
		runs++;
		for (int c = 1; c < 2; c++) {
			struct __sk_buff skb;

			memset(&skb, 0, sizeof(skb));
			skb.len = len;
			skb.protocol = htons(etype);
			skb.ifindex = (uint32_t)lo;
			skb.pkt_type = c == 0 ? PACKET_OUTGOING : PACKET_HOST;
			struct cbpf_input in = { frame, len, &skb, NULL };
			uint32_t want = cbpf_run(f, n, &in);
			uint32_t want_len = want < len ? want : len;
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t got = -1;

			/* A dropped copy is simply missing. */
			if (want_len) {
				got = recvfrom(rx, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
					       (struct sockaddr *)&from, &fl);
				if (got >= 0 && from.sll_pkttype != skb.pkt_type)
					got = -2;
			}
			bool ok = want_len == 0 ? true : got == (ssize_t)want_len;
			/* the converted program agrees with the classic one (and so with the kernel) */
			struct bpf_insn *e = NULL;
			size_t ne = 0;
			struct userbpf_prog *ep = NULL;
			uint64_t r0 = ~0ull;
			if (env && cbpf_to_ebpf(f, n, &e, &ne, &err) == 0)
				ep = userbpf_prog_load(env, e, ne * sizeof(*e), NULL, &err);
			for (int b = 0; b < 2; b++) {
				USERBPF_OPTS(userbpf_run_opts, ro,
					     .backend = b ? USERBPF_BACKEND_JIT : USERBPF_BACKEND_INTERP);
				int rr = ep ? hooks_skb_run(ep, &skb, frame, len, NULL, &ro, &r0, &err) : -1;

				if (rr == -ENOTSUP && b == 1)
					continue; /* no JIT in this build */
				if (rr != 0 || r0 != want) {
					ok = false;
					fprintf(stderr, "converted program (%s): %s, r0 %llu, classic %u\n",
						b ? "JIT" : "interpreter", ep ? "ran" : "did not load",
						(unsigned long long)r0, want);
				}
			}
			userbpf_prog_free(ep);
			free(e);
			delivered += want_len != 0;
			if (ok) {
				same++;
			} else {
				differ++;
				if (differ <= 5) {
					struct buf b = { 0 };

					cbpf_print(&b, f, n, CBPF_FMT_D);
					buf_append(&b, "", 1);
					fprintf(stderr, "result differs (pkt_type %u): userbpf keeps %u bytes, "
						"kernel delivered %zd\n%s",
						skb.pkt_type, want_len, got, b.data);
					buf_free(&b);
				}
			}
		}
		/* A copy we expected dropped must not be there. */
		if (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
			differ++;
			fprintf(stderr, "kernel delivered a copy userbpf drops\n");
		}
	}
	close(rx);
	close(tx);
	close(sync);
	userbpf_env_free(env);
	printf("results: %lu programs run by the kernel on lo (%lu frames kept, the rest dropped), "
	       "%lu agree, %lu differ\n",
	       runs, delivered, same, differ);
	*passed += (int)same;
	*failed += (int)differ;
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	int passed = 0, failed = 0;

	rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 12345;
	verdicts(count, &passed, &failed);
	results(count / 10, &passed, &failed);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
