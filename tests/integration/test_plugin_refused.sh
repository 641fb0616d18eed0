#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sdd_pmacct.so refused by its own plugin_init, with a
# clear message in nfacctd's log, while nfacctd goes on collecting for its
# other plugins (the print plugin [json] here):
# - built against pmacct master, loaded by nfacctd 1.7.9: its structs would
#   be misread, so it names both builds;
# - a configuration with flow_input set (the flows come from nfacctd);
# - a configuration with a key nobody knows: file and line named;
# - a configuration without pmacct_config.
# In the first two cases the captures of case 401 are replayed and the
# [json] plugin must write them. Then the plugin's engine process is killed
# under a running nfacctd: every purge logs that its aggregates are lost,
# and nfacctd goes on. pmacct's own behaviour: the print plugin
# logs "Initialisation of custom output failed: <our text>" and exits; the
# core logs that it lost that plugin and goes on with the others.
#
# Takes about 1 min with pmacct cached. Needs root; runs only with
# SDD_INTEGRATION=1 (exit 77 otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/capture_401/run.sh"
. "$(dirname "$0")/plugin/lib.sh"
plugin_init plugin_refused

sdd_netns_up fd25::101 fd25::102
plugin_build master
master_plugin=$PLUGIN
plugin_build 1.7.9

# refused CASE TEXT REPLAY [KEY=VALUE | -KEY]...: nfacctd 1.7.9 with
# $PLUGIN and a configuration with those keys added (or removed); plugin_init
# must fail with TEXT in the log.
refused() {
  local name=$1 text=$2 replay=$3 kv add=()
  shift 3
  RUN=$SDD_TMP/$name
  mkdir -p "$RUN"
  for kv in "$@"; do
    case $kv in -*) ;; *) add+=("$kv") ;; esac
  done
  plugin_conf "$RUN/sdd.conf" "bmp_input=file:$RUN/bmp.json" "output=file:$RUN/notifications.json" ${add[@]+"${add[@]}"}
  for kv in "$@"; do
    case $kv in -*) sed -i "/^${kv#-}:/d" "$RUN/sdd.conf" ;; esac
  done
  plugin_nfacctd_start "$RUN/sdd.conf"
  [ "$PLUGIN_INIT_FAILED" = 1 ] || { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "$name: plugin_init did not fail"; }
  grep -F "Initialisation of custom output failed: " "$SDD_NFACCTD_LOG" | grep -qF -- "$text" ||
    { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "$name: not in nfacctd's log: $text"; }
  sdd_log "$name: $(grep -F 'Initialisation of custom output failed' "$SDD_NFACCTD_LOG" | cut -c1-400)"
  if [ "$replay" = replay ]; then
    plugin_replay_401
    plugin_wait_stable "$RUN/flows.json" 6
    sdd_nfacctd_alive
    sdd_log "$name: nfacctd went on: the [json] plugin wrote $(wc -l <"$RUN/flows.json") aggregates"
    plugin_replay_stop
  fi
  sdd_nfacctd_alive
  plugin_nfacctd_stop_core
}

good=$PLUGIN
PLUGIN=$master_plugin
refused wrong_tree "sdd_pmacct.so was built against another nfacctd build: build it against the tree of this one (tools/build-pmacct, configure --with-pmacct-src); it was built for pmacct 1.8.1-git" replay
PLUGIN=$good
refused flow_input "flow_input: the flows come from nfacctd's print plugin: leave flow_input empty" replay \
  "flow_input=file:$SDD_TMP/flows.json"
refused unknown_key "sdd.conf:" no "no_such_key=1"
grep -F 'Initialisation of custom output failed' "$SDD_NFACCTD_LOG" | grep -q "no_such_key" ||
  sdd_die "unknown_key: the key is not named"
refused no_pmacct_config "pmacct_config is not set" no -pmacct_config

# The engine process killed under a running nfacctd: each purge says its
# aggregates are lost, nfacctd goes on.
RUN=$SDD_TMP/engine_killed
mkdir -p "$RUN"
plugin_conf "$RUN/sdd.conf" "bmp_input=file:$RUN/bmp.json" "output=file:$RUN/notifications.json"
plugin_nfacctd_start "$RUN/sdd.conf"
engine=$(sed -n 's/.*engine process \([0-9]*\) started.*/\1/p' "$SDD_NFACCTD_LOG" | tail -n 1)
[ -n "$engine" ] || sdd_die "engine_killed: no engine process"
kill -KILL "$engine"
plugin_replay_401
plugin_wait_stable "$RUN/flows.json" 6
plugin_replay_stop
sdd_nfacctd_alive
grep -q "ERROR ( sdd/sdd ): the engine process $engine is gone: the [0-9]* aggregates of this purge are lost" "$SDD_NFACCTD_LOG" ||
  { sdd_show_tail "$SDD_NFACCTD_LOG"; sdd_die "engine_killed: the lost purges are not logged"; }
sdd_log "engine_killed: $(grep -c "engine process $engine is gone" "$SDD_NFACCTD_LOG") purges logged as lost; the [json] plugin wrote $(wc -l <"$RUN/flows.json") aggregates"
plugin_nfacctd_stop_core
sdd_log "PASS"
