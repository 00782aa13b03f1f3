"""Numbers as reports carry them: a finite float, or None where there is no number to show."""

from __future__ import annotations

import math
from typing import SupportsFloat

__all__ = ["finite_or_none", "float_or_none"]


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
