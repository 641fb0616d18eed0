/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source_kafka.c: the Kafka inputs, as one member of a consumer group
 * subscribed to every input topic; each message is one or more pmacct JSON
 * lines, of the kind its topic was declared as.
 *
 * Order. Each assigned partition is an input of the daemon's merge
 * (merge.h): its records wait in a queue of their own, and the engine gets
 * the oldest head while every partition that may still bring an older
 * record (not read to its end, and not silent for source_idle_seconds) has
 * one queued. So a backlog spread over partitions and topics reaches the
 * engine in event time, as replay reads its files. A partition whose queue
 * is nearly full is paused (rd_kafka_pause_partitions: what librdkafka had
 * fetched of it is dropped, and fetched again from the last message read
 * once it is resumed), which bounds the memory. The records of one message
 * go to the engine together.
 *
 * The guarantee: a message's offset is stored (enable.auto.offset.store is
 * off, rd_kafka_offsets_store) only once its records are in the engine, and
 * stored offsets are committed only when the daemon has made a checkpoint
 * durable (sdd_kafka_source_commit; enable.auto.commit is off), whose cursor
 * then names them. A crash loses no record the engine's saved state lacks;
 * records taken after the checkpoint are read again after a restart.
 *
 * With a checkpoint (daemon.c), a restart reads each partition again from
 * its cursor (sdd_kafka_source_resume), whatever the group committed. With a
 * transactional Kafka output the consumer commits nothing itself: the
 * output's transactions carry the offsets.
 *
 * Everything librdkafka reports (messages, errors, its log) is served from
 * one queue in the daemon's thread: the log is routed to the main queue
 * (log.queue) and the main queue to the consumer queue, which writes to a
 * pipe when it stops being empty, so the daemon's poll(2) wakes for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "util/error.h"
#include "engine/engine.h"
#include "io/merge.h"
#include "io/sources.h"

/* What the offset guarantee and the daemon depend on: set after the file,
 * whatever it says. */
static const struct {
    const char *key, *value;
} fixed_props[] = {
    {"enable.auto.offset.store", "false"},
    {"enable.auto.commit", "false"},    /* committed after each durable checkpoint */
    {"enable.partition.eof", "true"},   /* to know when every partition is read */
    {"log.queue", "true"},              /* to serve the log in the daemon's thread */
};

#define ERROR_LOG_INTERVAL 60.0         /* seconds between two logs of one error */
#define CLOSE_TIMEOUT 5                 /* seconds the close waits for the group coordinator */
#define PART_QUEUE 8192                 /* records of a partition waiting to be merged */
#define PART_ROOM 512                   /* a partition with less room is paused */

typedef struct part_state {
    int topic;                          /* index in topics */
    int32_t partition;
    int input;                          /* its queue in the merge */
    int assigned, at_end, paused;
    double last;                        /* wall clock of its last message, or of its assignment */
    int64_t read;                       /* the next offset to read; -1 not known */
    int64_t taken;                      /* the next offset the engine has not taken; -1 not known */
    int64_t stored;                     /* taken when last stored */
} part_state;

struct sdd_kafka_source {
    rd_kafka_conf_t *conf;              /* until rd_kafka_new takes it */
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    sdd_kafka_topic *topics;            /* names owned */
    int n_topics;
    int wake[2];                        /* librdkafka writes to [1], poll(2) waits on [0] */
    part_state *parts;
    int n_parts, cap_parts;
    uint64_t messages;
    int commit_by_output;
    sdd_merge *merge;                   /* where the records wait (sdd_kafka_source_into) */
    sdd_engine *engine;                 /* parses them */
    double idle_seconds;                /* a silent partition stops holding the others back */
    double now;                         /* the wall clock of this read */
    rd_kafka_topic_partition_list_t *resume;    /* where a checkpoint said to go on */
    sdd_logger log;
    sdd_ratelimit limit;
};

/* ---- the properties file ---------------------------------------------- */

static char *trim(char *s)
{
    char *end;

    s += strspn(s, " \t\r\n");
    end = s + strlen(s);
    while (end > s && strchr(" \t\r\n", end[-1]))
        *--end = '\0';
    return s;
}

/* Splits `key=value`, or pmacct's `global, key, value` (or `topic, ...`),
 * in place; -1 when the line is neither. */
