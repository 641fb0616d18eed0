# SPDX-License-Identifier: GPL-2.0-or-later
# Tests: cmocka unit tests (tests/unit/<folder>, listed in src/<folder>/local.mk
# beside the code they test) run by every build, the sanitizer one included;
# integration tests (tests/integration) need root, a network namespace, Kafka
# and nfacctd, and run when SDD_INTEGRATION=1.
AM_TESTS_ENVIRONMENT = \
	SDD_SRCDIR='$(abs_top_srcdir)'; export SDD_SRCDIR; \
	SDD_BUILDDIR='$(abs_top_builddir)'; export SDD_BUILDDIR; \
	SDD_SANITIZER_FLAGS='$(SANITIZER_FLAGS)'; export SDD_SANITIZER_FLAGS;

# The replay every determinism test compares against.
EXTRA_DIST += tests/data/inventory.json tests/data/sdd.conf tests/data/flows.jsonl \
	tests/data/bmp.jsonl tests/data/notifications.jsonl

# State files of version 6, which test_checkpoint reads as an upgrade would.
EXTRA_DIST += tests/data/state-v6.bin tests/data/state-v6-sites.bin

# libsdd installed, as an embedding program sees it: exported symbols and
# a program built with pkg-config alone.
UNIT_TESTS += tests/install/test_installed.sh
EXTRA_DIST += tests/install/test_installed.sh tests/install/embed.c tests/install/libsdd.symbols

# The inventory's JSON Schema agrees with the loader (python3-jsonschema).
UNIT_TESTS += tests/install/test_inventory_schema.sh
EXTRA_DIST += tests/install/test_inventory_schema.sh schema/inventory.schema.json

include $(srcdir)/tests/integration/local.mk
include $(srcdir)/tests/integration/registry.mk
include $(srcdir)/tests/integration/sddd.mk
include $(srcdir)/tests/integration/kafka_output.mk
include $(srcdir)/tests/integration/live.mk
include $(srcdir)/tests/fuzz/local.mk
include $(srcdir)/tests/integration/plugin.mk
