/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uuid.c: see uuid.h. */
#include <string.h>
#include <uuid/uuid.h>

#include "util/uuid.h"

void sdd__uuid5(const char *name, char out[SDD_UUID_TEXT])
{
    uuid_t ns, id;

    /* The project's namespace: itself a v5 UUID of its name in the URL namespace. */
    uuid_generate_sha1(ns, *uuid_get_template("url"), "urn:pmacct-sdd", strlen("urn:pmacct-sdd"));
    uuid_generate_sha1(id, ns, name, strlen(name));
    uuid_unparse_lower(id, out);
}
