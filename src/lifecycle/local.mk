# SPDX-License-Identifier: GPL-2.0-or-later
# lifecycle: relevant states opened, revised and closed, and their
# notification records.
libsdd_core_la_SOURCES += \
	src/lifecycle/lifecycle.c src/lifecycle/lifecycle.h \
	src/lifecycle/notification.c src/lifecycle/notification.h
