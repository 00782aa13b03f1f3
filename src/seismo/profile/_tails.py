"""How many of a profiled column's finite values lie below ``lo`` and above ``hi``: counted where
the profile can count them, else estimated from its quantile summary with the fewest values the
summary allows (what a check tests, so that an estimate never raises a finding the counts might not)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from seismo.profile._column import ColumnProfile
from seismo.profile._quantiles import EXACT_GRID

__all__ = ["Tails", "tails"]


@dataclass(frozen=True)
class Tails:
    """A column's finite values below and above a range: the count (or estimate), the fewest the
    summary allows, and the summary's rank error (0.0: counted)."""

    below: int
    above: int
    below_least: int
    above_least: int
    rank_error: float

    @property
    def estimated(self) -> bool:
        """True when the counts are estimates (the summary does not keep every value)."""
        return self.rank_error > 0


def tails(c: ColumnProfile, lo: float, hi: float) -> Tails:
    """The finite values of ``c`` below ``lo`` and above ``hi``.

    Exact from a histogram whose edges include ``lo`` and the next float above ``hi``, or from a
    quantile summary that keeps every value; else read off the quantiles (a single chunk's grid
    of 1,001 places a rank within 0.001; a merged KLL sketch within its normalised rank error).
    The exact minimum and maximum decide whether a tail holds any value at all.

    >>> import polars as pl
    >>> from seismo.profile import profile_column
    >>> t = tails(profile_column(pl.Series("x", [-5.0, 1.0, 2.0, 3.0, 99.0, 120.0])), 0.0, 10.0)
    >>> t.below, t.above, t.estimated
    (1, 2, False)
    """
    m = c.finite_count
    sketch = c.quantile_sketch
    below_any = c.min is not None and c.min < lo
    above_any = c.max is not None and c.max > hi
    above_edge = math.nextafter(hi, math.inf)
    hist = c.histogram
    if hist is not None:  # profiled on edges that hold the range: counted
        under, upto = hist.count_below(lo), hist.count_below(above_edge)
        if under is not None and upto is not None:
            below, above = under - c.neginf_count, hist.placed - upto - c.posinf_count
            return Tails(below, above, below, above, 0.0)
    if sketch is None:
        return Tails(int(below_any), int(above_any), int(below_any), int(above_any), 1.0)
    ranks = sketch.ranks([lo, above_edge])  # fractions < lo and <= hi
    error = 0.0 if sketch.values() is not None else 1.0 / EXACT_GRID if sketch.is_exact else sketch.rank_error

    def tail(share: float, any_: bool) -> tuple[int, int]:
        if not any_:
            return 0, 0
        estimate = min(m, max(1, int(round(share * m))))
        return estimate, min(estimate, max(1, math.ceil(share * m - error * m)))

    below, below_least = tail(float(ranks[0]), below_any)
    above, above_least = tail(float(1.0 - ranks[1]), above_any)
    return Tails(below, above, below_least, above_least, error)
