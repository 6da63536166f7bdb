#!/usr/bin/env bash
# jit_diff.sh - the fixed-seed differential corpus: 110,000 generated programs (over 100,000
# of them load) each run in the interpreter and the JIT (checked mode); every r0, error and
# memory image must agree. Under ASAN=1 a 20,000-program slice. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
count=110000
[ "${ASAN:-0}" = 1 ] && count=20000
exec nice -n 10 "$BUILD/tools/jitdiff" "$count" 1