static int split_property(char *line, char **key, char **value)
{
    char *eq = strchr(line, '='), *comma = strchr(line, ',');

    if (eq && (!comma || eq < comma)) {
        *eq = '\0';
        *key = trim(line);
        *value = trim(eq + 1);
        return **key ? 0 : -1;
    }
    if (!comma)
        return -1;
    *comma = '\0';
    line = trim(line);
    if (strcmp(line, "global") != 0 && strcmp(line, "topic") != 0)
        return -1;
    *key = comma + 1;
    comma = strchr(*key, ',');
    if (!comma)
        return -1;
    *comma = '\0';
    *key = trim(*key);
    *value = trim(comma + 1);
    return **key ? 0 : -1;
}

static int read_property(char *raw, sdd_kv_fn fn, void *ctx, char *why, size_t why_len)
{
    char *line = trim(raw), *key, *value;

    if (!*line || *line == '#')
        return 0;
    if (split_property(line, &key, &value) < 0) {
        snprintf(why, why_len, "expected key=value (or pmacct's global, key, value)");
        return -1;
    }
    return fn(ctx, key, value, why, why_len);
}

/* Reads the lines of f into fn; 0, or -1 with the reason in why. */
static int read_properties(FILE *f, sdd_kv_fn fn, void *ctx, int *lineno, char *why, size_t why_len)
{
    char buf[4096];

    while (fgets(buf, sizeof(buf), f)) {
        ++*lineno;
        if (!strchr(buf, '\n') && !feof(f)) {
            snprintf(why, why_len, "line longer than %zu characters", sizeof(buf) - 2);
            return -1;
        }
        if (read_property(buf, fn, ctx, why, why_len) < 0)
            return -1;
    }
    if (ferror(f)) {
        snprintf(why, why_len, "%s", strerror(errno));
        return -1;
    }
    return 0;
}

int sdd_kafka_config_read(const char *path, sdd_kv_fn fn, void *ctx, sdd_error *err)
{
    FILE *f = fopen(path, "r");
    char why[400];
    int lineno = 0, rc;

    if (!f) {
        sdd__fail(err, SDD_E_IO, "kafka_config_file: %s: %s", path, strerror(errno));
        return -1;
    }
    rc = read_properties(f, fn, ctx, &lineno, why, sizeof(why));
    fclose(f);
    if (rc < 0)
        sdd__fail(err, SDD_E_SERVICE, "kafka_config_file: %s:%d: %s", path, lineno, why);
    return rc;
}

/* ---- settings ---------------------------------------------------------- */

static int set_property(void *conf, const char *key, const char *value, char *why, size_t why_len)
{
    return rd_kafka_conf_set(conf, key, value, why, why_len) == RD_KAFKA_CONF_OK ? 0 : -1;
}

