#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: exactly once from a Kafka input to a Kafka output,
# through crashes (src/daemon.c checkpoints, src/output_kafka.c
# transactions, docs/sddd.md "Crashes").
#
# A producer writes a BMP msglog into the input topic a few messages at a
# time. sddd reads it, checkpoints every 2 s, commits a transaction every
# second, and is killed with SIGKILL three times while records come in and
# notifications go out, 1, 2 and 3 s after it got its first records, each
# time started again with the same files; the last run goes on to the end
# of the input. Then, read with isolation.level=read_committed:
# - the output topic holds every notification `sddctl replay` makes of the
#   whole input, each (id, revision) once, in order per id, each record
#   equal to the replay's;
# - the group's committed offset is the end of the input topic (committed
#   by the output's transactions);
# - the restarts went on from a checkpoint's cursor, and the kills came
#   while the input was still being written;
# - the last run left its group at its end in time (static membership);
# - killed before its first checkpoint, after a transaction, then started
#   again (no state): it reads the input from its beginning (no offset is
#   committed before a checkpoint names its partition), and the output
#   topic holds the replay's records once each;
# - a second sddd with the same group, group.instance.id and output topic
#   (another host: files of its own) fences the first, which stops, exit 1,
#   saying why; the second runs on;
# - the broker frozen for 5 s while records come in and transactions go
#   out, then sddd frozen for 3 s with a transaction open (tried up to four
#   times, until the broker has one to end)
#   (transaction.timeout.ms 1 s): the broker aborts it, sddd sends its
#   records again, and the output topic holds the replay's records once
#   each.
# How many revisions the restarts made again (and the output dropped as on
# the topic already) depends on where the kills fell: it is logged.
#
# Takes about two minutes. Needs root; runs only with SDD_INTEGRATION=1.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init exactly_once
MINUTES=400
KILLS=3

write_inventory "$SDD_TMP/inventory.json"
write_bmp 0 $MINUTES >"$SDD_TMP/bmp.json"
n_lines=$(wc -l <"$SDD_TMP/bmp.json")
mkdir "$SDD_TMP/chunks"
split -n l/24 -d -a 3 "$SDD_TMP/bmp.json" "$SDD_TMP/chunks/c"

write_conf "$SDD_TMP/replay.conf"
"$sddctl" replay --config "$SDD_TMP/replay.conf" --bmp "$SDD_TMP/bmp.json" --out "$SDD_TMP/replay.json" \
  || sdd_die "sddctl replay"
sdd_log "replay: $(wc -l <"$SDD_TMP/replay.json") notifications from $n_lines records"

sdd_netns_up
sdd_kafka_start
sdd_kafka_topic sdd.eo.in sdd.eo.out

# A static member (group.instance.id): a restarted sddd takes its partitions
# back at once instead of after the killed one's session timeout.
printf 'group.instance.id=sddd-eo\n' >"$SDD_TMP/librdkafka.conf"
write_conf "$SDD_TMP/eo.conf" bmp_input=kafka:sdd.eo.in output=kafka:sdd.eo.out kafka_group_id=sddd-eo \
  "kafka_config_file=$SDD_TMP/librdkafka.conf" "spool_dir=$SDD_TMP/spool" "state_file=$SDD_TMP/state.json" \
  "history_file=$SDD_TMP/history.db" state_sync_seconds=2

# The producer: the input in 24 chunks over about 30 s, one record a message.
cat >"$SDD_TMP/produce.sh" <<EOF
for f in "$SDD_TMP"/chunks/c*; do
  kcat -P -b "$SDD_KAFKA_BROKER" -t sdd.eo.in -l "\$f" || exit 1
  sleep 1.2
done
touch "$SDD_TMP/produced"
EOF
sdd_spawn "$SDD_TMP/produce.log" bash "$SDD_TMP/produce.sh"
producer=$SDD_LAST_PID

