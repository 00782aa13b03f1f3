"""Schema skew between the training (reference) and serving (current) tables: missing or extra
columns, type changes, unseen categories, spellings that differ only in case, whitespace or
Unicode form, values outside the training range beyond what chance gives, and a consistent
change of scale (a unit: x1000, x100, x60, x3600; or an aggregation window: a count over 30 days
served where training used 10 days, a consistent x3)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.data.text import MISSING_TOKENS, normal_form
from seismo.profile import Tails
from seismo.profile import tails as count_tails
from seismo.report.model import FailureMode, Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from seismo.profile import ColumnProfile

__all__ = ["check_categories", "check_columns", "check_range", "check_scale"]

SKEW = FailureMode.TRAINING_SERVING_SKEW
_INPUT_ROLES = (Role.FEATURE, Role.PREDICTION, Role.PROBABILITY)
#: Unit factors that have a name; any other consistent factor is reported as a window or unit change.
UNIT_FACTORS = {1000.0: "x1000 (e.g. g -> kg or ms -> s)", 100.0: "x100 (e.g. a percentage vs a fraction)",
                60.0: "x60 (minutes vs hours, seconds vs minutes)", 3600.0: "x3600 (seconds vs hours)",
                1024.0: "x1024 (bytes vs KiB)", 12.0: "x12 (months vs years)", 7.0: "x7 (days vs weeks)"}
_SCALE_QUANTILES = (0.25, 0.5, 0.75, 0.9)


def _finding(check: str, severity: Severity, column: str, message: str, evidence: dict[str, Any], rec: str,
             suffix: str = "", ctx: ScanContext | None = None) -> Finding:
    finding = Finding(check=check, failure_mode=SKEW, severity=severity, columns=(column,), message=message,
                      evidence=evidence, recommendation=rec, id=f"{check}:{column}{suffix}")
    if ctx is not None:  # a root cause: later checks leave this column's change to this finding
        ctx.explain(column, finding.id)
    return finding


_FAMILIES = {"boolean": "boolean", "numeric": "numeric", "datetime": "temporal", "string": "text"}


def _family(cp: ColumnProfile) -> str:
    """The type family of a profiled column: boolean, numeric, temporal, text, or its dtype."""
    return _FAMILIES.get(cp.kind, cp.dtype)


def check_columns(ctx: ScanContext) -> list[Finding]:
    """Model inputs missing at serving, columns serving has that training never saw, and changes of
    type family (numbers that arrive as text)."""
    ref, cur = ctx.profile("reference").columns, ctx.profile("current").columns
    out = []
    for name, rp in ref.items():
        dtype = rp.dtype
        col = ctx.schema.get(name)
        role = col.role if col is not None else Role.FEATURE
        if name not in cur:
            if role in _INPUT_ROLES:  # the target is not a model input: serving has no labels yet
                sev = Severity.HIGH if role == Role.FEATURE else Severity.MEDIUM
                out.append(_finding("skew.missing_column", sev, name, f"{name!r} is in the training data but not in serving",
                                    {"role": role.value, "reference_dtype": dtype},
                                    "A model input that serving does not send is filled with a default or breaks the "
                                    "request; restore it in the serving pipeline."))
            continue
        a, b = _family(rp), _family(cur[name])
        if a != b:
            out.append(_finding("skew.dtype_change", Severity.HIGH, name,
                                f"{name!r} is {a} ({dtype}) in training but {b} ({cur[name].dtype}) in serving",
                                {"reference_dtype": dtype, "current_dtype": cur[name].dtype},
                                                "The serving pipeline writes this field differently (text instead of numbers, a "
                                "new encoding); parse it exactly as training did.", ctx=ctx))
    for name in cur:
        if name not in ref:
            out.append(_finding("skew.extra_column", Severity.LOW, name, f"{name!r} is in serving but was never in training",
                                {"current_dtype": cur[name].dtype},
                                "Harmless if the model ignores it; if it was meant to be a feature, the model was "
                                "trained without it."))
    return out


def check_categories(ctx: ScanContext) -> list[Finding]:
    """Serving categories that training never saw, and those that match a training category only
    after normalising case, whitespace and Unicode form."""
    from seismo.stats import benjamini_hochberg

    ref_p, cur_p = ctx.profile("reference"), ctx.profile("current")
    out = []
    unseen_tests: list[tuple[str, dict[str, int], int, int, float, float]] = []
    inputs = judged = 0
    for name, col in ctx.schema.items():
        if col.role not in _INPUT_ROLES or col.kind not in (Kind.CATEGORICAL, Kind.BOOLEAN):
            continue
        r, c = ref_p.columns.get(name), cur_p.columns.get(name)
        inputs += r is not None and c is not None
        if r is None or c is None or r.kind != "string" or c.kind != "string" or r.other_count or c.other_count:
            continue  # exact counts only: a truncated sketch cannot say a category is new
        judged += 1
        seen = {str(k) for k, _ in r.top()}
        normal = {normal_form(k): k for k in seen}
        unseen = {str(k): n for k, n in c.top() if str(k) not in seen}
        if not unseen:
            continue
        respelled = {k: normal[normal_form(k)] for k in unseen if normal_form(k) in normal}
        total = max(c.count - c.null_count, 1)
        if respelled:
            rows = sum(unseen[k] for k in respelled)
            out.append(_finding(
                "skew.category_spelling", Severity.HIGH if rows / total >= 0.01 else Severity.MEDIUM, name,
                f"{name!r}: serving writes {', '.join(f'{k!r} for {v!r}' for k, v in list(respelled.items())[:3])}",
                {"pairs": {k: v for k, v in list(respelled.items())[:20]}, "rows": rows, "share": rows / total,
                 "threshold": "equal after NFKC, case folding and whitespace trimming"},
                "The model has never seen these spellings and treats them as unknown categories; normalise "
                "case, whitespace and Unicode form in both pipelines.", ":spelling", ctx))
        # a missing value written as text ('?', 'n/a') is not a new category: quality.disguised_missing tells it
        new = {k: n for k, n in unseen.items() if k not in respelled and k.strip().lower() not in MISSING_TOKENS}
        if new:
            rows = sum(new.values())
            pooled = {str(k): n for k, n in r.top()}
            for k, n in c.top():
                pooled[str(k)] = pooled.get(str(k), 0) + int(n)
            weights, probs = unseen_null_terms(np.array(list(pooled.values()), dtype=np.float64),
                                               r.count - r.null_count, total)
            mean = float(np.sum(weights * probs))
            p = unseen_p_value(rows, weights, probs)
            unseen_tests.append((name, new, rows, total, mean / total, p))
    q_values = benjamini_hochberg([t[5] for t in unseen_tests]).tolist() if unseen_tests else []
    for (name, new, rows, total, expected, p), q in zip(unseen_tests, q_values, strict=True):
        share = rows / total
        excess = share - expected
        if q > UNSEEN_ALPHA or excess < UNSEEN_MIN_EXCESS or rows < 5:
            continue
        sev = Severity.HIGH if excess >= 0.05 else Severity.MEDIUM if excess >= 0.01 else Severity.LOW
        top = sorted(new.items(), key=lambda kv: -kv[1])
        out.append(_finding(
            "skew.unseen_categories", sev, name,
            f"{name!r}: {rows:,} serving rows ({share:.1%}) hold {len(new)} categor{'y' if len(new) == 1 else 'ies'} "
            f"training never saw, e.g. {', '.join(repr(k) for k, _ in top[:3])} (about {expected:.1%} expected by chance)",
            {"categories": dict(top[:20]), "rows": rows, "share": share, "current_rows": total,
             "expected_share": expected, "p_value": p, "q_value": float(q), "alpha": UNSEEN_ALPHA,
             "test": "binomial against the Good-Turing unseen mass (singletons / n), Benjamini-Hochberg",
             "threshold": f"q <= {UNSEEN_ALPHA} and {UNSEEN_MIN_EXCESS:.1%} above the expected share"},
            "Decide how the model should treat unknown categories (an explicit 'other' level), and retrain "
            "with the new ones once they have enough examples.", ":unseen", ctx))
    if not judged:
        raise NotApplicable("no categorical input column in both tables" if not inputs else
                            "no categorical input column whose categories both profiles counted exactly")
    return out


UNSEEN_ALPHA = 0.01
UNSEEN_MIN_EXCESS = 0.002
"""Unseen categories are reported when more serving rows hold them than a random split of the two
tables would give (significantly, and by at least 0.2 points of serving rows): with many rare
levels, a small sample always meets some new ones."""


def unseen_null_terms(pooled: np.ndarray[Any, Any], n: int, m: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The permutation null of the number of current rows whose category never appears in the
    reference, given each category's pooled count ``c`` over the ``n + m`` rows: a category is unseen
    when all ``c`` of its rows fall in the current table, with probability
    ``prod_{i<c} (m - i) / (n + m - i)``. Returns the weights ``c`` and those probabilities; the
    count is the sum of ``c`` over the categories that are unseen (treated as independent).

    >>> c, q = unseen_null_terms(np.array([1.0, 1.0, 50.0]), 26, 26)
    >>> round(float(np.sum(c * q)), 3)
    1.0
    """
    c = pooled[pooled > 0]
    cmax = int(c.max()) if c.size else 0
    i = np.arange(cmax, dtype=np.float64)
    with np.errstate(divide="ignore"):
        logs = np.log(np.maximum(m - i, 0.0)) - np.log(n + m - i)
    cum = np.concatenate([[0.0], np.cumsum(logs)])
    return c, np.exp(cum[c.astype(np.int64)])


