# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The integration-test harness: sourced by every tests/integration/test_*.sh.
#
# It gives a test its own network namespace (UDP sent to nfacctd in the default
# namespace was seen not to arrive on these machines; a namespace of our own
# also means fixed ports cannot collide with anything), a one-node KRaft Kafka
# broker, Debian's nfacctd, the capture replayer and a kcat consumer, and a
# cleanup that leaves nothing behind: every process the harness started is
# killed with its whole process group, then whatever still runs in the
# namespace, then the namespace and the temporary directory are deleted, on
# EXIT, INT and TERM alike. Safe under `set -euo pipefail`.
#
# Usage in a test:
#   . "$(dirname "$0")/../harness/lib.sh"
#   sdd_init capture_401                # exits 77 (skip) unless SDD_INTEGRATION=1
#   sdd_netns_up fd25::101 fd25::102    # router source addresses on lo
#   sdd_kafka_start
#   sdd_kafka_topic daisy.flow daisy.bmp
#   sdd_render nfacctd.conf "$SDD_TMP/nfacctd.conf" NAME=VALUE...
#   sdd_nfacctd_start "$SDD_TMP/nfacctd.conf" 9991 1790
#   sdd_replay --pcap ... --source ...  # or sdd_replay_start/sdd_replay_wait
#   sdd_consume daisy.bmp "$SDD_TMP/bmp.json" --idle 5
#
# Environment: SDD_INTEGRATION=1 to run; SDD_SRCDIR, SDD_BUILDDIR (make check
# exports both); SDD_CAPTURES (default $SDD_SRCDIR/../shared/captures);
# SDD_KAFKA_HOME (default /var/cache/pmacct-sdd/kafka-3.9.1, filled by
# tests/harness/fetch-kafka); SDD_REGISTRY_HOME (default
# /var/cache/pmacct-sdd/registry-2.4.2.Final, filled by
# tests/harness/fetch-registry); SDD_KEEP_TMP=1 keeps the temporary directory (all
# logs and records) for a post-mortem, SDD_KEEP_TMP=fail only when the test
# fails.

# Exit codes understood by automake's test driver.
SDD_SKIP=77
SDD_HARD_ERROR=99

SDD_KAFKA_VERSION=3.9.1
SDD_KAFKA_PORT=9092
SDD_KAFKA_CONTROLLER_PORT=9093
SDD_KAFKA_BROKER=127.0.0.1:$SDD_KAFKA_PORT
# A fixed cluster id (16 bytes, base64url): each run formats a new log
# directory anyway, and a fixed id keeps the broker log the same between runs.
SDD_KAFKA_CLUSTER_ID=c2RkLWhhcm5lc3MtMDAxAA

SDD_PIDS=()
SDD_NETNS=
SDD_TMP=
SDD_TEST=

sdd_log() {
  printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${SDD_TEST:-harness}" "$*" >&2
}

sdd_die() {
  sdd_log "FAIL: $*"
  exit 1
}

# sdd_init NAME: skip unless asked for, check the prerequisites, make the
# temporary directory and install the cleanup. Prerequisites missing while
# SDD_INTEGRATION=1 are a hard error, not a skip: whoever set it wants the run.
sdd_init() {
  SDD_TEST=$1
  if [ "${SDD_INTEGRATION:-0}" != 1 ]; then
    echo "SKIP: integration test $SDD_TEST (set SDD_INTEGRATION=1 to run it, as root)"
    exit $SDD_SKIP
  fi
  if [ -z "${SDD_SRCDIR:-}" ] || [ -z "${SDD_BUILDDIR:-}" ]; then
    sdd_log "SDD_SRCDIR and SDD_BUILDDIR must point at the source and build trees (make check exports them)"
    exit $SDD_HARD_ERROR
  fi
  SDD_CAPTURES=${SDD_CAPTURES:-$SDD_SRCDIR/../shared/captures}
  SDD_KAFKA_HOME=${SDD_KAFKA_HOME:-/var/cache/pmacct-sdd/kafka-$SDD_KAFKA_VERSION}
  if [ "$(id -u)" -ne 0 ]; then
    sdd_log "needs root (network namespaces)"
    exit $SDD_HARD_ERROR
  fi
  local tool
  for tool in ip ss ps setsid nfacctd kcat java /usr/bin/python3; do
    if ! command -v "$tool" >/dev/null; then
      sdd_log "missing $tool: run tools/install-deps"
      exit $SDD_HARD_ERROR
    fi
  done
  if [ ! -f "$SDD_KAFKA_HOME/kafka_2.13-$SDD_KAFKA_VERSION.jar" ]; then
    sdd_log "no Kafka jars in $SDD_KAFKA_HOME: run tests/harness/fetch-kafka (or tools/install-deps --kafka)"
    exit $SDD_HARD_ERROR
  fi
  if [ ! -d "$SDD_CAPTURES" ]; then
    sdd_log "no captures in $SDD_CAPTURES (set SDD_CAPTURES)"
    exit $SDD_HARD_ERROR
  fi
  sdd_sweep_stale
  SDD_T0=$(date +%s)
  trap sdd_cleanup EXIT
  trap 'sdd_log "interrupted"; exit 130' INT
  trap 'sdd_log "terminated"; exit 143' TERM
  SDD_TMP=$(mktemp -d "/tmp/sdd-$SDD_TEST-$$.XXXXXX")
  echo "$$" >"$SDD_TMP/.sdd-harness"
  sdd_log "temporary directory $SDD_TMP"
}

