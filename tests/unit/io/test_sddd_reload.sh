#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_sddd_reload.sh: SIGHUP while sddd reads files, in three parts. In
# the first a peer goes down (a relevant state opens); the inventory gains a
# second service and sddd gets SIGHUP. In the second the peer comes back
# (the state closes); the configuration is changed (concern_threshold 50 ->
# 100, which no score reaches) and sddd gets SIGHUP. In the third the peer
# goes down and up again.
#
# - `sddctl replay` of the whole input with the old files makes two
#   relevant states. sddd makes the first one, byte for byte (opened before
#   a reload, kept, and closed after it: nothing lost or said twice), and
#   not the second (the new threshold is taken).
# - The second service is mapped from the reload on: its flows of the first
#   part alone are unmapped (unknown RD), services=2 at the end.
# - A file that changes history_file (with close_after_slots back to 2) is
#   refused with a line naming the key and why, and one with an unknown key
#   with its line: nothing changes (concern_threshold stays 100).
# Needs no network: files in, a file out. About 5 s.
src="${SDD_SRCDIR:-..}"
build="${SDD_BUILDDIR:-.}"
tmp=$(mktemp -d) || exit 99
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
T0=1700000040

fail() {
    echo "test_sddd_reload: $*"
    cat "$tmp/sddd.log"
    exit 1
}

# flows FROM TO: a minute of TCP flows of each service, minutes FROM..TO-1
flows() {
    m=$1
    while [ "$m" -lt "$2" ]; do
        for rd in 0:64497:1 0:64497:2; do
            printf '{"event_type": "purge", "peer_ip_src": "192.0.2.1", "mpls_vpn_rd": "%s", "ip_proto": "tcp", "timestamp_start": "%d.000000", "packets": 100, "bytes": 100000, "flows": 10}\n' \
                "$rd" $((T0 + m * 60))
        done
        m=$((m + 1))
    done
}

# bmp FROM TO: minutes FROM..TO-1 of BMP: a route update every minute (the
# BMP input's time goes on with the flows'); the peer goes down in minutes 3
# and 13, up in minutes 6 and 15
bmp() {
    m=$1
    while [ "$m" -lt "$2" ]; do
        peer $((T0 + m * 60)) route_monitor ', "log_type": "update", "ip_prefix": "203.0.113.0/24", "bgp_nexthop": "198.51.100.1", "ecomms": "RT:64497:1"'
        case $m in
        3 | 13) peer $((T0 + m * 60 + 5)) peer_down ', "reason_type": 3' ;;
        6 | 15) peer $((T0 + m * 60 + 5)) peer_up '' ;;
        esac
        m=$((m + 1))
    done
}

peer() {     # TIME TYPE EXTRA
    printf '{"event_type": "log", "timestamp": "%d.000000", "bmp_router": "192.0.2.1", "bmp_msg_type": "%s", "peer_ip": "198.51.100.1", "peer_type": 1, "rd": "0:64497:1"%s}\n' \
        "$1" "$2" "$3"
}

service() {  # N: service 64497:N on pe1
    printf '{"vpn_id": "64497:%d", "terminations": [{"router": "192.0.2.1", "rd": "0:64497:%d", "ce_peers": ["198.51.100.%d"]}]}' \
        "$1" "$1" "$1"
}
echo "{\"services\": [$(service 1)]}" >"$tmp/old.json"
echo "{\"services\": [$(service 1), $(service 2)]}" >"$tmp/new.json"

conf() {     # FILE CONCERN_THRESHOLD HISTORY [EXTRA]
    cat >"$1" <<EOF
data_delay: 0
close_after_slots: 2
concern_threshold: $2
strategy: volume-1-peer-down-1-pipeline
history_file: $3
inventory_file: $tmp/inventory.json
flow_input: file:$tmp/flows.json
bmp_input: file:$tmp/bmp.json
output: file:$tmp/out.json
$4
EOF
}
conf "$tmp/old.conf" 50 "$tmp/history.db"
conf "$tmp/new.conf" 100 "$tmp/history.db"
conf "$tmp/moved.conf" 50 "$tmp/elsewhere.db"
conf "$tmp/bad.conf" 100 "$tmp/history.db" "no_such_key: 1"

