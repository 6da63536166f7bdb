/* SPDX-License-Identifier: MIT */
/*
 * prog.c - `userbpf prog load|run OBJ.o` and `userbpf obj show OBJ.o`: clang-compiled BPF
 * objects, loaded as libbpf loads them, run as `bpftool prog run` runs them.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "hooks/hooks.h"
#include "util/util.h"

/* Open and load an object into a fresh environment with the standard helpers. */
static int open_load(const char *path, struct userbpf_env **env, struct userbpf_object **obj)
{
	struct userbpf_error err;

	*env = userbpf_env_new(NULL, &err);
	if (!*env || userbpf_env_register_std_helpers(*env, &err))
		return cli_lib_error(NULL, &err);
	*obj = userbpf_object_open_file(path, NULL, &err);
	if (!*obj || userbpf_object_load(*obj, *env, &err)) {
		userbpf_object_free(*obj);
		*obj = NULL;
		userbpf_env_free(*env);
		*env = NULL;
		return cli_lib_error(path, &err);
	}
	return 0;
}

static int prog_load(struct cli *cli, int argc, char **argv)
{
	struct userbpf_env *env;
	struct userbpf_object *obj;
	struct userbpf_object_prog *p = NULL;
	int n = 0;

	if (argc != 2)
		return cli_usage_error("usage: userbpf prog load OBJ.o");
	if (open_load(argv[1], &env, &obj))
		return EXIT_FAIL;
	if (cli->json)
		printf("[");
	while ((p = userbpf_object_next_prog(obj, p))) {
		const char *type = userbpf_prog_type_name(userbpf_object_prog_type(p));
		bool loaded = userbpf_object_prog_prog(p) != NULL;

		if (cli->json)
			printf("%s{\"name\":\"%s\",\"section\":\"%s\",\"type\":\"%s\",\"insns\":%zu,"
			       "\"loaded\":%s}", n ? "," : "", userbpf_object_prog_name(p),
			       userbpf_object_prog_section(p), type, userbpf_object_prog_insn_count(p),
			       loaded ? "true" : "false");
		else
			printf("%-20s %-24s %-14s %5zu insns  %s\n", userbpf_object_prog_name(p),
			       userbpf_object_prog_section(p), type, userbpf_object_prog_insn_count(p),
			       loaded ? "loaded" : "not loaded");
		n++;
	}
	if (cli->json)
		printf("]\n");
	userbpf_object_free(obj);
	userbpf_env_free(env);
	return EXIT_OK;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One run of p on data, in the context its type expects. */
static int run_once(struct userbpf_object_prog *p, uint8_t *data, size_t len,
		    const struct userbpf_run_opts *ro, uint64_t *r0, struct userbpf_error *err)
{
	uint32_t type = userbpf_object_prog_type(p);

	if (type == USERBPF_PROG_TYPE_RAW)
		return userbpf_object_prog_run(p, data, len, ro, r0, err);
	if (type == BPF_PROG_TYPE_SOCKET_FILTER) {
		struct __sk_buff skb;

		hooks_skb_init(&skb, data, (uint32_t)len, (uint32_t)len, 1 /* DLT_EN10MB */);
		return hooks_skb_run(userbpf_object_prog_prog(p), &skb, data, (uint32_t)len, NULL, ro,
				     r0, err);
	}
	return err_set(err, -ENOTSUP, "cli", -1,
		       "running %s programs needs their context (next: the verifier's context "
		       "rewriting); socket_filter and userbpf/ programs run today",
		       userbpf_prog_type_name(type));
}

static int prog_run(struct cli *cli, int argc, char **argv)
{
	struct cli_backend be = {0};
	const char *path = NULL, *name = NULL, *data_in = NULL;
	unsigned long repeat = 1;
	bool dump_maps = false;
	struct userbpf_error err;
	struct userbpf_env *env = NULL;
	struct userbpf_object *obj = NULL;
	struct userbpf_object_prog *p;
	uint8_t *data = NULL;
	size_t len = 0;
	uint64_t r0 = 0;
	double t0;
	int ret = EXIT_FAIL, r;

	for (int i = 1; i < argc; i++) {
		r = cli_backend_flag(&be, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "--data-in") || !strcmp(argv[i], "data_in")) {
			if (++i >= argc)
				return cli_usage_error("%s needs a file", argv[i - 1]);
			data_in = argv[i];
		} else if (!strcmp(argv[i], "--repeat") || !strcmp(argv[i], "repeat")) {
			char *end;

			if (++i >= argc)
				return cli_usage_error("--repeat needs a number");
			repeat = strtoul(argv[i], &end, 0);
			if (*end || !repeat || argv[i][0] == '-' || repeat > 1000000000ul)
				return cli_usage_error("--repeat: '%s' is not a count from 1 to 10^9",
						       argv[i]);
		} else if (!strcmp(argv[i], "--dump-maps")) {
			dump_maps = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("prog run: unknown option '%s'", argv[i]);
		} else if (!path) {
			path = argv[i];
		} else if (!name) {
			name = argv[i];
		} else {
			return cli_usage_error("prog run: unexpected argument '%s'", argv[i]);
		}
	}
	if (!path)
		return cli_usage_error("usage: userbpf prog run OBJ.o [PROG] [--data-in F] "
				       "[--repeat N] [--dump-maps]");
	if (data_in) {
		char *d;

		if (file_read(data_in, &d, &len, &err))
			return cli_lib_error("--data-in", &err);
		data = (uint8_t *)d;
	}
	if (open_load(path, &env, &obj))
		goto out;
	p = name ? userbpf_object_find_prog(obj, name) : userbpf_object_next_prog(obj, NULL);
	if (!p) {
		fprintf(stderr, "Error: %s: no program %s%s%s\n", path, name ? "named '" : "",
			name ? name : "", name ? "'" : "");
		goto out;
	}
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .backend = be.backend, .checked = be.checked,
			     .budget = be.budget);

		t0 = now_ns();
		for (unsigned long k = 0; k < repeat; k++) {
			if (run_once(p, data, len, &ro, &r0, &err)) {
				cli_lib_error(path, &err);
				goto out;
			}
		}
	}
	if (cli->json)
		printf("{\"retval\":%llu,\"duration\":%.0f}\n", (unsigned long long)r0,
		       (now_ns() - t0) / (double)repeat);
	else
		printf("Return value: %llu, duration%s: %.0fns\n", (unsigned long long)r0,
		       repeat > 1 ? " (average)" : "", (now_ns() - t0) / (double)repeat);
	if (dump_maps) {
		struct userbpf_object_map *m = NULL;

		while ((m = userbpf_object_next_map(obj, m))) {
			int need = userbpf_object_map_dump(m, NULL, 0, &err);
			char *text;

			printf("\nmap %s:\n", userbpf_object_map_name(m));
			if (need < 0) {
				printf("(%s)\n", err.message);
				continue;
			}
			text = malloc((size_t)need + 1);
			if (text && userbpf_object_map_dump(m, text, (size_t)need + 1, &err) >= 0)
				fputs(text, stdout);
			free(text);
		}
	}
	ret = EXIT_OK;
out:
	userbpf_object_free(obj);
	userbpf_env_free(env);
	free(data);
	return ret;
}

int cmd_prog(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("prog: missing command (load, run)");
	if (cli_is_prefix(argv[1], "load"))
		return prog_load(cli, argc - 1, argv + 1);
	if (cli_is_prefix(argv[1], "run"))
		return prog_run(cli, argc - 1, argv + 1);
	return cli_usage_error("prog: unknown command '%s' (load, run)", argv[1]);
}

int cmd_obj(struct cli *cli, int argc, char **argv)
{
	struct userbpf_error err;
	struct userbpf_object *obj;
	size_t need;
	char *text;

	if (argc != 3 || !cli_is_prefix(argv[1], "show"))
		return cli_usage_error("usage: userbpf obj show OBJ.o");
	obj = userbpf_object_open_file(argv[2], NULL, &err);
	if (!obj)
		return cli_lib_error(argv[2], &err);
	need = userbpf_object_describe(obj, NULL, 0);
	text = malloc(need + 1);
	if (text) {
		userbpf_object_describe(obj, text, need + 1);
		fputs(text, stdout);
	}
	free(text);
	userbpf_object_free(obj);
	return text ? EXIT_OK : EXIT_FAIL;
}
