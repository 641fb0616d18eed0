/* output.c: the outputs of sddd's notifications (see output.h). The one
 * kind so far writes to a descriptor: a file opened for appending, or
 * stdout. Each record goes out in one writev(2) with its newline, so that
 * it reaches the file as soon as it is made and a reader following the file
 * never sees half a record for long. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config.h"
#include "output.h"
#include "output_kafka.h"
#include "sources.h"

typedef struct fd_output {
    sdd_output base;
    int fd;
    int owned;                          /* closed with the output (not stdout) */
    char *name;
} fd_output;

/* Writes every byte of iov, going on after partial writes. */
static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
            w -= (ssize_t)iov->iov_len;
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

static int fd_write(sdd_output *o, const char *record, size_t len, sdd_error *err)
{
    fd_output *f = (fd_output *)o;
    struct iovec iov[2] = {{(void *)record, len}, {"\n", 1}};

    if (write_all(f->fd, iov, 2) == 0)
        return 0;
    snprintf(err->msg, sizeof(err->msg), "%s: %s", f->name, strerror(errno));
    return -1;
}

/* Nothing is held back: each write went to the kernel. */
static int fd_flush(sdd_output *o, sdd_error *err)
{
    (void)o;
    (void)err;
    return 0;
}

static void fd_close(sdd_output *o)
{
    fd_output *f = (fd_output *)o;

    if (f->owned)
        close(f->fd);
    free(f->name);
    free(f);
}

static const sdd_output_ops fd_ops = {fd_write, fd_flush, fd_close, NULL};

static sdd_output *fd_output_new(int fd, int owned, const char *name, sdd_error *err)
{
    fd_output *f = calloc(1, sizeof(*f));

    if (f)
        f->name = strdup(name);
    if (!f || !f->name) {
        free(f);
        if (owned)
            close(fd);
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return NULL;
    }
    f->base.ops = &fd_ops;
    f->fd = fd;
    f->owned = owned;
    return &f->base;
}

int sdd_output_check(const char *spec, sdd_error *err)
{
    sdd_spec s;
    sdd_error why;

    if (sdd_spec_parse(spec, &s, &why) < 0) {
        snprintf(err->msg, sizeof(err->msg), "output: %.480s", why.msg);
        return -1;
    }
    return 0;
}

static sdd_output *kafka_without_config(const char *spec, sdd_error *err)
{
    snprintf(err->msg, sizeof(err->msg), "output: '%.300s' needs the configuration", spec);
    return NULL;
}

int sdd_output_check_config(const sdd_config *cfg, sdd_error *err)
{
    sdd_spec s;

    if (sdd_output_check(cfg->output, err) < 0)
        return -1;
    sdd_spec_parse(cfg->output, &s, err);
    return s.type == SDD_SPEC_KAFKA ? sdd_output_kafka_check(cfg, err) : 0;
}

/* A Kafka output needs the configuration: without it, an error. */
static sdd_output *open_spec(const char *spec, const sdd_config *cfg, const sdd_logger *log, sdd_error *err)
{
    sdd_spec s;
    int fd;

    if (sdd_output_check(spec, err) < 0)
        return NULL;
    sdd_spec_parse(spec, &s, err);
    if (s.type == SDD_SPEC_KAFKA)
        return cfg ? sdd_output_kafka_open(s.name, cfg, log, err) : kafka_without_config(spec, err);
    if (s.type != SDD_SPEC_FILE)
        return fd_output_new(STDOUT_FILENO, 0, "stdout", err);
    fd = open(s.name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err->msg, sizeof(err->msg), "output: %s: %s", s.name, strerror(errno));
        return NULL;
    }
    return fd_output_new(fd, 1, s.name, err);
}

sdd_output *sdd_output_open(const char *spec, sdd_error *err)
{
    return open_spec(spec, NULL, NULL, err);
}

sdd_output *sdd_output_open_config(const sdd_config *cfg, const sdd_logger *log, sdd_error *err)
{
    return open_spec(cfg->output, cfg, log, err);
}

int sdd_output_write(sdd_output *o, const char *record, size_t len, sdd_error *err)
{
    return o->ops->write(o, record, len, err);
}

int sdd_output_flush(sdd_output *o, sdd_error *err)
{
    return o->ops->flush(o, err);
}

void sdd_output_counters(sdd_output *o, void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
    if (o->ops->counters)
        o->ops->counters(o, fn, ctx);
}

void sdd_output_close(sdd_output *o)
{
    if (o)
        o->ops->close(o);
}
