"""Checks on a column's values: NaN and infinities, constant columns, mixed types, declared
ranges and categories, identifier-like features and very high cardinality."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.io import Dataset
from seismo.data.schema import Column, Kind, Role
from seismo.data.semantic import infer_column
from seismo.data.text import NUMERIC_MISSING_TOKENS
from seismo.data.validate import category_mask
from seismo.profile import ColumnProfile, Tails, distinct_count, frequent_values, tails
from seismo.quality._counts import Count
from seismo.report.model import FailureMode, Finding, Severity

__all__ = [
    "check_constant",
    "check_high_cardinality",
    "check_identifier_features",
    "check_mixed_types",
    "check_nonfinite",
    "check_schema_values",
]

DQ = FailureMode.DATA_QUALITY
#: A column whose most common value covers at least this share of non-null rows is near-constant.
NEAR_CONSTANT = 0.995
#: Minimum non-null rows before "constant" or "near-constant" means anything.
MIN_ROWS = 30
#: A categorical feature with more distinct values than this is reported as very high cardinality.
HIGH_CARDINALITY = 1000


def check_nonfinite(ctx: ScanContext) -> list[Finding]:
    """+/-inf in floating-point columns, and NaN where a column also holds nulls (two encodings
    of "missing" in one column usually mean two code paths wrote it)."""
    out = []
    judged = 0
    for label, ds, profile in ctx.tables():
        for c, cp in profile.columns.items():
            if not cp.dtype.startswith("Float"):
                continue
            judged += 1
            nan, inf, nulls = cp.nan_count, cp.posinf_count + cp.neginf_count, cp.null_count
            if not nulls:
                nan = 0  # NaN alone is how pandas writes "missing": check_missing counts it
            if nan == 0 and inf == 0:
                continue
            parts = [f"{n:,} {what}" for n, what in ((nan, "NaN"), (inf, "infinite")) if n]
            out.append(
                Finding(
                    check="quality.nonfinite",
                    failure_mode=DQ,
                    severity=Severity.HIGH if (nan + inf) / ds.rows >= 0.1 else
                    Severity.MEDIUM if inf or nan / ds.rows >= 0.01 else Severity.LOW,
                    columns=(c,),
                    message=f"{c!r} ({label}): {' and '.join(parts)} values",
                    evidence={"dataset": label, "nan_count": nan, "inf_count": inf, "rows": ds.rows,
                              "nan_share": nan / ds.rows, "inf_share": inf / ds.rows, "threshold": 0},
                    recommendation="Infinities usually come from a division by zero or a log of zero upstream; "
                    "NaN from a failed computation. Fix the transformation, or clip and impute explicitly.",
                    id=f"quality.nonfinite:{label}:{c}",
                )
            )
    if not judged:
        raise NotApplicable("no floating-point column (only floats hold NaN or infinities)")
    return out


def check_constant(ctx: ScanContext) -> list[Finding]:
    """Constant and near-constant columns, read from the scan's profiles (frequent items are
    exact while a column has at most a thousand distinct values, which covers every case here)."""
    out = []
    judged = 0
    for label, _, profile in ctx.tables():
        for c in profile.columns:
            col = ctx.schema.get(c)
            if col is not None and col.role in (Role.IGNORE, Role.METADATA):
                continue
            cp = profile.columns[c]
            n = cp.count - cp.null_count - cp.nan_count
            top = cp.top(1) if cp.frequent_items is not None else []
            if n < MIN_ROWS or not top:
                continue
            judged += 1
            top_value, top_count = top[0]
            share = top_count / n
            if share >= 1.0:
                is_target = col is not None and col.role == Role.TARGET
                severity, what = (Severity.HIGH if is_target else Severity.MEDIUM), "constant"
            elif share >= NEAR_CONSTANT and (col is None or col.role == Role.FEATURE):
                severity, what = Severity.LOW, "near-constant"
            else:
                continue
            out.append(_constant_finding(label, c, what, severity, top_value, share, n))
    if not judged:
        raise NotApplicable(f"no column holds {MIN_ROWS} or more values")
    return out


def _constant_finding(label: str, c: str, what: str, severity: Severity, top_value: object, share: float, n: int) -> Finding:
    key = what.replace("-", "_")
    return Finding(
        check=f"quality.{key}",
        failure_mode=DQ,
        severity=severity,
        columns=(c,),
        message=f"{c!r} ({label}) is {what}: {share:.1%} of non-null values are {str(top_value)[:60]!r}",
        evidence={"dataset": label, "top_value": str(top_value), "top_share": share, "non_null": n,
                  "threshold": 1.0 if what == "constant" else NEAR_CONSTANT},
        recommendation="A column that does not vary cannot inform a model; drop it, or check whether "
        "a pipeline stage is filling it with a default." if what == "constant" else
        "Almost every row has the same value; keep it only if the rare values matter, and check "
        "that there are enough of them in every split.",
        id=f"quality.{key}:{label}:{c}",
    )


def check_mixed_types(ctx: ScanContext) -> list[Finding]:
    """Columns that mix types: numbers and strings in one column, or missing values spelled out
    as text (``"n/a"``, ``"?"``) inside an otherwise numeric column.

    Read off each text column's profile: the values that read as numbers once stripped, and the
    frequent items of the others; exact while those keep every text value (at most 64 of them).
    Values of several Python types (a pandas object column) are what loading the table saw."""
    out = []
    judged = 0
    for label, _, profile in ctx.tables():
        ds = ctx.reference if label == "reference" else ctx.current
        mixed = ds.mixed_types if ds is not None else {}
        judged += len(mixed)
        for c, kinds in mixed.items():
            out.append(_mixed(label, c, f"values of several Python types ({', '.join(kinds)})", {"types": kinds}, Severity.MEDIUM))
        for c, cp in profile.columns.items():
            items, numeric = cp.text_items, cp.numeric_text_count
            if c in mixed or "String" not in cp.dtype.split("|") or items is None or numeric is None:
                continue  # a profile saved before seismo counted numbers in text cannot tell
            judged += 1
            present = cp.count - cp.null_count
            text = present - numeric
            share = numeric / present if present else 0.0
            if share < 0.5 or text == 0:
                continue
            complete = items.error == 0 and items.other_count == 0
            tokens = {str(k).lower() for k, _ in items.top()}
            if complete and tokens <= NUMERIC_MISSING_TOKENS:
                what = f"numbers with missing values written as text ({', '.join(repr(t) for t in sorted(tokens)[:5])})"
            else:
                what = f"numbers and text: {share:.1%} of values are numeric, {text:,} are not"
            out.append(_mixed(label, c, what, {"numeric_share": share, "non_numeric_count": text,
                                              "examples": [str(k) for k, _ in items.top(5)]}, Severity.MEDIUM))
    if not judged:
        raise NotApplicable("no text column (only text can mix numbers and words)")
    return out


def _mixed(label: str, c: str, what: str, evidence: dict[str, object], sev: Severity) -> Finding:
    return Finding(
        check="quality.mixed_types",
        failure_mode=DQ,
        severity=sev,
        columns=(c,),
        message=f"{c!r} ({label}) holds {what}",
        evidence={"dataset": label, **evidence},
        recommendation="Parse the column to one type at the source; map missing-value tokens to real nulls so "
        "that the column is read as numeric and its missingness is visible.",
        id=f"quality.mixed_types:{label}:{c}",
    )


_Violation = tuple[str, Count]
"""One schema rule (as the finding names it) and the values that break it."""


def check_schema_values(ctx: ScanContext) -> list[Finding]:
    """Values outside a declared range or category list, and nulls where the schema forbids them.

    Counted on a table's rows when they are given. From its profile alone: nulls are counted;
    range breaks are counted where the quantile summary keeps every value, else estimated from it
    (:func:`seismo.profile.tails`); category breaks are counted from the frequent items while they
    kept every value, else the values kept that break the rule give the fewest there are."""
    out = []
    judged = 0
    for label, info, profile in ctx.tables():
        ds = _rows_of(ctx, label)
        for c, col in ctx.schema.items():
            if c not in profile.columns or not col.declared:
                continue
            found = _violations(ds.frame.get_column(c), col) if ds is not None and c in ds.frame.columns \
                else _profile_violations(profile.columns[c], col)
            judged += len(found)
            for rule, broken in found:
                if broken.least:
                    out.append(_schema_finding(label, c, rule, broken, info.rows))
    if not judged:
        raise NotApplicable("the schema declares no range, category or nullable rule for a column of the data "
                            "(--schema)")
    return out


def _rows_of(ctx: ScanContext, label: str) -> Dataset | None:
    """The table's rows when all of them were given (a sample would undercount)."""
    ds = ctx.reference if label == "reference" else ctx.current
    return ds if ds is not None and label not in ctx.partial else None


