/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log_sink.c: see log_sink.h. The names of levels and facilities are
 * pmacct's, so that an operator routes sddd's lines as nfacctd's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "io/log_sink.h"
#include "util/error.h"

static const char *const level_tags[] = {"ERROR", "WARN", "INFO"};     /* as pmacct writes them */
static const int priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO};

static const struct {
    const char *name;
    int value;
} facilities[] = {
    {"auth", LOG_AUTH},     {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"kern", LOG_KERN},
    {"user", LOG_USER},     {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
};

void sdd_log_sink_init(sdd_log_sink *s, const char *tag, int fd, int stamp)
{
    *s = (sdd_log_sink){.tag = tag, .level = SDD_LOG_INFO, .fd = fd, .stamp = stamp, .facility = -1};
}

static int parse_level(const char *text, sdd_log_level *out)
{
    static const char *const names[] = {"error", "warning", "info"};

    for (int i = 0; i <= SDD_LOG_INFO; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (sdd_log_level)i;
            return 0;
        }
    return -1;
}

static int parse_facility(const char *text)
{
    for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
        if (strcmp(text, facilities[i].name) == 0)
            return facilities[i].value;
    return -1;
}

int sdd_log_sink_configure(sdd_log_sink *s, const char *level, const char *file, const char *facility,
                           sdd_error *err)
{
    sdd_log_level lv = s->level;
    int fac = -1, fd = s->fd;

    if (*level && parse_level(level, &lv) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "log_level: '%s' is none of error, warning, info", level);
    if (*facility && (fac = parse_facility(facility)) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "syslog: '%s' is no facility (auth, mail, daemon, kern, user, "
                                            "local0 .. local7)", facility);
    if (*file && (fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "logfile: %s: %s", file, strerror(errno));
    if (*file) {
        sdd_log_sink_close(s);
        s->owned = 1;
        s->stamp = 1;
    } else if (fac >= 0) {
        fd = -1;                        /* pmacct: syslog instead of stderr */
    }
    if (fac >= 0)
        openlog(NULL, LOG_PID, fac);
    s->fd = fd;
    s->level = lv;
    s->facility = fac;
    return 0;
}

void sdd_log_sink_close(sdd_log_sink *s)
{
    if (s->owned)
        close(s->fd);
    s->owned = 0;
}

void sdd_log_sink_write(void *ctx, sdd_log_level level, const char *msg)
{
    const sdd_log_sink *s = ctx;
    char stamp[40] = "", line[2048];
    time_t now;
    struct tm tm;

    if (level > s->level || level > SDD_LOG_INFO)
        return;
    if (s->facility >= 0)
        syslog(priorities[level], "%s ( %s ): %s", level_tags[level], s->tag, msg);
    if (s->fd < 0)
        return;
    if (s->stamp) {
        now = time(NULL);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", gmtime_r(&now, &tm));
    }
    int n = snprintf(line, sizeof(line), "%s%s ( %s ): %s\n", stamp, level_tags[level], s->tag, msg);
    if (n > (int)sizeof(line) - 1)      /* cut, but still one line */
        n = (int)sizeof(line) - 1, line[n - 1] = '\n';
    ssize_t rc = write(s->fd, line, (size_t)n);
    (void)rc;                           /* nowhere to say that the log failed */
}
