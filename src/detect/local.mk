# SPDX-License-Identifier: GPL-2.0-or-later
# detect: the detectors, one file each, the strategies that weigh them, and
# what they rest on (peak finder, drop model).
libsdd_core_la_SOURCES += \
	src/detect/detector.c src/detect/detector.h \
	src/detect/detectors.c src/detect/detectors.h \
	src/detect/strategy.c src/detect/strategy.h \
	src/detect/detect_bmp_churn.c \
	src/detect/detect_bmp_peer_down.c \
	src/detect/detect_flow_count_spike.c \
	src/detect/detect_flow_fwd.c \
	src/detect/detect_link_saturation.c \
	src/detect/detect_oc_interface.c \
	src/detect/detect_traffic_volume.c \
	src/detect/detect_udp_pattern.c \
	src/detect/drop_model.c src/detect/drop_model.h \
	src/detect/peaks.c src/detect/peaks.h

# Trains a drop_model from labelled slots (python3, standard library only).
dist_noinst_SCRIPTS += tools/train-drop-model

CMOCKA_TESTS += tests/unit/detect/test_detect_ctl tests/unit/detect/test_detect_fwd tests/unit/detect/test_strategy \
	tests/unit/detect/test_detect_peer_down tests/unit/detect/test_detect_sites tests/unit/detect/test_median
check_PROGRAMS += tests/unit/detect/peaks_driver
UNIT_TESTS += tests/unit/detect/test_peaks_scipy.sh
EXTRA_DIST += tests/unit/detect/test_peaks_scipy.sh tests/unit/detect/test_peaks_scipy.py
tests_unit_detect_test_detect_ctl_CFLAGS = $(TEST_CFLAGS)
tests_unit_detect_test_detect_ctl_LDADD = $(TEST_LIBS) $(MATH_LIBS)
tests_unit_detect_test_detect_fwd_CFLAGS = $(TEST_CFLAGS)
tests_unit_detect_test_detect_fwd_LDADD = $(TEST_LIBS) $(MATH_LIBS)
tests_unit_detect_test_detect_peer_down_CFLAGS = $(TEST_CFLAGS)
tests_unit_detect_test_detect_peer_down_LDADD = $(TEST_LIBS)
tests_unit_detect_test_detect_sites_CFLAGS = $(TEST_CFLAGS)
tests_unit_detect_test_detect_sites_LDADD = $(TEST_LIBS) $(MATH_LIBS)
tests_unit_detect_test_median_CFLAGS = $(TEST_CFLAGS)
tests_unit_detect_test_median_LDADD = $(TEST_LIBS) $(MATH_LIBS)
tests_unit_detect_test_strategy_CFLAGS = $(TEST_CFLAGS)
tests_unit_detect_test_strategy_LDADD = $(TEST_LIBS) $(MATH_LIBS)
tests_unit_detect_peaks_driver_LDADD = libsdd_core.la
