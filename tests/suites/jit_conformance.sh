#!/usr/bin/env bash
# jit_conformance.sh - the 313 ISA conformance cases and tests/data in both JIT modes, with the
# programs loaded as trusted so the verified (unchecked) code runs too (tests/tools/jitconf.c).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
suite=../shared/conformance/tests
[ -d "$suite" ] || { echo "conformance suite not found at $suite"; echo "0 passed, 1 failed"; exit 1; }
exec "$BUILD/tools/jitconf" "$suite" tests/data/*
