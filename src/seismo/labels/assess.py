"""One labelled table judged for wrong labels: every signal, the verdict, the findings.

Classification targets get one headline, the estimated share of wrong labels with its interval
(:mod:`seismo.labels.estimate`: the labels read where the model is surest of the class), of which the
finding's other figures are parts; confident learning on out-of-fold probabilities (the given probability
columns, or a 5-fold default model on the feature columns), the noise floor
(:mod:`seismo.labels.floor`) that tells label noise from a hard target, and the supporting
signals: nearest-neighbour disagreement, duplicated inputs with conflicting labels and, with
several annotator columns, a quality-weighted consensus. They are combined into one score per row
(:func:`seismo.labels.combine_signals`) that ranks the suspects and records which signals flagged
each one.

Regression targets get outlier-residual flags: out-of-fold predictions of gradient-boosted trees
(of the logarithm for a positive, right-skewed target such as a price, whose errors are relative),
the residuals scaled by their median absolute deviation within deciles of the prediction (so a
target whose spread grows with its level is judged on its own scale; never finer than the step of a
target recorded on a grid, such as whole numbers), and a row flagged when its robust z-score exceeds
``max(5, z)`` with ``z`` the Bonferroni bound for the table's size at a 1% family-wise error under
normal residuals, and its residual is at least the target's interquartile range (the trees cannot
extrapolate: rows at the ends of a feature's range miss by more without a wrong label).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from seismo.data.labels import is_classification, named_after
from seismo.data.schema import Kind, Role, Schema
from seismo.exceptions import InputError
from seismo.labels.confident import LabelIssues, find_label_issues
from seismo.labels.estimate import BANDS, LEVEL, RESAMPLES, NoiseEstimate, estimate_noise
from seismo.labels.floor import (
    ALPHA,
    FLOOR_MIN,
    FLOOR_NULL,
    SKILL_AUC,
    NoiseFloor,
    noise_floor,
)
from seismo.labels.signals import (
    CombinedIssues,
    annotator_consensus,
    combine_signals,
    conflicting_duplicates,
    knn_disagreement,
)
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["ClassAssessment", "ResidualAssessment", "assess", "findings", "labelled_count", "min_labelled_rows",
           "suspects_frame"]

Array = np.ndarray[Any, Any]

_MIN_ROWS = 10
_KNN_ROWS = 1_000_000
"""kNN disagreement is skipped above this many rows (its index would dominate the run)."""
RESIDUAL_Z_MIN = 5.0
RESIDUAL_ALPHA = 0.01
_RESIDUAL_BINS = 10


@dataclass(frozen=True)
class ClassAssessment:
    """Every label-noise signal of a classification target, per assessed row.

    ``positions`` are the 0-based rows of the table that were assessed (the labelled ones, every
    k-th when the table was sampled); every other array is aligned with them.
    """

    target: str
    positions: Array
    given: Array
    issues: LabelIssues
    floor: NoiseFloor
    estimate: NoiseEstimate
    """The headline: the estimated share of wrong labels, its interval, its split by class."""
    combined: CombinedIssues
    source: str
    labelled_rows: int
    signals_used: tuple[str, ...]
    annotators: dict[str, float] = field(default_factory=dict)

    @property
    def sampled(self) -> bool:
        return self.positions.size < self.labelled_rows


@dataclass(frozen=True)
class ResidualAssessment:
    """Out-of-fold residuals of a regression target and the rows flagged as outliers."""

    target: str
    positions: Array
    given: Array
    predicted: Array
    z: Array
    threshold: float
    flagged: Array
    """Indices into ``positions`` of the flagged rows, largest ``|z|`` first."""
    labelled_rows: int
    source: str

    @property
    def sampled(self) -> bool:
        return self.positions.size < self.labelled_rows


def _blank_as_missing(y: Array) -> Array:
    """Empty or whitespace-only text labels are missing labels, as an empty CSV field is."""
    out = y.copy()
    if out.dtype == object:  # label_array has stripped the text already
        out[np.asarray(out == "", dtype=bool)] = None
    return out


def _class_labels(frame: pl.DataFrame, target: str) -> Array:
    """The labels of a classification target, ``None`` where missing (blank text included)."""
    from seismo.data.labels import label_array

    return _blank_as_missing(label_array(frame, target, text=True))


def _target_numbers(frame: pl.DataFrame, target: str) -> Array:
    """A regression target as float64, NaN where missing or not finite."""
    y: Array = frame.get_column(target).cast(pl.Float64).fill_null(float("nan")).to_numpy()
    return np.where(np.isfinite(y), y, np.nan)


def min_labelled_rows(classification: bool, folds: int = 5) -> int:
    """The fewest labelled rows :func:`assess` judges (below them it returns ``None``): ``_MIN_ROWS``,
    and two a fold for a regression target's out-of-fold residuals."""
    return _MIN_ROWS if classification else max(_MIN_ROWS, 2 * folds)


