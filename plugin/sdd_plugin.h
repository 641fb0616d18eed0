/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sdd_plugin.h: what the pmacct side of sdd_pmacct.so (sdd_pmacct.c, which
 * runs in nfacctd's print plugin and its writers) needs from the engine side
 * (engine.c: a process of its own, forked from the print plugin, running
 * sddd's loop with the hand-over as its flow input).
 *
 * Why a process and not a thread: a second thread in the print plugin can
 * deadlock pmacct's SIGINT handler (docs/plugin.md, "Seen running nfacctd
 * with the plugin").
 */
#ifndef SDD_PLUGIN_H
#define SDD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "handover.h"
#include "sdd/sdd.h"

/* The plugin's configuration file (print_output_custom_cfg_file) is sddd's,
 * plus keys of the plugin's own (pmacct_config, pmacct_plugin, stats_every),
 * which the daemon never sees. */
typedef struct sdd_plugin_settings {
    char cfg_file[4096];        /* print_output_custom_cfg_file */
    char pmacct_config[4096];   /* nfacctd's configuration file */
    char pmacct_plugin[64];     /* the print plugin's name, as in aggregate[NAME] */
    char log_file[4096];        /* nfacctd's logfile (pmacct_layout.h), "" when it logs elsewhere */
    int stats_every;            /* seconds between counter lines (sddd's --stats-every) */
    sdd_handover_size handover; /* slots and records per slot */
} sdd_plugin_settings;

/* Reads cfg_file (NULL when nfacctd's configuration names none: an error),
 * every line of it, keeping the plugin's keys in s. -1 with the file, the
 * line and the reason in err. */
int sdd_plugin_settings_load(const char *cfg_file, sdd_plugin_settings *s, sdd_error *err);
/* One of the plugin's keys into the sdd_plugin_settings ctx (the daemon
 * loop's extra_keys): 1 taken, 0 not the plugin's, -1 refused (err). */
int sdd_plugin_settings_key(void *ctx, const char *key, const char *scope, const char *value, sdd_error *err);

/* Forks the engine process, which reads the rest of the configuration,
 * opens the output and the BMP input and loads the checkpoint, then drains h
 * into the engine until sdd_plugin_engine_finish or the print plugin's end.
 * Returns once the engine process has started (0), or failed to (-1 with
 * its reason in err; it has exited then). Called once, from plugin_init in
 * the print plugin process, before nfacctd forks any writer. */
int sdd_plugin_engine_start(const sdd_plugin_settings *s, sdd_handover *h, char *err, size_t errlen);

/* Called after pmacct's last purge, in the print plugin process inside its
 * SIGINT handler: tells the engine process that no record will come; it
 * drains what is left, takes its last checkpoint and exits, and the print
 * plugin's wait() for its children waits for that. Touches only atomics and
 * an eventfd, as a signal handler may. */
void sdd_plugin_engine_finish(sdd_handover *h);

/* Called at the end of a purge in a writer: when the engine process is gone
 * (it failed, or was killed), logs that the purge's aggregates are lost, to
 * nfacctd's logfile or stderr. One kill(2) per purge, one line per purge
 * at most (every print_refresh_time): never per aggregate. */
void sdd_plugin_engine_check(uint64_t aggregates);

#endif
