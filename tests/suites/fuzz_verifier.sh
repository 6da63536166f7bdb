#!/usr/bin/env bash
# fuzz_verifier.sh - run the fuzz_verifier libFuzzer target for FUZZ_SECONDS (default 30; 20
# under ASAN=1): generated programs, and whatever the verifier accepts must run in checked mode
# without a fault or a hang. Any crash, sanitizer report or abort fails. Needs
# `make fuzz-build` (clang); prints "1 passed, 0 failed" or "0 passed, 1 failed".
set -u
cd "$(dirname "$0")/../.."
bin=build-fuzz/fuzz_verifier
secs=${FUZZ_SECONDS:-30}
[ "${ASAN:-0}" = 1 ] && secs=${FUZZ_SECONDS:-20}
if [ ! -x "$bin" ]; then
	echo "fuzz_verifier: $bin is missing (run make fuzz-build)"
	echo "0 passed, 1 failed"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
if nice "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=256 \
	-artifact_prefix="$work/" "$work/corpus" 2>"$work/log"; then
	grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "$work/log" | tail -n 1
	echo "1 passed, 0 failed"
else
	tail -n 40 "$work/log"
	echo "0 passed, 1 failed"
	exit 1
fi
