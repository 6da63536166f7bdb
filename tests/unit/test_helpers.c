/* SPDX-License-Identifier: MIT */
/*
 * test_helpers.c - the helper registry and the standard helpers, mostly through real programs
 * run in checked mode (unverified) and unchecked mode (trusted): map access, forged map and
 * memory pointers refused, map-value memory and BPF_F_RDONLY_PROG in checked mode, queues,
 * ring buffers, perf output, trace_printk to a log callback, bpf_loop and for_each_map_elem
 * callbacks, tail calls (the 33-call limit, run-time slot updates, empty slots), and direct
 * calls for the string, checksum and process helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "hooks/ctx.h"
#include "maps/maps.h"
#include "test.h"
#include "vm/vm.h"

#define I(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (uint8_t)(c), .dst_reg = (d), .src_reg = (s), .off = (int16_t)(o), \
			   .imm = (int32_t)(i)})
#define MOV_K(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_X(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU_K(op, d, i) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU_X(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define JMP_K(op, d, i, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define LDX(sz, d, s, o) I(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define ST(sz, d, o, i) I(BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define STX(sz, d, s, o) I(BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ATOM(sz, d, s, o, op) I(BPF_STX | (sz) | BPF_ATOMIC, d, s, o, op)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define LD_MAP(d, idx) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_IDX, 0, idx), I(0, 0, 0, 0, 0)
#define LD_MAP_VALUE(d, idx, off)                                                               \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_IDX_VALUE, 0, idx), I(0, 0, 0, 0, off)
#define LD_FUNC(d, rel) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, rel), I(0, 0, 0, 0, 0)
#define N(p) (sizeof(p) / sizeof((p)[0]))
#define LDDW_CURRENT_CPU I(BPF_LD | BPF_DW | BPF_IMM, 3, 0, 0, -1), I(0, 0, 0, 0, 0)
#define FMT(s) (s), sizeof(s)

static struct userbpf_env *env;
static struct userbpf_error err;
static enum userbpf_backend backend = USERBPF_BACKEND_INTERP;
/* Options for the back end under test. */
static struct userbpf_run_opts be_opts = {.sz = sizeof(struct userbpf_run_opts)};

static struct userbpf_prog *load(const struct bpf_insn *p, size_t n, struct userbpf_map **maps,
				 size_t nmaps, bool trusted)
{
	USERBPF_OPTS(userbpf_prog_opts, o, .unsafe_trusted = trusted, .maps = maps, .nmaps = nmaps);
	struct userbpf_prog *prog = userbpf_prog_load(env, p, n * sizeof(*p), &o, &err);

	if (!prog)
		fprintf(stderr, "load failed: %s\n", err.message);
	return prog;
}

/* Load and run in one mode; the result code, R0 in *r0. */
static int run(const struct bpf_insn *p, size_t n, struct userbpf_map **maps, size_t nmaps,
	       bool trusted, uint64_t *r0)
{
	struct userbpf_prog *prog = load(p, n, maps, nmaps, trusted);
	uint8_t mem[16] = {0};
	int ret;

	if (!prog)
		return err.code;
	{
	USERBPF_OPTS(userbpf_run_opts, o, .backend = backend);

	memset(&err, 0, sizeof(err));
	ret = userbpf_prog_run(prog, mem, sizeof(mem), &o, r0, &err);
	}
	userbpf_prog_free(prog);
	return ret;
}

static struct userbpf_map *mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	USERBPF_OPTS(userbpf_map_opts, o, .map_flags = flags);
	return userbpf_map_create(type, ks, vs, max, &o, &err);
}

