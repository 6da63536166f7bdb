#!/usr/bin/env bash
# run.sh - map throughput (bench_maps.c): host and program lookups/updates per second for
# array, hash, lru_hash and lpm_trie at 1 and 2 threads. The library must be built.
# Usage: BUILD=build bash bench/maps/run.sh [-t SECONDS_PER_CELL]
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/bench-maps
mkdir -p "$out"
${CC:-gcc} -O2 -std=c11 -D_GNU_SOURCE -Iinclude -o "$out/bench_maps" bench/maps/bench_maps.c \
	"$BUILD/libuserbpf.a" -lpthread -lm
"$out/bench_maps" "$@"