start_sddd() { # NAME [options]: sets SDDD_PID
  local name=$1
  shift
  sdd_spawn "$SDD_TMP/$name.log" "$sddd" --config "$SDD_TMP/eo.conf" --stats-every 1 "$@"
  SDDD_PID=$SDD_LAST_PID
}

took_records() { # LOG
  [ "$(counter "$1" kafka_messages)" -gt 0 ]
}

has_delivered() { # LOG
  [ "$(counter "$1" kafka_delivered)" -gt 0 ]
}

for ((k = 1; k <= KILLS; k++)); do
  start_sddd "run$k"
  sdd_wait_for 60 "$SDDD_PID" "run$k reading" took_records "$SDD_TMP/run$k.log" \
    || { sdd_show_tail "$SDD_TMP/run$k.log"; sdd_die "run$k: sddd read nothing"; }
  sleep "$k"
  [ ! -e "$SDD_TMP/produced" ] || sdd_die "run$k: the input was all written before the kill: nothing in the middle"
  kill -KILL "$SDDD_PID"
  wait "$SDDD_PID" 2>/dev/null || true
  sdd_log "run$k killed after $(counter "$SDD_TMP/run$k.log" kafka_messages) messages"
done

sdd_wait_for 120 "$producer" "the producer" test -e "$SDD_TMP/produced" || sdd_die "the producer did not finish"
start_sddd last --exit-idle 4
wait_exit "$SDDD_PID" 120 || { sdd_show_tail "$SDD_TMP/last.log"; sdd_die "last: sddd still running"; }
[ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/last.log"; sdd_die "last: sddd exited $EXIT_RC"; }
! grep -q 'group was not left' "$SDD_TMP/last.log" || sdd_die "last: the group was not left in time"

read_topic sdd.eo.out "$SDD_TMP/got.json"
check_records "$SDD_TMP/replay.json" "$SDD_TMP/got.json"
committed_is_end sddd-eo sdd.eo.in "$n_lines"
resumed=$(grep -l "going on from the state's cursor" "$SDD_TMP"/run[2-9].log "$SDD_TMP/last.log" | wc -l)
[ "$resumed" -ge 2 ] || sdd_die "only $resumed restarts went on from a checkpoint"
dropped=0
for f in "$SDD_TMP"/run[2-9].log "$SDD_TMP/last.log"; do
  dropped=$((dropped + $(counter "$f" kafka_duplicates_dropped)))
done
sdd_log "exactly once through $KILLS SIGKILLs: $resumed restarts from a checkpoint, $dropped revisions made again and dropped"

# Killed before its first checkpoint: state_sync_seconds far away, the input
# up to the first peer down, sddd killed once it has committed that revision
# 0; then the rest of the input and a restart, which has no state. It must
# read the input from its beginning (no offset was committed while no
# checkpoint named the partition): one that began at the offset committed
# with the revision would never see the peer down, nor make its revision 1.
sdd_kafka_topic sdd.nc.in sdd.nc.out
printf 'group.instance.id=sddd-nc\n' >"$SDD_TMP/nc.librdkafka.conf"
write_conf "$SDD_TMP/nc.conf" bmp_input=kafka:sdd.nc.in output=kafka:sdd.nc.out kafka_group_id=sddd-nc \
  "kafka_config_file=$SDD_TMP/nc.librdkafka.conf" "spool_dir=$SDD_TMP/nc.spool" "state_file=$SDD_TMP/nc.state" \
  "history_file=$SDD_TMP/nc.history" state_sync_seconds=3600
first_down=$(grep -n -m 1 peer_down "$SDD_TMP/bmp.json" | cut -d: -f1)
head -n "$first_down" "$SDD_TMP/bmp.json" >"$SDD_TMP/nc.part1"
tail -n +"$((first_down + 1))" "$SDD_TMP/bmp.json" >"$SDD_TMP/nc.part2"
sdd_ns kcat -P -b "$SDD_KAFKA_BROKER" -t sdd.nc.in -l "$SDD_TMP/nc.part1" || sdd_die "kcat -P sdd.nc.in"
sdd_spawn "$SDD_TMP/nc1.log" "$sddd" --config "$SDD_TMP/nc.conf" --stats-every 1
nc=$SDD_LAST_PID
sdd_wait_for 60 "$nc" "nc1 delivering" has_delivered "$SDD_TMP/nc1.log" \
  || { sdd_show_tail "$SDD_TMP/nc1.log"; sdd_die "nc1: nothing delivered"; }
kill -KILL "$nc"
wait "$nc" 2>/dev/null || true
[ ! -e "$SDD_TMP/nc.state" ] || sdd_die "nc1: a checkpoint was taken: the case is not tested"
sdd_ns kcat -P -b "$SDD_KAFKA_BROKER" -t sdd.nc.in -l "$SDD_TMP/nc.part2" || sdd_die "kcat -P sdd.nc.in"
sdd_spawn "$SDD_TMP/nc2.log" "$sddd" --config "$SDD_TMP/nc.conf" --stats-every 1 --exit-idle 4
nc=$SDD_LAST_PID
wait_exit "$nc" 120 || { sdd_show_tail "$SDD_TMP/nc2.log"; sdd_die "nc2: sddd still running"; }
[ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/nc2.log"; sdd_die "nc2: sddd exited $EXIT_RC"; }
read_topic sdd.nc.out "$SDD_TMP/nc.got"
check_records "$SDD_TMP/replay.json" "$SDD_TMP/nc.got"
committed_is_end sddd-nc sdd.nc.in "$n_lines"
sdd_log "killed before its first checkpoint: $(counter "$SDD_TMP/nc2.log" kafka_messages) messages read again from the start"

# The same sddd started on another host: the first one is fenced.
start_sddd first
first=$SDDD_PID
sdd_wait_for 60 "$first" "first ready" grep -q 'read back' "$SDD_TMP/first.log" \
  || { sdd_show_tail "$SDD_TMP/first.log"; sdd_die "first: not ready"; }
sed -e "s|$SDD_TMP/spool|$SDD_TMP/other.spool|" -e "s|$SDD_TMP/state.json|$SDD_TMP/other.state|" \
  -e "s|$SDD_TMP/history.db|$SDD_TMP/other.history|" "$SDD_TMP/eo.conf" >"$SDD_TMP/other.conf"
sdd_spawn "$SDD_TMP/other.log" "$sddd" --config "$SDD_TMP/other.conf" --stats-every 1
other=$SDD_LAST_PID
wait_exit "$first" 60 || { sdd_show_tail "$SDD_TMP/first.log"; sdd_die "first: still running beside the other"; }
[ "$EXIT_RC" = 1 ] || { sdd_show_tail "$SDD_TMP/first.log"; sdd_die "first: exited $EXIT_RC, not 1"; }
grep -qi 'kafka input: .*fenced.*: stopping' "$SDD_TMP/first.log" \
  || { sdd_show_tail "$SDD_TMP/first.log"; sdd_die "first: no reason logged"; }
kill -0 "$other" 2>/dev/null || { sdd_show_tail "$SDD_TMP/other.log"; sdd_die "other: died"; }
kill -TERM "$other"
wait_exit "$other" 30 || sdd_die "other: did not stop on SIGTERM"
[ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/other.log"; sdd_die "other: exited $EXIT_RC"; }
sdd_log "fenced: $(grep -i 'fenced' "$SDD_TMP/first.log" | head -n 1)"

# The broker away while transactions are open (transaction.timeout.ms 1 s).
sdd_kafka_topic sdd.ba.in sdd.ba.out
printf 'transaction.timeout.ms=1000\nmessage.timeout.ms=1000\n' >"$SDD_TMP/ba.librdkafka.conf"
write_conf "$SDD_TMP/ba.conf" bmp_input=kafka:sdd.ba.in output=kafka:sdd.ba.out kafka_group_id=sddd-ba \
  "kafka_config_file=$SDD_TMP/ba.librdkafka.conf" "spool_dir=$SDD_TMP/ba.spool" \
  "state_file=$SDD_TMP/ba.state" "history_file=$SDD_TMP/ba.history"
cat >"$SDD_TMP/produce-ba.sh" <<EOF
for f in "$SDD_TMP"/chunks/c*; do
  until kcat -P -b "$SDD_KAFKA_BROKER" -t sdd.ba.in -l "\$f" 2>/dev/null; do sleep 0.5; done
  sleep 0.6
done
touch "$SDD_TMP/ba.produced"
EOF
# --exit-idle above the time the broker is away and comes back
sdd_spawn "$SDD_TMP/ba.log" "$sddd" --config "$SDD_TMP/ba.conf" --stats-every 1 --exit-idle 20
ba=$SDD_LAST_PID
sdd_wait_for 60 "$ba" "ba ready" grep -q 'partitions assigned' "$SDD_TMP/ba.log" \
  || { sdd_show_tail "$SDD_TMP/ba.log"; sdd_die "ba: not assigned"; }
sdd_spawn "$SDD_TMP/produce-ba.log" bash "$SDD_TMP/produce-ba.sh"
sdd_wait_for 60 "$ba" "ba delivering" has_delivered "$SDD_TMP/ba.log" \
  || { sdd_show_tail "$SDD_TMP/ba.log"; sdd_die "ba: nothing delivered"; }
# frozen (SIGSTOP), not stopped: it goes away with what sddd had sent it, and
# comes back with the transaction open, now older than its timeout
kill -STOP -- "-$SDD_KAFKA_PID"
sdd_log "ba: kafka frozen after $(counter "$SDD_TMP/ba.log" kafka_delivered) deliveries"
sleep 5
kill -CONT -- "-$SDD_KAFKA_PID"
sdd_log "ba: kafka back"
# sddd frozen just after it spooled new notifications, that is with them in
# an open transaction, longer than the transaction may stay open: the broker
# ends it, and sddd, back, sends its records again. The transaction may not
# have reached the broker yet when sddd froze: then once more, a few times.
spool_size() {
  stat -c %s "$SDD_TMP/ba.spool/spool.dat" 2>/dev/null || echo 0
}
ended_by_broker() {
  grep -Ec 'transaction aborted|a new producer takes over' "$SDD_TMP/ba.log" || true
}
for ((try = 1; try <= 4; try++)); do
  before=$(spool_size)
  for ((n = 0; n < 3000; n++)); do
    [ "$(spool_size)" = "$before" ] || break
    sleep 0.01
  done
  sleep 0.05                            # its records on their way to the broker
  kill -STOP -- "-$ba"
  sdd_log "ba: sddd frozen with notifications spooled ($before -> $(spool_size) bytes of spool)"
  sleep 3
  kill -CONT -- "-$ba"
  sleep 2
  [ "$(ended_by_broker)" = 0 ] || break
done
wait_exit "$ba" 180 || { sdd_show_tail "$SDD_TMP/ba.log"; sdd_die "ba: sddd still running"; }
[ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/ba.log"; sdd_die "ba: sddd exited $EXIT_RC"; }
[ -e "$SDD_TMP/ba.produced" ] || sdd_die "ba: sddd stopped before the input was all written"
read_topic sdd.ba.out "$SDD_TMP/ba.got"
check_records "$SDD_TMP/replay.json" "$SDD_TMP/ba.got"
again=$(ended_by_broker)
[ "$again" -ge 1 ] || { sdd_show_tail "$SDD_TMP/ba.log"; sdd_die "ba: no transaction was ended by the broker"; }
sdd_log "ba: $again transactions ended by the broker (aborted, or the producer fenced and renewed), sent again"
sdd_log "PASS"
