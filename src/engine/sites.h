/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sites.h: per-termination (per-site) evidence of a service of several sites.
 *
 * A whole site going silent is a dip of its service that the service's own
 * judgement often misses (one site of three: a 30 to 45 % fall), and drops at
 * one site are diluted the same way. So each site of a service gets its own
 * sums of each slot, and what it usually is, to be compared with its
 * service's other sites.
 *
 * What is kept, and why: a per-site history like the service's (one week at
 * one minute, three weeks at 15 minutes: ~114 KB) would break the memory goal
 * of 128 KiB per service. A site needs less, because it is judged against its
 * service's other sites in the same slot, not against past weeks: the
 * service's traffic carries the time of day and week, a site's share of it
 * moves slowly. Per site (its service's first SDD_SITES_TRACKED terminations,
 * in inventory order):
 *  - the sums of the open and late slots (SDD_SM_*), in rows numbered like
 *    the service's (slots.h), so that the newest closed slots stay readable;
 *  - its usual share of its service's TCP and UDP bytes and its usual share
 *    of bytes dropped: running levels over about SDD_SITE_LEARN_SLOTS slots,
 *    not learned from a slot in which the site is judged fallen or dropping
 *    (a blackhole must not become the new normal);
 *  - a fall in progress: its first slot, and whether the site's routes
 *    changed as it began (a traffic shift by routing, not a silent loss);
 *    a fall begins against the site's own bytes of the three slots before
 *    too, still in the rows.
 *  - its TCP and UDP bytes of each of the last SDD_SITE_RECENT_SLOTS closed
 *    slots, 16-bit codes as history.c keeps values (within 1 %): only for
 *    the validation page's plot of the site (sdd_engine_site_traffic),
 *    never judged. Not in the checkpoint: after a restart it fills again.
 * 4 sites of 24 rows (the defaults' 14 open and 10 late slots) cost 3.8 KB,
 * and their recent bytes 1.9 KB (480 bytes a site); a service gets them when
 * a flow of its second site comes: a single-site service costs nothing and
 * is judged as before. */
#ifndef SDD_ENGINE_SITES_H
#define SDD_ENGINE_SITES_H

#include <stdint.h>

#include "sdd/sdd.h"                    /* SDD_SITE_RECENT_SLOTS */

#define SDD_SITES_TRACKED 4             /* a service's first terminations judged per site */

/* What a site sums per slot. */
enum {
    SDD_SM_BYTES,                       /* TCP and UDP bytes forwarded: what the volume detector compares */
    SDD_SM_OTHER_BYTES,                 /* other protocols' bytes forwarded */
    SDD_SM_DROP_BYTES,                  /* all drop reasons */
    SDD_SM_DROP_PACKETS,
    SDD_SM_ROUTES,                      /* BMP updates and withdrawals of the site's RD */
    SDD_SM_COUNT
};

/* A running level learns 1/SDD_SITE_LEARN_SLOTS of each slot; a site is
 * judged once it has learned that many slots. */
#define SDD_SITE_LEARN_SLOTS 30
/* A site has fallen when it carries less than this part of what its usual
 * share of its service's traffic says it should, its service's other sites
 * read as they are in the same slot (sdd__sites_expected). A silent
 * blackhole leaves 2 to 8 %; a site's traffic wanders by 10 to 25 % a minute
 * around its usual share. */
#define SDD_SITE_FALL_FRACTION 0.2
/* A fall ends when the site is back above this part of it: one fall, not
 * several, for a site wandering around SDD_SITE_FALL_FRACTION (a blackhole
 * letting a varying little through, or a site whose traffic moved away
 * while its usual share is learned down). A fall begins only when the site
 * is also under this part of its own bytes in the slots just before
 * (sites.c): an abrupt fall of its own, not another site's rise. */
#define SDD_SITE_BACK_FRACTION 0.5
/* Bytes per minute a site must be expected to carry to be judged (about 7
 * kbit/s): less is too few packets to tell a fall from chance. */
#define SDD_SITE_MIN_BYTES_PER_MINUTE 50000.0
/* A site carrying more than this share is its service: the service's own
 * judgement sees its fall. */
#define SDD_SITE_MAX_SHARE 0.95

typedef struct sdd_site {
    float share;                        /* usual share of the service's TCP and UDP bytes */
    float drop_share;                   /* usual share of its bytes dropped */
    uint16_t learned;                   /* slots learned, up to SDD_SITE_LEARN_SLOTS */
    uint8_t moved;                      /* its routes changed as the fall began */
    int64_t fell;                       /* first slot of a fall in progress; INT64_MIN none */
} sdd_site;

typedef struct sdd__sites {
    double *rows;                       /* n_rows rows of SDD_SITES_TRACKED * SDD_SM_COUNT */
    int n_rows;
    sdd_site site[SDD_SITES_TRACKED];
    int64_t judged;                     /* the newest slot judged per site; INT64_MIN none */
    uint16_t *recent;                   /* SDD_SITE_RECENT_SLOTS rows of SDD_SITES_TRACKED codes, row slot % that */
    int64_t recent_newest;              /* the newest slot in recent; INT64_MIN none */
} sdd__sites;

/* NULL when out of memory. */
sdd__sites *sdd__sites_new(int n_rows);
void sdd__sites_free(sdd__sites *s);
/* The SDD_SM_COUNT sums of site `site` in row `row` (sdd__slot_row); the
 * caller of a const set only reads them. */
double *sdd__sites_sums(const sdd__sites *s, int row, int site);
void sdd__sites_clear_row(sdd__sites *s, int row);

/* The TCP and UDP bytes site `site` of the service's first n is expected to
 * carry in row `row`: what each other site that has learned its share says
 * (its bytes times the ratio of the two usual shares), the least of them. A
 * site whose link fills up (ten times its traffic) says far more than the
 * others: their sum would make every other site look fallen for as long as
 * it lasts, and the first dip of one begin a fall. 0 when the site is not
 * judged (not learned yet, too little traffic, the whole service, or no
 * other site to tell). */
double sdd__sites_expected(const sdd__sites *s, int row, int n, int site, int step);
/* 1 when the site's share of dropped bytes (sums: its slot) is
 * share_threshold or more above its usual one. */
int sdd__site_dropping(const sdd_site *u, const double *sums, double share_threshold);
/* The share of a site's bytes (sums: its slot) that was dropped. */
double sdd__site_drop_share(const double *sums);

/* The closed slot in row `row` judged for the service's first n sites (the
 * caller's to know that none of their exporters had a gap in it: a site on a
 * silent or late exporter is no evidence, and its share cannot be told):
 * each site's fall begins, goes on or ends, and what is usual is learned from
 * the sites that are neither fallen nor dropping. A slot without TCP or UDP
 * bytes is not judged. The slots before (three rows) must still be in rows. */
void sdd__sites_close(sdd__sites *s, int row, int64_t slot, int n, int step, double drop_share_threshold);

/* Keeps the TCP and UDP bytes of the first n sites in row, that of closed
 * slot `slot`, among their recent bytes; slots skipped since the last one
 * kept have none. */
void sdd__sites_keep(sdd__sites *s, int row, int64_t slot, int n);
/* Site `site`'s TCP and UDP bytes in closed slot `slot`: NAN when not kept
 * (older than SDD_SITE_RECENT_SLOTS slots, not closed yet, or skipped). */
double sdd__sites_recent(const sdd__sites *s, int site, int64_t slot);

/* The TCP and UDP bytes of the service's first n sites, in row. */
double sdd__sites_total(const sdd__sites *s, int row, int n);

#endif
