/* SPDX-License-Identifier: MIT */
/*
 * pcapio.c - libpcap glue: compiling tcpdump expressions, reading pcap/pcapng files with
 * record-precise errors, writing pcap files. The only file of the library that sees <pcap.h>.
 */
#include <errno.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapio.h"
#include "../util/util.h"

/* libpcap's instruction and the kernel's struct sock_filter are the same 8 bytes. */
_Static_assert(sizeof(struct bpf_insn) == 8, "struct bpf_insn layout");

#define PCAPIO_MAGIC_PCAPNG 0x0a0d0d0au

int pcapio_linktype_from_name(const char *name)
{
	return pcap_datalink_name_to_val(name);
}

const char *pcapio_linktype_name(int linktype)
{
	return pcap_datalink_val_to_name(linktype);
}

int pcapio_compile(const char *expr, int linktype, uint32_t snaplen, bool optimize,
		   struct sock_filter **out, size_t *n, struct userbpf_error *err)
{
	struct bpf_program prog;
	pcap_t *p;
	int ret = 0;

	*out = NULL;
	*n = 0;
	p = pcap_open_dead(linktype, (int)(snaplen ? snaplen : 262144));
	if (!p)
		return err_set(err, -ENOMEM, "pcap", -1, "cannot open a pcap handle for link type %d",
			       linktype);
	if (pcap_compile(p, &prog, expr, optimize, PCAP_NETMASK_UNKNOWN) < 0) {
		ret = err_set(err, -EINVAL, "pcap", -1, "%s", pcap_geterr(p));
		pcap_close(p);
		return ret;
	}
	void *copy = malloc((size_t)prog.bf_len * sizeof(struct bpf_insn) + 1);
	if (!copy) {
		ret = err_set(err, -ENOMEM, "pcap", -1, "out of memory");
	} else {
		memcpy(copy, prog.bf_insns, (size_t)prog.bf_len * sizeof(struct bpf_insn));
		*out = copy;
		*n = prog.bf_len;
	}
	pcap_freecode(&prog);
	pcap_close(p);
	return ret;
}

struct pcapio_reader {
	pcap_t *p;
	char path[256];
	bool classic;   /* classic pcap: record sizes can be checked against the file offset */
	uint64_t count; /* packets returned */
	uint32_t snaplen;
};

int pcapio_open(const char *path, struct pcapio_reader **out, struct userbpf_error *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcapio_reader *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(err, -ENOMEM, "pcap", -1, "out of memory");
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->p = pcap_open_offline(path, ebuf);
	if (!r->p) {
		int code = strstr(ebuf, "No such file") ? -ENOENT : -EINVAL;

		free(r);
		return err_set(err, code, "pcap", -1, "%s: %s", path, ebuf);
	}
	/* Classic pcap files put one 16-byte header before each record's bytes. */
	FILE *f = pcap_file(r->p);
	r->classic = false;
	if (f && strcmp(path, "-") != 0) {
		FILE *g = fopen(path, "rb");
		uint32_t magic = 0;

		if (g && fread(&magic, 4, 1, g) == 1)
			r->classic = magic != PCAPIO_MAGIC_PCAPNG;
		if (g)
			fclose(g);
	}
	r->snaplen = (uint32_t)pcap_snapshot(r->p);
	*out = r;
	return 0;
}

int pcapio_reader_linktype(const struct pcapio_reader *r)
{
	return pcap_datalink(r->p);
}

uint32_t pcapio_reader_snaplen(const struct pcapio_reader *r)
{
	return r->snaplen;
}

uint64_t pcapio_reader_count(const struct pcapio_reader *r)
{
	return r->count;
}

int pcapio_next(struct pcapio_reader *r, struct pcapio_pkt *pkt, struct userbpf_error *err)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	FILE *f = r->classic ? pcap_file(r->p) : NULL;
	long before = f ? ftell(f) : -1;
	uint64_t rec = r->count + 1;
	char where[64] = "";

	if (before >= 0)
		snprintf(where, sizeof(where), " (byte offset %ld)", before);
	int rc = pcap_next_ex(r->p, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1)
		return err_set(err, -EINVAL, "pcap", -1,
			       "%s: record %llu%s: %s; %llu packets read before it", r->path,
			       (unsigned long long)rec, where, pcap_geterr(r->p),
			       (unsigned long long)r->count);
	if (f && before >= 0) {
		long after = ftell(f);

		/* libpcap truncates a record longer than the snap length to it: refuse that. */
		if (after >= 0 && (uint64_t)(after - before) > 16u + hdr->caplen)
			return err_set(err, -EINVAL, "pcap", -1,
				       "%s: record %llu%s: captured length %ld exceeds the snap "
				       "length %u; %llu packets read before it",
				       r->path, (unsigned long long)rec, where, after - before - 16,
				       r->snaplen, (unsigned long long)r->count);
	}
	if (hdr->caplen > hdr->len)
		return err_set(err, -EINVAL, "pcap", -1,
			       "%s: record %llu%s: captured length %u exceeds the wire length %u; "
			       "%llu packets read before it",
			       r->path, (unsigned long long)rec, where, hdr->caplen, hdr->len,
			       (unsigned long long)r->count);
	pkt->data = data;
	pkt->caplen = hdr->caplen;
	pkt->len = hdr->len;
	pkt->ts_sec = hdr->ts.tv_sec;
	pkt->ts_usec = hdr->ts.tv_usec;
	r->count++;
	return 1;
}

void pcapio_close(struct pcapio_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	free(r);
}

struct pcapio_writer {
	pcap_t *p;
	pcap_dumper_t *d;
	char path[256];
};

int pcapio_create(const char *path, int linktype, uint32_t snaplen, struct pcapio_writer **out,
		  struct userbpf_error *err)
{
	struct pcapio_writer *w;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(err, -ENOMEM, "pcap", -1, "out of memory");
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->p = pcap_open_dead(linktype, (int)(snaplen ? snaplen : 262144));
	if (!w->p) {
		free(w);
		return err_set(err, -ENOMEM, "pcap", -1, "cannot open a pcap handle");
	}
	w->d = pcap_dump_open(w->p, path);
	if (!w->d) {
		int ret = err_set(err, -EIO, "pcap", -1, "%s", pcap_geterr(w->p));

		pcap_close(w->p);
		free(w);
		return ret;
	}
	*out = w;
	return 0;
}

int pcapio_write(struct pcapio_writer *w, const struct pcapio_pkt *pkt)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)pkt->ts_sec;
	h.ts.tv_usec = (suseconds_t)pkt->ts_usec;
	h.caplen = pkt->caplen;
	h.len = pkt->len;
	pcap_dump((u_char *)w->d, &h, pkt->data);
	return 0;
}

int pcapio_finish(struct pcapio_writer *w, struct userbpf_error *err)
{
	int ret = 0;

	if (!w)
		return 0;
	if (pcap_dump_flush(w->d) != 0)
		ret = err_set(err, -EIO, "pcap", -1, "%s: write error", w->path);
	pcap_dump_close(w->d);
	pcap_close(w->p);
	free(w);
	return ret;
}

uint32_t pcapio_libpcap_filter(const struct sock_filter *f, size_t n, const struct pcapio_pkt *pkt)
{
	struct bpf_program prog = { (u_int)n, (struct bpf_insn *)(uintptr_t)f };
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.caplen = pkt->caplen;
	h.len = pkt->len;
	return (uint32_t)pcap_offline_filter(&prog, &h, pkt->data);
}
