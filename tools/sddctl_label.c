/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl_label.c: `sddctl label`, a validation or refinement label for one
 * relevant state: a new revision appended to the label store (src/label.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "io/label.h"
#include "sddctl.h"

typedef struct label_opts {
    const char *id, *annotator, *comment, *store;
    sdd_label_action action;
} label_opts;

static int usage(void)
{
    fprintf(stderr, "usage: sddctl label ID confirm|discard|analyze|adjust --annotator NAME [--comment TEXT]\n"
                    "                    --store FILE\n");
    return 2;
}

static int parse_args(int argc, char **argv, label_opts *o)
{
    static const struct option longopts[] = {
        {"annotator", required_argument, NULL, 'a'}, {"comment", required_argument, NULL, 'c'},
        {"store", required_argument, NULL, 's'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(o, 0, sizeof(*o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': o->annotator = optarg; break;
        case 'c': o->comment = optarg; break;
        case 's': o->store = optarg; break;
        default: return -1;
        }
    }
    if (argc - optind != 2 || !o->annotator || !*o->annotator || !o->store)
        return -1;
    o->id = argv[optind];
    if (sdd_label_action_parse(argv[optind + 1], &o->action) < 0) {
        fprintf(stderr, "sddctl label: unknown label '%s' (confirm, discard, analyze, adjust)\n", argv[optind + 1]);
        return -1;
    }
    return 0;
}

int sddctl_label(int argc, char **argv)
{
    label_opts o;
    sdd_error err = {0};
    sdd_label_store *store;
    sdd_label_index *idx = NULL;
    sdd_label_summary s;
    char line[1024];
    int rc = 1;

    if (parse_args(argc, argv, &o) < 0)
        return usage();
    idx = sddctl_open_labels("sddctl label", o.store, &store, &err);
    if (idx && sdd_label_apply(store, idx, o.id, o.action, o.annotator, o.comment, &err) == 0) {
        sdd_label_index_get(idx, (size_t)sdd_label_index_find(idx, o.id), &s);
        sdd_label_format(&s, line, sizeof(line));
        printf("%s\n", line);
        rc = 0;
    } else {
        fprintf(stderr, "sddctl label: %s\n", err.msg);
    }
    sdd_label_index_free(idx);
    sdd_label_store_free(store);
    return rc;
}
