/* output.h: where sddd's notifications go, one JSON record a line.
 *
 * An output is a small interface (write, flush, close) so that kinds other
 * than a file or stdout (a Kafka producer) plug in without touching the
 * daemon: each kind embeds struct sdd_output first and fills in its ops. */
#ifndef SDD_OUTPUT_H
#define SDD_OUTPUT_H

#include <stddef.h>

#include "sdd/sdd.h"

typedef struct sdd_output sdd_output;

typedef struct sdd_output_ops {
    /* One record, without its newline. 0, or -1 with the reason in err. */
    int (*write)(sdd_output *o, const char *record, size_t len, sdd_error *err);
    /* Everything written so far handed on (to the kernel, to a broker). */
    int (*flush)(sdd_output *o, sdd_error *err);
    void (*close)(sdd_output *o);
} sdd_output_ops;

struct sdd_output {
    const sdd_output_ops *ops;
};

/* Checks the text of the `output` setting ("" means stdout): 0, or -1 with
 * the reason in err. Nothing is opened. */
int sdd_output_check(const char *spec, sdd_error *err);
/* Opens the output `spec` names: `file:PATH` (appended to, created if need
 * be) or `-` (stdout). NULL with the reason in err. */
sdd_output *sdd_output_open(const char *spec, sdd_error *err);

int sdd_output_write(sdd_output *o, const char *record, size_t len, sdd_error *err);
int sdd_output_flush(sdd_output *o, sdd_error *err);
void sdd_output_close(sdd_output *o);   /* NULL is fine */

#endif
