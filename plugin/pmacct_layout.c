/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmacct_layout.c: the layout of a plugin's custom primitives, computed from
 * nfacctd's configuration file as pmacct computes it (pmacct_layout.h). */
#include "pmacct_layout.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 10240      /* pmacct reads configuration lines this long */
#define VARIABLE_LENGTH 65535   /* pmacct's PM_VARIABLE_LENGTH */
#define CUSTOM_TAG_BASE 0xFFFF000000000000ULL   /* pmacct's COUNT_INDEX_CP */

/* One entry of the custom primitives map, in the order pmacct numbers them. */
typedef struct map_entry {
    char name[SDD_CUSTOM_NAME_MAX];
    sdd_custom_semantics semantics;
    unsigned len;               /* VARIABLE_LENGTH for vlen */
    int has_source;             /* field_type or packet_ptr given */
} map_entry;

typedef struct custom_map {
    map_entry e[SDD_CUSTOM_MAX];
    int n;
} custom_map;

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
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* pmacct drops every space of an aggregate value and lowers it. */
static void squeeze_lower(char *s)
{
    char *d = s;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            *d++ = (char)tolower((unsigned char)*s);
    *d = '\0';
}

/* What is read from the files, too big for the stack. */
typedef struct conf_read {
    char line[LINE_MAX_LEN];
    char aggregate[LINE_MAX_LEN];
    char map_path[LINE_MAX_LEN];
    char log_file[sizeof(((sdd_pmacct_layout *)0)->log_file)];
    custom_map map;
} conf_read;

/* ---- nfacctd.conf --------------------------------------------------------- */

/* Is key (spaces already gone) `aggregate` or `aggregate[plugin]`? */
static int is_aggregate_key(const char *key, const char *plugin)
{
    if (strcmp(key, "aggregate") == 0)
        return 1;
    size_t n = strlen("aggregate[");
    if (!plugin || strncasecmp(key, "aggregate[", n) != 0)
        return 0;
    size_t pl = strlen(plugin);
    return strncmp(key + n, plugin, pl) == 0 && strcmp(key + n + pl, "]") == 0;
}

/* The plugin's aggregate value, the map path and the logfile; the last line wins, as
 * each line overrides the earlier ones in pmacct. */
static int read_conf(const char *path, const char *plugin, conf_read *r, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errlen, "%s: cannot read nfacctd's configuration", path);
    while (fgets(r->line, sizeof(r->line), f)) {
        char *s = trim(r->line), *colon = strchr(s, ':');
        if (*s == '!' || !colon)
            continue;
        *colon = '\0';
        squeeze_lower(s);
        char *value = trim(colon + 1);
        if (is_aggregate_key(s, plugin))
            snprintf(r->aggregate, sizeof(r->aggregate), "%s", value);
        else if (strcmp(s, "aggregate_primitives") == 0)
            snprintf(r->map_path, sizeof(r->map_path), "%s", value);
        else if (strcmp(s, "logfile") == 0)
            snprintf(r->log_file, sizeof(r->log_file), "%s", value);
    }
    fclose(f);
    if (!r->aggregate[0])
        return fail(err, errlen, "%s: no aggregate line for plugin %s", path, plugin ? plugin : "(any)");
    return 0;
}

/* ---- the custom primitives map -------------------------------------------- */

static sdd_custom_semantics semantics_of(const char *v)
{
    static const struct { const char *word; sdd_custom_semantics sem; } words[] = {
        {"u_int", SDD_SEM_UINT}, {"hex", SDD_SEM_HEX}, {"str", SDD_SEM_STR},
        {"ip", SDD_SEM_IP}, {"mac", SDD_SEM_MAC}, {"raw", SDD_SEM_RAW},
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strncmp(v, words[i].word, strlen(words[i].word)) == 0)
            return words[i].sem;
    return SDD_SEM_NONE;
}

/* A length as pmacct takes it: a number below 65535, or "vlen"; 0 if neither. */
static unsigned len_of(const char *v)
{
    int n = atoi(v);
    if (n > 0 && n < VARIABLE_LENGTH)
        return (unsigned)n;
    return n == 0 && strncmp(v, "vlen", 4) == 0 ? VARIABLE_LENGTH : 0;
}

static int map_has(const custom_map *m, const char *name)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->e[i].name, name) == 0)
            return 1;
    return 0;
}

/* Reads one `key=value ...` line into e; 0 when a key makes pmacct skip the
 * line (a repeated name, a zero field type). */
