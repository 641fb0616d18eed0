# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks: built by `make`, run by bench/run; never part of `make check`.
noinst_PROGRAMS += bench/bench_engine
bench_bench_engine_LDADD = libsdd_core.la
EXTRA_DIST += bench/run bench/quality bench/quality.conf bench/kafka_latency bench/peer_down_latency \
	bench/kafka_backlog bench/rr_drop
noinst_PROGRAMS += bench/bench_history_pages
bench_bench_history_pages_LDADD = libsdd_core.la
noinst_PROGRAMS += bench/bench_json
bench_bench_json_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
bench_bench_json_LDADD = libsdd_core.la $(JANSSON_LIBS) $(ZLIB_LIBS)
