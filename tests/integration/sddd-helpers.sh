# sddd-helpers.sh: the input, configuration and process helpers the sddd
# integration tests share (sourced after tests/harness/lib.sh).

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

# write_conf FILE KEY=VALUE...: an sddd configuration, the engine's settings
# short enough for the test input.
write_conf() {
  local out=$1 kv
  shift
  {
    echo "data_delay: 0"
    echo "time_delta_hours: 1"
    echo "volume_length_minutes: 5"
    echo "close_after_slots: 2"
    echo "inventory_file: $SDD_TMP/inventory.json"
    echo "kafka_brokers: $SDD_KAFKA_BROKER"
    for kv in "$@"; do
      echo "${kv%%=*}: ${kv#*=}"
    done
  } >"$out"
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
