/* SPDX-License-Identifier: GPL-2.0-or-later */
/* detectors.c: the table of detectors; see detectors.h. */
#include <string.h>

#include "detect/detectors.h"

/* The detectors of events read no history. */
static sdd_history_need history_none(const sdd_profile *p, int step)
{
    (void)p, (void)step;
    return (sdd_history_need){0, 0, 0};
}

#define ROW_WITH(word, name, history, on_event) {word, #name, history, on_event, sdd__detect_##name}
#define ROW(word, name, on_event) ROW_WITH(word, name, sdd__history_##name, on_event)

const sdd_detector sdd__detectors[SDD_DET_COUNT] = {
    [SDD_DET_VOLUME] = ROW("volume", traffic_volume, 0),
    [SDD_DET_PATTERN] = ROW("pattern", udp_pattern, 0),
    [SDD_DET_FLOW_COUNT] = ROW("flow-count", flow_count_spike, 0),
    [SDD_DET_PEER_DOWN] = ROW_WITH("peer-down", bmp_peer_down, history_none, 1),
    [SDD_DET_WITHDRAW] = ROW_WITH("withdraw", bmp_withdraw, sdd__history_bmp_churn, 1),
    [SDD_DET_UPDATE] = ROW_WITH("update", bmp_update, sdd__history_bmp_churn, 0),
    [SDD_DET_OC] = ROW_WITH("oc", oc_interface_state, history_none, 1),
    [SDD_DET_FLOW_FWD] = ROW("flow-fwd", flow_fwd, 0),
    [SDD_DET_SATURATION] = ROW("saturation", link_saturation, 0),
};

const sdd_detector *sdd__detector_by_word(const char *word, size_t len)
{
    for (int i = 0; i < SDD_DET_COUNT; i++)
        if (strlen(sdd__detectors[i].word) == len && strncmp(sdd__detectors[i].word, word, len) == 0)
            return &sdd__detectors[i];
    return NULL;
}
