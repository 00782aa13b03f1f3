"""Profiles per time window: one mergeable :class:`TableProfile` per window of a table.

Windows are half-open intervals ``[start, start + every)`` of UTC time, aligned as polars'
``dt.truncate(every)`` aligns them (days at midnight UTC, weeks on Mondays). Rows whose time is
missing, unreadable or outside 1990-2100 (epoch-zero placeholders, typos) are kept apart (:attr:`WindowedProfile.unplaced`), so that the windows
and those rows together are the whole table: ``windowed.total()`` equals ``profile_table(frame)``
exactly for counts, extremes, frequent items and distinct-count sketches, up to rounding for sums,
means and variances, and within the KLL sketch's stated rank error for quantiles.

Windows roll up (:meth:`WindowedProfile.rollup`): hourly profiles merge into daily ones, daily
into weekly ones, from the summaries alone. Metrics of coarser windows are always computed from
merged summaries, never by averaging the finer windows' metric values.

Examples
--------
>>> from datetime import datetime, timedelta, UTC
>>> import polars as pl
>>> from seismo.profile import profile_table, profile_windows
>>> t0 = datetime(2024, 3, 1, tzinfo=UTC)
>>> frame = pl.DataFrame({"ts": [t0 + timedelta(hours=5 * i) for i in range(20)], "x": [float(i) for i in range(20)]})
>>> hourly = profile_windows(frame, timestamp="ts", every="1h")
>>> daily = hourly.rollup("1d")
>>> [p.n_rows for p in daily.profiles], daily.total()["x"].mean == profile_table(frame)["x"].mean
([5, 5, 5, 5], True)
>>> WindowedProfile.from_dict(daily.to_dict()) == daily
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl

from seismo.data.time import as_utc, to_utc, window_starts, windows_nest
from seismo.exceptions import InputError, ProfileError
from seismo.profile._segments import profile_segments
from seismo.profile._table import TableProfile

__all__ = ["WindowedProfile", "profile_windows", "window_index"]


@dataclass(frozen=True)
class WindowedProfile:
    """One profile per time window, and the profile of the rows without a usable time.

    Attributes
    ----------
    every : str
        The window length as a polars duration (``"1h"``, ``"1d"``, ``"1w"``).
    starts : tuple of datetime
        Each window's start (UTC), increasing; only windows with rows are kept.
    profiles : tuple of TableProfile
        The profile of each window's rows, in the order of ``starts``.
    unplaced : TableProfile
        The rows whose time was missing or unreadable (zero rows when there were none).
    timestamp : str or None
        The column whose times cut the windows (None when not recorded).
    first, last : datetime or None
        The earliest and the latest time placed in a window (None when not recorded): the exact
        span, which the windows' starts give only to within a window.
    """

    every: str
    starts: tuple[datetime, ...]
    profiles: tuple[TableProfile, ...]
    unplaced: TableProfile
    timestamp: str | None = None
    first: datetime | None = None
    last: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.starts) != len(self.profiles):
            raise ProfileError(f"{len(self.starts)} window starts for {len(self.profiles)} profiles")
        if any(b <= a for a, b in zip(self.starts, self.starts[1:], strict=False)):
            raise ProfileError("window starts must increase")
        if (self.first is None) != (self.last is None) or (self.first is not None and self.last is not None and (
                self.last < self.first or not self.starts or self.first < self.starts[0]
                or self.last < self.starts[-1])):
            raise ProfileError("the windows' first and last times must both be given and lie in the windows")

    def _with_extent(self, other: WindowedProfile | None, every: str, starts: tuple[datetime, ...],
                     profiles: tuple[TableProfile, ...], unplaced: TableProfile) -> WindowedProfile:
        """Windows like these, keeping the time column and the extent (of both, for a merge)."""
        first, last, timestamp = self.first, self.last, self.timestamp
        if other is not None:
            timestamp = timestamp if timestamp == other.timestamp else None
            if not self.starts:
                first, last = other.first, other.last
            elif other.starts:  # (a side of only unplaced rows leaves the extent as it is)
                if first is None or last is None or other.first is None or other.last is None:
                    first = last = None  # one side did not record it
                else:
                    first, last = min(first, other.first), max(last, other.last)
        return WindowedProfile(every, starts, profiles, unplaced, timestamp, first if starts else None,
                               last if starts else None)

    @property
    def n_rows(self) -> int:
        return self.unplaced.n_rows + sum(p.n_rows for p in self.profiles)

    def total(self) -> TableProfile:
        """The profile of every row: all windows and the unplaced rows merged."""
        return functools.reduce(TableProfile.merge, self.profiles, self.unplaced)

    def window(self, start: datetime) -> TableProfile | None:
        """The profile of the window starting at ``start`` (None when it has no rows)."""
        try:
            return self.profiles[self.starts.index(as_utc(start))]
        except ValueError:
            return None

    def merge(self, other: WindowedProfile) -> WindowedProfile:
        """Both profiles' rows together: windows with the same start merge (same ``every``)."""
        if other.every != self.every:
            raise ProfileError(f"cannot merge windows of {self.every} with windows of {other.every}; roll up first")
        by_start = dict(zip(self.starts, self.profiles, strict=True))
        for start, prof in zip(other.starts, other.profiles, strict=True):
            by_start[start] = by_start[start].merge(prof) if start in by_start else prof
        starts = tuple(sorted(by_start))
        return self._with_extent(other, self.every, starts, tuple(by_start[s] for s in starts),
                                 self.unplaced.merge(other.unplaced))

    def rollup(self, every: str) -> WindowedProfile:
        """Coarser windows (``"1h"`` -> ``"1d"``) merged from these ones. Every window must lie
        inside one coarser window, which holds when the coarser length is a multiple of this one
        on polars' alignment (hours into days, days into weeks or months)."""
        if not self.starts:
            return self._with_extent(None, every, (), (), self.unplaced)
        if not windows_nest(self.starts, self.every, every):
            raise ProfileError(f"windows of {self.every} do not nest in windows of {every}")
        coarse = pl.Series(self.starts, dtype=pl.Datetime("us", "UTC")).dt.truncate(every)
        merged: dict[datetime, TableProfile] = {}
        for start, prof in zip(coarse.to_list(), self.profiles, strict=True):
            merged[start] = merged[start].merge(prof) if start in merged else prof
        keys = tuple(sorted(merged))
        return self._with_extent(None, every, keys, tuple(merged[k] for k in keys), self.unplaced)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``{"every", "starts": [ISO-8601], "profiles": [...], "unplaced": {...}}``, with
        ``"timestamp"``, ``"first"`` and ``"last"`` when recorded."""
        out: dict[str, Any] = {"every": self.every, "starts": [s.isoformat() for s in self.starts],
                               "profiles": [p.to_dict() for p in self.profiles], "unplaced": self.unplaced.to_dict()}
        if self.timestamp is not None:
            out["timestamp"] = self.timestamp
        if self.first is not None and self.last is not None:
            out["first"], out["last"] = self.first.isoformat(), self.last.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WindowedProfile:
        """Inverse of :meth:`to_dict`; raises :class:`~seismo.exceptions.ProfileError` for anything
        malformed: a window length that is not a positive polars duration, starts not on its grid,
        windows whose columns differ from one another."""
        try:
            every = str(data["every"])
            length = _DURATION.fullmatch(every)
            if length is None or int(length.group(1)) == 0:
                raise ProfileError(f"window length {every!r} is not a positive polars duration such as '1h' or '1d'")
            starts = tuple(as_utc(datetime.fromisoformat(str(s))) for s in data["starts"])
            profiles = tuple(TableProfile.from_dict(p) for p in data["profiles"])
            unplaced = TableProfile.from_dict(data["unplaced"])
            timestamp = data.get("timestamp")
            if timestamp is not None and not isinstance(timestamp, str):
                raise ProfileError("the windows' time column must be a name")
            first, last = (None if data.get(k) is None else as_utc(datetime.fromisoformat(str(data[k])))
                           for k in ("first", "last"))
        except ProfileError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise ProfileError(f"malformed windowed profile: {exc!r}") from exc
        names = set(unplaced.columns)
        if any(set(p.columns) != names for p in profiles):
            raise ProfileError("every window must profile the same columns")
        if starts and pl.Series(starts, dtype=pl.Datetime("us", "UTC")).dt.truncate(every).to_list() != list(starts):
            raise ProfileError(f"window starts are not on the {every} grid")
        return cls(every, starts, profiles, unplaced, timestamp, first, last)


_DURATION = re.compile(r"(\d+)(ns|us|ms|s|m|h|d|w|mo|q|y)")
"""A single-unit polars duration (``"1h"``, ``"7d"``): the window lengths seismo writes."""


def window_index(times: pl.Series, every: str) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[datetime]]:
    """Each row's window (``-1`` for a missing time, or one outside 1990-2100 as every time window
    in seismo: :func:`seismo.data.time.plausible_times`) and the windows' starts, for UTC datetimes."""
    try:
        index, uniq = window_starts(times, every)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise InputError(f"window length {every!r} is not a polars duration such as '1h', '1d' or '1w': {exc}") from exc
    return index.astype(np.int64, copy=False), [as_utc(t) for t in uniq.to_list()]


