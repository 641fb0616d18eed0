/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon.c: sddd's loop (see daemon.h).
 *
 * One thread, one poll(2): a FIFO, a pipe on stdin and Kafka (through the
 * pipe librdkafka writes to) wake it when they have data; regular files,
 * which poll(2) always calls readable, and paths not there yet are looked at
 * every TICK_MS. Each read is bounded so that no input starves the others.
 * The records of files and of Kafka partitions are merged by event time
 * before the engine (merge.h), so that a backlog is read in order. The wall
 * clock serves only this waiting, the idle exit, the counters, the
 * checkpoints and telling the engine the time when every input has been idle
 * for source_idle_seconds: the engine's time is the records' time
 * (docs/time.md).
 *
 * Checkpoints. Every state_sync_seconds (and at exit) the engine's history
 * and state are made durable with a cursor: the next offset of every Kafka
 * partition the engine has taken records of, and where the lines it took of
 * each regular file end. After a crash sddd continues from the last
 * checkpoint and reads each input again from there (a file from the end of
 * the last line the engine took: lines still waiting in the merge are read
 * again). What it
 * says again then is what it said before (the engine is deterministic), and
 * the Kafka output drops what is on its topic already; the notifications
 * made since the checkpoint were in the output's spool before they counted.
 * The Kafka input commits its offsets once a checkpoint naming them is
 * durable; with a Kafka output, the output's transactions commit them
 * instead, every COMMIT_EVERY seconds.
 *
 * SIGHUP reads the configuration file and the inventory again: the engine
 * takes what may change while it runs (sdd_engine_reload), and so do the
 * daemon's settings that are read as it goes (checkpoint period, logging,
 * health limits); a file that changes anything else, or is refused, changes
 * nothing. Under systemd (Type=notify) the loop says when it is ready,
 * alive (the watchdog), reloading and stopping (notify.h). */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "io/daemon.h"
#include "io/merge.h"
#include "io/metrics.h"
#include "io/notify.h"
#include "io/output.h"

#define TICK_MS 250                     /* how often files are looked at */
#define MAX_WAIT_MS 1000                /* the longest wait: a stop is seen within it */
#define FILE_BUDGET (512 << 10)         /* bytes read from one file per turn */
#define MERGE_QUEUE 16384               /* records of a file waiting to be merged */
#define MERGE_ROOM (FILE_BUDGET / 64)   /* room a read needs: lines of 64 bytes at least */
#define KAFKA_BATCH 1000                /* messages read per turn */
#define COMMIT_EVERY 1.0                /* seconds between transactions: well inside the 5 s target */
#define PUBLISH_EVERY 1.0               /* seconds between the snapshots /metrics serves */

typedef struct input {
    const char *key;                    /* its setting, for messages */
    sdd_input_kind kind;
    sdd_spec spec;
    sdd_file_source *file;              /* file or stdin; NULL for Kafka and unused */
    struct sdd_daemon *d;
    double last;                        /* when a line last came (or the start) */
    double next_look;                   /* when a file without descriptor is read again */
    uint64_t too_long;                  /* lines skipped for their length, as told the engine */
    int ready, more, done;
} input;

struct sdd_daemon {
    sdd_daemon_opts opts;
    sdd_config *cfg;
    sdd_settings set;
    input in[3];
    sdd_kafka_topic topics[3];
    int n_topics;
    sdd_merge *merge;                   /* the file inputs by kind, then the Kafka partitions */
    sdd__flow_run run;                  /* flows of a drain of the merge, empty outside one */
    sdd_kafka_source *kafka;
    double kafka_last;
    int kafka_more;
    double feed_last;                   /* when the feed last gave records (or the start) */
    int feed_more, feed_done;
    uint64_t committed_messages;        /* input messages when the last transaction committed */
    json_t *saved;                      /* the Kafka cursor of the last durable checkpoint */
    double next_commit, next_sync;
    sdd_engine *engine;
    sdd_output *out;
    int failed;                         /* the output failed: stop, exit 1 */
    uint64_t over_max[2];               /* services, terminations refused by the caps, as last logged */
    double next_caps_log;
    double now;
    double next_stats;
    sdd_metrics *metrics;               /* NULL without metrics_listen */
    sdd_web_plots *plots;               /* the validation page's traffic plots; NULL without metrics_listen */
    sdd_samples samples;                /* what the last snapshot was made of */
    double next_publish;
    double work_max;                    /* the longest turn's work since the last snapshot */
    double judging_began;               /* when the engine began closing slots */
    sdd_histogram detection;            /* how long each closing of slots took */
    double delivered_at;                /* when the output last delivered, or had nothing waiting */
    double delivered;                   /* how many it had delivered then */
    double checkpoint_at, checkpoint_took;
    uint64_t checkpoints_failed;
    double alive_every, next_alive;     /* the watchdog's period, halved; 0 without */
};

/* ---- configuration ------------------------------------------------------ */

