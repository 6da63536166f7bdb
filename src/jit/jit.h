/* SPDX-License-Identifier: MIT */
/*
 * jit.h - private interface of src/jit: compiling a loaded program to x86-64 code, running it
 * with the run state of src/vm, reading and disassembling the code, and the executable-memory
 * allocator behind it.
 *
 * Modes: JIT_VERIFIED (jit[0]) runs without any runtime check and may only be compiled for
 * programs the verifier accepted or the host marked unsafe_trusted; JIT_CHECKED (jit[1]) checks
 * every memory access against the run's regions and charges the budget at taken backward
 * jumps and local calls, failing with exactly the interpreter's error (via vm_fault() etc.).
 *
 * Native entry (System V): struct jit_ret fn(uint64_t r1, uint64_t r2, struct userbpf_call *run)
 * returns R0 in rax and the status (0 or a negative errno) in rdx.
 */
#ifndef USERBPF_JIT_H
#define USERBPF_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"
#include "../vm/vm.h"

enum jit_mode {
	JIT_VERIFIED = 0,
	JIT_CHECKED = 1,
};

struct jit_ret {
	uint64_t r0;
	int64_t status;
};

typedef struct jit_ret (*jit_entry_fn)(uint64_t r1, uint64_t r2, struct userbpf_call *run);

/* Compiled code of one program in one mode. */
struct jit_code {
	void *mem;         /* mmap'd, read+execute after compilation */
	size_t size;       /* bytes of code */
	size_t map_len;    /* bytes mapped */
	uint32_t *insn_off; /* native offset of each BPF instruction, n + 1 entries */
	uint32_t body_end; /* where the out-of-line stubs and exits begin */
	enum jit_mode mode;
	bool blinded;
};

/* Optimisations that can be turned off, to measure each one (tests/tools/jitbench.c). */
enum {
	JIT_NO_MINSAVE = 1, /* save every callee-saved register and always set up R10 */
	JIT_NO_IMM = 2,     /* immediates through a scratch register, not x86 immediate forms */
	JIT_NO_FUSION = 4,  /* conditions materialised with setcc before the branch */
	JIT_NO_ZEXT = 8,    /* an explicit zero-extension after every 32-bit ALU operation */
};

/* Options of one compilation. */
struct jit_opts {
	enum jit_mode mode;
	bool blind;        /* constant blinding of immediates */
	uint64_t blind_key; /* 0: draw one from getrandom() */
	unsigned disable;  /* JIT_NO_* */
};

/* Compile prog (already structurally validated) into new code; *out owns it. */
int jit_compile(const struct userbpf_prog *prog, const struct jit_opts *opts,
		struct jit_code **out, struct userbpf_error *err);
void jit_code_free(struct jit_code *code);

/* Compile prog for mode if not done yet (prog->jit[mode]); checks the mode is allowed. */
int jit_prepare(struct userbpf_prog *prog, enum jit_mode mode, struct userbpf_error *err);

/*
 * Run prog with the prepared run state (the same one vm_interp_run() takes): checked mode when
 * run->checked, else the verified code. Called by the run dispatch for the JIT back end.
 */
int jit_run(struct userbpf_prog *prog, struct userbpf_call *run, uint64_t r1, uint64_t r2,
	    uint64_t *r0);
/*
 * Can the JIT run prog in this mode? False only for what it does not implement (bpf_tail_call,
 * an atomic that writes R10), which USERBPF_BACKEND_DEFAULT then runs in the interpreter.
 * Compiles on first use.
 */
bool jit_can_run(struct userbpf_prog *prog, bool checked);
/* Free every compiled form of prog (called by userbpf_prog_free()). */
void jit_free(struct userbpf_prog *prog);

/* Append a disassembly of prog's code in mode to out, each block under its BPF instruction. */
int jit_dump(struct userbpf_prog *prog, enum jit_mode mode, struct buf *out,
	     struct userbpf_error *err);

/* Runtime entry points the generated code calls (out of line, rare paths). */
int jit_rt_mem_check(struct userbpf_call *run, uint64_t addr, uint32_t info);
userbpf_helper_fn jit_rt_helper(struct userbpf_call *run, uint64_t id);
/* Pack and unpack the info word of jit_rt_mem_check(). */
#define JIT_MEMINFO(pc, size, write) ((uint32_t)(pc) << 5 | (uint32_t)(write) << 4 | (uint32_t)(size))

/* Executable memory: map RW, fill, then flip to RX; never writable and executable at once. */
void *jit_codemem_alloc(size_t len, size_t *map_len);
int jit_codemem_seal(void *mem, size_t map_len);
void jit_codemem_free(void *mem, size_t map_len);

#endif
