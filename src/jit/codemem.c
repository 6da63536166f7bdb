/* SPDX-License-Identifier: MIT */
/*
 * codemem.c - executable memory for JIT code. A mapping is created read+write, filled, then
 * switched to read+execute with mprotect(); it is never writable and executable at once.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit.h"

void *jit_codemem_alloc(size_t len, size_t *map_len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;
	size_t n = (len + ps - 1) / ps * ps;
	void *mem;

	if (n == 0)
		n = ps;
	mem = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	*map_len = n;
	return mem;
}

int jit_codemem_seal(void *mem, size_t map_len)
{
	if (mprotect(mem, map_len, PROT_READ | PROT_EXEC) < 0)
		return -errno;
	return 0;
}

void jit_codemem_free(void *mem, size_t map_len)
{
	if (mem)
		munmap(mem, map_len);
}
