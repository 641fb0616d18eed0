/* SPDX-License-Identifier: GPL-2.0-or-later */
/* registry.c: the schema id from a Confluent-compatible registry (see
 * registry.h), over libcurl; the request body and the answer with jansson. */
#include "autoconfig.h"

#if HAVE_LIBCURL
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "io/registry.h"

#define CONNECT_TIMEOUT_MS 2000L
#define TOTAL_TIMEOUT_MS 5000L
#define FIRST_WAIT 1.0
#define LONGEST_WAIT 60.0
#define MAX_ANSWER (64 * 1024)

struct sdd_registry {
    char *url;
    CURL *curl;
    int known;
    uint32_t id;
    double next_try, wait;
};

typedef struct answer {
    char buf[MAX_ANSWER];
    size_t len;
} answer;

sdd_registry *sdd_registry_new(const char *url, sdd_error *err)
{
    sdd_registry *r = calloc(1, sizeof(*r));

    if (r && (!(r->url = strdup(url)) || !(r->curl = curl_easy_init()))) {
        sdd_registry_free(r);
        r = NULL;
    }
    if (!r)
        sdd__fail(err, SDD_E_SERVICE, "schema_registry: cannot make an HTTP client");
    else
        r->wait = FIRST_WAIT;
    return r;
}

void sdd_registry_free(sdd_registry *r)
{
    if (!r)
        return;
    if (r->curl)
        curl_easy_cleanup(r->curl);
    free(r->url);
    free(r);
}

/* Keeps at most MAX_ANSWER bytes: an id answer is a few bytes. */
static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    answer *a = ctx;
    size_t len = size * n, room = sizeof(a->buf) - 1 - a->len;

    memcpy(a->buf + a->len, data, len < room ? len : room);
    a->len += len < room ? len : room;
    a->buf[a->len] = '\0';
    return len;
}

static char *request_body(const char *schema)
{
    json_t *body = json_pack("{s:s}", "schema", schema);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

    json_decref(body);
    return text;
}

/* The id in a 200 answer; otherwise the registry's message in err. */
static int read_answer(const char *url, long status, const answer *a, uint32_t *id, sdd_error *err)
{
    json_t *root = json_loads(a->buf, 0, NULL);
    json_t *v = json_object_get(root, status == 200 ? "id" : "message");
    int ok = status == 200 && json_is_integer(v) && json_integer_value(v) >= 0 &&
             json_integer_value(v) <= (json_int_t)UINT32_MAX;

    if (ok)
        *id = (uint32_t)json_integer_value(v);
    else
        sdd__fail(err, SDD_E_SERVICE, "schema_registry: %.200s: HTTP %ld: %.200s", url, status,
                 json_is_string(v) ? json_string_value(v) : a->buf);
    json_decref(root);
    return ok ? 0 : -1;
}

static int post_schema(sdd_registry *r, const char *subject, const char *schema, uint32_t *id, sdd_error *err)
{
    char url[1024];
    char *body = request_body(schema);
    answer *a = calloc(1, sizeof(*a));
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/vnd.schemaregistry.v1+json");
    long status = 0;
    CURLcode rc = CURLE_OUT_OF_MEMORY;

    snprintf(url, sizeof(url), "%.700s/subjects/%.250s/versions", r->url, subject);
    if (body && a && hdr) {
        curl_easy_reset(r->curl);
        curl_easy_setopt(r->curl, CURLOPT_URL, url);
        curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, a);
        curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
        curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS);
        curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);   /* no SIGALRM in the daemon */
        rc = curl_easy_perform(r->curl);
        curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    }
    int ret = rc != CURLE_OK ? -1 : read_answer(url, status, a, id, err);
    if (rc != CURLE_OK)
        sdd__fail(err, SDD_E_IO, "schema_registry: %.300s: %s", url, curl_easy_strerror(rc));
    curl_slist_free_all(hdr);
    free(a);
    free(body);
    return ret;
}

int sdd_registry_schema_id(sdd_registry *r, const char *subject, const char *schema, double now, uint32_t *id,
                           sdd_error *err)
{
    err->msg[0] = '\0';
    if (!r->known && now >= r->next_try) {
        if (post_schema(r, subject, schema, &r->id, err) == 0) {
            r->known = 1;
        } else {
            r->next_try = now + r->wait;
            r->wait = r->wait * 2 > LONGEST_WAIT ? LONGEST_WAIT : r->wait * 2;
        }
    }
    if (r->known)
        *id = r->id;
    return r->known;
}

#else /* configure found no libcurl: sdd_output_kafka_check refuses confluent */

#include "io/registry.h"
#include "util/error.h"

sdd_registry *sdd_registry_new(const char *url, sdd_error *err)
{
    (void)url;
    sdd__fail(err, SDD_E_CONFIG, "output_format confluent: this build has no schema registry client (libcurl)");
    return NULL;
}

void sdd_registry_free(sdd_registry *r)
{
    (void)r;
}

int sdd_registry_schema_id(sdd_registry *r, const char *subject, const char *schema, double now, uint32_t *id,
                           sdd_error *err)
{
    (void)r, (void)subject, (void)schema, (void)now, (void)id;
    return sdd__fail(err, SDD_E_CONFIG, "no schema registry client in this build"), 0;
}

#endif