# What this harness made for a test whose shell is gone (killed with
# SIGKILL, so its cleanup never ran): the processes in its namespace, the
# namespace, its temporary directory. Found through the mark the harness puts
# in its temporary directories (the pid of the test's shell): those of live
# tests, and anything the harness did not make, are left alone.
sdd_sweep_stale() {
  local mark dir pid ns
  for mark in /tmp/sdd-*-*.*/.sdd-harness; do
    [ -f "$mark" ] || continue
    dir=${mark%/.sdd-harness}
    pid=$(cat "$mark")
    [[ $pid =~ ^[0-9]+$ ]] || continue
    kill -0 "$pid" 2>/dev/null && continue
    ns=${dir#/tmp/}
    ns=${ns%.*}
    sdd_netns_remove "$ns"
    sdd_log "removing stale temporary directory $dir"
    rm -rf "$dir"
  done
}

# sdd_netns_remove NAME: kill what runs in the namespace NAME, if it exists,
# and delete it.
sdd_netns_remove() {
  local ns=$1 left
  [[ $'\n'$(ip netns list | awk '{print $1}')$'\n' == *$'\n'"$ns"$'\n'* ]] || return 0
  left=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  sdd_log "removing namespace $ns${left:+ and its processes $left}"
  # shellcheck disable=SC2086
  [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
  sleep 0.2
  ip netns del "$ns" 2>/dev/null || sdd_log "could not delete namespace $ns"
}

# The cleanup: the processes in the reverse order of their start (replayers,
# consumers and nfacctd before Kafka), then anything still inside the
# namespace, then the namespace and the temporary directory.
sdd_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  local i
  for ((i = ${#SDD_PIDS[@]} - 1; i >= 0; i--)); do
    sdd_kill_group "${SDD_PIDS[i]}"
  done
  [ -z "$SDD_NETNS" ] || sdd_netns_remove "$SDD_NETNS"
  if [ -n "$SDD_TMP" ] && [ -d "$SDD_TMP" ]; then
    if [ "${SDD_KEEP_TMP:-0}" = 1 ] || { [ "${SDD_KEEP_TMP:-0}" = fail ] && [ "$rc" -ne 0 ]; }; then
      rm -f "$SDD_TMP/.sdd-harness"
      sdd_log "kept $SDD_TMP"
    else
      rm -rf "$SDD_TMP"
    fi
  fi
  sdd_log "exit $rc after $(($(date +%s) - SDD_T0)) s"
  exit "$rc"
}

# sdd_kill_group PID: TERM the process group PID leads, KILL it after 10 s.
# Only a child of this shell is signalled (a pid the system gave to another
# process after ours ended is left alone), and as a group only when it leads
# one (sdd_spawn makes one), never the group of this shell. What a dead
# leader leaves behind is inside the namespace, where the cleanup finds it.
sdd_kill_group() {
  local pid=$1 pgid ppid n
  read -r pgid ppid < <(ps -o pgid=,ppid= -p "$pid" 2>/dev/null) || true
  [ -n "${pgid:-}" ] && [ "${ppid:-}" = "$$" ] || return 0
  if [ "$pgid" = "$pid" ]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for ((n = 0; n < 100; n++)); do
    kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 -- "-$pid" 2>/dev/null; then
    sdd_log "process group $pid still there after 10 s: KILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# sdd_netns_up ADDR...: make the namespace sdd-<test>-<pid>, loopback up, and
# the given router source addresses (IPv4 or IPv6) on lo, so that a replayer
# can bind them as the routers' addresses.
sdd_netns_up() {
  SDD_NETNS="sdd-$SDD_TEST-$$"
  # Left by a killed test whose shell had the pid this one has now?
  sdd_netns_remove "$SDD_NETNS"
  ip netns add "$SDD_NETNS" || sdd_die "ip netns add $SDD_NETNS"
  ip -n "$SDD_NETNS" link set lo up || sdd_die "loopback up in $SDD_NETNS"
  # getaddrinfo(AI_ADDRCONFIG), as librdkafka calls it, refuses an IPv4 name
  # ("Address family for hostname not supported") when no IPv4 address other
  # than 127.0.0.1 is configured, and the same for IPv6 with ::1: one more
  # address of each family on lo, outside any capture's addresses, keeps both
  # families usable whatever the routers' addresses are.
  local a
  for a in 127.0.0.254 fd00:5dd::1 "$@"; do
    case $a in
      *:*) ip -n "$SDD_NETNS" -6 addr add "$a/128" dev lo nodad || sdd_die "address $a" ;;
      *) ip -n "$SDD_NETNS" -4 addr add "$a/32" dev lo || sdd_die "address $a" ;;
    esac
  done
  sdd_log "namespace $SDD_NETNS up with ${*:-no extra address}"
}

# sdd_ns CMD...: run CMD inside the namespace, in the foreground.
sdd_ns() {
  ip netns exec "$SDD_NETNS" "$@"
}

# sdd_spawn LOG CMD...: start CMD in the background inside the namespace as the
# leader of a new process group (setsid does not fork here: a background job
# of a non-interactive shell is not a group leader), stdout and stderr to LOG,
# or stderr to $SDD_SPAWN_ERR when that is set. Sets SDD_LAST_PID. Never call
# it in a subshell: the cleanup would not know the process.
sdd_spawn() {
  local log=$1
  shift
  if [ -n "${SDD_SPAWN_ERR:-}" ]; then
    setsid ip netns exec "$SDD_NETNS" "$@" </dev/null >"$log" 2>"$SDD_SPAWN_ERR" &
  else
    setsid ip netns exec "$SDD_NETNS" "$@" </dev/null >"$log" 2>&1 &
  fi
  SDD_LAST_PID=$!
  SDD_PIDS+=("$SDD_LAST_PID")
}

# sdd_wait_for SECONDS PID WHAT CMD...: run CMD every 0.2 s until it succeeds;
# fail (return 1) if PID is gone or SECONDS passed.
sdd_wait_for() {
  local seconds=$1 pid=$2 what=$3
  shift 3
  local deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      sdd_log "$what: process $pid exited"
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      sdd_log "$what: not ready after $seconds s"
      return 1
    fi
    sleep 0.2
  done
}

sdd_show_tail() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "----- last lines of $f" >&2
    tail -n 30 "$f" >&2
  done
}

# sdd_kafka_start: format a KRaft log directory and run one combined
# broker/controller on 127.0.0.1:9092 inside the namespace (heap at most
# 512 MiB: the machines have two cores and tests run beside each other).
# Waits until it answers a metadata request; if it does not, shows the tail
# of the broker log.
sdd_kafka_start() {
  local dir=$SDD_TMP/kafka
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$SDD_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$SDD_KAFKA_PORT,CONTROLLER://127.0.0.1:$SDD_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$SDD_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# transactions past their timeout are aborted within half a second (not 10 s)
transaction.abort.timed.out.transaction.cleanup.interval.ms=500
group.initial.rebalance.delay.ms=0
# Topics are made by the test (sdd_kafka_topic) with one partition, so that
# what a consumer reads is one ordered log and nothing depends on when a
# producer's first metadata request happens to come.
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=2
background.threads=2
EOF
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  SDD_JAVA_OPTS=(-Xms128m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true
    -Dlog4j.configuration="file:$dir/log4j.properties" -Dkafka.logs.dir="$dir")
  java "${SDD_JAVA_OPTS[@]}" -cp "$SDD_KAFKA_HOME/*" kafka.tools.StorageTool format \
    -t "$SDD_KAFKA_CLUSTER_ID" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
    || { sdd_show_tail "$dir/format.log"; sdd_die "kafka storage format"; }
  sdd_spawn "$dir/stdout.log" java "${SDD_JAVA_OPTS[@]}" -cp "$SDD_KAFKA_HOME/*" \
    kafka.Kafka "$dir/server.properties"
  SDD_KAFKA_PID=$SDD_LAST_PID
  if ! sdd_wait_for "${SDD_KAFKA_TIMEOUT:-90}" "$SDD_KAFKA_PID" "kafka" \
    sdd_ns kcat -L -b "$SDD_KAFKA_BROKER" -m 2; then
    sdd_show_tail "$dir/stdout.log" "$dir/broker.log"
    sdd_die "kafka did not start"
  fi
  sdd_log "kafka $SDD_KAFKA_VERSION up on $SDD_KAFKA_BROKER (pid $SDD_KAFKA_PID)"
}

# sdd_kafka_restart: the broker that sdd_kafka_start started and the test
# stopped (sdd_kill_group "$SDD_KAFKA_PID"), started again on its log
# directory; waits until it answers.
sdd_kafka_restart() {
  local dir=$SDD_TMP/kafka
  sdd_spawn "$dir/stdout.again.log" java "${SDD_JAVA_OPTS[@]}" -cp "$SDD_KAFKA_HOME/*" \
    kafka.Kafka "$dir/server.properties"
  SDD_KAFKA_PID=$SDD_LAST_PID
  sdd_wait_for 90 "$SDD_KAFKA_PID" "kafka again" sdd_ns kcat -L -b "$SDD_KAFKA_BROKER" -m 2 \
    || { sdd_show_tail "$dir/broker.log"; sdd_die "kafka did not start again"; }
  sdd_log "kafka up again"
}

# sdd_kafka_topic [--partitions N] TOPIC...: create topics with one partition
# (or N) (TopicCommand of kafka-tools), then wait until each partition has a
# leader.
sdd_kafka_topic() {
  local t partitions=1
  if [ "${1:-}" = --partitions ]; then
    partitions=$2
    shift 2
  fi
  for t in "$@"; do
    sdd_ns java "${SDD_JAVA_OPTS[@]}" -cp "$SDD_KAFKA_HOME/*" org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "$SDD_KAFKA_BROKER" --create --topic "$t" \
      --partitions "$partitions" --replication-factor 1 >"$SDD_TMP/kafka/topic-$t.log" 2>&1 \
      || { sdd_show_tail "$SDD_TMP/kafka/topic-$t.log"; sdd_die "create topic $t"; }
    sdd_wait_for 30 "$SDD_KAFKA_PID" "topic $t" sdd_topic_has_leader "$t" "$partitions" \
      || sdd_die "topic $t has no leader"
  done
  sdd_log "topics: $*"
}

sdd_topic_has_leader() { # TOPIC [PARTITIONS]
  local meta p
  meta=$(sdd_ns kcat -L -b "$SDD_KAFKA_BROKER" -t "$1" -m 2 2>&1) || return 1
  for ((p = 0; p < ${2:-1}; p++)); do
    [[ $meta == *"partition $p, leader 1"* ]] || return 1
  done
}

# sdd_render TEMPLATE OUT [NAME=VALUE]...: copy TEMPLATE to OUT replacing each
# @NAME@ by VALUE; @RUNDIR@ (the temporary directory), @KAFKA_HOST@ and
# @KAFKA_PORT@ are always given. Fails when a placeholder is left.
sdd_render() {
  local in=$1 out=$2
  shift 2
  local script=(-e "s|@RUNDIR@|$SDD_TMP|g" -e "s|@KAFKA_HOST@|127.0.0.1|g"
    -e "s|@KAFKA_PORT@|$SDD_KAFKA_PORT|g")
  local kv
  for kv in "$@"; do
    script+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
  done
  sed "${script[@]}" "$in" >"$out" || sdd_die "render $in"
  if grep -n '@[A-Z_]*@' "$out" >&2; then
    sdd_die "placeholders left in $out"
  fi
}

# sdd_nfacctd_start CONF [UDP_PORT] [TCP_PORT]: run Debian's nfacctd in the
# foreground (CONF says daemonize: false and has a logfile) inside the
# namespace, stdout and stderr to $SDD_TMP/nfacctd.out, and wait until it
# listens on the IPFIX UDP port and the BMP TCP port given, and its log says
# that the collector and the BMP thread wait for data: the BMP thread
# comes up a few seconds before the IPFIX collector reads its socket.
sdd_nfacctd_start() {
  local conf=$1 udp=${2:-} tcp=${3:-}
  SDD_NFACCTD_LOG=$(sed -n 's/^[[:space:]]*logfile:[[:space:]]*//p' "$conf")
  [ -n "$SDD_NFACCTD_LOG" ] || sdd_die "$conf has no logfile"
  # In the temporary directory with core dumps on: if it crashes, the core
  # (core_pattern permitting) is there for sdd_nfacctd_alive to show.
  # shellcheck disable=SC2016
  sdd_spawn "$SDD_TMP/nfacctd.out" bash -c 'cd "$1" && ulimit -c unlimited && exec nfacctd -f "$2"' \
    nfacctd "$SDD_TMP" "$conf"
  SDD_NFACCTD_PID=$SDD_LAST_PID
  local ok=true
  if [ -n "$udp" ]; then
    sdd_wait_for 60 "$SDD_NFACCTD_PID" "nfacctd udp/$udp" sdd_listens -u "$udp" &&
      sdd_wait_for 60 "$SDD_NFACCTD_PID" "nfacctd IPFIX collector" \
        grep -q "waiting for NetFlow/IPFIX data on .*:$udp\$" "$SDD_NFACCTD_LOG" || ok=false
  fi
  if [ -n "$tcp" ] && $ok; then
    sdd_wait_for 60 "$SDD_NFACCTD_PID" "nfacctd tcp/$tcp" sdd_listens -t "$tcp" &&
      sdd_wait_for 60 "$SDD_NFACCTD_PID" "nfacctd BMP thread" \
        grep -q "waiting for BMP data on .*:$tcp\$" "$SDD_NFACCTD_LOG" || ok=false
  fi
  if ! $ok; then
    sdd_show_tail "$SDD_TMP/nfacctd.out" "$SDD_NFACCTD_LOG"
    sdd_die "nfacctd did not start"
  fi
  sdd_log "nfacctd up (pid $SDD_NFACCTD_PID) on ${udp:+udp/$udp }${tcp:+tcp/$tcp}"
}

# sdd_nfacctd_alive: fail if nfacctd is gone (it should run until the
# cleanup), with its exit status, the tail of its log, and the backtrace of
# its core dump if there is one and gdb is installed.
sdd_nfacctd_alive() {
  kill -0 "$SDD_NFACCTD_PID" 2>/dev/null && return 0
  local status=0 core
  wait "$SDD_NFACCTD_PID" 2>/dev/null || status=$?
  sdd_show_tail "$SDD_NFACCTD_LOG" "$SDD_TMP/nfacctd.out"
  for core in "$SDD_TMP"/core*; do
    [ -f "$core" ] || continue
    sdd_log "core dump $core (SDD_KEEP_TMP=fail keeps it)"
    if command -v gdb >/dev/null; then
      gdb -batch -ex 'info threads' -ex 'thread apply all bt' "$(command -v nfacctd)" "$core" 2>&1 \
        | grep -E '^(#|Thread|\*| +[0-9]+ +Thread)' | head -n 80 >&2 || true
    fi
  done
  if [ "$status" -gt 128 ]; then
    sdd_die "nfacctd died during the test, signal $((status - 128)) ($(kill -l $((status - 128))))"
  fi
  sdd_die "nfacctd exited during the test with status $status"
}

sdd_listens() {
  [ -n "$(sdd_ns ss -Hln "$1" "sport = :$2")" ]
}

# sdd_nfacctd_check_log [ERE...]: fail when nfacctd wrote an ERROR or WARN
# line (to its logfile, or to stdout/stderr before it opened it) that matches
# none of the given extended regular expressions (the known ones, each with
# its reason in the test).
sdd_nfacctd_check_log() {
  sdd_nfacctd_alive
  local bad
  bad=$(cat "$SDD_NFACCTD_LOG" "$SDD_TMP/nfacctd.out" 2>/dev/null | grep -E 'ERROR|WARN' || true)
  local re
  for re in "$@"; do
    bad=$(printf '%s\n' "$bad" | grep -Ev -- "$re" || true)
  done
  if [ -n "$bad" ]; then
    printf '%s\n' "$bad" >&2
    sdd_die "nfacctd logged the ERROR/WARN lines above"
  fi
}

# sdd_nfacctd_expect_log LINE...: each LINE (a fixed string) must be in
# nfacctd's log, in this order, other lines in between allowed.
sdd_nfacctd_expect_log() {
  local from=1 line n
  for line in "$@"; do
    n=$(tail -n "+$from" "$SDD_NFACCTD_LOG" | grep -nF -m1 -- "$line" | cut -d: -f1 || true)
    [ -n "$n" ] || { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "not in nfacctd's log (in order): $line"; }
    from=$((from + n))
  done
}

# sdd_replay ARGS...: run sdd-pcap-replay inside the namespace in the
# foreground; its summary goes to the test's stderr.
sdd_replay() {
  sdd_replay_tool
  sdd_ns "$SDD_REPLAY" "$@" >&2 || { sdd_nfacctd_alive; sdd_die "sdd-pcap-replay $* failed"; }
}

# sdd_replay_start LOG ARGS...: run sdd-pcap-replay in the background (for a
# router whose BMP session stays up: --hold), output to LOG.
sdd_replay_start() {
  local log=$1
  shift
  sdd_replay_tool
  sdd_spawn "$log" "$SDD_REPLAY" "$@"
  SDD_REPLAY_PID=$SDD_LAST_PID
}

# sdd_replay_wait LOG [SECONDS]: wait until the replayer of LOG has sent
# everything (it prints its summary then, before holding the sessions).
sdd_replay_wait() {
  local log=$1 seconds=${2:-120}
  if ! sdd_wait_for "$seconds" "$SDD_REPLAY_PID" "replay" grep -q ' packets read, ' "$log"; then
    sdd_show_tail "$log"
    sdd_nfacctd_alive
    sdd_die "replay did not finish sending"
  fi
  cat "$log" >&2
}

sdd_replay_tool() {
  SDD_REPLAY=$SDD_BUILDDIR/sdd-pcap-replay
  [ -x "$SDD_REPLAY" ] || sdd_die "$SDD_REPLAY is not built (make sdd-pcap-replay)"
}

# sdd_consume TOPIC OUTFILE [N | --idle SECONDS]: read TOPIC from the
# beginning into OUTFILE, one record a line, until N records are there, or
# (default) until no record came for SECONDS (default 5) seconds, counted from
# the start too. Bounded by SDD_CONSUME_TIMEOUT (default 300 s) in all cases.
# Sets SDD_CONSUMED to the number of records.
sdd_consume() {
  local topic=$1 out=$2 want='' idle=5
  case ${3:-} in
    --idle) idle=$4 ;;
    '') ;;
    *) want=$3 ;;
  esac
  : >"$out"   # there before the background kcat opens it: counted at once
  SDD_SPAWN_ERR=$out.kcat.log sdd_spawn "$out" \
    kcat -C -b "$SDD_KAFKA_BROKER" -t "$topic" -o beginning -u -q -f '%s\n'
  local pid=$SDD_LAST_PID
  local start now last_change count prev=-1
  start=$(date +%s)
  last_change=$start
  while :; do
    count=$(wc -l <"$out")
    now=$(date +%s)
    if [ "$count" != "$prev" ]; then
      prev=$count
      last_change=$now
    fi
    if [ -n "$want" ] && [ "$count" -ge "$want" ]; then break; fi
    if [ -z "$want" ] && [ $((now - last_change)) -ge "$idle" ]; then break; fi
    if [ $((now - start)) -ge "${SDD_CONSUME_TIMEOUT:-300}" ]; then
      sdd_log "consume $topic: timeout with $count records"
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      sdd_show_tail "$out.kcat.log"
      sdd_die "consume $topic: kcat exited"
    fi
    sleep 0.5
  done
  sdd_kill_group "$pid"
  SDD_CONSUMED=$(wc -l <"$out")
  sdd_log "consumed $SDD_CONSUMED records from $topic"
}

