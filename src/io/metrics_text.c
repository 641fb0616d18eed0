/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics_text.c: see metrics_text.h. The table is the one place that
 * names the metrics; docs/metrics.md is written from it. */
#include <stdlib.h>
#include <string.h>

#include "io/metrics_text.h"

typedef struct family {
    const char *match;                  /* the flat name; ending in '*': its start */
    const char *metric;                 /* rows of one metric follow each other */
    const char *type;
    const char *fixed;                  /* a label every sample of the row has, rendered; NULL none */
    const char *rest;                   /* with '*': the label whose value is the rest of the name */
    const char *own[2];                 /* the names of the sample's own labels */
    const char *help;
    const char *suffix;                 /* after the metric's name in a sample: a histogram's "_bucket" */
} family;

#define ROW(match, metric, type, fixed, help) {match, metric, type, fixed, NULL, {NULL, NULL}, help, ""}
#define REST(match, metric, type, fixed, rest, help) {match, metric, type, fixed, rest, {NULL, NULL}, help, ""}
#define OWN(match, metric, type, l0, l1, help) {match, metric, type, NULL, NULL, {l0, l1}, help, ""}
/* the rows of a histogram NAME: NAME_bucket (with le), NAME_sum, NAME_count */
#define HISTOGRAM(name, metric, help) \
    {name "_bucket", metric, "histogram", NULL, NULL, {"le", NULL}, help, "_bucket"}, \
    {name "_sum", metric, "histogram", NULL, NULL, {NULL, NULL}, NULL, "_sum"}, \
    {name "_count", metric, "histogram", NULL, NULL, {NULL, NULL}, NULL, "_count"}

