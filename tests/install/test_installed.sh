#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_installed.sh: libsdd as an embedding program sees it. Installs the
# build into a temporary root, then
#   - the symbols the installed libsdd.so exports are exactly the public API
#     kept in tests/install/libsdd.symbols (nothing internal leaks out);
#   - embed.c, compiled with `pkg-config --cflags --libs libsdd` alone, replays
#     tests/data and prints the notifications tests/data/notifications.jsonl
#     holds, byte for byte, and the version of include/sdd/version.h.
src="${SDD_SRCDIR:-..}"
build="${SDD_BUILDDIR:-.}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

make -C "$build" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 99; }
pc=$(find "$tmp/root" -name libsdd.pc)
lib=$(find "$tmp/root" -name 'libsdd.so.*' -type f | head -1)
[ -n "$pc" ] && [ -n "$lib" ] || { echo "libsdd.pc or libsdd.so not installed"; exit 1; }

nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort >"$tmp/exported"
if ! diff -u "$src/tests/install/libsdd.symbols" "$tmp/exported"; then
    echo "test_installed: libsdd.so exports other symbols than tests/install/libsdd.symbols"
    exit 1
fi

export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
flags=$(pkg-config --cflags --libs libsdd) || exit 1
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror $SDD_SANITIZER_FLAGS -o "$tmp/embed" "$src/tests/install/embed.c" $flags ||
    exit 1
LD_LIBRARY_PATH="$(dirname "$lib")" "$tmp/embed" "$src/tests/data/sdd.conf" "$src/tests/data/inventory.json" \
    "$src/tests/data/flows.jsonl" "$src/tests/data/bmp.jsonl" >"$tmp/out" || exit 1
grep -v '^version ' "$tmp/out" >"$tmp/notifications"
[ -s "$tmp/notifications" ] || { echo "test_installed: no notification"; exit 1; }
cmp "$tmp/notifications" "$src/tests/data/notifications.jsonl" || exit 1
version=$(sed -n 's/^version //p' "$tmp/out")
grep -q "AC_INIT(\[pmacct-sdd\], \[$version\]" "$src/configure.ac" || { echo "version $version is not configure.ac's"; exit 1; }
echo "test_installed: $(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/notifications") notifications, version $version"
