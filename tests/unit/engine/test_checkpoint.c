/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_checkpoint.c: the state file (engine/checkpoint.c, state_bin.c,
 * state_json.c) as a restart reads it. Each section's checksum catches a
 * changed byte; a file cut short, of a newer version or of another kind is
 * refused saying so; every value is checked (range, the service's
 * terminations, the state's rows, each service once) and a bad one refuses
 * the state with the file and the field; the state a checkpoint replaces is
 * kept as STATE.prev and the refusal says how to go on from it; the JSON
 * states of versions 2 and 3 are still read, with the same checks, and the
 * next checkpoint writes the binary one; so are the binary states of
 * version 6 (fixed-width numbers: tests/data/state-v6*.bin, written by the
 * engine at 6b3e8d9) and 5, whose values are checked as today's; a symlink
 * planted at the temporary path is not written through. */
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
#include "engine/metrics.h"

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

static void flow_at(sdd_engine *e, int64_t t, const char *router, const char *rd, uint64_t bytes)
{
    sdd_flow fl;

    memset(&fl, 0, sizeof(fl));
    fl.time = t;
    assert_int_equal(sdd_addr_parse(router, &fl.router), 0);
    assert_int_equal(sdd_rd_parse(rd, &fl.rd), 0);
    fl.ip_proto = 6;
    fl.bytes = bytes;
    fl.packets = 101;
    fl.flows = 10;
    sdd_engine_add_flow(e, &fl);
}

static void traffic(sdd_engine *e, int64_t t)
{
    flow_at(e, t, ROUTER, RD, 100000);
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

/* The bytes of a file (NUL after them), and how many. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long n;

    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void spit(const char *path, const unsigned char *bytes, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    fclose(fp);
}

/* ---- the binary format (state_bin.c's layout comment) ---- */

#define HEADER 28
enum { S_ENGINE, S_INVENTORY, S_SERVICES, S_CARRIERS, S_SITES, S_END, S_COUNT };

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The varint at `at` (state_bin.c's put_varint); *end: the byte after it. */
static uint64_t varint(const unsigned char *b, size_t at, size_t *end)
{
    uint64_t v = 0;

    for (int shift = 0;; shift += 7, at++) {
        v |= (uint64_t)(b[at] & 0x7f) << shift;
        if (!(b[at] & 0x80))
            break;
    }
    *end = at + 1;
    return v;
}

static size_t skip_varint(const unsigned char *b, size_t at)
{
    size_t end;

    varint(b, at, &end);
    return end;
}

/* Where section k's 16-byte header starts. */
static size_t section_at(const unsigned char *b, int k)
{
    size_t at = HEADER;

    for (int i = 0; i < k; i++)
        at += 16 + le32(b + at + 8) + 4;
    return at;
}

/* Every checksum made right again after a change. */
static void resum(unsigned char *b)
{
    set_le(b + 24, crc32(0L, b, 24), 4);
    for (int k = 0; k < S_COUNT; k++) {
        size_t at = section_at(b, k), len = le32(b + at + 8);
        uLong crc = crc32(crc32(0L, b + at + 16, (uInt)len), b + at, 16);
        set_le(b + at + 16 + len, crc, 4);
    }
}

/* Where the values a test changes are in the services section of a state
 * of one service with events, rows and an open relevant state, as version
 * 6 wrote it. */
typedef struct places {
    size_t service, service_end, kind, row, sum, revision, plane;
} places;

static size_t skip_text(const unsigned char *b, size_t at)
{
    return at + 4 + le32(b + at);
}

static places find_places_v6(const unsigned char *b)
{
    size_t sec = section_at(b, S_SERVICES), at = sec + 16;
    places w;
    uint32_t n;

    assert_int_equal(le32(b + at), 1);                                 /* one service */
    w.service = at + 4;
    w.service_end = sec + 16 + le32(b + sec + 8);
    at = skip_text(b, w.service) + 4 + 8;                              /* vpn_id, class, day */
    n = b[at++];
    assert_true(n > 0);
    w.kind = at + 8;
    for (uint32_t i = 0; i < n; i++)
        at = skip_text(b, at + 8 + 1 + 4 + 4 + 16);
    n = le32(b + at);
    assert_true(n > 0);
    at += 4;
    w.row = at;
    w.sum = at + 4 + 8;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t mask = le32(b + at + 4) | (uint64_t)le32(b + at + 8) << 32;
        at += 4 + 8 + 8 * (size_t)__builtin_popcountll(mask);
    }
    assert_int_equal(b[at++], 1);                                      /* a relevant state open */
    at = skip_text(b, at);
    w.revision = at + 16;
    at += 16 + 4 * 4 + 8;
    assert_true(b[at++] > 0);                                          /* a contribution */
    w.plane = skip_text(b, at) + 16;
    return w;
}

/* The byte after a text of version 7: its length + 1 as a varint. */
static size_t skip_text_v7(const unsigned char *b, size_t at)
{
    size_t end;
    uint64_t len = varint(b, at, &end);

    return end + (len ? len - 1 : 0);
}

/* Where the rows of the one service of a state of today's version are
 * (state_bin.c's write_rows): their count, the first row's index, its
 * bitmaps, its first sum and the byte after that sum. */
typedef struct rows_at {
    size_t count, row, mask, doubles, sum, sum_end;
} rows_at;

static rows_at find_rows(const unsigned char *b)
{
    size_t at = section_at(b, S_SERVICES) + 16, n;
    rows_at w;

    assert_int_equal(le32(b + at), 1);                                 /* one service */
    at += 4;
    at = skip_varint(b, skip_varint(b, skip_text_v7(b, at)));         /* vpn_id, class, day */
    n = b[at++];
    for (size_t i = 0; i < n; i++)                                     /* time, kind, termination, reason */
        at = skip_text_v7(b, skip_varint(b, skip_varint(b, skip_varint(b, at) + 1)) + 16);
    w.count = at;
    assert_true(varint(b, w.count, &w.row) > 0);
    w.mask = skip_varint(b, w.row);
    w.doubles = skip_varint(b, w.mask);
    w.sum = skip_varint(b, w.doubles);
    w.sum_end = skip_varint(b, w.sum);
    return w;
}

/* A state as version 3 wrote it: the engine at ed257be after save_state(f, 6)
 * (a relevant state open, its peer down among the events). */
static const char state_v3[] =
    "{\"format\":\"pmacct-sdd-state\",\"version\":3,\"time_step_seconds\":60,\"rows\":22,\"strategy\":\"volume-1-patte"
    "rn-1-flow-count-1-peer-down-1-withdraw-1-update-1-flow-fwd-1-oc-1-saturation-1-pipeline\",\"newest\":17"
    "00000340,\"next_close\":28333337,\"first_slot\":28333334,\"row_records\":[1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
    "0,0,1,1,1,2],\"row_closed_empty\":[false,false,false,false,false,false,false,false,false,false,false,f"
    "alse,false,false,false,false,false,false,false,false,false,false],\"cursor\":null,\"services\":[{\"vpn_id"
    "\":\"64497:1\",\"events\":[{\"time\":1700000225,\"kind\":1,\"termination\":0,\"reason\":3,\"peer\":\"198.51.100.1\",\""
    "ifname\":\"\"}],\"rows\":[[0,100000.0,0.0,10.0,0.0,0.0,101.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,"
    "0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0],[1,"
    "100000.0,0.0,10.0,0.0,0.0,101.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,"
    "0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0],[18,100000.0,0.0,10.0,0.0,0"
    ".0,101.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0"
    ",0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0],[19,100000.0,0.0,10.0,0.0,0.0,101.0,0.0,0.0,0.0,0."
    "0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0."
    "0,0.0,0.0,0.0,0.0,0.0,0.0],[20,100000.0,0.0,10.0,0.0,0.0,101.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0"
    ".0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0"
    ".0],[21,100000.0,0.0,10.0,0.0,0.0,101.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,"
    "0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0]],\"relevant_state\":{"
    "\"id\":\"d7fb6028-226d-514f-a17a-5da63aa0497f\",\"start\":1700000220,\"end\":1700000280,\"revision\":0,\"below\""
    ":0,\"band\":3,\"concern\":95,\"recovered\":0,\"contributions\":[{\"detector\":\"bmp_peer_down\",\"strength\":1.0,\""
    "weight\":1.0,\"plane\":1,\"action\":\"Adjacency\",\"reason\":\"Remotely Teared Down\",\"trigger\":\"Peer\",\"pattern"
    "\":-1,\"start\":1700000225,\"end\":1700000280,\"termination\":0,\"description\":\"BGP peer 198.51.100.1 down ("
    "BMP reason 3)\",\"first\":1700000220,\"last\":1700000220,\"active\":true}]},\"profile_class\":0,\"profile_day\""
    ":19675}],\"inventory\":{\"services\":[{\"vpn_id\":\"64497:1\",\"name\":\"customer-1\",\"profile\":\"default\",\"termi"
    "nations\":[{\"router\":\"192.0.2.1\",\"hostname\":\"pe1\",\"vrf_name\":\"CUST1\",\"vrf_id\":7,\"rd\":\"0:64497:1\",\"int"
    "erfaces\":[{\"id\":101,\"name\":\"Gi0/0/0/1\",\"capacity_bps\":0.0}],\"ce_peers\":[\"198.51.100.1\"]}],\"changes\":"
    "[]}]},\"clock\":{\"now\":1700000220,\"lead\":1700000340,\"sources\":[{\"kind\":0,\"router\":\"192.0.2.1\",\"newest\""
    ":1700000340},{\"kind\":1,\"router\":\"192.0.2.1\",\"newest\":1700000225}]},\"history_epoch\":1}";

static json_t *v3_doc(void)
{
    json_t *doc = json_loads(state_v3, 0, NULL);

    assert_non_null(doc);
    return doc;
}

/* A state file of tests/data, its bytes and how many. */
static unsigned char *data_file(const char *name, size_t *len)
{
    const char *src = getenv("SDD_SRCDIR");
    char path[512];

    snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : "..", name);
    return slurp(path, len);
}

/* The middle of section k's payload. */
static size_t middle_of(const unsigned char *b, int k)
{
    size_t at = section_at(b, k);

    return at + 16 + le32(b + at + 8) / 2;
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

/* One byte of the services section changed on disk is caught by its
 * checksum; the state before is kept as .prev, the refusal says so, and
 * moving it back goes on. */
static void test_checksum_and_prev(void **state)
{
    fixture *f = *state;
    sdd_engine *e = engine_ok(f);
    sdd_error err = {0};
    unsigned char *first, *bytes;
    size_t n_first, n;

    feed(e, 0, 5);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    assert_int_equal(access(f->prev, F_OK), -1);                      /* no state before the first */
    first = slurp(f->state, &n_first);
    assert_memory_equal(first, "SDDSTATE", 8);
    feed(e, 5, 7);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    sdd_engine_free(e);
    bytes = slurp(f->prev, &n);
    assert_int_equal(n, n_first);
    assert_memory_equal(bytes, first, n);
    free(bytes);

    bytes = slurp(f->state, &n);
    bytes[middle_of(bytes, S_SERVICES)] ^= 0x10;
    spit(f->state, bytes, n);
    refused(f, "its services section does not match its checksum", &err);
    assert_non_null(strstr(err.msg, f->prev));
    assert_non_null(strstr(err.msg, "to go on from it, move it to"));
    assert_int_equal(rename(f->prev, f->state), 0);
    sdd_engine_free(engine_ok(f));
    free(bytes);
    free(first);
}

/* A file cut short anywhere, a byte flipped in any section, a header of a
 * newer version or another kind: each refused, saying which. */
static void test_damage_refused(void **state)
{
    fixture *f = *state;
    static const char *const names[S_COUNT] = {"engine", "inventory", "services", "carriers", "sites", "end"};
    unsigned char *good, *bytes;
    sdd_error err = {0};
    char why[96];
    size_t n;

    save_state(f, 6);
    good = slurp(f->state, &n);
    bytes = malloc(n);
    const size_t cuts[] = {0, 5, 20, HEADER + 3, section_at(good, S_INVENTORY) + 30, middle_of(good, S_SERVICES),
                           section_at(good, S_END), n - 1};
    const char *const cut_why[] = {"empty: cut short", "not a pmacct-sdd state file", "cut short in its header",
                                   "cut short before its engine section", "cut short in its inventory section",
                                   "cut short in its services section", "cut short before its end section",
                                   "cut short in its end section"};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        spit(f->state, good, cuts[i]);
        refused(f, cut_why[i], &err);
    }
    for (int k = 0; k < S_COUNT; k++) {
        memcpy(bytes, good, n);
        bytes[k == S_END ? section_at(good, k) : middle_of(good, k)] ^= 0x04;    /* the end's tag: it has no payload */
        spit(f->state, bytes, n);
        snprintf(why, sizeof(why), "its %s section does not match its checksum", names[k]);
        refused(f, why, &err);
    }
    memcpy(bytes, good, n);
    set_le(bytes + 8, 8, 4);
    spit(f->state, bytes, n);
    refused(f, "its header does not match its checksum", &err);
    resum(bytes);
    spit(f->state, bytes, n);
    refused(f, "state file of version 8, this engine reads 2 to 7", &err);
    assert_null(strstr(err.msg, ".prev"));                             /* not damaged: no going back offered */
    memcpy(bytes, good, n);
    memcpy(bytes, "SDDSTATF", 8);
    spit(f->state, bytes, n);
    refused(f, "not a pmacct-sdd state file", &err);
    spit(f->state, good, n);
    sdd_engine_free(engine_ok(f));
    free(bytes);
    free(good);
}

/* One value of a valid version 6 state changed, checksums made right: each
 * refused naming the field. */
static void test_values_checked_v6(void **state)
{
    fixture *f = *state;
    static const struct {
        int field;                      /* an index of at[] below */
        uint64_t value;
        int bytes;
        const char *why;
    } cases[] = {
        {0, 4, 1, ": services[0].events[0].kind: 4 is out of range (0..3)"},
        {1, 1000, 4, ": services[0].rows[0]: row 1000 is not one of the state's rows (0..21)"},
        {2, UINT64_C(0xc014000000000000), 8, ": services[0].rows[0]: sum 0 is not a finite number > 0"},   /* -5 */
        {3, 0xffffffff, 4, ": services[0].relevant_state.revision: -1 is out of range"},
        {4, 40000, 4, ": services[0].relevant_state.contributions[0].plane: 40000 is out of range (0..2)"},
        {5, UINT64_C(1) << 62, 8, ": engine.newest: 4611686018427387904 is out of range"},
    };
    unsigned char *good, *bytes;
    sdd_error err = {0};
    size_t n, len, sec;
    places w;

    good = data_file("state-v6.bin", &n);
    w = find_places_v6(good);
    bytes = malloc(2 * n);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const size_t at[] = {w.kind, w.row, w.sum, w.revision, w.plane, section_at(good, S_ENGINE) + 16};
        memcpy(bytes, good, n);
        set_le(bytes + at[cases[i].field], cases[i].value, cases[i].bytes);
        resum(bytes);
        spit(f->state, bytes, n);
        refused(f, cases[i].why, &err);
        assert_non_null(strstr(err.msg, "remove it to start afresh"));   /* no .prev after one checkpoint */
    }
    /* the service listed twice: its bytes again, the count 2 */
    len = w.service_end - w.service;
    sec = section_at(good, S_SERVICES);
    memcpy(bytes, good, w.service_end);
    memcpy(bytes + w.service_end, good + w.service, len);
    memcpy(bytes + w.service_end + len, good + w.service_end, n - w.service_end);
    set_le(bytes + sec + 8, le32(good + sec + 8) + len, 8);
    set_le(bytes + sec + 16, 2, 4);
    resum(bytes);
    spit(f->state, bytes, n + len);
    refused(f, ": services[1].vpn_id: \"64497:1\" is listed twice", &err);
    spit(f->state, good, n);
    sdd_engine_free(engine_ok(f));
    free(bytes);
    free(good);
}

