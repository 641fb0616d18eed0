# sddd against a real Kafka broker (see the test's header).
INTEGRATION_TESTS += tests/integration/test_sddd_kafka.sh
EXTRA_DIST += tests/integration/test_sddd_kafka.sh tests/integration/sddd-helpers.sh
