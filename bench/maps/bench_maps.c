/* SPDX-License-Identifier: MIT */
/*
 * bench_maps.c - map throughput: lookups and updates per second for array, hash, lru_hash
 * and lpm_trie, from the host API and from a BPF program (a loop of bpf_map_lookup_elem in
 * the interpreter, unchecked), with 1 and 2 threads on the same map. 8192 live keys; every
 * thread walks the keys in a different pseudo-random order.
 *
 * Beside each userbpf figure, the kernel's where bpf(2) works: the same map type driven from
 * user space through the syscall (BPF_MAP_LOOKUP_ELEM / UPDATE_ELEM), and the same lookup
 * loop as an XDP program run by BPF_PROG_TEST_RUN (timed by the kernel: the syscall around
 * the runs is not counted).
 * Usage: bench_maps [-t SECONDS_PER_CELL]
 */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "userbpf.h"

#define NKEYS 8192
#define PROG_LOOKUPS 4096

static double cell_seconds = 0.3;

enum op { OP_HOST_LOOKUP, OP_HOST_UPDATE, OP_PROG_LOOKUP, OP_K_LOOKUP, OP_K_UPDATE, OP_K_PROG };

struct job {
	struct userbpf_map *map;
	struct userbpf_prog *prog;
	int kfd, kprog; /* the kernel's map and program */
	uint32_t type;
	enum op op;
	uint32_t seed;
	uint64_t ops;
	double secs;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The key for index i: u32 i, or an LPM /32 key whose address bytes are i's. */
static void make_key(uint32_t type, uint32_t i, uint8_t key[8])
{
	if (type == BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t plen = 32;

		memcpy(key, &plen, 4);
		memcpy(key + 4, &i, 4);
	} else {
		memcpy(key, &i, 4);
	}
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int k_elem(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a) ? -errno : 0;
}

/* Run the kernel program `repeat` times; the average ns per run, or a negative errno. */
static double k_test_run(int prog, uint32_t repeat, uint32_t *retval)
{
	uint8_t data[64] = {0};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.data_in = (uint64_t)(uintptr_t)data;
	a.test.data_size_in = sizeof(data);
	a.test.repeat = repeat;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a))
		return -errno;
	*retval = a.test.retval;
	return a.test.duration;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	uint64_t value[2] = {1, 2}, ops = 0, x = j->seed * 0x9e3779b97f4a7c15ull + 1;
	uint8_t key[8];
	double t0 = now(), t, kns = 0;
	uint8_t mem[8];

	do {
		for (int b = 0; b < 256; b++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			make_key(j->type, (uint32_t)(x % NKEYS), key);
			if (j->op == OP_HOST_LOOKUP) {
				userbpf_map_lookup(j->map, key, value, 0, NULL);
				ops++;
			} else if (j->op == OP_HOST_UPDATE) {
				value[0]++;
				userbpf_map_update(j->map, key, value, 0, NULL);
				ops++;
			} else if (j->op == OP_PROG_LOOKUP) {
				uint64_t r0;

				userbpf_prog_run(j->prog, mem, sizeof(mem), NULL, &r0, NULL);
				ops += PROG_LOOKUPS;
				b += 15;
			} else if (j->op == OP_K_LOOKUP) {
				k_elem(BPF_MAP_LOOKUP_ELEM, j->kfd, key, value, 0);
				ops++;
			} else if (j->op == OP_K_UPDATE) {
				value[0]++;
				k_elem(BPF_MAP_UPDATE_ELEM, j->kfd, key, value, 0);
				ops++;
			} else {
				uint32_t rv;
				/* test_run times the runs itself (ns per run); 16 runs per call */
				double d = k_test_run(j->kprog, 16, &rv);

				if (d < 0)
					break;
				kns += d * 16;
				ops += 16 * PROG_LOOKUPS;
				b += 255;
			}
		}
		t = now();
	} while (t - t0 < cell_seconds);
	j->ops = ops;
	/* The kernel program's own timing excludes the syscall around the runs. */
	j->secs = j->op == OP_K_PROG && kns > 0 ? kns * 1e-9 : t - t0;
	return NULL;
}

