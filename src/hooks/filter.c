/* SPDX-License-Identifier: MIT */
/* filter.c - running a classic filter over a capture file (see filter.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "hooks.h"
#include "pcapio.h"
#include "../cbpf/cbpf.h"

#define OPT(o, field, dflt)                                                                     \
	((o) && (o)->sz >= offsetof(struct hooks_filter_opts, field) + sizeof((o)->field)       \
		 ? (o)->field                                                                   \
		 : (dflt))

int hooks_filter_file(struct userbpf_env *env, const struct sock_filter *f, size_t n,
		      const char *in_path, const struct hooks_filter_opts *opts,
		      struct hooks_filter_result *res, struct userbpf_error *err)
{
	enum hooks_engine engine = OPT(opts, engine, HOOKS_ENGINE_EBPF);
	const char *out_path = OPT(opts, out_path, NULL);
	uint64_t rand_state = OPT(opts, seed, 0) ? OPT(opts, seed, 0) : 1;
	struct pcapio_reader *r = NULL;
	struct pcapio_writer *w = NULL;
	struct userbpf_prog *prog = NULL;
	struct pcapio_pkt p;
	int ret, rc;

	memset(res, 0, sizeof(*res));
	ret = cbpf_check(f, n, err);
	if (ret)
		return ret;
	if (engine == HOOKS_ENGINE_EBPF) {
		struct bpf_insn *e;
		size_t ne;

		ret = cbpf_to_ebpf(f, n, &e, &ne, err);
		if (ret)
			return ret;
		prog = userbpf_prog_load(env, e, ne * sizeof(*e), NULL, err);
		free(e);
		if (!prog)
			return err && err->code ? err->code : -EINVAL;
	}
	ret = pcapio_open(in_path, &r, err);
	if (ret)
		goto out;
	res->linktype = pcapio_reader_linktype(r);
	if (out_path) {
		ret = pcapio_create(out_path, res->linktype, pcapio_reader_snaplen(r), &w, err);
		if (ret)
			goto out;
	}
	USERBPF_OPTS(userbpf_run_opts, ro, .backend = OPT(opts, backend, USERBPF_BACKEND_DEFAULT),
		     .checked = OPT(opts, checked, false));
	while ((rc = pcapio_next(r, &p, err)) == 1) {
		struct __sk_buff skb;
		uint64_t verdict;

		hooks_skb_init(&skb, p.data, p.caplen, p.len, res->linktype);
		if (engine == HOOKS_ENGINE_CBPF) {
			struct cbpf_input in = { p.data, p.caplen, &skb, &rand_state };

			verdict = cbpf_run(f, n, &in);
		} else {
			ret = hooks_skb_run(prog, &skb, p.data, p.caplen, &rand_state, &ro, &verdict, err);
			if (ret) {
				char msg[USERBPF_ERRMSG_MAX];

				snprintf(msg, sizeof(msg), "%s", err ? err->message : "");
				err_set(err, ret, err && err->component ? err->component : "hooks",
					err ? err->insn : -1, "%s: packet %llu: %s", in_path,
					(unsigned long long)res->packets + 1, msg);
				goto out;
			}
		}
		res->packets++;
		if ((uint32_t)verdict == 0)
			continue;
		res->matched++;
		if (w)
			pcapio_write(w, &p);
	}
	ret = rc; /* 0 at the end of the file, or the read error naming the record */
out:
	if (w) {
		struct userbpf_error werr;
		int wret = pcapio_finish(w, &werr);

		if (wret && !ret) {
			ret = wret;
			if (err)
				*err = werr;
		}
	}
	pcapio_close(r);
	userbpf_prog_free(prog);
	return ret;
}
