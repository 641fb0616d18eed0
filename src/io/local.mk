# SPDX-License-Identifier: GPL-2.0-or-later
# io: where records come from (files, FIFOs, stdin, Kafka), where
# notifications go (file, Kafka with its spool and schema registry, Avro),
# the notification store of the lifecycle's validation stage, and sddd's
# loop. sddd and the pmacct plugin link it, so a notification leaves both
# the same way.
libsdd_io_la_SOURCES = \
	src/io/sources.h \
	src/io/source_log.c \
	src/io/source_spec.c \
	src/io/source_file.c \
	src/io/source_kafka.c \
	src/io/output.c src/io/output.h \
	src/io/output_kafka.c src/io/output_kafka.h \
	src/io/settings.c src/io/settings.h \
	src/io/spool.c src/io/spool.h \
	src/io/registry.c src/io/registry.h \
	src/io/avro_encode.c src/io/avro_encode.h \
	src/io/label.c src/io/label.h \
	src/io/merge.c src/io/merge.h \
	src/io/daemon.c src/io/daemon.h \
	src/io/log_sink.c src/io/log_sink.h \
	src/io/metrics.c src/io/metrics.h \
	src/io/web.c src/io/web.h \
	src/io/metrics_text.c src/io/metrics_text.h \
	src/io/notify.c src/io/notify.h
nodist_libsdd_io_la_SOURCES = src/io/schema_text.c

# The schema ships with the package and is compiled into the library, so
# that no run-time path is needed: its bytes as a C array.
dist_pkgdata_DATA = schema/RelevantStateNotification.avsc
src/io/schema_text.c: $(srcdir)/schema/RelevantStateNotification.avsc
	$(AM_V_GEN)$(MKDIR_P) src/io && { \
	  echo '/* Generated from schema/RelevantStateNotification.avsc: do not edit. */'; \
	  echo 'extern const char sdd_avro_reference_schema[];'; \
	  echo 'const char sdd_avro_reference_schema[] = {'; \
	  od -An -v -tx1 < $(srcdir)/schema/RelevantStateNotification.avsc | \
	    sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; \
	} > $@-t && mv $@-t $@
CLEANFILES += src/io/schema_text.c

CMOCKA_TESTS += tests/unit/io/test_avro tests/unit/io/test_label tests/unit/io/test_sources \
	tests/unit/io/test_spool tests/unit/io/test_merge tests/unit/io/test_metrics_text \
	tests/unit/io/test_log_sink
UNIT_TESTS += tests/unit/io/test_avro_python.sh tests/unit/io/test_sddd_backlog.sh
EXTRA_DIST += tests/unit/io/test_avro_python.sh tests/unit/io/test_sddd_backlog.sh
# sddd over gzip'ed files (files in, a file out)
UNIT_TESTS += tests/unit/io/test_sddd_gzip.sh
EXTRA_DIST += tests/unit/io/test_sddd_gzip.sh tests/unit/io/sddd-files.sh
# sddd's SIGHUP and its messages to systemd (files in, a file out)
UNIT_TESTS += tests/unit/io/test_sddd_reload.sh tests/unit/io/test_sddd_notify.sh
EXTRA_DIST += tests/unit/io/test_sddd_reload.sh tests/unit/io/test_sddd_notify.sh
tests_unit_io_test_avro_CFLAGS = $(TEST_CFLAGS) $(AVRO_CFLAGS)
tests_unit_io_test_avro_LDADD = $(IO_TEST_LIBS) $(AVRO_LIBS)
tests_unit_io_test_label_CFLAGS = $(TEST_CFLAGS)
tests_unit_io_test_label_LDADD = libsdd_lab.la $(IO_TEST_LIBS)
tests_unit_io_test_sources_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_io_test_sources_LDADD = $(IO_TEST_LIBS) $(ZLIB_LIBS)
tests_unit_io_test_spool_CFLAGS = $(TEST_CFLAGS)
tests_unit_io_test_spool_LDADD = $(IO_TEST_LIBS)
tests_unit_io_test_merge_CFLAGS = $(TEST_CFLAGS)
tests_unit_io_test_merge_LDADD = $(IO_TEST_LIBS)
tests_unit_io_test_metrics_text_CFLAGS = $(TEST_CFLAGS)
tests_unit_io_test_metrics_text_LDADD = $(IO_TEST_LIBS)
tests_unit_io_test_log_sink_CFLAGS = $(TEST_CFLAGS)
tests_unit_io_test_log_sink_LDADD = $(IO_TEST_LIBS)
