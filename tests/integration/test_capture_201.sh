#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: capture case 201 (BMP from a Cisco IOS XR 7.4.1 router
# with route-distinguisher instance peers, i.e. per-VRF BMP) replayed into
# Debian's nfacctd 1.7.7; the BMP records it publishes to Kafka must be the
# ones the case expects (output-bmp-00.json), read with the differences of
# 1.7.7 listed in compare-1.7.7.sh and below, and its log must have the
# case's lines (output-log-00.txt).
#
# Takes about 20 s on these 2-core machines (Kafka start 5 s, topic 2 s,
# nfacctd start 2 s, the replay under 1 s, waiting for the BMP topic to go
# quiet 5 s, comparison 1 s, cleanup 2 s). Needs root; runs only with
# SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/compare-1.7.7.sh"
sdd_init capture_201

case_dir=$SDD_CAPTURES/201-BMP-CISCO-rd_instance
here=$SDD_SRCDIR/tests/integration/capture_201
for f in traffic-00.pcap output-bmp-00.json output-log-00.txt; do
  [ -f "$case_dir/$f" ] || sdd_die "missing $case_dir/$f"
done
repro_ip=192.168.100.1   # traffic-reproducer-00.yml: the router's address

sdd_netns_up "$repro_ip"
sdd_kafka_start
sdd_kafka_topic daisy.bmp
sdd_render "$here/nfacctd.conf" "$SDD_TMP/nfacctd.conf" HERE="$here"
sdd_nfacctd_start "$SDD_TMP/nfacctd.conf" "" 1790

# keep_open: false: the session ends when the capture has been sent, and
# nfacctd logs the deletion of the routes it learnt on it.
sdd_replay --pcap "$case_dir/traffic-00.pcap" --source "$repro_ip" --match-src 192.0.2.55 \
  --tcp-dport 1790 --tcp-to 127.0.0.1:1790
sdd_consume daisy.bmp "$SDD_TMP/bmp.json" --idle 5

bmp_rules=(
  "${SDD_BMP_RULES[@]}"
  # 1.7.7 publishes a log_close record when the session ends; the current
  # pmacct did not in the reference run ("Unable to get kafka_host" in
  # output-log-00.txt).
  --drop-actual event_type=log_close
)
sdd_compare bmp "$case_dir/output-bmp-00.json" "$SDD_TMP/bmp.json" "${bmp_rules[@]}"
# The same comparison fails when one expected record is changed (the first
# route_monitor update, with another RD).
sdd_compare_must_fail bmp "$case_dir/output-bmp-00.json" "$SDD_TMP/bmp.json" \
  165 rd '"0:64499:95"' "MISSING" "${bmp_rules[@]}"

# The case's log lines, in order. Its third line, "WARN ... Unable to get
# kafka_host", is the current pmacct failing to publish log_close (above):
# 1.7.7 does not have that fault, so neither that line nor any other ERROR
# or WARN may be there.
# shellcheck disable=SC2016
mapfile -t log_lines < <(sed -e 's/^\${TIMESTAMP} //' -e "s/\${repro_ip}/$repro_ip/g" \
  "$case_dir/output-log-00.txt" | grep -v 'Unable to get kafka_host')
[ "${#log_lines[@]}" -eq 2 ] || sdd_die "output-log-00.txt changed: ${log_lines[*]}"
sdd_nfacctd_expect_log "${log_lines[@]}"
sdd_nfacctd_check_log
sdd_log "PASS: $(wc -l <"$SDD_TMP/bmp.json") BMP records as expected"
