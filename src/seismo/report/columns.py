"""The per-column table of a report: every column, healthy or not, with its role, kind and the
statistics of each table, read from mergeable profiles (:mod:`seismo.profile`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from seismo.stats.numbers import finite_or_none as _num

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from seismo.data.schema import Schema
    from seismo.profile import TableProfile

__all__ = ["column_table", "distributions"]




def _is_calendar(cp: Any) -> bool:
    return cp.kind == "datetime" and str(cp.dtype).startswith(("Datetime", "Date"))


def _value(cp: Any, v: Any) -> float | str | None:
    """A statistic as a number, or as ISO-8601 text for dates and datetimes."""
    number = _num(v)
    if number is None or not _is_calendar(cp):
        return number
    from datetime import UTC, datetime, timedelta

    try:
        if str(cp.dtype).startswith("Datetime"):
            return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=number)).isoformat()
        return (datetime(1970, 1, 1) + timedelta(days=number)).date().isoformat()
    except OverflowError:
        return number


def _stats(cp: Any) -> dict[str, Any]:
    """A column profile's summary: missing share, distinct count, range or top value."""
    out: dict[str, Any] = {
        # NaN is missing, as in the missing-value checks (a float column's gaps are often NaN, not null)
        "missing": ((cp.null_count + cp.nan_count) / cp.count) if cp.count else None,
    }
    from seismo.profile import distinct_count

    counted = distinct_count(cp) if cp.count else None
    out["distinct"] = counted.value if counted is not None else None
    if counted is not None and not counted.exact:  # HyperLogLog's estimate: shown as one
        out["distinct_estimated"] = True
    if cp.kind in ("numeric", "datetime", "boolean") and (getattr(cp, "finite_count", None) or 0) > 0:
        out["min"] = _value(cp, cp.min)
        out["median"] = _value(cp, cp.quantile(0.5))
        out["max"] = _value(cp, cp.max)
        if not _is_calendar(cp):
            out["mean"] = _num(cp.mean)
            out["std"] = _num(cp.std)
    top = cp.top(1) if cp.count else []
    if top and cp.kind in ("string", "boolean"):
        value, count = top[0]
        out["top"] = str(value)
        out["top_share"] = count / max(cp.count - cp.null_count, 1)
    return out


def column_table(schema: Schema, profiles: Mapping[str, TableProfile],
                 column_stats: Mapping[str, Mapping[str, object]] | None = None, *,
                 rows: Mapping[str, pl.DataFrame] | None = None) -> list[dict[str, Any]]:
    """One row per column of the schema: ``name, role, kind, confidence``, then per-table stats
    read from ``profiles`` (prefixed by their keys, ``reference_`` / ``current_``), then the
    checks' per-column statistics (``column_stats``).

    A distinct count is exact while the frequent items keep every value; beyond them it is
    HyperLogLog's estimate (``*_distinct_estimated``), except for a near-unique key (text, integers,
    times: not floats) of a table whose ``rows`` are given, which is counted (an id column's "9,837
    of 10,000" would read as duplicates): cheap, since only near-unique keys are counted."""
    out = []
    for name, col in schema.items():
        row: dict[str, Any] = {"name": name, "role": col.role.value, "kind": col.kind.value,
                               "confidence": col.confidence}
        for label, prof in profiles.items():
            cp = prof.columns.get(name)
            if cp is None:
                row[f"{label}_present"] = False
                continue
            stats = _stats(cp)
            frame = (rows or {}).get(label)
            if stats.get("distinct_estimated") and frame is not None and name in frame.columns:
                exact = _exact_distinct(cp, frame.get_column(name))
                if exact is not None:
                    stats["distinct"] = exact
                    del stats["distinct_estimated"]
            row.update({f"{label}_{k}": v for k, v in stats.items()})
        row.update((column_stats or {}).get(name, {}))
        out.append(row)
    return out


_NEAR_UNIQUE = 0.9
"""An estimated distinct count above this share of the values is counted on the rows."""


def _exact_distinct(cp: Any, values: pl.Series) -> int | None:
    """The distinct non-null (numeric: finite) values of ``values`` when the profile's estimate
    says the column is near-unique; None otherwise (the estimate stands, marked)."""
    if values.dtype.is_float():  # a measurement, not a key: its estimate stands (counting every float column costs)
        return None
    present = cp.finite_count if cp.kind in ("numeric", "datetime") else cp.count - cp.null_count
    if not present or cp.distinct_estimate is None or cp.distinct_estimate < _NEAR_UNIQUE * present:
        return None
    return int(values.drop_nulls().n_unique())


