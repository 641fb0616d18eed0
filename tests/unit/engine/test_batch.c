/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_batch.c: the batch API (sdd_engine_flow_handle, sdd_engine_add_flows)
 * gives what the per-record path gives. A generated scenario (every kind of
 * event, services learning terminations from BMP as they go) is replayed
 * once record by record (sdd_engine_add_flow), once by sdd_engine_replay
 * (whose flows take the engine's own handles) and once with its flows in
 * batches of handles, the caller keeping one handle per flow key as the
 * plugin would: the same notifications, byte for byte, and the same
 * counters. The batch path keeps a handle's sums of its open slot apart
 * (accum.h) until something reads the rows: the scenario's slots close in
 * the middle of batches, records come late and dropped, services learn
 * terminations between batches. Then a checkpoint taken with such sums
 * pending writes the state file record by record writes, and a restart
 * from it goes on to the same notifications. So do whole flow records
 * given to the engine's own batcher of handles (sdd__flow_batch_add, the
 * plugin's). A random mix of records (drops, late and future ones) with
 * checkpoints, traffic pages, the engine told the time, terminations
 * learned and inventories loaded in the middle of slots gives what record
 * by record gives at each step, and so do keys past the batcher's cap. A
 * handle the engine did not give is refused and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "engine/engine.h"
#include "engine/flow_batch.h"
#include "lab/scenario.h"
#include "sdd/sdd.h"
#include "engine_of.h"

#define BATCH 64
#define KEYS (1 << 16)                  /* the caller's table of handles, open addressing */

/* Notifications and counters, one text. */
typedef struct output {
    char *text;
    size_t len;
} output;

static void append(output *o, const char *s)
{
    size_t n = strlen(s);

    o->text = realloc(o->text, o->len + n + 2);
    assert_non_null(o->text);
    memcpy(o->text + o->len, s, n);
    o->text[o->len + n] = '\n';
    o->len += n + 1;
    o->text[o->len] = '\0';
}

static void keep_notification(void *ctx, const sdd_notification *n)
{
    append(ctx, n->json);
}

static void keep_counter(void *ctx, const char *name, uint64_t value)
{
    char line[160];

    snprintf(line, sizeof(line), "%s %llu", name, (unsigned long long)value);
    append(ctx, line);
}

/* An engine on the scenario in dir; with a state (a directory), its state
 * and history files there. */
static sdd_engine *engine_for(const char *dir, const char *state, output *o)
{
    char path[256], file[256];
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};
    sdd_engine *e;

    if (state) {
        snprintf(file, sizeof(file), "%s/state", state);
        assert_int_equal(sdd_config_set(cfg, "state_file", NULL, file, &err), 0);
        snprintf(file, sizeof(file), "%s/history", state);
        assert_int_equal(sdd_config_set(cfg, "history_file", NULL, file, &err), 0);
    }
    e = sdd_engine_new(cfg, &err);
    sdd_config_free(cfg);
    assert_non_null(e);
    snprintf(path, sizeof(path), "%s/inventory.json", dir);
    assert_int_equal(sdd_engine_load_inventory(e, path, &err), 0);
    sdd_engine_on_notification(e, keep_notification, o);
    return e;
}

/* ---- the caller of the batch API ---------------------------------------- */

/* How a batcher gives the engine its flows. */
typedef enum path {
    HANDLES,                            /* its own handles, in batches (sdd_engine_add_flows) */
    BY_RECORD,                          /* one by one (sdd_engine_add_flow) */
    WHOLE,                              /* whole flows in batches (sdd__flow_batch_add) */
    OWN,                                /* as records (sdd__engine_add_record: the engine's own handles) */
} path;

typedef struct batcher {
    sdd_engine *e;
    path how;
    sdd__flow_batch batch;
    sdd_flow flows[BATCH];
    sdd_flow key[KEYS];                 /* the key of each used entry */
    sdd_flow_handle handle[KEYS];
    uint8_t used[KEYS];
    sdd_flow_agg pending[BATCH];
    size_t n_pending;
    uint32_t n_keys;
} batcher;

