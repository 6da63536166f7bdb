/* SPDX-License-Identifier: MIT */
/*
 * elf.c - reading a BPF ELF relocatable object through libelf: the header (64-bit,
 * little-endian, ET_REL, EM_BPF), the section table and the symbol table. Every offset and size
 * is checked against the file before anything points into it, so later passes can trust
 * obj->secs[i].data/size and obj->syms[i]; errors name the section and the offset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

#define C "elf"

static int check_header(struct userbpf_object *obj, struct userbpf_error *err)
{
	const uint8_t *id = obj->image;
	GElf_Ehdr eh;

	if (obj->image_len < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0)
		return err_set(err, -EINVAL, C, -1, "not an ELF file (no \\177ELF magic at offset 0)");
	if (id[EI_CLASS] != ELFCLASS64)
		return err_set(err, -EINVAL, C, -1,
			       "ELF class %u at offset %d: BPF objects are 64-bit (ELFCLASS64)",
			       id[EI_CLASS], EI_CLASS);
	if (id[EI_DATA] != ELFDATA2LSB)
		return err_set(err, -ENOTSUP, C, -1,
			       "ELF data encoding %u at offset %d: only little-endian BPF objects "
			       "are supported",
			       id[EI_DATA], EI_DATA);
	if (obj->image_len < sizeof(Elf64_Ehdr))
		return err_set(err, -EINVAL, C, -1,
			       "truncated ELF header: %zu bytes, the header needs %zu",
			       obj->image_len, sizeof(Elf64_Ehdr));
	if (!gelf_getehdr(obj->elf, &eh))
		return err_set(err, -EINVAL, C, -1, "bad ELF header: %s", elf_errmsg(-1));
	if (eh.e_machine != EM_BPF)
		return err_set(err, -EINVAL, C, -1,
			       "e_machine %u at offset 18: not a BPF object (EM_BPF is %u)",
			       eh.e_machine, EM_BPF);
	if (eh.e_type != ET_REL)
		return err_set(err, -EINVAL, C, -1,
			       "e_type %u at offset 16: a BPF object is relocatable (ET_REL, 1)",
			       eh.e_type);
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		return err_set(err, -EINVAL, C, -1,
			       "e_shentsize %u at offset 58: section headers are %zu bytes",
			       eh.e_shentsize, sizeof(Elf64_Shdr));
	return 0;
}

static bool range_ok(uint64_t off, uint64_t size, uint64_t total)
{
	return off <= total && size <= total - off;
}

static int read_sections(struct userbpf_object *obj, struct userbpf_error *err)
{
	size_t n, shstrndx;

	if (elf_getshdrnum(obj->elf, &n) < 0 || elf_getshdrstrndx(obj->elf, &shstrndx) < 0)
		return err_set(err, -EINVAL, C, -1, "bad section header table: %s",
			       elf_errmsg(-1));
	if (n == 0 || n > 65535)
		return err_set(err, -EINVAL, C, -1, "section count %zu out of range (1..65535)", n);
	if (shstrndx >= n)
		return err_set(err, -EINVAL, C, -1,
			       "section name table index %zu is not a section (%zu sections)",
			       shstrndx, n);
	obj->secs = calloc(n, sizeof(*obj->secs));
	if (!obj->secs)
		return err_set(err, -ENOMEM, C, -1, "out of memory");
	obj->nsecs = n;
	for (size_t i = 0; i < n; i++) {
		struct obj_sec *s = &obj->secs[i];
		Elf_Scn *scn = elf_getscn(obj->elf, i);

		if (!scn || !gelf_getshdr(scn, &s->shdr))
			return err_set(err, -EINVAL, C, -1, "section %zu: unreadable header: %s", i,
				       elf_errmsg(-1));
		if (i == 0) {
			s->name = "";
			continue;
		}
		s->name = elf_strptr(obj->elf, shstrndx, s->shdr.sh_name);
		if (!s->name)
			return err_set(err, -EINVAL, C, -1,
				       "section %zu: name offset %u is outside the section name "
				       "table",
				       i, (unsigned)s->shdr.sh_name);
		if (s->shdr.sh_type == SHT_NOBITS) {
			s->size = s->shdr.sh_size;
			continue;
		}
		if (!range_ok(s->shdr.sh_offset, s->shdr.sh_size, obj->image_len))
			return err_set(err, -EINVAL, C, -1,
				       "section %zu (%s): offset 0x%llx + size 0x%llx is past the end "
				       "of the file (0x%zx bytes)",
				       i, s->name, (unsigned long long)s->shdr.sh_offset,
				       (unsigned long long)s->shdr.sh_size, obj->image_len);
		s->data = obj->image + s->shdr.sh_offset;
		s->size = s->shdr.sh_size;
	}
	return 0;
}

/* Find a NUL inside the string table starting at off; NULL if the string runs off its end. */
static const char *str_at(const struct obj_sec *strtab, uint64_t off)
{
	if (!strtab->data || off >= strtab->size)
		return NULL;
	if (!memchr(strtab->data + off, 0, strtab->size - off))
		return NULL;
	return (const char *)strtab->data + off;
}

