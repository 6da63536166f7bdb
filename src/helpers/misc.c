/* SPDX-License-Identifier: MIT */
/*
 * misc.c - the helpers that need no map: clocks, random numbers, CPU and NUMA ids, the
 * current process's ids and name (the host process stands in for "current"), string
 * parsing and comparison, bpf_loop, csum_diff, and the fault-free probe reads
 * (process_vm_readv on our own process, which reports a bad address instead of crashing).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "vm/vm.h"

/* ---- fault-free reads ---- */

int helper_read_safe(struct userbpf_call *call, void *dst, uint64_t src, uint64_t len)
{
	struct iovec local = {dst, (size_t)len}, remote = {(void *)(uintptr_t)src, (size_t)len};

	if (!len)
		return 0;
	if (call->checked && !userbpf_call_mem_ok(call, src, len, false))
		return -EFAULT;
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

long helper_read_str_safe(struct userbpf_call *call, char *dst, uint64_t src, uint64_t max)
{
	uint64_t n = 0;

	if (!max)
		return -EFAULT;
	while (n + 1 < max) {
		uint64_t chunk = max - 1 - n < 64 ? max - 1 - n : 64;
		char *nul;

		if (helper_read_safe(call, dst + n, src + n, chunk) < 0) {
			/* The chunk crosses into bad memory: go on byte by byte up to it. */
			while (n + 1 < max && helper_read_safe(call, dst + n, src + n, 1) == 0) {
				if (!dst[n])
					return (long)n;
				n++;
			}
			if (n == 0)
				return -EFAULT;
			break;
		}
		nul = memchr(dst + n, 0, chunk);
		if (nul)
			return (long)(nul - dst);
		n += chunk;
	}
	dst[n] = 0;
	return (long)n;
}

uint64_t helper_probe_read(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct userbpf_call *call)
{
	if (!helper_mem(call, r1, r2, true, "bpf_probe_read", "dst"))
		return 0;
	if (helper_read_safe(call, (void *)(uintptr_t)r1, r3, r2) < 0) {
		/* As the kernel: the destination is zeroed on failure. */
		memset((void *)(uintptr_t)r1, 0, r2);
		return (uint64_t)-EFAULT;
	}
	return 0;
}

uint64_t helper_probe_read_str(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct userbpf_call *call)
{
	long n;

	if (!r2)
		return 0;
	if (!helper_mem(call, r1, r2, true, "bpf_probe_read_str", "dst"))
		return 0;
	n = helper_read_str_safe(call, (char *)(uintptr_t)r1, r3, r2);
	if (n < 0) {
		memset((void *)(uintptr_t)r1, 0, r2);
		return (uint64_t)-EFAULT;
	}
	return (uint64_t)n + 1; /* the length including the NUL */
}

/* ---- time, randomness, where we run ---- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t helper_ktime_get_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct userbpf_call *call)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t helper_ktime_get_boot_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct userbpf_call *call)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t helper_ktime_get_coarse_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5, struct userbpf_call *call)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

uint64_t helper_ktime_get_tai_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct userbpf_call *call)
{
	return clock_ns(CLOCK_TAI);
}

uint64_t helper_get_prandom_u32(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_call *call)
{
	uint32_t v = 0;

	/* No generator state may live in the library; the kernel's source is per-CPU state. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)(clock_ns(CLOCK_MONOTONIC) * 0x9e3779b97f4a7c15ull >> 32);
	return v;
}

uint64_t helper_get_smp_processor_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5, struct userbpf_call *call)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : (uint64_t)cpu;
}

uint64_t helper_get_numa_node_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct userbpf_call *call)
{
	unsigned cpu = 0, node = 0;

	if (syscall(SYS_getcpu, &cpu, &node, NULL))
		return 0;
	return node;
}

uint64_t helper_get_current_pid_tgid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5, struct userbpf_call *call)
{
	/* The kernel's tgid is the process id, its pid the thread id. */
	return (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid);
}

uint64_t helper_get_current_uid_gid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5, struct userbpf_call *call)
{
	return (uint64_t)(uint32_t)getgid() << 32 | (uint32_t)getuid();
}

uint64_t helper_get_current_comm(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct userbpf_call *call)
{
	char comm[17] = {0};
	size_t n;

	if (!helper_mem(call, r1, r2, true, "bpf_get_current_comm", "buf"))
		return 0;
	if (!r2)
		return (uint64_t)-EINVAL;
	if (prctl(PR_GET_NAME, comm, 0, 0, 0))
		comm[0] = 0;
	/* Copied with a NUL and zero-padded, as the kernel's strscpy_pad. */
	n = strnlen(comm, 16);
	if (n > r2 - 1)
		n = r2 - 1;
	memset((void *)(uintptr_t)r1, 0, r2);
	memcpy((void *)(uintptr_t)r1, comm, n);
	return 0;
}

