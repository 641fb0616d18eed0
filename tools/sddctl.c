/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl: the operator's tool. One subcommand per task of the anomaly
 * lifecycle: replay recorded input, score notifications against labels,
 * generate labelled scenarios, label relevant states in a label store and
 * list them. */
#include <stdio.h>
#include <string.h>

#include "sddctl.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"replay", sddctl_replay, "run the engine over recorded pmacct JSON"},
    {"label", sddctl_label, "validate or refine a relevant state in a label store"},
    {"show", sddctl_show, "list the relevant states of a label store"},
    {"gen", sddctl_gen, "generate a labelled scenario (flows, BMP, telemetry, inventory, truth)"},
    {"score", sddctl_score, "score notifications against a scenario's truth"},
    {"send", sddctl_send, "send a scenario's flows as IPFIX to a collector, in real time"},
};

sdd_label_index *sddctl_open_labels(const char *cmd, const char *path, sdd_label_store **store, sdd_error *err)
{
    sdd_label_index *idx;
    const char *why;
    size_t skipped;

    *store = sdd_label_store_open(path, err);
    idx = *store ? sdd_label_index_load(*store, err) : NULL;
    if (!idx) {
        sdd_label_store_free(*store);
        *store = NULL;
        return NULL;
    }
    skipped = sdd_label_index_skipped(idx, &why);
    if (skipped)
        fprintf(stderr, "%s: %zu record(s) skipped, the first at %s\n", cmd, skipped, why);
    return idx;
}

static int usage(FILE *out)
{
    fprintf(out, "usage: sddctl COMMAND [OPTIONS]   (sddctl COMMAND --help)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "--version")) {
        printf("sddctl %s\n", SDD_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
        return usage(stdout);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "sddctl: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
