# The Kafka output of sddd: the producer (output_kafka.c), its on-disk
# spool and the schema registry client; their unit tests and the
# integration test (docs/output.md, "Kafka").
libsdd_la_SOURCES += \
	src/output_kafka.c src/output_kafka.h \
	src/registry.c src/registry.h \
	src/spool.c src/spool.h
libsdd_la_CFLAGS += $(CURL_CFLAGS)
libsdd_la_LIBADD += $(CURL_LIBS)

check_PROGRAMS += tests/unit/test_spool
UNIT_TESTS += tests/unit/test_spool
tests_unit_test_spool_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_spool_LDADD = $(TEST_LIBS)
