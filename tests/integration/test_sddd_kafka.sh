#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sddd consuming pmacct JSON from a real Kafka broker.
#
# - Records produced into a topic with kcat -P give, through sddd, notifications
#   byte-identical to `sddctl replay` over the same records from a file: once
#   with a flow topic (a traffic drop after an hour of history, one record a
#   message) and once with a BMP topic (a peer of the inventory's service going
#   down and up, three records a message, as a producer that batches does).
#   One topic per run: across topics Kafka gives no order (docs/sddd.md).
# - After sddd has exited, its group's committed offsets are the topic's end,
#   and a second run in the same group reads nothing again.
# - A broker stopped under a running sddd: it keeps running, keeps reading its
#   file input, logs the broker errors without repeating them, and stops
#   cleanly on SIGTERM without waiting for the group coordinator.
#
# Takes about 45 s (Kafka start 6 s, four sddd runs of 3 to 4 s each: group
# join, then the 3 s idle exit; the broker-down run 15 s). Needs root; runs only
# with SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init sddd_kafka
IDLE=3                      # --exit-idle: counted once Kafka is read to its end

# ---- test input ----------------------------------------------------------

# pmacct kafka plugin aggregates: 70 minutes of TCP and UDP traffic, then 10
# minutes at 1 % of it.
flow_line() { # TIME PROTO BYTES
  printf '{"event_type": "purge", "peer_ip_src": "192.0.2.1", "mpls_vpn_rd": "0:64497:1", "ip_proto": "%s", "packets": %d, "bytes": %d, "flows": 10, "stamp_inserted": "%d"}\n' \
    "$2" $(($3 / 1000 + 1)) "$3" "$1"
}

write_flows() {
  local s bytes
  for ((s = 0; s < 80; s++)); do
    bytes=100000
    [ $s -lt 70 ] || bytes=1000
    flow_line $((T0 + s * 60)) tcp $bytes
    flow_line $((T0 + s * 60)) udp $((bytes / 2))
  done
}

# nfacctd BMP msglog records: a route update every minute for 20 minutes; the
# RD-instance peer goes down (reason 3, remotely torn down) in minute 5 and
# comes back in minute 9.
write_bmp() {
  local s t
  for ((s = 0; s < 20; s++)); do
    t=$((T0 + s * 60))
    bmp_line $t route_monitor ', "log_type": "update", "ip_prefix": "203.0.113.0/24", "bgp_nexthop": "198.51.100.1", "ecomms": "RT:64497:1"'
    [ $s != 5 ] || bmp_line $((t + 5)) peer_down ', "reason_type": 3'
    [ $s != 9 ] || bmp_line $((t + 5)) peer_up ''
  done
}

# The same records, three to a Kafka message, messages separated by 0x1e.
batch_of_three() {
  awk '{ printf "%s\n", $0 } NR % 3 == 0 { printf "\036" } END { if (NR % 3) printf "\036" }' "$1"
}

# ---- helpers ---------------------------------------------------------------

produce() { # TOPIC FILE [kcat options]
  local topic=$1 file=$2
  shift 2
  sdd_ns kcat -P -b "$SDD_KAFKA_BROKER" -t "$topic" "$@" -l "$file" \
    || sdd_die "kcat -P $topic"
}

# run_sddd NAME CONF: sddd with --exit-idle, to its end; its stderr in
# $SDD_TMP/NAME.log. Fails unless it exits 0.
run_sddd() {
  local name=$1 conf=$2
  sdd_spawn "$SDD_TMP/$name.log" "$sddd" --config "$conf" --exit-idle $IDLE --stats-every 5
  if ! wait_exit "$SDD_LAST_PID" 120; then
    sdd_show_tail "$SDD_TMP/$name.log"
    sdd_die "$name: sddd still running after 120 s"
  fi
  if [ "$EXIT_RC" != 0 ]; then
    sdd_show_tail "$SDD_TMP/$name.log"
    sdd_die "$name: sddd exited $EXIT_RC"
  fi
}

has_counter() { # LOG NAME VALUE
  [ "$(counter "$1" "$2")" = "$3" ]
}

expect_counter() { # LOG NAME VALUE
  local got
  got=$(counter "$1" "$2")
  [ "$got" = "$3" ] || { sdd_show_tail "$1"; sdd_die "$(basename "$1"): $2 is $got, expected $3"; }
}

# same_as_replay NAME KIND FILE: sddd's notifications are those of replay.
same_as_replay() {
  local name=$1 kind=$2 file=$3
  "$sddctl" replay --config "$SDD_TMP/$name.conf" "--$kind" "$file" --out "$SDD_TMP/$name.replay.json" \
    || sdd_die "sddctl replay $name"
  [ -s "$SDD_TMP/$name.replay.json" ] || sdd_die "$name: the test input gives no notification"
  cmp "$SDD_TMP/$name.replay.json" "$SDD_TMP/$name.out.json" \
    || sdd_die "$name: sddd's notifications differ from replay's"
  sdd_log "$name: $(wc -l <"$SDD_TMP/$name.out.json") notifications, identical to replay"
}

# ---- the runs --------------------------------------------------------------

write_inventory "$SDD_TMP/inventory.json"
write_flows >"$SDD_TMP/flows.json"
write_bmp >"$SDD_TMP/bmp.json"
batch_of_three "$SDD_TMP/bmp.json" >"$SDD_TMP/bmp.batched"
n_flows=$(wc -l <"$SDD_TMP/flows.json")
n_bmp=$(wc -l <"$SDD_TMP/bmp.json")
n_bmp_messages=$(((n_bmp + 2) / 3))

