/* SPDX-License-Identifier: MIT */
/*
 * bench_maps.c - map throughput: lookups and updates per second for array, hash, lru_hash
 * and lpm_trie, from the host API and from a BPF program (a loop of bpf_map_lookup_elem in
 * the interpreter, unchecked), with 1 and 2 threads on the same map. 8192 live keys; every
 * thread walks the keys in a different pseudo-random order.
 * Usage: bench_maps [-t SECONDS_PER_CELL]
 */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "userbpf.h"

#define NKEYS 8192
#define PROG_LOOKUPS 4096

static double cell_seconds = 0.3;

enum op { OP_HOST_LOOKUP, OP_HOST_UPDATE, OP_PROG_LOOKUP };

struct job {
	struct userbpf_map *map;
	struct userbpf_prog *prog;
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

static void *worker(void *arg)
{
	struct job *j = arg;
	uint64_t value[2] = {1, 2}, ops = 0, x = j->seed * 0x9e3779b97f4a7c15ull + 1;
	uint8_t key[8];
	double t0 = now(), t;
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
			} else {
				uint64_t r0;

				userbpf_prog_run(j->prog, mem, sizeof(mem), NULL, &r0, NULL);
				ops += PROG_LOOKUPS;
				b += 15;
			}
		}
		t = now();
	} while (t - t0 < cell_seconds);
	j->ops = ops;
	j->secs = t - t0;
	return NULL;
}

/* for (i = 0; i < PROG_LOOKUPS; i++) hits += !!lookup(map, key(i * 2654435761 % NKEYS)) */
static struct userbpf_prog *lookup_prog(struct userbpf_env *env, struct userbpf_map *map,
					uint32_t type)
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
		I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_IDX, 0, 0), I(0, 0, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1),
		I(BPF_JMP | BPF_JLT | BPF_K, 6, 0, -13, PROG_LOOKUPS),  /* 15: back to 3 */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	USERBPF_OPTS(userbpf_prog_opts, o, .unsafe_trusted = true, .maps = &map, .nmaps = 1);
	struct userbpf_error err;
	struct userbpf_prog *prog = userbpf_prog_load(env, p, sizeof(p), &o, &err);
	uint64_t r0 = 0;
	uint8_t mem[8];

	if (!prog || userbpf_prog_run(prog, mem, 8, NULL, &r0, &err) || r0 != PROG_LOOKUPS) {
		fprintf(stderr, "bench_maps: lookup program failed (%s, hits %llu)\n", err.message,
			(unsigned long long)r0);
		exit(1);
	}
	return prog;
#undef I
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

static double measure(struct userbpf_map *m, struct userbpf_prog *prog, uint32_t type,
		      enum op op, int nthreads)
{
	pthread_t t[2];
	struct job j[2];
	double rate = 0;

	for (int i = 0; i < nthreads; i++) {
		j[i] = (struct job){m, prog, type, op, (uint32_t)i + 1, 0, 0};
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
	printf("# map operations per second (millions), %d keys, 16-byte values\n", NKEYS);
	printf("%-10s %8s %14s %14s %14s\n", "map", "threads", "host lookup", "host update",
	       "prog lookup");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct userbpf_map *m = make_map(types[i].type);
		struct userbpf_prog *prog = lookup_prog(env, m, types[i].type);

		for (int th = 1; th <= 2; th++) {
			double l = measure(m, prog, types[i].type, OP_HOST_LOOKUP, th);
			double u = measure(m, prog, types[i].type, OP_HOST_UPDATE, th);
			double p = measure(m, prog, types[i].type, OP_PROG_LOOKUP, th);

			printf("%-10s %8d %14.2f %14.2f %14.2f\n", types[i].name, th, l / 1e6, u / 1e6,
			       p / 1e6);
			fflush(stdout);
		}
		userbpf_prog_free(prog);
		userbpf_map_free(m);
	}
	userbpf_env_free(env);
	return 0;
}
