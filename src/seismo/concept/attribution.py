"""Attribution of a performance drop (``concept.attribution``): how much of it the inputs' shift
explains, how much is a changed relation between inputs and target, and which features' relation
to the model's errors changed.

Covariate part. A domain classifier (gradient-boosted trees, cross-fitted) gives each reference
row the odds that a row like it comes from the current table; reweighting the reference's
per-row correctness by those odds (importance weighting; Shimodaira 2000, Sugiyama et al. 2007)
estimates the metric the model would reach on the current inputs if P(y|x) had not changed. The
drop from the reference to that expectation is explained by covariate shift; the rest, from the
expectation to the realised current metric, is concept drift. Weights are capped at
:data:`MAX_WEIGHT` (a standard guard against a few extreme odds) and the effective sample size
is reported.

Baseline. When the current's own error stream changed level at a point in time (the change point
of ``concept.error_stream``: ADWIN and DDM, then a one-sided test of the level after against
before), the rise split is the one at that point: the current before it is the baseline and the
current after it the shifted table. Inputs that moved from training to serving and cost the model
nothing (or a unit change that makes the two tables barely overlap) then do not hide a relation
that broke later. The reference's error is given beside it. Without a change point the reference
is the baseline and the whole current the shifted table.

Features. For each feature, the change of the model's error level between the tables is measured
within each of the feature's reference-decile bins (or commonest categories, at least 30 rows on
each side), and tested for heterogeneity: do the bins' changes differ from the change they share
(Cochran's Q on the per-bin differences, inverse-variance weighted; Cochran 1954)?
Benjamini-Hochberg across features at :data:`ALPHA`, and the bins' changes must depart from the
shared one by at least :data:`MIN_EFFECT` on average (weighted by the current table's rows). Those
features are where the relation changed unevenly; a change that is the same everywhere (a
downturn raising every error) names no feature. Features whose change a skew check already traced
(a unit change) and retyped features are left out; when the tables barely overlap (the weights'
effective sample size under :data:`MIN_ESS_SHARE` of the reference rows, a domain-classifier
AUC of :data:`MAX_DOMAIN_AUC` or more, or odds whose mean over the reference is far from 1), the split into
covariate and concept parts is not identifiable and is not given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from seismo.checks import NotApplicable, ScanContext
from seismo.concept._task import require_prediction
from seismo.concept.error_stream import change_point
from seismo.concept.error_stream import errors_of as _errors_of
from seismo.data.schema import Kind, Role
from seismo.report.model import FailureMode, Finding, Severity
from seismo.stats.domain import evenly_spaced
from seismo.stats.binning import reference_binning as _binner
from seismo.stats import benjamini_hochberg

__all__ = ["ALPHA", "MAX_DOMAIN_AUC", "MAX_WEIGHT", "MIN_EFFECT", "MIN_ESS_SHARE", "check_attribution",
           "covariate_expectation"]

ALPHA = 0.01
MIN_EFFECT = 0.02
MAX_WEIGHT = 20.0
MIN_ESS_SHARE = 0.05
MAX_DOMAIN_AUC = 0.95
_SAMPLE = 20_000
_MIN_ROWS = 100
"""Rows with a label and a prediction each table needs for the drop test."""
_MIN_BIN = 30
_DROP_ALPHA = 0.001


def covariate_expectation(x: np.ndarray[Any, Any], domain: np.ndarray[Any, Any], correct: np.ndarray[Any, Any],
                          is_cat: list[bool], *, seed: int = 0) -> tuple[float, float]:
    """The reference's weighted mean of ``correct`` (per-row score: 1 - error, or minus the absolute
    error), weights = the cross-fitted odds that a reference row belongs to the current table;
    returns the expectation and the effective sample size of the weights."""
    from seismo.stats.domain import domain_classifier

    auc, _, scores = domain_classifier(x, domain, is_cat, seed=seed)
    ref = domain == 0
    p = np.clip(scores[ref], 1e-6, 1 - 1e-6)
    raw = p / (1 - p) * (ref.sum() / max((~ref).sum(), 1))
    w = np.minimum(raw, MAX_WEIGHT)
    ess = float(w.sum() ** 2 / max(float((w * w).sum()), 1e-12))
    if auc >= MAX_DOMAIN_AUC or not 0.5 <= float(raw.mean()) <= 2.0:
        ess = 0.0  # the tables barely overlap (odds that should average 1 do not): not identifiable
    return float(np.sum(w * correct) / np.sum(w)), ess


def check_attribution(ctx: ScanContext) -> list[Finding]:
    """When the realised metric dropped: the covariate and concept parts, and the features.

    When the current's own error stream changed level at a point in time (the change point of
    :func:`~seismo.concept.error_stream.change_point`), the rise at that point is the one split:
    the current before it against the current after it, so that inputs that moved from training
    to serving and did not cost the model anything do not hide a relation that broke later. Else
    the reference against the whole current."""
    task = require_prediction(ctx)
    assert ctx.reference is not None and ctx.current is not None
    ref, cur = evenly_spaced(ctx.reference.frame, _SAMPLE), evenly_spaced(ctx.current.frame, _SAMPLE)
    e_ref = _errors_of(ref, task)
    e_cur = _errors_of(cur, task)
    ok_ref, ok_cur = np.isfinite(e_ref), np.isfinite(e_cur)
    for label, ok in (("reference", ok_ref), ("current", ok_cur)):
        if ok.sum() < _MIN_ROWS:
            raise NotApplicable(f"only {int(ok.sum())} {label} rows with a label and a prediction, below the "
                                f"{_MIN_ROWS} the drop test needs")
    ref, cur, e_ref, e_cur = ref.filter(ok_ref), cur.filter(ok_cur), e_ref[ok_ref], e_cur[ok_cur]
    ref_err = float(e_ref.mean())
    split = _at_change_point(ctx, task)
    baseline = "reference"
    if split is not None:
        (cur_before, e_before), (cur_after, e_after), when = split
        ref, e_ref, cur, e_cur, baseline = cur_before, e_before, cur_after, e_after, when
    z, p = _drop_test(e_ref, e_cur)
    rise = float(e_cur.mean() - e_ref.mean())
    if p > _DROP_ALPHA or rise < (MIN_EFFECT if task.kind == "classification" else 0.1 * float(e_ref.mean())):
        return []  # no drop worth splitting (the same minimum as the generalisation gap)
    features = [(n, c.kind) for n, c in sorted(ctx.schema.items()) if c.role == Role.FEATURE
                and c.kind in (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN) and n in ref.columns and n in cur.columns
                and ref.schema[n].is_numeric() == cur.schema[n].is_numeric()  # a retyped column is skew's finding
                and ctx.has_values(n)]
    if not features:
        return []
    from threadpoolctl import threadpool_limits

    from seismo.stats.domain import encode_features

    x, is_cat = encode_features(ref, cur, features)
    domain = np.r_[np.zeros(ref.height), np.ones(cur.height)]
    with threadpool_limits(limits=1, user_api="openmp"):
        expected_error, ess = covariate_expectation(x, domain, e_ref, is_cat)
    named = _features(features, ref, cur, e_ref, e_cur)
    expected = expected_error if ess >= MIN_ESS_SHARE * ref.height else None
    return [_finding(task.kind, task.target, _Split(ref_err, baseline, float(e_ref.mean()), expected,
                                                    float(e_cur.mean()), int(ref.height), int(cur.height)),
                     ess, z, p, named)]


@dataclass(frozen=True)
class _Split:
    reference_error: float
    baseline: str
    """``"reference"``, or the ISO time of the current's change point (the rise split is the one there)."""
    before: float
    expected: float | None
    after: float
    rows_before: int
    rows_after: int


