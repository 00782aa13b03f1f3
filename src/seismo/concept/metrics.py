"""Model performance per time window, with confidence bands.

Each function takes per-row labels and predictions plus a per-row window index and returns, per
metric, a :class:`WindowSeries`: the metric in every window, a two-sided confidence band at
``level`` and the number of rows the metric was computed from. The work is vectorised over
rows (``bincount`` on window indices, one sort per window for ROC AUC); only windows are looped.
Values equal scikit-learn's for each window (precision and recall as with
``zero_division=np.nan``); a metric that is undefined in a window (no rows, one class only for
ROC AUC, no predicted positives for precision, ...) is NaN there, with a NaN band.

Confidence bands, with :math:`z` the normal quantile of ``level``:

accuracy, precision, recall (binary)
    Wilson score interval [1]_ on the metric's own denominator: the rows, the predicted
    positives, the actual positives.
f1 (binary)
    :math:`F_1 = 2J/(1+J)` with :math:`J = TP/(TP+FP+FN)`, a binomial proportion over the rows
    that are positive in the truth or the prediction; the band is J's Wilson interval mapped
    through that increasing function. To first order its width is the delta-method one, but it
    stays inside [0, 1] and keeps a width at 0 and 1.
precision, recall (multiclass, macro)
    normal interval whose variance is :math:`\\sum_k v_k / K'^2`, :math:`v_k` being the Wilson
    variance :math:`(n_k p_k(1-p_k) + z^2/4)/(n_k + z^2)^2` of class k's rate. The per-class
    rates use disjoint rows (by predicted, resp. true, class), hence no covariance terms.
f1 (multiclass, macro)
    delta method: the influence function of the mean per-class F1, from the window's confusion
    matrix, covariances between classes included. Zero width when every class is perfect.
roc_auc
    DeLong et al. [2]_ variance from mid-rank placement values (Sun & Xu [3]_'s algorithm),
    normal interval. One-vs-rest macro AUC averages the per-row influence values over classes
    before squaring, which keeps the covariances between the classes' AUCs.
log_loss, mae, mape
    mean :math:`\\pm z\\,s/\\sqrt{n}` (central limit theorem; needs two rows).
rmse
    the same interval for the mean squared error, floored at 0, then square-rooted.
calibration_error
    value :math:`\\pm z` times a bootstrap standard error. The bootstrap is parametric on the
    per-bin sufficient statistics, so its cost does not grow with the rows: bin counts redrawn
    multinomially, each bin's summed gap (outcome minus probability) drawn from a normal with
    the bin's mean and variance; fixed seed, so results repeat. The ECE estimator is biased
    upward, most for a well-calibrated model in a small window [4]_; the band describes its
    sampling spread, not that bias.

Bands are clipped to the metric's range: [0, 1] for rates and AUC, :math:`\\geq 0` for losses.

References
----------
.. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
   inference. JASA 22(158), 209-212.
.. [2] DeLong, E. R., DeLong, D. M., Clarke-Pearson, D. L. (1988). Comparing the areas under
   two or more correlated receiver operating characteristic curves: a nonparametric approach.
   Biometrics 44(3), 837-845.
.. [3] Sun, X., Xu, W. (2014). Fast implementation of DeLong's algorithm for comparing the areas
   under correlated receiver operating characteristic curves. IEEE SPL 21(11), 1389-1393.
.. [4] Naeini, M. P., Cooper, G., Hauskrecht, M. (2015). Obtaining well calibrated
   probabilities using Bayesian binning. AAAI; Guo, C., Pleiss, G., Sun, Y., Weinberger, K. Q.
   (2017). On calibration of modern neural networks. ICML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from seismo.data.labels import Encoded as _Encoded
from seismo.data.labels import check_window as _check_window
from seismo.data.labels import encode as _encode
from seismo.data.labels import floats as _floats
from seismo.exceptions import InputError
from seismo.stats.auc import auc_delong as _auc_one
from seismo.stats.proportions import wilson_interval as _wilson
from seismo.profile._model import ModelSummary, Moments, calibration_sums, log_loss_terms

__all__ = [
    "CLASSIFICATION_METRICS",
    "HIGHER_IS_BETTER",
    "REGRESSION_METRICS",
    "WindowSeries",
    "classification_by_window",
    "classification_overall",
    "regression_by_window",
    "regression_overall",
    "summary_metrics",
]

CLASSIFICATION_METRICS = (
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "calibration_error",
)
REGRESSION_METRICS = ("mae", "rmse", "mape")
HIGHER_IS_BETTER: dict[str, bool] = {
    "accuracy": True, "precision": True, "recall": True, "f1": True, "roc_auc": True,
    "log_loss": False, "calibration_error": False, "mae": False, "rmse": False, "mape": False,
}
"""Direction of each metric: ``True`` when a larger value means a better model."""

_F64 = NDArray[np.float64]
_I64 = NDArray[np.int64]
_Mask = NDArray[np.bool_]
_SEED = 20240917
_INF = float("inf")


@dataclass(frozen=True, eq=False)
class WindowSeries:
    """One metric per window, with a two-sided confidence band.

    Attributes
    ----------
    metric : str
        The metric's name, one of :data:`CLASSIFICATION_METRICS` or :data:`REGRESSION_METRICS`.
    values, lower, upper : numpy.ndarray
        float64, one per window; NaN where the metric (or its band) is undefined.
    rows : numpy.ndarray
        int64, the rows that entered the metric in each window.
    """

    metric: str
    values: _F64
    lower: _F64
    upper: _F64
    rows: _I64
    error_bound: _F64 | None = None
    """Where the value is read from a summary that approximates the rows (ROC AUC from score
    histograms): per window, the most it can differ from its value on the rows. None: exact."""

    def to_list(self) -> list[dict[str, float | int | None]]:
        """Per window ``{"value", "lower", "upper", "rows"}``, with ``None`` instead of NaN.

        >>> s = WindowSeries("mae", np.array([0.5, np.nan]), np.array([0.25, np.nan]),
        ...                  np.array([0.75, np.nan]), np.array([4, 0]))
        >>> s.to_list()[1]
        {'value': None, 'lower': None, 'upper': None, 'rows': 0}
        """
        def opt(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return [
            {"value": opt(v), "lower": opt(lo), "upper": opt(hi), "rows": int(r)}
            for v, lo, hi, r in zip(self.values, self.lower, self.upper, self.rows, strict=True)
        ]


# ---------------------------------------------------------------------------- small helpers


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise InputError(f"level must lie strictly between 0 and 1, got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def _ratio(num: ArrayLike, den: ArrayLike) -> _F64:
    """``num / den`` where ``den > 0``, NaN elsewhere, without warnings."""
    n, d = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(n, d).shape, np.nan)
    np.divide(n, d, out=out, where=d > 0)
    return out


def _series(metric: str, values: _F64, lower: _F64, upper: _F64, rows: ArrayLike,
            hi_bound: float = 1.0) -> WindowSeries:
    """Clip the band to ``[0, hi_bound]`` and blank it wherever the value is undefined."""
    undefined = np.isnan(values)
    lo = np.where(undefined, np.nan, np.clip(lower, 0.0, hi_bound))
    hi = np.where(undefined, np.nan, np.clip(upper, 0.0, hi_bound))
    return WindowSeries(metric, values.astype(np.float64), lo, hi,
                        np.asarray(rows, dtype=np.int64))


def _wilson_var(p: _F64, n: _F64, z: float) -> _F64:
    """Wilson's variance of a proportion: its half-width squared over ``z**2``."""
    return (n * p * (1.0 - p) + z * z / 4.0) / (n + z * z) ** 2


