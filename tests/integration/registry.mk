# SPDX-License-Identifier: GPL-2.0-or-later
# sddd's Confluent wire format against a real schema registry, Apicurio
# Registry built by tests/harness/fetch-registry (see the test's header).
INTEGRATION_TESTS += tests/integration/test_registry.sh
dist_noinst_SCRIPTS += tests/integration/test_registry.sh tests/harness/fetch-registry
EXTRA_DIST += \
	tests/harness/registry/pom.xml \
	tests/harness/registry/src/main/java/org/pmacct/sdd/registry/NoDynamicConfig.java
