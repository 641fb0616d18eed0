#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_sddd_gzip.sh: sddd reading gzip'ed files (pmacct's JSON as
# `gzip -c` writes it; the files' names say nothing) gives the
# notifications `sddctl replay` gives for the plain files, byte for byte;
# stopped by SIGTERM in the middle of them, it is started again from its
# checkpoint (an offset in the decompressed stream) and still gives them;
# a gzip'ed file cut short is said in an error line and counted, its whole
# lines read. Needs no network: files in, a file out.
src="${SDD_SRCDIR:-..}"
. "$src/tests/unit/io/sddd-files.sh"

mkdir "$tmp/gz" || exit 99
for f in flows bmp telemetry; do gzip -c "$tmp/in/$f.json" >"$tmp/gz/$f.json" || exit 99; done
inputs="$tmp/gz"

same_as_replay() {   # WHAT LOG
    if ! cmp "$tmp/out.json" "$tmp/replay.json"; then
        echo "test_sddd_gzip: $1: $(wc -l <"$tmp/out.json") notifications, replay: $(wc -l <"$tmp/replay.json")"
        grep -E 'going on|gzip|counters' "$2"
        exit 1
    fi
}

config "$tmp/plain.conf" ""
"$build/sddd" --config "$tmp/plain.conf" --inventory "$tmp/in/inventory.json" --exit-idle 1 2>"$tmp/plain.log" ||
    { cat "$tmp/plain.log"; exit 1; }
same_as_replay "sddd over the gzip'ed files" "$tmp/plain.log"
if grep -q 'gzip_errors=' "$tmp/plain.log"; then
    echo "test_sddd_gzip: whole gzip'ed files counted as faulty"; grep counters "$tmp/plain.log"; exit 1
fi

# SIGTERM while it reads the flows (a checkpoint at its exit, in the middle
# of the decompressed stream), then started again from it.
rm -f "$tmp/out.json"
config "$tmp/state.conf" "state_file: $tmp/state.json
history_file: $tmp/history.db
state_sync_seconds: 3600"
# How far process $1 has read (compressed bytes) into the gzip'ed flows.
position() {
    for fd in /proc/"$1"/fd/*; do
        [ "$(readlink "$fd")" = "$tmp/gz/flows.json" ] && sed -n 's/^pos:[[:space:]]*//p' /proc/"$1"/fdinfo/"${fd##*/}"
    done
}
"$build/sddd" --config "$tmp/state.conf" --inventory "$tmp/in/inventory.json" 2>"$tmp/first.log" &
pid=$!
for _ in $(seq 200); do [ "$(position "$pid")" -gt 0 ] 2>/dev/null && break; sleep 0.05; done
at=$(position "$pid")
kill -TERM "$pid"; wait "$pid"; pid=
offset=$(grep -ao '"flow_input":{[^}]*"offset":[0-9]*' "$tmp/state.json" 2>/dev/null | sed 's/.*://')
size=$(stat -c %s "$tmp/in/flows.json")
if [ -z "$offset" ] || [ "$offset" -eq 0 ] || [ "$offset" -ge "$size" ]; then
    echo "test_sddd_gzip: no checkpoint in the middle of the flows (read to compressed byte ${at:-?}," \
         "offset ${offset:-none} of $size): nothing is tested"
    exit 99
fi
"$build/sddd" --config "$tmp/state.conf" --inventory "$tmp/in/inventory.json" --exit-idle 1 2>"$tmp/second.log" ||
    { cat "$tmp/second.log"; exit 1; }
grep -q "going on at byte $offset of its decompressed stream" "$tmp/second.log" ||
    { echo "test_sddd_gzip: the restart did not go on at byte $offset"; grep 'going on' "$tmp/second.log"; exit 1; }
same_as_replay "stopped at byte $offset of $size and started again" "$tmp/second.log"

# The flows cut short (a truncated copy): the whole lines before the cut
# are read, the cut is said once and counted; sddd ends normally.
rm -f "$tmp/out.json"
head -c $(($(stat -c %s "$tmp/gz/flows.json") / 2)) "$tmp/gz/flows.json" >"$tmp/cut" && mv "$tmp/cut" "$tmp/gz/flows.json"
"$build/sddd" --config "$tmp/plain.conf" --inventory "$tmp/in/inventory.json" --exit-idle 1 2>"$tmp/cut.log" ||
    { cat "$tmp/cut.log"; exit 1; }
if [ "$(grep -c 'flows.json: its gzip stream ends in the middle after [0-9]* compressed bytes (truncated?)' "$tmp/cut.log")" != 1 ] ||
   ! grep -qE ' gzip_errors=1( |$)' "$tmp/cut.log" || ! grep -q ' parsed_flow_none=[1-9]' "$tmp/cut.log" ||
   grep -q 'parsed_flow_json=' "$tmp/cut.log"; then
    echo "test_sddd_gzip: the cut-short flows were not said once and counted, their whole lines read"
    grep -E 'gzip|counters' "$tmp/cut.log"
    exit 1
fi
echo "test_sddd_gzip: $(wc -l <"$tmp/replay.json") notifications as replay's from gzip'ed files, straight and" \
     "through a stop at byte $offset of $size; a file cut short said and counted"
