/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_maps.c - the verifier on helper calls and maps (raw-memory program type, R1 =
 * 64 bytes of input): arguments checked against the helper prototypes, map pointers from
 * lddw, lookups that may return NULL and their null checks (JMP and JMP32, copies in
 * registers and on the stack), map value bounds with fixed and variable offsets, read-only
 * maps, direct value access, memory + size pairs and strings. Each rule has a rejection with
 * the kernel's message and an accepted near miss; accepted programs with maps also run in
 * checked mode against the real maps.
 */
#include <errno.h>
#include <stdlib.h>

#include "isa/isa.h"
#include "verifier/verifier.h"
#include "userbpf.h"
#include "test.h"

static struct bpf_insn I(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}

#define MOV(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU(op, d, k) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, k)
#define ALUR(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define LDX(sz, d, s, off) I(BPF_LDX | (sz) | BPF_MEM, d, s, off, 0)
#define STX(sz, d, s, off) I(BPF_STX | (sz) | BPF_MEM, d, s, off, 0)
#define ST(sz, d, off, k) I(BPF_ST | (sz) | BPF_MEM, d, 0, off, k)
#define JMP(op, d, k, off) I(BPF_JMP | (op) | BPF_K, d, 0, off, k)
#define JMP32(op, d, k, off) I(BPF_JMP32 | (op) | BPF_K, d, 0, off, k)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* lddw: map i (src 1), or byte off of its value (src 2) */
#define LD_MAP(d, i) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, i), I(0, 0, 0, 0, 0)
#define LD_MAP_IDX(d, i) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_IDX, 0, i), I(0, 0, 0, 0, 0)
#define LD_VAL(d, i, off)                                                                    \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_VALUE, 0, i), I(0, 0, 0, 0, off)
/* r2 = fp-4 holding a u32 key 0 */
#define KEY0 ST(BPF_W, 10, -4, 0), MOVR(2, 10), ALU(BPF_ADD, 2, -4)
/* r0 = lookup(map i, key 0) */
#define LOOKUP(i) LD_MAP(1, i), KEY0, CALL(BPF_FUNC_map_lookup_elem)

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* maps: 0 array k4 v16 x4, 1 hash k8 v8, 2 rdonly_prog array v16 x1 frozen ("hi"),
 * 3 queue v16, 4 rdonly_prog array not frozen, 5 ringbuf, 6 frozen rdonly_prog array x4 */
enum { M_ARRAY, M_HASH, M_RO, M_QUEUE, M_RO_UNFROZEN, M_RINGBUF, M_RO4, M_COUNT };
static struct userbpf_map *maps[M_COUNT];
static char logbuf[1 << 16];
static struct userbpf_error err;
static struct userbpf_env *uenv;

static int verify(const struct bpf_insn *p, size_t n, bool priv, uint32_t level)
{
	struct verifier_opts opts = {.mem_size = 64, .privileged = priv, .log_level = level,
				     .insn_limit = 20000, .maps = maps, .nmaps = M_COUNT};
	struct verifier_log log = {logbuf, sizeof(logbuf), 0, false};

	memset(&err, 0, sizeof(err));
	return verifier_check_insns(p, n, &opts, &log, &err);
}

static void reject(const char *name, const struct bpf_insn *p, size_t n, bool priv, int insn,
		   const char *msg)
{
	int ret = verify(p, n, priv, 1);

	if (ret == 0 || strcmp(err.message, msg) != 0 || err.insn != insn || !strstr(logbuf, msg))
		fprintf(stderr, "%s: ret %d insn %d message \"%s\" (want %d \"%s\")\nlog:\n%s\n", name,
			ret, err.insn, err.message, insn, msg, logbuf);
	CHECK(ret != 0);
	CHECK_STR(err.message, msg);
	CHECK(err.insn == insn);
	CHECK(strstr(logbuf, msg) != NULL);
}

