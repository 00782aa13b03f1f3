"""Shift over time: each feature's drift from the reference, window by window, with a threshold
calibrated per window, and each episode classified as sudden, gradual or recurring.

For every current window (hour, day or week, chosen from the span so that there are about 10 to
60 of them) the population stability index against the reference is computed on the reference's
deciles (numeric; nulls as an eleventh bin) or on its commonest categories (up to 20, each at least
1% of the reference) plus "other" and null.

The threshold a window must pass is calibrated twice and the larger wins:
- by sampling noise: for a window of ``n`` rows against a large reference, ``n * PSI`` is close to
  a chi-square with ``bins - 1`` degrees of freedom when nothing moved, so ``chi2_{0.999}(bins-1)/n``;
- by the reference's own variation over time: the largest PSI of any reference window of the same
  length against the whole reference (when the reference has a usable timestamp), so that the
  natural week-to-week wobble of the training data is not an alarm.

Consecutive drifted windows form an episode. An episode is **recurring** when its windows fall in
phases of the cycle (hours of the day, days of the week) that drift in at least 70% of the cycles
observed while other phases drift in at most 30% (at least two whole cycles needed); **sudden**
when one step carries at least half of the rise; **gradual** otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.data.time import (
    MIN_WINDOW_ROWS,
    as_utc,
    choose_window,
    coarser_choice,
    plausible_times,
    window_cycle,
    window_end,
    window_name,
)
from seismo.stats.binning import Binning as _Binned
from seismo.stats.binning import reference_binning as _binner
from seismo.data.time import window_starts as _windows
from seismo.profile import TableProfile, WindowedProfile
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["MIN_WINDOW_ROWS", "check_shift_over_time", "choose_window", "fit_shift_over_time", "plausible_times", "window_bins"]

_EPS = 1e-4
_MIN_WINDOWS = 3
"""Fewer current windows make no series to judge."""


def _window_counts_of_bins(bins: np.ndarray[Any, Any], window: np.ndarray[Any, Any], n_windows: int,
                           binned: _Binned) -> np.ndarray[Any, Any]:
    """Each window's count of rows in each bin (``bins``: each row's bin, ``window``: its window)."""
    counts = np.bincount(window * binned.n_bins + bins, minlength=n_windows * binned.n_bins)
    return counts.reshape(n_windows, binned.n_bins).astype(np.float64)


def _noise_threshold(rows: np.ndarray[Any, Any], dof: int) -> np.ndarray[Any, Any]:
    from scipy import stats

    return np.asarray(float(stats.chi2.ppf(0.999, max(dof, 1))) / np.maximum(rows, 1), dtype=np.float64)


def _episodes(drifted: np.ndarray[Any, Any]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, d in enumerate(drifted.tolist() + [False]):
        if d and start is None:
            start = i
        elif not d and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def _recurring_phases(drifted: np.ndarray[Any, Any], judged: np.ndarray[Any, Any], cycle: int) -> set[int]:
    """Phases of the cycle (hour of day, day of week) that drift in at least 70% of the cycles while
    other phases drift in at most 30%: a pattern that comes and goes, not a level that moved."""
    idx = np.flatnonzero(judged)
    if idx.size == 0 or (idx[-1] - idx[0]) < 2 * cycle - 1:
        return set()  # fewer than two whole cycles: a recurrence cannot be told from a change
    phase = idx % cycle
    hits = np.bincount(phase, weights=drifted[idx].astype(np.float64), minlength=cycle)
    seen = np.bincount(phase, minlength=cycle)
    rate = np.divide(hits, seen, out=np.zeros(cycle), where=seen >= 2)
    hot = {int(p) for p in np.flatnonzero((rate >= 0.7) & (seen >= 2))}
    quiet = (rate <= 0.3) & (seen >= 2)
    return hot if hot and quiet.any() else set()


def _classify(psi: np.ndarray[Any, Any], start: int, end: int, cycle: int, hot: set[int]) -> str:
    """Recurring, sudden or gradual (see the module docstring)."""
    if hot and sum((t % cycle) in hot for t in range(start, end + 1)) >= 0.7 * (end - start + 1):
        return "recurring"
    before = float(psi[start - 1]) if start > 0 else 0.0  # a current that drifts from its first window rose from 0
    series = np.r_[before, psi[start: end + 1]]
    rise = float(np.max(series)) - before
    steps = np.diff(series)
    return "sudden" if rise <= 0 or float(np.max(steps)) >= 0.5 * rise else "gradual"


NATURAL_WINDOWS = ("1h", "1d", "1w")
"""The window lengths whose natural variation the fit measures on the reference: every length a
scan can choose for the current table (:func:`~seismo.data.time.choose_window`)."""


def _features(ctx: ScanContext) -> list[tuple[str, Kind]]:
    return [(name, col.kind) for name, col in ctx.schema.items()
            if col.role == Role.FEATURE and col.kind in (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN)]


def _psi_of_counts(counts: np.ndarray[Any, Any], binned: _Binned) -> np.ndarray[Any, Any]:
    """PSI of each row of window-by-bin ``counts`` against the reference proportions."""
    rows = counts.sum(axis=1, keepdims=True)
    actual = np.maximum(counts / np.maximum(rows, 1), _EPS)
    expected = np.maximum(binned.expected, _EPS)
    return np.asarray(np.sum((actual - expected) * np.log(actual / expected), axis=1), dtype=np.float64)


def _nested_windows(times: pl.Series) -> tuple[np.ndarray[Any, Any], int, dict[str, tuple[np.ndarray[Any, Any], int]]]:
    """The rows' hourly windows, and for each length of :data:`NATURAL_WINDOWS` with at least three
    windows the map from an hourly window to its window of that length: hours nest in days and
    days in weeks on polars' alignment, so one pass over the rows serves every length."""
    hourly, hours = _windows(times, "1h")
    groups: dict[str, tuple[np.ndarray[Any, Any], int]] = {}
    for every in NATURAL_WINDOWS:
        coarse = hours.dt.truncate(every)
        uniq = coarse.unique().sort()
        if uniq.len() >= 3:
            groups[every] = (np.searchsorted(uniq.to_numpy(), coarse.to_numpy()), uniq.len())
    return hourly, hours.len(), groups


