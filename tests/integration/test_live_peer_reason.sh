#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: why a BGP session went down, from a live control plane to
# the relevant state. Three BGP speakers (Debian's gobgpd) in a namespace: a
# PE that exports BMP to Debian's nfacctd (msglog to Kafka, read by sddd), its
# route reflector (an iBGP session, the PE its client) and a CE (eBGP) whose
# session on the PE has a prefix limit of 3. sddd starts cold: no history, no
# state file. Then
# (a) the route reflector, which sent the PE the VPNv4 routes of two
#     customers (their route targets; the inventory names the reflector
#     nowhere), disables its session to the PE: the PE receives a
#     NOTIFICATION, BMP reason 3, and BMP withdraws nothing (the routes go with
#     the session); each of the two customers has its relevant state, learned
#     from the routes: Remotely Teared Down, trigger Peer;
# (b) the CE announces 5 prefixes: the PE tears the session down itself with
#     a NOTIFICATION (Cease, maximum number of prefixes); gobgpd's BMP says
#     reason 1 (Locally Teared Down, Peer) or, as often, 4 (Remotely Teared
#     Down, Transport Connection Failed: its FSM saw the connection closed
#     before the notification sent); the relevant state is the customer's,
#     with the semantics of the reason the line carries.
# pmacct does not decode the NOTIFICATION that follows reasons 1 and 3, so
# "Maximum Number of Prefixes Reached" cannot be told from it: the test
# checks that the msglog line has no code of it, and what the line does carry.
#
# Takes about 1 minute. Needs root; runs only with SDD_INTEGRATION=1 (exit 77
# otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/../harness/gobgp.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init live_peer_reason
command -v gobgpd >/dev/null || sdd_die "gobgpd not installed (tools/install-deps installs it)"

PE=10.0.7.1
CE=10.0.7.2
RR=10.0.7.3
COLLECTOR=10.0.7.10
sdd_netns_up $PE $CE $RR $COLLECTOR
sdd_kafka_start
sdd_kafka_topic daisy.bmp sdd.reason

sdd_render "$(dirname "$0")/live/nfacctd.conf" "$SDD_TMP/nfacctd.conf" COLLECTOR="$COLLECTOR"
sdd_nfacctd_start "$SDD_TMP/nfacctd.conf" 9991 1790

# The PE's session to the CE takes at most 3 prefixes; the reflector's to
# the PE makes it a client, and both carry VPNv4.
afi_safi() {    # NAME
  echo '  [[neighbors.afi-safis]]'
  echo '    [neighbors.afi-safis.config]'
  echo "      afi-safi-name = \"$1\""
}
sdd_gobgp_neighbor_extra() {
  if [ "$1" = pe ] && [ "$2" = $CE ]; then
    afi_safi ipv4-unicast
    echo '    [neighbors.afi-safis.prefix-limit.config]'
    echo '      max-prefixes = 3'
  fi
  if [ "$1" = rr ] || [ "$2" = $RR ]; then
    afi_safi ipv4-unicast
    afi_safi l3vpn-ipv4-unicast
  fi
  if [ "$1" = rr ]; then
    echo '  [neighbors.route-reflector.config]'
    echo '    route-reflector-client = true'
    echo "    route-reflector-cluster-id = \"$RR\""
  fi
}
sdd_gobgpd_start ce $CE 65001 $PE:65000
sdd_gobgpd_start rr $RR 65000 $PE:65000
sdd_gobgpd_start pe $PE 65000 "$CE:65001,$RR:65000" "$COLLECTOR:1790"
sdd_gobgp_wait_established $PE $CE 60
sdd_gobgp_wait_established $PE $RR 60

bmp_lines() {   # TYPE PEER: the msglog lines of that type about that peer
  sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t daisy.bmp -o beginning -e -q 2>/dev/null |
    grep "\"bmp_msg_type\": \"$1\"" | grep "\"peer_ip\": \"$2\"" || true
}
has_peer_ups() { [ -n "$(bmp_lines peer_up $CE)" ] && [ -n "$(bmp_lines peer_up $RR)" ]; }
sdd_wait_for 60 "$SDD_NFACCTD_PID" "the BMP peer ups of the CE and the reflector" has_peer_ups ||
  sdd_die "no BMP peer up of $CE and $RR on daisy.bmp"

