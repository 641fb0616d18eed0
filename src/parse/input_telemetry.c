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
    const input_val *meta;      /* the object holding event, time and router */
    const char *event_key;
    const char *time_keys[2];
    const char *router_key;
    const input_val *payload;
    const char *serialization;  /* NULL when the producer did not say */
} envelope;

/* The serialization label of the IETF envelope, if any. */
static sdd_skip label_serialization(const input_val *msg, const char **out, input_err *e)
{
    const input_val *labels = sdd__input_get(sdd__input_get(msg, "network-operator-metadata"), "labels");
    const input_val *label;

    INPUT_EACH(labels, label) {
        const char *name = NULL;
        INPUT_TRY(sdd__input_str(sdd__input_get(label, "name"), "labels.name", &name, e));
        if (name && strcmp(name, "serialization") == 0)
            return sdd__input_str(sdd__input_get(label, "string-value"), "labels.string-value", out, e);
    }
    return SDD_SKIP_NONE;
}

static sdd_skip ietf_envelope(const input_val *msg, envelope *env, input_err *e)
{
    env->meta = sdd__input_get(msg, "telemetry-message-metadata");
    if (!sdd__input_is(env->meta, INPUT_OBJECT))
        return sdd__input_fail(e, SDD_SKIP_TYPE, "field telemetry-message-metadata: expected object");
    env->event_key = "notification-event";
    env->time_keys[0] = "collection-timestamp";
    env->router_key = "export-address";
    env->payload = sdd__input_get(msg, "payload");
    return label_serialization(msg, &env->serialization, e);
}

static sdd_skip legacy_envelope(const input_val *root, envelope *env, input_err *e)
{
    env->meta = root;
    env->event_key = "event_type";
    env->time_keys[0] = "timestamp";
    env->router_key = "telemetry_node";
    env->payload = sdd__input_get(root, "telemetry_data");
    return sdd__input_str(sdd__input_get(root, "serialization"), "serialization", &env->serialization, e);
}

static sdd_skip read_envelope(const input_val *root, envelope *env, input_err *e)
{
    const input_val *msg = sdd__input_get(root, "ietf-telemetry-message:message");

    memset(env, 0, sizeof(*env));
    if (msg && msg->kind != INPUT_OBJECT)
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
 * pmacct): the same as a string, parsed here into *inner (the caller frees
 * it when *tree is from it). gpb and unknown serializations carry nothing we
 * can read. */
static sdd_skip payload_tree(const envelope *env, input_doc *inner, const input_val **tree, input_err *e)
{
    const char *ser = env->serialization;

    if (ser && strcmp(ser, "json") != 0 && strcmp(ser, "json-string") != 0)
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "serialization %.32s", ser);
    if (!env->payload)
        return sdd__input_fail(e, SDD_SKIP_MISSING, "telemetry payload: missing");
    if (env->payload->kind == INPUT_STRING && ser && strcmp(ser, "json-string") == 0)
        return sdd__input_load(env->payload->s, env->payload->len, inner, tree, e);
    if (env->payload->kind != INPUT_OBJECT)
        return sdd__input_fail(e, SDD_SKIP_TYPE, "telemetry payload: expected object");
    *tree = env->payload;
    return SDD_SKIP_NONE;
}

/* A YANG-push periodic/on-change update carries the data under
 * notification / push-update / datastore-contents (RFC 8641). */
static const input_val *unwrap_push_update(const input_val *tree)
{
    const input_val *n = sdd__input_get(tree, "ietf-notification:notification");
    const input_val *data = sdd__input_get(sdd__input_get(n, "ietf-yang-push:push-update"), "datastore-contents");

    return sdd__input_is(data, INPUT_OBJECT) ? data : tree;
}

/* The interface list and where each entry keeps its oper-status. */
static const input_val *interface_list(const input_val *tree, int *openconfig)
{
    const input_val *top = sdd__input_get(tree, "openconfig-interfaces:interfaces");

    *openconfig = top != NULL;
    if (!top)
        top = sdd__input_get(tree, "ietf-interfaces:interfaces");
    if (!top)
        top = sdd__input_get(tree, "ietf-interfaces:interfaces-state");
    return top;
}

static const input_val *oper_status(const input_val *iface, int openconfig)
{
    return sdd__input_get(openconfig ? sdd__input_get(iface, "state") : iface, "oper-status");
}

/* The first interface that has an oper-status: a record about counters or
 * configuration only is of no use, and several changes in one record are
 * rare enough (on-change subscriptions send one) to read just the first. */
static sdd_skip read_interfaces(const input_val *tree, sdd_iface_event *out, input_err *e)
{
    int oc;
    const input_val *top = interface_list(unwrap_push_update(tree), &oc);
    const input_val *list = sdd__input_get(top, "interface");
    const input_val *iface;

    if (!top)
        return sdd__input_fail(e, SDD_SKIP_IGNORED, "telemetry payload: no interfaces");
    if (top->kind != INPUT_OBJECT || !sdd__input_is(list, INPUT_ARRAY))
        return sdd__input_fail(e, SDD_SKIP_TYPE, "telemetry payload: expected interfaces/interface list");
    INPUT_EACH(list, iface) {
        const input_val *st = oper_status(iface, oc);
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

static sdd_skip read_telemetry(const input_val *root, sdd_iface_event *out, input_err *e)
{
    envelope env;
    input_doc inner;
    const input_val *tree = NULL;
    sdd_skip why;

    INPUT_TRY(read_envelope(root, &env, e));
    INPUT_TRY(check_event(&env, e));
    INPUT_TRY(sdd__input_addr(sdd__input_get(env.meta, env.router_key), env.router_key, 1, &out->router, e));
    INPUT_TRY(sdd__input_time(env.meta, env.time_keys, &out->time, e));
    INPUT_TRY(payload_tree(&env, &inner, &tree, e));
    why = read_interfaces(tree, out, e);
    if (tree->doc == &inner)
        sdd__input_free(&inner);
    return why;
}

sdd_skip sdd__parse_iface(const char *line, size_t len, sdd_iface_event *out, char *detail,
                         size_t detail_len)
{
    input_err e = {detail, detail_len};
    input_doc doc;
    const input_val *root;
    sdd_skip why;

    memset(out, 0, sizeof(*out));
    INPUT_TRY(sdd__input_load(line, len, &doc, &root, &e));
    why = read_telemetry(root, out, &e);
    sdd__input_free(&doc);
    return why;
}
