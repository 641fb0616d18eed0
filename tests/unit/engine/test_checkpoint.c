/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_checkpoint.c: the state file (engine/checkpoint.c) as a restart
 * reads it. Its checksum line catches a changed byte; every value is
 * checked (type, range, the service's terminations, the state's rows, each
 * service once) and a bad one refuses the state with the file and the
 * field; the state a checkpoint replaces is kept as STATE.prev and the
 * refusal says how to go on from it; a version 2 state (no checksum) is
 * still read; a symlink planted at the temporary path is not written
 * through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "sdd/sdd.h"

#define T0 1700000040           /* a slot boundary */
#define VPN "64497:1"
#define RD "0:64497:1"
#define ROUTER "192.0.2.1"
#define CE "198.51.100.1"

static const char inventory[] =
    "{\"services\":[{\"vpn_id\":\"" VPN "\",\"name\":\"customer-1\",\"profile\":\"default\","
    "\"terminations\":[{\"router\":\"" ROUTER "\",\"hostname\":\"pe1\",\"vrf_name\":\"CUST1\","
    "\"vrf_id\":7,\"rd\":\"" RD "\",\"interfaces\":[{\"id\":101,\"name\":\"Gi0/0/0/1\"}],"
    "\"ce_peers\":[\"" CE "\"]}]}]}";

typedef struct fixture {
    char dir[64];
    char state[96], prev[96], tmp[96], hist[96], inv[96];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    FILE *fp;

    snprintf(f->dir, sizeof(f->dir), "/tmp/test_checkpoint.XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->state, sizeof(f->state), "%s/state.json", f->dir);
    snprintf(f->prev, sizeof(f->prev), "%s/state.json.prev", f->dir);
    snprintf(f->tmp, sizeof(f->tmp), "%s/state.json.tmp", f->dir);
    snprintf(f->hist, sizeof(f->hist), "%s/history.db", f->dir);
    snprintf(f->inv, sizeof(f->inv), "%s/inventory.json", f->dir);
    fp = fopen(f->inv, "w");
    if (!fp)
        return -1;
    fputs(inventory, fp);
    fclose(fp);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static sdd_config *config_of(const fixture *f)
{
    const char *const settings[] = {"data_delay", "0", "close_after_slots", "2", "state_file", f->state,
                                    "history_file", f->hist, NULL};
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};

    for (int i = 0; settings[i]; i += 2)
        if (sdd_config_set(cfg, settings[i], NULL, settings[i + 1], &err) < 0)
            fail_msg("%s", err.msg);
    return cfg;
}

/* An engine on the fixture's state and history: NULL with err when the
 * state is refused. */
static sdd_engine *engine_new(const fixture *f, sdd_error *err)
{
    sdd_config *cfg = config_of(f);
    sdd_engine *e = sdd_engine_new(cfg, err);

    sdd_config_free(cfg);
    if (e && sdd_engine_load_inventory(e, f->inv, err) < 0)
        fail_msg("%s", err->msg);
    return e;
}

static sdd_engine *engine_ok(const fixture *f)
{
    sdd_error err = {0};
    sdd_engine *e = engine_new(f, &err);

    if (!e)
        fail_msg("%s", err.msg);
    return e;
}

static void traffic(sdd_engine *e, int64_t t)
{
    sdd_flow fl;

    memset(&fl, 0, sizeof(fl));
    fl.time = t;
    assert_int_equal(sdd_addr_parse(ROUTER, &fl.router), 0);
    assert_int_equal(sdd_rd_parse(RD, &fl.rd), 0);
    fl.ip_proto = 6;
    fl.bytes = 100000;
    fl.packets = 101;
    fl.flows = 10;
    sdd_engine_add_flow(e, &fl);
}

/* Traffic in minutes from..to-1, the CE peer down in minute 3: from then
 * on a relevant state is open. */
static void feed(sdd_engine *e, int from, int to)
{
    for (int s = from; s < to; s++) {
        traffic(e, T0 + s * 60);
        if (s == 3) {
            sdd_bmp_event down;
            memset(&down, 0, sizeof(down));
            down.time = T0 + s * 60 + 5;
            down.type = SDD_BMP_PEER_DOWN;
            down.peer_type = SDD_PEER_RD_INSTANCE;
            down.reason = 3;
            assert_int_equal(sdd_addr_parse(ROUTER, &down.router), 0);
            assert_int_equal(sdd_addr_parse(CE, &down.peer), 0);
            assert_int_equal(sdd_rd_parse(RD, &down.rd), 0);
            sdd_engine_add_bmp(e, &down);
        }
    }
}

/* The fixture's state file written by an engine that read `slots` minutes. */
static void save_state(const fixture *f, int slots)
{
    sdd_engine *e = engine_ok(f);
    sdd_error err = {0};

    feed(e, 0, slots);
    if (sdd_engine_sync(e, &err) < 0)
        fail_msg("%s", err.msg);
    sdd_engine_free(e);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return buf;
}

/* The document of a state file (its first line), parsed. */
static json_t *load_doc(const char *path)
{
    char *text = slurp(path), *nl = strchr(text, '\n');
    json_t *doc = json_loadb(text, nl ? (size_t)(nl - text) : strlen(text), 0, NULL);

    free(text);
    assert_non_null(doc);
    return doc;
}

/* A state file holding `doc`, with its checksum line (version 3) or
 * without (as version 2 wrote it). */
static void write_doc(const char *path, json_t *doc, int summed)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    if (summed)
        fprintf(fp, "\n{\"crc32\":\"%08lx\"}\n", crc32(0L, (const Bytef *)text, (uInt)strlen(text)));
    fclose(fp);
    free(text);
}

