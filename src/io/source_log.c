/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source_log.c: how the sources and the daemon report events: one line per
 * event through the caller's logger, and a rate limit for errors that
 * repeat (a broker that is down says so every few seconds). */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <string.h>
#include <time.h>

#include "io/sources.h"

const char *sdd_log_level_name(sdd_log_level level)
{
    static const char *const names[] = {"error", "warning", "info"};
    return level <= SDD_LOG_INFO ? names[level] : "?";
}

void sdd_logf(const sdd_logger *log, sdd_log_level level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (!log || !log->fn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* one event, one line: a newline inside (a librdkafka message) would split it */
    for (char *c = msg; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    log->fn(log->ctx, level, msg);
}

double sdd_now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sdd_ratelimit_init(sdd_ratelimit *rl, double interval)
{
    memset(rl, 0, sizeof(*rl));
    rl->interval = interval;
}

/* The slot of key; a new one, or when all are taken the least recently
 * logged one, which is then forgotten. */
static int slot_of(sdd_ratelimit *rl, const char *key)
{
    int oldest = 0;

    for (int i = 0; i < rl->n; i++) {
        if (strcmp(rl->slot[i].key, key) == 0)
            return i;
        if (rl->slot[i].last < rl->slot[oldest].last)
            oldest = i;
    }
    int i = rl->n < SDD_RATELIMIT_KEYS ? rl->n++ : oldest;
    snprintf(rl->slot[i].key, sizeof(rl->slot[i].key), "%s", key);
    rl->slot[i].suppressed = 0;
    rl->slot[i].last = -1;
    return i;
}

int sdd_ratelimit_allow(sdd_ratelimit *rl, const char *key, double now, uint64_t *suppressed)
{
    int i = slot_of(rl, key);

    if (rl->slot[i].last >= 0 && now - rl->slot[i].last < rl->interval) {
        rl->slot[i].suppressed++;
        return 0;
    }
    *suppressed = rl->slot[i].suppressed;
    rl->slot[i].suppressed = 0;
    rl->slot[i].last = now;
    return 1;
}

void sdd_log_limited(const sdd_logger *log, sdd_ratelimit *rl, sdd_log_level level, const char *key,
                     const char *prefix, const char *msg)
{
    uint64_t held = 0;

    if (!sdd_ratelimit_allow(rl, key, sdd_now_seconds(), &held))
        return;
    if (held)
        sdd_logf(log, level, "%s: %s (%llu more like it not logged)", prefix, msg, (unsigned long long)held);
    else
        sdd_logf(log, level, "%s: %s", prefix, msg);
}

void sdd_kafka_log_error(const sdd_logger *log, sdd_ratelimit *rl, const char *prefix, int fatal, int err,
                         const char *reason)
{
    char key[64];

    snprintf(key, sizeof(key), "error %d", err);
    sdd_log_limited(log, rl, fatal ? SDD_LOG_ERROR : SDD_LOG_WARNING, key, prefix, reason);
}

void sdd_kafka_log_line(const sdd_logger *log, sdd_ratelimit *rl, const char *prefix, int level, const char *fac,
                        const char *buf)
{
    char key[64];

    if (level > LOG_WARNING || strcmp(fac, "FAIL") == 0)
        return;
    snprintf(key, sizeof(key), "log %.50s", fac);
    sdd_log_limited(log, rl, level <= LOG_ERR ? SDD_LOG_ERROR : SDD_LOG_WARNING, key, prefix, buf);
}
