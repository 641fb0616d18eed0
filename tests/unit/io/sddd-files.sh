# SPDX-License-Identifier: GPL-2.0-or-later
# sddd-files.sh: sourced by the tests that run sddd over files (files in, a
# file out; $src set before): a backlog of 4 services over 8 days made by
# `sddctl gen` in $tmp/in, `sddctl replay`'s notifications for it in
# $tmp/replay.json, and config to write sddd's configuration over the
# files of $inputs ($tmp/in unless the test says otherwise). A process the
# test starts in the background goes in $pid: it is killed at the exit.
build="${SDD_BUILDDIR:-.}"
tmp=$(mktemp -d) || exit 99
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

"$build/sddctl" gen --seed 3 --services 4 --days 8 --out "$tmp/in" >/dev/null || exit 99
"$build/sddctl" replay --config "$src/conf-examples/sdd.conf" --inventory "$tmp/in/inventory.json" \
    --flows "$tmp/in/flows.json" --bmp "$tmp/in/bmp.json" --telemetry "$tmp/in/telemetry.json" \
    --out "$tmp/replay.json" 2>/dev/null || exit 99
[ -s "$tmp/replay.json" ] || { echo "$0: replay made no notification"; exit 1; }
inputs="$tmp/in"

# conf-examples/sdd.conf with sddd's inputs, output and files (a key is
# set once: the extra lines replace the example's).
config() {   # FILE EXTRA-LINES
    keys=$(printf '%s\n' "$2" | sed -n 's/^\([a-z_]*\):.*/\1/p' | paste -sd'|' -)
    grep -vE "^(flow_input|bmp_input|telemetry_input|output|output_format${keys:+|$keys}):" \
        "$src/conf-examples/sdd.conf" >"$1"
    cat >>"$1" <<EOF_CONFIG
flow_input: file:$inputs/flows.json
bmp_input: file:$inputs/bmp.json
telemetry_input: file:$inputs/telemetry.json
output: file:$tmp/out.json
$2
EOF_CONFIG
}
