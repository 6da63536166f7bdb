#!/usr/bin/env bash
# conformance.sh - the public ISA conformance suite (../shared/conformance/tests, 313 cases) in
# every back end, then our own .data cases (tests/data: error paths and extra semantics).
set -u
cd "$(dirname "$0")/../.."
u=${BUILD:-build}/userbpf
suite=../shared/conformance/tests
[ -d "$suite" ] || { echo "conformance suite not found at $suite"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
check() { # label, args...
	local label=$1 out line
	shift
	out=$("$u" conformance "$@" 2>&1)
	line=$(printf '%s\n' "$out" | tail -n 1)
	printf '%s\n' "$out" | grep -v '^[0-9]* passed' | sed "s|^|[$label] |"
	echo "$label: $line"
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass=$((pass + BASH_REMATCH[1]))
		fail=$((fail + BASH_REMATCH[2]))
	else
		fail=$((fail + 1))
	fi
}
backends=("--interp")
if "$u" run --jit examples/asm/ipv4_check.s >/dev/null 2>&1; then
	backends+=("--jit" "--jit --checked")
fi
for b in "${backends[@]}"; do
	# shellcheck disable=SC2086
	check "conformance $b" "$suite" $b
	# shellcheck disable=SC2086
	check "tests/data $b" tests/data/* $b
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
