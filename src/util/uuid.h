/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uuid.h: derived identifiers. Relevant states, anomalies, publishers and
 * schemas are named by UUID v5 of what they are, so a replay or a restart
 * gives the same ids. */
#ifndef SDD_UTIL_UUID_H
#define SDD_UTIL_UUID_H

#define SDD_UUID_TEXT 37

/* UUID v5 of `name` in the project's namespace, as text. */
void sdd__uuid5(const char *name, char out[SDD_UUID_TEXT]);

#endif
