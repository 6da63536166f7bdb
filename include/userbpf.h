/* SPDX-License-Identifier: MIT */
/*
 * userbpf.h - the only public header of libuserbpf: the eBPF system in user space.
 *
 * Conventions (libbpf's): public names are userbpf_<noun>_<verb>; types are opaque; options
 * structs start with `size_t sz` and are filled with USERBPF_OPTS() so the ABI can grow;
 * every call that can fail returns 0 or a negative errno value (or NULL) and fills an optional
 * `struct userbpf_error *` with the component, the instruction index and a message. No call
 * hands the caller a heap string to free, and the library keeps no mutable global state.
 */
#ifndef USERBPF_H
#define USERBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define USERBPF_API __attribute__((visibility("default")))
#else
#define USERBPF_API
#endif

/* Fill an options struct: zero everything, set sz, then apply designated initialisers. */
#define USERBPF_OPTS(TYPE, NAME, ...) \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                   */

#define USERBPF_ERRMSG_MAX 256

/*
 * What went wrong and where. `code` is the negative errno value the call returned:
 *   -EINVAL  malformed input (bytecode, assembly text, options)
 *   -EFAULT  a checked-mode memory access outside every region
 *   -ETIME   the run's budget (backward jumps + calls) was exhausted
 *   -ENOENT  an unknown helper, map or program name
 *   -ENOTSUP an instruction the chosen back end cannot run (e.g. a kfunc call)
 *   -E2BIG   a limit was exceeded (call depth, program size)
 *   -EACCES  the verifier rejected the program
 *   -ENOMEM  out of memory
 * `insn` is the instruction index (-1 when the error is not about one instruction); `line`
 * and `column` locate errors in text input (0 when not applicable).
 */
struct userbpf_error {
	int code;
	const char *component; /* static string: "isa", "asm", "vm", "jit", "cli", ... */
	int insn;
	int line;
	int column;
	char message[USERBPF_ERRMSG_MAX];
};

/* Print "component: insn N: message" (or "component: line L: message") into buf. */
USERBPF_API int userbpf_error_format(const struct userbpf_error *err, char *buf, size_t len);

/* ---------------------------------------------------------------------------------------- */
/* Environment: helpers and limits shared by the programs loaded into it.                   */

struct userbpf_env;
struct userbpf_prog;
struct userbpf_call;

struct userbpf_env_opts {
	size_t sz;
};

USERBPF_API struct userbpf_env *userbpf_env_new(const struct userbpf_env_opts *opts,
						struct userbpf_error *err);
USERBPF_API void userbpf_env_free(struct userbpf_env *env);

/*
 * A helper receives R1-R5 and the call context; its return value becomes R0. The signature
 * matches the System V argument registers the JIT keeps R1-R5 in, so calls need no shuffling.
 */
typedef uint64_t (*userbpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5, struct userbpf_call *call);

/* Register helper `id` (the kernel's numbering where the helper is the kernel's). */
USERBPF_API int userbpf_env_register_helper(struct userbpf_env *env, uint32_t id, const char *name,
					    userbpf_helper_fn fn, struct userbpf_error *err);
/* The registered name of helper `id`, or NULL. */
USERBPF_API const char *userbpf_env_helper_name(const struct userbpf_env *env, uint32_t id);

/* Inside a helper: the cookie given in the run options. */
USERBPF_API void *userbpf_call_cookie(const struct userbpf_call *call);
/*
 * Inside a helper: is [ptr, ptr+len) inside a region the program may access (writable too if
 * `write`)? In checked mode a helper must ask before touching memory the program passed it.
 */
USERBPF_API bool userbpf_call_mem_ok(const struct userbpf_call *call, uint64_t ptr, uint64_t len,
				     bool write);
/* Inside a helper: stop the program after this helper returns, with this error (-EFAULT...). */
USERBPF_API void userbpf_call_abort(struct userbpf_call *call, int code, const char *message);

/* ---------------------------------------------------------------------------------------- */
/* Programs                                                                                 */

struct userbpf_insn {
	uint8_t code;
	uint8_t regs; /* dst in the low nibble, src in the high nibble (little-endian layout) */
	int16_t off;
	int32_t imm;
};

struct userbpf_prog_opts {
	size_t sz;
	/*
	 * Run without runtime checks although no verifier proved the program safe. A bad program
	 * can then corrupt or crash the host: only for code the host fully trusts.
	 */
	bool unsafe_trusted;
};

