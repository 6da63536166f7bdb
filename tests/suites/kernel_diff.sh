#!/usr/bin/env bash
# kernel_diff.sh - differential test against the kernel: random programs run in our back ends
# and through bpf(2) (BPF_PROG_LOAD + BPF_PROG_TEST_RUN), all 64 bits of r0 compared. Skips
# (0 passed, 0 failed) where bpf(2) is unavailable. KDIFF_COUNT overrides the program count
# (default 10000; 2000 under ASAN=1), KDIFF_SEED the seed, KDIFF_ARGS adds options (e.g.
# --helpers once src/helpers' bpf_csum_diff folds its result as the kernel does).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tool=$BUILD/tools/kdiff
if [ ! -x "$tool" ]; then
	echo "kernel-diff: $tool is not built (make all)"
	echo "0 passed, 1 failed"
	exit 1
fi
count=${KDIFF_COUNT:-10000}
if [ -n "${ASAN:-}" ] && [ -z "${KDIFF_COUNT:-}" ]; then count=2000; fi
# shellcheck disable=SC2086
exec nice "$tool" --count "$count" --seed "${KDIFF_SEED:-1}" ${KDIFF_ARGS:-}