/* Logs once per ERROR_LOG_INTERVAL for each key. */
static void log_limited(sdd_kafka_source *k, sdd_log_level level, const char *key, const char *msg)
{
    sdd_log_limited(&k->log, &k->limit, level, key, "kafka", msg);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    sdd_kafka_source *k = opaque;
    sdd_kafka_log_error(&k->log, &k->limit, "kafka", rd_kafka_fatal_error(rk, NULL, 0) != 0, err, reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    sdd_kafka_source *k = rd_kafka_opaque(rk);
    sdd_kafka_log_line(&k->log, &k->limit, "kafka", level, fac, buf);
}

/* Sets the fixed properties; with warn, says so for each one the file had
 * changed. */
static int set_fixed(sdd_kafka_source *k, int warn, sdd_error *err)
{
    char why[256], was[256];
    size_t len;

    for (size_t i = 0; i < sizeof(fixed_props) / sizeof(fixed_props[0]); i++) {
        len = sizeof(was);
        if (warn && rd_kafka_conf_get(k->conf, fixed_props[i].key, was, &len) == RD_KAFKA_CONF_OK &&
            strcmp(was, fixed_props[i].value) != 0)
            sdd_logf(&k->log, SDD_LOG_WARNING, "kafka_config_file: %s=%s ignored: sddd needs %s",
                     fixed_props[i].key, was, fixed_props[i].value);
        if (set_property(k->conf, fixed_props[i].key, fixed_props[i].value, why, sizeof(why)) < 0) {
            sdd__fail(err, SDD_E_SERVICE, "kafka: %s: %s", fixed_props[i].key, why);
            return -1;
        }
    }
    return 0;
}

/* ---- partitions -------------------------------------------------------- */

static int topic_index(const sdd_kafka_source *k, const char *name)
{
    for (int i = 0; i < k->n_topics; i++)
        if (strcmp(k->topics[i].name, name) == 0)
            return i;
    return -1;
}

static part_state *part_find(const sdd_kafka_source *k, int topic, int32_t partition)
{
    for (int i = 0; i < k->n_parts; i++)
        if (k->parts[i].topic == topic && k->parts[i].partition == partition)
            return &k->parts[i];
    return NULL;
}

/* The partition's state, made with a queue in the merge when new; NULL when
 * out of memory (its records then go to the engine as they come). */
static part_state *part_get(sdd_kafka_source *k, int topic, int32_t partition)
{
    part_state *p = part_find(k, topic, partition);
    int input;

    if (p)
        return p;
    if (k->n_parts == k->cap_parts) {
        int cap = k->cap_parts ? 2 * k->cap_parts : 8;
        part_state *grown = realloc(k->parts, (size_t)cap * sizeof(*grown));
        if (!grown)
            return NULL;
        k->parts = grown;
        k->cap_parts = cap;
    }
    if ((input = sdd_merge_add(k->merge, PART_QUEUE)) < 0)
        return NULL;
    p = &k->parts[k->n_parts++];
    *p = (part_state){.topic = topic, .partition = partition, .input = input, .read = -1, .taken = -1,
                      .stored = -1};
    return p;
}

/* A partition is paused while its queue has less than PART_ROOM records of
 * room, and resumed once half of it is free; paused -1 (just assigned: what
 * librdkafka holds is not known) asks librdkafka either way. */
static void update_pause(sdd_kafka_source *k, part_state *p)
{
    size_t room = sdd_merge_room(k->merge, p->input);
    int pause = p->paused == 1 ? room < PART_QUEUE / 2 : room < PART_ROOM;
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_resp_err_t rc;

    if (pause == p->paused)
        return;
    list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, k->topics[p->topic].name, p->partition);
    rc = pause ? rd_kafka_pause_partitions(k->rk, list) : rd_kafka_resume_partitions(k->rk, list);
    if (!rc)
        rc = list->elems[0].err;
    if (rc)
        log_limited(k, SDD_LOG_WARNING, "pause", rd_kafka_err2str(rc));
    else
        p->paused = pause;
    rd_kafka_topic_partition_list_destroy(list);
}

/* Where each newly assigned partition starts: after what this process read
 * of it before (those records are in the merge or the engine already), else
 * where a checkpoint's cursor says, else at the group's committed offset. */
static void start_offsets(sdd_kafka_source *k, rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[i];
        const part_state *p = part_find(k, topic_index(k, tp->topic), tp->partition);
        const rd_kafka_topic_partition_t *r =
            k->resume ? rd_kafka_topic_partition_list_find(k->resume, tp->topic, tp->partition) : NULL;
        if (p && p->read >= 0)
            tp->offset = p->read;
        else if (r)
            tp->offset = r->offset;
    }
}

/* An assigned partition holds the merge back until it has records queued
 * or is read to its end; a revoked one no longer does. */
static void note_assignment(sdd_kafka_source *k, rd_kafka_topic_partition_list_t *parts, int assign)
{
    for (int i = 0; i < parts->cnt; i++) {
        int t = topic_index(k, parts->elems[i].topic);
        part_state *p = t >= 0 ? part_get(k, t, parts->elems[i].partition) : NULL;
        if (!p)
            continue;
        p->assigned = assign;
        p->at_end = 0;
        p->last = sdd_now_seconds();
        sdd_merge_set_more(k->merge, p->input, assign);
        p->paused = -1;
        p->stored = -1;                 /* librdkafka forgets what was stored before */
        if (assign)
            update_pause(k, p);
    }
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
    sdd_kafka_source *k = opaque;
    int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t rc = RD_KAFKA_RESP_ERR_NO_ERROR;

    if (assign)
        start_offsets(k, parts);
    if (cooperative)
        error = assign ? rd_kafka_incremental_assign(rk, parts) : rd_kafka_incremental_unassign(rk, parts);
    else
        rc = rd_kafka_assign(rk, assign ? parts : NULL);
    if (error || rc)
        log_limited(k, SDD_LOG_WARNING, "assign", error ? rd_kafka_error_string(error) : rd_kafka_err2str(rc));
    else
        sdd_logf(&k->log, SDD_LOG_INFO, "kafka: %d partitions %s", parts->cnt, assign ? "assigned" : "revoked");
    if (!error && !rc)
        note_assignment(k, parts, assign);
    if (error)
        rd_kafka_error_destroy(error);
}

