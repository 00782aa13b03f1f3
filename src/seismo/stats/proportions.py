"""Tests and intervals on proportions."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["two_proportion_ztest", "wilson_interval"]


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


def _ratio(num: npt.NDArray[np.float64], den: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def wilson_interval(x: npt.ArrayLike, n: npt.ArrayLike, z: float
                    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Proportion ``x / n`` and its Wilson (1927) score interval at normal quantile ``z``,
    elementwise (NaN where ``n == 0``).

    >>> p, lo, hi = wilson_interval([8], [10], 1.959963984540054)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)  # by hand: centre 0.7167, half-width 0.2266
    (0.4902, 0.9433)
    """
    xf, nf = np.asarray(x, dtype=np.float64), np.asarray(n, dtype=np.float64)
    p = _ratio(xf, nf)
    z2n = _ratio(np.full(nf.shape, z * z), nf)
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * np.sqrt(np.maximum(p * (1.0 - p), 0.0) * _ratio(np.ones(nf.shape), nf)
                                     + z2n * z2n / (4.0 * z * z))
    return p, centre - half, centre + half

