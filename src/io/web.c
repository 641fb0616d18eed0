/* SPDX-License-Identifier: GPL-2.0-or-later */
/* web.c: the validation page (web.h): HTML and SVG written on the server,
 * no script, so that nothing needs building and every byte a record brings
 * goes through one escaping function. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/label.h"
#include "io/web.h"
#include "util/error.h"

#define BODY_MAX 16384                  /* bytes of a label's form */
#define LIST_MAX 500                    /* rows of the list */
#define PLOT_W 900                      /* the time line, in SVG units */
#define PLOT_ROW 22
#define PLOT_LEFT 180

#define STYLE                                                                                              \
    "body{font:14px sans-serif;margin:1em 2em}table{border-collapse:collapse}"                              \
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}th{background:#eee}"                       \
    ".error{color:#a00}.window{fill:#f4a582;fill-opacity:.6}.state{fill:#92c5de;fill-opacity:.5}"           \
    ".event{stroke:#b2182b;stroke-width:2}svg text{font:11px sans-serif}"                                   \
    ".traffic{fill:none;stroke:#2166ac;stroke-width:1.5}.baseline{fill:none;stroke:#888;stroke-dasharray:4 3}"      \
    ".shade{fill:#f4a582;fill-opacity:.25}"

void sdd_web_options_from(sdd_web_options *w, const char *output, int labels, sdd_web_plots *plots)
{
    memset(w, 0, sizeof(*w));
    snprintf(w->output, sizeof(w->output), "%s", output && *output ? output : "-");
    if (strncmp(w->output, "file:", 5) == 0)
        snprintf(w->store, sizeof(w->store), "%s", w->output + 5);
    w->labels = labels;
    w->plots = plots;
}

/* ---- the traffic plots --------------------------------------------------- */

#define PLOTS_KEPT 256                  /* states whose plot is kept, the last notified */
#define PLOT_SLOTS_MAX 1440             /* a day of one-minute slots */
#define PLOT_BEFORE 30                  /* slots shown before the state's start */
#define PLOT_WEEKS_MAX 6                /* baseline_weeks' limit */
#define PLOT_SITES_MAX 4                /* the sites the engine judges, and plots */

typedef struct plot {
    char id[128];
    int64_t first;                      /* seconds since the epoch of the first slot */
    int step, n, weeks, n_sites;
    sdd_site_name site[PLOT_SITES_MAX];
    double v[];                         /* 1 + n_sites charts (the service, then each site) of (1 + weeks)
                                         * rows of n: the traffic, then each week back */
} plot;

static size_t plot_size(int n_sites, int weeks, int n)
{
    return sizeof(plot) + (size_t)(1 + n_sites) * (size_t)(1 + weeks) * (size_t)n * sizeof(double);
}

/* The rows of chart c (0: the service, 1 + i: site i). */
static const double *plot_chart(const plot *pl, int c)
{
    return pl->v + (size_t)c * (size_t)(1 + pl->weeks) * (size_t)pl->n;
}

struct sdd_web_plots {
    pthread_mutex_t lock;               /* guards what follows */
    plot *kept[PLOTS_KEPT];
    int next;                           /* the slot the next new id takes */
};

sdd_web_plots *sdd_web_plots_new(void)
{
    sdd_web_plots *p = calloc(1, sizeof(*p));

    if (p)
        pthread_mutex_init(&p->lock, NULL);
    return p;
}

void sdd_web_plots_free(sdd_web_plots *p)
{
    if (!p)
        return;
    for (int i = 0; i < PLOTS_KEPT; i++)
        free(p->kept[i]);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* Puts pl in place of the plot of the same id, or of the oldest. */
static void plots_put(sdd_web_plots *p, plot *pl)
{
    plot *old;
    int i;

    pthread_mutex_lock(&p->lock);
    for (i = 0; i < PLOTS_KEPT && !(p->kept[i] && strcmp(p->kept[i]->id, pl->id) == 0); i++)
        ;
    if (i == PLOTS_KEPT) {
        i = p->next;
        p->next = (p->next + 1) % PLOTS_KEPT;
    }
    old = p->kept[i];
    p->kept[i] = pl;
    pthread_mutex_unlock(&p->lock);
    free(old);
}

/* A copy of the plot of id (the caller frees), NULL if none. */
static plot *plots_copy(sdd_web_plots *p, const char *id)
{
    plot *copy = NULL;

    if (!p)
        return NULL;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < PLOTS_KEPT; i++) {
        const plot *pl = p->kept[i];
        size_t size = pl ? plot_size(pl->n_sites, pl->weeks, pl->n) : 0;
        if (pl && strcmp(pl->id, id) == 0 && (copy = malloc(size)))
            memcpy(copy, pl, size);
    }
    pthread_mutex_unlock(&p->lock);
    return copy;
}

void sdd_web_plots_keep(sdd_web_plots *p, sdd_engine *e, const sdd_notification *n)
{
    json_t *record = json_loads(n->json, 0, NULL);
    int64_t start = (int64_t)json_integer_value(json_object_get(record, "startTime")) / 1000;
    int step = 60, count;
    plot *pl;

    json_decref(record);
    if (!p || !(pl = malloc(plot_size(PLOT_SITES_MAX, PLOT_WEEKS_MAX, PLOT_SLOTS_MAX))))
        return;
    /* the slot length is the engine's: ask for one slot to learn it */
    if (sdd_engine_traffic(e, n->vpn_id, start, 1, 0, pl->v, &step) < 0) {
        free(pl);
        return;
    }
    pl->first = (start / step - PLOT_BEFORE) * step;
    if (pl->first < n->slot_end - (int64_t)PLOT_SLOTS_MAX * step)
        pl->first = n->slot_end - (int64_t)PLOT_SLOTS_MAX * step;
    count = (int)((n->slot_end - pl->first) / step);
    pl->n = count < 1 ? 1 : count;
    pl->step = step;
    pl->weeks = sdd_engine_traffic(e, n->vpn_id, pl->first, pl->n, PLOT_WEEKS_MAX, pl->v, &step);
    /* each site's chart after the service's; a service of one site has none */
    for (pl->n_sites = 0; pl->n_sites < PLOT_SITES_MAX; pl->n_sites++)
        if (sdd_engine_site_traffic(e, n->vpn_id, pl->n_sites, pl->first, pl->n, PLOT_WEEKS_MAX,
                                    (double *)plot_chart(pl, 1 + pl->n_sites), &step, &pl->site[pl->n_sites]) < 0)
            break;
    snprintf(pl->id, sizeof(pl->id), "%s", n->id);
    plot *fit = realloc(pl, plot_size(pl->n_sites, pl->weeks, pl->n));
    plots_put(p, fit ? fit : pl);
}

/* ---- replies ---------------------------------------------------------------- */

enum MHD_Result sdd__http_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result rc;

    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

enum MHD_Result sdd__http_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    char *body = strdup(text);

    return body ? sdd__http_reply(c, status, "text/plain; charset=utf-8", body, strlen(body)) : MHD_NO;
}

