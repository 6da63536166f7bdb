/* SPDX-License-Identifier: MIT */
/*
 * elf_build.h - a tiny writer of BPF ELF relocatable objects for tests and fuzz seeds: the
 * caller lists sections (name, type, flags, bytes) and symbols; the writer lays out the
 * header, the contents, .shstrtab, .strtab, .symtab and the section header table, so tests
 * can build exactly the (mal)formed object they mean without a compiler.
 */
#ifndef USERBPF_ELF_BUILD_H
#define USERBPF_ELF_BUILD_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EB_MAX_SECS 24
#define EB_MAX_SYMS 48

struct eb_sec {
	const char *name;
	uint32_t type, flags, link, info, entsize;
	const void *data;
	size_t size;
};

struct eb_sym {
	const char *name;
	uint16_t shndx; /* index in the builder's section list (1-based, as in the ELF) */
	uint64_t value, size;
	uint8_t bind, type;
};

struct eb {
	struct eb_sec secs[EB_MAX_SECS]; /* [0] is the null section */
	int nsecs;
	struct eb_sym syms[EB_MAX_SYMS];
	int nsyms;
};

static inline void eb_init(struct eb *b)
{
	memset(b, 0, sizeof(*b));
	b->nsecs = 1;
}

/* Add a section; returns its ELF index. */
static inline int eb_sec(struct eb *b, const char *name, uint32_t type, uint32_t flags,
			 const void *data, size_t size)
{
	struct eb_sec *s = &b->secs[b->nsecs];

	s->name = name;
	s->type = type;
	s->flags = flags;
	s->data = data;
	s->size = size;
	return b->nsecs++;
}

static inline int eb_code(struct eb *b, const char *name, const void *insns, size_t n)
{
	return eb_sec(b, name, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, insns, n * 8);
}

/* Relocations for section `target`; index of the symbol table is fixed up by eb_write. */
static inline int eb_rel(struct eb *b, const char *name, int target, const Elf64_Rel *rels,
			 size_t n)
{
	int i = eb_sec(b, name, SHT_REL, 0, rels, n * sizeof(*rels));

	b->secs[i].info = (uint32_t)target;
	b->secs[i].entsize = sizeof(Elf64_Rel);
	b->secs[i].link = UINT32_MAX; /* the symbol table */
	return i;
}

/* Add a symbol; returns its index in .symtab (0 is the null symbol). */
static inline int eb_sym(struct eb *b, const char *name, int shndx, uint64_t value, uint64_t size,
			 uint8_t bind, uint8_t type)
{
	b->syms[b->nsyms] = (struct eb_sym){name, (uint16_t)shndx, value, size, bind, type};
	return ++b->nsyms;
}

static inline void eb_put(uint8_t **img, size_t *len, const void *data, size_t n)
{
	*img = realloc(*img, *len + n + 8);
	if (n)
		memcpy(*img + *len, data, n);
	*len += n;
	while (*len % 8) /* keep every part 8-byte aligned */
		(*img)[(*len)++] = 0;
}

/* Lay out the object; returns a malloc'd image and its length in *len. */
static inline uint8_t *eb_write(const struct eb *b, size_t *len)
{
	uint8_t *img = NULL;
	size_t n = 0;
	Elf64_Ehdr eh = {0};
	Elf64_Shdr sh[EB_MAX_SECS + 3];
	char shstr[2048], str[2048];
	size_t shlen = 1, slen = 1;
	Elf64_Sym syms[EB_MAX_SYMS + 1];
	int nsecs = b->nsecs, i_shstr = nsecs, i_str = nsecs + 1, i_sym = nsecs + 2;

	memset(sh, 0, sizeof(sh));
	memset(syms, 0, sizeof(syms));
	shstr[0] = str[0] = 0;
	eb_put(&img, &n, &eh, sizeof(eh));
	for (int i = 1; i < nsecs; i++) {
		const struct eb_sec *s = &b->secs[i];

		sh[i].sh_name = (uint32_t)shlen;
		memcpy(shstr + shlen, s->name, strlen(s->name) + 1);
		shlen += strlen(s->name) + 1;
		sh[i].sh_type = s->type;
		sh[i].sh_flags = s->flags;
		sh[i].sh_offset = n;
		sh[i].sh_size = s->size;
		sh[i].sh_link = s->link == UINT32_MAX ? (uint32_t)i_sym : s->link;
		sh[i].sh_info = s->info;
		sh[i].sh_entsize = s->entsize;
		sh[i].sh_addralign = 8;
		if (s->type != SHT_NOBITS)
			eb_put(&img, &n, s->data, s->size);
	}
	for (int i = 0; i < b->nsyms; i++) {
		const struct eb_sym *s = &b->syms[i];
		Elf64_Sym *e = &syms[i + 1];

		e->st_name = (uint32_t)slen;
		memcpy(str + slen, s->name, strlen(s->name) + 1);
		slen += strlen(s->name) + 1;
		e->st_info = (uint8_t)ELF64_ST_INFO(s->bind, s->type);
		e->st_shndx = s->shndx;
		e->st_value = s->value;
		e->st_size = s->size;
	}
	const char *names[3] = {".shstrtab", ".strtab", ".symtab"};
	for (int k = 0; k < 3; k++) {
		sh[nsecs + k].sh_name = (uint32_t)shlen;
		memcpy(shstr + shlen, names[k], strlen(names[k]) + 1);
		shlen += strlen(names[k]) + 1;
	}
	sh[i_shstr].sh_type = SHT_STRTAB;
	sh[i_shstr].sh_offset = n;
	sh[i_shstr].sh_size = shlen;
	eb_put(&img, &n, shstr, shlen);
	sh[i_str].sh_type = SHT_STRTAB;
	sh[i_str].sh_offset = n;
	sh[i_str].sh_size = slen;
	eb_put(&img, &n, str, slen);
	sh[i_sym].sh_type = SHT_SYMTAB;
	sh[i_sym].sh_offset = n;
	sh[i_sym].sh_size = (size_t)(b->nsyms + 1) * sizeof(Elf64_Sym);
	sh[i_sym].sh_entsize = sizeof(Elf64_Sym);
	sh[i_sym].sh_link = (uint32_t)i_str;
	sh[i_sym].sh_info = 1;
	sh[i_sym].sh_addralign = 8;
	eb_put(&img, &n, syms, sh[i_sym].sh_size);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = 247; /* EM_BPF */
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = (uint16_t)(nsecs + 3);
	eh.e_shstrndx = (uint16_t)i_shstr;
	eh.e_shoff = n;
	eb_put(&img, &n, sh, (size_t)(nsecs + 3) * sizeof(Elf64_Shdr));
	memcpy(img, &eh, sizeof(eh));
	*len = n;
	return img;
}

#endif
