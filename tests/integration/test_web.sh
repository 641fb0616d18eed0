#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: the validation page (src/io/web.c, docs/web.md), sddd
# replaying tests/data (a peer down opens one relevant state) into a file
# store, its page on metrics_listen read with curl and Debian's headless
# Chromium.
#
# - Run A, web_labels: true. The list shows the state (service, stage,
#   detector) and its filters keep or drop it; the state's page shows the
#   symptom's semantics, the site, the SVG time line with the BMP mark and
#   the traffic plot (TCP and UDP bytes a slot, summed).
#   Chromium loads the list and the state's page without a console message
#   (the check itself is shown to catch a script error first), the SVG is in
#   its DOM, and a screenshot is taken. A POST confirm with a comment holding
#   markup is 303, read back from the store by `sddctl show` (the same record
#   `sddctl label` writes), and the comment comes back escaped on the page.
#   A form from another origin is 403, an unknown action 400.
# - Run B, web_labels off: the POST is 405 with the reason and the store is
#   unchanged; the page says it is read-only.
# - Run C, output to stdout: the page says it has no store to show.
# - Run D, a site blackholed after a week of history (sddctl gen): the
#   state's page plots the service's traffic, a point a slot, against the
#   week before, with the symptom windows shaded, and under it each site's
#   traffic against its expected level, the symptom window shaded: the
#   blackholed site's line falls in it, the other's does not; Chromium draws
#   it without a console message.
#
# Takes about 10 s. Needs root; runs only with SDD_INTEGRATION=1 (exit 77
# otherwise).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init web
PORT=9466
URL=http://127.0.0.1:$PORT
DATA=$SDD_SRCDIR/tests/data
ID=e14282cc-0b97-5ad9-a0e2-569f52a38fc9     # tests/data/notifications.jsonl's state
command -v chromium >/dev/null || sdd_die "chromium not installed (tools/install-deps)"

# ---- helpers ---------------------------------------------------------------

# conf NAME KEY=VALUE...: tests/data's configuration and inputs, the page on
# PORT, state and history in SDD_TMP.
conf() {
  local out=$SDD_TMP/$1.conf kv
  shift
  {
    cat "$DATA/sdd.conf"
    echo "inventory_file: $DATA/inventory.json"
    echo "flow_input: file:$DATA/flows.jsonl"
    echo "bmp_input: file:$DATA/bmp.jsonl"
    echo "output_format: json"
    echo "metrics_listen: 127.0.0.1:$PORT"
    for kv in "$@"; do echo "${kv%%=*}: ${kv#*=}"; done
  } >"$out"
}

run_sddd() { # NAME: sddd with NAME.conf, until its page answers; sets pid
  sdd_spawn "$SDD_TMP/$1.log" "$sddd" --config "$SDD_TMP/$1.conf"
  pid=$SDD_LAST_PID
  sdd_wait_for 30 "$pid" "$1: the page" sdd_ns curl -sf "$URL/" -o /dev/null \
    || { sdd_show_tail "$SDD_TMP/$1.log"; sdd_die "$1: the page never answered"; }
}

stop_sddd() {
  kill -TERM "$pid"
  wait_exit "$pid" 30 || sdd_die "sddd did not stop on SIGTERM"
}

get() { # PATH OUT: the page into OUT; prints the status
  sdd_ns curl -s -o "$2" -w '%{http_code}' "$URL$1"
}

post() { # PATH OUT DATA [CURL ARG...]: prints the status
  local path=$1 out=$2 data=$3
  shift 3
  sdd_ns curl -s -o "$out" -w '%{http_code}' --data "$data" "$@" "$URL$path"
}

has() { # FILE TEXT...: each text is in the file
  local f=$1 t
  shift
  for t in "$@"; do
    grep -qF -- "$t" "$f" || { sdd_show_tail "$f"; sdd_die "$(basename "$f") lacks: $t"; }
  done
}

rows() { # FILE: the state rows of a list page
  grep -c "<tr><td><a href=\"/state/" "$1" || true
}

