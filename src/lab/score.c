/* SPDX-License-Identifier: GPL-2.0-or-later */
/* score.c: scores relevant-state notifications against a scenario's truth.
 *
 * An alarm is one (relevant state, service) pair: the revisions of a state
 * share its id and are merged first (it spans from its earliest startTime
 * to the last endTime seen, or stays open). An alarm matches an event of
 * its service when their intervals overlap, the event's end extended by the
 * grace window, because the evidence of an event (a reconnection surge, the
 * first minute back to normal) comes after it. Lines that cannot be used
 * are counted by reason; nothing in the input is fatal.
 *
 * A state that names a change (its service's changeId) and overlaps a
 * planned maintenance of that service is an annotated change: the
 * deployed system monitors services in their change windows and says so,
 * it is neither a false alarm nor a detection. Counted apart, and the
 * figures as they were before (such states false) are printed beside. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/error.h"
#include "lab/score.h"

#define ID_MAX 64
#define OPEN_END INT64_MAX

typedef struct truth_event {
    char service[ID_MAX];
    size_t kind;                /* index in the report's kinds */
    int64_t start_ms, end_ms;
    int alarm;
    int detected;
    uint32_t states;            /* relevant states (alarms) that match it */
    int64_t first_alarm_ms;     /* start of the earliest matching alarm */
} truth_event;

typedef struct named {
    char id[ID_MAX];            /* vpnId */
    int change;                 /* with a changeId */
} named;

typedef struct revision {
    char id[ID_MAX];
    uint64_t line;              /* order in the file: later revisions win */
    int64_t start_ms, end_ms;   /* end_ms -1: this revision has none */
    named *services;
    size_t n_services;
} revision;

typedef struct alarm_rec {
    char service[ID_MAX];
    int64_t start_ms, end_ms;
    int change;                 /* a revision named a change for the service */
} alarm_rec;

typedef struct scorer {
    sdd_score_report *r;
    truth_event *ev;
    size_t n_ev, cap_ev;
    revision *rev;
    size_t n_rev, cap_rev;
    alarm_rec *al;
    size_t n_al, cap_al;
    size_t cap_kinds;
    int oom;
} scorer;

static const char *const skip_names[SDD_SCORE_SKIP_COUNT] = {
    "not_json", "bad_event", "no_id", "no_start_time", "no_service",
};

const char *sdd_score_skip_name(int reason)
{
    return reason >= 0 && reason < SDD_SCORE_SKIP_COUNT ? skip_names[reason] : "?";
}

/* Room for one more element; 0, or -1 (and s->oom) when memory ran out. */
static int reserve(scorer *s, void **p, size_t *cap, size_t n, size_t size)
{
    size_t want = *cap ? *cap * 2 : 64;
    void *q;

    if (n < *cap)
        return 0;
    q = realloc(*p, want * size);
    if (!q) {
        s->oom = 1;
        return -1;
    }
    *p = q;
    *cap = want;
    return 0;
}

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* qsort, which must not see a NULL array even when it is empty. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n)
        qsort(base, n, size, cmp);
}

/* ---- reading lines, plain or gzip --------------------------------------- */

typedef struct line_reader {
    gzFile gz;
    char *buf;
    size_t cap;
    int oom;
} line_reader;

/* The next line without its newline, or NULL at the end (or with oom set). */
static char *next_line(line_reader *lr)
{
    size_t len = 0;

    for (;;) {
        if (lr->cap - len < 2) {
            char *b = realloc(lr->buf, lr->cap ? lr->cap * 2 : 4096);

            if (!b) {
                lr->oom = 1;
                return NULL;
            }
            lr->buf = b;
            lr->cap = lr->cap ? lr->cap * 2 : 4096;
        }
        if (!gzgets(lr->gz, lr->buf + len, (int)(lr->cap - len)))
            return len ? lr->buf : NULL;
        len += strlen(lr->buf + len);
        if (len && lr->buf[len - 1] == '\n') {
            lr->buf[--len] = '\0';
            return lr->buf;
        }
    }
}

