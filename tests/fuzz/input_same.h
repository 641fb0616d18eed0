/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input_same.h: the JSON layer's fast path (simdjson) against its walk
 * (jsmn), line by line: what the parse fuzz target and the unit test of the
 * parsers (tests/unit/parse/test_input.c) both check. */
#ifndef SDD_INPUT_SAME_H
#define SDD_INPUT_SAME_H

#include <stddef.h>

/* Reads the line both ways. 1 when the fast path took it and the walk
 * accepted it as the same tree of values (kinds, nesting, strings' bytes,
 * numbers' values, the keys' index), 0 when the fast path left it to the
 * walk, -1 when they differ, *what (what_len bytes) then saying how. */
int input_same(const char *line, size_t len, char *what, size_t what_len);

#endif
