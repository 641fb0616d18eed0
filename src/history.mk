# The history store: per-entity 16-bit rings in a memory-mapped file.
libsdd_la_SOURCES += src/history.c src/history.h

check_PROGRAMS += tests/unit/test_history
UNIT_TESTS += tests/unit/test_history
tests_unit_test_history_SOURCES = tests/unit/test_history.c
tests_unit_test_history_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_history_LDADD = $(TEST_LIBS)
