# SPDX-License-Identifier: GPL-2.0-or-later
# lab: the scenario generator and the scorer (sddctl gen, sddctl score,
# bench/, tests).
libsdd_lab_la_SOURCES = \
	src/lab/prng.h \
	src/lab/ipfix.c src/lab/ipfix.h \
	src/lab/scenario.c src/lab/scenario.h \
	src/lab/score.c src/lab/score.h

CMOCKA_TESTS += tests/unit/lab/test_scenario tests/unit/lab/test_score tests/unit/lab/test_ipfix
tests_unit_lab_test_scenario_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_lab_test_scenario_LDADD = libsdd_lab.la $(TEST_LIBS) $(ZLIB_LIBS)
tests_unit_lab_test_score_CFLAGS = $(TEST_CFLAGS)
tests_unit_lab_test_score_LDADD = libsdd_lab.la $(TEST_LIBS)
CMOCKA_TESTS += tests/unit/lab/test_threads
tests_unit_lab_test_threads_CFLAGS = $(TEST_CFLAGS)
tests_unit_lab_test_threads_LDADD = libsdd_lab.la libsdd_core.la $(TEST_LIBS) $(ZLIB_LIBS)
tests_unit_lab_test_ipfix_CFLAGS = $(TEST_CFLAGS)
tests_unit_lab_test_ipfix_LDADD = libsdd_lab.la libsdd_core.la $(TEST_LIBS)
