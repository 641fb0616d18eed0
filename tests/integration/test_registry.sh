#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test: sddd's Kafka output in the Confluent wire format
# (output_format: confluent, src/registry.c) against a real schema registry,
# Apicurio Registry's Confluent-compatible API (tests/harness/fetch-registry),
# and a real broker; the records read back with kcat and decoded with Debian's
# python3-avro.
#
# (a) a BMP peer going down and up, another subject registered first: every
#     value is byte 0, then the 4-byte big-endian id the registry gives for
#     subject TOPIC-value (its latest version, not the other subject's id),
#     then Avro binary that the schema the registry returns for that id
#     decodes to the end; the records are the (id, revision)s `sddctl replay`
#     gives, each key the record's id. The registered schema is the reference record of
#     schema/RelevantStateNotification.avsc (Parsing Canonical Form) and the
#     writer schema sddd has, docs and defaults included. A value whose id is
#     changed by one fails the check.
# (b) sddd started again, on the same topic with a second disruption: the new
#     records carry the same id, and the subject still has one version.
#
# Takes about 25 s. Needs root; runs only with SDD_INTEGRATION=1.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/sddd-helpers.sh"
sddd_init registry
schema=$SDD_SRCDIR/schema/RelevantStateNotification.avsc
TOPIC=sdd.registry

# run NAME MINUTES: sddd over MINUTES of input into $TOPIC in the Confluent
# format, to its --exit-idle end; $NAME.replay.json gets what `sddctl replay`
# makes of the same input.
run() {
  local name=$1 in=$SDD_TMP/$1.bmp.json
  write_bmp 0 "$2" >"$in"
  write_conf "$SDD_TMP/$name.replay.conf"
  "$sddctl" replay --config "$SDD_TMP/$name.replay.conf" --bmp "$in" --out "$SDD_TMP/$name.replay.json" \
    || sdd_die "sddctl replay $name"
  [ -s "$SDD_TMP/$name.replay.json" ] || sdd_die "$name: the input gives no notification"
  write_conf "$SDD_TMP/$name.conf" "bmp_input=file:$in" "output=kafka:$TOPIC" "spool_dir=$SDD_TMP/$name.spool" \
    output_format=confluent "schema_registry=$SDD_REGISTRY_URL"
  sdd_spawn "$SDD_TMP/$name.log" "$sddd" --config "$SDD_TMP/$name.conf" --stats-every 1 --exit-idle 3
  wait_exit "$SDD_LAST_PID" 120 || { sdd_show_tail "$SDD_TMP/$name.log"; sdd_die "$name: sddd still running"; }
  [ "$EXIT_RC" = 0 ] || { sdd_show_tail "$SDD_TMP/$name.log"; sdd_die "$name: sddd exited $EXIT_RC"; }
  if grep -q 'schema_registry' "$SDD_TMP/$name.log"; then
    sdd_show_tail "$SDD_TMP/$name.log"
    sdd_die "$name: sddd logged a registry error"
  fi
}

# check NAME: the whole topic against the registry (see the header); prints
# the schema id.
check() {
  local name=$1
  sdd_registry_get "/subjects/$TOPIC-value/versions/latest" >"$SDD_TMP/$name.latest.json" \
    || sdd_die "$name: no subject $TOPIC-value in the registry"
  local id
  id=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$SDD_TMP/$name.latest.json")
  sdd_registry_get "/schemas/ids/$id" >"$SDD_TMP/$name.schema.json" || sdd_die "$name: no schema $id in the registry"
  sdd_registry_get "/subjects/$TOPIC-value/versions" >"$SDD_TMP/$name.versions.json" || sdd_die "$name: no versions"
  sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t "$TOPIC" -o beginning -e -q -f '%R%s' >"$SDD_TMP/$name.raw" \
    || sdd_die "kcat -C $TOPIC"
  sdd_ns kcat -C -b "$SDD_KAFKA_BROKER" -t "$TOPIC" -o beginning -e -q -f '%k\n' >"$SDD_TMP/$name.keys" \
    || sdd_die "kcat -C $TOPIC (keys)"
  /usr/bin/python3 "$SDD_TMP/check.py" "$SDD_TMP/$name" "$schema" "$SDD_TMP/writer.avro" >&2 \
    || sdd_die "$name: the topic does not match the registry"
  echo "$id"
}

cat >"$SDD_TMP/check.py" <<'PY'
# check.py PREFIX REFERENCE WRITER_FILE: PREFIX.raw (kcat %R%s) holds
# Confluent-framed values; PREFIX.latest.json, .schema.json and .versions.json
# are the registry's answers; PREFIX.replay.json the expected notifications;
# WRITER_FILE an Avro container file sddctl wrote (its header has sddd's
# writer schema).
import io, json, struct, sys
import avro.datafile, avro.io, avro.schema

prefix, reference, writer_file = sys.argv[1:]
latest = json.load(open(prefix + ".latest.json"))
registered = json.loads(json.load(open(prefix + ".schema.json"))["schema"])
versions = json.load(open(prefix + ".versions.json"))
assert versions == [1], "subject has versions %s, want one" % versions
assert json.loads(latest["schema"]) == registered, "latest version and /schemas/ids/%d differ" % latest["id"]

