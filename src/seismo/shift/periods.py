"""Anomalous periods: windows whose volume, missingness or target rate, overall or within a segment,
break sharply from their neighbours: an outage, a logging gap, a one-day incident.

The field's example: one payment route failed on one Tuesday and the model learned "avoid that
route on Tuesdays". Training on such a period teaches the model the incident, not the world, so
seismo finds these periods in the reference (training) table, reports them, and
:func:`exclude_periods` returns the training set without them.

For each window (chosen from the span as in :mod:`seismo.shift.time`) and each segment (every
level, up to 20, of each low-cardinality categorical feature, plus the whole table), the metric is
compared with the median of its neighbours (three windows on each side). A window is anomalous
when the metric is far from that median (volume by 50%, rates by ten share points) *and* the
departure is significant:
for volume a Poisson test of the count against the neighbours' median, for rates a binomial test
of the window's count against the neighbours' rate, each at alpha = 0.001 after Bonferroni over the
windows and segments tested. Windows with fewer than 20 expected rows are not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.data.time import choose_window, plausible_times, to_utc
from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Finding, Severity
from seismo.data.time import window_name
from seismo.stats.numbers import finite_or_none as _finite

__all__ = ["ALPHA", "MIN_CHANGE", "MIN_RATE_CHANGE", "check_anomalous_periods", "exclude_periods", "find_periods", "period_mask",
           "reference_periods"]

ALPHA = 0.001
"""Family-wise level (Bonferroni over windows x segments x metrics)."""
MIN_CHANGE = 0.5
"""A window's volume must be at least this far (relatively) from its neighbours' median."""
MIN_RATE_CHANGE = 0.1
"""A rate (missing share, target rate) must move at least ten share points from its neighbours'."""
_NEIGHBOURS = 3
_MIN_EXPECTED = 20
_MAX_LEVELS = 20


