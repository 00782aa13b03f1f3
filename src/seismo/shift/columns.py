"""Per-column distribution shift: a test chosen by kind and size, effect sizes beside every
p-value, Benjamini-Hochberg across columns, and a minimum effect so that a large sample does
not turn a negligible difference into an alarm.

Numeric columns with many values: two-sample Kolmogorov-Smirnov (the decision's p-value) and
Cramer-von Mises (reported beside it, more sensitive in the tails' bulk than KS),
Wasserstein-1 in units of the reference's robust scale (the decision's effect size), PSI and
Jensen-Shannon on reference deciles. Categorical columns, and numeric columns with at most
:data:`FEW_VALUES` distinct values: chi-square test of homogeneity with rare cells pooled,
total variation distance (the effect size), PSI, Jensen-Shannon and Cramer's V; the category
space is the union of both sides, and new or vanished categories are listed.

A column is reported when its BH-adjusted p-value is at most :data:`ALPHA` *and* its effect
size reaches the minimum (:data:`MIN_WASSERSTEIN` or :data:`MIN_TV`). Severity follows the
conventional PSI bands (Siddiqi 2006): below 0.1 low, from 0.1 medium, from 0.25 high.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import ScanContext
from seismo.data.schema import Kind, Role
from seismo.report.model import FailureMode, Finding, Severity
from seismo.stats import benjamini_hochberg
from seismo.stats.distance import (
    GRID,
    CategoricalComparison,
    NumericComparison,
    compare_categorical,
    compare_numeric,
    two_sample_columns,
)

__all__ = ["ALPHA", "FEW_VALUES", "MIN_TV", "MIN_WASSERSTEIN", "check_column_shift"]

ALPHA = 0.01
"""False discovery rate across the columns of one scan."""
MIN_WASSERSTEIN = 0.05
"""Smallest numeric shift reported: 5% of the reference's (robust) standard deviation."""
MIN_TV = 0.02
"""Smallest categorical shift reported: two percentage points of probability mass moved."""
FEW_VALUES = 20
"""Numeric columns with at most this many distinct values are compared as categories."""
PSI_MEDIUM, PSI_HIGH = 0.1, 0.25

_ROLES = (Role.FEATURE, Role.PREDICTION, Role.PROBABILITY, Role.TARGET)
_TESTED_KINDS = (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN)


def _counts(cp: Any) -> dict[str, int] | None:
    """Value counts from a profile's frequent items, with the untracked rest as one bucket."""
    if cp.frequent_items is None:
        return None
    counts = {_key(k): int(c) for k, c in cp.top()}
    if cp.other_count > 0:
        counts["(other)"] = counts.get("(other)", 0) + int(cp.other_count)
    return counts


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _exact_counts(ctx: ScanContext, label: str, name: str) -> dict[str, int]:
    ds = ctx.reference if label == "reference" else ctx.current
    assert ds is not None
    vc = ds.frame.get_column(name).drop_nulls().cast(pl.String).value_counts()
    return dict(zip(vc.get_column(name).to_list(), vc.get_column("count").to_list(), strict=True))


def _few_values(ref: Any, cur: Any) -> bool:
    if ref.frequent_items is None or cur.frequent_items is None or ref.other_count or cur.other_count:
        return False
    return len({k for k, _ in ref.top()} | {k for k, _ in cur.top()}) <= FEW_VALUES


def _compare(ctx: ScanContext, name: str, ref: Any, cur: Any, kind: Kind) -> NumericComparison | CategoricalComparison | None:
    numeric = kind == Kind.NUMERIC and ref.kind == "numeric" and cur.kind == "numeric"
    if numeric and not _few_values(ref, cur):
        if not ref.finite_count or not cur.finite_count:
            return None
        q_ref = np.asarray(ref.quantiles(GRID), dtype=np.float64)
        q_cur = np.asarray(cur.quantiles(GRID), dtype=np.float64)
        c = compare_numeric(q_ref, q_cur, ref.finite_count, cur.finite_count, std_ref=float(ref.std or 0.0))
        # the decision's p-value comes from the rows themselves (a grid is exact for effect sizes, not
        # for p-values at millions of rows)
        assert ctx.reference is not None and ctx.current is not None
        t = two_sample_columns(ctx.reference.frame.get_column(name), ctx.current.frame.get_column(name))
        return replace(c, ks=t.ks, p_value=t.ks_p_value, cvm=t.cvm, cvm_p_value=t.cvm_p_value)
    if ref.other_count or cur.other_count:  # a truncated sketch: count the rows themselves
        a, b = _exact_counts(ctx, "reference", name), _exact_counts(ctx, "current", name)
        return compare_categorical(a, b) if a and b else None
    counts_a, counts_b = _counts(ref), _counts(cur)
    if not counts_a or not counts_b:
        return None
    return compare_categorical(counts_a, counts_b)


