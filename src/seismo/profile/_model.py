"""Mergeable summaries of a model's outputs, one per window: what the concept checks read.

A :class:`ModelSummary` holds, for each of its windows, the counts and sums from which the
performance metrics and their confidence bands follow (:func:`seismo.concept.metrics.summary_metrics`):

- every task: the rows, the rows with a label (label arrival) and the rows with a prediction;
- classification: the confusion counts (true class x predicted class); with probabilities, each
  class's score histogram on fixed logit-spaced bins for the rows of that class and for the
  others (ROC AUC with its DeLong variance), the moments of the per-row log loss, and per
  calibration bin the rows, the summed gap (outcome minus probability) and its summed square;
- regression: the moments (count, mean, sum of squared deviations) of the absolute error, the
  squared error and the absolute percentage error, and a quantile sketch of the signed residuals.

Counts and sums add when windows merge, and moments combine exactly (Chan, Golub & LeVeque
1979), so hourly summaries roll up into daily ones and give what a summary of the day's rows
gives: the metrics are recomputed from the merged summary, never averaged (an average of hourly
ROC AUCs is not the day's AUC). The one approximation is the score histogram: the AUC read from
it counts a positive and a negative in the same bin as a tie, so it can differ from the AUC of the
raw scores by at most half the share of such pairs, which :func:`seismo.concept.metrics.summary_metrics`
reports as the value's error bound (about 1e-3 with :data:`SCORE_BINS` bins for scores spread
over the unit interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from seismo.data.labels import check_window, encode, floats
from seismo.data.time import as_utc, coarser_windows
from seismo.exceptions import InputError, ProfileError
from seismo.profile._quantiles import QuantileSketch

__all__ = ["CALIBRATION_BINS", "SCORE_BINS", "Moments", "ModelSummary", "score_bins", "summarise_classification",
           "summarise_regression"]

SCORE_BINS = 1024
"""Bins of the score histograms: the logit of the score in [-10, 10] cut evenly (steps of about
0.02, finer than 0.005 in probability everywhere), with the scores below and above in the end bins."""
CALIBRATION_BINS = 10
"""Equal-width probability bins of the expected calibration error."""
_LOGIT_SPAN = 10.0
_EPS = 1e-15
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def score_bins(p: F64, bins: int = SCORE_BINS) -> I64:
    """The histogram bin of each probability: non-decreasing in ``p``, 0 for ``p`` below
    ``sigmoid(-10)``, ``bins - 1`` at or above ``sigmoid(10)``.

    >>> score_bins(np.array([0.0, 1e-9, 0.5, 1.0]), 1024).tolist()
    [0, 0, 512, 1023]
    """
    with np.errstate(divide="ignore"):
        logit = np.log(p) - np.log1p(-p)
    inner = bins - 2
    scaled = (np.clip(logit, -_LOGIT_SPAN - 1, _LOGIT_SPAN + 1) + _LOGIT_SPAN) / (2 * _LOGIT_SPAN) * inner
    return np.asarray(np.clip(np.floor(scaled).astype(np.int64) + 1, 0, bins - 1), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Moments:
    """Per window, the count, the mean and the sum of squared deviations of a per-row quantity."""

    n: I64
    mean: F64
    m2: F64

    @classmethod
    def of(cls, w: I64, x: F64, n_windows: int) -> Moments:
        """The moments of ``x`` in each window ``w`` (two passes, as :func:`numpy.var`)."""
        n = np.bincount(w, minlength=n_windows).astype(np.int64)
        total = np.bincount(w, x, minlength=n_windows)
        mean = np.divide(total, n, out=np.zeros(n_windows), where=n > 0)
        dev = x - mean[w]
        return cls(n, mean, np.bincount(w, dev * dev, minlength=n_windows).astype(np.float64))

    def grouped(self, group: I64, n_groups: int) -> Moments:
        """The moments of each group of windows, combined exactly (Chan et al.'s pairwise update,
        for many parts at once: the parts' squared deviations plus their means' spread)."""
        n = np.bincount(group, self.n, minlength=n_groups)
        total = np.bincount(group, self.n * self.mean, minlength=n_groups)
        mean = np.divide(total, n, out=np.zeros(n_groups), where=n > 0)
        spread = self.n * (self.mean - mean[group]) ** 2
        m2 = np.bincount(group, self.m2, minlength=n_groups) + np.bincount(group, spread, minlength=n_groups)
        return Moments(n.astype(np.int64), mean, m2.astype(np.float64))

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n.tolist(), "mean": self.mean.tolist(), "m2": self.m2.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Moments:
        return cls(np.asarray(data["n"], dtype=np.int64), np.asarray(data["mean"], dtype=np.float64),
                   np.asarray(data["m2"], dtype=np.float64))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Moments) and all(
            np.array_equal(a, b) for a, b in ((self.n, other.n), (self.mean, other.mean), (self.m2, other.m2)))

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class ModelSummary:
    """A model's outputs summarised per window; every array's first axis is the window.

    Attributes
    ----------
    kind : str
        ``"classification"`` or ``"regression"``.
    rows, labelled, predicted : numpy.ndarray
        Per window: the rows, those with a label, those with a prediction.
    binary : bool
        Classification: two classes, the scores (if any) being the positive class's.
    labels : tuple
        Classification: the label of each class code; binary ``(other class, positive class)``.
    confusion : numpy.ndarray or None
        ``(windows, true class, predicted class)`` counts of the rows with a label and a prediction.
    score_hist : numpy.ndarray or None
        ``(windows, scored classes, 2, bins)``: per class (one, the positive, when binary) the
        histogram of its score over the rows of other classes (``[..., 0, :]``) and of that class
        (``[..., 1, :]``), on :func:`score_bins`.
    log_loss : Moments or None
        Of the per-row log loss (probabilities clipped to [1e-15, 1 - 1e-15]).
    log_loss_swapped, calibration_swapped : Moments, numpy.ndarray or None
        Binary with scores: the same two with the other class as the positive one.
    calibration : numpy.ndarray or None
        ``(windows, 3, calibration bins)``: per bin the rows, the summed gap (outcome minus the
        probability) and the summed squared gap.
    abs_error, sq_error, ape : Moments or None
        Regression: absolute error, squared error, absolute percentage error (rows with a
        non-zero target).
    residuals : tuple of QuantileSketch
        Regression: per window, a sketch of ``prediction - target``.
    starts, every : tuple of datetime, str or None
        Time windows: each window's UTC start and their length.
    """

    kind: str
    rows: I64
    labelled: I64
    predicted: I64
    binary: bool = False
    labels: tuple[Any, ...] = ()
    confusion: I64 | None = None
    score_hist: I64 | None = None
    log_loss: Moments | None = None
    calibration: F64 | None = None
    abs_error: Moments | None = None
    sq_error: Moments | None = None
    ape: Moments | None = None
    residuals: tuple[QuantileSketch, ...] = field(default=())
    starts: tuple[datetime, ...] = ()
    """The windows' UTC start times, when they are time windows (empty for row-order chunks)."""
    every: str | None = None
    """The time windows' length (a polars duration such as ``"1h"``)."""
    log_loss_swapped: Moments | None = None
    """Binary with scores: :attr:`log_loss` read with the other class as the positive one."""
    calibration_swapped: F64 | None = None
    """Binary with scores: :attr:`calibration` read with the other class as the positive one.
    A table summarised on its own picks its positive class from its own rows (the class its
    model scores higher); these let :meth:`with_positive` read it as another table did, exactly."""

    @property
    def windows(self) -> int:
        """How many windows the summary holds."""
        return int(self.rows.shape[0])

    # -------------------------------------------------------------- combining windows

    def grouped(self, group: npt.ArrayLike, n_groups: int, *, starts: Sequence[datetime] = (),
                every: str | None = None) -> ModelSummary:
        """Windows combined into ``n_groups`` groups (``group[i]``: window ``i``'s group): counts
        and sums added, moments combined exactly, sketches merged. ``starts`` and ``every`` name
        the groups when they are time windows."""
        g = np.asarray(group, dtype=np.int64)
        if starts and len(starts) != n_groups:
            raise ProfileError(f"{len(starts)} window starts for {n_groups} groups")
        if g.shape != (self.windows,) or (g.size and (int(g.min()) < 0 or int(g.max()) >= n_groups)):
            raise ProfileError(f"a group per window in [0, {n_groups}) is needed, got shape {g.shape}")

        def add(a: npt.NDArray[Any] | None) -> Any:
            if a is None:
                return None
            flat = a.reshape(a.shape[0], -1)
            width = flat.shape[1]
            at = (g[:, None] * width + np.arange(width)[None, :]).ravel()
            out = np.bincount(at, weights=flat.ravel().astype(np.float64), minlength=n_groups * width)
            # counts stay exact in float64 up to 2**53 rows a cell
            return (np.rint(out).astype(a.dtype) if a.dtype.kind in "iu" else out.astype(a.dtype)).reshape(
                (n_groups, *a.shape[1:]))

        def moments(m: Moments | None) -> Moments | None:
            return None if m is None else m.grouped(g, n_groups)

        residuals: tuple[QuantileSketch, ...] = ()
        if self.residuals:
            k = self.residuals[0].k
            merged = [QuantileSketch(k) for _ in range(n_groups)]
            for i, sketch in enumerate(self.residuals):
                merged[int(g[i])] = merged[int(g[i])].merge(sketch)
            residuals = tuple(merged)
        return replace(self, rows=add(self.rows), labelled=add(self.labelled), predicted=add(self.predicted),
                       confusion=add(self.confusion), score_hist=add(self.score_hist), log_loss=moments(self.log_loss),
                       calibration=add(self.calibration), abs_error=moments(self.abs_error),
                       sq_error=moments(self.sq_error), ape=moments(self.ape), residuals=residuals,
                       starts=tuple(starts), every=every, log_loss_swapped=moments(self.log_loss_swapped),
                       calibration_swapped=add(self.calibration_swapped))

    def total(self) -> ModelSummary:
        """Every window combined into one."""
        return self.grouped(np.zeros(self.windows, dtype=np.int64), 1)

    def rollup(self, every: str) -> ModelSummary:
        """Coarser time windows (``"1h"`` -> ``"1d"``) combined from these ones: each window goes
        to the coarser window its start falls in (polars' alignment, as
        :meth:`seismo.profile.WindowedProfile.rollup`)."""
        if self.every is None:
            raise ProfileError("only a summary of time windows rolls up; this one has row-order chunks")
        group, starts = coarser_windows(self.starts, every)
        return self.grouped(group, len(starts), starts=starts, every=every)

    def window(self, i: int) -> ModelSummary:
        """Window ``i`` alone (a one-window summary)."""
        if not -self.windows <= i < self.windows:
            raise ProfileError(f"window {i} out of range: the summary has {self.windows}")
        pick = np.array([i % self.windows])

        def take(a: Any) -> Any:
            if a is None:
                return None
            if isinstance(a, Moments):
                return Moments(a.n[pick], a.mean[pick], a.m2[pick])
            return a[pick]

        return replace(self, rows=take(self.rows), labelled=take(self.labelled), predicted=take(self.predicted),
                       confusion=take(self.confusion), score_hist=take(self.score_hist), log_loss=take(self.log_loss),
                       calibration=take(self.calibration), abs_error=take(self.abs_error), sq_error=take(self.sq_error),
                       ape=take(self.ape), residuals=(self.residuals[i],) if self.residuals else (),
                       starts=(self.starts[i],) if self.starts else (), log_loss_swapped=take(self.log_loss_swapped),
                       calibration_swapped=take(self.calibration_swapped))

    @staticmethod
    def concat(parts: Sequence[ModelSummary]) -> ModelSummary:
        """The windows of every part, in order (the parts must summarise the same task)."""
        if not parts:
            raise ProfileError("nothing to concatenate")
        first = parts[0]
        for p in parts[1:]:
            _same_task(first, p)

        def cat(name: str) -> Any:
            values = [getattr(p, name) for p in parts]
            if values[0] is None:
                return None
            if isinstance(values[0], Moments):
                return Moments(np.concatenate([v.n for v in values]), np.concatenate([v.mean for v in values]),
                               np.concatenate([v.m2 for v in values]))
            return np.concatenate(values)

        names = ("rows", "labelled", "predicted", "confusion", "score_hist", "log_loss", "calibration", "abs_error",
                 "sq_error", "ape", "log_loss_swapped", "calibration_swapped")
        if len({p.every for p in parts}) > 1:
            raise ProfileError(f"cannot concatenate windows of different lengths: {sorted({str(p.every) for p in parts})}")
        return replace(first, **{n: cat(n) for n in names},
                       residuals=tuple(s for p in parts for s in p.residuals),
                       starts=tuple(t for p in parts for t in p.starts))

    def merge(self, other: ModelSummary) -> ModelSummary:
        """Both summaries' rows together: time windows with the same start merge (the same
        ``every`` on both sides), row-order chunks window by window."""
        _same_task(self, other)
        if self.every is not None or other.every is not None:
            if self.every != other.every:
                raise ProfileError(f"cannot merge windows of {self.every} with windows of {other.every}; roll up first")
            both = ModelSummary.concat([self, other])
            union = sorted(set(both.starts))
            at = {t: i for i, t in enumerate(union)}
            return both.grouped([at[t] for t in both.starts], len(union), starts=union, every=self.every)
        if other.windows != self.windows:
            raise ProfileError(f"cannot merge summaries of {self.windows} and {other.windows} windows")
        both = ModelSummary.concat([self, other])
        return both.grouped(np.tile(np.arange(self.windows), 2), self.windows)

    def with_positive(self, positive: Any) -> ModelSummary:
        """A binary summary read with ``positive`` as the positive class: the confusion counts'
        classes and the score histograms' row classes swapped, the log loss and calibration taken
        from their swapped reading. The score stays what it was (the probability column as
        given), so a table whose model scores the classes the other way round is judged as such,
        not re-read to look healthy.

        >>> import numpy as np
        >>> s = summarise_classification(np.zeros(4, dtype=np.int64), np.array(["a", "b", "a", "b"]),
        ...                              proba=np.array([0.9, 0.2, 0.8, 0.1]), n_windows=1, positive="a",
        ...                              classes=["b", "a"])
        >>> s.labels, s.with_positive("b").labels
        (('b', 'a'), ('a', 'b'))
        """
        if self.kind != "classification" or not self.binary or len(self.labels) != 2:
            raise ProfileError(f"only a binary classifier's summary has a positive class; this one has {list(self.labels)}")
        if _typed(self.labels[1]) == _typed(positive):
            return self
        if _typed(self.labels[0]) != _typed(positive):
            raise ProfileError(f"{positive!r} is not a class of this summary: its classes are {list(self.labels)}")
        if self.score_hist is not None and (self.log_loss_swapped is None or self.calibration_swapped is None):
            raise ProfileError("this summary keeps its scores' log loss and calibration for one positive class only")
        confusion = None if self.confusion is None else np.ascontiguousarray(self.confusion[:, ::-1, ::-1])
        hist = None if self.score_hist is None else np.ascontiguousarray(self.score_hist[:, :, ::-1, :])
        return replace(self, labels=(self.labels[1], self.labels[0]), confusion=confusion, score_hist=hist,
                       log_loss=self.log_loss_swapped, log_loss_swapped=self.log_loss,
                       calibration=self.calibration_swapped, calibration_swapped=self.calibration)

    # -------------------------------------------------------------- serialisation

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: arrays as lists, each score histogram as its non-zero cells only."""
        out: dict[str, Any] = {"kind": self.kind, "rows": self.rows.tolist(), "labelled": self.labelled.tolist(),
                               "predicted": self.predicted.tolist(), "binary": self.binary,
                               "labels": [_json_label(x) for x in self.labels]}
        if self.confusion is not None:
            out["confusion"] = self.confusion.tolist()
        if self.score_hist is not None:
            flat = self.score_hist.reshape(-1)
            at = np.flatnonzero(flat)
            out["score_hist"] = {"shape": list(self.score_hist.shape), "at": at.tolist(), "count": flat[at].tolist()}
        if self.calibration is not None:
            out["calibration"] = self.calibration.tolist()
            out["calibration_bins"] = int(self.calibration.shape[2])
        if self.calibration_swapped is not None:
            out["calibration_swapped"] = self.calibration_swapped.tolist()
        for name in ("log_loss", "abs_error", "sq_error", "ape", "log_loss_swapped"):
            m = getattr(self, name)
            if m is not None:
                out[name] = m.to_dict()
        if self.residuals:
            out["residuals"] = [s.to_dict() for s in self.residuals]
        if self.every is not None:
            out["starts"] = [t.isoformat() for t in self.starts]
            out["every"] = self.every
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSummary:
        """The summary :meth:`to_dict` wrote."""
        try:
            hist = None
            if "score_hist" in data:
                h = data["score_hist"]
                flat = np.zeros(int(np.prod(h["shape"])), dtype=np.int64)
                flat[np.asarray(h["at"], dtype=np.int64)] = np.asarray(h["count"], dtype=np.int64)
                hist = flat.reshape(h["shape"])

            def moments(name: str) -> Moments | None:
                return Moments.from_dict(data[name]) if name in data else None

            def ints(name: str) -> I64:
                return np.asarray(data[name], dtype=np.int64).reshape(-1)

            labels = tuple(data.get("labels", ()))
            k = len(labels)
            confusion = (np.asarray(data["confusion"], dtype=np.int64).reshape(-1, k, k)
                         if "confusion" in data else None)
            def calibration_of(name: str) -> F64 | None:
                return (np.asarray(data[name], dtype=np.float64).reshape(-1, 3, int(data["calibration_bins"]))
                        if name in data else None)

            calibration = calibration_of("calibration")
            out = cls(str(data["kind"]), ints("rows"), ints("labelled"), ints("predicted"),
                       bool(data.get("binary", False)), tuple(data.get("labels", ())), confusion, hist,
                       moments("log_loss"), calibration, moments("abs_error"), moments("sq_error"), moments("ape"),
                       tuple(QuantileSketch.from_dict(s) for s in data.get("residuals", ())),
                       tuple(as_utc(datetime.fromisoformat(t)) for t in data.get("starts", ())), data.get("every"),
                       moments("log_loss_swapped"), calibration_of("calibration_swapped"))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProfileError(f"not a model summary: {exc}") from exc
        w = out.windows
        sized = [out.labelled, out.predicted, out.confusion, out.score_hist, out.calibration, out.calibration_swapped,
                 *(m.n for m in (out.log_loss, out.abs_error, out.sq_error, out.ape, out.log_loss_swapped)
                   if m is not None)]
        if any(a is not None and a.shape[0] != w for a in sized) or (out.residuals and len(out.residuals) != w) or (
                out.starts and len(out.starts) != w):
            raise ProfileError(f"not a model summary: its parts disagree on the number of windows ({w})")
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelSummary):
            return False
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def _json_label(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _typed(label: Any) -> tuple[str, Any]:
    """A label with its type, for comparing labels: False is not 0, 1 is not 1.0."""
    label = _json_label(label)
    return type(label).__name__, label


def _same_task(a: ModelSummary, b: ModelSummary) -> None:
    if (a.kind, a.binary, [_typed(x) for x in a.labels]) != (b.kind, b.binary, [_typed(x) for x in b.labels]):
        raise ProfileError(f"cannot combine summaries of different tasks: {a.kind} {list(a.labels)} and "
                           f"{b.kind} {list(b.labels)}")
    for name in ("score_hist", "calibration", "calibration_swapped"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None) or (x is not None and y is not None and x.shape[1:] != y.shape[1:]):
            raise ProfileError(f"cannot combine summaries with different {name.replace('_', ' ')} bins")


def _labelled_rows(w: I64, keep: npt.NDArray[np.bool_], n_windows: int) -> I64:
    return np.bincount(w[keep & (w >= 0)], minlength=n_windows).astype(np.int64)


def log_loss_terms(true: I64, score: F64, binary: bool) -> F64:
    """Each row's log-loss, ``-log p(true class)``, with the probability clipped to
    ``[1e-15, 1 - 1e-15]`` (scikit-learn's clipping). ``score`` is P(positive) when ``binary``,
    else one probability column per class code in ``true``."""
    if binary:
        p_true = np.where(true == 1, score, 1.0 - score)
    else:
        p_true = score[np.arange(true.size), true]
    out: F64 = -np.log(np.clip(p_true, _EPS, 1.0 - _EPS))
    return out


def calibration_sums(w: I64, true: I64, score: F64, binary: bool, n_windows: int, bins: int) -> F64:
    """Per window and confidence bin: rows, summed gap (hit - confidence) and summed squared gap,
    shape ``(3, n_windows, bins)``: what the expected calibration error and its band read.
    Confidence is P(positive) for a binary model (hit: the row is positive) and the top
    probability otherwise (hit: the top class is the true one)."""
    if binary:
        conf, hit = score, (true == 1).astype(np.float64)
    else:
        conf = score.max(axis=1)
        hit = (np.argmax(score, axis=1) == true).astype(np.float64)
    key = w * bins + np.minimum((conf * bins).astype(np.int64), bins - 1)
    gap = hit - conf
    size = n_windows * bins
    sums: F64 = np.stack([np.bincount(key, minlength=size).astype(np.float64), np.bincount(key, gap, minlength=size),
                          np.bincount(key, gap * gap, minlength=size)]).reshape(3, n_windows, bins)
    return sums


def summarise_classification(
    window: npt.ArrayLike, y_true: npt.ArrayLike, *, n_windows: int, y_pred: npt.ArrayLike | None = None,
    proba: npt.ArrayLike | None = None, positive: Any = None, classes: Sequence[Any] | None = None,
    bins: int = SCORE_BINS, calibration_bins: int = CALIBRATION_BINS,
) -> ModelSummary:
    """The summary of a classifier's outputs per window (arguments as
    :func:`seismo.concept.metrics.classification_by_window`, which reads the same labels)."""
    yt = np.asarray(y_true)
    if yt.ndim != 1:
        raise InputError(f"y_true must be 1-D, got shape {yt.shape}")
    if bins < 3 or calibration_bins < 1:
        raise InputError(f"bins must be at least 3 and calibration_bins at least 1, got {bins}, {calibration_bins}")
    w = check_window(window, n_windows, yt.size)
    enc = encode(yt, y_pred, proba, positive, classes)
    k = enc.n_classes
    placed = w >= 0
    rows = np.bincount(w[placed], minlength=n_windows).astype(np.int64)
    labelled = _labelled_rows(w, enc.true >= 0, n_windows)
    has_score = None
    if enc.score is not None:
        bad = np.isnan(enc.score)
        has_score = ~(bad if bad.ndim == 1 else bad.any(axis=1))
    has_pred = enc.pred >= 0
    predicted = _labelled_rows(w, has_pred if has_score is None else has_pred | has_score, n_windows)
    keep = placed & (enc.true >= 0)
    m = keep & has_pred
    flat = np.bincount((w[m] * k + enc.true[m]) * k + enc.pred[m], minlength=n_windows * k * k)
    confusion = flat.reshape(n_windows, k, k).astype(np.int64)
    out = ModelSummary("classification", rows, labelled, predicted, enc.binary, tuple(_json_label(x) for x in enc.labels),
                       confusion)
    if enc.score is None or has_score is None:
        return out
    s = keep & has_score
    ws, ts, score = w[s], enc.true[s], enc.score[s]
    if enc.binary:
        cols = score[:, None]
        member = (ts == 1)[:, None]
    else:
        cols = score
        member = ts[:, None] == np.arange(k)[None, :]
    n_s = cols.shape[1]
    b = score_bins(cols, bins)
    key = ((ws[:, None] * n_s + np.arange(n_s)[None, :]) * 2 + member) * bins + b
    hist = np.bincount(key.reshape(-1), minlength=n_windows * n_s * 2 * bins).reshape(n_windows, n_s, 2, bins)
    loss = log_loss_terms(ts, score, enc.binary)
    calibration = calibration_sums(ws, ts, score, enc.binary, n_windows, calibration_bins)
    out = replace(out, score_hist=hist.astype(np.int64), log_loss=Moments.of(ws, loss, n_windows),
                  calibration=np.ascontiguousarray(calibration.transpose(1, 0, 2)))
    if not enc.binary:
        return out
    other = 1 - ts  # the same rows read with the other class positive (the score unchanged)
    swapped = calibration_sums(ws, other, score, True, n_windows, calibration_bins)
    return replace(out, log_loss_swapped=Moments.of(ws, log_loss_terms(other, score, True), n_windows),
                   calibration_swapped=np.ascontiguousarray(swapped.transpose(1, 0, 2)))


def summarise_regression(window: npt.ArrayLike, y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, n_windows: int,
                         kll_k: int = 200) -> ModelSummary:
    """The summary of a regressor's outputs per window (arguments as
    :func:`seismo.concept.metrics.regression_by_window`)."""
    yt = np.asarray(y_true)
    if yt.ndim != 1:
        raise InputError(f"y_true must be 1-D, got shape {yt.shape}")
    t = floats(yt, "y_true", yt.size)
    p = floats(y_pred, "y_pred", yt.size)
    w = check_window(window, n_windows, yt.size)
    placed = w >= 0
    rows = np.bincount(w[placed], minlength=n_windows).astype(np.int64)
    labelled = _labelled_rows(w, ~np.isnan(t), n_windows)
    predicted = _labelled_rows(w, ~np.isnan(p), n_windows)
    m = placed & ~np.isnan(t) & ~np.isnan(p)
    wm, tm, pm = w[m], t[m], p[m]
    err = np.abs(pm - tm)
    nz = tm != 0
    order = np.argsort(wm, kind="stable")
    resid = (pm - tm)[order]
    bounds = np.searchsorted(wm[order], np.arange(n_windows + 1))
    residuals = tuple(QuantileSketch.from_values(resid[bounds[i]:bounds[i + 1]], k=kll_k) for i in range(n_windows))
    return ModelSummary("regression", rows, labelled, predicted, abs_error=Moments.of(wm, err, n_windows),
                        sq_error=Moments.of(wm, err * err, n_windows),
                        ape=Moments.of(wm[nz], err[nz] / np.abs(tm[nz]), n_windows), residuals=residuals)