/* bytes (holding n) with the `old` bytes at `at` of section k replaced by
 * `len` others, checksums made right; its new size. */
static size_t splice(unsigned char *bytes, size_t n, int k, size_t at, size_t old, const void *with, size_t len)
{
    size_t sec = section_at(bytes, k);

    memmove(bytes + at + len, bytes + at + old, n - at - old);
    if (len)                            /* a removal: `with` may be NULL */
        memcpy(bytes + at, with, len);
    set_le(bytes + sec + 8, le32(bytes + sec + 8) + len - old, 8);
    resum(bytes);
    return n + len - old;
}

/* v as a varint into out; its length. */
static size_t varint_of(uint64_t v, unsigned char *out)
{
    size_t n = 0;

    for (; v >= 0x80; v >>= 7)
        out[n++] = (unsigned char)(v | 0x80);
    out[n++] = (unsigned char)v;
    return n;
}

/* The numbers of version 7 (varints, sums whole or doubles) changed, or
 * its inventory not deflated, checksums made right: each refused naming
 * the field. */
static void test_numbers_checked(void **state)
{
    fixture *f = *state;
    unsigned char *good, *bytes, row1000[16], whole[16], minus5[9];
    size_t n, len, m;
    sdd_error err = {0};
    rows_at w;
    uint64_t mask, bits;
    double v = -5;

    save_state(f, 6);
    good = slurp(f->state, &n);
    w = find_rows(good);
    mask = varint(good, w.mask, &m);
    assert_int_equal(varint(good, w.doubles, &m), 0);                   /* its sums are whole: varints */
    assert_int_equal(varint(good, w.sum, &m), 100000);
    memcpy(&bits, &v, 8);
    minus5[0] = 1;                                                     /* sum 0 flagged a double */
    set_le(minus5 + 1, bits, 8);
    const struct {
        size_t at, end;                 /* the bytes replaced */
        size_t len;
        const void *with;
        const char *why;
    } cases[] = {
        {w.row, w.mask, varint_of(1000, row1000), row1000,
         ": services[0].rows[0]: row 1000 is not one of the state's rows (0..21)"},
        {w.sum, w.sum_end, 1, "", ": services[0].rows[0]: sum 0 is not a finite number > 0"},
        {w.sum, w.sum_end, varint_of(UINT64_C(1) << 53, whole), whole,
         ": services[0].rows[0]: sum 0: 9007199254740992 is past 2^53"},
        {w.doubles, w.sum, 1, "\x02", ": services[0].rows[0]: its bitmaps"},       /* sum 1 a double: it is 0 */
        {w.doubles, w.sum_end, 9, minus5, ": services[0].rows[0]: sum 0 is not a finite number > 0"},
        {w.count, w.row, 11, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",      /* too long */
         ": services[0]: a number of more than 64 bits: damaged"},
        {w.count, w.row, 10, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",          /* past 64 bits */
         ": services[0]: a number of more than 64 bits: damaged"},
        {section_at(good, S_SERVICES) + 20, section_at(good, S_SERVICES) + 21, 5,
         "\x80\x80\x80\x80\x10", ": services[0]: ends inside a value: damaged"},   /* vpn_id 2^32 long */
        {w.sum, section_at(good, S_CARRIERS) - 4, 0, NULL, ": services[0].rows[0]: ends inside a value: damaged"},
    };
    assert_int_equal(good[section_at(good, S_SERVICES) + 20], 1 + strlen(VPN));
    assert_int_equal(mask & 1, 1);                                     /* sum 0, the first */
    bytes = malloc(2 * n);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(bytes, good, n);
        len = splice(bytes, n, S_SERVICES, cases[i].at, cases[i].end - cases[i].at, cases[i].with, cases[i].len);
        spit(f->state, bytes, len);
        refused(f, cases[i].why, &err);
    }
    memcpy(bytes, good, n);                                            /* the inventory not deflated */
    len = section_at(good, S_INVENTORY) + 16;
    len = splice(bytes, n, S_INVENTORY, len, le32(good + len - 8), "{\"services\":[]}", 15);
    spit(f->state, bytes, len);
    refused(f, ": inventory: not a whole deflate stream: damaged", &err);
    spit(f->state, good, n);
    sdd_engine_free(engine_ok(f));
    free(bytes);
    free(good);
}

