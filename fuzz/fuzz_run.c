/* SPDX-License-Identifier: MIT */
/*
 * fuzz_run.c - libFuzzer target for loading and running arbitrary bytecode in checked mode.
 * The first input byte picks run options (read-only input, an extra host region, budget); the
 * rest is the program. Whatever the bytes, load must fail cleanly or the checked run must end
 * with a result or an error: never a crash, a sanitizer report or a hang.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf.h"

static uint64_t h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		      struct userbpf_call *call)
{
	(void)call;
	return a + b + c + d + e;
}

/* Sums the bytes of [r1, r1 + r2) if the run allows reading them, as a real helper must. */
static uint64_t h_read(uint64_t p, uint64_t len, uint64_t c, uint64_t d, uint64_t e,
		       struct userbpf_call *call)
{
	uint64_t s = 0;

	(void)c, (void)d, (void)e;
	if (len > 4096 || !userbpf_call_mem_ok(call, p, len, false))
		return (uint64_t)-EFAULT;
	for (uint64_t i = 0; i < len; i++)
		s += ((const uint8_t *)(uintptr_t)p)[i];
	return s;
}

/* Writes r3 into [r1, r1 + r2) if the run allows writing there. */
static uint64_t h_fill(uint64_t p, uint64_t len, uint64_t v, uint64_t d, uint64_t e,
		       struct userbpf_call *call)
{
	(void)d, (void)e;
	if (len > 4096 || !userbpf_call_mem_ok(call, p, len, true))
		return (uint64_t)-EFAULT;
	memset((void *)(uintptr_t)p, (int)v, len);
	return 0;
}

static uint64_t h_abort(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			struct userbpf_call *call)
{
	(void)b, (void)c, (void)d, (void)e;
	if (a & 1)
		userbpf_call_abort(call, -EPERM, "odd argument");
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct userbpf_error err;
	struct userbpf_env *env;
	struct userbpf_prog *prog;
	uint8_t mem[64], host[32];
	struct userbpf_region region = {host, sizeof(host), false};
	uint64_t r0;
	uint8_t cfg;

	if (size < 1)
		return 0;
	cfg = data[0];
	data++;
	size--;
	env = userbpf_env_new(NULL, &err);
	if (!env)
		return 0;
	userbpf_env_register_helper(env, 1, "sum", h_sum, &err);
	userbpf_env_register_helper(env, 2, "read", h_read, &err);
	userbpf_env_register_helper(env, 3, "fill", h_fill, &err);
	userbpf_env_register_helper(env, 5, "abort_if_odd", h_abort, &err);
	/* With cfg bit 4, end the program with an exit so more random programs pass validation. */
	if ((cfg & 0x10) && size / 8 < 64) {
		uint8_t code[64 * 8 + 8] = {0};

		size &= ~(size_t)7;
		memcpy(code, data, size);
		code[size] = 0x95; /* exit */
		prog = userbpf_prog_load(env, code, size + 8, NULL, &err);
	} else {
		prog = userbpf_prog_load(env, data, size & ~(size_t)7, NULL, &err);
	}
	if (prog) {
		USERBPF_OPTS(userbpf_run_opts, opts, .budget = (cfg & 4) ? 1 : 2000,
			     .mem_readonly = cfg & 1, .regions = &region,
			     .nregions = (cfg & 2) ? 1 : 0, .checked = true);

		for (size_t i = 0; i < sizeof(mem); i++)
			mem[i] = (uint8_t)(i * 7 + cfg);
		memset(host, 0x5a, sizeof(host));
		userbpf_prog_run(prog, mem, (cfg & 8) ? 0 : sizeof(mem), &opts, &r0, &err);
		userbpf_prog_free(prog);
	}
	userbpf_env_free(env);
	return 0;
}
