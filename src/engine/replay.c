/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay.c: runs an engine over recorded pmacct JSON files.
 *
 * Each file is read a line at a time (zlib reads plain and gzip'ed files
 * alike, on a thread of its own: inflater.h; linereader.c cuts the lines)
 * and the three inputs are merged by
 * event time, flows first on a tie, so that the engine sees one time-ordered
 * stream whatever the files' sizes: memory stays constant and the output
 * depends only on the files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "engine/engine.h"
#include "engine/inflater.h"
#include "util/linereader.h"

typedef struct reader {
    sdd__inflater *in;
    const char *path;
    sdd_input_kind kind;
    sdd_linereader *lines;
    int at_end;                         /* the file has nothing more */
    const char *line;
    int pending;                        /* rec holds the next record */
    sdd_record rec;
} reader;

/* Reads one line into r->line; its length, or -1 at the end. Lines longer
 * than SDD_LINE_MAX are skipped by the line reader. */
static long read_line(reader *r)
{
    size_t len, avail;

    for (;;) {
        r->line = sdd__linereader_next(r->lines, r->at_end, &len);
        if (r->line)
            return (long)len;
        if (r->at_end)
            return -1;
        char *space = sdd__linereader_space(r->lines, &avail);
        size_t n = space ? sdd__inflater_read(r->in, space, avail) : 0;
        if (n == 0)
            r->at_end = 1;              /* a read error is reported by close_reader */
        else
            sdd__linereader_commit(r->lines, n);
    }
}

/* Moves the reader to its next usable record; 0 when the file is done. */
static int next_record(sdd_engine *e, reader *r)
{
    long len;

    r->pending = 0;
    while (!r->pending && (len = read_line(r)) >= 0) {
        if (len == 0)
            continue;
        r->pending = sdd__engine_parse(e, r->kind, r->line, (size_t)len, &r->rec) > 0;
    }
    return r->pending;
}

static int open_reader(reader *r, const char *path, sdd_input_kind kind, sdd_error *err)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->path = path;
    if (!path)
        return 0;
    r->in = sdd__inflater_open(path);
    r->lines = sdd__linereader_new(SDD_LINE_MAX);
    if (!r->in || !r->lines) {
        sdd__fail(err, SDD_E_NOMEM, "%s: %s", path, r->in ? "out of memory" : strerror(errno));
        return -1;
    }
    return 0;
}

static int close_reader(reader *r, sdd_error *err)
{
    char why[128];
    int rc = 0;

    if (r->in && sdd__inflater_close(r->in, why, sizeof(why)) < 0) {
        sdd__fail(err, SDD_E_IO, "%s: %s", r->path, why);
        rc = -1;
    }
    sdd__linereader_free(r->lines);
    return rc;
}

int sdd_engine_replay(sdd_engine *e, const char *flows, const char *bmp, const char *telemetry, sdd_error *err)
{
    const char *paths[3] = {flows, bmp, telemetry};
    reader in[3];
    sdd__flow_run run = {0};
    int rc = 0, opened = 0;

    if (!e)
        return sdd__fail(err, SDD_E_ARG, "sdd_engine_replay: no engine");
    for (; opened < 3 && rc == 0; opened++)
        rc = open_reader(&in[opened], paths[opened], (sdd_input_kind)opened, err);
    for (int i = 0; rc == 0 && i < 3; i++)
        if (in[i].in)
            next_record(e, &in[i]);
    while (rc == 0) {
        reader *first = NULL;
        for (int i = 0; i < 3; i++)
            if (in[i].pending && (!first || in[i].rec.time < first->rec.time))
                first = &in[i];
        if (!first)
            break;
        sdd__engine_add_in_run(e, &run, &first->rec);
        next_record(e, first);
    }
    sdd__engine_end_run(e, &run);
    for (int i = 0; i < opened; i++) {
        if (in[i].lines)
            sdd__engine_count_too_long(e, sdd__linereader_too_long(in[i].lines));
        if (close_reader(&in[i], err) < 0)
            rc = -1;
    }
    if (rc == 0)
        sdd_engine_finish(e);
    return rc;
}
