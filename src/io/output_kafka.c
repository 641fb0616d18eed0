/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output_kafka.c: sddd's notifications to a Kafka topic (`kafka:TOPIC`).
 *
 * Write-ahead through the spool (spool.h): a notification is accepted once
 * it is fdatasync'ed in spool_dir, then produced from there in order, and
 * released from the spool only when its delivery report says the broker
 * stored it (enable.idempotence=true, acks=all). A broker that is away, a
 * producer queue that is full, a failed delivery or a crash leave the
 * records in the spool, sent again in order once the broker answers
 * (failed deliveries after a wait that doubles up to RETRY_LONGEST).
 *
 * Duplicates by (id, revision): the relevant state's id is the message key
 * and its revision is a header; at start the tail of the topic is read back
 * (committed records only) and gives the highest revision on the topic per
 * id. A spooled record at or below it was delivered before a crash released
 * it: it is released without being sent again. A new record at or below the
 * highest revision on the topic or in the spool comes from an engine that
 * reads its inputs again after a restart: it is dropped. Both are counted.
 *
 * Transactions: when the input is Kafka too (sdd_settings_transactional), the
 * producer is transactional (transactional.id from group and topic, so that
 * a restarted sddd fences the one before). Records go out inside a
 * transaction, and sdd_output_commit commits them with the input's offsets;
 * only then are they released from the spool. An aborted transaction sends
 * its records again, from the spool, in the next one.
 *
 * Everything here runs in the daemon's thread: librdkafka's callbacks
 * (delivery reports, errors, its log) are served by rd_kafka_poll from
 * flush, which the daemon calls after each write and on every turn of its
 * loop. Errors are logged once a minute per kind and counted; none stops
 * the daemon: a record that is not accepted is logged as lost with its id. */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconfig.h"
#include "util/error.h"
#include "io/avro_encode.h"
#include "io/settings.h"
#include "util/map.h"
#include "io/output_kafka.h"
#include "io/registry.h"
#include "io/spool.h"

#define MAX_IN_FLIGHT 1000              /* records handed to librdkafka, not yet reported */
#define RETRY_FIRST 1.0                 /* seconds before a failed delivery is sent again */
#define RETRY_LONGEST 30.0
#define CLOSE_WAIT_MS 10000             /* deliveries waited for at close; the rest stays spooled */
#define SCAN_MAX 100000                 /* messages per partition read back at start */
#define SCAN_TIMEOUT_MS 30000
#define META_TIMEOUT_MS 3000
#define ERROR_LOG_INTERVAL 60.0
#define REVISION_HEADER "revision"
#define TXN_TIMEOUT_MS 2000             /* the longest a transaction call holds the daemon */
#define FENCED_AGAIN 60.0               /* fenced again within this: another sddd is there */

typedef enum format { FMT_AVRO, FMT_CONFLUENT, FMT_JSON } format;

typedef struct in_flight {
    uint64_t pos, next;                 /* the record's place in the spool, and after it */
    int done;
} in_flight;

typedef struct counters {
    uint64_t delivered, duplicates, lost, delivery_errors, encode_errors, spool_errors;
} counters;

typedef struct kafka_output {
    sdd_output base;
    sdd_logger log;
    sdd_ratelimit limit;
    char *topic;
    format fmt;
    rd_kafka_conf_t *conf;              /* kept to make the read-back consumer */
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    sdd_avro *avro;
    sdd_registry *registry;
    uint32_t schema_id;
    int have_schema_id;
    sdd_spool *spool;
    sdd_map *accepted;                  /* id -> highest revision accepted */
    sdd_map *on_topic;                  /* id -> highest revision read back from the topic */
    int transactional;
    int txn_ready;                      /* init_transactions done */
    int txn_open;                       /* a transaction begun, not committed */
    int committing;                     /* its commit timed out: only the commit may be called */
    int must_abort;                     /* an abort to finish before anything else */
    int renew;                          /* the producer was fenced: a new one takes over */
    double fenced_at;
    int fatal;                          /* fenced again at once: another sddd; the output is done */
    uint64_t txn_first;                 /* spool position of its first record */
    uint64_t txn_records;               /* records produced in it */
    int scanned;                        /* the topic's tail was read back */
    double next_scan, retry_at, wait;
    uint64_t send_pos;                  /* next spool position to produce */
    in_flight fl[MAX_IN_FLIGHT];        /* in spool order */
    int n_fl;
    counters c;
} kafka_output;

