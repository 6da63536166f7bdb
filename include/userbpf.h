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
/* Contexts: the struct R1 points to, as the embedding host declares it.                    */
/* (Built-in program types - socket_filter, sched_cls, xdp - have their tables already.)    */

/* What a field is to the program. */
enum userbpf_ctx_field_kind {
	USERBPF_CTX_SCALAR_RO = 0, /* a number the program may read (also in parts) */
	USERBPF_CTX_SCALAR_RW,     /* a number it may read and overwrite (whole field) */
	USERBPF_CTX_PACKET_START,  /* 8-byte pointer to the first byte of a packet */
	USERBPF_CTX_PACKET_END,    /* 8-byte pointer one past its last byte (only compared) */
	USERBPF_CTX_MEM,           /* 8-byte pointer to mem_size bytes (never NULL) */
};

struct userbpf_ctx_field {
	const char *name;  /* for logs and errors; copied */
	uint32_t offset;   /* in the host struct, a multiple of size */
	uint32_t size;     /* 1, 2, 4 or 8 (pointers: 8) */
	enum userbpf_ctx_field_kind kind;
	uint32_t mem_size; /* USERBPF_CTX_MEM: bytes the program may access through it (> 0) */
	bool mem_readonly; /* USERBPF_CTX_MEM: loads only */
};

struct userbpf_ctx;

/*
 * Describe a context struct of `size` bytes (at most 65536) with its fields; bytes outside
 * every field are off limits. Fields may come in any order but must not overlap; a packet
 * start and a packet end come as a pair (at most one of each). Returns NULL with -EINVAL in
 * err for a bad description (naming the field), or -ENOMEM.
 */
USERBPF_API struct userbpf_ctx *userbpf_ctx_new(const char *name, uint32_t size,
						const struct userbpf_ctx_field *fields,
						size_t nfields, struct userbpf_error *err);
USERBPF_API void userbpf_ctx_free(struct userbpf_ctx *ctx);

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
	/*
	 * The maps the program refers to (libbpf's fd_array). An `lddw` with src_reg
	 * BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_IDX and imm = i loads maps[i]; with src_reg
	 * BPF_PSEUDO_MAP_VALUE or BPF_PSEUDO_MAP_IDX_VALUE, imm = i and the second slot's imm = off,
	 * it loads the address of byte `off` of maps[i]'s value (array maps with one value area).
	 * The program takes a reference on each map (userbpf_prog_free drops it). Helpers accept
	 * only these maps (and maps stored in them), never a pointer the program made up.
	 */
	struct userbpf_map *const *maps;
	size_t nmaps;
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
/* Objects: BPF ELF files (clang -target bpf) with their programs, maps and global data.    */

struct userbpf_object;
struct userbpf_object_prog; /* a program of an object (before and after load) */
struct userbpf_object_map;  /* a map an object declares (before and after load) */
struct userbpf_map;

/*
 * Program types are the kernel's enum bpf_prog_type values (<linux/bpf.h>), recorded from the
 * SEC() name as libbpf names them; SEC("userbpf/...") is this host-defined type: R1 = the
 * input memory, R2 = its length.
 */
#define USERBPF_PROG_TYPE_RAW 0x10000u

struct userbpf_object_open_opts {
	size_t sz;
	/* Object name (default: the file's base name without ".o", or "mem"). */
	const char *name;
};

/*
 * Open an ELF object: parse and check its sections, symbols, programs, map definitions, BTF
 * and relocations. Nothing is created yet: options may still change (userbpf_object_map_set_*,
 * userbpf_object_prog_set_autoload) before userbpf_object_load. Malformed objects fail with
 * -EINVAL and a message naming the section and offset.
 */
USERBPF_API struct userbpf_object *
userbpf_object_open_file(const char *path, const struct userbpf_object_open_opts *opts,
			 struct userbpf_error *err);
USERBPF_API struct userbpf_object *
userbpf_object_open_mem(const void *data, size_t len, const struct userbpf_object_open_opts *opts,
			struct userbpf_error *err);