_BINS = 24
_TOP_CATEGORIES = 12
_MIN_TOP_SHARE = 0.01
_LOG_SPAN = 1000.0
"""Positive values whose central 99% span this factor or more get geometric bins."""
_CROWDED = 0.5
"""Equal-width bins that put more than this share of a table in one bin are tried on an asinh scale."""
OTHER, MISSING = "(other)", "(missing)"


def _round(values: Any) -> list[float]:
    return [float(f"{v:.5g}") for v in values]


_SQUEEZED = 3
"""A table with 90% of its rows in this many shared bins or fewer is squeezed by the others' range."""
_SPREAD = 6
"""... and its own bins are worth drawing when they spread those 90% over this many bins or more."""


def _bins_holding(shares: Any, mass: float = 0.9) -> int:
    """The fewest bins that hold ``mass`` of a table's rows."""
    total, count = 0.0, 0
    for share in sorted((float(v) for v in shares), reverse=True):
        if total >= mass - 1e-9:
            break
        total += share
        count += 1
    return count


def _numeric_distribution(cps: dict[str, Any]) -> dict[str, Any] | None:
    """Shares of each table on one set of bins (see :func:`_shared_bins`); when those squeeze a
    table into a bin or two (its range is a sliver of the others': a unit change, one table the
    other x100) and its own bins would show its shape, ``own_bins`` adds each table's distribution
    on bins of its own (``{table: {"edges", "shares", "scale"[, "unit"]}}``), which the report draws
    on one axis per table."""
    usable = {k: cp for k, cp in cps.items() if cp.quantile_sketch is not None and (cp.finite_count or 0) > 0}
    shared = _shared_bins(usable)
    if shared is None or len(usable) < 2:
        return shared
    squeezed = [label for label, shares in shared["shares"].items() if _bins_holding(shares) <= _SQUEEZED]
    if not squeezed:
        return shared
    own: dict[str, dict[str, Any]] = {}
    for label, cp in usable.items():
        d = _shared_bins({label: cp})
        if d is not None:
            own[label] = {**{k: v for k, v in d.items() if k not in ("kind", "shares")}, "shares": d["shares"][label]}
    if any(label in own and _bins_holding(own[label]["shares"]) >= _SPREAD for label in squeezed):
        shared["own_bins"] = own
    return shared


