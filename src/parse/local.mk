# SPDX-License-Identifier: GPL-2.0-or-later
# parse: pmacct's JSON (flows, BMP msglog, telemetry) into the engine's records.
libsdd_core_la_SOURCES += \
	src/parse/input.h \
	src/parse/input_doc.c \
	src/parse/input_simd.cc src/parse/input_simd.h \
	src/parse/input_json.c \
	src/parse/input_flow.c \
	src/parse/input_bmp.c \
	src/parse/input_telemetry.c

CMOCKA_TESTS += tests/unit/parse/test_input
tests_unit_parse_test_input_SOURCES = tests/unit/parse/test_input.c tests/fuzz/input_same.c tests/fuzz/input_same.h
tests_unit_parse_test_input_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/tests
tests_unit_parse_test_input_LDADD = $(TEST_LIBS)