/*
 * Create the maps (writing global data and prog_array / map-in-map initial values, freezing
 * .rodata) and load every program whose autoload is set into env, resolving map references.
 */
USERBPF_API int userbpf_object_load(struct userbpf_object *obj, struct userbpf_env *env,
				    struct userbpf_error *err);
/* Free the object with its loaded programs and maps. */
USERBPF_API void userbpf_object_free(struct userbpf_object *obj);

USERBPF_API const char *userbpf_object_name(const struct userbpf_object *obj);
/* The `license` section's string ("" when absent). */
USERBPF_API const char *userbpf_object_license(const struct userbpf_object *obj);

/* Iteration: pass NULL for the first; NULL after the last. */
USERBPF_API struct userbpf_object_prog *
userbpf_object_next_prog(const struct userbpf_object *obj, const struct userbpf_object_prog *prev);
USERBPF_API struct userbpf_object_map *
userbpf_object_next_map(const struct userbpf_object *obj, const struct userbpf_object_map *prev);
/* By name (the C function or variable name; global data maps are ".data", ".rodata", ...). */
USERBPF_API struct userbpf_object_prog *userbpf_object_find_prog(const struct userbpf_object *obj,
								 const char *name);
USERBPF_API struct userbpf_object_map *userbpf_object_find_map(const struct userbpf_object *obj,
							       const char *name);

USERBPF_API const char *userbpf_object_prog_name(const struct userbpf_object_prog *prog);
USERBPF_API const char *userbpf_object_prog_section(const struct userbpf_object_prog *prog);
USERBPF_API uint32_t userbpf_object_prog_type(const struct userbpf_object_prog *prog);
/* "xdp", "socket_filter", "userbpf_raw", ... (bpftool's names). */
USERBPF_API const char *userbpf_prog_type_name(uint32_t type);
/* Instructions after relocation (subprograms appended; map refs as map indices). */
USERBPF_API size_t userbpf_object_prog_insn_count(const struct userbpf_object_prog *prog);
USERBPF_API const struct userbpf_insn *
userbpf_object_prog_insns(const struct userbpf_object_prog *prog);
/* The C source line of instruction `insn` (from .BTF.ext), or NULL; *line gets its number. */
USERBPF_API const char *userbpf_object_prog_source_line(const struct userbpf_object_prog *prog,
							size_t insn, const char **file,
							uint32_t *line);
USERBPF_API int userbpf_object_prog_set_autoload(struct userbpf_object_prog *prog, bool autoload);
USERBPF_API bool userbpf_object_prog_autoload(const struct userbpf_object_prog *prog);
/* The loaded program (NULL before load or when not loaded): run it with userbpf_prog_run. */
USERBPF_API struct userbpf_prog *userbpf_object_prog_prog(const struct userbpf_object_prog *prog);
/*
 * Run a loaded program of the object: userbpf_prog_run on userbpf_object_prog_prog(); a
 * run-time error's message is prefixed with the program name and gets its C source line.
 */
USERBPF_API int userbpf_object_prog_run(struct userbpf_object_prog *prog, void *mem, size_t len,
					const struct userbpf_run_opts *opts, uint64_t *r0,
					struct userbpf_error *err);

