/* error.c: see error.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

int sdd_fail(sdd_error *err, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
}

const char *sdd_errno_text(int e, char *buf, size_t size)
{
    const char *name = strerrorname_np(e);

    snprintf(buf, size, "%s (%s)", strerror(e), name ? name : "?");
    return buf;
}