def unseen_p_value(observed: int, weights: np.ndarray[Any, Any], probs: np.ndarray[Any, Any]) -> float:
    """P(sum of ``weights`` over independent Bernoulli(``probs``) events >= ``observed``), exactly by
    convolution (the sum is capped at ``observed``), or by a normal approximation when the expected
    sum is large (then the central limit holds and the exact sum would be long).

    >>> round(unseen_p_value(2, np.array([1.0, 1.0]), np.array([0.5, 0.5])), 3)
    0.25
    """
    if observed <= 0:
        return 1.0
    mean = float(np.sum(weights * probs))
    keep = probs > 1e-12
    weights, probs = weights[keep], probs[keep]
    if mean > 200 or observed > 5000:
        var = float(np.sum(weights * weights * probs * (1 - probs)))
        return 0.5 * math.erfc((observed - mean) / math.sqrt(2 * var)) if var > 0 else float(observed <= mean)
    dist = np.zeros(observed + 1)
    dist[0] = 1.0
    for w, q in zip(weights.astype(np.int64).tolist(), probs.tolist(), strict=True):  # categories, not rows
        shifted = np.zeros_like(dist)
        if w >= observed:
            shifted[observed] = dist.sum()
        else:
            shifted[w:] = dist[: observed + 1 - w]
            shifted[observed] += dist[observed + 1 - w:].sum()
        dist = (1 - q) * dist + q * shifted
    return float(dist[observed])