def check_column_shift(ctx: ScanContext) -> list[Finding]:
    """Every feature (and target, prediction, probability) column, reference vs current."""
    ref_p, cur_p = ctx.profile("reference"), ctx.profile("current")
    tested: list[tuple[str, NumericComparison | CategoricalComparison]] = []
    for name, col in ctx.schema.items():
        if col.role not in _ROLES or col.kind not in _TESTED_KINDS:
            continue
        if name not in ref_p.columns or name not in cur_p.columns:
            continue  # a column on one side only is training-serving skew, reported there
        result = _compare(ctx, name, ref_p.columns[name], cur_p.columns[name], col.kind)
        if result is not None:
            tested.append((name, result))
    if not tested:
        return []
    q_values = benjamini_hochberg([r.p_value for _, r in tested])
    out = []
    for (name, r), q in zip(tested, q_values, strict=True):
        effect_name, effect, minimum = _effect(r)
        drifted = bool(q <= ALPHA and effect >= minimum)
        if isinstance(r, NumericComparison):
            ctx.note(name, shift_cramer_von_mises=_finite(r.cvm), shift_cramer_von_mises_p_value=_finite(r.cvm_p_value),
                     shift_wasserstein=_finite(r.wasserstein), shift_jensen_shannon=_finite(r.js))
        else:
            ctx.note(name, shift_total_variation=_finite(r.tv), shift_jensen_shannon=_finite(r.js))
        ctx.note(name, shift_test=_test_name(r), shift_statistic=_stat(r), shift_p_value=r.p_value,
                 shift_q_value=float(q), shift_effect=effect_name, shift_effect_size=_finite(effect),
                 shift_psi=_finite(r.psi), drifted=drifted)
        if drifted:
            out.append(_finding(name, r, float(q), effect_name, effect, minimum))
    return out


def _effect(r: NumericComparison | CategoricalComparison) -> tuple[str, float, float]:
    if isinstance(r, NumericComparison):
        return "wasserstein_normalised", r.wasserstein, MIN_WASSERSTEIN
    return "total_variation", r.tv, MIN_TV


def _test_name(r: NumericComparison | CategoricalComparison) -> str:
    return "kolmogorov_smirnov" if isinstance(r, NumericComparison) else "chi_square"


def _stat(r: NumericComparison | CategoricalComparison) -> float:
    return r.ks if isinstance(r, NumericComparison) else r.chi2


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _severity(r: NumericComparison | CategoricalComparison) -> Severity:
    if r.psi >= PSI_HIGH:
        return Severity.HIGH
    if r.psi >= PSI_MEDIUM:
        return Severity.MEDIUM
    return Severity.LOW


def _finding(name: str, r: NumericComparison | CategoricalComparison, q: float, effect_name: str, effect: float,
             minimum: float) -> Finding:
    evidence: dict[str, Any] = {
        "test": _test_name(r), "statistic": _stat(r), "p_value": r.p_value, "q_value": q, "alpha": ALPHA,
        "effect_size": effect_name, "effect": _finite(effect), "threshold": minimum, "psi": _finite(r.psi),
        "jensen_shannon": r.js, "reference_rows": r.n_reference, "current_rows": r.n_current,
    }
    if isinstance(r, NumericComparison):
        what = f"moved by {effect:.2f} standard deviations (Wasserstein), KS {r.ks:.3f}"
        evidence.update(reference_scale=r.scale, cramer_von_mises=_finite(r.cvm),
                        cramer_von_mises_p_value=_finite(r.cvm_p_value))
    else:
        what = f"{effect:.1%} of the probability mass moved between categories"
        evidence.update(dof=r.dof, cramers_v=r.cramers_v, new_categories=list(r.new[:20]),
                        vanished_categories=list(r.vanished[:20]))
        if r.new:
            what += f"; new: {', '.join(repr(c) for c in r.new[:3])}"
        if r.vanished:
            what += f"; vanished: {', '.join(repr(c) for c in r.vanished[:3])}"
    return Finding(
        check="shift.column",
        failure_mode=FailureMode.DISTRIBUTION_SHIFT,
        severity=_severity(r),
        columns=(name,),
        message=f"{name} {what} (PSI {r.psi:.3f})",
        evidence=evidence,
        recommendation="Find out whether the population changed (new users, a new market, a season) or the "
        "pipeline did (a unit, a default, a join); if the world moved, retrain on recent data and check "
        "performance on this segment; if the pipeline moved, fix it upstream.",
    )