# chromium_load URL NAME: the DOM Chromium makes of URL into NAME.dom, its
# log into NAME.log; fails on any console message.
chromium_load() {
  sdd_ns timeout 60 chromium --headless --disable-gpu --no-sandbox --user-data-dir="$SDD_TMP/chromium" \
    --enable-logging=stderr --v=0 --dump-dom "$1" >"$SDD_TMP/$2.dom" 2>"$SDD_TMP/$2.log" \
    || { sdd_show_tail "$SDD_TMP/$2.log"; sdd_die "chromium did not load $1"; }
  # chromium's own pages log too (a slow-network notice of chrome://resources
  # on a loaded machine): only messages of the page count
  if grep ':CONSOLE' "$SDD_TMP/$2.log" | grep -v 'source: chrome://' >&2; then
    return 1
  fi
}

# ---- the console check catches an error -----------------------------------

sdd_netns_up
! chromium_load 'data:text/html,<script>undefined_function()</script>' selfcheck 2>/dev/null \
  || sdd_die "a script error left no console message: the check cannot fail"
sdd_log "chromium: a script error is caught"

# ---- run A: labels on ------------------------------------------------------

conf a "output=file:$SDD_TMP/a.store" web_labels=true "state_file=$SDD_TMP/a.state" \
  "history_file=$SDD_TMP/a.history"
run_sddd a
sdd_wait_for 30 "$pid" "a: the state in the list" grep -q "$ID" "$SDD_TMP/a.store" \
  || sdd_die "a: sddd wrote no notification of $ID"

[ "$(get / "$SDD_TMP/list.html")" = 200 ] || sdd_die "a: GET / failed"
[ "$(rows "$SDD_TMP/list.html")" = 1 ] || sdd_die "a: the list has $(rows "$SDD_TMP/list.html") rows, 1 expected"
has "$SDD_TMP/list.html" "/state/$ID" '<td>64497:1</td><td>problem_potential</td>' '<td>bmp_peer_down</td>'
for q in 'service=64497%3A1' 'stage=problem_potential' 'symptom=bmp_peer_down' 'open=1' \
  'service=64497%3A2' 'stage=problem_confirmed' 'symptom=volume' 'symptom=bmp_peer'; do
  get "/?$q" "$SDD_TMP/filter.html" >/dev/null
  case $q in *3A1 | *potential | *=bmp_peer_down | open=1) want=1 ;; *) want=0 ;; esac
  [ "$(rows "$SDD_TMP/filter.html")" = "$want" ] || sdd_die "a: /?$q lists $(rows "$SDD_TMP/filter.html"), $want expected"
done
sdd_log "a: the list and its filters"

[ "$(get "/state/$ID" "$SDD_TMP/state.html")" = 200 ] || sdd_die "a: GET /state/$ID failed"
has "$SDD_TMP/state.html" '<td>bmp_peer_down</td><td>BGP peer 198.51.100.1 down (BMP reason 3)</td>' \
  '<td>Adjacency</td><td>Remotely Teared Down</td><td>Peer</td><td>control</td>' \
  '<td>pe1</td><td>0:64497:1</td><td>CUST1</td><td>198.51.100.1</td><td>Gi0/0/0/1</td>' \
  '<svg id="timeline"' '<rect class="window"' '<line class="event"' "action=\"/state/$ID/label\""
# tests/data's flows: 100000 TCP and 50000 UDP bytes a minute, plotted as their sum
has "$SDD_TMP/state.html" '<svg id="traffic"' '>150000 bytes</text>'
[ "$(get /state/nope "$SDD_TMP/nope.html")" = 404 ] || sdd_die "a: an unknown id is not 404"
sdd_log "a: the state's page"

chromium_load "$URL/" list || sdd_die "a: console messages on the list"
chromium_load "$URL/state/$ID" state || sdd_die "a: console messages on the state's page"
has "$SDD_TMP/state.dom" '<svg id="timeline"' '<rect class="window"'
sdd_ns timeout 60 chromium --headless --disable-gpu --no-sandbox --user-data-dir="$SDD_TMP/chromium" \
  --hide-scrollbars --window-size=1200,800 --screenshot="$SDD_TMP/state.png" "$URL/state/$ID" 2>/dev/null
[ "$(head -c 8 "$SDD_TMP/state.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] \
  || sdd_die "a: no PNG screenshot"
sdd_log "a: chromium loads both pages without a console message, the SVG in the DOM"

