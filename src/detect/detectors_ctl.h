/* detectors_ctl.h: the control-plane, management-plane, forwarding-status and
 * link-saturation detectors, and what they share.
 *
 * Each detector is one sdd_detector (see detector.h); the strategy table
 * names them. The forwarding-status detector can also score slots with a
 * learned model (drop_model.h); until the detector input carries the
 * profile's loaded model, sdd_flow_fwd_detect takes it explicitly. */
#ifndef SDD_DETECTORS_CTL_H
#define SDD_DETECTORS_CTL_H

#include "detect/detector.h"
#include "detect/drop_model.h"

extern const sdd_detector sdd_detector_bmp_withdraw;
extern const sdd_detector sdd_detector_bmp_update;
extern const sdd_detector sdd_detector_oc_interface_state;
extern const sdd_detector sdd_detector_flow_fwd;
extern const sdd_detector sdd_detector_link_saturation;

/* The forwarding-status detector with the profile's model: NULL compares the
 * slot's dropped bytes with dropped_bytes_threshold instead. */
int sdd_flow_fwd_detect(const sdd_detect_input *in, const sdd_drop_model *model, sdd_symptom *out, int max);

/* Strength of a measure that is `ratio` times its limit (ratio >= 1): half
 * at the limit, growing towards 1 as it goes further, so that just crossing
 * a limit counts half and a large excess almost fully. */
static inline double sdd_ratio_strength(double ratio)
{
    return ratio >= 1 ? 1.0 - 0.5 / ratio : 0.0;
}

#endif
