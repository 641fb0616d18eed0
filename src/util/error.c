/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.c: see error.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

int sdd__fail(sdd_error *err, sdd_code code, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
}

int sdd__fail_prefix(sdd_error *err, const char *fmt, ...)
{
    char msg[sizeof(err->msg)];
    va_list ap;
    int n;

    if (!err)
        return -1;
    memcpy(msg, err->msg, sizeof(msg));
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 3 > sizeof(err->msg))
        return -1;                      /* the prefix alone fills it */
    size_t room = sizeof(err->msg) - (size_t)n - 3, len = strnlen(msg, sizeof(msg));
    memcpy(err->msg + n, ": ", 2);
    memcpy(err->msg + n + 2, msg, len < room ? len : room);
    err->msg[n + 2 + (len < room ? len : room)] = '\0';
    return -1;
}

const char *sdd_strerror(sdd_code code)
{
    static const char *const text[] = {
        [SDD_OK] = "no error",
        [SDD_E_ARG] = "invalid argument",
        [SDD_E_NOMEM] = "out of memory",
        [SDD_E_CONFIG] = "configuration refused",
        [SDD_E_IO] = "input/output error",
        [SDD_E_DATA] = "malformed data",
        [SDD_E_SERVICE] = "remote service failed",
    };

    return (unsigned)code < sizeof(text) / sizeof(text[0]) ? text[code] : "unknown error";
}

const char *sdd__errno_text(int e, char *buf, size_t size)
{
    const char *name = strerrorname_np(e);

    snprintf(buf, size, "%s (%s)", strerror(e), name ? name : "?");
    return buf;
}
