#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sddd's /metrics and /healthz (metrics_listen) against a
# real Kafka broker, scraped with curl while sddd runs.
#
# - Kafka input: the scrape, parsed by prometheus_client's text parser (every
#   family typed, none untyped), says what was fed: records and lines read
#   equal the lines produced, Kafka messages the messages produced,
#   notifications made the lines in the output file. Each source's
#   watermark is the newest record time fed for its router, its lag that
#   watermark's distance to the wall clock; the consumer's lag is 0 once
#   everything is read; the open relevant states by stage are those the
#   notifications leave open (the input ends with a peer down, so one is);
#   each cycle of detection was timed. /healthz is 200 "ok" while records
#   come, then 503 naming the Kafka input once it has been quiet for
#   input_stall_seconds.
# - Kafka output: notifications delivered equal the records on the topic;
#   with the broker stopped, new notifications wait in the spool and /healthz
#   turns 503 naming the output after output_stall_seconds; with the broker
#   back they are delivered and /healthz is 200 again.
# - The log lines go to logfile, in pmacct's form with a time, none to stderr.
# - File input: an exporter silent ten minutes among two is counted
#   (sdd_collection_silences_total, gap slots, service slots not judged) and
#   logged when it goes silent and when it is back; none is silent after.
#
# Takes about 60 s (Kafka start, a broker restart). Needs root; runs only
# with SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init metrics
PORT_A=9464
PORT_B=9465
STALL=8                     # input_stall_seconds of run A

# ---- helpers ---------------------------------------------------------------

scrape() { # PORT OUT: /metrics into OUT
  sdd_ns curl -sf "http://127.0.0.1:$1/metrics" -o "$2.tmp" && mv "$2.tmp" "$2"
}

health() { # PORT: /healthz's status and body, on one line
  sdd_ns curl -s -w ' %{http_code}' "http://127.0.0.1:$1/healthz" | tr '\n' ' '
}

# value FILE SAMPLE: the value of SAMPLE (`name` or `name{k="v",...}`) in
# the scrape FILE, read by prometheus_client's parser; fails on a text it
# refuses, an untyped family, or a sample that is not there.
value() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text, want = open(sys.argv[1]).read(), sys.argv[2]
name, _, rest = want.partition("{")
labels = dict(kv.split("=", 1) for kv in rest.rstrip("}").split(",")) if rest else {}
labels = {k: v.strip('"') for k, v in labels.items()}
found = None
for fam in text_string_to_metric_families(text):
    if fam.type in ("untyped", "unknown"):
        sys.exit("untyped family %s" % fam.name)
    for s in fam.samples:
        if s.name == name and s.labels == labels:
            found = s.value
if found is None:
    sys.exit("no sample %s" % want)
print("%d" % found if found == int(found) else found)
PY
}

is_value() { # PORT FILE SAMPLE EXPECTED: a new scrape has it
  scrape "$1" "$2" && [ "$(value "$2" "$3")" = "$4" ]
}

health_is() { # PORT PATTERN
  [[ "$(health "$1")" =~ $2 ]]
}

expect_value() { # FILE SAMPLE EXPECTED
  local got
  got=$(value "$1" "$2") || sdd_die "$(basename "$1"): $got"
  [ "$got" = "$3" ] || sdd_die "$(basename "$1"): $2 is $got, expected $3"
}

# ---- run A: Kafka input ----------------------------------------------------

write_inventory "$SDD_TMP/inventory.json"
write_bmp 0 24 >"$SDD_TMP/a.bmp.json"      # ends after minute 22's peer down
n_bmp=$(wc -l <"$SDD_TMP/a.bmp.json")

# shellcheck disable=SC2119 # no router addresses: only sddd, kcat and curl talk
sdd_netns_up
sdd_kafka_start
sdd_kafka_topic sdd.metrics.bmp sdd.metrics.out
sdd_ns kcat -P -b "$SDD_KAFKA_BROKER" -t sdd.metrics.bmp -l "$SDD_TMP/a.bmp.json" || sdd_die "kcat -P"

write_conf "$SDD_TMP/a.conf" bmp_input=kafka:sdd.metrics.bmp kafka_group_id=sddd-metrics \
  "output=file:$SDD_TMP/a.out.json" "metrics_listen=127.0.0.1:$PORT_A" input_stall_seconds=$STALL \
  "logfile=$SDD_TMP/a.logfile" log_level=info
