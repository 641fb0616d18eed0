/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay_main.c: a fuzz target as a plain program, without libFuzzer.
 *
 *   replay_<name> PATH...
 * runs the target once on every file given and on every file of every
 * directory given (in name order, not recursing), each read into a buffer
 * of exactly its size. This is how the test command replays the seed
 * corpora and every past crash under the address and undefined-behaviour
 * sanitizers: a reader that misbehaves aborts the program. A path that does
 * not exist is skipped (a target may have no crashes). Prints how many
 * inputs ran; exits 0, or 1 when a path could not be read. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t size = 0, cap = 0, n;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (size == cap) {
            uint8_t *grown = realloc(data, cap = cap ? cap * 2 : 4096);
            if (!grown)
                abort();
            data = grown;
        }
        n = fread(data + size, 1, cap - size, f);
        if (n == 0)
            break;
        size += n;
    }
    fclose(f);
    /* Exactly `size` bytes, so a read past the input is caught. */
    uint8_t *exact = malloc(size ? size : 1);
    if (!exact)
        abort();
    memcpy(exact, data, size);
    free(data);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, long *count)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char **names = NULL, path[4096];
    size_t n = 0;
    int rc = 0;

    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        char **grown = realloc(names, (n + 1) * sizeof(*names));
        if (!grown || !(grown[n] = strdup(ent->d_name)))
            abort();
        names = grown;
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            printf("replay: %s\n", path);
            fflush(stdout);
            if (run_file(path) < 0)
                rc = -1;
            else
                (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    long count = 0;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[i], &count) < 0)
                rc = 1;
        } else if (run_file(argv[i]) < 0) {
            rc = 1;
        } else {
            count++;
        }
    }
    printf("replay: %ld inputs\n", count);
    return rc;
}
