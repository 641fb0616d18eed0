# SPDX-License-Identifier: GPL-2.0-or-later
# util: error reporting, whole writes, a byte-string map, tables of settings,
# addresses and route distinguishers, a line reader, a gzip stream
# decompressed as its bytes come, derived ids, JSON text written without a
# document.
libsdd_core_la_SOURCES = \
	src/util/addr.c \
	src/util/error.c src/util/error.h \
	src/util/fdio.c src/util/fdio.h \
	src/util/gunzip.c src/util/gunzip.h \
	src/util/json_text.c src/util/json_text.h src/util/utf8.h \
	src/util/linereader.c src/util/linereader.h \
	src/util/map.c src/util/map.h \
	src/util/settings.c src/util/settings.h \
	src/util/uuid.c src/util/uuid.h

CMOCKA_TESTS += tests/unit/util/test_addr
tests_unit_util_test_addr_CFLAGS = $(TEST_CFLAGS)
tests_unit_util_test_addr_LDADD = $(TEST_LIBS)

CMOCKA_TESTS += tests/unit/util/test_json_text
tests_unit_util_test_json_text_CFLAGS = $(TEST_CFLAGS)
tests_unit_util_test_json_text_LDADD = $(TEST_LIBS)
