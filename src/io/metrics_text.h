/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics_text.h: the counters of sddd (the engine's, the inputs', the
 * output's and spool's, the daemon's own), as the daemon walks them for its
 * counters log line, kept as samples and rendered in Prometheus' text
 * exposition format.
 *
 * A sample has the counter's flat name as the log line shows it
 * ("parsed_flow_none") and up to two label values of its own (an input, a
 * router). A table maps flat names to metric families: a name, a type, a
 * help text and labels (parsed_flow_none is sdd_input_lines_total with
 * input="flow", result="none"); docs/metrics.md lists them. A name the table
 * does not know is still rendered, as sdd_NAME of type untyped, so that a new
 * counter is never lost; tests check that none is. */
#ifndef SDD_IO_METRICS_TEXT_H
#define SDD_IO_METRICS_TEXT_H

#include <stdint.h>
#include <stdio.h>

#define SDD_SAMPLE_NAME 64
#define SDD_SAMPLE_LABEL 128

typedef struct sdd_sample {
    char name[SDD_SAMPLE_NAME];         /* flat name */
    char label[2][SDD_SAMPLE_LABEL];    /* values of the family's own labels, unescaped */
    double value;
} sdd_sample;

typedef struct sdd_samples {
    sdd_sample *v;
    int n, cap;
    int failed;                         /* out of memory: some were not kept */
} sdd_samples;

/* Forgets the samples, keeping the room. */
void sdd_samples_clear(sdd_samples *s);
void sdd_samples_free(sdd_samples *s);
/* Adds value to the sample of that name and labels (a new one at first):
 * two parts counting under one name make one series. Labels may be NULL. */
void sdd_samples_add(sdd_samples *s, const char *name, const char *label0, const char *label1, double value);
/* sdd_samples_add without labels, with the signature of the counter walks
 * (sdd_counter_fn): ctx is the sdd_samples. */
void sdd_samples_counter(void *ctx, const char *name, uint64_t value);
/* The value of the first sample of that name; 0 when none. */
double sdd_samples_get(const sdd_samples *s, const char *name);
/* Replaces dst's samples by a copy of src's: 0, or -1 when out of memory
 * (dst unchanged). */
int sdd_samples_copy(sdd_samples *dst, const sdd_samples *src);

/* A histogram of durations (Prometheus' histogram type), kept by whoever
 * times something and turned into samples at each snapshot: the number of
 * observations up to each of SDD_HISTOGRAM_BOUNDS bounds (0.1 ms to 5 s),
 * their number and their sum. */
#define SDD_HISTOGRAM_BOUNDS 10

typedef struct sdd_histogram {
    uint64_t within[SDD_HISTOGRAM_BOUNDS];  /* above the bound before, up to this one */
    uint64_t count;
    double sum;
} sdd_histogram;

void sdd_histogram_observe(sdd_histogram *h, double seconds);
/* Its samples: NAME_bucket with label le, cumulative, the last "+Inf";
 * NAME_sum; NAME_count. */
void sdd_samples_histogram(sdd_samples *s, const char *name, const sdd_histogram *h);

/* Writes every sample, grouped by family, each family after its # HELP and
 * # TYPE lines; label values escaped as the format says. */
void sdd_metrics_render(const sdd_samples *s, FILE *out);
/* 1 when the table maps the flat name (tests: no counter left untyped). */
int sdd_metrics_known(const char *name);

#endif
