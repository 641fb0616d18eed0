/* SPDX-License-Identifier: GPL-2.0-or-later */
/* map.h: a hash map from short byte strings to int32 values.
 *
 * The engine looks up services by RD, by (router, VRF id), by (router, VRF
 * name) and so on, for every record: one open-addressing table serves them
 * all, keys copied into an arena the map owns. */
#ifndef SDD_MAP_H
#define SDD_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct sdd_map sdd_map;

sdd_map *sdd__map_new(void);
void sdd__map_free(sdd_map *m);
/* The value stored under the key, or -1. */
int32_t sdd__map_get(const sdd_map *m, const void *key, size_t len);
/* Stores or replaces; -1 when out of memory. Keys up to 65535 bytes. */
int sdd__map_put(sdd_map *m, const void *key, size_t len, int32_t value);
size_t sdd__map_count(const sdd_map *m);

#endif
