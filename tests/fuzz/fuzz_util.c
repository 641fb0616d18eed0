/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_util.c: the scratch directory, file writing, line splitting and the
 * engine configuration the fuzz targets share (fuzz.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdd/sdd.h"
#include "fuzz.h"

/* tests/data/inventory.json: one service, one termination. */
static const char inventory_json[] =
    "{\"services\": [{\"vpn_id\": \"64497:1\", \"name\": \"customer-1\", \"profile\": \"default\",\n"
    "  \"terminations\": [{\"router\": \"192.0.2.1\", \"hostname\": \"pe1\", \"vrf_name\": \"CUST1\", \"vrf_id\": 7,\n"
    "    \"rd\": \"0:64497:1\", \"interfaces\": [{\"id\": 101, \"name\": \"Gi0/0/0/1\"}], \"ce_peers\": "
    "[\"198.51.100.1\"]}]}]}\n";

static char scratch[FUZZ_PATH_MAX / 2];

/* Removes the files of a directory, one level down as well (spool/). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char path[FUZZ_PATH_MAX];

    if (!d)
        return;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        if (unlink(path) != 0)
            remove_tree(path);
    }
    closedir(d);
    rmdir(dir);
}

static void remove_scratch(void)
{
    remove_tree(scratch);
}

void fuzz_path(char *buf, const char *name)
{
    if (!scratch[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(scratch, sizeof(scratch), "%s/sdd-fuzz-XXXXXX", base);
        if (!mkdtemp(scratch)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_scratch);
    }
    snprintf(buf, FUZZ_PATH_MAX, "%s/%.200s", scratch, name);
}

void fuzz_write(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const char *p = data;

    if (fd < 0) {
        perror(path);
        abort();
    }
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n <= 0) {
            perror(path);
            abort();
        }
        p += n;
        size -= (size_t)n;
    }
    close(fd);
}

void fuzz_each_line(const uint8_t *data, size_t size, void (*fn)(void *ctx, const char *line, size_t len),
                    void *ctx)
{
    size_t start = 0;

    while (start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t len = nl ? (size_t)(nl - (data + start)) : size - start;
        char *line = malloc(len ? len : 1);
        if (!line)
            abort();
        memcpy(line, data + start, len);
        fn(ctx, line, len);
        free(line);
        start += len + 1;
    }
}

static void set(sdd_config *cfg, const char *key, const char *value)
{
    sdd_error err;

    if (sdd_config_set(cfg, key, NULL, value, &err) < 0) {
        fprintf(stderr, "fuzz: %s: %s\n", key, err.msg);
        abort();
    }
}

void fuzz_engine_config(sdd_config *cfg, int half_hour)
{
    static char inventory[FUZZ_PATH_MAX];
    sdd_error err;

    if (!inventory[0]) {
        fuzz_path(inventory, "inventory.json");
        fuzz_write(inventory, inventory_json, sizeof(inventory_json) - 1);
    }
    set(cfg, "strategy", "volume-1-peer-down-1-pipeline");
    set(cfg, "data_delay", "0");
    set(cfg, "close_after_slots", "2");
    if (half_hour) {
        set(cfg, "time_step_seconds", "1800");
        set(cfg, "pattern_length_minutes", "300");
        set(cfg, "volume_length_minutes", "60");
    }
    set(cfg, "inventory_file", inventory);
    if (sdd_config_check(cfg, &err) < 0) {
        fprintf(stderr, "fuzz: configuration: %s\n", err.msg);
        abort();
    }
}
