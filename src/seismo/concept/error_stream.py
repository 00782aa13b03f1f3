"""Streaming detectors over the model's error stream (``concept.error_stream``).

When the current table carries a timestamp, the label and a prediction, its rows are put in time
order and the model's errors (1 where a classifier erred; the absolute error of a regressor) are
fed to ADWIN (Bifet & Gavaldà 2007), and for a classifier also to DDM (Gama et al. 2004), with
river's default parameters. A detector signals after the error level changed, by its delay, and
over a long stream an occasional signal is expected by chance (each is a test at ADWIN's
``delta``). So each signal is placed where its segment's level most likely changed (the split of
the errors between the signals before and after it that maximises the standardised difference of
their means, the CUSUM estimate), and a finding is made only when, at the best of those places,
the error level after is higher than before, by a one-sided z-test at :data:`ALPHA` over the
number of signals tried (Bonferroni; two proportions for a classifier, Welch for a regressor).
The finding gives that change point and the times of every signal, so the retraining window can
start there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.concept._task import label_arrays, missing_labels, require_prediction
from seismo.data.schema import Role
from seismo.report.model import FailureMode, Finding, Severity
from seismo.data.time import plausible_times

__all__ = ["ALPHA", "ChangePoint", "change_point", "check_error_stream", "error_stream", "error_stream_of", "errors_of"]

ALPHA = 0.001
_MIN_SIDE = 30


def error_stream(y: np.ndarray[Any, Any], y_pred: np.ndarray[Any, Any], kind: str) -> np.ndarray[Any, Any]:
    """Per row the model's error (NaN where the label or the prediction is missing)."""
    if kind == "regression":
        return np.asarray(np.abs(y.astype(np.float64) - y_pred.astype(np.float64)), dtype=np.float64)
    missing = missing_labels(y) | missing_labels(y_pred)
    wrong = np.asarray(y != y_pred, dtype=np.float64)
    return np.asarray(np.where(missing, np.nan, wrong), dtype=np.float64)


def errors_of(frame: pl.DataFrame, task: Any) -> np.ndarray[Any, Any]:
    """The per-row error of a table (NaN where the label or the prediction is missing)."""
    y, y_pred = label_arrays(frame, task)
    if y_pred is None:
        return np.full(frame.height, np.nan)
    return error_stream(y, y_pred, task.kind)



@dataclass(frozen=True)
class ChangePoint:
    """Where the current table's error level rose: the first detection of the detectors over its
    error stream in time order, when the level after it is higher than before it (:data:`ALPHA`)."""

    at: int
    """Position of the first detection in the time-ordered stream."""
    when: datetime
    before: float
    after: float
    statistic: float
    p_value: float
    detections: dict[str, list[datetime]]
    rows: np.ndarray[Any, Any]
    """The current's row positions in time order (those with a time, a label and a prediction):
    ``rows[:at]`` come before the change, ``rows[at:]`` after it."""


def error_stream_of(ctx: ScanContext) -> tuple[np.ndarray[Any, Any], list[datetime], np.ndarray[Any, Any], Any]:
    """The current's errors in time order, their times, their row positions and the task;
    :class:`~seismo.checks.NotApplicable` when there is no such stream to watch."""
    ts = ctx.schema.first(Role.TIMESTAMP)
    if ctx.current is None:
        raise NotApplicable("needs the current table's rows, in time order")
    task = require_prediction(ctx)
    if ts is None or ts not in ctx.current.frame.columns:
        raise NotApplicable(f"the current table has no timestamp column {ts!r}" if ts else
                            "no timestamp column (--timestamp)")
    frame = ctx.current.frame
    utc = ctx.utc_times("current")
    if utc is None:
        raise NotApplicable(f"the current's timestamp {ts!r} cannot be read as times")
    times = plausible_times(utc)  # epoch-zero placeholders left out
    order = times.arg_sort(nulls_last=True).to_numpy()
    n_timed = times.len() - times.null_count()
    order = order[:n_timed]
    errors = errors_of(frame, task)[order]
    keep = np.isfinite(errors)
    errors, rows, when = errors[keep], order[keep], times.gather(pl.Series(order[keep])).to_list()
    if errors.size < 2 * _MIN_SIDE:
        raise NotApplicable(f"only {errors.size} current rows with a time, a label and a prediction, below the "
                            f"{2 * _MIN_SIDE} the detectors need")
    return errors, when, rows, task


def change_point(ctx: ScanContext) -> ChangePoint | None:
    """The current's change point of the error level (None when its errors did not rise), computed
    once per scan; :class:`~seismo.checks.NotApplicable` when there is no error stream."""
    def compute() -> ChangePoint | None | str:
        try:
            errors, when, rows, task = error_stream_of(ctx)
        except NotApplicable as exc:
            return exc.reason
        return _change(errors, when, rows, task.kind)

    found = ctx.derived("concept.error_stream:change_point", compute)
    if isinstance(found, str):
        raise NotApplicable(found)
    return found


