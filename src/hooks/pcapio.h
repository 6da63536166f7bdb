/* SPDX-License-Identifier: MIT */
/*
 * pcapio.h - packet sources and sinks through libpcap: tcpdump expressions compiled to classic
 * BPF (pcap_compile on a dead handle of a given link type), pcap and pcapng files read record
 * by record with errors that name the failing record, and pcap files written with pcap_dump.
 *
 * This header deliberately includes neither <pcap.h> nor <linux/bpf.h>: both define a
 * `struct bpf_insn`, so only pcapio.c sees libpcap and callers see plain types.
 */
#ifndef USERBPF_PCAPIO_H
#define USERBPF_PCAPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf.h"

struct sock_filter; /* <linux/filter.h>; libpcap's struct bpf_insn has the same layout */

/* One packet as read from a file (valid until the next pcapio_next or close). */
struct pcapio_pkt {
	const uint8_t *data;
	uint32_t caplen; /* bytes captured */
	uint32_t len;    /* length on the wire */
	int64_t ts_sec;
	int64_t ts_usec;
};

/* DLT_* value of a link-type name ("EN10MB", "RAW", ...), or -1. */
int pcapio_linktype_from_name(const char *name);
/* Name of a DLT_* value ("EN10MB"), or NULL. */
const char *pcapio_linktype_name(int linktype);

/*
 * Compile a pcap-filter(7) expression for a link type (DLT_*) and snap length, optimized as
 * tcpdump does. *out (malloc'd) holds *n instructions. Errors carry libpcap's message.
 */
int pcapio_compile(const char *expr, int linktype, uint32_t snaplen, bool optimize,
		   struct sock_filter **out, size_t *n, struct userbpf_error *err);

struct pcapio_reader;

/* Open a pcap or pcapng file ("-" is standard input). */
int pcapio_open(const char *path, struct pcapio_reader **out, struct userbpf_error *err);
int pcapio_reader_linktype(const struct pcapio_reader *r);
uint32_t pcapio_reader_snaplen(const struct pcapio_reader *r);
/*
 * Read the next packet: 1 with *pkt filled, 0 at the end of the file, or a negative errno
 * with err naming the file, the failing record (1-based) and its byte offset, and how many
 * packets were read before it (pcapio_reader_count() still returns that number). A record
 * longer than the file's snap length is an error, not silently truncated.
 */
int pcapio_next(struct pcapio_reader *r, struct pcapio_pkt *pkt, struct userbpf_error *err);
/* Packets returned so far. */
uint64_t pcapio_reader_count(const struct pcapio_reader *r);
void pcapio_close(struct pcapio_reader *r);

struct pcapio_writer;

/* Create a pcap file ("-" is standard output) for a link type and snap length. */
int pcapio_create(const char *path, int linktype, uint32_t snaplen, struct pcapio_writer **out,
		  struct userbpf_error *err);
int pcapio_write(struct pcapio_writer *w, const struct pcapio_pkt *pkt);
/* Flush and close; returns 0 or a negative errno when the data could not be written. */
int pcapio_finish(struct pcapio_writer *w, struct userbpf_error *err);

/*
 * libpcap's own classic BPF interpreter (bpf_filter(), what pcap_offline_filter runs) on one
 * packet: the reference our interpreter and converter are compared against in the tests.
 */
uint32_t pcapio_libpcap_filter(const struct sock_filter *f, size_t n, const struct pcapio_pkt *pkt);

#endif
