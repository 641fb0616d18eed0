# Output in Avro (the IETF RelevantStateNotification schema) and the label
# store of the anomaly lifecycle, with their tests (docs/output.md).
libsdd_la_SOURCES += \
	src/avro_encode.c src/avro_encode.h \
	src/label.c src/label.h
nodist_libsdd_la_SOURCES = src/schema_text.c

# The schema ships with the package and is compiled into the library, so
# that no run-time path is needed: its bytes as a C array.
dist_pkgdata_DATA = schema/RelevantStateNotification.avsc
src/schema_text.c: $(srcdir)/schema/RelevantStateNotification.avsc
	$(AM_V_GEN)$(MKDIR_P) src && { \
	  echo '/* Generated from schema/RelevantStateNotification.avsc: do not edit. */'; \
	  echo 'extern const char sdd_avro_reference_schema[];'; \
	  echo 'const char sdd_avro_reference_schema[] = {'; \
	  od -An -v -tx1 < $(srcdir)/schema/RelevantStateNotification.avsc | \
	    sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; \
	} > $@-t && mv $@-t $@
CLEANFILES += src/schema_text.c

check_PROGRAMS += tests/unit/test_avro tests/unit/test_label
UNIT_TESTS += tests/unit/test_avro tests/unit/test_label tests/unit/test_avro_python.sh
EXTRA_DIST += tests/unit/test_avro_python.sh \
	tests/data/inventory.json tests/data/sdd.conf tests/data/flows.jsonl tests/data/bmp.jsonl \
	tests/data/notifications.jsonl
tests_unit_test_avro_CFLAGS = $(TEST_CFLAGS) $(AVRO_CFLAGS)
tests_unit_test_avro_LDADD = $(TEST_LIBS) $(AVRO_LIBS)
tests_unit_test_label_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_label_LDADD = $(TEST_LIBS)
