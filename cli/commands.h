/* SPDX-License-Identifier: MIT */
/* commands.h - every CLI command, one line each: name, handler, usage, summary. */
#ifndef USERBPF_CLI_COMMANDS_H
#define USERBPF_CLI_COMMANDS_H

#include "cli.h"

#define USERBPF_VERSION "0.1.0"

int cmd_asm(struct cli *cli, int argc, char **argv);
int cmd_disasm(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_conformance(struct cli *cli, int argc, char **argv);
int cmd_conformance_plugin(struct cli *cli, int argc, char **argv);
int cmd_jit(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_filter(struct cli *cli, int argc, char **argv);
int cmd_prog(struct cli *cli, int argc, char **argv);
int cmd_obj(struct cli *cli, int argc, char **argv);

#define CLI_COMMANDS                                                                           \
	{"asm", cmd_asm, "IN.s [-o OUT.bin]",                                                  \
	 "assemble kernel-log or conformance syntax into raw instructions"},                   \
	{"disasm", cmd_disasm, "FILE [--conf] [--no-index] [--no-opcodes]",                    \
	 "print instructions as `bpftool prog dump xlated` does (FILE: .bin, .s or .data)"},   \
	{"run", cmd_run,                                                                       \
	 "PROG [--mem HEX | --mem-file F] [--budget N] [--jit | --interp] [--checked]",        \
	 "run a program (.s, .bin or .data) on memory and print r0"},                          \
	{"conformance", cmd_conformance, "DIR|FILE... [--jit | --interp] [--checked] [-v]",   \
	 "run bpf_conformance .data files; ends with `N passed, N failed`"},                   \
	{"jit", cmd_jit, "PROG [--checked | --verified --unsafe-trusted] [--size]",            \
	 "compile to x86-64 and print the code under each BPF instruction (dump jited)"},     \
	{"verify", cmd_verify, "PROG [--type mem] [--mem-size N] [--log-level 1|2] [--unpriv]", \
	 "run the verifier; prints its log, then `verification OK` or the rejection"},        \
	{"filter", cmd_filter,                                                                 \
	 "EXPR FILE [-w OUT.pcap] [--count] [--dump-cbpf[=dd|=ddd]] [--dump-ebpf] [--cbpf] "     \
	 "[--jit | --interp] [--linktype NAME]",                                               \
	 "filter a pcap/pcapng file with a tcpdump expression (libpcap -> cBPF -> eBPF)"},     \
	{"prog", cmd_prog,                                                                     \
	 "{load OBJ.o | run OBJ.o [PROG] [--data-in F] [--repeat N] [--dump-maps]}",           \
	 "load a clang-compiled object's programs, or run one (bpftool prog run)"},            \
	{"obj", cmd_obj, "show OBJ.o", "programs, maps, sizes and BTF types of an ELF object"}, \
	{"conformance-plugin", cmd_conformance_plugin, "[MEM_HEX] [--jit | --interp]",         \
	 "bpf_conformance plugin: program hex on stdin, r0 in hex on stdout"},

#endif