/* ---- the sites (version 6) ---- */

#define ROUTER2 "192.0.2.2"
#define RD2 "0:64497:2"

static const char two_sites[] =
    "{\"services\":[{\"vpn_id\":\"" VPN "\",\"terminations\":["
    "{\"router\":\"" ROUTER "\",\"rd\":\"" RD "\"},{\"router\":\"" ROUTER2 "\",\"rd\":\"" RD2 "\"}]}]}";

/* The state of a service of two sites, the second one fallen in the last
 * slots (sites.h: its fall in progress). */
static void save_sites_state(const fixture *f)
{
    FILE *fp = fopen(f->inv, "w");
    sdd_engine *e;
    sdd_error err = {0};

    assert_non_null(fp);
    fputs(two_sites, fp);
    fclose(fp);
    e = engine_ok(f);
    for (int s = 0; s < 40; s++) {
        flow_at(e, T0 + s * 60, ROUTER, RD, 2000000);
        flow_at(e, T0 + s * 60 + 1, ROUTER2, RD2, s < 36 ? 1000000 : 10000);
    }
    if (sdd_engine_sync(e, &err) < 0)
        fail_msg("%s", err.msg);
    sdd_engine_free(e);
}

/* Where the values a test changes are in the sites section (state_bin.c's
 * layout comment) of a state of one service with sites. */