# the whole input, and what replay says of it with the old files
flows 0 5 >"$tmp/flows1.json"
flows 5 12 >"$tmp/flows2.json"
flows 12 20 >"$tmp/flows3.json"
bmp 0 5 >"$tmp/bmp1.json"
bmp 5 12 >"$tmp/bmp2.json"
bmp 12 20 >"$tmp/bmp3.json"
cat "$tmp/flows1.json" "$tmp/flows2.json" "$tmp/flows3.json" >"$tmp/flows-all.json"
cat "$tmp/bmp1.json" "$tmp/bmp2.json" "$tmp/bmp3.json" >"$tmp/bmp-all.json"
grep -v '^history_file\|^inventory_file\|_input:\|^output:' "$tmp/old.conf" >"$tmp/replay.conf"
"$build/sddctl" replay --config "$tmp/replay.conf" --inventory "$tmp/old.json" \
    --flows "$tmp/flows-all.json" --bmp "$tmp/bmp-all.json" --out "$tmp/replay.json" 2>"$tmp/replay.log" ||
    { cat "$tmp/replay.log"; exit 99; }
[ "$(grep -o '"id":"[^"]*"' "$tmp/replay.json" | sed -n '1p;3p' | sort -u | wc -l)" = 2 ] ||
    { echo "test_sddd_reload: replay did not make two relevant states: the test proves nothing"; exit 99; }
head -n 2 "$tmp/replay.json" >"$tmp/expected.json"

wait_for() { # WHAT FILE PATTERN [COUNT]: waits up to 10 s for COUNT lines
    n=0
    while c=$(grep -c -- "$3" "$2" 2>/dev/null); [ "${c:-0}" -lt "${4:-1}" ]; do
        n=$((n + 1))
        [ $n -le 50 ] || fail "$1: not seen in 10 s"
        sleep 0.2
    done
}

cp "$tmp/old.conf" "$tmp/sdd.conf"
cp "$tmp/old.json" "$tmp/inventory.json"
cp "$tmp/flows1.json" "$tmp/flows.json"
cp "$tmp/bmp1.json" "$tmp/bmp.json"
"$build/sddd" --config "$tmp/sdd.conf" --stats-every 1 2>"$tmp/sddd.log" &
pid=$!
wait_for "the relevant state of the peer down" "$tmp/out.json" '"revision"'
wait_for "every flow of the first part" "$tmp/sddd.log" 'records_flow=10\( \|$\)'

cp "$tmp/new.json" "$tmp/inventory.json"
kill -HUP $pid
wait_for "the reload of the inventory" "$tmp/sddd.log" "reloaded $tmp/sdd.conf"

cat "$tmp/flows2.json" >>"$tmp/flows.json"
cat "$tmp/bmp2.json" >>"$tmp/bmp.json"
wait_for "the relevant state's end" "$tmp/out.json" '"revision"' 2
cp "$tmp/new.conf" "$tmp/sdd.conf"
kill -HUP $pid
wait_for "the reload of the threshold" "$tmp/sddd.log" "reloaded $tmp/sdd.conf" 2

cp "$tmp/moved.conf" "$tmp/sdd.conf"
kill -HUP $pid
wait_for "the refused history_file" "$tmp/sddd.log" \
    'reload refused, the running configuration is kept: history_file cannot change while the engine runs: the history store is open'
cp "$tmp/bad.conf" "$tmp/sdd.conf"
kill -HUP $pid
wait_for "the refused unknown key" "$tmp/sddd.log" "reload refused, the running configuration is kept: $tmp/sdd.conf:10: unknown key 'no_such_key'"

# every record read (the second peer down would be judged as it is read), then stopped
cat "$tmp/flows3.json" >>"$tmp/flows.json"
cat "$tmp/bmp3.json" >>"$tmp/bmp.json"
wait_for "every record" "$tmp/sddd.log" 'records_flow=40 records_bmp=24\( \|$\)'
kill -TERM $pid
wait $pid || fail "sddd exited with $?"
pid=

cmp -s "$tmp/out.json" "$tmp/expected.json" ||
    fail "the notifications are not the first relevant state of replay's: $(wc -l <"$tmp/out.json") lines, expected 2"
last=$(grep 'counters:' "$tmp/sddd.log" | tail -n 1)
echo "$last" | grep -q ' services=2\( \|$\)' || fail "the second service is not known at the end: $last"
echo "$last" | grep -q ' unmapped_unknown_rd=5\( \|$\)' ||
    fail "the second service's flows after the reload were not mapped (5 unmapped before it): $last"
exit 0
