/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h: what the fuzz targets of tests/fuzz share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput for one reader of outside
 * bytes. Built with clang -fsanitize=fuzzer by `make fuzz`, it is a libFuzzer
 * target; built with replay_main.c, a plain program that runs it over the
 * corpus and the past crashes (tests/fuzz/test_fuzz_corpora.sh). The readers
 * of files get the input as a file in a scratch directory of the process
 * (in /dev/shm when there is one), written anew for every input. */
#ifndef SDD_FUZZ_H
#define SDD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch directory's path + "/" + name, in buf (a path under it never
 * exceeds FUZZ_PATH_MAX). Creates the directory at the first call and
 * removes it, with what is in it, at exit. Aborts if it cannot. */
#define FUZZ_PATH_MAX 512
void fuzz_path(char *buf, const char *name);

/* Writes bytes to path, replacing the file; aborts when it cannot (a full
 * scratch directory is no finding of the target). */
void fuzz_write(const char *path, const void *data, size_t size);

/* Calls fn with every line of the input (split at '\n', the newline left
 * out), each copied into a buffer of exactly its length, without NUL, so
 * that a reader looking past the end is caught by the address sanitizer. */
void fuzz_each_line(const uint8_t *data, size_t size, void (*fn)(void *ctx, const char *line, size_t len),
                    void *ctx);

/* The configuration of the engine targets: tests/data/sdd.conf's keys (the
 * strategy pinned, no data delay, close after two slots) and
 * tests/data/inventory.json as the inventory; with half_hour, half-hour
 * slots (and pattern and volume windows that fit them), which keep the
 * seed state files small. Aborts if refused. */
struct sdd_config;
void fuzz_engine_config(struct sdd_config *cfg, int half_hour);

#endif