/* brokers and group first, so that the file may add to them (TLS, SASL,
 * client.id, ...) or override them, as in pmacct; the fixed properties
 * before the file too, to tell which ones it changes. */
static int configure(sdd_kafka_source *k, const char *brokers, const char *group, const char *file,
                     sdd_error *err)
{
    const char *const base[][2] = {
        {"bootstrap.servers", brokers}, {"group.id", group}, {"auto.offset.reset", "earliest"},
    };
    char why[256];

    k->conf = rd_kafka_conf_new();
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
        if (set_property(k->conf, base[i][0], base[i][1], why, sizeof(why)) < 0) {
            sdd__fail(err, SDD_E_SERVICE, "kafka: %s: %s", base[i][0], why);
            return -1;
        }
    if (set_fixed(k, 0, err) < 0)
        return -1;
    if (file && *file && sdd_kafka_config_read(file, set_property, k->conf, err) < 0)
        return -1;
    if (set_fixed(k, 1, err) < 0)
        return -1;
    rd_kafka_conf_set_opaque(k->conf, k);
    rd_kafka_conf_set_error_cb(k->conf, on_error);
    rd_kafka_conf_set_log_cb(k->conf, on_log);
    rd_kafka_conf_set_rebalance_cb(k->conf, on_rebalance);
    return 0;
}

static int copy_topics(sdd_kafka_source *k, const sdd_kafka_topic *topics, int n)
{
    k->topics = calloc((size_t)n, sizeof(*k->topics));
    if (!k->topics)
        return -1;
    for (k->n_topics = 0; k->n_topics < n; k->n_topics++) {
        k->topics[k->n_topics].kind = topics[k->n_topics].kind;
        k->topics[k->n_topics].name = strdup(topics[k->n_topics].name);
        if (!k->topics[k->n_topics].name)
            return -1;
    }
    return 0;
}

sdd_kafka_source *sdd_kafka_source_new(const char *brokers, const char *group, const char *config_file,
                                       const sdd_kafka_topic *topics, int n_topics, const sdd_logger *log,
                                       sdd_error *err)
{
    sdd_kafka_source *k = calloc(1, sizeof(*k));

    if (!k) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        return NULL;
    }
    k->wake[0] = k->wake[1] = -1;
    if (log)
        k->log = *log;
    sdd_ratelimit_init(&k->limit, ERROR_LOG_INTERVAL);
    if (copy_topics(k, topics, n_topics) < 0) {
        sdd__fail(err, SDD_E_NOMEM, "out of memory");
        sdd_kafka_source_free(k);
        return NULL;
    }
    if (configure(k, brokers, group, config_file, err) < 0) {
        sdd_kafka_source_free(k);
        return NULL;
    }
    return k;
}

/* ---- running ----------------------------------------------------------- */

static int subscribe(sdd_kafka_source *k, sdd_error *err)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(k->n_topics);
    rd_kafka_resp_err_t rc;

    for (int i = 0; i < k->n_topics; i++)
        rd_kafka_topic_partition_list_add(list, k->topics[i].name, RD_KAFKA_PARTITION_UA);
    rc = rd_kafka_subscribe(k->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (rc) {
        sdd__fail(err, SDD_E_SERVICE, "kafka: subscribe: %s", rd_kafka_err2str(rc));
        return -1;
    }
    return 0;
}

int sdd_kafka_source_start(sdd_kafka_source *k, sdd_error *err)
{
    char why[400];

    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, k->conf, why, sizeof(why));
    if (!k->rk) {
        sdd__fail(err, SDD_E_SERVICE, "kafka: %s", why);
        return -1;
    }
    k->conf = NULL;
    rd_kafka_set_log_queue(k->rk, NULL);
    rd_kafka_poll_set_consumer(k->rk);
    k->queue = rd_kafka_queue_get_consumer(k->rk);
    if (pipe2(k->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
        sdd__fail(err, SDD_E_IO, "kafka: pipe: %s", strerror(errno));
        return -1;
    }
    rd_kafka_queue_io_event_enable(k->queue, k->wake[1], "k", 1);
    return subscribe(k, err);
}