def fit_shift_over_time(ctx: ScanContext) -> dict[str, Any]:
    """The reference side, JSON-safe: each feature's bins and reference shares, and per window
    length (:data:`NATURAL_WINDOWS`) the largest PSI of a reference window of that length (with at
    least :data:`MIN_WINDOW_ROWS` rows) against the whole reference, when it has three windows.
    The rows are counted once per column, by hour; days and weeks add the hours' counts up."""
    assert ctx.reference is not None
    ref = ctx.reference.frame
    ref_t = ctx.utc_times("reference")
    hourly, n_hours, groups = _nested_windows(ref_t) if ref_t is not None else (None, 0, {})
    columns: dict[str, Any] = {}
    for name, kind in _features(ctx):
        if name not in ref.columns:
            continue
        ref_s = ref.get_column(name)
        binned = _binner(ref_s, kind)
        if binned is None:
            continue
        natural = {}
        if hourly is not None and groups:
            rk = hourly >= 0
            per_hour = _window_counts_of_bins(binned.bins(ref_s)[rk], hourly[rk], n_hours, binned)
            for every, (group, n) in groups.items():  # hours in order: each coarse window is a run of them
                starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
                counts = np.add.reduceat(per_hour, starts, axis=0)
                big = counts.sum(axis=1) >= MIN_WINDOW_ROWS
                natural[every] = float(np.max(_psi_of_counts(counts, binned)[big])) if big.any() else 0.0
        columns[name] = {**binned.to_dict(), "natural": natural}
    return {"columns": columns}


@dataclass(frozen=True)
class _CurrentWindows:
    """The current table's windows: from its rows (each row's window) or from its profiles per
    window, whichever the scan was given."""

    every: str
    cycle: int
    starts: list[datetime]
    index: np.ndarray[Any, Any] | None = None  # rows: each row's window (-1: none)
    profiles: tuple[TableProfile, ...] = ()  # no rows: one profile per window


def _rows_windows(ctx: ScanContext) -> _CurrentWindows:
    """The current's windows from its rows (NotApplicable: no time to cut them by)."""
    cur_t = ctx.utc_times("current")
    if cur_t is None:  # no time column, or one quality.timestamps reports as unreadable
        ts = ctx.schema.first(Role.TIMESTAMP)
        assert ctx.current is not None
        if ts is None or ts not in ctx.current.frame.columns:
            raise NotApplicable(f"no timestamp column ({ts}) in the current")
        raise NotApplicable(f"the current's timestamp column ({ts}) cannot be read as times")
    valid = plausible_times(cur_t).drop_nulls()
    if valid.len() < 2 * MIN_WINDOW_ROWS:
        raise NotApplicable(f"only {valid.len():,} rows of the current have a plausible time, below the "
                            f"{2 * MIN_WINDOW_ROWS} this check needs")
    lo, hi = valid.min(), valid.max()
    assert isinstance(lo, datetime) and isinstance(hi, datetime)
    every, cycle = choose_window(hi - lo)
    index, starts = _windows(cur_t, every)
    return _CurrentWindows(every, cycle, [as_utc(t) for t in starts.to_list()], index=index)


