/* SPDX-License-Identifier: MIT */
/*
 * fuzz_run.c - libFuzzer target for loading and running arbitrary bytecode in checked mode.
 * The first input byte picks run options (read-only input, an extra host region, budget, the
 * back end: interpreter or JIT) and how the rest becomes a program (raw slots, or generated
 * from the operation table). Whatever the bytes, load must fail cleanly or the checked run must end
 * with a result or an error: never a crash, a sanitizer report or a hang, and read-only memory
 * (the host region always, the input when marked read-only) must come out unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "userbpf.h"

static uint64_t h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		      struct userbpf_call *call)
{
	(void)call;
	return a + b + c + d + e;
}

/* Sums the bytes of [r1, r1 + r2) if the run allows reading them, as a real helper must. */
static uint64_t h_read(uint64_t p, uint64_t len, uint64_t c, uint64_t d, uint64_t e,
		       struct userbpf_call *call)
{
	uint64_t s = 0;

	(void)c, (void)d, (void)e;
	if (len > 4096 || !userbpf_call_mem_ok(call, p, len, false))
		return (uint64_t)-EFAULT;
	for (uint64_t i = 0; i < len; i++)
		s += ((const uint8_t *)(uintptr_t)p)[i];
	return s;
}

/* Writes r3 into [r1, r1 + r2) if the run allows writing there. */
static uint64_t h_fill(uint64_t p, uint64_t len, uint64_t v, uint64_t d, uint64_t e,
		       struct userbpf_call *call)
{
	(void)d, (void)e;
	if (len > 4096 || !userbpf_call_mem_ok(call, p, len, true))
		return (uint64_t)-EFAULT;
	memset((void *)(uintptr_t)p, (int)v, len);
	return 0;
}

static uint64_t h_abort(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			struct userbpf_call *call)
{
	(void)b, (void)c, (void)d, (void)e;
	if (a & 1)
		userbpf_call_abort(call, -EPERM, "odd argument");
	return a;
}

/*
 * Generate a structurally plausible program: every 8 input bytes pick an operation from the
 * table and its operands, and jump targets are folded into the program, so the fuzzer spends
 * its time in the interpreter rather than in validation. Returns the slot count.
 */
static size_t generate(const uint8_t *data, size_t size, struct bpf_insn *out, size_t max)
{
	size_t n = 0;

	for (; size >= 8 && n + 3 <= max; data += 8, size -= 8) {
		const struct isa_op_info *i = &isa_ops[data[0] % OP__COUNT];
		struct bpf_insn in = {0};
		int32_t imm;

		memcpy(&imm, data + 4, 4);
		in.code = i->code;
		in.dst_reg = (uint8_t)((data[1] & 15) % 11);
		in.src_reg = i->src == ANY ? (uint8_t)((data[1] >> 4) % 11) : (uint8_t)i->src;
		in.off = i->off == ANY ? (int16_t)(int8_t)data[2] : (int16_t)i->off;
		in.imm = i->imm == ANY ? (data[3] & 1 ? imm : (int8_t)data[3] >> 1) : i->imm;
		if (i->format == F_LDDW) {
			in.src_reg = 0;
			out[n++] = in;
			memset(&out[n], 0, sizeof(out[n]));
			out[n++].imm = imm;
			continue;
		}
		out[n++] = in;
	}
	memset(&out[n], 0, sizeof(out[n]));
	out[n++].code = BPF_JMP | BPF_EXIT;
	/* Fold relative targets into the program (validation still rejects lddw-tail targets). */
	for (size_t pc = 0; pc < n; pc++) {
		int64_t d;

		switch (isa_ops[isa_decode(&out[pc]) % OP__COUNT].format) {
		case F_LDDW:
			pc++;
			break;
		case F_JA:
		case F_JMP_K:
		case F_JMP_X:
			d = (int64_t)((uint64_t)(out[pc].off + (int64_t)pc + 1 + (int64_t)n * 4) % n);
			out[pc].off = (int16_t)(d - (int64_t)pc - 1);
			break;
		case F_JA32:
		case F_CALL_LOCAL:
			d = (int64_t)((uint64_t)(out[pc].imm % (int64_t)n + (int64_t)pc + 1 + (int64_t)n * 4) % n);
			out[pc].imm = (int32_t)(d - (int64_t)pc - 1);
			break;
		default:
			break;
		}
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum { MAX_SLOTS = 256 };
	struct bpf_insn code[MAX_SLOTS + 1];
	struct userbpf_error err;
	struct userbpf_env *env;
	struct userbpf_prog *prog;
	uint8_t mem[64], before[64], host[32];
	struct userbpf_region region = {host, sizeof(host), false};
	uint64_t r0;
	uint8_t cfg;
	int ret;

	if (size < 1)
		return 0;
	cfg = data[0];
	data++;
	size--;
	env = userbpf_env_new(NULL, &err);
	if (!env)
		return 0;
	userbpf_env_register_helper(env, 1, "sum", h_sum, &err);
	userbpf_env_register_helper(env, 2, "read", h_read, &err);
	userbpf_env_register_helper(env, 3, "fill", h_fill, &err);
	userbpf_env_register_helper(env, 5, "abort_if_odd", h_abort, &err);
	/*
	 * cfg bits 4-5 choose how the bytes become a program: raw slots; raw slots ending with an
	 * exit (so more random programs pass validation); generated from the operation table.
	 */
	if ((cfg & 0x30) == 0x10 && size / 8 < MAX_SLOTS) {
		size &= ~(size_t)7;
		memcpy(code, data, size);
		memset(&code[size / 8], 0, sizeof(code[0]));
		code[size / 8].code = BPF_JMP | BPF_EXIT;
		prog = userbpf_prog_load(env, code, size + 8, NULL, &err);
	} else if ((cfg & 0x30) == 0x20) {
		size_t n = generate(data, size, code, MAX_SLOTS);

		prog = userbpf_prog_load(env, code, n * sizeof(code[0]), NULL, &err);
	} else {
		prog = userbpf_prog_load(env, data, size & ~(size_t)7, NULL, &err);
	}
	if (prog) {
		/* cfg bit 6 picks the back end: the same oracles hold for the JIT. */
		USERBPF_OPTS(userbpf_run_opts, opts, .budget = (cfg & 4) ? 1 : 2000,
			     .backend = (cfg & 0x40) ? USERBPF_BACKEND_JIT : USERBPF_BACKEND_INTERP,
			     .mem_readonly = cfg & 1, .regions = &region,
			     .nregions = (cfg & 2) ? 1 : 0, .checked = true);

		for (size_t i = 0; i < sizeof(mem); i++)
			mem[i] = (uint8_t)(i * 7 + cfg);
		memcpy(before, mem, sizeof(mem));
		memset(host, 0x5a, sizeof(host));
		ret = userbpf_prog_run(prog, mem, (cfg & 8) ? 0 : sizeof(mem), &opts, &r0, &err);
		/* A failed run names its code, component and a valid instruction. */
		if (ret && (ret >= 0 || err.code != ret || !err.component || err.insn < 0 ||
			    (size_t)err.insn >= userbpf_prog_insn_count(prog) || !err.message[0]))
			abort();
		/* Checked mode's promise: read-only memory is never written, by program or helper. */
		for (size_t i = 0; i < sizeof(host); i++)
			if (host[i] != 0x5a)
				abort();
		if ((cfg & 1) && memcmp(before, mem, sizeof(mem)))
			abort();
		userbpf_prog_free(prog);
	}
	userbpf_env_free(env);
	return 0;
}
