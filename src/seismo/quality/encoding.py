"""How values are written: missing values disguised as ordinary ones (``"?"``, ``-999``), and one
category spelled several ways (``"Yes"``, ``"yes "``). Both read the scan's profiles (frequent
items), so they cost almost nothing."""

from __future__ import annotations

import functools

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Role
from seismo.data.text import MISSING_TOKENS, normal_form
from seismo.profile import ColumnProfile
from seismo.profile._quantiles import EXACT_GRID, QuantileSketch
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_disguised_missing", "check_inconsistent_categories"]

DQ = FailureMode.DATA_QUALITY
#: Numbers written where the value was unknown.
SENTINELS = (-1.0, -9.0, -99.0, -999.0, -9999.0, -99999.0, 99.0, 999.0, 9999.0, 99999.0, 999999.0)
#: A sentinel is reported when it is at least this share of non-null values...
MIN_SHARE = 0.005
#: ...and lies outside the range of the other values, which have at least this many distinct values.
MIN_OTHER_DISTINCT = 10


@functools.lru_cache(maxsize=1 << 16, typed=True)  # typed: 1, 1.0 and True are written apart
def _token(value: object) -> str:
    """A value as a missing-value token is compared: trimmed, lower-cased (cached: windows repeat keys)."""
    return str(value).strip().lower()


def check_disguised_missing(ctx: ScanContext) -> list[Finding]:
    """Missing values written as text tokens in categorical columns, or as sentinel numbers that lie
    outside the range of a numeric column's other values.

    The candidates are a profile's frequent items. Whether a sentinel lies outside the other
    values is read off the rows when they are there, else off the profile: exactly while its
    frequent items hold every value or its quantile summary keeps them all, else estimated from
    the quantile summary (the finding then says how many other values may lie near the sentinel,
    at most its rank error's share)."""
    frames = {label: ds.frame for label, ds in ctx.datasets()}
    out = []
    judged = 0
    for label, _, profile in ctx.tables():
        frame = frames.get(label)
        for c, cp in profile.columns.items():
            col = ctx.schema.get(c)
            if col is not None and col.role in (Role.IGNORE, Role.METADATA, Role.ID):
                continue
            n = cp.count - cp.null_count - cp.nan_count
            if n == 0 or cp.frequent_items is None or cp.kind not in ("string", "numeric"):
                continue
            judged += 1
            if cp.kind == "string":
                top = cp.top()
                hits = [(v, k) for v, k in top if _token(v) in MISSING_TOKENS]
                if hits and len(top) > len(hits) and not _mostly_numbers(top):
                    out.append(_finding(label, c, hits, n, "text", None))
                    if label == "current":  # a root cause: the column's shift is these values, told here
                        ctx.explain(c, out[-1].id)
            elif cp.kind == "numeric":
                rows = frame.get_column(c) if frame is not None and c in frame.columns else None
                hits = [(v, k) for v, k in cp.top() if v in SENTINELS]  # kept counts: lower bounds
                if rows is not None:  # counted
                    hits = [(v, int((rows.cast(pl.Float64, strict=False) == float(v)).sum())) for v, _ in hits]
                hits = [(v, k) for v, k in hits if k >= max(5, MIN_SHARE * n)]
                candidates = {float(v): k for v, k in hits}
                gaps = [(h, _gap(cp, float(h[0]), candidates, rows)) for h in hits]
                kept = [(h, g) for h, g in gaps if g.outside]
                if kept:
                    estimated = [g for _, g in kept if g.rank_error]
                    out.append(_finding(label, c, [h for h, _ in kept], n, "number",
                                        max(estimated, key=lambda g: g.near_at_most) if estimated else None))
    if not judged:
        raise NotApplicable("no text or numeric column with values")
    return out


