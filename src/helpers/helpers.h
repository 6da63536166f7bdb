/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - private interface of src/helpers: the registry of the kernel's helper
 * functions (ids from <linux/bpf.h> BPF_FUNC_*, names, prototypes) that the verifier checks
 * calls against, and the argument checks every helper implementation makes at run time.
 *
 * A prototype says what each of R1-R5 must hold and what R0 holds afterwards, in the
 * kernel's vocabulary (its ARG_* and RET_* kinds, which the verifier's messages name):
 *   - a size argument (HELPER_ARG_CONST_SIZE*) always follows the memory argument it
 *     measures, and applies to it;
 *   - "uninit" memory is written by the helper, so it need not be initialised;
 *   - HELPER_ARG_PTR_TO_MAP_KEY / _MAP_VALUE are sized by the map in the nearest preceding
 *     HELPER_ARG_CONST_MAP_PTR argument.
 * The packet helpers (skb_*, l3/l4_csum_replace, xdp_adjust_*) work on the contexts of
 * src/hooks/ctx.h; the verifier allows them only for the program types that have them.
 *
 * Run time: verified programs reach helpers with arguments the verifier proved; checked
 * programs may pass anything, so every helper validates pointers with helper_mem() and map
 * arguments with helper_map() and ends the run with -EFAULT (through userbpf_call_abort)
 * rather than touch memory the program may not.
 */
#ifndef USERBPF_HELPERS_H
#define USERBPF_HELPERS_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

#include "userbpf.h"

enum helper_arg {
	HELPER_ARG_NONE = 0,              /* not used by the helper */
	HELPER_ARG_ANYTHING,              /* any initialised value */
	HELPER_ARG_CONST_MAP_PTR,         /* a map the program refers to */
	HELPER_ARG_PTR_TO_MAP_KEY,        /* key_size readable bytes */
	HELPER_ARG_PTR_TO_MAP_VALUE,      /* value_size readable bytes */
	HELPER_ARG_PTR_TO_UNINIT_MAP_VALUE, /* value_size bytes the helper writes */
	HELPER_ARG_PTR_TO_MEM,            /* readable bytes, sized by the next argument */
	HELPER_ARG_PTR_TO_MEM_OR_NULL,    /* the same, or NULL with size 0 */
	HELPER_ARG_PTR_TO_UNINIT_MEM,     /* bytes the helper writes, sized by the next argument */
	HELPER_ARG_PTR_TO_UNINIT_MEM_OR_NULL,
	HELPER_ARG_CONST_SIZE,            /* a known, non-zero size */
	HELPER_ARG_CONST_SIZE_OR_ZERO,    /* a known size, possibly zero */
	HELPER_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* size of memory the helper returns */
	HELPER_ARG_PTR_TO_CTX,            /* the program's context (R1 at entry) */
	HELPER_ARG_PTR_TO_CONST_STR,      /* a NUL-terminated string in a read-only map value */
	HELPER_ARG_PTR_TO_LONG,           /* 8 bytes the helper writes */
	HELPER_ARG_PTR_TO_FUNC,           /* a callback: lddw with src_reg BPF_PSEUDO_FUNC */
	HELPER_ARG_PTR_TO_STACK_OR_NULL,  /* the callback's context: stack memory or NULL */
	HELPER_ARG_PTR_TO_SPIN_LOCK,      /* the struct bpf_spin_lock in a map value */
	HELPER_ARG_PTR_TO_ALLOC_MEM,      /* memory from ringbuf_reserve, released by the call */
};

enum helper_ret {
	HELPER_RET_INTEGER = 0,              /* a scalar */
	HELPER_RET_VOID,                     /* R0 is not readable afterwards */
	HELPER_RET_PTR_TO_MAP_VALUE_OR_NULL, /* the map argument's value, or NULL */
	HELPER_RET_PTR_TO_ALLOC_MEM_OR_NULL, /* CONST_ALLOC_SIZE_OR_ZERO bytes, or NULL */
};

/* Prototype flags. */
#define HELPER_F_PKT_CHANGED (1u << 0) /* invalidates packet pointers (xdp_adjust_head...) */
#define HELPER_F_CALLBACK (1u << 1)    /* calls the HELPER_ARG_PTR_TO_FUNC argument */
#define HELPER_F_GPL (1u << 2)         /* kernel: only for GPL-compatible programs */

struct helper_proto {
	uint32_t id;      /* BPF_FUNC_* */
	const char *name; /* without the bpf_ prefix, as the kernel's func_id names */
	enum helper_ret ret;
	enum helper_arg args[5];
	uint32_t flags;
	userbpf_helper_fn fn; /* the implementation, or NULL (provided per program type) */
};

/* The prototype of helper id, or NULL if userbpf does not know it. */
const struct helper_proto *helper_proto(uint32_t id);
/* All prototypes, in id order (for listing and the verifier's tests). */
const struct helper_proto *helper_protos(uint32_t *count);
/*
 * The prototype the verifier checks a call to helper id against in env: the host's (from
 * userbpf_env_register_helper_proto, filled into *tmp) or else the kernel's; NULL when the id
 * has no helper in env or no known prototype.
 */
