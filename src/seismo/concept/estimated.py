"""Performance without labels, and the gap once labels arrive (``concept.estimated_performance``,
``concept.estimate_gap``).

With a probability column, :class:`~seismo.concept.estimate.PerformanceEstimator` is calibrated on
the labelled reference and estimates accuracy, precision, recall, F1 and ROC AUC for every window
of the current table from the scores alone. The estimate assumes that P(y|x) did not change (a
shift of the inputs is allowed: that is what it measures).

- Windows whose labels have not arrived (fewer than 30 labelled rows): a window is reported when
  its estimate's band lies below the reference's cross-fitted estimate by the normal quantile of
  :data:`ALPHA` (Bonferroni over windows x metrics) -- the model is expected to do worse there
  because the inputs moved into regions where it is less sure.
- Windows with labels: the realised metric is compared with the estimate; a gap whose ``z`` (on
  the realised metric's sampling sd and the calibration's) is below minus the normal quantile of
  :data:`ALPHA` after Bonferroni over windows x metrics means the scores no longer mean what they
  meant on the reference: the relation changed (concept drift); the gap must also reach
  :data:`MIN_GAP`, and, with three windows or more, hold in at least two consecutive windows (a
  changed relation persists; a one-window dip is chance or an incident).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from seismo.checks import NotApplicable, ScanContext
from seismo.concept._task import (
    MIN_WINDOW_ROWS,
    Task,
    Windows,
    absent_from,
    label_arrays,
    missing_labels,
    require_task,
    time_windows,
)
from seismo.data.time import window_name
from seismo.data.schema import Role
from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["ALPHA", "MIN_GAP", "check_estimate_gap", "check_estimated_performance"]

ALPHA = 0.01
MIN_GAP = 0.03
"""A realised metric must also fall this far below its estimate: beyond the estimator's own error
where the truth is known (at most 0.013 over 100 seeded known-truth runs; ``estimate.py``)."""
_METRICS = ("accuracy", "roc_auc", "f1")


def _current_windows(ctx: ScanContext) -> Windows:
    assert ctx.current is not None
    w = time_windows(ctx.current.frame, ctx.schema.first(Role.TIMESTAMP), times=ctx.utc_times("current"))
    return w if w is not None else Windows.whole(ctx.current.frame.height)


def _finite_rows(p: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    finite = np.isfinite(p)
    return np.asarray(finite if p.ndim == 1 else finite.all(axis=1), dtype=bool)


def _fill_proba(p: np.ndarray[Any, Any], scored: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Unscored rows (their window is -1) given a valid placeholder so the estimator accepts the array."""
    out = p.copy()
    out[~scored] = 0.5 if p.ndim == 1 else 1.0 / p.shape[1]
    return out


@dataclass(frozen=True)
class _Halves:
    """The estimate and the gap, computed once for both checks: their findings, and for a check
    whose half judged no window, why (check name -> reason)."""

    findings: tuple[Finding, ...]
    unjudged: dict[str, str]


def check_estimated_performance(ctx: ScanContext) -> list[Finding]:
    """Label-free estimates per window still waiting for its labels (``concept.estimated_performance``)."""
    return _half(ctx, "concept.estimated_performance")


def check_estimate_gap(ctx: ScanContext) -> list[Finding]:
    """The gap between the estimate and the realised metric where labels exist (``concept.estimate_gap``)."""
    return _half(ctx, "concept.estimate_gap")


def _half(ctx: ScanContext, name: str) -> list[Finding]:
    done = ctx.derived("concept.estimated", lambda: _halves(ctx))
    if isinstance(done, str):
        raise NotApplicable(done)
    if name in done.unjudged:
        raise NotApplicable(done.unjudged[name])
    return [f for f in done.findings if f.check == name]


def _halves(ctx: ScanContext) -> _Halves | str:
    try:
        return _estimate(ctx)
    except NotApplicable as exc:  # kept, so that the other half does not compute it again
        return exc.reason


def _scores_lacking(ctx: ScanContext, task: Task) -> str:
    """Why a task without probabilities has none ("" when it has them)."""
    if task.kind != "classification":
        return "a regression target: label-free estimates need a classifier's probabilities"
    if task.proba is not None or task.class_proba:
        return ""
    for column in ctx.columns_with(Role.PROBABILITY):
        where = absent_from(ctx, column)
        if where:
            return f"the {where} table has no probability column {column!r}"
    return "no probability column (--proba): label-free estimates read the model's scores"


