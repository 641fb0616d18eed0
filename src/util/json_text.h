/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json_text.h: JSON text written straight from values, without a document
 * in memory, handed to a sink in pieces.
 *
 * For a large document (the inventory of 100,000 services in a state file)
 * building jansson's tree, dumping it and freeing it costs several times
 * what the text itself does. The text is jansson's compact form of the same
 * values (json_dumps with JSON_COMPACT: strings escaped as it escapes them,
 * reals as it writes them), so that jansson reads it back to those values.
 * The caller writes the punctuation and the keys. */
#ifndef SDD_JSON_TEXT_H
#define SDD_JSON_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Takes len bytes of text: 0, or -1 to stop (jansson's json_dump_callback_t). */
typedef int (*sdd_text_sink)(const char *buf, size_t len, void *data);

#define SDD_JSON_TEXT_CHUNK (16 * 1024)

typedef struct sdd_json_text {
    sdd_text_sink sink;
    void *data;
    int failed;                         /* the sink said -1: nothing more is passed on */
    size_t n;                           /* bytes in buf */
    char buf[SDD_JSON_TEXT_CHUNK];
} sdd_json_text;

void sdd__json_text_init(sdd_json_text *t, sdd_text_sink sink, void *data);
/* Bytes as they are: punctuation, keys with their quotes. */
void sdd__json_text_raw(sdd_json_text *t, const char *s);
/* A string, quoted and escaped. Bytes that are not UTF-8 (JSON holds only
 * that: a name cut inside a character, say) are left out, so that the text
 * stays readable and no longer than the string, which a field of fixed
 * size must hold again when it is read back. */
void sdd__json_text_string(sdd_json_text *t, const char *s);
void sdd__json_text_int(sdd_json_text *t, int64_t v);
/* A finite real as jansson writes one (17 digits, "1.0" for 1). */
void sdd__json_text_real(sdd_json_text *t, double v);
/* What is left to the sink: 0, or -1 if the sink refused some of the text. */
int sdd__json_text_finish(sdd_json_text *t);

#endif