static int same_key(const sdd_flow *a, const sdd_flow *b)
{
    return memcmp(&a->router, &b->router, sizeof(a->router)) == 0 && a->rd == b->rd &&
           a->vrf_id_ingress == b->vrf_id_ingress && a->vrf_id_egress == b->vrf_id_egress &&
           a->iface_in == b->iface_in && a->iface_out == b->iface_out && strcmp(a->vrf_name, b->vrf_name) == 0;
}

static uint32_t hash_key(const sdd_flow *f)
{
    uint32_t h = 2166136261u;
    const unsigned char *p = f->router.b;

    for (size_t i = 0; i < sizeof(f->router.b); i++)
        h = (h ^ p[i]) * 16777619u;
    h = (h ^ (uint32_t)f->rd ^ (uint32_t)(f->rd >> 32)) * 16777619u;
    return (h ^ f->iface_in ^ f->iface_out << 8 ^ f->vrf_id_ingress ^ f->vrf_id_egress) * 16777619u;
}

static sdd_flow_handle handle_of(batcher *b, const sdd_flow *f)
{
    uint32_t i = hash_key(f) & (KEYS - 1);
    sdd_error err = {0};

    while (b->used[i] && !same_key(&b->key[i], f))
        i = (i + 1) & (KEYS - 1);
    if (!b->used[i]) {
        assert_true(++b->n_keys < KEYS / 2);
        assert_int_equal(sdd_engine_flow_handle(b->e, f, &b->handle[i], &err), 0);
        b->key[i] = *f;
        b->used[i] = 1;
    }
    return b->handle[i];
}

static void flush(batcher *b)
{
    if (b->how == WHOLE)
        sdd__flow_batch_add(&b->batch, b->e, b->flows, b->n_pending);
    else
        sdd_engine_add_flows(b->e, b->pending, b->n_pending);
    b->n_pending = 0;
}

static void add(batcher *b, const sdd_record *r)
{
    if (r->kind != SDD_INPUT_FLOW || b->how == OWN) {
        flush(b);                       /* the order of records is kept */
        sdd__engine_add_record(b->e, r);
        return;
    }
    if (b->how == BY_RECORD) {
        sdd_engine_add_flow(b->e, &r->u.flow);
        return;
    }
    const sdd_flow *f = &r->u.flow;
    if (b->how == WHOLE) {
        b->flows[b->n_pending++] = *f;
        if (b->n_pending == BATCH)
            flush(b);
        return;
    }
    sdd_flow_agg *a = &b->pending[b->n_pending++];
    a->time = f->time;
    a->packets = f->packets;
    a->bytes = f->bytes;
    a->flows = f->flows;
    a->ip_proto = f->ip_proto;
    a->tcp_flags = f->tcp_flags;
    a->fwd_status = f->fwd_status;
    a->handle = handle_of(b, f);
    if (b->n_pending == BATCH)
        flush(b);
}

/* ---- the three files merged by time, as sdd_engine_replay does ---------- */

typedef struct input {
    gzFile gz;
    sdd_input_kind kind;
    int pending;
    sdd_record rec;
} input;

static void next(sdd_engine *e, input *in)
{
    static char line[1 << 16];

    in->pending = 0;
    while (!in->pending && gzgets(in->gz, line, sizeof(line))) {
        size_t n = strcspn(line, "\n");
        if (n)
            in->pending = sdd__engine_parse(e, in->kind, line, n, &in->rec) > 0;
    }
}

/* The scenario's records merged by time into b; with a state directory,
 * a checkpoint when the time reaches `restart`, the state file copied to
 * `kept`, and the engine started again from it. */
