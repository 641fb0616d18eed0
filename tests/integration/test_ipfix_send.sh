#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: the generator's wire output. `sddctl gen` makes the
# flows of three services on three PEs; `sddctl send --fast` sends five
# minutes of them as IPFIX from the PEs' addresses in a namespace, one
# site's records from minute 3 on marked dropped (IE 89 = 131). Checked by
# - tshark's IPFIX dissector on a capture of the datagrams: every record
#   decodes, with the RD, ingress/egress VRF ids and forwarding status of
#   the JSON line it came from, and no malformed packet;
# - nfacctd 1.7.9 (tools/build-pmacct, cached) with the project's
#   custom-primitives map: its JSON has,
#   for each (router, RD, VRF ids, interfaces, protocol, TCP flags,
#   forwarding status, minute), the bytes, packets and flows the generator
#   wrote. (Debian's 1.7.7 takes a flow's RD only from the options data of
#   VRFs, and only unscoped, one table for all routers: the generator gives
#   a VRF the same id on every PE, so its RDs would mix; 1.7.9 reads IE 90.)
# Takes about 20 s. Needs root; runs only with SDD_INTEGRATION=1.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/plugin/lib.sh"
plugin_init ipfix_send
command -v tshark >/dev/null || sdd_die "tshark not installed (tools/install-deps installs it)"
plugin_pmacct 1.7.9

COLLECTOR=10.0.9.10
START=1767571200                  # sddctl gen's default first minute
DROP_RD=0:64497:1002
sdd_netns_up 192.0.2.11 192.0.2.12 192.0.2.13 $COLLECTOR
"$sddctl" gen --seed 7 --services 3 --days 1 --scenario none --out "$SDD_TMP/gen" 2>&1 | sed 's/^/  /' >&2
# the five minutes sent, as the generator wrote them
/usr/bin/python3 -c 'import sys
for l in open(sys.argv[1]):
    if l.split("\"stamp_inserted\":\"")[1][:16] < "2026-01-05 00:05": sys.stdout.write(l)' \
  "$SDD_TMP/gen/flows.json" >"$SDD_TMP/sent.json"

cp "$SDD_SRCDIR/conf-examples/custom-primitives.map" "$SDD_TMP/"
sdd_render "$(dirname "$0")/ipfix_send/nfacctd.conf" "$SDD_TMP/nfacctd.conf" COLLECTOR=$COLLECTOR
SDD_NFACCTD_LOG=$SDD_TMP/nfacctd.log
sdd_spawn "$SDD_TMP/nfacctd.out" "$PMACCT/prefix/sbin/nfacctd" -f "$SDD_TMP/nfacctd.conf"
SDD_NFACCTD_PID=$SDD_LAST_PID
sdd_wait_for 60 "$SDD_NFACCTD_PID" "nfacctd" grep -q 'waiting for NetFlow/IPFIX data on .*port=9991/udp' \
  "$SDD_NFACCTD_LOG" || { sdd_show_tail "$SDD_TMP/nfacctd.out" "$SDD_NFACCTD_LOG"; sdd_die "nfacctd did not start"; }

sdd_spawn "$SDD_TMP/tshark.log" tshark -i lo -f 'udp dst port 9991' -w "$SDD_TMP/ipfix.pcap"
tshark_pid=$SDD_LAST_PID
sdd_wait_for 30 "$tshark_pid" "tshark capturing" grep -q 'Capturing on' "$SDD_TMP/tshark.log" ||
  { sdd_show_tail "$SDD_TMP/tshark.log"; sdd_die "tshark did not start"; }

sdd_ns "$sddctl" send --flows "$SDD_TMP/sent.json" --to $COLLECTOR:9991 --fast \
  --drop-rd $DROP_RD --drop-from $((START + 180)) 2>"$SDD_TMP/send.log" ||
  { cat "$SDD_TMP/send.log" >&2; sdd_die "sddctl send failed"; }
cat "$SDD_TMP/send.log" >&2
messages=$(sed -n 's/.* records in \([0-9]*\) messages.*/\1/p' "$SDD_TMP/send.log")
sent=$(wc -l <"$SDD_TMP/sent.json")

