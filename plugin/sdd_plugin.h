/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sdd_plugin.h: what the pmacct side of sdd_pmacct.so (sdd_pmacct.c, which
 * runs in nfacctd's print plugin and its writers) needs from the engine side
 * (the thread in the print plugin process that runs the detection engine and
 * the outputs).
 *
 * The engine side is written in a second phase, against the project's I/O
 * library: these functions are declared here and not defined yet.
 */
#ifndef SDD_PLUGIN_H
#define SDD_PLUGIN_H

#include <stddef.h>

#include "handover.h"

/* What the pmacct side needs to know before nfacctd forks any writer. */
typedef struct sdd_plugin_settings {
    char nfacctd_conf[4096];    /* nfacctd's configuration file: the layout of custom primitives */
    char plugin_name[64];       /* the print plugin's name in it, as in aggregate[NAME] */
    sdd_handover_size handover; /* slots (>= print_max_writers) and records per slot */
} sdd_plugin_settings;

/* Reads the plugin's configuration file (print_output_custom_cfg_file; NULL
 * when nfacctd's configuration names none) for what the pmacct side needs.
 * -1 with err when the file is missing or wrong. */
int sdd_plugin_settings_load(const char *cfg_file, sdd_plugin_settings *s, char *err, size_t errlen);

/* Starts the engine: it loads the configuration, then drains h into the
 * engine until sdd_plugin_engine_finish. Called once, from plugin_init in the
 * print plugin process, before the first writer is forked. A thread there can
 * deadlock pmacct's SIGINT handler (docs/plugin.md, "Seen running nfacctd with
 * the plugin"): a process of its own is the safer shape. */
int sdd_plugin_engine_start(const char *cfg_file, sdd_handover *h, char *err, size_t errlen);

/* Called after pmacct's last purge, which runs in the print plugin process
 * inside its SIGINT handler just before it exits: waits until the engine
 * thread has drained h, handed everything to the engine and flushed the
 * outputs. Must only wait on atomics and the thread, as a signal handler may. */
void sdd_plugin_engine_finish(sdd_handover *h);

#endif
