# Tests: cmocka unit tests (tests/unit/<folder>, listed in src/<folder>/local.mk
# beside the code they test) run by every build, the sanitizer one included;
# integration tests (tests/integration) need root, a network namespace, Kafka
# and nfacctd, and run when SDD_INTEGRATION=1.
AM_TESTS_ENVIRONMENT = \
	SDD_SRCDIR='$(abs_top_srcdir)'; export SDD_SRCDIR; \
	SDD_BUILDDIR='$(abs_top_builddir)'; export SDD_BUILDDIR;

# The replay every determinism test compares against.
EXTRA_DIST += tests/data/inventory.json tests/data/sdd.conf tests/data/flows.jsonl \
	tests/data/bmp.jsonl tests/data/notifications.jsonl

include $(srcdir)/tests/integration/local.mk
include $(srcdir)/tests/integration/registry.mk
include $(srcdir)/tests/integration/sddd.mk
include $(srcdir)/tests/integration/kafka_output.mk
