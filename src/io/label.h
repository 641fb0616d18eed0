/* SPDX-License-Identifier: GPL-2.0-or-later */
/* label.h: the label store of the anomaly lifecycle
 * (draft-ietf-nmop-network-anomaly-lifecycle-06, sections 6 and 7).
 *
 * The store holds notification records, every revision of every relevant
 * state, in the order they were written: the engine's detection revisions
 * and the validation and refinement labels people add to them. A label is one
 * more revision of the same relevant state, made from its latest revision.
 * The latest revision of an id is the one with the highest anomaly revision;
 * of equals, the one written last. The engine does not read the store, so
 * its revisions after a label say detection's stage again: the index keeps
 * the latest label beside the latest revision and its stage wins. */
#ifndef SDD_LABEL_H
#define SDD_LABEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sdd/sdd.h"

/* ---- store access ----------------------------------------------------- */

/* Called with each record of a store (notification JSON) and where it is
 * ("labels.jsonl:3"); a non-zero return stops the walk. */
typedef int (*sdd_label_record_fn)(void *ctx, const char *json, const char *where);

typedef struct sdd_label_store sdd_label_store;

/* How far a walk of a store read, so that a later one reads only what was
 * appended since: the file as it was (device, inode, size, modification
 * time), where its last whole line ended and how many lines that was. `at`
 * is, during a walk, where the record handed out starts (-1 when it cannot
 * be read again alone: an Avro container's records are inside blocks). A
 * zeroed mark is the start of any store. */
typedef struct sdd_label_mark {
    uint64_t dev, ino, size;
    int64_t mtime_ns;
    long long end, at;
    long lines;
} sdd_label_mark;

/* What a kind of store does. Another kind (a Kafka topic) is one more
 * implementation: a struct starting with sdd_label_store and these calls;
 * each_since and read_at may be NULL (the store is then read whole each
 * time). */
typedef struct sdd_label_store_ops {
    int (*each)(sdd_label_store *s, sdd_label_record_fn fn, void *ctx, sdd_error *err);
    /* The records after *mark, *mark then at the end. 1 and nothing read
     * when the store changed since the mark in another way than appends
     * (replaced, truncated, rotated; an Avro container that changed at
     * all): it is to be read whole, from a zeroed mark. */
    int (*each_since)(sdd_label_store *s, sdd_label_mark *mark, sdd_label_record_fn fn, void *ctx, sdd_error *err);
    /* The one record at `at` (a mark's at during an earlier walk). */
    int (*read_at)(sdd_label_store *s, long long at, sdd_label_record_fn fn, void *ctx, sdd_error *err);
    int (*append)(sdd_label_store *s, const char *json, sdd_error *err);
    void (*free)(sdd_label_store *s);
} sdd_label_store_ops;

struct sdd_label_store {
    const sdd_label_store_ops *ops;
};

/* A store file: an Avro object container (it starts with "Obj\x01") or JSON
 * lines. Appending keeps the file's kind. NULL with err if it cannot be read. */
sdd_label_store *sdd_label_store_open(const char *path, sdd_error *err);
void sdd_label_store_free(sdd_label_store *s);

/* ---- latest revisions ------------------------------------------------- */

typedef struct sdd_label_index sdd_label_index;

/* One relevant state as its latest revision says. Strings belong to the
 * index. */
typedef struct sdd_label_summary {
    const char *id;
    const char *service;            /* the first vpnId, "-" if none */
    const char *stage;              /* a human's stage over the engine's later revisions (but adjusted) */
    int64_t start_ms, end_ms;       /* end_ms is -1 while the state is open */
    int concern;
    int revision;                   /* the highest anomaly revision, -1 if no anomaly */
    char detectors[256];            /* algorithms that annotated any revision, comma-separated */
    const char *labelled_by;        /* the human of the latest label revision, NULL if none */
    const char *label_comment;      /* that revision's description, NULL if none */
} sdd_label_summary;

/* Reads the whole store. Records that are not JSON or carry no id are
 * skipped and counted, with the first reason kept. */
