/* SPDX-License-Identifier: MIT */
/* test_isa.c - the operation table is consistent, decoding is unambiguous, validation catches
 * each structural error with the right instruction index. */
#include <errno.h>

#include "isa/isa.h"
#include "test.h"

static struct bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}

/* An instance of op with every selector satisfied and operands at harmless values. */
static struct bpf_insn instance(int op)
{
	const struct isa_op_info *i = &isa_ops[op];

	return mk(i->code, 1, i->src == ANY ? 2 : (uint8_t)i->src, i->off == ANY ? 0 : (int16_t)i->off,
		  i->imm == ANY ? 0 : i->imm);
}

static void test_table(void)
{
	CHECK(OP__COUNT >= 160);
	for (int op = 0; op < OP__COUNT; op++) {
		struct bpf_insn in = instance(op);
		enum isa_op got = isa_decode(&in);

		if (got != (enum isa_op)op)
			fprintf(stderr, "op %s decodes as %s\n", isa_ops[op].name,
				got == OP_INVALID ? "invalid" : isa_ops[got].name);
		CHECK(got == (enum isa_op)op);
		CHECK(isa_ops[op].mnemonic && isa_ops[op].semantics && isa_ops[op].name);
	}
	/* Every opcode byte either decodes to something or to nothing, never to two ops. */
	for (int code = 0; code < 256; code++) {
		int hits = 0;
		for (int op = 0; op < OP__COUNT; op++)
			if (isa_ops[op].code == code && isa_ops[op].off != ANY && isa_ops[op].imm != ANY &&
			    isa_ops[op].src != ANY)
				hits++;
		CHECK(hits <= 16);
	}
}

static int validate(const struct bpf_insn *p, size_t n, struct userbpf_error *err)
{
	err->insn = -2;
	err->message[0] = 0;
	return isa_validate(p, n, err);
}

static void test_validate(void)
{
	struct userbpf_error err;
	struct bpf_insn ok[] = {mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1), mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
	CHECK(validate(ok, 2, &err) == 0);
	CHECK(validate(ok, 0, &err) == -EINVAL);

	struct bpf_insn unk[] = {mk(0xff, 0, 0, 0, 0), ok[1]};
	CHECK(validate(unk, 2, &err) == -EINVAL && err.insn == 0 && strstr(err.message, "unknown opcode ff"));

	struct bpf_insn resv[] = {ok[0], mk(BPF_ALU64 | BPF_ADD | BPF_K, 0, 3, 0, 1), ok[1]};
	CHECK(validate(resv, 3, &err) == -EINVAL && err.insn == 1 && strstr(err.message, "reserved"));

	struct bpf_insn badreg[] = {mk(BPF_ALU64 | BPF_MOV | BPF_X, 11, 1, 0, 0), ok[1]};
	CHECK(validate(badreg, 2, &err) == -EINVAL && err.insn == 0 && strstr(err.message, "R11 is invalid"));

	struct bpf_insn fp[] = {ok[0], mk(BPF_ALU64 | BPF_MOV | BPF_K, 10, 0, 0, 1), ok[1]};
	CHECK(validate(fp, 3, &err) == -EINVAL && err.insn == 1 && strstr(err.message, "frame pointer is read only"));

	struct bpf_insn jmp[] = {mk(BPF_JMP | BPF_JA, 0, 0, 5, 0), ok[1]};
	CHECK(validate(jmp, 2, &err) == -EINVAL && err.insn == 0 && strstr(err.message, "jump out of range"));

	struct bpf_insn mid[] = {mk(BPF_JMP | BPF_JA, 0, 0, 1, 0), mk(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, 1),
				 mk(0, 0, 0, 0, 2), ok[1]};
	CHECK(validate(mid, 4, &err) == -EINVAL && err.insn == 0 && strstr(err.message, "middle of ldimm64"));

	struct bpf_insn trunc[] = {ok[0], mk(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, 1)};
	CHECK(validate(trunc, 2, &err) == -EINVAL && err.insn == 1 && strstr(err.message, "ld_imm64"));

	struct bpf_insn fall[] = {ok[0], ok[0]};
	CHECK(validate(fall, 2, &err) == -EINVAL && err.insn == 1 && strstr(err.message, "last insn"));

	struct bpf_insn lddw_ok[] = {mk(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, 1), mk(0, 0, 0, 0, 2), ok[1]};
	CHECK(validate(lddw_ok, 3, &err) == 0);
	CHECK(isa_imm64(lddw_ok) == 0x200000001LL);

	struct bpf_insn atom[] = {mk(BPF_STX | BPF_DW | BPF_ATOMIC, 1, 2, 0, 0x77), ok[1]};
	CHECK(validate(atom, 2, &err) == -EINVAL && strstr(err.message, "atomic"));

	struct bpf_insn sdiv_bad[] = {mk(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 2, 1), ok[1]};
	CHECK(validate(sdiv_bad, 2, &err) == -EINVAL && err.insn == 0);

	struct bpf_insn movsx[] = {mk(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 16, 0), ok[1]};
	CHECK(validate(movsx, 2, &err) == 0 && isa_decode(movsx) == OP_MOVSX16_64);

	struct bpf_insn ja_dst[] = {mk(BPF_JMP | BPF_JA, 1, 0, 0, 0), ok[1]};
	CHECK(validate(ja_dst, 2, &err) == -EINVAL && strstr(err.message, "reserved"));

	struct bpf_insn local[] = {mk(BPF_JMP | BPF_CALL, 0, 1, 0, 1), ok[1], ok[0], ok[1]};
	CHECK(validate(local, 4, &err) == 0);
	local[0].imm = 7;
	CHECK(validate(local, 4, &err) == -EINVAL && strstr(err.message, "jump out of range"));
}

int main(void)
{
	test_table();
	test_validate();
	return test_summary();
}
