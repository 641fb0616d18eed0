/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gunzip.c: see gunzip.h. zlib's inflate, fed by the caller: gzread would
 * read the descriptor itself, and cannot tell "no more bytes yet" (a file
 * being written, a pipe with nothing in it) from the end. */
#include <stdlib.h>
#include <zlib.h>

#include "util/gunzip.h"

#define GZIP_ONLY (15 + 16)             /* inflateInit2: the largest window, gzip's header and trailer */

struct sdd_gunzip {
    z_stream z;
    int member_ended;                   /* the last member's trailer was read: a new one may follow */
    int out_full;                       /* the last inflate filled its output: it may have more */
    const char *failed;                 /* why the data is not gzip: nothing more until reset */
    unsigned char in[SDD_GUNZIP_IN];
};

int sdd__gunzip_magic(const void *bytes, size_t n)
{
    const unsigned char *b = bytes;

    return n >= 1 && b[0] == 0x1f && (n == 1 || b[1] == 0x8b);
}

sdd_gunzip *sdd__gunzip_new(void)
{
    sdd_gunzip *g = calloc(1, sizeof(*g));

    if (g && inflateInit2(&g->z, GZIP_ONLY) != Z_OK) {
        free(g);
        return NULL;
    }
    return g;
}

void sdd__gunzip_free(sdd_gunzip *g)
{
    if (!g)
        return;
    inflateEnd(&g->z);
    free(g);
}

void sdd__gunzip_reset(sdd_gunzip *g)
{
    inflateReset(&g->z);
    g->z.avail_in = 0;
    g->member_ended = g->out_full = 0;
    g->failed = NULL;
}

unsigned char *sdd__gunzip_space(sdd_gunzip *g, size_t *avail)
{
    if (g->z.avail_in > 0)
        return NULL;
    *avail = sizeof(g->in);
    return g->in;
}

void sdd__gunzip_commit(sdd_gunzip *g, size_t n)
{
    g->z.next_in = g->in;
    g->z.avail_in = (uInt)n;
}

ssize_t sdd__gunzip_inflate(sdd_gunzip *g, char *out, size_t cap, const char **why)
{
    size_t made = 0;

    while (!g->failed && made < cap && (g->z.avail_in > 0 || g->out_full)) {
        if (g->member_ended) {          /* bytes after a member: the next member's */
            inflateReset(&g->z);
            g->member_ended = 0;
        }
        g->z.next_out = (Bytef *)out + made;
        g->z.avail_out = (uInt)(cap - made);
        int rc = inflate(&g->z, Z_NO_FLUSH);
        made = cap - g->z.avail_out;
        g->out_full = g->z.avail_out == 0 && rc == Z_OK;
        if (rc == Z_STREAM_END)
            g->member_ended = 1;
        else if (rc == Z_BUF_ERROR)     /* no progress: it needs bytes */
            break;
        else if (rc != Z_OK)
            g->failed = g->z.msg ? g->z.msg : zError(rc);
    }
    if (made == 0 && g->failed) {       /* said once what came before it is out */
        *why = g->failed;
        return -1;
    }
    return (ssize_t)made;
}

int sdd__gunzip_pending(const sdd_gunzip *g)
{
    return g->z.avail_in > 0 || g->out_full || g->failed != NULL;
}

int sdd__gunzip_unfinished(const sdd_gunzip *g)
{
    return !g->member_ended && (g->z.total_in > 0 || g->z.avail_in > 0);
}
