/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.h: how the library says why a call failed. */
#ifndef SDD_ERROR_H
#define SDD_ERROR_H

#include "sdd/sdd.h"

/* Writes the code and the message into err (which may be NULL) and returns
 * -1, so that `return sdd__fail(err, SDD_E_..., "...", ...);` both explains
 * and fails. The one way the project reports an error. */
int sdd__fail(sdd_error *err, sdd_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Puts "PREFIX: " before err's message, its code kept; -1. For a caller
 * that knows where the failure happened (a file, a profile). */
int sdd__fail_prefix(sdd_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text of errno value e with its name, "No space left on device
 * (ENOSPC)": what an operator searches for, whatever the locale says.
 * Written into buf, which is returned. */
const char *sdd__errno_text(int e, char *buf, size_t size);

#endif