/* Parses one input setting; Kafka topics are collected for the consumer. */
static int check_input(sdd_daemon *d, input *in, const char *text, int *stdin_seen, sdd_error *err)
{
    sdd_error why;

    if (sdd_spec_parse(text, &in->spec, &why) < 0)
        return sdd__fail(err, why.code, "%s: %s", in->key, why.msg);
    if (in->spec.type == SDD_SPEC_STDIO && (*stdin_seen)++)
        return sdd__fail(err, SDD_E_CONFIG, "%s: only one input can be stdin (-)", in->key);
    if (in->spec.type != SDD_SPEC_KAFKA)
        return 0;
    if (!d->set.kafka_brokers[0])
        return sdd__fail(err, SDD_E_CONFIG, "%s: '%s' needs kafka_brokers", in->key, text);
    for (int i = 0; i < d->n_topics; i++)
        if (strcmp(d->topics[i].name, in->spec.name) == 0)
            return sdd__fail(err, SDD_E_CONFIG, "%s: topic %s is already another input's: a topic has one kind of record", in->key,
                        in->spec.name);
    d->topics[d->n_topics].name = in->spec.name;
    d->topics[d->n_topics++].kind = in->kind;
    return 0;
}

static int check_inputs(sdd_daemon *d, sdd_error *err)
{
    const char *const keys[3] = {"flow_input", "bmp_input", "telemetry_input"};
    const char *const values[3] = {d->set.flow_input, d->set.bmp_input, d->set.telemetry_input};
    int stdin_seen = 0, used = 0;

    for (int k = 0; k < 3; k++) {
        input *in = &d->in[k];
        in->key = keys[k];
        in->kind = (sdd_input_kind)k;
        in->d = d;
        if (check_input(d, in, values[k], &stdin_seen, err) < 0)
            return -1;
        used += in->spec.type != SDD_SPEC_NONE;
    }
    if (d->opts.feed && d->in[SDD_INPUT_FLOW].spec.type != SDD_SPEC_NONE)
        return sdd__fail(err, SDD_E_CONFIG, "flow_input: the flows come from %s: leave flow_input empty",
                         d->opts.feed->name);
    used += d->opts.feed != NULL;
    if (!used)
        return sdd__fail(err, SDD_E_CONFIG, "no input: set flow_input, bmp_input or telemetry_input");
    return 0;
}

/* The configuration file into set and cfg (made here), with --inventory
 * over its inventory_file. */
static int load_file(const sdd_daemon *d, sdd_settings *set, sdd_config **cfg, sdd_error *err)
{
    *cfg = sdd_config_new();
    if (!*cfg)
        return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    sdd_settings_init(set);
    if (sdd_settings_load_with(set, *cfg, d->opts.config_path, d->opts.extra_keys, d->opts.extra_ctx, err) < 0)
        return -1;
    if (d->opts.inventory_path && sdd_config_set(*cfg, "inventory_file", NULL, d->opts.inventory_path, err) < 0)
        return -1;
    return 0;
}

static int read_config(sdd_daemon *d, sdd_error *err)
{
    if (load_file(d, &d->set, &d->cfg, err) < 0)
        return -1;
    if (d->opts.sink &&
        sdd_log_sink_configure(d->opts.sink, d->set.log_level, d->set.logfile, d->set.syslog, err) < 0)
        return -1;
    if (check_inputs(d, err) < 0 || sdd_output_check_config(&d->set, err) < 0)
        return -1;
    if (!d->n_topics)
        return 0;
    d->kafka = sdd_kafka_source_new(d->set.kafka_brokers, d->set.kafka_group_id, d->set.kafka_config_file,
                                    d->topics, d->n_topics, &d->opts.log, err);
    if (d->kafka && sdd_settings_transactional(&d->set))
        sdd_kafka_source_commit_by_output(d->kafka);
    return d->kafka ? 0 : -1;
}

sdd_daemon *sdd_daemon_new(const sdd_daemon_opts *opts, sdd_error *err)
{
    sdd_daemon *d = calloc(1, sizeof(*d));

    if (!d) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    d->opts = *opts;
    if (read_config(d, err) < 0) {
        sdd_daemon_free(d);
        return NULL;
    }
    return d;
}

/* ---- starting ------------------------------------------------------------ */

static void log_msg(const sdd_daemon *d, sdd_log_level level, const char *msg)
{
    sdd_logf(&d->opts.log, level, "%s", msg);
}

/* Every notification is written and flushed as it comes. */
static void on_notification(void *ctx, const sdd_notification *n)
{
    sdd_daemon *d = ctx;
    sdd_error err;

    if (d->failed)
        return;
    if (d->plots)
        sdd_web_plots_keep(d->plots, d->engine, n);
    if (sdd_output_write(d->out, n->json, strlen(n->json), &err) < 0 || sdd_output_flush(d->out, &err) < 0) {
        log_msg(d, SDD_LOG_ERROR, err.msg);
        d->failed = 1;
    }
}

/* Detection timed on the monotonic clock, around the engine's closing of
 * the slots its time passed. */
static void time_judging(void *ctx, int begin)
{
    sdd_daemon *d = ctx;

    if (begin)
        d->judging_began = sdd_now_seconds();
    else
        sdd_histogram_observe(&d->detection, sdd_now_seconds() - d->judging_began);
}

/* An input kind as the metrics and the log name it. */
static const char *input_name(sdd_input_kind kind)
{
    static const char *const inputs[3] = {"flow", "bmp", "telemetry"};

    return inputs[kind];
}

/* An event time as the log says it: 2026-12-05T01:54:00Z. */
static void format_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, size, "%lld", (long long)t);
}

/* An exporter gone silent, or back: the collection's trouble, logged so
 * that nobody takes the services it carries for disrupted (their flows are
 * not judged meanwhile: engine/collection.h). */