/* Accepted, and runs in checked mode against the real maps without a fault. */
static void accept(const char *name, const struct bpf_insn *p, size_t n, bool priv)
{
	int ret = verify(p, n, priv, 2);
	USERBPF_OPTS(userbpf_prog_opts, po, .maps = maps, .nmaps = M_COUNT);
	struct userbpf_prog *prog;

	if (ret)
		fprintf(stderr, "%s: rejected: %s (insn %d)\nlog:\n%s\n", name, err.message, err.insn,
			logbuf);
	CHECK(ret == 0);
	prog = userbpf_prog_load(uenv, p, n * sizeof(*p), &po, &err);
	CHECK(prog != NULL);
	if (prog) {
		uint8_t mem[64] = {0};
		uint64_t r0;
		USERBPF_OPTS(userbpf_run_opts, ro, .checked = true, .budget = 100000);

		ret = userbpf_prog_run(prog, mem, sizeof(mem), &ro, &r0, &err);
		if (ret)
			fprintf(stderr, "%s: checked run failed: %s\n", name, err.message);
		CHECK(ret == 0);
		userbpf_prog_free(prog);
	}
}

static void test_lookup(void)
{
	struct bpf_insn ok[] = {LOOKUP(M_ARRAY), JMP(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 8),
				EXIT()};
	accept("lookup + null check", ok, N(ok), false);
	/* the log shows the maybe-NULL type with its id, then the value after the check */
	CHECK(verify(ok, N(ok), false, 2) == 0);
	CHECK(strstr(logbuf, "R0=map_value_or_null(id=1,map=array,ks=4,vs=16)") != NULL);
	CHECK(strstr(logbuf, "R1=map_ptr(map=array,ks=4,vs=16)") != NULL);
	CHECK(strstr(logbuf, "0: (18) r1 = map[id:0]") != NULL);
	CHECK(strstr(logbuf, "5: (85) call bpf_map_lookup_elem#1") != NULL);
	CHECK(strstr(logbuf, "R0=map_value(map=array,ks=4,vs=16)") != NULL);

	struct bpf_insn no_check[] = {LOOKUP(M_ARRAY), LDX(BPF_DW, 0, 0, 8), EXIT()};
	reject("no null check", no_check, N(no_check), false, 6,
	       "R0 invalid mem access 'map_value_or_null'");

	struct bpf_insn ne[] = {LD_MAP(1, M_HASH), ST(BPF_W, 10, -8, 0), MOVR(2, 10),
				ALU(BPF_ADD, 2, -8), CALL(BPF_FUNC_map_lookup_elem), MOV(0, 0), EXIT()};
	reject("hash key needs 8 bytes", ne, N(ne), false, 5,
	       "invalid indirect read from stack R2 off -8+4 size 8");
	struct bpf_insn ne4[] = {LOOKUP(M_HASH), MOV(0, 0), EXIT()};
	reject("hash key past fp", ne4, N(ne4), false, 5,
	       "invalid indirect access to stack R2 off=-4 size=8");
	struct bpf_insn ne8[] = {LD_MAP(1, M_HASH), ST(BPF_DW, 10, -8, 0), MOVR(2, 10),
				 ALU(BPF_ADD, 2, -8), CALL(BPF_FUNC_map_lookup_elem),
				 JMP(BPF_JNE, 0, 0, 1), EXIT(), LDX(BPF_DW, 0, 0, 0), EXIT()};
	accept("jne null check", ne8, N(ne8), false);

	/* the key must be initialised (unprivileged), all key_size bytes of it */
	struct bpf_insn nokey[] = {LD_MAP(1, M_ARRAY), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
				   CALL(BPF_FUNC_map_lookup_elem), MOV(0, 0), EXIT()};
	reject("uninit key", nokey, N(nokey), false, 4,
	       "invalid indirect read from stack R2 off -4+0 size 4");
	struct bpf_insn halfkey[] = {LD_MAP(1, M_ARRAY), ST(BPF_H, 10, -4, 0), MOVR(2, 10),
				     ALU(BPF_ADD, 2, -4), CALL(BPF_FUNC_map_lookup_elem), MOV(0, 0),
				     EXIT()};
	reject("half key", halfkey, N(halfkey), false, 5,
	       "invalid indirect read from stack R2 off -4+2 size 4");
	struct bpf_insn outkey[] = {LD_MAP(1, M_ARRAY), MOVR(2, 10), ALU(BPF_ADD, 2, -2),
				    CALL(BPF_FUNC_map_lookup_elem), MOV(0, 0), EXIT()};
	reject("key past fp", outkey, N(outkey), false, 4,
	       "invalid indirect access to stack R2 off=-2 size=4");
	/* privileged programs may pass uninitialised stack, as the kernel allows */
	accept("uninit key, privileged", nokey, N(nokey), true);

	/* argument types */
	struct bpf_insn scalar_map[] = {MOV(1, 0), KEY0, CALL(BPF_FUNC_map_lookup_elem), EXIT()};
	reject("r1 scalar", scalar_map, N(scalar_map), false, 4, "R1 type=scalar expected=map_ptr");
	struct bpf_insn key_scalar[] = {LD_MAP(1, M_ARRAY), MOV(2, 0),
					CALL(BPF_FUNC_map_lookup_elem), EXIT()};
	reject("r2 scalar", key_scalar, N(key_scalar), false, 3,
	       "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, "
	       "buf, trusted_ptr_");
	struct bpf_insn no_r3[] = {LD_MAP(1, M_ARRAY), KEY0, CALL(BPF_FUNC_map_update_elem), EXIT()};
	reject("r3 uninit", no_r3, N(no_r3), false, 5, "R3 !read_ok");

	/* R1-R5 are clobbered, R0 is a scalar for integer helpers */
	struct bpf_insn clob[] = {LOOKUP(M_ARRAY), MOVR(0, 1), EXIT()};
	reject("r1 after call", clob, N(clob), false, 6, "R1 !read_ok");
	struct bpf_insn rnd[] = {CALL(BPF_FUNC_get_prandom_u32), ALU(BPF_ADD, 0, 1), EXIT()};
	accept("integer return", rnd, N(rnd), false);

	/* the map is given through the fd_array form too; an index out of range is refused */
	struct bpf_insn idx[] = {LD_MAP_IDX(1, M_ARRAY), KEY0, CALL(BPF_FUNC_map_lookup_elem),
				 MOV(0, 0), EXIT()};
	accept("fd_array map", idx, N(idx), false);
	struct bpf_insn badfd[] = {LD_MAP(1, 17), MOV(0, 0), EXIT()};
	reject("bad map fd", badfd, N(badfd), false, 0, "fd 17 is not pointing to valid bpf_map");

	/* helpers and maps that do not go together, both ways */
	struct bpf_insn q_lookup[] = {LOOKUP(M_QUEUE), MOV(0, 0), EXIT()};
	reject("lookup in queue", q_lookup, N(q_lookup), false, 5,
	       "cannot pass map_type 22 into func bpf_map_lookup_elem#1");
	struct bpf_insn push_arr[] = {LD_MAP(1, M_ARRAY), ST(BPF_DW, 10, -16, 7), ST(BPF_DW, 10, -8, 0),
				      MOVR(2, 10), ALU(BPF_ADD, 2, -16), MOV(3, 0),
				      CALL(BPF_FUNC_map_push_elem), EXIT()};
	reject("push to array", push_arr, N(push_arr), false, 7,
	       "cannot pass map_type 2 into func bpf_map_push_elem#87");
	push_arr[0].imm = M_QUEUE;
	accept("push to queue", push_arr, N(push_arr), false);

	/* unknown and unsupported helpers; a packet helper wants a context the raw type lacks */
	struct bpf_insn skb[] = {CALL(BPF_FUNC_skb_load_bytes), EXIT()};
	reject("packet helper", skb, N(skb), false, 0, "R1 type=mem expected=ctx");
	struct bpf_insn rb[] = {LD_MAP(1, M_RINGBUF), MOV(2, 8), MOV(3, 0),
				CALL(BPF_FUNC_ringbuf_reserve), MOV(0, 0), EXIT()};
	reject("ringbuf reserve", rb, N(rb), false, 4,
	       "helper bpf_ringbuf_reserve#131 is not supported by the verifier yet");
	struct bpf_insn tail[] = {LD_MAP(2, M_ARRAY), MOV(3, 0), CALL(BPF_FUNC_tail_call),
				  MOV(0, 0), EXIT()};
	reject("ctx argument", tail, N(tail), false, 3, "R1 type=mem expected=ctx");
}

