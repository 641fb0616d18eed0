/* sddctl_score.c: `sddctl score`, detection quality of notifications
 * against a scenario's truth. Thin over sdd_score_files (src/score.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "score.h"

#include "sddctl.h"

static int usage(void)
{
    fprintf(stderr, "usage: sddctl score --truth FILE --notifications FILE [--json]"
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

int sddctl_score(int argc, char **argv)
{
    static const struct option opts[] = {
        {"truth", required_argument, NULL, 't'}, {"notifications", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},        {"grace-slots", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    const char *truth = NULL, *notifications = NULL;
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
        else if (c != 'g' || parse_grace(optarg, &grace) < 0)
            return usage();
    }
    if (!truth || !notifications || optind != argc)
        return usage();
    if (sdd_score_files(truth, notifications, grace, &r, &err) < 0) {
        fprintf(stderr, "sddctl score: %s\n", err.msg);
        return 1;
    }
    rc = json ? sdd_score_print_json(r, stdout) : sdd_score_print_table(r, stdout);
    sdd_score_report_free(r);
    return rc < 0 ? 1 : 0;
}
