#!/usr/bin/env bash
# jit_diff.sh - the fixed-seed differential corpus: 110,000 generated programs (over 100,000
# of them load) each run in the interpreter and the JIT (checked mode); every r0, error and
# memory image must agree; then 20,000 more with the JIT code constant-blinded. Under ASAN=1
# slices of 20,000 and 5,000. Ends with "N passed, N failed" (the sum of both runs).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
count=110000 blinded=20000
[ "${ASAN:-0}" = 1 ] && count=20000 blinded=5000
pass=0 fail=0
for run in "$count 1" "$blinded 2 blind"; do
	# shellcheck disable=SC2086
	out=$(nice -n 10 "$BUILD/tools/jitdiff" $run 2>&1)
	printf '%s\n' "$out" | grep -v ' passed, ' | tail -n 30
	line=$(printf '%s\n' "$out" | tail -n 1)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass=$((pass + BASH_REMATCH[1]))
		fail=$((fail + BASH_REMATCH[2]))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