static void test_null(void)
{
	/* pointer arithmetic before the null check */
	struct bpf_insn arith[] = {LOOKUP(M_ARRAY), ALU(BPF_ADD, 0, 8), JMP(BPF_JEQ, 0, 0, 1),
				   LDX(BPF_DW, 0, 0, 0), EXIT()};
	reject("arith on or_null", arith, N(arith), false, 6,
	       "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first");
	struct bpf_insn arith_ok[] = {LOOKUP(M_ARRAY), JMP(BPF_JEQ, 0, 0, 2), ALU(BPF_ADD, 0, 8),
				      LDX(BPF_DW, 0, 0, 0), EXIT()};
	accept("arith after check", arith_ok, N(arith_ok), false);

	/* JMP32 does not null-check (as the kernel): unprivileged it is a pointer comparison */
	struct bpf_insn j32[] = {LOOKUP(M_ARRAY), JMP32(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 0),
				 EXIT()};
	reject("jmp32 unpriv", j32, N(j32), false, 6, "R0 pointer comparison prohibited");
	reject("jmp32 priv", j32, N(j32), true, 7, "R0 invalid mem access 'map_value_or_null'");

	/* against a register known to be zero, as the kernel's register_is_null() */
	struct bpf_insn jx[] = {LOOKUP(M_ARRAY), MOV(3, 0), I(BPF_JMP | BPF_JEQ | BPF_X, 0, 3, 1, 0),
				LDX(BPF_DW, 0, 0, 0), EXIT()};
	accept("null check against r3 = 0", jx, N(jx), false);
	jx[6] = MOV(3, 1);
	reject("check against r3 = 1", jx, N(jx), true, 8,
	       "R0 invalid mem access 'map_value_or_null'");

	/* every copy is converted: a register copy and a spill */
	struct bpf_insn copies[] = {LOOKUP(M_ARRAY), MOVR(6, 0), STX(BPF_DW, 10, 0, -16),
				    JMP(BPF_JEQ, 0, 0, 4), LDX(BPF_DW, 7, 10, -16),
				    LDX(BPF_DW, 0, 6, 0), LDX(BPF_DW, 0, 7, 8), EXIT(), EXIT()};
	accept("copies converted", copies, N(copies), false);
	/* a second lookup's result is not checked by the first one's test */
	struct bpf_insn two[] = {LOOKUP(M_ARRAY), MOVR(6, 0), LOOKUP(M_ARRAY),
				 JMP(BPF_JEQ, 6, 0, 1), LDX(BPF_DW, 0, 0, 0), EXIT()};
	reject("other lookup", two, N(two), false, 14, "R0 invalid mem access 'map_value_or_null'");
	two[13] = JMP(BPF_JEQ, 0, 0, 1);
	accept("own lookup", two, N(two), false);
	/* the NULL side is a known zero */
	struct bpf_insn zero[] = {LOOKUP(M_ARRAY), JMP(BPF_JNE, 0, 0, 1), ALU(BPF_ADD, 0, 1),
				  EXIT()};
	reject("null side leaks", zero, N(zero), false, 8, "R0 leaks addr as return value");
	accept("null side priv", zero, N(zero), true);
	/* the NULL side must not be accessed */
	struct bpf_insn null_acc[] = {LOOKUP(M_ARRAY), JMP(BPF_JNE, 0, 0, 1), LDX(BPF_DW, 0, 0, 0),
				      MOV(0, 0), EXIT()};
	reject("access null", null_acc, N(null_acc), false, 7, "R0 invalid mem access 'scalar'");
}

