"""The generalisation gap (``concept.generalisation_gap``): the model's error on its training
rows, on held-out validation rows and on serving rows, compared two steps at a time.

- training -> validation: the model does much better on rows it was fit on than on rows it was
  not: **overfitting** (memorised noise, a leak inside training, too little regularisation);
- validation -> serving: the model did well on held-out rows of the training population and worse
  in serving: **training-serving skew or drift** (the shift and skew findings say which inputs).

Each step is a one-sided Welch z-test of the per-row error (0/1 for a classifier, the absolute
error for a regressor) at :data:`ALPHA`, and the gap must reach :data:`MIN_GAP_RATE` (error rate)
or :data:`MIN_GAP_RELATIVE` of the earlier error (regression), so that a large sample alone does
not make a negligible gap a finding. The training rows are the scan's reference, the serving rows
its current table, and the validation rows come from ``validation=`` (``--validation FILE``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.concept._task import require_prediction
from seismo.concept.error_stream import errors_of as _errors_of
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["ALPHA", "MIN_GAP_RATE", "MIN_GAP_RELATIVE", "MIN_ROWS", "check_generalisation_gap"]

ALPHA = 0.001
MIN_GAP_RATE = 0.02
"""Smallest error-rate gap reported (two points)."""
MIN_GAP_RELATIVE = 0.1
"""Smallest regression gap reported: a tenth of the earlier mean absolute error."""
MIN_ROWS = 30
"""Rows with a label and a prediction each table of a step needs."""


def _errors(frame: Any, task: Any) -> np.ndarray[Any, Any]:
    if task.target not in frame.columns or task.prediction not in frame.columns:
        return np.empty(0)
    e = _errors_of(frame, task)
    return np.asarray(e[np.isfinite(e)], dtype=np.float64)


def _step(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any], kind: str) -> dict[str, Any] | None:
    from scipy import stats

    if a.size < MIN_ROWS or b.size < MIN_ROWS:
        return None
    gap = float(b.mean() - a.mean())
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    z = gap / se if se > 0 else 0.0
    p = float(stats.norm.sf(z)) if se > 0 else 1.0
    minimum = MIN_GAP_RATE if kind == "classification" else MIN_GAP_RELATIVE * float(a.mean())
    return {"before": float(a.mean()), "after": float(b.mean()), "gap": gap, "z": z, "p_value": p,
            "minimum": minimum, "rows_before": int(a.size), "rows_after": int(b.size),
            "significant": bool(p <= ALPHA and gap >= minimum)}


def check_generalisation_gap(ctx: ScanContext) -> list[Finding]:
    """Overfitting (training -> validation) and skew or drift (validation -> serving)."""
    task = require_prediction(ctx)
    validation = ctx.options.get("validation")
    if validation is None:
        raise NotApplicable("no validation table (--validation)")
    assert ctx.reference is not None and ctx.current is not None
    vframe = validation.frame if hasattr(validation, "frame") else validation
    if not isinstance(vframe, pl.DataFrame):
        raise NotApplicable(f"the validation table cannot be read as rows (a {type(vframe).__name__})")
    lacking = [c for c in (task.target, task.prediction) if c not in vframe.columns]
    if lacking:
        what = "target" if lacking[0] == task.target else "prediction"
        raise NotApplicable(f"the validation table has no {what} column {lacking[0]!r}")
    if task.kind == "classification" and not task.text and any(
            c in vframe.columns and not (vframe.schema[c].is_numeric() or vframe.schema[c] == pl.Boolean)
            for c in (task.target, task.prediction)):
        task = replace(task, text=True)  # text labels in the validation rows: compare every table as text
    train = _errors(ctx.reference.frame, task)
    valid = _errors(vframe, task)
    serve = _errors(ctx.current.frame, task)
    fit, held = _step(train, valid, task.kind), _step(valid, serve, task.kind)
    if fit is None and held is None:
        few = min((("training", train.size), ("validation", valid.size), ("serving", serve.size)), key=lambda t: t[1])
        raise NotApplicable(f"only {few[1]} {few[0]} rows with a label and a prediction, below the {MIN_ROWS} "
                            "each step needs")
    what = "error rate" if task.kind == "classification" else "mean absolute error"
    out = []
    if fit is not None and fit["significant"]:
        out.append(_finding("overfitting", "training", "validation", what, fit, task,
                            "The model fits its training rows far better than held-out rows: regularise, simplify, "
                            "or collect more data; check for a leak that exists only inside the training rows "
                            "(duplicates, a feature computed on the whole set)."))
    if held is not None and held["significant"]:
        out.append(_finding("skew_or_drift", "validation", "serving", what, held, task,
                            "Held-out rows of the training population were fine, serving rows are not: the serving "
                            "data differs. Read the skew and shift findings for the inputs that moved; fix a pipeline "
                            "difference upstream, or retrain on recent data if the world moved."))
    return out


def _finding(diagnosis: str, a: str, b: str, what: str, step: dict[str, Any], task: Any, advice: str) -> Finding:
    big = step["gap"] >= 2.5 * step["minimum"]
    label = "overfitting" if diagnosis == "overfitting" else "training-serving skew or drift"
    return Finding(
        check="concept.generalisation_gap",
        failure_mode=FailureMode.OVERFITTING if diagnosis == "overfitting" else FailureMode.CONCEPT_DRIFT,
        severity=Severity.HIGH if big else Severity.MEDIUM,
        columns=(task.target, task.prediction),
        message=f"{label}: the {what} goes from {step['before']:.3g} on {a} rows to {step['after']:.3g} on {b} rows",
        evidence={"diagnosis": diagnosis, "from": a, "to": b, "test": "one-sided Welch z-test of the per-row error",
                  "statistic": step["z"], "p_value": step["p_value"], "alpha": ALPHA, "effect_size": "gap",
                  "effect": step["gap"], "threshold": step["minimum"], "error_before": step["before"],
                  "error_after": step["after"], "rows_before": step["rows_before"], "rows_after": step["rows_after"]},
        recommendation=advice,
        id=f"concept.generalisation_gap:{diagnosis}",
    )
