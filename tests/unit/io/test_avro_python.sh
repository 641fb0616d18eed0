#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_avro_python.sh: an independent reader of the Avro output. Debian's
# python3-avro reads the container file `sddctl replay --format avro` writes
# for tests/data/, with the reference schema from schema/ as reader schema,
# and every record must equal the JSON line `--format json` gives for the same
# input (logical types turned back into their base values); the file's
# writer schema must be the reference record in Parsing Canonical Form.
# Skipped (77) without /usr/bin/python3 and its avro module.
py=/usr/bin/python3
src="${SDD_SRCDIR:-..}"
sddctl="${SDD_BUILDDIR:-.}/sddctl"
data="$src/tests/data"

if ! "$py" -c 'import avro.datafile' 2>/dev/null; then
    echo "test_avro_python: no python3-avro, skipped" >&2
    exit 77
fi
if [ ! -x "$sddctl" ]; then
    echo "test_avro_python: $sddctl not built" >&2
    exit 99
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
for format in json avro; do
    "$sddctl" replay --config "$data/sdd.conf" --inventory "$data/inventory.json" \
        --flows "$data/flows.jsonl" --bmp "$data/bmp.jsonl" --format $format --out "$tmp/out.$format" || exit 1
done

exec "$py" - "$src/schema/RelevantStateNotification.avsc" "$tmp/out.avro" "$tmp/out.json" <<'PY'
import datetime, json, sys, uuid
import avro.datafile, avro.io, avro.schema

schema_path, avro_path, json_path = sys.argv[1:4]
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

def base(v):
    """The value as the JSON lines write it: logical types as their base type."""
    if isinstance(v, datetime.datetime):
        return (v - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, dict):
        return {k: base(x) for k, x in v.items()}
    if isinstance(v, list):
        return [base(x) for x in v]
    return v

def keys(v):
    """Every object's keys in order, to compare the field order as well."""
    if isinstance(v, dict):
        return [(k, keys(x)) for k, x in v.items()]
    if isinstance(v, list):
        return [keys(x) for x in v]
    return None

reader_schema = avro.schema.parse(open(schema_path).read())
with open(avro_path, 'rb') as f, \
        avro.datafile.DataFileReader(f, avro.io.DatumReader(readers_schema=reader_schema)) as r:
    writer_schema = avro.schema.parse(r.get_meta('avro.schema').decode())
    records = [base(rec) for rec in r]

# The file's writer schema is the reference's record, in Parsing Canonical Form.
reference = [s for s in reader_schema.schemas if s.name == 'RelevantStateNotification']
if len(reference) != 1 or writer_schema.canonical_form != reference[0].canonical_form:
    sys.exit('test_avro_python: the writer schema is not the reference RelevantStateNotification')
lines = [json.loads(l) for l in open(json_path) if l.strip()]

if not lines:
    sys.exit('test_avro_python: the replay gave no notification to compare')
if len(records) != len(lines):
    sys.exit('test_avro_python: %d records in Avro, %d JSON lines' % (len(records), len(lines)))
for i, (rec, line) in enumerate(zip(records, lines)):
    if rec != line or keys(rec) != keys(line):
        sys.exit('test_avro_python: record %d differs:\n avro %s\n json %s'
                 % (i, json.dumps(rec), json.dumps(line)))
print('test_avro_python: %d records equal' % len(records))
PY
