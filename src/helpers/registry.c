/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the table of helper prototypes (kernel ids, names, argument and return kinds),
 * registering the implemented ones in an environment, and the run-time argument checks every
 * implementation uses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "maps/maps.h"
#include "vm/vm.h"

#define A(x) HELPER_ARG_##x
#define P(ID, NAME, RET, FN, FLAGS, ...)                                                        \
	{ .id = BPF_FUNC_##ID, .name = NAME, .ret = HELPER_RET_##RET, .args = {__VA_ARGS__},    \
	  .flags = FLAGS, .fn = FN }

/* Sorted by id. */
static const struct helper_proto protos[] = {
	P(map_lookup_elem, "map_lookup_elem", PTR_TO_MAP_VALUE_OR_NULL, helper_map_lookup_elem, 0,
	  A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY)),
	P(map_update_elem, "map_update_elem", INTEGER, helper_map_update_elem, 0,
	  A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(ANYTHING)),
	P(map_delete_elem, "map_delete_elem", INTEGER, helper_map_delete_elem, 0,
	  A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY)),
	P(probe_read, "probe_read", INTEGER, helper_probe_read, HELPER_F_GPL,
	  A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(ktime_get_ns, "ktime_get_ns", INTEGER, helper_ktime_get_ns, 0, 0),
	P(trace_printk, "trace_printk", INTEGER, helper_trace_printk, HELPER_F_GPL,
	  A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(ANYTHING), A(ANYTHING)),
	P(get_prandom_u32, "get_prandom_u32", INTEGER, helper_get_prandom_u32, 0, 0),
	P(get_smp_processor_id, "get_smp_processor_id", INTEGER, helper_get_smp_processor_id, 0, 0),
	P(skb_store_bytes, "skb_store_bytes", INTEGER, helper_skb_store_bytes, HELPER_F_PKT_CHANGED,
	  A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING)),
	P(l3_csum_replace, "l3_csum_replace", INTEGER, helper_l3_csum_replace, HELPER_F_PKT_CHANGED,
	  A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING)),
	P(l4_csum_replace, "l4_csum_replace", INTEGER, helper_l4_csum_replace, HELPER_F_PKT_CHANGED,
	  A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING)),
	P(tail_call, "tail_call", VOID, helper_tail_call, 0,
	  A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING)),
	P(get_current_pid_tgid, "get_current_pid_tgid", INTEGER, helper_get_current_pid_tgid, 0, 0),
	P(get_current_uid_gid, "get_current_uid_gid", INTEGER, helper_get_current_uid_gid, 0, 0),
	P(get_current_comm, "get_current_comm", INTEGER, helper_get_current_comm, 0,
	  A(PTR_TO_UNINIT_MEM), A(CONST_SIZE)),
	P(perf_event_output, "perf_event_output", INTEGER, helper_perf_event_output, 0,
	  A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO)),
	P(skb_load_bytes, "skb_load_bytes", INTEGER, helper_skb_load_bytes, 0,
	  A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE)),
	P(csum_diff, "csum_diff", INTEGER, helper_csum_diff, 0,
	  A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(PTR_TO_MEM_OR_NULL),
	  A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(get_numa_node_id, "get_numa_node_id", INTEGER, helper_get_numa_node_id, 0, 0),
	P(xdp_adjust_head, "xdp_adjust_head", INTEGER, helper_xdp_adjust_head, HELPER_F_PKT_CHANGED,
	  A(PTR_TO_CTX), A(ANYTHING)),
	P(probe_read_str, "probe_read_str", INTEGER, helper_probe_read_str, HELPER_F_GPL,
	  A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(xdp_adjust_tail, "xdp_adjust_tail", INTEGER, helper_xdp_adjust_tail, HELPER_F_PKT_CHANGED,
	  A(PTR_TO_CTX), A(ANYTHING)),
	P(map_push_elem, "map_push_elem", INTEGER, helper_map_push_elem, 0,
	  A(CONST_MAP_PTR), A(PTR_TO_MAP_VALUE), A(ANYTHING)),
	P(map_pop_elem, "map_pop_elem", INTEGER, helper_map_pop_elem, 0,
	  A(CONST_MAP_PTR), A(PTR_TO_UNINIT_MAP_VALUE)),
	P(map_peek_elem, "map_peek_elem", INTEGER, helper_map_peek_elem, 0,
	  A(CONST_MAP_PTR), A(PTR_TO_UNINIT_MAP_VALUE)),
	P(spin_lock, "spin_lock", VOID, helper_spin_lock, 0, A(PTR_TO_SPIN_LOCK)),
	P(spin_unlock, "spin_unlock", VOID, helper_spin_unlock, 0, A(PTR_TO_SPIN_LOCK)),
	P(strtol, "strtol", INTEGER, helper_strtol, 0,
	  A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG)),
	P(strtoul, "strtoul", INTEGER, helper_strtoul, 0,
	  A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG)),
	P(probe_read_user, "probe_read_user", INTEGER, helper_probe_read, 0,
	  A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(probe_read_kernel, "probe_read_kernel", INTEGER, helper_probe_read, HELPER_F_GPL,
	  A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(probe_read_user_str, "probe_read_user_str", INTEGER, helper_probe_read_str, 0,
	  A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(probe_read_kernel_str, "probe_read_kernel_str", INTEGER, helper_probe_read_str,
	  HELPER_F_GPL, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(ktime_get_boot_ns, "ktime_get_boot_ns", INTEGER, helper_ktime_get_boot_ns, 0, 0),
	P(ringbuf_output, "ringbuf_output", INTEGER, helper_ringbuf_output, 0,
	  A(CONST_MAP_PTR), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	P(ringbuf_reserve, "ringbuf_reserve", PTR_TO_ALLOC_MEM_OR_NULL, helper_ringbuf_reserve, 0,
	  A(CONST_MAP_PTR), A(CONST_ALLOC_SIZE_OR_ZERO), A(ANYTHING)),
	P(ringbuf_submit, "ringbuf_submit", VOID, helper_ringbuf_submit, 0,
	  A(PTR_TO_ALLOC_MEM), A(ANYTHING)),
	P(ringbuf_discard, "ringbuf_discard", VOID, helper_ringbuf_discard, 0,
	  A(PTR_TO_ALLOC_MEM), A(ANYTHING)),
	P(ringbuf_query, "ringbuf_query", INTEGER, helper_ringbuf_query, 0,
	  A(CONST_MAP_PTR), A(ANYTHING)),
	P(ktime_get_coarse_ns, "ktime_get_coarse_ns", INTEGER, helper_ktime_get_coarse_ns, 0, 0),
	P(for_each_map_elem, "for_each_map_elem", INTEGER, helper_for_each_map_elem,
	  HELPER_F_CALLBACK, A(CONST_MAP_PTR), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL),
	  A(ANYTHING)),
	P(snprintf, "snprintf", INTEGER, helper_snprintf, 0,
	  A(PTR_TO_UNINIT_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(PTR_TO_CONST_STR),
	  A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO)),
	P(trace_vprintk, "trace_vprintk", INTEGER, helper_trace_vprintk, HELPER_F_GPL,
	  A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO)),
	P(loop, "loop", INTEGER, helper_loop, HELPER_F_CALLBACK,
	  A(ANYTHING), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING)),
	P(strncmp, "strncmp", INTEGER, helper_strncmp, 0,
	  A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_CONST_STR)),
	P(map_lookup_percpu_elem, "map_lookup_percpu_elem", PTR_TO_MAP_VALUE_OR_NULL,
	  helper_map_lookup_percpu_elem, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING)),
	P(ktime_get_tai_ns, "ktime_get_tai_ns", INTEGER, helper_ktime_get_tai_ns, 0, 0),
};

