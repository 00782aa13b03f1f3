"""Mergeable per-column profile: counts, exact moments, sketches and a reference histogram.

Moments are merged with the parallel algorithm of Chan, Golub and LeVeque, "Updating formulae
and a pairwise algorithm for computing sample variances" (Stanford report STAN-CS-79-773,
1979): counts, minima and maxima merge exactly; the sum, the mean and the sum of squared
deviations ``m2`` merge exactly up to floating-point rounding (operands are put in a canonical
order, so the merge is exactly commutative).

Profiled kinds, from the polars dtype:

* ``numeric``: integer, float and decimal columns (integers and decimals become float64 for
  the moments, the quantiles and the histogram; min/max of integer columns stay exact ints; a
  UInt64 column with values above ``2**63 - 1`` keeps exact values for its distinct count and
  frequent items too, with ``"int"`` keys, see ``_frequent``);
* ``boolean``: numeric statistics of 0/1 plus the frequent items ``False``/``True``;
* ``datetime``: the integer physical value in ``unit``: ``"us"`` since the epoch for
  ``Datetime`` (time unit normalised to microseconds, ``tz`` kept), ``"us"`` for ``Duration``,
  ``"days"`` since the epoch for ``Date`` and ``"ns"`` since midnight for ``Time``;
* ``string``: ``String``, ``Categorical`` and ``Enum``; besides the frequent items, a string
  profile counts the values that read as numbers once stripped of surrounding white space
  (``numeric_text_count``) and keeps the frequent items of the others, stripped
  (``text_items``, 64 counters): what tells a column of numbers written as text, with missing
  values spelled out among them, from a column of words;
* ``other`` (lists, structs, binary, objects, the ``Null`` dtype): counts and nulls only. An
  ``other`` profile of dtype ``Null`` (a chunk where the column is entirely null) merges into a
  profile of any kind.

Quantiles, the distinct count and the frequent items of numeric columns cover the finite
values only; NaN and infinities are counted in ``nan_count``, ``posinf_count`` and
``neginf_count``.

Quantiles are exact and deterministic for the profile of a single chunk (NumPy's default
``linear`` definition; see ``_quantiles``: all values up to 1,001 of them, else the exact
quantiles at ranks 0, 0.001, ..., 1, interpolated in between) and :attr:`ColumnProfile.rank_error`
is then 0.0. A merge of two non-empty profiles answers from the KLL sketch instead, within its
rank error (about 1.3 % for ``k = 200``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from seismo.exceptions import ProfileError
from seismo.profile._frequent import FrequentItems
from seismo.profile._histogram import Histogram, decode_float, encode_float
from seismo.profile._hll import HyperLogLog
from seismo.profile._quantiles import QuantileSketch

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = ["ColumnProfile", "Kind", "merge_columns"]

Kind = Literal["numeric", "boolean", "datetime", "string", "other"]
KINDS: tuple[str, ...] = ("numeric", "boolean", "datetime", "string", "other")
_INT_FIELDS = ("count", "null_count", "nan_count", "posinf_count", "neginf_count", "finite_count")
_FLOAT_FIELDS = ("min", "max", "mean", "m2", "sum")


@dataclass(repr=False, slots=True)
class ColumnProfile:
    """Mergeable profile of one column.

    Build it with :func:`seismo.profile.profile_table` (or ``profile_column``); combine two
    profiles of the same column with :meth:`merge`.

    Attributes
    ----------
    name, kind, dtype : str
        Column name, profiled kind (see module docstring) and polars dtype(s), ``|``-joined
        when chunks had different dtypes.
    count, null_count, nan_count, posinf_count, neginf_count, finite_count : int
        Rows seen (nulls included), nulls, NaN, +inf, -inf and finite values.
    min, max, mean : float or None
        Over the finite values (None when there are none).
    m2, sum : float
        Sum of squared deviations from the mean, and sum, of the finite values.
    unit, tz : str or None
        Physical unit and time zone of ``datetime`` columns.
    quantile_sketch, distinct_sketch, frequent_items, histogram
        Quantiles (exact summary and KLL sketch), HyperLogLog distinct count, Misra-Gries
        frequent items and the histogram on reference bins (None when not applicable or not
        requested).
    numeric_text_count, text_items
        Of a ``string`` column (None otherwise, and in profiles saved before they existed): the
        values that read as numbers, and the frequent items of the rest, stripped.

    Examples
    --------
    >>> import polars as pl
    >>> from seismo.profile import profile_column
    >>> a = profile_column(pl.Series("x", [1.0, 2.0, None]))
    >>> b = profile_column(pl.Series("x", [3.0, float("nan"), 2.0]))
    >>> m = a.merge(b)
    >>> m.count, m.null_count, m.nan_count, m.mean, m.variance
    (6, 1, 1, 2.0, 0.6666666666666666)
    >>> m.top(2), m.distinct_estimate
    ([(2.0, 2), (1.0, 1)], 3.0)
    """

    name: str
    kind: Kind
    dtype: str
    count: int = 0
    null_count: int = 0
    nan_count: int = 0
    posinf_count: int = 0
    neginf_count: int = 0
    finite_count: int = 0
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    m2: float = 0.0
    sum: float = 0.0
    unit: str | None = None
    tz: str | None = None
    quantile_sketch: QuantileSketch | None = None
    distinct_sketch: HyperLogLog | None = None
    frequent_items: FrequentItems | None = None
    histogram: Histogram | None = None
    numeric_text_count: int | None = None
    text_items: FrequentItems | None = None

    @property
    def variance(self) -> float:
        """Sample variance ``m2 / (finite_count - 1)`` of the finite values (NaN if fewer than 2)."""
        return self.m2 / (self.finite_count - 1) if self.finite_count > 1 else math.nan

    @property
    def std(self) -> float:
        """Sample standard deviation of the finite values."""
        return math.sqrt(self.variance)

    @property
    def null_fraction(self) -> float:
        """Nulls over rows seen (0.0 when no rows were seen)."""
        return self.null_count / self.count if self.count else 0.0

    @property
    def rank_error(self) -> float | None:
        """Rank error of :meth:`quantile`: 0.0 when the answers are exact (a single chunk, see
        the module docstring), else the KLL sketch's normalised rank error (99 % confidence);
        None without quantiles (strings, ``other``)."""
        return None if self.quantile_sketch is None else self.quantile_sketch.rank_error

    def quantile(self, q: float) -> float:
        """The ``q``-quantile of the finite values (NaN when there are none).

        Exact and deterministic for the profile of a single chunk: ``numpy.quantile(values, q)``
        (linear method) for ``q`` a multiple of 0.001, and for every ``q`` when there are at
        most 1,001 values; otherwise interpolated between the neighbouring exact quantiles on
        that grid (the exact quantile of a rank within 0.001). After a merge of non-empty
        profiles: KLL's estimate, within :attr:`rank_error`.
        """
        return math.nan if self.quantile_sketch is None else self.quantile_sketch.quantile(q)

    def quantiles(self, qs: Sequence[float] | npt.NDArray[np.float64]) -> list[float]:
        """Quantiles at each rank of ``qs`` (see :meth:`quantile`), computed at once."""
        if self.quantile_sketch is None:
            return [math.nan for _ in qs]
        return self.quantile_sketch.quantiles(qs)

    def quantiles_array(self, qs: Sequence[float] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """:meth:`quantiles` as a read-only float64 array."""
        if self.quantile_sketch is None:
            import numpy as np

            return np.full(len(qs), math.nan)
        return self.quantile_sketch.quantiles_array(qs)

    @property
    def distinct_estimate(self) -> float | None:
        """Estimated number of distinct non-null (numeric: finite) values; None for ``other``."""
        return None if self.distinct_sketch is None else self.distinct_sketch.estimate()

    def top(self, k: int | None = None) -> list[tuple[Any, int]]:
        """The ``k`` most frequent values with their (lower-bound) counts, by count then value."""
        return [] if self.frequent_items is None else self.frequent_items.top(k)

    @property
    def other_count(self) -> int:
        """Values (non-null; numeric: finite) not in the kept frequent items."""
        if self.frequent_items is None:
            return self.count - self.null_count
        return self.frequent_items.other_count

    @property
    def true_count(self) -> int | None:
        """Number of ``True`` values of a boolean column (None for other kinds)."""
        fi = self.frequent_items
        return fi.count(True) if self.kind == "boolean" and fi is not None else None

    @property
    def false_count(self) -> int | None:
        """Number of ``False`` values of a boolean column (None for other kinds)."""
        fi = self.frequent_items
        return fi.count(False) if self.kind == "boolean" and fi is not None else None

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """Profile of both inputs' rows together; neither input is modified."""
        return merge_columns(self, other)

    def __repr__(self) -> str:
        return (
            f"ColumnProfile({self.name!r}, kind={self.kind!r}, dtype={self.dtype!r}, "
            f"count={self.count}, null_count={self.null_count})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (see the module docstring of ``_histogram`` for non-finite floats)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "dtype": self.dtype}
        out.update({f: getattr(self, f) for f in _INT_FIELDS})
        out.update({f: encode_float(getattr(self, f)) for f in _FLOAT_FIELDS})
        out["unit"], out["tz"] = self.unit, self.tz
        for key, value in _sketches(self).items():
            out[key] = None if value is None else value.to_dict()
        if self.numeric_text_count is not None:
            out["numeric_text_count"] = self.numeric_text_count
        if self.text_items is not None:
            out["text_items"] = self.text_items.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnProfile:
        """Inverse of :meth:`to_dict`; raises :class:`~seismo.exceptions.ProfileError`."""
        try:
            return _column_from_dict(data)
        except ProfileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            name = data.get("name") if isinstance(data, dict) else None
            raise ProfileError(f"malformed profile of column {name!r}: {exc!r}") from exc


def _sketches(p: ColumnProfile) -> dict[str, Any]:
    return {
        "quantiles": p.quantile_sketch, "distinct": p.distinct_sketch,
        "frequent": p.frequent_items, "histogram": p.histogram,
    }


def _column_from_dict(data: dict[str, Any]) -> ColumnProfile:
    if data["kind"] not in KINDS:
        raise ProfileError(f"unknown column kind {data['kind']!r}")
    ints = {f: int(data[f]) for f in _INT_FIELDS}
    if any(v < 0 for v in ints.values()):
        raise ProfileError("negative count in column profile")
    floats = {f: decode_float(data[f]) for f in _FLOAT_FIELDS}
    for key in ("name", "dtype"):
        if not isinstance(data[key], str):
            raise ProfileError(f"column profile field {key!r} must be a string")

    def opt(key: str, loader: Any) -> Any:
        return None if data.get(key) is None else loader(data[key])

    return ColumnProfile(
        name=data["name"], kind=data["kind"], dtype=data["dtype"], **ints, **floats,
        unit=data.get("unit"), tz=data.get("tz"),
        quantile_sketch=opt("quantiles", QuantileSketch.from_dict),
        distinct_sketch=opt("distinct", HyperLogLog.from_dict),
        frequent_items=opt("frequent", FrequentItems.from_dict),
        histogram=opt("histogram", Histogram.from_dict),
        numeric_text_count=opt("numeric_text_count", _count),
        text_items=opt("text_items", FrequentItems.from_dict),
    )


def _count(value: Any) -> int:
    n = int(value)
    if n < 0:
        raise ProfileError("negative count in column profile")
    return n


def _merged_kind(a: ColumnProfile, b: ColumnProfile) -> tuple[Kind, str]:
    """Kind and dtype of the merge; raises ProfileError on incompatible kinds."""
    a_null, b_null = a.kind == "other" and a.dtype == "Null", b.kind == "other" and b.dtype == "Null"
    if a.kind != b.kind and not (a_null or b_null):
        raise ProfileError(
            f"cannot merge profiles of column {a.name!r}: kind {a.kind!r} (dtype {a.dtype}) "
            f"and kind {b.kind!r} (dtype {b.dtype})"
        )
    kind = b.kind if a_null else a.kind
    if a.dtype == b.dtype:
        return kind, a.dtype
    parts = set(a.dtype.split("|")) | set(b.dtype.split("|"))
    if len(parts) > 1:
        parts.discard("Null")
    return kind, "|".join(sorted(parts))


def _merged_time(a: ColumnProfile, b: ColumnProfile) -> tuple[str | None, str | None]:
    if a.kind != "datetime" or b.kind != "datetime":
        return (a.unit, a.tz) if a.kind == "datetime" else (b.unit, b.tz)
    if (a.unit, a.tz) != (b.unit, b.tz):
        raise ProfileError(
            f"cannot merge profiles of column {a.name!r}: unit/time zone {a.unit}/{a.tz} "
            f"and {b.unit}/{b.tz}"
        )
    return a.unit, a.tz


def _merged_histogram(a: ColumnProfile, b: ColumnProfile) -> Histogram | None:
    ha, hb = a.histogram, b.histogram
    if ha is not None and hb is not None:
        return ha.merge(hb)
    if ha is None and hb is None:
        return None
    with_h, without = (a, b) if ha is not None else (b, a)
    if without.count != without.null_count:
        raise ProfileError(f"cannot merge profiles of column {a.name!r}: only one has a histogram")
    assert with_h.histogram is not None
    return with_h.histogram.with_nulls(without.null_count)


def merge_columns(a: ColumnProfile, b: ColumnProfile) -> ColumnProfile:
    """Merge two profiles of the same column (exactly commutative; see :class:`ColumnProfile`)."""
    # the hot path of merging many chunk profiles: the common case (same kind and dtype, finite
    # values on both sides) without helper calls; the same operations as the helpers
    if a.name != b.name:
        raise ProfileError(f"cannot merge profiles of different columns {a.name!r} and {b.name!r}")
    kind, dtype, unit, tz = a.kind, a.dtype, a.unit, a.tz
    if kind != b.kind or dtype != b.dtype or unit != b.unit or tz != b.tz:
        kind, dtype = _merged_kind(a, b)
        unit, tz = _merged_time(a, b)
    na, nb = a.finite_count, b.finite_count
    mean: float | None
    if na and nb:
        mean_a, mean_b, m2_a, m2_b = a.mean, b.mean, a.m2, b.m2
        assert mean_a is not None and mean_b is not None
        # Chan et al. in a canonical operand order: by (count, mean, m2), compared as tuples
        if na > nb or (na == nb and (mean_a > mean_b or (mean_a == mean_b and m2_a > m2_b))):
            na, nb, mean_a, mean_b, m2_a, m2_b = nb, na, mean_b, mean_a, m2_b, m2_a
        n = na + nb
        delta = mean_b - mean_a
        mean, m2 = mean_a + delta * (nb / n), m2_a + m2_b + delta * delta * (na * nb / n)
    else:
        n = na + nb
        mean, m2 = (a.mean, a.m2) if nb == 0 else (b.mean, b.m2)
    lo_a, lo_b, hi_a, hi_b = a.min, b.min, a.max, b.max  # skipping None
    lo = lo_b if lo_a is None else lo_a if lo_b is None else min(lo_a, lo_b)
    hi = hi_b if hi_a is None else hi_a if hi_b is None else max(hi_a, hi_b)
    qa, qb = a.quantile_sketch, b.quantile_sketch
    da, db = a.distinct_sketch, b.distinct_sketch
    fa, fb = a.frequent_items, b.frequent_items
    return ColumnProfile(
        a.name, kind, dtype, a.count + b.count, a.null_count + b.null_count,
        a.nan_count + b.nan_count, a.posinf_count + b.posinf_count,
        a.neginf_count + b.neginf_count, n, lo, hi, mean, m2, a.sum + b.sum, unit, tz,
        qb if qa is None else qa if qb is None else qa.merge(qb),
        db if da is None else da if db is None else da.merge(db),
        fb if fa is None else fa if fb is None else fa.merge(fb),
        None if a.histogram is None and b.histogram is None else _merged_histogram(a, b),
        *(_merged_text(a, b) if kind == "string" else (None, None)),
    )


def _merged_text(a: ColumnProfile, b: ColumnProfile) -> tuple[int | None, FrequentItems | None]:
    """The numeric-text count and text items of a merged string column. A side without values (an
    all-null chunk) adds nothing; a side saved without them (an older profile) leaves them unknown."""
    sides = [p for p in (a, b) if p.count > p.null_count]
    if any(p.numeric_text_count is None or p.text_items is None for p in sides):
        return None, None
    if not sides:
        return a.numeric_text_count if a.numeric_text_count is not None else b.numeric_text_count, \
            a.text_items if a.text_items is not None else b.text_items
    count = sum(p.numeric_text_count or 0 for p in sides)
    items = [p.text_items for p in sides if p.text_items is not None]
    return count, items[0] if len(items) == 1 else items[0].merge(items[1])
