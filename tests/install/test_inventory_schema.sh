#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_inventory_schema.sh: schema/inventory.schema.json says what the
# inventory loader (src/engine/inventory.c) accepts, checked with Debian's
# python3-jsonschema (draft 2020-12, formats asserted):
#   - every inventory of the tree (tests/data, conf-examples, the plugin's
#     test, those written by bench/ and tests/integration/ scripts, with their
#     shell variables as an address) and what `sddctl gen` writes: valid for
#     the schema and loaded by `sddctl replay`;
#   - edge cases the loader takes (extremes of ranges, RD types, IPv6): valid;
#   - bad inventories (below, one a line): refused by both, the loader with
#     its message, the schema with its error;
#   - what only the loader can refuse (a schema cannot say it): refused by
#     the loader, so the schema's description of these stays true.
src="${SDD_SRCDIR:-..}"
build="${SDD_BUILDDIR:-.}"
schema="$src/schema/inventory.schema.json"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" -c 'import jsonschema' 2>/dev/null || { echo "test_inventory_schema: no python3-jsonschema (tools/install-deps)"; exit 1; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    echo "test_inventory_schema: $*"
    failures=$((failures + 1))
}

# schema_verdicts FILE...: "ok FILE" or "refused FILE: why", one a line.
schema_verdicts() {
    "$py" - "$schema" "$@" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
for path in sys.argv[2:]:
    err = jsonschema.exceptions.best_match(v.iter_errors(json.load(open(path))))
    print("ok %s" % path if err is None else "refused %s: %s at %s" % (path, err.message, list(err.absolute_path)))
PY
}

# loader_accepts FILE: the engine's loader reads it (sddctl replay of nothing).
: >"$tmp/empty.jsonl"
loader_accepts() {
    "$build/sddctl" replay --inventory "$1" --flows "$tmp/empty.jsonl" --out /dev/null 2>"$tmp/loader.err"
}

# ---- inventories of the tree --------------------------------------------------
n=0
for f in "$src/tests/data/inventory.json" "$src/conf-examples/inventory.json" \
         "$src/tests/integration/plugin/inventory.json"; do
    n=$((n + 1))
    cp "$f" "$tmp/tree-$n.json"