const struct helper_proto *helper_env_proto(const struct userbpf_env *env, uint32_t id,
					    struct helper_proto *tmp);

/* ---- what implementations share ---- */

/*
 * Run-time checks (checked runs; unchecked runs are verified or trusted). helper_map returns r
 * as a map of the calling program, or aborts the run and returns NULL; helper_mem returns
 * whether [ptr, ptr+len) is accessible, aborting if not.
 */
struct userbpf_map *helper_map(struct userbpf_call *call, uint64_t r, const char *helper);
bool helper_mem(struct userbpf_call *call, uint64_t ptr, uint64_t len, bool write,
		const char *helper, const char *what);
/* A NUL-terminated string at ptr of at most max bytes (with the NUL): its length, or -1. */
long helper_str(struct userbpf_call *call, uint64_t ptr, uint64_t max, const char *helper);
/*
 * Copy len bytes from a program-supplied address without ever faulting (the kernel's
 * copy_from_kernel_nofault): in checked mode the range must also be the program's memory.
 * Returns 0 or -EFAULT. The _str form copies up to max - 1 bytes and a NUL, returning the
 * length without the NUL or -EFAULT.
 */
int helper_read_safe(struct userbpf_call *call, void *dst, uint64_t src, uint64_t len);
long helper_read_str_safe(struct userbpf_call *call, char *dst, uint64_t src, uint64_t max);
/* Abort with a message formatted as "helper: ..." and return 0 (for the helper to return). */
uint64_t helper_abort(struct userbpf_call *call, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Format like the kernel's bpf_trace_printk / bpf_snprintf (its bpf_bprintf_prepare rules:
 * %d %i %u %x %X %c %s %%, the l and ll modifiers, [-+ 0] flags and a width, %p %pK %px %pB,
 * %pi4 %pI4 %pi6 %pI6, %pks %pus) with args[0..nargs) into out (always NUL-terminated if
 * outsz > 0). Returns the full formatted length (without the NUL) or -EINVAL for a bad format
 * or argument count mismatch; strings are read through the run's memory checks.
 */
long helper_format(struct userbpf_call *call, const char *fmt, uint64_t fmt_size,
		   const uint64_t *args, uint32_t nargs, char *out, uint64_t outsz);

/* Implementations (one file per family). */
uint64_t helper_map_lookup_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_map_update_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_map_lookup_percpu_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				       struct userbpf_call *);
uint64_t helper_map_delete_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_map_push_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			      struct userbpf_call *);
uint64_t helper_map_pop_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			     struct userbpf_call *);
uint64_t helper_map_peek_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			      struct userbpf_call *);
uint64_t helper_tail_call(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			  struct userbpf_call *);
uint64_t helper_for_each_map_elem(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				  struct userbpf_call *);
uint64_t helper_spin_lock(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			  struct userbpf_call *);
uint64_t helper_spin_unlock(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			    struct userbpf_call *);
uint64_t helper_ringbuf_output(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			       struct userbpf_call *);
uint64_t helper_ringbuf_reserve(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_ringbuf_submit(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			       struct userbpf_call *);
uint64_t helper_ringbuf_discard(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_ringbuf_query(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			      struct userbpf_call *);
uint64_t helper_perf_event_output(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				  struct userbpf_call *);
uint64_t helper_trace_printk(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			     struct userbpf_call *);
uint64_t helper_trace_vprintk(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			      struct userbpf_call *);
uint64_t helper_snprintf(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			 struct userbpf_call *);
uint64_t helper_ktime_get_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			     struct userbpf_call *);
uint64_t helper_ktime_get_boot_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				  struct userbpf_call *);
uint64_t helper_ktime_get_coarse_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				    struct userbpf_call *);
uint64_t helper_ktime_get_tai_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				 struct userbpf_call *);
uint64_t helper_get_prandom_u32(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_get_smp_processor_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				     struct userbpf_call *);
uint64_t helper_get_numa_node_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				 struct userbpf_call *);
uint64_t helper_get_current_pid_tgid(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				     struct userbpf_call *);
uint64_t helper_get_current_uid_gid(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				    struct userbpf_call *);
uint64_t helper_get_current_comm(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				 struct userbpf_call *);
uint64_t helper_strtol(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, struct userbpf_call *);
uint64_t helper_strtoul(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			struct userbpf_call *);
uint64_t helper_strncmp(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			struct userbpf_call *);
uint64_t helper_loop(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, struct userbpf_call *);
uint64_t helper_csum_diff(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			  struct userbpf_call *);
uint64_t helper_probe_read(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			   struct userbpf_call *);
uint64_t helper_skb_load_bytes(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			       struct userbpf_call *);
uint64_t helper_skb_store_bytes(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_l3_csum_replace(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_l4_csum_replace(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_xdp_adjust_head(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_xdp_adjust_tail(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct userbpf_call *);
uint64_t helper_probe_read_str(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
			       struct userbpf_call *);

#endif