st=$(post "/state/$ID/label" "$SDD_TMP/x.txt" 'action=confirm&annotator=x' -H 'Origin: http://elsewhere.example')
[ "$st" = 403 ] || sdd_die "a: a form from another origin is $st, not 403"
st=$(post "/state/$ID/label" "$SDD_TMP/x.txt" 'action=approve&annotator=x')
[ "$st" = 400 ] || sdd_die "a: an unknown action is $st, not 400"
st=$(post "/state/$ID/label" "$SDD_TMP/x.txt" 'action=confirm&annotator=noc+alice&comment=seen+%3Cscript%3Ex()%3C%2Fscript%3E' \
  -H "Origin: http://127.0.0.1:$PORT")
[ "$st" = 303 ] || { cat "$SDD_TMP/x.txt" >&2; sdd_die "a: the confirm is $st, not 303"; }
"$sddctl" show --store "$SDD_TMP/a.store" >"$SDD_TMP/show.txt"
has "$SDD_TMP/show.txt" "$ID	64497:1	problem_confirmed	" "	noc alice	seen <script>x()</script>"
get "/state/$ID" "$SDD_TMP/confirmed.html" >/dev/null
has "$SDD_TMP/confirmed.html" '<td>noc alice (human)</td><td>seen &lt;script&gt;x()&lt;/script&gt;</td>'
! grep -q '<script' "$SDD_TMP/confirmed.html" || sdd_die "a: the comment's markup is on the page unescaped"
chromium_load "$URL/" list2 || sdd_die "a: console messages on the list after the label"
stop_sddd
sdd_log "a: a confirm from the page is in the store, as sddctl show reads it"

# ---- run B: read-only ------------------------------------------------------

cp "$SDD_TMP/a.store" "$SDD_TMP/b.store"
conf b "output=file:$SDD_TMP/b.store" "state_file=$SDD_TMP/b.state" "history_file=$SDD_TMP/b.history"
run_sddd b
before=$(md5sum <"$SDD_TMP/b.store")
st=$(post "/state/$ID/label" "$SDD_TMP/ro.txt" 'action=discard&annotator=bob')
[ "$st" = 405 ] || sdd_die "b: a POST without web_labels is $st, not 405"
has "$SDD_TMP/ro.txt" 'web_labels: true'
[ "$(md5sum <"$SDD_TMP/b.store")" = "$before" ] || sdd_die "b: the store changed without web_labels"
get "/state/$ID" "$SDD_TMP/ro.html" >/dev/null
has "$SDD_TMP/ro.html" 'Read-only'
! grep -q '<form method="post"' "$SDD_TMP/ro.html" || sdd_die "b: a label form on a read-only page"
stop_sddd
sdd_log "b: read-only: 405 with the reason, the store unchanged"

# ---- run C: no file output -------------------------------------------------

conf c output=- "state_file=$SDD_TMP/c.state" "history_file=$SDD_TMP/c.history"
run_sddd c
get / "$SDD_TMP/none.html" >/dev/null
has "$SDD_TMP/none.html" 'not to a file'
stop_sddd
sdd_log "c: with no file output the page says why it is empty"

# ---- run D: the traffic plot of a known disruption ------------------------

# One service, 9 days, one site blackholed after the first week (sddctl
# gen's site_blackhole: that site down to a few per cent of its traffic).
"$sddctl" gen --seed 1 --services 1 --days 9 --scenario site_blackhole --out "$SDD_TMP/gen" >/dev/null
{
  echo "inventory_file: $SDD_TMP/gen/inventory.json"
  echo "flow_input: file:$SDD_TMP/gen/flows.json"
  echo "bmp_input: file:$SDD_TMP/gen/bmp.json"
  echo "output: file:$SDD_TMP/d.store"
  echo "output_format: json"
  echo "metrics_listen: 127.0.0.1:$PORT"
  echo "state_file: $SDD_TMP/d.state"
  echo "history_file: $SDD_TMP/d.history"
} >"$SDD_TMP/d.conf"
run_sddd d
closed() { "$sddctl" show --store "$SDD_TMP/d.store" | awk -F'\t' '$5 != "open" { found = 1 } END { exit !found }'; }
sdd_wait_for 60 "$pid" "d: the blackhole's state closed" closed || sdd_die "d: no closed relevant state"
did=$("$sddctl" show --store "$SDD_TMP/d.store" | awk -F'\t' '$5 != "open" { print $1; exit }')
get "/state/$did" "$SDD_TMP/d.html" >/dev/null
has "$SDD_TMP/d.html" '<svg id="traffic"' '<rect class="shade"'
# the service's line has a point a slot, and a week back has data too
sed -n '/<svg id="traffic"/,/<\/svg>/p' "$SDD_TMP/d.html" >"$SDD_TMP/d-service.svg"
points=$(grep -o '<path class="traffic" d="[^"]*"' "$SDD_TMP/d-service.svg" | grep -o '[ML]' | wc -l)
week=$(grep -o '<path class="baseline" d="[^"]*"' "$SDD_TMP/d-service.svg" | grep -o '[ML]' | wc -l)
[ "$points" -ge 30 ] || sdd_die "d: the traffic line has $points points"
[ "$week" -ge 30 ] || sdd_die "d: the baseline lines have $week points"
# a plot per site the engine judges (the first 4 terminations) under its
# title, each with a point a slot of its own bytes and of its expected level,
# and the symptoms' window (they name every site) shaded. Inside it, the
# blackholed site's line (truth.json's RD) falls to under half its height
# outside it; the other site's does not fall.
terms=$(jq '.services[0].terminations | length' "$SDD_TMP/gen/inventory.json")
[ "$terms" -ge 2 ] || sdd_die "d: the generated service has $terms site(s), not several"
[ "$terms" -le 4 ] || terms=4
rd=$(jq -r 'select(.kind == "site_blackhole") | .rd' "$SDD_TMP/gen/truth.json")
awk -v dir="$SDD_TMP" '/<h3>/ { n++; on = 1 } on { print > (dir "/d-site" n ".svg") } /<\/svg>/ { on = 0 }' \
  "$SDD_TMP/d.html"
