/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notify.c: see notify.h. sd_notify(3) writes one datagram to the socket
 * systemd names in NOTIFY_SOCKET; it returns at once when there is none. */
#include <stdio.h>

#include "autoconfig.h"
#include "io/notify.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

double sdd_notify_watchdog_every(void)
{
    uint64_t usec = 0;

    return sd_watchdog_enabled(0, &usec) > 0 ? (double)usec / 2e6 : 0;
}

static void tell(const char *what, const char *status)
{
    if (status)
        sd_notifyf(0, "%sSTATUS=%s", what, status);
    else
        sd_notify(0, what);
}
#else
double sdd_notify_watchdog_every(void)
{
    return 0;
}

static void tell(const char *what, const char *status)
{
    (void)what;
    (void)status;
}
#endif

void sdd_notify_ready(const char *status)
{
    tell("READY=1\n", status);
}

void sdd_notify_reloading(void)
{
    tell("RELOADING=1\n", NULL);
}

void sdd_notify_stopping(void)
{
    tell("STOPPING=1\n", NULL);
}

void sdd_notify_alive(const char *status)
{
    tell("WATCHDOG=1\n", status);
}
