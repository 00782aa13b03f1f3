"""Timestamps that cannot be read, lie in the future, or hold the epoch-zero placeholder.

Counted on a table's rows when they are given. From its profile alone: exactly while the
column's frequent items keep every distinct value (they are read as times the way the rows are);
else the non-finite numbers are counted, future values are read off the quantile summary
(:func:`seismo.profile.tails`, estimated within its rank error) and epoch zeros and unreadable
text off the frequent items, whose kept counts bound them (``count_at_least`` / ``count_at_most``).
The epoch unit of numbers is read off the exact minimum and maximum; when zeros (placeholders,
left out as the rows leave them out) hold the minimum, off the quantile summary, which may not
see a few small values that would make the rows call the column unreadable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Column, Kind, Role
from seismo.data.semantic import EPOCH_UNITS, _epoch_unit
from seismo.data.time import to_utc
from seismo.exceptions import InputError
from seismo.profile import ColumnProfile, frequent_values, tails
from seismo.quality._counts import Count
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_timestamps"]

DQ = FailureMode.DATA_QUALITY
_EPOCH_ZERO = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = {"us": 1.0, "days": 86_400_000_000.0}
"""Microseconds per unit of a profiled ``datetime`` column's physical values (``Datetime`` in
microseconds since the epoch, ``Date`` in days)."""


@dataclass(frozen=True)
class _Times:
    """What one time column holds: values that cannot be read, and future and epoch-zero times."""

    unparsable: Count
    future: Count
    epoch_zero: Count


def _finding(label: str, c: str, sev: Severity, what: str, evidence: dict[str, object], key: str, rec: str) -> Finding:
    return Finding(
        check="quality.timestamps",
        failure_mode=DQ,
        severity=sev,
        columns=(c,),
        message=f"{c!r} ({label}): {what}",
        evidence={"dataset": label, **evidence},
        recommendation=rec,
        id=f"quality.timestamps:{label}:{c}:{key}",
    )


def check_timestamps(ctx: ScanContext) -> list[Finding]:
    """Unparsable values in time columns; future-dated and epoch-zero values in the event time."""
    now = datetime.now(UTC) + timedelta(days=1)
    out = []
    judged = 0
    for label, info, profile in ctx.tables():
        ds = ctx.reference if label == "reference" else ctx.current
        rows = ds.frame if ds is not None and label not in ctx.partial else None
        for c, cp in profile.columns.items():
            col = ctx.schema.get(c)
            if col is None or not (col.role == Role.TIMESTAMP or col.kind == Kind.DATETIME):
                continue
            try:
                times = _judge(rows.get_column(c), now).times if rows is not None and c in rows.columns \
                    else _of_profile(cp, now)
            except InputError as exc:
                if col.role != Role.TIMESTAMP and not col.declared:
                    continue
                out.append(_finding(label, c, Severity.HIGH, f"cannot be read as times ({exc})", {"dtype": cp.dtype},
                                    "unreadable", "Store times as ISO-8601 text or a datetime type, or declare the epoch unit."))
                continue
            if times is not None:
                judged += 1
                out.extend(_findings(label, c, col, times, info.rows))
    if not judged and not out:
        raise NotApplicable("no time column (--timestamp), or none that could be read")
    return out


def _findings(label: str, c: str, col: Column, t: _Times, n: int) -> list[Finding]:
    out = []
    if t.unparsable.least and (col.role == Role.TIMESTAMP or col.declared or col.confidence >= 0.6):
        u = t.unparsable
        share = u.least / n
        out.append(_finding(
            label, c, Severity.HIGH if share >= 0.1 else Severity.MEDIUM, f"{u.phrase(n)} cannot be parsed as times",
            {"count": u.count, "share": u.count / n, "rows": n, "examples": u.examples, "threshold": 0, **u.bounds()},
            "unparsable", "Fix the writer or parse with an explicit format; rows without a time fall out of "
            "every time window and chronological split."))
    if col.role != Role.TIMESTAMP:
        return out  # birth dates before 1970 and due dates in the future are ordinary values
    for count, key, what, rec in (
        (t.future, "future", "in the future", "Future times come from clock skew or a wrong time zone or unit; "
         "they also break chronological splits."),
        (t.epoch_zero, "epoch_zero", "exactly 1970-01-01T00:00:00Z (an epoch-zero placeholder)",
         "Epoch zero is a default written when the real time was missing; treat it as null."),
    ):
        if count.least:
            out.append(_finding(label, c, Severity.MEDIUM if count.least / n >= 0.001 else Severity.LOW,
                                f"{count.phrase(n)} are {what}",
                                {"count": count.count, "share": count.count / n, "rows": n, "threshold": 0,
                                 "examples": count.examples, **count.bounds()}, key, rec))
    return out


@dataclass(frozen=True)
class _Judged:
    """Each value's verdict (unreadable, in the future, epoch zero) and the counts they add up to."""

    times: _Times
    bad: np.ndarray
    future: np.ndarray
    zero: np.ndarray


