/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl_replay.c: `sddctl replay`, the engine over recorded pmacct JSON,
 * one relevant-state notification a line on the output, or the records of
 * an Avro object container file (--format avro, src/avro_encode.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "io/avro_encode.h"
#include "io/settings.h"
#include "sddctl.h"

typedef struct replay_opts {
    const char *config, *inventory, *flows, *bmp, *telemetry, *out, *format;
    int stats;
    int use_stores;                     /* the configuration's history_file and state_file */
} replay_opts;

static int usage(void)
{
    fprintf(stderr,
            "usage: sddctl replay [--config FILE] [--inventory FILE] [--flows FILE] [--bmp FILE]\n"
            "                     [--telemetry FILE] --out FILE|- [--format json|avro] [--stats]\n"
            "                     [--use-stores]\n"
            "  --use-stores  read and write the configuration's history_file and state_file; without\n"
            "                it replay keeps both in memory and never touches a daemon's files\n");
    return 2;
}

static int parse_args(int argc, char **argv, replay_opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},   {"inventory", required_argument, NULL, 'i'},
        {"flows", required_argument, NULL, 'f'},    {"bmp", required_argument, NULL, 'b'},
        {"telemetry", required_argument, NULL, 't'}, {"out", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'F'},   {"stats", no_argument, NULL, 's'},
        {"use-stores", no_argument, NULL, 'u'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(o, 0, sizeof(*o));
    o->format = "json";
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'i': o->inventory = optarg; break;
        case 'f': o->flows = optarg; break;
        case 'b': o->bmp = optarg; break;
        case 't': o->telemetry = optarg; break;
        case 'o': o->out = optarg; break;
        case 'F': o->format = optarg; break;
        case 's': o->stats = 1; break;
        case 'u': o->use_stores = 1; break;
        default: return -1;
        }
    }
    if (optind != argc || !o->out || (!o->flows && !o->bmp && !o->telemetry))
        return -1;
    if (strcmp(o->format, "json") != 0 && strcmp(o->format, "avro") != 0) {
        fprintf(stderr, "sddctl replay: unknown format '%s' (json, avro)\n", o->format);
        return -1;
    }
    if (strcmp(o->format, "avro") == 0 && strcmp(o->out, "-") == 0) {
        fprintf(stderr, "sddctl replay: --format avro writes a file, not standard output\n");
        return -1;
    }
    return 0;
}

static void write_line(void *ctx, const sdd_notification *n)
{
    fputs(n->json, ctx);
    fputc('\n', ctx);
}

static void print_counter(void *ctx, const char *name, uint64_t value)
{
    if (value)
        fprintf(ctx, "%s %llu\n", name, (unsigned long long)value);
}

static sdd_engine *make_engine(const replay_opts *o, sdd_error *err)
{
    sdd_config *cfg = sdd_config_new();
    sdd_settings unused;                /* sddd's inputs and outputs: replay has its own */
    sdd_engine *e = NULL;

    if (!cfg) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    sdd_settings_init(&unused);
    if (!o->config || sdd_settings_load(&unused, cfg, o->config, err) == 0) {
        /* the daemon's stores, when the file is sddd's, are sddd's: a replay
         * that rewound and wrote them would change what sddd goes on from */
        if (!o->use_stores)
            cfg->history_file[0] = cfg->state_file[0] = '\0';
        e = sdd_engine_new(cfg, err);
    }
    sdd_config_free(cfg);
    if (e && o->inventory && sdd_engine_load_inventory(e, o->inventory, err) < 0) {
        sdd_engine_free(e);
        return NULL;
    }
    return e;
}

/* Runs the replay, then prints the counters if asked. */
static int run(sdd_engine *e, const replay_opts *o)
{
    sdd_error err = {0};
    int rc = sdd_engine_replay(e, o->flows, o->bmp, o->telemetry, &err);

    if (rc < 0)
        fprintf(stderr, "sddctl replay: %s\n", err.msg);
    if (o->stats)
        sdd_engine_counters(e, print_counter, stderr);
    return rc;
}

static int replay_json(sdd_engine *e, const replay_opts *o)
{
    FILE *out = strcmp(o->out, "-") ? fopen(o->out, "w") : stdout;
    int rc;

    if (!out) {
        fprintf(stderr, "sddctl replay: %s: %s\n", o->out, strerror(errno));
        return -1;
    }
    sdd_engine_on_notification(e, write_line, out);
    rc = run(e, o);
    if ((out != stdout && fclose(out) != 0) || (out == stdout && fflush(out) != 0)) {
        fprintf(stderr, "sddctl replay: %s: %s\n", o->out, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* The notify callback cannot fail: the first error is kept for the end. */
typedef struct avro_sink {
    sdd_avro_file *file;
    sdd_error err;
    int failed;
} avro_sink;

static void write_record(void *ctx, const sdd_notification *n)
{
    avro_sink *s = ctx;

    if (!s->failed && sdd_avro_file_append(s->file, n->json, &s->err) < 0)
        s->failed = 1;
}

static int replay_avro(sdd_engine *e, const replay_opts *o)
{
    avro_sink sink = {NULL, {0}, 0};
    sdd_error err = {0};
    int rc;

    sink.file = sdd_avro_file_open(o->out, &err);
    if (!sink.file) {
        fprintf(stderr, "sddctl replay: %s\n", err.msg);
        return -1;
    }
    sdd_engine_on_notification(e, write_record, &sink);
    rc = run(e, o);
    if (sink.failed)
        fprintf(stderr, "sddctl replay: %s: %s\n", o->out, sink.err.msg);
    if (sdd_avro_file_close(sink.file, &err) < 0) {
        fprintf(stderr, "sddctl replay: %s: %s\n", o->out, err.msg);
        rc = -1;
    }
    return sink.failed ? -1 : rc;
}

int sddctl_replay(int argc, char **argv)
{
    replay_opts o;
    sdd_error err = {0};
    sdd_engine *e;
    int rc;

    if (parse_args(argc, argv, &o) < 0)
        return usage();
    e = make_engine(&o, &err);
    if (!e) {
        fprintf(stderr, "sddctl replay: %s\n", err.msg);
        return 1;
    }
    rc = strcmp(o.format, "avro") == 0 ? replay_avro(e, &o) : replay_json(e, &o);
    sdd_engine_free(e);
    return rc < 0 ? 1 : 0;
}