# The registered schema: the reference record, and what sddd has, to the byte
# once parsed (docs, defaults, logical types).
union = avro.schema.make_avsc_object(json.load(open(reference)), avro.schema.Names())
record = [s for s in union.schemas if s.name == "RelevantStateNotification"]
parsed = avro.schema.parse(json.dumps(registered))
assert len(record) == 1 and parsed.canonical_form == record[0].canonical_form, \
    "the registered schema is not the reference RelevantStateNotification"
with avro.datafile.DataFileReader(open(writer_file, "rb"), avro.io.DatumReader()) as r:
    assert json.loads(r.get_meta("avro.schema").decode()) == registered, \
        "the registered schema is not sddd's writer schema"

reader = avro.io.DatumReader(parsed, parsed)
raw = open(prefix + ".raw", "rb").read()
keys = open(prefix + ".keys").read().splitlines()
got, at = [], 0
while at < len(raw):
    (size,) = struct.unpack(">i", raw[at:at + 4])
    value = raw[at + 4:at + 4 + size]
    at += 4 + size
    n = len(got)
    assert size > 5 and value[0] == 0, "record %d: no magic byte 0 (%r)" % (n, value[:5])
    (sid,) = struct.unpack(">I", value[1:5])
    assert sid == latest["id"], "record %d: schema id %d, the registry says %d" % (n, sid, latest["id"])
    decoder = avro.io.BinaryDecoder(io.BytesIO(value[5:]))
    rec = reader.read(decoder)
    left = size - 5 - decoder.reader.tell()
    assert left == 0, "record %d: %d bytes left over" % (n, left)
    assert keys[n] == rec["id"], "record %d: key %s, id %s" % (n, keys[n], rec["id"])
    got.append((rec["id"], max(a["revision"] for a in rec["anomaly"])))

want = [json.loads(l) for l in open(prefix + ".replay.json")]
want = [(r["id"], max(a["revision"] for a in r["anomaly"])) for r in want]
assert sorted(got) == sorted(want), "on the topic %s, replay %s" % (got, want)
print("%d records, schema id %d, version %d" % (len(got), latest["id"], latest["version"]))
PY

write_inventory "$SDD_TMP/inventory.json"
# shellcheck disable=SC2119
sdd_netns_up
sdd_kafka_start
sdd_registry_start
sdd_kafka_topic "$TOPIC"
# Another subject first, so that the id sddd must use is not the first one.
decoy=$(sdd_ns /usr/bin/python3 - "$SDD_REGISTRY_URL" <<'PY'
import json, sys, urllib.request
schema = {"type": "record", "name": "Decoy", "fields": [{"name": "a", "type": "long"}]}
req = urllib.request.Request(sys.argv[1] + "/subjects/decoy-value/versions",
                             json.dumps({"schema": json.dumps(schema)}).encode(),
                             {"Content-Type": "application/vnd.schemaregistry.v1+json"})
print(json.load(urllib.request.urlopen(req, timeout=5))["id"])
PY
) || sdd_die "registering the decoy schema"

# sddd's writer schema, as sddctl puts it in a container file's header.
write_bmp 0 10 >"$SDD_TMP/writer.bmp.json"
write_conf "$SDD_TMP/writer.conf"
"$sddctl" replay --config "$SDD_TMP/writer.conf" --bmp "$SDD_TMP/writer.bmp.json" --format avro \
  --out "$SDD_TMP/writer.avro" || sdd_die "sddctl replay --format avro"

# (a) one disruption
run a 10
id_a=$(check a)
[ "$(counter "$SDD_TMP/a.log" kafka_delivered)" = "$(wc -l <"$SDD_TMP/a.replay.json")" ] \
  || { sdd_show_tail "$SDD_TMP/a.log"; sdd_die "(a) kafka_delivered is not the number of notifications"; }
[ "$id_a" != "$decoy" ] || sdd_die "(a) sddd's schema has the decoy's id $decoy"
sdd_log "(a) every value framed with the registry's id $id_a and decoded with its schema"
# The check can fail: the first value's id one off must be refused.
for f in latest.json schema.json versions.json replay.json keys; do cp "$SDD_TMP/a.$f" "$SDD_TMP/broken.$f"; done
/usr/bin/python3 - "$SDD_TMP/a.raw" "$SDD_TMP/broken.raw" <<'PY'
import sys
raw = bytearray(open(sys.argv[1], "rb").read())
raw[8] ^= 1                             # 4 bytes of length, magic, id (big-endian): its last byte
open(sys.argv[2], "wb").write(raw)
PY
if /usr/bin/python3 "$SDD_TMP/check.py" "$SDD_TMP/broken" "$schema" "$SDD_TMP/writer.avro" 2>"$SDD_TMP/broken.out"; then
  sdd_die "(a) a value with another schema id passed the check"
fi
grep -q 'record 0: schema id' "$SDD_TMP/broken.out" || { cat "$SDD_TMP/broken.out" >&2; sdd_die "(a) the broken id failed for another reason"; }
sdd_log "(a) a value with another id fails the check as it must"

# (b) a second start, the first disruption again (dropped as already there)
# and a second one
run b 20
[ "$(counter "$SDD_TMP/b.log" kafka_delivered)" -gt 0 ] \
  || { sdd_show_tail "$SDD_TMP/b.log"; sdd_die "(b) nothing new delivered"; }
id_b=$(check b)
[ "$id_b" = "$id_a" ] || sdd_die "(b) schema id $id_b after the restart, $id_a before"
sdd_log "(b) after a restart: the same id $id_b, one version of $TOPIC-value"

sdd_log "PASS"
