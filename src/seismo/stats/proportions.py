"""Tests on proportions."""

from __future__ import annotations

import math

__all__ = ["two_proportion_ztest"]


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Two-sided pooled z-test of ``x1/n1 == x2/n2``; returns ``(z, p_value)``.

    Degenerate inputs (an empty sample, or both proportions 0 or 1) give ``(0.0, 1.0)``.

    >>> z, p = two_proportion_ztest(10, 100, 30, 100)
    >>> round(z, 3), round(p, 5)
    (3.536, 0.00041)
    """
    if n1 <= 0 or n2 <= 0:
        return 0.0, 1.0
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return 0.0, 1.0
    z = (x2 / n2 - x1 / n1) / math.sqrt(var)
    return z, math.erfc(abs(z) / math.sqrt(2.0))  # two-sided normal tail, exact in the far tail
