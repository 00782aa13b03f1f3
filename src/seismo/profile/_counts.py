"""Counts per window over (segment key, outcome): what per-segment, per-slice and per-bucket
checks read (a model's error rate by country and day, a recommender's exposure by item bucket).

A :class:`SegmentCounts` holds, for each window, how many rows carry each combination of the key
columns' values and the outcome's value (the label, an error flag, a clicked flag). Numeric keys
are cut into buckets on given edges. Counts add when windows merge, so windows of a table merge
into the table's counts and hourly windows roll up into daily ones exactly.

Memory is one row per (window, key values, outcome) combination present. ``max_keys`` bounds it:
in each window, the key combinations beyond the ``max_keys`` most frequent are pooled into one
``"(other)"`` key (its rows are still counted, and ``pooled`` says how many combinations went
into it), so a merged ``"(other)"`` is a lower bound on no particular key, only on the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from seismo.data.time import as_utc, coarser_windows, to_utc, window_starts
from seismo.exceptions import InputError, ProfileError

__all__ = ["OTHER_KEY", "SegmentCounts", "segment_counts"]

OTHER_KEY = "(other)"


@dataclass(frozen=True, eq=False)
class SegmentCounts:
    """Rows per (window, key values, outcome value).

    Attributes
    ----------
    keys : tuple of str
        The key columns (values as text; numeric keys as bucket labels such as ``"[10, 20)"``).
    outcome : str or None
        The outcome column (values as text, null kept as null), or None for counts by key alone.
    table : polars.DataFrame
        One row per combination present: ``window`` (int), the key columns, the outcome (when
        given) and ``count``, sorted by all of them.
    windows : int
        How many windows there are (windows without rows have no row in ``table``).
    starts, every : tuple of datetime, str or None
        Time windows: their UTC starts and length (``every`` None for one window of all rows; a
        table without rows has time windows of its length but none of them).
    pooled : int
        Key combinations pooled into ``"(other)"`` across windows (0: every key counted apart).
    """

    keys: tuple[str, ...]
    outcome: str | None
    table: pl.DataFrame
    windows: int
    starts: tuple[datetime, ...] = ()
    every: str | None = None
    pooled: int = 0

    def _columns(self) -> list[str]:
        return [*self.keys, *([self.outcome] if self.outcome is not None else [])]

    def grouped(self, group: Sequence[int] | np.ndarray[Any, Any], n_groups: int, *,
                starts: Sequence[datetime] = (), every: str | None = None) -> SegmentCounts:
        """Windows combined into ``n_groups`` groups (``group[i]``: window ``i``'s group)."""
        g = np.asarray(group, dtype=np.int64)
        if g.shape != (self.windows,) or (g.size and (int(g.min()) < 0 or int(g.max()) >= n_groups)):
            raise ProfileError(f"a group per window in [0, {n_groups}) is needed, got shape {g.shape}")
        mapped = self.table.with_columns(pl.col("window").replace_strict(
            list(range(self.windows)), g.tolist(), return_dtype=pl.Int64)) if self.windows else self.table
        return replace(self, table=_summed(mapped, self._columns()), windows=n_groups, starts=tuple(starts),
                       every=every)

    def total(self) -> SegmentCounts:
        """Every window combined into one."""
        return self.grouped(np.zeros(self.windows, dtype=np.int64), 1)

    def rollup(self, every: str) -> SegmentCounts:
        """Coarser time windows (``"1h"`` -> ``"1d"``) summed from these ones."""
        if self.every is None:
            raise ProfileError("only counts per time window roll up; these have one window of all rows")
        group, starts = coarser_windows(self.starts, every)
        return self.grouped(group, len(starts), starts=starts, every=every)

    def merge(self, other: SegmentCounts) -> SegmentCounts:
        """Both tables' rows together: time windows with the same start add up (the same ``every``),
        one-window counts add."""
        if (self.keys, self.outcome) != (other.keys, other.outcome):
            raise ProfileError(f"cannot merge counts by {list(self.keys)} / {self.outcome} with counts by "
                               f"{list(other.keys)} / {other.outcome}")
        if self.every != other.every:
            raise ProfileError(f"cannot merge windows of {self.every} with windows of {other.every}")
        if self.every is None:
            if self.windows != other.windows:
                raise ProfileError(f"cannot merge counts of {self.windows} and {other.windows} windows")
            both = pl.concat([self.table, other.table])
            return replace(self, table=_summed(both, self._columns()), pooled=self.pooled + other.pooled)
        union = sorted(set(self.starts) | set(other.starts))
        at = {t: i for i, t in enumerate(union)}
        parts = [c.table.with_columns(pl.col("window").replace_strict(
            list(range(c.windows)), [at[t] for t in c.starts], return_dtype=pl.Int64)) for c in (self, other)]
        return replace(self, table=_summed(pl.concat(parts), self._columns()), windows=len(union),
                       starts=tuple(union), pooled=self.pooled + other.pooled)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the table as columns of lists."""
        return {"keys": list(self.keys), "outcome": self.outcome, "windows": self.windows,
                "starts": [t.isoformat() for t in self.starts], "every": self.every, "pooled": self.pooled,
                "table": {c: self.table.get_column(c).to_list() for c in self.table.columns}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentCounts:
        """The counts :meth:`to_dict` wrote."""
        try:
            keys = tuple(str(k) for k in data["keys"])
            outcome = None if data["outcome"] is None else str(data["outcome"])
            columns = ["window", *keys, *([outcome] if outcome is not None else []), "count"]
            raw = data["table"]
            schema = {"window": pl.Int64, **{c: pl.String for c in columns[1:-1]}, "count": pl.Int64}
            table = pl.DataFrame({c: raw[c] for c in columns}, schema=schema)
            return cls(keys, outcome, table, int(data["windows"]),
                       tuple(as_utc(datetime.fromisoformat(t)) for t in data.get("starts", ())), data.get("every"),
                       int(data.get("pooled", 0)))
        except (KeyError, TypeError, ValueError, pl.exceptions.PolarsError) as exc:
            raise ProfileError(f"not segment counts: {exc}") from exc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SegmentCounts) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def _summed(table: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    by = ["window", *columns]
    return table.group_by(by).agg(pl.col("count").sum()).sort(by, nulls_last=True)


def _bucket_labels(edges: Sequence[float]) -> list[str]:
    e = [float(x) for x in edges]
    fmt = [f"{x:g}" for x in e]
    return [f"< {fmt[0]}", *(f"[{a}, {b})" for a, b in zip(fmt[:-1], fmt[1:], strict=True)), f">= {fmt[-1]}"]


def _key_values(frame: pl.DataFrame, name: str, edges: Sequence[float] | None) -> pl.Series:
    s = frame.get_column(name)
    if edges is None:
        return s.cast(pl.String, strict=False).alias(name)
    if not s.dtype.is_numeric():
        raise InputError(f"buckets for {name!r}: the column holds {s.dtype}, not numbers")
    e = np.asarray(edges, dtype=np.float64)
    if e.ndim != 1 or e.size == 0 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise InputError(f"buckets for {name!r} must be finite, increasing edges, got {list(edges)}")
    v = s.cast(pl.Float64).to_numpy()
    idx = np.searchsorted(e, v, side="right")
    labels = np.asarray(_bucket_labels(e.tolist()), dtype=object)[np.minimum(idx, e.size)]
    return pl.Series(name, labels.tolist(), dtype=pl.String).set(pl.Series(np.isnan(v)), None)


def segment_counts(frame: pl.DataFrame, keys: Sequence[str], *, outcome: str | None = None,
                   buckets: Mapping[str, Sequence[float]] | None = None, timestamp: str | None = None,
                   every: str | None = None, max_keys: int | None = 10_000) -> SegmentCounts:
    """Rows per (window, key values, outcome) of ``frame``: per ``every``-long window of
    ``timestamp`` (times outside 1990-2100 left out, as every time window in seismo), else one
    window of all rows. ``buckets`` cuts numeric keys on edges; ``max_keys`` bounds the key
    combinations kept per window (the rest pooled into ``"(other)"``; None: no bound).

    >>> import polars as pl
    >>> f = pl.DataFrame({"country": ["no", "no", "pe", "no"], "error": [0, 1, 1, 0]})
    >>> segment_counts(f, ["country"], outcome="error").table.rows()
    [(0, 'no', '0', 2), (0, 'no', '1', 1), (0, 'pe', '1', 1)]
    """
    keys = tuple(keys)
    buckets = dict(buckets or {})
    missing = [c for c in (*keys, *([outcome] if outcome else []), *([timestamp] if timestamp else []))
               if c not in frame.columns]
    if missing:
        raise InputError(f"column {missing[0]!r} not found; columns are {frame.columns[:15]}")
    if not keys:
        raise InputError("segment counts need at least one key column")
    if len(set(keys)) != len(keys) or (outcome is not None and outcome in keys):
        raise InputError(f"key and outcome columns must differ, got keys {list(keys)} and outcome {outcome!r}")
    unknown = [b for b in buckets if b not in keys]
    if unknown:
        raise InputError(f"buckets for {unknown[0]!r}, which is not a key column")
    if max_keys is not None and (isinstance(max_keys, bool) or max_keys < 1):
        raise InputError(f"max_keys must be a whole number >= 1 or None, got {max_keys!r}")
    starts: list[datetime] = []
    if timestamp is not None and every is not None:
        index, uniq = window_starts(to_utc(frame.get_column(timestamp)).values, every)
        starts, n_windows = [as_utc(t) for t in uniq.to_list()], uniq.len()
    else:
        index, n_windows = np.zeros(frame.height, dtype=np.int64), 1 if frame.height else 0
    cols = [_key_values(frame, k, buckets.get(k)) for k in keys]
    if outcome is not None:
        cols.append(frame.get_column(outcome).cast(pl.String, strict=False).alias(outcome))
    data = pl.DataFrame([pl.Series("window", index, dtype=pl.Int64), *cols]).filter(pl.col("window") >= 0)
    names = [*keys, *([outcome] if outcome is not None else [])]
    table = data.group_by(["window", *names]).agg(pl.len().cast(pl.Int64).alias("count"))
    pooled = 0
    if max_keys is not None and table.height:
        per_key = table.group_by(["window", *keys]).agg(pl.col("count").sum().alias("_n"))
        # most frequent first, ties by key value: the same keys are kept whatever the row order
        ranked = per_key.sort(["window", "_n", *keys], descending=[False, True, *([False] * len(keys))],
                              nulls_last=True).with_columns((pl.int_range(pl.len()).over("window") + 1).alias("_rank"))
        over = ranked.filter(pl.col("_rank") > max_keys)
        pooled = over.height
        if pooled:
            table = table.join(ranked.select(["window", *keys, "_rank"]), on=["window", *keys], nulls_equal=True)
            table = table.with_columns([pl.when(pl.col("_rank") > max_keys).then(pl.lit(OTHER_KEY)).otherwise(pl.col(k))
                                        .alias(k) for k in keys]).drop("_rank")
    timed = timestamp is not None and every is not None
    return SegmentCounts(keys, outcome, _summed(table, names), n_windows, tuple(starts), every if timed else None,
                         pooled)