def _schema_finding(label: str, c: str, rule: str, v: Count, rows: int) -> Finding:
    return Finding(
        check="quality.schema_values",
        failure_mode=DQ,
        severity=Severity.HIGH if v.least / rows >= 0.01 else Severity.MEDIUM,
        columns=(c,),
        message=f"{c!r} ({label}): {v.phrase(rows)} break the schema rule {rule}",
        evidence={"dataset": label, "rule": rule, "count": v.count, "share": v.count / rows,
                  "rows": rows, "examples": v.examples, "threshold": 0, **v.bounds()},
        recommendation="Values the schema forbids reach the model as garbage; find the producer "
        "that writes them, or update the schema if the rule is out of date.",
        id=f"quality.schema_values:{label}:{c}:{rule.split(' ')[0]}",
    )


def _range_rule(col: Column) -> str:
    return f"range [{col.min if col.min is not None else '-inf'}, {col.max if col.max is not None else 'inf'}]"


def _categories_rule(col: Column) -> str:
    return f"categories ({len(col.categories or ())} allowed)"


def _violations(s: pl.Series, col: Column) -> list[_Violation]:
    """The values of ``s`` that break each rule of ``col``, counted. The examples are what a
    profile keeps too: for a range, the extremes beyond it; for categories, the commonest breaks."""
    found: list[_Violation] = []
    if col.nullable is False:
        nulls = s.null_count()
        found.append(("nullable: false", Count.exact(nulls, ["None"] if nulls else [])))
    v = s.drop_nulls()
    if (col.min is not None or col.max is not None) and v.dtype.is_numeric():
        num = v.cast(pl.Float64)
        below = num.filter(num < col.min) if col.min is not None else num.clear()
        above = num.filter(num > col.max) if col.max is not None else num.clear()
        found.append((_range_rule(col), Count.exact(below.len() + above.len(), _extremes(below, above))))
    if col.categories is not None:
        counted = v.alias("value").value_counts(name="n")  # by position: any column name is safe
        n_bad, examples, _ = _category_breaks(counted.get_column("value"), counted.get_column("n").to_numpy(), col)
        found.append((_categories_rule(col), Count.exact(n_bad, examples)))
    return found


