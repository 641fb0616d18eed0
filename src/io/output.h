/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output.h: where sddd's notifications go, one JSON record a line.
 *
 * An output is a small interface (write, flush, close) so that kinds other
 * than a file or stdout (a Kafka producer) plug in without touching the
 * daemon: each kind embeds struct sdd_output first and fills in its ops. */
#ifndef SDD_OUTPUT_H
#define SDD_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "sdd/sdd.h"
#include "io/settings.h"
#include "io/sources.h"

typedef struct sdd_output sdd_output;

typedef struct sdd_output_ops {
    /* One record, without its newline. 0, or -1 with the reason in err. */
    int (*write)(sdd_output *o, const char *record, size_t len, sdd_error *err);
    /* Everything written so far handed on (to the kernel, to a broker). */
    int (*flush)(sdd_output *o, sdd_error *err);
    void (*close)(sdd_output *o);
    /* Its counters, each as fn(ctx, name, value); NULL when it has none. */
    void (*counters)(sdd_output *o, void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);
    /* A transactional output's commit of what was written since the last
     * one, with the Kafka input's offsets; NULL for the others. */
    int (*commit)(sdd_output *o, const sdd_kafka_source *input, sdd_error *err);
} sdd_output_ops;

struct sdd_output {
    const sdd_output_ops *ops;
};

/* Checks the text of the `output` setting ("" means stdout): 0, or -1 with
 * the reason in err. Nothing is opened. */
int sdd_output_check(const char *spec, sdd_error *err);
/* The same, and the settings a Kafka output needs (output_kafka.h). */
int sdd_output_check_config(const sdd_settings *cfg, sdd_error *err);
/* Opens the output `spec` names: `file:PATH` (appended to, created if need
 * be) or `-` (stdout); `kafka:TOPIC` only through sdd_output_open_config.
 * NULL with the reason in err. */
sdd_output *sdd_output_open(const char *spec, sdd_error *err);
/* The same with the configuration and a logger, which `kafka:TOPIC` needs
 * (output_kafka.h); spec is cfg->output. */
sdd_output *sdd_output_open_config(const sdd_settings *cfg, const sdd_logger *log, sdd_error *err);

int sdd_output_write(sdd_output *o, const char *record, size_t len, sdd_error *err);
int sdd_output_flush(sdd_output *o, sdd_error *err);
void sdd_output_close(sdd_output *o);   /* NULL is fine */
void sdd_output_counters(sdd_output *o, void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

/* Commits what was written since the last commit together with the offsets
 * of `input` (may be NULL), in one transaction where the output has them.
 * 0 done (or nothing to do), 1 not now: call again later, -1 never (err). */
static inline int sdd_output_commit(sdd_output *o, const sdd_kafka_source *input, sdd_error *err)
{
    return o->ops->commit ? o->ops->commit(o, input, err) : 0;
}

#endif
