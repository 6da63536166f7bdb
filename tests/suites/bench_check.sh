#!/usr/bin/env bash
# bench_check.sh - the benchmark programs as a test: build them (bench/run.sh), run each once
# per back end with minimal timing, and require every result to equal the native one and the
# kernel verifier to accept every program (where bpf(2) works). Skips without clang/llvm.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
for tool in "${CLANG:-clang}" "${OBJCOPY:-llvm-objcopy}" "${NM:-llvm-nm}"; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench-check: skipped: $tool not found"
		echo "0 passed, 0 failed"
		exit 0
	fi
done
exec bash bench/run.sh "$BUILD" --batches 1 --batch-ms 0.2