def _category_breaks(values: pl.Series, counts: np.ndarray, col: Column) -> tuple[int, list[str], np.ndarray]:
    """Of distinct ``values`` seen ``counts`` times: how many rows break the category rule, the
    commonest breaks (ties by value) and which values break it."""
    assert col.categories is not None
    bad = ~category_mask(values, col.categories).to_numpy() if values.len() else np.zeros(0, dtype=bool)
    frame = pl.DataFrame({"v": values, "n": np.asarray(counts, dtype=np.int64)}).filter(pl.Series(bad))
    common = frame.sort(["n", "v"], descending=[True, False], nulls_last=True)["v"].head(5).to_list()
    return int(frame["n"].sum()), [_key(x, values.dtype) for x in common], bad


def _extremes(below: pl.Series, above: pl.Series) -> list[str]:
    """The lowest value below a range and the highest above it, infinities apart."""
    out: list[str] = []
    for side, pick in ((below, "min"), (above, "max")):
        finite = side.filter(side.is_finite())
        if side.len() > finite.len() and pick == "min":
            out.append("-inf")
        if finite.len():
            x = finite.min() if pick == "min" else finite.max()
            assert isinstance(x, float)
            out.append(_number(x))
        if side.len() > finite.len() and pick == "max":
            out.append("inf")
    return out


