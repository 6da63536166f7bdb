#!/usr/bin/env bash
# kernel_examples.sh - the XDP examples (examples/bpf) in userbpf and in the kernel (libbpf +
# BPF_PROG_TEST_RUN) with the same host setup and packets: verdicts, final map contents and
# ring buffer records must be identical. Skips (0 passed, 0 failed) without bpf(2).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tool=$BUILD/tools/kdiff_examples
if [ ! -x "$tool" ]; then
	echo "kernel-examples: $tool is not built (make all)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! bash examples/build.sh "$BUILD/examples"; then
	echo "skip: examples not built"
	echo "0 passed, 0 failed"
	exit 0
fi
exec nice "$tool" "$BUILD/examples"
