#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_clang_build.sh: the tree also builds with clang and --enable-werror,
# and `sddctl gen` of that build writes the same files, byte for byte, as
# the gcc build of the test command for the same seeds (the generator's
# draws must not depend on the compiler's order of evaluation).
# Needs clang (tools/install-deps installs it); runs when SDD_INTEGRATION=1.
set -eu
[ "${SDD_INTEGRATION:-0}" = 1 ] || exit 77
src=${SDD_SRCDIR:?} build=${SDD_BUILDDIR:?}
command -v clang >/dev/null || { echo "clang is not installed (tools/install-deps installs it)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/clang"
echo "configuring and building sddctl with clang --enable-werror in $tmp/clang"
if ! (cd "$tmp/clang" && "$src/configure" CC=clang --enable-werror >configure.out 2>&1 && make -j2 sddctl >make.out 2>&1); then
  tail -30 "$tmp/clang/configure.out" "$tmp/clang/make.out" 2>/dev/null
  echo "FAIL: clang build"
  exit 1
fi

status=0
for seed in 5 11; do
  "$build/sddctl" gen --seed "$seed" --services 12 --days 3 --out "$tmp/gcc-$seed" >/dev/null
  "$tmp/clang/sddctl" gen --seed "$seed" --services 12 --days 3 --out "$tmp/clang-$seed" >/dev/null
  files=$(find "$tmp/gcc-$seed" -type f | wc -l)
  if [ "$files" -lt 3 ]; then
    echo "FAIL: seed $seed: gcc's gen wrote $files files"
    status=1
  elif diff -r "$tmp/gcc-$seed" "$tmp/clang-$seed" >"$tmp/diff" 2>&1; then
    echo "seed $seed: $files files identical under gcc and clang"
  else
    echo "FAIL: seed $seed: gcc and clang differ"
    head -20 "$tmp/diff"
    status=1
  fi
done
exit $status
