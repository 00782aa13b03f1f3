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

Everything is read from the two profiles (a ``profile``-tier check): the numeric tests from the
quantile summaries (exact quantiles at 1,001 ranks for one chunk, a KLL sketch once merged; the
p-values take at most 50,000 rows a side, see :func:`seismo.stats.distance.compare_numeric`),
the categorical test from the frequent items (exact up to 1,024 distinct values; beyond, the rest
is one "(other)" cell). ``evidence.rank_error`` is the larger sketch's rank error: 0 for exact
summaries, about 0.013 for merged ones, where the statistics are estimates.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.report.model import FailureMode, Finding, Severity
from seismo.stats import benjamini_hochberg
from seismo.stats.distance import (
    GRID,
    CategoricalComparison,
    KS_MAX_ROWS,
    NumericComparison,
    NumericReference,
    compare_categorical,
    compare_many_to_reference,
    numeric_reference,
    two_sample,
)
from seismo.stats.numbers import finite_or_none as _finite
from seismo.stats.numbers import plain_number

__all__ = ["ALPHA", "FEW_VALUES", "MIN_TV", "MIN_WASSERSTEIN", "check_column_shift", "fit_column_shift"]

ALPHA = 0.01
"""False discovery rate across the columns of one scan."""
MIN_WASSERSTEIN = 0.05
"""Smallest numeric shift reported: 5% of the reference's (robust) standard deviation."""
MIN_TV = 0.02
"""Smallest categorical shift reported: two percentage points of probability mass moved."""
FEW_VALUES = 20
"""Numeric columns with at most this many distinct values, all whole numbers, are compared as categories."""
PSI_MEDIUM, PSI_HIGH = 0.1, 0.25

_ROLES = (Role.FEATURE, Role.PREDICTION, Role.PROBABILITY, Role.TARGET)
_TESTED_KINDS = (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN)


_OTHER = "(other)"


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _side(cp: Any) -> dict[str, Any]:
    """What the comparison reads from one side's column profile, as JSON-safe data: the fitted
    state of the reference side, computed once for every window compared with it."""
    fi = cp.frequent_items
    side: dict[str, Any] = {
        "kind": cp.kind, "finite_count": int(cp.finite_count), "other_count": int(cp.other_count or 0),
        "rank_error": float(cp.rank_error) if cp.rank_error is not None else None,
        "counts": None if fi is None else {_key(k): int(c) for k, c in cp.top()},
        "error": int(fi.error) if fi is not None else 0, "total": int(fi.total) if fi is not None else 0,
        "numeric": None, "values": None,
    }
    if cp.kind == "numeric" and cp.finite_count:
        q = cp.quantiles_array(GRID)
        side["numeric"] = numeric_reference(q, int(cp.finite_count), std_ref=float(cp.std or 0.0)).to_dict()
        values = cp.quantile_sketch.values()
        side["values"] = None if values is None else values.tolist()
    return side


def _truncated_counts(fa: dict[str, Any], fb: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]] | None:
    """Counts on a coarser partition when a side's frequent items dropped values: the categories
    both sides kept, and everything else as one "(other)" cell. A kept counter is a lower bound
    short of the true count by at most the summary's ``error`` (by exactly that for the profile of
    one chunk, Misra-Gries subtracting one threshold from every count), so each is read as
    ``count + error`` and "(other)" as the rest of the rows: exact for one chunk, an estimate once
    merged. A category kept on one side only has an unknown count on the other, so it is pooled.

    The column is not tested (None) when the counts' uncertainty could move the total variation by
    half its minimum (``error`` per kept category, over the rows): a merged summary's bounds are
    too loose to tell a shift from its own error, and a test on them would raise false alarms."""
    if fa["counts"] is None or fb["counts"] is None or not fa["total"] or not fb["total"]:
        return None
    a = {k: c + fa["error"] for k, c in fa["counts"].items()}
    b = {k: c + fb["error"] for k, c in fb["counts"].items()}
    common = sorted(set(a) & set(b))
    slack = (len(common) + 1) * (fa["error"] / fa["total"] + fb["error"] / fb["total"])
    if slack >= MIN_TV / 2:
        return None
    out = []
    for counts, fi in ((a, fa), (b, fb)):
        kept = {k: counts[k] for k in common}
        kept[_OTHER] = max(int(fi["total"]) - sum(kept.values()), 0)
        out.append(kept)
    return out[0], out[1]


