#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_sddd_backlog.sh: sddd started on files that already hold days of
# records (a backlog: a first start, a restart after downtime) gives the
# notifications `sddctl replay` gives for the same files, byte for byte:
# its inputs are merged by event time, none is read a megabyte at a time
# ahead of the others. Also: the caps, replay leaving sddd's stores alone,
# and sddd killed (SIGKILL) while it reads the backlog, then started again
# from its checkpoint. Needs no network: files in, a file out.
src="${SDD_SRCDIR:-..}"
. "$src/tests/unit/io/sddd-files.sh"

config "$tmp/plain.conf" ""
"$build/sddd" --config "$tmp/plain.conf" --inventory "$tmp/in/inventory.json" --exit-idle 1 2>"$tmp/plain.log" ||
    { cat "$tmp/plain.log"; exit 1; }
if ! cmp "$tmp/out.json" "$tmp/replay.json"; then
    echo "test_sddd_backlog: sddd over the backlog: $(wc -l <"$tmp/out.json") notifications," \
         "replay: $(wc -l <"$tmp/replay.json")"
    tail -1 "$tmp/plain.log"
    exit 1
fi

# Caps: an inventory of one service, RDs learned, at most two services:
# what is over the cap is refused, counted and said in the log.
rm -f "$tmp/out.json"
/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["services"] = d["services"][:1]; json.dump(d, open(sys.argv[2], "w"))' \
    "$tmp/in/inventory.json" "$tmp/one.json" || exit 99
config "$tmp/caps.conf" "learn_unknown_rd: true
max_services: 2"
"$build/sddd" --config "$tmp/caps.conf" --inventory "$tmp/one.json" --exit-idle 1 2>"$tmp/caps.log" ||
    { cat "$tmp/caps.log"; exit 1; }
if ! grep -q 'max_services reached: [1-9][0-9]* records refused so far' "$tmp/caps.log" ||
   ! grep -q 'services_over_max=[1-9]' "$tmp/caps.log" || ! grep -q ' services=2 ' "$tmp/caps.log"; then
    echo "test_sddd_backlog: max_services was not kept, counted and logged"
    cat "$tmp/caps.log"
    exit 1
fi

# A replay with sddd's configuration never touches sddd's stores.
config "$tmp/state.conf" "state_file: $tmp/state.json
history_file: $tmp/history.db
state_sync_seconds: 1"
"$build/sddctl" replay --config "$tmp/state.conf" --inventory "$tmp/in/inventory.json" \
    --bmp "$tmp/in/bmp.json" --out /dev/null 2>/dev/null || exit 1
if [ -e "$tmp/state.json" ] || [ -e "$tmp/history.db" ]; then
    echo "test_sddd_backlog: sddctl replay wrote the daemon's state_file or history_file"
    exit 1
fi

# Killed (SIGKILL) while it reads the backlog, then started again from its
# last checkpoint: the output file, appended to and dropping what it holds
# already (docs/sddd.md), is replay's. Twice: killed at 2 s, between two of
# its checkpoints a second apart; and (deterministic) run on from a
# checkpoint to the backlog's end, days past it and past what history's
# rings hold, before the kill.
killed_and_restarted() {   # WHAT: the last run, from the checkpoint to the end
    "$build/sddd" --config "$1" --inventory "$tmp/in/inventory.json" --exit-idle 1 2>"$tmp/last.log" ||
        { cat "$tmp/last.log"; exit 1; }
    if ! cmp "$tmp/out.json" "$tmp/replay.json"; then
        echo "test_sddd_backlog: $2: $(wc -l <"$tmp/out.json") notifications, replay: $(wc -l <"$tmp/replay.json")"
        grep 'going on' "$tmp/last.log"
        tail -1 "$tmp/last.log"
        exit 1
    fi
}

# Where process $1 is in input file $2 (flows, bmp, telemetry); empty when
# it does not hold it open.
position() {
    for fd in /proc/"$1"/fd/*; do
        [ "$(readlink "$fd")" = "$tmp/in/$2.json" ] && sed -n 's/^pos:[[:space:]]*//p' /proc/"$1"/fdinfo/"${fd##*/}"
    done
}

# Whether process $1 has read every input file to its end.
read_to_end() {
    for f in flows bmp telemetry; do
        at=$(position "$1" "$f")
        [ -n "$at" ] && [ "$at" -ge "$(stat -c %s "$tmp/in/$f.json")" ] || return 1
    done
}

sddd_in_background() {   # CONFIG LOG
    "$build/sddd" --config "$1" --inventory "$tmp/in/inventory.json" 2>"$2" &
    pid=$!
}

stop() {   # SIGNAL
    kill -"$1" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
}

rm -f "$tmp/out.json"
sddd_in_background "$tmp/state.conf" "$tmp/first.log"
sleep 2
stop 9
[ -s "$tmp/state.json" ] || { echo "test_sddd_backlog: no checkpoint after 2 s"; cat "$tmp/first.log"; exit 1; }
killed_and_restarted "$tmp/state.conf" "killed at 2 s and restarted"

rm -f "$tmp/out.json" "$tmp/state.json" "$tmp/history.db" "$tmp/history.db.undo"
config "$tmp/far.conf" "state_file: $tmp/state.json
history_file: $tmp/history.db
state_sync_seconds: 3600"
sddd_in_background "$tmp/far.conf" "$tmp/first.log"
# as soon as it has read into the flows (a fixed wait let a fast machine
# read the whole backlog first)
for _ in $(seq 200); do [ "$(position "$pid" flows)" -gt 0 ] 2>/dev/null && break; sleep 0.05; done
if read_to_end "$pid"; then
    stop 9
    echo "test_sddd_backlog: the backlog was read before a checkpoint could be asked: nothing is tested"
    exit 99
fi
stop TERM                               # a checkpoint at its exit, early in the backlog
[ -s "$tmp/state.json" ] || { echo "test_sddd_backlog: no checkpoint at SIGTERM"; cat "$tmp/first.log"; exit 1; }
sddd_in_background "$tmp/far.conf" "$tmp/second.log"
for _ in $(seq 300); do read_to_end "$pid" && break; sleep 0.2; done
read_to_end "$pid" || { stop 9; echo "test_sddd_backlog: the backlog not read in 60 s"; exit 1; }
stop 9                                  # before source_idle_seconds: no wall-clock time told
killed_and_restarted "$tmp/far.conf" "killed days past its checkpoint and restarted"
echo "test_sddd_backlog: $(wc -l <"$tmp/replay.json") notifications as replay's, straight and through a SIGKILL" \
     "(twice); caps kept; sddd's stores untouched by replay"
