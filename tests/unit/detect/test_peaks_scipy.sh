#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_peaks_scipy.sh: the differential test of sdd_find_peaks against SciPy
# (test_peaks_scipy.py). Skipped (77) when no python3 with SciPy and NumPy is
# found: $PYTHON, then python3 on PATH, then Debian's /usr/bin/python3.
here=$(dirname "$0")
driver="${SDD_BUILDDIR:-.}/tests/unit/detect/peaks_driver"

if [ ! -x "$driver" ]; then
    echo "test_peaks_scipy: $driver not built" >&2
    exit 99
fi
for py in "$PYTHON" python3 /usr/bin/python3; do
    [ -n "$py" ] || continue
    if "$py" -c 'import numpy, scipy.signal' 2>/dev/null; then
        exec "$py" "$here/test_peaks_scipy.py" "$driver"
    fi
done
echo "test_peaks_scipy: no python3 with scipy and numpy, skipped" >&2
exit 77
