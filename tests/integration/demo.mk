# SPDX-License-Identifier: GPL-2.0-or-later
# The generator's wire output (sddctl send: IPFIX checked by tshark and
# nfacctd 1.7.9) and the README's demo, run as a test (tools/demo).
INTEGRATION_TESTS += tests/integration/test_ipfix_send.sh tests/integration/test_demo.sh
EXTRA_DIST += tests/integration/test_ipfix_send.sh tests/integration/ipfix_send/nfacctd.conf \
	tests/integration/test_demo.sh