static int read_symbols(struct userbpf_object *obj, struct userbpf_error *err)
{
	const struct obj_sec *st = NULL, *strtab;
	size_t count;

	for (size_t i = 1; i < obj->nsecs; i++) {
		if (obj->secs[i].shdr.sh_type != SHT_SYMTAB)
			continue;
		if (st)
			return err_set(err, -EINVAL, C, -1, "section %zu (%s): a second symbol table",
				       i, obj->secs[i].name);
		st = &obj->secs[i];
		obj->symtab_idx = (uint32_t)i;
	}
	if (!st)
		return err_set(err, -EINVAL, C, -1, "no symbol table (.symtab): not a BPF object");
	if (st->shdr.sh_entsize != sizeof(Elf64_Sym) || st->size % sizeof(Elf64_Sym))
		return err_set(err, -EINVAL, C, -1,
			       "section %u (%s): entry size %llu / size %zu: symbols are %zu bytes",
			       obj->symtab_idx, st->name, (unsigned long long)st->shdr.sh_entsize,
			       st->size, sizeof(Elf64_Sym));
	if (st->shdr.sh_link == 0 || st->shdr.sh_link >= obj->nsecs ||
	    obj->secs[st->shdr.sh_link].shdr.sh_type != SHT_STRTAB)
		return err_set(err, -EINVAL, C, -1,
			       "section %u (%s): sh_link %u is not a string table", obj->symtab_idx,
			       st->name, (unsigned)st->shdr.sh_link);
	obj->strtab_idx = st->shdr.sh_link;
	strtab = &obj->secs[obj->strtab_idx];
	count = st->size / sizeof(Elf64_Sym);
	obj->syms = calloc(count ? count : 1, sizeof(*obj->syms));
	if (!obj->syms)
		return err_set(err, -ENOMEM, C, -1, "out of memory");
	obj->nsyms = count;
	for (size_t i = 0; i < count; i++) {
		struct obj_sym *s = &obj->syms[i];
		Elf64_Sym raw;
		uint64_t off = i * sizeof(Elf64_Sym);

		memcpy(&raw, st->data + off, sizeof(raw));
		s->sym = raw;
		s->name = str_at(strtab, raw.st_name);
		if (!s->name)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (%s) offset 0x%llx: symbol %zu's name offset %u is "
				       "outside %s",
				       obj->symtab_idx, st->name, (unsigned long long)off, i,
				       (unsigned)raw.st_name, strtab->name);
		if (raw.st_shndx >= obj->nsecs && raw.st_shndx < SHN_LORESERVE)
			return err_set(err, -EINVAL, C, -1,
				       "section %u (%s) offset 0x%llx: symbol '%s' is in section %u "
				       "of %zu",
				       obj->symtab_idx, st->name, (unsigned long long)off, s->name,
				       (unsigned)raw.st_shndx, obj->nsecs);
	}
	return 0;
}

