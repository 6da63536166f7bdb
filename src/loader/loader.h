/* SPDX-License-Identifier: MIT */
/*
 * loader.h - private interface of src/loader: the object model built from a BPF ELF file
 * (sections, symbols, programs, map definitions, global data, BTF line info) and the passes
 * that build it. The passes run in this order at open time:
 *   elf.c      ELF header, section table, symbol table: every size and offset checked
 *   progs.c    programs: one per FUNC symbol in an executable section, type from SEC() name
 *   maps_def.c map definitions: BTF-defined `.maps`, legacy `maps`, global data sections
 *   btf_ext.c  .BTF.ext line info per program instruction
 *   reloc.c    relocations: subprograms appended, calls fixed, ld_imm64 pointed at maps
 * and at load time object.c creates the maps (through obj_maps.c, the only file that calls
 * the map API) and loads every program with the object's maps as its fd_array
 * (userbpf_prog_opts.maps), so an ld_imm64's map index is an index in that array.
 * Nothing here is global: the whole state hangs off struct userbpf_object.
 */
#ifndef USERBPF_LOADER_H
#define USERBPF_LOADER_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>

#include "../isa/isa.h"
#include "../util/util.h"
#include "userbpf.h"

struct btf;

#define LOADER_NAME_MAX 64

/* A section as the ELF file has it; data points into the object's copy of the file. */
struct obj_sec {
	const char *name;
	GElf_Shdr shdr;
	const uint8_t *data; /* NULL for SHT_NOBITS */
	size_t size;
};

struct obj_sym {
	const char *name;
	GElf_Sym sym;
};

/* One C source line of a program instruction (from .BTF.ext line_info). */
struct obj_line {
	uint32_t insn; /* index in the program's final instructions */
	uint32_t line, col;
	const char *file; /* strings live in the object's BTF */
	const char *text;
};

/* A program: its own instructions (a FUNC symbol's range) plus appended subprograms. */
struct userbpf_object_prog {
	struct userbpf_object *obj;
	char name[LOADER_NAME_MAX];
	const char *section; /* the SEC() name */
	uint32_t type;       /* enum bpf_prog_type, or USERBPF_PROG_TYPE_RAW */
	uint32_t sec_idx;
	uint32_t sec_insn;  /* first instruction in its section */
	uint32_t own_insns; /* its own length before subprograms are appended */
	struct bpf_insn *insns;
	uint32_t n;
	/* Where each final instruction came from (section index, instruction in section). */
	uint32_t *orig_sec, *orig_insn;
	struct obj_line *lines;
	uint32_t nlines;
	uint32_t core_relos; /* CO-RE relocation records on its instructions (not applied) */
	bool autoload;
	struct userbpf_prog *prog; /* after load */
};

enum obj_map_kind {
	OBJ_MAP_BTF,    /* from `.maps` */
	OBJ_MAP_LEGACY, /* from `maps` (struct bpf_map_def) */
	OBJ_MAP_DATA,   /* a global data section: .data*, .rodata*, .bss* */
};

/* An initial prog_array / map-in-map slot from `.values = { [k] = &x }`. */
struct obj_slot {
	uint32_t key;
	int prog;  /* index of the program, or -1 */
	int inner; /* index of the map, or -1 */
};

struct userbpf_object_map {
	struct userbpf_object *obj;
	char name[LOADER_NAME_MAX];
	enum obj_map_kind kind;
	uint32_t type, key_size, value_size, max_entries, map_flags, pinning, numa_node;
	uint64_t map_extra;
	uint32_t btf_key_type, btf_value_type; /* BTF ids (0 when none) */
	uint32_t sec_idx;                      /* its section (.maps, maps, or the data section) */
	uint64_t sec_off;                      /* its offset in that section */
	uint64_t sym_size;                     /* the definition's size in the section */
	bool readonly;                         /* .rodata*: frozen after its value is written */
	const uint8_t *init;                   /* initial value (data sections; NULL for .bss) */
	uint8_t *init_owned;                   /* set_initial_value's copy (init points at it) */
	uint32_t values_off; /* offset of the `values` member (UINT32_MAX: none) */
	struct obj_slot *slots;
	uint32_t nslots;
	struct userbpf_object_map *inner; /* map-in-map: the inner map's template (owned) */
	bool is_inner_template;
	struct userbpf_map *map; /* after load */
};

struct userbpf_object {
	char name[LOADER_NAME_MAX];
	uint8_t *image; /* our copy of the ELF bytes */
	size_t image_len;
	Elf *elf;
	struct obj_sec *secs;
	size_t nsecs;
	uint32_t symtab_idx, strtab_idx;
	struct obj_sym *syms;
	size_t nsyms;
	uint32_t maps_sec, legacy_maps_sec, btf_sec, btf_ext_sec, text_sec; /* 0: absent */
	char license[128];
	uint32_t kversion;
	struct btf *btf;
	struct userbpf_object_prog *progs;
	uint32_t nprogs;
	struct userbpf_object_map **maps;
	uint32_t nmaps;
	struct userbpf_env *env; /* the load's environment */
	bool loaded;
};

/* elf.c */
int elf_open(struct userbpf_object *obj, struct userbpf_error *err);
void elf_close(struct userbpf_object *obj);
const struct obj_sec *elf_sec(const struct userbpf_object *obj, uint32_t idx);
bool elf_sec_is_prog(const struct obj_sec *s);
bool elf_sec_is_data(const struct obj_sec *s);
/* The symbol of kind STT_FUNC covering instruction `insn` of section `sec`, or NULL. */
const struct obj_sym *elf_func_at(const struct userbpf_object *obj, uint32_t sec, uint64_t off);

/* progs.c */
int progs_collect(struct userbpf_object *obj, struct userbpf_error *err);
/* Program type for a SEC() name; false when the name is not a known program section. */
bool progs_type_of(const char *sec, uint32_t *type);
const char *progs_type_name(uint32_t type);

/* maps_def.c */
int maps_collect(struct userbpf_object *obj, struct userbpf_error *err);
/* The map whose definition is at (sec, off), or -1. */
int maps_find_at(const struct userbpf_object *obj, uint32_t sec, uint64_t off);
/* The global data map of section sec, or -1. */
int maps_find_data(const struct userbpf_object *obj, uint32_t sec);
void maps_free(struct userbpf_object *obj);

/* btf_ext.c */
int btf_ext_lines(struct userbpf_object *obj, struct userbpf_error *err);

/* reloc.c */
int reloc_apply(struct userbpf_object *obj, struct userbpf_error *err);

/* obj_maps.c: every call into the map API. */
int obj_maps_create(struct userbpf_object *obj, struct userbpf_error *err);
void obj_maps_destroy(struct userbpf_object *obj);
/* After the programs are loaded: prog_array and map-in-map initial slots. */
int obj_maps_fill_slots(struct userbpf_object *obj, struct userbpf_error *err);
/* Before the programs are freed: empty the prog_array slots that point at them. */
void obj_maps_clear_slots(struct userbpf_object *obj);
/* The created maps by object index (the programs' fd_array); NULL entries before load. */
struct userbpf_map **obj_maps_array(struct userbpf_object *obj, struct userbpf_error *err);

/* describe.c */
size_t describe_object(const struct userbpf_object *obj, struct buf *b);

#endif