static void test_registry(void)
{
	uint32_t n;
	const struct helper_proto *p = helper_protos(&n);
	int sorted = 1;

	for (uint32_t i = 1; i < n; i++)
		sorted &= p[i - 1].id < p[i].id;
	CHECK(sorted);
	CHECK(n >= 40);
	CHECK(helper_proto(BPF_FUNC_map_lookup_elem)->ret == HELPER_RET_PTR_TO_MAP_VALUE_OR_NULL);
	CHECK(helper_proto(BPF_FUNC_map_update_elem)->args[2] == HELPER_ARG_PTR_TO_MAP_VALUE);
	CHECK(helper_proto(BPF_FUNC_loop)->args[1] == HELPER_ARG_PTR_TO_FUNC);
	CHECK(helper_proto(BPF_FUNC_xdp_adjust_head)->flags & HELPER_F_PKT_CHANGED);
	CHECK(helper_proto(BPF_FUNC_xdp_adjust_head)->fn == helper_xdp_adjust_head);
	CHECK(helper_proto(9999) == NULL);
	CHECK_STR(userbpf_env_helper_name(env, BPF_FUNC_map_lookup_elem), "bpf_map_lookup_elem");
	CHECK_STR(userbpf_env_helper_name(env, BPF_FUNC_ringbuf_reserve), "bpf_ringbuf_reserve");
	CHECK_STR(userbpf_env_helper_name(env, BPF_FUNC_skb_load_bytes), "bpf_skb_load_bytes");
	CHECK(userbpf_env_register_std_helpers(NULL, &err) == -EINVAL);

	/* host helpers with prototypes */
	{
		struct helper_proto tmp;
		const struct helper_proto *hp;
		struct userbpf_helper_proto ok = {sizeof(ok), USERBPF_RET_INTEGER,
			{USERBPF_ARG_PTR_TO_CTX, USERBPF_ARG_PTR_TO_MEM, USERBPF_ARG_CONST_SIZE}};
		struct userbpf_helper_proto size_first = {sizeof(ok), USERBPF_RET_INTEGER,
			{USERBPF_ARG_CONST_SIZE}};
		struct userbpf_helper_proto no_size = {sizeof(ok), USERBPF_RET_INTEGER,
			{USERBPF_ARG_PTR_TO_UNINIT_MEM, USERBPF_ARG_ANYTHING}};
		struct userbpf_helper_proto no_map = {sizeof(ok), USERBPF_RET_PTR_TO_MAP_VALUE_OR_NULL,
			{USERBPF_ARG_ANYTHING}};
		struct userbpf_helper_proto key_no_map = {sizeof(ok), USERBPF_RET_INTEGER,
			{USERBPF_ARG_PTR_TO_MAP_KEY}};

		CHECK(userbpf_env_register_helper_proto(env, 1000, "host_fn", helper_ktime_get_ns,
							&ok, &err) == 0);
		hp = helper_env_proto(env, 1000, &tmp);
		CHECK(hp && hp->args[1] == HELPER_ARG_PTR_TO_MEM && hp->args[2] == HELPER_ARG_CONST_SIZE);
		CHECK_STR(hp ? hp->name : NULL, "host_fn");
		CHECK(userbpf_env_register_helper_proto(env, 1001, "f", helper_ktime_get_ns,
							&size_first, &err) == -EINVAL);
		CHECK(userbpf_env_register_helper_proto(env, 1001, "f", helper_ktime_get_ns,
							&no_size, &err) == -EINVAL);
		CHECK(userbpf_env_register_helper_proto(env, 1001, "f", helper_ktime_get_ns,
							&no_map, &err) == -EINVAL);
		CHECK(userbpf_env_register_helper_proto(env, 1001, "f", helper_ktime_get_ns,
							&key_no_map, &err) == -EINVAL);
		CHECK(userbpf_env_register_helper_proto(env, 1001, "f", helper_ktime_get_ns, NULL,
							&err) == -EINVAL);
		/* registered without a prototype: an unknown id has none, a kernel id the kernel's */
		CHECK(userbpf_env_register_helper(env, 1002, "g", helper_ktime_get_ns, &err) == 0);
		CHECK(helper_env_proto(env, 1002, &tmp) == NULL);
		CHECK(helper_env_proto(env, BPF_FUNC_loop, &tmp) == helper_proto(BPF_FUNC_loop));
		CHECK(helper_env_proto(env, 5000, &tmp) == NULL);
	}
}

/* Array counter: lookup key 0, atomically add 1, return the new count. */
static const struct bpf_insn counter[] = {
	ST(BPF_W, 10, -4, 0),
	MOV_X(2, 10),
	ALU_K(BPF_ADD, 2, -4),
	LD_MAP(1, 0),
	CALL(BPF_FUNC_map_lookup_elem),
	JMP_K(BPF_JEQ, 0, 0, 3),
	MOV_K(1, 1),
	ATOM(BPF_DW, 0, 1, 0, BPF_ADD),
	LDX(BPF_DW, 0, 0, 0),
	EXIT(),
};