/* Starting from the fixture's state fails, naming the file and saying why;
 * the message is left in err. */
static void refused(const fixture *f, const char *why, sdd_error *err)
{
    sdd_engine *e = engine_new(f, err);

    if (e) {
        sdd_engine_free(e);
        fail_msg("a state with %s was taken", why);
    }
    if (!strstr(err->msg, f->state) || !strstr(err->msg, why))
        fail_msg("\"%s\" does not name the file and say \"%s\"", err->msg, why);
}

/* One byte of the document changed on disk (a digit of `newest`, which
 * still reads as a time) is caught by the checksum; the state before is
 * kept as .prev, the refusal says so, and moving it back goes on. */
static void test_checksum_and_prev(void **state)
{
    fixture *f = *state;
    sdd_engine *e = engine_ok(f);
    sdd_error err = {0};
    char *first, *text, *digit;
    FILE *fp;

    feed(e, 0, 5);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    assert_int_equal(access(f->prev, F_OK), -1);                      /* no state before the first */
    first = slurp(f->state);
    assert_non_null(strstr(first, "}\n{\"crc32\":\""));
    feed(e, 5, 7);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    sdd_engine_free(e);
    text = slurp(f->prev);
    assert_string_equal(text, first);
    free(text);

    text = slurp(f->state);
    digit = strstr(text, "\"newest\":") + strlen("\"newest\":1700000");
    *digit = *digit == '1' ? '2' : '1';
    fp = fopen(f->state, "w");
    fputs(text, fp);
    fclose(fp);
    refused(f, "checksum does not match", &err);
    assert_non_null(strstr(err.msg, f->prev));
    assert_non_null(strstr(err.msg, "to go on from it, move it to"));
    assert_int_equal(rename(f->prev, f->state), 0);
    sdd_engine_free(engine_ok(f));
    free(text);
    free(first);
}

/* One change to a valid state's document, written with a valid checksum,
 * must be refused with `why`. */
typedef void (*change_fn)(json_t *doc);

static json_t *service0(json_t *doc)
{
    return json_array_get(json_object_get(doc, "services"), 0);
}

static json_t *contribution0(json_t *doc)
{
    return json_array_get(json_object_get(json_object_get(service0(doc), "relevant_state"), "contributions"), 0);
}

static void plane_40000(json_t *d) { json_object_set_new(contribution0(d), "plane", json_integer(40000)); }
static void no_detector(json_t *d) { json_object_del(contribution0(d), "detector"); }
static void pattern_6(json_t *d) { json_object_set_new(contribution0(d), "pattern", json_integer(6)); }
static void strength_negative(json_t *d) { json_object_set_new(contribution0(d), "strength", json_real(-1)); }
static void termination_1(json_t *d) { json_object_set_new(contribution0(d), "termination", json_integer(1)); }
static void kind_4(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(service0(d), "events"), 0), "kind", json_integer(4));
}
static void peer_nonsense(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(service0(d), "events"), 0), "peer", json_string("pe1"));
}
static void revision_negative(json_t *d)
{
    json_object_set_new(json_object_get(service0(d), "relevant_state"), "revision", json_integer(-1));
}
static void id_not_uuid(json_t *d)
{
    json_object_set_new(json_object_get(service0(d), "relevant_state"), "id", json_string("x"));
}
static void row_past_rows(json_t *d)
{
    json_array_set_new(json_array_get(json_object_get(service0(d), "rows"), 0), 0, json_integer(1000));
}
static void sum_negative(json_t *d)
{
    json_array_set_new(json_array_get(json_object_get(service0(d), "rows"), 0), 1, json_real(-5));
}
static void next_close_text(json_t *d) { json_object_set_new(d, "next_close", json_string("28333337")); }
static void newest_far(json_t *d) { json_object_set_new(d, "newest", json_integer(INT64_C(1) << 62)); }
static void row_records_negative(json_t *d)
{
    json_array_set_new(json_object_get(d, "row_records"), 0, json_integer(-1));
}
static void cursor_number(json_t *d) { json_object_set_new(d, "cursor", json_integer(5)); }
static void service_twice(json_t *d)
{
    json_array_append_new(json_object_get(d, "services"), json_deep_copy(service0(d)));
}