def exceedance_p_value(k: int, n: int, m: int) -> float:
    """P(at least ``k`` of ``m`` current values lie above the maximum of ``n`` reference values) when
    both samples come from one continuous distribution: the ``k`` largest of the pooled sample all
    fall in the current one, ``prod_{i<k} (m - i) / (n + m - i)`` (exchangeability; no distribution
    assumed).

    >>> round(exceedance_p_value(1, 100, 100), 3), round(exceedance_p_value(10, 100, 100), 5)
    (0.5, 0.00077)
    """
    if k <= 0:
        return 1.0
    if k > m:
        return 0.0
    i = np.arange(k, dtype=np.float64)
    return float(np.exp(np.sum(np.log(m - i) - np.log(n + m - i))))


RANGE_ALPHA = 0.01
"""False discovery rate (Benjamini-Hochberg) across columns for the out-of-range test."""


def check_range(ctx: ScanContext) -> list[Finding]:
    """Serving values outside the training range, more than chance allows: an exact exchangeability
    test per tail, Benjamini-Hochberg across columns, and at least 0.1% of serving rows.

    With the current's rows the tails are counted. With its profile only, they are read off its
    quantile summary: exact while it keeps every value, else estimated within its rank error,
    and the test and the 0.1% floor take the fewest values the summary allows (so an estimate
    never raises a finding the counts might not)."""
    from seismo.stats import benjamini_hochberg

    ref_p, cur_p = ctx.profile("reference"), ctx.profile("current")
    tested: list[tuple[str, Tails, float, Any, Any]] = []
    judged = 0
    for name, col in ctx.schema.items():
        if col.role not in _INPUT_ROLES or col.kind != Kind.NUMERIC:
            continue
        r, c = ref_p.columns.get(name), cur_p.columns.get(name)
        if r is None or c is None or r.kind != "numeric" or c.kind != "numeric" or not r.finite_count or not c.finite_count:
            continue
        judged += 1
        if r.min is None or r.max is None or c.min is None or c.max is None or (c.min >= r.min and c.max <= r.max):
            continue
        if ctx.current is not None and name in ctx.current.frame.columns:
            cur = ctx.current.frame.get_column(name).cast(pl.Float64)
            cur = cur.filter(cur.is_finite())  # infinities are quality.nonfinite's to report
            below, above = int((cur < r.min).sum()), int((cur > r.max).sum())
            tails = Tails(below, above, below, above, 0.0)
        else:
            tails = count_tails(c, float(r.min), float(r.max))
        n, m = r.finite_count, c.finite_count
        p = min(1.0, 2 * min(exceedance_p_value(tails.below_least, n, m), exceedance_p_value(tails.above_least, n, m)))
        tested.append((name, tails, p, r, c))
    if not judged:
        raise NotApplicable("no numeric input column with values in both tables")
    q_values = benjamini_hochberg([t[2] for t in tested]).tolist() if tested else []
    out = []
    for (name, t, p, r, c), q in zip(tested, q_values, strict=True):
        m = c.finite_count
        share, least = (t.below + t.above) / m, (t.below_least + t.above_least) / m
        if q > RANGE_ALPHA or least < 0.001:
            continue
        sev = Severity.HIGH if least >= 0.05 else Severity.MEDIUM if least >= 0.01 else Severity.LOW
        about = "about " if t.rank_error else ""
        out.append(_finding(
            "skew.out_of_range", sev, name,
            f"{name!r}: {about}{t.below + t.above:,} serving values ({share:.1%}) fall outside the training range "
            f"[{r.min:g}, {r.max:g}] ({t.below:,} below, {t.above:,} above)",
            {"below": t.below, "above": t.above, "share": share, "p_value": p, "q_value": float(q), "alpha": RANGE_ALPHA,
             "test": "exchangeability exceedance test per tail, Benjamini-Hochberg across columns",
             "reference_min": r.min, "reference_max": r.max, "current_min": c.min, "current_max": c.max,
             "reference_rows": r.finite_count, "current_rows": m, "threshold": "q <= 0.01 and >= 0.1% of rows",
             **({"estimated": True, "rank_error": t.rank_error, "below_at_least": t.below_least,
                 "above_at_least": t.above_least} if t.rank_error else {})},
            "The model extrapolates outside the range it was trained on; check the producer for a unit or "
            "encoding change, and clip or retrain with the new range."))
    return out


