/* SPDX-License-Identifier: MIT */
/*
 * pcapgen.c - writes a deterministic pcap file of mixed Ethernet traffic for the filter tests:
 * plain Ethernet, 802.1Q and QinQ tags, ARP and 802.3/LLC frames, IPv4 (with options and
 * fragments) and IPv6 (with extension headers), TCP (all flag mixes, options), UDP, ICMP,
 * ICMPv6, IGMP, GRE; addresses and ports drawn from small pools so that host/net/port filters
 * match often; and about one packet in eight truncated (captured length below the wire length,
 * some shorter than the Ethernet header).
 *
 *   pcapgen [--raw] OUT.pcap [COUNT (default 100000)] [SEED (default 1)]
 *     --raw  raw IP captures (link type RAW): the IPv4/IPv6 packets without their Ethernet
 *            header and tags; other frames are left out
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "hooks/pcapio.h"

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return rnd(r) % n;
}

static bool chance(struct rng *r, uint32_t percent)
{
	return below(r, 100) < percent;
}

struct pkt {
	uint8_t b[1600];
	uint32_t n;
};

static void put8(struct pkt *p, uint32_t v)
{
	p->b[p->n++] = (uint8_t)v;
}

static void put16(struct pkt *p, uint32_t v)
{
	put8(p, v >> 8);
	put8(p, v);
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v);
}

static void putn(struct pkt *p, const uint8_t *d, uint32_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void payload(struct rng *r, struct pkt *p, uint32_t max)
{
	uint32_t n = below(r, max + 1);

	for (uint32_t i = 0; i < n; i++)
		put8(p, rnd(r));
}

static const uint8_t macs[][6] = {
	{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, { 0x00, 0x11, 0x22, 0x33, 0x44, 0x66 },
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
	{ 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff },
};

static uint32_t ip4_addr(struct rng *r)
{
	switch (below(r, 8)) {
	case 0: case 1: return 0x0a000000u | (1 + below(r, 20));        /* 10.0.0.1-20 */
	case 2: return 0xc0a80100u | (1 + below(r, 254));                /* 192.168.1.x */
	case 3: return 0xac100000u | below(r, 65536);                    /* 172.16/16 */
	case 4: return 0x08080808u;                                      /* 8.8.8.8 */
	case 5: return chance(r, 50) ? 0xe0000001u + below(r, 250) : 0xffffffffu;
	case 6: return 0x0a000100u | below(r, 256);                      /* 10.0.1.x */
	default: return rnd(r);
	}
}

static void ip6_addr(struct rng *r, struct pkt *p)
{
	uint8_t a[16];

	memset(a, 0, sizeof(a));
	switch (below(r, 5)) {
	case 0: case 1: /* 2001:db8::1-16 */
		a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8, a[15] = (uint8_t)(1 + below(r, 16));
		break;
	case 2: /* fe80::x */
		a[0] = 0xfe, a[1] = 0x80, a[15] = (uint8_t)below(r, 4);
		break;
	case 3: /* ff02::1 / ff02::2 */
		a[0] = 0xff, a[1] = 0x02, a[15] = (uint8_t)(1 + below(r, 2));
		break;
	default:
		for (int i = 0; i < 16; i++)
			a[i] = (uint8_t)rnd(r);
		a[0] = 0x20;
		break;
	}
	putn(p, a, 16);
}

static uint32_t port(struct rng *r)
{
	static const uint16_t common[] = { 22, 25, 53, 67, 68, 80, 110, 123, 161, 443, 514, 5353,
					   8080 };

	if (chance(r, 60))
		return common[below(r, sizeof(common) / sizeof(common[0]))];
	return 1024 + below(r, 64512);
}

