"""Multivariate shift: can a classifier tell the current rows from the reference rows?

A domain classifier (gradient-boosted trees, which take missing values and categories as they
are) is trained to predict "current" from the features, with stratified 3-fold cross-validation
on a sample of each table. Its out-of-fold scores give an AUC and a one-sided Mann-Whitney test
of "current rows score higher" (under no shift the out-of-fold AUC is 0.5 with the Mann-Whitney
null distribution). When the shift is significant, permutation importance on held-out rows names
the features that carry it (an AUC drop above 0.005, above twice its spread over five
permutations, and at least a quarter of the largest), so that a joint shift that no single column shows (a correlation that
flips, a combination of values) is found and explained. When the classifier separates the tables
(almost) perfectly, its carriers hide everything else (a unit change alone gives AUC 1): it is
fitted once more without them, and the shift behind them is reported too (``without_carriers``).

References: Friedman (2003), "On multivariate goodness-of-fit and two-sample testing";
Lopez-Paz & Oquab (2017), "Revisiting classifier two-sample tests"; Rabanser, Guennemann &
Lipton (2019), "Failing loudly" (domain classifiers for dataset shift).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.stats.domain import domain_classifier, encode_features, evenly_spaced
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["ALPHA", "MIN_AUC", "MIN_ROWS", "SAMPLE_ROWS", "check_multivariate_shift", "domain_classifier"]

SAMPLE_ROWS = 3_000
"""Rows taken from each table (evenly spaced through it) for the classifier."""
MIN_ROWS = 50
"""Fewer rows in a table are too few to train and cross-validate the classifier on."""
ALPHA = 0.01
MIN_AUC = 0.55
"""Smallest cross-validated AUC reported: below it the tables are practically indistinguishable."""
_AUC_MEDIUM, _AUC_HIGH = 0.6, 0.75
_MIN_IMPORTANCE = 0.005  # an AUC drop of half a point when the feature is permuted
_SHARE_OF_TOP = 0.25
_SATURATED = 0.95
_PEELS = 3
"""An AUC at which the carriers may hide every other difference: fit once more without them."""


def _auc_scorer(estimator: Any, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> float:
    """scikit-learn's ``"roc_auc"`` scoring (the AUC of ``decision_function``), computed by
    :func:`seismo.stats.auc.roc_auc`: the same value without its per-call input validation, which
    was a third of the permutation importance's time."""
    from seismo.stats.auc import roc_auc

    return roc_auc(estimator.decision_function(x), np.asarray(y) == 1)


def _importance(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], is_cat: list[bool], names: list[str], seed: int = 0) -> list[tuple[str, float]]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import train_test_split

    xa, xb, ya, yb = train_test_split(x, y, test_size=0.3, stratify=y, random_state=seed)
    model = HistGradientBoostingClassifier(max_iter=30, learning_rate=0.2, max_leaf_nodes=15, early_stopping=False,
                                           categorical_features=np.array(is_cat) if any(is_cat) else None,
                                           random_state=seed).fit(xa, ya)
    imp = permutation_importance(model, xb, yb, scoring=_auc_scorer, n_repeats=5, random_state=seed)
    mean, sd = imp.importances_mean, imp.importances_std
    top = float(np.max(mean)) if len(mean) else 0.0
    # a carrier: its AUC drop is clear of the permutations' own spread, and not a sliver of the largest
    keep = (mean > _MIN_IMPORTANCE) & (mean > 2 * sd) & (mean >= _SHARE_OF_TOP * top)
    ranked = sorted(((n, float(v)) for n, v, k in zip(names, mean.tolist(), keep.tolist(), strict=True) if k),
                    key=lambda t: -t[1])
    return ranked[:10]


