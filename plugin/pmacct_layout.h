/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmacct_layout.h: where pmacct puts each custom primitive of a plugin, worked
 * out from nfacctd's own configuration file.
 *
 * print() gets the custom primitives as raw bytes (pcust) and, for those of
 * variable length, as tagged entries of the vlen area; the layout lives in
 * nfacctd's memory only, and nfacctd exports no symbol to read it. So it is
 * computed again here, the way pmacct computes it: the custom primitives are
 * the names of the plugin's aggregate line that are not pmacct's own, in the
 * order of the line; each takes its map length (3 * len + 1 for `raw`) in
 * pcust, except `len=vlen` ones, which go in the vlen area tagged with their
 * map entry's bit. No pmacct header is needed here.
 */
#ifndef SDD_PLUGIN_PMACCT_LAYOUT_H
#define SDD_PLUGIN_PMACCT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define SDD_CUSTOM_MAX 64       /* pmacct's MAX_CUSTOM_PRIMITIVES */
#define SDD_CUSTOM_NAME_MAX 32  /* pmacct's MAX_CUSTOM_PRIMITIVE_NAMELEN */

/* The `semantics` of a custom primitives map entry. */
typedef enum sdd_custom_semantics {
    SDD_SEM_NONE = 0, SDD_SEM_UINT, SDD_SEM_HEX, SDD_SEM_STR, SDD_SEM_IP, SDD_SEM_MAC, SDD_SEM_RAW
} sdd_custom_semantics;

typedef struct sdd_custom_field {
    char name[SDD_CUSTOM_NAME_MAX];
    sdd_custom_semantics semantics;
    uint16_t len;               /* bytes as exported; 0 for variable length */
    int vlen;                   /* 1: in the vlen area, found by vlen_type */
    uint16_t off;               /* fixed length: where it starts in pcust */
    uint64_t vlen_type;         /* variable length: the tag of its vlen entry */
} sdd_custom_field;

typedef struct sdd_pmacct_layout {
    sdd_custom_field field[SDD_CUSTOM_MAX];
    int n;
    size_t pcust_len;           /* bytes of pcust, padded to 8 as pmacct does */
    char log_file[4096];        /* nfacctd's `logfile` (the last), "" when it logs elsewhere */
} sdd_pmacct_layout;

/* Reads nfacctd's configuration file (its `aggregate` or `aggregate[plugin]`
 * line, its `aggregate_primitives` map and its `logfile`, where the engine
 * process writes its lines too) and lays out the custom primitives
 * of that plugin. builtin lists the names pmacct's aggregate knows itself
 * (NULL-terminated; SDD_PMACCT_AGGREGATE_NAMES of the pmacct tree). -1 with
 * err when a file cannot be read or a name is neither pmacct's nor mapped. */
int sdd_layout_load(sdd_pmacct_layout *l, const char *nfacctd_conf, const char *plugin,
                    const char *const *builtin, char *err, size_t errlen);

/* The custom primitive called name, or NULL when the aggregate has none. */
const sdd_custom_field *sdd_layout_find(const sdd_pmacct_layout *l, const char *name);

#endif
