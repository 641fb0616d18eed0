#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sddd's Kafka output (src/output_kafka.c, src/spool.c)
# against a real broker, the records read back with kcat and decoded with
# Debian's python3-avro and the reference schema.
#
# (a) a BMP peer going down and up: one relevant state, its revisions in
#     order, the last one with endTime, the same as `sddctl replay` gives;
#     key = the state's id, header revision = its revision.
# (b) the broker stopped for three minutes while disruptions go on (new
#     relevant states and revisions every minute of the absence), then
#     started again: every revision arrives, in order per id, none twice;
#     meanwhile the log says the broker is away and the notifications are
#     kept in the spool, each kind of message at most about once a minute.
# (c) sddd killed with SIGKILL in the middle of its input and started again
#     with the same spool, state and history files: no revision lost, none
#     twice (the spool keeps what was accepted; the topic read back at start
#     and the spool give the revisions already accepted, which are dropped).
# (d) a topic the broker refuses (auto-create off) with a tiny spool, and a
#     registry that does not answer: errors logged and counted
#     ("spool full: N notifications lost"), sddd runs to its end, exit 0.
#
# Takes about 4 minutes. Needs root; runs only with SDD_INTEGRATION=1.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init kafka_output
IDLE=3

# ---- helpers -------------------------------------------------------------------

counter_at_least() { # LOG NAME MIN
  [ "$(counter "$1" "$2")" -ge "$3" ]
}

sleep_until() { # EPOCH_SECONDS
  local left=$(($1 - $(date +%s)))
  [ "$left" -le 0 ] || sleep "$left"
}

start_sddd() { # NAME CONF [options]: sets SDDD_PID
  local name=$1 conf=$2
  shift 2
  sdd_spawn "$SDD_TMP/$name.log" "$sddd" --config "$conf" --stats-every 1 "$@"
  SDDD_PID=$SDD_LAST_PID
}

finish_sddd() { # NAME: waits for the --exit-idle exit, which must be 0
  local name=$1
  wait_exit "$SDDD_PID" 180 || { sdd_show_tail "$SDD_TMP/$name.log"; sdd_die "$name: sddd still running"; }
  [ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/$name.log"; sdd_die "$name: sddd exited $EXIT_RC"; }
}

replay() { # NAME BMPFILE: the notifications sddctl replay makes of the input
  write_conf "$SDD_TMP/$1.replay.conf"
  "$sddctl" replay --config "$SDD_TMP/$1.replay.conf" --bmp "$2" --out "$SDD_TMP/$1.replay.json" \
    || sdd_die "sddctl replay $1"
  [ -s "$SDD_TMP/$1.replay.json" ] || sdd_die "$1: the input gives no notification"
}

# ---- the runs ---------------------------------------------------------------------

write_inventory "$SDD_TMP/inventory.json"
# shellcheck disable=SC2119
sdd_netns_up
sdd_kafka_start
sdd_kafka_topic sdd.a sdd.b sdd.c

# (a) one disruption
write_bmp 0 10 >"$SDD_TMP/a.bmp.json"            # one cycle: down in minute 2, up in 5
replay a "$SDD_TMP/a.bmp.json"
write_conf "$SDD_TMP/a.conf" "bmp_input=file:$SDD_TMP/a.bmp.json" output=kafka:sdd.a "spool_dir=$SDD_TMP/a.spool"
start_sddd a "$SDD_TMP/a.conf" --exit-idle $IDLE
finish_sddd a
read_topic sdd.a "$SDD_TMP/a.got"
check_records "$SDD_TMP/a.replay.json" "$SDD_TMP/a.got"
/usr/bin/python3 - "$SDD_TMP/a.got" <<'PY' || sdd_die "(a) not one relevant state ending with endTime"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
assert len({r["id"] for r in got}) == 1, "one relevant state expected"
ends = [r["record"]["endTime"] is not None for r in got]
assert len(got) >= 2 and ends == [False] * (len(got) - 1) + [True], ends
PY
[ "$(counter "$SDD_TMP/a.log" kafka_delivered)" = "$(wc -l <"$SDD_TMP/a.replay.json")" ] \
  || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) kafka_delivered is not the number of notifications"; }
sdd_log "(a) $(wc -l <"$SDD_TMP/a.got") revisions of one relevant state, the last with endTime"

