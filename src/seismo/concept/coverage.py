"""Label coverage (``concept.label_coverage``): the share of the current's rows whose label has
arrived, per time window, and how far the labels reach; a finding only when labels stopped
arriving.

Serving data without its labels is the normal case: labels come later, so an unlabelled row is
not a missing value (``quality.missing`` leaves the current's target out). What is a problem is a
pipeline that lost them. Per window of the current (the windows of ``concept.performance``), the
coverage is ``labelled rows / rows``. The *labelled-up-to* time is the end of the last window whose
coverage reaches half of the reference's (the reference says what "labelled" means for this
model: usually every row); the *label delay* is the time from there to the end of the current.

A finding is made when labels stopped arriving for a period and then came back: a run of windows
(each with :data:`~seismo.data.time.MIN_WINDOW_ROWS` rows or more) whose coverage is below
:data:`GAP_SHARE` of the reference's, followed by a window at half of it or more. A delay that
trails off at the end of the current is how labels arrive, never a finding by itself, unless the
reference implies a shorter one: when the reference ends in its own unlabelled tail (its delay),
a current whose unlabelled tail is longer than twice that plus one window is reported too.
Severity follows the row-share rule (docs/checks.md): the share of the current's rows in the
unlabelled windows, medium from 1%, high from 10%.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from seismo.checks import NotApplicable, ScanContext
from seismo.concept._task import Windows, time_windows
from seismo.data.schema import Role
from seismo.data.time import MIN_WINDOW_ROWS, window_end, window_name
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["GAP_SHARE", "check_label_coverage", "coverage_series"]

GAP_SHARE = 0.1
"""A window is unlabelled when its coverage is below this share of the reference's."""


