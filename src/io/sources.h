/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sources.h: where sddd's records come from, and how its parts log.
 *
 * An input is written `kafka:TOPIC`, `file:PATH` or `-` (stdin); the same
 * form names the output. A file source follows a file as `tail -F` does and
 * hands out whole lines through an sdd_line_fn; the Kafka source is one
 * consumer-group member for every Kafka input, and queues the records of each
 * partition in the daemon's merge (merge.h). Neither blocks: the daemon waits
 * for them in one poll(2) (source_file.c, source_kafka.c, source_spec.c,
 * source_log.c). */
#ifndef SDD_SOURCES_H
#define SDD_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sdd/sdd.h"

/* ---- logging: one line per event, with a level ------------------------ */

typedef enum sdd_log_level { SDD_LOG_ERROR, SDD_LOG_WARNING, SDD_LOG_INFO } sdd_log_level;

typedef struct sdd_logger {
    void (*fn)(void *ctx, sdd_log_level level, const char *msg);
    void *ctx;
} sdd_logger;

const char *sdd_log_level_name(sdd_log_level level);
void sdd_logf(const sdd_logger *log, sdd_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Seconds on the monotonic clock: what the daemon waits and rate-limits by
 * (never the engine's time, which is the records'). */
double sdd_now_seconds(void);

/* Says whether a message under `key` may be logged at `now` (seconds, any
 * monotonic clock): the first time, then at most once per interval. An error
 * that repeats every second (a broker that is down) is logged once a minute,
 * with the count of the ones not logged. */
#define SDD_RATELIMIT_KEYS 32
#define SDD_RATELIMIT_KEY_MAX 96
typedef struct sdd_ratelimit {
    double interval;
    struct {
        char key[SDD_RATELIMIT_KEY_MAX];
        double last;
        uint64_t suppressed;
    } slot[SDD_RATELIMIT_KEYS];
    int n;
} sdd_ratelimit;

void sdd_ratelimit_init(sdd_ratelimit *rl, double interval);
/* 1 to log (*suppressed: how many were held back since the last one), 0 not. */
int sdd_ratelimit_allow(sdd_ratelimit *rl, const char *key, double now, uint64_t *suppressed);
/* "PREFIX: MSG" under `key`, rate-limited, with the count held back. */
void sdd_log_limited(const sdd_logger *log, sdd_ratelimit *rl, sdd_log_level level, const char *key,
                     const char *prefix, const char *msg);

/* librdkafka's error and log callbacks of a client, into its logger: errors
 * by code, log lines of warning level and worse by facility (the rest is
 * debug chatter; FAIL lines repeat what the error callback says). */
void sdd_kafka_log_error(const sdd_logger *log, sdd_ratelimit *rl, const char *prefix, int fatal, int err,
                         const char *reason);
void sdd_kafka_log_line(const sdd_logger *log, sdd_ratelimit *rl, const char *prefix, int level, const char *fac,
                        const char *buf);

/* ---- the text form of an input or an output --------------------------- */

typedef enum sdd_spec_type {
    SDD_SPEC_NONE,          /* "": not used */
    SDD_SPEC_STDIO,         /* "-": stdin for an input, stdout for the output */
    SDD_SPEC_FILE,          /* "file:PATH" */
    SDD_SPEC_KAFKA          /* "kafka:TOPIC" */
} sdd_spec_type;

typedef struct sdd_spec {
    sdd_spec_type type;
    const char *name;       /* the path or topic, inside the parsed text; "" otherwise */
} sdd_spec;

/* 0, or -1 with the reason in err (without the setting's name). */
int sdd_spec_parse(const char *text, sdd_spec *out, sdd_error *err);


/* ---- sources ---------------------------------------------------------- */

/* One line as read (no newline), of the kind its input was declared as. */
typedef void (*sdd_line_fn)(void *ctx, sdd_input_kind kind, const char *line, size_t len);

typedef enum sdd_read_status {
    SDD_READ_IDLE,          /* nothing more for now: wait */
    SDD_READ_MORE,          /* stopped at the budget: call again without waiting */
    SDD_READ_DONE           /* stdin ended: nothing will ever come */
} sdd_read_status;

/* ---- files ---- */

typedef struct sdd_file_source sdd_file_source;

/* path NULL reads stdin until its end. A path need not exist yet: it is
 * waited for (logged once). The file is read from its start; a stream that
 * starts with gzip's magic bytes is decompressed as it is read. */
sdd_file_source *sdd_file_source_new(const char *path, sdd_input_kind kind, const sdd_logger *log);
void sdd_file_source_free(sdd_file_source *s);
/* The descriptor to wait on for input, or -1 when the source has to be
 * looked at on a timer: a regular file (always "readable" to poll) or a path
 * that is not there. */
int sdd_file_source_fd(const sdd_file_source *s);
/* Reads up to budget bytes of what is there and hands out each complete
 * line. Call it when the descriptor is readable, or on the timer. */
sdd_read_status sdd_file_source_read(sdd_file_source *s, size_t budget, sdd_line_fn fn, void *ctx);
uint64_t sdd_file_source_too_long(const sdd_file_source *s);
/* gzip'ed streams found faulty or cut short, since the source was made. */
uint64_t sdd_file_source_gzip_errors(const sdd_file_source *s);
/* No more will be read (sddd exits at the end of its inputs): a gzip'ed
 * file that stops in the middle of its stream is said to be cut short, and
 * counted; its position stays at the start of its unfinished last line. */
void sdd_file_source_end(sdd_file_source *s);
/* Where the lines handed out so far end in the regular file open now: 0,
 * or -1 when no regular file is open (stdin, a FIFO, a path not there). */
int sdd_file_source_position(const sdd_file_source *s, uint64_t *dev, uint64_t *ino, int64_t *offset);
/* Goes on at offset in the file (dev, ino) when that is the file the path
 * names, now or at its next open; another file is read from its start. */
void sdd_file_source_resume(sdd_file_source *s, uint64_t dev, uint64_t ino, int64_t offset);

/* ---- Kafka ---- */

typedef struct sdd_kafka_topic {
    const char *name;
    sdd_input_kind kind;
} sdd_kafka_topic;

/* Reads a librdkafka properties file: `key=value` a line, or pmacct's
 * `global, key, value` / `topic, key, value`; blank lines and `#` comments
 * are skipped. fn sets one property: 0, or -1 with its reason in why. -1 with
 * "file:line: reason" in err at the first bad line. */
typedef int (*sdd_kv_fn)(void *ctx, const char *key, const char *value, char *why, size_t why_len);
int sdd_kafka_config_read(const char *path, sdd_kv_fn fn, void *ctx, sdd_error *err);

typedef struct sdd_kafka_source sdd_kafka_source;
struct sdd_merge;

/* Checks and keeps the consumer's settings: brokers and group, then every
 * property of config_file (may be NULL or ""), then the ones the offset
 * guarantee depends on. Connects to nothing: sdd_kafka_source_start does. */
sdd_kafka_source *sdd_kafka_source_new(const char *brokers, const char *group, const char *config_file,
                                       const sdd_kafka_topic *topics, int n_topics, const sdd_logger *log,
                                       sdd_error *err);
/* Before start: each assigned partition's records are parsed by e and wait
 * in a queue of m of their own; a partition not read to its end holds the
 * merge back until it has brought nothing for idle_seconds. */
void sdd_kafka_source_into(sdd_kafka_source *k, struct sdd_merge *m, sdd_engine *e, int idle_seconds);
int sdd_kafka_source_start(sdd_kafka_source *k, sdd_error *err);
/* Readable when messages or events wait (a pipe librdkafka writes to). */
int sdd_kafka_source_fd(const sdd_kafka_source *k);
/* Queues the records of up to max_messages messages in the merge, and says
 * which partitions may still bring an older record at once. */
sdd_read_status sdd_kafka_source_read(sdd_kafka_source *k, int max_messages);
/* After the merge handed records on: stores the offsets of what the engine
 * took (rd_kafka_offsets_store) and resumes the partitions that have room
 * again. */
void sdd_kafka_source_taken(sdd_kafka_source *k);
/* Once a checkpoint naming the stored offsets is durable: commits them
 * (asynchronously; the close waits). Nothing with a transactional output. */
void sdd_kafka_source_commit(sdd_kafka_source *k);
/* 1 when partitions are assigned and every one of them was read to its end. */
int sdd_kafka_source_caught_up(sdd_kafka_source *k);
uint64_t sdd_kafka_source_messages(const sdd_kafka_source *k);
/* The consumer's lag of each assigned partition: its high watermark, as
 * the last fetch from the broker told it (no request is made), less the
 * next offset the engine has not taken. A partition with either not known
 * yet is left out. */
typedef void (*sdd_lag_fn)(void *ctx, const char *topic, int32_t partition, int64_t lag);
void sdd_kafka_source_lags(const sdd_kafka_source *k, sdd_lag_fn fn, void *ctx);
/* The error that ends the consumer (librdkafka's fatal error: a static
 * member fenced by another with its group.instance.id), "" while there is
 * none. */
const char *sdd_kafka_source_fatal(const sdd_kafka_source *k, char *buf, size_t size);
/* Before start: the offsets are committed by a transactional output
 * (sdd_output_commit) instead of by the consumer. */
void sdd_kafka_source_commit_by_output(sdd_kafka_source *k);
/* A cursor is {TOPIC: {PARTITION: NEXT_OFFSET, ...}, ...}. */
/* Before start: where a checkpoint's cursor (sdd_kafka_source_cursor) says
 * to go on reading; a partition it names starts there when assigned,
 * whatever the group committed. -1 with err for what is no cursor. */
int sdd_kafka_source_resume(sdd_kafka_source *k, const json_t *cursor, sdd_error *err);
/* The next offset the engine has not taken of every partition read (and of
 * those the resumed cursor named): a new reference, NULL when out of
 * memory. */
json_t *sdd_kafka_source_cursor(const sdd_kafka_source *k);
/* What a transaction commits: the next offsets of the assigned partitions
 * (the caller destroys the list; NULL when none is known) and the group's
 * metadata (NULL before start; the caller destroys it). */
struct rd_kafka_topic_partition_list_s *sdd_kafka_source_offsets(const sdd_kafka_source *k);
struct rd_kafka_consumer_group_metadata_s *sdd_kafka_source_group(const sdd_kafka_source *k);
/* Leaves the group and frees everything (the merge must outlive it).
 * When the group coordinator does not answer within a few seconds the
 * client is left to the end of the process instead (librdkafka would hold
 * it for session.timeout.ms): call this only on the way out. */
void sdd_kafka_source_free(sdd_kafka_source *k);

#endif
