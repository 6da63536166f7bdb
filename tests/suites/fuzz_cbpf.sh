#!/usr/bin/env bash
# fuzz_cbpf.sh - a short libFuzzer run of fuzz/fuzz_cbpf.c (classic BPF checker, reader,
# interpreter, converter; see the target's header) from the seed corpus in fuzz/corpus/cbpf.
# FUZZ_SECONDS overrides the duration (60 s; 20 s when ASAN=1). Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
if [ "${ASAN:-0}" = 1 ] && [ -z "${FUZZ_SECONDS:-}" ]; then secs=20; fi
bin=build-fuzz/fuzz_cbpf
if [ ! -x "$bin" ]; then
	make --no-print-directory fuzz-build >/dev/null 2>&1 || true
fi
if [ ! -x "$bin" ]; then
	echo "fuzz_cbpf: cannot build $bin (clang with libFuzzer needed)"
	echo "0 passed, 1 failed"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp fuzz/corpus/cbpf/* "$work/" 2>/dev/null
nice "$bin" -max_total_time="$secs" -timeout=10 -max_len=600 -rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work" >"$work/log" 2>&1
rc=$?
runs=$(grep -oE 'Done [0-9]+ runs' "$work/log" | grep -oE '[0-9]+')
echo "fuzz_cbpf: ${runs:-0} executions in ${secs}s, exit $rc"
if [ $rc -ne 0 ]; then
	tail -n 30 "$work/log"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$a" ] && { mkdir -p build-fuzz/artifacts; cp "$a" build-fuzz/artifacts/; echo "artifact saved: build-fuzz/artifacts/$(basename "$a")"; }
	done
	echo "0 passed, 1 failed"
	exit 1
fi
echo "1 passed, 0 failed"