static void on_collection(void *ctx, sdd_input_kind kind, const sdd_addr *router, int silent, int64_t since,
                          int64_t until)
{
    sdd_daemon *d = ctx;
    char addr[64], from[32];

    sdd_addr_format(router, addr, sizeof(addr));
    format_time(since, from, sizeof(from));
    if (silent)
        sdd_logf(&d->opts.log, SDD_LOG_WARNING, "exporter %s (%s) silent since %s: its services' flows are not "
                 "judged until it is back", addr, input_name(kind), from);
    else
        sdd_logf(&d->opts.log, SDD_LOG_INFO, "exporter %s (%s) back after %lld s of silence (since %s)", addr,
                 input_name(kind), (long long)(until - since), from);
}

static int open_files(sdd_daemon *d, sdd_error *err)
{
    for (int k = 0; k < 3; k++) {
        input *in = &d->in[k];
        if (in->spec.type != SDD_SPEC_FILE && in->spec.type != SDD_SPEC_STDIO)
            continue;
        in->file = sdd_file_source_new(in->spec.type == SDD_SPEC_FILE ? in->spec.name : NULL, in->kind,
                                       &d->opts.log);
        if (!in->file)
            return sdd__fail(err, SDD_E_NOMEM, "%s: out of memory", in->key);
    }
    return 0;
}

/* ---- the cursor: {"kafka": {TOPIC: {PARTITION: OFFSET}}, "files":
 * {SETTING: {"dev": D, "ino": I, "offset": O}}} ------------------------------ */

/* Where the lines of file input k the engine has taken end: those still
 * waiting in the merge are not taken. */
static int taken_position(const sdd_daemon *d, int k, uint64_t *dev, uint64_t *ino, int64_t *offset)
{
    if (sdd_file_source_position(d->in[k].file, dev, ino, offset) < 0)
        return -1;
    if (sdd_merge_pending(d->merge, k))
        *offset = sdd_merge_position(d->merge, k);
    return *offset >= 0 ? 0 : -1;
}

static json_t *files_cursor(const sdd_daemon *d)
{
    json_t *files = json_object();
    uint64_t dev, ino;
    int64_t offset;

    for (int k = 0; k < 3; k++)
        if (d->in[k].file && taken_position(d, k, &dev, &ino, &offset) == 0)
            json_object_set_new(files, d->in[k].key,
                                json_pack("{s:I,s:I,s:I}", "dev", (json_int_t)dev, "ino", (json_int_t)ino, "offset",
                                          (json_int_t)offset));
    return files;
}

/* The cursor of what the engine has taken; NULL when out of memory. */
static char *make_cursor(const sdd_daemon *d)
{
    json_t *root = json_pack("{s:o,s:o}", "kafka", d->kafka ? sdd_kafka_source_cursor(d->kafka) : json_object(),
                             "files", files_cursor(d));
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    json_decref(root);
    return text;
}

static void resume_file(input *in, json_t *at)
{
    json_int_t dev = json_integer_value(json_object_get(at, "dev"));
    json_int_t ino = json_integer_value(json_object_get(at, "ino"));
    json_int_t offset = json_integer_value(json_object_get(at, "offset"));

    if (json_is_object(at) && offset >= 0)
        sdd_file_source_resume(in->file, (uint64_t)dev, (uint64_t)ino, offset);
}

/* Every input goes on where the state's cursor says. */
static int resume(sdd_daemon *d, sdd_error *err)
{
    const char *cursor = sdd_engine_cursor(d->engine);
    json_t *root = cursor ? json_loads(cursor, 0, NULL) : NULL, *kafka = json_object_get(root, "kafka");
    int rc = 0;

    if (!cursor)
        return 0;
    if (!json_is_object(root)) {
        json_decref(root);
        return sdd__fail(err, SDD_E_CONFIG, "%s: its cursor is not one of sddd's", d->cfg->state_file);
    }
    sdd_logf(&d->opts.log, SDD_LOG_INFO, "going on from the state's cursor %s", cursor);
    if (json_is_object(kafka))
        d->saved = json_incref(kafka);
    for (int k = 0; k < 3; k++)
        if (d->in[k].file)
            resume_file(&d->in[k], json_object_get(json_object_get(root, "files"), d->in[k].key));
    if (d->kafka && kafka)
        rc = sdd_kafka_source_resume(d->kafka, kafka, err);
    json_decref(root);
    return rc;
}

/* /metrics, /healthz and the validation page, with the plots the loop
 * keeps for it at each notification. */
static int start_http(sdd_daemon *d, sdd_error *err)
{
    sdd_web_options web;

    if (!(d->plots = sdd_web_plots_new()))
        return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    sdd_web_options_from(&web, d->set.output, d->set.web_labels, d->plots);
    return (d->metrics = sdd_metrics_start(d->set.metrics_listen, &web, err)) ? 0 : -1;
}

