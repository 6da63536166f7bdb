#!/usr/bin/env bash
# build.sh OUTDIR - compile every examples/bpf/*.bpf.c into OUTDIR/<name>.bpf.o with clang, as
# users build BPF programs (BTF and line info included). Prints "skip" and exits 77 when clang
# cannot target BPF; exits non-zero if an example fails to compile.
set -u
cd "$(dirname "$0")/.."
out=${1:-build/examples}
cc=${BPF_CLANG:-clang}
mkdir -p "$out"
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "skip: $cc not found"
	exit 77
fi
arch_inc=/usr/include/$(uname -m)-linux-gnu
rc=0
for src in examples/bpf/*.bpf.c; do
	obj=$out/$(basename "${src%.c}").o
	[ "$obj" -nt "$src" ] && continue
	if ! "$cc" -O2 -g -target bpf -mcpu=v3 -I"$arch_inc" -c "$src" -o "$obj"; then
		echo "error: $src does not compile"
		rc=1
	fi
done
exit $rc
