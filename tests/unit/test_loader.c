/* SPDX-License-Identifier: MIT */
/*
 * test_loader.c - the ELF loader and the object API: the clang-built examples (compiled at
 * test time by examples/build.sh) open with the expected programs, types, maps, relocations
 * and line info, load and run; hand-built objects cover each SEC() name, subprogram and map
 * definition form; malformed objects (truncated at every section boundary, corrupted
 * headers, wrong machine, bad relocations, huge sizes) fail with an error naming the section
 * and offset and never crash.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_build.h"
#include "test.h"
#include "userbpf.h"

static const char *ex_dir;

#define INSN(CODE, DST, SRC, OFF, IMM) \
	{ (CODE), (uint8_t)((DST) | ((SRC) << 4)), (OFF), (IMM) }

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc(n > 0 ? (size_t)n : 1);
	if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return data;
}

static struct userbpf_object *open_example(const char *name, struct userbpf_error *err)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.bpf.o", ex_dir, name);
	return userbpf_object_open_file(path, NULL, err);
}

/* Opening must fail with code and a message containing every given fragment. */
static void expect_fail(const void *img, size_t len, int code, const char *frag1,
			const char *frag2, int line)
{
	struct userbpf_error err = {0};
	struct userbpf_object *obj = userbpf_object_open_mem(img, len, NULL, &err);

	if (obj || (code && err.code != code) || (frag1 && !strstr(err.message, frag1)) ||
	    (frag2 && !strstr(err.message, frag2))) {
		test_failed++;
		fprintf(stderr, "line %d: expected failure %d with '%s' '%s', got %s (%d: %s)\n", line,
			code, frag1 ? frag1 : "", frag2 ? frag2 : "", obj ? "success" : "failure",
			err.code, err.message);
	} else {
		test_passed++;
	}
	userbpf_object_free(obj);
}
#define EXPECT_FAIL(img, len, code, f1, f2) expect_fail(img, len, code, f1, f2, __LINE__)

/* ---- the examples ------------------------------------------------------------------- */

static const struct userbpf_insn *find_ldimm64(const struct userbpf_object_prog *p, int nth)
{
	const struct userbpf_insn *in = userbpf_object_prog_insns(p);

	for (size_t i = 0; i < userbpf_object_prog_insn_count(p); i++) {
		if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW) && (in[i].regs >> 4) && nth-- == 0)
			return &in[i];
		if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			i++;
	}
	return NULL;
}

static int map_index(const struct userbpf_object *obj, const char *name)
{
	int i = 0;

	for (struct userbpf_object_map *m = userbpf_object_next_map(obj, NULL); m;
	     m = userbpf_object_next_map(obj, m), i++)
		if (strcmp(userbpf_object_map_name(m), name) == 0)
			return i;
	return -1;
}