static const family table[] = {
    /* the inputs */
    ROW("records_flow", "sdd_records_total", "counter", "input=\"flow\"",
        "Records the engine took, by input (flow, bmp, telemetry)."),
    ROW("records_bmp", "sdd_records_total", "counter", "input=\"bmp\"", NULL),
    ROW("records_iface", "sdd_records_total", "counter", "input=\"telemetry\"", NULL),
    REST("parsed_flow_*", "sdd_input_lines_total", "counter", "input=\"flow\"", "result",
         "Lines read, by input and result: none (a record), ignored (valid, of no use) or why it was skipped."),
    REST("parsed_bmp_*", "sdd_input_lines_total", "counter", "input=\"bmp\"", "result", NULL),
    REST("parsed_telemetry_*", "sdd_input_lines_total", "counter", "input=\"telemetry\"", "result", NULL),
    ROW("lines_too_long", "sdd_input_lines_too_long_total", "counter", NULL,
        "Lines skipped for their length."),
    ROW("gzip_errors", "sdd_input_gzip_errors_total", "counter", NULL,
        "gzip'ed file inputs found faulty or cut short: the rest of each was skipped."),
    ROW("kafka_messages", "sdd_kafka_input_messages_total", "counter", NULL,
        "Messages read from the Kafka inputs."),
    ROW("records_refused", "sdd_records_refused_total", "counter", NULL,
        "Records the engine's API could not take."),
    REST("unmapped_*", "sdd_records_unmapped_total", "counter", NULL, "reason",
         "Records of no service of the inventory, by reason."),
    ROW("late_added", "sdd_late_records_total", "counter", "result=\"added\"",
        "Records older than the engine's time: added to a slot still open, or dropped."),
    ROW("late_dropped", "sdd_late_records_total", "counter", "result=\"dropped\"", NULL),
    ROW("future_dropped", "sdd_future_records_dropped_total", "counter", NULL,
        "Records dropped for a time more than max_clock_skew ahead."),
    ROW("bmp_rib_dump", "sdd_bmp_rib_dump_records_total", "counter", NULL,
        "BMP records of a RIB dump: learned from, not counted as churn."),
    ROW("bmp_time_from_arrival", "sdd_bmp_time_from_arrival_records_total", "counter", NULL,
        "BMP records whose per-peer time was 0 (some routers), timed by their arrival at the collector."),
    OWN("input_idle_seconds", "sdd_input_idle_seconds", "gauge", "input", NULL,
        "Seconds since an input last gave a line."),
    OWN("source_watermark", "sdd_source_watermark_seconds", "gauge", "input", "router",
        "The newest event time of a source (input, router), seconds since the epoch."),
    OWN("source_lag", "sdd_source_lag_seconds", "gauge", "input", "router",
        "How far a source's watermark is behind the wall clock, in seconds."),
    OWN("kafka_consumer_lag", "sdd_kafka_consumer_lag", "gauge", "topic", "partition",
        "Messages of an assigned partition the engine has not taken yet: the high watermark the last fetch told, less the next offset to take."),
    ROW("engine_time", "sdd_engine_time_seconds", "gauge", NULL,
        "The engine's time (the oldest live source's watermark), seconds since the epoch."),
    /* the collection's health (engine/collection.h) */
    ROW("exporters_silent", "sdd_exporters_silent", "gauge", "input=\"flow\"",
        "Exporters silent now, by input: no record in the last closed slot, having sent before."),
    ROW("collection_gap_slots_flow", "sdd_collection_gap_slots_total", "counter", "input=\"flow\"",
        "Slots closed without a record of an exporter that sent before, by input (one per exporter and slot)."),
    ROW("collection_silences_flow", "sdd_collection_silences_total", "counter", "input=\"flow\"",
        "Silences of an exporter begun, by input."),
    ROW("collection_late_slots_flow", "sdd_collection_late_slots_total", "counter", "input=\"flow\"",
        "Gap slots whose records came after the slot closed (late, not lost), by input."),
    ROW("service_slots_not_judged_gap", "sdd_service_slots_not_judged_total", "counter", "reason=\"collection_gap\"",
        "Slots of a service judged on its events only, its flows incomplete, by reason."),
    /* detection */
    ROW("slots_closed", "sdd_slots_closed_total", "counter", NULL, "Time slots closed and judged."),
    HISTOGRAM("detection_seconds", "sdd_detection_seconds",
              "Wall-clock time of one cycle of detection: closing and judging the slots the engine's time passed at once."),
    ROW("slots_skipped_empty", "sdd_slots_skipped_empty_total", "counter", NULL,
        "Time slots passed without a record of any service."),
    ROW("services", "sdd_services", "gauge", NULL, "Services watched."),
    ROW("services_refused", "sdd_services_refused_total", "counter", NULL,
        "Services the inventory or learning could not add."),
    ROW("services_over_max", "sdd_records_over_cap_total", "counter", "cap=\"max_services\"",
        "Records refused by a cap, by the cap's key."),
    ROW("terminations_over_max", "sdd_records_over_cap_total", "counter", "cap=\"max_terminations_per_service\"",
        NULL),
    ROW("global_routes_over_max", "sdd_records_over_cap_total", "counter", "cap=\"max_global_routes\"", NULL),
    ROW("global_routes", "sdd_global_peer_routes", "gauge", NULL,
        "Routes of peers outside any VRF kept: what services each carries, cut off when it drops."),
    ROW("global_peer_down_other_path", "sdd_global_peer_downs_other_path_total", "counter", NULL,
        "Services a global peer's drop did not cut off: another peer of the router still carries their routes."),
    ROW("history_writes_refused", "sdd_history_writes_refused_total", "counter", NULL,
        "Writes the history store refused."),
    ROW("history_undo_failures", "sdd_history_undo_failures_total", "counter", NULL,
        "Writes to the history's undo log that failed (a full disk): the log is emptied and keeps nothing until the next checkpoint."),
    ROW("history_bytes_per_service", "sdd_history_bytes_per_service", "gauge", NULL,
        "Bytes of history kept per service."),
    ROW("loop_work_max", "sdd_loop_work_seconds_max", "gauge", NULL,
        "The longest turn of the loop's work (reading, detection, output) since the last snapshot."),
    /* notifications */
    ROW("notifications", "sdd_notifications_total", "counter", NULL, "Notifications the engine made."),
    OWN("relevant_states_open", "sdd_relevant_states_open", "gauge", "stage", NULL,
        "Relevant states open now (their last notification has no endTime), by the stage it says."),
    ROW("notifications_failed", "sdd_notifications_failed_total", "counter", NULL,
        "Notifications the engine could not render."),
    ROW("suppressed_in_change_window", "sdd_relevant_states_suppressed_total", "counter",
        "reason=\"change_window\"", "Relevant states not opened, by reason."),
    ROW("kafka_delivered", "sdd_notifications_delivered_total", "counter", NULL,
        "Notifications the Kafka output delivered."),
    ROW("notifications_lost", "sdd_notifications_lost_total", "counter", NULL,
        "Notifications the output could not keep."),
    ROW("kafka_duplicates_dropped", "sdd_output_duplicates_dropped_total", "counter", NULL,
        "Notifications the output had written already (a restart saying them again)."),
    ROW("output_duplicates_dropped", "sdd_output_duplicates_dropped_total", "counter", NULL, NULL),
    ROW("kafka_delivery_errors", "sdd_output_delivery_errors_total", "counter", NULL,
        "Delivery reports of the Kafka output with an error."),
    ROW("kafka_encode_errors", "sdd_output_encode_errors_total", "counter", NULL,
        "Notifications the output could not encode."),
    ROW("spool_records", "sdd_spool_records", "gauge", NULL, "Notifications waiting in the spool."),
    ROW("spool_full_refused", "sdd_spool_refused_total", "counter", "reason=\"full\"",
        "Notifications the spool refused, by reason."),
    ROW("spool_write_errors", "sdd_spool_refused_total", "counter", "reason=\"write_error\"", NULL),
    ROW("spool_torn_dropped", "sdd_spool_dropped_at_open_total", "counter", "reason=\"torn\"",
        "Damaged spool records dropped when it was opened, by reason."),
    ROW("spool_corrupt_skipped", "sdd_spool_dropped_at_open_total", "counter", "reason=\"corrupt\"", NULL),
    /* checkpoints and health */
    ROW("checkpoint_duration", "sdd_checkpoint_duration_seconds", "gauge", NULL,
        "How long the last checkpoint took."),
    ROW("checkpoint_age", "sdd_checkpoint_age_seconds", "gauge", NULL,
        "Seconds since the last durable checkpoint (or the start)."),
    ROW("checkpoints_failed", "sdd_checkpoint_failures_total", "counter", NULL, "Checkpoints that failed."),
    ROW("healthy", "sdd_healthy", "gauge", NULL, "1 when /healthz says ok, else 0."),
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

/* ---- samples --------------------------------------------------------------- */

void sdd_samples_clear(sdd_samples *s)
{
    s->n = 0;
    s->failed = 0;
}

void sdd_samples_free(sdd_samples *s)
{
    free(s->v);
    *s = (sdd_samples){0};
}

static int reserve(sdd_samples *s, int n)
{
    if (n <= s->cap)
        return 0;
    int cap = s->cap ? s->cap : 64;
    while (cap < n)
        cap *= 2;
    sdd_sample *v = realloc(s->v, (size_t)cap * sizeof(*v));
    if (!v)
        return -1;
    s->v = v;
    s->cap = cap;
    return 0;
}

void sdd_samples_add(sdd_samples *s, const char *name, const char *label0, const char *label1, double value)
{
    if (reserve(s, s->n + 1) < 0) {
        s->failed = 1;
        return;
    }
    sdd_sample *x = &s->v[s->n++];
    snprintf(x->name, sizeof(x->name), "%s", name);
    snprintf(x->label[0], sizeof(x->label[0]), "%s", label0 ? label0 : "");
    snprintf(x->label[1], sizeof(x->label[1]), "%s", label1 ? label1 : "");
    x->value = value;
}

void sdd_samples_counter(void *ctx, const char *name, uint64_t value)
{
    sdd_samples_add(ctx, name, NULL, NULL, (double)value);
}

double sdd_samples_get(const sdd_samples *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, name) == 0)
            return s->v[i].value;
    return 0;
}

