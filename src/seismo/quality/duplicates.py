"""Duplicated rows and duplicated columns (the same values under two names)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_duplicate_columns", "check_duplicate_rows", "expected_duplicate_rows"]

DQ = FailureMode.DATA_QUALITY
#: Duplicated rows are reported only when there are this many times more than chance would give.
CHANCE_FACTOR = 10.0


def expected_duplicate_rows(frame: pl.DataFrame) -> float:
    """Duplicate row pairs expected by chance if columns were independent (a birthday bound).

    Two random rows coincide with probability ``prod_j q_j``, where ``q_j`` is the chance that two
    distinct rows share a value in column ``j``, estimated without bias as
    ``sum_k c_k (c_k - 1) / (m (m - 1))`` over the value counts ``c_k`` of the *deduplicated*
    table (so that the copies under test do not explain themselves). The expected number of
    coinciding pairs is ``C(n, 2)`` times that: a table of a few low-cardinality categoricals has
    many natural duplicates; a table with a continuous column has almost none.

    >>> import polars as pl
    >>> round(expected_duplicate_rows(pl.DataFrame({"a": ["x", "y", "z"] * 40, "b": [1, 2] * 60})))
    571
    >>> expected_duplicate_rows(pl.DataFrame({"a": [0.1, 0.2, 0.3, 0.1]}))
    0.0
    """
    n = frame.height
    unique = frame.unique()
    m = unique.height
    if n < 2 or m < 3:
        return 0.0
    log_q = 0.0
    for c in unique.columns:
        counts = unique.get_column(c).value_counts().get_column("count").cast(pl.Float64)
        q = float((counts * (counts - 1)).sum()) / (m * (m - 1))
        if q <= 0.0:
            return 0.0
        log_q += math.log(q)
        if log_q < -700:
            return 0.0
    return math.exp(log_q + math.log(n) + math.log(n - 1) - math.log(2))


def check_duplicate_rows(ctx: ScanContext) -> list[Finding]:
    """Rows that appear more than once, beyond what chance explains."""
    out = []
    judged = 0
    for label, ds in ctx.datasets():
        frame = ds.frame.select([c for c, t in ds.frame.schema.items() if not t.is_nested() and t != pl.Object])
        if frame.width < 2 or frame.height < 2:
            continue  # in a single column, repeated values are not repeated records
        judged += 1
        dup = _duplicate_count(frame, ctx, label)
        if dup == 0:
            continue
        expected = expected_duplicate_rows(frame)
        if dup <= CHANCE_FACTOR * expected:
            continue
        share = dup / frame.height
        example = frame.filter(frame.is_duplicated()).head(1).to_dicts()
        out.append(
            Finding(
                check="quality.duplicate_rows",
                failure_mode=DQ,
                severity=Severity.MEDIUM if share >= 0.01 else Severity.LOW,
                message=f"{label}: {dup:,} rows ({share:.2%}) are exact copies of another row",
                evidence={"dataset": label, "duplicate_rows": dup, "rows": frame.height, "share": share,
                          "expected_by_chance": expected, "threshold": f"> {CHANCE_FACTOR:g} x expected by chance",
                          "example": example[0] if example else {}},
                recommendation="Duplicates over-weight some rows and, across a split, leak test rows into "
                "training; deduplicate before splitting unless repeats are real events.",
                id=f"quality.duplicate_rows:{label}",
            )
        )
    if not judged:
        raise NotApplicable("no table with two rows and two columns to compare")
    return out


def _all_distinct(cp: Any) -> bool:
    """True when the profile proves that no value of the column repeats: no nulls, no NaN or
    infinities (frequent items count finite values only), and no key whose count can exceed 1
    (Misra-Gries: a true count is at most the kept count plus ``error``)."""
    fi = cp.frequent_items
    if fi is None or cp.null_count or getattr(cp, "nan_count", 0) or getattr(cp, "posinf_count", 0) \
            or getattr(cp, "neginf_count", 0):
        return False
    largest = int(fi.counts.max()) if len(fi.counts) else 0
    return largest + int(fi.error) <= 1


def _duplicate_count(frame: pl.DataFrame, ctx: ScanContext, label: str) -> int:
    """Rows that repeat an earlier row, exactly. Rows can only repeat where the column with the
    most distinct values repeats, so that column narrows the candidates before the full comparison."""
    profile = ctx.profile(label)
    estimates = {c: profile.columns[c].distinct_estimate or 0.0 for c in frame.columns if c in profile.columns}
    if estimates:
        key = max(estimates, key=lambda c: estimates[c])
        if _all_distinct(profile.columns[key]):
            return 0  # a column that never repeats a value: no row can repeat either
        candidates = frame.filter(frame.get_column(key).is_duplicated())
    else:
        candidates = frame
    if candidates.height < 2:
        return 0
    return candidates.height - candidates.n_unique()


def _is_constant(cp: Any) -> bool:
    top = cp.top(1) if cp.frequent_items is not None else []
    return bool(top) and top[0][1] == cp.count - cp.null_count - cp.nan_count


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _comparable(s: pl.Series) -> pl.Series | None:
    """The column in a form where equal values mean equal data: numbers and booleans as float64,
    temporals as their integer physical values, text as text; None for what cannot be compared."""
    dt = s.dtype
    try:
        if dt.is_numeric() or dt == pl.Boolean:
            return s.cast(pl.Float64)
        if dt.is_temporal():
            return s.to_physical().cast(pl.Float64)
        if dt == pl.String or isinstance(dt, (pl.Categorical, pl.Enum)):
            return s.cast(pl.String)
    except Exception:  # an exotic dtype: not worth a crash
        return None
    return None


def _fingerprint(s: pl.Series) -> int:
    """A hash of the whole column, position by position (one pass, no pairwise comparison)."""
    h = s.hash(seed=7).to_numpy()
    with np.errstate(over="ignore"):
        mixed = h * _GOLDEN + np.arange(len(h), dtype=np.uint64)
    return int(np.bitwise_xor.reduce(mixed)) if len(mixed) else 0


def check_duplicate_columns(ctx: ScanContext) -> list[Finding]:
    """Columns with identical values under different names: columns are grouped by a whole-column
    hash (linear in the number of columns), then confirmed by a full comparison within a group."""
    out = []
    judged = 0
    for label, ds in ctx.datasets():
        groups: dict[tuple[object, ...], list[str]] = {}
        comparable: dict[str, pl.Series] = {}
        profile = ctx.profile(label)
        for c in ds.frame.columns:
            s = ds.frame.get_column(c)
            if s.null_count() == s.len() or _is_constant(profile.columns[c]):
                continue  # all-null and constant columns are reported as such, not as copies of each other
            v = _comparable(s)
            if v is None:
                continue
            comparable[c] = v
            family = "text" if v.dtype == pl.String else "number"
            groups.setdefault((family, v.null_count(), tuple(v.head(64).to_list())), []).append(c)
        judged += len(comparable) >= 2
        # the first rows separate almost every pair cheaply; whole-column hashes settle the rest
        hashed: dict[tuple[object, ...], list[str]] = {}
        for key, names in groups.items():
            if len(names) > 1:
                for c in names:
                    hashed.setdefault((*key[:2], _fingerprint(comparable[c])), []).append(c)
        groups = hashed
        for names in groups.values():
            seen: set[str] = set()
            for i, a in enumerate(names):
                if a in seen:
                    continue
                sa = comparable[a]
                same = [b for b in names[i + 1:] if b not in seen and sa.equals(comparable[b], check_names=False, null_equal=True)]
                if not same:
                    continue
                seen.update(same)
                cols = (a, *same)
                out.append(
                    Finding(
                        check="quality.duplicate_columns",
                        failure_mode=DQ,
                        severity=Severity.LOW,
                        columns=cols,
                        message=f"{label}: columns {', '.join(repr(c) for c in cols)} hold identical values",
                        evidence={"dataset": label, "columns": list(cols), "rows": ds.rows},
                        recommendation="Keep one of them; copies double a feature's weight in some models and "
                        "hide which name the serving pipeline must provide.",
                        id=f"quality.duplicate_columns:{label}:{','.join(cols)}",
                    )
                )
                if label == "current":  # a copy's findings are its original's: they fold into this one
                    for copy in same:
                        ctx.explain(copy, out[-1].id)
    if not judged:
        raise NotApplicable("fewer than two columns that vary (all-null and constant columns are left out)")
    return out