static void test_value(void)
{
	/* fixed offsets: value_size 16 */
	struct bpf_insn past[] = {LOOKUP(M_ARRAY), JMP(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 9),
				  EXIT()};
	reject("value past end", past, N(past), true, 7,
	       "R0 min value is outside of the allowed memory range");
	CHECK(strstr(logbuf, "invalid access to map value, value_size=16 off=9 size=8") != NULL);
	past[7].off = 8;
	accept("value last dword", past, N(past), true);
	past[7].off = -1;
	past[7].code = BPF_LDX | BPF_B | BPF_MEM;
	reject("value before start", past, N(past), true, 7,
	       "R0 min value is outside of the allowed memory range");

	/* variable offsets: a byte of input, bounded or not */
	struct bpf_insn var[] = {LDX(BPF_B, 6, 1, 0), LOOKUP(M_ARRAY), JMP(BPF_JEQ, 0, 0, 4),
				 JMP(BPF_JGT, 6, 15, 3), ALUR(BPF_ADD, 0, 6), LDX(BPF_B, 0, 0, 0),
				 EXIT(), MOV(0, 0), EXIT()};
	accept("bounded index", var, N(var), false);
	var[8] = JMP(BPF_JGT, 6, 16, 3);
	reject("index one too far", var, N(var), false, 10,
	       "R0 max value is outside of the allowed memory range");
	CHECK(strstr(logbuf, "invalid access to map value, value_size=16 off=16 size=1") != NULL);
	struct bpf_insn unb[] = {LDX(BPF_DW, 6, 1, 0), LOOKUP(M_ARRAY), JMP(BPF_JEQ, 0, 0, 2),
				 ALUR(BPF_ADD, 0, 6), LDX(BPF_B, 0, 0, 0), EXIT()};
	reject("unbounded min", unb, N(unb), false, 8,
	       "math between map_value pointer and register with unbounded min value is not "
	       "allowed");
	struct bpf_insn neg[] = {LDX(BPF_B, 6, 1, 0), ALU(BPF_SUB, 6, 4), LOOKUP(M_ARRAY),
				 JMP(BPF_JEQ, 0, 0, 2), ALUR(BPF_ADD, 0, 6), LDX(BPF_B, 0, 0, 0),
				 EXIT()};
	reject("negative index", neg, N(neg), false, 10,
	       "R0 min value is negative, either use unsigned index or do a if (index >=0) check.");
	neg[1] = ALU(BPF_AND, 6, 12); /* 0..12: inside the 16 bytes */
	accept("masked index", neg, N(neg), false);

	/* read-only maps: loads yes, stores no; direct value access */
	struct bpf_insn ro[] = {LOOKUP(M_RO_UNFROZEN), JMP(BPF_JEQ, 0, 0, 1),
				ST(BPF_W, 0, 0, 1), EXIT()};
	reject("store to rdonly_prog", ro, N(ro), false, 7,
	       "write into map forbidden, value_size=16 off=0 size=4");
	ro[7] = LDX(BPF_W, 0, 0, 0);
	accept("load from rdonly_prog", ro, N(ro), false);
	struct bpf_insn dv[] = {LD_VAL(1, M_RO, 4), LDX(BPF_W, 0, 1, 0), LDX(BPF_W, 0, 1, 8),
				EXIT()};
	accept("direct value load", dv, N(dv), false);
	dv[3] = LDX(BPF_W, 0, 1, 9);
	reject("direct value past end", dv, N(dv), false, 3,
	       "R1 min value is outside of the allowed memory range");
	/* loads from a frozen read-only single-value array are constants ('h' = 104) */
	struct bpf_insn fold[] = {MOVR(7, 1), LD_VAL(1, M_RO, 0), LDX(BPF_B, 6, 1, 0),
				  ALU(BPF_ADD, 6, 0), ALUR(BPF_ADD, 7, 6), LDX(BPF_B, 0, 7, 0), EXIT()};
	reject("folded constant", fold, N(fold), false, 6,
	       "invalid access to memory, mem_size=64 off=104 size=1");
	fold[1].imm = M_RO_UNFROZEN;
	reject("not frozen: unknown byte", fold, N(fold), false, 6,
	       "R7 max value is outside of the allowed memory range");
	fold[1].imm = M_RO;
	fold[4] = ALU(BPF_SUB, 6, 104);
	accept("folded constant used", fold, N(fold), false);
	struct bpf_insn dvw[] = {LD_VAL(1, M_RO, 4), ST(BPF_W, 1, 0, 1), MOV(0, 0), EXIT()};
	reject("direct value store", dvw, N(dvw), false, 2,
	       "write into map forbidden, value_size=16 off=4 size=4");
	struct bpf_insn dvh[] = {LD_VAL(1, M_HASH, 0), MOV(0, 0), EXIT()};
	reject("direct value of hash", dvh, N(dvh), false, 0,
	       "no direct value access support for this map type");
	struct bpf_insn dvo[] = {LD_VAL(1, M_RO, 16), MOV(0, 0), EXIT()};
	reject("direct value off", dvo, N(dvo), false, 0,
	       "invalid access to map value pointer, value_size=16 off=16");
	struct bpf_insn dva[] = {LD_VAL(1, M_ARRAY, 0), MOV(0, 0), EXIT()};
	reject("direct value of 4-entry array", dva, N(dva), false, 0,
	       "invalid access to map value pointer, value_size=16 off=0");

	/* no pointers into maps from unprivileged programs; map pointers do not move */
	struct bpf_insn leak[] = {LOOKUP(M_ARRAY), JMP(BPF_JEQ, 0, 0, 1), STX(BPF_DW, 0, 10, 0),
				  MOV(0, 0), EXIT()};
	reject("leak into map", leak, N(leak), false, 7, "R10 leaks addr into map");
	accept("pointer into map, privileged", leak, N(leak), true);
	struct bpf_insn mp[] = {LD_MAP(1, M_ARRAY), ALU(BPF_ADD, 1, 8), MOV(0, 0), EXIT()};
	reject("map_ptr arith", mp, N(mp), true, 2, "R1 pointer arithmetic on map_ptr prohibited");
	struct bpf_insn mpl[] = {LD_MAP(1, M_ARRAY), LDX(BPF_W, 0, 1, 0), EXIT()};
	reject("map_ptr load", mpl, N(mpl), true, 2, "R1 invalid mem access 'map_ptr'");
}

