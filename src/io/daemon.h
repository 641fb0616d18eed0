/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon.h: sddd's loop: the configured inputs (files, stdin, Kafka) into
 * one engine, its notifications to the output, in one thread that waits in
 * poll(2). tools/sddd.c only parses options and catches signals. */
#ifndef SDD_DAEMON_H
#define SDD_DAEMON_H

#include <signal.h>

#include "io/log_sink.h"
#include "io/sources.h"

/* sddd's exit codes. */
enum { SDD_EXIT_OK = 0, SDD_EXIT_FAILURE = 1, SDD_EXIT_CONFIG = 2 };

/* Records made in the same process, handed to the engine directly (the
 * pmacct plugin's hand-over from nfacctd's writers). It is the flow input:
 * flow_input must then be empty. */
typedef struct sdd_daemon_feed {
    const char *name;                   /* what it is, for messages */
    int fd;                             /* readable when records wait; -1: looked at every turn */
    /* Hands waiting records to the engine (sdd_engine_add_flow), *taken
     * of them: SDD_READ_MORE when more wait, SDD_READ_IDLE when none,
     * SDD_READ_DONE when it has ended (the daemon then stops as on *stop:
     * the open slots stay open and are saved). */
    sdd_read_status (*read)(void *ctx, sdd_engine *engine, size_t *taken);
    void *ctx;
} sdd_daemon_feed;

typedef struct sdd_daemon_opts {
    const char *config_path;
    const char *inventory_path;         /* NULL: the configuration's inventory_file */
    int exit_idle;                      /* seconds; 0: run until *stop */
    int stats_every;                    /* seconds; 0: counters only at exit */
    volatile sig_atomic_t *stop;        /* set from a signal handler to stop */
    volatile sig_atomic_t *reload;      /* set from a signal handler to read the configuration
                                         * file and the inventory again (NULL: never) */
    sdd_logger log;
    sdd_log_sink *sink;                 /* where log lines go: the settings logfile, syslog and
                                         * log_level apply to it (NULL: log only) */
    const sdd_daemon_feed *feed;        /* NULL: none */
    sdd_config_key_fn extra_keys;       /* the program's own keys in the file (NULL: none) */
    void *extra_ctx;
} sdd_daemon_opts;

typedef struct sdd_daemon sdd_daemon;

/* Reads and checks the whole configuration (inputs, output, Kafka
 * properties) without opening or connecting anything but the log file.
 * NULL with the reason in err: exit with SDD_EXIT_CONFIG. */
sdd_daemon *sdd_daemon_new(const sdd_daemon_opts *opts, sdd_error *err);
/* Opens the output, makes the engine, opens the inputs and the HTTP
 * endpoint of metrics_listen (metrics.h). -1 with the reason in err: exit
 * with SDD_EXIT_FAILURE. */
int sdd_daemon_start(sdd_daemon *d, sdd_error *err);
/* Runs until every input has been idle for exit_idle seconds (then the
 * engine is finished: every open slot closes) or until *stop is set (the
 * slots stay open), then saves the engine (sdd_engine_sync: history, and the
 * open slots when state_file is set). Logs the counters every stats_every
 * seconds and once at the end; with metrics_listen, publishes them and its
 * health every second. On *reload, reads the configuration file and the
 * inventory again (a refused file is logged and changes nothing). Tells a
 * service manager that it is ready, alive, reloading and stopping
 * (notify.h). Returns the exit code. */
int sdd_daemon_run(sdd_daemon *d);
/* Closes the engine and the output, leaves the consumer group (committing). */
void sdd_daemon_free(sdd_daemon *d);

#endif
