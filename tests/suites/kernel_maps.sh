#!/usr/bin/env bash
# kernel_maps.sh - kernel-differential map test (tests/tools/kmaps.c): the same random
# operations on kernel maps through bpf(2) and on userbpf maps, every result and the final
# contents compared. Skips (0 passed, 0 failed) where bpf(2) is unavailable.
# KMAPS_STEPS and KMAPS_SEED override the defaults.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tool=$BUILD/tools/kmaps
if [ ! -x "$tool" ]; then
	echo "kernel-maps: $tool is not built (make all)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec nice "$tool" --steps "${KMAPS_STEPS:-3000}" --seed "${KMAPS_SEED:-1}"