static void test_args(void)
{
	/* update: key and value from the stack, 16 value bytes */
	struct bpf_insn upd[] = {LD_MAP(1, M_ARRAY), KEY0, ST(BPF_DW, 10, -24, 1),
				 ST(BPF_DW, 10, -16, 2), MOVR(3, 10), ALU(BPF_ADD, 3, -24), MOV(4, 0),
				 CALL(BPF_FUNC_map_update_elem), EXIT()};
	accept("update", upd, N(upd), false);
	upd[6] = ST(BPF_W, 10, -16, 2);
	reject("update half value", upd, N(upd), false, 10,
	       "invalid indirect read from stack R3 off -24+12 size 16");
	upd[6] = ST(BPF_DW, 10, -16, 2);
	upd[9] = MOVR(4, 10);
	reject("flags leak", upd, N(upd), false, 10, "R4 leaks addr into helper function");

	/* memory + size: probe_read writes 16 bytes of stack, which can then be read */
	struct bpf_insn pr[] = {MOVR(1, 10), ALU(BPF_ADD, 1, -16), MOV(2, 16), MOV(3, 0),
				CALL(BPF_FUNC_probe_read), LDX(BPF_DW, 0, 10, -16), EXIT()};
	accept("probe_read into stack", pr, N(pr), false);
	pr[2] = MOV(2, 17);
	reject("probe_read too long", pr, N(pr), false, 4,
	       "invalid indirect access to stack R1 off=-16 size=17");
	pr[2] = MOV(2, 8);
	pr[5] = LDX(BPF_DW, 0, 10, -8);
	reject("probe_read part", pr, N(pr), false, 5, "invalid read from stack R10 off=-8 size=8");
	/* stale bounds across helper calls: what the helper wrote is unknown afterwards, whether
	 * the slot held a spilled constant or zero bytes */
	struct bpf_insn stale[] = {MOVR(7, 1), MOV(6, 0), STX(BPF_DW, 10, 6, -8), MOVR(1, 10),
				   ALU(BPF_ADD, 1, -8), MOV(2, 8), MOV(3, 0),
				   CALL(BPF_FUNC_probe_read), LDX(BPF_DW, 6, 10, -8),
				   ALUR(BPF_ADD, 7, 6), LDX(BPF_B, 0, 7, 0), EXIT()};
	reject("spill overwritten by helper", stale, N(stale), true, 9,
	       "math between mem pointer and register with unbounded min value is not allowed");
	stale[2] = ST(BPF_DW, 10, -8, 0);
	reject("zeros overwritten by helper", stale, N(stale), true, 9,
	       "math between mem pointer and register with unbounded min value is not allowed");
	stale[5] = MOV(2, 0); /* a zero-sized read writes nothing: the zeros stay */
	accept("zeros kept by an empty read", stale, N(stale), true);

	/* sizes: unbounded, negative, zero where not allowed */
	struct bpf_insn sz[] = {LDX(BPF_W, 2, 1, 0), MOV(3, 0), MOVR(1, 10), ALU(BPF_ADD, 1, -16),
				MOV(3, 0), CALL(BPF_FUNC_probe_read), MOV(0, 0), EXIT()};
	reject("unbounded size", sz, N(sz), false, 5,
	       "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'");
	sz[0] = LDX(BPF_DW, 2, 1, 0);
	reject("size maybe negative", sz, N(sz), false, 5,
	       "R2 min value is negative, either use unsigned index or do a if (index >=0) check.");
	sz[0] = LDX(BPF_B, 2, 1, 0);
	reject("size up to 255", sz, N(sz), false, 5,
	       "invalid indirect access to stack R1 off=-16 size=255");
	sz[1] = ALU(BPF_AND, 2, 15);
	accept("masked size", sz, N(sz), false);
	struct bpf_insn tp[] = {ST(BPF_DW, 10, -8, 0), MOVR(1, 10), ALU(BPF_ADD, 1, -8), MOV(2, 0),
				CALL(BPF_FUNC_trace_printk), EXIT()};
	reject("zero size", tp, N(tp), false, 4, "R2 invalid zero-sized read: u64=[0,0]");
	tp[3] = MOV(2, -1);
	reject("negative size", tp, N(tp), false, 4,
	       "R2 min value is negative, either use unsigned index or do a if (index >=0) check.");
	/* input memory (PTR_TO_MEM) and map values are memory arguments too */
	struct bpf_insn tpm[] = {MOV(2, 64), MOV(3, 0), MOV(4, 0), MOV(5, 0),
				 CALL(BPF_FUNC_trace_printk), MOV(0, 0), EXIT()};
	accept("printk of the input", tpm, N(tpm), false);
	tpm[0] = MOV(2, 65);
	reject("printk past the input", tpm, N(tpm), false, 4,
	       "invalid access to memory, mem_size=64 off=0 size=65");

	/* strings: a constant address in a frozen read-only map, NUL-terminated */
	struct bpf_insn sn[] = {MOVR(1, 10), ALU(BPF_ADD, 1, -16), MOV(2, 16), LD_VAL(3, M_RO, 0),
				MOV(4, 0), MOV(5, 0), CALL(BPF_FUNC_snprintf), EXIT()};
	accept("snprintf const string", sn, N(sn), false);
	sn[3].imm = M_RO_UNFROZEN;
	reject("string not frozen", sn, N(sn), false, 7, "R3 does not point to a readonly map'");
	sn[3].imm = M_RO;
	sn[4].imm = 4;
	reject("string without NUL", sn, N(sn), false, 7, "string is not zero-terminated");
	sn[4].imm = 0;
	/* a lookup in a frozen read-only array of 4: which element is unknown */
	struct bpf_insn sl[] = {LOOKUP(M_RO4), JMP(BPF_JEQ, 0, 0, 7), MOVR(3, 0), MOVR(1, 10),
				ALU(BPF_ADD, 1, -16), MOV(2, 16), MOV(4, 0), MOV(5, 0),
				CALL(BPF_FUNC_snprintf), EXIT()};
	reject("string in a 4-element map", sl, N(sl), false, 13,
	       "direct value access on string failed");
	sl[0].imm = M_RO;
	accept("string from a lookup", sl, N(sl), false);
	sn[6] = MOV(5, 1);
	reject("data NULL with size", sn, N(sn), false, 7,
	       "R4 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, "
	       "buf, trusted_ptr_");
}

