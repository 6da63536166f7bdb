#!/usr/bin/env bash
# run.sh - build and run the benchmarks: every bench/progs/<name>.c is compiled three times
# (clang -O2 -target bpf -mcpu=v3 with the userbpf entry and with the kernel XDP entry, whose
# raw .text is cut out with llvm-objcopy; and clang -O2 natively), then bench/bench.c is
# linked with the native objects and the library and prints the table (see BENCHMARKS.md).
# Usage: bench/run.sh [BUILD] [bench options: --batches N --batch-ms M --only NAME]
# Environment: CLANG, OBJCOPY, NM, OBJDUMP, CC (the driver's compiler), ASAN=1 (BUILD is a
# sanitizer build: link the driver the same way).
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
CLANG=${CLANG:-clang}
OBJCOPY=${OBJCOPY:-llvm-objcopy}
NM=${NM:-llvm-nm}
CC=${CC:-gcc}
out=$BUILD/bench
mkdir -p "$out"
[ -f "$BUILD/libuserbpf.a" ] || make --no-print-directory lib BUILD="$BUILD" >/dev/null

# bench_entry must be the first function of .text, and both BPF builds must share the body.
entry_size() { # object -> size in bytes of bench_entry, checking that it starts at 0
	local line
	line=$($NM -S "$1" | awk '$4 == "bench_entry"')
	[ -n "$line" ] || { echo "run.sh: no bench_entry in $1" >&2; exit 1; }
	set -- $line
	[ $((16#$1)) -eq 0 ] || { echo "run.sh: bench_entry is not first in $1" >&2; exit 1; }
	echo $((16#$2))
}

: >"$out/list.h"
natives=()
for src in bench/progs/*.c; do
	name=$(basename "$src" .c)
	for mode in vm kern; do
		def=BENCH_VM
		[ $mode = kern ] && def=BENCH_KERNEL
		$CLANG -O2 -target bpf -mcpu=v3 -D$def -Wall -Werror -c "$src" -o "$out/$name.$mode.o"
		$OBJCOPY -O binary --only-section=.text "$out/$name.$mode.o" "$out/$name.$mode.bin"
		if ${OBJDUMP:-llvm-objdump} -r "$out/$name.$mode.o" | grep -q R_BPF; then
			echo "run.sh: $name.$mode.o has relocations (globals, .rodata or maps)" >&2
			exit 1
		fi
	done
	sv=$(entry_size "$out/$name.vm.o")
	sk=$(entry_size "$out/$name.kern.o")
	if ! cmp -s <(tail -c +$((sv + 1)) "$out/$name.vm.bin") <(tail -c +$((sk + 1)) "$out/$name.kern.bin"); then
		echo "run.sh: $name: the two BPF builds do not share the same body" >&2
		exit 1
	fi
	$CLANG -O2 -Wall -Werror -DBENCH_NATIVE_NAME=bench_native_$name -c "$src" -o "$out/$name.native.o"
	natives+=("$out/$name.native.o")
	echo "BENCH_NATIVE($name)" >>"$out/list.h"
done
san=
if [ -n "${ASAN:-}" ]; then san="-fsanitize=address,undefined -fno-sanitize-recover=all"; fi
$CC -std=c11 -D_GNU_SOURCE -O2 -g $san -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Isrc \
	-I"$out" -DBENCH_LIST='"list.h"' -o "$out/bench" bench/bench.c "${natives[@]}" \
	"$BUILD/libuserbpf.a" -lelf -lz -lpcap -lcapstone -lpthread -lm
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $($CLANG --version | head -1)"
nice -n 0 "$out/bench" "$out" "$@"