int sdd_samples_copy(sdd_samples *dst, const sdd_samples *src)
{
    if (reserve(dst, src->n) < 0)
        return -1;
    if (src->n)
        memcpy(dst->v, src->v, (size_t)src->n * sizeof(*src->v));
    dst->n = src->n;
    dst->failed = src->failed;
    return 0;
}

/* ---- histograms ------------------------------------------------------------ */

/* Seconds, from what a small inventory takes to what a slow disk could. */
static const double bounds[SDD_HISTOGRAM_BOUNDS] = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};

void sdd_histogram_observe(sdd_histogram *h, double seconds)
{
    int i = 0;

    while (i < SDD_HISTOGRAM_BOUNDS && seconds > bounds[i])
        i++;
    if (i < SDD_HISTOGRAM_BOUNDS)
        h->within[i]++;
    h->count++;
    h->sum += seconds;
}

void sdd_samples_histogram(sdd_samples *s, const char *name, const sdd_histogram *h)
{
    char metric[SDD_SAMPLE_NAME], le[32];
    uint64_t below = 0;

    snprintf(metric, sizeof(metric), "%s_bucket", name);
    for (int i = 0; i < SDD_HISTOGRAM_BOUNDS; i++) {
        below += h->within[i];
        snprintf(le, sizeof(le), "%g", bounds[i]);
        sdd_samples_add(s, metric, le, NULL, (double)below);
    }
    sdd_samples_add(s, metric, "+Inf", NULL, (double)h->count);
    snprintf(metric, sizeof(metric), "%s_sum", name);
    sdd_samples_add(s, metric, NULL, NULL, h->sum);
    snprintf(metric, sizeof(metric), "%s_count", name);
    sdd_samples_add(s, metric, NULL, NULL, (double)h->count);
}

