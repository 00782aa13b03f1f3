"""Profile one polars Series: vectorised numpy/polars passes, no Python loop over rows.

Numeric values are sorted once (a copy; the caller's data is never modified). The sorted
values give the minimum and maximum, the histogram (binary search of the edges), the exact
quantile summary and a deterministic KLL sketch (see ``_quantiles``), and the distinct values
with their counts (run boundaries), which feed the frequent items and the distinct-count
sketch (hashing each distinct value once gives the same HyperLogLog as hashing every row).
Strings are pre-aggregated with polars ``value_counts``.

A UInt64 column holding values above ``2**63 - 1`` is kept as uint64: its distinct values,
frequent items (``"int"`` keys, Python ints) and HyperLogLog hashes use the exact values, its
minimum and maximum are exact ints, and only the moments, quantiles and histogram use float64.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import polars as pl

from seismo.exceptions import ProfileError
from seismo.profile._column import ColumnProfile, Kind
from seismo.profile._frequent import FrequentItems, KeyType, threshold
from seismo.profile._histogram import Histogram
from seismo.profile._hll import HyperLogLog
from seismo.profile._quantiles import QuantileSketch

__all__ = ["profile_column"]

_INT_DTYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_INT64_MAX = np.iinfo(np.int64).max


def _classify(series: pl.Series) -> tuple[Kind, pl.Series, str | None, str | None]:
    """Profiled kind, the series to profile (physical integers for temporals), unit and tz."""
    dt = series.dtype
    if dt == pl.Boolean:
        return "boolean", series, None, None
    if dt.is_numeric():
        return "numeric", series, None, None
    if isinstance(dt, pl.Datetime):
        tz = dt.time_zone
        return "datetime", series.cast(pl.Datetime("us", tz)).to_physical(), "us", tz
    if isinstance(dt, pl.Duration):
        return "datetime", series.cast(pl.Duration("us")).to_physical(), "us", None
    if dt == pl.Date:
        return "datetime", series.to_physical(), "days", None
    if dt == pl.Time:
        return "datetime", series.to_physical(), "ns", None
    if dt == pl.String or isinstance(dt, pl.Categorical | pl.Enum):
        return "string", series, None, None
    return "other", series, None, None


def _numbers(series: pl.Series) -> npt.NDArray[Any]:
    """Non-null values as int64 (integers, booleans), uint64 (a UInt64 column with values above
    the int64 range) or float64 (anything else)."""
    s = series.drop_nulls() if series.null_count() else series
    dt = s.dtype
    if dt in (pl.Float64, pl.Float32):
        return s.to_numpy().astype(np.float64, copy=False)
    if dt == pl.Boolean:
        return s.to_numpy().view(np.uint8).astype(np.int64)
    if dt in _INT_DTYPES:
        arr = s.to_numpy()
        if dt == pl.UInt64 and len(arr) and int(arr.max()) > _INT64_MAX:
            return arr.astype(np.uint64, copy=False)
        return arr.astype(np.int64, copy=False)
    return s.cast(pl.Float64).to_numpy()


def _runs(srt: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64] | None]:
    """Distinct values of a sorted array and their counts (None when all values are distinct)."""
    n = len(srt)
    if n < 2:
        return srt, None
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(srt[1:], srt[:-1], out=first[1:])
    if np.count_nonzero(first) == n:
        return srt, None
    starts = np.flatnonzero(first)
    counts = np.empty(len(starts), dtype=np.int64)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1])
    counts[-1] = n - starts[-1]
    return srt[starts], counts


def _float_keys(uniq: npt.NDArray[Any], counts: npt.NDArray[np.int64]) -> tuple[Any, Any]:
    """Distinct sorted values as float64 keys (ints beyond 2**53 may collide: re-aggregate)."""
    keys = uniq.astype(np.float64, copy=False)
    if uniq.dtype.kind != "f" and len(keys) > 1:
        same = keys[1:] == keys[:-1]
        if same.any():
            starts = np.flatnonzero(np.r_[True, ~same])
            keys, counts = keys[starts], np.add.reduceat(counts, starts)
    return keys, counts


def _sorted_finite(arr: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], int, int, int]:
    """Sorted finite values (a new array) and the NaN, +inf and -inf counts.

    NumPy sorts NaN last, so the non-finite values are found by binary search.
    """
    srt = np.sort(arr)
    if srt.dtype.kind != "f" or len(srt) == 0:
        return srt, 0, 0, 0
    end = int(np.searchsorted(srt, np.nan)) if np.isnan(srt[-1]) else len(srt)
    lo = int(np.searchsorted(srt[:end], -math.inf, side="right"))
    hi = int(np.searchsorted(srt[:end], math.inf, side="left"))
    return srt[lo:hi], len(srt) - end, end - hi, lo


def _m2(values: npt.NDArray[np.float64], mean: float) -> float:
    """Sum of squared deviations, in one compiled pass (no temporary)."""
    return float(_m2_kernel(values, mean))


@numba.njit(cache=True, nogil=True)
def _m2_kernel(values: Any, mean: float) -> float:  # pragma: no cover - compiled
    # two-level summation (blocks of 4,096, then the block sums): rounding error grows with
    # 4,096 + n / 4,096 rather than with n
    total = 0.0
    n = len(values)
    for start in range(0, n, 4096):
        block = 0.0
        for i in range(start, min(start + 4096, n)):
            d = values[i] - mean
            block += d * d
        total += block
    return total


@numba.njit(cache=True, nogil=True)
def _sum_mean_kernel(values: Any, lo: int, hi: int) -> tuple[float, float]:  # pragma: no cover - compiled
    """The sum and the mean of ``values[lo:hi]`` (not empty), with the two-level summation of
    :func:`_m2_kernel`; when the sum overflows, the mean is the sum of ``value / n``. One
    definition for a whole column and for each window's range of it, so the two agree exactly."""
    total = 0.0
    for start in range(lo, hi, 4096):
        block = 0.0
        for i in range(start, min(start + 4096, hi)):
            block += values[i]
        total += block
    n = hi - lo
    if np.isfinite(total):
        return total, total / n
    scaled = 0.0
    for start in range(lo, hi, 4096):
        block = 0.0
        for i in range(start, min(start + 4096, hi)):
            block += values[i] / n
        scaled += block
    return total, scaled


