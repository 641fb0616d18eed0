/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.c: see metrics.h. The socket is bound here and handed to
 * libmicrohttpd, so that a refused address is reported with its reason. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/metrics.h"
#include "io/sources.h"
#include "io/web.h"
#include "util/error.h"

#define CONNECTIONS 16                  /* scrapers at once */
#define IDLE_TIMEOUT 10                 /* seconds a connection may say nothing */
#define REASON_MAX 512

struct sdd_metrics {
    struct MHD_Daemon *mhd;
    int fd;
    sdd_web_options web;                /* the validation page's (web.h); the HTTP thread's after the start */
    pthread_mutex_t lock;               /* guards what follows */
    sdd_samples samples;
    char unhealthy[REASON_MAX];
    double published;                   /* monotonic; 0 never */
};

/* ---- the socket ------------------------------------------------------------ */

/* "HOST:PORT" or "[HOST]:PORT" split; host "" for every address. */
static int split_listen(const char *text, char *host, size_t size, const char **port)
{
    const char *colon = strrchr(text, ':');
    const char *h = text, *end = colon;

    if (!colon || !colon[1])
        return -1;
    if (*text == '[') {
        h = text + 1;
        if (colon == text || colon[-1] != ']')
            return -1;
        end = colon - 1;
    }
    if ((size_t)(end - h) >= size)
        return -1;
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    *port = colon + 1;
    return 0;
}

static int listen_on(const char *text, sdd_error *err)
{
    char host[256];
    const char *port;
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai;
    int fd, one = 1, rc;

    if (split_listen(text, host, sizeof(host), &port) < 0)
        return sdd__fail(err, SDD_E_CONFIG, "metrics_listen: '%s' is not ADDRESS:PORT", text);
    if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &ai)) != 0)
        return sdd__fail(err, SDD_E_CONFIG, "metrics_listen: '%s': %s", text, gai_strerror(rc));
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, CONNECTIONS) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return sdd__fail(err, SDD_E_IO, "metrics_listen: %s: %s", text, strerror(e));
    }
    freeaddrinfo(ai);
    return fd;
}

/* ---- requests -------------------------------------------------------------- */

/* The last samples, copied under the lock and rendered outside it. */
static enum MHD_Result serve_metrics(sdd_metrics *m, struct MHD_Connection *c)
{
    sdd_samples copy = {0};
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int rc;

    pthread_mutex_lock(&m->lock);
    rc = sdd_samples_copy(&copy, &m->samples);
    pthread_mutex_unlock(&m->lock);
    if (rc < 0 || !(f = open_memstream(&text, &len))) {
        sdd_samples_free(&copy);
        return sdd__http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    sdd_metrics_render(&copy, f);
    sdd_samples_free(&copy);
    if (fclose(f) != 0) {
        free(text);
        return sdd__http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    return sdd__http_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static enum MHD_Result serve_health(sdd_metrics *m, struct MHD_Connection *c)
{
    char why[REASON_MAX + 2];
    double age;

    pthread_mutex_lock(&m->lock);
    snprintf(why, sizeof(why), "%s\n", m->unhealthy);
    age = sdd_now_seconds() - m->published;
    if (!m->published)
        snprintf(why, sizeof(why), "starting\n");
    else if (age > SDD_METRICS_STALE)
        snprintf(why, sizeof(why), "the loop has published nothing for %.0f s\n", age);
    pthread_mutex_unlock(&m->lock);
    return why[0] == '\n' ? sdd__http_text(c, MHD_HTTP_OK, "ok\n") : sdd__http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, why);
}

static enum MHD_Result on_request(void *ctx, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *data_size, void **state)
{
    sdd_metrics *m = ctx;
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

    (void)version;
    if (strcmp(url, "/metrics") == 0)
        return get ? serve_metrics(m, c) : sdd__http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
    if (strcmp(url, "/healthz") == 0)
        return get ? serve_health(m, c) : sdd__http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
    return sdd_web_serve(&m->web, c, url, method, data, data_size, state);
}

static void on_completed(void *ctx, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why)
{
    (void)ctx, (void)c, (void)why;
    sdd_web_done(state);
}

/* ---- the server ------------------------------------------------------------ */

sdd_metrics *sdd_metrics_start(const char *listen, const sdd_web_options *web, sdd_error *err)
{
    sdd_metrics *m = calloc(1, sizeof(*m));
    sigset_t all, old;

    if (!m) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    m->web = *web;
    if ((m->fd = listen_on(listen, err)) < 0) {
        sdd_metrics_stop(m);
        return NULL;
    }
    /* its thread takes no signal: SIGINT and SIGTERM are the loop's */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    m->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, m,
                              MHD_OPTION_LISTEN_SOCKET, m->fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!m->mhd) {
        sdd__fail(err, SDD_E_IO, "metrics_listen: %s: the HTTP server did not start", listen);
        sdd_metrics_stop(m);
        return NULL;
    }
    m->fd = -1;                         /* libmicrohttpd's now: MHD_stop_daemon closes it */
    return m;
}

int sdd_metrics_publish(sdd_metrics *m, const sdd_samples *s, const char *unhealthy)
{
    if (pthread_mutex_trylock(&m->lock) != 0)
        return 0;
    int rc = sdd_samples_copy(&m->samples, s);    /* out of memory: the last copy stays, and ages */
    if (rc == 0) {
        snprintf(m->unhealthy, sizeof(m->unhealthy), "%s", unhealthy);
        m->published = sdd_now_seconds();
    }
    pthread_mutex_unlock(&m->lock);
    return 1;
}

void sdd_metrics_stop(sdd_metrics *m)
{
    if (!m)
        return;
    if (m->mhd)
        MHD_stop_daemon(m->mhd);
    sdd_web_options_free(&m->web);
    if (m->fd >= 0)
        close(m->fd);
    pthread_mutex_destroy(&m->lock);
    sdd_samples_free(&m->samples);
    free(m);
}
