/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source_spec.c: the text that names an input or the output in the
 * configuration: `kafka:TOPIC`, `file:PATH` or `-`. Checked whole at start,
 * so that a typo stops the daemon before it reads anything. */
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "io/settings.h"
#include "io/sources.h"

/* The part after "prefix:" when text starts with it, else NULL. */
static const char *after(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(text, prefix, n) == 0 ? text + n : NULL;
}

/* Kafka refuses other topic names; saying so at start beats a broker error
 * logged once a minute. */
static int topic_ok(const char *t)
{
    size_t n = strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
    return n == strlen(t) && n <= 249;
}

int sdd_spec_parse(const char *text, sdd_spec *out, sdd_error *err)
{
    const char *rest;

    out->name = "";
    if (!text || !*text) {
        out->type = SDD_SPEC_NONE;
        return 0;
    }
    if (strcmp(text, "-") == 0) {
        out->type = SDD_SPEC_STDIO;
        return 0;
    }
    if ((rest = after(text, "kafka:")) != NULL)
        out->type = SDD_SPEC_KAFKA;
    else if ((rest = after(text, "file:")) != NULL)
        out->type = SDD_SPEC_FILE;
    else {
        sdd__fail(err, SDD_E_CONFIG, "'%s' is not kafka:TOPIC, file:PATH or -", text);
        return -1;
    }
    if (!*rest || strspn(rest, " \t") == strlen(rest)) {
        sdd__fail(err, SDD_E_CONFIG, "'%s' has no %s", text,
                 out->type == SDD_SPEC_KAFKA ? "topic" : "path");
        return -1;
    }
    if (out->type == SDD_SPEC_KAFKA && !topic_ok(rest)) {
        sdd__fail(err, SDD_E_CONFIG, "'%s': a topic is 1 to 249 of a-z A-Z 0-9 . _ -", text);
        return -1;
    }
    out->name = rest;
    return 0;
}

int sdd_settings_transactional(const sdd_settings *s)
{
    const char *const inputs[] = {s->flow_input, s->bmp_input, s->telemetry_input};
    int kafka_in = 0;

    for (int i = 0; i < 3; i++)
        kafka_in |= after(inputs[i], "kafka:") != NULL;
    return kafka_in && after(s->output, "kafka:") != NULL;
}