def _mean_band(w: _I64, x: _F64, n_windows: int, z: float) -> tuple[_F64, _F64, _F64, _I64]:
    """Per-window mean of ``x`` and mean ± z·sd/sqrt(n) (two-pass variance)."""
    return _moment_band(Moments.of(w, x, n_windows), z)


def _moment_band(m: Moments, z: float) -> tuple[_F64, _F64, _F64, _I64]:
    """Mean ± z·sd/sqrt(n) from each window's moments (NaN for an empty window; no band for one row)."""
    n = m.n
    mean = np.where(n > 0, m.mean, np.nan)
    var = _ratio(m.m2, n - 1)
    half = z * np.sqrt(var * _ratio(1.0, n))
    return mean, mean - half, mean + half, n


def _rows(m: _Mask, *arrays: NDArray[Any]) -> list[NDArray[Any]]:
    """The rows where ``m`` holds; the arrays themselves when it holds everywhere."""
    return list(arrays) if bool(m.all()) else [a[m] for a in arrays]


def _groups(w: _I64, n_windows: int) -> tuple[_I64 | None, _I64]:
    """Row order that groups windows together (None when already grouped) and bounds."""
    bounds = np.zeros(n_windows + 1, dtype=np.int64)
    np.cumsum(np.bincount(w, minlength=n_windows), out=bounds[1:])
    if w.size < 2 or bool(np.all(w[1:] >= w[:-1])):
        return None, bounds
    small = w.astype(np.int16) if n_windows < 2**15 else w
    return np.argsort(small, kind="stable").astype(np.int64), bounds


