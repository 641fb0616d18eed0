#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sddd's outputs on a full file system (a tmpfs of 64 KiB
# mounted in the test's temporary directory, unmounted at exit whatever
# happens).
#
# (a) Kafka output, its spool_dir on the tmpfs (spool_max_bytes far above the
#     tmpfs, so the disk fills before the spool's bound), the broker not
#     there yet: the notifications fill the spool until the disk is full,
#     then each one is refused with ENOSPC named, counted as lost and logged
#     once (rate-limited, however many); sddd keeps running. The broker
#     starts: the spool drains, its file is cut back, and the notifications
#     made after that are spooled and delivered again. On the topic: every
#     revision that was not lost, each once, in order; the lost ones are
#     one run, as many as notifications_lost says.
# (b) `output: file:PATH` on the tmpfs: the write that does not fit fails
#     with the file and ENOSPC named; sddd exits 1; the file ends with a
#     whole record (the half written one is cut back) and holds a prefix of
#     what `sddctl replay` gives; the engine state is NOT saved (see below).
#     The tmpfs remounted bigger, sddd started again: it reads its input
#     again, does not write again what the file holds, and the file is then
#     byte for byte what `sddctl replay` gives.
#
# Takes about 1.5 minutes. Needs root; runs only with SDD_INTEGRATION=1.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init disk_full
IDLE=3

# ---- tiny file systems ----------------------------------------------------------

# The tmpfs mounts of this test, lazily unmounted before the harness's
# cleanup (which kills the processes and deletes the temporary directory:
# a mount left there would stay, and keep the directory).
MOUNTS=()
disk_cleanup() {
  local rc=$? m
  set +e
  for m in "${MOUNTS[@]}"; do
    umount -l "$m" 2>/dev/null || sdd_log "could not unmount $m"
  done
  (exit "$rc")                                        # the harness's cleanup exits with $?
  sdd_cleanup
}
trap disk_cleanup EXIT