/* Record the special sections; check that program sections hold whole instructions. */
static int classify(struct userbpf_object *obj, struct userbpf_error *err)
{
	for (size_t i = 1; i < obj->nsecs; i++) {
		const struct obj_sec *s = &obj->secs[i];

		if (strcmp(s->name, ".maps") == 0)
			obj->maps_sec = (uint32_t)i;
		else if (strcmp(s->name, "maps") == 0)
			obj->legacy_maps_sec = (uint32_t)i;
		else if (strcmp(s->name, ".BTF") == 0)
			obj->btf_sec = (uint32_t)i;
		else if (strcmp(s->name, ".BTF.ext") == 0)
			obj->btf_ext_sec = (uint32_t)i;
		else if (strcmp(s->name, ".text") == 0)
			obj->text_sec = (uint32_t)i;
		if (strcmp(s->name, "license") == 0 && s->data) {
			size_t len = s->size < sizeof(obj->license) - 1 ? s->size
									: sizeof(obj->license) - 1;

			memcpy(obj->license, s->data, len);
			obj->license[len] = 0;
		}
		if (strcmp(s->name, "version") == 0 && s->data) {
			if (s->size != 4)
				return err_set(err, -EINVAL, C, -1,
					       "section %zu (version): size %zu, expected 4", i,
					       s->size);
			memcpy(&obj->kversion, s->data, 4);
		}
		if (elf_sec_is_prog(s) && s->size % sizeof(struct bpf_insn))
			return err_set(err, -EINVAL, C, -1,
				       "section %zu (%s): size %zu is not a multiple of the 8-byte "
				       "instruction",
				       i, s->name, s->size);
		if (elf_sec_is_prog(s) && !s->data && s->size)
			return err_set(err, -EINVAL, C, -1,
				       "section %zu (%s): program section without contents", i,
				       s->name);
	}
	return 0;
}

int elf_open(struct userbpf_object *obj, struct userbpf_error *err)
{
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set(err, -ENOTSUP, C, -1, "libelf: %s", elf_errmsg(-1));
	obj->elf = elf_memory((char *)obj->image, obj->image_len);
	if (!obj->elf)
		return err_set(err, -EINVAL, C, -1, "libelf cannot read the image: %s",
			       elf_errmsg(-1));
	if ((ret = check_header(obj, err)) < 0 || (ret = read_sections(obj, err)) < 0 ||
	    (ret = read_symbols(obj, err)) < 0 || (ret = classify(obj, err)) < 0)
		return ret;
	return 0;
}

void elf_close(struct userbpf_object *obj)
{
	if (obj->elf)
		elf_end(obj->elf);
	obj->elf = NULL;
	free(obj->secs);
	free(obj->syms);
	obj->secs = NULL;
	obj->syms = NULL;
}

const struct obj_sec *elf_sec(const struct userbpf_object *obj, uint32_t idx)
{
	return idx < obj->nsecs ? &obj->secs[idx] : NULL;
}

bool elf_sec_is_prog(const struct obj_sec *s)
{
	return s->shdr.sh_type == SHT_PROGBITS && (s->shdr.sh_flags & SHF_EXECINSTR);
}

/* Global data as libbpf takes it: .data*, .rodata*, .bss* (not relocation sections). */
bool elf_sec_is_data(const struct obj_sec *s)
{
	if (s->shdr.sh_flags & SHF_EXECINSTR)
		return false;
	if (s->shdr.sh_type == SHT_NOBITS)
		return strncmp(s->name, ".bss", 4) == 0;
	if (s->shdr.sh_type != SHT_PROGBITS)
		return false;
	return strncmp(s->name, ".data", 5) == 0 || strncmp(s->name, ".rodata", 7) == 0;
}

const struct obj_sym *elf_func_at(const struct userbpf_object *obj, uint32_t sec, uint64_t off)
{
	for (size_t i = 0; i < obj->nsyms; i++) {
		const GElf_Sym *s = &obj->syms[i].sym;

		if (GELF_ST_TYPE(s->st_info) == STT_FUNC && s->st_shndx == sec &&
		    off >= s->st_value && off - s->st_value < s->st_size)
			return &obj->syms[i];
	}
	return NULL;
}
