/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state_read.h: what the two readers of the state file share (checkpoint.c):
 * where the reading is, for messages that name the file and the field, and
 * the checks every value goes through. The binary format of today is
 * state_bin.c's; the JSON document of versions 2 and 3, still read once
 * after an upgrade, state_json.c's. */
#ifndef SDD_ENGINE_STATE_READ_H
#define SDD_ENGINE_STATE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine_private.h"

/* Seconds either side of the epoch a saved time may be: no record's time is
 * further, and slot arithmetic on it stays far from overflowing. */
#define SDD_STATE_TIME_LIMIT (INT64_C(1) << 40)
#define SDD_STATE_VERSION 7                 /* state_bin.c's; 6 had fixed-width numbers, 5 no sites, 4 no carriers */
#define SDD_STATE_VERSION_OLDEST 2          /* state_json.c's first */

/* Where the reading is, for messages: "services[3].relevant_state". */
typedef struct sdd__rd {
    sdd_engine *e;
    const char *file;
    char at[192];
    size_t len;
    sdd_error *err;
    int64_t history_epoch;              /* of history's undo log; 0: none said */
} sdd__rd;

/* Appends to the place; returns what leave() takes back to. */
size_t sdd__rd_enter(sdd__rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sdd__rd_leave(sdd__rd *r, size_t before);
/* The file, the field (key of the current place, or the place itself) and
 * what is wrong with it; -1. */
int sdd__rd_bad(sdd__rd *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* v within lo..hi, or -1 saying so. */
int sdd__rd_range(sdd__rd *r, const char *key, int64_t v, int64_t lo, int64_t hi);
/* A finite number >= 0, or -1 saying so. */
int sdd__rd_amount(sdd__rd *r, const char *key, double v);
/* A stable copy of a symptom's text read back, owned by the engine; NULL
 * with the error set when out of memory. */
const char *sdd__rd_keep_text(sdd__rd *r, const char *s);
/* A relevant state's id must be a UUID's text. */
int sdd__rd_uuid(sdd__rd *r, const char *id);

/* The header's version within lo..hi (those of the format being read),
 * and the slot layout of the configuration: a state of another layout read
 * as this one would be wrong, not merely old. */
int sdd__rd_header(sdd__rd *r, int64_t version, int lo, int hi, int64_t step, int64_t rows);
/* The service a state lists, by its vpn_id: one of the inventory read, not
 * listed before (seen[] marks them), given its memory and history; NULL
 * with the error. *n_terms: its terminations. */
sdd__service_state *sdd__rd_service(sdd__rd *r, const char *vpn, uint8_t *seen, int *svc, int *n_terms);
/* The automatic profile class and day of service svc, checked. */
int sdd__rd_class(sdd__rd *r, int svc, int64_t cls, int64_t day);
/* A source of the clock and its watermark, checked (the router's text for
 * the message). */
int sdd__rd_source(sdd__rd *r, int64_t kind, const sdd_addr *router, int64_t newest);

/* state_bin.c: the binary state (versions 4 to 7). */
/* The state into fd; *written: where its inventory's section is, for the
 * next checkpoint once this one is in place (its dev and ino the caller's). */
int sdd__state_write(sdd_engine *e, int fd, uint64_t history_epoch, const char *path, sdd__state_inventory *written,
                     sdd_error *err);
/* *damaged: 0 when the fault is the configuration's, not the file's. */
int sdd__state_read(sdd__rd *r, const char *text, size_t len, int *damaged);

/* state_json.c: the JSON document of versions 2 and 3. */
int sdd__state_read_json(sdd__rd *r, const char *text, size_t len, int *damaged);

#endif
