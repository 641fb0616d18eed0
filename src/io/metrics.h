/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.h: sddd's HTTP endpoint (setting metrics_listen), served by
 * libmicrohttpd in a thread of its own: GET /metrics, the counters in
 * Prometheus' text format (metrics_text.h), and GET /healthz, 200 "ok" or
 * 503 with the reason; every other URL is the validation page's (web.h).
 *
 * The server never touches the engine: the daemon's loop publishes a copy
 * of the samples and its verdict on health (sdd_metrics_publish), and a
 * request reads the last copy. Publishing never waits for a request: when
 * one is reading the copy, the loop publishes at a later turn instead. A
 * copy older than SDD_METRICS_STALE seconds makes /healthz fail: the loop is
 * stuck. */
#ifndef SDD_IO_METRICS_H
#define SDD_IO_METRICS_H

#include "io/metrics_text.h"
#include "io/web.h"
#include "sdd/sdd.h"

#define SDD_METRICS_STALE 30

typedef struct sdd_metrics sdd_metrics;

/* Listens on listen, "ADDRESS:PORT" ("127.0.0.1:9464", "[::1]:9464";
 * ":9464" on every address), and serves the validation page (web.h) with
 * the options web, copied. NULL with the reason in err. */
sdd_metrics *sdd_metrics_start(const char *listen, const sdd_web_options *web, sdd_error *err);
/* The samples and the health: unhealthy "" when all is well, else why not.
 * 1 when published, 0 when a request was reading (try again later). */
int sdd_metrics_publish(sdd_metrics *m, const sdd_samples *s, const char *unhealthy);
/* Stops the server (waiting for its thread) and frees it; NULL is fine. */
void sdd_metrics_stop(sdd_metrics *m);

#endif
