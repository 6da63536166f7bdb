/* SPDX-License-Identifier: MIT */
/*
 * test_pcapio.c - pcap and pcapng files through src/hooks/pcapio.c: a written file reads back,
 * a hand-made pcapng file reads, and every kind of malformed file (bad magic, truncated file
 * header, truncated record header or data, a record longer than the snap length or than the
 * wire length, a truncated pcapng block) gives an error naming the file and the record, with
 * the packets before it still read and counted. Also compile errors, the skb context, and
 * hooks_filter_file() (the `userbpf filter` engine) in both engines, on good and bad files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "hooks/filter.h"
#include "hooks/hooks.h"
#include "hooks/pcapio.h"
#include "test.h"
#include "util/util.h"

static char dir[] = "/tmp/userbpf-pcapio-XXXXXX";

struct bytes {
	uint8_t b[4096];
	size_t n;
};

static void le32(struct bytes *f, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		f->b[f->n++] = (uint8_t)(v >> (8 * i));
}

static void le16(struct bytes *f, uint32_t v)
{
	f->b[f->n++] = (uint8_t)v;
	f->b[f->n++] = (uint8_t)(v >> 8);
}

static void file_header(struct bytes *f, uint32_t snaplen)
{
	le32(f, 0xa1b2c3d4);
	le16(f, 2);
	le16(f, 4);
	le32(f, 0);
	le32(f, 0);
	le32(f, snaplen);
	le32(f, 1); /* Ethernet */
}

static void record(struct bytes *f, uint32_t caplen, uint32_t len, uint32_t data_bytes)
{
	le32(f, 1700000000);
	le32(f, 0);
	le32(f, caplen);
	le32(f, len);
	for (uint32_t i = 0; i < data_bytes; i++)
		f->b[f->n++] = (uint8_t)i;
}

static const char *write_file(const char *name, const struct bytes *f)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(f->b, 1, f->n, fp) != f->n)
		abort();
	fclose(fp);
	return path;
}

/* Read the whole file; returns the final pcapio_next() result, *count the packets read. */
static int read_all(const char *path, uint64_t *count, struct userbpf_error *err)
{
	struct pcapio_reader *r;
	struct pcapio_pkt p;
	int rc;

	*count = 0;
	err_clear(err);
	rc = pcapio_open(path, &r, err);
	if (rc)
		return rc;
	while ((rc = pcapio_next(r, &p, err)) == 1)
		;
	*count = pcapio_reader_count(r);
	pcapio_close(r);
	return rc;
}

static void has(const char *msg, const char *what)
{
	if (strstr(msg, what)) {
		test_passed++;
	} else {
		test_failed++;
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, what);
	}
}

/* Three good 60-byte packets, then the bad part. */
static void three_good(struct bytes *f, uint32_t snaplen)
{
	f->n = 0;
	file_header(f, snaplen);
	for (int i = 0; i < 3; i++)
		record(f, 60, 60, 60);
}