int sdd_kafka_source_fd(const sdd_kafka_source *k)
{
    return k->wake[0];
}

const char *sdd_kafka_source_fatal(const sdd_kafka_source *k, char *buf, size_t size)
{
    buf[0] = '\0';
    if (k->rk)
        rd_kafka_fatal_error(k->rk, buf, size);
    return buf;
}

uint64_t sdd_kafka_source_messages(const sdd_kafka_source *k)
{
    return k->messages;
}

/* Each newline-separated record of the payload, as a line. */
static void split_payload(const rd_kafka_message_t *m, sdd_input_kind kind, sdd_line_fn fn, void *ctx)
{
    const char *p = m->payload, *end = p + (m->payload ? m->len : 0);

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t len = (size_t)(stop - p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len > 0)
            fn(ctx, kind, p, len);
        p = stop + 1;
    }
}
/* A message being queued: each record is held until the next one is
 * parsed, so that its last one carries the message's end. */
typedef struct message {
    sdd_kafka_source *k;
    part_state *p;
    sdd_record held;
    int has;
} message;

/* Queues a record of p. With no room (a message of more than PART_ROOM
 * records) or no queue, it goes to the engine at once, as a file's does. */
static void queue_record(sdd_kafka_source *k, part_state *p, const sdd_record *r, int64_t position)
{
    if (!p || sdd_merge_push(k->merge, p->input, r, position) < 0)
        sdd__engine_add_record(k->engine, r);
}

static void on_line(void *ctx, sdd_input_kind kind, const char *line, size_t len)
{
    message *msg = ctx;
    sdd_record r;

    if (sdd__engine_parse(msg->k->engine, kind, line, len, &r) <= 0)
        return;                         /* a skipped line is counted there */
    if (msg->has)
        queue_record(msg->k, msg->p, &msg->held, SDD_MERGE_WITH_NEXT);
    msg->held = r;
    msg->has = 1;
}

static void on_message(sdd_kafka_source *k, const rd_kafka_message_t *m)
{
    int t = m->rkt ? topic_index(k, rd_kafka_topic_name(m->rkt)) : -1;
    part_state *p = t >= 0 ? part_get(k, t, m->partition) : NULL;
    message msg = {.k = k, .p = p};
    char key[64];

    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (p) {
            p->at_end = 1;
            p->read = m->offset;
        }
        return;
    }
    if (m->err) {
        snprintf(key, sizeof(key), "consume %d", m->err);
        log_limited(k, SDD_LOG_WARNING, key, rd_kafka_message_errstr(m));
        return;
    }
    k->messages++;
    if (t < 0)
        return;
    if (p && !sdd_merge_pending(k->merge, p->input))
        sdd_merge_set_position(k->merge, p->input, m->offset);     /* the engine took all before it */
    split_payload(m, k->topics[t].kind, on_line, &msg);
    if (msg.has)
        queue_record(k, p, &msg.held, m->offset + 1);
    if (!p)
        return;
    p->at_end = 0;
    p->read = m->offset + 1;
    p->last = k->now;
    update_pause(k, p);
}

static void store_offsets(sdd_kafka_source *k, rd_kafka_topic_partition_list_t *done)
{
    rd_kafka_resp_err_t rc = done->cnt ? rd_kafka_offsets_store(k->rk, done) : RD_KAFKA_RESP_ERR_NO_ERROR;
    char msg[256];

    /* __STATE: the partition was revoked meanwhile; its new owner reads
     * these messages again, which is what the guarantee wants */
    if (rc && rc != RD_KAFKA_RESP_ERR__STATE) {
        snprintf(msg, sizeof(msg), "storing offsets: %s", rd_kafka_err2str(rc));
        log_limited(k, SDD_LOG_WARNING, "offsets_store", msg);
    }
    rd_kafka_topic_partition_list_destroy(done);
}

static void drain_wake(sdd_kafka_source *k)
{
    char buf[64];

    while (read(k->wake[0], buf, sizeof(buf)) > 0)
        ;
}

