# SPDX-License-Identifier: GPL-2.0-or-later
# sddd's outputs on a full file system: the Kafka output's spool and the
# file output on a tiny tmpfs (see the test's header).
INTEGRATION_TESTS += tests/integration/test_disk_full.sh
EXTRA_DIST += tests/integration/test_disk_full.sh
