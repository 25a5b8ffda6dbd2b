"""Median and percentiles, one method for both so they agree with each other.

Linear interpolation between the closest ranks (the "inclusive" method of Python's
`statistics.quantiles`, numpy's default): the p-th quantile of sorted x[0..n-1] sits at
position h = (n - 1) * p, between x[floor(h)] and x[floor(h) + 1]. With it the 0.5
quantile is the ordinary median (the mean of the two middle values for an even count), and
a single value is its own median and p90.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta


def quantile(values: Iterable[float], p: float) -> float | None:
    xs = sorted(values)
    if not xs:
        return None
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"quantile {p} is outside 0..1")
    h = (len(xs) - 1) * p
    low = math.floor(h)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (h - low) * (xs[high] - xs[low])


def duration_quantile(values: Iterable[timedelta], p: float) -> timedelta | None:
    q = quantile((v.total_seconds() for v in values), p)
    return None if q is None else timedelta(seconds=q)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole
