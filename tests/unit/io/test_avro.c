/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_avro.c: notifications in Avro. The engine's own notifications (a
 * replay of tests/data/) must fit the reference schema field for field, come
 * back equal from Avro binary, the Confluent wire format and a container
 * file, and the same records must give the same file. The schema copy in
 * schema/ must stay the reference one, and JSON the schema refuses must be
 * refused with the path of the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <avro.h>
#include <cmocka.h>
#include <jansson.h>

#include "io/avro_encode.h"
#include "sdd/sdd.h"

#define MAX_NOTES 16

typedef struct notes {
    char *json[MAX_NOTES];
    int n;
} notes;

static const char *srcdir(void)
{
    const char *d = getenv("SDD_SRCDIR");
    return d ? d : "..";
}

static void src_path(const char *rel, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", srcdir(), rel);
}

static void collect(void *ctx, const sdd_notification *n)
{
    notes *s = ctx;
    assert_true(s->n < MAX_NOTES);
    s->json[s->n++] = strdup(n->json);
}

/* The notifications of src/notification.c for the replay in tests/data/. */
static void replay(notes *out)
{
    char conf[512], inv[512], flows[512], bmp[512];
    sdd_error err = {0};
    sdd_config *cfg = sdd_config_new();

    src_path("tests/data/sdd.conf", conf, sizeof(conf));
    src_path("tests/data/inventory.json", inv, sizeof(inv));
    src_path("tests/data/flows.jsonl", flows, sizeof(flows));
    src_path("tests/data/bmp.jsonl", bmp, sizeof(bmp));
    if (sdd_config_load(cfg, conf, &err) < 0)
        fail_msg("%s", err.msg);
    sdd_engine *e = sdd_engine_new(cfg, &err);
    sdd_config_free(cfg);
    assert_non_null(e);
    if (sdd_engine_load_inventory(e, inv, &err) < 0)
        fail_msg("%s", err.msg);
    sdd_engine_on_notification(e, collect, out);
    if (sdd_engine_replay(e, flows, bmp, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    sdd_engine_free(e);
    assert_true(out->n >= 2);
}

static void notes_free(notes *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->json[i]);
    s->n = 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void strip_docs(json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;

    if (json_is_object(j)) {
        json_object_del(j, "doc");
        json_object_foreach(j, key, v)
            strip_docs(v);
    }
    json_array_foreach(j, i, v)
        strip_docs(v);
}

static json_t *load_schema_shape(const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);

    if (!j)
        fail_msg("%s: %s", path, jerr.text);
    strip_docs(j);
    return j;
}

/* The copy in schema/ has the reference's names, field order and types
 * (docs may be reworded); the library holds that copy. */
static void test_schema_copy_is_reference(void **state)
{
    (void)state;
    char ref[512], copy[512];
    size_t len;

    src_path("../shared/reference/ietf/avro/RelevantStateNotification.avsc", ref, sizeof(ref));
    src_path("schema/RelevantStateNotification.avsc", copy, sizeof(copy));
    char *text = read_file(copy, &len);
    assert_non_null(text);
    assert_string_equal(text, sdd_avro_reference_schema);
    free(text);
    if (access(ref, R_OK) != 0)
        skip();
    json_t *a = load_schema_shape(ref), *b = load_schema_shape(copy);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
}

/* Every union of a notification set to a value, for the branches the
 * engine's own records leave null. */
static char *filled(const char *json)
{
    json_t *n = json_loads(json, 0, NULL);
    json_t *a = json_array_get(json_object_get(n, "anomaly"), 0);
    json_t *svc = json_array_get(json_object_get(json_object_get(n, "service"), "l3VpnService"), 0);
    json_t *sites = json_array();

    json_object_set_new(n, "uri", json_string("https://example.com/rs"));
    json_object_set_new(n, "confidenceScore", json_integer(80));
    json_object_set_new(a, "pattern", json_string("spike"));
    json_object_set_new(json_object_get(a, "annotator"), "id", json_string("6fb0f344-14a1-51bd-a8db-673db6223448"));
    json_object_set_new(json_object_get(a, "symptom"), "season", json_string("holiday"));
    json_object_set_new(json_object_get(a, "operationalData"), "subjectName", json_string("bmp_peer_changes"));
    json_array_append_new(sites, json_string("site-1"));
    json_object_set_new(svc, "siteIds", sites);
    json_object_set_new(svc, "changeStartTime", json_integer(1700000000000));
    char *text = json_dumps(n, JSON_COMPACT);
    json_decref(n);
    return text;
}

/* One binary record read with a schema, as avro-c's JSON of it. */
static char *read_with(avro_schema_t schema, const void *buf, size_t len)
{
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_reader_t rd = avro_reader_memory(buf, (int64_t)len);
    avro_value_t v;
    char *json = NULL;

    assert_int_equal(avro_generic_value_new(iface, &v), 0);
    assert_int_equal(avro_value_read(rd, &v), 0);
    size_t size = 0;
    avro_value_sizeof(&v, &size);
    assert_int_equal(size, len);            /* the value took every byte */
    assert_int_equal(avro_value_to_json(&v, 1, &json), 0);
    avro_value_decref(&v);
    avro_reader_free(rd);
    avro_value_iface_decref(iface);
    return json;
}

/* The self-contained writer schema is the reference file's record: the bytes
 * of a notification, read with the whole reference file (a union) as the
 * value of its RelevantStateNotification branch, read the same: names,
 * branches, symbols. (avro-c compares neither that branch alone, whose named
 * types are defined outside it, nor a type with a reference to it.) */
static void test_writer_schema_is_reference_record(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_avro *a = sdd_avro_new(&err);
    notes out = {{0}, 0};
    avro_schema_t all, mine;
    char *tagged, expect[16384];
    void *buf;
    size_t len;
    int branch;

    assert_non_null(a);
    assert_int_equal(avro_schema_from_json_length(sdd_avro_reference_schema, strlen(sdd_avro_reference_schema),
                                                  &all), 0);
    const char *text = sdd_avro_schema_json(a);
    assert_int_equal(avro_schema_from_json_length(text, strlen(text), &mine), 0);
    assert_non_null(strstr(text, "\"logicalType\":\"timestamp-millis\""));
    assert_non_null(avro_schema_union_branch_by_name(all, &branch, "RelevantStateNotification"));
    assert_true(branch < 64);               /* its index is one byte of zigzag varint */
    replay(&out);
    char *every = filled(out.json[0]);
    assert_int_equal(sdd_avro_encode(a, every, &buf, &len, &err), 0);
    tagged = malloc(len + 1);
    tagged[0] = (char)(branch * 2);
    memcpy(tagged + 1, buf, len);
    char *as_mine = read_with(mine, buf, len), *as_ref = read_with(all, tagged, len + 1);
    snprintf(expect, sizeof(expect), "{\"RelevantStateNotification\": %s}", as_mine);
    assert_string_equal(as_ref, expect);
    assert_non_null(strstr(as_ref, "\"pattern\": {\"Pattern\": \"spike\"}"));
    free(as_mine);
    free(as_ref);
    free(tagged);
    free(buf);
    free(every);
    notes_free(&out);
    avro_schema_decref(all);
    avro_schema_decref(mine);
    sdd_avro_free(a);
}

static void assert_round_trip(sdd_avro *a, const char *json)
{
    sdd_error err = {0};
    void *buf = NULL;
    size_t len = 0;

    if (sdd_avro_encode(a, json, &buf, &len, &err) < 0)
        fail_msg("%s", err.msg);
    char *back = sdd_avro_decode(a, buf, len, &err);
    if (!back)
        fail_msg("%s", err.msg);
    assert_string_equal(back, json);
    free(back);
    free(buf);
}

/* What the engine writes goes through the encoder unchanged and comes back
 * the same text: every field in the schema, in its order. */
static void test_notifications_round_trip(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_avro *a = sdd_avro_new(&err);
    notes out = {{0}, 0};

    assert_non_null(a);
    replay(&out);
    for (int i = 0; i < out.n; i++)
        assert_round_trip(a, out.json[i]);
    char *all = filled(out.json[0]);
    assert_round_trip(a, all);
    free(all);
    notes_free(&out);
    sdd_avro_free(a);
}

static void test_confluent_wire_format(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_avro *a = sdd_avro_new(&err);
    notes out = {{0}, 0};
    void *plain, *wire;
    size_t plain_len, wire_len;
    static const unsigned char header[5] = {0, 0x01, 0x02, 0x03, 0x04};

    replay(&out);
    assert_int_equal(sdd_avro_encode(a, out.json[0], &plain, &plain_len, &err), 0);
    assert_int_equal(sdd_avro_encode_confluent(a, 0x01020304, out.json[0], &wire, &wire_len, &err), 0);
    assert_int_equal(wire_len, plain_len + 5);
    assert_memory_equal(wire, header, 5);
    assert_memory_equal((char *)wire + 5, plain, plain_len);
    free(plain);
    free(wire);
    notes_free(&out);
    sdd_avro_free(a);
}

/* Refused JSON: the message names the field and what is wrong. */
static void assert_refused(sdd_avro *a, json_t *n, const char *expect1, const char *expect2)
{
    sdd_error err = {0};
    void *buf = NULL;
    size_t len;
    char *text = json_dumps(n, JSON_COMPACT);

    assert_int_equal(sdd_avro_encode(a, text, &buf, &len, &err), -1);
    assert_null(buf);
    if (!strstr(err.msg, expect1) || !strstr(err.msg, expect2))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.msg, expect1, expect2);
    free(text);
    json_decref(n);
}