static void test_map_programs(void)
{
	struct userbpf_map *a = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0);
	uint64_t r0 = 0, v = 0;
	uint32_t k = 0;

	CHECK(run(counter, N(counter), &a, 1, false, &r0) == 0 && r0 == 1);
	CHECK(run(counter, N(counter), &a, 1, true, &r0) == 0 && r0 == 2);
	CHECK(userbpf_map_lookup(a, &k, &v, 0, &err) == 0 && v == 2);
	/* without the map the lddw cannot be resolved */
	CHECK(run(counter, N(counter), NULL, 0, false, &r0) == -EINVAL);
	userbpf_map_free(a);

	/* freezing stops the host's writes only: the program still counts (as in the kernel) */
	a = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0);
	CHECK(userbpf_map_freeze(a, &err) == 0);
	CHECK(run(counter, N(counter), &a, 1, false, &r0) == 0 && r0 == 1);
	CHECK(userbpf_map_update(a, &k, &v, 0, &err) == -EPERM);
	userbpf_map_free(a);
	/* BPF_F_WRONLY_PROG: reading the value faults in checked mode */
	a = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_WRONLY_PROG);
	CHECK(run(counter, N(counter), &a, 1, false, &r0) == -EFAULT);
	userbpf_map_free(a);

	/* BPF_F_RDONLY_PROG: the atomic add into the value faults in checked mode */
	a = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_RDONLY_PROG);
	CHECK(run(counter, N(counter), &a, 1, false, &r0) == -EFAULT);
	userbpf_map_free(a);

	/* a forged map pointer and a key outside memory end a checked run with -EFAULT */
	{
		const struct bpf_insn forged[] = {
			ST(BPF_W, 10, -4, 0),  MOV_X(2, 10), ALU_K(BPF_ADD, 2, -4), MOV_K(1, 4096),
			CALL(BPF_FUNC_map_lookup_elem), EXIT(),
		};
		const struct bpf_insn badkey[] = {
			LD_MAP(1, 0), MOV_K(2, 64), CALL(BPF_FUNC_map_lookup_elem), EXIT(),
		};
		a = mk(BPF_MAP_TYPE_HASH, 4, 8, 2, 0);
		CHECK(run(forged, N(forged), &a, 1, false, &r0) == -EFAULT);
		CHECK(strstr(err.message, "not a map of this program") != NULL);
		/* (a trusted run skips the check: the host vouched for the program) */
		CHECK(run(badkey, N(badkey), &a, 1, false, &r0) == -EFAULT);
		CHECK(strstr(err.message, "key") != NULL);
		userbpf_map_free(a);
	}

	/* hash update / delete return codes as the kernel's */
	{
		const struct bpf_insn upd[] = {
			ST(BPF_W, 10, -4, 7),   ST(BPF_DW, 10, -16, 77),
			MOV_X(2, 10),           ALU_K(BPF_ADD, 2, -4),
			MOV_X(3, 10),           ALU_K(BPF_ADD, 3, -16),
			MOV_K(4, BPF_NOEXIST),  LD_MAP(1, 0),
			CALL(BPF_FUNC_map_update_elem), EXIT(),
		};
		const struct bpf_insn del[] = {
			ST(BPF_W, 10, -4, 7), MOV_X(2, 10), ALU_K(BPF_ADD, 2, -4), LD_MAP(1, 0),
			CALL(BPF_FUNC_map_delete_elem), EXIT(),
		};
		a = mk(BPF_MAP_TYPE_HASH, 4, 8, 2, 0);
		k = 7;
		CHECK(run(upd, N(upd), &a, 1, false, &r0) == 0 && r0 == 0);
		CHECK(run(upd, N(upd), &a, 1, false, &r0) == 0 && (int64_t)r0 == -EEXIST);
		CHECK(userbpf_map_lookup(a, &k, &v, 0, &err) == 0 && v == 77);
		CHECK(run(del, N(del), &a, 1, true, &r0) == 0 && r0 == 0);
		CHECK(run(del, N(del), &a, 1, true, &r0) == 0 && (int64_t)r0 == -ENOENT);
		userbpf_map_free(a);
		a = mk(BPF_MAP_TYPE_HASH, 4, 8, 2, BPF_F_RDONLY_PROG);
		CHECK(run(upd, N(upd), &a, 1, false, &r0) == 0 && (int64_t)r0 == -EPERM);
		userbpf_map_free(a);
	}

	/* map-in-map from a program: the inner map found through the outer one is accepted */
	{
		const struct bpf_insn p[] = {
			ST(BPF_W, 10, -4, 1), MOV_X(2, 10), ALU_K(BPF_ADD, 2, -4), LD_MAP(1, 0),
			CALL(BPF_FUNC_map_lookup_elem), JMP_K(BPF_JEQ, 0, 0, 6),
			MOV_X(1, 0), ST(BPF_W, 10, -4, 2), MOV_X(2, 10), ALU_K(BPF_ADD, 2, -4),
			CALL(BPF_FUNC_map_lookup_elem), JMP_K(BPF_JNE, 0, 0, 2),
			MOV_K(0, 0), EXIT(),
			LDX(BPF_DW, 0, 0, 0), EXIT(),
		};
		struct userbpf_map *tmpl = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
		struct userbpf_map *inner = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
		USERBPF_OPTS(userbpf_map_opts, o, .inner_map = tmpl);
		struct userbpf_map *outer =
			userbpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, &o, &err);

		v = 555;
		k = 2;
		CHECK(userbpf_map_update(inner, &k, &v, 0, &err) == 0);
		CHECK(run(p, N(p), &outer, 1, false, &r0) == 0 && r0 == 0); /* empty slot */
		k = 1;
		CHECK(userbpf_map_update_map(outer, &k, inner, 0, &err) == 0);
		CHECK(run(p, N(p), &outer, 1, false, &r0) == 0 && r0 == 555);
		CHECK(run(p, N(p), &outer, 1, true, &r0) == 0 && r0 == 555);
		userbpf_map_free(outer);
		userbpf_map_free(inner);
		userbpf_map_free(tmpl);
	}

	/* checked mode: reading past the end of a map's values faults */
	{
		const struct bpf_insn p[] = {
			ST(BPF_W, 10, -4, 1), MOV_X(2, 10), ALU_K(BPF_ADD, 2, -4), LD_MAP(1, 0),
			CALL(BPF_FUNC_map_lookup_elem), JMP_K(BPF_JEQ, 0, 0, 1),
			LDX(BPF_DW, 0, 0, 4096), EXIT(),
		};
		a = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0);
		CHECK(run(p, N(p), &a, 1, false, &r0) == -EFAULT);
		userbpf_map_free(a);
	}

	/* queue push then pop from a program */
	{
		const struct bpf_insn qp[] = {
			ST(BPF_DW, 10, -8, 31), MOV_X(2, 10), ALU_K(BPF_ADD, 2, -8), MOV_K(3, 0),
			LD_MAP(1, 0), CALL(BPF_FUNC_map_push_elem),
			ST(BPF_DW, 10, -8, 32), MOV_X(2, 10), ALU_K(BPF_ADD, 2, -8), MOV_K(3, 0),
			LD_MAP(1, 0), CALL(BPF_FUNC_map_push_elem),
			MOV_X(2, 10), ALU_K(BPF_ADD, 2, -8), LD_MAP(1, 0), CALL(BPF_FUNC_map_pop_elem),
			LDX(BPF_DW, 0, 10, -8), EXIT(),
		};
		a = mk(BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0);
		CHECK(run(qp, N(qp), &a, 1, false, &r0) == 0 && r0 == 31);
		CHECK(userbpf_map_lookup_and_delete(a, NULL, &v, 0, &err) == 0 && v == 32);
		userbpf_map_free(a);
	}
}