# ---------------------------------------------------------------------------- label metrics


def _confusion(w: _I64, t: _I64, p: _I64, n_windows: int, k: int) -> _I64:
    """Confusion matrices, shape (windows, true class, predicted class)."""
    flat = np.bincount((w * k + t) * k + p, minlength=n_windows * k * k)
    return flat.reshape(n_windows, k, k).astype(np.int64)


def _wilson_series(metric: str, x: ArrayLike, den: ArrayLike, rows: _I64, z: float) -> WindowSeries:
    p, lo, hi = _wilson(x, den, z)
    return _series(metric, p, lo, hi, rows)


def _binary_rates(c: _I64, z: float) -> dict[str, WindowSeries]:
    tn, fp, fn, tp = c[:, 0, 0], c[:, 0, 1], c[:, 1, 0], c[:, 1, 1]
    n = c.sum(axis=(1, 2))
    _, jlo, jhi = _wilson(tp, tp + fp + fn, z)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {
        "accuracy": _wilson_series("accuracy", tp + tn, n, n, z),
        "precision": _wilson_series("precision", tp, tp + fp, n, z),
        "recall": _wilson_series("recall", tp, tp + fn, n, z),
        "f1": _series("f1", f1, 2 * jlo / (1 + jlo), 2 * jhi / (1 + jhi), n),
    }


def _macro_rate(metric: str, tp: _I64, den: _I64, rows: _I64, z: float) -> WindowSeries:
    """Macro mean of per-class rates ``tp / den`` over the classes where ``den > 0``."""
    rate = _ratio(tp, den)
    ok = den > 0
    k = ok.sum(axis=1)
    value = _ratio(np.where(ok, rate, 0.0).sum(axis=1), k)
    var = np.where(ok, _wilson_var(np.nan_to_num(rate), den.astype(np.float64), z), 0.0)
    half = z * np.sqrt(_ratio(var.sum(axis=1), k * k))
    return _series(metric, value, value - half, value + half, rows)


def _macro_f1(c: _I64, rows: _I64, z: float) -> WindowSeries:
    """Macro F1 with a delta-method band from the influence of each confusion cell."""
    tp = np.einsum("wkk->wk", c)
    den = c.sum(axis=1) + c.sum(axis=2)  # 2 TP + FP + FN per class
    f1 = _ratio(2 * tp, den)
    ok = den > 0
    k = ok.sum(axis=1)
    value = _ratio(np.where(ok, f1, 0.0).sum(axis=1), k)
    h = _ratio(1.0, den)
    rh = np.where(ok, f1 * h, 0.0)
    h = np.where(ok, h, 0.0)
    # Influence of a row in cell (t, p) on the sum of class F1s, divided by n.
    infl = -(rh[:, :, None] + rh[:, None, :])
    diag = np.arange(c.shape[1])
    infl[:, diag, diag] += 2.0 * h
    var = _ratio((c * infl * infl).sum(axis=(1, 2)), k * k)
    half = z * np.sqrt(var)
    return _series("f1", value, value - half, value + half, rows)


def _macro_rates(c: _I64, z: float) -> dict[str, WindowSeries]:
    n = c.sum(axis=(1, 2))
    tp = np.einsum("wkk->wk", c)
    return {
        "accuracy": _wilson_series("accuracy", tp.sum(axis=1), n, n, z),
        "precision": _macro_rate("precision", tp, c.sum(axis=1), n, z),
        "recall": _macro_rate("recall", tp, c.sum(axis=2), n, z),
        "f1": _macro_f1(c, n, z),
    }


