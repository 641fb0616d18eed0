# SPDX-License-Identifier: GPL-2.0-or-later
# sdd_pmacct.so inside nfacctd built from ../shared/pmacct (tools/build-pmacct),
# pmacct 1.7.9 and master (see the tests' headers).
INTEGRATION_TESTS += tests/integration/test_plugin_capture.sh tests/integration/test_plugin_refused.sh \
	tests/integration/test_plugin_restart.sh tests/integration/test_plugin_live.sh
EXTRA_DIST += tests/integration/test_plugin_capture.sh tests/integration/test_plugin_refused.sh \
	tests/integration/test_plugin_restart.sh tests/integration/test_plugin_live.sh \
	tests/integration/plugin/lib.sh tests/integration/plugin/nfacctd.conf \
	tests/integration/plugin/engine.conf tests/integration/plugin/inventory.json \
	tests/integration/plugin/nfacctd-live.conf