/* ---- strings ---- */

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int digit_of(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/*
 * The kernel's string-to-integer rules for bpf_strtol/strtoul: at most 64 bytes of buf,
 * leading white space skipped, an optional '-' (only where negative is allowed), base 0
 * (auto: 0x -> 16, 0 -> 8, else 10), 8, 10 or 16 (a 0x prefix allowed) in the low 5 bits of
 * flags and nothing else. Returns the characters consumed, -EINVAL (no digits, bad flags) or
 * -ERANGE (overflow).
 */
static long parse_ull(const char *buf, uint64_t len, uint64_t flags, bool allow_neg,
		      uint64_t *res, bool *neg)
{
	char s[65];
	uint32_t base = (uint32_t)(flags & 0x1f), i = 0, start;
	uint64_t v = 0;

	if (flags & ~0x1full || (base != 0 && base != 8 && base != 10 && base != 16) || !len)
		return -EINVAL;
	if (len > 64)
		len = 64;
	memcpy(s, buf, len);
	s[len] = 0;
	while (s[i] && is_space(s[i]))
		i++;
	*neg = false;
	if (s[i] == '-') {
		if (!allow_neg)
			return -EINVAL;
		*neg = true;
		i++;
	}
	if ((base == 0 || base == 16) && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
	    digit_of(s[i + 2]) < 16) {
		base = 16;
		i += 2;
	} else if (base == 0) {
		base = s[i] == '0' ? 8 : 10;
	}
	start = i;
	for (; s[i]; i++) {
		int d = digit_of(s[i]);

		if (d >= (int)base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	if (i == start)
		return -EINVAL;
	*res = v;
	return i;
}

static uint64_t strto(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
		      struct userbpf_call *call, bool is_signed, const char *name)
{
	uint64_t v = 0;
	bool neg;
	long n;

	if (!helper_mem(call, r1, r2, false, name, "buf") ||
	    !helper_mem(call, r4, 8, true, name, "res"))
		return 0;
	n = parse_ull((const char *)(uintptr_t)r1, r2, r3, is_signed, &v, &neg);
	if (n < 0)
		return (uint64_t)n;
	if (is_signed) {
		if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
			return (uint64_t)-ERANGE;
		v = neg ? 0 - v : v;
	}
	memcpy((void *)(uintptr_t)r4, &v, 8);
	return (uint64_t)n;
}

uint64_t helper_strtol(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct userbpf_call *call)
{
	return strto(r1, r2, r3, r4, call, true, "bpf_strtol");
}

uint64_t helper_strtoul(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct userbpf_call *call)
{
	return strto(r1, r2, r3, r4, call, false, "bpf_strtoul");
}

uint64_t helper_strncmp(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct userbpf_call *call)
{
	long n2;

	if (!helper_mem(call, r1, r2, false, "bpf_strncmp", "s1"))
		return 0;
	n2 = helper_str(call, r3, UINT32_MAX, "bpf_strncmp");
	if (n2 < 0)
		return 0;
	/* strncmp stops at s2's NUL, so it never reads past it; s1 is bounded by r2. */
	return (uint64_t)(int64_t)strncmp((const char *)(uintptr_t)r1, (const char *)(uintptr_t)r3,
					  r2);
}

/* ---- bpf_loop ---- */

#define LOOP_MAX (1u << 23) /* the kernel's BPF_MAX_LOOPS */

uint64_t helper_loop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		     struct userbpf_call *call)
{
	uint64_t i;

	if (r4)
		return (uint64_t)-EINVAL;
	if (r1 > LOOP_MAX)
		return (uint64_t)-E2BIG;
	if (!call->call_sub)
		return helper_abort(call, -ENOTSUP, "bpf_loop: callbacks are not supported by this "
				    "back end");
	for (i = 0; i < r1; i++) {
		uint64_t args[5] = {i, r3, 0, 0, 0}, r0 = 0;
		int ret = call->call_sub(call, r2, args, &r0);

		if (ret) {
			if (call->err && call->err->code == ret)
				return helper_abort(call, ret, "bpf_loop: in the callback: insn %d: %s",
						    call->err->insn, call->err->message);
			return helper_abort(call, ret, "bpf_loop: the callback failed (%d)", ret);
		}
		if (r0) {
			i++; /* the iteration that asked to stop counts */
			break;
		}
	}
	return i;
}

/* ---- checksums ---- */

uint64_t helper_csum_diff(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct userbpf_call *call)
{
	uint64_t sum = (uint32_t)r5;

	/* As the kernel: sizes multiples of 4, together at most 512 bytes. */
	if (r2 % 4 || r4 % 4 || r2 + r4 > 512 || r2 + r4 < r2 || (r2 && !r1) || (r4 && !r3))
		return (uint64_t)-EINVAL;
	if (!helper_mem(call, r1, r2, false, "bpf_csum_diff", "from") ||
	    !helper_mem(call, r3, r4, false, "bpf_csum_diff", "to"))
		return 0;
	/* Ones' complement sum of the 32-bit words: minus each "from" word, plus each "to". */
	for (uint64_t i = 0; i < r2; i += 4) {
		uint32_t w;

		memcpy(&w, (const void *)(uintptr_t)(r1 + i), 4);
		sum += (uint32_t)~w;
	}
	for (uint64_t i = 0; i < r4; i += 4) {
		uint32_t w;

		memcpy(&w, (const void *)(uintptr_t)(r3 + i), 4);
		sum += w;
	}
	/* Folded to 16 bits, as kernels since 6.12 return it on every architecture. */
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum;
}
