# SPDX-License-Identifier: GPL-2.0-or-later
# A live control plane: gobgpd speakers, Debian's nfacctd, Kafka and sddd in
# real time (docs/time.md).
INTEGRATION_TESTS += tests/integration/test_live_peer_down.sh tests/integration/test_live_peer_reason.sh
EXTRA_DIST += tests/integration/test_live_peer_down.sh tests/integration/test_live_peer_reason.sh \
	tests/integration/live/nfacctd.conf tests/harness/gobgp.sh