/* ---- ring buffer and perf output ---- */

static int rb_cb(void *ctx, void *data, size_t size)
{
	uint64_t *got = ctx, w[2];

	if (size != 16)
		return -1;
	memcpy(w, data, 16);
	*got += w[0] + w[1];
	return 0;
}

static void perf_cb(void *ctx, uint32_t cpu, const void *data, size_t size)
{
	uint64_t *got = ctx;

	*got = size == 8 ? *(const uint64_t *)data : 0;
}

static void test_ringbuf_perf(void)
{
	const struct bpf_insn p[] = {
		LD_MAP(1, 0),
		MOV_K(2, 16),
		MOV_K(3, 0),
		CALL(BPF_FUNC_ringbuf_reserve),
		JMP_K(BPF_JEQ, 0, 0, 6),
		ST(BPF_DW, 0, 0, 0x1234),
		ST(BPF_DW, 0, 8, 7),
		MOV_X(1, 0),
		MOV_K(2, 0),
		CALL(BPF_FUNC_ringbuf_submit),
		MOV_K(0, 1),
		EXIT(),
	};
	const struct bpf_insn forged[] = {
		LD_MAP(1, 0), MOV_K(2, 16), MOV_K(3, 0), CALL(BPF_FUNC_ringbuf_reserve),
		MOV_K(1, 4096), MOV_K(2, 0), CALL(BPF_FUNC_ringbuf_submit), EXIT(),
	};
	const struct bpf_insn perf[] = {
		MOV_X(6, 1), ST(BPF_DW, 10, -8, 99), MOV_X(1, 6), LD_MAP(2, 0),
		LDDW_CURRENT_CPU, MOV_X(4, 10), ALU_K(BPF_ADD, 4, -8), MOV_K(5, 8),
		CALL(BPF_FUNC_perf_event_output), EXIT(),
	};
	struct userbpf_map *rb = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	uint64_t r0 = 0, got = 0;

	CHECK(run(p, N(p), &rb, 1, false, &r0) == 0 && r0 == 1);
	CHECK(run(p, N(p), &rb, 1, true, &r0) == 0 && r0 == 1);
	CHECK(userbpf_ringbuf_consume(rb, rb_cb, &got, &err) == 2 && got == 2 * (0x1234 + 7));
	CHECK(run(forged, N(forged), &rb, 1, false, &r0) == -EFAULT);
	CHECK(strstr(err.message, "not a reserved ringbuf record") != NULL);
	userbpf_map_free(rb);

	rb = userbpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, NULL, &err);
	CHECK(run(perf, N(perf), &rb, 1, false, &r0) == 0 && (int64_t)r0 == -ENOENT);
	CHECK(userbpf_perf_set_output(rb, perf_cb, &got, &err) == 0);
	CHECK(run(perf, N(perf), &rb, 1, false, &r0) == 0 && r0 == 0 && got == 99);
	userbpf_map_free(rb);
}

/* ---- trace_printk ---- */

static char logged[256];

static void log_cb(void *ctx, const char *line, size_t len)
{
	snprintf(logged, sizeof(logged), "%.*s", (int)len, line);
}

static void test_printk(void)
{
	const struct bpf_insn p[] = {
		LD_MAP_VALUE(1, 0, 0), MOV_K(2, 12), MOV_K(3, -42), LD_MAP_VALUE(4, 0, 16), MOV_K(5, 0),
		CALL(BPF_FUNC_trace_printk), EXIT(),
	};
	struct userbpf_map *a = mk(BPF_MAP_TYPE_ARRAY, 4, 32, 1, 0);
	uint8_t val[32] = "v=%d s=%s\n";
	uint32_t k = 0;
	uint64_t r0 = 0;

	memcpy(val + 16, "abc", 4);
	CHECK(userbpf_map_update(a, &k, val, 0, &err) == 0);
	userbpf_env_set_log(env, log_cb, NULL);
	CHECK(run(p, N(p), &a, 1, false, &r0) == 0);
	CHECK_STR(logged, "v=-42 s=abc\n");
	CHECK_EQ_U64(r0, 12);
	userbpf_env_set_log(env, NULL, NULL);
	userbpf_map_free(a);
}

