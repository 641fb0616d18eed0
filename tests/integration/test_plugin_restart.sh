#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sdd_pmacct.so (pmacct 1.7.9) publishing to Kafka across
# a restart of nfacctd and a broker outage.
# - Run 1: case 401 replayed, then a CE peer down in the BMP input: the
#   relevant state is opened on the topic; nfacctd stopped with SIGINT (the
#   engine takes its last checkpoint after the print plugin's last purge).
# - Run 2, same files: the plugin goes on from its checkpoint (the BMP input
#   from where it stood, the open slots and the relevant state kept); the
#   broker is stopped, the peer comes back and a later record closes the
#   slots: the closing revision waits in the spool, and is delivered once the
#   broker is back.
# The topic then holds the notifications of `sddctl replay` over the whole
# input, byte for byte: the opening from run 1 and the closing from run 2,
# of the same relevant state, none twice.
#
# Takes about 1.5 min with pmacct cached. Needs root; runs only with
# SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/capture_401/run.sh"
. "$(dirname "$0")/sddd-helpers.sh"
. "$(dirname "$0")/plugin/lib.sh"
plugin_init plugin_restart
TOPIC=sdd.notifications

sdd_netns_up fd25::101 fd25::102
sdd_kafka_start
sdd_kafka_topic $TOPIC
plugin_build 1.7.9
plugin_conf "$RUN/sdd.conf" "bmp_input=file:$RUN/bmp.json" "output=kafka:$TOPIC" \
  "kafka_brokers=$SDD_KAFKA_BROKER" output_format=json "spool_dir=$RUN/spool" \
  "state_file=$RUN/state.json" "history_file=$RUN/history.db" state_sync_seconds=5 stats_every=1

# ---- run 1 ------------------------------------------------------------------
plugin_nfacctd_start "$RUN/sdd.conf"
plugin_replay_401
plugin_wait_stable "$RUN/flows.json" 6
plugin_replay_stop
plugin_bmp_input "$RUN/bmp.json"
sdd_consume $TOPIC "$RUN/run1.json" 1
[ "$SDD_CONSUMED" = 1 ] || sdd_die "run 1: no notification on $TOPIC"
plugin_nfacctd_stop
grep -q 'engine process ends, exit code 0' "$SDD_NFACCTD_LOG" || sdd_die "run 1: the engine did not end cleanly"
mv "$SDD_NFACCTD_LOG" "$RUN/nfacctd.run1.log"

# ---- run 2 --------------------------------------------------------------------
plugin_nfacctd_start "$RUN/sdd.conf"
sdd_wait_for 30 "$SDD_NFACCTD_PID" "run 2 resumed" grep -q "going on from the state's cursor" "$SDD_NFACCTD_LOG" ||
  { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "run 2: did not go on from the checkpoint"; }
sdd_kill_group "$SDD_KAFKA_PID"
sdd_log "run 2: broker stopped"
{
  plugin_bmp_line $((PLUGIN_BMP_LAST + 600)) peer_up ''
  plugin_bmp_late
} >>"$RUN/bmp.json"
sdd_wait_for 60 "$SDD_NFACCTD_PID" "run 2 spooled" counter_at_least "$SDD_NFACCTD_LOG" spool_records 1 ||
  { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "run 2: nothing spooled with the broker away"; }
[ "$(counter "$SDD_NFACCTD_LOG" kafka_delivered)" = 0 ] || sdd_die "run 2: delivered with the broker away"
sdd_log "run 2: $(counter "$SDD_NFACCTD_LOG" spool_records) notification(s) in the spool"
sdd_kafka_restart
sdd_wait_for 120 "$SDD_NFACCTD_PID" "run 2 delivered" counter_at_least "$SDD_NFACCTD_LOG" kafka_delivered 1 ||
  { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "run 2: the spool was not delivered"; }
sdd_consume $TOPIC "$RUN/topic.json" --idle 5
plugin_check_log 'ERROR \( sdd/sdd \): kafka output: ' 'WARN \( sdd/sdd \): kafka'
plugin_nfacctd_stop

plugin_same_as_replay restart "$RUN/topic.json"
ids=$(/usr/bin/python3 -c '
import json, sys
print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' "$RUN/topic.json")
[ "$ids" = 1 ] || sdd_die "the topic has $ids relevant states, not one opened in run 1 and closed in run 2"
sdd_log "PASS: $(wc -l <"$RUN/topic.json") revisions of one relevant state across the restart and the outage"