static void test_example_shapes(void)
{
	struct userbpf_error err = {0};
	struct userbpf_object *obj;
	struct userbpf_object_prog *p;
	struct userbpf_object_map *m;
	const struct userbpf_insn *ld;
	char text[4096];

	/* Per-CPU array, one xdp program. */
	obj = open_example("xdp_proto_count", &err);
	CHECK(obj != NULL);
	if (!obj) {
		fprintf(stderr, "open: %s\n", err.message);
		return;
	}
	p = userbpf_object_find_prog(obj, "xdp_count");
	CHECK(p != NULL);
	CHECK_STR(userbpf_object_prog_section(p), "xdp");
	CHECK_EQ_U64(userbpf_object_prog_type(p), BPF_PROG_TYPE_XDP);
	CHECK_STR(userbpf_prog_type_name(userbpf_object_prog_type(p)), "xdp");
	CHECK_STR(userbpf_object_license(obj), "Dual MIT/GPL");
	CHECK_STR(userbpf_object_name(obj), "xdp_proto_count.bpf");
	m = userbpf_object_find_map(obj, "proto_count");
	CHECK(m != NULL);
	CHECK_EQ_U64(userbpf_object_map_type(m), BPF_MAP_TYPE_PERCPU_ARRAY);
	CHECK_EQ_U64(userbpf_object_map_key_size(m), 4);
	CHECK_EQ_U64(userbpf_object_map_value_size(m), 8);
	CHECK_EQ_U64(userbpf_object_map_max_entries(m), 256);
	CHECK(userbpf_object_map_btf_key_type(m) != 0);
	ld = find_ldimm64(p, 0);
	CHECK(ld && (ld->regs >> 4) == BPF_PSEUDO_MAP_FD && ld->imm == 0);
	CHECK(userbpf_object_find_prog(obj, "nope") == NULL);
	CHECK(userbpf_object_find_map(obj, "nope") == NULL);
	userbpf_object_free(obj);

	/* LPM trie with flags; .rodata (frozen) and .bss as global data maps. */
	obj = open_example("lpm_router", &err);
	CHECK(obj != NULL);
	if (obj) {
		int ro = map_index(obj, ".rodata"), bss = map_index(obj, ".bss");

		m = userbpf_object_find_map(obj, "routes");
		CHECK(m && userbpf_object_map_type(m) == BPF_MAP_TYPE_LPM_TRIE);
		CHECK(m && userbpf_object_map_flags(m) == BPF_F_NO_PREALLOC);
		CHECK(m && userbpf_object_map_key_size(m) == 8 && userbpf_object_map_value_size(m) == 8);
		m = userbpf_object_find_map(obj, ".rodata");
		CHECK(m && userbpf_object_map_type(m) == BPF_MAP_TYPE_ARRAY);
		CHECK(m && userbpf_object_map_flags(m) == BPF_F_RDONLY_PROG);
		CHECK(m && userbpf_object_map_max_entries(m) == 1 && userbpf_object_map_value_size(m) == 4);
		{
			size_t sz = 0;
			const uint32_t *init = m ? userbpf_object_map_initial_value(m, &sz) : NULL;
			uint32_t v = 0;

			if (init)
				memcpy(&v, init, 4);
			CHECK(init && sz == 4 && v == XDP_PASS);
		}
		m = userbpf_object_find_map(obj, ".bss");
		CHECK(m && userbpf_object_map_value_size(m) == 16 &&
		      userbpf_object_map_initial_value(m, NULL) == NULL);
		p = userbpf_object_find_prog(obj, "xdp_route");
		/* map, then .rodata value, then .bss +0 (dropped) and .bss +8 (routed). */
		ld = p ? find_ldimm64(p, 1) : NULL;
		CHECK(ld && (ld->regs >> 4) == BPF_PSEUDO_MAP_VALUE && ld->imm == ro && ld[1].imm == 0);
		ld = p ? find_ldimm64(p, 4) : NULL;
		CHECK(ld && (ld->regs >> 4) == BPF_PSEUDO_MAP_VALUE && ld->imm == bss && ld[1].imm == 8);
		/* Line info: the function's first line is the C declaration. */
		{
			const char *file = NULL;
			uint32_t line = 0;
			const char *src = p ? userbpf_object_prog_source_line(p, 0, &file, &line) : NULL;

			CHECK(src && strstr(src, "xdp_route"));
			CHECK(file && strstr(file, "lpm_router.bpf.c"));
			CHECK(line > 30 && line < 40);
			CHECK(userbpf_object_prog_source_line(p, 100000, NULL, NULL) == NULL);
		}
		userbpf_object_describe(obj, text, sizeof(text));
		CHECK(strstr(text, "map routes: type lpm_trie, key 8 (struct route_key), value 8 "
				   "(struct route), max_entries 1024, flags 0x1") != NULL);
		CHECK(strstr(text, "prog xdp_route: section xdp, type xdp") != NULL);
		userbpf_object_free(obj);
	}

	/* A bpf-to-bpf call into .text: the subprogram is appended and the call made relative. */
	obj = open_example("size_hist", &err);
	CHECK(obj != NULL);
	p = obj ? userbpf_object_find_prog(obj, "xdp_size_hist") : NULL;
	if (p) {
		const struct userbpf_insn *in = userbpf_object_prog_insns(p);
		size_t n = userbpf_object_prog_insn_count(p), calls = 0;

		for (size_t i = 0; i < n; i++) {
			if (in[i].code == (BPF_JMP | BPF_CALL) && (in[i].regs >> 4) == BPF_PSEUDO_CALL) {
				int64_t t = (int64_t)i + in[i].imm + 1;

				calls++;
				/* The target is past the program's own code, inside the program. */
				CHECK(t > 0 && (size_t)t < n);
				CHECK(t >= 19);
			}
		}
		CHECK(calls == 1);
		CHECK(n > 19);
	}
	userbpf_object_free(obj);

	/* Several programs in one section, a prog_array with initial values, a legacy map. */
	obj = open_example("tail_dispatch", &err);
	CHECK(obj != NULL);
	if (obj) {
		int np = 0;

		for (p = userbpf_object_next_prog(obj, NULL); p; p = userbpf_object_next_prog(obj, p))
			np++;
		CHECK(np == 4);
		m = userbpf_object_find_map(obj, "jump_table");
		CHECK(m && userbpf_object_map_type(m) == BPF_MAP_TYPE_PROG_ARRAY);
		CHECK(m && userbpf_object_map_max_entries(m) == 256 && userbpf_object_map_key_size(m) == 4);
		m = userbpf_object_find_map(obj, "handled");
		CHECK(m && userbpf_object_map_type(m) == BPF_MAP_TYPE_ARRAY &&
		      userbpf_object_map_max_entries(m) == 4 && userbpf_object_map_value_size(m) == 8);
		userbpf_object_describe(obj, text, sizeof(text));
		CHECK(strstr(text, "initial [1] = handle_icmp, [6] = handle_tcp, [17] = handle_udp"));
		/* Options before load. */
		m = userbpf_object_find_map(obj, "jump_table");
		CHECK(userbpf_object_map_set_max_entries(m, 10) == -E2BIG); /* slot 17 */
		CHECK(userbpf_object_map_set_max_entries(m, 64) == 0);
		CHECK(userbpf_object_map_max_entries(m) == 64);
		CHECK(userbpf_object_map_set_max_entries(m, 0) == -EINVAL);
		p = userbpf_object_find_prog(obj, "handle_udp");
		CHECK(userbpf_object_prog_autoload(p));
		CHECK(userbpf_object_prog_set_autoload(p, false) == 0 &&
		      !userbpf_object_prog_autoload(p));
		userbpf_object_free(obj);
	}

	/* Ring buffer (no key/value), .data with an initial value. */
	obj = open_example("ringbuf_events", &err);
	CHECK(obj != NULL);
	m = obj ? userbpf_object_find_map(obj, "events") : NULL;
	CHECK(m && userbpf_object_map_type(m) == BPF_MAP_TYPE_RINGBUF &&
	      userbpf_object_map_max_entries(m) == 4096 && userbpf_object_map_key_size(m) == 0);
	m = obj ? userbpf_object_find_map(obj, ".data") : NULL;
	{
		size_t sz = 0;
		const void *init = m ? userbpf_object_map_initial_value(m, &sz) : NULL;
		uint32_t v = 0;

		if (init)
			memcpy(&v, init, 4);
		CHECK(init && sz == 4 && v == 100);
	}
	userbpf_object_free(obj);

	obj = open_example("rate_limit", &err);
	m = obj ? userbpf_object_find_map(obj, "buckets") : NULL;
	CHECK(m && userbpf_object_map_type(m) == BPF_MAP_TYPE_LRU_HASH &&
	      userbpf_object_map_value_size(m) == 16 && userbpf_object_map_max_entries(m) == 4096);
	userbpf_object_free(obj);

	obj = open_example("raw_hash", &err);
	p = obj ? userbpf_object_find_prog(obj, "raw_hash") : NULL;
	CHECK(p && userbpf_object_prog_type(p) == USERBPF_PROG_TYPE_RAW);
	CHECK_STR(p ? userbpf_object_prog_section(p) : NULL, "userbpf/hash");
	CHECK_STR(userbpf_prog_type_name(USERBPF_PROG_TYPE_RAW), "userbpf_raw");
	userbpf_object_free(obj);
}