static void tcp(struct rng *r, struct pkt *p)
{
	static const uint8_t flags[] = { 0x02, 0x12, 0x10, 0x11, 0x04, 0x18, 0x14, 0x01, 0x20, 0x29,
					 0x3f, 0x00, 0xc2 };
	uint32_t opt = below(r, 4);

	put16(p, port(r));
	put16(p, port(r));
	put32(p, rnd(r));
	put32(p, rnd(r));
	put8(p, (5 + opt) << 4);
	put8(p, flags[below(r, sizeof(flags))]);
	put16(p, rnd(r));
	put16(p, 0);
	put16(p, chance(r, 10) ? rnd(r) : 0);
	for (uint32_t i = 0; i < opt * 4; i++)
		put8(p, 1); /* NOP options */
	payload(r, p, 200);
}

static void udp(struct rng *r, struct pkt *p)
{
	uint32_t start = p->n;

	put16(p, port(r));
	put16(p, port(r));
	put16(p, 0);
	put16(p, 0);
	payload(r, p, 300);
	uint32_t len = p->n - start;
	p->b[start + 4] = (uint8_t)(len >> 8);
	p->b[start + 5] = (uint8_t)len;
}

static void icmp(struct rng *r, struct pkt *p, bool v6)
{
	static const uint8_t t4[] = { 0, 8, 3, 11, 5, 13 };
	static const uint8_t t6[] = { 128, 129, 133, 134, 135, 136, 1 };

	put8(p, v6 ? t6[below(r, sizeof(t6))] : t4[below(r, sizeof(t4))]);
	put8(p, below(r, 4));
	put16(p, 0);
	put32(p, rnd(r));
	payload(r, p, 64);
}

static void l4(struct rng *r, struct pkt *p, uint32_t proto)
{
	switch (proto) {
	case 6: tcp(r, p); break;
	case 17: udp(r, p); break;
	case 1: icmp(r, p, false); break;
	case 58: icmp(r, p, true); break;
	default: payload(r, p, 40); break;
	}
}

static void ipv4(struct rng *r, struct pkt *p)
{
	static const uint8_t protos[] = { 6, 6, 6, 6, 17, 17, 17, 1, 1, 2, 47 };
	uint32_t start = p->n, opt = chance(r, 10) ? 1 + below(r, 2) : 0;
	uint32_t proto = protos[below(r, sizeof(protos))];
	uint32_t frag = 0;

	if (chance(r, 8)) /* fragments: first (MF), middle, last */
		frag = below(r, 3) == 0 ? 0x2000 : (1 + below(r, 200)) | (chance(r, 50) ? 0x2000 : 0);
	else if (chance(r, 30))
		frag = 0x4000; /* DF */
	put8(p, 0x40 | (5 + opt));
	put8(p, below(r, 4) << 2);
	put16(p, 0);
	put16(p, rnd(r));
	put16(p, frag);
	put8(p, chance(r, 5) ? 1 : 64);
	put8(p, proto);
	put16(p, 0);
	put32(p, ip4_addr(r));
	put32(p, ip4_addr(r));
	for (uint32_t i = 0; i < opt; i++)
		put32(p, 0x01010101);
	if (frag & 0x1fff)
		payload(r, p, 100); /* a non-first fragment carries no L4 header */
	else
		l4(r, p, proto);
	uint32_t len = p->n - start;
	p->b[start + 2] = (uint8_t)(len >> 8);
	p->b[start + 3] = (uint8_t)len;
}

static void ipv6(struct rng *r, struct pkt *p)
{
	static const uint8_t protos[] = { 6, 6, 6, 17, 17, 58, 58 };
	uint32_t start = p->n, proto = protos[below(r, sizeof(protos))];
	uint32_t ext = below(r, 10); /* 0: hop-by-hop, 1: fragment header */

	put32(p, 0x60000000u | below(r, 1u << 20));
	put16(p, 0);
	put8(p, ext == 0 ? 0 : ext == 1 ? 44 : proto);
	put8(p, 64);
	ip6_addr(r, p);
	ip6_addr(r, p);
	if (ext == 0) {
		put8(p, proto), put8(p, 0), put16(p, 0x0104), put32(p, 0);
	} else if (ext == 1) {
		put8(p, proto), put8(p, 0), put16(p, chance(r, 50) ? 1 : 0x100), put32(p, rnd(r));
	}
	l4(r, p, proto);
	uint32_t len = p->n - start - 40;
	p->b[start + 4] = (uint8_t)(len >> 8);
	p->b[start + 5] = (uint8_t)len;
}

