#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: a live control plane into the plugin. Two BGP speakers
# (Debian's gobgpd: a PE and its CE) peer in a namespace; the PE exports BMP
# to nfacctd 1.7.9 built from source with sdd_pmacct.so in its print plugin;
# nfacctd's BMP msglog goes to Kafka, which is the plugin's bmp_input. The
# PE-CE session is disabled: the plugin publishes the relevant state (the
# CE's peer down) to Kafka, Avro, decoded with the reference schema
# (tests/harness/decode-notifications). nfacctd then stops cleanly.
#
# Takes about 1 min with pmacct cached. Needs root; runs only with
# SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/../harness/gobgp.sh"
. "$(dirname "$0")/sddd-helpers.sh"
. "$(dirname "$0")/capture_401/run.sh"
. "$(dirname "$0")/plugin/lib.sh"
plugin_init plugin_live
command -v gobgpd >/dev/null || sdd_die "gobgpd not installed (tools/install-deps installs it)"

PE=10.0.6.1
CE=10.0.6.2
COLLECTOR=10.0.6.10
sdd_netns_up $PE $CE $COLLECTOR
sdd_kafka_start
sdd_kafka_topic daisy.bmp sdd.live
plugin_build 1.7.9

sdd_gobgpd_start ce $CE 65001 $PE:65000
sdd_gobgpd_start pe $PE 65000 $CE:65001 "$COLLECTOR:1790"

# The inventory names the PE by the address its BMP session comes from (on
# the namespace's loopback, the kernel takes the collector's own address as
# the source: bmp_router in the msglog) and the CE as its peer.
cat >"$RUN/inventory.json" <<JSON
{"services": [{"vpn_id": "65001:1", "name": "live-customer", "profile": "default",
  "terminations": [{"router": "$COLLECTOR", "hostname": "pe-live", "vrf_name": "default",
    "ce_peers": ["$CE"]}]}]}
JSON
cat >"$RUN/sdd.conf" <<CONF
pmacct_config: $RUN/nfacctd-live.conf
inventory_file: $RUN/inventory.json
bmp_input: kafka:daisy.bmp
kafka_brokers: $SDD_KAFKA_BROKER
kafka_group_id: sdd-plugin-live
output: kafka:sdd.live
output_format: avro
spool_dir: $RUN/spool
state_file: $RUN/state.json
stats_every: 5
CONF
sdd_render "$PLUGIN_HERE/nfacctd-live.conf" "$RUN/nfacctd-live.conf" RUN="$RUN" COLLECTOR="$COLLECTOR" \
  PLUGIN="$PLUGIN" SDDCONF="$RUN/sdd.conf"
SDD_NFACCTD_LOG=$RUN/nfacctd.log
# shellcheck disable=SC2016
sdd_spawn "$RUN/nfacctd.out" bash -c 'cd "$1" && exec "$2" -f "$3"' nfacctd "$RUN" \
  "$PMACCT/prefix/sbin/nfacctd" "$RUN/nfacctd-live.conf"
SDD_NFACCTD_PID=$SDD_LAST_PID
sdd_wait_for 60 "$SDD_NFACCTD_PID" "the plugin's engine" grep -Eq 'engine process [0-9]+ started' "$SDD_NFACCTD_LOG" ||
  { sdd_show_tail "$RUN/nfacctd.out" "$SDD_NFACCTD_LOG"; sdd_die "the plugin did not start"; }

sdd_gobgp_wait_established $PE $CE 60
sdd_gobgp $CE global rib add 192.0.2.0/24 >/dev/null
sdd_wait_for 60 "$SDD_NFACCTD_PID" "the plugin reading the msglog" counter_at_least "$SDD_NFACCTD_LOG" records_bmp 1 ||
  { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "the plugin read no BMP record"; }

sdd_log "disabling the PE-CE session"
sdd_gobgp $PE neighbor $CE disable
output_has() {
  read_topic sdd.live "$RUN/out.json" >/dev/null 2>&1 && [ "$(wc -l <"$RUN/out.json")" -ge "$1" ]
}
sdd_wait_for 60 "$SDD_NFACCTD_PID" "the relevant state on sdd.live" output_has 1 || {
  sdd_show_tail "$SDD_NFACCTD_LOG"
  sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t daisy.bmp -o beginning -e -q | cut -c1-300 >&2
  sdd_die "no relevant state on sdd.live within 60 s of the peer down"
}
/usr/bin/python3 - "$RUN/out.json" "$CE" <<'PY' || sdd_die "the relevant state is not the PE-CE peer down"
import json, sys
r = json.loads(open(sys.argv[1]).readline())["record"]
assert r["endTime"] is None, r["endTime"]
assert r["service"]["l3VpnService"][0]["vpnId"] == "65001:1"
assert [a["annotator"]["name"] for a in r["anomaly"]] == ["bmp_peer_down"], r["anomaly"]
assert sys.argv[2] in r["anomaly"][0]["description"], r["anomaly"][0]["description"]
print("relevant state %s: %s" % (r["id"], r["anomaly"][0]["description"]))
PY
plugin_nfacctd_stop
grep -q 'engine process ends, exit code 0' "$SDD_NFACCTD_LOG" || sdd_die "the engine did not end cleanly"
sdd_log "PASS: the live peer down published by the plugin, decoded with the reference schema"
