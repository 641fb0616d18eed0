/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_spool.c: fuzz target of the Kafka output's spool file (io/spool.h).
 * The input is spool.dat; a spool that opens has every live record read,
 * one more appended, and everything released (which cuts the file back). */
#include <stdlib.h>
#include <sys/stat.h>

#include "io/spool.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[FUZZ_PATH_MAX], path[FUZZ_PATH_MAX];
    sdd_spool_counters c;
    sdd_spool *s;
    sdd_error err;

    fuzz_path(dir, "spool");
    mkdir(dir, 0700);
    fuzz_path(path, "spool/spool.dat");
    fuzz_write(path, data, size);
    s = sdd_spool_open(dir, 1u << 20, NULL, &err);
    if (!s)
        return 0;
    uint64_t pos = sdd_spool_head(s);
    char *buf;
    size_t len;
    while (sdd_spool_read(s, &pos, &buf, &len, &err) == 1)
        free(buf);
    sdd_spool_append(s, "{}", 2, &err);
    sdd_spool_get_counters(s, &c);
    sdd_spool_release(s, sdd_spool_end(s), &err);
    sdd_spool_close(s);
    return 0;
}