def _shared_bins(usable: dict[str, Any]) -> dict[str, Any] | None:
    """Shares of each table on one set of bins over the pooled 0.5%-99.5% range: equal widths;
    geometric ones (``scale: "log"``) for positive values spanning three decades or more; or equal
    widths in ``asinh(x / unit)`` (``scale: "asinh"``, ``unit`` a tenth of the larger quartile) when
    equal widths put more than half a table in one bin and these spread it by half again (zeros or
    negative values with heavy tails). Tails beyond the range fold into the end bins, so every
    table's shares sum to one."""
    import numpy as np

    if not usable:
        return None
    lo = min(cp.quantile(0.005) for cp in usable.values())
    hi = max(cp.quantile(0.995) for cp in usable.values())
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
        return None
    if hi == lo:  # one value in both tables (within their central 99%): one bin around it
        half = max(abs(lo) * 1e-3, 0.5)
        return {"kind": "numeric", "edges": [lo - half, lo + half], "shares": {label: [1.0] for label in usable}}

    def on(edges: Any) -> dict[str, Any]:
        out = {}
        for label, cp in usable.items():
            cdf = np.concatenate([[0.0], cp.quantile_sketch.ranks(edges[1:-1]), [1.0]])
            out[label] = np.clip(np.diff(np.maximum.accumulate(cdf)), 0.0, 1.0)
        return out

    def result(edges: Any, shares: dict[str, Any], scale: str, **extra: float) -> dict[str, Any]:
        # edges keep full precision: rounded, a small range at a large offset (prices, kelvins) collapses
        return {"kind": "numeric", "edges": [float(e) for e in edges],
                "shares": {k: _round(v) for k, v in shares.items()}, "scale": scale, **extra}

    if lo > 0 and hi / lo >= _LOG_SPAN:  # positive heavy tails: geometric bins
        geometric = np.geomspace(lo, hi, _BINS + 1)
        return result(geometric, on(geometric), "log")
    edges = np.linspace(lo, hi, _BINS + 1)
    if np.any(np.diff(edges) <= 0):  # a range too narrow for float64 at this offset
        return None
    linear = on(edges)
    crowded = max(float(v.max()) for v in linear.values())
    if crowded > _CROWDED:  # zeros or negative values with a heavy tail: try asinh(x / unit) bins
        unit = max(max(abs(cp.quantile(0.25)), abs(cp.quantile(0.75))) for cp in usable.values()) / 10
        if math.isfinite(unit) and unit > 0:
            a, b = math.asinh(lo / unit), math.asinh(hi / unit)
            curved = unit * np.sinh(np.linspace(a, b, _BINS + 1))
            if np.all(np.diff(curved) > 0):
                spread = on(curved)
                if max(float(v.max()) for v in spread.values()) * 1.5 < crowded:
                    return result(curved, spread, "asinh", unit=float(unit))
    return result(edges, linear, "linear")


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _categorical_distribution(cps: dict[str, Any]) -> dict[str, Any] | None:
    """Shares of the most frequent values (over both tables), the rest as ``(other)`` and nulls as
    ``(missing)`` (nulls and NaN); shares are of all rows, so they sum to one per table."""
    usable = {k: cp for k, cp in cps.items() if cp.count > 0 and cp.frequent_items is not None}
    if not usable:
        return None
    pooled: dict[str, float] = {}
    counts: dict[str, dict[str, int]] = {}
    for label, cp in usable.items():
        c: dict[str, int] = {}
        for value, n in cp.top(None):
            key = _label(value)
            c[key] = c.get(key, 0) + int(n)
        counts[label] = c
        for key, n in c.items():
            pooled[key] = pooled.get(key, 0.0) + n / cp.count
    keep = sorted(pooled, key=lambda k: (-pooled[k], k))[:_TOP_CATEGORIES]
    if not keep or all(max(c.values(), default=0) < _MIN_TOP_SHARE * usable[lbl].count for lbl, c in counts.items()):
        return None  # near-unique values (names, hashes): a bar per value would say nothing
    categories = list(keep)
    shares: dict[str, list[float]] = {}
    rest = {lbl: (cp.count - cp.null_count - cp.nan_count - sum(counts[lbl].get(k, 0) for k in keep)) / cp.count
            for lbl, cp in usable.items()}
    missing = {lbl: (cp.null_count + cp.nan_count) / cp.count for lbl, cp in usable.items()}  # NaN is missing
    if any(v > 0 for v in rest.values()):
        categories.append(OTHER)
    if any(v > 0 for v in missing.values()):
        categories.append(MISSING)
    for label, cp in usable.items():
        row = [counts[label].get(k, 0) / cp.count for k in keep]
        if OTHER in categories:
            row.append(max(rest[label], 0.0))
        if MISSING in categories:
            row.append(missing[label])
        shares[label] = _round(row)
    return {"kind": "categorical", "categories": categories, "shares": shares}


def distributions(schema: Schema, profiles: Mapping[str, TableProfile],
                  names: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Per column, each table's distribution on shared bins (numeric) or shared categories, read
    from the profiles: what the report draws for a column, shifted or not. A numeric column whose
    shared bins squeeze a table into a bin or two (a unit change) also carries each table on bins
    of its own (``own_bins``), drawn one axis per table.

    ``names`` renames the tables (e.g. ``{"reference": "train", "current": "test"}``). Identifier
    columns and date-times are left out (their distributions say nothing a reader can use).
    """
    names = names or {}
    out: dict[str, dict[str, Any]] = {}
    for name, col in schema.items():
        if col.kind.value in ("identifier", "datetime") or col.role.value == "id":
            continue
        cps = {names.get(label, label): p.columns[name] for label, p in profiles.items() if name in p.columns}
        kinds = {cp.kind for cp in cps.values()}
        if not cps or "other" in kinds or "datetime" in kinds:
            continue
        categorical = col.kind.value in ("categorical", "boolean") or kinds & {"string", "boolean"}
        dist = _categorical_distribution(cps) if categorical else _numeric_distribution(cps)
        if dist is not None:
            out[name] = dist
    return out
