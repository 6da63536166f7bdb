/* SPDX-License-Identifier: MIT */
/*
 * kbpf.c - the kernel as an oracle: a minimal bpf(2) wrapper for test tools (kdiff, bench).
 * It loads raw instructions as an XDP program (whose test run can hand back any bytes through
 * the packet) and runs them with BPF_PROG_TEST_RUN. Test-side code: #include it from a tool.
 * Uses only <linux/bpf.h>; fields newer than the installed UAPI header are not needed.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long kbpf_sys(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/*
 * Load n instruction slots as a program of the given type. Returns the fd, or -errno; on a
 * verifier rejection (-EACCES, -EINVAL...) the verifier's log is left in log (if log_len > 0).
 */
static int kbpf_prog_load(uint32_t type, const void *insns, size_t n, char *log, size_t log_len)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	if (log && log_len) {
		log[0] = 0;
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)log_len;
		attr.log_level = 1;
	}
	fd = kbpf_sys(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == ENOSPC && log && log_len) {
		/* The log did not fit: the verdict is what we want, retry without the log. */
		attr.log_buf = 0;
		attr.log_size = 0;
		attr.log_level = 0;
		fd = kbpf_sys(BPF_PROG_LOAD, &attr);
	}
	return fd < 0 ? -errno : (int)fd;
}

/*
 * Run prog_fd once per `repeat` over a copy of data_in; the (last) output packet is copied to
 * data_out (out_len bytes available). *retval gets the program's return value and *duration the
 * kernel's average time per run in ns. Returns 0 or -errno.
 */
static int kbpf_prog_test_run(int prog_fd, const void *data_in, uint32_t in_len, void *data_out,
			      uint32_t out_len, uint32_t repeat, uint32_t *retval,
			      uint32_t *duration)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)prog_fd;
	attr.test.data_in = (uint64_t)(uintptr_t)data_in;
	attr.test.data_size_in = in_len;
	attr.test.data_out = (uint64_t)(uintptr_t)data_out;
	attr.test.data_size_out = out_len;
	attr.test.repeat = repeat;
	if (kbpf_sys(BPF_PROG_TEST_RUN, &attr) < 0)
		return -errno;
	if (retval)
		*retval = attr.test.retval;
	if (duration)
		*duration = attr.test.duration;
	return 0;
}

/*
 * Can this process load and test-run programs? Loads "r0 = XDP_PASS; exit" and runs it. Returns
 * 0, or -errno with a short reason in why.
 */
static int kbpf_probe(char *why, size_t why_len)
{
	static const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint8_t pkt[64] = { 0 }, out[64];
	uint32_t ret = 0;
	int fd, rc;

	fd = kbpf_prog_load(BPF_PROG_TYPE_XDP, prog, 2, NULL, 0);
	if (fd < 0) {
		snprintf(why, why_len, "BPF_PROG_LOAD: %s", strerror(-fd));
		return fd;
	}
	rc = kbpf_prog_test_run(fd, pkt, sizeof(pkt), out, sizeof(out), 1, &ret, NULL);
	close(fd);
	if (rc < 0) {
		snprintf(why, why_len, "BPF_PROG_TEST_RUN: %s", strerror(-rc));
		return rc;
	}
	if (ret != XDP_PASS) {
		snprintf(why, why_len, "BPF_PROG_TEST_RUN returned %u, not XDP_PASS", ret);
		return -EIO;
	}
	return 0;
}
