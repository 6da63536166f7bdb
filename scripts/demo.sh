#!/usr/bin/env bash
# demo.sh - what `make demo` shows: assemble a bundled example, print its disassembly, run it on
# a bundled packet in the interpreter and, where present, the JIT.
set -euo pipefail
build=${1:-build}
u=$build/userbpf
ex=examples/asm
run() { echo "\$ userbpf $*"; "$u" "$@"; echo; }
run asm $ex/ipv4_check.s -o "$build/ipv4_check.bin"
run disasm "$build/ipv4_check.bin"
run run "$build/ipv4_check.bin" --mem-file $ex/tcp_syn.bin --interp
echo "(0x6: the packet is IPv4 with a valid header checksum, carrying TCP)"
echo
# The same packet through a clang-compiled object, loaded as libbpf loads it (maps from global
# data, a bpf-to-bpf call), run as `bpftool prog run` runs it, its maps dumped afterwards.
bash examples/build.sh "$build/examples" >/dev/null
run obj show "$build/examples/raw_hash.bpf.o"
run prog run "$build/examples/raw_hash.bpf.o" --data-in $ex/tcp_syn.bin --repeat 1000 --dump-maps
