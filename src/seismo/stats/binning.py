"""Reference bins for a column: what the per-window and per-segment drift statistics count on
(:mod:`seismo.shift.time`, :mod:`seismo.shift.segments`, :mod:`seismo.concept.attribution`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from seismo.data.kinds import Kind

__all__ = ["Binning", "reference_binning"]

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
        text = s.cast(pl.String)
        lookup = {c: i for i, c in enumerate(self.categories)}
        codes = text.replace_strict(lookup, default=len(self.categories), return_dtype=pl.Int64)
        return codes.fill_null(len(self.categories) + 1).to_numpy()

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
        vc = values.cast(pl.String).value_counts(sort=True).head(_TOP_CATEGORIES)
        vc = vc.filter(pl.col("count") >= _MIN_CATEGORY_SHARE * values.len())  # sparse levels pool in "other"
        cats = vc.get_column(vc.columns[0]).to_list()
        binned = Binning(None, cats, np.zeros(len(cats) + 2))
    counts = np.bincount(binned.bins(s), minlength=binned.n_bins).astype(np.float64)
    return Binning(binned.edges, binned.categories, counts / counts.sum())
