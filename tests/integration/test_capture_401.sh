#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: capture case 401 (IPFIX v10 + BMP over IPv6 from two Cisco
# IOS XR 7.10 routers, MPLS L3VPN) replayed into Debian's nfacctd 1.7.7; the
# flow and BMP records it publishes to Kafka must be the ones the case
# expects (output-flow-00.json, output-bmp-00.json), read with the
# differences of 1.7.7 listed in compare-1.7.7.sh and capture_401/run.sh. The
# setup and the replays are in capture_401/run.sh (tools/demo runs them too).
#
# Takes about 45 s on these 2-core machines (Kafka start 5 s, topics 3 s,
# nfacctd start 6 s, the two replays 4 s, waiting for the BMP topic to go
# quiet 5 s and for the flow flush and the flow topic to go quiet 20 s,
# comparisons 2 s). Needs root; runs only with SDD_INTEGRATION=1 (exit 77
# otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/capture_401/run.sh"
sdd_init capture_401

capture_401_run

# The comparison rules: SDD_*_RULES (compare-1.7.7.sh) and this case's own
# (CAPTURE_401_*_RULES, capture_401/run.sh), each with its reason.
sdd_compare flow "$CASE_401/output-flow-00.json" "$SDD_TMP/flow.json" "${CAPTURE_401_FLOW_RULES[@]}"
sdd_compare bmp "$CASE_401/output-bmp-00.json" "$SDD_TMP/bmp.json" "${CAPTURE_401_BMP_RULES[@]}"

# The same comparisons fail when one expected record is changed.
sdd_compare_must_fail flow "$CASE_401/output-flow-00.json" "$SDD_TMP/flow.json" \
  3 bytes 104575 "WRONG COUNTERS" "${CAPTURE_401_FLOW_RULES[@]}"
sdd_compare_must_fail bmp "$CASE_401/output-bmp-00.json" "$SDD_TMP/bmp.json" \
  12 ip_prefix '"100.105.40.0/24"' "MISSING" "${CAPTURE_401_BMP_RULES[@]}"

# The documented custom primitives (conf-examples/custom-primitives.map) give
# the engine what these routers send: every flow a forwarding status (64:
# forwarded, 195: consumed, for us; never the 0 of a field read at a wrong
# length), TCP flags with SYN among them, and the engine reads every record.
fields=$(jq -s '{fwd: (map(.fwd_status // "0") | unique),
                 zero_fwd: map(select((.fwd_status // "0") == "0")) | length,
                 syn: map(select(.tcp_flags != null and ((.tcp_flags | tonumber) % 4) >= 2)) | length,
                 acked: map(select(.tcp_flags != null and ((.tcp_flags | tonumber) % 32) >= 16)) | length}' \
  "$SDD_TMP/flow.json")
sdd_log "forwarding status and TCP flags as nfacctd published them: $(echo "$fields" | jq -c .)"
[ "$(echo "$fields" | jq -c .fwd)" = '["195","64"]' ] || sdd_die "forwarding statuses are not 64 and 195"
[ "$(echo "$fields" | jq .zero_fwd)" = 0 ] || sdd_die "flows without a forwarding status"
[ "$(echo "$fields" | jq .syn)" -gt 0 ] || sdd_die "no flow with SYN"
[ "$(echo "$fields" | jq .acked)" -gt 0 ] || sdd_die "no flow with ACK"
"$SDD_BUILDDIR/sddctl" replay --flows "$SDD_TMP/flow.json" --out /dev/null --stats 2>"$SDD_TMP/replay.stats"
[ "$(awk '$1 == "parsed_flow_none" { print $2 }' "$SDD_TMP/replay.stats")" = "$(wc -l <"$SDD_TMP/flow.json")" ] ||
  { cat "$SDD_TMP/replay.stats"; sdd_die "the engine did not read every flow record"; }

# The case allows no ERROR or WARN in nfacctd's log.
sdd_nfacctd_check_log
sdd_log "PASS: $(wc -l <"$SDD_TMP/flow.json") flow and $(wc -l <"$SDD_TMP/bmp.json") BMP records as expected"