static enum MHD_Result redirect(struct MHD_Connection *c, const char *to)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc;

    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
    rc = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
    MHD_destroy_response(r);
    return rc;
}

/* ---- HTML --------------------------------------------------------------------- */

typedef struct page {
    char *text;
    size_t len;
    FILE *f;
} page;

/* Text into HTML, in an element or a quoted attribute alike. */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Text into a URL's path segment or query value. */
static void url_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || strchr("-._~", ch))
            fputc(ch, f);
        else
            fprintf(f, "%%%02X", ch);
    }
}

static void esc_time(FILE *f, const json_t *ms)
{
    char buf[32];

    if (!json_is_integer(ms)) {
        fputs("open", f);
        return;
    }
    sdd_label_format_time((int64_t)json_integer_value(ms), buf, sizeof(buf));
    esc(f, buf);
}

/* A string, a number or an array of them (comma-separated). */
static void esc_value(FILE *f, const json_t *v)
{
    const json_t *e;
    size_t i;

    if (json_is_string(v))
        esc(f, json_string_value(v));
    else if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_array(v))
        json_array_foreach(v, i, e) {
            fputs(i ? ", " : "", f);
            esc_value(f, e);
        }
}

/* One cell for each of the NULL-terminated keys of o. */
static void cells(FILE *f, const json_t *o, const char *const *keys)
{
    for (; *keys; keys++) {
        fputs("<td>", f);
        esc_value(f, json_object_get(o, *keys));
        fputs("</td>", f);
    }
}

/* A table's start: its id and a head cell for each of the NULL-terminated
 * heads. */
static void table_open(FILE *f, const char *id, const char *const *heads)
{
    fprintf(f, "<table id=\"%s\"><tr>", id);
    for (; *heads; heads++)
        fprintf(f, "<th>%s</th>", *heads);
    fputs("</tr>\n", f);
}

static void time_cell(FILE *f, const json_t *ms)
{
    fputs("<td>", f);
    esc_time(f, ms);
    fputs("</td>", f);
}

static int page_open(page *p, const char *title)
{
    p->text = NULL;
    p->len = 0;
    if (!(p->f = open_memstream(&p->text, &p->len)))
        return -1;
    /* the empty icon keeps the browser from asking for /favicon.ico */
    fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>",
          p->f);
    esc(p->f, title);
    fputs("</title><style>" STYLE "</style></head>\n<body><p><a href=\"/\">relevant states</a></p>\n<h1>", p->f);
    esc(p->f, title);
    fputs("</h1>\n", p->f);
    return 0;
}

