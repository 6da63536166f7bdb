/* SPDX-License-Identifier: MIT */
/*
 * env.c - the environment object: the helper table programs call into by id. The table is
 * indexed directly by helper id (ids are small and dense in practice: the kernel's numbering),
 * grows on demand and copies names so callers may pass temporaries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

/* Ids above this are almost certainly a bug in the host; refusing them bounds the table. */
#define VM_HELPER_ID_MAX (1u << 20)

struct userbpf_env *userbpf_env_new(const struct userbpf_env_opts *opts, struct userbpf_error *err)
{
	struct userbpf_env *env;

	if (opts && opts->sz < sizeof(size_t)) {
		err_set(err, -EINVAL, "vm", -1, "env options: sz %zu is too small", opts->sz);
		return NULL;
	}
	env = calloc(1, sizeof(*env));
	if (!env) {
		err_set(err, -ENOMEM, "vm", -1, "out of memory");
		return NULL;
	}
	return env;
}

void userbpf_env_free(struct userbpf_env *env)
{
	if (!env)
		return;
	free(env->helpers);
	free(env);
}

/* Make helpers[id] addressable, zero-filling new entries. */
static int helpers_grow(struct userbpf_env *env, uint32_t id, struct userbpf_error *err)
{
	uint32_t n = env->nhelpers ? env->nhelpers : 16;
	struct vm_helper *h;

	while (n <= id)
		n *= 2;
	h = realloc(env->helpers, (size_t)n * sizeof(*h));
	if (!h)
		return err_set(err, -ENOMEM, "vm", -1, "out of memory");
	memset(h + env->nhelpers, 0, (size_t)(n - env->nhelpers) * sizeof(*h));
	env->helpers = h;
	env->nhelpers = n;
	return 0;
}

int userbpf_env_register_helper(struct userbpf_env *env, uint32_t id, const char *name,
				userbpf_helper_fn fn, struct userbpf_error *err)
{
	size_t len;
	int ret;

	if (!env || !fn)
		return err_set(err, -EINVAL, "vm", -1, "register helper #%u: %s is NULL", id,
			       env ? "the function" : "the environment");
	if (!name || !*name)
		return err_set(err, -EINVAL, "vm", -1, "register helper #%u: a name is required", id);
	len = strlen(name);
	if (len >= VM_HELPER_NAME_MAX)
		return err_set(err, -EINVAL, "vm", -1,
			       "register helper #%u: name is %zu characters (limit %d)", id, len,
			       VM_HELPER_NAME_MAX - 1);
	if (id > VM_HELPER_ID_MAX)
		return err_set(err, -EINVAL, "vm", -1, "register helper %s: id %u is too large (limit %u)",
			       name, id, VM_HELPER_ID_MAX);
	if (id >= env->nhelpers) {
		ret = helpers_grow(env, id, err);
		if (ret)
			return ret;
	}
	/* Registering an id again replaces the helper: hosts may override a default. */
	env->helpers[id].fn = fn;
	env->helpers[id].has_proto = false;
	memcpy(env->helpers[id].name, name, len + 1);
	return 0;
}

const char *userbpf_env_helper_name(const struct userbpf_env *env, uint32_t id)
{
	if (!env || id >= env->nhelpers || !env->helpers[id].fn)
		return NULL;
	return env->helpers[id].name;
}
