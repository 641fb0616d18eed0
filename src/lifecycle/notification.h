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

/* The service's planned change window that overlaps [from, to), the window
 * counted until `after` seconds past its end (its recovery: sessions
 * reconnecting, traffic coming back); NULL if none. */
const sdd_change_window *sdd__change_window_of(const sdd_service *s, int64_t from, int64_t to, int64_t after);

#endif