static int parse_map_line(char *s, const custom_map *m, map_entry *e)
{
    memset(e, 0, sizeof(*e));
    for (char *save = NULL, *tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *k = tok, *v = eq + 1;
        if (strcmp(k, "name") == 0) {
            snprintf(e->name, sizeof(e->name), "%s", v);
            squeeze_lower(e->name);
            if (map_has(m, e->name))
                return 0;
        } else if (strcmp(k, "field_type") == 0) {
            const char *type = strchr(v, ':') ? strchr(v, ':') + 1 : v;  /* "pen:type" */
            if (atoi(type) == 0)
                return 0;
            e->has_source = 1;
        } else if (strcmp(k, "packet_ptr") == 0) {
            e->has_source = 1;
        } else if (strcmp(k, "len") == 0) {
            e->len = len_of(v);
        } else if (strcmp(k, "semantics") == 0) {
            e->semantics = semantics_of(v);
        }
    }
    return 1;
}

/* pmacct keeps an entry only when it is complete, and variable length only
 * for strings and raw bytes. */
static int entry_valid(const map_entry *e)
{
    if (!e->name[0] || !e->has_source || !e->len || e->semantics == SDD_SEM_NONE)
        return 0;
    return e->len != VARIABLE_LENGTH || e->semantics == SDD_SEM_STR || e->semantics == SDD_SEM_RAW;
}

static int read_map(const char *path, custom_map *m, char *err, size_t errlen)
{
    m->n = 0;
    if (!path[0])
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errlen, "%s: cannot read the custom primitives map", path);
    char line[1024];
    map_entry e;
    while (fgets(line, sizeof(line), f) && m->n + 1 < SDD_CUSTOM_MAX) {
        char *s = trim(line);
        if (*s && *s != '!' && parse_map_line(s, m, &e) && entry_valid(&e))
            m->e[m->n++] = e;
    }
    fclose(f);
    return 0;
}

/* ---- the layout ------------------------------------------------------------ */

static int is_builtin(const char *name, const char *const *builtin)
{
    for (; *builtin; builtin++)
        if (strcmp(name, *builtin) == 0)
            return 1;
    return 0;
}

/* Appends the custom primitive name (map entry index i) to the layout. */
static void add_field(sdd_pmacct_layout *l, const map_entry *e, int i)
{
    sdd_custom_field *f = &l->field[l->n++];
    snprintf(f->name, sizeof(f->name), "%s", e->name);
    f->semantics = e->semantics;
    if (e->len == VARIABLE_LENGTH) {
        f->vlen = 1;
        f->vlen_type = CUSTOM_TAG_BASE | (1ULL << i);
        return;
    }
    f->len = (uint16_t)e->len;
    f->off = (uint16_t)l->pcust_len;
    l->pcust_len += e->semantics == SDD_SEM_RAW ? 3 * e->len + 1 : e->len;
}

static int lay_out(sdd_pmacct_layout *l, char *aggregate, const custom_map *m,
                   const char *const *builtin, char *err, size_t errlen)
{
    squeeze_lower(aggregate);
    for (char *save = NULL, *name = strtok_r(aggregate, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        if (is_builtin(name, builtin))
            continue;
        int i = 0;
        while (i < m->n && strcmp(m->e[i].name, name) != 0)
            i++;
        if (i == m->n)
            return fail(err, errlen, "aggregate primitive '%s' is neither pmacct's nor in the custom primitives map", name);
        if (l->n == SDD_CUSTOM_MAX)
            return fail(err, errlen, "more than %d custom primitives", SDD_CUSTOM_MAX);
        add_field(l, &m->e[i], i);
    }
    if (l->pcust_len % 8)
        l->pcust_len += 8 - l->pcust_len % 8;
    return 0;
}

int sdd_layout_load(sdd_pmacct_layout *l, const char *nfacctd_conf, const char *plugin,
                    const char *const *builtin, char *err, size_t errlen)
{
    memset(l, 0, sizeof(*l));
    conf_read *r = calloc(1, sizeof(*r));
    if (!r)
        return fail(err, errlen, "out of memory");
    int rc = read_conf(nfacctd_conf, plugin, r, err, errlen);
    if (rc == 0)
        rc = read_map(r->map_path, &r->map, err, errlen);
    if (rc == 0)
        rc = lay_out(l, r->aggregate, &r->map, builtin, err, errlen);
    memcpy(l->log_file, r->log_file, sizeof(l->log_file));
    free(r);
    return rc;
}

const sdd_custom_field *sdd_layout_find(const sdd_pmacct_layout *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->field[i].name, name) == 0)
            return &l->field[i];
    return NULL;
}
