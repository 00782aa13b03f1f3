"""How values are written: missing values disguised as ordinary ones (``"?"``, ``-999``), and one
category spelled several ways (``"Yes"``, ``"yes "``). Both read the scan's profiles (frequent
items), so they cost almost nothing."""

from __future__ import annotations

import polars as pl

from seismo.checks import ScanContext
from seismo.data.schema import Role
from seismo.data.text import MISSING_TOKENS, normal_form
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_disguised_missing", "check_inconsistent_categories"]

DQ = FailureMode.DATA_QUALITY
#: Numbers written where the value was unknown.
SENTINELS = (-1.0, -9.0, -99.0, -999.0, -9999.0, -99999.0, 99.0, 999.0, 9999.0, 99999.0, 999999.0)
#: A sentinel is reported when it is at least this share of non-null values...
MIN_SHARE = 0.005
#: ...and lies outside the range of the other values, which have at least this many distinct values.
MIN_OTHER_DISTINCT = 10


def _token(value: object) -> str:
    return str(value).strip().lower()


def check_disguised_missing(ctx: ScanContext) -> list[Finding]:
    """Missing values written as text tokens in categorical columns, or as sentinel numbers that lie
    outside the range of a numeric column's other values."""
    out = []
    for label, ds in ctx.datasets():
        profile = ctx.profile(label)
        for c in ds.frame.columns:
            col = ctx.schema.get(c)
            if col is not None and col.role in (Role.IGNORE, Role.METADATA, Role.ID):
                continue
            cp = profile.columns[c]
            n = cp.count - cp.null_count - cp.nan_count
            if n == 0 or cp.frequent_items is None:
                continue
            if cp.kind == "string":
                top = cp.top()
                hits = [(v, k) for v, k in top if _token(v) in MISSING_TOKENS]
                if hits and len(top) > len(hits) and not _mostly_numbers(top):
                    out.append(_finding(label, c, hits, n, "text"))
            elif cp.kind == "numeric":
                hits = [(v, k) for v, k in cp.top(32) if v in SENTINELS and k >= max(5, MIN_SHARE * n)]
                hits = [h for h in hits if _outside_rest(ds.frame.get_column(c), h[0])]
                if hits:
                    out.append(_finding(label, c, hits, n, "number"))
    return out


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


def _outside_rest(s: pl.Series, sentinel: float) -> bool:
    rest = s.drop_nulls().cast(pl.Float64)
    rest = rest.filter(rest.is_finite() & (rest != sentinel))
    if rest.len() == 0 or rest.n_unique() < MIN_OTHER_DISTINCT:
        return False
    lo, hi = rest.min(), rest.max()
    assert isinstance(lo, float) and isinstance(hi, float)
    margin = max(1.0, 0.05 * (hi - lo))
    return sentinel <= lo - margin or sentinel >= hi + margin


def _finding(label: str, c: str, hits: list[tuple[object, int]], n: int, what: str) -> Finding:
    count = sum(k for _, k in hits)
    share = count / n
    shown = ", ".join(repr(v) for v, _ in hits[:5])
    return Finding(
        check="quality.disguised_missing",
        failure_mode=DQ,
        severity=Severity.MEDIUM if share >= 0.01 else Severity.LOW,
        columns=(c,),
        message=f"{c} ({label}): {count:,} values ({share:.1%}) look like missing values written as {shown}",
        evidence={"dataset": label, "values": {str(v): k for v, k in hits}, "count": count, "share": share,
                  "non_null": n, "kind": what, "threshold": MIN_SHARE if what == "number" else 0},
        recommendation="Convert these placeholders to real nulls at load time; as values they shift means and "
        "let a model learn the placeholder instead of the absence.",
        id=f"quality.disguised_missing:{label}:{c}",
    )


def check_inconsistent_categories(ctx: ScanContext) -> list[Finding]:
    """Categories that differ only in case, whitespace or Unicode form (``"Male"``, ``"male "``)."""
    out = []
    for label, _, profile in ctx.tables():  # the frequent items of each table's profile
        for c, cp in profile.columns.items():
            if cp.kind != "string" or cp.frequent_items is None:
                continue
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
                    message=f"{c} ({label}): {len(clashes)} categor{'y is' if len(clashes) == 1 else 'ies are'} "
                    f"spelled several ways, e.g. {' / '.join(repr(v) for v in examples[0][:3])}",
                    evidence={"dataset": label, "groups": examples, "rows_in_minority_spellings": rows,
                              "threshold": "same after NFKC, case folding and whitespace trimming"},
                    recommendation="Normalise case, whitespace and Unicode form where the data is written; a "
                    "model treats each spelling as a different category.",
                    id=f"quality.inconsistent_categories:{label}:{c}",
                )
            )
    return out