typedef struct site_places {
    size_t judged, n_sites, site[2], row;
} site_places;

#define SITE_BYTES (8 + 8 + 4 + 1 + 8)  /* share, drop_share, learned, moved, fell */

static site_places find_site_places(const unsigned char *b)
{
    size_t at = section_at(b, S_SITES) + 16;
    site_places w;

    assert_int_equal(le32(b + at), 1);                                 /* one service */
    w.judged = skip_text_v7(b, at + 4);
    w.n_sites = w.judged + 8;
    assert_int_equal(b[w.n_sites], 4);
    w.site[0] = w.n_sites + 1;
    w.site[1] = w.site[0] + SITE_BYTES;
    w.row = w.site[0] + 4 * SITE_BYTES;
    assert_true(b[w.row] > 0 && b[w.row] < 0x80);                      /* rows, a varint's byte */
    w.row += 1;
    return w;
}

static uint64_t f64_bits(double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    return bits;
}

/* A restart reads the sites back as they were written (the second site's
 * fall in progress); each value of them changed, checksums made right, is
 * refused naming the field. */
static void test_sites_checked(void **state)
{
    fixture *f = *state;
    unsigned char *good, *bytes, *again;
    sdd_error err = {0};
    size_t n, n_again;
    site_places w;

    save_sites_state(f);
    good = slurp(f->state, &n);
    w = find_site_places(good);
    assert_true((int64_t)(le32(good + w.site[1] + 21) | (uint64_t)le32(good + w.site[1] + 25) << 32) ==
                (T0 + 36 * 60) / 60);                                  /* the fall's first slot */
    const struct {
        size_t at;
        uint64_t value;
        int bytes;
        const char *why;
    } cases[] = {
        {w.judged, UINT64_C(1) << 62, 8, ": sites[0].judged: 4611686018427387904 is out of range"},
        {w.n_sites, 3, 1, ": sites[0].sites: 3 is out of range (4..4)"},
        {w.site[0], f64_bits(2.0), 8, ": sites[0].site[0].share: 2 is not a share"},
        {w.site[1] + 8, f64_bits(-0.5), 8, ": sites[0].site[1].drop_share: -0.5 is not a share"},
        {w.site[0] + 16, 31, 4, ": sites[0].site[0].learned: 31 is out of range (0..30)"},
        {w.site[0] + 20, 1, 1, ": sites[0].site[0].moved: 1 is out of range (0..0)"},
        {w.site[1] + 21, UINT64_C(1) << 62, 8, ": sites[0].site[1].fell: 4611686018427387904 is out of range"},
        {w.row, 100, 1, ": sites[0].rows[0]: row 100 is not one of the state's rows"},
        {skip_varint(good, skip_varint(good, w.row + 1)), 0, 1, ": sites[0].rows[0]: sum "},  /* a whole one: 0 */
    };
    bytes = malloc(n);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(bytes, good, n);
        set_le(bytes + cases[i].at, cases[i].value, cases[i].bytes);
        resum(bytes);
        spit(f->state, bytes, n);
        refused(f, cases[i].why, &err);
    }
    /* read back whole, written again the same */
    spit(f->state, good, n);
    sdd_engine *e = engine_ok(f);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    sdd_engine_free(e);
    again = slurp(f->state, &n_again);
    assert_int_equal(n_again, n);
    assert_memory_equal(again + section_at(again, S_SITES), good + section_at(good, S_SITES),
                        section_at(good, S_END) - section_at(good, S_SITES));
    free(again);
    free(bytes);
    free(good);
}

