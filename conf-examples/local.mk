# SPDX-License-Identifier: GPL-2.0-or-later
# Example configuration, inventory and nfacctd custom primitives map, installed for operators to copy.
examplesdir = $(docdir)/examples
dist_examples_DATA = conf-examples/sdd.conf conf-examples/inventory.json \
	conf-examples/custom-primitives.map
