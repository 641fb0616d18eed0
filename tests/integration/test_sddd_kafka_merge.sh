#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sddd's Kafka inputs merged by event time, and offsets
# committed only for what a durable checkpoint holds (docs/time.md,
# docs/sddd.md "Kafka").
#
# The input is three days of `sddctl gen` (4 services, flows, BMP,
# telemetry; every kind of event but late data, see below). The flows are dealt at random over the 3 partitions of a topic
# (each partition keeps the file's order), BMP and telemetry have a topic of
# one partition each, and everything is produced before sddd starts: a
# backlog across partitions and kinds.
# - merge: sddd reads the three topics from their start (file output,
#   --exit-idle) and writes the notifications `sddctl replay` writes for the
#   three files, byte for byte. Consumed as fetched, a partition's hours
#   ahead of the others made the others' records late.
# - crash: the same records in three other topics, cut at five sixths of
#   the time they span (after the first relevant states): sddd (state_file
#   and history_file, no checkpoint due) reads the first part, stays 7 s
#   (longer than librdkafka's 5 s automatic commit) and is killed with
#   SIGKILL. No offset is committed then: no checkpoint holds the records.
#   The rest produced, sddd started again (no state: a first start) reads
#   everything from the start and its output file ends as replay's, byte for
#   byte (the revisions written before the kill are not written twice); once
#   it has exited, the group's committed offsets are the end of every
#   partition. Before, the automatic commit had committed the first part,
#   which the restarted engine never saw.
#
# Takes about 55 s (Kafka start 8 s, 190,000 messages produced twice, three
# sddd runs). Needs root; runs only with SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init sddd_kafka_merge
IDLE=3                      # --exit-idle: counted once Kafka is read to its end

# conf FILE KEY=VALUE...: conf-examples/sdd.conf with these keys instead of
# its own (a key is set once).
conf() {
  local out=$1 kv keys=""
  shift
  for kv in "$@"; do
    keys+="${keys:+|}${kv%%=*}"
  done
  grep -vE "^(${keys}):" "$SDD_SRCDIR/conf-examples/sdd.conf" >"$out"
  for kv in "$@"; do
    echo "${kv%%=*}: ${kv#*=}"
  done >>"$out"
}

# produce TOPIC DIR: DIR/pN (one record a line) into partition N.
produce() {
  local f
  for f in "$2"/p*; do
    sdd_ns kcat -P -b "$SDD_KAFKA_BROKER" -t "$1" -p "${f##*/p}" -l "$f" || sdd_die "kcat -P $1 $f"
  done
}

# deal KIND FILE DIR: the lines of FILE into DIR/p0..p2 at random for flows
# (order kept within each), into DIR/p0 for the other kinds.
deal() {
  mkdir -p "$3"
  if [ "$1" = flow ]; then
    awk -v dir="$3" 'BEGIN { srand(7) } { print > (dir "/p" int(rand() * 3)) }' "$2"
  else
    cp "$2" "$3/p0"
  fi
}

# topics PREFIX: PREFIX.flow (3 partitions), PREFIX.bmp and PREFIX.tel.
topics() {
  sdd_kafka_topic --partitions 3 "$1.flow"
  sdd_kafka_topic "$1.bmp" "$1.tel"
}

# produce_all PREFIX DIR: DIR's flow, bmp and telemetry files dealt into
# PREFIX's topics.
produce_all() {
  local prefix=$1 dir=$2
  deal flow "$dir/flows.json" "$dir/flow.parts"
  deal bmp "$dir/bmp.json" "$dir/bmp.parts"
  deal telemetry "$dir/telemetry.json" "$dir/tel.parts"
  produce "$prefix.flow" "$dir/flow.parts"
  produce "$prefix.bmp" "$dir/bmp.parts"
  produce "$prefix.tel" "$dir/tel.parts"
}

sddd_conf() { # FILE PREFIX GROUP OUT [KEY=VALUE...]
  local file=$1 prefix=$2 group=$3 out=$4
  shift 4
  conf "$file" "flow_input=kafka:$prefix.flow" "bmp_input=kafka:$prefix.bmp" "telemetry_input=kafka:$prefix.tel" \
    "kafka_brokers=$SDD_KAFKA_BROKER" "kafka_group_id=$group" "output=file:$out" "$@"
}