def _judge(s: pl.Series, now: datetime, weights: np.ndarray | None = None) -> _Judged:
    """The counts on a column's values, each seen ``weights`` times (once, by default). The
    examples are what a profile keeps too: the commonest unreadable values, the latest future time."""
    t = to_utc(s)
    w = np.ones(s.len(), dtype=np.int64) if weights is None else weights
    bad = (s.is_not_null() & t.values.is_null()).to_numpy()
    if s.dtype == pl.String or isinstance(s.dtype, (pl.Categorical, pl.Enum)):  # blank text is missing, not unreadable
        bad &= (s.cast(pl.String).str.strip_chars() != "").fill_null(False).to_numpy()
    future = (t.values > now).fill_null(False).to_numpy()
    zero = (t.values == _EPOCH_ZERO).fill_null(False).to_numpy()
    n_bad, n_future, n_zero = int(w[bad].sum()), int(w[future].sum()), int(w[zero].sum())
    latest = t.values.filter(pl.Series(future)).max() if n_future else None
    times = _Times(Count.exact(n_bad, _commonest(_spelled(s.filter(pl.Series(bad))), w[bad])),
                   Count.exact(n_future, [str(latest)] if latest is not None else []),
                   Count.exact(n_zero, [str(_EPOCH_ZERO)] if n_zero else []))
    return _Judged(times, bad, future, zero)


def _spelled(s: pl.Series) -> pl.Series:
    """Values as the examples write them: text as given, numbers as text (``nan``, ``inf``, ``-inf``)."""
    if not s.dtype.is_numeric():
        return s.cast(pl.String)
    f = pl.col("f")
    return pl.DataFrame({"f": s.cast(pl.Float64), "t": s.cast(pl.String)}).select(
        pl.when(f.is_nan()).then(pl.lit("nan")).when(f.is_infinite() & (f > 0)).then(pl.lit("inf"))
        .when(f.is_infinite()).then(pl.lit("-inf")).otherwise(pl.col("t"))).to_series()


def _commonest(values: pl.Series, weights: np.ndarray, k: int = 5) -> list[str]:
    if values.len() == 0:
        return []
    counts = pl.DataFrame({"v": values.cast(pl.String), "n": weights}).group_by("v").agg(pl.col("n").sum())
    return [str(v) for v in counts.sort(["n", "v"], descending=[True, False])["v"].head(k).to_list()]


def _readable(cp: ColumnProfile) -> None:
    """Raise as :func:`seismo.data.time.to_utc` raises on the rows for a type it cannot read as
    times: anything but text, numbers, datetimes and dates (an all-null column has no type)."""
    dtypes = cp.dtype.split("|")
    ok = cp.kind in ("string", "numeric") or (
        cp.kind == "datetime" and (all(d.startswith("Datetime") for d in dtypes) or dtypes == ["Date"]))
    if not ok:
        raise InputError(f"column {cp.name!r}: cannot read {cp.dtype} values as times")


