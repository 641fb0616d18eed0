/* strategy.c: strategy names to detectors and weights; see strategy.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors_ctl.h"
#include "detect/detectors_fwd.h"
#include "detect/strategy.h"

/* The words a strategy name uses for each detector. */
static const struct {
    const char *token;
    const sdd_detector *detector;
} known[] = {
    {"volume", &sdd_detector_traffic_volume},
    {"pattern", &sdd_detector_udp_pattern},
    {"flow-count", &sdd_detector_flow_count_spike},
    {"peer-down", &sdd_detector_bmp_peer_down},
    {"withdraw", &sdd_detector_bmp_withdraw},
    {"update", &sdd_detector_bmp_update},
    {"oc", &sdd_detector_oc_interface_state},
    {"flow-fwd", &sdd_detector_flow_fwd},
    {"saturation", &sdd_detector_link_saturation},
};

static const sdd_detector *find(const char *token, size_t len)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i].token) == len && strncmp(known[i].token, token, len) == 0)
            return known[i].detector;
    return NULL;
}

/* A weight: a number standing alone between dashes. */
static int read_weight(const char *s, size_t len, double *out)
{
    char buf[32], *end;

    if (len == 0 || len >= sizeof(buf) || (s[0] < '0' || s[0] > '9'))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, &end);
    return *end == '\0' ? 0 : -1;
}

int sdd_strategy_parse(const char *name, sdd_strategy *out, sdd_error *err)
{
    const char *p = name, *token = name;
    size_t name_len = strlen(name);

    memset(out, 0, sizeof(*out));
    if (name_len < 9 || strcmp(name + name_len - 9, "-pipeline") != 0) {
        snprintf(err->msg, sizeof(err->msg), "strategy '%s': expected DETECTOR-WEIGHT-...-pipeline", name);
        return -1;
    }
    while (p < name + name_len - 9) {
        const char *dash = strchr(p, '-');
        double w;
        if (read_weight(p, (size_t)(dash - p), &w) < 0) {
            p = dash + 1;               /* part of a detector's word */
            continue;
        }
        const sdd_detector *d = token < p ? find(token, (size_t)(p - 1 - token)) : NULL;
        if (!d || out->n == SDD_STRATEGY_MAX) {
            snprintf(err->msg, sizeof(err->msg), "strategy '%s': unknown detector '%.*s'", name,
                     token < p ? (int)(p - 1 - token) : 0, token);
            return -1;
        }
        out->detector[out->n] = d;
        out->weight[out->n++] = w;
        p = token = dash + 1;
    }
    if (token != p || out->n == 0) {
        snprintf(err->msg, sizeof(err->msg), "strategy '%s': '%.*s' has no weight", name,
                 (int)(name + name_len - 9 - token), token);
        return -1;
    }
    return 0;
}
