"""Timestamps handled explicitly: naive, tz-aware, epoch (s/ms/us/ns) and text.

Every time column is brought to ``Datetime("us", "UTC")``. Tz-aware values are converted to
UTC; naive values are taken to be UTC already (and the result says so); epoch integers are read
in the unit given, or in the one their magnitude implies (1990-2050); strings are parsed as
ISO-8601 and the rows that do not parse are counted, never silently dropped.

>>> import polars as pl
>>> r = to_utc(pl.Series("t", [1_700_000_000, 1_700_000_060]))
>>> r.unit, str(r.values[0])
('s', '2023-11-14 22:13:20+00:00')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from seismo.data.semantic import EPOCH_UNITS, _epoch_unit, _is_yyyymmdd
from seismo.exceptions import InputError

__all__ = ["MIN_WINDOW_ROWS", "TimeColumn", "choose_window", "plausible_times", "to_utc", "window_name", "window_starts"]

MIN_WINDOW_ROWS = 30
"""A time window with fewer rows is listed but not judged (by the checks over time)."""
_WINDOW_NAMES = {"1h": "hourly", "1d": "daily", "1w": "weekly"}


def window_name(every: str | None) -> str:
    """``"weekly windows"`` for ``"1w"``, ``"6h windows"`` for a length without a word, plain
    ``"windows"`` for windows that are not cut by time: for reasons."""
    return "windows" if every is None else f"{_WINDOW_NAMES.get(every, every)} windows"

_WINDOWS = (("1h", timedelta(hours=1), 24), ("1d", timedelta(days=1), 7), ("1w", timedelta(weeks=1), 52))
_PLAUSIBLE = (datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))

_TARGET = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class TimeColumn:
    """A column converted to UTC datetimes.

    Attributes
    ----------
    values
        ``Datetime("us", "UTC")`` series, null where the input was null or did not parse.
    unit
        How the input was read: ``"datetime"``, ``"date"``, ``"naive"``, an epoch unit
        (``"s"``, ``"ms"``, ``"us"``, ``"ns"``), ``"yyyymmdd"`` integers, or ``"text"``.
    unparsable
        Rows that held a value that could not be read as a time.
    examples
        Up to five of those values, as text.
    """

    values: pl.Series
    unit: str
    unparsable: int
    examples: tuple[str, ...] = ()


def to_utc(series: pl.Series, *, unit: str | None = None) -> TimeColumn:
    """Convert ``series`` to UTC datetimes; ``unit`` forces the epoch unit of numbers."""
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return TimeColumn(series.dt.replace_time_zone("UTC").cast(_TARGET), "naive", 0)
        return TimeColumn(series.dt.convert_time_zone("UTC").cast(_TARGET), "datetime", 0)
    if dtype == pl.Date:
        return TimeColumn(series.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"), "date", 0)
    if dtype.is_numeric():
        return _from_epoch(series, unit)
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return _from_text(series.cast(pl.String))
    raise InputError(f"column {series.name!r}: cannot read {dtype} values as times")


def _from_yyyymmdd(series: pl.Series) -> TimeColumn:
    text = series.cast(pl.String)
    parsed = text.str.to_datetime("%Y%m%d", strict=False, time_unit="us", time_zone="UTC")
    bad = series.is_not_null() & parsed.is_null()
    examples = tuple(str(v) for v in series.filter(bad).head(5).to_list())
    return TimeColumn(parsed.cast(_TARGET).alias(series.name), "yyyymmdd", int(bad.sum()), examples)


def _from_epoch(series: pl.Series, unit: str | None) -> TimeColumn:
    finite = series.cast(pl.Float64)
    finite = finite.filter(finite.is_finite() & (finite != 0.0))  # 0 is a placeholder, not a unit hint
    if unit is None:
        if finite.len() == 0:
            unit = "s"
        else:
            lo, hi = finite.min(), finite.max()
            assert isinstance(lo, float) and isinstance(hi, float)
            unit = _epoch_unit(lo, hi)
            if unit is None and series.dtype.is_integer() and _is_yyyymmdd(series.drop_nulls(), lo, hi):
                return _from_yyyymmdd(series)
            if unit is None:
                raise InputError(
                    f"column {series.name!r}: numbers from {lo:g} to {hi:g} are not epoch times in 1990-2050; "
                    "pass the unit explicitly or give a datetime column"
                )
    if unit not in EPOCH_UNITS:
        raise InputError(f"epoch unit must be one of {', '.join(EPOCH_UNITS)}; got {unit!r}")
    micros = (series.cast(pl.Float64) * (1_000_000 / EPOCH_UNITS[unit])).round(0)
    bad = series.is_not_null() & ~micros.is_finite().fill_null(False)
    values = pl.select(
        pl.when(micros.is_finite()).then(micros).otherwise(None).cast(pl.Int64).cast(pl.Datetime("us"))
    ).to_series().dt.replace_time_zone("UTC").alias(series.name)
    examples = tuple(str(v) for v in series.filter(bad).head(5).to_list())
    return TimeColumn(values, unit, int(bad.sum()), examples)


_ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


def _from_text(series: pl.Series) -> TimeColumn:
    """ISO-8601 text, each row in whichever ISO layout it uses; day/month orders that are
    ambiguous (``01/02/2024``) are not guessed."""
    stripped = series.str.strip_chars()
    text = stripped.str.replace(r"[Zz]$", "+00:00")
    parsed = text.str.to_datetime(strict=False, time_unit="us", time_zone="UTC")
    for fmt in _ISO_FORMATS:
        missing = parsed.is_null() & text.is_not_null() & (text != "")
        if not missing.any():
            break
        attempt = text.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        parsed = parsed.fill_null(attempt)
    bad = stripped.is_not_null() & (stripped != "") & parsed.is_null()
    examples = tuple(str(v) for v in series.filter(bad).head(5).to_list())
    return TimeColumn(parsed.cast(_TARGET).alias(series.name), "text", int(bad.sum()), examples)


def choose_window(span: timedelta) -> tuple[str, int]:
    """The window length (polars duration) for a span, and its cycle in windows (24 hours a day,
    7 days a week, 52 weeks a year).

    >>> choose_window(timedelta(days=2)), choose_window(timedelta(days=30)), choose_window(timedelta(days=400))
    (('1h', 24), ('1d', 7), ('1w', 52))
    """
    for every, length, cycle in _WINDOWS:
        if span / length <= 72:
            return every, cycle
    return _WINDOWS[-1][0], _WINDOWS[-1][2]


def window_cycle(every: str) -> int:
    """The cycle of a window length a scan chooses, in windows (24 hours, 7 days, 52 weeks); 1 for
    any other length (no cycle is looked for).

    >>> window_cycle("1d"), window_cycle("6h")
    (7, 1)
    """
    return next((cycle for e, _, cycle in _WINDOWS if e == every), 1)


def coarser_choice(given: str, chosen: str, starts: Sequence[datetime]) -> str | None:
    """The window length to read windows of ``given`` length (starting at ``starts``) at, when
    ``chosen`` is what the span calls for: ``chosen`` when the windows nest in it (15 minutes or
    6 hours into hours or days, days into weeks), else ``given`` when it is a length
    :func:`choose_window` picks (windows cannot be split, and the reference's variation is
    known at that length), else None: no length a scan judges can be read off them.

    >>> t = [datetime(2024, 1, 1, h, tzinfo=UTC) for h in (0, 6, 12, 22)]
    >>> coarser_choice("6h", "1d", t[:3]), coarser_choice("1d", "1h", t[:1]), coarser_choice("5h", "1d", t[3:])
    ('1d', '1d', None)
    """
    if given == chosen or (starts and windows_nest(starts, given, chosen)):
        return chosen
    return given if given in [e for e, _, _ in _WINDOWS] else None


def windows_nest(starts: Sequence[datetime], every: str, coarser: str) -> bool:
    """Whether each ``every``-long window starting at ``starts`` lies inside one ``coarser``
    window on polars' alignment (what merging them into coarser windows needs)."""
    if not starts:
        return True
    try:
        s = pl.Series(list(starts), dtype=pl.Datetime("us", "UTC"))
        ends = s.dt.offset_by(every).dt.offset_by("-1us").dt.truncate(coarser)
        return bool((s.dt.truncate(coarser) == ends).all())
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise InputError(f"window lengths {every!r} and {coarser!r} must be polars durations such as '1h' or '1d': "
                         f"{exc}") from exc


