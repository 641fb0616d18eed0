/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_simd.h: a pmacct JSON line read by simdjson (input_simd.cc), the
 * fast path of sdd__input_load (input_doc.c). */
#ifndef SDD_INPUT_SIMD_H
#define SDD_INPUT_SIMD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct input_doc;

/* Fills *doc with the line's values, in the walk's order and form (keys
 * not yet indexed) when simdjson's DOM parser accepts the line, its top
 * level is an object and every integer fits int64_t: 0. Else -1, and
 * nothing to free. Strings are copied as they are: the caller has made
 * sure the line holds no escape. Each thread has a parser of its own. */
int sdd__simd_fill(const char *line, size_t len, struct input_doc *doc);

#ifdef __cplusplus
}
#endif

#endif
