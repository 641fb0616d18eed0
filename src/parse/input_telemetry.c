/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_telemetry.c: one line of pmtelemetryd's msglog (JSON-encoded YANG
 * data) into an sdd_iface_event, when it carries an interface oper-status.
 *
 * pmtelemetryd has written two envelopes:
 * - 1.7.7 (Debian): {"event_type": "log", "timestamp": ..., "telemetry_node":
 *   ..., "telemetry_port": ..., "serialization": "json", "telemetry_data": {...}}
 * - current: the IETF telemetry message: {"telemetry-message-metadata":
 *   {"notification-event", "collection-timestamp", "export-address", ...},
 *   "network-operator-metadata": {"labels": [{"name": "serialization",
 *   "string-value": "json"}, ...]}, "payload": {...}}, possibly wrapped in
 *   {"ietf-telemetry-message:message": ...}.
 * The payload holds openconfig-interfaces or ietf-interfaces data, bare or
 * inside a YANG-push push-update notification. */
#include <string.h>

#include "parse/input.h"

/* Where one envelope keeps what we read. */
typedef struct envelope {
    const json_t *meta;         /* the object holding event, time and router */
    const char *event_key;
    const char *time_keys[2];
    const char *router_key;
    const json_t *payload;
    const char *serialization;  /* NULL when the producer did not say */
} envelope;

/* The serialization label of the IETF envelope, if any. */
static sdd_skip label_serialization(const json_t *msg, const char **out, input_err *e)
{
    const json_t *labels = sdd__input_get(sdd__input_get(msg, "network-operator-metadata"), "labels");
    const json_t *label;
    size_t i;

    if (!json_is_array(labels))
        return SDD_SKIP_NONE;
    json_array_foreach(labels, i, label) {
        const char *name = NULL;
        INPUT_TRY(sdd__input_str(sdd__input_get(label, "name"), "labels.name", &name, e));
        if (name && strcmp(name, "serialization") == 0)
            return sdd__input_str(sdd__input_get(label, "string-value"), "labels.string-value", out, e);
    }
    return SDD_SKIP_NONE;
}

static sdd_skip ietf_envelope(const json_t *msg, envelope *env, input_err *e)
{
    env->meta = sdd__input_get(msg, "telemetry-message-metadata");
    if (!json_is_object(env->meta))
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field telemetry-message-metadata: expected object");
    env->event_key = "notification-event";
    env->time_keys[0] = "collection-timestamp";
    env->router_key = "export-address";
    env->payload = sdd__input_get(msg, "payload");
    return label_serialization(msg, &env->serialization, e);
}

static sdd_skip legacy_envelope(const json_t *root, envelope *env, input_err *e)
{
    env->meta = root;
    env->event_key = "event_type";
    env->time_keys[0] = "timestamp";
    env->router_key = "telemetry_node";
    env->payload = sdd__input_get(root, "telemetry_data");
    return sdd__input_str(sdd__input_get(root, "serialization"), "serialization", &env->serialization, e);
}

static sdd_skip read_envelope(const json_t *root, envelope *env, input_err *e)
{
    const json_t *msg = sdd__input_get(root, "ietf-telemetry-message:message");

    memset(env, 0, sizeof(*env));
    if (msg && !json_is_object(msg))
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field ietf-telemetry-message:message: expected object");
    if (!msg)
        msg = root;
    if (sdd__input_get(msg, "telemetry-message-metadata"))
        return ietf_envelope(msg, env, e);
    return legacy_envelope(root, env, e);
}

/* Only "log" lines are observations; "dump" (and "update", its name in the
 * UDP-notif envelope) restate stored data, log_init/log_close mark files. */
static sdd_skip check_event(const envelope *env, input_err *e)
{
    const char *ev = NULL;

    INPUT_TRY(sdd__input_str(sdd__input_get(env->meta, env->event_key), env->event_key, &ev, e));
    if (ev && strcmp(ev, "log") != 0)
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "%s %.32s", env->event_key, ev);
    return SDD_SKIP_NONE;
}

/* "json": the payload is the YANG data itself; "json-string" (current
 * pmacct): the same as a string, parsed here into *owned (the caller frees
 * it). gpb and unknown serializations carry nothing we can read. */