const struct helper_proto *helper_proto(uint32_t id)
{
	/* Binary search: the table is sorted by id (test_helpers checks it). */
	size_t lo = 0, hi = ARRAY_SIZE(protos);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (protos[mid].id == id)
			return &protos[mid];
		if (protos[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct helper_proto *helper_protos(uint32_t *count)
{
	if (count)
		*count = (uint32_t)ARRAY_SIZE(protos);
	return protos;
}

int userbpf_env_register_std_helpers(struct userbpf_env *env, struct userbpf_error *err)
{
	if (!env)
		return err_set(err, -EINVAL, "helpers", -1, "register std helpers: env is NULL");
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		char name[VM_HELPER_NAME_MAX];
		int ret;

		if (!protos[i].fn)
			continue;
		/* The kernel's func names carry the bpf_ prefix (bpf_map_lookup_elem). */
		snprintf(name, sizeof(name), "bpf_%s", protos[i].name);
		ret = userbpf_env_register_helper(env, protos[i].id, name, protos[i].fn, err);
		if (ret)
			return ret;
	}
	return 0;
}

void userbpf_env_set_log(struct userbpf_env *env, userbpf_log_fn fn, void *ctx)
{
	if (!env)
		return;
	env->log_fn = fn;
	env->log_ctx = ctx;
}

/* The public kinds are the internal ones, numbered alike. */
_Static_assert((int)USERBPF_ARG_CONST_MAP_PTR == HELPER_ARG_CONST_MAP_PTR &&
		       (int)USERBPF_ARG_PTR_TO_MAP_KEY == HELPER_ARG_PTR_TO_MAP_KEY &&
		       (int)USERBPF_ARG_PTR_TO_MAP_VALUE == HELPER_ARG_PTR_TO_MAP_VALUE &&
		       (int)USERBPF_ARG_PTR_TO_MEM == HELPER_ARG_PTR_TO_MEM &&
		       (int)USERBPF_ARG_PTR_TO_MEM_OR_NULL == HELPER_ARG_PTR_TO_MEM_OR_NULL &&
		       (int)USERBPF_ARG_PTR_TO_UNINIT_MEM == HELPER_ARG_PTR_TO_UNINIT_MEM &&
		       (int)USERBPF_ARG_CONST_SIZE == HELPER_ARG_CONST_SIZE &&
		       (int)USERBPF_ARG_CONST_SIZE_OR_ZERO == HELPER_ARG_CONST_SIZE_OR_ZERO &&
		       (int)USERBPF_ARG_PTR_TO_CTX == HELPER_ARG_PTR_TO_CTX &&
		       (int)USERBPF_ARG_ANYTHING == HELPER_ARG_ANYTHING &&
		       (int)USERBPF_RET_VOID == HELPER_RET_VOID &&
		       (int)USERBPF_RET_PTR_TO_MAP_VALUE_OR_NULL == HELPER_RET_PTR_TO_MAP_VALUE_OR_NULL,
	       "public helper kinds must match enum helper_arg / helper_ret");

static bool public_arg_ok(int a)
{
	return a == USERBPF_ARG_NONE || a == USERBPF_ARG_ANYTHING || a == USERBPF_ARG_CONST_MAP_PTR ||
	       a == USERBPF_ARG_PTR_TO_MAP_KEY || a == USERBPF_ARG_PTR_TO_MAP_VALUE ||
	       a == USERBPF_ARG_PTR_TO_MEM || a == USERBPF_ARG_PTR_TO_MEM_OR_NULL ||
	       a == USERBPF_ARG_PTR_TO_UNINIT_MEM || a == USERBPF_ARG_CONST_SIZE ||
	       a == USERBPF_ARG_CONST_SIZE_OR_ZERO || a == USERBPF_ARG_PTR_TO_CTX;
}

int userbpf_env_register_helper_proto(struct userbpf_env *env, uint32_t id, const char *name,
				      userbpf_helper_fn fn, const struct userbpf_helper_proto *proto,
				      struct userbpf_error *err)
{
	bool after_mem = false, map = false;
	int ret;

	if (!proto || proto->sz < sizeof(*proto))
		return err_set(err, -EINVAL, "helpers", -1,
			       "register helper #%u: the prototype is missing or too small", id);
	if ((int)proto->ret < 0 || proto->ret > USERBPF_RET_PTR_TO_MAP_VALUE_OR_NULL)
		return err_set(err, -EINVAL, "helpers", -1, "register helper #%u: return kind %d",
			       id, (int)proto->ret);
	/* The rules the verifier relies on: sizes follow memory, keys/values follow a map. */
	for (int i = 0; i < 5; i++) {
		int a = (int)proto->args[i];
		bool is_size = a == USERBPF_ARG_CONST_SIZE || a == USERBPF_ARG_CONST_SIZE_OR_ZERO;

		if (!public_arg_ok(a) || (is_size && !after_mem) ||
		    ((a == USERBPF_ARG_PTR_TO_MAP_KEY || a == USERBPF_ARG_PTR_TO_MAP_VALUE) && !map))
			return err_set(err, -EINVAL, "helpers", -1,
				       "register helper #%u: argument %d: kind %d is invalid here", id,
				       i + 1, a);
		if (after_mem && !is_size)
			return err_set(err, -EINVAL, "helpers", -1,
				       "register helper #%u: argument %d must be the size of argument %d",
				       id, i + 1, i);
		after_mem = a == USERBPF_ARG_PTR_TO_MEM || a == USERBPF_ARG_PTR_TO_MEM_OR_NULL ||
			    a == USERBPF_ARG_PTR_TO_UNINIT_MEM;
		map |= a == USERBPF_ARG_CONST_MAP_PTR;
	}
	if (after_mem)
		return err_set(err, -EINVAL, "helpers", -1,
			       "register helper #%u: the last memory argument has no size", id);
	if (proto->ret == USERBPF_RET_PTR_TO_MAP_VALUE_OR_NULL && !map)
		return err_set(err, -EINVAL, "helpers", -1,
			       "register helper #%u: returns a map value but takes no map", id);
	ret = userbpf_env_register_helper(env, id, name, fn, err);
	if (ret)
		return ret;
	env->helpers[id].has_proto = true;
	env->helpers[id].proto_ret = (uint8_t)proto->ret;
	for (int i = 0; i < 5; i++)
		env->helpers[id].proto_args[i] = (uint8_t)proto->args[i];
	return 0;
}

const struct helper_proto *helper_env_proto(const struct userbpf_env *env, uint32_t id,
					    struct helper_proto *tmp)
{
	const struct vm_helper *h;

	if (!env || id >= env->nhelpers || !env->helpers[id].fn)
		return NULL;
	h = &env->helpers[id];
	if (!h->has_proto)
		return helper_proto(id);
	memset(tmp, 0, sizeof(*tmp));
	tmp->id = id;
	tmp->name = h->name;
	tmp->ret = (enum helper_ret)h->proto_ret;
	for (int i = 0; i < 5; i++)
		tmp->args[i] = (enum helper_arg)h->proto_args[i];
	tmp->fn = h->fn;
	return tmp;
}

/* ---- run-time checks ---- */

uint64_t helper_abort(struct userbpf_call *call, int code, const char *fmt, ...)
{
	char msg[USERBPF_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	userbpf_call_abort(call, code, msg);
	return 0;
}

struct userbpf_map *helper_map(struct userbpf_call *call, uint64_t r, const char *helper)
{
	/*
	 * Unchecked runs are verified programs (the verifier proved r is one of the program's
	 * maps) or trusted ones (the host vouched for them); a checked run proves it here.
	 */
	if (call->checked && !maps_prog_has(call->prog, r)) {
		helper_abort(call, -EFAULT, "%s: 0x%llx is not a map of this program", helper,
			     (unsigned long long)r);
		return NULL;
	}
	return (struct userbpf_map *)(uintptr_t)r;
}

bool helper_mem(struct userbpf_call *call, uint64_t ptr, uint64_t len, bool write,
		const char *helper, const char *what)
{
	if (len == 0 || userbpf_call_mem_ok(call, ptr, len, write))
		return true;
	helper_abort(call, -EFAULT, "%s: %s [0x%llx, +%llu) is not %s memory of the program",
		     helper, what, (unsigned long long)ptr, (unsigned long long)len,
		     write ? "writable" : "readable");
	return false;
}

long helper_str(struct userbpf_call *call, uint64_t ptr, uint64_t max, const char *helper)
{
	for (uint64_t n = 0; n < max; n++) {
		if (!userbpf_call_mem_ok(call, ptr + n, 1, false)) {
			helper_abort(call, -EFAULT, "%s: string at 0x%llx runs out of the program's "
				     "memory", helper, (unsigned long long)ptr);
			return -1;
		}
		if (*(const char *)(uintptr_t)(ptr + n) == 0)
			return (long)n;
	}
	return -1;
}