/* Calls `use` for every non-empty line of a file; counts lines in *lines. */
static int for_each_line(scorer *s, const char *path, uint64_t *lines,
                         void (*use)(scorer *, const char *, uint64_t), sdd_error *err)
{
    line_reader lr = {.gz = gzopen(path, "rb")};
    char *line;

    if (!lr.gz) {
        sdd__fail(err, SDD_E_IO, "%s: %s", path, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    while (!s->oom && (line = next_line(&lr))) {
        if (line[strspn(line, " \t\r")] == '\0')
            continue;
        use(s, line, ++*lines);
    }
    s->oom |= lr.oom;
    free(lr.buf);
    gzclose(lr.gz);
    return 0;
}

/* ---- kinds ---------------------------------------------------------------- */

/* Index of (name, alarm) in the report's kinds, added if new. */
static long kind_index(scorer *s, const char *name, int alarm)
{
    sdd_score_report *r = s->r;

    for (size_t i = 0; i < r->n_kinds; i++)
        if (r->kinds[i].alarm == alarm && strcmp(r->kinds[i].name, name) == 0)
            return (long)i;
    if (reserve(s, (void **)&r->kinds, &s->cap_kinds, r->n_kinds, sizeof(*r->kinds)) < 0)
        return -1;
    memset(&r->kinds[r->n_kinds], 0, sizeof(*r->kinds));
    copy_text(r->kinds[r->n_kinds].name, sizeof(r->kinds[0].name), name);
    r->kinds[r->n_kinds].alarm = alarm;
    return (long)r->n_kinds++;
}

/* ---- truth ------------------------------------------------------------------ */

static void truth_header(scorer *s, json_t *j)
{
    json_t *step = json_object_get(j, "time_step_seconds");

    s->r->services = (uint64_t)json_integer_value(json_object_get(j, "services"));
    s->r->days = (uint64_t)json_integer_value(json_object_get(j, "days"));
    if (json_is_integer(step) && json_integer_value(step) > 0)
        s->r->step = (int)json_integer_value(step);
}

static int truth_event_read(scorer *s, json_t *j)
{
    json_t *service = json_object_get(j, "service"), *kind = json_object_get(j, "kind");
    json_t *start = json_object_get(j, "start"), *end = json_object_get(j, "end");
    json_t *alarm = json_object_get(j, "alarm");
    truth_event *e;
    long k;

    if (!json_is_string(service) || !json_is_string(kind) || !json_is_integer(start) ||
        !json_is_integer(end) || !json_is_boolean(alarm))
        return -1;
    k = kind_index(s, json_string_value(kind), json_is_true(alarm));
    if (k < 0 || reserve(s, (void **)&s->ev, &s->cap_ev, s->n_ev, sizeof(*s->ev)) < 0)
        return 0;
    e = &s->ev[s->n_ev++];
    memset(e, 0, sizeof(*e));
    copy_text(e->service, sizeof(e->service), json_string_value(service));
    e->kind = (size_t)k;
    e->start_ms = json_integer_value(start) * 1000;
    e->end_ms = json_integer_value(end) * 1000;
    e->alarm = json_is_true(alarm);
    return 0;
}

/* The header is the line with the run's size and no "kind". */
static void truth_line(scorer *s, const char *line, uint64_t n)
{
    json_t *j = json_loads(line, 0, NULL);

    (void)n;
    if (!json_is_object(j))
        s->r->truth_skipped[SDD_SCORE_SKIP_NOT_JSON]++;
    else if (!json_object_get(j, "kind") && json_object_get(j, "days"))
        truth_header(s, j);
    else if (truth_event_read(s, j) < 0)
        s->r->truth_skipped[SDD_SCORE_SKIP_BAD_EVENT]++;
    json_decref(j);
}

/* ---- notifications ------------------------------------------------------------ */

/* Avro's JSON encoding wraps union values as {"long": 5}; the engine writes
 * them bare. Both are read. */
static json_t *unwrap(json_t *v, const char *type)
{
    json_t *inner = json_object_get(v, type);

    return json_is_object(v) && json_object_size(v) == 1 && inner ? inner : v;
}

static int read_ms(json_t *v, int64_t *out)
{
    v = unwrap(v, "long");
    if (!json_is_integer(v))
        return -1;
    *out = json_integer_value(v);
    return 0;
}

/* service.l3VpnService, bare or wrapped in its record's name. */
static json_t *l3vpn_list(json_t *n)
{
    json_t *svc = json_object_get(n, "service"), *list;

    if (!json_is_object(svc))
        return NULL;
    list = json_object_get(svc, "l3VpnService");
    if (!list && json_object_size(svc) == 1)
        list = json_object_get(json_object_iter_value(json_object_iter(svc)), "l3VpnService");
    return json_is_array(list) ? list : NULL;
}

static size_t read_services(scorer *s, revision *rv, json_t *list)
{
    size_t i, n = json_array_size(list);
    json_t *item;

    rv->services = calloc(n ? n : 1, sizeof(*rv->services));
    if (!rv->services) {
        s->oom = 1;
        return 0;
    }
    json_array_foreach(list, i, item) {
        json_t *id = unwrap(json_object_get(item, "vpnId"), "string");
        json_t *change = unwrap(json_object_get(item, "changeId"), "string");

        if (json_is_string(id)) {
            named *n = &rv->services[rv->n_services++];
            copy_text(n->id, ID_MAX, json_string_value(id));
            n->change = json_is_string(change);
        }
    }
    return rv->n_services;
}

static sdd_score_skip notification_read(scorer *s, json_t *j, uint64_t line)
{
    json_t *id = json_object_get(j, "id"), *list = l3vpn_list(j);
    revision rv = {.line = line, .end_ms = -1};

    if (!json_is_string(id))
        return SDD_SCORE_SKIP_NO_ID;
    if (read_ms(json_object_get(j, "startTime"), &rv.start_ms) < 0)
        return SDD_SCORE_SKIP_NO_START;
    if (!list || read_services(s, &rv, list) == 0) {
        free(rv.services);
        return SDD_SCORE_SKIP_NO_SERVICE;
    }
    read_ms(json_object_get(j, "endTime"), &rv.end_ms);
    copy_text(rv.id, sizeof(rv.id), json_string_value(id));
    if (reserve(s, (void **)&s->rev, &s->cap_rev, s->n_rev, sizeof(*s->rev)) < 0) {
        free(rv.services);
        return SDD_SCORE_SKIP_COUNT;
    }
    s->rev[s->n_rev++] = rv;
    return SDD_SCORE_SKIP_COUNT;
}

static void notification_line(scorer *s, const char *line, uint64_t n)
{
    json_t *j = json_loads(line, 0, NULL);
    sdd_score_skip why = json_is_object(j) ? notification_read(s, j, n) : SDD_SCORE_SKIP_NOT_JSON;

    if (why != SDD_SCORE_SKIP_COUNT)
        s->r->notification_skipped[why]++;
    json_decref(j);
}

/* ---- revisions to alarms ------------------------------------------------------- */

static int revision_cmp(const void *a, const void *b)
{
    const revision *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int service_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void add_alarm(scorer *s, const char *service, int64_t start, int64_t end, int change)
{
    alarm_rec *a;

    if (reserve(s, (void **)&s->al, &s->cap_al, s->n_al, sizeof(*s->al)) < 0)
        return;
    a = &s->al[s->n_al++];
    copy_text(a->service, sizeof(a->service), service);
    a->start_ms = start;
    a->end_ms = end;
    a->change = change;
}

/* Revisions [first, last) share an id: one relevant state, one alarm per
 * service it ever named. */
static void merge_state(scorer *s, const revision *first, const revision *last)
{
    int64_t start = first->start_ms, end = OPEN_END;
    size_t n = 0, k = 0;
    named *names;

    for (const revision *r = first; r < last; r++) {
        start = r->start_ms < start ? r->start_ms : start;
        end = r->end_ms >= 0 ? r->end_ms : end;
        n += r->n_services;
    }
    names = malloc(n * sizeof(*names));
    if (!names) {
        s->oom = 1;
        return;
    }
    for (const revision *r = first; r < last; r++)
        for (size_t i = 0; i < r->n_services; i++)
            names[k++] = r->services[i];
    sort(names, n, sizeof(*names), service_cmp);
    for (size_t i = 0, j; i < n; i = j) {
        int change = 0;
        for (j = i; j < n && strcmp(names[j].id, names[i].id) == 0; j++)
            change |= names[j].change;
        add_alarm(s, names[i].id, start, end, change);
    }
    free(names);
    s->r->notifications++;
}

static void build_alarms(scorer *s)
{
    size_t i = 0;

    sort(s->rev, s->n_rev, sizeof(*s->rev), revision_cmp);
    while (i < s->n_rev) {
        size_t j = i + 1;

        while (j < s->n_rev && strcmp(s->rev[j].id, s->rev[i].id) == 0)
            j++;
        merge_state(s, &s->rev[i], &s->rev[j]);
        i = j;
    }
}

/* ---- matching ----------------------------------------------------------------- */

static int event_cmp(const void *a, const void *b)
{
    const truth_event *x = a, *y = b;
    int c = strcmp(x->service, y->service);

    return c ? c : (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
}

/* First event of a service in the sorted events. */
static size_t first_event_of(const scorer *s, const char *service)
{
    size_t lo = 0, hi = s->n_ev;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(s->ev[mid].service, service) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef enum verdict { ALARM_FALSE, ALARM_TRUE, ALARM_CHANGE } verdict;

/* Marks the events an alarm overlaps: true if one of them wanted an alarm,
 * an annotated change if it names a change and one was a maintenance. */
static verdict match_alarm(scorer *s, const alarm_rec *a)
{
    int64_t grace = (int64_t)s->r->grace_slots * s->r->step * 1000;
    int useful = 0, maintenance = 0;

    for (size_t i = first_event_of(s, a->service);
         i < s->n_ev && strcmp(s->ev[i].service, a->service) == 0; i++) {
        truth_event *e = &s->ev[i];

        if (a->start_ms > e->end_ms + grace || a->end_ms < e->start_ms)
            continue;
        if (!e->detected || a->start_ms < e->first_alarm_ms)
            e->first_alarm_ms = a->start_ms;
        e->detected = 1;
        e->states++;
        useful |= e->alarm;
        maintenance |= strcmp(s->r->kinds[e->kind].name, "maintenance") == 0;
    }
    return useful ? ALARM_TRUE : a->change && maintenance ? ALARM_CHANGE : ALARM_FALSE;
}

/* ---- figures ------------------------------------------------------------------- */

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values; NAN for none. */
static double percentile(const double *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p * (double)n);

    if (n == 0)
        return NAN;
    return v[rank > 0 ? rank - 1 : 0];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* Sorted delays of the detected alarm:true events of one kind (of all kinds
 * when kind is SIZE_MAX): in seconds, or in slots, i.e. how many slot
 * boundaries lie between the event's start and the alarm's. */
static size_t collect_delays(const scorer *s, size_t kind, int in_slots, double *buf)
{
    int64_t step_ms = (int64_t)s->r->step * 1000;
    size_t n = 0;

    for (size_t i = 0; i < s->n_ev; i++) {
        const truth_event *e = &s->ev[i];

        if (!e->detected || !e->alarm || (kind != SIZE_MAX && e->kind != kind))
            continue;
        if (in_slots)
            buf[n++] = (double)(floor_div(e->first_alarm_ms, step_ms) -
                                floor_div(e->start_ms, step_ms));
        else
            buf[n++] = (double)(e->first_alarm_ms - e->start_ms) / 1000.0;
    }
    sort(buf, n, sizeof(*buf), double_cmp);
    return n;
}

static void delays(const scorer *s, size_t kind, double *buf, sdd_score_delay *d)
{
    size_t n = collect_delays(s, kind, 0, buf);

    d->median_s = percentile(buf, n, 0.5);
    d->p95_s = percentile(buf, n, 0.95);
    n = collect_delays(s, kind, 1, buf);
    d->median_slots = percentile(buf, n, 0.5);
    d->p95_slots = percentile(buf, n, 0.95);
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : NAN;
}

static void count_kinds(scorer *s, double *buf)
{
    sdd_score_report *r = s->r;

    for (size_t i = 0; i < s->n_ev; i++) {
        sdd_score_kind *k = &r->kinds[s->ev[i].kind];

        k->events++;
        k->detected += (uint64_t)s->ev[i].detected;
        k->one_state += s->ev[i].states == 1;
        if (s->ev[i].alarm) {
            r->events++;
            r->detected += (uint64_t)s->ev[i].detected;
            r->one_state += s->ev[i].states == 1;
        }
    }
    r->one_state_share = ratio(r->one_state, r->detected);
    for (size_t i = 0; i < r->n_kinds; i++) {
        r->kinds[i].recall = ratio(r->kinds[i].detected, r->kinds[i].events);
        r->kinds[i].one_state_share = ratio(r->kinds[i].one_state, r->kinds[i].detected);
        delays(s, i, buf, &r->kinds[i].delay);
    }
    delays(s, SIZE_MAX, buf, &r->delay);
}

static double per_1000_service_days(const sdd_score_report *r, uint64_t n)
{
    return r->services && r->days ? (double)n * 1000.0 / (double)(r->services * r->days) : NAN;
}

static void summarize(scorer *s, double *buf)
{
    sdd_score_report *r = s->r;

    for (size_t i = 0; i < s->n_al; i++)
        switch (match_alarm(s, &s->al[i])) {
        case ALARM_TRUE: r->true_alarms++; break;
        case ALARM_CHANGE: r->annotated_changes++; break;
        default: r->false_alarms++; break;
        }
    r->alarms = s->n_al;
    count_kinds(s, buf);
    r->precision = ratio(r->true_alarms, r->true_alarms + r->false_alarms);
    r->precision_changes_false = ratio(r->true_alarms, r->alarms);
    r->recall = ratio(r->detected, r->events);
    if (isnan(r->precision) || isnan(r->recall))
        r->f1 = NAN;
    else if (r->precision + r->recall > 0)
        r->f1 = 2 * r->precision * r->recall / (r->precision + r->recall);
    else
        r->f1 = 0.0;
    r->false_per_1000 = per_1000_service_days(r, r->false_alarms);
    r->false_per_1000_changes_false = per_1000_service_days(r, r->false_alarms + r->annotated_changes);
}

static int kind_cmp(const void *a, const void *b)
{
    const sdd_score_kind *x = a, *y = b;

    if (x->alarm != y->alarm)
        return y->alarm - x->alarm;
    return strcmp(x->name, y->name);
}

/* Kinds are listed sorted; events keep pointing at the right one. */
static int sort_kinds(scorer *s)
{
    sdd_score_report *r = s->r;
    size_t *map = malloc((r->n_kinds ? r->n_kinds : 1) * sizeof(*map));
    sdd_score_kind *old = malloc((r->n_kinds ? r->n_kinds : 1) * sizeof(*old));

    if (!map || !old) {
        free(map);
        free(old);
        s->oom = 1;
        return -1;
    }
    if (r->n_kinds)
        memcpy(old, r->kinds, r->n_kinds * sizeof(*old));
    sort(r->kinds, r->n_kinds, sizeof(*r->kinds), kind_cmp);
    for (size_t i = 0; i < r->n_kinds; i++)
        for (size_t j = 0; j < r->n_kinds; j++)
            if (old[i].alarm == r->kinds[j].alarm && strcmp(old[i].name, r->kinds[j].name) == 0)
                map[i] = j;
    for (size_t i = 0; i < s->n_ev; i++)
        s->ev[i].kind = map[s->ev[i].kind];
    free(map);
    free(old);
    return 0;
}

static int score(scorer *s)
{
    double *buf = malloc((s->n_ev ? s->n_ev : 1) * sizeof(*buf));

    if (!buf || sort_kinds(s) < 0) {
        free(buf);
        s->oom = 1;
        return -1;
    }
    sort(s->ev, s->n_ev, sizeof(*s->ev), event_cmp);
    build_alarms(s);
    summarize(s, buf);
    free(buf);
    return s->oom ? -1 : 0;
}

static void free_scorer(scorer *s)
{
    for (size_t i = 0; i < s->n_rev; i++)
        free(s->rev[i].services);
    free(s->rev);
    free(s->ev);
    free(s->al);
}

void sdd_score_report_free(sdd_score_report *r)
{
    if (!r)
        return;
    free(r->kinds);
    free(r);
}

int sdd_score_files(const char *truth_path, const char *notifications_path, int grace_slots,
                    sdd_score_report **out, sdd_error *err)
{
    scorer s = {.r = calloc(1, sizeof(sdd_score_report))};
    int rc = -1;

    *out = NULL;
    if (!s.r) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return -1;
    }
    s.r->grace_slots = grace_slots;
    s.r->step = 60;
    if (for_each_line(&s, truth_path, &s.r->truth_lines, truth_line, err) == 0 &&
        for_each_line(&s, notifications_path, &s.r->notification_lines, notification_line,
                      err) == 0) {
        rc = s.oom ? -1 : score(&s);
        if (rc < 0)
            sdd__fail(err, SDD_E_NOMEM, "out of memory");
    }
    free_scorer(&s);
    if (rc < 0)
        sdd_score_report_free(s.r);
    else
        *out = s.r;
    return rc;
}

/* ---- printing ------------------------------------------------------------------ */

static void print_number(FILE *f, int width, int decimals, double v)
{
    if (isnan(v))
        fprintf(f, " %*s", width, "-");
    else
        fprintf(f, " %*.*f", width, decimals, v);
}

static void print_kind_row(FILE *f, const char *name, uint64_t events, uint64_t detected,
                           double recall, const sdd_score_delay *d, double one_state)
{
    fprintf(f, "%-20s %7llu %8llu", name, (unsigned long long)events, (unsigned long long)detected);
    print_number(f, 6, 3, recall);
    print_number(f, 9, 0, d->median_s);
    print_number(f, 9, 0, d->p95_s);
    print_number(f, 10, 0, d->median_slots);
    print_number(f, 9, 0, d->p95_slots);
    print_number(f, 9, 3, one_state);
    fputc('\n', f);
}

static void print_skipped(FILE *f, const char *what, uint64_t lines, const uint64_t *skipped)
{
    uint64_t total = 0;

    for (int i = 0; i < SDD_SCORE_SKIP_COUNT; i++)
        total += skipped[i];
    fprintf(f, "%s: %llu lines, %llu skipped", what, (unsigned long long)lines,
            (unsigned long long)total);
    for (int i = 0; i < SDD_SCORE_SKIP_COUNT; i++)
        if (skipped[i])
            fprintf(f, " %s=%llu", skip_names[i], (unsigned long long)skipped[i]);
    fputc('\n', f);
}

static void print_no_alarm_kinds(const sdd_score_report *r, FILE *f)
{
    int header = 0;

    for (size_t i = 0; i < r->n_kinds; i++) {
        const sdd_score_kind *k = &r->kinds[i];

        if (k->alarm)
            continue;
        if (!header++)
            fprintf(f, "\n%-20s %7s %8s\n", "kind (no alarm)", "events", "alarmed");
        fprintf(f, "%-20s %7llu %8llu\n", k->name, (unsigned long long)k->events,
                (unsigned long long)k->detected);
    }
}

int sdd_score_print_table(const sdd_score_report *r, FILE *f)
{
    fprintf(f, "%-20s %7s %8s %6s %9s %9s %10s %9s %8s\n", "kind", "events", "detected", "recall",
            "delay_med", "delay_p95", "slots_med", "slots_p95", "one_state");
    for (size_t i = 0; i < r->n_kinds; i++)
        if (r->kinds[i].alarm)
            print_kind_row(f, r->kinds[i].name, r->kinds[i].events, r->kinds[i].detected,
                           r->kinds[i].recall, &r->kinds[i].delay, r->kinds[i].one_state_share);
    print_kind_row(f, "all", r->events, r->detected, r->recall, &r->delay, r->one_state_share);
    print_no_alarm_kinds(r, f);
    fprintf(f, "\nalarms %llu (relevant states %llu): true %llu, false %llu\n",
            (unsigned long long)r->alarms, (unsigned long long)r->notifications,
            (unsigned long long)r->true_alarms, (unsigned long long)r->false_alarms);
    fprintf(f, "annotated changes %llu (a changeId, during a maintenance: neither false nor a detection)\n",
            (unsigned long long)r->annotated_changes);
    fprintf(f, "precision");
    print_number(f, 0, 3, r->precision);
    fprintf(f, "  recall");
    print_number(f, 0, 3, r->recall);
    fprintf(f, "  F1");
    print_number(f, 0, 3, r->f1);
    fprintf(f, "  false alarms per 1000 service-days");
    print_number(f, 0, 2, r->false_per_1000);
    fprintf(f, "\nwith annotated changes counted false (as before): precision");
    print_number(f, 0, 3, r->precision_changes_false);
    fprintf(f, "  false alarms per 1000 service-days");
    print_number(f, 0, 2, r->false_per_1000_changes_false);
    fprintf(f, "\n(%llu services x %llu days, grace %d slots of %d s; delays in seconds; one_state: share\n"
               " of the detected events that exactly one relevant state matched)\n",
            (unsigned long long)r->services, (unsigned long long)r->days, r->grace_slots, r->step);
    print_skipped(f, "truth", r->truth_lines, r->truth_skipped);
    print_skipped(f, "notifications", r->notification_lines, r->notification_skipped);
    return ferror(f) ? -1 : 0;
}

static json_t *number(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *delay_json(const sdd_score_delay *d)
{
    return json_pack("{s:o,s:o,s:o,s:o}", "median_seconds", number(d->median_s), "p95_seconds",
                     number(d->p95_s), "median_slots", number(d->median_slots), "p95_slots",
                     number(d->p95_slots));
}

static json_t *skipped_json(uint64_t lines, const uint64_t *skipped)
{
    json_t *o = json_pack("{s:I}", "lines", (json_int_t)lines);

    for (int i = 0; i < SDD_SCORE_SKIP_COUNT; i++)
        json_object_set_new(o, skip_names[i], json_integer((json_int_t)skipped[i]));
    return o;
}

static json_t *kinds_json(const sdd_score_report *r, int alarm)
{
    json_t *a = json_array();

    for (size_t i = 0; i < r->n_kinds; i++) {
        const sdd_score_kind *k = &r->kinds[i];

        if (k->alarm != alarm)
            continue;
        if (alarm)
            json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:o,s:o,s:I,s:o}", "kind", k->name, "events",
                                               (json_int_t)k->events, "detected",
                                               (json_int_t)k->detected, "recall", number(k->recall),
                                               "delay", delay_json(&k->delay), "one_state",
                                               (json_int_t)k->one_state, "one_state_share",
                                               number(k->one_state_share)));
        else
            json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "kind", k->name, "events",
                                               (json_int_t)k->events, "alarmed",
                                               (json_int_t)k->detected));
    }
    return a;
}