def _few_values(ref: dict[str, Any], cur_p: Any) -> bool:
    """Whether both sides have at most :data:`FEW_VALUES` distinct values, all counted and all
    whole numbers (codes, counts, ratings: then a numeric column is compared as categories). A
    few decimals are a small sample of a continuous quantity, compared through its quantiles.
    The current's counts are read only when the reference's could qualify."""
    if ref["counts"] is None or ref["other_count"] or len(ref["counts"]) > FEW_VALUES:
        return False
    if not all(_whole(k) for k in ref["counts"]):
        return False
    if cur_p.frequent_items is None or cur_p.other_count:
        return False
    keys = {_key(k) for k, _ in cur_p.top()}
    return all(_whole(k) for k in keys) and len(set(ref["counts"]) | keys) <= FEW_VALUES


def _whole(key: str) -> bool:
    """A counted value (as :func:`_key` writes it) that is a whole number: digits, maybe signed."""
    return key.lstrip("-").isdigit()


def _numeric(ref: dict[str, Any], cur_p: Any, kind: Kind) -> bool:
    """Whether the column is compared through its quantiles (else through its value counts)."""
    return kind == Kind.NUMERIC and ref["kind"] == "numeric" and cur_p.kind == "numeric" and not _few_values(ref, cur_p)


def _compare_numeric_many(pairs: list[tuple[dict[str, Any], Any]]) -> list[NumericComparison | None]:
    """Each fitted numeric side against its current column's profile, all in one compiled call."""
    out: list[NumericComparison | None] = [None] * len(pairs)
    live = [i for i, (ref, cur_p) in enumerate(pairs)
            if ref["finite_count"] and cur_p.finite_count and ref["numeric"] is not None]
    found = compare_many_to_reference([_reference(pairs[i][0]) for i in live],
                                      [pairs[i][1].quantiles_array(GRID) for i in live],
                                      [int(pairs[i][1].finite_count) for i in live])
    for i, c in zip(live, found, strict=True):
        ref, cur_p = pairs[i]
        # read from the profiles: the tests' p-values take at most KS_MAX_ROWS rows a side, as the
        # tests on rows did (their CDFs are known to 0.001 from the grid, far below the critical values)
        b = cur_p.quantile_sketch.values()
        if ref["values"] is not None and b is not None:  # small tables keep every value: the tests on them are exact
            t = two_sample(np.asarray(ref["values"], dtype=np.float64), b)
            c = replace(c, ks=t.ks, p_value=t.ks_p_value, cvm=t.cvm, cvm_p_value=t.cvm_p_value)
        out[i] = c
    return out


def _compare_categories(ref: dict[str, Any], cur_p: Any) -> CategoricalComparison | None:
    """The reference's fitted side against the current column's value counts."""
    cur = _side_light(cur_p)
    if ref["other_count"] or cur["other_count"]:  # frequent items that dropped values: a coarser partition
        pair = _truncated_counts(ref, cur)
        return compare_categorical(*pair) if pair and pair[0] and pair[1] else None
    if not ref["counts"] or not cur["counts"]:
        return None
    return compare_categorical(ref["counts"], cur["counts"])


def _side_light(cp: Any) -> dict[str, Any]:
    """:func:`_side` without the numeric reference (the current side is compared, not fitted)."""
    fi = cp.frequent_items
    return {"kind": cp.kind, "finite_count": int(cp.finite_count), "other_count": int(cp.other_count or 0),
            "counts": None if fi is None else {_key(k): int(c) for k, c in cp.top()},
            "error": int(fi.error) if fi is not None else 0, "total": int(fi.total) if fi is not None else 0}


_REFERENCES: dict[int, tuple[dict[str, Any], NumericReference]] = {}


