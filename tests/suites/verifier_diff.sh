#!/usr/bin/env bash
# verifier_diff.sh - the verifier against the kernel's: generated programs (tests/kernel/vgen.c)
# loaded with BPF_PROG_LOAD as socket_filter, sched_cls and xdp, verdicts and error lines
# recorded (tests/tools/vdiff.c). Once our verifier is built it checks the same programs and
# the verdicts are compared: "N passed, M failed" counts agreements and programs we accept
# while the kernel rejects. Until then the kernel's statistics and "0 passed, 0 failed".
# Skips (0 passed, 0 failed) where bpf(2) is unavailable. VDIFF_COUNT overrides the program
# count (default 20000; 5000 under ASAN=1), VDIFF_SEED the seed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tool=$BUILD/tools/vdiff
if [ ! -x "$tool" ]; then
	echo "verifier-diff: $tool is not built (make all)"
	echo "0 passed, 1 failed"
	exit 1
fi
count=${VDIFF_COUNT:-20000}
if [ -n "${ASAN:-}" ] && [ -z "${VDIFF_COUNT:-}" ]; then count=5000; fi
exec nice "$tool" --count "$count" --seed "${VDIFF_SEED:-1}"