static json_t *anomaly0(json_t *n)
{
    return json_array_get(json_object_get(n, "anomaly"), 0);
}

/* A field that notification.c would add, drop or move makes encoding fail. */
static void test_drift_and_bad_json_refused(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_avro *a = sdd_avro_new(&err);
    notes out = {{0}, 0};
    json_t *n;
    void *buf = NULL;
    size_t len;

    replay(&out);
#define FRESH() (n = json_loads(out.json[0], 0, NULL))
    FRESH();
    json_object_del(n, "strategy");
    assert_refused(a, n, "RelevantStateNotification: ", "field \"strategy\" is missing");
    FRESH();
    json_object_set_new(n, "severity", json_integer(3));
    assert_refused(a, n, "RelevantStateNotification: ", "field \"severity\" is not in the schema");
    FRESH();
    json_object_set_new(json_object_get(anomaly0(n), "annotator"), "email", json_string("x@example.com"));
    assert_refused(a, n, "anomaly[0].annotator: ", "field \"email\" is not in the schema");
    FRESH();
    json_t *uri = json_incref(json_object_get(n, "uri"));
    json_object_del(n, "uri");
    json_object_set_new(n, "uri", uri);        /* now last */
    assert_refused(a, n, "field \"description\" is out of order", "the schema has \"uri\" here");
    FRESH();
    json_object_set_new(n, "stage", json_string("problem_solved"));
    assert_refused(a, n, "stage: ", "\"problem_solved\" is not a symbol of enum NetworkAnomalyStage");
    FRESH();
    json_object_set_new(n, "concernScore", json_string("high"));
    assert_refused(a, n, "concernScore: ", "expected int, got a JSON string");
    FRESH();
    json_object_set_new(n, "concernScore", json_integer(1LL << 40));
    assert_refused(a, n, "concernScore: ", "out of the range of an int");
    FRESH();
    json_object_set_new(anomaly0(n), "endTime", json_string("yesterday"));
    assert_refused(a, n, "anomaly[0].endTime: ", "a JSON string fits no branch");
    FRESH();
    json_array_append_new(json_object_get(json_array_get(json_object_get(anomaly0(n), "vpnNodeTerminations"), 0),
                                          "interfaceId"), json_string("Gi0"));
    assert_refused(a, n, "anomaly[0].vpnNodeTerminations[0].interfaceId[1]: ", "expected long");
#undef FRESH
    assert_int_equal(sdd_avro_encode(a, "{\"id\": ", &buf, &len, &err), -1);
    assert_non_null(strstr(err.msg, "not JSON"));
    notes_free(&out);
    sdd_avro_free(a);
}