@dataclass(frozen=True)
class _Gap:
    """Whether a sentinel lies outside a column's other values, and, when that was read off a
    quantile summary's estimate, the most other values that may lie within the margin and the
    summary's rank error (0: known exactly)."""

    outside: bool
    near_at_most: int = 0
    rank_error: float = 0.0


def _outside(sentinel: float, lo: float, hi: float) -> bool:
    margin = max(1.0, 0.05 * (hi - lo))
    return sentinel <= lo - margin or sentinel >= hi + margin


def _gap(cp: ColumnProfile, sentinel: float, candidates: dict[float, int], rows: pl.Series | None) -> _Gap:
    """Is ``sentinel`` at least ``max(1, 5% of their range)`` beyond the other finite values (all
    but the ``candidates``, each sentinel's kept count), which have at least
    ``MIN_OTHER_DISTINCT`` distinct values? Counted on ``rows`` when given."""
    placeholders = list(candidates)
    if rows is not None:
        rest = rows.drop_nulls().cast(pl.Float64)
        rest = rest.filter(rest.is_finite() & ~rest.is_in(placeholders))
        if rest.len() == 0 or rest.n_unique() < MIN_OTHER_DISTINCT:
            return _Gap(False)
        lo, hi = rest.min(), rest.max()
        assert isinstance(lo, float) and isinstance(hi, float)
        return _Gap(_outside(sentinel, lo, hi))
    sketch, items = cp.quantile_sketch, cp.frequent_items
    if cp.min is None or cp.max is None or sketch is None or items is None:
        return _Gap(False)
    kept = sketch.values()
    if kept is not None or (items.error == 0 and items.other_count == 0):  # every value known
        values = kept if kept is not None else np.array([float(k) for k, _ in items.top()], dtype=np.float64)
        others = values[~np.isin(values, placeholders)]
        if len(others) == 0 or len(np.unique(others)) < MIN_OTHER_DISTINCT:
            return _Gap(False)
        return _Gap(_outside(sentinel, float(others.min()), float(others.max())))
    distinct = cp.distinct_estimate
    if distinct is None or distinct - len(candidates) < MIN_OTHER_DISTINCT:
        return _Gap(False)
    return _estimated_gap(cp, sketch, sentinel, candidates, items.error)


def _estimated_gap(cp: ColumnProfile, sketch: QuantileSketch, sentinel: float, candidates: dict[float, int],
                   item_error: int) -> _Gap:
    """:func:`_gap` read off a quantile summary that does not keep every value. The rule
    ``lo >= s + max(1, (hi - lo) / 20)`` is ``lo >= s + 1 and lo >= (s + hi / 20) / 1.05``: it
    holds iff no other value lies below that edge (mirrored at the top), a rank question the
    summary answers within its rank error; the finding is raised when the fewest other values
    the summary allows below the edge is none, and says the most it allows."""
    m = cp.finite_count
    error = 1.0 / EXACT_GRID if sketch.is_exact else sketch.rank_error
    low, high = float(cp.min or 0.0), float(cp.max or 0.0)

    def others(x: float, below: bool) -> tuple[float, float]:
        """The fewest and the most values other than the candidates below ``x`` (or above it)."""
        r = float(sketch.ranks([x if below else math.nextafter(x, math.inf)])[0])
        r = r if below else 1.0 - r
        side = [k for h, k in candidates.items() if (h < x if below else h > x)]
        return r * m - error * m - sum(side) - item_error * len(side), r * m + error * m - sum(side)

    def end(at_top: bool) -> float:
        """The other values' extreme at one end: the column's, unless a block of candidates
        sits there; then the quantile just inside the block."""
        extreme = high if at_top else low
        if extreme not in candidates:
            return extreme
        block = sum(k for h, k in candidates.items() if others(h, not at_top)[0] <= 0 and (h > sentinel if at_top else h < sentinel))
        q = 1.0 - block / m - error if at_top else block / m + error
        return sketch.quantile(min(1.0, max(0.0, q)))

    hi, lo = end(True), end(False)
    low_edge = max(sentinel + 1.0, (sentinel + 0.05 * hi) / 1.05)
    high_edge = min(sentinel - 1.0, (sentinel + 0.05 * lo) / 1.05)
    for least, most in (others(low_edge, True), others(high_edge, False)):
        if least <= 0:
            return _Gap(True, int(min(m - sum(candidates.values()), max(0.0, math.floor(most)))), error)
    return _Gap(False)