# The reflector's VPNv4 routes: three of customer A (route target
# 65000:100), two of customer B (65000:200), each with its remote PE's RD.
for i in 1 2 3; do
  sdd_gobgp $RR global rib add -a vpnv4 10.100.$i.0/24 label 100 rd 65000:1001 rt 65000:100 nexthop $RR >/dev/null
done
for i in 1 2; do
  sdd_gobgp $RR global rib add -a vpnv4 10.200.$i.0/24 label 200 rd 65000:2001 rt 65000:200 nexthop $RR >/dev/null
done
has_vpn_routes() { [ "$(bmp_lines route_monitor $RR | grep -c '"safi": 128')" -ge 5 ]; }
sdd_wait_for 30 "$SDD_NFACCTD_PID" "the reflector's 5 VPNv4 routes in the PE's BMP" has_vpn_routes ||
  { bmp_lines route_monitor $RR | tail -n 3; sdd_die "no VPNv4 routes of $RR on daisy.bmp"; }
router=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["bmp_router"])' \
  "$(bmp_lines peer_up $CE | tail -n 1)")
sdd_log "BMP from the PE as $router"

# The reflector is nobody's peer here: customers A and B are known by their
# route targets and their own PE's VRF.
cat >"$SDD_TMP/inventory.json" <<EOF
{"services": [
 {"vpn_id": "65001:1", "name": "customer", "profile": "default",
  "terminations": [{"router": "$router", "hostname": "pe", "vrf_name": "default", "ce_peers": ["$CE"]}]},
 {"vpn_id": "65000:100", "name": "customer-a", "profile": "default",
  "terminations": [{"router": "$router", "hostname": "pe", "vrf_name": "A", "rd": "0:65000:100"}]},
 {"vpn_id": "65000:200", "name": "customer-b", "profile": "default",
  "terminations": [{"router": "$router", "hostname": "pe", "vrf_name": "B", "rd": "0:65000:200"}]}]}
EOF
live_sddd_start sdd.reason

# A relevant state of service $1 on the output topic, decoded.
state_of() {
  read_topic sdd.reason "$SDD_TMP/out.json" >/dev/null 2>&1 && grep -q "\"vpnId\": \"$1\"" "$SDD_TMP/out.json"
}
has_peer_down() { [ -n "$(bmp_lines peer_down "$1")" ]; }

sdd_log "(a) the route reflector drops its session to the PE"
sdd_gobgp $RR neighbor $PE disable
sdd_wait_for 30 "$sddd_pid" "the BMP peer down of the reflector" has_peer_down $RR ||
  sdd_die "no BMP peer down of $RR on daisy.bmp"
states_of_a_and_b() { state_of 65000:100 && state_of 65000:200; }
sdd_wait_for 20 "$sddd_pid" "the relevant states of customers A and B" states_of_a_and_b ||
  { sdd_show_tail "$SDD_TMP/sddd.log"; sdd_die "no relevant state of customers A and B"; }

sdd_log "(b) the CE announces 5 prefixes to a session that takes 3"
for i in 1 2 3 4 5; do
  sdd_gobgp $CE global rib add 192.0.$((i + 100)).0/24 >/dev/null
done
sdd_wait_for 30 "$sddd_pid" "the BMP peer down of the CE" has_peer_down $CE ||
  { sdd_show_tail "$SDD_TMP/gobgpd-pe.log"; sdd_die "no BMP peer down of $CE on daisy.bmp"; }
sdd_wait_for 20 "$sddd_pid" "the customer's relevant state" state_of 65001:1 ||
  { sdd_show_tail "$SDD_TMP/sddd.log"; sdd_die "no relevant state of the customer"; }
grep -qi 'prefix' "$SDD_TMP/gobgpd-pe.log" || sdd_die "gobgpd's log does not say the prefix limit closed it"