static void test_format(struct userbpf_call *call)
{
	char out[128];
	uint64_t args[4] = {0xffffffffu, 0xffffffffu, 5, 0};
	uint8_t ip[16] = {192, 168, 1, 2};

	CHECK(helper_format(call, FMT("%d %u %x"), args, 3, out, sizeof(out)) == 15);
	CHECK_STR(out, "-1 4294967295 5");
	CHECK(helper_format(call, FMT("%ld|%5s|%-3c|"), (uint64_t[]){(uint64_t)-7,
		(uint64_t)(uintptr_t)"ab", 'z'}, 3, out, sizeof(out)) > 0);
	CHECK_STR(out, "-7|   ab|z  |");
	CHECK(helper_format(call, FMT("%pI4 %%"), (uint64_t[]){(uint64_t)(uintptr_t)ip}, 1, out,
			    sizeof(out)) > 0);
	CHECK_STR(out, "192.168.1.2 %");
	CHECK(helper_format(call, FMT("%q"), args, 1, out, sizeof(out)) == -EINVAL);
	CHECK(helper_format(call, FMT("%d %d"), args, 1, out, sizeof(out)) == -EINVAL);
	CHECK(helper_format(call, FMT("%.3d"), args, 1, out, sizeof(out)) == -EINVAL);
	CHECK(helper_format(call, "abc", 3, args, 0, out, sizeof(out)) == -EINVAL); /* no NUL */
	CHECK(helper_format(call, FMT("%s"), (uint64_t[]){8}, 1, out, sizeof(out)) == 0);
	/* truncation: the full length is returned, the output stays terminated */
	CHECK(helper_format(call, FMT("%d"), (uint64_t[]){123456}, 1, out, 4) == 6);
	CHECK_STR(out, "123");
	/* bpf_snprintf counts the NUL */
	{
		uint64_t data[2] = {7, 8};

		CHECK(helper_snprintf((uint64_t)(uintptr_t)out, sizeof(out),
				      (uint64_t)(uintptr_t)"%d-%d", (uint64_t)(uintptr_t)data, 16,
				      call) == 4);
		CHECK_STR(out, "7-8");
		CHECK((int64_t)helper_snprintf((uint64_t)(uintptr_t)out, sizeof(out),
					       (uint64_t)(uintptr_t)"%d", (uint64_t)(uintptr_t)data,
					       12, call) == -EINVAL);
	}
}

/* ---- callbacks ---- */

static void test_loop(void)
{
	const struct bpf_insn p[] = {
		ST(BPF_DW, 10, -8, 0),            /* 0 */
		MOV_K(1, 10),                     /* 1 */
		LD_FUNC(2, 9),                    /* 2-3: callback at 3 + 9 = 12 */
		MOV_X(3, 10),                     /* 4 */
		ALU_K(BPF_ADD, 3, -8),            /* 5 */
		MOV_K(4, 0),                      /* 6 */
		CALL(BPF_FUNC_loop),              /* 7 */
		LDX(BPF_DW, 1, 10, -8),           /* 8 */
		ALU_K(BPF_MUL, 0, 1000),          /* 9 */
		ALU_X(BPF_ADD, 0, 1),             /* 10 */
		EXIT(),                           /* 11 */
		LDX(BPF_DW, 3, 2, 0),             /* 12: callback(i, ctx) */
		ALU_X(BPF_ADD, 3, 1),
		STX(BPF_DW, 2, 3, 0),
		MOV_K(0, 0),
		JMP_K(BPF_JNE, 1, 6, 1),
		MOV_K(0, 1),
		EXIT(),
	};
	const struct bpf_insn faulting[] = {
		MOV_K(1, 3), LD_FUNC(2, 5), MOV_K(3, 0), MOV_K(4, 0), CALL(BPF_FUNC_loop),
		EXIT(),
		LDX(BPF_DW, 0, 2, 0), /* 8: reads through ctx = NULL */
		EXIT(),
	};
	uint64_t r0 = 0;

	CHECK(run(p, N(p), NULL, 0, false, &r0) == 0 && r0 == 7021);
	CHECK(run(p, N(p), NULL, 0, true, &r0) == 0 && r0 == 7021);
	CHECK(run(faulting, N(faulting), NULL, 0, false, &r0) == -EFAULT);
	CHECK(strstr(err.message, "bpf_loop: in the callback") != NULL);
	/* a bpf-to-bpf call inside the callback gets its own frame below the callback's */
	{
		const struct bpf_insn q[] = {
			ST(BPF_DW, 10, -8, 0), MOV_K(1, 3), LD_FUNC(2, 7), MOV_X(3, 10),
			ALU_K(BPF_ADD, 3, -8), MOV_K(4, 0), CALL(BPF_FUNC_loop),
			LDX(BPF_DW, 0, 10, -8), EXIT(),
			/* 10: callback */
			ST(BPF_DW, 10, -8, 7), MOV_X(6, 2), I(BPF_JMP | BPF_CALL, 0, 1, 0, 7),
			LDX(BPF_DW, 3, 10, -8), ALU_X(BPF_ADD, 3, 0), LDX(BPF_DW, 4, 6, 0),
			ALU_X(BPF_ADD, 4, 3), STX(BPF_DW, 6, 4, 0), MOV_K(0, 0), EXIT(),
			/* 20: f */
			ST(BPF_DW, 10, -8, 99), MOV_K(0, 5), EXIT(),
		};
		CHECK(run(q, N(q), NULL, 0, false, &r0) == 0 && r0 == 36);
		CHECK(run(q, N(q), NULL, 0, true, &r0) == 0 && r0 == 36);
	}
	/* budget: each callback costs one unit */
	{
		struct userbpf_prog *prog = load(p, N(p), NULL, 0, false);
		USERBPF_OPTS(userbpf_run_opts, o, .budget = 3, .backend = USERBPF_BACKEND_INTERP);
		uint8_t mem[8];

		CHECK(userbpf_prog_run(prog, mem, 8, &o, &r0, &err) == -ETIME);
		userbpf_prog_free(prog);
	}
}

