/* detectors_fwd.h: the forwarding-plane pattern detectors (see
 * docs/detectors/forwarding-patterns.md).
 *
 * flow_count_spike: a spike of new TCP connections followed by a drop (the
 * onset of a disruption) or preceded by one (the reconnection storm when a
 * site comes back). udp_pattern: the shape of the UDP traffic departs from
 * the same window time_delta_hours earlier. */
#ifndef SDD_DETECTORS_FWD_H
#define SDD_DETECTORS_FWD_H

#include "detect/detector.h"

extern const sdd_detector sdd_detector_flow_count_spike;
extern const sdd_detector sdd_detector_udp_pattern;

#endif
