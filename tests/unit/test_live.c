/* SPDX-License-Identifier: MIT */
/*
 * test_live.c - live capture through AF_PACKET on the loopback interface: a UDP datagram we
 * send is captured with its socket-filter context (protocol, interface index, packet type,
 * lengths), and a tcpdump expression selects it identically in the classic interpreter and as
 * converted eBPF. Without CAP_NET_RAW the capture part is skipped (and says so).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cbpf/cbpf.h"
#include "hooks/hooks.h"
#include "hooks/live.h"
#include "hooks/pcapio.h"
#include "test.h"

int main(void)
{
	struct userbpf_error err;
	struct hooks_live *l;

	CHECK_EQ_U64(hooks_live_open("nosuchif0", 0, &l, &err), -ENODEV);
	CHECK(strstr(err.message, "no such interface") != NULL);

	int rc = hooks_live_open("lo", 2048, &l, &err);
	if (rc == -EPERM || rc == -EACCES) {
		CHECK(strstr(err.message, "CAP_NET_RAW") != NULL);
		printf("skipped: no CAP_NET_RAW for a live capture\n");
		return test_summary();
	}
	CHECK_EQ_U64(rc, 0);
	if (rc)
		return test_summary();
	CHECK_EQ_U64(hooks_live_linktype(l), 1);

	/* a receiver on an ephemeral port, and one datagram to it */
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	CHECK(rx >= 0 && tx >= 0);
	CHECK(bind(rx, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(getsockname(rx, (struct sockaddr *)&a, &al) == 0);
	char payload[64], expr[64];
	int plen = snprintf(payload, sizeof(payload), "userbpf-live-%d", (int)getpid());
	snprintf(expr, sizeof(expr), "udp dst port %u", ntohs(a.sin_port));
	CHECK(sendto(tx, payload, (size_t)plen, 0, (struct sockaddr *)&a, sizeof(a)) == plen);

	struct sock_filter *f;
	size_t n;
	struct bpf_insn *e;
	size_t ne;
	CHECK_EQ_U64(pcapio_compile(expr, 1, 2048, true, &f, &n, &err), 0);
	CHECK_EQ_U64(cbpf_to_ebpf(f, n, &e, &ne, &err), 0);
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	struct userbpf_prog *prog = env ? userbpf_prog_load(env, e, ne * sizeof(*e), NULL, &err) : NULL;
	CHECK(prog != NULL);

	int seen = 0, matched = 0, disagree = 0;
	time_t until = time(NULL) + 3;
	while (time(NULL) < until && matched == 0) {
		struct pcapio_pkt p;
		struct __sk_buff skb;
		uint64_t r0 = 0;

		rc = hooks_live_next(l, 200, &p, &skb, &err);
		CHECK(rc >= 0);
		if (rc <= 0)
			continue;
		seen++;
		struct cbpf_input in = { p.data, p.caplen, &skb, NULL };
		uint32_t v = cbpf_run(f, n, &in);
		if (prog && (hooks_skb_run(prog, &skb, p.data, p.caplen, NULL, NULL, &r0, &err) != 0 ||
			     r0 != v))
			disagree++;
		if (!v)
			continue;
		if (p.caplen < 42 + (uint32_t)plen || memcmp(p.data + 42, payload, (size_t)plen) != 0)
			continue; /* someone else's datagram to this port: not ours */
		matched++;
		CHECK_EQ_U64(p.caplen, 14 + 20 + 8 + plen);
		CHECK_EQ_U64(p.len, p.caplen);
		CHECK_EQ_U64(skb.len, p.len);
		CHECK_EQ_U64(ntohs((uint16_t)skb.protocol), 0x0800);
		CHECK_EQ_U64(skb.ifindex, if_nametoindex("lo"));
		CHECK(skb.pkt_type == PACKET_HOST || skb.pkt_type == PACKET_OUTGOING);
	}
	CHECK(seen > 0);
	CHECK(matched > 0);
	CHECK_EQ_U64(disagree, 0);
	printf("live capture on lo: %d packets seen, %d matched \"%s\"\n", seen, matched, expr);
	userbpf_prog_free(prog);
	userbpf_env_free(env);
	free(e);
	free(f);
	close(rx);
	close(tx);
	hooks_live_close(l);
	return test_summary();
}