# (b) the broker away for OUTAGE seconds while disruptions go on
OUTAGE=185
echo "message.timeout.ms=10000" >"$SDD_TMP/b.librdkafka.conf"
write_bmp 0 200 >"$SDD_TMP/b.bmp.json"
replay b "$SDD_TMP/b.bmp.json"
write_bmp 0 100 >"$SDD_TMP/b.in.json"
write_conf "$SDD_TMP/b.conf" "bmp_input=file:$SDD_TMP/b.in.json" output=kafka:sdd.b \
  "spool_dir=$SDD_TMP/b.spool" "kafka_config_file=$SDD_TMP/b.librdkafka.conf"
start_sddd b "$SDD_TMP/b.conf"
b_pid=$SDDD_PID
sdd_wait_for 60 "$b_pid" "(b) first part delivered" counter_at_least "$SDD_TMP/b.log" kafka_delivered 10 \
  || { sdd_show_tail "$SDD_TMP/b.log"; sdd_die "(b) nothing delivered"; }
log_from=$(($(wc -l <"$SDD_TMP/b.log") + 1))
sdd_kill_group "$SDD_KAFKA_PID"
stopped=$(date +%s)
sdd_log "(b) kafka stopped"
# one part of the input at the start of each minute of the absence: each
# holds three peer-down cycles, so new relevant states and their revisions
spooled=0
for part in "100 140 0" "140 170 60" "170 200 120"; do
  read -r from to at <<<"$part"
  sleep_until $((stopped + at))
  write_bmp "$from" "$to" >"$SDD_TMP/b.part.json"
  cat "$SDD_TMP/b.part.json" >>"$SDD_TMP/b.in.json"
  sdd_wait_for 30 "$b_pid" "(b) minutes $from..$to spooled" counter_at_least "$SDD_TMP/b.log" spool_records $((spooled + 1)) \
    || { sdd_show_tail "$SDD_TMP/b.log"; sdd_die "(b) no new notification spooled with the broker away"; }
  spooled=$(counter "$SDD_TMP/b.log" spool_records)
  sdd_log "(b) minutes $from..$to of input: $spooled notifications in the spool"
done
sleep_until $((stopped + OUTAGE))
kill -0 "$b_pid" 2>/dev/null || { sdd_show_tail "$SDD_TMP/b.log"; sdd_die "(b) sddd died with the broker away"; }
tail -n "+$log_from" "$SDD_TMP/b.log" | grep -v ': counters:' >"$SDD_TMP/b.outage.log" || true
sdd_kafka_restart
want=$(wc -l <"$SDD_TMP/b.replay.json")
sdd_wait_for 120 "$b_pid" "(b) everything delivered" counter_at_least "$SDD_TMP/b.log" kafka_delivered "$want" \
  || { sdd_show_tail "$SDD_TMP/b.log"; sdd_die "(b) not everything delivered after the broker came back"; }
kill -TERM "$b_pid"
wait_exit "$b_pid" 30 || sdd_die "(b) sddd did not stop"
read_topic sdd.b "$SDD_TMP/b.got"
check_records "$SDD_TMP/b.replay.json" "$SDD_TMP/b.got"
# what the absence looked like in the log: the broker away, the
# notifications kept in the spool; no kind of message more than once a
# minute (the first one, then one a minute with the count of those held)
grep -q 'kafka output: 1/1 brokers are down' "$SDD_TMP/b.outage.log" \
  || { cat "$SDD_TMP/b.outage.log" >&2; sdd_die "(b) the log does not say the broker is down"; }
grep -q 'kafka output: delivery to sdd.b failed: .*; kept in the spool, sent again' "$SDD_TMP/b.outage.log" \
  || { cat "$SDD_TMP/b.outage.log" >&2; sdd_die "(b) the log does not say the notifications are kept in the spool"; }
/usr/bin/python3 - "$SDD_TMP/b.outage.log" "$OUTAGE" <<'PY' || { cat "$SDD_TMP/b.outage.log" >&2; sdd_die "(b) the log floods while the broker is away"; }
import collections, re, sys
lines = open(sys.argv[1]).read().splitlines()
most = int(sys.argv[2]) // 60 + 2
kinds = collections.Counter(re.sub(r"\d+", "N", re.sub(r" \(\d+ more like it not logged\)$", "", l)) for l in lines)
over = {k: n for k, n in kinds.items() if n > most}
assert not over, "more than %d times in %s s: %s" % (most, sys.argv[2], over)
assert len(lines) <= 8 * most, "%d lines in %s s" % (len(lines), sys.argv[2])
print("%d log lines in the absence, %d kinds, at most %d of one kind" % (len(lines), len(kinds), max(kinds.values())))
PY
sdd_log "(b) broker away $OUTAGE s: $want revisions, each once, in order"

