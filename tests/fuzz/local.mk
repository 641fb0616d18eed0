# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz: libFuzzer targets of every reader of outside bytes (the three
# JSON parsers, configuration, inventory, state file, history file, spool,
# notification store, Avro decode, the engine fed lines). Each
# tests/fuzz/fuzz_<name>.c is built twice:
#   - tests/fuzz/replay_<name>: with replay_main.c, a plain program that
#     test_fuzz_corpora.sh (a unit test, so the sanitizer build runs it too)
#     runs over corpus/<name>/ and crashes/<name>/;
#   - tests/fuzz/fuzz_<name>: the libFuzzer target, built only by `make fuzz`
#     in its own clang build directory (fuzz-build/, run-fuzz.sh), which runs
#     each target FUZZ_SECONDS over its corpus and writes what crashes into
#     crashes/<name>/ of the source tree.
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="parse engine"] [FUZZ_FLAGS=...]
# FUZZ_FLAGS go to libFuzzer as they are: "-fork=1 -ignore_crashes=1" goes on
# after a crash.
FUZZ_TARGETS = parse config inventory state history spool label avro_decode engine
FUZZ_SECONDS = 60
FUZZ_FLAGS =
FUZZ_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(AVRO_CFLAGS)
FUZZ_LIBS = libsdd_io.la libsdd_core.la $(JANSSON_LIBS)
FUZZ_COMMON = tests/fuzz/fuzz.h tests/fuzz/fuzz_util.c

check_PROGRAMS += tests/fuzz/replay_parse \
	tests/fuzz/replay_config \
	tests/fuzz/replay_inventory \
	tests/fuzz/replay_state \
	tests/fuzz/replay_history \
	tests/fuzz/replay_spool \
	tests/fuzz/replay_label \
	tests/fuzz/replay_avro_decode \
	tests/fuzz/replay_engine
EXTRA_PROGRAMS = tests/fuzz/fuzz_parse \
	tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_inventory \
	tests/fuzz/fuzz_state \
	tests/fuzz/fuzz_history \
	tests/fuzz/fuzz_spool \
	tests/fuzz/fuzz_label \
	tests/fuzz/fuzz_avro_decode \
	tests/fuzz/fuzz_engine

tests_fuzz_replay_parse_SOURCES = tests/fuzz/fuzz_parse.c tests/fuzz/input_same.c tests/fuzz/input_same.h \
	tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_parse_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_parse_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_parse_SOURCES = tests/fuzz/fuzz_parse.c tests/fuzz/input_same.c tests/fuzz/input_same.h $(FUZZ_COMMON)
tests_fuzz_fuzz_parse_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_parse_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_parse_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_config_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c $(FUZZ_COMMON)
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_inventory_SOURCES = tests/fuzz/fuzz_inventory.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_inventory_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_inventory_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_inventory_SOURCES = tests/fuzz/fuzz_inventory.c $(FUZZ_COMMON)
tests_fuzz_fuzz_inventory_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_inventory_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_inventory_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_state_SOURCES = tests/fuzz/fuzz_state.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_state_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_state_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_state_SOURCES = tests/fuzz/fuzz_state.c $(FUZZ_COMMON)
tests_fuzz_fuzz_state_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_state_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_state_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_history_SOURCES = tests/fuzz/fuzz_history.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_history_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_history_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_history_SOURCES = tests/fuzz/fuzz_history.c $(FUZZ_COMMON)
tests_fuzz_fuzz_history_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_history_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_history_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_spool_SOURCES = tests/fuzz/fuzz_spool.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_spool_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_spool_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_spool_SOURCES = tests/fuzz/fuzz_spool.c $(FUZZ_COMMON)
tests_fuzz_fuzz_spool_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_spool_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_spool_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_label_SOURCES = tests/fuzz/fuzz_label.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_label_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_label_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_label_SOURCES = tests/fuzz/fuzz_label.c $(FUZZ_COMMON)
tests_fuzz_fuzz_label_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_label_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_label_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_avro_decode_SOURCES = tests/fuzz/fuzz_avro_decode.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_avro_decode_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_avro_decode_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_avro_decode_SOURCES = tests/fuzz/fuzz_avro_decode.c $(FUZZ_COMMON)
tests_fuzz_fuzz_avro_decode_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_avro_decode_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_avro_decode_LDADD = $(FUZZ_LIBS)

tests_fuzz_replay_engine_SOURCES = tests/fuzz/fuzz_engine.c tests/fuzz/replay_main.c $(FUZZ_COMMON)
tests_fuzz_replay_engine_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_replay_engine_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_engine_SOURCES = tests/fuzz/fuzz_engine.c $(FUZZ_COMMON)
tests_fuzz_fuzz_engine_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_engine_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_engine_LDADD = $(FUZZ_LIBS)

UNIT_TESTS += tests/fuzz/test_fuzz_corpora.sh
EXTRA_DIST += tests/fuzz/test_fuzz_corpora.sh tests/fuzz/run-fuzz.sh tests/fuzz/corpus tests/fuzz/crashes

fuzz:
	FUZZ_FLAGS='$(FUZZ_FLAGS)' $(SHELL) $(srcdir)/tests/fuzz/run-fuzz.sh '$(abs_top_srcdir)' \
	  '$(abs_top_builddir)/fuzz-build' '$(FUZZ_SECONDS)' $(FUZZ_TARGETS)
.PHONY: fuzz
