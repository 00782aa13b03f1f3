"""The per-column table of a report: every column, healthy or not, with its role, kind and the
statistics of each table, read from mergeable profiles (:mod:`seismo.profile`)."""

from __future__ import annotations

import math
from typing import Any

from seismo.check import ScanContext

__all__ = ["column_table"]


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) or math.isinf(f) else f


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
        "missing": (cp.null_count / cp.count) if cp.count else None,
        "distinct": int(round(cp.distinct_estimate)) if cp.count and cp.distinct_estimate is not None else None,
    }
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


def column_table(ctx: ScanContext) -> list[dict[str, Any]]:
    """One row per column of the schema: ``name, role, kind, confidence`` then per-table stats
    prefixed ``reference_`` / ``current_``."""
    profiles = {label: ctx.profile(label) for label, _ in ctx.datasets(non_empty=False)}
    rows = []
    for name, col in ctx.schema.items():
        row: dict[str, Any] = {"name": name, "role": col.role.value, "kind": col.kind.value,
                               "confidence": col.confidence}
        for label, prof in profiles.items():
            cp = prof.columns.get(name)
            if cp is None:
                row[f"{label}_present"] = False
                continue
            row.update({f"{label}_{k}": v for k, v in _stats(cp).items()})
        row.update(ctx.column_stats.get(name, {}))
        rows.append(row)
    return rows