def fit_range(ctx: ScanContext) -> dict[str, Any]:
    """The reference's range of each numeric input, ``{"columns": {name: [min, max]}}``: what
    :func:`range_bins` turns into the edges the current's profiles need to count the tails."""
    ref_p = ctx.profile("reference")
    columns: dict[str, list[float]] = {}
    for name, col in ctx.schema.items():
        r = ref_p.columns.get(name)
        if col.role in _INPUT_ROLES and col.kind == Kind.NUMERIC and r is not None and r.kind == "numeric" \
                and r.finite_count and r.min is not None and r.max is not None:
            columns[name] = [float(r.min), float(r.max)]
    return {"columns": columns}


def range_bins(state: dict[str, Any]) -> dict[str, list[float]]:
    """Histogram edges per column on which a profile counts the values below the reference's
    minimum and above its maximum exactly: ``[min, next float above max, inf]``."""
    return {name: [lo, math.nextafter(hi, math.inf), math.inf] for name, (lo, hi) in state["columns"].items()
            if lo < math.nextafter(hi, math.inf)}


SCALE_ALPHA = 1e-6
"""A scale change is reported only when the two distributions differ beyond doubt (KS p-value)."""


def _ks_p(r: ColumnProfile, c: ColumnProfile) -> float:
    """The KS p-value of the two columns, read from their profiles' quantile grids."""
    from seismo.stats.distance import GRID, compare_numeric

    q_r = np.asarray(r.quantiles(GRID.tolist()), dtype=np.float64)
    q_c = np.asarray(c.quantiles(GRID.tolist()), dtype=np.float64)
    return compare_numeric(q_r, q_c, r.finite_count, c.finite_count, std_ref=float(r.std or 0.0)).p_value


