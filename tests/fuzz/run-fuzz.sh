#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzz.sh: what `make fuzz` does (tests/fuzz/local.mk).
#   run-fuzz.sh SRCDIR FUZZ-BUILD-DIR SECONDS TARGET...
# Configures FUZZ-BUILD-DIR once with clang (and clang++ for the one C++
# file: FUZZ_CC, FUZZ_CXX), ASan + UBSan and libFuzzer's
# coverage, builds tests/fuzz/fuzz_<target> there, and runs each target,
# one after the other, for SECONDS over its seed corpus
# (SRCDIR/tests/fuzz/corpus/<target>, read only) and its own working corpus
# (FUZZ-BUILD-DIR/tests/fuzz/work/<target>, where new inputs go). A crash,
# leak or timeout is written to SRCDIR/tests/fuzz/crashes/<target>/, which
# the test command replays (test_fuzz_corpora.sh). FUZZ_FLAGS (environment)
# are more libFuzzer options. Prints the executions of each target; exits 1
# when a target found something.
set -u
src=$1 build=$2 seconds=$3
shift 3

cc=${FUZZ_CC:-clang}
cxx=${FUZZ_CXX:-clang++}
probe=$(mktemp -d) || exit 1
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
    >"$probe/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$probe/probe" "$probe/probe.c" >"$probe/log" 2>&1; then
    echo "make fuzz: needs clang with libFuzzer and the sanitizer runtimes ($cc could not link a fuzz target)."
    echo "On Debian 12: apt-get install clang libclang-rt-14-dev  (or set FUZZ_CC to another clang)"
    sed 's/^/  /' "$probe/log" | tail -5
    exit 1
fi

mkdir -p "$build" || exit 1
if [ ! -f "$build/Makefile" ]; then
    echo "make fuzz: configuring $build with $cc"
    (cd "$build" && "$src/configure" CC="$cc" CFLAGS="-g -O1 -fsanitize=fuzzer-no-link" \
        CXX="$cxx" CXXFLAGS="-g -O1 -fsanitize=fuzzer-no-link" \
        --enable-sanitizers >configure.out 2>&1) || { tail -20 "$build/configure.out"; exit 1; }
fi
programs=
for t in "$@"; do
    programs="$programs tests/fuzz/fuzz_$t"
done
# shellcheck disable=SC2086
make -C "$build" -j2 $programs >"$build/fuzz-make.out" 2>&1 || { tail -40 "$build/fuzz-make.out"; exit 1; }

status=0
for t in "$@"; do
    work="$build/tests/fuzz/work/$t" crashes="$src/tests/fuzz/crashes/$t" log="$build/tests/fuzz/fuzz_$t.log"
    mkdir -p "$work" "$crashes"
    before=$(ls "$crashes" | wc -l)
    echo "== fuzz_$t: $seconds s"
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 ${FUZZ_FLAGS:-} "$work" "$src/tests/fuzz/corpus/$t" \
        >"$log" 2>&1
    rc=$?
    # The final statistics; in fork mode, the last progress line's count.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' "$log" | tail -1)
    echo "fuzz_$t: ${runs:-?} executions, exit $rc; log $log"
    if [ "$rc" -ne 0 ] || [ "$(ls "$crashes" | wc -l)" -ne "$before" ]; then
        grep -m3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log"
        echo "fuzz_$t: found something, reproducer in $crashes"
        status=1
    fi
    rmdir "$crashes" 2>/dev/null
done
exit $status