def _key(x: object, dtype: pl.DataType | None) -> str:
    """A value as the examples write it: integers without a decimal point, the rest as text."""
    if isinstance(x, float) and (dtype is None or dtype.is_integer()):
        return _number(x)
    return str(x)


def _profile_violations(cp: ColumnProfile, col: Column) -> list[_Violation]:
    """:func:`_violations` read off a column's profile: the same rules, the same counts where the
    profile keeps them, else estimates with their bounds."""
    found: list[_Violation] = []
    if col.nullable is False:
        found.append(("nullable: false", Count.exact(cp.null_count, ["None"] if cp.null_count else [])))
    if (col.min is not None or col.max is not None) and cp.kind == "numeric":
        # as the rows compare: -inf is below any minimum, +inf above any maximum, NaN neither
        low_inf = cp.neginf_count if col.min is not None else 0
        high_inf = cp.posinf_count if col.max is not None else 0
        t = tails(cp, -math.inf if col.min is None else float(col.min), math.inf if col.max is None else float(col.max)) \
            if cp.finite_count else Tails(0, 0, 0, 0, 0.0)
        examples = (["-inf"] if low_inf else []) + [_number(x) for x, n in ((cp.min, t.below), (cp.max, t.above))
                                                     if n and x is not None] + (["inf"] if high_inf else [])
        # each tail is within the rank error: their sum within twice it when both hold values
        error = t.rank_error * (2 if t.below and t.above else 1)
        found.append((_range_rule(col), Count(t.below + t.above + low_inf + high_inf,
                                              t.below_least + t.above_least + low_inf + high_inf, examples, error)))
    fi = cp.frequent_items
    kept = frequent_values(cp, nonfinite=True) if col.categories is not None else None
    if col.categories is not None and fi is not None and kept is not None:
        least, examples, bad = _category_breaks(*kept, col)
        if fi.error == 0 and fi.other_count == 0:  # every value kept: counted
            found.append((_categories_rule(col), Count.exact(least, examples)))
        else:  # kept counts are lower bounds by at most ``error``; values not kept may break it or not
            most = least + int(bad.sum()) * int(fi.error) + fi.other_count
            found.append((_categories_rule(col), Count(least, least, examples, most=most)))
    return found


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _whole(cp: ColumnProfile | None, values: pl.Series) -> dict[str, object]:
    """What :func:`infer_column` needs of a whole column that it is given a sample of: its
    non-null and distinct values and its numbers' span, from the column's profile. A distinct
    count the profile estimates counts as "every value unique" when the sample repeats no value
    and the estimate is within three standard errors of the values."""
    if cp is None:
        return {}
    d = distinct_count(cp)
    n = cp.finite_count if cp.kind == "numeric" else cp.count - cp.null_count
    if d is None or n == 0:
        return {}
    distinct = d.value
    if not d.exact and values.drop_nulls().is_unique().all() and d.value >= n * (1 - 3 * d.standard_error):
        distinct = n
    bounds = (cp.min, cp.max) if cp.kind == "numeric" and cp.min is not None and cp.max is not None else None
    return {"whole": (n, min(distinct, n)), "bounds": bounds}


