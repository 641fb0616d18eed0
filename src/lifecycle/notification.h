/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notification.h: a revision of a relevant state as the record the outputs
 * publish (notification.c). */
#ifndef SDD_LIFECYCLE_NOTIFICATION_H
#define SDD_LIFECYCLE_NOTIFICATION_H

#include "lifecycle/lifecycle.h"

/* The record of the state's current revision: JSON with the reference
 * schema's field names and order (unions as bare values). Caller frees;
 * NULL when out of memory. */
char *sdd__notification_json(const sdd_relevant_state *rs, const sdd_lifecycle_ctx *ctx);

#endif
