# SPDX-License-Identifier: GPL-2.0-or-later
# sddd's Kafka output against a real broker (see the test's header).
INTEGRATION_TESTS += tests/integration/test_kafka_output.sh
EXTRA_DIST += tests/integration/test_kafka_output.sh
