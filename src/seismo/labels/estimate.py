"""The share of wrong labels, with its interval: the labels read where the model is surest of the class.

Out of fold, a row the model assigns to class ``c`` with no doubt is of class ``c`` (an *anchor
point* of the class: Scott, Blanchard & Handy, 2013, COLT, "Classification with asymmetric label
noise"; Liu & Tao, 2016, IEEE TPAMI 38(3); Patrini et al., 2017, CVPR), so the share of such rows
labelled with another class is the share of class ``c``'s labels that are wrong, and where they went
is column ``c`` of the noise matrix ``P(given | true)``. The model never saw a row's own label, so a
flipped label does not make its row look less sure. The labels are counted rather than the model's
probabilities (``1 - p``): trees are overconfident at the extremes and would see almost no noise.

How many rows to read is the trade-off. Too few and the count is noisy; too many and it takes in the
rows near a class boundary, whose labels disagree with the model without being wrong (a hard or
partly random target). So, per predicted class, the most confident 5% of its rows are read first (at
least :data:`MIN_ROWS`), then 10%, 20%, 40% and 70%, and the widening stops before the first band
whose added rows disagree more than the rows already read (a one-sided z-test of the difference,
weighted over the classes, at :data:`WIDEN_Z`): flipped labels disagree at one rate whatever the
model's confidence, ambiguous ones more and more as it falls. This is a sequential bandwidth choice
in the spirit of Lepski (1991, Theory Probab. Appl. 35).

The estimate is the weighted sum of the per-class rates, each class weighted by the share of rows the
model assigns to it (its estimated true size): the per-class rates combine to the headline exactly.
Its interval is a percentile bootstrap over rows (Efron & Tibshirani, 1993, "An Introduction to the
Bootstrap", ch. 13): the rows are resampled :data:`RESAMPLES` times, the band chosen again each time,
with the out-of-fold probabilities held fixed (the interval covers the sampling of the rows, not the
refitting of the model; docs/labels.md measures its coverage).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BANDS", "LEVEL", "MIN_ROWS", "RESAMPLES", "WIDEN_Z", "NoiseEstimate", "estimate_noise"]

Array = np.ndarray[Any, Any]

BANDS = (0.05, 0.10, 0.20, 0.40, 0.70)
"""The shares of each predicted class's most confident rows that may be read, narrowest first."""
MIN_ROWS = 30
"""Each band reads at least this many rows of a class (all of a smaller class)."""
WIDEN_Z = 1.28
"""The band stops widening when the added rows disagree more than this many standard errors above the
read ones (a one-sided test at 10%: stopping early costs precision, stopping late adds ambiguous rows)."""
RESAMPLES = 200
LEVEL = 0.95


@dataclass(frozen=True)
class NoiseEstimate:
    """The estimated share of wrong labels, split by class.

    Attributes
    ----------
    rate : float
        The estimated share of wrong labels: ``sum(shares * per_class)``.
    interval : tuple of float
        The percentile bootstrap interval at ``level`` (it always holds ``rate``).
    level : float
    per_class : numpy.ndarray
        Per class (in code order): the estimated share of wrong labels among the rows of that class
        (the rows the model assigns to it); 0 for a class the model assigns no row to.
    shares : numpy.ndarray
        Per class: the share of rows the model assigns to it, the weight of its rate (sums to 1).
    matrix : numpy.ndarray
        ``(k, k)``: ``matrix[i, j]`` the estimated ``P(given = i | true = j)`` (each column sums to 1;
        the identity column for a class the model assigns no row to).
    band : float
        The share of each class's most confident rows that was read.
    rows : int
        Rows read over all classes.
    resamples : int
    """

    rate: float
    interval: tuple[float, float]
    level: float
    per_class: Array
    shares: Array
    matrix: Array
    band: float
    rows: int
    resamples: int


def estimate_noise(codes: Any, proba: Any, *, resamples: int = RESAMPLES, level: float = LEVEL,
                   seed: int = 0) -> NoiseEstimate:
    """The share of wrong labels among labels ``codes`` (0..k-1) given out-of-fold ``proba`` (n, k).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> true = rng.integers(0, 3, 3000)
    >>> sure = rng.uniform(0.5, 1.0, 3000)
    >>> proba = np.eye(3)[true] * sure[:, None] + (1 - sure[:, None]) / 3
    >>> noisy = np.where(rng.random(3000) < 0.1, (true + 1) % 3, true)
    >>> round(float((noisy != true).mean()), 3)
    0.105
    >>> est = estimate_noise(noisy, proba)
    >>> round(est.rate, 3), [round(v, 3) for v in est.interval], est.band
    (0.103, [0.072, 0.116], 0.7)
    >>> bool(np.isclose(est.rate, est.shares @ est.per_class))
    True
    """
    from seismo.exceptions import InputError

    codes = np.asarray(codes, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != codes.size:
        raise InputError(f"proba must be (rows, classes) with one row per label, got {proba.shape} for {codes.size}")
    if not 0 < level < 1:
        raise InputError(f"level must be in (0, 1), got {level}")
    if resamples < 1:
        raise InputError(f"resamples must be at least 1, got {resamples}")
    n, k = proba.shape
    if n == 0:
        return NoiseEstimate(0.0, (0.0, 0.0), level, np.zeros(k), np.zeros(k), np.eye(k), BANDS[0], 0, 0)
    ranked = _Ranked.of(codes, proba)
    rate, per_class, shares, b = _compute_rate(ranked, np.ones(n))
    rng = np.random.default_rng(seed)
    draws = np.array([_compute_rate(ranked, np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64))[0]
                      for _ in range(resamples)])
    tail = (1.0 - level) / 2
    lo, hi = (float(v) for v in np.quantile(draws, [tail, 1.0 - tail]))
    matrix, rows = _matrix(ranked, codes, b, k)
    return NoiseEstimate(rate=rate, interval=(min(lo, rate), max(hi, rate)), level=level, per_class=per_class,
                         shares=shares, matrix=matrix, band=BANDS[b], rows=rows, resamples=resamples)


