#!/usr/bin/env bash
# fuzz_jit_diff.sh - run the JIT-vs-interpreter libFuzzer target (fuzz/fuzz_jit_diff.c) for
# 60 s (20 s under ASAN=1, FUZZ_SECONDS overrides). Needs build-fuzz/fuzz_jit_diff (make
# fuzz-build). Prints "N passed, N failed": 1 passed when no mismatch or crash was found.
set -u
cd "$(dirname "$0")/../.."
bin=build-fuzz/fuzz_jit_diff
secs=${FUZZ_SECONDS:-60}
[ "${ASAN:-0}" = 1 ] && secs=${FUZZ_SECONDS:-20}
if [ ! -x "$bin" ]; then
	echo "fuzz_jit_diff: $bin is not built (make fuzz-build)"
	echo "0 passed, 1 failed"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
if nice -n 10 "$bin" -max_total_time="$secs" -max_len=512 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
	grep -E '^#[0-9]+.*DONE|^Done' "$work/log" | tail -n 1
	echo "1 passed, 0 failed"
else
	tail -n 40 "$work/log"
	echo "0 passed, 1 failed"
	exit 1
fi
