"""Features encoded for models, and the classifier two-sample test that several checks share:
the domain classifier of ``shift.multivariate`` and ``concept.attribution``, the label model's
features of ``labels``.

A domain classifier tells rows of one table from another with gradient-boosted trees and
cross-validation; its out-of-fold AUC with a one-sided Mann-Whitney test is a two-sample test
(Lopez-Paz & Oquab, 2017, "Revisiting classifier two-sample tests"; Friedman, 2003).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from seismo.data.schema import Kind

__all__ = ["MAX_CODES", "domain_classifier", "encode_features", "evenly_spaced"]

MAX_CODES = 250
"""Categories with more levels are encoded as their frequency (HistGradientBoosting takes
categories with fewer codes than its bins)."""


def evenly_spaced(frame: pl.DataFrame, n: int) -> pl.DataFrame:
    """At most ``n`` rows of ``frame``, evenly spaced through it (every row when it has no more)."""
    return frame if frame.height <= n else frame.gather_every(-(-frame.height // n))


def encode_features(ref: pl.DataFrame, cur: pl.DataFrame, columns: Sequence[tuple[str, Kind]]) -> tuple[np.ndarray[Any, Any], list[bool]]:
    """One float matrix for both tables: numbers as they are (NaN for missing), categories as
    codes shared by both sides (or, above 250 levels, as their frequency in the union)."""
    both = pl.concat([ref.select([c for c, _ in columns]), cur.select([c for c, _ in columns])], how="vertical_relaxed")
    out, is_cat = [], []
    for name, kind in columns:
        s = both.get_column(name)
        if kind == Kind.NUMERIC and s.dtype.is_numeric():
            values = s.cast(pl.Float64).fill_null(float("nan")).to_numpy()
            out.append(np.where(np.isfinite(values), values, np.nan))  # infinities read as missing
            is_cat.append(False)
            continue
        text = s.cast(pl.String)
        codes = text.rank("dense").cast(pl.Float64) - 1.0  # nulls stay null
        top = codes.max()
        if not isinstance(top, (int, float)) or top < MAX_CODES:
            out.append(codes.fill_null(float("nan")).to_numpy())
            is_cat.append(True)
        else:
            freq = pl.DataFrame({"v": text}).select(pl.len().over("v").cast(pl.Float64)).to_series()
            out.append(freq.to_numpy())
            is_cat.append(False)
    return np.column_stack(out), is_cat


def domain_classifier(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], is_cat: list[bool], *, seed: int = 0) -> tuple[float, float, np.ndarray[Any, Any]]:
    """Out-of-fold AUC of telling ``y == 1`` rows from ``y == 0`` rows, the one-sided Mann-Whitney
    p-value, and the out-of-fold scores."""
    from scipy import stats
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    model = HistGradientBoostingClassifier(max_iter=30, learning_rate=0.2, max_leaf_nodes=15, early_stopping=False,
                                           categorical_features=np.array(is_cat) if any(is_cat) else None,
                                           random_state=seed)
    scores = cross_val_predict(model, x, y, cv=StratifiedKFold(3, shuffle=True, random_state=seed),
                               method="predict_proba")[:, 1]
    test = stats.mannwhitneyu(scores[y == 1], scores[y == 0], alternative="greater")
    auc = float(test.statistic) / (int((y == 1).sum()) * int((y == 0).sum()))
    return auc, float(test.pvalue), scores