def coverage_series(ctx: ScanContext, label: str, windows: Windows) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Rows and labelled rows per window of the ``label`` table (its target column)."""
    target = ctx.schema.first(Role.TARGET)
    ds = ctx.current if label == "current" else ctx.reference
    assert ds is not None and target is not None
    col = ds.frame.get_column(target)
    labelled = ~col.is_null().to_numpy()
    if col.dtype.is_float():
        labelled &= ~np.isnan(col.fill_null(np.nan).to_numpy())
    idx = windows.index
    ok = idx >= 0
    rows = np.bincount(idx[ok], minlength=windows.count)
    done = np.bincount(idx[ok], weights=labelled[ok].astype(np.float64), minlength=windows.count).astype(np.int64)
    return rows, done


def _coverage(rows: np.ndarray[Any, Any], done: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, done / np.maximum(rows, 1), np.nan)


def _tail(cov: np.ndarray[Any, Any], full: float) -> int:
    """How many windows at the end are below half the expected coverage (empty windows skipped)."""
    n = 0
    for c in cov[::-1]:
        if np.isnan(c):
            n += 1
            continue
        if c >= 0.5 * full:
            break
        n += 1
    return n


def check_label_coverage(ctx: ScanContext) -> list[Finding]:
    """Label coverage per window of the current, and a finding when labels stopped arriving."""
    target = ctx.schema.first(Role.TARGET)
    ts = ctx.schema.first(Role.TIMESTAMP)
    if ctx.current is None or ctx.reference is None:
        raise NotApplicable("needs both tables' rows")
    if target not in ctx.current.frame.columns:
        raise NotApplicable(f"the current table has no target column {target!r}: no labels joined yet (--labels)")
    windows = time_windows(ctx.current.frame, ts, times=ctx.utc_times("current"))
    if windows is None:
        raise NotApplicable("no timestamp in the current table: label coverage is judged per time window")
    rows, done = coverage_series(ctx, "current", windows)
    if not done.any():
        raise NotApplicable("no label has arrived in the current table yet")
    ref_rows = ctx.reference.frame.height
    ref_col = ctx.reference.frame.get_column(target) if target in ctx.reference.frame.columns else None
    ref_cov = 1.0 if ref_col is None or not ref_rows else 1.0 - ref_col.null_count() / ref_rows
    if ref_cov <= 0:
        raise NotApplicable("the reference has no labels: nothing says what a labelled window looks like")
    cov = _coverage(rows, done)
    starts = windows.starts or []
    every = windows.every or "1d"
    assert target is not None
    judged = rows >= MIN_WINDOW_ROWS
    up_to = next((i for i in range(windows.count - 1, -1, -1) if judged[i] and cov[i] >= 0.5 * ref_cov), None)
    labelled_up_to = window_end(starts[up_to], every) if up_to is not None else None
    end = window_end(starts[-1], every)
    delay = (end - labelled_up_to) if labelled_up_to is not None else None
    series = [{"start": starts[i].isoformat(), "rows": int(rows[i]), "labelled": int(done[i]),
               "coverage": None if np.isnan(cov[i]) else float(cov[i])} for i in range(windows.count)]
    ctx.note(target, label_coverage=float(done.sum() / max(rows.sum(), 1)),
             labelled_up_to=labelled_up_to.isoformat() if labelled_up_to is not None else None,
             label_delay_seconds=delay.total_seconds() if delay is not None else None)
    gap = (cov < GAP_SHARE * ref_cov) & judged
    if up_to is not None:
        gap[up_to:] = False  # after the last labelled window: the delay, judged below
    tail_limit = _reference_delay(ctx, every)
    stalled = 0
    if tail_limit is not None and labelled_up_to is not None and delay is not None and delay > tail_limit:
        stalled = int(rows[up_to + 1:].sum()) if up_to is not None else 0
    lost = int(rows[gap].sum()) + stalled
    if not lost:
        return []
    share = lost / max(int(rows.sum()), 1)
    first = int(np.flatnonzero(gap)[0]) if gap.any() else (up_to + 1 if up_to is not None else 0)
    what = (f"labels stopped arriving for {int(gap.sum())} {window_name(every)} from {starts[first]:%Y-%m-%d} and "
            f"came back later" if gap.any() else
            f"labels stopped arriving after {labelled_up_to:%Y-%m-%d %H:%M} UTC, {_span(delay)} ago, longer than "
            f"the reference's own delay implies ({_span(tail_limit)})")
    return [Finding(
        check="concept.label_coverage",
        failure_mode=FailureMode.OPERATIONAL,  # a label pipeline that broke, not the model
        severity=Severity.HIGH if share >= 0.1 else Severity.MEDIUM if share >= 0.01 else Severity.LOW,
        columns=(target,),
        message=f"'{target}': {what}: {lost:,} rows ({share:.1%}) have no label where the reference's coverage "
        f"({ref_cov:.0%}) says they should",
        evidence={"statistic": share, "effect_size": "share of rows without labels", "effect": share,
                  "threshold": f"window coverage < {GAP_SHARE:g} x the reference's, then labels again",
                  "reference_coverage": ref_cov, "coverage": float(done.sum() / max(rows.sum(), 1)),
                  "rows": int(rows.sum()), "rows_without_labels": lost, "window": every,
                  "labelled_up_to": labelled_up_to.isoformat() if labelled_up_to is not None else None,
                  "label_delay_seconds": delay.total_seconds() if delay is not None else None,
                  "gap_windows": [starts[i].isoformat() for i in np.flatnonzero(gap)], "series": series},
        recommendation="The label join lost rows for a period: check the job that joins outcomes to predictions "
        "(its keys, its schedule) for those dates. Until it is fixed, the realised metrics of those windows are "
        "blind and the rows cannot be used for retraining.",
        id="concept.label_coverage",
    )]


def _reference_delay(ctx: ScanContext, every: str) -> timedelta | None:
    """The longest unlabelled tail the reference implies: twice its own, plus one window, when
    the reference ends in windows without labels; None when it is labelled to its end."""
    ts = ctx.schema.first(Role.TIMESTAMP)
    assert ctx.reference is not None
    windows = time_windows(ctx.reference.frame, ts, every=every, times=ctx.utc_times("reference"))
    target = ctx.schema.first(Role.TARGET)
    if windows is None or target not in ctx.reference.frame.columns or not windows.starts:
        return None
    rows, done = coverage_series(ctx, "reference", windows)
    cov = _coverage(rows, done)
    full = float(np.nanmax(cov)) if np.isfinite(cov).any() else 0.0
    n = _tail(cov, full)
    if n == 0 or full <= 0:
        return None
    length = window_end(windows.starts[0], every) - windows.starts[0]
    return 2 * n * length + length


def _span(d: timedelta | None) -> str:
    if d is None:
        return "unknown"
    hours = d.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} hours"

