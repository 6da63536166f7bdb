/* SPDX-License-Identifier: MIT */
/*
 * helper_names.c - the kernel's helper id <-> name table, expanded from __BPF_FUNC_MAPPER in
 * <linux/bpf.h> so it follows the installed UAPI headers rather than a hand-typed list.
 */
#include <string.h>

#include "asm.h"

/* Newer headers (with ___BPF_FUNC_MAPPER) expand FN(name, id) without separators, older ones
 * FN(name) separated by commas: accept both. */
#ifdef ___BPF_FUNC_MAPPER
#define HELPER_NAME(name, ...) [BPF_FUNC_##name] = "bpf_" #name,
#else
#define HELPER_NAME(name, ...) [BPF_FUNC_##name] = "bpf_" #name
#endif
static const char *const helper_names[__BPF_FUNC_MAX_ID] = {__BPF_FUNC_MAPPER(HELPER_NAME)};
#undef HELPER_NAME

const char *asm_helper_name(int32_t id)
{
	if (id < 0 || id >= __BPF_FUNC_MAX_ID)
		return NULL;
	return helper_names[id];
}

int32_t asm_helper_id(const char *name, size_t len)
{
	for (int32_t id = 0; id < __BPF_FUNC_MAX_ID; id++)
		if (helper_names[id] && strlen(helper_names[id]) == len &&
		    memcmp(helper_names[id], name, len) == 0)
			return id;
	return -1;
}
