/* error.c: see error.h. */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

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