typedef struct reread {
    notes *expect;
    int n;
} reread;

static int compare_record(void *ctx, const char *json)
{
    reread *r = ctx;
    assert_true(r->n < r->expect->n);
    assert_string_equal(json, r->expect->json[r->n++]);
    return 0;
}

static void write_container(const char *path, notes *in)
{
    sdd_error err = {0};
    sdd_avro_file *f = sdd_avro_file_open(path, &err);

    if (!f)
        fail_msg("%s", err.msg);
    for (int i = 0; i < in->n; i++)
        if (sdd_avro_file_append(f, in->json[i], &err) < 0)
            fail_msg("%s", err.msg);
    assert_int_equal(sdd_avro_file_close(f, &err), 0);
}

/* The same records give the same bytes, with the writer schema in the
 * header, and read back equal. */
static void test_container_file(void **state)
{
    (void)state;
    char p1[] = "/tmp/sdd-test-avro-XXXXXX", p2[] = "/tmp/sdd-test-avro-XXXXXX";
    sdd_error err = {0};
    sdd_avro *a = sdd_avro_new(&err);
    notes out = {{0}, 0};
    reread r = {&out, 0};
    size_t l1, l2;

    close(mkstemp(p1));
    close(mkstemp(p2));
    replay(&out);
    write_container(p1, &out);
    write_container(p2, &out);
    char *b1 = read_file(p1, &l1), *b2 = read_file(p2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    assert_memory_equal(b1, "Obj\x01", 4);
    assert_non_null(memmem(b1, l1, sdd_avro_schema_json(a), strlen(sdd_avro_schema_json(a))));
    assert_int_equal(sdd_avro_file_is_container(p1, &err), 1);
    assert_int_equal(sdd_avro_file_read(p1, compare_record, &r, &err), out.n);
    assert_int_equal(r.n, out.n);
    free(b1);
    free(b2);
    unlink(p1);
    unlink(p2);
    notes_free(&out);
    sdd_avro_free(a);
}

/* Appending to a container keeps what it held; a file that is not one is
 * refused. */
static void test_container_append(void **state)
{
    (void)state;
    char path[] = "/tmp/sdd-test-avro-XXXXXX";
    sdd_error err = {0};
    notes out = {{0}, 0}, first = {{0}, 0};
    reread r = {&out, 0};
    sdd_avro_file *f;

    close(mkstemp(path));
    replay(&out);
    first.json[0] = out.json[0];
    first.n = 1;
    write_container(path, &first);
    f = sdd_avro_file_open_append(path, &err);
    assert_non_null(f);
    for (int i = 1; i < out.n; i++)
        assert_int_equal(sdd_avro_file_append(f, out.json[i], &err), 0);
    assert_int_equal(sdd_avro_file_close(f, &err), 0);
    assert_int_equal(sdd_avro_file_read(path, compare_record, &r, &err), out.n);

    FILE *fp = fopen(path, "w");
    fputs(out.json[0], fp);
    fclose(fp);
    assert_null(sdd_avro_file_open_append(path, &err));
    assert_non_null(strstr(err.msg, "not an Avro container file"));
    assert_int_equal(sdd_avro_file_read(path, compare_record, &r, &err), -1);
    unlink(path);
    notes_free(&out);
}

/* Bytes of a file changed in place. */
static void poke(const char *path, long at, const void *bytes, size_t len)
{
    FILE *fp = fopen(path, "r+b");

    assert_non_null(fp);
    assert_int_equal(fseek(fp, at, SEEK_SET), 0);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    fclose(fp);
}

static int any_record(void *ctx, const char *json)
{
    (void)json;
    (*(int *)ctx)++;
    return 0;
}

/* A read that must fail, with a message naming the file and what is wrong. */
static void assert_read_refused(const char *path, const char *what)
{
    sdd_error err = {0};
    int n = 0;

    assert_int_equal(sdd_avro_file_read(path, any_record, &n, &err), -1);
    if (!strstr(err.msg, path) || !strstr(err.msg, what))
        fail_msg("\"%s\" does not name the file and say \"%s\"", err.msg, what);
}

/* The stage, an enum, is the record's last field: its index is the last
 * byte of the record. Index 57 (zigzag 114) names no symbol. */
#define BAD_STAGE 0x72

/* A binary record with an enum index out of range, or cut, is refused with
 * the field's path, never read as a symbol. */
static void test_decode_refuses_damage(void **state)
{
    (void)state;
    sdd_error err = {0};
    sdd_avro *a = sdd_avro_new(&err);
    notes out = {{0}, 0};
    unsigned char *buf;
    size_t len;

    replay(&out);
    assert_int_equal(sdd_avro_encode(a, out.json[0], (void **)&buf, &len, &err), 0);
    buf[len - 1] = BAD_STAGE;
    assert_null(sdd_avro_decode(a, buf, len, &err));
    assert_non_null(strstr(err.msg, "stage: enum index 57"));
    assert_null(sdd_avro_decode(a, buf, len / 2, &err));
    assert_non_null(strstr(err.msg, "cut short"));
    free(buf);
    notes_free(&out);
    sdd_avro_free(a);
}

/* A container in two blocks (one record, then the rest appended). */
static void write_two_blocks(const char *path, notes *out)
{
    sdd_error err = {0};
    notes first = {{out->json[0]}, 1};
    sdd_avro_file *f;

    write_container(path, &first);
    f = sdd_avro_file_open_append(path, &err);
    assert_non_null(f);
    for (int i = 1; i < out->n; i++)
        assert_int_equal(sdd_avro_file_append(f, out->json[i], &err), 0);
    assert_int_equal(sdd_avro_file_close(f, &err), 0);
}

/* A damaged container file is an error naming the file and what is wrong,
 * not an end: an enum index out of range, a sync marker changed, a block
 * cut short. */
static void test_container_damage_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/sdd-test-avro-XXXXXX";
    notes out = {{0}, 0};
    size_t len;
    char *bytes, *sync, *marker;
    const char flip = 'x';

    close(mkstemp(path));
    replay(&out);
    assert_true(out.n >= 2);
    write_two_blocks(path, &out);
    bytes = read_file(path, &len);
    marker = bytes + len - 16;                                           /* the last block's */
    sync = (char *)memmem(bytes, len, marker, 16) + 16;                   /* past the header's */
    sync = memmem(sync, (size_t)(marker - sync), marker, 16);             /* the first block's */
    assert_non_null(sync);

    poke(path, (long)len - 17, (const char[]){BAD_STAGE}, 1);
    assert_read_refused(path, "stage: enum index 57");
    write_two_blocks(path, &out);
    poke(path, sync - bytes, &flip, 1);
    assert_read_refused(path, "sync marker");
    write_two_blocks(path, &out);
    assert_int_equal(truncate(path, (off_t)len - 20), 0);
    assert_read_refused(path, "cut short");
    free(bytes);
    unlink(path);
    notes_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_copy_is_reference),
        cmocka_unit_test(test_writer_schema_is_reference_record),
        cmocka_unit_test(test_notifications_round_trip),
        cmocka_unit_test(test_confluent_wire_format),
        cmocka_unit_test(test_drift_and_bad_json_refused),
        cmocka_unit_test(test_container_file),
        cmocka_unit_test(test_container_append),
        cmocka_unit_test(test_decode_refuses_damage),
        cmocka_unit_test(test_container_damage_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