/* ---- load and run ------------------------------------------------------------------- */

static uint64_t raw_hash_ref(const uint8_t *p, size_t len, uint64_t mul)
{
	uint64_t h = 'u';

	for (size_t i = 0; i < len && i < 256; i++)
		h = h * mul + p[i];
	return h;
}

static uint64_t map_u64(struct userbpf_object *obj, const char *name)
{
	struct userbpf_map *m = userbpf_object_map_map(userbpf_object_find_map(obj, name));
	size_t size = 0;
	const void *area = m ? userbpf_map_value_area(m, &size) : NULL;
	uint64_t v = 0;

	if (area && size >= 8)
		memcpy(&v, area, 8);
	return v;
}

static void test_load_run(void)
{
	struct userbpf_error err = {0};
	struct userbpf_env *env = userbpf_env_new(NULL, &err);
	struct userbpf_object *obj = open_example("raw_hash", &err);
	struct userbpf_object_prog *p = obj ? userbpf_object_find_prog(obj, "raw_hash") : NULL;
	struct userbpf_object_map *ro = obj ? userbpf_object_find_map(obj, ".rodata") : NULL;
	uint8_t input[300];
	uint64_t r0 = 0, mul = 131;
	uint8_t rodata[16];
	size_t sz = 0;

	CHECK(env && p && ro);
	if (!env || !p || !ro) {
		userbpf_env_free(env);
		userbpf_object_free(obj);
		return;
	}
	for (size_t i = 0; i < sizeof(input); i++)
		input[i] = (uint8_t)(i * 7 + 1);
	/* Configure the const volatile multiplier before load, as a skeleton would. */
	memcpy(rodata, userbpf_object_map_initial_value(ro, &sz), sizeof(rodata));
	CHECK(sz == 16);
	memcpy(rodata, &mul, 8);
	CHECK(userbpf_object_map_set_initial_value(ro, rodata, 15) == -EINVAL);
	CHECK(userbpf_object_map_set_initial_value(ro, rodata, sizeof(rodata)) == 0);
	CHECK(userbpf_object_prog_prog(p) == NULL);
	if (userbpf_object_load(obj, env, &err) < 0)
		fprintf(stderr, "load: %s\n", err.message);
	CHECK(userbpf_object_prog_prog(p) != NULL);
	CHECK(userbpf_object_load(obj, env, &err) == -EBUSY);
	CHECK(userbpf_object_map_set_initial_value(ro, rodata, sizeof(rodata)) == -EBUSY);
	CHECK(userbpf_object_prog_set_autoload(p, false) == -EBUSY);
	for (size_t len = 0; len <= sizeof(input); len += 37) {
		uint64_t h = raw_hash_ref(input, len, mul);
		USERBPF_OPTS(userbpf_run_opts, rop, .backend = USERBPF_BACKEND_INTERP);
		int ret = userbpf_object_prog_run(p, input, len, &rop, &r0, &err);

		if (ret < 0)
			fprintf(stderr, "run: %s\n", err.message);
		CHECK(ret == 0);
		CHECK_EQ_U64(r0, h & 0x7fffffff);
		CHECK_EQ_U64(map_u64(obj, ".data"), h);
	}
	CHECK_EQ_U64(map_u64(obj, ".bss"), 9);
	/* .rodata is frozen: the host cannot write it any more. */
	{
		uint32_t key = 0;
		struct userbpf_map *m = userbpf_object_map_map(ro);

		CHECK(m && userbpf_map_frozen(m));
		CHECK(m && userbpf_map_update(m, &key, rodata, 0, NULL) < 0);
	}
	userbpf_object_free(obj);

	/* A run-time fault is prefixed with the program's name. */
	{
		static const struct userbpf_insn bad[] = {
			INSN(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 4096, 0),
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};
		USERBPF_OPTS(userbpf_run_opts, rop, .backend = USERBPF_BACKEND_INTERP);
		struct eb b;
		size_t blen;
		uint8_t *img, mem[8] = {0};
		struct userbpf_object *o2;
		struct userbpf_object_prog *p2;

		eb_init(&b);
		eb_sym(&b, "reader", eb_code(&b, "userbpf/r", bad, 2), 0, 16, STB_GLOBAL, STT_FUNC);
		img = eb_write(&b, &blen);
		o2 = userbpf_object_open_mem(img, blen, NULL, &err);
		p2 = userbpf_object_find_prog(o2, "reader");
		CHECK(p2 && userbpf_object_load(o2, env, &err) == 0);
		CHECK(p2 && userbpf_object_prog_run(p2, mem, sizeof(mem), &rop, &r0, &err) == -EFAULT);
		CHECK(strstr(err.message, "program 'reader': ") == err.message);
		CHECK(err.insn == 0);
		userbpf_object_free(o2);
		free(img);
	}

	/* A program calling helpers the environment lacks fails to load, naming the program
	 * and the C line; the object can be loaded again once fixed (here: autoload off). */
	obj = open_example("size_hist", &err);
	CHECK(obj != NULL);
	if (obj) {
		int ret = userbpf_object_load(obj, env, &err);

		CHECK(ret < 0);
		CHECK(strstr(err.message, "program 'xdp_size_hist'") != NULL);
		CHECK(strstr(err.message, "size_hist.bpf.c:") != NULL);
		CHECK(userbpf_object_map_map(userbpf_object_find_map(obj, "hist")) == NULL);
		CHECK(userbpf_object_prog_set_autoload(userbpf_object_find_prog(obj, "xdp_size_hist"),
						       false) == 0);
		CHECK(userbpf_object_load(obj, env, &err) == 0);
		CHECK(userbpf_object_map_map(userbpf_object_find_map(obj, "hist")) != NULL);
		userbpf_object_free(obj);
	}
	userbpf_env_free(env);
}

