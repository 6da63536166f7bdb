#!/usr/bin/env bash
# cbpf_kernel.sh - the running kernel as the oracle for classic BPF (tests/tools/cbpf_kdiff.c):
# 20,000 generated programs attached with SO_ATTACH_FILTER get the same accept/reject verdict
# from the kernel as from cbpf_check(), and 2,000 accepted ones, run by the kernel on frames
# sent over the loopback device, keep exactly the bytes cbpf_run() says. Linux only; the
# packet part needs CAP_NET_RAW (skipped without it). Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tool=$BUILD/tools/cbpf_kdiff
if [ "$(uname -s)" != Linux ]; then
	echo "not Linux: skipped"
	echo "0 passed, 0 failed"
	exit 0
fi
[ -x "$tool" ] || make --no-print-directory "$tool" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
"$tool" 20000 12345
