"""Numbers as reports carry them: a finite float, or None where there is no number to show."""

from __future__ import annotations

import math
from typing import SupportsFloat

__all__ = ["finite_or_none", "float_or_none", "plain_number"]


def float_or_none(value: object) -> float | None:
    """``value`` as a float that may be infinite, or None: for None, NaN and anything that is not
    a number (text included). Numpy scalars and booleans are numbers.

    >>> float_or_none(2), float_or_none(float("nan")), float_or_none(float("-inf")), float_or_none("3")
    (2.0, None, -inf, None)
    """
    if isinstance(value, (float, int)):  # the common cases (numpy's float64, booleans), without the ~17 us protocol check
        try:
            f = float(value)
        except (TypeError, ValueError, OverflowError):
            return None
        return None if f != f else f
    if value is None or isinstance(value, (str, bytes)) or not isinstance(value, SupportsFloat):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if math.isnan(f) else f


def finite_or_none(value: object) -> float | None:
    """``value`` as a finite float, or None: for None, NaN, infinities and anything that is not a
    number (text included). Numpy scalars and booleans are numbers.

    >>> finite_or_none(2), finite_or_none(float("nan")), finite_or_none(float("inf")), finite_or_none("3")
    (2.0, None, None, None)
    """
    f = float_or_none(value)
    return f if f is not None and math.isfinite(f) else None


def plain_number(x: float) -> str:
    """A number for a sentence: three significant digits, thousands separated, no exponent for
    everyday magnitudes (``12.1``, ``0.0351``, ``1,250``, ``2,300,000``).

    >>> [plain_number(v) for v in (12.14, 0.035123, 1250.4, 2_300_000.0, -4.0, 0.0)]
    ['12.1', '0.0351', '1,250', '2,300,000', '-4', '0']
    """
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) < 1e-4:
        return f"{x:.2e}"
    return f"{x:.3g}"