def _frequent_numbers(
    key_type: KeyType, uniq: npt.NDArray[Any], counts: npt.NDArray[np.int64] | None, capacity: int
) -> FrequentItems:
    if counts is None:  # all distinct: every count is 1
        if len(uniq) > capacity:  # the (capacity + 1)-th largest count, 1, is subtracted
            nothing = np.empty(0, dtype=np.float64)
            return FrequentItems.from_counts(key_type, nothing, nothing, capacity, total=len(uniq), error=1)
        counts = np.ones(len(uniq), dtype=np.int64)
    if key_type == "int":  # exact uint64 keys (Python ints)
        return FrequentItems.from_counts(key_type, uniq, counts, capacity)
    keys, counts = _float_keys(uniq, counts)
    if key_type == "bool":
        keys = keys.astype(bool)
    return FrequentItems.from_counts(key_type, keys, counts, capacity)


def _profile_numbers(
    base: dict[str, Any], arr: npt.NDArray[Any], edges: npt.ArrayLike | None, key_type: KeyType,
    kll_k: int, hll_p: int, capacity: int,
) -> ColumnProfile:
    srt, nan, posinf, neginf = _sorted_finite(arr)
    values = srt.astype(np.float64, copy=False)
    n = len(srt)
    stats: dict[str, Any] = {"finite_count": n, "nan_count": nan, "posinf_count": posinf,
                             "neginf_count": neginf}
    if n:
        total, mean = _sum_mean_kernel(values, 0, n)
        m2 = _m2(values, mean)
        stats.update(min=srt[0].item(), max=srt[-1].item(), mean=mean, m2=m2, sum=total)
    uniq, counts = _runs(srt)
    hist = None
    if edges is not None:
        hist = Histogram.from_sorted(values, edges, posinf=posinf, neginf=neginf, nan_count=nan,
                                     null_count=base["null_count"])
    return ColumnProfile(
        **base, **stats, histogram=hist,
        quantile_sketch=QuantileSketch.from_sorted(values, kll_k),
        distinct_sketch=HyperLogLog.from_numbers(uniq, hll_p),
        frequent_items=_frequent_numbers(key_type, uniq, counts, capacity),
    )


def _profile_strings(base: dict[str, Any], series: pl.Series, hll_p: int, capacity: int) -> ColumnProfile:
    vc = series.alias("value").value_counts(sort=False, name="n")
    values = vc["value"]
    counts = vc["n"].to_numpy().astype(np.int64)
    if values.null_count():
        present = values.is_not_null()
        values, counts = values.filter(present), counts[present.to_numpy()]
    if values.dtype != pl.String:
        values = values.cast(pl.String)
    arrow = values.to_arrow()
    hll = HyperLogLog.from_strings(arrow, hll_p)
    total = int(counts.sum())
    cut = threshold(counts, capacity)
    numeric_text, text = None, None
    if cut:
        # every distinct value, laid out in order (the hash table's order makes string kernels slow)
        numeric_text, text = _split_text(pl.Series(arrow), counts)
        keep = counts > cut
        values, counts = values.filter(pl.Series(keep)), counts[keep] - cut
    keys = np.array(values.to_list(), dtype=object)
    fi = FrequentItems.from_counts("str", keys, counts, capacity, total=total, error=cut)
    if text is None:  # every distinct value kept: the frequent items are the whole column
        numeric_text, text = _split_text(pl.Series("k", fi.keys.tolist(), dtype=pl.String), fi.counts)
    return ColumnProfile(**base, distinct_sketch=hll, frequent_items=fi, numeric_text_count=numeric_text,
                         text_items=text)


