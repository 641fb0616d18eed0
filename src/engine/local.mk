# SPDX-License-Identifier: GPL-2.0-or-later
# engine: the handle, its configuration, the inventory of services, event-time
# slots, the history store, checkpoints and replay.
libsdd_core_la_SOURCES += \
	src/engine/config.c src/engine/config.h \
	src/engine/engine.c src/engine/engine.h src/engine/engine_private.h \
	src/engine/checkpoint.c src/engine/state_read.h src/engine/state_bin.c src/engine/state_json.c \
	src/engine/clock.c src/engine/clock.h \
	src/engine/collection.c src/engine/collection.h \
	src/engine/services.c src/engine/services.h \
	src/engine/carriers.c src/engine/carriers.h \
	src/engine/slots.c src/engine/slots.h \
	src/engine/sites.c src/engine/sites.h \
	src/engine/history.c src/engine/history.h \
	src/engine/profile.c src/engine/profile.h \
	src/engine/undo.c src/engine/undo.h \
	src/engine/workers.c src/engine/workers.h \
	src/engine/inventory.c src/engine/inventory.h \
	src/engine/resolve.c src/engine/resolve.h \
	src/engine/accum.c src/engine/accum.h \
	src/engine/flow_batch.c src/engine/flow_batch.h \
	src/engine/metrics.h \
	src/engine/reload.c \
	src/engine/replay.c \
	src/engine/inflater.c src/engine/inflater.h

CMOCKA_TESTS += tests/unit/engine/test_config tests/unit/engine/test_engine tests/unit/engine/test_history \
	tests/unit/engine/test_clock
tests_unit_engine_test_clock_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_clock_LDADD = $(TEST_LIBS)
tests_unit_engine_test_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_config_LDADD = $(TEST_LIBS)
tests_unit_engine_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_engine_LDADD = $(TEST_LIBS)
tests_unit_engine_test_history_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_history_LDADD = $(TEST_LIBS)

CMOCKA_TESTS += tests/unit/engine/test_collection
tests_unit_engine_test_collection_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_collection_LDADD = $(TEST_LIBS)

CMOCKA_TESTS += tests/unit/engine/test_carriers
tests_unit_engine_test_carriers_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_carriers_LDADD = $(TEST_LIBS)

CMOCKA_TESTS += tests/unit/engine/test_sites
tests_unit_engine_test_sites_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_sites_LDADD = $(TEST_LIBS)

CMOCKA_TESTS += tests/unit/engine/test_inventory
tests_unit_engine_test_inventory_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_inventory_LDADD = $(TEST_LIBS)

CMOCKA_TESTS += tests/unit/engine/test_checkpoint
tests_unit_engine_test_checkpoint_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_checkpoint_LDADD = $(TEST_LIBS) $(ZLIB_LIBS)

CMOCKA_TESTS += tests/unit/engine/test_profile
tests_unit_engine_test_profile_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_profile_LDADD = $(TEST_LIBS) $(MATH_LIBS)

CMOCKA_TESTS += tests/unit/engine/test_reload
tests_unit_engine_test_reload_CFLAGS = $(TEST_CFLAGS)
tests_unit_engine_test_reload_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/unit/engine/counter.h tests/unit/engine/engine_of.h
# A history file of format version 2, written by that version's store, for
# test_history's conversion test.
EXTRA_DIST += tests/data/history-v2.sdd

CMOCKA_TESTS += tests/unit/engine/test_batch
tests_unit_engine_test_batch_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_engine_test_batch_LDADD = libsdd_lab.la $(TEST_LIBS) $(ZLIB_LIBS)
