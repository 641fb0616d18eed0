# SPDX-License-Identifier: GPL-2.0-or-later
# sdd_pmacct.so: loaded by nfacctd's print plugin (print_output: custom).
# The pmacct side (sdd_pmacct.c) compiles only against a pmacct built by
# tools/build-pmacct, with that build's exact preprocessor flags
# (@DIR/sdd-cppflags, read by gcc as a response file: some values are quoted
# strings with spaces): ./configure --with-pmacct-src=DIR. Only the seven
# functions pmacct looks up are exported.

# The engine side and the hand-over use no pmacct header: always built.
noinst_LTLIBRARIES += libsdd_plugin_engine.la
libsdd_plugin_engine_la_SOURCES = plugin/engine.c plugin/plugin_settings.c plugin/handover.c \
	plugin/pmacct_layout.c plugin/sdd_plugin.h plugin/handover.h plugin/pmacct_layout.h
libsdd_plugin_engine_la_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)

PLUGIN_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugin
PLUGIN_CFLAGS = $(AM_CFLAGS) -std=gnu11
PLUGIN_LIBADD = libsdd_plugin_engine.la libsdd_io.la libsdd_core.la
PLUGIN_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^(plugin_init|plugin_destroy|output_init|print|output_flush|output_close|get_error_text)$$'

if BUILD_PLUGIN
pkglib_LTLIBRARIES = sdd_pmacct.la
sdd_pmacct_la_SOURCES = plugin/sdd_pmacct.c
sdd_pmacct_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) $(PMACCT_CPPFLAGS)
sdd_pmacct_la_CFLAGS = $(PLUGIN_CFLAGS)
sdd_pmacct_la_LIBADD = $(PLUGIN_LIBADD)
sdd_pmacct_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif

# The hand-over between processes (and threads), every build: make check.
check_PROGRAMS += plugin/test_handover
UNIT_TESTS += plugin/test_handover
plugin_test_handover_SOURCES = plugin/test_handover.c
plugin_test_handover_LDADD = libsdd_plugin_engine.la -lpthread

# make plugin-for PMACCT=DIR OUT=DIR: the plugin built against another
# pmacct build (DIR of tools/build-pmacct), into OUT/.libs/sdd_pmacct.so:
# the tests load one per pmacct version, from one build of this tree.
plugin-for: $(PLUGIN_LIBADD)
	@test -f "$(PMACCT)/sdd-cppflags" && test -n "$(OUT)" || \
	  { echo "usage: make plugin-for PMACCT=<tools/build-pmacct's directory> OUT=<directory>" >&2; exit 2; }
	@mkdir -p "$(OUT)"
	$(AM_V_CC)$(LIBTOOL) $(AM_V_lt) --tag=CC --mode=compile $(CC) $(DEFS) $(DEFAULT_INCLUDES) \
	  $(PLUGIN_CPPFLAGS) @$(PMACCT)/sdd-cppflags $(CPPFLAGS) $(PLUGIN_CFLAGS) $(CFLAGS) \
	  -c -o "$(OUT)/sdd_pmacct.lo" $(top_srcdir)/plugin/sdd_pmacct.c
	$(AM_V_CCLD)$(LIBTOOL) $(AM_V_lt) --tag=CC --mode=link $(CC) $(PLUGIN_CFLAGS) $(CFLAGS) \
	  $(PLUGIN_LDFLAGS) $(LDFLAGS) -rpath $(pkglibdir) -o "$(OUT)/sdd_pmacct.la" \
	  "$(OUT)/sdd_pmacct.lo" $(PLUGIN_LIBADD) $(LIBS)
.PHONY: plugin-for

EXTRA_DIST += plugin/sdd_pmacct.c bench/plugin bench/plugin_shim.c bench/bench_plugin_engine.c
