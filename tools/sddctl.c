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
};

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
