/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_bmp_peer_down.c: a PE-CE or RD-instance BGP session went down.
 *
 * Reported from the slot of the BMP peer_down until the same peer comes back
 * (peer_up), so a relevant state stays open while the customer's site is cut
 * off. The BMP reason code (RFC 7854 section 4.9) decides who tore the
 * session down and why, in the terms of the IETF symptom table. */
#include <stdio.h>
#include <string.h>

#include "detect/detectors.h"

static const char *reason_of(int code)
{
    return code == 3 || code == 4 ? "Remotely Teared Down" : "Locally Teared Down";
}

static const char *trigger_of(int code)
{
    switch (code) {
    case 1:
    case 3:
        return "Peer";                          /* a BGP NOTIFICATION closed it */
    case 5:
        return "Administrative";                /* peer de-configured */
    default:
        return "Transport Connection Failed";   /* FSM event or TCP closed */
    }
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
        char peer[64];
        if (ev->kind != SDD_EV_PEER_DOWN || ev->time >= slot_end || came_back(in, i))
            continue;
        memset(&out[n], 0, sizeof(out[n]));
        out[n].detector = "bmp_peer_down";
        out[n].strength = 1.0;
        out[n].weight = in->profile->v[SDD_P_BMP_PEER_DOWN_WEIGHT];
        out[n].plane = SDD_PLANE_CONTROL;
        out[n].action = "Adjacency";
        out[n].reason = reason_of(ev->reason);
        out[n].trigger = trigger_of(ev->reason);
        out[n].pattern = SDD_PATTERN_NONE;
        out[n].start = ev->time;
        out[n].end = slot_end;
        out[n].termination = ev->termination;
        sdd_addr_format(&ev->peer, peer, sizeof(peer));
        snprintf(out[n].description, sizeof(out[n].description), "BGP peer %s down (BMP reason %d)", peer,
                 ev->reason);
        n++;
    }
    return n;
}
