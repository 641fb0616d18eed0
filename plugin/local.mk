# SPDX-License-Identifier: GPL-2.0-or-later
# sdd_pmacct.so: loaded by nfacctd's print plugin (print_output: custom).
# Built only against a pmacct source tree: ./configure --with-pmacct-src=DIR
if BUILD_PLUGIN
pkglib_LTLIBRARIES = sdd_pmacct.la
sdd_pmacct_la_SOURCES = plugin/sdd_pmacct.c
sdd_pmacct_la_CPPFLAGS = $(AM_CPPFLAGS) $(PMACCT_CPPFLAGS)
sdd_pmacct_la_LIBADD = libsdd_io.la libsdd_core.la
sdd_pmacct_la_LDFLAGS = -module -avoid-version -shared
endif
EXTRA_DIST += plugin/sdd_pmacct.c