static void replay_in_batches(const char *dir, batcher *b, const char *state, int64_t restart, output *o,
                              const char *kept)
{
    static const char *const names[3] = {"flows.json", "bmp.json", "telemetry.json"};
    input in[3];
    char path[256];

    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        in[i].gz = gzopen(path, "rb");
        assert_non_null(in[i].gz);
        in[i].kind = (sdd_input_kind)i;
        next(b->e, &in[i]);
    }
    for (;;) {
        input *first = NULL;
        for (int i = 0; i < 3; i++)
            if (in[i].pending && (!first || in[i].rec.time < first->rec.time))
                first = &in[i];
        if (!first)
            break;
        if (state && first->rec.time >= restart) {
            sdd_error err = {0};
            char cmd[512];
            flush(b);
            assert_int_equal(sdd_engine_sync(b->e, &err), 0);
            snprintf(cmd, sizeof(cmd), "cp '%s/state' '%s'", state, kept);
            assert_int_equal(system(cmd), 0);
            sdd_engine_free(b->e);
            sdd__flow_batch_free(&b->batch);        /* its handles were that engine's */
            b->e = engine_for(dir, state, o);
            memset(b->used, 0, sizeof(b->used));    /* the new engine's handles */
            b->n_keys = 0;
            state = NULL;
        }
        add(b, &first->rec);
        next(b->e, first);
    }
    flush(b);
    for (int i = 0; i < 3; i++)
        gzclose(in[i].gz);
    sdd_engine_finish(b->e);
}

/* ---- tests --------------------------------------------------------------- */

static void generate(char *dir, size_t len)
{
    sdd_gen_config cfg = {0};
    sdd_error err = {0};

    snprintf(dir, len, "/tmp/sdd-batch-XXXXXX");
    assert_non_null(mkdtemp(dir));
    cfg.seed = 3;
    cfg.services = 12;
    cfg.days = 1;
    cfg.start = SDD_GEN_DEFAULT_START;
    cfg.kinds = SDD_GEN_ALL_KINDS;
    cfg.out_dir = dir;
    assert_int_equal(sdd_gen_run(&cfg, NULL, &err), 0);
}