int sdd_daemon_start(sdd_daemon *d, sdd_error *err)
{
    d->out = sdd_output_open_config(&d->set, &d->opts.log, err);
    if (!d->out)
        return -1;
    d->engine = sdd_engine_new(d->cfg, err);
    if (!d->engine)
        return -1;
    sdd_engine_on_notification(d->engine, on_notification, d);
    sdd__engine_on_judging(d->engine, time_judging, d);
    sdd__engine_on_collection(d->engine, on_collection, d);
    if (!(d->merge = sdd_merge_new(3, MERGE_QUEUE)))
        return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    if (open_files(d, err) < 0 || resume(d, err) < 0)
        return -1;
    if (d->set.metrics_listen[0] && start_http(d, err) < 0)
        return -1;
    if (!d->kafka)
        return 0;
    sdd_kafka_source_into(d->kafka, d->merge, d->engine, d->cfg->source_idle_seconds);
    return sdd_kafka_source_start(d->kafka, err);
}

/* ---- counters ------------------------------------------------------------ */

static void print_counter(void *ctx, const char *name, uint64_t value)
{
    if (value)
        fprintf(ctx, " %s=%llu", name, (unsigned long long)value);
}

/* gzip'ed file inputs found faulty or cut short; -1 without file input. */
static int64_t gzip_errors(const sdd_daemon *d)
{
    int64_t n = -1;

    for (int k = 0; k < 3; k++)
        if (d->in[k].file)
            n = (n < 0 ? 0 : n) + (int64_t)sdd_file_source_gzip_errors(d->in[k].file);
    return n;
}

/* Every counter: the engine's, the inputs', the output's. The log line and
 * /metrics both walk them here. */
static void each_counter(const sdd_daemon *d, sdd_counter_fn fn, void *ctx)
{
    int64_t gz = gzip_errors(d);

    sdd_engine_counters(d->engine, fn, ctx);
    if (gz >= 0)
        fn(ctx, "gzip_errors", (uint64_t)gz);
    if (d->kafka)
        fn(ctx, "kafka_messages", sdd_kafka_source_messages(d->kafka));
    if (d->out)
        sdd_output_counters(d->out, fn, ctx);
}

/* The counters that are not zero, on one line. */
static void log_stats(sdd_daemon *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return;
    fputs("counters:", f);
    each_counter(d, print_counter, f);
    if (fclose(f) == 0 && d->opts.log.fn)
        d->opts.log.fn(d->opts.log.ctx, SDD_LOG_INFO, text);
    free(text);
}

/* ---- metrics and health ------------------------------------------------ */

/* Calls fn with each input's setting (or name) and seconds since its last
 * line; inputs that ended are left out. */
static void each_input_idle(const sdd_daemon *d, void (*fn)(void *ctx, const char *input, double idle), void *ctx)
{
    for (int k = 0; k < 3; k++)
        if (d->in[k].file && !d->in[k].done)
            fn(ctx, d->in[k].key, d->now - d->in[k].last);
    if (d->kafka)
        fn(ctx, "kafka", d->now - d->kafka_last);
    if (d->opts.feed && !d->feed_done)
        fn(ctx, d->opts.feed->name, d->now - d->feed_last);
}

static void add_idle(void *ctx, const char *input, double idle)
{
    sdd_samples_add(ctx, "input_idle_seconds", input, NULL, idle);
}

/* Each source's watermark and how far it is behind the wall clock. */
static void add_source(void *ctx, sdd_input_kind kind, const sdd_addr *router, int64_t watermark)
{
    char text[64];

    sdd_addr_format(router, text, sizeof(text));
    sdd_samples_add(ctx, "source_watermark", input_name(kind), text, (double)watermark);
    sdd_samples_add(ctx, "source_lag", input_name(kind), text, (double)(time(NULL) - watermark));
}

static void add_open_states(void *ctx, const char *stage, uint64_t n)
{
    sdd_samples_add(ctx, "relevant_states_open", stage, NULL, (double)n);
}

static void add_lag(void *ctx, const char *topic, int32_t partition, int64_t lag)
{
    char text[16];

    snprintf(text, sizeof(text), "%d", (int)partition);
    sdd_samples_add(ctx, "kafka_consumer_lag", topic, text, (double)lag);
}

typedef struct verdict {
    char *why;
    size_t size;
    int stall;
} verdict;

