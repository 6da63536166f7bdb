// SPDX-License-Identifier: MIT
/* core.bpf.c - a program with CO-RE relocations (a field read through a type marked
 * preserve_access_index): the loader reports them and refuses to load the program, since it
 * has no kernel BTF to relocate against; the object's other program loads. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

SEC("userbpf/core")
int read_tgid(struct task *t)
{
	return BPF_CORE_READ(t, tgid);
}

SEC("userbpf/plain")
int plain(void *mem)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