# sdd_compare WHAT EXPECTED ACTUAL RULES...: compare the records with
# tests/harness/compare-records; its report goes to the test's output and to
# $SDD_TMP/compare-WHAT.txt. Fails the test on a mismatch.
sdd_compare() {
  local what=$1 expected=$2 actual=$3
  shift 3
  local report=$SDD_TMP/compare-$what.txt
  if /usr/bin/python3 "$SDD_SRCDIR/tests/harness/compare-records" "$@" "$expected" "$actual" >"$report" 2>&1; then
    cat "$report" >&2
    sdd_log "$what: every expected record found"
  else
    cat "$report" >&2
    sdd_die "$what: the records differ from $expected (report above)"
  fi
}

# sdd_compare_must_fail WHAT EXPECTED ACTUAL LINE FIELD JSON TEXT RULES...:
# the proof that the comparison can fail on these very records: record LINE
# of EXPECTED gets FIELD set to JSON, and the comparison of that broken
# expectation must fail with TEXT in its report.
sdd_compare_must_fail() {
  local what=$1 expected=$2 actual=$3 line=$4 field=$5 value=$6 text=$7
  shift 7
  local broken=$SDD_TMP/broken-$what.json report=$SDD_TMP/compare-broken-$what.txt
  /usr/bin/python3 - "$expected" "$broken" "$line" "$field" "$value" <<'PY' || sdd_die "cannot break $expected"
import json, sys
src, dst, line, field, value = sys.argv[1:]
with open(src) as f, open(dst, "w") as out:
    for n, text in enumerate(f, 1):
        if n == int(line):
            rec = json.loads(text)
            rec[field] = json.loads(value)
            text = json.dumps(rec) + "\n"
        out.write(text)
PY
  if /usr/bin/python3 "$SDD_SRCDIR/tests/harness/compare-records" --max-shown 1 "$@" "$broken" "$actual" >"$report" 2>&1; then
    cat "$report" >&2
    sdd_die "$what: a broken expectation (line $line, $field=$value) passed the comparison"
  fi
  if ! grep -qF -- "$text" "$report"; then
    cat "$report" >&2
    sdd_die "$what: the broken expectation failed without '$text' in the report"
  fi
  sed 's/^/    | /' "$report" | head -n 20 >&2
  sdd_log "$what: the broken expectation (line $line: $field=$value) fails as it must"
}