def _reference(side: dict[str, Any]) -> NumericReference:
    """The :class:`NumericReference` of a fitted side, decoded once per state (by identity)."""
    hit = _REFERENCES.get(id(side["numeric"]))
    if hit is not None and hit[0] is side["numeric"]:
        return hit[1]
    ref = NumericReference.from_dict(side["numeric"])
    if len(_REFERENCES) > 4096:
        _REFERENCES.clear()
    _REFERENCES[id(side["numeric"])] = (side["numeric"], ref)
    return ref


def _tested(ctx: ScanContext) -> list[str]:
    return [name for name, col in ctx.schema.items() if col.role in _ROLES and col.kind in _TESTED_KINDS]


def fit_column_shift(ctx: ScanContext) -> dict[str, Any]:
    """The reference side of every tested column, JSON-safe: ``{"columns": {name: side}}``."""
    ref_p = ctx.profile("reference")
    return {"columns": {name: _side(ref_p.columns[name]) for name in _tested(ctx) if name in ref_p.columns}}


def check_column_shift(ctx: ScanContext) -> list[Finding]:
    """Every feature (and target, prediction, probability) column, reference vs current."""
    state = ctx.fitted(fit_column_shift)
    cur_p = ctx.profile("current")
    compared: list[tuple[str, NumericComparison | CategoricalComparison | None]] = []
    numeric: list[tuple[int, tuple[dict[str, Any], Any]]] = []
    rank_error: dict[str, float] = {}
    for name in _tested(ctx):
        ref = state["columns"].get(name)
        if ref is None or name not in cur_p.columns:
            continue  # a column on one side only is training-serving skew, reported there
        cur = cur_p.columns[name]
        if _numeric(ref, cur, ctx.schema[name].kind):
            numeric.append((len(compared), (ref, cur)))
            compared.append((name, None))
        else:
            compared.append((name, _compare_categories(ref, cur)))
        errors = [ref["rank_error"], cur.rank_error]
        rank_error[name] = max((e for e in errors if e is not None), default=0.0)
    for (i, _), c in zip(numeric, _compare_numeric_many([pair for _, pair in numeric]), strict=True):
        compared[i] = (compared[i][0], c)
    tested = [(name, r) for name, r in compared if r is not None]
    if not tested:
        raise NotApplicable(_untested(compared, numeric) if compared else
                            "no numeric, categorical or boolean column in both tables")
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
            ref, cur = state["columns"][name], cur_p.columns[name]
            plain, impact = "", None
            if isinstance(r, NumericComparison):
                plain = _plain(r, np.asarray(ref["numeric"]["grid"], dtype=np.float64), cur.quantiles_array(GRID))
            elif ctx.schema[name].role == Role.TARGET:
                impact = balance_impact(_shares(ref), _shares(_side_light(cur)))
            out.append(_finding(name, r, float(q), effect_name, effect, minimum, rank_error[name], plain, impact))
    return out


def _untested(compared: list[tuple[str, Any]], numeric: list[tuple[int, tuple[dict[str, Any], Any]]]) -> str:
    """Why no column in both tables could be compared: their values are missing on a side, or
    their categories were counted too loosely (merged profiles that dropped values)."""
    by_numbers = {i for i, _ in numeric}
    names = [name for name, _ in compared]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if len(by_numbers) == len(compared):
        why = "no finite value in one of the tables"
    elif not by_numbers:
        why = "no value in one of the tables, or too many categories to count exactly (a merged profile)"
    else:
        why = "no value in one of the tables, or too many categories to count exactly"
    return f"no column could be compared ({shown}): {why}"


def _effect(r: NumericComparison | CategoricalComparison) -> tuple[str, float, float]:
    if isinstance(r, NumericComparison):
        return "wasserstein_normalised", r.wasserstein, MIN_WASSERSTEIN
    return "total_variation", r.tv, MIN_TV


def _test_name(r: NumericComparison | CategoricalComparison) -> str:
    return "kolmogorov_smirnov" if isinstance(r, NumericComparison) else "chi_square"


def _stat(r: NumericComparison | CategoricalComparison) -> float:
    return r.ks if isinstance(r, NumericComparison) else r.chi2