def _profile_windows(ctx: ScanContext, windowed: WindowedProfile) -> _CurrentWindows | None:
    """The windows of the current's profiles, rolled up to the length its span calls for (the
    span read off the time column's extremes in the windows, else off the windows' starts)."""
    placed = sum(p.n_rows for p in windowed.profiles)
    if not windowed.starts:
        raise NotApplicable("the current's profiles per window hold no window")
    if placed < 2 * MIN_WINDOW_ROWS:
        raise NotApplicable(f"the current's windows hold {placed:,} rows in all, below the {2 * MIN_WINDOW_ROWS} "
                            "this check needs")
    every = _profile_window_length(ctx, windowed)
    if every is None:
        return None  # the runner says why (windows_lacking) and does not run the check
    if every != windowed.every:
        windowed = windowed.rollup(every)
    return _CurrentWindows(every, window_cycle(every), list(windowed.starts), profiles=windowed.profiles)


def _profile_window_length(ctx: ScanContext, windowed: WindowedProfile) -> str | None:
    """The length to judge windowed profiles at: the one their span calls for when they roll up
    into it, else their own when the fit knows its natural variation, else None."""
    lo, hi = _time_extent(windowed, ctx.schema.first(Role.TIMESTAMP))
    return coarser_choice(windowed.every, choose_window(hi - lo)[0], windowed.starts)


def windows_lacking(ctx: ScanContext) -> str:
    """Why the current's profiles per window cannot be judged ("" when they can): they neither
    roll up into the length their span calls for nor have a length the reference's natural
    variation is measured at."""
    windowed = ctx.windowed_profile("current") if ctx.current is None else None
    if windowed is None or not windowed.starts or _profile_window_length(ctx, windowed) is not None:
        return ""
    lo, hi = _time_extent(windowed, ctx.schema.first(Role.TIMESTAMP))
    chosen = choose_window(hi - lo)[0]
    return (f"the current's windows of {windowed.every} do not roll up into the {chosen} windows its span calls "
            f"for, and the reference's natural variation is measured per {', '.join(NATURAL_WINDOWS)}; profile the "
            "current per hour, per day or in windows that nest in them")


def _time_extent(windowed: WindowedProfile, timestamp: str | None) -> tuple[datetime, datetime]:
    """The first and last time in the windows: the time column's extremes when it holds datetimes
    (a profile keeps them as microseconds since the epoch), else the first and the last window's
    start."""
    if windowed.first is not None and windowed.last is not None:  # recorded when the windows were cut
        return windowed.first, windowed.last
    columns = [p.columns.get(timestamp) for p in windowed.profiles] if timestamp is not None else []
    seen = [c for c in columns if c is not None and c.dtype.startswith("Datetime") and c.min is not None
            and c.max is not None]
    if seen:
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        lo = min(float(c.min) for c in seen if c.min is not None)
        hi = max(float(c.max) for c in seen if c.max is not None)
        try:
            return epoch + timedelta(microseconds=lo), epoch + timedelta(microseconds=hi)
        except (OverflowError, ValueError):  # extremes no clock reaches: the windows' starts say it
            pass
    return windowed.starts[0], window_end(windowed.starts[-1], windowed.every)


def window_bins(state: dict[str, Any]) -> dict[str, list[float]]:
    """The histogram edges per numeric feature with which profiles of the current's windows let
    this check count each window's bins exactly (:meth:`Binning.histogram_edges`)."""
    out = {}
    for name, fitted in state["columns"].items():
        binned = _Binned.from_dict(fitted)
        if binned.edges is not None:
            out[name] = binned.histogram_edges()
    return out


def check_shift_over_time(ctx: ScanContext) -> list[Finding]:
    """Per feature: the drift series over the current table's windows, episodes and their kind."""
    state = ctx.fitted(fit_shift_over_time)
    rows = ctx.current is not None and "current" not in ctx.partial
    windowed = None if rows else ctx.windowed_profile("current")
    if windowed is None and not rows:
        return []  # the runner says why: the current came as one profile
    windows = _rows_windows(ctx) if windowed is None else _profile_windows(ctx, windowed)
    if windows is None:
        return []  # the runner says why (windows_lacking) and does not run the check
    if len(windows.starts) < _MIN_WINDOWS:
        raise NotApplicable(f"only {len(windows.starts)} {window_name(windows.every)} in the current, below the "
                            f"{_MIN_WINDOWS} this check needs")
    current = ctx.profile("current").columns
    out = []
    tracked, patchy, most = 0, 0, 0
    for name, _ in _features(ctx):
        fitted = state["columns"].get(name)
        if fitted is None or name not in current or not ctx.same_kind(name):
            continue
        if windows.index is None and any(name not in p.columns for p in windows.profiles):
            patchy += 1
            continue  # absent from some window: not a drift of its values (skew.missing_column's to report)
        tracked += 1
        finding, held = _feature_over_time(ctx, name, fitted, windows)
        most = max(most, held)
        if finding is not None:
            out.append(finding)
    if not tracked:
        raise NotApplicable("every feature is absent from some of the current's windows" if patchy else
                            "no numeric, categorical or boolean feature in both tables")
    if most < MIN_WINDOW_ROWS:  # no window of any feature judged: no finding either
        raise NotApplicable(f"{window_name(windows.every)} of the current hold {most:,} rows at most, below the "
                            f"{MIN_WINDOW_ROWS}-row minimum")
    return out