[ "$(grep -c '<svg id="site-traffic-' "$SDD_TMP/d.html")" = "$terms" ] || sdd_die "d: not one plot per site ($terms)"
# inside_percent SVG: the traffic line's mean height inside the first shaded
# window, in per cent of its mean height outside it
inside_percent() {
  local shade
  shade=$(grep -o '<rect class="shade" x="[0-9.]*" y="[0-9]*" width="[0-9.]*"' "$1" | head -1)
  grep -o '<path class="traffic" d="[^"]*"' "$1" | sed 's/.*d="//; s/"$//' | tr 'ML' '\n\n' |
    awk -v s="$shade" 'BEGIN { split(s, a, "\""); x0 = a[4]; x1 = a[4] + a[8] }
      NF == 2 { h = 196 - $2; if ($1 >= x0 && $1 <= x1) { ni++; si += h } else { no++; so += h } }
      END { print (ni && no && so > 0) ? int(100 * (si / ni) / (so / no)) : -1 }'
}
fallen=0
for i in $(seq 1 "$terms"); do
  svg=$SDD_TMP/d-site$i.svg
  own=$(grep -o '<path class="traffic" d="[^"]*"' "$svg" | grep -o '[ML]' | wc -l)
  usual=$(grep -o '<path class="baseline" d="[^"]*"' "$svg" | grep -o '[ML]' | wc -l)
  [ "$own" -ge 30 ] && [ "$usual" -ge 30 ] || sdd_die "d: site $i's plot has $own points of traffic, $usual expected"
  grep -q '<rect class="shade"' "$svg" || sdd_die "d: site $i's plot has no symptom window shaded"
  inside=$(inside_percent "$svg")
  if grep -q "RD $rd," "$svg"; then
    [ "$inside" -ge 0 ] && [ "$inside" -lt 50 ] || sdd_die "d: the blackholed site's line is at $inside % in its window"
    fallen=1
  else
    [ "$inside" -ge 80 ] || sdd_die "d: site $i's line (not blackholed) is at $inside % in the window"
  fi
done
[ "$fallen" = 1 ] || sdd_die "d: no plot titled with the blackholed site's RD $rd"
has "$SDD_TMP/d.html" '<h2>Traffic of each site</h2>'
chromium_load "$URL/state/$did" d || sdd_die "d: console messages on the plotted page"
has "$SDD_TMP/d.dom" '<svg id="traffic"' '<path class="traffic"' '<svg id="site-traffic-0"'
sdd_ns timeout 60 chromium --headless --disable-gpu --no-sandbox --user-data-dir="$SDD_TMP/chromium" \
  --hide-scrollbars --window-size=1200,2400 --screenshot="$SDD_TMP/d.png" "$URL/state/$did" 2>/dev/null
stop_sddd
sdd_log "d: $did plotted: $points points of traffic, $week of baseline, $terms sites; screenshot $SDD_TMP/d.png"

sdd_log "PASS"
