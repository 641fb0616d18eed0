# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Capture case 401 (IPFIX v10 + BMP over IPv6 from two Cisco IOS XR 7.10
# routers, MPLS L3VPN) replayed into Debian's nfacctd with Kafka, and the
# rules to compare what it publishes with what the case expects: shared by
# tests/integration/test_capture_401.sh and tools/demo. Needs the harness
# (tests/harness/lib.sh) sourced, and sdd_init done before capture_401_run.

. "$(dirname "${BASH_SOURCE[0]}")/../compare-1.7.7.sh"

# shellcheck disable=SC2034
CAPTURE_401_FLOW_RULES=(
  "${SDD_FLOW_RULES[@]}"
  # The flows that come from the MPLS core (ingress VRF: the default VRF,
  # table id 0x60000000 on IOS XR) into a VRF: 1.7.7 gives them the ingress
  # VRF's RD, 0:0:0; the current pmacct then looks at the egress VRF's RD.
  --set-expected 'mpls_vpn_rd=0:0:0@vrf_id_ingress=1610612736,mpls_vpn_rd!=0:0:0'
)
# shellcheck disable=SC2034
CAPTURE_401_BMP_RULES=("${SDD_BMP_RULES[@]}")

# capture_401_run: namespace, Kafka, nfacctd, the two replays; then the flow
# and BMP records nfacctd published, in $SDD_TMP/flow.json and
# $SDD_TMP/bmp.json. Sets CASE_401 to the case's directory.
capture_401_run() {
  CASE_401=$SDD_CAPTURES/401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources
  local here=$SDD_SRCDIR/tests/integration/capture_401 f
  for f in traffic-00.pcap traffic-01.pcap output-flow-00.json output-bmp-00.json \
    pmacct_mount/custom-primitives-00.map; do
    [ -f "$CASE_401/$f" ] || sdd_die "missing $CASE_401/$f"
  done

  # The routers' repro_ip (traffic-reproducer-0[01].yml): the collector tells
  # the routers apart by these source addresses, and the pretag map matches
  # them.
  sdd_netns_up fd25::101 fd25::102
  sdd_kafka_start
  sdd_kafka_topic daisy.flow daisy.bmp

  # The documented map (conf-examples/custom-primitives.map), then the
  # case's own primitives it does not name (1.7.7 warns about a name given
  # twice, and the case allows no WARN).
  capture_401_map "$SDD_SRCDIR/conf-examples/custom-primitives.map" \
    "$CASE_401/pmacct_mount/custom-primitives-00.map" >"$SDD_TMP/custom-primitives.map"
  sdd_render "$here/nfacctd.conf" "$SDD_TMP/nfacctd.conf" HERE="$here"
  sdd_nfacctd_start "$SDD_TMP/nfacctd.conf" 9991 1790

  # Router 90, then router 91, as in the case's timeline (keep_open: true:
  # the BMP sessions stay up until the cleanup). Each pcap has the BMP
  # session first and the IPFIX export after, both from the router's src_ip.
  capture_401_replay 90 traffic-00.pcap fd25::101 2001:db8:90::1
  capture_401_replay 91 traffic-01.pcap fd25::102 2001:db8:91::1

  # BMP records are published as they come; flows at each
  # kafka_refresh_time (10 s): 15 s without a new flow record means the
  # flushes are done.
  sdd_consume daisy.bmp "$SDD_TMP/bmp.json" --idle 5
  sdd_consume daisy.flow "$SDD_TMP/flow.json" --idle 15
}

# capture_401_replay ROUTER PCAP REPRO_IP SRC_IP
capture_401_replay() {
  local log=$SDD_TMP/replay-$1.log
  sdd_replay_start "$log" --pcap "$CASE_401/$2" --source "$3" --match-src "$4" \
    --tcp-dport 1790 --tcp-to '[::1]:1790' --udp-dport 9991 --udp-to '[::1]:9991' --hold 3600
  sdd_replay_wait "$log"
}

# capture_401_map OURS THEIRS: OURS, then the lines of THEIRS whose name= is
# not in OURS.
capture_401_map() {
  cat "$1"
  awk 'NR == FNR { if (match($0, /^name=[^ \t]+/)) ours[substr($0, 6, RLENGTH - 5)] = 1; next }
       match($0, /^name=[^ \t]+/) && !(substr($0, 6, RLENGTH - 5) in ours)' "$1" "$2"
}