# shellcheck disable=SC2119 # no router addresses: only sddd and kcat talk, to the broker
sdd_netns_up
sdd_kafka_start
sdd_kafka_topic sdd.flow sdd.bmp
produce sdd.flow "$SDD_TMP/flows.json"
produce sdd.bmp "$SDD_TMP/bmp.batched" -D '\x1e'

# Flows: one record a message.
write_conf "$SDD_TMP/flow.conf" flow_input=kafka:sdd.flow kafka_group_id=sddd-flow \
  "output=file:$SDD_TMP/flow.out.json"
run_sddd flow "$SDD_TMP/flow.conf"
expect_counter "$SDD_TMP/flow.log" kafka_messages "$n_flows"
expect_counter "$SDD_TMP/flow.log" records_flow "$n_flows"
same_as_replay flow flows "$SDD_TMP/flows.json"
committed_is_end sddd-flow sdd.flow "$n_flows"

# The same group again: nothing new to read, nothing written.
write_conf "$SDD_TMP/again.conf" flow_input=kafka:sdd.flow kafka_group_id=sddd-flow \
  "output=file:$SDD_TMP/again.out.json"
run_sddd again "$SDD_TMP/again.conf"
expect_counter "$SDD_TMP/again.log" kafka_messages 0
expect_counter "$SDD_TMP/again.log" records_flow 0
[ ! -s "$SDD_TMP/again.out.json" ] || sdd_die "second run in the same group wrote notifications"
sdd_log "again: the group's second run read nothing"

# BMP: three records a message, split by sddd.
write_conf "$SDD_TMP/bmp.conf" bmp_input=kafka:sdd.bmp kafka_group_id=sddd-bmp \
  "output=file:$SDD_TMP/bmp.out.json"
run_sddd bmp "$SDD_TMP/bmp.conf"
expect_counter "$SDD_TMP/bmp.log" kafka_messages "$n_bmp_messages"
expect_counter "$SDD_TMP/bmp.log" records_bmp "$n_bmp"
same_as_replay bmp bmp "$SDD_TMP/bmp.json"
committed_is_end sddd-bmp sdd.bmp "$n_bmp_messages"

# The broker goes away under a running sddd that also follows a file.
: >"$SDD_TMP/follow.json"
write_conf "$SDD_TMP/down.conf" bmp_input=kafka:sdd.bmp kafka_group_id=sddd-down \
  "flow_input=file:$SDD_TMP/follow.json" "output=file:$SDD_TMP/down.out.json"
sdd_spawn "$SDD_TMP/down.log" "$sddd" --config "$SDD_TMP/down.conf" --stats-every 1
down_pid=$SDD_LAST_PID
sdd_wait_for 60 "$down_pid" "sddd reading sdd.bmp" has_counter "$SDD_TMP/down.log" records_bmp "$n_bmp" \
  || { sdd_show_tail "$SDD_TMP/down.log"; sdd_die "down: sddd did not read the BMP topic"; }
sdd_kill_group "$SDD_KAFKA_PID"
sdd_log "kafka stopped"
head -n 20 "$SDD_TMP/flows.json" >>"$SDD_TMP/follow.json"
sdd_wait_for 30 "$down_pid" "sddd reading its file with the broker down" \
  has_counter "$SDD_TMP/down.log" records_flow 20 \
  || { sdd_show_tail "$SDD_TMP/down.log"; sdd_die "down: the file input stalled with the broker down"; }
sdd_wait_for 30 "$down_pid" "sddd logging the broker down" grep -Eq '(WARN|ERROR) \( sddd/core \): kafka: ' "$SDD_TMP/down.log" \
  || { sdd_show_tail "$SDD_TMP/down.log"; sdd_die "down: no Kafka error logged"; }
sleep 5                     # librdkafka retries meanwhile: its errors must not be repeated
kill -0 "$down_pid" 2>/dev/null || { sdd_show_tail "$SDD_TMP/down.log"; sdd_die "down: sddd died"; }
repeated=$(grep -E '(WARN|ERROR) \( sddd/core \): kafka: ' "$SDD_TMP/down.log" | sed 's/ ([0-9]* more like it not logged)//' | sort | uniq -d)
[ -z "$repeated" ] || { sdd_show_tail "$SDD_TMP/down.log"; sdd_die "down: repeated log lines: $repeated"; }
# The stop does not wait session.timeout.ms (45 s) for a coordinator that is gone.
kill -TERM "$down_pid"
wait_exit "$down_pid" 30 || { sdd_show_tail "$SDD_TMP/down.log"; sdd_die "down: sddd did not stop on SIGTERM"; }
[ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/down.log"; sdd_die "down: sddd exited $EXIT_RC on SIGTERM"; }
grep -q 'stopping on a signal' "$SDD_TMP/down.log" || sdd_die "down: no stop logged"
grep -q 'exiting without the final commit' "$SDD_TMP/down.log" || sdd_die "down: the close did not see the broker gone"
sdd_log "down: $(grep -Ec '(WARN|ERROR) \( sddd/core \): kafka: ' "$SDD_TMP/down.log") Kafka log lines, stopped cleanly"

sdd_log "PASS"