static sdd_skip payload_tree(const envelope *env, json_t **owned, const json_t **tree, input_err *e)
{
    const char *ser = env->serialization;

    if (ser && strcmp(ser, "json") != 0 && strcmp(ser, "json-string") != 0)
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "serialization %.32s", ser);
    if (!env->payload)
        return sdd__input_fail(e, SDD_SKIP_MISSING, "telemetry payload: missing");
    if (json_is_string(env->payload) && ser && strcmp(ser, "json-string") == 0) {
        INPUT_TRY(sdd__input_load(json_string_value(env->payload), json_string_length(env->payload), owned, e));
        *tree = *owned;
        return SDD_SKIP_NONE;
    }
    if (!json_is_object(env->payload))
        return sdd__input_fail(e, SDD_SKIP_TYPE, "telemetry payload: expected object");
    *tree = env->payload;
    return SDD_SKIP_NONE;
}

/* A YANG-push periodic/on-change update carries the data under
 * notification / push-update / datastore-contents (RFC 8641). */
static const json_t *unwrap_push_update(const json_t *tree)
{
    const json_t *n = sdd__input_get(tree, "ietf-notification:notification");
    const json_t *data = sdd__input_get(sdd__input_get(n, "ietf-yang-push:push-update"), "datastore-contents");

    return json_is_object(data) ? data : tree;
}

/* The interface list and where each entry keeps its oper-status. */
static const json_t *interface_list(const json_t *tree, int *openconfig)
{
    const json_t *top = sdd__input_get(tree, "openconfig-interfaces:interfaces");

    *openconfig = top != NULL;
    if (!top)
        top = sdd__input_get(tree, "ietf-interfaces:interfaces");
    if (!top)
        top = sdd__input_get(tree, "ietf-interfaces:interfaces-state");
    return top;
}

static const json_t *oper_status(const json_t *iface, int openconfig)
{
    return sdd__input_get(openconfig ? sdd__input_get(iface, "state") : iface, "oper-status");
}

/* The first interface that has an oper-status: a record about counters or
 * configuration only is of no use, and several changes in one record are
 * rare enough (on-change subscriptions send one) to read just the first. */
static sdd_skip read_interfaces(const json_t *tree, sdd_iface_event *out, input_err *e)
{
    int oc;
    const json_t *top = interface_list(unwrap_push_update(tree), &oc);
    const json_t *list = sdd__input_get(top, "interface");
    const json_t *iface;
    size_t i;

    if (!top)
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "telemetry payload: no interfaces");
    if (!json_is_object(top) || !json_is_array(list))
        return sdd__input_fail(e, SDD_SKIP_TYPE, "telemetry payload: expected interfaces/interface list");
    json_array_foreach(list, i, iface) {
        const json_t *st = oper_status(iface, oc);
        const char *s = NULL;
        if (!st)
            continue;
        INPUT_TRY(sdd__input_str(st, "oper-status", &s, e));
        INPUT_TRY(sdd__input_text(sdd__input_get(iface, "name"), "name", 1, out->ifname, sizeof(out->ifname), e));
        out->oper_up = sdd__input_word_eq(s, "up");
        return SDD_SKIP_NONE;
    }
    return sdd__input_fail(e, SDD_SKIP_IGNORED, "telemetry payload: no oper-status");
}

static sdd_skip read_telemetry(const json_t *root, sdd_iface_event *out, input_err *e)
{
    envelope env;
    json_t *owned = NULL;
    const json_t *tree = NULL;
    sdd_skip why;

    INPUT_TRY(read_envelope(root, &env, e));
    INPUT_TRY(check_event(&env, e));
    INPUT_TRY(sdd__input_addr(sdd__input_get(env.meta, env.router_key), env.router_key, 1, &out->router, e));
    INPUT_TRY(sdd__input_time(env.meta, env.time_keys, &out->time, e));
    INPUT_TRY(payload_tree(&env, &owned, &tree, e));
    why = read_interfaces(tree, out, e);
    json_decref(owned);
    return why;
}

sdd_skip sdd__parse_iface(const char *line, size_t len, sdd_iface_event *out, char *detail,
                         size_t detail_len)
{
    input_err e = {detail, detail_len};
    json_t *root;
    sdd_skip why;

    memset(out, 0, sizeof(*out));
    INPUT_TRY(sdd__input_load(line, len, &root, &e));
    why = read_telemetry(root, out, &e);
    json_decref(root);
    return why;
}