# ---------------------------------------------------------------------------- probability metrics


def _auc(w: _I64, t: _I64, score: _F64, binary: bool, n_windows: int, z: float) -> WindowSeries:
    order, bounds = _groups(w, n_windows)
    if order is not None:
        t, score = t[order], score[order]
    value, var = np.full(n_windows, np.nan), np.full(n_windows, np.nan)
    for i in range(n_windows):
        sl = slice(int(bounds[i]), int(bounds[i + 1]))
        if binary:
            value[i], var[i], _ = _auc_one(score[sl], t[sl] == 1, False)
            continue
        parts = [_auc_one(score[sl, j], t[sl] == j, True) for j in range(score.shape[1])]
        influences = [infl for _, _, infl in parts if infl is not None]
        if len(influences) == len(parts):  # one-vs-rest macro: every class must occur
            value[i] = sum(a for a, _, _ in parts) / len(parts)
            var[i] = float(np.sum((sum(influences) / len(parts)) ** 2))
    half = z * np.sqrt(var)
    return _series("roc_auc", value, value - half, value + half, np.diff(bounds))


def _log_loss(w: _I64, t: _I64, score: _F64, binary: bool, n_windows: int,
              z: float) -> WindowSeries:
    mean, lo, hi, n = _mean_band(w, log_loss_terms(t, score, binary), n_windows, z)
    return _series("log_loss", mean, lo, hi, n, _INF)


def _ece(w: _I64, t: _I64, score: _F64, binary: bool, n_windows: int, bins: int,
         z: float) -> WindowSeries:
    """Expected calibration error with a parametric bootstrap band on the bin statistics."""
    cnt, total, total2 = calibration_sums(w, t, score, binary, n_windows, bins)
    return _ece_of_bins(cnt.astype(np.int64), total, total2, z)


def _ece_of_bins(cnt: _I64, total: _F64, total2: _F64, z: float) -> WindowSeries:
    """The calibration error and its band from each window's bins: rows, summed gap, summed squared gap."""
    n = cnt.sum(axis=1)
    value = _ratio(np.abs(total).sum(axis=1), n)
    mean = _ratio(total, cnt)
    var = np.maximum(_ratio(total2, cnt) - mean * mean, 0.0)
    half = z * _ece_bootstrap(n, cnt, np.nan_to_num(mean), np.nan_to_num(var))
    return _series("calibration_error", value, value - half, value + half, n)


