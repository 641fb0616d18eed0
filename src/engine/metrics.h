/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.h: what the engine counts per service and slot.
 *
 * The long tier is kept for a week and more (compared `time_delta_hours`
 * back), its first SDD_M_BASELINE_COUNT series (the bytes) for the older
 * weeks of the baseline too, coarser (history.h); the short tier covers the recent past the other detectors look at.
 * Dropped traffic is split by the RFC 7270 drop reason (IPFIX IE 89 codes
 * 128..143), so that detectors can tell unreachable from administered from
 * corrupt. The bytes through a service's own interfaces (its first
 * SDD_IF_TRACKED, in inventory order) tell how full its access links are. */
#ifndef SDD_METRICS_H
#define SDD_METRICS_H

enum {
    /* long tier */
    SDD_M_TCP_BYTES,
    SDD_M_UDP_BYTES,
    SDD_M_TCP_FLOWS,
    SDD_M_UDP_FLOWS,
    SDD_M_LONG_COUNT,
    SDD_M_BASELINE_COUNT = SDD_M_TCP_FLOWS,     /* TCP and UDP bytes: what older weeks are read for */
    /* short tier */
    SDD_M_OTHER_BYTES = SDD_M_LONG_COUNT,
    SDD_M_TCP_PACKETS,
    SDD_M_UDP_PACKETS,
    SDD_M_OTHER_PACKETS,
    SDD_M_OTHER_FLOWS,
    SDD_M_TCP_SYN_FLOWS,
    SDD_M_DROP_PACKETS,
    SDD_M_DROP_BYTES,                   /* 16 series: reason 0 (code 128) .. 15 (code 143) */
    SDD_M_BMP_UPDATES = SDD_M_DROP_BYTES + 16,
    SDD_M_BMP_WITHDRAWS,
    SDD_M_BMP_PEER_UP,
    SDD_M_BMP_PEER_DOWN,
    SDD_M_IFACE_UP,
    SDD_M_IFACE_DOWN,
    SDD_M_IF_IN_BYTES,                  /* SDD_IF_TRACKED series: bytes in from the CE, per interface */
    SDD_M_IF_OUT_BYTES = SDD_M_IF_IN_BYTES + 4,
    SDD_M_COUNT = SDD_M_IF_OUT_BYTES + 4
};

#define SDD_M_SHORT_COUNT (SDD_M_COUNT - SDD_M_LONG_COUNT)
#define SDD_DROP_REASONS 16
#define SDD_IF_TRACKED 4                /* a service's first interfaces, for link saturation */

/* IPFIX IE 89: the two high bits are the status. */
#define SDD_FWD_STATUS_DROPPED 2
#define SDD_FWD_STATUS(b) ((b) >> 6)

#endif