def _window_counts(ctx: ScanContext, name: str, binned: _Binned, windows: _CurrentWindows) -> tuple[np.ndarray[Any, Any], bool]:
    """Each window's counts in the reference's bins, and whether they are estimates (read off
    quantile sketches or truncated frequent items rather than counted)."""
    if windows.index is not None:
        assert ctx.current is not None
        keep = windows.index >= 0
        cur_bins = binned.bins(ctx.current.frame.get_column(name))
        return _window_counts_of_bins(cur_bins[keep], windows.index[keep], len(windows.starts), binned), False
    rows = [binned.counts_of_profile(p.columns.get(name), p.n_rows) for p in windows.profiles]
    return np.stack([c for c, _ in rows]), any(e for _, e in rows)


def _feature_over_time(ctx: ScanContext, name: str, fitted: dict[str, Any], windows: _CurrentWindows
                       ) -> tuple[Finding | None, int]:
    """The feature's drift finding (None: no window drifted), and the most rows a window holds."""
    binned = _Binned.from_dict(fitted)
    counts, estimated = _window_counts(ctx, name, binned, windows)
    psi = _psi_of_counts(counts, binned)
    every, cycle = windows.every, windows.cycle
    rows = counts.sum(axis=1)
    thresholds = _noise_threshold(rows, binned.n_bins - 1)
    natural = 0.0
    if every in fitted["natural"]:  # the reference has windows of this length
        natural = float(fitted["natural"][every])
        thresholds = np.maximum(thresholds, natural)
    judged = rows >= MIN_WINDOW_ROWS
    drifted = judged & (psi > thresholds)
    ctx.note(name, windows_drifted=int(drifted.sum()), windows=int(judged.sum()))
    most = int(rows.max()) if rows.size else 0
    if not drifted.any():
        return None, most
    hot = _recurring_phases(drifted, judged, cycle)
    episodes = [(s, e, _classify(psi, s, e, cycle, hot)) for s, e in _episodes(drifted)]
    worst = float(np.max(psi[drifted]))
    share = float(drifted.sum() / max(judged.sum(), 1))
    severity = Severity.HIGH if worst >= 0.25 and share >= 0.2 else Severity.MEDIUM if worst >= 0.1 else Severity.LOW
    start_list = windows.starts
    series = [{"start": start_list[i].isoformat(), "rows": int(rows[i]), "psi": float(psi[i]),
               "threshold": float(thresholds[i]), "drifted": bool(drifted[i])} for i in range(len(start_list))]
    eps = [{"start": start_list[s].isoformat(), "end": start_list[e].isoformat(), "windows": e - s + 1, "kind": k}
           for s, e, k in episodes]
    kinds = sorted({k for _, _, k in episodes})
    finding = Finding(
        check="shift.time",
        failure_mode=FailureMode.DISTRIBUTION_SHIFT,
        severity=severity,
        columns=(name,),
        message=f"{name!r} drifted in {int(drifted.sum())} of {int(judged.sum())} {every} windows "
        f"({', '.join(kinds)}; worst PSI {worst:.2f})",
        evidence={"window": every, "cycle_windows": cycle, "series": series, "episodes": eps,
                  "statistic": "psi", "max_psi": worst, "drifted_share": share,
                  "threshold": "max(chi2_0.999(bins-1)/rows, largest PSI of a reference window)",
                  "reference_natural_psi": natural, "min_window_rows": MIN_WINDOW_ROWS,
                  **({"estimated": True} if estimated else {})},
        recommendation=_advice(kinds),
    )
    return finding, most


def _advice(kinds: list[str]) -> str:
    if kinds == ["recurring"]:
        return ("The change follows a cycle (hour of day, day of week): make sure training covers every phase, or add "
                "the phase as a feature, rather than retraining on the latest window.")
    if "sudden" in kinds:
        return ("A sudden change points to an event: a release, an upstream schema change, an outage, a new market. "
                "Find it; if the world changed, retrain on data after the change point.")
    return ("A gradual change is the world moving: retrain on a recent window and monitor this feature's drift "
            "to choose how often.")
