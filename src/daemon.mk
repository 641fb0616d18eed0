# sddd's parts in libsdd: the line reader (replay.c uses it too), the
# sources (files, stdin, Kafka), the output and the daemon loop; their unit
# test; and the integration test against Kafka.
libsdd_la_SOURCES += \
	src/linereader.c src/linereader.h \
	src/sources.h \
	src/source_log.c \
	src/source_spec.c \
	src/source_file.c \
	src/source_kafka.c \
	src/output.c src/output.h \
	src/daemon.c src/daemon.h

check_PROGRAMS += tests/unit/test_sources
UNIT_TESTS += tests/unit/test_sources
tests_unit_test_sources_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_sources_LDADD = $(TEST_LIBS)

EXTRA_DIST += docs/sddd.md

include $(srcdir)/tests/integration/sddd.mk