# (c) SIGKILL in the middle, then a restart with the same files
cp "$SDD_TMP/b.replay.json" "$SDD_TMP/c.replay.json"
write_bmp 0 100 >"$SDD_TMP/c.in.json"
write_conf "$SDD_TMP/c.conf" "bmp_input=file:$SDD_TMP/c.in.json" output=kafka:sdd.c \
  "spool_dir=$SDD_TMP/c.spool" "state_file=$SDD_TMP/c.state" "history_file=$SDD_TMP/c.history"
start_sddd c1 "$SDD_TMP/c.conf"
sdd_wait_for 60 "$SDDD_PID" "(c) some delivered" counter_at_least "$SDD_TMP/c1.log" kafka_delivered 5 \
  || { sdd_show_tail "$SDD_TMP/c1.log"; sdd_die "(c) nothing delivered"; }
kill -KILL "$SDDD_PID"
wait "$SDDD_PID" 2>/dev/null || true
sdd_log "(c) sddd killed after $(counter "$SDD_TMP/c1.log" kafka_delivered) deliveries"
write_bmp 100 200 >"$SDD_TMP/c.part.json"
cat "$SDD_TMP/c.part.json" >>"$SDD_TMP/c.in.json"
start_sddd c2 "$SDD_TMP/c.conf" --exit-idle $IDLE
finish_sddd c2
read_topic sdd.c "$SDD_TMP/c.got"
check_records "$SDD_TMP/c.replay.json" "$SDD_TMP/c.got"
grep -q 'read back' "$SDD_TMP/c2.log" || sdd_die "(c) the topic was not read back at start"
sdd_log "(c) after SIGKILL: every revision once ($(counter "$SDD_TMP/c2.log" kafka_duplicates_dropped) dropped as already there)"

# (d) a topic that does not exist (auto-create off) with a spool of 4 KiB
printf 'topic.metadata.propagation.max.ms=3000\n' >"$SDD_TMP/d.librdkafka.conf"
write_conf "$SDD_TMP/d.conf" "bmp_input=file:$SDD_TMP/b.bmp.json" output=kafka:sdd.missing \
  "spool_dir=$SDD_TMP/d.spool" spool_max_bytes=4096 "kafka_config_file=$SDD_TMP/d.librdkafka.conf"
start_sddd d "$SDD_TMP/d.conf" --exit-idle 8
finish_sddd d
grep -q 'spool full: [0-9]* notifications lost' "$SDD_TMP/d.log" || { sdd_show_tail "$SDD_TMP/d.log"; sdd_die "(d) no spool full"; }
grep -qi 'delivery to sdd.missing failed: .*unknown topic' "$SDD_TMP/d.log" \
  || { sdd_show_tail "$SDD_TMP/d.log"; sdd_die "(d) the refused topic was not logged"; }
counter_at_least "$SDD_TMP/d.log" notifications_lost 1 || sdd_die "(d) notifications_lost not counted"
counter_at_least "$SDD_TMP/d.log" spool_full_refused 1 || sdd_die "(d) spool_full_refused not counted"
[ "$(grep -c 'spool full' "$SDD_TMP/d.log")" -le 2 ] || sdd_die "(d) spool full logged more than once a minute"
sdd_log "(d) refused topic and full spool: $(counter "$SDD_TMP/d.log" notifications_lost) lost, logged, counted"

# (d) a registry that does not answer: nothing sent, nothing lost, all spooled
write_conf "$SDD_TMP/r.conf" "bmp_input=file:$SDD_TMP/a.bmp.json" output=kafka:sdd.r \
  "spool_dir=$SDD_TMP/r.spool" output_format=confluent schema_registry=http://127.0.0.1:9
start_sddd r "$SDD_TMP/r.conf" --exit-idle $IDLE
finish_sddd r
grep -q 'schema_registry: http://127.0.0.1:9/subjects/sdd.r-value/versions: Couldn.t connect' "$SDD_TMP/r.log" \
  || { sdd_show_tail "$SDD_TMP/r.log"; sdd_die "(d) registry down not logged"; }
[ "$(counter "$SDD_TMP/r.log" spool_records)" = "$(wc -l <"$SDD_TMP/a.replay.json")" ] \
  || { sdd_show_tail "$SDD_TMP/r.log"; sdd_die "(d) with the registry down the notifications are not all spooled"; }
sdd_log "(d) registry down: every notification kept in the spool"

sdd_log "PASS"