def profile_windows(frame: pl.DataFrame, *, timestamp: str, every: str = "1d",
                    bins: Mapping[str, Sequence[float]] | None = None, **options: int) -> WindowedProfile:
    """Profile each ``every``-long window of ``frame`` by the time in column ``timestamp``.

    The time column is read as :func:`seismo.data.time.to_utc` reads it (datetimes, epoch
    numbers, ISO text); it stays in the profiles as a column like the others. ``bins`` and
    ``options`` (``top_k``, ``kll_k``, ``hll_p``) are those of :func:`profile_table`.
    """
    if timestamp not in frame.columns:
        raise InputError(f"time column {timestamp!r} not found; columns are {frame.columns[:15]}")
    times = to_utc(frame.get_column(timestamp)).values
    index, starts = window_index(times, every)
    windows = _windowed(frame, index, starts, every, bins, options)
    placed = times.filter(pl.Series(index >= 0))
    lo, hi = (placed.min(), placed.max()) if placed.len() else (None, None)
    return WindowedProfile(windows.every, windows.starts, windows.profiles, windows.unplaced, timestamp,
                           as_utc(lo) if isinstance(lo, datetime) else None, as_utc(hi) if isinstance(hi, datetime) else None)


def _windowed(frame: pl.DataFrame, index: np.ndarray[Any, np.dtype[np.int64]], starts: list[datetime], every: str,
              bins: Mapping[str, Sequence[float]] | None, options: Mapping[str, int]) -> WindowedProfile:
    """Profiles of the rows of each window (``index``: -1 for no window), in one pass per column."""
    n = len(starts)
    slot = np.where(index < 0, n, index)  # the unplaced rows last
    if len(slot) > 1 and bool(np.any(slot[1:] < slot[:-1])):
        order = np.argsort(slot.astype(np.int16) if n < 32_767 else slot, kind="stable")
        frame, slot = frame[pl.Series(order)], slot[order]
    bounds = np.searchsorted(slot, np.arange(n + 2))
    profiles = profile_segments(frame, bounds, bins=bins, **options)
    return WindowedProfile(every, tuple(starts), tuple(profiles[:n]), profiles[n])