def _mostly_numbers(top: list[tuple[object, int]]) -> bool:
    """Numbers written as text with tokens among them are ``quality.mixed_types``' to report."""
    numeric = sum(k for v, k in top if _token(v) not in MISSING_TOKENS and _is_number(str(v)))
    return numeric >= 0.5 * sum(k for v, k in top if _token(v) not in MISSING_TOKENS)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _finding(label: str, c: str, hits: list[tuple[object, int]], n: int, what: str, gap: _Gap | None) -> Finding:
    count = sum(k for _, k in hits)
    share = count / n
    shown = ", ".join(repr(v) for v, _ in hits[:5])
    return Finding(
        check="quality.disguised_missing",
        failure_mode=DQ,
        severity=Severity.HIGH if share >= 0.1 else Severity.MEDIUM if share >= 0.01 else Severity.LOW,
        columns=(c,),
        message=f"{c!r} ({label}): {count:,} values ({share:.1%}) look like missing values written as {shown}"
        + (f" (estimated from the profile: up to {gap.near_at_most:,} other values may lie near the placeholder)"
           if gap is not None and gap.near_at_most else ""),
        evidence={"dataset": label, "values": {str(v): k for v, k in hits}, "count": count, "share": share,
                  "non_null": n, "kind": what, "threshold": MIN_SHARE if what == "number" else 0,
                  **({"estimated": True, "rank_error": gap.rank_error, "others_near_at_most": gap.near_at_most}
                     if gap is not None else {})},
        recommendation="Convert these placeholders to real nulls at load time; as values they shift means and "
        "let a model learn the placeholder instead of the absence.",
        id=f"quality.disguised_missing:{label}:{c}",
    )


def check_inconsistent_categories(ctx: ScanContext) -> list[Finding]:
    """Categories that differ only in case, whitespace or Unicode form (``"Male"``, ``"male "``)."""
    out = []
    judged = 0
    for label, _, profile in ctx.tables():  # the frequent items of each table's profile
        for c, cp in profile.columns.items():
            if cp.kind != "string" or cp.frequent_items is None:
                continue
            judged += 1
            groups: dict[str, list[tuple[str, int]]] = {}
            for value, count in cp.top():
                groups.setdefault(normal_form(str(value)), []).append((str(value), count))
            clashes = [g for g in groups.values() if len(g) > 1]
            if not clashes:
                continue
            rows = sum(k for g in clashes for _, k in sorted(g, key=lambda x: -x[1])[1:])
            examples = [[v for v, _ in sorted(g, key=lambda x: -x[1])] for g in clashes[:5]]
            out.append(
                Finding(
                    check="quality.inconsistent_categories",
                    failure_mode=DQ,
                    severity=Severity.LOW,
                    columns=(c,),
                    message=f"{c!r} ({label}): {len(clashes)} categor{'y is' if len(clashes) == 1 else 'ies are'} "
                    f"spelled several ways, e.g. {' / '.join(repr(v) for v in examples[0][:3])}",
                    evidence={"dataset": label, "groups": examples, "rows_in_minority_spellings": rows,
                              "threshold": "same after NFKC, case folding and whitespace trimming"},
                    recommendation="Normalise case, whitespace and Unicode form where the data is written; a "
                    "model treats each spelling as a different category.",
                    id=f"quality.inconsistent_categories:{label}:{c}",
                )
            )
    if not judged:
        raise NotApplicable("no text column")
    return out