int sdd_score_print_json(const sdd_score_report *r, FILE *f)
{
    json_t *o = json_pack(
        "{s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
        "grace_slots", r->grace_slots, "time_step_seconds", r->step, "services",
        (json_int_t)r->services, "days", (json_int_t)r->days, "relevant_states",
        (json_int_t)r->notifications, "alarms", (json_int_t)r->alarms, "true_alarms",
        (json_int_t)r->true_alarms, "false_alarms", (json_int_t)r->false_alarms, "annotated_changes",
        (json_int_t)r->annotated_changes, "events",
        (json_int_t)r->events, "detected", (json_int_t)r->detected, "precision",
        number(r->precision), "recall", number(r->recall), "f1", number(r->f1),
        "false_alarms_per_1000_service_days", number(r->false_per_1000), "precision_changes_false",
        number(r->precision_changes_false), "false_alarms_per_1000_service_days_changes_false",
        number(r->false_per_1000_changes_false), "one_state_share",
        number(r->one_state_share), "delay", delay_json(&r->delay), "kinds", kinds_json(r, 1), "no_alarm_kinds", kinds_json(r, 0),
        "truth_lines", skipped_json(r->truth_lines, r->truth_skipped), "notification_lines",
        skipped_json(r->notification_lines, r->notification_skipped));
    int rc;

    if (!o)
        return -1;
    rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fputc('\n', f);
    json_decref(o);
    return rc < 0 || ferror(f) ? -1 : 0;
}
