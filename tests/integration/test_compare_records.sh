#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The comparison of the capture tests must be able to fail: compare-records
# --self-test feeds it small record sets, most of them broken on purpose (a
# changed field, a counter off by one, a missing or extra record, a converted
# or renamed field that differs), and checks its verdict on each. Needs only
# python3; runs in every `make check`. Takes well under 1 s.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/../harness/compare-records" --self-test