#include "examples_run.h"

/* ---- tests/elf/features.bpf.c: map-in-map, pinning, callbacks, custom data sections ---- */

static void test_features(void)
{
	char cmd[1024], path[512];
	struct userbpf_error err = {0};
	struct userbpf_env *env;
	struct userbpf_object *obj;
	struct userbpf_object_map *m;
	struct userbpf_object_prog *p;
	char text[4096];
	uint64_t r0 = 0;

	snprintf(path, sizeof(path), "%s/features.bpf.o", ex_dir);
	snprintf(cmd, sizeof(cmd),
		 "clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu "
		 "-c tests/elf/features.bpf.c -o %s",
		 path);
	CHECK(system(cmd) == 0);
	obj = userbpf_object_open_file(path, NULL, &err);
	CHECK(obj != NULL);
	if (!obj) {
		fprintf(stderr, "features: %s\n", err.message);
		return;
	}
	userbpf_object_describe(obj, text, sizeof(text));
	CHECK(strstr(text, "map outer: type array_of_maps, key 4 (__u32), value 4, max_entries 2, "
			   "flags 0x0, inner array key 4 value 8 max_entries 4, initial [0] = "
			   "inner_a, [1] = inner_b\n"));
	CHECK(strstr(text, "map outer_hash: type hash_of_maps, key 4 (__u32), value 4, max_entries "
			   "8, flags 0x0, inner hash key 8 value 4 max_entries 16\n"));
	CHECK(strstr(text, "map pinned: type hash, key 4, value 12, max_entries 64, flags 0x1, "
			   "pinned by name\n"));
	CHECK(strstr(text, "map .data.stats: type array, key 4, value 32 (.data.stats)"));
	CHECK(strstr(text, "map legacy_counts: type array, key 4, value 8, max_entries 4, flags "
			   "0x0, legacy definition\n"));
	CHECK(strstr(text, "prog sock: section socket, type socket_filter"));
	CHECK(strstr(text, "prog kp: section kprobe/do_nanosleep, type kprobe"));
	CHECK(strstr(text, "prog tc_prog: section tc, type sched_cls"));
	/* The bpf_loop callback is appended and referenced with BPF_PSEUDO_FUNC. */
	p = userbpf_object_find_prog(obj, "run_loop");
	{
		const struct userbpf_insn *in = p ? userbpf_object_prog_insns(p) : NULL;
		size_t n = p ? userbpf_object_prog_insn_count(p) : 0;
		int funcs = 0;

		for (size_t i = 0; in && i + 1 < n; i++) {
			if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    (in[i].regs >> 4) == BPF_PSEUDO_FUNC) {
				int64_t t = (int64_t)i + in[i].imm + 1;

				funcs++;
				CHECK(t >= 18 && (size_t)t < n); /* past its own 18 instructions */
			}
		}
		CHECK(funcs == 1);
	}
	env = userbpf_env_new(NULL, &err);
	CHECK(env && userbpf_env_register_std_helpers(env, &err) == 0);
	if (env && userbpf_object_load(obj, env, &err) < 0)
		fprintf(stderr, "features load: %s (insn %d)\n", err.message, err.insn);
	m = userbpf_object_find_map(obj, "outer");
	if (m && userbpf_object_map_map(m)) {
		uint32_t k0 = 0, k1 = 1;

		CHECK(userbpf_map_lookup_map(userbpf_object_map_map(m), &k0) ==
		      userbpf_object_map_map(userbpf_object_find_map(obj, "inner_a")));
		CHECK(userbpf_map_lookup_map(userbpf_object_map_map(m), &k1) ==
		      userbpf_object_map_map(userbpf_object_find_map(obj, "inner_b")));
	} else {
		CHECK(0);
	}
	p = userbpf_object_find_prog(obj, "run_loop");
	if (p && userbpf_object_prog_prog(p)) {
		USERBPF_OPTS(userbpf_run_opts, o, .backend = USERBPF_BACKEND_INTERP);
		uint8_t mem[8] = {0};

		if (userbpf_object_prog_run(p, mem, sizeof(mem), &o, &r0, &err) < 0)
			fprintf(stderr, "run_loop: %s\n", err.message);
		CHECK_EQ_U64(r0, 45);
		CHECK_EQ_U64(map_sum_u64(obj, ".data.stats", 0), 46);
		CHECK_EQ_U64(map_sum_u64(obj, "legacy_counts", 1), 1);
		p = userbpf_object_find_prog(obj, "use_inner");
		CHECK(userbpf_object_prog_run(p, mem, sizeof(mem), &o, &r0, &err) == 0);
		CHECK_EQ_U64(r0, 16);
		CHECK(userbpf_object_prog_run(p, mem, sizeof(mem), &o, &r0, &err) == 0);
		CHECK_EQ_U64(r0, 30);
		CHECK_EQ_U64(map_sum_u64(obj, "inner_b", 2), 14);
	} else {
		CHECK(0);
	}
	userbpf_object_free(obj);

	/* CO-RE relocations are reported and refuse the load of their program only. */
	snprintf(path, sizeof(path), "%s/core.bpf.o", ex_dir);
	snprintf(cmd, sizeof(cmd),
		 "clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu "
		 "-c tests/elf/core.bpf.c -o %s",
		 path);
	CHECK(system(cmd) == 0);
	obj = userbpf_object_open_file(path, NULL, &err);
	CHECK(obj != NULL);
	if (obj) {
		userbpf_object_describe(obj, text, sizeof(text));
		CHECK(strstr(text, "prog read_tgid: section userbpf/core") &&
		      strstr(text, "CO-RE relocations (not supported)\n"));
		CHECK(userbpf_object_load(obj, env, &err) == -ENOTSUP);
		CHECK(strstr(err.message, "program 'read_tgid'") != NULL);
		CHECK(userbpf_object_prog_set_autoload(userbpf_object_find_prog(obj, "read_tgid"),
						       false) == 0);
		CHECK(userbpf_object_load(obj, env, &err) == 0);
		CHECK(userbpf_object_prog_prog(userbpf_object_find_prog(obj, "plain")) != NULL);
		userbpf_object_free(obj);
	}
	userbpf_env_free(env);
}