USERBPF_API const char *userbpf_object_map_name(const struct userbpf_object_map *map);
/* enum bpf_map_type */
USERBPF_API uint32_t userbpf_object_map_type(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map_key_size(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map_value_size(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map_max_entries(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map_flags(const struct userbpf_object_map *map);
/* Before load: change the definition (-EBUSY once loaded, -EINVAL for 0). */
USERBPF_API int userbpf_object_map_set_max_entries(struct userbpf_object_map *map, uint32_t n);
/* BTF type ids of the key and value (0 when the object gives none) and their names. */
USERBPF_API uint32_t userbpf_object_map_btf_key_type(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map_btf_value_type(const struct userbpf_object_map *map);
/* The created map (NULL before load): use the map API on it. */
USERBPF_API struct userbpf_map *userbpf_object_map_map(const struct userbpf_object_map *map);
/* Initial contents of a global data map (its section bytes; NULL for .bss / other maps). */
USERBPF_API const void *userbpf_object_map_initial_value(const struct userbpf_object_map *map,
							 size_t *size);
/*
 * Before load: replace a global data map's initial contents (size must be its value size),
 * e.g. to configure `const volatile` variables in .rodata as libbpf skeletons do.
 */
USERBPF_API int userbpf_object_map_set_initial_value(struct userbpf_object_map *map,
						     const void *data, size_t size);

/*
 * Append a human-readable summary of the object (programs with section, type, size; maps with
 * type, key/value sizes and BTF type names, max_entries, flags) to a caller's text buffer:
 * writes at most len bytes including the NUL; returns the length the full text needs.
 */
USERBPF_API size_t userbpf_object_describe(const struct userbpf_object *obj, char *buf, size_t len);
/*
 * After load: a map's contents in `bpftool map dump`'s plain layout ("key: 01 00 00 00  value:
 * ..", per-CPU values per line, "Found N elements"). Writes at most len bytes including the
 * NUL; returns the length the full text needs, or a negative errno (-EOPNOTSUPP for maps
 * without keys: queue, stack, ringbuf, bloom filter).
 */
USERBPF_API int userbpf_object_map_dump(const struct userbpf_object_map *map, char *buf,
					size_t len, struct userbpf_error *err);

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

/* Maps (src/maps): the kernel's map types and semantics, shared by programs and the host.  */
/*
 * Types are the kernel's `enum bpf_map_type` (BPF_MAP_TYPE_HASH, ... from <linux/bpf.h>), flags
 * its BPF_F_* map flags, update flags BPF_ANY / BPF_NOEXIST / BPF_EXIST / BPF_F_LOCK, and the
 * errors its errors: -ENOENT (no such key, or the last key for get_next_key), -EEXIST
 * (BPF_NOEXIST on a present key), -E2BIG (the map is full), -EINVAL (bad sizes or flags),
 * -EPERM (a read-only or frozen map, BPF_F_RDONLY / BPF_F_WRONLY), -EOPNOTSUPP (an operation
 * the type lacks), -EBUSY (freezing a map a program writes). All calls are thread-safe.
 *
 * Per-CPU maps (percpu_array, percpu_hash, lru_percpu_hash) hold one value per CPU slot; a
 * program uses the slot of the CPU its thread runs on (sched_getcpu() modulo the slot count).
 * The host reads and writes all slots at once: its value buffer is
 * userbpf_map_value_size_host() = round_up(value_size, 8) * userbpf_map_ncpus() bytes, slot i
 * at offset i * round_up(value_size, 8), exactly as with the kernel and
 * libbpf_num_possible_cpus().
 *
 * Maps are reference counted: create returns one reference, userbpf_map_free drops one;
 * programs (userbpf_prog_opts.maps) and outer maps (array_of_maps, hash_of_maps) hold their
 * own. A map must not be freed by the host while a program that got it from an outer map
 * still runs (the kernel's RCU grace period has no equivalent here).
 */

struct userbpf_map;

#define USERBPF_MAP_NAME_MAX 16 /* BPF_OBJ_NAME_LEN, including the NUL */

struct userbpf_map_opts {
	size_t sz;
	uint32_t map_flags; /* BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_NO_COMMON_LRU, ... */
	uint32_t numa_node; /* accepted with BPF_F_NUMA_NODE; memory is not NUMA-placed */
	const char *name;   /* copied; at most USERBPF_MAP_NAME_MAX - 1 characters */
	/* array_of_maps / hash_of_maps: the template every inner map must match (type, sizes). */
	struct userbpf_map *inner_map;
	/* bloom_filter: the number of hash functions in the low 4 bits (0: 5), as the kernel. */
	uint64_t map_extra;
	/* Per-CPU slot count for this map (0: the machine's possible CPUs). */
	uint32_t ncpus;
	/*
	 * The value holds a struct bpf_spin_lock at byte spin_lock_off (what the kernel learns
	 * from BTF): BPF_F_LOCK lookups and updates copy the value under it.
	 */
	bool has_spin_lock;
	uint32_t spin_lock_off;
};

USERBPF_API struct userbpf_map *userbpf_map_create(uint32_t type, uint32_t key_size,
						   uint32_t value_size, uint32_t max_entries,
						   const struct userbpf_map_opts *opts,
						   struct userbpf_error *err);
/* Drop one reference; the map is destroyed with the last. NULL is ignored. */
USERBPF_API void userbpf_map_free(struct userbpf_map *map);
/* Take one more reference; returns map. */
USERBPF_API struct userbpf_map *userbpf_map_ref(struct userbpf_map *map);

/* Info. */
USERBPF_API uint32_t userbpf_map_type(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map_key_size(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map_value_size(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map_max_entries(const struct userbpf_map *map);
USERBPF_API uint32_t userbpf_map_flags(const struct userbpf_map *map);
USERBPF_API const char *userbpf_map_name(const struct userbpf_map *map);
/* Per-CPU slots (1 for maps that are not per-CPU). */
USERBPF_API uint32_t userbpf_map_ncpus(const struct userbpf_map *map);
/* Size of the host's value buffer (see per-CPU maps above); value_size for other maps. */
USERBPF_API size_t userbpf_map_value_size_host(const struct userbpf_map *map);
/* The machine's possible CPU count (/sys/devices/system/cpu/possible), as libbpf counts it. */
USERBPF_API int userbpf_num_possible_cpus(void);

/*
 * Element access from the host, with the kernel's BPF_MAP_*_ELEM semantics. Keys are
 * key_size bytes (NULL for queue, stack, bloom_filter), values userbpf_map_value_size_host().
 * queue/stack: update pushes (BPF_EXIST overwrites the oldest when full), lookup peeks,
 * lookup_and_delete pops. bloom_filter: update adds, lookup returns 0 if the value may be
 * present, -ENOENT if it is not. flags for lookup: 0 or BPF_F_LOCK.
 */
USERBPF_API int userbpf_map_lookup(struct userbpf_map *map, const void *key, void *value,
				   uint64_t flags, struct userbpf_error *err);
USERBPF_API int userbpf_map_update(struct userbpf_map *map, const void *key, const void *value,
				   uint64_t flags, struct userbpf_error *err);
USERBPF_API int userbpf_map_delete(struct userbpf_map *map, const void *key,
				   struct userbpf_error *err);
/* The key after `key` in the map's iteration order (key NULL or absent: the first key). */
USERBPF_API int userbpf_map_get_next_key(struct userbpf_map *map, const void *key,
					 void *next_key, struct userbpf_error *err);
USERBPF_API int userbpf_map_lookup_and_delete(struct userbpf_map *map, const void *key,
					      void *value, uint64_t flags,
					      struct userbpf_error *err);
/* Freeze: the host can no longer write (programs still can, unless BPF_F_RDONLY_PROG). */
USERBPF_API int userbpf_map_freeze(struct userbpf_map *map, struct userbpf_error *err);
USERBPF_API bool userbpf_map_frozen(const struct userbpf_map *map);

/*
 * Batch operations (BPF_MAP_*_BATCH). `in_batch` is NULL to start or the token a previous
 * call stored in *out_batch; *count is the capacity of keys/values on entry and the number of
 * elements handled on return. Lookup returns -ENOENT once the map is exhausted (with the last
 * elements still counted in *count). Update and delete handle *count elements in order and
 * stop at the first error, leaving the number done in *count.
 */
USERBPF_API int userbpf_map_lookup_batch(struct userbpf_map *map, const uint64_t *in_batch,
					 uint64_t *out_batch, void *keys, void *values,
					 uint32_t *count, uint64_t elem_flags,
					 struct userbpf_error *err);
USERBPF_API int userbpf_map_lookup_and_delete_batch(struct userbpf_map *map,
						    const uint64_t *in_batch, uint64_t *out_batch,
						    void *keys, void *values, uint32_t *count,
						    uint64_t elem_flags, struct userbpf_error *err);
USERBPF_API int userbpf_map_update_batch(struct userbpf_map *map, const void *keys,
					 const void *values, uint32_t *count, uint64_t elem_flags,
					 struct userbpf_error *err);
USERBPF_API int userbpf_map_delete_batch(struct userbpf_map *map, const void *keys,
					 uint32_t *count, uint64_t elem_flags,
					 struct userbpf_error *err);

/*
 * Maps that hold objects rather than bytes: prog_array (tail call targets) and array_of_maps /
 * hash_of_maps. The kernel's host API passes file descriptors here; userbpf passes the objects.
 * The generic update refuses these types (-EINVAL); delete and get_next_key work as usual.
 * A prog_array does not own its programs: remove a program before freeing it.
 */
USERBPF_API int userbpf_map_update_prog(struct userbpf_map *map, const void *key,
					struct userbpf_prog *prog, uint64_t flags,
					struct userbpf_error *err);
USERBPF_API struct userbpf_prog *userbpf_map_lookup_prog(struct userbpf_map *map,
							 const void *key);
USERBPF_API int userbpf_map_update_map(struct userbpf_map *map, const void *key,
				       struct userbpf_map *inner, uint64_t flags,
				       struct userbpf_error *err);
/* The inner map at key (no reference taken), or NULL. */
USERBPF_API struct userbpf_map *userbpf_map_lookup_map(struct userbpf_map *map, const void *key);

/*
 * Global data (.data, .rodata, .bss as single-element arrays): the address of the value area
 * of an array map with max_entries 1, what BPF_PSEUDO_MAP_VALUE loads.
 */
USERBPF_API void *userbpf_map_value_area(struct userbpf_map *map, size_t *size);

/*
 * Ring buffer consumer (BPF_MAP_TYPE_RINGBUF, max_entries = data size in bytes, a power of 2
 * and a multiple of the page size). The callback sees each committed, not discarded record in
 * order; a non-zero return stops consuming and is returned. consume returns the number of
 * records read (or the callback's value, or a negative errno); poll first waits up to
 * timeout_ms (-1: forever) for a notification. userbpf_ringbuf_fd() is an eventfd that becomes
 * readable when a program commits a record (as the kernel's epoll wake-up: BPF_RB_NO_WAKEUP
 * and BPF_RB_FORCE_WAKEUP honoured); poll and consume reset it.
 */
typedef int (*userbpf_ringbuf_sample_fn)(void *ctx, void *data, size_t size);
USERBPF_API int userbpf_ringbuf_consume(struct userbpf_map *map, userbpf_ringbuf_sample_fn fn,
					void *ctx, struct userbpf_error *err);
USERBPF_API int userbpf_ringbuf_poll(struct userbpf_map *map, userbpf_ringbuf_sample_fn fn,
				     void *ctx, int timeout_ms, struct userbpf_error *err);
USERBPF_API int userbpf_ringbuf_fd(const struct userbpf_map *map);

/*
 * perf_event_array: bpf_perf_event_output() from a program calls fn(ctx, cpu, data, size)
 * synchronously on the program's thread, cpu being the slot chosen (BPF_F_CURRENT_CPU or the
 * index in the flags). Without a callback the helper returns -ENOENT, as with no perf event.
 */
typedef void (*userbpf_perf_output_fn)(void *ctx, uint32_t cpu, const void *data, size_t size);
USERBPF_API int userbpf_perf_set_output(struct userbpf_map *map, userbpf_perf_output_fn fn,
					void *ctx, struct userbpf_error *err);

/* ---------------------------------------------------------------------------------------- */
/* Standard helpers (src/helpers): the kernel's helper ids, names and semantics.            */

/* Where bpf_trace_printk() output goes: one formatted line per call (stderr by default). */
typedef void (*userbpf_log_fn)(void *ctx, const char *line, size_t len);

/*
 * Register every helper userbpf implements (map_lookup_elem, ringbuf_output, loop, ...) under
 * its kernel id and name. Helpers already registered by the host under an id are replaced.
 */
USERBPF_API int userbpf_env_register_std_helpers(struct userbpf_env *env,
						 struct userbpf_error *err);
/* Send trace_printk output to fn (NULL: back to stderr). */
USERBPF_API void userbpf_env_set_log(struct userbpf_env *env, userbpf_log_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_H */
