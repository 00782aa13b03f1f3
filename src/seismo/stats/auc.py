"""ROC AUC, one home: from scores with DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988,
Sun & Xu 2014's mid-rank algorithm), and from counts of positives and negatives per ordered
group of tied scores (a histogram, or the distinct values of a score)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["auc_delong", "grouped_auc", "roc_auc"]

F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def auc_delong(x: F64, y: Mask, influence: bool = False) -> tuple[float, float, F64 | None]:
    """ROC AUC of scores ``x`` for the boolean labels ``y`` (ties count half), its DeLong variance
    and, on request, per-row influence values (their squares sum to the variance); NaN, NaN, None
    when a side is empty. Mid-rank placement values, as Sun & Xu's (2014) fast algorithm; the
    variance divides each side's summed squared placement deviations by its size squared (the
    plug-in form; DeLong's unbiased one divides by ``n (n - 1)``, larger for a handful of rows).
    By hand for the example: placements 0.5, 1, 0.75 (positives) and 1, 0.5 (negatives) around
    0.75, so 0.125/9 + 0.125/4.

    >>> from sklearn.metrics import roc_auc_score
    >>> x, y = np.array([0.1, 0.4, 0.35, 0.8, 0.4]), np.array([False, False, True, True, True])
    >>> a, var, _ = auc_delong(x, y)
    >>> bool(abs(a - roc_auc_score(y, x)) < 1e-12), round(var, 4)
    (True, 0.0451)
    """
    n1 = int(np.count_nonzero(y))
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan"), float("nan"), None
    order: npt.NDArray[np.intp] | None = None
    xs: npt.NDArray[Any]
    if influence or not bool(np.min(x) >= 0):  # negative scores (a margin) sort as floats
        sort = np.argsort(x, kind="stable")
        xs, ys = x[sort], y[sort]
        order = sort if influence else None
    else:  # faster: sort (bit pattern of x >= 0, label) pairs packed into one uint64
        packed = np.sort(((x + 0.0).view(np.uint64) << np.uint64(1)) | y.astype(np.uint64))
        xs, ys = packed >> np.uint64(1), (packed & np.uint64(1)).astype(np.bool_)
    starts = np.flatnonzero(np.concatenate(([True], xs[1:] != xs[:-1])))
    size = np.diff(np.append(starts, xs.size))
    pos = np.add.reduceat(ys.astype(np.float64), starts)  # positives per tie group
    neg = size - pos
    v10 = (np.cumsum(neg) - 0.5 * neg) / n0  # share of negatives below a positive, ties half
    v01 = (n1 - np.cumsum(pos) + 0.5 * pos) / n1  # share of positives above a negative
    auc = float(np.sum(pos * v10)) / n1  # plain sums: a BLAS dot would start threads
    var = (float(np.sum(pos * (v10 - auc) ** 2)) / n1**2
           + float(np.sum(neg * (v01 - auc) ** 2)) / n0**2)
    if order is None:
        return auc, var, None
    group = np.repeat(np.arange(starts.size), size)
    infl = np.empty(xs.size)
    infl[order] = np.where(ys, (v10[group] - auc) / n1, (v01[group] - auc) / n0)
    return auc, var, infl


def roc_auc(score: npt.ArrayLike, positive: npt.ArrayLike, *, empty: float = math.nan) -> float:
    """ROC AUC of ``score`` for the boolean ``positive`` (ties count half); ``empty`` when one
    side has no rows.

    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]), roc_auc([1.0], [True], empty=0.5)
    (0.75, 0.5)
    """
    x = np.asarray(score, dtype=np.float64)
    y = np.asarray(positive, dtype=bool)
    value, _, _ = auc_delong(x, y)
    return empty if math.isnan(value) else value


def grouped_auc(pos: npt.ArrayLike, neg: npt.ArrayLike, *, empty: float = math.nan) -> float:
    """ROC AUC from the positives and negatives of each group of tied scores, groups in score
    order (ties count half); ``empty`` when one side has no rows.

    >>> grouped_auc([0, 1, 1], [1, 1, 0])  # scores 0, 1, 2: one tie at score 1
    0.875
    """
    p, q = np.asarray(pos, dtype=np.float64), np.asarray(neg, dtype=np.float64)
    n1, n0 = float(p.sum()), float(q.sum())
    if n1 == 0 or n0 == 0:
        return empty
    below = np.cumsum(q) - q
    return float((p * (below + 0.5 * q)).sum() / (n1 * n0))
