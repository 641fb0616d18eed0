# SPDX-License-Identifier: GPL-2.0-or-later
"""test_peaks_scipy.py: sdd_find_peaks against scipy.signal.find_peaks.

Generates a few thousand series of many shapes from a fixed seed, runs them
through peaks_driver (argv[1]) and through SciPy with the same prominence and
width limits, and compares the peaks: indices exactly, prominences, widths
and interpolated crossing positions to 1e-9 relative. Prints the first
mismatches in full and exits 1 when there is any.
"""
import math
import random
import subprocess
import sys

import numpy as np
from scipy.signal import find_peaks, peak_prominences

SEED = 20260525
CASES_PER_SHAPE = 600
TOLERANCE = 1e-9
SHOWN = 5


def random_walk(r, n):
    x, v = [], r.uniform(-10, 10)
    for _ in range(n):
        v += r.gauss(0, 1)
        x.append(v)
    return x


def noise_with_spikes(r, n):
    base = r.uniform(0, 1000)
    x = [base + r.gauss(0, base * 0.05 + 1) for _ in range(n)]
    for _ in range(r.randint(0, 4)):
        at, width, height = r.randrange(max(n, 1)), r.randint(1, 6), r.uniform(0.1, 5) * (base + 1)
        for i in range(max(0, at - width), min(n, at + width + 1)):
            x[i] += height * (1 - abs(i - at) / (width + 1))
    return x


def plateaus(r, n):
    """Quantised walk: flat tops of every length, rising and falling edges."""
    x, v = [], r.randint(0, 5)
    for _ in range(n):
        if r.random() < 0.4:
            v += r.choice((-1, 1))
        x.append(float(v))
    return x


def ties(r, n):
    """Few distinct values: equal peaks, equal bases, bases at equal depth."""
    return [float(r.randint(0, 3)) for _ in range(n)]


def constant(r, n):
    return [r.choice((0.0, 1.0, -2.5, 1e6))] * n


def very_short(r, _):
    return [float(r.randint(0, 2)) for _ in range(r.randint(0, 4))]


def outage(r, n):
    """What the flow-count detector sees: level, silence, reconnection storm, level."""
    level, x = r.uniform(10, 5000), []
    down, up, storm = sorted(r.randrange(max(n, 1)) for _ in range(3))
    for i in range(n):
        v = level * math.exp(r.gauss(0, 0.1))
        if down <= i < up:
            v = 0.0
        elif up <= i <= storm and storm - up < 3:
            v *= r.uniform(3, 9)
        x.append(round(v))
    return x


def seasonal(r, n):
    period, amp = r.uniform(5, 60), r.uniform(1, 100)
    return [amp * math.sin(2 * math.pi * i / period) + r.gauss(0, amp * 0.2) for i in range(n)]


def scaled(r, n):
    """Precision: huge values, tiny values, small noise on a large offset."""
    scale, offset = r.choice(((1e12, 0.0), (1e-12, 0.0), (1.0, 1e9), (1e-3, 1e6)))
    return [offset + scale * v for v in random_walk(r, n)]


def monotone_and_saw(r, n):
    kind = r.randint(0, 2)
    if kind == 0:
        return [float(i) for i in range(n)]
    if kind == 1:
        return [float(n - i) for i in range(n)]
    period = r.randint(2, 7)
    return [float(i % period) for i in range(n)]


SHAPES = [random_walk, noise_with_spikes, plateaus, ties, constant, very_short, outage, seasonal, scaled,
          monotone_and_saw]


def limits(r, x):
    """A minimum prominence and a width range, sometimes exactly at a value the series has."""
    arr = np.asarray(x, dtype=float)
    prominences = []
    if len(arr) >= 3:
        maxima, _ = find_peaks(arr)
        if len(maxima):
            prominences = list(peak_prominences(arr, maxima)[0])
    span = float(arr.max() - arr.min()) if len(arr) else 1.0
    pick = r.random()
    if pick < 0.35:
        min_prominence = 0.0
    elif pick < 0.55 and prominences:
        min_prominence = float(r.choice(prominences))        # inclusive at the limit
    else:
        min_prominence = r.uniform(0, span)
    min_width = 0.0 if r.random() < 0.5 else r.choice((1.0, 2.0, r.uniform(0, 6)))
    max_width = math.inf if r.random() < 0.4 else r.choice((1.0, 2.0, 3.0, r.uniform(0.5, 20)))
    return min_prominence, min_width, max_width


def scipy_peaks(x, min_prominence, min_width, max_width):
    arr = np.asarray(x, dtype=float)
    width = (min_width, None if math.isinf(max_width) else max_width)
    peaks, props = find_peaks(arr, prominence=min_prominence, width=width)
    return [(int(p), props["prominences"][i], props["widths"][i], props["left_ips"][i], props["right_ips"][i])
            for i, p in enumerate(peaks)]


def driver_peaks(driver, cases):
    lines = []
    for x, (min_prominence, min_width, max_width) in cases:
        lines.append(" ".join([repr(min_prominence), repr(min_width), repr(max_width), str(len(x))] +
                              [repr(float(v)) for v in x]))
    run = subprocess.run([driver], input="\n".join(lines) + "\n", capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit("peaks_driver failed (%d): %s" % (run.returncode, run.stderr))
    results = []
    for line in run.stdout.splitlines():
        fields = line.split()
        count, rest = int(fields[0]), fields[1:]
        peaks = [(int(rest[i]), float(rest[i + 1]), float(rest[i + 2]), float(rest[i + 3]), float(rest[i + 4]))
                 for i in range(0, len(rest), 5)]
        results.append((count, peaks))
    if len(results) != len(cases):
        sys.exit("peaks_driver answered %d series of %d" % (len(results), len(cases)))
    return results


def differs(want, got):
    """Why two answers differ, or None."""
    count, peaks = got
    if count != len(want) or len(peaks) != len(want):
        return "SciPy finds %d peaks, sdd_find_peaks %d (%d listed)" % (len(want), count, len(peaks))
    names = ("prominence", "width", "left_ips", "right_ips")
    for w, g in zip(want, peaks):
        if w[0] != g[0]:
            return "peak index: SciPy %d, sdd %d" % (w[0], g[0])
        for name, a, b in zip(names, w[1:], g[1:]):
            if not math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=0.0):
                return "peak %d %s: SciPy %r, sdd %r" % (w[0], name, a, b)
    return None


def main():
    driver = sys.argv[1]
    r = random.Random(SEED)
    cases, shapes = [], []
    for shape in SHAPES:
        for _ in range(CASES_PER_SHAPE):
            x = shape(r, r.choice((r.randint(0, 8), r.randint(3, 120), r.randint(100, 400))))
            cases.append((x, limits(r, x)))
            shapes.append(shape.__name__)
    got = driver_peaks(driver, cases)
    failures, total_peaks = 0, 0
    for i, ((x, lim), answer) in enumerate(zip(cases, got)):
        want = scipy_peaks(x, *lim)
        total_peaks += len(want)
        why = differs(want, answer)
        if why is None:
            continue
        failures += 1
        if failures <= SHOWN:
            print("MISMATCH case %d (%s, n=%d): %s" % (i, shapes[i], len(x), why))
            print("  min_prominence=%r min_width=%r max_width=%r" % lim)
            print("  series: %s" % " ".join(repr(float(v)) for v in x))
            print("  SciPy: %r" % (want,))
            print("  sdd:   %r" % (answer,))
    print("%d series, %d peaks compared, %d mismatches" % (len(cases), total_peaks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
