#!/usr/bin/env bash
# run.sh - the whole test suite: every unit-test binary, then every suite script in
# tests/suites/ (conformance, data cases, kernel-differential, fuzz, ...). Each part prints its
# own "N passed, N failed" last; this script sums them and ends with the total line.
# Environment: BUILD (build folder, default build), ASAN=1 (sanitizer run: suites may shorten
# long runs), ONLY=pattern (run only parts whose name matches).
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
total_pass=0
total_fail=0
failed_parts=()
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"

run_part() { # name, command...
	local name=$1
	shift
	if [ -n "${ONLY:-}" ] && [[ $name != *$ONLY* ]]; then return; fi
	local log=$log_dir/${name//\//_}.log start end
	start=$(date +%s)
	"$@" >"$log" 2>&1
	local rc=$?
	end=$(date +%s)
	local line
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	local p=0 f=0
	if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]}
		f=${BASH_REMATCH[2]}
	fi
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ -z "$line" ] && [ $rc -eq 0 ]; then p=1; fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	printf '%-28s %6d passed, %4d failed  (%ds)\n' "$name" "$p" "$f" $((end - start))
	if [ "$f" -ne 0 ]; then
		failed_parts+=("$name")
		echo "---- $name: last lines of $log"
		tail -n 25 "$log"
		echo "----"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_part "unit/$(basename "$t")" "$t"
done
for s in tests/suites/*.sh; do
	[ -f "$s" ] || continue
	run_part "suite/$(basename "$s" .sh)" bash "$s"
done

[ ${#failed_parts[@]} -eq 0 ] || echo "failed parts: ${failed_parts[*]}"
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
