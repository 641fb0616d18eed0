/* error.h: how the library says why a call failed. */
#ifndef SDD_ERROR_H
#define SDD_ERROR_H

#include "sdd/sdd.h"

/* Writes the message into err (which may be NULL) and returns -1, so that
 * `return sdd_fail(err, "...", ...);` both explains and fails. */
int sdd_fail(sdd_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text of errno value e with its name, "No space left on device
 * (ENOSPC)": what an operator searches for, whatever the locale says.
 * Written into buf, which is returned. */
const char *sdd_errno_text(int e, char *buf, size_t size);

#endif
