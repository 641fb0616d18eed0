/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_bmp_peer_down.c: a PE-CE or RD-instance BGP session went down.
 *
 * Reported from the slot of the BMP peer_down until the same peer comes back
 * (peer_up), so a relevant state stays open while the customer's site is cut
 * off. Who tore the session down and why, in the terms of the IETF symptom
 * table, come from the BMP reason (RFC 7854 section 4.9) and, for reason 2,
 * the FSM event that closed it. pmacct does not decode the NOTIFICATION of
 * reasons 1 and 3, so a Cease of maximum prefixes or of an administrative
 * shutdown, or a hold timer expired, cannot be told from any other
 * notification: those read as the peering protocol's own ("Peer"). */
#include <stdio.h>
#include <string.h>

#include "detect/detectors.h"

enum { BMP_LOCAL_NOTIFY = 1, BMP_LOCAL_FSM, BMP_REMOTE_NOTIFY, BMP_REMOTE_NO_NOTIFY, BMP_DECONFIGURED };
enum { FSM_MANUAL_STOP = 2 };

static const char *reason_of(int bmp)
{
    return bmp == BMP_REMOTE_NOTIFY || bmp == BMP_REMOTE_NO_NOTIFY ? "Remotely Teared Down" : "Locally Teared Down";
}

/* Reason 2: no notification was sent, the FSM event says why: an operator
 * stopped it, or else a timer or TCP failed (or the event is not given). */
static const char *fsm_trigger(int fsm)
{
    return fsm == FSM_MANUAL_STOP ? "Administrative" : "Transport Connection Failed";
}

static const char *trigger_of(int code)
{
    switch (code & 0xff) {
    case BMP_LOCAL_NOTIFY:
    case BMP_REMOTE_NOTIFY:
        return "Peer";                          /* a BGP NOTIFICATION closed it */
    case BMP_LOCAL_FSM:
        return fsm_trigger(code >> 8);
    case BMP_DECONFIGURED:
        return "Administrative";
    default:
        return "Transport Connection Failed";   /* TCP closed without a notification */
    }
}

static void describe(const sdd_event *ev, char *out, size_t len)
{
    char peer[64];

    sdd_addr_format(&ev->peer, peer, sizeof(peer));
    if (ev->reason >> 8)
        snprintf(out, len, "BGP peer %s down (BMP reason %d, FSM event %d)", peer, ev->reason & 0xff,
                 ev->reason >> 8);
    else
        snprintf(out, len, "BGP peer %s down (BMP reason %d)", peer, ev->reason);
}

/* 1 if a later event of the same peer brought it back up. */
static int came_back(const sdd_detect_input *in, int down)
{
    for (int i = down + 1; i < in->n_events; i++)
        if (in->events[i].kind == SDD_EV_PEER_UP &&
            memcmp(&in->events[i].peer, &in->events[down].peer, sizeof(sdd_addr)) == 0)
            return 1;
    return 0;
}

int sdd__detect_bmp_peer_down(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    int64_t slot_end = (in->slot + 1) * (int64_t)in->step;
    int n = 0;

    for (int i = 0; i < in->n_events && n < max; i++) {
        const sdd_event *ev = &in->events[i];
        if (ev->kind != SDD_EV_PEER_DOWN || ev->time >= slot_end || came_back(in, i))
            continue;
        memset(&out[n], 0, sizeof(out[n]));
        out[n].detector = "bmp_peer_down";
        out[n].strength = 1.0;
        out[n].weight = in->profile->v[SDD_P_BMP_PEER_DOWN_WEIGHT];
        out[n].plane = SDD_PLANE_CONTROL;
        out[n].action = "Adjacency";
        out[n].reason = reason_of(ev->reason & 0xff);
        out[n].trigger = trigger_of(ev->reason);
        out[n].pattern = SDD_PATTERN_NONE;
        out[n].start = ev->time;
        out[n].end = slot_end;
        out[n].termination = ev->termination;
        describe(ev, out[n].description, sizeof(out[n].description));
        n++;
    }
    return n;
}
