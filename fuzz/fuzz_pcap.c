/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pcap.c - libFuzzer target for capture files: the input is a pcap or pcapng file (kept in
 * a memfd). Reading it through pcapio must never crash: every record is either returned (with
 * caplen <= len and caplen <= snap length for classic pcap) or the read stops with an error that
 * names the record, and the count of packets before it is what was returned. Each packet also
 * gets its socket-filter context and runs a small classic filter, in the interpreter and as
 * converted eBPF (same verdict).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cbpf/cbpf.h"
#include "hooks/hooks.h"
#include "hooks/pcapio.h"

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_pcap: %s\n", what);
		abort();
	}
}

static struct userbpf_env *env;
static struct userbpf_prog *prog;

/* "ip and tcp[13] & 2 != 0 or len > 100 or ether[0] & 1 = 1" in spirit: loads at many offsets. */
static const struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 4),
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	BPF_STMT(BPF_LD | BPF_B | BPF_IND, 27),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 2, 3, 0),
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 100, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, 0),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct userbpf_error err;
	struct pcapio_reader *r;
	struct pcapio_pkt p;
	char path[64];
	size_t n = sizeof(filter) / sizeof(filter[0]);

	if (!env) {
		struct bpf_insn *e;
		size_t ne;

		env = userbpf_env_new(NULL, &err);
		must(env && hooks_skb_register_helpers(env, &err) == 0, "no environment");
		must(cbpf_to_ebpf(filter, n, &e, &ne, &err) == 0, "filter does not convert");
		prog = userbpf_prog_load(env, e, ne * sizeof(*e), NULL, &err);
		must(prog != NULL, "filter does not load");
		free(e);
	}
	int fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (pcapio_open(path, &r, &err) == 0) {
		uint64_t got = 0;
		int rc;
		int linktype = pcapio_reader_linktype(r);

		while ((rc = pcapio_next(r, &p, &err)) == 1) {
			struct __sk_buff skb;
			uint64_t r0 = 0;

			got++;
			must(p.caplen <= p.len, "caplen above len");
			hooks_skb_init(&skb, p.data, p.caplen, p.len, linktype);
			struct cbpf_input in = { p.data, p.caplen, &skb, NULL };
			uint32_t v = cbpf_run(filter, n, &in);
			USERBPF_OPTS(userbpf_run_opts, o, .backend = USERBPF_BACKEND_INTERP);
			must(hooks_skb_run(prog, &skb, p.data, p.caplen, NULL, &o, &r0, &err) == 0,
			     "converted filter faulted");
			must(r0 == v, "converted filter disagrees");
		}
		if (rc < 0)
			must(strstr(err.message, "record ") != NULL, "read error does not name the record");
		must(pcapio_reader_count(r) == got, "count differs from packets returned");
		pcapio_close(r);
	}
	close(fd);
	return 0;
}
