/* SPDX-License-Identifier: GPL-2.0-or-later */
/* web.h: the validation page, served on metrics_listen beside /metrics.
 *
 * GET /                 the relevant states of the notification store,
 *                       newest first, filtered by ?service= &stage=
 *                       &symptom= (an algorithm's name) &open=1
 * GET /state/ID         one relevant state: its revisions, its symptoms
 *                       with their semantics, its sites, a time line of
 *                       the symptom windows and a plot of the service's
 *                       traffic against its baseline weeks (SVG)
 * POST /state/ID/label  a validation or refinement label (form fields
 *                       action, annotator, comment), appended exactly as
 *                       `sddctl label` appends it; only with web_labels,
 *                       else 405 with the reason
 *
 * The pages read the store (the file the daemon's file output writes),
 * never the engine: the HTTP thread shares with the loop only that file and
 * the plots the loop copies out of the engine. The HTTP thread keeps the
 * store's index between requests and reads at each only what was appended
 * since (label.h, sdd_label_index_refresh). */
#ifndef SDD_IO_WEB_H
#define SDD_IO_WEB_H

#include <microhttpd.h>

#include "engine/config.h"
#include "sdd/sdd.h"

/* The traffic plots of the relevant states last notified: the loop makes
 * one when the engine notifies (the engine is the loop's alone), the HTTP
 * thread copies it out; a lock guards the few bytes of the swap. In memory
 * only: a state not notified since sddd started has none. */
typedef struct sdd_web_plots sdd_web_plots;

sdd_web_plots *sdd_web_plots_new(void);
void sdd_web_plots_free(sdd_web_plots *p);
/* In the loop's thread, from the notification callback: the service's
 * traffic and baseline from the state's start (a little before) to the
 * slot the notification closed, at most a day of slots back. */
void sdd_web_plots_keep(sdd_web_plots *p, sdd_engine *e, const sdd_notification *n);

typedef struct sdd_web_options {
    char store[SDD_PATH_MAX];           /* the notification file; "" when the output is not a file */
    char output[SDD_PATH_MAX];          /* the output setting, named when there is no file */
    int labels;                         /* web_labels: POST allowed */
    sdd_web_plots *plots;               /* the daemon's; NULL: no traffic plots */
    /* the store and its index as the last request left them: the HTTP
     * thread's alone, freed by sdd_web_options_free */
    struct sdd_label_store *kept_store;
    struct sdd_label_index *kept_index;
} sdd_web_options;

/* The options from sddd's output setting and web_labels. */
void sdd_web_options_from(sdd_web_options *w, const char *output, int labels, sdd_web_plots *plots);
/* Frees the store and index kept between requests; w itself is the caller's. */
void sdd_web_options_free(sdd_web_options *w);

/* One call of libmicrohttpd's request handler for any URL but /metrics and
 * /healthz; *state holds a POST's body between calls. */
enum MHD_Result sdd_web_serve(sdd_web_options *w, struct MHD_Connection *c, const char *url,
                              const char *method, const char *data, size_t *data_size, void **state);
/* Replies body (freed by libmicrohttpd) or a copy of text: shared with
 * metrics.c. */
enum MHD_Result sdd__http_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len);
enum MHD_Result sdd__http_text(struct MHD_Connection *c, unsigned status, const char *text);
/* Frees what sdd_web_serve kept in *state (libmicrohttpd's completion). */
void sdd_web_done(void **state);

#endif
