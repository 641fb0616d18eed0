# SPDX-License-Identifier: GPL-2.0-or-later
# sdd-pcap-replay: replays router captures to a collector (integration tests).
# pcap_stream.c decodes and reassembles (no sockets), and is unit tested alone.
if HAVE_PCAP
bin_PROGRAMS += sdd-pcap-replay
CMOCKA_TESTS += tests/unit/tools/test_pcap_stream
endif
sdd_pcap_replay_SOURCES = tools/sdd-pcap-replay.c tools/pcap_stream.c tools/pcap_stream.h
sdd_pcap_replay_LDADD = $(PCAP_LIBS)

tests_unit_tools_test_pcap_stream_SOURCES = tests/unit/tools/test_pcap_stream.c tools/pcap_stream.c tools/pcap_stream.h
tests_unit_tools_test_pcap_stream_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools
tests_unit_tools_test_pcap_stream_CFLAGS = $(TEST_CFLAGS)
tests_unit_tools_test_pcap_stream_LDADD = $(PCAP_LIBS) $(CMOCKA_LIBS)