/* Load raw instructions (8-byte slots, little-endian). The bytes are validated structurally. */
USERBPF_API struct userbpf_prog *userbpf_prog_load(struct userbpf_env *env, const void *insns,
						   size_t len, const struct userbpf_prog_opts *opts,
						   struct userbpf_error *err);
/* Assemble text (kernel-log syntax or the conformance suite's syntax) and load it. */
USERBPF_API struct userbpf_prog *userbpf_prog_load_text(struct userbpf_env *env, const char *text,
							const struct userbpf_prog_opts *opts,
							struct userbpf_error *err);
USERBPF_API void userbpf_prog_free(struct userbpf_prog *prog);

/* Number of 8-byte instruction slots, and the slots themselves (valid while prog lives). */
USERBPF_API size_t userbpf_prog_insn_count(const struct userbpf_prog *prog);
USERBPF_API const struct userbpf_insn *userbpf_prog_insns(const struct userbpf_prog *prog);

/* Memory a program may touch besides its stack and the input (checked mode). */
struct userbpf_region {
	void *start;
	size_t len;
	bool writable;
};

enum userbpf_backend {
	USERBPF_BACKEND_DEFAULT = 0, /* the JIT where it exists for this machine, else the interpreter */
	USERBPF_BACKEND_INTERP,
	USERBPF_BACKEND_JIT,
};

#define USERBPF_DEFAULT_BUDGET 1000000u

struct userbpf_run_opts {
	size_t sz;
	enum userbpf_backend backend;
	/*
	 * Force checked mode (bounds-checked memory accesses and a budget) even for a program that
	 * was verified or marked trusted. Unverified, untrusted programs always run checked.
	 */
	bool checked;
	/* Budget: how many backward jumps and calls a checked run may take (0: the default). */
	uint64_t budget;
	/* Extra regions for checked mode (the input and the stack are always allowed). */
	const struct userbpf_region *regions;
	size_t nregions;
	/* Whether the input memory is writable by the program (default: yes). */
	bool mem_readonly;
	/* Passed to helpers through userbpf_call_cookie(). */
	void *cookie;
	/*
	 * The packet LD_ABS/LD_IND read, when it is not the input memory: socket-filter programs
	 * (converted classic filters) get R1 = struct __sk_buff and read the packet beside it.
	 * NULL: the input memory.
	 */
	const void *pkt;
	size_t pkt_len;
};

/* Run with R1 = mem, R2 = len, R10 = top of a fresh 512-byte stack; R0 is stored in *r0. */
USERBPF_API int userbpf_prog_run(struct userbpf_prog *prog, void *mem, size_t len,
				 const struct userbpf_run_opts *opts, uint64_t *r0,
				 struct userbpf_error *err);


/* ---------------------------------------------------------------------------------------- */
/* JIT (x86-64)                                                                             */

enum userbpf_jit_mode {
	/* No runtime checks: only for verified programs or ones loaded with unsafe_trusted. */
	USERBPF_JIT_VERIFIED = 0,
	/* Memory accesses checked against the regions, budget charged: the interpreter's errors. */
	USERBPF_JIT_CHECKED = 1,
};

struct userbpf_jit_opts {
	size_t sz;
	enum userbpf_jit_mode mode;
	/* XOR every immediate with a random key so the program cannot plant chosen bytes. */
	bool blind_constants;
};

/*
 * Compile (or recompile) prog for one mode now; otherwise userbpf_prog_run() with the JIT
 * back end compiles on first use. The default mode is checked.
 */
USERBPF_API int userbpf_prog_jit_compile(struct userbpf_prog *prog,
					 const struct userbpf_jit_opts *opts,
					 struct userbpf_error *err);
/* The native code of prog in mode (NULL if not compiled); *len gets its size in bytes. */
USERBPF_API const void *userbpf_prog_jit_code(const struct userbpf_prog *prog,
					      enum userbpf_jit_mode mode, size_t *len);
/*
 * Disassemble the native code of prog in mode (compiling it if needed) into buf, each block
 * under the BPF instruction it comes from, like `bpftool prog dump jited`. Returns the length
 * the full text needs (as snprintf) or a negative errno.
 */
USERBPF_API int userbpf_prog_jit_dump(struct userbpf_prog *prog, enum userbpf_jit_mode mode,
				      char *buf, size_t len, struct userbpf_error *err);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_H */
