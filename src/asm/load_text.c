/* SPDX-License-Identifier: MIT */
/* load_text.c - userbpf_prog_load_text(): assemble, then load like any other bytes. */
#include <errno.h>

#include "asm.h"

struct userbpf_prog *userbpf_prog_load_text(struct userbpf_env *env, const char *text,
					    const struct userbpf_prog_opts *opts,
					    struct userbpf_error *err)
{
	struct userbpf_prog *prog = NULL;
	struct asm_prog ap;

	if (asm_assemble(text, &ap, err) == 0) {
		if (ap.nmaps)
			err_set(err, -ENOTSUP, "asm", (int)ap.maps[0].slot,
				"map reference '%s': this environment has no maps to resolve it "
				"against", ap.maps[0].name);
		else
			prog = userbpf_prog_load(env, ap.insns, ap.n * sizeof(*ap.insns), opts, err);
	}
	asm_prog_free(&ap);
	return prog;
}