static struct userbpf_map *mk(uint32_t type, uint32_t k, uint32_t v, uint32_t n, uint32_t flags)
{
	USERBPF_OPTS(userbpf_map_opts, mo, .map_flags = flags,
		     .name = type == BPF_MAP_TYPE_ARRAY && !flags && n == 4 ? "array" : NULL);
	struct userbpf_map *m = userbpf_map_create(type, k, v, n, &mo, &err);

	if (!m)
		fprintf(stderr, "map create: %s\n", err.message);
	return m;
}

int main(void)
{
	uint32_t zero = 0;
	uint8_t val[16] = "hi";

	/* a string value without NUL from offset 4 on: "hi" then 12 bytes of 'x' */
	memset(val + 4, 'x', 12);
	uenv = userbpf_env_new(NULL, NULL);
	CHECK(uenv && userbpf_env_register_std_helpers(uenv, &err) == 0);
	maps[M_ARRAY] = mk(BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0);
	maps[M_HASH] = mk(BPF_MAP_TYPE_HASH, 8, 8, 16, 0);
	maps[M_RO] = mk(BPF_MAP_TYPE_ARRAY, 4, 16, 1, BPF_F_RDONLY_PROG);
	maps[M_QUEUE] = mk(BPF_MAP_TYPE_QUEUE, 0, 16, 4, 0);
	maps[M_RO_UNFROZEN] = mk(BPF_MAP_TYPE_ARRAY, 4, 16, 1, BPF_F_RDONLY_PROG);
	maps[M_RINGBUF] = mk(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	maps[M_RO4] = mk(BPF_MAP_TYPE_ARRAY, 4, 16, 4, BPF_F_RDONLY_PROG);
	for (int i = 0; i < M_COUNT; i++)
		CHECK(maps[i] != NULL);
	CHECK(userbpf_map_update(maps[M_RO], &zero, val, 0, &err) == 0);
	CHECK(userbpf_map_freeze(maps[M_RO], &err) == 0);
	CHECK(userbpf_map_update(maps[M_RO4], &zero, val, 0, &err) == 0);
	CHECK(userbpf_map_freeze(maps[M_RO4], &err) == 0);
	test_lookup();
	test_null();
	test_value();
	test_args();
	for (int i = 0; i < M_COUNT; i++)
		userbpf_map_free(maps[i]);
	userbpf_env_free(uenv);
	return test_summary();
}