def labelled_count(frame: pl.DataFrame, target: str, classification: bool, max_rows: int | None = None) -> int:
    """The labelled rows of ``target`` that :func:`assess` would model (every k-th when more than
    ``max_rows``): what :func:`min_labelled_rows` is compared with."""
    y = _class_labels(frame, target) if classification else _target_numbers(frame, target)
    return int(_labelled_positions(y, max_rows)[0].size)


def _check_annotators(part: pl.DataFrame, target: str, annotators: Sequence[str], classes: list[str]) -> list[str]:
    """The annotator columns that hold labels, checked: at least two, none the target, and labels
    from the target's vocabulary (at least half of each column's labels are classes of the target)."""
    from seismo.data.labels import label_array, missing_labels

    missing = [a for a in annotators if a not in part.columns]
    if missing:
        raise InputError(f"annotator column {missing[0]!r} not found")
    if target in annotators:
        raise InputError(f"--annotators names the target {target!r} itself; give the annotators' own columns")
    kept = []
    known = np.asarray(classes, dtype=object)
    for a in annotators:
        values = _blank_as_missing(label_array(part, a, text=True))
        present = values[~missing_labels(values)]
        if present.size == 0:
            continue  # an annotator who labelled none of these rows
        share = float(np.isin(present, known).mean())
        if share < 0.5:
            example = next(iter(set(present[~np.isin(present, known)].tolist())))
            raise InputError(f"annotator column {a!r} uses labels the target {target!r} does not have (e.g. "
                             f"{example!r}; only {share:.0%} of its labels are among {', '.join(classes[:6])})")
        kept.append(a)
    if len(kept) < 2:
        raise InputError(f"--annotators needs at least two columns with labels, got {len(kept)}")
    return kept