def check_multivariate_shift(ctx: ScanContext) -> list[Finding]:
    """Reference vs current as a classification problem over all features together."""
    assert ctx.reference is not None and ctx.current is not None
    ref, cur = ctx.reference.frame, ctx.current.frame
    columns = [(n, c.kind) for n, c in sorted(ctx.schema.items())  # by name: the table's column order changes nothing
               if c.role == Role.FEATURE and c.kind in (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN)
               and n in ref.columns and n in cur.columns and ctx.same_kind(n) and ctx.has_values(n)]
    for label, frame in (("reference", ref), ("current", cur)):
        if frame.height < MIN_ROWS:
            raise NotApplicable(f"only {frame.height:,} rows in the {label}, below the {MIN_ROWS} this check needs")
    if not columns:
        raise NotApplicable("no numeric, categorical or boolean feature with values in both tables")
    r, c = evenly_spaced(ref, SAMPLE_ROWS), evenly_spaced(cur, SAMPLE_ROWS)
    try:
        x, is_cat = encode_features(r, c, columns)
    except (pl.exceptions.PolarsError, ValueError, TypeError) as exc:  # skew.dtype_change reports a retyped column
        raise NotApplicable("the features could not be encoded together (their types differ between the "
                            "tables)") from exc
    y = np.r_[np.zeros(r.height), np.ones(c.height)]
    from threadpoolctl import threadpool_limits

    # one thread: on a few thousand rows, OpenMP's threads cost more than they save, and on a busy
    # machine they spin (measured here: 0.4 s single-threaded, 6 s with two contended threads)
    with threadpool_limits(limits=1, user_api="openmp"):
        return _classify_tables(ctx, x, y, is_cat, columns, r.height, c.height)


def _classify_tables(ctx: ScanContext, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], is_cat: list[bool],
                     columns: Sequence[tuple[str, Kind]], n_ref: int, n_cur: int) -> list[Finding]:
    auc, p, _ = domain_classifier(x, y, is_cat)
    ctx.note("(all features)", domain_classifier_auc=auc, domain_classifier_p_value=p)
    if p > ALPHA or auc < MIN_AUC:
        return []
    names = [n for n, _ in columns]
    top = _importance(x, y, is_cat, names)
    behind = _behind(x, y, is_cat, names, top) if auc >= _SATURATED else None
    severity = Severity.HIGH if auc >= _AUC_HIGH else Severity.MEDIUM if auc >= _AUC_MEDIUM else Severity.LOW
    carriers = ", ".join(f"{n!r} ({v:.2f})" for n, v in top[:5]) or "no single feature (a joint shift)"
    message = f"a classifier tells current rows from reference rows with AUC {auc:.2f}; carried by {carriers}"
    evidence: dict[str, Any] = {
        "test": "domain classifier, 3-fold out-of-fold AUC, one-sided Mann-Whitney", "statistic": auc,
        "p_value": p, "alpha": ALPHA, "threshold": MIN_AUC, "effect_size": "auc",
        "feature_importance": {n: v for n, v in top}, "features": len(columns),
        "reference_rows_sampled": n_ref, "current_rows_sampled": n_cur,
        "model": "HistGradientBoostingClassifier(max_iter=30, learning_rate=0.2, max_leaf_nodes=15)"}
    named = [n for n, _ in top[:5]]
    if behind is not None:
        evidence["without_carriers"] = behind
        shown = ", ".join(f"{n!r} ({v:.2f})" for n, v in list(behind["feature_importance"].items())[:5])
        message += (f"; without {', '.join(repr(c) for c in behind['left_out'])}, AUC {behind['statistic']:.2f} carried by "
                    f"{shown or 'no single feature (a joint shift)'}")
        named += [n for n in list(behind["feature_importance"])[:5] if n not in named]
    return [Finding(
        check="shift.multivariate",
        failure_mode=FailureMode.DISTRIBUTION_SHIFT,
        severity=severity,
        columns=tuple(named),
        message=message,
        evidence=evidence,
        recommendation="The tables differ as a whole; start with the features named here. If no single column "
        "shows a shift, look at their combinations (a relation between features changed): retrain on data "
        "that covers the new population, or weight the training rows towards it.",
        id="shift.multivariate",
    )]


def _behind(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], is_cat: list[bool], names: list[str],
            top: list[tuple[str, float]]) -> dict[str, Any] | None:
    """The shift behind saturating carriers: when the classifier separates the tables (almost)
    perfectly, its carriers hide every other difference (a unit change alone gives AUC 1), so the
    classifier is fitted again without them, up to :data:`_PEELS` times while it still saturates.
    The last fit when its shift is significant too."""
    left_out: list[str] = []
    found: dict[str, Any] | None = None
    for _ in range(_PEELS):
        left_out += [n for n, _ in top if n not in left_out]
        keep = [i for i, n in enumerate(names) if n not in left_out]
        if not keep:
            break
        xs, cats, rest = x[:, keep], [is_cat[i] for i in keep], [names[i] for i in keep]
        auc, p, _ = domain_classifier(xs, y, cats)
        if p > ALPHA or auc < MIN_AUC:
            break
        top = _importance(xs, y, cats, rest)
        found = {"left_out": sorted(left_out, key=names.index), "statistic": auc, "p_value": p,
                 "feature_importance": dict(top), "features": len(rest)}
        if auc < _SATURATED or not top:
            break
    return found