/* for (i = 0; i < PROG_LOOKUPS; i++) hits += !!lookup(map, key(i * 2654435761 % NKEYS)) */
static void lookup_insns(uint32_t type, int src, int imm, struct bpf_insn *out, size_t *n)
{
#define I(c, d, s, o, i_)                                                                       \
	((struct bpf_insn){.code = (uint8_t)(c), .dst_reg = (d), .src_reg = (s), .off = (int16_t)(o), \
			   .imm = (int32_t)(i_)})
	bool lpm = type == BPF_MAP_TYPE_LPM_TRIE;
	struct bpf_insn p[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0),             /* 0: i = 0 */
		I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0),             /* 1: hits = 0 */
		I(BPF_ST | BPF_W | BPF_MEM, 10, 0, -8, 32),             /* 2: plen (lpm) */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),             /* 3: loop: r1 = i */
		I(BPF_ALU | BPF_MUL | BPF_K, 1, 0, 0, (int32_t)2654435761u),
		I(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, NKEYS - 1),
		I(BPF_STX | BPF_W | BPF_MEM, 10, 1, -4, 0),             /* 6: key */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, lpm ? -8 : -4),
		I(BPF_LD | BPF_DW | BPF_IMM, 1, src, 0, imm), I(0, 0, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1),
		I(BPF_JMP | BPF_JLT | BPF_K, 6, 0, -13, PROG_LOOKUPS),  /* 15: back to 3 */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	memcpy(out, p, sizeof(p));
	*n = sizeof(p) / sizeof(p[0]);
#undef I
}

static struct userbpf_prog *lookup_prog(struct userbpf_env *env, struct userbpf_map *map,
					uint32_t type)
{
	struct bpf_insn p[32];
	size_t n;
	USERBPF_OPTS(userbpf_prog_opts, o, .unsafe_trusted = true, .maps = &map, .nmaps = 1);
	struct userbpf_error err;
	struct userbpf_prog *prog;
	uint64_t r0 = 0;
	uint8_t mem[8];

	lookup_insns(type, BPF_PSEUDO_MAP_IDX, 0, p, &n);
	prog = userbpf_prog_load(env, p, n * sizeof(p[0]), &o, &err);

	if (!prog || userbpf_prog_run(prog, mem, 8, NULL, &r0, &err) || r0 != PROG_LOOKUPS) {
		fprintf(stderr, "bench_maps: lookup program failed (%s, hits %llu)\n", err.message,
			(unsigned long long)r0);
		exit(1);
	}
	return prog;
}

/* The kernel's map of the same type, filled alike, and the lookup loop as XDP; -1 if none. */
static int k_setup(uint32_t type, int *prog_fd)
{
	union bpf_attr a;
	struct bpf_insn p[32];
	size_t n;
	uint64_t v[2] = {0, 0};
	uint8_t key[8];
	uint32_t rv = 0;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = type == BPF_MAP_TYPE_LPM_TRIE ? 8 : 4;
	a.value_size = 16;
	a.max_entries = NKEYS;
	a.map_flags = type == BPF_MAP_TYPE_LPM_TRIE ? BPF_F_NO_PREALLOC : 0;
	fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return -1;
	for (uint32_t i = 0; i < NKEYS; i++) {
		make_key(type, i, key);
		v[0] = i;
		k_elem(BPF_MAP_UPDATE_ELEM, fd, key, v, 0);
	}
	lookup_insns(type, BPF_PSEUDO_MAP_FD, fd, p, &n);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	*prog_fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (*prog_fd >= 0 && (k_test_run(*prog_fd, 1, &rv) < 0 || rv != PROG_LOOKUPS)) {
		close(*prog_fd);
		*prog_fd = -1;
	}
	return fd;
}