/* ---- rendering ------------------------------------------------------------- */

/* The rest of name after the row's start (a '*' row), the name itself for
 * an exact row; NULL when the row is not the name's. */
static const char *match(const family *f, const char *name)
{
    size_t len = strlen(f->match);

    if (f->match[len - 1] != '*')
        return strcmp(f->match, name) == 0 ? name : NULL;
    return strncmp(f->match, name, len - 1) == 0 && name[len - 1] ? name + len - 1 : NULL;
}

int sdd_metrics_known(const char *name)
{
    for (size_t i = 0; i < N_TABLE; i++)
        if (match(&table[i], name))
            return 1;
    return 0;
}

/* A label value as the format wants it: backslash, double quote and
 * newline escaped. */
static void put_value(FILE *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', out);
        if (*v == '\n')
            fputs("\\n", out);
        else
            fputc(*v, out);
    }
}

static void put_label(FILE *out, int *first, const char *key, const char *value)
{
    fputs(*first ? "{" : ",", out);
    *first = 0;
    fprintf(out, "%s=\"", key);
    put_value(out, value);
    fputc('"', out);
}

static void put_sample(FILE *out, const family *f, const char *rest, const sdd_sample *x)
{
    int first = 1;

    fprintf(out, "%s%s", f->metric, f->suffix);
    if (f->fixed) {
        fprintf(out, "{%s", f->fixed);
        first = 0;
    }
    if (f->rest)
        put_label(out, &first, f->rest, rest);
    for (int i = 0; i < 2; i++)
        if (f->own[i])
            put_label(out, &first, f->own[i], x->label[i]);
    fprintf(out, "%s %.17g\n", first ? "" : "}", x->value);
}

/* The samples of rows [from, to), which are one metric's. */
static void put_family(const sdd_samples *s, size_t from, size_t to, FILE *out)
{
    int header = 0;
    const char *rest;

    for (size_t r = from; r < to; r++)
        for (int i = 0; i < s->n; i++) {
            if (!(rest = match(&table[r], s->v[i].name)))
                continue;
            if (!header++)
                fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", table[from].metric, table[from].help,
                        table[from].metric, table[from].type);
            put_sample(out, &table[r], rest, &s->v[i]);
        }
}

/* A counter the table does not name: sdd_NAME, untyped. */
static void put_unknown(const sdd_sample *x, FILE *out)
{
    char metric[SDD_SAMPLE_NAME + 8];
    family f = {x->name, metric, "untyped", NULL, NULL, {NULL, NULL}, NULL, ""};

    snprintf(metric, sizeof(metric), "sdd_%s", x->name);
    for (char *c = metric; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            *c = '_';
    fprintf(out, "# HELP %s The counter %s (not in the table of metrics).\n# TYPE %s untyped\n", metric,
            x->name, metric);
    put_sample(out, &f, NULL, x);
}

void sdd_metrics_render(const sdd_samples *s, FILE *out)
{
    size_t from = 0;

    for (size_t r = 1; r <= N_TABLE; r++)
        if (r == N_TABLE || strcmp(table[r].metric, table[from].metric) != 0) {
            put_family(s, from, r, out);
            from = r;
        }
    for (int i = 0; i < s->n; i++)
        if (!sdd_metrics_known(s->v[i].name))
            put_unknown(&s->v[i], out);
}
