/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detect_flow_fwd.c: the routers dropped the service's traffic, as their
 * flow records' forwarding status (IPFIX IE 89, RFC 7270) says (flow_fwd).
 *
 * Judged on the closed slot's dropped bytes, split by drop reason. Without a
 * model, the slot's total over all reasons is compared with
 * dropped_bytes_threshold: a symptom when total > threshold (so threshold 0
 * reports any drop), strength sdd__ratio_strength(total / threshold), 1 when
 * the threshold is 0; and the dropped bytes must also be at least
 * drop_share_threshold of all the service's bytes in the slot: a service
 * whose ACLs always drop a little is not disrupted by that little. With the profile's drop model, the model's score
 * decides instead (score >= the model's threshold) and is the strength. A
 * slot without dropped bytes is never a symptom, and a slot without data is
 * not judged. The symptom carries the semantics of the reason that dropped
 * the most bytes (ties: the lower code).
 *
 * A service of several sites is judged per site first (engine/sites.h): a
 * site whose dropped bytes are over dropped_bytes_threshold and whose share
 * of its own bytes dropped is drop_share_threshold above its usual share is
 * a symptom naming that site, so drops at one site of several are not
 * diluted by the others' traffic. When a site is found, the service's own
 * judgement, of the same bytes, is not reported beside it. A site keeps no
 * split by reason: its symptom carries the service's dominant reason. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detect/detectors.h"
#include "detect/drop_model.h"
#include "engine/metrics.h"

/* RFC 7270 drop reasons (codes 128..143) in the draft's forwarding-plane
 * table, under action Drop. NULL where the table has no row: an unknown
 * reason, traffic addressed to the router itself ("for us"), and a hardware
 * fault, which is Corrupt but neither a bad packet nor a bad egress. */
typedef struct drop_reason {
    const char *name, *reason, *trigger;
} drop_reason;

static const drop_reason reasons[SDD_DROP_REASONS] = {
    {"unknown", NULL, NULL},
    {"ACL deny", "Administered", "Access-List"},
    {"ACL drop", "Administered", "Access-List"},
    {"unroutable", "Unreachable", "next-hop"},
    {"adjacency", "Unreachable", "link-layer"},
    {"fragmentation and DF", "Unreachable", "Fragmentation needed and Don't Fragment set"},
    {"bad header checksum", "Corrupt", "Bad Packet"},
    {"bad total length", "Corrupt", "Bad Packet"},
    {"bad header length", "Corrupt", "Bad Packet"},
    {"bad TTL", "Unreachable", "Time To Life expired"},
    {"policer", "Administered", "Policed"},
    {"WRED", "Administered", "Shaped"},
    {"RPF", "Administered", "Unicast Reverse Path Forwarding"},
    {"for us", NULL, NULL},
    {"bad output interface", "Corrupt", "Bad Egress Interface"},
    {"hardware", "Corrupt", NULL},
};

/* The closed slot's drops; 0 when the slot has no data at all. Reasons
 * without a value count as nothing dropped. */
static int read_slot(const sdd_detect_input *in, sdd_drop_slot *s)
{
    int present = 0;

    for (int i = 0; i < SDD_DROP_REASONS; i++) {
        present += in->series(in->ctx, SDD_M_DROP_BYTES + i, in->slot, 1, &s->bytes[i]);
        if (isnan(s->bytes[i]))
            s->bytes[i] = 0;
    }
    in->series(in->ctx, SDD_M_DROP_PACKETS, in->slot, 1, &s->packets);
    if (isnan(s->packets))
        s->packets = 0;
    return present > 0;
}

static int dominant(const sdd_drop_slot *s)
{
    int top = 0;

    for (int i = 1; i < SDD_DROP_REASONS; i++)
        if (s->bytes[i] > s->bytes[top])
            top = i;
    return top;
}

static void describe(const sdd_detect_input *in, const sdd_drop_slot *s, double total, double strength,
                     const char *by, sdd_symptom *out)
{
    int top = dominant(s);

    memset(out, 0, sizeof(*out));
    out->detector = "flow_fwd";
    out->strength = strength;
    out->weight = in->profile->v[SDD_P_FLOW_FWD_WEIGHT];
    out->plane = SDD_PLANE_FORWARDING;
    out->action = "Drop";
    out->reason = reasons[top].reason;
    out->trigger = reasons[top].trigger;
    out->pattern = SDD_PATTERN_NONE;
    out->start = in->slot * in->step;
    out->end = (in->slot + 1) * in->step;
    out->termination = -1;
    snprintf(out->description, sizeof(out->description), "%.0f bytes dropped, %.0f%% %s (code %d); %s", total,
             100 * s->bytes[top] / total, reasons[top].name, 128 + top, by);
}

/* The share of the slot's bytes that was dropped. */
static double dropped_share(const sdd_detect_input *in, double dropped)
{
    static const int forwarded[] = {SDD_M_TCP_BYTES, SDD_M_UDP_BYTES, SDD_M_OTHER_BYTES};
    double total = dropped, v;

    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        if (in->series(in->ctx, forwarded[i], in->slot, 1, &v) == 1)
            total += v;
    return total > 0 ? dropped / total : 0;
}

/* The strength of `dropped` bytes against dropped_bytes_threshold. */
static double threshold_strength(double dropped, double threshold)
{
    return threshold > 0 ? sdd__ratio_strength(dropped / threshold) : 1.0;
}

/* The sites dropping in the slot, each a symptom naming it. */
static int site_drops(const sdd_detect_input *in, const sdd_drop_slot *s, double total, sdd_symptom *out, int max)
{
    double threshold = in->profile->v[SDD_P_DROPPED_BYTES_THRESHOLD];
    int n = 0;
    char by[64];

    for (int i = 0; i < in->n_sites && n < max; i++) {
        const sdd_site_input *site = &in->sites[i];
        double dropped = site->sums[SDD_SM_DROP_BYTES];
        if (dropped <= threshold ||
            !sdd__site_dropping(site->usual, site->sums, in->profile->v[SDD_P_DROP_SHARE_THRESHOLD]))
            continue;
        snprintf(by, sizeof(by), "site %d dropped %.0f bytes, %.0f%% of its own", site->termination, dropped,
                 100 * sdd__site_drop_share(site->sums));
        describe(in, s, total, threshold_strength(dropped, threshold), by, &out[n]);
        out[n++].termination = site->termination;
    }
    return n;
}

int sdd__flow_fwd_detect(const sdd_detect_input *in, const sdd_drop_model *model, sdd_symptom *out, int max)
{
    double threshold = in->profile->v[SDD_P_DROPPED_BYTES_THRESHOLD], total = 0, strength;
    sdd_drop_slot s;
    char by[64];
    int n;

    if (max < 1 || !read_slot(in, &s))
        return 0;
    for (int i = 0; i < SDD_DROP_REASONS; i++)
        total += s.bytes[i];
    if (total <= 0)
        return 0;
    if ((n = site_drops(in, &s, total, out, max)) > 0)
        return n;
    if (model) {
        strength = sdd__drop_model_score(model, &s);
        if (strength < sdd__drop_model_threshold(model))
            return 0;
        snprintf(by, sizeof(by), "model score %.2f", strength);
    } else {
        if (total <= threshold || dropped_share(in, total) < in->profile->v[SDD_P_DROP_SHARE_THRESHOLD])
            return 0;
        strength = threshold_strength(total, threshold);
        snprintf(by, sizeof(by), "threshold %.0f", threshold);
    }
    describe(in, &s, total, strength, by, out);
    return 1;
}

/* The detector input does not carry the profile's model yet: the threshold
 * decides until the engine passes the model it loaded at start. */
/* The slot judged, in the short tier. */
sdd_history_need sdd__history_flow_fwd(const sdd_profile *p, int step)
{
    (void)p, (void)step;
    return (sdd_history_need){0, 1, 0};
}

int sdd__detect_flow_fwd(const sdd_detect_input *in, sdd_symptom *out, int max)
{
    return sdd__flow_fwd_detect(in, in->drop_model, out, max);
}
