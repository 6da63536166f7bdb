/* SPDX-License-Identifier: MIT */
/*
 * asm.h - private interface of src/asm: the assembler (kernel / llvm pseudo-C syntax and the
 * conformance suite's uBPF syntax, mixable line by line), the disassembler (bpftool's
 * `dump xlated` text by default, uBPF syntax as an option), kernel helper names, and the
 * reader for the conformance `.data` test format.
 *
 * The second half of this header is the assembler's internal plumbing (line cursor, label
 * and fixup tables) shared by lex.c, parse_kernel.c, parse_conf.c and asm.c.
 */
#ifndef USERBPF_ASM_H
#define USERBPF_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../isa/isa.h"
#include "../util/util.h"

/* ---------------------------------------------------------------------------------------- */
/* Assembler                                                                                */

/* A `r1 = map[NAME]` (kind BPF_PSEUDO_MAP_FD) or `map_value[NAME]+OFF` (BPF_PSEUDO_MAP_VALUE)
 * reference: the loader resolves NAME and patches the lddw at `slot`. */
struct asm_mapref {
	char *name;
	size_t slot;
	int kind;
	uint32_t off;
};

/*
 * A `.map NAME TYPE key=K value=V entries=N [flags=rdonly_prog|wronly_prog|no_prealloc]
 * [init=HEX] [freeze]` declaration: what the loader creates before resolving references.
 */
struct asm_mapdecl {
	char *name;
	uint32_t type; /* enum bpf_map_type */
	uint32_t key_size, value_size, max_entries;
	uint32_t flags;  /* BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_NO_PREALLOC */
	uint8_t *init;   /* value of the all-zero key (zero-padded to value_size), or NULL */
	size_t init_len; /* bytes given in the text (<= value_size) */
	bool freeze;     /* BPF_MAP_FREEZE after init: read-only for syscalls from then on */
	int line;
};

struct asm_prog {
	struct bpf_insn *insns;
	size_t n;
	struct asm_mapref *maps;
	size_t nmaps;
	int *lines; /* source line of each slot (both slots of an lddw) */
	struct asm_mapdecl *decls; /* `.map` directives in text order */
	size_t ndecls;
};

/*
 * Create the maps the text declares (maps[i] for decls[i]: userbpf_map_create, init, freeze)
 * and turn every map[NAME] / map_value[NAME]+OFF into BPF_PSEUDO_MAP_IDX / _IDX_VALUE with
 * imm = i, ready for userbpf_prog_opts.maps. On failure the maps made so far are in maps[]
 * (NULL after them): free them with userbpf_map_free. The error names the .map line.
 */
struct userbpf_map;
int asm_prog_make_maps(struct asm_prog *ap, struct userbpf_map **maps, struct userbpf_error *err);

/* The map type called `name` as bpftool spells it ("array", "lru_hash"), or -1. */
int asm_map_type(const char *name, size_t len);
/* bpftool's name of a map type ("percpu_array"), NULL if unknown. */
const char *asm_map_type_name(uint32_t type);

/*
 * Assemble text into out (zeroed first; free with asm_prog_free even on failure). The result
 * passed isa_validate(). Errors: -EINVAL with component "asm", line and column set, or the
 * "isa" validation error with the line of the offending slot; -ENOMEM.
 */
int asm_assemble(const char *text, struct asm_prog *out, struct userbpf_error *err);
void asm_prog_free(struct asm_prog *prog);

/* ---------------------------------------------------------------------------------------- */
/* Disassembler                                                                             */

enum disasm_style {
	DISASM_KERNEL = 0, /* what the kernel verifier log and `bpftool prog dump xlated` print */
	DISASM_CONF,       /* the conformance suite's uBPF syntax (kernel syntax where it has none) */
};

/* All-zero options (or NULL) give bpftool's output: "   0: (b7) r0 = 0". */
struct disasm_opts {
	enum disasm_style style;
	bool hide_index; /* leave out "   N: " */
	/* Leave out the "(b7) " opcode column. Without it `r1 = 0x5` would read back as a mov,
	 * so lddw then prints with llvm's " ll" suffix. */
	bool hide_code;
	/* Name of helper `id` (NULL: the kernel's name, or "unknown"). */
	const char *(*helper_name)(void *ctx, int32_t id);
	/* Name of the map an lddw at slot pc refers to (NULL: print map[id:N]). */
	const char *(*map_name)(void *ctx, size_t pc, const struct bpf_insn *insn);
	void *ctx;
};

/*
 * Print the instruction at insns[pc] (no trailing newline) and return the number of slots it
 * takes (2 for lddw), or a negative errno when pc is out of range or an lddw is truncated.
 * An undecodable slot prints as "invalid insn: code .. dst .. src .. off .. imm .." and takes 1.
 */
int disasm_insn(const struct bpf_insn *insns, size_t n, size_t pc, const struct disasm_opts *opts,
		struct buf *out);
/* One line per instruction, each ending in '\n'. */
int disasm_prog(const struct bpf_insn *insns, size_t n, const struct disasm_opts *opts,
		struct buf *out);
/* A map_name callback naming the map references of an assembled program (ctx: asm_prog). */
const char *asm_prog_map_name(void *ctx, size_t pc, const struct bpf_insn *insn);

/* ---------------------------------------------------------------------------------------- */
/* Kernel helper names (from __BPF_FUNC_MAPPER in <linux/bpf.h>)                             */

