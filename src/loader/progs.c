/* SPDX-License-Identifier: MIT */
/*
 * progs.c - programs of an object: the SEC() names libbpf knows and the program type each
 * means, and the split of every executable section (but .text, which holds subprograms) into
 * one program per global FUNC symbol.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define C "elf"
/* Newer than the 6.1 UAPI headers Debian 12 ships. */
#define PROG_TYPE_NETFILTER 32

/*
 * A section name matches an entry when it equals the entry or continues it with '/' (so "xdp"
 * takes "xdp" and "xdp/devmap"; "kprobe" takes "kprobe/do_sys_open"), as libbpf's SEC()
 * rules do. The table is searched in order; dotted variants come before their base names.
 */
static const struct {
	const char *sec;
	uint32_t type;
} sec_types[] = {
	{"socket", BPF_PROG_TYPE_SOCKET_FILTER},
	{"sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT},
	{"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT},
	{"kprobe.multi", BPF_PROG_TYPE_KPROBE},
	{"kretprobe.multi", BPF_PROG_TYPE_KPROBE},
	{"uprobe.multi", BPF_PROG_TYPE_KPROBE},
	{"uretprobe.multi", BPF_PROG_TYPE_KPROBE},
	{"uprobe.s", BPF_PROG_TYPE_KPROBE},
	{"uretprobe.s", BPF_PROG_TYPE_KPROBE},
	{"kprobe", BPF_PROG_TYPE_KPROBE},
	{"kretprobe", BPF_PROG_TYPE_KPROBE},
	{"uprobe", BPF_PROG_TYPE_KPROBE},
	{"uretprobe", BPF_PROG_TYPE_KPROBE},
	{"ksyscall", BPF_PROG_TYPE_KPROBE},
	{"kretsyscall", BPF_PROG_TYPE_KPROBE},
	{"usdt", BPF_PROG_TYPE_KPROBE},
	{"tc/ingress", BPF_PROG_TYPE_SCHED_CLS},
	{"tc/egress", BPF_PROG_TYPE_SCHED_CLS},
	{"tcx/ingress", BPF_PROG_TYPE_SCHED_CLS},
	{"tcx/egress", BPF_PROG_TYPE_SCHED_CLS},
	{"tc", BPF_PROG_TYPE_SCHED_CLS},
	{"classifier", BPF_PROG_TYPE_SCHED_CLS},
	{"action", BPF_PROG_TYPE_SCHED_ACT},
	{"tracepoint", BPF_PROG_TYPE_TRACEPOINT},
	{"tp", BPF_PROG_TYPE_TRACEPOINT},
	{"raw_tracepoint.w", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE},
	{"raw_tp.w", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE},
	{"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT},
	{"raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT},
	{"tp_btf", BPF_PROG_TYPE_TRACING},
	{"fentry.s", BPF_PROG_TYPE_TRACING},
	{"fmod_ret.s", BPF_PROG_TYPE_TRACING},
	{"fexit.s", BPF_PROG_TYPE_TRACING},
	{"fentry", BPF_PROG_TYPE_TRACING},
	{"fmod_ret", BPF_PROG_TYPE_TRACING},
	{"fexit", BPF_PROG_TYPE_TRACING},
	{"iter.s", BPF_PROG_TYPE_TRACING},
	{"iter", BPF_PROG_TYPE_TRACING},
	{"freplace", BPF_PROG_TYPE_EXT},
	{"lsm.s", BPF_PROG_TYPE_LSM},
	{"lsm_cgroup", BPF_PROG_TYPE_LSM},
	{"lsm", BPF_PROG_TYPE_LSM},
	{"xdp.frags/devmap", BPF_PROG_TYPE_XDP},
	{"xdp.frags/cpumap", BPF_PROG_TYPE_XDP},
	{"xdp.frags", BPF_PROG_TYPE_XDP},
	{"xdp", BPF_PROG_TYPE_XDP},
	{"perf_event", BPF_PROG_TYPE_PERF_EVENT},
	{"lwt_in", BPF_PROG_TYPE_LWT_IN},
	{"lwt_out", BPF_PROG_TYPE_LWT_OUT},
	{"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT},
	{"lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL},
	{"sockops", BPF_PROG_TYPE_SOCK_OPS},
	{"sk_skb", BPF_PROG_TYPE_SK_SKB},
	{"sk_msg", BPF_PROG_TYPE_SK_MSG},
	{"lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2},
	{"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR},
	{"cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup/sock_create", BPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/sock_release", BPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/post_bind4", BPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/post_bind6", BPF_PROG_TYPE_CGROUP_SOCK},
	{"cgroup/dev", BPF_PROG_TYPE_CGROUP_DEVICE},
	{"cgroup/sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL},
	{"cgroup/getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT},
	{"cgroup/setsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT},
	{"cgroup", BPF_PROG_TYPE_CGROUP_SOCK_ADDR},
	{"struct_ops.s", BPF_PROG_TYPE_STRUCT_OPS},
	{"struct_ops", BPF_PROG_TYPE_STRUCT_OPS},
	{"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP},
	{"syscall", BPF_PROG_TYPE_SYSCALL},
	{"netfilter", PROG_TYPE_NETFILTER},
	{"userbpf", USERBPF_PROG_TYPE_RAW},
};

static const char *const type_names[] = {
	[BPF_PROG_TYPE_UNSPEC] = "unspec",
	[BPF_PROG_TYPE_SOCKET_FILTER] = "socket_filter",
	[BPF_PROG_TYPE_KPROBE] = "kprobe",
	[BPF_PROG_TYPE_SCHED_CLS] = "sched_cls",
	[BPF_PROG_TYPE_SCHED_ACT] = "sched_act",
	[BPF_PROG_TYPE_TRACEPOINT] = "tracepoint",
	[BPF_PROG_TYPE_XDP] = "xdp",
	[BPF_PROG_TYPE_PERF_EVENT] = "perf_event",
	[BPF_PROG_TYPE_CGROUP_SKB] = "cgroup_skb",
	[BPF_PROG_TYPE_CGROUP_SOCK] = "cgroup_sock",
	[BPF_PROG_TYPE_LWT_IN] = "lwt_in",
	[BPF_PROG_TYPE_LWT_OUT] = "lwt_out",
	[BPF_PROG_TYPE_LWT_XMIT] = "lwt_xmit",
	[BPF_PROG_TYPE_SOCK_OPS] = "sock_ops",
	[BPF_PROG_TYPE_SK_SKB] = "sk_skb",
	[BPF_PROG_TYPE_CGROUP_DEVICE] = "cgroup_device",
	[BPF_PROG_TYPE_SK_MSG] = "sk_msg",
	[BPF_PROG_TYPE_RAW_TRACEPOINT] = "raw_tracepoint",
	[BPF_PROG_TYPE_CGROUP_SOCK_ADDR] = "cgroup_sock_addr",
	[BPF_PROG_TYPE_LWT_SEG6LOCAL] = "lwt_seg6local",
	[BPF_PROG_TYPE_LIRC_MODE2] = "lirc_mode2",
	[BPF_PROG_TYPE_SK_REUSEPORT] = "sk_reuseport",
	[BPF_PROG_TYPE_FLOW_DISSECTOR] = "flow_dissector",
	[BPF_PROG_TYPE_CGROUP_SYSCTL] = "cgroup_sysctl",
	[BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE] = "raw_tracepoint_writable",
	[BPF_PROG_TYPE_CGROUP_SOCKOPT] = "cgroup_sockopt",
	[BPF_PROG_TYPE_TRACING] = "tracing",
	[BPF_PROG_TYPE_STRUCT_OPS] = "struct_ops",
	[BPF_PROG_TYPE_EXT] = "ext",
	[BPF_PROG_TYPE_LSM] = "lsm",
	[BPF_PROG_TYPE_SK_LOOKUP] = "sk_lookup",
	[BPF_PROG_TYPE_SYSCALL] = "syscall",
	[PROG_TYPE_NETFILTER] = "netfilter",
};

bool progs_type_of(const char *sec, uint32_t *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(sec_types); i++) {
		size_t len = strlen(sec_types[i].sec);

		if (strncmp(sec, sec_types[i].sec, len) == 0 && (sec[len] == 0 || sec[len] == '/')) {
			*type = sec_types[i].type;
			return true;
		}
	}
	*type = BPF_PROG_TYPE_UNSPEC;
	return false;
}

const char *progs_type_name(uint32_t type)
{
	if (type == USERBPF_PROG_TYPE_RAW)
		return "userbpf_raw";
	if (type < ARRAY_SIZE(type_names) && type_names[type])
		return type_names[type];
	return "unknown";
}

static int add_prog(struct userbpf_object *obj, uint32_t sec, const char *name, uint64_t off,
		    uint64_t size, struct userbpf_error *err)
{
	const struct obj_sec *s = &obj->secs[sec];
	struct userbpf_object_prog *p, *grown;

	if (off % sizeof(struct bpf_insn) || size % sizeof(struct bpf_insn) || size == 0 ||
	    off > s->size || size > s->size - off)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (%s) offset 0x%llx: function '%s' of size %llu is not "
			       "whole instructions inside the section (size %zu)",
			       sec, s->name, (unsigned long long)off, name,
			       (unsigned long long)size, s->size);
	if (size / sizeof(struct bpf_insn) > UINT32_MAX / 2)
		return err_set(err, -E2BIG, C, -1, "section %u (%s): function '%s' is too large",
			       sec, s->name, name);
	grown = realloc(obj->progs, (obj->nprogs + 1) * sizeof(*obj->progs));
	if (!grown)
		return err_set(err, -ENOMEM, C, -1, "out of memory");
	obj->progs = grown;
	p = &obj->progs[obj->nprogs];
	memset(p, 0, sizeof(*p));
	p->obj = obj;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->section = s->name;
	p->sec_idx = sec;
	p->sec_insn = (uint32_t)(off / sizeof(struct bpf_insn));
	p->own_insns = (uint32_t)(size / sizeof(struct bpf_insn));
	p->autoload = true;
	progs_type_of(s->name, &p->type);
	for (uint32_t i = 0; i < obj->nprogs; i++)
		if (strcmp(obj->progs[i].name, p->name) == 0)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (%s) offset 0x%llx: a second program named '%s'",
				       sec, s->name, (unsigned long long)off, p->name);
	obj->nprogs++;
	return 0;
}

int progs_collect(struct userbpf_object *obj, struct userbpf_error *err)
{
	int ret;

	for (uint32_t sec = 1; sec < obj->nsecs; sec++) {
		const struct obj_sec *s = &obj->secs[sec];
		bool any = false;

		if (!elf_sec_is_prog(s) || sec == obj->text_sec || s->size == 0)
			continue;
		for (size_t i = 0; i < obj->nsyms; i++) {
			const GElf_Sym *sym = &obj->syms[i].sym;
			int bind = GELF_ST_BIND(sym->st_info);

			if (sym->st_shndx != sec || GELF_ST_TYPE(sym->st_info) != STT_FUNC)
				continue;
			any = true;
			if (bind != STB_GLOBAL && bind != STB_WEAK)
				continue; /* a static function here is a subprogram */
			ret = add_prog(obj, sec, obj->syms[i].name, sym->st_value, sym->st_size, err);
			if (ret < 0)
				return ret;
		}
		/* Hand-written objects may have no symbols: the section is one program. */
		if (!any && (ret = add_prog(obj, sec, s->name, 0, s->size, err)) < 0)
			return ret;
	}
	return 0;
}
