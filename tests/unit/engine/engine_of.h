/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engine_of.h: an engine made from settings and an inventory given as text,
 * for the unit tests that go through the public API (include after
 * cmocka.h). A setting or inventory the engine refuses fails the test. */
#ifndef SDD_TEST_ENGINE_OF_H
#define SDD_TEST_ENGINE_OF_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdd/sdd.h"

/* settings: key, value, ..., NULL (or NULL); on_notification may be NULL. */
static inline sdd_engine *sdd_test_engine_of(const char *const *settings, const char *inventory,
                                             sdd_notify_fn on_notification, void *ctx)
{
    sdd_config *cfg = sdd_config_new();
    sdd_error err = {0};
    char path[] = "/tmp/sdd-test-inventory-XXXXXX";
    int fd = mkstemp(path);
    sdd_engine *e;

    assert_true(fd >= 0);
    assert_true(write(fd, inventory, strlen(inventory)) == (ssize_t)strlen(inventory));
    close(fd);
    for (int i = 0; settings && settings[i]; i += 2)
        if (sdd_config_set(cfg, settings[i], NULL, settings[i + 1], &err) < 0)
            fail_msg("%s", err.msg);
    e = sdd_engine_new(cfg, &err);
    sdd_config_free(cfg);
    if (!e || sdd_engine_load_inventory(e, path, &err) < 0)
        fail_msg("%s", err.msg);
    unlink(path);
    if (on_notification)
        sdd_engine_on_notification(e, on_notification, ctx);
    return e;
}

#endif