run_to_end() { # NAME CONF
  sdd_spawn "$SDD_TMP/$1.log" "$sddd" --config "$2" --inventory "$SDD_TMP/in/inventory.json" \
    --exit-idle $IDLE --stats-every 5
  wait_exit "$SDD_LAST_PID" 180 || { sdd_show_tail "$SDD_TMP/$1.log"; sdd_die "$1: sddd still running after 180 s"; }
  [ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/$1.log"; sdd_die "$1: sddd exited $EXIT_RC"; }
}

same_as_replay() { # NAME OUT
  cmp "$SDD_TMP/replay.json" "$2" || {
    tail -n 1 "$SDD_TMP/$1.log" >&2
    grep 'counters:' "$SDD_TMP/$1.log" | tail -n 1 >&2
    sdd_die "$1: $(wc -l <"$2") notifications, replay made $(wc -l <"$SDD_TMP/replay.json"); they differ"
  }
  sdd_log "$1: $(wc -l <"$2") notifications, identical to replay"
}

# committed GROUP: "TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET" a line,
# sorted; CURRENT-OFFSET is "-" where none is committed.
committed() {
  local out
  out=$(sdd_ns java "${SDD_JAVA_OPTS[@]}" -cp "$SDD_KAFKA_HOME/*" \
    org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    --bootstrap-server "$SDD_KAFKA_BROKER" --describe --group "$1" 2>&1) \
    || { echo "$out" >&2; sdd_die "describe group $1"; }
  awk -v g="$1" '$1 == g { print $2, $3, $4, $5 }' <<<"$out" | sort
}

# Every kind of the generator but late_data: a late record's place against
# its slot's close is where it arrives among the others, and partitions
# merged by event time put it elsewhere than the file does (earlier: then it
# counts in the slot's judgement, where replay adds it after). Whether a
# late exporter is judged alike either way is test_collection's.
kinds=$("$sddctl" gen --help 2>&1 | sed -n 's/^scenarios (default all; "none" for background only): //p' |
  tr ' ' '\n' | grep -vx late_data | paste -sd, -)
[ -n "$kinds" ] || sdd_die "sddctl gen --help lists no scenarios"
"$sddctl" gen --seed 3 --services 4 --days 3 --scenario "$kinds" --out "$SDD_TMP/in" >/dev/null || sdd_die "sddctl gen"
"$sddctl" replay --config "$SDD_SRCDIR/conf-examples/sdd.conf" --inventory "$SDD_TMP/in/inventory.json" \
  --flows "$SDD_TMP/in/flows.json" --bmp "$SDD_TMP/in/bmp.json" --telemetry "$SDD_TMP/in/telemetry.json" \
  --out "$SDD_TMP/replay.json" 2>/dev/null || sdd_die "sddctl replay"
[ -s "$SDD_TMP/replay.json" ] || sdd_die "replay made no notification"
n_messages=$(cat "$SDD_TMP"/in/{flows,bmp,telemetry}.json | wc -l)

# shellcheck disable=SC2119 # no router addresses: only sddd and kcat talk, to the broker
sdd_netns_up
sdd_kafka_start

# ---- merge: a backlog over three partitions and three kinds ------------------

topics sdd.m
produce_all sdd.m "$SDD_TMP/in"
sdd_log "produced $n_messages messages; flows per partition: $(wc -l "$SDD_TMP"/in/flow.parts/p* | awk '$2 != "total" { printf "%s ", $1 }')"
sddd_conf "$SDD_TMP/merge.conf" sdd.m sddd-merge "$SDD_TMP/merge.out.json"
run_to_end merge "$SDD_TMP/merge.conf"
expect_messages=$(counter "$SDD_TMP/merge.log" kafka_messages)
[ "$expect_messages" = "$n_messages" ] || sdd_die "merge: $expect_messages messages read of $n_messages"
same_as_replay merge "$SDD_TMP/merge.out.json"

# ---- crash: SIGKILL before any checkpoint, offsets not committed -------------

mkdir -p "$SDD_TMP/part1" "$SDD_TMP/part2"
/usr/bin/python3 - "$SDD_TMP/in" "$SDD_TMP/part1" "$SDD_TMP/part2" <<'PY' || sdd_die "cutting the input"
import json, sys
src, one, two = sys.argv[1:]
def stamp(line):
    # when the collector wrote it: a BMP route's own time may be 0 or days
    # old (zero timestamps, a table dump), which would put it in the wrong
    # part, ahead of what came before it
    r = json.loads(line)
    return r.get("stamp_inserted") or r.get("timestamp_arrival") or r["timestamp"]
flows = open(src + "/flows.json").readlines()
first, last = stamp(flows[0]), stamp(flows[-1])
cut = sorted(stamp(l) for l in flows)[len(flows) * 5 // 6]      # the first relevant states are before
for name in ("flows.json", "bmp.json", "telemetry.json"):
    lines = open(src + "/" + name).readlines()
    open(one + "/" + name, "w").writelines(l for l in lines if stamp(l) < cut)
    open(two + "/" + name, "w").writelines(l for l in lines if stamp(l) >= cut)
print("cut at", cut, "of", first, "to", last)
PY
n_part1=$(cat "$SDD_TMP"/part1/{flows,bmp,telemetry}.json | wc -l)
topics sdd.c
produce_all sdd.c "$SDD_TMP/part1"
# a static member: the restarted sddd gets the partitions back at once, not
# after the killed one's session timeout (45 s)
printf 'group.instance.id=sddd-crash\n' >"$SDD_TMP/crash.librdkafka.conf"
sddd_conf "$SDD_TMP/crash.conf" sdd.c sddd-crash "$SDD_TMP/crash.out.json" \
  "kafka_config_file=$SDD_TMP/crash.librdkafka.conf" "state_file=$SDD_TMP/crash.state" \
  "history_file=$SDD_TMP/crash.history" state_sync_seconds=3600
sdd_spawn "$SDD_TMP/crash1.log" "$sddd" --config "$SDD_TMP/crash.conf" --inventory "$SDD_TMP/in/inventory.json" \
  --stats-every 1
crash=$SDD_LAST_PID
read_part1() {
  [ "$(counter "$SDD_TMP/crash1.log" kafka_messages)" = "$n_part1" ]
}
sdd_wait_for 120 "$crash" "crash1 reading the first part" read_part1 \
  || { sdd_show_tail "$SDD_TMP/crash1.log"; sdd_die "crash1: the first part was not read"; }
sleep 7
kill -KILL "$crash"
wait "$crash" 2>/dev/null || true
[ ! -e "$SDD_TMP/crash.state" ] || sdd_die "crash1: a checkpoint was taken: the case is not tested"
[ -s "$SDD_TMP/crash.out.json" ] || sdd_die "crash1: no notification before the kill: nothing to write twice"
sdd_log "crash1: killed after $n_part1 messages and $(wc -l <"$SDD_TMP/crash.out.json") notifications"
if committed sddd-crash | awk '$3 != "-" { bad = 1 } END { exit !bad }'; then
  committed sddd-crash >&2
  sdd_die "crash1: offsets committed that no checkpoint holds"
fi
sdd_log "crash1: no offset committed"

produce_all sdd.c "$SDD_TMP/part2"
run_to_end crash2 "$SDD_TMP/crash.conf"
same_as_replay crash2 "$SDD_TMP/crash.out.json"
expect_messages=$(counter "$SDD_TMP/crash2.log" kafka_messages)
[ "$expect_messages" = "$n_messages" ] || sdd_die "crash2: $expect_messages messages read, not all $n_messages again"
if committed sddd-crash | awk '$3 != $4 { bad = 1 } END { exit !bad }'; then
  committed sddd-crash >&2
  sdd_die "crash2: committed offsets are not the end of the partitions"
fi
sdd_log "crash2: every message read again; committed offsets at the end of all $(committed sddd-crash | wc -l) partitions"
sdd_log "PASS"