/* "bpf_map_lookup_elem" for 1, NULL when the kernel has no helper with that id. */
const char *asm_helper_name(int32_t id);
/* The id of helper "bpf_<name>" (name given with its bpf_ prefix), or -1. */
int32_t asm_helper_id(const char *name, size_t len);

/* ---------------------------------------------------------------------------------------- */
/* Conformance `.data` files                                                                */

enum datafile_verdict { DATAFILE_VERIFIER_NONE = 0, DATAFILE_VERIFIER_ACCEPT, DATAFILE_VERIFIER_REJECT };

struct datafile {
	/* `-- asm`: the section's text, preceded by as many newlines as there are lines before
	 * it in the file, so assembler line numbers are file line numbers. NULL if absent. */
	char *asm_text;
	struct bpf_insn *raw; /* `-- raw`: 64-bit little-endian words */
	size_t nraw;
	bool has_raw;
	uint8_t *mem; /* `-- mem` */
	size_t mem_len;
	bool has_mem;
	uint64_t result; /* `-- result` */
	bool has_result;
	char *error; /* `-- error`: expected error text (trimmed), NULL if absent */
	enum datafile_verdict verifier; /* `-- verifier accept|reject` */
	char *msg;                      /* `-- msg`: expected verifier message, NULL if absent */
	bool no_register_offset;        /* `-- no register offset` */
};

int datafile_parse(const char *text, struct datafile *out, struct userbpf_error *err);
void datafile_free(struct datafile *df);

/* ---------------------------------------------------------------------------------------- */
/* Assembler internals                                                                      */

/* A position inside one source line. */
struct asm_cur {
	const char *p, *end;    /* current position, end of the line (comments already cut) */
	const char *line_start; /* for columns */
	int line;
};

struct asm_label {
	const char *name;
	size_t len;
	size_t slot;
	int line;
};

enum asm_fix_kind { FIX_OFF, FIX_IMM };

/* A jump or call whose target is a label, patched once every label is known. */
struct asm_fixup {
	const char *name;
	size_t len;
	size_t slot;
	enum asm_fix_kind kind;
	int line, column;
};

struct asm_ctx {
	struct asm_prog *prog;
	size_t cap, mapcap, declcap;
	struct asm_label *labels;
	size_t nlabels, labcap;
	struct asm_fixup *fixups;
	size_t nfix, fixcap;
	long first_exit; /* slot of the first exit: the implicit target of label "exit" */
	int hint;        /* opcode from a pasted "(b7)" column, or -1 */
	struct userbpf_error *err;
};

/* Lexing (lex.c). All functions skip leading blanks. */
void lex_ws(struct asm_cur *c);
bool lex_at_end(struct asm_cur *c);
bool lex_peek(struct asm_cur *c, const char *s);
bool lex_eat(struct asm_cur *c, const char *s);
/* Eat a keyword: s followed by a non-identifier character. */
bool lex_eat_word(struct asm_cur *c, const char *s);
bool lex_ident(struct asm_cur *c, const char **s, size_t *len);
/* An integer: optional sign, decimal or 0x hex. *hex tells which; magnitude up to 2^64-1. */
int lex_int(struct asm_ctx *x, struct asm_cur *c, int64_t *v, bool *hex);
/* Register: [%]rN or wN (N 0..10). *wide is 'r' or 'w'. */
int lex_reg(struct asm_ctx *x, struct asm_cur *c, int *reg, char *kind);
bool lex_peek_reg(struct asm_cur *c);
/* Error at the cursor: "expected ..." and friends. Returns -EINVAL. */
int asm_error(struct asm_ctx *x, const struct asm_cur *c, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Require the end of the line. */
int lex_end(struct asm_ctx *x, struct asm_cur *c);

/* Range checks: a 32-bit immediate (hex up to 0xffffffff wraps) and a 16-bit offset. */
int asm_imm32(struct asm_ctx *x, const struct asm_cur *at, int64_t v, bool hex, int32_t *out);
int asm_off16(struct asm_ctx *x, const struct asm_cur *at, int64_t v, bool hex, int16_t *out);

/* Emission (asm.c). Selectors of op come from the ISA table; the rest are the operands. */
int asm_emit(struct asm_ctx *x, const struct asm_cur *at, enum isa_op op, int dst, int src,
	     int32_t off, int32_t imm);
int asm_emit_lddw(struct asm_ctx *x, const struct asm_cur *at, int dst, int src, uint64_t imm);
/* Find the operation for a slot built from UAPI constants; error at `at` if none. */
int asm_emit_insn(struct asm_ctx *x, const struct asm_cur *at, struct bpf_insn in);
/* The next emitted slot jumps/calls to label name (patched later). */
int asm_fixup(struct asm_ctx *x, const struct asm_cur *at, const char *name, size_t len,
	      enum asm_fix_kind kind);
int asm_add_mapref(struct asm_ctx *x, const char *name, size_t len, int kind, uint32_t off);
size_t asm_next_slot(const struct asm_ctx *x);
int asm_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Directives (directive.c): the line after its '.'; and the end-of-text check that every
 * map reference names a declared map (when any is declared). */
int asm_directive(struct asm_ctx *x, struct asm_cur *c);
int asm_check_maprefs(struct asm_ctx *x);

/* One line in each syntax (the cursor is past labels and log prefixes). */
int asm_parse_kernel(struct asm_ctx *x, struct asm_cur *c);
int asm_parse_conf(struct asm_ctx *x, struct asm_cur *c);
/* Does the line look like the kernel syntax (else the uBPF one)? */
bool asm_is_kernel_line(const struct asm_cur *c);

#endif
