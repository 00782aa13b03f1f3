"""A profiled column's kept frequent items as values of the column's own type, so that a check can
judge them with the same code it runs on the rows (each key standing for ``count`` rows)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from seismo.profile._column import ColumnProfile

__all__ = ["DistinctCount", "distinct_count", "frequent_values"]


@dataclass(frozen=True)
class DistinctCount:
    """How many distinct values a profiled column holds: counted (``exact``) while its frequent
    items kept every value, else HyperLogLog's estimate, with its relative standard error and the
    least count the frequent items prove."""

    value: int
    exact: bool
    at_least: int
    standard_error: float = 0.0
    """Relative standard error of an estimate (0 when counted)."""

    def evidence(self) -> dict[str, object]:
        """The count as a report's evidence states it: an estimate says so, with its error."""
        if self.exact:
            return {"distinct": self.value}
        return {"distinct": self.value, "distinct_estimated": True, "distinct_at_least": self.at_least,
                "distinct_relative_error": round(self.standard_error, 4)}


def distinct_count(cp: ColumnProfile) -> DistinctCount | None:
    """Distinct non-null (numeric: finite) values of ``cp``; None without a distinct sketch.

    Frequent items that dropped nothing hold every value, so their keys are the count. Once they
    dropped keys (Misra-Gries truncates only past its capacity, after merges too, whose capacity
    is the smaller one) the column holds more values than that capacity, and the count is
    HyperLogLog's estimate, never below what is proven.

    >>> import polars as pl
    >>> from seismo.profile import profile_column
    >>> distinct_count(profile_column(pl.Series("c", ["a", "b", "a", None])))
    DistinctCount(value=2, exact=True, at_least=2, standard_error=0.0)
    >>> many = distinct_count(profile_column(pl.Series("id", [f"u{i}" for i in range(5000)])))
    >>> many.exact, many.at_least, abs(many.value - 5000) < 250
    (False, 1025, True)
    """
    fi, hll = cp.frequent_items, cp.distinct_sketch
    if fi is not None and fi.error == 0 and fi.other_count == 0:
        kept = int(np.count_nonzero(fi.counts))
        return DistinctCount(kept, True, kept)
    if hll is None:
        return None
    values = cp.count - cp.null_count if cp.kind not in ("numeric", "datetime") else cp.finite_count
    least = 0 if fi is None else max(int(np.count_nonzero(fi.counts)) + (1 if fi.other_count else 0),
                                     fi.capacity + 1 if fi.error else 0)
    return DistinctCount(min(max(round(hll.estimate()), least), max(values, least)), False, least,
                         hll.standard_error)


def _dtype(cp: ColumnProfile, key_type: str) -> pl.DataType | None:
    dtype = cp.dtype.split("|")
    if cp.kind == "string":
        return pl.String()
    if cp.kind == "boolean":
        return pl.Boolean()
    if cp.kind == "numeric":
        if key_type == "int":  # exact keys, some above 2**63 - 1: unsigned while none is negative
            keys: list[object] = cp.frequent_items.keys.tolist() if cp.frequent_items is not None else []
            ints = [k for k in keys if isinstance(k, int)]
            if len(ints) == len(keys) and all(0 <= k < 2**64 for k in ints):
                return pl.UInt64()
            return pl.Float64()
        return pl.Int64() if all(d.startswith(("Int", "UInt")) for d in dtype) else pl.Float64()
    if cp.kind == "datetime":
        if all(d.startswith("Datetime") for d in dtype) and cp.unit == "us":
            return pl.Datetime("us", cp.tz)
        if dtype == ["Date"] and cp.unit == "days":
            return pl.Date()
        if all(d.startswith("Duration") for d in dtype) and cp.unit == "us":
            return pl.Duration("us")
        if dtype == ["Time"] and cp.unit == "ns":
            return pl.Time()
    return None


def frequent_values(cp: ColumnProfile, *, nonfinite: bool = False) -> tuple[pl.Series, npt.NDArray[np.int64]] | None:
    """The kept keys (finite values only, for numbers) as a Series of the column's type, by count
    then key, and their kept counts; None for a column without frequent items or of a type they
    cannot stand for (lists, structs ...). With ``nonfinite``, a numeric column's NaN, +inf and
    -inf follow, with their exact counts (the keys then as floats): every non-null value the rows
    hold, when the frequent items dropped nothing.

    >>> import polars as pl
    >>> from datetime import date
    >>> from seismo.profile import profile_column
    >>> values, counts = frequent_values(profile_column(pl.Series("d", [date(2024, 1, 2)] * 3 + [date(2024, 1, 1)])))
    >>> values.to_list(), counts.tolist()
    ([datetime.date(2024, 1, 2), datetime.date(2024, 1, 1)], [3, 1])
    """
    fi = cp.frequent_items
    if fi is None:
        return None
    dtype = _dtype(cp, fi.key_type)
    if dtype is None:
        return None
    top = fi.top()
    counts = np.array([n for _, n in top], dtype=np.int64)
    values = _typed(cp.name, [k for k, _ in top], dtype, fi.key_type)
    extra = [(x, n) for x, n in ((math.nan, cp.nan_count), (math.inf, cp.posinf_count), (-math.inf, cp.neginf_count))
             if n] if nonfinite and cp.kind == "numeric" else []
    if extra:
        values = pl.concat([values.cast(pl.Float64), pl.Series(cp.name, [x for x, _ in extra], dtype=pl.Float64)])
        counts = np.r_[counts, np.array([n for _, n in extra], dtype=np.int64)]
    return values, counts


def _typed(name: str, keys: list[object], dtype: pl.DataType, key_type: str) -> pl.Series:
    if isinstance(dtype, (pl.Datetime, pl.Date, pl.Duration, pl.Time)):
        return pl.Series(name, keys, dtype=pl.Float64).cast(pl.Int64).cast(dtype)
    if dtype == pl.Int64:
        return pl.Series(name, keys, dtype=pl.Float64).cast(pl.Int64)
    if dtype == pl.Float64 and key_type == "int":  # signed and above 2**63 - 1: as floats, to the nearest
        return pl.Series(name, [float(k) for k in keys], dtype=pl.Float64)  # type: ignore[arg-type]
    return pl.Series(name, keys, dtype=dtype)