def _estimate(ctx: ScanContext) -> _Halves:
    """Label-free estimates per window, and the gap to the realised metrics where labels exist."""
    from seismo.concept.estimate import PerformanceEstimator

    target = ctx.schema.first(Role.TARGET)
    if (ctx.columns_with(Role.PROBABILITY) and absent_from(ctx, target) == "current"
            and ctx.reference is not None and target is not None and target in ctx.reference.frame.columns):
        raise NotApplicable(f"the current table has no target column {target!r}: add it, empty where the labels "
                            "have not arrived, for label-free estimates")
    task = require_task(ctx)
    why = _scores_lacking(ctx, task)
    if why:
        raise NotApplicable(why)
    assert ctx.reference is not None and ctx.current is not None
    y_ref, _ = label_arrays(ctx.reference.frame, task)
    p_ref, p_cur = task.proba_matrix(ctx.reference.frame), task.proba_matrix(ctx.current.frame)
    assert p_ref is not None and p_cur is not None
    keep = _finite_rows(p_ref) & ~missing_labels(y_ref)
    try:
        classes = task.classes or ([task.negative, task.positive] if task.positive is not None else None)
        est = PerformanceEstimator().fit(y_ref[keep], p_ref[keep], classes=classes)
    except InputError as exc:  # not a classification with usable scores: the other checks report why
        raise NotApplicable(f"the reference's scores cannot be calibrated: {exc}") from None
    windows = _current_windows(ctx)
    scored = _finite_rows(p_cur)
    index = np.where(scored, windows.index, -1)
    p_fill = _fill_proba(p_cur, scored)
    estimated = est.estimate(p_fill, window=index, n_windows=windows.count)
    y_cur, _ = label_arrays(ctx.current.frame, task)
    labelled = ~missing_labels(y_cur) & scored
    per_window = np.bincount(index[labelled & (index >= 0)], minlength=windows.count)
    unjudged: dict[str, str] = {}
    out = _unlabelled(task, est, estimated, windows, per_window)
    why = _estimate_unjudged(est, estimated, windows, per_window)
    if why:
        unjudged["concept.estimated_performance"] = why
    n_labelled = int(labelled.sum())
    if n_labelled >= MIN_WINDOW_ROWS:
        lab_index = np.where(labelled, index, -1)  # the realised metric exists on the labelled rows only
        on_labelled = est.estimate(p_fill, window=lab_index, n_windows=windows.count)
        compared = est.compare(on_labelled, _fill(y_cur, labelled, est), p_fill, window=lab_index,
                               n_windows=windows.count)
        out += _gaps(task, compared, windows, per_window)
        why = _gap_unjudged(compared, windows, per_window)
        if why:
            unjudged["concept.estimate_gap"] = why
    else:
        unjudged["concept.estimate_gap"] = (f"only {n_labelled} labelled, scored rows in the current, below the "
                                            f"{MIN_WINDOW_ROWS} the comparison with the estimate needs")
    return _Halves(tuple(out), unjudged)


def _estimate_unjudged(est: Any, estimated: dict[str, Any], windows: Windows, per_window: np.ndarray[Any, Any]) -> str:
    """Why no window waiting for its labels was judged ("" when one was), by :func:`_unlabelled`'s rule."""
    waiting = per_window < MIN_WINDOW_ROWS
    based = [estimated[n] for n in _METRICS if n in estimated and est.reference_estimated_.get(n) is not None
             and math.isfinite(est.reference_estimated_[n])]
    if not based:
        return "no metric has a label-free estimate on the reference"
    if any((waiting & (s.rows >= MIN_WINDOW_ROWS) & np.isfinite(s.values)).any() for s in based):
        return ""
    most = max(int(s.rows.max(initial=0)) for s in based)
    if most < MIN_WINDOW_ROWS:
        if windows.starts is None:
            return f"only {most} scored rows in the current, below the {MIN_WINDOW_ROWS}-row minimum"
        return (f"{window_name(windows.every)} of the current hold {most} scored rows at most, below the "
                f"{MIN_WINDOW_ROWS}-row minimum")
    if not any((waiting & (s.rows >= MIN_WINDOW_ROWS)).any() for s in based):
        return (f"every window of the current with {MIN_WINDOW_ROWS} scored rows or more already has "
                f"{MIN_WINDOW_ROWS} labels or more: the realised metrics are judged instead (concept.estimate_gap)")
    return "no metric could be estimated in a window still waiting for its labels"


