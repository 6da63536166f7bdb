#!/usr/bin/env bash
# cli.sh - the command line as users meet it: golden outputs, exit statuses (0 ok, 1 failure,
# 2 usage), "Error: ..." messages, and malformed input of every kind ending in a clear error,
# never a crash (a signal would give a status above 128).
set -u
cd "$(dirname "$0")/../.."
u=${BUILD:-build}/userbpf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS PATTERN -- command...: exit status and a line of stdout+stderr matching PATTERN
expect() {
	local want=$1 pat=$2 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$* -> status $rc, want $want: $(printf '%s' "$out" | head -3)"
	elif [ -n "$pat" ] && ! printf '%s\n' "$out" | grep -qE -- "$pat"; then
		bad "$* -> output does not match /$pat/: $(printf '%s' "$out" | head -3)"
	else
		ok
	fi
}

# Golden files: tests/golden/NAME.cmd holds the arguments, NAME.out the expected stdout.
for cmd in tests/golden/*.cmd; do
	[ -f "$cmd" ] || continue
	name=${cmd%.cmd}
	# shellcheck disable=SC2046
	if diff -u "$name.out" <(eval "$u $(cat "$cmd")" 2>&1) >"$tmp/diff"; then ok; else
		bad "golden $(basename "$name")"
		head -20 "$tmp/diff"
	fi
done

# Usage errors: status 2 and bpftool's "Error: " prefix.
expect 2 '^Error: unknown command' -- "$u" frobnicate
expect 2 '^Error: unknown option' -- "$u" --frob
expect 2 '^Error: ambiguous command' -- "$u" conf x
expect 2 '^Error: run: missing program' -- "$u" run
expect 2 '^Error: --budget' -- "$u" run --budget abc examples/asm/ipv4_check.s
expect 2 '^Error: --budget' -- "$u" run --budget -5 examples/asm/ipv4_check.s
expect 2 '^Error: --budget needs' -- "$u" run examples/asm/ipv4_check.s --budget
expect 2 '^Error: --mem' -- "$u" run examples/asm/ipv4_check.s --mem zz
expect 2 '^Error: --mem' -- "$u" run examples/asm/ipv4_check.s --mem abc
expect 2 '^Error: run: unknown option' -- "$u" run examples/asm/ipv4_check.s --frob
expect 2 '^Error: asm: missing input' -- "$u" asm
expect 2 '^Error: -o needs' -- "$u" asm examples/asm/ipv4_check.s -o
expect 2 '^Error: disasm: missing input' -- "$u" disasm
expect 2 '^Error: conformance: missing' -- "$u" conformance
expect 2 '^Error: ' -- "$u" conformance /nonexistent
expect 2 '^Error: ' -- "$u" conformance-plugin zz
# Help: status 0 everywhere.
expect 0 '^Usage: userbpf' -- "$u" --help
expect 0 '^Usage: userbpf' -- "$u" help
for c in asm disasm run conformance conformance-plugin; do
	expect 0 "^Usage: userbpf $c" -- "$u" $c --help
done
expect 0 '^userbpf [0-9]' -- "$u" --version

# Malformed input: status 1 and a located error.
expect 1 'No such file' -- "$u" run "$tmp/none.s"
printf 'r0 = \nexit\n' >"$tmp/bad1.s"
expect 1 'line 1, column 6' -- "$u" run "$tmp/bad1.s"
printf 'r0 = 1\nfoo r1\n' >"$tmp/bad2.s"
expect 1 'line 2' -- "$u" asm "$tmp/bad2.s"
printf 'goto nowhere\nexit\n' >"$tmp/bad3.s"
expect 1 'nowhere' -- "$u" run "$tmp/bad3.s"
printf 'r0 = 1\n' >"$tmp/fall.s"
expect 1 'last insn is not an exit or jmp' -- "$u" run "$tmp/fall.s"
head -c 13 /dev/zero >"$tmp/odd.bin"
expect 1 'not a non-zero multiple of 8' -- "$u" run "$tmp/odd.bin"
: >"$tmp/empty.bin"
expect 1 'multiple of 8' -- "$u" run "$tmp/empty.bin"
printf -- '-- asm\nmov %%r0, 1\nexit\n-- mem\nzz\n' >"$tmp/bad.data"
expect 1 'hex' -- "$u" run "$tmp/bad.data"
printf 'r0 = *(u64 *)(r1 +8)\nexit\n' >"$tmp/oob.s"
expect 1 'insn 0: invalid memory access: read of 8 bytes' -- "$u" run "$tmp/oob.s" --mem 0102
printf 'l: goto l\n' >"$tmp/loop.s"
expect 1 'budget' -- "$u" run "$tmp/loop.s" --budget 1000
# Random bytes as a program, as assembly text and as a .data file: an error, never a crash.
for i in $(seq 1 40); do
	head -c $((8 * (i % 9 + 1))) /dev/urandom >"$tmp/r.bin"
	"$u" run "$tmp/r.bin" >/dev/null 2>&1
	rc=$?
	[ $rc -lt 128 ] && ok || bad "random program $i: status $rc"
	"$u" disasm "$tmp/r.bin" >/dev/null 2>&1
	rc=$?
	[ $rc -lt 128 ] && ok || bad "disasm random $i: status $rc"
	head -c 300 /dev/urandom >"$tmp/r.s"
	"$u" run "$tmp/r.s" >/dev/null 2>&1
	rc=$?
	[ $rc -lt 128 ] && ok || bad "random text $i: status $rc"
	{ echo "-- asm"; head -c 100 /dev/urandom; } >"$tmp/r.data"
	"$u" run "$tmp/r.data" >/dev/null 2>&1
	rc=$?
	[ $rc -lt 128 ] && ok || bad "random .data $i: status $rc"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