sdd_spawn "$SDD_TMP/a.log" "$sddd" --config "$SDD_TMP/a.conf" --stats-every 1
a_pid=$SDD_LAST_PID
sdd_wait_for 60 "$a_pid" "sddd reading sdd.metrics.bmp" \
  is_value $PORT_A "$SDD_TMP/a.prom" 'sdd_records_total{input="bmp"}' "$n_bmp" \
  || { sdd_show_tail "$SDD_TMP/a.logfile" "$SDD_TMP/a.prom"; sdd_die "a: the records read never reached $n_bmp"; }
got=$(health $PORT_A)
[ "$got" = "ok  200" ] || sdd_die "a: /healthz says '$got' while records come"
sdd_log "a: $n_bmp records read, /healthz ok"

# Notifications made equal the lines written, once the slots stopped closing.
notifications_match() {
  scrape $PORT_A "$SDD_TMP/a.prom" &&
    [ "$(value "$SDD_TMP/a.prom" sdd_notifications_total)" = "$(wc -l <"$SDD_TMP/a.out.json")" ] &&
    [ -s "$SDD_TMP/a.out.json" ]
}
sdd_wait_for 20 "$a_pid" "notifications counted" notifications_match \
  || sdd_die "a: sdd_notifications_total $(value "$SDD_TMP/a.prom" sdd_notifications_total) for $(wc -l <"$SDD_TMP/a.out.json") lines"
expect_value "$SDD_TMP/a.prom" sdd_kafka_input_messages_total "$n_bmp"
ignored=$(value "$SDD_TMP/a.prom" 'sdd_input_lines_total{input="bmp",result="ignored"}')
parsed=$(value "$SDD_TMP/a.prom" 'sdd_input_lines_total{input="bmp",result="none"}')
[ $((ignored + parsed)) = "$n_bmp" ] || sdd_die "a: lines read $parsed + $ignored, fed $n_bmp"
expect_value "$SDD_TMP/a.prom" 'sdd_input_lines_total{input="bmp",result="json"}' 0
expect_value "$SDD_TMP/a.prom" sdd_healthy 1
expect_value "$SDD_TMP/a.prom" sdd_services 1
sdd_log "a: $(wc -l <"$SDD_TMP/a.out.json") notifications, counted as written"