static void arp(struct rng *r, struct pkt *p)
{
	put16(p, 1), put16(p, 0x0800), put8(p, 6), put8(p, 4), put16(p, 1 + below(r, 2));
	putn(p, macs[below(r, 3)], 6), put32(p, ip4_addr(r));
	putn(p, macs[below(r, 3)], 6), put32(p, ip4_addr(r));
}

static void frame(struct rng *r, struct pkt *p)
{
	uint32_t kind = below(r, 100), et;

	p->n = 0;
	putn(p, macs[below(r, 7)], 6);
	putn(p, macs[below(r, 3)], 6);
	if (kind < 10) { /* 802.1Q */
		put16(p, 0x8100);
		put16(p, (below(r, 8) << 13) | (chance(r, 70) ? (const uint16_t[]){ 10, 20, 100,
										    4094 }[below(r, 4)]
							  : below(r, 4096)));
	} else if (kind < 13) { /* QinQ */
		put16(p, 0x88a8), put16(p, 100), put16(p, 0x8100), put16(p, 10 + below(r, 2) * 10);
	}
	uint32_t l3 = below(r, 100);
	if (l3 < 60)
		et = 0x0800;
	else if (l3 < 92)
		et = 0x86dd;
	else if (l3 < 96)
		et = 0x0806;
	else
		et = 0; /* 802.3 length + LLC */
	if (et == 0) {
		put16(p, 46), put8(p, 0x42), put8(p, 0x42), put8(p, 0x03);
		payload(r, p, 43);
		return;
	}
	put16(p, et);
	if (et == 0x0800)
		ipv4(r, p);
	else if (et == 0x86dd)
		ipv6(r, p);
	else
		arp(r, p);
}

int main(int argc, char **argv)
{
	struct userbpf_error err;
	struct pcapio_writer *w;
	struct rng r;
	struct pkt p;

	bool raw = argc > 1 && strcmp(argv[1], "--raw") == 0;
	if (raw) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: pcapgen [--raw] OUT.pcap [COUNT] [SEED]\n");
		return 2;
	}
	unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 0) : 100000;
	r.s = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	r.s = r.s * 0x9e3779b97f4a7c15ull + 1;
	int linktype = raw ? pcapio_linktype_from_name("RAW") : 1 /* DLT_EN10MB */;
	if (pcapio_create(argv[1], linktype, 262144, &w, &err)) {
		fprintf(stderr, "pcapgen: %s\n", err.message);
		return 1;
	}
	for (unsigned long i = 0; i < count; i++) {
		uint32_t skip = 0;
		frame(&r, &p);
		if (raw) { /* find the IP header after the MAC addresses and any tags */
			uint32_t o = 12;

			while (o + 4 <= p.n && (p.b[o] == 0x81 || p.b[o] == 0x88) &&
			       (p.b[o + 1] == 0x00 || p.b[o + 1] == 0xa8))
				o += 4;
			uint32_t et = (uint32_t)p.b[o] << 8 | p.b[o + 1];
			if (et != 0x0800 && et != 0x86dd) {
				i--;
				continue;
			}
			skip = o + 2;
		}
		struct pcapio_pkt out = { p.b + skip, p.n - skip, p.n - skip,
					  1700000000 + (int64_t)(i / 1000), (int64_t)(i % 1000) * 1000 };
		if (chance(&r, 12)) /* truncated capture, sometimes below the Ethernet header */
			out.caplen = chance(&r, 10) ? below(&r, 14) : 14 + below(&r, out.len - 13);
		if (out.caplen > out.len)
			out.caplen = out.len;
		pcapio_write(w, &out);
	}
	if (pcapio_finish(w, &err)) {
		fprintf(stderr, "pcapgen: %s\n", err.message);
		return 1;
	}
	return 0;
}