sdd_label_index *sdd_label_index_load(sdd_label_store *s, sdd_error *err);
void sdd_label_index_free(sdd_label_index *idx);
/* Brings *idx up to the store as it is now: the records appended since it
 * was read are added, and a store that changed otherwise is read again
 * whole (*idx is then a new index). What the validation page does at each
 * request, so that a page costs what was written since the last one. 0, or
 * -1 with err (the index then holds what was read before the error). */
int sdd_label_index_refresh(sdd_label_index **idx, sdd_label_store *s, sdd_error *err);
/* Hands fn every record of relevant state `id`, in store order: those
 * records alone when the index knows where they are (a JSON-lines store),
 * else by walking the whole store. An unknown id: none. 0, or -1 with err. */
int sdd_label_index_each_of(const sdd_label_index *idx, sdd_label_store *s, const char *id, sdd_label_record_fn fn,
                            void *ctx, sdd_error *err);

size_t sdd_label_index_size(const sdd_label_index *idx);          /* relevant states */
void sdd_label_index_get(const sdd_label_index *idx, size_t i, sdd_label_summary *out);  /* in order of first appearance */
long sdd_label_index_find(const sdd_label_index *idx, const char *id);  /* -1 if unknown */
size_t sdd_label_index_skipped(const sdd_label_index *idx, const char **first_reason);

/* The id and revision (the highest anomaly revision, -1 if no anomaly) of
 * one notification record: 0, or -1 when it is not a JSON object with an id
 * shorter than id_size. */
int sdd_label_id_revision(const char *json, size_t len, char *id, size_t id_size, int *revision);

/* Whether `sddctl show` lists it: open ones only if open_only, those of
 * one service if service is not NULL. */
int sdd_label_matches(const sdd_label_summary *s, int open_only, const char *service);

/* The line `sddctl show` prints: id, service, stage, start, end or "open",
 * concern, detectors, labelled by, label comment ("-" for none, on one
 * line); tab-separated, times in UTC (ISO 8601). */
void sdd_label_format(const sdd_label_summary *s, char *buf, size_t len);
/* A time in milliseconds since the epoch in UTC, ISO 8601 ("2023-11-14T22:17:00Z"). */
void sdd_label_format_time(int64_t ms, char *buf, size_t len);

/* Validated relevant states as the truth `sddctl score` reads (the format
 * of `sddctl gen`'s truth.json): a header, then one event a state whose
 * latest stage is a validation or refinement: confirmed, analyzed and
 * adjusted states want an alarm (kind "confirmed"), discarded ones do not
 * (kind "discarded"). States no one validated are left out. Returns how many
 * events were written, or -1 on a write error. */
long sdd_label_write_truth(const sdd_label_index *idx, int time_step_seconds, FILE *out);

/* ---- labels ----------------------------------------------------------- */

typedef enum sdd_label_action {
    SDD_LABEL_CONFIRM,              /* validation: problem_confirmed */
    SDD_LABEL_DISCARD,              /* validation: discarded */
    SDD_LABEL_ANALYZE,              /* refinement: analyzed */
    SDD_LABEL_ADJUST                /* refinement: adjusted */
} sdd_label_action;

/* "confirm", "discard", "analyze", "adjust"; -1 for anything else. */
int sdd_label_action_parse(const char *verb, sdd_label_action *out);
const char *sdd_label_action_stage(sdd_label_action a);

/* The label revision of relevant state `id` (JSON, caller frees): the latest
 * revision with the stage set on the state and on each anomaly, each
 * anomaly's revision one up, the annotator the human `annotator` (its id a
 * UUID v5 of the name) and, when given, `comment` as the description. NULL
 * with err for an unknown id or a stage the label cannot follow. */
char *sdd_label_revision(const sdd_label_index *idx, const char *id, sdd_label_action a, const char *annotator,
                         const char *comment, sdd_error *err);

/* Makes the revision, checks it against the schema, appends it to the store
 * and to the index. */
int sdd_label_apply(sdd_label_store *s, sdd_label_index *idx, const char *id, sdd_label_action a,
                    const char *annotator, const char *comment, sdd_error *err);

#endif
