"""Reference bins for a column: what the per-window and per-segment drift statistics count on
(:mod:`seismo.shift.time`, :mod:`seismo.shift.segments`, :mod:`seismo.concept.attribution`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from seismo.data.kinds import Kind
from seismo.data.validate import dtype_from_text

if TYPE_CHECKING:  # pragma: no cover
    from seismo.profile import ColumnProfile

__all__ = ["Binning", "reference_binning"]

_ITEM_DTYPES: dict[str, Any] = {"float": pl.Float64, "bool": pl.Boolean, "str": pl.String, "int": pl.Int64}
_TOP_CATEGORIES = 20
_MIN_CATEGORY_SHARE = 0.01


@dataclass(frozen=True)
class Binning:
    """A column cut into the bins its reference defines, with the reference's share of each:
    numeric on the reference's deciles (nulls and NaN in a bin of their own), categorical on its
    commonest categories (up to 20, each at least 1% of the reference) plus "other" and null.
    JSON-safe through :meth:`to_dict`, so that it is fitted once and read many times."""

    edges: np.ndarray[Any, Any] | None  # numeric: reference deciles; categorical: None
    categories: list[str]  # categorical: the reference's commonest categories
    expected: np.ndarray[Any, Any]  # reference proportions per bin

    def bins(self, s: pl.Series) -> np.ndarray[Any, Any]:
        if self.edges is not None:
            v = s.cast(pl.Float64).to_numpy()
            idx = np.searchsorted(self.edges, v, side="right")
            return np.where(np.isnan(v), len(self.edges) + 1, idx)  # nulls and NaN: their own bin
        text = category_text(s)
        lookup = {c: i for i, c in enumerate(self.categories)}
        codes = text.replace_strict(lookup, default=len(self.categories), return_dtype=pl.Int64).to_numpy()
        # replace_strict sends nulls to the default: they have a bin of their own
        return np.where(text.is_null().to_numpy(), len(self.categories) + 1, codes)

    def histogram_edges(self) -> list[float]:
        """The edges a profile's histogram must have for :meth:`counts_of_profile` to count these
        bins exactly (numeric only): the reference's edges and +inf, so that the histogram's
        underflow is the first bin and its last, closed bin the top one."""
        if self.edges is None:
            raise ValueError("a categorical binning has no histogram edges")
        return [*self.edges.tolist(), float("inf")]

    def counts_of_profile(self, column: ColumnProfile | None, rows: int) -> tuple[np.ndarray[Any, Any], bool]:
        """The counts in these bins of a column of ``rows`` rows read off its profile (None: the
        column is absent, every row null), and whether they are estimates.

        Numeric: exact from a histogram on :meth:`histogram_edges`, else from the quantile sketch
        (exact while it keeps every value, else within its rank error). Categorical: from the
        frequent items (a float column's NaN and infinities from its counts of them), exact while
        no item was dropped (Misra-Gries' ``error`` is 0) and the keys read back as the column's
        text (dates and decimals are estimates)."""
        out = np.zeros(self.n_bins, dtype=np.float64)
        if column is None:
            out[-1] = rows
            return out, False
        missing = column.null_count + column.nan_count
        if self.edges is not None:
            hist = column.histogram
            below_edges = [hist.count_below(e) for e in self.edges] if hist is not None else []
            if hist is not None and all(b is not None for b in below_edges):
                # on these edges or finer ones (another check's edges added): exact
                below_hist = np.asarray(below_edges, dtype=np.float64)
                out[0] = below_hist[0]
                out[1:-2] = np.diff(below_hist)
                out[-2] = hist.placed - below_hist[-1]
                out[-1] = hist.nan_count + hist.null_count
                return out, False
            finite, sketch = column.finite_count, column.quantile_sketch
            below = np.zeros(len(self.edges)) if sketch is None or finite == 0 else sketch.ranks(self.edges) * finite
            out[0] = below[0] + column.neginf_count
            out[1:-2] = np.diff(below)
            out[-2] = finite - below[-1] + column.posinf_count
            out[-1] = missing
            return out, finite > 0 and (sketch is None or sketch.values() is None)
        items = column.frequent_items
        present = column.count - column.null_count
        lookup = {c: i for i, c in enumerate(self.categories)}
        if column.dtype.startswith("Float"):  # frequent items keep finite values; the profile counts the rest
            for special, n in (("NaN", column.nan_count), ("inf", column.posinf_count), ("-inf", column.neginf_count)):
                if special in lookup:
                    out[lookup[special]] += n
        estimated = False
        if items is not None and len(items.keys):
            text, exact = _item_texts(items.keys.tolist(), items.key_type, column.dtype)
            for key, count in zip(text, items.counts.tolist(), strict=True):  # the kept items, at most their capacity
                if key is not None and key in lookup:
                    out[lookup[key]] += count
            estimated = items.error > 0 or not exact
        else:  # nothing kept: every non-null value is other (a float column's NaN and infinities aside)
            estimated = items is None and present > out[:-2].sum()
        out[-2] = present - out[:-2].sum()
        out[-1] = column.null_count
        return out, bool(estimated)

    @property
    def n_bins(self) -> int:
        return len(self.expected)

    def to_dict(self) -> dict[str, Any]:
        return {"edges": None if self.edges is None else self.edges.tolist(), "categories": list(self.categories),
                "expected": self.expected.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Binning:
        edges = data["edges"]
        return cls(None if edges is None else np.asarray(edges, dtype=np.float64), [str(c) for c in data["categories"]],
                   np.asarray(data["expected"], dtype=np.float64))


def category_text(s: pl.Series) -> pl.Series:
    """A column's values as the category text the bins match: polars' cast to String, with a
    float's -0.0 read as 0.0 (equal numbers, and one frequent item in a profile)."""
    if s.dtype.is_float():
        s = s.set(s == 0.0, 0.0)  # -0.0 == 0.0; NaN, the infinities and nulls stay
    return s.cast(pl.String)


def _item_texts(keys: list[Any], key_type: str, dtype: str) -> tuple[list[str | None], bool]:
    """Frequent-item keys as the text :meth:`Binning.bins` reads the column's values as (polars'
    cast to String of the column's own dtype: an Int64 column's float key 2.0 reads "2"), and
    whether that text is exact (strings, booleans, integers and floats; a date or a decimal kept
    as a float key reads back only approximately)."""
    parts = dtype.split("|")
    owns = [dtype_from_text(part) for part in parts]
    own = owns[0] if len(owns) == 1 else None
    if key_type == "int" or (key_type == "float" and own is not None and own.is_integer()):
        return [None if k is None else str(int(k)) for k in keys], True  # any width: UInt64 past 2**63 too
    series = pl.Series(keys, dtype=_ITEM_DTYPES[key_type], strict=False)
    if key_type == "float" and own is not None and own.is_float():
        return category_text(series.cast(own)).to_list(), True
    if key_type == "float" and own is not None and own.is_temporal():
        try:
            texts = series.cast(pl.Int64).cast(own).cast(pl.String).to_list()
        except pl.exceptions.PolarsError:
            texts = category_text(series).to_list()
        return texts, False
    names = {part.split("(")[0].strip() for part in parts}
    exact = (key_type == "str" and names <= {"String", "Categorical", "Enum"}) or (key_type == "bool"
                                                                                   and names == {"Boolean"})
    return category_text(series).to_list(), exact  # a decimal's key is a float; mixed dtypes read either way


def reference_binning(s: pl.Series, kind: Kind) -> Binning | None:
    values = s.drop_nulls()
    if values.len() == 0:
        return None
    if kind == Kind.NUMERIC and s.dtype.is_numeric():
        finite = values.cast(pl.Float64)
        finite = finite.filter(finite.is_finite())
        if finite.len() == 0:
            return None
        edges = np.unique(np.quantile(finite.to_numpy(), np.linspace(0.1, 0.9, 9)))
        binned = Binning(edges, [], np.zeros(len(edges) + 2))
    else:
        vc = category_text(values).value_counts(sort=True).head(_TOP_CATEGORIES)
        vc = vc.filter(pl.col("count") >= _MIN_CATEGORY_SHARE * values.len())  # sparse levels pool in "other"
        cats = vc.get_column(vc.columns[0]).to_list()
        binned = Binning(None, cats, np.zeros(len(cats) + 2))
    counts = np.bincount(binned.bins(s), minlength=binned.n_bins).astype(np.float64)
    return Binning(binned.edges, binned.categories, counts / counts.sum())
