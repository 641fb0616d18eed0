# libsdd: the engine. Parts that grow on their own keep their files in the
# .mk beside this one.
lib_LTLIBRARIES += libsdd.la

sddincludedir = $(includedir)/sdd
sddinclude_HEADERS = include/sdd/sdd.h
libsdd_la_SOURCES = \
	src/addr.c \
	src/error.c src/error.h \
	src/fdio.c src/fdio.h \
	src/config.c src/config.h \
	src/detector.c src/detector.h \
	src/detect_bmp_peer_down.c \
	src/detect_traffic_volume.c \
	src/engine.c src/engine.h src/engine_private.h \
	src/engine_state.c \
	src/inventory.c src/inventory.h \
	src/lifecycle.c src/lifecycle.h \
	src/map.c src/map.h \
	src/metrics.h \
	src/notification.c \
	src/replay.c \
	src/strategy.c src/strategy.h
libsdd_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(RDKAFKA_CFLAGS) $(AVRO_CFLAGS) $(ZLIB_CFLAGS) $(UUID_CFLAGS)
libsdd_la_LIBADD = $(JANSSON_LIBS) $(RDKAFKA_LIBS) $(AVRO_LIBS) $(ZLIB_LIBS) $(UUID_LIBS) $(MATH_LIBS)
libsdd_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 -export-symbols-regex '^sdd_'

include $(srcdir)/src/input.mk
include $(srcdir)/src/history.mk
include $(srcdir)/src/scenario.mk
include $(srcdir)/src/detectors_fwd.mk
include $(srcdir)/src/detectors_ctl.mk
include $(srcdir)/src/daemon.mk
include $(srcdir)/src/avro.mk
include $(srcdir)/src/kafka_output.mk
include $(srcdir)/tests/integration/kafka_output.mk
