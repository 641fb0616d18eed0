#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: a live control plane, as an operator runs it. Two BGP
# speakers (Debian's gobgpd: a PE and its CE) peer in a namespace; the PE
# exports BMP to Debian's nfacctd, whose BMP msglog goes to Kafka; sddd reads
# that topic and publishes to another. The PE-CE session is disabled:
# - the relevant state is on the output topic within 5 s plus the
#   transaction interval of the BMP peer down reaching nfacctd's msglog
#   (it is judged when read, not when its slot closes);
# - the session is enabled again, and the closing revision's endTime is the
#   BMP peer up's time, to the second (not a slot boundary before it);
# - both records decode with the reference schema.
# Real time throughout: no slot closes without the wall clock (sddd tells
# the engine the time once every input has been idle source_idle_seconds).
#
# Takes about 3 minutes (Kafka 6 s, speakers and nfacctd 10 s, the session
# down 80 s, the close up to 2 minutes after). Needs root; runs only with
# SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/../harness/gobgp.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init live_peer_down
command -v gobgpd >/dev/null || sdd_die "gobgpd not installed (tools/install-deps installs it)"

PE=10.0.5.1
CE=10.0.5.2
COLLECTOR=10.0.5.10
sdd_netns_up $PE $CE $COLLECTOR
sdd_kafka_start
sdd_kafka_topic daisy.bmp sdd.live

sdd_render "$(dirname "$0")/live/nfacctd.conf" "$SDD_TMP/nfacctd.conf" COLLECTOR="$COLLECTOR"
sdd_nfacctd_start "$SDD_TMP/nfacctd.conf" 9991 1790

sdd_gobgpd_start ce $CE 65001 $PE:65000
sdd_gobgpd_start pe $PE 65000 $CE:65001 "$COLLECTOR:1790"
sdd_gobgp_wait_established $PE $CE 60
sdd_gobgp $CE global rib add 192.0.2.0/24 >/dev/null

# The PE's address as nfacctd sees its BMP session, from the msglog.
peer_up_line() {
  sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t daisy.bmp -o beginning -e -q 2>/dev/null |
    grep '"bmp_msg_type": "peer_up"' | grep "\"peer_ip\": \"$CE\"" | tail -n 1
}
has_peer_up() { [ -n "$(peer_up_line)" ]; }
sdd_wait_for 60 "$SDD_NFACCTD_PID" "the BMP peer up of the CE" has_peer_up || true
line=$(peer_up_line)
[ -n "$line" ] || sdd_die "no BMP peer up of $CE on daisy.bmp"
router=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["bmp_router"])' "$line")
sdd_log "BMP from the PE as $router"

cat >"$SDD_TMP/inventory.json" <<EOF
{"services": [{"vpn_id": "65001:1", "name": "live-customer", "profile": "default",
  "terminations": [{"router": "$router", "hostname": "pe-live", "vrf_name": "default",
    "ce_peers": ["$CE"]}]}]}
EOF
live_sddd_start sdd.live

# Records on the output topic, decoded; $1 wanted.
output_has() {
  read_topic sdd.live "$SDD_TMP/out.json" >/dev/null 2>&1 && [ "$(wc -l <"$SDD_TMP/out.json")" -ge "$1" ]
}
bmp_time_of() {   # TYPE: "KAFKA-MS LINE" of the last BMP message of that type about the CE
  sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t daisy.bmp -o beginning -e -q -f '%T %s\n' 2>/dev/null |
    grep "\"bmp_msg_type\": \"$1\"" | grep "\"peer_ip\": \"$CE\"" | tail -n 1
}
has_peer_down() { [ -n "$(bmp_time_of peer_down)" ]; }

sdd_log "disabling the PE-CE session"
sdd_gobgp $PE neighbor $CE disable
sdd_wait_for 30 "$sddd_pid" "the BMP peer down on daisy.bmp" has_peer_down ||
  sdd_die "no BMP peer down of $CE on daisy.bmp"
down_kafka_ms=$(bmp_time_of peer_down | cut -d' ' -f1)
sdd_wait_for 20 "$sddd_pid" "the relevant state on sdd.live" output_has 1 ||
  { sdd_show_tail "$SDD_TMP/sddd.log"; sdd_die "no relevant state within 20 s of the peer down"; }
seen_ms=$(date +%s%3N)
state_kafka_ms=$(sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -X isolation.level=read_committed -t sdd.live \
  -o beginning -e -q -f '%T\n' | head -n 1)
produced_ms=$((state_kafka_ms - down_kafka_ms))
latency_ms=$((seen_ms - down_kafka_ms))
sdd_log "relevant state produced $produced_ms ms after the peer down was on daisy.bmp, read committed" \
  "within $latency_ms ms"
[ "$latency_ms" -le 6000 ] || sdd_die "the relevant state took $latency_ms ms (target: 5 s + 1 s of transaction)"
python3 - "$SDD_TMP/out.json" <<'PY' || sdd_die "the opening revision is not the PE-CE peer down"
import json, sys
r = json.loads(open(sys.argv[1]).readline())["record"]
assert r["endTime"] is None, r["endTime"]
assert r["service"]["l3VpnService"][0]["vpnId"] == "65001:1"
assert [a["annotator"]["name"] for a in r["anomaly"]] == ["bmp_peer_down"], r["anomaly"]
assert r["anomaly"][0]["symptom"]["action"] == "Adjacency"
PY

sleep 75                            # down across at least one slot of its own
sdd_log "enabling the PE-CE session"
sdd_gobgp $PE neighbor $CE enable
sdd_gobgp_wait_established $PE $CE 60
SDD_CLOSE_WAIT=240
sdd_wait_for $SDD_CLOSE_WAIT "$sddd_pid" "the closing revision" output_has 2 ||
  { sdd_show_tail "$SDD_TMP/sddd.log"; sdd_die "no closing revision within $SDD_CLOSE_WAIT s"; }
up_line=$(bmp_time_of peer_up | cut -d' ' -f2-)
python3 - "$SDD_TMP/out.json" "$up_line" <<'PY' || sdd_die "the closing revision's endTime is not the peer up's time"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
first, last = rows[0]["record"], rows[-1]["record"]
up = int(float(json.loads(sys.argv[2])["timestamp"]))
assert last["id"] == first["id"], "another relevant state"
assert last["endTime"] == up * 1000, "endTime %s, peer up at %d" % (last["endTime"], up)
print("closing revision %d: endTime %d = the BMP peer up" % (rows[-1]["revision"], up))
PY
sdd_nfacctd_alive
kill -0 "$sddd_pid" || sdd_die "sddd exited"
sdd_log "PASS: relevant state $latency_ms ms after the peer down; closed at the peer up, to the second"
