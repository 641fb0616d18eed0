# SPDX-License-Identifier: GPL-2.0-or-later
# sddd-helpers.sh: the input, configuration and process helpers the sddd
# integration tests share (sourced after tests/harness/lib.sh).

# sddd_init NAME: sdd_init NAME (lib.sh), then $sddd and $sddctl, which must
# be built, and T0, the slot boundary the test input starts at.
sddd_init() {
  local p
  sdd_init "$1"
  sddd=$SDD_BUILDDIR/sddd
  sddctl=$SDD_BUILDDIR/sddctl
  for p in "$sddd" "$sddctl"; do
    [ -x "$p" ] || sdd_die "$p not built"
  done
  T0=1700000040
}

# write_inventory FILE: one service, 64497:1, on pe1 (192.0.2.1) with the
# RD-instance CE peer 198.51.100.1.
write_inventory() {
  cat >"$1" <<'EOF'
{"services": [{"vpn_id": "64497:1", "name": "customer-1", "profile": "default",
  "terminations": [{"router": "192.0.2.1", "hostname": "pe1", "vrf_name": "CUST1", "vrf_id": 7,
    "rd": "0:64497:1", "interfaces": [{"id": 101, "name": "Gi0/0/0/1"}],
    "ce_peers": ["198.51.100.1"]}]}]}
EOF
}

# bmp_line TIME TYPE EXTRA: a BMP msglog line about that peer.
bmp_line() {
  printf '{"event_type": "log", "timestamp": "%d.000000", "bmp_router": "192.0.2.1", "bmp_msg_type": "%s", "peer_ip": "198.51.100.1", "peer_type": 1, "rd": "0:64497:1"%s}\n' \
    "$1" "$2" "$3"
}

# write_bmp FROM TO: the msglog of minutes FROM..TO-1 (T0 + minute * 60): a
# route update every minute; in every ten minutes the RD-instance peer goes
# down in minute 2 and up in minute 5.
write_bmp() {
  local s t
  for ((s = $1; s < $2; s++)); do
    t=$((T0 + s * 60))
    bmp_line $t route_monitor ', "log_type": "update", "ip_prefix": "203.0.113.0/24", "bgp_nexthop": "198.51.100.1", "ecomms": "RT:64497:1"'
    [ $((s % 10)) != 2 ] || bmp_line $((t + 5)) peer_down ', "reason_type": 3'
    [ $((s % 10)) != 5 ] || bmp_line $((t + 5)) peer_up ''
  done
}