def _at_change_point(ctx: ScanContext, task: Any) -> tuple[tuple[Any, np.ndarray[Any, Any]],
                                                           tuple[Any, np.ndarray[Any, Any]], str] | None:
    """The current's rows before and after its error stream's change point, with their errors,
    when there is one and each side has :data:`_MIN_ROWS` rows (evenly spaced samples of each)."""
    try:
        cp = change_point(ctx)
    except NotApplicable:
        return None
    if cp is None or cp.at < _MIN_ROWS or cp.rows.size - cp.at < _MIN_ROWS:
        return None
    assert ctx.current is not None
    frame = ctx.current.frame
    sides = []
    for rows in (cp.rows[:cp.at], cp.rows[cp.at:]):
        side = evenly_spaced(frame[np.sort(rows)], _SAMPLE)
        sides.append((side, _errors_of(side, task)))
    return sides[0], sides[1], cp.when.isoformat()


def _drop_test(e_ref: np.ndarray[Any, Any], e_cur: np.ndarray[Any, Any]) -> tuple[float, float]:
    from scipy import stats

    se = math.sqrt(e_ref.var(ddof=1) / e_ref.size + e_cur.var(ddof=1) / e_cur.size)
    if se == 0:
        return 0.0, 1.0
    z = float((e_cur.mean() - e_ref.mean()) / se)
    return z, float(stats.norm.sf(z))


