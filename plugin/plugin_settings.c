/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plugin_settings.c: the plugin's own keys in its configuration file (see
 * sdd_plugin.h).
 *
 * The file is sddd's (read by the daemon loop with sdd_settings_load, which
 * refuses a key it does not know), plus what only the plugin needs: where
 * nfacctd's configuration is (the layout of the custom primitives), the
 * print plugin's name in it, and how often to log the counters. Those lines are read here and handed to the
 * daemon as comments, in an in-memory copy of the file with the same line
 * numbers, so that its messages point at the operator's lines.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sdd_plugin.h"

#define LINE_MAX_LEN 8192

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Splits "key: value" (key lowered, as pmacct and the engine read keys);
 * 0 for a comment or a blank line. */
static int split_line(char *line, char **key, char **value)
{
    char *s = trim(line), *colon = strchr(s, ':');
    if (!*s || *s == '!' || *s == '#' || !colon)
        return 0;
    *colon = '\0';
    *key = trim(s);
    *value = trim(colon + 1);
    for (char *p = *key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 1;
}

static int copy_value(char *dst, size_t size, const char *key, const char *value, char *err,
                      size_t errlen)
{
    if (!*value || strlen(value) >= size)
        return fail(err, errlen, "%s: empty or longer than %zu characters", key, size - 1);
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

static int int_value(int *dst, const char *key, const char *value, long min, long max, char *err,
                     size_t errlen)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max)
        return fail(err, errlen, "%s: '%s' is not a whole number from %ld to %ld", key, value, min, max);
    *dst = (int)v;
    return 0;
}

/* 1 when the line is one of the plugin's keys (taken into s), 0 when it is
 * the daemon's, -1 on a bad value. */
static int plugin_key(sdd_plugin_settings *s, const char *line, char *err, size_t errlen)
{
    char buf[LINE_MAX_LEN], *key, *value;
    snprintf(buf, sizeof(buf), "%s", line);
    if (!split_line(buf, &key, &value))
        return 0;
    if (strcmp(key, "pmacct_config") == 0)
        return copy_value(s->nfacctd_conf, sizeof(s->nfacctd_conf), key, value, err, errlen) < 0 ? -1 : 1;
    if (strcmp(key, "pmacct_plugin") == 0)
        return copy_value(s->plugin_name, sizeof(s->plugin_name), key, value, err, errlen) < 0 ? -1 : 1;
    if (strcmp(key, "stats_every") == 0)
        return int_value(&s->stats_every, key, value, 1, 86400, err, errlen) < 0 ? -1 : 1;
    return 0;
}

/* Copies the file into the daemon's in-memory copy, the plugin's lines
 * commented out. */
static int read_cfg(sdd_plugin_settings *s, FILE *in, FILE *out, char *err, size_t errlen)
{
    char line[LINE_MAX_LEN], why[512];
    int lineno = 0;
    while (fgets(line, sizeof(line), in)) {
        lineno++;
        int rc = plugin_key(s, line, why, sizeof(why));
        if (rc < 0)
            return fail(err, errlen, "%s:%d: %s", s->cfg_file, lineno, why);
        if (fprintf(out, "%s%s", rc ? "! " : "", line) < 0)
            return fail(err, errlen, "copying %s: %s", s->cfg_file, strerror(errno));
    }
    if (ferror(in))
        return fail(err, errlen, "%s: %s", s->cfg_file, strerror(errno));
    return fflush(out) == 0 ? 0 : fail(err, errlen, "copying %s: %s", s->cfg_file, strerror(errno));
}

static int load_cfg(sdd_plugin_settings *s, char *err, size_t errlen)
{
    FILE *in = fopen(s->cfg_file, "r");
    if (!in)
        return fail(err, errlen, "%s: %s", s->cfg_file, strerror(errno));
    s->daemon_conf_fd = memfd_create("sdd_pmacct.conf", 0);
    FILE *out = s->daemon_conf_fd >= 0 ? fdopen(dup(s->daemon_conf_fd), "w") : NULL;
    int rc = out ? read_cfg(s, in, out, err, errlen)
                 : fail(err, errlen, "memfd_create: %s", strerror(errno));
    fclose(in);
    if (out)
        fclose(out);
    return rc;
}

/* pmacct titles the print plugin process "nfacctd: Print Plugin [NAME]",
 * over its command line: the name, when the configuration gives none. */
static int name_from_title(char *name, size_t size)
{
    char title[512] = {0};
    FILE *f = fopen("/proc/self/cmdline", "r");
    if (!f)
        return -1;
    size_t n = fread(title, 1, sizeof(title) - 1, f);
    fclose(f);
    title[n] = '\0';
    const char *open = strstr(title, "Plugin ["), *close = open ? strchr(open, ']') : NULL;
    if (!close || (size_t)(close - open - 8) >= size || close == open + 8)
        return -1;
    memcpy(name, open + 8, (size_t)(close - open - 8));
    name[close - open - 8] = '\0';
    return 0;
}

/* nfacctd's `logfile` (the last one, as pmacct takes it): the engine process
 * writes its lines there too, so that they are where the operator looks. */
static void find_log_file(sdd_plugin_settings *s)
{
    char line[LINE_MAX_LEN], *key, *value;
    FILE *f = fopen(s->nfacctd_conf, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (split_line(line, &key, &value) && strcmp(key, "logfile") == 0)
            snprintf(s->log_file, sizeof(s->log_file), "%s", value);
    fclose(f);
}

int sdd_plugin_settings_load(const char *cfg_file, sdd_plugin_settings *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    s->daemon_conf_fd = -1;
    s->handover = (sdd_handover_size){.slots = 16, .slot_records = (size_t)1 << 15};
    s->stats_every = 60;
    if (!cfg_file || !*cfg_file)
        return fail(err, errlen, "print_output_custom_cfg_file is not set: it names pmacct-sdd's configuration");
    if (strlen(cfg_file) >= sizeof(s->cfg_file))
        return fail(err, errlen, "print_output_custom_cfg_file: path too long");
    snprintf(s->cfg_file, sizeof(s->cfg_file), "%s", cfg_file);
    if (load_cfg(s, err, errlen) < 0)
        return -1;
    if (!s->nfacctd_conf[0])
        return fail(err, errlen, "%s: pmacct_config is not set: it names nfacctd's configuration file "
                                 "(where the plugin finds its aggregate line and custom primitives)",
                    s->cfg_file);
    if (access(s->nfacctd_conf, R_OK) < 0)
        return fail(err, errlen, "%s: pmacct_config: %s: %s", s->cfg_file, s->nfacctd_conf, strerror(errno));
    if (!s->plugin_name[0] && name_from_title(s->plugin_name, sizeof(s->plugin_name)) < 0)
        return fail(err, errlen, "%s: pmacct_plugin is not set and the process title gives no plugin name",
                    s->cfg_file);
    find_log_file(s);
    return 0;
}
