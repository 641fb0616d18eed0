# SPDX-License-Identifier: GPL-2.0-or-later
# What an operator reads on the host: the manual pages of sddd, sddctl and
# the configuration file, and docs/deploy.md (from nothing to running).
dist_man_MANS = man/sddd.8 man/sddctl.1 man/sdd.conf.5
dist_doc_DATA = docs/deploy.md
UNIT_TESTS += tests/install/test_operator_files.sh
EXTRA_DIST += tests/install/test_operator_files.sh