def _gap_unjudged(compared: dict[str, Any], windows: Windows, per_window: np.ndarray[Any, Any]) -> str:
    """Why no labelled window was compared with its estimate ("" when one was), by :func:`_gaps`' rule."""
    judged = per_window >= MIN_WINDOW_ROWS
    if not judged.any():
        return (f"{window_name(windows.every)} of the current hold {int(per_window.max(initial=0))} labelled rows at most, "
                f"below the {MIN_WINDOW_ROWS}-row minimum")
    for name in _METRICS:
        c = compared.get(name)
        if c is not None and any(judged[i] and c["z"][i] is not None for i in range(windows.count)):
            return ""
    return "no metric could be set against its estimate in a window with labels"


def _fill(y: np.ndarray[Any, Any], labelled: np.ndarray[Any, Any], est: Any) -> np.ndarray[Any, Any]:
    """Labels with the unlabelled rows (left out by their window of -1) given a valid class."""
    filler = est.classes_[0]
    out = y.astype(object).copy()
    out[~labelled] = filler
    return out


def _unlabelled(task: Task, est: Any, estimated: dict[str, Any], windows: Windows,
                per_window: np.ndarray[Any, Any]) -> list[Finding]:
    from scipy import stats

    waiting = per_window < MIN_WINDOW_ROWS
    out = []
    tests = max(1, int(waiting.sum()) * len(_METRICS))
    z_crit = float(stats.norm.isf(ALPHA / tests))
    z_band = float(stats.norm.ppf(0.5 + est.level / 2))
    for name in _METRICS:
        series, base = estimated.get(name), est.reference_estimated_.get(name)
        if series is None or base is None or not math.isfinite(base):
            continue
        sd = (series.upper - series.lower) / (2 * z_band)
        with np.errstate(invalid="ignore"):
            alert = waiting & (series.rows >= MIN_WINDOW_ROWS) & (base - series.values >= z_crit * sd) & (sd > 0)
        if alert.any():
            out.append(_finding("concept.estimated_performance", task, name, series, alert, windows, base,
                                f"estimated {name} (no labels yet) falls below the reference's",
                                "The scores say the model is less sure here: the inputs moved into regions it finds "
                                "hard. Label a sample of these windows to confirm; read the shift findings for the "
                                "inputs that moved. Assumes P(y|x) unchanged."))
    return out


