#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sdd_pmacct.so inside nfacctd built from source, pmacct
# 1.7.9 and master (../shared/pmacct, tools/build-pmacct). For each: the
# IPFIX and BMP captures of case 401 replayed into nfacctd with two print
# plugins, [sdd] (the plugin) and [json] (the same aggregates as JSON lines);
# the plugin's BMP input is nfacctd's msglog plus a generated CE peer down
# (the captures have none, so they alone give no notification); nfacctd is
# stopped with SIGINT. The plugin's notifications must be byte for byte
# those of `sddctl replay` over the JSON and the BMP input of the same run,
# and at least one; its engine process must have stopped cleanly after the
# last purge, and nfacctd logged no ERROR.
#
# Takes about 1 min per version with pmacct cached (build-pmacct takes 1.5
# min per version the first time). Needs root; runs only with
# SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/capture_401/run.sh"
. "$(dirname "$0")/plugin/lib.sh"
plugin_init plugin_capture

sdd_netns_up fd25::101 fd25::102
for v in "${PLUGIN_VERSIONS[@]}"; do
  RUN=$SDD_TMP/$v
  mkdir -p "$RUN"
  plugin_build "$v"
  plugin_conf "$RUN/sdd.conf" "bmp_input=file:$RUN/bmp.json" "output=file:$RUN/notifications.json"
  plugin_nfacctd_start "$RUN/sdd.conf"
  grep -q 'engine process .* started' "$SDD_NFACCTD_LOG" || { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "$v: no engine process"; }
  plugin_replay_401
  plugin_wait_stable "$RUN/flows.json" 6
  plugin_bmp_input "$RUN/bmp.json" late
  plugin_wait_stable "$RUN/notifications.json" 3 30
  plugin_check_log
  plugin_nfacctd_stop
  plugin_replay_stop
  grep 'hand-over:' "$SDD_NFACCTD_LOG" >&2 || sdd_die "$v: the engine logged no hand-over counters"
  plugin_same_as_replay "$v" "$RUN/notifications.json"
done
sdd_log "PASS: pmacct ${PLUGIN_VERSIONS[*]}"