def check_error_stream(ctx: ScanContext) -> list[Finding]:
    """The detectors over the current table's error stream, in time order."""
    found = change_point(ctx)
    if found is None:
        return []
    task = require_prediction(ctx)
    return [_finding(found, task.kind, task.target)]


def _detections(errors: np.ndarray[Any, Any], kind: str) -> dict[str, list[int]]:
    from seismo.stream import ADWIN, DDM

    found = {"ADWIN": ADWIN().update_many(errors)}
    if kind == "classification":
        found["DDM"] = DDM().update_many(errors)
    return found


def _change(errors: np.ndarray[Any, Any], when: list[datetime], rows: np.ndarray[Any, Any],
            kind: str) -> ChangePoint | None:
    found = _detections(errors, kind)
    candidates = sorted({i for p in found.values() for i in p if _MIN_SIDE <= i <= errors.size - _MIN_SIDE})
    if not candidates:
        return None
    best: tuple[float, float, int] | None = None
    for j, hit in enumerate(candidates):  # each detection's segment: from the one before it to the one after
        lo = candidates[j - 1] if j else 0
        hi = candidates[j + 1] if j + 1 < len(candidates) else errors.size
        at = _locate(errors, lo, hit, hi)
        z, p = _rise(errors[:at], errors[at:], kind)
        if best is None or z > best[0]:
            best = (z, p, at)
    assert best is not None
    z, p, at = best
    if not (p <= ALPHA / len(candidates)):  # Bonferroni over the detections tried
        return None
    return ChangePoint(at, when[at], float(errors[:at].mean()), float(errors[at:].mean()), z, p,
                       {k: [when[i] for i in v] for k, v in found.items()}, rows)


def _locate(errors: np.ndarray[Any, Any], lo: int, hit: int, hi: int) -> int:
    """Where in ``errors[lo:hi]`` the level most likely changed, at or before the detection ``hit``
    (a detector signals after the change, by its delay): the split that maximises the standardised
    difference of the mean after and before (the CUSUM estimate of one change point; Page 1954,
    Hinkley 1971), keeping :data:`_MIN_SIDE` rows each side."""
    seg = errors[lo:hi]
    n = seg.size
    k = np.arange(1, n)
    total = np.cumsum(seg)
    before = total[:-1] / k
    after = (total[-1] - total[:-1]) / (n - k)
    stat = (after - before) * np.sqrt(k * (n - k) / n)
    allowed = (k + lo >= _MIN_SIDE) & (k + lo <= hit) & (errors.size - (k + lo) >= _MIN_SIDE)
    if not allowed.any():
        return hit
    return int(lo + k[allowed][np.argmax(stat[allowed])])


def _finding(cp: ChangePoint, kind: str, target: str) -> Finding:
    level = "error rate" if kind == "classification" else "mean absolute error"
    b, a = cp.before, cp.after
    at = f"{cp.when:%Y-%m-%d %H:%M} UTC"
    detectors = ", ".join(k for k, v in cp.detections.items() if v)
    return Finding(
        check="concept.error_stream",
        failure_mode=FailureMode.CONCEPT_DRIFT,
        severity=Severity.HIGH if (a - b >= 0.05 if kind == "classification" else a >= 1.25 * b) else Severity.MEDIUM,
        columns=(target,),
        message=f"the model's {level} rose from {b:.3g} to {a:.3g} at {at} "
        f"({', '.join(f'{k} at {len(v)} point(s)' for k, v in cp.detections.items() if v)})",
        evidence={"test": "one-sided z-test, error level after vs before the first detection", "statistic": cp.statistic,
                  "p_value": cp.p_value, "alpha": ALPHA, "effect_size": "rise", "effect": a - b, "before": b,
                  "after": a, "rows_before": cp.at, "rows_after": int(cp.rows.size - cp.at),
                  "threshold": f"p <= {ALPHA}", "change_point": cp.when.isoformat(),
                  "detections": {k: [t.isoformat() for t in v[:50]] for k, v in cp.detections.items()},
                  "detectors": "ADWIN(delta=0.002)" + (", DDM()" if kind == "classification" else ""),
                  "summary": f"errors changed level at {at} ({b:.3g} → {a:.3g}, {detectors})"},
        recommendation=f"The errors changed level at {at}: retrain on labelled data from "
        "that point on, after checking the inputs for a pipeline change at the same time.",
        id="concept.error_stream",
    )


def _rise(before: np.ndarray[Any, Any], after: np.ndarray[Any, Any], kind: str) -> tuple[float, float]:
    from scipy import stats

    nb, na = before.size, after.size
    if kind == "classification":
        pooled = (before.sum() + after.sum()) / (nb + na)
        se = math.sqrt(max(pooled * (1 - pooled), 0.0) * (1 / nb + 1 / na))
    else:
        se = math.sqrt(before.var(ddof=1) / nb + after.var(ddof=1) / na)
    if se == 0:
        return 0.0, 1.0
    z = float((after.mean() - before.mean()) / se)
    return z, float(stats.norm.sf(z))