TEXT_ITEMS = 64
"""Counters kept for the values of a string column that do not read as numbers."""


def split_text(values: pl.Series) -> tuple[pl.Series, npt.NDArray[np.bool_], bool]:
    """Distinct strings stripped of surrounding white space, which of them read as numbers
    (polars' parsing, ``cast(pl.Float64, strict=False)``: ``"1e3"``, ``" -2.5 "``, ``"nan"`` and
    ``"inf"`` do) and whether stripping changed any text value (then some may now be equal)."""
    stripped = values.str.strip_chars()
    numeric = stripped.cast(pl.Float64, strict=False).is_not_null().to_numpy()
    changed = (stripped.str.len_bytes() != values.str.len_bytes()).to_numpy()
    return stripped, numeric, bool(changed[~numeric].any())


def _split_text(values: pl.Series, counts: npt.NDArray[np.int64]) -> tuple[int, FrequentItems]:
    """Of distinct strings ``values`` seen ``counts`` times: how many read as numbers, and the
    frequent items (``TEXT_ITEMS`` counters) of the others, stripped (keys that only white space
    told apart added up)."""
    counts = np.asarray(counts, dtype=np.int64)
    stripped, numeric, joined = split_text(values)
    keys, kept = stripped.filter(pl.Series(~numeric)), counts[~numeric]
    if joined:
        grouped = pl.DataFrame({"k": keys, "n": kept}).group_by("k").agg(pl.col("n").sum())
        keys, kept = grouped["k"], grouped["n"].to_numpy().astype(np.int64)
    text_total = int(kept.sum())
    cut = threshold(kept, TEXT_ITEMS)
    if cut:  # only the kept keys become Python strings
        keep = kept > cut
        keys, kept = keys.filter(pl.Series(keep)), kept[keep] - cut
    items = FrequentItems.from_counts("str", np.array(keys.to_list(), dtype=object), kept, TEXT_ITEMS,
                                      total=text_total, error=cut)
    return int(counts[numeric].sum()), items


def profile_column(
    series: pl.Series, *, edges: npt.ArrayLike | None = None, top_k: int = 256, kll_k: int = 200,
    hll_p: int = 12,
) -> ColumnProfile:
    """Profile one polars Series.

    Parameters
    ----------
    series : polars.Series
        The column; not modified.
    edges : array-like, optional
        Reference bin edges for a histogram (numeric, boolean and datetime columns; datetime
        edges are in the profile's ``unit``).
    top_k : int
        Frequent items wanted; the summary keeps ``max(4 * top_k, 1024)`` counters.
    kll_k : int
        KLL accuracy parameter of the quantile sketch.
    hll_p : int
        HyperLogLog precision (``2**hll_p`` registers).

    Returns
    -------
    ColumnProfile

    Examples
    --------
    >>> import polars as pl
    >>> p = profile_column(pl.Series("c", ["a", "b", "a", None]))
    >>> p.kind, p.count, p.null_count, p.top(), p.distinct_estimate
    ('string', 4, 1, [('a', 2), ('b', 1)], 2.0)
    """
    if top_k < 1:
        raise ProfileError(f"top_k must be >= 1, got {top_k}")
    QuantileSketch(kll_k), HyperLogLog(hll_p)  # validate the sketch parameters up front
    capacity = max(4 * top_k, 1024)
    kind, values, unit, tz = _classify(series)
    base: dict[str, Any] = {  # interned names: profiles of many chunks share them (faster merges)
        "name": sys.intern(series.name), "kind": kind, "dtype": sys.intern(str(series.dtype)),
        "count": len(series), "null_count": series.null_count(), "unit": unit, "tz": tz,
    }
    if edges is not None and kind in ("string", "other"):
        raise ProfileError(f"histogram bins given for column {series.name!r} of kind {kind!r}")
    if kind == "string":
        return _profile_strings(base, series, hll_p, capacity)
    if kind == "other":
        return ColumnProfile(**base)
    arr = _numbers(values)
    key_type: KeyType = "bool" if kind == "boolean" else "int" if arr.dtype == np.uint64 else "float"
    return _profile_numbers(base, arr, edges, key_type, kll_k, hll_p, capacity)