/* Version 6 (fixed-width numbers), written by the engine at 6b3e8d9 after
 * save_state(f, 6), and its sites' state after save_sites_state(): read
 * back, the next checkpoint writes version 7 with the same values as the
 * engine that read the same minutes writes today. */
static void test_version_6_read(void **state)
{
    fixture *f = *state;
    static const char *const files[] = {"state-v6.bin", "state-v6-sites.bin"};
    unsigned char *old, *today, *again;
    size_t n_old, n_today, n_again, from;
    sdd_error err = {0};
    sdd_engine *e;

    for (int i = 0; i < 2; i++) {
        if (i == 0)
            save_state(f, 6);
        else
            save_sites_state(f);
        today = slurp(f->state, &n_today);
        assert_int_equal(le32(today + 8), 7);
        old = data_file(files[i], &n_old);
        assert_int_equal(le32(old + 8), 6);
        assert_true(n_today < n_old);
        spit(f->state, old, n_old);
        e = engine_ok(f);
        assert_int_equal(sdd_engine_sync(e, &err), 0);
        sdd_engine_free(e);
        again = slurp(f->state, &n_again);
        assert_int_equal(le32(again + 8), 7);
        from = section_at(today, S_INVENTORY);
        assert_int_equal(n_again - section_at(again, S_INVENTORY), n_today - from);
        assert_memory_equal(again + section_at(again, S_INVENTORY), today + from, n_today - from);
        free(again);
        free(old);
        free(today);
        unlink(f->state);
        unlink(f->prev);
        unlink(f->hist);
    }
}

