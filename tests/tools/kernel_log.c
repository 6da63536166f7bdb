/* SPDX-License-Identifier: MIT */
/*
 * kernel_log.c - oracle helper: assemble a file with our assembler, load it into the running
 * kernel (needs root and bpf(2)) and print the kernel verifier's log (log_level 1 prints every
 * instruction it visits in the kernel's own disassembly), and with --xlated also
 * `bpftool prog dump xlated`. `r1 = map[NAME]` references get a fresh array map each
 * (4-byte key, 64-byte value, 4 entries). Used to record the golden lines in test_asm.c.
 *
 *   kernel_log [--xdp] [--xlated] FILE
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "asm/asm.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	static char log[1 << 24];
	bool xdp = false, xlated = false;
	const char *path = NULL;
	struct userbpf_error err;
	struct asm_prog p;
	union bpf_attr a;
	char *text;
	size_t len;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--xdp"))
			xdp = true;
		else if (!strcmp(argv[i], "--xlated"))
			xlated = true;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: kernel_log [--xdp] [--xlated] FILE\n");
		return 2;
	}
	if (file_read(path, &text, &len, &err) || asm_assemble(text, &p, &err)) {
		fprintf(stderr, "%s:%d:%d: %s\n", path, err.line, err.column, err.message);
		return 1;
	}
	for (size_t i = 0; i < p.nmaps; i++) {
		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = 64;
		a.max_entries = 4;
		fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
		if (fd < 0) {
			perror("BPF_MAP_CREATE");
			return 1;
		}
		p.insns[p.maps[i].slot].imm = fd;
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = xdp ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)p.insns;
	a.insn_cnt = (uint32_t)p.n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 2; /* level 1 prints instructions only when the load fails */
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	fputs(log, stdout);
	if (fd < 0) {
		fprintf(stderr, "BPF_PROG_LOAD: %s\n", strerror(errno));
		return 1;
	}
	if (xlated) {
		struct bpf_prog_info info;
		char cmd[128];

		memset(&info, 0, sizeof(info));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)fd;
		a.info.info_len = sizeof(info);
		a.info.info = (uint64_t)(uintptr_t)&info;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a)) {
			perror("BPF_OBJ_GET_INFO_BY_FD");
			return 1;
		}
		fflush(stdout);
		/* XLATED_ARGS=" opcodes" adds bpftool's raw byte lines */
		snprintf(cmd, sizeof(cmd), "bpftool prog dump xlated id %u%s", info.id,
			 getenv("XLATED_ARGS") ? getenv("XLATED_ARGS") : "");
		if (system(cmd))
			return 1;
	}
	asm_prog_free(&p);
	free(text);
	return 0;
}
