#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: the README's demo (tools/demo) on the build under test,
# non-interactive. It must end by itself with status 0, and its two
# disruptions must be relevant states on Kafka from both engines (the
# plugin's topic and sddd's): the disabled PE-CE session as a BMP peer down
# of the service of that CE, the dropped site as forwarding-plane drops
# (flow_fwd) of the service of that site, each with the site's PE among its
# terminations. The demo cleans up after itself: no namespace of it is left.
#
# Takes about 5 minutes with pmacct cached. Needs root; runs only with
# SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
sdd_init demo_run

"$SDD_SRCDIR/tools/demo" --built "$SDD_BUILDDIR" --records "$SDD_TMP/states.json" >"$SDD_TMP/demo.out" 2>&1 ||
  { tail -n 60 "$SDD_TMP/demo.out" >&2; sdd_die "tools/demo failed"; }
grep -A4 '^  \[' "$SDD_TMP/demo.out" | head -n 40 >&2
/usr/bin/python3 - "$SDD_TMP/states.json" "$SDD_TMP/demo.out" <<'PY' || sdd_die "the disruptions are not the relevant states they must be"
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
out = open(sys.argv[2]).read()
# what the demo said it does
down_host, down_ce, down_vpn = re.search(r"PE-CE session (\S+) - (\S+) of service (\S+)\s+disabled", out).groups()
drop_host, drop_vrf, drop_rd, drop_vpn = re.search(
    r"traffic of site (\S+) (\S+) \((\S+)\)\s+of service (\S+) dropped", out).groups()
def found(engine, vpn, annotator, host):
    for row in rows:
        r = row["record"]
        if row["engine"] != engine or [s["vpnId"] for s in r["service"]["l3VpnService"]] != [vpn]:
            continue
        for a in r["anomaly"]:
            if a["annotator"]["name"] == annotator and host in [t["hostname"] for t in a["vpnNodeTerminations"]]:
                return r
    return None
for engine in ("plugin", "sddd"):
    r = found(engine, down_vpn, "bmp_peer_down", down_host)
    assert r, "%s: no bmp_peer_down of %s on %s" % (engine, down_vpn, down_host)
    assert down_ce in json.dumps(r), "%s: the peer down does not name the CE %s" % (engine, down_ce)
    r = found(engine, drop_vpn, "flow_fwd", drop_host)
    assert r, "%s: no flow_fwd of %s on %s" % (engine, drop_vpn, drop_host)
    print("%s: peer down of %s (%s), drops of %s (%s %s): published" % (engine, down_vpn, down_ce, drop_vpn,
                                                                      drop_host, drop_vrf))
PY
ns=$(sed -n 's/.*namespace \(sdd-demo-[0-9]*\) up.*/\1/p' "$SDD_TMP/demo.out")
[ -n "$ns" ] || sdd_die "the demo made no namespace"
! ip netns list | grep -qw "$ns" || sdd_die "the demo left its namespace $ns"
sdd_log "PASS: the demo's two disruptions published by the plugin and by sddd with their services"
