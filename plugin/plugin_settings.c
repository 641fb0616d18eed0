/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plugin_settings.c: the plugin's own keys in its configuration file (see
 * sdd_plugin.h).
 *
 * The file is sddd's plus what only the plugin needs: where nfacctd's
 * configuration is (the layout of the custom primitives), the print
 * plugin's name in it, and how often to log the counters. The whole file is
 * read here once, in plugin_init, so that any mistake in it stops nfacctd
 * with the file, the line and the reason; the engine process reads it again
 * with the same table for the plugin's keys.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/settings.h"
#include "sdd_plugin.h"
#include "util/error.h"
#include "util/settings.h"

static const sdd_setting table[] = {
    SDD_SETTING_TEXT(sdd_plugin_settings, pmacct_config),
    SDD_SETTING_TEXT(sdd_plugin_settings, pmacct_plugin),
    SDD_SETTING_INT(sdd_plugin_settings, stats_every, 1, 86400),
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

int sdd_plugin_settings_key(void *ctx, const char *key, const char *scope, const char *value, sdd_error *err)
{
    const sdd_setting *d = sdd__setting_find(table, N_TABLE, key);

    if (!d)
        return 0;
    if (scope && *scope)
        return sdd__fail(err, SDD_E_CONFIG, "%s: a setting of the plugin cannot be scoped to profile '%s'", key,
                         scope);
    return sdd__setting_apply(d, ctx, value, err) < 0 ? -1 : 1;
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

/* Every line of the file, sddd's and the engine's included. */
static int read_file(sdd_plugin_settings *s, sdd_error *err)
{
    sdd_config *cfg = sdd_config_new();
    sdd_settings daemon;

    if (!cfg)
        return sdd__fail(err, SDD_E_NOMEM, "out of memory");
    sdd_settings_init(&daemon);
    int rc = sdd_settings_load_with(&daemon, cfg, s->cfg_file, sdd_plugin_settings_key, s, err);
    sdd_config_free(cfg);
    return rc;
}

int sdd_plugin_settings_load(const char *cfg_file, sdd_plugin_settings *s, sdd_error *err)
{
    memset(s, 0, sizeof(*s));
    s->handover = (sdd_handover_size){.slots = 16, .slot_records = (size_t)1 << 15};
    s->stats_every = 60;
    if (!cfg_file || !*cfg_file)
        return sdd__fail(err, SDD_E_CONFIG,
                         "print_output_custom_cfg_file is not set: it names pmacct-sdd's configuration");
    if (strlen(cfg_file) >= sizeof(s->cfg_file))
        return sdd__fail(err, SDD_E_CONFIG, "print_output_custom_cfg_file: path too long");
    snprintf(s->cfg_file, sizeof(s->cfg_file), "%s", cfg_file);
    if (read_file(s, err) < 0)
        return -1;
    if (!s->pmacct_config[0])
        return sdd__fail(err, SDD_E_CONFIG,
                         "%s: pmacct_config is not set: it names nfacctd's configuration file "
                         "(where the plugin finds its aggregate line and custom primitives)", s->cfg_file);
    if (access(s->pmacct_config, R_OK) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "%s: pmacct_config: %s: %s", s->cfg_file, s->pmacct_config,
                         strerror(errno));
    if (!s->pmacct_plugin[0] && name_from_title(s->pmacct_plugin, sizeof(s->pmacct_plugin)) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "%s: pmacct_plugin is not set and the process title gives no plugin name",
                         s->cfg_file);
    return 0;
}