# nfacctd's print plugin writes every 2 s: wait until the counters add up
flow_total() { /usr/bin/python3 -c 'import json, sys
print(sum(json.loads(l)["flows"] for l in open(sys.argv[1]) if l.strip()))' "$SDD_TMP/flows.json" 2>/dev/null; }
want_flows=$(/usr/bin/python3 -c 'import json, sys
print(sum(json.loads(l)["flows"] for l in open(sys.argv[1])))' "$SDD_TMP/sent.json")
has_all() { [ "$(flow_total)" = "$want_flows" ]; }
sdd_wait_for 30 "$SDD_NFACCTD_PID" "nfacctd's JSON of every flow" has_all ||
  sdd_die "nfacctd counted $(flow_total) flows of $want_flows sent"
captured() { [ "$(sdd_ns tshark -r "$SDD_TMP/ipfix.pcap" 2>/dev/null | wc -l)" -ge "$messages" ]; }
sdd_wait_for 30 "$tshark_pid" "tshark's capture of $messages messages" captured ||
  sdd_die "tshark captured fewer than the $messages messages sent"
sdd_kill_group "$tshark_pid"
sdd_nfacctd_check_log

sdd_log "tshark: $sent records sent"
sdd_ns tshark -r "$SDD_TMP/ipfix.pcap" -d udp.port==9991,cflow -Y cflow.flowset_id==256 -T fields -E separator=' ' \
  -e ip.src -e cflow.mpls_vpn_rd -e cflow.ingress_vrfid -e cflow.egress_vrfid -e cflow.forwarding_status -e cflow.forwarding_status_unknown_code \
  -e cflow.inputint -e cflow.octets -e cflow.packets -e cflow.flows >"$SDD_TMP/tshark.txt" 2>"$SDD_TMP/tshark.err" ||
  { cat "$SDD_TMP/tshark.err" >&2; sdd_die "tshark could not read the capture"; }
if sdd_ns tshark -r "$SDD_TMP/ipfix.pcap" -d udp.port==9991,cflow -Y '_ws.malformed || _ws.expert.severity >= warning' \
  2>/dev/null | grep -q .; then
  sdd_die "tshark finds malformed IPFIX or warnings in the capture"
fi
/usr/bin/python3 - "$SDD_TMP/sent.json" "$SDD_TMP/tshark.txt" "$DROP_RD" $((START + 180)) <<'PY' ||
import collections, json, sys, datetime
sent_file, tshark_file, drop_rd, drop_from = sys.argv[1:]

def rd_hex(text):                     # "0:64497:1002" -> the 8 wire bytes
    t, a, n = (int(x) for x in text.split(":"))
    return "%04x%04x%08x" % (t, a, n)

def epoch(stamp):
    return int(datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp())

want = collections.Counter()
for line in open(sent_file):
    r = json.loads(line)
    c = r["custom_primitives"]
    fwd = 131 if r["mpls_vpn_rd"] == drop_rd and epoch(r["stamp_inserted"]) >= int(drop_from) else int(c["fwd_status"])
    want[(r["peer_ip_src"], rd_hex(r["mpls_vpn_rd"]), int(c["vrf_id_ingress"]), int(c["vrf_id_egress"]), fwd,
          r["iface_in"], r["bytes"], r["packets"], r["flows"])] += 1
got = collections.Counter()
for line in open(tshark_file):
    # a packet a line: its source, then each field's values of its records, comma-separated
    src, *columns = line.split()
    for rd, vin, vout, status, reason, iin, octets, pkts, flows in zip(*(c.split(",") for c in columns)):
        # the RD as hex digits (with colons or not); IE 89 as its status (two
        # high bits) and its reason (six low bits: "unknown" code for 4 bytes)
        got[(src, rd.replace(":", "").lower()[-16:], int(vin), int(vout), int(status, 0) << 6 | int(reason, 0),
             int(iin), int(octets), int(pkts), int(flows))] += 1
missing, extra = want - got, got - want
for k in list(missing)[:5]: print("sent, not decoded by tshark:", k)
for k in list(extra)[:5]: print("decoded by tshark, not sent:", k)
assert not missing and not extra, "%d records differ" % (sum(missing.values()) + sum(extra.values()))
assert any(k[4] == 131 for k in got), "no dropped record"
print("tshark: %d records, each with the RD, VRF ids, forwarding status and counters sent" % sum(got.values()))
PY
  { head -n 3 "$SDD_TMP/tshark.txt" >&2; sdd_die "tshark's decoding differs from what was sent"; }

/usr/bin/python3 - "$SDD_TMP/sent.json" "$SDD_TMP/flows.json" "$DROP_RD" $((START + 180)) <<'PY' ||
import collections, json, sys, datetime
sent_file, got_file, drop_rd, drop_from = sys.argv[1:]

def epoch(stamp):
    return int(datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp())

TCP_FLAGS = {"2": 2, "24": 24, "0": 0, "17": 17, "4": 4, "1": 1, "18": 18}
def sums(rows, key):
    out = collections.defaultdict(lambda: [0, 0, 0])
    for r in rows:
        s = out[key(r)]
        s[0] += r["bytes"]; s[1] += r["packets"]; s[2] += r["flows"]
    return out

def sent_key(r):
    c = r["custom_primitives"]
    t = epoch(r["stamp_inserted"])
    fwd = 131 if r["mpls_vpn_rd"] == drop_rd and t >= int(drop_from) else int(c["fwd_status"])
    return (r["peer_ip_src"], r["mpls_vpn_rd"], int(c["vrf_id_ingress"]), int(c["vrf_id_egress"]), r["iface_in"],
            r["iface_out"], r["ip_proto"], int(r["tcp_flags"]), fwd, t)

def got_key(r):
    return (r["peer_ip_src"], r["mpls_vpn_rd"], int(r["vrf_id_ingress"]), int(r["vrf_id_egress"]), r["iface_in"],
            r["iface_out"], r["ip_proto"], int(r["tcp_flags"]), int(r["fwd_status"]), int(float(r["timestamp_start"])))

want = sums((json.loads(l) for l in open(sent_file)), sent_key)
got = sums((json.loads(l) for l in open(got_file) if l.strip()), got_key)
bad = [(k, want.get(k), got.get(k)) for k in set(want) | set(got) if want.get(k) != got.get(k)]
for k, w, g in bad[:5]:
    print("%s: sent %s, nfacctd %s" % (k, w, g))
assert not bad, "%d aggregates differ" % len(bad)
assert any(k[8] == 131 and k[1] == drop_rd for k in got), "no dropped aggregate of %s" % drop_rd
print("nfacctd: %d aggregates with the RD, VRF ids, forwarding status and counters sent" % len(got))
PY
  { head -n 2 "$SDD_TMP/flows.json" >&2; sdd_die "nfacctd's records differ from what was sent"; }
sdd_log "PASS: $sent IPFIX records decoded by tshark and nfacctd as sent"
