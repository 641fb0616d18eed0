#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_fuzz_corpora.sh: the fuzz targets' seed corpora and every past crash
# as regression tests. Runs tests/fuzz/replay_<name> (the target built as a
# plain program) over tests/fuzz/corpus/<name>/ and tests/fuzz/crashes/<name>/
# for every target that has a corpus; in the --enable-sanitizers build a
# reader that reads out of bounds, leaks or overflows fails it.
src="${SDD_SRCDIR:-..}"
build="${SDD_BUILDDIR:-.}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

status=0 targets=0
for dir in "$src"/tests/fuzz/corpus/*/; do
    name=$(basename "$dir")
    targets=$((targets + 1))
    if "$build/tests/fuzz/replay_$name" "$dir" "$src/tests/fuzz/crashes/$name" >"$tmp/$name.log" 2>&1; then
        echo "ok $name: $(tail -1 "$tmp/$name.log" | sed 's/^replay: //')"
    else
        echo "FAIL $name:"
        tail -40 "$tmp/$name.log"
        status=1
    fi
done
[ "$targets" -gt 0 ] || { echo "no corpus under $src/tests/fuzz/corpus"; exit 1; }
exit $status
