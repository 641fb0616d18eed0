# The parsers of pmacct's JSON into the engine's records, and their tests.
libsdd_la_SOURCES += \
	src/input.h \
	src/input_json.c \
	src/input_flow.c \
	src/input_bmp.c \
	src/input_telemetry.c

check_PROGRAMS += tests/unit/test_input tests/unit/test_addr
UNIT_TESTS += tests/unit/test_input tests/unit/test_addr
tests_unit_test_input_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_input_LDADD = $(TEST_LIBS)
tests_unit_test_addr_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_addr_LDADD = $(TEST_LIBS)
