# The scenario generator and the scorer (sddctl gen, sddctl score).
libsdd_la_SOURCES += src/scenario.c src/scenario.h src/prng.h src/score.c src/score.h

check_PROGRAMS += tests/unit/test_scenario tests/unit/test_score
UNIT_TESTS += tests/unit/test_scenario tests/unit/test_score
tests_unit_test_scenario_SOURCES = tests/unit/test_scenario.c
tests_unit_test_scenario_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_test_scenario_LDADD = $(TEST_LIBS) $(ZLIB_LIBS)
tests_unit_test_score_SOURCES = tests/unit/test_score.c
tests_unit_test_score_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_score_LDADD = $(TEST_LIBS)