static void test_for_each(void)
{
	const struct bpf_insn p[] = {
		ST(BPF_DW, 10, -8, 0),  /* 0 */
		LD_MAP(1, 0),           /* 1-2 */
		LD_FUNC(2, 9),          /* 3-4: callback at 4 + 9 = 13 */
		MOV_X(3, 10),           /* 5 */
		ALU_K(BPF_ADD, 3, -8),  /* 6 */
		MOV_K(4, 0),            /* 7 */
		CALL(BPF_FUNC_for_each_map_elem), /* 8 */
		LDX(BPF_DW, 1, 10, -8), /* 9 */
		ALU_K(BPF_MUL, 0, 1000),
		ALU_X(BPF_ADD, 0, 1),
		EXIT(),                 /* 12 */
		LDX(BPF_DW, 5, 3, 0),   /* 13: callback(map, key, value, ctx) */
		LDX(BPF_W, 7, 2, 0),
		ALU_K(BPF_MUL, 7, 100),
		ALU_X(BPF_ADD, 5, 7),
		LDX(BPF_DW, 6, 4, 0),
		ALU_X(BPF_ADD, 6, 5),
		STX(BPF_DW, 4, 6, 0),
		MOV_K(0, 0),
		EXIT(),
	};
	struct userbpf_map *a = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct userbpf_map *h = mk(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	uint64_t r0 = 0;

	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = k + 1;

		userbpf_map_update(a, &k, &v, 0, &err);
		userbpf_map_update(h, &(uint32_t){k + 10}, &v, 0, &err);
	}
	CHECK(run(p, N(p), &a, 1, false, &r0) == 0 && r0 == 4610);
	CHECK(run(p, N(p), &a, 1, true, &r0) == 0 && r0 == 4610);
	CHECK(run(p, N(p), &h, 1, false, &r0) == 0 && r0 == 4000 + 10 + 4600);
	userbpf_map_free(a);
	userbpf_map_free(h);
}

/* ---- tail calls ---- */