sdd_read_status sdd_kafka_source_read(sdd_kafka_source *k, int max_messages)
{
    rd_kafka_message_t *m = NULL;
    int n;

    k->now = sdd_now_seconds();
    drain_wake(k);                      /* before polling: an event after this wakes poll(2) again */
    for (n = 0; n < max_messages && (m = rd_kafka_consumer_poll(k->rk, 0)) != NULL; n++) {
        on_message(k, m);
        rd_kafka_message_destroy(m);
    }
    for (int i = 0; i < k->n_parts; i++) {
        const part_state *p = &k->parts[i];
        sdd_merge_set_more(k->merge, p->input,
                           p->assigned && !p->at_end && k->now - p->last < k->idle_seconds);
    }
    return n == max_messages ? SDD_READ_MORE : SDD_READ_IDLE;
}

void sdd_kafka_source_taken(sdd_kafka_source *k)
{
    rd_kafka_topic_partition_list_t *done = rd_kafka_topic_partition_list_new(4);

    for (int i = 0; i < k->n_parts; i++) {
        part_state *p = &k->parts[i];
        p->taken = sdd_merge_pending(k->merge, p->input) ? sdd_merge_position(k->merge, p->input) : p->read;
        if (!p->assigned)
            continue;
        if (p->taken >= 0 && p->taken != p->stored) {
            rd_kafka_topic_partition_list_add(done, k->topics[p->topic].name, p->partition)->offset = p->taken;
            p->stored = p->taken;
        }
        update_pause(k, p);
    }
    store_offsets(k, done);
}

