#!/usr/bin/env bash
# filter_corpus.sh - the tcpdump-expression corpus (tests/corpus/filters.txt) end to end:
#  1. filtercmp over 100,000 generated packets: for every expression, the packets matched by
#     libpcap's pcap_offline_filter, our classic BPF interpreter and the converted eBPF program
#     in the eBPF interpreter and the JIT must be the same (the exact return value of every
#     packet), and the program must round-trip through -d/-dd/-ddd;
#     and the same over 20,000 raw-IP packets (link type RAW: the expressions libpcap compiles
#     for it);
#  2. tcpdump itself: `tcpdump -r FILE EXPR` prints as many packets as we match, on a smaller
#     capture (tcpdump is slow); packet lines are counted, hex-dump continuation lines are not;
#  3. our -d, -dd and -ddd output is byte-identical to `tcpdump -y EN10MB -d/-dd/-ddd EXPR`.
# Ends with "N passed, N failed" (expressions x checks).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tools=$BUILD/tools
pass=0
fail=0
for t in pcapgen filtercmp; do
	if [ ! -x "$tools/$t" ]; then
		make --no-print-directory "$tools/$t" >/dev/null || { echo "cannot build $t"; echo "0 passed, 1 failed"; exit 1; }
	fi
done
big=$BUILD/filter-mixed.pcap
small=$BUILD/filter-small.pcap
"$tools/pcapgen" "$big" 100000 1 || exit 1
"$tools/pcapgen" "$small" 5000 7 || exit 1
rawf=$BUILD/filter-raw.pcap
"$tools/pcapgen" --raw "$rawf" 20000 3 || exit 1

# 1. three-way differential over the big capture
out=$("$tools/filtercmp" "$big" tests/corpus/filters.txt 2>&1)
echo "$out" | grep -v '^ok ' | grep -v 'passed, .* failed'
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
else
	fail=$((fail + 1))
fi
echo "differential: $line"
out=$("$tools/filtercmp" "$rawf" tests/corpus/filters.txt --skip-uncompilable 2>&1)
echo "$out" | grep -v '^ok ' | grep -v 'passed, .* failed'
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
else
	fail=$((fail + 1))
fi
echo "differential (raw IP): $line"

# 2. tcpdump's own packet counts, and 3. byte-exact -d/-dd/-ddd
if command -v tcpdump >/dev/null; then
	tp=0
	tf=0
	while IFS=$'\t' read -r count expr; do
		[[ $expr == reject:* ]] && continue
		got=$(tcpdump -nn -r "$small" -- "$expr" 2>/dev/null | grep -vc '^[[:space:]]')
		if [ "$got" = "$count" ]; then tp=$((tp + 1)); else
			tf=$((tf + 1))
			echo "tcpdump count differs: $expr: tcpdump $got, userbpf $count"
		fi
		for f in d dd ddd; do
			if cmp -s <(tcpdump -y EN10MB -$f -- "$expr" 2>/dev/null) <("$tools/filtercmp" --dump $f "$expr"); then
				tp=$((tp + 1))
			else
				tf=$((tf + 1))
				echo "-$f output differs from tcpdump: $expr"
			fi
		done
	done < <("$tools/filtercmp" "$small" tests/corpus/filters.txt --counts | grep -P '^\d+\t')
	echo "tcpdump: $tp passed, $tf failed (packet counts on $small, -d/-dd/-ddd text)"
	pass=$((pass + tp))
	fail=$((fail + tf))
else
	echo "tcpdump not installed: skipping the tcpdump comparison"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
