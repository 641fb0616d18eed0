/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notification.c: a relevant state as a RelevantStateNotification record.
 *
 * Field names and order follow the reference schema
 * (RelevantStateNotification.avsc); unions are written as their bare value
 * or null. The Avro encoder reads this same JSON, so there is one place that
 * decides what a notification says. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lifecycle/notification.h"

static const char *const plane_names[] = {"management", "control", "forwarding"};
static const char *const pattern_names[] = {"drop", "spike", "mean_shift", "seasonality_shift", "trend", "other"};
static const char *const topic_of_plane[] = {"telemetry", "bmp", "flow"};

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *termination_json(const sdd_termination *t)
{
    json_t *o = json_object(), *peers = json_array(), *ids = json_array(), *names = json_array();
    char buf[64];

    sdd_addr_format(&t->router, buf, sizeof(buf));
    json_object_set_new(o, "hostname", json_string(t->hostname[0] ? t->hostname : buf));
    if (t->rd) {
        sdd_rd_format(t->rd, buf, sizeof(buf));
        json_object_set_new(o, "routeDistinguisher", json_string(buf));
    } else {
        json_object_set_new(o, "routeDistinguisher", json_null());
    }
    for (int i = 0; i < t->n_ce_peers; i++) {
        sdd_addr_format(&t->ce_peers[i], buf, sizeof(buf));
        json_array_append_new(peers, json_string(buf));
    }
    json_object_set_new(o, "peerIp", peers);
    json_object_set_new(o, "nextHop", json_array());
    for (int i = 0; i < t->n_ifaces; i++) {
        if (t->ifaces[i].id)
            json_array_append_new(ids, json_integer(t->ifaces[i].id));
        if (t->ifaces[i].name[0])
            json_array_append_new(names, json_string(t->ifaces[i].name));
    }
    json_object_set_new(o, "interfaceId", ids);
    json_object_set_new(o, "interfaceName", names);
    json_object_set_new(o, "vrfId", t->vrf_id >= 0 ? json_integer(t->vrf_id) : json_null());
    json_object_set_new(o, "vrfName", json_string(t->vrf_name));
    return o;
}

static json_t *terminations_json(const sdd_service *s, int only)
{
    json_t *arr = json_array();

    for (int i = 0; i < s->n_terms; i++)
        if (only < 0 || only == i)
            json_array_append_new(arr, termination_json(&s->terms[i]));
    return arr;
}

static json_t *symptom_json(const sdd_symptom *s, const char *id, const sdd_lifecycle_ctx *ctx)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "concernScore", json_integer((json_int_t)(s->strength * 100 + 0.5)));
    json_object_set_new(o, "action", str_or_null(s->action));
    json_object_set_new(o, "reason", str_or_null(s->reason));
    json_object_set_new(o, "trigger", str_or_null(s->trigger));
    json_object_set_new(o, "networkPlane", json_string(plane_names[s->plane]));
    char template[160];
    snprintf(template, sizeof(template), "%s_%s", s->detector, ctx->profile->name);
    json_object_set_new(o, "template", json_string(template));
    json_object_set_new(o, "season", json_null());
    return o;
}

static json_t *anomaly_json(const sdd_relevant_state *rs, const sdd_contribution *c, const sdd_lifecycle_ctx *ctx)
{
    const sdd_symptom *s = &c->symptom;
    json_t *o = json_object(), *annotator = json_object(), *op = json_object();
    char name[256], id[SDD_UUID_TEXT];

    snprintf(name, sizeof(name), "%s|%s|%d", rs->id, s->detector, s->termination);
    sdd__uuid5(name, id);
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "revision", json_integer(rs->revision));
    json_object_set_new(o, "uri", json_null());
    json_object_set_new(o, "stage", json_string("detection"));
    json_object_set_new(o, "description", s->description[0] ? json_string(s->description) : json_null());
    json_object_set_new(o, "startTime", json_integer(c->first * 1000));
    json_object_set_new(o, "endTime", c->active && sdd__lifecycle_is_open(rs, ctx->profile) ? json_null()
                                                             : json_integer((c->last + ctx->slot_end - ctx->slot_start) * 1000));
    json_object_set_new(o, "confidenceScore", json_null());
    json_object_set_new(o, "pattern", s->pattern == SDD_PATTERN_NONE ? json_null() : json_string(pattern_names[s->pattern]));
    json_object_set_new(annotator, "id", json_null());
    json_object_set_new(annotator, "name", json_string(s->detector));
    json_object_set_new(annotator, "annotatorType", json_string("algorithm"));
    json_object_set_new(annotator, "version", json_string(SDD_VERSION));
    json_object_set_new(o, "annotator", annotator);
    json_object_set_new(o, "symptom", symptom_json(s, id, ctx));
    json_object_set_new(o, "vpnNodeTerminations", terminations_json(ctx->service, s->termination));
    json_object_set_new(op, "topicName", json_string(topic_of_plane[s->plane]));
    json_object_set_new(op, "subjectName", json_null());
    json_object_set_new(o, "operationalData", op);
    return o;
}