W_MEDIUM, W_HIGH = 0.2, 0.5
"""Bands of a numeric shift in reference standard deviations (Wasserstein): Cohen's (1988) small and medium effects."""
TV_MEDIUM, TV_HIGH = 0.1, 0.2
"""Bands of a categorical shift: the share of the probability mass that moved."""
PROBABILITY_MEDIUM, PROBABILITY_HIGH = 0.02, 0.05
"""Bands of the change a shift of the target's class balance makes to a calibrated probability:
the same as a rate metric's drop (``concept.performance``: 5 points is a big drop)."""


def _band(value: float, medium: float, high: float) -> Severity:
    if not np.isfinite(value):
        return Severity.LOW
    return Severity.HIGH if value >= high else Severity.MEDIUM if value >= medium else Severity.LOW


def _severity(r: NumericComparison | CategoricalComparison, impact: float | None = None) -> Severity:
    """A distribution that moved is rated by the largest of its effects, each in its own bands
    (docs/checks.md, "Severity"): PSI (Siddiqi 2006), the Wasserstein distance in reference
    standard deviations or the share of mass moved, and for the target's class balance the change
    it makes to a calibrated probability (``impact``). So "moved by 3 standard deviations" is
    never rated low because the PSI of a heavy tail is."""
    size = _band(r.wasserstein, W_MEDIUM, W_HIGH) if isinstance(r, NumericComparison) else _band(r.tv, TV_MEDIUM,
                                                                                                   TV_HIGH)
    bands = [_band(r.psi, PSI_MEDIUM, PSI_HIGH), size]
    if impact is not None:
        bands.append(_band(impact, PROBABILITY_MEDIUM, PROBABILITY_HIGH))
    return max(bands, key=lambda b: b.rank)


def balance_impact(reference: dict[str, float], current: dict[str, float]
                   ) -> tuple[float, str, float, float, float] | None:
    """What a shift of the target's class balance does to a calibrated model, read from the two
    tables' class shares: under label shift (P(x|y) unchanged) every row's posterior odds of a
    class scale by the ratio of its prior odds (Saerens, Latinne & Decaestecker 2002), so a
    probability ``p`` becomes ``r p / (1 - p + r p)``. Returns the largest change that makes to
    any calibrated probability (at ``p = 1 / (1 + sqrt(r))``: ``|sqrt(r) - 1| / (sqrt(r) + 1)``),
    the class it is largest for, that class's prior-odds ratio and its two shares; None without a
    class present on both sides.

    >>> change, cls, ratio, p0, p1 = balance_impact({"0": 0.744, "1": 0.256}, {"0": 0.676, "1": 0.324})
    >>> cls, round(ratio, 2), round(change, 3)
    ('1', 1.39, 0.083)
    """
    found: list[tuple[float, str, float, float, float]] = []
    for k, p0 in reference.items():
        p1 = current.get(k, 0.0)
        if not (0 < p0 < 1 and 0 < p1 < 1):
            continue
        r = (p1 / (1 - p1)) / (p0 / (1 - p0))
        root = float(np.sqrt(r))
        found.append((abs(root - 1) / (root + 1), k, r, p0, p1))
    # the largest change; of two equal ones (the two classes of a binary target), the rarer class
    return min(found, key=lambda t: (-round(t[0], 9), t[3])) if found else None


def _shares(side: dict[str, Any]) -> dict[str, float]:
    counts = side.get("counts") or {}
    total = sum(counts.values())
    return {k: c / total for k, c in counts.items()} if total else {}