/* ---- malformed versions of real objects --------------------------------------------- */

static void test_truncation(const char *name)
{
	char path[512];
	size_t len, cuts = 0;
	uint8_t *img;
	Elf64_Ehdr eh;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", ex_dir, name);
	img = read_all(path, &len);
	CHECK(img != NULL && len > sizeof(eh));
	if (!img)
		return;
	memcpy(&eh, img, sizeof(eh));
	/* Every section boundary (start and end of each section's contents and header). */
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		size_t at[4];

		memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		at[0] = sh.sh_offset;
		at[1] = sh.sh_offset + sh.sh_size;
		at[2] = eh.e_shoff + i * sizeof(sh);
		at[3] = eh.e_shoff + i * sizeof(sh) + 20;
		for (int k = 0; k < 4; k++) {
			if (at[k] >= len)
				continue;
			/* The section table is last: any cut before its end breaks the object. */
			EXPECT_FAIL(img, at[k], 0, NULL, NULL);
			cuts++;
		}
	}
	/* And a sweep of odd lengths. */
	for (size_t cut = 0; cut < len; cut += 61) {
		EXPECT_FAIL(img, cut, 0, NULL, NULL);
		cuts++;
	}
	CHECK(cuts > 20);
	free(img);
}

/* Open a mutated copy; it may fail (with a message) or succeed, but never crash. */
static void open_survives(const uint8_t *img, size_t len)
{
	struct userbpf_error err = {0};
	struct userbpf_object *obj = userbpf_object_open_mem(img, len, NULL, &err);

	if (obj) {
		char text[2048];

		userbpf_object_describe(obj, text, sizeof(text));
		test_passed++;
	} else {
		CHECK(err.code < 0 && err.message[0]);
	}
	userbpf_object_free(obj);
}

static void test_corruption(const char *name)
{
	char path[512];
	size_t len;
	uint8_t *img, *copy;
	Elf64_Ehdr eh;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", ex_dir, name);
	img = read_all(path, &len);
	if (!img)
		return;
	copy = malloc(len);
	memcpy(&eh, img, sizeof(eh));

#define MUTATE(stmt)                  \
	do {                          \
		memcpy(copy, img, len); \
		stmt;                 \
	} while (0)
	MUTATE(copy[0] = 0);
	EXPECT_FAIL(copy, len, -EINVAL, "not an ELF file", NULL);
	MUTATE(copy[EI_CLASS] = ELFCLASS32);
	EXPECT_FAIL(copy, len, -EINVAL, "ELFCLASS64", NULL);
	MUTATE(copy[EI_DATA] = ELFDATA2MSB);
	EXPECT_FAIL(copy, len, -ENOTSUP, "little-endian", NULL);
	MUTATE(copy[18] = 62; copy[19] = 0); /* EM_X86_64 */
	EXPECT_FAIL(copy, len, -EINVAL, "e_machine 62", "EM_BPF");
	MUTATE(copy[16] = ET_EXEC);
	EXPECT_FAIL(copy, len, -EINVAL, "e_type 2", NULL);
	/* Section table offset beyond the file. */
	MUTATE({
		Elf64_Ehdr h = eh;
		h.e_shoff = (uint64_t)len * 4;
		memcpy(copy, &h, sizeof(h));
	});
	EXPECT_FAIL(copy, len, -EINVAL, NULL, NULL);

	/* Each section in turn: huge size, offset past the end, name past the table. */
	for (unsigned i = 1; i < eh.e_shnum; i++) {
		size_t at = eh.e_shoff + i * sizeof(Elf64_Shdr);
		Elf64_Shdr sh;
		char frag[32];

		memcpy(&sh, img + at, sizeof(sh));
		snprintf(frag, sizeof(frag), "section %u", i);
		MUTATE({
			Elf64_Shdr s2 = sh;
			s2.sh_size = 1ull << 40;
			memcpy(copy + at, &s2, sizeof(s2));
		});
		if (sh.sh_type != SHT_NOBITS)
			EXPECT_FAIL(copy, len, 0, NULL, NULL);
		else
			EXPECT_FAIL(copy, len, -E2BIG, frag, "global data");
		MUTATE({
			Elf64_Shdr s2 = sh;
			s2.sh_offset = len + 8;
			memcpy(copy + at, &s2, sizeof(s2));
		});
		if (sh.sh_type != SHT_NOBITS && sh.sh_size)
			EXPECT_FAIL(copy, len, 0, NULL, NULL);
		MUTATE({
			Elf64_Shdr s2 = sh;
			s2.sh_name = 0x7fffffff;
			memcpy(copy + at, &s2, sizeof(s2));
		});
		EXPECT_FAIL(copy, len, -EINVAL, frag, "name offset");
		/* Relocation sections: entries pointing outside the code, at bad symbols. */
		if (sh.sh_type == SHT_REL && sh.sh_size >= sizeof(Elf64_Rel) &&
		    strncmp((const char *)img + 0, "\177ELF", 4) == 0) {
			Elf64_Rel r;
			Elf64_Shdr tgt;

			memcpy(&tgt, img + eh.e_shoff + sh.sh_info * sizeof(Elf64_Shdr), sizeof(tgt));
			if (!(tgt.sh_flags & SHF_EXECINSTR))
				continue;
			memcpy(&r, img + sh.sh_offset, sizeof(r));
			MUTATE({
				Elf64_Rel r2 = r;
				r2.r_offset = 1u << 30;
				memcpy(copy + sh.sh_offset, &r2, sizeof(r2));
			});
			EXPECT_FAIL(copy, len, -EINVAL, frag, "is not an instruction");
			MUTATE({
				Elf64_Rel r2 = r;
				r2.r_offset += 3;
				memcpy(copy + sh.sh_offset, &r2, sizeof(r2));
			});
			EXPECT_FAIL(copy, len, -EINVAL, frag, "is not an instruction");
			MUTATE({
				Elf64_Rel r2 = r;
				r2.r_info = ELF64_R_INFO(5000, ELF64_R_TYPE(r.r_info));
				memcpy(copy + sh.sh_offset, &r2, sizeof(r2));
			});
			EXPECT_FAIL(copy, len, -EINVAL, frag, "symbol 5000");
			MUTATE({
				Elf64_Rel r2 = r;
				r2.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 77);
				memcpy(copy + sh.sh_offset, &r2, sizeof(r2));
			});
			EXPECT_FAIL(copy, len, -EINVAL, frag, NULL);
			MUTATE({
				Elf64_Rel r2 = r;
				r2.r_offset = 0;
				memcpy(copy + sh.sh_offset, &r2, sizeof(r2));
			});
			/* Moved onto the first instruction, which is neither ld_imm64 nor call. */
			if (r.r_offset != 0 && img[tgt.sh_offset] != (BPF_LD | BPF_IMM | BPF_DW) &&
			    img[tgt.sh_offset] != (BPF_JMP | BPF_CALL))
				EXPECT_FAIL(copy, len, -EINVAL, frag, "R_BPF_64_");
		}
	}
	/* Random byte flips anywhere: never a crash (ASan run checks memory safety). */
	for (int round = 0; round < 400; round++) {
		memcpy(copy, img, len);
		for (int k = 0; k < 4; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			copy[seed % len] ^= (uint8_t)(seed >> 32 | 1);
		}
		open_survives(copy, len);
	}