done
# Heredocs written to an inventory*.json, or by a shell function write_inventory.
for f in "$src"/bench/* "$src"/tests/integration/*.sh; do
    [ -f "$f" ] || continue
    awk -v out="$tmp/heredoc-$(basename "$f")" '
        on && $0 == tag { on = 0; close(file); next }
        on { gsub(/\$[A-Za-z_]+/, "192.0.2.254"); print > file; next }
        /<</ && (/inventory[^ ]*\.json/ || prev ~ /inventory\(\)/) {
            tag = $0; sub(/.*<< *-?/, "", tag); gsub(/["'\'' ]/, "", tag)
            file = out "-" ++k ".json"; on = 1 }
        { prev = $0 }' "$f"
done
"$build/sddctl" gen --seed 7 --services 12 --days 2 --out "$tmp/gen" >/dev/null 2>&1 || fail "sddctl gen failed"
cp "$tmp/gen/inventory.json" "$tmp/tree-gen.json"
grep -q '"changes":\[{' "$tmp/tree-gen.json" || fail "sddctl gen wrote no change window: a part of the schema goes unchecked"

# ---- edge cases the loader takes --------------------------------------------
t='"router": "192.0.2.1"'
good=(
    '{"services": []}'
    '{"services": [{"vpn_id": "x"}]}'
    '{"services": [{"vpn_id": "1234567890123456789012345678901", "terminations": [{'"$t"', "rd": "0:65535:4294967295", "vrf_id": 4294967295}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "1:255.255.255.255:65535"}, {"router": "2001:db8::1", "rd": "2:4294967295:0", "ce_peers": ["::ffff:192.0.2.9", "2001:db8::2"]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "2:0:0", "interfaces": [{}, {"id": 0, "capacity_bps": 0}, {"id": 4294967295, "capacity_bps": 2.5e9, "name": "'"$(printf 'n%.0s' {1..63})"'"}]}]}]}'
    '{"services": [{"vpn_id": "a", "name": "", "profile": "bursty", "changes": [{"start": 5, "end": 5}, {"id": "CHG1", "start": -10, "end": 10}]}, {"vpn_id": "a"}]}'
)
for i in "${!good[@]}"; do
    printf '%s\n' "${good[$i]}" >"$tmp/good-$i.json"
done

for f in "$tmp"/tree-*.json "$tmp"/heredoc-*.json "$tmp"/good-*.json; do
    loader_accepts "$f" || fail "the loader refuses $(basename "$f"): $(cat "$tmp/loader.err")"
done
[ "$(ls "$tmp"/heredoc-*.json | wc -l)" -ge 5 ] || fail "fewer inventories found in scripts than the 5 there were"
schema_verdicts "$tmp"/tree-*.json "$tmp"/heredoc-*.json "$tmp"/good-*.json >"$tmp/good.out" || fail "the validator failed"
grep -v '^ok ' "$tmp/good.out" | while read -r line; do echo "test_inventory_schema: the schema $line"; done
grep -q -v '^ok ' "$tmp/good.out" && failures=$((failures + 1))

# ---- bad inventories: both refuse --------------------------------------------
bad=(
    '[]'
    '{}'
    '{"services": {}}'
    '{"services": [], "extra": 1}'
    '{"services": [1]}'
    '{"services": [{}]}'
    '{"services": [{"vpn_id": ""}]}'
    '{"services": [{"vpn_id": 64497}]}'
    '{"services": [{"vpn_id": "12345678901234567890123456789012"}]}'
    '{"services": [{"vpn_id": "a", "nmae": "typo"}]}'
    '{"services": [{"vpn_id": "a", "name": null}]}'
    '{"services": [{"vpn_id": "a", "profile": "'"$(printf 'p%.0s' {1..64})"'"}]}'
    '{"services": [{"vpn_id": "a", "terminations": {}}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{"router": "pe1"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{"router": "192.0.2.300"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{"router": "fe80::1%eth0"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{"router": "192.0.2.0/24"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "ce_peer": ["192.0.2.2"]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "hostname": 7}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "vrf_name": "'"$(printf 'v%.0s' {1..64})"'"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "vrf_id": -1}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "vrf_id": 4294967296}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "vrf_id": "7"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": null}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "64497:1"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "0:0:0"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "3:1:1"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "0:65536:1"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "0:1:4294967296"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "1:192.0.2.1:65536"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "1:2001:db8::1:1"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "2:4294967296:1"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "0:+1:1"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "rd": "0:1:1 "}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "interfaces": {}}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "interfaces": ["Gi0"]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "interfaces": [{"ifname": "Gi0"}]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "interfaces": [{"id": -1}]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "interfaces": [{"id": 4294967296}]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "interfaces": [{"capacity_bps": -1}]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "interfaces": [{"capacity_bps": "1G"}]}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "ce_peers": "192.0.2.2"}]}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "ce_peers": ["ce1"]}]}]}'
    '{"services": [{"vpn_id": "a", "changes": {}}]}'
    '{"services": [{"vpn_id": "a", "changes": [{"start": 1}]}]}'
    '{"services": [{"vpn_id": "a", "changes": [{"start": "1", "end": 2}]}]}'
    '{"services": [{"vpn_id": "a", "changes": [{"start": 1, "end": 2, "ticket": "x"}]}]}'
)
for i in "${!bad[@]}"; do
    printf '%s\n' "${bad[$i]}" >"$tmp/bad-$i.json"
    loader_accepts "$tmp/bad-$i.json" && fail "the loader takes bad case $i: ${bad[$i]}"
done
schema_verdicts $(for i in "${!bad[@]}"; do echo "$tmp/bad-$i.json"; done) >"$tmp/bad.out" || fail "the validator failed"
for i in "${!bad[@]}"; do
    grep -q "^refused $tmp/bad-$i.json: " "$tmp/bad.out" || fail "the schema takes bad case $i: ${bad[$i]}"
done

# ---- what only the loader refuses (the schema's description lists it) ------
loader_only=(
    '{"services": [{"vpn_id": "a", "vpn_id": "b"}]}'
    '{"services": [{"vpn_id": "a", "terminations": [{'"$t"', "vrf_id": 7.0}]}]}'
    '{"services": [{"vpn_id": "a", "changes": [{"start": 2, "end": 1}]}]}'
    '{"services": [{"vpn_id": "a", "name": "'"$(printf 'é%.0s' {1..40})"'"}]}'
)
for i in "${!loader_only[@]}"; do
    printf '%s\n' "${loader_only[$i]}" >"$tmp/only-$i.json"
    loader_accepts "$tmp/only-$i.json" && fail "the loader takes ${loader_only[$i]}: the schema's list of what it cannot say is wrong"
done

[ "$failures" -eq 0 ] || exit 1
echo "test_inventory_schema: $(grep -c '^ok ' "$tmp/good.out") inventories valid and loaded, ${#bad[@]} bad ones refused by both, ${#loader_only[@]} by the loader alone"