/* ---- logging --------------------------------------------------------------- */

static void log_limited(kafka_output *k, sdd_log_level level, const char *key, const char *msg)
{
    sdd_log_limited(&k->log, &k->limit, level, key, "kafka output", msg);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    kafka_output *k = opaque;
    sdd_kafka_log_error(&k->log, &k->limit, "kafka output", rd_kafka_fatal_error(rk, NULL, 0) != 0, err, reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    kafka_output *k = rd_kafka_opaque(rk);
    sdd_kafka_log_line(&k->log, &k->limit, "kafka output", level, fac, buf);
}

/* ---- the record's id and revision --------------------------------------------- */

/* The relevant state's id and revision (the highest of its anomalies'). */
static int id_and_revision(const char *json, size_t len, char *id, size_t id_size, int *revision)
{
    json_t *root = json_loadb(json, len, 0, NULL);
    json_t *v = json_object_get(root, "id"), *a;
    size_t i;
    int ok = json_is_string(v) && strlen(json_string_value(v)) < id_size;

    if (ok)
        snprintf(id, id_size, "%s", json_string_value(v));
    *revision = 0;
    json_array_foreach(json_object_get(root, "anomaly"), i, a) {
        json_t *r = json_object_get(a, "revision");
        if (json_is_integer(r) && json_integer_value(r) > *revision && json_integer_value(r) < INT32_MAX)
            *revision = (int)json_integer_value(r);
    }
    json_decref(root);
    return ok ? 0 : -1;
}

/* Makes (id, revision) the highest of map for id when it is higher. */
static void note_revision(sdd_map *map, const char *id, int revision)
{
    if (sdd__map_get(map, id, strlen(id)) < revision)
        sdd__map_put(map, id, strlen(id), revision);
}

/* ---- settings and the producer ------------------------------------------------- */

static int parse_format(const char *text, format *f)
{
    static const char *const names[] = {"avro", "confluent", "json"};

    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *f = (format)i;
            return 0;
        }
    return -1;
}

int sdd_output_kafka_check(const sdd_settings *cfg, sdd_error *err)
{
    format f;

    if (!cfg->kafka_brokers[0])
        sdd__fail(err, SDD_E_CONFIG, "output: '%.300s' needs kafka_brokers", cfg->output);
    else if (!cfg->spool_dir[0])
        sdd__fail(err, SDD_E_CONFIG, "output: '%.300s' needs spool_dir (where notifications wait)",
                 cfg->output);
    else if (parse_format(cfg->output_format, &f) < 0)
        sdd__fail(err, SDD_E_CONFIG, "output_format: '%.100s' is not avro, confluent or json",
                 cfg->output_format);
    else if (f == FMT_CONFLUENT && !cfg->schema_registry[0])
        sdd__fail(err, SDD_E_CONFIG, "output_format: confluent needs schema_registry");
    else if (f == FMT_CONFLUENT && !HAVE_LIBCURL)
        sdd__fail(err, SDD_E_CONFIG, "output_format: confluent needs the schema registry client, which this "
                                     "build lacks (configure found no libcurl)");
    else
        return 0;
    return -1;
}

static int set_property(void *conf, const char *key, const char *value, char *why, size_t why_len)
{
    return rd_kafka_conf_set(conf, key, value, why, why_len) == RD_KAFKA_CONF_OK ? 0 : -1;
}