# write_conf FILE KEY=VALUE...: an sddd configuration, the engine's settings
# short enough for the test input; a KEY given replaces the default (a key
# is set once: sddd refuses a key set twice).
write_conf() {
  local out=$1 kv
  shift
  local -A conf=([data_delay]=0 [time_delta_hours]=1 [volume_length_minutes]=5 [close_after_slots]=2
    [inventory_file]="$SDD_TMP/inventory.json" [kafka_brokers]="$SDD_KAFKA_BROKER")
  for kv in "$@"; do
    conf[${kv%%=*}]=${kv#*=}
  done
  for kv in "${!conf[@]}"; do
    echo "$kv: ${conf[$kv]}"
  done | sort >"$out"
}

# live_sddd_start TOPIC: sddd reading nfacctd's BMP msglog on daisy.bmp in
# real time and publishing Avro on TOPIC, as the live tests run it (a slot
# closes without records once inputs are idle a minute); waits for its
# consumer to be assigned and sets sddd_pid.
live_sddd_start() {
  write_conf "$SDD_TMP/sddd.conf" bmp_input=kafka:daisy.bmp output=kafka:"$1" output_format=avro \
    spool_dir="$SDD_TMP/spool" kafka_group_id="sdd-$1" close_after_slots=1 source_idle_seconds=60
  sdd_spawn "$SDD_TMP/sddd.log" "$sddd" --config "$SDD_TMP/sddd.conf" --stats-every 10
  sddd_pid=$SDD_LAST_PID
  sdd_wait_for 60 "$sddd_pid" "sddd's consumer" grep -q 'assigned' "$SDD_TMP/sddd.log" ||
    { sdd_show_tail "$SDD_TMP/sddd.log"; sdd_die "sddd did not join its group"; }
}

# wait_exit PID SECONDS: waits for the process; EXIT_RC is its status; 1 if
# it still runs after SECONDS.
wait_exit() {
  local pid=$1 n
  for ((n = 0; n < $2 * 5; n++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && return 1
  EXIT_RC=0
  wait "$pid" || EXIT_RC=$?
}

# counter LOG NAME: the value in the last counters line of sddd's log (0 if absent).
counter() {
  local line
  line=$(grep 'counters:' "$1" | tail -n 1)
  [[ " $line " =~ \ $2=([0-9]+)\  ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

# read_topic TOPIC OUT [--confluent]: every committed record of TOPIC,
# decoded with the reference schema by tests/harness/decode-notifications,
# one JSON line each (key, headers, id, revision, record).
read_topic() {
  local topic=$1 out=$2
  shift 2
  local kcat=(kcat -C -b "$SDD_KAFKA_BROKER" -X isolation.level=read_committed -t "$topic" -o beginning -e -q)
  sdd_ns "${kcat[@]}" -f '%R%s' >"$out.raw" || sdd_die "kcat -C $topic"
  sdd_ns "${kcat[@]}" -f '%k %h\n' >"$out.keys" || sdd_die "kcat -C $topic (keys)"
  /usr/bin/python3 "$SDD_SRCDIR/tests/harness/decode-notifications" \
    "$SDD_SRCDIR/schema/RelevantStateNotification.avsc" "$out.raw" "$out.keys" "$@" >"$out" \
    || sdd_die "decoding $topic"
}

# check_records WANT GOT: GOT (from read_topic) holds every record of WANT
# (sddctl replay's JSON lines) once and nothing else: each (id, revision)
# once, in order per id, key = id, header revision = its revision, and the
# decoded record equal to WANT's.
check_records() {
  /usr/bin/python3 - "$1" "$2" <<'PY' || sdd_die "$(basename "$2"): the records on Kafka are not the replay's"
import json, sys
def revision(r):
    return max(a["revision"] for a in r["anomaly"])
want = {(r["id"], revision(r)): r for r in map(json.loads, open(sys.argv[1]))}
got = [json.loads(l) for l in open(sys.argv[2])]
pairs = [(r["id"], r["revision"]) for r in got]
bad = [r["key"] for r in got if r["key"] != r["id"] or r["header"] != "revision=%d" % r["revision"]]
assert not bad, "key or header wrong: %s" % bad[:2]
dups = {p for p in pairs if pairs.count(p) > 1}
assert not dups, "twice: %s" % sorted(dups)
assert set(pairs) == set(want), "missing %s, extra %s" % (sorted(set(want) - set(pairs)), sorted(set(pairs) - set(want)))
for i in {p[0] for p in pairs}:
    revs = [r for (j, r) in pairs if j == i]
    assert revs == sorted(revs), "out of order for %s: %s" % (i, revs)
differ = [p for p, r in zip(pairs, got) if r["record"] != want[p]]
assert not differ, "records differ from the replay's: %s" % differ[:2]
print("%d records, %d relevant states, each as replay made it" % (len(pairs), len({p[0] for p in pairs})))
PY
}

# committed_is_end GROUP TOPIC COUNT: the group's committed offset of
# partition 0 is COUNT, the topic's end.
committed_is_end() {
  local group=$1 topic=$2 want=$3 out row
  out=$(sdd_ns java "${SDD_JAVA_OPTS[@]}" -cp "$SDD_KAFKA_HOME/*" \
    org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    --bootstrap-server "$SDD_KAFKA_BROKER" --describe --group "$group" 2>&1) \
    || { echo "$out" >&2; sdd_die "describe group $group"; }
  # GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
  row=$(awk -v t="$topic" '$2 == t && $3 == 0 { print $4, $5 }' <<<"$out")
  [ "$row" = "$want $want" ] || { echo "$out" >&2; sdd_die "group $group on $topic: committed/end '$row', expected $want $want"; }
  sdd_log "group $group: committed offset $want = end of $topic"
}
