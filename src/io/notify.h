/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notify.h: what sddd tells its service manager (systemd's sd_notify
 * protocol, for units of Type=notify): ready once its inputs and output are
 * open, alive every half of the watchdog's period, reloading, stopping, and
 * a one-line status. Outside systemd (no NOTIFY_SOCKET), or built without
 * libsystemd, every call does nothing. */
#ifndef SDD_IO_NOTIFY_H
#define SDD_IO_NOTIFY_H

/* Seconds between two "alive" messages: half of the watchdog's period
 * (WatchdogSec=, given as WATCHDOG_USEC); 0 when there is no watchdog. */
double sdd_notify_watchdog_every(void);
/* The daemon works: inputs and output open (again after a reload). */
void sdd_notify_ready(const char *status);
/* A new configuration is being read (SIGHUP). */
void sdd_notify_reloading(void);
/* The loop has ended; the last checkpoint follows. */
void sdd_notify_stopping(void);
/* Still alive (the watchdog), with the status line. */
void sdd_notify_alive(const char *status);

#endif
