/* SPDX-License-Identifier: GPL-2.0-or-later */
/* profile.h: automatic profiles (internal to libsdd).
 *
 * A service whose inventory names no profile gets one chosen from its own
 * traffic: once a day, from the last day of its history, it is classed as
 * stable, unstable (its level wanders from minute to minute) or bursty (it
 * jumps up for a few minutes now and then), and judged with the template of
 * that class. A template is the default profile with a few built-in values
 * (larger falls needed where the traffic moves more, spikes and pattern
 * changes counting less where it bursts), each of which the configuration's
 * `key[class]:` lines override. Until a day of history is there, the
 * default profile is used. An operator's profile in the inventory wins
 * (any but "default", which a service without one has). */
#ifndef SDD_ENGINE_PROFILE_H
#define SDD_ENGINE_PROFILE_H

#include "engine/config.h"
#include "engine/history.h"

typedef enum sdd_auto_class {
    SDD_AUTO_NONE,                      /* not classed yet: the default profile */
    SDD_AUTO_STABLE,
    SDD_AUTO_UNSTABLE,
    SDD_AUTO_BURSTY,
    SDD_AUTO_COUNT
} sdd_auto_class;

/* The class of a service from its bytes in n consecutive slots of a minute
 * (NAN: no data); SDD_AUTO_NONE when less than half of them can be read. */
sdd_auto_class sdd__profile_class_of(const double *bytes, int n);

/* Slots of the long tier that classing reads: a day's. */
int sdd__profile_history_slots(int step);

/* The class of history entity `entity` from its TCP and UDP bytes over the
 * day up to `slot` (slots of `step` seconds). */
sdd_auto_class sdd__profile_classify(const sdd_history *h, int32_t entity, int64_t slot, int step);

/* The class a template's name names ("stable", "unstable", "bursty"), or
 * SDD_AUTO_NONE: an inventory may name a template as it names a profile
 * of the configuration. */
sdd_auto_class sdd__profile_class_named(const char *name);

/* The template of every class (out[SDD_AUTO_NONE] is the default profile),
 * named by its class, from the configuration. */
void sdd__profile_templates(const sdd_config *cfg, sdd_profile out[SDD_AUTO_COUNT]);

#endif
