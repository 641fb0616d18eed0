/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_checkpoint.c: the state file (engine/checkpoint.c) as a restart
 * reads it: a symlink planted at its temporary path is not written
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

/* Traffic for `slots` minutes, the CE peer down in the fourth: a relevant
 * state is open at the end. */
static void feed(sdd_engine *e, int slots)
{
    for (int s = 0; s < slots; s++) {
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

    feed(e, slots);
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
        cmocka_unit_test_setup_teardown(test_symlink_at_temp_path, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
