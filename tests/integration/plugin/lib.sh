# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# What the plugin tests (tests/integration/test_plugin_*.sh) share: pmacct
# built from ../shared/pmacct by tools/build-pmacct (cached outside the
# clone), sdd_pmacct.so built against each version, nfacctd with the plugin
# started in the harness's namespace, the captures of case 401 replayed into
# it, and the comparison with `sddctl replay`. Sourced after
# tests/harness/lib.sh and capture_401/run.sh.

PLUGIN_HERE=$SDD_SRCDIR/tests/integration/plugin
PLUGIN_VERSIONS=(1.7.9 master)

# plugin_init NAME: sdd_init NAME, then sddctl. RUN is where a run's files
# go ($SDD_TMP, or a directory in it: tests run nfacctd several times).
plugin_init() {
  sdd_init "$1"
  # set -e ends a test silently: say where
  trap 'sdd_log "failed: line $LINENO of ${BASH_SOURCE[0]##*/}: $BASH_COMMAND"' ERR
  RUN=$SDD_TMP
  sddctl=$SDD_BUILDDIR/sddctl
  [ -x "$sddctl" ] || sdd_die "$sddctl not built"
  SDD_PMACCT_SOURCES=${SDD_PMACCT_SOURCES:-$SDD_SRCDIR/../shared/pmacct}
}

# plugin_tarball VERSION: the tarball of 1.7.9 or master.
plugin_tarball() {
  local t
  case $1 in
    master) t=$(ls "$SDD_PMACCT_SOURCES"/pmacct-master-*.tar.gz 2>/dev/null | head -n 1) ;;
    *) t=$SDD_PMACCT_SOURCES/pmacct-$1.tar.gz ;;
  esac
  [ -f "$t" ] || sdd_die "no pmacct $1 tarball in $SDD_PMACCT_SOURCES"
  printf '%s\n' "$t"
}

# plugin_pmacct VERSION: sets PMACCT to its build (tools/build-pmacct: a
# few minutes the first time, then from the cache).
plugin_pmacct() {
  local tarball
  tarball=$(plugin_tarball "$1")
  PMACCT=$("$SDD_SRCDIR/tools/build-pmacct" "$tarball" 2>"$RUN/build-pmacct-$1.log" | tail -n 1) \
    || { sdd_show_tail "$RUN/build-pmacct-$1.log"; sdd_die "tools/build-pmacct $tarball"; }
  [ -x "$PMACCT/prefix/sbin/nfacctd" ] || sdd_die "no nfacctd in $PMACCT"
}

# plugin_build VERSION: sets PLUGIN to sdd_pmacct.so for that version: the
# build's own when it was configured --with-pmacct-src for it, else built
# now from the same objects (make plugin-for).
plugin_build() {
  plugin_pmacct "$1"
  if grep -q "^PMACCT_CPPFLAGS = @$PMACCT/sdd-cppflags\$" "$SDD_BUILDDIR/Makefile" &&
    [ -f "$SDD_BUILDDIR/.libs/sdd_pmacct.so" ]; then
    PLUGIN=$SDD_BUILDDIR/.libs/sdd_pmacct.so
  else
    make -s -C "$SDD_BUILDDIR" plugin-for PMACCT="$PMACCT" OUT="$RUN/plugin-$1" \
      >"$RUN/plugin-$1.log" 2>&1 || { sdd_show_tail "$RUN/plugin-$1.log"; sdd_die "make plugin-for $1"; }
    PLUGIN=$RUN/plugin-$1/.libs/sdd_pmacct.so
  fi
  sdd_log "pmacct $1: $PMACCT, plugin $PLUGIN"
}

# plugin_conf OUT KEY=VALUE...: the plugin's configuration: the engine's
# settings (engine.conf), the inventory, nfacctd's configuration, then the
# given keys.
plugin_conf() {
  local out=$1 kv
  shift
  {
    cat "$PLUGIN_HERE/engine.conf"
    echo "inventory_file: $PLUGIN_HERE/inventory.json"
    echo "pmacct_config: $RUN/nfacctd.conf"
    for kv in "$@"; do
      echo "${kv%%=*}: ${kv#*=}"
    done
  } >"$out"
}

# plugin_nfacctd_start SDDCONF: nfacctd of $PMACCT with $PLUGIN and SDDCONF,
# in the namespace, in the foreground, output to $RUN/nfacctd.out; waits
# until its collector and BMP thread wait for data and the plugin's engine
# process has started (or plugin_init failed: PLUGIN_INIT_FAILED=1).
plugin_nfacctd_start() {
  cp "$SDD_SRCDIR/conf-examples/custom-primitives.map" "$RUN/custom-primitives.map"
  sdd_render "$PLUGIN_HERE/nfacctd.conf" "$RUN/nfacctd.conf" RUN="$RUN" PLUGIN="$PLUGIN" SDDCONF="$1"
  SDD_NFACCTD_LOG=$RUN/nfacctd.log
  # shellcheck disable=SC2016
  sdd_spawn "$RUN/nfacctd.out" bash -c 'cd "$1" && exec "$2" -f "$3"' \
    nfacctd "$RUN" "$PMACCT/prefix/sbin/nfacctd" "$RUN/nfacctd.conf"
  SDD_NFACCTD_PID=$SDD_LAST_PID
  sdd_wait_for 60 "$SDD_NFACCTD_PID" "nfacctd ready" plugin_nfacctd_ready ||
    { sdd_show_tail "$RUN/nfacctd.out" "$SDD_NFACCTD_LOG"; sdd_die "nfacctd did not start"; }
  PLUGIN_INIT_FAILED=0
  grep -q 'Initialisation of custom output failed' "$SDD_NFACCTD_LOG" && PLUGIN_INIT_FAILED=1
  sdd_log "nfacctd up (pid $SDD_NFACCTD_PID), plugin init failed: $PLUGIN_INIT_FAILED"
}

