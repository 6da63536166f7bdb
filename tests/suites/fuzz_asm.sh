#!/usr/bin/env bash
# fuzz_asm.sh - run the assembler's libFuzzer target (fuzz/fuzz_asm.c: assemble, then
# disassemble and reassemble to the same bytes) for ${FUZZ_SECONDS:-60} seconds (20 under
# ASAN=1 unless FUZZ_SECONDS is set), seeded from fuzz/corpus/asm. A crash leaves its input in
# build-fuzz/ as crash-*. Needs `make fuzz-build`; skips (0 passed, 0 failed) without it.
set -u
cd "$(dirname "$0")/../.."
bin=build-fuzz/fuzz_asm
secs=${FUZZ_SECONDS:-60}
if [ "${ASAN:-0}" = 1 ] && [ -z "${FUZZ_SECONDS:-}" ]; then secs=20; fi
if [ ! -x "$bin" ]; then
	echo "fuzz_asm: $bin not built (make fuzz-build), skipped"
	echo "0 passed, 0 failed"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp fuzz/corpus/asm/* "$work"/
if nice "$bin" -max_total_time="$secs" -max_len=4096 -artifact_prefix=build-fuzz/ "$work" \
	>"$work/log" 2>&1; then
	grep -E '^Done [0-9]+ runs' "$work/log"
	echo "1 passed, 0 failed"
else
	tail -n 40 "$work/log"
	echo "0 passed, 1 failed"
	exit 1
fi