def fit_scale(ctx: ScanContext) -> dict[str, Any]:
    """The reference's quantiles of every numeric input whose ratios can be read (at least 30
    values, positive and spread out): ``{"columns": {name: [q25, q50, q75, q90]}}``."""
    ref_p = ctx.profile("reference")
    columns: dict[str, list[float]] = {}
    for name, col in ctx.schema.items():
        r = ref_p.columns.get(name)
        if col.role not in _INPUT_ROLES or col.kind != Kind.NUMERIC or r is None or r.kind != "numeric" or r.finite_count < 30:
            continue
        qr = r.quantiles(_SCALE_QUANTILES)
        if min(qr) > 0 and len(set(qr)) >= 3:  # ratios need positive, spread-out values
            columns[name] = qr
    return {"columns": columns}


def check_scale(ctx: ScanContext) -> list[Finding]:
    """A consistent factor between serving and training values: every quartile moved by the same ratio."""
    fitted = ctx.fitted(fit_scale)["columns"]
    cur_p = ctx.profile("current")
    out = []
    judged = 0
    for name, q_ref in fitted.items():
        c = cur_p.columns.get(name)
        if c is None or c.kind != "numeric" or c.finite_count < 30:
            continue
        qc = c.quantiles_array(_SCALE_QUANTILES)
        if qc.min() <= 0:
            continue  # ratios need positive values
        judged += 1
        qr = np.asarray(q_ref, dtype=np.float64)
        ratios = qc / qr
        factor = float(np.exp(np.mean(np.log(ratios))))
        spread = float(np.max(np.abs(np.log(ratios / factor))))
        if spread > 0.05 or abs(math.log(factor)) < math.log(1.5):
            continue
        if _ks_p(ctx.profile("reference").columns[name], c) > SCALE_ALPHA:
            continue  # quartiles of small samples can agree on a ratio by chance: the change must be real
        named = next((label for f, label in UNIT_FACTORS.items() if abs(math.log(factor / f)) < 0.05 or
                      abs(math.log(factor * f)) < 0.05), None)
        what = f"a unit change, {named}" if named else "an aggregation-window or unit change"
        direction = f"x{factor:.3g}" if factor >= 1 else f"/{1 / factor:.3g}"
        out.append(_finding(
            "skew.scale", Severity.HIGH, name,
            f"{name!r}: serving values are consistently {direction} the training values ({what})",
            {"factor": factor, "quantiles": list(_SCALE_QUANTILES), "reference_quantiles": qr.tolist(),
             "current_quantiles": qc.tolist(), "ratio_spread": spread, "threshold": "quartile ratios agree within 5%"},
            "One pipeline computes this feature in other units or over another window; make both compute it the "
            "same way (the factor above says by how much they differ).", ctx=ctx))
    if not judged:
        raise NotApplicable("no numeric input with 30 or more positive, spread-out values in both tables")
    return out