def _labelled_positions(y: Array, max_rows: int | None) -> tuple[Array, int]:
    from seismo.data.labels import missing_labels

    rows = np.flatnonzero(~missing_labels(y))
    total = int(rows.size)
    if max_rows is not None and max_rows > 0 and rows.size > max_rows:
        rows = rows[:: -(-rows.size // max_rows)]  # every k-th labelled row: the model's cost grows with rows
    return rows, total


def _feature_columns(schema: Schema, frame: pl.DataFrame, exclude: Sequence[str]) -> list[tuple[str, Kind]]:
    """Numeric, categorical and boolean features with at least one value (an all-missing column says
    nothing and trips the trees' binning)."""
    return [(n, c.kind) for n, c in schema.items()
            if c.role == Role.FEATURE and n in frame.columns and n not in exclude
            and c.kind in (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN)
            and _has_values(frame.get_column(n))]


def _has_values(s: pl.Series) -> bool:
    present = s.drop_nulls()
    if s.dtype.is_float():
        present = present.filter(present.is_finite())
    return present.len() > 0


def _given_proba(frame: pl.DataFrame, target: str, proba: Sequence[str], classes: list[str]) -> Array | None:
    """The user's probability columns as (rows, classes): one column for a binary target (the
    probability of the class it is named after - ``p_spam``, ``spam`` - else of the larger class:
    1 of 0/1, True of False, 10 of 9), or one per class named after it."""
    from seismo.data.labels import class_columns

    if not proba:
        return None
    if len(proba) == 1:
        if len(classes) != 2:
            raise InputError(f"--proba {proba[0]!r}: one probability column fits a binary target, but {target!r} has "
                             f"{len(classes)} classes; give one column per class, named after it")
        p = _numbers(frame, proba[0])
        return np.column_stack([1.0 - p, p] if _single_column_class(proba[0], classes) == 1 else [p, 1.0 - p])
    matched = class_columns(frame.get_column(target), list(proba))
    if not matched:
        raise InputError(f"--proba columns {', '.join(proba)} do not match the classes of {target!r} "
                         f"({', '.join(classes[:10])}): name each column after its class (e.g. 'p_{classes[0]}')")
    return np.column_stack([_numbers(frame, c) for _, c in matched])


def _single_column_class(column: str, classes: list[str]) -> int:
    """Which of two classes (sorted as text) a lone probability column is for: the one it is named
    after, else the larger as numbers when both are numbers, else refused."""
    named = [i for i, k in enumerate(classes) if named_after(column, k)]
    if len(named) == 1:
        return named[0]
    try:
        numbers = [float(k) for k in classes]
    except ValueError:
        lowered = [k.lower() for k in classes]
        if lowered in (["false", "true"], ["no", "yes"]):
            return 1
        raise InputError(f"--proba {column!r}: which class is it the probability of, {classes[0]!r} or "
                         f"{classes[1]!r}? Name the column after the class (e.g. 'p_{classes[1]}')") from None
    return int(np.argmax(numbers))


def _numbers(frame: pl.DataFrame, column: str) -> Array:
    s = frame.get_column(column)
    if not s.dtype.is_numeric():
        raise InputError(f"probability column {column!r} is not numeric ({s.dtype})")
    out: Array = s.cast(pl.Float64).fill_null(float("nan")).to_numpy()
    return out


def assess(frame: pl.DataFrame, schema: Schema, target: str, *, proba: Sequence[str] = (),
           annotators: Sequence[str] = (), model: Any = None, folds: int = 5, max_rows: int | None = None,
           seed: int = 0) -> ClassAssessment | ResidualAssessment | None:
    """Judge the labels of ``target`` in ``frame``; ``None`` when there is too little to judge.

    Raises :class:`~seismo.exceptions.InputError` for input that cannot be judged and that the
    user should hear about (a single class, probability columns that do not fit the classes or do
    not sum to one, no feature to model the labels with).
    """
    if target not in frame.columns:
        raise InputError(f"target column {target!r} not found; columns are {', '.join(frame.columns[:15])}")
    col = schema.get(target)
    if is_classification(frame.get_column(target), col.kind if col is not None else None):
        return _assess_classes(frame, schema, target, proba=proba, annotators=annotators, model=model, folds=folds,
                               max_rows=max_rows, seed=seed)
    return _assess_residuals(frame, schema, target, model=model, folds=folds, max_rows=max_rows, seed=seed)


def _assess_classes(frame: pl.DataFrame, schema: Schema, target: str, *, proba: Sequence[str],
                    annotators: Sequence[str], model: Any, folds: int, max_rows: int | None,
                    seed: int) -> ClassAssessment | None:
    from seismo.data.labels import label_array
    from seismo.labels.oof import encode_features, out_of_fold_proba

    y_all = _class_labels(frame, target)
    rows, total = _labelled_positions(y_all, max_rows)
    if rows.size == 0:
        raise InputError(f"target {target!r} has no labels (every value is missing)")
    y = y_all[rows]
    if proba and target in proba:
        raise InputError(f"--proba names the target {target!r} itself; give the probability columns")
    classes = sorted(set(y.tolist()))
    if len(classes) < 2:
        raise InputError(f"target {target!r} has a single class ({classes[0]!r}): there is no label to doubt")
    if rows.size < min_labelled_rows(True, folds):
        return None
    part = frame[rows.tolist()] if rows.size < frame.height else frame
    exclude = [target, *proba, *annotators]
    features = _feature_columns(schema, part, exclude)
    x: Array | None = None
    is_cat: list[bool] = []
    if features:
        x, is_cat = encode_features(part, features)
    p = _given_proba(part, target, proba, classes)
    if p is not None:
        source = f"the given probability columns ({', '.join(proba)})"
        bad = ~np.isfinite(p).all(axis=1)
        if bad.any():
            first = int(rows[np.flatnonzero(bad)[0]])
            raise InputError(f"probability columns have missing or non-finite values in {int(bad.sum()):,} labelled "
                             f"rows (first: row {first})")
        outside = ((p < 0) | (p > 1)).any(axis=1)
        if outside.any():
            first = int(rows[np.flatnonzero(outside)[0]])
            raise InputError(f"probability columns hold values outside [0, 1] in {int(outside.sum()):,} rows "
                             f"(first: row {first})")
        off = np.abs(p.sum(axis=1) - 1.0) > 1e-3
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise InputError(f"probability columns {', '.join(proba)} do not sum to 1 in {int(off.sum()):,} rows "
                             f"(first: row {int(rows[i])}, sum {float(p[i].sum()):.4g}); give one column per class")
    else:
        if x is None:
            raise InputError(f"no feature column to model {target!r} with (numeric, categorical or boolean); "
                             "pass --proba with out-of-fold class probabilities instead")
        p, fitted = out_of_fold_proba(x, y, model=model, folds=folds, seed=seed, categorical=is_cat)
        classes = [str(c) for c in fitted.tolist()]
        name = type(model).__name__ if model is not None else "HistGradientBoostingClassifier"
        source = f"{folds}-fold out-of-fold {name} on {len(features)} feature columns"
    issues = find_label_issues(y, p, classes=np.asarray(classes, dtype=object))
    codes = np.searchsorted(np.asarray(classes, dtype=object), y)
    floor = noise_floor(codes, p)
    estimate = estimate_noise(codes, p, seed=seed)
    used = ["confident"]
    knn = dups = None
    if x is not None:
        numeric_x = np.where(np.isfinite(x), x, np.nan)
        if rows.size <= _KNN_ROWS and rows.size > 11:
            knn = knn_disagreement(numeric_x, y, k=10, random_state=seed)
            used.append("knn")
        dups = conflicting_duplicates(numeric_x, y)
        used.append("duplicates")
    ann = None
    quality: dict[str, float] = {}
    if annotators:
        annotators = _check_annotators(part, target, annotators, classes)
        table = np.column_stack([_blank_as_missing(label_array(part, a, text=True)) for a in annotators])
        ann = annotator_consensus(table)
        quality = dict(zip(annotators, [float(v) for v in ann.annotator_quality], strict=True))
        used.append("annotators")
    # two annotators cannot be weighed against each other (one-coin Dawid-Skene needs three to tell
    # who is right): their consensus votes with the other signals but never decides alone
    combined = combine_signals(int(rows.size), confident=issues, knn=knn, duplicates=dups, annotators=ann, labels=y,
                               annotators_decisive=len(annotators) >= 3)
    return ClassAssessment(target=target, positions=rows, given=y, issues=issues, floor=floor, estimate=estimate,
                           combined=combined, source=source, labelled_rows=total, signals_used=tuple(used),
                           annotators=quality)


def _assess_residuals(frame: pl.DataFrame, schema: Schema, target: str, *, model: Any, folds: int,
                      max_rows: int | None, seed: int) -> ResidualAssessment | None:
    from scipy import stats

    from seismo.labels.oof import encode_features, out_of_fold_predict

    y_all = _target_numbers(frame, target)
    rows, total = _labelled_positions(y_all, max_rows)
    if rows.size == 0:
        raise InputError(f"target {target!r} has no values (every value is missing)")
    if rows.size < min_labelled_rows(False, folds):
        return None
    part = frame[rows.tolist()] if rows.size < frame.height else frame
    features = _feature_columns(schema, part, [target])
    if not features:
        raise InputError(f"no feature column to model {target!r} with (numeric, categorical or boolean)")
    x, is_cat = encode_features(part, features)
    y = y_all[rows]
    log_scale = _right_skewed_positive(y)
    fit_y = np.log(y) if log_scale else y
    fitted = out_of_fold_predict(x, fit_y, model=model, folds=folds, seed=seed, categorical=is_cat)
    z = _robust_z(fit_y - fitted, fitted, floor=0.0 if log_scale else _resolution(y))
    predicted = np.exp(fitted) if log_scale else fitted
    threshold = max(RESIDUAL_Z_MIN, float(stats.norm.isf(RESIDUAL_ALPHA / (2 * rows.size))))
    # far beyond the residuals' spread, and by at least the target's interquartile range: the trees
    # cannot extrapolate, so rows at the ends of a feature's range miss by more than the rest without
    # their label being wrong (a unit slip or a sign error moves a value by far more)
    q25, q75 = np.quantile(fit_y, [0.25, 0.75])
    over = np.flatnonzero((np.abs(z) > threshold) & (np.abs(fit_y - fitted) >= max(q75 - q25, 0.0)))
    flagged = over[np.argsort(-np.abs(z[over]), kind="stable")]
    name = type(model).__name__ if model is not None else "HistGradientBoostingRegressor"
    scale = " of log(target): a positive, right-skewed target" if log_scale else ""
    return ResidualAssessment(target=target, positions=rows, given=y, predicted=predicted, z=z, threshold=threshold,
                              flagged=flagged, labelled_rows=total,
                              source=f"{folds}-fold out-of-fold {name} on {len(features)} feature columns{scale}")


def _right_skewed_positive(y: Array) -> bool:
    """A positive target with a long right tail (prices, amounts, durations): its errors are relative,
    so it is modelled and judged on the log scale. Kelly's quantile skewness (q90 + q10 - 2 q50) /
    (q90 - q10), which a few wrong values cannot move, is above 0.25 and at most half as large on the
    log scale."""
    if y.size < 10 or float(y.min()) <= 0:
        return False

    def kelly(v: Array) -> float:
        q10, q50, q90 = np.quantile(v, [0.1, 0.5, 0.9])
        return float((q90 + q10 - 2 * q50) / (q90 - q10)) if q90 > q10 else 0.0

    skew = kelly(y)
    return skew > 0.25 and abs(kelly(np.log(y))) <= skew / 2


def _resolution(y: Array) -> float:
    """The step of a target recorded on a grid (1 for whole numbers, 0.5 for halves): no residual
    scale is finer than it, or a miss by one step at a rounding boundary would look extreme. 0 for
    a target whose values do not sit on a common grid."""
    values = np.unique(y)
    if values.size < 3:
        return 0.0
    step = float(np.min(np.diff(values)))
    on_grid = bool(np.allclose(np.round((values - values[0]) / step), (values - values[0]) / step, atol=1e-6))
    return step if on_grid and values.size <= 0.5 * y.size else 0.0


def _robust_z(residual: Array, predicted: Array, *, floor: float = 0.0) -> Array:
    """Residuals over 1.4826 x their median absolute deviation within deciles of the prediction
    (the whole table's when a decile has no spread), the scale never below ``floor``."""
    n = residual.size
    center = float(np.median(residual))
    dev = np.abs(residual - center)
    overall = 1.4826 * float(np.median(dev))
    if overall == 0.0:
        overall = 1.2533 * float(dev.mean())  # the mean absolute deviation, for tables mostly exact
    overall = max(overall, floor)
    if overall == 0.0:
        return np.zeros(n)
    scale = np.full(n, overall)
    if n >= 50 * _RESIDUAL_BINS:
        order = np.argsort(predicted, kind="stable")
        for chunk in np.array_split(order, _RESIDUAL_BINS):
            local = 1.4826 * float(np.median(dev[chunk]))
            scale[chunk] = local if local > 0 else overall
    out: Array = (residual - center) / np.maximum(scale, floor)
    return out


# --- findings --------------------------------------------------------------------------------

MAX_LISTED = 1_000
"""Inside ``seismo scan`` the evidence lists at most this many suspects; ``seismo labels`` lists all."""


def findings(result: ClassAssessment | ResidualAssessment, dataset: str, *, listed: int | None = MAX_LISTED) -> list[Finding]:
    """The findings of one assessment (none when the labels look clean)."""
    if isinstance(result, ClassAssessment):
        return _class_findings(result, dataset, listed)
    return _residual_findings(result, dataset, listed)


def _severity(rate: float) -> Severity:
    return Severity.HIGH if rate >= 0.08 else Severity.MEDIUM if rate >= 0.03 else Severity.LOW


def _sample_note(result: ClassAssessment | ResidualAssessment) -> str:
    if not result.sampled:
        return ""
    return (f" (judged on every {-(-result.labelled_rows // result.positions.size)}-th of the "
            f"{result.labelled_rows:,} labelled rows; seismo labels judges them all)")


def _class_findings(a: ClassAssessment, dataset: str, listed: int | None) -> list[Finding]:
    floor = a.floor
    by_annotators = _annotator_evidence(a)
    if not floor.significant and not by_annotators:
        return []
    comb = a.combined
    ranked = comb.ranked if listed is None else comb.ranked[:listed]
    n_suspects = int(comb.is_issue.sum())
    rate = a.estimate.rate if floor.significant else n_suspects / max(1, a.positions.size)
    evidence: dict[str, Any] = {
        "dataset": dataset, **_estimate_evidence(a),
        "rows": [int(r) for r in a.positions[ranked]],
        "suggested_labels": [None if v is None else str(v) for v in comb.suggested[ranked]],
        "given_labels": [str(v) for v in a.given[ranked]],
        "label_quality": [round(float(q), 6) for q in comb.score[ranked]],
        "flagged_by": [list(comb.signals[i]) for i in ranked],
        "label_quality_direction": "low = likely wrong (geometric mean of the signals' qualities)",
        "suspects": n_suspects, "listed": len(ranked), "labelled_rows": a.labelled_rows,
        "assessed_rows": int(a.positions.size),
        "noise_floor": floor.to_dict([str(c) for c in a.issues.classes]),
        "statistic": floor.rate, "p_value": floor.p_value, "sample_size": int(a.positions.size),
        "threshold": f"a predicted class's noise floor >= {FLOOR_MIN:.0%} and above {FLOOR_NULL:.0%} (one-sided, "
                     f"Bonferroni over classes, p < {ALPHA}) where the model is skilled (AUC >= {SKILL_AUC})",
        "signals": list(a.signals_used),
        "probabilities": a.source,
        "method": "share of wrong labels: the labels against the model in each predicted class's most confident "
                  f"rows (anchor points; {BANDS[0]:.0%} to {BANDS[-1]:.0%} of them, widened while their disagreement "
                  f"stays flat), {LEVEL:.0%} percentile bootstrap over rows ({RESAMPLES} resamples); suspects: "
                  "confident learning, prune by noise rate (Northcutt et al. 2021), kNN editing (Wilson 1972), "
                  "one-coin Dawid-Skene consensus (1979); noise floor: intercept of disagreement on the model's "
                  "doubt in each predicted class's most confident 40%",
        "figures": _FIGURES,
    }
    if a.annotators:
        evidence["annotator_quality"] = a.annotators
    if by_annotators:
        evidence["annotator_disagreement"] = by_annotators
    top_pair = _top_confusion(a)
    recommendation = ("Review the listed rows, most suspect first (seismo labels DATA --target COL --out suspects.csv "
                      "writes them with the suggested labels and the signals that flagged them); fix or drop the "
                      "wrong ones before training")
    recommendation += (f"; most of the noise is {top_pair}: clarify that distinction in the labelling guide."
                       if top_pair else ".")
    return [Finding(check="labels.noise", failure_mode=FailureMode.LABEL_NOISE, severity=_severity(rate),
                    columns=(a.target,), message=_class_message(a, dataset, n_suspects, by_annotators),
                    evidence=evidence, recommendation=recommendation, id=f"labels.noise:{dataset}:{a.target}")]


_FIGURES = {
    "noise_rate": "the estimate: the share of wrong labels, noise_rate_interval its interval (estimated: true)",
    "noise_rate_per_class": "noise_rate split by class: the share of wrong labels among the rows of each class (the "
                            "rows the model assigns to it); weighted by noise_rate_class_shares they sum to noise_rate",
    "noise_matrix": "where each class's wrong labels went, P(given label | true class), read from the same rows",
    "suspects": "a count, not a rate: the rows listed for review (confident learning, and rows two other signals "
                "doubt), most suspect first; a confident suspect can be ambiguous rather than wrong",
    "noise_floor": "the part of noise_rate flipped independently of the features, a lower bound (a model that "
                   "learned the noise hides some of it); its test (statistic, p_value, threshold) decides the finding",
}
"""What each figure of a ``labels.noise`` finding is, in words (evidence ``figures``)."""


def _estimate_evidence(a: ClassAssessment) -> dict[str, Any]:
    """The headline and its parts, in the order the card shows them."""
    est = a.estimate
    classes = [str(c) for c in a.issues.classes]
    return {
        "noise_rate": est.rate, "noise_rate_interval": [est.interval[0], est.interval[1]],
        "interval_level": est.level, "estimated": True,
        "noise_rate_per_class": dict(zip(classes, [float(v) for v in est.per_class], strict=True)),
        "noise_rate_class_shares": dict(zip(classes, [float(v) for v in est.shares], strict=True)),
        "noise_rate_rows_read": est.rows, "noise_rate_band": est.band,
        "noise_matrix": {"given_rows_true_columns": classes, "values": [[float(v) for v in r] for r in est.matrix]},
    }


def _class_message(a: ClassAssessment, dataset: str, n_suspects: int, by_annotators: dict[str, Any] | None) -> str:
    """The headline first, in plain words; then its parts: the noise floor, the suspects listed."""
    est, floor = a.estimate, a.floor
    lo, hi = est.interval
    text = (f"{dataset}: about {est.rate:.1%} of the labels of {a.target!r} look wrong ({est.level:.0%} interval "
            f"{lo:.1%}-{hi:.1%}), judged where the model is surest of the class")
    if floor.significant and floor.rate <= est.rate:
        text += (f"; at least {floor.rate:.1%} look flipped independently of the features (the noise floor, "
                 "a lower bound)")
    elif floor.significant:
        text += (f"; the noise floor, a lower bound that counts only labels flipped independently of the features, "
                 f"finds as many ({floor.rate:.1%}): they look flipped at random")
    if by_annotators:
        text += (f"; the annotators' weighted consensus contradicts {by_annotators['rows_against_consensus']:,} of the "
                 "given labels")
    return (text + f". {n_suspects:,} of {a.positions.size:,} rows are listed as suspects, most suspect first"
            + _sample_note(a))


def _annotator_evidence(a: ClassAssessment) -> dict[str, Any] | None:
    """With annotators: the given label is contradicted by a confident weighted consensus
    (posterior of the given label below 0.1) on at least max(5, 2%) of the rows."""
    q = a.combined.qualities.get("annotators")
    if q is None or len(a.annotators) < 3:  # two annotators cannot outvote the given label on their own
        return None
    against = int(np.sum(np.nan_to_num(q, nan=1.0) < 0.1))
    if against < max(5, 0.02 * a.positions.size):
        return None
    return {"rows_against_consensus": against, "share": against / a.positions.size,
            "threshold": "posterior of the given label < 0.1 on >= max(5, 2%) of the rows"}


def _top_confusion(a: ClassAssessment) -> str:
    """The off-diagonal cell holding at least half the estimated noise, as text."""
    joint = np.asarray(a.issues.confident_joint, dtype=np.float64)
    off = joint.copy()
    np.fill_diagonal(off, 0.0)
    total = off.sum()
    if total <= 0 or off.shape[0] <= 2:
        return ""
    i, j = np.unravel_index(int(np.argmax(off)), off.shape)
    if off[i, j] < 0.5 * total:
        return ""
    classes = [str(c) for c in a.issues.classes]
    return f"rows of class {classes[j]!r} labelled {classes[i]!r}"


def _residual_findings(a: ResidualAssessment, dataset: str, listed: int | None) -> list[Finding]:
    n_flagged = int(a.flagged.size)
    if n_flagged == 0:
        return []
    share = n_flagged / a.positions.size
    flagged = a.flagged if listed is None else a.flagged[:listed]
    severity = Severity.HIGH if share >= 0.05 else Severity.MEDIUM if share >= 0.01 else Severity.LOW
    return [Finding(
        check="labels.residual", failure_mode=FailureMode.LABEL_NOISE, severity=severity, columns=(a.target,),
        message=(f"{dataset}: {n_flagged:,} of {a.positions.size:,} values of {a.target} are far from what the "
                 f"features predict (robust z beyond {a.threshold:.1f})" + _sample_note(a)),
        evidence={"dataset": dataset, "rows": [int(r) for r in a.positions[flagged]],
                  "suggested_labels": [float(v) for v in a.predicted[flagged]],
                  "given_labels": [float(v) for v in a.given[flagged]],
                  "robust_z": [round(float(v), 3) for v in a.z[flagged]],
                  "suspects": n_flagged, "listed": int(flagged.size), "labelled_rows": a.labelled_rows,
                  "assessed_rows": int(a.positions.size), "statistic": float(np.max(np.abs(a.z[a.flagged]))),
                  "threshold": a.threshold, "sample_size": int(a.positions.size),
                  "p_value": None,
                  "method": "out-of-fold residuals over 1.4826 x MAD within prediction deciles; threshold "
                            f"max({RESIDUAL_Z_MIN:g}, Bonferroni normal bound at {RESIDUAL_ALPHA:.0%})",
                  "predictions": a.source},
        recommendation=("Check the listed rows' values at their source: a value this far from every similar row is "
                        "often a unit slip, a sign error or a shifted column; the suggested value is the out-of-fold "
                        "prediction, a starting point rather than a correction."),
        id=f"labels.residual:{dataset}:{a.target}")]


def suspects_frame(result: ClassAssessment | ResidualAssessment, frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every suspect row, most suspect first: position, given and suggested label, score, the
    signals that flagged it, then (with ``frame``) the row's own columns."""
    if isinstance(result, ClassAssessment):
        ranked = result.combined.ranked
        out = pl.DataFrame({
            "row": pl.Series(result.positions[ranked], dtype=pl.Int64),
            "given_label": pl.Series([str(v) for v in result.given[ranked]], dtype=pl.String),
            "suggested_label": pl.Series([None if v is None else str(v) for v in result.combined.suggested[ranked]],
                                         dtype=pl.String),
            "label_quality": pl.Series(result.combined.score[ranked], dtype=pl.Float64),
            "flagged_by": pl.Series([";".join(result.combined.signals[i]) for i in ranked], dtype=pl.String),
        })
    else:
        ranked = result.flagged
        out = pl.DataFrame({
            "row": pl.Series(result.positions[ranked], dtype=pl.Int64),
            "given_label": pl.Series(result.given[ranked], dtype=pl.Float64),
            "suggested_label": pl.Series(result.predicted[ranked], dtype=pl.Float64),
            "robust_z": pl.Series(result.z[ranked], dtype=pl.Float64),
        })
    if frame is None:
        return out
    taken = frame[out.get_column("row").to_list()] if out.height else frame.head(0)
    used = set(out.columns)
    renames = {}
    for c in taken.columns:  # the row's own columns keep their names unless the suspects table has them
        name = c
        while name in used:
            name += "_"
        used.add(name)
        renames[c] = name
    taken = taken.rename(renames)
    return pl.concat([out, taken], how="horizontal")
