# Forwarding-plane pattern detectors: flow-count spike, UDP pattern, and the
# SciPy-equivalent peak finder they rest on (docs/detectors/forwarding-patterns.md).
libsdd_la_SOURCES += \
	src/detectors_fwd.h \
	src/peaks.c src/peaks.h \
	src/detect_flow_count_spike.c \
	src/detect_udp_pattern.c

check_PROGRAMS += tests/unit/test_detect_fwd tests/unit/peaks_driver
UNIT_TESTS += tests/unit/test_detect_fwd tests/unit/test_peaks_scipy.sh
EXTRA_DIST += tests/unit/test_peaks_scipy.sh tests/unit/test_peaks_scipy.py
tests_unit_test_detect_fwd_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_detect_fwd_LDADD = $(TEST_LIBS) $(MATH_LIBS)
tests_unit_peaks_driver_LDADD = libsdd.la