static void remove_generated(const char *dir)
{
    static const char *const files[] = {"flows.json", "bmp.json", "telemetry.json", "inventory.json",
                                        "truth.json"};
    char path[256];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void test_batches_give_what_records_give(void **state)
{
    char dir[64], flows[128], bmp[128], telemetry[128];
    output by_record = {0}, by_batch = {0};
    sdd_error err = {0};
    batcher *b = calloc(1, sizeof(*b));
    sdd_engine *e;

    (void)state;
    assert_non_null(b);
    generate(dir, sizeof(dir));
    snprintf(flows, sizeof(flows), "%s/flows.json", dir);
    snprintf(bmp, sizeof(bmp), "%s/bmp.json", dir);
    snprintf(telemetry, sizeof(telemetry), "%s/telemetry.json", dir);

    b->how = BY_RECORD;
    b->e = engine_for(dir, NULL, &by_record);
    replay_in_batches(dir, b, NULL, 0, NULL, NULL);
    sdd_engine_counters(b->e, keep_counter, &by_record);
    sdd_engine_free(b->e);
    assert_non_null(strstr(by_record.text, "\"anomaly\""));    /* notifications to compare */
    assert_null(strstr(by_record.text, "\nlate_added 0\n"));    /* records into closed slots */

    e = engine_for(dir, NULL, &by_batch);       /* the engine's own handles, a flow at a time */
    assert_int_equal(sdd_engine_replay(e, flows, bmp, telemetry, &err), 0);
    sdd_engine_counters(e, keep_counter, &by_batch);
    sdd_engine_free(e);
    assert_string_equal(by_batch.text, by_record.text);

    free(by_batch.text);
    memset(&by_batch, 0, sizeof(by_batch));
    memset(b, 0, sizeof(*b));
    b->e = engine_for(dir, NULL, &by_batch);
    replay_in_batches(dir, b, NULL, 0, NULL, NULL);
    sdd_engine_counters(b->e, keep_counter, &by_batch);
    sdd_engine_free(b->e);
    assert_true(b->n_keys > 12);        /* several keys a service */
    assert_string_equal(by_batch.text, by_record.text);

    free(by_batch.text);
    memset(&by_batch, 0, sizeof(by_batch));
    memset(b, 0, sizeof(*b));
    b->how = WHOLE;
    b->e = engine_for(dir, NULL, &by_batch);
    replay_in_batches(dir, b, NULL, 0, NULL, NULL);
    sdd_engine_counters(b->e, keep_counter, &by_batch);
    sdd_engine_free(b->e);
    assert_true(b->batch.n > 12);
    sdd__flow_batch_free(&b->batch);
    assert_string_equal(by_batch.text, by_record.text);
    remove_generated(dir);
    free(by_record.text);
    free(by_batch.text);
    free(b);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = malloc(1 << 24);

    assert_non_null(f);
    assert_non_null(text);
    *len = fread(text, 1, 1 << 24, f);
    assert_true(*len < 1 << 24);
    fclose(f);
    return text;
}

/* One run with a restart in the middle of a slot, its flows given as
 * `how` says: its notifications and counters in o, the state file of the
 * checkpoint at `kept`. */
static void run_with_restart(const char *dir, path how, output *o, const char *kept)
{
    char state[64] = "/tmp/sdd-batch-state-XXXXXX", cmd[128];
    batcher *b = calloc(1, sizeof(*b));

    assert_non_null(b);
    assert_non_null(mkdtemp(state));
    b->how = how;
    b->e = engine_for(dir, state, o);
    /* noon and 17 seconds: flows of the slot are in the accumulators */
    replay_in_batches(dir, b, state, SDD_GEN_DEFAULT_START + 12 * 3600 + 17, o, kept);
    sdd_engine_counters(b->e, keep_counter, o);
    sdd_engine_free(b->e);
    sdd__flow_batch_free(&b->batch);
    free(b);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
    assert_int_equal(system(cmd), 0);
}

static void test_checkpoint_with_sums_pending(void **state)
{
    static const path how[] = {BY_RECORD, HANDLES, WHOLE, OWN};
    char dir[64], kept[4][128];
    output out[4] = {{0}};
    char *saved[4];
    size_t len[4];

    (void)state;
    generate(dir, sizeof(dir));
    for (int i = 0; i < 4; i++) {
        snprintf(kept[i], sizeof(kept[i]), "%s/kept%d", dir, i);
        run_with_restart(dir, how[i], &out[i], kept[i]);
        saved[i] = read_all(kept[i], &len[i]);
        unlink(kept[i]);
    }
    assert_true(len[0] > 0);
    assert_non_null(strstr(out[0].text, "\"anomaly\""));
    for (int i = 1; i < 4; i++) {
        assert_int_equal(len[i], len[0]);
        assert_memory_equal(saved[i], saved[0], len[0]);
        assert_string_equal(out[i].text, out[0].text);
    }
    remove_generated(dir);
    for (int i = 0; i < 4; i++) {
        free(saved[i]);
        free(out[i].text);
    }
}

/* ---- a random mix, by record and through the engine's batcher ----------- */

/* Two services, the first of three sites with tracked interfaces on its
 * first router; the second inventory gives the second site an interface
 * and the second service a termination on the fourth router: mappings
 * made again in the middle of a slot. */
#define MIX_SERVICE(n, terms) "{\"vpn_id\":\"64497:" #n "\",\"terminations\":[" terms "]}"
#define MIX_TERM(r, rd, ifaces) "{\"router\":\"192.0.2." #r "\",\"rd\":\"0:64497:" #rd "\",\"interfaces\":[" ifaces "]}"
#define MIX_IFACE(id) "{\"id\":" #id ",\"name\":\"if" #id "\"}"
static const char mix_inventory[] =
    "{\"services\":[" MIX_SERVICE(1, MIX_TERM(1, 1, MIX_IFACE(1) "," MIX_IFACE(2)) "," MIX_TERM(2, 2, ) ","
    MIX_TERM(3, 3, )) "," MIX_SERVICE(2, MIX_TERM(1, 10, MIX_IFACE(3))) "]}";
static const char mix_inventory2[] =
    "{\"services\":[" MIX_SERVICE(1, MIX_TERM(1, 1, MIX_IFACE(1) "," MIX_IFACE(2)) "," MIX_TERM(2, 2, MIX_IFACE(1)) ","
    MIX_TERM(3, 3, )) "," MIX_SERVICE(2, MIX_TERM(1, 10, MIX_IFACE(3)) "," MIX_TERM(4, 11, MIX_IFACE(2))) "]}";

#define MIX_RECORDS 40000
#define MIX_T0 1700000040

typedef struct mix_engine {
    sdd_engine *e;
    output o;
    char state[64];
    sdd__flow_batch batch;              /* the batch side's */
    sdd_flow pending[300];
    size_t n_pending;
} mix_engine;

static uint64_t mix_random(uint64_t *x)
{
    *x = *x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *x >> 33;
}

static void mix_start(mix_engine *m, const char *const *extra)
{
    const char *settings[16] = {"state_file", NULL, "history_file", NULL, "data_delay", "60", NULL};
    char file[2][128];
    int n = 6;

    memset(m, 0, sizeof(*m));
    snprintf(m->state, sizeof(m->state), "/tmp/sdd-batch-mix-XXXXXX");
    assert_non_null(mkdtemp(m->state));
    snprintf(file[0], sizeof(file[0]), "%s/state", m->state);
    snprintf(file[1], sizeof(file[1]), "%s/history", m->state);
    settings[1] = file[0];
    settings[3] = file[1];
    for (int i = 0; extra && extra[i]; i++)
        settings[n++] = extra[i];
    settings[n] = NULL;
    m->e = sdd_test_engine_of(settings, mix_inventory, keep_notification, &m->o);
}

static void mix_flush(mix_engine *m)
{
    sdd__flow_batch_add(&m->batch, m->e, m->pending, m->n_pending);
    m->n_pending = 0;
}

static sdd_flow mix_flow(uint64_t *x, int64_t t)
{
    static const char *const rd[] = {"0:64497:1", "0:64497:2", "0:64497:3", "0:64497:10", "0:64497:11",
                                     "0:64497:4", "0:64497:12"};
    static const int router_of[] = {1, 2, 3, 1, 4, 4, 4};
    static const uint8_t proto[] = {6, 6, 17, 1};
    sdd_flow f;
    char addr[32];
    int k = (int)(mix_random(x) % 7), late = (int)(mix_random(x) % 100);

    memset(&f, 0, sizeof(f));
    snprintf(addr, sizeof(addr), "192.0.2.%d", router_of[k]);
    assert_int_equal(sdd_addr_parse(addr, &f.router), 0);
    assert_int_equal(sdd_rd_parse(rd[k], &f.rd), 0);
    f.iface_in = (uint32_t)(mix_random(x) % 4);
    f.iface_out = (uint32_t)(mix_random(x) % 4);
    f.ip_proto = proto[mix_random(x) % 4];
    f.tcp_flags = mix_random(x) % 3 == 0 ? SDD_TCP_SYN : 0;
    f.fwd_status = mix_random(x) % 10 == 0 ? 131 : 64;
    f.bytes = mix_random(x) % 1000000;
    f.packets = f.bytes / 900 + 1;
    f.flows = mix_random(x) % 4;
    /* mostly now, some late (some of them past allowed_lateness), a few
     * ahead of the others, a few too far ahead */
    f.time = late < 6 ? t - (int64_t)(mix_random(x) % 900) : late < 8 ? t + 30 : late < 9 ? t + 5000 : t;
    return f;
}

/* Terminations learned from BMP: mappings made again without a fold. */
static void mix_learn(mix_engine *m, int64_t t)
{
    sdd_bmp_event ev = {.time = t, .type = SDD_BMP_UPDATE, .peer_type = SDD_PEER_RD_INSTANCE, .reason = -1};

    assert_int_equal(sdd_addr_parse("192.0.2.4", &ev.router), 0);
    assert_int_equal(sdd_addr_parse("198.51.100.1", &ev.peer), 0);
    assert_int_equal(sdd_rd_parse("0:64497:4", &ev.rd), 0);
    snprintf(ev.rt[ev.n_rt++], SDD_RT_TEXT_MAX, "64497:1");
    sdd_engine_add_bmp(m->e, &ev);
    /* the second service's second site: its first one's flows are then
     * a site's */
    assert_int_equal(sdd_rd_parse("0:64497:12", &ev.rd), 0);
    snprintf(ev.rt[0], SDD_RT_TEXT_MAX, "64497:2");
    sdd_engine_add_bmp(m->e, &ev);
}

static void mix_load(mix_engine *m, const char *inventory)
{
    char path[] = "/tmp/sdd-batch-mix-inv-XXXXXX";
    sdd_error err = {0};
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_true(write(fd, inventory, strlen(inventory)) == (ssize_t)strlen(inventory));
    close(fd);
    assert_int_equal(sdd_engine_load_inventory(m->e, path, &err), 0);
    unlink(path);
}

static char *mix_sync(mix_engine *m, size_t *len)
{
    char path[128];
    sdd_error err = {0};

    assert_int_equal(sdd_engine_sync(m->e, &err), 0);
    snprintf(path, sizeof(path), "%s/state", m->state);
    return read_all(path, len);
}

static void mix_end(mix_engine *m)
{
    char cmd[128];

    sdd_engine_finish(m->e);
    sdd_engine_counters(m->e, keep_counter, &m->o);
    sdd_engine_free(m->e);
    sdd__flow_batch_free(&m->batch);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", m->state);
    assert_int_equal(system(cmd), 0);
}

/* Records of many keys in random order, drops, late and future ones, with
 * a checkpoint, a traffic page, the engine told the time, a termination
 * learned from BMP and an inventory loaded at random places, mostly in the
 * middle of slots: by record and through sdd__flow_batch_add, the same
 * state file at every checkpoint, the same traffic, notifications and
 * counters. */
static void run_mix(const char *const *extra)
{
    mix_engine *m = calloc(2, sizeof(*m));     /* 0: by record, 1: in batches */
    uint64_t x = 7, op = 11;
    int64_t t = MIX_T0;

    assert_non_null(m);
    for (int k = 0; k < 2; k++)
        mix_start(&m[k], extra);
    for (int i = 0; i < MIX_RECORDS; i++) {
        sdd_flow f;
        int what = (int)(mix_random(&op) % 2000);

        t += mix_random(&op) % 4 == 0;
        f = mix_flow(&x, t);
        sdd_engine_add_flow(m[0].e, &f);
        m[1].pending[m[1].n_pending++] = f;
        if (m[1].n_pending == 300 || mix_random(&op) % 50 == 0)
            mix_flush(&m[1]);
        if (what >= 8)
            continue;
        mix_flush(&m[1]);
        if (what < 3) {
            size_t len[2];
            char *saved[2];
            for (int k = 0; k < 2; k++)
                saved[k] = mix_sync(&m[k], &len[k]);
            assert_int_equal(len[1], len[0]);
            assert_memory_equal(saved[1], saved[0], len[0]);
            free(saved[0]);
            free(saved[1]);
        } else if (what < 5) {
            double out[2][16];
            int step[2];
            for (int k = 0; k < 2; k++)
                assert_int_equal(sdd_engine_traffic(m[k].e, "64497:1", t - 240, 8, 1, out[k], &step[k]), 1);
            assert_memory_equal(out[1], out[0], sizeof(out[0]));
        } else if (what < 6) {
            for (int k = 0; k < 2; k++)
                sdd_engine_advance(m[k].e, t + 20);
        } else if (what < 7 || i == 1000) {
            for (int k = 0; k < 2; k++)
                mix_learn(&m[k], t);
        } else {
            for (int k = 0; k < 2; k++)
                mix_load(&m[k], i % 2 ? mix_inventory2 : mix_inventory);
        }
    }
    mix_flush(&m[1]);
    for (int k = 0; k < 2; k++)
        mix_end(&m[k]);
    assert_non_null(strstr(m[0].o.text, "\nslots_closed "));
    assert_null(strstr(m[0].o.text, "\nlate_added 0\n"));
    assert_string_equal(m[1].o.text, m[0].o.text);
    free(m[0].o.text);
    free(m[1].o.text);
    free(m);
}

static void test_random_mix(void **state)
{
    /* several slots open at once, detection on two threads */
    static const char *const several_open[] = {"data_delay", "200", "allowed_lateness", "300", "detect_threads", "2",
                                               NULL};

    (void)state;
    run_mix(NULL);
    run_mix(several_open);
}

/* Past SDD_FLOW_BATCH_KEYS keys, the batcher adds the records of the new
 * ones on their own, in their place among the others: the same state file
 * and counters as record by record. */
static void test_keys_past_the_cap(void **state)
{
    static const char *const rds[2] = {"0:64497:1", "0:64497:10"};
    static const char *const no_delay[] = {"data_delay", "0", NULL};
    mix_engine *m = calloc(2, sizeof(*m));
    size_t len[2];
    char *saved[2];
    uint64_t x = 5;

    (void)state;
    assert_non_null(m);
    for (int k = 0; k < 2; k++)
        mix_start(&m[k], no_delay);
    /* a minute, the keys past the cap in the middle of it, then ten with
     * all keys again in another order: slots close (data_delay 0) in the
     * middle of batches, among records of keys past the cap */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < SDD_FLOW_BATCH_KEYS + 1000; i++) {
            uint32_t key = pass ? (uint32_t)(mix_random(&x) % (SDD_FLOW_BATCH_KEYS + 1000)) : i;
            sdd_flow f;
            memset(&f, 0, sizeof(f));
            f.time = MIX_T0 + pass * 60 + (int64_t)(i * (pass ? 600 : 50) / (SDD_FLOW_BATCH_KEYS + 1000));
            assert_int_equal(sdd_addr_parse("192.0.2.1", &f.router), 0);
            assert_int_equal(sdd_rd_parse(rds[key % 2], &f.rd), 0);
            f.iface_in = key % 4;
            f.iface_out = key / 4;
            f.ip_proto = key % 3 ? 6 : 17;
            f.fwd_status = key % 17 ? 64 : 131;
            f.bytes = 1000 + key;
            f.packets = 2;
            sdd_engine_add_flow(m[0].e, &f);
            m[1].pending[m[1].n_pending++] = f;
            if (m[1].n_pending == 300)
                mix_flush(&m[1]);
        }
    mix_flush(&m[1]);
    assert_int_equal(m[1].batch.n, SDD_FLOW_BATCH_KEYS);
    for (int k = 0; k < 2; k++)
        saved[k] = mix_sync(&m[k], &len[k]);
    assert_int_equal(len[1], len[0]);
    assert_memory_equal(saved[1], saved[0], len[0]);
    for (int k = 0; k < 2; k++) {
        free(saved[k]);
        mix_end(&m[k]);
    }
    assert_string_equal(m[1].o.text, m[0].o.text);
    free(m[0].o.text);
    free(m[1].o.text);
    free(m);
}

static void test_unknown_handle_refused(void **state)
{
    static const char inventory[] = "{\"services\":[]}";
    sdd_engine *e = sdd_test_engine_of(NULL, inventory, NULL, NULL);
    sdd_flow_agg a = {0};
    output counters = {0};

    (void)state;
    a.time = 1700000040;
    a.handle = 7;
    sdd_engine_add_flows(e, &a, 1);
    sdd_engine_counters(e, keep_counter, &counters);
    assert_non_null(strstr(counters.text, "records_refused 1\n"));
    assert_null(strstr(counters.text, "records_flow 1"));
    free(counters.text);
    sdd_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_give_what_records_give),
        cmocka_unit_test(test_checkpoint_with_sums_pending),
        cmocka_unit_test(test_unknown_handle_refused),
        cmocka_unit_test(test_random_mix),
        cmocka_unit_test(test_keys_past_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