/* A version 5 state (no sites section) is read: the sites learn again, and
 * the next checkpoint writes version 7 with none. */
static void test_version_5_read(void **state)
{
    fixture *f = *state;
    unsigned char *bytes;
    size_t n, sites, end;
    sdd_error err = {0};
    sdd_engine *e;

    bytes = data_file("state-v6-sites.bin", &n);
    sites = section_at(bytes, S_SITES);
    end = section_at(bytes, S_END);
    memmove(bytes + sites, bytes + end, n - end);
    set_le(bytes + 8, 5, 4);
    set_le(bytes + 24, crc32(0L, bytes, 24), 4);
    spit(f->state, bytes, n - (end - sites));
    free(bytes);
    e = engine_ok(f);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    sdd_engine_free(e);
    bytes = slurp(f->state, &n);
    assert_int_equal(le32(bytes + 8), 7);
    assert_int_equal(le32(bytes + section_at(bytes, S_SITES) + 16), 0);     /* no sites until flows come */
    free(bytes);
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

/* The same checks on a version 3 document, still read once after an
 * upgrade. */
static void test_values_checked_v3(void **state)
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

    good = v3_doc();
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
 * writes the binary version 7; a version 3 state without its checksum line
 * (cut short) is refused. */
static void test_versions(void **state)
{
    fixture *f = *state;
    sdd_error err = {0};
    sdd_engine *e;
    json_t *doc;

    unsigned char *bytes;
    size_t n;

    doc = v3_doc();
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
    bytes = slurp(f->state, &n);
    assert_memory_equal(bytes, "SDDSTATE", 8);
    assert_int_equal(le32(bytes + 8), 7);
    free(bytes);
    e = engine_ok(f);
    assert_string_equal(sdd_engine_cursor(e), "from version 2");
    sdd_engine_free(e);
}

/* The inventory's JSON in a section copied out by inventory_section():
 * deflated since version 7. */
static char *inventory_text(const unsigned char *section, size_t len)
{
    uLongf n = 1 << 20;
    char *text = calloc(1, n + 1);

    assert_int_equal(uncompress((Bytef *)text, &n, section + 16, len - 20), Z_OK);
    return text;
}

/* Whether the inventory of a section copied out names what. */
static int inventory_has(const unsigned char *section, size_t len, const char *what)
{
    char *text = inventory_text(section, len);
    int has = strstr(text, what) != NULL;

    free(text);
    return has;
}

/* The inventory's section of a state file, copied out. */
static unsigned char *inventory_section(const char *path, size_t *len)
{
    size_t n, at;
    unsigned char *bytes = slurp(path, &n), *copy;

    at = section_at(bytes, S_INVENTORY);
    *len = section_at(bytes, S_SERVICES) - at;
    copy = malloc(*len);
    memcpy(copy, bytes + at, *len);
    free(bytes);
    return copy;
}

/* The inventory changes rarely: a checkpoint copies its section from the
 * state in place while it has not changed; one learned since (a new RD of
 * the service's VRF) is written, and read back; a section damaged in place
 * is written again, not copied. */
static void test_inventory_reused(void **state)
{
    fixture *f = *state;
    sdd_engine *e = engine_ok(f);
    sdd_error err = {0};
    unsigned char *first, *again, *bytes;
    size_t n_first, n_again, n;
    sdd_flow fl;
    FILE *fp;

    feed(e, 0, 5);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    first = inventory_section(f->state, &n_first);
    feed(e, 5, 7);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    again = inventory_section(f->state, &n_again);
    assert_int_equal(n_again, n_first);
    assert_memory_equal(again, first, n_first);
    free(again);

    memset(&fl, 0, sizeof(fl));
    fl.time = T0 + 7 * 60;
    assert_int_equal(sdd_addr_parse(ROUTER, &fl.router), 0);
    assert_int_equal(sdd_rd_parse("0:64497:2", &fl.rd), 0);
    fl.vrf_id_ingress = 7;
    fl.bytes = fl.packets = fl.flows = 1;
    sdd_engine_add_flow(e, &fl);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    again = inventory_section(f->state, &n_again);
    assert_true(inventory_has(again, n_again, "\"0:64497:2\""));
    assert_false(inventory_has(first, n_first, "\"0:64497:2\""));
    assert_true(inventory_has(first, n_first, "\"" RD "\""));
    free(again);

    bytes = slurp(f->state, &n);                        /* damaged in place, the same file */
    fp = fopen(f->state, "r+b");
    assert_non_null(fp);
    fseek(fp, (long)section_at(bytes, S_INVENTORY) + 20, SEEK_SET);
    fputc(bytes[section_at(bytes, S_INVENTORY) + 20] ^ 0x20, fp);
    fclose(fp);
    free(bytes);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    sdd_engine_free(e);
    e = engine_ok(f);
    assert_int_equal(sdd_engine_sync(e, &err), 0);
    sdd_engine_free(e);
    again = inventory_section(f->state, &n_again);
    assert_true(inventory_has(again, n_again, "\"0:64497:2\""));
    free(again);
    free(first);
}

/* A symlink planted where the state's temporary file goes: the checkpoint
 * neither writes through it nor leaves the state file a symlink. */
static void test_symlink_at_temp_path(void **state)
{
    fixture *f = *state;
    char victim[128], *text;
    struct stat st;
    size_t n;
    FILE *fp;

    snprintf(victim, sizeof(victim), "%s/victim", f->dir);
    fp = fopen(victim, "w");
    fputs("precious", fp);
    fclose(fp);
    assert_int_equal(symlink(victim, f->tmp), 0);
    save_state(f, 6);
    text = (char *)slurp(victim, &n);
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
        cmocka_unit_test_setup_teardown(test_damage_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sites_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_5_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_checked_v6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_6_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_checked_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inventory_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_at_temp_path, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