# Mounts of a test of this name whose shell is gone (SIGKILL: no cleanup);
# the harness's own sweep has already emptied what it could of their
# directories.
sweep_stale_mounts() {
  local m dir
  # shellcheck disable=SC2034
  while read -r _ m _; do
    [[ $m == /tmp/sdd-disk_full-*/* ]] || continue
    dir=${m%/*}
    [ "$dir" != "$SDD_TMP" ] || continue
    if [ -f "$dir/.sdd-harness" ] && kill -0 "$(cat "$dir/.sdd-harness")" 2>/dev/null; then
      continue
    fi
    sdd_log "unmounting stale $m"
    umount -l "$m" && rm -rf "$dir"
  done </proc/mounts
}
sweep_stale_mounts

mount_tiny() { # DIR SIZE
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2,mode=0755" sdd-disk-full "$1" || sdd_die "mount tmpfs on $1"
  MOUNTS+=("$1")
}

# ---- input and helpers -------------------------------------------------------------

# write_bmp (sddd-helpers.sh): one relevant state and two notifications
# (about 1.4 KB each) every ten minutes.
# append_bmp FILE FROM TO: the minutes appended in one write.
append_bmp() {
  write_bmp "$2" "$3" >"$1.part"
  cat "$1.part" >>"$1"
}

counter_at_least() { # LOG NAME MIN
  [ "$(counter "$1" "$2")" -ge "$3" ]
}

counter_is() { # LOG NAME VALUE
  [ "$(counter "$1" "$2")" = "$3" ]
}

start_sddd() { # NAME CONF [options]: sets SDDD_PID
  local name=$1 conf=$2
  shift 2
  sdd_spawn "$SDD_TMP/$name.log" "$sddd" --config "$conf" --stats-every 1 "$@"
  SDDD_PID=$SDD_LAST_PID
}

replay() { # NAME BMPFILE: the notifications sddctl replay makes of the input
  write_conf "$SDD_TMP/$1.replay.conf"
  "$sddctl" replay --config "$SDD_TMP/$1.replay.conf" --bmp "$2" --out "$SDD_TMP/$1.replay.json" \
    || sdd_die "sddctl replay $1"
  [ -s "$SDD_TMP/$1.replay.json" ] || sdd_die "$1: the input gives no notification"
}

# Waits until sddd has read every line of its input (records_bmp).
wait_read() { # NAME INPUT
  sdd_wait_for 60 "$SDDD_PID" "($1) input read" counter_is "$SDD_TMP/$1.log" records_bmp "$(wc -l <"$2")" \
    || { sdd_show_tail "$SDD_TMP/$1.log"; sdd_die "($1) sddd did not read its input"; }
}

# The ENOSPC of a full disk in LOG, logged once a minute at most however
# many notifications it cost.
check_enospc_logged() { # NAME LOG PATTERN
  local n
  n=$(grep -c "$3" "$2" || true)
  [ "$n" -ge 1 ] || { sdd_show_tail "$2"; sdd_die "($1) the full disk is not logged as: $3"; }
  [ "$n" -le 2 ] || { grep "$3" "$2" >&2; sdd_die "($1) the full disk logged $n times (once a minute at most)"; }
}

# ---- (a) the Kafka output's spool on a full disk ----------------------------------

write_inventory "$SDD_TMP/inventory.json"
# shellcheck disable=SC2119
sdd_netns_up

mount_tiny "$SDD_TMP/a.fs" 64k
write_bmp 0 340 >"$SDD_TMP/a.bmp.json"
replay a "$SDD_TMP/a.bmp.json"
write_bmp 0 300 >"$SDD_TMP/a.in.json"                # about 84 KB of notifications
write_conf "$SDD_TMP/a.conf" "bmp_input=file:$SDD_TMP/a.in.json" output=kafka:sdd.a output_format=json \
  "spool_dir=$SDD_TMP/a.fs/spool" spool_max_bytes=10000000
start_sddd a "$SDD_TMP/a.conf"
a_pid=$SDDD_PID
wait_read a "$SDD_TMP/a.in.json"
sdd_wait_for 30 "$a_pid" "(a) notifications lost" counter_at_least "$SDD_TMP/a.log" notifications_lost 5 \
  || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) no notification refused by the full disk"; }
sleep 2                                               # a counters line after the last notification
kill -0 "$a_pid" 2>/dev/null || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) sddd died on the full disk"; }
a_lost=$(counter "$SDD_TMP/a.log" notifications_lost)
[ "$(counter "$SDD_TMP/a.log" spool_write_errors)" = "$a_lost" ] \
  || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) spool_write_errors is not notifications_lost"; }
[ "$(counter "$SDD_TMP/a.log" spool_full_refused)" = 0 ] || sdd_die "(a) the spool's bound was reached, not the disk"
check_enospc_logged a "$SDD_TMP/a.log" \
  "kafka output: spool $SDD_TMP/a.fs/spool/spool.dat: append: No space left on device (ENOSPC): [0-9]* notifications lost (this one: [-0-9a-f]* revision [0-9]*)"
sdd_log "(a) disk full: $(counter "$SDD_TMP/a.log" spool_records) notifications spooled, $a_lost lost, logged once"

sdd_kafka_start
sdd_kafka_topic sdd.a
sdd_wait_for 120 "$a_pid" "(a) spool drained" counter_is "$SDD_TMP/a.log" spool_records 0 \
  || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) the spool did not drain once the broker was there"; }
[ "$(stat -c %s "$SDD_TMP/a.fs/spool/spool.dat")" -lt 4096 ] || sdd_die "(a) the drained spool was not cut back"
append_bmp "$SDD_TMP/a.in.json" 300 340               # new relevant states, on a disk with room again
wait_read a "$SDD_TMP/a.in.json"
a_want=$(($(wc -l <"$SDD_TMP/a.replay.json") - a_lost))
sdd_wait_for 60 "$a_pid" "(a) new ones delivered" counter_is "$SDD_TMP/a.log" kafka_delivered "$a_want" \
  || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) the notifications after the drain were not delivered"; }
kill -TERM "$a_pid"
wait_exit "$a_pid" 30 || sdd_die "(a) sddd did not stop"
[ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) sddd exited $EXIT_RC"; }
[ "$(counter "$SDD_TMP/a.log" notifications_lost)" = "$a_lost" ] || sdd_die "(a) lost more after the drain"
sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t sdd.a -o beginning -e -q -f '%k\t%h\t%s\n' >"$SDD_TMP/a.got" \
  || sdd_die "kcat -C sdd.a"
/usr/bin/python3 - "$SDD_TMP/a.replay.json" "$SDD_TMP/a.got" "$a_lost" <<'PY' || sdd_die "(a) the records on Kafka are not the replay's less one run of lost ones"
import json, sys
def pair(r):
    return (r["id"], max(a["revision"] for a in r["anomaly"]))
want = [pair(json.loads(l)) for l in open(sys.argv[1])]
got = []
for line in open(sys.argv[2]):
    key, header, value = line.rstrip("\n").split("\t", 2)
    p = pair(json.loads(value))
    assert key == p[0] and header == "revision=%d" % p[1], "key or header wrong: %s" % line[:200]
    got.append(p)
assert len(set(got)) == len(got), "twice: %s" % sorted({p for p in got if got.count(p) > 1})
assert set(got) <= set(want), "not in the replay: %s" % sorted(set(got) - set(want))
assert got == [p for p in want if p in set(got)], "not in the replay's order"
lost = [i for i, p in enumerate(want) if p not in set(got)]
assert len(lost) == int(sys.argv[3]), "%d missing, notifications_lost says %s" % (len(lost), sys.argv[3])
assert lost == list(range(lost[0], lost[0] + len(lost))), "the missing ones are not one run: %s" % lost
assert lost[-1] < len(want) - 4, "nothing delivered after the lost ones"
print("%d delivered, %d lost (notifications %d..%d), %d after them" % (len(got), len(lost), lost[0], lost[-1], len(want) - 1 - lost[-1]))
PY
sdd_log "(a) spool drained: every notification not lost delivered once, in order, new ones too"

# ---- (b) the file output on a full disk ------------------------------------------------

mount_tiny "$SDD_TMP/b.fs" 64k
write_bmp 0 300 >"$SDD_TMP/b.bmp.json"
replay b "$SDD_TMP/b.bmp.json"
out=$SDD_TMP/b.fs/out.json
write_conf "$SDD_TMP/b.conf" "bmp_input=file:$SDD_TMP/b.bmp.json" "output=file:$out" \
  "state_file=$SDD_TMP/b.state" "history_file=$SDD_TMP/b.history"
start_sddd b1 "$SDD_TMP/b.conf" --exit-idle $IDLE
wait_exit "$SDDD_PID" 60 || { sdd_show_tail "$SDD_TMP/b1.log"; sdd_die "(b) sddd still running on a full disk"; }
[ "$EXIT_RC" = 1 ] || { sdd_show_tail "$SDD_TMP/b1.log"; sdd_die "(b) sddd exited $EXIT_RC on a full disk, not 1"; }
grep -q "ERROR ( sddd/core ): output $out: No space left on device (ENOSPC): notification [-0-9a-f]* revision [0-9]* not written$" \
  "$SDD_TMP/b1.log" || { sdd_show_tail "$SDD_TMP/b1.log"; sdd_die "(b) the full disk is not logged with the file and ENOSPC"; }
[ -s "$out" ] || sdd_die "(b) nothing written before the disk was full"
[ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" = '\n' ] || sdd_die "(b) the output does not end with a whole record"
cmp -s "$out" <(head -c "$(stat -c %s "$out")" "$SDD_TMP/b.replay.json") \
  || sdd_die "(b) the output is not a prefix of the replay's"
b_first=$(wc -l <"$out")
# After a failed output the engine state must not be saved at exit (its
# relevant states would say revisions were made that are not in the file; a
# restart would not make them again). A state saved before
# the failure (a checkpoint) is older than the file's last change (the
# failed write and its cut).
[ ! -e "$SDD_TMP/b.state" ] || [ "$SDD_TMP/b.state" -ot "$out" ] \
  || sdd_die "(b) the engine state was saved at exit after the output failed"
sdd_log "(b) disk full: exit 1, ENOSPC logged, $b_first of $(wc -l <"$SDD_TMP/b.replay.json") notifications in the file, no state saved at exit"

mount -o remount,size=1m "$SDD_TMP/b.fs" || sdd_die "remount $SDD_TMP/b.fs bigger"
start_sddd b2 "$SDD_TMP/b.conf" --exit-idle $IDLE
wait_exit "$SDDD_PID" 60 || { sdd_show_tail "$SDD_TMP/b2.log"; sdd_die "(b) sddd still running"; }
[ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/b2.log"; sdd_die "(b) sddd exited $EXIT_RC after the remount"; }
cmp "$out" "$SDD_TMP/b.replay.json" >&2 || sdd_die "(b) after the restart the output is not the replay's"
[ "$(counter "$SDD_TMP/b2.log" output_duplicates_dropped)" = "$b_first" ] \
  || { sdd_show_tail "$SDD_TMP/b2.log"; sdd_die "(b) the revisions already in the file were not all dropped"; }
[ -s "$SDD_TMP/b.state" ] || sdd_die "(b) no engine state saved at the clean exit"
sdd_log "(b) remounted bigger and restarted: the file is the replay's, $b_first revisions not written twice"

sdd_log "PASS"
