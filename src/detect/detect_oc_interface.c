/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_oc_interface.c: an interface of the service changed its operational
 * state (OpenConfig oper-status through YANG push) within the last
 * oc_monitor_minutes (oc_interface_state).
 *
 * Per interface (termination and name), only real changes count: an event
 * repeating the state the interface already had (a periodic push) is no
 * change. An interface whose last change in the window left it down gives
 * strength 1; one that changed at least twice and is up again flapped, with
 * strength 1 - 1/changes (0.5 for a down and up, growing with the count). A
 * lone up is a recovery, not a symptom. Events after the closed slot wait for
 * their own slot. */
#include <stdio.h>
#include <string.h>

#include "detect/detectors.h"

typedef struct window {
    int64_t from, to;           /* event times from <= t < to */
} window;

typedef struct changes {
    int count;
    int64_t first;              /* time of the first change */
    int state;                  /* sdd_event_kind after the last event in the window; -1 unknown */
} changes;

static int is_iface(const sdd_event *ev)
{
    return ev->kind == SDD_EV_IFACE_UP || ev->kind == SDD_EV_IFACE_DOWN;
}

static int same_iface(const sdd_event *a, const sdd_event *b)
{
    return is_iface(b) && a->termination == b->termination && strcmp(a->ifname, b->ifname) == 0;
}

static int inside(const window *w, const sdd_event *ev)
{
    return ev->time >= w->from && ev->time < w->to;
}

/* 1 when events[i] is its interface's first event in the window, so that
 * each interface is judged once. */
static int first_in_window(const sdd_detect_input *in, const window *w, int i)
{
    if (!is_iface(&in->events[i]) || !inside(w, &in->events[i]))
        return 0;
    for (int j = 0; j < i; j++)
        if (inside(w, &in->events[j]) && same_iface(&in->events[i], &in->events[j]))
            return 0;
    return 1;
}

/* The changes of the interface of events[i], its first event in the window;
 * the state before it is that of its latest earlier event, if any. */
static changes count_changes(const sdd_detect_input *in, const window *w, int i)
{
    const sdd_event *ev = &in->events[i];
    changes c = {0, 0, -1};

    for (int j = 0; j < i; j++)
        if (same_iface(ev, &in->events[j]))
            c.state = (int)in->events[j].kind;
    for (int j = i; j < in->n_events; j++) {
        const sdd_event *e = &in->events[j];
        if (!inside(w, e) || !same_iface(ev, e) || (int)e->kind == c.state)
            continue;
        if (c.count++ == 0)
            c.first = e->time;
        c.state = (int)e->kind;
    }
    return c;
}

static void describe(const sdd_detect_input *in, const window *w, const sdd_event *ev, changes c,
                     sdd_symptom *out)
{
    int down = c.state == SDD_EV_IFACE_DOWN;

    memset(out, 0, sizeof(*out));
    out->detector = "oc_interface_state";
    out->strength = down ? 1.0 : 1.0 - 1.0 / c.count;
    out->weight = in->profile->v[SDD_P_OC_WEIGHT];
    out->plane = SDD_PLANE_MANAGEMENT;
    out->action = "Interface State";
    out->reason = down ? "Down" : "Up";
    out->trigger = "Link-Layer";
    out->pattern = SDD_PATTERN_NONE;
    out->start = c.first;
    out->end = w->to;
    out->termination = ev->termination;
    snprintf(out->description, sizeof(out->description), "interface %s %s, %d change%s in %lld min", ev->ifname,
             down ? "down" : "flapping, up again", c.count, c.count == 1 ? "" : "s",
             (long long)((w->to - w->from) / 60));
}

int sdd__detect_oc_interface_state(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    window w;
    int n = 0;

    w.to = (in->slot + 1) * (int64_t)in->step;
    w.from = w.to - (int64_t)(in->profile->v[SDD_P_OC_MONITOR_MINUTES] * 60);
    for (int i = 0; i < in->n_events && n < max; i++) {
        if (!first_in_window(in, &w, i))
            continue;
        changes c = count_changes(in, &w, i);
        if (c.count == 0 || (c.state != SDD_EV_IFACE_DOWN && c.count < 2))
            continue;
        describe(in, &w, &in->events[i], c, &out[n++]);
    }
    return n;
}
