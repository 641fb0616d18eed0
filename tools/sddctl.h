/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sddctl.h: the subcommands of sddctl, one file each. Each takes its own
 * argv (argv[0] is the command name) and returns the exit status: 0 done,
 * 1 failed, 2 usage error. */
#ifndef SDDCTL_H
#define SDDCTL_H

#include "sdd/sdd.h"

#include "io/label.h"

int sddctl_replay(int argc, char **argv);
int sddctl_gen(int argc, char **argv);
int sddctl_score(int argc, char **argv);
int sddctl_label(int argc, char **argv);
int sddctl_show(int argc, char **argv);
int sddctl_send(int argc, char **argv);

/* Opens the label store at `path` and reads its latest revisions, saying on
 * stderr (as `cmd`) how many records were skipped; NULL with err. The
 * caller frees both. */
sdd_label_index *sddctl_open_labels(const char *cmd, const char *path, sdd_label_store **store, sdd_error *err);

#endif
