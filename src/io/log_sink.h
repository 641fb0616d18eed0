/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log_sink.h: where the log lines of sddd and of the plugin's engine
 * process go, in pmacct's line form `LEVEL ( TAG ): message`: stderr by
 * default; a file (each line after its UTC time, as pmacct's logfile) and/or
 * syslog when the configuration says so (keys logfile, syslog, log_level).
 * An sdd_logger whose ctx is a sink writes there (sdd_log_sink_write). */
#ifndef SDD_IO_LOG_SINK_H
#define SDD_IO_LOG_SINK_H

#include "io/sources.h"

typedef struct sdd_log_sink {
    const char *tag;                    /* "sddd/core"; the plugin's "NAME/sdd" */
    sdd_log_level level;                /* the least severe level written */
    int fd;                             /* stderr, or a file; -1 when only syslog */
    int stamp;                          /* each line after its time (a file) */
    int owned;                          /* fd opened by sdd_log_sink_configure */
    int facility;                       /* syslog's facility; -1 not used */
} sdd_log_sink;

/* Lines of every level to fd, stamped when `stamp`. */
void sdd_log_sink_init(sdd_log_sink *s, const char *tag, int fd, int stamp);
/* The configuration's keys: level "error", "warning" or "info" ("" keeps
 * the level), file a path to append to ("" keeps fd), facility a syslog
 * facility as pmacct names them ("daemon", "local0".."local7", ...; ""
 * none). With a facility and no file, lines go to syslog only. -1 with the
 * key and the reason in err (nothing changed then). */
int sdd_log_sink_configure(sdd_log_sink *s, const char *level, const char *file, const char *facility,
                           sdd_error *err);
/* Closes the file it opened. */
void sdd_log_sink_close(sdd_log_sink *s);
/* An sdd_logger's fn: ctx is the sink. One write(2) per line, so that the
 * lines of several processes on one file do not mix. */
void sdd_log_sink_write(void *ctx, sdd_log_level level, const char *msg);

#endif