const sdd_change_window *sdd__change_window_of(const sdd_service *s, int64_t from, int64_t to, int64_t after)
{
    for (int i = 0; i < s->n_changes; i++)
        if (s->changes[i].start < to && s->changes[i].end + after > from)
            return &s->changes[i];
    return NULL;
}

/* The service, with the planned change the state overlaps (or follows by
 * less than pattern_length_minutes, its recovery): an operator sees the
 * disruption is the change's, and whether the change went wrong. */
static json_t *service_json(const sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx)
{
    const sdd_service *s = ctx->service;
    json_t *svc = json_object(), *container = json_object(), *arr = json_array();
    const sdd_change_window *w =
        sdd__change_window_of(s, rs->start, rs->end, (int64_t)ctx->profile->v[SDD_P_PATTERN_LENGTH_MINUTES] * 60);

    json_object_set_new(svc, "vpnId", json_string(s->vpn_id));
    json_object_set_new(svc, "uri", json_null());
    json_object_set_new(svc, "vpnName", json_string(s->name));
    json_object_set_new(svc, "siteIds", json_null());
    json_object_set_new(svc, "changeId", w && w->id[0] ? json_string(w->id) : json_null());
    json_object_set_new(svc, "changeStartTime", w ? json_integer(w->start * 1000) : json_null());
    json_object_set_new(svc, "changeEndTime", w ? json_integer(w->end * 1000) : json_null());
    json_array_append_new(arr, svc);
    json_object_set_new(container, "l3VpnService", arr);
    return container;
}

static json_t *publisher_json(void)
{
    json_t *o = json_object();
    char id[SDD_UUID_TEXT];

    sdd__uuid5("publisher|pmacct-sdd", id);
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "name", json_string("pmacct-sdd"));
    json_object_set_new(o, "version", json_string(SDD_VERSION));
    return o;
}

static json_t *description_json(const sdd_relevant_state *rs)
{
    char text[512];
    size_t len = (size_t)snprintf(text, sizeof(text), "concern %d:", rs->concern);

    for (int i = 0; i < rs->n_contrib && len < sizeof(text); i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %s", i ? "," : "",
                                rs->contrib[i].symptom.detector);
    return json_string(text);
}

char *sdd__notification_json(const sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx)
{
    json_t *o = json_object(), *anomalies = json_array();
    char *text;

    json_object_set_new(o, "id", json_string(rs->id));
    json_object_set_new(o, "uri", json_null());
    json_object_set_new(o, "description", description_json(rs));
    json_object_set_new(o, "startTime", json_integer(rs->start * 1000));
    json_object_set_new(o, "endTime",
                        sdd__lifecycle_is_open(rs, ctx->profile) ? json_null() : json_integer(rs->end * 1000));
    json_object_set_new(o, "strategy", json_string(ctx->strategy));
    json_object_set_new(o, "confidenceScore", json_null());
    json_object_set_new(o, "concernScore", json_integer(rs->concern));
    for (int i = 0; i < rs->n_contrib; i++)
        json_array_append_new(anomalies, anomaly_json(rs, &rs->contrib[i], ctx));
    json_object_set_new(o, "anomaly", anomalies);
    json_object_set_new(o, "service", service_json(rs, ctx));
    json_object_set_new(o, "publisher", publisher_json());
    json_object_set_new(o, "stage", json_string(sdd__stage_name(sdd__lifecycle_stage(rs))));
    text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}
