"""Streaming detectors over the model's error stream (``concept.error_stream``).

When the current table carries a timestamp, the label and a prediction, its rows are put in time
order and the model's errors (1 where a classifier erred; the absolute error of a regressor) are
fed to ADWIN (Bifet & Gavaldà 2007), and for a classifier also to DDM (Gama et al. 2004), with
river's default parameters. A detector signals where the error level changed; over a long stream
an occasional signal is expected by chance (each is a test at ADWIN's ``delta``), so a finding is
made only when the error level after the first signal is higher than before it, by a one-sided
z-test at :data:`ALPHA` (two proportions for a classifier, Welch for a regressor). The finding
gives the times of every signal, so the retraining window can start there.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.concept._task import label_arrays, missing_labels, require_prediction
from seismo.data.schema import Role
from seismo.report.model import FailureMode, Finding, Severity
from seismo.data.time import plausible_times

__all__ = ["ALPHA", "check_error_stream", "error_stream", "errors_of"]

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



def check_error_stream(ctx: ScanContext) -> list[Finding]:
    """The detectors over the current table's error stream, in time order."""
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
    errors, when = errors[keep], times.gather(pl.Series(order[keep])).to_list()
    if errors.size < 2 * _MIN_SIDE:
        raise NotApplicable(f"only {errors.size} current rows with a time, a label and a prediction, below the "
                            f"{2 * _MIN_SIDE} the detectors need")
    return _judge(errors, when, task.kind, task.target)


def _detections(errors: np.ndarray[Any, Any], kind: str) -> dict[str, list[int]]:
    from seismo.stream import ADWIN, DDM

    found = {"ADWIN": ADWIN().update_many(errors)}
    if kind == "classification":
        found["DDM"] = DDM().update_many(errors)
    return found


def _judge(errors: np.ndarray[Any, Any], when: list[datetime], kind: str, target: str) -> list[Finding]:
    found = _detections(errors, kind)
    first = min((p[0] for p in found.values() if p), default=None)
    if first is None or first < _MIN_SIDE or errors.size - first < _MIN_SIDE:
        return []
    before, after = errors[:first], errors[first:]
    z, p = _rise(before, after, kind)
    if not (p <= ALPHA):
        return []
    level = "error rate" if kind == "classification" else "mean absolute error"
    b, a = float(before.mean()), float(after.mean())
    return [Finding(
        check="concept.error_stream",
        failure_mode=FailureMode.CONCEPT_DRIFT,
        severity=Severity.HIGH if (a - b >= 0.05 if kind == "classification" else a >= 1.25 * b) else Severity.MEDIUM,
        columns=(target,),
        message=f"the model's {level} rose from {b:.3g} to {a:.3g} at {when[first]:%Y-%m-%d %H:%M} UTC "
        f"({', '.join(f'{k} at {len(v)} point(s)' for k, v in found.items() if v)})",
        evidence={"test": "one-sided z-test, error level after vs before the first detection", "statistic": z,
                  "p_value": p, "alpha": ALPHA, "effect_size": "rise", "effect": a - b, "before": b, "after": a,
                  "rows_before": int(before.size), "rows_after": int(after.size), "threshold": f"p <= {ALPHA}",
                  "detections": {k: [when[i].isoformat() for i in v[:50]] for k, v in found.items()},
                  "detectors": "ADWIN(delta=0.002)" + (", DDM()" if kind == "classification" else "")},
        recommendation=f"The errors changed level at {when[first]:%Y-%m-%d %H:%M} UTC: retrain on labelled data from "
        "that point on, after checking the inputs for a pipeline change at the same time.",
        id="concept.error_stream",
    )]


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
