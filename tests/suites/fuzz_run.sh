#!/usr/bin/env bash
# fuzz_run.sh - run the fuzz_run libFuzzer target (random bytecode, loaded and run in checked
# mode) for FUZZ_SECONDS (default 60; 20 under ASAN=1). Any crash, sanitizer report or hang
# fails. Seeds (one program per operation) are in fuzz/seeds/run. Needs `make fuzz-build` (clang); prints "1 passed, 0 failed" or "0 passed, 1 failed".
set -u
cd "$(dirname "$0")/../.."
bin=build-fuzz/fuzz_run
secs=${FUZZ_SECONDS:-60}
[ "${ASAN:-0}" = 1 ] && secs=${FUZZ_SECONDS:-20}
if [ ! -x "$bin" ]; then
	echo "fuzz_run: $bin is missing (run make fuzz-build)"
	echo "0 passed, 1 failed"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
# -timeout: a checked run is bounded by its budget, so seconds per input means a hang.
if nice "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=512 \
	-artifact_prefix="$work/" "$work/corpus" fuzz/seeds/run 2>"$work/log"; then
	grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "$work/log" | tail -n 1
	echo "1 passed, 0 failed"
else
	tail -n 40 "$work/log"
	echo "0 passed, 1 failed"
	exit 1
fi
