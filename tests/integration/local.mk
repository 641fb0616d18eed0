# SPDX-License-Identifier: GPL-2.0-or-later
# Integration tests: capture cases replayed with sdd-pcap-replay into Debian's
# nfacctd and a real Kafka broker, in a network namespace of their own
# (tests/harness/lib.sh). They need root and exit 77 (skipped) unless
# SDD_INTEGRATION=1. test_compare_records.sh (the comparison's self-test:
# it must fail on broken records) needs neither and always runs.
INTEGRATION_TESTS += \
	tests/integration/test_compare_records.sh \
	tests/integration/test_clang_build.sh \
	tests/integration/test_capture_201.sh \
	tests/integration/test_capture_401.sh

dist_noinst_SCRIPTS += \
	tests/integration/test_clang_build.sh \
	tests/harness/lib.sh \
	tests/harness/compare-records \
	tests/harness/fetch-kafka \
	tests/integration/test_compare_records.sh \
	tests/integration/test_capture_201.sh \
	tests/integration/test_capture_401.sh

EXTRA_DIST += \
	tests/harness/kafka/pom.xml \
	tests/integration/compare-1.7.7.sh \
	tests/integration/capture_201/nfacctd.conf \
	tests/integration/capture_201/pretag.map \
	tests/integration/capture_401/run.sh \
	tests/integration/capture_401/nfacctd.conf \
	tests/integration/capture_401/pretag.map
include $(srcdir)/tests/integration/disk_full.mk
include $(srcdir)/tests/integration/demo.mk
