#!/usr/bin/env bash
# run.sh - interpreter speed against native clang -O2 on the loop kernels of kernels.c.
# Builds into $BUILD/bench-interp (BUILD defaults to build; the library must be built), then
# runs checked and unchecked. Usage: bash bench/interp/run.sh
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/bench-interp
mkdir -p "$out"
clang -O2 -target bpf -fno-builtin -c bench/interp/kernels.c -o "$out/kernels.bpf.o"
for k in fib sieve memcpy strcmp crc32 switch; do
	llvm-objcopy -O binary --only-section="s_$k" "$out/kernels.bpf.o" "$out/$k.bin"
done
clang -O2 -c bench/interp/kernels.c -o "$out/kernels.native.o"
clang -O2 -std=c11 -D_GNU_SOURCE -Iinclude -o "$out/bench_interp" bench/interp/bench_interp.c \
	"$out/kernels.native.o" "$BUILD/libuserbpf.a" -lm
"$out/bench_interp" "$out"
"$out/bench_interp" "$out" -u
