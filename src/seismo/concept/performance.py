"""Performance over time (``concept.performance``): the model's metrics per window of the current
(serving) data, with confidence bands, against thresholds derived from the reference.

Metrics: classification accuracy, precision, recall, F1, ROC AUC, log loss and calibration error
(the last three need a probability column); regression MAE, RMSE and MAPE
(:mod:`seismo.concept.metrics`). Rows whose label has not arrived yet are left out.

Threshold. A window's metric is compared with the reference's metric ``m0``. The reference is cut
the same way (windows of the same length by its timestamp, else ten row-order chunks); the spread
of the metric over those pieces, less their sampling variance, is the metric's natural variation
``tau^2`` (a method-of-moments estimate, as in DerSimonian & Laird 1986). A window alerts when

    (m0 - m_w) * direction / sqrt(tau^2 + se_w^2 + se_0^2) >= z

where ``se`` are the sampling standard errors of the window's and the reference's metric (from
their confidence bands) and ``z`` is the normal quantile of :data:`ALPHA` after Bonferroni over
windows x metrics. ``m0`` is the row-weighted mean over the reference's time windows when
it has them (so a metric biased in small samples, such as the calibration error, is held to its
own small-sample level; the calibration error is judged only then), else the whole reference's
value. The threshold is therefore wider for small windows and for a metric that wobbles naturally, and a large sample alone never makes a negligible drop an alarm once the
reference shows how much the metric moves by itself. Without a timestamp the whole current table
is one window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from seismo.checks import NotApplicable, ScanContext
from seismo.concept._task import (
    MIN_WINDOW_ROWS,
    REFERENCE_CHUNKS,
    Task,
    Windows,
    reference_windows,
    require_task,
    time_windows,
)
from seismo.data.time import window_name
from seismo.data.schema import Role
from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Finding, Severity
from seismo.stats.numbers import finite_or_none as _num

__all__ = ["ALPHA", "check_performance", "performance_series"]

ALPHA = 0.01
"""Family-wise level over the windows and metrics of one scan (Bonferroni)."""
_RATE_METRICS = {"accuracy", "precision", "recall", "f1", "roc_auc", "calibration_error"}
_BIG_DROP_RATE, _BIG_DROP_RELATIVE = 0.05, 0.25


@dataclass(frozen=True)
class _Judged:
    metric: str
    higher_is_better: bool
    reference: float
    tau: float
    z_crit: float
    values: np.ndarray[Any, Any]
    lower: np.ndarray[Any, Any]
    upper: np.ndarray[Any, Any]
    rows: np.ndarray[Any, Any]
    threshold: np.ndarray[Any, Any]
    alert: np.ndarray[Any, Any]


def _se(series: Any, level: float = 0.95) -> np.ndarray[Any, Any]:
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    return np.asarray((series.upper - series.lower) / (2 * z), dtype=np.float64)


def _metrics(ctx: ScanContext, label: str, task: Task, windows: Windows) -> dict[str, Any]:
    """Every metric per window of the ``label`` table, from its model summary (confusion counts,
    score histograms, moments: :mod:`seismo.profile`), never from averaged per-row metrics."""
    from seismo.concept.metrics import summary_metrics

    if task.kind == "regression" and task.prediction is None:
        return {}
    timed = windows.starts is not None
    try:
        summary = ctx.model_summary(label, task, timestamp=ctx.schema.first(Role.TIMESTAMP) if timed else None,
                                    every=windows.every if timed else None, chunks=1 if timed else windows.count)
        return dict(summary_metrics(summary))
    except InputError as exc:  # say which columns: the summaries only see arrays
        used = ", ".join(repr(c) for c in (task.target, task.prediction, task.proba) if c)
        raise InputError(f"model metrics on {used}: {exc}") from None


def _saved_windows(ctx: ScanContext, task: Task, every: str | None) -> Windows:
    """The windows of a saved reference's summaries, by :func:`~seismo.concept._task.reference_windows`'
    rule: time windows of ``every`` when there are at least three, else the row-order chunks."""
    no_rows = np.empty(0, dtype=np.int64)
    if every is not None:
        try:
            summary = ctx.model_summary("reference", task, every=every)
        except KeyError:
            summary = None
        if summary is not None and summary.windows >= 3:
            return Windows(no_rows, summary.windows, list(summary.starts), every)
    return Windows(no_rows, REFERENCE_CHUNKS, None, None)


def _saved_current_windows(ctx: ScanContext, task: Task) -> Windows:
    """The windows of a current given as its model summaries: the length its span calls for
    (:func:`~seismo.data.time.choose_window` on the finest windows kept, from the first window's
    start to the last one's end), else the whole table as one window, as for rows without a time."""
    from seismo.data.time import choose_window, window_end
    from seismo.profile._saved import MODEL_WINDOWS

    model = ctx.saved_model("current")
    assert model is not None
    kept = [(every, s) for every in MODEL_WINDOWS if (s := model.summary(every)) is not None and s.starts]
    no_rows = np.empty(0, dtype=np.int64)
    if kept:
        finest, starts = kept[0][0], kept[0][1].starts
        every, cycle = choose_window(window_end(starts[-1], finest) - starts[0])
        summary = ctx.model_summary("current", task, every=every)
        return Windows(no_rows, summary.windows, list(summary.starts), every, cycle)
    return Windows(no_rows, 1, None, None)


def _natural_variance(ref_series: Any) -> float:
    ok = np.isfinite(ref_series.values) & (ref_series.rows >= MIN_WINDOW_ROWS)
    if ok.sum() < 3:
        return 0.0
    se = _se(ref_series)[ok]
    return float(max(np.var(ref_series.values[ok], ddof=1) - np.mean(se[np.isfinite(se)] ** 2), 0.0))


def _reference_level(name: str, overall: Any, pieces: Any, windows: Windows) -> float:
    """The level a current window is held to: the reference's windows' row-weighted mean when it
    has time windows (a window-sized metric, so a metric biased in small samples, such as the
    calibration error, meets its own bias), else the whole reference's value. The calibration
    error is judged only against time windows."""
    ok = np.isfinite(pieces.values) & (pieces.rows >= MIN_WINDOW_ROWS)
    if windows.starts is not None and ok.sum() >= 3:
        return float(np.average(pieces.values[ok], weights=pieces.rows[ok]))
    if name == "calibration_error":
        return math.nan
    return float(overall.values[0])


def performance_series(ctx: ScanContext) -> tuple[Task, Windows, list[_Judged]]:
    """Every metric's series over the current windows, judged against the reference;
    :class:`~seismo.checks.NotApplicable` when no window of any metric can be judged."""
    from scipy import stats

    from seismo.concept.metrics import HIGHER_IS_BETTER

    task = require_task(ctx)
    if task.kind == "regression" and task.prediction is None:
        raise NotApplicable("a regression target needs a prediction column (--prediction): probabilities give no "
                            "regression metric")
    ts = ctx.schema.first(Role.TIMESTAMP)
    if ctx.current is not None:
        cur_w = time_windows(ctx.current.frame, ts, times=ctx.utc_times("current"))
        if cur_w is None:
            cur_w = Windows.whole(ctx.current.frame.height)
    else:  # a saved current: its summaries per window of the length its span calls for
        cur_w = _saved_current_windows(ctx, task)
    if ctx.reference is not None:
        ref_w = reference_windows(ctx.reference.frame, ts, cur_w.every, times=ctx.utc_times("reference"))
    else:  # a saved reference: its summaries per window of the same length, else its chunks
        ref_w = _saved_windows(ctx, task, cur_w.every)
    current, reference = _metrics(ctx, "current", task, cur_w), _metrics(ctx, "reference", task, ref_w)
    overall = _metrics(ctx, "reference", task, Windows.whole(ctx.rows("reference") or 0))
    judged_windows = int(sum(1 for s in current.values() for r in s.rows if r >= MIN_WINDOW_ROWS))
    z_crit = float(stats.norm.isf(ALPHA / max(judged_windows, 1)))
    out = []
    for name, series in current.items():
        if name not in overall or name not in reference:
            continue
        m0 = _reference_level(name, overall[name], reference[name], ref_w)
        if not math.isfinite(m0):
            continue
        tau = math.sqrt(_natural_variance(reference[name]))
        se0 = float(_se(overall[name])[0])
        spread = np.sqrt(tau**2 + _se(series) ** 2 + (se0 if math.isfinite(se0) else 0.0) ** 2)
        better = HIGHER_IS_BETTER[name]
        sign = 1.0 if better else -1.0
        threshold = m0 - sign * z_crit * spread
        with np.errstate(invalid="ignore"):
            drop = sign * (m0 - series.values)
            alert = (series.rows >= MIN_WINDOW_ROWS) & np.isfinite(series.values) & (spread > 0) & (drop > 0) & (
                drop >= z_crit * spread)
        out.append(_Judged(name, better, m0, tau, z_crit, series.values, series.lower, series.upper, series.rows,
                           threshold, alert))
    if not any(((j.rows >= MIN_WINDOW_ROWS) & np.isfinite(j.values)).any() for j in out):
        raise NotApplicable(_nothing_judged(current, cur_w, bool(out)))
    return task, cur_w, out


def _nothing_judged(current: dict[str, Any], windows: Windows, levels: bool) -> str:
    """Why no window of any metric was judged: too few labelled rows in every window, else no
    metric with a reference level (``levels``: some metric had one)."""
    most = max((int(r) for s in current.values() for r in s.rows), default=0)
    if most == 0:
        return "the current table has no labelled rows yet (labels not joined: --labels)"
    if most < MIN_WINDOW_ROWS:
        if windows.starts is None:
            return f"only {most} labelled rows in the current, below the {MIN_WINDOW_ROWS}-row minimum"
        return (f"{window_name(windows.every)} of the current hold {most} labelled rows at most, below the "
                f"{MIN_WINDOW_ROWS}-row minimum")
    if not levels:
        return "no model metric could be computed on the reference"
    return "no metric gave a value in a window with labelled rows"


def check_performance(ctx: ScanContext) -> list[Finding]:
    """One finding when the model got worse: every metric that fell below its reference range in
    some window, in one finding that leads with the plainest of them (one cause, one finding)."""
    task, windows, judged = performance_series(ctx)
    for j in judged:
        finite = j.values[np.isfinite(j.values)]
        ctx.note(task.target, **{f"{j.metric}_reference": j.reference,
                                 f"{j.metric}_current_worst": float(finite.min() if j.higher_is_better else finite.max())
                                 if finite.size else None})
    dropped = [j for j in judged if j.alert.any()]
    return [_finding(task, windows, dropped)] if dropped else []


_HEADLINE = ("accuracy", "mae", "f1", "roc_auc", "rmse", "precision", "recall", "log_loss", "calibration_error", "mape")
"""The metric a drop is told by, first that dropped: the plainest to read."""


def _drop(j: _Judged, i: int) -> float:
    return (j.reference - float(j.values[i])) * (1 if j.higher_is_better else -1)


def _metric_evidence(windows: Windows, j: _Judged) -> dict[str, Any]:
    alerts = np.flatnonzero(j.alert)
    worst = max(alerts, key=lambda i: _drop(j, int(i)))
    drop = _drop(j, int(worst))
    big = drop >= _BIG_DROP_RATE if j.metric in _RATE_METRICS else drop >= _BIG_DROP_RELATIVE * abs(j.reference)
    first = windows.starts[int(alerts[0])] if windows.starts is not None else None
    series = [{"start": windows.starts[i].isoformat() if windows.starts is not None else None,
               "rows": int(j.rows[i]), "value": _num(j.values[i]), "lower": _num(j.lower[i]), "upper": _num(j.upper[i]),
               "threshold": _num(j.threshold[i]), "alert": bool(j.alert[i])} for i in range(len(j.values))]
    return {"reference_value": j.reference, "statistic": _num(j.values[worst]), "effect": drop, "big": big,
            "natural_sd": j.tau, "first_alert": first.isoformat() if first is not None else None,
            "windows_alerting": len(alerts), "series": series, "higher_is_better": j.higher_is_better}


def _finding(task: Task, windows: Windows, dropped: list[_Judged]) -> Finding:
    per = {j.metric: _metric_evidence(windows, j) for j in dropped}
    lead = min(dropped, key=lambda j: _HEADLINE.index(j.metric) if j.metric in _HEADLINE else len(_HEADLINE))
    head = per[lead.metric]
    judged = int((lead.rows >= MIN_WINDOW_ROWS).sum())
    firsts = [m["first_alert"] for m in per.values() if m["first_alert"] is not None]
    first = min(firsts) if firsts else None
    when = (" on the current table" if first is None else
            f" from {first[:16].replace('T', ' ')} UTC" if windows.every == "1h" else f" from {first[:10]}")
    shown = [f"{name} {m['reference_value']:.3f} → {m['statistic']:.3f}" for name, m in
             sorted(per.items(), key=lambda kv: _HEADLINE.index(kv[0]) if kv[0] in _HEADLINE else len(_HEADLINE))]
    more = f" and {len(shown) - 3} more metric{'s' if len(shown) - 3 != 1 else ''}" if len(shown) > 3 else ""
    start = datetime.fromisoformat(first) if first is not None else None
    return Finding(
        check="concept.performance",
        failure_mode=FailureMode.CONCEPT_DRIFT,
        severity=Severity.HIGH if any(m["big"] for m in per.values()) else Severity.MEDIUM,
        columns=tuple(c for c in (task.target, task.prediction or task.proba) if c),
        message=f"the model got worse{when}: {', '.join(shown[:3])}{more} (reference → worst window)",
        evidence={"metric": lead.metric, "metrics": {k: {n: v for n, v in m.items() if n != "series"}
                                                     for k, m in per.items()},
                  "task": task.kind, "reference_value": head["reference_value"], "statistic": head["statistic"],
                  "effect_size": "drop", "effect": head["effect"], "natural_sd": head["natural_sd"],
                  "z_threshold": lead.z_crit, "alpha": ALPHA,
                  "threshold": "reference value -/+ z x sqrt(natural variance + window's and reference's sampling variance)",
                  "window": windows.every, "first_alert": first, "windows_alerting": head["windows_alerting"],
                  "windows_judged": judged, "series": head["series"],
                  "metric_series": {k: m["series"] for k, m in per.items()}},
        recommendation=_advice(start, windows),
        id="concept.performance:drop",
    )


def _advice(first: Any, windows: Windows) -> str:
    if first is None:
        return ("The model performs worse on the current data than on the reference. Check first whether the inputs "
                "moved (distribution shift, skew findings); if they did not, the relation between inputs and target "
                "changed: retrain on recent labelled data.")
    return (f"Performance broke from the window starting {first:%Y-%m-%d %H:%M} UTC. If the inputs did not move "
            "there (see the shift findings), the relation between inputs and target changed: retrain on labelled "
            f"data from {first:%Y-%m-%d} on (with older data down-weighted), and keep the detectors on the error "
            "stream running to confirm the new level holds.")


