/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddd: the engine as a daemon over pmacct's outputs (Kafka topics, files,
 * stdin). This file only reads the options, logs (to stderr until the
 * configuration says otherwise: io/log_sink.h), turns SIGINT/SIGTERM into
 * a stop request and SIGHUP into a reload; src/io/daemon.c does the work.
 * docs/sddd.md describes its settings, signals and exit codes. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/daemon.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static int usage(FILE *out, int rc)
{
    fprintf(out,
            "usage: sddd --config FILE [--inventory FILE] [--exit-idle SECONDS] [--stats-every SECONDS]\n"
            "       sddd --version | --help\n"
            "  --config FILE         pmacct-style configuration: inputs, output, Kafka, engine\n"
            "  --inventory FILE      services and terminations (overrides inventory_file)\n"
            "  --exit-idle SECONDS   finish and exit 0 once every input has been idle that long\n"
            "  --stats-every SECONDS log the counters that often (always once at exit)\n");
    return rc;
}

/* A whole number of seconds, 1 or more. */
static int parse_seconds(const char *opt, const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);

    if (end == text || *end || v < 1 || v > INT_MAX) {
        fprintf(stderr, "sddd: error: %s: '%s' is not a whole number of seconds (1 or more)\n", opt, text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* 0 to run, 1 when done (--version, --help), -1 on a bad command line. */
static int parse_args(int argc, char **argv, sdd_daemon_opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},      {"inventory", required_argument, NULL, 'i'},
        {"exit-idle", required_argument, NULL, 'x'},   {"stats-every", required_argument, NULL, 's'},
        {"version", no_argument, NULL, 'V'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config_path = optarg; break;
        case 'i': o->inventory_path = optarg; break;
        case 'x': if (parse_seconds("--exit-idle", optarg, &o->exit_idle) < 0) return -1; break;
        case 's': if (parse_seconds("--stats-every", optarg, &o->stats_every) < 0) return -1; break;
        case 'V': printf("sddd %s\n", SDD_VERSION); return 1;
        case 'h': usage(stdout, 0); return 1;
        default: return -1;
        }
    }
    if (optind != argc || !o->config_path)
        return -1;
    return 0;
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;          /* interrupts poll(2); the loop sees the flag within a second anyway */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);           /* a closed stdout is a write error, reported */
    signal(SIGXFSZ, SIG_IGN);           /* a file-size limit too: EFBIG, reported as a full disk is */
}

int main(int argc, char **argv)
{
    sdd_log_sink sink;
    sdd_daemon_opts o = {.stop = &stop_requested, .reload = &reload_requested,
                         .log = {sdd_log_sink_write, &sink}, .sink = &sink};
    sdd_error err = {0};
    sdd_daemon *d;
    int rc = parse_args(argc, argv, &o);

    if (rc != 0)
        return rc > 0 ? 0 : usage(stderr, SDD_EXIT_CONFIG);
    catch_signals();
    sdd_log_sink_init(&sink, "sddd/core", STDERR_FILENO, 0);
    d = sdd_daemon_new(&o, &err);
    if (!d) {
        sdd_logf(&o.log, SDD_LOG_ERROR, "%s", err.msg);
        return SDD_EXIT_CONFIG;
    }
    if (sdd_daemon_start(d, &err) < 0) {
        sdd_logf(&o.log, SDD_LOG_ERROR, "%s", err.msg);
        rc = SDD_EXIT_FAILURE;
    } else {
        rc = sdd_daemon_run(d);
    }
    sdd_daemon_free(d);
    sdd_log_sink_close(&sink);
    return rc;
}