# ---- schema registry ---------------------------------------------------------

SDD_REGISTRY_VERSION=2.4.2.Final
SDD_REGISTRY_PORT=8081
# The base of its Confluent-compatible API, as sddd's schema_registry takes it.
SDD_REGISTRY_URL=http://127.0.0.1:$SDD_REGISTRY_PORT/apis/ccompat/v7

# sdd_registry_start: run Apicurio Registry (in-memory storage; built by
# tests/harness/fetch-registry) on 127.0.0.1:8081 inside the namespace, heap
# at most 256 MiB, its temporary files in $SDD_TMP/registry. Waits until its
# Confluent-compatible API answers; if it does not, shows the tail of its log.
# Stopped by the cleanup like every process sdd_spawn starts.
sdd_registry_start() {
  SDD_REGISTRY_HOME=${SDD_REGISTRY_HOME:-/var/cache/pmacct-sdd/registry-$SDD_REGISTRY_VERSION}
  if [ ! -f "$SDD_REGISTRY_HOME/apicurio-registry.jar" ]; then
    sdd_log "no Apicurio Registry in $SDD_REGISTRY_HOME: run tests/harness/fetch-registry (or tools/install-deps --kafka)"
    exit $SDD_HARD_ERROR
  fi
  local dir=$SDD_TMP/registry
  mkdir -p "$dir"
  sdd_spawn "$dir/stdout.log" java -Xms64m -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true \
    -Djava.io.tmpdir="$dir" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$SDD_REGISTRY_PORT \
    -jar "$SDD_REGISTRY_HOME/apicurio-registry.jar"
  SDD_REGISTRY_PID=$SDD_LAST_PID
  if ! sdd_wait_for "${SDD_REGISTRY_TIMEOUT:-90}" "$SDD_REGISTRY_PID" "registry" sdd_registry_get /subjects; then
    sdd_show_tail "$dir/stdout.log"
    sdd_die "the schema registry did not start"
  fi
  sdd_log "Apicurio Registry $SDD_REGISTRY_VERSION up on $SDD_REGISTRY_URL (pid $SDD_REGISTRY_PID)"
}

# sdd_registry_get /PATH: GET $SDD_REGISTRY_URL/PATH from inside the
# namespace; the body on stdout; fails on an HTTP error or no answer.
sdd_registry_get() {
  sdd_ns /usr/bin/python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$SDD_REGISTRY_URL$1"
}