def _ece_bootstrap(n: _I64, cnt: _I64, mean: _F64, var: _F64) -> _F64:
    """Bootstrap standard error of the ECE from the per-bin counts, gap means and variances."""
    n_windows, bins = cnt.shape
    reps = int(np.clip(4_000_000 // max(n_windows * bins, 1), 200, 1000))
    rng = np.random.default_rng(_SEED)
    pvals = np.where(n[:, None] > 0, _ratio(cnt, n[:, None]), 1.0 / bins)
    counts = rng.multinomial(n, pvals, size=(reps, n_windows)).astype(np.float64)
    sums = counts * mean + np.sqrt(counts * var) * rng.standard_normal(counts.shape)
    stats = np.nan_to_num(np.abs(sums).sum(axis=2) * _ratio(1.0, n))
    return np.asarray(stats.std(axis=0, ddof=1), dtype=np.float64)


def _proba_metrics(w: _I64, t: _I64, score: _F64, binary: bool, n_windows: int, z: float,
                   bins: int) -> dict[str, WindowSeries]:
    return {
        "roc_auc": _auc(w, t, score, binary, n_windows, z),
        "log_loss": _log_loss(w, t, score, binary, n_windows, z),
        "calibration_error": _ece(w, t, score, binary, n_windows, bins, z),
    }


# ---------------------------------------------------------------------------- public API


def classification_by_window(
    window: ArrayLike,
    y_true: ArrayLike,
    *,
    n_windows: int,
    y_pred: ArrayLike | None = None,
    proba: ArrayLike | None = None,
    positive: Any = None,
    classes: Sequence[Any] | None = None,
    level: float = 0.95,
    calibration_bins: int = 10,
) -> dict[str, WindowSeries]:
    """Classification metrics per window, with confidence bands.

    Parameters
    ----------
    window : array of int
        Per row, its window in ``[0, n_windows)``, or -1 for a row outside every window.
    y_true : array
        Labels: ints, bools or strings; NaN or None marks a missing label (row ignored).
    n_windows : int
        Number of windows.
    y_pred : array, optional
        Predicted labels; missing ones drop the row from accuracy, precision, recall and F1.
        Defaults to ``proba >= 0.5`` (binary) or the arg-max class (multiclass).
    proba : array, optional
        Binary: the positive class's probability, shape (n,) (or (n, 2) with ``classes``).
        Multiclass: shape (n, k), columns in the order of ``classes``. NaN marks a missing
        prediction. Without it ``roc_auc``, ``log_loss`` and ``calibration_error`` are absent.
    positive : label, optional
        Binary only: the positive class; by default the larger one (1, True, or the second
        in sorted order).
    classes : sequence, optional
        All class labels, in the order of ``proba``'s columns; by default the sorted labels seen.
    level : float
        Two-sided confidence level of the bands.
    calibration_bins : int
        B equal-width bins of the expected calibration error, :math:`\\sum_b (n_b/n)
        |\\mathrm{acc}_b - \\mathrm{conf}_b|` (Naeini et al. 2015; Guo et al. 2017): a row with
        probability p falls in bin ``min(floor(p * B), B - 1)``; binary on the positive class's
        probability (acc: share of positives), multiclass on the top class's (acc: share
        correct).

    Returns
    -------
    dict of str to WindowSeries
        Keyed by metric, in the order of :data:`CLASSIFICATION_METRICS`. With two classes
        precision, recall and F1 are the positive class's; with more they are macro means over
        the classes that occur in the window's labels or predictions (classes where precision
        or recall is 0/0 are left out of its mean, as scikit-learn's ``zero_division=np.nan``),
        ROC AUC is one-vs-rest macro (NaN unless every class occurs in the window) and the
        calibration error is on the top class's probability. Log loss clips probabilities to
        [1e-15, 1 - 1e-15]. ``rows`` counts rows with a label and the prediction the metric
        needs (``y_pred`` for the first four, ``proba`` for the others).

    Examples
    --------
    >>> w = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> y = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    >>> p = np.array([0.9, 0.2, 0.4, 0.3, 0.8, 0.75, 0.7, 0.1])
    >>> res = classification_by_window(w, y, proba=p, n_windows=2)
    >>> res["accuracy"].values.tolist(), res["roc_auc"].values.tolist()
    ([0.75, 0.75], [1.0, 0.75])
    """
    yt = np.asarray(y_true)
    if yt.ndim != 1:
        raise InputError(f"y_true must be 1-D, got shape {yt.shape}")
    w = _check_window(window, n_windows, yt.size)
    z = _z(level)
    if isinstance(calibration_bins, bool) or not isinstance(calibration_bins, int) \
            or calibration_bins < 1:
        raise InputError(f"calibration_bins must be a positive integer, got {calibration_bins!r}")
    enc = _encode(yt, y_pred, proba, positive, classes)
    out: dict[str, WindowSeries] = {}
    keep = (w >= 0) & (enc.true >= 0)
    wm, tm, pm = _rows(keep & (enc.pred >= 0), w, enc.true, enc.pred)
    c = _confusion(wm, tm, pm, n_windows, enc.n_classes)
    out.update(_binary_rates(c, z) if enc.binary else _macro_rates(c, z))
    if enc.score is not None:
        bad = np.isnan(enc.score)
        wm, tm, sm = _rows(keep & ~(bad if bad.ndim == 1 else bad.any(axis=1)),
                           w, enc.true, enc.score)
        out.update(_proba_metrics(wm, tm, sm, enc.binary, n_windows, z,
                                  calibration_bins))
    return {name: out[name] for name in CLASSIFICATION_METRICS if name in out}


def regression_by_window(
    window: ArrayLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    n_windows: int,
    level: float = 0.95,
) -> dict[str, WindowSeries]:
    """Regression metrics per window (MAE, RMSE, MAPE), with confidence bands.

    Rows with a missing (NaN or None) target or prediction are ignored. MAPE leaves out the
    rows whose target is 0 (it is undefined there) and does not count them in its ``rows``;
    it is a fraction (0.1 means 10%), as scikit-learn's ``mean_absolute_percentage_error``.

    Parameters
    ----------
    window : array of int
        Per row, its window in ``[0, n_windows)``, or -1 for a row outside every window.
    y_true, y_pred : array of float
        Targets and predictions.
    n_windows : int
        Number of windows.
    level : float
        Two-sided confidence level of the bands.

    Returns
    -------
    dict of str to WindowSeries
        ``"mae"``, ``"rmse"`` and ``"mape"``.

    Examples
    --------
    >>> w = np.array([0, 0, 1, 1])
    >>> res = regression_by_window(w, [1.0, 2.0, 4.0, 0.0], [1.5, 2.0, 3.0, 1.0], n_windows=2)
    >>> res["mae"].values.tolist(), res["mape"].values.tolist(), res["mape"].rows.tolist()
    ([0.25, 1.0], [0.25, 0.25], [2, 1])
    """
    yt = np.asarray(y_true)
    if yt.ndim != 1:
        raise InputError(f"y_true must be 1-D, got shape {yt.shape}")
    t = _floats(yt, "y_true", yt.size)
    p = _floats(y_pred, "y_pred", yt.size)
    w = _check_window(window, n_windows, yt.size)
    z = _z(level)
    m = (w >= 0) & ~np.isnan(t) & ~np.isnan(p)
    w, t, p = _rows(m, w, t, p)
    err = np.abs(p - t)
    mae = _series("mae", *_mean_band(w, err, n_windows, z), hi_bound=_INF)
    mse, lo, hi, n = _mean_band(w, err * err, n_windows, z)
    rmse = _series("rmse", np.sqrt(mse), np.sqrt(np.maximum(lo, 0.0)),
                   np.sqrt(np.maximum(hi, 0.0)), n, _INF)
    nz = t != 0
    mape = _series("mape", *_mean_band(w[nz], err[nz] / np.abs(t[nz]), n_windows, z),
                   hi_bound=_INF)
    return {"mae": mae, "rmse": rmse, "mape": mape}


def classification_overall(
    y_true: ArrayLike,
    *,
    y_pred: ArrayLike | None = None,
    proba: ArrayLike | None = None,
    positive: Any = None,
    classes: Sequence[Any] | None = None,
    level: float = 0.95,
    calibration_bins: int = 10,
) -> dict[str, WindowSeries]:
    """:func:`classification_by_window` with every row in one window.

    >>> res = classification_overall(["a", "b", "b", "a"], y_pred=["a", "b", "a", "a"])
    >>> res["recall"].values.tolist(), res["precision"].values.tolist()
    ([0.5], [1.0])
    """
    n = np.asarray(y_true).shape[0] if np.ndim(y_true) else 0
    return classification_by_window(
        np.zeros(n, dtype=np.int64), y_true, n_windows=1, y_pred=y_pred, proba=proba,
        positive=positive, classes=classes, level=level, calibration_bins=calibration_bins,
    )


def regression_overall(
    y_true: ArrayLike, y_pred: ArrayLike, *, level: float = 0.95
) -> dict[str, WindowSeries]:
    """:func:`regression_by_window` with every row in one window.

    >>> regression_overall([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])["rmse"].values.tolist()
    [1.1547005383792515]
    """
    n = np.asarray(y_true).shape[0] if np.ndim(y_true) else 0
    return regression_by_window(np.zeros(n, dtype=np.int64), y_true, y_pred, n_windows=1,
                                level=level)


# ---------------------------------------------------------------------------- from model summaries


def _auc_of_histograms(hist: _I64, binary: bool, z: float) -> WindowSeries:
    """ROC AUC per window from score histograms ``(windows, classes, 2, bins)``: the bins are the
    tie groups of :func:`_auc_one` (a positive and a negative in one bin count a half), so the value
    and its DeLong variance are those of the binned scores. ``error_bound`` is half the share of
    (positive, negative) pairs that share a bin: the most resolving those ties could move the AUC.
    Multiclass: the one-vs-rest macro mean; the summary keeps each class's scores, not their
    joint per row, so the covariances between the classes' AUCs are unknown and the variance is
    their upper bound, (mean of the classes' standard deviations)^2: a band at least as wide as
    the rows give."""
    h = hist.astype(np.float64)
    neg, pos = h[:, :, 0, :], h[:, :, 1, :]
    n0, n1 = neg.sum(axis=2), pos.sum(axis=2)
    ok = (n0 > 0) & (n1 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v10 = (np.cumsum(neg, axis=2) - 0.5 * neg) / n0[:, :, None]
        v01 = (n1[:, :, None] - np.cumsum(pos, axis=2) + 0.5 * pos) / n1[:, :, None]
        auc = (pos * v10).sum(axis=2) / n1
        var = ((pos * (v10 - auc[:, :, None]) ** 2).sum(axis=2) / n1**2
               + (neg * (v01 - auc[:, :, None]) ** 2).sum(axis=2) / n0**2)
        bound = 0.5 * (pos * neg).sum(axis=2) / (n1 * n0)
    rows = (n0 + n1)[:, 0].astype(np.int64)
    if binary:
        value, v, b = auc[:, 0], var[:, 0], bound[:, 0]
        value, v, b = (np.where(ok[:, 0], x, np.nan) for x in (value, v, b))
    else:
        every = ok.all(axis=1)
        k = hist.shape[1]
        value = np.where(every, auc.mean(axis=1), np.nan)
        # the classes' AUCs covary and the summary keeps no joint per row: the variance of their
        # mean is bounded by (mean of their standard deviations)^2, reached at perfect correlation
        v = np.where(every, np.sqrt(np.maximum(var, 0.0)).mean(axis=1) ** 2, np.nan)
        b = np.where(every, bound.mean(axis=1), np.nan)
    half = z * np.sqrt(v)
    series = _series("roc_auc", value, value - half, value + half, rows)
    return WindowSeries(series.metric, series.values, series.lower, series.upper, series.rows, b)


def summary_metrics(summary: ModelSummary, *, level: float = 0.95) -> dict[str, WindowSeries]:
    """The metrics of :func:`classification_by_window` or :func:`regression_by_window`, per
    window of a model summary (:class:`seismo.profile.ModelSummary`), with the same bands.

    Counts and moments give what the rows give (to rounding); ROC AUC is that of the binned
    scores, with its ``error_bound``. Summaries merged from finer windows give what the coarser
    windows' rows give: the metrics are recomputed from the merged counts, never averaged.

    >>> from seismo.profile import summarise_classification
    >>> w = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> y = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    >>> p = np.array([0.9, 0.2, 0.4, 0.3, 0.8, 0.75, 0.7, 0.1])
    >>> res = summary_metrics(summarise_classification(w, y, proba=p, n_windows=2))
    >>> res["accuracy"].values.tolist(), res["roc_auc"].values.tolist()
    ([0.75, 0.75], [1.0, 0.75])
    """
    z = _z(level)
    out: dict[str, WindowSeries] = {}
    if summary.kind == "regression":
        assert summary.abs_error is not None and summary.sq_error is not None and summary.ape is not None
        out["mae"] = _series("mae", *_moment_band(summary.abs_error, z), hi_bound=_INF)
        mse, lo, hi, n = _moment_band(summary.sq_error, z)
        out["rmse"] = _series("rmse", np.sqrt(mse), np.sqrt(np.maximum(lo, 0.0)), np.sqrt(np.maximum(hi, 0.0)), n, _INF)
        out["mape"] = _series("mape", *_moment_band(summary.ape, z), hi_bound=_INF)
        return out
    assert summary.confusion is not None
    c = summary.confusion
    out.update(_binary_rates(c, z) if summary.binary else _macro_rates(c, z))
    if summary.score_hist is not None and summary.log_loss is not None and summary.calibration is not None:
        out["roc_auc"] = _auc_of_histograms(summary.score_hist, summary.binary, z)
        out["log_loss"] = _series("log_loss", *_moment_band(summary.log_loss, z), hi_bound=_INF)
        cal = summary.calibration
        out["calibration_error"] = _ece_of_bins(np.rint(cal[:, 0]).astype(np.int64), cal[:, 1], cal[:, 2], z)
    return {name: out[name] for name in CLASSIFICATION_METRICS if name in out}
