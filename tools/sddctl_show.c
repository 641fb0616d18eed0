/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl_show.c: `sddctl show`, the relevant states of a label store, each
 * as its latest revision says (the stage as the latest label says, until
 * adjusted), one line each (src/io/label.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "io/label.h"
#include "sddctl.h"

typedef struct show_opts {
    const char *service, *store;
    int open_only;
} show_opts;

static int usage(void)
{
    fprintf(stderr, "usage: sddctl show [--open] [--service VPN_ID] --store FILE\n"
                    "  one line a relevant state: id, service, stage, start, end or \"open\", concern,\n"
                    "  detectors, labelled by, label comment (tab-separated, times in UTC); a human's\n"
                    "  stage stands over the engine's later revisions\n");
    return 2;
}

static int parse_args(int argc, char **argv, show_opts *o)
{
    static const struct option longopts[] = {
        {"open", no_argument, NULL, 'o'},  {"service", required_argument, NULL, 'v'},
        {"store", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(o, 0, sizeof(*o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->open_only = 1; break;
        case 'v': o->service = optarg; break;
        case 's': o->store = optarg; break;
        default: return -1;
        }
    }
    return optind == argc && o->store ? 0 : -1;
}

static void print_states(const sdd_label_index *idx, const show_opts *o)
{
    sdd_label_summary s;
    char line[1024];

    for (size_t i = 0; i < sdd_label_index_size(idx); i++) {
        sdd_label_index_get(idx, i, &s);
        if (!sdd_label_matches(&s, o->open_only, o->service))
            continue;
        sdd_label_format(&s, line, sizeof(line));
        printf("%s\n", line);
    }
}

int sddctl_show(int argc, char **argv)
{
    show_opts o;
    sdd_error err = {0};
    sdd_label_store *store;
    sdd_label_index *idx;

    if (parse_args(argc, argv, &o) < 0)
        return usage();
    idx = sddctl_open_labels("sddctl show", o.store, &store, &err);
    if (!idx) {
        fprintf(stderr, "sddctl show: %s\n", err.msg);
        return 1;
    }
    print_states(idx, &o);
    sdd_label_index_free(idx);
    sdd_label_store_free(store);
    return fflush(stdout) == 0 ? 0 : 1;
}