static enum MHD_Result page_send(page *p, struct MHD_Connection *c, unsigned status)
{
    fputs("</body></html>\n", p->f);
    if (fclose(p->f) != 0) {
        free(p->text);
        return sdd__http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    return sdd__http_reply(c, status, "text/html; charset=utf-8", p->text, p->len);
}

static enum MHD_Result page_error(page *p, struct MHD_Connection *c, unsigned status, const char *why)
{
    fputs("<p class=\"error\">", p->f);
    esc(p->f, why);
    fputs("</p>\n", p->f);
    return page_send(p, c, status);
}

/* ---- the store ------------------------------------------------------------- */

static void forget_store(sdd_web_options *w)
{
    sdd_label_index_free(w->kept_index);
    sdd_label_store_free(w->kept_store);
    w->kept_index = NULL;
    w->kept_store = NULL;
}

void sdd_web_options_free(sdd_web_options *w)
{
    forget_store(w);
}

/* The store and its index as they are now: the ones the last request left,
 * with what was appended since; opened again after an error (a store
 * removed, unreadable), so that the next request starts over. */
static sdd_label_index *current_index(sdd_web_options *w, sdd_label_store **store, sdd_error *err)
{
    if (w->kept_index && sdd_label_index_refresh(&w->kept_index, w->kept_store, err) < 0)
        forget_store(w);
    else if (!w->kept_index && (w->kept_store = sdd_label_store_open(w->store, err)) &&
             !(w->kept_index = sdd_label_index_load(w->kept_store, err)))
        forget_store(w);
    *store = w->kept_store;
    return w->kept_index;
}

/* Whether a page has a store to show; if not, the page says why. */
static int has_store(const sdd_web_options *w, FILE *f)
{
    if (w->store[0])
        return 1;
    fputs("<p>sddd writes its notifications to <code>", f);
    esc(f, w->output);
    fputs("</code>, not to a file. This page reads the notification store a file output writes "
          "(<code>output: file:PATH</code>); with another output it has nothing to show: copy the topic "
          "into a file and read it with <code>sddctl show --store FILE</code>.</p>\n",
          f);
    return 0;
}

/* ---- the list ------------------------------------------------------------- */

static const char *arg(struct MHD_Connection *c, const char *key)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);

    return v && *v ? v : NULL;
}

/* Whether `name` is one of the comma-separated `names`. */
static int named(const char *names, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = names; (p = strstr(p, name)); p += n)
        if ((p == names || p[-1] == ',') && (p[n] == ',' || !p[n]))
            return 1;
    return 0;
}

static void filter_input(FILE *f, const char *label, const char *key, const char *value)
{
    fprintf(f, "<label>%s <input name=\"%s\" value=\"", label, key);
    esc(f, value);
    fputs("\"></label>\n", f);
}

static void filter_form(FILE *f, const char *service, const char *stage, const char *symptom, int open_only)
{
    fputs("<form method=\"get\" action=\"/\">\n", f);
    filter_input(f, "service", "service", service);
    filter_input(f, "stage", "stage", stage);
    filter_input(f, "symptom", "symptom", symptom);
    fprintf(f, "<label><input type=\"checkbox\" name=\"open\" value=\"1\"%s> open only</label>\n",
            open_only ? " checked" : "");
    fputs("<button>filter</button></form>\n", f);
}

/* A cell for each of n texts (NULL: an empty cell). */
static void text_cells(FILE *f, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputs("<td>", f);
        esc(f, texts[i]);
        fputs("</td>", f);
    }
}

static void list_row(FILE *f, const sdd_label_summary *s)
{
    char start[32], end[32] = "open";

    sdd_label_format_time(s->start_ms, start, sizeof(start));
    if (s->end_ms >= 0)
        sdd_label_format_time(s->end_ms, end, sizeof(end));
    fputs("<tr><td><a href=\"/state/", f);
    url_esc(f, s->id);
    fputs("\">", f);
    esc(f, s->id);
    fputs("</a></td>", f);
    text_cells(f, (const char *const[]){s->service, s->stage, start, end}, 4);
    fprintf(f, "<td>%d</td>", s->concern);
    text_cells(f, (const char *const[]){s->detectors, s->labelled_by, s->label_comment}, 3);
    fputs("</tr>\n", f);
}

static void table_head(FILE *f, const char *id)
{
    table_open(f, id,
               (const char *const[]){"id", "service", "stage", "start", "end", "concern", "symptoms", "labelled by",
                                     "comment", NULL});
}

