# Control- and management-plane detectors (BMP withdraws and updates,
# interface state), forwarding status with its drop model, link saturation.
libsdd_la_SOURCES += \
	src/detectors_ctl.h \
	src/detect_bmp_churn.c \
	src/detect_oc_interface.c \
	src/detect_flow_fwd.c \
	src/drop_model.c src/drop_model.h \
	src/detect_link_saturation.c

check_PROGRAMS += tests/unit/test_detect_ctl
UNIT_TESTS += tests/unit/test_detect_ctl
tests_unit_test_detect_ctl_SOURCES = tests/unit/test_detect_ctl.c
tests_unit_test_detect_ctl_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_detect_ctl_LDADD = $(TEST_LIBS) $(MATH_LIBS)

# Trains a drop_model from labelled slots (python3, standard library only);
# the unit test runs it.
dist_noinst_SCRIPTS += tools/train-drop-model