#undef MUTATE
	free(copy);
	free(img);
}

/* ---- hand-built objects ---------------------------------------------------------------- */

static const struct userbpf_insn ret0[] = {
	INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
	INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

static void test_section_names(void)
{
	static const struct {
		const char *sec;
		uint32_t type;
	} cases[] = {
		{"socket", BPF_PROG_TYPE_SOCKET_FILTER},
		{"xdp", BPF_PROG_TYPE_XDP},
		{"xdp.frags", BPF_PROG_TYPE_XDP},
		{"xdp/devmap", BPF_PROG_TYPE_XDP},
		{"tc", BPF_PROG_TYPE_SCHED_CLS},
		{"tc/ingress", BPF_PROG_TYPE_SCHED_CLS},
		{"classifier", BPF_PROG_TYPE_SCHED_CLS},
		{"action", BPF_PROG_TYPE_SCHED_ACT},
		{"kprobe/do_sys_open", BPF_PROG_TYPE_KPROBE},
		{"kretprobe/do_sys_open", BPF_PROG_TYPE_KPROBE},
		{"uprobe/lib.so:func", BPF_PROG_TYPE_KPROBE},
		{"uretprobe//bin/sh:main", BPF_PROG_TYPE_KPROBE},
		{"tracepoint/syscalls/sys_enter_open", BPF_PROG_TYPE_TRACEPOINT},
		{"tp/sched/sched_switch", BPF_PROG_TYPE_TRACEPOINT},
		{"raw_tp/sched_switch", BPF_PROG_TYPE_RAW_TRACEPOINT},
		{"perf_event", BPF_PROG_TYPE_PERF_EVENT},
		{"cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB},
		{"cgroup/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR},
		{"sk_skb/stream_parser", BPF_PROG_TYPE_SK_SKB},
		{"lsm/file_open", BPF_PROG_TYPE_LSM},
		{"fentry/tcp_connect", BPF_PROG_TYPE_TRACING},
		{"syscall", BPF_PROG_TYPE_SYSCALL},
		{"userbpf/anything", USERBPF_PROG_TYPE_RAW},
		{"userbpf", USERBPF_PROG_TYPE_RAW},
		{"xdpfoo", BPF_PROG_TYPE_UNSPEC},
		{"kprobes/x", BPF_PROG_TYPE_UNSPEC},
		{"mysection", BPF_PROG_TYPE_UNSPEC},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eb b;
		struct userbpf_error err = {0};
		struct userbpf_object *obj;
		struct userbpf_object_prog *p;
		uint8_t *img;
		size_t len;
		int s;

		eb_init(&b);
		s = eb_code(&b, cases[i].sec, ret0, 2);
		eb_sym(&b, "prog", s, 0, 16, STB_GLOBAL, STT_FUNC);
		img = eb_write(&b, &len);
		obj = userbpf_object_open_mem(img, len, NULL, &err);
		p = userbpf_object_find_prog(obj, "prog");
		CHECK(p != NULL);
		if (p && userbpf_object_prog_type(p) != cases[i].type)
			fprintf(stderr, "section %s: type %u, expected %u\n", cases[i].sec,
				userbpf_object_prog_type(p), cases[i].type);
		CHECK(p && userbpf_object_prog_type(p) == cases[i].type);
		CHECK_STR(p ? userbpf_object_prog_section(p) : NULL, cases[i].sec);
		userbpf_object_free(obj);
		free(img);
	}
}

static void test_built_objects(void)
{
	struct userbpf_error err = {0};
	struct userbpf_object *obj;
	struct userbpf_object_prog *p;
	struct userbpf_object_map *m;
	struct eb b;
	uint8_t *img;
	size_t len;
	int code, text, sdata, smaps, sym;

	/* A section without symbols is one program named after the section. */
	eb_init(&b);
	eb_code(&b, "socket", ret0, 2);
	img = eb_write(&b, &len);
	obj = userbpf_object_open_mem(img, len, NULL, &err);
	CHECK(obj && userbpf_object_find_prog(obj, "socket") != NULL);
	CHECK(obj && userbpf_object_license(obj)[0] == 0);
	userbpf_object_free(obj);
	free(img);

	/* An unrelocated pc-relative call into a static function of the same section, a
	 * relocated call into .text, a .rodata.str1.1 string through its section symbol, and a
	 * legacy map: every reference resolved. */
	{
		static const struct userbpf_insn prog[] = {
			INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 4),  /* 0: -> 5 (static) */
			INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -1), /* 1: -> .text fn */
			INSN(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 3),         /* 2: str + 3 */
			INSN(0, 0, 0, 0, 0),
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
			INSN(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0), /* 5: static fn: map */
			INSN(0, 0, 0, 0, 0),
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};
		static const struct userbpf_insn fn[] = {
			INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7),
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};
		static const char str[] = "hello\0world";
		static const uint32_t def[5] = {BPF_MAP_TYPE_HASH, 4, 8, 100, 0};
		static const char lic[] = "GPL";
		Elf64_Rel rels[3];
		int s_str, y_text, y_str, y_map;
		const struct userbpf_insn *in;

		eb_init(&b);
		code = eb_code(&b, "userbpf/t", prog, 8);
		text = eb_code(&b, ".text", fn, 2);
		s_str = eb_sec(&b, ".rodata.str1.1", SHT_PROGBITS, SHF_ALLOC | SHF_MERGE | SHF_STRINGS,
			       str, sizeof(str));
		smaps = eb_sec(&b, "maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, def, sizeof(def));
		eb_sec(&b, "license", SHT_PROGBITS, SHF_ALLOC, lic, sizeof(lic));
		eb_sym(&b, "main", code, 0, 40, STB_GLOBAL, STT_FUNC);
		eb_sym(&b, "helper", code, 40, 24, STB_LOCAL, STT_FUNC);
		y_text = eb_sym(&b, "fn", text, 0, 16, STB_GLOBAL, STT_FUNC);
		y_str = eb_sym(&b, "", s_str, 0, 0, STB_LOCAL, STT_SECTION);
		y_map = eb_sym(&b, "counts", smaps, 0, 20, STB_GLOBAL, STT_OBJECT);
		rels[0] = (Elf64_Rel){8, ELF64_R_INFO(y_text, 10)};
		rels[1] = (Elf64_Rel){16, ELF64_R_INFO(y_str, 1)};
		rels[2] = (Elf64_Rel){40, ELF64_R_INFO(y_map, 1)};
		eb_rel(&b, ".reluserbpf/t", code, rels, 3);
		img = eb_write(&b, &len);
		obj = userbpf_object_open_mem(img, len, NULL, &err);
		if (!obj)
			fprintf(stderr, "built object: %s\n", err.message);
		CHECK(obj != NULL);
		p = obj ? userbpf_object_find_prog(obj, "main") : NULL;
		CHECK(p && userbpf_object_prog_insn_count(p) == 5 + 3 + 2);
		CHECK(obj && userbpf_object_find_prog(obj, "helper") == NULL);
		CHECK_STR(obj ? userbpf_object_license(obj) : NULL, "GPL");
		if (p && userbpf_object_prog_insn_count(p) == 10) {
			in = userbpf_object_prog_insns(p);
			CHECK(in[0].imm == 4);           /* static fn appended right after: 5 */
			CHECK(in[1].imm == 8 - 1 - 1);   /* .text fn at 8 */
			CHECK((in[2].regs >> 4) == BPF_PSEUDO_MAP_VALUE);
			CHECK(in[3].imm == 3);           /* the string's offset */
			CHECK((in[5].regs >> 4) == BPF_PSEUDO_MAP_FD);
			CHECK(in[8].imm == 7);
		}
		m = obj ? userbpf_object_find_map(obj, "counts") : NULL;
		CHECK(m && userbpf_object_map_type(m) == BPF_MAP_TYPE_HASH &&
		      userbpf_object_map_max_entries(m) == 100);
		m = obj ? userbpf_object_find_map(obj, ".rodata.str1.1") : NULL;
		CHECK(m && userbpf_object_map_value_size(m) == sizeof(str) &&
		      userbpf_object_map_flags(m) == BPF_F_RDONLY_PROG);
		if (p && m && userbpf_object_prog_insn_count(p) == 10) {
			in = userbpf_object_prog_insns(p);
			CHECK(in[2].imm == map_index(obj, ".rodata.str1.1"));
			CHECK(in[5].imm == map_index(obj, "counts"));
		}
		userbpf_object_free(obj);
		free(img);

		/* The same with faults: an extern symbol, a reference into a non-data section,
		 * a string offset past its section, a legacy map definition too small. */
		eb_init(&b);
		code = eb_code(&b, "userbpf/t", prog, 8);
		text = eb_code(&b, ".text", fn, 2);
		eb_sym(&b, "main", code, 0, 40, STB_GLOBAL, STT_FUNC);
		sym = eb_sym(&b, "CONFIG_HZ", 0, 0, 0, STB_GLOBAL, STT_NOTYPE);
		rels[0] = (Elf64_Rel){16, ELF64_R_INFO(sym, 1)};
		eb_rel(&b, ".reluserbpf/t", code, rels, 1);
		img = eb_write(&b, &len);
		EXPECT_FAIL(img, len, -ENOTSUP, "extern 'CONFIG_HZ'", NULL);
		free(img);

		eb_init(&b);
		code = eb_code(&b, "userbpf/t", prog, 8);
		s_str = eb_sec(&b, ".rodata.str1.1", SHT_PROGBITS, SHF_ALLOC, str, sizeof(str));
		eb_sym(&b, "main", code, 0, 40, STB_GLOBAL, STT_FUNC);
		y_str = eb_sym(&b, "", s_str, 100, 0, STB_LOCAL, STT_SECTION);
		rels[0] = (Elf64_Rel){16, ELF64_R_INFO(y_str, 1)};
		eb_rel(&b, ".reluserbpf/t", code, rels, 1);
		img = eb_write(&b, &len);
		EXPECT_FAIL(img, len, -EINVAL, "outside global data section .rodata.str1.1", NULL);
		free(img);

		eb_init(&b);
		code = eb_code(&b, "userbpf/t", prog, 8);
		smaps = eb_sec(&b, "maps", SHT_PROGBITS, SHF_ALLOC, def, 12);
		eb_sym(&b, "main", code, 0, 40, STB_GLOBAL, STT_FUNC);
		eb_sym(&b, "counts", smaps, 0, 12, STB_GLOBAL, STT_OBJECT);
		img = eb_write(&b, &len);
		EXPECT_FAIL(img, len, -EINVAL, "(maps) offset 0x0", "struct bpf_map_def");
		free(img);

		/* A call to an instruction outside any code. */
		eb_init(&b);
		code = eb_code(&b, "userbpf/t", prog, 1);
		eb_sym(&b, "main", code, 0, 8, STB_GLOBAL, STT_FUNC);
		img = eb_write(&b, &len);
		EXPECT_FAIL(img, len, -EINVAL, "outside any code", NULL);
		free(img);
	}

	/* A function symbol running past its section, a misaligned one, duplicate names. */
	eb_init(&b);
	code = eb_code(&b, "xdp", ret0, 2);
	eb_sym(&b, "big", code, 0, 1ull << 40, STB_GLOBAL, STT_FUNC);
	img = eb_write(&b, &len);
	EXPECT_FAIL(img, len, -EINVAL, "(xdp) offset 0x0: function 'big'", NULL);
	free(img);
	eb_init(&b);
	code = eb_code(&b, "xdp", ret0, 2);
	eb_sym(&b, "odd", code, 4, 8, STB_GLOBAL, STT_FUNC);
	img = eb_write(&b, &len);
	EXPECT_FAIL(img, len, -EINVAL, "function 'odd'", NULL);
	free(img);
	eb_init(&b);
	code = eb_code(&b, "xdp", ret0, 2);
	eb_sym(&b, "twice", code, 0, 16, STB_GLOBAL, STT_FUNC);
	eb_sym(&b, "twice", code, 0, 16, STB_GLOBAL, STT_FUNC);
	img = eb_write(&b, &len);
	EXPECT_FAIL(img, len, -EINVAL, "a second program named 'twice'", NULL);
	free(img);
	/* A code section that is not whole instructions. */
	eb_init(&b);
	eb_sec(&b, "xdp", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, ret0, 12);
	img = eb_write(&b, &len);
	EXPECT_FAIL(img, len, -EINVAL, "(xdp): size 12", NULL);
	free(img);
	/* Huge .bss. */
	eb_init(&b);
	eb_code(&b, "xdp", ret0, 2);
	sdata = eb_sec(&b, ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, NULL, 1ull << 33);
	img = eb_write(&b, &len);
	EXPECT_FAIL(img, len, -E2BIG, "(.bss)", NULL);
	free(img);
	(void)sdata;
	/* .maps without BTF. */
	eb_init(&b);
	eb_code(&b, "xdp", ret0, 2);
	eb_sec(&b, ".maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, ret0, 16);
	img = eb_write(&b, &len);
	EXPECT_FAIL(img, len, -EINVAL, "(.maps): BTF-defined maps need a .BTF section", NULL);
	free(img);
	/* Garbage .BTF. */
	eb_init(&b);
	eb_code(&b, "xdp", ret0, 2);
	eb_sec(&b, ".BTF", SHT_PROGBITS, 0, ret0, 16);
	img = eb_write(&b, &len);
	EXPECT_FAIL(img, len, -EINVAL, "(.BTF) offset 0: malformed BTF", NULL);
	free(img);
	/* No symbol table at all; empty input; NULL arguments. */
	EXPECT_FAIL("", 0, -EINVAL, "not an ELF file", NULL);
	CHECK(userbpf_object_open_mem(NULL, 10, NULL, &err) == NULL && err.code == -EINVAL);
	CHECK(userbpf_object_open_file("/nonexistent/x.o", NULL, &err) == NULL && err.code < 0);
	CHECK(userbpf_object_load(NULL, NULL, &err) == -EINVAL);
	userbpf_object_free(NULL);
	CHECK(userbpf_object_next_prog(NULL, NULL) == NULL);
	CHECK(userbpf_object_describe(NULL, NULL, 0) == 0);
}

int main(int argc, char **argv)
{
	static const char *const examples[] = {"xdp_proto_count", "lpm_router", "rate_limit",
					       "size_hist",	  "ringbuf_events", "tail_dispatch",
					       "raw_hash",	   "features"};
	char cmd[512];
	const char *build = getenv("BUILD");
	static char dir[256];
	int rc;

	snprintf(dir, sizeof(dir), "%s/examples", build ? build : "build");
	ex_dir = argc > 1 ? argv[1] : dir;
	snprintf(cmd, sizeof(cmd), "bash examples/build.sh %s", ex_dir);
	rc = system(cmd);
	test_section_names();
	test_built_objects();
	if (rc != 0) {
		/* clang missing (77) is a skip; a compile error is a failure. */
		printf("examples not built (status %d): example tests skipped\n", rc);
		CHECK(WEXITSTATUS(rc) == 77);
		return test_summary();
	}
	test_example_shapes();
	test_load_run();
	test_examples_run();
	test_features();
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		test_truncation(examples[i]);
		test_corruption(examples[i]);
	}
	return test_summary();
}
