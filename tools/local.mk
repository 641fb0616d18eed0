# SPDX-License-Identifier: GPL-2.0-or-later
# The programs, thin over the libraries: the daemon, the operator's tool, the
# capture replayer.
bin_PROGRAMS += sddd sddctl
sddd_SOURCES = tools/sddd.c
sddd_LDADD = libsdd_io.la libsdd_core.la
sddctl_SOURCES = tools/sddctl.c tools/sddctl.h tools/sddctl_replay.c \
	tools/sddctl_label.c tools/sddctl_show.c tools/sddctl_gen.c tools/sddctl_score.c \
	tools/sddctl_send.c
sddctl_LDADD = libsdd_io.la libsdd_lab.la libsdd_core.la

include $(srcdir)/tools/replay.mk
