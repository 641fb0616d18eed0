# SPDX-License-Identifier: GPL-2.0-or-later
# lifecycle: relevant states opened, revised and closed, and their
# notification records.
libsdd_core_la_SOURCES += \
	src/lifecycle/lifecycle.c src/lifecycle/lifecycle.h \
	src/lifecycle/notification.c src/lifecycle/notification.h

CMOCKA_TESTS += tests/unit/lifecycle/test_lifecycle tests/unit/lifecycle/test_notification \
	tests/unit/lifecycle/test_change_window
tests_unit_lifecycle_test_lifecycle_CFLAGS = $(TEST_CFLAGS)
tests_unit_lifecycle_test_lifecycle_LDADD = $(TEST_LIBS)
tests_unit_lifecycle_test_notification_CFLAGS = $(TEST_CFLAGS)
tests_unit_lifecycle_test_notification_LDADD = $(TEST_LIBS)
tests_unit_lifecycle_test_change_window_CFLAGS = $(TEST_CFLAGS)
tests_unit_lifecycle_test_change_window_LDADD = $(TEST_LIBS)