static void add_reason(verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_reason(verdict *v, const char *fmt, ...)
{
    size_t used = strlen(v->why);
    va_list ap;

    if (used && used + 2 < v->size)
        used += (size_t)snprintf(v->why + used, v->size - used, "; ");
    va_start(ap, fmt);
    vsnprintf(v->why + used, v->size - used, fmt, ap);
    va_end(ap);
}

static void check_stall(void *ctx, const char *input, double idle)
{
    verdict *v = ctx;

    if (v->stall > 0 && idle > v->stall)
        add_reason(v, "%s: no record for %.0f s", input, idle);
}

/* Why /healthz fails, "" when it does not: an input quiet for more than
 * input_stall_seconds, notifications waiting in the spool with none
 * delivered for more than output_stall_seconds. */
static void health(sdd_daemon *d, char *why, size_t size)
{
    verdict v = {why, size, d->set.input_stall_seconds};
    double waiting = sdd_samples_get(&d->samples, "spool_records");
    double delivered = sdd_samples_get(&d->samples, "kafka_delivered");

    *why = '\0';
    each_input_idle(d, check_stall, &v);
    if (!waiting || delivered != d->delivered) {
        d->delivered_at = d->now;
        d->delivered = delivered;
    }
    if (d->now - d->delivered_at > d->set.output_stall_seconds)
        add_reason(&v, "output: %.0f notifications waiting, none delivered for %.0f s", waiting,
                   d->now - d->delivered_at);
}

/* The snapshot /metrics serves, made at most every PUBLISH_EVERY. */
static void publish(sdd_daemon *d)
{
    char why[512];

    if (!d->metrics || d->now < d->next_publish)
        return;
    sdd_samples_clear(&d->samples);
    each_counter(d, sdd_samples_counter, &d->samples);
    each_input_idle(d, add_idle, &d->samples);
    sdd_engine_sources(d->engine, add_source, &d->samples);
    sdd_engine_open_states(d->engine, add_open_states, &d->samples);
    if (d->kafka)
        sdd_kafka_source_lags(d->kafka, add_lag, &d->samples);
    sdd_samples_histogram(&d->samples, "detection_seconds", &d->detection);
    sdd_samples_add(&d->samples, "loop_work_max", NULL, NULL, d->work_max);
    sdd_samples_add(&d->samples, "checkpoint_duration", NULL, NULL, d->checkpoint_took);
    sdd_samples_add(&d->samples, "checkpoint_age", NULL, NULL, d->now - d->checkpoint_at);
    sdd_samples_add(&d->samples, "checkpoints_failed", NULL, NULL, (double)d->checkpoints_failed);
    health(d, why, sizeof(why));
    sdd_samples_add(&d->samples, "healthy", NULL, NULL, !*why);
    if (sdd_metrics_publish(d->metrics, &d->samples, why)) {
        d->work_max = 0;
        d->next_publish = d->now + PUBLISH_EVERY;
    }
}

/* The longest turn's work (reading, detection, output) since the last
 * snapshot; d->now is when the turn's reading began. */
static void time_work(sdd_daemon *d)
{
    double spent;

    if (d->metrics && (spent = sdd_now_seconds() - d->now) > d->work_max)
        d->work_max = spent;
}

/* ---- the loop ------------------------------------------------------------ */

/* A line of a file: parsed (a skipped line is counted there) and queued
 * for the merge; handed on at once when its queue is full. */
static void on_file_line(void *ctx, sdd_input_kind kind, const char *line, size_t len)
{
    input *in = ctx;
    sdd_daemon *d = in->d;
    sdd_record r;
    uint64_t dev, ino;
    int64_t end = -1;

    in->last = d->now;
    if (sdd__engine_parse(d->engine, kind, line, len, &r) <= 0)
        return;
    sdd_file_source_position(in->file, &dev, &ino, &end);
    if (sdd_merge_push(d->merge, (int)kind, &r, end) < 0)
        sdd__engine_add_record(d->engine, &r);
}

static void to_engine(void *ctx, const sdd_record *r)
{
    sdd_daemon *d = ctx;

    sdd__engine_add_in_run(d->engine, &d->run, r);
}

static void read_kafka(sdd_daemon *d)
{
    uint64_t before = sdd_kafka_source_messages(d->kafka);

    d->kafka_more = sdd_kafka_source_read(d->kafka, KAFKA_BATCH) == SDD_READ_MORE;
    if (sdd_kafka_source_messages(d->kafka) != before)
        d->kafka_last = d->now;
}

/* The oldest records to the engine; every one when `all`. */
static void drain(sdd_daemon *d, int all)
{
    sdd_merge_drain(d->merge, all, to_engine, d);
    sdd__engine_end_run(d->engine, &d->run);
    if (d->kafka)
        sdd_kafka_source_taken(d->kafka);
}

/* Every input idle for exit_idle seconds: files without a new line, stdin
 * at its end, Kafka read to the end of every partition it was given. */
static int all_idle(sdd_daemon *d)
{
    double limit = d->opts.exit_idle;

    for (int k = 0; k < 3; k++)         /* more to read, or queued: not idle however long the turn */
        if (d->in[k].file && (d->in[k].more || sdd_merge_pending(d->merge, k) ||
                              (!d->in[k].done && d->now - d->in[k].last < limit)))
            return 0;
    if (d->opts.feed && !d->feed_done && d->now - d->feed_last < limit)
        return 0;
    return !d->kafka || (!d->kafka_more && d->now - d->kafka_last >= limit && sdd_kafka_source_caught_up(d->kafka));
}

/* Waits until an input has something, a file is due, or MAX_WAIT_MS. */
static void wait_for_input(sdd_daemon *d)
{
    struct pollfd pfd[5];
    input *owner[5] = {NULL};
    int n = 0, timeout = d->kafka_more || d->feed_more ? 0 : MAX_WAIT_MS;

    if (d->kafka)
        pfd[n++] = (struct pollfd){sdd_kafka_source_fd(d->kafka), POLLIN, 0};
    if (d->opts.feed && d->opts.feed->fd >= 0)
        pfd[n++] = (struct pollfd){d->opts.feed->fd, POLLIN, 0};
    else if (d->opts.feed && timeout > TICK_MS)
        timeout = TICK_MS;
    for (int k = 0; k < 3; k++) {
        input *in = &d->in[k];
        if (!in->file || in->done)
            continue;
        int fd = sdd_file_source_fd(in->file);
        if (in->more)
            timeout = 0;
        else if (fd < 0 && timeout > TICK_MS)
            timeout = TICK_MS;
        if (fd >= 0) {
            owner[n] = in;
            pfd[n++] = (struct pollfd){fd, POLLIN, 0};
        }
    }
    if (timeout > (d->next_commit - d->now) * 1000)    /* a transaction is due before */
        timeout = d->next_commit > d->now ? (int)((d->next_commit - d->now) * 1000) + 1 : 0;
    if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
        sdd_logf(&d->opts.log, SDD_LOG_WARNING, "poll: %s", strerror(errno));
    for (int i = 0; i < n; i++)
        if (owner[i])
            owner[i]->ready = pfd[i].revents != 0;
}

/* With nothing of it waiting in the merge, the engine has taken every line
 * of the file read so far. */
static void note_taken(sdd_daemon *d, const input *in)
{
    uint64_t dev, ino;
    int64_t at;

    if (!sdd_merge_pending(d->merge, (int)in->kind) && sdd_file_source_position(in->file, &dev, &ino, &at) == 0)
        sdd_merge_set_position(d->merge, (int)in->kind, at);
}

static void read_file(input *in)
{
    sdd_daemon *d = in->d;
    int timed = sdd_file_source_fd(in->file) < 0;

    if (in->done || !(in->ready || in->more || (timed && d->now >= in->next_look)))
        return;
    if (sdd_merge_room(d->merge, (int)in->kind) < MERGE_ROOM)
        return;                         /* the others must catch up first */
    note_taken(d, in);
    sdd_read_status st = sdd_file_source_read(in->file, FILE_BUDGET, on_file_line, in);
    uint64_t too_long = sdd_file_source_too_long(in->file);
    sdd__engine_count_too_long(d->engine, too_long - in->too_long);   /* counted with the engine's */
    in->too_long = too_long;
    in->ready = 0;
    in->more = st == SDD_READ_MORE;
    sdd_merge_set_more(d->merge, (int)in->kind, in->more);
    in->done = st == SDD_READ_DONE;
    in->next_look = d->now + TICK_MS / 1000.0;
    if (in->done)
        sdd_logf(&d->opts.log, SDD_LOG_INFO, "%s: end of stdin", in->key);
}

static void read_feed(sdd_daemon *d)
{
    const sdd_daemon_feed *feed = d->opts.feed;
    size_t taken = 0;

    if (!feed || d->feed_done)
        return;
    sdd_read_status st = feed->read(feed->ctx, d->engine, &taken);
    d->feed_more = st == SDD_READ_MORE;
    d->feed_done = st == SDD_READ_DONE;
    if (taken)
        d->feed_last = d->now;
    if (d->feed_done)
        sdd_logf(&d->opts.log, SDD_LOG_INFO, "%s: ended", feed->name);
}

static void read_inputs(sdd_daemon *d)
{
    char why[512];

    d->now = sdd_now_seconds();
    read_feed(d);
    if (d->kafka)
        read_kafka(d);
    if (d->kafka && *sdd_kafka_source_fatal(d->kafka, why, sizeof(why))) {
        sdd_logf(&d->opts.log, SDD_LOG_ERROR, "kafka input: %s: stopping", why);
        d->failed = 1;
    }
    for (int k = 0; k < 3 && !d->failed; k++)
        if (d->in[k].file)
            read_file(&d->in[k]);
    drain(d, 0);
}

/* Seconds since the last record of any input. */
static double quiet_for(const sdd_daemon *d)
{
    double last = d->kafka ? d->kafka_last : 0;

    for (int k = 0; k < 3; k++)
        if (d->in[k].file && d->in[k].last > last)
            last = d->in[k].last;
    if (d->opts.feed && d->feed_last > last)
        last = d->feed_last;
    return d->now - last;
}

/* Every input idle for source_idle_seconds: no older record is coming, the
 * engine's time follows the wall clock, and the slots it passes close. */
static void tell_time(sdd_daemon *d)
{
    if (quiet_for(d) >= d->cfg->source_idle_seconds)
        sdd_engine_advance(d->engine, (int64_t)time(NULL));
}

/* A cap reached (max_services, max_terminations_per_service) is said once
 * a minute at most, with how many were refused: what is over it is not
 * watched. */
static void log_caps(sdd_daemon *d)
{
    static const char *const names[2] = {"services_over_max", "terminations_over_max"};
    static const char *const keys[2] = {"max_services", "max_terminations_per_service"};
    uint64_t now[2];

    if (d->now < d->next_caps_log)
        return;
    sdd__engine_refused_by_caps(d->engine, &now[0], &now[1]);
    for (int i = 0; i < 2; i++) {
        if (now[i] <= d->over_max[i])
            continue;
        sdd_logf(&d->opts.log, SDD_LOG_WARNING, "%s reached: %llu records refused so far (%s), not watched",
                 keys[i], (unsigned long long)now[i], names[i]);
        d->over_max[i] = now[i];
        d->next_caps_log = d->now + 60;
    }
}

static void maybe_log_stats(sdd_daemon *d)
{
    log_caps(d);
    if (d->opts.stats_every <= 0 || d->now < d->next_stats)
        return;
    log_stats(d);
    d->next_stats += d->opts.stats_every;
}

/* An output that sends in the background (Kafka: delivery reports, the
 * spool sent again once the broker is back) is served on every turn. */
static void flush_output(sdd_daemon *d)
{
    sdd_error err;

    if (!d->failed && sdd_output_flush(d->out, &err) < 0) {
        log_msg(d, SDD_LOG_ERROR, err.msg);
        d->failed = 1;
    }
}

/* Whether the last durable checkpoint names every partition the engine has
 * taken records of. A restart reads a partition its checkpoint does not name
 * from the group's committed offset, into an engine that has seen nothing of
 * it: an offset committed before a checkpoint names its partition would skip
 * the records read before it (a checkpoint taken before the partitions were
 * assigned, or none yet). */
static int saved_names_all(const sdd_daemon *d)
{
    json_t *now = sdd_kafka_source_cursor(d->kafka), *parts, *offset;
    const char *topic, *partition;
    int all = now != NULL;

    json_object_foreach(now, topic, parts) {
        json_object_foreach(parts, partition, offset)
            all &= json_object_get(json_object_get(d->saved, topic), partition) != NULL;
    }
    json_decref(now);
    return all;
}

/* The output's transaction, with the input's offsets when they moved and
 * a checkpoint names their partitions (else in a later one). */
static void commit_output(sdd_daemon *d)
{
    uint64_t messages = d->kafka ? sdd_kafka_source_messages(d->kafka) : 0;
    int offsets = d->kafka && messages != d->committed_messages && saved_names_all(d);
    sdd_error err;
    int rc;

    if (d->failed)
        return;
    rc = sdd_output_commit(d->out, offsets ? d->kafka : NULL, &err);
    if (rc == 0 && offsets)
        d->committed_messages = messages;
    if (rc < 0) {
        log_msg(d, SDD_LOG_ERROR, err.msg);
        d->failed = 1;
    }
}

/* A checkpoint: history and state made durable, with the cursor; then the
 * Kafka offsets it names may be committed. */
static int save_engine(sdd_daemon *d)
{
    double began = sdd_now_seconds();
    char *cursor = make_cursor(d);
    json_t *root;
    sdd_error err;
    int rc = -1;

    if (!cursor || sdd_engine_set_cursor(d->engine, cursor) < 0)
        sdd__fail(&err, SDD_E_NOMEM, "out of memory");
    else
        rc = sdd_engine_sync(d->engine, &err);
    if (rc == 0 && (root = json_loads(cursor, 0, NULL))) {
        json_decref(d->saved);
        d->saved = json_incref(json_object_get(root, "kafka"));
        json_decref(root);
    }
    if (rc == 0 && d->kafka)
        sdd_kafka_source_commit(d->kafka);
    free(cursor);
    d->checkpoint_took = sdd_now_seconds() - began;
    if (rc == 0)
        d->checkpoint_at = began;
    else
        d->checkpoints_failed++;
    if (rc < 0)
        sdd_logf(&d->opts.log, SDD_LOG_ERROR, "saving the engine: %s", err.msg);
    return rc;
}

static void maybe_checkpoint(sdd_daemon *d)
{
    if (d->failed)
        return;
    if (d->now >= d->next_commit) {
        commit_output(d);
        d->next_commit = d->now + COMMIT_EVERY;
    }
    if (d->now >= d->next_sync) {
        save_engine(d);                 /* a failure is logged; the next one may work */
        d->next_sync = d->now + d->set.state_sync_seconds;
    }
}

/* ---- SIGHUP and the service manager ------------------------------------ */

/* sddd's settings that are used only at start, and why. */
static const sdd_fixed_setting fixed_settings[] = {
    {"flow_input", "the inputs are opened at start"},
    {"bmp_input", "the inputs are opened at start"},
    {"telemetry_input", "the inputs are opened at start"},
    {"output", "the output is opened at start"},
    {"output_format", "the output is opened at start"},
    {"schema_registry", "the output is opened at start"},
    {"spool_dir", "the output's spool is opened at start"},
    {"spool_max_bytes", "the output's spool is opened at start"},
    {"kafka_brokers", "the Kafka clients are made at start"},
    {"kafka_group_id", "the Kafka clients are made at start"},
    {"kafka_config_file", "the Kafka clients are made at start"},
    {"metrics_listen", "the HTTP endpoint listens from the start"},
    {"web_labels", "the HTTP endpoint takes its settings at start"},
    {NULL, NULL},
};

/* A new file's settings and configuration, checked and taken; -1 with err
 * when it is refused (nothing taken then). */
static int take_file(sdd_daemon *d, sdd_settings *set, sdd_config *cfg, sdd_error *err)
{
    const sdd_fixed_setting *changed = sdd_settings_fixed_change(&d->set, set, fixed_settings);
    sdd_error why;

    if (changed)
        return sdd__fail(err, SDD_E_CONFIG, "%s cannot change while sddd runs: %s", changed->name, changed->why);
    if (sdd_engine_reload(d->engine, cfg, err) < 0)
        return -1;
    if (d->opts.sink && sdd_log_sink_configure(d->opts.sink, set->log_level, set->logfile, set->syslog, &why) < 0) {
        sdd_logf(&d->opts.log, SDD_LOG_WARNING, "reload: logging left as it was: %s", why.msg);
        memcpy(set->log_level, d->set.log_level, sizeof(set->log_level));
        memcpy(set->logfile, d->set.logfile, sizeof(set->logfile));
        memcpy(set->syslog, d->set.syslog, sizeof(set->syslog));
    }
    d->set = *set;
    sdd_config_free(d->cfg);
    d->cfg = cfg;
    return 0;
}

/* SIGHUP: the configuration file and the inventory read again. */
static void reload(sdd_daemon *d)
{
    sdd_settings set;
    sdd_config *cfg = NULL;
    sdd_error err;

    sdd_notify_reloading();
    if (load_file(d, &set, &cfg, &err) < 0 || take_file(d, &set, cfg, &err) < 0) {
        sdd_config_free(cfg);
        sdd_logf(&d->opts.log, SDD_LOG_ERROR, "reload refused, the running configuration is kept: %s", err.msg);
    } else {
        sdd_logf(&d->opts.log, SDD_LOG_INFO, "reloaded %s", d->opts.config_path);
    }
}

typedef struct summary {
    uint64_t records, notifications, services;
} summary;

static void add_to_summary(void *ctx, const char *name, uint64_t value)
{
    summary *s = ctx;

    if (!strcmp(name, "records_flow") || !strcmp(name, "records_bmp") || !strcmp(name, "records_iface"))
        s->records += value;
    else if (!strcmp(name, "notifications"))
        s->notifications = value;
    else if (!strcmp(name, "services"))
        s->services = value;
}

/* The status line systemctl status shows. */
static void status_line(const sdd_daemon *d, char *buf, size_t size)
{
    summary s = {0, 0, 0};

    each_counter(d, add_to_summary, &s);
    snprintf(buf, size, "%llu records, %llu services, %llu notifications", (unsigned long long)s.records,
             (unsigned long long)s.services, (unsigned long long)s.notifications);
}

static void tell_ready(const sdd_daemon *d)
{
    char status[128];

    status_line(d, status, sizeof(status));
    sdd_notify_ready(status);
}

/* The watchdog's ping, from the loop: a loop that is stuck sends none. */
static void keep_alive(sdd_daemon *d)
{
    char status[128];

    if (d->alive_every <= 0 || d->now < d->next_alive)
        return;
    status_line(d, status, sizeof(status));
    sdd_notify_alive(status);
    d->next_alive = d->now + d->alive_every;
}

static void maybe_reload(sdd_daemon *d)
{
    if (!d->opts.reload || !*d->opts.reload)
        return;
    *d->opts.reload = 0;
    reload(d);
    tell_ready(d);
}

/* The files are read to their end: one cut short is said. */
static void end_files(sdd_daemon *d)
{
    for (int k = 0; k < 3; k++)
        if (d->in[k].file)
            sdd_file_source_end(d->in[k].file);
}

int sdd_daemon_run(sdd_daemon *d)
{
    if (!sdd_engine_cursor(d->engine))  /* a first start: the wall clock bounds the first records */
        sdd_engine_advance(d->engine, (int64_t)time(NULL));
    d->now = sdd_now_seconds();
    d->kafka_last = d->feed_last = d->checkpoint_at = d->delivered_at = d->now;
    for (int k = 0; k < 3; k++)
        d->in[k].last = d->in[k].next_look = d->now;
    d->next_stats = d->now + d->opts.stats_every;
    d->next_commit = d->now + COMMIT_EVERY;
    d->next_sync = d->now + d->set.state_sync_seconds;
    d->alive_every = sdd_notify_watchdog_every();
    d->next_alive = d->now;
    tell_ready(d);
    while (!*d->opts.stop && !d->failed && !d->feed_done) {
        d->now = sdd_now_seconds();
        if (d->opts.exit_idle > 0 && all_idle(d)) {
            sdd_logf(&d->opts.log, SDD_LOG_INFO, "every input idle for %d s: closing the open slots",
                     d->opts.exit_idle);
            end_files(d);
            drain(d, 1);
            sdd_engine_finish(d->engine);
            break;
        }
        maybe_log_stats(d);
        maybe_reload(d);
        keep_alive(d);
        wait_for_input(d);
        read_inputs(d);
        tell_time(d);
        flush_output(d);
        maybe_checkpoint(d);
        time_work(d);
        publish(d);
    }
    sdd_notify_stopping();
    if (*d->opts.stop)
        sdd_logf(&d->opts.log, SDD_LOG_INFO, "stopping on a signal; open slots stay open");
    flush_output(d);
    commit_output(d);
    log_stats(d);
    if (d->failed) {
        /* notifications since the last checkpoint may be missing from the
         * output: a state saved now would say they were made */
        log_msg(d, SDD_LOG_ERROR, "stopped by an error: the state is left at the last checkpoint, "
                                  "from which a restart reads the input again");
        return SDD_EXIT_FAILURE;
    }
    if (save_engine(d) < 0)
        return SDD_EXIT_FAILURE;
    commit_output(d);                   /* the offsets that waited for this checkpoint to name them */
    return d->failed ? SDD_EXIT_FAILURE : SDD_EXIT_OK;
}

void sdd_daemon_free(sdd_daemon *d)
{
    if (!d)
        return;
    /* engine and output closed first (run saved the engine): they are safe
     * even if the Kafka close then takes long */
    sdd_metrics_stop(d->metrics);
    sdd_web_plots_free(d->plots);
    sdd_samples_free(&d->samples);
    sdd_engine_free(d->engine);
    sdd_output_close(d->out);
    sdd_kafka_source_free(d->kafka);    /* its final commit: offsets of what the engine took */
    for (int k = 0; k < 3; k++)
        sdd_file_source_free(d->in[k].file);
    sdd_merge_free(d->merge);
    sdd_config_free(d->cfg);
    json_decref(d->saved);
    free(d);
}