def _features(features: Sequence[tuple[str, Kind]], ref: Any, cur: Any, e_ref: np.ndarray[Any, Any],
              e_cur: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
    from scipy import stats

    rows: list[dict[str, Any]] = []
    for name, kind in features:
        binned = _binner(ref.get_column(name), kind)
        if binned is None:
            continue
        b_ref, b_cur = binned.bins(ref.get_column(name)), binned.bins(cur.get_column(name))
        k = binned.n_bins
        n_r, n_c = np.bincount(b_ref, minlength=k), np.bincount(b_cur, minlength=k)
        m_r = np.bincount(b_ref, weights=e_ref, minlength=k) / np.maximum(n_r, 1)
        m_c = np.bincount(b_cur, weights=e_cur, minlength=k) / np.maximum(n_c, 1)
        v_r = np.bincount(b_ref, weights=e_ref**2, minlength=k) / np.maximum(n_r, 1) - m_r**2
        v_c = np.bincount(b_cur, weights=e_cur**2, minlength=k) / np.maximum(n_c, 1) - m_c**2
        ok = (n_r >= _MIN_BIN) & (n_c >= _MIN_BIN)
        se = np.sqrt(np.maximum(v_r, 0) / np.maximum(n_r, 1) + np.maximum(v_c, 0) / np.maximum(n_c, 1))
        ok &= se > 0
        if not ok.any():
            continue
        if ok.sum() < 2:
            continue
        change = m_c[ok] - m_r[ok]
        inv = 1 / se[ok] ** 2
        common = float(np.sum(change * inv) / np.sum(inv))  # the change every bin shares
        chi2 = float(np.sum(((change - common) / se[ok]) ** 2))
        weight = n_c[ok] / n_c[ok].sum()
        effect = float(np.sum(weight * np.abs(change - common)))
        worst = int(np.flatnonzero(ok)[np.argmax(np.abs(change - common))])
        rows.append({"feature": name, "chi2": chi2, "dof": int(ok.sum() - 1),
                     "p_value": float(stats.chi2.sf(chi2, ok.sum() - 1)), "common_change": common,
                     "effect": effect, "worst_bin": _bin_label(binned, worst), "error_reference": float(m_r[worst]),
                     "error_current": float(m_c[worst])})
    if not rows:
        return []
    q = benjamini_hochberg([r["p_value"] for r in rows])
    kept = [dict(r, q_value=float(qv)) for r, qv in zip(rows, q, strict=True) if qv <= ALPHA and r["effect"] >= MIN_EFFECT]
    return sorted(kept, key=lambda r: -r["effect"])


def _bin_label(binned: Any, i: int) -> str:
    if binned.edges is None:
        cats = binned.categories
        return repr(cats[i]) if i < len(cats) else ("(other)" if i == len(cats) else "(missing)")
    edges = binned.edges
    if i > len(edges):
        return "(missing)"
    lo = "-inf" if i == 0 else f"{edges[i - 1]:.4g}"
    hi = "inf" if i == len(edges) else f"{edges[i]:.4g}"
    return f"[{lo}, {hi})"


def _finding(kind: str, target: str, split: _Split, ess: float, z: float, p: float,
             named: list[dict[str, Any]]) -> Finding:
    what = "error rate" if kind == "classification" else "mean absolute error"
    names = ", ".join(repr(r["feature"]) for r in named[:5])
    along = f"; it changed most unevenly along {names}" if names else "; the change is the same across every feature"
    at_change = split.baseline != "reference"
    ref_err, before, expected, after = split.reference_error, split.before, split.expected, split.after
    if expected is None:
        covariate = concept = share = None
        parts = ("the inputs before and after the change barely overlap" if at_change else "the tables barely overlap")
        parts += ", so the inputs' part and the relation's part cannot be told apart"
        concept_led = False
        brief = "the inputs' part and the relation's part cannot be told apart"
    else:
        covariate, concept = expected - before, after - expected
        total = after - before
        share = concept / total if total > 0 else None
        concept_led = concept >= covariate
        parts = (f"{covariate:+.3g} explained by the inputs' shift, {concept:+.3g} by a changed relation "
                 f"(mostly {'concept drift' if concept_led else 'covariate shift'})")
        brief = (f"mostly a changed relation ({concept:+.2g} of {total:+.2g} in {what})" if concept_led else
                 f"mostly the inputs' shift ({covariate:+.2g} of {total:+.2g} in {what}), the relation held")
    if at_change:
        when = split.baseline[:16].replace("T", " ")
        head = (f"the {what} rose from {before:.3g} to {after:.3g} at the change point {when} UTC "
                f"(reference {ref_err:.3g}): {parts}")
    else:
        head = f"the {what} rose from {before:.3g} to {after:.3g}: {parts}"
    return Finding(
        check="concept.attribution",
        failure_mode=FailureMode.CONCEPT_DRIFT,
        severity=Severity.HIGH if concept_led else Severity.MEDIUM,
        columns=(target, *[r["feature"] for r in named[:5]]),
        message=f"{head}{along}",
        evidence={"test": "one-sided z-test of the error level, after vs before" if at_change else
                  "one-sided z-test of the error level, current vs reference", "statistic": z, "p_value": p,
                  "alpha": _DROP_ALPHA, "effect_size": "concept_share", "effect": share,
                  "threshold": f"importance weights capped at {MAX_WEIGHT:g}; effective sample size >= "
                  f"{MIN_ESS_SHARE:.0%} of the baseline rows",
                  "baseline": "the current before its change point" if at_change else "reference",
                  "change_point": split.baseline if at_change else None,
                  "error_measure": what, "reference_error": ref_err, "baseline_error": before,
                  "expected_error_under_reference_relation": expected, "current_error": after,
                  "rows_baseline": split.rows_before, "rows_current": split.rows_after,
                  "covariate_part": covariate, "concept_part": concept, "concept_led": concept_led,
                  "effective_sample_size": ess, "features": named[:20],
                  "method": "domain-classifier odds as importance weights on the baseline's per-row errors",
                  "summary": brief},
        recommendation="A changed relation needs new labels: retrain on recent labelled data, and look first at the "
        "features named here." if concept_led else
        "The inputs compared have too little in common to tell a shift of the inputs from a changed relation: read "
        "the shift and skew findings first; if the serving population is really new, label a sample of it and retrain."
        if expected is None else
        "Most of the drop comes from the inputs moving into regions where the model was always weaker: reweight "
        "or collect training rows like the current ones; the relation itself held.",
        id="concept.attribution",
    )
