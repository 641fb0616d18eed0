# SPDX-License-Identifier: GPL-2.0-or-later
# The three libraries; each folder under src/ adds its own files to one of
# them (src/*/local.mk). The two not installed carry no copy of the engine:
# a program links them before libsdd_core.la.
noinst_LTLIBRARIES += libsdd_core.la libsdd_io.la libsdd_lab.la
lib_LTLIBRARIES += libsdd.la

sddincludedir = $(includedir)/sdd
sddinclude_HEADERS = include/sdd/sdd.h
nodist_sddinclude_HEADERS = include/sdd/version.h

# The engine: only the public API is exported (SDD_EXPORT in sdd.h).
libsdd_core_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(JANSSON_CFLAGS) $(ZLIB_CFLAGS) $(UUID_CFLAGS)
libsdd_core_la_CXXFLAGS = $(AM_CXXFLAGS) -fvisibility=hidden $(SIMDJSON_CFLAGS) $(JANSSON_CFLAGS)
# One C++ file (src/parse/input_simd.cc): every program, library and plugin
# that links the engine links with cc, so the C++ runtime is named here, and
# the library is linked as C (libtool would drop -lstdc++ and -lm, which g++
# adds by itself, from what it hands on to the programs).
libsdd_core_la_LIBADD = $(JANSSON_LIBS) $(ZLIB_LIBS) $(UUID_LIBS) $(MATH_LIBS) $(SIMDJSON_LIBS) -lstdc++
libsdd_core_la_LINK = $(LIBTOOL) $(AM_V_lt) --tag=CC $(AM_LIBTOOLFLAGS) $(LIBTOOLFLAGS) --mode=link \
	$(CCLD) $(libsdd_core_la_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@

libsdd_la_SOURCES =
libsdd_la_LIBADD = libsdd_core.la
libsdd_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0

libsdd_io_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(RDKAFKA_CFLAGS) $(AVRO_CFLAGS) $(CURL_CFLAGS) $(MHD_CFLAGS) $(SYSTEMD_CFLAGS)
libsdd_io_la_LIBADD = $(RDKAFKA_LIBS) $(AVRO_LIBS) $(CURL_LIBS) $(MHD_LIBS) $(SYSTEMD_LIBS)

libsdd_lab_la_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
libsdd_lab_la_LIBADD = $(ZLIB_LIBS) $(MATH_LIBS)