def _of_profile(cp: ColumnProfile, now: datetime) -> _Times | None:
    """:func:`_judge` read off a profile (None for what a profile cannot read as times)."""
    _readable(cp)
    fi = cp.frequent_items
    nonfinite = cp.nan_count + cp.posinf_count + cp.neginf_count if cp.kind == "numeric" else 0
    if fi is not None and not fi.error and not fi.other_count:  # every distinct value kept: the rows, less repeats
        kept = frequent_values(cp, nonfinite=True)
        if kept is not None:
            values, counts = kept
            return _judge(values, now, counts).times
    if cp.kind == "string":
        return _text_of_profile(cp, now) if fi is not None else None
    if cp.kind not in ("numeric", "datetime") or cp.min is None or cp.max is None or fi is None:
        return None
    found = _unit_of(cp)
    if found is None:
        return None
    unit, scale = found
    now_units = (now - _EPOCH_ZERO).total_seconds() * scale
    t = tails(cp, -math.inf, now_units)
    zero_kept, error = fi.count(0.0), int(fi.error)
    latest = _as_time(float(cp.max), unit) if t.above else None
    spelled = [s for s, n in (("nan", cp.nan_count), ("inf", cp.posinf_count), ("-inf", cp.neginf_count)) if n]
    return _Times(Count.exact(nonfinite, spelled if cp.kind == "numeric" else []),
                  Count(t.above, t.above_least, [latest] if latest else [], rank_error=t.rank_error),
                  Count(zero_kept, zero_kept, [str(_EPOCH_ZERO)] if zero_kept else [], most=zero_kept + error))


def _unit_of(cp: ColumnProfile) -> tuple[str, float] | None:
    """The column's unit and its values per second: a datetime's physical unit, else the epoch unit
    its range implies, zeros left out as :func:`seismo.data.time.to_utc` leaves them out (None
    where only every value could tell)."""
    if cp.kind == "datetime":
        return str(cp.unit), 1_000_000.0 / _MICROS[str(cp.unit)]
    lo, hi = float(cp.min or 0.0), float(cp.max or 0.0)
    if lo == 0.0 and hi > 0.0:  # about the smallest value after the zeros: only the scale matters
        grid = cp.quantiles_array(np.linspace(0.0, 1.0, 1001))
        lo = float(grid[grid > 0.0].min()) if bool((grid > 0.0).any()) else hi
    unit = _epoch_unit(lo, hi)
    if unit is None and cp.dtype.startswith(("Int", "UInt")) and 19_000_101 <= lo and hi <= 21_001_231:
        return None  # perhaps YYYYMMDD integers: whether every one is a date needs all of them
    if unit is None:
        raise InputError(f"column {cp.name!r}: numbers from {lo:g} to {hi:g} are not epoch times in 1990-2050; "
                         "pass the unit explicitly or give a datetime column")
    return unit, float(EPOCH_UNITS[unit])


def _as_time(value: float, unit: str) -> str:
    micros = value * (_MICROS[unit] if unit in _MICROS else 1_000_000 / EPOCH_UNITS[unit])
    return str(pl.Series([round(micros)]).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")[0])


def _text_of_profile(cp: ColumnProfile, now: datetime) -> _Times:
    """Times written as text, from frequent items that dropped values: the kept keys are read as
    times; what they count is a lower bound within the summary's error, and what was not kept
    (``other_count``) may be anything."""
    fi = cp.frequent_items
    assert fi is not None
    top = fi.top()
    judged = _judge(pl.Series(cp.name, [k for k, _ in top], dtype=pl.String), now,
                    np.array([n for _, n in top], dtype=np.int64))
    error, unknown = int(fi.error), fi.other_count

    def bound(c: Count, mask: np.ndarray) -> Count:
        return Count(c.count, c.least, c.examples, most=c.count + int(mask.sum()) * error + unknown)

    t = judged.times
    return _Times(bound(t.unparsable, judged.bad), bound(t.future, judged.future), bound(t.epoch_zero, judged.zero))