def window_end(start: datetime, every: str) -> datetime:
    """The last instant of the ``every``-long window starting at ``start`` (one microsecond
    before the next window)."""
    s = pl.Series([start], dtype=pl.Datetime("us", "UTC")).dt.offset_by(every).dt.offset_by("-1us")
    return as_utc(s.to_list()[0])


def plausible_times(times: pl.Series) -> pl.Series:
    """Times outside 1990-2100 (epoch-zero placeholders, typos) are left out of every window."""
    lo, hi = _PLAUSIBLE
    return pl.select(pl.when(times.is_between(lo, hi)).then(times).otherwise(None)).to_series()


def as_utc(t: datetime) -> datetime:
    """``t`` in UTC; a naive datetime is taken to be UTC already."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def coarser_windows(starts: Sequence[datetime], every: str) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[datetime]]:
    """For window starts, each one's coarser ``every``-long window (an index) and the coarser
    windows' sorted starts: the grouping with which summaries of hours roll up into days.
    A start goes to the window it falls in on polars' alignment (``dt.truncate``)."""
    try:
        coarse = pl.Series(list(starts), dtype=pl.Datetime("us", "UTC")).dt.truncate(every)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise InputError(f"window length {every!r} is not a polars duration such as '1h', '1d' or '1w': {exc}") from exc
    uniq = coarse.unique().sort()
    group = np.searchsorted(uniq.to_numpy(), coarse.to_numpy()).astype(np.int64)
    return group, [as_utc(t) for t in uniq.to_list()]


def window_starts(times: pl.Series, every: str) -> tuple[np.ndarray[Any, Any], pl.Series]:
    """Each row's window (``-1`` for a missing or implausible time) and the sorted window
    starts, for UTC datetimes cut into ``every``-long windows."""
    starts = plausible_times(times).dt.truncate(every)
    uniq = starts.drop_nulls().unique().sort()
    index = starts.replace_strict(uniq, pl.int_range(uniq.len(), eager=True), default=-1, return_dtype=pl.Int64)
    return index.fill_null(-1).to_numpy(), uniq
