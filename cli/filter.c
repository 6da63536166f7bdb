/* SPDX-License-Identifier: MIT */
/*
 * filter.c - `userbpf filter EXPR FILE`: a tcpdump expression compiled by libpcap to classic
 * BPF, converted to eBPF and run (JIT by default) over every packet of a pcap/pcapng file;
 * matching packets can be written out as `tcpdump -w` would.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asm/asm.h"
#include "cbpf/cbpf.h"
#include "commands.h"
#include "hooks/filter.h"
#include "hooks/hooks.h"
#include "hooks/pcapio.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The expression's program for the file's link type (EN10MB without a file). */
static int compile(const char *expr, const char *file, const char *linktype_name,
		   struct sock_filter **f, size_t *n, int *linktype, struct userbpf_error *err)
{
	uint32_t snaplen = 262144;
	int ret;

	*linktype = 1; /* DLT_EN10MB */
	if (linktype_name) {
		*linktype = pcapio_linktype_from_name(linktype_name);
		if (*linktype < 0)
			return cli_usage_error("--linktype: unknown link type '%s'", linktype_name);
	} else if (file) {
		struct pcapio_reader *r;

		if (pcapio_open(file, &r, err))
			return cli_lib_error(NULL, err);
		*linktype = pcapio_reader_linktype(r);
		snaplen = pcapio_reader_snaplen(r);
		pcapio_close(r);
	}
	ret = pcapio_compile(expr, *linktype, snaplen, true, f, n, err);
	if (ret)
		return cli_usage_error("expression \"%s\": %s", expr, err->message);
	return 0;
}

int cmd_filter(struct cli *cli, int argc, char **argv)
{
	struct cli_backend be = {0};
	const char *expr = NULL, *file = NULL, *out = NULL, *linktype_name = NULL;
	bool count_only = false, dump_ebpf = false, cbpf_engine = false;
	enum cbpf_format dump_cbpf = CBPF_FMT_AUTO;
	struct userbpf_error err;
	struct sock_filter *f = NULL;
	struct userbpf_env *env = NULL;
	size_t n = 0;
	int linktype, ret = EXIT_FAIL, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		r = cli_backend_flag(&be, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(a, "-w") || !strcmp(a, "--linktype")) {
			if (i + 1 >= argc)
				return cli_usage_error("%s needs an argument", a);
			if (a[1] == 'w')
				out = argv[++i];
			else
				linktype_name = argv[++i];
		} else if (!strcmp(a, "--count")) {
			count_only = true;
		} else if (!strcmp(a, "--cbpf")) {
			cbpf_engine = true;
		} else if (!strcmp(a, "--dump-cbpf") || !strcmp(a, "-d")) {
			dump_cbpf = CBPF_FMT_D;
		} else if (!strcmp(a, "--dump-cbpf=dd") || !strcmp(a, "-dd")) {
			dump_cbpf = CBPF_FMT_DD;
		} else if (!strcmp(a, "--dump-cbpf=ddd") || !strcmp(a, "-ddd")) {
			dump_cbpf = CBPF_FMT_DDD;
		} else if (!strcmp(a, "--dump-ebpf")) {
			dump_ebpf = true;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("filter: unknown option '%s'", a);
		} else if (!expr) {
			expr = a;
		} else if (!file) {
			file = a;
		} else {
			return cli_usage_error("filter: unexpected argument '%s' (quote the expression)",
					       a);
		}
	}
	if (!expr)
		return cli_usage_error("filter: missing expression (usage: userbpf filter EXPR FILE)");
	if (!file && dump_cbpf == CBPF_FMT_AUTO && !dump_ebpf)
		return cli_usage_error("filter: missing capture file");
	if (cbpf_engine && be.backend != USERBPF_BACKEND_DEFAULT)
		return cli_usage_error("filter: --cbpf runs the classic interpreter; drop --%s",
				       be.backend == USERBPF_BACKEND_JIT ? "jit" : "interp");
	r = compile(expr, file, linktype_name, &f, &n, &linktype, &err);
	if (r)
		return r;
	if (dump_cbpf != CBPF_FMT_AUTO || dump_ebpf) {
		struct buf text = {0};

		if (dump_cbpf != CBPF_FMT_AUTO)
			cbpf_print(&text, f, n, dump_cbpf);
		if (dump_ebpf) {
			struct bpf_insn *e;
			size_t ne;

			if (cbpf_to_ebpf(f, n, &e, &ne, &err)) {
				buf_free(&text);
				free(f);
				return cli_lib_error(expr, &err);
			}
			disasm_prog(e, ne, NULL, &text);
			free(e);
		}
		fputs(text.data ? text.data : "", stdout);
		buf_free(&text);
		free(f);
		return EXIT_OK;
	}
	if (!cbpf_engine) {
		env = userbpf_env_new(NULL, &err);
		if (!env || hooks_skb_register_helpers(env, &err)) {
			cli_lib_error(NULL, &err);
			goto done;
		}
	}
	{
		USERBPF_OPTS(hooks_filter_opts, fo,
			     .engine = cbpf_engine ? HOOKS_ENGINE_CBPF : HOOKS_ENGINE_EBPF,
			     .backend = be.backend, .checked = be.checked, .out_path = out);
		struct hooks_filter_result res = {0};
		double t0 = now_s(), dt;

		r = hooks_filter_file(env, f, n, file, &fo, &res, &err);
		dt = now_s() - t0;
		if (count_only) {
			printf("%llu\n", (unsigned long long)res.matched);
		} else if (cli->json) {
			printf("{\"file\":\"%s\",\"packets\":%llu,\"matched\":%llu,\"seconds\":%.6f}\n",
			       file, (unsigned long long)res.packets, (unsigned long long)res.matched,
			       dt);
		} else {
			printf("%s: %llu packets, %llu matched", file,
			       (unsigned long long)res.packets, (unsigned long long)res.matched);
			if (out)
				printf(", written to %s", out);
			if (dt > 0 && res.packets)
				printf(" (%.1f ns per packet)", dt * 1e9 / (double)res.packets);
			printf("\n");
		}
		if (r) {
			cli_lib_error(file, &err);
			goto done;
		}
	}
	ret = EXIT_OK;
done:
	userbpf_env_free(env);
	free(f);
	return ret;
}