static void test_malformed(void)
{
	struct userbpf_error err;
	struct bytes f;
	uint64_t count;
	const char *path;

	/* a good file */
	three_good(&f, 128);
	path = write_file("good.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), 0);
	CHECK_EQ_U64(count, 3);

	/* bad magic, truncated file header, empty file: the open fails and says why */
	memset(&f, 0, sizeof(f));
	memcpy(f.b, "this is not a capture file at all", 33);
	f.n = 33;
	path = write_file("magic.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	has(err.message, "magic.pcap");
	has(err.message, "unknown file format");
	three_good(&f, 128);
	f.n = 10;
	path = write_file("short.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	has(err.message, "short.pcap");
	has(err.message, "truncated");
	f.n = 0;
	path = write_file("empty.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	has(err.message, "empty.pcap");
	char none[300];
	snprintf(none, sizeof(none), "%s/none.pcap", dir);
	CHECK_EQ_U64(read_all(none, &count, &err), -ENOENT);

	/* truncated record header after three packets */
	three_good(&f, 128);
	f.n += 7;
	path = write_file("rechdr.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	CHECK_EQ_U64(count, 3);
	has(err.message, "rechdr.pcap: record 4 (byte offset 252)");
	has(err.message, "3 packets read before it");

	/* truncated record data */
	three_good(&f, 128);
	record(&f, 100, 100, 20);
	path = write_file("recdata.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	CHECK_EQ_U64(count, 3);
	has(err.message, "record 4");
	has(err.message, "truncated");

	/* a record longer than the snap length (libpcap would silently cut it) */
	three_good(&f, 128);
	record(&f, 200, 200, 200);
	record(&f, 60, 60, 60);
	path = write_file("snaplen.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	CHECK_EQ_U64(count, 3);
	has(err.message, "record 4 (byte offset 252): captured length 200 exceeds the snap length 128");

	/* a record beyond any snap length libpcap accepts */
	three_good(&f, 128);
	record(&f, 300000, 300000, 0);
	path = write_file("huge.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	CHECK_EQ_U64(count, 3);
	has(err.message, "record 4");

	/* captured more than was on the wire */
	three_good(&f, 128);
	record(&f, 60, 50, 60);
	path = write_file("wire.pcap", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	CHECK_EQ_U64(count, 3);
	has(err.message, "record 4 (byte offset 252): captured length 60 exceeds the wire length 50");
}

/* A minimal pcapng file: section header, interface, two enhanced packet blocks. */
static void pcapng(struct bytes *f, bool truncate_last)
{
	f->n = 0;
	le32(f, 0x0a0d0d0a), le32(f, 28), le32(f, 0x1a2b3c4d), le16(f, 1), le16(f, 0);
	le32(f, 0xffffffff), le32(f, 0xffffffff), le32(f, 28);
	le32(f, 1), le32(f, 20), le16(f, 1), le16(f, 0), le32(f, 0), le32(f, 20);
	for (int i = 0; i < 2; i++) {
		le32(f, 6), le32(f, 32 + 64), le32(f, 0), le32(f, 0), le32(f, (uint32_t)i);
		le32(f, 62), le32(f, 70);
		for (int j = 0; j < 64; j++)
			f->b[f->n++] = (uint8_t)(j < 62 ? j : 0);
		le32(f, 32 + 64);
	}
	if (truncate_last)
		f->n -= 30;
}

static void test_pcapng(void)
{
	struct userbpf_error err;
	struct pcapio_reader *r;
	struct pcapio_pkt p;
	struct bytes f;
	uint64_t count;

	pcapng(&f, false);
	const char *path = write_file("good.pcapng", &f);
	CHECK_EQ_U64(pcapio_open(path, &r, &err), 0);
	CHECK_EQ_U64(pcapio_reader_linktype(r), 1);
	CHECK_EQ_U64(pcapio_next(r, &p, &err), 1);
	CHECK_EQ_U64(p.caplen, 62);
	CHECK_EQ_U64(p.len, 70);
	CHECK_EQ_U64(p.data[61], 61);
	CHECK_EQ_U64(pcapio_next(r, &p, &err), 1);
	CHECK_EQ_U64(pcapio_next(r, &p, &err), 0);
	pcapio_close(r);
	pcapng(&f, true);
	path = write_file("bad.pcapng", &f);
	CHECK_EQ_U64(read_all(path, &count, &err), -EINVAL);
	CHECK_EQ_U64(count, 1);
	has(err.message, "bad.pcapng: record 2");
	has(err.message, "1 packets read before it");
}

static void test_write_read(void)
{
	struct userbpf_error err;
	struct pcapio_writer *w;
	struct pcapio_reader *r;
	struct pcapio_pkt p;
	uint8_t data[80];
	char path[256];

	for (int i = 0; i < 80; i++)
		data[i] = (uint8_t)(i * 3);
	snprintf(path, sizeof(path), "%s/out.pcap", dir);
	CHECK_EQ_U64(pcapio_create(path, 1, 65535, &w, &err), 0);
	for (uint32_t i = 0; i < 10; i++) {
		struct pcapio_pkt out = { data, 40 + i, 80, 1700000000 + i, i * 10 };
		CHECK_EQ_U64(pcapio_write(w, &out), 0);
	}
	CHECK_EQ_U64(pcapio_finish(w, &err), 0);
	CHECK_EQ_U64(pcapio_open(path, &r, &err), 0);
	CHECK_EQ_U64(pcapio_reader_snaplen(r), 65535);
	for (uint32_t i = 0; i < 10; i++) {
		CHECK_EQ_U64(pcapio_next(r, &p, &err), 1);
		CHECK_EQ_U64(p.caplen, 40 + i);
		CHECK_EQ_U64(p.len, 80);
		CHECK_EQ_U64(p.ts_sec, 1700000000 + i);
		CHECK_EQ_U64(p.ts_usec, i * 10);
		CHECK(memcmp(p.data, data, p.caplen) == 0);
	}
	CHECK_EQ_U64(pcapio_next(r, &p, &err), 0);
	CHECK_EQ_U64(pcapio_reader_count(r), 10);
	pcapio_close(r);
	snprintf(path, sizeof(path), "%s/no/such/dir/out.pcap", dir);
	CHECK_EQ_U64(pcapio_create(path, 1, 65535, &w, &err), -EIO);
}

static void test_compile_and_skb(void)
{
	struct userbpf_error err;
	struct sock_filter *f;
	size_t n;

	CHECK_EQ_U64(pcapio_compile("tcp port 80", 1, 262144, true, &f, &n, &err), 0);
	CHECK(n > 5);
	free(f);
	CHECK_EQ_U64(pcapio_compile("tcp port", 1, 262144, true, &f, &n, &err), -EINVAL);
	CHECK_STR(err.component, "pcap");
	has(err.message, "syntax error");
	CHECK(f == NULL && n == 0);
	CHECK_EQ_U64(pcapio_compile("ip", pcapio_linktype_from_name("RAW"), 0, true, &f, &n, &err), 0);
	free(f);
	CHECK_EQ_U64(pcapio_linktype_from_name("EN10MB"), 1);
	CHECK_STR(pcapio_linktype_name(1), "EN10MB");

	struct __sk_buff skb;
	uint8_t eth[20] = { [12] = 0x86, [13] = 0xdd };
	hooks_skb_init(&skb, eth, sizeof(eth), 300, 1);
	CHECK_EQ_U64(skb.len, 300);
	CHECK_EQ_U64(ntohs((uint16_t)skb.protocol), 0x86dd);
	hooks_skb_init(&skb, eth, 13, 300, 1); /* too short for an EtherType */
	CHECK_EQ_U64(skb.protocol, 0);
	uint8_t ip[1] = { 0x45 };
	hooks_skb_init(&skb, ip, 1, 20, 12 /* DLT_RAW */);
	CHECK_EQ_U64(ntohs((uint16_t)skb.protocol), 0x0800);
	uint8_t sll[16] = { 0, 4, [14] = 0x08, [15] = 0x06 };
	hooks_skb_init(&skb, sll, sizeof(sll), 60, 113 /* DLT_LINUX_SLL */);
	CHECK_EQ_U64(ntohs((uint16_t)skb.protocol), 0x0806);
	CHECK_EQ_U64(skb.pkt_type, 4); /* PACKET_OUTGOING */
	uint8_t sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 7, 0, 1, 2 };
	hooks_skb_init(&skb, sll2, sizeof(sll2), 60, 276 /* DLT_LINUX_SLL2 */);
	CHECK_EQ_U64(ntohs((uint16_t)skb.protocol), 0x86dd);
	CHECK_EQ_U64(skb.ifindex, 7);
	CHECK_EQ_U64(skb.pkt_type, 2);
}

static uint64_t count_file(const char *path)
{
	struct userbpf_error err;
	uint64_t count;

	CHECK_EQ_U64(read_all(path, &count, &err), 0);
	return count;
}

static void test_filter_file(void)
{
	struct userbpf_error err;
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	struct pcapio_writer *w;
	struct sock_filter *f;
	size_t n;
	uint8_t data[64];
	char in[256], out[256];

	CHECK(env && hooks_skb_register_helpers(env, &err) == 0);
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(out, sizeof(out), "%s/matched.pcap", dir);
	CHECK_EQ_U64(pcapio_create(in, 1, 65535, &w, &err), 0);
	for (uint32_t i = 0; i < 30; i++) {
		memset(data, (int)(i % 3), sizeof(data));
		struct pcapio_pkt p = { data, i < 20 ? 64 : 0, 64, i, 0 };
		pcapio_write(w, &p);
	}
	CHECK_EQ_U64(pcapio_finish(w, &err), 0);
	CHECK_EQ_U64(pcapio_compile("ether[0] = 1", 1, 65535, true, &f, &n, &err), 0);
	static const enum hooks_engine engines[] = { HOOKS_ENGINE_CBPF, HOOKS_ENGINE_EBPF };
	for (int e = 0; e < 2; e++) {
		struct hooks_filter_opts o = { .sz = sizeof(o), .engine = engines[e],
					       .backend = USERBPF_BACKEND_INTERP, .out_path = out };
		struct hooks_filter_result res;

		CHECK_EQ_U64(hooks_filter_file(env, f, n, in, &o, &res, &err), 0);
		CHECK_EQ_U64(res.packets, 30);
		CHECK_EQ_U64(res.matched, 7); /* i % 3 == 1 among the 20 captured packets */
		CHECK_EQ_U64(res.linktype, 1);
		CHECK_EQ_U64(count_file(out), 7);
	}
	free(f);

	/* a malformed file: the packets before the bad record are counted and written */
	struct bytes b;
	three_good(&b, 128);
	record(&b, 100, 100, 20);
	const char *bad = write_file("filter-bad.pcap", &b);
	CHECK_EQ_U64(pcapio_compile("ether[1] = 1", 1, 65535, true, &f, &n, &err), 0);
	for (int e = 0; e < 2; e++) {
		struct hooks_filter_opts o = { .sz = sizeof(o), .engine = engines[e], .out_path = out };
		struct hooks_filter_result res;

		CHECK_EQ_U64(hooks_filter_file(env, f, n, bad, &o, &res, &err), -EINVAL);
		CHECK_EQ_U64(res.packets, 3);
		CHECK_EQ_U64(res.matched, 3);
		has(err.message, "record 4");
		CHECK_EQ_U64(count_file(out), 3);
	}
	/* a program the checker refuses, a missing file */
	struct sock_filter refuse[] = { BPF_STMT(BPF_LD | BPF_MEM, 0), BPF_STMT(BPF_RET | BPF_A, 0) };
	struct hooks_filter_result res;
	CHECK_EQ_U64(hooks_filter_file(env, refuse, 2, in, NULL, &res, &err), -EINVAL);
	has(err.message, "M[0] read before it is written");
	char none[300];
	snprintf(none, sizeof(none), "%s/none.pcap", dir);
	CHECK_EQ_U64(hooks_filter_file(env, f, n, none, NULL, &res, &err), -ENOENT);
	free(f);
	userbpf_env_free(env);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_malformed();
	test_pcapng();
	test_write_read();
	test_compile_and_skb();
	test_filter_file();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return test_summary();
}
