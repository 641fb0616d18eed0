/* SPDX-License-Identifier: GPL-2.0-or-later */
/* embed.c: a program that embeds the installed libsdd through its public
 * header and pkg-config alone (test_installed.sh builds it): replays the
 * JSON files it is given and prints each notification, one a line. */
#include <stdio.h>

#include <sdd/sdd.h>

static void print_notification(void *ctx, const sdd_notification *n)
{
    fprintf(ctx, "%s\n", n->json);
}

int main(int argc, char **argv)
{
    sdd_error err = {0};
    sdd_config *cfg = sdd_config_new();
    sdd_engine *e = NULL;
    int rc = 1;

    if (argc != 5) {
        fprintf(stderr, "usage: embed CONFIG INVENTORY FLOWS BMP\n");
        return 2;
    }
    if (cfg && sdd_config_load(cfg, argv[1], &err) == 0 && (e = sdd_engine_new(cfg, &err)) &&
        sdd_engine_load_inventory(e, argv[2], &err) == 0) {
        sdd_engine_on_notification(e, print_notification, stdout);
        rc = sdd_engine_replay(e, argv[3], argv[4], NULL, &err) == 0 ? 0 : 1;
    }
    if (rc)
        fprintf(stderr, "embed: %s (%s)\n", err.msg, sdd_strerror(err.code));
    printf("version %d.%d.%d\n", SDD_VERSION_MAJOR, SDD_VERSION_MINOR, SDD_VERSION_PATCH);
    sdd_engine_free(e);
    sdd_config_free(cfg);
    return rc;
}