def _gaps(task: Task, compared: dict[str, Any], windows: Windows, per_window: np.ndarray[Any, Any]) -> list[Finding]:
    from scipy import stats

    tests = max(1, int((per_window >= MIN_WINDOW_ROWS).sum()) * len(_METRICS))
    z_crit = float(stats.norm.isf(ALPHA / tests))  # one-sided, Bonferroni over windows x metrics
    gaps: dict[str, dict[str, Any]] = {}
    for name in _METRICS:
        c = compared.get(name)
        if c is None:
            continue
        z = np.array([math.nan if v is None else v for v in c["z"]], dtype=np.float64)
        realised = np.array([math.nan if v is None else v for v in c["realised"]], dtype=np.float64)
        estimated = np.array([math.nan if v is None else v for v in c["estimated"]], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            alert = (per_window >= MIN_WINDOW_ROWS) & (z <= -z_crit) & (estimated - realised >= MIN_GAP)
        alert = _persistent(alert, per_window >= MIN_WINDOW_ROWS, windows.starts)
        if not alert.any():
            continue
        worst = int(np.nanargmin(np.where(alert, z, np.nan)))
        first = windows.starts[int(np.flatnonzero(alert)[0])] if windows.starts is not None else None
        gaps[name] = {
            "statistic": float(z[worst]), "effect": float(realised[worst] - estimated[worst]),
            "realised": float(realised[worst]), "estimated": float(estimated[worst]),
            "windows_alerting": int(alert.sum()), "first_window": first.isoformat() if first is not None else None,
            "windows": [{"start": windows.starts[i].isoformat() if windows.starts is not None else None,
                         "estimated": c["estimated"][i], "realised": c["realised"][i], "z": c["z"][i],
                         "labelled_rows": int(per_window[i])} for i in range(windows.count)]}
    if not gaps:
        return []
    # one cause, one finding: every metric whose realised value fell below the estimate, led by the first of _METRICS
    lead = next(n for n in _METRICS if n in gaps)
    head = gaps[lead]
    firsts = [g["first_window"] for g in gaps.values() if g["first_window"] is not None]
    shown = ", ".join(f"{n} {g['realised']:.3f} against {g['estimated']:.3f}" for n, g in gaps.items())
    return [Finding(
        check="concept.estimate_gap",
        failure_mode=FailureMode.CONCEPT_DRIFT,
        severity=Severity.HIGH if any(g["estimated"] - g["realised"] >= 0.05 for g in gaps.values()) else Severity.MEDIUM,
        columns=(task.target, *([task.proba] if task.proba else [c for _, c in task.class_proba])),
        message=f"the realised metrics fall below what the calibrated scores predict in {head['windows_alerting']} "
        f"window(s): {shown} (realised against estimated, worst window)",
        evidence={"metric": lead, "metrics": {n: {k: v for k, v in g.items() if k != "windows"} for n, g in gaps.items()},
                  "test": "realised vs estimated, z on the realised metric's sampling sd",
                  "statistic": head["statistic"], "threshold": -z_crit, "alpha": ALPHA, "effect_size": "gap",
                  "effect": head["effect"], "first_window": min(firsts) if firsts else None,
                  "windows": head["windows"],
                  "summary": f"the scores expected {lead} {head['estimated']:.3f}, it was {head['realised']:.3f}"},
        recommendation="The scores no longer mean what they meant in training: the relation between inputs and "
        "target changed. Retrain on recent labelled data; until then, do not trust score thresholds.",
        id="concept.estimate_gap:gap",
    )]


def _persistent(alert: np.ndarray[Any, Any], judged: np.ndarray[Any, Any],
                starts: list[Any] | None = None) -> np.ndarray[Any, Any]:
    """Alerts that belong to a run of at least two consecutive judged windows (when there are three
    or more; with times, adjacent in time, not merely in the list): a changed relation persists, a
    one-window dip is chance or an incident."""
    idx = np.flatnonzero(judged)
    if idx.size < 3:
        return alert
    a = alert[idx]
    nxt = np.ones(idx.size - 1, dtype=bool)
    if starts is not None:
        gaps = np.array([(starts[j] - starts[i]).total_seconds() for i, j in zip(idx[:-1], idx[1:], strict=True)])
        nxt = gaps <= gaps.min() * 1.5  # next to each other: no empty window between them
    run = a & (np.r_[False, a[:-1] & nxt] | np.r_[a[1:] & nxt, False])
    out = np.zeros_like(alert)
    out[idx] = run
    return out


def _finding(check: str, task: Task, name: str, series: Any, alert: np.ndarray[Any, Any], windows: Windows,
             base: float, what: str, advice: str) -> Finding:
    idx = np.flatnonzero(alert)
    worst = int(idx[np.argmin(series.values[idx])])
    return Finding(
        check=check,
        failure_mode=FailureMode.CONCEPT_DRIFT,
        severity=Severity.MEDIUM,
        columns=(task.proba,) if task.proba else (task.target,),
        message=f"{what} in {len(idx)} window(s): {float(series.values[worst]):.3f} against {base:.3f}",
        evidence={"metric": name, "assumption": "P(y|x) unchanged since the reference", "statistic":
                  float(series.values[worst]), "reference_estimate": base, "effect_size": "drop",
                  "effect": base - float(series.values[worst]), "threshold": "band below the reference estimate",
                  "windows": [{"start": windows.starts[i].isoformat() if windows.starts is not None else None,
                               **series.to_list()[i], "alert": bool(alert[i])} for i in range(windows.count)]},
        recommendation=advice,
        id=f"{check}:{name}",
    )
