#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_operator_files.sh: what make install gives an operator besides the
# programs. Installs the build into a temporary root, then
#   - sddd.service and sddd@.service are in systemd's unit directory (unless
#     configure was told --with-systemdsystemunitdir=no), their ExecStart
#     names the sddd installed beside them, and `systemd-analyze verify`
#     (when there) finds nothing to say of either, the template as an
#     instance;
#   - the manual pages sddd(8), sddctl(1) and sdd.conf(5) are installed,
#     `mandoc -Tlint` (when there) finds no warning, `man -l` renders each
#     without a word on stderr, and sdd.conf(5) has an entry for every key of
#     conf-examples/sdd.conf (which spells out every key);
#   - docs/deploy.md is in the documentation directory.
src="${SDD_SRCDIR:-..}"
build="${SDD_BUILDDIR:-.}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"

fail() {
    echo "test_operator_files: $*"
    exit 1
}

make -C "$build" install DESTDIR="$root" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 99; }

# ---- units ------------------------------------------------------------------
unitdir=$(sed -n 's/^systemdsystemunitdir = //p' "$build/Makefile")
if [ "$unitdir" != no ]; then
    mkdir "$tmp/units"
    for unit in sddd.service sddd@.service; do
        f=$(find "$root" -path "*/system/$unit" -type f)
        [ -n "$f" ] || fail "$unit not installed under $unitdir"
        sddd=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$f")
        [ -x "$root$sddd" ] || fail "$unit: ExecStart names $sddd, which make install did not install"
        sed "s|^ExecStart=$sddd |ExecStart=$root$sddd |" "$f" >"$tmp/units/$unit"
    done
    if command -v systemd-analyze >/dev/null; then
        for unit in sddd.service sddd@test.service; do
            out=$(systemd-analyze verify --man=no "$tmp/units/$unit" 2>&1) ||
                fail "systemd-analyze verify $unit: $out"
            [ -z "$out" ] || fail "systemd-analyze verify $unit: $out"
        done
    else
        echo "test_operator_files: no systemd-analyze: the units are not verified"
    fi
fi

# ---- manual pages -----------------------------------------------------------
for page in man8/sddd.8 man1/sddctl.1 man5/sdd.conf.5; do
    f=$(find "$root" -path "*/man/$page" -type f)
    [ -n "$f" ] || fail "$page not installed"
    if command -v mandoc >/dev/null; then
        out=$(mandoc -Tlint -W warning "$f" 2>&1) || fail "mandoc -Tlint $page: $out"
    fi
    err=$(MANWIDTH=80 man -l "$f" 2>&1 >"$tmp/rendered")
    [ -z "$err" ] && [ -s "$tmp/rendered" ] || fail "man -l $page: ${err:-nothing rendered}"
done
conf5=$(find "$root" -path '*/man/man5/sdd.conf.5' -type f)
for key in $(sed -n 's/^!\{0,1\} *\([a-z_]*\)\(\[[a-z]*\]\)\{0,1\}: .*/\1/p' "$src/conf-examples/sdd.conf" | sort -u); do
    [ "$key" = logs ] && continue       # a comment of the file ("! logs: stderr unless ...")
    grep -Eq "^\.It Cm (.* )?$key( |$)" "$conf5" || fail "sdd.conf(5) has no entry for $key"
done

# ---- documents --------------------------------------------------------------
[ -n "$(find "$root" -path '*/doc/pmacct-sdd/deploy.md' -type f)" ] || fail "docs/deploy.md not installed"
echo "test_operator_files: units, 3 manual pages and deploy.md installed and checked"
