#!/usr/bin/env bash
# fuzz.sh - run every libFuzzer target (build-fuzz/fuzz_<name>, from fuzz/fuzz_<name>.c) for
# FUZZ_SECONDS each (default 60; 20 under ASAN=1), two at a time, seeded from fuzz/corpus/<name>/
# when that folder exists. A crash, sanitizer report, leak or hang fails the target; its input
# is kept as build-fuzz/crash-<name>-*. One passed/failed count per target.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
[ "${ASAN:-0}" = 1 ] && secs=${FUZZ_SECONDS:-20}
targets=()
for src in fuzz/fuzz_*.c; do
	targets+=("$(basename "$src" .c)")
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fuzz_one() { # name
	local name=$1 bin=build-fuzz/$1 seeds=fuzz/corpus/${1#fuzz_}
	mkdir -p "$work/$name"
	if [ ! -x "$bin" ]; then
		echo "missing $bin (make fuzz-build)" >"$work/$name.log"
		echo 1 >"$work/$name.rc"
		return
	fi
	[ -d "$seeds" ] || seeds=
	# -timeout: every target bounds its own work (budgets, sizes), so a slow input is a hang.
	nice "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-artifact_prefix="build-fuzz/crash-${name#fuzz_}-" "$work/$name" $seeds \
		>"$work/$name.log" 2>&1
	echo $? >"$work/$name.rc"
}
export -f fuzz_one
export work secs
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'fuzz_one {}'

pass=0 fail=0
for name in "${targets[@]}"; do
	rc=$(cat "$work/$name.rc" 2>/dev/null || echo 1)
	execs=$(grep -oE '^(#[0-9]+|Done [0-9]+ runs)' "$work/$name.log" | tail -n 1 | tr -dc '0-9')
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		echo "$name: ok, ${execs:-?} execs in ${secs}s"
	else
		fail=$((fail + 1))
		echo "$name: FAILED (status $rc)"
		tail -n 30 "$work/$name.log"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