/* Defaults the file may change, the file, then what the guarantee needs. */
static int make_conf(kafka_output *k, const sdd_settings *cfg, sdd_error *err)
{
    static const char *const defaults[][2] = {
        {"linger.ms", "5"},             /* a notification goes out at once */
        {"message.timeout.ms", "300000"}, /* then it is failed and sent again from the spool */
        {"topic.metadata.propagation.max.ms", "30000"},
    };
    /* a transaction's records time out with it (librdkafka's rule); the
     * broker aborts it after transaction.timeout.ms, 60 s by default */
    static const char *const transactional[][2] = {{"message.timeout.ms", "60000"}};
    static const char *const fixed[][2] = {
        {"enable.idempotence", "true"}, {"acks", "all"}, {"log.queue", "true"},
    };
    char why[256];

    k->conf = rd_kafka_conf_new();
    if (set_property(k->conf, "bootstrap.servers", cfg->kafka_brokers, why, sizeof(why)) < 0)
        goto bad;
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (set_property(k->conf, defaults[i][0], defaults[i][1], why, sizeof(why)) < 0)
            goto bad;
    for (size_t i = 0; k->transactional && i < sizeof(transactional) / sizeof(transactional[0]); i++)
        if (set_property(k->conf, transactional[i][0], transactional[i][1], why, sizeof(why)) < 0)
            goto bad;
    if (cfg->kafka_config_file[0] && sdd_kafka_config_read(cfg->kafka_config_file, set_property, k->conf, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (set_property(k->conf, fixed[i][0], fixed[i][1], why, sizeof(why)) < 0)
            goto bad;
    if (k->transactional) {
        char id[600];
        snprintf(id, sizeof(id), "pmacct-sdd-%.250s-%.250s", cfg->kafka_group_id, k->topic);
        if (set_property(k->conf, "transactional.id", id, why, sizeof(why)) < 0)
            goto bad;
    }
    rd_kafka_conf_set_opaque(k->conf, k);
    rd_kafka_conf_set_error_cb(k->conf, on_error);
    rd_kafka_conf_set_log_cb(k->conf, on_log);
    return 0;
bad:
    sdd__fail(err, SDD_E_SERVICE, "kafka output: %.400s", why);
    return -1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);

static int make_producer(kafka_output *k, sdd_error *err)
{
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(k->conf);

    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!k->rk) {
        rd_kafka_conf_destroy(conf);
        sdd__fail(err, SDD_E_SERVICE, "kafka output: %.450s", why);
        return -1;
    }
    rd_kafka_set_log_queue(k->rk, NULL);    /* served by rd_kafka_poll, in our thread */
    k->rkt = rd_kafka_topic_new(k->rk, k->topic, NULL);
    return k->rkt ? 0 : -1;
}

/* ---- reading the topic back ----------------------------------------------------- */

/* The revision header of a message, -1 without one. */
static int message_revision(const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t len;
    char text[16];

    if (rd_kafka_message_headers(m, &h) || rd_kafka_header_get_last(h, REVISION_HEADER, &v, &len) ||
        len == 0 || len >= sizeof(text))
        return -1;
    memcpy(text, v, len);
    text[len] = '\0';
    return atoi(text);
}

/* Assigns the last SCAN_MAX messages of every partition; the number of
 * partitions with something to read, or -1. */
static int assign_tail(kafka_output *k, rd_kafka_t *c, int64_t *high, int max_parts)
{
    const rd_kafka_metadata_t *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(c, k->topic, NULL);
    rd_kafka_resp_err_t e = rd_kafka_metadata(c, 0, t, &md, META_TIMEOUT_MS);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
    int n = 0;

    rd_kafka_topic_destroy(t);
    if (e) {
        rd_kafka_topic_partition_list_destroy(list);
        return -1;
    }
    for (int p = 0; md->topic_cnt == 1 && p < md->topics[0].partition_cnt && p < max_parts; p++) {
        int64_t lo, hi;
        high[p] = -1;
        if (rd_kafka_query_watermark_offsets(c, k->topic, p, &lo, &hi, META_TIMEOUT_MS) || hi <= lo)
            continue;
        high[p] = hi;
        rd_kafka_topic_partition_list_add(list, k->topic, p)->offset = hi - lo > SCAN_MAX ? hi - SCAN_MAX : lo;
        n++;
    }
    rd_kafka_metadata_destroy(md);
    if (n && rd_kafka_assign(c, list))
        n = -1;
    rd_kafka_topic_partition_list_destroy(list);
    return n;
}

/* Reads the tail of the topic: the highest revision per id found there. */
static int read_back(kafka_output *k, rd_kafka_t *c)
{
    int64_t high[256];
    int left = assign_tail(k, c, high, 256);
    double deadline = sdd_now_seconds() + SCAN_TIMEOUT_MS / 1000.0;
    long n = 0;

    while (left > 0 && sdd_now_seconds() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (!m)
            continue;
        if (!m->err && m->key_len > 0 && m->key_len < 128 && message_revision(m) >= 0) {
            char id[128];
            memcpy(id, m->key, m->key_len);
            id[m->key_len] = '\0';
            note_revision(k->accepted, id, message_revision(m));
            note_revision(k->on_topic, id, message_revision(m));
            n++;
        }
        if (m->partition >= 0 && m->partition < 256 && (m->offset + 1 >= high[m->partition] ||
                                                       m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)) {
            if (high[m->partition] >= 0)
                left--;
            high[m->partition] = -1;
        }
        rd_kafka_message_destroy(m);
    }
    if (left == 0)
        sdd_logf(&k->log, SDD_LOG_INFO, "kafka output: %s read back (%ld notifications) against duplicates",
                 k->topic, n);
    return left == 0 ? 0 : -1;
}

/* Done once, before anything is sent; tried again every few seconds while
 * the broker does not answer (the records wait in the spool meanwhile). */
static void scan_topic(kafka_output *k)
{
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(k->conf);
    rd_kafka_t *c;

    if (k->scanned || sdd_now_seconds() < k->next_scan)
        return;
    k->next_scan = sdd_now_seconds() + 10;
    set_property(conf, "group.id", "pmacct-sdd-read-back", why, sizeof(why));   /* never joined: assign */
    set_property(conf, "enable.auto.commit", "false", why, sizeof(why));
    set_property(conf, "enable.partition.eof", "true", why, sizeof(why));
    set_property(conf, "isolation.level", "read_committed", why, sizeof(why));
    c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (!c) {
        rd_kafka_conf_destroy(conf);
        log_limited(k, SDD_LOG_ERROR, "scan", why);
        return;
    }
    rd_kafka_set_log_queue(c, NULL);
    if (read_back(k, c) == 0)
        k->scanned = 1;
    else
        log_limited(k, SDD_LOG_WARNING, "scan",
                    "cannot read the topic back yet (broker away?): notifications wait in the spool");
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

/* ---- delivery ---------------------------------------------------------------------- */

static in_flight *find_in_flight(kafka_output *k, uint64_t pos)
{
    for (int i = 0; i < k->n_fl; i++)
        if (k->fl[i].pos == pos)
            return &k->fl[i];
    return NULL;
}

/* Errors that no retry mends: the record is dropped (logged, counted). */
static int permanent(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || e == RD_KAFKA_RESP_ERR_INVALID_MSG ||
           e == RD_KAFKA_RESP_ERR_INVALID_RECORD;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    kafka_output *k = opaque;
    in_flight *f = find_in_flight(k, (uint64_t)(uintptr_t)m->_private);
    char msg[400];

    (void)rk;
    if (!f)
        return;
    if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        f->done = -1;                   /* at close: stays in the spool */
        return;
    }
    if (!m->err || permanent(m->err)) {
        f->done = 1;
        k->c.delivered += !m->err && !k->transactional;
        k->c.lost += m->err != 0;
        if (m->err)
            sdd_logf(&k->log, SDD_LOG_ERROR, "kafka output: notification %.*s lost: %s", (int)m->key_len,
                     (const char *)m->key, rd_kafka_err2str(m->err));
        return;
    }
    k->c.delivery_errors++;
    f->done = -1;                       /* sent again, from the spool */
    snprintf(msg, sizeof(msg), "delivery to %s failed: %s; kept in the spool, sent again", k->topic,
             rd_kafka_err2str(m->err));
    log_limited(k, SDD_LOG_WARNING, rd_kafka_err2name(m->err), msg);
}

/* Releases the delivered prefix from the spool; after a failure, once
 * every record in flight is reported, goes back to the first one not
 * delivered and waits before sending again. */
static void settle(kafka_output *k)
{
    int i = 0, failed = 0, reported = 1;
    sdd_error err;

    if (k->transactional)
        return;                         /* released by the commit, sent again after an abort */
    while (i < k->n_fl && k->fl[i].done == 1)
        i++;
    if (i && sdd_spool_release(k->spool, k->fl[i - 1].next, &err) < 0)
        log_limited(k, SDD_LOG_ERROR, "release", err.msg);
    memmove(k->fl, k->fl + i, (size_t)(k->n_fl - i) * sizeof(k->fl[0]));
    k->n_fl -= i;
    for (i = 0; i < k->n_fl; i++) {
        failed |= k->fl[i].done == -1;
        reported &= k->fl[i].done != 0;
    }
    if (!failed) {
        k->wait = RETRY_FIRST;
        return;
    }
    if (!reported)
        return;
    k->send_pos = k->fl[0].pos;        /* delivered ones after a failed one go again: rare */
    k->n_fl = 0;
    k->retry_at = sdd_now_seconds() + k->wait;
    k->wait = k->wait * 2 > RETRY_LONGEST ? RETRY_LONGEST : k->wait * 2;
}

/* ---- producing ----------------------------------------------------------------------- */

/* The value in the configured encoding (*buf malloc'ed): 0, 1 when it
 * cannot be made yet (no schema id), -1 when it cannot be made at all. */
static int encode(kafka_output *k, const char *json, size_t len, void **buf, size_t *out, sdd_error *err)
{
    if (k->fmt == FMT_JSON) {
        *buf = malloc(len);
        if (*buf)
            memcpy(*buf, json, len);
        *out = len;
        return *buf ? 0 : -1;
    }
    if (k->fmt == FMT_AVRO)
        return sdd_avro_encode(k->avro, json, buf, out, err);
    return sdd_avro_encode_confluent(k->avro, k->schema_id, json, buf, out, err);
}

/* ---- transactions ------------------------------------------------------------------------- */

/* After a failed call: 1 to try again later; -1 when the output is done.
 * A fatal error is a fenced producer: the broker fences a producer whose
 * transaction outlived transaction.timeout.ms (sddd or the broker was away)
 * to abort it, and a second sddd with the same transactional.id fences the
 * first. A new producer takes over the first time; fenced again within
 * FENCED_AGAIN seconds, the output gives up. */
static int txn_failed(kafka_output *k, const char *what, rd_kafka_error_t *error)
{
    char msg[600];
    double now = sdd_now_seconds();

    snprintf(msg, sizeof(msg), "%s: %.400s", what, rd_kafka_error_string(error));
    if (rd_kafka_error_is_fatal(error) && k->fenced_at > 0 && now - k->fenced_at < FENCED_AGAIN) {
        sdd_logf(&k->log, SDD_LOG_ERROR, "kafka output: %s, again (another sddd with the same kafka_group_id and "
                 "output topic?); the notifications stay in the spool", msg);
        k->fatal = 1;
    } else if (rd_kafka_error_is_fatal(error)) {
        sdd_logf(&k->log, SDD_LOG_WARNING, "kafka output: %s (a transaction outlived transaction.timeout.ms?): "
                 "a new producer takes over, the notifications not committed go again from the spool", msg);
        k->fenced_at = now;
        k->renew = 1;
    } else {
        k->must_abort |= rd_kafka_error_txn_requires_abort(error);
        log_limited(k, SDD_LOG_WARNING, what, msg);
        k->retry_at = sdd_now_seconds() + k->wait;
        k->wait = k->wait * 2 > RETRY_LONGEST ? RETRY_LONGEST : k->wait * 2;
    }
    rd_kafka_error_destroy(error);
    return k->fatal ? -1 : 1;
}

/* Ends a failed transaction; its records go again, from the spool, in the
 * next one. 1 when it is over. */
static int txn_abort(kafka_output *k)
{
    rd_kafka_error_t *error = rd_kafka_abort_transaction(k->rk, TXN_TIMEOUT_MS);

    if (error)
        return txn_failed(k, "aborting a transaction", error), 0;
    if (k->txn_records)
        sdd_logf(&k->log, SDD_LOG_WARNING, "kafka output: transaction aborted; its %llu notifications go again",
                 (unsigned long long)k->txn_records);
    k->must_abort = k->committing = k->txn_open = 0;
    k->txn_records = 0;
    k->send_pos = k->txn_first;
    k->n_fl = 0;
    return 1;
}

/* Replaces a fenced producer: everything not released from the spool goes
 * again, in order, through the new one. */
static int renew_producer(kafka_output *k)
{
    sdd_error err;

    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(k->rk, 0);            /* the purged ones' reports */
    rd_kafka_topic_destroy(k->rkt);
    rd_kafka_destroy(k->rk);
    k->rkt = NULL;
    k->rk = NULL;
    if (make_producer(k, &err) < 0) {
        sdd_logf(&k->log, SDD_LOG_ERROR, "kafka output: a new producer: %s", err.msg);
        k->fatal = 1;
        return -1;
    }
    k->renew = k->txn_ready = k->txn_open = k->committing = k->must_abort = 0;
    k->txn_records = 0;
    k->wait = RETRY_FIRST;
    k->n_fl = 0;
    k->send_pos = sdd_spool_head(k->spool);
    return 0;
}

/* Ready for a transaction: the producer registered (which fences an older
 * one with the same id and ends the transaction it left), no abort due. */
static int txn_ready(kafka_output *k)
{
    rd_kafka_error_t *error;

    if (k->fatal || sdd_now_seconds() < k->retry_at || (k->renew && renew_producer(k) < 0))
        return 0;
    if (!k->txn_ready) {
        error = rd_kafka_init_transactions(k->rk, TXN_TIMEOUT_MS);
        if (error)
            return txn_failed(k, "starting transactions", error), 0;
        k->txn_ready = 1;
    }
    return !k->must_abort || txn_abort(k);
}

/* A transaction to produce into, begun if need be. */
static int txn_begin(kafka_output *k)
{
    rd_kafka_error_t *error;

    if (!k->transactional || k->txn_open)
        return !k->committing;
    if (!txn_ready(k))
        return 0;
    error = rd_kafka_begin_transaction(k->rk);
    if (error)
        return txn_failed(k, "beginning a transaction", error), 0;
    k->txn_open = 1;
    k->txn_first = k->send_pos;
    return 1;
}

/* Releases from the spool every record in flight (all were delivered, or
 * skipped). */
static void release_in_flight(kafka_output *k)
{
    sdd_error err;

    if (k->n_fl && sdd_spool_release(k->spool, k->fl[k->n_fl - 1].next, &err) < 0)
        log_limited(k, SDD_LOG_ERROR, "release", err.msg);
    k->n_fl = 0;
}

/* The input's offsets into the open transaction. */
static rd_kafka_error_t *send_offsets(kafka_output *k, const sdd_kafka_source *input)
{
    rd_kafka_topic_partition_list_t *offsets = input ? sdd_kafka_source_offsets(input) : NULL;
    rd_kafka_consumer_group_metadata_t *group = offsets ? sdd_kafka_source_group(input) : NULL;
    rd_kafka_error_t *error = NULL;

    if (offsets && group)
        error = rd_kafka_send_offsets_to_transaction(k->rk, offsets, group, TXN_TIMEOUT_MS);
    if (offsets)
        rd_kafka_topic_partition_list_destroy(offsets);
    if (group)
        rd_kafka_consumer_group_metadata_destroy(group);
    return error;
}

static int kafka_commit(sdd_output *o, const sdd_kafka_source *input, sdd_error *err)
{
    kafka_output *k = (kafka_output *)o;
    rd_kafka_error_t *error = NULL;

    if (!k->transactional)
        return 0;
    if (!k->txn_open && !input && !k->renew && !k->must_abort) {
        release_in_flight(k);           /* only records found on the topic already: nothing to commit */
        return 0;
    }
    if (!txn_ready(k)) {                /* an abort or a new producer first, after the backoff */
        if (k->fatal)
            sdd__fail(err, SDD_E_SERVICE, "kafka output: fenced by another producer");
        return k->fatal ? -1 : 1;
    }
    if (!txn_begin(k) && !k->committing)
        return 1;
    if (!k->committing)
        error = send_offsets(k, input);
    if (!error) {
        k->committing = 1;
        error = rd_kafka_commit_transaction(k->rk, TXN_TIMEOUT_MS);
    }
    if (error) {
        int rc = txn_failed(k, "committing a transaction", error);
        if (rc < 0)
            sdd__fail(err, SDD_E_SERVICE, "kafka output: fenced by another producer");
        return rc;
    }
    k->committing = k->txn_open = 0;
    k->c.delivered += k->txn_records;
    k->txn_records = 0;
    k->wait = RETRY_FIRST;
    release_in_flight(k);
    return 0;
}

/* ---- producing ---------------------------------------------------------------------------- */

/* Hands one record to librdkafka: 1 handed, 0 not now (queue full, no
 * transaction yet), -1 dropped, 2 on the topic already (sent before a
 * crash released it). */
static int produce(kafka_output *k, uint64_t pos, const char *json, size_t len)
{
    char id[128], rev[16];
    int revision, known = id_and_revision(json, len, id, sizeof(id), &revision) == 0;
    void *value = NULL;
    size_t vlen = 0;
    sdd_error err = {0};

    if (known && sdd__map_get(k->on_topic, id, strlen(id)) >= revision) {
        k->c.duplicates++;
        return 2;
    }
    if (known && !txn_begin(k))
        return 0;
    if (!known || encode(k, json, len, &value, &vlen, &err)) {
        k->c.encode_errors++;
        sdd_logf(&k->log, SDD_LOG_ERROR, "kafka output: a spooled notification cannot be encoded, dropped: %s",
                 err.msg[0] ? err.msg : "no id");
        return -1;
    }
    snprintf(rev, sizeof(rev), "%d", revision);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        k->rk, RD_KAFKA_V_RKT(k->rkt), RD_KAFKA_V_KEY(id, strlen(id)),
        RD_KAFKA_V_VALUE(value, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
        RD_KAFKA_V_HEADER(REVISION_HEADER, rev, (ssize_t)strlen(rev)),
        RD_KAFKA_V_OPAQUE((void *)(uintptr_t)pos), RD_KAFKA_V_END);
    if (e) {
        free(value);
        log_limited(k, SDD_LOG_WARNING, "produce", rd_kafka_err2str(e));
        return 0;
    }
    k->txn_records += k->transactional;
    return 1;
}

/* The schema id, asked of the registry when not known (Confluent only). */
static int schema_ready(kafka_output *k)
{
    sdd_error err;
    char subject[300];

    if (k->fmt != FMT_CONFLUENT || k->have_schema_id)
        return 1;
    snprintf(subject, sizeof(subject), "%.200s-value", k->topic);
    k->have_schema_id = sdd_registry_schema_id(k->registry, subject, sdd_avro_schema_json(k->avro),
                                               sdd_now_seconds(), &k->schema_id, &err);
    if (k->have_schema_id)
        sdd_logf(&k->log, SDD_LOG_INFO, "kafka output: schema id %u for subject %s", k->schema_id, subject);
    else if (err.msg[0])
        log_limited(k, SDD_LOG_WARNING, "registry", err.msg);
    return k->have_schema_id;
}

/* Sends the spooled records not yet in flight, in order. */
static void pump(kafka_output *k)
{
    sdd_error err;
    char *json;
    size_t len;

    if (k->transactional && !txn_ready(k))
        return;                         /* first: it ends what a crashed sddd left open */
    scan_topic(k);
    if (!k->scanned || !schema_ready(k) || sdd_now_seconds() < k->retry_at)
        return;
    while (k->n_fl < MAX_IN_FLIGHT) {
        uint64_t pos = k->send_pos;
        int rc = sdd_spool_read(k->spool, &pos, &json, &len, &err);
        if (rc <= 0) {
            if (rc < 0)
                log_limited(k, SDD_LOG_ERROR, "spool read", err.msg);
            return;
        }
        uint64_t at = pos - len - 8;    /* where the record starts (the read may skip to the head) */
        rc = produce(k, at, json, len);
        free(json);
        if (rc == 0)
            return;
        k->fl[k->n_fl++] = (in_flight){at, pos, rc != 1};
        k->send_pos = pos;
    }
}

/* ---- the output interface ---------------------------------------------------------------- */

static int kafka_write(sdd_output *o, const char *record, size_t len, sdd_error *err)
{
    kafka_output *k = (kafka_output *)o;
    char id[128];
    int revision, rc;

    (void)err;
    if (id_and_revision(record, len, id, sizeof(id), &revision) < 0) {
        k->c.encode_errors++;
        log_limited(k, SDD_LOG_ERROR, "no id", "a notification without an id: not sent");
        return 0;
    }
    if (sdd__map_get(k->accepted, id, strlen(id)) >= revision) {
        k->c.duplicates++;              /* already on the topic or in the spool */
        return 0;
    }
    rc = sdd_spool_append(k->spool, record, len, err);
    if (rc == 0) {
        note_revision(k->accepted, id, revision);
        return 0;
    }
    k->c.lost++;
    char msg[700];
    if (rc == SDD_SPOOL_FULL) {
        snprintf(msg, sizeof(msg), "spool full: %llu notifications lost (this one: %s revision %d)",
                 (unsigned long long)k->c.lost, id, revision);
        log_limited(k, SDD_LOG_ERROR, "spool full", msg);
    } else {
        k->c.spool_errors++;
        snprintf(msg, sizeof(msg), "%.400s: %llu notifications lost (this one: %s revision %d)", err->msg,
                 (unsigned long long)k->c.lost, id, revision);
        log_limited(k, SDD_LOG_ERROR, "spool error", msg);
    }
    return 0;                           /* logged and counted; the daemon goes on */
}

static int kafka_flush(sdd_output *o, sdd_error *err)
{
    kafka_output *k = (kafka_output *)o;

    rd_kafka_poll(k->rk, 0);
    settle(k);
    pump(k);
    rd_kafka_poll(k->rk, 0);
    settle(k);
    if (k->fatal)
        sdd__fail(err, SDD_E_SERVICE, "kafka output: fenced by another producer");
    return k->fatal ? -1 : 0;
}

static void kafka_counters(sdd_output *o, void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
    kafka_output *k = (kafka_output *)o;
    sdd_spool_counters s;

    sdd_spool_get_counters(k->spool, &s);
    fn(ctx, "kafka_delivered", k->c.delivered);
    fn(ctx, "kafka_duplicates_dropped", k->c.duplicates);
    fn(ctx, "kafka_delivery_errors", k->c.delivery_errors);
    fn(ctx, "kafka_encode_errors", k->c.encode_errors);
    fn(ctx, "notifications_lost", k->c.lost);
    fn(ctx, "spool_full_refused", s.refused_full);
    fn(ctx, "spool_write_errors", s.write_errors);
    fn(ctx, "spool_torn_dropped", s.torn_dropped);
    fn(ctx, "spool_corrupt_skipped", s.corrupt_skipped);
    fn(ctx, "spool_records", s.records);
}

static void free_output(kafka_output *k)
{
    if (k->rkt)
        rd_kafka_topic_destroy(k->rkt);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    if (k->conf)
        rd_kafka_conf_destroy(k->conf);
    sdd_spool_close(k->spool);
    sdd_registry_free(k->registry);
    sdd_avro_free(k->avro);
    sdd__map_free(k->accepted);
    sdd__map_free(k->on_topic);
    free(k->topic);
    free(k);
}

/* Waits a bounded time for what is in flight; whatever is not delivered by
 * then stays in the spool for the next start. */
static void kafka_close(sdd_output *o)
{
    kafka_output *k = (kafka_output *)o;
    double deadline = sdd_now_seconds() + CLOSE_WAIT_MS / 1000.0;
    sdd_error err;

    kafka_flush(o, &err);
    if (k->transactional && k->txn_open && !k->fatal && !k->renew)
        txn_abort(k);                   /* what the last commit did not take stays in the spool */
    while (!k->transactional && k->n_fl > 0 && sdd_now_seconds() < deadline) {
        rd_kafka_poll(k->rk, 100);
        settle(k);
        pump(k);
    }
    if (k->n_fl > 0 || sdd_spool_end(k->spool) > sdd_spool_head(k->spool))
        sdd_logf(&k->log, SDD_LOG_WARNING, "kafka output: notifications not delivered yet stay in the spool");
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(k->rk, 0);            /* the purged ones' reports: no release */
    free_output(k);
}

static const sdd_output_ops kafka_ops = {kafka_write, kafka_flush, kafka_close, kafka_counters, kafka_commit};

/* The spool's records count as accepted: a revision there is not spooled twice. */
static int load_spooled(kafka_output *k, sdd_error *err)
{
    uint64_t pos = 0;
    char *json, id[128];
    size_t len;
    int rc, revision;

    while ((rc = sdd_spool_read(k->spool, &pos, &json, &len, err)) == 1) {
        if (id_and_revision(json, len, id, sizeof(id), &revision) == 0)
            note_revision(k->accepted, id, revision);
        free(json);
    }
    return rc;
}

static int open_parts(kafka_output *k, const sdd_settings *cfg, sdd_error *err)
{
    k->transactional = sdd_settings_transactional(cfg);
    if (sdd_output_kafka_check(cfg, err) < 0 || make_conf(k, cfg, err) < 0)
        return -1;
    parse_format(cfg->output_format, &k->fmt);
    if (k->fmt != FMT_JSON && !(k->avro = sdd_avro_new(err)))
        return -1;
    if (k->fmt == FMT_CONFLUENT && !(k->registry = sdd_registry_new(cfg->schema_registry, err)))
        return -1;
    k->spool = sdd_spool_open(cfg->spool_dir, (uint64_t)cfg->spool_max_bytes, &k->log, err);
    if (!k->spool || load_spooled(k, err) < 0)
        return -1;
    return make_producer(k, err);
}

sdd_output *sdd_output_kafka_open(const char *topic, const sdd_settings *cfg, const sdd_logger *log,
                                  sdd_error *err)
{
    kafka_output *k = calloc(1, sizeof(*k));

    if (!k || !(k->topic = strdup(topic)) || !(k->accepted = sdd__map_new()) || !(k->on_topic = sdd__map_new())) {
        if (k)
            free_output(k);
        sdd__fail(err, SDD_E_NOMEM, "kafka output: out of memory");
        return NULL;
    }
    k->base.ops = &kafka_ops;
    if (log)
        k->log = *log;
    sdd_ratelimit_init(&k->limit, ERROR_LOG_INTERVAL);
    k->wait = RETRY_FIRST;
    if (open_parts(k, cfg, err) < 0) {
        free_output(k);
        return NULL;
    }
    k->send_pos = sdd_spool_head(k->spool);
    scan_topic(k);
    return &k->base;
}