plugin_nfacctd_ready() {
  grep -q 'waiting for NetFlow/IPFIX data on .*port=9991/udp' "$SDD_NFACCTD_LOG" &&
    grep -q 'waiting for BMP data on .*port=1790/tcp' "$SDD_NFACCTD_LOG" &&
    grep -Eq 'engine process [0-9]+ started|Initialisation of custom output failed' "$SDD_NFACCTD_LOG"
}

# plugin_check_log [ERE...]: nfacctd and the plugin logged no ERROR nor
# WARN, but the BMP input file not there yet (the test writes it later) and
# those the test gives.
plugin_check_log() {
  sdd_nfacctd_check_log 'WARN \( sdd/sdd \): .*: not there yet, waiting for it to appear' "$@"
}

# plugin_nfacctd_stop: nfacctd stopped as an operator does (SIGINT to its
# core: the print plugins purge a last time); waits until it is gone and the
# plugin's engine process has ended.
plugin_nfacctd_stop() {
  plugin_nfacctd_stop_core
  # the engine process ends after the print plugin's last purge
  sdd_wait_for 90 $$ "engine process end" grep -q 'engine process ends' "$SDD_NFACCTD_LOG" || {
    grep -v 'Purging cache' "$SDD_NFACCTD_LOG" | tail -n 40 >&2
    plugin_show_processes
    sdd_die "the engine process did not end"
  }
}

# plugin_show_processes: what still runs in the namespace, where it waits
# and which signals it blocks and catches (for a stop that hangs).
plugin_show_processes() {
  local pid
  for pid in $(ip netns pids "$SDD_NETNS"); do
    ps -o pid=,ppid=,stat=,wchan:24=,etime=,args= -p "$pid" >&2 || continue
    grep -E '^(SigPnd|ShdPnd|SigBlk|SigCgt|Threads)' "/proc/$pid/status" 2>/dev/null | paste -sd' ' >&2 || true
    head -n 4 "/proc/$pid/stack" 2>/dev/null | sed 's/^/    /' >&2 || true
  done
}

# plugin_nfacctd_stop_core: SIGINT to nfacctd's core, which then stops its
# plugins; waits until it and every process of this nfacctd are gone.
# pmacct's print plugin was seen (1 run in 5 or so, 1.7.9 and master, the
# plugin's [sdd] or the plain [json]) to hang in its own SIGINT handler
# before its last purge (single-threaded, SIGINT blocked, in a futex wait:
# its handler is not async-signal-safe), the core then waiting for it or
# exiting without it (docs/plugin.md). After 10 s the stuck processes get
# SIGINT again, after 20 s SIGKILL (not the plugin's engine process, which
# then stops on its own: its parent is gone). The tests wait for every
# purge they need before they stop nfacctd.
plugin_nfacctd_stop_core() {
  kill -INT "$SDD_NFACCTD_PID" 2>/dev/null || true
  local n pids
  for ((n = 0; n < 400; n++)); do
    pids=$(plugin_nfacctd_pids)
    [ -n "$pids" ] || break
    if [ "$n" = 100 ]; then
      sdd_log "nfacctd processes still there after 10 s: SIGINT to each ($pids)"
      plugin_show_processes
      # shellcheck disable=SC2086
      kill -INT $pids 2>/dev/null || true
    elif [ "$n" = 200 ]; then
      sdd_log "nfacctd processes still there after 20 s: SIGKILL to each but the engine (which then stops on its own)"
      plugin_show_processes
      plugin_kill_stuck
    fi
    sleep 0.1
  done
  if [ -n "$(plugin_nfacctd_pids)" ]; then
    sdd_show_tail "$SDD_NFACCTD_LOG"
    plugin_show_processes
    sdd_die "nfacctd still running 40 s after SIGINT (20 s after SIGKILL but to the engine)"
  fi
  wait "$SDD_NFACCTD_PID" 2>/dev/null || true
}

plugin_kill_stuck() {
  local pid
  for pid in $(plugin_nfacctd_pids); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sdd-engine ] || kill -KILL "$pid" 2>/dev/null || true
  done
}

