/* SPDX-License-Identifier: GPL-2.0-or-later */
/* registry.h: the id a Confluent-compatible schema registry gives the
 * notification schema, for the Confluent wire format of the Kafka output.
 *
 * One REST call (POST URL/subjects/SUBJECT/versions with the schema, which
 * registers it or finds it registered, and answers its id), made with a
 * short timeout; the id is kept for the life of the process. A registry that
 * is down or refuses is asked again later, the wait doubling from 1 s up to
 * 60 s, so that the daemon's loop never blocks more than a few seconds in a
 * row on it. */
#ifndef SDD_REGISTRY_H
#define SDD_REGISTRY_H

#include <stdint.h>

#include "sdd/sdd.h"

typedef struct sdd_registry sdd_registry;

/* url: the registry's base, e.g. http://127.0.0.1:8081. NULL with err. */
sdd_registry *sdd_registry_new(const char *url, sdd_error *err);
void sdd_registry_free(sdd_registry *r);   /* NULL is fine */

/* The schema's id under subject: 1 with *id; 0 when it is not known yet,
 * either because this call failed (the reason in err) or because the next
 * try is not due at `now` (err->msg empty). */
int sdd_registry_schema_id(sdd_registry *r, const char *subject, const char *schema, double now, uint32_t *id,
                           sdd_error *err);

#endif
