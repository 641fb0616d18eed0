/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl_score.c: `sddctl score`, detection quality of notifications
 * against a scenario's truth. Thin over sdd_score_files (src/score.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "io/label.h"
#include "lab/score.h"

#include "sddctl.h"

static int usage(void)
{
    fprintf(stderr, "usage: sddctl score --truth FILE|--labels STORE --notifications FILE [--json]"
                    " [--grace-slots N]\n");
    return 2;
}

static int parse_grace(const char *text, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > 100000)
        return -1;
    *out = (int)v;
    return 0;
}

/* Validated labels of a store as a truth file at `path` (made from a
 * mkstemp template). */
static int truth_of_labels(const char *store_path, char *path, sdd_error *err)
{
    sdd_label_store *store;
    sdd_label_index *idx = sddctl_open_labels("sddctl score", store_path, &store, err);
    long events = -1;
    FILE *out = NULL;
    int fd = -1;

    if (idx && ((fd = mkstemp(path)) < 0 || !(out = fdopen(fd, "w"))))
        sdd__fail(err, SDD_E_IO, "%.400s: %s", path, strerror(errno));
    if (out) {
        events = sdd_label_write_truth(idx, 60, out);
        if (fclose(out) != 0 || events < 0)
            sdd__fail(err, SDD_E_DATA, "%.400s: write error", path), events = -1;
        else if (events == 0)
            sdd__fail(err, SDD_E_DATA, "%.400s: no validated relevant state to score against", store_path);
    } else if (fd >= 0) {
        close(fd);
    }
    if (fd >= 0 && events <= 0)
        unlink(path);
    sdd_label_index_free(idx);
    sdd_label_store_free(store);
    return events > 0 ? 0 : -1;
}

int sddctl_score(int argc, char **argv)
{
    static const struct option opts[] = {
        {"truth", required_argument, NULL, 't'}, {"notifications", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},        {"grace-slots", required_argument, NULL, 'g'},
        {"labels", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *truth = NULL, *notifications = NULL, *labels = NULL;
    char truth_tmp[] = "/tmp/sddctl-score-truth-XXXXXX";
    int c, json = 0, grace = SDD_SCORE_DEFAULT_GRACE, rc;
    sdd_score_report *r;
    sdd_error err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 't')
            truth = optarg;
        else if (c == 'n')
            notifications = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 'l')
            labels = optarg;
        else if (c == 'h')
            return usage(), 0;
        else if (c != 'g' || parse_grace(optarg, &grace) < 0)
            return usage();
    }
    if (!truth == !labels || !notifications || optind != argc)
        return usage();
    if (labels && truth_of_labels(labels, truth_tmp, &err) < 0) {
        fprintf(stderr, "sddctl score: %s\n", err.msg);
        return 1;
    }
    rc = sdd_score_files(labels ? truth_tmp : truth, notifications, grace, &r, &err);
    if (labels)
        unlink(truth_tmp);
    if (rc < 0) {
        fprintf(stderr, "sddctl score: %s\n", err.msg);
        return 1;
    }
    rc = json ? sdd_score_print_json(r, stdout) : sdd_score_print_table(r, stdout);
    sdd_score_report_free(r);
    return rc < 0 ? 1 : 0;
}