# The processes of this test's nfacctd ($PMACCT's binary) in the namespace,
# the plugin's engine process included (a copy of the print plugin).
plugin_nfacctd_pids() {
  local pid
  for pid in $(ip netns pids "$SDD_NETNS" 2>/dev/null); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$PMACCT/prefix/sbin/nfacctd" ] || printf '%s ' "$pid"
  done
}

# plugin_replay_401: both routers' captures into nfacctd, their BMP
# sessions held until plugin_replay_stop.
PLUGIN_REPLAYERS=()
plugin_replay_401() {
  CASE_401=$SDD_CAPTURES/401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources
  capture_401_replay 90 traffic-00.pcap fd25::101 2001:db8:90::1
  PLUGIN_REPLAYERS+=("$SDD_REPLAY_PID")
  capture_401_replay 91 traffic-01.pcap fd25::102 2001:db8:91::1
  PLUGIN_REPLAYERS+=("$SDD_REPLAY_PID")
}

plugin_replay_stop() {
  local pid
  for pid in "${PLUGIN_REPLAYERS[@]}"; do
    sdd_kill_group "$pid"
  done
  PLUGIN_REPLAYERS=()
}

# plugin_wait_stable FILE SECONDS [MAX]: until FILE has lines and none came
# for SECONDS (the print plugins purge every 5 s); fails after MAX seconds
# (default 120).
plugin_wait_stable() {
  local file=$1 idle=$2 max=${3:-120} prev=-1 count=0 same=0 n
  for ((n = 0; n < max * 2; n++)); do
    count=0
    [ ! -f "$file" ] || count=$(wc -l <"$file")
    if [ "$count" -gt 0 ] && [ "$count" = "$prev" ]; then
      same=$((same + 1))
      [ $((same / 2)) -lt "$idle" ] || return 0
    else
      same=0
    fi
    prev=$count
    sleep 0.5
  done
  sdd_show_tail "$SDD_NFACCTD_LOG"
  sdd_die "$file: not stable after $max s ($count lines)"
}

# plugin_bmp_input OUT [late]: nfacctd's BMP msglog of the captures, then
# what the captures lack (generated): the CE peer fd00::2 of customer-12
# going down a minute after the last route or peer up (by the routers'
# clock: nfacctd's own log_init and log_close lines carry its clock), and
# with `late` a route update of the same router four hours later, which
# closes every slot before it. Written to a temporary name and renamed: the
# plugin follows OUT. Sets PLUGIN_BMP_LAST to that last time.
plugin_bmp_input() {
  local out=$1
  plugin_wait_stable "$RUN/bmp.msglog" 3
  PLUGIN_BMP_LAST=$(/usr/bin/python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(max(int(float(r["timestamp"])) for r in recs if r.get("bmp_msg_type") in ("route_monitor", "peer_up")))' "$RUN/bmp.msglog")
  {
    cat "$RUN/bmp.msglog"
    plugin_bmp_line $((PLUGIN_BMP_LAST + 60)) peer_down ', "reason_type": 3'
    [ "${2:-}" != late ] || plugin_bmp_late
  } >"$out.tmp"
  mv "$out.tmp" "$out"
}

plugin_bmp_late() {
  plugin_bmp_line $((PLUGIN_BMP_LAST + 4 * 3600)) route_monitor ', "log_type": "update", "ip_prefix": "fd00:12::/64", "bgp_nexthop": "fd00::2"'
}

plugin_bmp_line() { # TIME TYPE EXTRA
  printf '{"event_type": "log", "timestamp": "%d", "bmp_router": "fd25::101", "bmp_msg_type": "%s", "peer_ip": "fd00::2", "peer_type": 1, "rd": "2:4226809946:12"%s}\n' \
    "$1" "$2" "$3"
}

# plugin_same_as_replay NAME OUT: the plugin's notifications (OUT) are
# those of `sddctl replay` over the JSON flows and the BMP input of the
# same run, and there is at least one.
plugin_same_as_replay() {
  local name=$1 out=$2
  plugin_conf "$RUN/$name.replay.conf"
  sed -i '/^pmacct_config:/d' "$RUN/$name.replay.conf"
  "$sddctl" replay --config "$RUN/$name.replay.conf" --flows "$RUN/flows.json" \
    --bmp "$RUN/bmp.json" --out "$RUN/$name.replay.json" --stats 2>"$RUN/$name.replay.log" ||
    { sdd_show_tail "$RUN/$name.replay.log"; sdd_die "sddctl replay"; }
  [ -s "$RUN/$name.replay.json" ] || sdd_die "$name: the input gives no notification"
  if ! cmp "$RUN/$name.replay.json" "$out"; then
    diff <(cut -c1-300 "$RUN/$name.replay.json") <(cut -c1-300 "$out") | head -n 20 >&2 || true
    sdd_die "$name: the plugin's notifications differ from replay's"
  fi
  sdd_log "$name: $(wc -l <"$out") notifications, identical to replay's"
}

# counter_at_least LOG NAME MIN: the last counters line of LOG has NAME >= MIN
# (counter: sddd-helpers.sh).
counter_at_least() {
  [ "$(counter "$1" "$2")" -ge "$3" ]
}