def _plain(r: NumericComparison, ref_q: np.ndarray[Any, Any], cur_q: np.ndarray[Any, Any]) -> str:
    """What moved, in words first: the median, the spread or a tail, with the values."""
    def at(q: np.ndarray[Any, Any], rank: float) -> float:
        return float(np.interp(rank, GRID, q))

    m0, m1 = at(ref_q, 0.5), at(cur_q, 0.5)
    lo0, lo1, hi0, hi1 = at(ref_q, 0.1), at(cur_q, 0.1), at(ref_q, 0.9), at(cur_q, 0.9)
    scale = r.scale if r.scale > 0 else max(hi0 - lo0, 1e-12)
    moved, d_lo, d_hi = (m1 - m0) / scale, (lo1 - lo0) / scale, (hi1 - hi0) / scale
    width0, width1 = hi0 - lo0, hi1 - lo1
    f = plain_number
    if abs(moved) >= 0.1 and (d_lo * moved >= 0 or d_hi * moved >= 0):
        return f"values are {'higher' if moved > 0 else 'lower'} now: median {f(m0)} → {f(m1)}"
    if width0 > 0 and width1 / width0 >= 1.25:
        return f"values are more spread out now: 10th-90th percentile {f(lo0)}-{f(hi0)} → {f(lo1)}-{f(hi1)}"
    if width0 > 0 and width1 / width0 <= 0.8:
        return f"values are more concentrated now: 10th-90th percentile {f(lo0)}-{f(hi0)} → {f(lo1)}-{f(hi1)}"
    if abs(d_hi) >= abs(d_lo) and abs(d_hi) >= 0.1:
        return f"the upper values moved: 90th percentile {f(hi0)} → {f(hi1)}"
    if abs(d_lo) >= 0.1:
        return f"the lower values moved: 10th percentile {f(lo0)} → {f(lo1)}"
    return f"the shape changed more than its middle: median {f(m0)} → {f(m1)}"


def _finding(name: str, r: NumericComparison | CategoricalComparison, q: float, effect_name: str, effect: float,
             minimum: float, rank_error: float, plain: str = "",
             impact: tuple[float, str, float, float, float] | None = None) -> Finding:
    evidence: dict[str, Any] = {
        "test": _test_name(r), "statistic": _stat(r), "p_value": r.p_value, "q_value": q, "alpha": ALPHA,
        "effect_size": effect_name, "effect": _finite(effect), "threshold": minimum, "psi": _finite(r.psi),
        "jensen_shannon": r.js, "reference_rows": r.n_reference, "current_rows": r.n_current,
    }
    if isinstance(r, NumericComparison):
        what = f"{plain} (moved by {effect:.2f} standard deviations, Wasserstein; KS {r.ks:.3f}; PSI {r.psi:.3f})"
        evidence.update(reference_scale=r.scale, cramer_von_mises=_finite(r.cvm),
                        cramer_von_mises_p_value=_finite(r.cvm_p_value), rank_error=rank_error,
                        tested_rows=[min(r.n_reference, KS_MAX_ROWS), min(r.n_current, KS_MAX_ROWS)])
    else:
        what = f"{effect:.1%} of the rows moved between categories"
        evidence.update(dof=r.dof, cramers_v=r.cramers_v, new_categories=list(r.new[:20]),
                        vanished_categories=list(r.vanished[:20]))
        if impact is not None:  # the target's class balance: what it does to a calibrated model
            change, cls, ratio, p0, p1 = impact
            evidence.update(class_balance_class=cls, reference_share=p0, current_share=p1, prior_odds_ratio=ratio, calibrated_probability_change=change,
                            impact_method="label shift: posterior odds scale by the prior-odds ratio "
                            "(Saerens, Latinne & Decaestecker 2002)")
            what = (f"the share of class {cls!r} is {'higher' if ratio > 1 else 'lower'} now ({p0:.1%} → {p1:.1%}): "
                    f"a calibrated model's probabilities are off by up to {change * 100:.1f} points until it is "
                    f"recalibrated; {what}")
        if r.new:
            what += f"; new: {', '.join(repr(c) for c in r.new[:3])}"
        if r.vanished:
            what += f"; vanished: {', '.join(repr(c) for c in r.vanished[:3])}"
        what += f" (PSI {r.psi:.3f})"
    return Finding(
        check="shift.column",
        failure_mode=FailureMode.DISTRIBUTION_SHIFT,
        severity=_severity(r, impact[0] if impact is not None else None),
        columns=(name,),
        message=f"{name!r}: {what}",
        evidence=evidence,
        recommendation="Find out whether the population changed (new users, a new market, a season) or the "
        "pipeline did (a unit, a default, a join); if the world moved, retrain on recent data and check "
        "performance on this segment; if the pipeline moved, fix it upstream.",
    )