def _neighbour_median(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    n = len(values)
    out = np.full(n, np.nan)
    for i in range(n):  # a loop over windows (tens to hundreds), not rows
        idx = [j for j in range(i - _NEIGHBOURS, i + _NEIGHBOURS + 1) if 0 <= j < n and j != i]
        if idx:
            out[i] = float(np.nanmedian(values[idx]))
    return out


def _segments(frame: pl.DataFrame, schema: Any) -> list[tuple[str | None, str | None]]:
    out: list[tuple[str | None, str | None]] = [(None, None)]
    for name, col in schema.items():
        if col.role != Role.FEATURE or col.kind not in (Kind.CATEGORICAL, Kind.BOOLEAN) or name not in frame.columns:
            continue
        levels = frame.get_column(name).drop_nulls().cast(pl.String).unique()
        if 2 <= levels.len() <= _MAX_LEVELS:
            out.extend((name, str(v)) for v in sorted(levels.to_list()))
    return out


def _binary(s: pl.Series) -> bool:
    """A 0/1 (or boolean) target: its rate per window is a share, tested as binomial."""
    if s.dtype == pl.Boolean:
        return True
    if not s.dtype.is_numeric():
        return False
    values = s.cast(pl.Float64).fill_nan(None).drop_nulls().unique()
    return values.len() > 0 and bool(values.is_in([0.0, 1.0]).all())


def find_periods(frame: pl.DataFrame, *, timestamp: str, schema: Any, target: str | None = None) -> list[dict[str, Any]]:
    """The anomalous periods of one table, as dicts (``start``, ``end``, ``segment``, ``metric``,
    ``observed``, ``expected``, ``p_value``, ``rows``), most significant first."""
    return _find_periods(frame, timestamp=timestamp, schema=schema, target=target)[0]


def _find_periods(frame: pl.DataFrame, *, timestamp: str, schema: Any, target: str | None = None, label: str = "table"
                  ) -> tuple[list[dict[str, Any]], str]:
    """:func:`find_periods`, and why no window could be judged ("" when one was)."""
    from scipy import stats

    times = plausible_times(to_utc(frame.get_column(timestamp)).values)
    valid = times.drop_nulls()
    if valid.len() < 10 * _MIN_EXPECTED:
        return [], (f"only {valid.len():,} rows of the {label} have a plausible time, below the "
                    f"{10 * _MIN_EXPECTED} this check needs")
    lo, hi = valid.min(), valid.max()
    assert isinstance(lo, datetime) and isinstance(hi, datetime)
    every, _ = choose_window(hi - lo)
    starts = times.dt.truncate(every)
    first, last = starts.min(), starts.max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    grid = pl.select(pl.datetime_range(first, last, every, time_zone="UTC")).to_series()
    if grid.len() < 2 * _NEIGHBOURS + 1:
        return [], (f"only {grid.len()} {window_name(every)} in the {label}, below the {2 * _NEIGHBOURS + 1} "
                    "this check needs")
    features = [n for n, c in schema.items() if c.role == Role.FEATURE and n in frame.columns]
    base = frame.with_columns(starts.alias("__window"))
    miss = pl.mean_horizontal([pl.col(f).is_null().cast(pl.Float64) for f in features]) if features else pl.lit(0.0)
    base = base.with_columns(miss.alias("__missing"))
    tgt = target if target is not None and target in frame.columns and _binary(frame.get_column(target)) else None
    candidates: list[dict[str, Any]] = []
    judged, most = 0, 0
    segs = _segments(frame, schema)
    for seg_col, seg_val in segs:
        part = base if seg_col is None else base.filter(pl.col(seg_col).cast(pl.String) == seg_val)
        aggs = [pl.len().alias("rows"), pl.col("__missing").sum().alias("missing")]
        if tgt is not None:
            labelled = pl.col(tgt).cast(pl.Float64).fill_nan(None)
            aggs += [labelled.sum().alias("target"), labelled.count().alias("target_rows")]
        per = grid.to_frame("__window").join(part.group_by("__window").agg(aggs), on="__window", how="left").fill_null(0)
        rows = per.get_column("rows").to_numpy().astype(np.float64)
        most = max(most, int(rows.max()) if rows.size else 0)
        judgements = [_volume(per, rows, seg_col, seg_val, stats),
                      _rate(per, rows, "missing", "missing share", seg_col, seg_val, stats)]
        if tgt is not None:
            labelled_rows = per.get_column("target_rows").to_numpy().astype(np.float64)  # rows with a label
            judgements.append(_rate(per, labelled_rows, "target", f"{tgt} rate", seg_col, seg_val, stats))
        for found_here, n_judged in judgements:
            candidates += found_here
            judged += n_judged
    if not judged:  # no candidate either: every window below the minimum
        return [], (f"{window_name(every)} of the {label} hold {most:,} rows at most, below the {_MIN_EXPECTED}-row "
                    "minimum" if most < _MIN_EXPECTED else
                    f"no window of the {label} with {_MIN_EXPECTED} rows has neighbours with rows to compare with")
    tests = max(1, len(segs) * grid.len() * (3 if tgt else 2))
    found = [c for c in candidates if c["p_value"] * tests <= ALPHA]
    levels: dict[str | None, int] = {}
    for col, _ in segs[1:]:
        levels[col] = levels.get(col, 0) + 1
    return sorted(_deshadow(found, levels), key=lambda c: c["p_value"]), ""


def _deshadow(found: list[dict[str, Any]], levels: dict[str | None, int]) -> list[dict[str, Any]]:
    """Keep one explanation per window and metric: the segments when the anomaly is confined to a
    minority of one column's levels (route B failed), the whole table when it is everywhere (an
    outage): so that excluding the period drops the affected rows and only those."""
    groups: dict[tuple[Any, str], list[dict[str, Any]]] = {}
    for c in found:
        groups.setdefault((c["start"], c["metric"]), []).append(c)
    out = []
    for items in groups.values():
        overall = [c for c in items if not c["segment"]]
        by_col: dict[str, list[dict[str, Any]]] = {}
        for c in items:
            if c["segment"]:
                by_col.setdefault(next(iter(c["segment"])), []).append(c)
        confined = [c for col, cs in by_col.items() if len(cs) < 0.5 * levels.get(col, 1) for c in cs]
        if confined:
            out.extend(confined)
        elif overall:
            out.extend(overall)
        else:
            out.extend(c for cs in by_col.values() for c in cs)
    return out


def _volume(per: pl.DataFrame, rows: np.ndarray[Any, Any], seg_col: str | None, seg_val: str | None, stats: Any
            ) -> tuple[list[dict[str, Any]], int]:
    """The windows anomalous by volume, and how many windows were judged."""
    expected = _neighbour_median(rows)
    expected[[0, -1]] = np.nan  # the first and last windows are cut by the table's ends: not judged on volume
    out = []
    judged = np.flatnonzero(expected >= _MIN_EXPECTED)
    for i in judged:
        obs, exp = rows[i], expected[i]
        if abs(obs - exp) < MIN_CHANGE * exp:
            continue
        p = float(stats.poisson.cdf(obs, exp) if obs < exp else stats.poisson.sf(obs - 1, exp))
        out.append(_period(per, int(i), seg_col, seg_val, "volume", obs, exp, p, int(obs), rows, expected))
    return out, len(judged)


def _rate(per: pl.DataFrame, rows: np.ndarray[Any, Any], column: str, label: str, seg_col: str | None,
          seg_val: str | None, stats: Any) -> tuple[list[dict[str, Any]], int]:
    """The windows anomalous by the rate of ``column``, and how many windows were judged."""
    hits = per.get_column(column).to_numpy().astype(np.float64)
    rate = np.divide(hits, rows, out=np.full(len(rows), np.nan), where=rows > 0)
    expected = _neighbour_median(rate)
    out = []
    judged = np.flatnonzero((rows >= _MIN_EXPECTED) & np.isfinite(expected))
    for i in judged:
        obs, exp = rate[i], expected[i]
        if abs(obs - exp) < MIN_RATE_CHANGE:
            continue
        k, n = int(round(hits[i])), int(rows[i])
        p = float(stats.binomtest(min(k, n), n, min(max(exp, 1e-6), 1 - 1e-6)).pvalue)
        out.append(_period(per, int(i), seg_col, seg_val, label, obs, exp, p, n, rate, expected))
    return out, len(judged)


def _period(per: pl.DataFrame, i: int, seg_col: str | None, seg_val: str | None, metric: str, obs: float,
            exp: float, p: float, rows: int, observed_all: np.ndarray[Any, Any],
            expected_all: np.ndarray[Any, Any]) -> dict[str, Any]:
    windows = per.get_column("__window")
    start = windows[i]
    end = windows[i + 1] if i + 1 < windows.len() else start + (start - windows[i - 1])
    lo, hi = max(i - _SERIES_SIDE, 0), min(i + _SERIES_SIDE + 1, len(observed_all))
    series = [{"start": windows[j].isoformat(), "observed": _finite(observed_all[j]), "expected": _finite(expected_all[j])}
              for j in range(lo, hi)]  # the neighbourhood the period was judged against, for the report's chart
    return {"start": start, "end": end, "segment": None if seg_col is None else {seg_col: seg_val},
            "metric": metric, "observed": float(obs), "expected": float(exp), "p_value": p, "rows": rows,
            "series": series}


_SERIES_SIDE = 10
"""Windows on each side of an anomalous period kept in its finding's ``series``."""




def reference_periods(ctx: ScanContext) -> list[dict[str, Any]]:
    """The reference's anomalous periods (:func:`find_periods`), computed once per scan."""
    return _reference_periods(ctx)[0]


def _reference_periods(ctx: ScanContext) -> tuple[list[dict[str, Any]], str]:
    """:func:`reference_periods`, and why no window of the reference could be judged ("" when one was)."""
    def build() -> tuple[list[dict[str, Any]], str]:
        ts = ctx.schema.first(Role.TIMESTAMP)
        if ts is None:
            return [], "no timestamp column (--timestamp)"
        if ctx.reference is None:
            return [], "no reference table"
        if ts not in ctx.reference.frame.columns:
            return [], f"no timestamp column ({ts}) in the reference"
        try:
            return _find_periods(ctx.reference.frame, timestamp=ts, schema=ctx.schema,
                                 target=ctx.schema.first(Role.TARGET), label="reference")
        except InputError:
            return [], f"the reference's timestamp column ({ts}) cannot be read as times"

    return ctx.derived("reference_periods", build)


def period_mask(frame: pl.DataFrame, times: pl.Series, periods: Iterable[Mapping[str, Any]]) -> pl.Series:
    """True for the rows inside any of ``periods`` (``start``, ``end``, optional ``segment``)."""
    drop = pl.Series([False] * frame.height)
    for p in periods:
        start, end = p["start"], p["end"]
        start = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
        end = end if isinstance(end, datetime) else datetime.fromisoformat(str(end))
        mask = times.is_between(start, end, closed="left").fill_null(False)
        for col, val in dict(p.get("segment") or {}).items():
            if col in frame.columns:
                mask = mask & (frame.get_column(col).cast(pl.String) == str(val)).fill_null(False)
        drop = drop | mask
    return drop


def check_anomalous_periods(ctx: ScanContext) -> list[Finding]:
    """Anomalous periods in the reference (the training data), one finding per period."""
    periods, why = _reference_periods(ctx)
    if why:
        raise NotApplicable(why)
    out = []
    for p in periods[:20]:
        seg = p["segment"]
        where = f" for {', '.join(f'{k} = {v!r}' for k, v in seg.items())}" if seg else ""
        what = (f"{int(p['observed']):,} rows against about {p['expected']:.0f}" if p["metric"] == "volume"
                else f"{p['observed']:.0%} against about {p['expected']:.0%}")
        key = f"{p['start'].isoformat()}:{p['metric']}:{','.join(f'{k}={v}' for k, v in (seg or {}).items())}"
        out.append(Finding(
            check="shift.anomalous_period",
            failure_mode=FailureMode.DISTRIBUTION_SHIFT,
            severity=Severity.HIGH if p["metric"] != "missing share" else Severity.MEDIUM,
            columns=tuple(seg) if seg else (),
            message=f"training data {p['start']:%Y-%m-%d %H:%M} to {p['end']:%Y-%m-%d %H:%M}{where}: {p['metric']} "
            f"{what} in the neighbouring windows",
            evidence={"dataset": "reference", "start": p["start"].isoformat(), "end": p["end"].isoformat(),
                      "segment": seg or {}, "metric": p["metric"], "observed": p["observed"], "expected": p["expected"],
                      "p_value": p["p_value"], "alpha": ALPHA, "rows": p["rows"], "series": p["series"],
                      "threshold": f"{MIN_CHANGE:.0%} from the neighbours' median ({MIN_RATE_CHANGE:.0%} points for rates), "
                      f"Bonferroni at {ALPHA}"},
            recommendation="A model trained on an incident learns the incident: leave this period out of training "
            "(seismo.exclude_periods, or scan --exclude-periods FILE) unless it reflects something that will recur.",
            id=f"shift.anomalous_period:{key}",
        ))
    return out


def exclude_periods(data: Any, findings: Iterable[Finding] | Any, *, timestamp: str) -> pl.DataFrame:
    """The table without the rows of the anomalous periods reported in ``findings`` (a Report or a
    list of findings): rows inside a period, and within its segment when it has one, are dropped.

    >>> import polars as pl
    >>> from datetime import datetime
    >>> from seismo.report.model import Finding
    >>> f = Finding(check="shift.anomalous_period", failure_mode="distribution_shift", severity="high", message="m",
    ...             evidence={"start": "2024-01-02T00:00:00+00:00", "end": "2024-01-03T00:00:00+00:00", "segment": {"r": "b"}})
    >>> df = pl.DataFrame({"t": [datetime(2024, 1, d) for d in (1, 2, 2, 3)], "r": ["b", "b", "a", "b"]})
    >>> exclude_periods(df, [f], timestamp="t").get_column("r").to_list()
    ['b', 'a', 'b']
    """
    from seismo.data.io import load

    frame = load(data).frame
    items: Sequence[Finding] = list(findings.findings if hasattr(findings, "findings") else findings)
    if timestamp not in frame.columns:
        raise InputError(f"--timestamp column {timestamp!r} not found; columns are {frame.columns[:15]}")
    times = to_utc(frame.get_column(timestamp)).values
    periods = [f.evidence for f in items if f.check == "shift.anomalous_period"]
    return frame.filter(~period_mask(frame, times, periods))