# The newest record time fed per router, and the open states by stage that
# the notifications' last revisions leave.
fed=$(/usr/bin/python3 -c '
import json, sys
newest = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    newest[r["bmp_router"]] = max(newest.get(r["bmp_router"], 0), int(float(r["timestamp"])))
print(" ".join("%s=%d" % kv for kv in sorted(newest.items())))' "$SDD_TMP/a.bmp.json")
# The lag is the wall clock at the snapshot (made at most a second before
# the scrape, later when the loop is busy) less the watermark: between the
# clock before the scrape, less a few seconds, and the clock after it.
before=$(date +%s)
scrape $PORT_A "$SDD_TMP/a.prom" || sdd_die "a: /metrics not read"
after=$(date +%s)
for kv in $fed; do
  expect_value "$SDD_TMP/a.prom" "sdd_source_watermark_seconds{input=\"bmp\",router=\"${kv%=*}\"}" "${kv#*=}"
  lag=$(value "$SDD_TMP/a.prom" "sdd_source_lag_seconds{input=\"bmp\",router=\"${kv%=*}\"}")
  [ "$lag" -le $((after - ${kv#*=})) ] && [ "$lag" -ge $((before - ${kv#*=} - 3)) ] \
    || sdd_die "a: sdd_source_lag_seconds of ${kv%=*} is $lag, the wall clock was $((before - ${kv#*=})) to $((after - ${kv#*=})) s past its watermark"
done
expect_value "$SDD_TMP/a.prom" 'sdd_kafka_consumer_lag{topic="sdd.metrics.bmp",partition="0"}' 0
open_by_stage=$(/usr/bin/python3 -c '
import json, sys
last = {}
for line in open(sys.argv[1]):
    n = json.loads(line)
    last[n["id"]] = n
for stage in ("problem_potential", "problem_forecasted"):
    print("%s=%d" % (stage, sum(1 for n in last.values() if n["endTime"] is None and n["stage"] == stage)))' \
  "$SDD_TMP/a.out.json")
[[ "$open_by_stage" == *problem_potential=1* ]] || sdd_die "a: the notifications leave open: $open_by_stage"
for kv in $open_by_stage; do
  expect_value "$SDD_TMP/a.prom" "sdd_relevant_states_open{stage=\"${kv%=*}\"}" "${kv#*=}"
done
cycles=$(value "$SDD_TMP/a.prom" sdd_detection_seconds_count)
[ "$cycles" -gt 0 ] || sdd_die "a: no cycle of detection timed"
expect_value "$SDD_TMP/a.prom" 'sdd_detection_seconds_bucket{le="+Inf"}' "$cycles"
sdd_log "a: watermarks $fed, consumer lag 0, open states ${open_by_stage//$'\n'/ }, $cycles cycles of detection timed"

sdd_wait_for $((STALL + 10)) "$a_pid" "/healthz on a quiet input" \
  health_is $PORT_A '^kafka: no record for [0-9]+ s  503$' \
  || sdd_die "a: /healthz says '$(health $PORT_A)' after $STALL s without a record"
is_value $PORT_A "$SDD_TMP/a.prom" sdd_healthy 0 || sdd_die "a: sdd_healthy is not 0 with /healthz failing"
kill -TERM "$a_pid"
wait_exit "$a_pid" 30 || sdd_die "a: sddd did not stop on SIGTERM"
[ ! -s "$SDD_TMP/a.log" ] || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "a: lines on stderr with a logfile"; }
grep -Eq '^[0-9-]{10}T[0-9:]{8}Z INFO \( sddd/core \): counters: ' "$SDD_TMP/a.logfile" \
  || { sdd_show_tail "$SDD_TMP/a.logfile"; sdd_die "a: no counters line in pmacct's form in the logfile"; }
sdd_log "a: /healthz 503 on the quiet input; logfile in pmacct's form"

# ---- run B: Kafka output, the broker stopped under it --------------------

write_bmp 0 10 >"$SDD_TMP/b.bmp.json"
write_conf "$SDD_TMP/b.conf" "bmp_input=file:$SDD_TMP/b.bmp.json" output=kafka:sdd.metrics.out output_format=json \
  "spool_dir=$SDD_TMP/b.spool" "metrics_listen=127.0.0.1:$PORT_B" output_stall_seconds=3
sdd_spawn "$SDD_TMP/b.log" "$sddd" --config "$SDD_TMP/b.conf" --stats-every 1
b_pid=$SDD_LAST_PID

all_delivered() {
  scrape $PORT_B "$SDD_TMP/b.prom" &&
    [ "$(value "$SDD_TMP/b.prom" sdd_notifications_total)" -gt 0 ] &&
    [ "$(value "$SDD_TMP/b.prom" sdd_notifications_delivered_total)" = \
      "$(value "$SDD_TMP/b.prom" sdd_notifications_total)" ]
}
sdd_wait_for 60 "$b_pid" "notifications delivered" all_delivered \
  || { sdd_show_tail "$SDD_TMP/b.log" "$SDD_TMP/b.prom"; sdd_die "b: the notifications were not all delivered"; }
on_topic=$(sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t sdd.metrics.out -o beginning -e -q -f 'x\n' | wc -l)
expect_value "$SDD_TMP/b.prom" sdd_notifications_delivered_total "$on_topic"
expect_value "$SDD_TMP/b.prom" sdd_spool_records 0
got=$(health $PORT_B)
[ "$got" = "ok  200" ] || sdd_die "b: /healthz says '$got' with every notification delivered"
sdd_log "b: $on_topic notifications delivered, as many on the topic"

sdd_kill_group "$SDD_KAFKA_PID"
sdd_log "kafka stopped"
write_bmp 10 30 >>"$SDD_TMP/b.bmp.json"
sdd_wait_for 60 "$b_pid" "/healthz with the broker down" \
  health_is $PORT_B '^output: [1-9][0-9]* notifications waiting, none delivered for [0-9]+ s  503$' \
  || { sdd_show_tail "$SDD_TMP/b.log"; sdd_die "b: /healthz says '$(health $PORT_B)' with the broker down"; }
scrape $PORT_B "$SDD_TMP/b.prom" || sdd_die "b: no scrape with the broker down"
[ "$(value "$SDD_TMP/b.prom" sdd_spool_records)" -gt 0 ] || sdd_die "b: the spool is empty with the broker down"
sdd_log "b: $(health $PORT_B)"

sdd_kafka_restart
sdd_wait_for 90 "$b_pid" "/healthz with the broker back" health_is $PORT_B '^ok  200$' \
  || { sdd_show_tail "$SDD_TMP/b.log"; sdd_die "b: /healthz says '$(health $PORT_B)' with the broker back"; }
all_delivered || sdd_die "b: not every notification delivered with the broker back"
expect_value "$SDD_TMP/b.prom" sdd_spool_records 0
kill -TERM "$b_pid"
wait_exit "$b_pid" 60 || sdd_die "b: sddd did not stop on SIGTERM"
sdd_log "b: /healthz ok again, $(value "$SDD_TMP/b.prom" sdd_notifications_delivered_total) delivered"

# ---- run C: an exporter silent, then back (no broker needed) --------------

# Two exporters, minutes 0..29; pe1 (192.0.2.1) sends nothing in 10..19.
/usr/bin/python3 - "$T0" >"$SDD_TMP/c.flows.json" <<'PY'
import sys, time
t0 = int(sys.argv[1])
for m in range(30):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t0 + m * 60))
    for router in ("192.0.2.1", "192.0.2.2"):
        if router == "192.0.2.1" and 10 <= m < 20:
            continue
        print('{"event_type": "purge", "peer_ip_src": "%s", "mpls_vpn_rd": "0:64497:1", "ip_proto": "tcp", '
              '"timestamp_start": "%s", "packets": 101, "bytes": 100000, "flows": 10}' % (router, stamp))
PY
write_conf "$SDD_TMP/c.conf" "flow_input=file:$SDD_TMP/c.flows.json" "output=file:$SDD_TMP/c.out.json" \
  "metrics_listen=127.0.0.1:$PORT_A" "logfile=$SDD_TMP/c.logfile" log_level=info source_idle_seconds=60
sdd_spawn "$SDD_TMP/c.log" "$sddd" --config "$SDD_TMP/c.conf"
c_pid=$SDD_LAST_PID
sdd_wait_for 30 "$c_pid" "the silence counted" \
  is_value $PORT_A "$SDD_TMP/c.prom" 'sdd_collection_silences_total{input="flow"}' 1 \
  || { sdd_show_tail "$SDD_TMP/c.logfile" "$SDD_TMP/c.prom"; sdd_die "c: no silence counted"; }
sdd_wait_for 30 "$c_pid" "the exporter back" \
  is_value $PORT_A "$SDD_TMP/c.prom" 'sdd_exporters_silent{input="flow"}' 0 \
  || { sdd_show_tail "$SDD_TMP/c.logfile" "$SDD_TMP/c.prom"; sdd_die "c: the exporter is still silent"; }
# minutes 10..19, and 9: pe1 had not got past it when it closed (an
# exporter that stops may stop in the middle of a minute)
expect_value "$SDD_TMP/c.prom" 'sdd_collection_gap_slots_total{input="flow"}' 11
expect_value "$SDD_TMP/c.prom" 'sdd_service_slots_not_judged_total{reason="collection_gap"}' 11
kill -TERM "$c_pid"
wait_exit "$c_pid" 30 || sdd_die "c: sddd did not stop on SIGTERM"
grep -Eq 'WARN \( sddd/core \): exporter 192\.0\.2\.1 \(flow\) silent since 2023-11-14T22:24:00Z' "$SDD_TMP/c.logfile" \
  || { sdd_show_tail "$SDD_TMP/c.logfile"; sdd_die "c: no log line of the silence"; }
grep -Eq 'INFO \( sddd/core \): exporter 192\.0\.2\.1 \(flow\) back after 600 s' "$SDD_TMP/c.logfile" \
  || { sdd_show_tail "$SDD_TMP/c.logfile"; sdd_die "c: no log line of the return"; }
sdd_log "c: the silent exporter counted, logged silent and back"

sdd_log "PASS"