@dataclass(frozen=True)
class _Ranked:
    """The rows grouped by predicted class, each group most confident first."""

    order: Array
    """Row indices: class 0's rows most confident first, then class 1's, ..."""
    starts: Array
    """Where each class's rows start in ``order`` (``k + 1`` entries)."""
    wrong: Array
    """Per position of ``order``: 1.0 where the label is not the predicted class."""

    @classmethod
    def of(cls, codes: Array, proba: Array) -> _Ranked:
        predicted = proba.argmax(axis=1)
        conf = proba[np.arange(codes.size), predicted]
        order = np.lexsort((np.arange(codes.size), -conf, predicted))  # by class, then most confident, then row
        starts = np.searchsorted(predicted[order], np.arange(proba.shape[1] + 1))
        return cls(order=order, starts=starts, wrong=(codes[order] != predicted[order]).astype(np.float64))


def _band_counts(ranked: _Ranked, weights: Array) -> tuple[Array, Array, Array]:
    """Per class and band: the (weighted) rows read and the disagreeing ones; and each class's share."""
    k = ranked.starts.size - 1
    rows = np.zeros((k, len(BANDS)))
    disagree = np.zeros((k, len(BANDS)))
    total = np.zeros(k)
    w = weights[ranked.order]
    cw = np.cumsum(w)
    cd = np.cumsum(w * ranked.wrong)
    for c in range(k):  # loop over classes, not rows
        a, b = int(ranked.starts[c]), int(ranked.starts[c + 1])
        if b == a:
            continue
        base_w = cw[a - 1] if a else 0.0
        base_d = cd[a - 1] if a else 0.0
        tot = cw[b - 1] - base_w
        total[c] = tot
        if tot <= 0:
            continue
        need = np.minimum(tot, np.maximum(np.ceil(np.asarray(BANDS) * tot), MIN_ROWS))
        at = np.minimum(a + np.searchsorted(cw[a:b] - base_w, need - 1e-9), b - 1)
        rows[c] = cw[at] - base_w
        disagree[c] = cd[at] - base_d
    return rows, disagree, total / max(float(total.sum()), 1e-300)


def _compute_rate(ranked: _Ranked, weights: Array) -> tuple[float, Array, Array, int]:
    """The estimate for rows weighted by ``weights`` (1 each, or bootstrap counts): the rate, the
    per-class rates, the class shares and the index of the band read."""
    rows, disagree, shares = _band_counts(ranked, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(rows > 0, disagree / rows, 0.0)
    chosen = 0
    for b in range(1, len(BANDS)):
        r0, d0 = rows[:, chosen], disagree[:, chosen]
        r1, d1 = rows[:, b] - r0, disagree[:, b] - d0
        with np.errstate(invalid="ignore", divide="ignore"):
            a0 = rate[:, chosen]
            a1 = np.where(r1 > 0, d1 / r1, a0)
            pooled = np.where(rows[:, b] > 0, disagree[:, b] / rows[:, b], 0.0)
            var = shares**2 * pooled * (1 - pooled) * (np.where(r0 > 0, 1 / r0, 0.0) + np.where(r1 > 0, 1 / r1, 0.0))
        if float(shares @ (a1 - a0)) > WIDEN_Z * float(np.sqrt(var.sum())) + 1e-12:
            break
        chosen = b
    per_class = rate[:, chosen]
    return float(shares @ per_class), per_class, shares, chosen


def _matrix(ranked: _Ranked, codes: Array, band: int, k: int) -> tuple[Array, int]:
    """``P(given = i | true = j)`` from the rows of band ``band``, and how many rows that is."""
    matrix = np.eye(k)
    read = 0
    for c in range(k):
        a, b = int(ranked.starts[c]), int(ranked.starts[c + 1])
        if b == a:
            continue
        m = min(b - a, max(int(np.ceil(BANDS[band] * (b - a))), MIN_ROWS))
        counts = np.bincount(codes[ranked.order[a : a + m]], minlength=k)
        matrix[:, c] = counts / m
        read += m
    return matrix, read