static struct userbpf_map *make_map(uint32_t type)
{
	USERBPF_OPTS(userbpf_map_opts, o,
		     .map_flags = type == BPF_MAP_TYPE_LPM_TRIE ? BPF_F_NO_PREALLOC : 0);
	uint32_t ks = type == BPF_MAP_TYPE_LPM_TRIE ? 8 : 4;
	struct userbpf_error err;
	struct userbpf_map *m = userbpf_map_create(type, ks, 16, NKEYS, &o, &err);
	uint64_t v[2] = {0, 0};
	uint8_t key[8];

	if (!m) {
		fprintf(stderr, "bench_maps: %s\n", err.message);
		exit(1);
	}
	for (uint32_t i = 0; i < NKEYS; i++) {
		make_key(type, i, key);
		v[0] = i;
		if (userbpf_map_update(m, key, v, 0, &err)) {
			fprintf(stderr, "bench_maps: fill: %s\n", err.message);
			exit(1);
		}
	}
	return m;
}

static double measure(struct userbpf_map *m, struct userbpf_prog *prog, int kfd, int kprog,
		      uint32_t type, enum op op, int nthreads)
{
	pthread_t t[2];
	struct job j[2];
	double rate = 0;

	for (int i = 0; i < nthreads; i++) {
		j[i] = (struct job){m, prog, kfd, kprog, type, op, (uint32_t)i + 1, 0, 0};
		pthread_create(&t[i], NULL, worker, &j[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		rate += (double)j[i].ops / j[i].secs;
	}
	return rate;
}

int main(int argc, char **argv)
{
	static const struct {
		uint32_t type;
		const char *name;
	} types[] = {
		{BPF_MAP_TYPE_ARRAY, "array"},
		{BPF_MAP_TYPE_HASH, "hash"},
		{BPF_MAP_TYPE_LRU_HASH, "lru_hash"},
		{BPF_MAP_TYPE_LPM_TRIE, "lpm_trie"},
	};
	struct userbpf_error err;
	struct userbpf_env *env = userbpf_env_new(NULL, &err);

	if (argc == 3 && strcmp(argv[1], "-t") == 0)
		cell_seconds = atof(argv[2]);
	userbpf_env_register_std_helpers(env, &err);
	printf("# map operations per second (millions), %d keys, 16-byte values;"
	       " k: the kernel (bpf(2) syscalls, XDP program via BPF_PROG_TEST_RUN)\n", NKEYS);
	printf("%-9s %3s %9s %9s %9s %9s %9s %9s\n", "map", "thr", "lookup", "k lookup",
	       "update", "k update", "prog", "k prog");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct userbpf_map *m = make_map(types[i].type);
		struct userbpf_prog *prog = lookup_prog(env, m, types[i].type);
		int kprog = -1, kfd = k_setup(types[i].type, &kprog);

		for (int th = 1; th <= 2; th++) {
			double r[6];

			r[0] = measure(m, prog, kfd, kprog, types[i].type, OP_HOST_LOOKUP, th);
			r[1] = kfd >= 0 ? measure(m, prog, kfd, kprog, types[i].type, OP_K_LOOKUP, th) : 0;
			r[2] = measure(m, prog, kfd, kprog, types[i].type, OP_HOST_UPDATE, th);
			r[3] = kfd >= 0 ? measure(m, prog, kfd, kprog, types[i].type, OP_K_UPDATE, th) : 0;
			r[4] = measure(m, prog, kfd, kprog, types[i].type, OP_PROG_LOOKUP, th);
			r[5] = kprog >= 0 ? measure(m, prog, kfd, kprog, types[i].type, OP_K_PROG, th) : 0;
			printf("%-9s %3d", types[i].name, th);
			for (int c = 0; c < 6; c++)
				if (r[c] > 0)
					printf(" %9.2f", r[c] / 1e6);
				else
					printf(" %9s", "-");
			printf("\n");
			fflush(stdout);
		}
		if (kprog >= 0)
			close(kprog);
		if (kfd >= 0)
			close(kfd);
		userbpf_prog_free(prog);
		userbpf_map_free(m);
	}
	userbpf_env_free(env);
	return 0;
}
