# Tests: cmocka unit tests (tests/unit) run by every build, the sanitizer one
# included; integration tests (tests/integration) need root, a network
# namespace, Kafka and nfacctd, and run when SDD_INTEGRATION=1.
AM_TESTS_ENVIRONMENT = \
	SDD_SRCDIR='$(abs_top_srcdir)'; export SDD_SRCDIR; \
	SDD_BUILDDIR='$(abs_top_builddir)'; export SDD_BUILDDIR;
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
TEST_LIBS = libsdd.la $(CMOCKA_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test_config tests/unit/test_engine
UNIT_TESTS += tests/unit/test_config tests/unit/test_engine
tests_unit_test_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_config_LDADD = $(TEST_LIBS)
tests_unit_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_engine_LDADD = $(TEST_LIBS)

include $(srcdir)/tests/integration/local.mk
include $(srcdir)/tests/integration/registry.mk