static void test_values_checked(void **state)
{
    fixture *f = *state;
    static const struct {
        change_fn change;
        const char *why;
    } cases[] = {
        {plane_40000, ": services[0].relevant_state.contributions[0].plane: 40000 is out of range (0..2)"},
        {no_detector, "contributions[0].detector: missing"},
        {pattern_6, "contributions[0].pattern: 6 is out of range (-1..5)"},
        {strength_negative, "contributions[0].strength: -1 is not a finite number >= 0"},
        {termination_1, "contributions[0].termination: 1 is out of range (-1..0)"},
        {kind_4, "services[0].events[0].kind: 4 is out of range (0..3)"},
        {peer_nonsense, "services[0].events[0].peer: \"pe1\" is not an address"},
        {revision_negative, "relevant_state.revision: -1 is out of range"},
        {id_not_uuid, "relevant_state.id: \"x\" is not a UUID"},
        {row_past_rows, "services[0].rows[0]: row 1000 is not one of the state's rows (0..21)"},
        {sum_negative, "services[0].rows[0]: sum 0 is not a finite number >= 0"},
        {next_close_text, ": next_close: a JSON string where an integer is wanted"},
        {newest_far, ": newest: 4611686018427387904 is out of range"},
        {row_records_negative, "row_records: entry 0 is not a count >= 0"},
        {cursor_number, ": cursor: a JSON integer where a string or null is wanted"},
        {service_twice, "services[1].vpn_id: \"64497:1\" is listed twice"},
    };
    sdd_error err = {0};
    json_t *good;

    save_state(f, 6);
    good = load_doc(f->state);
    assert_non_null(contribution0(good));                             /* a relevant state is open */
    assert_non_null(json_array_get(json_object_get(service0(good), "events"), 0));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *doc = json_deep_copy(good);
        cases[i].change(doc);
        write_doc(f->state, doc, 1);
        json_decref(doc);
        refused(f, cases[i].why, &err);
        assert_non_null(strstr(err.msg, "remove it to start afresh"));   /* no .prev after one checkpoint */
    }
    write_doc(f->state, good, 1);
    sdd_engine_free(engine_ok(f));
    json_decref(good);
}

/* A version 2 state (no checksum line) is read and the next checkpoint
 * writes version 3; a version 3 state without its checksum line (cut
 * short) is refused. */
static void test_versions(void **state)
{
    fixture *f = *state;
    sdd_error err = {0};
    sdd_engine *e;
    json_t *doc;

    save_state(f, 6);
    doc = load_doc(f->state);
    write_doc(f->state, doc, 0);
    refused(f, "its checksum line is missing", &err);
    json_object_set_new(doc, "version", json_integer(2));
    json_object_set_new(doc, "cursor", json_string("from version 2"));
    write_doc(f->state, doc, 0);
    e = engine_ok(f);
    assert_string_equal(sdd_engine_cursor(e), "from version 2");
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    sdd_engine_free(e);
    json_decref(doc);
    doc = load_doc(f->state);
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 3);
    json_decref(doc);
    sdd_engine_free(engine_ok(f));
}

/* A symlink planted where the state's temporary file goes: the checkpoint
 * neither writes through it nor leaves the state file a symlink. */
static void test_symlink_at_temp_path(void **state)
{
    fixture *f = *state;
    char victim[128], *text;
    struct stat st;
    FILE *fp;

    snprintf(victim, sizeof(victim), "%s/victim", f->dir);
    fp = fopen(victim, "w");
    fputs("precious", fp);
    fclose(fp);
    assert_int_equal(symlink(victim, f->tmp), 0);
    save_state(f, 6);
    text = slurp(victim);
    assert_string_equal(text, "precious");
    free(text);
    assert_int_equal(lstat(f->state, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    sdd_engine_free(engine_ok(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checksum_and_prev, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_at_temp_path, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