def check_identifier_features(ctx: ScanContext) -> list[Finding]:
    """Features whose values look like identifiers: a model that uses them memorises rows.

    An undeclared column is judged by its inferred schema; a declared one by inferring it again
    from its values (a table given as a saved profile: from its sample, with the whole column's
    counts and span from its profile)."""
    out = []
    judged = 0
    for label, ds in ctx.datasets():
        sampled = ctx.partial.get(label) == "sample"
        for c in ds.frame.columns:
            col = ctx.schema.get(c)
            if col is None or col.role != Role.FEATURE:
                continue
            judged += 1
            if col.declared:
                values = ds.frame.get_column(c)
                cp = ctx.profile(label).columns.get(c)
                extra = _whole(cp, values) if sampled else {}
                inferred = infer_column(c, values, **extra)  # type: ignore[arg-type]
                share = _distinct_share(cp) if col.kind == Kind.CATEGORICAL else None
                if share is not None and share[0] >= _IDENTIFIER_SHARE and share[0] * share[1] > HIGH_CARDINALITY and (
                        inferred.kind != Kind.IDENTIFIER or inferred.confidence < 0.6):
                    # near-unique categories, whatever they look like: what check_high_cardinality leaves here
                    inferred = Column(kind=Kind.IDENTIFIER, confidence=round(share[0], 3), signals=(
                        f"declared categorical, {share[0]:.0%} of {share[1]:,} values distinct -> identifier",
                        *inferred.signals))
            else:
                inferred = col
            if inferred.kind != Kind.IDENTIFIER or inferred.confidence < 0.6:
                continue
            out.append(
                Finding(
                    check="quality.identifier_feature",
                    failure_mode=DQ,
                    severity=Severity.MEDIUM,
                    columns=(c,),
                    message=f"{c!r} ({label}) is used as a feature but looks like an identifier",
                    evidence={"dataset": label, "confidence": inferred.confidence, "signals": list(inferred.signals),
                              "threshold": 0.6},
                    recommendation="Identifiers let a model memorise rows instead of learning; drop the column "
                    "from the features, or declare it with role: id in the schema.",
                    id=f"quality.identifier_feature:{label}:{c}",
                )
            )
    if not judged:
        raise NotApplicable("no feature column")
    return out


#: A declared categorical whose values are at least this share distinct is left to
#: ``quality.identifier_feature`` (the share at which inference reads short tokens as identifiers).
_IDENTIFIER_SHARE = 0.95


def _distinct_share(cp: ColumnProfile | None) -> tuple[float, int] | None:
    """The share of a string column's non-null values that are distinct, and those values; None
    below 20 values (too few to call near-unique) or without a distinct count."""
    if cp is None or cp.kind != "string":
        return None
    values = cp.count - cp.null_count
    d = distinct_count(cp)
    if d is None or values < 20:
        return None
    return min(d.value / values, 1.0), values


def check_high_cardinality(ctx: ScanContext) -> list[Finding]:
    """Categorical features with very many distinct values, counted from their profiles: the
    frequent items hold every value up to their capacity (at least 1,024, above the threshold),
    so whether a column passes the threshold is always known; beyond the capacity the count is
    HyperLogLog's estimate, marked as one."""
    out = []
    judged = 0
    for label, info, profile in ctx.tables():
        for c, cp in profile.columns.items():
            col = ctx.schema.get(c)
            if col is None or col.role != Role.FEATURE or col.kind != Kind.CATEGORICAL or cp.kind != "string":
                continue
            judged += 1
            d = distinct_count(cp)
            if d is None or d.value <= HIGH_CARDINALITY:  # an estimate is never below what is proven
                continue
            share = _distinct_share(cp)
            if col.declared and share is not None and share[0] >= _IDENTIFIER_SHARE:
                # near-unique: an identifier, which quality.identifier_feature reports from the values (from a
                # bare profile it cannot run, and the report says so: the same findings as on the rows)
                continue
            about = "" if d.exact else "about "
            out.append(
                Finding(
                    check="quality.high_cardinality",
                    failure_mode=DQ,
                    severity=Severity.LOW,
                    columns=(c,),
                    message=f"{c!r} ({label}) has {about}{d.value:,} distinct categories",
                    evidence={"dataset": label, **d.evidence(), "rows": info.rows,
                              "distinct_share": d.value / info.rows, "threshold": HIGH_CARDINALITY},
                    recommendation="One-hot encoding this many categories overfits and serving will meet unseen "
                    "ones; group rare categories, hash them, or use a target-encoding fitted on training folds.",
                    id=f"quality.high_cardinality:{label}:{c}",
                )
            )
    if not judged:
        raise NotApplicable("no categorical feature held as text")
    return out
