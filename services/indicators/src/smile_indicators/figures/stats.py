"""Statistics used by the indicators, with their exact definitions (docs/indicators.md repeats them)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["mean", "percentile", "ratio"]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks.

    Same definition as PostgreSQL's ``percentile_cont`` and NumPy's default: with the values sorted
    ``v[0] <= ... <= v[n-1]``, the percentile sits at rank ``(n - 1) * q / 100``. ``None`` when empty.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 2)


def mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to 4 decimals; ``None`` when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None