static void test_tail_calls(void)
{
	const struct bpf_insn target[] = {MOV_K(0, 42), EXIT()};
	const struct bpf_insn caller[] = {
		LD_MAP(2, 0), MOV_K(3, 0), CALL(BPF_FUNC_tail_call), MOV_K(0, 7), EXIT(),
	};
	/* count in array[0], then tail-call slot 1 (itself) */
	const struct bpf_insn self[] = {
		MOV_X(6, 1),
		ST(BPF_W, 10, -4, 0),
		MOV_X(2, 10),
		ALU_K(BPF_ADD, 2, -4),
		LD_MAP(1, 1),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_K(BPF_JEQ, 0, 0, 8),
		MOV_K(1, 1),
		ATOM(BPF_DW, 0, 1, 0, BPF_ADD),
		MOV_X(1, 6),
		LD_MAP(2, 0),
		MOV_K(3, 1),
		CALL(BPF_FUNC_tail_call),
		MOV_K(0, 99),
		EXIT(),
		MOV_K(0, 0),
		EXIT(),
	};
	struct userbpf_map *pa = mk(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	struct userbpf_map *cnt = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	struct userbpf_map *maps[2] = {pa, cnt};
	struct userbpf_prog *t = load(target, N(target), NULL, 0, false);
	struct userbpf_prog *c = load(caller, N(caller), &pa, 1, false);
	struct userbpf_prog *s = load(self, N(self), maps, 2, false);
	uint64_t r0 = 0, v = 0;
	uint32_t k = 0;
	uint8_t mem[8];

	CHECK(t && c && s);
	/* empty slot: falls through */
	CHECK(userbpf_prog_run(c, mem, 8, &be_opts, &r0, &err) == 0 && r0 == 7);
	CHECK(userbpf_map_update_prog(pa, &k, t, 0, &err) == 0);
	CHECK(userbpf_map_lookup_prog(pa, &k) == t);
	CHECK(userbpf_prog_run(c, mem, 8, &be_opts, &r0, &err) == 0 && r0 == 42);
	/* the slot is read at run time: clearing it takes effect at once */
	CHECK(userbpf_map_delete(pa, &k, &err) == 0);
	CHECK(userbpf_prog_run(c, mem, 8, &be_opts, &r0, &err) == 0 && r0 == 7);
	/* at most 33 tail calls: the first run plus 33 jumps count 34 */
	k = 1;
	CHECK(userbpf_map_update_prog(pa, &k, s, 0, &err) == 0);
	CHECK(userbpf_prog_run(s, mem, 8, &be_opts, &r0, &err) == 0 && r0 == 99);
	k = 0;
	CHECK(userbpf_map_lookup(cnt, &k, &v, 0, &err) == 0);
	CHECK_EQ_U64(v, 34);
	/* an index past max_entries falls through */
	CHECK(userbpf_map_update_prog(pa, &(uint32_t){9}, t, 0, &err) == -E2BIG);
	/* an unverified target is refused by an unchecked (trusted) caller */
	{
		struct userbpf_prog *tc = load(caller, N(caller), &pa, 1, true);

		CHECK(userbpf_map_update_prog(pa, &k, t, 0, &err) == 0);
		CHECK(userbpf_prog_run(tc, mem, 8, &be_opts, &r0, &err) == 0 && r0 == 7);
		userbpf_prog_free(tc);
	}
	CHECK(userbpf_map_delete(pa, &k, &err) == 0);
	CHECK(userbpf_map_delete(pa, &(uint32_t){1}, &err) == 0);
	userbpf_prog_free(t);
	userbpf_prog_free(c);
	userbpf_prog_free(s);
	userbpf_map_free(pa);
	userbpf_map_free(cnt);
}

/* ---- direct calls: strings, checksums, process ---- */

static uint16_t fold16(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_direct(struct userbpf_call *call)
{
	int64_t res = 0;
	uint64_t r;
#define U(p) ((uint64_t)(uintptr_t)(p))

	r = helper_strtol(U("  -123abc"), 9, 0, U(&res), 0, call);
	CHECK((int64_t)r == 6 && res == -123);
	r = helper_strtol(U("0x1f"), 4, 0, U(&res), 0, call);
	CHECK(r == 4 && res == 31);
	r = helper_strtol(U("0x1f"), 4, 10, U(&res), 0, call);
	CHECK(r == 1 && res == 0);
	r = helper_strtol(U("017"), 3, 0, U(&res), 0, call);
	CHECK(r == 3 && res == 15);
	CHECK((int64_t)helper_strtol(U("abc"), 3, 0, U(&res), 0, call) == -EINVAL);
	CHECK((int64_t)helper_strtol(U("12"), 2, 3, U(&res), 0, call) == -EINVAL);
	CHECK((int64_t)helper_strtol(U("9223372036854775808"), 19, 10, U(&res), 0, call) == -ERANGE);
	r = helper_strtol(U("-9223372036854775808"), 20, 10, U(&res), 0, call);
	CHECK(r == 20 && res == INT64_MIN);
	CHECK((int64_t)helper_strtoul(U("-5"), 2, 0, U(&res), 0, call) == -EINVAL);
	CHECK((int64_t)helper_strtoul(U("99999999999999999999"), 20, 0, U(&res), 0, call) == -ERANGE);
	r = helper_strtoul(U("18446744073709551615"), 20, 0, U(&res), 0, call);
	CHECK(r == 20 && (uint64_t)res == UINT64_MAX);
	CHECK((int64_t)helper_strncmp(U("abcd"), 4, U("abce"), 0, 0, call) < 0);
	CHECK(helper_strncmp(U("abcX"), 3, U("abc"), 0, 0, call) == 0);

	/* csum_diff updates an IPv4 header checksum incrementally, as tc programs do */
	{
		uint8_t hdr[20] = {0x45, 0, 0, 0x54, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0,
				   10, 0, 0, 1, 10, 0, 0, 2};
		uint64_t sum = 0;
		uint16_t csum, want;
		uint32_t from, to;

		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
		csum = (uint16_t)~fold16(sum);
		memcpy(&from, hdr + 16, 4);
		memcpy(hdr + 16, (uint8_t[]){192, 168, 7, 9}, 4);
		memcpy(&to, hdr + 16, 4);
		sum = 0;
		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
		want = (uint16_t)~fold16(sum);
		/* csum_diff works on memory order words; the checksum is big-endian */
		r = helper_csum_diff(U(&from), 4, U(&to), 4, __builtin_bswap16((uint16_t)~csum), call);
		CHECK_EQ_U64(__builtin_bswap16((uint16_t)~fold16(r)), want);
		CHECK_EQ_U64(helper_csum_diff(U(&from), 4, U(&from), 4, 0, call), 0xffffu);
		CHECK((int64_t)helper_csum_diff(U(&from), 3, 0, 0, 0, call) == -EINVAL);
	}

	/* the host process stands in for "current" */
	{
		char comm[16], name[17] = {0};

		CHECK(helper_get_current_pid_tgid(0, 0, 0, 0, 0, call) ==
		      ((uint64_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid)));
		CHECK(helper_get_current_uid_gid(0, 0, 0, 0, 0, call) ==
		      ((uint64_t)getgid() << 32 | getuid()));
		prctl(PR_GET_NAME, name, 0, 0, 0);
		CHECK(helper_get_current_comm(U(comm), sizeof(comm), 0, 0, 0, call) == 0);
		CHECK_STR(comm, name);
	}
	{
		uint64_t a = helper_ktime_get_ns(0, 0, 0, 0, 0, call);
		uint64_t b = helper_ktime_get_ns(0, 0, 0, 0, 0, call);
		uint32_t r1 = (uint32_t)helper_get_prandom_u32(0, 0, 0, 0, 0, call);
		uint32_t r2 = (uint32_t)helper_get_prandom_u32(0, 0, 0, 0, 0, call);

		CHECK(b >= a && a > 0);
		CHECK(helper_ktime_get_boot_ns(0, 0, 0, 0, 0, call) >= a);
		CHECK(r1 != r2 || r1 != (uint32_t)helper_get_prandom_u32(0, 0, 0, 0, 0, call));
		CHECK(helper_get_smp_processor_id(0, 0, 0, 0, 0, call) <
		      (uint64_t)userbpf_num_possible_cpus());
	}
	/* probe reads never fault: a bad address is -EFAULT and a zeroed destination */
	{
		uint64_t dst = 0x5555, src = 0x1122334455667788ull;
		char s[8];

		CHECK(helper_probe_read(U(&dst), 8, U(&src), 0, 0, call) == 0 && dst == src);
		CHECK((int64_t)helper_probe_read(U(&dst), 8, 8, 0, 0, call) == -EFAULT && dst == 0);
		CHECK(helper_probe_read_str(U(s), sizeof(s), U("hello, world"), 0, 0, call) == 8);
		CHECK_STR(s, "hello, ");
	}
	/* bpf_spin_lock on a value's lock word */
	{
		uint32_t val[2] = {0, 5};

		helper_spin_lock(U(&val[0]), 0, 0, 0, 0, call);
		CHECK(val[0] != 0);
		helper_spin_unlock(U(&val[0]), 0, 0, 0, 0, call);
		CHECK(val[0] == 0);
	}
#undef U
}

/* The ones' complement sum of an IPv4 header: 0xffff when its checksum is right. */
static uint16_t ip_sum(const uint8_t *h)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_packet(struct userbpf_call *call)
{
	uint8_t pkt[64] = {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
	struct userbpf_skb skb = {0};
	struct userbpf_xdp x = {0};
	uint8_t buf[8], newsrc[4] = {192, 168, 1, 77};
	uint32_t from, to;
	uint16_t c;
#define U(p) ((uint64_t)(uintptr_t)(p))

	/* a valid header checksum first */
	c = (uint16_t)~ip_sum(pkt);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	CHECK(ip_sum(pkt) == 0xffff);
	skb.data = U(pkt);
	skb.data_end = U(pkt + 40);
	CHECK(helper_skb_load_bytes(U(&skb), 12, U(buf), 8, 0, call) == 0 &&
	      memcmp(buf, pkt + 12, 8) == 0);
	CHECK((int64_t)helper_skb_load_bytes(U(&skb), 36, U(buf), 8, 0, call) == -EFAULT &&
	      buf[0] == 0);
	/* rewrite the source address and fix the checksum incrementally (size 4) */
	memcpy(&from, pkt + 12, 4);
	memcpy(&to, newsrc, 4);
	CHECK(helper_skb_store_bytes(U(&skb), 12, U(newsrc), 4, 0, call) == 0);
	CHECK(memcmp(pkt + 12, newsrc, 4) == 0 && ip_sum(pkt) != 0xffff);
	CHECK(helper_l3_csum_replace(U(&skb), 10, from, to, 4, call) == 0);
	CHECK(ip_sum(pkt) == 0xffff);
	/* the same through a csum_diff difference (size 0) */
	memcpy(&from, pkt + 12, 4);
	memcpy(pkt + 12, (uint8_t[]){172, 16, 0, 9}, 4);
	memcpy(&to, pkt + 12, 4);
	CHECK(helper_l3_csum_replace(U(&skb), 10, 0,
				     helper_csum_diff(U(&from), 4, U(&to), 4, 0, call), 0,
				     call) == 0);
	CHECK(ip_sum(pkt) == 0xffff);
	CHECK((int64_t)helper_l3_csum_replace(U(&skb), 10, 0, 0, 3, call) == -EINVAL);
	CHECK((int64_t)helper_l3_csum_replace(U(&skb), 39, 0, 0, 2, call) == -EFAULT);
	CHECK((int64_t)helper_skb_store_bytes(U(&skb), 0, U(buf), 1, 4, call) == -EINVAL);
	/* l4: BPF_F_MARK_MANGLED_0 leaves a zero (absent) UDP checksum alone */
	pkt[26] = pkt[27] = 0;
	CHECK(helper_l4_csum_replace(U(&skb), 26, 1, 2, 2 | BPF_F_MARK_MANGLED_0, call) == 0 &&
	      pkt[26] == 0 && pkt[27] == 0);

	/* xdp: no headroom or tailroom; shrinking keeps at least an Ethernet header */
	x.data = x.data_meta = U(pkt);
	x.data_end = U(pkt + 64);
	CHECK(helper_xdp_adjust_head(U(&x), 14, 0, 0, 0, call) == 0 && x.data == U(pkt + 14) &&
	      x.data_meta == x.data);
	CHECK((int64_t)helper_xdp_adjust_head(U(&x), (uint64_t)-1, 0, 0, 0, call) == -EINVAL);
	CHECK((int64_t)helper_xdp_adjust_head(U(&x), 40, 0, 0, 0, call) == -EINVAL);
	CHECK(helper_xdp_adjust_tail(U(&x), (uint64_t)(uint32_t)-10, 0, 0, 0, call) == 0 &&
	      x.data_end == U(pkt + 54));
	CHECK((int64_t)helper_xdp_adjust_tail(U(&x), 1, 0, 0, 0, call) == -EINVAL);
	CHECK((int64_t)helper_xdp_adjust_tail(U(&x), (uint64_t)(uint32_t)-30, 0, 0, 0, call) ==
	      -EINVAL);
#undef U
}

int main(void)
{
	static struct userbpf_call call; /* large: the stack lives inside */
	const struct bpf_insn ret0[] = {MOV_K(0, 0), EXIT()};
	struct userbpf_prog *prog;

	env = userbpf_env_new(NULL, &err);
	CHECK(userbpf_env_register_std_helpers(env, &err) == 0);
	test_registry();
	/* map access, ring buffers and printk in both back ends */
	for (int b = 0; b < 2; b++) {
		backend = b ? USERBPF_BACKEND_JIT : USERBPF_BACKEND_INTERP;
		test_map_programs();
		test_ringbuf_perf();
		test_printk();
		be_opts.backend = backend;
		test_loop(); /* the JIT runs callbacks in the interpreter */
		test_for_each();
		/* the JIT leaves programs with tail calls to the interpreter (default back end) */
		be_opts.backend = b ? USERBPF_BACKEND_DEFAULT : USERBPF_BACKEND_INTERP;
		test_tail_calls();
	}
	backend = USERBPF_BACKEND_INTERP;
	prog = load(ret0, N(ret0), NULL, 0, true);
	call.prog = prog;
	call.checked = false;
	test_format(&call);
	test_direct(&call);
	test_packet(&call);
	userbpf_prog_free(prog);
	userbpf_env_free(env);
	return test_summary();
}
