/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_label.c: fuzz target of the notification store (io/label.h), both of
 * its kinds: the input is a store file, an Avro object container when it
 * starts with "Obj\x01", JSON lines otherwise. A store that opens is read
 * into the index of latest revisions; each relevant state is summarized,
 * formatted and matched as `sddctl show` does, the truth is written as
 * `sddctl score` reads it, and the first state gets a label appended. */
#include <stdio.h>
#include <stdlib.h>

#include "io/label.h"
#include "fuzz.h"

static void exercise(sdd_label_store *store, sdd_label_index *idx)
{
    size_t n = sdd_label_index_size(idx);
    sdd_label_summary sum;
    const char *reason;
    char line[1024];
    FILE *out = fopen("/dev/null", "w");

    for (size_t i = 0; i < n; i++) {
        sdd_label_index_get(idx, i, &sum);
        sdd_label_format(&sum, line, sizeof(line));
        sdd_label_matches(&sum, 1, sum.service);
        sdd_label_index_find(idx, sum.id);
    }
    sdd_label_index_skipped(idx, &reason);
    if (out) {
        sdd_label_write_truth(idx, 60, out);
        fclose(out);
    }
    if (n > 0) {
        sdd_label_index_get(idx, 0, &sum);
        free(sdd_label_revision(idx, sum.id, SDD_LABEL_CONFIRM, "fuzz", "a comment", NULL));
        sdd_label_apply(store, idx, sum.id, SDD_LABEL_ADJUST, "fuzz", NULL, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX], id[128];
    sdd_label_store *store;
    sdd_label_index *idx;
    sdd_error err;
    int revision;

    sdd_label_id_revision((const char *)data, size, id, sizeof(id), &revision);
    fuzz_path(path, "labels");
    fuzz_write(path, data, size);
    store = sdd_label_store_open(path, &err);
    if (!store)
        return 0;
    idx = sdd_label_index_load(store, &err);
    if (idx) {
        exercise(store, idx);
        sdd_label_index_free(idx);
    }
    sdd_label_store_free(store);
    return 0;
}
