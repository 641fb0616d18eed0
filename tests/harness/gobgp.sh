# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gobgp.sh: real BGP speakers for the integration tests (Debian's gobgpd),
# sourced after lib.sh. Each speaker runs in the test's namespace on its
# own loopback address, with its gRPC API there too, and is stopped by the
# harness's cleanup like every process it spawns.
#
#   sdd_gobgpd_start NAME ADDRESS AS PEER:AS[,PEER:AS...] [BMP_ADDRESS:PORT]
#     (a test that defines sdd_gobgp_neighbor_extra NAME PEER gets its output
#     appended to each neighbor's TOML: a prefix limit, a route reflector client)
#   sdd_gobgp ADDRESS ARGS...        # the gobgp CLI against that speaker
#   sdd_gobgp_wait_established ADDRESS PEER SECONDS

SDD_GOBGP_API_PORT=50051

sdd_gobgpd_start() {
  local name=$1 addr=$2 as=$3 peers=$4 bmp=${5:-} peer
  local conf=$SDD_TMP/gobgpd-$name.toml
  {
    echo '[global.config]'
    echo "  as = $as"
    echo "  router-id = \"$addr\""
    echo "  local-address-list = [\"$addr\"]"
    for peer in ${peers//,/ }; do
      echo '[[neighbors]]'
      echo '  [neighbors.config]'
      echo "    neighbor-address = \"${peer%:*}\""
      echo "    peer-as = ${peer##*:}"
      echo '  [neighbors.transport.config]'
      echo "    local-address = \"$addr\""
      echo '  [neighbors.timers.config]'
      echo '    connect-retry = 1'
      echo '    hold-time = 9'
      echo '    keepalive-interval = 3'
      ! declare -F sdd_gobgp_neighbor_extra >/dev/null || sdd_gobgp_neighbor_extra "$name" "${peer%:*}"
    done
    if [ -n "$bmp" ]; then
      echo '[[bmp-servers]]'
      echo '  [bmp-servers.config]'
      echo "    address = \"${bmp%:*}\""
      echo "    port = ${bmp##*:}"
      echo '    route-monitoring-policy = "pre-policy"'
    fi
  } >"$conf"
  sdd_spawn "$SDD_TMP/gobgpd-$name.log" gobgpd -f "$conf" -p -l info --api-hosts "$addr:$SDD_GOBGP_API_PORT" \
    --pprof-disable
  sdd_wait_for 30 "$SDD_LAST_PID" "gobgpd $name API" sdd_gobgp "$addr" global ||
    { sdd_show_tail "$SDD_TMP/gobgpd-$name.log"; sdd_die "gobgpd $name did not start"; }
  sdd_log "gobgpd $name up on $addr (AS $as, peers $peers${bmp:+, BMP to $bmp})"
}

sdd_gobgp() {
  local addr=$1
  shift
  sdd_ns gobgp -u "$addr" -p "$SDD_GOBGP_API_PORT" "$@"
}

sdd_gobgp_established() {
  sdd_gobgp "$1" neighbor "$2" | grep -qi 'BGP state = established'
}

sdd_gobgp_wait_established() {
  local addr=$1 peer=$2 seconds=$3 n
  for ((n = 0; n < seconds * 5; n++)); do
    sdd_gobgp_established "$addr" "$peer" && return 0
    sleep 0.2
  done
  sdd_die "the session $addr - $peer is not established after $seconds s"
}
