# The programs: daemon, operator tool, capture replayer.
bin_PROGRAMS += sddd sddctl
sddd_SOURCES = tools/sddd.c
sddd_LDADD = libsdd.la
sddctl_SOURCES = tools/sddctl.c tools/sddctl.h tools/sddctl_replay.c \
	tools/sddctl_label.c tools/sddctl_show.c tools/sddctl_gen.c tools/sddctl_score.c
sddctl_LDADD = libsdd.la

include $(srcdir)/tools/replay.mk