static enum MHD_Result serve_list(sdd_web_options *w, struct MHD_Connection *c)
{
    const char *service = arg(c, "service"), *stage = arg(c, "stage"), *symptom = arg(c, "symptom"), *why;
    int open_only = arg(c, "open") != NULL;
    sdd_error err = {0};
    sdd_label_store *store;
    sdd_label_index *idx;
    sdd_label_summary s;
    size_t shown = 0, matching = 0, skipped;
    page p;

    if (page_open(&p, "Relevant states") < 0)
        return sdd__http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    if (!has_store(w, p.f))
        return page_send(&p, c, MHD_HTTP_OK);
    if (!(idx = current_index(w, &store, &err)))
        return page_error(&p, c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
    filter_form(p.f, service, stage, symptom, open_only);
    table_head(p.f, "states");
    for (size_t i = sdd_label_index_size(idx); i-- > 0;) {   /* newest first */
        sdd_label_index_get(idx, i, &s);
        if (!sdd_label_matches(&s, open_only, service) || (stage && strcmp(stage, s.stage) != 0) ||
            (symptom && !named(s.detectors, symptom)))
            continue;
        if (matching++ < LIST_MAX && ++shown)
            list_row(p.f, &s);
    }
    fprintf(p.f, "</table>\n<p>%zu relevant states of %zu match", matching, sdd_label_index_size(idx));
    if (shown < matching)
        fprintf(p.f, ", the newest %zu shown", shown);
    fputs(". Store: <code>", p.f);
    esc(p.f, w->store);
    fputs("</code>", p.f);
    if ((skipped = sdd_label_index_skipped(idx, &why)) > 0) {
        fprintf(p.f, "; %zu records skipped, the first at ", skipped);
        esc(p.f, why);
    }
    fputs(".</p>\n", p.f);
    return page_send(&p, c, MHD_HTTP_OK);
}

/* ---- one relevant state ------------------------------------------------------ */

typedef struct revisions {
    const char *id;
    json_t *list;                       /* the records of id, in store order */
    json_t *detected;                   /* the engine's latest: the highest anomaly revision, the last of equals */
    int best;
} revisions;

/* Whether the engine wrote the record (a label's anomalies name a human). */
static int by_algorithm(const json_t *record)
{
    const json_t *who = json_object_get(json_array_get(json_object_get(record, "anomaly"), 0), "annotator");
    const char *type = json_string_value(json_object_get(who, "annotatorType"));

    return type && strcmp(type, "algorithm") == 0;
}

/* Keeps the records of r->id; the symptoms shown are the engine's latest,
 * since a label's revision names the human as every anomaly's annotator. */
static int take_revision(void *ctx, const char *json, const char *where)
{
    revisions *r = ctx;
    char id[128];
    int rev;
    json_t *record;

    (void)where;
    if (sdd_label_id_revision(json, strlen(json), id, sizeof(id), &rev) < 0 || strcmp(id, r->id) != 0)
        return 0;
    if (!(record = json_loads(json, 0, NULL)))
        return 0;
    json_array_append_new(r->list, record);
    if (by_algorithm(record) && (!r->detected || rev >= r->best)) {
        r->detected = record;
        r->best = rev;
    }
    return 0;
}

/* 1 when v is in seen; else 0, and v is put there. */
static int seen_before(json_t *seen, const json_t *v)
{
    const json_t *old;
    size_t i;

    json_array_foreach(seen, i, old)
        if (json_equal(old, v))
            return 1;
    json_array_append(seen, (json_t *)v);
    return 0;
}

/* Who annotated the record's anomalies, each once (a label names its human
 * on every anomaly). */
static void annotators(FILE *f, const json_t *record)
{
    json_t *seen = json_array();
    const json_t *a;
    size_t i;

    json_array_foreach(json_object_get(record, "anomaly"), i, a) {
        const json_t *who = json_object_get(a, "annotator");
        if (seen_before(seen, who))
            continue;
        fputs(json_array_size(seen) > 1 ? ", " : "", f);
        esc_value(f, json_object_get(who, "name"));
        fputs(" (", f);
        esc_value(f, json_object_get(who, "annotatorType"));
        fputs(")", f);
    }
    json_decref(seen);
}

static void revisions_table(FILE *f, const json_t *list)
{
    const json_t *r;
    size_t i;

    fputs("<h2>Revisions</h2>\n", f);
    table_open(f, "revisions", (const char *const[]){"#", "stage", "concern", "end", "annotators", "description", NULL});
    json_array_foreach(list, i, r) {
        fprintf(f, "<tr><td>%zu</td>", i + 1);
        cells(f, r, (const char *const[]){"stage", "concernScore", NULL});
        time_cell(f, json_object_get(r, "endTime"));
        fputs("<td>", f);
        annotators(f, r);
        fputs("</td>", f);
        cells(f, r, (const char *const[]){"description", NULL});
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void symptoms_table(FILE *f, const json_t *detected)
{
    const json_t *a;
    size_t i;

    fputs("<h2>Symptoms</h2>\n", f);
    table_open(f, "symptoms",
               (const char *const[]){"annotator", "description", "start", "end", "concern", "action", "reason",
                                     "trigger", "plane", NULL});
    json_array_foreach(json_object_get(detected, "anomaly"), i, a) {
        fputs("<tr>", f);
        cells(f, json_object_get(a, "annotator"), (const char *const[]){"name", NULL});
        cells(f, a, (const char *const[]){"description", NULL});
        time_cell(f, json_object_get(a, "startTime"));
        time_cell(f, json_object_get(a, "endTime"));
        cells(f, json_object_get(a, "symptom"),
              (const char *const[]){"concernScore", "action", "reason", "trigger", "networkPlane", NULL});
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* Every site (VPN node termination) the symptoms name, each once. */
static void sites_table(FILE *f, const json_t *detected)
{
    json_t *seen = json_array();
    const json_t *a, *site;
    size_t i, k;

    fputs("<h2>Sites</h2>\n", f);
    table_open(f, "sites", (const char *const[]){"PE", "route distinguisher", "VRF", "peers", "interfaces", NULL});
    json_array_foreach(json_object_get(detected, "anomaly"), i, a) {
        json_array_foreach(json_object_get(a, "vpnNodeTerminations"), k, site) {
            if (seen_before(seen, site))
                continue;
            fputs("<tr>", f);
            cells(f, site, (const char *const[]){"hostname", "routeDistinguisher", "vrfName", "peerIp", "interfaceName", NULL});
            fputs("</tr>\n", f);
        }
    }
    json_decref(seen);
    fputs("</table>\n", f);
}

/* ---- the time line ----------------------------------------------------------- */

typedef struct span {
    int64_t t0, t1;                     /* the axis, ms */
} span;

static int64_t ms_or(const json_t *v, int64_t otherwise)
{
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : otherwise;
}

/* From the earliest start to the latest end; an open window reaches the
 * latest time the state's records name. */
static span plot_span(const json_t *detected)
{
    int64_t start = ms_or(json_object_get(detected, "startTime"), 0);
    span s = {start, ms_or(json_object_get(detected, "endTime"), start)};
    const json_t *a;
    size_t i;

    json_array_foreach(json_object_get(detected, "anomaly"), i, a) {
        int64_t from = ms_or(json_object_get(a, "startTime"), start);
        int64_t to = ms_or(json_object_get(a, "endTime"), from);
        s.t0 = from < s.t0 ? from : s.t0;
        s.t1 = to > s.t1 ? to : s.t1;
    }
    if (s.t1 - s.t0 < 60000)
        s.t1 = s.t0 + 60000;
    return s;
}

static double x_of(const span *s, int64_t ms)
{
    return PLOT_LEFT + (double)(ms - s->t0) * (PLOT_W - PLOT_LEFT - 10) / (double)(s->t1 - s->t0);
}

/* One row: a shaded window from..to (to the axis' end while open), and a
 * mark at its start for a symptom a BMP message raised. */
static void plot_row(FILE *f, const span *s, int row, const char *cls, const json_t *o, const char *label, int event)
{
    int64_t from = ms_or(json_object_get(o, "startTime"), s->t0);
    int64_t to = ms_or(json_object_get(o, "endTime"), s->t1);
    int y = 20 + row * PLOT_ROW;
    double x0 = x_of(s, from), x1 = x_of(s, to);

    fprintf(f, "<text x=\"4\" y=\"%d\">", y + 14);
    esc(f, label);
    fprintf(f, "</text><rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>\n", cls, x0, y,
            x1 - x0 < 2 ? 2 : x1 - x0, PLOT_ROW - 4);
    if (event)
        fprintf(f, "<line class=\"event\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", x0, y - 2, x0,
                y + PLOT_ROW - 2);
}

static void time_line(FILE *f, const json_t *detected)
{
    const json_t *anomalies = json_object_get(detected, "anomaly"), *a;
    span s = plot_span(detected);
    int rows = 1 + (int)json_array_size(anomalies), h = 40 + rows * PLOT_ROW;
    char t0[32], t1[32];
    size_t i;

    sdd_label_format_time(s.t0, t0, sizeof(t0));
    sdd_label_format_time(s.t1, t1, sizeof(t1));
    fputs("<h2>Time line</h2>\n<p>The relevant state and each symptom's window, shaded; a red mark where a BMP "
          "message raised the symptom.</p>\n",
          f);
    fprintf(f, "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" role=\"img\">\n",
            PLOT_W, h, PLOT_W, h);
    plot_row(f, &s, 0, "state", detected, "relevant state", 0);
    json_array_foreach(anomalies, i, a) {
        const char *topic = json_string_value(json_object_get(json_object_get(a, "operationalData"), "topicName"));
        const char *name = json_string_value(json_object_get(json_object_get(a, "annotator"), "name"));
        plot_row(f, &s, (int)i + 1, "window", a, name ? name : "?", topic && strcmp(topic, "bmp") == 0);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n</svg>\n",
            PLOT_LEFT, h - 6, t0, PLOT_W - 10, h - 6, t1);
}

#define CHART_H 220
#define CHART_TOP 10
#define CHART_BOTTOM (CHART_H - 24)

static double chart_y(double v, double max)
{
    return CHART_BOTTOM - v / max * (CHART_BOTTOM - CHART_TOP);
}

/* One row of the plot as a path, broken where history has no data. */
static void chart_line(FILE *f, const plot *pl, const span *s, const double *v, const char *cls, double max)
{
    int pen = 0;

    fprintf(f, "<path class=\"%s\" d=\"", cls);
    for (int i = 0; i < pl->n; i++) {
        if (isnan(v[i])) {
            pen = 0;
            continue;
        }
        fprintf(f, "%c%.1f %.1f ", pen ? 'L' : 'M', x_of(s, (pl->first + (int64_t)i * pl->step) * 1000),
                chart_y(v[i], max));
        pen = 1;
    }
    fputs("\"/>\n", f);
}

/* 1 when the symptom names the site (its PE and route distinguisher). */
static int names_site(const json_t *anomaly, const sdd_site_name *site)
{
    const json_t *t;
    size_t i;

    json_array_foreach(json_object_get(anomaly, "vpnNodeTerminations"), i, t) {
        const char *host = json_string_value(json_object_get(t, "hostname"));
        const char *rd = json_string_value(json_object_get(t, "routeDistinguisher"));
        if (host && strcmp(host, site->hostname) == 0 && strcmp(rd ? rd : "", site->rd) == 0)
            return 1;
    }
    return 0;
}

/* The symptoms' windows shaded across the chart, those naming `site` only
 * unless it is NULL; a mark at a BMP symptom's start. */
static void chart_windows(FILE *f, const span *s, const json_t *detected, const sdd_site_name *site)
{
    const json_t *a;
    size_t i;

    json_array_foreach(json_object_get(detected, "anomaly"), i, a) {
        if (site && !names_site(a, site))
            continue;
        const char *topic = json_string_value(json_object_get(json_object_get(a, "operationalData"), "topicName"));
        double x0 = x_of(s, ms_or(json_object_get(a, "startTime"), s->t0));
        double x1 = x_of(s, ms_or(json_object_get(a, "endTime"), s->t1));
        fprintf(f, "<rect class=\"shade\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>\n", x0, CHART_TOP,
                x1 - x0 < 2 ? 2 : x1 - x0, CHART_BOTTOM - CHART_TOP);
        if (topic && strcmp(topic, "bmp") == 0)
            fprintf(f, "<line class=\"event\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", x0, CHART_TOP, x0,
                    CHART_BOTTOM);
    }
}

/* Chart c of the plot (the service's, or a site's) as an SVG of id `id`. */
static void chart(FILE *f, const plot *pl, int c, const char *id, const json_t *detected)
{
    span s = {pl->first * 1000, (pl->first + (int64_t)pl->n * pl->step) * 1000};
    const double *v = plot_chart(pl, c);
    const sdd_site_name *site = c ? &pl->site[c - 1] : NULL;
    double max = 0;
    char t0[32], t1[32];

    for (int i = 0; i < (1 + pl->weeks) * pl->n; i++)
        max = isnan(v[i]) || v[i] <= max ? max : v[i];
    if (max <= 0)
        max = 1;
    sdd_label_format_time(s.t0, t0, sizeof(t0));
    sdd_label_format_time(s.t1, t1, sizeof(t1));
    fprintf(f, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" role=\"img\">\n",
            id, PLOT_W, CHART_H, PLOT_W, CHART_H);
    chart_windows(f, &s, detected, site);
    for (int k = pl->weeks; k >= 0; k--)
        chart_line(f, pl, &s, v + (size_t)k * (size_t)pl->n, k ? "baseline" : "traffic", max);
    fprintf(f, "<text x=\"4\" y=\"%d\">%.0f bytes</text><text x=\"4\" y=\"%d\">0</text>\n", CHART_TOP + 10,
            max, CHART_BOTTOM);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n</svg>\n",
            PLOT_LEFT, CHART_H - 6, t0, PLOT_W - 10, CHART_H - 6, t1);
}

/* A site's chart under its title: PE hostname (router), RD, VRF. */
static void site_chart(FILE *f, const plot *pl, int i, const json_t *detected)
{
    const sdd_site_name *site = &pl->site[i];
    char id[32];

    fputs("<h3>", f);
    esc(f, site->hostname);
    if (strcmp(site->hostname, site->router) != 0) {
        fputs(" (", f);
        esc(f, site->router);
        fputs(")", f);
    }
    fputs(", RD ", f);
    esc(f, site->rd[0] ? site->rd : "none");
    if (site->vrf_name[0]) {
        fputs(", VRF ", f);
        esc(f, site->vrf_name);
    }
    fputs("</h3>\n", f);
    snprintf(id, sizeof(id), "site-traffic-%d", i);
    chart(f, pl, 1 + i, id, detected);
}

static void traffic_plot(FILE *f, const plot *pl, const json_t *detected)
{
    fputs("<h2>Traffic</h2>\n", f);
    fprintf(f, "<p>The service's TCP and UDP bytes a %d s slot (solid) against the same slots of each of its %d "
               "baseline week(s) (dashed), up to the slot the last notification closed; symptom windows shaded, "
               "BMP symptoms marked.</p>\n",
            pl->step, pl->weeks);
    chart(f, pl, 0, "traffic", detected);
    if (pl->n_sites == 0)
        return;
    fprintf(f, "<h2>Traffic of each site</h2>\n<p>Each site's TCP and UDP bytes a slot (solid; its last %d closed "
               "slots are kept, none from before sddd started) against the service's baseline weeks times the "
               "site's usual share of the service's bytes (dashed); the windows of the symptoms naming the site "
               "shaded.</p>\n",
            SDD_SITE_RECENT_SLOTS);
    for (int i = 0; i < pl->n_sites; i++)
        site_chart(f, pl, i, detected);
}

static void label_form(const sdd_web_options *w, FILE *f, const char *id)
{
    fputs("<h2>Label</h2>\n", f);
    if (!w->labels) {
        fputs("<p>Read-only: labels from this page need <code>web_labels: true</code> in sddd's configuration "
              "(or <code>sddctl label</code>).</p>\n",
              f);
        return;
    }
    fputs("<form method=\"post\" action=\"/state/", f);
    url_esc(f, id);
    fputs("/label\"><select name=\"action\"><option>confirm</option><option>discard</option><option>analyze"
          "</option><option>adjust</option></select>\n<label>annotator <input name=\"annotator\" required></label>\n"
          "<label>comment <input name=\"comment\" size=\"60\"></label>\n<button>label</button></form>\n",
          f);
}

/* The page of relevant state `id`: its line of the list (the stage a
 * label gives it), then what its revisions say. */
static void state_body(const sdd_web_options *w, FILE *f, const sdd_label_summary *s, const revisions *r,
                       const plot *pl)
{
    table_head(f, "state");
    list_row(f, s);
    fputs("</table>\n", f);
    revisions_table(f, r->list);
    symptoms_table(f, r->detected);
    sites_table(f, r->detected);
    time_line(f, r->detected);
    if (pl)
        traffic_plot(f, pl, r->detected);
    else
        fputs("<h2>Traffic</h2>\n<p>No traffic plot: sddd has made no notification of this state since it "
              "started (plots are kept in memory, for the last 256 states notified).</p>\n",
              f);
    label_form(w, f, s->id);
}

static enum MHD_Result serve_state(sdd_web_options *w, struct MHD_Connection *c, const char *id)
{
    revisions r = {id, json_array(), NULL, 0};
    sdd_error err = {0};
    sdd_label_store *store = NULL;
    sdd_label_index *idx = NULL;
    sdd_label_summary s;
    enum MHD_Result rc;
    long pos = -1;
    page p;

    if (page_open(&p, id) < 0) {
        json_decref(r.list);
        return sdd__http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    if (!has_store(w, p.f))
        rc = page_send(&p, c, MHD_HTTP_OK);
    else if (!(idx = current_index(w, &store, &err)) ||
             sdd_label_index_each_of(idx, store, id, take_revision, &r, &err) < 0)
        rc = page_error(&p, c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
    else if ((pos = sdd_label_index_find(idx, id)) < 0 || !r.detected)
        rc = page_error(&p, c, MHD_HTTP_NOT_FOUND, "no relevant state has this id in the store");
    else {
        plot *pl = plots_copy(w->plots, id);
        sdd_label_index_get(idx, (size_t)pos, &s);
        state_body(w, p.f, &s, &r, pl);
        free(pl);
        rc = page_send(&p, c, MHD_HTTP_OK);
    }
    json_decref(r.list);
    return rc;
}

/* ---- labels ------------------------------------------------------------------ */

typedef struct body {
    size_t len;
    int too_long;
    char text[BODY_MAX + 1];
} body;

typedef struct form {
    const char *action, *annotator, *comment;
} form;

static void form_decode(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '+')
            *p = ' ';
    MHD_http_unescape(s);
}

static void form_parse(char *text, form *out)
{
    char *save = NULL;

    for (char *pair = strtok_r(text, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            continue;
        *eq = '\0';
        form_decode(pair);
        form_decode(eq + 1);
        if (strcmp(pair, "action") == 0)
            out->action = eq + 1;
        else if (strcmp(pair, "annotator") == 0)
            out->annotator = eq + 1;
        else if (strcmp(pair, "comment") == 0)
            out->comment = eq + 1;
    }
}

/* A browser's form sent from another site's page (its Origin is not this
 * host) may not label: the page is for the people who opened it. */
static int foreign_origin(struct MHD_Connection *c)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ORIGIN);
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const char *rest;

    if (!origin)
        return 0;
    rest = strstr(origin, "://");
    return !host || !rest || strcmp(rest + 3, host) != 0;
}

/* The id of "/state/ID/label", into id; -1 for another URL. */
static int label_url(const char *url, char *id, size_t size)
{
    const char *end;

    if (strncmp(url, "/state/", 7) != 0 || !(end = strchr(url + 7, '/')) || strcmp(end, "/label") != 0 ||
        end == url + 7 || (size_t)(end - url - 7) >= size)
        return -1;
    memcpy(id, url + 7, (size_t)(end - url - 7));
    id[end - url - 7] = '\0';
    return 0;
}

static enum MHD_Result apply_label(sdd_web_options *w, struct MHD_Connection *c, const char *id, body *b)
{
    form f = {NULL, NULL, NULL};
    sdd_label_action action;
    sdd_error err = {0};
    sdd_label_store *store;
    sdd_label_index *idx;
    char to[256];
    int rc;

    b->text[b->len] = '\0';
    form_parse(b->text, &f);
    if (!f.action || sdd_label_action_parse(f.action, &action) < 0)
        return sdd__http_text(c, MHD_HTTP_BAD_REQUEST, "action: confirm, discard, analyze or adjust\n");
    if (!f.annotator || !*f.annotator)
        return sdd__http_text(c, MHD_HTTP_BAD_REQUEST, "annotator: who labels, required\n");
    idx = current_index(w, &store, &err);
    rc = idx ? sdd_label_apply(store, idx, id, action, f.annotator, f.comment && *f.comment ? f.comment : NULL, &err)
             : -1;
    if (rc < 0) {
        char msg[sizeof(err.msg) + 2];
        snprintf(msg, sizeof(msg), "%s\n", err.msg);
        return sdd__http_text(c, err.code == SDD_E_IO ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_BAD_REQUEST, msg);
    }
    snprintf(to, sizeof(to), "/state/%s", id);
    return redirect(c, to);
}

/* First call: the checks that need no body; then the body's pieces; the
 * last call (no data) labels. */
static enum MHD_Result serve_post(sdd_web_options *w, struct MHD_Connection *c, const char *url,
                                  const char *data, size_t *data_size, void **state)
{
    char id[128];
    body *b = *state;

    if (label_url(url, id, sizeof(id)) < 0)
        return sdd__http_text(c, MHD_HTTP_NOT_FOUND, "POST /state/ID/label only\n");
    if (!b) {
        if (!w->labels)
            return sdd__http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                                  "read-only: labels from the web page need web_labels: true in sddd's configuration\n");
        if (!w->store[0])
            return sdd__http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "no notification file to label: the output is not a file\n");
        if (foreign_origin(c))
            return sdd__http_text(c, MHD_HTTP_FORBIDDEN, "a form from another site's page may not label\n");
        if (!(*state = calloc(1, sizeof(body))))
            return MHD_NO;
        return MHD_YES;
    }
    if (*data_size) {
        if (b->len + *data_size > BODY_MAX)
            b->too_long = 1;
        else
            memcpy(b->text + b->len, data, *data_size), b->len += *data_size;
        *data_size = 0;
        return MHD_YES;
    }
    if (b->too_long)
        return sdd__http_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "the form is too long\n");
    return apply_label(w, c, id, b);
}

enum MHD_Result sdd_web_serve(sdd_web_options *w, struct MHD_Connection *c, const char *url,
                              const char *method, const char *data, size_t *data_size, void **state)
{
    if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
        return serve_post(w, c, url, data, data_size, state);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return sdd__http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, or POST for a label\n");
    if (strcmp(url, "/") == 0)
        return serve_list(w, c);
    if (strncmp(url, "/state/", 7) == 0 && url[7] && !strchr(url + 7, '/'))
        return serve_state(w, c, url + 7);
    return sdd__http_text(c, MHD_HTTP_NOT_FOUND, "/, /state/ID, /metrics or /healthz\n");
}

void sdd_web_done(void **state)
{
    free(*state);
    *state = NULL;
}
