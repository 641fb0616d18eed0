# SPDX-License-Identifier: GPL-2.0-or-later
# sddd against a real Kafka broker (see the tests' headers).
INTEGRATION_TESTS += tests/integration/test_sddd_kafka.sh tests/integration/test_exactly_once.sh \
	tests/integration/test_metrics.sh tests/integration/test_sddd_kafka_merge.sh tests/integration/test_web.sh
EXTRA_DIST += tests/integration/test_sddd_kafka.sh tests/integration/test_exactly_once.sh \
	tests/integration/test_metrics.sh tests/integration/test_sddd_kafka_merge.sh tests/integration/test_web.sh \
	tests/integration/sddd-helpers.sh tests/harness/decode-notifications