python3 - "$SDD_TMP/out.json" "$(bmp_lines peer_down $RR | head -n 1)" "$(bmp_lines peer_down $CE | head -n 1)" \
  "$(bmp_lines route_monitor $RR)" \
  <<'PY' || { sdd_show_tail "$SDD_TMP/gobgpd-pe.log"; sdd_die "the relevant states do not carry the reasons"; }
import json, sys
out, rr_line, ce_line, rr_routes = sys.argv[1:]
rr_bmp, ce_bmp = json.loads(rr_line), json.loads(ce_line)
# The reflector's routes: VPNv4 with the route's own RD (what tells the
# engine the peer is outside any VRF) and the route targets; no withdrawal
# followed its drop.
routes = [json.loads(l) for l in rr_routes.splitlines()]
vpn = [r for r in routes if r.get("safi") == 128]
assert len(vpn) >= 5 and all(r["rd_origin"] == "bgp" for r in vpn), vpn
assert not [r for r in vpn if r["log_type"] == "withdraw"], vpn
print("the reflector's VPNv4 routes: %d, e.g. %s rd %s %s" % (len(vpn), vpn[0]["ip_prefix"], vpn[0]["rd"],
                                                            vpn[0]["ecomms"]))
# What gobgpd's BMP and pmacct's msglog carry: the BMP reason, no code of the
# NOTIFICATION. The reflector's Cease reaches the PE: reason 3. The PE's own
# Cease (maximum prefixes) is reason 1 when gobgpd's FSM sees its sending
# first, 4 when it sees the closed connection first (a race in gobgpd).
assert rr_bmp["reason_type"] == 3, rr_bmp
assert ce_bmp["reason_type"] in (1, 4), ce_bmp
for line in (rr_bmp, ce_bmp):
    assert not any("code" in k or "notif" in k or "subcode" in k for k in line), line
print("gobgpd's max-prefix teardown: BMP reason %d (%s)" % (ce_bmp["reason_type"], ce_bmp["reason_str"]))

semantics = {1: ("Locally Teared Down", "Peer"), 3: ("Remotely Teared Down", "Peer"),
             4: ("Remotely Teared Down", "Transport Connection Failed")}
rows = [json.loads(l)["record"] for l in open(out)]
first = {}
for r in rows:
    first.setdefault(r["service"]["l3VpnService"][0]["vpnId"], r)
assert sorted(first) == ["65000:100", "65000:200", "65001:1"], sorted(first)     # nothing else, cold
# the reflector's drop names each customer's site on the PE that lost the
# routes (its VRF's RD, not the remote one of the routes); the CE's its peer
sites = {"65000:100": "0:65000:100", "65000:200": "0:65000:200"}
for vpn, bmp in (("65000:100", rr_bmp), ("65000:200", rr_bmp), ("65001:1", ce_bmp)):
    r = first[vpn]
    assert r["endTime"] is None, r
    [a] = r["anomaly"]
    assert a["annotator"]["name"] == "bmp_peer_down", a
    s = a["symptom"]
    assert (s["action"], s["reason"], s["trigger"]) == ("Adjacency",) + semantics[bmp["reason_type"]], s
    assert a["description"] == "BGP peer %s down (BMP reason %d)" % (bmp["peer_ip"], bmp["reason_type"]), a
    terms = a["vpnNodeTerminations"]
    if vpn in sites:
        assert [t["routeDistinguisher"] for t in terms] == [sites[vpn]], terms
        assert r["startTime"] <= int(float(bmp["timestamp"]) * 1000) < r["startTime"] + 60000, (r, bmp)
    else:
        assert terms[0]["peerIp"] == [bmp["peer_ip"]], terms
    print("%s: %s / %s / %s, %s" % (vpn, s["action"], s["reason"], s["trigger"], a["description"]))
PY
sdd_nfacctd_alive
kill -0 "$sddd_pid" || sdd_die "sddd exited"
sdd_log "PASS: the reflector's drop (in the two customers whose routes it carried) and the prefix limit's teardown, each with its reason, from cold"
