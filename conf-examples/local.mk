# SPDX-License-Identifier: GPL-2.0-or-later
# Example configuration, inventory and nfacctd custom primitives map, installed for operators to copy.
examplesdir = $(docdir)/examples
dist_examples_DATA = conf-examples/sdd.conf conf-examples/inventory.json \
	conf-examples/custom-primitives.map

# systemd units of sddd (one instance, and a template for several), installed
# in systemd's unit directory with ExecStart naming the installed sddd.
units = conf-examples/sddd.service conf-examples/sddd@.service
EXTRA_DIST += $(units)
if INSTALL_UNITS
systemdsystemunit_DATA = units/sddd.service units/sddd@.service
CLEANFILES += $(systemdsystemunit_DATA)
endif
unit_gen = $(AM_V_GEN)$(MKDIR_P) units && \
	sed -e 's|/usr/bin/sddd|$(bindir)/sddd|' $(srcdir)/conf-examples/$(@F) > $@-t && mv $@-t $@
units/sddd.service: $(srcdir)/conf-examples/sddd.service
	$(unit_gen)
units/sddd@.service: $(srcdir)/conf-examples/sddd@.service
	$(unit_gen)
# distcheck installs as a user, under its own prefix
AM_DISTCHECK_CONFIGURE_FLAGS = --with-systemdsystemunitdir='$$(prefix)/lib/systemd/system'