int sdd_kafka_source_caught_up(sdd_kafka_source *k)
{
    rd_kafka_topic_partition_list_t *assigned = NULL;
    int ok;

    if (!k->rk || rd_kafka_assignment(k->rk, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    ok = assigned->cnt > 0;
    for (int i = 0; ok && i < assigned->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &assigned->elems[i];
        const part_state *p = part_find(k, topic_index(k, tp->topic), tp->partition);
        ok = p && p->at_end;
    }
    rd_kafka_topic_partition_list_destroy(assigned);
    return ok;
}

void sdd_kafka_source_lags(const sdd_kafka_source *k, sdd_lag_fn fn, void *ctx)
{
    int64_t low, high;

    for (int i = 0; i < k->n_parts; i++) {
        const part_state *p = &k->parts[i];
        const char *topic = k->topics[p->topic].name;
        int64_t next = p->taken >= 0 ? p->taken : p->read;
        if (!p->assigned || next < 0 ||
            rd_kafka_get_watermark_offsets(k->rk, topic, p->partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
            high < 0)
            continue;
        fn(ctx, topic, p->partition, high > next ? high - next : 0);
    }
}

/* ---- checkpoints --------------------------------------------------------- */

void sdd_kafka_source_into(sdd_kafka_source *k, sdd_merge *m, sdd_engine *e, int idle_seconds)
{
    k->merge = m;
    k->engine = e;
    k->idle_seconds = idle_seconds;
}

void sdd_kafka_source_commit_by_output(sdd_kafka_source *k)
{
    k->commit_by_output = 1;
}

void sdd_kafka_source_commit(sdd_kafka_source *k)
{
    rd_kafka_resp_err_t rc;
    char msg[256];

    if (!k->rk || k->commit_by_output)
        return;
    rc = rd_kafka_commit(k->rk, NULL, 1);   /* the close waits for it */
    if (rc && rc != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        snprintf(msg, sizeof(msg), "committing offsets: %s", rd_kafka_err2str(rc));
        log_limited(k, SDD_LOG_WARNING, "commit", msg);
    }
}

int sdd_kafka_source_resume(sdd_kafka_source *k, const json_t *topics, sdd_error *err)
{
    json_t *parts, *offset;
    const char *topic, *partition;
    char *end;

    if (!json_is_object(topics)) {
        sdd__fail(err, SDD_E_SERVICE, "kafka: the state's cursor is not one of sddd's");
        return -1;
    }
    if (!k->resume)
        k->resume = rd_kafka_topic_partition_list_new(8);
    json_object_foreach((json_t *)topics, topic, parts) {
        json_object_foreach(parts, partition, offset) {
            long p = strtol(partition, &end, 10);
            if (*end || p < 0 || p > INT32_MAX || !json_is_integer(offset))
                continue;
            rd_kafka_topic_partition_list_add(k->resume, topic, (int32_t)p)->offset = json_integer_value(offset);
        }
    }
    return 0;
}

static void cursor_put(json_t *topics, const char *topic, int32_t partition, int64_t next)
{
    json_t *parts = json_object_get(topics, topic);
    char key[16];

    if (!parts) {
        parts = json_object();
        json_object_set_new(topics, topic, parts);
    }
    snprintf(key, sizeof(key), "%d", (int)partition);
    json_object_set_new(parts, key, json_integer(next));
}

json_t *sdd_kafka_source_cursor(const sdd_kafka_source *k)
{
    json_t *topics = json_object();

    for (int i = 0; k->resume && i < k->resume->cnt; i++)
        cursor_put(topics, k->resume->elems[i].topic, k->resume->elems[i].partition, k->resume->elems[i].offset);
    for (int i = 0; i < k->n_parts; i++)
        if (k->parts[i].taken >= 0)
            cursor_put(topics, k->topics[k->parts[i].topic].name, k->parts[i].partition, k->parts[i].taken);
    return topics;
}

rd_kafka_topic_partition_list_t *sdd_kafka_source_offsets(const sdd_kafka_source *k)
{
    rd_kafka_topic_partition_list_t *assigned = NULL, *out;

    if (!k->rk || rd_kafka_assignment(k->rk, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return NULL;
    out = rd_kafka_topic_partition_list_new(assigned->cnt > 0 ? assigned->cnt : 1);
    for (int i = 0; i < assigned->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &assigned->elems[i];
        const part_state *p = part_find(k, topic_index(k, tp->topic), tp->partition);
        if (p && p->taken >= 0)
            rd_kafka_topic_partition_list_add(out, tp->topic, tp->partition)->offset = p->taken;
    }
    rd_kafka_topic_partition_list_destroy(assigned);
    if (out->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(out);
        return NULL;
    }
    return out;
}

rd_kafka_consumer_group_metadata_t *sdd_kafka_source_group(const sdd_kafka_source *k)
{
    return k->rk ? rd_kafka_consumer_group_metadata(k->rk) : NULL;
}

/* Serves the close's queue until the consumer has left its group, for at
 * most CLOSE_TIMEOUT seconds; 1 when it did. */
static int wait_closed(sdd_kafka_source *k, rd_kafka_queue_t *q)
{
    double deadline = sdd_now_seconds() + CLOSE_TIMEOUT;

    while (!rd_kafka_consumer_closed(k->rk) && sdd_now_seconds() < deadline) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)    /* the last revoke */
            on_rebalance(k->rk, rd_kafka_event_error(ev), rd_kafka_event_topic_partition_list(ev), k);
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    return rd_kafka_consumer_closed(k->rk);
}

/* Leaves the group, which commits the stored offsets; 0 when that did not
 * finish within CLOSE_TIMEOUT. With the group coordinator gone, librdkafka
 * finishes a close (and any rd_kafka_destroy) only after session.timeout.ms,
 * 45 s by default: the client is then abandoned to the end of the process
 * instead. Without the final commit, the records since the last automatic
 * commit are read again after a restart, which the guarantee allows. */
static int close_consumer(sdd_kafka_source *k)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->rk);
    rd_kafka_error_t *error;
    int closed = 0;

    if (k->queue) {
        rd_kafka_queue_io_event_enable(k->queue, -1, NULL, 0);
        rd_kafka_queue_destroy(k->queue);
        k->queue = NULL;
    }
    error = rd_kafka_consumer_close_queue(k->rk, q);
    if (error) {
        sdd_logf(&k->log, SDD_LOG_WARNING, "kafka: closing the consumer: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    } else {
        closed = wait_closed(k, q);
    }
    rd_kafka_queue_destroy(q);
    if (!closed) {
        sdd_logf(&k->log, SDD_LOG_WARNING, "kafka: the group was not left within %d s (coordinator gone?): "
                 "exiting without the final commit; records since the last commit will be read again",
                 CLOSE_TIMEOUT);
        return 0;
    }
    rd_kafka_destroy(k->rk);
    return 1;
}

void sdd_kafka_source_free(sdd_kafka_source *k)
{
    if (!k)
        return;
    if (k->rk && !close_consumer(k))
        return;                         /* abandoned to the process's end: see close_consumer */
    if (k->conf)
        rd_kafka_conf_destroy(k->conf);
    for (int i = 0; i < 2; i++)
        if (k->wake[i] >= 0)
            close(k->wake[i]);
    for (int i = 0; i < k->n_topics; i++)
        free((char *)k->topics[i].name);
    free(k->topics);
    free(k->parts);
    if (k->resume)
        rd_kafka_topic_partition_list_destroy(k->resume);
    free(k);
}
